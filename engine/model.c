/*
** model.c — compile an XML tree into validated process graphs (model.h).
**
** Owns the meaning of BPMN elements and of sdm's extension attributes
** (docs/EXTENSIONS.md). Validation collects every problem it finds, each
** with line and element id, instead of stopping at the first. It must not
** run anything: Lua syntax is checked by the caller through script.c.
*/
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "model.h"
#include "err.h"
#include "model_int.h"
#include "kinds.h"

#define BPMN_NS_OLD  "http://schema.omg.org/spec/BPMN/2.0"


/* ---------- diagnostics ---------- */

void mc_diag(compiler *c, int error, const xml_node *at, const char *element,
                 const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    model_diag_add(c->m, c->proc, error, at, element, buf);
}

/* Diagnostics live in the model's arena; the array doubles from 16 when
** full, so its capacity follows from the count. */
void model_diag_add(model *m, int proc, int error, const xml_node *at, const char *element,
                    const char *msg) {
    if (m->ndiag == 0 || (m->ndiag >= 16 && (m->ndiag & (m->ndiag - 1)) == 0)) {
        int cap = m->ndiag ? m->ndiag * 2 : 16;
        model_diag *d = arena_alloc(m->mem, sizeof *d * (size_t)cap);
        if (m->ndiag) memcpy(d, m->diags, sizeof *d * (size_t)m->ndiag);
        m->diags = d;
    }
    model_diag *d = &m->diags[m->ndiag++];
    d->error = error;
    d->proc = proc;
    d->line = at ? at->line : 0;
    d->element = arena_strdup(m->mem, element);
    d->msg = arena_strdup(m->mem, msg);
    if (error) m->nerr++;
}

/* ---------- element tables ---------- */

int model_is_bpmn(const xml_node *n) {
    return n->ns && (strcmp(n->ns, BPMN_NS) == 0 || strcmp(n->ns, BPMN_NS_OLD) == 0);
}

static const struct { const char *tag; el_kind kind; } node_tags[] = {
    {"startEvent", EL_START}, {"endEvent", EL_END},
    {"intermediateThrowEvent", EL_THROW_NONE},
    {"exclusiveGateway", EL_GW_EXCLUSIVE}, {"parallelGateway", EL_GW_PARALLEL},
    {"inclusiveGateway", EL_GW_INCLUSIVE},
    {"task", EL_TASK}, {"userTask", EL_TASK_USER}, {"manualTask", EL_TASK_MANUAL},
    {"scriptTask", EL_TASK_SCRIPT}, {"serviceTask", EL_TASK_SERVICE},
    {"intermediateCatchEvent", EL_CATCH_TIMER}, {"boundaryEvent", EL_BOUNDARY_TIMER},
    {"callActivity", EL_CALL}, {"receiveTask", EL_RECEIVE}, {"sendTask", EL_THROW_EVENT},
    {"businessRuleTask", EL_TASK_SERVICE}, {"subProcess", EL_SUBPROCESS}, {"transaction", EL_SUBPROCESS},
    {"adHocSubProcess", EL_SUBPROCESS},
    {"eventBasedGateway", EL_GW_EVENT}, {"complexGateway", EL_GW_COMPLEX},
};

/* Flow nodes BPMN defines that this engine does not execute yet: a model
** using one is refused at deploy time, naming the element. */
static const char *const unsupported_tags[] = {
    "callChoreography", "choreographyTask", "subChoreography", NULL
};

/* Process content that carries no behaviour for the engine. */
static const char *const passive_tags[] = {
    "documentation", "extensionElements", "laneSet", "sequenceFlow", "dataObject",
    "dataObjectReference", "dataStoreReference", "property", "ioSpecification",
    "textAnnotation", "association", "group", "auditing", "monitoring",
    "supportedInterfaceRef", "correlationSubscription", "resourceRole", "performer",
    "humanPerformer", "potentialOwner", "category", "ioBinding", "incoming", "outgoing",
    "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "dataInputAssociation",
    "dataOutputAssociation", "inputSet", "outputSet", "dataInput", "dataOutput", "rendering",
    "completionCondition", "categoryValueRef", NULL
};

int model_in_list(const char *const *list, const char *s) {
    for (; *list; list++) if (strcmp(*list, s) == 0) return 1;
    return 0;
}

/* The kind of a flow node element, EL_UNSUPPORTED for one BPMN defines
** but sdm does not run, -1 for anything that is not a flow node. */
static int node_kind(const xml_node *x) {
    for (size_t i = 0; i < sizeof node_tags / sizeof *node_tags; i++)
        if (strcmp(node_tags[i].tag, x->name) == 0) return (int)node_tags[i].kind;
    return model_in_list(unsupported_tags, x->name) ? EL_UNSUPPORTED : -1;
}

const char *model_kind_name(el_kind k) {
    if ((unsigned)k >= EL__COUNT || !el_kinds[k].name) sdm_panic("unknown element kind");
    return el_kinds[k].name;
}

/* ---------- small helpers ---------- */

const xml_node *model_child(const xml_node *x, const char *name) {
    for (const xml_node *c = x->child; c; c = c->next)
        if (model_is_bpmn(c) && strcmp(c->name, name) == 0) return c;
    return NULL;
}

/* Text with surrounding white space removed; NULL when empty. */
const char *model_trimmed(arena *a, const char *s) {
    if (!s) return NULL;
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) n--;
    return n ? arena_strndup(a, s, n) : NULL;
}

void mc_local_name(compiler *c, model_node *sp, const char *name);

const char *mc_sdm_attr(const xml_node *x, const char *name) {
    return xml_attr_get(x, SDM_NS, name);
}

void mc_sdm_texts(compiler *c, const xml_node *x, model_node *n, const mc_sdm_text *t, size_t nt) {
    for (size_t i = 0; i < nt; i++)
        *(const char **)((char *)n + t[i].at) = model_trimmed(c->m->mem, mc_sdm_attr(x, t[i].attr));
}

/* What every node may carry: its funnel stage, card fields, outcome, role matrix. */
static const mc_sdm_text node_texts[] = {
    {"stage", offsetof(model_node, stage)}, {"card", offsetof(model_node, card)},
    {"outcome", offsetof(model_node, outcome)}, {"accountable", offsetof(model_node, accountable)},
    {"consulted", offsetof(model_node, consulted)}, {"informed", offsetof(model_node, informed)},
};

static const char *describe(compiler *c, const xml_node *x, const char *id) {
    return arena_strdup(c->m->mem, id ? id : x->name);
}

/* ---------- event definitions ---------- */

int model_is_event_definition(const xml_node *c) {
    size_t n = strlen(c->name);
    return model_is_bpmn(c) && n > 15 && strcmp(c->name + n - 15, "EventDefinition") == 0;
}

/* The event definitions of an event, up to `max`: children, or ones
** defined at the top of the document and named by eventDefinitionRef (a
** dangling reference is kept as the eventDefinitionRef node itself, for
** the caller to report). Returns how many there are. */
static int event_definitions(const compiler *cc, const xml_node *x, const xml_node **v, int max) {
    int n = 0;
    for (const xml_node *c = x->child; c; c = c->next) {
        const xml_node *d = NULL;
        if (model_is_event_definition(c)) d = c;
        else if (!model_is_bpmn(c) || strcmp(c->name, "eventDefinitionRef") != 0) continue;
        for (const xml_node *r = cc->root->child; !d && r; r = r->next) {
            const char *ref = c->text;
            while (*ref == ' ' || *ref == '\n' || *ref == '\t') ref++;
            size_t len = strcspn(ref, " \n\t\r");
            const char *id = model_is_event_definition(r) ? xml_attr_get(r, NULL, "id") : NULL;
            if (id && strlen(id) == len && strncmp(id, ref, len) == 0) d = r;
        }
        if (n < max) v[n] = d ? d : c;
        n++;
    }
    return n;
}

/* timeDuration / timeDate / timeCycle of a timer definition. */
static void compile_timer(compiler *c, const xml_node *def, model_node *n) {
    static const struct { const char *tag; el_timer type; } forms[] = {
        {"timeDuration", TIMER_DURATION}, {"timeDate", TIMER_DATE}, {"timeCycle", TIMER_CYCLE}};
    for (size_t i = 0; i < 3; i++) {
        const xml_node *v = model_child(def, forms[i].tag);
        if (!v) continue;
        n->timer_type = forms[i].type;
        n->timer = model_dialect_timer(c->m->mem, model_trimmed(c->m->mem, v->text));
    }
    const char *w = mc_sdm_attr(def, "working");
    n->timer_working = w && strcmp(w, "true") == 0;
    if (!n->timer)
        mc_diag(c, 1, def, n->id, "timer of '%s' has no timeDuration, timeDate or timeCycle value [EXT.013]", n->id);
}

/* The name a message or signal is known by: the referenced <message> or
** <signal>'s name, else its id. NULL (reported) when the reference dangles. */
const char *mc_trigger_name(compiler *c, const xml_node *at, const char *ref, const char *id) {
    if (!ref || !*ref) {
        mc_diag(c, 1, at, id, "'%s' names no message or signal (messageRef/signalRef)%s", id,
             model_is_event_definition(at) ? " [EXT.127]" : "");
        return NULL;
    }
    for (const xml_node *d = c->root->child; d; d = d->next) {
        if (!model_is_bpmn(d) || (strcmp(d->name, "message") && strcmp(d->name, "signal") &&
                            strcmp(d->name, "escalation") && strcmp(d->name, "error"))) continue;
        const char *did = xml_attr_get(d, NULL, "id");
        if (!did || strcmp(did, ref)) continue;
        const char *name = xml_attr_get(d, NULL, "name");
        return arena_strdup(c->m->mem, name && *name ? name : did);
    }
    mc_diag(c, 1, at, id, "'%s' refers to '%s', which is no message or signal of the document", id, ref);
    return NULL;
}

/* The code an error or escalation is thrown or caught by: the referenced
** element's errorCode/escalationCode, else its id. No reference: NULL,
** which on a catching event means any. */
static const char *trigger_code(compiler *c, const xml_node *def, const char *what, const char *code_attr,
                                model_node *n) {
    const char *ref = xml_attr_get(def, NULL, strcmp(what, "error") == 0 ? "errorRef" : "escalationRef");
    if (!ref || !*ref) { n->event_name = what; return NULL; }
    n->event_name = mc_trigger_name(c, def, ref, n->id);
    if (!n->event_name) n->event_name = "";
    for (const xml_node *d = c->root->child; d; d = d->next) {
        const char *did = model_is_bpmn(d) && strcmp(d->name, what) == 0 ? xml_attr_get(d, NULL, "id") : NULL;
        if (!did || strcmp(did, ref)) continue;
        const char *code = xml_attr_get(d, NULL, code_attr);
        return arena_strdup(c->m->mem, code && *code ? code : ref);
    }
    return arena_strdup(c->m->mem, ref);
}

int mc_lua_format(const char *f);

/* A conditionalEventDefinition's condition: Lua over the instance's
** variables (BPMN names the child `condition`; some editors write
** `conditionExpression`). */
static const char *event_condition(compiler *c, const xml_node *def, const model_node *n) {
    const xml_node *ce = model_child(def, "condition");
    if (!ce) ce = model_child(def, "conditionExpression");
    const char *text = ce ? model_trimmed(c->m->mem, ce->text) : NULL;
    const char *lang = ce ? xml_attr_get(ce, NULL, "language") : NULL;
    if (!text)
        mc_diag(c, 1, def, n->id, "conditional event '%s' has no condition (a Lua expression in <condition>) [EXT.123]",
             n->id);
    else if (lang && *lang && !mc_lua_format(lang) && !strstr(lang, "lua"))
        mc_diag(c, 1, ce, n->id, "conditional event '%s': condition language '%s' is not Lua", n->id, lang);
    else if ((text[0] == '$' || text[0] == '#') && text[1] == '{')
        mc_diag(c, 1, ce, n->id, "conditional event '%s': condition '%s' is a JUEL expression; "
             "sdm conditions are Lua (e.g. amount > 1000)", n->id, text);
    else
        return text;
    return "false";
}

/* Events with a trigger other than a timer: the kind each takes, or -1
** when sdm does not run that combination. `kind` is the element's plain
** kind (catch events come in as EL_CATCH_TIMER, boundaries as
** EL_BOUNDARY_TIMER). */
static int triggered_kind(compiler *c, const xml_node *def, model_node *n, int kind) {
    static const struct { const char *def; el_trigger trigger; el_kind start, caught, boundary, thrown, end; } map[] = {
        {"messageEventDefinition", TR_MESSAGE, EL_START_MESSAGE, EL_CATCH_EVENT, EL_BOUNDARY_EVENT, EL_THROW_EVENT, EL_END_THROW},
        {"signalEventDefinition", TR_SIGNAL, EL_START_SIGNAL, EL_CATCH_EVENT, EL_BOUNDARY_EVENT, EL_THROW_EVENT, EL_END_THROW},
        {"escalationEventDefinition", TR_ESCALATION, EL_START_CATCH, -1, EL_BOUNDARY_EVENT, EL_THROW_EVENT, EL_END_THROW},
        {"errorEventDefinition", TR_ERROR, EL_START_CATCH, -1, EL_BOUNDARY_EVENT, -1, EL_END_THROW},
        {"compensateEventDefinition", TR_COMPENSATE, EL_START_CATCH, -1, EL_BOUNDARY_EVENT, EL_THROW_EVENT, EL_END_THROW},
        {"linkEventDefinition", TR_LINK, -1, EL_LINK_CATCH, -1, EL_LINK_THROW, -1},
        {"conditionalEventDefinition", TR_CONDITIONAL, EL_START_CONDITIONAL, EL_CATCH_EVENT, EL_BOUNDARY_EVENT, -1, -1},
        {"cancelEventDefinition", TR_CANCEL, -1, -1, EL_BOUNDARY_EVENT, -1, EL_END_THROW},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        if (strcmp(def->name, map[i].def) != 0) continue;
        int k = kind == EL_START ? (int)map[i].start : kind == EL_CATCH_TIMER ? (int)map[i].caught
              : kind == EL_BOUNDARY_TIMER ? (int)map[i].boundary : kind == EL_THROW_NONE ? (int)map[i].thrown
              : kind == EL_END ? (int)map[i].end : -1;
        if (k < 0) return -1;
        n->trigger = map[i].trigger;
        switch (n->trigger) {
        case TR_MESSAGE: case TR_SIGNAL: {
            int msg = n->trigger == TR_MESSAGE;
            n->event_name = mc_trigger_name(c, def, xml_attr_get(def, NULL, msg ? "messageRef" : "signalRef"), n->id);
            if (!n->event_name) n->event_name = "";
            break;
        }
        case TR_ESCALATION: n->code = trigger_code(c, def, "escalation", "escalationCode", n); break;
        case TR_ERROR: n->code = trigger_code(c, def, "error", "errorCode", n); break;
        case TR_COMPENSATE: n->comp_activity = model_trimmed(c->m->mem, xml_attr_get(def, NULL, "activityRef")); break;
        case TR_LINK:
            n->link_name = model_trimmed(c->m->mem, xml_attr_get(def, NULL, "name"));
            if (!n->link_name) mc_diag(c, 1, def, n->id, "link event '%s' has no name", n->id);
            break;
        case TR_CONDITIONAL: n->cond = event_condition(c, def, n); break;
        case TR_CANCEL: break;                  /* what it cancels is where it sits */
        case TR_NONE: case TR_TIMER: break;     /* not in the map */
        }
        if ((n->trigger == TR_ERROR || n->trigger == TR_CANCEL) && kind == EL_BOUNDARY_TIMER)
            n->interrupting = 1;                /* errors and cancellation always interrupt */
        return k;
    }
    return -1;
}

/* An event with several definitions: any one triggers a catch (with
** parallelMultiple="true" on an intermediate catch, all of them), a throw
** throws each. sdm combines messages and signals only; the first
** definition is the node's own trigger, the others its alternatives. */
static int several_definitions(compiler *c, const xml_node *x, model_node *n, int kind, const xml_node **defs,
                               int ndef) {
    const char *pm = xml_attr_get(x, NULL, "parallelMultiple");
    int all = pm && strcmp(pm, "true") == 0;
    if (ndef > 8) {
        mc_diag(c, 1, x, n->id, "%s '%s' has %d event definitions; sdm takes at most 8", x->name, n->id, ndef);
        return kind;
    }
    for (int i = 0; i < ndef; i++)
        if (strcmp(defs[i]->name, "messageEventDefinition") && strcmp(defs[i]->name, "signalEventDefinition")) {
            mc_diag(c, 1, defs[i], n->id, "%s '%s' has several event definitions, one a %s; sdm runs several "
                 "definitions of messages and signals only", x->name, n->id, defs[i]->name);
            return kind;
        }
    if (all && kind != EL_CATCH_TIMER) {
        mc_diag(c, 1, x, n->id, "%s '%s': parallelMultiple=\"true\" is supported on an intermediateCatchEvent only",
             x->name, n->id);
        return kind;
    }
    model_trig *alt = arena_alloc(c->m->mem, sizeof *alt * (size_t)(ndef - 1));
    model_node one;
    for (int i = 1; i < ndef; i++) {
        one = *n;
        triggered_kind(c, defs[i], &one, kind);
        alt[i - 1] = (model_trig){one.trigger, one.event_name};
    }
    int k = triggered_kind(c, defs[0], n, kind);
    n->alt = alt;
    n->nalt = ndef - 1;
    n->all_of = all;
    if (k == EL_START_MESSAGE || k == EL_START_SIGNAL) n->client = model_trimmed(c->m->mem, mc_sdm_attr(x, "client"));
    return k;
}

static int classify_event(compiler *c, const xml_node *x, model_node *n, int kind) {
    const char *id = n->id;
    const xml_node *defs[9];
    int ndef = event_definitions(c, x, defs, 9);
    const xml_node *def = ndef ? defs[0] : NULL;
    for (int i = 0; i < ndef && i < 9; i++)
        if (strcmp(defs[i]->name, "eventDefinitionRef") == 0) {
            mc_diag(c, 1, defs[i], id, "%s '%s': eventDefinitionRef '%s' names no event definition of the document [EXT.095, REF]",
                 x->name, id, defs[i]->text);
            return kind;
        }
    if (ndef > 1) return several_definitions(c, x, n, kind, defs, ndef);
    if (def) {
        int k = triggered_kind(c, def, n, kind);
        if (k >= 0) return k;
    }
    if (kind == EL_START && def && strcmp(def->name, "timerEventDefinition") == 0) {
        compile_timer(c, def, n);
        n->client = model_trimmed(c->m->mem, mc_sdm_attr(x, "client"));
        return EL_START_TIMER;
    }
    if (kind == EL_CATCH_TIMER || kind == EL_BOUNDARY_TIMER) {
        if (def && strcmp(def->name, "timerEventDefinition") == 0) { compile_timer(c, def, n); return kind; }
        if (!def) {
            mc_diag(c, 1, x, id, "%s '%s' has no event definition [%s]", x->name, id,
                 kind == EL_BOUNDARY_TIMER ? "EXT.110, EXT.130, EXT.147" : "EXT.148");
            return kind;
        }
    } else if (!def) {
        return kind;
    }
    if (kind == EL_END && strcmp(def->name, "terminateEventDefinition") == 0)
        return EL_END_TERMINATE;
    char what[64];
    snprintf(what, sizeof what, "%.*s", (int)(strlen(def->name) - 15), def->name);
    mc_diag(c, 1, x, id, "%s %s '%s' at %s:%d is not supported", what, x->name, id,
         c->m->file, x->line);
    return kind;
}

/* ---------- lanes → roles ---------- */

typedef struct role_ref { const char *node_id, *role; } role_ref;
typedef struct roles { role_ref *v; int n, cap; } roles;

static void collect_lanes(compiler *c, const xml_node *laneset, roles *r) {
    for (const xml_node *lane = laneset->child; lane; lane = lane->next) {
        if (!model_is_bpmn(lane) || strcmp(lane->name, "lane") != 0) continue;
        const char *role = mc_sdm_attr(lane, "role");
        if (!role || !*role) role = xml_attr_get(lane, NULL, "name");
        if (!role || !*role) role = xml_attr_get(lane, NULL, "id");
        role = model_trimmed(c->m->mem, role);
        for (const xml_node *ref = lane->child; ref; ref = ref->next) {
            if (!model_is_bpmn(ref)) continue;
            if (strcmp(ref->name, "flowNodeRef") == 0) {
                if (r->n == r->cap) {
                    r->cap = r->cap ? r->cap * 2 : 32;
                    r->v = xrealloc(r->v, sizeof *r->v * (size_t)r->cap);
                }
                r->v[r->n++] = (role_ref){model_trimmed(c->m->mem, ref->text), role};
            } else if (strcmp(ref->name, "childLaneSet") == 0) {
                collect_lanes(c, ref, r);   /* deeper lanes come later and win */
            }
        }
    }
}

/* ---------- tasks and extensions ---------- */

int mc_lua_format(const char *f) {
    return !f || !*f || strcasecmp(f, "lua") == 0 || strcasecmp(f, "text/x-lua") == 0 ||
           strcasecmp(f, "application/x-lua") == 0;
}

/* A MIME type: type/subtype, parameters after ';' (EXT.004, EXT.145). */
int mc_mime_type(const char *t) {
    size_t a = strcspn(t, "/;"), b = t[a] == '/' ? strcspn(t + a + 1, "/; \t") : 0;
    return a && b && strcspn(t, " \t") >= a + 1 + b && (!t[a + 1 + b] || t[a + 1 + b] == ';');
}

/* An expression as written, or NULL (reported) when it is in another
** language than Lua: FEEL, JUEL, Python, or names Lua cannot read. */
const char *mc_expr(compiler *c, const xml_node *at, const char *id, const char *what, const char *text) {
    char hint[768];
    if (!text || !model_dialect_hint(text, hint, sizeof hint)) return text;
    mc_diag(c, 1, at, id, "%s '%s': %s", what, id, hint);
    return NULL;
}

/* Whether the document holds an expression sdm would evaluate (a
** condition of any kind, a loop's cardinality): only then does a declared
** expressionLanguage change what the file means. */
static int has_expression(const xml_node *x) {
    static const char *const tags[] = {"conditionExpression", "condition", "completionCondition", "loopCondition",
                                       "loopCardinality", "activationCondition", NULL};
    for (; x; x = x->next) {
        if (model_is_bpmn(x) && model_in_list(tags, x->name) && x->text[strspn(x->text, " \t\r\n")]) return 1;
        if (has_expression(x->child)) return 1;
    }
    return 0;
}

/* The expressionLanguage the definitions declare when it is not Lua, else
** NULL. Such a document is written for another engine: what sdm reads its
** own way where nothing is declared (untyped expressions as Lua, messages
** by name) is held to the spec there (constraints.c). */
const char *mc_foreign_language(const xml_node *root) {
    const char *el = xml_attr_get(root, NULL, "expressionLanguage");
    return el && *el && !mc_lua_format(el) && !strcasestr(el, "lua") ? el : NULL;
}

/* What an expressionLanguage URI is, in words, for messages. */
static const char *expr_language_name(const char *uri) {
    if (strcasestr(uri, "feel")) return "FEEL, as Camunda 8 and DMN write it";
    if (strcasestr(uri, "xpath")) return "XPath, BPMN's default";
    if (strcasestr(uri, "juel") || strcasestr(uri, "java")) return "JUEL, as Camunda 7 writes it";
    if (strcasestr(uri, "groovy")) return "Groovy";
    if (strcasestr(uri, "javascript") || strcasestr(uri, "ecmascript")) return "JavaScript";
    if (strcasestr(uri, "python")) return "Python";
    return "not Lua";
}

static void compile_checkpoints(compiler *c, const xml_node *x, model_node *n) {
    const xml_node *ext = model_child(x, "extensionElements");
    if (!ext) return;
    int count = 0;
    for (const xml_node *e = ext->child; e; e = e->next)
        if (xml_is(e, SDM_NS, "checkpoint")) count++;
    if (!count) return;
    n->cps = arena_alloc(c->m->mem, sizeof *n->cps * (size_t)count);
    for (const xml_node *e = ext->child; e; e = e->next) {
        if (!xml_is(e, SDM_NS, "checkpoint")) continue;
        model_checkpoint *cp = &n->cps[n->ncp++];
        cp->line = e->line;
        cp->id = arena_strdup(c->m->mem, xml_attr_get(e, NULL, "id"));
        cp->severity = arena_strdup(c->m->mem, xml_attr_get(e, NULL, "severity"));
        if (!cp->severity) cp->severity = "warning";
        cp->file = arena_strdup(c->m->mem, xml_attr_get(e, NULL, "script"));
        cp->code = model_trimmed(c->m->mem, e->text);
        const char *on = xml_attr_get(e, NULL, "on");
        /* words split at ASCII white space and commas only, so a word in
        ** another script stays whole in the message */
        for (const char *p = on ? on : ""; *p; ) {
            p += strspn(p, " \t\r\n,|");
            int len = (int)strcspn(p, " \t\r\n,|");
            if (!len) break;
            if (len == 5 && strncmp(p, "enter", 5) == 0) cp->on |= CP_ENTER;
            else if (len == 5 && strncmp(p, "leave", 5) == 0) cp->on |= CP_LEAVE;
            else if (len == 3 && strncmp(p, "due", 3) == 0) cp->on |= CP_DUE;
            else mc_diag(c, 1, e, n->id, "checkpoint on '%s': '%.*s' is not enter, leave or due", n->id, len, p);
            p += len;
        }
        if (!cp->on) mc_diag(c, 1, e, n->id, "checkpoint on '%s' needs on=\"enter|leave|due\"", n->id);
        if (!cp->file == !cp->code)
            mc_diag(c, 1, e, n->id, "checkpoint on '%s' needs either script=\"file.lua\" or inline Lua, not %s",
                 n->id, cp->file ? "both" : "neither");
    }
}

static void compile_node(compiler *c, const xml_node *x, model_node *n, int kind) {
    arena *a = c->m->mem;
    n->id = arena_strdup(a, xml_attr_get(x, NULL, "id"));
    n->name = model_trimmed(a, xml_attr_get(x, NULL, "name"));
    n->tag = arena_strdup(a, x->name);
    n->line = x->line;
    n->dflt = -1;
    const xml_node *doc = model_child(x, "documentation");
    n->doc = doc ? model_trimmed(a, doc->text) : NULL;
    if (!n->doc) n->doc = "";
    mc_sdm_texts(c, x, n, node_texts, sizeof node_texts / sizeof *node_texts);
    n->attached = n->parent = n->start = n->comp = n->link = -1;
    n->interrupting = 1;
    const char *ca = kind == EL_BOUNDARY_TIMER ? xml_attr_get(x, NULL, "cancelActivity")
                   : kind == EL_START ? xml_attr_get(x, NULL, "isInterrupting") : NULL;
    if (ca) n->interrupting = strcmp(ca, "false") != 0;
    if (kind == EL_START || kind == EL_END || kind == EL_THROW_NONE || kind == EL_CATCH_TIMER ||
        kind == EL_BOUNDARY_TIMER)
        kind = classify_event(c, x, n, kind);
    if (kind == EL_START_SIGNAL) n->client = model_trimmed(a, mc_sdm_attr(x, "client"));
    n->corr = model_trimmed(a, mc_sdm_attr(x, "correlationKey"));
    if (kind == EL_RECEIVE || (kind == EL_THROW_EVENT && strcmp(x->name, "sendTask") == 0)) {
        n->trigger = TR_MESSAGE;
        n->event_name = mc_trigger_name(c, x, xml_attr_get(x, NULL, "messageRef"), n->id);
        if (!n->event_name) n->event_name = "";
    }
    if (kind == EL_RECEIVE) {
        const char *inst = xml_attr_get(x, NULL, "instantiate");
        n->instantiate = inst && strcmp(inst, "true") == 0;
    }
    n->kind = (el_kind)kind;
    if (n->outcome && strcmp(n->outcome, "success") && strcmp(n->outcome, "failure"))
        mc_diag(c, 1, x, n->id, "%s '%s': sdm:outcome must be success or failure", x->name, n->id);
    mc_compile_task(c, x, n);
    model_dialect_vendor(c->m, c->proc, x, n);
    compile_checkpoints(c, x, n);
    mc_compile_form(c, x, n);
    mc_compile_loop(c, x, n);
    if (n->kind == EL_SUBPROCESS) {
        const char *t = xml_attr_get(x, NULL, "triggeredByEvent");
        n->triggered = t && strcmp(t, "true") == 0;
        n->transaction = strcmp(x->name, "transaction") == 0;
        if (strcmp(x->name, "adHocSubProcess") == 0) mc_compile_adhoc(c, x, n);
    }
    if (n->kind == EL_GW_COMPLEX) {
        const xml_node *ac = model_child(x, "activationCondition");
        n->activation = ac ? mc_expr(c, ac, n->id, "activationCondition of", model_trimmed(c->m->mem, ac->text)) : NULL;
    }
    if (n->kind == EL_GW_EVENT) {
        const char *inst = xml_attr_get(x, NULL, "instantiate");
        if (inst && strcmp(inst, "true") == 0)
            mc_diag(c, 1, x, n->id, "eventBasedGateway '%s': instantiate=\"true\" is not supported", n->id);
    }
    if (n->kind == EL_CALL) {
        const char *ce = model_trimmed(c->m->mem, xml_attr_get(x, NULL, "calledElement"));
        if (ce) n->called = ce;                  /* else zeebe:calledElement's, if any (dialect.c) */
        if (!n->called)
            mc_diag(c, 1, x, n->id, "callActivity '%s' has no calledElement (the id of the process to run)", n->id);
        mc_compile_call(c, x, n);
        if (n->called) mc_call_global_task(c, n);
    }
}

/* ---------- flows ---------- */

static const char *condition(compiler *c, const xml_node *f, const char *id) {
    const xml_node *ce = model_child(f, "conditionExpression");
    if (!ce) return NULL;
    const char *lang = xml_attr_get(ce, NULL, "language");
    const char *text = model_trimmed(c->m->mem, ce->text);
    if (!text) return NULL;
    if (lang && *lang && !mc_lua_format(lang) && !strstr(lang, "lua")) {
        mc_diag(c, 1, ce, id, "sequenceFlow '%s': condition language '%s' is not Lua", id, lang);
        return NULL;
    }
    return mc_expr(c, ce, id, "the condition of sequenceFlow", text);
}

static int cmp_node_id(const void *a, const void *b, void *ctx) {
    const model_proc *p = ctx;
    return strcmp(p->nodes[*(const int *)a].id, p->nodes[*(const int *)b].id);
}

int model_listens(const model_node *n, el_trigger tr, const char *name) {
    if (n->trigger == tr && n->event_name && strcmp(n->event_name, name) == 0) return 1;
    for (int k = 0; k < n->nalt; k++)
        if (n->alt[k].trigger == tr && strcmp(n->alt[k].event_name, name) == 0) return 1;
    return 0;
}

int model_node_find(const model_proc *p, const char *id) {
    int lo = 0, hi = p->nnode - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, i = p->by_id[mid];
        int r = strcmp(id, p->nodes[i].id);
        if (r == 0) return i;
        if (r < 0) hi = mid - 1; else lo = mid + 1;
    }
    return -1;
}

/* Flows in document order; each must join two nodes of the container it
** is drawn in (flows never cross a subprocess's border). */
static void link_flows(compiler *c, model_proc *p) {
    arena *a = c->m->mem;
    for (int fi = 0; fi < p->nflow; fi++) {
        const xml_node *x = c->fx[fi];
        model_flow *f = &p->flows[fi];
        f->id = arena_strdup(a, xml_attr_get(x, NULL, "id"));
        f->name = model_trimmed(a, xml_attr_get(x, NULL, "name"));
        f->line = x->line;
        const char *src = xml_attr_get(x, NULL, "sourceRef"), *dst = xml_attr_get(x, NULL, "targetRef");
        f->src = src ? model_node_find(p, src) : -1;
        f->dst = dst ? model_node_find(p, dst) : -1;
        if (f->src < 0)
            mc_diag(c, 1, x, f->id, "sequenceFlow '%s' starts at '%s', which is not a node of process '%s'",
                 f->id, src ? src : "(none)", p->id);
        if (f->dst < 0)
            mc_diag(c, 1, x, f->id, "sequenceFlow '%s' leads to '%s', which is not a node of process '%s'",
                 f->id, dst ? dst : "(none)", p->id);
        for (int end = 0; end < 2; end++) {
            int n = end ? f->dst : f->src;
            if (n >= 0 && p->nodes[n].parent != c->fscope[fi]) {
                mc_diag(c, 1, x, f->id, "sequenceFlow '%s' crosses the border of a subprocess at '%s' [EXT.152]", f->id,
                     p->nodes[n].id);
                if (end) f->dst = -1; else f->src = -1;
            }
        }
        f->cond = condition(c, x, f->id);
        if (f->src >= 0) p->nodes[f->src].nout++;
        if (f->dst >= 0) p->nodes[f->dst].nin++;
    }
    for (int i = 0; i < p->nnode; i++) {
        model_node *n = &p->nodes[i];
        n->out = arena_alloc(a, sizeof(int) * (size_t)(n->nout + 1));
        n->in = arena_alloc(a, sizeof(int) * (size_t)(n->nin + 1));
        n->nout = n->nin = 0;
    }
    for (int i = 0; i < p->nflow; i++) {
        model_flow *f = &p->flows[i];
        if (f->src >= 0) p->nodes[f->src].out[p->nodes[f->src].nout++] = i;
        if (f->dst >= 0) p->nodes[f->dst].in[p->nodes[f->dst].nin++] = i;
    }
}

/* ---------- validation ---------- */

static void check_defaults(compiler *c, model_proc *p) {
    for (int i = 0; i < p->nnode; i++) {
        const xml_node *x = c->nx[i];
        model_node *n = &p->nodes[i];
        const char *d = xml_attr_get(x, NULL, "default");
        if (!d) continue;
        for (int k = 0; k < n->nout; k++)
            if (strcmp(p->flows[n->out[k]].id ? p->flows[n->out[k]].id : "", d) == 0) n->dflt = n->out[k];
        if (n->dflt < 0)
            mc_diag(c, 1, x, n->id, "%s '%s': default flow '%s' is not one of its outgoing flows [EXT.026]",
                 n->tag, n->id, d);
        else if (p->flows[n->dflt].cond)
            mc_diag(c, 0, x, n->id, "%s '%s': the condition on default flow '%s' is ignored",
                 n->tag, n->id, d);
    }
}

/* An ad-hoc subprocess runs its inner activities that have no incoming
** flow (not boundary events, compensation handlers or event
** subprocesses); it holds no start or end events (EXT.062) and at least
** one activity (EXT.061). */
static void wire_adhoc(compiler *c, model_proc *p) {
    for (int i = 0; i < p->nnode; i++) {
        model_node *a = &p->nodes[i];
        if (!a->adhoc) continue;
        a->enabled = arena_alloc(c->m->mem, sizeof(int) * (size_t)p->nnode);
        int activities = 0;
        for (int k = i + 1; k < p->nnode; k++) {
            const model_node *n = &p->nodes[k];
            if (n->parent != i) continue;
            const char *fc = xml_attr_get(c->nx[k], NULL, "isForCompensation");
            activities += el_is(n->kind, EK_ACTIVITY);
            if (el_is(n->kind, EK_START) || el_is(n->kind, EK_END))
                mc_diag(c, 1, c->nx[k], n->id, "adHocSubProcess '%s' holds %s '%s'; an ad-hoc subprocess has no start "
                     "or end events (its activities are enabled as it starts) [EXT.062]", a->id, n->tag, n->id);
            else if (el_is(n->kind, EK_ACTIVITY) && !n->nin && !n->triggered && !(fc && strcmp(fc, "true") == 0))
                a->enabled[a->nenabled++] = k;
        }
        if (!a->nenabled)                /* EXT.061 names only the case of no activity at all */
            mc_diag(c, 1, c->nx[i], a->id, "adHocSubProcess '%s' holds no activity to run; an ad-hoc subprocess "
                 "holds at least one activity%s", a->id, activities ? "" : " [EXT.061]");
    }
}

/* Subprocesses: each has one start event, none for an embedded one, a
** trigger for an event subprocess; event subprocesses register with the
** scope they watch. */
static void wire_scopes(compiler *c, model_proc *p) {
    arena *a = c->m->mem;
    for (int i = 0; i < p->nnode; i++) {
        model_node *n = &p->nodes[i];
        const xml_node *x = c->nx[i];
        if (n->kind == EL_SUBPROCESS) p->nested = 1;
        if (n->loop) p->nested = 1;
        if (n->trigger == TR_CONDITIONAL) p->nconditional++;
        if (n->kind == EL_START && n->parent < 0) p->starts[p->nstart++] = i;
        if (n->kind == EL_START_TIMER && n->parent < 0 && n->timer && n->timer[0] == '=')
            mc_diag(c, 1, x, n->id, "timer startEvent '%s': a Lua timer needs an instance; give an ISO 8601 value", n->id);
        if (n->kind == EL_SUBPROCESS && n->triggered) {
            int *cnt = n->parent >= 0 ? &p->nodes[n->parent].nevsub : &p->nevsub;
            int **v = n->parent >= 0 ? &p->nodes[n->parent].evsubs : &p->evsubs;
            if (!*v) *v = arena_alloc(a, sizeof(int) * (size_t)p->nnode);
            (*v)[(*cnt)++] = i;
            if (n->nin || n->nout)
                mc_diag(c, 1, x, n->id, "event subProcess '%s' has %s sequence flows; it starts by its event [%s]", n->id,
                     n->nin ? "incoming" : "outgoing", n->nin ? "EXT.022, EXT.057" : "EXT.021, EXT.057");
            if (n->loop) mc_diag(c, 1, x, n->id, "event subProcess '%s' cannot loop", n->id);
        }
        if (!el_is(n->kind, EK_START)) continue;
        const model_node *sp = n->parent >= 0 ? &p->nodes[n->parent] : NULL;
        int in_event_sub = sp && sp->triggered;
        if (n->kind == EL_START_CONDITIONAL && !sp)
            mc_diag(c, 1, x, n->id, "conditional startEvent '%s' of process '%s': nothing evaluates a condition before an "
                 "instance exists; start with a none start event and wait at a conditional intermediate event, or "
                 "use a signal start event", n->id, p->id);
        const char *by = n->trigger == TR_ERROR ? "error" : n->trigger == TR_ESCALATION ? "escalation" : "compensation";
        if (n->kind == EL_START_CATCH && !in_event_sub)
            mc_diag(c, 1, x, n->id, "%s startEvent '%s': only an event subProcess starts by an %s", by, n->id, by);
        if (n->kind == EL_START_CATCH && in_event_sub && n->trigger == TR_COMPENSATE) {
            /* it compensates the subprocess holding it, in place of compensating what ran inside */
            if (sp->parent < 0)
                mc_diag(c, 1, x, n->id, "compensation startEvent '%s': its event subProcess '%s' must be inside a subProcess, "
                     "which it compensates", n->id, sp->id);
            else if (p->nodes[sp->parent].comp >= 0)
                mc_diag(c, 1, x, n->id, "subProcess '%s' has several compensation event subProcesses", p->nodes[sp->parent].id);
            else {
                p->nodes[sp->parent].comp = n->parent;
                p->nodes[sp->parent].compensable = 1;
            }
        }
        if (!sp) continue;
        if (in_event_sub == (n->kind == EL_START))
            mc_diag(c, 1, x, n->id, in_event_sub ? "startEvent '%s' of event subProcess '%s' has no trigger "
                 "(message, timer, signal, conditional, error or escalation) [EXT.059, EXT.129]"
                 : "startEvent '%s' of subProcess '%s' has a trigger; an embedded subprocess starts with a none start event [EXT.100]",
                 n->id, sp->id);
        if (sp->start >= 0)
            mc_diag(c, 1, x, n->id, "subProcess '%s' has several start events ('%s', '%s') [EXT.058]", sp->id,
                 p->nodes[sp->start].id, n->id);
        else
            p->nodes[n->parent].start = i;
    }
    for (int i = 0; i < p->nnode; i++)
        if (p->nodes[i].kind == EL_SUBPROCESS && p->nodes[i].start < 0 && !p->nodes[i].adhoc)
            mc_diag(c, 1, c->nx[i], p->nodes[i].id, "%s '%s' has no start event%s", p->nodes[i].tag, p->nodes[i].id,
                 p->nodes[i].triggered ? " [EXT.058]" : "; sdm enters an embedded subprocess at its start event");
    wire_adhoc(c, p);
}

static void check_graph(compiler *c, model_proc *p, const xml_node *px) {
    int message_starts = 0;
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        if (n->kind != EL_START_CONDITIONAL)
            message_starts += n->parent < 0 && ((el_is(n->kind, EK_START) && n->kind != EL_START) || n->instantiate);
        if (n->instantiate && (n->parent >= 0 || n->loop))    /* incoming flows: EXT.049 (constraints.c) */
            mc_diag(c, 1, c->nx[i], n->id, "receiveTask '%s' with instantiate=\"true\" starts the process: it must be at "
                 "process level, without a loop", n->id);
    }
    if (p->nstart == 0 && !message_starts && p->nnode > 0)      /* a black-box pool is never started */
        mc_diag(c, 1, px, p->id, "process '%s' has no start event sdm can start", p->id);
    for (int i = 0; i < p->nnode; i++) {
        model_node *n = &p->nodes[i];
        const xml_node *at = c->nx[i];
        int gw = el_is(n->kind, EK_GATEWAY);
        if (el_is(n->kind, EK_OR_JOIN) && n->nin > 1) p->n_or_join++;
        if (n->kind == EL_GW_COMPLEX && n->nin > 1 && !n->activation)
            mc_diag(c, 1, at, n->id, "complexGateway '%s' joins %d flows but has no activationCondition", n->id, n->nin);
        if (gw && n->nout == 0)
            mc_diag(c, 1, at, n->id, "%s '%s' has no outgoing sequence flow", n->tag, n->id);
        if (el_is(n->kind, EK_BOUNDARY) && n->nin > 0)
            mc_diag(c, 1, at, n->id, "boundaryEvent '%s' has incoming sequence flows [EXT.112]", n->id);
        if (el_is(n->kind, EK_BOUNDARY) && n->trigger != TR_COMPENSATE && n->nout == 0)
            mc_diag(c, 1, at, n->id, "boundaryEvent '%s' has no outgoing sequence flow (where its path goes) [EXT.113]", n->id);
        if (el_is(n->kind, EK_START) && n->nin > 0)
            mc_diag(c, 1, at, n->id, "startEvent '%s' has incoming sequence flows [EXT.096]", n->id);
        if (el_is(n->kind, EK_END) && n->nout > 0)
            mc_diag(c, 1, at, n->id, "endEvent '%s' has outgoing sequence flows [EXT.104]", n->id);
        if (n->kind == EL_GW_PARALLEL)
            for (int k = 0; k < n->nout; k++)
                if (p->flows[n->out[k]].cond)
                    mc_diag(c, 0, at, n->id, "%s '%s': condition on flow '%s' is ignored", n->tag,
                         n->id, p->flows[n->out[k]].id);
        if (n->kind == EL_GW_EVENT)
            for (int k = 0; k < n->nout; k++) {
                const model_node *t = &p->nodes[p->flows[n->out[k]].dst < 0 ? i : p->flows[n->out[k]].dst];
                if (t->kind != EL_CATCH_TIMER && t->kind != EL_CATCH_EVENT && t->kind != EL_RECEIVE)
                    mc_diag(c, 1, at, n->id, "eventBasedGateway '%s' leads to %s '%s'; it must lead to timer, "
                         "message or signal catch events or receive tasks [EXT.138]", n->id, t->tag, t->id);
            }
        if (n->kind == EL_LINK_THROW && n->link_name) {
            for (int k = 0; k < p->nnode && n->link < 0; k++)
                if (p->nodes[k].kind == EL_LINK_CATCH && p->nodes[k].parent == n->parent &&
                    p->nodes[k].link_name && strcmp(p->nodes[k].link_name, n->link_name) == 0) n->link = k;
            if (n->link < 0)
                mc_diag(c, 1, at, n->id, "link '%s' of '%s' has no link catch event of that name in its scope [EXT.118, EXT.125]",
                     n->link_name, n->id);
        }
    }
    /* Reachability: a breadth-first walk from every start event, link
    ** catch and compensation handler, at every level. */
    char *seen = xcalloc((size_t)p->nnode + 1, 1);
    int *queue = xmalloc(sizeof(int) * ((size_t)p->nnode + 1)), qn = 0;
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        if (el_is(n->kind, EK_START) || n->kind == EL_LINK_CATCH || (n->kind == EL_BOUNDARY_EVENT && n->comp >= 0) ||
            (n->kind == EL_SUBPROCESS && n->triggered) || (n->parent >= 0 && p->nodes[n->parent].adhoc && !n->nin) ||
            n->instantiate) {
            seen[i] = 1;
            queue[qn++] = i;
        }
    }
    for (int q = 0; q < qn; q++) {
        const model_node *n = &p->nodes[queue[q]];
        int extra = n->comp >= 0 ? 1 : 0;
        for (int k = 0; k < n->nout + n->nbnd + extra; k++) {
            int d = k < n->nout ? p->flows[n->out[k]].dst : k < n->nout + n->nbnd ? n->bnd[k - n->nout] : n->comp;
            if (d >= 0 && !seen[d]) { seen[d] = 1; queue[qn++] = d; }
        }
    }
    for (int i = 0; i < p->nnode && (p->nstart || message_starts); i++)
        if (!seen[i])
            mc_diag(c, 0, c->nx[i], p->nodes[i].id, "%s '%s' cannot be reached from any start event",
                 p->nodes[i].tag, p->nodes[i].id);
    free(seen);
    free(queue);
}

/* ---------- boundary events ---------- */

/* Which activities a boundary event may sit on: waiting activities for
** time, messages and signals; errors and escalations on what can throw
** them from inside (subprocesses, call activities; errors also Lua tasks,
** by bpmn_error()); compensation on any activity. */
static int boundary_fits(const model_node *b, const model_node *a) {
    int waits = el_is(a->kind, EK_ACTIVITY) && el_is(a->kind, EK_WAITS) && !(a->kind == EL_SUBPROCESS && a->triggered);
    if (a->loop && a->loop->nev) waits = 1;      /* catches what its multi-instance behavior throws */
    switch (b->kind == EL_BOUNDARY_TIMER ? TR_TIMER : b->trigger) {
    case TR_TIMER: case TR_MESSAGE: case TR_SIGNAL: case TR_CONDITIONAL: return waits;
    case TR_ESCALATION: return el_is(a->kind, EK_INNER);
    case TR_ERROR: return el_is(a->kind, EK_INNER | EK_LUA);
    case TR_COMPENSATE: return a->kind != EL_SUBPROCESS || !a->triggered;
    case TR_CANCEL: return a->kind == EL_SUBPROCESS && a->transaction;
    case TR_NONE: case TR_LINK: break;      /* no boundary event has these */
    }
    return 0;
}

static void attach_boundaries(compiler *c, model_proc *p) {
    for (int i = 0; i < p->nnode; i++) {
        const xml_node *x = c->nx[i];
        model_node *n = &p->nodes[i];
        if (!el_is(n->kind, EK_BOUNDARY)) continue;
        const char *ref = xml_attr_get(x, NULL, "attachedToRef");
        n->attached = ref ? model_node_find(p, ref) : -1;
        if (n->attached < 0) {
            mc_diag(c, 1, x, n->id, "boundaryEvent '%s' is attached to '%s', which is not a node of process '%s'",
                 n->id, ref ? ref : "(none)", p->id);
            continue;
        }
        model_node *a = &p->nodes[n->attached];
        int timely = n->kind == EL_BOUNDARY_TIMER || n->trigger == TR_MESSAGE || n->trigger == TR_SIGNAL ||
                     n->trigger == TR_CONDITIONAL;
        if (!boundary_fits(n, a) && timely && a->kind != EL_SUBPROCESS) {
            /* allowed by BPMN, but the task does not wait: nothing can happen while it runs */
            mc_diag(c, 0, x, n->id, "boundaryEvent '%s' on %s '%s' never fires: the task runs at once, without waiting",
                 n->id, a->tag, a->id);
            continue;
        }
        if (!boundary_fits(n, a) && n->trigger == TR_CANCEL) {
            mc_diag(c, 1, x, n->id, "cancel boundaryEvent '%s' is attached to %s '%s'; only a transaction is cancelled "
                 "[EXT.111, EXT.120]", n->id, a->tag, a->id);
            continue;
        }
        if (!boundary_fits(n, a)) {
            mc_diag(c, 1, x, n->id, "%s boundaryEvent '%s' on %s '%s' is not supported", n->kind == EL_BOUNDARY_TIMER
                 ? "timer" : n->trigger == TR_MESSAGE ? "message" : n->trigger == TR_SIGNAL ? "signal" : n->trigger == TR_ESCALATION
                 ? "escalation" : n->trigger == TR_ERROR ? "error" : n->trigger == TR_CONDITIONAL ? "conditional" : "compensate",
                 n->id, a->tag, a->id);
            continue;
        }
        if (a->parent != n->parent)
            mc_diag(c, 1, x, n->id, "boundaryEvent '%s' and '%s' are not in the same scope", n->id, a->id);
        if (n->trigger == TR_COMPENSATE) a->compensable = 1;
        if (!a->bnd) a->bnd = arena_alloc(c->m->mem, sizeof(int) * (size_t)p->nnode);
        a->bnd[a->nbnd++] = i;
    }
}

/* A cancel end event sits in a transaction (its innermost subprocess),
** which has a cancel boundary event to leave by once cancelled. */
static void check_cancel(compiler *c, model_proc *p) {
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        if (n->kind != EL_END_THROW || n->trigger != TR_CANCEL) continue;
        const model_node *t = n->parent >= 0 ? &p->nodes[n->parent] : NULL;
        int leaves = 0;
        for (int k = 0; t && k < t->nbnd; k++) leaves |= p->nodes[t->bnd[k]].trigger == TR_CANCEL;
        int within = 0;                  /* EXT.106 asks for a transaction anywhere around it */
        for (int up = n->parent; up >= 0 && !within; up = p->nodes[up].parent) within = p->nodes[up].transaction;
        if (!t || !t->transaction)
            mc_diag(c, 1, c->nx[i], n->id, "cancel endEvent '%s' is not inside a transaction; only a transaction "
                 "is cancelled%s", n->id, within ? "" : " [EXT.106]");
        else if (!leaves)
            mc_diag(c, 1, c->nx[i], n->id, "cancel endEvent '%s': transaction '%s' has no cancel boundaryEvent to "
                 "leave by once cancelled", n->id, t->id);
        else if (t->loop)
            mc_diag(c, 1, c->nx[i], n->id, "cancel endEvent '%s': cancelling one instance of multi-instance "
                 "transaction '%s' is not supported", n->id, t->id);
    }
}

/* A compensation boundary names its handler by an association; the
** handler is an activity marked isForCompensation. */
static void link_compensation(compiler *c, model_proc *p) {
    for (int k = 0; k < c->nassoc; k++) {
        const char *src = xml_attr_get(c->assoc[k], NULL, "sourceRef"), *dst = xml_attr_get(c->assoc[k], NULL, "targetRef");
        int b = src ? model_node_find(p, src) : -1, h = dst ? model_node_find(p, dst) : -1;
        if (b < 0 || h < 0 || p->nodes[b].kind != EL_BOUNDARY_EVENT || p->nodes[b].trigger != TR_COMPENSATE) continue;
        p->nodes[b].comp = h;
        const char *fc = xml_attr_get(c->nx[h], NULL, "isForCompensation");
        if (!fc || strcmp(fc, "true"))
            mc_diag(c, 1, c->nx[h], p->nodes[h].id, "'%s' handles compensation of '%s' but is not isForCompensation=\"true\" [EXT.144]",
                 p->nodes[h].id, p->nodes[b].id);
    }
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        if (n->kind == EL_BOUNDARY_EVENT && n->trigger == TR_COMPENSATE && n->comp < 0)
            mc_diag(c, 1, c->nx[i], n->id, "compensation boundaryEvent '%s' has no handler (an association to an "
                 "activity with isForCompensation=\"true\") [EXT.143]", n->id);
        if ((n->kind == EL_THROW_EVENT || n->kind == EL_END_THROW) && n->trigger == TR_COMPENSATE && n->comp_activity &&
            model_node_find(p, n->comp_activity) < 0)
            mc_diag(c, 1, c->nx[i], n->id, "'%s' compensates activity '%s', which is not a node of process '%s'",
                 n->id, n->comp_activity, p->id);
    }
}

/* ---------- processes ---------- */

/* Counts what a container (process or subProcess) holds, at every depth. */
static void count_children(compiler *c, const xml_node *px, model_proc *p) {
    for (const xml_node *x = px->child; x; x = x->next) {
        if (!model_is_bpmn(x)) continue;             /* vendor extensions: ignored */
        const char *id = xml_attr_get(x, NULL, "id");
        int k = node_kind(x);
        if (k >= 0) {
            if (!id || !*id) mc_diag(c, 1, x, NULL, "%s at line %d has no id [EXT.003]", x->name, x->line);
            if (k == EL_UNSUPPORTED)
                mc_diag(c, 1, x, id, "%s '%s' at %s:%d is not supported", x->name, describe(c, x, id),
                     c->m->file, x->line);
            p->nnode++;
            if (k == EL_SUBPROCESS) count_children(c, x, p);
        } else if (strcmp(x->name, "sequenceFlow") == 0) {
            p->nflow++;
        } else if (strcmp(x->name, "association") == 0) {
            c->nassoc++;
        } else if (!model_in_list(passive_tags, x->name)) {
            mc_diag(c, 1, x, id, "unknown BPMN element <%s> in process '%s'", x->name, p->id);
        }
    }
}

static void add_local(compiler *c, model_node *sp, const xml_node *x) {
    const char *name = xml_attr_get(x, NULL, "name");
    name = model_trimmed(c->m->mem, name && *name ? name : xml_attr_get(x, NULL, "id"));
    if (name) mc_local_name(c, sp, name);
}

void mc_local_name(compiler *c, model_node *sp, const char *name) {
    const char **v = arena_alloc(c->m->mem, sizeof *v * (size_t)(sp->nlocal + 1));
    if (sp->nlocal) memcpy(v, sp->locals, sizeof *v * (size_t)sp->nlocal);
    v[sp->nlocal++] = name;
    sp->locals = v;
}

/* Compiles a container's nodes in document order, a subprocess before
** what it holds, so a node's parent always has a smaller index. */
static void compile_container(compiler *c, const xml_node *px, model_proc *p, int parent, roles *r) {
    for (const xml_node *x = px->child; x; x = x->next) {
        if (!model_is_bpmn(x)) continue;
        int k = node_kind(x);
        if (k >= 0) {
            int i = c->ni++;
            model_node *n = &p->nodes[i];
            c->nx[i] = x;
            compile_node(c, x, n, k);
            if (!n->id) n->id = "";
            n->parent = parent;
            p->by_id[i] = i;
            if (k == EL_SUBPROCESS) compile_container(c, x, p, i, r);
        } else if (strcmp(x->name, "sequenceFlow") == 0) {
            c->fx[c->nf] = x;
            c->fscope[c->nf++] = parent;
        } else if (strcmp(x->name, "association") == 0) {
            c->assoc[c->nassoc++] = x;
        } else if (strcmp(x->name, "laneSet") == 0 && parent < 0) {
            collect_lanes(c, x, r);
        } else if (strcmp(x->name, "dataObject") == 0 && parent >= 0) {
            add_local(c, &p->nodes[parent], x);
        }
    }
}

static void compile_process(compiler *c, const xml_node *px, model_proc *p) {
    arena *a = c->m->mem;
    p->id = arena_strdup(a, xml_attr_get(px, NULL, "id"));
    if (!p->id) { p->id = "(no id)"; mc_diag(c, 1, px, NULL, "process at line %d has no id", px->line); }
    p->name = model_trimmed(a, xml_attr_get(px, NULL, "name"));
    p->line = px->line;
    const char *ex = xml_attr_get(px, NULL, "isExecutable");
    p->executable = !ex ? -1 : strcmp(ex, "true") == 0;
    model_dialect_vendor(c->m, c->proc, px, NULL);
    c->nassoc = 0;
    count_children(c, px, p);
    p->nodes = arena_alloc(a, sizeof *p->nodes * (size_t)(p->nnode + 1));
    p->flows = arena_alloc(a, sizeof *p->flows * (size_t)(p->nflow + 1));
    p->by_id = arena_alloc(a, sizeof(int) * (size_t)(p->nnode + 1));
    p->starts = arena_alloc(a, sizeof(int) * (size_t)(p->nnode + 1));
    c->nx = xcalloc((size_t)p->nnode + 1, sizeof *c->nx);
    c->fx = xcalloc((size_t)p->nflow + 1, sizeof *c->fx);
    c->fscope = xcalloc((size_t)p->nflow + 1, sizeof *c->fscope);
    c->assoc = xcalloc((size_t)c->nassoc + 1, sizeof *c->assoc);
    c->ni = c->nf = c->nassoc = 0;
    roles r = {0};
    compile_container(c, px, p, -1, &r);
    qsort_r(p->by_id, (size_t)p->nnode, sizeof(int), cmp_node_id, p);
    for (int k = 0; k < r.n; k++) {
        int n = r.v[k].node_id ? model_node_find(p, r.v[k].node_id) : -1;
        if (n >= 0) p->nodes[n].role = r.v[k].role;
    }
    for (int i = 0; i < p->nnode; i++)          /* inside a subprocess: its lane unless drawn in another */
        if (!p->nodes[i].role && p->nodes[i].parent >= 0) p->nodes[i].role = p->nodes[p->nodes[i].parent].role;
    free(r.v);
    attach_boundaries(c, p);
    link_flows(c, p);
    link_compensation(c, p);
    check_cancel(c, p);
    wire_scopes(c, p);
    check_defaults(c, p);
    check_graph(c, p, px);
    free(c->nx); free(c->fx); free(c->fscope); free(c->assoc);
    c->nx = NULL; c->fx = NULL; c->fscope = NULL; c->assoc = NULL;
}

/* Every element of the BPMN namespace with an id, the document over:
** ids are document-wide references (flows, lanes and diagrams use them). */
typedef struct idref { const char *id; int line; } idref;
typedef struct idset { idref *v; int n, cap; } idset;

static void gather_ids(const xml_node *x, idset *s) {
    for (; x; x = x->next) {
        const char *id = model_is_bpmn(x) ? xml_attr_get(x, NULL, "id") : NULL;
        if (id) {
            if (s->n == s->cap) { s->cap = s->cap ? s->cap * 2 : 64; s->v = xrealloc(s->v, sizeof *s->v * (size_t)s->cap); }
            s->v[s->n++] = (idref){id, x->line};
        }
        gather_ids(x->child, s);
    }
}

static int cmp_idref(const void *a, const void *b) {
    const idref *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    return r ? r : x->line - y->line;
}

static void check_duplicate_ids(compiler *c, const xml_node *root) {
    idset s = {0};
    gather_ids(root->child, &s);
    if (s.n > 1) qsort(s.v, (size_t)s.n, sizeof *s.v, cmp_idref);
    for (int i = 1; i < s.n; i++)
        if (strcmp(s.v[i].id, s.v[i - 1].id) == 0) {
            xml_node at = {.line = s.v[i].line};
            mc_diag(c, 1, &at, s.v[i].id, "duplicate id '%s' (first at line %d) [EXT.002]", s.v[i].id, s.v[i - 1].line);
        }
    free(s.v);
}

/* A participant's name names its process when the process has none. */
static const char *participant_name(const xml_node *root, const char *proc_id) {
    for (const xml_node *col = root->child; col; col = col->next) {
        if (!model_is_bpmn(col) || strcmp(col->name, "collaboration") != 0) continue;
        for (const xml_node *pa = col->child; pa; pa = pa->next) {
            const char *ref = model_is_bpmn(pa) ? xml_attr_get(pa, NULL, "processRef") : NULL;
            if (ref && proc_id && strcmp(ref, proc_id) == 0) return xml_attr_get(pa, NULL, "name");
        }
    }
    return NULL;
}

static model *compile(const xml_doc *doc, const char *file, int check) {
    model *m = xcalloc(1, sizeof *m);
    m->mem = arena_new();
    m->file = arena_strdup(m->mem, file);
    compiler c = {.m = m, .root = doc->root, .proc = -1};
    const xml_node *root = doc->root;
    if (!model_is_bpmn(root) || strcmp(root->name, "definitions") != 0) {
        mc_diag(&c, 1, root, NULL, "not a BPMN 2.0 document: the root element is <%s>%s%s%s, "
             "not <definitions> in namespace %s", root->name, root->ns ? " in namespace " : "",
             root->ns ? root->ns : "", "", BPMN_NS);
        return m;
    }
    if (check) check_duplicate_ids(&c, root);
    const char *el = mc_foreign_language(root);
    if (el && has_expression(root))
        mc_diag(&c, 1, root, NULL, "definitions declares expressionLanguage \"%s\" (%s); sdm evaluates every condition "
             "and expression as Lua: write them in Lua and drop the attribute, or declare "
             "expressionLanguage=\"https://www.lua.org/\"", el, expr_language_name(el));
    for (const xml_node *x = root->child; x; x = x->next)
        if (model_is_bpmn(x) && strcmp(x->name, "process") == 0) m->nproc++;
    m->procs = arena_alloc(m->mem, sizeof *m->procs * (size_t)(m->nproc + 1));
    int i = 0;
    for (const xml_node *x = root->child; x; x = x->next) {
        if (!model_is_bpmn(x) || strcmp(x->name, "process") != 0) continue;
        c.proc = i;
        compile_process(&c, x, &m->procs[i]);
        if (!m->procs[i].name)
            m->procs[i].name = model_trimmed(m->mem, participant_name(root, m->procs[i].id));
        i++;
    }
    if (check) model_check_constraints(m, root);
    c.proc = -1;
    if (m->nproc == 0) mc_diag(&c, 1, root, NULL, "the document defines no process");
    return m;
}

model *model_compile(const xml_doc *doc, const char *file) { return compile(doc, file, 1); }
model *model_load(const xml_doc *doc, const char *file) { return compile(doc, file, 0); }

void model_free(model *m) {
    if (!m) return;
    arena_free(m->mem);
    free(m);
}

int model_within(const model_proc *p, int n, int scope) {
    for (; n >= 0; n = p->nodes[n].parent)
        if (p->nodes[n].parent == scope) return 1;
    return scope < 0;
}

int model_gated(const model_proc *p, const model_node *n) {
    int gated = n->nin > 0;
    for (int k = 0; k < n->nin; k++) {
        int src = p->flows[n->in[k]].src;
        gated &= src >= 0 && p->nodes[src].kind == EL_GW_EVENT;
    }
    return gated;
}

int model_can_reach(const model_proc *p, int from, int to) {
    if (from == to) return 1;
    char *seen = xcalloc((size_t)p->nnode + 1, 1);
    int *stack = xmalloc(sizeof(int) * ((size_t)p->nnode + 1)), n = 0, found = 0;
    stack[n++] = from;
    seen[from] = 1;
    while (n && !found) {
        const model_node *x = &p->nodes[stack[--n]];
        int extra = x->kind == EL_LINK_THROW && x->link >= 0;
        for (int k = 0; k < x->nout + x->nbnd + extra && !found; k++) {
            int d = k < x->nout ? p->flows[x->out[k]].dst : k < x->nout + x->nbnd ? x->bnd[k - x->nout] : x->link;
            if (d == to) found = 1;
            else if (d >= 0 && !seen[d]) { seen[d] = 1; stack[n++] = d; }
        }
    }
    free(seen);
    free(stack);
    return found;
}

const model_proc *model_proc_find(const model *m, const char *id) {
    for (int i = 0; i < m->nproc; i++)
        if (strcmp(m->procs[i].id, id) == 0) return &m->procs[i];
    return NULL;
}
