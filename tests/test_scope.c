/*
** test_scope.c — BPMN that nests and interrupts, end to end through the
** public API: embedded and event subprocesses, boundary events on them
** and on call activities, errors and escalations (caught, uncaught,
** across a call), terminate inside a subprocess, the event-based gateway,
** multi-instance and loops, compensation, links and signal starts. Each
** scenario asserts the path, the tasks and the variables, and that the
** store holds its invariants (sdm check) afterwards. Each case is a
** function and a row of `cases`, run on a fresh store by rt_run
** (rt_fixture.h): none sees what another deployed or started.
*/
#include "t.h"
#include "rt_fixture.h"

#define P(id, body) "<bpmn:process id=\"" id "\" isExecutable=\"true\">\n" body "</bpmn:process>\n"
#define UT(id) "<bpmn:userTask id=\"" id "\"/>\n"
#define ST(id, code) "<bpmn:scriptTask id=\"" id "\" scriptFormat=\"lua\"><bpmn:script>" code "</bpmn:script></bpmn:scriptTask>\n"
#define SS(id) "<bpmn:startEvent id=\"" id "\"/>\n"
#define EE(id) "<bpmn:endEvent id=\"" id "\"/>\n"

/* Rows of a query for the instance (filter by id). */
static int rows(sdm_query_kind q, int64_t inst) { return count(q, inst, "all"); }

/* The scope column of variable `name` (0: the instance), -1 if absent. */
static long long var_scope(int64_t inst, const char *name) {
    sdm_filter f = {.id = inst};
    sdm_table *t = NULL;
    long long scope = -1;
    if (sdm_query(db, SDM_Q_VARIABLES, &f, &t, &err) == SDM_OK)
        for (int r = 0; r < t->nrow; r++)
            if (strcmp(t->cells[r * t->ncol], name) == 0) scope = atoll(t->cells[r * t->ncol + col(t, "scope")]);
    sdm_table_free(t);
    return scope;
}

static int contains(const char *hay, const char *needle) {
    int ok = strstr(hay, needle) != NULL;
    if (!ok) fprintf(stderr, "  ('%s' not in '%s')\n", needle, hay);
    return ok;
}

static void scope_6_1(void) {
    int64_t i;
    deploy("sp_basic", SS("s")
           "<bpmn:subProcess id=\"sp\"><bpmn:dataObject id=\"do\" name=\"draft\"/>" SS("ss")
           ST("calc", "draft = 'x'; total = 10") UT("u") EE("se")
           F("f1", "ss", "calc") F("f2", "calc", "u") F("f3", "u", "se") "</bpmn:subProcess>\n"
           "<bpmn:task id=\"after\"/>" EE("e") F("a", "s", "sp") F("b", "sp", "after") F("c", "after", "e"));
    i = start("sp_basic", "c61", NULL);
    CHECK_EQ_STR(path(i), "s sp ss calc u");
    CHECK_EQ_STR(tokens(i), "sp:waiting u:waiting");
    CHECK_EQ_STR(var(i, "draft"), "\"x\"");
    CHECK(var_scope(i, "draft") > 0);
    CHECK_EQ_INT(var_scope(i, "total"), 0);
    check_clean("6.1 waiting");
    complete(i, "u", "{\"draft\": \"final\", \"note\": 1}");
    CHECK_EQ_STR(path(i), "s sp ss calc u se after e");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    CHECK(var(i, "draft") == NULL);                 /* went with its scope */
    CHECK_EQ_STR(var(i, "total"), "10");
    CHECK_EQ_STR(var(i, "note"), "1");
    check_clean("6.1");
}

static void scope_6_2(void) {
    int64_t i;
    deploy("sp_timer", SS("s")
           "<bpmn:subProcess id=\"sp\">" SS("ss") "<bpmn:parallelGateway id=\"fork\"/>" UT("u1") UT("u2") EE("e1") EE("e2")
           F("f1", "ss", "fork") F("f2", "fork", "u1") F("f3", "fork", "u2") F("f4", "u1", "e1") F("f5", "u2", "e2")
           "</bpmn:subProcess>\n"
           "<bpmn:boundaryEvent id=\"tb\" attachedToRef=\"sp\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT2H"
           "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>\n"
           UT("late") EE("e") EE("e3") F("a", "s", "sp") F("b", "sp", "e") F("c", "tb", "late") F("d", "late", "e3"));
    sdm_set_now(db, NOW);
    i = start("sp_timer", "c62", NULL);
    CHECK_EQ_STR(tasks(i, "open"), "u1/-/- u2/-/-");
    CHECK_EQ_INT(tick_at(NOW + HOUR), 0);
    CHECK_EQ_INT(tick_at(NOW + 3 * HOUR), 1);
    CHECK_EQ_STR(tasks(i, "all"), "u1/-/-/cancelled u2/-/-/cancelled late/-/-/open");
    CHECK(contains(events(i), "timer:tb task-cancelled:u1 task-cancelled:u2 cancelled:sp enter:tb"));
    CHECK_EQ_STR(tokens(i), "late:waiting");
    check_clean("6.2");
    sdm_set_now(db, NOW);
}

static void scope_6_3(void) {
    int64_t i;
    deploy_doc("<bpmn:message id=\"m1\" name=\"client-call\"/>\n"
               P("sp_msg", SS("s") "<bpmn:subProcess id=\"sp\">" SS("ss") UT("u") EE("se") F("f1", "ss", "u") F("f2", "u", "se")
                 "</bpmn:subProcess>\n<bpmn:boundaryEvent id=\"nb\" attachedToRef=\"sp\" cancelActivity=\"false\">"
                 "<bpmn:messageEventDefinition messageRef=\"m1\"/></bpmn:boundaryEvent>\n" UT("note") EE("e") EE("e2")
                 F("a", "s", "sp") F("b", "sp", "e") F("c", "nb", "note") F("d", "note", "e2")));
    i = start("sp_msg", "c63", NULL);
    CHECK_EQ_INT(message("client-call", "c63", "{\"topic\": \"price\"}"), 1);
    CHECK_EQ_STR(tasks(i, "open"), "u/-/- note/-/-");
    CHECK_EQ_STR(var(i, "topic"), "\"price\"");
    CHECK_EQ_INT(message("client-call", "c63", NULL), 1);   /* non-interrupting: listens again */
    CHECK_EQ_STR(tasks(i, "open"), "u/-/- note/-/- note/-/-");
    complete(i, "note", NULL);
    complete(i, "note", NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "active");
    complete(i, "u", NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    CHECK_EQ_INT(message("client-call", "c63", NULL), -SDM_ERR_NOTFOUND);
    check_clean("6.3");
}

static void scope_6_4(void) {
    int64_t i;
    deploy("sp_term", SS("s") "<bpmn:subProcess id=\"sp\">" SS("ss") "<bpmn:parallelGateway id=\"fork\"/>" UT("u")
           "<bpmn:endEvent id=\"te\"><bpmn:terminateEventDefinition/></bpmn:endEvent>" EE("ue")
           F("f1", "ss", "fork") F("f2", "fork", "u") F("f3", "fork", "te") F("f4", "u", "ue") "</bpmn:subProcess>\n"
           UT("after") EE("e") F("a", "s", "sp") F("b", "sp", "after") F("c", "after", "e"));
    i = start("sp_term", "c64", NULL);
    CHECK_EQ_STR(tasks(i, "all"), "u/-/-/cancelled after/-/-/open");
    CHECK_EQ_STR(inst_cell(i, "state"), "active");
    CHECK_EQ_STR(tokens(i), "after:waiting");
    check_clean("6.4");
}

static void scope_6_5(void) {
    int64_t i;
    deploy("sp_nest", SS("s") "<bpmn:subProcess id=\"outer\">" SS("os")
           "<bpmn:subProcess id=\"inner\">" SS("is") "<bpmn:inclusiveGateway id=\"split\"/>" ST("one", "hits = var('hits', 0) + 1")
           ST("ten", "hits = var('hits', 0) + 10") "<bpmn:inclusiveGateway id=\"join\"/>" UT("u") EE("ie")
           F("i1", "is", "split") C("i2", "split", "one", "true") C("i3", "split", "ten", "amount > 5") F("i4", "one", "join")
           F("i5", "ten", "join") F("i6", "join", "u") F("i7", "u", "ie") "</bpmn:subProcess>\n" EE("oe")
           F("o1", "os", "inner") F("o2", "inner", "oe") "</bpmn:subProcess>\n" EE("e") F("a", "s", "outer") F("b", "outer", "e"));
    i = start("sp_nest", "c65", "{\"amount\": 10}");
    CHECK_EQ_STR(var(i, "hits"), "11");
    CHECK_EQ_STR(tokens(i), "outer:waiting inner:waiting u:waiting");
    complete(i, "u", NULL);
    CHECK_EQ_STR(path(i), "s outer os inner is split one ten join join u ie oe e");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("6.5");
}

#define codes "<bpmn:error id=\"E1\" errorCode=\"NO_BUDGET\"/><bpmn:error id=\"E2\" errorCode=\"OTHER\"/>\n" \
              "<bpmn:escalation id=\"X1\" escalationCode=\"LATE\" name=\"offer late\"/>\n"

static void scope_6_6(void) {
    int64_t i;
    deploy_doc(codes "<bpmn:process id=\"err_b\" isExecutable=\"true\">" SS("s")
               "<bpmn:subProcess id=\"sp\">" SS("ss") "<bpmn:parallelGateway id=\"fork\"/>" UT("u1")
               "<bpmn:endEvent id=\"ee\"><bpmn:errorEventDefinition errorRef=\"E1\"/></bpmn:endEvent>" EE("ue")
               F("f1", "ss", "fork") F("f2", "fork", "u1") F("f3", "fork", "ee") F("f4", "u1", "ue") "</bpmn:subProcess>\n"
               "<bpmn:boundaryEvent id=\"other\" attachedToRef=\"sp\"><bpmn:errorEventDefinition errorRef=\"E2\"/></bpmn:boundaryEvent>"
               "<bpmn:boundaryEvent id=\"eb\" attachedToRef=\"sp\"><bpmn:errorEventDefinition errorRef=\"E1\"/></bpmn:boundaryEvent>"
               UT("lost") UT("wrong") EE("e") EE("e2") EE("e3")
               F("a", "s", "sp") F("b", "sp", "e") F("c", "eb", "lost") F("d", "lost", "e2") F("g", "other", "wrong")
               F("h", "wrong", "e3") "</bpmn:process>");
    i = start("err_b", "c66", NULL);
    CHECK_EQ_STR(tasks(i, "all"), "u1/-/-/cancelled lost/-/-/open");
    CHECK(contains(events(i), "error:ee"));
    CHECK(contains(path(i), "ee eb lost"));
    check_clean("6.6");
}

static void scope_6_28(void) {
    int64_t i;
    char msg[1024];
    deploy_doc(codes P("err_script", SS("s") ST("crm", "tried = true; if amount > 100 then bpmn_error('NO_BUDGET', 'over limit') end")
                       "<bpmn:boundaryEvent id=\"nb\" attachedToRef=\"crm\"><bpmn:errorEventDefinition errorRef=\"E1\"/>"
                       "</bpmn:boundaryEvent>" UT("manual") EE("e") EE("e2")
                       F("a", "s", "crm") F("b", "crm", "e") F("c", "nb", "manual") F("d", "manual", "e2")));
    i = start("err_script", "c628", "{\"amount\": 500}");
    CHECK_EQ_STR(tokens(i), "manual:waiting");
    CHECK(var(i, "tried") == NULL);
    CHECK(contains(events(i), "error:crm enter:nb"));
    i = start("err_script", "c628b", "{\"amount\": 5}");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    deploy_doc(codes P("err_script2", SS("s") ST("crm", "bpmn_error('OTHER')")
                       "<bpmn:boundaryEvent id=\"nb\" attachedToRef=\"crm\"><bpmn:errorEventDefinition errorRef=\"E1\"/>"
                       "</bpmn:boundaryEvent>" EE("e") EE("e2") F("a", "s", "crm") F("b", "crm", "e") F("c", "nb", "e2")));
    i = start("err_script2", "c628c", NULL);
    CHECK(open_incident(i, msg, sizeof msg) > 0);   /* no boundary for that code: an incident */
    CHECK(contains(msg, "BPMN error 'OTHER'"));
    check_clean("6.28");
}

static void scope_6_7(void) {
    int64_t i;
    char msg[1024];
    deploy_doc(codes P("err_u", SS("s") "<bpmn:endEvent id=\"ee\"><bpmn:errorEventDefinition errorRef=\"E2\"/></bpmn:endEvent>"
                       F("a", "s", "ee")));
    i = start("err_u", "c67", NULL);
    CHECK(open_incident(i, msg, sizeof msg) > 0);
    CHECK(contains(msg, "error 'OTHER' thrown at 'ee' is not caught"));
    CHECK_EQ_STR(inst_cell(i, "state"), "active");
    check_clean("6.7");
}

static void scope_6_8(void) {
    int64_t i;
    deploy_doc(codes P("err_child", SS("cs") UT("w") "<bpmn:endEvent id=\"cee\"><bpmn:errorEventDefinition errorRef=\"E1\"/></bpmn:endEvent>"
                       F("ca", "cs", "w") F("cb", "w", "cee"))
               P("err_parent", SS("s") "<bpmn:callActivity id=\"call\" calledElement=\"err_child\"/>"
                 "<bpmn:boundaryEvent id=\"ce\" attachedToRef=\"call\"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>"
                 UT("handled") EE("e") EE("e2") F("a", "s", "call") F("b", "call", "e") F("c", "ce", "handled")
                 F("d", "handled", "e2")));
    i = start("err_parent", "c68", NULL);
    int64_t child = i + 1;
    CHECK_EQ_STR(inst_cell(child, "state"), "active");
    complete(child, "w", NULL);                   /* the child throws in a step of its own */
    CHECK_EQ_STR(inst_cell(child, "state"), "terminated");
    CHECK_EQ_STR(tokens(i), "handled:waiting");
    CHECK(contains(path(i), "call ce handled"));
    check_clean("6.8");
}

static void scope_6_9(void) {
    int64_t i;
    deploy_doc(codes P("esc", SS("s") "<bpmn:subProcess id=\"sp\">" SS("ss")
                       "<bpmn:intermediateThrowEvent id=\"x\"><bpmn:escalationEventDefinition escalationRef=\"X1\"/>"
                       "</bpmn:intermediateThrowEvent>" UT("u") EE("se") F("f1", "ss", "x") F("f2", "x", "u") F("f3", "u", "se")
                       "</bpmn:subProcess>\n<bpmn:boundaryEvent id=\"xb\" attachedToRef=\"sp\" cancelActivity=\"false\">"
                       "<bpmn:escalationEventDefinition escalationRef=\"X1\"/></bpmn:boundaryEvent>"
                       UT("head_call") EE("e") EE("e2") F("a", "s", "sp") F("b", "sp", "e") F("c", "xb", "head_call")
                       F("d", "head_call", "e2")));
    i = start("esc", "c69", NULL);
    CHECK_EQ_STR(tasks(i, "open"), "u/-/- head_call/-/-");
    CHECK_EQ_INT(count(SDM_Q_DEVIATIONS, i, "all"), 1);
    complete(i, "u", NULL);
    complete(i, "head_call", NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("6.9");
}

static void scope_6_10(void) {
    int64_t i;
    deploy_doc(codes P("esc_i", SS("s") "<bpmn:subProcess id=\"sp\">" SS("ss")
                       "<bpmn:intermediateThrowEvent id=\"x\"><bpmn:escalationEventDefinition escalationRef=\"X1\"/>"
                       "</bpmn:intermediateThrowEvent>" UT("u") EE("se") F("f1", "ss", "x") F("f2", "x", "u") F("f3", "u", "se")
                       "</bpmn:subProcess>\n<bpmn:boundaryEvent id=\"xb\" attachedToRef=\"sp\">"
                       "<bpmn:escalationEventDefinition/></bpmn:boundaryEvent>"
                       UT("head_call") EE("e") EE("e2") F("a", "s", "sp") F("b", "sp", "e") F("c", "xb", "head_call")
                       F("d", "head_call", "e2")));
    i = start("esc_i", "c610", NULL);
    CHECK_EQ_STR(tasks(i, "all"), "head_call/-/-/open");
    CHECK_EQ_STR(tokens(i), "head_call:waiting");
    check_clean("6.10");
}

static void scope_6_11(void) {
    int64_t i;
    deploy_doc("<bpmn:message id=\"m2\" name=\"complaint\"/>\n"
               P("evs", SS("s") UT("work") EE("e") F("a", "s", "work") F("b", "work", "e")
                 "<bpmn:subProcess id=\"on_complaint\" triggeredByEvent=\"true\">"
                 "<bpmn:startEvent id=\"ms\" isInterrupting=\"false\"><bpmn:messageEventDefinition messageRef=\"m2\"/></bpmn:startEvent>"
                 UT("handle") EE("me") F("c1", "ms", "handle") F("c2", "handle", "me") "</bpmn:subProcess>\n"
                 "<bpmn:subProcess id=\"on_expiry\" triggeredByEvent=\"true\">"
                 "<bpmn:startEvent id=\"ts\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT5H</bpmn:timeDuration>"
                 "</bpmn:timerEventDefinition></bpmn:startEvent>" ST("expire", "expired = true") EE("te")
                 F("t1", "ts", "expire") F("t2", "expire", "te") "</bpmn:subProcess>\n"));
    sdm_set_now(db, NOW);
    i = start("evs", "c611", NULL);
    CHECK_EQ_INT(message("complaint", "c611", NULL), 1);
    CHECK_EQ_STR(tasks(i, "open"), "work/-/- handle/-/-");
    complete(i, "handle", NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "active");
    CHECK_EQ_INT(tick_at(NOW + 6 * HOUR), 1);
    CHECK_EQ_STR(var(i, "expired"), "true");
    CHECK_EQ_STR(tasks(i, "all"), "work/-/-/cancelled handle/-/-/completed");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("6.11");
    sdm_set_now(db, NOW);
}

static void scope_6_12(void) {
    int64_t i;
    deploy_doc("<bpmn:error id=\"E1\" errorCode=\"NO_BUDGET\"/>\n"
               P("evs_err", SS("s") "<bpmn:subProcess id=\"sp\">" SS("ss")
                 "<bpmn:endEvent id=\"ee\"><bpmn:errorEventDefinition errorRef=\"E1\"/></bpmn:endEvent>" F("f1", "ss", "ee")
                 "<bpmn:subProcess id=\"fixer\" triggeredByEvent=\"true\"><bpmn:startEvent id=\"es\">"
                 "<bpmn:errorEventDefinition errorRef=\"E1\"/></bpmn:startEvent>" ST("fix", "fixed = true") EE("fe")
                 F("x1", "es", "fix") F("x2", "fix", "fe") "</bpmn:subProcess></bpmn:subProcess>\n"
                 UT("after") EE("e") F("a", "s", "sp") F("b", "sp", "after") F("c", "after", "e")));
    i = start("evs_err", "c612", NULL);
    CHECK_EQ_STR(var(i, "fixed"), "true");
    CHECK_EQ_STR(tokens(i), "after:waiting");
    CHECK(contains(path(i), "ee fixer es fix fe after"));
    check_clean("6.12");
}

static void scope_6_13(void) {
    int64_t i, j;
    deploy_doc("<bpmn:message id=\"r\" name=\"reply\"/>\n"
               P("ebg", SS("s") "<bpmn:eventBasedGateway id=\"g\"/>"
                 "<bpmn:intermediateCatchEvent id=\"mc\"><bpmn:messageEventDefinition messageRef=\"r\"/></bpmn:intermediateCatchEvent>"
                 "<bpmn:intermediateCatchEvent id=\"tc\"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration>"
                 "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>" UT("yes") UT("remind") EE("e1") EE("e2")
                 F("a", "s", "g") F("b", "g", "mc") F("c", "g", "tc") F("d", "mc", "yes") F("h", "tc", "remind")
                 F("k", "yes", "e1") F("l", "remind", "e2")));
    sdm_set_now(db, NOW);
    i = start("ebg", "c613a", NULL);
    j = start("ebg", "c613b", NULL);
    CHECK_EQ_STR(tokens(i), "g:waiting");
    CHECK_EQ_INT(rows(SDM_Q_JOBS, i), 1);
    CHECK_EQ_INT(message("reply", "c613a", NULL), 1);
    CHECK_EQ_STR(path(i), "s g mc yes");
    CHECK_EQ_INT(rows(SDM_Q_JOBS, i), 0);
    CHECK_EQ_INT(tick_at(NOW + 2 * DAY), 1);       /* only j's timer was left */
    CHECK_EQ_STR(path(j), "s g tc remind");
    CHECK_EQ_INT(message("reply", "c613b", NULL), -SDM_ERR_NOTFOUND);
    check_clean("6.13");
    sdm_set_now(db, NOW);
}

static void scope_6_27(void) {
    int64_t i;
    deploy("cgw", SS("s") "<bpmn:complexGateway id=\"split\"/>" UT("a1") UT("a2") ST("a3", "quick = true")
           "<bpmn:complexGateway id=\"join\"><bpmn:activationCondition>activationCount &gt;= 2</bpmn:activationCondition>"
           "</bpmn:complexGateway>" ST("go", "went = var('went', 0) + 1") EE("e")
           F("f0", "s", "split") C("f1", "split", "a1", "true") C("f2", "split", "a2", "true") C("f3", "split", "a3", "true")
           F("f4", "a1", "join") F("f5", "a2", "join") F("f6", "a3", "join") F("f7", "join", "go") F("f8", "go", "e"));
    i = start("cgw", "c627", NULL);
    CHECK(var(i, "went") == NULL);                  /* one arrived (a3): not yet */
    complete(i, "a1", NULL);
    CHECK_EQ_STR(var(i, "went"), "1");              /* two: it fires */
    CHECK_EQ_STR(inst_cell(i, "state"), "active");  /* a2 can still come */
    complete(i, "a2", NULL);
    CHECK_EQ_STR(var(i, "went"), "1");              /* absorbed, not fired again */
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    CHECK(contains(events(i), "activated:join"));
    CHECK(contains(events(i), "absorbed:join"));
    check_clean("6.27");
}

static void scope_6_14(void) {
    int64_t i;
    deploy("links", SS("s") "<bpmn:intermediateThrowEvent id=\"lt\"><bpmn:linkEventDefinition name=\"L\"/></bpmn:intermediateThrowEvent>"
           "<bpmn:intermediateCatchEvent id=\"lc\"><bpmn:linkEventDefinition name=\"L\"/></bpmn:intermediateCatchEvent>"
           EE("e") F("a", "s", "lt") F("b", "lc", "e"));
    i = start("links", "c614", NULL);
    CHECK_EQ_STR(path(i), "s lt lc e");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
}

static void scope_6_15(void) {
    deploy_doc("<bpmn:signal id=\"sg\" name=\"price-drop\"/>\n"
               P("sigstart", "<bpmn:startEvent id=\"ss\" sdm:client=\"acme\"><bpmn:signalEventDefinition signalRef=\"sg\"/>"
                 "</bpmn:startEvent>" UT("call_back") EE("e") F("a", "ss", "call_back") F("b", "call_back", "e")));
    int got = 0;
    CHECK_EQ_INT(sdm_signal(db, "price-drop", NULL, &got, &err), SDM_OK);
    CHECK_EQ_INT(got, 1);
    sdm_filter f = {.process = "sigstart"};
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_query(db, SDM_Q_INSTANCES, &f, &t, &err), SDM_OK);
    CHECK_EQ_INT(t ? t->nrow : 0, 1);
    if (t && t->nrow) CHECK_EQ_STR(table_cell_of(t, "client"), "acme");
    sdm_table_free(t);
    check_clean("6.15");
}

static void scope_6_16(void) {
    int64_t i;
    deploy_doc(P("slow_child", SS("cs") UT("w") EE("ce") F("ca", "cs", "w") F("cb", "w", "ce"))
               P("impatient", SS("s") "<bpmn:callActivity id=\"call\" calledElement=\"slow_child\"/>"
                 "<bpmn:boundaryEvent id=\"tb\" attachedToRef=\"call\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H"
                 "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>" UT("chase") EE("e") EE("e2")
                 F("a", "s", "call") F("b", "call", "e") F("c", "tb", "chase") F("d", "chase", "e2")));
    i = start("impatient", "c616", NULL);
    CHECK_EQ_STR(inst_cell(i + 1, "state"), "active");
    CHECK_EQ_INT(tick_at(NOW + 2 * HOUR), 1);
    CHECK_EQ_STR(inst_cell(i + 1, "state"), "terminated");
    CHECK_EQ_STR(tasks(i + 1, "all"), "w/-/-/cancelled");
    CHECK_EQ_STR(tokens(i), "chase:waiting");
    check_clean("6.16");
    sdm_set_now(db, NOW);
}

static void scope_6_17(void) {
    int64_t i;
    deploy("endless", SS("s") "<bpmn:exclusiveGateway id=\"x\" default=\"b\"/><bpmn:task id=\"t\"/><bpmn:endEvent id=\"end\"/>"
           F("a", "s", "x") F("b", "x", "t") F("c", "t", "x")
           "<bpmn:sequenceFlow id=\"e\" sourceRef=\"x\" targetRef=\"end\"><bpmn:conditionExpression>false</bpmn:conditionExpression></bpmn:sequenceFlow>");
    char msg[1024];
    i = 0;
    CHECK_EQ_INT(sdm_start(db, "endless", "c617", NULL, &i, &err), SDM_ERR_LIMIT);
    CHECK(contains(err.msg, "an endless loop in the model?"));
    CHECK(i > 0);
    CHECK(open_incident(i, msg, sizeof msg) > 0);
    CHECK(contains(msg, "step exceeded its budget: 100000 operations at '"));
    CHECK_EQ_STR(tokens(i), "s:incident");
    check_clean("6.17");
}

static void scope_6_18(void) {
    int64_t i;
    deploy("approve", SS("s")
           "<bpmn:userTask id=\"ok\" sdm:assigneeExpr=\"who\"><bpmn:multiInstanceLoopCharacteristics sdm:collection=\"approvers\""
           " sdm:elementVariable=\"who\"><bpmn:completionCondition>nrOfCompletedInstances &gt;= 2</bpmn:completionCondition>"
           "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>" UT("done") EE("e")
           F("a", "s", "ok") F("b", "ok", "done") F("c", "done", "e"));
    i = start("approve", "c618", "{\"approvers\": [\"ann\", \"bob\", \"cid\"]}");
    CHECK_EQ_STR(tasks(i, "open"), "ok/ann/- ok/bob/- ok/cid/-");
    complete(i, "ok", "{\"last\": \"ann\"}");
    CHECK_EQ_STR(tasks(i, "open"), "ok/bob/- ok/cid/-");
    CHECK_EQ_STR(var(i, "last"), "\"ann\"");
    complete(i, "ok", NULL);
    CHECK_EQ_STR(tasks(i, "all"), "ok/ann/-/completed ok/bob/-/completed ok/cid/-/cancelled done/-/-/open");
    CHECK(var(i, "nrOfCompletedInstances") == NULL);   /* counters live in the body's scope only */
    CHECK(var(i, "who") == NULL);
    check_clean("6.18");
}

static void scope_6_19(void) {
    int64_t i;
    deploy("seq", SS("s") "<bpmn:scriptTask id=\"st\" scriptFormat=\"lua\"><bpmn:multiInstanceLoopCharacteristics isSequential=\"true\">"
           "<bpmn:loopCardinality>n</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
           "<bpmn:script>log = var('log', '') .. loopCounter .. '/' .. nrOfInstances .. ' '</bpmn:script></bpmn:scriptTask>"
           EE("e") F("a", "s", "st") F("b", "st", "e"));
    i = start("seq", "c619", "{\"n\": 3}");
    CHECK_EQ_STR(var(i, "log"), "\"0/3 1/3 2/3 \"");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    i = start("seq", "c619b", "{\"n\": 0}");         /* no instance at all: the activity is done */
    CHECK(var(i, "log") == NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    i = start("seq", "c619c", "{\"n\": \"many\"}");
    char msg[1024];
    CHECK(open_incident(i, msg, sizeof msg) > 0);
    CHECK(contains(msg, "loopCardinality of 'st' gave \"many\", not a count"));
    check_clean("6.19");
}

static void scope_6_20(void) {
    int64_t i;
    deploy("loop", SS("s") "<bpmn:scriptTask id=\"inc\" scriptFormat=\"lua\"><bpmn:standardLoopCharacteristics>"
           "<bpmn:loopCondition>k &lt; 3</bpmn:loopCondition></bpmn:standardLoopCharacteristics><bpmn:script>k = k + 1</bpmn:script>"
           "</bpmn:scriptTask>" EE("e") F("a", "s", "inc") F("b", "inc", "e"));
    i = start("loop", "c620a", "{\"k\": 0}");
    CHECK_EQ_STR(var(i, "k"), "3");
    i = start("loop", "c620b", "{\"k\": 7}");
    CHECK_EQ_STR(var(i, "k"), "8");                 /* runs once before the test */
    deploy("loop_tb", SS("s") "<bpmn:scriptTask id=\"inc\" scriptFormat=\"lua\"><bpmn:standardLoopCharacteristics testBefore=\"true\""
           " loopMaximum=\"2\"><bpmn:loopCondition>true</bpmn:loopCondition></bpmn:standardLoopCharacteristics>"
           "<bpmn:script>k = k + 1</bpmn:script></bpmn:scriptTask>" EE("e") F("a", "s", "inc") F("b", "inc", "e"));
    i = start("loop_tb", "c620c", "{\"k\": 0}");
    CHECK_EQ_STR(var(i, "k"), "2");
    deploy("loop_no", SS("s") "<bpmn:scriptTask id=\"inc\" scriptFormat=\"lua\"><bpmn:standardLoopCharacteristics testBefore=\"true\">"
           "<bpmn:loopCondition>k &lt; 3</bpmn:loopCondition></bpmn:standardLoopCharacteristics><bpmn:script>k = k + 1</bpmn:script>"
           "</bpmn:scriptTask>" EE("e") F("a", "s", "inc") F("b", "inc", "e"));
    i = start("loop_no", "c620d", "{\"k\": 5}");
    CHECK_EQ_STR(var(i, "k"), "5");
    check_clean("6.20");
}

static void scope_6_21(void) {
    int64_t i;
    deploy("mi_sp", SS("s") "<bpmn:subProcess id=\"sp\"><bpmn:multiInstanceLoopCharacteristics>"
           "<bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>" SS("ss")
           "<bpmn:parallelGateway id=\"fork\"/>" ST("a", "hits = var('hits', 0) + 1") ST("b", "hits = var('hits', 0) + 1")
           "<bpmn:parallelGateway id=\"join\"/>" UT("u") EE("se")
           F("f1", "ss", "fork") F("f2", "fork", "a") F("f3", "fork", "b") F("f4", "a", "join") F("f5", "b", "join")
           F("f6", "join", "u") F("f7", "u", "se") "</bpmn:subProcess>" EE("e") F("x", "s", "sp") F("y", "sp", "e"));
    i = start("mi_sp", "c621", NULL);
    CHECK_EQ_STR(var(i, "hits"), "4");
    CHECK_EQ_STR(tasks(i, "open"), "u/-/- u/-/-");
    complete(i, "u", NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "active");
    complete(i, "u", NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("6.21");
}

static void scope_6_22(void) {
    int64_t i;
    deploy("mi_bnd", SS("s") "<bpmn:userTask id=\"call\"><bpmn:multiInstanceLoopCharacteristics>"
           "<bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"
           "<bpmn:boundaryEvent id=\"tb\" attachedToRef=\"call\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H"
           "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>" UT("late") EE("e") EE("e2")
           F("a", "s", "call") F("b", "call", "e") F("c", "tb", "late") F("d", "late", "e2"));
    sdm_set_now(db, NOW);
    i = start("mi_bnd", "c622", NULL);
    complete(i, "call", NULL);
    CHECK_EQ_INT(tick_at(NOW + 2 * HOUR), 1);
    CHECK_EQ_STR(tasks(i, "all"), "call/-/-/completed call/-/-/cancelled call/-/-/cancelled late/-/-/open");
    CHECK_EQ_STR(tokens(i), "late:waiting");
    check_clean("6.22");
    sdm_set_now(db, NOW);
}

static void scope_6_23(void) {
    deploy("comp", SS("s")
           ST("book", "booked = true") "<bpmn:boundaryEvent id=\"cb\" attachedToRef=\"book\"><bpmn:compensateEventDefinition/>"
           "</bpmn:boundaryEvent><bpmn:scriptTask id=\"unbook\" isForCompensation=\"true\" scriptFormat=\"lua\">"
           "<bpmn:script>undone = var('undone', '') .. 'book '</bpmn:script></bpmn:scriptTask>"
           "<bpmn:association id=\"as1\" sourceRef=\"cb\" targetRef=\"unbook\"/>"
           ST("pay", "paid = true") "<bpmn:boundaryEvent id=\"cp\" attachedToRef=\"pay\"><bpmn:compensateEventDefinition/>"
           "</bpmn:boundaryEvent><bpmn:scriptTask id=\"refund\" isForCompensation=\"true\" scriptFormat=\"lua\">"
           "<bpmn:script>undone = var('undone', '') .. 'pay '</bpmn:script></bpmn:scriptTask>"
           "<bpmn:association id=\"as2\" sourceRef=\"cp\" targetRef=\"refund\"/>"
           "<bpmn:intermediateThrowEvent id=\"undo\"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>"
           "<bpmn:intermediateThrowEvent id=\"again\"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>"
           EE("e") F("a", "s", "book") F("b", "book", "pay") F("c", "pay", "undo") F("d", "undo", "again") F("g", "again", "e"));
    int64_t i = start("comp", "c623", NULL);
    CHECK_EQ_STR(var(i, "undone"), "\"pay book \"");
    CHECK_EQ_STR(path(i), "s book pay undo refund unbook again e");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("6.23");
}

static void scope_6_24(void) {
    deploy("callee", SS("cs") ST("cw", "result = 'v1'; saw_secret = defined('secret'); doubled = amount * 2") EE("ce")
           F("ca", "cs", "cw") F("cb", "cw", "ce"));
    deploy("callee", SS("cs") ST("cw", "result = 'v2'") EE("ce") F("ca", "cs", "cw") F("cb", "cw", "ce"));
    deploy("caller", SS("s") "<bpmn:callActivity id=\"call\" calledElement=\"callee\" sdm:version=\"1\" sdm:in=\"amount\""
           " sdm:out=\"result doubled\"/>" EE("e") F("a", "s", "call") F("b", "call", "e"));
    int64_t i = start("caller", "c624", "{\"amount\": 5, \"secret\": 1}");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    CHECK_EQ_STR(var(i, "result"), "\"v1\"");
    CHECK_EQ_STR(var(i, "doubled"), "10");
    CHECK(var(i, "saw_secret") == NULL);           /* not passed back */
    CHECK_EQ_STR(var(i + 1, "saw_secret"), "false"); /* the secret was never passed in */
    deploy("caller_bad", SS("s") "<bpmn:callActivity id=\"call\" calledElement=\"callee\" sdm:version=\"9\"/>" EE("e")
           F("a", "s", "call") F("b", "call", "e"));
    char msg[1024];
    i = start("caller_bad", "c624", NULL);
    CHECK(open_incident(i, msg, sizeof msg) > 0);
    CHECK(contains(msg, "no version 9 of process 'callee' is deployed"));
    check_clean("6.24");
}

static void scope_6_25(void) {
    deploy_doc("<bpmn:message id=\"sg\" name=\"signed\"/>\n"
               P("deal_a", SS("as") "<bpmn:receiveTask id=\"aw\" messageRef=\"sg\" sdm:correlationKey=\"deal\"/>" EE("ae")
                 F("a1", "as", "aw") F("a2", "aw", "ae"))
               P("deal_b", SS("bs") "<bpmn:receiveTask id=\"bw\" messageRef=\"sg\" sdm:correlationKey=\"deal\"/>" EE("be")
                 F("b1", "bs", "bw") F("b2", "bw", "be")));
    int64_t a = start("deal_a", "c625", "{\"deal\": 1}"), b = start("deal_b", "c625", "{\"deal\": 2}");
    CHECK_EQ_INT(message("signed", "c625", "{\"deal\": 2}"), 1);
    CHECK_EQ_STR(inst_cell(b, "state"), "completed");
    CHECK_EQ_STR(inst_cell(a, "state"), "active");
    CHECK_EQ_INT(message("signed", "c625", "{\"deal\": 3}"), -SDM_ERR_NOTFOUND);
    CHECK_EQ_INT(message("signed", "c625", "{\"deal\": 1}"), 1);
    CHECK_EQ_STR(inst_cell(a, "state"), "completed");
    check_clean("6.25");
}

static void scope_6_26(void) {
    deploy("nest_child", SS("ns") "<bpmn:subProcess id=\"each\"><bpmn:multiInstanceLoopCharacteristics sdm:collection=\"items\""
           " sdm:elementVariable=\"item\"/>" SS("es") "<bpmn:subProcess id=\"check\">" SS("cs2") "<bpmn:userTask id=\"look\""
           " sdm:assigneeExpr=\"item\"/>" EE("ce2") F("k1", "cs2", "look") F("k2", "look", "ce2") "</bpmn:subProcess>" EE("ee")
           F("e1", "es", "check") F("e2", "check", "ee") "</bpmn:subProcess>" EE("ne") F("n1", "ns", "each") F("n2", "each", "ne"));
    deploy("nest_parent", SS("s") "<bpmn:callActivity id=\"call\" calledElement=\"nest_child\"/>" UT("after") EE("e")
           F("a", "s", "call") F("b", "call", "after") F("c", "after", "e"));
    int64_t i = start("nest_parent", "c626", "{\"items\": [\"ann\", \"bob\"]}");
    CHECK_EQ_STR(tasks(i + 1, "open"), "look/ann/- look/bob/-");
    complete(i + 1, "look", "{\"seen\": 1}");
    CHECK_EQ_STR(inst_cell(i + 1, "state"), "active");
    complete(i + 1, "look", NULL);
    CHECK_EQ_STR(inst_cell(i + 1, "state"), "completed");
    CHECK_EQ_STR(tokens(i), "after:waiting");
    CHECK_EQ_STR(var(i, "seen"), "1");
    check_clean("6.26");
}

static const struct rt_case cases[] = {
    {"6.1 embedded subprocess: runs inside, a dataObject is local to it, the parent goes on after", scope_6_1},
    {"6.2 interrupting timer boundary on a subprocess cancels every token inside", scope_6_2},
    {"6.3 non-interrupting message boundary on a subprocess: a second path, the inside goes on", scope_6_3},
    {"6.4 terminate end event inside a subprocess ends the subprocess only", scope_6_4},
    {"6.5 a subprocess inside a subprocess; an inclusive join scoped to its run", scope_6_5},
    {"6.6 an error end event is caught by the subprocess's boundary with its code; the inside is cancelled", scope_6_6},
    {"6.28 a script's bpmn_error() is caught by the task's error boundary; its half-made changes are dropped", scope_6_28},
    {"6.7 an error nobody catches is an incident naming the code", scope_6_7},
    {"6.8 an error thrown in a called process reaches the call activity's catch-all boundary", scope_6_8},
    {"6.9 escalation: a non-interrupting boundary path, the inside goes on, the head sees a deviation", scope_6_9},
    {"6.10 an interrupting escalation boundary stops the subprocess at the throw", scope_6_10},
    {"6.11 process-level event subprocesses: a message one beside the work, a timer one that interrupts", scope_6_11},
    {"6.12 an error event subprocess inside a subprocess handles the error; the parent goes on", scope_6_12},
    {"6.13 event-based gateway: the first event wins and the others are cancelled", scope_6_13},
    {"6.27 complex gateway: splits like an inclusive one; the join fires once activationCondition holds, "
                "then absorbs the rest", scope_6_27},
    {"6.14 link events: a throw goes on at the catch of its name", scope_6_14},
    {"6.15 a signal start event starts its process for the client it names", scope_6_15},
    {"6.16 an interrupting timer on a call activity terminates the called instance", scope_6_16},
    {"6.17 a model looping without a wait: the start fails over its budget, the instance rests with an incident", scope_6_17},
    {"6.18 parallel multi-instance user task over a list, with a completion condition", scope_6_18},
    {"6.19 sequential multi-instance script task with a cardinality runs in order", scope_6_19},
    {"6.20 standard loop: do-while by default, while with testBefore, loopMaximum caps", scope_6_20},
    {"6.21 parallel multi-instance subprocess: each run has its own scope and its own parallel join", scope_6_21},
    {"6.22 an interrupting boundary on a multi-instance task cancels every run", scope_6_22},
    {"6.23 a compensation end event runs the handlers of what completed, latest first, once", scope_6_23},
    {"6.24 call activity: a pinned version, variables passed in and back by name", scope_6_24},
    {"6.25 sdm:correlationKey: one client waits in two deals; the message goes to the deal it names", scope_6_25},
    {"6.26 nesting: a subprocess inside a multi-instance inside a called process", scope_6_26},
};

int main(void) {
    rt_cfg.step_ops = 100000;     /* the count, not a loaded machine, ends 6.17 */
    rt_cfg.step_ms = 600000;
    return rt_run(cases, sizeof cases / sizeof *cases);
}
