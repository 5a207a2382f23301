/*
** notice.h — the texts of the messages the engine sends people: a deviation
** for a head, a new task for a manager. Each is written in its reader's
** language (users.lang, migration 13; else the handle's) and says what one
** needs to act: the client by name, the process, the step, who has it, the
** due time and how late it is, and the task's page when a server address
** is configured.
**
** Store layer: reads users, clients and role_settings through store_sql_*;
** writes nothing but the outbox rows of notice_new_tasks.
*/
#ifndef SDM_NOTICE_H
#define SDM_NOTICE_H
#include "sdm.h"
#include "store.h"

typedef struct notice {
    const char *client;        /* the client's key */
    const char *process;       /* the process's name (or id) */
    const char *step;          /* the step's name (or id) */
    const char *assignee;      /* who has the task, NULL: the role's queue */
    int64_t inst, task;         /* the instance; task 0: none yet */
    int64_t due_at, now;        /* due_at 0: none */
    const char *tz;            /* the business zone times are written in */
    const char *base_url;      /* the web pages' address, or NULL */
} notice;

/* "ru" or "en": what the user named (or with the e-mail) `address` reads,
** else `fallback`, else "en". */
const char *notice_lang(store *s, const char *address, const char *fallback);
/* A deviation's body: msg, then the facts of n. malloc'd. */
char *notice_deviation(store *s, const notice *n, const char *msg, const char *lang);
/* A role's notify setting (`role NAME notify=inbox,email` in the org file). */
int notice_role_set(store *s, const char *role, const char *notify, sdm_err *err);
/* Tell a new task's assignee (n->assignee) of it when the task's role asks
** for it (role_settings): in-app and/or by e-mail, in their language. */
int notice_new_task(store *s, const notice *n, const char *role, const char *fallback_lang, sdm_err *err);
#endif
