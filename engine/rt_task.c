/*
** rt_task.c — tasks: a user task (assignee, due date in working time, the
** waits it arms) and script or service tasks (Lua, their effects, a
** business error a boundary event may catch).
**
** Must not pick the assignee by the organisation's rules: the step's
** `assign` hook (org.c) does.
*/
#include <string.h>
#include <jansson.h>
#include "rt_int.h"

static int due_of(rt_step *s, const model_node *n, int64_t scope, int64_t *due, sdm_err *err) {
    char msg[256];
    clk_duration d;
    *due = 0;
    const char *spec = n->due_working ? n->due_working : n->due;
    if (n->due_expr) {
        char *out = NULL;
        int rc = rt_eval_string(s, n, n->due_expr, scope, &out, err);
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

int rt_user_task(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    char *assignee = n->assignee ? xstrdup(n->assignee) : NULL;
    sdm_err why = {0};
    int rc = SDM_OK;
    if (!assignee && n->assignee_expr) rc = rt_eval_string(s, n, n->assignee_expr, it->scope, &assignee, &why);
    if (!rc && !assignee && s->assign) rc = s->assign(s->assign_ctx, n, s->client, &assignee, &why);
    int64_t due = 0, task;
    rt_wait_plan w = {0};
    if (!rc) rc = due_of(s, n, it->scope, &due, &why);
    if (!rc && !n->loop) rc = rt_plan_waits(s, n, it->scope, &w, &why);    /* a loop's body holds them */
    if (rc) { free(assignee); return rt_script_outcome(s, rc, it->token, it->node, PHASE_EXECUTE, &why, err); }
    rc = store_task_add(s->st, s->inst, it->token, n->id, n->name, n->role, assignee, s->now, due, &task, err);
    if (!rc) rc = store_token_wait_task(s->st, it->token, n->id, rt_flow_id(s, it->flow), task, err);
    if (!rc) rc = rt_history(s, it->token, n->id, "task-created",
                          rt_detail("{s:I, s:s?, s:s?}", "task", (json_int_t)task, "assignee", assignee,
                                 "role", n->role), err);
    if (!rc) rc = rt_add_waits(s, it->token, &w, err);
    if (!rc) rc = rt_add_due_job(s, n, it->token, due, err);
    free(assignee);
    s->tasks_created++;
    return rc;
}

int rt_script_task(rt_step *s, const rt_item *it, sdm_err *err) {
    sdm_assert(rt_item_ok(s, it));
    const model_node *n = rt_node(s, it->node);
    char chunk[300];
    sdm_err why = {0};
    rt_chunk_name(s, n->id, chunk, sizeof chunk);
    int rc = rt_lua_ready(s, n->id, it->scope, &why);
    if (!rc) rc = n->kind == EL_TASK_SCRIPT ? scr_run(s->sc, n->script, chunk, &why)
                                            : scr_call(s->sc, n->handler, chunk, &why);
    if (!rc) rc = rt_save_vars(s, &why);
    if (!rc) {                     /* deviation{} / notify{} from a script task */
        rt_fx f = {.s = s, .n = n, .rule = n->id, .severity = "warning", .err = &why};
        rc = scr_effects(s->sc, rt_on_effect, &f, &why);
    }
    if (rc == SDM_ERR_SCRIPT && scr_bpmn_error(s->sc) && n->nbnd) {   /* a business error: maybe caught */
        model_node thrown = *n;
        char code[128];
        int caught = 0, interrupted = 0;
        snprintf(code, sizeof code, "%s", scr_bpmn_error(s->sc));
        thrown.trigger = TR_ERROR;
        thrown.code = thrown.event_name = code;
        s->vars_loaded = 0;            /* what the failed script assigned and raised is forgotten */
        int rc2 = scr_effects(s->sc, NULL, NULL, err);
        if (!rc2) rc2 = rt_history(s, it->token, n->id, "error", rt_detail("{s:s, s:s}", "code", code, "message", why.msg), err);
        if (!rc2) rc2 = rt_catch_from(s, &thrown, it->token, it->node, it->scope, &caught, &interrupted, err);
        if (rc2 || caught) return rc2;
    }
    if (rc) return rt_script_outcome(s, rc, it->token, it->node, PHASE_EXECUTE, &why, err);
    rt_push(s, OP_LEAVE, it->token, it->node, it->flow, it->scope);
    return SDM_OK;
}
