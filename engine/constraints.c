/*
** constraints.c — the static constraints BPMN 2.0 sets on a model as drawn.
**
** Owns the rules that compiling one element does not need (how gateways,
** events and flows combine, what message flows join, how data items,
** interfaces and called elements agree), run once on a compiled document.
** It only adds diagnostics to the model: it must not change the graph
** model.c built, nor run anything.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "model.h"
#include "model_int.h"
#include "kinds.h"
#include "err.h"
#include "constraints_int.h"

/* ---------- static constraints of the BPMN spec ----------
**
** Rules BPMN 2.0 sets on a model as drawn that compiling one element does
** not need: how gateways, events and flows may be combined, what a message
** flow may join, how data items, interfaces and called elements must agree.
** They run once every process is compiled, on the model where it holds the
** answer and on the XML where it does not (data, interfaces,
** collaborations). A problem is charged to the process holding the element,
** so one in a pool that is not deployed does not stop the others. betsy's
** bpmn_constraints suite tests each rule; comments name its id (EXT.nnn).
*/


int cs_is_tag(const xml_node *x, const char *name) {
    return x && model_is_bpmn(x) && strcmp(x->name, name) == 0;
}

static int attr_is(const xml_node *x, const char *name, const char *value) {
    const char *v = xml_attr_get(x, NULL, name);
    return v && strcmp(v, value) == 0;
}

const char *cs_id_of(const xml_node *x) {
    const char *id = xml_attr_get(x, NULL, "id");
    return id && *id ? id : NULL;
}

/* What a message calls an element: its id, else its tag. */
const char *cs_label(const xml_node *x) {
    return cs_id_of(x) ? cs_id_of(x) : x->name;
}

/* The nearest element above x with an id, to name in a message. */
const xml_node *cs_owner_of(const xml_node *x) {
    for (const xml_node *up = x->parent; up; up = up->parent)
        if (model_is_bpmn(up) && cs_id_of(up)) return up;
    return x;
}

const char *cs_a_an(const char *word) {
    return strchr("aeiouAEIOU", word[0]) ? "an" : "a";
}

/* Associations, groups and annotations: what their own rules (EXT.006-009)
** say about flows reaching them, no reference rule repeats. */
int cs_is_artifact(const xml_node *x) {
    return cs_is_tag(x, "association") || cs_is_tag(x, "group") || cs_is_tag(x, "textAnnotation");
}

int cs_nchild(const xml_node *x, const char *name) {
    int n = 0;
    for (const xml_node *c = x->child; c; c = c->next) n += cs_is_tag(c, name);
    return n;
}

static void index_ids(spec *s, const xml_node *x) {
    for (; x; x = x->next) {
        const char *id = model_is_bpmn(x) ? cs_id_of(x) : NULL;
        if (id) {
            if (s->nids == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 64;
                s->ids = xrealloc(s->ids, sizeof *s->ids * (size_t)s->cap);
            }
            s->ids[s->nids++] = (xref){id, x};
        }
        index_ids(s, x->child);
    }
}

static int cmp_xref(const void *a, const void *b) {
    const xref *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    return r ? r : x->x->line - y->x->line;
}

/* The element a reference names (attribute value or element text, white
** space around it ignored; a QName's prefix dropped when the whole name is
** unknown), or NULL. The first in the document when ids repeat. */
const xml_node *cs_lookup(const spec *s, const char *ref) {
    char key[256];
    while (ref && isspace((unsigned char)*ref)) ref++;
    if (!ref || !*ref) return NULL;
    size_t n = strcspn(ref, " \t\r\n");
    if (n >= sizeof key) return NULL;
    memcpy(key, ref, n);
    key[n] = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *k = key;
        if (pass) { k = strchr(key, ':'); if (!k) break; k++; }
        int lo = 0, hi = s->nids - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) / 2, r = strcmp(k, s->ids[mid].id);
            if (r == 0) { found = mid; hi = mid - 1; }
            else if (r < 0) hi = mid - 1; else lo = mid + 1;
        }
        if (found >= 0) return s->ids[found].x;
    }
    return NULL;
}

/* The process holding x, as an index into the model's processes; -1 when
** x is outside every process (collaborations, shared definitions). */
static int proc_index(const spec *s, const xml_node *x) {
    for (; x; x = x->parent) {
        if (!cs_is_tag(x, "process")) continue;
        const char *id = cs_id_of(x);
        for (int i = 0; id && i < s->m->nproc; i++)
            if (strcmp(s->m->procs[i].id, id) == 0) return i;
        return -1;
    }
    return -1;
}

static int executable(const xml_node *x) {
    for (; x; x = x->parent)
        if (cs_is_tag(x, "process")) return attr_is(x, "isExecutable", "true");
    return 0;
}

/* An error at element x, charged to the process holding it (constraints_int.h). */
void cs_fail(spec *s, const xml_node *x, const char *rule, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (rule && n >= 0 && (size_t)n < sizeof buf) snprintf(buf + n, sizeof buf - (size_t)n, " [%s]", rule);
    model_diag_add(s->m, proc_index(s, x), 1, x, cs_id_of(x) ? cs_id_of(x) : cs_id_of(cs_owner_of(x)), buf);
}

/* The element of the model node n, or NULL. */
static const xml_node *node_xml(const spec *s, const model_node *n) {
    return n->id && *n->id ? cs_lookup(s, n->id) : NULL;
}

/* ---- data items ---- */

static const char *const item_aware[] = {
    "dataObject", "dataObjectReference", "property", "dataStore", "dataStoreReference",
    "dataInput", "dataOutput", NULL
};

static int is_item_aware(const xml_node *x) {
    return x && model_is_bpmn(x) && model_in_list(item_aware, x->name);
}

/* The itemDefinition an attribute of x names, or NULL. */
const xml_node *cs_item_ref(const spec *s, const xml_node *x, const char *attr) {
    const xml_node *d = x ? cs_lookup(s, xml_attr_get(x, NULL, attr)) : NULL;
    return cs_is_tag(d, "itemDefinition") ? d : NULL;
}

/* The itemDefinition of a data element; a reference shares its object's. */
const xml_node *cs_data_item(const spec *s, const xml_node *x) {
    if (cs_is_tag(x, "dataObjectReference")) x = cs_lookup(s, xml_attr_get(x, NULL, "dataObjectRef"));
    else if (cs_is_tag(x, "dataStoreReference")) x = cs_lookup(s, xml_attr_get(x, NULL, "dataStoreRef"));
    return cs_item_ref(s, x, "itemSubjectRef");
}

/* Two itemDefinitions describe the same data: one element, or both name
** the same structure. */
int cs_same_item(const xml_node *a, const xml_node *b) {
    if (a == b) return 1;
    const char *sa = a ? xml_attr_get(a, NULL, "structureRef") : NULL;
    const char *sb = b ? xml_attr_get(b, NULL, "structureRef") : NULL;
    return sa && sb && strcmp(sa, sb) == 0;
}

const char *cs_item_name(const xml_node *d) {
    const char *st = d ? xml_attr_get(d, NULL, "structureRef") : NULL;
    return st ? st : d ? cs_label(d) : "no itemDefinition";
}

/* The data items of an ioSpecification (or an event) named tag, in order. */
int cs_data_list(const xml_node *io, const char *tag, const xml_node **v, int max) {
    int n = 0;
    for (const xml_node *c = io ? io->child : NULL; c; c = c->next)
        if (cs_is_tag(c, tag) && n < max) v[n++] = c;
    return n;
}

/* ---- events ---- */

static const char *const def_kinds[] = {
    "message", "timer", "conditional", "signal", "error", "escalation", "compensate", "cancel",
    "link", "terminate", NULL
};
enum { D_MESSAGE = 1, D_TIMER = 2, D_CONDITIONAL = 4, D_SIGNAL = 8, D_ERROR = 16, D_ESCALATION = 32,
       D_COMPENSATE = 64, D_CANCEL = 128, D_LINK = 256, D_TERMINATE = 512 };

/* The trigger of an event definition as one bit of D_*, 0 if unknown. */
static int def_bit(const xml_node *d, const char **kind) {
    for (int i = 0; def_kinds[i]; i++) {
        size_t n = strlen(def_kinds[i]);
        if (strncmp(d->name, def_kinds[i], n) == 0 && strcmp(d->name + n, "EventDefinition") == 0) {
            if (kind) *kind = def_kinds[i];
            return 1 << i;
        }
    }
    return 0;
}

/* Every event definition of an event, its own or named by
** eventDefinitionRef (dangling references are reported elsewhere). */
int cs_event_defs(const spec *s, const xml_node *ev, const xml_node **v, int max) {
    int n = 0;
    for (const xml_node *c = ev->child; c && n < max; c = c->next) {
        if (model_is_event_definition(c)) v[n++] = c;
        else if (cs_is_tag(c, "eventDefinitionRef")) {
            const xml_node *d = cs_lookup(s, c->text);
            if (d && model_is_event_definition(d)) v[n++] = d;
        }
    }
    return n;
}

/* Which triggers an event may have where it stands (BPMN's tables of
** event definitions per kind of event), and how to name that place. */
static int allowed_defs(const xml_node *ev, const char **where, const char **why) {
    const char *t = ev->name;
    *why = "";
    if (strcmp(t, "startEvent") == 0) {
        const xml_node *up = ev->parent;
        if (!cs_is_tag(up, "subProcess") || !attr_is(up, "triggeredByEvent", "true")) {
            *where = "a start event outside an event subprocess";
            return D_MESSAGE | D_TIMER | D_CONDITIONAL | D_SIGNAL;
        }
        int all = D_MESSAGE | D_TIMER | D_CONDITIONAL | D_SIGNAL | D_ERROR | D_ESCALATION | D_COMPENSATE;
        *where = "the start event of an event subprocess";
        if (!attr_is(ev, "isInterrupting", "false")) return all;
        *where = "a non-interrupting start event";
        *why = " (errors and compensation always interrupt)";
        return all & ~(D_ERROR | D_COMPENSATE);
    }
    if (strcmp(t, "boundaryEvent") == 0) {
        int all = D_MESSAGE | D_TIMER | D_CONDITIONAL | D_SIGNAL | D_ERROR | D_ESCALATION | D_COMPENSATE | D_CANCEL;
        *where = "a boundary event";
        if (!attr_is(ev, "cancelActivity", "false")) return all;
        *where = "a non-interrupting boundary event (cancelActivity=\"false\")";
        *why = " (errors, cancellation and compensation always interrupt)";
        return all & ~(D_ERROR | D_CANCEL | D_COMPENSATE);
    }
    if (strcmp(t, "intermediateCatchEvent") == 0) {
        *where = "an intermediate catch event";
        return D_MESSAGE | D_TIMER | D_CONDITIONAL | D_SIGNAL | D_LINK;
    }
    if (strcmp(t, "intermediateThrowEvent") == 0) {
        *where = "an intermediate throw event";
        return D_MESSAGE | D_SIGNAL | D_ESCALATION | D_COMPENSATE | D_LINK;
    }
    *where = "an end event";
    return D_MESSAGE | D_SIGNAL | D_ERROR | D_ESCALATION | D_COMPENSATE | D_CANCEL | D_TERMINATE;
}

/* The itemDefinition an event definition's payload has, or NULL. */
static const xml_node *def_item(const spec *s, const xml_node *d) {
    static const struct { const char *def, *ref, *target, *attr; } map[] = {
        {"messageEventDefinition", "messageRef", "message", "itemRef"},
        {"signalEventDefinition", "signalRef", "signal", "structureRef"},
        {"errorEventDefinition", "errorRef", "error", "structureRef"},
        {"escalationEventDefinition", "escalationRef", "escalation", "structureRef"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        if (strcmp(d->name, map[i].def) != 0) continue;
        const xml_node *t = cs_lookup(s, xml_attr_get(d, NULL, map[i].ref));
        return cs_is_tag(t, map[i].target) ? cs_item_ref(s, t, map[i].attr) : NULL;
    }
    return NULL;
}

/* A throw event carries one data input per event definition, a catch
** event one data output, each holding that definition's item (EXT.093,
** EXT.094). */
static void check_event_data(spec *s, const xml_node *ev, const xml_node **defs, int nd) {
    int throws = strcmp(ev->name, "endEvent") == 0 || strcmp(ev->name, "intermediateThrowEvent") == 0;
    const char *tag = throws ? "dataInput" : "dataOutput";
    const xml_node *data[16];
    int n = cs_data_list(ev, tag, data, 16);
    if (!n || !nd) return;
    if (n != nd) {
        cs_fail(s, ev, "EXT.093", "%s '%s' has %d %s%s for %d event definitions; each definition carries its data in a %s of its own",
             ev->name, cs_label(ev), n, tag, n == 1 ? "" : "s", nd, tag);
        return;
    }
    for (int i = 0; i < n; i++) {
        const xml_node *want = def_item(s, defs[i]), *got = cs_item_ref(s, data[i], "itemSubjectRef");
        if (want && !cs_same_item(want, got))
            cs_fail(s, data[i], "EXT.094", "%s '%s' of %s '%s' holds %s, but its %s carries %s", tag, cs_label(data[i]), ev->name,
                 cs_label(ev), cs_item_name(got), defs[i]->name, cs_item_name(want));
    }
}

/* A thrown escalation names an escalation with a code, or no catch could
** tell it from another (EXT.011, executable processes). */
static void check_escalation_code(spec *s, const xml_node *ev, const xml_node *d) {
    if (strcmp(ev->name, "startEvent") == 0 || strcmp(ev->name, "boundaryEvent") == 0 ||
        strcmp(ev->name, "intermediateCatchEvent") == 0 || !executable(ev))
        return;
    const xml_node *e = cs_lookup(s, xml_attr_get(d, NULL, "escalationRef"));
    const char *code = cs_is_tag(e, "escalation") ? xml_attr_get(e, NULL, "escalationCode") : NULL;
    if (!code || !*code)
        cs_fail(s, ev, "EXT.011", "%s '%s' throws an escalation %s; a thrown escalation needs an escalationCode",
             ev->name, cs_label(ev), cs_is_tag(e, "escalation") ? "whose <escalation> has no escalationCode"
                                                          : "without naming an <escalation> (escalationRef)");
}

/* The rule an event definition out of place breaks: BPMN's table of
** triggers per kind of event, one rule id per kind (EXT.059, 098, 110,
** 121, 122, 146-149). */
static const char *def_rule(const xml_node *ev, int bit) {
    const char *t = ev->name;
    if (strcmp(t, "startEvent") == 0) {
        const xml_node *up = ev->parent;
        if (cs_is_tag(up, "subProcess") && attr_is(up, "triggeredByEvent", "true")) return "EXT.059";
        return bit == D_COMPENSATE ? "EXT.098, EXT.121" : "EXT.098";
    }
    if (strcmp(t, "boundaryEvent") == 0) return "EXT.110, EXT.147";
    if (strcmp(t, "intermediateCatchEvent") == 0) return bit == D_COMPENSATE ? "EXT.122, EXT.148" : "EXT.148";
    if (strcmp(t, "intermediateThrowEvent") == 0) return "EXT.149";
    return "EXT.146";
}

static void check_event(spec *s, const xml_node *ev) {
    const xml_node *defs[16];
    int nd = cs_event_defs(s, ev, defs, 16);
    const char *where, *why;
    int ok = allowed_defs(ev, &where, &why);
    for (int i = 0; i < nd; i++) {
        const char *kind = NULL;
        int bit = def_bit(defs[i], &kind);
        if (bit && !(bit & ok))          /* EXT.059, EXT.098, EXT.110, EXT.122, EXT.146-149 */
            cs_fail(s, ev, def_rule(ev, bit), "%s '%s' has %s %s event definition, which %s cannot have%s", ev->name, cs_label(ev),
                 cs_a_an(kind), kind, where, why);
        if (bit == D_TIMER && cs_nchild(defs[i], "timeDate") + cs_nchild(defs[i], "timeDuration") +
                              cs_nchild(defs[i], "timeCycle") > 1)          /* EXT.131 */
            cs_fail(s, ev, "EXT.131", "timer of '%s' has more than one of timeDate, timeDuration and timeCycle; "
                 "a timer is a date, a duration or a cycle", cs_label(ev));
        if (bit == D_ESCALATION) check_escalation_code(s, ev, defs[i]);
    }
    check_event_data(s, ev, defs, nd);
}

/* ---- flow nodes of a process ---- */

/* By tag, not by kind (kinds.h): a sendTask compiles to a throw event,
** and the constraints hold for activities sdm does not run too. */
static int is_activity(const char *tag) {
    size_t len = strlen(tag);
    return strcmp(tag, "task") == 0 || (len > 4 && strcmp(tag + len - 4, "Task") == 0) ||
           strcmp(tag, "subProcess") == 0 || strcmp(tag, "callActivity") == 0 ||
           strcmp(tag, "transaction") == 0 || strcmp(tag, "adHocSubProcess") == 0;
}

/* A gateway merges, splits or both, as its direction says (EXT.017-019,
** EXT.135); an event-based gateway chooses between two or more events, by
** the events alone (EXT.136, EXT.137). */
static void check_gateway(spec *s, const model_proc *p, const model_node *n, const xml_node *x) {
    const char *dir = xml_attr_get(x, NULL, "gatewayDirection");
    if (dir && strcmp(dir, "Converging") == 0 && n->nout > 1)
        cs_fail(s, x, "EXT.017", "%s '%s' is converging but has %d outgoing flows; "
             "a converging gateway merges and leaves by one flow",
             n->tag, n->id, n->nout);
    if (dir && strcmp(dir, "Diverging") == 0 && n->nin > 1)
        cs_fail(s, x, "EXT.018", "%s '%s' is diverging but has %d incoming flows; a diverging gateway splits one flow",
             n->tag, n->id, n->nin);
    if (dir && strcmp(dir, "Mixed") == 0 && (n->nin < 2 || n->nout < 2))
        cs_fail(s, x, "EXT.019", "%s '%s' is mixed but has %d incoming and %d outgoing flows; a mixed gateway both merges and splits",
             n->tag, n->id, n->nin, n->nout);
    if (n->nin < 2 && n->nout < 2)
        cs_fail(s, x, "EXT.135", "%s '%s' has %d incoming and %s outgoing flow; "
             "a gateway must merge several flows or split into several",
             n->tag, n->id, n->nin, n->nout ? "one" : "no");
    if (n->kind != EL_GW_EVENT) return;
    if (n->nout == 1)
        cs_fail(s, x, "EXT.136", "eventBasedGateway '%s' has one outgoing flow; it chooses between two or more events", n->id);
    for (int k = 0; k < n->nout; k++)
        if (p->flows[n->out[k]].cond)
            cs_fail(s, x, "EXT.137", "eventBasedGateway '%s' has a conditional outgoing flow '%s'; "
                 "its flows follow events, not conditions",
                 n->id, p->flows[n->out[k]].id);
}

/* Loop and multi-instance data: the loop walks a collection held by a data
** element, one item at a time, of that collection's structure (EXT.068-070). */
static void check_loop_data(spec *s, const xml_node *x, const xml_node *mi) {
    static const char *const refs[] = {"loopDataInputRef", "loopDataOutputRef"};
    static const char *const items[] = {"inputDataItem", "outputDataItem"};
    for (int i = 0; i < 2; i++) {
        const xml_node *r = model_child(mi, refs[i]), *loop = r ? cs_lookup(s, r->text) : NULL;
        if (loop && !is_item_aware(loop)) {
            cs_fail(s, r, "EXT.068", "%s of '%s' names %s '%s', which holds no data; it must name a data input or output, "
                 "a data object or a property", refs[i], cs_label(x), loop->name, cs_label(loop));
            loop = NULL;
        }
        const xml_node *it = model_child(mi, items[i]), *idef = it ? cs_item_ref(s, it, "itemSubjectRef") : NULL;
        if (!idef) continue;
        if (attr_is(idef, "isCollection", "true"))
            cs_fail(s, it, i ? "EXT.069" : "EXT.070", "%s of '%s' is a collection (itemDefinition '%s'); it holds one item of the loop's collection",
                 items[i], cs_label(x), cs_label(idef));
        const xml_node *ldef = loop ? cs_data_item(s, loop) : NULL;
        if (ldef && !cs_same_item(ldef, idef))
            cs_fail(s, it, i ? "EXT.069" : "EXT.070", "%s of '%s' holds %s, but the collection it walks holds %s", items[i], cs_label(x),
                 cs_item_name(idef), cs_item_name(ldef));
    }
}

/* A send task's one data input, a receive task's one data output, holds
** its message (EXT.046-052). */
static void check_message_task(spec *s, const xml_node *x) {
    int send = cs_is_tag(x, "sendTask");
    const xml_node *io = model_child(x, "ioSpecification");
    if ((!send && !cs_is_tag(x, "receiveTask")) || !io) return;
    const char *set = send ? "inputSet" : "outputSet", *tag = send ? "dataInput" : "dataOutput";
    if (cs_nchild(io, set) > 1)
        cs_fail(s, x, send ? "EXT.046" : "EXT.050", "%s '%s' has %d %ss; it %s one message, so it has at most one", x->name, cs_label(x),
             cs_nchild(io, set), set, send ? "sends" : "receives");
    const xml_node *data[2];
    int nd = cs_data_list(io, tag, data, 2);
    if (nd > 1)
        cs_fail(s, x, send ? "EXT.047" : "EXT.051", "%s '%s' has %d %ss; its message is its only %s", x->name, cs_label(x), cs_nchild(io, tag), tag,
             send ? "input" : "output");
    const xml_node *msg = cs_lookup(s, xml_attr_get(x, NULL, "messageRef"));
    const xml_node *want = cs_is_tag(msg, "message") ? cs_item_ref(s, msg, "itemRef") : NULL;
    const xml_node *got = nd == 1 ? cs_item_ref(s, data[0], "itemSubjectRef") : NULL;
    if (want && nd == 1 && !cs_same_item(want, got))
        cs_fail(s, data[0], send ? "EXT.048" : "EXT.052", "%s '%s' of %s '%s' holds %s, but its message '%s' carries %s", tag, cs_label(data[0]),
             x->name, cs_label(x), cs_item_name(got), cs_label(msg), cs_item_name(want));
}

static void check_activity(spec *s, const model_proc *p, const model_node *n, const xml_node *x) {
    if (n->nout == 1 && p->flows[n->out[0]].cond)      /* EXT.025 */
        cs_fail(s, x, "EXT.025", "%s '%s' has a condition on its only outgoing flow '%s'; a conditional flow from an "
             "activity needs another flow to take when it does not hold", n->tag, n->id, p->flows[n->out[0]].id);
    const xml_node *mi = model_child(x, "multiInstanceLoopCharacteristics");
    if (mi && model_child(x, "standardLoopCharacteristics"))  /* EXT.041 */
        cs_fail(s, x, cs_is_tag(x, "adHocSubProcess") ? "EXT.041, EXT.054, EXT.055" : "EXT.041", "%s '%s' has both a standard loop and a multi-instance marker; an activity loops one way",
             n->tag, n->id);
    if (mi) check_loop_data(s, x, mi);
    if (cs_is_tag(x, "receiveTask") && attr_is(x, "instantiate", "true") && n->nin > 0)   /* EXT.049 */
        cs_fail(s, x, "EXT.049", "receiveTask '%s' starts the process (instantiate=\"true\") but has incoming sequence flows",
             n->id);
    check_message_task(s, x);
}

/* Links: a throw event only ends a path, a catch event only starts one,
** and a catch event has a throw event of its name to come from (EXT.117,
** EXT.124). Compensation handlers are reached by association, not by
** flows (EXT.114). */
static void check_link(spec *s, const model_proc *p, const model_node *n, const xml_node *x) {
    if (n->kind == EL_LINK_THROW && n->nout > 0)
        cs_fail(s, x, "EXT.117", "link intermediateThrowEvent '%s' has outgoing sequence flows; "
             "the path goes on at its link catch event",
             n->id);
    if (n->kind == EL_BOUNDARY_EVENT && n->trigger == TR_COMPENSATE && n->nout > 0)
        cs_fail(s, x, "EXT.114", "compensation boundaryEvent '%s' has outgoing sequence flows; "
             "its handler is joined by an association",
             n->id);
    if (n->kind != EL_LINK_CATCH) return;
    if (n->nin > 0)
        cs_fail(s, x, "EXT.117", "link intermediateCatchEvent '%s' has incoming sequence flows; "
             "a path only arrives there by its link",
             n->id);
    int thrown = 0;
    for (int k = 0; k < p->nnode && !thrown; k++)
        thrown = p->nodes[k].kind == EL_LINK_THROW && p->nodes[k].parent == n->parent && p->nodes[k].link_name &&
                 n->link_name && strcmp(p->nodes[k].link_name, n->link_name) == 0;
    if (!thrown && n->link_name)
        cs_fail(s, x, "EXT.118, EXT.124", "link intermediateCatchEvent '%s' has no link throw event named '%s' in its scope, "
             "so nothing arrives there",
             n->id, n->link_name);
}

/* A level (the process or a subprocess) that has a start event is entered
** there: every other element is the target of a flow, a path that begins
** nowhere never runs (EXT.150). Boundary events, event subprocesses, link
** catch events and compensation handlers are entered otherwise; an element
** with no flow at all is only warned about as unreachable. A subprocess
** that starts with a start event ends with an end event (EXT.105); so does
** the process itself. A level with no start event is not concerned. */
static void check_level(spec *s, const model_proc *p, int scope) {
    int starts = 0, ends = 0;
    for (int i = 0; i < p->nnode; i++) {
        if (p->nodes[i].parent != scope) continue;
        starts += el_is(p->nodes[i].kind, EK_START);
        ends += el_is(p->nodes[i].kind, EK_END);
    }
    const xml_node *sx = scope >= 0 ? node_xml(s, &p->nodes[scope]) : cs_lookup(s, p->id);
    if (sx && ends && !starts)
        cs_fail(s, sx, "EXT.097", "%s '%s' has an end event but no start event; a level that ends with an end event "
             "starts with a start event", scope >= 0 ? p->nodes[scope].tag : "process", scope >= 0 ? p->nodes[scope].id : p->id);
    if (sx && starts && !ends)
        cs_fail(s, sx, "EXT.105", "%s '%s' has a start event but no end event; a level that starts with a start event ends "
             "with an end event", scope >= 0 ? p->nodes[scope].tag : "process", scope >= 0 ? p->nodes[scope].id : p->id);
    for (int i = 0; i < p->nnode && starts; i++) {
        const model_node *n = &p->nodes[i];
        const xml_node *x = n->parent == scope ? node_xml(s, n) : NULL;
        if (!x || n->nin > 0 || n->nout == 0 || el_is(n->kind, EK_START) || n->kind == EL_LINK_CATCH ||
            el_is(n->kind, EK_BOUNDARY) ||
            (n->kind == EL_SUBPROCESS && n->triggered) || attr_is(x, "isForCompensation", "true"))
            continue;
        cs_fail(s, x, "EXT.150, EXT.151", "%s '%s' has no incoming sequence flow; where a level has a start event, every other element "
             "is reached by a flow", n->tag, n->id);
    }
}

/* The <incoming>/<outgoing> lists of the flow nodes agree with the flows
** (EXT.023); when the process keeps them at all, they are complete
** (EXT.101, EXT.107). An executable process runs nothing between the ends
** of a flow (isImmediate, EXT.024). */
int cs_lists_flow(const xml_node *x, const char *dir, const char *flow) {
    for (const xml_node *c = x->child; c; c = c->next) {
        if (!cs_is_tag(c, dir)) continue;
        const char *t = c->text;
        while (isspace((unsigned char)*t)) t++;
        size_t len = strcspn(t, " \t\r\n");
        if (len == strlen(flow) && strncmp(t, flow, len) == 0) return 1;
    }
    return 0;
}

static void check_flow_lists(spec *s, const model_proc *p, const xml_node *px) {
    int listed = 0;
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        const xml_node *x = node_xml(s, n);
        for (const xml_node *c = x ? x->child : NULL; c; c = c->next) {
            int in = cs_is_tag(c, "incoming");
            if (!in && !cs_is_tag(c, "outgoing")) continue;
            listed = 1;
            const xml_node *f = cs_lookup(s, c->text);
            const char *end = f ? xml_attr_get(f, NULL, in ? "targetRef" : "sourceRef") : NULL;
            if (!cs_is_tag(f, "sequenceFlow"))
                cs_fail(s, x, f ? "EXT.023, REF" : "EXT.023", "%s '%s' lists %s flow '%s', which is not a sequence flow of the document", n->tag,
                     n->id, in ? "an incoming" : "an outgoing", model_trimmed(s->m->mem, c->text));
            else if (!end || strcmp(end, n->id) != 0)
                cs_fail(s, x, "EXT.023", "%s '%s' lists %s flow '%s', which %s '%s'", n->tag, n->id, in ? "an incoming"
                     : "an outgoing", cs_label(f), in ? "leads to" : "starts at", end ? end : "(nothing)");
        }
    }
    for (int i = 0; i < p->nflow; i++) {
        const model_flow *f = &p->flows[i];
        const xml_node *fx = f->id ? cs_lookup(s, f->id) : NULL;
        if (fx && attr_is(fx, "isImmediate", "false") && attr_is(px, "isExecutable", "true"))
            cs_fail(s, fx, "EXT.024", "sequenceFlow '%s' has isImmediate=\"false\"; in an executable process nothing happens "
                 "between the ends of a flow", f->id);
        for (int end = 0; listed && fx && end < 2; end++) {
            int k = end ? f->dst : f->src;
            const xml_node *x = k >= 0 ? node_xml(s, &p->nodes[k]) : NULL;
            if (x && !cs_lists_flow(x, end ? "incoming" : "outgoing", f->id))
                cs_fail(s, x, end ? "EXT.107" : "EXT.101", "%s '%s' does not list its %s flow '%s'; the process lists every flow at both its ends",
                     p->nodes[k].tag, p->nodes[k].id, end ? "incoming" : "outgoing", f->id);
        }
    }
}

static int is_flow_node(const xml_node *x) {
    size_t n = strlen(x->name);
    return model_is_bpmn(x) && (is_activity(x->name) || (n > 5 && strcmp(x->name + n - 5, "Event") == 0) ||
                                (n > 7 && strcmp(x->name + n - 7, "Gateway") == 0));
}

/* A sequence flow joins two flow nodes of its own process: not an
** artifact (association, group, annotation: EXT.006 as target, EXT.007 as
** source), not a node of another pool (EXT.028). */
static void check_flow_ends(spec *s, const model_proc *p) {
    for (int i = 0; i < p->nflow; i++) {
        const xml_node *fx = p->flows[i].id ? cs_lookup(s, p->flows[i].id) : NULL;
        for (int end = 0; fx && end < 2; end++) {
            const xml_node *t = cs_lookup(s, xml_attr_get(fx, NULL, end ? "targetRef" : "sourceRef"));
            if (!t || t == fx) continue;
            if (!is_flow_node(t))
                cs_fail(s, fx, cs_is_artifact(t) ? (end ? "EXT.006" : "EXT.007") : end ? "EXT.006, REF" : "EXT.007, REF", "sequenceFlow '%s' %s %s '%s', which is no flow node; "
                     "sequence flows join events, activities and gateways", cs_label(fx), end ? "leads to" : "starts at",
                     t->name, cs_label(t));
            else if (proc_index(s, t) != proc_index(s, fx))
                cs_fail(s, fx, "EXT.028", "sequenceFlow '%s' %s %s '%s' in another pool; between pools only messages "
                     "flow", cs_label(fx), end ? "leads to" : "starts at", t->name, cs_label(t));
        }
    }
}

/* The rules of the section "executable in the spec's sense" below. */
static void check_process_more(spec *s, const model_proc *p);
static void check_element_more(spec *s, const xml_node *x);

static void check_process(spec *s, const model_proc *p) {
    const xml_node *px = cs_lookup(s, p->id);
    if (!cs_is_tag(px, "process")) return;
    if (attr_is(px, "processType", "Public") && attr_is(px, "isExecutable", "true"))   /* EXT.035 */
        cs_fail(s, px, "EXT.035", "process '%s' is public (processType=\"Public\") and executable; a public process only shows "
             "how it interacts, so it cannot run", p->id);
    check_level(s, p, -1);
    for (int i = 0; i < p->nnode; i++)
        if (p->nodes[i].kind == EL_SUBPROCESS) check_level(s, p, i);
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        const xml_node *x = node_xml(s, n);
        if (!x || !model_is_bpmn(x)) continue;
        size_t len = strlen(x->name);
        if (len > 5 && strcmp(x->name + len - 5, "Event") == 0) check_event(s, x);
        if (el_is(n->kind, EK_GATEWAY)) check_gateway(s, p, n, x);
        if (is_activity(n->tag)) check_activity(s, p, n, x);
        check_link(s, p, n, x);
    }
    check_flow_lists(s, p, px);
    check_flow_ends(s, p);
    check_process_more(s, p);
}

/* ---- the document ---- */

/* What may stand at the top of a document (BPMN's rootElement and the
** few other children of <definitions>; EXT.078). */
static const char *const root_tags[] = {
    "import", "extension", "documentation", "extensionElements", "relationship", "category",
    "collaboration", "correlationProperty", "dataStore", "endPoint", "error", "escalation", "globalTask",
    "globalBusinessRuleTask", "globalManualTask", "globalScriptTask", "globalUserTask", "interface",
    "itemDefinition", "message", "partnerEntity", "partnerRole", "process", "resource", "signal",
    "choreography", "globalChoreographyTask", "globalConversation", "eventDefinition", NULL
};

static void check_root(spec *s) {
    for (const xml_node *x = s->root->child; x; x = x->next)
        if (model_is_bpmn(x) && !model_in_list(root_tags, x->name) && !model_is_event_definition(x))
            cs_fail(s, x, "EXT.078", "<%s> '%s' stands at the top of the document; a %s belongs inside a process or one of its "
                 "elements", x->name, cs_label(x), x->name);
}

/* The pool an element of a message flow lies in: a participant, or the
** process holding the element; NULL when it lies in none (a choreography). */
static const xml_node *pool_of(const spec *s, const xml_node *x) {
    if (cs_is_tag(x, "participant")) return x;
    for (const xml_node *up = x->parent; up; up = up->parent) {
        if (!cs_is_tag(up, "process")) continue;
        const char *pid = cs_id_of(up);
        for (int i = 0; pid && i < s->nids; i++)
            if (cs_is_tag(s->ids[i].x, "participant") && attr_is(s->ids[i].x, "processRef", pid)) return s->ids[i].x;
        return up;
    }
    return NULL;
}

static int has_message_def(const spec *s, const xml_node *ev) {
    const xml_node *defs[16];
    int nd = cs_event_defs(s, ev, defs, 16);
    for (int i = 0; i < nd; i++)
        if (def_bit(defs[i], NULL) == D_MESSAGE) return 1;
    return 0;
}

/* A message flow joins two pools: a participant or a task or event in
** one; catch events receive, throw events send, each with a message
** trigger (EXT.031, 033, 102, 103, 108, 109, 119). */
static void check_message_end(spec *s, const xml_node *mf, const xml_node *x, int src) {
    const char *n = x->name, *dir = src ? "sends" : "receives";
    int catches = strcmp(n, "startEvent") == 0 || strcmp(n, "intermediateCatchEvent") == 0 ||
                  strcmp(n, "boundaryEvent") == 0;
    int throws = strcmp(n, "endEvent") == 0 || strcmp(n, "intermediateThrowEvent") == 0;
    if (!pool_of(s, x) || cs_is_tag(x, "process"))
        cs_fail(s, mf, "EXT.033", "messageFlow '%s' %s at %s '%s', which lies in no pool; a message flow joins pools or the "
             "tasks and events in them", cs_label(mf), src ? "starts" : "ends", n, cs_label(x));
    else if (src ? catches : throws)
        cs_fail(s, mf, src ? "EXT.102, EXT.119" : "EXT.108, EXT.119", "messageFlow '%s' %s %s '%s'; a %s event %s no messages", cs_label(mf), src ? "starts at" : "leads to",
             n, cs_label(x), src ? "catch" : "throw", dir);
    else if ((src ? throws : catches) && !has_message_def(s, x))
        cs_fail(s, mf, src ? "EXT.109" : "EXT.103", "messageFlow '%s' %s %s '%s', which has no message trigger; only a message event %s messages",
             cs_label(mf), src ? "starts at" : "leads to", n, cs_label(x), dir);
}

static void check_message_flow(spec *s, const xml_node *mf) {
    const xml_node *a = cs_lookup(s, xml_attr_get(mf, NULL, "sourceRef"));
    const xml_node *b = cs_lookup(s, xml_attr_get(mf, NULL, "targetRef"));
    const xml_node *pa = a ? pool_of(s, a) : NULL, *pb = b ? pool_of(s, b) : NULL;
    if (pa && pa == pb)
        cs_fail(s, mf, "EXT.031", "messageFlow '%s' joins '%s' and '%s' in the same pool '%s'; messages pass between pools, "
             "sequence flows within one", cs_label(mf), cs_label(a), cs_label(b), cs_label(pa));
    if (a) check_message_end(s, mf, a, 1);
    if (b) check_message_end(s, mf, b, 0);
}

/* References to elements of a given kind (the REF cases): 'a' an
** attribute, 'c' the text of child elements. Only a reference to the wrong
** kind of element is refused: one that names nothing may point into an
** imported document, and tools leave some behind (Bizagi's messageRef on
** message flows, MIWG A.4.0) that sdm never follows. */
static const struct { const char *owner, *ref; char how; const char *kinds; } ref_rules[] = {
    {"participant", "processRef", 'a', "process"},
    {"participant", "interfaceRef", 'c', "interface"},
    {"partnerEntity", "participantRef", 'c', "participant"},
    {"partnerRole", "participantRef", 'c', "participant"},
    {"operation", "inMessageRef", 'c', "message"},
    {"operation", "outMessageRef", 'c', "message"},
    {"operation", "errorRef", 'c', "error"},
    {"messageFlow", "messageRef", 'a', "message"},
    {"message", "itemRef", 'a', "itemDefinition"},
    {"inputSet", "dataInputRefs", 'c', "dataInput"},
    {"outputSet", "dataOutputRefs", 'c', "dataOutput"},
    {"dataInputAssociation", "targetRef", 'c', "dataInput"},
    {"dataInputAssociation", "sourceRef", 'c', "item"},
    {"dataOutputAssociation", "sourceRef", 'c', "dataOutput"},
    {"dataOutputAssociation", "targetRef", 'c', "item"},
    {"process", "supportedInterfaceRef", 'c', "interface"},
    {"globalTask", "supportedInterfaceRef", 'c', "interface"},
    {"performer", "resourceRef", 'c', "resource"},
    {"humanPerformer", "resourceRef", 'c', "resource"},
    {"potentialOwner", "resourceRef", 'c', "resource"},
    {"boundaryEvent", "attachedToRef", 'a', "activity"},
    {"sendTask", "operationRef", 'a', "operation"},
    {"receiveTask", "operationRef", 'a', "operation"},
    {"serviceTask", "operationRef", 'a', "operation"},
    {"messageEventDefinition", "operationRef", 'c', "operation"},
    {"linkEventDefinition", "source", 'c', "linkEventDefinition"},
    {"linkEventDefinition", "target", 'c', "linkEventDefinition"},
    {"process", "definitionalCollaborationRef", 'a', "collaboration"},
    {"correlationKey", "correlationPropertyRef", 'c', "correlationProperty"},
    {"messageFlow", "sourceRef", 'a', "interaction node"},
    {"messageFlow", "targetRef", 'a', "interaction node"},
};

/* What editors write for a data association's own end, which BPMN leaves
** implicit: bpmn.io points it at a <property name="__targetRef_placeholder">
** of the activity, Signavio at the activity itself. Both mean "the
** activity's data", so neither is a reference to the wrong kind. */
static int own_end(const xml_node *assoc, const xml_node *t) {
    if (t == assoc->parent) return 1;
    const char *nm = cs_is_tag(t, "property") ? xml_attr_get(t, NULL, "name") : NULL;
    return nm && strcmp(nm, "__targetRef_placeholder") == 0;
}

/* Whether t is of the kind a reference asks for: a tag, or one of the
** classes "item" (a data element), "activity", "interaction node" (what a
** message flow joins: a pool, a task or event, a conversation; artifacts
** are EXT.008/009's). */
static int kind_ok(const xml_node *t, const char *kinds) {
    if (strcmp(kinds, "item") == 0) return is_item_aware(t);
    if (strcmp(kinds, "activity") == 0) return model_is_bpmn(t) && is_activity(t->name);
    if (strcmp(kinds, "interaction node") == 0) {
        size_t n = strlen(t->name);
        return cs_is_tag(t, "participant") || cs_is_artifact(t) || (model_is_bpmn(t) && (is_activity(t->name) ||
               (n > 5 && strcmp(t->name + n - 5, "Event") == 0) || strstr(t->name, "onversation")));
    }
    return strcmp(t->name, kinds) == 0;
}

static void check_ref(spec *s, const xml_node *owner, const char *ref, const char *value, const char *kinds) {
    const xml_node *t = cs_lookup(s, value);
    int item = strcmp(kinds, "item") == 0;
    if (t && strstr(owner->name, "Association") && own_end(owner, t)) return;
    if (t && !kind_ok(t, kinds))
        cs_fail(s, owner, "REF", "%s '%s': %s '%s' names %s %s, not %s %s", owner->name, cs_label(owner), ref, cs_label(t),
             cs_a_an(t->name), t->name, item ? "a" : cs_a_an(kinds), item ? "data element" : kinds);
}

static void check_refs(spec *s, const xml_node *x) {
    for (size_t i = 0; i < sizeof ref_rules / sizeof *ref_rules; i++) {
        if (strcmp(x->name, ref_rules[i].owner) != 0) continue;
        if (ref_rules[i].how == 'a') {
            const char *v = xml_attr_get(x, NULL, ref_rules[i].ref);
            if (v) check_ref(s, x, ref_rules[i].ref, v, ref_rules[i].kinds);
            continue;
        }
        for (const xml_node *c = x->child; c; c = c->next)
            if (cs_is_tag(c, ref_rules[i].ref)) check_ref(s, x, ref_rules[i].ref, c->text, ref_rules[i].kinds);
    }
}

/* A condition that is a number or a string never holds or fails; it must
** be true or false (EXT.071, EXT.072). */
static int constant(const char *t) {
    size_t n = strlen(t);
    if (n >= 2 && (t[0] == '"' || t[0] == '\'') && t[n - 1] == t[0] && !memchr(t + 1, t[0], n - 2)) return 1;
    if (!isdigit((unsigned char)t[0]) && !(strchr("+-.", t[0]) && isdigit((unsigned char)t[1]))) return 0;
    char *end;
    strtod(t, &end);
    return end != t && *end == 0;
}

/* A URI as RFC 3986 has it: a scheme (a letter, then letters, digits,
** + - .), a colon, then no spaces or characters a URI never holds. sdm's
** own short names for Lua (lua, text/x-lua) pass too. */
static int uri_like(const char *u) {
    if (strcasecmp(u, "lua") == 0 || strcasestr(u, "x-lua")) return 1;
    size_t i = 0;
    if (!isalpha((unsigned char)u[0])) return 0;
    while (isalnum((unsigned char)u[i]) || strchr("+-.", u[i])) i++;
    if (u[i] != ':') return 0;
    for (; u[i]; i++)
        if ((unsigned char)u[i] <= ' ' || strchr("\"<>\\^`{|}", u[i])) return 0;
    return 1;
}

static const char *const condition_tags[] = {
    "conditionExpression", "completionCondition", "loopCondition", "condition", NULL
};

/* Each element of the document on its own: data items agree with their
** itemDefinition on being a collection (EXT.020, 077, 081, 083); a text
** format is a MIME type (EXT.004); a transformation, a message's or a
** correlation's path has a body (EXT.013);
** a resource is named or computed, not both, and parameters bind to a
** named one (EXT.039, EXT.040); conditions are not constants. */
static void check_element(spec *s, const xml_node *x) {
    const char *n = x->name;
    if (strcmp(n, "dataInput") == 0 || strcmp(n, "dataOutput") == 0 || strcmp(n, "dataObject") == 0) {
        const xml_node *d = cs_item_ref(s, x, "itemSubjectRef");
        int mine = attr_is(x, "isCollection", "true"), its = d && attr_is(d, "isCollection", "true");
        if (d && mine != its)
            cs_fail(s, x, strcmp(n, "dataObject") == 0 ? "EXT.020, EXT.077" : strcmp(n, "dataInput") == 0 ? "EXT.020, EXT.081" : "EXT.020, EXT.083", "%s '%s' is %sa collection but its itemDefinition '%s' is %s; the two must agree", n, cs_label(x),
                 mine ? "" : "not ", cs_label(d), its ? "one" : "not");
    }
    const char *tf = xml_attr_get(x, NULL, "textFormat");
    if (tf && (strcmp(n, "documentation") == 0 || strcmp(n, "textAnnotation") == 0) && !mc_mime_type(tf))
        cs_fail(s, x, strcmp(n, "documentation") == 0 ? "EXT.004" : "EXT.010", "%s of '%s' has textFormat '%s', which is not a MIME type (type/subtype, e.g. text/plain)",
             n, cs_label(cs_owner_of(x)), tf);
    if ((strcmp(n, "transformation") == 0 || strcmp(n, "messagePath") == 0 || strcmp(n, "dataPath") == 0) &&
        !model_trimmed(s->m->mem, x->text) && !x->child)
        cs_fail(s, x, "EXT.013", "the %s of '%s' is empty; a %s is an expression and needs a body", n,
             cs_label(cs_owner_of(x)), n);
    if (strcmp(n, "performer") == 0 || strcmp(n, "humanPerformer") == 0 || strcmp(n, "potentialOwner") == 0 ||
        strcmp(n, "resourceRole") == 0) {
        if (model_child(x, "resourceRef") && model_child(x, "resourceAssignmentExpression"))
            cs_fail(s, x, "EXT.039", "%s of '%s' both names a resource (resourceRef) and computes one "
                 "(resourceAssignmentExpression); it does one or the other", n, cs_label(cs_owner_of(x)));
        if (model_child(x, "resourceParameterBinding") && !model_child(x, "resourceRef"))
            cs_fail(s, x, "EXT.040", "%s of '%s' binds resource parameters but names no resource (resourceRef) they belong to",
                 n, cs_label(cs_owner_of(x)));
    }
    const char *t = model_in_list(condition_tags, n) ? model_trimmed(s->m->mem, x->text) : NULL;
    if (t && constant(t))
        cs_fail(s, x, strcmp(n, "completionCondition") == 0 ? "EXT.071" : strcmp(n, "condition") == 0 ? "EXT.072" : NULL, "%s of '%s' is the constant %s, not a condition; it must be true or false", n,
             cs_label(cs_owner_of(x)), t);
    static const char *const uri_attrs[] = {"language", "expressionLanguage", "typeLanguage"};
    for (int i = 0; i < 3; i++) {            /* EXT.014: languages are named by URI */
        const char *u = xml_attr_get(x, NULL, uri_attrs[i]);
        if (u && *u && !uri_like(u))
            cs_fail(s, x, "EXT.014", "%s of %s '%s' is '%s', which is not a URI (a language is named by one, "
                 "e.g. https://www.lua.org/)", uri_attrs[i], n, cs_label(x), u);
    }
    if (strcmp(n, "messageFlow") == 0) check_message_flow(s, x);
    check_refs(s, x);
}


static void walk(spec *s, const xml_node *x) {
    for (; x; x = x->next) {
        if (!model_is_bpmn(x)) continue;
        check_element(s, x);
        check_element_more(s, x);
        cs_check_document(s, x);
        walk(s, x->child);
    }
}

/* A call activity that declares its data passes what the element it calls
** takes: the same data inputs and outputs, holding the same items
** (EXT.063). One without an ioSpecification passes every variable, as sdm
** runs calls. */
static void check_call_data(spec *s, const xml_node *call) {
    const xml_node *callee = cs_lookup(s, xml_attr_get(call, NULL, "calledElement"));
    if (!callee || !(cs_is_tag(callee, "process") || strncmp(callee->name, "global", 6) == 0)) return;
    const xml_node *a = model_child(call, "ioSpecification"), *b = model_child(callee, "ioSpecification");
    if (!a || !b) return;
    static const char *const tags[] = {"dataInput", "dataOutput"};
    for (int t = 0; t < 2; t++) {
        const xml_node *va[32], *vb[32];
        int na = cs_data_list(a, tags[t], va, 32), nb = cs_data_list(b, tags[t], vb, 32);
        if (na != nb) {
            cs_fail(s, call, "EXT.063", "callActivity '%s' has %d %s%s, but %s '%s' it calls has %d; a call activity's data "
                 "matches what it calls", cs_label(call), na, tags[t], na == 1 ? "" : "s", callee->name,
                 cs_label(callee), nb);
            continue;
        }
        for (int i = 0; i < na; i++) {
            const xml_node *ia = cs_item_ref(s, va[i], "itemSubjectRef"), *ib = cs_item_ref(s, vb[i], "itemSubjectRef");
            if (ia && ib && !cs_same_item(ia, ib))
                cs_fail(s, va[i], "EXT.063", "%s '%s' of callActivity '%s' holds %s, but %s '%s' of '%s' it calls holds %s", tags[t],
                     cs_label(va[i]), cs_label(call), cs_item_name(ia), tags[t], cs_label(vb[i]), cs_label(callee), cs_item_name(ib));
        }
    }
}

/* An element exposed as a service binds the operations of its interfaces
** to its data (ioBinding), an input to the operation's request and an
** output to its answer, item for item (EXT.064, EXT.065). */
static void check_binding(spec *s, const xml_node *x) {
    if (!model_child(x, "supportedInterfaceRef")) return;
    if (!model_child(x, "ioBinding"))
        cs_fail(s, x, "EXT.064", "%s '%s' is exposed as a service (supportedInterfaceRef) but binds no operation to its data "
             "(ioBinding)", x->name, cs_label(x));
    for (const xml_node *b = x->child; b; b = b->next) {
        if (!cs_is_tag(b, "ioBinding")) continue;
        const xml_node *op = cs_lookup(s, xml_attr_get(b, NULL, "operationRef"));
        static const char *const data[] = {"inputDataRef", "outputDataRef"};
        static const char *const msgs[] = {"inMessageRef", "outMessageRef"};
        static const char *const kinds[] = {"dataInput", "dataOutput"};
        for (int k = 0; k < 2; k++) {
            const xml_node *d = cs_lookup(s, xml_attr_get(b, NULL, data[k]));
            const xml_node *mr = cs_is_tag(op, "operation") ? model_child(op, msgs[k]) : NULL;
            const xml_node *msg = mr ? cs_lookup(s, mr->text) : NULL;
            const xml_node *want = cs_is_tag(msg, "message") ? cs_item_ref(s, msg, "itemRef") : NULL;
            if (d && !cs_is_tag(d, kinds[k]))
                cs_fail(s, b, "EXT.065", "ioBinding of '%s': %s '%s' names %s %s, not a %s", cs_label(x), data[k], cs_label(d),
                     cs_a_an(d->name), d->name, kinds[k]);
            else if (d && want && !cs_same_item(want, cs_item_ref(s, d, "itemSubjectRef")))
                cs_fail(s, b, "EXT.065", "ioBinding of '%s' binds %s '%s', holding %s, to message '%s' of operation '%s', "
                     "carrying %s", cs_label(x), kinds[k], cs_label(d), cs_item_name(cs_item_ref(s, d, "itemSubjectRef")),
                     cs_label(msg), cs_label(op), cs_item_name(want));
        }
    }
}

static void check_callables(spec *s) {
    for (int i = 0; i < s->nids; i++) {
        const xml_node *x = s->ids[i].x;
        if (cs_is_tag(x, "callActivity")) check_call_data(s, x);
        if (cs_is_tag(x, "process") || cs_is_tag(x, "globalTask")) check_binding(s, x);
    }
}

/* ---- executable in the spec's sense; events and gateways (issue 16) ----
**
** sdm reads some things its own way where a document declares nothing: an
** expression without xsi:type is Lua (for BPMN it is natural language), a
** message event is matched by its message's name (for BPMN an executable
** one names the operation it serves). A document whose definitions declare
** another expression language (mc_foreign_language) is not written for
** sdm, so those readings do not apply and the spec's rules do (EXT.012,
** EXT.123, EXT.128). The rest are plain rules on events, gateways,
** subprocesses and scripts. */

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

/* Written as a formal expression: xsi:type="tFormalExpression", any prefix. */
static int formal(const xml_node *x) {
    const char *t = xml_attr_get(x, XSI_NS, "type"), *colon = t ? strchr(t, ':') : NULL;
    return t && strcmp(colon ? colon + 1 : t, "tFormalExpression") == 0;
}

/* The expressions an executable process must hold formally: tag, and the
** element it belongs to. */
static const struct { const char *tag, *in; } expr_places[] = {
    {"completionCondition", "adHocSubProcess"}, {"completionCondition", "multiInstanceLoopCharacteristics"},
    {"loopCardinality", "multiInstanceLoopCharacteristics"}, {"loopCondition", "standardLoopCharacteristics"},
    {"activationCondition", "complexGateway"}, {"conditionExpression", "sequenceFlow"},
    {"from", "assignment"}, {"to", "assignment"}, {"timeDate", "timerEventDefinition"},
    {"timeDuration", "timerEventDefinition"}, {"timeCycle", "timerEventDefinition"},
    {"condition", "conditionalEventDefinition"},
};

static void check_natural_language(spec *s, const xml_node *x, const char *lang) {
    if (!x->parent || !x->text[strspn(x->text, " \t\r\n")] || formal(x) || !executable(x)) return;
    for (size_t i = 0; i < sizeof expr_places / sizeof *expr_places; i++) {
        if (strcmp(x->name, expr_places[i].tag) != 0 || !cs_is_tag(x->parent, expr_places[i].in)) continue;
        const xml_node *o = cs_owner_of(x);          /* an event, not its definition */
        if (model_is_event_definition(o) && o->parent && cs_id_of(o->parent)) o = o->parent;
        cs_fail(s, x, strcmp(x->name, "condition") == 0 ? "EXT.012, EXT.123" : "EXT.012",
             "%s of %s '%s' is natural-language text to BPMN (no xsi:type=\"tFormalExpression\"), and the definitions "
             "declare expressionLanguage \"%s\", so sdm does not read it as Lua either; an executable process holds "
             "formal expressions only", x->name, o->name, cs_label(o), lang);
        return;
    }
}

static void check_operation(spec *s, const xml_node *d, const char *lang) {
    if (!cs_is_tag(d, "messageEventDefinition") || !executable(d) || model_child(d, "operationRef")) return;
    cs_fail(s, d->parent, "EXT.128", "%s '%s' names no operation (operationRef) for its message; sdm matches messages by "
         "name, but these definitions declare expressionLanguage \"%s\" instead of Lua, and there a message event of "
         "an executable process names the operation it serves", d->parent->name, cs_label(d->parent), lang);
}

/* An element on its own: a transaction's method is ##Compensate, ##Image,
** ##Store or a URI (EXT.060); a subprocess shares its process's data and
** declares none of its own (EXT.079); a default flow is a sequence flow
** (REF). A scriptFormat that is no MIME type (EXT.145) is model_act.c's. */
static void check_element_more(spec *s, const xml_node *x) {
    if (s->lang) {
        check_natural_language(s, x, s->lang);
        check_operation(s, x, s->lang);
    }
    const char *m = cs_is_tag(x, "transaction") ? xml_attr_get(x, NULL, "method") : NULL;
    if (m && strcmp(m, "##Compensate") != 0 && strcmp(m, "##Image") != 0 && strcmp(m, "##Store") != 0 && !uri_like(m))
        cs_fail(s, x, "EXT.060", "transaction '%s' has method '%s', which is none of ##Compensate, ##Image, ##Store "
             "and no URI", cs_label(x), m);
    if ((cs_is_tag(x, "subProcess") || cs_is_tag(x, "transaction") || cs_is_tag(x, "adHocSubProcess")) &&
        model_child(x, "ioSpecification"))
        cs_fail(s, x, "EXT.079", "%s '%s' has an ioSpecification; a subprocess works on its process's data and "
             "declares no inputs or outputs of its own", x->name, cs_label(x));
    const xml_node *d = is_flow_node(x) ? cs_lookup(s, xml_attr_get(x, NULL, "default")) : NULL;
    if (d && !cs_is_tag(d, "sequenceFlow"))
        cs_fail(s, x, "REF", "%s '%s': default '%s' names %s %s, not a sequenceFlow", x->name, cs_label(x), cs_label(d),
             cs_a_an(d->name), d->name);
}

/* Intermediate events sit on a path: a throw event is reached by a flow
** and, unless it is a link, leaves by one; a catch event leaves by one and,
** unless it is a link, is reached by one (EXT.115, EXT.116). A link's
** target is at its throw event's level (EXT.126). */
static void check_intermediate(spec *s, const model_node *n, const xml_node *x) {
    int thr = cs_is_tag(x, "intermediateThrowEvent"), link = n->kind == EL_LINK_THROW || n->kind == EL_LINK_CATCH;
    if (!thr && !cs_is_tag(x, "intermediateCatchEvent")) return;
    if (n->nin == 0 && (thr || !link))
        cs_fail(s, x, "EXT.115", "%s '%s' has no incoming sequence flow; an intermediate event is reached by one",
             x->name, n->id);
    if (n->nout == 0 && (!thr || !link))
        cs_fail(s, x, "EXT.116", "%s '%s' has no outgoing sequence flow; an intermediate event is left by one",
             x->name, n->id);
    const xml_node *ld = thr && link ? model_child(x, "linkEventDefinition") : NULL;
    for (const xml_node *t = ld ? ld->child : NULL; t; t = t->next) {
        const xml_node *to = cs_is_tag(t, "target") ? cs_lookup(s, t->text) : NULL;
        if (cs_is_tag(to, "linkEventDefinition") && to->parent && to->parent->parent != x->parent)
            cs_fail(s, x, "EXT.126", "link intermediateThrowEvent '%s' goes on at '%s' on another level (%s '%s'); "
                 "a link stays within its process level", n->id, cs_label(to->parent), to->parent->parent->name,
                 cs_label(to->parent->parent));
    }
}

/* An event-based gateway waits for the events after it: each of them is
** reached from it alone (EXT.141); receive tasks there have no boundary
** events (EXT.140) and do not stand beside message catch events
** (EXT.139); one that instantiates the process has no incoming flow
** (EXT.142). */
static void check_event_gateway(spec *s, const model_proc *p, const model_node *n, const xml_node *x) {
    if (n->kind != EL_GW_EVENT) return;
    if (attr_is(x, "instantiate", "true") && n->nin > 0)
        cs_fail(s, x, "EXT.142", "eventBasedGateway '%s' starts the process (instantiate=\"true\") but has %d incoming "
             "sequence flow%s; an instantiating gateway has none", n->id, n->nin, n->nin == 1 ? "" : "s");
    const model_node *receive = NULL, *message = NULL;
    for (int k = 0; k < n->nout; k++) {
        int d = p->flows[n->out[k]].dst;
        if (d < 0) continue;
        const model_node *t = &p->nodes[d];
        const xml_node *tx = node_xml(s, t);
        if (t->nin > 1)
            cs_fail(s, tx ? tx : x, "EXT.141", "%s '%s' follows eventBasedGateway '%s' and has %d incoming flows; "
                 "an event the gateway waits for is reached from it alone", t->tag, t->id, n->id, t->nin);
        if (strcmp(t->tag, "receiveTask") == 0) {
            receive = t;
            int attached = 0;
            for (int b = 0; b < p->nnode; b++) attached += el_is(p->nodes[b].kind, EK_BOUNDARY) && p->nodes[b].attached == d;
            if (attached)
                cs_fail(s, tx ? tx : x, "EXT.140", "receiveTask '%s' follows eventBasedGateway '%s' and has %d boundary "
                     "event%s; a receive task the gateway waits for has none", t->id, n->id, attached,
                     attached == 1 ? "" : "s");
        }
        if (strcmp(t->tag, "intermediateCatchEvent") == 0 && tx && has_message_def(s, tx)) message = t;
    }
    if (receive && message)
        cs_fail(s, x, "EXT.139", "eventBasedGateway '%s' waits for receiveTask '%s' and message catch event '%s'; "
             "a gateway waits for messages one way, by receive tasks or by message events", n->id, receive->id,
             message->id);
}

static void check_process_more(spec *s, const model_proc *p) {
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        const xml_node *x = node_xml(s, n);
        if (!x || !model_is_bpmn(x)) continue;
        check_intermediate(s, n, x);
        check_event_gateway(s, p, n, x);
    }
}

/* Runs every rule above over a compiled document. */
void model_check_constraints(model *m, const xml_node *root) {
    spec s = {.m = m, .root = root, .lang = mc_foreign_language(root)};
    index_ids(&s, root->child);
    if (s.nids > 1) qsort(s.ids, (size_t)s.nids, sizeof *s.ids, cmp_xref);
    check_root(&s);
    walk(&s, root->child);
    check_callables(&s);
    for (int i = 0; i < m->nproc; i++) check_process(&s, &m->procs[i]);
    free(s.ids);
}

