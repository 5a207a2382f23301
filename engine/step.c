/*
** step.c — steps: the calls that move tokens (start, complete, retry,
** set variables, a batch of completions), each one transaction with one
** budget, and the nested step (sdmi_step_in/sdmi_step_new) that every
** other file uses to run an instance inside a step already open: call
** activities and what they return or raise, message deliveries, timer
** starts.
**
** It owns the step's shape (begin, budget, rt entry, org_after_step,
** commit or roll back, the budget incident); it must not decide what a
** token does (rt.c) nor which subscription a message reaches (correlate.c).
*/
#include <string.h>
#include "err.h"
#include "org.h"
#include "access.h"
#include "form.h"
#include "sdm_int.h"

/* ---------- steps ---------- */

static int call_start(void *ctx, rt_step *caller, int64_t token, const model_node *n, const char *vars, sdm_err *err);
static int raised(void *ctx, rt_step *from, const model_node *n, int *caught, int *interrupted, sdm_err *err);
static int call_returned(void *ctx, rt_step *called, sdm_err *err);

/* A fresh budget (rt_budget) for the step about to run: every rt_step of
** it shares this one. */
static void budget_start(sdm *h) {
    rt_budget_start(&h->budget, h->step_ops, h->step_tokens, h->step_ms, h->max_instances);
}

/* Begin a step's transaction, then start its budget: the wall time a step
** may take counts from holding the write lock, since waiting for other
** writers is not its work (under load it would stop healthy steps). */
int sdmi_step_begin(sdm *h, sdm_err *err) {
    int rc = store_begin(h->st, err);
    budget_start(h);
    return rc;
}

int sdmi_step_for(sdm *h, rt_step *s, const store_instance *inst, sdm_err *err) {
    memset(s, 0, sizeof *s);
    s->budget = &h->budget;
    s->st = h->st;
    if (!(s->sc = sdmi_sandbox(h))) return sdmi_no_sandbox(err);
    s->cal = h->cal;
    s->inst = inst->id;
    s->client = inst->client;
    s->now = sdm_now(h);
    s->actor = h->actor;
    s->lang = h->lang;
    s->base_url = h->base_url;
    s->assign = org_assign;
    s->assign_ctx = h->st;
    s->call = call_start;
    s->returned = call_returned;
    s->thrown = sdmi_thrown;
    s->raised = raised;
    s->ctx = h;
    s->parent_inst = inst->parent_id;
    s->parent_token = inst->parent_token;
    return sdmi_load_def(h, inst->definition_id, &s->proc, &s->file, err);
}

/* ---------- nested steps ----------
**
** A step sometimes moves another instance than the one it began with: a
** call activity starts its process, a called instance returns or raises
** to its caller, a message or signal reaches another instance, a timer
** starts one. That instance runs in a nested step inside the same
** transaction, always in this order: load its model, set the time, one
** runtime entry (fn), run what it left ready, let org.c see the step. */

static int nested(sdm *h, const store_instance *inst, int64_t now, rt_step *caller, int drain,
                  sdmi_step_fn *fn, void *arg, sdm_err *err) {
    rt_step s;
    int rc = sdmi_step_for(h, &s, inst, err);
    if (!rc) {
        if (now) s.now = now;
        s.caller = caller;
        rc = fn(&s, arg, err);
    }
    if (!rc && drain) rc = rt_drain(&s, err);
    if (!rc) rc = org_after_step(h->st, s.proc, s.inst, s.client, s.now, s.actor, &(org_msg){s.lang, s.base_url, clk_calendar_tz(s.cal)}, err);
    rt_step_free(&s);
    return rc;
}

int sdmi_step_in(sdm *h, int64_t instance, int64_t now, sdmi_step_fn *fn, void *arg, sdm_err *err) {
    store_instance inst;
    int rc = sdmi_active_instance(h, instance, &inst, err);
    return rc ? rc : nested(h, &inst, now, NULL, 1, fn, arg, err);
}

int sdmi_step_new(sdm *h, const store_instance *inst, int64_t now, rt_step *caller, sdmi_step_fn *fn, void *arg,
                  sdm_err *err) {
    return nested(h, inst, now, caller, 0, fn, arg, err);
}

typedef struct start_args { int node; const char *vars; } start_args;

static int start_node(rt_step *s, void *arg, sdm_err *err) {
    const start_args *a = arg;
    return a->node < 0 ? rt_start(s, a->vars, err) : rt_start_at(s, a->node, a->vars, err);
}

int sdmi_start_at(sdm *h, const store_instance *inst, int64_t now, int node, const char *vars, sdm_err *err) {
    start_args a = {node, vars};
    return sdmi_step_new(h, inst, now, NULL, start_node, &a, err);
}

/* ---------- call activities ---------- */

/* Start the called process for the caller's client with the variables
** the call activity sees, inside the caller's transaction. */
static int call_start(void *ctx, rt_step *caller, int64_t token, const model_node *n, const char *vars, sdm_err *err) {
    sdm *h = ctx;
    store_instance child = {0};
    const model_proc *called;
    const char *file;
    int version;
    int rc = n->called_version ? store_definition_find(h->st, n->called, n->called_version, &child.definition_id, err)
                               : store_latest_definition(h->st, n->called, &child.definition_id, &version, NULL, NULL, err);
    if (!rc) rc = sdmi_load_def(h, child.definition_id, &called, &file, err);
    if (!rc) rc = sdmi_startable(called, err);      /* a documentation model: the caller's incident */
    if (!rc) rc = store_instance_add(h->st, child.definition_id, n->called, caller->client, caller->now,
                                     h->actor, &child.id, err);
    if (!rc) rc = store_instance_set_parent(h->st, child.id, caller->inst, token, err);
    child.parent_id = caller->inst;
    child.parent_token = token;
    snprintf(child.client, sizeof child.client, "%s", caller->client);
    start_args a = {-1, vars};
    return rc ? rc : sdmi_step_new(h, &child, caller->now, caller, start_node, &a, err);
}

typedef struct returned_args { int64_t token, called; } returned_args;

static int resume_caller(rt_step *s, void *arg, sdm_err *err) {
    const returned_args *a = arg;
    return rt_call_returned(s, a->token, a->called, err);
}

/* The called instance ended: resume its caller — in the caller's running
** step when there is one, else in a step of its own. */
static int call_returned(void *ctx, rt_step *called, sdm_err *err) {
    if (called->caller) return rt_call_returned(called->caller, called->parent_token, called->inst, err);
    returned_args a = {called->parent_token, called->inst};
    return sdmi_step_in(ctx, called->parent_inst, called->now, resume_caller, &a, err);
}

typedef struct raised_args { int64_t token; const model_node *n; int *caught, *interrupted; } raised_args;

static int catch_in_caller(rt_step *s, void *arg, sdm_err *err) {
    const raised_args *a = arg;
    return rt_catch(s, a->token, a->n, a->caught, a->interrupted, err);
}

/* An error or escalation a called instance does not catch: its caller's
** call activity gets it — in the caller's running step when there is one,
** else in a step of its own. */
static int raised(void *ctx, rt_step *called, const model_node *n, int *caught, int *interrupted, sdm_err *err) {
    if (called->caller) return rt_catch(called->caller, called->parent_token, n, caught, interrupted, err);
    raised_args a = {called->parent_token, n, caught, interrupted};
    return sdmi_step_in(ctx, called->parent_inst, called->now, catch_in_caller, &a, err);
}

/* Commit the step, or roll it back on any failure. */
int sdmi_end_step(sdm *h, rt_step *s, int rc, sdm_err *err) {
    if (!rc && s->inst) rc = org_after_step(h->st, s->proc, s->inst, s->client, s->now, s->actor, &(org_msg){s->lang, s->base_url, clk_calendar_tz(s->cal)}, err);
    if (!rc) rc = store_commit(h->st, err);
    if (rc) store_rollback(h->st);
    rt_step_free(s);
    return rc;
}

static int finish(sdm *h, rt_step *s, int rc, sdm_err *err) {
    return sdmi_over_budget(h, s->inst, sdmi_end_step(h, s, rc, err), err);
}

int sdmi_step_own(sdm *h, int rc, const store_instance *inst, int64_t now, sdmi_step_fn *fn, void *arg,
                  sdm_err *err) {
    rt_step s = {0};
    if (!rc) rc = sdmi_step_for(h, &s, inst, err);
    if (!rc && now) s.now = now;
    if (!rc) rc = fn(&s, arg, err);
    return sdmi_end_step(h, &s, rc, err);
}

/* The error a step over its budget returns, naming what was recorded. */
static int budget_error(sdm *h, const char *recorded, sdm_err *err) {
    if (err) {
        *err = h->budget.why;
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, "; the step was rolled back%s", recorded);
    }
    return SDM_ERR_LIMIT;
}

/* A step stopped by its budget has been rolled back: record one incident
** on the instance acted on (it existed before the step) in a transaction
** of its own, so a person sees it and the caller gets the error. */
int sdmi_over_budget(sdm *h, int64_t inst, int rc, sdm_err *err) {
    if (rc != SDM_ERR_LIMIT || !h->budget.tripped || !inst) return rc;
    store_instance in;
    rt_step s = {0};
    sdm_err e = {0};
    int64_t id = 0;
    h->budget.tripped = 0;
    int r = store_begin(h->st, &e);
    if (!r) r = sdmi_active_instance(h, inst, &in, &e);
    if (!r) r = sdmi_step_for(h, &s, &in, &e);
    s.budget = NULL;
    if (!r) r = rt_step_incident(&s, PHASE_STEP, &h->budget.why, &id, &e);
    if (!r) r = store_commit(h->st, &e);
    if (r) store_rollback(h->st);
    rt_step_free(&s);
    char what[128];
    snprintf(what, sizeof what, r ? "" : " and recorded as incident %lld", (long long)id);
    return budget_error(h, what, err);
}

int sdmi_active_instance(sdm *h, int64_t id, store_instance *inst, sdm_err *err) {
    int rc = store_instance_get(h->st, id, inst, err);
    if (!rc && inst->state != INSTANCE_ACTIVE)
        rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "instance %lld is %s", (long long)id,
                     store_instance_state_text(inst->state));
    return rc;
}

/* A start over its budget was rolled back: the instance is recorded
** anyway, with its variables and its token resting at the start event
** with the incident, so the client's deal is not lost and `sdm retry`
** runs it again once the model is fixed; the caller gets the error. */
static int start_over_budget(sdm *h, const char *process, const char *client, const char *vars_json,
                             int64_t *instance, sdm_err *err) {
    rt_step s = {0};
    store_instance inst = {0};
    sdm_err e = {0};
    int version;
    int64_t id = 0;
    h->budget.tripped = 0;
    int rc = store_begin(h->st, &e);
    if (!rc) rc = store_latest_definition(h->st, process, &inst.definition_id, &version, NULL, NULL, &e);
    if (!rc) rc = org_client_register(h->st, client, vars_json, sdm_now(h), h->actor, &e);
    if (!rc) rc = store_instance_add(h->st, inst.definition_id, process, client, sdm_now(h), h->actor,
                                     &inst.id, &e);
    snprintf(inst.client, sizeof inst.client, "%s", client);
    if (!rc) rc = sdmi_step_for(h, &s, &inst, &e);
    s.budget = NULL;
    if (!rc) rc = rt_start_incident(&s, s.proc->starts[0], vars_json, &h->budget.why, &id, &e);
    if (!rc) rc = store_commit(h->st, &e);
    if (rc) store_rollback(h->st);
    rt_step_free(&s);
    if (!rc && instance) *instance = inst.id;
    char what[160];
    snprintf(what, sizeof what, rc ? "" : "; instance %lld is recorded with incident %lld",
             (long long)inst.id, (long long)id);
    return budget_error(h, what, err);
}

/* A user starts work for a client of theirs, or a new one; the
** administrator and process owners for anyone. */
int sdmi_start_allowed(sdm *h, const char *client, sdm_err *err) {
    if (acc_owner(h->st, h->as)) return SDM_OK;
    sdm_table *card = NULL;
    int rc = org_client_card(h->st, client, &card, err);
    sdm_table_free(card);
    if (rc == SDM_ERR_NOTFOUND) return SDM_OK;
    if (!rc) rc = acc_client(h->st, h->as, client, err);
    if (rc == SDM_ERR_NOTFOUND)
        rc = err_set(err, SDM_ERR_DENIED, NULL, 0, NULL, "%s may not start work for client '%s'", h->as, client);
    return rc;
}

int sdm_start(sdm *h, const char *process, const char *client, const char *vars_json,
              int64_t *instance, sdm_err *err) {
    if (!process || !*process || !client || !*client)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a process id and a client key are required");
    if (err_check_name(err, "the client key", client)) return SDM_ERR_MISUSE;
    rt_step s = {0};
    store_instance inst = {0};
    int version;
    int rc = sdmi_step_begin(h, err);
    if (!rc) rc = sdmi_start_allowed(h, client, err);
    if (!rc) rc = store_latest_definition(h->st, process, &inst.definition_id, &version, NULL, NULL, err);
    if (!rc) rc = org_client_register(h->st, client, vars_json, sdm_now(h), h->actor, err);
    if (!rc) rc = store_instance_add(h->st, inst.definition_id, process, client, sdm_now(h), h->actor,
                                     &inst.id, err);
    snprintf(inst.client, sizeof inst.client, "%s", client);
    if (!rc) rc = sdmi_step_for(h, &s, &inst, err);
    if (!rc) rc = sdmi_startable(s.proc, err);
    if (!rc) rc = rt_start(&s, vars_json, err);
    if (!rc && instance) *instance = inst.id;
    rc = sdmi_end_step(h, &s, rc, err);
    return rc == SDM_ERR_LIMIT && h->budget.tripped ? start_over_budget(h, process, client, vars_json, instance, err)
                                                     : rc;
}

/* What a completion submits, checked against the task's form (form.c):
** *norm is what to merge instead, NULL when the step has no form. */
static int form_vars(rt_step *s, const store_task *t, const char *vars, char **norm, sdm_err *err) {
    int k = model_node_find(s->proc, t->node);
    char *have = NULL;
    *norm = NULL;
    if (k < 0 || !s->proc->nodes[k].nfield) return SDM_OK;
    int rc = store_vars_json(s->st, s->inst, 0, &have, err);
    if (!rc) rc = form_check(&s->proc->nodes[k], vars, have, norm, err);
    free(have);
    return rc;
}

/* The completion itself, inside a transaction or savepoint the caller
** opened: who may, the form's check, then the runtime. *inst is the
** caller's: the step points into it until the step ends. */
static int complete_in(sdm *h, rt_step *s, store_instance *inst, int64_t task, const char *vars, sdm_err *err) {
    store_task t;
    store_token tok;
    char *norm = NULL;
    int rc = acc_task(h->st, h->as, task, err);
    if (!rc) rc = store_task_open(h->st, task, &t, inst, &tok, err);
    if (!rc) rc = sdmi_step_for(h, s, inst, err);
    if (!rc) rc = form_vars(s, &t, vars, &norm, err);
    if (!rc) rc = rt_complete(s, &t, &tok, norm ? norm : vars, err);
    free(norm);
    return rc;
}

int sdm_complete(sdm *h, int64_t task, const char *vars_json, sdm_err *err) {
    rt_step s = {0};
    store_instance inst;
    int rc = sdmi_step_begin(h, err);
    if (!rc) rc = complete_in(h, &s, &inst, task, vars_json, err);
    return finish(h, &s, rc, err);
}

/* One task of a batch, as `user`, in a savepoint of the open transaction. */
static int batch_one(sdm *h, int64_t task, const char *user, const char *vars, sdm_err *err) {
    rt_step s = {0};
    store_instance inst;
    char *as = h->as ? xstrdup(h->as) : NULL;
    budget_start(h);
    int rc = store_step_begin(h->st, err);
    if (!rc && user) rc = sdm_act_as(h, user, err);
    if (!rc) rc = complete_in(h, &s, &inst, task, vars, err);
    if (!rc && s.inst) rc = org_after_step(h->st, s.proc, s.inst, s.client, s.now, s.actor, &(org_msg){s.lang, s.base_url, clk_calendar_tz(s.cal)}, err);
    int end = store_step_end(h->st, rc == SDM_OK, rc ? NULL : err);
    rt_step_free(&s);
    if (user) sdm_act_as(h, as, NULL);
    free(as);
    return rc ? rc : end;
}

int sdm_complete_batch(sdm *h, int n, const int64_t *tasks, const char *const *users,
                       const char *const *vars, int *rcs, sdm_err *errs, sdm_err *err) {
    int rc = store_begin(h->st, err);
    for (int i = 0; i < n; i++) {
        memset(&errs[i], 0, sizeof errs[i]);
        rcs[i] = rc ? rc : batch_one(h, tasks[i], users ? users[i] : NULL, vars ? vars[i] : NULL, &errs[i]);
    }
    if (!rc) rc = store_commit(h->st, err);
    if (rc) {
        store_rollback(h->st);
        for (int i = 0; i < n; i++) if (rcs[i] == SDM_OK) { rcs[i] = rc; errs[i] = *err; }
    }
    return rc;
}

/* The incident's step again; a failed job's is due again too. */
static int retry_step(rt_step *s, void *arg, sdm_err *err) {
    const store_incident *inc = arg;
    int rc = rt_retry(s, inc, err);
    if (!rc && inc->phase == PHASE_JOB) rc = store_job_unpark(s->st, inc->id, s->now, err);
    return rc;
}

int sdm_retry(sdm *h, int64_t incident, sdm_err *err) {
    store_incident inc;
    store_instance inst;
    int rc = sdmi_step_begin(h, err);
    if (!rc) rc = acc_need_head(h->st, h->as, "retry incidents", err);
    if (!rc) rc = store_incident_get(h->st, incident, &inc, err);
    if (!rc) rc = sdmi_active_instance(h, inc.instance_id, &inst, err);
    rc = sdmi_step_own(h, rc, &inst, 0, retry_step, &inc, err);
    return rc == SDM_ERR_LIMIT && h->budget.tripped ? budget_error(h, "; the incident stays open", err) : rc;
}

/* Conditional events watch variables: the step drains after writing. */
static int set_vars_step(rt_step *s, void *arg, sdm_err *err) {
    int rc = rt_set_vars(s, arg, 0, err);
    return rc ? rc : rt_drain(s, err);
}

int sdm_set_vars(sdm *h, int64_t instance, const char *vars_json, sdm_err *err) {
    store_instance inst;
    int rc = sdmi_step_begin(h, err);
    if (!rc) rc = acc_instance(h->st, h->as, instance, err);
    if (!rc) rc = sdmi_active_instance(h, instance, &inst, err);
    rc = sdmi_step_own(h, rc, &inst, 0, set_vars_step, (void *)vars_json, err);
    return sdmi_over_budget(h, instance, rc, err);
}
