/*
** plan.c — monthly targets per manager, role or team, and the report of
** plan against actual (see plan.h).
**
** Table (migration 11, created by card.c's schema): plans(kind user|role|team,
** who, month YYYY-MM, metric won|revenue|tasks|on_time_pct, target, set_at,
** set_by), one row per (kind, who, month, metric).
**
** Actuals, for the calendar month in UTC:
**   won          deals won in the month (plan_won_sql: instances of a deal
**                process -- one declaring its value variable -- ended with
**                success; with no deal process declared, instances nobody
**                called), credited to whoever had the instance's last
**                completed task (the person who closed it), in that task's role
**   revenue      those deals' value variable (else the client card's value)
**   tasks        tasks completed in the month
**   on_time_pct  of those with a due time, the share done by it
**   conversion_pct:STAGE  of the clients that entered the funnel stage in
**                the month with a task of theirs there, the share that went
**                on to the next stage or were won
** A role's actual counts the work done in that role; a team's, the work of
** the head and everyone below them.
*/
#include <string.h>
#include <stdio.h>
#include <math.h>
#include <sqlite3.h>
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
                    strcmp(metric, "on_time_pct") && !(strncmp(metric, "conversion_pct:", 15) == 0 && metric[15])))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL,
                       "--metric must be won, revenue, tasks, on_time_pct or conversion_pct:STAGE");
    if (metric[0] == 'c' && target > 100) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a conversion is a percentage");
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
/* (in xasprintf formats, so the %% is doubled) */
#define MONTH_FROM "(CAST(strftime('%%s', ?3 || '-01') AS INTEGER) * 1000)"
#define MONTH_TO "(CAST(strftime('%%s', date(?3 || '-01', '+1 month')) AS INTEGER) * 1000)"
#define TEAM_OF "WITH RECURSIVE team(name) AS (SELECT ?2 UNION SELECT u.name FROM users u JOIN team ON u.head = team.name)"

char *plan_won_sql(const card_deal *deals, int ndeal) {
    sbuf b = {0};
    sbuf_puts(&b, "SELECT (SELECT coalesce(k.assignee, k.completed_by) FROM tasks k WHERE k.instance_id = i.id"
                  "  AND k.state = 'completed' ORDER BY k.completed_at DESC, k.id DESC LIMIT 1) AS doer,"
                  " (SELECT k.role FROM tasks k WHERE k.instance_id = i.id AND k.state = 'completed'"
                  "  ORDER BY k.completed_at DESC, k.id DESC LIMIT 1) AS role, coalesce(NULL, ");
    if (ndeal) {
        sbuf_puts(&b, "(SELECT CAST(v.value AS REAL) FROM variables v WHERE v.instance_id = i.id AND v.scope = 0"
                      " AND v.name = CASE i.process");
        for (int k = 0; k < ndeal; k++) {
            char *w = sqlite3_mprintf(" WHEN %Q THEN %Q", deals[k].process, deals[k].var);
            sbuf_puts(&b, w);
            sqlite3_free(w);
        }
        sbuf_puts(&b, " END), ");
    }
    sbuf_puts(&b, "(SELECT c.value FROM clients c WHERE c.key = i.client)) AS value, i.ended_at, i.client"
                  " FROM instances i WHERE i.state = 'completed' AND i.outcome = 'success' AND ");
    if (!ndeal) sbuf_puts(&b, "i.parent_id IS NULL");     /* a called process's success is a step of its caller */
    else {
        sbuf_puts(&b, "i.process IN (");
        for (int k = 0; k < ndeal; k++) {
            char *w = sqlite3_mprintf("%s%Q", k ? ", " : "", deals[k].process);
            sbuf_puts(&b, w);
            sqlite3_free(w);
        }
        sbuf_puts(&b, ")");
    }
    return sbuf_take(&b);
}

double plan_target(store *s, const char *kind, const char *who, const char *month, const char *metric) {
    char *v = NULL;
    if (store_sql_text(s, &v, NULL, "SELECT target FROM plans WHERE kind = ?1 AND who = ?2 AND month = ?3 AND metric = ?4",
                       "tttt", kind, who, month, metric) || !v) return NAN;
    double x = strtod(v, NULL);
    free(v);
    return x;
}

int plan_report(store *s, const char *month, const card_deal *deals, int ndeal, sdm_table **out, sdm_err *err) {
    *out = NULL;
    if (!valid_month(month))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "--month must be YYYY-MM, not '%s'", month ? month : "");
    sdm_table *plans = NULL;
    int rc = store_sql_table(s, &plans, "sssd", err, "SELECT kind, who, metric, target FROM plans WHERE month = ?1"
                             " ORDER BY kind = 'team' DESC, kind = 'role' DESC, who, metric", "t", month);
    if (rc) return rc;
    static const char *const cols[] = {"kind", "who", "metric", "plan", "actual", "done_pct", NULL};
    sdm_table *t = table_new(cols, "sssrrr");
    char *won = plan_won_sql(deals, ndeal);
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
        char *sql = strncmp(metric, "conversion_pct:", 15) == 0
            /* the stage's clients whose work there was theirs (a task of
            ** the instance opened while it was at the stage), and the share
            ** they moved on to the next stage or won */
            ? xasprintf(TEAM_OF " SELECT round(100.0 * count(DISTINCT CASE WHEN f.exit = 'next' OR f.exit = 'success'"
                        " THEN f.client END) / nullif(count(DISTINCT f.client), 0), 1) FROM funnel f"
                        " WHERE f.stage = ?4 AND f.entered_at >= " MONTH_FROM " AND f.entered_at < " MONTH_TO
                        " AND EXISTS (SELECT 1 FROM tasks k WHERE k.instance_id = f.instance_id AND k.state <> 'cancelled'"
                        " AND k.created_at >= f.entered_at AND (f.left_at IS NULL OR k.created_at <= f.left_at)"
                        " AND %s)", strcmp(kind, "user") == 0 ? "coalesce(k.assignee, k.completed_by) = ?2"
                        : strcmp(kind, "role") == 0 ? "k.role = ?2" : "coalesce(k.assignee, k.completed_by) IN team")
            : strcmp(metric, "won") == 0 || strcmp(metric, "revenue") == 0
            ? xasprintf(TEAM_OF " SELECT %s FROM (SELECT w.doer, w.role, w.value FROM (%s) w WHERE w.ended_at >= "
                        MONTH_FROM " AND w.ended_at < " MONTH_TO ") x WHERE %s", what, won, match)
            : xasprintf(TEAM_OF " SELECT %s FROM (SELECT coalesce(k.assignee, k.completed_by) AS doer, k.role,"
                        " k.due_at IS NOT NULL AND k.completed_at <= k.due_at AS on_time, k.due_at IS NOT NULL AS dated"
                        " FROM tasks k WHERE k.state = 'completed' AND k.completed_at >= " MONTH_FROM
                        " AND k.completed_at < " MONTH_TO ") x WHERE %s", what, match);
        char *actual = NULL;
        rc = store_sql_text(s, &actual, err, sql, "tttt", kind, p[1], month, metric[0] == 'c' ? metric + 15 : "");
        free(sql);
        if (rc == SDM_ERR_NOTFOUND) rc = SDM_OK;
        if (rc) break;
        char **row = table_add_row(t);
        row[0] = xstrdup(kind); row[1] = xstrdup(p[1]); row[2] = xstrdup(metric); row[3] = xstrdup(p[3]);
        row[4] = actual ? actual : xstrdup("0");
        double plan = strtod(p[3], NULL), act = strtod(row[4], NULL);
        row[5] = plan > 0 ? xasprintf("%.1f", 100.0 * act / plan) : NULL;
    }
    free(won);
    sdm_table_free(plans);
    if (rc) { sdm_table_free(t); return rc; }
    *out = t;
    return SDM_OK;
}

/* `plan 2026-11 role=closer won=20 revenue=15000000`: the words after the
** month, in any order; one of user=, role=, team= and at least one metric. */
int plan_line(store *s, const char *file, int line, const char *text, int64_t now, const char *actor, sdm_err *err) {
    char *copy = xstrdup(text), *save = NULL, *month = NULL;
    const char *kind = NULL, *who = NULL;
    struct { char *metric; double target; } m[8];
    int nm = 0, rc = SDM_OK;
    strtok_r(copy, " \t\r", &save);                          /* "plan" */
    month = strtok_r(NULL, " \t\r", &save);
    for (char *w; !rc && (w = strtok_r(NULL, " \t\r", &save)); ) {
        if (*w == '#') break;
        char *eq = strchr(w, '='), *end = NULL;
        if (!eq) { rc = err_set(err, SDM_ERR_MISUSE, file, line, NULL, "a plan word is KEY=VALUE, not '%s'", w); break; }
        *eq = 0;
        if (strcmp(w, "user") == 0 || strcmp(w, "role") == 0 || strcmp(w, "team") == 0) {
            if (kind) rc = err_set(err, SDM_ERR_MISUSE, file, line, NULL, "a plan is for one user=, role= or team=");
            kind = w, who = eq + 1;
        } else if (nm < 8) {
            m[nm].metric = w;
            m[nm].target = strtod(eq + 1, &end);
            if (end == eq + 1 || *end) rc = err_set(err, SDM_ERR_MISUSE, file, line, NULL, "%s=%s is not a number", w, eq + 1);
            nm++;
        }
    }
    if (!rc && !nm) rc = err_set(err, SDM_ERR_MISUSE, file, line, NULL, "a plan needs a target: won=, revenue=, tasks= or on_time_pct=");
    for (int k = 0; !rc && k < nm; k++) {
        rc = plan_set(s, kind, who, month, m[k].metric, m[k].target, now, actor, err);
        if (rc) err_prefix(err, "%s:%d", file, line);
    }
    free(copy);
    return rc;
}
