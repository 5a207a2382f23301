/*
** test_form.c — a user task's form (engine/form.c, model.c's compile_form)
** through the public API: fields compiled from sdm:field and
** camunda:formField, shown by sdm_task_info, checked again by sdm_complete
** and sdm_complete_batch. Bad input is an error on the field and leaves the
** task open, never an incident.
*/
#include <unistd.h>
#include "sdm.h"
#include "t.h"

static char dir[] = "/tmp/sdm_form_XXXXXX";
static sdm_err err;

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
    "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:sdm=\"urn:sdm:bpmn:1\"" \
    " xmlns:camunda=\"http://camunda.org/schema/1.0/bpmn\" id=\"d\" targetNamespace=\"x\">\n" \
    "<bpmn:process id=\"deal\" isExecutable=\"true\">\n"
#define TAIL "</bpmn:process></bpmn:definitions>\n"

static const char deal_bpmn[] = HEAD
    " <bpmn:startEvent id=\"s\"/><bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"offer\"/>\n"
    " <bpmn:userTask id=\"offer\" name=\"Offer\"><bpmn:extensionElements>\n"
    "  <camunda:formData>\n"
    "   <camunda:formField id=\"amount\" label=\"Сумма\" type=\"long\"><camunda:validation>\n"
    "    <camunda:constraint name=\"required\"/><camunda:constraint name=\"min\" config=\"0\"/>\n"
    "    <camunda:constraint name=\"max\" config=\"100000000\"/></camunda:validation></camunda:formField>\n"
    "   <camunda:formField id=\"product\" label=\"Продукт\" type=\"enum\">\n"
    "    <camunda:value id=\"crm\" name=\"CRM\"/><camunda:value id=\"erp\" name=\"ERP\"/></camunda:formField>\n"
    "  </camunda:formData>\n"
    "  <sdm:form><sdm:field name=\"meeting\" label=\"Встреча\" type=\"date\"/>\n"
    "  <sdm:field name=\"agreed\" label=\"Согласен\" type=\"boolean\" required=\"true\"/></sdm:form>\n"
    "  <sdm:field name=\"note\" type=\"text\" max=\"10\"/>\n"
    " </bpmn:extensionElements></bpmn:userTask>\n"
    " <bpmn:sequenceFlow id=\"f2\" sourceRef=\"offer\" targetRef=\"g\"/>\n"
    " <bpmn:exclusiveGateway id=\"g\" default=\"f4\"/>\n"
    " <bpmn:sequenceFlow id=\"f3\" sourceRef=\"g\" targetRef=\"big\"><bpmn:conditionExpression>amount &gt;= 1000000"
    "</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
    " <bpmn:sequenceFlow id=\"f4\" sourceRef=\"g\" targetRef=\"small\"/>\n"
    " <bpmn:userTask id=\"big\" name=\"Big deal\"/><bpmn:userTask id=\"small\" name=\"Small deal\"/>\n"
    " <bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"small\" targetRef=\"end\"/>\n"
    TAIL;

static sdm *db;

static int64_t start(const char *client) {
    int64_t inst = 0;
    CHECK_EQ_INT(sdm_start(db, "deal", client, NULL, &inst, &err), SDM_OK);
    return inst;
}

/* The one open task of an instance, and its node. */
static int64_t open_task(int64_t inst, char *node, size_t n) {
    sdm_table *t = NULL;
    sdm_filter f = {.id = inst};
    int64_t id = 0;
    if (node) node[0] = 0;
    if (sdm_query(db, SDM_Q_TASKS, &f, &t, &err) == SDM_OK && t->nrow == 1) {
        for (int c = 0; c < t->ncol; c++) {
            if (strcmp(t->cols[c], "id") == 0) id = strtoll(t->cells[c], NULL, 10);
            if (node && strcmp(t->cols[c], "node") == 0) snprintf(node, n, "%s", t->cells[c]);
        }
    }
    sdm_table_free(t);
    return id;
}

static int count(sdm_query_kind q, int64_t inst) {
    sdm_table *t = NULL;
    sdm_filter f = {.id = inst};
    int n = sdm_query(db, q, &f, &t, &err) == SDM_OK ? t->nrow : -1;
    sdm_table_free(t);
    return n;
}

static const char *var(int64_t inst, const char *name) {
    static char buf[256];
    sdm_table *t = NULL;
    sdm_filter f = {.id = inst};
    snprintf(buf, sizeof buf, "(none)");
    if (sdm_query(db, SDM_Q_VARIABLES, &f, &t, &err) == SDM_OK)
        for (int r = 0; r < t->nrow; r++)
            for (int c = 0; c < t->ncol; c++)
                if (strcmp(t->cols[c], "name") == 0 && strcmp(t->cells[r * t->ncol + c], name) == 0)
                    for (int v = 0; v < t->ncol; v++)
                        if (strcmp(t->cols[v], "value") == 0) snprintf(buf, sizeof buf, "%s", t->cells[r * t->ncol + v]);
    sdm_table_free(t);
    return buf;
}

static int deploy(const char *xml, sdm_table **out) {
    memset(&err, 0, sizeof err);
    return sdm_deploy_xml(db, "deal.bpmn", xml, strlen(xml), out, &err);
}

/* A completion refused on `field`, leaving the task open and no incident. */
static void refused(int64_t inst, int64_t task, const char *vars, const char *field, const char *says) {
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(sdm_complete(db, task, vars, &err), SDM_ERR_MISUSE);
    CHECK_EQ_STR(err.element, field);
    CHECK_CONTAINS(err.msg, says);
    CHECK_EQ_INT(open_task(inst, NULL, 0), task);
    CHECK_EQ_INT(count(SDM_Q_INCIDENTS, inst), 0);
}

int main(void) {
    if (!mkdtemp(dir)) return 2;
    char path[300];
    snprintf(path, sizeof path, "%s/form.db", dir);
    sdm_config cfg = {.actor = "tester", .now = 1772442000000LL, .open_mode = SDM_OPEN_CREATE, .time_zone = "UTC"};
    CHECK_EQ_INT(sdm_open(&db, path, &cfg, &err), SDM_OK);
    sdm_table *t = NULL;

    T_CASE("1.1 a form compiles from camunda:formField and sdm:field");
    CHECK_EQ_INT(deploy(deal_bpmn, &t), SDM_OK);
    sdm_table_free(t);

    T_CASE("1.2 an unknown type, an enum without choices, two of a name: refused; a form on a script task: a warning");
    static const char bad_bpmn[] = HEAD
        " <bpmn:startEvent id=\"s\"/><bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"a\"/>\n"
        " <bpmn:userTask id=\"a\"><bpmn:extensionElements><sdm:field name=\"x\" type=\"money2\"/>"
        "<sdm:field name=\"y\" type=\"enum\"/><sdm:field name=\"y\" min=\"a\"/></bpmn:extensionElements></bpmn:userTask>\n"
        " <bpmn:sequenceFlow id=\"f2\" sourceRef=\"a\" targetRef=\"b\"/>\n"
        " <bpmn:scriptTask id=\"b\" scriptFormat=\"lua\"><bpmn:extensionElements><sdm:field name=\"z\"/>"
        "</bpmn:extensionElements><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>\n"
        " <bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"b\" targetRef=\"end\"/>\n"
        TAIL;
    CHECK_EQ_INT(deploy(bad_bpmn, &t), SDM_ERR_MODEL);
    char all[4096] = "";
    for (int r = 0; t && r < t->nrow; r++)
        for (int c = 0; c < t->ncol; c++)
            if (strcmp(t->cols[c], "message") == 0 && t->cells[r * t->ncol + c])
                strncat(all, t->cells[r * t->ncol + c], sizeof all - strlen(all) - 2);
    CHECK_CONTAINS(all, "type 'money2'");
    CHECK_CONTAINS(all, "enum field 'y' of 'a' has no choices");
    CHECK_CONTAINS(all, "two form fields named 'y'");
    CHECK_CONTAINS(all, "min and max must be numbers");
    CHECK_CONTAINS(all, "scriptTask 'b' has form fields; only a userTask asks for them, so they are ignored");
    sdm_table_free(t);

    T_CASE("1.3 a Camunda start form deploys with a warning");
    static const char start_form[] = HEAD
        " <bpmn:startEvent id=\"s\"><bpmn:extensionElements><camunda:formData><camunda:formField id=\"x\"/>"
        "</camunda:formData></bpmn:extensionElements></bpmn:startEvent>\n"
        " <bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>\n"
        TAIL;
    char *other = strdup(start_form);
    memcpy(strstr(other, "\"deal\""), "\"dea2\"", 6);    /* another process, so deal stays as it is */
    CHECK_EQ_INT(deploy(other, &t), SDM_OK);
    int warned = 0;
    for (int r = 0; t && r < t->nrow; r++)
        for (int c = 0; c < t->ncol; c++)
            if (strcmp(t->cols[c], "message") == 0 && t->cells[r * t->ncol + c] &&
                strstr(t->cells[r * t->ncol + c], "startEvent 's' has form fields")) warned = 1;
    CHECK(warned);
    sdm_table_free(t);
    free(other);

    T_CASE("2.1 the task shows its fields");
    int64_t inst = start("acme");
    int64_t task = open_task(inst, NULL, 0);
    CHECK(task > 0);
    CHECK_EQ_INT(sdm_task_info(db, task, &t, &err), SDM_OK);
    const char *fields = NULL;
    for (int c = 0; t && c < t->ncol; c++) if (strcmp(t->cols[c], "fields") == 0) fields = t->cells[c];
    CHECK_CONTAINS(fields, "\"name\":\"amount\",\"label\":\"Сумма\",\"type\":\"long\",\"required\":true");
    CHECK_CONTAINS(fields, "{\"id\":\"crm\",\"label\":\"CRM\"}");
    CHECK_CONTAINS(fields, "\"max\":10");
    CHECK_CONTAINS(fields, "{\"name\":\"meeting\",\"label\":\"Встреча\",\"type\":\"date\",\"required\":false}");
    sdm_table_free(t);

    T_CASE("2.2 digits with spaces are not a whole number: an error on the field, the task stays open");
    refused(inst, task, "{\"amount\":\"1 200 000\",\"agreed\":true}", "amount", "'1 200 000' is not a whole number");
    T_CASE("2.3 a required field missing");
    refused(inst, task, "{\"agreed\":true}", "amount", "a value is required");
    refused(inst, task, "{\"amount\":5,\"agreed\":\"  \"}", "agreed", "a value is required");
    T_CASE("2.4 out of range, a fraction, a wrong choice, a bad date, a wrong boolean, too long");
    refused(inst, task, "{\"amount\":-1,\"agreed\":true}", "amount", "outside 0..1e+08");
    refused(inst, task, "{\"amount\":1.5,\"agreed\":true}", "amount", "not a whole number");
    refused(inst, task, "{\"amount\":1,\"agreed\":true,\"product\":\"sap\"}", "product", "not one of the choices");
    refused(inst, task, "{\"amount\":1,\"agreed\":true,\"meeting\":\"2026-02-30\"}", "meeting", "not a date");
    refused(inst, task, "{\"amount\":1,\"agreed\":\"yes\"}", "agreed", "not true or false");
    refused(inst, task, "{\"amount\":1,\"agreed\":true,\"note\":\"одиннадцать\"}", "note", "wrong length");
    refused(inst, task, "{\"amount\":1,\"agreed\":true,\"product\":7}", "product", "where text is expected");

    T_CASE("2.5 a digit string becomes a number; the gateway reads it; empty optional fields are dropped");
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(sdm_complete(db, task, "{\"amount\":\" 1200000 \",\"agreed\":\"true\",\"product\":\"crm\","
                                       "\"meeting\":\"2026-12-02\",\"note\":\"десять букв\",\"other\":\"kept\"}", &err),
                 SDM_ERR_MISUSE);          /* 11 characters: still one too many */
    CHECK_EQ_INT(sdm_complete(db, task, "{\"amount\":\" 1200000 \",\"agreed\":\"true\",\"product\":\"crm\","
                                       "\"meeting\":\"2026-12-02\",\"note\":\"\",\"other\":\"kept\"}", &err), SDM_OK);
    char node[64];
    CHECK(open_task(inst, node, sizeof node) > 0);
    CHECK_EQ_STR(node, "big");
    CHECK_EQ_STR(var(inst, "amount"), "1200000");
    CHECK_EQ_STR(var(inst, "agreed"), "true");
    CHECK_EQ_STR(var(inst, "other"), "\"kept\"");
    CHECK_EQ_STR(var(inst, "note"), "(none)");

    T_CASE("2.6 a required field the instance already holds needs no new value");
    int64_t inst2 = 0;
    CHECK_EQ_INT(sdm_start(db, "deal", "beta", "{\"amount\":10,\"agreed\":false}", &inst2, &err), SDM_OK);
    CHECK_EQ_INT(sdm_complete(db, open_task(inst2, NULL, 0), NULL, &err), SDM_OK);
    CHECK(open_task(inst2, node, sizeof node) > 0);
    CHECK_EQ_STR(node, "small");

    T_CASE("3.1 group commit: a refused task keeps its field error, the other completes");
    int64_t i3 = start("c3"), i4 = start("c4");
    int64_t tasks[2] = {open_task(i3, NULL, 0), open_task(i4, NULL, 0)};
    const char *vars[2] = {"{\"amount\":\"много\",\"agreed\":true}", "{\"amount\":3,\"agreed\":true}"};
    int rcs[2];
    sdm_err errs[2];
    CHECK_EQ_INT(sdm_complete_batch(db, 2, tasks, NULL, vars, rcs, errs, &err), SDM_OK);
    CHECK_EQ_INT(rcs[0], SDM_ERR_MISUSE);
    CHECK_EQ_STR(errs[0].element, "amount");
    CHECK_EQ_INT(rcs[1], SDM_OK);
    CHECK_EQ_INT(open_task(i3, NULL, 0), tasks[0]);
    CHECK_EQ_INT(count(SDM_Q_INCIDENTS, i3), 0);

    sdm_close(db);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) {}
    return t_done();
}
