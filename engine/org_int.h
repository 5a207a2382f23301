/*
** org_int.h — what org.c shares with track.c (the bookkeeping after each
** step), and nothing else.
*/
#ifndef SDM_ORG_INT_H
#define SDM_ORG_INT_H
#include "org.h"

int org_client_insert(store *s, const char *key, int64_t now, const char *actor, sdm_err *err);
int org_hold_task(store *s, const model_node *n, const char *client, const char *role, const char *assignee,
                  int64_t now, const char *actor, sdm_err *err);
int org_set_owner(store *s, const char *client, const char *owner, int64_t now, const char *actor, const char *reason,
                  sdm_err *err);
#endif
