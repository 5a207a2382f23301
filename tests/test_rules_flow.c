/*
** test_rules_flow.c — the BPMN spec's static rules that deploy refuses naming
** them (betsy's EXT.nnn ids, [REF] for a reference to the wrong kind of
** element): each case breaks one rule in a small model and checks the
** refusal names the rule and the element; where a rule has a neighbour
** that must still deploy (sdm's own reading of a model, a valid form of
** the same element), that deploys.
*/
#include "sdm.h"
#include "t.h"
#include "deploy_rows.h"

static sdm_err err;
static sdm *db;

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
    "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:sdm=\"urn:sdm:bpmn:1\"" \
    " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" id=\"d\" targetNamespace=\"x\"%s>\n"
#define PROC(id) "<bpmn:process id=\"" id "\" isExecutable=\"true\">\n"
#define TAIL "</bpmn:process></bpmn:definitions>\n"
#define F(id, a, b) "<bpmn:sequenceFlow id=\"" id "\" sourceRef=\"" a "\" targetRef=\"" b "\"/>\n"
/* start s -> [a ... ] -> end e: the body names its first node a and its last z */
#define LINE(id, inner) PROC(id) "<bpmn:startEvent id=\"s\"/>" F("f0", "s", "a") inner F("f9", "z", "e") \
    "<bpmn:endEvent id=\"e\"/>\n" TAIL
#define XPATH " expressionLanguage=\"http://www.w3.org/1999/XPath\""
#define FORMAL " xsi:type=\"bpmn:tFormalExpression\""

static int deploy(const char *defs_attrs, const char *body) {
    return deploy_rows(db, "rules.bpmn", HEAD, defs_attrs, body, &err);
}

/* The model is refused, and an error line names `rule` and `element`. */
static void refused(const char *defs_attrs, const char *body, const char *rule, const char *element) {
    CHECK_EQ_INT(deploy(defs_attrs, body), SDM_ERR_MODEL);
    int named = 0;
    for (const char *l = text; *l; ) {
        const char *eol = strchr(l, '\n');
        size_t len = eol ? (size_t)(eol - l) : strlen(l);
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)len, l);
        const char *tag = strrchr(line, '[');
        named |= strncmp(line, "error", 5) == 0 && tag && strstr(tag, rule) && strstr(line, element);
        l += len + (eol ? 1 : 0);
    }
    if (!named) fprintf(stderr, "  (wanted [%s] on %s in:\n%s)\n", rule, element, text);
    CHECK(named);
}

static void deploys(const char *defs_attrs, const char *body) {
    int rc = deploy(defs_attrs, body);
    if (rc) fprintf(stderr, "  (refused:\n%s)\n", text);
    CHECK_EQ_INT(rc, SDM_OK);
}

static void activities(void) {
    T_CASE("1.1 startQuantity below one [EXT.037], completionQuantity below one [EXT.038]");
    refused(NULL, LINE("q1", "<bpmn:task id=\"a\" startQuantity=\"0\"/>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"),
            "EXT.037", "'a'");
    refused(NULL, LINE("q2", "<bpmn:task id=\"a\" completionQuantity=\"-5\"/>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"),
            "EXT.038", "'a'");
    T_CASE("1.2 an ad-hoc subprocess holds an activity [EXT.061], no start or end event [EXT.062]");
    refused(NULL, LINE("ah1", "<bpmn:adHocSubProcess id=\"a\"/>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"),
            "EXT.061", "'a'");
    refused(NULL, LINE("ah2", "<bpmn:adHocSubProcess id=\"a\"><bpmn:startEvent id=\"in\"/><bpmn:task id=\"t\"/>"
                       "</bpmn:adHocSubProcess>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"), "EXT.062", "'in'");
    deploys(NULL, LINE("ah3", "<bpmn:adHocSubProcess id=\"a\"><bpmn:task id=\"t\"/></bpmn:adHocSubProcess>"
                       F("f1", "a", "z") "<bpmn:task id=\"z\"/>"));
    T_CASE("1.3 multi-instance with neither cardinality nor collection [EXT.067]");
    refused(NULL, LINE("mi", "<bpmn:task id=\"a\"><bpmn:multiInstanceLoopCharacteristics/></bpmn:task>"
                       F("f1", "a", "z") "<bpmn:task id=\"z\"/>"), "EXT.067", "'a'");
    T_CASE("1.4 a subprocess declares no data of its own [EXT.079]");
    refused(NULL, LINE("io", "<bpmn:subProcess id=\"a\"><bpmn:ioSpecification><bpmn:dataInput id=\"di\"/>"
                       "<bpmn:inputSet><bpmn:dataInputRefs>di</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet/>"
                       "</bpmn:ioSpecification><bpmn:startEvent id=\"is\"/>" F("g1", "is", "ie") "<bpmn:endEvent id=\"ie\"/>"
                       "</bpmn:subProcess>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"), "EXT.079", "'a'");
    T_CASE("1.5 a transaction's method is ##Compensate, ##Image, ##Store or a URI [EXT.060]");
    refused(NULL, LINE("tm", "<bpmn:transaction id=\"a\" method=\"_invalid_URI!$%\"><bpmn:startEvent id=\"is\"/>"
                       F("g1", "is", "ie") "<bpmn:endEvent id=\"ie\"/></bpmn:transaction>" F("f1", "a", "z")
                       "<bpmn:task id=\"z\"/>"), "EXT.060", "'a'");
    deploys(NULL, LINE("tm2", "<bpmn:transaction id=\"a\" method=\"##Compensate\"><bpmn:startEvent id=\"is\"/>"
                       F("g1", "is", "ie") "<bpmn:endEvent id=\"ie\"/></bpmn:transaction>" F("f1", "a", "z")
                       "<bpmn:task id=\"z\"/>"));
}

static void scripts(void) {
    T_CASE("2.1 a script without scriptFormat is Lua; one that is not Lua names the missing format [EXT.053]");
    deploys(NULL, LINE("sc1", "<bpmn:scriptTask id=\"a\"><bpmn:script>n = 1</bpmn:script></bpmn:scriptTask>"
                       F("f1", "a", "z") "<bpmn:task id=\"z\"/>"));
    refused(NULL, LINE("sc2", "<bpmn:scriptTask id=\"a\"><bpmn:script>a dummy script</bpmn:script></bpmn:scriptTask>"
                       F("f1", "a", "z") "<bpmn:task id=\"z\"/>"), "EXT.053", "'a'");
    T_CASE("2.2 a scriptFormat is a MIME type [EXT.145]");
    refused(NULL, LINE("sc3", "<bpmn:scriptTask id=\"a\" scriptFormat=\"INVALID\"><bpmn:script>n = 1</bpmn:script>"
                       "</bpmn:scriptTask>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"), "EXT.145", "'a'");
    deploys(NULL, LINE("sc4", "<bpmn:scriptTask id=\"a\" scriptFormat=\"text/x-lua\"><bpmn:script>n = 1</bpmn:script>"
                       "</bpmn:scriptTask>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"));
}

static void events(void) {
    T_CASE("3.1 a level (subprocess or process) that starts with a start event ends with an end event [EXT.105]");
    refused(NULL, LINE("se", "<bpmn:subProcess id=\"a\"><bpmn:startEvent id=\"is\"/>" F("g1", "is", "it")
                       "<bpmn:task id=\"it\"/></bpmn:subProcess>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"),
            "EXT.105", "'a'");
    refused(NULL, PROC("se2") "<bpmn:startEvent id=\"s\"/>" F("f0", "s", "a") "<bpmn:userTask id=\"a\"/>" TAIL,
            "EXT.105", "'se2'");
    deploys(NULL, PROC("se3") "<bpmn:startEvent id=\"s\"/>" F("f0", "s", "a") "<bpmn:userTask id=\"a\"/>"
                  F("f1", "a", "end") "<bpmn:endEvent id=\"end\"/>" TAIL);
    T_CASE("3.1b a process with no start event is not concerned by EXT.105");
    deploys(NULL, PROC("se4") "<bpmn:startEvent id=\"s\"/>" F("f0", "s", "e") "<bpmn:endEvent id=\"e\"/></bpmn:process>\n"
                  "<bpmn:process id=\"se4b\" isExecutable=\"false\"><bpmn:task id=\"b\"/>" F("g1", "b", "c") "<bpmn:task id=\"c\"/>" TAIL);
    T_CASE("3.2 intermediate events are reached by a flow [EXT.115] and left by one [EXT.116]");
    refused(NULL, LINE("ie1", "<bpmn:task id=\"a\"/>" F("f1", "a", "z") "<bpmn:intermediateThrowEvent id=\"t\"/>"
                       F("f2", "t", "z") "<bpmn:task id=\"z\"/>"), "EXT.115", "'t'");
    refused(NULL, LINE("ie2", "<bpmn:task id=\"a\"/>" F("f1", "a", "z") F("f2", "a", "c")
                       "<bpmn:intermediateCatchEvent id=\"c\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S"
                       "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
                       "<bpmn:task id=\"z\"/>"), "EXT.116", "'c'");
    T_CASE("3.3 a link goes on at its own level [EXT.126]");
    refused(NULL, PROC("lk") "<bpmn:startEvent id=\"s\"/>" F("f0", "s", "a")
            "<bpmn:subProcess id=\"a\"><bpmn:startEvent id=\"is\"/>" F("g1", "is", "th") F("g2", "is", "ie")
            "<bpmn:intermediateThrowEvent id=\"th\" name=\"L\"><bpmn:linkEventDefinition id=\"src\" name=\"L\">"
            "<bpmn:target>tgt</bpmn:target></bpmn:linkEventDefinition></bpmn:intermediateThrowEvent>"
            "<bpmn:endEvent id=\"ie\"/></bpmn:subProcess>" F("f1", "a", "e")
            "<bpmn:intermediateCatchEvent id=\"ca\" name=\"L\"><bpmn:linkEventDefinition id=\"tgt\" name=\"L\">"
            "<bpmn:source>src</bpmn:source></bpmn:linkEventDefinition></bpmn:intermediateCatchEvent>"
            F("f2", "ca", "e") "<bpmn:endEvent id=\"e\"/>" TAIL, "EXT.126", "'th'");
    T_CASE("3.4 cancel: an end event inside a transaction [EXT.106], a boundary event on one [EXT.111]");
    refused(NULL, PROC("ce") "<bpmn:startEvent id=\"s\"/>" F("f0", "s", "x") "<bpmn:endEvent id=\"x\">"
            "<bpmn:cancelEventDefinition/></bpmn:endEvent>" TAIL, "EXT.106", "'x'");
    refused(NULL, LINE("cb", "<bpmn:task id=\"a\"/>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"
                       "<bpmn:boundaryEvent id=\"b\" attachedToRef=\"a\"><bpmn:cancelEventDefinition/></bpmn:boundaryEvent>"
                       F("f2", "b", "e")), "EXT.111", "'b'");
    T_CASE("3.5 a conditional event has a condition [EXT.123]");
    refused(NULL, LINE("cd", "<bpmn:task id=\"a\"/>" F("f1", "a", "z") "<bpmn:intermediateCatchEvent id=\"z\">"
                       "<bpmn:conditionalEventDefinition><bpmn:condition/></bpmn:conditionalEventDefinition>"
                       "</bpmn:intermediateCatchEvent>"), "EXT.123", "'z'");
}

#define EVGW(id, inst, extra) PROC(id) "<bpmn:startEvent id=\"s\"/>" F("f0", "s", "g") \
    "<bpmn:eventBasedGateway id=\"g\"" inst "/>" F("f1", "g", "t1") F("f2", "g", "t2") \
    "<bpmn:intermediateCatchEvent id=\"t1\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration>" \
    "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>" F("f3", "t1", "e") extra F("f4", "t2", "e") \
    "<bpmn:endEvent id=\"e\"/>" TAIL
#define RECEIVE "<bpmn:receiveTask id=\"t2\" messageRef=\"m\"/>"

static void gateways(void) {
    T_CASE("4.1 a gateway merges or splits; one with no flows at all breaks it too [EXT.135]");
    refused(NULL, PROC("gw") "<bpmn:exclusiveGateway id=\"x\"/>" TAIL, "EXT.135", "'x'");
    T_CASE("4.2 an event-based gateway's events: receive tasks without boundary events [EXT.140], reached from "
           "it alone [EXT.141], not beside message events [EXT.139]");
    deploys(NULL, "<bpmn:message id=\"m\" name=\"m\"/>" EVGW("eg0", "", RECEIVE));
    refused(NULL, "<bpmn:message id=\"m\" name=\"m\"/>" EVGW("eg1", "", RECEIVE "<bpmn:boundaryEvent id=\"b\" "
            "attachedToRef=\"t2\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
            "</bpmn:timerEventDefinition></bpmn:boundaryEvent>" F("f5", "b", "e")), "EXT.140", "'t2'");
    refused(NULL, "<bpmn:message id=\"m\" name=\"m\"/>" EVGW("eg2", "", RECEIVE F("f5", "s", "t2")), "EXT.141", "'t2'");
    refused(NULL, "<bpmn:message id=\"m\" name=\"m\"/>" EVGW("eg3", "", RECEIVE F("f5", "g", "t3")
            "<bpmn:intermediateCatchEvent id=\"t3\"><bpmn:messageEventDefinition messageRef=\"m\"/>"
            "</bpmn:intermediateCatchEvent>" F("f6", "t3", "e")), "EXT.139", "'g'");
    T_CASE("4.3 an event-based gateway that instantiates has no incoming flow [EXT.142]");
    refused(NULL, "<bpmn:message id=\"m\" name=\"m\"/>" EVGW("eg4", " instantiate=\"true\"", RECEIVE), "EXT.142", "'g'");
}

/* A model whose definitions declare XPath: untyped expressions are
** natural language there [EXT.012], message events name an operation
** [EXT.128]; declared nothing, sdm reads them as Lua and by name. */
#define TIMER(attr) LINE("tx", "<bpmn:task id=\"a\"/>" F("f1", "a", "z") "<bpmn:intermediateCatchEvent id=\"z\">" \
    "<bpmn:timerEventDefinition><bpmn:timeDuration" attr ">PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>" \
    "</bpmn:intermediateCatchEvent>")
#define MSGCATCH(op) "<bpmn:message id=\"m\" name=\"m\"/><bpmn:interface id=\"if\" name=\"i\"><bpmn:operation id=\"op\" " \
    "name=\"o\"><bpmn:inMessageRef>m</bpmn:inMessageRef></bpmn:operation></bpmn:interface>" \
    LINE("mx", "<bpmn:task id=\"a\"/>" F("f1", "a", "z") "<bpmn:intermediateCatchEvent id=\"z\">" \
    "<bpmn:messageEventDefinition messageRef=\"m\">" op "</bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>")

static void declared(void) {
    T_CASE("5.1 an untyped timer value: sdm's when nothing is declared, natural language under XPath [EXT.012]");
    deploys(NULL, TIMER(""));
    refused(XPATH, TIMER(""), "EXT.012", "'z'");
    deploys(XPATH, TIMER(FORMAL));
    T_CASE("5.2 an assignment's expressions under XPath [EXT.012]");
    refused(XPATH, LINE("as", "<bpmn:task id=\"a\"><bpmn:ioSpecification><bpmn:dataInput id=\"di\"/><bpmn:inputSet>"
                        "<bpmn:dataInputRefs>di</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet/></bpmn:ioSpecification>"
                        "<bpmn:dataInputAssociation id=\"dia\"><bpmn:targetRef>di</bpmn:targetRef><bpmn:assignment id=\"asg\">"
                        "<bpmn:from>\"String\"</bpmn:from><bpmn:to>di</bpmn:to></bpmn:assignment></bpmn:dataInputAssociation>"
                        "</bpmn:task>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"), "EXT.012", "'asg'");
    T_CASE("5.3 a message event without operationRef: sdm's by name, under XPath it names its operation [EXT.128]");
    deploys(NULL, MSGCATCH(""));
    refused(XPATH, MSGCATCH(""), "EXT.128", "'z'");
    deploys(XPATH, MSGCATCH("<bpmn:operationRef>op</bpmn:operationRef>"));
    T_CASE("5.4 a formal expression has a body: a correlation's message path [EXT.013]");
    refused(NULL, "<bpmn:message id=\"m\" name=\"m\"/><bpmn:correlationProperty id=\"cp\" name=\"cp\">"
            "<bpmn:correlationPropertyRetrievalExpression messageRef=\"m\"><bpmn:messagePath/>"
            "</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>"
            LINE("cp", "<bpmn:task id=\"a\"/>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"), "EXT.013", "'cp'");
}

static void references(void) {
    T_CASE("6.1 references to the wrong kind of element [REF]");
    refused(NULL, LINE("r1", "<bpmn:task id=\"a\"/>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"
                       "<bpmn:boundaryEvent id=\"b\" attachedToRef=\"f1\"><bpmn:timerEventDefinition><bpmn:timeDuration>"
                       "PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>" F("f2", "b", "e")),
            "REF", "'b'");
    refused(NULL, "<bpmn:message id=\"m\" name=\"m\"/>" LINE("r2", "<bpmn:sendTask id=\"a\" messageRef=\"m\" "
            "operationRef=\"m\"/>" F("f1", "a", "z") "<bpmn:task id=\"z\"/>"), "REF", "'a'");
    refused(NULL, LINE("r3", "<bpmn:exclusiveGateway id=\"a\" default=\"s\"/>" F("f1", "a", "z") F("f2", "a", "z")
                       "<bpmn:task id=\"z\"/>"), "REF", "'a'");
    refused(NULL, LINE("r4", "<bpmn:task id=\"a\"/>" F("f1", "a", "z") "<bpmn:intermediateThrowEvent id=\"z\">"
                       "<bpmn:linkEventDefinition id=\"ld\" name=\"L\"><bpmn:target>e</bpmn:target>"
                       "</bpmn:linkEventDefinition></bpmn:intermediateThrowEvent>"), "REF", "'ld'");
    refused(NULL, LINE("r5", "<bpmn:task id=\"a\"><bpmn:outgoing>s</bpmn:outgoing></bpmn:task>" F("f1", "a", "z")
                       "<bpmn:task id=\"z\"/>"), "REF", "'a'");
}

int main(void) {
    sdm_config cfg = {.open_mode = SDM_OPEN_CREATE, .now = 1767254400000};
    if (sdm_open(&db, ":memory:", &cfg, &err) != SDM_OK) { fprintf(stderr, "open: %s\n", err.msg); return 1; }
    activities();
    scripts();
    events();
    gateways();
    declared();
    references();
    sdm_close(db);
    return t_done();
}
