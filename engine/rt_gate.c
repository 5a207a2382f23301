/*
** rt_gate.c — joining gateways: the parallel join (one token from every
** incoming flow), and the joins decided only when every token rests:
** inclusive (nothing else can still arrive) and complex (its
** activationCondition); and an activity's startQuantity, a join of that
** many tokens before it starts.
**
** Must not split: leaving a gateway is op_leave's select_flows in rt.c.
*/
#include <string.h>
#include <jansson.h>
#include "rt_int.h"

/* The arriving token joins those waiting at its node in its scope;
** *ids and *flows list them all, oldest first (freed by join_free). */
static int join_arrive(rt_step *s, const rt_item *it, int64_t **ids, char ***flows, int *nj, sdm_err *err) {
    const model_node *n = rt_node(s, it->node);
    int rc = store_token_set(s->st, it->token, n->id, TOKEN_JOINING, rt_flow_id(s, it->flow), err);
    return rc ? rc : store_tokens_joining(s->st, s->inst, it->scope, n->id, ids, flows, nj, err);
}

static void join_free(int64_t *ids, char **flows, int nj) {
    for (int j = 0; j < nj; j++) free(flows[j]);
    free(flows); free(ids);
}

/* Of the joined tokens `pick`, the oldest goes on (*keep, ready) and the
** others are consumed. */
static int join_merge(rt_step *s, const model_node *n, const int64_t *pick, int np, int64_t *keep, sdm_err *err) {
    int rc = SDM_OK;
    *keep = pick[0];
    for (int k = 1; k < np; k++) if (pick[k] < *keep) *keep = pick[k];
    for (int k = 0; !rc && k < np; k++)
        if (pick[k] != *keep) rc = store_token_delete(s->st, pick[k], err);
    return rc ? rc : store_token_set(s->st, *keep, n->id, TOKEN_READY, NULL, err);
}

/* A parallel join fires when a token waits on every incoming flow; it
** consumes the oldest token of each flow and continues with the oldest. */
int rt_parallel_join(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    int64_t *ids = NULL, keep;
    char **flows = NULL;
    int nj = 0;
    int rc = join_arrive(s, it, &ids, &flows, &nj, err);
    int64_t *pick = xcalloc((size_t)n->nin, sizeof *pick);
    int found = 0;
    for (int k = 0; !rc && k < n->nin; k++) {
        const char *want = s->proc->flows[n->in[k]].id;
        for (int j = 0; j < nj; j++)
            if (flows[j] && strcmp(flows[j], want) == 0) { pick[k] = ids[j]; found++; break; }
    }
    if (!rc && found == n->nin) {
        rc = join_merge(s, n, pick, n->nin, &keep, err);
        if (!rc) rt_push(s, OP_LEAVE, keep, it->node, -1, it->scope);
    }
    join_free(ids, flows, nj);
    free(pick);
    return rc;
}

/* An activity with startQuantity k starts once k tokens have arrived, on
** any of its incoming flows: they wait there joined, and when the kth
** comes the oldest goes on (*keep) and the others are consumed. *keep is
** 0 while it still waits. */
int rt_quantity_join(rt_step *s, const rt_item *it, int64_t *keep, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    int64_t *ids = NULL;
    char **flows = NULL;
    int nj = 0;
    *keep = 0;
    int rc = join_arrive(s, it, &ids, &flows, &nj, err);
    if (!rc && nj >= n->start_qty) {
        rc = join_merge(s, n, ids, nj, keep, err);
        if (!rc) rc = rt_history(s, *keep, n->id, "quantity-joined", rt_detail("{s:i}", "tokens", nj), err);
    }
    join_free(ids, flows, nj);
    return rc;
}

/* An inclusive join fires when no token that is not waiting at it can
** still arrive there. Decided only when every token rests (the queue is
** empty), because a moving token's row does not say where it is. A token
** deeper inside a subprocess counts where its subprocess is in the join's
** scope; tokens of other scopes do not count. It consumes the oldest
** token of every incoming flow that has one and goes on with one of them. */
static const store_token *in_scope(const store_token *t, int n, const store_token *k, int64_t scope) {
    for (int depth = 0; k && depth < 64 && k->parent != scope; depth++) {
        const store_token *up = NULL;
        for (int i = 0; i < n && !up; i++) if (t[i].id == k->parent) up = &t[i];
        k = up;
    }
    return k && k->parent == scope ? k : NULL;
}

/* The oldest joining token of each incoming flow of join g in scope goes
** on (kept) and the others of them go; with `all`, every joining token
** there is taken, not one per flow (a complex gateway counts them all). */
static int join_take(rt_step *s, store_token *t, int n, int j, int all, int64_t *keep, sdm_err *err) {
    const model_node *g = rt_node(s, model_node_find(s->proc, t[j].node));
    int rc = SDM_OK;
    *keep = 0;
    for (int f = 0; !rc && f < g->nin; f++) {
        const char *want = s->proc->flows[g->in[f]].id;
        for (int k = 0; k < n && !rc; k++) {
            if (strcmp(t[k].node, t[j].node) || t[k].state != TOKEN_JOINING || strcmp(t[k].flow, want) ||
                t[k].parent != t[j].parent || !t[k].id) continue;
            if (!*keep) *keep = t[k].id;
            else rc = store_token_delete(s->st, t[k].id, err);
            t[k].id = 0;
            if (!all) break;
        }
    }
    return rc;
}

/* A complex join: until activated, it fires once its activationCondition
** holds for activationCount, the tokens waiting there; then it absorbs
** what still arrives, and resets when nothing more can come. Its phase is
** read from its history (activated / reset rows). */
static int complex_join(rt_step *s, store_token *t, int n, int j, int blocked, int *fired, sdm_err *err) {
    int join = model_node_find(s->proc, t[j].node);
    const model_node *g = rt_node(s, join);
    int64_t activated, reset, keep;
    int rc = store_last_event(s->st, s->inst, g->id, "activated", &activated, err);
    if (!rc) rc = store_last_event(s->st, s->inst, g->id, "reset", &reset, err);
    if (rc) return rc;
    if (activated > reset) {                  /* absorbing what arrives after firing */
        int64_t scope = t[j].parent;
        for (int k = 0; k < n && !rc && !s->ended; k++) {
            if (!t[k].id || strcmp(t[k].node, g->id) || t[k].state != TOKEN_JOINING || t[k].parent != scope) continue;
            rc = rt_history(s, t[k].id, g->id, "absorbed", NULL, err);
            if (!rc) rc = rt_consume(s, t[k].id, scope, g, err);
            t[k].id = 0;
            *fired = 1;
        }
        if (!rc && !blocked && !s->ended) rc = rt_history(s, 0, g->id, "reset", NULL, err);
        return rc;
    }
    int count = 0, holds = 0;
    for (int k = 0; k < n; k++)
        count += t[k].id && !strcmp(t[k].node, g->id) && t[k].state == TOKEN_JOINING && t[k].parent == t[j].parent;
    char num[16];
    snprintf(num, sizeof num, "%d", count);
    sdm_err why = {0};
    rc = rt_lua_ready(s, g->id, t[j].parent, &why);
    if (!rc) rc = scr_set_value(s->sc, "activationCount", num, &why);
    if (!rc) rc = rt_eval_bool(s, g, g->activation, t[j].parent, &holds, &why);
    scr_set_value(s->sc, "activationCount", NULL, NULL);
    if (rc) return rt_script_outcome(s, rc, t[j].id, join, PHASE_EXECUTE, &why, err);
    if (!holds) return SDM_OK;
    int64_t scope = t[j].parent;
    rc = join_take(s, t, n, j, 1, &keep, err);
    if (!rc) rc = rt_history(s, keep, g->id, "activated", rt_detail("{s:i}", "activationCount", count), err);
    if (!rc && !blocked) rc = rt_history(s, 0, g->id, "reset", NULL, err);
    if (!rc) rc = store_token_set(s->st, keep, g->id, TOKEN_READY, NULL, err);
    if (!rc) { rt_push(s, OP_LEAVE, keep, join, -1, scope); *fired = 1; }
    return rc;
}

int rt_or_joins(rt_step *s, int *fired, sdm_err *err) {
    store_token *t = NULL;
    int n = 0, rc = store_tokens_at_rest(s->st, s->inst, &t, &n, err);
    *fired = 0;
    for (int j = 0; !rc && j < n && !*fired && !s->ended; j++) {
        int join = t[j].id ? model_node_find(s->proc, t[j].node) : -1;
        if (join < 0 || t[j].state != TOKEN_JOINING) continue;
        el_kind kind = rt_node(s, join)->kind;
        if (!el_is(kind, EK_OR_JOIN)) continue;
        int blocked = 0;
        for (int k = 0; k < n && !blocked; k++) {
            const store_token *x = t[k].id ? in_scope(t, n, &t[k], t[j].parent) : NULL;
            if (!x || (strcmp(x->node, t[j].node) == 0 && x->state == TOKEN_JOINING)) continue;
            int at = model_node_find(s->proc, x->node);
            blocked = at >= 0 && model_can_reach(s->proc, at, join);
        }
        if (kind == EL_GW_COMPLEX) { rc = complex_join(s, t, n, j, blocked, fired, err); continue; }
        if (blocked) continue;
        int64_t keep, scope = t[j].parent;
        rc = join_take(s, t, n, j, 0, &keep, err);
        if (!rc) rc = store_token_set(s->st, keep, rt_node(s, join)->id, TOKEN_READY, NULL, err);
        if (!rc) { rt_push(s, OP_LEAVE, keep, join, -1, scope); *fired = 1; }
    }
    free(t);
    return rc;
}
