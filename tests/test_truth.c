/*
** test_truth.c — the sales department's rules of issue 15 through the public
** API: one holder per client and role across processes (and the head's
** choice binding), duplicates refused and merged, the card a step fills,
** declared fields, contacts. Expected figures are computed here from what
** the test itself did, not read back from the engine's own reports.
*/
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "sdm.h"
#include "t.h"

typedef struct sbuf_t { char *s; size_t len; } sbuf_t;
static char dir[] = "/tmp/sdm_truth_XXXXXX";
#include "people_fixture.h"

/* lead: call centre qualifies, a closer takes the next step.
** deal: a closer works the deal. Both by round robin, so only the holder
** rule can make them agree. */
static const char two_bpmn[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:sdm=\"urn:sdm:bpmn:1\" id=\"d\" targetNamespace=\"x\">\n"
"<bpmn:process id=\"lead\" isExecutable=\"true\">\n"
" <bpmn:laneSet id=\"ls\">\n"
"  <bpmn:lane id=\"l1\" name=\"call-centre\"><bpmn:flowNodeRef>qualify</bpmn:flowNodeRef></bpmn:lane>\n"
"  <bpmn:lane id=\"l2\" name=\"closer\"><bpmn:flowNodeRef>next</bpmn:flowNodeRef></bpmn:lane>\n"
" </bpmn:laneSet>\n"
" <bpmn:startEvent id=\"s\"/><bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"qualify\"/>\n"
" <bpmn:userTask id=\"qualify\" sdm:assign=\"round-robin\" sdm:card=\"segment,category:industry\"/>\n"
" <bpmn:sequenceFlow id=\"f2\" sourceRef=\"qualify\" targetRef=\"next\"/>\n"
" <bpmn:userTask id=\"next\" sdm:assign=\"round-robin\"/><bpmn:sequenceFlow id=\"f3\" sourceRef=\"next\" targetRef=\"e\"/>\n"
" <bpmn:endEvent id=\"e\"/>\n"
"</bpmn:process>\n"
"<bpmn:process id=\"deal\" isExecutable=\"true\">\n"
" <bpmn:laneSet id=\"ls2\"><bpmn:lane id=\"l3\" name=\"closer\"><bpmn:flowNodeRef>work</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>\n"
" <bpmn:startEvent id=\"s2\"/><bpmn:sequenceFlow id=\"q1\" sourceRef=\"s2\" targetRef=\"work\"/>\n"
" <bpmn:userTask id=\"work\" sdm:assign=\"round-robin\"/><bpmn:sequenceFlow id=\"q2\" sourceRef=\"work\" targetRef=\"e2\"/>\n"
" <bpmn:endEvent id=\"e2\"/>\n"
"</bpmn:process>\n"
"<bpmn:process id=\"key\" isExecutable=\"true\">\n"
" <bpmn:laneSet id=\"ls3\">\n"
"  <bpmn:lane id=\"h\" name=\"head\"><bpmn:flowNodeRef>pick</bpmn:flowNodeRef></bpmn:lane>\n"
"  <bpmn:lane id=\"k\" name=\"key-account\"><bpmn:flowNodeRef>plan</bpmn:flowNodeRef><bpmn:flowNodeRef>meet</bpmn:flowNodeRef></bpmn:lane>\n"
" </bpmn:laneSet>\n"
" <bpmn:startEvent id=\"s3\"/><bpmn:sequenceFlow id=\"k1\" sourceRef=\"s3\" targetRef=\"pick\"/>\n"
" <bpmn:userTask id=\"pick\"/><bpmn:sequenceFlow id=\"k2\" sourceRef=\"pick\" targetRef=\"plan\"/>\n"
" <bpmn:userTask id=\"plan\" sdm:assigneeExpr=\"var('account_manager')\"/>\n"
" <bpmn:sequenceFlow id=\"k3\" sourceRef=\"plan\" targetRef=\"meet\"/>\n"
" <bpmn:userTask id=\"meet\" sdm:assign=\"round-robin\"/><bpmn:sequenceFlow id=\"k4\" sourceRef=\"meet\" targetRef=\"e3\"/>\n"
" <bpmn:endEvent id=\"e3\"/>\n"
"</bpmn:process>\n"
"</bpmn:definitions>\n";

static const char truth_org[] =
    "user olga roles=head\n"
    "user ivan roles=call-centre head=olga\n"
    "user irina roles=call-centre head=olga\n"
    "user marina roles=closer head=olga\n"
    "user max roles=closer head=olga\n"
    "user kate roles=key-account head=olga\n"
    "user ken roles=key-account head=olga\n";



/* A store with the department of truth_org and `bpmn` deployed. */
static sdm *setup(const char *name, const char *bpmn) {
    sdm *db = open_db(name);
    CHECK_EQ_INT(load_org(db, truth_org), SDM_OK);
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_deploy_xml(db, "model.bpmn", bpmn, strlen(bpmn), &t, &err), SDM_OK);
    sdm_table_free(t);
    return db;
}

/* The open task of `client` in `process` (its id and assignee). */
static int64_t open_task(sdm *db, const char *process, const char *client, char *who, size_t n) {
    sdm_filter f = {.client = client, .process = process};
    sdm_table *t = NULL;
    int64_t id = 0;
    if (sdm_query(db, SDM_Q_TASKS, &f, &t, &err) == SDM_OK && t->nrow == 1) {
        for (int c = 0; c < t->ncol; c++) {
            if (strcmp(t->cols[c], "id") == 0 || strcmp(t->cols[c], "task") == 0) id = strtoll(t->cells[c], NULL, 10);
            if (strcmp(t->cols[c], "assignee") == 0) snprintf(who, n, "%s", t->cells[c] ? t->cells[c] : "");
        }
    }
    sdm_table_free(t);
    return id;
}


static int history_rows(sdm *db, const char *client) {
    sdm_table *t = NULL;
    sdm_client_history(db, client, &t, &err);
    return count_rows(t);
}

static void test_holder(void) {
    T_CASE("1 one closer per client across processes");
    sdm *db = setup("holder.db", two_bpmn);
    sdm_table *t = NULL;
    char who[64], who2[64], lead_closer[2][64];
    const char *clients[2] = {"c1", "c2"};
    for (int i = 0; i < 2; i++) {
        start(db, "lead", clients[i], NULL);
        CHECK_EQ_INT(sdm_complete(db, open_task(db, "lead", clients[i], who, sizeof who), NULL, &err), SDM_OK);
        /* the lead's next step is done before the deal starts: nothing open
        ** of the client's is left to copy the closer from */
        CHECK_EQ_INT(sdm_complete(db, open_task(db, "lead", clients[i], lead_closer[i], sizeof lead_closer[i]), NULL,
                                  &err), SDM_OK);
    }
    /* round robin by name gave marina then max; the cursor now points past
    ** max, so the pool's next pick would be marina */
    CHECK_EQ_STR(lead_closer[0], "marina");
    CHECK_EQ_STR(lead_closer[1], "max");
    start(db, "deal", "c2", NULL);
    open_task(db, "deal", "c2", who, sizeof who);
    CHECK_EQ_STR(who, lead_closer[1]);
    start(db, "deal", "c1", NULL);
    open_task(db, "deal", "c1", who, sizeof who);
    CHECK_EQ_STR(who, lead_closer[0]);
    CHECK_EQ_STR(client_field(db, "c2", "holders"), "call-centre:ivan, closer:max");
    CHECK_EQ_INT((sdm_check(db, &t, &err), count_rows(t)), 0);

    T_CASE("1.1 a head's explicit reassignment moves the role and its open tasks");
    CHECK_EQ_INT(sdm_client_assign(db, "c2", "closer", "kate", &err), SDM_ERR_STATE);   /* not a closer */
    CHECK_EQ_INT(sdm_client_assign(db, "c2", "closer", "marina", &err), SDM_OK);
    open_task(db, "deal", "c2", who2, sizeof who2);
    CHECK_EQ_STR(who2, "marina");
    start(db, "lead", "c2", NULL);             /* the lead's next step follows the new holder */
    CHECK_EQ_INT(sdm_complete(db, open_task(db, "lead", "c2", who, sizeof who), NULL, &err), SDM_OK);
    open_task(db, "lead", "c2", who, sizeof who);
    CHECK_EQ_STR(who, "marina");

    T_CASE("1.2 deactivation hands the holdings on");
    CHECK_EQ_INT(sdm_user_deactivate(db, "marina", "max", &t, &err), SDM_OK);
    sdm_table_free(t);
    CHECK_EQ_STR(client_field(db, "c1", "holders"), "call-centre:irina, closer:max");
    CHECK_EQ_STR(client_field(db, "c2", "holders"), "call-centre:ivan, closer:max");
    CHECK_EQ_INT((sdm_check(db, &t, &err), count_rows(t)), 0);

    T_CASE("1.3 the head's choice binds the key-account role");
    start(db, "key", "big", NULL);
    int64_t pick = open_task(db, "key", "big", who, sizeof who);
    CHECK_EQ_STR(who, "olga");
    CHECK_EQ_INT(sdm_complete(db, pick, "{\"account_manager\": \"ken\"}", &err), SDM_OK);
    int64_t plan = open_task(db, "key", "big", who, sizeof who);
    CHECK_EQ_STR(who, "ken");
    CHECK_EQ_INT(sdm_complete(db, plan, NULL, &err), SDM_OK);
    open_task(db, "key", "big", who, sizeof who);      /* round robin alone would give kate */
    CHECK_EQ_STR(who, "ken");
    CHECK_EQ_STR(client_field(db, "big", "holders"), "head:olga, key-account:ken");
    sdm_close(db);
}

static void test_duplicates(void) {
    T_CASE("2 a likely duplicate is refused with the match");
    sdm *db = setup("dup.db", two_bpmn);
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_client_add(db, "acme-llc", "{\"name\": \"ACME, LLC\", \"inn\": \"7701234567\"}", &err), SDM_OK);
    CHECK_EQ_STR(client_field(db, "acme-llc", "inn"), "7701234567");
    CHECK_EQ_INT(sdm_client_add(db, "ACME", NULL, &err), SDM_ERR_STATE);          /* same name */
    CHECK_CONTAINS(err.msg, "'acme-llc'");
    CHECK_EQ_INT(sdm_client_add(db, "zeta", "{\"inn\": \"77 0123 4567\"}", &err), SDM_ERR_STATE);
    CHECK_CONTAINS(err.msg, "tax number");
    CHECK_EQ_INT(sdm_client_add(db, "romashka", "{\"name\": \"ООО «Ромашка»\"}", &err), SDM_OK);
    CHECK_EQ_INT(sdm_client_add(db, "romashka2", "{\"name\": \"Ромашка ооо\"}", &err), SDM_ERR_STATE);
    CHECK_EQ_INT(sdm_client_add(db, "bad", "{\"inn\": \"12\"}", &err), SDM_ERR_MISUSE);
    CHECK_EQ_STR(client_field(db, "zeta", "client"), "(error)");                 /* nothing kept */
    int64_t id = 0;
    CHECK_EQ_INT(sdm_start(db, "lead", "ACME", NULL, &id, &err), SDM_ERR_STATE);
    CHECK_EQ_STR(client_field(db, "ACME", "client"), "(error)");

    T_CASE("2.1 forced, then merged: all history kept");
    start(db, "lead", "acme-llc", NULL);
    CHECK_EQ_INT(sdm_client_add(db, "ACME", "{\"force\": true, \"phone\": \"8 (495) 123-45-67\"}", &err), SDM_OK);
    CHECK_EQ_STR(client_field(db, "ACME", "phone"), "+74951234567");
    start(db, "deal", "ACME", NULL);
    CHECK_EQ_INT(sdm_client_log(db, "ACME", "call", "asked for the price list", &err), SDM_OK);
    CHECK_EQ_INT(sdm_client_log(db, "ACME", "fax", "x", &err), SDM_ERR_MISUSE);
    int keep = history_rows(db, "acme-llc"), gone = history_rows(db, "ACME");
    CHECK(gone > 3);
    CHECK_EQ_INT(sdm_client_merge(db, "acme-llc", "ACME", &t, &err), SDM_OK);
    sdm_table_free(t);
    CHECK_EQ_INT(history_rows(db, "acme-llc"), keep + gone + 1);       /* + the merge itself */
    CHECK_EQ_STR(client_field(db, "ACME", "client"), "(error)");
    CHECK_EQ_STR(client_field(db, "acme-llc", "phone"), "+74951234567");
    sdm_filter f = {.client = "acme-llc", .state = "all"};
    CHECK_EQ_INT((sdm_query(db, SDM_Q_INSTANCES, &f, &t, &err), count_rows(t)), 2);
    CHECK_EQ_INT((sdm_check(db, &t, &err), count_rows(t)), 0);
    sdm_close(db);
}

static void test_card(void) {
    T_CASE("3 a card the process fills; declared fields; --where; by field");
    sdm *db = setup("card.db", two_bpmn);
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_card_field_add(db, "industry", "text", "Industry", &err), SDM_OK);
    CHECK_EQ_INT(sdm_card_field_add(db, "turnover", "number", NULL, &err), SDM_OK);
    CHECK_EQ_INT(sdm_card_field_add(db, "industry", "text", NULL, &err), SDM_ERR_STATE);
    CHECK_EQ_INT(sdm_card_field_add(db, "segment", "text", NULL, &err), SDM_ERR_STATE);
    CHECK_EQ_INT(sdm_card_field_add(db, "vip", "colour", NULL, &err), SDM_ERR_MISUSE);
    const char *industries[] = {"food", "retail", "food", "steel", "food"};
    int food = 0;
    char who[64], key[32];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "k%d", i);
        start(db, "lead", key, NULL);
        char vars[200];
        snprintf(vars, sizeof vars, "{\"segment\": \"%s\", \"category\": \"%s\"}", i % 2 ? "smb" : "mid", industries[i]);
        CHECK_EQ_INT(sdm_complete(db, open_task(db, "lead", key, who, sizeof who), vars, &err), SDM_OK);
        food += strcmp(industries[i], "food") == 0;
    }
    CHECK_EQ_STR(client_field(db, "k1", "segment"), "smb");
    CHECK_EQ_STR(client_field(db, "k1", "fields"), "{\"industry\":\"retail\"}");
    sdm_filter f = {.where = "industry=food"};
    CHECK_EQ_INT((sdm_clients(db, &f, &t, &err), count_rows(t)), food);
    f.where = "nosuch=1";
    CHECK_EQ_INT(sdm_clients(db, &f, &t, &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_report_clients(db, "industry", &t, &err), SDM_OK);
    CHECK_EQ_STR(cell(t, "food", "clients"), "3");
    CHECK_EQ_STR(cell(t, "steel", "clients"), "1");
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_client_update(db, "k2", "{\"turnover\": \"lots\"}", &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_client_update(db, "k2", "{\"turnover\": 1500000}", &err), SDM_OK);
    CHECK_EQ_INT(sdm_client_update(db, "k2", "{\"colour\": \"red\"}", &err), SDM_ERR_MISUSE);
    CHECK_EQ_STR(client_field(db, "k2", "fields"), "{\"industry\":\"food\",\"turnover\":\"1500000\"}");
    CHECK_EQ_INT(sdm_client_log(db, "k2", "meeting", "met the CFO", &err), SDM_OK);
    CHECK_EQ_INT(sdm_client_history(db, "k2", &t, &err), SDM_OK);
    CHECK_EQ_STR(cell(t, t->nrow ? t->cells[0] : "", "source"), t->nrow ? t->cells[1] : "");
    int contacts = 0;
    for (int r = 0; r < t->nrow; r++) contacts += strcmp(t->cells[r * t->ncol + 1], "contact") == 0;
    CHECK_EQ_INT(contacts, 1);
    sdm_table_free(t);
    sdm_close(db);
}

/* A checkpoint raises a deviation as soon as the task opens. */
static const char dev_bpmn[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:sdm=\"urn:sdm:bpmn:1\" id=\"d\" targetNamespace=\"x\">\n"
"<bpmn:process id=\"dev\" isExecutable=\"true\">\n"
" <bpmn:laneSet id=\"ls\"><bpmn:lane id=\"l\" name=\"lonely\"><bpmn:flowNodeRef>t</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>\n"
" <bpmn:startEvent id=\"s\"/><bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"t\"/>\n"
" <bpmn:userTask id=\"t\"><bpmn:extensionElements><sdm:checkpoint id=\"chk\" on=\"enter\">"
"deviation{severity = \"high\", message = \"no call yet\"}</sdm:checkpoint></bpmn:extensionElements></bpmn:userTask>\n"
" <bpmn:sequenceFlow id=\"f2\" sourceRef=\"t\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>\n"
"</bpmn:process>\n"
"</bpmn:definitions>\n";

static int inbox_rows(sdm *db, const char *user) {
    sdm_filter f = {.user = user, .state = "all"};
    sdm_table *t = NULL;
    sdm_query(db, SDM_Q_INBOX, &f, &t, &err);
    return count_rows(t);
}

static void test_deviations(void) {
    T_CASE("6 a deviation with no head reaches the process owner; resolving takes a note");
    sdm *db = open_db("dev.db");
    CHECK_EQ_INT(load_org(db, "user boss roles=owner\nuser solo roles=lonely\nuser peer roles=lonely\n"), SDM_OK);
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_deploy_xml(db, "dev.bpmn", dev_bpmn, strlen(dev_bpmn), &t, &err), SDM_OK);
    sdm_table_free(t);
    start(db, "dev", "d1", NULL);
    sdm_tick(db, NULL, NULL, &err);                /* in-app messages leave the outbox */
    CHECK_EQ_INT(inbox_rows(db, "boss"), 1);
    CHECK_EQ_INT(inbox_rows(db, "solo"), 0);
    sdm_filter f = {.state = "open"};
    CHECK_EQ_INT(sdm_query(db, SDM_Q_DEVIATIONS, &f, &t, &err), SDM_OK);
    int64_t dev = t->nrow ? strtoll(t->cells[0], NULL, 10) : 0;
    sdm_table_free(t);
    CHECK(dev > 0);
    sdm_act_as(db, "peer", &err);                     /* a colleague is not a head */
    CHECK(sdm_deviation_note(db, dev, "acknowledged", "seen", &err) != SDM_OK);
    sdm_act_as(db, "boss", &err);
    CHECK_EQ_INT(sdm_deviation_note(db, dev, "resolved", "", &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_deviation_note(db, dev, "resolved", "called them", &err), SDM_OK);
    sdm_close(db);

    T_CASE("7 the message links to the page (the client's: no task yet) and speaks the handle's language");
    char path[300];
    snprintf(path, sizeof path, "%s/dev.db", dir);
    sdm_config cfg = {.actor = "tester", .now = 1772442000000LL, .time_zone = "UTC", .lang = "ru",
                      .base_url = "https://crm.example"};
    CHECK_EQ_INT(sdm_open(&db, path, &cfg, &err), SDM_OK);
    start(db, "dev", "d2", NULL);
    sdm_tick(db, NULL, NULL, &err);
    sdm_filter in = {.user = "boss", .state = "all"};
    CHECK_EQ_INT(sdm_query(db, SDM_Q_INBOX, &in, &t, &err), SDM_OK);
    int found = 0;
    for (int r = 0; r < t->nrow; r++)
        for (int c = 0; c < t->ncol; c++)
            if (strcmp(t->cols[c], "body") == 0 && t->cells[r * t->ncol + c] &&
                strstr(t->cells[r * t->ncol + c], "Клиент: d2\n") &&
                strstr(t->cells[r * t->ncol + c], "https://crm.example/#/client/d2\n")) found++;
    CHECK_EQ_INT(found, 1);
    sdm_table_free(t);
    sdm_close(db);
}

/* Lead -> key clients straight to the contract, the others through an offer. */
static const char fun_bpmn[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:sdm=\"urn:sdm:bpmn:1\" id=\"d\" targetNamespace=\"x\">\n"
"<bpmn:process id=\"fun\" isExecutable=\"true\">\n"
" <bpmn:laneSet id=\"ls\">\n"
"  <bpmn:lane id=\"l1\" name=\"call-centre\"><bpmn:flowNodeRef>qualify</bpmn:flowNodeRef></bpmn:lane>\n"
"  <bpmn:lane id=\"l2\" name=\"closer\"><bpmn:flowNodeRef>offer</bpmn:flowNodeRef><bpmn:flowNodeRef>contract</bpmn:flowNodeRef></bpmn:lane>\n"
" </bpmn:laneSet>\n"
" <bpmn:startEvent id=\"s\"/><bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"qualify\"/>\n"
" <bpmn:userTask id=\"qualify\" sdm:stage=\"Lead\"/><bpmn:sequenceFlow id=\"f2\" sourceRef=\"qualify\" targetRef=\"g\"/>\n"
" <bpmn:exclusiveGateway id=\"g\" default=\"f3\"/>\n"
" <bpmn:sequenceFlow id=\"f3\" sourceRef=\"g\" targetRef=\"offer\"/>\n"
" <bpmn:sequenceFlow id=\"f4\" sourceRef=\"g\" targetRef=\"contract\"><bpmn:conditionExpression>var(\"key\") == true</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
" <bpmn:userTask id=\"offer\" sdm:stage=\"Offer\"/><bpmn:sequenceFlow id=\"f5\" sourceRef=\"offer\" targetRef=\"contract\"/>\n"
" <bpmn:userTask id=\"contract\" sdm:stage=\"Won\"/><bpmn:sequenceFlow id=\"f6\" sourceRef=\"contract\" targetRef=\"e\"/>\n"
" <bpmn:endEvent id=\"e\" sdm:outcome=\"success\"/>\n"
"</bpmn:process>\n"
"</bpmn:definitions>\n";

/* A cell of the row (group, stage) of a grouped funnel. */
static const char *fcell(const sdm_table *t, const char *group, const char *stage, int col) {
    for (int r = 0; r < t->nrow; r++)
        if (strcmp(t->cells[r * t->ncol], group) == 0 && strcmp(t->cells[r * t->ncol + 1], stage) == 0)
            return t->cells[r * t->ncol + col] ? t->cells[r * t->ncol + col] : "(null)";
    return "(no row)";
}

static void test_funnel(void) {
    T_CASE("4 funnel: clients not instances, never over 100 %, credited to who did the stage");
    sdm *db = setup("fun.db", fun_bpmn);
    sdm_table *t = NULL;
    /* per client: key?, how many steps done (1 qualify, 2 + offer or contract, 3 all),
    ** runs (a second run of the same client must not count twice) */
    struct { const char *key; int is_key, done, runs; } c[] = {
        {"f1", 1, 2, 1}, {"f5", 1, 2, 1}, {"f2", 0, 3, 2}, {"f3", 0, 3, 1}, {"f4", 0, 1, 1}, {"f6", 0, 0, 1}};
    int n = (int)(sizeof c / sizeof *c), reached[3] = {0};
    char who[64], vars[64], closer_of[8][64];
    for (int i = 0; i < n; i++) {
        for (int run = 0; run < c[i].runs; run++) {
            start(db, "fun", c[i].key, NULL);
            snprintf(vars, sizeof vars, "{\"key\": %s}", c[i].is_key ? "true" : "false");
            for (int d = 0; d < c[i].done; d++) {
                int64_t id = open_task(db, "fun", c[i].key, who, sizeof who);
                if (d == 1) snprintf(closer_of[i], sizeof closer_of[i], "%s", who);
                CHECK_EQ_INT(sdm_complete(db, id, d == 0 ? vars : NULL, &err), SDM_OK);
            }
            if (run + 1 < c[i].runs) {          /* the second run is cut short at the lead */
                sdm_filter f = {.client = c[i].key, .process = "fun", .state = "active"};
                CHECK_EQ_INT(sdm_query(db, SDM_Q_INSTANCES, &f, &t, &err), SDM_OK);
                sdm_table_free(t);
            }
        }
        /* the furthest stage: Lead 0, Offer 1, Won 2 (a key client skips Offer) */
        int far = c[i].is_key ? (c[i].done >= 1 ? 2 : 0) : (c[i].done >= 2 ? 2 : c[i].done >= 1 ? 1 : 0);
        for (int k = 0; k <= far; k++) reached[k]++;
    }
    CHECK_EQ_INT(sdm_report_funnel(db, "fun", NULL, 0, 0, &t, &err), SDM_OK);
    char want[16];
    const char *names[] = {"Lead", "Offer", "Won"};
    for (int k = 0; k < 3; k++) {
        snprintf(want, sizeof want, "%d", reached[k]);
        CHECK_EQ_STR(cell(t, names[k], "reached"), want);
        double conv = strtod(cell(t, names[k], "conversion_pct"), NULL);
        CHECK(conv <= 100.0);
    }
    snprintf(want, sizeof want, "%.1f", 100.0 * reached[2] / reached[1]);
    CHECK_EQ_STR(cell(t, "Won", "conversion_pct"), want);
    sdm_table_free(t);

    T_CASE("4.1 the owner changes; the stage stays the closer's");
    CHECK_EQ_INT(sdm_client_update(db, "f3", "{\"owner\": \"olga\"}", &err), SDM_OK);
    CHECK_EQ_INT(sdm_report_funnel(db, "fun", "manager", 0, 0, &t, &err), SDM_OK);
    CHECK_EQ_STR(fcell(t, "olga", "Offer", 2), "(no row)");
    int offers = 0;
    for (int i = 0; i < n; i++) offers += !c[i].is_key && c[i].done >= 2 && strcmp(closer_of[i], closer_of[3]) == 0;
    snprintf(want, sizeof want, "%d", offers);
    CHECK_EQ_STR(fcell(t, closer_of[3], "Offer", 2), want);
    sdm_table_free(t);
    sdm_close(db);
}

static void test_plan(void) {
    T_CASE("5 plans: target against actual per manager, role and team");
    sdm *db = setup("plan.db", fun_bpmn);
    sdm_table *t = NULL;
    /* March 2026 (the fixture's clock): clients worth 100, 200, 300 won,
    ** one lost at the lead, one still open */
    int values[] = {100, 200, 300, 0, 0};
    int won_by[8] = {0}, revenue_by[8] = {0}, closer_tasks = 0;
    const char *closers[2] = {"marina", "max"};
    char who[64], key[16], vars[80];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "p%d", i);
        snprintf(vars, sizeof vars, "{\"value\": %d}", values[i] ? values[i] : 1);
        start(db, "fun", key, vars);
        if (i == 4) continue;                                  /* open at the lead */
        CHECK_EQ_INT(sdm_complete(db, open_task(db, "fun", key, who, sizeof who), "{\"key\": false}", &err), SDM_OK);
        if (i == 3) continue;                                  /* stays at the offer */
        for (int d = 0; d < 2; d++) {
            CHECK_EQ_INT(sdm_complete(db, open_task(db, "fun", key, who, sizeof who), NULL, &err), SDM_OK);
            closer_tasks++;
        }
        int k = strcmp(who, closers[0]) == 0 ? 0 : 1;       /* who closed it */
        won_by[k]++;
        revenue_by[k] += values[i];
    }
    CHECK_EQ_INT(sdm_plan_set(db, "user", "marina", "2026-03", "won", 4, &err), SDM_OK);
    CHECK_EQ_INT(sdm_plan_set(db, "role", "closer", "2026-03", "revenue", 1000, &err), SDM_OK);
    CHECK_EQ_INT(sdm_plan_set(db, "team", "olga", "2026-03", "tasks", 10, &err), SDM_OK);
    CHECK_EQ_INT(sdm_plan_set(db, "user", "ghost", "2026-03", "won", 1, &err), SDM_ERR_NOTFOUND);
    CHECK_EQ_INT(sdm_plan_set(db, "user", "marina", "2026-3", "won", 1, &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_plan_set(db, "user", "marina", "2026-03", "smiles", 1, &err), SDM_ERR_MISUSE);
    CHECK_EQ_INT(sdm_report_plan(db, "2026-03", &t, &err), SDM_OK);
    char want[32];
    snprintf(want, sizeof want, "%d", won_by[0]);
    CHECK_EQ_STR(cell(t, "user", "actual"), want);
    snprintf(want, sizeof want, "%.1f", (double)(revenue_by[0] + revenue_by[1]));
    CHECK_EQ_STR(cell(t, "role", "actual"), want);
    snprintf(want, sizeof want, "%d", 4 + closer_tasks);    /* 4 leads qualified + the closers' tasks */
    CHECK_EQ_STR(cell(t, "team", "actual"), want);
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_report_plan(db, "2026-04", &t, &err), SDM_OK);
    CHECK_EQ_INT(count_rows(t), 0);
    sdm_close(db);
}


/* A lifecycle: the lead (call centre qualifies, a hunter warms up) and,
** for a warm lead, the deal (a closer offers, with the deal's value, and
** signs). Both called processes end with success when they get through:
** only the deal's success is a won deal. */
static const char life_bpmn[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:sdm=\"urn:sdm:bpmn:1\" id=\"d\" targetNamespace=\"x\">\n"
"<bpmn:process id=\"life\" isExecutable=\"true\">\n"
" <bpmn:startEvent id=\"s\"/><bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"cl\"/>\n"
" <bpmn:callActivity id=\"cl\" calledElement=\"lead\"/><bpmn:sequenceFlow id=\"f2\" sourceRef=\"cl\" targetRef=\"g\"/>\n"
" <bpmn:exclusiveGateway id=\"g\" default=\"f4\"/>\n"
" <bpmn:sequenceFlow id=\"f3\" sourceRef=\"g\" targetRef=\"cd\"><bpmn:conditionExpression>var(\"warm\") == true</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
" <bpmn:sequenceFlow id=\"f4\" sourceRef=\"g\" targetRef=\"lost\"/><bpmn:endEvent id=\"lost\" sdm:outcome=\"failure\"/>\n"
" <bpmn:callActivity id=\"cd\" calledElement=\"deal\"/><bpmn:sequenceFlow id=\"f5\" sourceRef=\"cd\" targetRef=\"e\"/>\n"
" <bpmn:endEvent id=\"e\"/>\n"
"</bpmn:process>\n"
"<bpmn:process id=\"lead\" isExecutable=\"true\">\n"
" <bpmn:laneSet id=\"ls\">\n"
"  <bpmn:lane id=\"l1\" name=\"call-centre\"><bpmn:flowNodeRef>qualify</bpmn:flowNodeRef></bpmn:lane>\n"
"  <bpmn:lane id=\"l2\" name=\"hunter\"><bpmn:flowNodeRef>warmup</bpmn:flowNodeRef></bpmn:lane>\n"
" </bpmn:laneSet>\n"
" <bpmn:startEvent id=\"s1\"/><bpmn:sequenceFlow id=\"a1\" sourceRef=\"s1\" targetRef=\"qualify\"/>\n"
" <bpmn:userTask id=\"qualify\" sdm:stage=\"Lead\"/><bpmn:sequenceFlow id=\"a2\" sourceRef=\"qualify\" targetRef=\"gq\"/>\n"
" <bpmn:exclusiveGateway id=\"gq\" default=\"a4\"/>\n"
" <bpmn:sequenceFlow id=\"a3\" sourceRef=\"gq\" targetRef=\"warmup\"><bpmn:conditionExpression>var(\"prospect\") == true</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
" <bpmn:sequenceFlow id=\"a4\" sourceRef=\"gq\" targetRef=\"no\"/><bpmn:endEvent id=\"no\" sdm:outcome=\"failure\"/>\n"
" <bpmn:userTask id=\"warmup\" sdm:stage=\"Warming\"/><bpmn:sequenceFlow id=\"a5\" sourceRef=\"warmup\" targetRef=\"done\"/>\n"
" <bpmn:endEvent id=\"done\" sdm:outcome=\"success\"/>\n"
"</bpmn:process>\n"
"<bpmn:process id=\"deal\" isExecutable=\"true\">\n"
" <bpmn:laneSet id=\"ls2\"><bpmn:lane id=\"l3\" name=\"closer\"><bpmn:flowNodeRef>offer</bpmn:flowNodeRef><bpmn:flowNodeRef>sign</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>\n"
" <bpmn:startEvent id=\"s2\"/><bpmn:sequenceFlow id=\"b1\" sourceRef=\"s2\" targetRef=\"offer\"/>\n"
" <bpmn:userTask id=\"offer\" sdm:stage=\"Offer\" sdm:card=\"amount:value\"/><bpmn:sequenceFlow id=\"b2\" sourceRef=\"offer\" targetRef=\"sign\"/>\n"
" <bpmn:userTask id=\"sign\" sdm:stage=\"Won\"/><bpmn:sequenceFlow id=\"b3\" sourceRef=\"sign\" targetRef=\"gs\"/>\n"
" <bpmn:exclusiveGateway id=\"gs\" default=\"b5\"/>\n"
" <bpmn:sequenceFlow id=\"b4\" sourceRef=\"gs\" targetRef=\"won\"><bpmn:conditionExpression>var(\"signed\") == true</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
" <bpmn:sequenceFlow id=\"b5\" sourceRef=\"gs\" targetRef=\"lostdeal\"/><bpmn:endEvent id=\"lostdeal\" sdm:outcome=\"failure\"/>\n"
" <bpmn:endEvent id=\"won\" sdm:outcome=\"success\"/>\n"
"</bpmn:process>\n"
"</bpmn:definitions>\n";

static const char life_org[] =
    "user olga roles=head\n"
    "user ivan roles=call-centre head=olga\n"
    "user irina roles=call-centre head=olga\n"
    "user pavel roles=hunter head=olga\n"
    "user nikita roles=hunter head=olga\n"
    "user marina roles=closer head=olga\n"
    "user max roles=closer head=olga\n"
    "plan 2026-03 role=closer won=3 revenue=1000   # the closers' month\n"
    "plan 2026-03 user=marina won=2\n"
    "plan 2026-03 role=closer conversion_pct:Offer=50\n";

/* A row's cell by its first two columns (user, role of the KPIs). */
static const char *cell2(const sdm_table *t, const char *a, const char *b, const char *col) {
    for (int r = 0; t && r < t->nrow; r++) {
        if (strcmp(t->cells[r * t->ncol], a) != 0 || strcmp(t->cells[r * t->ncol + 1], b) != 0) continue;
        for (int c = 0; c < t->ncol; c++)
            if (strcmp(t->cols[c], col) == 0) return t->cells[r * t->ncol + c] ? t->cells[r * t->ncol + c] : "(null)";
    }
    return "(no row)";
}

static void test_lifecycle(void) {
    T_CASE("6 a lifecycle of called processes: one funnel, deal value per stage, only deals are won");
    sdm *db = open_db("life.db");
    CHECK_EQ_INT(load_org(db, life_org), SDM_OK);
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_deploy_xml(db, "life.bpmn", life_bpmn, strlen(life_bpmn), &t, &err), SDM_OK);
    sdm_table_free(t);
    /* per client: qualified (-1 open at the lead, 0 no prospect, 1 on to
    ** the hunter), warm (-1 open, 0 not warm, 1 warm), amount (0: the offer
    ** is open), signed (-1 open at signing, 0 refused, 1 signed) */
    struct { const char *key; int prospect, warm, amount, signed_; } c[] = {
        {"l1", 0, 0, 0, 0}, {"l2", 1, 1, 100, 1}, {"l3", 1, 1, 200, 0}, {"l4", 1, 1, 0, 0},
        {"l5", 1, 1, 400, 1}, {"l6", -1, 0, 0, 0}, {"l7", 1, 0, 0, 0}, {"l8", 1, -1, 0, 0}};
    int n = (int)(sizeof c / sizeof *c);
    long reached[4] = {0}, won = 0, cc_clients = 0, cc_handed = 0, h_clients = 0, h_handed = 0, h_won = 0;
    double value[4] = {0}, won_value = 0, marina_rev = 0;
    long marina_won = 0, marina_offers = 0;
    char who[64], vars[80];
    for (int i = 0; i < n; i++) {
        start(db, "life", c[i].key, NULL);
        reached[0]++;
        if (c[i].prospect < 0) continue;
        snprintf(vars, sizeof vars, "{\"prospect\": %s}", c[i].prospect ? "true" : "false");
        CHECK_EQ_INT(sdm_complete(db, open_task(db, "lead", c[i].key, who, sizeof who), vars, &err), SDM_OK);
        cc_clients++;
        if (!c[i].prospect) continue;
        cc_handed++, reached[1]++;
        if (c[i].warm < 0) continue;
        snprintf(vars, sizeof vars, "{\"warm\": %s}", c[i].warm ? "true" : "false");
        CHECK_EQ_INT(sdm_complete(db, open_task(db, "lead", c[i].key, who, sizeof who), vars, &err), SDM_OK);
        h_clients++;
        if (!c[i].warm) continue;
        h_handed++, reached[2]++;
        open_task(db, "deal", c[i].key, who, sizeof who);
        if (strcmp(who, "marina") == 0) marina_offers++;
        if (!c[i].amount) continue;
        snprintf(vars, sizeof vars, "{\"amount\": %d}", c[i].amount);
        CHECK_EQ_INT(sdm_complete(db, open_task(db, "deal", c[i].key, who, sizeof who), vars, &err), SDM_OK);
        value[2] += c[i].amount, value[3] += c[i].amount, reached[3]++;
        snprintf(vars, sizeof vars, "{\"signed\": %s}", c[i].signed_ ? "true" : "false");
        CHECK_EQ_INT(sdm_complete(db, open_task(db, "deal", c[i].key, who, sizeof who), vars, &err), SDM_OK);
        if (c[i].signed_) {
            won++, h_won++, won_value += c[i].amount;
            if (strcmp(who, "marina") == 0) marina_won++, marina_rev += c[i].amount;
        }
    }
    /* the Offer stage's value counts the clients past it too (Won's) */
    CHECK_EQ_INT(sdm_report_funnel(db, "life", NULL, 0, 0, &t, &err), SDM_OK);
    const char *names[] = {"Lead", "Warming", "Offer", "Won"};
    char want[32];
    CHECK_EQ_INT(t->nrow, 4);
    for (int k = 0; k < 4; k++) {
        CHECK_EQ_STR(t->cells[k * t->ncol], names[k]);            /* one list, in the lifecycle's order */
        snprintf(want, sizeof want, "%ld", reached[k]);
        CHECK_EQ_STR(cell(t, names[k], "reached"), want);
        snprintf(want, sizeof want, "%.2f", value[k]);
        if (k >= 2) CHECK_EQ_STR(cell(t, names[k], "value"), want);
    }
    CHECK_EQ_STR(cell(t, "Warming", "won"), "0");                 /* a lead handed over is not a deal won */
    snprintf(want, sizeof want, "%ld", won);
    CHECK_EQ_STR(cell(t, "Won", "won"), want);
    snprintf(want, sizeof want, "%.2f", won_value);
    CHECK_EQ_STR(cell(t, "Won", "won_value"), want);
    sdm_table_free(t);

    /* by manager across the lifecycle: each stage to whoever had its task */
    CHECK_EQ_INT(sdm_report_funnel(db, "life", "manager", 0, 0, &t, &err), SDM_OK);
    snprintf(want, sizeof want, "%ld", marina_offers);
    CHECK_EQ_STR(fcell(t, "marina", "Offer", 2), marina_offers ? want : "(no row)");
    CHECK_EQ_STR(fcell(t, "marina", "Lead", 2), "0");               /* the call centre's stage */
    sdm_table_free(t);

    T_CASE("6.1 plans from the org file; won deals and revenue against them");
    CHECK_EQ_INT(sdm_report_plan(db, "2026-03", &t, &err), SDM_OK);
    CHECK_EQ_INT(t->nrow, 4);
    snprintf(want, sizeof want, "%ld", won);
    for (int r = 0; r < t->nrow; r++) {
        char **row = &t->cells[r * t->ncol];
        if (strcmp(row[0], "role") == 0 && strcmp(row[2], "won") == 0) CHECK_EQ_STR(row[4], want);
        if (strcmp(row[0], "role") == 0 && strcmp(row[2], "revenue") == 0) {
            char rev[32];
            snprintf(rev, sizeof rev, "%.1f", won_value);
            CHECK_EQ_STR(row[4], rev);
        }
        if (strcmp(row[2], "conversion_pct:Offer") == 0) {       /* of the closers' offers, those sent on */
            char cv[32];
            snprintf(cv, sizeof cv, "%.1f", 100.0 * reached[3] / reached[2]);
            CHECK_EQ_STR(row[4], cv);
        }
        if (strcmp(row[0], "user") == 0) {
            char mw[32];
            snprintf(mw, sizeof mw, "%ld", marina_won);
            CHECK_EQ_STR(row[4], mw);
        }
    }
    sdm_table_free(t);
    CHECK_EQ_INT(load_org(db, "plan 2026-03 role=closer won=many\n"), SDM_ERR_MISUSE);
    CHECK_EQ_INT(load_org(db, "plan 2026-03 role=closer conversion_pct:=50\n"), SDM_ERR_MISUSE);
    CHECK_EQ_INT(load_org(db, "plan 2026-03 user=ghost won=1\n"), SDM_ERR_NOTFOUND);

    T_CASE("6.2 KPIs: plan against actual, totals per tier, handoff conversion");
    CHECK_EQ_INT(sdm_report_kpi(db, 0, 0, &t, &err), SDM_OK);
    snprintf(want, sizeof want, "%ld", won);
    CHECK_EQ_STR(cell2(t, "(all)", "closer", "won"), want);
    snprintf(want, sizeof want, "%.2f", won_value);
    CHECK_EQ_STR(cell2(t, "(all)", "closer", "revenue"), want);
    CHECK_EQ_STR(cell2(t, "(all)", "closer", "plan_won"), "3.0");
    CHECK_EQ_STR(cell2(t, "(all)", "closer", "plan_revenue"), "1000.0");
    CHECK_EQ_STR(cell2(t, "marina", "closer", "plan_won"), "2.0");
    snprintf(want, sizeof want, "%ld", marina_won);
    CHECK_EQ_STR(cell2(t, "marina", "closer", "won"), marina_won ? want : "(null)");
    snprintf(want, sizeof want, "%ld", cc_clients);
    CHECK_EQ_STR(cell2(t, "(all)", "call-centre", "clients"), want);
    snprintf(want, sizeof want, "%.1f", 100.0 * cc_handed / cc_clients);
    CHECK_EQ_STR(cell2(t, "(all)", "call-centre", "handed_on_pct"), want);
    snprintf(want, sizeof want, "%.1f", 100.0 * h_handed / h_clients);
    CHECK_EQ_STR(cell2(t, "(all)", "hunter", "handed_on_pct"), want);
    snprintf(want, sizeof want, "%.1f", 100.0 * h_won / h_clients);
    CHECK_EQ_STR(cell2(t, "(all)", "hunter", "won_clients_pct"), want);
    /* a tier's done is the sum of its people's */
    long sum = 0;
    for (int r = 0; r < t->nrow; r++)
        if (strcmp(t->cells[r * t->ncol + 1], "call-centre") == 0 && strcmp(t->cells[r * t->ncol], "(all)") != 0)
            sum += strtol(cell2(t, t->cells[r * t->ncol], "call-centre", "done"), NULL, 10);
    snprintf(want, sizeof want, "%ld", sum);
    CHECK_EQ_STR(cell2(t, "(all)", "call-centre", "done"), want);
    sdm_table_free(t);
    (void)marina_rev;
    sdm_close(db);
}

/* A call-centre task due in an hour, watched by a checkpoint. */
static const char msg_bpmn[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:sdm=\"urn:sdm:bpmn:1\" id=\"d\" targetNamespace=\"x\">\n"
"<bpmn:process id=\"call\" name=\"Inbound call\" isExecutable=\"true\">\n"
" <bpmn:laneSet id=\"ls\"><bpmn:lane id=\"l\" name=\"call-centre\"><bpmn:flowNodeRef>t</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>\n"
" <bpmn:startEvent id=\"s\"/><bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"t\"/>\n"
" <bpmn:userTask id=\"t\" name=\"Call back\" sdm:due=\"PT1H\"><bpmn:extensionElements><sdm:checkpoint id=\"slow\" on=\"due\">"
"deviation{severity = \"high\", message = \"not called back\"}</sdm:checkpoint></bpmn:extensionElements></bpmn:userTask>\n"
" <bpmn:sequenceFlow id=\"f2\" sourceRef=\"t\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>\n"
"</bpmn:process>\n"
"</bpmn:definitions>\n";

/* The body of `user`'s in-app messages, joined. */
static char *inbox_text(sdm *db, const char *user) {
    sdm_filter f = {.user = user, .state = "all"};
    sdm_table *t = NULL;
    sbuf_t b = {0};
    if (sdm_query(db, SDM_Q_INBOX, &f, &t, &err) == SDM_OK)
        for (int r = 0; r < t->nrow; r++)
            for (int c = 0; c < t->ncol; c++)
                if ((strcmp(t->cols[c], "body") == 0 || strcmp(t->cols[c], "subject") == 0) && t->cells[r * t->ncol + c]) {
                    size_t n = strlen(t->cells[r * t->ncol + c]);
                    b.s = realloc(b.s, b.len + n + 2);
                    memcpy(b.s + b.len, t->cells[r * t->ncol + c], n);
                    b.len += n;
                    b.s[b.len++] = '\n';
                    b.s[b.len] = 0;
                }
    sdm_table_free(t);
    return b.s ? b.s : strdup("");
}

static void test_messages(void) {
    T_CASE("8 messages a head can act on, in the reader's language; managers told of new tasks by role");
    char path[300];
    snprintf(path, sizeof path, "%s/msg.db", dir);
    int64_t now = 1772442000000LL;                 /* 2026-03-02T09:00Z */
    sdm_config cfg = {.actor = "tester", .now = now, .open_mode = SDM_OPEN_CREATE, .time_zone = "UTC",
                      .base_url = "https://crm.example"};            /* the handle speaks English */
    sdm *db = NULL;
    CHECK_EQ_INT(sdm_open(&db, path, &cfg, &err), SDM_OK);
    CHECK_EQ_INT(load_org(db, "user olga roles=head lang=ru\n"
                              "user ivan ivan@example.com roles=call-centre head=olga\n"
                              "role call-centre notify=inbox,email\n"), SDM_OK);
    CHECK_EQ_INT(load_org(db, "user olga roles=head lang=fr\n"), SDM_ERR_MISUSE);
    CHECK_EQ_INT(load_org(db, "role call-centre notify=pigeon\n"), SDM_ERR_MISUSE);
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_deploy_xml(db, "call.bpmn", msg_bpmn, strlen(msg_bpmn), &t, &err), SDM_OK);
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_client_add(db, "c1", "{\"name\": \"ООО Ромашка\"}", &err), SDM_OK);
    start(db, "call", "c1", NULL);
    char who[64], want[200];
    int64_t task = open_task(db, "call", "c1", who, sizeof who);
    CHECK_EQ_STR(who, "ivan");
    sdm_tick(db, NULL, NULL, &err);
    char *text = inbox_text(db, "ivan");
    CHECK(strstr(text, "New task: Call back, client c1") != NULL);
    CHECK(strstr(text, "Client: ООО Ромашка (c1)\n") != NULL);
    snprintf(want, sizeof want, "Task: https://crm.example/#/task/%lld\n", (long long)task);
    CHECK(strstr(text, want) != NULL);
    CHECK(strstr(text, "Due: 2026-03-02T10:00:00Z\n") != NULL);    /* an hour after the start */
    free(text);
    sdm_filter of = {.state = "all"};
    CHECK_EQ_INT(sdm_query(db, SDM_Q_OUTBOX, &of, &t, &err), SDM_OK);
    int mails = 0;
    for (int r = 0; r < t->nrow; r++)
        for (int c = 0; c < t->ncol; c++)
            mails += t->cells[r * t->ncol + c] && strcmp(t->cells[r * t->ncol + c], "ivan@example.com") == 0;
    sdm_table_free(t);
    CHECK_EQ_INT(mails, 1);

    /* three hours later the checkpoint fires: two hours late */
    sdm_set_now(db, now + 3 * 3600000LL);
    sdm_tick(db, NULL, NULL, &err);
    text = inbox_text(db, "olga");
    CHECK(strstr(text, "[high] not called back") != NULL);
    CHECK(strstr(text, "Клиент: ООО Ромашка (c1)\n") != NULL);
    CHECK(strstr(text, "Менеджер: ivan\n") != NULL);
    CHECK(strstr(text, "Шаг: Call back\n") != NULL);
    CHECK(strstr(text, "(опоздание 2.0 ч)") != NULL);
    snprintf(want, sizeof want, "Задача: https://crm.example/#/task/%lld\n", (long long)task);
    CHECK(strstr(text, want) != NULL);
    free(text);
    sdm_close(db);
}

static void test_russian(void) {
    T_CASE("9 the Russian models and organisation deploy and run: Cyrillic names, roles, users, stages");
    sdm *db = open_db("ru.db");
    sdm_table *t = NULL;
    const char *files[] = {"client-lifecycle", "deal-discussion", "development", "key-account", "lead-generation",
                           "service"};
    char path[200], who[64];
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "models/ru/%s.bpmn", files[i]);
        int rc = sdm_deploy(db, path, &t, &err);
        if (rc) fprintf(stderr, "  %s: %s\n", path, err.msg);
        CHECK_EQ_INT(rc, SDM_OK);
        sdm_table_free(t);
    }
    CHECK_EQ_INT(sdm_org_load(db, "scripts/demo-org-ru.txt", &t, &err), SDM_OK);
    sdm_table_free(t);
    start(db, "client-lifecycle", "клиент-1", "{\"source\": \"web\", \"contact\": \"Анна Петрова\"}");
    int64_t task = open_task(db, "lead-generation", "клиент-1", who, sizeof who);
    CHECK(strcmp(who, "иван") == 0 || strcmp(who, "дарья") == 0);     /* the call centre, by its Russian role */
    CHECK_EQ_INT(sdm_task_info(db, task, &t, &err), SDM_OK);
    CHECK_EQ_STR(cell(t, t && t->nrow ? t->cells[0] : "", "step"), "Перезвонить по входящей заявке");
    CHECK_EQ_STR(cell(t, t && t->nrow ? t->cells[0] : "", "role"), "колл-центр");
    sdm_table_free(t);
    CHECK_EQ_INT(sdm_complete(db, task, "{\"called_back\": true}", &err), SDM_OK);
    task = open_task(db, "lead-generation", "клиент-1", who, sizeof who);
    CHECK(strcmp(who, "павел") == 0 || strcmp(who, "никита") == 0);   /* the hunters qualify */
    CHECK_EQ_INT(sdm_report_funnel(db, "client-lifecycle", NULL, 0, 0, &t, &err), SDM_OK);
    CHECK_EQ_STR(t && t->nrow ? t->cells[0] : "", "Лид");
    CHECK_EQ_STR(cell(t, "Квалификация", "reached"), "1");
    CHECK_EQ_STR(cell(t, "План по клиенту", "reached"), "(no row)");   /* key accounts branch off the main path */
    CHECK_EQ_STR(cell(t, "Кросс-продажа", "reached"), "0");             /* development is on it */
    sdm_table_free(t);
    sdm_close(db);
}

int main(void) {
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    test_holder();
    test_duplicates();
    test_card();
    test_deviations();
    test_funnel();
    test_plan();
    test_lifecycle();
    test_messages();
    test_russian();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return t_done();
}
