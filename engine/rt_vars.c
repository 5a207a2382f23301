/*
** rt_vars.c — variables and Lua for the runtime: what a scope sees (the
** instance's variables overlaid by each enclosing scope's), where a write
** goes, the sandbox made ready once per step and scope, conditions and
** expressions evaluated, and incidents: a failure of the model or its data
** that leaves a token resting instead of stopping the step.
**
** Must not decide where tokens go.
*/
#include <string.h>
#include <jansson.h>
#include "rt_int.h"

/* What scope `scope` sees: the instance's variables overlaid by those of
** each enclosing scope, innermost last. s->owners records, for that
** scope, which scope token holds each local name (stored or declared as a
** subprocess's dataObject), so a write goes back where the name lives. */
int rt_visible_vars(rt_step *s, int64_t scope, char **out, sdm_err *err) {
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
        for (int k = 0; n >= 0 && k < rt_node(s, n)->nlocal; k++)
            json_object_set_new(owners, rt_node(s, n)->locals[k], json_integer((json_int_t)chain[d]));
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
    char *d = scope ? rt_detail("{s:s, s:O, s:I}", "name", name, "value", value, "scope", (json_int_t)scope)
                    : rt_detail("{s:s, s:O}", "name", name, "value", value);
    return rt_history(s, 0, NULL, "variable", d, err);
}

static int store_changed_var(void *ctx, const char *name, const char *json) {
    rt_step *s = ctx;
    s->cond_dirty = s->proc->nconditional > 0;
    json_t *v = json ? json_loads(json, JSON_DECODE_ANY, NULL) : json_null();
    int rc = write_var(s, name, json, v ? v : json_null(), NULL);
    json_decref(v);
    return rc;
}

/* Prepare the sandbox for Lua at node `n` in `scope`: the variables that
** scope sees (loaded once per step and scope) and the context. */
int rt_lua_ready(rt_step *s, const char *node, int64_t scope, sdm_err *err) {
    if (!s->vars_loaded || s->vars_scope != scope) {
        char *json = NULL;
        int rc = rt_visible_vars(s, scope, &json, err);
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
int rt_save_vars(rt_step *s, sdm_err *err) {
    return s->vars_loaded ? scr_vars_changed(s->sc, store_changed_var, s, err) : SDM_OK;
}

void rt_chunk_name(rt_step *s, const char *id, char *buf, size_t n) {
    const char *base = s->file ? strrchr(s->file, '/') : NULL;
    snprintf(buf, n, "%s:%s", base ? base + 1 : (s->file ? s->file : "model"), id);
}

/* The sandbox ready for Lua of node n in scope, and its chunk name. */
static int lua_at(rt_step *s, const model_node *n, int64_t scope, char *chunk, size_t len, sdm_err *why) {
    rt_chunk_name(s, n->id, chunk, len);
    return rt_lua_ready(s, n->id, scope, why);
}

/* Evaluate Lua `code` of node n in scope, to JSON (NULL for nil). */
int rt_eval_json(rt_step *s, const model_node *n, const char *code, int64_t scope, char **out, sdm_err *why) {
    char chunk[300];
    int rc = lua_at(s, n, scope, chunk, sizeof chunk, why);
    if (!rc) rc = scr_eval_json(s->sc, code, chunk, out, why);
    if (!rc) rc = rt_save_vars(s, why);
    return rc;
}

int rt_eval_bool(rt_step *s, const model_node *n, const char *code, int64_t scope, int *out, sdm_err *why) {
    char chunk[300];
    int rc = lua_at(s, n, scope, chunk, sizeof chunk, why);
    if (!rc) rc = scr_eval_bool(s->sc, code, chunk, out, why);
    if (!rc) rc = rt_save_vars(s, why);
    return rc;
}

/* A value expression (timer, due date, assignee) to a string (NULL for
** nil). What it assigns is stored at the step's next save, as before. */
int rt_eval_string(rt_step *s, const model_node *n, const char *code, int64_t scope, char **out, sdm_err *why) {
    char chunk[300];
    int rc = lua_at(s, n, scope, chunk, sizeof chunk, why);
    return rc ? rc : scr_eval_string(s->sc, code, chunk, out, why);
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
        rc = rt_visible_vars(s, scope, &seen, err);
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
    if (json_object_size(o)) s->cond_dirty = s->proc->nconditional > 0;
    json_decref(o);
    s->vars_loaded = 0;     /* the sandbox copy and its owners are stale now */
    return rc;
}

/* A failure of the model or its data, not of the engine: the token rests
** with an incident and the step goes on with other tokens. */
int rt_incident(rt_step *s, int64_t token, int node, incident_phase phase, const sdm_err *why,
                    sdm_err *err) {
    const model_node *n = rt_node(s, node);
    int64_t id;
    int rc = store_token_set(s->st, token, n->id, TOKEN_INCIDENT, NULL, err);
    if (!rc) rc = store_incident_add(s->st, s->inst, token, n->id, phase, why->msg, s->now, &id, err);
    if (!rc) rc = rt_history(s, token, n->id, "incident",
                          rt_detail("{s:I, s:s}", "incident", (json_int_t)id, "message", why->msg), err);
    if (!rc) rc = rt_tell_incident(s, id, n, why->msg, err);
    s->incidents++;
    s->last_incident = id;
    return rc;
}

/* Map a Lua failure to an incident; pass engine failures up. */
int rt_script_outcome(rt_step *s, int rc, int64_t token, int node, incident_phase phase,
                          const sdm_err *why, sdm_err *err) {
    if (rc == SDM_ERR_SCRIPT || rc == SDM_ERR_NOMEM) {
        s->vars_loaded = 0;        /* forget what the failed script assigned and raised */
        int rc2 = scr_effects(s->sc, NULL, NULL, err);
        return rc2 ? rc2 : rt_incident(s, token, node, phase, why, err);
    }
    if (rc) { if (err && why != err) *err = *why; return rc; }
    return SDM_OK;
}

/* The step was rolled back for its budget; the caller has begun a fresh
** transaction. The node is the one where the budget ran out. */
int rt_step_incident(rt_step *s, incident_phase phase, const sdm_err *why, int64_t *incident_id, sdm_err *err) {
    int node = model_node_find(s->proc, why->element);
    const model_node *n = node >= 0 ? rt_node(s, node) : NULL;
    const char *at = n ? n->id : s->proc->id;
    int rc = store_incident_add(s->st, s->inst, 0, at, phase, why->msg, s->now, incident_id, err);
    if (!rc) rc = rt_history(s, 0, at, "incident",
                          rt_detail("{s:I, s:s}", "incident", (json_int_t)*incident_id, "message", why->msg), err);
    if (!rc && n) rc = rt_tell_incident(s, *incident_id, n, why->msg, err);
    return rc;
}

int rt_start_incident(rt_step *s, int start, const char *vars_json, const sdm_err *why, int64_t *incident_id,
                      sdm_err *err) {
    int64_t token;
    int rc = rt_history(s, 0, NULL, "start", NULL, err);
    if (!rc) rc = rt_set_vars(s, vars_json, 0, err);
    if (!rc) rc = store_token_add(s->st, s->inst, 0, rt_node(s, start)->id, TOKEN_READY, NULL, s->now, &token, err);
    if (!rc) rc = rt_incident(s, token, start, PHASE_EXECUTE, why, err);
    if (!rc) *incident_id = s->last_incident;
    return rc;
}
