/*
** detail.c — a history row's detail: compact JSON with sorted keys from a
** jansson pack format ("{s:I, s:s?}"), exactly as json_pack + json_dumps
** (JSON_COMPACT | JSON_SORT_KEYS) would write it.
**
** Nearly every step writes details, and through jansson each cost an
** object, its keys, a sort and a dump: ~8,000 instructions for
** {"assignee":null,"role":null,"task":2}, an eighth of a step's CPU. The
** formats the runtime uses (one object of keys with s, s?, i, I, b values)
** are written here directly; any other format, a string that is not plain
** ASCII (jansson checks UTF-8 and may refuse it) or a key out of the common
** case goes to jansson. The test build checks each direct text against
** jansson's. It must not decide what a detail says (the callers do).
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "detail.h"
#include "err.h"

#define MAXPAIR 8

typedef struct pair { const char *key; char kind; const char *s; long long n; } pair;

static int plain(const char *s) {
    for (; *s; s++) if ((unsigned char)*s >= 0x80) return 0;
    return 1;
}

void detail_json_string(sbuf *b, const char *s) {
    if (!s) { sbuf_add(b, "null", 4); return; }
    sbuf_add(b, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        sbuf_add(b, run, (size_t)(s - run));
        char e[8] = {'\\', (char)c};
        switch (c) {
        case '"': case '\\': break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        default: snprintf(e, sizeof e, "\\u%04X", c);
        }
        sbuf_add(b, e, strlen(e));
        run = s + 1;
    }
    sbuf_add(b, run, strlen(run));
    sbuf_add(b, "\"", 1);
}

/* Reads fmt's pairs and their arguments; 0 when the format is not one this
** file writes (nothing consumed that matters: the caller has a copy). */
static int read_pairs(const char *fmt, va_list ap, pair *p, int *np) {
    int n = 0;
    if (*fmt++ != '{') return 0;
    for (;;) {
        while (*fmt == ' ' || *fmt == ',') fmt++;
        if (*fmt == '}') break;
        if (n == MAXPAIR || *fmt++ != 's' || *fmt++ != ':') return 0;
        const char *key = va_arg(ap, const char *);
        if (!key || !plain(key)) return 0;
        pair *q = &p[n++];
        q->key = key;
        q->kind = *fmt++;
        switch (q->kind) {
        case 's':
            q->s = va_arg(ap, const char *);
            if (*fmt == '?') fmt++;
            else if (!q->s) return 0;          /* jansson refuses a NULL "s" */
            if (q->s && !plain(q->s)) return 0;
            break;
        case 'i': case 'b': q->n = va_arg(ap, int); break;
        case 'I': q->n = (long long)va_arg(ap, json_int_t); break;
        default: return 0;
        }
    }
    if (fmt[1]) return 0;
    *np = n;
    return 1;
}

static char *write_pairs(pair *p, int n) {
    for (int i = 1; i < n; i++)           /* JSON_SORT_KEYS: by strcmp */
        for (int j = i; j > 0 && strcmp(p[j - 1].key, p[j].key) > 0; j--) {
            pair t = p[j]; p[j] = p[j - 1]; p[j - 1] = t;
        }
    sbuf b = {0};
    sbuf_add(&b, "{", 1);
    for (int i = 0; i < n; i++) {
        if (i) sbuf_add(&b, ",", 1);
        detail_json_string(&b, p[i].key);
        sbuf_add(&b, ":", 1);
        char num[24];
        switch (p[i].kind) {
        case 's': detail_json_string(&b, p[i].s); break;
        case 'b': sbuf_puts(&b, p[i].n ? "true" : "false"); break;
        default: sbuf_add(&b, num, (size_t)snprintf(num, sizeof num, "%lld", p[i].n));
        }
    }
    sbuf_add(&b, "}", 1);
    return sbuf_take(&b);
}

static char *by_jansson(const char *fmt, va_list ap) {
    json_t *j = json_vpack_ex(NULL, 0, fmt, ap);
    if (!j) return NULL;
    char *out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return out;
}

char *detail_vpack(const char *fmt, va_list ap) {
    pair p[MAXPAIR];
    int n = 0;
    va_list again;
    va_copy(again, ap);
    char *out = read_pairs(fmt, ap, p, &n) ? write_pairs(p, n) : NULL;
#ifdef SDM_DEBUG
    if (out) {
        va_list check;
        va_copy(check, again);
        char *want = by_jansson(fmt, check);
        va_end(check);
        sdm_assert(want && strcmp(out, want) == 0);
        free(want);
    }
#endif
    if (!out) out = by_jansson(fmt, again);
    va_end(again);
    return out;
}
