/*
** bench_util.h — what bench.c and tput.c share: clocks, the bytes this
** process wrote, and the temporary directory their databases live in.
** Benchmark programs only; the engine never includes it.
*/
#ifndef SDM_BENCH_UTIL_H
#define SDM_BENCH_UTIL_H
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static inline double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* This process's CPU time: on a shared machine the wall clock also counts
** other processes' turns. */
static inline double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Bytes this process handed to write()/pwrite() so far: the WAL traffic. */
static inline long long wchar(void) {
    FILE *f = fopen("/proc/self/io", "r");
    char line[128];
    long long v = -1;
    while (f && fgets(line, sizeof line, f)) if (sscanf(line, "wchar: %lld", &v) == 1) break;
    if (f) fclose(f);
    return v;
}

/* The run's temporary directory (mkdtemp'd by main) and files in it. */
static char dir[1024];
static inline char *path_in(const char *name) {
    static char buf[8][1200];
    static int k;
    char *p = buf[k++ & 7];
    snprintf(p, sizeof buf[0], "%s/%s", dir, name);
    return p;
}

static inline void remove_db(const char *path) {
    char b[1300];
    unlink(path);
    snprintf(b, sizeof b, "%s-wal", path); unlink(b);
    snprintf(b, sizeof b, "%s-shm", path); unlink(b);
}
#endif
