/*
** rt_scope.c — activities that hold tokens of their own: embedded
** subprocesses and transactions, ad-hoc subprocesses (the activities they
** enable, their ordering and completion condition), event subprocesses
** started in a scope, multi-instance and standard loops (the body token,
** its counters, one run token per run, the behavior's events, the output
** collection), and call activities (the called instance runs in step.c;
** the return merges its variables back).
**
** Must not start another instance itself: the step's `call` hook does.
*/
#include <string.h>
#include <jansson.h>
#include "rt_int.h"

/* A token at node n opens n's scope: the event subprocesses it watches
** and a token at its start event. Used by subprocesses and each instance
** of a multi-instance subprocess. */
static int set_counter(rt_step *s, int64_t body, const char *name, long long v, sdm_err *err);
static int counter_of(rt_step *s, int64_t body, const char *name, long long *v, sdm_err *err);

/* An ad-hoc subprocess runs its enabled activities [from, to): all at once
** (Parallel), or one at a time (Sequential: the next when nothing is left
** inside, rt_scope_done). adHocStarted, a variable of its scope, counts
** those started. */
static int adhoc_start(rt_step *s, int64_t token, const model_node *n, int from, int to, sdm_err *err) {
    int rc = set_counter(s, token, "adHocStarted", to, err);
    for (int k = from; k < to && !rc; k++) {
        int64_t t;
        rc = rt_token_new(s, token, rt_node(s, n->enabled[k]), TOKEN_READY, NULL, &t, err);
        if (!rc) rt_push(s, OP_ENTER, t, n->enabled[k], -1, token);
    }
    return rc;
}

/* An inner activity of an ad-hoc subprocess completed: its
** completionCondition is checked in the subprocess's scope. Once it holds,
** nothing more starts and, with cancelRemainingInstances, what still runs
** inside stops and the subprocess completes (*stopped: the token is gone). */
int rt_adhoc_completed(rt_step *s, const rt_item *it, int *stopped, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node), *a = rt_node(s, n->parent);
    sdm_err why = {0};
    long long over = 0;
    int holds = 0;
    *stopped = 0;
    if (!a->adhoc_until || !el_is(n->kind, EK_ACTIVITY)) return SDM_OK;
    int rc = counter_of(s, it->scope, "adHocComplete", &over, err);
    if (!rc && !over) rc = rt_eval_bool(s, a, a->adhoc_until, it->scope, &holds, &why);
    if (rc) {
        *stopped = 1;
        return rt_script_outcome(s, rc, it->token, it->node, PHASE_LEAVE, &why, err);
    }
    if (!holds) return SDM_OK;
    rc = set_counter(s, it->scope, "adHocComplete", 1, err);
    if (!rc) rc = rt_history(s, it->scope, a->id, "adhoc-complete", rt_detail("{s:s}", "after", n->id), err);
    if (rc || !a->adhoc_cancel) return rc;
    *stopped = 1;
    rc = rt_cancel_inside(s, it->scope, a->id, err);
    return rc ? rc : rt_scope_done(s, it->scope, err);
}

static int open_scope(rt_step *s, int64_t token, const model_node *n, const rt_wait_plan *w, sdm_err *err) {
    sdm_assert(token > 0 && (n->start >= 0 || n->adhoc));
    int64_t child;
    int rc = rt_add_waits(s, token, w, err);
    if (n->adhoc) return rc ? rc : adhoc_start(s, token, n, 0, n->adhoc == LOOP_SEQUENTIAL ? 1 : n->nenabled, err);
    if (!rc) rc = rt_token_new(s, token, rt_node(s, n->start), TOKEN_READY, NULL, &child, err);
    if (!rc) rt_push(s, OP_ENTER, child, n->start, -1, token);
    return rc;
}

int rt_subprocess(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    sdm_err why = {0};
    rt_wait_plan w;
    int rc = rt_plan_waits(s, n, it->scope, &w, &why);
    if (!rc) rc = rt_plan_event_subs(s, n->evsubs, n->nevsub, it->token, &w, &why);
    if (rc) return rt_script_outcome(s, rc, it->token, it->node, PHASE_EXECUTE, &why, err);
    rc = rt_wait_here(s, it, err);
    return rc ? rc : open_scope(s, it->token, n, &w, err);
}

/* The event subprocesses scope (0: the process level) watches; *t and
** *at are the scope token's row and node (untouched for scope 0). */
int rt_scope_events(rt_step *s, int64_t scope, store_token *t, int *at, const int **ev, int *nev,
                        sdm_err *err) {
    const model_node *owner = NULL;
    if (scope) {
        int rc = rt_token_at(s, scope, t, at, err);
        if (rc) return rc;
        owner = rt_node(s, *at);
    }
    *ev = owner ? owner->evsubs : s->proc->evsubs;
    *nev = owner ? owner->nevsub : s->proc->nevsub;
    return SDM_OK;
}

/* An event subprocess starts in scope (0: the process level): an
** interrupting one first stops everything else in that scope, and the
** scope's other event subprocesses with it. */
int rt_start_event_sub(rt_step *s, int64_t scope, int sub, sdm_err *err) {
    const model_node *e = rt_node(s, sub), *st = rt_node(s, e->start);
    int rc = rt_history(s, scope, e->id, "event-subprocess",
                     rt_detail("{s:s, s:b}", "trigger", st->id, "interrupting", st->interrupting), err);
    if (!rc && st->interrupting) {
        store_token t;
        int at, nev = 0;
        const int *ev = NULL;
        rc = rt_cancel_inside(s, scope, st->id, err);
        if (!rc) rc = rt_scope_events(s, scope, &t, &at, &ev, &nev, err);
        for (int k = 0; k < nev && !rc; k++)
            rc = store_waits_delete(s->st, s->inst, scope, rt_node(s, rt_node(s, ev[k])->start)->id, err);
    }
    int64_t token;
    if (!rc) rc = rt_token_new(s, scope, e, TOKEN_READY, NULL, &token, err);
    if (!rc) rt_push(s, OP_ENTER, token, sub, -1, scope);
    return rc;
}

/* Multi-instance and loops: the arriving token becomes the body, which
** waits at the activity and holds the counters; each run is an instance
** token below it (loopCounter, the element) and, for a task, one more
** token below that runs the task. Sequential runs start one by one. */
static int loop_item(rt_step *s, const model_node *n, int64_t body, int k, const char *items, char **item,
                     sdm_err *why) {
    char *owned = NULL;
    int rc = SDM_OK;
    *item = NULL;
    if (!n->loop->items) return SDM_OK;
    if (!items) {
        rc = rt_eval_json(s, n, n->loop->items, body, &owned, why);
        if (rc) return rc;
        items = owned;
    }
    json_t *a = items ? json_loads(items, JSON_DECODE_ANY, NULL) : NULL;
    json_t *v = json_array_get(a, (size_t)k);
    if (v) *item = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    json_decref(a);
    free(owned);
    return rc;
}

static int loop_run(rt_step *s, int node, int64_t body, int k, const char *items, sdm_err *err) {
    const model_node *n = rt_node(s, node);
    char *item = NULL, counter[24];
    sdm_err why = {0};
    int rc = loop_item(s, n, body, k, items, &item, &why);
    if (rc) return rt_script_outcome(s, rc, body, node, PHASE_EXECUTE, &why, err);
    int64_t inst, run;
    snprintf(counter, sizeof counter, "%d", k);
    rc = rt_token_new(s, body, n, TOKEN_WAITING, NULL, &inst, err);
    if (!rc) rc = store_var_set(s->st, s->inst, inst, "loopCounter", counter, err);
    if (!rc && item && n->loop->elem) rc = store_var_set(s->st, s->inst, inst, n->loop->elem, item, err);
    free(item);
    if (rc) return rc;
    if (n->kind == EL_SUBPROCESS) {
        rt_wait_plan w = {0};
        rc = rt_plan_event_subs(s, n->evsubs, n->nevsub, inst, &w, &why);
        if (rc) return rt_script_outcome(s, rc, inst, node, PHASE_EXECUTE, &why, err);
        return open_scope(s, inst, n, &w, err);
    }
    rc = rt_token_new(s, inst, n, TOKEN_READY, NULL, &run, err);
    if (!rc) rt_push(s, OP_EXECUTE, run, node, -1, inst);
    return rc;
}

/* Scope token `token` at `node` is done: its waits and local variables
** go, and it leaves the node in the scope `parent`. */
static int leave_scope(rt_step *s, int64_t token, int node, int64_t parent, sdm_err *err) {
    sdm_assert(rt_token_is(s, token, TOKEN_WAITING));
    int rc = rt_end_wait(s, token, err);
    if (!rc) rc = store_scope_vars_delete(s->st, s->inst, token, err);
    if (!rc) rc = store_token_set(s->st, token, rt_node(s, node)->id, TOKEN_READY, NULL, err);
    if (!rc) rt_push(s, OP_LEAVE, token, node, -1, parent);
    s->vars_loaded = 0;
    return rc;
}

static int set_counter(rt_step *s, int64_t body, const char *name, long long v, sdm_err *err) {
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", v);
    return store_var_set(s->st, s->inst, body, name, buf, err);
}

int rt_loop_begin(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    const model_loop *l = n->loop;
    sdm_err why = {0};
    char *items = NULL, *count = NULL;
    long long total = -1;
    int go = 1, rc = SDM_OK;
    if (l->kind == LOOP_STANDARD) {
        if (l->test_before && l->cond) rc = rt_eval_bool(s, n, l->cond, it->scope, &go, &why);
        if (l->max > 0) total = l->max;
    } else {
        rc = rt_eval_json(s, n, l->count ? l->count : l->items, it->scope, l->count ? &count : &items, &why);
        json_t *j = rc ? NULL : json_loads(l->count ? (count ? count : "null") : (items ? items : "[]"),
                                           JSON_DECODE_ANY, NULL);
        if (!rc && l->count && json_is_integer(j) && json_integer_value(j) >= 0) total = json_integer_value(j);
        else if (!rc && l->count && json_is_real(j) && json_real_value(j) >= 0 && json_real_value(j) < 1e6
                 && json_real_value(j) == (double)(long long)json_real_value(j)) total = (long long)json_real_value(j);
        else if (!rc && !l->count && json_is_array(j)) total = (long long)json_array_size(j);
        else if (!rc && !l->count && json_is_object(j) && !json_object_size(j)) total = 0;  /* Lua's {}: empty either way */
        else if (!rc) rc = err_set(&why, SDM_ERR_SCRIPT, s->file, l->line, n->id, "%s of '%s' gave %s, not %s",
                                   l->count ? "loopCardinality" : "the collection", n->id,
                                   l->count ? (count ? count : "nil") : (items ? items : "nil"),
                                   l->count ? "a count" : "a list");
        json_decref(j);
        if (!rc && s->budget && total > s->budget->max_instances)
            rc = err_set(&why, SDM_ERR_SCRIPT, s->file, l->line, n->id, "'%s' would run %lld instances, over the"
                         " cap of %ld (sdm_config.max_instances)", n->id, total, s->budget->max_instances);
        go = total > 0;
    }
    rt_wait_plan w = {0};
    if (!rc && go) rc = rt_plan_waits(s, n, it->scope, &w, &why);
    if (rc) { free(items); free(count); return rt_script_outcome(s, rc, it->token, it->node, PHASE_EXECUTE, &why, err); }
    if (!go) {                     /* nothing to run: the activity is done */
        free(items); free(count);
        if (l->out_coll) {
            json_t *o = json_pack("{s:[]}", l->out_coll);
            char *text = json_dumps(o, JSON_COMPACT);
            rc = rt_set_vars(s, text, it->scope, err);
            free(text);
            json_decref(o);
        }
        rt_push(s, OP_LEAVE, it->token, it->node, it->flow, it->scope);
        return rc;
    }
    rc = rt_wait_here(s, it, err);
    if (!rc) rc = rt_add_waits(s, it->token, &w, err);
    if (!rc && l->kind != LOOP_STANDARD) rc = set_counter(s, it->token, "nrOfInstances", total, err);
    if (!rc) rc = set_counter(s, it->token, "nrOfCompletedInstances", 0, err);
    if (!rc) rc = set_counter(s, it->token, "nrOfActiveInstances", l->kind == LOOP_PARALLEL ? total : 1, err);
    for (long long k = 0; !rc && k < (l->kind == LOOP_PARALLEL ? total : 1); k++)
        rc = loop_run(s, it->node, it->token, (int)k, items, err);
    free(items); free(count);
    return rc;
}

static int counter_of(rt_step *s, int64_t body, const char *name, long long *v, sdm_err *err) {
    char *json = NULL;
    int rc = store_vars_json(s->st, s->inst, body, &json, err);
    json_t *o = json ? json_loads(json, 0, NULL) : NULL;
    *v = (long long)json_integer_value(json_object_get(o, name));
    json_decref(o);
    free(json);
    return rc;
}

/* The instance `run` of the loop at `body` put its output item into the
** output collection. Until the body leaves, the collection is an object
** in the body's scope keyed by loopCounter ("0", "1", ...): instances end
** in any order, and Lua would turn an array with holes into something
** else when it runs inside. */
static int out_collect(rt_step *s, int64_t body, int64_t run, const model_loop *l, sdm_err *err) {
    char *bj = NULL, *rj = NULL;
    int rc = store_vars_json(s->st, s->inst, body, &bj, err);
    if (!rc) rc = store_vars_json(s->st, s->inst, run, &rj, err);
    json_t *b = bj ? json_loads(bj, 0, NULL) : NULL, *r = rj ? json_loads(rj, 0, NULL) : NULL;
    json_t *coll = json_object_get(b, l->out_coll), *v = json_object_get(r, l->out_item);
    json_t *parts = json_is_object(coll) ? json_deep_copy(coll) : json_object();
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(r, "loopCounter")));
    if (v) json_object_set(parts, key, v);
    char *text = json_dumps(parts, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    if (!rc) rc = store_var_set(s->st, s->inst, body, l->out_coll, text, err);
    free(text); free(bj); free(rj);
    json_decref(parts); json_decref(b); json_decref(r);
    return rc;
}

/* The body leaves: its output collection, one item per instance in
** instance order (null for an instance that did not run or gave none),
** goes to the scope around it. */
static int out_deliver(rt_step *s, int64_t body, int64_t parent, const model_loop *l, long long total,
                       sdm_err *err) {
    char *bj = NULL;
    int rc = store_vars_json(s->st, s->inst, body, &bj, err);
    json_t *b = bj ? json_loads(bj, 0, NULL) : NULL, *parts = json_object_get(b, l->out_coll);
    json_t *a = json_array(), *o = json_object();
    for (long long k = 0; k < total; k++) {
        char key[24];
        snprintf(key, sizeof key, "%lld", k);
        json_t *v = json_is_object(parts) ? json_object_get(parts, key) : NULL;
        json_array_append(a, v ? v : json_null());
    }
    json_object_set_new(o, l->out_coll, a);
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    if (!rc) rc = rt_set_vars(s, text, parent, err);
    free(text); free(bj);
    json_decref(b); json_decref(o);
    return rc;
}

/* A multi-instance activity's behavior throws `e` to its own boundary
** events of the same signal or message. They start a path beside the
** activity, which goes on: the event reports its progress, it does not
** cut it short (betsy's MultiInstance_*Behavior traces; Camunda and
** bpmn-engine do not run these events at all). */
static int mi_throw(rt_step *s, int64_t body, int64_t parent, const model_node *n, const model_mi_event *e,
                    sdm_err *err) {
    int rc = rt_history(s, body, n->id, "mi-event", rt_detail("{s:s, s:s}", "trigger",
                        e->trigger == TR_SIGNAL ? "signal" : "message", "name", e->name ? e->name : ""), err);
    for (int k = 0; k < n->nbnd && !rc; k++) {
        const model_node *b = rt_node(s, n->bnd[k]);
        if (b->kind != EL_BOUNDARY_EVENT || b->trigger != e->trigger || !b->event_name || !e->name ||
            strcmp(b->event_name, e->name)) continue;
        int64_t t;
        rc = rt_token_new(s, parent, b, TOKEN_READY, NULL, &t, err);
        if (!rc) rt_push(s, OP_ENTER, t, n->bnd[k], -1, parent);
    }
    return rc;
}

/* What the behavior does when the `done`th instance has completed: None
** throws every time, One the first time, Complex each event whose
** condition holds in the instance's scope (and then the activity stops). */
static int mi_behavior(rt_step *s, int64_t body, int64_t run, const model_node *n, long long done, int *stop,
                       sdm_err *why, sdm_err *err) {
    const model_loop *l = n->loop;
    store_token b;
    int at, rc = SDM_OK;
    if (!l->nev || l->ev[0].trigger == TR_NONE) return SDM_OK;
    if ((rc = rt_token_at(s, body, &b, &at, err))) return rc;
    if (l->behavior == MI_NONE || (l->behavior == MI_ONE && done == 1))
        return mi_throw(s, body, b.parent, n, &l->ev[0], err);
    for (int k = 0; l->behavior == MI_COMPLEX && k < l->nev && !rc; k++) {
        int holds = 0;
        rc = rt_eval_bool(s, n, l->ev[k].cond, run, &holds, why);
        if (rc) return rc;
        if (holds) rc = mi_throw(s, body, b.parent, n, &l->ev[k], err);
        *stop |= holds;
    }
    return rc;
}

/* One run of a loop ended (its instance token `run` has nothing left):
** count it, collect its output, check the completion or loop condition
** and the behavior's events in the run's scope, start the next sequential
** run, and leave when the body is done. */
static int loop_run_done(rt_step *s, int64_t body, int64_t run, int node, sdm_err *err) {
    sdm_assert(rt_token_is(s, body, TOKEN_WAITING));
    const model_node *n = rt_node(s, node);
    const model_loop *l = n->loop;
    sdm_err why = {0};
    long long done = 0, total = 0, active = 0;
    int stop = 0;
    int rc = counter_of(s, body, "nrOfCompletedInstances", &done, err);
    if (!rc) rc = counter_of(s, body, "nrOfInstances", &total, err);
    if (!rc) rc = counter_of(s, body, "nrOfActiveInstances", &active, err);
    if (!rc) rc = set_counter(s, body, "nrOfCompletedInstances", ++done, err);
    if (!rc) rc = set_counter(s, body, "nrOfActiveInstances", --active, err);
    if (!rc && l->out_coll) rc = out_collect(s, body, run, l, err);
    if (rc) return rc;
    s->vars_loaded = 0;
    if (l->kind == LOOP_STANDARD) {
        int go = 1;
        if (l->cond) rc = rt_eval_bool(s, n, l->cond, run, &go, &why);
        stop = !go || (l->max > 0 && done >= l->max);
    } else {
        if (l->until) rc = rt_eval_bool(s, n, l->until, run, &stop, &why);
        if (!rc) rc = mi_behavior(s, body, run, n, done, &stop, &why, err);
        stop = stop || (l->kind == LOOP_SEQUENTIAL && done >= total);
    }
    if (rc) {                      /* a broken condition: the body rests with an incident */
        int rc2 = store_scope_vars_delete(s->st, s->inst, run, err);
        if (!rc2) rc2 = store_token_delete(s->st, run, err);
        return rc2 ? rc2 : rt_script_outcome(s, rc, body, node, PHASE_LEAVE, &why, err);
    }
    rc = store_scope_vars_delete(s->st, s->inst, run, err);
    if (!rc) rc = store_token_delete(s->st, run, err);
    if (!rc && stop) rc = rt_cancel_inside(s, body, n->id, err);
    if (!rc && !stop && l->kind != LOOP_PARALLEL) {
        if (!rc) rc = set_counter(s, body, "nrOfActiveInstances", 1, err);
        return rc ? rc : loop_run(s, node, body, (int)done, NULL, err);
    }
    int left = 0;
    if (!rc) rc = store_token_count(s->st, s->inst, body, &left, err);
    if (rc || left) return rc;
    store_token b;
    int at;
    rc = rt_token_at(s, body, &b, &at, err);
    if (!rc && l->out_coll) rc = out_deliver(s, body, b.parent, l, total, err);
    return rc ? rc : leave_scope(s, body, node, b.parent, err);
}

/* The last token of scope token `scope` is gone: the scope's activity is
** done and its token leaves it (a loop run is counted instead). */
int rt_scope_done(rt_step *s, int64_t scope, sdm_err *err) {
    store_token t, p;
    int node, pnode;
    int rc = rt_token_at(s, scope, &t, &node, err);
    if (rc) return rc;
    sdm_assert(t.state == TOKEN_WAITING);
    const model_node *n = rt_node(s, node);
    if (n->kind == EL_END_THROW && n->trigger == TR_CANCEL)   /* a cancelled transaction is compensated */
        return rt_cancel_done(s, scope, err);
    if (n->adhoc == LOOP_SEQUENTIAL) {
        long long started = 0, over = 0;
        rc = counter_of(s, scope, "adHocStarted", &started, err);
        if (!rc) rc = counter_of(s, scope, "adHocComplete", &over, err);
        if (rc) return rc;
        if (!over && started < n->nenabled) return adhoc_start(s, scope, n, (int)started, (int)started + 1, err);
    }
    if (n->loop && t.parent) {
        rc = rt_token_at(s, t.parent, &p, &pnode, err);
        if (rc) return rc;
        if (pnode == node) return loop_run_done(s, t.parent, scope, node, err);
    }
    return leave_scope(s, scope, node, t.parent, err);
}

/* Whether token it runs one run of its node's loop (its scope is a run
** token at the same node), rather than arriving at the looping activity. */
int rt_in_loop_run(rt_step *s, const rt_item *it, int *yes, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    *yes = 0;
    if (!rt_node(s, it->node)->loop || !it->scope) return SDM_OK;
    store_token t;
    int node;
    int rc = rt_token_at(s, it->scope, &t, &node, err);
    if (!rc) *yes = node == it->node;
    return rc;
}

/* The variables a call passes one way: all (n < 0), or those mapped. */
static char *mapped(const char *json, const model_map *m, int n) {
    if (n < 0) return xstrdup(json ? json : "{}");
    json_t *all = json_loads(json ? json : "{}", 0, NULL), *out = json_object();
    for (int k = 0; k < n; k++) {
        json_t *v = json_object_get(all, m[k].from);
        if (v) json_object_set(out, m[k].to, v);
    }
    char *text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(all);
    json_decref(out);
    return text;
}

int rt_call_activity(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    sdm_err why = {0};
    rt_wait_plan w = {0};
    char *vars = NULL;
    int rc = n->loop ? SDM_OK : rt_plan_waits(s, n, it->scope, &w, &why);    /* a loop's body holds them */
    if (rc) return rt_script_outcome(s, rc, it->token, it->node, PHASE_EXECUTE, &why, err);
    rc = rt_wait_here(s, it, err);
    if (!rc) rc = rt_add_waits(s, it->token, &w, err);
    if (!rc) rc = rt_history(s, it->token, n->id, "call", rt_detail("{s:s}", "process", n->called), err);
    if (!rc) rc = rt_visible_vars(s, it->scope, &vars, err);
    if (rc) { free(vars); return rc; }
    char *given = mapped(vars, n->vin, n->nvin);
    rc = RT_NESTED(s, n, &why, s->call(s->ctx, s, it->token, n, given, &why));
    free(given);
    free(vars);
    /* A process not deployed, or the client busy in it: the model's or the
    ** data's problem, so an incident the head can retry once it is fixed. */
    if (rc == SDM_ERR_NOTFOUND || rc == SDM_ERR_STATE || rc == SDM_ERR_MODEL) {
        err_prefix(&why, "callActivity '%s'", n->id);
        rc = rt_end_wait(s, it->token, err);
        return rc ? rc : rt_incident(s, it->token, it->node, PHASE_EXECUTE, &why, err);
    }
    if (rc) *err = why;
    return rc;
}

int rt_call_returned(rt_step *s, int64_t token, int64_t called, sdm_err *err) {
    store_token tok;
    char *vars = NULL;
    int node;
    int rc = rt_token_at(s, token, &tok, &node, err);
    sdm_assert(rc || tok.state == TOKEN_WAITING);
    if (!rc) rc = store_vars_json(s->st, called, 0, &vars, err);
    char *back = rc ? NULL : mapped(vars, rt_node(s, node)->vout, rt_node(s, node)->nvout);
    if (!rc) rc = rt_history(s, token, tok.node, "call-returned", rt_detail("{s:I}", "instance", (json_int_t)called), err);
    if (!rc) rc = rt_set_vars(s, back, tok.parent, err);
    free(back);
    if (!rc) rc = rt_end_wait(s, token, err);
    if (!rc) rc = store_token_set(s->st, token, tok.node, TOKEN_READY, NULL, err);
    if (!rc) rt_push(s, OP_LEAVE, token, node, -1, tok.parent);
    free(vars);
    return rc;
}
