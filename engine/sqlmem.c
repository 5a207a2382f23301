/*
** sqlmem.c — SQLite's memory allocator in sdm (SQLITE_CONFIG_MALLOC).
**
** Owns: the methods SQLite allocates its cursors, records, Mem buffers and
** statements with, and the per-thread caches behind them. Self-contained:
** it knows sizes and threads, never what SQLite keeps in the memory. It
** must not hold a block another allocator may free (each block is a whole
** malloc block, header included, so free() can always take it back), take
** a lock on the hot path, or keep a list longer than its cap.
**
** Why: Debian's SQLite is built without lookaside, so every cursor opened
** by a statement, record buffer and Mem grow is a malloc and a free: ~60
** pairs a bench10 completion, most of them cursors of 400-520 bytes, each
** ~150 instructions through glibc, ~35 here (callgrind: -4.4 % of a
** completion's instructions). Sizes up to MAX_SMALL are rounded to a size class
** and a freed block goes on its class's free list of the freeing thread,
** where the next allocation of that class on the thread finds it. Larger
** sizes go straight to malloc. Memory statistics are off (sdm never reads
** them), so SQLite calls these methods from several threads at once
** without a lock: the step's, the checkpoint thread's (store_ckpt.c), the
** server's handles on many threads. Per-thread lists need no lock; a block
** freed on another thread than it was allocated on simply joins that
** thread's list. A thread's lists go back to malloc when it exits (a
** pthread key's destructor); after that the thread, if SQLite still frees
** something on it (another key's destructor), uses malloc and free
** directly.
**
** Every block is an 8-byte header holding its usable size (the class's
** size, or the request rounded to 8 for a large block) and then the
** memory SQLite sees, aligned to 8 as SQLite requires (its own default
** allocator does the same). The test build (SDM_DEBUG) leaves SQLite on
** malloc so AddressSanitizer sees its memory; tests/test_sqlmem.c runs
** these methods directly and under SQLite.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "sqlmem.h"

/* Classes: 16-byte steps to 512 bytes (cursors, small records and
** values: nearly every allocation of a step), then 128-byte steps to
** MAX_SMALL. A malloc request of a class (size + 8) fills glibc's chunk
** exactly. A list holds at most LIST_SMALL blocks of a class to 512 bytes,
** LIST_BYTES of a larger one: a thread caches at most ~360 KiB, and a
** class a thread stops using can never take another class's room. */
enum {
    STEP1 = 16, TOP1 = 512, STEP2 = 128, MAX_SMALL = 4096,
    NCLASS = TOP1 / STEP1 + (MAX_SMALL - TOP1) / STEP2,
    LIST_SMALL = 16, LIST_BYTES = 8192
};

enum { T_NEW, T_LIVE, T_DEAD };     /* a thread's cache: unused, in use, exited */

typedef struct cache {
    void *head[NCLASS];             /* free blocks; the link is in the first word */
    unsigned short left[NCLASS];    /* blocks each list may still take; 0 unless T_LIVE */
    int state;                      /* T_* */
} cache;

static _Thread_local cache tc;
static pthread_key_t exit_key;      /* its destructor empties an exiting thread's cache */
static int key_ok;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static inline size_t class_of(size_t n) {      /* 1 <= n <= MAX_SMALL */
    return n <= TOP1 ? (n - 1) / STEP1 : TOP1 / STEP1 + (n - TOP1 - 1) / STEP2;
}
static inline size_t class_size(size_t c) {
    return c < TOP1 / STEP1 ? (c + 1) * STEP1 : TOP1 + (c + 1 - TOP1 / STEP1) * STEP2;
}
static inline size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

/* The usable size an allocation of n bytes gets. */
static size_t usable(size_t n) {
    if (n == 0) n = 1;
    return n <= MAX_SMALL ? class_size(class_of(n)) : round8(n);
}

static void empty(cache *t) {
    for (size_t c = 0; c < NCLASS; c++)
        while (t->head[c]) {
            void **p = t->head[c];
            t->head[c] = *p;
            t->left[c]++;
            free((size_t *)p - 1);
        }
}

static void at_thread_exit(void *arg) {
    cache *t = arg;
    empty(t);
    t->state = T_DEAD;
    memset(t->left, 0, sizeof t->left);
}

static void make_key(void) { key_ok = pthread_key_create(&exit_key, at_thread_exit) == 0; }

/* A new block from malloc: what the free list of its class lacked. */
static __attribute__((noinline)) void *fresh(int n) {
    size_t u = usable(n > 0 ? (size_t)n : 1);
    size_t *h = malloc(u + 8);
    if (!h) return NULL;
    *h = u;
    return h + 1;
}

static void *mem_malloc(int n) {
    size_t u = (size_t)n;
    if (u - 1 < MAX_SMALL) {        /* n <= 0 wraps around */
        size_t c = class_of(u);
        void **p = tc.head[c];
        if (p) {
            tc.head[c] = *p;
            tc.left[c]++;
            return p;
        }
    }
    return fresh(n);
}

/* A block the fast path could not cache: the thread's first (its cache
** comes to life and is registered for emptying at exit), a large one, one
** of a full list, an exited thread's. */
static __attribute__((noinline)) void drop(void *p) {
    cache *t = &tc;
    size_t u = ((size_t *)p)[-1];
    if (t->state == T_NEW && u <= MAX_SMALL) {
        pthread_once(&key_once, make_key);
        if (key_ok && pthread_setspecific(exit_key, t) == 0) {
            t->state = T_LIVE;
            for (size_t c = 0; c < NCLASS; c++)
                t->left[c] = c < TOP1 / STEP1 ? LIST_SMALL : LIST_BYTES / class_size(c);
            size_t c = class_of(u);
            *(void **)p = t->head[c];
            t->head[c] = p;
            t->left[c]--;
            return;
        }
        t->state = T_DEAD;
    }
    free((size_t *)p - 1);
}

static void mem_free(void *p) {
    if (!p) return;
    size_t u = ((size_t *)p)[-1];
    if (u <= MAX_SMALL) {
        size_t c = class_of(u);
        if (tc.left[c]) {
            *(void **)p = tc.head[c];
            tc.head[c] = p;
            tc.left[c]--;
            return;
        }
    }
    drop(p);
}

static int mem_size(void *p) { return p ? (int)((size_t *)p)[-1] : 0; }

static int mem_roundup(int n) { return n > 0x7ffff000 ? n : (int)usable(n > 0 ? (size_t)n : 1); }

static void *mem_realloc(void *p, int n) {
    if (!p) return mem_malloc(n);
    size_t old = ((size_t *)p)[-1], u = usable(n > 0 ? (size_t)n : 1);
    if (u == old) return p;
    if (old > MAX_SMALL && u > MAX_SMALL) {
        size_t *h = realloc((size_t *)p - 1, u + 8);
        if (!h) return NULL;
        *h = u;
        return h + 1;
    }
    void *q = mem_malloc(n);
    if (!q) return NULL;
    memcpy(q, p, old < u ? old : u);
    mem_free(p);
    return q;
}

static int mem_init(void *unused) { return SQLITE_OK; }
/* sqlite3_shutdown: the calling thread's blocks go back; other threads'
** go when they exit. */
static void mem_shutdown(void *unused) { sqlmem_release(); }

static const sqlite3_mem_methods methods = {
    mem_malloc, mem_free, mem_realloc, mem_size, mem_roundup, mem_init, mem_shutdown, NULL
};

const struct sqlite3_mem_methods *sqlmem_methods(void) { return &methods; }

void sqlmem_release(void) { empty(&tc); }

int sqlmem_cached(void) {
    int k = 0;
    for (int c = 0; c < NCLASS; c++)
        for (void **p = tc.head[c]; p; p = *p) k++;
    return k;
}

static int installed;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static void install(void) {
    pthread_once(&key_once, make_key);
    /* Without the key, an exiting thread's blocks would stay cached for
    ** good: SQLite keeps its own allocator then. */
    installed = key_ok && sqlite3_config(SQLITE_CONFIG_MALLOC, &methods) == SQLITE_OK;
}

int sqlmem_install(void) {
    pthread_once(&install_once, install);
    return installed;
}
