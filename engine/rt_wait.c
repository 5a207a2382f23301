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

/* The timer's due time for firing number *fired (evaluating an
** expression first); after > 0 applies the misfire rule (rt_timer_after). */
static int timer_due(rt_step *s, const model_node *n, int64_t scope, int *fired, int64_t after, int64_t anchor,
                     int64_t *due, sdm_err *why) {
    const char *spec = n->timer;
    char *owned = NULL, msg[256];
    int rc = SDM_OK;
    *due = 0;
    if (spec[0] == '=') {
        char chunk[300];
        rt_chunk_name(s, n->id, chunk, sizeof chunk);
        rc = rt_lua_ready(s, n->id, scope, why);
        if (!rc) rc = scr_eval_string(s->sc, spec + 1, chunk, &owned, why);
        if (!rc && !owned) rc = err_set(why, SDM_ERR_SCRIPT, s->file, n->line, n->id, "timer expression of '%s' gave nil", n->id);
        if (rc) return rc;
        spec = owned;
    }
    int k = 0;
    if (!fired) fired = &k;
    if (after ? rt_timer_after(s->cal, n, spec, fired, anchor, after, due, msg, sizeof msg)
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
    if (rc) return rt_script_outcome(s, rc, it->token, it->node, "execute", &why, err);
    if (!due) { rt_push(s, OP_LEAVE, it->token, it->node, it->flow, it->scope); return SDM_OK; }  /* already past */
    rc = store_token_set(s->st, it->token, n->id, "waiting", rt_flow_id(s, it->flow), err);
    if (!rc) rc = store_job_add(s->st, "timer", s->inst, it->token, n->id, due, n->timer, 0, s->now, err);
    return rc;
}

static int plan_one(rt_step *s, rt_wait_plan *w, int node, int64_t scope, sdm_err *why) {
    const model_node *b = rt_node(s, node);
    int timer = b->kind == EL_BOUNDARY_TIMER || b->kind == EL_START_TIMER;
    int listens = timer || b->trigger == TR_MESSAGE || b->trigger == TR_SIGNAL;
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
        if (b->trigger == TR_MESSAGE || b->trigger == TR_SIGNAL)
            rc = store_sub_add(s->st, b->trigger == TR_MESSAGE ? "message" : "signal", b->msg, s->client, s->inst,
                               token, b->id, s->now, err);
        else if (w->due[k])
            rc = store_job_add(s->st, b->kind == EL_START_TIMER ? "event" : "boundary", s->inst, token, b->id,
                               w->due[k], NULL, 0, s->now, err);
    }
    return rc;
}

/* A task's due date, when a checkpoint watches it. */
int rt_add_due_job(rt_step *s, const model_node *n, int64_t token, int64_t task_due, sdm_err *err) {
    int watched = 0;
    for (int i = 0; i < n->ncp; i++) watched |= n->cps[i].on & CP_DUE;
    return watched && task_due ? store_job_add(s->st, "due", s->inst, token, n->id, task_due, NULL, 0, s->now, err)
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
    if (rc) return rt_script_outcome(s, rc, it->token, it->node, "execute", &why, err);
    rc = store_token_set(s->st, it->token, n->id, "waiting", rt_flow_id(s, it->flow), err);
    for (int k = 0; k < w.n && !rc; k++) {
        const model_node *t = rt_node(s, w.node[k]);
        if (t->kind == EL_CATCH_TIMER)
            rc = w.due[k] ? store_job_add(s->st, "timer", s->inst, it->token, t->id, w.due[k], t->timer, 0, s->now, err)
                          : store_job_add(s->st, "timer", s->inst, it->token, t->id, s->now, t->timer, 0, s->now, err);
        else
            rc = store_sub_add(s->st, t->trigger == TR_SIGNAL ? "signal" : "message", t->msg, s->client, s->inst,
                               it->token, t->id, s->now, err);
    }
    return rc;
}

int rt_wait_event(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    sdm_err why = {0};
    rt_wait_plan w = {0};
    int rc = n->kind == EL_RECEIVE && !n->loop ? rt_plan_waits(s, n, it->scope, &w, &why) : SDM_OK;
    if (rc) return rt_script_outcome(s, rc, it->token, it->node, "execute", &why, err);
    rc = store_token_set(s->st, it->token, n->id, "waiting", rt_flow_id(s, it->flow), err);
    if (!rc) rc = store_sub_add(s->st, n->trigger == TR_MESSAGE ? "message" : "signal", n->msg, s->client, s->inst,
                                it->token, n->id, s->now, err);
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
    int event_sub = n->parent >= 0 && rt_node(s, n->parent)->triggered && rt_node(s, n->parent)->start == node;
    if (!rc) rc = rt_set_vars(s, vars_json, event_sub ? sub->token_id : tok.parent, err);
    if (!rc) rc = rt_history(s, sub->token_id, n->id, sub->kind, rt_detail("{s:s}", "name", sub->name), err);
    if (rc) return rc;
    if (event_sub) {
        if (n->interrupting) rc = store_waits_delete(s->st, s->inst, sub->token_id, n->id, err);
        return rc ? rc : rt_start_event_sub(s, sub->token_id, n->parent, err);
    }
    if (n->kind == EL_BOUNDARY_EVENT) return rt_boundary_fire(s, sub->token_id, tok.parent, node, err);
    rc = rt_end_wait(s, sub->token_id, err);
    if (!rc && at != node) rc = rt_history(s, sub->token_id, n->id, "enter", NULL, err);
    if (!rc) rc = store_token_set(s->st, sub->token_id, n->id, "ready", NULL, err);
    if (!rc) rt_push(s, OP_LEAVE, sub->token_id, node, -1, tok.parent);
    return rc;
}

/* A timer cycle re-arms: the job moves to its next firing, or ends. */
static int rearm(rt_step *s, const store_job *job, const model_node *n, int64_t scope, sdm_err *err) {
    sdm_err why = {0};
    int64_t next;
    int fired = job->fired + 1;
    int rc = timer_due(s, n, scope, &fired, s->now, job->created_at, &next, &why);
    if (rc == SDM_ERR_SCRIPT) next = 0;          /* a broken cycle stops; the token goes on */
    else if (rc) { *err = why; return rc; }
    return next ? store_job_reschedule(s->st, job->id, next, fired, err) : store_job_delete(s->st, job->id, err);
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
    if (!rc && strcmp(job->kind, "boundary") == 0) {
        rc = rt_history(s, job->token_id, n->id, "timer", rt_detail("{s:i}", "fired", job->fired + 1), err);
        if (!rc) rc = n->interrupting ? SDM_OK : rearm(s, job, n, tok.parent, err);
        if (!rc) rc = rt_boundary_fire(s, job->token_id, tok.parent, node, err);
    } else if (!rc && strcmp(job->kind, "event") == 0) {
        rc = rt_history(s, job->token_id, n->id, "timer", rt_detail("{s:i}", "fired", job->fired + 1), err);
        if (!rc) rc = n->interrupting ? store_job_delete(s->st, job->id, err) : rearm(s, job, n, job->token_id, err);
        if (!rc) rc = rt_start_event_sub(s, job->token_id, n->parent, err);
    } else if (!rc) {
        rc = store_job_delete(s->st, job->id, err);
        if (!rc && strcmp(job->kind, "timer") == 0) {
            rc = rt_end_wait(s, job->token_id, err);        /* an event-based gateway's other events */
            if (!rc && at != node) rc = rt_history(s, job->token_id, n->id, "enter", NULL, err);
            if (!rc) rc = rt_history(s, job->token_id, job->node, "timer", NULL, err);
            if (!rc) rc = store_token_set(s->st, job->token_id, job->node, "ready", NULL, err);
            if (!rc) rt_push(s, OP_LEAVE, job->token_id, node, -1, tok.parent);
        } else if (!rc && strcmp(job->kind, "due") == 0) {
            rc = rt_checkpoints(s, node, job->token_id, tok.parent, CP_DUE, err);
        } else if (!rc) {
            return SDM_CORRUPT_BKPT(err, "a job of unknown kind");
        }
    }
    return rc ? rc : rt_drain(s, err);
}
