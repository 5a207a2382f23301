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

#define BPMN_NS_OLD  "http://schema.omg.org/spec/BPMN/2.0"
#define CAMUNDA_NS   "http://camunda.org/schema/1.0/bpmn"

typedef struct compiler {
    model *m;
    const xml_node *root;    /* definitions: shared event definitions live here */
    int proc;                /* process being compiled, -1 outside */
    int dcap;
} compiler;

/* ---------- diagnostics ---------- */

static void diag(compiler *c, int error, const xml_node *at, const char *element,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void diag(compiler *c, int error, const xml_node *at, const char *element,
                 const char *fmt, ...) {
    model *m = c->m;
    if (m->ndiag == c->dcap) {
        c->dcap = c->dcap ? c->dcap * 2 : 16;
        model_diag *d = arena_alloc(m->mem, sizeof *d * (size_t)c->dcap);
        if (m->ndiag) memcpy(d, m->diags, sizeof *d * (size_t)m->ndiag);
        m->diags = d;
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    model_diag *d = &m->diags[m->ndiag++];
    d->error = error;
    d->proc = c->proc;
    d->line = at ? at->line : 0;
    d->element = arena_strdup(m->mem, element);
    d->msg = arena_strdup(m->mem, buf);
    if (error) m->nerr++;
}

/* ---------- element tables ---------- */

static int is_bpmn(const xml_node *n) {
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
    {"callActivity", EL_CALL}, {"receiveTask", EL_RECEIVE},
};

/* Flow nodes BPMN defines that this engine does not execute yet: a model
** using one is refused at deploy time, naming the element. */
static const char *const unsupported_tags[] = {
    "complexGateway", "eventBasedGateway", "subProcess",
    "adHocSubProcess", "transaction", "sendTask", "businessRuleTask",
    "callChoreography", "choreographyTask", "subChoreography", NULL
};

/* Process content that carries no behaviour for the engine. */
static const char *const passive_tags[] = {
    "documentation", "extensionElements", "laneSet", "sequenceFlow", "dataObject",
    "dataObjectReference", "dataStoreReference", "property", "ioSpecification",
    "textAnnotation", "association", "group", "auditing", "monitoring",
    "supportedInterfaceRef", "correlationSubscription", "resourceRole", "performer",
    "humanPerformer", "potentialOwner", "category", "ioBinding", NULL
};

static int in_list(const char *const *list, const char *s) {
    for (; *list; list++) if (strcmp(*list, s) == 0) return 1;
    return 0;
}

/* The kind of a flow node element, EL_UNSUPPORTED for one BPMN defines
** but sdm does not run, -1 for anything that is not a flow node. */
static int node_kind(const xml_node *x) {
    for (size_t i = 0; i < sizeof node_tags / sizeof *node_tags; i++)
        if (strcmp(node_tags[i].tag, x->name) == 0) return (int)node_tags[i].kind;
    return in_list(unsupported_tags, x->name) ? EL_UNSUPPORTED : -1;
}

const char *model_kind_name(el_kind k) {
    switch (k) {
    case EL_START: return "startEvent";
    case EL_END: return "endEvent";
    case EL_END_TERMINATE: return "terminateEndEvent";
    case EL_THROW_NONE: return "intermediateThrowEvent";
    case EL_GW_EXCLUSIVE: return "exclusiveGateway";
    case EL_GW_PARALLEL: return "parallelGateway";
    case EL_GW_INCLUSIVE: return "inclusiveGateway";
    case EL_TASK: return "task";
    case EL_TASK_USER: return "userTask";
    case EL_TASK_MANUAL: return "manualTask";
    case EL_TASK_SCRIPT: return "scriptTask";
    case EL_TASK_SERVICE: return "serviceTask";
    case EL_CATCH_TIMER: return "timer intermediateCatchEvent";
    case EL_BOUNDARY_TIMER: return "timer boundaryEvent";
    case EL_CALL: return "callActivity";
    case EL_CATCH_EVENT: return "intermediateCatchEvent";
    case EL_BOUNDARY_EVENT: return "boundaryEvent";
    case EL_RECEIVE: return "receiveTask";
    case EL_START_MESSAGE: return "message startEvent";
    case EL_START_TIMER: return "timer startEvent";
    case EL_THROW_EVENT: return "intermediateThrowEvent";
    case EL_END_THROW: return "endEvent";
    case EL_UNSUPPORTED: return "unsupported element";
    case EL__COUNT: break;
    }
    sdm_panic("unknown element kind");
}

/* ---------- small helpers ---------- */

static const xml_node *child(const xml_node *x, const char *name) {
    for (const xml_node *c = x->child; c; c = c->next)
        if (is_bpmn(c) && strcmp(c->name, name) == 0) return c;
    return NULL;
}

/* Text with surrounding white space removed; NULL when empty. */
static const char *trimmed(arena *a, const char *s) {
    if (!s) return NULL;
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) n--;
    return n ? arena_strndup(a, s, n) : NULL;
}

static const char *sdm_attr(const xml_node *x, const char *name) {
    return xml_attr_get(x, SDM_NS, name);
}

static const char *describe(compiler *c, const xml_node *x, const char *id) {
    return arena_strdup(c->m->mem, id ? id : x->name);
}

/* ---------- event definitions ---------- */

static int is_event_definition(const xml_node *c) {
    size_t n = strlen(c->name);
    return is_bpmn(c) && n > 15 && strcmp(c->name + n - 15, "EventDefinition") == 0;
}

/* The first event definition of an event: a child, or one defined at the
** top of the document and named by eventDefinitionRef. NULL if none. */
static const xml_node *event_definition(const compiler *cc, const xml_node *x) {
    for (const xml_node *c = x->child; c; c = c->next) {
        if (is_event_definition(c)) return c;
        if (!is_bpmn(c) || strcmp(c->name, "eventDefinitionRef") != 0) continue;
        const char *ref = c->text;
        while (*ref == ' ' || *ref == '\n' || *ref == '\t') ref++;
        size_t len = strcspn(ref, " \n\t\r");
        for (const xml_node *d = cc->root->child; d; d = d->next) {
            const char *id = is_event_definition(d) ? xml_attr_get(d, NULL, "id") : NULL;
            if (id && strlen(id) == len && strncmp(id, ref, len) == 0) return d;
        }
        return c;                   /* dangling: reported by the caller */
    }
    return NULL;
}

/* timeDuration / timeDate / timeCycle of a timer definition. */
static void compile_timer(compiler *c, const xml_node *def, model_node *n) {
    static const struct { const char *tag; char type; } forms[] = {
        {"timeDuration", 'd'}, {"timeDate", 't'}, {"timeCycle", 'c'}};
    for (size_t i = 0; i < 3; i++) {
        const xml_node *v = child(def, forms[i].tag);
        if (!v) continue;
        n->timer_type = forms[i].type;
        n->timer = trimmed(c->m->mem, v->text);
    }
    const char *w = sdm_attr(def, "working");
    n->timer_working = w && strcmp(w, "true") == 0;
    if (!n->timer)
        diag(c, 1, def, n->id, "timer of '%s' has no timeDuration, timeDate or timeCycle value", n->id);
}

/* The name a message or signal is known by: the referenced <message> or
** <signal>'s name, else its id. NULL (reported) when the reference dangles. */
static const char *trigger_name(compiler *c, const xml_node *at, const char *ref, const char *id) {
    if (!ref || !*ref) {
        diag(c, 1, at, id, "'%s' names no message or signal (messageRef/signalRef)", id);
        return NULL;
    }
    for (const xml_node *d = c->root->child; d; d = d->next) {
        if (!is_bpmn(d) || (strcmp(d->name, "message") && strcmp(d->name, "signal") &&
                            strcmp(d->name, "escalation"))) continue;
        const char *did = xml_attr_get(d, NULL, "id");
        if (!did || strcmp(did, ref)) continue;
        const char *name = xml_attr_get(d, NULL, "name");
        return arena_strdup(c->m->mem, name && *name ? name : did);
    }
    diag(c, 1, at, id, "'%s' refers to '%s', which is no message or signal of the document", id, ref);
    return NULL;
}

/* Message and signal events: the kind each takes, or -1 when sdm does not
** run that combination. */
static int message_or_signal(compiler *c, const xml_node *x, const xml_node *def, model_node *n, int kind) {
    int msg = strcmp(def->name, "messageEventDefinition") == 0;
    if (strcmp(def->name, "escalationEventDefinition") == 0 && (kind == EL_THROW_NONE || kind == EL_END)) {
        /* a thrown escalation is a deviation the head sees; catching it on a
        ** boundary waits for subprocesses */
        n->trigger = 'e';
        const char *ref = xml_attr_get(def, NULL, "escalationRef");
        n->msg = ref ? trigger_name(c, def, ref, n->id) : "escalation";
        if (!n->msg) n->msg = "";
        return kind == EL_END ? EL_END_THROW : EL_THROW_EVENT;
    }
    if (!msg && strcmp(def->name, "signalEventDefinition") != 0) return -1;
    n->trigger = msg ? 'm' : 's';
    n->msg = trigger_name(c, def, xml_attr_get(def, NULL, msg ? "messageRef" : "signalRef"), n->id);
    if (!n->msg) n->msg = "";
    switch (kind) {
    case EL_CATCH_TIMER: return EL_CATCH_EVENT;
    case EL_BOUNDARY_TIMER: return EL_BOUNDARY_EVENT;
    case EL_THROW_NONE: return EL_THROW_EVENT;
    case EL_END: return EL_END_THROW;
    case EL_START: return msg ? EL_START_MESSAGE : -1;
    default: return -1;
    }
}

static int classify_event(compiler *c, const xml_node *x, model_node *n, int kind) {
    const char *id = n->id;
    const xml_node *def = event_definition(c, x);
    if (def && strcmp(def->name, "eventDefinitionRef") != 0) {
        int k = message_or_signal(c, x, def, n, kind);
        if (k >= 0) return k;
    }
    if (def && strcmp(def->name, "eventDefinitionRef") == 0) {
        diag(c, 1, def, id, "%s '%s': eventDefinitionRef '%s' names no event definition of the document",
             x->name, id, def->text);
        return kind;
    }
    if (kind == EL_START && def && strcmp(def->name, "timerEventDefinition") == 0) {
        compile_timer(c, def, n);
        n->client = trimmed(c->m->mem, sdm_attr(x, "client"));
        if (n->timer && n->timer[0] == '=')
            diag(c, 1, x, id, "timer startEvent '%s': a Lua timer needs an instance; give an ISO 8601 value", id);
        return EL_START_TIMER;
    }
    if (kind == EL_CATCH_TIMER || kind == EL_BOUNDARY_TIMER) {
        if (def && strcmp(def->name, "timerEventDefinition") == 0) { compile_timer(c, def, n); return kind; }
        if (!def) { diag(c, 1, x, id, "%s '%s' has no event definition", x->name, id); return kind; }
    } else if (!def) {
        return kind;
    }
    if (kind == EL_END && strcmp(def->name, "terminateEventDefinition") == 0)
        return EL_END_TERMINATE;
    char what[64];
    snprintf(what, sizeof what, "%.*s", (int)(strlen(def->name) - 15), def->name);
    diag(c, 1, x, id, "%s %s '%s' at %s:%d is not supported", what, x->name, id,
         c->m->file, x->line);
    return kind;
}

/* ---------- lanes → roles ---------- */

typedef struct role_ref { const char *node_id, *role; } role_ref;
typedef struct roles { role_ref *v; int n, cap; } roles;

static void collect_lanes(compiler *c, const xml_node *laneset, roles *r) {
    for (const xml_node *lane = laneset->child; lane; lane = lane->next) {
        if (!is_bpmn(lane) || strcmp(lane->name, "lane") != 0) continue;
        const char *role = sdm_attr(lane, "role");
        if (!role || !*role) role = xml_attr_get(lane, NULL, "name");
        if (!role || !*role) role = xml_attr_get(lane, NULL, "id");
        role = trimmed(c->m->mem, role);
        for (const xml_node *ref = lane->child; ref; ref = ref->next) {
            if (!is_bpmn(ref)) continue;
            if (strcmp(ref->name, "flowNodeRef") == 0) {
                if (r->n == r->cap) {
                    r->cap = r->cap ? r->cap * 2 : 32;
                    r->v = xrealloc(r->v, sizeof *r->v * (size_t)r->cap);
                }
                r->v[r->n++] = (role_ref){trimmed(c->m->mem, ref->text), role};
            } else if (strcmp(ref->name, "childLaneSet") == 0) {
                collect_lanes(c, ref, r);   /* deeper lanes come later and win */
            }
        }
    }
}

/* ---------- tasks and extensions ---------- */

static int lua_format(const char *f) {
    return !f || !*f || strcasecmp(f, "lua") == 0 || strcasecmp(f, "text/x-lua") == 0 ||
           strcasecmp(f, "application/x-lua") == 0;
}

static void compile_checkpoints(compiler *c, const xml_node *x, model_node *n) {
    const xml_node *ext = child(x, "extensionElements");
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
        cp->code = trimmed(c->m->mem, e->text);
        const char *on = xml_attr_get(e, NULL, "on");
        char word[16];
        int len;
        for (const char *p = on ? on : ""; sscanf(p, " %15s%n", word, &len) == 1; p += len) {
            if (strcmp(word, "enter") == 0) cp->on |= CP_ENTER;
            else if (strcmp(word, "leave") == 0) cp->on |= CP_LEAVE;
            else if (strcmp(word, "due") == 0) cp->on |= CP_DUE;
            else diag(c, 1, e, n->id, "checkpoint on '%s': '%s' is not enter, leave or due", n->id, word);
        }
        if (!cp->on) diag(c, 1, e, n->id, "checkpoint on '%s' needs on=\"enter|leave|due\"", n->id);
        if (!cp->file == !cp->code)
            diag(c, 1, e, n->id, "checkpoint on '%s' needs either script=\"file.lua\" or inline Lua, not %s",
                 n->id, cp->file ? "both" : "neither");
    }
}

static void compile_task(compiler *c, const xml_node *x, model_node *n) {
    arena *a = c->m->mem;
    n->assignee = arena_strdup(a, sdm_attr(x, "assignee"));
    n->assignee_expr = trimmed(a, sdm_attr(x, "assigneeExpr"));
    n->assign = arena_strdup(a, sdm_attr(x, "assign"));
    n->due = trimmed(a, sdm_attr(x, "due"));
    n->due_working = trimmed(a, sdm_attr(x, "dueWorking"));
    n->due_expr = trimmed(a, sdm_attr(x, "dueExpr"));
    if (!n->assignee) {
        const char *cam = xml_attr_get(x, CAMUNDA_NS, "assignee");
        if (cam && !strchr(cam, '$') && !strchr(cam, '#')) n->assignee = arena_strdup(a, cam);
    }
    if (n->assign && strcmp(n->assign, "owner") && strcmp(n->assign, "round-robin") &&
        strcmp(n->assign, "least-open"))
        diag(c, 1, x, n->id, "%s '%s': sdm:assign must be owner, round-robin or least-open, not '%s'",
             x->name, n->id, n->assign);
    if (n->kind == EL_TASK_SCRIPT) {
        const char *fmt = xml_attr_get(x, NULL, "scriptFormat");
        const xml_node *s = child(x, "script");
        n->script = s ? trimmed(a, s->text) : NULL;
        if (!lua_format(fmt))
            diag(c, 1, x, n->id, "scriptTask '%s' uses scriptFormat '%s'; sdm runs Lua", n->id, fmt);
        else if (!n->script)
            diag(c, 1, x, n->id, "scriptTask '%s' has no script", n->id);
    }
    if (n->kind == EL_TASK_SERVICE) {
        n->handler = trimmed(a, sdm_attr(x, "handler"));
        if (!n->handler)
            diag(c, 1, x, n->id, "serviceTask '%s' has no sdm:handler=\"module.function\" "
                 "(vendor implementations such as camunda:class are not run by sdm)", n->id);
        else if (!strchr(n->handler, '.'))
            diag(c, 1, x, n->id, "serviceTask '%s': sdm:handler '%s' must be module.function",
                 n->id, n->handler);
    }
}

/* Activity markers sdm does not execute yet must not run silently once. */
static void check_markers(compiler *c, const xml_node *x, const model_node *n) {
    static const char *const loops[] = {"standardLoopCharacteristics", "multiInstanceLoopCharacteristics"};
    for (int i = 0; i < 2; i++)
        if (child(x, loops[i]))
            diag(c, 1, x, n->id, "%s on %s '%s' at %s:%d is not supported", loops[i], x->name, n->id,
                 c->m->file, x->line);
    static const char *const qty[] = {"startQuantity", "completionQuantity"};
    for (int i = 0; i < 2; i++) {
        const char *v = xml_attr_get(x, NULL, qty[i]);
        if (v && strcmp(v, "1") != 0)
            diag(c, 1, x, n->id, "%s '%s': %s=\"%s\" is not supported (only 1)", x->name, n->id, qty[i], v);
    }
}

static void compile_node(compiler *c, const xml_node *x, model_node *n, int kind) {
    arena *a = c->m->mem;
    n->id = arena_strdup(a, xml_attr_get(x, NULL, "id"));
    n->name = trimmed(a, xml_attr_get(x, NULL, "name"));
    n->tag = arena_strdup(a, x->name);
    n->line = x->line;
    n->dflt = -1;
    const xml_node *doc = child(x, "documentation");
    n->doc = doc ? trimmed(a, doc->text) : NULL;
    if (!n->doc) n->doc = "";
    n->stage = trimmed(a, sdm_attr(x, "stage"));
    n->outcome = trimmed(a, sdm_attr(x, "outcome"));
    n->attached = -1;
    n->interrupting = 1;
    if (kind == EL_BOUNDARY_TIMER) {
        const char *ca = xml_attr_get(x, NULL, "cancelActivity");
        n->interrupting = !ca || strcmp(ca, "false") != 0;
    }
    if (kind == EL_START || kind == EL_END || kind == EL_THROW_NONE || kind == EL_CATCH_TIMER ||
        kind == EL_BOUNDARY_TIMER)
        kind = classify_event(c, x, n, kind);
    if (kind == EL_RECEIVE) {
        n->trigger = 'm';
        n->msg = trigger_name(c, x, xml_attr_get(x, NULL, "messageRef"), n->id);
        if (!n->msg) n->msg = "";
    }
    n->kind = (el_kind)kind;
    if (n->outcome && strcmp(n->outcome, "success") && strcmp(n->outcome, "failure"))
        diag(c, 1, x, n->id, "%s '%s': sdm:outcome must be success or failure", x->name, n->id);
    compile_task(c, x, n);
    compile_checkpoints(c, x, n);
    check_markers(c, x, n);
    if (n->kind == EL_CALL) {
        n->called = trimmed(c->m->mem, xml_attr_get(x, NULL, "calledElement"));
        if (!n->called)
            diag(c, 1, x, n->id, "callActivity '%s' has no calledElement (the id of the process to run)", n->id);
    }
}

/* ---------- flows ---------- */

static const char *condition(compiler *c, const xml_node *f, const char *id) {
    const xml_node *ce = child(f, "conditionExpression");
    if (!ce) return NULL;
    const char *lang = xml_attr_get(ce, NULL, "language");
    const char *text = trimmed(c->m->mem, ce->text);
    if (!text) return NULL;
    if (lang && *lang && !lua_format(lang) && !strstr(lang, "lua")) {
        diag(c, 1, ce, id, "sequenceFlow '%s': condition language '%s' is not Lua", id, lang);
        return NULL;
    }
    if ((text[0] == '$' || text[0] == '#') && text[1] == '{') {
        diag(c, 1, ce, id, "sequenceFlow '%s': condition '%s' is a JUEL expression; "
             "sdm conditions are Lua (e.g. amount > 1000)", id, text);
        return NULL;
    }
    return text;
}

static int cmp_node_id(const void *a, const void *b, void *ctx) {
    const model_proc *p = ctx;
    return strcmp(p->nodes[*(const int *)a].id, p->nodes[*(const int *)b].id);
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

static void link_flows(compiler *c, model_proc *p, const xml_node *px) {
    arena *a = c->m->mem;
    int fi = 0;
    for (const xml_node *x = px->child; x; x = x->next) {
        if (!is_bpmn(x) || strcmp(x->name, "sequenceFlow") != 0) continue;
        model_flow *f = &p->flows[fi++];
        f->id = arena_strdup(a, xml_attr_get(x, NULL, "id"));
        f->name = trimmed(a, xml_attr_get(x, NULL, "name"));
        f->line = x->line;
        const char *src = xml_attr_get(x, NULL, "sourceRef"), *dst = xml_attr_get(x, NULL, "targetRef");
        f->src = src ? model_node_find(p, src) : -1;
        f->dst = dst ? model_node_find(p, dst) : -1;
        if (f->src < 0)
            diag(c, 1, x, f->id, "sequenceFlow '%s' starts at '%s', which is not a node of process '%s'",
                 f->id, src ? src : "(none)", p->id);
        if (f->dst < 0)
            diag(c, 1, x, f->id, "sequenceFlow '%s' leads to '%s', which is not a node of process '%s'",
                 f->id, dst ? dst : "(none)", p->id);
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

static void check_defaults(compiler *c, model_proc *p, const xml_node *px) {
    int i = 0;
    for (const xml_node *x = px->child; x; x = x->next) {
        if (!is_bpmn(x) || node_kind(x) < 0) continue;
        model_node *n = &p->nodes[i++];
        const char *d = xml_attr_get(x, NULL, "default");
        if (!d) continue;
        for (int k = 0; k < n->nout; k++)
            if (strcmp(p->flows[n->out[k]].id ? p->flows[n->out[k]].id : "", d) == 0) n->dflt = n->out[k];
        if (n->dflt < 0)
            diag(c, 1, x, n->id, "%s '%s': default flow '%s' is not one of its outgoing flows",
                 n->tag, n->id, d);
        else if (p->flows[n->dflt].cond)
            diag(c, 0, x, n->id, "%s '%s': the condition on default flow '%s' is ignored",
                 n->tag, n->id, d);
    }
}

static void check_graph(compiler *c, model_proc *p, const xml_node *px) {
    int message_starts = 0;
    for (int i = 0; i < p->nnode; i++)
        message_starts += p->nodes[i].kind == EL_START_MESSAGE || p->nodes[i].kind == EL_START_TIMER;
    if (p->nstart == 0 && !message_starts)
        diag(c, 1, px, p->id, "process '%s' has no start event sdm can start", p->id);
    for (int i = 0; i < p->nnode; i++) {
        model_node *n = &p->nodes[i];
        xml_node at = {.line = n->line};
        int gw = n->kind == EL_GW_EXCLUSIVE || n->kind == EL_GW_PARALLEL || n->kind == EL_GW_INCLUSIVE;
        if (n->kind == EL_GW_INCLUSIVE && n->nin > 1) p->n_or_join++;
        if (gw && n->nout == 0)
            diag(c, 1, &at, n->id, "%s '%s' has no outgoing sequence flow", n->tag, n->id);
        if ((n->kind == EL_BOUNDARY_TIMER || n->kind == EL_BOUNDARY_EVENT) && n->nin > 0)
            diag(c, 1, &at, n->id, "boundaryEvent '%s' has incoming sequence flows", n->id);
        if (n->kind == EL_START && n->nin > 0)
            diag(c, 1, &at, n->id, "startEvent '%s' has incoming sequence flows", n->id);
        if ((n->kind == EL_END || n->kind == EL_END_TERMINATE || n->kind == EL_END_THROW) && n->nout > 0)
            diag(c, 1, &at, n->id, "endEvent '%s' has outgoing sequence flows", n->id);
        if (n->kind == EL_GW_PARALLEL)
            for (int k = 0; k < n->nout; k++)
                if (p->flows[n->out[k]].cond)
                    diag(c, 0, &at, n->id, "parallelGateway '%s': condition on flow '%s' is ignored",
                         n->id, p->flows[n->out[k]].id);
    }
    /* Reachability: a breadth-first walk from every start event. */
    char *seen = xcalloc((size_t)p->nnode + 1, 1);
    int *queue = xmalloc(sizeof(int) * ((size_t)p->nnode + 1)), qn = 0;
    for (int s = 0; s < p->nstart; s++) { seen[p->starts[s]] = 1; queue[qn++] = p->starts[s]; }
    for (int i = 0; i < p->nnode; i++)
        if (p->nodes[i].kind == EL_START_MESSAGE || p->nodes[i].kind == EL_START_TIMER) { seen[i] = 1; queue[qn++] = i; }
    for (int q = 0; q < qn; q++) {
        const model_node *n = &p->nodes[queue[q]];
        for (int k = 0; k < n->nout; k++) {
            int d = p->flows[n->out[k]].dst;
            if (d >= 0 && !seen[d]) { seen[d] = 1; queue[qn++] = d; }
        }
        for (int k = 0; k < n->nbnd; k++)
            if (!seen[n->bnd[k]]) { seen[n->bnd[k]] = 1; queue[qn++] = n->bnd[k]; }
    }
    for (int i = 0; i < p->nnode && (p->nstart || message_starts); i++)
        if (!seen[i]) {
            xml_node at = {.line = p->nodes[i].line};
            diag(c, 0, &at, p->nodes[i].id, "%s '%s' cannot be reached from any start event",
                 p->nodes[i].tag, p->nodes[i].id);
        }
    free(seen);
    free(queue);
}

/* ---------- boundary events ---------- */

static void attach_boundaries(compiler *c, model_proc *p, const xml_node *px) {
    int i = 0;
    for (const xml_node *x = px->child; x; x = x->next) {
        if (!is_bpmn(x) || node_kind(x) < 0) continue;
        model_node *n = &p->nodes[i++];
        if (n->kind != EL_BOUNDARY_TIMER && n->kind != EL_BOUNDARY_EVENT) continue;
        const char *ref = xml_attr_get(x, NULL, "attachedToRef");
        n->attached = ref ? model_node_find(p, ref) : -1;
        if (n->attached < 0) {
            diag(c, 1, x, n->id, "boundaryEvent '%s' is attached to '%s', which is not a node of process '%s'",
                 n->id, ref ? ref : "(none)", p->id);
            continue;
        }
        model_node *a = &p->nodes[n->attached];
        if (a->kind != EL_TASK_USER && a->kind != EL_RECEIVE) {
            diag(c, 1, x, n->id, "boundaryEvent '%s' on %s '%s' is not supported (boundary events attach to "
                 "user and receive tasks)", n->id, a->tag, a->id);
            continue;
        }
        if (!a->bnd) a->bnd = arena_alloc(c->m->mem, sizeof(int) * (size_t)p->nnode);
        a->bnd[a->nbnd++] = (int)(n - p->nodes);
    }
}

/* ---------- processes ---------- */

static void count_children(compiler *c, const xml_node *px, model_proc *p) {
    for (const xml_node *x = px->child; x; x = x->next) {
        if (!is_bpmn(x)) continue;             /* vendor extensions: ignored */
        const char *id = xml_attr_get(x, NULL, "id");
        if (node_kind(x) >= 0) {
            if (!id || !*id) diag(c, 1, x, NULL, "%s at line %d has no id", x->name, x->line);
            if (node_kind(x) == EL_UNSUPPORTED)
                diag(c, 1, x, id, "%s '%s' at %s:%d is not supported", x->name, describe(c, x, id),
                     c->m->file, x->line);
            p->nnode++;
        } else if (strcmp(x->name, "sequenceFlow") == 0) {
            p->nflow++;
        } else if (!in_list(passive_tags, x->name)) {
            diag(c, 1, x, id, "unknown BPMN element <%s> in process '%s'", x->name, p->id);
        }
    }
}

static void compile_process(compiler *c, const xml_node *px, model_proc *p) {
    arena *a = c->m->mem;
    p->id = arena_strdup(a, xml_attr_get(px, NULL, "id"));
    if (!p->id) { p->id = "(no id)"; diag(c, 1, px, NULL, "process at line %d has no id", px->line); }
    p->name = trimmed(a, xml_attr_get(px, NULL, "name"));
    p->line = px->line;
    const char *ex = xml_attr_get(px, NULL, "isExecutable");
    p->executable = !ex ? -1 : strcmp(ex, "true") == 0;
    count_children(c, px, p);
    p->nodes = arena_alloc(a, sizeof *p->nodes * (size_t)(p->nnode + 1));
    p->flows = arena_alloc(a, sizeof *p->flows * (size_t)(p->nflow + 1));
    p->by_id = arena_alloc(a, sizeof(int) * (size_t)(p->nnode + 1));
    p->starts = arena_alloc(a, sizeof(int) * (size_t)(p->nnode + 1));
    roles r = {0};
    int i = 0;
    for (const xml_node *x = px->child; x; x = x->next) {
        if (!is_bpmn(x)) continue;
        int k = node_kind(x);
        if (k >= 0) {
            compile_node(c, x, &p->nodes[i], k);
            if (!p->nodes[i].id) p->nodes[i].id = "";
            p->by_id[i] = i;
            if (p->nodes[i].kind == EL_START) p->starts[p->nstart++] = i;
            i++;
        } else if (strcmp(x->name, "laneSet") == 0) {
            collect_lanes(c, x, &r);
        }
    }
    qsort_r(p->by_id, (size_t)p->nnode, sizeof(int), cmp_node_id, p);
    for (int k = 0; k < r.n; k++) {
        int n = r.v[k].node_id ? model_node_find(p, r.v[k].node_id) : -1;
        if (n >= 0) p->nodes[n].role = r.v[k].role;
    }
    free(r.v);
    attach_boundaries(c, p, px);
    link_flows(c, p, px);
    check_defaults(c, p, px);
    check_graph(c, p, px);
}

/* Every element of the BPMN namespace with an id, the document over:
** ids are document-wide references (flows, lanes and diagrams use them). */
typedef struct idref { const char *id; int line; } idref;
typedef struct idset { idref *v; int n, cap; } idset;

static void gather_ids(const xml_node *x, idset *s) {
    for (; x; x = x->next) {
        const char *id = is_bpmn(x) ? xml_attr_get(x, NULL, "id") : NULL;
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
            diag(c, 1, &at, s.v[i].id, "duplicate id '%s' (first at line %d)", s.v[i].id, s.v[i - 1].line);
        }
    free(s.v);
}

/* A participant's name names its process when the process has none. */
static const char *participant_name(const xml_node *root, const char *proc_id) {
    for (const xml_node *col = root->child; col; col = col->next) {
        if (!is_bpmn(col) || strcmp(col->name, "collaboration") != 0) continue;
        for (const xml_node *pa = col->child; pa; pa = pa->next) {
            const char *ref = is_bpmn(pa) ? xml_attr_get(pa, NULL, "processRef") : NULL;
            if (ref && proc_id && strcmp(ref, proc_id) == 0) return xml_attr_get(pa, NULL, "name");
        }
    }
    return NULL;
}

model *model_compile(const xml_doc *doc, const char *file) {
    model *m = xcalloc(1, sizeof *m);
    m->mem = arena_new();
    m->file = arena_strdup(m->mem, file);
    compiler c = {.m = m, .root = doc->root, .proc = -1};
    const xml_node *root = doc->root;
    if (!is_bpmn(root) || strcmp(root->name, "definitions") != 0) {
        diag(&c, 1, root, NULL, "not a BPMN 2.0 document: the root element is <%s>%s%s%s, "
             "not <definitions> in namespace %s", root->name, root->ns ? " in namespace " : "",
             root->ns ? root->ns : "", "", BPMN_NS);
        return m;
    }
    check_duplicate_ids(&c, root);
    for (const xml_node *x = root->child; x; x = x->next)
        if (is_bpmn(x) && strcmp(x->name, "process") == 0) m->nproc++;
    m->procs = arena_alloc(m->mem, sizeof *m->procs * (size_t)(m->nproc + 1));
    int i = 0;
    for (const xml_node *x = root->child; x; x = x->next) {
        if (!is_bpmn(x) || strcmp(x->name, "process") != 0) continue;
        c.proc = i;
        compile_process(&c, x, &m->procs[i]);
        if (!m->procs[i].name)
            m->procs[i].name = trimmed(m->mem, participant_name(root, m->procs[i].id));
        i++;
    }
    c.proc = -1;
    if (m->nproc == 0) diag(&c, 1, root, NULL, "the document defines no process");
    return m;
}

void model_free(model *m) {
    if (!m) return;
    arena_free(m->mem);
    free(m);
}

int model_can_reach(const model_proc *p, int from, int to) {
    if (from == to) return 1;
    char *seen = xcalloc((size_t)p->nnode + 1, 1);
    int *stack = xmalloc(sizeof(int) * ((size_t)p->nnode + 1)), n = 0, found = 0;
    stack[n++] = from;
    seen[from] = 1;
    while (n && !found) {
        const model_node *x = &p->nodes[stack[--n]];
        for (int k = 0; k < x->nout + x->nbnd && !found; k++) {
            int d = k < x->nout ? p->flows[x->out[k]].dst : x->bnd[k - x->nout];
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
