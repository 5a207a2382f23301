/*
** test_org.c — engine/org.c through the public API: the organisation file,
** users, assignment rules (owner, round robin, least open), the three-tier
** handoff, client ownership and registry, claim/unclaim/delegate,
** deactivation. Every refusal must leave the store unchanged.
*/
#include <unistd.h>
#include "sdm.h"
#include "t.h"

static char dir[] = "/tmp/sdm_org_XXXXXX";
#include "people_fixture.h"

static const char *user_field(sdm *db, const char *user, const char *col) {
    sdm_table *t = NULL;
    sdm_users(db, NULL, NULL, &t, &err);
    const char *v = cell(t, user, col);
    sdm_table_free(t);
    return v;
}

static const char *task_field(sdm *db, int64_t task, const char *col) {
    sdm_table *t = NULL;
    if (sdm_task_info(db, task, &t, &err)) return "(error)";
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)task);
    const char *v = cell(t, key, col);
    sdm_table_free(t);
    return v;
}



static int history_events(sdm *db, const char *client, const char *event) {
    sdm_table *t = NULL;
    sdm_client_history(db, client, &t, &err);
    int n = 0;
    for (int r = 0; t && r < t->nrow; r++) if (strcmp(t->cells[r * t->ncol + 3], event) == 0) n++;
    sdm_table_free(t);
    return n;
}


static void test_org_file(void) {
    T_CASE("1 org file");
    sdm *db = open_db("org.db");
    CHECK_EQ_INT(load_org(db, org_file), SDM_OK);
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_users(db, NULL, NULL, &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 8);
    CHECK_EQ_STR(cell(t, "olga", "full_name"), "Olga Ivanova");
    CHECK_EQ_STR(cell(t, "olga", "email"), "olga@example.com");
    CHECK_EQ_STR(cell(t, "marina", "head"), "olga");
    CHECK_EQ_STR(cell(t, "marina", "roles"), "closer");
    sdm_table_free(t);
    CHECK_EQ_INT((sdm_users(db, "service-desk", NULL, &t, &err), count_rows(t)), 2);
    CHECK_EQ_INT((sdm_users(db, NULL, "olga", &t, &err), count_rows(t)), 8);

    T_CASE("1.1 reload is idempotent and updates");
    CHECK_EQ_INT(load_org(db, "user max roles=closer,key-account head=olga\n"), SDM_OK);
    CHECK_EQ_STR(user_field(db, "max", "roles"), "closer,key-account");
    CHECK_EQ_INT(load_org(db, org_file), SDM_OK);
    CHECK_EQ_STR(user_field(db, "max", "roles"), "closer");

    T_CASE("1.2 bad files name the line and change nothing");
    CHECK_EQ_INT(load_org(db, "user a roles=x\nuser b roles=y colour=blue\n"), SDM_ERR_MISUSE);
    CHECK_EQ_INT(err.line, 2);
    CHECK_CONTAINS(err.msg, "unknown key 'colour'");
    CHECK_EQ_STR(user_field(db, "a", "user"), "(no row)");
    CHECK_EQ_INT(load_org(db, "user a\n"), SDM_ERR_MISUSE);
    CHECK_CONTAINS(err.msg, "no roles=");
    CHECK_EQ_INT(load_org(db, "user a roles=x head=nobody\n"), SDM_ERR_MISUSE);
    CHECK_CONTAINS(err.msg, "head 'nobody' of 'a' is not a user");
    CHECK_EQ_INT(load_org(db, "user a roles=x head=b\nuser b roles=x head=a\n"), SDM_ERR_MISUSE);
    CHECK_CONTAINS(err.msg, "cycle");
    CHECK_EQ_STR(user_field(db, "a", "user"), "(no row)");
    CHECK_EQ_INT(load_org(db, "user a roles=x\nuser a roles=y\n"), SDM_ERR_MISUSE);
    CHECK_CONTAINS(err.msg, "listed twice");
    CHECK_EQ_INT(load_org(db, "group a\n"), SDM_ERR_MISUSE);
    CHECK_EQ_INT(load_org(db, "user \"a b\" roles=x\n"), SDM_ERR_MISUSE);
    CHECK_EQ_INT(load_org(db, "user a \"open roles=x\n"), SDM_ERR_MISUSE);
    CHECK_EQ_INT(load_org(db, "# nothing\n"), SDM_ERR_MISUSE);
    sdm_table *t2 = NULL;
    CHECK_EQ_INT(sdm_org_load(db, "/nonexistent/org.txt", &t2, &err), SDM_ERR_IO);
    CHECK_EQ_INT((sdm_users(db, NULL, NULL, &t, &err), count_rows(t)), 8);

    T_CASE("1.3 user add");
    CHECK_EQ_INT(sdm_user_add(db, "nina", "closer", "olga", "Nina N", "nina@example.com", &err), SDM_OK);
    CHECK_EQ_STR(user_field(db, "nina", "head"), "olga");
    CHECK_EQ_INT(sdm_user_add(db, "nina", "closer", NULL, NULL, NULL, &err), SDM_ERR_STATE);
    CHECK_CONTAINS(err.msg, "already exists");
    CHECK_EQ_INT(sdm_user_add(db, "zed", "closer", "ghost", NULL, NULL, &err), SDM_ERR_NOTFOUND);
    CHECK_EQ_INT(sdm_user_add(db, "zed", NULL, NULL, NULL, NULL, &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_user_add(db, "bad name", "closer", NULL, NULL, NULL, &err), SDM_ERR_MISUSE);
    CHECK_EQ_STR(user_field(db, "zed", "user"), "(no row)");
    sdm_close(db);
}

static void test_assignment(void) {
    T_CASE("2 three tiers: call centre, closer, key account, service desk");
    sdm *db = open_db("assign.db");
    CHECK_EQ_INT(load_org(db, org_file), SDM_OK);
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_deploy_xml(db, "sales.bpmn", sales_bpmn, strlen(sales_bpmn), &t, &err), SDM_OK);
    sdm_table_free(t);
    start(db, "sales", "acme", "{\"segment\": \"smb\", \"name\": \"ACME Ltd\", \"value\": 5000}");
    start(db, "sales", "bigco", "{\"segment\": \"key\"}");
    start(db, "sales", "c3", NULL);
    start(db, "sales", "c4", NULL);
    /* round robin over the call centre, by name: irina, ivan, irina, ivan */
    CHECK_EQ_STR(task_field(db, 1, "assignee"), "irina");
    CHECK_EQ_STR(task_field(db, 2, "assignee"), "ivan");
    CHECK_EQ_STR(task_field(db, 3, "assignee"), "irina");
    CHECK_EQ_STR(task_field(db, 4, "assignee"), "ivan");
    /* the client is registered from the start variables; first assignee owns it */
    CHECK_EQ_STR(client_field(db, "acme", "name"), "ACME Ltd");
    CHECK_EQ_STR(client_field(db, "acme", "segment"), "smb");
    CHECK_EQ_STR(client_field(db, "acme", "value"), "5000.0");
    CHECK_EQ_STR(client_field(db, "acme", "owner"), "irina");

    T_CASE("2.1 a second active instance for the same client is refused");
    int64_t id = 0;
    CHECK_EQ_INT(sdm_start(db, "sales", "acme", NULL, &id, &err), SDM_ERR_STATE);
    CHECK_CONTAINS(err.msg, "already has an active instance");

    T_CASE("2.2 handoff to the closer: recorded, ownership follows the owner rule");
    sdm_set_now(db, 1772449200000LL);            /* 11:00 */
    CHECK_EQ_INT(sdm_complete(db, 1, NULL, &err), SDM_OK);
    CHECK_EQ_STR(task_field(db, 5, "role"), "closer");
    CHECK_EQ_STR(task_field(db, 5, "assignee"), "marina");
    CHECK_EQ_STR(client_field(db, "acme", "owner"), "marina");
    CHECK_EQ_INT(history_events(db, "acme", "handoff"), 1);
    CHECK_EQ_INT(history_events(db, "acme", "changed owner"), 2);
    CHECK_EQ_INT(sdm_complete(db, 2, NULL, &err), SDM_OK);
    CHECK_EQ_STR(task_field(db, 6, "role"), "key-account");
    CHECK_EQ_STR(task_field(db, 6, "assignee"), "kate");
    CHECK_EQ_STR(client_field(db, "bigco", "owner"), "kate");

    T_CASE("2.3 service desk by round robin; pool work does not take the client");
    sdm_set_now(db, 1772528400000LL);            /* next day 09:00 */
    CHECK_EQ_INT(sdm_complete(db, 5, NULL, &err), SDM_OK);
    CHECK_EQ_INT(sdm_complete(db, 6, NULL, &err), SDM_OK);
    CHECK_EQ_STR(task_field(db, 7, "assignee"), "sam");
    CHECK_EQ_STR(task_field(db, 8, "assignee"), "sue");
    CHECK_EQ_STR(client_field(db, "acme", "owner"), "marina");
    sdm_report_handoffs(db, 0, 0, &t, &err);
    CHECK_EQ_INT(t->nrow, 4);   /* cc→closer, cc→kam, closer→sd, kam→sd */
    CHECK_EQ_STR(cell(t, "call-centre", "to_role"), "closer");
    CHECK_EQ_STR(cell(t, "call-centre", "median_hours"), "22.00");
    sdm_table_free(t);

    T_CASE("2.4 owner rule keeps the same person for the same client");
    /* c3's closer task goes round robin (max, after marina); a second
    ** closer task for c3 later goes to the same closer */
    CHECK_EQ_INT(sdm_complete(db, 3, NULL, &err), SDM_OK);
    CHECK_EQ_STR(task_field(db, 9, "assignee"), "max");
    CHECK_EQ_STR(client_field(db, "c3", "owner"), "max");

    T_CASE("2.5 least-open");
    int64_t p1 = start(db, "pool", "acme", NULL);   /* acme's closer is marina: the holder, not the pool */
    (void)p1;
    sdm_filter f = {.client = "acme", .process = "pool"};
    sdm_query(db, SDM_Q_TASKS, &f, &t, &err);
    CHECK_EQ_STR(cell(t, t->nrow ? t->cells[0] : "", "assignee"), "marina");
    sdm_table_free(t);
    start(db, "pool", "c4", NULL);   /* marina 1, max 1: the cursor (max, c3's round robin) -> marina */
    f.client = "c4";
    sdm_query(db, SDM_Q_TASKS, &f, &t, &err);
    CHECK_EQ_STR(cell(t, t->nrow ? t->cells[0] : "", "assignee"), "marina");
    sdm_table_free(t);
    start(db, "pool", "c3", NULL);   /* c3's closer is max whatever the load says */
    f.client = "c3";
    sdm_query(db, SDM_Q_TASKS, &f, &t, &err);
    CHECK_EQ_STR(cell(t, t->nrow ? t->cells[0] : "", "assignee"), "max");
    sdm_table_free(t);
    CHECK_EQ_INT((sdm_check(db, &t, &err), count_rows(t)), 0);
    sdm_close(db);
}

/* The assignee of the open pool task of a client; *id gets the task. */
static const char *pool_assignee(sdm *db, const char *client, int64_t *id) {
    static char who[64];
    sdm_table *t = NULL;
    sdm_filter f = {.client = client, .process = "pool"};
    sdm_query(db, SDM_Q_TASKS, &f, &t, &err);
    snprintf(who, sizeof who, "%s", cell(t, t && t->nrow ? t->cells[0] : "", "assignee"));
    if (id) *id = t && t->nrow ? atoll(t->cells[0]) : 0;
    sdm_table_free(t);
    return who;
}

static void test_least_open_order(void) {
    T_CASE("2.6 least-open: fewest open tasks, ties in name order after the cursor, inactive skipped");
    sdm *db = open_db("least.db");
    CHECK_EQ_INT(load_org(db, org_file), SDM_OK);
    CHECK_EQ_INT(load_org(db, "user nina roles=closer head=olga\nuser zoe roles=closer head=olga\n"), SDM_OK);
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_user_deactivate(db, "zoe", NULL, &t, &err), SDM_OK);
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_deploy_xml(db, "sales.bpmn", sales_bpmn, strlen(sales_bpmn), &t, &err), SDM_OK);
    sdm_table_free(t);
    /* closers marina, max, nina (zoe inactive, last by name: taken on any
    ** tie after the cursor if she were not skipped) */
    static const char *const first[] = {"marina", "max", "nina", "marina", "max"};
    char client[16];
    int64_t nina_task = 0;
    for (int i = 0; i < 5; i++) {
        snprintf(client, sizeof client, "k%d", i + 1);
        start(db, "pool", client, NULL);
        CHECK_EQ_STR(pool_assignee(db, client, i == 2 ? &nina_task : NULL), first[i]);
    }
    /* marina 2, max 2, nina 1; nina's done: 0, the only one at the least */
    CHECK_EQ_INT(sdm_complete(db, nina_task, NULL, &err), SDM_OK);
    start(db, "pool", "k6", NULL);
    CHECK_EQ_STR(pool_assignee(db, "k6", NULL), "nina");
    start(db, "pool", "k7", NULL);     /* nina 1 still the least */
    CHECK_EQ_STR(pool_assignee(db, "k7", NULL), "nina");
    start(db, "pool", "k8", NULL);     /* all at 2; the cursor is nina: wraps to marina */
    CHECK_EQ_STR(pool_assignee(db, "k8", NULL), "marina");
    start(db, "pool", "k9", NULL);     /* max and nina at 2; after marina: max */
    CHECK_EQ_STR(pool_assignee(db, "k9", NULL), "max");
    CHECK_EQ_INT((sdm_check(db, &t, &err), count_rows(t)), 0);    /* user_roles.open in step too */
    sdm_close(db);
}

static void test_claims(void) {
    T_CASE("3 claim, unclaim, delegate");
    sdm *db = open_db("claim.db");
    CHECK_EQ_INT(load_org(db, org_file), SDM_OK);
    sdm_table *t = NULL;
    sdm_deploy_xml(db, "sales.bpmn", sales_bpmn, strlen(sales_bpmn), &t, &err);
    sdm_table_free(t);
    start(db, "sales", "acme", NULL);               /* task 1: irina */
    start(db, "sales", "bigco", NULL);              /* task 2: ivan */

    CHECK_EQ_INT(sdm_task_claim(db, 1, "ghost", 0, &err), SDM_ERR_NOTFOUND);
    CHECK_CONTAINS(err.msg, "no user 'ghost'");
    CHECK_EQ_INT(sdm_task_claim(db, 99, "ivan", 0, &err), SDM_ERR_NOTFOUND);
    CHECK_EQ_INT(sdm_task_claim(db, 1, "ivan", 0, &err), SDM_ERR_STATE);
    CHECK_CONTAINS(err.msg, "assigned to 'irina'");
    CHECK_EQ_STR(task_field(db, 1, "assignee"), "irina");
    CHECK_EQ_INT(sdm_task_claim(db, 1, "marina", 1, &err), SDM_OK);   /* forced */
    CHECK_EQ_STR(task_field(db, 1, "assignee"), "marina");
    CHECK_EQ_INT(sdm_task_claim(db, 1, "olga", 0, &err), SDM_OK);     /* their head */
    CHECK_EQ_STR(task_field(db, 1, "assignee"), "olga");

    T_CASE("3.1 unclaim puts the task back in the role's queue");
    CHECK_EQ_INT(sdm_task_unclaim(db, 1, "ivan", 0, &err), SDM_ERR_STATE);
    CHECK_EQ_INT(sdm_task_unclaim(db, 1, "olga", 0, &err), SDM_OK);
    CHECK_EQ_STR(task_field(db, 1, "assignee"), "(null)");
    CHECK_EQ_INT(sdm_task_unclaim(db, 1, NULL, 0, &err), SDM_ERR_STATE);
    CHECK_CONTAINS(err.msg, "not assigned");
    CHECK_EQ_INT(sdm_task_claim(db, 1, "max", 0, &err), SDM_ERR_STATE);      /* not call-centre */
    CHECK_CONTAINS(err.msg, "does not have the role 'call-centre'");
    CHECK_EQ_INT(sdm_task_claim(db, 1, "ivan", 0, &err), SDM_OK);

    T_CASE("3.2 delegate");
    CHECK_EQ_INT(sdm_task_delegate(db, 1, "ghost", 0, &err), SDM_ERR_NOTFOUND);
    CHECK_EQ_INT(sdm_task_delegate(db, 1, "sam", 0, &err), SDM_ERR_STATE);
    CHECK_EQ_INT(sdm_task_delegate(db, 1, NULL, 0, &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_task_delegate(db, 1, "irina", 0, &err), SDM_OK);
    CHECK_EQ_STR(task_field(db, 1, "assignee"), "irina");
    sdm_set_actor(db, "max");      /* a user who is neither the assignee nor their head */
    CHECK_EQ_INT(sdm_task_delegate(db, 1, "ivan", 0, &err), SDM_ERR_STATE);
    CHECK_CONTAINS(err.msg, "may not delegate");
    sdm_set_actor(db, "tester");
    CHECK_EQ_INT(history_events(db, "acme", "task-claimed"), 3);
    CHECK_EQ_INT(history_events(db, "acme", "task-unclaimed"), 1);
    CHECK_EQ_INT(history_events(db, "acme", "task-delegated"), 1);

    T_CASE("3.3 a completed task cannot be claimed");
    CHECK_EQ_INT(sdm_complete(db, 1, "{\"interested\": false}", &err), SDM_OK);
    CHECK_EQ_INT(sdm_task_claim(db, 1, "ivan", 0, &err), SDM_ERR_STATE);
    CHECK_CONTAINS(err.msg, "already completed");
    CHECK_EQ_INT(sdm_task_delegate(db, 1, "ivan", 1, &err), SDM_ERR_STATE);
    CHECK_EQ_INT(sdm_task_unclaim(db, 1, NULL, 1, &err), SDM_ERR_STATE);
    CHECK_EQ_STR(task_field(db, 1, "assignee"), "irina");
    CHECK_EQ_INT((sdm_check(db, &t, &err), count_rows(t)), 0);
    sdm_close(db);
}

static void test_deactivate(void) {
    T_CASE("4 deactivate moves open tasks, clients and reports");
    sdm *db = open_db("leave.db");
    CHECK_EQ_INT(load_org(db, org_file), SDM_OK);
    CHECK_EQ_INT(load_org(db, "user lena roles=call-centre head=irina\n"), SDM_OK);
    sdm_table *t = NULL;
    sdm_deploy_xml(db, "sales.bpmn", sales_bpmn, strlen(sales_bpmn), &t, &err);
    sdm_table_free(t);
    start(db, "sales", "a1", NULL);     /* irina */
    start(db, "sales", "a2", NULL);     /* ivan */
    start(db, "sales", "a3", NULL);     /* lena */
    start(db, "sales", "a4", NULL);     /* irina */
    CHECK_EQ_STR(task_field(db, 4, "assignee"), "irina");

    CHECK_EQ_INT(sdm_user_deactivate(db, "ghost", NULL, &t, &err), SDM_ERR_NOTFOUND);
    CHECK_EQ_INT(sdm_user_deactivate(db, "irina", "ghost", &t, &err), SDM_ERR_NOTFOUND);
    CHECK_EQ_INT(sdm_user_deactivate(db, "irina", "irina", &t, &err), SDM_ERR_MISUSE);
    CHECK_EQ_STR(user_field(db, "irina", "active"), "1");

    CHECK_EQ_INT(sdm_user_deactivate(db, "irina", "ivan", &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 7);           /* 2 tasks, 2 clients, their 2 call-centre holdings, lena */
    sdm_table_free(t);
    CHECK_EQ_STR(user_field(db, "irina", "active"), "0");
    CHECK_EQ_STR(user_field(db, "lena", "head"), "ivan");
    CHECK_EQ_STR(task_field(db, 1, "assignee"), "ivan");
    CHECK_EQ_STR(task_field(db, 4, "assignee"), "ivan");
    CHECK_EQ_STR(client_field(db, "a1", "owner"), "ivan");
    CHECK_EQ_INT(history_events(db, "a1", "task-reassigned"), 1);
    CHECK_EQ_INT(sdm_user_deactivate(db, "irina", NULL, &t, &err), SDM_ERR_STATE);
    CHECK_EQ_INT(sdm_task_claim(db, 1, "irina", 1, &err), SDM_ERR_STATE);
    CHECK_CONTAINS(err.msg, "not active");

    T_CASE("4.1 without a successor: the role's round robin");
    CHECK_EQ_INT(sdm_user_deactivate(db, "ivan", NULL, &t, &err), SDM_OK);
    sdm_table_free(t);
    CHECK_EQ_STR(task_field(db, 1, "assignee"), "lena");
    CHECK_EQ_STR(task_field(db, 2, "assignee"), "lena");
    CHECK_EQ_STR(client_field(db, "a2", "owner"), "lena");
    CHECK_EQ_STR(user_field(db, "lena", "head"), "olga");   /* ivan's own head */
    /* new work never goes to inactive users */
    start(db, "sales", "a5", NULL);
    CHECK_EQ_STR(task_field(db, 5, "assignee"), "lena");
    /* the last of a role leaves: tasks wait in the role's queue */
    CHECK_EQ_INT(sdm_user_deactivate(db, "lena", NULL, &t, &err), SDM_OK);
    sdm_table_free(t);
    CHECK_EQ_STR(task_field(db, 5, "assignee"), "(null)");
    CHECK_EQ_INT((sdm_check(db, &t, &err), count_rows(t)), 0);
    sdm_close(db);
}

static void test_clients(void) {
    T_CASE("5 client registry");
    sdm *db = open_db("clients.db");
    CHECK_EQ_INT(load_org(db, org_file), SDM_OK);
    CHECK_EQ_INT(sdm_client_add(db, "acme", "{\"name\": \"ACME\", \"segment\": \"smb\", \"region\": \"north\","
                                " \"product\": \"crm\", \"value\": 1200.5, \"owner\": \"marina\"}", &err), SDM_OK);
    CHECK_EQ_STR(client_field(db, "acme", "owner"), "marina");
    CHECK_EQ_STR(client_field(db, "acme", "region"), "north");
    CHECK_EQ_INT(sdm_client_add(db, "acme", NULL, &err), SDM_ERR_STATE);
    CHECK_EQ_INT(sdm_client_update(db, "nope", "{\"name\": \"x\"}", &err), SDM_ERR_NOTFOUND);
    CHECK_EQ_INT(sdm_client_update(db, "acme", "{\"colour\": \"red\"}", &err), SDM_ERR_MISUSE);
    CHECK_CONTAINS(err.msg, "unknown client field 'colour'");
    CHECK_EQ_INT(sdm_client_update(db, "acme", "{\"value\": \"lots\"}", &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_client_update(db, "acme", "{\"segment\": \"key\", \"owner\": \"ghost\"}", &err), SDM_ERR_NOTFOUND);
    CHECK_EQ_STR(client_field(db, "acme", "segment"), "smb");     /* rolled back whole */
    CHECK_EQ_INT(sdm_client_update(db, "acme", "not json", &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_client_add(db, "", NULL, &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_client_update(db, "acme", "{\"segment\": \"key\", \"value\": 1200.5}", &err), SDM_OK);
    CHECK_EQ_INT(history_events(db, "acme", "changed segment"), 2);
    CHECK_EQ_INT(history_events(db, "acme", "changed value"), 1);       /* unchanged value: no row */
    { sdm_table *none = NULL; CHECK_EQ_INT(sdm_client_card(db, "nope", &none, &err), SDM_ERR_NOTFOUND); CHECK(none == NULL); }
    sdm_table *t = NULL;
    sdm_client_add(db, "beta", "{\"owner\": \"max\"}", &err);
    sdm_filter f = {.user = "marina"};
    CHECK_EQ_INT((sdm_clients(db, &f, &t, &err), count_rows(t)), 1);
    CHECK_EQ_INT((sdm_clients(db, NULL, &t, &err), count_rows(t)), 2);
    sdm_close(db);
}

int main(void) {
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    test_org_file();
    test_assignment();
    test_least_open_order();
    test_claims();
    test_deactivate();
    test_clients();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return t_done();
}
