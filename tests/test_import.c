/*
** test_import.c — EPC (EPML, ARIS AML) and IDEF3 import (import.c, epml.c,
** aml.c, idef3.c): the third-party EPC corpus imports to BPMN that deploys
** (or fails naming the source element), the deal discussion drawn as an
** EPC runs the same traces as models/deal-discussion.bpmn, the samples of
** each format run end to end, and hostile or broken input is refused with
** a precise error. bpmn-moddle's view of the output is tests/import.sh.
*/
#include <dirent.h>
#include "t.h"
#include "rt_fixture.h"

static const char *corpus_dir(void) {
    static char dir[512];
    const char *shared = getenv("SHARED");
    snprintf(dir, sizeof dir, "%s/corpus/epc", shared ? shared : "../shared");
    return dir;
}

static const char *table_cell_of_row(const sdm_table *t, int r, const char *name) {
    for (int c = 0; c < t->ncol; c++)
        if (strcmp(t->cols[c], name) == 0) return t->cells[r * t->ncol + c] ? t->cells[r * t->ncol + c] : "";
    return "";
}

static int has_row(const sdm_table *t, const char *kind, const char *element, const char *needle) {
    for (int r = 0; t && r < t->nrow; r++) {
        const char *k = table_cell_of_row(t, r, "kind"), *e = table_cell_of_row(t, r, "element"),
                   *m = table_cell_of_row(t, r, "message");
        if (strcmp(k, kind) == 0 && (!element || (e && strcmp(e, element) == 0)) && (!needle || strstr(m, needle)))
            return 1;
    }
    return 0;
}

static int count_str(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
    return n;
}

typedef struct step step;
static const char *run_client(const char *process, const char *client, const step *sc);

/* ---------- 1. the corpus ---------- */

/* Files the importer must refuse, and the source id the error names. */
static const struct { const char *file, *element, *msg; } refused[] = {
    {"Exclusive_XOR.epml", "1281437410990", "refers to element '1281437411006'"},
    {"video_post_production.epml", "46", "refers to element '25'"},
};

static void corpus(void) {
    DIR *d = opendir(corpus_dir());
    T_CASE("1.0 corpus present");
    CHECK(d != NULL);
    if (!d) { fprintf(stderr, "  (no %s: set SHARED or link ../shared)\n", corpus_dir()); return; }
    int files = 0, imported = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        size_t len = strlen(n);
        if (!(len > 5 && strcmp(n + len - 5, ".epml") == 0) && !(len > 4 && strcmp(n + len - 4, ".xml") == 0)) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", corpus_dir(), n);
        files++;
        char *bpmn = NULL;
        size_t blen = 0;
        sdm_table *warn = NULL;
        memset(&err, 0, sizeof err);
        int rc = sdm_import(path, &bpmn, &blen, &warn, &err);
        int expect_fail = -1;
        for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) if (strcmp(refused[i].file, n) == 0) expect_fail = (int)i;
        T_CASE(n);
        if (expect_fail >= 0) {
            CHECK_EQ_INT(rc, SDM_ERR_MODEL);
            CHECK_EQ_STR(err.element, refused[expect_fail].element);
            CHECK_CONTAINS(err.msg, refused[expect_fail].msg);
            CHECK(err.line > 0);
            CHECK(has_row(warn, "error", refused[expect_fail].element, NULL));
        } else {
            if (rc) fprintf(stderr, "  (%s: %s)\n", n, err.msg);
            CHECK_EQ_INT(rc, SDM_OK);
            if (!rc) {
                char name[300];
                snprintf(name, sizeof name, "%s.bpmn", n);
                sdm_table *t = NULL;
                memset(&err, 0, sizeof err);
                int drc = sdm_deploy_xml(db, name, bpmn, blen, &t, &err);
                if (drc) fprintf(stderr, "  (deploy %s: %s at %s)\n", n, err.msg, err.element);
                CHECK_EQ_INT(drc, SDM_OK);
                imported += drc == SDM_OK;
                sdm_table_free(t);
            }
        }
        sdm_table_free(warn);
        free(bpmn);
    }
    closedir(d);
    T_CASE("1.1 every corpus file was tried");
    CHECK_EQ_INT(files, 23);
    CHECK_EQ_INT(imported, 21);
}

static char *import_text(const char *path, sdm_table **warn) {
    char *bpmn = NULL;
    size_t len = 0;
    memset(&err, 0, sizeof err);
    int rc = sdm_import(path, &bpmn, &len, warn, &err);
    if (rc) fprintf(stderr, "  (import %s: %s)\n", path, err.msg);
    CHECK_EQ_INT(rc, SDM_OK);
    return bpmn;
}

static void corpus_details(void) {
    char a[600], b[600];
    T_CASE("1.2 the same SAP model in two serialisations imports to the same graph");
    snprintf(a, sizeof a, "%s/1An_ka9y.epml", corpus_dir());
    snprintf(b, sizeof b, "%s/oneEpc.epml", corpus_dir());
    sdm_table *wa = NULL, *wb = NULL;
    char *x = import_text(a, &wa), *y = import_text(b, &wb);
    static const char *const tags[] = {"<bpmn:userTask", "<bpmn:exclusiveGateway", "<bpmn:parallelGateway",
                                       "<bpmn:inclusiveGateway", "<bpmn:startEvent", "<bpmn:endEvent",
                                       "<bpmn:sequenceFlow", "<bpmn:conditionExpression", NULL};
    for (int i = 0; x && y && tags[i]; i++) CHECK_EQ_INT(count_str(x, tags[i]), count_str(y, tags[i]));
    CHECK_EQ_INT(count_str(x ? x : "", "<bpmn:userTask"), 8);
    CHECK_EQ_INT(count_str(x ? x : "", "<bpmn:endEvent"), 8);        /* events without outgoing flow */
    T_CASE("1.3 seven start events: one start event and a choice by start_event");
    CHECK_EQ_INT(count_str(x ? x : "", "<bpmn:startEvent"), 1);
    CHECK_EQ_INT(count_str(x ? x : "", "var(&quot;start_event&quot;) == "), 6);
    CHECK(has_row(wa, "warning", "2", "OR join"));
    T_CASE("1.4 a wrong namespace URI is reported, not fatal");
    CHECK(has_row(wb, "warning", NULL, "namespace"));
    CHECK(!has_row(wa, "warning", NULL, "namespace"));
    free(x); free(y); sdm_table_free(wa); sdm_table_free(wb);

    T_CASE("1.5 C-EPC and range connectors are reported with their ids");
    snprintf(a, sizeof a, "%s/Audio.epml", corpus_dir());
    x = import_text(a, &wa);
    CHECK(has_row(wa, "warning", "49", "range connector"));
    CHECK(has_row(wa, "warning", "36", "configurable"));
    CHECK(has_row(wa, "warning", "4", "configurable"));
    free(x); sdm_table_free(wa);

    T_CASE("1.6 an event with three outgoing flows and no connector is an AND split");
    snprintf(a, sizeof a, "%s/testMEME.epml", corpus_dir());
    x = import_text(a, &wa);
    CHECK(has_row(wa, "warning", "6", "3 outgoing flows"));
    CHECK_CONTAINS(x, "<bpmn:parallelGateway id=\"Gateway_6_split\"");
    free(x); sdm_table_free(wa);

    T_CASE("1.7 start events whose branches meet at an AND join all hold: a parallel start, and it runs");
    snprintf(a, sizeof a, "%s/vpp_2.epml", corpus_dir());
    x = import_text(a, &wa);
    CHECK_EQ_INT(count_str(x ? x : "", "<bpmn:startEvent"), 1);
    CHECK_CONTAINS(x, "<bpmn:parallelGateway id=\"Gateway_1_start_all\"");
    CHECK(has_row(wa, "warning", "1", "meet at an AND join"));
    free(x); sdm_table_free(wa);
    sdm_table *dt = NULL;
    CHECK_EQ_INT(sdm_deploy(db, a, &dt, &err), SDM_OK);
    sdm_table_free(dt);
    CHECK_EQ_STR(run_client("Process_1", "vpp", NULL), "Prepare film/2; Prepare tape/2; Negmatching/2; Finish on film/2; completed NULL");

    T_CASE("1.8 the ARIS export: its DOCTYPE and entities are read, its BPMN diagrams go through the EPC subset");
    snprintf(a, sizeof a, "%s/bpmn-miwg-test-suite-aml.xml", corpus_dir());
    x = import_text(a, &wa);
    CHECK(has_row(wa, "warning", "Model.-6ovY73ChQ91-u-L", "MT_BPMN_PROCESS_DIAGRAM"));
    CHECK_EQ_INT(count_str(x ? x : "", "<bpmn:process "), 5);
    free(x); sdm_table_free(wa);

    T_CASE("1.9 sdm deploy reads EPML directly and names the source element when it must refuse");
    snprintf(a, sizeof a, "%s/SAP_1.epml", corpus_dir());
    sdm_table *t = NULL;
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(sdm_deploy(db, a, &t, &err), SDM_OK);
    CHECK(has_row(t, "deployed", NULL, NULL));
    CHECK(has_row(t, "warning", "7", "AND connector"));
    sdm_table_free(t);
    snprintf(a, sizeof a, "%s/Exclusive_XOR.epml", corpus_dir());
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(sdm_deploy(db, a, &t, &err), SDM_ERR_MODEL);
    CHECK_EQ_STR(err.element, "1281437410990");
    CHECK(has_row(t, "error", "1281437410993", NULL));
    sdm_table_free(t);
}

/* ---------- 2. traces: the EPC runs like the hand-drawn model ---------- */

/* What a person enters when completing the visit-th (1-based) task of a
** name; {} when the scenario says nothing. */
struct step { const char *task; int visit; const char *vars; };

static const char *vars_for(const step *s, const char *task, int visit) {
    for (; s && s->task; s++) if (strcmp(s->task, task) == 0 && s->visit == visit) return s->vars;
    return "{}";
}

/* Complete the client's open tasks one at a time (by name, for a fixed
** order among parallel ones) until none is left; the trace lists
** "name/role" of each, then the instance's state and outcome. */
static const char *run_client(const char *process, const char *client, const step *sc) {
    static char buf[4096];
    buf[0] = 0;
    int64_t inst = start(process, client, NULL);
    char seen[64][128];
    int visits[64] = {0}, nseen = 0;
    for (int guard = 0; guard < 60; guard++) {
        sdm_filter f = {.client = client};
        sdm_table *t = NULL;
        if (sdm_query(db, SDM_Q_TASKS, &f, &t, &err) != SDM_OK || t->nrow == 0) { sdm_table_free(t); break; }
        int best = 0, cn = col(t, "name"), cr = col(t, "role");
        for (int r = 1; r < t->nrow; r++)
            if (strcmp(t->cells[r * t->ncol + cn], t->cells[best * t->ncol + cn]) < 0) best = r;
        const char *name = t->cells[best * t->ncol + cn], *role = t->cells[best * t->ncol + cr];
        int k = 0;
        while (k < nseen && strcmp(seen[k], name) != 0) k++;
        if (k == nseen && nseen < 64) snprintf(seen[nseen++], sizeof seen[0], "%s", name);
        int visit = ++visits[k < 64 ? k : 63];
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s/%s; ", name, role ? role : "-");
        memset(&err, 0, sizeof err);
        int rc = sdm_complete(db, atoll(t->cells[best * t->ncol]), vars_for(sc, name, visit), &err);
        if (rc) fprintf(stderr, "  (complete %s: %s)\n", name, err.msg);
        CHECK_EQ_INT(rc, SDM_OK);
        sdm_table_free(t);
    }
    size_t n = strlen(buf);
    snprintf(buf + n, sizeof buf - n, "%s", inst_cell(inst, "state"));
    n = strlen(buf);
    snprintf(buf + n, sizeof buf - n, " %s", inst_cell(inst, "outcome"));
    return buf;
}

static const step not_interested[] = {{"Hold presentation", 1, "{\"interested\": false}"}, {0}};
static const step won[] = {
    {"Hold presentation", 1, "{\"interested\": true}"},
    {"Draft commercial offer", 1, "{\"discount\": 5}"},
    {"Approve terms (legal)", 1, "{\"legal_ok\": false}"},
    {"Approve price (finance)", 1, "{\"finance_ok\": true}"},
    {"Approve terms (legal)", 2, "{\"legal_ok\": true}"},
    {"Handle objections", 1, "{\"decision\": \"objection\"}"},
    {"Handle objections", 2, "{\"decision\": \"accept\"}"},
    {"Prepare and sign contract", 1, "{\"signed\": true}"},
    {0}};
static const step rejected[] = {
    {"Hold presentation", 1, "{\"interested\": true}"},
    {"Approve terms (legal)", 1, "{\"legal_ok\": true}"},
    {"Approve price (finance)", 1, "{\"finance_ok\": true}"},
    {"Handle objections", 1, "{\"decision\": \"reject\"}"},
    {0}};
static const step not_signed[] = {
    {"Hold presentation", 1, "{\"interested\": true}"},
    {"Approve terms (legal)", 1, "{\"legal_ok\": true}"},
    {"Approve price (finance)", 1, "{\"finance_ok\": true}"},
    {"Handle objections", 1, "{\"decision\": \"accept\"}"},
    {"Prepare and sign contract", 1, "{\"signed\": false}"},
    {0}};

static void traces(void) {
    sdm_table *t = NULL;
    T_CASE("2.0 both models deploy");
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(sdm_deploy(db, "models/deal-discussion.bpmn", &t, &err), SDM_OK);
    sdm_table_free(t);
    memset(&err, 0, sizeof err);
    int rc = sdm_deploy(db, "models/import/deal-discussion.epml", &t, &err);
    if (rc) fprintf(stderr, "  (deploy: %s)\n", err.msg);
    CHECK_EQ_INT(rc, SDM_OK);
    CHECK(!has_row(t, "warning", NULL, NULL));          /* the sample maps without compromise */
    sdm_table_free(t);
    static const struct { const char *name; const step *sc; const char *end; int tasks; } cases[] = {
        {"2.1 not interested", not_interested, "completed failure", 1},
        {"2.2 rework, objection, won", won, "completed success", 12},
        {"2.3 rejected", rejected, "completed failure", 7},
        {"2.4 not signed", not_signed, "completed failure", 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        T_CASE(cases[i].name);
        char c1[64], c2[64];
        snprintf(c1, sizeof c1, "bpmn-%zu", i);
        snprintf(c2, sizeof c2, "epc-%zu", i);
        char *a = strdup(run_client("deal-discussion", c1, cases[i].sc));
        const char *b = run_client("deal-discussion-epc", c2, cases[i].sc);
        CHECK_EQ_STR(b, a);
        CHECK_EQ_INT(count_str(a, "; "), cases[i].tasks);
        size_t la = strlen(a), le = strlen(cases[i].end);
        CHECK(la >= le && strcmp(a + la - le, cases[i].end) == 0);
        free(a);
    }
    T_CASE("2.5 the won trace runs the rework and objection loops and the script task");
    const char *w = run_client("deal-discussion-epc", "epc-won-again", won);
    CHECK_EQ_INT(count_str(w, "Draft commercial offer/closer"), 2);
    CHECK_EQ_INT(count_str(w, "Handle objections/closer"), 2);
    CHECK_EQ_INT(count_str(w, "Approve price (finance)/finance"), 2);
}

/* ---------- 3. the samples of each format, end to end ---------- */

static void samples(void) {
    sdm_table *t = NULL;
    T_CASE("3.1 EPML constructs: deploys, reports what it cannot map");
    memset(&err, 0, sizeof err);
    int rc = sdm_deploy(db, "models/import/order-constructs.epml", &t, &err);
    if (rc) fprintf(stderr, "  (deploy: %s)\n", err.msg);
    CHECK_EQ_INT(rc, SDM_OK);
    CHECK(has_row(t, "warning", "f_invoice", "configurable"));
    CHECK(has_row(t, "warning", "g_copies", "range connector"));
    CHECK(has_row(t, "warning", "c_follow_up_done", "OR join"));
    CHECK(has_row(t, "warning", "e_limit_checked", "AND split"));
    CHECK(has_row(t, "warning", "credit", "start_event"));
    sdm_table_free(t);
    T_CASE("3.2 EPML constructs: the mapping");
    char *x = import_text("models/import/order-constructs.epml", NULL);
    CHECK_CONTAINS(x, "<bpmn:callActivity id=\"pi_credit\" name=\"Credit check\" calledElement=\"credit-check\"");
    CHECK_CONTAINS(x, "<bpmn:endEvent id=\"e_rejected\" name=\"Order rejected\" sdm:outcome=\"failure\"");
    CHECK_CONTAINS(x, "<bpmn:exclusiveGateway id=\"c_close\" name=\"Anything open?\"");
    CHECK_CONTAINS(x, "<bpmn:exclusiveGateway id=\"c_close_split\"");
    CHECK_CONTAINS(x, "outcome == &quot;Order accepted&quot;");
    CHECK_CONTAINS(x, "sdm:role=\"sales-office\"");
    CHECK_CONTAINS(x, "Document (input): Order form - signed by the client");
    CHECK_CONTAINS(x, "<bpmn:sequenceFlow id=\"e_checked\" name=\"Order checked\" sourceRef=\"f_check\" targetRef=\"pi_credit\"");
    free(x);
    T_CASE("3.3 EPML constructs: a run through the call, the splits and the joins");
    static const step order[] = {
        {"Check order", 1, "{\"outcome\": \"Order accepted\"}"},
        {"Print delivery note", 1, "{\"outcome\": [\"Feedback wanted\", \"Upsell possible\"]}"},
        {"Offer accessories", 1, "{\"outcome\": \"Complaint open\"}"},
        {"Handle complaint", 1, "{\"outcome\": \"Order closed\"}"},
        {0}};
    CHECK_EQ_STR(run_client("order-handling", "o-1", order),
                 "Check order/sales-office; Check credit limit/finance; Notify sales/finance; "
                 "Update credit record/finance; Confirm order/sales-office; Send invoice/accounting; "
                 "Ship goods/warehouse; Print delivery note/warehouse; Ask for feedback/sales-office; "
                 "Offer accessories/sales-office; Handle complaint/sales-office; completed NULL");
    static const step reject[] = {{"Check order", 1, "{\"outcome\": \"Order rejected\"}"}, {0}};
    CHECK_EQ_STR(run_client("order-handling", "o-2", reject),
                 "Check order/sales-office; Check credit limit/finance; Notify sales/finance; "
                 "Update credit record/finance; completed failure");

    T_CASE("3.4 ARIS AML: lead qualification deploys and runs");
    memset(&err, 0, sizeof err);
    rc = sdm_deploy(db, "models/import/lead-qualification.aml", &t, &err);
    if (rc) fprintf(stderr, "  (deploy: %s)\n", err.msg);
    CHECK_EQ_INT(rc, SDM_OK);
    CHECK(has_row(t, "warning", "Model.org", "not imported"));
    CHECK(has_row(t, "warning", "ObjOcc.leads.r_next_join", "OR join"));
    sdm_table_free(t);
    x = import_text("models/import/lead-qualification.aml", NULL);
    CHECK_CONTAINS(x, "sdm:dueWorking=\"PT4H\"");
    CHECK_CONTAINS(x, "Record: category, outcome (&quot;Lead is a prospect&quot;, &quot;Not a prospect&quot;)");
    CHECK_CONTAINS(x, "Document (input): Lead card");
    CHECK_CONTAINS(x, "calledElement=\"lead-handover\"");
    CHECK_CONTAINS(x, "<bpmn:inclusiveGateway id=\"ObjOcc.leads.r_next\"");
    free(x);
    static const step lead[] = {
        {"Qualify lead", 1, "{\"outcome\": \"Lead is a prospect\"}"},
        {"Warm up lead", 1, "{\"outcome\": \"Meeting wanted\"}"},
        {0}};
    CHECK_EQ_STR(run_client("lead-qualification", "l-1", lead),
                 "Qualify lead/hunter; Brief closer/hunter; Warm up lead/call-centre; Book meeting/hunter; "
                 "Accept lead/closer; completed NULL");

    T_CASE("3.5 IDEF3: client onboarding deploys and runs through both diagrams");
    CHECK_EQ_INT(deploy_doc("<bpmn:process id=\"first-order\" isExecutable=\"true\"><bpmn:startEvent id=\"s1\"/>"
                            F("f1", "s1", "t1") "<bpmn:userTask id=\"t1\" name=\"Take first order\"/>"
                            F("f2", "t1", "e1") "<bpmn:endEvent id=\"e1\"/></bpmn:process>"
                            "<bpmn:process id=\"collections\" isExecutable=\"true\"><bpmn:startEvent id=\"s2\"/>"
                            F("f3", "s2", "e2") "<bpmn:endEvent id=\"e2\"/></bpmn:process>"), SDM_OK);
    memset(&err, 0, sizeof err);
    rc = sdm_deploy(db, "models/import/client-onboarding.idef3", &t, &err);
    if (rc) fprintf(stderr, "  (deploy: %s)\n", err.msg);
    CHECK_EQ_INT(rc, SDM_OK);
    CHECK(has_row(t, "warning", "J4", "synchronous"));
    CHECK(has_row(t, "warning", "L17", "relational link"));
    CHECK(has_row(t, "warning", "B3", "GOTO referent"));
    sdm_table_free(t);
    static const step onb[] = {
        {"Register client", 1, "{\"segment\": \"key\"}"},
        {"Hold kick-off call", 1, "{\"outcome\": \"Training\"}"},
        {0}};
    CHECK_EQ_STR(run_client("client-onboarding", "c-1", onb),
                 "Register client/sales-assistant; Assign key account manager/head-of-sales; "
                 "Hold kick-off call/account-manager; Open customer account/accounting; "
                 "Agree payment terms/accounting; Arrange training/account-manager; Take first order/-; completed NULL");
    /* an undefined name is an error (strict Lua): the first step records the segment */
    static const step regular[] = {{"Register client", 1, "{\"segment\": \"regular\"}"},
                                   {"Hold kick-off call", 1, "{\"outcome\": [\"Training\", \"Welcome pack\"]}"}, {0}};
    const char *r = run_client("client-onboarding", "c-2", regular);
    CHECK_CONTAINS(r, "Assign account manager/head-of-sales");
    CHECK_CONTAINS(r, "Send welcome pack/account-manager");
    CHECK_CONTAINS(r, "Arrange training/account-manager");
}

/* ---------- 4. broken and hostile input ---------- */

static int import_buf(const char *name, const char *text, sdm_table **warn) {
    char path[256];
    snprintf(path, sizeof path, "/tmp/sdm_import_%d_%s", (int)getpid(), name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    char *bpmn = NULL;
    size_t len = 0;
    memset(&err, 0, sizeof err);
    int rc = sdm_import(path, &bpmn, &len, warn, &err);
    free(bpmn);
    unlink(path);
    return rc;
}

#define EPML(body) "<epml:epml xmlns:epml=\"http://www.epml.de\"><epc epcId=\"1\" name=\"T\">" body "</epc></epml:epml>"

static void broken(void) {
    sdm_table *w = NULL;
    T_CASE("4.1 a cycle with no way in has no start");
    CHECK_EQ_INT(import_buf("cycle.epml", EPML("<function id=\"a\"><name>A</name></function>"
                 "<function id=\"b\"><name>B</name></function><arc id=\"x\"><flow source=\"a\" target=\"b\"/></arc>"
                 "<arc id=\"y\"><flow source=\"b\" target=\"a\"/></arc>"), &w), SDM_ERR_MODEL);
    CHECK_CONTAINS(err.msg, "has no start");
    CHECK_EQ_STR(err.element, "1");
    sdm_table_free(w); w = NULL;
    T_CASE("4.2 two elements with one id");
    CHECK_EQ_INT(import_buf("dup.epml", EPML("<event id=\"a\"/><function id=\"a\"/>"), &w), SDM_ERR_MODEL);
    CHECK_CONTAINS(err.msg, "used by two elements");
    CHECK(err.line > 0);
    sdm_table_free(w); w = NULL;
    T_CASE("4.3 an empty file of a known format");
    CHECK_EQ_INT(import_buf("empty.epml", "<epml xmlns=\"http://www.epml.de\"/>", &w), SDM_ERR_MODEL);
    CHECK_CONTAINS(err.msg, "no process");
    sdm_table_free(w); w = NULL;
    T_CASE("4.4 an unknown root element");
    CHECK_EQ_INT(import_buf("other.xml", "<model/>", &w), SDM_ERR_MODEL);
    CHECK_CONTAINS(err.msg, "root element is <model>");
    sdm_table_free(w); w = NULL;
    T_CASE("4.5 IDEF3 outside its namespace");
    CHECK_EQ_INT(import_buf("x.idef3", "<idef3><diagram id=\"d\"/></idef3>", &w), SDM_ERR_MODEL);
    CHECK_CONTAINS(err.msg, "urn:sdm:idef3:1");
    sdm_table_free(w); w = NULL;
    T_CASE("4.6 an IDEF3 link to nothing names the link");
    CHECK_EQ_INT(import_buf("y.idef3", "<idef3 xmlns=\"urn:sdm:idef3:1\"><diagram id=\"d\"><uob id=\"A\" name=\"A\"/>"
                 "<link id=\"L9\" from=\"A\" to=\"B\"/></diagram></idef3>", &w), SDM_ERR_MODEL);
    CHECK_EQ_STR(err.element, "L9");
    sdm_table_free(w); w = NULL;
    T_CASE("4.7 a DOCTYPE is still refused outside ARIS exports");
    CHECK_EQ_INT(import_buf("dt.epml", "<!DOCTYPE epml [<!ENTITY a \"b\">]><epml/>", &w), SDM_ERR_XML);
    sdm_table_free(w); w = NULL;
    T_CASE("4.8 an ARIS DOCTYPE with anything but plain-text entities is refused");
    CHECK_EQ_INT(import_buf("ext.aml", "<!DOCTYPE AML SYSTEM \"x.dtd\" [<!ENTITY a SYSTEM \"file:///etc/passwd\">]>"
                 "<AML>&a;</AML>", &w), SDM_ERR_XML);
    sdm_table_free(w); w = NULL;
    CHECK_EQ_INT(import_buf("nest.aml", "<!DOCTYPE AML [<!ENTITY a \"&b;&b;\"><!ENTITY b \"x\">]><AML/>", &w), SDM_ERR_XML);
    sdm_table_free(w); w = NULL;
    CHECK_EQ_INT(import_buf("pe.aml", "<!DOCTYPE AML [<!ENTITY % p \"x\">]><AML/>", &w), SDM_ERR_XML);
    sdm_table_free(w); w = NULL;
    T_CASE("4.9 plain-text ARIS entities expand");
    CHECK_EQ_INT(import_buf("ok.aml", "<!DOCTYPE AML SYSTEM \"ARIS-Export.dtd\" [\n<!ENTITY L \"1033\">\n]>\n"
                 "<AML><Group><ObjDef ObjDef.ID=\"o1\" TypeNum=\"OT_FUNC\"><AttrDef AttrDef.Type=\"AT_NAME\">"
                 "<AttrValue LocaleId=\"&L;\">Call &amp; note</AttrValue></AttrDef></ObjDef>"
                 "<Model Model.ID=\"m1\" Model.Type=\"MT_EEPC\"><ObjOcc ObjOcc.ID=\"oc1\" ObjDef.IdRef=\"o1\"/></Model>"
                 "</Group></AML>", &w), SDM_OK);
    sdm_table_free(w); w = NULL;
    T_CASE("4.11 start events that are all the inputs of an AND join become one start event");
    CHECK_EQ_INT(import_buf("and.epml", EPML("<event id=\"s1\"><name>Contract signed</name></event>"
                 "<event id=\"s2\"><name>Payment received</name></event><and id=\"j\"/>"
                 "<function id=\"f\"><name>Start delivery</name></function>"
                 "<arc id=\"a1\"><flow source=\"s1\" target=\"j\"/></arc><arc id=\"a2\"><flow source=\"s2\" target=\"j\"/></arc>"
                 "<arc id=\"a3\"><flow source=\"j\" target=\"f\"/></arc>"), &w), SDM_OK);
    CHECK_EQ_INT(w ? w->nrow : -1, 0);
    sdm_table_free(w); w = NULL;
    T_CASE("4.10 an unknown sdm attribute is reported, not written");
    CHECK_EQ_INT(import_buf("attr.epml", EPML("<event id=\"s\"/><function id=\"f\"><name>F</name>"
                 "<attribute typeRef=\"sdm:colour\" value=\"red\"/></function>"
                 "<arc id=\"a\"><flow source=\"s\" target=\"f\"/></arc>"), &w), SDM_OK);
    CHECK(has_row(w, "warning", "f", "sdm:colour"));
    sdm_table_free(w); w = NULL;
}

int main(void) {
    sdm_config cfg = {.scripts_dir = "scripts", .actor = "tester", .now = 1764669600000LL};
    if (sdm_open(&db, ":memory:", &cfg, &err) != SDM_OK) { fprintf(stderr, "open: %s\n", err.msg); return 1; }
    corpus();
    corpus_details();
    traces();
    samples();
    broken();
    sdm_close(db);
    return t_done();
}
