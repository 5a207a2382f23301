/*
** rt_catch.c — what is thrown and who catches it: errors and escalations
** looked for at boundary events, then the scope's event subprocesses,
** outwards to the calling instance; boundary events firing; compensation
** running the handlers of completed activities; throw events of every
** trigger.
**
** Must not arm waits: messages and signals are delivered by rt_wait.c.
*/
#include <string.h>
#include <stdlib.h>
#include <jansson.h>
#include "rt_int.h"

static int catches(const model_node *c, const model_node *thrower) {
    return c->trigger == thrower->trigger && (!c->code || (thrower->code && strcmp(c->code, thrower->code) == 0));
}

/* The catch the boundary event b of the activity `token` waits at makes:
** interrupting moves the token onto b's path, else a new token starts there. */
int rt_boundary_fire(rt_step *s, int64_t token, int64_t scope, int b, sdm_err *err) {
    sdm_assert(el_is(rt_node(s, b)->kind, EK_BOUNDARY));
    const model_node *bn = rt_node(s, b);
    int64_t t = token;
    int rc;
    if (bn->interrupting) {
        rc = rt_interrupt(s, token, rt_node(s, bn->attached), bn->id, err);
        if (!rc) rc = store_token_set(s->st, token, bn->id, TOKEN_READY, NULL, err);
    } else {
        rc = rt_token_new(s, scope, bn, TOKEN_READY, NULL, &t, err);
    }
    if (!rc) rt_push(s, OP_ENTER, t, b, -1, scope);
    return rc;
}

/* Who catches an error or escalation thrown by `thrower` while `token`
** (in `scope`) sits at node `at`: the activity's boundary events, then the
** event subprocesses of the scope, then the boundary events of the scope's
** own activity, and so outwards; at the process level, the caller. */
int rt_catch_from(rt_step *s, const model_node *thrower, int64_t token, int at, int64_t scope,
                      int *caught, int *interrupted, sdm_err *err) {
    *caught = *interrupted = 0;
    for (int depth = 0; depth < 64; depth++) {
        const model_node *a = at >= 0 ? rt_node(s, at) : NULL;
        for (int k = 0; a && k < a->nbnd; k++) {
            const model_node *b = rt_node(s, a->bnd[k]);
            if (b->kind != EL_BOUNDARY_EVENT || !catches(b, thrower)) continue;
            *caught = 1;
            *interrupted = b->interrupting;
            return rt_boundary_fire(s, token, scope, a->bnd[k], err);
        }
        store_token t = {0};
        int tnode = -1, nev;
        const int *ev;
        int rc = rt_scope_events(s, scope, &t, &tnode, &ev, &nev, err);
        if (rc) return rc;
        for (int k = 0; k < nev; k++) {
            const model_node *st = rt_node(s, rt_node(s, ev[k])->start);
            if (st->kind != EL_START_CATCH || !catches(st, thrower)) continue;
            *caught = 1;
            *interrupted = st->interrupting;
            return rt_start_event_sub(s, scope, ev[k], err);
        }
        if (!scope) break;
        token = scope;
        at = tnode;
        scope = t.parent;
    }
    if (s->parent_inst && s->raised) {
        int rc = RT_NESTED(s, thrower, err, s->raised(s->ctx, s, thrower, caught, interrupted, err));
        if (!rc && *caught && *interrupted) {          /* the caller cut this instance off */
            s->ended = 1;
            s->qhead = s->qn;
        }
        return rc;
    }
    return SDM_OK;
}

int rt_catch(rt_step *s, int64_t token, const model_node *thrower, int *caught, int *interrupted, sdm_err *err) {
    store_token t;
    int at;
    int rc = rt_token_at(s, token, &t, &at, err);
    return rc ? rc : rt_catch_from(s, thrower, token, at, t.parent, caught, interrupted, err);
}

/* An error or escalation is thrown at it->node. An escalation always
** reaches the deviation log (the head sees it) and goes on unless caught
** by an interrupting event; an error nobody catches is an incident. */
static int throw_catchable(rt_step *s, const rt_item *it, int *stopped, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    int caught = 0, interrupted = 0, rc = SDM_OK;
    *stopped = 0;
    if (n->trigger == TR_ESCALATION) {
        char msg[512];
        snprintf(msg, sizeof msg, "escalation '%s' raised at %s", n->event_name, n->name ? n->name : n->id);
        rt_fx f = {.s = s, .n = n, .rule = n->event_name, .severity = "high", .scope = it->scope, .err = err};
        rc = rt_raise_deviation(&f, "high", msg);
    }
    if (!rc) rc = rt_history(s, it->token, n->id, n->trigger == TR_ERROR ? "error" : "escalation",
                          rt_detail("{s:s?, s:s}", "code", n->code, "name", n->event_name), err);
    if (!rc) rc = rt_catch_from(s, n, it->token, -1, it->scope, &caught, &interrupted, err);
    if (rc) return rc;
    if (interrupted || s->ended) { *stopped = 1; return SDM_OK; }    /* the scope holding the token is gone */
    if (n->trigger == TR_ERROR && !caught) {
        sdm_err why = {0};
        err_set(&why, SDM_ERR_SCRIPT, s->file, n->line, n->id, "error '%s' thrown at '%s' is not caught",
                n->code ? n->code : n->event_name, n->id);
        *stopped = 1;
        return rt_incident(s, it->token, it->node, PHASE_EXECUTE, &why, err);
    }
    return SDM_OK;
}

/* A compensation throw runs the handlers of the activities of its scope
** that completed and are not compensated yet (or only of the one named),
** latest first; the throwing token waits as their scope until they end. A
** subprocess's handler may be its compensation event subprocess, whose
** compensation throws reach the activities the subprocess ran. */
typedef struct comp_item { int64_t done; int node; } comp_item;

static int cmp_comp(const void *x, const void *y) {
    const comp_item *a = x, *b = y;
    return (a->done < b->done) - (a->done > b->done);
}

static int compensate(rt_step *s, const rt_item *it, int *waiting, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    int scope_node = -1, rc = SDM_OK, nc = 0;
    *waiting = 0;
    if (it->scope) {
        store_token t;
        rc = rt_token_at(s, it->scope, &t, &scope_node, err);
    }
    /* inside a compensation event subprocess: what its subprocess ran */
    if (!rc && scope_node >= 0 && rt_node(s, scope_node)->triggered &&
        rt_node(s, rt_node(s, scope_node)->start)->trigger == TR_COMPENSATE)
        scope_node = rt_node(s, scope_node)->parent;
    comp_item *c = xmalloc(sizeof *c * (size_t)(s->proc->nnode + 1));
    for (int i = 0; i < s->proc->nnode && !rc; i++) {
        const model_node *a = rt_node(s, i);
        if (!a->compensable || a->parent != scope_node || (n->comp_activity && strcmp(a->id, n->comp_activity))) continue;
        int64_t left, undone;
        rc = store_last_event(s->st, s->inst, a->id, "leave", &left, err);
        if (!rc) rc = store_last_event(s->st, s->inst, a->id, "compensate", &undone, err);
        if (!rc && left > undone) c[nc++] = (comp_item){left, i};
    }
    if (!rc && nc) {
        qsort(c, (size_t)nc, sizeof *c, cmp_comp);
        rc = rt_wait_here(s, it, err);
        for (int k = 0; k < nc && !rc; k++) {
            const model_node *a = rt_node(s, c[k].node);
            int h = -1;
            for (int b = 0; b < a->nbnd && h < 0; b++)
                if (rt_node(s, a->bnd[b])->trigger == TR_COMPENSATE) h = rt_node(s, a->bnd[b])->comp;
            if (h < 0) h = a->comp;         /* a subprocess's compensation event subprocess */
            int64_t token;
            rc = rt_history(s, it->token, a->id, "compensate", rt_detail("{s:s}", "handler", rt_node(s, h)->id), err);
            if (!rc) rc = rt_token_new(s, it->token, rt_node(s, h), TOKEN_READY, NULL, &token, err);
            if (!rc) rt_push(s, OP_ENTER, token, h, -1, it->token);
        }
        *waiting = 1;
    }
    free(c);
    return rc;
}

/* A cancel end event cancels its transaction (scope token it->scope):
** everything else inside stops, the activities completed inside are
** compensated, latest first, under a token of the cancel end event, and
** when their handlers have ended (rt_cancel_done) the transaction leaves
** by its cancel boundary event. */
static int cancel_transaction(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it) && it->scope);
    const model_node *n = rt_node(s, it->node);
    int64_t t = 0;
    int waiting = 0;
    int rc = rt_history(s, it->scope, n->id, "transaction-cancelled", NULL, err);
    if (!rc) rc = rt_cancel_inside(s, it->scope, n->id, err);      /* the thrower's token too */
    if (!rc) rc = rt_token_new(s, it->scope, n, TOKEN_READY, NULL, &t, err);
    rt_item c = {.op = OP_EXECUTE, .token = t, .node = it->node, .flow = -1, .scope = it->scope};
    if (!rc) rc = compensate(s, &c, &waiting, err);
    return rc || waiting ? rc : rt_cancel_done(s, t, err);
}

int rt_cancel_done(rt_step *s, int64_t token, sdm_err *err) {
    store_token t, x;
    int at, xat, b = -1;
    int rc = rt_token_at(s, token, &t, &at, err);
    if (!rc) rc = rt_token_at(s, t.parent, &x, &xat, err);
    if (rc) return rc;
    const model_node *txn = rt_node(s, xat);
    sdm_assert(txn->transaction);
    for (int k = 0; k < txn->nbnd; k++)
        if (rt_node(s, txn->bnd[k])->trigger == TR_CANCEL) b = txn->bnd[k];
    if (b < 0) return SDM_CORRUPT_BKPT(err, "a cancelled transaction has no cancel boundary event (deploy checks it)");
    return rt_boundary_fire(s, t.parent, x.parent, b, err);
}

int rt_throw_event(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    int rc, stopped = 0;
    if (n->trigger == TR_CANCEL) return cancel_transaction(s, it, err);
    if (n->trigger == TR_ESCALATION || n->trigger == TR_ERROR) {
        rc = throw_catchable(s, it, &stopped, err);
    } else if (n->trigger == TR_COMPENSATE) {
        rc = compensate(s, it, &stopped, err);
    } else {
        /* each definition in turn (an event with several throws them all) */
        model_node one = *n;
        rc = SDM_OK;
        for (int k = -1; k < n->nalt && !rc && !s->cur_dead; k++) {
            if (k >= 0) one.trigger = n->alt[k].trigger, one.event_name = n->alt[k].event_name;
            rc = rt_history(s, it->token, n->id, one.trigger == TR_MESSAGE ? "message-sent" : "signal-sent",
                            rt_detail("{s:s}", "name", one.event_name), err);
            if (!rc) rc = RT_NESTED(s, n, err, s->thrown(s->ctx, s, &one, err));
            if (!rc && one.trigger == TR_SIGNAL) rt_signal_thrown(s, one.event_name);
        }
        stopped = s->cur_dead;      /* a signal this instance caught cut the thrower off */
    }
    if (rc || stopped) return rc;
    if (n->kind == EL_END_THROW) return rt_consume(s, it->token, it->scope, n, err);
    rt_push(s, OP_LEAVE, it->token, it->node, it->flow, it->scope);
    return SDM_OK;
}
