/*
** tput.c — throughput at the storage limit (issue 17): bench10 through the
** C API, one commit per completion and in groups (sdm_complete_batch), next
** to SQLite's own one-row commit rate on the same disk; bytes and WAL pages
** per step; memory with many waiting instances; the same steps on a store
** of a million clients. bench/tput.sh runs it with bpmn-engine beside it
** and writes docs/BENCH.md from the figures.
**
** Every figure goes to stdout for people and, with --tsv FILE, as one line
** "key<TAB>value<TAB>unit<TAB>what it is" for the report. Wall-clock rates
** count other processes' turns on a shared machine; "us CPU" is this
** process's own time (system calls included) and is the steadier figure.
**
**   tput [--tsv F] [--dir D] [--steps N]   SQLite baseline and bench10
**   tput --rss N                           N waiting bench10 instances, RSS
**   tput --big PATH [--steps N]            bench10 on an existing large store
**   tput --only B --steps N                bench10 at batch size B only
**                                          (for valgrind --tool=callgrind)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include "sdm.h"
#include "wal.h"
#include "bench_util.h"

static FILE *tsv;

/* A line of /proc/self/status in kB (VmRSS, VmHWM). */
static long status_kb(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':') { v = atol(line + n + 1); break; }
    if (f) fclose(f);
    return v;
}

static void die(const char *what, const sdm_err *e) {
    fprintf(stderr, "tput: %s: %s\n", what, e ? e->msg : "failed");
    exit(1);
}

static void figure(const char *key, double value, const char *unit, const char *expl) {
    printf("  %-30s %12.2f %-12s %s\n", key, value, unit, expl);
    fflush(stdout);
    if (tsv) { fprintf(tsv, "%s\t%.3f\t%s\t%s\n", key, value, unit, expl); fflush(tsv); }
}

/* ---------- SQLite's own one-row commit ---------- */

static void sqlok(sqlite3 *db, int rc, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "tput: %s: %s\n", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        exit(1);
    }
}

/* BEGIN IMMEDIATE; one INSERT; COMMIT, n times, prepared, in WAL mode. */
static double sqlite_cpu_us;     /* CPU per commit of the last sqlite_commits */

static double sqlite_commits(int n, int full) {
    const char *path = path_in("baseline.db");
    remove_db(path);
    sqlite3 *db;
    sqlok(NULL, sqlite3_open(path, &db), "open baseline");
    sqlok(db, sqlite3_exec(db, full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                    : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL), "pragma");
    sqlok(db, sqlite3_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v TEXT, at INTEGER NOT NULL)",
                           NULL, NULL, NULL), "create");
    sqlite3_stmt *b, *c, *ins;
    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &b, NULL);
    sqlite3_prepare_v2(db, "COMMIT", -1, &c, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO t(k, v, at) VALUES(?1, 'task-completed', ?2)", -1, &ins, NULL);
    double t0 = now_s(), c0 = cpu_s();
    for (int i = 0; i < n; i++) {
        sqlok(db, sqlite3_step(b), "begin"); sqlite3_reset(b);
        sqlite3_bind_int64(ins, 1, i);
        sqlite3_bind_int64(ins, 2, (int64_t)(now_s() * 1e3));
        sqlok(db, sqlite3_step(ins), "insert"); sqlite3_reset(ins);
        sqlok(db, sqlite3_step(c), "commit"); sqlite3_reset(c);
    }
    double rate = n / (now_s() - t0);
    sqlite_cpu_us = (cpu_s() - c0) / n * 1e6;
    sqlite3_finalize(b); sqlite3_finalize(c); sqlite3_finalize(ins);
    sqlite3_close(db);
    remove_db(path);
    return rate;
}

/* ---------- bench10 through the API ---------- */

static sdm *open_store(const char *path, int sync_full, int create) {
    sdm_config c = {0};
    c.actor = "bench";
    c.sync_full = sync_full;
    c.open_mode = create ? SDM_OPEN_CREATE : SDM_OPEN_WRITE;
    c.time_zone = "UTC";
    sdm *db;
    sdm_err e;
    if (sdm_open(&db, path, &c, &e)) die("sdm_open", &e);
    return db;
}

static void deploy_bench10(sdm *db) {
    sdm_err e;
    sdm_table *t = NULL;
    if (sdm_deploy(db, "bench/fixtures/bench10.bpmn", &t, &e)) die("deploy bench10", &e);
    sdm_table_free(t);
}

/* Start k instances for clients PREFIX-i, each in a step of its own. */
static int64_t *start_k(sdm *db, const char *prefix, int k) {
    int64_t *ids = malloc(sizeof *ids * (size_t)k);
    char client[64];
    sdm_err e;
    for (int i = 0; i < k; i++) {
        snprintf(client, sizeof client, "%s-%07d", prefix, i);
        if (sdm_start(db, "bench10", client, NULL, &ids[i], &e)) die("sdm_start bench10", &e);
    }
    return ids;
}

/* The open tasks of the instances (untimed): by instance, so it stays an
** index lookup on a large store. */
static int open_tasks(sdm *db, const int64_t *inst, int k, int64_t *out) {
    int n = 0;
    sdm_err e;
    for (int i = 0; i < k; i++) {
        sdm_filter f = {.id = inst[i]};
        sdm_table *t;
        if (sdm_query(db, SDM_Q_TASKS, &f, &t, &e)) die("open tasks", &e);
        for (int r = 0; r < t->nrow; r++) out[n++] = strtoll(t->cells[r * t->ncol], NULL, 10);
        sdm_table_free(t);
    }
    return n;
}

typedef struct run { int n; double wall, cpu; long long bytes; unsigned long long frames; int commits; } run;

/* Complete every task of the k instances, `batch` per transaction (1: the
** ordinary sdm_complete), round after round; only the completions timed. */
static run complete_k(sdm *db, const int64_t *inst, int k, int batch) {
    run r = {0};
    int64_t *tasks = malloc(sizeof *tasks * (size_t)(k * 2 + 2));
    int *rcs = malloc(sizeof *rcs * (size_t)(batch + 1));
    sdm_err *errs = malloc(sizeof *errs * (size_t)(batch + 1)), e;
    int n;
    while ((n = open_tasks(db, inst, k, tasks)) > 0) {
        long long w0 = wchar();
        unsigned long long f0 = wal_frames();
        double t0 = now_s(), c0 = cpu_s();
        for (int i = 0; i < n; i += batch) {
            int m = n - i < batch ? n - i : batch;
            if (batch == 1) {
                if (sdm_complete(db, tasks[i], NULL, &e)) die("sdm_complete", &e);
            } else if (sdm_complete_batch(db, m, tasks + i, NULL, NULL, rcs, errs, &e)) {
                die("sdm_complete_batch", &e);
            } else {
                for (int j = 0; j < m; j++) if (rcs[j]) die("a completion of the batch", &errs[j]);
            }
            r.commits++;
        }
        r.wall += now_s() - t0;
        r.cpu += cpu_s() - c0;
        r.bytes += wchar() - w0;
        r.frames += wal_frames() - f0;
        r.n += n;
    }
    free(tasks); free(rcs); free(errs);
    return r;
}

static double base_normal, base_full;
static run bench10(int k, int batch, int sync_full, int report);

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Every step alone against SQLite's one-row commits, PAIRS times in turn,
** each bench10 run right after a SQLite run: on a shared machine the load
** changes between minutes, so a ratio is taken within one pair and the
** median of the pairs reported (and the median of each rate). */
#define PAIRS 5
static void alone_vs_sqlite(int k, int steps) {
    double base[PAIRS], rate[PAIRS], ratio[PAIRS], cpu[PAIRS], sq_cpu[PAIRS], cratio[PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        base[i] = sqlite_commits(steps * 2, 0);
        sq_cpu[i] = sqlite_cpu_us;
        run r = bench10(k, 1, 0, 0);
        rate[i] = r.n / r.wall;
        cpu[i] = r.cpu / r.n * 1e6;
        ratio[i] = rate[i] / base[i];
        cratio[i] = sq_cpu[i] / cpu[i];
        printf("  pair %d: SQLite %.0f tx/s (%.1f us CPU), bench10 alone %.0f tasks/s (%.1f us CPU): %.2fx wall, %.2fx CPU\n",
               i + 1, base[i], sq_cpu[i], rate[i], cpu[i], ratio[i], cratio[i]);
    }
    char expl[300];
    snprintf(expl, sizeof expl, "bench10 alone / SQLite 1-row commits, NORMAL: the median of %d pairs run in turn "
             "(each ratio within one pair)", PAIRS);
    figure("ratio.normal.b1", median(ratio, PAIRS), "x", expl);
    figure("ratio.cpu.normal.b1", median(cratio, PAIRS), "x", "the same by CPU time per commit, median of the pairs");
    base_normal = median(base, PAIRS);
    figure("sqlite.normal", base_normal, "tx/s", "SQLite alone: BEGIN IMMEDIATE; 1-row INSERT; COMMIT, WAL, synchronous=NORMAL "
           "(median of the pairs)");
    figure("sqlite.cpu.normal", median(sq_cpu, PAIRS), "us/tx", "CPU per SQLite 1-row commit, synchronous=NORMAL");
    snprintf(expl, sizeof expl, "bench10, one completion (sdm_complete) per commit, synchronous=NORMAL: %d completions "
             "per run, the median of %d runs", 8 * k, PAIRS);
    figure("bench10.normal.b1", median(rate, PAIRS), "tasks/s", expl);
    figure("cpu.normal.b1", median(cpu, PAIRS), "us/task", "CPU per completion (this process, system calls included)");
}

/* bench10 on a fresh store: k instances, 8k completions at `batch`. */
static run bench10(int k, int batch, int sync_full, int report) {
    char name[64];
    snprintf(name, sizeof name, "bench10_%d_%d.db", batch, sync_full);
    const char *path = path_in(name);
    remove_db(path);
    sdm *db = open_store(path, sync_full, 1);
    deploy_bench10(db);
    int64_t *inst = start_k(db, "c", k);
    run r = complete_k(db, inst, k, batch);
    free(inst);
    sdm_close(db);
    remove_db(path);
    if (!report) return r;
    char key[64], expl[400];
    if (report == 1) {                /* 2: the rate and CPU came from alone_vs_sqlite's pairs */
        snprintf(key, sizeof key, "bench10.%s.b%d", sync_full ? "full" : "normal", batch);
        double rate = r.n / r.wall, base = sync_full ? base_full : base_normal;
        snprintf(expl, sizeof expl, "bench10, %s per commit, synchronous=%s: %d completions; %.1f us CPU, "
                 "%.2f KB and %.2f WAL pages written per completion; %.2fx SQLite's 1-row commits (%s)",
                 batch == 1 ? "one completion (sdm_complete)" : "a group (sdm_complete_batch)",
                 sync_full ? "FULL" : "NORMAL", r.n, r.cpu / r.n * 1e6, r.bytes / 1024.0 / r.n,
                 (double)r.frames / r.n, rate / base, sync_full ? "FULL" : "NORMAL");
        if (batch > 1) {
            char more[32];
            snprintf(more, sizeof more, "; %d per group", batch);
            strncat(expl, more, sizeof expl - strlen(expl) - 1);
        }
        figure(key, rate, "tasks/s", expl);
        snprintf(key, sizeof key, "cpu.%s.b%d", sync_full ? "full" : "normal", batch);
        figure(key, r.cpu / r.n * 1e6, "us/task", "CPU per completion (this process, system calls included)");
    }
    snprintf(key, sizeof key, "kb.%s.b%d", sync_full ? "full" : "normal", batch);
    figure(key, r.bytes / 1024.0 / r.n, "KB/task", "bytes handed to write() per completion (WAL and checkpoints)");
    snprintf(key, sizeof key, "pages.%s.b%d", sync_full ? "full" : "normal", batch);
    figure(key, (double)r.frames / r.n, "pages/task", "WAL frames appended per completion");
    return r;
}

/* ---------- memory with waiting instances ---------- */

static void rss(int n) {
    const char *path = path_in("rss.db");
    remove_db(path);
    long before = status_kb("VmRSS");
    sdm *db = open_store(path, 0, 1);
    deploy_bench10(db);
    free(start_k(db, "w", n));
    char expl[200];
    snprintf(expl, sizeof expl, "one process that started %d bench10 instances, each waiting at a user task "
             "(RSS %.1f MB before opening the store)", n, before / 1024.0);
    figure("rss.waiting", status_kb("VmHWM") / 1024.0, "MB", expl);
    struct stat sb;
    if (stat(path, &sb) == 0) {
        snprintf(expl, sizeof expl, "database file with %d waiting instances", n);
        figure("file.waiting", sb.st_size / 1048576.0, "MB", expl);
    }
    sdm_close(db);
    remove_db(path);
}

/* ---------- a large store ---------- */

static void big(const char *path, int k) {
    sdm *db = open_store(path, 0, 0);
    deploy_bench10(db);
    static const int sizes[] = {1, 64};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        char prefix[32], key[64], expl[300];
        snprintf(prefix, sizeof prefix, "big%d-%ld", sizes[i], (long)time(NULL));
        int64_t *inst = start_k(db, prefix, k);
        run r = complete_k(db, inst, k, sizes[i]);
        free(inst);
        snprintf(key, sizeof key, "big.b%d", sizes[i]);
        snprintf(expl, sizeof expl, "bench10 on the large store, %d per commit: %d completions; %.1f us CPU, "
                 "%.2f KB and %.2f WAL pages per completion", sizes[i], r.n, r.cpu / r.n * 1e6,
                 r.bytes / 1024.0 / r.n, (double)r.frames / r.n);
        figure(key, r.n / r.wall, "tasks/s", expl);
        snprintf(key, sizeof key, "big.cpu.b%d", sizes[i]);
        figure(key, r.cpu / r.n * 1e6, "us/task", "CPU per completion on the large store");
    }
    sdm_close(db);
}

int main(int argc, char **argv) {
    int steps = 8000, nrss = 0, only = 0;
    const char *bigpath = NULL, *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tsv") == 0 && i + 1 < argc) {
            if (!(tsv = fopen(argv[++i], "a"))) { perror(argv[i]); return 1; }
        } else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) steps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) base = argv[++i];
        else if (strcmp(argv[i], "--rss") == 0 && i + 1 < argc) nrss = atoi(argv[++i]);
        else if (strcmp(argv[i], "--big") == 0 && i + 1 < argc) bigpath = argv[++i];
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: tput [--tsv FILE] [--dir DIR] [--steps N] [--rss N] [--big PATH] [--only BATCH]\n");
            return 2;
        }
    }
    int k = steps / 8 > 0 ? steps / 8 : 1;
    snprintf(dir, sizeof dir, "%s/sdm-tput-XXXXXX", base);
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    if (nrss) rss(nrss);
    else if (bigpath) big(bigpath, k);
    else if (only) {
        run r = bench10(k, only, 0, 0);
        printf("bench10 batch %d: %d completions, %.0f/s, %.1f us CPU, %.2f KB, %.2f pages each\n", only, r.n,
               r.n / r.wall, r.cpu / r.n * 1e6, r.bytes / 1024.0 / r.n, (double)r.frames / r.n);
    } else {
        printf("sdm %s throughput (issue 17): SQLite %s, databases in %s\n", SDM_VERSION, sqlite3_libversion(), dir);
        alone_vs_sqlite(k, steps);
        base_full = sqlite_commits(steps / 4, 1);
        figure("sqlite.full", base_full, "tx/s", "the same with synchronous=FULL (an fsync per commit)");
        figure("sqlite.cpu.full", sqlite_cpu_us, "us/tx", "CPU per SQLite 1-row commit, synchronous=FULL");
        /* kb and pages of the steps alone: from one more run */
        bench10(k, 1, 0, 2);
        static const int sizes[] = {8, 64};
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) bench10(k, sizes[i], 0, 1);
        int kf = k / 4 > 0 ? k / 4 : 1;
        bench10(kf, 1, 1, 1);
        bench10(k, 64, 1, 1);
    }
    rmdir(dir);
    if (tsv) fclose(tsv);
    return 0;
}
