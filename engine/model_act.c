/*
** model_act.c — compiling activities (part of the model compiler, with
** model.c): tasks and their sdm: extensions (assignee, due, handler,
** form), loops and multi-instance (collections, behavior events, token
** quantities), ad-hoc subprocesses, call activities and calls to global
** tasks.
**
** Like model.c it must not run anything, and reports every problem with
** line and element through mc_diag.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "err.h"
#include "model_int.h"
#include "kinds.h"

/* A task's assignee expression and due date (sdm:assignee and sdm:assign
** are kept as written). */
static const mc_sdm_text task_texts[] = {
    {"assigneeExpr", offsetof(model_node, assignee_expr)}, {"due", offsetof(model_node, due)},
    {"dueWorking", offsetof(model_node, due_working)}, {"dueExpr", offsetof(model_node, due_expr)},
};

void mc_compile_task(compiler *c, const xml_node *x, model_node *n) {
    arena *a = c->m->mem;
    n->assignee = arena_strdup(a, mc_sdm_attr(x, "assignee"));
    n->assign = arena_strdup(a, mc_sdm_attr(x, "assign"));
    mc_sdm_texts(c, x, n, task_texts, sizeof task_texts / sizeof *task_texts);
    if (!n->assignee) {
        const char *cam = xml_attr_get(x, CAMUNDA_NS, "assignee");
        if (cam && !strchr(cam, '$') && !strchr(cam, '#')) n->assignee = arena_strdup(a, cam);
    }
    if (n->assign && strcmp(n->assign, "owner") && strcmp(n->assign, "round-robin") &&
        strcmp(n->assign, "least-open"))
        mc_diag(c, 1, x, n->id, "%s '%s': sdm:assign must be owner, round-robin or least-open, not '%s'",
             x->name, n->id, n->assign);
    if (n->kind == EL_TASK_SCRIPT) {
        const char *fmt = xml_attr_get(x, NULL, "scriptFormat");
        const xml_node *s = model_child(x, "script");
        n->script = s ? model_trimmed(a, s->text) : NULL;
        n->script_format = arena_strdup(a, fmt);
        if (!mc_lua_format(fmt))
            mc_diag(c, 1, x, n->id, "scriptTask '%s' uses scriptFormat '%s'; sdm runs Lua%s", n->id, fmt,
                    mc_mime_type(fmt) ? "" : " (and a scriptFormat is a MIME type, e.g. text/x-lua) [EXT.145]");
        else if (!n->script)
            mc_diag(c, 1, x, n->id, "scriptTask '%s' has no script", n->id);
    }
    if (n->kind == EL_TASK_SERVICE) {
        n->handler = model_trimmed(a, mc_sdm_attr(x, "handler"));
        if (!n->handler)
            mc_diag(c, 1, x, n->id, "serviceTask '%s' has no sdm:handler=\"module.function\" "
                 "(vendor implementations such as camunda:class are not run by sdm)", n->id);
        else if (!strchr(n->handler, '.'))
            mc_diag(c, 1, x, n->id, "serviceTask '%s': sdm:handler '%s' must be module.function",
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

void mc_compile_form(compiler *c, const xml_node *x, model_node *n) {
    arena *a = c->m->mem;
    const xml_node *ext = model_child(x, "extensionElements");
    const xml_node *list[64];
    int count = 0;
    for (const xml_node *e = ext ? ext->child : NULL; e; e = e->next) {
        const xml_node *in = xml_is(e, SDM_NS, "form") || xml_is(e, CAMUNDA_NS, "formData") ? e->child : e;
        for (const xml_node *f = in; f && (f == e || in != e); f = f->next)
            if ((xml_is(f, SDM_NS, "field") || xml_is(f, CAMUNDA_NS, "formField")) && count < 64) list[count++] = f;
    }
    if (!count) return;
    if (n->kind != EL_TASK_USER) {       /* a Camunda start form, say: nobody fills it in here */
        mc_diag(c, 0, x, n->id, "%s '%s' has form fields; only a userTask asks for them, so they are ignored",
             x->name, n->id);
        return;
    }
    n->fields = arena_alloc(a, sizeof *n->fields * (size_t)count);
    for (int i = 0; i < count; i++) {
        const xml_node *f = list[i];
        model_field *fd = memset(&n->fields[n->nfield++], 0, sizeof *fd);
        int cam = xml_is(f, CAMUNDA_NS, "formField");
        fd->line = f->line;
        fd->name = model_trimmed(a, xml_attr_get(f, NULL, cam ? "id" : "name"));
        fd->label = model_trimmed(a, xml_attr_get(f, NULL, "label"));
        fd->type = model_trimmed(a, xml_attr_get(f, NULL, "type"));
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
            mc_diag(c, 1, f, n->id, "field '%s' of '%s': min and max must be numbers", fd->name ? fd->name : "?", n->id);
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
            fd->choices[fd->nchoice] = model_trimmed(a, arena_strndup(a, p, eq < len ? eq : len));
            fd->choice_labels[fd->nchoice] = eq < len ? model_trimmed(a, arena_strndup(a, p + eq + 1, len - eq - 1))
                                                      : fd->choices[fd->nchoice];
            if (fd->choices[fd->nchoice]) fd->nchoice++;
        }
        if (!fd->name)
            mc_diag(c, 1, f, n->id, "a form field of '%s' has no %s (the variable it sets)", n->id, cam ? "id" : "name");
        else if (!model_in_list(field_types, fd->type))
            mc_diag(c, 1, f, n->id, "field '%s' of '%s' has type '%s'; use string, text, long, double, money, boolean, "
                 "date or enum", fd->name, n->id, fd->type);
        else if (strcmp(fd->type, "enum") == 0 && !fd->nchoice)
            mc_diag(c, 1, f, n->id, "enum field '%s' of '%s' has no choices", fd->name, n->id);
        for (int j = 0; fd->name && j < i; j++)
            if (n->fields[j].name && strcmp(n->fields[j].name, fd->name) == 0)
                mc_diag(c, 1, f, n->id, "'%s' has two form fields named '%s'", n->id, fd->name);
    }
}

/* Loop and multi-instance markers. Expressions are Lua; the collection
** and element variable come from sdm: attributes, plain camunda: ones, or
** BPMN's loopDataInputRef/inputDataItem (a data item's name is the
** variable's). Token quantities other than 1 are refused, not run once. */
static const char *data_name(compiler *c, const xml_node *px, const char *ref) {
    for (const xml_node *x = px ? px->child : NULL; x && ref; x = x->next) {
        const char *id = model_is_bpmn(x) ? xml_attr_get(x, NULL, "id") : NULL;
        if (id && strcmp(id, ref) == 0) {
            const char *name = xml_attr_get(x, NULL, "name");
            return arena_strdup(c->m->mem, name && *name ? name : id);
        }
        const char *inner = data_name(c, x, ref);
        if (inner) return inner;
    }
    return NULL;
}

/* The event a multi-instance behavior throws, from its definition: a signal
** or a message, caught by the activity's own boundary events. */
static void mi_event(compiler *c, const xml_node *at, const xml_node *def, model_node *n, model_mi_event *e) {
    e->line = at->line;
    e->trigger = TR_NONE;
    if (!def) {
        mc_diag(c, 1, at, n->id, "multi-instance '%s': the behavior's event names no event definition of the document",
             n->id);
    } else if (strcmp(def->name, "signalEventDefinition") == 0 || strcmp(def->name, "messageEventDefinition") == 0) {
        int sig = def->name[0] == 's';
        e->trigger = sig ? TR_SIGNAL : TR_MESSAGE;
        e->name = mc_trigger_name(c, def, xml_attr_get(def, NULL, sig ? "signalRef" : "messageRef"), n->id);
    } else {
        mc_diag(c, 1, at, n->id, "multi-instance '%s': its behavior throws a %s; sdm throws a signal or a message "
             "to the activity's boundary events", n->id, def->name);
    }
}

static const xml_node *top_definition(compiler *c, const char *ref) {
    for (const xml_node *d = c->root->child; d && ref; d = d->next) {
        const char *id = model_is_event_definition(d) ? xml_attr_get(d, NULL, "id") : NULL;
        if (id && strcmp(id, ref) == 0) return d;
    }
    return NULL;
}

/* behavior None/One name their event (noneBehaviorEventRef,
** oneBehaviorEventRef; without one, the spec's default signal has no name
** a boundary event could catch, so nothing is thrown); Complex holds
** complexBehaviorDefinitions, each a condition and the event it throws. */
static void compile_mi_behavior(compiler *c, const xml_node *mi, model_node *n, model_loop *l) {
    const char *beh = xml_attr_get(mi, NULL, "behavior");
    l->behavior = !beh || strcmp(beh, "All") == 0 ? MI_ALL : strcmp(beh, "None") == 0 ? MI_NONE
                : strcmp(beh, "One") == 0 ? MI_ONE : strcmp(beh, "Complex") == 0 ? MI_COMPLEX : MI_ALL;
    if (beh && l->behavior == MI_ALL && strcmp(beh, "All"))
        mc_diag(c, 1, mi, n->id, "multi-instance '%s': behavior=\"%s\" is none of All, None, One, Complex", n->id, beh);
    if (l->behavior == MI_NONE || l->behavior == MI_ONE) {
        const char *ref = xml_attr_get(mi, NULL, l->behavior == MI_NONE ? "noneBehaviorEventRef" : "oneBehaviorEventRef");
        if (!ref) return;
        l->ev = arena_alloc(c->m->mem, sizeof *l->ev);
        memset(l->ev, 0, sizeof *l->ev);
        l->nev = 1;
        mi_event(c, mi, top_definition(c, ref), n, l->ev);
        return;
    }
    int k = 0;
    for (const xml_node *d = mi->child; d; d = d->next) k += model_is_bpmn(d) && strcmp(d->name, "complexBehaviorDefinition") == 0;
    if (k && l->behavior != MI_COMPLEX)
        mc_diag(c, 1, mi, n->id, "multi-instance '%s' has complexBehaviorDefinitions but behavior is not Complex", n->id);
    if (!k || l->behavior != MI_COMPLEX) return;
    l->ev = arena_alloc(c->m->mem, sizeof *l->ev * (size_t)k);
    memset(l->ev, 0, sizeof *l->ev * (size_t)k);
    for (const xml_node *d = mi->child; d; d = d->next) {
        if (!model_is_bpmn(d) || strcmp(d->name, "complexBehaviorDefinition")) continue;
        model_mi_event *e = &l->ev[l->nev++];
        const xml_node *cond = model_child(d, "condition"), *ev = model_child(d, "event");
        e->cond = cond ? model_trimmed(c->m->mem, cond->text) : NULL;
        if (!e->cond)
            mc_diag(c, 1, d, n->id, "complexBehaviorDefinition of '%s' has no condition (when to throw its event "
                 "and end the remaining instances)%s", n->id, cond ? "; a formal expression has a body [EXT.013]" : "");
        const xml_node *def = NULL;
        for (const xml_node *x = ev ? ev->child : NULL; x && !def; x = x->next)
            if (model_is_event_definition(x)) def = x;
        if (!ev) mc_diag(c, 1, d, n->id, "complexBehaviorDefinition of '%s' has no event to throw", n->id);
        else mi_event(c, ev, def, n, e);
    }
}

void mc_compile_loop(compiler *c, const xml_node *x, model_node *n) {
    arena *a = c->m->mem;
    const xml_node *mi = model_child(x, "multiInstanceLoopCharacteristics"), *sl = model_child(x, "standardLoopCharacteristics");
    if (mi || sl) {
        model_loop *l = arena_alloc(a, sizeof *l);
        memset(l, 0, sizeof *l);
        l->line = (mi ? mi : sl)->line;
        if (mi) {
            const char *seq = xml_attr_get(mi, NULL, "isSequential");
            l->kind = seq && strcmp(seq, "true") == 0 ? LOOP_SEQUENTIAL : LOOP_PARALLEL;
            const xml_node *e;
            if ((e = model_child(mi, "loopCardinality"))) l->count = model_trimmed(a, e->text);
            if ((e = model_child(mi, "completionCondition"))) l->until = model_trimmed(a, e->text);
            l->items = model_trimmed(a, mc_sdm_attr(mi, "collection"));
            l->elem = model_trimmed(a, mc_sdm_attr(mi, "elementVariable"));
            const char *cam = xml_attr_get(mi, CAMUNDA_NS, "collection");
            if (!l->items && cam && !strchr(cam, '$') && !strchr(cam, '#')) l->items = model_trimmed(a, cam);
            cam = xml_attr_get(mi, CAMUNDA_NS, "elementVariable");
            if (!l->elem && cam) l->elem = model_trimmed(a, cam);
            if (!l->items && (e = model_child(mi, "loopDataInputRef"))) {
                const char *ref = model_trimmed(a, e->text);
                l->items = data_name(c, c->root, ref);
                if (!l->items) l->items = ref;
            }
            if (!l->elem && (e = model_child(mi, "inputDataItem"))) {
                const char *nm = xml_attr_get(e, NULL, "name");
                l->elem = model_trimmed(a, nm && *nm ? nm : xml_attr_get(e, NULL, "id"));
            }
            if (!l->count == !l->items)
                mc_diag(c, 1, mi, n->id, "multi-instance '%s' needs either loopCardinality or a collection "
                     "(sdm:collection=\"lua expression\"), not %s", n->id, l->count ? "both" : "neither [EXT.067]");
            if ((e = model_child(mi, "loopDataOutputRef"))) {
                const char *ref = model_trimmed(a, e->text);
                l->out_coll = data_name(c, c->root, ref);
                if (!l->out_coll) l->out_coll = ref;
            }
            if ((e = model_child(mi, "outputDataItem"))) {
                const char *nm = xml_attr_get(e, NULL, "name");
                l->out_item = model_trimmed(a, nm && *nm ? nm : xml_attr_get(e, NULL, "id"));
                if (l->out_item) mc_local_name(c, n, l->out_item);   /* each instance's own (the innermost scope at n) */
            }
            if (l->out_coll && !l->out_item)
                mc_diag(c, 1, mi, n->id, "multi-instance '%s' has a loopDataOutputRef but no outputDataItem; the "
                     "output collection is built from each instance's output item", n->id);
            compile_mi_behavior(c, mi, n, l);
        } else {
            l->kind = LOOP_STANDARD;
            const xml_node *e = model_child(sl, "loopCondition");
            l->cond = e ? model_trimmed(a, e->text) : NULL;
            const char *tb = xml_attr_get(sl, NULL, "testBefore"), *mx = xml_attr_get(sl, NULL, "loopMaximum");
            l->test_before = tb && strcmp(tb, "true") == 0;
            l->max = mx ? atoi(mx) : 0;
            if (l->max < 0)
                mc_diag(c, 1, sl, n->id, "standard loop on '%s': loopMaximum %d is negative", n->id, l->max);
            if (!l->cond && l->max <= 0)
                mc_diag(c, 1, sl, n->id, "standard loop on '%s' has neither a loopCondition nor a loopMaximum", n->id);
        }
        l->count = mc_expr(c, mi ? mi : sl, n->id, "loopCardinality of", l->count);
        l->until = mc_expr(c, mi ? mi : sl, n->id, "completionCondition of", l->until);
        l->cond = mc_expr(c, mi ? mi : sl, n->id, "loopCondition of", l->cond);
        n->loop = l;
    }
    static const char *const qty[] = {"startQuantity", "completionQuantity"};
    n->start_qty = n->done_qty = 1;
    for (int i = 0; i < 2; i++) {
        const char *v = xml_attr_get(x, NULL, qty[i]);
        char *end = NULL;
        long q = v ? strtol(v, &end, 10) : 1;
        if (v && (!*v || *end || q < 1 || q > 1000))      /* below one: EXT.037, EXT.038 */
            mc_diag(c, 1, x, n->id, "%s '%s': %s=\"%s\" is not a number of tokens from 1 to 1000%s", x->name, n->id,
                 qty[i], v, *v && !*end && q < 1 ? (i ? " [EXT.038]" : " [EXT.037]") : "");
        else *(i ? &n->done_qty : &n->start_qty) = (int)q;
    }
}

/* An ad-hoc subprocess: its ordering, completionCondition and
** cancelRemainingInstances (which inner activities it runs is wired with
** the scopes, wire_scopes). */
void mc_compile_adhoc(compiler *c, const xml_node *x, model_node *n) {
    const char *ord = xml_attr_get(x, NULL, "ordering"), *cancel = xml_attr_get(x, NULL, "cancelRemainingInstances");
    n->adhoc = ord && strcmp(ord, "Sequential") == 0 ? LOOP_SEQUENTIAL : LOOP_PARALLEL;
    if (ord && strcmp(ord, "Sequential") && strcmp(ord, "Parallel"))
        mc_diag(c, 1, x, n->id, "adHocSubProcess '%s': ordering=\"%s\" is neither Parallel nor Sequential", n->id, ord);
    n->adhoc_cancel = !cancel || strcmp(cancel, "false") != 0;
    const xml_node *cc = model_child(x, "completionCondition");
    n->adhoc_until = cc ? model_trimmed(c->m->mem, cc->text) : NULL;
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

void mc_compile_call(compiler *c, const xml_node *x, model_node *n) {
    n->nvin = parse_map(c, mc_sdm_attr(x, "in"), &n->vin);
    n->nvout = parse_map(c, mc_sdm_attr(x, "out"), &n->vout);
    const char *v = mc_sdm_attr(x, "version");
    const char *binding = xml_attr_get(x, CAMUNDA_NS, "calledElementBinding");
    if (!v && binding && strcmp(binding, "version") == 0) v = xml_attr_get(x, CAMUNDA_NS, "calledElementVersion");
    if (v) {
        char *end;
        long ver = strtol(v, &end, 10);
        if (*end || ver < 1 || ver > 1000000)
            mc_diag(c, 1, x, n->id, "callActivity '%s': version '%s' is not a version number", n->id, v);
        else n->called_version = (int)ver;
    }
    const xml_node *ext = model_child(x, "extensionElements");
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
                mc_diag(c, 1, e, n->id, "callActivity '%s': camunda:%s needs plain source and target names "
                     "(expressions are not run by sdm)", n->id, tag);
                continue;
            }
            m[k++] = (model_map){arena_strdup(c->m->mem, src), arena_strdup(c->m->mem, dst)};
        }
        if (dir) { n->vout = m; n->nvout = k; } else { n->vin = m; n->nvin = k; }
    }
}

/* A call activity whose calledElement is a global task of the document
** runs that task in the caller's place (its scope, variables and lane):
** the node takes the task's kind and what the task's element says. A
** global task kind sdm does not run is refused here, not at run time. */
void mc_call_global_task(compiler *c, model_node *n) {
    static const struct { const char *tag; el_kind kind; } global[] = {
        {"globalTask", EL_TASK}, {"globalScriptTask", EL_TASK_SCRIPT}, {"globalUserTask", EL_TASK_USER},
        {"globalManualTask", EL_TASK_MANUAL}, {"globalBusinessRuleTask", EL_TASK_SERVICE},
    };
    const char *colon = strchr(n->called, ':'), *want = colon ? colon + 1 : n->called;
    for (const xml_node *g = c->root->child; g; g = g->next) {
        const char *id = model_is_bpmn(g) && strncmp(g->name, "global", 6) == 0 ? xml_attr_get(g, NULL, "id") : NULL;
        if (!id || strcmp(id, want)) continue;
        for (size_t k = 0; k < sizeof global / sizeof *global; k++) {
            if (strcmp(g->name, global[k].tag)) continue;
            n->kind = global[k].kind;
            n->nvin = n->nvout = 0;
            mc_compile_task(c, g, n);
            mc_compile_form(c, g, n);
            return;
        }
        mc_diag(c, 1, c->nx[c->ni - 1], n->id, "callActivity '%s' calls %s '%s', which sdm does not run (it runs "
             "processes and globalTask, globalScriptTask, globalUserTask, globalManualTask, "
             "globalBusinessRuleTask)", n->id, g->name, id);
        return;
    }
}
