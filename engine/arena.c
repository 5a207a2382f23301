/*
** arena.c — bump allocation in chunks. Owns only its chunks; never frees
** single objects.
*/
#include <string.h>
#include "arena.h"
#include "err.h"

typedef struct chunk { struct chunk *next; size_t used, size; } chunk;
struct arena { chunk *head; size_t total; };

#define CHUNK_MIN (64 * 1024)
#define ALIGN(n) (((n) + 15) & ~(size_t)15)
#define HDR ALIGN(sizeof(chunk))

arena *arena_new(void) { return xcalloc(1, sizeof(arena)); }

void arena_free(arena *a) {
    if (!a) return;
    for (chunk *c = a->head, *n; c; c = n) { n = c->next; free(c); }
    free(a);
}

void *arena_alloc(arena *a, size_t n) {
    n = ALIGN(n ? n : 1);
    chunk *c = a->head;
    if (!c || c->used + n > c->size) {
        size_t size = n > CHUNK_MIN ? n : CHUNK_MIN;
        c = xmalloc(HDR + size);
        c->next = a->head; c->used = 0; c->size = size;
        a->head = c;
        a->total += size;
    }
    void *p = (char *)c + HDR + c->used;
    c->used += n;
    return memset(p, 0, n);
}

char *arena_strndup(arena *a, const char *s, size_t n) {
    if (!s) return NULL;
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    return d;
}

char *arena_strdup(arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }
size_t arena_bytes(const arena *a) { return a->total; }
