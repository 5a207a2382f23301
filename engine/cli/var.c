/*
** var.c — decoding one `--var NAME=VALUE`: VALUE is JSON when it parses
** (42, true, "x", {...}), else text. Refuses what would reach the store
** wrong: invalid UTF-8 anywhere, control characters in the name, a number
** outside double's range (1e400 is not silently the text "1e400").
** Self-contained so tests/fuzz/fuzz_var.c can include it.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

int cli_var_parse(const char *kv, char **name, json_t **value, char *msg, size_t n);

/* Length of the valid UTF-8 sequence at s, 0 if invalid (overlong forms,
** surrogates and code points past U+10FFFF are invalid). */
static int utf8_seq(const unsigned char *s) {
    if (s[0] < 0x80) return 1;
    int len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (!len || s[0] > 0xF4) return 0;
    for (int i = 1; i < len; i++) if ((s[i] & 0xC0) != 0x80) return 0;
    if (len == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))) return 0;
    if (len == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))) return 0;
    return len;
}

/* 0 when s[0..len) is valid UTF-8 (and, if no_controls, holds no C0
** control character or DEL). */
static int check_text(const char *s, size_t len, int no_controls) {
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        if (no_controls && (*p < 0x20 || *p == 0x7F)) return -1;
        int k = utf8_seq(p);
        if (!k || p + k > end) return -1;
        p += k;
    }
    return 0;
}

/* Whether s is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number_text(const char *s) {
    if (*s == '-') s++;
    if (*s == '0') s++;
    else if (*s >= '1' && *s <= '9') while (*s >= '0' && *s <= '9') s++;
    else return 0;
    if (*s == '.') { s++; if (*s < '0' || *s > '9') return 0; while (*s >= '0' && *s <= '9') s++; }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-') s++;
        if (*s < '0' || *s > '9') return 0;
        while (*s >= '0' && *s <= '9') s++;
    }
    return *s == 0;
}

static int refuse(char *msg, size_t n, const char *fmt, const char *what) {
    snprintf(msg, n, fmt, what);
    return -1;
}

int cli_var_parse(const char *kv, char **name, json_t **value, char *msg, size_t n) {
    *name = NULL;
    *value = NULL;
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) return refuse(msg, n, "wants NAME=VALUE, not '%s'", kv);
    if (check_text(kv, (size_t)(eq - kv), 1)) return refuse(msg, n, "%s", "the name is not printable UTF-8 text");
    const char *v = eq + 1;
    if (check_text(v, strlen(v), 0)) return refuse(msg, n, "%s", "the value is not valid UTF-8");
    json_t *j;
    if (json_number_text(v)) {              /* jansson refuses integers past 64 bits: take them as reals */
        j = json_loads(v, JSON_DECODE_ANY, NULL);
        if (!j) {
            errno = 0;
            double d = strtod(v, NULL);
            if (errno == ERANGE) return refuse(msg, n, "the number %s is out of range", v);
            j = json_real(d);
        }
    } else {
        j = json_loads(v, JSON_DECODE_ANY, NULL);
        if (!j) j = json_string(v);
    }
    if (!j) return refuse(msg, n, "%s", "cannot hold the value");
    *name = strndup(kv, (size_t)(eq - kv));
    *value = j;
    return 0;
}
