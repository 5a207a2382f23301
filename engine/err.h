/*
** err.h — error records, assertions and the small memory helpers every
** module shares. See sdm.h for sdm_err itself.
*/
#ifndef SDM_ERR_H
#define SDM_ERR_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sdm.h"

/* Fill `e` (may be NULL) and return `code`, so a failure site is one line:
**   return err_set(e, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no task %lld", id); */
int err_set(sdm_err *e, int code, const char *file, int line, const char *element,
            const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Prefix the message already in `e` with context ("deploy x.bpmn: ..."). */
void err_prefix(sdm_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(sdm_err *e);

/* Internal inconsistency found in the store or in memory: never silently
** ignored. The BKPT form records the engine source line, like SQLite's. */
int err_corrupt(sdm_err *e, int src_line, const char *what);
#define SDM_CORRUPT_BKPT(e, what) err_corrupt((e), __LINE__, (what))

/* sdm_assert: our own invariants, on in test builds (SDM_DEBUG).
** sdm_panic: never compiled out; the default of every switch on a kind. */
#ifdef SDM_DEBUG
#define sdm_assert(c) ((c) ? (void)0 : sdm_panic_at(__FILE__, __LINE__, #c))
#else
#define sdm_assert(c) ((void)0)
#endif
#define sdm_panic(msg) sdm_panic_at(__FILE__, __LINE__, (msg))
_Noreturn void sdm_panic_at(const char *file, int line, const char *msg);

/* Allocation that cannot return NULL: out of memory aborts with a message.
** The engine's data is in SQLite, so an abort loses nothing committed. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Strict UTF-8 (no overlong forms, surrogates, code points past U+10FFFF). */
int err_utf8_valid(const unsigned char *s, size_t n);
/* SDM_ERR_MISUSE naming `what` unless v is non-empty, valid UTF-8 without
** control characters: the one check for keys and names from outside. */
int err_check_name(sdm_err *e, const char *what, const char *v);

/* A whole file of at most `max` bytes into *buf (NUL-terminated, the
** caller frees) and *len: SDM_OK, or SDM_ERR_IO / SDM_ERR_LIMIT naming it. */
int err_read_file(sdm_err *e, const char *path, size_t max, char **buf, size_t *len);

/* A growable string, always NUL-terminated once it holds anything.
** sbuf_room gives room for n more bytes and the NUL at b->s + b->len, for
** a writer that puts its bytes there itself (detail.c), adds them to
** b->len and writes the NUL. The two are inline: history and details add
** a dozen short pieces a step, and a call and a memcpy call each cost
** more than the copy (a constant n becomes a plain store). */
typedef struct sbuf { char *s; size_t len, cap; } sbuf;
void sbuf_grow(sbuf *b, size_t n);
static inline char *sbuf_room(sbuf *b, size_t n) {
    if (b->len + n + 1 > b->cap) sbuf_grow(b, n);
    return b->s + b->len;
}
static inline void sbuf_add(sbuf *b, const char *s, size_t n) {
    memcpy(sbuf_room(b, n), s, n);
    b->len += n;
    b->s[b->len] = 0;
}
void sbuf_puts(sbuf *b, const char *s);
void sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sbuf_take(sbuf *b);   /* returns the string (never NULL); b is reset */
/* Append s escaped for XML: attr = 1 for an attribute value (line breaks
** as &#10;), 0 for element text. Characters XML 1.0 forbids are dropped. */
void sbuf_xml(sbuf *b, const char *s, int attr);

#endif
