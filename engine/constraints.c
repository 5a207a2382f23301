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

typedef struct xref { const char *id; const xml_node *x; } xref;

typedef struct spec {
    model *m;
    const xml_node *root;
    xref *ids;  int nids, cap;     /* every BPMN element with an id, by id */
    const char *lang;              /* the definitions' expressionLanguage when not Lua, else NULL */
} spec;

static int is_tag(const xml_node *x, const char *name) {
    return x && model_is_bpmn(x) && strcmp(x->name, name) == 0;
}

static int attr_is(const xml_node *x, const char *name, const char *value) {
    const char *v = xml_attr_get(x, NULL, name);
    return v && strcmp(v, value) == 0;
}

static const char *id_of(const xml_node *x) {
    const char *id = xml_attr_get(x, NULL, "id");
    return id && *id ? id : NULL;
}

/* What a message calls an element: its id, else its tag. */
static const char *label(const xml_node *x) {
    return id_of(x) ? id_of(x) : x->name;
}

/* The nearest element above x with an id, to name in a message. */
static const xml_node *owner_of(const xml_node *x) {
    for (const xml_node *up = x->parent; up; up = up->parent)
        if (model_is_bpmn(up) && id_of(up)) return up;
    return x;
}

static const char *a_an(const char *word) {
    return strchr("aeiouAEIOU", word[0]) ? "an" : "a";
}

/* Associations, groups and annotations: what their own rules (EXT.006-009)
** say about flows reaching them, no reference rule repeats. */
static int is_artifact(const xml_node *x) {
    return is_tag(x, "association") || is_tag(x, "group") || is_tag(x, "textAnnotation");
}

static int nchild(const xml_node *x, const char *name) {
    int n = 0;
    for (const xml_node *c = x->child; c; c = c->next) n += is_tag(c, name);
    return n;
}

static void index_ids(spec *s, const xml_node *x) {
    for (; x; x = x->next) {
        const char *id = model_is_bpmn(x) ? id_of(x) : NULL;
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
static const xml_node *lookup(const spec *s, const char *ref) {
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
        if (!is_tag(x, "process")) continue;
        const char *id = id_of(x);
        for (int i = 0; id && i < s->m->nproc; i++)
            if (strcmp(s->m->procs[i].id, id) == 0) return i;
        return -1;
    }
    return -1;
}

static int executable(const xml_node *x) {
    for (; x; x = x->parent)
        if (is_tag(x, "process")) return attr_is(x, "isExecutable", "true");
    return 0;
}

/* An error at element x (named by its id, or its owner's when it has
** none), charged to the process holding it. */
/* `rule` names the betsy/spec constraint ids the check enforces, written
** after the message in brackets ("[EXT.025]", "[REF]" for references to
** the wrong kind of element) so a reader and the conformance runner can
** tell which rule a refusal is for; NULL for a check no rule names. */
static void fail(spec *s, const xml_node *x, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(spec *s, const xml_node *x, const char *rule, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (rule && n >= 0 && (size_t)n < sizeof buf) snprintf(buf + n, sizeof buf - (size_t)n, " [%s]", rule);
    model_diag_add(s->m, proc_index(s, x), 1, x, id_of(x) ? id_of(x) : id_of(owner_of(x)), buf);
}

/* The element of the model node n, or NULL. */
static const xml_node *node_xml(const spec *s, const model_node *n) {
    return n->id && *n->id ? lookup(s, n->id) : NULL;
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
static const xml_node *item_ref(const spec *s, const xml_node *x, const char *attr) {
    const xml_node *d = x ? lookup(s, xml_attr_get(x, NULL, attr)) : NULL;
    return is_tag(d, "itemDefinition") ? d : NULL;
}

/* The itemDefinition of a data element; a reference shares its object's. */
static const xml_node *data_item(const spec *s, const xml_node *x) {
    if (is_tag(x, "dataObjectReference")) x = lookup(s, xml_attr_get(x, NULL, "dataObjectRef"));
    else if (is_tag(x, "dataStoreReference")) x = lookup(s, xml_attr_get(x, NULL, "dataStoreRef"));
    return item_ref(s, x, "itemSubjectRef");
}

/* Two itemDefinitions describe the same data: one element, or both name
** the same structure. */
static int same_item(const xml_node *a, const xml_node *b) {
    if (a == b) return 1;
    const char *sa = a ? xml_attr_get(a, NULL, "structureRef") : NULL;
    const char *sb = b ? xml_attr_get(b, NULL, "structureRef") : NULL;
    return sa && sb && strcmp(sa, sb) == 0;
}

static const char *item_name(const xml_node *d) {
    const char *st = d ? xml_attr_get(d, NULL, "structureRef") : NULL;
    return st ? st : d ? label(d) : "no itemDefinition";
}

/* The data items of an ioSpecification (or an event) named tag, in order. */
static int data_list(const xml_node *io, const char *tag, const xml_node **v, int max) {
    int n = 0;
    for (const xml_node *c = io ? io->child : NULL; c; c = c->next)
        if (is_tag(c, tag) && n < max) v[n++] = c;
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
static int event_defs(const spec *s, const xml_node *ev, const xml_node **v, int max) {
    int n = 0;
    for (const xml_node *c = ev->child; c && n < max; c = c->next) {
        if (model_is_event_definition(c)) v[n++] = c;
        else if (is_tag(c, "eventDefinitionRef")) {
            const xml_node *d = lookup(s, c->text);
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
        if (!is_tag(up, "subProcess") || !attr_is(up, "triggeredByEvent", "true")) {
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
        const xml_node *t = lookup(s, xml_attr_get(d, NULL, map[i].ref));
        return is_tag(t, map[i].target) ? item_ref(s, t, map[i].attr) : NULL;
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
    int n = data_list(ev, tag, data, 16);
    if (!n || !nd) return;
    if (n != nd) {
        fail(s, ev, "EXT.093", "%s '%s' has %d %s%s for %d event definitions; each definition carries its data in a %s of its own",
             ev->name, label(ev), n, tag, n == 1 ? "" : "s", nd, tag);
        return;
    }
    for (int i = 0; i < n; i++) {
        const xml_node *want = def_item(s, defs[i]), *got = item_ref(s, data[i], "itemSubjectRef");
        if (want && !same_item(want, got))
            fail(s, data[i], "EXT.094", "%s '%s' of %s '%s' holds %s, but its %s carries %s", tag, label(data[i]), ev->name,
                 label(ev), item_name(got), defs[i]->name, item_name(want));
    }
}

/* A thrown escalation names an escalation with a code, or no catch could
** tell it from another (EXT.011, executable processes). */
static void check_escalation_code(spec *s, const xml_node *ev, const xml_node *d) {
    if (strcmp(ev->name, "startEvent") == 0 || strcmp(ev->name, "boundaryEvent") == 0 ||
        strcmp(ev->name, "intermediateCatchEvent") == 0 || !executable(ev))
        return;
    const xml_node *e = lookup(s, xml_attr_get(d, NULL, "escalationRef"));
    const char *code = is_tag(e, "escalation") ? xml_attr_get(e, NULL, "escalationCode") : NULL;
    if (!code || !*code)
        fail(s, ev, "EXT.011", "%s '%s' throws an escalation %s; a thrown escalation needs an escalationCode",
             ev->name, label(ev), is_tag(e, "escalation") ? "whose <escalation> has no escalationCode"
                                                          : "without naming an <escalation> (escalationRef)");
}

/* The rule an event definition out of place breaks: BPMN's table of
** triggers per kind of event, one rule id per kind (EXT.059, 098, 110,
** 121, 122, 146-149). */
static const char *def_rule(const xml_node *ev, int bit) {
    const char *t = ev->name;
    if (strcmp(t, "startEvent") == 0) {
        const xml_node *up = ev->parent;
        if (is_tag(up, "subProcess") && attr_is(up, "triggeredByEvent", "true")) return "EXT.059";
        return bit == D_COMPENSATE ? "EXT.098, EXT.121" : "EXT.098";
    }
    if (strcmp(t, "boundaryEvent") == 0) return "EXT.110, EXT.147";
    if (strcmp(t, "intermediateCatchEvent") == 0) return bit == D_COMPENSATE ? "EXT.122, EXT.148" : "EXT.148";
    if (strcmp(t, "intermediateThrowEvent") == 0) return "EXT.149";
    return "EXT.146";
}

static void check_event(spec *s, const xml_node *ev) {
    const xml_node *defs[16];
    int nd = event_defs(s, ev, defs, 16);
    const char *where, *why;
    int ok = allowed_defs(ev, &where, &why);
    for (int i = 0; i < nd; i++) {
        const char *kind = NULL;
        int bit = def_bit(defs[i], &kind);
        if (bit && !(bit & ok))          /* EXT.059, EXT.098, EXT.110, EXT.122, EXT.146-149 */
            fail(s, ev, def_rule(ev, bit), "%s '%s' has %s %s event definition, which %s cannot have%s", ev->name, label(ev),
                 a_an(kind), kind, where, why);
        if (bit == D_TIMER && nchild(defs[i], "timeDate") + nchild(defs[i], "timeDuration") +
                              nchild(defs[i], "timeCycle") > 1)          /* EXT.131 */
            fail(s, ev, "EXT.131", "timer of '%s' has more than one of timeDate, timeDuration and timeCycle; "
                 "a timer is a date, a duration or a cycle", label(ev));
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
        fail(s, x, "EXT.017", "%s '%s' is converging but has %d outgoing flows; "
             "a converging gateway merges and leaves by one flow",
             n->tag, n->id, n->nout);
    if (dir && strcmp(dir, "Diverging") == 0 && n->nin > 1)
        fail(s, x, "EXT.018", "%s '%s' is diverging but has %d incoming flows; a diverging gateway splits one flow",
             n->tag, n->id, n->nin);
    if (dir && strcmp(dir, "Mixed") == 0 && (n->nin < 2 || n->nout < 2))
        fail(s, x, "EXT.019", "%s '%s' is mixed but has %d incoming and %d outgoing flows; a mixed gateway both merges and splits",
             n->tag, n->id, n->nin, n->nout);
    if (n->nin < 2 && n->nout < 2)
        fail(s, x, "EXT.135", "%s '%s' has %d incoming and %s outgoing flow; "
             "a gateway must merge several flows or split into several",
             n->tag, n->id, n->nin, n->nout ? "one" : "no");
    if (n->kind != EL_GW_EVENT) return;
    if (n->nout == 1)
        fail(s, x, "EXT.136", "eventBasedGateway '%s' has one outgoing flow; it chooses between two or more events", n->id);
    for (int k = 0; k < n->nout; k++)
        if (p->flows[n->out[k]].cond)
            fail(s, x, "EXT.137", "eventBasedGateway '%s' has a conditional outgoing flow '%s'; "
                 "its flows follow events, not conditions",
                 n->id, p->flows[n->out[k]].id);
}

/* Loop and multi-instance data: the loop walks a collection held by a data
** element, one item at a time, of that collection's structure (EXT.068-070). */
static void check_loop_data(spec *s, const xml_node *x, const xml_node *mi) {
    static const char *const refs[] = {"loopDataInputRef", "loopDataOutputRef"};
    static const char *const items[] = {"inputDataItem", "outputDataItem"};
    for (int i = 0; i < 2; i++) {
        const xml_node *r = model_child(mi, refs[i]), *loop = r ? lookup(s, r->text) : NULL;
        if (loop && !is_item_aware(loop)) {
            fail(s, r, "EXT.068", "%s of '%s' names %s '%s', which holds no data; it must name a data input or output, "
                 "a data object or a property", refs[i], label(x), loop->name, label(loop));
            loop = NULL;
        }
        const xml_node *it = model_child(mi, items[i]), *idef = it ? item_ref(s, it, "itemSubjectRef") : NULL;
        if (!idef) continue;
        if (attr_is(idef, "isCollection", "true"))
            fail(s, it, i ? "EXT.069" : "EXT.070", "%s of '%s' is a collection (itemDefinition '%s'); it holds one item of the loop's collection",
                 items[i], label(x), label(idef));
        const xml_node *ldef = loop ? data_item(s, loop) : NULL;
        if (ldef && !same_item(ldef, idef))
            fail(s, it, i ? "EXT.069" : "EXT.070", "%s of '%s' holds %s, but the collection it walks holds %s", items[i], label(x),
                 item_name(idef), item_name(ldef));
    }
}

/* A send task's one data input, a receive task's one data output, holds
** its message (EXT.046-052). */
static void check_message_task(spec *s, const xml_node *x) {
    int send = is_tag(x, "sendTask");
    const xml_node *io = model_child(x, "ioSpecification");
    if ((!send && !is_tag(x, "receiveTask")) || !io) return;
    const char *set = send ? "inputSet" : "outputSet", *tag = send ? "dataInput" : "dataOutput";
    if (nchild(io, set) > 1)
        fail(s, x, send ? "EXT.046" : "EXT.050", "%s '%s' has %d %ss; it %s one message, so it has at most one", x->name, label(x),
             nchild(io, set), set, send ? "sends" : "receives");
    const xml_node *data[2];
    int nd = data_list(io, tag, data, 2);
    if (nd > 1)
        fail(s, x, send ? "EXT.047" : "EXT.051", "%s '%s' has %d %ss; its message is its only %s", x->name, label(x), nchild(io, tag), tag,
             send ? "input" : "output");
    const xml_node *msg = lookup(s, xml_attr_get(x, NULL, "messageRef"));
    const xml_node *want = is_tag(msg, "message") ? item_ref(s, msg, "itemRef") : NULL;
    const xml_node *got = nd == 1 ? item_ref(s, data[0], "itemSubjectRef") : NULL;
    if (want && nd == 1 && !same_item(want, got))
        fail(s, data[0], send ? "EXT.048" : "EXT.052", "%s '%s' of %s '%s' holds %s, but its message '%s' carries %s", tag, label(data[0]),
             x->name, label(x), item_name(got), label(msg), item_name(want));
}

static void check_activity(spec *s, const model_proc *p, const model_node *n, const xml_node *x) {
    if (n->nout == 1 && p->flows[n->out[0]].cond)      /* EXT.025 */
        fail(s, x, "EXT.025", "%s '%s' has a condition on its only outgoing flow '%s'; a conditional flow from an "
             "activity needs another flow to take when it does not hold", n->tag, n->id, p->flows[n->out[0]].id);
    const xml_node *mi = model_child(x, "multiInstanceLoopCharacteristics");
    if (mi && model_child(x, "standardLoopCharacteristics"))  /* EXT.041 */
        fail(s, x, is_tag(x, "adHocSubProcess") ? "EXT.041, EXT.054, EXT.055" : "EXT.041", "%s '%s' has both a standard loop and a multi-instance marker; an activity loops one way",
             n->tag, n->id);
    if (mi) check_loop_data(s, x, mi);
    if (is_tag(x, "receiveTask") && attr_is(x, "instantiate", "true") && n->nin > 0)   /* EXT.049 */
        fail(s, x, "EXT.049", "receiveTask '%s' starts the process (instantiate=\"true\") but has incoming sequence flows",
             n->id);
    check_message_task(s, x);
}

/* Links: a throw event only ends a path, a catch event only starts one,
** and a catch event has a throw event of its name to come from (EXT.117,
** EXT.124). Compensation handlers are reached by association, not by
** flows (EXT.114). */
static void check_link(spec *s, const model_proc *p, const model_node *n, const xml_node *x) {
    if (n->kind == EL_LINK_THROW && n->nout > 0)
        fail(s, x, "EXT.117", "link intermediateThrowEvent '%s' has outgoing sequence flows; "
             "the path goes on at its link catch event",
             n->id);
    if (n->kind == EL_BOUNDARY_EVENT && n->trigger == TR_COMPENSATE && n->nout > 0)
        fail(s, x, "EXT.114", "compensation boundaryEvent '%s' has outgoing sequence flows; "
             "its handler is joined by an association",
             n->id);
    if (n->kind != EL_LINK_CATCH) return;
    if (n->nin > 0)
        fail(s, x, "EXT.117", "link intermediateCatchEvent '%s' has incoming sequence flows; "
             "a path only arrives there by its link",
             n->id);
    int thrown = 0;
    for (int k = 0; k < p->nnode && !thrown; k++)
        thrown = p->nodes[k].kind == EL_LINK_THROW && p->nodes[k].parent == n->parent && p->nodes[k].link_name &&
                 n->link_name && strcmp(p->nodes[k].link_name, n->link_name) == 0;
    if (!thrown && n->link_name)
        fail(s, x, "EXT.118, EXT.124", "link intermediateCatchEvent '%s' has no link throw event named '%s' in its scope, "
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
    const xml_node *sx = scope >= 0 ? node_xml(s, &p->nodes[scope]) : lookup(s, p->id);
    if (sx && ends && !starts)
        fail(s, sx, "EXT.097", "%s '%s' has an end event but no start event; a level that ends with an end event "
             "starts with a start event", scope >= 0 ? p->nodes[scope].tag : "process", scope >= 0 ? p->nodes[scope].id : p->id);
    if (sx && starts && !ends)
        fail(s, sx, "EXT.105", "%s '%s' has a start event but no end event; a level that starts with a start event ends "
             "with an end event", scope >= 0 ? p->nodes[scope].tag : "process", scope >= 0 ? p->nodes[scope].id : p->id);
    for (int i = 0; i < p->nnode && starts; i++) {
        const model_node *n = &p->nodes[i];
        const xml_node *x = n->parent == scope ? node_xml(s, n) : NULL;
        if (!x || n->nin > 0 || n->nout == 0 || el_is(n->kind, EK_START) || n->kind == EL_LINK_CATCH ||
            el_is(n->kind, EK_BOUNDARY) ||
            (n->kind == EL_SUBPROCESS && n->triggered) || attr_is(x, "isForCompensation", "true"))
            continue;
        fail(s, x, "EXT.150, EXT.151", "%s '%s' has no incoming sequence flow; where a level has a start event, every other element "
             "is reached by a flow", n->tag, n->id);
    }
}

/* The <incoming>/<outgoing> lists of the flow nodes agree with the flows
** (EXT.023); when the process keeps them at all, they are complete
** (EXT.101, EXT.107). An executable process runs nothing between the ends
** of a flow (isImmediate, EXT.024). */
static int lists_flow(const xml_node *x, const char *dir, const char *flow) {
    for (const xml_node *c = x->child; c; c = c->next) {
        if (!is_tag(c, dir)) continue;
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
            int in = is_tag(c, "incoming");
            if (!in && !is_tag(c, "outgoing")) continue;
            listed = 1;
            const xml_node *f = lookup(s, c->text);
            const char *end = f ? xml_attr_get(f, NULL, in ? "targetRef" : "sourceRef") : NULL;
            if (!is_tag(f, "sequenceFlow"))
                fail(s, x, f ? "EXT.023, REF" : "EXT.023", "%s '%s' lists %s flow '%s', which is not a sequence flow of the document", n->tag,
                     n->id, in ? "an incoming" : "an outgoing", model_trimmed(s->m->mem, c->text));
            else if (!end || strcmp(end, n->id) != 0)
                fail(s, x, "EXT.023", "%s '%s' lists %s flow '%s', which %s '%s'", n->tag, n->id, in ? "an incoming"
                     : "an outgoing", label(f), in ? "leads to" : "starts at", end ? end : "(nothing)");
        }
    }
    for (int i = 0; i < p->nflow; i++) {
        const model_flow *f = &p->flows[i];
        const xml_node *fx = f->id ? lookup(s, f->id) : NULL;
        if (fx && attr_is(fx, "isImmediate", "false") && attr_is(px, "isExecutable", "true"))
            fail(s, fx, "EXT.024", "sequenceFlow '%s' has isImmediate=\"false\"; in an executable process nothing happens "
                 "between the ends of a flow", f->id);
        for (int end = 0; listed && fx && end < 2; end++) {
            int k = end ? f->dst : f->src;
            const xml_node *x = k >= 0 ? node_xml(s, &p->nodes[k]) : NULL;
            if (x && !lists_flow(x, end ? "incoming" : "outgoing", f->id))
                fail(s, x, end ? "EXT.107" : "EXT.101", "%s '%s' does not list its %s flow '%s'; the process lists every flow at both its ends",
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
        const xml_node *fx = p->flows[i].id ? lookup(s, p->flows[i].id) : NULL;
        for (int end = 0; fx && end < 2; end++) {
            const xml_node *t = lookup(s, xml_attr_get(fx, NULL, end ? "targetRef" : "sourceRef"));
            if (!t || t == fx) continue;
            if (!is_flow_node(t))
                fail(s, fx, is_artifact(t) ? (end ? "EXT.006" : "EXT.007") : end ? "EXT.006, REF" : "EXT.007, REF", "sequenceFlow '%s' %s %s '%s', which is no flow node; "
                     "sequence flows join events, activities and gateways", label(fx), end ? "leads to" : "starts at",
                     t->name, label(t));
            else if (proc_index(s, t) != proc_index(s, fx))
                fail(s, fx, "EXT.028", "sequenceFlow '%s' %s %s '%s' in another pool; between pools only messages "
                     "flow", label(fx), end ? "leads to" : "starts at", t->name, label(t));
        }
    }
}

/* The rules of the section "executable in the spec's sense" below. */
static void check_process_more(spec *s, const model_proc *p);
static void check_element_more(spec *s, const xml_node *x);

static void check_process(spec *s, const model_proc *p) {
    const xml_node *px = lookup(s, p->id);
    if (!is_tag(px, "process")) return;
    if (attr_is(px, "processType", "Public") && attr_is(px, "isExecutable", "true"))   /* EXT.035 */
        fail(s, px, "EXT.035", "process '%s' is public (processType=\"Public\") and executable; a public process only shows "
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
            fail(s, x, "EXT.078", "<%s> '%s' stands at the top of the document; a %s belongs inside a process or one of its "
                 "elements", x->name, label(x), x->name);
}

/* The pool an element of a message flow lies in: a participant, or the
** process holding the element; NULL when it lies in none (a choreography). */
static const xml_node *pool_of(const spec *s, const xml_node *x) {
    if (is_tag(x, "participant")) return x;
    for (const xml_node *up = x->parent; up; up = up->parent) {
        if (!is_tag(up, "process")) continue;
        const char *pid = id_of(up);
        for (int i = 0; pid && i < s->nids; i++)
            if (is_tag(s->ids[i].x, "participant") && attr_is(s->ids[i].x, "processRef", pid)) return s->ids[i].x;
        return up;
    }
    return NULL;
}

static int has_message_def(const spec *s, const xml_node *ev) {
    const xml_node *defs[16];
    int nd = event_defs(s, ev, defs, 16);
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
    if (!pool_of(s, x) || is_tag(x, "process"))
        fail(s, mf, "EXT.033", "messageFlow '%s' %s at %s '%s', which lies in no pool; a message flow joins pools or the "
             "tasks and events in them", label(mf), src ? "starts" : "ends", n, label(x));
    else if (src ? catches : throws)
        fail(s, mf, src ? "EXT.102, EXT.119" : "EXT.108, EXT.119", "messageFlow '%s' %s %s '%s'; a %s event %s no messages", label(mf), src ? "starts at" : "leads to",
             n, label(x), src ? "catch" : "throw", dir);
    else if ((src ? throws : catches) && !has_message_def(s, x))
        fail(s, mf, src ? "EXT.109" : "EXT.103", "messageFlow '%s' %s %s '%s', which has no message trigger; only a message event %s messages",
             label(mf), src ? "starts at" : "leads to", n, label(x), dir);
}

static void check_message_flow(spec *s, const xml_node *mf) {
    const xml_node *a = lookup(s, xml_attr_get(mf, NULL, "sourceRef"));
    const xml_node *b = lookup(s, xml_attr_get(mf, NULL, "targetRef"));
    const xml_node *pa = a ? pool_of(s, a) : NULL, *pb = b ? pool_of(s, b) : NULL;
    if (pa && pa == pb)
        fail(s, mf, "EXT.031", "messageFlow '%s' joins '%s' and '%s' in the same pool '%s'; messages pass between pools, "
             "sequence flows within one", label(mf), label(a), label(b), label(pa));
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
    const char *nm = is_tag(t, "property") ? xml_attr_get(t, NULL, "name") : NULL;
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
        return is_tag(t, "participant") || is_artifact(t) || (model_is_bpmn(t) && (is_activity(t->name) ||
               (n > 5 && strcmp(t->name + n - 5, "Event") == 0) || strstr(t->name, "onversation")));
    }
    return strcmp(t->name, kinds) == 0;
}

static void check_ref(spec *s, const xml_node *owner, const char *ref, const char *value, const char *kinds) {
    const xml_node *t = lookup(s, value);
    int item = strcmp(kinds, "item") == 0;
    if (t && strstr(owner->name, "Association") && own_end(owner, t)) return;
    if (t && !kind_ok(t, kinds))
        fail(s, owner, "REF", "%s '%s': %s '%s' names %s %s, not %s %s", owner->name, label(owner), ref, label(t),
             a_an(t->name), t->name, item ? "a" : a_an(kinds), item ? "data element" : kinds);
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
            if (is_tag(c, ref_rules[i].ref)) check_ref(s, x, ref_rules[i].ref, c->text, ref_rules[i].kinds);
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
        const xml_node *d = item_ref(s, x, "itemSubjectRef");
        int mine = attr_is(x, "isCollection", "true"), its = d && attr_is(d, "isCollection", "true");
        if (d && mine != its)
            fail(s, x, strcmp(n, "dataObject") == 0 ? "EXT.020, EXT.077" : strcmp(n, "dataInput") == 0 ? "EXT.020, EXT.081" : "EXT.020, EXT.083", "%s '%s' is %sa collection but its itemDefinition '%s' is %s; the two must agree", n, label(x),
                 mine ? "" : "not ", label(d), its ? "one" : "not");
    }
    const char *tf = xml_attr_get(x, NULL, "textFormat");
    if (tf && (strcmp(n, "documentation") == 0 || strcmp(n, "textAnnotation") == 0) && !mc_mime_type(tf))
        fail(s, x, strcmp(n, "documentation") == 0 ? "EXT.004" : "EXT.010", "%s of '%s' has textFormat '%s', which is not a MIME type (type/subtype, e.g. text/plain)",
             n, label(owner_of(x)), tf);
    if ((strcmp(n, "transformation") == 0 || strcmp(n, "messagePath") == 0 || strcmp(n, "dataPath") == 0) &&
        !model_trimmed(s->m->mem, x->text) && !x->child)
        fail(s, x, "EXT.013", "the %s of '%s' is empty; a %s is an expression and needs a body", n,
             label(owner_of(x)), n);
    if (strcmp(n, "performer") == 0 || strcmp(n, "humanPerformer") == 0 || strcmp(n, "potentialOwner") == 0 ||
        strcmp(n, "resourceRole") == 0) {
        if (model_child(x, "resourceRef") && model_child(x, "resourceAssignmentExpression"))
            fail(s, x, "EXT.039", "%s of '%s' both names a resource (resourceRef) and computes one "
                 "(resourceAssignmentExpression); it does one or the other", n, label(owner_of(x)));
        if (model_child(x, "resourceParameterBinding") && !model_child(x, "resourceRef"))
            fail(s, x, "EXT.040", "%s of '%s' binds resource parameters but names no resource (resourceRef) they belong to",
                 n, label(owner_of(x)));
    }
    const char *t = model_in_list(condition_tags, n) ? model_trimmed(s->m->mem, x->text) : NULL;
    if (t && constant(t))
        fail(s, x, strcmp(n, "completionCondition") == 0 ? "EXT.071" : strcmp(n, "condition") == 0 ? "EXT.072" : NULL, "%s of '%s' is the constant %s, not a condition; it must be true or false", n,
             label(owner_of(x)), t);
    static const char *const uri_attrs[] = {"language", "expressionLanguage", "typeLanguage"};
    for (int i = 0; i < 3; i++) {            /* EXT.014: languages are named by URI */
        const char *u = xml_attr_get(x, NULL, uri_attrs[i]);
        if (u && *u && !uri_like(u))
            fail(s, x, "EXT.014", "%s of %s '%s' is '%s', which is not a URI (a language is named by one, "
                 "e.g. https://www.lua.org/)", uri_attrs[i], n, label(x), u);
    }
    if (strcmp(n, "messageFlow") == 0) check_message_flow(s, x);
    check_refs(s, x);
}

static void check_document_element(spec *s, const xml_node *x);

static void walk(spec *s, const xml_node *x) {
    for (; x; x = x->next) {
        if (!model_is_bpmn(x)) continue;
        check_element(s, x);
        check_element_more(s, x);
        check_document_element(s, x);
        walk(s, x->child);
    }
}

/* A call activity that declares its data passes what the element it calls
** takes: the same data inputs and outputs, holding the same items
** (EXT.063). One without an ioSpecification passes every variable, as sdm
** runs calls. */
static void check_call_data(spec *s, const xml_node *call) {
    const xml_node *callee = lookup(s, xml_attr_get(call, NULL, "calledElement"));
    if (!callee || !(is_tag(callee, "process") || strncmp(callee->name, "global", 6) == 0)) return;
    const xml_node *a = model_child(call, "ioSpecification"), *b = model_child(callee, "ioSpecification");
    if (!a || !b) return;
    static const char *const tags[] = {"dataInput", "dataOutput"};
    for (int t = 0; t < 2; t++) {
        const xml_node *va[32], *vb[32];
        int na = data_list(a, tags[t], va, 32), nb = data_list(b, tags[t], vb, 32);
        if (na != nb) {
            fail(s, call, "EXT.063", "callActivity '%s' has %d %s%s, but %s '%s' it calls has %d; a call activity's data "
                 "matches what it calls", label(call), na, tags[t], na == 1 ? "" : "s", callee->name,
                 label(callee), nb);
            continue;
        }
        for (int i = 0; i < na; i++) {
            const xml_node *ia = item_ref(s, va[i], "itemSubjectRef"), *ib = item_ref(s, vb[i], "itemSubjectRef");
            if (ia && ib && !same_item(ia, ib))
                fail(s, va[i], "EXT.063", "%s '%s' of callActivity '%s' holds %s, but %s '%s' of '%s' it calls holds %s", tags[t],
                     label(va[i]), label(call), item_name(ia), tags[t], label(vb[i]), label(callee), item_name(ib));
        }
    }
}

/* An element exposed as a service binds the operations of its interfaces
** to its data (ioBinding), an input to the operation's request and an
** output to its answer, item for item (EXT.064, EXT.065). */
static void check_binding(spec *s, const xml_node *x) {
    if (!model_child(x, "supportedInterfaceRef")) return;
    if (!model_child(x, "ioBinding"))
        fail(s, x, "EXT.064", "%s '%s' is exposed as a service (supportedInterfaceRef) but binds no operation to its data "
             "(ioBinding)", x->name, label(x));
    for (const xml_node *b = x->child; b; b = b->next) {
        if (!is_tag(b, "ioBinding")) continue;
        const xml_node *op = lookup(s, xml_attr_get(b, NULL, "operationRef"));
        static const char *const data[] = {"inputDataRef", "outputDataRef"};
        static const char *const msgs[] = {"inMessageRef", "outMessageRef"};
        static const char *const kinds[] = {"dataInput", "dataOutput"};
        for (int k = 0; k < 2; k++) {
            const xml_node *d = lookup(s, xml_attr_get(b, NULL, data[k]));
            const xml_node *mr = is_tag(op, "operation") ? model_child(op, msgs[k]) : NULL;
            const xml_node *msg = mr ? lookup(s, mr->text) : NULL;
            const xml_node *want = is_tag(msg, "message") ? item_ref(s, msg, "itemRef") : NULL;
            if (d && !is_tag(d, kinds[k]))
                fail(s, b, "EXT.065", "ioBinding of '%s': %s '%s' names %s %s, not a %s", label(x), data[k], label(d),
                     a_an(d->name), d->name, kinds[k]);
            else if (d && want && !same_item(want, item_ref(s, d, "itemSubjectRef")))
                fail(s, b, "EXT.065", "ioBinding of '%s' binds %s '%s', holding %s, to message '%s' of operation '%s', "
                     "carrying %s", label(x), kinds[k], label(d), item_name(item_ref(s, d, "itemSubjectRef")),
                     label(msg), label(op), item_name(want));
        }
    }
}

static void check_callables(spec *s) {
    for (int i = 0; i < s->nids; i++) {
        const xml_node *x = s->ids[i].x;
        if (is_tag(x, "callActivity")) check_call_data(s, x);
        if (is_tag(x, "process") || is_tag(x, "globalTask")) check_binding(s, x);
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
        if (strcmp(x->name, expr_places[i].tag) != 0 || !is_tag(x->parent, expr_places[i].in)) continue;
        const xml_node *o = owner_of(x);          /* an event, not its definition */
        if (model_is_event_definition(o) && o->parent && id_of(o->parent)) o = o->parent;
        fail(s, x, strcmp(x->name, "condition") == 0 ? "EXT.012, EXT.123" : "EXT.012",
             "%s of %s '%s' is natural-language text to BPMN (no xsi:type=\"tFormalExpression\"), and the definitions "
             "declare expressionLanguage \"%s\", so sdm does not read it as Lua either; an executable process holds "
             "formal expressions only", x->name, o->name, label(o), lang);
        return;
    }
}

static void check_operation(spec *s, const xml_node *d, const char *lang) {
    if (!is_tag(d, "messageEventDefinition") || !executable(d) || model_child(d, "operationRef")) return;
    fail(s, d->parent, "EXT.128", "%s '%s' names no operation (operationRef) for its message; sdm matches messages by "
         "name, but these definitions declare expressionLanguage \"%s\" instead of Lua, and there a message event of "
         "an executable process names the operation it serves", d->parent->name, label(d->parent), lang);
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
    const char *m = is_tag(x, "transaction") ? xml_attr_get(x, NULL, "method") : NULL;
    if (m && strcmp(m, "##Compensate") != 0 && strcmp(m, "##Image") != 0 && strcmp(m, "##Store") != 0 && !uri_like(m))
        fail(s, x, "EXT.060", "transaction '%s' has method '%s', which is none of ##Compensate, ##Image, ##Store "
             "and no URI", label(x), m);
    if ((is_tag(x, "subProcess") || is_tag(x, "transaction") || is_tag(x, "adHocSubProcess")) &&
        model_child(x, "ioSpecification"))
        fail(s, x, "EXT.079", "%s '%s' has an ioSpecification; a subprocess works on its process's data and "
             "declares no inputs or outputs of its own", x->name, label(x));
    const xml_node *d = is_flow_node(x) ? lookup(s, xml_attr_get(x, NULL, "default")) : NULL;
    if (d && !is_tag(d, "sequenceFlow"))
        fail(s, x, "REF", "%s '%s': default '%s' names %s %s, not a sequenceFlow", x->name, label(x), label(d),
             a_an(d->name), d->name);
}

/* Intermediate events sit on a path: a throw event is reached by a flow
** and, unless it is a link, leaves by one; a catch event leaves by one and,
** unless it is a link, is reached by one (EXT.115, EXT.116). A link's
** target is at its throw event's level (EXT.126). */
static void check_intermediate(spec *s, const model_node *n, const xml_node *x) {
    int thr = is_tag(x, "intermediateThrowEvent"), link = n->kind == EL_LINK_THROW || n->kind == EL_LINK_CATCH;
    if (!thr && !is_tag(x, "intermediateCatchEvent")) return;
    if (n->nin == 0 && (thr || !link))
        fail(s, x, "EXT.115", "%s '%s' has no incoming sequence flow; an intermediate event is reached by one",
             x->name, n->id);
    if (n->nout == 0 && (!thr || !link))
        fail(s, x, "EXT.116", "%s '%s' has no outgoing sequence flow; an intermediate event is left by one",
             x->name, n->id);
    const xml_node *ld = thr && link ? model_child(x, "linkEventDefinition") : NULL;
    for (const xml_node *t = ld ? ld->child : NULL; t; t = t->next) {
        const xml_node *to = is_tag(t, "target") ? lookup(s, t->text) : NULL;
        if (is_tag(to, "linkEventDefinition") && to->parent && to->parent->parent != x->parent)
            fail(s, x, "EXT.126", "link intermediateThrowEvent '%s' goes on at '%s' on another level (%s '%s'); "
                 "a link stays within its process level", n->id, label(to->parent), to->parent->parent->name,
                 label(to->parent->parent));
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
        fail(s, x, "EXT.142", "eventBasedGateway '%s' starts the process (instantiate=\"true\") but has %d incoming "
             "sequence flow%s; an instantiating gateway has none", n->id, n->nin, n->nin == 1 ? "" : "s");
    const model_node *receive = NULL, *message = NULL;
    for (int k = 0; k < n->nout; k++) {
        int d = p->flows[n->out[k]].dst;
        if (d < 0) continue;
        const model_node *t = &p->nodes[d];
        const xml_node *tx = node_xml(s, t);
        if (t->nin > 1)
            fail(s, tx ? tx : x, "EXT.141", "%s '%s' follows eventBasedGateway '%s' and has %d incoming flows; "
                 "an event the gateway waits for is reached from it alone", t->tag, t->id, n->id, t->nin);
        if (strcmp(t->tag, "receiveTask") == 0) {
            receive = t;
            int attached = 0;
            for (int b = 0; b < p->nnode; b++) attached += el_is(p->nodes[b].kind, EK_BOUNDARY) && p->nodes[b].attached == d;
            if (attached)
                fail(s, tx ? tx : x, "EXT.140", "receiveTask '%s' follows eventBasedGateway '%s' and has %d boundary "
                     "event%s; a receive task the gateway waits for has none", t->id, n->id, attached,
                     attached == 1 ? "" : "s");
        }
        if (strcmp(t->tag, "intermediateCatchEvent") == 0 && tx && has_message_def(s, tx)) message = t;
    }
    if (receive && message)
        fail(s, x, "EXT.139", "eventBasedGateway '%s' waits for receiveTask '%s' and message catch event '%s'; "
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
        const xml_node *x = lookup(s, xml_attr_get(mf, NULL, end ? "targetRef" : "sourceRef"));
        if (is_artifact(x))
            fail(s, mf, end ? "EXT.008" : "EXT.009", "messageFlow '%s' %s %s '%s', an artifact; a message flow joins "
                 "pools or the tasks and events in them", label(mf), end ? "leads to" : "starts at", x->name, label(x));
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
    const char *pool = label(owner_of(x));
    if (!count_attr(x, "minimum", 0, &min) || min < 0)
        fail(s, x, "EXT.029", "participantMultiplicity of '%s' has minimum=\"%s\"; the fewest instances of a pool is 0 "
             "or more", pool, xml_attr_get(x, NULL, "minimum"));
    else if (!count_attr(x, "maximum", 1, &max) || max < 1 || max < min)
        fail(s, x, "EXT.030", "participantMultiplicity of '%s' has maximum=\"%s\" for minimum %ld; the most instances "
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
    if (ref && (is_tag(x, "choreography") || is_tag(x, "globalConversation")))
        fail(s, ref, "EXT.027", "%s '%s' names choreography '%s' (choreographyRef); only a collaboration refers to a "
             "choreography", x->name, label(x), named ? named : "");
    if (!is_tag(x, "globalConversation")) return;
    for (const xml_node *c = x->child; c; c = c->next)
        if (model_is_bpmn(c) && model_in_list(global_conv_forbidden, c->name))
            fail(s, c, "EXT.032", "globalConversation '%s' holds %s %s '%s'; a global conversation holds only "
                 "participants and message flows", label(x), a_an(c->name), c->name, label(c));
}

/* Choreography activities belong to choreographies: a process (EXT.036)
** or a subprocess (EXT.056; an ad-hoc one too, EXT.062) holds none. */
static void check_choreography_activity(spec *s, const xml_node *x) {
    static const char *const chor[] = {"choreographyTask", "subChoreography", "callChoreography", NULL};
    const xml_node *up = x->parent;
    if (!model_in_list(chor, x->name) || !up) return;
    const char *rule = is_tag(up, "process") ? "EXT.036" : is_tag(up, "adHocSubProcess") ? "EXT.056, EXT.062"
                     : is_tag(up, "subProcess") || is_tag(up, "transaction") ? "EXT.056" : NULL;
    if (rule)
        fail(s, x, rule, "%s%s%s%s%s stands in %s '%s'; choreography activities belong to a choreography, not to a "
             "process or subprocess", id_of(x) ? "" : "a ", x->name, id_of(x) ? " '" : "",
             id_of(x) ? id_of(x) : "", id_of(x) ? "'" : "", up->name, label(up));
}

/* The name of a data object reference in a state reads "object [state]"
** (EXT.076). */
static void check_reference_name(spec *s, const xml_node *x) {
    const xml_node *st = model_child(x, "dataState"), *obj = lookup(s, xml_attr_get(x, NULL, "dataObjectRef"));
    const char *name = xml_attr_get(x, NULL, "name"), *state = st ? xml_attr_get(st, NULL, "name") : NULL;
    const char *oname = is_tag(obj, "dataObject") ? xml_attr_get(obj, NULL, "name") : NULL;
    if (!name || !state || !oname) return;
    char want[512];
    snprintf(want, sizeof want, "%s [%s]", oname, state);
    if (strcmp(name, want) != 0)
        fail(s, x, "EXT.076", "dataObjectReference '%s' is named \"%s\"; a reference to data object \"%s\" in state "
             "\"%s\" is named \"%s\"", label(x), name, oname, state, want);
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
    const char *owner = label(owner_of(io));
    for (const xml_node *r = set->child; r; r = r->next) {
        int opt = is_tag(r, io_kinds[k].opt);
        const char *ref = model_trimmed(s->m->mem, r->text);
        if ((opt || is_tag(r, io_kinds[k].whilex)) && ref && !lists_flow(set, io_kinds[k].refs, ref))
            fail(s, r, opt ? io_kinds[k].opt_rule : io_kinds[k].while_rule, "%s of '%s' lists '%s' in %s but not in "
                 "its %s; a set's optional and while-executing data are among its own", set->name, owner, ref,
                 r->name, io_kinds[k].refs);
        const xml_node *other = is_tag(r, io_kinds[k].fwd) ? lookup(s, r->text) : NULL;
        if (is_tag(other, io_kinds[1 - k].set) && !(id_of(set) && lists_flow(other, io_kinds[k].bwd, id_of(set))))
            fail(s, set, "EXT.087", "%s '%s' of '%s' names %s '%s' (%s), which does not name it back in its %s",
                 set->name, label(set), owner, other->name, label(other), io_kinds[k].fwd, io_kinds[k].bwd);
    }
}

static void check_io_spec(spec *s, const xml_node *io) {
    for (int k = 0; k < 2; k++) {
        for (const xml_node *d = io->child; d; d = d->next) {
            if (!is_tag(d, io_kinds[k].data) || !id_of(d)) continue;
            int in = 0;
            for (const xml_node *set = io->child; set && !in; set = set->next)
                in = is_tag(set, io_kinds[k].set) && lists_flow(set, io_kinds[k].refs, id_of(d));
            if (!in)
                fail(s, d, io_kinds[k].rule, "%s '%s' of '%s' is in no %s (%s); every %s belongs to one",
                     d->name, label(d), label(owner_of(io)), io_kinds[k].set, io_kinds[k].refs, d->name);
        }
        for (const xml_node *set = io->child; set; set = set->next)
            if (is_tag(set, io_kinds[k].set)) check_io_set(s, io, set, k);
    }
}

/* A data input or output of a process itself (not of one of its
** activities) faces its caller: inside, an input is only read, never a
** data association's target, and an output only written, never its
** source (EXT.080, EXT.082). Without a transformation an association
** copies one element to another of the same item (EXT.091, EXT.092). */
static int process_data(const xml_node *x, const char *tag) {
    return is_tag(x, tag) && is_tag(x->parent, "ioSpecification") && is_tag(x->parent->parent, "process");
}

static void check_data_association(spec *s, const xml_node *a) {
    const xml_node *src = NULL, *dst = NULL;
    int nsrc = 0;
    for (const xml_node *c = a->child; c; c = c->next) {
        const xml_node *t = is_tag(c, "sourceRef") || is_tag(c, "targetRef") ? lookup(s, c->text) : NULL;
        if (is_tag(c, "sourceRef")) { nsrc++; src = t; }
        if (is_tag(c, "targetRef")) dst = t;
        if (process_data(t, is_tag(c, "sourceRef") ? "dataOutput" : "dataInput"))
            fail(s, a, is_tag(c, "sourceRef") ? "EXT.082" : "EXT.080", "%s '%s' %s %s '%s' of process '%s'; a "
                 "process's own %s is only %s inside it", a->name, label(a), is_tag(c, "sourceRef") ? "reads"
                 : "writes", t->name, label(t), label(t->parent->parent), t->name,
                 is_tag(c, "sourceRef") ? "written" : "read");
    }
    if (model_child(a, "transformation") || model_child(a, "assignment")) return;
    if (nsrc > 1) {
        fail(s, a, "EXT.092", "%s '%s' has %d sources but no transformation; several sources are combined by one",
             a->name, label(a), nsrc);
        return;
    }
    const xml_node *is = src ? data_item(s, src) : NULL, *it = dst ? data_item(s, dst) : NULL;
    if (is && it && !same_item(is, it))
        fail(s, a, "EXT.091", "%s '%s' copies %s '%s', holding %s, to %s '%s', holding %s, without a transformation; "
             "both ends hold the same item or a transformation converts it", a->name, label(a), src->name,
             label(src), item_name(is), dst->name, label(dst), item_name(it));
}

/* A service task that calls an operation takes its request as its one data
** input, in one input set, and gives its answer, if any, as its one data
** output, in at most one output set (EXT.042-045). */
static void check_service_operation(spec *s, const xml_node *x) {
    const xml_node *op = lookup(s, xml_attr_get(x, NULL, "operationRef"));
    if (!is_tag(op, "operation")) return;
    const xml_node *io = model_child(x, "ioSpecification");
    int nin = io ? nchild(io, "inputSet") : 0;
    if (nin != 1)
        fail(s, x, "EXT.042", "serviceTask '%s' calls operation '%s' but has %d inputSets; a service task calling an "
             "operation has exactly one", label(x), label(op), nin);
    if (io && nchild(io, "outputSet") > 1)
        fail(s, x, "EXT.043", "serviceTask '%s' calls operation '%s' but has %d outputSets; it has at most one",
             label(x), label(op), nchild(io, "outputSet"));
    for (int k = 0; io && k < 2; k++) {
        const xml_node *mr = model_child(op, k ? "outMessageRef" : "inMessageRef");
        const xml_node *msg = mr ? lookup(s, mr->text) : NULL;
        if (!is_tag(msg, "message")) continue;
        const xml_node *data[2], *want = item_ref(s, msg, "itemRef");
        int nd = data_list(io, io_kinds[k].data, data, 2);
        const xml_node *got = nd == 1 ? item_ref(s, data[0], "itemSubjectRef") : NULL;
        if (nd != 1)
            fail(s, x, k ? "EXT.045" : "EXT.044", "serviceTask '%s' has %d %ss; the %s of operation '%s' is its one %s",
                 label(x), nchild(io, io_kinds[k].data), io_kinds[k].data, k ? "answer" : "request", label(op),
                 io_kinds[k].data);
        else if (want && !same_item(want, got))
            fail(s, data[0], k ? "EXT.045" : "EXT.044", "%s '%s' of serviceTask '%s' holds %s, but message '%s' of "
                 "operation '%s' carries %s", io_kinds[k].data, label(data[0]), label(x), item_name(got),
                 label(msg), label(op), item_name(want));
    }
}

/* A called process is started at a none start event: one whose start
** events all wait for a trigger cannot be called (EXT.099). */
static void check_called_start(spec *s, const xml_node *call) {
    const xml_node *p = lookup(s, xml_attr_get(call, NULL, "calledElement"));
    int starts = 0, none = 0;
    for (const xml_node *c = is_tag(p, "process") ? p->child : NULL; c; c = c->next) {
        if (!is_tag(c, "startEvent")) continue;
        const xml_node *defs[16];
        starts++;
        none += event_defs(s, c, defs, 16) == 0 && !model_child(c, "eventDefinitionRef");
    }
    if (starts && !none)
        fail(s, call, "EXT.099", "callActivity '%s' calls process '%s', whose start events all wait for a trigger; "
             "a called process has a none start event to begin at", label(call), label(p));
}

static void check_document_element(spec *s, const xml_node *x) {
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

