/*
** rt.c — the token runtime (design in rt.h).
**
** A step is a queue of atomic operations on tokens: ENTER a node, EXECUTE
** its behaviour, LEAVE it along its outgoing flows. Each operation is a
** short function that does one thing and queues the next; drain() is the
** only loop. A moving token is written to the store only when it comes to
** rest, so a step costs a handful of row writes whatever the path length.
**
** Must not commit or roll back: the caller owns the transaction. Must not
** touch SQL or Lua directly: it speaks to store.h and script.h.
*/
#include <string.h>
#include <jansson.h>
#include "rt.h"
#include "clock.h"
#include "err.h"

enum rt_op { OP_ENTER, OP_EXECUTE, OP_LEAVE };

const char *rt_op_name(int op) {
    switch (op) {
    case OP_ENTER: return "activity-enter";
    case OP_EXECUTE: return "activity-execute";
    case OP_LEAVE: return "activity-leave";
    }
    sdm_panic("unknown runtime operation");
}

static const model_node *node_at(rt_step *s, int i) { return &s->proc->nodes[i]; }
static const char *flow_id(rt_step *s, int f) { return f >= 0 ? s->proc->flows[f].id : NULL; }

static void push(rt_step *s, int op, int64_t token, int node, int flow) {
    if (s->qn == s->qcap) {
        s->qcap = s->qcap ? s->qcap * 2 : 16;
        s->q = xrealloc(s->q, sizeof *s->q * (size_t)s->qcap);
    }
    s->q[s->qn++] = (rt_item){op, node, flow, token};
}

void rt_step_free(rt_step *s) {
    free(s->q);
    s->q = NULL;
    s->qn = s->qcap = s->qhead = 0;
}

/* History detail as compact JSON from a jansson pack format; NULL on misuse. */
static char *detail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    json_t *j = json_vpack_ex(NULL, 0, fmt, ap);
    va_end(ap);
    if (!j) return NULL;
    char *out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return out;
}

static int history(rt_step *s, int64_t token, const char *node, const char *event,
                   char *owned_detail, sdm_err *err) {
    int rc = store_history(s->st, s->inst, token, node, event, s->now, s->actor, owned_detail, err);
    free(owned_detail);
    return rc;
}

/* ---------- variables and Lua ---------- */

static int store_changed_var(void *ctx, const char *name, const char *json) {
    rt_step *s = ctx;
    sdm_err *err = NULL;
    int rc = store_var_set(s->st, s->inst, name, json, err);
    if (rc) return rc;
    json_t *v = json ? json_loads(json, JSON_DECODE_ANY, NULL) : json_null();
    char *d = detail("{s:s, s:o}", "name", name, "value", v ? v : json_null());
    return history(s, 0, NULL, "variable", d, err);
}

/* Prepare the sandbox for Lua at node `n`: this instance's variables
** (loaded once per step) and the context. */
static int lua_ready(rt_step *s, const char *node, sdm_err *err) {
    if (!s->vars_loaded) {
        char *json = NULL;
        int rc = store_vars_json(s->st, s->inst, &json, err);
        if (!rc) rc = scr_vars_load(s->sc, json, err);
        if (!rc) rc = scr_set_now(s->sc, (long long)s->now, err);
        free(json);
        if (rc) return rc;
        s->vars_loaded = 1;
    }
    return scr_set_context(s->sc, s->client, (long long)s->inst, node, err);
}

/* Store what Lua changed. Conditions may assign too, so this runs after
** any Lua, and costs nothing when no Lua ran in this step. */
static int save_vars(rt_step *s, sdm_err *err) {
    return s->vars_loaded ? scr_vars_changed(s->sc, store_changed_var, s, err) : SDM_OK;
}

static void chunk_name(rt_step *s, const char *id, char *buf, size_t n) {
    const char *base = s->file ? strrchr(s->file, '/') : NULL;
    snprintf(buf, n, "%s:%s", base ? base + 1 : (s->file ? s->file : "model"), id);
}

int rt_set_vars(rt_step *s, const char *vars_json, sdm_err *err) {
    if (!vars_json) return SDM_OK;
    json_error_t je;
    json_t *o = json_loads(vars_json, 0, &je);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "variables must be a JSON object%s%s",
                       o ? "" : ": ", o ? "" : je.text);
    }
    const char *k; json_t *v;
    int rc = SDM_OK;
    json_object_foreach(o, k, v) {
        char *val = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
        rc = store_var_set(s->st, s->inst, k, json_is_null(v) ? NULL : val, err);
        if (!rc) rc = history(s, 0, NULL, "variable", detail("{s:s, s:O}", "name", k, "value", v), err);
        free(val);
        if (rc) break;
    }
    json_decref(o);
    s->vars_loaded = 0;     /* the sandbox copy is stale now */
    return rc;
}

/* ---------- incidents ---------- */

/* A failure of the model or its data, not of the engine: the token rests
** with an incident and the step goes on with other tokens. */
static int incident(rt_step *s, int64_t token, int node, const char *phase, const sdm_err *why,
                    sdm_err *err) {
    const model_node *n = node_at(s, node);
    int64_t id;
    int rc = store_token_set(s->st, token, n->id, "incident", NULL, err);
    if (!rc) rc = store_incident_add(s->st, s->inst, token, n->id, phase, why->msg, s->now, &id, err);
    if (!rc) rc = history(s, token, n->id, "incident",
                          detail("{s:I, s:s}", "incident", (json_int_t)id, "message", why->msg), err);
    s->incidents++;
    return rc;
}

/* Map a Lua failure to an incident; pass engine failures up. */
static int script_outcome(rt_step *s, int rc, int64_t token, int node, const char *phase,
                          const sdm_err *why, sdm_err *err) {
    if (rc == SDM_ERR_SCRIPT || rc == SDM_ERR_NOMEM) {
        s->vars_loaded = 0;        /* forget what the failed script assigned and raised */
        int rc2 = scr_effects(s->sc, NULL, NULL, err);
        return rc2 ? rc2 : incident(s, token, node, phase, why, err);
    }
    if (rc) { if (err && why != err) *err = *why; return rc; }
    return SDM_OK;
}


/* ---------- rules: checkpoints, deviations, notifications ---------- */

typedef struct fx_ctx {
    rt_step *s;
    const model_node *n;
    const store_task *task;    /* the node's open task, or NULL */
    const char *rule, *severity;
    const char *subject, *body;
    int64_t deviation;
    sdm_err *err;
} fx_ctx;

static const char *assignee_of(const fx_ctx *f) {
    return f->task && f->task->assignee[0] ? f->task->assignee : NULL;
}

static int queue_message(void *ctx, const char *channel, const char *address) {
    fx_ctx *f = ctx;
    return store_outbox_add(f->s->st, channel, address, f->subject, f->body, f->s->now, f->s->inst,
                            f->deviation, f->err);
}

/* A deviation is logged and told, in-app, to the responsible manager's head. */
static int raise_deviation(fx_ctx *f, const char *severity, const char *msg) {
    rt_step *s = f->s;
    int64_t id;
    int rc = store_deviation_add(s->st, s->inst, f->n->id, f->task ? f->task->id : 0, assignee_of(f),
                                 f->rule, severity, msg, s->now, &id, f->err);
    if (!rc) rc = history(s, 0, f->n->id, "deviation",
                          detail("{s:I, s:s, s:s, s:s}", "deviation", (json_int_t)id, "rule", f->rule,
                                 "severity", severity, "message", msg), f->err);
    if (rc) return rc;
    char subject[300];
    snprintf(subject, sizeof subject, "[%s] %s", severity, msg);
    f->deviation = id;
    f->subject = subject;
    f->body = msg;
    rc = store_recipients(s->st, "head", assignee_of(f), queue_message, f, f->err);
    f->deviation = 0;
    return rc;
}

static int on_effect(void *ctx, const char *kind, const char *json) {
    fx_ctx *f = ctx;
    json_t *j = json_loads(json, 0, NULL);
    const char *sev = json_string_value(json_object_get(j, "severity"));
    int rc;
    if (kind && strcmp(kind, "deviation") == 0) {
        rc = raise_deviation(f, sev ? sev : f->severity, json_string_value(json_object_get(j, "message")));
    } else {
        const char *subject = json_string_value(json_object_get(j, "subject"));
        f->subject = subject ? subject : "sdm notification";
        f->body = json_string_value(json_object_get(j, "body"));
        rc = store_recipients(f->s->st, json_string_value(json_object_get(j, "to")), assignee_of(f),
                              queue_message, f, f->err);
    }
    json_decref(j);
    return rc;
}

static char *task_json(const store_task *t) {
    if (!t) return NULL;
    return detail("{s:I, s:s?, s:I, s:I}", "id", (json_int_t)t->id,
                  "assignee", t->assignee[0] ? t->assignee : NULL, "due", (json_int_t)t->due_at,
                  "created", (json_int_t)t->created_at);
}

/* One rule. Its own failure must not stop the client's process: it becomes
** a deviation of severity "error" that names the rule and Lua's message. */
static int run_rule(rt_step *s, fx_ctx *f, const model_checkpoint *cp, sdm_err *err) {
    char chunk[300], *tj = task_json(f->task);
    sdm_err why = {0};
    chunk_name(s, f->rule, chunk, sizeof chunk);
    f->err = &why;
    int rc = lua_ready(s, f->n->id, &why);
    if (!rc) rc = scr_set_value(s->sc, "task", tj, &why);
    if (!rc) {                     /* the path so far, for rules that ask what was done */
        char *hj = NULL;
        rc = store_history_json(s->st, s->inst, &hj, &why);
        if (!rc) rc = scr_set_value(s->sc, "history", hj, &why);
        free(hj);
    }
    if (!rc) rc = cp->file ? scr_run_file(s->sc, cp->file, chunk, &why) : scr_run(s->sc, cp->code, chunk, &why);
    if (!rc) rc = save_vars(s, &why);
    if (!rc) rc = scr_effects(s->sc, on_effect, f, &why);
    free(tj);
    f->err = err;
    if (!rc) return SDM_OK;
    if (rc != SDM_ERR_SCRIPT && rc != SDM_ERR_NOMEM) { *err = why; return rc; }
    char msg[1200];
    s->vars_loaded = 0;            /* forget what the failed rule assigned */
    snprintf(msg, sizeof msg, "checkpoint rule '%s' failed: %s", f->rule, why.msg);
    rc = scr_effects(s->sc, NULL, NULL, err);
    return rc ? rc : raise_deviation(f, "error", msg);
}

static int checkpoints(rt_step *s, int node, int64_t token, int when, sdm_err *err) {
    const model_node *n = node_at(s, node);
    store_task task;
    int have_task = 0, rc = SDM_OK;
    for (int i = 0; i < n->ncp && !rc; i++) {
        const model_checkpoint *cp = &n->cps[i];
        if (!(cp->on & when)) continue;
        if (!have_task && n->kind == EL_TASK_USER) {
            rc = store_task_of_token(s->st, token, n->id, &task, err);
            if (rc == SDM_ERR_NOTFOUND) rc = SDM_OK; else if (!rc) have_task = 1;
            if (rc) break;
        }
        fx_ctx f = {.s = s, .n = n, .task = have_task ? &task : NULL, .rule = cp->id ? cp->id : n->id,
                    .severity = cp->severity, .err = err};
        rc = run_rule(s, &f, cp, err);
    }
    return rc;
}

/* ---------- timers ---------- */

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
    case 'd':
        if ((bad = clk_parse_duration(spec, &d, msg, msglen)) == 0 && fired == 0)
            *due = n->timer_working ? clk_add_working(cal, anchor, &d) : clk_add(anchor, &d, tz);
        break;
    case 't':
        if ((bad = clk_parse_datetime(spec, tz, due, msg, msglen)) == 0 && fired > 0) *due = 0;
        break;
    case 'c':
        if ((bad = clk_parse_cycle(spec, tz, &c, msg, msglen)) == 0 && clk_cycle_next(&c, anchor, fired, due) != 0)
            *due = 0;
        break;
    default: sdm_panic("timer without a type");
    }
    if (*due == CLK_NEVER) *due = 0;
    return bad ? -1 : 0;
}

/* When timer node `n` fires for the (fired+1)-th time, counting from
** `anchor`; a "=lua" spec is evaluated first. *due = 0 when it fires no more. */
static int timer_due(rt_step *s, const model_node *n, int fired, int64_t anchor, int64_t *due, sdm_err *why) {
    const char *spec = n->timer;
    char *owned = NULL, msg[256];
    int rc = SDM_OK;
    *due = 0;
    if (spec[0] == '=') {
        char chunk[300];
        chunk_name(s, n->id, chunk, sizeof chunk);
        rc = lua_ready(s, n->id, why);
        if (!rc) rc = scr_eval_string(s->sc, spec + 1, chunk, &owned, why);
        if (!rc && !owned) rc = err_set(why, SDM_ERR_SCRIPT, s->file, n->line, n->id, "timer expression of '%s' gave nil", n->id);
        if (rc) return rc;
        spec = owned;
    }
    if (rt_timer_next(s->cal, n, spec, fired, anchor, due, msg, sizeof msg))
        rc = err_set(why, SDM_ERR_SCRIPT, s->file, n->line, n->id, "timer of '%s': %s", n->id, msg);
    free(owned);
    return rc;
}

static int wait_timer(rt_step *s, const rt_item *it, sdm_err *err) {
    const model_node *n = node_at(s, it->node);
    sdm_err why = {0};
    int64_t due;
    int rc = timer_due(s, n, 0, s->now, &due, &why);
    if (rc) return script_outcome(s, rc, it->token, it->node, "execute", &why, err);
    if (!due) { push(s, OP_LEAVE, it->token, it->node, it->flow); return SDM_OK; }  /* already past */
    rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
    if (!rc) rc = store_job_add(s->st, "timer", s->inst, it->token, n->id, due, n->timer, 0, s->now, err);
    return rc;
}

/* Jobs a new user task brings: its boundary timers, and its due date when
** a checkpoint watches it. Computed before the task exists, so a bad timer
** leaves nothing half made. */
typedef struct task_jobs { int64_t due[16]; int n; } task_jobs;

static int plan_task_jobs(rt_step *s, const model_node *n, task_jobs *tj, sdm_err *why) {
    tj->n = 0;
    for (int k = 0; k < n->nbnd && k < 16; k++) {
        tj->due[tj->n] = 0;
        const model_node *b = node_at(s, n->bnd[k]);
        int rc = b->kind == EL_BOUNDARY_TIMER ? timer_due(s, b, 0, s->now, &tj->due[tj->n], why) : SDM_OK;
        tj->n++;
        if (rc) return rc;
    }
    return SDM_OK;
}

static int add_task_jobs(rt_step *s, const model_node *n, int64_t token, int64_t task_due,
                         const task_jobs *tj, sdm_err *err) {
    int rc = SDM_OK;
    for (int k = 0; k < tj->n && !rc; k++) {
        const model_node *b = node_at(s, n->bnd[k]);
        if (b->kind == EL_BOUNDARY_EVENT)
            rc = store_sub_add(s->st, b->trigger == 'm' ? "message" : "signal", b->msg, s->client, s->inst,
                               token, b->id, s->now, err);
        else if (tj->due[k])
            rc = store_job_add(s->st, "boundary", s->inst, token, b->id, tj->due[k], NULL, 0, s->now, err);
    }
    int watched = 0;
    for (int i = 0; i < n->ncp; i++) watched |= n->cps[i].on & CP_DUE;
    if (!rc && watched && task_due)
        rc = store_job_add(s->st, "due", s->inst, token, n->id, task_due, NULL, 0, s->now, err);
    return rc;
}

/* ---------- ending ---------- */

/* A token stops waiting: its timers and subscriptions go. */
static int end_wait(rt_step *s, int64_t token, sdm_err *err) {
    int rc = store_jobs_delete_token(s->st, token, err);
    return rc ? rc : store_subs_delete_token(s->st, token, err);
}

static int instance_end(rt_step *s, const char *state, const model_node *n, sdm_err *err) {
    s->ended = 1;
    s->qhead = s->qn;                  /* nothing else moves in an ended instance */
    int rc = store_jobs_delete_instance(s->st, s->inst, err);
    if (!rc) rc = store_subs_delete_instance(s->st, s->inst, err);
    if (!rc) rc = store_instance_end(s->st, s->inst, state, n ? n->outcome : NULL, n ? n->id : NULL, s->now, err);
    if (!rc && s->parent_inst && s->returned) rc = s->returned(s->ctx, s, err);
    return rc;
}

static int consume(rt_step *s, int64_t token, const model_node *n, sdm_err *err) {
    int left = 0;
    int rc = store_token_delete(s->st, token, err);
    if (!rc) rc = store_token_count(s->st, s->inst, &left, err);
    if (!rc && left == 0) {
        rc = history(s, 0, n->id, "end", n->outcome ? detail("{s:s}", "outcome", n->outcome) : NULL, err);
        if (!rc) rc = instance_end(s, "completed", n, err);
    }
    return rc;
}

static int terminate(rt_step *s, int64_t token, const model_node *n, sdm_err *err) {
    int rc = store_terminate_children(s->st, s->inst, s->now, s->actor, err);
    if (!rc) rc = store_tokens_delete_all(s->st, s->inst, err);
    if (!rc) rc = store_tasks_cancel_all(s->st, s->inst, s->now, s->actor, err);
    if (!rc) rc = store_incidents_resolve_all(s->st, s->inst, s->now, s->actor, err);
    if (!rc) rc = history(s, token, n->id, "terminate", NULL, err);
    if (!rc) rc = instance_end(s, "completed", n, err);
    return rc;
}

/* ---------- behaviours ---------- */

static int due_of(rt_step *s, const model_node *n, int64_t *due, sdm_err *err) {
    char msg[256];
    clk_duration d;
    *due = 0;
    const char *spec = n->due_working ? n->due_working : n->due;
    if (n->due_expr) {
        char chunk[300], *out = NULL;
        chunk_name(s, n->id, chunk, sizeof chunk);
        int rc = lua_ready(s, n->id, err);
        if (!rc) rc = scr_eval_string(s->sc, n->due_expr, chunk, &out, err);
        if (rc) return rc;
        if (!out) return SDM_OK;
        const char *tz = clk_calendar_tz(s->cal);
        int64_t at;
        if (clk_parse_datetime(out, tz, &at, msg, sizeof msg) == 0) *due = at;
        else if (clk_parse_duration(out, &d, msg, sizeof msg) == 0) *due = clk_add(s->now, &d, tz);
        else rc = err_set(err, SDM_ERR_SCRIPT, s->file, n->line, n->id,
                          "sdm:dueExpr of '%s' gave '%s', neither an ISO 8601 date-time nor a duration",
                          n->id, out);
        free(out);
        return rc;
    }
    if (!spec) return SDM_OK;
    if (clk_parse_duration(spec, &d, msg, sizeof msg))
        return err_set(err, SDM_ERR_SCRIPT, s->file, n->line, n->id, "due of '%s': %s", n->id, msg);
    *due = n->due_working ? clk_add_working(s->cal, s->now, &d) : clk_add(s->now, &d, clk_calendar_tz(s->cal));
    return SDM_OK;
}

static int user_task(rt_step *s, const rt_item *it, sdm_err *err) {
    const model_node *n = node_at(s, it->node);
    char *assignee = n->assignee ? xstrdup(n->assignee) : NULL;
    sdm_err why = {0};
    int rc = SDM_OK;
    if (!assignee && n->assignee_expr) {
        char chunk[300];
        chunk_name(s, n->id, chunk, sizeof chunk);
        rc = lua_ready(s, n->id, &why);
        if (!rc) rc = scr_eval_string(s->sc, n->assignee_expr, chunk, &assignee, &why);
    }
    if (!rc && !assignee && s->assign) rc = s->assign(s->assign_ctx, n, s->client, &assignee, &why);
    int64_t due = 0, task;
    task_jobs tj = {0};
    if (!rc) rc = due_of(s, n, &due, &why);
    if (!rc) rc = plan_task_jobs(s, n, &tj, &why);
    if (rc) { free(assignee); return script_outcome(s, rc, it->token, it->node, "execute", &why, err); }
    rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
    if (!rc) rc = store_task_add(s->st, s->inst, it->token, n->id, n->name, n->role, assignee,
                                 s->now, due, &task, err);
    if (!rc) rc = history(s, it->token, n->id, "task-created",
                          detail("{s:I, s:s?, s:s?}", "task", (json_int_t)task, "assignee", assignee,
                                 "role", n->role), err);
    if (!rc) rc = add_task_jobs(s, n, it->token, due, &tj, err);
    free(assignee);
    s->tasks_created++;
    return rc;
}

static int script_task(rt_step *s, const rt_item *it, sdm_err *err) {
    const model_node *n = node_at(s, it->node);
    char chunk[300];
    sdm_err why = {0};
    chunk_name(s, n->id, chunk, sizeof chunk);
    int rc = lua_ready(s, n->id, &why);
    if (!rc) rc = n->kind == EL_TASK_SCRIPT ? scr_run(s->sc, n->script, chunk, &why)
                                            : scr_call(s->sc, n->handler, chunk, &why);
    if (!rc) rc = save_vars(s, &why);
    if (!rc) {                     /* deviation{} / notify{} from a script task */
        fx_ctx f = {.s = s, .n = n, .rule = n->id, .severity = "warning", .err = &why};
        rc = scr_effects(s->sc, on_effect, &f, &why);
    }
    if (rc) return script_outcome(s, rc, it->token, it->node, "execute", &why, err);
    push(s, OP_LEAVE, it->token, it->node, it->flow);
    return SDM_OK;
}

/* Which outgoing flows hold. exclusive: stop at the first. A flow without
** a condition holds. The default flow is taken when no conditional flow
** holds (unconditional flows of an activity are taken besides it). */
static int select_flows(rt_step *s, const model_node *n, int exclusive, int *chosen, int *nchosen,
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
            chunk_name(s, fl->id, chunk, sizeof chunk);
            int rc = lua_ready(s, n->id, why);
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
static int take(rt_step *s, int64_t token, const int *flows, int nflows, sdm_err *err) {
    for (int k = 0; k < nflows; k++) {
        const model_flow *f = &s->proc->flows[flows[k]];
        int64_t t = token;
        if (k > 0) {
            int rc = store_token_add(s->st, s->inst, s->proc->nodes[f->dst].id, "ready", f->id,
                                     s->now, &t, err);
            if (rc) return rc;
        }
        push(s, OP_ENTER, t, f->dst, flows[k]);
    }
    return SDM_OK;
}

/* A parallel join fires when a token waits on every incoming flow; it
** consumes the oldest token of each flow and continues with the oldest. */
static int parallel_join(rt_step *s, const rt_item *it, sdm_err *err) {
    const model_node *n = node_at(s, it->node);
    int64_t *ids = NULL;
    char **flows = NULL;
    int nj = 0;
    int rc = store_token_set(s->st, it->token, n->id, "joining", flow_id(s, it->flow), err);
    if (!rc) rc = store_tokens_joining(s->st, s->inst, n->id, &ids, &flows, &nj, err);
    int64_t *pick = xcalloc((size_t)n->nin, sizeof *pick);
    int found = 0;
    for (int k = 0; !rc && k < n->nin; k++) {
        const char *want = s->proc->flows[n->in[k]].id;
        for (int j = 0; j < nj; j++)
            if (flows[j] && strcmp(flows[j], want) == 0) { pick[k] = ids[j]; found++; break; }
    }
    if (!rc && found == n->nin) {
        int64_t keep = pick[0];
        for (int k = 1; k < n->nin; k++) if (pick[k] < keep) keep = pick[k];
        for (int k = 0; !rc && k < n->nin; k++)
            if (pick[k] != keep) rc = store_token_delete(s->st, pick[k], err);
        if (!rc) rc = store_token_set(s->st, keep, n->id, "ready", NULL, err);
        if (!rc) push(s, OP_LEAVE, keep, it->node, -1);
    }
    for (int j = 0; j < nj; j++) free(flows[j]);
    free(flows); free(ids); free(pick);
    return rc;
}

static int call_activity(rt_step *s, const rt_item *it, sdm_err *err) {
    const model_node *n = node_at(s, it->node);
    sdm_err why = {0};
    int rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
    if (!rc) rc = history(s, it->token, n->id, "call", detail("{s:s}", "process", n->called), err);
    if (rc) return rc;
    rc = s->call(s->ctx, s, it->token, n, &why);
    /* A process not deployed, or the client busy in it: the model's or the
    ** data's problem, so an incident the head can retry once it is fixed. */
    if (rc == SDM_ERR_NOTFOUND || rc == SDM_ERR_STATE || rc == SDM_ERR_MODEL) {
        err_prefix(&why, "callActivity '%s'", n->id);
        return incident(s, it->token, it->node, "execute", &why, err);
    }
    if (rc) *err = why;
    return rc;
}

int rt_call_returned(rt_step *s, int64_t token, int64_t called, sdm_err *err) {
    store_token tok;
    char *vars = NULL;
    int rc = store_token_get(s->st, token, &tok, err);
    int node = rc ? -1 : model_node_find(s->proc, tok.node);
    if (!rc && node < 0) return SDM_CORRUPT_BKPT(err, "a caller's token is not at a node of its model");
    if (!rc) rc = store_vars_json(s->st, called, &vars, err);
    if (!rc) rc = history(s, token, tok.node, "call-returned", detail("{s:I}", "instance", (json_int_t)called), err);
    if (!rc) rc = rt_set_vars(s, vars, err);
    if (!rc) rc = store_token_set(s->st, token, tok.node, "ready", NULL, err);
    if (!rc) push(s, OP_LEAVE, token, node, -1);
    free(vars);
    return rc;
}

/* An inclusive join fires when no token that is not waiting at it can
** still arrive there. Decided only when every token rests (the queue is
** empty), because a moving token's row does not say where it is. It
** consumes the oldest token of every incoming flow that has one and goes
** on with one of them. */
static int or_joins(rt_step *s, int *fired, sdm_err *err) {
    store_token *t = NULL;
    int n = 0, rc = store_tokens_at_rest(s->st, s->inst, &t, &n, err);
    *fired = 0;
    for (int j = 0; !rc && j < n && !*fired; j++) {
        int join = model_node_find(s->proc, t[j].node);
        if (strcmp(t[j].state, "joining") || join < 0 || node_at(s, join)->kind != EL_GW_INCLUSIVE) continue;
        int blocked = 0;
        for (int k = 0; k < n && !blocked; k++) {
            if (strcmp(t[k].node, t[j].node) == 0 && strcmp(t[k].state, "joining") == 0) continue;
            int at = model_node_find(s->proc, t[k].node);
            blocked = at >= 0 && model_can_reach(s->proc, at, join);
        }
        if (blocked) continue;
        const model_node *g = node_at(s, join);
        int64_t keep = 0;
        for (int f = 0; !rc && f < g->nin; f++) {
            const char *want = s->proc->flows[g->in[f]].id;
            for (int k = 0; k < n; k++) {
                if (strcmp(t[k].node, t[j].node) || strcmp(t[k].state, "joining") || strcmp(t[k].flow, want)) continue;
                if (!keep) keep = t[k].id;
                else rc = store_token_delete(s->st, t[k].id, err);
                break;
            }
        }
        if (!rc) rc = store_token_set(s->st, keep, g->id, "ready", NULL, err);
        if (!rc) { push(s, OP_LEAVE, keep, join, -1); *fired = 1; }
    }
    free(t);
    return rc;
}

/* ---------- messages and signals ---------- */

static int wait_event(rt_step *s, const rt_item *it, sdm_err *err) {
    const model_node *n = node_at(s, it->node);
    int rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
    if (!rc) rc = store_sub_add(s->st, n->trigger == 'm' ? "message" : "signal", n->msg, s->client, s->inst,
                                it->token, n->id, s->now, err);
    if (!rc && n->kind == EL_RECEIVE && n->nbnd) {
        sdm_err why = {0};
        task_jobs tj;
        rc = plan_task_jobs(s, n, &tj, &why);
        if (rc) return script_outcome(s, rc, it->token, it->node, "execute", &why, err);
        rc = add_task_jobs(s, n, it->token, 0, &tj, err);
    }
    return rc;
}

static int throw_event(rt_step *s, const rt_item *it, sdm_err *err) {
    const model_node *n = node_at(s, it->node);
    int rc;
    if (n->trigger == 'e') {       /* an escalation: into the deviation log, to the head */
        char msg[512];
        snprintf(msg, sizeof msg, "escalation '%s' raised at %s", n->msg, n->name ? n->name : n->id);
        fx_ctx f = {.s = s, .n = n, .rule = n->msg, .severity = "high", .err = err};
        rc = raise_deviation(&f, "high", msg);
    } else {
        rc = history(s, it->token, n->id, n->trigger == 'm' ? "message-sent" : "signal-sent",
                     detail("{s:s}", "name", n->msg), err);
        if (!rc) rc = s->thrown(s->ctx, s, n, err);
    }
    if (rc) return rc;
    if (n->kind == EL_END_THROW) return consume(s, it->token, n, err);
    push(s, OP_LEAVE, it->token, it->node, it->flow);
    return SDM_OK;
}

int rt_deliver(rt_step *s, const store_sub *sub, const char *vars_json, sdm_err *err) {
    int node = model_node_find(s->proc, sub->node);
    if (node < 0) return SDM_CORRUPT_BKPT(err, "a subscription at a node the model does not have");
    const model_node *n = node_at(s, node);
    int rc = rt_set_vars(s, vars_json, err);
    if (!rc) rc = history(s, sub->token_id, n->id, sub->kind, detail("{s:s}", "name", sub->name), err);
    if (rc) return rc;
    if (n->kind != EL_BOUNDARY_EVENT) {              /* a catch event or receive task: it goes on */
        rc = end_wait(s, sub->token_id, err);
        if (!rc) rc = store_token_set(s->st, sub->token_id, n->id, "ready", NULL, err);
        if (!rc) push(s, OP_LEAVE, sub->token_id, node, -1);
        return rc;
    }
    if (n->interrupting) {
        rc = store_task_cancel_token(s->st, sub->token_id, s->now, s->actor, err);
        if (!rc) rc = end_wait(s, sub->token_id, err);
        if (!rc) rc = history(s, sub->token_id, node_at(s, n->attached)->id, "task-cancelled",
                              detail("{s:s}", "by", n->id), err);
        if (!rc) rc = store_token_set(s->st, sub->token_id, n->id, "ready", NULL, err);
        if (!rc) push(s, OP_ENTER, sub->token_id, node, -1);
        return rc;
    }
    int64_t token;
    rc = store_token_add(s->st, s->inst, n->id, "ready", NULL, s->now, &token, err);
    if (!rc) push(s, OP_ENTER, token, node, -1);
    return rc;
}

/* ---------- the operations ---------- */

static int op_enter(rt_step *s, const rt_item *it, sdm_err *err) {
    const model_node *n = node_at(s, it->node);
    int rc = history(s, it->token, n->id, "enter",
                     it->flow >= 0 ? detail("{s:s}", "flow", flow_id(s, it->flow)) : NULL, err);
    if (!rc && n->ncp) rc = checkpoints(s, it->node, it->token, CP_ENTER, err);
    if (!rc) push(s, OP_EXECUTE, it->token, it->node, it->flow);
    return rc;
}

static int op_execute(rt_step *s, const rt_item *it, sdm_err *err) {
    const model_node *n = node_at(s, it->node);
    switch (n->kind) {
    case EL_START: case EL_THROW_NONE: case EL_TASK: case EL_TASK_MANUAL:
    case EL_GW_EXCLUSIVE:
        push(s, OP_LEAVE, it->token, it->node, it->flow);
        return SDM_OK;
    case EL_GW_PARALLEL:
        if (n->nin > 1) return parallel_join(s, it, err);
        push(s, OP_LEAVE, it->token, it->node, it->flow);
        return SDM_OK;
    case EL_GW_INCLUSIVE:
        if (n->nin > 1)            /* decided when every token rests: see or_joins() */
            return store_token_set(s->st, it->token, n->id, "joining", flow_id(s, it->flow), err);
        push(s, OP_LEAVE, it->token, it->node, it->flow);
        return SDM_OK;
    case EL_END:
        return consume(s, it->token, n, err);
    case EL_END_TERMINATE:
        return terminate(s, it->token, n, err);
    case EL_TASK_USER:
        return user_task(s, it, err);
    case EL_TASK_SCRIPT: case EL_TASK_SERVICE:
        return script_task(s, it, err);
    case EL_CATCH_TIMER:
        return wait_timer(s, it, err);
    case EL_BOUNDARY_TIMER:
        push(s, OP_LEAVE, it->token, it->node, it->flow);
        return SDM_OK;
    case EL_CALL:
        return call_activity(s, it, err);
    case EL_CATCH_EVENT: case EL_RECEIVE:
        return wait_event(s, it, err);
    case EL_BOUNDARY_EVENT: case EL_START_MESSAGE: case EL_START_TIMER:
        push(s, OP_LEAVE, it->token, it->node, it->flow);
        return SDM_OK;
    case EL_THROW_EVENT: case EL_END_THROW:
        return throw_event(s, it, err);
    case EL_UNSUPPORTED: case EL__COUNT: break;
    }
    sdm_panic("unknown element kind in op_execute");
}

static int op_leave(rt_step *s, const rt_item *it, sdm_err *err) {
    const model_node *n = node_at(s, it->node);
    int rc = history(s, it->token, n->id, "leave", NULL, err);
    if (!rc && n->ncp) rc = checkpoints(s, it->node, it->token, CP_LEAVE, err);
    if (rc) return rc;
    if (n->nout == 0) return consume(s, it->token, n, err);   /* implicit end */
    int *chosen = xmalloc(sizeof(int) * (size_t)n->nout), nchosen = 0;
    sdm_err why = {0};
    if (n->kind == EL_GW_PARALLEL) {
        for (int k = 0; k < n->nout; k++) chosen[nchosen++] = n->out[k];
    } else {
        rc = select_flows(s, n, n->kind == EL_GW_EXCLUSIVE, chosen, &nchosen, &why);
        if (!rc) rc = save_vars(s, &why);
    }
    if (rc) rc = script_outcome(s, rc, it->token, it->node, "leave", &why, err);
    else rc = take(s, it->token, chosen, nchosen, err);
    free(chosen);
    return rc;
}

static int drain_queue(rt_step *s, sdm_err *err);

int rt_drain(rt_step *s, sdm_err *err) {
    for (;;) {
        int rc = drain_queue(s, err), fired = 0;
        if (rc || s->ended || !s->proc->n_or_join) return rc;
        if ((rc = or_joins(s, &fired, err)) || !fired) return rc;
    }
}

static int drain_queue(rt_step *s, sdm_err *err) {
    while (s->qhead < s->qn) {
        rt_item it = s->q[s->qhead++];
        int rc;
        switch (it.op) {
        case OP_ENTER: rc = op_enter(s, &it, err); break;
        case OP_EXECUTE: rc = op_execute(s, &it, err); break;
        case OP_LEAVE: rc = op_leave(s, &it, err); break;
        default: sdm_panic("unknown runtime operation");
        }
        if (rc) return rc;
    }
    return SDM_OK;
}

/* ---------- entry points ---------- */

int rt_start(rt_step *s, const char *vars_json, sdm_err *err) {
    const model_proc *p = s->proc;
    if (p->nstart != 1)
        return err_set(err, SDM_ERR_MODEL, s->file, p->line, p->id,
                       p->nstart ? "process '%s' has %d none start events; sdm starts processes with exactly one"
                                 : "process '%s' has no none start event; it starts by its timer or a message (sdm message)",
                       p->id, p->nstart);
    return rt_start_at(s, p->starts[0], vars_json, err);
}

int rt_start_at(rt_step *s, int start, const char *vars_json, sdm_err *err) {
    const model_proc *p = s->proc;
    int64_t token;
    int rc = history(s, 0, NULL, "start", NULL, err);
    if (!rc) rc = rt_set_vars(s, vars_json, err);
    if (!rc) rc = store_token_add(s->st, s->inst, p->nodes[start].id, "ready", NULL, s->now, &token, err);
    if (rc) return rc;
    push(s, OP_ENTER, token, start, -1);
    return rt_drain(s, err);
}

int rt_complete(rt_step *s, const store_task *task, const char *vars_json, sdm_err *err) {
    if (strcmp(task->state, "open") != 0)
        return err_set(err, SDM_ERR_STATE, NULL, 0, task->node, "task %lld is already %s",
                       (long long)task->id, task->state);
    int node = model_node_find(s->proc, task->node);
    store_token tok;
    int rc = store_token_get(s->st, task->token_id, &tok, err);
    if (rc == SDM_ERR_NOTFOUND || (!rc && (node < 0 || strcmp(tok.node, task->node) != 0)))
        return SDM_CORRUPT_BKPT(err, "an open task's token is not at the task's node");
    if (rc) return rc;
    rc = store_task_close(s->st, task->id, "completed", s->now, s->actor, err);
    if (!rc) rc = end_wait(s, task->token_id, err);
    if (!rc) rc = history(s, task->token_id, task->node, "task-completed",
                          detail("{s:I}", "task", (json_int_t)task->id), err);
    if (!rc) rc = rt_set_vars(s, vars_json, err);
    if (rc) return rc;
    push(s, OP_LEAVE, task->token_id, node, -1);
    return rt_drain(s, err);
}

int rt_retry(rt_step *s, const store_incident *inc, sdm_err *err) {
    if (strcmp(inc->state, "open") != 0)
        return err_set(err, SDM_ERR_STATE, NULL, 0, inc->node, "incident %lld is already %s",
                       (long long)inc->id, inc->state);
    int node = model_node_find(s->proc, inc->node);
    if (node < 0) return SDM_CORRUPT_BKPT(err, "incident at a node the model does not have");
    int rc = store_incident_resolve(s->st, inc->id, s->now, s->actor, err);
    if (!rc) rc = store_token_set(s->st, inc->token_id, inc->node, "ready", NULL, err);
    if (!rc) rc = history(s, inc->token_id, inc->node, "retry",
                          detail("{s:I}", "incident", (json_int_t)inc->id), err);
    if (rc) return rc;
    push(s, strcmp(inc->phase, "leave") == 0 ? OP_LEAVE : OP_EXECUTE, inc->token_id, node, -1);
    return rt_drain(s, err);
}

/* A boundary timer fired on a waiting task: interrupting cancels the task
** and moves its token onto the boundary path; non-interrupting sends a new
** token and re-arms the timer while its cycle lasts. */
static int fire_boundary(rt_step *s, const store_job *job, int node, sdm_err *err) {
    const model_node *b = node_at(s, node);
    int rc = history(s, job->token_id, b->id, "timer", detail("{s:i}", "fired", job->fired + 1), err);
    if (rc) return rc;
    if (b->interrupting) {
        rc = store_task_cancel_token(s->st, job->token_id, s->now, s->actor, err);
        if (!rc) rc = end_wait(s, job->token_id, err);
        if (!rc) rc = history(s, job->token_id, node_at(s, b->attached)->id, "task-cancelled",
                              detail("{s:s}", "by", b->id), err);
        if (!rc) rc = store_token_set(s->st, job->token_id, b->id, "ready", NULL, err);
        if (!rc) push(s, OP_ENTER, job->token_id, node, -1);
        return rc;
    }
    sdm_err why = {0};
    int64_t next, token;
    rc = timer_due(s, b, job->fired + 1, job->created_at, &next, &why);
    if (rc == SDM_ERR_SCRIPT) next = 0;          /* a broken cycle stops; the token goes on */
    else if (rc) { *err = why; return rc; }
    rc = next ? store_job_reschedule(s->st, job->id, next, job->fired + 1, err) : store_job_delete(s->st, job->id, err);
    if (!rc) rc = store_token_add(s->st, s->inst, b->id, "ready", NULL, s->now, &token, err);
    if (!rc) push(s, OP_ENTER, token, node, -1);
    return rc;
}

int rt_fire(rt_step *s, const store_job *job, sdm_err *err) {
    int node = model_node_find(s->proc, job->node);
    if (node < 0) return SDM_CORRUPT_BKPT(err, "a job at a node the model does not have");
    int rc;
    if (strcmp(job->kind, "boundary") == 0) {
        rc = fire_boundary(s, job, node, err);
    } else {
        rc = store_job_delete(s->st, job->id, err);
        if (!rc && strcmp(job->kind, "timer") == 0) {
            rc = history(s, job->token_id, job->node, "timer", NULL, err);
            if (!rc) rc = store_token_set(s->st, job->token_id, job->node, "ready", NULL, err);
            if (!rc) push(s, OP_LEAVE, job->token_id, node, -1);
        } else if (!rc && strcmp(job->kind, "due") == 0) {
            rc = checkpoints(s, node, job->token_id, CP_DUE, err);
        } else if (!rc) {
            return SDM_CORRUPT_BKPT(err, "a job of unknown kind");
        }
    }
    return rc ? rc : rt_drain(s, err);
}
