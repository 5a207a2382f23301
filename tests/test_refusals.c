/*
** test_refusals.c — what would run wrong is refused instead (issue 16): a
** call activity whose process is a documentation model (isExecutable=
** "false"): refused at deploy when the same file holds it, an incident at
** the call otherwise, retried once the process is executable; a timeCycle
** given as Lua on an intermediate catch event whose value repeats without
** end: an incident at the event (a bounded value runs; behind an
** event-based gateway, where a cycle fires once, it runs too).
*/
#include "t.h"
#include "rt_fixture.h"

#define P(id, exec, body) "<bpmn:process id=\"" id "\" isExecutable=\"" exec "\">\n" body "</bpmn:process>\n"
#define UT(id) "<bpmn:userTask id=\"" id "\"/>\n"
#define SS(id) "<bpmn:startEvent id=\"" id "\"/>\n"
#define EE(id) "<bpmn:endEvent id=\"" id "\"/>\n"
#define CALL(id, proc) "<bpmn:callActivity id=\"" id "\" calledElement=\"" proc "\"/>\n"
#define CYCLE(id, v) "<bpmn:intermediateCatchEvent id=\"" id "\"><bpmn:timerEventDefinition><bpmn:timeCycle>" v \
    "</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>\n"

static int instances(void) {
    sdm_filter f = {.state = "all"};
    sdm_table *t = NULL;
    int n = -1;
    if (sdm_query(db, SDM_Q_INSTANCES, &f, &t, &err) == SDM_OK) n = t->nrow;
    sdm_table_free(t);
    return n;
}

static void call_same_file(void) {
    deploy_refused(P("caller", "true", SS("s") CALL("c", "drawn") EE("e") F("a", "s", "c") F("b", "c", "e"))
            P("drawn", "false", SS("ds") UT("du") EE("de") F("d1", "ds", "du") F("d2", "du", "de")),
            "c", "documentation model");
    /* the same pair with the called process executable deploys */
    deploy_doc(P("caller", "true", SS("s") CALL("c", "drawn") EE("e") F("a", "s", "c") F("b", "c", "e"))
               P("drawn", "true", SS("ds") UT("du") EE("de") F("d1", "ds", "du") F("d2", "du", "de")));
}

static void call_other_file(void) {
    deploy_text("drawn.bpmn", "drawn", P("drawn", "false", SS("ds") UT("du") EE("de") F("d1", "ds", "du") F("d2", "du", "de")));
    deploy("caller", SS("s") CALL("c", "drawn") UT("after") EE("e") F("a", "s", "c") F("b", "c", "after") F("x", "after", "e"));
    int64_t i = start("caller", "k1", NULL);
    char msg[512];
    int64_t inc = open_incident(i, msg, sizeof msg);
    CHECK(inc > 0);
    CHECK_CONTAINS(msg, "callActivity 'c'");
    CHECK_CONTAINS(msg, "documentation model");
    CHECK_EQ_STR(tokens(i), "c:incident");
    CHECK_EQ_INT(instances(), 1);                  /* no instance of the drawn process was made */
    /* made executable, the call runs on retry */
    deploy_text("drawn.bpmn", "drawn", P("drawn", "true", SS("ds") UT("du") EE("de") F("d1", "ds", "du") F("d2", "du", "de")));
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(sdm_retry(db, inc, &err), SDM_OK);
    CHECK_EQ_INT(instances(), 2);
    CHECK_EQ_STR(tokens(i), "c:waiting");
}

static void lua_cycle_endless(void) {
    deploy("cyc", SS("s") CYCLE("tick", "var('cyc')") UT("u") EE("e") F("a", "s", "tick") F("b", "tick", "u") F("c", "u", "e"));
    int64_t i = start("cyc", "k2", "{\"cyc\": \"R/PT1H\"}");
    char msg[512];
    CHECK(open_incident(i, msg, sizeof msg) > 0);
    CHECK_CONTAINS(msg, "repeats without end");
    CHECK_CONTAINS(msg, "var('cyc')");
    CHECK_EQ_STR(tokens(i), "tick:incident");
    CHECK_EQ_INT(tick_at(NOW + 2 * HOUR), 0);       /* nothing was armed */
    /* a start date without an end is as endless */
    i = start("cyc", "k3", "{\"cyc\": \"R/2024-03-01T18:00:00Z/PT1H\"}");
    CHECK(open_incident(i, msg, sizeof msg) > 0);
    CHECK_CONTAINS(msg, "repeats without end");
}

static void lua_cycle_bounded(void) {
    deploy("cyc", SS("s") CYCLE("tick", "var('cyc')") UT("u") EE("e") F("a", "s", "tick") F("b", "tick", "u") F("c", "u", "e"));
    int64_t i = start("cyc", "k4", "{\"cyc\": \"R2/PT1H\"}");
    CHECK_EQ_INT(open_incident(i, NULL, 0), 0);
    CHECK_EQ_STR(tokens(i), "tick:waiting");
    tick_at(NOW + HOUR);
    tick_at(NOW + 2 * HOUR);
    CHECK_EQ_STR(tokens(i), "u:waiting u:waiting");
}

static void lua_cycle_gated(void) {
    /* behind an event-based gateway the first firing wins: no endless tokens */
    deploy_doc("<bpmn:message id=\"m\" name=\"answer\"/>"
               P("gated", "true", SS("s") "<bpmn:eventBasedGateway id=\"g\"/>\n" CYCLE("tick", "var('cyc')")
                 "<bpmn:intermediateCatchEvent id=\"msg\"><bpmn:messageEventDefinition messageRef=\"m\"/>"
                 "</bpmn:intermediateCatchEvent>\n" UT("late") UT("answered") EE("e1") EE("e2")
                 F("a", "s", "g") F("b", "g", "tick") F("c", "g", "msg") F("d", "tick", "late") F("x", "msg", "answered")
                 F("y", "late", "e1") F("z", "answered", "e2")));
    int64_t i = start("gated", "k5", "{\"cyc\": \"R/PT1H\"}");
    CHECK_EQ_INT(open_incident(i, NULL, 0), 0);
    tick_at(NOW + HOUR);
    tick_at(NOW + 3 * HOUR);
    CHECK_EQ_STR(tokens(i), "late:waiting");
}

int main(void) {
    static const struct rt_case cases[] = {
        {"16.40 a call of a documentation model in the same file is refused at deploy", call_same_file},
        {"16.41 a call of a documentation model deployed apart is an incident; retried once executable", call_other_file},
        {"16.42 a Lua timeCycle that repeats without end on a catch event is an incident", lua_cycle_endless},
        {"16.43 a Lua timeCycle with a count runs its firings", lua_cycle_bounded},
        {"16.44 an endless Lua timeCycle behind an event-based gateway fires once", lua_cycle_gated},
    };
    return rt_run(cases, sizeof cases / sizeof *cases);
}
