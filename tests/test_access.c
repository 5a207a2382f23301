/*
** test_access.c — engine/access.c through the public API: the rule
** matrix. Every actor (administrator, process owner, two heads of two
** teams, managers of either team and of another role) against every kind
** of action (see, act, deploy, export, incidents, users, monitor, reports,
** calendars, inboxes, clients, deviations, credentials) on objects of
** their own, of their team and of the other team. A refused read of
** someone else's object answers exactly like a missing one.
*/
#include <unistd.h>
#include <sqlite3.h>
#include "sdm.h"
#include "t.h"

static char dir[] = "/tmp/sdm_access_XXXXXX";
#include "people_fixture.h"

static const char org_two_teams[] =
    "user adm   roles=admin\n"
    "user own   roles=owner\n"
    "user olga  roles=head\n"
    "user ivan  roles=call-centre head=olga\n"
    "user irina roles=call-centre head=olga\n"
    "user marina roles=closer head=olga\n"
    "user petr  roles=head\n"
    "user pavel roles=call-centre head=petr\n";

/* Actors, in the order of every expectation string below. */
static const char *const actors[] = {NULL, "adm", "own", "olga", "petr", "ivan", "irina", "marina"};
enum { NACT = sizeof actors / sizeof *actors };

static int64_t t_ivan, t_pavel, t_queue, d_ivan, d_pavel;

/* 'o' SDM_OK, 'n' NOTFOUND, 'd' DENIED, 's' STATE */
static int code_of(char c) {
    return c == 'o' ? SDM_OK : c == 'n' ? SDM_ERR_NOTFOUND : c == 'd' ? SDM_ERR_DENIED : SDM_ERR_STATE;
}

typedef int (*action)(sdm *db);

/* Run `fn` as each actor and compare with `want` (one letter per actor). */
static void matrix(sdm *db, const char *name, action fn, const char *want) {
    char label[160];
    for (int a = 0; a < NACT; a++) {
        snprintf(label, sizeof label, "%s as %s", name, actors[a] ? actors[a] : "(administrator)");
        T_CASE(label);
        CHECK_EQ_INT(sdm_act_as(db, actors[a], &err), SDM_OK);
        memset(&err, 0, sizeof err);
        int rc = fn(db);
        CHECK_EQ_INT(rc, code_of(want[a]));
    }
    sdm_act_as(db, NULL, &err);
}

static int see(sdm *db, int64_t task) {
    sdm_table *t = NULL;
    int rc = sdm_task_info(db, task, &t, &err);
    sdm_table_free(t);
    return rc;
}
static int see_own(sdm *db)   { return see(db, t_ivan); }
static int see_other(sdm *db) { return see(db, t_pavel); }
static int see_queue(sdm *db) { return see(db, t_queue); }
static int claim_own(sdm *db) { return sdm_task_claim(db, t_ivan, "ivan", 0, &err); }
static int vars_other(sdm *db) {
    sdm_table *t = NULL;
    sdm_filter f = {.id = 2};           /* pavel's instance */
    int rc = sdm_query(db, SDM_Q_VARIABLES, &f, &t, &err);
    sdm_table_free(t);
    return rc;
}
static int deploy(sdm *db) {
    sdm_table *t = NULL;
    int rc = sdm_deploy_xml(db, "sales.bpmn", sales_bpmn, strlen(sales_bpmn), &t, &err);
    sdm_table_free(t);
    return rc;
}
static int export(sdm *db) {
    char *xml = NULL;
    size_t len;
    int rc = sdm_export(db, "sales", 0, 1, &xml, &len, &err);
    free(xml);
    return rc;
}
static int incidents(sdm *db) {
    sdm_table *t = NULL;
    sdm_filter f = {0};
    int rc = sdm_query(db, SDM_Q_INCIDENTS, &f, &t, &err);
    sdm_table_free(t);
    return rc;
}
static int add_user(sdm *db) {
    static int n;
    char name[32];
    snprintf(name, sizeof name, "newbie%d", ++n);
    return sdm_user_add(db, name, "closer", "olga", NULL, NULL, &err);
}
static int monitor_all(sdm *db) {
    sdm_table *t = NULL;
    int rc = sdm_monitor(db, NULL, &t, &err);
    sdm_table_free(t);
    return rc;
}
static int monitor_olga(sdm *db) {
    sdm_table *t = NULL;
    int rc = sdm_monitor(db, "olga", &t, &err);
    sdm_table_free(t);
    return rc;
}
static int kpi(sdm *db) {
    sdm_table *t = NULL;
    int rc = sdm_report_kpi(db, 0, 0, &t, &err);
    sdm_table_free(t);
    return rc;
}
static int calendar_ivan(sdm *db) {
    sdm_table *t = NULL;
    int rc = sdm_calendar(db, "ivan", "all", 0, &t, &err);
    sdm_table_free(t);
    return rc;
}
static int inbox_ivan(sdm *db) {
    sdm_table *t = NULL;
    sdm_filter f = {.user = "ivan"};
    int rc = sdm_query(db, SDM_Q_INBOX, &f, &t, &err);
    sdm_table_free(t);
    return rc;
}
static int card(sdm *db, const char *key) {
    sdm_table *t = NULL;
    int rc = sdm_client_card(db, key, &t, &err);
    sdm_table_free(t);
    return rc;
}
static int card_own(sdm *db)   { return card(db, "c-ivan"); }
static int card_other(sdm *db) { return card(db, "c-pavel"); }
static int start_other(sdm *db) {
    int64_t id;
    return sdm_start(db, "no-such-process", "c-pavel", NULL, &id, &err);
}
static int dev_see(sdm *db, int64_t id) {
    sdm_table *t = NULL;
    sdm_filter f = {.state = "all"};
    int rc = sdm_query(db, SDM_Q_DEVIATIONS, &f, &t, &err);
    int seen = 0;
    for (int r = 0; !rc && r < t->nrow; r++) seen |= strtoll(t->cells[r * t->ncol], NULL, 10) == id;
    sdm_table_free(t);
    return rc ? rc : seen ? SDM_OK : SDM_ERR_NOTFOUND;
}
static int dev_see_ivan(sdm *db)  { return dev_see(db, d_ivan); }
static int dev_see_pavel(sdm *db) { return dev_see(db, d_pavel); }
static int dev_ack_ivan(sdm *db)  {
    int rc = sdm_deviation_note(db, d_ivan, "acknowledged", "seen", &err);
    if (rc == SDM_OK) {                 /* back to open for the next actor */
        char path[300];
        sqlite3 *q;
        snprintf(path, sizeof path, "%s/a.db", dir);
        sqlite3_open(path, &q);
        sqlite3_exec(q, "UPDATE deviations SET state = 'open'", NULL, NULL, NULL);
        sqlite3_close(q);
    }
    return rc;
}
static int passwd_ivan(sdm *db) { return sdm_user_passwd(db, "ivan", "correct horse", &err); }
static int token_ivan(sdm *db) {
    char *tok = NULL;
    int64_t id;
    int rc = sdm_token_create(db, "ivan", &tok, &id, &err);
    free(tok);
    return rc;
}
static int check_store(sdm *db) {
    sdm_table *t = NULL;
    int rc = sdm_check(db, &t, &err);
    sdm_table_free(t);
    return rc;
}

static int64_t start_for(sdm *db, const char *client, const char *to) {
    int64_t inst = 0;
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_start(db, "sales", client, NULL, &inst, &err), SDM_OK);
    sdm_filter f = {.id = inst};
    CHECK_EQ_INT(sdm_query(db, SDM_Q_TASKS, &f, &t, &err), SDM_OK);
    int64_t task = t && t->nrow ? strtoll(t->cells[0], NULL, 10) : 0;
    sdm_table_free(t);
    if (to) CHECK_EQ_INT(sdm_task_delegate(db, task, to, 1, &err), SDM_OK);
    else CHECK_EQ_INT(sdm_task_unclaim(db, task, NULL, 1, &err), SDM_OK);
    return task;
}

static void setup(sdm **out) {
    sdm *db = open_db("a.db");
    CHECK_EQ_INT(load_org(db, org_two_teams), SDM_OK);
    CHECK_EQ_INT(deploy(db), SDM_OK);
    CHECK_EQ_INT(sdm_client_add(db, "c-ivan", "{\"owner\":\"ivan\"}", &err), SDM_OK);
    CHECK_EQ_INT(sdm_client_add(db, "c-pavel", "{\"owner\":\"pavel\"}", &err), SDM_OK);
    t_ivan = start_for(db, "c-ivan", "ivan");
    t_pavel = start_for(db, "c-pavel", "pavel");
    t_queue = start_for(db, "c-queue", NULL);
    char path[300];
    sqlite3 *q;
    snprintf(path, sizeof path, "%s/a.db", dir);
    sqlite3_open(path, &q);
    CHECK_EQ_INT(sqlite3_exec(q, "INSERT INTO deviations(manager, rule, severity, message, state, raised_at)"
                              " VALUES ('ivan', 'r', 'high', 'm', 'open', 1), ('pavel', 'r', 'high', 'm', 'open', 2)",
                              NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(q);
    d_ivan = 1;
    d_pavel = 2;
    *out = db;
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    sdm *db;
    setup(&db);
    /*                                            admin adm own olga petr ivan irina marina */
    matrix(db, "1.1 see ivan's task",                 see_own,       "oonononn");
    matrix(db, "1.2 see the other team's task",       see_other,     "oonnonnn");
    matrix(db, "1.3 see the call-centre queue",       see_queue,     "oonoooon");
    matrix(db, "1.4 claim ivan's task for ivan",      claim_own,     "oonononn");
    matrix(db, "1.5 the other team's instance",       vars_other,    "ooononnn");
    matrix(db, "2.1 deploy",                          deploy,        "oooddddd");
    matrix(db, "2.2 export with the overlay",         export,        "oooooddd");
    matrix(db, "2.3 incidents",                       incidents,     "oooooddd");
    matrix(db, "3.1 add a user",                      add_user,      "oodddddd");
    matrix(db, "3.2 the monitor",                     monitor_all,   "oooooddd");
    matrix(db, "3.3 the monitor of olga's team",      monitor_olga,  "oooodddd");
    matrix(db, "3.4 the KPI report",                  kpi,           "oooooddd");
    matrix(db, "4.1 ivan's calendar",                 calendar_ivan, "oodododd");
    matrix(db, "4.2 ivan's inbox",                    inbox_ivan,    "oodddodd");
    matrix(db, "4.3 ivan's client",                   card_own,      "oonononn");
    matrix(db, "4.4 pavel's client",                  card_other,    "oonnonnn");
    matrix(db, "4.5 start work for pavel's client",   start_other,   "nnndnddd");
    matrix(db, "5.1 see ivan's deviation",            dev_see_ivan,  "oooononn");
    matrix(db, "5.2 see pavel's deviation",           dev_see_pavel, "ooononnn");
    matrix(db, "5.3 acknowledge ivan's deviation",    dev_ack_ivan,  "oooondnn");
    matrix(db, "6.1 ivan's password",                 passwd_ivan,   "oodddodd");
    matrix(db, "6.2 a token for ivan",                token_ivan,    "oodddodd");
    matrix(db, "6.3 check the store",                 check_store,   "oodddddd");

    T_CASE("7.1 completing: another manager's task is not found, a second completion is a conflict");
    CHECK_EQ_INT(sdm_act_as(db, "irina", &err), SDM_OK);
    CHECK_EQ_INT(sdm_complete(db, t_ivan, NULL, &err), SDM_ERR_NOTFOUND);
    CHECK_CONTAINS(err.msg, "no task");
    CHECK_EQ_INT(sdm_complete(db, 99999, NULL, &err), SDM_ERR_NOTFOUND);
    CHECK_CONTAINS(err.msg, "no task");
    CHECK_EQ_INT(sdm_act_as(db, "ivan", &err), SDM_OK);
    CHECK_EQ_INT(sdm_complete(db, t_ivan, "{\"interested\": false}", &err), SDM_OK);
    CHECK_EQ_INT(sdm_complete(db, t_ivan, NULL, &err), SDM_ERR_STATE);

    T_CASE("7.2 acting as an unknown user is refused; lists hold only what the user may see");
    CHECK_EQ_INT(sdm_act_as(db, "ghost", &err), SDM_ERR_NOTFOUND);
    CHECK_EQ_INT(sdm_act_as(db, "irina", &err), SDM_OK);
    sdm_table *t = NULL;
    sdm_filter all = {.state = "all"};
    CHECK_EQ_INT(sdm_query(db, SDM_Q_TASKS, &all, &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 1);                                     /* the queue task only */
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_clients(db, &all, &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 1);                                     /* c-queue, through its queue task */
    CHECK_EQ_STR(cell(t, "c-queue", "client"), "c-queue");
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_act_as(db, NULL, &err), SDM_OK);
    CHECK_EQ_INT(sdm_query(db, SDM_Q_TASKS, &all, &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 3);
    sdm_table_free(t);

    T_CASE("7.3 passwords and tokens");
    CHECK_EQ_INT(sdm_login(db, "ivan", "correct horse", &err), SDM_OK);
    CHECK_EQ_INT(sdm_login(db, "ivan", "wrong horse", &err), SDM_ERR_DENIED);
    CHECK_EQ_INT(sdm_login(db, "irina", "", &err), SDM_ERR_DENIED);           /* no password set */
    CHECK_EQ_INT(sdm_user_passwd(db, "ivan", "short", &err), SDM_ERR_MISUSE);
    char *tok = NULL, user[128] = "";
    int64_t id = 0;
    int revoked = 0;
    CHECK_EQ_INT(sdm_token_create(db, "irina", &tok, &id, &err), SDM_OK);
    CHECK_EQ_INT(sdm_token_user(db, tok, user, sizeof user, &err), SDM_OK);
    CHECK_EQ_STR(user, "irina");
    CHECK_EQ_INT(sdm_act_as(db, "ivan", &err), SDM_OK);
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    CHECK_EQ_INT(sdm_token_revoke(db, ids, &revoked, &err), SDM_ERR_NOTFOUND);   /* not ivan's */
    CHECK_EQ_INT(sdm_act_as(db, "irina", &err), SDM_OK);
    CHECK_EQ_INT(sdm_token_revoke(db, ids, &revoked, &err), SDM_OK);
    CHECK_EQ_INT(revoked, 1);
    CHECK_EQ_INT(sdm_token_user(db, tok, user, sizeof user, &err), SDM_ERR_DENIED);
    free(tok);

    T_CASE("8.1 group commit: each task of a batch is its own step, a failing one leaves the others");
    CHECK_EQ_INT(sdm_act_as(db, NULL, &err), SDM_OK);
    int64_t inst, a, b;
    sdm_filter f = {0};
    CHECK_EQ_INT(sdm_start(db, "pool", "k-1", NULL, &inst, &err), SDM_OK);
    f.id = inst;
    CHECK_EQ_INT(sdm_query(db, SDM_Q_TASKS, &f, &t, &err), SDM_OK);
    a = strtoll(t->cells[0], NULL, 10);
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_start(db, "pool", "k-2", NULL, &inst, &err), SDM_OK);
    f.id = inst;
    CHECK_EQ_INT(sdm_query(db, SDM_Q_TASKS, &f, &t, &err), SDM_OK);
    b = strtoll(t->cells[0], NULL, 10);
    sdm_table_free(t);
    int64_t tasks[] = {a, a, b, 99999, b};
    const char *users[] = {"marina", "marina", "ivan", "marina", NULL};
    const char *vars[] = {"{\"x\": 1}", NULL, NULL, NULL, "not json"};
    int rcs[5];
    sdm_err errs[5];
    CHECK_EQ_INT(sdm_complete_batch(db, 5, tasks, users, vars, rcs, errs, &err), SDM_OK);
    CHECK_EQ_INT(rcs[0], SDM_OK);
    CHECK_EQ_INT(rcs[1], SDM_ERR_STATE);          /* completed by the step before, same transaction */
    CHECK_EQ_INT(rcs[2], SDM_ERR_NOTFOUND);       /* not ivan's */
    CHECK_EQ_INT(rcs[3], SDM_ERR_NOTFOUND);
    CHECK(rcs[4] != SDM_OK);                      /* bad variables: this step only is undone */
    CHECK_CONTAINS(errs[2].msg, "no task");
    f.id = 0;
    f.state = "completed";
    f.process = "pool";
    CHECK_EQ_INT(sdm_query(db, SDM_Q_TASKS, &f, &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 1);
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_complete_batch(db, 1, &b, NULL, NULL, rcs, errs, &err), SDM_OK);
    CHECK_EQ_INT(rcs[0], SDM_OK);
    CHECK_EQ_INT(sdm_check(db, &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 0);
    sdm_table_free(t);

    sdm_close(db);
    return t_done();
}
