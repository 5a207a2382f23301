/*
** org.h — the organisation: users, roles, who reports to whom, clients and
** their owners, and the rules that pick a user for a task.
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
** the role has no active user: the task waits in the role's queue. */
int org_assign(void *store_ctx, const model_node *n, const char *client, char **user, sdm_err *err);
#endif
