/*
** people_fixture.h — what test_org.c and test_report.c share: the three-tier
** sales model, the organisation file and the helpers that drive them. The
** including file defines `static char dir[]` (its temp directory template)
** before including this.
*/
#ifndef SDM_PEOPLE_FIXTURE_H
#define SDM_PEOPLE_FIXTURE_H

/* call centre → (key? kam : closer) → service desk (round robin). */
static const char sales_bpmn[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:sdm=\"urn:sdm:bpmn:1\" id=\"d\" targetNamespace=\"x\">\n"
"<bpmn:process id=\"sales\" name=\"Sales\" isExecutable=\"true\">\n"
" <bpmn:laneSet id=\"ls\">\n"
"  <bpmn:lane id=\"l1\" name=\"call-centre\"><bpmn:flowNodeRef>qualify</bpmn:flowNodeRef></bpmn:lane>\n"
"  <bpmn:lane id=\"l2\" name=\"closer\"><bpmn:flowNodeRef>sell</bpmn:flowNodeRef></bpmn:lane>\n"
"  <bpmn:lane id=\"l3\" name=\"key-account\"><bpmn:flowNodeRef>kam</bpmn:flowNodeRef></bpmn:lane>\n"
"  <bpmn:lane id=\"l4\" name=\"service-desk\"><bpmn:flowNodeRef>serve</bpmn:flowNodeRef></bpmn:lane>\n"
" </bpmn:laneSet>\n"
" <bpmn:startEvent id=\"start\"/>\n"
" <bpmn:sequenceFlow id=\"f1\" sourceRef=\"start\" targetRef=\"qualify\"/>\n"
" <bpmn:userTask id=\"qualify\" name=\"Qualify the lead\" sdm:stage=\"Lead\" sdm:due=\"PT4H\">\n"
"  <bpmn:documentation>Call the client. Ask about budget.</bpmn:documentation></bpmn:userTask>\n"
" <bpmn:sequenceFlow id=\"f2\" sourceRef=\"qualify\" targetRef=\"g1\"/>\n"
" <bpmn:exclusiveGateway id=\"g1\" default=\"f3\"/>\n"
" <bpmn:sequenceFlow id=\"f3\" sourceRef=\"g1\" targetRef=\"g2\"/>\n"
" <bpmn:sequenceFlow id=\"f4\" sourceRef=\"g1\" targetRef=\"lost\"><bpmn:conditionExpression>var(\"interested\") == false</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
" <bpmn:exclusiveGateway id=\"g2\" default=\"f5\"/>\n"
" <bpmn:sequenceFlow id=\"f5\" sourceRef=\"g2\" targetRef=\"sell\"/>\n"
" <bpmn:sequenceFlow id=\"f6\" sourceRef=\"g2\" targetRef=\"kam\"><bpmn:conditionExpression>var(\"segment\") == \"key\"</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
" <bpmn:userTask id=\"sell\" name=\"Close the deal\" sdm:stage=\"Deal\" sdm:due=\"P1D\"/>\n"
" <bpmn:userTask id=\"kam\" name=\"Key account meeting\" sdm:stage=\"Deal\" sdm:due=\"P2D\"/>\n"
" <bpmn:sequenceFlow id=\"f7\" sourceRef=\"sell\" targetRef=\"serve\"/>\n"
" <bpmn:sequenceFlow id=\"f8\" sourceRef=\"kam\" targetRef=\"serve\"/>\n"
" <bpmn:userTask id=\"serve\" name=\"Onboard\" sdm:stage=\"Service\" sdm:assign=\"round-robin\" sdm:due=\"P3D\"/>\n"
" <bpmn:sequenceFlow id=\"f9\" sourceRef=\"serve\" targetRef=\"won\"/>\n"
" <bpmn:endEvent id=\"won\" sdm:outcome=\"success\"/>\n"
" <bpmn:endEvent id=\"lost\" sdm:outcome=\"failure\"/>\n"
"</bpmn:process>\n"
"<bpmn:process id=\"pool\" isExecutable=\"true\">\n"
" <bpmn:laneSet id=\"ls2\"><bpmn:lane id=\"p1\" name=\"closer\"><bpmn:flowNodeRef>work</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>\n"
" <bpmn:startEvent id=\"s2\"/><bpmn:sequenceFlow id=\"q1\" sourceRef=\"s2\" targetRef=\"work\"/>\n"
" <bpmn:userTask id=\"work\" sdm:assign=\"least-open\"/><bpmn:sequenceFlow id=\"q2\" sourceRef=\"work\" targetRef=\"e2\"/>\n"
" <bpmn:endEvent id=\"e2\"/>\n"
"</bpmn:process>\n"
"</bpmn:definitions>\n";

static const char org_file[] =
"# the sales department\n"
"user olga   \"Olga Ivanova\" olga@example.com roles=head\n"
"user ivan   roles=call-centre head=olga\n"
"user irina  roles=call-centre head=olga   # a comment\n"
"\n"
"user marina \"Marina Petrova\" roles=closer head=olga\n"
"user max    roles=closer head=olga\n"
"user kate   roles=key-account head=olga\n"
"user sam    roles=service-desk head=olga\n"
"user sue    roles=service-desk head=olga\n";

static sdm_err err;

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static sdm *open_db(const char *name) {
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    sdm_config cfg = {.actor = "tester", .now = 1772442000000LL, .open_mode = SDM_OPEN_CREATE,
                      .time_zone = "UTC"};   /* 2026-03-02T09:00Z, Monday */
    sdm *db = NULL;
    CHECK_EQ_INT(sdm_open(&db, path, &cfg, &err), SDM_OK);
    return db;
}

static int load_org(sdm *db, const char *text) {
    char path[300];
    snprintf(path, sizeof path, "%s/org.txt", dir);
    write_file(path, text);
    sdm_table *t = NULL;
    memset(&err, 0, sizeof err);
    int rc = sdm_org_load(db, path, &t, &err);
    sdm_table_free(t);
    return rc;
}

/* The value of column `col` in the row whose first cell is `key`. */
static char value_buf[512];
static const char *cell(const sdm_table *t, const char *key, const char *col) {
    for (int r = 0; t && r < t->nrow; r++) {
        if (!t->cells[r * t->ncol] || strcmp(t->cells[r * t->ncol], key) != 0) continue;
        for (int c = 0; c < t->ncol; c++)
            if (strcmp(t->cols[c], col) == 0) {
                snprintf(value_buf, sizeof value_buf, "%s", t->cells[r * t->ncol + c] ? t->cells[r * t->ncol + c] : "(null)");
                return value_buf;
            }
    }
    return "(no row)";
}
/* Start `proc` for `client`; the test fails when the start does. */
__attribute__((unused)) static int64_t start(sdm *db, const char *proc, const char *client, const char *vars) {
    int64_t id = 0;
    int rc = sdm_start(db, proc, client, vars, &id, &err);
    if (rc) fprintf(stderr, "  start %s: %s\n", client, err.msg);
    CHECK_EQ_INT(rc, SDM_OK);
    return id;
}

/* One field of a client's card, "(error)" when there is no such client. */
__attribute__((unused)) static const char *client_field(sdm *db, const char *client, const char *col) {
    sdm_table *t = NULL;
    if (sdm_client_card(db, client, &t, &err)) return "(error)";
    const char *v = cell(t, client, col);
    sdm_table_free(t);
    return v;
}

__attribute__((unused)) static int count_rows(sdm_table *t) { int n = t ? t->nrow : -1; sdm_table_free(t); return n; }
#endif
