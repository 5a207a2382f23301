/*
** test_dialect.c — what editors write (engine/dialect.c, model.c's
** attribute reading), drawn-but-not-executable models and lint
** (deploy.c), and the rule ids constraints.c names, through the public API
** on a database in memory.
*/
#include "sdm.h"
#include "t.h"
#include "deploy_rows.h"

static sdm_err err;
static sdm *db;

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
    "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:sdm=\"urn:sdm:bpmn:1\"" \
    " xmlns:camunda=\"http://camunda.org/schema/1.0/bpmn\" xmlns:zeebe=\"http://camunda.org/schema/zeebe/1.0\"" \
    " id=\"d\" targetNamespace=\"x\"%s>\n"
#define PROC(id, exe) "<bpmn:process id=\"" id "\" isExecutable=\"" exe "\">\n"
#define TAIL "</bpmn:process></bpmn:definitions>\n"
#define SE "<bpmn:startEvent id=\"s\"/><bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"a\"/>\n"
#define END "<bpmn:endEvent id=\"e\"/>\n"

/* Deploys body (after HEAD, with extra attributes on definitions) and
** keeps every error and warning in `text`. */
static int deploy(const char *defs_attrs, const char *body) {
    return deploy_rows(db, "dialect.bpmn", HEAD, defs_attrs, body, &err);
}

/* A process p with one exclusive choice whose flow f2 has `cond`. */
static int with_condition(const char *cond) {
    char body[4000];
    snprintf(body, sizeof body, PROC("p", "true") SE
             "<bpmn:exclusiveGateway id=\"a\" name=\"Сумма большая?\" default=\"f3\"/>\n"
             "<bpmn:sequenceFlow id=\"f2\" name=\"да\" sourceRef=\"a\" targetRef=\"e\"><bpmn:conditionExpression>%s"
             "</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
             "<bpmn:sequenceFlow id=\"f3\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL, cond);
    return deploy(NULL, body);
}

static void conditions(void) {
    T_CASE("1.1 FEEL condition: named, with the Lua form");
    CHECK_EQ_INT(with_condition("=amount &gt; 5"), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "is FEEL");
    CHECK_CONTAINS(text, "(e.g. amount > 5)");
    T_CASE("1.2 JUEL ${} and #{}");
    CHECK_EQ_INT(with_condition("${amount &gt; 5 &amp;&amp; ok}"), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "is JUEL");
    CHECK_EQ_INT(with_condition("#{ok}"), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "is JUEL");
    T_CASE("1.3 Python");
    CHECK_EQ_INT(with_condition("ok == True"), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "looks like Python");
    CHECK_EQ_INT(with_condition("x is not None"), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "looks like Python");
    T_CASE("1.4 a Cyrillic name: how to read it, word kept whole");
    CHECK_EQ_INT(with_condition("сумма &gt; 5"), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "var(\"сумма\")");
    T_CASE("1.5 a Cyrillic string in Lua is fine");
    CHECK_EQ_INT(with_condition("region == \"север\""), SDM_OK);
    T_CASE("1.6 the element's name beside its id");
    CHECK_EQ_INT(with_condition("=x"), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "'f2' (\"да\")");
}

static void timers(void) {
    static const char *const ok[] = {"\"PT1S\"", "'PT2M'", "\"PT\" .. 3 .. \"S\"", "PT1H", "=\"PT1S\""};
    char body[2000];
    for (int i = 0; i < 5; i++) {
        T_CASE("2.1 a timer as a quoted literal or a Lua expression deploys");
        snprintf(body, sizeof body, PROC("t%d", "true") SE "<bpmn:intermediateCatchEvent id=\"a\"><bpmn:timerEventDefinition>"
                 "<bpmn:timeDuration>%s</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
                 "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL, i, ok[i]);
        CHECK_EQ_INT(deploy(NULL, body), SDM_OK);
    }
    T_CASE("2.2 a Lua timer runs: the token waits for a job");
    int64_t inst = 0;
    CHECK_EQ_INT(sdm_start(db, "t2", "c-timer", NULL, &inst, &err), SDM_OK);
    sdm_table *jobs = NULL;
    sdm_filter f = {.id = inst};
    CHECK_EQ_INT(sdm_query(db, SDM_Q_JOBS, &f, &jobs, &err), SDM_OK);
    CHECK_EQ_INT(jobs ? jobs->nrow : -1, 1);
    sdm_table_free(jobs);
    T_CASE("2.3 a word that is no ISO value is still refused, naming the rule");
    snprintf(body, sizeof body, PROC("tbad", "true") SE "<bpmn:intermediateCatchEvent id=\"a\"><bpmn:timerEventDefinition>"
             "<bpmn:timeDuration>INVALID</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
             "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL);
    CHECK_EQ_INT(deploy(NULL, body), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "[EXT.134]");
}

static void checkpoints(void) {
    T_CASE("3.1 on= with a Cyrillic word: the word whole in the error");
    CHECK_EQ_INT(deploy(NULL, PROC("cp", "true") SE "<bpmn:userTask id=\"a\"><bpmn:extensionElements>"
                        "<sdm:checkpoint on=\"enter  длинноеслово\">x = 1</sdm:checkpoint></bpmn:extensionElements>"
                        "</bpmn:userTask><bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL),
                 SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "'длинноеслово' is not enter, leave or due");
    T_CASE("3.2 on= with commas");
    CHECK_EQ_INT(deploy(NULL, PROC("cp2", "true") SE "<bpmn:userTask id=\"a\"><bpmn:extensionElements>"
                        "<sdm:checkpoint on=\"enter,leave\">x = 1</sdm:checkpoint></bpmn:extensionElements>"
                        "</bpmn:userTask><bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL),
                 SDM_OK);
}

/* The one open task of an instance: its column `col`, copied. */
static void task_cell(int64_t inst, const char *col, char *out, size_t n) {
    sdm_table *t = NULL;
    sdm_filter f = {.id = inst};
    out[0] = 0;
    if (sdm_query(db, SDM_Q_TASKS, &f, &t, &err) == SDM_OK && t->nrow == 1)
        for (int c = 0; c < t->ncol; c++)
            if (strcmp(t->cols[c], col) == 0 && t->cells[c]) snprintf(out, n, "%s", t->cells[c]);
    sdm_table_free(t);
}

static void camunda(void) {
    char v[100];
    int64_t inst = 0;
    T_CASE("4.1 camunda:dueDate, candidateGroups, candidateUsers are read; formKey is warned about");
    CHECK_EQ_INT(deploy(NULL, PROC("c7", "true") SE "<bpmn:userTask id=\"a\" name=\"Позвонить\" camunda:dueDate=\"P2D\" "
                        "camunda:candidateGroups=\"sales\" camunda:candidateUsers=\"ivan\" camunda:formKey=\"embedded:x\"/>"
                        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL), SDM_OK);
    CHECK_CONTAINS(text, "camunda:formKey=\"embedded:x\" is an execution attribute sdm does not read");
    CHECK_EQ_INT(sdm_start(db, "c7", "c-1", NULL, &inst, &err), SDM_OK);
    task_cell(inst, "role", v, sizeof v);
    CHECK_EQ_STR(v, "sales");
    task_cell(inst, "assignee", v, sizeof v);
    CHECK_EQ_STR(v, "ivan");
    task_cell(inst, "due_at", v, sizeof v);
    CHECK(v[0] != 0);
    T_CASE("4.2 zeebe:taskSchedule (a date-time), assignmentDefinition, calledElement");
    CHECK_EQ_INT(deploy(NULL, PROC("c8", "true") SE "<bpmn:userTask id=\"a\"><bpmn:extensionElements>"
                        "<zeebe:taskSchedule dueDate=\"2030-01-01T10:00:00Z\"/>"
                        "<zeebe:assignmentDefinition assignee=\"olga\" candidateGroups=\"heads\"/>"
                        "<zeebe:ioMapping/></bpmn:extensionElements></bpmn:userTask>"
                        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL), SDM_OK);
    CHECK_CONTAINS(text, "<zeebe:ioMapping> is an execution setting sdm does not read");
    CHECK_EQ_INT(sdm_start(db, "c8", "c-2", NULL, &inst, &err), SDM_OK);
    task_cell(inst, "assignee", v, sizeof v);
    CHECK_EQ_STR(v, "olga");
    task_cell(inst, "role", v, sizeof v);
    CHECK_EQ_STR(v, "heads");
    task_cell(inst, "due_at", v, sizeof v);
    CHECK_EQ_STR(v, "1893492000000");          /* 2030-01-01T10:00:00Z */
    CHECK_EQ_INT(deploy(NULL, PROC("caller", "true") SE "<bpmn:callActivity id=\"a\"><bpmn:extensionElements>"
                        "<zeebe:calledElement processId=\"c8\"/></bpmn:extensionElements></bpmn:callActivity>"
                        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL), SDM_OK);
    CHECK_EQ_INT(sdm_start(db, "caller", "c-3", NULL, &inst, &err), SDM_OK);
    sdm_table *t = NULL;
    sdm_filter f = {.client = "c-3", .process = "c8"};
    CHECK_EQ_INT(sdm_query(db, SDM_Q_INSTANCES, &f, &t, &err), SDM_OK);
    CHECK_EQ_INT(t ? t->nrow : -1, 1);
    sdm_table_free(t);
    T_CASE("4.3 a FEEL processId is refused");
    CHECK_EQ_INT(deploy(NULL, PROC("caller2", "true") SE "<bpmn:callActivity id=\"a\"><bpmn:extensionElements>"
                        "<zeebe:calledElement processId=\"=target\"/></bpmn:extensionElements></bpmn:callActivity>"
                        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "is FEEL");
}

static void documentation(void) {
    int64_t inst = 0;
    T_CASE("5.1 isExecutable=false deploys as a documentation model: what only running needs is a warning");
    CHECK_EQ_INT(deploy(NULL, PROC("drawn", "false") SE "<bpmn:serviceTask id=\"a\" name=\"Выставить счёт\"/>"
                        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL), SDM_OK);
    CHECK_CONTAINS(text, "documentation model");
    CHECK_CONTAINS(text, "warning: serviceTask 'a' (\"Выставить счёт\") has no sdm:handler");
    T_CASE("5.2 it cannot be started, and says why");
    CHECK_EQ_INT(sdm_start(db, "drawn", "c-4", NULL, &inst, &err), SDM_ERR_STATE);
    CHECK_CONTAINS(err.msg, "documentation model");
    T_CASE("5.3 a spec rule is still reported, as a warning on a drawing");
    CHECK_EQ_INT(deploy(NULL, PROC("drawn2", "false") "<bpmn:startEvent id=\"s\"/><bpmn:parallelGateway id=\"a\""
                        " gatewayDirection=\"Converging\"/><bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"a\"/>"
                        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>"
                        "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL), SDM_OK);
    CHECK_CONTAINS(text, "warning: parallelGateway 'a' is converging but has 2 outgoing flows");
    CHECK_CONTAINS(text, "[EXT.017]");
}

#define COND_BODY PROC("el", "true") SE "<bpmn:exclusiveGateway id=\"a\" default=\"f2\"/>" \
    "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"><bpmn:conditionExpression>amount &gt; 5" \
    "</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:sequenceFlow id=\"f2\" sourceRef=\"a\" targetRef=\"e\"/>" \
    END TAIL

static void languages(void) {
    T_CASE("6.1 a non-Lua expressionLanguage on definitions is refused, naming it, when the file has expressions");
    CHECK_EQ_INT(deploy(" expressionLanguage=\"https://www.omg.org/spec/DMN/20191111/FEEL/\"", COND_BODY), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "FEEL");
    CHECK_EQ_INT(deploy(" expressionLanguage=\"http://www.w3.org/1999/XPath\"", COND_BODY), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "XPath");
    T_CASE("6.2 Lua declared is fine; so is a file with no expression to read in the declared language");
    CHECK_EQ_INT(deploy(" expressionLanguage=\"https://www.lua.org/\"", COND_BODY), SDM_OK);
    CHECK_EQ_INT(deploy(" expressionLanguage=\"https://www.omg.org/spec/DMN/20240513/FEEL/\"",
                        PROC("el2", "true") SE "<bpmn:task id=\"a\"/><bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" "
                        "targetRef=\"e\"/>" END TAIL), SDM_OK);
    T_CASE("6.3 a language that is no URI breaks EXT.014");
    CHECK_EQ_INT(deploy(NULL, PROC("uri", "true") SE "<bpmn:exclusiveGateway id=\"a\" default=\"f2\"/>"
                        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"><bpmn:conditionExpression "
                        "language=\"_bad uri%$!\">true</bpmn:conditionExpression></bpmn:sequenceFlow>"
                        "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "[EXT.014]");
}

static void associations(void) {
    T_CASE("7.1 bpmn.io's __targetRef_placeholder and Signavio's association to the activity itself");
    CHECK_EQ_INT(deploy(NULL, PROC("da", "true") SE "<bpmn:dataObject id=\"DO\"/><bpmn:dataObjectReference id=\"R\" "
                        "dataObjectRef=\"DO\"/><bpmn:task id=\"a\"><bpmn:property id=\"P\" name=\"__targetRef_placeholder\"/>"
                        "<bpmn:dataInputAssociation id=\"A1\"><bpmn:sourceRef>R</bpmn:sourceRef><bpmn:targetRef>P"
                        "</bpmn:targetRef></bpmn:dataInputAssociation><bpmn:dataOutputAssociation id=\"A2\"><bpmn:sourceRef>a"
                        "</bpmn:sourceRef><bpmn:targetRef>R</bpmn:targetRef></bpmn:dataOutputAssociation></bpmn:task>"
                        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL), SDM_OK);
    T_CASE("7.2 another element named is still a wrong reference [REF]");
    CHECK_EQ_INT(deploy(NULL, PROC("da2", "true") SE "<bpmn:dataObject id=\"DO\"/><bpmn:task id=\"a\">"
                        "<bpmn:dataInputAssociation id=\"A1\"><bpmn:sourceRef>DO</bpmn:sourceRef><bpmn:targetRef>s"
                        "</bpmn:targetRef></bpmn:dataInputAssociation></bpmn:task>"
                        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/>" END TAIL), SDM_ERR_MODEL);
    CHECK_CONTAINS(text, "[REF]");
}

static void lint(void) {
    T_CASE("8.1 sdm_lint stores nothing and reports every problem");
    const char *path = "/tmp/sdm_dialect_lint.bpmn";
    FILE *f = fopen(path, "w");
    fprintf(f, HEAD PROC("linted", "true") SE "<bpmn:task id=\"a\" sdm:outcome=\"maybe\"/><bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" "
            "targetRef=\"e\"><bpmn:conditionExpression>${x}</bpmn:conditionExpression></bpmn:sequenceFlow>" END TAIL, "");
    fclose(f);
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_lint(db, path, &t, &err), SDM_ERR_MODEL);
    int errors = 0;
    for (int r = 0; t && r < t->nrow; r++) errors += strcmp(t->cells[r * t->ncol], "error") == 0;
    CHECK_EQ_INT(errors, 2);               /* JUEL, and the outcome */
    sdm_table_free(t);
    sdm_table *procs = NULL;
    sdm_filter pf = {.process = "linted"};
    CHECK_EQ_INT(sdm_query(db, SDM_Q_PROCESSES, &pf, &procs, &err), SDM_OK);
    CHECK_EQ_INT(procs ? procs->nrow : -1, 0);
    sdm_table_free(procs);
    remove(path);
}

int main(void) {
    sdm_config cfg = {.open_mode = SDM_OPEN_CREATE, .now = 1767254400000};
    if (sdm_open(&db, ":memory:", &cfg, &err) != SDM_OK) { fprintf(stderr, "open: %s\n", err.msg); return 1; }
    conditions();
    timers();
    checkpoints();
    camunda();
    documentation();
    languages();
    associations();
    lint();
    sdm_close(db);
    return t_done();
}
