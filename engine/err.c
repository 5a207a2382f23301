/*
** err.c — filling error records, panics and checked allocation.
** Owns no state. Must not print anything except in sdm_panic_at.
*/
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include "err.h"

static void copy(char *dst, size_t n, const char *src) {
    if (!src) src = "";
    snprintf(dst, n, "%s", src);
}

int err_set(sdm_err *e, int code, const char *file, int line, const char *element,
            const char *fmt, ...) {
    if (!e) return code;
    va_list ap;
    e->code = code;
    e->line = line;
    copy(e->file, sizeof e->file, file);
    copy(e->element, sizeof e->element, element);
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

void err_prefix(sdm_err *e, const char *fmt, ...) {
    if (!e) return;
    char pre[512], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(e->msg, sizeof e->msg, "%s: %s", pre, old);
}

void err_clear(sdm_err *e) {
    if (e) memset(e, 0, sizeof *e);
}

int err_corrupt(sdm_err *e, int src_line, const char *what) {
    return err_set(e, SDM_ERR_CORRUPT, NULL, 0, NULL,
                   "store is inconsistent: %s (detected at engine line %d)", what, src_line);
}

void sdm_panic_at(const char *file, int line, const char *msg) {
    fprintf(stderr, "sdm: panic at %s:%d: %s\n", file, line, msg);
    abort();
}

static void *oom(size_t n) {
    fprintf(stderr, "sdm: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n) { void *p = malloc(n ? n : 1); return p ? p : oom(n); }
void *xcalloc(size_t n, size_t size) { void *p = calloc(n ? n : 1, size ? size : 1); return p ? p : oom(n * size); }
void *xrealloc(void *p, size_t n) { void *q = realloc(p, n ? n : 1); return q ? q : oom(n); }
char *xstrdup(const char *s) { size_t n = strlen(s) + 1; return memcpy(xmalloc(n), s, n); }

char *xasprintf(const char *fmt, ...) {
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < (int)sizeof tmp) { sbuf_add(&b, tmp, (size_t)n); return sbuf_take(&b); }
    b.s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b.s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return b.s;
}

void sbuf_grow(sbuf *b, size_t n) {
    if (b->len + n + 1 <= b->cap) return;
    b->cap = (b->len + n + 1) * 2;
    b->s = xrealloc(b->s, b->cap);
}

void sbuf_puts(sbuf *b, const char *s) { sbuf_add(b, s, strlen(s)); }

void sbuf_printf(sbuf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) { sbuf_add(b, tmp, (size_t)n); return; }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sbuf_add(b, big, (size_t)n);
    free(big);
}

char *sbuf_take(sbuf *b) {
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL; b->len = b->cap = 0;
    return s;
}

/* Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
int err_utf8_valid(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], need, min, cp;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; cp = c & 0x07; }
        else return 0;
        if (n - i <= need) return 0;
        for (unsigned k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
        i += need + 1;
    }
    return 1;
}

/* A key or name from outside (client key, variable, message or signal
** name) reaches e-mail headers, JSON and logs: a control character or
** invalid UTF-8 in it would break each of them later and for good, so it
** is refused before anything is stored. */
int err_check_name(sdm_err *e, const char *what, const char *v) {
    if (!v || !*v) return err_set(e, SDM_ERR_MISUSE, NULL, 0, NULL, "%s is empty", what);
    size_t n = strlen(v);
    if (!err_utf8_valid((const unsigned char *)v, n))
        return err_set(e, SDM_ERR_MISUSE, NULL, 0, NULL, "%s is not valid UTF-8", what);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7f)
            return err_set(e, SDM_ERR_MISUSE, NULL, 0, NULL, "%s '%.*s...' holds a control character"
                           " (U+%04X) at byte %zu", what, (int)(i < 60 ? i : 60), v, c, i + 1);
    }
    return SDM_OK;
}

void sbuf_xml(sbuf *b, const char *s, int attr) {
    for (; s && *s; s++) {
        switch (*s) {
        case '<': sbuf_puts(b, "&lt;"); break;
        case '>': sbuf_puts(b, "&gt;"); break;
        case '&': sbuf_puts(b, "&amp;"); break;
        case '"': sbuf_puts(b, "&quot;"); break;
        case '\n': sbuf_puts(b, attr ? "&#10;" : "\n"); break;
        case '\t': case '\r': sbuf_puts(b, attr ? " " : *s == '\t' ? "\t" : "\r"); break;
        default: if ((unsigned char)*s >= 0x20) sbuf_add(b, s, 1);
        }
    }
}

int err_read_file(sdm_err *e, const char *path, size_t max, char **buf, size_t *len) {
    struct stat sb;
    *buf = NULL;
    *len = 0;
    if (stat(path, &sb) != 0) return err_set(e, SDM_ERR_IO, path, 0, NULL, "cannot read: %s", strerror(errno));
    if ((size_t)sb.st_size > max)
        return err_set(e, SDM_ERR_LIMIT, path, 0, NULL, "file is %lld bytes, over the limit of %zu",
                       (long long)sb.st_size, max);
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(e, SDM_ERR_IO, path, 0, NULL, "cannot open: %s", strerror(errno));
    *buf = xmalloc((size_t)sb.st_size + 1);
    *len = fread(*buf, 1, (size_t)sb.st_size, f);
    (*buf)[*len] = 0;
    fclose(f);
    return SDM_OK;
}
