/*
** test_store.c — the SQLite store through the public API, with sqlite3
** used directly only to look at the file or to corrupt it on purpose:
** schema and migrations, WAL, deployment versions, one active instance per
** (process, client), the invariant check, and the connection settings
** (sync, page size) through store.h.
*/
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include "sdm.h"
#include "store.h"
#include "t.h"

static sdm_err err;
static char dir[64], dbpath[128];

/* One integer PRAGMA of the store's own connection (per-connection ones
** cannot be seen from another). */
static int pragma_of(store *st, const char *pragma) {
    sqlite3_stmt *q;
    int v = -1;
    if (sqlite3_prepare_v2(store_sqlite(st), pragma, -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) v = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    return v;
}

/* One value of a SQL query on the file, as text (static), "" if none. */
static const char *sql1(const char *sql) {
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    buf[k][0] = 0;
    sqlite3 *h;
    if (sqlite3_open(dbpath, &h) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
                snprintf(buf[k], sizeof buf[k], "%s", (const char *)sqlite3_column_text(st, 0));
            sqlite3_finalize(st);
        } else {
            snprintf(buf[k], sizeof buf[k], "SQL ERROR %s", sqlite3_errmsg(h));
        }
    }
    sqlite3_close(h);
    return buf[k];
}

static int sql_exec(const char *sql) {
    sqlite3 *h;
    char *msg = NULL;
    int rc = sqlite3_open(dbpath, &h);
    sqlite3_busy_timeout(h, 5000);
    if (rc == SQLITE_OK) rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc) fprintf(stderr, "  (sql %s: %s)\n", sql, msg ? msg : sqlite3_errmsg(h));
    sqlite3_free(msg);
    sqlite3_close(h);
    return rc;
}

#define HEAD "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n"
/* start → user task `task` → end */
static const char *model_with(const char *task) {
    static char xml[2048];
    snprintf(xml, sizeof xml, HEAD
             "<bpmn:process id=\"deal\" isExecutable=\"true\">\n"
             "<bpmn:startEvent id=\"s\"/><bpmn:userTask id=\"%s\"/><bpmn:endEvent id=\"e\"/>\n"
             "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"%s\"/>\n"
             "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"%s\" targetRef=\"e\"/>\n"
             "</bpmn:process></bpmn:definitions>\n", task, task, task);
    return xml;
}

/* Deploy; returns the "kind" and "version" of the row for process deal. */
static int deploy(sdm *db, const char *xml, char *kind, int *version) {
    sdm_table *t = NULL;
    memset(&err, 0, sizeof err);
    int rc = sdm_deploy_xml(db, "deal.bpmn", xml, strlen(xml), &t, &err);
    kind[0] = 0;
    *version = 0;
    for (int r = 0; t && r < t->nrow; r++)
        if (t->cells[r * t->ncol + 1] && strcmp(t->cells[r * t->ncol + 1], "deal") == 0) {
            snprintf(kind, 32, "%s", t->cells[r * t->ncol]);
            *version = t->cells[r * t->ncol + 2] ? atoi(t->cells[r * t->ncol + 2]) : 0;
        }
    sdm_table_free(t);
    return rc;
}

/* The instance's only open task id, or 0; its node into `node`. */
static int64_t open_task(sdm *db, int64_t inst, char *node) {
    sdm_filter f = {.id = inst};
    sdm_table *t = NULL;
    int64_t id = 0;
    if (node) node[0] = 0;
    if (sdm_query(db, SDM_Q_TASKS, &f, &t, &err) == SDM_OK && t->nrow == 1) {
        id = atoll(t->cells[0]);
        if (node) snprintf(node, 64, "%s", t->cells[4]);
    }
    sdm_table_free(t);
    return id;
}

static const char *cell(sdm *db, sdm_query_kind q, int64_t id, const char *col) {
    static char buf[256];
    sdm_filter f = {.id = id};
    sdm_table *t = NULL;
    buf[0] = 0;
    if (sdm_query(db, q, &f, &t, &err) == SDM_OK && t->nrow >= 1)
        for (int c = 0; c < t->ncol; c++)
            if (strcmp(t->cols[c], col) == 0) snprintf(buf, sizeof buf, "%s", t->cells[c] ? t->cells[c] : "");
    sdm_table_free(t);
    return buf;
}

/* Every problem sdm_check reports, "problem=id;" joined (static). */
static const char *problems(sdm *db) {
    static char buf[2048];
    sdm_table *t = NULL;
    buf[0] = 0;
    int rc = sdm_check(db, &t, &err);
    if (rc) snprintf(buf, sizeof buf, "CHECK FAILED %s", err.msg);
    for (int r = 0; t && r < t->nrow; r++) {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s=%s;", t->cells[r * 2], t->cells[r * 2 + 1] ? t->cells[r * 2 + 1] : "");
    }
    sdm_table_free(t);
    return buf;
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/sdm_store_XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    snprintf(dbpath, sizeof dbpath, "%s/sdm.db", dir);
    sdm_config cfg = {.actor = "tester", .now = 1700000000000LL, .open_mode = SDM_OPEN_CREATE, .time_zone = "UTC"};
    sdm *db = NULL;
    char kind[32];
    int version;

    T_CASE("4.1 open creates the schema");
    CHECK_EQ_INT(sdm_open(&db, dbpath, &cfg, &err), SDM_OK);
    if (!db) { fprintf(stderr, "  (open: %s)\n", err.msg); return t_done(); }
    int uv = atoi(sql1("PRAGMA user_version"));
    CHECK(uv >= 3);
    {
        static const char *const tables[] = {"resources", "definitions", "instances", "tokens", "tasks",
                                             "variables", "history", "incidents", "jobs", "users"};
        for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
            char q[160];
            /* history is a view of history_steps since migration 14 */
            snprintf(q, sizeof q, "SELECT count(*) FROM sqlite_master WHERE type = '%s' AND name = '%s'",
                     strcmp(tables[i], "history") ? "table" : "view", tables[i]);
            if (strcmp(sql1(q), "1")) fprintf(stderr, "  (no table %s)\n", tables[i]);
            CHECK_EQ_STR(sql1(q), "1");
        }
    }
    CHECK_EQ_STR(sql1("PRAGMA foreign_key_check"), "");

    T_CASE("4.2 WAL mode");
    CHECK_EQ_STR(sql1("PRAGMA journal_mode"), "wal");
    CHECK(deploy(db, model_with("a"), kind, &version) == SDM_OK);
    {
        char wal[160];
        snprintf(wal, sizeof wal, "%s-wal", dbpath);
        struct stat sb;
        CHECK(stat(wal, &sb) == 0);          /* written while the handle is open */
    }

    T_CASE("4.3 reopening is idempotent and keeps the data");
    sdm_close(db);
    db = NULL;
    for (int k = 0; k < 3; k++) {
        CHECK_EQ_INT(sdm_open(&db, dbpath, &cfg, &err), SDM_OK);
        if (!db) return t_done();
        CHECK_EQ_INT(atoi(sql1("PRAGMA user_version")), uv);
        CHECK_EQ_STR(sql1("SELECT count(*) FROM definitions WHERE process = 'deal'"), "1");
        if (k < 2) { sdm_close(db); db = NULL; }
    }

    T_CASE("4.4 deploy versions");
    CHECK_EQ_INT(deploy(db, model_with("a"), kind, &version), SDM_OK);
    CHECK_EQ_STR(kind, "unchanged");
    CHECK_EQ_INT(version, 1);
    int64_t i1 = 0, i2 = 0, i3 = 0;
    CHECK_EQ_INT(sdm_start(db, "deal", "acme", NULL, &i1, &err), SDM_OK);
    CHECK_EQ_INT(deploy(db, model_with("b"), kind, &version), SDM_OK);
    CHECK_EQ_STR(kind, "deployed");
    CHECK_EQ_INT(version, 2);
    CHECK_EQ_INT(deploy(db, model_with("b"), kind, &version), SDM_OK);
    CHECK_EQ_STR(kind, "unchanged");
    CHECK_EQ_INT(version, 2);
    CHECK_EQ_STR(sql1("SELECT count(*) FROM resources"), "2");
    CHECK_EQ_STR(cell(db, SDM_Q_INSTANCE, i1, "version"), "1");
    CHECK_EQ_INT(sdm_start(db, "deal", "globex", NULL, &i2, &err), SDM_OK);
    CHECK_EQ_STR(cell(db, SDM_Q_INSTANCE, i2, "version"), "2");
    {
        char node[64];
        int64_t t1 = open_task(db, i1, node);
        CHECK_EQ_STR(node, "a");                      /* the running instance keeps version 1 */
        open_task(db, i2, node);
        CHECK_EQ_STR(node, "b");
        /* A fresh handle (no model cache) still runs instance 1 on version 1. */
        sdm *other = NULL;
        CHECK_EQ_INT(sdm_open(&other, dbpath, &cfg, &err), SDM_OK);
        CHECK_EQ_INT(sdm_complete(other, t1, NULL, &err), SDM_OK);
        CHECK_EQ_STR(cell(other, SDM_Q_INSTANCE, i1, "state"), "completed");
        CHECK_EQ_STR(cell(other, SDM_Q_INSTANCE, i1, "end_node"), "e");
        sdm_close(other);
    }
    {   /* Back to the first content: a new version, not a return to v1. */
        CHECK_EQ_INT(deploy(db, model_with("a"), kind, &version), SDM_OK);
        CHECK_EQ_STR(kind, "deployed");
        CHECK_EQ_INT(version, 3);
    }
    sdm_filter pf = {.process = "deal"};
    sdm_table *pt = NULL;
    CHECK_EQ_INT(sdm_query(db, SDM_Q_PROCESSES, &pf, &pt, &err), SDM_OK);
    CHECK_EQ_INT(pt ? pt->nrow : -1, 1);
    if (pt && pt->nrow == 1) CHECK_EQ_STR(pt->cells[1], "3");
    sdm_table_free(pt);
    {   /* A rejected deploy changes nothing. */
        const char *before = sql1("SELECT count(*) FROM definitions");
        char b[16];
        snprintf(b, sizeof b, "%s", before);
        CHECK_EQ_INT(deploy(db, HEAD "<bpmn:process id=\"deal\"><bpmn:task id=\"x\"/></bpmn:process></bpmn:definitions>",
                            kind, &version), SDM_ERR_MODEL);
        CHECK_EQ_STR(sql1("SELECT count(*) FROM definitions"), b);
    }

    T_CASE("4.5 one active instance per (process, client)");
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(sdm_start(db, "deal", "globex", NULL, &i3, &err), SDM_ERR_STATE);
    CHECK_CONTAINS(err.msg, "globex");
    CHECK_CONTAINS(err.msg, "already has an active instance");
    {
        char want[64];
        snprintf(want, sizeof want, "instance %lld", (long long)i2);
        CHECK_CONTAINS(err.msg, want);
    }
    CHECK_EQ_STR(sql1("SELECT count(*) FROM instances WHERE client = 'globex'"), "1");
    CHECK_EQ_INT(sdm_start(db, "deal", "initech", NULL, &i3, &err), SDM_OK);      /* other client */
    CHECK_EQ_INT(sdm_complete(db, open_task(db, i2, NULL), NULL, &err), SDM_OK);
    int64_t i4 = 0;
    CHECK_EQ_INT(sdm_start(db, "deal", "globex", NULL, &i4, &err), SDM_OK);       /* after it ended */
    CHECK(i4 > i2);
    CHECK_EQ_INT(sdm_start(db, "nope", "globex", NULL, &i4, &err), SDM_ERR_NOTFOUND);
    CHECK_CONTAINS(err.msg, "nope");
    CHECK_EQ_INT(sdm_start(db, "deal", "", NULL, &i4, &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_start(db, "deal", NULL, NULL, &i4, &err), SDM_ERR_MISUSE);
    {   /* A second handle sees the same rule (the index, not a cache). */
        sdm *other = NULL;
        int64_t x = 0;
        CHECK_EQ_INT(sdm_open(&other, dbpath, &cfg, &err), SDM_OK);
        CHECK_EQ_INT(sdm_start(other, "deal", "initech", NULL, &x, &err), SDM_ERR_STATE);
        sdm_close(other);
    }

    T_CASE("4.6 sdm_check: clean store reports nothing");
    CHECK_EQ_STR(problems(db), "");

    T_CASE("4.7 sdm_check: hand-corrupted stores are reported");
    {
        char q[256], want[128];
        /* Delete the token of an active instance (i3 waits at its task). */
        snprintf(q, sizeof q, "DELETE FROM tokens WHERE instance_id = %lld", (long long)i3);
        CHECK_EQ_INT(sql_exec(q), 0);
        const char *p = problems(db);
        snprintf(want, sizeof want, "active instance without tokens=%lld;", (long long)i3);
        CHECK_CONTAINS(p, want);
        CHECK_CONTAINS(p, "open task whose token is not waiting at its node=");
        /* Completing its task now is corruption, not success. */
        memset(&err, 0, sizeof err);
        int64_t t3 = open_task(db, i3, NULL);
        const char *hist = sql1("SELECT count(*) FROM history");
        char h[16];
        snprintf(h, sizeof h, "%s", hist);
        CHECK_EQ_INT(sdm_complete(db, t3, NULL, &err), SDM_ERR_CORRUPT);
        CHECK(err.msg[0] != 0);
        CHECK_EQ_STR(sql1("SELECT count(*) FROM history"), h);
    }
    {
        /* A token left ready, an ended instance with tokens, an incident
        ** token without its incident, a version gap. */
        char q[512];
        snprintf(q, sizeof q, "UPDATE tokens SET state = 'ready' WHERE instance_id = %lld", (long long)i4);
        CHECK_EQ_INT(sql_exec(q), 0);
        CHECK_CONTAINS(problems(db), "token left ready outside a step=");
        snprintf(q, sizeof q, "UPDATE tokens SET state = 'incident' WHERE instance_id = %lld", (long long)i4);
        CHECK_EQ_INT(sql_exec(q), 0);
        CHECK_CONTAINS(problems(db), "incident token without an open incident=");
        snprintf(q, sizeof q, "UPDATE instances SET state = 'completed' WHERE id = %lld", (long long)i4);
        CHECK_EQ_INT(sql_exec(q), 0);
        char want[128];
        snprintf(want, sizeof want, "ended instance still has tokens=%lld;", (long long)i4);
        CHECK_CONTAINS(problems(db), want);
        /* the per-user open-task count follows tasks through its triggers... */
        CHECK_EQ_INT(sql_exec("UPDATE tasks SET assignee = 'olga' WHERE state = 'open'"), 0);
        CHECK_EQ_STR(sql1("SELECT open FROM user_load WHERE user = 'olga'"),
                     sql1("SELECT count(*) FROM tasks WHERE state = 'open' AND assignee = 'olga'"));
        CHECK(strstr(problems(db), "open-task count") == NULL);
        /* ...and a count out of step is reported */
        CHECK_EQ_INT(sql_exec("UPDATE user_load SET open = open + 5 WHERE user = 'olga'"), 0);
        CHECK_CONTAINS(problems(db), "open-task count out of step for olga");
        CHECK_EQ_INT(sql_exec("UPDATE definitions SET version = 9 WHERE process = 'deal' AND version = 3"), 0);
        CHECK_CONTAINS(problems(db), "definition versions have a gap=deal;");
        /* A second open task on a token: the token names one task, so the
        ** other is reported (the schema refused it while a unique index
        ** held open tasks' tokens, before migration 16). */
        snprintf(q, sizeof q, "INSERT INTO tasks(instance_id, token_id, node, state, created_at)"
                 " SELECT instance_id, token_id, node, 'open', created_at FROM tasks WHERE state = 'open' LIMIT 1");
        CHECK_EQ_INT(sql_exec(q), 0);
        snprintf(want, sizeof want, "open task that is not its token's task=%s;",
                 sql1("SELECT max(id) FROM tasks"));
        CHECK_CONTAINS(problems(db), want);
        CHECK_EQ_INT(sql_exec("DELETE FROM tasks WHERE id = (SELECT max(id) FROM tasks)"), 0);
        CHECK(strstr(problems(db), want) == NULL);
        /* Neither can a second active instance for one client. */
        CHECK(sql_exec("INSERT INTO instances(definition_id, process, client, state, started_at)"
                       " SELECT definition_id, process, client, 'active', started_at FROM instances"
                       " WHERE state = 'active' LIMIT 1") != 0);
    }

    T_CASE("4.8 a schema newer than the engine is refused");
    sdm_close(db);
    db = NULL;
    CHECK_EQ_INT(sql_exec("PRAGMA user_version = 999"), 0);
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(sdm_open(&db, dbpath, &cfg, &err), SDM_ERR_STORE);
    CHECK(db == NULL);
    CHECK_CONTAINS(err.msg, "newer");
    sdm_close(db);

    T_CASE("4.9 files that are not databases");
    {
        char bad[160];
        snprintf(bad, sizeof bad, "%s/junk.db", dir);
        FILE *f = fopen(bad, "w");
        fputs("this is not a SQLite database, just some text that is long enough to have a header..........\n", f);
        fclose(f);
        memset(&err, 0, sizeof err);
        CHECK_EQ_INT(sdm_open(&db, bad, &cfg, &err), SDM_ERR_STORE);
        CHECK(db == NULL);
        CHECK(err.msg[0] != 0);
        remove(bad);
        memset(&err, 0, sizeof err);
        CHECK_EQ_INT(sdm_open(&db, dir, &cfg, &err), SDM_ERR_STORE);           /* a directory */
        CHECK(err.msg[0] != 0);
        snprintf(bad, sizeof bad, "%s/missing/dir/x.db", dir);
        CHECK_EQ_INT(sdm_open(&db, bad, &cfg, &err), SDM_ERR_STORE);
        CHECK(db == NULL);
    }

    T_CASE("4.10 sync_full opens the same store");
    {
        char p2[160];
        snprintf(p2, sizeof p2, "%s/full.db", dir);
        sdm_config c2 = cfg;
        c2.sync_full = 1;
        CHECK_EQ_INT(sdm_open(&db, p2, &c2, &err), SDM_OK);
        CHECK_EQ_INT(deploy(db, model_with("a"), kind, &version), SDM_OK);
        CHECK_EQ_STR(problems(db), "");
        sdm_close(db);
        db = NULL;
        t_remove_db(p2);
    }

    {
        T_CASE("4.11 durability is the config's sync; new stores get 2 KiB pages, journals in memory");
        char p3[160];
        snprintf(p3, sizeof p3, "%s/sync.db", dir);
        for (int full = 0; full <= 1; full++) {
            store *st = NULL;
            CHECK_EQ_INT(store_open(&st, p3, SDM_OPEN_CREATE, full, &err), SDM_OK);
            if (!st) continue;
            CHECK_EQ_INT(pragma_of(st, "PRAGMA synchronous"), full ? 2 : 1);   /* FULL : NORMAL */
            CHECK_EQ_INT(pragma_of(st, "PRAGMA page_size"), 2048);
            CHECK_EQ_INT(pragma_of(st, "PRAGMA temp_store"), 2);               /* MEMORY */
            store_close(st);
        }
        t_remove_db(p3);
    }

    t_remove_db(dbpath);
    rmdir(dir);
    return t_done();
}
