/*
** plan.h — monthly targets (won deals, revenue, tasks, on-time share) per
** manager, role or team, and plan against actual. Store layer: plan.c keeps
** its own SQL on the `plans` table (migration 11).
*/
#ifndef SDM_PLAN_H
#define SDM_PLAN_H
#include "sdm.h"
#include "store.h"
#include "card.h"

/* kind: user | role | team (a head); month YYYY-MM; metric: won | revenue |
** tasks | on_time_pct | conversion_pct:STAGE (a funnel stage's name). Setting again replaces the target. */
int plan_set(store *s, const char *kind, const char *who, const char *month, const char *metric, double target,
             int64_t now, const char *actor, sdm_err *err);
/* Every plan of the month: kind, who, metric, plan, actual, done_pct.
** deals: the deal processes (a won deal is one of them ended with success;
** none declared: an instance no other called, ended with success). */
int plan_report(store *s, const char *month, const card_deal *deals, int ndeal, sdm_table **out, sdm_err *err);
/* SQL of the won deals, one row each: doer (who did the deal's last task),
** role (that task's), value (the deal's value variable, else the card's),
** ended_at, client. malloc'd. */
char *plan_won_sql(const card_deal *deals, int ndeal);
/* The target of a plan (kind user|role, who, month, metric), or NAN. */
double plan_target(store *s, const char *kind, const char *who, const char *month, const char *metric);
/* Plans from the org file: `plan MONTH METRIC=TARGET... user=U|role=R|team=H`. */
int plan_line(store *s, const char *file, int line, const char *text, int64_t now, const char *actor, sdm_err *err);
#endif
