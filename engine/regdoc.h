/*
** regdoc.h — documents generated from the deployed models and the
** organisation: the role matrix (who is Responsible, Accountable,
** Consulted, Informed for each step), each person's or role's individual
** instruction, and a process's regulation; and the message that tells the
** roles a step names as informed that it completed.
**
** Store layer (own SQL on the store, like report.c); read-only except
** regdoc_inform, which runs inside the runtime's step transaction. Every
** document names the model versions it reflects. Texts come from a small
** catalogue in Russian and English (lang "ru" or "en").
*/
#ifndef SDM_REGDOC_H
#define SDM_REGDOC_H
#include "sdm.h"
#include "model.h"
#include "store.h"
#include "rt.h"

typedef struct regdoc_ctx {
    store *st;
    const char *lang;          /* "ru" or "en"; NULL: "en" */
    const char *tz;            /* zone dates are written in; NULL: UTC */
    int64_t now;
} regdoc_ctx;

/* The role matrix of the latest versions of `processes` (n 0: every
** deployed process): one row per human step (user, manual and plain
** tasks), columns process, version, step, name, then one per role holding
** R, A, C or I letters (several joined by "/"). */
int regdoc_matrix(const regdoc_ctx *c, const char *const *processes, int n, sdm_table **out, sdm_err *err);
/* The same as a self-contained, printable HTML page (caller frees). */
int regdoc_matrix_html(const regdoc_ctx *c, const char *const *processes, int n, char **html, sdm_err *err);
/* One person's (user) or one role's (role; user NULL) instruction. */
int regdoc_instruction_html(const regdoc_ctx *c, const char *user, const char *role, char **html, sdm_err *err);
/* A process's regulation, from its latest version. */
int regdoc_regulation_html(const regdoc_ctx *c, const char *process, char **html, sdm_err *err);

/* The runtime calls this when activity n leaves and n has sdm:informed:
** each role named gets an in-app message (outbox, channel inbox): the
** user of that role who holds the client (its owner, else who last had a
** task of it in that role), else every active user of the role. */
int regdoc_inform(rt_step *s, const model_node *n, sdm_err *err);
#endif
