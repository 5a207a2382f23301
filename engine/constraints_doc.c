/*
** constraints_doc.c — the BPMN spec's static constraints on the document
** beyond its processes' flow: collaborations (message flows to artifacts,
** participant multiplicity), choreographies and conversations, data
** object references, input/output sets, data associations, the operations
** service tasks call, and the start events of called processes. Run from
** constraints.c's walk over every element, a document with no process too.
** It only adds diagnostics: it must not change the model.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "model_int.h"
#include "constraints_int.h"

/* ---------- the document beyond its processes, and its data ----------
**
** Rules on what a document holds besides flow (collaborations,
** choreographies, conversations, artifacts) and on how data is declared
** and passed (input and output sets, data associations, the operation a
** service task calls, what a call activity starts). They run on every
** document, one with no process to deploy too, so its refusal names the
** rule it breaks.
*/

/* A message flow joins interaction nodes, never an artifact (EXT.008 as
** target, EXT.009 as source). */
static void check_flow_artifacts(spec *s, const xml_node *mf) {
    for (int end = 0; end < 2; end++) {
        const xml_node *x = cs_lookup(s, xml_attr_get(mf, NULL, end ? "targetRef" : "sourceRef"));
        if (cs_is_artifact(x))
            cs_fail(s, mf, end ? "EXT.008" : "EXT.009", "messageFlow '%s' %s %s '%s', an artifact; a message flow joins "
                 "pools or the tasks and events in them", cs_label(mf), end ? "leads to" : "starts at", x->name, cs_label(x));
    }
}

/* How many of a pool's instances take part: minimum 0 or more, maximum 1
** or more and not under the minimum (EXT.029, EXT.030; the defaults are 0
** and 1). */
static int count_attr(const xml_node *x, const char *name, long dflt, long *v) {
    const char *a = xml_attr_get(x, NULL, name);
    char *end;
    *v = dflt;
    if (!a) return 1;
    *v = strtol(a, &end, 10);
    return end != a && *end == 0;
}

static void check_multiplicity(spec *s, const xml_node *x) {
    long min, max;
    const char *pool = cs_label(cs_owner_of(x));
    if (!count_attr(x, "minimum", 0, &min) || min < 0)
        cs_fail(s, x, "EXT.029", "participantMultiplicity of '%s' has minimum=\"%s\"; the fewest instances of a pool is 0 "
             "or more", pool, xml_attr_get(x, NULL, "minimum"));
    else if (!count_attr(x, "maximum", 1, &max) || max < 1 || max < min)
        cs_fail(s, x, "EXT.030", "participantMultiplicity of '%s' has maximum=\"%s\" for minimum %ld; the most instances "
             "of a pool is 1 or more and not fewer than the minimum", pool,
             xml_attr_get(x, NULL, "maximum") ? xml_attr_get(x, NULL, "maximum") : "1", min);
}

/* Conversations: a choreography or a global conversation names no
** choreography (EXT.027); a global conversation holds nothing but its
** participants and message flows (EXT.032). */
static const char *const global_conv_forbidden[] = {
    "conversation", "subConversation", "callConversation", "participantAssociation", "messageFlowAssociation",
    "conversationAssociation", "conversationLink", "association", "group", "textAnnotation", NULL
};

static void check_conversation(spec *s, const xml_node *x) {
    const xml_node *ref = model_child(x, "choreographyRef");
    const char *named = ref ? model_trimmed(s->m->mem, ref->text) : NULL;
    if (ref && (cs_is_tag(x, "choreography") || cs_is_tag(x, "globalConversation")))
        cs_fail(s, ref, "EXT.027", "%s '%s' names choreography '%s' (choreographyRef); only a collaboration refers to a "
             "choreography", x->name, cs_label(x), named ? named : "");
    if (!cs_is_tag(x, "globalConversation")) return;
    for (const xml_node *c = x->child; c; c = c->next)
        if (model_is_bpmn(c) && model_in_list(global_conv_forbidden, c->name))
            cs_fail(s, c, "EXT.032", "globalConversation '%s' holds %s %s '%s'; a global conversation holds only "
                 "participants and message flows", cs_label(x), cs_a_an(c->name), c->name, cs_label(c));
}

/* Choreography activities belong to choreographies: a process (EXT.036)
** or a subprocess (EXT.056; an ad-hoc one too, EXT.062) holds none. */
static void check_choreography_activity(spec *s, const xml_node *x) {
    static const char *const chor[] = {"choreographyTask", "subChoreography", "callChoreography", NULL};
    const xml_node *up = x->parent;
    if (!model_in_list(chor, x->name) || !up) return;
    const char *rule = cs_is_tag(up, "process") ? "EXT.036" : cs_is_tag(up, "adHocSubProcess") ? "EXT.056, EXT.062"
                     : cs_is_tag(up, "subProcess") || cs_is_tag(up, "transaction") ? "EXT.056" : NULL;
    if (rule)
        cs_fail(s, x, rule, "%s%s%s%s%s stands in %s '%s'; choreography activities belong to a choreography, not to a "
             "process or subprocess", cs_id_of(x) ? "" : "a ", x->name, cs_id_of(x) ? " '" : "",
             cs_id_of(x) ? cs_id_of(x) : "", cs_id_of(x) ? "'" : "", up->name, cs_label(up));
}

/* The name of a data object reference in a state reads "object [state]"
** (EXT.076). */
static void check_reference_name(spec *s, const xml_node *x) {
    const xml_node *st = model_child(x, "dataState"), *obj = cs_lookup(s, xml_attr_get(x, NULL, "dataObjectRef"));
    const char *name = xml_attr_get(x, NULL, "name"), *state = st ? xml_attr_get(st, NULL, "name") : NULL;
    const char *oname = cs_is_tag(obj, "dataObject") ? xml_attr_get(obj, NULL, "name") : NULL;
    if (!name || !state || !oname) return;
    char want[512];
    snprintf(want, sizeof want, "%s [%s]", oname, state);
    if (strcmp(name, want) != 0)
        cs_fail(s, x, "EXT.076", "dataObjectReference '%s' is named \"%s\"; a reference to data object \"%s\" in state "
             "\"%s\" is named \"%s\"", cs_label(x), name, oname, state, want);
}

/* An ioSpecification's sets: every data input is in an input set and every
** output in an output set (EXT.084, EXT.088); a set's optional and
** while-executing data are among its own (EXT.085, 086, 089, 090); an
** input set and the output sets it names name each other (EXT.087). */
static const struct {
    const char *data, *set, *refs, *opt, *whilex, *rule, *opt_rule, *while_rule, *fwd, *bwd;
} io_kinds[2] = {
    {"dataInput", "inputSet", "dataInputRefs", "optionalInputRefs", "whileExecutingInputRefs", "EXT.084",
     "EXT.085", "EXT.086", "outputSetRefs", "inputSetRefs"},
    {"dataOutput", "outputSet", "dataOutputRefs", "optionalOutputRefs", "whileExecutingOutputRefs", "EXT.088",
     "EXT.089", "EXT.090", "inputSetRefs", "outputSetRefs"},
};

static void check_io_set(spec *s, const xml_node *io, const xml_node *set, int k) {
    const char *owner = cs_label(cs_owner_of(io));
    for (const xml_node *r = set->child; r; r = r->next) {
        int opt = cs_is_tag(r, io_kinds[k].opt);
        const char *ref = model_trimmed(s->m->mem, r->text);
        if ((opt || cs_is_tag(r, io_kinds[k].whilex)) && ref && !cs_lists_flow(set, io_kinds[k].refs, ref))
            cs_fail(s, r, opt ? io_kinds[k].opt_rule : io_kinds[k].while_rule, "%s of '%s' lists '%s' in %s but not in "
                 "its %s; a set's optional and while-executing data are among its own", set->name, owner, ref,
                 r->name, io_kinds[k].refs);
        const xml_node *other = cs_is_tag(r, io_kinds[k].fwd) ? cs_lookup(s, r->text) : NULL;
        if (cs_is_tag(other, io_kinds[1 - k].set) && !(cs_id_of(set) && cs_lists_flow(other, io_kinds[k].bwd, cs_id_of(set))))
            cs_fail(s, set, "EXT.087", "%s '%s' of '%s' names %s '%s' (%s), which does not name it back in its %s",
                 set->name, cs_label(set), owner, other->name, cs_label(other), io_kinds[k].fwd, io_kinds[k].bwd);
    }
}

static void check_io_spec(spec *s, const xml_node *io) {
    for (int k = 0; k < 2; k++) {
        for (const xml_node *d = io->child; d; d = d->next) {
            if (!cs_is_tag(d, io_kinds[k].data) || !cs_id_of(d)) continue;
            int in = 0;
            for (const xml_node *set = io->child; set && !in; set = set->next)
                in = cs_is_tag(set, io_kinds[k].set) && cs_lists_flow(set, io_kinds[k].refs, cs_id_of(d));
            if (!in)
                cs_fail(s, d, io_kinds[k].rule, "%s '%s' of '%s' is in no %s (%s); every %s belongs to one",
                     d->name, cs_label(d), cs_label(cs_owner_of(io)), io_kinds[k].set, io_kinds[k].refs, d->name);
        }
        for (const xml_node *set = io->child; set; set = set->next)
            if (cs_is_tag(set, io_kinds[k].set)) check_io_set(s, io, set, k);
    }
}

/* A data input or output of a process itself (not of one of its
** activities) faces its caller: inside, an input is only read, never a
** data association's target, and an output only written, never its
** source (EXT.080, EXT.082). Without a transformation an association
** copies one element to another of the same item (EXT.091, EXT.092). */
static int process_data(const xml_node *x, const char *tag) {
    return cs_is_tag(x, tag) && cs_is_tag(x->parent, "ioSpecification") && cs_is_tag(x->parent->parent, "process");
}

static void check_data_association(spec *s, const xml_node *a) {
    const xml_node *src = NULL, *dst = NULL;
    int nsrc = 0;
    for (const xml_node *c = a->child; c; c = c->next) {
        const xml_node *t = cs_is_tag(c, "sourceRef") || cs_is_tag(c, "targetRef") ? cs_lookup(s, c->text) : NULL;
        if (cs_is_tag(c, "sourceRef")) { nsrc++; src = t; }
        if (cs_is_tag(c, "targetRef")) dst = t;
        if (process_data(t, cs_is_tag(c, "sourceRef") ? "dataOutput" : "dataInput"))
            cs_fail(s, a, cs_is_tag(c, "sourceRef") ? "EXT.082" : "EXT.080", "%s '%s' %s %s '%s' of process '%s'; a "
                 "process's own %s is only %s inside it", a->name, cs_label(a), cs_is_tag(c, "sourceRef") ? "reads"
                 : "writes", t->name, cs_label(t), cs_label(t->parent->parent), t->name,
                 cs_is_tag(c, "sourceRef") ? "written" : "read");
    }
    if (model_child(a, "transformation") || model_child(a, "assignment")) return;
    if (nsrc > 1) {
        cs_fail(s, a, "EXT.092", "%s '%s' has %d sources but no transformation; several sources are combined by one",
             a->name, cs_label(a), nsrc);
        return;
    }
    const xml_node *is = src ? cs_data_item(s, src) : NULL, *it = dst ? cs_data_item(s, dst) : NULL;
    if (is && it && !cs_same_item(is, it))
        cs_fail(s, a, "EXT.091", "%s '%s' copies %s '%s', holding %s, to %s '%s', holding %s, without a transformation; "
             "both ends hold the same item or a transformation converts it", a->name, cs_label(a), src->name,
             cs_label(src), cs_item_name(is), dst->name, cs_label(dst), cs_item_name(it));
}

/* A service task that calls an operation takes its request as its one data
** input, in one input set, and gives its answer, if any, as its one data
** output, in at most one output set (EXT.042-045). */
static void check_service_operation(spec *s, const xml_node *x) {
    const xml_node *op = cs_lookup(s, xml_attr_get(x, NULL, "operationRef"));
    if (!cs_is_tag(op, "operation")) return;
    const xml_node *io = model_child(x, "ioSpecification");
    int nin = io ? cs_nchild(io, "inputSet") : 0;
    if (nin != 1)
        cs_fail(s, x, "EXT.042", "serviceTask '%s' calls operation '%s' but has %d inputSets; a service task calling an "
             "operation has exactly one", cs_label(x), cs_label(op), nin);
    if (io && cs_nchild(io, "outputSet") > 1)
        cs_fail(s, x, "EXT.043", "serviceTask '%s' calls operation '%s' but has %d outputSets; it has at most one",
             cs_label(x), cs_label(op), cs_nchild(io, "outputSet"));
    for (int k = 0; io && k < 2; k++) {
        const xml_node *mr = model_child(op, k ? "outMessageRef" : "inMessageRef");
        const xml_node *msg = mr ? cs_lookup(s, mr->text) : NULL;
        if (!cs_is_tag(msg, "message")) continue;
        const xml_node *data[2], *want = cs_item_ref(s, msg, "itemRef");
        int nd = cs_data_list(io, io_kinds[k].data, data, 2);
        const xml_node *got = nd == 1 ? cs_item_ref(s, data[0], "itemSubjectRef") : NULL;
        if (nd != 1)
            cs_fail(s, x, k ? "EXT.045" : "EXT.044", "serviceTask '%s' has %d %ss; the %s of operation '%s' is its one %s",
                 cs_label(x), cs_nchild(io, io_kinds[k].data), io_kinds[k].data, k ? "answer" : "request", cs_label(op),
                 io_kinds[k].data);
        else if (want && !cs_same_item(want, got))
            cs_fail(s, data[0], k ? "EXT.045" : "EXT.044", "%s '%s' of serviceTask '%s' holds %s, but message '%s' of "
                 "operation '%s' carries %s", io_kinds[k].data, cs_label(data[0]), cs_label(x), cs_item_name(got),
                 cs_label(msg), cs_label(op), cs_item_name(want));
    }
}

/* A called process is started at a none start event: one whose start
** events all wait for a trigger cannot be called (EXT.099). */
static void check_called_start(spec *s, const xml_node *call) {
    const xml_node *p = cs_lookup(s, xml_attr_get(call, NULL, "calledElement"));
    int starts = 0, none = 0;
    for (const xml_node *c = cs_is_tag(p, "process") ? p->child : NULL; c; c = c->next) {
        if (!cs_is_tag(c, "startEvent")) continue;
        const xml_node *defs[16];
        starts++;
        none += cs_event_defs(s, c, defs, 16) == 0 && !model_child(c, "eventDefinitionRef");
    }
    if (starts && !none)
        cs_fail(s, call, "EXT.099", "callActivity '%s' calls process '%s', whose start events all wait for a trigger; "
             "a called process has a none start event to begin at", cs_label(call), cs_label(p));
}

void cs_check_document(spec *s, const xml_node *x) {
    const char *n = x->name;
    if (strcmp(n, "messageFlow") == 0) check_flow_artifacts(s, x);
    else if (strcmp(n, "participantMultiplicity") == 0) check_multiplicity(s, x);
    else if (strcmp(n, "dataObjectReference") == 0) check_reference_name(s, x);
    else if (strcmp(n, "ioSpecification") == 0) check_io_spec(s, x);
    else if (strcmp(n, "dataInputAssociation") == 0 || strcmp(n, "dataOutputAssociation") == 0)
        check_data_association(s, x);
    else if (strcmp(n, "serviceTask") == 0) check_service_operation(s, x);
    else if (strcmp(n, "callActivity") == 0) check_called_start(s, x);
    check_conversation(s, x);
    check_choreography_activity(s, x);
}
