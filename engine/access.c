/*
** access.c — the access rules (see access.h): one place that says who may
** see and do what, asked by every sdm_* entry point that reads or changes
** people's work, so the CLI, the server and the tests obey the same rules.
**
**   manager        their own tasks, the unassigned queue of their roles,
**                  the clients they own and the instances of those tasks
**                  and clients; their own deviations and inbox
**   head           everything of the people below them, transitively
**                  (users.head), and acknowledging or resolving their
**                  deviations; the monitor and the reports
**   owner (role)   owns every process: deploys, exports, node statistics,
**                  incidents and their retry, signals; sees every instance
**   admin (role)   everything, and users, passwords, other people's tokens;
**                  the acting user NULL (the CLI on the server) is admin
**
** A refused read of an object that belongs to someone else answers exactly
** like a missing one (SDM_ERR_NOTFOUND), so ids cannot be probed; a refused
** kind of action answers SDM_ERR_DENIED. Must not change state.
*/
#include <string.h>
#include "access.h"
#include "err.h"

/* `team`: ?1 and everyone below ?1. */
#define TEAM "WITH RECURSIVE team(name) AS (SELECT ?1 UNION SELECT u.name FROM users u JOIN team ON u.head = team.name) "
/* A task row `t` the team sees: theirs, done by them, or open in a queue of their roles. */
#define TASK_SEEN "(t.assignee IN team OR t.completed_by IN team OR (t.assignee IS NULL AND t.state = 'open'" \
                  " AND t.role IN (SELECT role FROM user_roles WHERE user IN team)))"
#define CLIENT_SEEN(key) "(EXISTS(SELECT 1 FROM clients c WHERE c.key = " key " AND c.owner IN team)" \
                  " OR EXISTS(SELECT 1 FROM instances i JOIN tasks t ON t.instance_id = i.id" \
                  " WHERE i.client = " key " AND " TASK_SEEN "))"

/* 1 when the query finds a row, 0 when not, -rc on a store failure. */
static int found(store *s, sdm_err *err, const char *sql, const char *fmt, const char *as, const void *arg) {
    int64_t v;
    int rc = fmt[1] == 'i' ? store_sql_int(s, &v, err, sql, fmt, as, *(const int64_t *)arg)
                           : store_sql_int(s, &v, err, sql, fmt, as, (const char *)arg);
    return rc == SDM_OK ? 1 : rc == SDM_ERR_NOTFOUND ? 0 : -rc;
}

static int has_role(store *s, const char *as, const char *role) {
    return found(s, NULL, "SELECT 1 FROM user_roles WHERE user = ?1 AND role = ?2", "tt", as, role) == 1;
}

int acc_admin(store *s, const char *as) { return !as || has_role(s, as, "admin"); }
int acc_owner(store *s, const char *as) { return acc_admin(s, as) || has_role(s, as, "owner"); }

int acc_head(store *s, const char *as) {
    return as && found(s, NULL, "SELECT 1 FROM users WHERE head = ?1 AND active LIMIT 1", "t", as, NULL) == 1;
}

int acc_in_team(store *s, const char *as, const char *user) {
    if (acc_admin(s, as)) return 1;
    return user && found(s, NULL, TEAM "SELECT 1 FROM team WHERE name = ?2", "tt", as, user) == 1;
}

static int denied(sdm_err *err, const char *as, const char *what) {
    return err_set(err, SDM_ERR_DENIED, NULL, 0, NULL, "%s may not %s", as ? as : "?", what);
}

int acc_need_admin(store *s, const char *as, const char *what, sdm_err *err) {
    return acc_admin(s, as) ? SDM_OK : denied(err, as, what);
}

int acc_need_owner(store *s, const char *as, const char *what, sdm_err *err) {
    return acc_owner(s, as) ? SDM_OK : denied(err, as, what);
}

int acc_need_head(store *s, const char *as, const char *what, sdm_err *err) {
    return acc_owner(s, as) || acc_head(s, as) ? SDM_OK : denied(err, as, what);
}

int acc_need_user(store *s, const char *as, const char *user, sdm_err *err) {
    if (acc_in_team(s, as, user)) return SDM_OK;
    return err_set(err, SDM_ERR_DENIED, NULL, 0, NULL, "%s may not act for %s", as, user ? user : "everybody");
}

int acc_instruction(store *s, const char *as, const char *user, const char *role, sdm_err *err) {
    if (user) return acc_owner(s, as) ? SDM_OK : acc_need_user(s, as, user, err);
    if (acc_owner(s, as) || acc_head(s, as) || has_role(s, as, role)) return SDM_OK;
    return denied(err, as, "read another role's instruction");
}

/* NOTFOUND with the message a missing object gets, or a store failure. */
static int hidden(int r, sdm_err *err, const char *fmt, const char *what) {
    if (r < 0) return -r;
    return r ? SDM_OK : err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, fmt, what);
}

int acc_task(store *s, const char *as, int64_t task, sdm_err *err) {
    if (acc_admin(s, as)) return SDM_OK;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)task);
    int r = found(s, err, TEAM "SELECT 1 FROM tasks t WHERE t.id = ?2 AND " TASK_SEEN, "ti", as, &task);
    return hidden(r, err, "no task %s", id);
}

int acc_instance(store *s, const char *as, int64_t inst, sdm_err *err) {
    if (acc_owner(s, as)) return SDM_OK;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)inst);
    int r = found(s, err, TEAM "SELECT 1 FROM instances x WHERE x.id = ?2 AND (" CLIENT_SEEN("x.client")
                  " OR EXISTS(SELECT 1 FROM tasks t WHERE t.instance_id = x.id AND " TASK_SEEN "))", "ti", as, &inst);
    return hidden(r, err, "no instance %s", id);
}

int acc_client(store *s, const char *as, const char *key, sdm_err *err) {
    if (acc_admin(s, as)) return SDM_OK;
    int r = found(s, err, TEAM "SELECT 1 WHERE " CLIENT_SEEN("?2"), "tt", as, key);
    return hidden(r, err, "no client '%s'", key ? key : "");
}

int acc_deviation(store *s, const char *as, int64_t id, int act, sdm_err *err) {
    if (acc_owner(s, as)) return SDM_OK;
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    int r = found(s, err, TEAM "SELECT 1 FROM deviations d WHERE d.id = ?2 AND d.manager IN team", "ti", as, &id);
    int rc = hidden(r, err, "no deviation %s", ids);
    if (rc || !act) return rc;
    r = found(s, err, TEAM "SELECT 1 FROM deviations d WHERE d.id = ?2 AND d.manager IN team AND d.manager <> ?1",
              "ti", as, &id);
    if (r < 0) return -r;
    return r ? SDM_OK : denied(err, as, "acknowledge or resolve their own deviations (their head does)");
}

static int row_visible(store *s, const char *as, const char *cell, acc_kind kind, sdm_err *err) {
    sdm_err quiet;
    int64_t id = cell ? strtoll(cell, NULL, 10) : 0;
    int rc;
    switch (kind) {
    case ACC_TASK:     rc = acc_task(s, as, id, &quiet); break;
    case ACC_INSTANCE: rc = acc_instance(s, as, id, &quiet); break;
    case ACC_CLIENT:   rc = acc_client(s, as, cell, &quiet); break;
    case ACC_USER:     return acc_in_team(s, as, cell) ? SDM_OK : SDM_ERR_NOTFOUND;
    default: sdm_panic("acc_filter: unknown kind");
    }
    if (rc && rc != SDM_ERR_NOTFOUND) *err = quiet;
    return rc;
}

int acc_filter(store *s, const char *as, sdm_table *t, const char *col, acc_kind kind, sdm_err *err) {
    if (!t || acc_admin(s, as)) return SDM_OK;
    int c = -1;
    for (int i = 0; i < t->ncol; i++)
        if (strcmp(t->cols[i], col) == 0) c = i;
    if (c < 0) sdm_panic("acc_filter: the table has no such column");
    int keep = 0;
    for (int r = 0; r < t->nrow; r++) {
        char **row = &t->cells[r * t->ncol];
        int rc = row_visible(s, as, row[c], kind, err);
        if (rc && rc != SDM_ERR_NOTFOUND) return rc;
        if (rc) { for (int i = 0; i < t->ncol; i++) free(row[i]); continue; }
        if (keep != r) memcpy(&t->cells[keep * t->ncol], row, (size_t)t->ncol * sizeof *row);
        keep++;
    }
    t->nrow = keep;
    return SDM_OK;
}
