/*
** access.h — who may see and do what: the rules every sdm_* entry point
** asks before it reads or changes people's work (see access.c).
**
** `as` is the acting user; NULL is the administrator (the CLI on the server
** without --as). Each check returns SDM_OK or fills err: SDM_ERR_NOTFOUND
** with the same message a missing object gets, where existence must not
** leak (another manager's task, instance, client), else SDM_ERR_DENIED.
** Store layer: SQL through store_sql_*, inside the caller's transaction.
*/
#ifndef SDM_ACCESS_H
#define SDM_ACCESS_H
#include "sdm.h"
#include "store.h"

/* What a row filter checks a column against. */
typedef enum acc_kind { ACC_TASK, ACC_INSTANCE, ACC_CLIENT, ACC_USER } acc_kind;

int acc_admin(store *s, const char *as);                  /* 1: the administrator, or role admin */
int acc_owner(store *s, const char *as);                  /* 1: administrator or role owner */
int acc_head(store *s, const char *as);                   /* 1: someone reports to `as` */
/* 1 when `user` is `as` or below `as` (transitively); the admin sees all. */
int acc_in_team(store *s, const char *as, const char *user);
/* An individual instruction: a user's is read by them, their heads and
** process owners; a role's by its holders, heads and process owners. */
int acc_instruction(store *s, const char *as, const char *user, const char *role, sdm_err *err);

int acc_need_admin(store *s, const char *as, const char *what, sdm_err *err);
int acc_need_owner(store *s, const char *as, const char *what, sdm_err *err);
/* Reports and the monitor: heads, process owners, the administrator. */
int acc_need_head(store *s, const char *as, const char *what, sdm_err *err);
/* `user` is `as` or below: DENIED otherwise (people are not secret). */
int acc_need_user(store *s, const char *as, const char *user, sdm_err *err);

int acc_task(store *s, const char *as, int64_t task, sdm_err *err);
int acc_instance(store *s, const char *as, int64_t inst, sdm_err *err);
int acc_client(store *s, const char *as, const char *key, sdm_err *err);
/* act 0: see it (its manager in the team); 1: acknowledge or resolve it
** (its manager strictly below `as`, or owner/admin). */
int acc_deviation(store *s, const char *as, int64_t id, int act, sdm_err *err);

/* Drop the rows of `t` whose column `col` names something `as` may not
** see. A missing column is a bug (panics): a filter must never pass all. */
int acc_filter(store *s, const char *as, sdm_table *t, const char *col, acc_kind kind, sdm_err *err);
#endif
