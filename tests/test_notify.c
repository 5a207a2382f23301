/*
** test_notify.c — notifications end to end through the public API: a
** checkpoint rule calls notify{}, the outbox row is written in the step's
** transaction, sdm_tick delivers it for real to tests/sinks/smtp_sink.py
** and tests/sinks/http_sink.py on loopback (started and stopped here, as in
** test_deliver.c), the in-app inbox gets its row, a failed webhook stays
** pending with backoff and succeeds once the listener is back, and a
** deviation reaches the assignee's head.
**
** Run from the repository root. Needs python3 with aiosmtpd.
*/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sqlite3.h>
#include "sdm.h"
#include "clock.h"
#include "t.h"

#define BPMN "tests/bpmn/"

#include "sinks/sinks.h"

static char dir[] = "/tmp/sdm_notify_XXXXXX";
static char calendar[128];
static sdm_err err;

/* ---- sink processes (helpers in tests/sinks/sinks.h; this sink_start takes a port) ---- */





/* Start `script` on `port` (0: any) and wait for it to accept. The sink
** dies with us (PDEATHSIG) and on its own after `secs`. */
static int sink_start(sink *s, const char *py, const char *script, const char *name, int port, int secs) {
    int fd[2];
    char path[256], tmo[16], portarg[16];
    snprintf(path, sizeof path, SINKS "/%s", script);
    snprintf(s->out, sizeof s->out, "%s/%s.out", dir, name);
    snprintf(tmo, sizeof tmo, "%d", secs);
    snprintf(portarg, sizeof portarg, "%d", port);
    s->pid = -1; s->port = 0;
    if (pipe(fd) < 0) return 0;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fd[1], 1); close(fd[0]); close(fd[1]);
        char *argv[] = { (char *)py, path, "--port", portarg, "--out", s->out, "--timeout", tmo, NULL };
        execvp(py, argv);
        _exit(127);
    }
    close(fd[1]);
    s->pid = pid;
    s->port = pid > 0 ? read_port(fd[0]) : 0;
    close(fd[0]);
    return s->port > 0 && port_accepts(s->port);
}

static void sink_stop(sink *s) {
    int st = 0;
    if (s->pid <= 0) return;
    kill(s->pid, SIGTERM);
    waitpid(s->pid, &st, 0);
    s->pid = -1;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    char *s = calloc(1, 1);
    size_t n = 0, k;
    char chunk[4096];
    while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        s = realloc(s, n + k + 1);
        memcpy(s + n, chunk, k);
        n += k;
        s[n] = 0;
    }
    if (f) fclose(f);
    return s;
}

/* ---- engine helpers ---- */

static int64_t T(const char *iso) {
    int64_t ms = 0;
    char msg[256];
    if (clk_parse_datetime(iso, NULL, &ms, msg, sizeof msg)) { fprintf(stderr, "bad time %s\n", iso); abort(); }
    return ms;
}

static char *S(int64_t v) {
    static char buf[8][32];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%lld", (long long)v);
    return buf[k];
}

static int col(const sdm_table *t, const char *name) {
    for (int c = 0; c < t->ncol; c++) if (strcmp(t->cols[c], name) == 0) return c;
    fprintf(stderr, "test bug: no column %s\n", name);
    abort();
}

static const char *cell(const sdm_table *t, int r, const char *name) {
    if (!t || r < 0 || r >= t->nrow) return NULL;
    const char *v = t->cells[r * t->ncol + col(t, name)];
    return v ? v : "NULL";
}

static sdm_table *query(sdm *db, sdm_query_kind k, int64_t id, const char *user, const char *state) {
    sdm_filter f = {.id = id, .user = user, .state = state};
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_query(db, k, &f, &t, &err), SDM_OK);
    return t;
}

static int count(sdm *db, sdm_query_kind k, int64_t id, const char *user, const char *state) {
    sdm_table *t = query(db, k, id, user, state);
    int n = t ? t->nrow : -1;
    sdm_table_free(t);
    return n;
}

/* The outbox row of `channel` (the newest), or -1. */
static int outbox_row(const sdm_table *t, const char *channel) {
    for (int r = 0; t && r < t->nrow; r++) if (strcmp(cell(t, r, "channel"), channel) == 0) return r;
    return -1;
}

static const char *sql1(const char *db, const char *sql) {
    static char buf[512];
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

static int sql_exec(const char *db, const char *sql) {
    char path[256];
    sqlite3 *h;
    char *msg = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, db);
    int rc = sqlite3_open(path, &h);
    sqlite3_busy_timeout(h, 5000);
    if (rc == SQLITE_OK) rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc) fprintf(stderr, "  (sql %s: %s)\n", sql, msg ? msg : sqlite3_errmsg(h));
    sqlite3_free(msg);
    sqlite3_close(h);
    return rc;
}

static sdm *open_db(const char *name, int smtp_port) {
    char path[256], url[64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", smtp_port);
    sdm_config cfg = {.actor = "tester", .calendar_file = calendar, .scripts_dir = "tests/scripts-time",
                      .now = T("2026-11-20T17:00:00+03:00"), .smtp_url = url,
                      .smtp_from = "Sales Engine <sdm@example.test>", .open_mode = SDM_OPEN_CREATE};
    sdm *db = NULL;
    int rc = sdm_open(&db, path, &cfg, &err);
    CHECK_EQ_INT(rc, SDM_OK);
    if (rc) { fprintf(stderr, "  sdm_open: %s\n", err.msg); exit(1); }
    const char *files[] = {"time-notify.bpmn", "time-notify-late.bpmn", "time-notify-bad.bpmn", NULL};
    for (int i = 0; files[i]; i++) {
        char f[128];
        snprintf(f, sizeof f, BPMN "%s", files[i]);
        rc = sdm_deploy(db, f, NULL, &err);
        CHECK_EQ_INT(rc, SDM_OK);
        if (rc) fprintf(stderr, "  deploy %s: %s\n", f, err.msg);
    }
    /* The organisation: olga heads the department, ann reports to her. */
    CHECK_EQ_INT(sdm_user_add(db, "olga", "head", NULL, "Olga Ivanova", "olga@example.test", &err), SDM_OK);
    CHECK_EQ_INT(sdm_user_add(db, "ann", "sales", "olga", "Ann Smirnova", "ann@example.test", &err), SDM_OK);
    return db;
}

static int tick_at(sdm *db, int64_t now, int64_t *next) {
    int fired = -1;
    int64_t nd = -1;
    sdm_set_now(db, now);
    int rc = sdm_tick(db, &fired, &nd, &err);
    CHECK_EQ_INT(rc, SDM_OK);
    if (rc) fprintf(stderr, "  tick: %s\n", err.msg);
    if (next) *next = nd;
    return fired;
}

static void check_clean(sdm *db) {
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_check(db, &t, &err), SDM_OK);
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

/* ---------- cases ---------- */

static void test_notify(sink *smtp, sink *http, const char *py) {
    int64_t t0 = T("2026-11-20T17:00:00+03:00"), next = 0;
    sdm *db = open_db("notify.db", smtp->port);
    char vars[200];
    snprintf(vars, sizeof vars, "{\"hook\": \"http://127.0.0.1:%d/hook\"}", http->port);

    T_CASE("1.1 after the step the outbox holds pending rows for head (inbox, e-mail) and the webhook");
    int64_t inst = 0;
    CHECK_EQ_INT(sdm_start(db, "t_notify", "acme", vars, &inst, &err), SDM_OK);
    sdm_table *o = query(db, SDM_Q_OUTBOX, 0, NULL, "all");
    CHECK_EQ_INT(o ? o->nrow : 0, 3);
    int ri = outbox_row(o, "inbox"), re = outbox_row(o, "email"), rw = outbox_row(o, "webhook");
    CHECK(ri >= 0 && re >= 0 && rw >= 0);
    CHECK_EQ_STR(cell(o, ri, "recipient"), "olga");
    CHECK_EQ_STR(cell(o, re, "recipient"), "olga@example.test");
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", http->port);
    CHECK_EQ_STR(cell(o, rw, "recipient"), url);
    CHECK_EQ_STR(cell(o, ri, "subject"), "New lead acme");
    CHECK_EQ_STR(cell(o, rw, "subject"), "lead");
    for (int r = 0; o && r < o->nrow; r++) {
        CHECK_EQ_STR(cell(o, r, "state"), "pending");
        CHECK_EQ_STR(cell(o, r, "attempts"), "0");
        CHECK_EQ_STR(cell(o, r, "created_at"), S(t0));
    }
    int64_t webhook_id = rw >= 0 ? atoll(cell(o, rw, "id")) : 0;
    sdm_table_free(o);
    CHECK_EQ_INT(count(db, SDM_Q_INBOX, 0, "olga", "all"), 0);    /* nothing delivered yet */
    CHECK_EQ_STR(sql1("notify.db", "SELECT count(DISTINCT instance_id) || ' ' || min(instance_id) FROM outbox"),
                 "1 1");

    T_CASE("1.2 sdm_tick delivers: the inbox row, the e-mail at the sink, the webhook with JSON");
    unlink(smtp->out); unlink(http->out);
    int64_t t1 = t0 + 60000;
    CHECK_EQ_INT(tick_at(db, t1, &next), 3);
    CHECK_EQ_INT(next, 0);
    sdm_table *in = query(db, SDM_Q_INBOX, 0, "olga", "all");
    CHECK_EQ_INT(in ? in->nrow : 0, 1);
    CHECK_EQ_STR(cell(in, 0, "subject"), "New lead acme");
    CHECK_EQ_STR(cell(in, 0, "body"), "Call acme today");
    CHECK_EQ_STR(cell(in, 0, "created_at"), S(t1));
    CHECK_EQ_STR(cell(in, 0, "read_at"), "NULL");
    sdm_table_free(in);
    CHECK_EQ_INT(count(db, SDM_Q_INBOX, 0, "olga", "unread"), 1);
    CHECK_EQ_INT(count(db, SDM_Q_INBOX, 0, "ann", "all"), 0);
    char *mail = slurp(smtp->out);
    CHECK_CONTAINS(mail, "MAIL FROM: sdm@example.test\n");
    CHECK_CONTAINS(mail, "RCPT TO: olga@example.test\n");
    CHECK_CONTAINS(mail, "DECODED-SUBJECT: New lead acme\n");
    CHECK_CONTAINS(mail, "DECODED-BODY-BEGIN\nCall acme today");
    free(mail);
    char *hook = slurp(http->out);
    char json[200];
    snprintf(json, sizeof json, "BODY-BEGIN\n{\"id\":%lld,\"subject\":\"lead\",\"body\":\"client acme\"}\nBODY-END",
             (long long)webhook_id);
    CHECK_CONTAINS(hook, "METHOD: POST\nPATH: /hook\n");
    CHECK_CONTAINS(hook, "HEADER Content-Type: application/json\n");
    CHECK_CONTAINS(hook, json);
    free(hook);
    o = query(db, SDM_Q_OUTBOX, 0, NULL, "all");
    for (int r = 0; o && r < o->nrow; r++) {
        CHECK_EQ_STR(cell(o, r, "state"), "sent");
        CHECK_EQ_STR(cell(o, r, "attempts"), "1");
        CHECK_EQ_STR(cell(o, r, "sent_at"), S(t1));
        CHECK_EQ_STR(cell(o, r, "last_error"), "NULL");
    }
    sdm_table_free(o);
    CHECK_EQ_INT(count(db, SDM_Q_OUTBOX, 0, NULL, "pending"), 0);
    CHECK_EQ_INT(count(db, SDM_Q_OUTBOX, 0, NULL, "sent"), 3);

    T_CASE("1.3 a second tick sends nothing twice");
    unlink(smtp->out); unlink(http->out);
    CHECK_EQ_INT(tick_at(db, t1 + 3600000, &next), 0);
    CHECK_EQ_INT(count(db, SDM_Q_INBOX, 0, "olga", "all"), 1);
    CHECK(access(smtp->out, F_OK) != 0);
    CHECK(access(http->out, F_OK) != 0);
    check_clean(db);

    T_CASE("1.4 listener down: the webhook stays pending, attempts 1, next_at in the future, last_error set");
    int port = http->port;
    sink_stop(http);
    CHECK(!port_accepts(port));
    int64_t t2 = T("2026-11-23T10:00:00+03:00");
    sdm_set_now(db, t2);
    int64_t inst2 = 0;
    snprintf(vars, sizeof vars, "{\"hook\": \"http://127.0.0.1:%d/hook\"}", port);
    CHECK_EQ_INT(sdm_start(db, "t_notify", "globex", vars, &inst2, &err), SDM_OK);
    unlink(smtp->out);
    CHECK_EQ_INT(tick_at(db, t2, &next), 3);                   /* three attempts, two delivered */
    o = query(db, SDM_Q_OUTBOX, 0, NULL, "pending");
    CHECK_EQ_INT(o ? o->nrow : 0, 1);
    int64_t next_at = 0;
    if (o && o->nrow == 1) {
        CHECK_EQ_STR(cell(o, 0, "channel"), "webhook");
        CHECK_EQ_STR(cell(o, 0, "attempts"), "1");
        next_at = atoll(cell(o, 0, "next_at"));
        CHECK(next_at > t2);
        CHECK_EQ_INT(next_at, t2 + 30000);                     /* the first backoff: 30 s */
        CHECK(strcmp(cell(o, 0, "last_error"), "NULL") != 0 && cell(o, 0, "last_error")[0]);
        CHECK_EQ_STR(cell(o, 0, "sent_at"), "NULL");
    }
    sdm_table_free(o);
    CHECK_EQ_INT(next, next_at);
    CHECK_EQ_INT(count(db, SDM_Q_OUTBOX, 0, NULL, "sent"), 5);
    CHECK_EQ_INT(count(db, SDM_Q_INBOX, 0, "olga", "all"), 2);
    mail = slurp(smtp->out);
    CHECK_CONTAINS(mail, "DECODED-SUBJECT: New lead globex\n");
    free(mail);

    T_CASE("1.5 before next_at nothing is tried, even with the listener back");
    CHECK(sink_start(http, py, "http_sink.py", "http", port, 60));
    CHECK_EQ_INT(http->port, port);
    unlink(http->out);
    CHECK_EQ_INT(tick_at(db, next_at - 1, &next), 0);
    CHECK_EQ_INT(next, next_at);
    CHECK(access(http->out, F_OK) != 0);
    o = query(db, SDM_Q_OUTBOX, 0, NULL, "pending");
    CHECK_EQ_STR(cell(o, 0, "attempts"), "1");
    sdm_table_free(o);

    T_CASE("1.6 at next_at it is delivered: sent, attempts 2, the listener has it");
    CHECK_EQ_INT(tick_at(db, next_at, &next), 1);
    CHECK_EQ_INT(next, 0);
    CHECK_EQ_INT(count(db, SDM_Q_OUTBOX, 0, NULL, "pending"), 0);
    o = query(db, SDM_Q_OUTBOX, 0, NULL, "all");
    rw = outbox_row(o, "webhook");                               /* newest first: globex's */
    CHECK_EQ_STR(cell(o, rw, "state"), "sent");
    CHECK_EQ_STR(cell(o, rw, "attempts"), "2");
    CHECK_EQ_STR(cell(o, rw, "sent_at"), S(next_at));
    CHECK_EQ_STR(cell(o, rw, "last_error"), "NULL");
    sdm_table_free(o);
    hook = slurp(http->out);
    CHECK_CONTAINS(hook, "\"body\":\"client globex\"");
    free(hook);
    check_clean(db);

    T_CASE("1.7 a permanent refusal (HTTP 404) fails at once: state failed, attempts 1");
    int64_t t3 = T("2026-11-24T10:00:00+03:00"), i3 = 0;
    sdm_set_now(db, t3);
    snprintf(vars, sizeof vars, "{\"hook\": \"http://127.0.0.1:%d/status/404\"}", port);
    CHECK_EQ_INT(sdm_start(db, "t_notify", "initech", vars, &i3, &err), SDM_OK);
    CHECK_EQ_INT(tick_at(db, t3, &next), 3);
    o = query(db, SDM_Q_OUTBOX, 0, NULL, "failed");
    CHECK_EQ_INT(o ? o->nrow : 0, 1);
    CHECK_EQ_STR(cell(o, 0, "attempts"), "1");
    CHECK_CONTAINS(cell(o, 0, "last_error"), "404");
    sdm_table_free(o);
    CHECK_EQ_INT(next, 0);

    T_CASE("1.8 a server error (HTTP 503) is retried with doubling backoff, failed after 12 attempts");
    int64_t i4 = 0, at = T("2026-11-25T10:00:00+03:00");
    sdm_set_now(db, at);
    snprintf(vars, sizeof vars, "{\"hook\": \"http://127.0.0.1:%d/status/503\"}", port);
    CHECK_EQ_INT(sdm_start(db, "t_notify", "umbrella", vars, &i4, &err), SDM_OK);
    int64_t gaps[12] = {0};
    for (int k = 1; k <= 12; k++) {
        tick_at(db, at, &next);
        o = query(db, SDM_Q_OUTBOX, 0, NULL, k < 12 ? "pending" : "failed");
        CHECK_EQ_INT(o ? o->nrow : 0, k < 12 ? 1 : 2);           /* failed: 1.7's too */
        CHECK_EQ_STR(cell(o, 0, "attempts"), S(k));              /* newest first */
        if (k < 12 && o && o->nrow) {
            int64_t na = atoll(cell(o, 0, "next_at"));
            gaps[k] = na - at;
            CHECK_EQ_INT(next, na);
            at = na;
        }
        sdm_table_free(o);
    }
    CHECK_EQ_INT(gaps[1], 30000);
    CHECK_EQ_INT(gaps[2], 60000);
    CHECK_EQ_INT(gaps[3], 120000);
    CHECK_EQ_INT(gaps[8], 3600000);
    CHECK_EQ_INT(gaps[11], 3600000);
    CHECK_EQ_INT(next, 0);
    CHECK_EQ_INT(count(db, SDM_Q_OUTBOX, 0, NULL, "failed"), 2);
    check_clean(db);
    sdm_close(db);
}

static void test_rollback(int smtp_port) {
    T_CASE("2.1 a step that fails after notify{} leaves no outbox row (same transaction)");
    sdm *db = open_db("rollback.db", smtp_port);
    /* Fault injection: creating the task for client 'doomed' fails, after the
    ** enter checkpoint has queued its notifications. */
    CHECK_EQ_INT(sql_exec("rollback.db",
        "CREATE TRIGGER doom BEFORE INSERT ON tasks"
        " WHEN (SELECT client FROM instances WHERE id = NEW.instance_id) = 'doomed'"
        " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"), SQLITE_OK);
    int64_t inst = 0;
    int rc = sdm_start(db, "t_notify", "doomed", "{\"hook\": \"http://127.0.0.1:9/hook\"}", &inst, &err);
    CHECK_EQ_INT(rc, SDM_ERR_STORE);
    CHECK_CONTAINS(err.msg, "injected failure");
    CHECK_EQ_INT(count(db, SDM_Q_OUTBOX, 0, NULL, "all"), 0);
    CHECK_EQ_STR(sql1("rollback.db", "SELECT count(*) FROM instances"), "0");
    int fired = -1;
    CHECK_EQ_INT(sdm_tick(db, &fired, NULL, &err), SDM_OK);
    CHECK_EQ_INT(fired, 0);
    T_CASE("2.2 the same step for another client commits its rows");
    CHECK_EQ_INT(sdm_start(db, "t_notify", "acme", "{\"hook\": \"http://127.0.0.1:9/hook\"}", &inst, &err), SDM_OK);
    CHECK_EQ_INT(count(db, SDM_Q_OUTBOX, 0, NULL, "pending"), 3);
    check_clean(db);
    sdm_close(db);
}

static void test_deviation_head(const sink *smtp) {
    T_CASE("3.1 a deviation on ann's task reaches her head olga: inbox and e-mail");
    sdm *db = open_db("late.db", smtp->port);
    int64_t inst = 0, next = 0;
    CHECK_EQ_INT(sdm_start(db, "t_notify_late", "acme", NULL, &inst, &err), SDM_OK);
    CHECK_EQ_INT(count(db, SDM_Q_OUTBOX, 0, NULL, "all"), 0);
    unlink(smtp->out);
    int64_t due = T("2026-11-21T17:00:00+03:00");
    CHECK_EQ_INT(tick_at(db, due, &next), 3);                  /* the due job, then inbox and e-mail */
    sdm_table *d = query(db, SDM_Q_DEVIATIONS, inst, NULL, "all");
    CHECK_EQ_INT(d ? d->nrow : 0, 1);
    CHECK_EQ_STR(cell(d, 0, "manager"), "ann");
    CHECK_EQ_STR(cell(d, 0, "severity"), "high");
    int64_t dev = d && d->nrow ? atoll(cell(d, 0, "id")) : 0;
    sdm_table_free(d);
    sdm_table *in = query(db, SDM_Q_INBOX, 0, "olga", "all");
    CHECK_EQ_INT(in ? in->nrow : 0, 1);
    CHECK_EQ_STR(cell(in, 0, "subject"), "[high] offer for acme is late");
    /* the body says what the head needs to act: the client, the step, who has it, how late */
    const char *body = cell(in, 0, "body");
    CHECK(strncmp(body, "offer for acme is late\n", 23) == 0);
    CHECK_CONTAINS(body, "\nClient: acme\n");
    CHECK_CONTAINS(body, "\nManager: ann\n");
    CHECK_CONTAINS(body, "\nDue: ");
    CHECK_CONTAINS(body, "\nTask: ");
    sdm_table_free(in);
    CHECK_EQ_INT(count(db, SDM_Q_INBOX, 0, "ann", "all"), 0);
    char *mail = slurp(smtp->out);
    CHECK_CONTAINS(mail, "RCPT TO: olga@example.test\n");
    CHECK_CONTAINS(mail, "DECODED-SUBJECT: [high] offer for acme is late\n");
    free(mail);
    char sql[200], want[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE deviation_id = %lld AND state = 'sent'", (long long)dev);
    CHECK_EQ_STR(sql1("late.db", sql), "2");
    T_CASE("3.2 the head's inbox row names the deviation and the instance");
    snprintf(want, sizeof want, "%lld %lld", (long long)inst, (long long)dev);
    CHECK_EQ_STR(sql1("late.db", "SELECT coalesce(instance_id, 'NULL') || ' ' || coalesce(deviation_id, 'NULL')"
                                 " FROM inbox WHERE user = 'olga'"), want);
    T_CASE("3.3 a task whose assignee has no head: the heads of the step's role are told instead");
    sdm_set_now(db, T("2026-11-20T17:00:00+03:00"));
    int64_t top = 0;
    CHECK_EQ_INT(sdm_start(db, "t_notify_late", "globex", NULL, &top, &err), SDM_OK);
    sdm_table *t = query(db, SDM_Q_TASKS, top, NULL, "open");
    int64_t task = t && t->nrow ? atoll(cell(t, 0, "id")) : 0;
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_task_delegate(db, task, "olga", 1, &err), SDM_OK);
    int before = count(db, SDM_Q_OUTBOX, 0, NULL, "all");
    CHECK_EQ_INT(tick_at(db, due, &next), 3);          /* the due job, then olga's in-app and e-mail */
    d = query(db, SDM_Q_DEVIATIONS, top, NULL, "all");
    CHECK_EQ_INT(d ? d->nrow : 0, 1);
    CHECK_EQ_STR(cell(d, 0, "manager"), "olga");
    sdm_table_free(d);
    CHECK_EQ_INT(count(db, SDM_Q_OUTBOX, 0, NULL, "all"), before + 2);
    CHECK_EQ_INT(count(db, SDM_Q_INBOX, 0, "olga", "all"), 2);
    check_clean(db);
    sdm_close(db);
}

static void test_bad_recipient(int smtp_port) {
    T_CASE("4.1 notify{} to an unknown kind of recipient: a deviation of severity error, the process goes on");
    sdm *db = open_db("badto.db", smtp_port);
    int64_t inst = 0;
    int rc = sdm_start(db, "t_notify_bad", "acme", NULL, &inst, &err);
    CHECK_EQ_INT(rc, SDM_OK);
    if (rc) fprintf(stderr, "  start: %s\n", err.msg);
    sdm_table *d = query(db, SDM_Q_DEVIATIONS, inst, NULL, "all");
    CHECK_EQ_INT(d ? d->nrow : 0, 1);
    CHECK_EQ_STR(cell(d, 0, "rule"), "bad-recipient");
    CHECK_EQ_STR(cell(d, 0, "severity"), "error");
    CHECK_CONTAINS(cell(d, 0, "message"), "the-boss");
    sdm_table_free(d);
    CHECK_EQ_INT(count(db, SDM_Q_TASKS, inst, NULL, "open"), 1);
    check_clean(db);
    sdm_close(db);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    snprintf(calendar, sizeof calendar, "%s/calendar.conf", dir);
    write_file(calendar, "timezone = Europe/Moscow\nhours = Mon-Fri 09:00-18:00\n");
    const char *py = python_with("aiosmtpd");
    sink smtp = {0}, http = {0};
    T_CASE("0 the sinks start");
    if (!py) { fprintf(stderr, "python3 with aiosmtpd is missing (apt-get install python3-aiosmtpd)\n"); CHECK(py); return t_done(); }
    CHECK(sink_start(&smtp, py, "smtp_sink.py", "smtp", 0, 120));
    CHECK(sink_start(&http, py, "http_sink.py", "http", 0, 120));
    if (smtp.port && http.port) {
        test_notify(&smtp, &http, py);
        test_rollback(smtp.port);
        test_deviation_head(&smtp);
        test_bad_recipient(smtp.port);
    }
    sink_stop(&http);
    sink_stop(&smtp);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (t_fail == 0 && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return t_done();
}
