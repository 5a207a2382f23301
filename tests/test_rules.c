/*
** test_rules.c — the static constraints constraints.c checks on what a
** document holds besides flow (collaborations, choreographies,
** conversations, artifacts) and on how data is declared and passed (input
** and output sets, data associations, a service task's operation, what a
** call activity starts), through the public API on a database in memory.
** Each case breaks one rule and expects the refusal to name it, with the
** element and its line; its twin keeps the rule and does not hear of it.
** A document with nothing to deploy still names the rule it breaks.
*/
#include "sdm.h"
#include "t.h"

static sdm_err err;
static sdm *db;

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
    "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" " \
    "xmlns:sdm=\"urn:sdm:bpmn:1\" id=\"d\" targetNamespace=\"x\">\n"
#define PROC "<bpmn:process id=\"p\" isExecutable=\"true\">\n"
/* A runnable path s -> a -> e; the body defines the task "a". */
#define FLOW "<bpmn:startEvent id=\"s\"/><bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"a\"/>\n" \
    "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"a\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>\n"
#define TAIL "</bpmn:definitions>\n"

static char text[16384];     /* every row of the last deploy: kind, line, element, message */
static int nerrors;

static int deploy(const char *body) {
    char xml[12000];
    snprintf(xml, sizeof xml, HEAD "%s" TAIL, body);
    sdm_table *t = NULL;
    int rc = sdm_deploy_xml(db, "rules.bpmn", xml, strlen(xml), &t, &err);
    text[0] = 0;
    nerrors = 0;
    for (int r = 0; t && r < t->nrow; r++) {
        char **c = &t->cells[r * t->ncol];       /* kind process version file line element message */
        size_t k = strlen(text);
        snprintf(text + k, sizeof text - k, "%s line %s element %s: %s\n", c[0], c[4] ? c[4] : "-",
                 c[5] ? c[5] : "-", c[6]);
        nerrors += strcmp(c[0], "error") == 0;
    }
    sdm_table_free(t);
    return rc;
}

/* body is refused, and some error row holds `want` (the rule id, the
** element, its line as "line N element ID"). */
/* Where `rule` stands in a bracketed list of rule ids ("[EXT.056, EXT.062]"). */
static const char *rule_in(const char *rule) {
    size_t n = strlen(rule);
    for (const char *h = strstr(text, rule); h; h = strstr(h + 1, rule))
        if ((h[-1] == '[' || (h[-1] == ' ' && h[-2] == ',')) && (h[n] == ']' || h[n] == ',')) return h;
    return NULL;
}

static void refused(const char *body, const char *rule, const char *where) {
    CHECK_EQ_INT(deploy(body), SDM_ERR_MODEL);
    const char *hit = rule_in(rule);
    CHECK(hit != NULL);
    if (!hit) { fprintf(stderr, "  (no [%s] in:)\n%s", rule, text); return; }
    /* the rule's own row names the element and line */
    const char *row = hit;
    while (row > text && row[-1] != '\n') row--;
    CHECK(strncmp(row, "error ", 6) == 0);
    CHECK(strncmp(row + 6, where, strlen(where)) == 0);
    if (strncmp(row + 6, where, strlen(where)) != 0) fprintf(stderr, "  (want \"%s\" in: %.200s)\n", where, row);
}

/* body does not hear of `rule`, or of any rule its start names ("EXT.08");
** it may be refused for something else. */
static void silent(const char *body, const char *rule) {
    deploy(body);
    CHECK(strstr(text, rule) == NULL);
    if (strstr(text, rule)) fprintf(stderr, "  (unexpected %s in:)\n%s", rule, text);
}

static void collaborations(void) {
    T_CASE("1.1 a message flow does not lead to or start at an artifact, even in a file with nothing to deploy "
           "(EXT.008, EXT.009)");
    const char *to_annotation =
        "<bpmn:collaboration id=\"c\"><bpmn:participant id=\"pa\"/>\n"
        "<bpmn:messageFlow id=\"mf\" sourceRef=\"pa\" targetRef=\"ta\"/></bpmn:collaboration>\n"
        "<bpmn:process id=\"bb\" isExecutable=\"true\"><bpmn:textAnnotation id=\"ta\"/></bpmn:process>\n";
    refused(to_annotation, "EXT.008", "line 4 element mf");
    CHECK_CONTAINS(text, "the file has no process to deploy");
    CHECK_CONTAINS(text, "leads to textAnnotation 'ta', an artifact");
    CHECK(strstr(text, "no start event") == NULL);      /* a black-box pool is never started */
    refused("<bpmn:collaboration id=\"c\"><bpmn:participant id=\"pa\"/>\n"
            "<bpmn:messageFlow id=\"mf\" sourceRef=\"g\" targetRef=\"pa\"/></bpmn:collaboration>\n"
            "<bpmn:process id=\"bb\" isExecutable=\"true\"><bpmn:group id=\"g\"/></bpmn:process>\n",
            "EXT.009", "line 4 element mf");

    T_CASE("1.2 a text annotation's format is a MIME type (EXT.010), in a black-box pool too");
    refused(PROC "<bpmn:textAnnotation id=\"ta\" textFormat=\"plain\"/></bpmn:process>\n", "EXT.010",
            "line 4 element ta");
    silent(PROC "<bpmn:textAnnotation id=\"ta\" textFormat=\"text/plain\"/>" FLOW
           "<bpmn:task id=\"a\"/></bpmn:process>\n", "EXT.010");

    T_CASE("1.3 a pool's multiplicity: minimum 0 or more (EXT.029), maximum 1 or more and not under it (EXT.030)");
    refused("<bpmn:collaboration id=\"c\"><bpmn:participant id=\"pa\">\n"
            "<bpmn:participantMultiplicity minimum=\"-1\" maximum=\"2\"/></bpmn:participant></bpmn:collaboration>\n",
            "EXT.029", "line 4 element pa");
    CHECK_CONTAINS(text, "the document defines no process");
    refused("<bpmn:collaboration id=\"c\"><bpmn:participant id=\"pa\">\n"
            "<bpmn:participantMultiplicity minimum=\"3\" maximum=\"2\"/></bpmn:participant></bpmn:collaboration>\n",
            "EXT.030", "line 4 element pa");
    refused("<bpmn:collaboration id=\"c\"><bpmn:participant id=\"pa\">\n"
            "<bpmn:participantMultiplicity maximum=\"0\"/></bpmn:participant></bpmn:collaboration>\n",
            "EXT.030", "line 4 element pa");
    silent("<bpmn:collaboration id=\"c\"><bpmn:participant id=\"pa\" processRef=\"p\">\n"
           "<bpmn:participantMultiplicity minimum=\"2\" maximum=\"5\"/></bpmn:participant></bpmn:collaboration>\n"
           PROC FLOW "<bpmn:task id=\"a\"/></bpmn:process>\n", "EXT.03");
    CHECK_EQ_INT(nerrors, 0);

    T_CASE("1.4 only a collaboration refers to a choreography (EXT.027); a global conversation holds no "
           "conversation nodes or artifacts (EXT.032)");
    refused("<bpmn:choreography id=\"ch\">\n<bpmn:choreographyRef>other</bpmn:choreographyRef></bpmn:choreography>\n"
            "<bpmn:choreography id=\"other\"/>\n", "EXT.027", "line 4 element ch");
    refused("<bpmn:globalConversation id=\"gc\">\n<bpmn:choreographyRef>ch</bpmn:choreographyRef>"
            "</bpmn:globalConversation>\n<bpmn:choreography id=\"ch\"/>\n", "EXT.027", "line 4 element gc");
    refused("<bpmn:globalConversation id=\"gc\"><bpmn:participant id=\"pa\"/>\n<bpmn:conversation id=\"cv\"/>"
            "</bpmn:globalConversation>\n", "EXT.032", "line 4 element cv");
    silent("<bpmn:globalConversation id=\"gc\"><bpmn:participant id=\"pa\"/><bpmn:participant id=\"pb\"/>\n"
           "<bpmn:messageFlow id=\"mf\" sourceRef=\"pa\" targetRef=\"pb\"/></bpmn:globalConversation>\n", "EXT.032");

    T_CASE("1.5 choreography activities stand in no process (EXT.036) or subprocess (EXT.056, ad hoc EXT.062), "
           "named beside \"not supported\"");
    refused(PROC FLOW "<bpmn:choreographyTask id=\"a\" name=\"Talk\"/></bpmn:process>\n", "EXT.036",
            "line 6 element a");
    CHECK_CONTAINS(text, "choreographyTask 'a' (\"Talk\") stands in process 'p'");
    refused(PROC FLOW "<bpmn:transaction id=\"a\"><bpmn:startEvent id=\"s2\"/>\n<bpmn:callChoreography id=\"cc\"/>"
            "</bpmn:transaction></bpmn:process>\n", "EXT.056", "line 7 element cc");
    refused(PROC FLOW "<bpmn:adHocSubProcess id=\"a\"><bpmn:task id=\"t\"/>\n<bpmn:subChoreography/>"
            "</bpmn:adHocSubProcess></bpmn:process>\n", "EXT.062", "line 7 element a");
    CHECK_CONTAINS(text, "a subChoreography stands in adHocSubProcess 'a'");
}

static void data(void) {
    T_CASE("2.1 a data object reference in a state is named \"object [state]\" (EXT.076)");
    refused(PROC FLOW "<bpmn:task id=\"a\"/><bpmn:dataObject id=\"DO\" name=\"Order\"/>\n"
            "<bpmn:dataObjectReference id=\"r\" dataObjectRef=\"DO\" name=\"Order [new]\">"
            "<bpmn:dataState name=\"paid\"/></bpmn:dataObjectReference></bpmn:process>\n", "EXT.076",
            "line 7 element r");
    CHECK_CONTAINS(text, "is named \"Order [paid]\"");
    silent(PROC FLOW "<bpmn:task id=\"a\"/><bpmn:dataObject id=\"DO\" name=\"Order\"/>\n"
           "<bpmn:dataObjectReference id=\"r\" dataObjectRef=\"DO\" name=\"Order [paid]\">"
           "<bpmn:dataState name=\"paid\"/></bpmn:dataObjectReference>\n"
           "<bpmn:dataObjectReference id=\"r2\" dataObjectRef=\"DO\" name=\"Счёт\"/></bpmn:process>\n", "EXT.076");
    CHECK_EQ_INT(nerrors, 0);

    T_CASE("2.2 every data input is in an input set (EXT.084), every output in an output set (EXT.088)");
    refused(PROC "<bpmn:ioSpecification>\n<bpmn:dataInput id=\"di\"/><bpmn:inputSet/><bpmn:outputSet/>"
            "</bpmn:ioSpecification>" FLOW "<bpmn:task id=\"a\"/></bpmn:process>\n", "EXT.084", "line 5 element di");
    refused(PROC "<bpmn:ioSpecification>\n<bpmn:dataOutput id=\"do\"/><bpmn:inputSet/><bpmn:outputSet/>"
            "</bpmn:ioSpecification>" FLOW "<bpmn:task id=\"a\"/></bpmn:process>\n", "EXT.088", "line 5 element do");

    T_CASE("2.3 a set's optional and while-executing data are among its own (EXT.085, 086, 089, 090)");
    static const char *const opt[][2] = {
        {"<bpmn:inputSet id=\"is\"><bpmn:dataInputRefs>di</bpmn:dataInputRefs>\n<bpmn:optionalInputRefs>dj"
         "</bpmn:optionalInputRefs></bpmn:inputSet><bpmn:outputSet id=\"os\"><bpmn:dataOutputRefs>do"
         "</bpmn:dataOutputRefs></bpmn:outputSet>", "EXT.085"},
        {"<bpmn:inputSet id=\"is\"><bpmn:dataInputRefs>di</bpmn:dataInputRefs>\n<bpmn:whileExecutingInputRefs>dj"
         "</bpmn:whileExecutingInputRefs></bpmn:inputSet><bpmn:outputSet id=\"os\"><bpmn:dataOutputRefs>do"
         "</bpmn:dataOutputRefs></bpmn:outputSet>", "EXT.086"},
        {"<bpmn:inputSet id=\"is\"><bpmn:dataInputRefs>di</bpmn:dataInputRefs><bpmn:dataInputRefs>dj"
         "</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet id=\"os\"><bpmn:dataOutputRefs>do"
         "</bpmn:dataOutputRefs>\n<bpmn:optionalOutputRefs>di</bpmn:optionalOutputRefs></bpmn:outputSet>", "EXT.089"},
        {"<bpmn:inputSet id=\"is\"><bpmn:dataInputRefs>di</bpmn:dataInputRefs><bpmn:dataInputRefs>dj"
         "</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet id=\"os\"><bpmn:dataOutputRefs>do"
         "</bpmn:dataOutputRefs>\n<bpmn:whileExecutingOutputRefs>x</bpmn:whileExecutingOutputRefs></bpmn:outputSet>",
         "EXT.090"},
    };
    for (int i = 0; i < 4; i++) {
        char body[4000];
        snprintf(body, sizeof body, PROC FLOW "<bpmn:task id=\"a\"><bpmn:ioSpecification><bpmn:dataInput id=\"di\"/>"
                 "<bpmn:dataInput id=\"dj\"/><bpmn:dataOutput id=\"do\"/>%s</bpmn:ioSpecification></bpmn:task>"
                 "</bpmn:process>\n", opt[i][0]);
        refused(body, opt[i][1], i < 2 ? "line 7 element is" : "line 7 element os");
    }
    silent(PROC FLOW "<bpmn:task id=\"a\"><bpmn:ioSpecification><bpmn:dataInput id=\"di\"/><bpmn:dataInput id=\"dj\"/>"
           "<bpmn:dataOutput id=\"do\"/><bpmn:inputSet id=\"is\"><bpmn:dataInputRefs>di</bpmn:dataInputRefs>"
           "<bpmn:dataInputRefs> dj </bpmn:dataInputRefs><bpmn:optionalInputRefs>dj</bpmn:optionalInputRefs>"
           "<bpmn:outputSetRefs>os</bpmn:outputSetRefs></bpmn:inputSet><bpmn:outputSet id=\"os\"><bpmn:dataOutputRefs>"
           "do</bpmn:dataOutputRefs><bpmn:whileExecutingOutputRefs>do</bpmn:whileExecutingOutputRefs>"
           "<bpmn:inputSetRefs>is</bpmn:inputSetRefs></bpmn:outputSet></bpmn:ioSpecification></bpmn:task>"
           "</bpmn:process>\n", "EXT.0");
    CHECK_EQ_INT(nerrors, 0);

    T_CASE("2.4 an input set and the output sets it names name each other (EXT.087)");
    refused(PROC FLOW "<bpmn:task id=\"a\"><bpmn:ioSpecification><bpmn:dataInput id=\"di\"/><bpmn:dataOutput id=\"do\"/>"
            "\n<bpmn:inputSet id=\"is\"><bpmn:dataInputRefs>di</bpmn:dataInputRefs><bpmn:outputSetRefs>os"
            "</bpmn:outputSetRefs></bpmn:inputSet><bpmn:outputSet id=\"os\"><bpmn:dataOutputRefs>do"
            "</bpmn:dataOutputRefs></bpmn:outputSet></bpmn:ioSpecification></bpmn:task></bpmn:process>\n",
            "EXT.087", "line 7 element is");
    CHECK_CONTAINS(text, "names outputSet 'os' (outputSetRefs), which does not name it back in its inputSetRefs");

    T_CASE("2.5 a process's own data input is not written inside it (EXT.080), its output not read (EXT.082)");
    refused(PROC "<bpmn:ioSpecification><bpmn:dataInput id=\"pi\"/><bpmn:inputSet><bpmn:dataInputRefs>pi"
            "</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet/></bpmn:ioSpecification>" FLOW
            "<bpmn:task id=\"a\"><bpmn:ioSpecification><bpmn:dataOutput id=\"o\"/><bpmn:inputSet/><bpmn:outputSet>"
            "<bpmn:dataOutputRefs>o</bpmn:dataOutputRefs></bpmn:outputSet></bpmn:ioSpecification>\n"
            "<bpmn:dataOutputAssociation id=\"w\"><bpmn:sourceRef>o</bpmn:sourceRef><bpmn:targetRef>pi"
            "</bpmn:targetRef></bpmn:dataOutputAssociation></bpmn:task></bpmn:process>\n", "EXT.080",
            "line 7 element w");
    refused(PROC "<bpmn:ioSpecification><bpmn:dataOutput id=\"po\"/><bpmn:inputSet/><bpmn:outputSet>"
            "<bpmn:dataOutputRefs>po</bpmn:dataOutputRefs></bpmn:outputSet></bpmn:ioSpecification>" FLOW
            "<bpmn:task id=\"a\">\n<bpmn:dataInputAssociation id=\"r\"><bpmn:sourceRef>po</bpmn:sourceRef>"
            "</bpmn:dataInputAssociation></bpmn:task></bpmn:process>\n", "EXT.082", "line 7 element r");
    silent(PROC "<bpmn:ioSpecification><bpmn:dataInput id=\"pi\"/><bpmn:inputSet><bpmn:dataInputRefs>pi"
           "</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet/></bpmn:ioSpecification>" FLOW
           "<bpmn:task id=\"a\">\n<bpmn:dataInputAssociation id=\"r\"><bpmn:sourceRef>pi</bpmn:sourceRef>"
           "</bpmn:dataInputAssociation></bpmn:task></bpmn:process>\n", "EXT.08");

    T_CASE("2.6 without a transformation a data association copies one element to another of the same item "
           "(EXT.091, EXT.092)");
    const char *items = "<bpmn:itemDefinition id=\"i1\" structureRef=\"xsd:string\"/>"
                        "<bpmn:itemDefinition id=\"i2\" structureRef=\"xsd:int\"/>\n";
    char body[4000];
    snprintf(body, sizeof body, "%s" PROC FLOW "<bpmn:dataObject id=\"DO\" itemSubjectRef=\"i2\"/><bpmn:dataObject "
             "id=\"DO2\" itemSubjectRef=\"i1\"/><bpmn:dataObjectReference id=\"r1\" dataObjectRef=\"DO\"/>"
             "<bpmn:task id=\"a\"><bpmn:ioSpecification><bpmn:dataInput id=\"di\" itemSubjectRef=\"i1\"/><bpmn:inputSet>"
             "<bpmn:dataInputRefs>di</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet/></bpmn:ioSpecification>\n"
             "<bpmn:dataInputAssociation id=\"da\">%s<bpmn:targetRef>di</bpmn:targetRef></bpmn:dataInputAssociation>"
             "</bpmn:task></bpmn:process>\n", items, "<bpmn:sourceRef>r1</bpmn:sourceRef>");
    refused(body, "EXT.091", "line 8 element da");
    CHECK_CONTAINS(text, "holding xsd:int, to dataInput 'di', holding xsd:string");
    snprintf(body, sizeof body, "%s" PROC FLOW "<bpmn:dataObject id=\"DO\" itemSubjectRef=\"i1\"/><bpmn:dataObject "
             "id=\"DO2\" itemSubjectRef=\"i1\"/><bpmn:dataObjectReference id=\"r1\" dataObjectRef=\"DO\"/>"
             "<bpmn:task id=\"a\"><bpmn:ioSpecification><bpmn:dataInput id=\"di\" itemSubjectRef=\"i1\"/><bpmn:inputSet>"
             "<bpmn:dataInputRefs>di</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet/></bpmn:ioSpecification>\n"
             "<bpmn:dataInputAssociation id=\"da\">%s<bpmn:targetRef>di</bpmn:targetRef></bpmn:dataInputAssociation>"
             "</bpmn:task></bpmn:process>\n", items, "<bpmn:sourceRef>r1</bpmn:sourceRef><bpmn:sourceRef>DO2</bpmn:sourceRef>");
    refused(body, "EXT.092", "line 8 element da");
    snprintf(body, sizeof body, "%s" PROC FLOW "<bpmn:dataObject id=\"DO\" itemSubjectRef=\"i1\"/><bpmn:dataObject "
             "id=\"DO2\" itemSubjectRef=\"i1\"/><bpmn:dataObjectReference id=\"r1\" dataObjectRef=\"DO\"/>"
             "<bpmn:task id=\"a\"><bpmn:ioSpecification><bpmn:dataInput id=\"di\" itemSubjectRef=\"i1\"/><bpmn:inputSet>"
             "<bpmn:dataInputRefs>di</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet/></bpmn:ioSpecification>\n"
             "<bpmn:dataInputAssociation id=\"da\">%s<bpmn:targetRef>di</bpmn:targetRef></bpmn:dataInputAssociation>"
             "</bpmn:task></bpmn:process>\n", items, "<bpmn:sourceRef>r1</bpmn:sourceRef>");
    silent(body, "EXT.09");
    CHECK_EQ_INT(nerrors, 0);
}

/* A service task "a" calling operation op (request m1, answer m2). */
static void service(const char *io, const char *rule, const char *where) {
    char body[4000];
    snprintf(body, sizeof body, "<bpmn:itemDefinition id=\"i1\" structureRef=\"xsd:string\"/>"
             "<bpmn:itemDefinition id=\"i2\" structureRef=\"xsd:int\"/><bpmn:message id=\"m1\" itemRef=\"i1\"/>"
             "<bpmn:message id=\"m2\" itemRef=\"i2\"/><bpmn:interface id=\"if\"><bpmn:operation id=\"op\">"
             "<bpmn:inMessageRef>m1</bpmn:inMessageRef><bpmn:outMessageRef>m2</bpmn:outMessageRef></bpmn:operation>"
             "</bpmn:interface>\n" PROC FLOW "<bpmn:serviceTask id=\"a\" operationRef=\"op\" sdm:handler=\"crm.call\">"
             "%s</bpmn:serviceTask></bpmn:process>\n", io);
    if (rule) refused(body, rule, where); else silent(body, "EXT.04");
}

static void calls(void) {
    T_CASE("3.1 a service task calling an operation: one input set (EXT.042), at most one output set (EXT.043), "
           "its one data input holds the request (EXT.044), its one output the answer (EXT.045)");
    service("", "EXT.042", "line 7 element a");
    service("<bpmn:ioSpecification><bpmn:dataInput id=\"di\" itemSubjectRef=\"i1\"/><bpmn:dataOutput id=\"do\" "
            "itemSubjectRef=\"i2\"/><bpmn:inputSet><bpmn:dataInputRefs>di</bpmn:dataInputRefs></bpmn:inputSet>"
            "<bpmn:outputSet><bpmn:dataOutputRefs>do</bpmn:dataOutputRefs></bpmn:outputSet><bpmn:outputSet>"
            "<bpmn:dataOutputRefs>do</bpmn:dataOutputRefs></bpmn:outputSet></bpmn:ioSpecification>",
            "EXT.043", "line 7 element a");
    service("<bpmn:ioSpecification><bpmn:dataInput id=\"di\" itemSubjectRef=\"i2\"/><bpmn:dataOutput id=\"do\" "
            "itemSubjectRef=\"i2\"/><bpmn:inputSet><bpmn:dataInputRefs>di</bpmn:dataInputRefs></bpmn:inputSet>"
            "<bpmn:outputSet><bpmn:dataOutputRefs>do</bpmn:dataOutputRefs></bpmn:outputSet></bpmn:ioSpecification>",
            "EXT.044", "line 7 element di");
    service("<bpmn:ioSpecification><bpmn:dataInput id=\"di\" itemSubjectRef=\"i1\"/><bpmn:dataOutput id=\"do\" "
            "itemSubjectRef=\"i1\"/><bpmn:inputSet><bpmn:dataInputRefs>di</bpmn:dataInputRefs></bpmn:inputSet>"
            "<bpmn:outputSet><bpmn:dataOutputRefs>do</bpmn:dataOutputRefs></bpmn:outputSet></bpmn:ioSpecification>",
            "EXT.045", "line 7 element do");
    CHECK_CONTAINS(text, "dataOutput 'do' of serviceTask 'a' holds xsd:string, but message 'm2' of operation 'op' "
                   "carries xsd:int");
    service("<bpmn:ioSpecification><bpmn:dataInput id=\"di\" itemSubjectRef=\"i1\"/><bpmn:dataOutput id=\"do\" "
            "itemSubjectRef=\"i2\"/><bpmn:inputSet><bpmn:dataInputRefs>di</bpmn:dataInputRefs></bpmn:inputSet>"
            "<bpmn:outputSet><bpmn:dataOutputRefs>do</bpmn:dataOutputRefs></bpmn:outputSet></bpmn:ioSpecification>",
            NULL, NULL);

    T_CASE("3.2 a called process has a none start event to begin at (EXT.099)");
    refused("<bpmn:message id=\"m\"/>" PROC FLOW "<bpmn:callActivity id=\"a\" calledElement=\"q\"/></bpmn:process>\n"
            "<bpmn:process id=\"q\" isExecutable=\"true\"><bpmn:startEvent id=\"qs\"><bpmn:messageEventDefinition "
            "messageRef=\"m\"/></bpmn:startEvent><bpmn:sequenceFlow id=\"qf\" sourceRef=\"qs\" targetRef=\"qe\"/>"
            "<bpmn:endEvent id=\"qe\"/></bpmn:process>\n", "EXT.099", "line 6 element a");
    silent("<bpmn:message id=\"m\"/>" PROC FLOW "<bpmn:callActivity id=\"a\" calledElement=\"q\"/></bpmn:process>\n"
           "<bpmn:process id=\"q\" isExecutable=\"true\"><bpmn:startEvent id=\"qs\"/><bpmn:startEvent id=\"qm\">"
           "<bpmn:messageEventDefinition messageRef=\"m\"/></bpmn:startEvent><bpmn:sequenceFlow id=\"qf\" "
           "sourceRef=\"qs\" targetRef=\"qe\"/><bpmn:sequenceFlow id=\"qg\" sourceRef=\"qm\" targetRef=\"qe\"/>"
           "<bpmn:endEvent id=\"qe\"/></bpmn:process>\n", "EXT.099");
    CHECK_EQ_INT(nerrors, 0);
}

int main(void) {
    sdm_config cfg = {.open_mode = SDM_OPEN_CREATE, .now = 1767254400000};
    if (sdm_open(&db, ":memory:", &cfg, &err) != SDM_OK) { fprintf(stderr, "open: %s\n", err.msg); return 1; }
    collaborations();
    data();
    calls();
    sdm_close(db);
    return t_done();
}
