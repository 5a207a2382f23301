/*
** report.h — what managers and heads read: the task calendar, the task
** card, the head's monitor, the sales funnel, KPIs, handoffs, deviations.
**
** Store layer (own SQL on store_sqlite()); read-only, no transactions.
** Times are ms since the epoch; day_start/day_end bound "today" in the
** business calendar's zone (the caller computes them).
*/
#ifndef SDM_REPORT_H
#define SDM_REPORT_H
#include "sdm.h"
#include "model.h"
#include "store.h"
#include "card.h"

/* when: "overdue" (due before now), "today" (due in [day_start, day_end)),
** "upcoming" (due from day_end on), "all"/NULL (every open task). user NULL:
** everybody's. Sorted by due time, then task id. */
int report_calendar(store *s, const char *user, const char *when, int64_t now, int64_t day_start,
                    int64_t day_end, int limit, sdm_table **out, sdm_err *err);
/* The SQL report_calendar runs for `when` with a user (for EXPLAIN, bench). */
const char *report_calendar_sql(const char *when, int with_user);

/* One row: the task, its instance, the step's contact script, what comes
** next, the client's card. proc is the instance's process model. */
int report_task_info(store *s, const model_proc *proc, int64_t task, sdm_table **out, sdm_err *err);

int report_monitor(store *s, const char *team, int64_t now, int64_t day_start, int64_t day_end,
                   sdm_table **out, sdm_err *err);
/* by: NULL, manager, product, region, segment. from/to: instances started
** in [from, to); 0 = open. procs[0] is the process; a lifecycle passes the
** processes it calls after it (in the order its call activities are met),
** and its funnel is one list of their stages for the clients it holds.
** Deal processes (card_value_var) add the value of the clients at each
** stage and of the deals won there. */
int report_funnel(store *s, const model_proc *const *procs, int nproc, const char *by, int64_t from, int64_t to,
                  sdm_table **out, sdm_err *err);
/* The call activities on a lifecycle's main path, in order: the path from a
** start event through the most call activities (a branch such as a
** key-account variant has its own funnel; loops back are not followed).
** calls[] (room for p->nnode) gets node indexes; returns how many. */
int report_main_path(const model_proc *p, int *calls);
/* Every deployed process and its latest definition (process, definition). */
int report_processes(store *s, sdm_table **out, sdm_err *err);
/* Per user and role, and per role (a tier: user "(all)"): tasks done, on
** time, cycle, open, handoffs in; the handoff conversion (of the clients
** worked, the share handed on to the next role and the share that became
** won deals); deals won and their revenue (plan_won_sql); the targets of
** the month the period ends in (plans: the user's, a tier's the role's). */
int report_kpi(store *s, const card_deal *deals, int ndeal, int64_t from, int64_t to, int64_t now,
               sdm_table **out, sdm_err *err);
/* The client base grouped by one card field (fixed or declared): clients,
** their summed value, how many have an active instance. */
int report_clients(store *s, const char *by, sdm_table **out, sdm_err *err);
int report_handoffs(store *s, int64_t from, int64_t to, sdm_table **out, sdm_err *err);
int report_deviations(store *s, const char *by, int64_t from, int64_t to, sdm_table **out, sdm_err *err);

/* A funnel table (from report_funnel) as a self-contained SVG image, or an
** HTML page holding the SVG and the table. Caller frees. */
char *report_funnel_render(const sdm_table *funnel, const char *title, int html);
#endif
