/*
** arena.h — a bump allocator for data that lives and dies together
** (one parsed XML document, one compiled model). Freed in one call.
*/
#ifndef SDM_ARENA_H
#define SDM_ARENA_H
#include <stddef.h>

typedef struct arena arena;

arena *arena_new(void);
void   arena_free(arena *a);
void  *arena_alloc(arena *a, size_t n);            /* zeroed, 16-byte aligned */
char  *arena_strdup(arena *a, const char *s);      /* NULL stays NULL */
char  *arena_strndup(arena *a, const char *s, size_t n);
size_t arena_bytes(const arena *a);                /* total reserved, for limits */
#endif
