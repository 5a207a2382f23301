/*
** plan.c — monthly targets per manager, role or team, and the report of
** plan against actual (see plan.h).
**
** Table (migration 11, created by card.c's schema): plans(kind user|role|team,
** who, month YYYY-MM, metric won|revenue|tasks|on_time_pct, target, set_at,
** set_by), one row per (kind, who, month, metric).
**
** Actuals, for the calendar month in UTC:
**   won          instances ended with outcome success in the month, credited
**                to whoever had the instance's last completed task (the
**                person who closed it), in that task's role
**   revenue      the card value of the clients of those instances
**   tasks        tasks completed in the month
**   on_time_pct  of those with a due time, the share done by it
** A role's actual counts the work done in that role; a team's, the work of
** the head and everyone below them.
*/
#include <string.h>
#include <stdio.h>
#include "plan.h"
#include "org.h"
#include "table.h"
#include "err.h"

static int valid_month(const char *m) {
    int y, mo, n = 0;
    return m && sscanf(m, "%4d-%2d%n", &y, &mo, &n) == 2 && n == 7 && !m[7] && mo >= 1 && mo <= 12 && y >= 2000;
}

int plan_set(store *s, const char *kind, const char *who, const char *month, const char *metric, double target,
             int64_t now, const char *actor, sdm_err *err) {
    if (!kind || (strcmp(kind, "user") && strcmp(kind, "role") && strcmp(kind, "team")) || !who || !*who)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a plan is for --user U, --role R or --team HEAD");
    if (!valid_month(month))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "--month must be YYYY-MM, not '%s'", month ? month : "");
    if (!metric || (strcmp(metric, "won") && strcmp(metric, "revenue") && strcmp(metric, "tasks") &&
                    strcmp(metric, "on_time_pct")))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "--metric must be won, revenue, tasks or on_time_pct");
    if (target < 0) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a target cannot be negative");
    if (strcmp(kind, "role") != 0) {
        int rc = org_user_check(s, who, err);
        if (rc) return rc;
    }
    return store_sql_exec(s, NULL, err, "INSERT INTO plans(kind, who, month, metric, target, set_at, set_by)"
                          " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(kind, who, month, metric) DO UPDATE SET"
                          " target = excluded.target, set_at = excluded.set_at, set_by = excluded.set_by",
                          "ttttdit", kind, who, month, metric, target, now, actor);
}

/* The month's bounds in ms: ?3 is the month. Closed instances with their
** closer and the closer's role; completed tasks with their doer. */
#define MONTH_FROM "(CAST(strftime('%s', ?3 || '-01') AS INTEGER) * 1000)"
#define MONTH_TO "(CAST(strftime('%s', date(?3 || '-01', '+1 month')) AS INTEGER) * 1000)"
#define TEAM_OF "WITH RECURSIVE team(name) AS (SELECT ?2 UNION SELECT u.name FROM users u JOIN team ON u.head = team.name)"

int plan_report(store *s, const char *month, sdm_table **out, sdm_err *err) {
    *out = NULL;
    if (!valid_month(month))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "--month must be YYYY-MM, not '%s'", month ? month : "");
    sdm_table *plans = NULL;
    int rc = store_sql_table(s, &plans, "sssd", err, "SELECT kind, who, metric, target FROM plans WHERE month = ?1"
                             " ORDER BY kind = 'team' DESC, kind = 'role' DESC, who, metric", "t", month);
    if (rc) return rc;
    static const char *const cols[] = {"kind", "who", "metric", "plan", "actual", "done_pct", NULL};
    sdm_table *t = table_new(cols, "sssrrr");
    for (int r = 0; !rc && r < plans->nrow; r++) {
        char **p = &plans->cells[r * 4];
        const char *kind = p[0], *metric = p[2];
        /* who did the work: user = ?2, role = ?2, team = in the team */
        const char *match = strcmp(kind, "user") == 0 ? "x.doer = ?2" : strcmp(kind, "role") == 0 ? "x.role = ?2"
                          : "x.doer IN team";
        const char *what = strcmp(metric, "won") == 0 ? "count(*)"
                         : strcmp(metric, "revenue") == 0 ? "coalesce(sum(x.value), 0)"
                         : strcmp(metric, "tasks") == 0 ? "count(*)"
                         : "round(100.0 * sum(x.on_time) / nullif(sum(x.dated), 0), 1)";
        const char *rows = strcmp(metric, "won") == 0 || strcmp(metric, "revenue") == 0
            ? "SELECT (SELECT coalesce(k.assignee, k.completed_by) FROM tasks k WHERE k.instance_id = i.id"
              "  AND k.state = 'completed' ORDER BY k.completed_at DESC, k.id DESC LIMIT 1) AS doer,"
              " (SELECT k.role FROM tasks k WHERE k.instance_id = i.id AND k.state = 'completed'"
              "  ORDER BY k.completed_at DESC, k.id DESC LIMIT 1) AS role,"
              " (SELECT c.value FROM clients c WHERE c.key = i.client) AS value, 0 AS on_time, 0 AS dated"
              " FROM instances i WHERE i.state = 'completed' AND i.outcome = 'success'"
              " AND i.ended_at >= " MONTH_FROM " AND i.ended_at < " MONTH_TO
            : "SELECT coalesce(k.assignee, k.completed_by) AS doer, k.role, NULL AS value,"
              " k.due_at IS NOT NULL AND k.completed_at <= k.due_at AS on_time, k.due_at IS NOT NULL AS dated"
              " FROM tasks k WHERE k.state = 'completed' AND k.completed_at >= " MONTH_FROM
              " AND k.completed_at < " MONTH_TO;
        char sql[2400];
        snprintf(sql, sizeof sql, TEAM_OF " SELECT %s FROM (%s) x WHERE %s", what, rows, match);
        char *actual = NULL;
        rc = store_sql_text(s, &actual, err, sql, "ttt", kind, p[1], month);
        if (rc == SDM_ERR_NOTFOUND) rc = SDM_OK;
        if (rc) break;
        char **row = table_add_row(t);
        row[0] = xstrdup(kind); row[1] = xstrdup(p[1]); row[2] = xstrdup(metric); row[3] = xstrdup(p[3]);
        row[4] = actual ? actual : xstrdup("0");
        double plan = strtod(p[3], NULL), act = strtod(row[4], NULL);
        row[5] = plan > 0 ? xasprintf("%.1f", 100.0 * act / plan) : NULL;
    }
    sdm_table_free(plans);
    if (rc) { sdm_table_free(t); return rc; }
    *out = t;
    return SDM_OK;
}
