/*
** test_report.c — engine/report.c: the calendar (and that its query uses an
** index: EXPLAIN QUERY PLAN), the task card, the monitor, the funnel (counts,
** conversion, drop-outs, median time, grouping, SVG/HTML), KPIs, handoffs,
** deviations.
*/
#include <unistd.h>
#include <sqlite3.h>
#include "sdm.h"
#include "store.h"
#include "report.h"
#include "t.h"

static char dir[] = "/tmp/sdm_rep_XXXXXX";
#include "people_fixture.h"








#define H 3600000LL
#define T0 1772442000000LL      /* 2026-03-02T09:00Z, Monday */

static sdm *fixture(const char *name) {
    sdm *db = open_db(name);
    CHECK_EQ_INT(load_org(db, org_file), SDM_OK);
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_deploy_xml(db, "sales.bpmn", sales_bpmn, strlen(sales_bpmn), &t, &err), SDM_OK);
    sdm_table_free(t);
    return db;
}

static int rows(sdm_table *t) { int n = t ? t->nrow : -1; sdm_table_free(t); return n; }

static void test_calendar(void) {
    T_CASE("1 calendar");
    sdm *db = fixture("cal.db");
    start(db, "sales", "a1", NULL);     /* irina, due 13:00 */
    sdm_set_now(db, T0 + 2 * H);
    start(db, "sales", "a2", NULL);     /* ivan, due 15:00 */
    start(db, "sales", "a3", NULL);     /* irina, due 15:00 */
    sdm_table *t = NULL;
    sdm_set_now(db, T0 + 5 * H);        /* 14:00: a1 overdue, a3 due today */
    CHECK_EQ_INT(sdm_calendar(db, "irina", "overdue", 0, &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 1);
    CHECK_EQ_STR(cell(t, "1", "client"), "a1");
    CHECK_EQ_STR(cell(t, "1", "status"), "overdue");
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_calendar(db, "irina", "today", 0, &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 2);                       /* due today, overdue or not */
    CHECK_EQ_STR(t->cells[0], "1");                  /* sorted by due time */
    CHECK_EQ_STR(cell(t, "3", "status"), "today");
    sdm_table_free(t);
    CHECK_EQ_INT((sdm_calendar(db, "irina", "upcoming", 0, &t, &err), rows(t)), 0);
    CHECK_EQ_INT((sdm_calendar(db, "irina", "all", 0, &t, &err), rows(t)), 2);
    CHECK_EQ_INT((sdm_calendar(db, NULL, "overdue", 0, &t, &err), rows(t)), 1);
    sdm_set_now(db, T0 - 24 * H);      /* the day before: everything upcoming */
    CHECK_EQ_INT((sdm_calendar(db, "ivan", "upcoming", 0, &t, &err), rows(t)), 1);
    CHECK_EQ_INT(sdm_calendar(db, "ghost", "overdue", 0, &t, &err), SDM_ERR_NOTFOUND);
    CHECK_CONTAINS(err.msg, "no user 'ghost'");
    CHECK_EQ_INT(sdm_calendar(db, "ivan", "yesterday", 0, &t, &err), SDM_ERR_MISUSE);
    sdm_close(db);

    T_CASE("1.1 the calendar query uses an index, in due order");
    char path[300];
    snprintf(path, sizeof path, "%s/cal.db", dir);
    sqlite3 *q;
    CHECK_EQ_INT(sqlite3_open(path, &q), SQLITE_OK);
    static const char *const views[] = {"overdue", "today", "upcoming"};
    for (int v = 0; v < 3; v++) {
        char *sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", report_calendar_sql(views[v], 1));
        sqlite3_stmt *st;
        CHECK_EQ_INT(sqlite3_prepare_v2(q, sql, -1, &st, NULL), SQLITE_OK);
        sqlite3_free(sql);
        char plan[2000] = "";
        while (sqlite3_step(st) == SQLITE_ROW) {
            strncat(plan, (const char *)sqlite3_column_text(st, 3), sizeof plan - strlen(plan) - 2);
            strncat(plan, "\n", sizeof plan - strlen(plan) - 1);
        }
        sqlite3_finalize(st);
        CHECK_CONTAINS(plan, "SEARCH t USING INDEX tasks_assignee (assignee=? AND state=? AND due_at");
        CHECK(strstr(plan, "TEMP B-TREE") == NULL);
        CHECK(strstr(plan, "SCAN") == NULL);
        if (strstr(plan, "TEMP B-TREE") || strstr(plan, "SCAN")) fprintf(stderr, "%s: %s\n", views[v], plan);
    }
    sqlite3_close(q);
}

static void test_task_card(void) {
    T_CASE("2 task card: contact script, next steps, client");
    sdm *db = fixture("card.db");
    start(db, "sales", "acme", "{\"name\": \"ACME\", \"segment\": \"smb\"}");
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_task_info(db, 1, &t, &err), SDM_OK);
    CHECK_EQ_STR(cell(t, "1", "script"), "Call the client. Ask about budget.");
    CHECK_CONTAINS(cell(t, "1", "next"), "Close the deal [closer]");
    CHECK_CONTAINS(cell(t, "1", "next"), "if var(\"segment\") == \"key\": Key account meeting [key-account]");
    CHECK_CONTAINS(cell(t, "1", "next"), "lost (end: failure)");
    CHECK_EQ_STR(cell(t, "1", "client_name"), "ACME");
    CHECK_EQ_STR(cell(t, "1", "owner"), "irina");
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_task_info(db, 42, &t, &err), SDM_ERR_NOTFOUND);
    sdm_close(db);
}

/* A little sales history: 6 leads over two days; 2 lost at Lead, 1 key
** account, 3 closer deals, 2 onboarded (won), 1 still in Service. */
static sdm *history(const char *name) {
    sdm *db = fixture(name);
    const char *seg[] = {"smb", "key", "smb", "smb", "mid", "smb"};
    for (int i = 0; i < 6; i++) {
        char client[16], vars[64];
        snprintf(client, sizeof client, "c%d", i + 1);
        snprintf(vars, sizeof vars, "{\"segment\": \"%s\", \"region\": \"%s\"}", seg[i], i % 2 ? "north" : "south");
        sdm_set_now(db, T0 + i * H);
        start(db, "sales", client, vars);     /* tasks 1..6 */
    }
    sdm_set_now(db, T0 + 8 * H);
    sdm_complete(db, 1, NULL, &err);           /* task 7: closer */
    sdm_complete(db, 2, NULL, &err);           /* task 8: kam */
    sdm_complete(db, 3, "{\"interested\": false}", &err);
    sdm_complete(db, 4, NULL, &err);           /* task 9: closer */
    sdm_complete(db, 5, "{\"interested\": false}", &err);
    sdm_complete(db, 6, NULL, &err);           /* task 10: closer */
    sdm_set_now(db, T0 + 30 * H);              /* next day 15:00; closer due at +32 h */
    sdm_complete(db, 7, NULL, &err);           /* on time; task 11 serve */
    sdm_complete(db, 8, NULL, &err);           /* task 12 serve */
    sdm_set_now(db, T0 + 40 * H);
    sdm_complete(db, 9, NULL, &err);           /* late; task 13 serve */
    sdm_complete(db, 11, NULL, &err);          /* won */
    sdm_complete(db, 12, NULL, &err);          /* won */
    return db;
}

static void test_funnel(void) {
    T_CASE("3 funnel");
    sdm *db = history("funnel.db");
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_report_funnel(db, "sales", NULL, 0, 0, &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 3);
    CHECK_EQ_STR(t->cells[0], "Lead");
    CHECK_EQ_STR(cell(t, "Lead", "reached"), "6");
    CHECK_EQ_STR(cell(t, "Lead", "dropped"), "2");
    CHECK_EQ_STR(cell(t, "Lead", "advanced"), "4");
    CHECK_EQ_STR(cell(t, "Deal", "reached"), "4");
    CHECK_EQ_STR(cell(t, "Deal", "conversion_pct"), "66.7");
    CHECK_EQ_STR(cell(t, "Deal", "in_stage"), "1");
    CHECK_EQ_STR(cell(t, "Service", "reached"), "3");
    CHECK_EQ_STR(cell(t, "Service", "won"), "2");
    CHECK_EQ_STR(cell(t, "Service", "in_stage"), "1");
    CHECK_EQ_STR(cell(t, "Service", "of_first_pct"), "50.0");
    /* Lead: c1..c6 each left at +8 h: 8, 7, 6, 5, 4, 3 hours → median 5.5 */
    CHECK_EQ_STR(cell(t, "Lead", "median_hours"), "5.50");
    CHECK_EQ_STR(cell(t, "Service", "median_hours"), "10.00");

    T_CASE("3.1 picture");
    char *svg = sdm_funnel_render(t, "Sales <funnel> & co", 0);
    CHECK(strncmp(svg, "<svg", 4) == 0);
    CHECK_CONTAINS(svg, "Sales &lt;funnel&gt; &amp; co");
    CHECK_CONTAINS(svg, ">Service</text>");
    CHECK_CONTAINS(svg, "67% of previous");
    free(svg);
    char *html = sdm_funnel_render(t, "Sales", 1);
    CHECK(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    CHECK_CONTAINS(html, "<svg");
    CHECK_CONTAINS(html, "<td>Lead</td>");
    free(html);
    sdm_table_free(t);

    T_CASE("3.2 grouped, bounded, refused");
    CHECK_EQ_INT(sdm_report_funnel(db, "sales", "segment", 0, 0, &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 9);          /* key, mid, smb × 3 stages */
    CHECK_EQ_STR(t->cells[0], "key");
    CHECK_EQ_STR(t->cells[3 * t->ncol + 0], "mid");
    svg = sdm_funnel_render(t, "by segment", 0);
    CHECK_CONTAINS(svg, ">6</text>");  /* summed over the groups */
    free(svg);
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_report_funnel(db, "sales", "manager", 0, 0, &t, &err), SDM_OK);
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_report_funnel(db, "sales", NULL, T0 + 3 * H, T0 + 5 * H, &t, &err), SDM_OK);
    CHECK_EQ_STR(cell(t, "Lead", "reached"), "2");    /* c4, c5 started in [12:00, 14:00) */
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_report_funnel(db, "sales", "colour", 0, 0, &t, &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_report_funnel(db, "nope", NULL, 0, 0, &t, &err), SDM_ERR_NOTFOUND);
    CHECK_EQ_INT(sdm_report_funnel(db, "pool", NULL, 0, 0, &t, &err), SDM_OK);   /* user tasks as stages */
    CHECK_EQ_INT(t->nrow, 1);
    CHECK_EQ_STR(t->cells[0], "work");
    sdm_table_free(t);

    T_CASE("3.3 kpi and handoffs");
    CHECK_EQ_INT(sdm_report_kpi(db, 0, 0, &t, &err), SDM_OK);
    /* marina: tasks 7 (on time), 10 open; max: task 9 (late) */
    CHECK_EQ_STR(cell(t, "marina", "done"), "1");
    CHECK_EQ_STR(cell(t, "marina", "on_time"), "1");
    CHECK_EQ_STR(cell(t, "marina", "open"), "1");
    CHECK_EQ_STR(cell(t, "max", "late"), "1");
    CHECK_EQ_STR(cell(t, "max", "on_time_pct"), "0.0");
    CHECK_EQ_STR(cell(t, "marina", "handoffs_in"), "2");
    CHECK_EQ_STR(cell(t, "marina", "median_handoff_hours"), "22.00");
    CHECK_EQ_STR(cell(t, "irina", "done"), "3");
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_report_handoffs(db, 0, 0, &t, &err), SDM_OK);
    CHECK_EQ_STR(cell(t, "call-centre", "handoffs"), "3");
    sdm_table_free(t);

    T_CASE("3.4 monitor");
    sdm_set_now(db, T0 + 40 * H);
    CHECK_EQ_INT(sdm_monitor(db, NULL, &t, &err), SDM_OK);
    CHECK_EQ_STR(cell(t, "max", "done_today"), "1");
    CHECK_EQ_STR(cell(t, "marina", "open"), "1");
    CHECK_EQ_STR(cell(t, "marina", "overdue"), "1");
    CHECK_CONTAINS(cell(t, "sam", "completed"), "Onboard (c1)");
    sdm_table_free(t);
    CHECK_EQ_INT((sdm_monitor(db, "olga", &t, &err), rows(t)), 8);
    CHECK_EQ_INT(sdm_monitor(db, "ghost", &t, &err), SDM_ERR_NOTFOUND);
    sdm_close(db);
}

static void test_deviations(void) {
    T_CASE("4 deviations report");
    sdm *db = fixture("dev.db");
    sdm_close(db);
    char path[300];
    snprintf(path, sizeof path, "%s/dev.db", dir);
    sqlite3 *q;
    sqlite3_open(path, &q);
    CHECK_EQ_INT(sqlite3_exec(q,
        "INSERT INTO deviations(manager, rule, severity, message, state, raised_at) VALUES"
        " ('marina', 'offer-late', 'high', 'm', 'open', 1000), ('marina', 'offer-late', 'high', 'm', 'resolved', 2000),"
        " ('max', 'no-discount', 'warning', 'm', 'acknowledged', 3000), (NULL, 'x', 'low', 'm', 'open', 4000)",
        NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(q);
    db = open_db("dev.db");
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_report_deviations(db, NULL, 0, 0, &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 3);
    CHECK_EQ_STR(cell(t, "marina", "total"), "2");
    CHECK_EQ_STR(cell(t, "marina", "open"), "1");
    CHECK_EQ_STR(cell(t, "-", "severity"), "low");
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_report_deviations(db, "severity", 0, 0, &t, &err), SDM_OK);
    CHECK_EQ_STR(cell(t, "high", "resolved"), "1");
    sdm_table_free(t);
    CHECK_EQ_INT((sdm_report_deviations(db, "rule", 1500, 3500, &t, &err), rows(t)), 2);
    CHECK_EQ_INT(sdm_report_deviations(db, "mood", 0, 0, &t, &err), SDM_ERR_MISUSE);
    sdm_close(db);
}

int main(void) {
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    test_calendar();
    test_task_card();
    test_funnel();
    test_deviations();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return t_done();
}
