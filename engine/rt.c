/*
** rt.c — the token runtime (design in rt.h).
**
** A step is a queue of atomic operations on tokens: ENTER a node, EXECUTE
** its behaviour, LEAVE it along its outgoing flows. Each operation is a
** short function that does one thing and queues the next; drain() is the
** only loop. A moving token is written to the store only when it comes to
** rest, so a step costs a handful of row writes whatever the path length.
**
** Scopes: a token inside a subprocess, a loop or multi-instance body, or
** a compensation run names the token that holds its scope (rt_item.scope,
** tokens.parent_id). That token waits at the scope's node until its last
** token is consumed (scope_done), and variables may be local to it. The
** process level is scope 0.
**
** Must not commit or roll back: the caller owns the transaction. Must not
** touch SQL or Lua directly: it speaks to store.h and script.h.
*/
#include <string.h>
#include <ctype.h>
#include <time.h>
#include <jansson.h>
#include "rt.h"
#include "clock.h"
#include "err.h"
#include "regdoc.h"
#include "kinds.h"

enum rt_op { OP_ENTER, OP_EXECUTE, OP_LEAVE, OP_DEAD };

const char *rt_op_name(int op) {
    switch (op) {
    case OP_ENTER: return "activity-enter";
    case OP_EXECUTE: return "activity-execute";
    case OP_LEAVE: return "activity-leave";
    case OP_DEAD: return "cancelled";
    }
    sdm_panic("unknown runtime operation");
}

static const model_node *node_at(rt_step *s, int i) {
    sdm_assert(i >= 0 && i < s->proc->nnode);
    return &s->proc->nodes[i];
}

#ifdef SDM_DEBUG
/* Only used inside sdm_assert: a queued operation names a node of the
** step's process and a live token. */
static int item_ok(const rt_step *s, const rt_item *it) {
    return it && it->node >= 0 && it->node < s->proc->nnode && it->token > 0 && it->scope >= 0;
}
#endif

static const char *flow_id(rt_step *s, int f) { return f >= 0 ? s->proc->flows[f].id : NULL; }

static void push(rt_step *s, int op, int64_t token, int node, int flow, int64_t scope) {
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
    free(s->q);
    s->q = NULL;
    s->qn = s->qcap = s->qhead = 0;
    json_decref(s->owners);
    s->owners = NULL;
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

/* The token's row, with its node's index. */
static int token_at(rt_step *s, int64_t id, store_token *t, int *node, sdm_err *err) {
    int rc = store_token_get(s->st, id, t, err);
    if (rc) return rc;
    *node = model_node_find(s->proc, t->node);
    return *node < 0 ? SDM_CORRUPT_BKPT(err, "a token is at a node its model does not have") : SDM_OK;
}

/* ---------- the step's budget ---------- */

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

enum { B_TOKEN, B_OP, B_NEST };
#define RT_MAX_NEST 64

/* One more token, operation or nested step (B_*) at node n: SDM_ERR_LIMIT
** when the step is over any of its limits. The whole step stops, not one
** token: a fork bomb has thousands of tokens, and stopping one lets the
** rest grow. */
static int budget_take(rt_step *s, const model_node *n, int kind, sdm_err *err) {
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

/* A hook that runs another instance's step inside this one (a message
** thrown, a call, a return, an error passed up) nests on the C stack, so
** the nesting is part of the budget. */
#define NESTED(s, n, err, call) \
    (budget_take((s), (n), B_NEST, (err)) ? SDM_ERR_LIMIT : nested_done((s), (call)))

static int nested_done(rt_step *s, int rc) {
    if (s->budget) s->budget->depth--;
    return rc;
}

static int token_new(rt_step *s, int64_t scope, const model_node *n, const char *state, const char *flow,
                     int64_t *id, sdm_err *err) {
    sdm_assert(n && scope >= 0);
    int rc = budget_take(s, n, B_TOKEN, err);
    return rc ? rc : store_token_add(s->st, s->inst, scope, n->id, state, flow, s->now, id, err);
}

/* ---------- variables and Lua ---------- */

/* What scope `scope` sees: the instance's variables overlaid by those of
** each enclosing scope, innermost last. s->owners records, for that
** scope, which scope token holds each local name (stored or declared as a
** subprocess's dataObject), so a write goes back where the name lives. */
static int visible_vars(rt_step *s, int64_t scope, char **out, sdm_err *err) {
    json_decref(s->owners);
    s->owners = NULL;
    if (!scope) return store_vars_json(s->st, s->inst, 0, out, err);
    int64_t chain[64];
    int depth = 0, rc = SDM_OK;
    for (int64_t t = scope; t && depth < 64 && !rc; ) {
        store_token tok;
        rc = store_token_get(s->st, t, &tok, err);
        chain[depth++] = t;
        t = tok.parent;
    }
    char *root = NULL;
    if (!rc) rc = store_vars_json(s->st, s->inst, 0, &root, err);
    if (rc) { free(root); return rc; }
    json_t *all = json_loads(root, 0, NULL), *owners = json_object();
    free(root);
    for (int d = depth - 1; d >= 0 && !rc; d--) {       /* outermost first: inner names win */
        store_token tok;
        char *local = NULL;
        rc = store_token_get(s->st, chain[d], &tok, err);
        int n = rc ? -1 : model_node_find(s->proc, tok.node);
        for (int k = 0; n >= 0 && k < node_at(s, n)->nlocal; k++)
            json_object_set_new(owners, node_at(s, n)->locals[k], json_integer((json_int_t)chain[d]));
        if (!rc) rc = store_vars_json(s->st, s->inst, chain[d], &local, err);
        json_t *l = local ? json_loads(local, 0, NULL) : NULL;
        const char *k; json_t *v;
        json_object_foreach(l, k, v) {
            json_object_set(all, k, v);
            json_object_set_new(owners, k, json_integer((json_int_t)chain[d]));
        }
        json_decref(l);
        free(local);
    }
    *out = rc ? NULL : json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(all);
    if (rc) json_decref(owners); else s->owners = owners;
    return rc;
}

static int64_t owner_of(rt_step *s, const char *name) {
    json_t *o = s->owners ? json_object_get(s->owners, name) : NULL;
    return o ? (int64_t)json_integer_value(o) : 0;
}

static int write_var(rt_step *s, const char *name, const char *json, json_t *value, sdm_err *err) {
    int64_t scope = owner_of(s, name);
    int rc = store_var_set(s->st, s->inst, scope, name, json, err);
    if (rc) return rc;
    char *d = scope ? detail("{s:s, s:O, s:I}", "name", name, "value", value, "scope", (json_int_t)scope)
                    : detail("{s:s, s:O}", "name", name, "value", value);
    return history(s, 0, NULL, "variable", d, err);
}

static int store_changed_var(void *ctx, const char *name, const char *json) {
    rt_step *s = ctx;
    json_t *v = json ? json_loads(json, JSON_DECODE_ANY, NULL) : json_null();
    int rc = write_var(s, name, json, v ? v : json_null(), NULL);
    json_decref(v);
    return rc;
}

/* Prepare the sandbox for Lua at node `n` in `scope`: the variables that
** scope sees (loaded once per step and scope) and the context. */
static int lua_ready(rt_step *s, const char *node, int64_t scope, sdm_err *err) {
    if (!s->vars_loaded || s->vars_scope != scope) {
        char *json = NULL;
        int rc = visible_vars(s, scope, &json, err);
        if (!rc) rc = scr_vars_load(s->sc, json, err);
        if (!rc) rc = scr_set_now(s->sc, (long long)s->now, err);
        free(json);
        if (rc) return rc;
        s->vars_loaded = 1;
        s->vars_scope = scope;
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

/* Evaluate Lua `code` of node n in scope, to JSON (NULL for nil). */
static int eval_json(rt_step *s, const model_node *n, const char *code, int64_t scope, char **out, sdm_err *why) {
    char chunk[300];
    chunk_name(s, n->id, chunk, sizeof chunk);
    int rc = lua_ready(s, n->id, scope, why);
    if (!rc) rc = scr_eval_json(s->sc, code, chunk, out, why);
    if (!rc) rc = save_vars(s, why);
    return rc;
}

static int eval_bool(rt_step *s, const model_node *n, const char *code, int64_t scope, int *out, sdm_err *why) {
    char chunk[300];
    chunk_name(s, n->id, chunk, sizeof chunk);
    int rc = lua_ready(s, n->id, scope, why);
    if (!rc) rc = scr_eval_bool(s->sc, code, chunk, out, why);
    if (!rc) rc = save_vars(s, why);
    return rc;
}

int rt_set_vars(rt_step *s, const char *vars_json, int64_t scope, sdm_err *err) {
    if (!vars_json) return SDM_OK;
    json_error_t je;
    json_t *o = json_loads(vars_json, 0, &je);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "variables must be a JSON object%s%s",
                       o ? "" : ": ", o ? "" : je.text);
    }
    int rc = SDM_OK;
    if (scope) {                   /* where each name lives, seen from scope */
        char *seen = NULL;
        rc = visible_vars(s, scope, &seen, err);
        free(seen);
    } else {
        json_decref(s->owners);
        s->owners = NULL;
    }
    const char *k; json_t *v;
    json_object_foreach(o, k, v) if (!rc) rc = err_check_name(err, "a variable name", k);
    json_object_foreach(o, k, v) {
        if (rc) break;
        char *val = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
        rc = write_var(s, k, json_is_null(v) ? NULL : val, v, err);
        free(val);
    }
    json_decref(o);
    s->vars_loaded = 0;     /* the sandbox copy and its owners are stale now */
    return rc;
}

/* ---------- incidents ---------- */

static int tell_incident(rt_step *s, int64_t id, const model_node *n, const char *msg, sdm_err *err);

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
    if (!rc) rc = tell_incident(s, id, n, why->msg, err);
    s->incidents++;
    s->last_incident = id;
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
    int64_t scope;             /* whose variables the rule sees */
    const char *rule, *severity;
    const char *subject, *body;
    int64_t deviation;
    int told;                  /* messages queued */
    sdm_err *err;
} fx_ctx;

static const char *assignee_of(const fx_ctx *f) {
    return f->task && f->task->assignee[0] ? f->task->assignee : NULL;
}

static int queue_message(void *ctx, const char *channel, const char *address) {
    fx_ctx *f = ctx;
    f->told++;
    return store_outbox_add(f->s->st, channel, address, f->subject, f->body, f->s->now, f->s->inst,
                            f->deviation, f->err);
}

/* What a head needs to act on a deviation: whose client, which step, who
** has it, when it was due and how late it is now. */
static char *deviation_body(const fx_ctx *f, const char *msg) {
    const rt_step *s = f->s;
    int ru = s->lang && strcmp(s->lang, "ru") == 0;
    sbuf b = {0};
    sbuf_printf(&b, ru ? "%s\n\nКлиент: %s\nПроцесс: %s\nШаг: %s\nМенеджер: %s\n"
                       : "%s\n\nClient: %s\nProcess: %s\nStep: %s\nManager: %s\n", msg, s->client ? s->client : "-",
                s->proc && s->proc->name ? s->proc->name : s->proc ? s->proc->id : "-",
                f->n->name && *f->n->name ? f->n->name : f->n->id,
                assignee_of(f) ? assignee_of(f) : ru ? "никто (очередь роли)" : "nobody yet (the role's queue)");
    if (f->task && f->task->due_at) {
        char due[64];
        clk_format(f->task->due_at, clk_calendar_tz(s->cal), due, sizeof due);
        sbuf_printf(&b, ru ? "Срок: %s" : "Due: %s", due);
        if (s->now > f->task->due_at)
            sbuf_printf(&b, ru ? " (опоздание %.1f ч)" : " (late by %.1f h)", (double)(s->now - f->task->due_at) / 3600000.0);
        sbuf_puts(&b, "\n");
    }
    if (f->task && s->base_url)
        sbuf_printf(&b, "%s%s/#/task/%lld\n", ru ? "Задача: " : "Task: ", s->base_url, (long long)f->task->id);
    else if (f->task)
        sbuf_printf(&b, "%s%lld (sdm task show %lld)\n", ru ? "Задача: " : "Task: ", (long long)f->task->id,
                    (long long)f->task->id);
    else if (s->base_url && s->client) {            /* no task yet: the client's page */
        sbuf_printf(&b, "%s%s/#/client/", ru ? "Клиент: " : "Client: ", s->base_url);
        for (const unsigned char *c = (const unsigned char *)s->client; *c; c++)
            if (isalnum(*c) || strchr("-._~", *c)) sbuf_add(&b, (const char *)c, 1);
            else sbuf_printf(&b, "%%%02X", *c);
        sbuf_puts(&b, "\n");
    }
    return sbuf_take(&b);
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
    char *body = deviation_body(f, msg);
    f->deviation = id;
    f->subject = subject;
    f->body = body;
    f->told = 0;
    rc = store_recipients(s->st, "head", assignee_of(f), queue_message, f, f->err);
    /* nobody assigned, or no head: those responsible for the step still hear */
    if (!rc && !f->told) rc = store_responsible(s->st, f->n->role, s->client, queue_message, f, f->err);
    f->deviation = 0;
    free(body);
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

/* A new incident reaches whoever must act on it (store_responsible: the
** head of the step's role, else of the client's owner, else the users
** with role admin or owner): in-app, and by e-mail when they have one. */
static int tell_incident(rt_step *s, int64_t id, const model_node *n, const char *msg, sdm_err *err) {
    char subject[600];
    snprintf(subject, sizeof subject, "[incident %lld] %s, client %s: %s", (long long)id, s->proc->id,
             s->client, n->name ? n->name : n->id);
    char *body = xasprintf("Client: %s\nProcess: %s\nStep: %s (%s)\nError: %s\n\n"
                           "When the cause is fixed: sdm retry %lld", s->client, s->proc->id,
                           n->name ? n->name : n->id, n->id, msg, (long long)id);
    fx_ctx f = {.s = s, .n = n, .subject = subject, .body = body, .err = err};
    int rc = store_responsible(s->st, n->role, s->client, queue_message, &f, err);
    free(body);
    return rc;
}

/* The step was rolled back for its budget; the caller has begun a fresh
** transaction. The node is the one where the budget ran out. */
int rt_step_incident(rt_step *s, const char *phase, const sdm_err *why, int64_t *incident_id, sdm_err *err) {
    int node = model_node_find(s->proc, why->element);
    const model_node *n = node >= 0 ? node_at(s, node) : NULL;
    const char *at = n ? n->id : s->proc->id;
    int rc = store_incident_add(s->st, s->inst, 0, at, phase, why->msg, s->now, incident_id, err);
    if (!rc) rc = history(s, 0, at, "incident",
                          detail("{s:I, s:s}", "incident", (json_int_t)*incident_id, "message", why->msg), err);
    if (!rc && n) rc = tell_incident(s, *incident_id, n, why->msg, err);
    return rc;
}

int rt_start_incident(rt_step *s, int start, const char *vars_json, const sdm_err *why, int64_t *incident_id,
                      sdm_err *err) {
    int64_t token;
    int rc = history(s, 0, NULL, "start", NULL, err);
    if (!rc) rc = rt_set_vars(s, vars_json, 0, err);
    if (!rc) rc = store_token_add(s->st, s->inst, 0, node_at(s, start)->id, "ready", NULL, s->now, &token, err);
    if (!rc) rc = incident(s, token, start, "execute", why, err);
    if (!rc) *incident_id = s->last_incident;
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
    int rc = lua_ready(s, f->n->id, f->scope, &why);
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

static int checkpoints(rt_step *s, int node, int64_t token, int64_t scope, int when, sdm_err *err) {
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
                    .severity = cp->severity, .scope = scope, .err = err};
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
        chunk_name(s, n->id, chunk, sizeof chunk);
        rc = lua_ready(s, n->id, scope, why);
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

static int wait_timer(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    sdm_err why = {0};
    int64_t due;
    int rc = timer_due(s, n, it->scope, NULL, 0, s->now, &due, &why);
    if (rc) return script_outcome(s, rc, it->token, it->node, "execute", &why, err);
    if (!due) { push(s, OP_LEAVE, it->token, it->node, it->flow, it->scope); return SDM_OK; }  /* already past */
    rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
    if (!rc) rc = store_job_add(s->st, "timer", s->inst, it->token, n->id, due, n->timer, 0, s->now, err);
    return rc;
}

/* ---------- waits: what a resting activity listens to ---------- */

/* Triggers a waiting activity (or a scope) arms: its boundary timers,
** messages and signals, and the starts of event subprocesses inside it.
** Planned before anything is written, so a bad timer leaves nothing half
** made. Errors, escalations and compensation need nothing armed: they
** are looked for when thrown. */
typedef struct wait_plan { int node[32]; int64_t due[32]; int n; } wait_plan;

static int plan_one(rt_step *s, wait_plan *w, int node, int64_t scope, sdm_err *why) {
    const model_node *b = node_at(s, node);
    int timer = b->kind == EL_BOUNDARY_TIMER || b->kind == EL_START_TIMER;
    int listens = timer || b->trigger == TR_MESSAGE || b->trigger == TR_SIGNAL;
    if (!listens || w->n == 32) return SDM_OK;
    w->node[w->n] = node;
    w->due[w->n] = 0;
    return timer ? timer_due(s, b, scope, NULL, 0, s->now, &w->due[w->n++], why) : (w->n++, SDM_OK);
}

/* For activity n: its boundary events (scope: where the activity is) and,
** when it opens a scope, the starts of its event subprocesses. */
static int plan_waits(rt_step *s, const model_node *n, int64_t scope, wait_plan *w, sdm_err *why) {
    int rc = SDM_OK;
    w->n = 0;
    for (int k = 0; k < n->nbnd && !rc; k++) rc = plan_one(s, w, n->bnd[k], scope, why);
    return rc;
}

static int plan_event_subs(rt_step *s, const int *evsubs, int nevsub, int64_t scope, wait_plan *w, sdm_err *why) {
    int rc = SDM_OK;
    for (int k = 0; k < nevsub && !rc; k++) rc = plan_one(s, w, node_at(s, evsubs[k])->start, scope, why);
    return rc;
}

static int add_waits(rt_step *s, int64_t token, const wait_plan *w, sdm_err *err) {
    int rc = SDM_OK;
    for (int k = 0; k < w->n && !rc; k++) {
        const model_node *b = node_at(s, w->node[k]);
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
static int add_due_job(rt_step *s, const model_node *n, int64_t token, int64_t task_due, sdm_err *err) {
    int watched = 0;
    for (int i = 0; i < n->ncp; i++) watched |= n->cps[i].on & CP_DUE;
    return watched && task_due ? store_job_add(s->st, "due", s->inst, token, n->id, task_due, NULL, 0, s->now, err)
                               : SDM_OK;
}

/* ---------- ending ---------- */

/* A token stops waiting: its timers and subscriptions go. */
static int end_wait(rt_step *s, int64_t token, sdm_err *err) {
    int rc = store_jobs_delete_token(s->st, token, err);
    return rc ? rc : store_subs_delete_token(s->st, token, err);
}

static int instance_end(rt_step *s, const char *state, const model_node *n, sdm_err *err) {
    sdm_assert(strcmp(state, "completed") == 0 || strcmp(state, "terminated") == 0);
    s->ended = 1;
    s->qhead = s->qn;                  /* nothing else moves in an ended instance */
    int rc = store_jobs_delete_instance(s->st, s->inst, err);
    if (!rc) rc = store_subs_delete_instance(s->st, s->inst, err);
    if (!rc) rc = store_instance_end(s->st, s->inst, state, n ? n->outcome : NULL, n ? n->id : NULL, s->now, err);
    if (!rc && s->parent_inst && s->returned) rc = NESTED(s, n ? n : node_at(s, 0), err, s->returned(s->ctx, s, err));
    return rc;
}

static int scope_done(rt_step *s, int64_t scope, sdm_err *err);

/* The token is gone; when it was the last of its scope, the scope is done. */
static int consume(rt_step *s, int64_t token, int64_t scope, const model_node *n, sdm_err *err) {
    sdm_assert(token > 0 && n);
    int left = 0;
    int rc = store_token_delete(s->st, token, err);
    if (!rc) rc = store_token_count(s->st, s->inst, scope, &left, err);
    if (rc || left) return rc;
    if (scope) return scope_done(s, scope, err);
    rc = history(s, 0, n->id, "end", n->outcome ? detail("{s:s}", "outcome", n->outcome) : NULL, err);
    return rc ? rc : instance_end(s, "completed", n, err);
}

/* Everything inside scope token `scope` (0: the whole instance) stops:
** tokens, tasks, waits, incidents, local variables, called instances. */
static int cancel_inside(rt_step *s, int64_t scope, const char *by, sdm_err *err) {
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
static int interrupt(rt_step *s, int64_t token, const model_node *a, const char *by, sdm_err *err) {
    int rc = SDM_OK;
    if (a->kind == EL_TASK_USER && !a->loop) {
        rc = store_task_cancel_token(s->st, token, s->now, s->actor, err);
        if (!rc) rc = history(s, token, a->id, "task-cancelled", detail("{s:s}", "by", by), err);
    }
    if (!rc) rc = end_wait(s, token, err);
    if (!rc && (a->kind == EL_SUBPROCESS || a->loop)) {
        rc = cancel_inside(s, token, by, err);
        if (!rc) rc = history(s, token, a->id, "cancelled", detail("{s:s}", "by", by), err);
    }
    if (!rc && a->kind == EL_CALL) rc = store_terminate_children(s->st, s->inst, token, s->now, s->actor, err);
    if (!rc) rc = store_scope_vars_delete(s->st, s->inst, token, err);
    return rc;
}

static int terminate(rt_step *s, int64_t token, int64_t scope, const model_node *n, sdm_err *err) {
    sdm_assert(token > 0 && n);
    int rc = history(s, token, n->id, "terminate", scope ? detail("{s:I}", "scope", (json_int_t)scope) : NULL, err);
    if (!rc) rc = cancel_inside(s, scope, n->id, err);
    if (rc) return rc;
    if (scope) return scope_done(s, scope, err);   /* a subprocess ends, its parent goes on */
    return instance_end(s, "completed", n, err);
}

/* ---------- scopes ---------- */

/* A token at node n opens n's scope: the event subprocesses it watches
** and a token at its start event. Used by subprocesses and each instance
** of a multi-instance subprocess. */
static int open_scope(rt_step *s, int64_t token, const model_node *n, const wait_plan *w, sdm_err *err) {
    sdm_assert(token > 0 && n->start >= 0);
    int64_t child;
    int rc = add_waits(s, token, w, err);
    if (!rc) rc = token_new(s, token, node_at(s, n->start), "ready", NULL, &child, err);
    if (!rc) push(s, OP_ENTER, child, n->start, -1, token);
    return rc;
}

static int subprocess(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    sdm_err why = {0};
    wait_plan w;
    int rc = plan_waits(s, n, it->scope, &w, &why);
    if (!rc) rc = plan_event_subs(s, n->evsubs, n->nevsub, it->token, &w, &why);
    if (rc) return script_outcome(s, rc, it->token, it->node, "execute", &why, err);
    rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
    return rc ? rc : open_scope(s, it->token, n, &w, err);
}

/* The event subprocesses scope (0: the process level) watches; *t and
** *at are the scope token's row and node (untouched for scope 0). */
static int scope_events(rt_step *s, int64_t scope, store_token *t, int *at, const int **ev, int *nev,
                        sdm_err *err) {
    const model_node *owner = NULL;
    if (scope) {
        int rc = token_at(s, scope, t, at, err);
        if (rc) return rc;
        owner = node_at(s, *at);
    }
    *ev = owner ? owner->evsubs : s->proc->evsubs;
    *nev = owner ? owner->nevsub : s->proc->nevsub;
    return SDM_OK;
}

/* An event subprocess starts in scope (0: the process level): an
** interrupting one first stops everything else in that scope, and the
** scope's other event subprocesses with it. */
static int start_event_sub(rt_step *s, int64_t scope, int sub, sdm_err *err) {
    const model_node *e = node_at(s, sub), *st = node_at(s, e->start);
    int rc = history(s, scope, e->id, "event-subprocess",
                     detail("{s:s, s:b}", "trigger", st->id, "interrupting", st->interrupting), err);
    if (!rc && st->interrupting) {
        store_token t;
        int at, nev = 0;
        const int *ev = NULL;
        rc = cancel_inside(s, scope, st->id, err);
        if (!rc) rc = scope_events(s, scope, &t, &at, &ev, &nev, err);
        for (int k = 0; k < nev && !rc; k++)
            rc = store_waits_delete(s->st, s->inst, scope, node_at(s, node_at(s, ev[k])->start)->id, err);
    }
    int64_t token;
    if (!rc) rc = token_new(s, scope, e, "ready", NULL, &token, err);
    if (!rc) push(s, OP_ENTER, token, sub, -1, scope);
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
        rc = eval_json(s, n, n->loop->items, body, &owned, why);
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
    const model_node *n = node_at(s, node);
    char *item = NULL, counter[24];
    sdm_err why = {0};
    int rc = loop_item(s, n, body, k, items, &item, &why);
    if (rc) return script_outcome(s, rc, body, node, "execute", &why, err);
    int64_t inst, run;
    snprintf(counter, sizeof counter, "%d", k);
    rc = token_new(s, body, n, "waiting", NULL, &inst, err);
    if (!rc) rc = store_var_set(s->st, s->inst, inst, "loopCounter", counter, err);
    if (!rc && item && n->loop->elem) rc = store_var_set(s->st, s->inst, inst, n->loop->elem, item, err);
    free(item);
    if (rc) return rc;
    if (n->kind == EL_SUBPROCESS) {
        wait_plan w = {0};
        rc = plan_event_subs(s, n->evsubs, n->nevsub, inst, &w, &why);
        if (rc) return script_outcome(s, rc, inst, node, "execute", &why, err);
        return open_scope(s, inst, n, &w, err);
    }
    rc = token_new(s, inst, n, "ready", NULL, &run, err);
    if (!rc) push(s, OP_EXECUTE, run, node, -1, inst);
    return rc;
}

/* Scope token `token` at `node` is done: its waits and local variables
** go, and it leaves the node in the scope `parent`. */
static int leave_scope(rt_step *s, int64_t token, int node, int64_t parent, sdm_err *err) {
    int rc = end_wait(s, token, err);
    if (!rc) rc = store_scope_vars_delete(s->st, s->inst, token, err);
    if (!rc) rc = store_token_set(s->st, token, node_at(s, node)->id, "ready", NULL, err);
    if (!rc) push(s, OP_LEAVE, token, node, -1, parent);
    s->vars_loaded = 0;
    return rc;
}

static int set_counter(rt_step *s, int64_t body, const char *name, long long v, sdm_err *err) {
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", v);
    return store_var_set(s->st, s->inst, body, name, buf, err);
}

static int loop_begin(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    const model_loop *l = n->loop;
    sdm_err why = {0};
    char *items = NULL, *count = NULL;
    long long total = -1;
    int go = 1, rc = SDM_OK;
    if (l->kind == LOOP_STANDARD) {
        if (l->test_before && l->cond) rc = eval_bool(s, n, l->cond, it->scope, &go, &why);
        if (l->max > 0) total = l->max;
    } else {
        rc = eval_json(s, n, l->count ? l->count : l->items, it->scope, l->count ? &count : &items, &why);
        json_t *j = rc ? NULL : json_loads(l->count ? (count ? count : "null") : (items ? items : "[]"),
                                           JSON_DECODE_ANY, NULL);
        if (!rc && l->count && json_is_integer(j) && json_integer_value(j) >= 0) total = json_integer_value(j);
        else if (!rc && l->count && json_is_real(j) && json_real_value(j) >= 0 && json_real_value(j) < 1e6
                 && json_real_value(j) == (double)(long long)json_real_value(j)) total = (long long)json_real_value(j);
        else if (!rc && !l->count && json_is_array(j)) total = (long long)json_array_size(j);
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
    wait_plan w = {0};
    if (!rc && go) rc = plan_waits(s, n, it->scope, &w, &why);
    if (rc) { free(items); free(count); return script_outcome(s, rc, it->token, it->node, "execute", &why, err); }
    if (!go) {                     /* nothing to run: the activity is done */
        free(items); free(count);
        push(s, OP_LEAVE, it->token, it->node, it->flow, it->scope);
        return SDM_OK;
    }
    rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
    if (!rc) rc = add_waits(s, it->token, &w, err);
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

/* One run of a loop ended (its instance token `run` has nothing left):
** count it, check the completion or loop condition in the run's scope,
** start the next sequential run, and leave when the body is done. */
static int loop_run_done(rt_step *s, int64_t body, int64_t run, int node, sdm_err *err) {
    const model_node *n = node_at(s, node);
    const model_loop *l = n->loop;
    sdm_err why = {0};
    long long done = 0, total = 0, active = 0;
    int stop = 0;
    int rc = counter_of(s, body, "nrOfCompletedInstances", &done, err);
    if (!rc) rc = counter_of(s, body, "nrOfInstances", &total, err);
    if (!rc) rc = counter_of(s, body, "nrOfActiveInstances", &active, err);
    if (!rc) rc = set_counter(s, body, "nrOfCompletedInstances", ++done, err);
    if (!rc) rc = set_counter(s, body, "nrOfActiveInstances", --active, err);
    if (rc) return rc;
    s->vars_loaded = 0;
    if (l->kind == LOOP_STANDARD) {
        int go = 1;
        if (l->cond) rc = eval_bool(s, n, l->cond, run, &go, &why);
        stop = !go || (l->max > 0 && done >= l->max);
    } else {
        if (l->until) rc = eval_bool(s, n, l->until, run, &stop, &why);
        stop = stop || (l->kind == LOOP_SEQUENTIAL && done >= total);
    }
    if (rc) {                      /* a broken condition: the body rests with an incident */
        int rc2 = store_scope_vars_delete(s->st, s->inst, run, err);
        if (!rc2) rc2 = store_token_delete(s->st, run, err);
        return rc2 ? rc2 : script_outcome(s, rc, body, node, "leave", &why, err);
    }
    rc = store_scope_vars_delete(s->st, s->inst, run, err);
    if (!rc) rc = store_token_delete(s->st, run, err);
    if (!rc && stop) rc = cancel_inside(s, body, n->id, err);
    if (!rc && !stop && l->kind != LOOP_PARALLEL) {
        if (!rc) rc = set_counter(s, body, "nrOfActiveInstances", 1, err);
        return rc ? rc : loop_run(s, node, body, (int)done, NULL, err);
    }
    int left = 0;
    if (!rc) rc = store_token_count(s->st, s->inst, body, &left, err);
    if (rc || left) return rc;
    store_token b;
    int at;
    rc = token_at(s, body, &b, &at, err);
    return rc ? rc : leave_scope(s, body, node, b.parent, err);
}

/* The last token of scope token `scope` is gone: the scope's activity is
** done and its token leaves it (a loop run is counted instead). */
static int scope_done(rt_step *s, int64_t scope, sdm_err *err) {
    store_token t, p;
    int node, pnode;
    int rc = token_at(s, scope, &t, &node, err);
    if (rc) return rc;
    const model_node *n = node_at(s, node);
    if (n->loop && t.parent) {
        rc = token_at(s, t.parent, &p, &pnode, err);
        if (rc) return rc;
        if (pnode == node) return loop_run_done(s, t.parent, scope, node, err);
    }
    return leave_scope(s, scope, node, t.parent, err);
}

/* Whether token it runs one run of its node's loop (its scope is a run
** token at the same node), rather than arriving at the looping activity. */
static int in_loop_run(rt_step *s, const rt_item *it, int *yes, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    *yes = 0;
    if (!node_at(s, it->node)->loop || !it->scope) return SDM_OK;
    store_token t;
    int node;
    int rc = token_at(s, it->scope, &t, &node, err);
    if (!rc) *yes = node == it->node;
    return rc;
}

/* ---------- behaviours ---------- */

static int due_of(rt_step *s, const model_node *n, int64_t scope, int64_t *due, sdm_err *err) {
    char msg[256];
    clk_duration d;
    *due = 0;
    const char *spec = n->due_working ? n->due_working : n->due;
    if (n->due_expr) {
        char chunk[300], *out = NULL;
        chunk_name(s, n->id, chunk, sizeof chunk);
        int rc = lua_ready(s, n->id, scope, err);
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
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    char *assignee = n->assignee ? xstrdup(n->assignee) : NULL;
    sdm_err why = {0};
    int rc = SDM_OK;
    if (!assignee && n->assignee_expr) {
        char chunk[300];
        chunk_name(s, n->id, chunk, sizeof chunk);
        rc = lua_ready(s, n->id, it->scope, &why);
        if (!rc) rc = scr_eval_string(s->sc, n->assignee_expr, chunk, &assignee, &why);
    }
    if (!rc && !assignee && s->assign) rc = s->assign(s->assign_ctx, n, s->client, &assignee, &why);
    int64_t due = 0, task;
    wait_plan w = {0};
    if (!rc) rc = due_of(s, n, it->scope, &due, &why);
    if (!rc && !n->loop) rc = plan_waits(s, n, it->scope, &w, &why);    /* a loop's body holds them */
    if (rc) { free(assignee); return script_outcome(s, rc, it->token, it->node, "execute", &why, err); }
    rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
    if (!rc) rc = store_task_add(s->st, s->inst, it->token, n->id, n->name, n->role, assignee,
                                 s->now, due, &task, err);
    if (!rc) rc = history(s, it->token, n->id, "task-created",
                          detail("{s:I, s:s?, s:s?}", "task", (json_int_t)task, "assignee", assignee,
                                 "role", n->role), err);
    if (!rc) rc = add_waits(s, it->token, &w, err);
    if (!rc) rc = add_due_job(s, n, it->token, due, err);
    free(assignee);
    s->tasks_created++;
    return rc;
}

static int catch_from(rt_step *s, const model_node *thrower, int64_t token, int at, int64_t scope,
                      int *caught, int *interrupted, sdm_err *err);

static int script_task(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    char chunk[300];
    sdm_err why = {0};
    chunk_name(s, n->id, chunk, sizeof chunk);
    int rc = lua_ready(s, n->id, it->scope, &why);
    if (!rc) rc = n->kind == EL_TASK_SCRIPT ? scr_run(s->sc, n->script, chunk, &why)
                                            : scr_call(s->sc, n->handler, chunk, &why);
    if (!rc) rc = save_vars(s, &why);
    if (!rc) {                     /* deviation{} / notify{} from a script task */
        fx_ctx f = {.s = s, .n = n, .rule = n->id, .severity = "warning", .err = &why};
        rc = scr_effects(s->sc, on_effect, &f, &why);
    }
    if (rc == SDM_ERR_SCRIPT && scr_bpmn_error(s->sc) && n->nbnd) {   /* a business error: maybe caught */
        model_node thrown = *n;
        char code[128];
        int caught = 0, interrupted = 0;
        snprintf(code, sizeof code, "%s", scr_bpmn_error(s->sc));
        thrown.trigger = TR_ERROR;
        thrown.code = thrown.msg = code;
        s->vars_loaded = 0;            /* what the failed script assigned and raised is forgotten */
        int rc2 = scr_effects(s->sc, NULL, NULL, err);
        if (!rc2) rc2 = history(s, it->token, n->id, "error", detail("{s:s, s:s}", "code", code, "message", why.msg), err);
        if (!rc2) rc2 = catch_from(s, &thrown, it->token, it->node, it->scope, &caught, &interrupted, err);
        if (rc2 || caught) return rc2;
    }
    if (rc) return script_outcome(s, rc, it->token, it->node, "execute", &why, err);
    push(s, OP_LEAVE, it->token, it->node, it->flow, it->scope);
    return SDM_OK;
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
            chunk_name(s, fl->id, chunk, sizeof chunk);
            int rc = lua_ready(s, n->id, scope, why);
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
            int rc = budget_take(s, &s->proc->nodes[f->src], B_TOKEN, err);
            if (!rc) rc = store_token_add(s->st, s->inst, scope, s->proc->nodes[f->dst].id, "ready", f->id,
                                          s->now, &t, err);
            if (rc) return rc;
        }
        push(s, OP_ENTER, t, f->dst, flows[k], scope);
    }
    return SDM_OK;
}

/* A parallel join fires when a token waits on every incoming flow; it
** consumes the oldest token of each flow and continues with the oldest. */
static int parallel_join(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    int64_t *ids = NULL;
    char **flows = NULL;
    int nj = 0;
    int rc = store_token_set(s->st, it->token, n->id, "joining", flow_id(s, it->flow), err);
    if (!rc) rc = store_tokens_joining(s->st, s->inst, it->scope, n->id, &ids, &flows, &nj, err);
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
        if (!rc) push(s, OP_LEAVE, keep, it->node, -1, it->scope);
    }
    for (int j = 0; j < nj; j++) free(flows[j]);
    free(flows); free(ids); free(pick);
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

static int call_activity(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    sdm_err why = {0};
    wait_plan w = {0};
    char *vars = NULL;
    int rc = n->loop ? SDM_OK : plan_waits(s, n, it->scope, &w, &why);    /* a loop's body holds them */
    if (rc) return script_outcome(s, rc, it->token, it->node, "execute", &why, err);
    rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
    if (!rc) rc = add_waits(s, it->token, &w, err);
    if (!rc) rc = history(s, it->token, n->id, "call", detail("{s:s}", "process", n->called), err);
    if (!rc) rc = visible_vars(s, it->scope, &vars, err);
    if (rc) { free(vars); return rc; }
    char *given = mapped(vars, n->vin, n->nvin);
    rc = NESTED(s, n, &why, s->call(s->ctx, s, it->token, n, given, &why));
    free(given);
    free(vars);
    /* A process not deployed, or the client busy in it: the model's or the
    ** data's problem, so an incident the head can retry once it is fixed. */
    if (rc == SDM_ERR_NOTFOUND || rc == SDM_ERR_STATE || rc == SDM_ERR_MODEL) {
        err_prefix(&why, "callActivity '%s'", n->id);
        rc = end_wait(s, it->token, err);
        return rc ? rc : incident(s, it->token, it->node, "execute", &why, err);
    }
    if (rc) *err = why;
    return rc;
}

int rt_call_returned(rt_step *s, int64_t token, int64_t called, sdm_err *err) {
    store_token tok;
    char *vars = NULL;
    int node;
    int rc = token_at(s, token, &tok, &node, err);
    if (!rc) rc = store_vars_json(s->st, called, 0, &vars, err);
    char *back = rc ? NULL : mapped(vars, node_at(s, node)->vout, node_at(s, node)->nvout);
    if (!rc) rc = history(s, token, tok.node, "call-returned", detail("{s:I}", "instance", (json_int_t)called), err);
    if (!rc) rc = rt_set_vars(s, back, tok.parent, err);
    free(back);
    if (!rc) rc = end_wait(s, token, err);
    if (!rc) rc = store_token_set(s->st, token, tok.node, "ready", NULL, err);
    if (!rc) push(s, OP_LEAVE, token, node, -1, tok.parent);
    free(vars);
    return rc;
}

/* An event-based gateway: the token waits at the gateway for every event
** behind it at once; the first to happen takes it (rt_deliver, rt_fire),
** and ending the wait cancels the others. */
static int event_gateway(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    sdm_err why = {0};
    wait_plan w = {0};
    int rc = SDM_OK;
    for (int k = 0; k < n->nout && !rc && w.n < 32; k++) {
        const model_node *t = node_at(s, s->proc->flows[n->out[k]].dst);
        w.node[w.n] = s->proc->flows[n->out[k]].dst;
        w.due[w.n] = 0;
        rc = t->kind == EL_CATCH_TIMER ? timer_due(s, t, it->scope, NULL, 0, s->now, &w.due[w.n], &why) : SDM_OK;
        w.n++;
    }
    if (rc) return script_outcome(s, rc, it->token, it->node, "execute", &why, err);
    rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
    for (int k = 0; k < w.n && !rc; k++) {
        const model_node *t = node_at(s, w.node[k]);
        if (t->kind == EL_CATCH_TIMER)
            rc = w.due[k] ? store_job_add(s->st, "timer", s->inst, it->token, t->id, w.due[k], t->timer, 0, s->now, err)
                          : store_job_add(s->st, "timer", s->inst, it->token, t->id, s->now, t->timer, 0, s->now, err);
        else
            rc = store_sub_add(s->st, t->trigger == TR_SIGNAL ? "signal" : "message", t->msg, s->client, s->inst,
                               it->token, t->id, s->now, err);
    }
    return rc;
}

/* ---------- errors, escalations, compensation ---------- */

static int catches(const model_node *c, const model_node *thrower) {
    return c->trigger == thrower->trigger && (!c->code || (thrower->code && strcmp(c->code, thrower->code) == 0));
}

/* The catch the boundary event b of the activity `token` waits at makes:
** interrupting moves the token onto b's path, else a new token starts there. */
static int boundary_fire(rt_step *s, int64_t token, int64_t scope, int b, sdm_err *err) {
    sdm_assert(el_is(node_at(s, b)->kind, EK_BOUNDARY));
    const model_node *bn = node_at(s, b);
    int64_t t = token;
    int rc;
    if (bn->interrupting) {
        rc = interrupt(s, token, node_at(s, bn->attached), bn->id, err);
        if (!rc) rc = store_token_set(s->st, token, bn->id, "ready", NULL, err);
    } else {
        rc = token_new(s, scope, bn, "ready", NULL, &t, err);
    }
    if (!rc) push(s, OP_ENTER, t, b, -1, scope);
    return rc;
}

/* Who catches an error or escalation thrown by `thrower` while `token`
** (in `scope`) sits at node `at`: the activity's boundary events, then the
** event subprocesses of the scope, then the boundary events of the scope's
** own activity, and so outwards; at the process level, the caller. */
static int catch_from(rt_step *s, const model_node *thrower, int64_t token, int at, int64_t scope,
                      int *caught, int *interrupted, sdm_err *err) {
    *caught = *interrupted = 0;
    for (int depth = 0; depth < 64; depth++) {
        const model_node *a = at >= 0 ? node_at(s, at) : NULL;
        for (int k = 0; a && k < a->nbnd; k++) {
            const model_node *b = node_at(s, a->bnd[k]);
            if (b->kind != EL_BOUNDARY_EVENT || !catches(b, thrower)) continue;
            *caught = 1;
            *interrupted = b->interrupting;
            return boundary_fire(s, token, scope, a->bnd[k], err);
        }
        store_token t = {0};
        int tnode = -1, nev;
        const int *ev;
        int rc = scope_events(s, scope, &t, &tnode, &ev, &nev, err);
        if (rc) return rc;
        for (int k = 0; k < nev; k++) {
            const model_node *st = node_at(s, node_at(s, ev[k])->start);
            if (st->kind != EL_START_CATCH || !catches(st, thrower)) continue;
            *caught = 1;
            *interrupted = st->interrupting;
            return start_event_sub(s, scope, ev[k], err);
        }
        if (!scope) break;
        token = scope;
        at = tnode;
        scope = t.parent;
    }
    if (s->parent_inst && s->raised) {
        int rc = NESTED(s, thrower, err, s->raised(s->ctx, s, thrower, caught, interrupted, err));
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
    int rc = token_at(s, token, &t, &at, err);
    return rc ? rc : catch_from(s, thrower, token, at, t.parent, caught, interrupted, err);
}

/* An error or escalation is thrown at it->node. An escalation always
** reaches the deviation log (the head sees it) and goes on unless caught
** by an interrupting event; an error nobody catches is an incident. */
static int throw_catchable(rt_step *s, const rt_item *it, int *stopped, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    int caught = 0, interrupted = 0, rc = SDM_OK;
    *stopped = 0;
    if (n->trigger == TR_ESCALATION) {
        char msg[512];
        snprintf(msg, sizeof msg, "escalation '%s' raised at %s", n->msg, n->name ? n->name : n->id);
        fx_ctx f = {.s = s, .n = n, .rule = n->msg, .severity = "high", .scope = it->scope, .err = err};
        rc = raise_deviation(&f, "high", msg);
    }
    if (!rc) rc = history(s, it->token, n->id, n->trigger == TR_ERROR ? "error" : "escalation",
                          detail("{s:s?, s:s}", "code", n->code, "name", n->msg), err);
    if (!rc) rc = catch_from(s, n, it->token, -1, it->scope, &caught, &interrupted, err);
    if (rc) return rc;
    if (interrupted || s->ended) { *stopped = 1; return SDM_OK; }    /* the scope holding the token is gone */
    if (n->trigger == TR_ERROR && !caught) {
        sdm_err why = {0};
        err_set(&why, SDM_ERR_SCRIPT, s->file, n->line, n->id, "error '%s' thrown at '%s' is not caught",
                n->code ? n->code : n->msg, n->id);
        *stopped = 1;
        return incident(s, it->token, it->node, "execute", &why, err);
    }
    return SDM_OK;
}

/* A compensation throw runs the handlers of the activities of its scope
** that completed and are not compensated yet (or only of the one named),
** latest first; the throwing token waits as their scope until they end. */
typedef struct comp_item { int64_t done; int node; } comp_item;

static int cmp_comp(const void *x, const void *y) {
    const comp_item *a = x, *b = y;
    return (a->done < b->done) - (a->done > b->done);
}

static int compensate(rt_step *s, const rt_item *it, int *waiting, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    int scope_node = -1, rc = SDM_OK, nc = 0;
    *waiting = 0;
    if (it->scope) {
        store_token t;
        rc = token_at(s, it->scope, &t, &scope_node, err);
    }
    comp_item *c = xmalloc(sizeof *c * (size_t)(s->proc->nnode + 1));
    for (int i = 0; i < s->proc->nnode && !rc; i++) {
        const model_node *a = node_at(s, i);
        if (!a->compensable || a->parent != scope_node || (n->msg && strcmp(a->id, n->msg))) continue;
        int64_t left, undone;
        rc = store_last_event(s->st, s->inst, a->id, "leave", &left, err);
        if (!rc) rc = store_last_event(s->st, s->inst, a->id, "compensate", &undone, err);
        if (!rc && left > undone) c[nc++] = (comp_item){left, i};
    }
    if (!rc && nc) {
        qsort(c, (size_t)nc, sizeof *c, cmp_comp);
        rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
        for (int k = 0; k < nc && !rc; k++) {
            const model_node *a = node_at(s, c[k].node);
            int h = -1;
            for (int b = 0; b < a->nbnd && h < 0; b++)
                if (node_at(s, a->bnd[b])->trigger == TR_COMPENSATE) h = node_at(s, a->bnd[b])->comp;
            int64_t token;
            rc = history(s, it->token, a->id, "compensate", detail("{s:s}", "handler", node_at(s, h)->id), err);
            if (!rc) rc = token_new(s, it->token, node_at(s, h), "ready", NULL, &token, err);
            if (!rc) push(s, OP_ENTER, token, h, -1, it->token);
        }
        *waiting = 1;
    }
    free(c);
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
    const model_node *g = node_at(s, model_node_find(s->proc, t[j].node));
    int rc = SDM_OK;
    *keep = 0;
    for (int f = 0; !rc && f < g->nin; f++) {
        const char *want = s->proc->flows[g->in[f]].id;
        for (int k = 0; k < n && !rc; k++) {
            if (strcmp(t[k].node, t[j].node) || strcmp(t[k].state, "joining") || strcmp(t[k].flow, want) ||
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
    const model_node *g = node_at(s, join);
    int64_t activated, reset, keep;
    int rc = store_last_event(s->st, s->inst, g->id, "activated", &activated, err);
    if (!rc) rc = store_last_event(s->st, s->inst, g->id, "reset", &reset, err);
    if (rc) return rc;
    if (activated > reset) {                  /* absorbing what arrives after firing */
        int64_t scope = t[j].parent;
        for (int k = 0; k < n && !rc && !s->ended; k++) {
            if (!t[k].id || strcmp(t[k].node, g->id) || strcmp(t[k].state, "joining") || t[k].parent != scope) continue;
            rc = history(s, t[k].id, g->id, "absorbed", NULL, err);
            if (!rc) rc = consume(s, t[k].id, scope, g, err);
            t[k].id = 0;
            *fired = 1;
        }
        if (!rc && !blocked && !s->ended) rc = history(s, 0, g->id, "reset", NULL, err);
        return rc;
    }
    int count = 0, holds = 0;
    for (int k = 0; k < n; k++)
        count += t[k].id && !strcmp(t[k].node, g->id) && !strcmp(t[k].state, "joining") && t[k].parent == t[j].parent;
    char num[16];
    snprintf(num, sizeof num, "%d", count);
    sdm_err why = {0};
    rc = lua_ready(s, g->id, t[j].parent, &why);
    if (!rc) rc = scr_set_value(s->sc, "activationCount", num, &why);
    if (!rc) rc = eval_bool(s, g, g->activation, t[j].parent, &holds, &why);
    scr_set_value(s->sc, "activationCount", NULL, NULL);
    if (rc) return script_outcome(s, rc, t[j].id, join, "execute", &why, err);
    if (!holds) return SDM_OK;
    int64_t scope = t[j].parent;
    rc = join_take(s, t, n, j, 1, &keep, err);
    if (!rc) rc = history(s, keep, g->id, "activated", detail("{s:i}", "activationCount", count), err);
    if (!rc && !blocked) rc = history(s, 0, g->id, "reset", NULL, err);
    if (!rc) rc = store_token_set(s->st, keep, g->id, "ready", NULL, err);
    if (!rc) { push(s, OP_LEAVE, keep, join, -1, scope); *fired = 1; }
    return rc;
}

static int or_joins(rt_step *s, int *fired, sdm_err *err) {
    store_token *t = NULL;
    int n = 0, rc = store_tokens_at_rest(s->st, s->inst, &t, &n, err);
    *fired = 0;
    for (int j = 0; !rc && j < n && !*fired && !s->ended; j++) {
        int join = t[j].id ? model_node_find(s->proc, t[j].node) : -1;
        if (join < 0 || strcmp(t[j].state, "joining")) continue;
        el_kind kind = node_at(s, join)->kind;
        if (!el_is(kind, EK_OR_JOIN)) continue;
        int blocked = 0;
        for (int k = 0; k < n && !blocked; k++) {
            const store_token *x = t[k].id ? in_scope(t, n, &t[k], t[j].parent) : NULL;
            if (!x || (strcmp(x->node, t[j].node) == 0 && strcmp(x->state, "joining") == 0)) continue;
            int at = model_node_find(s->proc, x->node);
            blocked = at >= 0 && model_can_reach(s->proc, at, join);
        }
        if (kind == EL_GW_COMPLEX) { rc = complex_join(s, t, n, j, blocked, fired, err); continue; }
        if (blocked) continue;
        int64_t keep, scope = t[j].parent;
        rc = join_take(s, t, n, j, 0, &keep, err);
        if (!rc) rc = store_token_set(s->st, keep, node_at(s, join)->id, "ready", NULL, err);
        if (!rc) { push(s, OP_LEAVE, keep, join, -1, scope); *fired = 1; }
    }
    free(t);
    return rc;
}

/* ---------- messages and signals ---------- */

static int wait_event(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    sdm_err why = {0};
    wait_plan w = {0};
    int rc = n->kind == EL_RECEIVE && !n->loop ? plan_waits(s, n, it->scope, &w, &why) : SDM_OK;
    if (rc) return script_outcome(s, rc, it->token, it->node, "execute", &why, err);
    rc = store_token_set(s->st, it->token, n->id, "waiting", flow_id(s, it->flow), err);
    if (!rc) rc = store_sub_add(s->st, n->trigger == TR_MESSAGE ? "message" : "signal", n->msg, s->client, s->inst,
                                it->token, n->id, s->now, err);
    if (!rc) rc = add_waits(s, it->token, &w, err);
    return rc;
}

static int throw_event(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    int rc, stopped = 0;
    if (n->trigger == TR_ESCALATION || n->trigger == TR_ERROR) {
        rc = throw_catchable(s, it, &stopped, err);
    } else if (n->trigger == TR_COMPENSATE) {
        rc = compensate(s, it, &stopped, err);
    } else {
        rc = history(s, it->token, n->id, n->trigger == TR_MESSAGE ? "message-sent" : "signal-sent",
                     detail("{s:s}", "name", n->msg), err);
        if (!rc) rc = NESTED(s, n, err, s->thrown(s->ctx, s, n, err));
        stopped = s->cur_dead;      /* a signal this instance caught cut the thrower off */
    }
    if (rc || stopped) return rc;
    if (n->kind == EL_END_THROW) return consume(s, it->token, it->scope, n, err);
    push(s, OP_LEAVE, it->token, it->node, it->flow, it->scope);
    return SDM_OK;
}

/* A subscription's event happened. At a catch event or receive task the
** token goes on (when it waited at an event-based gateway, it first
** enters the event that won); on a boundary, the boundary path starts;
** at an event subprocess's start, that subprocess starts. */
int rt_deliver(rt_step *s, const store_sub *sub, const char *vars_json, sdm_err *err) {
    int node = model_node_find(s->proc, sub->node);
    if (node < 0) return SDM_CORRUPT_BKPT(err, "a subscription at a node the model does not have");
    const model_node *n = node_at(s, node);
    store_token tok = {0};
    int at = -1, rc = SDM_OK;
    if (sub->token_id) rc = token_at(s, sub->token_id, &tok, &at, err);
    int event_sub = n->parent >= 0 && node_at(s, n->parent)->triggered && node_at(s, n->parent)->start == node;
    if (!rc) rc = rt_set_vars(s, vars_json, event_sub ? sub->token_id : tok.parent, err);
    if (!rc) rc = history(s, sub->token_id, n->id, sub->kind, detail("{s:s}", "name", sub->name), err);
    if (rc) return rc;
    if (event_sub) {
        if (n->interrupting) rc = store_waits_delete(s->st, s->inst, sub->token_id, n->id, err);
        return rc ? rc : start_event_sub(s, sub->token_id, n->parent, err);
    }
    if (n->kind == EL_BOUNDARY_EVENT) return boundary_fire(s, sub->token_id, tok.parent, node, err);
    rc = end_wait(s, sub->token_id, err);
    if (!rc && at != node) rc = history(s, sub->token_id, n->id, "enter", NULL, err);
    if (!rc) rc = store_token_set(s->st, sub->token_id, n->id, "ready", NULL, err);
    if (!rc) push(s, OP_LEAVE, sub->token_id, node, -1, tok.parent);
    return rc;
}

/* ---------- the operations ---------- */

static int op_enter(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    int rc = history(s, it->token, n->id, "enter",
                     it->flow >= 0 ? detail("{s:s}", "flow", flow_id(s, it->flow)) : NULL, err);
    if (!rc && n->ncp) rc = checkpoints(s, it->node, it->token, it->scope, CP_ENTER, err);
    if (!rc) push(s, OP_EXECUTE, it->token, it->node, it->flow, it->scope);
    return rc;
}

static void pass(rt_step *s, const rt_item *it) { push(s, OP_LEAVE, it->token, it->node, it->flow, it->scope); }

static int op_execute(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    if (n->loop) {
        int run;
        int rc = in_loop_run(s, it, &run, err);
        if (rc) return rc;
        if (!run) return loop_begin(s, it, err);
    }
    switch (n->kind) {
    case EL_START: case EL_THROW_NONE: case EL_TASK: case EL_TASK_MANUAL:
    case EL_GW_EXCLUSIVE: case EL_BOUNDARY_TIMER: case EL_BOUNDARY_EVENT:
    case EL_START_MESSAGE: case EL_START_TIMER: case EL_START_SIGNAL: case EL_START_CATCH:
    case EL_LINK_CATCH:
        pass(s, it);
        return SDM_OK;
    case EL_GW_PARALLEL:
        if (n->nin > 1) return parallel_join(s, it, err);
        pass(s, it);
        return SDM_OK;
    case EL_GW_INCLUSIVE: case EL_GW_COMPLEX:
        if (n->nin > 1)            /* decided when every token rests: see or_joins() */
            return store_token_set(s->st, it->token, n->id, "joining", flow_id(s, it->flow), err);
        pass(s, it);
        return SDM_OK;
    case EL_GW_EVENT:
        return event_gateway(s, it, err);
    case EL_END:
        return consume(s, it->token, it->scope, n, err);
    case EL_END_TERMINATE:
        return terminate(s, it->token, it->scope, n, err);
    case EL_TASK_USER:
        return user_task(s, it, err);
    case EL_TASK_SCRIPT: case EL_TASK_SERVICE:
        return script_task(s, it, err);
    case EL_CATCH_TIMER:
        return wait_timer(s, it, err);
    case EL_CALL:
        return call_activity(s, it, err);
    case EL_SUBPROCESS:
        return subprocess(s, it, err);
    case EL_CATCH_EVENT: case EL_RECEIVE:
        return wait_event(s, it, err);
    case EL_THROW_EVENT: case EL_END_THROW:
        return throw_event(s, it, err);
    case EL_LINK_THROW: {
        int rc = history(s, it->token, n->id, "leave", NULL, err);
        if (!rc) push(s, OP_ENTER, it->token, n->link, -1, it->scope);
        return rc;
    }
    case EL_UNSUPPORTED: case EL__COUNT: break;
    }
    sdm_panic("unknown element kind in op_execute");
}

static int op_leave(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(item_ok(s, it));
    const model_node *n = node_at(s, it->node);
    int run = 0;
    int rc = in_loop_run(s, it, &run, err);
    if (!rc) rc = history(s, it->token, n->id, "leave", run ? detail("{s:b}", "run", 1) : NULL, err);
    if (!rc && n->ncp && !run) rc = checkpoints(s, it->node, it->token, it->scope, CP_LEAVE, err);
    if (!rc && n->informed && !run) rc = regdoc_inform(s, n, err);     /* sdm:informed roles are told */
    if (rc) return rc;
    if (run || n->nout == 0) return consume(s, it->token, it->scope, n, err);   /* a loop run, or an implicit end */
    int *chosen = xmalloc(sizeof(int) * (size_t)n->nout), nchosen = 0;
    sdm_err why = {0};
    if (n->kind == EL_GW_PARALLEL) {
        for (int k = 0; k < n->nout; k++) chosen[nchosen++] = n->out[k];
    } else {
        rc = select_flows(s, n, it->scope, n->kind == EL_GW_EXCLUSIVE, chosen, &nchosen, &why);
        if (!rc) rc = save_vars(s, &why);
    }
    if (rc) rc = script_outcome(s, rc, it->token, it->node, "leave", &why, err);
    else rc = take(s, it->token, it->scope, chosen, nchosen, err);
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

/* Every operation counts against the step's budget (rt_budget): a model
** looping without ever waiting, or forking without end, would otherwise
** hold the write lock forever. A real step takes a few dozen. */
static int drain_queue(rt_step *s, sdm_err *err) {
    while (s->qhead < s->qn) {
        rt_item it = s->q[s->qhead++];
        int rc;
        s->cur = it.token;
        s->cur_dead = 0;
        if (it.op != OP_DEAD && (rc = budget_take(s, node_at(s, it.node), B_OP, err))) return rc;
        switch (it.op) {
        case OP_ENTER: rc = op_enter(s, &it, err); break;
        case OP_EXECUTE: rc = op_execute(s, &it, err); break;
        case OP_LEAVE: rc = op_leave(s, &it, err); break;
        case OP_DEAD: rc = SDM_OK; break;
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
                                 : "process '%s' has no none start event; it starts by its timer, a message or a signal",
                       p->id, p->nstart);
    return rt_start_at(s, p->starts[0], vars_json, err);
}

int rt_start_at(rt_step *s, int start, const char *vars_json, sdm_err *err) {
    const model_proc *p = s->proc;
    int64_t token;
    wait_plan w = {0};
    int rc = history(s, 0, NULL, "start", NULL, err);
    if (!rc) rc = rt_set_vars(s, vars_json, 0, err);
    if (!rc) rc = plan_event_subs(s, p->evsubs, p->nevsub, 0, &w, err);   /* the process level's event subprocesses */
    if (!rc) rc = add_waits(s, 0, &w, err);
    if (!rc) rc = token_new(s, 0, &p->nodes[start], "ready", NULL, &token, err);
    if (rc) return rc;
    push(s, OP_ENTER, token, start, -1, 0);
    return rt_drain(s, err);
}

int rt_complete(rt_step *s, const store_task *task, const char *vars_json, sdm_err *err) {
    if (strcmp(task->state, "open") != 0)
        return err_set(err, SDM_ERR_STATE, NULL, 0, task->node, "task %lld is already %s",
                       (long long)task->id, task->state);
    store_token tok;
    int node;
    int rc = token_at(s, task->token_id, &tok, &node, err);
    if (rc == SDM_ERR_NOTFOUND || (!rc && strcmp(tok.node, task->node) != 0))
        return SDM_CORRUPT_BKPT(err, "an open task's token is not at the task's node");
    if (rc) return rc;
    rc = store_task_close(s->st, task->id, "completed", s->now, s->actor, err);
    if (!rc) rc = end_wait(s, task->token_id, err);
    if (!rc) rc = history(s, task->token_id, task->node, "task-completed",
                          detail("{s:I}", "task", (json_int_t)task->id), err);
    if (!rc) rc = rt_set_vars(s, vars_json, tok.parent, err);
    if (rc) return rc;
    push(s, OP_LEAVE, task->token_id, node, -1, tok.parent);
    return rt_drain(s, err);
}

int rt_retry(rt_step *s, const store_incident *inc, sdm_err *err) {
    if (strcmp(inc->state, "open") != 0)
        return err_set(err, SDM_ERR_STATE, NULL, 0, inc->node, "incident %lld is already %s",
                       (long long)inc->id, inc->state);
    store_token tok;
    int node;
    if (!inc->token_id) {         /* a step stopped by its budget: nothing stored to resume */
        int rc = store_incident_resolve(s->st, inc->id, s->now, s->actor, err);
        return rc ? rc : history(s, 0, inc->node, "retry", detail("{s:I}", "incident", (json_int_t)inc->id), err);
    }
    int rc = token_at(s, inc->token_id, &tok, &node, err);
    if (rc) return rc;
    rc = store_incident_resolve(s->st, inc->id, s->now, s->actor, err);
    if (!rc) rc = store_token_set(s->st, inc->token_id, inc->node, "ready", NULL, err);
    if (!rc) rc = history(s, inc->token_id, inc->node, "retry",
                          detail("{s:I}", "incident", (json_int_t)inc->id), err);
    if (rc) return rc;
    push(s, strcmp(inc->phase, "leave") == 0 ? OP_LEAVE : OP_EXECUTE, inc->token_id, node, -1, tok.parent);
    return rt_drain(s, err);
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
    const model_node *n = node_at(s, node);
    store_token tok = {0};
    int at = -1;
    int rc = job->token_id ? token_at(s, job->token_id, &tok, &at, err) : SDM_OK;
    if (!rc && strcmp(job->kind, "boundary") == 0) {
        rc = history(s, job->token_id, n->id, "timer", detail("{s:i}", "fired", job->fired + 1), err);
        if (!rc) rc = n->interrupting ? SDM_OK : rearm(s, job, n, tok.parent, err);
        if (!rc) rc = boundary_fire(s, job->token_id, tok.parent, node, err);
    } else if (!rc && strcmp(job->kind, "event") == 0) {
        rc = history(s, job->token_id, n->id, "timer", detail("{s:i}", "fired", job->fired + 1), err);
        if (!rc) rc = n->interrupting ? store_job_delete(s->st, job->id, err) : rearm(s, job, n, job->token_id, err);
        if (!rc) rc = start_event_sub(s, job->token_id, n->parent, err);
    } else if (!rc) {
        rc = store_job_delete(s->st, job->id, err);
        if (!rc && strcmp(job->kind, "timer") == 0) {
            rc = end_wait(s, job->token_id, err);        /* an event-based gateway's other events */
            if (!rc && at != node) rc = history(s, job->token_id, n->id, "enter", NULL, err);
            if (!rc) rc = history(s, job->token_id, job->node, "timer", NULL, err);
            if (!rc) rc = store_token_set(s->st, job->token_id, job->node, "ready", NULL, err);
            if (!rc) push(s, OP_LEAVE, job->token_id, node, -1, tok.parent);
        } else if (!rc && strcmp(job->kind, "due") == 0) {
            rc = checkpoints(s, node, job->token_id, tok.parent, CP_DUE, err);
        } else if (!rc) {
            return SDM_CORRUPT_BKPT(err, "a job of unknown kind");
        }
    }
    return rc ? rc : rt_drain(s, err);
}
