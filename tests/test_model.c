/*
** test_model.c — engine/model.c: BPMN elements become nodes of the right
** kind, lanes become roles, sdm: extensions are read and vendor extensions
** ignored; every validation problem is reported with its line and id.
*/
#include "xml.h"
#include "model.h"
#include "kinds.h"
#include "err.h"
#include "t.h"

static sdm_err err;

/* Parse and compile a text; NULL (and a failed check) when it is not XML. */
static model *compile_text(const char *file, const char *text) {
    xml_doc *d = NULL;
    memset(&err, 0, sizeof err);
    int rc = xml_parse(file, text, strlen(text), (size_t)16 << 20, &d, &err);
    CHECK_EQ_INT(rc, SDM_OK);
    if (rc) { fprintf(stderr, "  (xml: %s)\n", err.msg); return NULL; }
    model *m = model_compile(d, file);
    xml_free(d);                     /* the model must not point into the tree */
    return m;
}

static model *compile_file(const char *path) {
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) return NULL;
    char *buf = malloc(1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = 0;
    fclose(f);
    model *m = compile_text(path, buf);
    free(buf);
    return m;
}

/* The body goes into process "p"; its first line is line 3 of the file. */
#define HEAD "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" " \
             "xmlns:sdm=\"urn:sdm:bpmn:1\" xmlns:camunda=\"http://camunda.org/schema/1.0/bpmn\" " \
             "xmlns:zeebe=\"http://camunda.org/schema/zeebe/1.0\" xmlns:signavio=\"http://www.signavio.com\">\n" \
             "<bpmn:process id=\"p\" isExecutable=\"true\">\n"
#define TAIL "\n</bpmn:process>\n</bpmn:definitions>\n"
#define SE   "<bpmn:startEvent id=\"s\"/>"

static model *proc(const char *body) {
    size_t n = strlen(HEAD) + strlen(body) + strlen(TAIL) + 1;
    char *text = malloc(n);
    snprintf(text, n, "%s%s%s", HEAD, body, TAIL);
    model *m = compile_text("file.bpmn", text);
    free(text);
    return m;
}

/* The first diagnostic whose message contains `needle`, else NULL. */
static const model_diag *diag_with(const model *m, const char *needle) {
    for (int i = 0; m && i < m->ndiag; i++)
        if (strstr(m->diags[i].msg, needle)) return &m->diags[i];
    return NULL;
}

static void dump_diags(const model *m) {
    for (int i = 0; m && i < m->ndiag; i++)
        fprintf(stderr, "    diag %s line %d [%s] %s\n", m->diags[i].error ? "error" : "warning",
                m->diags[i].line, m->diags[i].element ? m->diags[i].element : "-", m->diags[i].msg);
}

/* Expect one diagnostic containing `needle` at `line` for `element`. */
static void expect(const char *body, int error, const char *needle, int line, const char *element) {
    model *m = proc(body);
    const model_diag *d = diag_with(m, needle);
    CHECK(d != NULL);
    if (!d) {
        fprintf(stderr, "  (no diagnostic with \"%s\"; got:)\n", needle);
        dump_diags(m);
    } else {
        CHECK_EQ_INT(d->error, error);
        CHECK_EQ_INT(d->line, line);
        if (element) CHECK_EQ_STR(d->element, element);
        else CHECK(d->element == NULL);
        if (error) CHECK(m->nerr > 0);
    }
    model_free(m);
}

static const model_node *node(const model_proc *p, const char *id) {
    int i = p ? model_node_find(p, id) : -1;
    return i >= 0 ? &p->nodes[i] : NULL;
}

static const model_flow *flow(const model_proc *p, const char *id) {
    for (int i = 0; p && i < p->nflow; i++)
        if (p->flows[i].id && strcmp(p->flows[i].id, id) == 0) return &p->flows[i];
    return NULL;
}

static const char *str(const char *s) { return s ? s : "(null)"; }

int main(void) {
    T_CASE("2.1 every node kind of the fixture");
    model *m = compile_file("tests/bpmn/model_kinds.bpmn");
    const model_proc *p = m ? model_proc_find(m, "kinds") : NULL;
    CHECK(m && m->nerr == 0);
    if (m && m->ndiag) dump_diags(m);
    /* only the fixture's Camunda settings sdm does not read, each named (dialect.c) */
    CHECK_EQ_INT(m ? m->ndiag : -1, 4);
    for (int i = 0; m && i < m->ndiag; i++) CHECK_CONTAINS(m->diags[i].msg, "sdm does not read; it is ignored");
    CHECK(p != NULL);
    if (p) {
        static const struct { const char *id; el_kind kind; } want[] = {
            {"start", EL_START}, {"call", EL_TASK_USER}, {"gw", EL_GW_EXCLUSIVE},
            {"offer", EL_TASK_SCRIPT}, {"sign", EL_TASK_SERVICE}, {"visit", EL_TASK_MANUAL},
            {"plain", EL_TASK}, {"fork", EL_GW_PARALLEL}, {"join", EL_GW_PARALLEL},
            {"thrown", EL_THROW_NONE}, {"review", EL_TASK_USER}, {"done", EL_END},
            {"killed", EL_END_TERMINATE},
        };
        CHECK_EQ_INT(p->nnode, (int)(sizeof want / sizeof *want));
        for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
            const model_node *n = node(p, want[i].id);
            CHECK(n != NULL);
            if (n && n->kind != want[i].kind)
                fprintf(stderr, "  (%s is %s)\n", want[i].id, model_kind_name(n->kind));
            if (n) CHECK_EQ_INT(n->kind, want[i].kind);
        }
        CHECK(node(p, "vendor_node") == NULL);
        CHECK(model_node_find(p, "nope") == -1);
        CHECK_EQ_INT(p->nflow, 14);
        CHECK_EQ_INT(p->nstart, 1);
        CHECK_EQ_STR(p->name, "Sales");               /* from the participant */
        CHECK_EQ_INT(p->executable, 1);
        CHECK_EQ_STR(node(p, "start")->name, "Lead in");
        CHECK_EQ_INT(node(p, "start")->line, 39);
        CHECK_EQ_STR(node(p, "call")->tag, "userTask");
        CHECK_EQ_STR(model_kind_name(EL_END_TERMINATE), "terminateEndEvent");
        const model_node *j = node(p, "join");
        CHECK_EQ_INT(j->nin, 2);
        CHECK_EQ_INT(j->nout, 1);
        CHECK_EQ_STR(p->flows[j->in[0]].id, "f8");
        CHECK_EQ_STR(p->flows[j->in[1]].id, "f9");
        const model_node *g = node(p, "gw");
        CHECK_EQ_INT(g->nout, 3);
        CHECK_EQ_STR(p->flows[g->out[0]].id, "f_high");     /* document order */
        CHECK_EQ_STR(p->flows[g->out[1]].id, "f_mid");
        CHECK_EQ_STR(p->flows[g->out[2]].id, "f_low");
        CHECK(g->dflt >= 0);
        CHECK_EQ_STR(g->dflt >= 0 ? p->flows[g->dflt].id : NULL, "f_low");
        CHECK_EQ_INT(node(p, "call")->dflt, -1);
        CHECK_EQ_STR(p->nodes[p->flows[g->out[0]].dst].id, "offer");
    }

    T_CASE("2.2 lanes become roles: innermost lane wins, sdm:role overrides the name");
    if (p) {
        CHECK_EQ_STR(str(node(p, "start")->role), "Sales");
        CHECK_EQ_STR(str(node(p, "call")->role), "key-account");
        CHECK_EQ_STR(str(node(p, "offer")->role), "Deep");
        CHECK_EQ_STR(str(node(p, "sign")->role), "lane_noname");   /* no name: the id */
        CHECK(node(p, "visit")->role == NULL);
    }

    T_CASE("2.3 documentation, sdm: attributes, scripts and handlers are kept");
    if (p) {
        const model_node *c = node(p, "call");
        CHECK_EQ_STR(c->doc, "Ask about the budget.\n  Then the timeline.");
        CHECK_EQ_STR(node(p, "gw")->doc, "");
        CHECK_EQ_STR(str(c->assignee), "ann");            /* sdm: wins over camunda: */
        CHECK_EQ_STR(str(c->due), "P2D");
        CHECK_EQ_STR(str(c->stage), "contact");
        const model_node *r = node(p, "review");
        CHECK(r->assignee == NULL);                       /* camunda ${...} is not a name */
        CHECK_EQ_STR(str(r->assignee_expr), "owner .. '_boss'");
        CHECK_EQ_STR(str(r->due_working), "P1D");
        CHECK_EQ_STR(str(node(p, "offer")->script), "discount = amount > 1000 and 5 or 0");
        CHECK_EQ_STR(str(node(p, "sign")->handler), "crm.sign");
        CHECK_EQ_STR(str(node(p, "done")->outcome), "success");
    }

    T_CASE("2.4 conditions: trimmed Lua text, CDATA, none on plain flows");
    if (p) {
        CHECK_EQ_STR(str(flow(p, "f_high")->cond), "amount > 1000");
        CHECK_EQ_STR(str(flow(p, "f_mid")->cond), "return amount > 100");
        CHECK(flow(p, "f_low")->cond == NULL);
        CHECK(flow(p, "f1")->cond == NULL);
        CHECK_EQ_STR(str(flow(p, "f_high")->name), "high");
        CHECK_EQ_INT(flow(p, "f_high")->line, 64);
    }
    model_free(m);

    T_CASE("2.5 a camunda assignee that is a plain name is a fallback");
    m = proc(SE "<bpmn:userTask id=\"u\" camunda:assignee=\"carol\"/><bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"u\"/>"
                "<bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"u\" targetRef=\"end\"/>");
    CHECK_EQ_STR(m && m->nproc ? str(node(&m->procs[0], "u")->assignee) : NULL, "carol");
    CHECK_EQ_INT(m ? m->nerr : -1, 0);
    model_free(m);

    T_CASE("2.6 duplicate ids");
    expect(SE "\n<bpmn:task id=\"t\"/>\n<bpmn:task id=\"t\"/>", 1, "duplicate id 't'", 5, "t");
    expect(SE "\n<bpmn:task id=\"t\"/>\n<bpmn:task id=\"t\"/>", 1, "first at line 4", 5, "t");
    /* A flow and a node may not share an id either (ids are document-wide). */
    expect(SE "\n<bpmn:sequenceFlow id=\"s\" sourceRef=\"s\" targetRef=\"s\"/>", 1, "duplicate id 's'", 4, "s");

    T_CASE("2.7 flows to and from missing nodes");
    expect(SE "\n<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"nowhere\"/>", 1,
           "sequenceFlow 'f' leads to 'nowhere', which is not a node of process 'p'", 4, "f");
    expect(SE "\n\n<bpmn:sequenceFlow id=\"f\" sourceRef=\"ghost\" targetRef=\"s\"/>", 1,
           "sequenceFlow 'f' starts at 'ghost'", 5, "f");
    expect(SE "\n<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\"/>", 1, "leads to '(none)'", 4, "f");

    T_CASE("2.8 a process without a start event");
    expect("<bpmn:task id=\"t\"/>", 1, "process 'p' has no start event sdm can start", 2, "p");

    T_CASE("2.9 gateways without outgoing flows");
    expect(SE "\n<bpmn:exclusiveGateway id=\"g\"/>\n<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"g\"/>",
           1, "exclusiveGateway 'g' has no outgoing sequence flow", 4, "g");
    expect(SE "\n\n<bpmn:parallelGateway id=\"pg\"/>\n<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"pg\"/>",
           1, "parallelGateway 'pg' has no outgoing sequence flow", 5, "pg");

    T_CASE("2.10 unsupported elements are named with file and line");
    expect(SE "\n\n\n\n<bpmn:callChoreography id=\"g7\"/>", 1,
           "callChoreography 'g7' at file.bpmn:7 is not supported", 7, "g7");
    expect(SE "\n<bpmn:inclusiveGateway id=\"ig\"/>", 1, "inclusiveGateway 'ig' has no outgoing sequence flow", 4, "ig");
    expect(SE "\n<bpmn:adHocSubProcess id=\"sp\"><bpmn:startEvent id=\"s2\"/></bpmn:adHocSubProcess>", 1,
           "adHocSubProcess 'sp' holds startEvent 's2'", 4, "s2");
    expect(SE "\n<bpmn:transaction id=\"tx\"/>", 1, "transaction 'tx' has no start event", 4, "tx");
    expect(SE "\n<bpmn:sendTask id=\"st\"/>", 1, "'st' names no message or signal (messageRef/signalRef)", 4, "st");
    expect(SE "\n<bpmn:receiveTask id=\"rt\"/>", 1, "'rt' names no message or signal (messageRef/signalRef)", 4, "rt");
    expect(SE "\n<bpmn:businessRuleTask id=\"br\"/>", 1, "serviceTask 'br' has no sdm:handler", 4, "br");
    expect(SE "\n<bpmn:eventBasedGateway id=\"eb\"/>", 1, "eventBasedGateway 'eb' has no outgoing sequence flow", 4, "eb");
    expect("<bpmn:startEvent id=\"ms\">\n<bpmn:messageEventDefinition id=\"md\"/>\n</bpmn:startEvent>", 1,
           "'ms' names no message or signal (messageRef/signalRef)", 4, "ms");
    expect("<bpmn:startEvent id=\"ms\">\n<bpmn:conditionalEventDefinition id=\"cd\"/>\n</bpmn:startEvent>", 1,
           "conditional startEvent 'ms' of process 'p': nothing evaluates a condition before an instance exists", 3, "ms");
    expect(SE "\n<bpmn:endEvent id=\"ee\"><bpmn:cancelEventDefinition/></bpmn:endEvent>\n"
           "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"ee\"/>", 1,
           "cancel endEvent 'ee' is not inside a transaction", 4, "ee");
    expect(SE "\n<bpmn:intermediateCatchEvent id=\"ce\"><bpmn:conditionalEventDefinition/></bpmn:intermediateCatchEvent>", 1,
           "conditional event 'ce' has no condition", 4, "ce");

    T_CASE("2.11 JUEL and other condition languages are rejected");
    expect(SE "\n<bpmn:task id=\"t\"/>\n<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"t\">"
           "<bpmn:conditionExpression>${amount &gt; 5}</bpmn:conditionExpression></bpmn:sequenceFlow>",
           1, "the condition of sequenceFlow 'f': '${amount > 5}' is JUEL, as Camunda 7 writes it", 5, "f");
    expect(SE "\n<bpmn:task id=\"t\"/>\n<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"t\">"
           "<bpmn:conditionExpression>  #{ok}</bpmn:conditionExpression></bpmn:sequenceFlow>",
           1, "JUEL", 5, "f");
    expect(SE "\n<bpmn:task id=\"t\"/>\n<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"t\">\n"
           "<bpmn:conditionExpression language=\"javascript\">a &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>",
           1, "condition language 'javascript' is not Lua", 6, "f");
    expect(SE "\n<bpmn:task id=\"t\"/>\n<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"t\">\n"
           "<bpmn:conditionExpression language=\"http://www.java.com/java\">a</bpmn:conditionExpression></bpmn:sequenceFlow>",
           1, "is not Lua", 6, "f");

    T_CASE("2.12 script formats other than Lua are rejected");
    expect(SE "\n<bpmn:scriptTask id=\"sc\" scriptFormat=\"groovy\"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>",
           1, "scriptTask 'sc' uses scriptFormat 'groovy'; sdm runs Lua", 4, "sc");
    expect(SE "\n<bpmn:scriptTask id=\"sc\" scriptFormat=\"javascript\"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>",
           1, "scriptFormat 'javascript'", 4, "sc");
    expect(SE "\n<bpmn:scriptTask id=\"sc\"/>", 1, "scriptTask 'sc' has no script", 4, "sc");
    m = proc(SE "<bpmn:scriptTask id=\"a\" scriptFormat=\"text/x-lua\"><bpmn:script>x=1</bpmn:script></bpmn:scriptTask>"
                "<bpmn:scriptTask id=\"b\" scriptFormat=\"LUA\"><bpmn:script>x=1</bpmn:script></bpmn:scriptTask>"
                "<bpmn:scriptTask id=\"c\"><bpmn:script>x=1</bpmn:script></bpmn:scriptTask>"
                "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"a\"/>"
                "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"a\" targetRef=\"b\"/>"
                "<bpmn:sequenceFlow id=\"f3\" sourceRef=\"b\" targetRef=\"c\"/>"
                "<bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"c\" targetRef=\"end\"/>");
    CHECK_EQ_INT(m ? m->nerr : -1, 0);
    model_free(m);

    T_CASE("2.13 serviceTask needs sdm:handler=module.function");
    expect(SE "\n<bpmn:serviceTask id=\"svc\" camunda:class=\"com.acme.Sign\"/>", 1,
           "serviceTask 'svc' has no sdm:handler", 4, "svc");
    expect(SE "\n<bpmn:serviceTask id=\"svc\" sdm:handler=\"nodot\"/>", 1,
           "sdm:handler 'nodot' must be module.function", 4, "svc");

    T_CASE("2.14 unknown BPMN elements are errors; other namespaces are not, Camunda's execution settings are warned about");
    expect(SE "\n<bpmn:frobnicator id=\"fz\"/>", 1, "unknown BPMN element <frobnicator> in process 'p'", 4, "fz");
    m = proc(SE "<camunda:frobnicator id=\"x\"/><zeebe:properties/><signavio:signavioMetaData metaKey=\"a\"/>"
             "<bpmn:endEvent id=\"e\" camunda:asyncBefore=\"true\" zeebe:foo=\"1\" signavio:bar=\"2\">"
             "<bpmn:extensionElements><camunda:executionListener event=\"start\" class=\"X\"/>"
             "<zeebe:ioMapping/><signavio:signavioLabel/></bpmn:extensionElements></bpmn:endEvent>"
             "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\" camunda:x=\"y\"/>"
             "<bpmn:textAnnotation id=\"ta\"><bpmn:text>note</bpmn:text></bpmn:textAnnotation>"
             "<bpmn:association id=\"as\" sourceRef=\"e\" targetRef=\"ta\"/>");
    CHECK_EQ_INT(m ? m->nerr : -1, 0);
    CHECK_EQ_INT(m ? m->ndiag : -1, 4);       /* asyncBefore, zeebe:foo, executionListener, ioMapping: not signavio */
    for (int i = 0; m && i < m->ndiag; i++) CHECK(!strstr(m->diags[i].msg, "signavio"));
    model_free(m);

    T_CASE("2.15 unreachable nodes are a warning, not an error");
    m = proc(SE "<bpmn:endEvent id=\"e\"/><bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\"/>\n"
             "<bpmn:task id=\"island\"/>");
    const model_diag *d = diag_with(m, "'island' cannot be reached from any start event");
    CHECK(d != NULL);
    if (d) { CHECK_EQ_INT(d->error, 0); CHECK_EQ_INT(d->line, 4); CHECK_EQ_STR(d->element, "island"); }
    CHECK_EQ_INT(m ? m->nerr : -1, 0);
    model_free(m);

    T_CASE("2.16 default flows");
    expect(SE "\n<bpmn:exclusiveGateway id=\"g\" default=\"elsewhere\"/>"
           "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"g\"/>"
           "<bpmn:endEvent id=\"e\"/><bpmn:sequenceFlow id=\"f2\" sourceRef=\"g\" targetRef=\"e\"/>",
           1, "exclusiveGateway 'g': default flow 'elsewhere' is not one of its outgoing flows", 4, "g");
    expect(SE "\n<bpmn:exclusiveGateway id=\"g\" default=\"f2\"/>"
           "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"g\"/>"
           "<bpmn:endEvent id=\"e\"/><bpmn:sequenceFlow id=\"f2\" sourceRef=\"g\" targetRef=\"e\">"
           "<bpmn:conditionExpression>x</bpmn:conditionExpression></bpmn:sequenceFlow>",
           0, "the condition on default flow 'f2' is ignored", 4, "g");

    T_CASE("2.17 every problem is reported, not only the first");
    m = proc(SE "\n<bpmn:complexGateway id=\"g1\"/>\n<bpmn:serviceTask id=\"sv\"/>\n"
             "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"zz\"/>");
    CHECK(m && m->nerr >= 3);
    CHECK(diag_with(m, "g1") && diag_with(m, "sv") && diag_with(m, "'zz'"));
    model_free(m);

    T_CASE("2.18 documents that are not BPMN");
    m = compile_text("x.bpmn", "<definitions xmlns=\"urn:other\"/>");
    CHECK(m && m->nerr == 1);
    CHECK(diag_with(m, "not a BPMN 2.0 document") != NULL);
    model_free(m);

    T_CASE("2.19 elements without an id");
    expect(SE "\n<bpmn:task name=\"x\"/>", 1, "task at line 4 has no id", 4, NULL);

    /* Last: with an engine bug this aborts under UBSan (qsort of NULL). */
    T_CASE("2.21 loops need a condition or maximum, multi-instance a count or collection; token quantities are refused");
    expect(SE "\n<bpmn:task id=\"t\"><bpmn:standardLoopCharacteristics/></bpmn:task>", 1,
           "standard loop on 't' has neither a loopCondition nor a loopMaximum", 4, "t");
    expect(SE "\n<bpmn:userTask id=\"u\"><bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>", 1,
           "multi-instance 'u' needs either loopCardinality or a collection", 4, "u");
    expect(SE "\n<bpmn:task id=\"t\" startQuantity=\"0\"/>", 1, "startQuantity=\"0\" is not a number of tokens", 4, "t");

    T_CASE("2.22 eventDefinitionRef is followed to the document's definitions");
    m = compile_text("r.bpmn", "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n"
                     "<timerEventDefinition id=\"td\"><timeDuration>PT1H</timeDuration></timerEventDefinition>\n"
                     "<process id=\"p\"><startEvent id=\"s\"/><sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"w\"/>\n"
                     "<intermediateCatchEvent id=\"w\"><eventDefinitionRef>td</eventDefinitionRef></intermediateCatchEvent>\n"
                     "<endEvent id=\"e\"><eventDefinitionRef>nowhere</eventDefinitionRef></endEvent></process>\n"
                     "</definitions>");
    CHECK(m && m->nproc == 1);
    if (m && m->nproc == 1) {
        const model_node *w = node(&m->procs[0], "w");
        CHECK(w && w->kind == EL_CATCH_TIMER && w->timer_type == TIMER_DURATION);
        CHECK_EQ_STR(w ? w->timer : NULL, "PT1H");
    }
    CHECK(diag_with(m, "eventDefinitionRef 'nowhere' names no event definition") != NULL);
    model_free(m);

    T_CASE("2.20 a BPMN document without any process or id");
    printf("%d passed, %d failed so far\n", t_pass, t_fail);
    fflush(stdout);
    m = compile_text("x.bpmn", "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"/>");
    CHECK(diag_with(m, "the document defines no process") != NULL);
    CHECK_EQ_INT(m ? m->nerr : -1, 1);
    model_free(m);

    /* Static constraints of the BPMN spec (betsy's bpmn_constraints, EXT.nnn).
    ** A body may close process p to add elements at the top of the
    ** document; TAIL then closes the process it opened last. */
    T_CASE("2.23 a documentation's textFormat is a MIME type (EXT.004)");
    expect(SE "\n<bpmn:task id=\"t\"><bpmn:documentation textFormat=\"plain\">x</bpmn:documentation></bpmn:task>", 1,
           "documentation of 't' has textFormat 'plain', which is not a MIME type", 4, "t");
    m = proc(SE "\n<bpmn:task id=\"t\"><bpmn:documentation textFormat=\"text/html; charset=utf-8\">x"
             "</bpmn:documentation></bpmn:task>");
    CHECK(diag_with(m, "textFormat") == NULL);
    model_free(m);

    T_CASE("2.24 a thrown escalation has an escalationCode (EXT.011)");
    expect(SE "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\"/>\n"
           "<bpmn:endEvent id=\"e\"><bpmn:escalationEventDefinition/></bpmn:endEvent>", 1,
           "endEvent 'e' throws an escalation without naming an <escalation>", 4, "e");

    T_CASE("2.25 a gateway's direction matches its flows (EXT.017-019)");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"g\"/>\n"
           "<bpmn:exclusiveGateway id=\"g\" gatewayDirection=\"Converging\"/>\n"
           "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"g\" targetRef=\"e\"/><bpmn:sequenceFlow id=\"f2\" sourceRef=\"g\" "
           "targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>", 1,
           "exclusiveGateway 'g' is converging but has 2 outgoing flows", 4, "g");
    expect(SE "<bpmn:startEvent id=\"s2\"/><bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"g\"/>"
           "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s2\" targetRef=\"g\"/>\n"
           "<bpmn:parallelGateway id=\"g\" gatewayDirection=\"Diverging\"/>\n"
           "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"g\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>", 1,
           "parallelGateway 'g' is diverging but has 2 incoming flows", 4, "g");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"g\"/>\n"
           "<bpmn:inclusiveGateway id=\"g\" gatewayDirection=\"Mixed\"/>\n"
           "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"g\" targetRef=\"e\"/><bpmn:sequenceFlow id=\"f2\" sourceRef=\"g\" "
           "targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>", 1,
           "inclusiveGateway 'g' is mixed but has 1 incoming and 2 outgoing flows", 4, "g");

    T_CASE("2.26 a gateway merges or splits (EXT.135)");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"g\"/>\n<bpmn:parallelGateway id=\"g\"/>\n"
           "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"g\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>", 1,
           "parallelGateway 'g' has 1 incoming and one outgoing flow", 4, "g");

    T_CASE("2.27 an event-based gateway chooses between two or more events, not conditions (EXT.136, EXT.137)");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"g\"/>\n<bpmn:eventBasedGateway id=\"g\"/>\n"
           "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"g\" targetRef=\"t1\"><bpmn:conditionExpression>ok"
           "</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:sequenceFlow id=\"f2\" sourceRef=\"g\" targetRef=\"t2\"/>\n"
           "<bpmn:intermediateCatchEvent id=\"t1\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H"
           "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>\n"
           "<bpmn:intermediateCatchEvent id=\"t2\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT2H"
           "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>\n"
           "<bpmn:sequenceFlow id=\"f3\" sourceRef=\"t1\" targetRef=\"e\"/><bpmn:sequenceFlow id=\"f4\" sourceRef=\"t2\" "
           "targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>", 1,
           "eventBasedGateway 'g' has a conditional outgoing flow 'f1'; its flows follow events, not conditions", 4, "g");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"g\"/>\n<bpmn:eventBasedGateway id=\"g\"/>\n"
           "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"g\" targetRef=\"t1\"/><bpmn:intermediateCatchEvent id=\"t1\">"
           "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
           "</bpmn:intermediateCatchEvent>", 1, "eventBasedGateway 'g' has one outgoing flow", 4, "g");

    T_CASE("2.28 a conditional flow from an activity is not its only way out (EXT.025)");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"t\"/>\n<bpmn:task id=\"t\"/>\n"
           "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"t\" targetRef=\"e\"><bpmn:conditionExpression>ok"
           "</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:endEvent id=\"e\"/>", 1,
           "task 't' has a condition on its only outgoing flow 'f1'", 4, "t");

    T_CASE("2.29 an activity has one loop marker (EXT.041)");
    expect(SE "\n<bpmn:task id=\"t\"><bpmn:standardLoopCharacteristics><bpmn:loopCondition>ok</bpmn:loopCondition>"
           "</bpmn:standardLoopCharacteristics><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2"
           "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:task>", 1,
           "task 't' has both a standard loop and a multi-instance marker", 4, "t");

    T_CASE("2.30 a receive task that starts the process has no incoming flow (EXT.049)");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"r\"/>\n"
           "<bpmn:receiveTask id=\"r\" instantiate=\"true\" messageRef=\"m\"/>", 1,
           "receiveTask 'r' starts the process (instantiate=\"true\") but has incoming sequence flows", 4, "r");

    T_CASE("2.31 a send task's data input holds its message's item (EXT.046-052)");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"st\"/>\n"
           "<bpmn:sendTask id=\"st\" messageRef=\"m\"><bpmn:ioSpecification>\n"
           "<bpmn:dataInput id=\"di\" itemSubjectRef=\"i2\"/><bpmn:inputSet><bpmn:dataInputRefs>di</bpmn:dataInputRefs>"
           "</bpmn:inputSet><bpmn:inputSet/><bpmn:outputSet/>\n</bpmn:ioSpecification></bpmn:sendTask></bpmn:process>\n"
           "<bpmn:itemDefinition id=\"i1\" structureRef=\"String\"/><bpmn:itemDefinition id=\"i2\" structureRef=\"Integer\"/>"
           "<bpmn:message id=\"m\" itemRef=\"i1\"/>\n<bpmn:process id=\"q\">", 1,
           "dataInput 'di' of sendTask 'st' holds Integer, but its message 'm' carries String", 5, "di");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"st\"/>\n"
           "<bpmn:sendTask id=\"st\"><bpmn:ioSpecification><bpmn:inputSet/><bpmn:inputSet/><bpmn:outputSet/>"
           "</bpmn:ioSpecification></bpmn:sendTask>", 1, "sendTask 'st' has 2 inputSets", 4, "st");

    T_CASE("2.32 a multi-instance loop walks a data collection one item at a time (EXT.068-070)");
    expect(SE "\n<bpmn:task id=\"t\"><bpmn:multiInstanceLoopCharacteristics>\n"
           "<bpmn:loopDataInputRef>i1</bpmn:loopDataInputRef></bpmn:multiInstanceLoopCharacteristics></bpmn:task>"
           "</bpmn:process>\n<bpmn:itemDefinition id=\"i1\" isCollection=\"true\"/>\n<bpmn:process id=\"q\">", 1,
           "loopDataInputRef of 't' names itemDefinition 'i1', which holds no data", 5, "t");
    expect(SE "\n<bpmn:task id=\"t\"><bpmn:multiInstanceLoopCharacteristics>\n"
           "<bpmn:loopDataInputRef>d</bpmn:loopDataInputRef><bpmn:inputDataItem id=\"it\" itemSubjectRef=\"i1\"/>"
           "</bpmn:multiInstanceLoopCharacteristics></bpmn:task>"
           "</bpmn:process>\n<bpmn:itemDefinition id=\"i1\" isCollection=\"true\"/>\n<bpmn:process id=\"q\">", 1,
           "inputDataItem of 't' is a collection (itemDefinition 'i1')", 5, "it");

    T_CASE("2.33 a condition is not a constant number or string (EXT.071, EXT.072)");
    expect(SE "\n<bpmn:task id=\"t\"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3"
           "</bpmn:loopCardinality><bpmn:completionCondition>23</bpmn:completionCondition>"
           "</bpmn:multiInstanceLoopCharacteristics></bpmn:task>", 1,
           "completionCondition of 't' is the constant 23, not a condition", 4, "t");

    T_CASE("2.34 a data element and its itemDefinition agree on being a collection (EXT.020)");
    expect(SE "<bpmn:dataObject id=\"do\" itemSubjectRef=\"i1\"/></bpmn:process>\n"
           "<bpmn:itemDefinition id=\"i1\" isCollection=\"true\"/><bpmn:process id=\"q\">", 1,
           "dataObject 'do' is not a collection but its itemDefinition 'i1' is one", 3, "do");

    T_CASE("2.35 only root elements stand at the top of the document (EXT.078)");
    expect(SE "</bpmn:process>\n<bpmn:property id=\"pr\"/>\n<bpmn:process id=\"q\">", 1,
           "<property> 'pr' stands at the top of the document", 4, "pr");

    T_CASE("2.36 an event has only the triggers its kind and place allow (EXT.059, EXT.098, EXT.110, EXT.146)");
    expect(SE "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\"/>\n<bpmn:endEvent id=\"e\">"
           "<bpmn:messageEventDefinition messageRef=\"m\"/><bpmn:linkEventDefinition name=\"l\"/></bpmn:endEvent>", 1,
           "endEvent 'e' has a link event definition, which an end event cannot have", 4, "e");
    expect(SE "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>\n"
           "<bpmn:subProcess id=\"ev\" triggeredByEvent=\"true\">\n<bpmn:startEvent id=\"es\" isInterrupting=\"false\">"
           "<bpmn:errorEventDefinition/></bpmn:startEvent><bpmn:sequenceFlow id=\"g\" sourceRef=\"es\" targetRef=\"ee\"/>"
           "<bpmn:endEvent id=\"ee\"/></bpmn:subProcess>", 1,
           "startEvent 'es' has an error event definition, which a non-interrupting start event cannot have", 5, "es");

    T_CASE("2.37 a timer is a date, a duration or a cycle, one of them (EXT.131)");
    expect(SE "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"w\"/>\n<bpmn:intermediateCatchEvent id=\"w\">"
           "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration><bpmn:timeDate>2030-01-01T00:00:00Z"
           "</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>", 1,
           "timer of 'w' has more than one of timeDate, timeDuration and timeCycle", 4, "w");

    T_CASE("2.38 an event carries one data item per event definition (EXT.093, EXT.094)");
    expect(SE "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\"/>\n<bpmn:endEvent id=\"e\">"
           "<bpmn:dataInput id=\"d1\"/><bpmn:messageEventDefinition messageRef=\"m\"/>"
           "<bpmn:signalEventDefinition signalRef=\"g\"/></bpmn:endEvent>", 1,
           "endEvent 'e' has 1 dataInput for 2 event definitions", 4, "e");

    T_CASE("2.39 a link throw event ends a path, a link catch event starts one from a throw of its name (EXT.117, EXT.124)");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"lt\"/>\n<bpmn:intermediateThrowEvent id=\"lt\">"
           "<bpmn:linkEventDefinition name=\"a\"/></bpmn:intermediateThrowEvent><bpmn:sequenceFlow id=\"f1\" "
           "sourceRef=\"lt\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>", 1,
           "link intermediateThrowEvent 'lt' has outgoing sequence flows", 4, "lt");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>\n"
           "<bpmn:intermediateCatchEvent id=\"lc\"><bpmn:linkEventDefinition name=\"b\"/></bpmn:intermediateCatchEvent>"
           "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"lc\" targetRef=\"e\"/>", 1,
           "link intermediateCatchEvent 'lc' has no link throw event named 'b' in its scope", 4, "lc");

    T_CASE("2.40 a compensation boundary event has no outgoing flow (EXT.114)");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"t\"/>\n<bpmn:task id=\"t\"/>"
           "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"t\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>\n"
           "<bpmn:boundaryEvent id=\"b\" attachedToRef=\"t\"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>"
           "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"b\" targetRef=\"e\"/>\n<bpmn:task id=\"h\" isForCompensation=\"true\"/>"
           "<bpmn:association id=\"a\" sourceRef=\"b\" targetRef=\"h\"/>", 1,
           "compensation boundaryEvent 'b' has outgoing sequence flows", 5, "b");

    T_CASE("2.41 where a level has a start event, a path does not begin elsewhere (EXT.150)");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>\n"
           "<bpmn:task id=\"t\"/><bpmn:sequenceFlow id=\"f1\" sourceRef=\"t\" targetRef=\"e\"/>", 1,
           "task 't' has no incoming sequence flow; where a level has a start event", 4, "t");

    T_CASE("2.42 a subprocess that has a start event has an end event (EXT.105)");
    expect(SE "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"sp\"/>\n<bpmn:subProcess id=\"sp\">"
           "<bpmn:startEvent id=\"ss\"/><bpmn:sequenceFlow id=\"g\" sourceRef=\"ss\" targetRef=\"st\"/>"
           "<bpmn:task id=\"st\"/></bpmn:subProcess>", 1,
           "subProcess 'sp' has a start event but no end event", 4, "sp");

    T_CASE("2.43 <incoming>/<outgoing> lists agree with the flows (EXT.023, EXT.101, EXT.107)");
    expect("<bpmn:startEvent id=\"s\"><bpmn:outgoing>f2</bpmn:outgoing></bpmn:startEvent>\n"
           "<bpmn:endEvent id=\"e\"><bpmn:incoming>f</bpmn:incoming></bpmn:endEvent>"
           "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\"/>", 1,
           "startEvent 's' lists an outgoing flow 'f2', which is not a sequence flow of the document", 3, "s");
    expect("<bpmn:startEvent id=\"s\"><bpmn:outgoing>f2</bpmn:outgoing></bpmn:startEvent>\n"
           "<bpmn:endEvent id=\"e\"><bpmn:incoming>f</bpmn:incoming></bpmn:endEvent>"
           "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\"/>", 1,
           "startEvent 's' does not list its outgoing flow 'f'", 3, "s");

    T_CASE("2.44 an executable process's flows are immediate (EXT.024)");
    expect(SE "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\" isImmediate=\"false\"/>"
           "<bpmn:endEvent id=\"e\"/>", 1, "sequenceFlow 'f' has isImmediate=\"false\"", 3, "f");

    T_CASE("2.45 a public process is not executable (EXT.035)");
    expect("</bpmn:process>\n<bpmn:process id=\"pub\" processType=\"Public\" isExecutable=\"true\">" SE, 1,
           "process 'pub' is public (processType=\"Public\") and executable", 4, "pub");

    T_CASE("2.46 message flows join two pools, from a sender to a receiver (EXT.031, EXT.102, EXT.103, EXT.108, EXT.119)");
    {
        const char *mf = SE "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\"/><bpmn:endEvent id=\"e\"/>"
            "</bpmn:process>\n<bpmn:collaboration id=\"c\"><bpmn:participant id=\"pa\" processRef=\"p\"/>"
            "<bpmn:participant id=\"pb\"/>\n<bpmn:messageFlow id=\"m1\" sourceRef=\"pb\" targetRef=\"e\"/>\n"
            "<bpmn:messageFlow id=\"m2\" sourceRef=\"s\" targetRef=\"pa\"/></bpmn:collaboration>\n<bpmn:process id=\"q\">";
        expect(mf, 1, "messageFlow 'm1' leads to endEvent 'e'; a throw event receives no messages", 5, "m1");
        expect(mf, 1, "messageFlow 'm2' starts at startEvent 's'; a catch event sends no messages", 6, "m2");
        expect(mf, 1, "messageFlow 'm2' joins 's' and 'pa' in the same pool 'pa'", 6, "m2");
    }

    T_CASE("2.47 a reference names an element of the right kind (REF)");
    expect(SE "</bpmn:process>\n<bpmn:interface id=\"if\"><bpmn:operation id=\"op\"><bpmn:inMessageRef>if"
           "</bpmn:inMessageRef></bpmn:operation></bpmn:interface>\n<bpmn:process id=\"q\">", 1,
           "operation 'op': inMessageRef 'if' names an interface, not a message", 4, "op");

    T_CASE("2.48 a performer names a resource or computes one, and binds parameters to a named one (EXT.039, EXT.040)");
    expect(SE "\n<bpmn:task id=\"t\"><bpmn:performer><bpmn:resourceRef>r</bpmn:resourceRef>"
           "<bpmn:resourceAssignmentExpression><bpmn:formalExpression>x</bpmn:formalExpression>"
           "</bpmn:resourceAssignmentExpression></bpmn:performer></bpmn:task>", 1,
           "performer of 't' both names a resource (resourceRef) and computes one", 4, "t");
    expect(SE "\n<bpmn:task id=\"t\"><bpmn:performer><bpmn:resourceParameterBinding parameterRef=\"x\">"
           "<bpmn:formalExpression>1</bpmn:formalExpression></bpmn:resourceParameterBinding></bpmn:performer></bpmn:task>",
           1, "performer of 't' binds resource parameters but names no resource", 4, "t");

    T_CASE("2.49 a transformation has a body (EXT.013)");
    expect(SE "\n<bpmn:task id=\"t\"><bpmn:dataInputAssociation id=\"a\"><bpmn:sourceRef>x</bpmn:sourceRef>"
           "<bpmn:transformation/></bpmn:dataInputAssociation></bpmn:task>", 1,
           "the transformation of 'a' is empty", 4, "a");

    T_CASE("2.50 a call activity's data matches the process it calls (EXT.063)");
    expect(SE "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"ca\"/>\n<bpmn:callActivity id=\"ca\" "
           "calledElement=\"q\"><bpmn:ioSpecification><bpmn:inputSet/><bpmn:outputSet/></bpmn:ioSpecification>"
           "</bpmn:callActivity></bpmn:process>\n<bpmn:process id=\"q\"><bpmn:ioSpecification><bpmn:dataInput id=\"qi\"/>"
           "<bpmn:inputSet><bpmn:dataInputRefs>qi</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet/>"
           "</bpmn:ioSpecification>", 1, "callActivity 'ca' has 0 dataInputs, but process 'q' it calls has 1", 4, "ca");

    T_CASE("2.51 a process exposed as a service binds its operations to its data (EXT.064, EXT.065)");
    expect(SE "</bpmn:process>\n<bpmn:interface id=\"if\"><bpmn:operation id=\"op\"/></bpmn:interface>\n"
           "<bpmn:process id=\"q\"><bpmn:supportedInterfaceRef>if</bpmn:supportedInterfaceRef>", 1,
           "process 'q' is exposed as a service (supportedInterfaceRef) but binds no operation to its data", 5, "q");

    T_CASE("2.52 models that keep these rules raise nothing");
    m = compile_text("ok.bpmn", HEAD "<bpmn:startEvent id=\"s\"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>"
        "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"g\"/>\n"
        "<bpmn:eventBasedGateway id=\"g\" gatewayDirection=\"Diverging\"><bpmn:incoming>f0</bpmn:incoming>"
        "<bpmn:outgoing>f1</bpmn:outgoing><bpmn:outgoing>f2</bpmn:outgoing></bpmn:eventBasedGateway>\n"
        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"g\" targetRef=\"t1\"/><bpmn:sequenceFlow id=\"f2\" sourceRef=\"g\" "
        "targetRef=\"t2\"/>\n<bpmn:intermediateCatchEvent id=\"t1\"><bpmn:incoming>f1</bpmn:incoming>"
        "<bpmn:outgoing>f3</bpmn:outgoing><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>\n<bpmn:intermediateCatchEvent id=\"t2\">"
        "<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing><bpmn:messageEventDefinition "
        "messageRef=\"m\"/></bpmn:intermediateCatchEvent>\n<bpmn:sequenceFlow id=\"f3\" sourceRef=\"t1\" targetRef=\"j\"/>"
        "<bpmn:sequenceFlow id=\"f4\" sourceRef=\"t2\" targetRef=\"j\"/>\n<bpmn:exclusiveGateway id=\"j\" "
        "gatewayDirection=\"Converging\"><bpmn:incoming>f3</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>"
        "<bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway><bpmn:sequenceFlow id=\"f5\" sourceRef=\"j\" "
        "targetRef=\"e\"/>\n<bpmn:endEvent id=\"e\"><bpmn:incoming>f5</bpmn:incoming><bpmn:documentation "
        "textFormat=\"text/plain\">done</bpmn:documentation></bpmn:endEvent></bpmn:process>\n"
        "<bpmn:message id=\"m\" name=\"reply\"/><bpmn:collaboration id=\"c\"><bpmn:participant id=\"pa\" "
        "processRef=\"p\"/><bpmn:participant id=\"pb\"/><bpmn:messageFlow id=\"mf\" sourceRef=\"pb\" targetRef=\"t2\"/>"
        "</bpmn:collaboration>\n</bpmn:definitions>\n");
    CHECK(m && m->nerr == 0);
    if (m && m->nerr) dump_diags(m);
    model_free(m);

    T_CASE("3.1 the table of kinds has a full row for every el_kind, and the properties agree with the kinds");
    for (int k = 0; k < EL__COUNT; k++) {
        const el_info *r = &el_kinds[k];
        CHECK(r->name && *r->name && r->meaning && *r->meaning && r->compile && r->run);
        CHECK_EQ_STR(model_kind_name((el_kind)k), r->name);
        /* a node is at most one of event, gateway, activity */
        CHECK(!!el_is((el_kind)k, EK_EVENT) + !!el_is((el_kind)k, EK_GATEWAY) + !!el_is((el_kind)k, EK_ACTIVITY) <= 1);
        if (el_is((el_kind)k, EK_START | EK_END | EK_BOUNDARY)) CHECK(el_is((el_kind)k, EK_EVENT));
        if (el_is((el_kind)k, EK_OR_JOIN)) CHECK(el_is((el_kind)k, EK_GATEWAY));
        if (el_is((el_kind)k, EK_SCOPE | EK_LUA)) CHECK(el_is((el_kind)k, EK_ACTIVITY));
    }
    CHECK(el_is(EL_GW_INCLUSIVE, EK_OR_JOIN) && el_is(EL_GW_COMPLEX, EK_OR_JOIN) && !el_is(EL_GW_PARALLEL, EK_OR_JOIN));
    CHECK(el_is(EL_TASK_USER, EK_WAITS) && !el_is(EL_TASK_SCRIPT, EK_WAITS));
    return t_done();
}
