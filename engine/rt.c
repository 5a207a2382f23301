/*
** rt.c — the token runtime's core (design in rt.h): the queue of atomic
** operations and the one loop that drains it, the step's budget, history
** rows, tokens coming and going (consume, cancel, interrupt, terminate),
** choosing outgoing flows, and the entry points that start, complete and
** retry. What each element does when a token reaches it lives in the
** rt_*.c file of its family; op_execute's switch says which.
**
** A step is a queue of atomic operations on tokens: ENTER a node, EXECUTE
** its behaviour, LEAVE it along its outgoing flows. Each operation is a
** short function that does one thing and queues the next; drain_queue()
** is the only loop. A moving token is written to the store only when it
** comes to rest, so a step costs a handful of row writes whatever the path
** length.
**
** Scopes: a token inside a subprocess, a loop or multi-instance body, or
** a compensation run names the token that holds its scope (rt_item.scope,
** tokens.parent_id). That token waits at the scope's node until its last
** token is consumed (rt_scope_done), and variables may be local to it. The
** process level is scope 0.
**
** Must not commit or roll back: the caller owns the transaction. Must not
** touch SQL or Lua directly (no rt*.c does): it speaks to store.h and
** script.h.
*/
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "rt_int.h"
#include "regdoc.h"
#include "detail.h"

const char *rt_op_name(int op) {
    switch (op) {
    case OP_ENTER: return "activity-enter";
    case OP_EXECUTE: return "activity-execute";
    case OP_LEAVE: return "activity-leave";
    case OP_DEAD: return "cancelled";
    }
    sdm_panic("unknown runtime operation");
}

const model_node *rt_node(rt_step *s, int i) {
    sdm_assert(i >= 0 && i < s->proc->nnode);
    return &s->proc->nodes[i];
}

#ifdef SDM_DEBUG
/* Only used inside sdm_assert: a queued operation names a node of the
** step's process and a live token. */
int rt_item_ok(const rt_step *s, const rt_item *it) {
    return it && it->node >= 0 && it->node < s->proc->nnode && it->token > 0 && it->scope >= 0;
}
#endif

const char *rt_flow_id(rt_step *s, int f) { return f >= 0 ? s->proc->flows[f].id : NULL; }

void rt_push(rt_step *s, int op, int64_t token, int node, int flow, int64_t scope) {
    sdm_assert(node >= 0 && node < s->proc->nnode && token > 0 && flow < s->proc->nflow);
    if (s->qn == s->qcap) {
        s->qcap = s->qcap ? s->qcap * 2 : 16;
        s->q = xrealloc(s->q, sizeof *s->q * (size_t)s->qcap);
    }
    s->q[s->qn++] = (rt_item){op, node, flow, token, scope};
}

/* Tokens a cancellation removed must not move again in this step. */
static void drop_queued(rt_step *s, const int64_t *ids, int n) {
    for (int k = 0; k < n; k++) if (ids[k] == s->cur) s->cur_dead = 1;
    for (int i = s->qhead; i < s->qn; i++)
        for (int k = 0; k < n; k++)
            if (s->q[i].token == ids[k]) { s->q[i].op = OP_DEAD; break; }
}

void rt_step_free(rt_step *s) {
    free(s->path.v);
    s->path = (model_path){0};
    free(s->q);
    s->q = NULL;
    s->qn = s->qcap = s->qhead = 0;
    json_decref(s->owners);
    s->owners = NULL;
    json_decref(s->late);
    s->late = NULL;
}

/* History detail as compact JSON from a jansson pack format; NULL on misuse. */
char *rt_detail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *out = detail_vpack(fmt, ap);
    va_end(ap);
    return out;
}

/* Node entered (left 0) or left (1) joins the step's path unless there.
** A step passes few distinct nodes (a multi-instance body is one), so the
** look-up is a walk. */
static void path_add(rt_step *s, const char *node, int left) {
    int k = model_node_find(s->proc, node);
    if (k < 0) return;
    model_path *p = &s->path;
    for (int i = 0; i < p->n; i++)
        if (p->v[i].node == k && p->v[i].left == left) return;
    if (p->n == p->cap) p->v = xrealloc(p->v, sizeof *p->v * (size_t)(p->cap = p->cap ? p->cap * 2 : 8));
    p->v[p->n++] = (struct model_pass){k, left};
}

int rt_history(rt_step *s, int64_t token, const char *node, const char *event,
                   char *owned_detail, sdm_err *err) {
    int rc = store_history(s->st, s->inst, token, node, event, s->now, s->actor, owned_detail, err);
    free(owned_detail);
    if (!rc && node && (strcmp(event, "enter") == 0 || strcmp(event, "leave") == 0))
        path_add(s, node, event[0] == 'l');
    return rc;
}

#ifdef SDM_DEBUG
/* Only used inside sdm_assert: token `id` is stored in `state`. */
int rt_token_is(rt_step *s, int64_t id, token_state state) {
    store_token t;
    sdm_err e = {0};
    return store_token_get(s->st, id, &t, &e) == SDM_OK && t.state == state;
}
#endif

/* The index of the node token t is at. */
static int token_node(rt_step *s, const store_token *t, int *node, sdm_err *err) {
    *node = model_node_find(s->proc, t->node);
    return *node < 0 ? SDM_CORRUPT_BKPT(err, "a token is at a node its model does not have") : SDM_OK;
}

/* The token's row, with its node's index. */
int rt_token_at(rt_step *s, int64_t id, store_token *t, int *node, sdm_err *err) {
    int rc = store_token_get(s->st, id, t, err);
    return rc ? rc : token_node(s, t, node, err);
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void rt_budget_start(rt_budget *b, long max_ops, long max_tokens, int64_t ms, long max_instances) {
    memset(b, 0, sizeof *b);
    b->max_ops = max_ops;
    b->max_tokens = max_tokens;
    b->ms = ms;
    b->deadline = mono_ms() + ms;
    b->max_instances = max_instances;
}

/* One more token, operation or nested step (B_*) at node n: SDM_ERR_LIMIT
** when the step is over any of its limits. The whole step stops, not one
** token: a fork bomb has thousands of tokens, and stopping one lets the
** rest grow. */
int rt_budget_take(rt_step *s, const model_node *n, int kind, sdm_err *err) {
    rt_budget *b = s->budget;
    if (!b) return SDM_OK;
    char what[96];
    if (!b->tripped) {
        if (kind == B_OP && ++b->ops > b->max_ops)
            snprintf(what, sizeof what, "%ld operations", b->max_ops);
        else if (kind == B_TOKEN && ++b->tokens > b->max_tokens)
            snprintf(what, sizeof what, "%ld tokens created", b->max_tokens);
        else if (kind == B_NEST && ++b->depth > RT_MAX_NEST)
            snprintf(what, sizeof what, "%d nested steps (instances messaging or calling each other)", RT_MAX_NEST);
        else if (mono_ms() > b->deadline)
            snprintf(what, sizeof what, "%lld ms of wall time", (long long)b->ms);
        else return SDM_OK;
        b->tripped = 1;
        b->inst = s->inst;
        snprintf(b->node, sizeof b->node, "%s", n->id);
        err_set(&b->why, SDM_ERR_LIMIT, s->file, n->line, n->id, "step exceeded its budget: %s at '%s'%s",
                what, n->id, kind == B_OP && b->ops > b->max_ops ? " (an endless loop in the model?)" : "");
    }
    if (err) *err = b->why;
    return SDM_ERR_LIMIT;
}

int rt_nested_done(rt_step *s, int rc) {
    if (s->budget) s->budget->depth--;
    return rc;
}

int rt_token_new(rt_step *s, int64_t scope, const model_node *n, token_state state, const char *flow,
                     int64_t *id, sdm_err *err) {
    sdm_assert(n && scope >= 0);
    int rc = rt_budget_take(s, n, B_TOKEN, err);
    return rc ? rc : store_token_add(s->st, s->inst, scope, n->id, state, flow, s->now, id, err);
}

/* The token of `it` comes to rest at its node, waiting (READY -> WAITING);
** the behaviour arms what it waits for. (A user task's token names its
** new task in the same statement: store_token_wait_task.) */
int rt_wait_here(rt_step *s, const rt_item *it, sdm_err *err) {
    return store_token_set(s->st, it->token, rt_node(s, it->node)->id, TOKEN_WAITING, rt_flow_id(s, it->flow), err);
}

/* A token stops waiting: its timers and subscriptions go. */
int rt_end_wait(rt_step *s, int64_t token, sdm_err *err) {
    int rc = store_jobs_delete_token(s->st, token, err);
    return rc ? rc : store_subs_delete_token(s->st, token, err);
}

static int instance_end(rt_step *s, instance_state state, const model_node *n, sdm_err *err) {
    sdm_assert(state == INSTANCE_COMPLETED || state == INSTANCE_TERMINATED);
    s->ended = 1;
    s->qhead = s->qn;                  /* nothing else moves in an ended instance */
    int rc = store_jobs_delete_instance(s->st, s->inst, err);
    if (!rc) rc = store_subs_delete_instance(s->st, s->inst, err);
    if (!rc) rc = store_instance_end(s->st, s->inst, state, n ? n->outcome : NULL, n ? n->id : NULL, s->now, err);
    if (!rc && s->parent_inst && s->returned) rc = RT_NESTED(s, n ? n : rt_node(s, 0), err, s->returned(s->ctx, s, err));
    return rc;
}

/* The token is gone; when it was the last of its scope, the scope is done. */
int rt_consume(rt_step *s, int64_t token, int64_t scope, const model_node *n, sdm_err *err) {
    sdm_assert(token > 0 && n);
    int left = 0;
    int rc = store_token_delete(s->st, token, err);
    if (!rc) rc = store_token_count(s->st, s->inst, scope, &left, err);
    if (rc || left) return rc;
    if (scope) return rt_scope_done(s, scope, err);
    rc = rt_history(s, 0, n->id, "end", n->outcome ? rt_detail("{s:s}", "outcome", n->outcome) : NULL, err);
    return rc ? rc : instance_end(s, INSTANCE_COMPLETED, n, err);
}

/* Everything inside scope token `scope` (0: the whole instance) stops:
** tokens, tasks, waits, incidents, local variables, called instances. */
int rt_cancel_inside(rt_step *s, int64_t scope, const char *by, sdm_err *err) {
    int64_t *ids = NULL;
    int n = 0;
    int rc = store_scope_cancel(s->st, s->inst, scope, s->now, s->actor, by, &ids, &n, err);
    if (!rc) drop_queued(s, ids, n);
    free(ids);
    s->vars_loaded = 0;
    return rc;
}

/* The activity token waits at is cut short by `by`: its task, its waits,
** everything inside it (subprocess, loop body), what it called. */
int rt_interrupt(rt_step *s, int64_t token, const model_node *a, const char *by, sdm_err *err) {
    int rc = SDM_OK;
    if (a->kind == EL_TASK_USER && !a->loop) {
        rc = store_task_cancel_token(s->st, token, s->now, s->actor, err);
        if (!rc) rc = rt_history(s, token, a->id, "task-cancelled", rt_detail("{s:s}", "by", by), err);
    }
    if (!rc) rc = rt_end_wait(s, token, err);
    if (!rc && (a->kind == EL_SUBPROCESS || a->loop)) {
        rc = rt_cancel_inside(s, token, by, err);
        if (!rc) rc = rt_history(s, token, a->id, "cancelled", rt_detail("{s:s}", "by", by), err);
    }
    if (!rc && a->kind == EL_CALL) rc = store_terminate_children(s->st, s->inst, token, s->now, s->actor, err);
    if (!rc) rc = store_scope_vars_delete(s->st, s->inst, token, err);
    return rc;
}

static int terminate(rt_step *s, int64_t token, int64_t scope, const model_node *n, sdm_err *err) {
    sdm_assert(token > 0 && n);
    int rc = rt_history(s, token, n->id, "terminate", scope ? rt_detail("{s:I}", "scope", (json_int_t)scope) : NULL, err);
    if (!rc) rc = rt_cancel_inside(s, scope, n->id, err);
    if (rc) return rc;
    if (scope) return rt_scope_done(s, scope, err);   /* a subprocess ends, its parent goes on */
    return instance_end(s, INSTANCE_COMPLETED, n, err);
}

/* Which outgoing flows hold. exclusive: stop at the first. A flow without
** a condition holds. The default flow is taken when no conditional flow
** holds (unconditional flows of an activity are taken besides it). */
static int select_flows(rt_step *s, const model_node *n, int64_t scope, int exclusive, int *chosen, int *nchosen,
                        sdm_err *why) {
    int conditional_held = 0;
    *nchosen = 0;
    for (int k = 0; k < n->nout; k++) {
        int f = n->out[k];
        if (f == n->dflt) continue;
        int holds = 1;
        const model_flow *fl = &s->proc->flows[f];
        if (fl->cond) {
            char chunk[300];
            rt_chunk_name(s, fl->id, chunk, sizeof chunk);
            int rc = rt_lua_ready(s, n->id, scope, why);
            if (!rc) rc = scr_eval_bool(s->sc, fl->cond, chunk, &holds, why);
            if (rc) return rc;
            conditional_held |= holds;
        }
        if (holds) {
            chosen[(*nchosen)++] = f;
            if (exclusive) return SDM_OK;
        }
    }
    if (!conditional_held && n->dflt >= 0) chosen[(*nchosen)++] = n->dflt;
    if (*nchosen == 0)
        return err_set(why, SDM_ERR_SCRIPT, s->file, n->line, n->id,
                       "no outgoing flow of %s '%s' has a condition that holds, and it has no default flow",
                       n->tag, n->id);
    return SDM_OK;
}

/* The token takes the first flow; every further flow gets a new token. */
static int take(rt_step *s, int64_t token, int64_t scope, const int *flows, int nflows, sdm_err *err) {
    sdm_assert(token > 0 && nflows >= 0);
    for (int k = 0; k < nflows; k++) {
        const model_flow *f = &s->proc->flows[flows[k]];
        int64_t t = token;
        if (k > 0) {             /* a new token, charged to the node that forks */
            int rc = rt_budget_take(s, &s->proc->nodes[f->src], B_TOKEN, err);
            if (!rc) rc = store_token_add(s->st, s->inst, scope, s->proc->nodes[f->dst].id, TOKEN_READY, f->id,
                                          s->now, &t, err);
            if (rc) return rc;
        }
        rt_push(s, OP_ENTER, t, f->dst, flows[k], scope);
    }
    return SDM_OK;
}

static int op_enter(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    int rc = rt_history(s, it->token, n->id, "enter",
                     it->flow >= 0 ? rt_detail("{s:s}", "flow", rt_flow_id(s, it->flow)) : NULL, err);
    if (!rc && n->ncp) rc = rt_checkpoints(s, it->node, it->token, it->scope, CP_ENTER, err);
    if (!rc) rt_push(s, OP_EXECUTE, it->token, it->node, it->flow, it->scope);
    return rc;
}

static void pass(rt_step *s, const rt_item *it) { rt_push(s, OP_LEAVE, it->token, it->node, it->flow, it->scope); }

static int op_execute(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    int run = 0;
    rt_item joined;
    if (n->loop) {
        int rc = rt_in_loop_run(s, it, &run, err);
        if (rc) return rc;
    }
    if (n->start_qty > 1 && !run) {      /* startQuantity: waits for that many tokens */
        int64_t keep = 0;
        int rc = rt_quantity_join(s, it, &keep, err);
        if (rc || !keep) return rc;
        joined = (rt_item){.op = it->op, .token = keep, .node = it->node, .flow = -1, .scope = it->scope};
        it = &joined;
    }
    if (n->loop && !run) return rt_loop_begin(s, it, err);
    switch (n->kind) {
    case EL_START: case EL_THROW_NONE: case EL_TASK: case EL_TASK_MANUAL:
    case EL_GW_EXCLUSIVE: case EL_BOUNDARY_TIMER: case EL_BOUNDARY_EVENT:
    case EL_START_MESSAGE: case EL_START_TIMER: case EL_START_SIGNAL: case EL_START_CATCH:
    case EL_LINK_CATCH: case EL_START_CONDITIONAL:
        pass(s, it);
        return SDM_OK;
    case EL_GW_PARALLEL:
        if (n->nin > 1) return rt_parallel_join(s, it, err);
        pass(s, it);
        return SDM_OK;
    case EL_GW_INCLUSIVE: case EL_GW_COMPLEX:
        if (n->nin > 1)            /* decided when every token rests: see rt_or_joins() */
            return store_token_set(s->st, it->token, n->id, TOKEN_JOINING, rt_flow_id(s, it->flow), err);
        pass(s, it);
        return SDM_OK;
    case EL_GW_EVENT:
        return rt_event_gateway(s, it, err);
    case EL_END:
        return rt_consume(s, it->token, it->scope, n, err);
    case EL_END_TERMINATE:
        return terminate(s, it->token, it->scope, n, err);
    case EL_TASK_USER:
        return rt_user_task(s, it, err);
    case EL_TASK_SCRIPT: case EL_TASK_SERVICE:
        return rt_script_task(s, it, err);
    case EL_CATCH_TIMER:
        return rt_wait_timer(s, it, err);
    case EL_CALL:
        return rt_call_activity(s, it, err);
    case EL_SUBPROCESS:
        return rt_subprocess(s, it, err);
    case EL_CATCH_EVENT: case EL_RECEIVE:
        return rt_wait_event(s, it, err);
    case EL_THROW_EVENT: case EL_END_THROW:
        return rt_throw_event(s, it, err);
    case EL_LINK_THROW: {
        int rc = rt_history(s, it->token, n->id, "leave", NULL, err);
        if (!rc) rt_push(s, OP_ENTER, it->token, n->link, -1, it->scope);
        return rc;
    }
    case EL_UNSUPPORTED: case EL__COUNT: break;
    }
    sdm_panic("unknown element kind in op_execute");
}

static int op_leave(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    int run = 0;
    int rc = rt_in_loop_run(s, it, &run, err);
    if (!rc) rc = rt_history(s, it->token, n->id, "leave", run ? rt_detail("{s:b}", "run", 1) : NULL, err);
    if (!rc && n->ncp && !run) rc = rt_checkpoints(s, it->node, it->token, it->scope, CP_LEAVE, err);
    if (!rc && n->informed && !run) rc = regdoc_inform(s, n, err);     /* sdm:informed roles are told */
    if (rc) return rc;
    if (!run && n->parent >= 0 && rt_node(s, n->parent)->adhoc) {
        int stopped = 0;
        rc = rt_adhoc_completed(s, it, &stopped, err);
        if (rc || stopped) return rc;
    }
    if (run || n->nout == 0) return rt_consume(s, it->token, it->scope, n, err);   /* a loop run, or an implicit end */
    int *chosen = xmalloc(sizeof(int) * (size_t)n->nout), nchosen = 0;
    sdm_err why = {0};
    if (n->kind == EL_GW_PARALLEL) {
        for (int k = 0; k < n->nout; k++) chosen[nchosen++] = n->out[k];
    } else {
        rc = select_flows(s, n, it->scope, n->kind == EL_GW_EXCLUSIVE, chosen, &nchosen, &why);
        if (!rc) rc = rt_save_vars(s, &why);
    }
    if (!rc && n->done_qty > 1) {      /* completionQuantity: that many tokens on each flow taken */
        chosen = xrealloc(chosen, sizeof(int) * (size_t)(nchosen * n->done_qty));
        for (int k = nchosen; k < nchosen * n->done_qty; k++) chosen[k] = chosen[k % nchosen];
        nchosen *= n->done_qty;
    }
    if (rc) rc = rt_script_outcome(s, rc, it->token, it->node, PHASE_LEAVE, &why, err);
    else rc = take(s, it->token, it->scope, chosen, nchosen, err);
    free(chosen);
    return rc;
}

static int drain_queue(rt_step *s, sdm_err *err);

/* When every token rests: OR-joins decide, signals thrown in the step
** reach the catches that became ready after the throw, conditions whose
** variables changed are evaluated; any of them may move tokens again. */
int rt_drain(rt_step *s, sdm_err *err) {
    for (;;) {
        int rc = drain_queue(s, err), fired = 0;
        if (rc || s->ended) return rc;
        if (s->proc->n_or_join && ((rc = rt_or_joins(s, &fired, err)) || fired)) { if (rc) return rc; continue; }
        if ((rc = rt_late_signals(s, &fired, err)) || fired) { if (rc) return rc; continue; }
        if ((rc = rt_conditions(s, &fired, err)) || !fired) return rc;
    }
}

/* Every operation counts against the step's budget (rt_budget): a model
** looping without ever waiting, or forking without end, would otherwise
** hold the write lock forever. A real step takes a few dozen. */
static int drain_queue(rt_step *s, sdm_err *err) {
    while (s->qhead < s->qn) {
        rt_item it = s->q[s->qhead++];
        int rc;
        s->cur = it.token;
        s->cur_dead = 0;
        if (it.op != OP_DEAD && (rc = rt_budget_take(s, rt_node(s, it.node), B_OP, err))) return rc;
        switch (it.op) {
        case OP_ENTER: rc = op_enter(s, &it, err); break;
        case OP_EXECUTE: rc = op_execute(s, &it, err); break;
        case OP_LEAVE: rc = op_leave(s, &it, err); break;
        case OP_DEAD: rc = SDM_OK; break;
        default: sdm_panic("unknown runtime operation");
        }
        if (!rc && s->cond_dirty && !s->ended) rc = rt_conditions(s, NULL, err);
        if (rc) return rc;
    }
    return SDM_OK;
}

int rt_start(rt_step *s, const char *vars_json, sdm_err *err) {
    const model_proc *p = s->proc;
    if (p->nstart != 1)
        return err_set(err, SDM_ERR_MODEL, s->file, p->line, p->id,
                       p->nstart ? "process '%s' has %d none start events; sdm starts processes with exactly one"
                                 : "process '%s' has no none start event; it starts by its timer, a message or a signal",
                       p->id, p->nstart);
    return rt_start_at(s, p->starts[0], vars_json, err);
}

int rt_start_at(rt_step *s, int start, const char *vars_json, sdm_err *err) {
    const model_proc *p = s->proc;
    int64_t token;
    rt_wait_plan w = {0};
    int rc = rt_history(s, 0, NULL, "start", NULL, err);
    if (!rc) rc = rt_set_vars(s, vars_json, 0, err);
    if (!rc) rc = rt_plan_event_subs(s, p->evsubs, p->nevsub, 0, &w, err);   /* the process level's event subprocesses */
    if (!rc) rc = rt_add_waits(s, 0, &w, err);
    if (!rc) rc = rt_token_new(s, 0, &p->nodes[start], TOKEN_READY, NULL, &token, err);
    if (rc) return rc;
    if (p->nodes[start].instantiate) {     /* a receive task that instantiates has its message already */
        rc = rt_history(s, token, p->nodes[start].id, "enter", NULL, err);
        if (!rc) rc = rt_history(s, token, p->nodes[start].id, "message",
                                 rt_detail("{s:s}", "name", p->nodes[start].event_name), err);
        if (rc) return rc;
        rt_push(s, OP_LEAVE, token, start, -1, 0);
        return rt_drain(s, err);
    }
    rt_push(s, OP_ENTER, token, start, -1, 0);
    return rt_drain(s, err);
}

int rt_complete(rt_step *s, const store_task *task, const store_token *tok, const char *vars_json,
                sdm_err *err) {
    if (task->state != TASK_OPEN)
        return err_set(err, SDM_ERR_STATE, NULL, 0, task->node, "task %lld is already %s",
                       (long long)task->id, store_task_state_text(task->state));
    if (tok->id != task->token_id || strcmp(tok->node, task->node) != 0)
        return SDM_CORRUPT_BKPT(err, "an open task's token is not at the task's node");
    int node;
    int rc = token_node(s, tok, &node, err);
    if (rc) return rc;
    sdm_assert(tok->state == TOKEN_WAITING);
    rc = store_task_close(s->st, task, TASK_COMPLETED, s->now, s->actor, err);
    if (!rc && tok->waits) rc = rt_end_wait(s, task->token_id, err);
    if (!rc) rc = rt_history(s, task->token_id, task->node, "task-completed",
                          rt_detail("{s:I}", "task", (json_int_t)task->id), err);
    if (!rc) rc = rt_set_vars(s, vars_json, tok->parent, err);
    if (rc) return rc;
    rt_push(s, OP_LEAVE, task->token_id, node, -1, tok->parent);
    return rt_drain(s, err);
}

int rt_retry(rt_step *s, const store_incident *inc, sdm_err *err) {
    if (inc->state != INCIDENT_OPEN)
        return err_set(err, SDM_ERR_STATE, NULL, 0, inc->node, "incident %lld is already %s",
                       (long long)inc->id, store_incident_state_text(inc->state));
    store_token tok;
    int node;
    if (!inc->token_id) {         /* a step stopped by its budget: nothing stored to resume */
        int rc = store_incident_resolve(s->st, inc->id, s->now, s->actor, err);
        return rc ? rc : rt_history(s, 0, inc->node, "retry", rt_detail("{s:I}", "incident", (json_int_t)inc->id), err);
    }
    int op = OP_EXECUTE;
    switch (inc->phase) {
    case PHASE_EXECUTE: break;
    case PHASE_LEAVE: op = OP_LEAVE; break;
    case PHASE_STEP: case PHASE_JOB: return SDM_CORRUPT_BKPT(err, "a step's or job's incident holds a token");
    }
    int rc = rt_token_at(s, inc->token_id, &tok, &node, err);
    if (rc) return rc;
    sdm_assert(tok.state == TOKEN_INCIDENT);
    rc = store_incident_resolve(s->st, inc->id, s->now, s->actor, err);
    if (!rc) rc = store_token_set(s->st, inc->token_id, inc->node, TOKEN_READY, NULL, err);
    if (!rc) rc = rt_history(s, inc->token_id, inc->node, "retry",
                          rt_detail("{s:I}", "incident", (json_int_t)inc->id), err);
    if (rc) return rc;
    rt_push(s, op, inc->token_id, node, -1, tok.parent);
    return rt_drain(s, err);
}
