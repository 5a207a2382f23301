/*
** test_activity.c — the rest of BPMN's activities, end to end through the
** public API (issue 16): multi-instance behavior None/One/Complex and its
** events, multi-instance output collections, startQuantity and
** completionQuantity above 1, transactions with cancel end and cancel
** boundary events (compensation on cancel), ad-hoc subprocesses
** (ordering, completionCondition, cancelRemainingInstances) and calls to
** global tasks. Each element either runs as the spec says or is refused
** at deploy naming the element: the refusals are tested too.
*/
#include "t.h"
#include "rt_fixture.h"

#define P(id, body) "<bpmn:process id=\"" id "\" isExecutable=\"true\">\n" body "</bpmn:process>\n"
#define UT(id) "<bpmn:userTask id=\"" id "\"/>\n"
#define ST(id, code) "<bpmn:scriptTask id=\"" id "\" scriptFormat=\"lua\"><bpmn:script>" code "</bpmn:script></bpmn:scriptTask>\n"
#define SS(id) "<bpmn:startEvent id=\"" id "\"/>\n"
#define EE(id) "<bpmn:endEvent id=\"" id "\"/>\n"
#define SIG "<bpmn:signal id=\"sg\" name=\"progress\"/>\n<bpmn:signalEventDefinition id=\"sgdef\" signalRef=\"sg\"/>\n"
#define MI(attrs, inner) "<bpmn:multiInstanceLoopCharacteristics " attrs ">" inner "</bpmn:multiInstanceLoopCharacteristics>"
#define CARD(n) "<bpmn:loopCardinality>" n "</bpmn:loopCardinality>"
/* A script task `w` looping as `mi`, with a signal boundary `b` leading to `hit` (counts), then `after`. */
#define MI_DOC(id, mi) SIG P(id, SS("s") "<bpmn:scriptTask id=\"w\" scriptFormat=\"lua\">" mi \
    "<bpmn:script>runs = var('runs', 0) + 1</bpmn:script></bpmn:scriptTask>" \
    "<bpmn:boundaryEvent id=\"b\" attachedToRef=\"w\"><bpmn:signalEventDefinition signalRef=\"sg\"/></bpmn:boundaryEvent>" \
    ST("hit", "hits = var('hits', 0) + 1") ST("after", "afterwards = true") EE("e1") EE("e2") \
    F("f1", "s", "w") F("f2", "w", "after") F("f3", "after", "e1") F("f4", "b", "hit") F("f5", "hit", "e2"))

static int contains(const char *hay, const char *needle) {
    int ok = hay && strstr(hay, needle) != NULL;
    if (!ok) fprintf(stderr, "  ('%s' not in '%s')\n", needle, hay ? hay : "(null)");
    return ok;
}

/* The document is refused at deploy, with `needle` in its messages. */
static void refused(const char *content, const char *needle) {
    char *xml = doc_text(content), all[4096] = "";
    sdm_table *t = NULL;
    memset(&err, 0, sizeof err);
    int rc = sdm_deploy_xml(db, "bad.bpmn", xml, strlen(xml), &t, &err);
    CHECK(rc != SDM_OK);
    snprintf(all, sizeof all, "%s", err.msg);
    for (int r = 0; t && r < t->nrow; r++) {
        size_t k = strlen(all);
        const char *m = t->cells[r * t->ncol + t->ncol - 1];
        snprintf(all + k, sizeof all - k, " | %s", m ? m : "");
    }
    CHECK(contains(all, needle));
    sdm_table_free(t);
    free(xml);
}

/* How many times the instance entered `node`. */
static int entered(int64_t inst, const char *node) {
    int k = 0;
    const char *p = path(inst);
    size_t len = strlen(node);
    for (const char *q = p; (q = strstr(q, node)); q += len)
        k += (q == p || q[-1] == ' ') && (q[len] == ' ' || q[len] == 0);
    return k;
}

static void behaviors(void) {
    int64_t i;
    T_CASE("16.1 behavior None throws its event as each instance completes; the activity goes on");
    deploy_doc(MI_DOC("mi_none", MI("isSequential=\"true\" behavior=\"None\" noneBehaviorEventRef=\"sgdef\"", CARD("3"))));
    i = start("mi_none", "c161", NULL);
    CHECK_EQ_STR(var(i, "runs"), "3");
    CHECK_EQ_STR(var(i, "hits"), "3");
    CHECK_EQ_STR(var(i, "afterwards"), "true");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("16.1");

    T_CASE("16.2 behavior One throws once, when the first instance completes (parallel)");
    deploy_doc(MI_DOC("mi_one", MI("behavior=\"One\" oneBehaviorEventRef=\"sgdef\"", CARD("3"))));
    i = start("mi_one", "c162", NULL);
    CHECK_EQ_STR(var(i, "runs"), "3");
    CHECK_EQ_STR(var(i, "hits"), "1");
    CHECK_EQ_STR(var(i, "afterwards"), "true");
    check_clean("16.2");

    T_CASE("16.3 behavior All throws nothing; an external signal still interrupts a waiting one");
    deploy_doc(MI_DOC("mi_all", MI("isSequential=\"true\" behavior=\"All\"", CARD("2"))));
    i = start("mi_all", "c163", NULL);
    CHECK_EQ_STR(var(i, "runs"), "2");
    CHECK(var(i, "hits") == NULL);
    check_clean("16.3");

    T_CASE("16.4 behavior Complex: when a condition holds its event is thrown and the other instances end");
    deploy_doc(MI_DOC("mi_cx", MI("isSequential=\"true\" behavior=\"Complex\"", CARD("5")
           "<bpmn:complexBehaviorDefinition><bpmn:condition>loopCounter == 1</bpmn:condition><bpmn:event id=\"ev\">"
           "<bpmn:signalEventDefinition signalRef=\"sg\"/></bpmn:event></bpmn:complexBehaviorDefinition>")));
    i = start("mi_cx", "c164", NULL);
    CHECK_EQ_STR(var(i, "runs"), "2");              /* instances 0 and 1; the condition holds after 1 */
    CHECK_EQ_STR(var(i, "hits"), "1");
    CHECK_EQ_STR(var(i, "afterwards"), "true");
    CHECK(contains(events(i), "mi-event:w"));
    check_clean("16.4");

    T_CASE("16.5 behavior events sdm cannot throw, and a Complex definition without condition, are refused");
    refused("<bpmn:error id=\"er\" errorCode=\"E\"/><bpmn:errorEventDefinition id=\"erdef\" errorRef=\"er\"/>"
            MI_DOC("mi_bad", MI("behavior=\"None\" noneBehaviorEventRef=\"erdef\"", CARD("2"))),
            "its behavior throws a errorEventDefinition");
    refused(MI_DOC("mi_bad2", MI("behavior=\"Complex\"", CARD("2") "<bpmn:complexBehaviorDefinition><bpmn:event id=\"ev\">"
            "<bpmn:signalEventDefinition signalRef=\"sg\"/></bpmn:event></bpmn:complexBehaviorDefinition>")),
            "complexBehaviorDefinition of 'w' has no condition");
    refused(MI_DOC("mi_bad3", MI("behavior=\"Sometimes\"", CARD("2"))), "behavior=\"Sometimes\" is none of");
}

static void collections(void) {
    int64_t i;
    T_CASE("16.6 loopDataOutputRef gathers each instance's outputDataItem, in instance order");
    deploy("mi_out", SS("s") "<bpmn:scriptTask id=\"sq\" scriptFormat=\"lua\">"
           MI("sdm:collection=\"nums\" sdm:elementVariable=\"x\"", "<bpmn:loopDataOutputRef>squares</bpmn:loopDataOutputRef>"
              "<bpmn:outputDataItem id=\"y\"/>")
           "<bpmn:script>y = x * x</bpmn:script></bpmn:scriptTask>" EE("e") F("a", "s", "sq") F("b", "sq", "e"));
    i = start("mi_out", "c166", "{\"nums\": [1, 2, 3]}");
    CHECK_EQ_STR(var(i, "squares"), "[1,4,9]");
    CHECK(var(i, "y") == NULL);                      /* each instance's item stayed its own */
    check_clean("16.6");

    T_CASE("16.7 parallel user tasks completed in reverse order still fill the collection in instance order");
    deploy("mi_out_ut", SS("s") "<bpmn:userTask id=\"vote\">"
           MI("", CARD("3") "<bpmn:loopDataOutputRef>votes</bpmn:loopDataOutputRef><bpmn:outputDataItem id=\"v\"/>")
           "</bpmn:userTask>" EE("e") F("a", "s", "vote") F("b", "vote", "e"));
    i = start("mi_out_ut", "c167", NULL);
    int64_t ids[3];
    sdm_filter f = {.id = i};
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_query(db, SDM_Q_TASKS, &f, &t, &err), SDM_OK);
    CHECK_EQ_INT(t ? t->nrow : 0, 3);
    for (int r = 0; t && r < 3 && r < t->nrow; r++) ids[r] = atoll(t->cells[r * t->ncol]);
    sdm_table_free(t);
    if (ids[0] > ids[2]) { int64_t x = ids[0]; ids[0] = ids[2]; ids[2] = x; }
    CHECK_EQ_INT(sdm_complete(db, ids[2], "{\"v\": \"c\"}", &err), SDM_OK);
    CHECK_EQ_INT(sdm_complete(db, ids[1], "{\"v\": \"b\"}", &err), SDM_OK);
    CHECK_EQ_INT(sdm_complete(db, ids[0], "{\"v\": \"a\"}", &err), SDM_OK);
    CHECK_EQ_STR(var(i, "votes"), "[\"a\",\"b\",\"c\"]");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("16.7");

    T_CASE("16.8 no instance at all gives an empty collection; a collection without an item is refused");
    i = start("mi_out", "c168", "{\"nums\": []}");
    CHECK_EQ_STR(var(i, "squares"), "[]");
    refused(P("mi_out_bad", SS("s") "<bpmn:scriptTask id=\"sq\" scriptFormat=\"lua\">"
            MI("", CARD("2") "<bpmn:loopDataOutputRef>squares</bpmn:loopDataOutputRef>")
            "<bpmn:script>y = 1</bpmn:script></bpmn:scriptTask>" EE("e") F("a", "s", "sq") F("b", "sq", "e")),
            "has a loopDataOutputRef but no outputDataItem");
}

static void quantities(void) {
    int64_t i;
    T_CASE("16.9 startQuantity=2 starts once two tokens have arrived; completionQuantity=2 puts two on the flow");
    deploy("qty", SS("s") "<bpmn:parallelGateway id=\"fork\"/>" ST("a", "x = 1") ST("b", "y = 1")
           "<bpmn:scriptTask id=\"both\" scriptFormat=\"lua\" startQuantity=\"2\" completionQuantity=\"2\">"
           "<bpmn:script>n = var('n', 0) + 1</bpmn:script></bpmn:scriptTask>"
           ST("each", "m = var('m', 0) + 1") EE("e")
           F("f1", "s", "fork") F("f2", "fork", "a") F("f3", "fork", "b") F("f4", "a", "both") F("f5", "b", "both")
           F("f6", "both", "each") F("f7", "each", "e"));
    i = start("qty", "c169", NULL);
    CHECK_EQ_STR(var(i, "n"), "1");
    CHECK_EQ_STR(var(i, "m"), "2");
    CHECK_EQ_INT(entered(i, "each"), 2);
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("16.9");

    T_CASE("16.10 startQuantity=2 with one token: the activity waits, it does not run once");
    deploy("qty1", SS("s") "<bpmn:scriptTask id=\"two\" scriptFormat=\"lua\" startQuantity=\"2\">"
           "<bpmn:script>ran = true</bpmn:script></bpmn:scriptTask>" EE("e") F("a", "s", "two") F("b", "two", "e"));
    i = start("qty1", "c1610", NULL);
    CHECK(var(i, "ran") == NULL);
    CHECK_EQ_STR(tokens(i), "two:joining");
    CHECK_EQ_STR(inst_cell(i, "state"), "active");
    check_clean("16.10");
    refused(P("qty0", SS("s") "<bpmn:task id=\"t\" startQuantity=\"0\"/>" EE("e") F("a", "s", "t") F("b", "t", "e")),
            "startQuantity=\"0\" is not a number of tokens from 1 to 1000");
}

#define TXN(id, inner) P(id, SS("s") "<bpmn:transaction id=\"tx\">" SS("ts") inner "</bpmn:transaction>" \
    "<bpmn:boundaryEvent id=\"cancelled\" attachedToRef=\"tx\"><bpmn:cancelEventDefinition/></bpmn:boundaryEvent>" \
    ST("undo", "rolled_back = true") ST("next", "went_on = true") EE("e1") EE("e2") \
    F("o1", "s", "tx") F("o2", "tx", "next") F("o3", "next", "e1") F("o4", "cancelled", "undo") F("o5", "undo", "e2"))

static void transactions(void) {
    int64_t i;
    T_CASE("16.11 a transaction that ends normally leaves by its flow");
    deploy_doc(TXN("tx_ok", ST("book", "booked = true") EE("te") F("t1", "ts", "book") F("t2", "book", "te")));
    i = start("tx_ok", "c1611", NULL);
    CHECK_EQ_STR(var(i, "went_on"), "true");
    CHECK(var(i, "rolled_back") == NULL);
    check_clean("16.11");

    T_CASE("16.12 a cancel end: what runs inside stops, what completed is compensated, the cancel boundary goes on");
    deploy_doc(TXN("tx_cancel", "<bpmn:parallelGateway id=\"fork\"/>"
           ST("book", "booked = true") "<bpmn:boundaryEvent id=\"cb\" attachedToRef=\"book\"><bpmn:compensateEventDefinition/>"
           "</bpmn:boundaryEvent><bpmn:scriptTask id=\"unbook\" isForCompensation=\"true\" scriptFormat=\"lua\">"
           "<bpmn:script>booked = false</bpmn:script></bpmn:scriptTask>"
           "<bpmn:association id=\"as\" sourceRef=\"cb\" targetRef=\"unbook\"/>"
           UT("approve") EE("te2")
           "<bpmn:endEvent id=\"abort\"><bpmn:cancelEventDefinition/></bpmn:endEvent>"
           F("t1", "ts", "fork") F("t2", "fork", "book") F("t3", "book", "abort") F("t4", "fork", "approve")
           F("t5", "approve", "te2")));
    i = start("tx_cancel", "c1612", NULL);
    CHECK_EQ_STR(var(i, "booked"), "false");
    CHECK_EQ_STR(var(i, "rolled_back"), "true");
    CHECK(var(i, "went_on") == NULL);
    CHECK_EQ_STR(tasks(i, "all"), "approve/-/-/cancelled");
    CHECK(contains(events(i), "transaction-cancelled:abort"));
    CHECK(contains(events(i), "compensate:book"));
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("16.12");

    T_CASE("16.13 an error out of a transaction is caught like a subprocess's");
    deploy_doc("<bpmn:error id=\"er\" errorCode=\"E1\"/>"
           P("tx_err", SS("s") "<bpmn:transaction id=\"tx\">" SS("ts")
             "<bpmn:endEvent id=\"fail\"><bpmn:errorEventDefinition errorRef=\"er\"/></bpmn:endEvent>" F("t1", "ts", "fail")
             "</bpmn:transaction><bpmn:boundaryEvent id=\"eb\" attachedToRef=\"tx\"><bpmn:errorEventDefinition errorRef=\"er\"/>"
             "</bpmn:boundaryEvent>" ST("handled", "handled = true") EE("e1") EE("e2")
             F("o1", "s", "tx") F("o2", "tx", "e1") F("o3", "eb", "handled") F("o4", "handled", "e2")));
    i = start("tx_err", "c1613", NULL);
    CHECK_EQ_STR(var(i, "handled"), "true");
    check_clean("16.13");

    T_CASE("16.14 cancel events are refused outside a transaction, and a transaction that can be cancelled needs a cancel boundary");
    refused(P("c_out", SS("s") "<bpmn:endEvent id=\"x\"><bpmn:cancelEventDefinition/></bpmn:endEvent>" F("a", "s", "x")),
            "cancel endEvent 'x' is not inside a transaction");
    refused(P("c_nob", SS("s") "<bpmn:transaction id=\"tx\">" SS("ts") "<bpmn:endEvent id=\"x\"><bpmn:cancelEventDefinition/>"
            "</bpmn:endEvent>" F("t", "ts", "x") "</bpmn:transaction>" EE("e") F("a", "s", "tx") F("b", "tx", "e")),
            "transaction 'tx' has no cancel boundaryEvent");
    refused(P("c_sub", SS("s") "<bpmn:subProcess id=\"sp\">" SS("ss") EE("se") F("t", "ss", "se") "</bpmn:subProcess>"
            "<bpmn:boundaryEvent id=\"cb\" attachedToRef=\"sp\"><bpmn:cancelEventDefinition/></bpmn:boundaryEvent>" EE("e")
            EE("e2") F("a", "s", "sp") F("b", "sp", "e") F("c", "cb", "e2")),
            "only a transaction is cancelled");
}

static void adhoc(void) {
    int64_t i;
    T_CASE("16.15 parallel ad-hoc: every activity without incoming flow is enabled; it ends when all are done");
    deploy("ah_par", SS("s") "<bpmn:adHocSubProcess id=\"ah\">" UT("call") UT("visit") ST("note", "noted = true")
           ST("then", "followed = true") F("i1", "note", "then") "</bpmn:adHocSubProcess>" EE("e")
           F("a", "s", "ah") F("b", "ah", "e"));
    i = start("ah_par", "c1615", NULL);
    CHECK_EQ_STR(var(i, "noted"), "true");
    CHECK_EQ_STR(var(i, "followed"), "true");      /* a flow inside is followed as usual */
    CHECK_EQ_STR(tasks(i, "open"), "call/-/- visit/-/-");
    complete(i, "visit", NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "active");
    complete(i, "call", NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("16.15");

    T_CASE("16.16 completionCondition with cancelRemainingInstances: the first activity that satisfies it ends the rest");
    deploy("ah_cc", SS("s") "<bpmn:adHocSubProcess id=\"ah\"><bpmn:completionCondition>deal == true</bpmn:completionCondition>"
           UT("call") UT("visit") "</bpmn:adHocSubProcess>" EE("e") F("a", "s", "ah") F("b", "ah", "e"));
    i = start("ah_cc", "c1616", "{\"deal\": false}");
    complete(i, "call", NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "active");
    CHECK_EQ_STR(tasks(i, "open"), "visit/-/-");
    i = start("ah_cc", "c1616b", "{\"deal\": false}");
    complete(i, "visit", "{\"deal\": true}");
    CHECK_EQ_STR(tasks(i, "all"), "call/-/-/cancelled visit/-/-/completed");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("16.16");

    T_CASE("16.17 cancelRemainingInstances=false: once the condition holds nothing new starts, what runs finishes");
    deploy("ah_seq", SS("s") "<bpmn:adHocSubProcess id=\"ah\" ordering=\"Sequential\" cancelRemainingInstances=\"false\">"
           "<bpmn:completionCondition>var('k', 0) &gt;= 2</bpmn:completionCondition>"
           ST("one", "k = var('k', 0) + 1; order = var('order', '') .. 'one '")
           ST("two", "k = var('k', 0) + 1; order = var('order', '') .. 'two '")
           ST("three", "k = var('k', 0) + 1; order = var('order', '') .. 'three '")
           "</bpmn:adHocSubProcess>" EE("e") F("a", "s", "ah") F("b", "ah", "e"));
    i = start("ah_seq", "c1617", NULL);
    CHECK_EQ_STR(var(i, "order"), "\"one two \"");   /* sequential, in document order, stopped by the condition */
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("16.17");

    T_CASE("16.18 an empty ad-hoc subprocess, or one with a start event, is refused");
    refused(P("ah_empty", SS("s") "<bpmn:adHocSubProcess id=\"ah\"/>" EE("e") F("a", "s", "ah") F("b", "ah", "e")),
            "adHocSubProcess 'ah' holds no activity to run");
    refused(P("ah_start", SS("s") "<bpmn:adHocSubProcess id=\"ah\">" SS("in") UT("u") F("x", "in", "u")
            "</bpmn:adHocSubProcess>" EE("e") F("a", "s", "ah") F("b", "ah", "e")),
            "adHocSubProcess 'ah' holds startEvent 'in'");
}

static void global_tasks(void) {
    int64_t i;
    T_CASE("16.19 a call to a globalScriptTask runs its script in the caller's scope");
    deploy_doc("<bpmn:globalScriptTask id=\"gs\" scriptFormat=\"lua\"><bpmn:script>total = price * 2</bpmn:script>"
               "</bpmn:globalScriptTask>"
               P("g_script", SS("s") "<bpmn:callActivity id=\"calc\" calledElement=\"gs\"/>" EE("e")
                 F("a", "s", "calc") F("b", "calc", "e")));
    i = start("g_script", "c1619", "{\"price\": 21}");
    CHECK_EQ_STR(var(i, "total"), "42");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    CHECK(contains(events(i), "leave:calc"));
    check_clean("16.19");

    T_CASE("16.20 a call to a globalUserTask is a task at the call activity");
    deploy_doc("<bpmn:globalUserTask id=\"gu\" sdm:assignee=\"ann\"/>"
               P("g_user", SS("s") "<bpmn:callActivity id=\"ask\" calledElement=\"gu\"/>" EE("e")
                 F("a", "s", "ask") F("b", "ask", "e")));
    i = start("g_user", "c1620", NULL);
    CHECK_EQ_STR(tasks(i, "open"), "ask/ann/-");
    complete(i, "ask", NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("16.20");

    T_CASE("16.21 a call to a global element sdm does not run is refused at deploy");
    refused("<bpmn:globalConversation id=\"gc\"/>"
            P("g_bad", SS("s") "<bpmn:callActivity id=\"talk\" calledElement=\"gc\"/>" EE("e")
              F("a", "s", "talk") F("b", "talk", "e")),
            "callActivity 'talk' calls globalConversation 'gc', which sdm does not run");
}

int main(void) {
    char dir[] = "/tmp/sdm_activity_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    sdm_config cfg = {.scripts_dir = dir, .actor = "tester", .now = NOW, .lua_instructions = 1000000,
                      .time_zone = "UTC", .step_ops = 100000, .step_ms = 600000};
    if (sdm_open(&db, ":memory:", &cfg, &err) != SDM_OK) { fprintf(stderr, "open: %s\n", err.msg); return 1; }
    behaviors();
    collections();
    quantities();
    transactions();
    adhoc();
    global_tasks();
    sdm_close(db);
    rmdir(dir);
    return t_done();
}
