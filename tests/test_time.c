/*
** test_time.c — time through the public API with a fixed clock and a
** business calendar (Europe/Moscow, Mon-Fri 09:00-18:00): due dates of user
** tasks, intermediate timer catch events, boundary timers (non-interrupting
** cycle, interrupting duration), jobs dying with their task, checkpoint
** rules (due, enter, leave, inline and from tests/scripts-time, broken),
** deploy-time rejection of bad timer values, deviations acknowledged and
** resolved, and what sdm_tick reports when nothing is due.
**
** Fixtures: tests/bpmn/time-*.bpmn (one process each, named after the file). Run from the repository root. Every
** scenario has a database of its own and ends with sdm_check clean.
*/
#include <unistd.h>
#include <sqlite3.h>
#include "sdm.h"
#include "clock.h"
#include "t.h"

#define BPMN "tests/bpmn/"
#define SCRIPTS "tests/scripts-time"

static char dir[] = "/tmp/sdm_time_XXXXXX";
static char calendar[128];
static sdm_err err;

/* ---------- helpers ---------- */

/* An ISO 8601 date-time with an offset, as ms. */
static int64_t T(const char *iso) {
    int64_t ms = 0;
    char msg[256];
    if (clk_parse_datetime(iso, NULL, &ms, msg, sizeof msg)) {
        fprintf(stderr, "test bug: bad time %s: %s\n", iso, msg);
        abort();
    }
    return ms;
}

static char *S(int64_t v) {             /* ms as text, for comparing table cells */
    static char buf[8][32];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%lld", (long long)v);
    return buf[k];
}

static sdm *open_db(const char *name, const char *now) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    sdm_config cfg = {.actor = "tester", .calendar_file = calendar, .scripts_dir = SCRIPTS, .now = T(now),
                      .open_mode = SDM_OPEN_CREATE};
    sdm *db = NULL;
    int rc = sdm_open(&db, path, &cfg, &err);
    CHECK_EQ_INT(rc, SDM_OK);
    if (rc) { fprintf(stderr, "  sdm_open: %s\n", err.msg); exit(1); }
    return db;
}

static void deploy(sdm *db, const char *file) {
    int rc = sdm_deploy(db, file, NULL, &err);
    CHECK_EQ_INT(rc, SDM_OK);
    if (rc) fprintf(stderr, "  deploy %s: %s:%d %s %s\n", file, err.file, err.line, err.element, err.msg);
}

/* Every valid fixture: one process per file, named after it. */
static void deploy_all(sdm *db) {
    static const char *const files[] = {
        "due-working", "due-hours", "wait-dur", "wait-date", "wait-expr", "wait-working",
        "wait-var", "remind", "deadline", "all-timers", "cp-due", "cp-el", "cp-broken", NULL};
    for (int i = 0; files[i]; i++) {
        char path[128];
        snprintf(path, sizeof path, BPMN "time-%s.bpmn", files[i]);
        deploy(db, path);
    }
}

static int64_t start(sdm *db, const char *process, const char *client, const char *vars) {
    int64_t id = 0;
    int rc = sdm_start(db, process, client, vars, &id, &err);
    CHECK_EQ_INT(rc, SDM_OK);
    if (rc) fprintf(stderr, "  start %s: %s\n", process, err.msg);
    return id;
}

static int col(const sdm_table *t, const char *name) {
    for (int c = 0; c < t->ncol; c++) if (strcmp(t->cols[c], name) == 0) return c;
    fprintf(stderr, "test bug: no column %s\n", name);
    abort();
}

static const char *cell(const sdm_table *t, int r, const char *name) {
    if (r < 0 || r >= t->nrow) return NULL;
    const char *v = t->cells[r * t->ncol + col(t, name)];
    return v ? v : "NULL";
}

static sdm_table *query(sdm *db, sdm_query_kind k, int64_t id, const char *state) {
    sdm_filter f = {.id = id, .state = state};
    sdm_table *t = NULL;
    int rc = sdm_query(db, k, &f, &t, &err);
    CHECK_EQ_INT(rc, SDM_OK);
    return t;
}

static int count(sdm *db, sdm_query_kind k, int64_t id, const char *state) {
    sdm_table *t = query(db, k, id, state);
    int n = t ? t->nrow : -1;
    sdm_table_free(t);
    return n;
}

/* The instance's history as "event:node ..." (variable rows left out). */
static const char *trace(sdm *db, int64_t inst) {
    static char buf[8192];
    buf[0] = 0;
    sdm_table *t = query(db, SDM_Q_HISTORY, inst, NULL);
    for (int r = 0; t && r < t->nrow; r++) {
        const char *ev = cell(t, r, "event"), *node = cell(t, r, "node");
        if (strcmp(ev, "variable") == 0) continue;
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s%s%s%s", n ? " " : "", ev,
                 strcmp(node, "NULL") ? ":" : "", strcmp(node, "NULL") ? node : "");
    }
    sdm_table_free(t);
    return buf;
}

/* How many history rows of `event` at `node` (NULL: any node). */
static int events(sdm *db, int64_t inst, const char *event, const char *node) {
    sdm_table *t = query(db, SDM_Q_HISTORY, inst, NULL);
    int n = 0;
    for (int r = 0; t && r < t->nrow; r++)
        n += strcmp(cell(t, r, "event"), event) == 0 && (!node || strcmp(cell(t, r, "node"), node) == 0);
    sdm_table_free(t);
    return n;
}

static const char *instance_state(sdm *db, int64_t inst) {
    static char buf[32];
    sdm_table *t = query(db, SDM_Q_INSTANCE, inst, NULL);
    snprintf(buf, sizeof buf, "%s", t && t->nrow ? cell(t, 0, "state") : "?");
    sdm_table_free(t);
    return buf;
}

static const char *var(sdm *db, int64_t inst, const char *name) {
    static char buf[256];
    snprintf(buf, sizeof buf, "(unset)");
    sdm_table *t = query(db, SDM_Q_VARIABLES, inst, NULL);
    for (int r = 0; t && r < t->nrow; r++)
        if (strcmp(cell(t, r, "name"), name) == 0) snprintf(buf, sizeof buf, "%s", cell(t, r, "value"));
    sdm_table_free(t);
    return buf;
}

/* The instance's task at `node` in any state (the latest one). */
static int64_t task_at(sdm *db, int64_t inst, const char *node, char *state, int64_t *due) {
    sdm_table *t = query(db, SDM_Q_TASKS, inst, "all");
    int64_t id = 0;
    for (int r = 0; t && r < t->nrow; r++)
        if (strcmp(cell(t, r, "node"), node) == 0) {
            id = atoll(cell(t, r, "id"));
            if (state) snprintf(state, 16, "%s", cell(t, r, "state"));
            if (due) *due = strcmp(cell(t, r, "due_at"), "NULL") ? atoll(cell(t, r, "due_at")) : 0;
        }
    sdm_table_free(t);
    return id;
}

/* Tick at `iso`; returns how many jobs/deliveries fired; *next the next due. */
static int tick_ms(sdm *db, int64_t now, int64_t *next) {
    int fired = -1;
    int64_t nd = -1;
    sdm_set_now(db, now);
    int rc = sdm_tick(db, &fired, &nd, &err);
    CHECK_EQ_INT(rc, SDM_OK);
    if (rc) fprintf(stderr, "  tick at %lld: %s\n", (long long)now, err.msg);
    if (next) *next = nd;
    return fired;
}

static int tick_at(sdm *db, const char *iso, int64_t *next) { return tick_ms(db, T(iso), next); }

static void check_clean(sdm *db) {
    sdm_table *t = NULL;
    int rc = sdm_check(db, &t, &err);
    CHECK_EQ_INT(rc, SDM_OK);
    CHECK_EQ_INT(t ? t->nrow : -1, 0);
    for (int r = 0; t && r < t->nrow; r++)
        fprintf(stderr, "  check: %s %s\n", cell(t, r, "problem"), cell(t, r, "id"));
    sdm_table_free(t);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(1); }
    fputs(text, f);
    fclose(f);
}

/* One value of a SQL query on a database file of this test ("" if none). */
static const char *sql1(const char *db, const char *sql) {
    static char buf[256];
    char path[256];
    sqlite3 *h;
    buf[0] = 0;
    snprintf(path, sizeof path, "%s/%s", dir, db);
    if (sqlite3_open(path, &h) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
                snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 0));
            sqlite3_finalize(st);
        } else {
            snprintf(buf, sizeof buf, "SQL ERROR %s", sqlite3_errmsg(h));
        }
    }
    sqlite3_close(h);
    return buf;
}

#define FRI_1700 "2026-11-20T17:00:00+03:00"     /* Friday, 17:00 in Moscow */

/* ---------- 1. due dates ---------- */

static void test_due(void) {
    sdm *db = open_db("due.db", FRI_1700);
    deploy_all(db);
    int64_t due = 0;
    char state[16] = "";

    T_CASE("1.1 dueWorking P2D from Friday 17:00 Moscow is Tuesday 17:00 Moscow");
    int64_t a = start(db, "t_due_working", "acme", NULL);
    int64_t task = task_at(db, a, "call", state, &due);
    CHECK(task > 0);
    CHECK_EQ_STR(state, "open");
    CHECK_EQ_INT(due, T("2026-11-24T17:00:00+03:00"));
    CHECK_EQ_STR(trace(db, a), "start enter:start leave:start enter:call task-created:call");
    CHECK_EQ_INT(count(db, SDM_Q_JOBS, a, NULL), 0);          /* a due date alone is no job */

    T_CASE("1.2 dueWorking P2D from Saturday noon is Tuesday 18:00 (end of business)");
    sdm_set_now(db, T("2026-11-21T12:00:00+03:00"));
    int64_t b = start(db, "t_due_working", "globex", NULL);
    task_at(db, b, "call", NULL, &due);
    CHECK_EQ_INT(due, T("2026-11-24T18:00:00+03:00"));

    T_CASE("1.3 sdm:due PT4H is calendar time: Friday 17:00 + 4 h = Friday 21:00");
    sdm_set_now(db, T(FRI_1700));
    int64_t c = start(db, "t_due_hours", "acme", NULL);
    task_at(db, c, "call", NULL, &due);
    CHECK_EQ_INT(due, T("2026-11-20T21:00:00+03:00"));

    T_CASE("1.4 the task table shows the due time; sdm_check is clean");
    sdm_filter f = {.client = "acme"};
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_query(db, SDM_Q_TASKS, &f, &t, &err), SDM_OK);
    CHECK_EQ_INT(t ? t->nrow : 0, 2);
    if (t && t->nrow == 2) {                                   /* ordered by due time */
        CHECK_EQ_STR(cell(t, 0, "due_at"), S(T("2026-11-20T21:00:00+03:00")));
        CHECK_EQ_STR(cell(t, 1, "due_at"), S(T("2026-11-24T17:00:00+03:00")));
    }
    sdm_table_free(t);
    check_clean(db);
    sdm_close(db);
}

/* ---------- 2. intermediate timer catch events ---------- */

static void test_catch(void) {
    int64_t next = 0;

    T_CASE("2.1 timeDuration PT2H: waits, not fired at 18:59:59.999, fired at 19:00");
    sdm *db = open_db("catch_dur.db", FRI_1700);
    deploy_all(db);
    int64_t i = start(db, "t_wait_dur", "acme", NULL);
    CHECK_EQ_STR(trace(db, i), "start enter:start leave:start enter:wait");
    sdm_table *j = query(db, SDM_Q_JOBS, i, NULL);
    CHECK_EQ_INT(j ? j->nrow : 0, 1);
    if (j && j->nrow == 1) {
        CHECK_EQ_STR(cell(j, 0, "kind"), "timer");
        CHECK_EQ_STR(cell(j, 0, "node"), "wait");
        CHECK_EQ_STR(cell(j, 0, "due_at"), S(T("2026-11-20T19:00:00+03:00")));
        CHECK_EQ_STR(cell(j, 0, "fired"), "0");
    }
    sdm_table_free(j);
    CHECK_EQ_STR(instance_state(db, i), "active");
    check_clean(db);                                           /* a waiting timer token is fine */
    CHECK_EQ_INT(tick_at(db, "2026-11-20T18:59:59.999+03:00", &next), 0);
    CHECK_EQ_INT(next, T("2026-11-20T19:00:00+03:00"));
    CHECK_EQ_STR(instance_state(db, i), "active");
    CHECK_EQ_INT(events(db, i, "timer", NULL), 0);
    CHECK_EQ_INT(tick_at(db, "2026-11-20T19:00:00+03:00", &next), 1);
    CHECK_EQ_INT(next, 0);
    CHECK_EQ_STR(trace(db, i),
                 "start enter:start leave:start enter:wait timer:wait leave:wait enter:end end:end");
    CHECK_EQ_STR(instance_state(db, i), "completed");
    CHECK_EQ_INT(count(db, SDM_Q_JOBS, 0, NULL), 0);
    T_CASE("2.2 a second tick fires nothing more");
    CHECK_EQ_INT(tick_at(db, "2026-11-21T19:00:00+03:00", &next), 0);
    CHECK_EQ_INT(next, 0);
    CHECK_EQ_INT(events(db, i, "timer", NULL), 1);
    check_clean(db);
    sdm_close(db);

    T_CASE("2.3 timeDate with an offset fires at that instant, not a millisecond before");
    db = open_db("catch_date.db", FRI_1700);
    deploy_all(db);
    i = start(db, "t_wait_date", "acme", NULL);
    j = query(db, SDM_Q_JOBS, i, NULL);
    CHECK_EQ_STR(cell(j, 0, "due_at"), S(T("2026-11-23T07:00:00Z")));
    sdm_table_free(j);
    CHECK_EQ_INT(tick_at(db, "2026-11-23T09:59:59.999+03:00", &next), 0);
    CHECK_EQ_INT(next, T("2026-11-23T10:00:00+03:00"));
    CHECK_EQ_STR(instance_state(db, i), "active");
    CHECK_EQ_INT(tick_at(db, "2026-11-23T10:00:00+03:00", &next), 1);
    CHECK_EQ_STR(instance_state(db, i), "completed");
    CHECK_EQ_INT(events(db, i, "timer", "wait"), 1);
    check_clean(db);
    sdm_close(db);

    T_CASE("2.4 a Lua expression timer (=...) returning a duration, per instance");
    db = open_db("catch_expr.db", FRI_1700);
    deploy_all(db);
    int64_t fast = start(db, "t_wait_expr", "acme", "{\"urgent\": true}");
    int64_t slow = start(db, "t_wait_expr", "globex", "{\"urgent\": false}");
    j = query(db, SDM_Q_JOBS, fast, NULL);
    CHECK_EQ_STR(cell(j, 0, "due_at"), S(T("2026-11-20T18:00:00+03:00")));
    sdm_table_free(j);
    j = query(db, SDM_Q_JOBS, slow, NULL);
    CHECK_EQ_STR(cell(j, 0, "due_at"), S(T("2026-11-21T17:00:00+03:00")));
    sdm_table_free(j);
    CHECK_EQ_INT(tick_at(db, "2026-11-20T17:59:59+03:00", &next), 0);
    CHECK_EQ_INT(next, T("2026-11-20T18:00:00+03:00"));
    CHECK_EQ_INT(tick_at(db, "2026-11-20T18:00:00+03:00", &next), 1);
    CHECK_EQ_STR(instance_state(db, fast), "completed");
    CHECK_EQ_STR(instance_state(db, slow), "active");
    CHECK_EQ_INT(next, T("2026-11-21T17:00:00+03:00"));
    CHECK_EQ_INT(tick_at(db, "2026-11-21T17:00:00+03:00", &next), 1);
    CHECK_EQ_STR(instance_state(db, slow), "completed");
    CHECK_EQ_INT(next, 0);
    check_clean(db);
    sdm_close(db);

    T_CASE("2.5 a timer expression giving nil or a non-duration is an incident at the timer");
    db = open_db("catch_nil.db", FRI_1700);
    deploy_all(db);
    i = start(db, "t_wait_var", "acme", "{\"delay\": \"PT3H\"}");
    j = query(db, SDM_Q_JOBS, i, NULL);
    CHECK_EQ_STR(cell(j, 0, "due_at"), S(T("2026-11-20T20:00:00+03:00")));
    sdm_table_free(j);
    const char *bad[] = {"globex", NULL, "initech", "{\"delay\": \"soon\"}"};
    for (int k = 0; k < 4; k += 2) {
        int64_t b = start(db, "t_wait_var", bad[k], bad[k + 1]);
        sdm_table *inc = query(db, SDM_Q_INCIDENTS, b, NULL);
        CHECK_EQ_INT(inc ? inc->nrow : 0, 1);
        CHECK_EQ_STR(cell(inc, 0, "node"), "wait");
        CHECK_CONTAINS(cell(inc, 0, "message"), k ? "soon" : "undefined variable 'delay'");
        sdm_table_free(inc);
        CHECK_EQ_INT(count(db, SDM_Q_JOBS, b, NULL), 0);
        CHECK_EQ_STR(instance_state(db, b), "active");
    }
    check_clean(db);
    sdm_close(db);

    T_CASE("2.6 sdm:working=\"true\": PT2H from Friday 17:00 is Monday 10:00");
    db = open_db("catch_working.db", FRI_1700);
    deploy_all(db);
    i = start(db, "t_wait_working", "acme", NULL);
    j = query(db, SDM_Q_JOBS, i, NULL);
    CHECK_EQ_STR(cell(j, 0, "due_at"), S(T("2026-11-23T10:00:00+03:00")));
    sdm_table_free(j);
    CHECK_EQ_INT(tick_at(db, "2026-11-22T23:00:00+03:00", &next), 0);
    CHECK_EQ_INT(tick_at(db, "2026-11-23T10:00:00+03:00", &next), 1);
    CHECK_EQ_STR(instance_state(db, i), "completed");
    check_clean(db);
    sdm_close(db);
}

/* ---------- 3. boundary timers ---------- */

static void test_boundary(void) {
    int64_t next = 0;
    char state[16] = "";

    T_CASE("3.1 non-interrupting R3/P1D: three reminders, the task stays open");
    sdm *db = open_db("remind.db", FRI_1700);
    deploy_all(db);
    int64_t i = start(db, "t_remind", "acme", NULL);
    int64_t task = task_at(db, i, "offer", state, NULL);
    sdm_table *j = query(db, SDM_Q_JOBS, i, NULL);
    CHECK_EQ_INT(j ? j->nrow : 0, 1);
    CHECK_EQ_STR(cell(j, 0, "kind"), "boundary");
    CHECK_EQ_STR(cell(j, 0, "node"), "nudge");
    CHECK_EQ_STR(cell(j, 0, "due_at"), S(T("2026-11-21T17:00:00+03:00")));
    sdm_table_free(j);
    const char *when[3] = {"2026-11-21T17:00:00+03:00", "2026-11-22T17:00:00+03:00",
                           "2026-11-23T17:00:00+03:00"};
    for (int k = 0; k < 3; k++) {
        CHECK_EQ_INT(tick_ms(db, T(when[k]) - 1, &next), 0);   /* a millisecond early */
        CHECK_EQ_INT(next, T(when[k]));
        CHECK_EQ_INT(tick_at(db, when[k], &next), 1);
        CHECK_EQ_INT(events(db, i, "timer", "nudge"), k + 1);
        CHECK_EQ_INT(events(db, i, "enter", "reminded"), k + 1);
        CHECK_EQ_INT(count(db, SDM_Q_JOBS, i, NULL), k < 2 ? 1 : 0);
        if (k < 2) {
            j = query(db, SDM_Q_JOBS, i, NULL);
            CHECK_EQ_STR(cell(j, 0, "due_at"), S(T(when[k + 1])));
            CHECK_EQ_STR(cell(j, 0, "fired"), k == 0 ? "1" : "2");
            sdm_table_free(j);
        }
        check_clean(db);
    }
    CHECK_EQ_STR(var(db, i, "reminders"), "3");
    CHECK_EQ_INT(task_at(db, i, "offer", state, NULL), task);
    CHECK_EQ_STR(state, "open");
    CHECK_EQ_STR(instance_state(db, i), "active");
    CHECK_EQ_INT(count(db, SDM_Q_TOKENS, i, NULL), 1);        /* only the task's token is left */
    CHECK_EQ_STR(trace(db, i),
                 "start enter:start leave:start enter:offer task-created:offer"
                 " timer:nudge enter:nudge leave:nudge enter:count leave:count enter:reminded"
                 " timer:nudge enter:nudge leave:nudge enter:count leave:count enter:reminded"
                 " timer:nudge enter:nudge leave:nudge enter:count leave:count enter:reminded");

    T_CASE("3.2 after the third reminder: no job, a tick a month later fires nothing");
    CHECK_EQ_INT(tick_at(db, "2026-12-20T17:00:00+03:00", &next), 0);
    CHECK_EQ_INT(next, 0);
    CHECK_EQ_INT(events(db, i, "timer", NULL), 3);
    CHECK_EQ_INT(sdm_complete(db, task, NULL, &err), SDM_OK);
    CHECK_EQ_STR(instance_state(db, i), "completed");
    CHECK_EQ_INT(events(db, i, "end", "done"), 1);
    check_clean(db);

    T_CASE("3.3 a worker down for a week: the missed reminders fire once (misfire rule), no more");
    sdm_set_now(db, T(FRI_1700));
    int64_t k2 = start(db, "t_remind", "globex", NULL);
    CHECK_EQ_INT(tick_at(db, "2026-11-27T17:00:00+03:00", &next), 1);
    CHECK_EQ_INT(events(db, k2, "timer", "nudge"), 1);
    CHECK_EQ_STR(var(db, k2, "reminders"), "1");
    CHECK_EQ_INT(count(db, SDM_Q_JOBS, k2, NULL), 0);
    CHECK_EQ_INT(tick_at(db, "2026-11-28T17:00:00+03:00", &next), 0);
    check_clean(db);
    sdm_close(db);

    T_CASE("3.4 interrupting P3D: the task is cancelled, the token takes the boundary path");
    db = open_db("deadline.db", FRI_1700);
    deploy_all(db);
    i = start(db, "t_deadline", "acme", NULL);
    task = task_at(db, i, "offer", NULL, NULL);
    CHECK_EQ_INT(tick_at(db, "2026-11-23T16:59:59+03:00", &next), 0);
    CHECK_EQ_INT(next, T("2026-11-23T17:00:00+03:00"));
    CHECK_EQ_INT(tick_at(db, "2026-11-23T17:00:00+03:00", &next), 1);
    CHECK_EQ_INT(task_at(db, i, "offer", state, NULL), task);
    CHECK_EQ_STR(state, "cancelled");
    int64_t esc = task_at(db, i, "escalate", state, NULL);
    CHECK(esc > 0);
    CHECK_EQ_STR(state, "open");
    CHECK_EQ_STR(trace(db, i),
                 "start enter:start leave:start enter:offer task-created:offer"
                 " timer:late task-cancelled:offer enter:late leave:late enter:escalate task-created:escalate");
    CHECK_EQ_INT(count(db, SDM_Q_JOBS, i, NULL), 0);
    CHECK_EQ_INT(count(db, SDM_Q_TOKENS, i, NULL), 1);
    CHECK_EQ_INT(sdm_complete(db, task, NULL, &err), SDM_ERR_STATE);   /* cancelled is final */
    CHECK_EQ_INT(sdm_complete(db, esc, NULL, &err), SDM_OK);
    CHECK_EQ_STR(instance_state(db, i), "completed");
    CHECK_EQ_INT(events(db, i, "end", "escalated"), 1);
    CHECK_EQ_INT(events(db, i, "enter", "done"), 0);
    check_clean(db);
    sdm_close(db);

    T_CASE("3.5 completing the task before its timers fire removes all its jobs");
    db = open_db("alltimers.db", FRI_1700);
    deploy_all(db);
    i = start(db, "t_all_timers", "acme", NULL);
    j = query(db, SDM_Q_JOBS, i, NULL);
    CHECK_EQ_INT(j ? j->nrow : 0, 3);
    if (j && j->nrow == 3) {                                   /* ordered by due time */
        CHECK_EQ_STR(cell(j, 0, "kind"), "boundary");
        CHECK_EQ_STR(cell(j, 0, "node"), "nudge");
        CHECK_EQ_STR(cell(j, 0, "due_at"), S(T("2026-11-21T05:00:00+03:00")));
        CHECK_EQ_STR(cell(j, 1, "kind"), "due");
        CHECK_EQ_STR(cell(j, 1, "node"), "offer");
        CHECK_EQ_STR(cell(j, 1, "due_at"), S(T("2026-11-21T17:00:00+03:00")));
        CHECK_EQ_STR(cell(j, 2, "kind"), "boundary");
        CHECK_EQ_STR(cell(j, 2, "node"), "late");
        CHECK_EQ_STR(cell(j, 2, "due_at"), S(T("2026-11-23T17:00:00+03:00")));
    }
    sdm_table_free(j);
    sdm_set_now(db, T("2026-11-20T18:00:00+03:00"));
    task = task_at(db, i, "offer", NULL, NULL);
    CHECK_EQ_INT(sdm_complete(db, task, NULL, &err), SDM_OK);
    CHECK_EQ_INT(count(db, SDM_Q_JOBS, 0, NULL), 0);
    CHECK_EQ_INT(tick_at(db, "2026-12-31T12:00:00+03:00", &next), 0);
    CHECK_EQ_INT(next, 0);
    CHECK_EQ_INT(events(db, i, "timer", NULL), 0);
    CHECK_EQ_INT(count(db, SDM_Q_DEVIATIONS, i, "all"), 0);
    CHECK_EQ_STR(instance_state(db, i), "completed");
    check_clean(db);

    T_CASE("3.6 an interrupting timer removes the task's other jobs (reminder, due checkpoint)");
    sdm_set_now(db, T(FRI_1700));
    i = start(db, "t_all_timers", "globex", NULL);
    /* Reminders at +12h, +24h, +36h (missed: they fire once) and the due
    ** checkpoint at +24h fire first. */
    CHECK_EQ_INT(tick_at(db, "2026-11-22T17:00:00+03:00", &next), 2);
    CHECK_EQ_INT(events(db, i, "timer", "nudge"), 1);
    CHECK_EQ_INT(count(db, SDM_Q_DEVIATIONS, i, "all"), 1);
    CHECK_EQ_INT(count(db, SDM_Q_JOBS, i, NULL), 1);
    CHECK_EQ_INT(tick_at(db, "2026-11-23T17:00:00+03:00", &next), 1);
    CHECK_EQ_STR(instance_state(db, i), "completed");
    CHECK_EQ_INT(events(db, i, "end", "escalated"), 1);
    CHECK_EQ_INT(count(db, SDM_Q_JOBS, 0, NULL), 0);
    CHECK_EQ_INT(next, 0);
    check_clean(db);
    sdm_close(db);
}

/* ---------- 4. checkpoints ---------- */

static void test_checkpoints(void) {
    int64_t next = 0;

    T_CASE("4.1 on=\"due\" fires exactly once: two ticks after the due time, one deviation");
    sdm *db = open_db("cp_due.db", FRI_1700);
    deploy_all(db);
    int64_t i = start(db, "t_cp_due", "acme", NULL);
    int64_t task = task_at(db, i, "offer", NULL, NULL);
    sdm_table *j = query(db, SDM_Q_JOBS, i, NULL);
    CHECK_EQ_INT(j ? j->nrow : 0, 1);
    CHECK_EQ_STR(cell(j, 0, "kind"), "due");
    CHECK_EQ_STR(cell(j, 0, "due_at"), S(T("2026-11-21T17:00:00+03:00")));
    sdm_table_free(j);
    CHECK_EQ_INT(tick_at(db, "2026-11-21T16:59:59+03:00", &next), 0);
    CHECK_EQ_INT(count(db, SDM_Q_DEVIATIONS, i, "all"), 0);
    CHECK_EQ_INT(tick_at(db, "2026-11-21T17:00:00+03:00", &next), 1);
    CHECK_EQ_INT(tick_at(db, "2026-11-21T18:00:00+03:00", &next), 0);
    sdm_table *d = query(db, SDM_Q_DEVIATIONS, i, "all");
    CHECK_EQ_INT(d ? d->nrow : 0, 1);
    if (d && d->nrow == 1) {
        CHECK_EQ_STR(cell(d, 0, "rule"), "offer-late");
        CHECK_EQ_STR(cell(d, 0, "severity"), "high");
        CHECK_EQ_STR(cell(d, 0, "state"), "open");
        CHECK_EQ_STR(cell(d, 0, "node"), "offer");
        CHECK_EQ_STR(cell(d, 0, "client"), "acme");
        CHECK_EQ_STR(cell(d, 0, "process"), "t_cp_due");
        CHECK_EQ_STR(cell(d, 0, "manager"), "ann");
        CHECK_EQ_STR(cell(d, 0, "message"), "offer for acme is late (ann at offer)");
        CHECK_EQ_STR(cell(d, 0, "raised_at"), S(T("2026-11-21T17:00:00+03:00")));
    }
    sdm_table_free(d);
    CHECK_EQ_INT(events(db, i, "deviation", "offer"), 1);
    CHECK_EQ_INT(count(db, SDM_Q_JOBS, i, NULL), 0);
    CHECK_EQ_STR(instance_state(db, i), "active");             /* a checkpoint does not move the token */
    check_clean(db);

    T_CASE("4.2 on=\"due\" with its condition false raises nothing");
    sdm_set_now(db, T(FRI_1700));
    int64_t k = start(db, "t_cp_due", "globex", "{\"offer_sent\": true}");
    CHECK_EQ_INT(tick_at(db, "2026-11-21T17:00:00+03:00", &next), 1);     /* the job fires ... */
    CHECK_EQ_INT(count(db, SDM_Q_DEVIATIONS, k, "all"), 0);               /* ... the rule holds */
    CHECK_EQ_INT(count(db, SDM_Q_JOBS, k, NULL), 0);
    CHECK_EQ_INT(tick_at(db, "2026-11-22T17:00:00+03:00", &next), 0);
    CHECK_EQ_INT(count(db, SDM_Q_DEVIATIONS, 0, "all"), 1);               /* only 4.1's */
    check_clean(db);

    T_CASE("4.3 completing the task before its due time: the due checkpoint never runs");
    sdm_set_now(db, T(FRI_1700));
    int64_t m = start(db, "t_cp_due", "initech", NULL);
    CHECK_EQ_INT(sdm_complete(db, task_at(db, m, "offer", NULL, NULL), NULL, &err), SDM_OK);
    CHECK_EQ_INT(tick_at(db, "2026-11-23T17:00:00+03:00", &next), 0);
    CHECK_EQ_INT(count(db, SDM_Q_DEVIATIONS, m, "all"), 0);
    CHECK_EQ_STR(instance_state(db, m), "completed");
    CHECK_EQ_INT(sdm_complete(db, task, NULL, &err), SDM_OK);
    check_clean(db);
    sdm_close(db);

    T_CASE("4.4 on=\"enter\" inline and on=\"leave\" from scripts/discount.lua");
    db = open_db("cp_el.db", FRI_1700);
    deploy_all(db);
    i = start(db, "t_cp_el", "acme", "{\"amount\": 250000}");
    d = query(db, SDM_Q_DEVIATIONS, i, "all");
    CHECK_EQ_INT(d ? d->nrow : 0, 1);
    CHECK_EQ_STR(cell(d, 0, "rule"), "big-deal");
    CHECK_EQ_STR(cell(d, 0, "severity"), "low");
    CHECK_EQ_STR(cell(d, 0, "message"), "big deal for acme");
    CHECK_EQ_STR(cell(d, 0, "node"), "negotiate");
    sdm_table_free(d);
    CHECK_EQ_STR(var(db, i, "seen"), "1");                     /* on="enter leave": entered */
    sdm_set_now(db, T("2026-11-23T10:00:00+03:00"));
    task = task_at(db, i, "negotiate", NULL, NULL);
    CHECK_EQ_INT(sdm_complete(db, task, "{\"discount\": 20}", &err), SDM_OK);
    d = query(db, SDM_Q_DEVIATIONS, i, "all");
    CHECK_EQ_INT(d ? d->nrow : 0, 2);
    CHECK_EQ_STR(cell(d, 0, "rule"), "discount");               /* newest first */
    CHECK_EQ_STR(cell(d, 0, "severity"), "critical");
    CHECK_EQ_STR(cell(d, 0, "message"), "discount 20% for acme by ann");
    CHECK_EQ_STR(cell(d, 0, "manager"), "ann");
    CHECK_EQ_STR(cell(d, 0, "raised_at"), S(T("2026-11-23T10:00:00+03:00")));
    sdm_table_free(d);
    CHECK_EQ_STR(var(db, i, "seen"), "2");                     /* ... and left */
    CHECK_EQ_STR(instance_state(db, i), "completed");
    CHECK_EQ_STR(trace(db, i),
                 "start enter:start leave:start enter:negotiate deviation:negotiate task-created:negotiate"
                 " task-completed:negotiate leave:negotiate deviation:negotiate enter:done end:done");
    check_clean(db);

    T_CASE("4.5 the same rules with conditions false raise nothing");
    int64_t q = start(db, "t_cp_el", "globex", "{\"amount\": 5000}");
    CHECK_EQ_INT(sdm_complete(db, task_at(db, q, "negotiate", NULL, NULL), "{\"discount\": 10}", &err), SDM_OK);
    CHECK_EQ_INT(count(db, SDM_Q_DEVIATIONS, q, "all"), 0);
    CHECK_EQ_STR(instance_state(db, q), "completed");
    check_clean(db);
    sdm_close(db);

    T_CASE("4.6 a broken rule raises a deviation of severity error naming it; the process goes on");
    db = open_db("cp_broken.db", FRI_1700);
    deploy_all(db);
    i = start(db, "t_cp_broken", "acme", NULL);
    char state[16] = "";
    task = task_at(db, i, "work", state, NULL);
    CHECK(task > 0);
    CHECK_EQ_STR(state, "open");
    CHECK_EQ_INT(count(db, SDM_Q_INCIDENTS, i, "all"), 0);
    d = query(db, SDM_Q_DEVIATIONS, i, "all");
    CHECK_EQ_INT(d ? d->nrow : 0, 2);
    if (d && d->nrow == 2) {
        CHECK_EQ_STR(cell(d, 1, "rule"), "bad-rule");
        CHECK_EQ_STR(cell(d, 1, "severity"), "error");
        CHECK_CONTAINS(cell(d, 1, "message"), "checkpoint rule 'bad-rule' failed");
        CHECK_CONTAINS(cell(d, 1, "message"), ":2: attempt");    /* the rule's line */
        CHECK_CONTAINS(cell(d, 1, "message"), "attempt to index a nil value");
        CHECK_EQ_STR(cell(d, 0, "rule"), "bad-file");
        CHECK_EQ_STR(cell(d, 0, "severity"), "error");
        CHECK_CONTAINS(cell(d, 0, "message"), "checkpoint rule 'bad-file' failed");
        CHECK_CONTAINS(cell(d, 0, "message"), "rule broke on purpose");
        CHECK_CONTAINS(cell(d, 0, "message"), ":2:");
    }
    sdm_table_free(d);
    CHECK_EQ_INT(sdm_complete(db, task, NULL, &err), SDM_OK);
    d = query(db, SDM_Q_DEVIATIONS, i, "all");
    CHECK_EQ_INT(d ? d->nrow : 0, 3);
    CHECK_EQ_STR(cell(d, 0, "rule"), "missing-file");
    CHECK_EQ_STR(cell(d, 0, "severity"), "error");
    CHECK_CONTAINS(cell(d, 0, "message"), "no_such_rule.lua");
    sdm_table_free(d);
    CHECK_EQ_STR(instance_state(db, i), "completed");
    check_clean(db);

    T_CASE("4.7 the Lua location in a broken rule's message names the rule, in every process");
    /* A second handle on the same file has compiled nothing yet. */
    char path[256];
    snprintf(path, sizeof path, "%s/cp_broken.db", dir);
    sdm_config cfg = {.actor = "tester", .calendar_file = calendar, .scripts_dir = SCRIPTS, .now = T(FRI_1700),
                      .open_mode = SDM_OPEN_CREATE};
    sdm *fresh = NULL;
    CHECK_EQ_INT(sdm_open(&fresh, path, &cfg, &err), SDM_OK);
    int64_t f1 = start(fresh, "t_cp_broken", "globex", NULL);
    d = query(fresh, SDM_Q_DEVIATIONS, f1, "all");
    CHECK_CONTAINS(cell(d, d ? d->nrow - 1 : 0, "message"), "time-cp-broken.bpmn:bad-rule:2: attempt");
    sdm_table_free(d);
    sdm_close(fresh);
    int64_t f2 = start(db, "t_cp_broken", "initech", NULL);      /* the handle that deployed */
    d = query(db, SDM_Q_DEVIATIONS, f2, "all");
    CHECK_CONTAINS(cell(d, d ? d->nrow - 1 : 0, "message"), "time-cp-broken.bpmn:bad-rule:2: attempt");
    sdm_table_free(d);
    check_clean(db);
    sdm_close(db);
}

/* ---------- 5. invalid timer values at deploy time ---------- */

static void bad_timer(sdm *db, const char *file, const char *element, int line, const char *value) {
    sdm_table *out = NULL;
    int rc = sdm_deploy(db, file, &out, &err);
    CHECK_EQ_INT(rc, SDM_ERR_MODEL);
    CHECK_EQ_STR(err.element, element);
    CHECK_EQ_INT(err.line, line);
    CHECK_CONTAINS(err.msg, value);
    int rows = 0;
    for (int r = 0; out && r < out->nrow; r++)
        if (strcmp(cell(out, r, "kind"), "error") == 0 && strcmp(cell(out, r, "element"), element) == 0) {
            rows++;
            CHECK_EQ_STR(cell(out, r, "line"), S(line));
        }
    CHECK_EQ_INT(rows, 1);
    sdm_table_free(out);
}

static void test_bad_timers(void) {
    sdm *db = open_db("bad.db", FRI_1700);
    T_CASE("5.1 timeDuration \"P2X\" is rejected at deploy with line 6 and element bad_wait");
    bad_timer(db, BPMN "time-bad-duration.bpmn", "bad_wait", 6, "P2X");
    T_CASE("5.2 timeCycle \"R/xx\" is rejected at deploy with line 9 and element bad_cycle");
    bad_timer(db, BPMN "time-bad-cycle.bpmn", "bad_cycle", 9, "R/xx");
    T_CASE("5.3 a Lua timer expression that does not compile is rejected at deploy (line 6, bad_expr)");
    bad_timer(db, BPMN "time-bad-expr.bpmn", "bad_expr", 6, "bad_expr");
    T_CASE("5.4 nothing was deployed");
    CHECK_EQ_INT(count(db, SDM_Q_PROCESSES, 0, NULL), 0);
    int64_t id = 0;
    CHECK_EQ_INT(sdm_start(db, "t_bad_duration", "acme", NULL, &id, &err), SDM_ERR_NOTFOUND);
    check_clean(db);
    sdm_close(db);
}

/* ---------- 6. deviations: acknowledge, resolve ---------- */

static void test_deviation_set(void) {
    sdm *db = open_db("devset.db", FRI_1700);
    deploy_all(db);
    int64_t i = start(db, "t_cp_el", "acme", "{\"amount\": 250000}");
    sdm_table *d = query(db, SDM_Q_DEVIATIONS, i, "all");
    int64_t dev = d && d->nrow ? atoll(cell(d, 0, "id")) : 0;
    sdm_table_free(d);
    CHECK(dev > 0);

    T_CASE("6.1 acknowledge an open deviation");
    sdm_set_actor(db, "olga");
    sdm_set_now(db, T("2026-11-23T09:30:00+03:00"));
    CHECK_EQ_INT(sdm_deviation_set(db, dev, "acknowledged", &err), SDM_OK);
    CHECK_EQ_INT(count(db, SDM_Q_DEVIATIONS, 0, "open"), 0);
    CHECK_EQ_INT(count(db, SDM_Q_DEVIATIONS, 0, "acknowledged"), 1);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT acknowledged_at || ' ' || acknowledged_by FROM deviations WHERE id = %lld",
             (long long)dev);
    char want[64];
    snprintf(want, sizeof want, "%lld olga", (long long)T("2026-11-23T09:30:00+03:00"));
    CHECK_EQ_STR(sql1("devset.db", sql), want);
    T_CASE("6.2 acknowledging twice is refused");
    CHECK_EQ_INT(sdm_deviation_set(db, dev, "acknowledged", &err), SDM_ERR_STATE);

    T_CASE("6.3 resolve it; resolving twice is SDM_ERR_STATE");
    sdm_set_now(db, T("2026-11-23T11:00:00+03:00"));
    CHECK_EQ_INT(sdm_deviation_set(db, dev, "resolved", &err), SDM_ERR_MISUSE);    /* a note is required */
    CHECK_EQ_INT(sdm_deviation_note(db, dev, "resolved", "called the client", &err), SDM_OK);
    CHECK_EQ_INT(count(db, SDM_Q_DEVIATIONS, 0, "resolved"), 1);
    snprintf(sql, sizeof sql, "SELECT resolved_at || ' ' || resolved_by FROM deviations WHERE id = %lld",
             (long long)dev);
    snprintf(want, sizeof want, "%lld olga", (long long)T("2026-11-23T11:00:00+03:00"));
    CHECK_EQ_STR(sql1("devset.db", sql), want);
    CHECK_EQ_INT(sdm_deviation_note(db, dev, "resolved", "again", &err), SDM_ERR_STATE);
    CHECK_EQ_INT(sdm_deviation_set(db, dev, "acknowledged", &err), SDM_ERR_STATE);
    CHECK_EQ_INT(count(db, SDM_Q_DEVIATIONS, 0, "resolved"), 1);

    T_CASE("6.4 bad states and unknown deviations are refused");
    CHECK_EQ_INT(sdm_deviation_set(db, dev, "open", &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_deviation_set(db, dev, NULL, &err), SDM_ERR_MISUSE);
    CHECK(sdm_deviation_set(db, dev + 1000, "resolved", &err) != SDM_OK);
    check_clean(db);
    sdm_close(db);
}

/* ---------- 7. ticks with nothing due ---------- */

static void test_idle_tick(void) {
    int64_t next = -1;
    T_CASE("7.1 an empty store: tick fires 0, next_due 0");
    sdm *db = open_db("idle.db", FRI_1700);
    CHECK_EQ_INT(tick_at(db, FRI_1700, &next), 0);
    CHECK_EQ_INT(next, 0);
    int fired = -1;
    CHECK_EQ_INT(sdm_tick(db, &fired, NULL, &err), SDM_OK);      /* next_due may be NULL */
    CHECK_EQ_INT(fired, 0);

    T_CASE("7.2 next_due is the earliest pending job of all instances");
    deploy_all(db);
    start(db, "t_wait_date", "acme", NULL);                      /* Monday 10:00 */
    start(db, "t_deadline", "acme", NULL);                       /* Monday 17:00 */
    start(db, "t_wait_dur", "acme", NULL);                       /* Friday 19:00 */
    CHECK_EQ_INT(tick_at(db, "2026-11-20T18:00:00+03:00", &next), 0);
    CHECK_EQ_INT(next, T("2026-11-20T19:00:00+03:00"));
    CHECK_EQ_INT(tick_at(db, "2026-11-20T19:00:00+03:00", &next), 1);
    CHECK_EQ_INT(next, T("2026-11-23T10:00:00+03:00"));
    CHECK_EQ_INT(tick_at(db, "2026-11-22T10:00:00+03:00", &next), 0);
    CHECK_EQ_INT(next, T("2026-11-23T10:00:00+03:00"));
    CHECK_EQ_INT(tick_at(db, "2026-11-23T12:00:00+03:00", &next), 1);
    CHECK_EQ_INT(next, T("2026-11-23T17:00:00+03:00"));
    check_clean(db);
    sdm_close(db);
}

/* ---------- 8. a job that outlived its instance ---------- */

static void test_stale_job(void) {
    T_CASE("8.1 a due job of a completed instance is dropped, not fired into it");
    sdm *db = open_db("stale.db", FRI_1700);
    deploy_all(db);
    int64_t i = start(db, "t_wait_dur", "acme", NULL);
    int64_t later = start(db, "t_wait_date", "acme", NULL);      /* Monday 10:00 */
    CHECK_EQ_INT(tick_at(db, "2026-11-20T19:00:00+03:00", NULL), 1);
    CHECK_EQ_STR(instance_state(db, i), "completed");
    sdm_table *h = query(db, SDM_Q_HISTORY, i, NULL);
    int before = h ? h->nrow : 0;
    sdm_table_free(h);
    char sql[300], path[256];
    snprintf(sql, sizeof sql, "INSERT INTO jobs(kind, instance_id, token_id, node, due_at, fired, created_at)"
             " VALUES('timer', %lld, NULL, 'wait', %lld, 0, %lld)", (long long)i,
             (long long)T("2026-11-20T19:30:00+03:00"), (long long)T(FRI_1700));
    snprintf(path, sizeof path, "%s/stale.db", dir);
    sqlite3 *q;
    CHECK_EQ_INT(sqlite3_open(path, &q), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(q, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(q);
    tick_at(db, "2026-11-20T20:00:00+03:00", NULL);
    CHECK_EQ_INT(count(db, SDM_Q_JOBS, i, NULL), 0);
    h = query(db, SDM_Q_HISTORY, i, NULL);
    CHECK_EQ_INT(h ? h->nrow : 0, before);                       /* nothing written into it */
    sdm_table_free(h);
    CHECK_EQ_INT(count(db, SDM_Q_TOKENS, i, NULL), 0);
    CHECK_EQ_STR(sql1("stale.db", "SELECT count(*) FROM history WHERE event = 'end'"), "1");
    T_CASE("8.2 ... and does not block the timers due after it");
    CHECK_EQ_INT(tick_at(db, "2026-11-23T10:00:00+03:00", NULL), 1);
    CHECK_EQ_STR(instance_state(db, later), "completed");
    check_clean(db);
    sdm_close(db);
}

/* ---------- 9. the zone the calendar counts in ---------- */

static sdm *open_zone(const char *name, const char *calendar_file, const char *tz, int *rc) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    sdm_config cfg = {.actor = "tester", .calendar_file = calendar_file, .time_zone = tz,
                      .now = T("2026-11-25T10:00:00+03:00"), .open_mode = SDM_OPEN_CREATE};
    sdm *db = NULL;
    memset(&err, 0, sizeof err);
    *rc = sdm_open(&db, path, &cfg, &err);
    return db;
}

static void test_zone(void) {
    static const char one_day[] =
        "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:sdm=\"urn:sdm:bpmn:1\""
        " targetNamespace=\"z\"><bpmn:process id=\"t_one_day\" isExecutable=\"true\"><bpmn:startEvent id=\"start\"/>"
        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"start\" targetRef=\"call\"/>"
        "<bpmn:userTask id=\"call\" sdm:assignee=\"ann\" sdm:dueWorking=\"P1D\"/>"
        "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"call\" targetRef=\"end\"/><bpmn:endEvent id=\"end\"/>"
        "</bpmn:process></bpmn:definitions>";
    int rc;
    char buf[64], machine[64];

    T_CASE("9.1 the default calendar counts in the given zone: 1 working day from 10:00 Moscow is 10:00 next day");
    sdm *db = open_zone("zone.db", NULL, "Europe/Moscow", &rc);
    CHECK_EQ_INT(rc, SDM_OK);
    if (!db) return;
    CHECK_EQ_STR(sdm_time_zone(db), "Europe/Moscow");
    CHECK_EQ_INT(sdm_deploy_xml(db, "one_day.bpmn", one_day, strlen(one_day), NULL, &err), SDM_OK);
    int64_t due = 0, a = start(db, "t_one_day", "acme", NULL);
    CHECK(task_at(db, a, "call", NULL, &due) > 0);
    CHECK_EQ_INT(due, T("2026-11-26T10:00:00+03:00"));
    CHECK_EQ_INT(sdm_format_time(db, due, 0, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "2026-11-26 10:00");
    CHECK_EQ_INT(sdm_format_time(db, due, 1, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "2026-11-26T10:00:00+03:00");
    CHECK_EQ_INT(sdm_is_working_time(db, T("2026-11-25T08:30:00+03:00")), 0);
    CHECK_EQ_INT(sdm_is_working_time(db, T("2026-11-25T09:30:00+03:00")), 1);
    sdm_close(db);

    T_CASE("9.2 the calendar file's zone, unless the caller gives one");
    db = open_zone("zone.db", calendar, NULL, &rc);
    CHECK_EQ_INT(rc, SDM_OK);
    if (db) CHECK_EQ_STR(sdm_time_zone(db), "Europe/Moscow");
    sdm_close(db);
    db = open_zone("zone.db", calendar, "Asia/Tokyo", &rc);
    CHECK_EQ_INT(rc, SDM_OK);
    if (db) CHECK_EQ_STR(sdm_time_zone(db), "Asia/Tokyo");
    sdm_close(db);

    T_CASE("9.3 neither: the machine's zone (/etc/localtime)");
    CHECK_EQ_INT(clk_machine_zone(NULL, machine, sizeof machine), 0);
    db = open_zone("zone.db", NULL, NULL, &rc);
    CHECK_EQ_INT(rc, SDM_OK);
    if (db) CHECK_EQ_STR(sdm_time_zone(db), machine);
    sdm_close(db);

    T_CASE("9.4 an unknown zone is refused by name");
    db = open_zone("zone.db", NULL, "Europe/Atlantis", &rc);
    CHECK_EQ_INT(rc, SDM_ERR_MISUSE);
    CHECK(db == NULL);
    CHECK_CONTAINS(err.msg, "Europe/Atlantis");
}

int main(void) {
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    snprintf(calendar, sizeof calendar, "%s/calendar.conf", dir);
    write_file(calendar,
               "# the sales department of the tests\n"
               "timezone = Europe/Moscow\n"
               "hours    = Mon-Fri 09:00-18:00\n");
    test_due();
    test_catch();
    test_boundary();
    test_checkpoints();
    test_bad_timers();
    test_deviation_set();
    test_idle_tick();
    test_stale_job();
    test_zone();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (t_fail == 0 && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return t_done();
}
