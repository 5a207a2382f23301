/*
** test_steps.c — what a step writes since issue 17, through store.h: its
** history events as one row of history_steps that the view `history`
** gives back event by event with the ids they would have had (migration
** 14), and the WAL checkpoint that a thread of the writing handle runs
** (store_ckpt.c). The row's `more` column is checked byte for byte against
** jansson's text for the same events.
*/
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <jansson.h>
#include "sdm.h"
#include "store.h"
#include "t.h"

static sdm_err err;
static store *st;

/* The first column of the first row of a query on the store's own
** connection, as text ("" when there is none). */
static const char *q1(const char *sql) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    buf[k][0] = 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, &q, NULL) != SQLITE_OK)
        snprintf(buf[k], sizeof buf[k], "SQL ERROR %s", sqlite3_errmsg(store_sqlite(st)));
    else {
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
            snprintf(buf[k], sizeof buf[k], "%s", (const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    return buf[k];
}

/* The instance's events as "id token node event actor detail; ...". */
static const char *events(int64_t inst) {
    char sql[400];
    snprintf(sql, sizeof sql, "SELECT group_concat(id || ' ' || coalesce(token_id, '-') || ' ' || coalesce(node, '-')"
             " || ' ' || event || ' ' || actor || ' ' || coalesce(detail, '-'), '; ') FROM"
             " (SELECT * FROM history WHERE instance_id = %lld ORDER BY id)", (long long)inst);
    return q1(sql);
}

static int64_t new_instance(const char *client) {
    int64_t res = 0, def = 0, inst = 0;
    static int n;
    char name[32];
    snprintf(name, sizeof name, "p%d", ++n);
    CHECK_EQ_INT(store_begin(st, &err), SDM_OK);
    CHECK_EQ_INT(store_resource_add(st, name, "<x/>", 4, "t", 1, 1000, &res, &err), SDM_OK);
    CHECK_EQ_INT(store_definition_add(st, name, 1, name, res, 1000, "test", &def, &err), SDM_OK);
    CHECK_EQ_INT(store_instance_add(st, def, name, client, 1000, "test", &inst, &err), SDM_OK);
    CHECK_EQ_INT(store_commit(st, &err), SDM_OK);
    return inst;
}

int main(void) {
    char dir[64] = "/tmp/sdm_test_steps_XXXXXX", path[128];
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    snprintf(path, sizeof path, "%s/s.db", dir);
    CHECK_EQ_INT(store_open(&st, path, SDM_OPEN_CREATE, 0, &err), SDM_OK);
    if (!st) { fprintf(stderr, "  (open: %s)\n", err.msg); return t_done(); }

    T_CASE("1.1 a step's events are one row; the view gives each back in order, exactly");
    int64_t a = new_instance("c1");
    CHECK_EQ_INT(store_begin(st, &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, a, 7, "t1", "task-completed", 2000, "ann", "{\"task\":1}", &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, a, 7, "t1", "leave", 2000, "ann", NULL, &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, a, 7, "t2", "enter", 2000, "ann", "{\"flow\":\"f \\\"1\\\" \\\\ /\"}", &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, a, 0, NULL, "variable", 2000, "ann",
                               "{\"note\":\"строка\\nтаб\\t\",\"ctl\":\"\x01\"}", &err), SDM_OK);
    CHECK_EQ_INT(store_commit(st, &err), SDM_OK);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM history_steps WHERE instance_id = %lld", (long long)a);
    CHECK_EQ_STR(q1(sql), "1");
    CHECK_EQ_STR(events(a), "1 7 t1 task-completed ann {\"task\":1}; 2 7 t1 leave ann -; "
                 "3 7 t2 enter ann {\"flow\":\"f \\\"1\\\" \\\\ /\"}; "
                 "4 - - variable ann {\"note\":\"строка\\nтаб\\t\",\"ctl\":\"\x01\"}");
    CHECK_EQ_STR(q1("SELECT group_concat(typeof(token_id)) FROM history"), "integer,integer,integer,null");
    CHECK_EQ_STR(q1("SELECT group_concat(step) FROM history"), "4,4,4,4");

    T_CASE("1.2 a statement that reads history sees the step's events; the next ids follow");
    int64_t b = new_instance("c2"), last = -1;
    CHECK_EQ_INT(store_begin(st, &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, b, 9, "s", "enter", 3000, "bob", NULL, &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, b, 9, "s", "leave", 3000, "bob", NULL, &err), SDM_OK);
    CHECK_EQ_INT(store_last_event(st, b, "s", "leave", &last, &err), SDM_OK);
    CHECK_EQ_INT(last, 6);
    CHECK_EQ_INT(store_history(st, b, 9, "u", "enter", 3000, "bob", NULL, &err), SDM_OK);
    int64_t from = 0;
    CHECK_EQ_INT(store_tx_history(st, &from, &err), SDM_OK);
    CHECK_EQ_INT(from, 6);           /* the first row of the transaction, stored under its last event */
    CHECK_EQ_INT(store_commit(st, &err), SDM_OK);
    CHECK_EQ_STR(events(b), "5 9 s enter bob -; 6 9 s leave bob -; 7 9 u enter bob -");
    snprintf(sql, sizeof sql, "SELECT group_concat(n) FROM history_steps WHERE instance_id = %lld", (long long)b);
    CHECK_EQ_STR(q1(sql), "2,1");

    T_CASE("1.3 rows inserted by SELECT (cancelled tasks) come after the step's events");
    int64_t task = 0;
    CHECK_EQ_INT(store_begin(st, &err), SDM_OK);
    CHECK_EQ_INT(store_task_add(st, b, 9, "u", "U", NULL, NULL, 3000, 0, &task, &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, b, 9, "u", "task-created", 4000, "bob", NULL, &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, b, 0, "x", "terminate", 4000, "bob", NULL, &err), SDM_OK);
    CHECK_EQ_INT(store_tasks_cancel_all(st, b, 4000, "bob", &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, b, 0, NULL, "end", 4000, "bob", NULL, &err), SDM_OK);
    CHECK_EQ_INT(store_commit(st, &err), SDM_OK);
    char want[300];
    snprintf(want, sizeof want, "8 9 u task-created bob -; 9 - x terminate bob -; "
             "10 9 u task-cancelled bob {\"task\":%lld}; 11 - - end bob -", (long long)task);
    CHECK_CONTAINS(events(b), want);
    CHECK_EQ_STR(q1("SELECT count(*) = count(DISTINCT id) AND max(id) = count(*) FROM history"), "1");

    T_CASE("1.4 another time or actor starts another row; a rollback drops what was gathered");
    CHECK_EQ_INT(store_begin(st, &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, a, 0, NULL, "retry", 5000, "ann", NULL, &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, a, 0, NULL, "retry", 5001, "ann", NULL, &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, a, 0, NULL, "retry", 5001, "bob", NULL, &err), SDM_OK);
    CHECK_EQ_INT(store_commit(st, &err), SDM_OK);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM history_steps WHERE instance_id = %lld", (long long)a);
    CHECK_EQ_STR(q1(sql), "4");
    CHECK_EQ_INT(store_begin(st, &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, a, 0, NULL, "gone", 6000, "ann", NULL, &err), SDM_OK);
    store_rollback(st);
    CHECK_EQ_INT(store_begin(st, &err), SDM_OK);
    CHECK_EQ_INT(store_commit(st, &err), SDM_OK);
    CHECK_EQ_STR(q1("SELECT count(*) FROM history WHERE event = 'gone'"), "0");

    T_CASE("1.5 the row byte for byte: first event in the columns, the others as jansson writes them");
    int64_t c = new_instance("c3");
    char longer[3001];
    for (int i = 0; i < 3000; i++) longer[i] = "ab\"\\\n\x01/я"[i % 9];
    longer[3000] = 0;
    struct { int64_t token; const char *node, *event, *detail; } ev[] = {
        {3, "n1", "enter", "{\"a\":1}"},
        {0, NULL, "variable", "{\"note\":\"q \\\"x\\\" \\\\ \\n\x01\x1f/\"}"},
        {1234567890123, "Задача_1", "leave", NULL},
        {9, "t\"\t", "", longer},
    };
    CHECK_EQ_INT(store_begin(st, &err), SDM_OK);
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
        CHECK_EQ_INT(store_history(st, c, ev[i].token, ev[i].node, ev[i].event, 7000, "ann", ev[i].detail, &err), SDM_OK);
    CHECK_EQ_INT(store_commit(st, &err), SDM_OK);
    json_t *rest = json_array();
    for (size_t i = 1; i < sizeof ev / sizeof ev[0]; i++)
        json_array_append_new(rest, json_pack("[o,s?,s,s?]", ev[i].token ? json_integer(ev[i].token) : json_null(),
                                              ev[i].node, ev[i].event, ev[i].detail));
    char *want_more = json_dumps(rest, JSON_COMPACT);
    json_decref(rest);
    sqlite3_stmt *row;
    snprintf(sql, sizeof sql, "SELECT token_id, node, event, actor, detail, n, more FROM history_steps"
             " WHERE instance_id = %lld", (long long)c);
    CHECK_EQ_INT(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &row, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(row), SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int64(row, 0), 3);
    CHECK_EQ_STR((const char *)sqlite3_column_text(row, 1), "n1");
    CHECK_EQ_STR((const char *)sqlite3_column_text(row, 2), "enter");
    CHECK_EQ_STR((const char *)sqlite3_column_text(row, 3), "ann");
    CHECK_EQ_STR((const char *)sqlite3_column_text(row, 4), "{\"a\":1}");
    CHECK_EQ_INT(sqlite3_column_int(row, 5), 4);
    CHECK_EQ_STR((const char *)sqlite3_column_text(row, 6), want_more);
    CHECK_EQ_INT(sqlite3_step(row), SQLITE_DONE);
    sqlite3_finalize(row);
    free(want_more);
    char *back = sqlite3_mprintf("SELECT group_concat(id - step) FROM history WHERE instance_id = %lld"
                                 " AND detail IS %Q", (long long)c, longer);
    CHECK_EQ_STR(q1(back), "0");                    /* the view reads the long detail back, last event */
    sqlite3_free(back);
    /* the next row reuses the buffer: shorter strings, no actor, nothing left of the last */
    CHECK_EQ_INT(store_begin(st, &err), SDM_OK);
    CHECK_EQ_INT(store_history(st, c, 0, "x", "end", 7001, NULL, NULL, &err), SDM_OK);
    CHECK_EQ_INT(store_commit(st, &err), SDM_OK);
    snprintf(sql, sizeof sql, "SELECT quote(token_id) || node || event || quote(actor) || quote(detail) || n"
             " || quote(more) FROM history_steps WHERE instance_id = %lld AND at = 7001", (long long)c);
    CHECK_EQ_STR(q1(sql), "NULLxendNULLNULL1NULL");

    T_CASE("2.1 the checkpoint runs in a thread: pages reach the database file while the handle writes on");
    struct stat sb;
    off_t before = stat(path, &sb) == 0 ? sb.st_size : -1;
    char value[1400];
    memset(value, 'v', sizeof value - 3);
    value[0] = '"';
    value[sizeof value - 3] = '"';
    value[sizeof value - 2] = 0;
    int written = 0;
    for (int i = 0; i < 1500; i++) {          /* ~1 page each: past the 1000 pages that wake the thread */
        char name[32];
        snprintf(name, sizeof name, "v%d", i);
        written += store_begin(st, &err) == SDM_OK && store_var_set(st, a, 0, name, value, &err) == SDM_OK
                   && store_commit(st, &err) == SDM_OK;
    }
    CHECK_EQ_INT(written, 1500);
    off_t after = before;
    for (int i = 0; i < 100 && after <= before + 256 * 2048; i++) {
        usleep(50000);
        after = stat(path, &sb) == 0 ? sb.st_size : -1;
    }
    CHECK(after > before + 256 * 2048);

    store_close(st);
    t_remove_db(path);
    rmdir(dir);
    return t_done();
}
