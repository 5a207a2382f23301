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
**
** The JSON string writer is on every history event (the step's other
** events go into `more` as strings): it measures a string in one pass
** (length, bytes to add for escapes, whether it is ASCII) and then copies
** it once, or writes it byte by byte when something needs escaping, into
** room reserved up front; integers are written without printf (~600
** instructions each). tests/test_detail.c compares both with jansson.
*/
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "detail.h"
#include "err.h"

#define MAXPAIR 8

typedef struct pair { const char *key; char kind; const char *s; long long n; } pair;

/* What escaping adds to each byte of a JSON string: 1 for '"', '\\' and
** the short forms (\b \t \n \f \r), 5 for the other control characters
** (\u00XX), nothing for the rest ('/', DEL and UTF-8 stay as they are). */
static const unsigned char extra[256] = {
    5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1, 5, 1, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    ['"'] = 1, ['\\'] = 1,
};

/* s's length; *add gets what escaping adds, *high every byte ORed (bit 7
** set: s is not plain ASCII). One pass, so that the common string (nothing
** to escape) is then one copy. */
static size_t measure(const char *s, size_t *add, unsigned *high) {
    const unsigned char *p = (const unsigned char *)s;
    size_t a = 0;
    unsigned h = 0;
    for (; *p; p++) { a += extra[*p]; h |= *p; }
    *add = a;
    *high = h;
    return (size_t)(p - (const unsigned char *)s);
}

static void put_string(sbuf *b, const char *s, size_t n, size_t add) {
    static const char hex[] = "0123456789ABCDEF";
    char *o = sbuf_room(b, n + add + 2), *start = o;
    *o++ = '"';
    if (!add) { memcpy(o, s, n); o += n; }
    else for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!extra[c]) { *o++ = (char)c; continue; }
        *o++ = '\\';
        switch (c) {
        case '"': case '\\': *o++ = (char)c; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default: *o++ = 'u'; *o++ = '0'; *o++ = '0'; *o++ = hex[c >> 4]; *o++ = hex[c & 15];
        }
    }
    *o++ = '"';
    b->len += (size_t)(o - start);
    b->s[b->len] = 0;
}

void detail_json_string(sbuf *b, const char *s) {
    if (!s) { sbuf_add(b, "null", 4); return; }
    size_t add;
    unsigned high;
    size_t n = measure(s, &add, &high);
    put_string(b, s, n, add);
}

void detail_json_int(sbuf *b, long long v) {
    char tmp[20], *end = tmp + sizeof tmp, *p = end;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do *--p = (char)('0' + u % 10); while (u /= 10);
    size_t digits = (size_t)(end - p), n = digits + (v < 0);
    char *o = sbuf_room(b, n);
    if (v < 0) *o++ = '-';
    memcpy(o, p, digits);
    b->len += n;
    b->s[b->len] = 0;
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
        if (!key) return 0;
        pair *q = &p[n++];
        q->key = key;
        q->kind = *fmt++;
        switch (q->kind) {
        case 's':
            q->s = va_arg(ap, const char *);
            if (*fmt == '?') fmt++;
            else if (!q->s) return 0;          /* jansson refuses a NULL "s" */
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

/* s as a JSON string, or 0 (nothing written) when it is not plain ASCII. */
static int put_plain(sbuf *b, const char *s) {
    size_t add;
    unsigned high;
    size_t n = measure(s, &add, &high);
    if (high & 0x80) return 0;
    put_string(b, s, n, add);
    return 1;
}

/* The pairs' JSON, or NULL when a key or string is not plain ASCII. */
static char *write_pairs(pair *p, int n) {
    for (int i = 1; i < n; i++)           /* JSON_SORT_KEYS: by strcmp */
        for (int j = i; j > 0 && strcmp(p[j - 1].key, p[j].key) > 0; j--) {
            pair t = p[j]; p[j] = p[j - 1]; p[j - 1] = t;
        }
    sbuf b = {0};
    sbuf_room(&b, 64);                    /* one allocation for the usual detail */
    sbuf_add(&b, "{", 1);
    for (int i = 0; i < n; i++) {
        if (i) sbuf_add(&b, ",", 1);
        if (!put_plain(&b, p[i].key)) goto refuse;
        sbuf_add(&b, ":", 1);
        switch (p[i].kind) {
        case 's':
            if (!p[i].s) sbuf_add(&b, "null", 4);
            else if (!put_plain(&b, p[i].s)) goto refuse;
            break;
        case 'b': if (p[i].n) sbuf_add(&b, "true", 4); else sbuf_add(&b, "false", 5); break;
        default: detail_json_int(&b, p[i].n);
        }
    }
    sbuf_add(&b, "}", 1);
    return sbuf_take(&b);
refuse:
    free(b.s);
    return NULL;
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
