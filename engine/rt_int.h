/*
** rt_int.h — what the runtime's files (rt.c and rt_*.c) share: the
** operations, the budget's kinds, the wait plan, the rule context, and the
** functions one family calls in another. Included by rt*.c only; the rest
** of the engine sees rt.h.
*/
#ifndef SDM_RT_INT_H
#define SDM_RT_INT_H
#include "rt.h"
#include "clock.h"
#include "err.h"
#include "kinds.h"

enum rt_op { OP_ENTER, OP_EXECUTE, OP_LEAVE, OP_DEAD };

enum { B_TOKEN, B_OP, B_NEST };

#define RT_MAX_NEST 64

/* A hook that runs another instance's step inside this one (a message
** thrown, a call, a return, an error passed up) nests on the C stack, so
** the nesting is part of the budget. */
#define RT_NESTED(s, n, err, call) \
    (rt_budget_take((s), (n), B_NEST, (err)) ? SDM_ERR_LIMIT : rt_nested_done((s), (call)))

/* Triggers a waiting activity (or a scope) arms: its boundary timers,
** messages and signals, and the starts of event subprocesses inside it.
** Planned before anything is written, so a bad timer leaves nothing half
** made. Errors, escalations and compensation need nothing armed: they
** are looked for when thrown. */
typedef struct rt_wait_plan { int node[32]; int64_t due[32]; int n; } rt_wait_plan;

typedef struct rt_fx {
    rt_step *s;
    const model_node *n;
    const store_task *task;    /* the node's open task, or NULL */
    int64_t scope;             /* whose variables the rule sees */
    const char *rule, *severity;
    const char *subject, *body;
    int64_t deviation;
    int told;                  /* messages queued */
    sdm_err *err;
} rt_fx;

/* rt.c */
const model_node *rt_node(rt_step *s, int i);
#ifdef SDM_DEBUG
int rt_item_ok(const rt_step *s, const rt_item *it);
#endif
const char *rt_flow_id(rt_step *s, int f);
void rt_push(rt_step *s, int op, int64_t token, int node, int flow, int64_t scope);
char *rt_detail(const char *fmt, ...);
int rt_history(rt_step *s, int64_t token, const char *node, const char *event, char *owned_detail, sdm_err *err);
int rt_token_at(rt_step *s, int64_t id, store_token *t, int *node, sdm_err *err);
int rt_token_is(rt_step *s, int64_t id, token_state state);   /* SDM_DEBUG only: inside sdm_assert */
int rt_wait_here(rt_step *s, const rt_item *it, sdm_err *err);
int rt_budget_take(rt_step *s, const model_node *n, int kind, sdm_err *err);
int rt_nested_done(rt_step *s, int rc);
int rt_token_new(rt_step *s, int64_t scope, const model_node *n, token_state state, const char *flow, int64_t *id, sdm_err *err);
int rt_end_wait(rt_step *s, int64_t token, sdm_err *err);
int rt_consume(rt_step *s, int64_t token, int64_t scope, const model_node *n, sdm_err *err);
int rt_cancel_inside(rt_step *s, int64_t scope, const char *by, sdm_err *err);
int rt_interrupt(rt_step *s, int64_t token, const model_node *a, const char *by, sdm_err *err);

/* rt_vars.c */
int rt_visible_vars(rt_step *s, int64_t scope, char **out, sdm_err *err);
int rt_lua_ready(rt_step *s, const char *node, int64_t scope, sdm_err *err);
int rt_save_vars(rt_step *s, sdm_err *err);
void rt_chunk_name(rt_step *s, const char *id, char *buf, size_t n);
int rt_eval_json(rt_step *s, const model_node *n, const char *code, int64_t scope, char **out, sdm_err *why);
int rt_eval_bool(rt_step *s, const model_node *n, const char *code, int64_t scope, int *out, sdm_err *why);
int rt_eval_string(rt_step *s, const model_node *n, const char *code, int64_t scope, char **out, sdm_err *why);
int rt_incident(rt_step *s, int64_t token, int node, incident_phase phase, const sdm_err *why, sdm_err *err);
int rt_script_outcome(rt_step *s, int rc, int64_t token, int node, incident_phase phase, const sdm_err *why, sdm_err *err);

/* rt_rules.c */
int rt_raise_deviation(rt_fx *f, const char *severity, const char *msg);
int rt_on_effect(void *ctx, const char *kind, const char *json);
int rt_tell_incident(rt_step *s, int64_t id, const model_node *n, const char *msg, sdm_err *err);
int rt_checkpoints(rt_step *s, int node, int64_t token, int64_t scope, int when, sdm_err *err);

/* rt_wait.c */
int rt_wait_timer(rt_step *s, const rt_item *it, sdm_err *err);
int rt_plan_waits(rt_step *s, const model_node *n, int64_t scope, rt_wait_plan *w, sdm_err *why);
int rt_plan_event_subs(rt_step *s, const int *evsubs, int nevsub, int64_t scope, rt_wait_plan *w, sdm_err *why);
int rt_add_waits(rt_step *s, int64_t token, const rt_wait_plan *w, sdm_err *err);
int rt_add_due_job(rt_step *s, const model_node *n, int64_t token, int64_t task_due, sdm_err *err);
int rt_event_gateway(rt_step *s, const rt_item *it, sdm_err *err);
int rt_wait_event(rt_step *s, const rt_item *it, sdm_err *err);
int rt_subscribe(rt_step *s, const model_node *n, int64_t token, sdm_err *err);
int rt_conditions(rt_step *s, int *fired, sdm_err *err);
void rt_signal_thrown(rt_step *s, const char *name);
int rt_late_signals(rt_step *s, int *fired, sdm_err *err);

/* rt_scope.c */
int rt_subprocess(rt_step *s, const rt_item *it, sdm_err *err);
int rt_scope_events(rt_step *s, int64_t scope, store_token *t, int *at, const int **ev, int *nev, sdm_err *err);
int rt_start_event_sub(rt_step *s, int64_t scope, int sub, sdm_err *err);
int rt_loop_begin(rt_step *s, const rt_item *it, sdm_err *err);
int rt_scope_done(rt_step *s, int64_t scope, sdm_err *err);
int rt_in_loop_run(rt_step *s, const rt_item *it, int *yes, sdm_err *err);
int rt_call_activity(rt_step *s, const rt_item *it, sdm_err *err);
int rt_adhoc_completed(rt_step *s, const rt_item *it, int *stopped, sdm_err *err);

/* rt_catch.c */
int rt_boundary_fire(rt_step *s, int64_t token, int64_t scope, int b, sdm_err *err);
int rt_catch_from(rt_step *s, const model_node *thrower, int64_t token, int at, int64_t scope, int *caught, int *interrupted, sdm_err *err);
int rt_throw_event(rt_step *s, const rt_item *it, sdm_err *err);
int rt_cancel_done(rt_step *s, int64_t token, sdm_err *err);

/* rt_task.c */
int rt_user_task(rt_step *s, const rt_item *it, sdm_err *err);
int rt_script_task(rt_step *s, const rt_item *it, sdm_err *err);

/* rt_gate.c */
int rt_parallel_join(rt_step *s, const rt_item *it, sdm_err *err);
int rt_quantity_join(rt_step *s, const rt_item *it, int64_t *keep, sdm_err *err);
int rt_or_joins(rt_step *s, int *fired, sdm_err *err);
#endif
