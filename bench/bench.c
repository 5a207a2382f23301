/*
** bench.c — sdm's benchmark: how fast the engine moves tokens compared with
** SQLite's own commit rate, and how fast the queries people wait for answer
** on a store the size of a large sales department.
**
**   bench/run                      full run: 1,000,000 clients (make bench)
**   bench/run --quick              smoke run: 20,000 clients, fewer steps
**   bench/run --clients N --steps N --dir DIR --keep
**
** Everything goes through the public API (sdm.h) except two things that
** use sqlite3 directly: the baseline (plain INSERT transactions on the same
** pragmas) and the bulk generation of the scale store (one transaction of
** INSERTs into the engine's own tables, columns named as in store.c and
** org.c). Query plans are read by tracing the engine's own connection
** (sqlite3_auto_extension + sqlite3_trace_v2) and running EXPLAIN QUERY
** PLAN on exactly the SQL it ran.
**
** Every database is a file in a temporary directory on disk (WAL, a real
** -wal file), synchronous=NORMAL unless the line says sync_full.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include "sdm.h"
#include "bench_util.h"

/* ---------- small helpers ---------- */

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what, const sdm_err *e) {
    fprintf(stderr, "bench: %s: %s [%s]%s%s\n", what, e ? e->msg : "", e ? sdm_status_name(e->code) : "",
            e && e->element[0] ? " at " : "", e ? e->element : "");
    exit(1);
}

static void sqlok(sqlite3 *db, int rc, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "bench: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void exec_sql(sqlite3 *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", sql, msg);
        exit(1);
    }
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {                  /* splitmix64: reproducible data */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double rndf(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static long maxrss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

static const char *fixture(const char *name) {
    static char buf[8][1200];
    static int k;
    char *p = buf[k++ & 7];
    snprintf(p, sizeof buf[0], "bench/fixtures/%s", name);
    return p;
}

/* ---------- the result table ---------- */

static void row(const char *figure, double value, const char *unit, const char *expl) {
    char v[64];
    if (value >= 100) snprintf(v, sizeof v, "%.0f", value);
    else if (value >= 10) snprintf(v, sizeof v, "%.1f", value);
    else snprintf(v, sizeof v, "%.2f", value);
    printf("  %-44s %12s  %-10s %s\n", figure, v, unit, expl);
    fflush(stdout);
}

static void section(const char *title) {
    printf("\n== %s\n", title);
    fflush(stdout);
}

/* ---------- tracing the engine's connection ---------- */

/* When `tr.on`, every statement the traced connection runs is recorded: its
** expanded SQL (for EXPLAIN QUERY PLAN), whether it was prepared for this
** call (run count 0: not a cached statement), and its execution time:
** from its first step to its end, on our own clock (SQLite's profile time
** comes from the VFS clock, which the unix VFS keeps in milliseconds). */
#define MAXSQL 512
#define MAXOPEN 32
typedef struct tsql { char *text; int runs, fresh; double ns; } tsql;
static struct {
    int on, capture;
    tsql s[MAXSQL];
    int n;
    char *cap[64];
    int ncap;
    struct { sqlite3_stmt *st; double t0; } open[MAXOPEN];   /* statements running now */
} tr;

static void tr_started(sqlite3_stmt *st) {
    int k = -1;
    for (int i = 0; i < MAXOPEN && (k < 0 || tr.open[k].st); i++)
        if (tr.open[i].st == st || (!tr.open[i].st && k < 0)) k = i;
    if (k >= 0) { tr.open[k].st = st; tr.open[k].t0 = now_s(); }
}

static double tr_ended(sqlite3_stmt *st) {
    for (int i = 0; i < MAXOPEN; i++)
        if (tr.open[i].st == st) { tr.open[i].st = NULL; return (now_s() - tr.open[i].t0) * 1e9; }
    return 0;
}

static tsql *tr_slot(const char *sql) {
    for (int i = 0; i < tr.n; i++) if (strcmp(tr.s[i].text, sql) == 0) return &tr.s[i];
    if (tr.n == MAXSQL) return NULL;
    tr.s[tr.n].text = strdup(sql);
    return &tr.s[tr.n++];
}

static int trace_cb(unsigned type, void *ctx, void *p, void *x) {
    (void)ctx;
    if (!tr.on) return 0;
    sqlite3_stmt *st = p;
    const char *sql = sqlite3_sql(st);
    if (!sql || (type == SQLITE_TRACE_STMT && x && strncmp((const char *)x, "--", 2) == 0)) return 0;  /* a trigger */
    tsql *t = tr_slot(sql);
    if (!t) return 0;
    if (type == SQLITE_TRACE_STMT) {
        tr_started(st);
        t->runs++;
        if (sqlite3_stmt_status(st, SQLITE_STMTSTATUS_RUN, 0) == 0) t->fresh++;
        if (tr.capture && tr.ncap < 64 &&
            (strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "WITH", 4) == 0)) {
            char *e = sqlite3_expanded_sql(st);
            if (e) { tr.cap[tr.ncap++] = strdup(e); sqlite3_free(e); }
        }
    } else if (type == SQLITE_TRACE_PROFILE) {
        (void)x;
        t->ns += tr_ended(st);
    }
    return 0;
}

static int trace_ext(sqlite3 *db, char **msg, const void *api) {
    (void)msg; (void)api;
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, trace_cb, NULL);
    return SQLITE_OK;
}

static void tr_reset(void) {
    for (int i = 0; i < tr.n; i++) free(tr.s[i].text);
    for (int i = 0; i < tr.ncap; i++) free(tr.cap[i]);
    memset(&tr, 0, sizeof tr);
}

/* Open an engine handle whose connection is traced (only this one). */
static sdm *open_traced(const char *path, const sdm_config *cfg) {
    sdm *db;
    sdm_err e;
    sqlite3_auto_extension((void (*)(void))trace_ext);
    int rc = sdm_open(&db, path, cfg, &e);
    sqlite3_cancel_auto_extension((void (*)(void))trace_ext);
    if (rc) die("sdm_open", &e);
    return db;
}

static sdm *open_plain(const char *path, const sdm_config *cfg) {
    sdm *db;
    sdm_err e;
    if (sdm_open(&db, path, cfg, &e)) die("sdm_open", &e);
    return db;
}

static void explain(sqlite3 *ro, const char *sql) {
    char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st;
    printf("      %.*s%s\n", 150, sql, strlen(sql) > 150 ? " ..." : "");
    if (sqlite3_prepare_v2(ro, q, -1, &st, NULL) != SQLITE_OK) {
        printf("        (explain failed: %s)\n", sqlite3_errmsg(ro));
        sqlite3_free(q);
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 3);
        int scan = d && strncmp(d, "SCAN", 4) == 0 && !strstr(d, "USING") && !strstr(d, "CONSTANT") &&
                   !strstr(d, "(subquery");          /* a coroutine's own rows, not a table */
        printf("        %s%s\n", d ? d : "", scan ? "    <-- full scan" : "");
    }
    sqlite3_finalize(st);
    sqlite3_free(q);
}

/* ---------- 1. SQLite's own rate ---------- */

static double baseline_kb;

static double sqlite_baseline(int n, int full, int rows_per_tx) {
    const char *path = path_in(full ? "baseline_full.db" : "baseline.db");
    remove_db(path);
    sqlite3 *db;
    sqlok(NULL, sqlite3_open(path, &db), "open baseline");
    exec_sql(db, full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    exec_sql(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v TEXT, at INTEGER NOT NULL)");
    sqlite3_stmt *b, *c, *ins;
    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &b, NULL);
    sqlite3_prepare_v2(db, "COMMIT", -1, &c, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO t(k, v, at) VALUES(?1, ?2, ?3)", -1, &ins, NULL);
    long long w0 = wchar();
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        sqlok(db, sqlite3_step(b), "begin"); sqlite3_reset(b);
        for (int r = 0; r < rows_per_tx; r++) {
            sqlite3_bind_int64(ins, 1, i);
            sqlite3_bind_text(ins, 2, "task-completed", -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 3, wall_ms());
            sqlok(db, sqlite3_step(ins), "insert"); sqlite3_reset(ins);
        }
        sqlok(db, sqlite3_step(c), "commit"); sqlite3_reset(c);
    }
    double el = now_s() - t0;
    baseline_kb = (wchar() - w0) / 1024.0 / n;
    sqlite3_finalize(b); sqlite3_finalize(c); sqlite3_finalize(ins);
    sqlite3_close(db);
    remove_db(path);
    return n / el;
}

/* ---------- 2-4. engine throughput ---------- */

static sdm_config bench_cfg(int sync_full) {
    sdm_config c = {0};
    c.actor = "bench";
    c.scripts_dir = "bench/fixtures";
    c.sync_full = sync_full;
    c.open_mode = SDM_OPEN_CREATE;
    c.time_zone = "UTC";
    return c;
}

static void deploy(sdm *db, const char *file) {
    sdm_err e;
    sdm_table *t = NULL;
    if (sdm_deploy(db, fixture(file), &t, &e)) die(file, &e);
    sdm_table_free(t);
}

/* Users u0001..uNNNN with role sales, via the API. */
static void add_users(sdm *db, int n) {
    sdm_err e;
    char name[32];
    for (int i = 1; i <= n; i++) {
        snprintf(name, sizeof name, "u%04d", i);
        if (sdm_user_add(db, name, "sales", NULL, NULL, NULL, &e)) die("sdm_user_add", &e);
    }
}

/* Latencies of one kind of call, wall clock, and the CPU time the calls
** used: on a shared machine the wall clock also counts other processes'
** turns, CPU time only this one's work (system calls included). */
typedef struct opstat { int n; double total, cpu, t0, c0; double *lat; int cap; } opstat;

static void op_begin(opstat *o) { o->c0 = cpu_s(); o->t0 = now_s(); }

static void op_end(opstat *o) {
    double dt = now_s() - o->t0;
    o->cpu += cpu_s() - o->c0;
    if (o->n == o->cap) { o->cap = o->cap ? o->cap * 2 : 1024; o->lat = realloc(o->lat, sizeof *o->lat * (size_t)o->cap); }
    o->lat[o->n++] = dt;
    o->total += dt;
}

static void op_free(opstat *o) { free(o->lat); memset(o, 0, sizeof *o); }

static char *opline(opstat *o, char *buf, size_t n, const char *more) {
    double p50 = pct(o->lat, o->n, 0.5) * 1e6, p99 = pct(o->lat, o->n, 0.99) * 1e6;
    snprintf(buf, n, "p50 %.0f us, p99 %.0f us, %.0f us CPU per call%s%s", p50, p99, o->cpu / o->n * 1e6,
             more ? "; " : "", more ? more : "");
    return buf;
}

/* Start k instances of `process` for clients PREFIX-i; timed. */
static void start_many(sdm *db, const char *process, const char *prefix, int k, const char *vars,
                       opstat *o, int64_t *ids) {
    sdm_err e;
    char client[64];
    for (int i = 0; i < k; i++) {
        snprintf(client, sizeof client, "%s-%07d", prefix, i);
        op_begin(o);
        if (sdm_start(db, process, client, vars, ids ? &ids[i] : NULL, &e)) die("sdm_start", &e);
        op_end(o);
    }
}

/* The open tasks of a process (untimed, through the API): ids and nodes. */
static int open_tasks(sdm *db, const char *process, int limit, int64_t *ids, char (*nodes)[32]) {
    sdm_err e;
    sdm_table *t;
    sdm_filter f = {.process = process, .limit = limit};
    if (sdm_query(db, SDM_Q_TASKS, &f, &t, &e)) die("open tasks", &e);
    int ci = -1, cn = -1;
    for (int c = 0; c < t->ncol; c++) {
        if (strcmp(t->cols[c], "id") == 0) ci = c;
        if (strcmp(t->cols[c], "node") == 0) cn = c;
    }
    int n = t->nrow;
    for (int r = 0; r < n; r++) {
        ids[r] = strtoll(t->cells[r * t->ncol + ci], NULL, 10);
        if (nodes) snprintf(nodes[r], 32, "%s", t->cells[r * t->ncol + cn]);
    }
    sdm_table_free(t);
    return n;
}

/* Complete every open task of `process`, round after round, until none is
** left. vars: NULL, or "xor" for {"amount":..,"stage":i,"note":..}. */
static void complete_all(sdm *db, const char *process, int k, const char *vars, opstat *o) {
    int64_t *ids = malloc(sizeof *ids * (size_t)(k * 2 + 8));
    char (*nodes)[32] = malloc(32 * (size_t)(k * 2 + 8));
    sdm_err e;
    char buf[256];
    int n;
    while ((n = open_tasks(db, process, k * 2 + 8, ids, nodes)) > 0) {
        for (int i = 0; i < n; i++) {
            const char *v = NULL;
            if (vars) {
                snprintf(buf, sizeof buf, "{\"amount\": %d, \"stage\": %d, \"note\": \"called, interested\"}",
                         5000 + i, atoi(nodes[i] + 1));
                v = buf;
            }
            op_begin(o);
            if (sdm_complete(db, ids[i], v, &e)) die("sdm_complete", &e);
            op_end(o);
        }
    }
    free(ids);
    free(nodes);
}

static double base_rate;

static void bench_complete(const char *label, const char *file, const char *process, int k, int users,
                           const char *start_vars, const char *complete_vars, int sync_full,
                           const char *expl, int show_start, const char *unit) {
    char name[128], buf[512], more[256];
    snprintf(name, sizeof name, "%s%s.db", process, sync_full ? "_full" : "");
    const char *path = path_in(name);
    remove_db(path);
    sdm_config cfg = bench_cfg(sync_full);
    sdm *db = open_plain(path, &cfg);
    deploy(db, file);
    if (users) add_users(db, users);
    opstat st = {0}, co = {0};
    long long w0 = wchar();
    start_many(db, process, "c", k, start_vars, &st, NULL);
    long long w1 = wchar();
    if (show_start) {
        snprintf(name, sizeof name, "%.1f KB written per call", (w1 - w0) / 1024.0 / k);
        snprintf(buf, sizeof buf, "start event -> first user task; %s",
                 opline(&st, more, sizeof more, name));
        row(label, st.n / st.total, "inst/s", buf);
    } else {
        complete_all(db, process, k, complete_vars, &co);
        long long w2 = wchar();
        double rate = co.n / co.total;
        char kb[64];
        snprintf(kb, sizeof kb, "; %.1f KB written per call", (w2 - w1) / 1024.0 / co.n);
        if (strcmp(unit, "steps/s") == 0) {
            /* every API call is a step: the starts and the completions */
            double steps = st.n + co.n, t = st.total + co.total;
            snprintf(more, sizeof more, "%.2fx SQLite baseline%s", steps / t / base_rate, kb);
            snprintf(buf, sizeof buf, "%s; %s", expl, opline(&co, name, sizeof name, more));
            row(label, steps / t, unit, buf);
        } else {
            snprintf(more, sizeof more, "%.2fx SQLite baseline%s", rate / base_rate, kb);
            snprintf(buf, sizeof buf, "%s; %s", expl, opline(&co, name, sizeof name, more));
            row(label, rate, unit, buf);
        }
    }
    op_free(&st);
    op_free(&co);
    sdm_close(db);
    remove_db(path);
}

/* What one step costs in SQL: statements, fresh prepares, SQL time. */
static void step_profile(const char *title, sdm *db, int (*fn)(sdm *, void *), void *arg, int reps) {
    tr_reset();
    tr.on = 1;
    double t0 = now_s();
    for (int i = 0; i < reps; i++) fn(db, arg);
    double wall = (now_s() - t0) / reps * 1e6;
    tr.on = 0;
    int runs = 0, fresh = 0;
    double ns = 0;
    for (int i = 0; i < tr.n; i++) { runs += tr.s[i].runs; fresh += tr.s[i].fresh; ns += tr.s[i].ns; }
    printf("  %s: %.1f statements per call, %.1f prepared anew (not cached), %.0f us of %.0f us in statement execution\n",
           title, (double)runs / reps, (double)fresh / reps, ns / reps / 1e3, wall);
    /* the costliest statements */
    for (int shown = 0; shown < 8; shown++) {
        int best = -1;
        for (int i = 0; i < tr.n; i++) if (tr.s[i].ns >= 0 && (best < 0 || tr.s[i].ns > tr.s[best].ns)) best = i;
        if (best < 0 || tr.s[best].ns < 0) break;
        printf("    %6.1f us  x%-4.1f %s %.110s\n", tr.s[best].ns / reps / 1e3, (double)tr.s[best].runs / reps,
               tr.s[best].fresh ? "prep" : "    ", tr.s[best].text);
        tr.s[best].ns = -1;
    }
    tr_reset();
}

/* ---------- 5. the store at scale ---------- */

#define NUSERS 1000
#define NHEADS 25

typedef struct scale_info {
    int64_t ninst, ntask, nhist, nopen, nincident_open;
    int64_t *done_clients;   /* client numbers whose instance has ended */
    int ndone;
} scale_info;

static void bind_text(sqlite3_stmt *st, int i, const char *v) {
    if (v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(st, i);
}

static void step_reset(sqlite3 *db, sqlite3_stmt *st, const char *what) {
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) { fprintf(stderr, "bench: generate %s: %s\n", what, sqlite3_errmsg(db)); exit(1); }
    sqlite3_reset(st);
}

/* One instance per client. Rows are what the engine writes for b_sales
** (fixtures/sales.bpmn): the same events, nodes, flows and detail JSON. */
static void generate(const char *path, int nclients, scale_info *si) {
    sqlite3 *db;
    sqlok(NULL, sqlite3_open(path, &db), "open scale");
    exec_sql(db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144; PRAGMA threads=2; PRAGMA temp_store=FILE");
    int64_t def = 0;
    {
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, "SELECT id FROM definitions WHERE process = 'b_sales' ORDER BY version DESC", -1, &st, NULL);
        if (sqlite3_step(st) == SQLITE_ROW) def = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (!def) { fprintf(stderr, "bench: b_sales is not deployed\n"); exit(1); }
    }
    /* indexes of the tables we fill: drop now, re-create with their own SQL after */
    static const char *const tables = "'instances','tokens','tasks','variables','history_steps','incidents','clients','users','user_roles'";
    char q[512];
    snprintf(q, sizeof q, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (%s)", tables);
    sqlite3_stmt *st;
    char *idx_sql[64], *idx_name[64];
    int nidx = 0;
    sqlite3_prepare_v2(db, q, -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW && nidx < 64) {
        idx_name[nidx] = strdup((const char *)sqlite3_column_text(st, 0));
        idx_sql[nidx++] = strdup((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    exec_sql(db, "BEGIN");
    for (int i = 0; i < nidx; i++) {
        char *d = sqlite3_mprintf("DROP INDEX \"%w\"", idx_name[i]);
        exec_sql(db, d);
        sqlite3_free(d);
    }

    sqlite3_stmt *s_user, *s_role, *s_client, *s_inst, *s_tok, *s_task, *s_var, *s_hist, *s_inc;
#define P(v, sql) sqlok(db, sqlite3_prepare_v2(db, sql, -1, &v, NULL), sql)
    P(s_user, "INSERT INTO users(name, full_name, email, head, active, created_at) VALUES(?1, ?2, ?3, ?4, 1, ?5)");
    P(s_role, "INSERT INTO user_roles(user, role) VALUES(?1, ?2)");
    P(s_client, "INSERT INTO clients(key, name, segment, region, product, value, owner, created_at, created_by, updated_at)"
                " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'bench', ?8)");
    P(s_inst, "INSERT INTO instances(id, definition_id, process, client, state, outcome, end_node, started_at, ended_at, started_by)"
              " VALUES(?1, ?2, 'b_sales', ?3, ?4, ?5, ?6, ?7, ?8, 'bench')");
    P(s_tok, "INSERT INTO tokens(instance_id, node, state, flow, created_at, id) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    P(s_task, "INSERT INTO tasks(id, instance_id, token_id, node, name, role, assignee, state, created_at, due_at,"
              " completed_at, completed_by) VALUES(?1, ?2, ?3, ?4, ?5, 'sales', ?6, ?7, ?8, ?9, ?10, ?11)");
    P(s_var, "INSERT INTO variables(instance_id, name, value) VALUES(?1, ?2, ?3)");
    P(s_hist, "INSERT INTO history_steps(instance_id, token_id, node, event, at, actor, detail) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    P(s_inc, "INSERT INTO incidents(instance_id, token_id, node, phase, message, state, created_at, resolved_at, resolved_by)"
             " VALUES(?1, ?2, 'Decide', 'leave', ?3, ?4, ?5, ?6, ?7)");
#undef P
    int64_t now = wall_ms();
    char name[64], mail[96], head[32], buf[256], client[32], user[32];
    for (int h = 1; h <= NHEADS; h++) {
        snprintf(name, sizeof name, "h%02d", h);
        snprintf(mail, sizeof mail, "%s@example.com", name);
        sqlite3_bind_text(s_user, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s_user, 2, "Head of sales", -1, SQLITE_STATIC);
        sqlite3_bind_text(s_user, 3, mail, -1, SQLITE_TRANSIENT);
        sqlite3_bind_null(s_user, 4);
        sqlite3_bind_int64(s_user, 5, now - 800LL * 86400000);
        step_reset(db, s_user, "users");
        sqlite3_bind_text(s_role, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s_role, 2, "head", -1, SQLITE_STATIC);
        step_reset(db, s_role, "user_roles");
    }
    for (int u = 1; u <= NUSERS; u++) {
        snprintf(name, sizeof name, "u%04d", u);
        snprintf(mail, sizeof mail, "%s@example.com", name);
        snprintf(head, sizeof head, "h%02d", 1 + u % NHEADS);
        sqlite3_bind_text(s_user, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s_user, 2, "Sales manager", -1, SQLITE_STATIC);
        sqlite3_bind_text(s_user, 3, mail, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s_user, 4, head, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s_user, 5, now - 800LL * 86400000);
        step_reset(db, s_user, "users");
        sqlite3_bind_text(s_role, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s_role, 2, "sales", -1, SQLITE_STATIC);
        step_reset(db, s_role, "user_roles");
    }

    static const char *const seg[] = {"SMB", "mid-market", "enterprise"};
    static const char *const reg[] = {"north", "south", "east", "west", "centre", "volga", "ural", "siberia"};
    static const char *const prod[] = {"cloud", "support", "licence", "training", "hardware"};
    static const char *const tnode[] = {"Qualify", "Offer", "Negotiate"};
    static const char *const tname[] = {"Qualify lead", "Send offer", "Negotiate"};
    static const char *const tflow[] = {"F_Start", "F_Offer", "F_Negotiate"};
    static const int64_t tdue[] = {3, 5, 10};
    int64_t task_id = 0, tok_id = 0, hist = 0, open = 0, incopen = 0;
    si->done_clients = malloc(sizeof(int64_t) * (size_t)nclients);
    si->ndone = 0;

#define H(tok, node, ev, at, det) do { \
        sqlite3_bind_int64(s_hist, 1, inst); \
        if (tok) sqlite3_bind_int64(s_hist, 2, tok); else sqlite3_bind_null(s_hist, 2); \
        bind_text(s_hist, 3, node); \
        sqlite3_bind_text(s_hist, 4, ev, -1, SQLITE_STATIC); \
        sqlite3_bind_int64(s_hist, 5, at); \
        sqlite3_bind_text(s_hist, 6, actor, -1, SQLITE_STATIC); \
        bind_text(s_hist, 7, det); \
        step_reset(db, s_hist, "history"); hist++; } while (0)

    for (int64_t inst = 1; inst <= nclients; inst++) {
        int u = 1 + (int)(rnd() % NUSERS);
        snprintf(client, sizeof client, "c%07lld", (long long)inst);
        snprintf(user, sizeof user, "u%04d", u);
        const char *actor = user;
        int64_t started = now - (int64_t)(rndf() * 730.0 * 86400000.0);
        int amount = 200 + (int)(rnd() % 200000);
        /* the instance's fate: 25% active (0.2% of those with an incident), else ended */
        double r = rndf();
        int active = r < 0.25, incident = active && rndf() < 0.002;
        int ntask;                 /* tasks created: 1..3 */
        int won = 0;
        if (active) ntask = incident ? 1 : 1 + (int)(rnd() % 3);
        else { won = amount > 1000 && rndf() < 0.55; ntask = won ? 3 : 1; }
        int64_t step_gap = 86400000LL * (1 + (int64_t)(rnd() % 4));
        int64_t t = started, ended = 0;

        sqlite3_bind_text(s_client, 1, client, -1, SQLITE_TRANSIENT);
        snprintf(buf, sizeof buf, "Client %lld LLC", (long long)inst);
        sqlite3_bind_text(s_client, 2, buf, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s_client, 3, seg[rnd() % 3], -1, SQLITE_STATIC);
        sqlite3_bind_text(s_client, 4, reg[rnd() % 8], -1, SQLITE_STATIC);
        sqlite3_bind_text(s_client, 5, prod[rnd() % 5], -1, SQLITE_STATIC);
        sqlite3_bind_double(s_client, 6, amount);
        sqlite3_bind_text(s_client, 7, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s_client, 8, started);
        step_reset(db, s_client, "clients");

        /* history of the start */
        H(0, NULL, "start", t, NULL);
        snprintf(buf, sizeof buf, "{\"name\":\"amount\",\"value\":%d}", amount);
        H(0, NULL, "variable", t, buf);
        H(0, NULL, "variable", t, "{\"name\":\"source\",\"value\":\"web\"}");
        int64_t tok = ++tok_id;       /* the instance's one token (ids only; rows for resting ones) */
        H(tok, "Start", "enter", t, NULL);
        H(tok, "Start", "leave", t, NULL);
        int64_t open_task = 0, open_tok_node = -1;
        for (int k = 0; k < ntask; k++) {
            snprintf(buf, sizeof buf, "{\"flow\":\"%s\"}", tflow[k]);
            H(tok, tnode[k], "enter", t, buf);
            int64_t id = ++task_id;
            snprintf(buf, sizeof buf, "{\"assignee\":\"%s\",\"role\":\"sales\",\"task\":%lld}", user, (long long)id);
            H(tok, tnode[k], "task-created", t, buf);
            int last = k == ntask - 1;
            int is_open = active && last && !incident;
            int64_t done = t + (int64_t)(rndf() * (double)step_gap);
            if (done > now) done = now - 1000;
            sqlite3_bind_int64(s_task, 1, id);
            sqlite3_bind_int64(s_task, 2, inst);
            sqlite3_bind_int64(s_task, 3, tok);
            sqlite3_bind_text(s_task, 4, tnode[k], -1, SQLITE_STATIC);
            sqlite3_bind_text(s_task, 5, tname[k], -1, SQLITE_STATIC);
            sqlite3_bind_text(s_task, 6, user, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s_task, 7, is_open ? "open" : "completed", -1, SQLITE_STATIC);
            sqlite3_bind_int64(s_task, 8, t);
            /* open tasks: due from two weeks ago (overdue) to two weeks ahead */
            int64_t due = is_open ? now + (int64_t)((rndf() - 0.5) * 28.0 * 86400000.0) : t + tdue[k] * 86400000LL;
            sqlite3_bind_int64(s_task, 9, due);
            if (is_open) { sqlite3_bind_null(s_task, 10); sqlite3_bind_null(s_task, 11); }
            else { sqlite3_bind_int64(s_task, 10, done); sqlite3_bind_text(s_task, 11, user, -1, SQLITE_TRANSIENT); }
            step_reset(db, s_task, "tasks");
            if (is_open) { open_task = id; open_tok_node = k; open++; break; }
            t = done;
            snprintf(buf, sizeof buf, "{\"task\":%lld}", (long long)id);
            H(tok, tnode[k], "task-completed", t, buf);
            H(tok, tnode[k], "leave", t, NULL);
            if (k == 0) {
                H(tok, "Decide", "enter", t, "{\"flow\":\"F_Decide\"}");
                if (incident) break;
                H(tok, "Decide", "leave", t, NULL);
            }
        }
        (void)open_task;
        if (incident) {
            snprintf(buf, sizeof buf, "{\"incident\":%lld,\"message\":\"b_sales.bpmn:F_Offer: attempt to compare nil with number\"}",
                     (long long)(incopen + 1));
            H(tok, "Decide", "incident", t, buf);
        }
        if (!active) {
            const char *end = won ? "Won" : "Lost";
            snprintf(buf, sizeof buf, "{\"flow\":\"%s\"}", won ? "F_Won" : "F_Lost");
            H(tok, end, "enter", t, buf);
            H(0, end, "end", t, won ? "{\"outcome\":\"success\"}" : "{\"outcome\":\"failure\"}");
            ended = t;
            si->done_clients[si->ndone++] = inst;
        }
        /* the instance row (id fixed so history/tasks above point at it) */
        sqlite3_bind_int64(s_inst, 1, inst);
        sqlite3_bind_int64(s_inst, 2, def);
        sqlite3_bind_text(s_inst, 3, client, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s_inst, 4, active ? "active" : "completed", -1, SQLITE_STATIC);
        bind_text(s_inst, 5, active ? NULL : won ? "success" : "failure");
        bind_text(s_inst, 6, active ? NULL : won ? "Won" : "Lost");
        sqlite3_bind_int64(s_inst, 7, started);
        if (ended) sqlite3_bind_int64(s_inst, 8, ended); else sqlite3_bind_null(s_inst, 8);
        step_reset(db, s_inst, "instances");
        /* a resting token: waiting at its open task, or in incident at Decide */
        if (active) {
            sqlite3_bind_int64(s_tok, 1, inst);
            sqlite3_bind_text(s_tok, 2, incident ? "Decide" : tnode[open_tok_node], -1, SQLITE_STATIC);
            sqlite3_bind_text(s_tok, 3, incident ? "incident" : "waiting", -1, SQLITE_STATIC);
            sqlite3_bind_text(s_tok, 4, incident ? "F_Decide" : tflow[open_tok_node], -1, SQLITE_STATIC);
            sqlite3_bind_int64(s_tok, 5, started);
            sqlite3_bind_int64(s_tok, 6, tok);
            step_reset(db, s_tok, "tokens");
        }
        /* incidents: the open one, and resolved ones on 0.5% of the ended instances */
        if (incident || (!active && rndf() < 0.005)) {
            sqlite3_bind_int64(s_inc, 1, inst);
            sqlite3_bind_int64(s_inc, 2, tok);
            sqlite3_bind_text(s_inc, 3, "b_sales.bpmn:F_Offer: attempt to compare nil with number", -1, SQLITE_STATIC);
            sqlite3_bind_text(s_inc, 4, incident ? "open" : "resolved", -1, SQLITE_STATIC);
            sqlite3_bind_int64(s_inc, 5, t);
            if (incident) { sqlite3_bind_null(s_inc, 6); sqlite3_bind_null(s_inc, 7); }
            else { sqlite3_bind_int64(s_inc, 6, t + 3600000); sqlite3_bind_text(s_inc, 7, user, -1, SQLITE_TRANSIENT); }
            step_reset(db, s_inc, "incidents");
            if (incident) incopen++;
        }
        /* variables, in key order */
        snprintf(buf, sizeof buf, "%d", amount);
        sqlite3_bind_int64(s_var, 1, inst); sqlite3_bind_text(s_var, 2, "amount", -1, SQLITE_STATIC);
        sqlite3_bind_text(s_var, 3, buf, -1, SQLITE_TRANSIENT); step_reset(db, s_var, "variables");
        sqlite3_bind_int64(s_var, 1, inst); sqlite3_bind_text(s_var, 2, "source", -1, SQLITE_STATIC);
        sqlite3_bind_text(s_var, 3, "\"web\"", -1, SQLITE_STATIC); step_reset(db, s_var, "variables");
    }
#undef H
    sqlite3_finalize(s_user); sqlite3_finalize(s_role); sqlite3_finalize(s_client); sqlite3_finalize(s_inst);
    sqlite3_finalize(s_tok); sqlite3_finalize(s_task); sqlite3_finalize(s_var); sqlite3_finalize(s_hist);
    sqlite3_finalize(s_inc);
    double t0 = now_s();
    for (int i = 0; i < nidx; i++) { exec_sql(db, idx_sql[i]); free(idx_sql[i]); free(idx_name[i]); }
    exec_sql(db, "COMMIT");
    printf("  (indexes re-created in %.1f s)\n", now_s() - t0);
    exec_sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(db);
    si->ninst = nclients; si->ntask = task_id; si->nhist = hist; si->nopen = open; si->nincident_open = incopen;
}

typedef struct qcase {
    const char *figure, *expl;
    int kind;            /* 0 tasks by user, 1 tasks by client, 2 show, 3 incidents, 4 calendar, 5 client history, 6 instances of client */
} qcase;

static int run_query(sdm *db, int kind, int arg, int nclients, int *rows) {
    sdm_err e;
    sdm_table *t = NULL;
    char user[32], client[32];
    snprintf(user, sizeof user, "u%04d", 1 + arg % NUSERS);
    snprintf(client, sizeof client, "c%07d", 1 + (int)((unsigned)arg * 2654435761u % (unsigned)nclients));
    int64_t id = 1 + (int64_t)((unsigned)arg * 2246822519u % (unsigned)nclients);
    int rc = SDM_OK;
    *rows = 0;
    switch (kind) {
    case 0: { sdm_filter f = {.user = user}; rc = sdm_query(db, SDM_Q_TASKS, &f, &t, &e); break; }
    case 1: { sdm_filter f = {.client = client}; rc = sdm_query(db, SDM_Q_TASKS, &f, &t, &e); break; }
    case 2: {
        static const sdm_query_kind parts[] = {SDM_Q_INSTANCE, SDM_Q_TOKENS, SDM_Q_TASKS, SDM_Q_VARIABLES, SDM_Q_HISTORY};
        sdm_filter f = {.id = id, .state = "all"};
        for (size_t i = 0; i < sizeof parts / sizeof *parts && !rc; i++) {
            rc = sdm_query(db, parts[i], &f, &t, &e);
            if (!rc) { *rows += t->nrow; sdm_table_free(t); t = NULL; }
        }
        break;
    }
    case 3: { sdm_filter f = {0}; rc = sdm_query(db, SDM_Q_INCIDENTS, &f, &t, &e); break; }
    case 4: rc = sdm_calendar(db, user, "all", 0, &t, &e); break;
    case 5: rc = sdm_client_history(db, client, &t, &e); break;
    case 6: { sdm_filter f = {.client = client}; rc = sdm_query(db, SDM_Q_INSTANCES, &f, &t, &e); break; }
    }
    if (rc) { fprintf(stderr, "bench: query %d: %s\n", kind, e.msg); return rc; }
    if (t) { *rows += t->nrow; sdm_table_free(t); }
    return SDM_OK;
}

/* ---------- main ---------- */

static int start_one(sdm *db, void *arg) {
    static int k;
    char client[32];
    sdm_err e;
    snprintf(client, sizeof client, "p-%07d", k++);
    if (sdm_start(db, (const char *)arg, client, "{\"amount\": 5000}", NULL, &e)) die("sdm_start", &e);
    return 0;
}

static int complete_one(sdm *db, void *arg) {
    const char *process = arg;
    int64_t id;
    sdm_err e;
    tr.on = 0;
    int n = open_tasks(db, process, 1, &id, NULL);
    tr.on = 1;
    if (n && sdm_complete(db, id, NULL, &e)) die("sdm_complete", &e);
    return 0;
}

int main(int argc, char **argv) {
    int nclients = 1000000, quick = 0, keep = 0, steps = 0, noscale = 0;
    const char *gen = NULL;     /* --generate PATH: only make the scale store there (bench/tput.sh) */
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) { quick = 1; nclients = 20000; }
        else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc) nclients = atoi(argv[++i]);
        else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) steps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) base = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0) keep = 1;
        else if (strcmp(argv[i], "--no-scale") == 0) noscale = 1;
        else if (strcmp(argv[i], "--generate") == 0 && i + 1 < argc) gen = argv[++i];
        else {
            fprintf(stderr, "usage: bench/run [--quick] [--clients N] [--steps N] [--dir DIR] [--keep] [--no-scale] [--generate PATH]\n");
            return 2;
        }
    }
    if (nclients < 1000) nclients = 1000;
    if (!steps) steps = quick ? 2000 : 10000;
    if (gen) {
        scale_info si = {0};
        sdm_config cfg = bench_cfg(0);
        remove_db(gen);
        sdm *db = open_plain(gen, &cfg);
        deploy(db, "sales.bpmn");
        sdm_close(db);
        double t0 = now_s();
        generate(gen, nclients, &si);
        printf("generated %s: %lld clients/instances, %lld tasks (%lld open), %lld history rows in %.1f s\n", gen,
               (long long)si.ninst, (long long)si.ntask, (long long)si.nopen, (long long)si.nhist, now_s() - t0);
        free(si.done_clients);
        return 0;
    }
    snprintf(dir, sizeof dir, "%s/sdm-bench-XXXXXX", base);
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    printf("sdm %s benchmark: SQLite %s, %ld cores, databases in %s (WAL, synchronous=NORMAL)\n",
           SDM_VERSION, sqlite3_libversion(), ncpu, dir);
    printf("  %-44s %12s  %-10s %s\n", "figure", "value", "unit", "what it is");
    double T0 = now_s();

    section("1. SQLite baseline (sqlite3 directly, same pragmas)");
    base_rate = sqlite_baseline(steps, 0, 1);
    char bl[256];
    snprintf(bl, sizeof bl, "BEGIN IMMEDIATE; INSERT; COMMIT (prepared), WAL, synchronous=NORMAL; %.1f KB written per tx", baseline_kb);
    row("SQLite: 1-row INSERT transactions", base_rate, "tx/s", bl);
    double base5 = sqlite_baseline(steps, 0, 8);
    snprintf(bl, sizeof bl, "the same with 8 INSERTs per transaction (about a step's row writes); %.1f KB per tx", baseline_kb);
    row("SQLite: 8-row INSERT transactions", base5, "tx/s", bl);
    double basef = sqlite_baseline(quick ? 200 : 1000, 1, 1);
    row("SQLite: 1-row INSERT tx, sync_full", basef, "tx/s", "synchronous=FULL: one fsync per commit (power-loss safe)");

    section("2. deploy and start");
    {
        const char *path = path_in("deploy.db");
        remove_db(path);
        sdm_config cfg = bench_cfg(0);
        sdm *db = open_plain(path, &cfg);
        double t0 = now_s();
        deploy(db, "sales.bpmn");
        row("sdm_deploy sales.bpmn (2 processes)", (now_s() - t0) * 1e3, "ms", "parse, validate, Lua syntax checks, store");
        sdm_close(db);
        remove_db(path);
    }
    int k = steps / 10;
    bench_complete("sdm_start, no lane", "chain.bpmn", "b_chain", steps, 0, "{\"amount\": 5000}", NULL, 0, NULL, 1, "inst/s");
    bench_complete("sdm_start, lane (owner rule, 50 users)", "chain_lane.bpmn", "b_chain_lane", steps, 50,
                   "{\"amount\": 5000}", NULL, 0, NULL, 1, "inst/s");

    {   /* issue 11: a parallel multi-instance of the cap's size starts in one step */
        const char *path = path_in("multi.db");
        remove_db(path);
        sdm_config cfg = bench_cfg(0);
        sdm *db = open_plain(path, &cfg);
        sdm_err e;
        int64_t id;
        deploy(db, "multi.bpmn");
        double t0 = now_s();
        if (sdm_start(db, "b_multi", "multi-1", "{\"n\": 10000}", &id, &e)) die("start b_multi", &e);
        row("sdm_start, multi-instance of 10,000 user tasks", (now_s() - t0) * 1e3, "ms",
            "one step: 20,000 tokens, 10,000 tasks and their task log (the cap's size)");
        sdm_close(db);
        remove_db(path);
    }

    section("3. completing user tasks (chain of 10 tasks; every call is one transaction)");
    bench_complete("sdm_complete, chain, no lane", "chain.bpmn", "b_chain", k, 0, NULL, NULL, 0,
                   "task -> next task", 0, "tasks/s");
    bench_complete("sdm_complete, chain, lane (owner, 50 users)", "chain_lane.bpmn", "b_chain_lane", k, 50, NULL, NULL, 0,
                   "task -> next task, assignment + task log", 0, "tasks/s");
    bench_complete("sdm_complete + vars + Lua XOR gateway", "xor.bpmn", "b_xor", k, 0, "{\"amount\": 5000}", "xor", 0,
                   "3 vars per completion, gateway condition in Lua", 0, "tasks/s");
    bench_complete("sdm_complete, chain, sync_full=1", "chain.bpmn", "b_chain", quick ? 20 : 100, 0, NULL, NULL, 1,
                   "as above, fsync per commit", 0, "tasks/s");

    section("4. parallel fork/join and script tasks");
    bench_complete("parallel fork/join (start + 3 completes)", "parallel.bpmn", "b_par", steps / 4, 0, NULL, NULL, 0,
                   "fork to 2 tasks, join, review task", 0, "steps/s");
    bench_complete("script tasks (5 x user task -> Lua)", "script.bpmn", "b_script", steps / 5, 0,
                   "{\"amount\": 5000}", NULL, 0, "each completion runs a Lua script task", 0, "tasks/s");

    section("where a step's time goes (SQL traced on the engine's connection, 200 calls each)");
    {
        const char *path = path_in("profile.db");
        remove_db(path);
        sdm_config cfg = bench_cfg(0);
        sdm *db = open_traced(path, &cfg);
        deploy(db, "chain.bpmn");
        deploy(db, "chain_lane.bpmn");
        add_users(db, 50);
        for (int i = 0; i < 50; i++) start_one(db, "b_chain");          /* warm the caches */
        for (int i = 0; i < 50; i++) start_one(db, "b_chain_lane");
        step_profile("sdm_start, no lane", db, start_one, "b_chain", 200);
        step_profile("sdm_start, lane", db, start_one, "b_chain_lane", 200);
        step_profile("sdm_complete, no lane", db, complete_one, "b_chain", 200);
        step_profile("sdm_complete, lane", db, complete_one, "b_chain_lane", 200);
        sdm_close(db);
        remove_db(path);
    }
    long rss_engine = maxrss_mb();

    if (noscale) goto end;
    section("5. queries at scale");
    const char *spath = path_in("scale.db");
    remove_db(spath);
    scale_info si = {0};
    {
        sdm_config cfg = bench_cfg(0);
        sdm *db = open_plain(spath, &cfg);
        deploy(db, "sales.bpmn");
        sdm_close(db);
        double t0 = now_s();
        generate(spath, nclients, &si);
        struct stat sb;
        stat(spath, &sb);
        printf("  generated %lld clients/instances, %d users, %lld tasks (%lld open), %lld history rows, "
               "%lld open incidents in %.1f s; file %.0f MB\n",
               (long long)si.ninst, NUSERS + NHEADS, (long long)si.ntask, (long long)si.nopen, (long long)si.nhist,
               (long long)si.nincident_open, now_s() - t0, sb.st_size / 1048576.0);
    }
    {
        sdm_config cfg = bench_cfg(0);
        sdm *db = open_traced(spath, &cfg);
        sqlite3 *ro;
        sqlok(NULL, sqlite3_open_v2(spath, &ro, SQLITE_OPEN_READONLY, NULL), "open read-only");
        static const qcase cases[] = {
            {"SDM_Q_TASKS user (a manager's open tasks)", "sdm tasks --user U", 0},
            {"SDM_Q_TASKS client", "sdm tasks --client C", 1},
            {"sdm show (INSTANCE+TOKENS+TASKS+VARS+HISTORY)", "5 queries of one instance", 2},
            {"SDM_Q_INCIDENTS (open)", "sdm incidents", 3},
            {"sdm_calendar user, all", "the manager's calendar", 4},
            {"sdm_client_history", "card changes + every instance's history", 5},
            {"SDM_Q_INSTANCES client", "sdm instances --client C", 6},
        };
        int runs = 200;
        double *lat = malloc(sizeof *lat * (size_t)runs);
        for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
            int rows = 0, r;
            long total_rows = 0;
            /* the plan, from the SQL the engine ran */
            tr_reset();
            tr.on = 1; tr.capture = 1;
            if (run_query(db, cases[c].kind, 7, nclients, &r)) { tr.on = 0; continue; }
            tr.on = 0;
            int ncap = tr.ncap;
            char *cap[64];
            for (int i = 0; i < ncap; i++) cap[i] = tr.cap[i];
            tr.ncap = 0;
            int done = 0;
            double spent = 0;
            for (int i = 0; i < runs && spent < 20.0; i++) {   /* 200 runs, or 20 s for a slow one */
                double t0 = now_s();
                run_query(db, cases[c].kind, 1000 + i * 37, nclients, &rows);
                lat[i] = (now_s() - t0) * 1e3;
                spent += lat[i] / 1e3;
                total_rows += rows;
                done++;
            }
            double p50 = pct(lat, done, 0.5), p99 = pct(lat, done, 0.99);
            char ex[256];
            snprintf(ex, sizeof ex, "%s; p99 %.2f ms; %.0f rows avg; %d runs", cases[c].expl, p99,
                     (double)total_rows / done, done);
            row(cases[c].figure, p50, "ms p50", ex);
            for (int i = 0; i < ncap; i++) { explain(ro, cap[i]); free(cap[i]); }
            tr_reset();
        }
        free(lat);
        sqlite3_close(ro);

        /* the engine's steps on the big store */
        section("engine steps on the scale store");
        int n = quick ? 500 : 2000;
        if (n > si.ndone) n = si.ndone;
        opstat st = {0}, co = {0}, lo = {0};
        sdm_err e;
        char client[32], buf[256], more[128];
        int64_t *ids = malloc(sizeof *ids * (size_t)n);
        /* each figure stops after its count or BUDGET seconds, whichever comes first */
#define BUDGET 15.0
        int started = 0;
        for (int i = 0; i < n && st.total < BUDGET; i++) {   /* a returning client: a new deal */
            snprintf(client, sizeof client, "c%07lld", (long long)si.done_clients[(int64_t)(rnd() % (uint64_t)si.ndone)]);
            op_begin(&st);
            int rc = sdm_start(db, "b_sales", client, "{\"amount\": 25000, \"source\": \"repeat\"}", &ids[i], &e);
            if (rc == SDM_ERR_STATE) { i--; continue; }      /* drew the same client twice */
            if (rc) die("sdm_start at scale", &e);
            op_end(&st);
            started = i + 1;
        }
        n = started;
        snprintf(buf, sizeof buf, "returning client, owner rule, %d calls; %s", st.n, opline(&st, more, sizeof more, NULL));
        row("sdm_start b_sales at scale", st.n / st.total, "inst/s", buf);
        for (int i = 0; i < n && co.total < BUDGET; i++) {
            sdm_filter f = {.id = ids[i]};
            sdm_table *t;
            if (sdm_query(db, SDM_Q_TASKS, &f, &t, &e)) die("tasks", &e);
            int64_t task = t->nrow ? strtoll(t->cells[0], NULL, 10) : 0;
            sdm_table_free(t);
            if (!task) continue;
            op_begin(&co);
            if (sdm_complete(db, task, "{\"qualified\": true}", &e)) die("sdm_complete at scale", &e);
            op_end(&co);
        }
        snprintf(buf, sizeof buf, "Qualify -> Lua XOR -> Offer, %d calls; %s", co.n, opline(&co, more, sizeof more, NULL));
        row("sdm_complete b_sales at scale", co.n / co.total, "tasks/s", buf);
        opstat nw = {0};
        int nn = quick ? 100 : 200;
        for (int i = 0; i < nn && nw.total < BUDGET; i++) {
            snprintf(client, sizeof client, "lead-%06d", i);
            op_begin(&nw);
            if (sdm_start(db, "b_sales", client, "{\"amount\": 25000}", NULL, &e)) die("sdm_start new client", &e);
            op_end(&nw);
        }
        snprintf(buf, sizeof buf, "new client, owner rule (continuity query), %d calls; %s", nw.n, opline(&nw, more, sizeof more, NULL));
        row("sdm_start b_sales new client at scale", nw.n / nw.total, "inst/s", buf);
        op_free(&nw);
        int nl = quick ? 100 : 200;
        for (int i = 0; i < nl && lo.total < BUDGET; i++) {
            snprintf(client, sizeof client, "new-%06d", i);
            op_begin(&lo);
            if (sdm_start(db, "b_least", client, NULL, NULL, &e)) die("sdm_start b_least", &e);
            op_end(&lo);
        }
        snprintf(buf, sizeof buf, "least-open rule over %lld open tasks, %d calls; %s", (long long)si.nopen, lo.n,
                 opline(&lo, more, sizeof more, NULL));
        row("sdm_start b_least (least-open) at scale", lo.n / lo.total, "inst/s", buf);
        /* one call each when a step takes seconds (it did before the fix of the previous-task query) */
        int reps = (co.n && co.total / co.n > 0.5) ? 1 : quick ? 20 : 5;
        step_profile("sdm_start b_least at scale", db, start_one, "b_least", reps);
        step_profile("sdm_start b_sales (new client) at scale", db, start_one, "b_sales", reps);
        op_free(&st); op_free(&co); op_free(&lo);
        free(ids);
        sdm_close(db);
    }
    free(si.done_clients);
    if (!keep) { remove_db(spath); rmdir(dir); }
    else printf("  kept %s\n", spath);

end:
    if (!keep) rmdir(dir);      /* empty by now unless --keep */
    section("6. memory and time");
    row("peak RSS after the throughput runs", (double)rss_engine, "MB", "getrusage ru_maxrss: engine, Lua, SQLite page caches");
    row("peak RSS at the end", (double)maxrss_mb(), "MB", "includes the generator (256 MB page cache, index sorts)");
    row("total run time", now_s() - T0, "s", quick ? "--quick" : "full run");
    return 0;
}
