/*
** script.h — the Lua sandbox: conditions, script tasks, service-task
** handlers and variable conversion between JSON and Lua.
**
** One scr per engine handle. Variables of the instance being stepped are
** loaded into it (scr_vars_load), scripts read and assign them as globals,
** and scr_vars_changed reports what a script changed, as JSON. Each load
** starts a fresh view: nothing a script of one instance set (globals,
** metatables, module state) is seen by the next. Reading a global that no
** variable, context value or library defines is an error naming it.
*/
#ifndef SDM_SCRIPT_H
#define SDM_SCRIPT_H
#include "sdm.h"

typedef struct scr scr;

typedef int (*scr_var_cb)(void *ctx, const char *name, const char *json /* NULL: deleted */);

/* Limits of every call: `instructions` (0: 10,000,000), `memory` for the
** whole state (0: 64 MiB; one value at most a quarter of it and 16 MiB),
** `timeout_ms` of wall-clock time (0: 1000), C library calls included. */
scr *scr_open(const char *scripts_dir, long instructions, size_t memory, int timeout_ms);
void scr_close(scr *s);

/* Syntax check without running; `expr` compiles as a condition. */
int scr_check(scr *s, const char *code, int expr, const char *chunk, sdm_err *err);

/* The context a script sees besides variables: client key, instance id,
** node id. Strings are copied. */
int scr_set_context(scr *s, const char *client, long long instance, const char *node, sdm_err *err);

/* Replace the loaded variables with one JSON object {"name": value, ...}. */
int scr_vars_load(scr *s, const char *json_object, sdm_err *err);
/* Merge a JSON object into the loaded variables (from the API, not a script);
** the merged names count as changed. */
int scr_vars_merge(scr *s, const char *json_object, sdm_err *err);
/* Report every variable that differs from what was loaded or last reported,
** then take the current values as the new baseline. */
int scr_vars_changed(scr *s, scr_var_cb cb, void *ctx, sdm_err *err);
/* The loaded variables as one JSON object (caller frees). */
char *scr_vars_json(scr *s);

/* Evaluate a condition: Lua truthiness of the expression (or of what the
** chunk returns). */
int scr_eval_bool(scr *s, const char *code, const char *chunk, int *result, sdm_err *err);
/* Evaluate an expression to a string (assignee, due date); *out malloc'd,
** NULL when the expression gives nil. */
int scr_eval_string(scr *s, const char *code, const char *chunk, char **out, sdm_err *err);
/* Evaluate an expression to canonical JSON (a count, a list); *out
** malloc'd, NULL when it gives nil. */
int scr_eval_json(scr *s, const char *code, const char *chunk, char **out, sdm_err *err);
/* Run a script task's chunk. */
int scr_run(scr *s, const char *code, const char *chunk, sdm_err *err);
/* Call handler "module.function" from scripts/module.lua. */
int scr_call(scr *s, const char *handler, const char *chunk, sdm_err *err);

/* Rules raise deviation{message=, severity=} and notify{to=, subject=,
** body=}; these queue until the runtime drains them, one callback each with
** kind "deviation" or "notify" and the fields as a JSON object. A NULL
** cb discards them (the script that raised them failed). */
typedef int (*scr_effect_cb)(void *ctx, const char *kind, const char *json);
int scr_effects(scr *s, scr_effect_cb cb, void *ctx, sdm_err *err);
/* now() in scripts returns this (ms since the epoch). */
int scr_set_now(scr *s, long long now_ms, sdm_err *err);
/* A context value scripts see as a global (e.g. "task", "rule"); json NULL clears. */
int scr_set_value(scr *s, const char *name, const char *json, sdm_err *err);
/* The code of the bpmn_error(code, message) that ended the last call
** (which then failed with SDM_ERR_SCRIPT), or NULL. */
const char *scr_bpmn_error(const scr *s);
/* Run file (relative to the scripts directory) as a chunk. */
int scr_run_file(scr *s, const char *file, const char *chunk, sdm_err *err);

/* Inside the sandbox only: script_pat.c's pattern functions go into the
** library table on top of the stack, and ask whether the running call's
** deadline has passed (which then stops the call for good). */
struct lua_State;
void scr_pat_register(struct lua_State *L);
int scr_pat_expired(struct lua_State *L);

/* Convert any JSON text to canonical compact form (sorted keys), or NULL
** with err set when it is not JSON. Caller frees. */
char *scr_json_canonical(const char *json, sdm_err *err);
#endif
