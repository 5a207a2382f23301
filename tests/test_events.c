/*
** test_events.c — events beyond the plain ones (issue 16): conditional
** events (intermediate, boundary interrupting and not, event-subprocess
** start; re-evaluated when variables change, edge-triggered), a process
** level conditional start refused, catch and throw events with several
** definitions (any one; parallelMultiple: all), a signal reaching parallel
** branches that were moving when it was thrown, timeCycle on an
** intermediate catch event, a receive task that instantiates, the
** compensation start of an event subprocess.
*/
#include "t.h"
#include "rt_fixture.h"

#define P(id, body) "<bpmn:process id=\"" id "\" isExecutable=\"true\">\n" body "</bpmn:process>\n"
#define UT(id) "<bpmn:userTask id=\"" id "\"/>\n"
#define ST(id, code) "<bpmn:scriptTask id=\"" id "\" scriptFormat=\"lua\"><bpmn:script>" code "</bpmn:script></bpmn:scriptTask>\n"
#define SS(id) "<bpmn:startEvent id=\"" id "\"/>\n"
#define EE(id) "<bpmn:endEvent id=\"" id "\"/>\n"
#define COND(c) "<bpmn:conditionalEventDefinition><bpmn:condition>" c "</bpmn:condition></bpmn:conditionalEventDefinition>"
#define CATCH(id, defs) "<bpmn:intermediateCatchEvent id=\"" id "\">" defs "</bpmn:intermediateCatchEvent>\n"
#define SIG(ref) "<bpmn:signalEventDefinition signalRef=\"" ref "\"/>"
#define MSG(ref) "<bpmn:messageEventDefinition messageRef=\"" ref "\"/>"

static int set_vars(int64_t inst, const char *vars) {
    memset(&err, 0, sizeof err);
    int rc = sdm_set_vars(db, inst, vars, &err);
    if (rc) fprintf(stderr, "  (set %s: %s)\n", vars, err.msg);
    CHECK_EQ_INT(rc, SDM_OK);
    return rc;
}

static int signal_(const char *name) {
    int got = 0;
    memset(&err, 0, sizeof err);
    int rc = sdm_signal(db, name, NULL, &got, &err);
    if (rc) fprintf(stderr, "  (signal %s: %s)\n", name, err.msg);
    return rc ? -rc : got;
}

static void refused(const char *content, const char *id, const char *needle) { deploy_refused(content, id, needle); }

static int has(const char *hay, const char *needle) {
    int ok = strstr(hay, needle) != NULL;
    if (!ok) fprintf(stderr, "  ('%s' not in '%s')\n", needle, hay);
    return ok;
}

static void conditional(void) {
    int64_t i;
    T_CASE("16.1 conditional intermediate catch: waits until a variable change makes it true");
    deploy("c_catch", SS("s") CATCH("wait", COND("approved == true")) UT("after") EE("e")
           F("a", "s", "wait") F("b", "wait", "after") F("c", "after", "e"));
    i = start("c_catch", "c1", NULL);
    CHECK_EQ_STR(tokens(i), "wait:waiting");
    CHECK(has(events(i), "condition-error:wait"));      /* `approved` not set yet: does not hold */
    set_vars(i, "{\"approved\": false}");
    CHECK_EQ_STR(tokens(i), "wait:waiting");
    set_vars(i, "{\"approved\": true}");
    CHECK_EQ_STR(tokens(i), "after:waiting");
    CHECK(has(events(i), "condition:wait"));
    i = start("c_catch", "c1b", "{\"approved\": true}");     /* true on arrival: goes on at once */
    CHECK_EQ_STR(tokens(i), "after:waiting");
    check_clean("16.1");

    T_CASE("16.2 conditional boundary, interrupting: a variable change cuts the task short");
    deploy("c_bnd", SS("s") UT("work") "<bpmn:boundaryEvent id=\"big\" attachedToRef=\"work\">" COND("amount > 100")
           "</bpmn:boundaryEvent>" UT("approve") EE("e") EE("e2")
           F("a", "s", "work") F("b", "work", "e") F("c", "big", "approve") F("d", "approve", "e2"));
    i = start("c_bnd", "c2", "{\"amount\": 10}");
    CHECK_EQ_STR(tasks(i, "open"), "work/-/-");
    set_vars(i, "{\"amount\": 50}");
    CHECK_EQ_STR(tasks(i, "open"), "work/-/-");
    set_vars(i, "{\"amount\": 500}");
    CHECK_EQ_STR(tasks(i, "open"), "approve/-/-");
    CHECK_EQ_INT(count(SDM_Q_TASKS, i, "cancelled"), 1);
    i = start("c_bnd", "c2b", "{\"amount\": 500}");         /* true when the task is reached */
    CHECK_EQ_STR(tasks(i, "open"), "approve/-/-");
    check_clean("16.2");

    T_CASE("16.3 conditional boundary, non-interrupting: fires on each false-to-true change only");
    deploy("c_nib", SS("s") UT("work") "<bpmn:boundaryEvent id=\"hot\" attachedToRef=\"work\" cancelActivity=\"false\">"
           COND("level > 5") "</bpmn:boundaryEvent>" ST("note", "notes = (var('notes') or 0) + 1") EE("e") EE("e2")
           F("a", "s", "work") F("b", "work", "e") F("c", "hot", "note") F("d", "note", "e2"));
    i = start("c_nib", "c3", "{\"level\": 1}");
    CHECK(var(i, "notes") == NULL);
    set_vars(i, "{\"level\": 6}");
    CHECK_EQ_STR(var(i, "notes"), "1");
    set_vars(i, "{\"level\": 7}");                         /* still true: no second firing */
    CHECK_EQ_STR(var(i, "notes"), "1");
    set_vars(i, "{\"level\": 2}");
    CHECK_EQ_STR(var(i, "notes"), "1");
    set_vars(i, "{\"level\": 9}");                         /* true again */
    CHECK_EQ_STR(var(i, "notes"), "2");
    CHECK_EQ_STR(tasks(i, "open"), "work/-/-");
    complete(i, "work", NULL);
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    check_clean("16.3");

    T_CASE("16.4 conditional start of an event subprocess: non-interrupting and interrupting");
    deploy("c_evs", SS("s") UT("work") EE("e") F("a", "s", "work") F("b", "work", "e")
           "<bpmn:subProcess id=\"watch\" triggeredByEvent=\"true\"><bpmn:startEvent id=\"ws\" isInterrupting=\"false\">"
           COND("risk == 'high'") "</bpmn:startEvent>" ST("warn", "warned = (var('warned') or 0) + 1") EE("we")
           F("w1", "ws", "warn") F("w2", "warn", "we") "</bpmn:subProcess>"
           "<bpmn:subProcess id=\"stop\" triggeredByEvent=\"true\"><bpmn:startEvent id=\"xs\">"
           COND("cancelled == true") "</bpmn:startEvent>" EE("xe") F("x1", "xs", "xe") "</bpmn:subProcess>");
    i = start("c_evs", "c4", "{\"risk\": \"low\", \"cancelled\": false}");
    set_vars(i, "{\"risk\": \"high\"}");
    CHECK_EQ_STR(var(i, "warned"), "1");
    CHECK_EQ_STR(tasks(i, "open"), "work/-/-");
    set_vars(i, "{\"risk\": \"high\", \"other\": 1}");     /* still high: no second run */
    CHECK_EQ_STR(var(i, "warned"), "1");
    set_vars(i, "{\"cancelled\": true}");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    CHECK_EQ_INT(count(SDM_Q_TASKS, i, "cancelled"), 1);
    check_clean("16.4");

    T_CASE("16.5 a script's writes reach a conditional catch in a parallel branch of the same step");
    deploy("c_step", SS("s") "<bpmn:parallelGateway id=\"fork\"/>" CATCH("wait", COND("ready == 1")) UT("a")
           ST("set", "ready = 1") UT("b") EE("e1") EE("e2")
           F("f0", "s", "fork") F("f1", "fork", "wait") F("f2", "fork", "set") F("f3", "wait", "a") F("f4", "set", "b")
           F("f5", "a", "e1") F("f6", "b", "e2"));
    i = start("c_step", "c5", "{\"ready\": 0}");
    CHECK_EQ_STR(tasks(i, "open"), "b/-/- a/-/-");       /* the catch fired after the script; b was queued first */
    check_clean("16.5");

    T_CASE("16.6 a process-level conditional start is refused at deploy, naming it");
    refused(P("c_top", "<bpmn:startEvent id=\"cs\">" COND("x == 1") "</bpmn:startEvent>" EE("e") F("a", "cs", "e")),
            "cs", "conditional startEvent 'cs'");
    refused(P("c_juel", SS("s") CATCH("w", COND("${x == 1}")) EE("e") F("a", "s", "w") F("b", "w", "e")),
            "w", "JUEL");
    refused(P("c_empty", SS("s") CATCH("w", "<bpmn:conditionalEventDefinition/>") EE("e") F("a", "s", "w")
              F("b", "w", "e")), "w", "has no condition");
}

static void several(void) {
    int64_t i;
    T_CASE("16.7 a catch or boundary with two definitions: either triggers, the other is withdrawn");
    deploy_doc("<bpmn:signal id=\"s1\" name=\"stop\"/><bpmn:message id=\"m1\" name=\"paid\"/>"
               P("m_any", SS("s") CATCH("w", SIG("s1") MSG("m1")) UT("after") EE("e")
                 F("a", "s", "w") F("b", "w", "after") F("c", "after", "e")));
    i = start("m_any", "c7", NULL);
    CHECK_EQ_INT(message("paid", "c7", NULL), 1);
    CHECK_EQ_STR(tokens(i), "after:waiting");
    CHECK_EQ_INT(signal_("stop"), 0);                       /* the signal's subscription went with the wait */
    i = start("m_any", "c7b", NULL);
    CHECK_EQ_INT(signal_("stop"), 1);
    CHECK_EQ_STR(tokens(i), "after:waiting");
    CHECK_EQ_INT(message("paid", "c7b", NULL), -SDM_ERR_NOTFOUND);
    deploy_doc("<bpmn:signal id=\"s2\" name=\"halt\"/><bpmn:message id=\"m2\" name=\"refund\"/>"
               P("m_bnd", SS("s") UT("work") "<bpmn:boundaryEvent id=\"b\" attachedToRef=\"work\">" MSG("m2") SIG("s2")
                 "</bpmn:boundaryEvent>" UT("undo") EE("e") EE("e2")
                 F("a", "s", "work") F("c", "work", "e") F("d", "b", "undo") F("f", "undo", "e2")));
    i = start("m_bnd", "c7c", NULL);
    CHECK_EQ_INT(signal_("halt"), 1);                       /* the boundary's second definition */
    CHECK_EQ_STR(tasks(i, "open"), "undo/-/-");
    CHECK_EQ_INT(message("refund", "c7c", NULL), -SDM_ERR_NOTFOUND);
    i = start("m_bnd", "c7d", NULL);
    CHECK_EQ_INT(message("refund", "c7d", NULL), 1);
    CHECK_EQ_STR(tasks(i, "open"), "undo/-/-");
    check_clean("16.7");

    T_CASE("16.8 parallelMultiple: the catch waits for every definition");
    deploy_doc("<bpmn:signal id=\"s1\" name=\"one\"/><bpmn:signal id=\"s2\" name=\"two\"/>"
               P("m_all", SS("s") "<bpmn:intermediateCatchEvent id=\"w\" parallelMultiple=\"true\">" SIG("s1") SIG("s2")
                 "</bpmn:intermediateCatchEvent>" UT("after") EE("e")
                 F("a", "s", "w") F("b", "w", "after") F("c", "after", "e")));
    i = start("m_all", "c8", NULL);
    CHECK_EQ_INT(signal_("two"), 1);
    CHECK_EQ_STR(tokens(i), "w:waiting");
    CHECK_EQ_INT(signal_("two"), 0);                        /* that one came already */
    CHECK_EQ_INT(signal_("one"), 1);
    CHECK_EQ_STR(tokens(i), "after:waiting");
    check_clean("16.8");

    T_CASE("16.9 a throw with two definitions throws both; a start with two starts by either");
    deploy_doc("<bpmn:signal id=\"s1\" name=\"alpha\"/><bpmn:signal id=\"s2\" name=\"beta\"/>"
               P("m_throw", SS("s") "<bpmn:parallelGateway id=\"fork\"/>" CATCH("ca", SIG("s1")) CATCH("cb", SIG("s2"))
                 UT("ua") UT("ub") "<bpmn:intermediateThrowEvent id=\"t\">" SIG("s1") SIG("s2")
                 "</bpmn:intermediateThrowEvent>" EE("e1") EE("e2") EE("e3")
                 F("f0", "s", "fork") F("f1", "fork", "ca") F("f2", "fork", "cb") F("f3", "fork", "t")
                 F("f4", "ca", "ua") F("f5", "cb", "ub") F("f6", "t", "e1") F("f7", "ua", "e2") F("f8", "ub", "e3")));
    i = start("m_throw", "c9", NULL);
    CHECK_EQ_STR(tasks(i, "open"), "ua/-/- ub/-/-");
    deploy_doc("<bpmn:signal id=\"s3\" name=\"gamma\"/><bpmn:message id=\"m3\" name=\"order\"/>"
               P("m_start", "<bpmn:startEvent id=\"st\" sdm:client=\"house\">" MSG("m3") SIG("s3") "</bpmn:startEvent>"
                 UT("u") EE("e") F("a", "st", "u") F("b", "u", "e")));
    CHECK_EQ_INT(message("order", "c9b", NULL), 1);
    CHECK_EQ_INT(signal_("gamma"), 1);
    check_clean("16.9");

    T_CASE("16.10 several definitions sdm cannot combine are refused, naming the element");
    refused("<bpmn:signal id=\"s1\" name=\"x\"/>" P("m_bad", SS("s") CATCH("w", SIG("s1")
            "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>")
            EE("e") F("a", "s", "w") F("b", "w", "e")), "w", "several event definitions");
    refused("<bpmn:signal id=\"s1\" name=\"x\"/><bpmn:signal id=\"s2\" name=\"y\"/>"
            P("m_pm", SS("s") UT("u") "<bpmn:boundaryEvent id=\"b\" attachedToRef=\"u\" parallelMultiple=\"true\">"
              SIG("s1") SIG("s2") "</bpmn:boundaryEvent>" EE("e") EE("e2") F("a", "s", "u") F("c", "u", "e")
              F("d", "b", "e2")), "b", "parallelMultiple");
}

static void signals_and_timers(void) {
    int64_t i;
    T_CASE("16.11 a signal thrown by a parallel branch reaches a catch its sibling reaches later in the step");
    deploy_doc("<bpmn:signal id=\"s1\" name=\"go\"/>"
               P("l_par", SS("s") "<bpmn:parallelGateway id=\"fork\"/>" "<bpmn:intermediateThrowEvent id=\"t\">" SIG("s1")
                 "</bpmn:intermediateThrowEvent>" ST("first", "x = 1") CATCH("c", SIG("s1")) UT("u") EE("e1") EE("e2")
                 F("f0", "s", "fork") F("f1", "fork", "t") F("f2", "fork", "first") F("f3", "first", "c")
                 F("f4", "c", "u") F("f5", "t", "e1") F("f6", "u", "e2")));
    i = start("l_par", "c11", NULL);
    CHECK_EQ_STR(tokens(i), "u:waiting");
    /* the thrower's own token going on does not catch what it threw */
    deploy_doc("<bpmn:signal id=\"s2\" name=\"self\"/>"
               P("l_seq", SS("s") "<bpmn:intermediateThrowEvent id=\"t\">" SIG("s2") "</bpmn:intermediateThrowEvent>"
                 CATCH("c", SIG("s2")) UT("u") EE("e") F("a", "s", "t") F("b", "t", "c") F("c1", "c", "u") F("d", "u", "e")));
    i = start("l_seq", "c11", NULL);
    CHECK_EQ_STR(tokens(i), "c:waiting");
    check_clean("16.11");

    T_CASE("16.12 timeCycle on an intermediate catch: each firing sends a token on, the last takes the waiting one");
    deploy("t_cycle", SS("s") CATCH("tick", "<bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1H</bpmn:timeCycle>"
           "</bpmn:timerEventDefinition>") ST("count", "n = (var('n') or 0) + 1") EE("e")
           F("a", "s", "tick") F("b", "tick", "count") F("c", "count", "e"));
    sdm_set_now(db, NOW);
    i = start("t_cycle", "c12", NULL);
    tick_at(NOW + HOUR);
    CHECK_EQ_STR(var(i, "n"), "1");
    CHECK_EQ_STR(tokens(i), "tick:waiting");
    tick_at(NOW + 2 * HOUR);
    CHECK_EQ_STR(var(i, "n"), "2");
    tick_at(NOW + 3 * HOUR);
    CHECK_EQ_STR(var(i, "n"), "3");
    CHECK_EQ_STR(inst_cell(i, "state"), "completed");
    sdm_set_now(db, NOW);
    refused(P("t_forever", SS("s") CATCH("tick", "<bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1H</bpmn:timeCycle>"
              "</bpmn:timerEventDefinition>") EE("e") F("a", "s", "tick") F("b", "tick", "e")),
            "tick", "repeats without end");
    check_clean("16.12");
}

static void instantiate(void) {
    T_CASE("16.13 a receive task with instantiate=\"true\" starts its process when its message comes");
    deploy_doc("<bpmn:message id=\"m1\" name=\"lead\"/>"
               P("r_inst", "<bpmn:receiveTask id=\"r\" messageRef=\"m1\" instantiate=\"true\"/>" UT("call")
                 F("a", "r", "call")));   /* no end event: with one, a start event is required (EXT.097) */
    CHECK_EQ_INT(message("lead", "c13", NULL), 1);
    sdm_filter f = {.client = "c13"};
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_query(db, SDM_Q_INSTANCES, &f, &t, &err), SDM_OK);
    CHECK_EQ_INT(t ? t->nrow : -1, 1);
    int64_t i = t && t->nrow ? atoll(t->cells[0]) : 0;
    sdm_table_free(t);
    CHECK_EQ_STR(tokens(i), "call:waiting");
    CHECK(has(events(i), "message:r"));
    refused("<bpmn:message id=\"m2\" name=\"x\"/>"
            P("r_sub", SS("s") "<bpmn:subProcess id=\"sp\"><bpmn:receiveTask id=\"r\" messageRef=\"m2\" "
              "instantiate=\"true\"/>" EE("se") F("a", "r", "se") "</bpmn:subProcess>" EE("e")
              F("b", "s", "sp") F("c", "sp", "e")), "r", "instantiate");
    check_clean("16.13");
}

#define COMP "<bpmn:compensateEventDefinition/>"

static void compensation_sub(void) {
    T_CASE("16.14 a compensation event subprocess compensates its subprocess: its throw reaches what ran inside");
    deploy("k_evsub", SS("s") "<bpmn:subProcess id=\"sp\">" SS("ss") ST("work", "done = 1")
           "<bpmn:boundaryEvent id=\"cb\" attachedToRef=\"work\">" COMP "</bpmn:boundaryEvent>"
           "<bpmn:scriptTask id=\"undo\" isForCompensation=\"true\" scriptFormat=\"lua\"><bpmn:script>"
           "undone = (var('undone') or 0) + 1</bpmn:script></bpmn:scriptTask>"
           "<bpmn:association id=\"as\" sourceRef=\"cb\" targetRef=\"undo\"/>" EE("se") F("a1", "ss", "work") F("a2", "work", "se")
           "<bpmn:subProcess id=\"ce\" triggeredByEvent=\"true\"><bpmn:startEvent id=\"cs\">" COMP "</bpmn:startEvent>"
           ST("note", "noted = 1") "<bpmn:intermediateThrowEvent id=\"ct\">" COMP "</bpmn:intermediateThrowEvent>" EE("ce_e")
           F("c1", "cs", "note") F("c2", "note", "ct") F("c3", "ct", "ce_e") "</bpmn:subProcess>"
           "</bpmn:subProcess>" "<bpmn:intermediateThrowEvent id=\"t\">" COMP "</bpmn:intermediateThrowEvent>" UT("after") EE("e")
           F("f1", "s", "sp") F("f2", "sp", "t") F("f3", "t", "after") F("f4", "after", "e"));
    int64_t i = start("k_evsub", "c14", NULL);
    CHECK_EQ_STR(tokens(i), "after:waiting");
    CHECK_EQ_STR(var(i, "noted"), "1");
    CHECK_EQ_STR(var(i, "undone"), "1");
    CHECK(has(path(i), "ce cs note ct undo"));
    refused(P("k_top", SS("s") UT("u") EE("e") F("a", "s", "u") F("b", "u", "e")
              "<bpmn:subProcess id=\"ce\" triggeredByEvent=\"true\"><bpmn:startEvent id=\"cs\">" COMP "</bpmn:startEvent>"
              EE("ce_e") F("c1", "cs", "ce_e") "</bpmn:subProcess>"), "cs", "must be inside a subProcess");
    check_clean("16.14");
}

int main(void) {
    char dir[] = "/tmp/sdm_events_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    sdm_config cfg = {.scripts_dir = dir, .actor = "tester", .now = NOW, .lua_instructions = 1000000,
                      .time_zone = "UTC", .step_ops = 100000, .step_ms = 600000};
    if (sdm_open(&db, ":memory:", &cfg, &err) != SDM_OK) { fprintf(stderr, "open: %s\n", err.msg); return 1; }
    conditional();
    several();
    signals_and_timers();
    instantiate();
    compensation_sub();
    sdm_close(db);
    rmdir(dir);
    return t_done();
}
