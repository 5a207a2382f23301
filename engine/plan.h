/*
** plan.h — monthly targets (won deals, revenue, tasks, on-time share) per
** manager, role or team, and plan against actual. Store layer: plan.c keeps
** its own SQL on the `plans` table (migration 11).
*/
#ifndef SDM_PLAN_H
#define SDM_PLAN_H
#include "sdm.h"
#include "store.h"

/* kind: user | role | team (a head); month YYYY-MM; metric: won | revenue |
** tasks | on_time_pct. Setting again replaces the target. */
int plan_set(store *s, const char *kind, const char *who, const char *month, const char *metric, double target,
             int64_t now, const char *actor, sdm_err *err);
/* Every plan of the month: kind, who, metric, plan, actual, done_pct. */
int plan_report(store *s, const char *month, sdm_table **out, sdm_err *err);
#endif
