/*
** rt_wait.c — tokens that wait for time or the outside: timers (durations,
** dates, cycles, the misfire rule), what a resting activity arms (its
** boundary timers, messages and signals, its event subprocesses' starts,
** a watched due date), timer and message/signal catch events, receive
** tasks, event-based gateways, and the two ways a wait ends: a due job
** fires (rt_fire) or a subscription's event arrives (rt_deliver).
**
** Must not choose which subscription a message reaches (correlate.c does).
*/
#include <string.h>
#include <jansson.h>
#include "rt_int.h"

/* The (fired+1)-th firing of timer spec (already evaluated) from anchor;
** *due = 0 when it fires no more. Pure: also used for timer start events. */
int rt_timer_next(const struct clk_calendar *cal, const model_node *n, const char *spec, int fired,
                  int64_t anchor, int64_t *due, char *msg, size_t msglen) {
    const char *tz = clk_calendar_tz(cal);
    clk_duration d;
    clk_cycle c;
    int bad = 0;
    *due = 0;
    switch (n->timer_type) {
    case TIMER_DURATION:
        if ((bad = clk_parse_duration(spec, &d, msg, msglen)) == 0 && fired == 0)
            *due = n->timer_working ? clk_add_working(cal, anchor, &d) : clk_add(anchor, &d, tz);
        break;
    case TIMER_DATE:
        if ((bad = clk_parse_datetime(spec, tz, due, msg, msglen)) == 0 && fired > 0) *due = 0;
        break;
    case TIMER_CYCLE:
        if ((bad = clk_parse_cycle(spec, tz, &c, msg, msglen)) == 0 && clk_cycle_next(&c, anchor, fired, due) != 0)
            *due = 0;
        break;
    default: sdm_panic("timer without a type");
    }
    if (*due == CLK_NEVER) *due = 0;
    return bad ? -1 : 0;
}

/* When timer node `n` fires for the (fired+1)-th time, counting from
** `anchor`; a "=lua" spec is evaluated first, in scope. *due = 0 when it
** fires no more. */
int rt_timer_after(const struct clk_calendar *cal, const model_node *n, const char *spec, int *fired,
                   int64_t anchor, int64_t now, int64_t *due, char *msg, size_t msglen) {
    if (rt_timer_next(cal, n, spec, *fired, anchor, due, msg, msglen)) return -1;
    if (n->timer_type != TIMER_CYCLE || !*due || *due > now) return 0;
    /* Firings are monotone in their number: gallop, then bisect, for the
    ** first one after now (lo is due by now, hi is after it or never). */
    int lo = *fired, hi = lo;
    int64_t d = 0;
    for (int step = 1; step <= (1 << 29); step *= 2) {
        hi = lo + step;
        if (hi < lo || rt_timer_next(cal, n, spec, hi, anchor, &d, msg, msglen) || !d || d > now) break;
        lo = hi;
    }
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        if (rt_timer_next(cal, n, spec, mid, anchor, &d, msg, msglen) || !d || d > now) hi = mid;
        else lo = mid;
    }
    *fired = hi;
    return rt_timer_next(cal, n, spec, hi, anchor, due, msg, msglen);
}

/* Whether spec is a cycle without count or end on a catch event that a
** flow enters: every firing would send a token on, forever. Deploy
** refuses such a literal; an expression's value is caught here. */
static int endless(rt_step *s, const model_node *n, const char *spec) {
    clk_cycle c;
    char msg[64];
    return n->kind == EL_CATCH_TIMER && n->timer_type == TIMER_CYCLE && !model_gated(s->proc, n) &&
           clk_parse_cycle(spec, clk_calendar_tz(s->cal), &c, msg, sizeof msg) == 0 && c.repeat < 0 && !c.has_end;
}

/* The timer's due time for firing number *fired (evaluating an
** expression first); after > 0 applies the misfire rule (rt_timer_after). */
static int timer_due(rt_step *s, const model_node *n, int64_t scope, int *fired, int64_t after, int64_t anchor,
                     int64_t *due, sdm_err *why) {
    const char *spec = n->timer;
    char *owned = NULL, msg[256];
    int rc = SDM_OK;
    *due = 0;
    if (spec[0] == '=') {
        rc = rt_eval_string(s, n, spec + 1, scope, &owned, why);
        if (!rc && !owned) rc = err_set(why, SDM_ERR_SCRIPT, s->file, n->line, n->id, "timer expression of '%s' gave nil", n->id);
        if (rc) return rc;
        spec = owned;
    }
    int k = 0;
    if (!fired) fired = &k;
    if (endless(s, n, spec))
        rc = err_set(why, SDM_ERR_SCRIPT, s->file, n->line, n->id, "timeCycle '%s' of intermediateCatchEvent '%s'%s%s%s "
                     "repeats without end: each firing sends a token on, so tokens would come forever; give a count "
                     "(R3/PT1H) or an end", spec, n->id, owned ? " (the value of " : "", owned ? n->timer + 1 : "",
                     owned ? ")" : "");
    else if (after ? rt_timer_after(s->cal, n, spec, fired, anchor, after, due, msg, sizeof msg)
              : rt_timer_next(s->cal, n, spec, *fired, anchor, due, msg, sizeof msg))
        rc = err_set(why, SDM_ERR_SCRIPT, s->file, n->line, n->id, "timer of '%s': %s", n->id, msg);
    free(owned);
    return rc;
}

int rt_wait_timer(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    sdm_err why = {0};
    int64_t due;
    int rc = timer_due(s, n, it->scope, NULL, 0, s->now, &due, &why);
    if (rc) return rt_script_outcome(s, rc, it->token, it->node, PHASE_EXECUTE, &why, err);
    if (!due) { rt_push(s, OP_LEAVE, it->token, it->node, it->flow, it->scope); return SDM_OK; }  /* already past */
    rc = rt_wait_here(s, it, err);
    if (!rc) rc = store_job_add(s->st, JOB_TIMER, s->inst, it->token, n->id, due, n->timer, 0, s->now, err);
    return rc;
}

/* Token waits at node n for whatever n's event definitions name: a
** subscription for each (conditions: one named by the instance, see
** rt_conditions). */
int rt_subscribe(rt_step *s, const model_node *n, int64_t token, sdm_err *err) {
    int rc = SDM_OK;
    for (int k = -1; k < n->nalt && !rc; k++) {
        el_trigger tr = k < 0 ? n->trigger : n->alt[k].trigger;
        const char *name = k < 0 ? n->event_name : n->alt[k].event_name;
        char inst[32];
        if (tr == TR_CONDITIONAL) {
            snprintf(inst, sizeof inst, "%lld", (long long)s->inst);
            s->cond_dirty = 1;
        }
        rc = store_sub_add(s->st, tr == TR_MESSAGE ? SUB_MESSAGE : tr == TR_SIGNAL ? SUB_SIGNAL : SUB_CONDITION,
                           tr == TR_CONDITIONAL ? inst : name, s->client, s->inst, token, n->id, s->now, err);
    }
    return rc;
}

static int plan_one(rt_step *s, rt_wait_plan *w, int node, int64_t scope, sdm_err *why) {
    const model_node *b = rt_node(s, node);
    int timer = b->kind == EL_BOUNDARY_TIMER || b->kind == EL_START_TIMER;
    int listens = timer || b->trigger == TR_MESSAGE || b->trigger == TR_SIGNAL || b->trigger == TR_CONDITIONAL;
    if (!listens || w->n == 32) return SDM_OK;
    w->node[w->n] = node;
    w->due[w->n] = 0;
    return timer ? timer_due(s, b, scope, NULL, 0, s->now, &w->due[w->n++], why) : (w->n++, SDM_OK);
}

/* For activity n: its boundary events (scope: where the activity is) and,
** when it opens a scope, the starts of its event subprocesses. */
int rt_plan_waits(rt_step *s, const model_node *n, int64_t scope, rt_wait_plan *w, sdm_err *why) {
    int rc = SDM_OK;
    w->n = 0;
    for (int k = 0; k < n->nbnd && !rc; k++) rc = plan_one(s, w, n->bnd[k], scope, why);
    return rc;
}

int rt_plan_event_subs(rt_step *s, const int *evsubs, int nevsub, int64_t scope, rt_wait_plan *w, sdm_err *why) {
    int rc = SDM_OK;
    for (int k = 0; k < nevsub && !rc; k++) rc = plan_one(s, w, rt_node(s, evsubs[k])->start, scope, why);
    return rc;
}

int rt_add_waits(rt_step *s, int64_t token, const rt_wait_plan *w, sdm_err *err) {
    int rc = SDM_OK;
    for (int k = 0; k < w->n && !rc; k++) {
        const model_node *b = rt_node(s, w->node[k]);
        if (b->trigger == TR_MESSAGE || b->trigger == TR_SIGNAL || b->trigger == TR_CONDITIONAL)
            rc = rt_subscribe(s, b, token, err);
        else if (w->due[k])
            rc = store_job_add(s->st, b->kind == EL_START_TIMER ? JOB_EVENT : JOB_BOUNDARY, s->inst, token, b->id,
                               w->due[k], NULL, 0, s->now, err);
    }
    return rc;
}

/* A task's due date, when a checkpoint watches it. */
int rt_add_due_job(rt_step *s, const model_node *n, int64_t token, int64_t task_due, sdm_err *err) {
    int watched = 0;
    for (int i = 0; i < n->ncp; i++) watched |= n->cps[i].on & CP_DUE;
    return watched && task_due ? store_job_add(s->st, JOB_DUE, s->inst, token, n->id, task_due, NULL, 0, s->now, err)
                               : SDM_OK;
}

/* An event-based gateway: the token waits at the gateway for every event
** behind it at once; the first to happen takes it (rt_deliver, rt_fire),
** and ending the wait cancels the others. */
int rt_event_gateway(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    sdm_err why = {0};
    rt_wait_plan w = {0};
    int rc = SDM_OK;
    for (int k = 0; k < n->nout && !rc && w.n < 32; k++) {
        const model_node *t = rt_node(s, s->proc->flows[n->out[k]].dst);
        w.node[w.n] = s->proc->flows[n->out[k]].dst;
        w.due[w.n] = 0;
        rc = t->kind == EL_CATCH_TIMER ? timer_due(s, t, it->scope, NULL, 0, s->now, &w.due[w.n], &why) : SDM_OK;
        w.n++;
    }
    if (rc) return rt_script_outcome(s, rc, it->token, it->node, PHASE_EXECUTE, &why, err);
    rc = rt_wait_here(s, it, err);
    for (int k = 0; k < w.n && !rc; k++) {
        const model_node *t = rt_node(s, w.node[k]);
        if (t->kind == EL_CATCH_TIMER)
            rc = w.due[k] ? store_job_add(s->st, JOB_TIMER, s->inst, it->token, t->id, w.due[k], t->timer, 0, s->now, err)
                          : store_job_add(s->st, JOB_TIMER, s->inst, it->token, t->id, s->now, t->timer, 0, s->now, err);
        else
            rc = rt_subscribe(s, t, it->token, err);
    }
    return rc;
}

int rt_wait_event(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    sdm_err why = {0};
    rt_wait_plan w = {0};
    int rc = n->kind == EL_RECEIVE && !n->loop ? rt_plan_waits(s, n, it->scope, &w, &why) : SDM_OK;
    if (rc) return rt_script_outcome(s, rc, it->token, it->node, PHASE_EXECUTE, &why, err);
    rc = rt_wait_here(s, it, err);
    if (!rc) rc = rt_subscribe(s, n, it->token, err);
    if (!rc) rc = rt_add_waits(s, it->token, &w, err);
    return rc;
}

/* A subscription's event happened. At a catch event or receive task the
** token goes on (when it waited at an event-based gateway, it first
** enters the event that won); on a boundary, the boundary path starts;
** at an event subprocess's start, that subprocess starts. */
int rt_deliver(rt_step *s, const store_sub *sub, const char *vars_json, sdm_err *err) {
    int node = model_node_find(s->proc, sub->node);
    if (node < 0) return SDM_CORRUPT_BKPT(err, "a subscription at a node the model does not have");
    const model_node *n = rt_node(s, node);
    store_token tok = {0};
    int at = -1, rc = SDM_OK;
    if (sub->token_id) rc = rt_token_at(s, sub->token_id, &tok, &at, err);
    sdm_assert(rc || !sub->token_id || tok.state == TOKEN_WAITING);
    int event_sub = n->parent >= 0 && rt_node(s, n->parent)->triggered && rt_node(s, n->parent)->start == node;
    if (!rc) rc = rt_set_vars(s, vars_json, event_sub ? sub->token_id : tok.parent, err);
    if (!rc) rc = rt_history(s, sub->token_id, n->id, store_sub_kind_text(sub->kind), rt_detail("{s:s}", "name", sub->name), err);
    if (!rc && n->all_of && at == node) {      /* parallelMultiple: waits on until every definition came */
        int left = 0;
        rc = store_sub_delete(s->st, sub->id, err);
        if (!rc) rc = store_subs_at(s->st, sub->token_id, n->id, &left, err);
        if (!rc && left) return SDM_OK;
    }
    if (rc) return rc;
    if (event_sub) {
        if (n->interrupting) rc = store_waits_delete(s->st, s->inst, sub->token_id, n->id, err);
        return rc ? rc : rt_start_event_sub(s, sub->token_id, n->parent, err);
    }
    if (n->kind == EL_BOUNDARY_EVENT) return rt_boundary_fire(s, sub->token_id, tok.parent, node, err);
    rc = rt_end_wait(s, sub->token_id, err);
    if (!rc && at != node) rc = rt_history(s, sub->token_id, n->id, "enter", NULL, err);
    if (!rc) rc = store_token_set(s->st, sub->token_id, n->id, TOKEN_READY, NULL, err);
    if (!rc) rt_push(s, OP_LEAVE, sub->token_id, node, -1, tok.parent);
    return rc;
}

/* A timer cycle re-arms: the job moves to its next firing, or ends
** (*more = 0). */
static int rearm(rt_step *s, const store_job *job, const model_node *n, int64_t scope, int *more, sdm_err *err) {
    sdm_err why = {0};
    int64_t next;
    int fired = job->fired + 1;
    int rc = timer_due(s, n, scope, &fired, s->now, job->created_at, &next, &why);
    if (rc == SDM_ERR_SCRIPT) next = 0;          /* a broken cycle stops; the token goes on */
    else if (rc) { *err = why; return rc; }
    if (more) *more = next != 0;
    return next ? store_job_reschedule(s->st, job->id, next, fired, err) : store_job_delete(s->st, job->id, err);
}

/* A timer catch event with a cycle fires repeatedly (BPMN: the event is
** triggered at each time of the cycle): every firing but the last sends a
** new token on, the waiting token leaves at the last. */
static int cycle_fire(rt_step *s, const store_job *job, const model_node *n, int node, int64_t scope, int *done,
                      sdm_err *err) {
    int more = 0;
    int64_t t;
    *done = 0;
    int rc = rearm(s, job, n, scope, &more, err);
    if (rc || !more) return rc;
    *done = 1;
    rc = rt_history(s, job->token_id, n->id, "timer", rt_detail("{s:i}", "fired", job->fired + 1), err);
    if (!rc) rc = rt_token_new(s, scope, n, TOKEN_READY, NULL, &t, err);
    if (!rc) rt_push(s, OP_LEAVE, t, node, -1, scope);
    return rc;
}

/* Fire a due job: a boundary timer (interrupting, or sending a token and
** re-arming while its cycle lasts), a waiting timer event (or the timer
** of an event-based gateway), an event subprocess's timer start, a task's
** due-date checkpoints. */
int rt_fire(rt_step *s, const store_job *job, sdm_err *err) {
    int node = model_node_find(s->proc, job->node);
    if (node < 0) return SDM_CORRUPT_BKPT(err, "a job at a node the model does not have");
    const model_node *n = rt_node(s, node);
    store_token tok = {0};
    int at = -1;
    int rc = job->token_id ? rt_token_at(s, job->token_id, &tok, &at, err) : SDM_OK;
    int done = 0;
    if (rc) return rc;
    sdm_assert(!job->token_id || tok.state == TOKEN_WAITING);
    switch (job->kind) {
    case JOB_BOUNDARY:
        rc = rt_history(s, job->token_id, n->id, "timer", rt_detail("{s:i}", "fired", job->fired + 1), err);
        if (!rc) rc = n->interrupting ? SDM_OK : rearm(s, job, n, tok.parent, NULL, err);
        if (!rc) rc = rt_boundary_fire(s, job->token_id, tok.parent, node, err);
        break;
    case JOB_EVENT:
        rc = rt_history(s, job->token_id, n->id, "timer", rt_detail("{s:i}", "fired", job->fired + 1), err);
        if (!rc) rc = n->interrupting ? store_job_delete(s->st, job->id, err) : rearm(s, job, n, job->token_id, NULL, err);
        if (!rc) rc = rt_start_event_sub(s, job->token_id, n->parent, err);
        break;
    case JOB_TIMER:
        if (n->timer_type == TIMER_CYCLE && at == node)
            rc = cycle_fire(s, job, n, node, tok.parent, &done, err);      /* the job is rescheduled or gone */
        else
            rc = store_job_delete(s->st, job->id, err);
        if (rc || done) break;
        rc = rt_end_wait(s, job->token_id, err);        /* an event-based gateway's other events */
        if (!rc && at != node) rc = rt_history(s, job->token_id, n->id, "enter", NULL, err);
        if (!rc) rc = rt_history(s, job->token_id, job->node, "timer", NULL, err);
        if (!rc) rc = store_token_set(s->st, job->token_id, job->node, TOKEN_READY, NULL, err);
        if (!rc) rt_push(s, OP_LEAVE, job->token_id, node, -1, tok.parent);
        break;
    case JOB_DUE:
        rc = store_job_delete(s->st, job->id, err);
        if (!rc) rc = rt_checkpoints(s, node, job->token_id, tok.parent, CP_DUE, err);
        break;
    case JOB_START:                               /* tick.c starts an instance for these */
        return SDM_CORRUPT_BKPT(err, "a timer start's job fired inside an instance");
    }
    return rc ? rc : rt_drain(s, err);
}

/* ---------- conditional events ----------
**
** A conditional event waits by a subscription named by its instance:
** `condition` while its condition has not held, `condition-held` once a
** non-interrupting one fired (it fires again only after the condition
** stopped holding: the spec's edge). The conditions are evaluated when a
** step wrote variables or armed one (s->cond_dirty), after each operation,
** so a condition true on entry fires before the activity's inside runs. A
** condition that fails (a name not set yet) does not hold; the failure is
** recorded as `condition-error` history. */

/* Whether the condition of sub's node holds, seen from where it waits. */
static int cond_holds(rt_step *s, const store_sub *sub, const model_node *n, int *holds, sdm_err *err) {
    int event_sub = n->kind == EL_START_CONDITIONAL;
    int64_t scope = event_sub ? sub->token_id : 0;
    *holds = 0;
    if (!event_sub) {
        store_token tok;
        int at, rc = rt_token_at(s, sub->token_id, &tok, &at, err);
        if (rc) return rc;
        scope = tok.parent;
    }
    sdm_err why = {0};
    int rc = rt_eval_bool(s, n, n->cond, scope, holds, &why);
    if (rc != SDM_ERR_SCRIPT && rc != SDM_ERR_NOMEM) return rc ? (*err = why, rc) : SDM_OK;
    *holds = 0;
    s->vars_loaded = 0;             /* as after a failed script (rt_script_outcome) */
    rc = scr_effects(s->sc, NULL, NULL, err);
    return rc ? rc : rt_history(s, sub->token_id, n->id, "condition-error", rt_detail("{s:s}", "message", why.msg), err);
}

static int resubscribe(rt_step *s, const store_sub *sub, sub_kind kind, sdm_err *err) {
    int rc = store_sub_delete(s->st, sub->id, err);
    return rc ? rc : store_sub_add(s->st, kind, sub->name, s->client, s->inst, sub->token_id, sub->node, s->now, err);
}

int rt_conditions(rt_step *s, int *fired, sdm_err *err) {
    if (fired) *fired = 0;
    if (!s->cond_dirty || !s->proc->nconditional || s->ended) return s->cond_dirty = 0, SDM_OK;
    s->cond_dirty = 0;
    char inst[32];
    snprintf(inst, sizeof inst, "%lld", (long long)s->inst);
    store_sub *subs = NULL, *held = NULL;
    int nsub = 0, nheld = 0, holds = 0;
    int rc = store_subs_find(s->st, SUB_CONDITION_HELD, inst, NULL, &held, &nheld, err);
    for (int i = 0; i < nheld && !rc; i++) {
        int node = model_node_find(s->proc, held[i].node);
        if (node < 0) { rc = SDM_CORRUPT_BKPT(err, "a subscription at a node the model does not have"); break; }
        rc = cond_holds(s, &held[i], rt_node(s, node), &holds, err);
        if (!rc && !holds) rc = resubscribe(s, &held[i], SUB_CONDITION, err);
    }
    if (!rc) rc = store_subs_find(s->st, SUB_CONDITION, inst, NULL, &subs, &nsub, err);
    /* The first that holds fires; the rest are evaluated again after the
    ** firing's first operation, since it may have removed them. */
    for (int i = 0; i < nsub && !rc; i++) {
        int node = model_node_find(s->proc, subs[i].node);
        if (node < 0) { rc = SDM_CORRUPT_BKPT(err, "a subscription at a node the model does not have"); break; }
        const model_node *n = rt_node(s, node);
        rc = cond_holds(s, &subs[i], n, &holds, err);
        if (rc || !holds) continue;
        if (!n->interrupting && (n->kind == EL_BOUNDARY_EVENT || n->kind == EL_START_CONDITIONAL))
            rc = resubscribe(s, &subs[i], SUB_CONDITION_HELD, err);
        store_sub sub = subs[i];
        snprintf(sub.name, sizeof sub.name, "%s", n->cond);
        if (!rc) rc = rt_deliver(s, &sub, NULL, err);
        if (fired) *fired = 1;
        s->cond_dirty = 1;
        break;
    }
    free(held);
    free(subs);
    return rc;
}

/* ---------- a signal and its parallel branches ----------
**
** A signal thrown reaches every subscription there is at once
** (sdmi_thrown). Branches that were moving in the same step when it was
** thrown are concurrent with the throw: a catch one of them reaches later
** in the step receives it too, once every token rests, as if the branch
** had got there first (betsy's Multiple_IntermediateThrowEvent). A token
** created after the throw, or the thrower itself going on, does not. */

void rt_signal_thrown(rt_step *s, const char *name) {
    json_t *tokens = json_array();
    for (int i = s->qhead; i < s->qn; i++)
        if (s->q[i].op != OP_DEAD && s->q[i].token != s->cur) json_array_append_new(tokens, json_integer(s->q[i].token));
    if (!json_array_size(tokens)) { json_decref(tokens); return; }
    if (!s->late) s->late = json_array();
    json_array_append_new(s->late, json_pack("{s:s,s:o}", "name", name, "tokens", tokens));
}

static int token_in(json_t *tokens, int64_t id) {
    size_t i;
    json_t *v;
    json_array_foreach(tokens, i, v) if (json_integer_value(v) == id) return 1;
    return 0;
}

int rt_late_signals(rt_step *s, int *fired, sdm_err *err) {
    *fired = 0;
    json_t *late = s->late;
    s->late = NULL;
    json_t *rec;
    size_t i;
    int rc = SDM_OK;
    json_array_foreach(late, i, rec) {
        json_t *done = json_array();
        store_sub *subs = NULL;
        int nsub = 0;
        json_t *tokens = json_object_get(rec, "tokens");
        rc = store_subs_find(s->st, SUB_SIGNAL, json_string_value(json_object_get(rec, "name")), NULL, &subs, &nsub, err);
        for (int k = 0; k < nsub && !rc; k++) {
            if (subs[k].instance_id != s->inst || !token_in(tokens, subs[k].token_id) || token_in(done, subs[k].token_id))
                continue;
            json_array_append_new(done, json_integer(subs[k].token_id));
            rc = rt_deliver(s, &subs[k], NULL, err);
            *fired = 1;
        }
        free(subs);
        json_decref(done);
        if (rc) break;
    }
    json_decref(late);
    return rc;
}
