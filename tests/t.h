/*
** t.h — the test harness: numbered cases, checks that report file:line,
** and the closing line "N passed, N failed" that tests/run and CI read.
** Header-only; every tests/test_*.c includes it once.
*/
#ifndef SDM_T_H
#define SDM_T_H
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static int t_pass, t_fail;
static const char *t_case = "";

/* A case is a name ("3.1 parallel join") so a failure says where it is. */
#define T_CASE(name) (t_case = (name))

#define CHECK(cond) do { if (cond) t_pass++; else { t_fail++; \
    fprintf(stderr, "FAIL [%s] %s:%d: %s\n", t_case, __FILE__, __LINE__, #cond); } } while (0)

#define CHECK_EQ_INT(a, b) do { long long t_a = (long long)(a), t_b = (long long)(b); \
    if (t_a == t_b) t_pass++; else { t_fail++; fprintf(stderr, \
    "FAIL [%s] %s:%d: %s == %s (%lld != %lld)\n", t_case, __FILE__, __LINE__, #a, #b, t_a, t_b); } } while (0)

#define CHECK_EQ_STR(a, b) do { const char *t_a = (a), *t_b = (b); \
    if (t_a && t_b && strcmp(t_a, t_b) == 0) t_pass++; else { t_fail++; fprintf(stderr, \
    "FAIL [%s] %s:%d: %s == %s\n   got: %s\n  want: %s\n", t_case, __FILE__, __LINE__, #a, #b, \
    t_a ? t_a : "(null)", t_b ? t_b : "(null)"); } } while (0)

#define CHECK_CONTAINS(hay, needle) do { const char *t_h = (hay), *t_n = (needle); \
    if (t_h && strstr(t_h, t_n)) t_pass++; else { t_fail++; fprintf(stderr, \
    "FAIL [%s] %s:%d: %s contains \"%s\"\n   got: %s\n", t_case, __FILE__, __LINE__, #hay, t_n, \
    t_h ? t_h : "(null)"); } } while (0)

/* Removes a test's database file with its -wal and -shm. */
static inline void t_remove_db(const char *path) {
    char f[512];
    snprintf(f, sizeof f, "%s-wal", path); remove(f);
    snprintf(f, sizeof f, "%s-shm", path); remove(f);
    remove(path);
}

static inline int t_done(void) {
    printf("%d passed, %d failed\n", t_pass, t_fail);
    return t_fail ? 1 : 0;
}
#endif
