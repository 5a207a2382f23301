/*
** store_query.c — the store's reads for people, apart from the step's rows:
** who a notification or an incident reaches (store_recipients,
** store_responsible), the lists behind `sdm tasks/instances/incidents/...`
** (store_query, assembled from the filters present so each uses its
** index) and the invariant check (store_check). Read-only: it changes no
** row and opens no transaction. It reaches SQLite through store.c's
** statement cache (store_sql_*) and handle (store_sqlite).
*/
#include <string.h>
#include <sqlite3.h>
#include "store.h"
#include "table.h"
#include "store_int.h"
#include "err.h"

/* Who "to" names: user:NAME, role:ROLE, head (of `assignee`), email:ADDR,
** webhook:URL. Calls cb once per recipient with the channel to use. */
int store_recipients(store *s, const char *to, const char *assignee, store_recipient_cb cb, void *ctx,
                     sdm_err *err) {
    const char *sql = NULL, *arg = NULL;
    if (strncmp(to, "email:", 6) == 0) return cb(ctx, CHANNEL_EMAIL, to + 6);
    if (strncmp(to, "webhook:", 8) == 0) return cb(ctx, CHANNEL_WEBHOOK, to + 8);
    if (strncmp(to, "user:", 5) == 0) { sql = "SELECT name, email FROM users WHERE name = ?1 AND active"; arg = to + 5; }
    else if (strncmp(to, "role:", 5) == 0) {
        sql = "SELECT u.name, u.email FROM users u JOIN user_roles r ON r.user = u.name"
              " WHERE r.role = ?1 AND u.active ORDER BY u.name";
        arg = to + 5;
    } else if (strcmp(to, "head") == 0) {
        sql = "SELECT h.name, h.email FROM users u JOIN users h ON h.name = u.head WHERE u.name = ?1 AND h.active";
        arg = assignee;
        if (!arg) return SDM_OK;
    } else {
        return err_set(err, SDM_ERR_SCRIPT, NULL, 0, NULL,
                       "notify to '%s': expected user:NAME, role:ROLE, head, email:ADDRESS or webhook:URL", to);
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_sqlite(s), sql, -1, &st, NULL) != SQLITE_OK) return store_db_error(s, err, "recipients");
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    int rc = SDM_OK, found = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *email = (const char *)sqlite3_column_text(st, 1);
        found++;
        rc = cb(ctx, CHANNEL_INBOX, name);
        if (!rc && email && *email) rc = cb(ctx, CHANNEL_EMAIL, email);
    }
    sqlite3_finalize(st);
    if (!rc && !found && strncmp(to, "user:", 5) == 0) rc = cb(ctx, CHANNEL_INBOX, to + 5);  /* not in org yet */
    return rc;
}

/* Who must hear of an incident at a step of `role` for `client`, the first
** rule that finds someone: the heads of the role's people, the head of the
** client's owner, the users with role admin or owner. */
int store_responsible(store *s, const char *role, const char *client, store_recipient_cb cb, void *ctx,
                      sdm_err *err) {
    static const char *const rules[] = {
        "SELECT DISTINCT h.name, h.email FROM user_roles r JOIN users u ON u.name = r.user"
        " JOIN users h ON h.name = u.head WHERE r.role = ?1 AND u.active AND h.active ORDER BY h.name",
        "SELECT h.name, h.email FROM clients c JOIN users u ON u.name = c.owner JOIN users h ON h.name = u.head"
        " WHERE c.key = ?2 AND h.active",
        "SELECT DISTINCT u.name, u.email FROM user_roles r JOIN users u ON u.name = r.user"
        " WHERE (r.role = 'admin' OR r.role = 'owner') AND u.active ORDER BY u.name",
    };
    int rc = SDM_OK, found = 0;
    for (size_t i = 0; !rc && !found && i < sizeof rules / sizeof *rules; i++) {
        sqlite3_stmt *st;
        if ((rc = store_sql_open(s, &st, err, rules[i], "tt", role, client))) return rc;
        while (!rc && sqlite3_step(st) == SQLITE_ROW) {
            const char *email = (const char *)sqlite3_column_text(st, 1);
            found++;
            rc = cb(ctx, CHANNEL_INBOX, (const char *)sqlite3_column_text(st, 0));
            if (!rc && email && *email) rc = cb(ctx, CHANNEL_EMAIL, email);
        }
        store_sql_close(s, st);
    }
    return rc;
}

/* ---------- queries for people ---------- */

/* A query assembled from optional predicates, so that each filter that is
** present can use its index (an "?1 IS NULL OR" form would defeat it). */
typedef struct qbuild { sbuf sql; const char *arg[8]; int64_t num[8]; char kind[8]; int n; } qbuild;

static void q_text(qbuild *q, const char *pred, const char *v) {
    if (!v) return;
    sbuf_printf(&q->sql, " AND %s ?%d", pred, q->n + 1);
    q->kind[q->n] = 't'; q->arg[q->n++] = v;
}

static void q_int(qbuild *q, const char *pred, int64_t v) {
    if (!v) return;
    sbuf_printf(&q->sql, " AND %s ?%d", pred, q->n + 1);
    q->kind[q->n] = 'i'; q->num[q->n++] = v;
}

/* Through the statement cache: a query's text depends only on which
** filters are present, so a person's repeated queries skip preparing. */
static int q_run(store *s, qbuild *q, const char *types, sdm_table **out, sdm_err *err) {
    sqlite3_stmt *st;
    *out = NULL;
    int prc = store_sql_open(s, &st, err, q->sql.s, NULL);
    free(q->sql.s);
    if (prc) return prc;
    for (int i = 0; i < q->n; i++) {
        if (q->kind[i] == 't') sqlite3_bind_text(st, i + 1, q->arg[i], -1, SQLITE_TRANSIENT);
        else sqlite3_bind_int64(st, i + 1, q->num[i]);
    }
    return store_rows(s, st, types, out) ? SDM_OK : store_db_error(s, err, "query");
}

static const char *state_filter(const char *st, const char *dflt) {
    if (!st) return dflt;
    return strcmp(st, "all") == 0 ? NULL : st;
}

/* Each list: its SELECT (ending in a WHERE the filters extend with AND),
** its columns' types (table.c) and its order. */
static const struct { const char *select, *types, *order; } lists[] = {
    [SDM_Q_PROCESSES] = {"SELECT d.process, d.version, d.name, r.name AS file, d.deployed_at,"
        " (SELECT count(*) FROM instances i WHERE i.process = d.process AND i.state = 'active') AS active"
        " FROM definitions d JOIN resources r ON r.id = d.resource_id"
        " WHERE d.version = (SELECT max(version) FROM definitions x WHERE x.process = d.process)",
        "sissti", " ORDER BY d.process"},
    [SDM_Q_INSTANCES] = {"SELECT i.id, i.process, d.version, i.client, i.state, i.outcome,"
        " i.started_at, i.ended_at FROM instances i JOIN definitions d ON d.id = i.definition_id WHERE 1",
        "isissstt", " ORDER BY i.id DESC"},
    [SDM_Q_INSTANCE] = {"SELECT i.id, i.process, d.version, i.client, i.state, i.outcome, i.end_node,"
        " i.started_at, i.started_by, i.ended_at, i.parent_id AS called_by FROM instances i"
        " JOIN definitions d ON d.id = i.definition_id WHERE 1", "isisssststi", ""},
    [SDM_Q_TOKENS] = {"SELECT id, node, state, flow, created_at, parent_id AS scope FROM tokens WHERE 1",
        "isssti", " ORDER BY id"},
    [SDM_Q_VARIABLES] = {"SELECT name, value, scope FROM variables WHERE 1", "sji", " ORDER BY scope, name"},
    [SDM_Q_HISTORY] = {"SELECT id, at, event, node, token_id, actor, detail FROM history WHERE 1",
        "itssisj", " ORDER BY id"},
    [SDM_Q_TASKS] = {"SELECT t.id, t.instance_id AS instance, i.client, i.process, t.node, t.name,"
        " t.role, t.assignee, t.state, t.created_at, t.due_at FROM tasks t"
        " JOIN instances i ON i.id = t.instance_id WHERE 1",
        "iissssssstt", " ORDER BY t.due_at IS NULL, t.due_at, t.id"},
    [SDM_Q_INCIDENTS] = {"SELECT n.id, n.instance_id AS instance, i.client, i.process, n.node, n.message,"
        " n.state, n.created_at FROM incidents n JOIN instances i ON i.id = n.instance_id WHERE 1",
        "iissssst", " ORDER BY n.id"},
    [SDM_Q_DEVIATIONS] = {"SELECT id, raised_at, severity, state, client, process, node, manager, rule, message,"
        " instance_id AS instance FROM deviations WHERE 1", "itssssssssi", " ORDER BY id DESC"},
    [SDM_Q_INBOX] = {"SELECT id, created_at, user, subject, body, read_at FROM inbox WHERE 1",
        "itssst", " ORDER BY id DESC"},
    [SDM_Q_OUTBOX] = {"SELECT id, created_at, channel, recipient, subject, state, attempts, next_at,"
        " last_error, sent_at FROM outbox WHERE 1", "itssssitst", " ORDER BY id DESC"},
    [SDM_Q_JOBS] = {"SELECT id, kind, instance_id AS instance, token_id AS token, node, due_at, fired,"
        " attempts, parked_at, last_error FROM jobs WHERE 1", "isiistiits", " ORDER BY due_at, id"},
    [SDM_Q_NODE_STATS] = {
        "WITH inst AS (SELECT id FROM instances WHERE process = ?1),"
        " seen AS (SELECT h.node, count(*) AS c FROM history h JOIN inst ON inst.id = h.instance_id"
        "   WHERE h.event = 'enter' GROUP BY h.node),"
        " here AS (SELECT t.node, count(*) AS c FROM tokens t JOIN inst ON inst.id = t.instance_id GROUP BY t.node),"
        " inc AS (SELECT n.node, count(*) AS c FROM incidents n JOIN inst ON inst.id = n.instance_id"
        "   WHERE n.state = 'open' GROUP BY n.node),"
        " late AS (SELECT k.node, count(*) AS c FROM tasks k JOIN inst ON inst.id = k.instance_id"
        "   WHERE k.state = 'open' AND k.due_at < ?2 GROUP BY k.node)"
        " SELECT seen.node, seen.c AS visits, coalesce(here.c, 0) AS active, coalesce(inc.c, 0) AS incidents,"
        " coalesce(late.c, 0) AS overdue FROM seen LEFT JOIN here USING(node) LEFT JOIN inc USING(node)"
        " LEFT JOIN late USING(node) WHERE 1", "siiii", " ORDER BY seen.node"},
};

int store_query(store *s, sdm_query_kind kind, const sdm_filter *f, sdm_table **out, sdm_err *err) {
    static const sdm_filter none;
    if (!f) f = &none;
    if ((unsigned)kind >= sizeof lists / sizeof *lists || !lists[kind].select)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "unknown query %d", (int)kind);
    if (kind == SDM_Q_NODE_STATS && !f->process)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "node statistics need a process");
    qbuild q = {0};
    int limit = f->limit > 0 ? f->limit : 1000;
    sbuf_puts(&q.sql, lists[kind].select);
    switch (kind) {                        /* the filters each list takes (sdm.h) */
    case SDM_Q_PROCESSES:
        q_text(&q, "d.process =", f->process);
        break;
    case SDM_Q_INSTANCES:
        q_text(&q, "i.process =", f->process);
        q_text(&q, "i.client =", f->client);
        q_text(&q, "i.state =", state_filter(f->state, NULL));
        /* an ended state: say so, for the partial index of ended instances */
        if (state_filter(f->state, NULL) && strcmp(f->state, "active") != 0)
            sbuf_puts(&q.sql, " AND i.state <> 'active'");
        break;
    case SDM_Q_INSTANCE:
        q_int(&q, "i.id =", f->id);
        break;
    case SDM_Q_TOKENS: case SDM_Q_VARIABLES: case SDM_Q_HISTORY: case SDM_Q_JOBS:
        q_int(&q, "instance_id =", f->id);
        break;
    case SDM_Q_TASKS:
        q_text(&q, "t.assignee =", f->user);
        /* by client without a user: reach the client's few tasks through its
        ** instances; "+" keeps the planner off the state index (all open tasks) */
        q_text(&q, f->client && !f->user ? "+t.state =" : "t.state =", state_filter(f->state, "open"));
        q_text(&q, "i.client =", f->client);
        q_text(&q, "i.process =", f->process);
        q_int(&q, "t.instance_id =", f->id);
        break;
    case SDM_Q_INCIDENTS:
        q_text(&q, "n.state =", state_filter(f->state, "open"));
        q_int(&q, "n.instance_id =", f->id);
        break;
    case SDM_Q_DEVIATIONS:
        q_text(&q, "state =", state_filter(f->state, NULL));
        q_text(&q, "manager =", f->user);
        q_int(&q, "instance_id =", f->id);
        break;
    case SDM_Q_INBOX:
        q_text(&q, "user =", f->user);
        if (f->state && strcmp(f->state, "unread") == 0) sbuf_puts(&q.sql, " AND read_at IS NULL");
        break;
    case SDM_Q_OUTBOX:
        q_text(&q, "state =", state_filter(f->state, NULL));
        break;
    case SDM_Q_NODE_STATS:                 /* bound by position in its WITH */
        q.kind[0] = 't'; q.arg[0] = f->process;
        q.kind[1] = 'i'; q.num[1] = f->at;
        q.n = 2;
        break;
    }
    sbuf_printf(&q.sql, "%s LIMIT %d", lists[kind].order, limit);
    return q_run(s, &q, lists[kind].types, out, err);
}

/* Each check is a query whose rows are violations: (problem, id). */
static const char *const checks[] = {
    "SELECT 'active instance without tokens', i.id FROM instances i WHERE i.state = 'active'"
    " AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.instance_id = i.id)",
    "SELECT 'ended instance still has tokens', i.id FROM instances i WHERE i.state <> 'active'"
    " AND EXISTS (SELECT 1 FROM tokens t WHERE t.instance_id = i.id)",
    "SELECT 'token left ready outside a step', id FROM tokens WHERE state = 'ready'",
    "SELECT 'waiting token with neither an open task nor a timer', t.id FROM tokens t WHERE t.state = 'waiting'"
    " AND NOT EXISTS (SELECT 1 FROM tasks k WHERE k.id = t.task AND k.state = 'open')"
    " AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.token_id = t.id AND j.kind = 'timer')"
    " AND NOT EXISTS (SELECT 1 FROM instances c WHERE c.parent_token = t.id AND c.state = 'active')"
    " AND NOT EXISTS (SELECT 1 FROM subscriptions b WHERE b.token_id = t.id)"
    " AND NOT EXISTS (SELECT 1 FROM tokens c WHERE c.parent_id = t.id)",
    "SELECT 'subscription of a token that is gone', b.id FROM subscriptions b"
    " WHERE b.token_id <> 0 AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = b.token_id)",
    "SELECT 'token whose scope is gone or not waiting', c.id FROM tokens c WHERE c.parent_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = c.parent_id AND t.instance_id = c.instance_id"
    " AND t.state = 'waiting')",
    "SELECT 'variables of a scope that is gone', v.instance_id FROM variables v WHERE v.scope <> 0"
    " AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = v.scope)",
    "SELECT 'active called instance whose caller is gone', c.id FROM instances c WHERE c.state = 'active'"
    " AND c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = c.parent_token)",
    /* a token names one task: two open on one token fail this too */
    "SELECT 'open task that is not its token''s task', k.id FROM tasks k WHERE k.state = 'open'"
    " AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = k.token_id AND t.task = k.id)",
    "SELECT 'job of a token that is gone', j.id FROM jobs j WHERE j.token_id IS NOT NULL AND j.token_id <> 0"
    " AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = j.token_id)",
    "SELECT 'open task whose token is not waiting at its node', k.id FROM tasks k WHERE k.state = 'open'"
    " AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = k.token_id AND t.state = 'waiting' AND t.node = k.node)",
    "SELECT 'incident token without an open incident', t.id FROM tokens t WHERE t.state = 'incident'"
    " AND NOT EXISTS (SELECT 1 FROM incidents n WHERE n.token_id = t.id AND n.state = 'open')",
    "SELECT 'open incident whose token is not in incident', n.id FROM incidents n WHERE n.state = 'open'"
    " AND n.token_id <> 0 AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = n.token_id AND t.state = 'incident')",
    "SELECT 'open-task count out of step for ' || coalesce(l.user, x.assignee), coalesce(l.open, 0) FROM"
    " (SELECT assignee, count(*) AS n FROM tasks WHERE state = 'open' AND assignee IS NOT NULL GROUP BY assignee) x"
    " FULL OUTER JOIN user_load l ON l.user = x.assignee WHERE coalesce(l.open, 0) <> coalesce(x.n, 0)",
    "SELECT 'open-task count of role ' || r.role || ' out of step for ' || r.user, r.open FROM user_roles r"
    " WHERE r.open <> coalesce((SELECT l.open FROM user_load l WHERE l.user = r.user), 0)",
    "SELECT 'role ' || r.role || ' of ' || r.user || ' out of step with the user''s active', r.active"
    " FROM user_roles r WHERE r.active <> coalesce((SELECT u.active FROM users u WHERE u.name = r.user), 0)",
    "SELECT 'definition versions have a gap', process FROM definitions GROUP BY process"
    " HAVING max(version) <> count(*)",
    "SELECT 'client with two holders of role ' || role, client FROM client_roles WHERE until IS NULL"
    " GROUP BY client, role HAVING count(*) > 1",
    "SELECT 'client role held by an inactive user ' || user, client || ' ' || role FROM client_roles c"
    " WHERE until IS NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.name = c.user AND u.active)",
};

int store_check(store *s, sdm_table **out, sdm_err *err) {
    static const char *const cols[] = {"problem", "id", NULL};
    sdm_table *t = table_new(cols, "ss");
    for (size_t i = 0; i < sizeof checks / sizeof *checks; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(store_sqlite(s), checks[i], -1, &st, NULL) != SQLITE_OK) {
            sdm_table_free(t);
            return store_db_error(s, err, "check");
        }
        while (sqlite3_step(st) == SQLITE_ROW) {
            char **r = table_add_row(t);
            r[0] = store_col_text(st, 0);
            r[1] = store_col_text(st, 1);
        }
        sqlite3_finalize(st);
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_sqlite(s), "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *v = (const char *)sqlite3_column_text(st, 0);
            if (v && strcmp(v, "ok") != 0) { char **r = table_add_row(t); r[0] = xstrdup("sqlite integrity"); r[1] = xstrdup(v); }
        }
        sqlite3_finalize(st);
    }
    *out = t;
    return SDM_OK;
}
