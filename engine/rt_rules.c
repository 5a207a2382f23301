/*
** rt_rules.c — checkpoints and their effects: Lua rules on a step's enter,
** leave or due date, the deviations they raise (logged, told to the
** responsible head, else to those responsible for the step), the
** notifications scripts send, and the message an incident sends.
**
** Must not move tokens: a failing rule becomes a deviation, never stops
** the client's process.
*/
#include <string.h>
#include <ctype.h>
#include <jansson.h>
#include "rt_int.h"
#include "notice.h"

static const char *assignee_of(const rt_fx *f) {
    return f->task && f->task->assignee[0] ? f->task->assignee : NULL;
}

static int queue_message(void *ctx, out_channel channel, const char *address) {
    rt_fx *f = ctx;
    f->told++;
    return store_outbox_add(f->s->st, channel, address, f->subject, f->body, f->s->now, f->s->inst,
                            f->deviation, f->err);
}

/* A deviation's recipients each read its body in their own language
** (notice.c): the facts a head needs -- whose client, which step, who has
** it, when it was due and how late it is now, the task's page. */
typedef struct dev_told { rt_fx *f; notice n; const char *msg; } dev_told;

static int queue_deviation(void *ctx, out_channel channel, const char *address) {
    dev_told *d = ctx;
    rt_fx *f = d->f;
    char *body = notice_deviation(f->s->st, &d->n, d->msg, notice_lang(f->s->st, address, f->s->lang));
    f->body = body;
    int rc = queue_message(f, channel, address);
    f->body = NULL;
    free(body);
    return rc;
}

/* A deviation is logged and told, in-app, to the responsible manager's head. */
int rt_raise_deviation(rt_fx *f, const char *severity, const char *msg) {
    rt_step *s = f->s;
    int64_t id;
    int rc = store_deviation_add(s->st, s->inst, f->n->id, f->task ? f->task->id : 0, assignee_of(f),
                                 f->rule, severity, msg, s->now, &id, f->err);
    if (!rc) rc = rt_history(s, 0, f->n->id, "deviation",
                          rt_detail("{s:I, s:s, s:s, s:s}", "deviation", (json_int_t)id, "rule", f->rule,
                                 "severity", severity, "message", msg), f->err);
    if (rc) return rc;
    char subject[300];
    snprintf(subject, sizeof subject, "[%s] %s", severity, msg);
    dev_told d = {f, {.client = s->client, .process = s->proc && s->proc->name ? s->proc->name : s->proc ? s->proc->id : NULL,
                      .step = f->n->name && *f->n->name ? f->n->name : f->n->id, .assignee = assignee_of(f),
                      .inst = s->inst, .task = f->task ? f->task->id : 0, .due_at = f->task ? f->task->due_at : 0,
                      .now = s->now, .tz = clk_calendar_tz(s->cal), .base_url = s->base_url}, msg};
    f->deviation = id;
    f->subject = subject;
    f->told = 0;
    rc = store_recipients(s->st, "head", assignee_of(f), queue_deviation, &d, f->err);
    /* nobody assigned, or no head: those responsible for the step still hear */
    if (!rc && !f->told) rc = store_responsible(s->st, f->n->role, s->client, queue_deviation, &d, f->err);
    f->deviation = 0;
    return rc;
}

int rt_on_effect(void *ctx, const char *kind, const char *json) {
    rt_fx *f = ctx;
    json_t *j = json_loads(json, 0, NULL);
    const char *sev = json_string_value(json_object_get(j, "severity"));
    int rc;
    if (kind && strcmp(kind, "deviation") == 0) {
        rc = rt_raise_deviation(f, sev ? sev : f->severity, json_string_value(json_object_get(j, "message")));
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
int rt_tell_incident(rt_step *s, int64_t id, const model_node *n, const char *msg, sdm_err *err) {
    char subject[600];
    snprintf(subject, sizeof subject, "[incident %lld] %s, client %s: %s", (long long)id, s->proc->id,
             s->client, n->name ? n->name : n->id);
    char *body = xasprintf("Client: %s\nProcess: %s\nStep: %s (%s)\nError: %s\n\n"
                           "When the cause is fixed: sdm retry %lld", s->client, s->proc->id,
                           n->name ? n->name : n->id, n->id, msg, (long long)id);
    rt_fx f = {.s = s, .n = n, .subject = subject, .body = body, .err = err};
    int rc = store_responsible(s->st, n->role, s->client, queue_message, &f, err);
    free(body);
    return rc;
}

static char *task_json(const store_task *t) {
    if (!t) return NULL;
    return rt_detail("{s:I, s:s?, s:I, s:I}", "id", (json_int_t)t->id,
                  "assignee", t->assignee[0] ? t->assignee : NULL, "due", (json_int_t)t->due_at,
                  "created", (json_int_t)t->created_at);
}

/* One rule. Its own failure must not stop the client's process: it becomes
** a deviation of severity "error" that names the rule and Lua's message. */
static int run_rule(rt_step *s, rt_fx *f, const model_checkpoint *cp, sdm_err *err) {
    char chunk[300], *tj = task_json(f->task);
    sdm_err why = {0};
    rt_chunk_name(s, f->rule, chunk, sizeof chunk);
    f->err = &why;
    int rc = rt_lua_ready(s, f->n->id, f->scope, &why);
    if (!rc) rc = scr_set_value(s->sc, "task", tj, &why);
    if (!rc) {                     /* the path so far, for rules that ask what was done */
        char *hj = NULL;
        rc = store_history_json(s->st, s->inst, &hj, &why);
        if (!rc) rc = scr_set_value(s->sc, "history", hj, &why);
        free(hj);
    }
    if (!rc) rc = cp->file ? scr_run_file(s->sc, cp->file, chunk, &why) : scr_run(s->sc, cp->code, chunk, &why);
    if (!rc) rc = rt_save_vars(s, &why);
    if (!rc) rc = scr_effects(s->sc, rt_on_effect, f, &why);
    free(tj);
    f->err = err;
    if (!rc) return SDM_OK;
    if (rc != SDM_ERR_SCRIPT && rc != SDM_ERR_NOMEM) { *err = why; return rc; }
    char msg[1200];
    s->vars_loaded = 0;            /* forget what the failed rule assigned */
    snprintf(msg, sizeof msg, "checkpoint rule '%s' failed: %s", f->rule, why.msg);
    rc = scr_effects(s->sc, NULL, NULL, err);
    return rc ? rc : rt_raise_deviation(f, "error", msg);
}

int rt_checkpoints(rt_step *s, int node, int64_t token, int64_t scope, int when, sdm_err *err) {
    const model_node *n = rt_node(s, node);
    store_task task;
    int have_task = 0, rc = SDM_OK;
    for (int i = 0; i < n->ncp && !rc; i++) {
        const model_checkpoint *cp = &n->cps[i];
        if (!(cp->on & when)) continue;
        if (!have_task && n->kind == EL_TASK_USER) {
            rc = store_task_of_token(s->st, s->inst, token, n->id, &task, err);
            if (rc == SDM_ERR_NOTFOUND) rc = SDM_OK; else if (!rc) have_task = 1;
            if (rc) break;
        }
        rt_fx f = {.s = s, .n = n, .task = have_task ? &task : NULL, .rule = cp->id ? cp->id : n->id,
                    .severity = cp->severity, .scope = scope, .err = err};
        rc = run_rule(s, &f, cp, err);
    }
    return rc;
}
