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
    /* the process being compiled: each node's and flow's element, the
    ** container (subprocess index or -1) each flow is drawn in, associations */
    const xml_node **nx, **fx, **assoc;
    int *fscope;
    int ni, nf, nassoc;
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
    {"callActivity", EL_CALL}, {"receiveTask", EL_RECEIVE}, {"sendTask", EL_THROW_EVENT},
    {"businessRuleTask", EL_TASK_SERVICE}, {"subProcess", EL_SUBPROCESS},
    {"eventBasedGateway", EL_GW_EVENT}, {"complexGateway", EL_GW_COMPLEX},
};

/* Flow nodes BPMN defines that this engine does not execute yet: a model
** using one is refused at deploy time, naming the element. */
static const char *const unsupported_tags[] = {
    "adHocSubProcess", "transaction", "callChoreography", "choreographyTask", "subChoreography", NULL
};

/* Process content that carries no behaviour for the engine. */
static const char *const passive_tags[] = {
    "documentation", "extensionElements", "laneSet", "sequenceFlow", "dataObject",
    "dataObjectReference", "dataStoreReference", "property", "ioSpecification",
    "textAnnotation", "association", "group", "auditing", "monitoring",
    "supportedInterfaceRef", "correlationSubscription", "resourceRole", "performer",
    "humanPerformer", "potentialOwner", "category", "ioBinding", "incoming", "outgoing",
    "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "dataInputAssociation",
    "dataOutputAssociation", "inputSet", "outputSet", "dataInput", "dataOutput", "rendering", NULL
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
    case EL_START_SIGNAL: return "signal startEvent";
    case EL_START_CATCH: return "startEvent";
    case EL_SUBPROCESS: return "subProcess";
    case EL_GW_EVENT: return "eventBasedGateway";
    case EL_GW_COMPLEX: return "complexGateway";
    case EL_LINK_THROW: return "link intermediateThrowEvent";
    case EL_LINK_CATCH: return "link intermediateCatchEvent";
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
                            strcmp(d->name, "escalation") && strcmp(d->name, "error"))) continue;
        const char *did = xml_attr_get(d, NULL, "id");
        if (!did || strcmp(did, ref)) continue;
        const char *name = xml_attr_get(d, NULL, "name");
        return arena_strdup(c->m->mem, name && *name ? name : did);
    }
    diag(c, 1, at, id, "'%s' refers to '%s', which is no message or signal of the document", id, ref);
    return NULL;
}

/* The code an error or escalation is thrown or caught by: the referenced
** element's errorCode/escalationCode, else its id. No reference: NULL,
** which on a catching event means any. */
static const char *trigger_code(compiler *c, const xml_node *def, const char *what, const char *code_attr,
                                model_node *n) {
    const char *ref = xml_attr_get(def, NULL, strcmp(what, "error") == 0 ? "errorRef" : "escalationRef");
    if (!ref || !*ref) { n->msg = what; return NULL; }
    n->msg = trigger_name(c, def, ref, n->id);
    if (!n->msg) n->msg = "";
    for (const xml_node *d = c->root->child; d; d = d->next) {
        const char *did = is_bpmn(d) && strcmp(d->name, what) == 0 ? xml_attr_get(d, NULL, "id") : NULL;
        if (!did || strcmp(did, ref)) continue;
        const char *code = xml_attr_get(d, NULL, code_attr);
        return arena_strdup(c->m->mem, code && *code ? code : ref);
    }
    return arena_strdup(c->m->mem, ref);
}

/* Events with a trigger other than a timer: the kind each takes, or -1
** when sdm does not run that combination. `kind` is the element's plain
** kind (catch events come in as EL_CATCH_TIMER, boundaries as
** EL_BOUNDARY_TIMER). */
static int triggered_kind(compiler *c, const xml_node *def, model_node *n, int kind) {
    static const struct { const char *def; char trigger; el_kind start, caught, boundary, thrown, end; } map[] = {
        {"messageEventDefinition", 'm', EL_START_MESSAGE, EL_CATCH_EVENT, EL_BOUNDARY_EVENT, EL_THROW_EVENT, EL_END_THROW},
        {"signalEventDefinition", 's', EL_START_SIGNAL, EL_CATCH_EVENT, EL_BOUNDARY_EVENT, EL_THROW_EVENT, EL_END_THROW},
        {"escalationEventDefinition", 'e', EL_START_CATCH, -1, EL_BOUNDARY_EVENT, EL_THROW_EVENT, EL_END_THROW},
        {"errorEventDefinition", 'x', EL_START_CATCH, -1, EL_BOUNDARY_EVENT, -1, EL_END_THROW},
        {"compensateEventDefinition", 'c', -1, -1, EL_BOUNDARY_EVENT, EL_THROW_EVENT, EL_END_THROW},
        {"linkEventDefinition", 'l', -1, EL_LINK_CATCH, -1, EL_LINK_THROW, -1},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        if (strcmp(def->name, map[i].def) != 0) continue;
        int k = kind == EL_START ? (int)map[i].start : kind == EL_CATCH_TIMER ? (int)map[i].caught
              : kind == EL_BOUNDARY_TIMER ? (int)map[i].boundary : kind == EL_THROW_NONE ? (int)map[i].thrown
              : kind == EL_END ? (int)map[i].end : -1;
        if (k < 0) return -1;
        n->trigger = map[i].trigger;
        switch (n->trigger) {
        case 'm': case 's': {
            int msg = n->trigger == 'm';
            n->msg = trigger_name(c, def, xml_attr_get(def, NULL, msg ? "messageRef" : "signalRef"), n->id);
            if (!n->msg) n->msg = "";
            break;
        }
        case 'e': n->code = trigger_code(c, def, "escalation", "escalationCode", n); break;
        case 'x': n->code = trigger_code(c, def, "error", "errorCode", n); break;
        case 'c': n->msg = trimmed(c->m->mem, xml_attr_get(def, NULL, "activityRef")); break;
        case 'l':
            n->msg = trimmed(c->m->mem, xml_attr_get(def, NULL, "name"));
            if (!n->msg) diag(c, 1, def, n->id, "link event '%s' has no name", n->id);
            break;
        }
        if (n->trigger == 'x' && kind == EL_BOUNDARY_TIMER) n->interrupting = 1;   /* errors always interrupt */
        return k;
    }
    return -1;
}

static int classify_event(compiler *c, const xml_node *x, model_node *n, int kind) {
    const char *id = n->id;
    const xml_node *def = event_definition(c, x);
    if (def && strcmp(def->name, "eventDefinitionRef") != 0) {
        int k = triggered_kind(c, def, n, kind);
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

/* A user task's form: <sdm:field name label type required choices min max
** default/> (choices "id=Label|id2"), or what Camunda Modeler writes,
** <camunda:formData><camunda:formField id label type defaultValue> with
** <camunda:validation><camunda:constraint name config/> and <camunda:value
** id name/> for an enum. Either may stand inside an <sdm:form>. */
static const char *const field_types[] = {
    "string", "text", "long", "double", "money", "boolean", "date", "enum", NULL
};

static void compile_form(compiler *c, const xml_node *x, model_node *n) {
    arena *a = c->m->mem;
    const xml_node *ext = child(x, "extensionElements");
    const xml_node *list[64];
    int count = 0;
    for (const xml_node *e = ext ? ext->child : NULL; e; e = e->next) {
        const xml_node *in = xml_is(e, SDM_NS, "form") || xml_is(e, CAMUNDA_NS, "formData") ? e->child : e;
        for (const xml_node *f = in; f && (f == e || in != e); f = f->next)
            if ((xml_is(f, SDM_NS, "field") || xml_is(f, CAMUNDA_NS, "formField")) && count < 64) list[count++] = f;
    }
    if (!count) return;
    if (n->kind != EL_TASK_USER) {       /* a Camunda start form, say: nobody fills it in here */
        diag(c, 0, x, n->id, "%s '%s' has form fields; only a userTask asks for them, so they are ignored",
             x->name, n->id);
        return;
    }
    n->fields = arena_alloc(a, sizeof *n->fields * (size_t)count);
    for (int i = 0; i < count; i++) {
        const xml_node *f = list[i];
        model_field *fd = memset(&n->fields[n->nfield++], 0, sizeof *fd);
        int cam = xml_is(f, CAMUNDA_NS, "formField");
        fd->line = f->line;
        fd->name = trimmed(a, xml_attr_get(f, NULL, cam ? "id" : "name"));
        fd->label = trimmed(a, xml_attr_get(f, NULL, "label"));
        fd->type = trimmed(a, xml_attr_get(f, NULL, "type"));
        fd->dflt = arena_strdup(a, xml_attr_get(f, NULL, cam ? "defaultValue" : "default"));
        if (!fd->type) fd->type = "string";
        if (!fd->label) fd->label = fd->name;
        const char *req = xml_attr_get(f, NULL, "required"), *lo = xml_attr_get(f, NULL, "min"),
                   *hi = xml_attr_get(f, NULL, "max"), *ch = xml_attr_get(f, NULL, "choices");
        fd->required = req && strcmp(req, "true") == 0;
        int nv = 0;
        for (const xml_node *v = f->child; v; v = v->next) {
            if (xml_is(v, CAMUNDA_NS, "value")) nv++;
            if (!xml_is(v, CAMUNDA_NS, "validation")) continue;
            for (const xml_node *k = v->child; k; k = k->next) {
                const char *cn = xml_attr_get(k, NULL, "name"), *cf = xml_attr_get(k, NULL, "config");
                if (!xml_is(k, CAMUNDA_NS, "constraint") || !cn) continue;
                if (strcmp(cn, "required") == 0) fd->required = 1;
                else if (strcmp(cn, "min") == 0 || strcmp(cn, "minlength") == 0) lo = cf;
                else if (strcmp(cn, "max") == 0 || strcmp(cn, "maxlength") == 0) hi = cf;
            }
        }
        char *end;
        if (lo) { fd->min = strtod(lo, &end); fd->has_min = *lo && !*end; }
        if (hi) { fd->max = strtod(hi, &end); fd->has_max = *hi && !*end; }
        if ((lo && !fd->has_min) || (hi && !fd->has_max))
            diag(c, 1, f, n->id, "field '%s' of '%s': min and max must be numbers", fd->name ? fd->name : "?", n->id);
        for (const char *p = ch; p && *p; p += strcspn(p, "|"), p += *p == '|') nv++;
        fd->choices = arena_alloc(a, sizeof *fd->choices * (size_t)(nv + 1));
        fd->choice_labels = arena_alloc(a, sizeof *fd->choices * (size_t)(nv + 1));
        for (const xml_node *v = f->child; v; v = v->next)
            if (xml_is(v, CAMUNDA_NS, "value")) {
                const char *id = xml_attr_get(v, NULL, "id"), *nm = xml_attr_get(v, NULL, "name");
                if (!id) continue;
                fd->choices[fd->nchoice] = arena_strdup(a, id);
                fd->choice_labels[fd->nchoice++] = arena_strdup(a, nm ? nm : id);
            }
        for (const char *p = ch; p && *p; p += strcspn(p, "|"), p += *p == '|') {
            size_t len = strcspn(p, "|"), eq = strcspn(p, "=");
            fd->choices[fd->nchoice] = trimmed(a, arena_strndup(a, p, eq < len ? eq : len));
            fd->choice_labels[fd->nchoice] = eq < len ? trimmed(a, arena_strndup(a, p + eq + 1, len - eq - 1))
                                                      : fd->choices[fd->nchoice];
            if (fd->choices[fd->nchoice]) fd->nchoice++;
        }
        if (!fd->name)
            diag(c, 1, f, n->id, "a form field of '%s' has no %s (the variable it sets)", n->id, cam ? "id" : "name");
        else if (!in_list(field_types, fd->type))
            diag(c, 1, f, n->id, "field '%s' of '%s' has type '%s'; use string, text, long, double, money, boolean, "
                 "date or enum", fd->name, n->id, fd->type);
        else if (strcmp(fd->type, "enum") == 0 && !fd->nchoice)
            diag(c, 1, f, n->id, "enum field '%s' of '%s' has no choices", fd->name, n->id);
        for (int j = 0; fd->name && j < i; j++)
            if (n->fields[j].name && strcmp(n->fields[j].name, fd->name) == 0)
                diag(c, 1, f, n->id, "'%s' has two form fields named '%s'", n->id, fd->name);
    }
}

/* Loop and multi-instance markers. Expressions are Lua; the collection
** and element variable come from sdm: attributes, plain camunda: ones, or
** BPMN's loopDataInputRef/inputDataItem (a data item's name is the
** variable's). Token quantities other than 1 are refused, not run once. */
static const char *data_name(compiler *c, const xml_node *px, const char *ref) {
    for (const xml_node *x = px ? px->child : NULL; x && ref; x = x->next) {
        const char *id = is_bpmn(x) ? xml_attr_get(x, NULL, "id") : NULL;
        if (id && strcmp(id, ref) == 0) {
            const char *name = xml_attr_get(x, NULL, "name");
            return arena_strdup(c->m->mem, name && *name ? name : id);
        }
        const char *inner = data_name(c, x, ref);
        if (inner) return inner;
    }
    return NULL;
}

static void compile_loop(compiler *c, const xml_node *x, model_node *n) {
    arena *a = c->m->mem;
    const xml_node *mi = child(x, "multiInstanceLoopCharacteristics"), *sl = child(x, "standardLoopCharacteristics");
    if (mi || sl) {
        model_loop *l = arena_alloc(a, sizeof *l);
        memset(l, 0, sizeof *l);
        l->line = (mi ? mi : sl)->line;
        if (mi) {
            const char *seq = xml_attr_get(mi, NULL, "isSequential");
            l->kind = seq && strcmp(seq, "true") == 0 ? 's' : 'p';
            const xml_node *e;
            if ((e = child(mi, "loopCardinality"))) l->count = trimmed(a, e->text);
            if ((e = child(mi, "completionCondition"))) l->until = trimmed(a, e->text);
            l->items = trimmed(a, sdm_attr(mi, "collection"));
            l->elem = trimmed(a, sdm_attr(mi, "elementVariable"));
            const char *cam = xml_attr_get(mi, CAMUNDA_NS, "collection");
            if (!l->items && cam && !strchr(cam, '$') && !strchr(cam, '#')) l->items = trimmed(a, cam);
            cam = xml_attr_get(mi, CAMUNDA_NS, "elementVariable");
            if (!l->elem && cam) l->elem = trimmed(a, cam);
            if (!l->items && (e = child(mi, "loopDataInputRef"))) {
                const char *ref = trimmed(a, e->text);
                l->items = data_name(c, c->root, ref);
                if (!l->items) l->items = ref;
            }
            if (!l->elem && (e = child(mi, "inputDataItem"))) {
                const char *nm = xml_attr_get(e, NULL, "name");
                l->elem = trimmed(a, nm && *nm ? nm : xml_attr_get(e, NULL, "id"));
            }
            if (!l->count == !l->items)
                diag(c, 1, mi, n->id, "multi-instance '%s' needs either loopCardinality or a collection "
                     "(sdm:collection=\"lua expression\"), not %s", n->id, l->count ? "both" : "neither");
            const char *beh = xml_attr_get(mi, NULL, "behavior");
            if (beh && strcmp(beh, "All") && (child(mi, "complexBehaviorDefinition") || xml_attr_get(mi, NULL, "noneBehaviorEventRef") || xml_attr_get(mi, NULL, "oneBehaviorEventRef")))
                diag(c, 1, mi, n->id, "multi-instance '%s': behavior=\"%s\" with events is not supported", n->id, beh);
        } else {
            l->kind = 'l';
            const xml_node *e = child(sl, "loopCondition");
            l->cond = e ? trimmed(a, e->text) : NULL;
            const char *tb = xml_attr_get(sl, NULL, "testBefore"), *mx = xml_attr_get(sl, NULL, "loopMaximum");
            l->test_before = tb && strcmp(tb, "true") == 0;
            l->max = mx ? atoi(mx) : 0;
            if (l->max < 0)
                diag(c, 1, sl, n->id, "standard loop on '%s': loopMaximum %d is negative", n->id, l->max);
            if (!l->cond && l->max <= 0)
                diag(c, 1, sl, n->id, "standard loop on '%s' has neither a loopCondition nor a loopMaximum", n->id);
        }
        n->loop = l;
    }
    static const char *const qty[] = {"startQuantity", "completionQuantity"};
    for (int i = 0; i < 2; i++) {
        const char *v = xml_attr_get(x, NULL, qty[i]);
        if (v && strcmp(v, "1") != 0)
            diag(c, 1, x, n->id, "%s '%s': %s=\"%s\" is not supported (only 1)", x->name, n->id, qty[i], v);
    }
}

/* Which variables a call activity passes: sdm:in / sdm:out name them
** (space-separated, "*" for all), or Camunda's <camunda:in source target>
** and <camunda:in variables="all"/>; nothing said means all, both ways.
** sdm:version pins the called process's version. */
static int parse_map(compiler *c, const char *list, model_map **out) {
    if (!list || strcmp(list, "*") == 0 || strcmp(list, "all") == 0) return -1;
    int n = 0;
    char word[256];
    int len;
    for (const char *p = list; sscanf(p, " %255s%n", word, &len) == 1; p += len) n++;
    *out = arena_alloc(c->m->mem, sizeof **out * (size_t)(n + 1));
    n = 0;
    for (const char *p = list; sscanf(p, " %255s%n", word, &len) == 1; p += len) {
        const char *w = arena_strdup(c->m->mem, word);
        (*out)[n++] = (model_map){w, w};
    }
    return n;
}

static void compile_call(compiler *c, const xml_node *x, model_node *n) {
    n->nvin = parse_map(c, sdm_attr(x, "in"), &n->vin);
    n->nvout = parse_map(c, sdm_attr(x, "out"), &n->vout);
    const char *v = sdm_attr(x, "version");
    const char *binding = xml_attr_get(x, CAMUNDA_NS, "calledElementBinding");
    if (!v && binding && strcmp(binding, "version") == 0) v = xml_attr_get(x, CAMUNDA_NS, "calledElementVersion");
    if (v) {
        char *end;
        long ver = strtol(v, &end, 10);
        if (*end || ver < 1 || ver > 1000000)
            diag(c, 1, x, n->id, "callActivity '%s': version '%s' is not a version number", n->id, v);
        else n->called_version = (int)ver;
    }
    const xml_node *ext = child(x, "extensionElements");
    for (int dir = 0; ext && dir < 2; dir++) {
        int count = 0, all = 0;
        const char *tag = dir ? "out" : "in";
        for (const xml_node *e = ext->child; e; e = e->next)
            if (xml_is(e, CAMUNDA_NS, tag)) { count++; all |= xml_attr_get(e, NULL, "variables") != NULL; }
        if (!count || (dir ? n->nvout : n->nvin) >= 0 || all) continue;   /* sdm: wins; "all" keeps all */
        model_map *m = arena_alloc(c->m->mem, sizeof *m * (size_t)count);
        int k = 0;
        for (const xml_node *e = ext->child; e; e = e->next) {
            if (!xml_is(e, CAMUNDA_NS, tag)) continue;
            const char *src = xml_attr_get(e, NULL, "source"), *dst = xml_attr_get(e, NULL, "target");
            if (!src || !dst || strchr(src, '$') || strchr(src, '#')) {
                diag(c, 1, e, n->id, "callActivity '%s': camunda:%s needs plain source and target names "
                     "(expressions are not run by sdm)", n->id, tag);
                continue;
            }
            m[k++] = (model_map){arena_strdup(c->m->mem, src), arena_strdup(c->m->mem, dst)};
        }
        if (dir) { n->vout = m; n->nvout = k; } else { n->vin = m; n->nvin = k; }
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
    n->card = trimmed(a, sdm_attr(x, "card"));
    n->outcome = trimmed(a, sdm_attr(x, "outcome"));
    n->accountable = trimmed(a, sdm_attr(x, "accountable"));
    n->consulted = trimmed(a, sdm_attr(x, "consulted"));
    n->informed = trimmed(a, sdm_attr(x, "informed"));
    n->attached = n->parent = n->start = n->comp = n->link = -1;
    n->interrupting = 1;
    const char *ca = kind == EL_BOUNDARY_TIMER ? xml_attr_get(x, NULL, "cancelActivity")
                   : kind == EL_START ? xml_attr_get(x, NULL, "isInterrupting") : NULL;
    if (ca) n->interrupting = strcmp(ca, "false") != 0;
    if (kind == EL_START || kind == EL_END || kind == EL_THROW_NONE || kind == EL_CATCH_TIMER ||
        kind == EL_BOUNDARY_TIMER)
        kind = classify_event(c, x, n, kind);
    if (kind == EL_START_SIGNAL) n->client = trimmed(a, sdm_attr(x, "client"));
    n->corr = trimmed(a, sdm_attr(x, "correlationKey"));
    if (kind == EL_RECEIVE || (kind == EL_THROW_EVENT && strcmp(x->name, "sendTask") == 0)) {
        n->trigger = 'm';
        n->msg = trigger_name(c, x, xml_attr_get(x, NULL, "messageRef"), n->id);
        if (!n->msg) n->msg = "";
    }
    n->kind = (el_kind)kind;
    if (n->outcome && strcmp(n->outcome, "success") && strcmp(n->outcome, "failure"))
        diag(c, 1, x, n->id, "%s '%s': sdm:outcome must be success or failure", x->name, n->id);
    compile_task(c, x, n);
    compile_checkpoints(c, x, n);
    compile_form(c, x, n);
    compile_loop(c, x, n);
    if (n->kind == EL_SUBPROCESS) {
        const char *t = xml_attr_get(x, NULL, "triggeredByEvent");
        n->triggered = t && strcmp(t, "true") == 0;
    }
    if (n->kind == EL_GW_COMPLEX) {
        const xml_node *ac = child(x, "activationCondition");
        n->activation = ac ? trimmed(c->m->mem, ac->text) : NULL;
    }
    if (n->kind == EL_GW_EVENT) {
        const char *inst = xml_attr_get(x, NULL, "instantiate");
        if (inst && strcmp(inst, "true") == 0)
            diag(c, 1, x, n->id, "eventBasedGateway '%s': instantiate=\"true\" is not supported", n->id);
    }
    if (n->kind == EL_CALL) {
        n->called = trimmed(c->m->mem, xml_attr_get(x, NULL, "calledElement"));
        if (!n->called)
            diag(c, 1, x, n->id, "callActivity '%s' has no calledElement (the id of the process to run)", n->id);
        compile_call(c, x, n);
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

/* Flows in document order; each must join two nodes of the container it
** is drawn in (flows never cross a subprocess's border). */
static void link_flows(compiler *c, model_proc *p) {
    arena *a = c->m->mem;
    for (int fi = 0; fi < p->nflow; fi++) {
        const xml_node *x = c->fx[fi];
        model_flow *f = &p->flows[fi];
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
        for (int end = 0; end < 2; end++) {
            int n = end ? f->dst : f->src;
            if (n >= 0 && p->nodes[n].parent != c->fscope[fi]) {
                diag(c, 1, x, f->id, "sequenceFlow '%s' crosses the border of a subprocess at '%s'", f->id,
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
            diag(c, 1, x, n->id, "%s '%s': default flow '%s' is not one of its outgoing flows",
                 n->tag, n->id, d);
        else if (p->flows[n->dflt].cond)
            diag(c, 0, x, n->id, "%s '%s': the condition on default flow '%s' is ignored",
                 n->tag, n->id, d);
    }
}

static int is_start(el_kind k) {
    return k == EL_START || k == EL_START_MESSAGE || k == EL_START_TIMER || k == EL_START_SIGNAL ||
           k == EL_START_CATCH;
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
        if (n->kind == EL_START && n->parent < 0) p->starts[p->nstart++] = i;
        if (n->kind == EL_START_TIMER && n->parent < 0 && n->timer && n->timer[0] == '=')
            diag(c, 1, x, n->id, "timer startEvent '%s': a Lua timer needs an instance; give an ISO 8601 value", n->id);
        if (n->kind == EL_SUBPROCESS && n->triggered) {
            int *cnt = n->parent >= 0 ? &p->nodes[n->parent].nevsub : &p->nevsub;
            int **v = n->parent >= 0 ? &p->nodes[n->parent].evsubs : &p->evsubs;
            if (!*v) *v = arena_alloc(a, sizeof(int) * (size_t)p->nnode);
            (*v)[(*cnt)++] = i;
            if (n->nin || n->nout)
                diag(c, 1, x, n->id, "event subProcess '%s' has sequence flows; it starts by its event", n->id);
            if (n->loop) diag(c, 1, x, n->id, "event subProcess '%s' cannot loop", n->id);
        }
        if (!is_start(n->kind)) continue;
        const model_node *sp = n->parent >= 0 ? &p->nodes[n->parent] : NULL;
        int in_event_sub = sp && sp->triggered;
        if (n->kind == EL_START_CATCH && !in_event_sub)
            diag(c, 1, x, n->id, "%s startEvent '%s': only an event subProcess starts by an %s",
                 n->trigger == 'x' ? "error" : "escalation", n->id, n->trigger == 'x' ? "error" : "escalation");
        if (!sp) continue;
        if (in_event_sub == (n->kind == EL_START))
            diag(c, 1, x, n->id, in_event_sub ? "startEvent '%s' of event subProcess '%s' has no trigger "
                 "(message, timer, signal, error or escalation)"
                 : "startEvent '%s' of subProcess '%s' has a trigger; an embedded subprocess starts with a none start event",
                 n->id, sp->id);
        if (sp->start >= 0)
            diag(c, 1, x, n->id, "subProcess '%s' has several start events ('%s', '%s')", sp->id,
                 p->nodes[sp->start].id, n->id);
        else
            p->nodes[n->parent].start = i;
    }
    for (int i = 0; i < p->nnode; i++)
        if (p->nodes[i].kind == EL_SUBPROCESS && p->nodes[i].start < 0)
            diag(c, 1, c->nx[i], p->nodes[i].id, "subProcess '%s' has no start event", p->nodes[i].id);
}

static void check_graph(compiler *c, model_proc *p, const xml_node *px) {
    int message_starts = 0;
    for (int i = 0; i < p->nnode; i++)
        message_starts += p->nodes[i].parent < 0 && is_start(p->nodes[i].kind) && p->nodes[i].kind != EL_START;
    if (p->nstart == 0 && !message_starts)
        diag(c, 1, px, p->id, "process '%s' has no start event sdm can start", p->id);
    for (int i = 0; i < p->nnode; i++) {
        model_node *n = &p->nodes[i];
        const xml_node *at = c->nx[i];
        int gw = n->kind == EL_GW_EXCLUSIVE || n->kind == EL_GW_PARALLEL || n->kind == EL_GW_INCLUSIVE ||
                 n->kind == EL_GW_EVENT || n->kind == EL_GW_COMPLEX;
        if ((n->kind == EL_GW_INCLUSIVE || n->kind == EL_GW_COMPLEX) && n->nin > 1) p->n_or_join++;
        if (n->kind == EL_GW_COMPLEX && n->nin > 1 && !n->activation)
            diag(c, 1, at, n->id, "complexGateway '%s' joins %d flows but has no activationCondition", n->id, n->nin);
        if (gw && n->nout == 0)
            diag(c, 1, at, n->id, "%s '%s' has no outgoing sequence flow", n->tag, n->id);
        if ((n->kind == EL_BOUNDARY_TIMER || n->kind == EL_BOUNDARY_EVENT) && n->nin > 0)
            diag(c, 1, at, n->id, "boundaryEvent '%s' has incoming sequence flows", n->id);
        if ((n->kind == EL_BOUNDARY_TIMER || n->kind == EL_BOUNDARY_EVENT) && n->trigger != 'c' && n->nout == 0)
            diag(c, 1, at, n->id, "boundaryEvent '%s' has no outgoing sequence flow (where its path goes)", n->id);
        if (is_start(n->kind) && n->nin > 0)
            diag(c, 1, at, n->id, "startEvent '%s' has incoming sequence flows", n->id);
        if ((n->kind == EL_END || n->kind == EL_END_TERMINATE || n->kind == EL_END_THROW) && n->nout > 0)
            diag(c, 1, at, n->id, "endEvent '%s' has outgoing sequence flows", n->id);
        if (n->kind == EL_GW_PARALLEL)
            for (int k = 0; k < n->nout; k++)
                if (p->flows[n->out[k]].cond)
                    diag(c, 0, at, n->id, "%s '%s': condition on flow '%s' is ignored", n->tag,
                         n->id, p->flows[n->out[k]].id);
        if (n->kind == EL_GW_EVENT)
            for (int k = 0; k < n->nout; k++) {
                const model_node *t = &p->nodes[p->flows[n->out[k]].dst < 0 ? i : p->flows[n->out[k]].dst];
                if (t->kind != EL_CATCH_TIMER && t->kind != EL_CATCH_EVENT && t->kind != EL_RECEIVE)
                    diag(c, 1, at, n->id, "eventBasedGateway '%s' leads to %s '%s'; it must lead to timer, "
                         "message or signal catch events or receive tasks", n->id, t->tag, t->id);
            }
        if (n->kind == EL_LINK_THROW && n->msg) {
            for (int k = 0; k < p->nnode && n->link < 0; k++)
                if (p->nodes[k].kind == EL_LINK_CATCH && p->nodes[k].parent == n->parent &&
                    p->nodes[k].msg && strcmp(p->nodes[k].msg, n->msg) == 0) n->link = k;
            if (n->link < 0)
                diag(c, 1, at, n->id, "link '%s' of '%s' has no link catch event of that name in its scope",
                     n->msg, n->id);
        }
    }
    /* Reachability: a breadth-first walk from every start event, link
    ** catch and compensation handler, at every level. */
    char *seen = xcalloc((size_t)p->nnode + 1, 1);
    int *queue = xmalloc(sizeof(int) * ((size_t)p->nnode + 1)), qn = 0;
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        if (is_start(n->kind) || n->kind == EL_LINK_CATCH || (n->kind == EL_BOUNDARY_EVENT && n->comp >= 0) ||
            (n->kind == EL_SUBPROCESS && n->triggered)) {
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
            diag(c, 0, c->nx[i], p->nodes[i].id, "%s '%s' cannot be reached from any start event",
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
    int waits = a->kind == EL_TASK_USER || a->kind == EL_RECEIVE || a->kind == EL_CALL ||
                (a->kind == EL_SUBPROCESS && !a->triggered);
    switch (b->kind == EL_BOUNDARY_TIMER ? 't' : b->trigger) {
    case 't': case 'm': case 's': return waits;
    case 'e': return a->kind == EL_CALL || a->kind == EL_SUBPROCESS;
    case 'x': return a->kind == EL_CALL || a->kind == EL_SUBPROCESS || a->kind == EL_TASK_SCRIPT ||
                     a->kind == EL_TASK_SERVICE;
    case 'c': return a->kind != EL_SUBPROCESS || !a->triggered;
    }
    return 0;
}

static void attach_boundaries(compiler *c, model_proc *p) {
    for (int i = 0; i < p->nnode; i++) {
        const xml_node *x = c->nx[i];
        model_node *n = &p->nodes[i];
        if (n->kind != EL_BOUNDARY_TIMER && n->kind != EL_BOUNDARY_EVENT) continue;
        const char *ref = xml_attr_get(x, NULL, "attachedToRef");
        n->attached = ref ? model_node_find(p, ref) : -1;
        if (n->attached < 0) {
            diag(c, 1, x, n->id, "boundaryEvent '%s' is attached to '%s', which is not a node of process '%s'",
                 n->id, ref ? ref : "(none)", p->id);
            continue;
        }
        model_node *a = &p->nodes[n->attached];
        int timely = n->kind == EL_BOUNDARY_TIMER || n->trigger == 'm' || n->trigger == 's';
        if (!boundary_fits(n, a) && timely && a->kind != EL_SUBPROCESS) {
            /* allowed by BPMN, but the task does not wait: nothing can happen while it runs */
            diag(c, 0, x, n->id, "boundaryEvent '%s' on %s '%s' never fires: the task runs at once, without waiting",
                 n->id, a->tag, a->id);
            continue;
        }
        if (!boundary_fits(n, a)) {
            diag(c, 1, x, n->id, "%s boundaryEvent '%s' on %s '%s' is not supported", n->kind == EL_BOUNDARY_TIMER
                 ? "timer" : n->trigger == 'm' ? "message" : n->trigger == 's' ? "signal" : n->trigger == 'e'
                 ? "escalation" : n->trigger == 'x' ? "error" : "compensate", n->id, a->tag, a->id);
            continue;
        }
        if (a->parent != n->parent)
            diag(c, 1, x, n->id, "boundaryEvent '%s' and '%s' are not in the same scope", n->id, a->id);
        if (n->trigger == 'c') a->compensable = 1;
        if (!a->bnd) a->bnd = arena_alloc(c->m->mem, sizeof(int) * (size_t)p->nnode);
        a->bnd[a->nbnd++] = i;
    }
}

/* A compensation boundary names its handler by an association; the
** handler is an activity marked isForCompensation. */
static void link_compensation(compiler *c, model_proc *p) {
    for (int k = 0; k < c->nassoc; k++) {
        const char *src = xml_attr_get(c->assoc[k], NULL, "sourceRef"), *dst = xml_attr_get(c->assoc[k], NULL, "targetRef");
        int b = src ? model_node_find(p, src) : -1, h = dst ? model_node_find(p, dst) : -1;
        if (b < 0 || h < 0 || p->nodes[b].kind != EL_BOUNDARY_EVENT || p->nodes[b].trigger != 'c') continue;
        p->nodes[b].comp = h;
        const char *fc = xml_attr_get(c->nx[h], NULL, "isForCompensation");
        if (!fc || strcmp(fc, "true"))
            diag(c, 1, c->nx[h], p->nodes[h].id, "'%s' handles compensation of '%s' but is not isForCompensation=\"true\"",
                 p->nodes[h].id, p->nodes[b].id);
    }
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        if (n->kind == EL_BOUNDARY_EVENT && n->trigger == 'c' && n->comp < 0)
            diag(c, 1, c->nx[i], n->id, "compensation boundaryEvent '%s' has no handler (an association to an "
                 "activity with isForCompensation=\"true\")", n->id);
        if ((n->kind == EL_THROW_EVENT || n->kind == EL_END_THROW) && n->trigger == 'c' && n->msg &&
            model_node_find(p, n->msg) < 0)
            diag(c, 1, c->nx[i], n->id, "'%s' compensates activity '%s', which is not a node of process '%s'",
                 n->id, n->msg, p->id);
    }
}

/* ---------- processes ---------- */

/* Counts what a container (process or subProcess) holds, at every depth. */
static void count_children(compiler *c, const xml_node *px, model_proc *p) {
    for (const xml_node *x = px->child; x; x = x->next) {
        if (!is_bpmn(x)) continue;             /* vendor extensions: ignored */
        const char *id = xml_attr_get(x, NULL, "id");
        int k = node_kind(x);
        if (k >= 0) {
            if (!id || !*id) diag(c, 1, x, NULL, "%s at line %d has no id", x->name, x->line);
            if (k == EL_UNSUPPORTED)
                diag(c, 1, x, id, "%s '%s' at %s:%d is not supported", x->name, describe(c, x, id),
                     c->m->file, x->line);
            p->nnode++;
            if (k == EL_SUBPROCESS) count_children(c, x, p);
        } else if (strcmp(x->name, "sequenceFlow") == 0) {
            p->nflow++;
        } else if (strcmp(x->name, "association") == 0) {
            c->nassoc++;
        } else if (!in_list(passive_tags, x->name)) {
            diag(c, 1, x, id, "unknown BPMN element <%s> in process '%s'", x->name, p->id);
        }
    }
}

static void add_local(compiler *c, model_node *sp, const xml_node *x) {
    const char *name = xml_attr_get(x, NULL, "name");
    name = trimmed(c->m->mem, name && *name ? name : xml_attr_get(x, NULL, "id"));
    if (!name) return;
    const char **v = arena_alloc(c->m->mem, sizeof *v * (size_t)(sp->nlocal + 1));
    if (sp->nlocal) memcpy(v, sp->locals, sizeof *v * (size_t)sp->nlocal);
    v[sp->nlocal++] = name;
    sp->locals = v;
}

/* Compiles a container's nodes in document order, a subprocess before
** what it holds, so a node's parent always has a smaller index. */
static void compile_container(compiler *c, const xml_node *px, model_proc *p, int parent, roles *r) {
    for (const xml_node *x = px->child; x; x = x->next) {
        if (!is_bpmn(x)) continue;
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
    if (!p->id) { p->id = "(no id)"; diag(c, 1, px, NULL, "process at line %d has no id", px->line); }
    p->name = trimmed(a, xml_attr_get(px, NULL, "name"));
    p->line = px->line;
    const char *ex = xml_attr_get(px, NULL, "isExecutable");
    p->executable = !ex ? -1 : strcmp(ex, "true") == 0;
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
    compiler *c;
    const xml_node *root;
    xref *ids;  int nids, cap;     /* every BPMN element with an id, by id */
} spec;

static int is_tag(const xml_node *x, const char *name) {
    return x && is_bpmn(x) && strcmp(x->name, name) == 0;
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
        if (is_bpmn(up) && id_of(up)) return up;
    return x;
}

static const char *a_an(const char *word) {
    return strchr("aeiouAEIOU", word[0]) ? "an" : "a";
}

static int nchild(const xml_node *x, const char *name) {
    int n = 0;
    for (const xml_node *c = x->child; c; c = c->next) n += is_tag(c, name);
    return n;
}

static void index_ids(spec *s, const xml_node *x) {
    for (; x; x = x->next) {
        const char *id = is_bpmn(x) ? id_of(x) : NULL;
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
        for (int i = 0; id && i < s->c->m->nproc; i++)
            if (strcmp(s->c->m->procs[i].id, id) == 0) return i;
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
static void fail(spec *s, const xml_node *x, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(spec *s, const xml_node *x, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    int saved = s->c->proc;
    s->c->proc = proc_index(s, x);
    diag(s->c, 1, x, id_of(x) ? id_of(x) : id_of(owner_of(x)), "%s", buf);
    s->c->proc = saved;
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
    return x && is_bpmn(x) && in_list(item_aware, x->name);
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
        if (is_event_definition(c)) v[n++] = c;
        else if (is_tag(c, "eventDefinitionRef")) {
            const xml_node *d = lookup(s, c->text);
            if (d && is_event_definition(d)) v[n++] = d;
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
        fail(s, ev, "%s '%s' has %d %s%s for %d event definitions; each definition carries its data in a %s of its own",
             ev->name, label(ev), n, tag, n == 1 ? "" : "s", nd, tag);
        return;
    }
    for (int i = 0; i < n; i++) {
        const xml_node *want = def_item(s, defs[i]), *got = item_ref(s, data[i], "itemSubjectRef");
        if (want && !same_item(want, got))
            fail(s, data[i], "%s '%s' of %s '%s' holds %s, but its %s carries %s", tag, label(data[i]), ev->name,
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
        fail(s, ev, "%s '%s' throws an escalation %s; a thrown escalation needs an escalationCode",
             ev->name, label(ev), is_tag(e, "escalation") ? "whose <escalation> has no escalationCode"
                                                          : "without naming an <escalation> (escalationRef)");
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
            fail(s, ev, "%s '%s' has %s %s event definition, which %s cannot have%s", ev->name, label(ev),
                 a_an(kind), kind, where, why);
        if (bit == D_TIMER && nchild(defs[i], "timeDate") + nchild(defs[i], "timeDuration") +
                              nchild(defs[i], "timeCycle") > 1)          /* EXT.131 */
            fail(s, ev, "timer of '%s' has more than one of timeDate, timeDuration and timeCycle; "
                 "a timer is a date, a duration or a cycle", label(ev));
        if (bit == D_ESCALATION) check_escalation_code(s, ev, defs[i]);
    }
    check_event_data(s, ev, defs, nd);
}

/* ---- flow nodes of a process ---- */

static int is_gateway(const model_node *n) {
    size_t len = strlen(n->tag);
    return len >= 7 && strcmp(n->tag + len - 7, "Gateway") == 0;
}

static int is_activity(const char *tag) {
    size_t len = strlen(tag);
    return strcmp(tag, "task") == 0 || (len > 4 && strcmp(tag + len - 4, "Task") == 0) ||
           strcmp(tag, "subProcess") == 0 || strcmp(tag, "callActivity") == 0 ||
           strcmp(tag, "transaction") == 0 || strcmp(tag, "adHocSubProcess") == 0;
}

static int is_end(el_kind k) {
    return k == EL_END || k == EL_END_TERMINATE || k == EL_END_THROW;
}

/* A gateway merges, splits or both, as its direction says (EXT.017-019,
** EXT.135); an event-based gateway chooses between two or more events, by
** the events alone (EXT.136, EXT.137). */
static void check_gateway(spec *s, const model_proc *p, const model_node *n, const xml_node *x) {
    const char *dir = xml_attr_get(x, NULL, "gatewayDirection");
    if (dir && strcmp(dir, "Converging") == 0 && n->nout > 1)
        fail(s, x, "%s '%s' is converging but has %d outgoing flows; "
             "a converging gateway merges and leaves by one flow",
             n->tag, n->id, n->nout);
    if (dir && strcmp(dir, "Diverging") == 0 && n->nin > 1)
        fail(s, x, "%s '%s' is diverging but has %d incoming flows; a diverging gateway splits one flow",
             n->tag, n->id, n->nin);
    if (dir && strcmp(dir, "Mixed") == 0 && (n->nin < 2 || n->nout < 2))
        fail(s, x, "%s '%s' is mixed but has %d incoming and %d outgoing flows; a mixed gateway both merges and splits",
             n->tag, n->id, n->nin, n->nout);
    if (n->nin < 2 && n->nout == 1)
        fail(s, x, "%s '%s' has %d incoming and one outgoing flow; "
             "a gateway must merge several flows or split into several",
             n->tag, n->id, n->nin);
    if (n->kind != EL_GW_EVENT) return;
    if (n->nout == 1)
        fail(s, x, "eventBasedGateway '%s' has one outgoing flow; it chooses between two or more events", n->id);
    for (int k = 0; k < n->nout; k++)
        if (p->flows[n->out[k]].cond)
            fail(s, x, "eventBasedGateway '%s' has a conditional outgoing flow '%s'; "
                 "its flows follow events, not conditions",
                 n->id, p->flows[n->out[k]].id);
}

/* Loop and multi-instance data: the loop walks a collection held by a data
** element, one item at a time, of that collection's structure (EXT.068-070). */
static void check_loop_data(spec *s, const xml_node *x, const xml_node *mi) {
    static const char *const refs[] = {"loopDataInputRef", "loopDataOutputRef"};
    static const char *const items[] = {"inputDataItem", "outputDataItem"};
    for (int i = 0; i < 2; i++) {
        const xml_node *r = child(mi, refs[i]), *loop = r ? lookup(s, r->text) : NULL;
        if (loop && !is_item_aware(loop)) {
            fail(s, r, "%s of '%s' names %s '%s', which holds no data; it must name a data input or output, "
                 "a data object or a property", refs[i], label(x), loop->name, label(loop));
            loop = NULL;
        }
        const xml_node *it = child(mi, items[i]), *idef = it ? item_ref(s, it, "itemSubjectRef") : NULL;
        if (!idef) continue;
        if (attr_is(idef, "isCollection", "true"))
            fail(s, it, "%s of '%s' is a collection (itemDefinition '%s'); it holds one item of the loop's collection",
                 items[i], label(x), label(idef));
        const xml_node *ldef = loop ? data_item(s, loop) : NULL;
        if (ldef && !same_item(ldef, idef))
            fail(s, it, "%s of '%s' holds %s, but the collection it walks holds %s", items[i], label(x),
                 item_name(idef), item_name(ldef));
    }
}

/* A send task's one data input, a receive task's one data output, holds
** its message (EXT.046-052). */
static void check_message_task(spec *s, const xml_node *x) {
    int send = is_tag(x, "sendTask");
    const xml_node *io = child(x, "ioSpecification");
    if ((!send && !is_tag(x, "receiveTask")) || !io) return;
    const char *set = send ? "inputSet" : "outputSet", *tag = send ? "dataInput" : "dataOutput";
    if (nchild(io, set) > 1)
        fail(s, x, "%s '%s' has %d %ss; it %s one message, so it has at most one", x->name, label(x),
             nchild(io, set), set, send ? "sends" : "receives");
    const xml_node *data[2];
    int nd = data_list(io, tag, data, 2);
    if (nd > 1)
        fail(s, x, "%s '%s' has %d %ss; its message is its only %s", x->name, label(x), nchild(io, tag), tag,
             send ? "input" : "output");
    const xml_node *msg = lookup(s, xml_attr_get(x, NULL, "messageRef"));
    const xml_node *want = is_tag(msg, "message") ? item_ref(s, msg, "itemRef") : NULL;
    const xml_node *got = nd == 1 ? item_ref(s, data[0], "itemSubjectRef") : NULL;
    if (want && nd == 1 && !same_item(want, got))
        fail(s, data[0], "%s '%s' of %s '%s' holds %s, but its message '%s' carries %s", tag, label(data[0]),
             x->name, label(x), item_name(got), label(msg), item_name(want));
}

static void check_activity(spec *s, const model_proc *p, const model_node *n, const xml_node *x) {
    if (n->nout == 1 && p->flows[n->out[0]].cond)      /* EXT.025 */
        fail(s, x, "%s '%s' has a condition on its only outgoing flow '%s'; a conditional flow from an "
             "activity needs another flow to take when it does not hold", n->tag, n->id, p->flows[n->out[0]].id);
    const xml_node *mi = child(x, "multiInstanceLoopCharacteristics");
    if (mi && child(x, "standardLoopCharacteristics"))  /* EXT.041 */
        fail(s, x, "%s '%s' has both a standard loop and a multi-instance marker; an activity loops one way",
             n->tag, n->id);
    if (mi) check_loop_data(s, x, mi);
    if (is_tag(x, "receiveTask") && attr_is(x, "instantiate", "true") && n->nin > 0)   /* EXT.049 */
        fail(s, x, "receiveTask '%s' starts the process (instantiate=\"true\") but has incoming sequence flows",
             n->id);
    check_message_task(s, x);
}

/* Links: a throw event only ends a path, a catch event only starts one,
** and a catch event has a throw event of its name to come from (EXT.117,
** EXT.124). Compensation handlers are reached by association, not by
** flows (EXT.114). */
static void check_link(spec *s, const model_proc *p, const model_node *n, const xml_node *x) {
    if (n->kind == EL_LINK_THROW && n->nout > 0)
        fail(s, x, "link intermediateThrowEvent '%s' has outgoing sequence flows; "
             "the path goes on at its link catch event",
             n->id);
    if (n->kind == EL_BOUNDARY_EVENT && n->trigger == 'c' && n->nout > 0)
        fail(s, x, "compensation boundaryEvent '%s' has outgoing sequence flows; "
             "its handler is joined by an association",
             n->id);
    if (n->kind != EL_LINK_CATCH) return;
    if (n->nin > 0)
        fail(s, x, "link intermediateCatchEvent '%s' has incoming sequence flows; "
             "a path only arrives there by its link",
             n->id);
    int thrown = 0;
    for (int k = 0; k < p->nnode && !thrown; k++)
        thrown = p->nodes[k].kind == EL_LINK_THROW && p->nodes[k].parent == n->parent && p->nodes[k].msg &&
                 n->msg && strcmp(p->nodes[k].msg, n->msg) == 0;
    if (!thrown && n->msg)
        fail(s, x, "link intermediateCatchEvent '%s' has no link throw event named '%s' in its scope, "
             "so nothing arrives there",
             n->id, n->msg);
}

/* A level (the process or a subprocess) that has a start event is entered
** there: every other element is the target of a flow, a path that begins
** nowhere never runs (EXT.150). Boundary events, event subprocesses, link
** catch events and compensation handlers are entered otherwise; an element
** with no flow at all is only warned about as unreachable. A subprocess
** that starts with a start event ends with an end event (EXT.105). Paths
** may still end without one: the token ends there, as sdm's models rely on. */
static void check_level(spec *s, const model_proc *p, int scope) {
    int starts = 0, ends = 0;
    for (int i = 0; i < p->nnode; i++) {
        if (p->nodes[i].parent != scope) continue;
        starts += is_start(p->nodes[i].kind);
        ends += is_end(p->nodes[i].kind);
    }
    const xml_node *sx = scope >= 0 ? node_xml(s, &p->nodes[scope]) : NULL;
    if (sx && starts && !ends)
        fail(s, sx, "%s '%s' has a start event but no end event; a level that starts with a start event ends "
             "with an end event", p->nodes[scope].tag, p->nodes[scope].id);
    for (int i = 0; i < p->nnode && starts; i++) {
        const model_node *n = &p->nodes[i];
        const xml_node *x = n->parent == scope ? node_xml(s, n) : NULL;
        if (!x || n->nin > 0 || n->nout == 0 || is_start(n->kind) || n->kind == EL_LINK_CATCH ||
            n->kind == EL_BOUNDARY_TIMER || n->kind == EL_BOUNDARY_EVENT ||
            (n->kind == EL_SUBPROCESS && n->triggered) || attr_is(x, "isForCompensation", "true"))
            continue;
        fail(s, x, "%s '%s' has no incoming sequence flow; where a level has a start event, every other element "
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
                fail(s, x, "%s '%s' lists %s flow '%s', which is not a sequence flow of the document", n->tag,
                     n->id, in ? "an incoming" : "an outgoing", trimmed(s->c->m->mem, c->text));
            else if (!end || strcmp(end, n->id) != 0)
                fail(s, x, "%s '%s' lists %s flow '%s', which %s '%s'", n->tag, n->id, in ? "an incoming"
                     : "an outgoing", label(f), in ? "leads to" : "starts at", end ? end : "(nothing)");
        }
    }
    for (int i = 0; i < p->nflow; i++) {
        const model_flow *f = &p->flows[i];
        const xml_node *fx = f->id ? lookup(s, f->id) : NULL;
        if (fx && attr_is(fx, "isImmediate", "false") && attr_is(px, "isExecutable", "true"))
            fail(s, fx, "sequenceFlow '%s' has isImmediate=\"false\"; in an executable process nothing happens "
                 "between the ends of a flow", f->id);
        for (int end = 0; listed && fx && end < 2; end++) {
            int k = end ? f->dst : f->src;
            const xml_node *x = k >= 0 ? node_xml(s, &p->nodes[k]) : NULL;
            if (x && !lists_flow(x, end ? "incoming" : "outgoing", f->id))
                fail(s, x, "%s '%s' does not list its %s flow '%s'; the process lists every flow at both its ends",
                     p->nodes[k].tag, p->nodes[k].id, end ? "incoming" : "outgoing", f->id);
        }
    }
}

static void check_process(spec *s, const model_proc *p) {
    const xml_node *px = lookup(s, p->id);
    if (!is_tag(px, "process")) return;
    if (attr_is(px, "processType", "Public") && attr_is(px, "isExecutable", "true"))   /* EXT.035 */
        fail(s, px, "process '%s' is public (processType=\"Public\") and executable; a public process only shows "
             "how it interacts, so it cannot run", p->id);
    check_level(s, p, -1);
    for (int i = 0; i < p->nnode; i++)
        if (p->nodes[i].kind == EL_SUBPROCESS) check_level(s, p, i);
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        const xml_node *x = node_xml(s, n);
        if (!x || !is_bpmn(x)) continue;
        size_t len = strlen(x->name);
        if (len > 5 && strcmp(x->name + len - 5, "Event") == 0) check_event(s, x);
        if (is_gateway(n)) check_gateway(s, p, n, x);
        if (is_activity(n->tag)) check_activity(s, p, n, x);
        check_link(s, p, n, x);
    }
    check_flow_lists(s, p, px);
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
        if (is_bpmn(x) && !in_list(root_tags, x->name) && !is_event_definition(x))
            fail(s, x, "<%s> '%s' stands at the top of the document; a %s belongs inside a process or one of its "
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
        fail(s, mf, "messageFlow '%s' %s at %s '%s', which lies in no pool; a message flow joins pools or the "
             "tasks and events in them", label(mf), src ? "starts" : "ends", n, label(x));
    else if (src ? catches : throws)
        fail(s, mf, "messageFlow '%s' %s %s '%s'; a %s event %s no messages", label(mf), src ? "starts at" : "leads to",
             n, label(x), src ? "catch" : "throw", dir);
    else if ((src ? throws : catches) && !has_message_def(s, x))
        fail(s, mf, "messageFlow '%s' %s %s '%s', which has no message trigger; only a message event %s messages",
             label(mf), src ? "starts at" : "leads to", n, label(x), dir);
}

static void check_message_flow(spec *s, const xml_node *mf) {
    const xml_node *a = lookup(s, xml_attr_get(mf, NULL, "sourceRef"));
    const xml_node *b = lookup(s, xml_attr_get(mf, NULL, "targetRef"));
    const xml_node *pa = a ? pool_of(s, a) : NULL, *pb = b ? pool_of(s, b) : NULL;
    if (pa && pa == pb)
        fail(s, mf, "messageFlow '%s' joins '%s' and '%s' in the same pool '%s'; messages pass between pools, "
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
};

static void check_ref(spec *s, const xml_node *owner, const char *ref, const char *value, const char *kinds) {
    const xml_node *t = lookup(s, value);
    int item = strcmp(kinds, "item") == 0;
    if (t && (item ? !is_item_aware(t) : strcmp(t->name, kinds) != 0))
        fail(s, owner, "%s '%s': %s '%s' names %s %s, not %s %s", owner->name, label(owner), ref, label(t),
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

static const char *const condition_tags[] = {
    "conditionExpression", "completionCondition", "loopCondition", "condition", NULL
};

/* Each element of the document on its own: data items agree with their
** itemDefinition on being a collection (EXT.020, 077, 081, 083); a text
** format is a MIME type (EXT.004); a transformation has a body (EXT.013);
** a resource is named or computed, not both, and parameters bind to a
** named one (EXT.039, EXT.040); conditions are not constants. */
static void check_element(spec *s, const xml_node *x) {
    const char *n = x->name;
    if (strcmp(n, "dataInput") == 0 || strcmp(n, "dataOutput") == 0 || strcmp(n, "dataObject") == 0) {
        const xml_node *d = item_ref(s, x, "itemSubjectRef");
        int mine = attr_is(x, "isCollection", "true"), its = d && attr_is(d, "isCollection", "true");
        if (d && mine != its)
            fail(s, x, "%s '%s' is %sa collection but its itemDefinition '%s' is %s; the two must agree", n, label(x),
                 mine ? "" : "not ", label(d), its ? "one" : "not");
    }
    const char *tf = xml_attr_get(x, NULL, "textFormat");
    if (tf && (strcmp(n, "documentation") == 0 || strcmp(n, "textAnnotation") == 0)) {
        size_t a = strcspn(tf, "/;"), b = tf[a] == '/' ? strcspn(tf + a + 1, "/; \t") : 0;
        if (a == 0 || b == 0 || strcspn(tf, " \t") < a + 1 + b || (tf[a + 1 + b] && tf[a + 1 + b] != ';'))
            fail(s, x, "%s of '%s' has textFormat '%s', which is not a MIME type (type/subtype, e.g. text/plain)",
                 n, label(owner_of(x)), tf);
    }
    if (strcmp(n, "transformation") == 0 && !trimmed(s->c->m->mem, x->text) && !x->child)
        fail(s, x, "the transformation of '%s' is empty; a transformation is an expression and needs a body",
             label(owner_of(x)));
    if (strcmp(n, "performer") == 0 || strcmp(n, "humanPerformer") == 0 || strcmp(n, "potentialOwner") == 0 ||
        strcmp(n, "resourceRole") == 0) {
        if (child(x, "resourceRef") && child(x, "resourceAssignmentExpression"))
            fail(s, x, "%s of '%s' both names a resource (resourceRef) and computes one "
                 "(resourceAssignmentExpression); it does one or the other", n, label(owner_of(x)));
        if (child(x, "resourceParameterBinding") && !child(x, "resourceRef"))
            fail(s, x, "%s of '%s' binds resource parameters but names no resource (resourceRef) they belong to",
                 n, label(owner_of(x)));
    }
    const char *t = in_list(condition_tags, n) ? trimmed(s->c->m->mem, x->text) : NULL;
    if (t && constant(t))
        fail(s, x, "%s of '%s' is the constant %s, not a condition; it must be true or false", n,
             label(owner_of(x)), t);
    if (strcmp(n, "messageFlow") == 0) check_message_flow(s, x);
    check_refs(s, x);
}

static void walk(spec *s, const xml_node *x) {
    for (; x; x = x->next) {
        if (!is_bpmn(x)) continue;
        check_element(s, x);
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
    const xml_node *a = child(call, "ioSpecification"), *b = child(callee, "ioSpecification");
    if (!a || !b) return;
    static const char *const tags[] = {"dataInput", "dataOutput"};
    for (int t = 0; t < 2; t++) {
        const xml_node *va[32], *vb[32];
        int na = data_list(a, tags[t], va, 32), nb = data_list(b, tags[t], vb, 32);
        if (na != nb) {
            fail(s, call, "callActivity '%s' has %d %s%s, but %s '%s' it calls has %d; a call activity's data "
                 "matches what it calls", label(call), na, tags[t], na == 1 ? "" : "s", callee->name,
                 label(callee), nb);
            continue;
        }
        for (int i = 0; i < na; i++) {
            const xml_node *ia = item_ref(s, va[i], "itemSubjectRef"), *ib = item_ref(s, vb[i], "itemSubjectRef");
            if (ia && ib && !same_item(ia, ib))
                fail(s, va[i], "%s '%s' of callActivity '%s' holds %s, but %s '%s' of '%s' it calls holds %s", tags[t],
                     label(va[i]), label(call), item_name(ia), tags[t], label(vb[i]), label(callee), item_name(ib));
        }
    }
}

/* An element exposed as a service binds the operations of its interfaces
** to its data (ioBinding), an input to the operation's request and an
** output to its answer, item for item (EXT.064, EXT.065). */
static void check_binding(spec *s, const xml_node *x) {
    if (!child(x, "supportedInterfaceRef")) return;
    if (!child(x, "ioBinding"))
        fail(s, x, "%s '%s' is exposed as a service (supportedInterfaceRef) but binds no operation to its data "
             "(ioBinding)", x->name, label(x));
    for (const xml_node *b = x->child; b; b = b->next) {
        if (!is_tag(b, "ioBinding")) continue;
        const xml_node *op = lookup(s, xml_attr_get(b, NULL, "operationRef"));
        static const char *const data[] = {"inputDataRef", "outputDataRef"};
        static const char *const msgs[] = {"inMessageRef", "outMessageRef"};
        static const char *const kinds[] = {"dataInput", "dataOutput"};
        for (int k = 0; k < 2; k++) {
            const xml_node *d = lookup(s, xml_attr_get(b, NULL, data[k]));
            const xml_node *mr = is_tag(op, "operation") ? child(op, msgs[k]) : NULL;
            const xml_node *msg = mr ? lookup(s, mr->text) : NULL;
            const xml_node *want = is_tag(msg, "message") ? item_ref(s, msg, "itemRef") : NULL;
            if (d && !is_tag(d, kinds[k]))
                fail(s, b, "ioBinding of '%s': %s '%s' names %s %s, not a %s", label(x), data[k], label(d),
                     a_an(d->name), d->name, kinds[k]);
            else if (d && want && !same_item(want, item_ref(s, d, "itemSubjectRef")))
                fail(s, b, "ioBinding of '%s' binds %s '%s', holding %s, to message '%s' of operation '%s', "
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

/* Runs every rule above over a compiled document. */
static void check_constraints(compiler *c, const xml_node *root) {
    spec s = {.c = c, .root = root};
    index_ids(&s, root->child);
    if (s.nids > 1) qsort(s.ids, (size_t)s.nids, sizeof *s.ids, cmp_xref);
    check_root(&s);
    walk(&s, root->child);
    check_callables(&s);
    for (int i = 0; i < c->m->nproc; i++) {
        c->proc = i;
        check_process(&s, &c->m->procs[i]);
    }
    c->proc = -1;
    free(s.ids);
}

static model *compile(const xml_doc *doc, const char *file, int check) {
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
    if (check) check_duplicate_ids(&c, root);
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
    if (check) check_constraints(&c, root);
    c.proc = -1;
    if (m->nproc == 0) diag(&c, 1, root, NULL, "the document defines no process");
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
