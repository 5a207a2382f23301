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
**   tput --only B --steps N [--lanes]      bench10 (or bench10 with lanes)
**                                          at batch size B only (for
**                                          valgrind --tool=callgrind)
**   tput --walmap [--lanes] --steps N      which B-trees a completion's WAL
**                                          pages belong to
**
** "bench10 with lanes" (bench/fixtures/bench10_lanes.bpmn) is the same
** model with its tasks in two lanes, hunter and closer, LANE_USERS users
** each, picked by the least-open rule: what assignment adds to a step
** (holder and least-open pick, user_load and user_roles.open, the task log,
** the client's owner and holder, the funnel).
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

/* The process the runs start: bench10, or bench10_lanes with its users. */
#define LANE_USERS 20
static const char *proc_id = "bench10";

static void deploy_bench10(sdm *db) {
    sdm_err e;
    sdm_table *t = NULL;
    if (sdm_deploy(db, "bench/fixtures/bench10.bpmn", &t, &e)) die("deploy bench10", &e);
    sdm_table_free(t);
}

static void deploy_lanes(sdm *db) {
    sdm_err e;
    sdm_table *t = NULL;
    if (sdm_deploy(db, "bench/fixtures/bench10_lanes.bpmn", &t, &e)) die("deploy bench10_lanes", &e);
    sdm_table_free(t);
    static const char *const roles[] = {"hunter", "closer"};
    char name[32];
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < LANE_USERS; i++) {
            snprintf(name, sizeof name, "%s%02d", roles[r], i);
            if (sdm_user_add(db, name, roles[r], NULL, NULL, NULL, &e)) die("sdm_user_add", &e);
        }
}

/* Start k instances for clients PREFIX-i, each in a step of its own. */
static int64_t *start_k(sdm *db, const char *prefix, int k) {
    int64_t *ids = malloc(sizeof *ids * (size_t)k);
    char client[64];
    sdm_err e;
    for (int i = 0; i < k; i++) {
        snprintf(client, sizeof client, "%s-%07d", prefix, i);
        if (sdm_start(db, proc_id, client, NULL, &ids[i], &e)) die("sdm_start", &e);
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

/* bench10 (lanes: bench10_lanes) on a fresh store: k instances, 8k
** completions at `batch`. */
static run fresh(int k, int batch, int sync_full, int lanes) {
    char name[64];
    snprintf(name, sizeof name, "bench10_%d_%d_%d.db", batch, sync_full, lanes);
    const char *path = path_in(name);
    remove_db(path);
    sdm *db = open_store(path, sync_full, 1);
    if (lanes) deploy_lanes(db);
    else deploy_bench10(db);
    proc_id = lanes ? "bench10_lanes" : "bench10";
    int64_t *inst = start_k(db, "c", k);
    run r = complete_k(db, inst, k, batch);
    free(inst);
    sdm_close(db);
    remove_db(path);
    return r;
}

static run bench10(int k, int batch, int sync_full, int report) {
    run r = fresh(k, batch, sync_full, 0);
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

/* ---------- bench10 with lanes: what assignment adds ---------- */

/* bench10_lanes against bench10, each alone and in groups of 64, LANE_PAIRS
** times in turn (bench10 then bench10 with lanes, same k): the ratios are
** taken within each pair and the medians reported, as alone_vs_sqlite does. */
#define LANE_PAIRS 3
static void lanes_vs_plain(int k) {
    static const int sizes[] = {1, 64};
    for (size_t b = 0; b < sizeof sizes / sizeof *sizes; b++) {
        int batch = sizes[b];
        double rate[LANE_PAIRS], cpu[LANE_PAIRS], ratio[LANE_PAIRS], cratio[LANE_PAIRS],
               kb[LANE_PAIRS], pages[LANE_PAIRS], pkb[LANE_PAIRS], ppages[LANE_PAIRS];
        int n = 0;
        for (int i = 0; i < LANE_PAIRS; i++) {
            run p = fresh(k, batch, 0, 0), l = fresh(k, batch, 0, 1);
            n = l.n;
            rate[i] = l.n / l.wall;
            cpu[i] = l.cpu / l.n * 1e6;
            ratio[i] = rate[i] / (p.n / p.wall);
            cratio[i] = cpu[i] / (p.cpu / p.n * 1e6);
            kb[i] = l.bytes / 1024.0 / l.n;
            pages[i] = (double)l.frames / l.n;
            pkb[i] = p.bytes / 1024.0 / p.n;
            ppages[i] = (double)p.frames / p.n;
            printf("  pair %d, %d per commit: bench10 %.0f tasks/s (%.1f us CPU, %.2f pages), with lanes %.0f tasks/s "
                   "(%.1f us CPU, %.2f pages): %.2fx wall, %.2fx CPU\n", i + 1, batch, p.n / p.wall,
                   p.cpu / p.n * 1e6, ppages[i], rate[i], cpu[i], pages[i], ratio[i], cratio[i]);
        }
        char key[64], expl[400];
        snprintf(key, sizeof key, "lanes.normal.b%d", batch);
        snprintf(expl, sizeof expl, "bench10 with lanes (every task assigned, least-open, %d users a role), %s per "
                 "commit, synchronous=NORMAL: %d completions a run, the median of %d runs", LANE_USERS,
                 batch == 1 ? "one completion (sdm_complete)" : "a group of 64 (sdm_complete_batch)", n, LANE_PAIRS);
        figure(key, median(rate, LANE_PAIRS), "tasks/s", expl);
        const struct { const char *key, *unit, *what; double *v; } more[] = {
            {"lanes.cpu.normal", "us/task", "CPU per completion of bench10 with lanes", cpu},
            {"lanes.kb.normal", "KB/task", "bytes handed to write() per completion, bench10 with lanes", kb},
            {"lanes.pages.normal", "pages/task", "WAL frames appended per completion, bench10 with lanes", pages},
            {"lanes.plain_kb.normal", "KB/task", "the same for bench10 without lanes, in the pairs", pkb},
            {"lanes.plain_pages.normal", "pages/task", "WAL frames per completion of bench10 without lanes, in the pairs", ppages},
            {"lanes.ratio", "x", "tasks/s (wall) with lanes / without, within each pair, median", ratio},
            {"lanes.cpu_ratio", "x", "CPU per completion with lanes / without, within each pair, median", cratio},
        };
        for (size_t m = 0; m < sizeof more / sizeof *more; m++) {
            snprintf(key, sizeof key, "%s.b%d", more[m].key, batch);
            figure(key, median(more[m].v, LANE_PAIRS), more[m].unit, more[m].what);
        }
    }
}

/* ---------- which B-trees a completion's WAL pages go to ---------- */

typedef struct { char name[64]; long frames; } tree_count;
static int cmp_count(const void *a, const void *b) {
    return (int)(((const tree_count *)b)->frames - ((const tree_count *)a)->frames);
}

static void copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;
    if (!in || !out) { perror(in ? to : from); exit(1); }
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
    fclose(in); fclose(out);
}

static uint32_t be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

/* k instances completed first (the store's size), then W more whose every
** completion (alone) is the sample: the WAL is emptied (TRUNCATE from a
** connection of our own while the store is idle) before the sample and
** copied after it, under the 1,000 pages that would wake the store's
** checkpoint thread; each valid frame (salts of the header) is mapped to
** its B-tree by dbstat on the copy. */
#define WALMAP_INST 5
static void walmap(int k, int lanes) {
    const char *path = path_in("walmap.db"), *copy = path_in("walmap-copy.db");
    char wal[1300], wcopy[1300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(wcopy, sizeof wcopy, "%s-wal", copy);
    remove_db(path);
    sdm *db = open_store(path, 0, 1);
    if (lanes) deploy_lanes(db);
    else deploy_bench10(db);
    proc_id = lanes ? "bench10_lanes" : "bench10";
    int64_t *inst = start_k(db, "c", k);
    complete_k(db, inst, k, 1);
    free(inst);
    inst = start_k(db, "w", WALMAP_INST);
    sqlite3 *own;
    int left = -1, tries = 0;
    sqlok(NULL, sqlite3_open(path, &own), "open for the checkpoint");
    sqlite3_busy_timeout(own, 1000);
    sqlok(own, sqlite3_exec(own, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL), "read the schema");
    /* the store's checkpoint thread may hold the WAL a moment */
    while ((sqlite3_wal_checkpoint_v2(own, NULL, SQLITE_CHECKPOINT_TRUNCATE, &left, NULL) != SQLITE_OK || left)
           && ++tries < 100) usleep(20000);
    sqlite3_close(own);
    if (left) { fprintf(stderr, "tput: the WAL could not be emptied before the sample\n"); exit(1); }
    run r = complete_k(db, inst, WALMAP_INST, 1);
    free(inst);
    remove_db(copy);
    copy_file(path, copy);
    copy_file(wal, wcopy);
    sdm_close(db);

    FILE *f = fopen(wcopy, "rb");
    unsigned char hdr[32], fh[24];
    if (!f || fread(hdr, 1, 32, f) != 32) { fprintf(stderr, "tput: no WAL to read\n"); exit(1); }
    uint32_t psize = be32(hdr + 8), s1 = be32(hdr + 16), s2 = be32(hdr + 20);
    unsigned char *page = malloc(psize);
    sqlite3 *c;
    sqlite3_stmt *st;
    sqlok(NULL, sqlite3_open_v2(copy, &c, SQLITE_OPEN_READONLY, NULL), "open the copy");
    sqlok(c, sqlite3_prepare_v2(c, "SELECT name FROM dbstat WHERE pageno = ?1", -1, &st, NULL), "dbstat");
    tree_count trees[256];
    int nt = 0;
    long frames = 0;
    while (fread(fh, 1, 24, f) == 24 && fread(page, 1, psize, f) == psize) {
        if (be32(fh + 8) != s1 || be32(fh + 12) != s2) break;
        frames++;
        sqlite3_bind_int64(st, 1, be32(fh));
        const char *name = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "(free or new)";
        int i;
        for (i = 0; i < nt && strcmp(trees[i].name, name) != 0; i++) {}
        if (i == nt && nt < 256) { snprintf(trees[nt].name, sizeof trees[nt].name, "%s", name); trees[nt++].frames = 0; }
        if (i < nt) trees[i].frames++;
        sqlite3_reset(st);
    }
    fclose(f);
    sqlite3_finalize(st);
    sqlite3_close(c);
    free(page);
    remove_db(copy);
    remove_db(path);
    printf("%s: %d completions after %d, %llu WAL frames appended, %ld valid in the copied WAL (%.2f a completion)\n",
           proc_id, r.n, 8 * k, r.frames, frames, (double)frames / r.n);
    if ((unsigned long long)frames != r.frames) {
        fprintf(stderr, "tput: the WAL restarted during the sample: its frames are not the sample's\n");
        exit(1);
    }
    qsort(trees, (size_t)nt, sizeof *trees, cmp_count);
    for (int i = 0; i < nt; i++)
        printf("  %-28s %6ld frames  %6.2f a completion\n", trees[i].name, trees[i].frames, (double)trees[i].frames / r.n);
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

/* bench10 on a large store against the small store's, in BIG_PAIRS pairs
** run in turn (a fresh small store, then the large one): on a shared
** machine the two measured minutes apart differed by up to 1.6x, so the
** ratio is taken within each pair and the median reported. */
#define BIG_PAIRS 3
static void big(const char *path, int k) {
    sdm *db = open_store(path, 0, 0);
    deploy_bench10(db);
    static const int sizes[] = {1, 64};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        double rate[BIG_PAIRS], cpu[BIG_PAIRS], small[BIG_PAIRS], ratio[BIG_PAIRS];
        run r = {0};
        for (int j = 0; j < BIG_PAIRS; j++) {
            run sr = bench10(k, sizes[i], 0, 0);
            char prefix[48];
            snprintf(prefix, sizeof prefix, "big%d-%d-%ld", sizes[i], j, (long)time(NULL));
            int64_t *inst = start_k(db, prefix, k);
            r = complete_k(db, inst, k, sizes[i]);
            free(inst);
            rate[j] = r.n / r.wall;
            cpu[j] = r.cpu / r.n * 1e6;
            small[j] = sr.cpu / sr.n * 1e6;
            ratio[j] = cpu[j] / small[j];
            printf("  pair %d, %d per commit: small store %.1f us CPU, large store %.1f us CPU: %.2fx\n",
                   j + 1, sizes[i], small[j], cpu[j], ratio[j]);
        }
        char key[64], expl[300];
        snprintf(key, sizeof key, "big.b%d", sizes[i]);
        snprintf(expl, sizeof expl, "bench10 on the large store, %d per commit: %d completions a run, the median of %d runs; "
                 "%.2f KB and %.2f WAL pages per completion (last run)", sizes[i], r.n, BIG_PAIRS,
                 r.bytes / 1024.0 / r.n, (double)r.frames / r.n);
        figure(key, median(rate, BIG_PAIRS), "tasks/s", expl);
        snprintf(key, sizeof key, "big.cpu.b%d", sizes[i]);
        figure(key, median(cpu, BIG_PAIRS), "us/task", "CPU per completion on the large store (median of the pairs)");
        snprintf(key, sizeof key, "big.small.cpu.b%d", sizes[i]);
        figure(key, median(small, BIG_PAIRS), "us/task", "CPU per completion on a fresh small store in the same pairs (median)");
        snprintf(key, sizeof key, "big.ratio.b%d", sizes[i]);
        figure(key, median(ratio, BIG_PAIRS), "x", "large / small store CPU per completion, taken within each pair (median)");
    }
    sdm_close(db);
}

int main(int argc, char **argv) {
    int steps = 8000, nrss = 0, only = 0, lanes = 0, wmap = 0;
    const char *bigpath = NULL, *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tsv") == 0 && i + 1 < argc) {
            if (!(tsv = fopen(argv[++i], "a"))) { perror(argv[i]); return 1; }
        } else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) steps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) base = argv[++i];
        else if (strcmp(argv[i], "--rss") == 0 && i + 1 < argc) nrss = atoi(argv[++i]);
        else if (strcmp(argv[i], "--big") == 0 && i + 1 < argc) bigpath = argv[++i];
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = atoi(argv[++i]);
        else if (strcmp(argv[i], "--lanes") == 0) lanes = 1;
        else if (strcmp(argv[i], "--walmap") == 0) wmap = 1;
        else {
            fprintf(stderr, "usage: tput [--tsv FILE] [--dir DIR] [--steps N] [--rss N] [--big PATH]"
                    " [--only BATCH [--lanes]] [--walmap [--lanes]]\n");
            return 2;
        }
    }
    int k = steps / 8 > 0 ? steps / 8 : 1;
    snprintf(dir, sizeof dir, "%s/sdm-tput-XXXXXX", base);
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    if (nrss) rss(nrss);
    else if (bigpath) big(bigpath, k);
    else if (wmap) walmap(k, lanes);
    else if (only) {
        run r = fresh(k, only, 0, lanes);
        printf("%s batch %d: %d completions, %.0f/s, %.1f us CPU, %.2f KB, %.2f pages each\n", proc_id, only, r.n,
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
        lanes_vs_plain(k);
    }
    rmdir(dir);
    if (tsv) fclose(tsv);
    return 0;
}
