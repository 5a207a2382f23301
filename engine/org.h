/*
** org.h — the organisation: users, roles, who reports to whom, clients and
** their owners, and the rules that pick a user for a task.
**
** Store layer: org.c keeps its own SQL on store_sqlite(). Nothing here
** opens or commits a transaction; the caller (sdm.c) brackets every change.
*/
#ifndef SDM_ORG_H
#define SDM_ORG_H
#include "sdm.h"
#include "model.h"
#include "store.h"

/* The store migration that creates the organisation's tables (store.c
** applies it in order with the others). */
extern const char org_schema[];

/* rt_step.assign: pick a user of the node's role for `client` by the node's
** sdm:assign rule (owner, round-robin, least-open). *user stays NULL when
** the role has no active user: the task waits in the role's queue.
**   owner        the client's owner if active and holding the role; else the
**                active user of the role who last had a task of this client;
**                else round robin.
**   round-robin  the next active user of the role after the role's cursor
**                (table role_cursors), by name, wrapping around.
**   least-open   the active user of the role with the fewest open tasks;
**                ties go round robin. */
int org_assign(void *store_ctx, const model_node *n, const char *client, char **user, sdm_err *err);

/* After every engine step, inside its transaction: log each task the step
** created (task_log: the handoff from the previous role, if any, plus a
** `handoff` history event), apply the ownership rule, and record the funnel
** stages the instance entered or left. */
/* How messages to people are written: the handle's language (a person's
** own, users.lang, comes first), the web pages' address, the business zone. */
typedef struct org_msg { const char *lang, *base_url, *tz; } org_msg;
/* ... and tell each new task's assignee of it when the role asks for it
** (notice_new_task; msg NULL: nobody is told). path: the nodes the step
** entered and left (rt_step.path). */
int org_after_step(store *s, const model_proc *p, int64_t inst, const char *client, int64_t now,
                   const char *actor, const org_msg *msg, const model_path *path, sdm_err *err);

/* Funnel stages of a process in order: sdm:stage of nodes, or (when no
** node declares one) each user task. stage_of[i] is node i's stage or NULL.
** All strings point into the model; free the arrays. */
int org_stages(const model_proc *p, const char ***stage_of, const char ***stages, int *nstage);


/* ---- organisation */
int org_load(store *s, const char *name, const char *text, int64_t now, const char *actor,
             sdm_table **out, sdm_err *err);
int org_user_add(store *s, const char *name, const char *roles, const char *head,
                 const char *full_name, const char *email, int64_t now, const char *actor, sdm_err *err);
int org_user_deactivate(store *s, const char *name, const char *to, int64_t now, const char *actor,
                        sdm_table **moves, sdm_err *err);
int org_users(store *s, const char *role, const char *team, sdm_table **out, sdm_err *err);
/* NOTFOUND "no user 'x'" / STATE "user 'x' is not active" with a message. */
int org_user_check(store *s, const char *name, sdm_err *err);

/* ---- clients */
/* sdm_start: register `key` if unknown, taking name/segment/region/product/
** value from the start variables when present. */
int org_client_register(store *s, const char *key, const char *vars_json, int64_t now,
                        const char *actor, sdm_err *err);
/* create 1: add (STATE if it exists); 0: update (NOTFOUND if missing). */
int org_client_set(store *s, const char *key, const char *fields_json, int create, int64_t now,
                   const char *actor, sdm_err *err);
int org_clients(store *s, const sdm_filter *f, sdm_table **out, sdm_err *err);
int org_client_card(store *s, const char *key, sdm_table **out, sdm_err *err);
int org_client_history(store *s, const char *key, sdm_table **out, sdm_err *err);

/* ---- one holder per client and role (client_roles, migration 11) */
/* Make `user` (NULL: nobody) the client's holder of `role`; logs the change. */
int org_hold(store *s, const char *client, const char *role, const char *user, int64_t now,
             const char *actor, const char *reason, sdm_err *err);
/* sdm client assign: a new holder, who also gets the client's open tasks of the role. */
int org_client_assign(store *s, const char *client, const char *role, const char *user, int64_t now,
                      const char *actor, sdm_err *err);

/* ---- tasks */
int org_task_claim(store *s, int64_t task, const char *user, int force, int64_t now,
                   const char *actor, sdm_err *err);
int org_task_unclaim(store *s, int64_t task, const char *user, int force, int64_t now,
                     const char *actor, sdm_err *err);
int org_task_delegate(store *s, int64_t task, const char *to, int force, int64_t now,
                      const char *actor, sdm_err *err);
#endif
