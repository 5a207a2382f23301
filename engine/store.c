/*
** store.c — the engine's rows: the statements on tokens, instances, tasks,
** jobs, variables, history and the outbox; the handle that runs them opens,
** closes and brackets transactions in store_txn.c.
** The schema and its invariants are specified in store.h; the schema's
** text and its upgrades are in migrate.c, the WAL writer in wal.c, and
** the people's and reports' SQL in org.c and report.c (through
** store_sql_*, whose statement cache is store_sql.c's). Only the store
** layer includes sqlite3.h. The rows' states and kinds are enums above
** this file (store.h's name tables); here alone they become text and back.
**
** Statements on the hot path are prepared once and cached by number; a
** commit's WAL writes go out in one write() (wal.c).
** The reads for people (lists, recipients, the invariant check) are in
** store_query.c. This file knows rows, not BPMN: it never decides what a
** token does.
** It must not open transactions on its own except in migrations; the
** caller brackets each state change with store_begin/store_commit.
*/
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include "store.h"
#include "table.h"
#include "store_int.h"
#include "wal.h"
#include "err.h"

/* ---------- cached statements ---------- */


#define TASK_COLS "t.id, t.instance_id, t.token_id, t.node, t.state, t.assignee"

static const char *const sql_of[Q__COUNT] = {
    [Q_LATEST_DEF] = "SELECT d.id, d.version, r.xml FROM definitions d JOIN resources r ON r.id = d.resource_id"
                     " WHERE d.process = ?1 ORDER BY d.version DESC LIMIT 1",
    [Q_LATEST_DEF_ID] = "SELECT id, version FROM definitions WHERE process = ?1 ORDER BY version DESC LIMIT 1",
    [Q_RES_ADD] = "INSERT INTO resources(name, xml, deployed_at) VALUES(?1, ?2, ?3)",
    [Q_DEF_ADD] = "INSERT INTO definitions(process, version, name, resource_id, deployed_at, deployed_by)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_TREE_ADD] = "INSERT INTO model_trees(resource_id, tree) VALUES(?1, ?2)",
    [Q_TREE_MISSING] = "SELECT r.id, r.name, r.xml FROM resources r WHERE r.id > ?1"
                       " AND NOT EXISTS (SELECT 1 FROM model_trees t WHERE t.resource_id = r.id) ORDER BY r.id LIMIT 1",
    [Q_DEF_SOURCE] = "SELECT r.id, d.process, r.name, t.tree, CASE WHEN t.tree IS NULL THEN r.xml END"
                     " FROM definitions d JOIN resources r ON r.id = d.resource_id"
                     " LEFT JOIN model_trees t ON t.resource_id = r.id WHERE d.id = ?1",
    [Q_INST_ADD] = "INSERT INTO instances(definition_id, process, client, state, started_at, started_by)"
                   " VALUES(?1, ?2, ?3, 'active', ?4, ?5)",
    [Q_INST_GET] = "SELECT id, definition_id, process, client, state, parent_id, parent_token FROM instances WHERE id = ?1",
    [Q_INST_PARENT] = "UPDATE instances SET parent_id = ?2, parent_token = ?3 WHERE id = ?1",
    [Q_INST_END] = "UPDATE instances SET state = ?2, outcome = ?3, end_node = ?4, ended_at = ?5"
                   " WHERE id = ?1 AND state = 'active'",
    [Q_INST_ACTIVE] = "SELECT id FROM instances WHERE process = ?1 AND client = ?2 AND state = 'active'",
    [Q_TOK_ADD] = "INSERT INTO tokens(instance_id, node, state, flow, created_at, parent_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_TOK_SET] = "UPDATE tokens SET node = ?2, state = ?3, flow = ?4 WHERE id = ?1",
    [Q_TOK_WAIT_TASK] = "UPDATE tokens SET node = ?2, state = 'waiting', flow = ?3, task = ?4 WHERE id = ?1",
    [Q_TOK_DEL] = "DELETE FROM tokens WHERE id = ?1",
    [Q_TOK_GET] = "SELECT id, node, state, flow, parent_id FROM tokens WHERE id = ?1",
    [Q_TOK_COUNT] = "SELECT count(*) FROM tokens WHERE instance_id = ?1 AND parent_id IS ?2",
    [Q_TOK_JOINING] = "SELECT id, flow FROM tokens WHERE instance_id = ?1 AND node = ?2"
                      " AND state = 'joining' AND parent_id IS ?3 ORDER BY id",
    [Q_TOK_DEL_ALL] = "DELETE FROM tokens WHERE instance_id = ?1",
    [Q_TOK_ALL] = "SELECT id, node, state, flow, parent_id FROM tokens WHERE instance_id = ?1 ORDER BY id",
    [Q_TASK_ADD] = "INSERT INTO tasks(instance_id, token_id, node, name, role, assignee, state, created_at, due_at)"
                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8)",
    [Q_TASK_GET] = "SELECT " TASK_COLS " FROM tasks t WHERE t.id = ?1",
    /* The token's waits are two index probes here, where a completion
    ** without any saves the two DELETEs that would find nothing. */
    [Q_TASK_OPEN] = "SELECT " TASK_COLS ", i.id, i.definition_id, i.process, i.client, i.state, i.parent_id,"
                    " i.parent_token, k.id, k.node, k.state, k.flow, k.parent_id,"
                    " EXISTS (SELECT 1 FROM jobs j WHERE j.token_id = k.id)"
                    " OR EXISTS (SELECT 1 FROM subscriptions b WHERE b.token_id = k.id)"
                    " FROM tasks t JOIN instances i ON i.id = t.instance_id"
                    " LEFT JOIN tokens k ON k.id = t.token_id AND t.state = 'open' WHERE t.id = ?1",
    [Q_TASK_CLOSE] = "UPDATE tasks SET state = ?2, completed_at = ?3, completed_by = ?4"
                     " WHERE id = ?1 AND state = 'open'",
    [Q_TASK_CANCEL_ALL] = "UPDATE tasks SET state = 'cancelled', completed_at = ?2, completed_by = ?3"
                          " WHERE instance_id = ?1 AND state = 'open'",
    [Q_TASK_CANCEL_LOG] = "INSERT INTO history_steps(instance_id, token_id, node, event, at, actor, detail)"
                          " SELECT instance_id, token_id, node, 'task-cancelled', ?2, ?3, json_object('task', id)"
                          " FROM tasks WHERE instance_id = ?1 AND state = 'open' ORDER BY id",
    [Q_VAR_SET] = "INSERT INTO variables(instance_id, scope, name, value) VALUES(?1, ?2, ?3, ?4)"
                  " ON CONFLICT(instance_id, scope, name) DO UPDATE SET value = excluded.value",
    [Q_VAR_DEL] = "DELETE FROM variables WHERE instance_id = ?1 AND scope = ?2 AND name = ?3",
    [Q_VARS_JSON] = "SELECT json_group_object(name, json(value)) FROM variables WHERE instance_id = ?1 AND scope = ?2",
    [Q_HIST] = "INSERT INTO history_steps(id, instance_id, token_id, node, event, at, actor, detail, n, more)"
               /* max(id) as the last rowid, without max()'s aggregate: ~400 instructions less a row */
               " VALUES(coalesce((SELECT id FROM history_steps ORDER BY id DESC LIMIT 1), 0) + ?8,"
               " ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [Q_INC_ADD] = "INSERT INTO incidents(instance_id, token_id, node, phase, message, state, created_at)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, 'open', ?6)",
    [Q_INC_GET] = "SELECT id, instance_id, token_id, node, phase, state FROM incidents WHERE id = ?1",
    [Q_INC_RESOLVE] = "UPDATE incidents SET state = 'resolved', resolved_at = ?2, resolved_by = ?3"
                      " WHERE id = ?1 AND state = 'open'",
    [Q_INC_RESOLVE_ALL] = "UPDATE incidents SET state = 'resolved', resolved_at = ?2, resolved_by = ?3"
                          " WHERE instance_id = ?1 AND state = 'open'",
    [Q_JOB_ADD] = "INSERT INTO jobs(kind, instance_id, token_id, node, due_at, spec, fired, created_at)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_JOB_DUE] = "SELECT id, kind, instance_id, token_id, node, due_at, spec, fired, created_at, definition_id,"
                  " attempts, incident_id FROM jobs WHERE due_at <= ?1 AND parked_at IS NULL ORDER BY due_at, id LIMIT 1",
    [Q_JOB_DEL] = "DELETE FROM jobs WHERE id = ?1",
    [Q_JOB_RESCHEDULE] = "UPDATE jobs SET due_at = ?2, fired = ?3 WHERE id = ?1",
    [Q_JOB_DEL_TOKEN] = "DELETE FROM jobs WHERE token_id = ?1",
    [Q_JOB_DEL_INST] = "DELETE FROM jobs WHERE instance_id = ?1",
    [Q_JOB_NEXT] = "SELECT min(due_at) FROM jobs WHERE parked_at IS NULL",
    /* through tasks_instance: an instance has few tasks */
    [Q_TASK_OF_TOKEN] = "SELECT " TASK_COLS ", t.due_at, t.created_at FROM tasks t"
                        " WHERE t.instance_id = ?3 AND t.token_id = ?1 AND t.node = ?2 ORDER BY t.id DESC LIMIT 1",
    [Q_TASK_CANCEL_TOKEN] = "UPDATE tasks SET state = 'cancelled', completed_at = ?2, completed_by = ?3"
                            " WHERE id = (SELECT task FROM tokens WHERE id = ?1) AND state = 'open'",
    [Q_DEV_ADD] = "INSERT INTO deviations(instance_id, client, process, node, task_id, manager, rule, severity,"
                  " message, state, raised_at) SELECT ?1, i.client, i.process, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8"
                  " FROM instances i WHERE i.id = ?1",
    [Q_DEV_SET] = "UPDATE deviations SET state = ?2,"
                  " acknowledged_at = CASE WHEN ?2 = 'acknowledged' THEN ?3 ELSE acknowledged_at END,"
                  " acknowledged_by = CASE WHEN ?2 = 'acknowledged' THEN ?4 ELSE acknowledged_by END,"
                  " resolved_at = CASE WHEN ?2 = 'resolved' THEN ?3 ELSE resolved_at END,"
                  " resolved_by = CASE WHEN ?2 = 'resolved' THEN ?4 ELSE resolved_by END"
                  " WHERE id = ?1 AND state <> 'resolved' AND state <> ?2",
    [Q_OUT_ADD] = "INSERT INTO outbox(channel, recipient, subject, body, state, next_at, created_at,"
                  " instance_id, deviation_id) VALUES(?1, ?2, ?3, ?4, 'pending', ?5, ?5, ?6, ?7)",
    [Q_OUT_CLAIM] = "SELECT id, channel, recipient, subject, body, attempts, instance_id, deviation_id FROM outbox"
                    " WHERE state = 'pending' AND next_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)"
                    " ORDER BY next_at, id LIMIT 1",
    [Q_OUT_LEASE] = "UPDATE outbox SET lease_until = ?2, attempts = attempts + 1 WHERE id = ?1",
    [Q_OUT_DONE] = "UPDATE outbox SET state = ?2, next_at = ?3, last_error = ?4, lease_until = NULL,"
                   " sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE NULL END WHERE id = ?1",
    [Q_OUT_NEXT] = "SELECT min(max(next_at, coalesce(lease_until, 0))) FROM outbox WHERE state = 'pending'",
    [Q_INBOX_ADD] = "INSERT INTO inbox(user, subject, body, created_at, instance_id, deviation_id)"
                    " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_LOAD_ADD] = "INSERT INTO user_load(user, open) VALUES(?1, ?2)"
                   " ON CONFLICT(user) DO UPDATE SET open = open + excluded.open",
    [Q_LOAD_ROLES] = "UPDATE user_roles SET open = open + ?2 WHERE user = ?1",
    [Q_LOAD_CLOSED] = "SELECT assignee FROM tasks WHERE id = ?1 AND assignee IS NOT NULL",
    [Q_LOAD_INST] = "SELECT assignee FROM tasks WHERE instance_id = ?1 AND state = 'open' AND assignee IS NOT NULL",
    [Q_LOAD_TOKEN] = "SELECT t.assignee FROM tokens k JOIN tasks t ON t.id = k.task WHERE k.id = ?1"
                     " AND t.state = 'open' AND t.assignee IS NOT NULL",
};

static void load_add(store *s, const char *user, int delta);     /* open tasks per user, below */

/* SQLite's words for the last failure, except a full disk: it may come as
** "disk I/O error" (a write that failed with ENOSPC), and the person must
** learn that space ran out, and where. */
const char *store_cause(store *s, char *buf, size_t n) {
    if ((sqlite3_extended_errcode(s->db) & 0xff) != SQLITE_FULL && sqlite3_system_errno(s->db) != ENOSPC)
        return sqlite3_errmsg(s->db);
    snprintf(buf, n, "disk full: no space left to write %s (or its -wal file)", s->path ? s->path : "the database");
    return buf;
}

int store_db_error(store *s, sdm_err *err, const char *what) {
    char buf[600];
    return err_set(err, SDM_ERR_STORE, s->path, 0, NULL, "%s: %s", what, store_cause(s, buf, sizeof buf));
}

sqlite3_stmt *store_q_prep(store *s, int q, sdm_err *err) {
    if (!s->stmt[q] && sqlite3_prepare_v3(s->db, sql_of[q], -1, SQLITE_PREPARE_PERSISTENT,
                                          &s->stmt[q], NULL) != SQLITE_OK) {
        store_db_error(s, err, "prepare");
        return NULL;
    }
    return s->stmt[q];
}

/* Bind by a format: i int64, I int64 with 0 as NULL, t text (NULL as NULL),
** b blob (pointer, size_t), d double. `keep`: SQLITE_TRANSIENT (SQLite
** copies each text) unless the statement runs to its end and is reset
** before the caller's strings can go (execv): then SQLITE_STATIC, which
** saves a step an allocation and a copy per text. */
void store_bindv(sqlite3_stmt *st, const char *fmt, va_list ap, sqlite3_destructor_type keep) {
    for (int i = 1; *fmt; fmt++, i++) {
        switch (*fmt) {
        case 'i': sqlite3_bind_int64(st, i, va_arg(ap, int64_t)); break;
        case 'I': { int64_t v = va_arg(ap, int64_t);
                    if (v) sqlite3_bind_int64(st, i, v); else sqlite3_bind_null(st, i); break; }
        case 't': sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, keep); break;
        case 'b': { const void *p = va_arg(ap, const void *); size_t n = va_arg(ap, size_t);
                    sqlite3_bind_blob64(st, i, p, n, keep); break; }
        case 'd': sqlite3_bind_double(st, i, va_arg(ap, double)); break;
        default: sdm_panic("bad bind format");
        }
    }
}

void store_reset(sqlite3_stmt *st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static int execv(store *s, int q, int *changes, sdm_err *err, const char *fmt, va_list ap) {
    sqlite3_stmt *st = store_q_prep(s, q, err);
    if (!st) return SDM_ERR_STORE;
    sdm_assert(sqlite3_bind_parameter_count(st) == (int)strlen(fmt));
    store_bindv(st, fmt, ap, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    store_reset(st);
    if (rc != SQLITE_DONE) return store_db_error(s, err, sql_of[q]);
    if (changes) *changes = sqlite3_changes(s->db);
    return SDM_OK;
}

/* Run a statement that returns no rows; *changes gets the rows touched. */
int store_q_exec(store *s, int q, int *changes, sdm_err *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = execv(s, q, changes, err, fmt, ap);
    va_end(ap);
    return rc;
}

/* Run an INSERT; *id gets the new row's id. */
static int insert(store *s, int q, int64_t *id, sdm_err *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = execv(s, q, NULL, err, fmt, ap);
    va_end(ap);
    *id = rc ? 0 : sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* Step a query to its first row: SDM_OK with the row ready (caller calls
** done), SDM_ERR_NOTFOUND with nothing to release. */
static int row(store *s, int q, sqlite3_stmt **out, sdm_err *err, const char *fmt, ...) {
    sqlite3_stmt *st = store_q_prep(s, q, err);
    if (!st) return SDM_ERR_STORE;
    sdm_assert(sqlite3_bind_parameter_count(st) == (int)strlen(fmt));
    va_list ap;
    va_start(ap, fmt);
    store_bindv(st, fmt, ap, SQLITE_TRANSIENT);
    va_end(ap);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) { *out = st; return SDM_OK; }
    store_reset(st);
    if (rc == SQLITE_DONE) return SDM_ERR_NOTFOUND;
    return store_db_error(s, err, sql_of[q]);
}

static void copy_col(sqlite3_stmt *st, int c, char *dst, size_t n) {
    const unsigned char *v = sqlite3_column_text(st, c);
    size_t len = v ? (size_t)sqlite3_column_bytes(st, c) : 0;
    if (len >= n) len = n - 1;
    if (len) memcpy(dst, v, len);
    dst[len] = 0;
}

char *store_col_text(sqlite3_stmt *st, int c) {
    const unsigned char *v = sqlite3_column_text(st, c);
    return v ? xstrdup((const char *)v) : NULL;
}

/* ---------- the rows' states and kinds as text (store.h's tables) ---------- */

#define ENUM_TEXT(e, text) [e] = text,
#define ENUM_NAMES(type, LIST)                                                                  \
    static const char *const type##_names[] = { LIST(ENUM_TEXT) };                              \
    const char *store_##type##_text(type v) {                                                   \
        sdm_assert((unsigned)v < sizeof type##_names / sizeof *type##_names);                   \
        return type##_names[v];                                                                 \
    }
ENUM_NAMES(token_state, TOKEN_STATES)
ENUM_NAMES(instance_state, INSTANCE_STATES)
ENUM_NAMES(task_state, TASK_STATES)
ENUM_NAMES(job_kind, JOB_KINDS)
ENUM_NAMES(sub_kind, SUB_KINDS)
ENUM_NAMES(incident_phase, INCIDENT_PHASES)
ENUM_NAMES(incident_state, INCIDENT_STATES)
ENUM_NAMES(out_channel, OUT_CHANNELS)
ENUM_NAMES(out_state, OUT_STATES)

/* Column c read back into an enum by its table of names; an unknown text
** is a corrupt row (*ok cleared). */
static int enum_col(sqlite3_stmt *st, int c, const char *const *names, int n, int *ok) {
    const char *v = (const char *)sqlite3_column_text(st, c);
    for (int i = 0; v && i < n; i++)
        if (strcmp(v, names[i]) == 0) return i;
    *ok = 0;
    return 0;
}
#define ENUM_COL(st, c, type, ok) \
    ((type)enum_col(st, c, type##_names, (int)(sizeof type##_names / sizeof *type##_names), ok))

static char *dup_blob(sqlite3_stmt *st, int c, size_t *len) {
    const void *p = sqlite3_column_blob(st, c);
    *len = (size_t)sqlite3_column_bytes(st, c);
    char *out = xmalloc(*len + 1);
    if (*len) memcpy(out, p, *len);
    out[*len] = 0;
    return out;
}

/* ---------- deployment ---------- */

int store_latest_definition(store *s, const char *process, int64_t *def_id, int *version,
                            char **xml, size_t *len, sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, xml ? Q_LATEST_DEF : Q_LATEST_DEF_ID, &st, err, "t", process);
    if (rc) return rc == SDM_ERR_NOTFOUND
        ? err_set(err, rc, NULL, 0, NULL, "no process '%s' is deployed", process) : rc;
    *def_id = sqlite3_column_int64(st, 0);
    *version = sqlite3_column_int(st, 1);
    if (xml) *xml = dup_blob(st, 2, len);
    store_reset(st);
    return SDM_OK;
}

int store_definition_find(store *s, const char *process, int version, int64_t *id, sdm_err *err) {
    int rc = store_sql_int(s, id, err, "SELECT id FROM definitions WHERE process = ?1 AND version = ?2", "ti",
                           process, (int64_t)version);
    if (rc == SDM_ERR_NOTFOUND)
        return err_set(err, rc, NULL, 0, NULL, "no version %d of process '%s' is deployed", version, process);
    return rc;
}

int store_definition_xml(store *s, const char *process, int version, char **xml, size_t *len,
                         sdm_err *err) {
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT r.xml FROM definitions d JOIN resources r ON r.id = d.resource_id"
                                " WHERE d.process = ?1 AND (?2 = 0 OR d.version = ?2)"
                                " ORDER BY d.version DESC LIMIT 1", -1, &st, NULL);
    if (rc != SQLITE_OK) return store_db_error(s, err, "definition");
    sqlite3_bind_text(st, 1, process, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, version);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *xml = dup_blob(st, 0, len);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return SDM_OK;
    if (rc == SQLITE_DONE)
        return version ? err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "process '%s' has no version %d", process, version)
                       : err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no process '%s' is deployed", process);
    return store_db_error(s, err, "definition");
}

int store_resource_add(store *s, const char *name, const char *xml, size_t len, const char *tree,
                       size_t tree_len, int64_t now, int64_t *id, sdm_err *err) {
    int rc = insert(s, Q_RES_ADD, id, err, "tbi", name, xml, len, now);
    return rc ? rc : store_tree_add(s, *id, tree, tree_len, err);
}

int store_found_version(store *s) { return s->found_version; }

int store_tree_missing(store *s, int64_t after, int64_t *id, char **name, char **xml, size_t *len, sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_TREE_MISSING, &st, err, "i", after);
    if (rc) return rc;
    *id = sqlite3_column_int64(st, 0);
    *name = store_col_text(st, 1);
    *xml = dup_blob(st, 2, len);
    store_reset(st);
    return SDM_OK;
}

int store_tree_add(store *s, int64_t resource, const char *tree, size_t len, sdm_err *err) {
    int64_t id;
    return insert(s, Q_TREE_ADD, &id, err, "ib", resource, tree, len);
}

int store_definition_add(store *s, const char *process, int version, const char *name,
                         int64_t resource, int64_t now, const char *actor, int64_t *id, sdm_err *err) {
    return insert(s, Q_DEF_ADD, id, err, "titiit", process, (int64_t)version, name, resource, now, actor);
}

int store_definition_source(store *s, int64_t def_id, int64_t *resource, char **process,
                            char **file, char **tree, char **xml, size_t *len, sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_DEF_SOURCE, &st, err, "i", def_id);
    if (rc == SDM_ERR_NOTFOUND) return SDM_CORRUPT_BKPT(err, "instance refers to a missing definition");
    if (rc) return rc;
    *resource = sqlite3_column_int64(st, 0);
    *process = store_col_text(st, 1);
    *file = store_col_text(st, 2);
    *tree = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : dup_blob(st, 3, len);
    *xml = *tree ? NULL : dup_blob(st, 4, len);
    store_reset(st);
    return SDM_OK;
}

/* ---------- instances ---------- */

int store_instance_add(store *s, int64_t def_id, const char *process, const char *client,
                       int64_t now, const char *actor, int64_t *id, sdm_err *err) {
    sqlite3_stmt *st;
    if (row(s, Q_INST_ACTIVE, &st, NULL, "tt", process, client) == SDM_OK) {
        long long other = sqlite3_column_int64(st, 0);
        store_reset(st);
        return err_set(err, SDM_ERR_STATE, NULL, 0, NULL,
                       "client '%s' already has an active instance of '%s' (instance %lld)",
                       client, process, other);
    }
    return insert(s, Q_INST_ADD, id, err, "ittit", def_id, process, client, now, actor);
}

/* The row's columns from c on, in Q_INST_GET's order; 0 on an unknown state. */
static int instance_cols(sqlite3_stmt *st, int c, store_instance *out) {
    int ok = 1;
    out->id = sqlite3_column_int64(st, c);
    out->definition_id = sqlite3_column_int64(st, c + 1);
    copy_col(st, c + 2, out->process, sizeof out->process);
    copy_col(st, c + 3, out->client, sizeof out->client);
    out->state = ENUM_COL(st, c + 4, instance_state, &ok);
    out->parent_id = sqlite3_column_int64(st, c + 5);
    out->parent_token = sqlite3_column_int64(st, c + 6);
    return ok;
}

int store_instance_get(store *s, int64_t id, store_instance *out, sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_INST_GET, &st, err, "i", id);
    if (rc == SDM_ERR_NOTFOUND) return err_set(err, rc, NULL, 0, NULL, "no instance %lld", (long long)id);
    if (rc) return rc;
    int ok = instance_cols(st, 0, out);
    store_reset(st);
    return ok ? SDM_OK : SDM_CORRUPT_BKPT(err, "an instance's state is unknown");
}

int store_instance_set_parent(store *s, int64_t id, int64_t parent, int64_t token, sdm_err *err) {
    return store_q_exec(s, Q_INST_PARENT, NULL, err, "iii", id, parent, token);
}

/* Runs statements in order, each bound by position: ?1 instance, ?2 now,
** ?3 actor, ?4 token, ?5 text. For the rare, many-table changes below:
** not worth a cached statement each. A statement that returns rows lists
** assignees of open tasks about to be closed: one less open task each. */
static int run_steps(store *s, const char *const *steps, size_t n, int64_t inst, int64_t now, const char *actor,
                     int64_t token, const char *text, const char *what, sdm_err *err) {
    int rc = store_history_flush(s, err);     /* the rows they insert come after the step's so far */
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, steps[i], -1, &st, NULL) != SQLITE_OK) return store_db_error(s, err, what);
        int np = sqlite3_bind_parameter_count(st);
        if (np >= 1) sqlite3_bind_int64(st, 1, inst);
        if (np >= 2) sqlite3_bind_int64(st, 2, now);
        if (np >= 3) sqlite3_bind_text(st, 3, actor, -1, SQLITE_TRANSIENT);
        if (np >= 4) sqlite3_bind_int64(st, 4, token);
        if (np >= 5) sqlite3_bind_text(st, 5, text, -1, SQLITE_TRANSIENT);
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) load_add(s, (const char *)sqlite3_column_text(st, 0), -1);
        sqlite3_finalize(st);
        if (r != SQLITE_DONE) return store_db_error(s, err, what);
    }
    return rc;
}

/* Terminate every active instance called, directly or not, from `inst`
** (token 0), or from its token `token`, or (token -1) from a token in
** temp.doomed_tokens: their tokens, tasks and jobs go, history says why. */
static int terminate_called(store *s, int64_t inst, int64_t token, int64_t now, const char *actor, sdm_err *err) {
    const char *const steps[] = {
        "CREATE TEMP TABLE IF NOT EXISTS doomed(id INTEGER PRIMARY KEY)",
        "DELETE FROM doomed",
        token == 0 ? "WITH RECURSIVE d(id) AS (SELECT id FROM instances WHERE parent_id = ?1 AND state = 'active'"
                     " UNION SELECT i.id FROM instances i JOIN d ON i.parent_id = d.id WHERE i.state = 'active')"
                     " INSERT INTO doomed SELECT id FROM d"
        : token > 0 ? "WITH RECURSIVE d(id) AS (SELECT id FROM instances WHERE parent_id = ?1 AND parent_token = ?4"
                      " AND state = 'active' UNION SELECT i.id FROM instances i JOIN d ON i.parent_id = d.id"
                      " WHERE i.state = 'active') INSERT INTO doomed SELECT id FROM d"
        : "WITH RECURSIVE d(id) AS (SELECT id FROM instances WHERE parent_id = ?1 AND state = 'active'"
          " AND parent_token IN (SELECT id FROM doomed_tokens) UNION SELECT i.id FROM instances i"
          " JOIN d ON i.parent_id = d.id WHERE i.state = 'active') INSERT INTO doomed SELECT id FROM d",
        "INSERT INTO history_steps(instance_id, event, at, actor, detail) SELECT id, 'terminate', ?2, ?3,"
        " json_object('by', 'parent', 'parent', ?1) FROM doomed",
        "INSERT INTO history_steps(instance_id, token_id, node, event, at, actor, detail)"
        " SELECT instance_id, token_id, node, 'task-cancelled', ?2, ?3, json_object('task', id)"
        " FROM tasks WHERE state = 'open' AND instance_id IN (SELECT id FROM doomed)",
        /* the one step with rows: each is one open task less for its assignee */
        "SELECT assignee FROM tasks WHERE state = 'open' AND assignee IS NOT NULL"
        " AND instance_id IN (SELECT id FROM doomed)",
        "UPDATE tasks SET state = 'cancelled', completed_at = ?2, completed_by = ?3"
        " WHERE state = 'open' AND instance_id IN (SELECT id FROM doomed)",
        "DELETE FROM jobs WHERE instance_id IN (SELECT id FROM doomed)",
        "DELETE FROM subscriptions WHERE instance_id IN (SELECT id FROM doomed)",
        "UPDATE incidents SET state = 'resolved', resolved_at = ?2, resolved_by = ?3"
        " WHERE state = 'open' AND instance_id IN (SELECT id FROM doomed)",
        "DELETE FROM tokens WHERE instance_id IN (SELECT id FROM doomed)",
        "UPDATE instances SET state = 'terminated', ended_at = ?2 WHERE id IN (SELECT id FROM doomed)",
    };
    return run_steps(s, steps, sizeof steps / sizeof *steps, inst, now, actor, token, NULL, "terminate called", err);
}

int store_terminate_children(store *s, int64_t inst, int64_t token, int64_t now, const char *actor, sdm_err *err) {
    return terminate_called(s, inst, token, now, actor, err);
}

/* The last tasks of the doomed tokens: their open tasks, if open. */
#define DOOMED_TASKS "SELECT k.task FROM doomed_tokens d JOIN tokens k ON k.id = d.id"

int store_scope_cancel(store *s, int64_t inst, int64_t scope, int64_t now, const char *actor, const char *by,
                       int64_t **ids, int *n, sdm_err *err) {
    const char *const steps[] = {
        "CREATE TEMP TABLE IF NOT EXISTS doomed_tokens(id INTEGER PRIMARY KEY)",
        "DELETE FROM doomed_tokens",
        scope ? "WITH RECURSIVE d(id) AS (SELECT id FROM tokens WHERE parent_id = ?4"
                " UNION SELECT t.id FROM tokens t JOIN d ON t.parent_id = d.id) INSERT INTO doomed_tokens SELECT id FROM d"
              : "INSERT INTO doomed_tokens SELECT id FROM tokens WHERE instance_id = ?1",
        "INSERT INTO history_steps(instance_id, token_id, node, event, at, actor, detail)"
        " SELECT instance_id, token_id, node, 'task-cancelled', ?2, ?3, json_object('task', id, 'by', ?5)"
        " FROM tasks WHERE state = 'open' AND id IN (" DOOMED_TASKS ") ORDER BY id",
        "SELECT assignee FROM tasks WHERE state = 'open' AND assignee IS NOT NULL AND id IN (" DOOMED_TASKS ")",
        "UPDATE tasks SET state = 'cancelled', completed_at = ?2, completed_by = ?3"
        " WHERE state = 'open' AND id IN (" DOOMED_TASKS ")",
        "DELETE FROM jobs WHERE token_id IN (SELECT id FROM doomed_tokens)",
        "DELETE FROM subscriptions WHERE token_id IN (SELECT id FROM doomed_tokens)",
        "UPDATE incidents SET state = 'resolved', resolved_at = ?2, resolved_by = ?3"
        " WHERE state = 'open' AND instance_id = ?1 AND token_id IN (SELECT id FROM doomed_tokens)",
        "DELETE FROM variables WHERE instance_id = ?1 AND scope IN (SELECT id FROM doomed_tokens)",
    };
    *ids = NULL;
    *n = 0;
    int rc = run_steps(s, steps, sizeof steps / sizeof *steps, inst, now, actor, scope, by, "cancel scope", err);
    if (!rc) rc = terminate_called(s, inst, -1, now, actor, err);
    sqlite3_stmt *st;
    if (!rc && sqlite3_prepare_v2(s->db, "SELECT id FROM doomed_tokens", -1, &st, NULL) != SQLITE_OK)
        rc = store_db_error(s, err, "cancel scope");
    else if (!rc) {
        int cap = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (*n == cap) *ids = xrealloc(*ids, sizeof **ids * (size_t)(cap = cap ? cap * 2 : 8));
            (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        static const char *const last[] = {"DELETE FROM tokens WHERE id IN (SELECT id FROM doomed_tokens)"};
        rc = run_steps(s, last, 1, inst, now, actor, scope, by, "cancel scope", err);
    }
    return rc;
}

int store_scope_vars_delete(store *s, int64_t inst, int64_t scope, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "DELETE FROM variables WHERE instance_id = ?1 AND scope = ?2", "ii",
                          inst, scope);
}

/* The jobs and subscriptions a token (0: the instance's root scope) holds
** for one node: an event subprocess's trigger. */
int store_waits_delete(store *s, int64_t inst, int64_t token, const char *node, sdm_err *err) {
    int rc = store_sql_exec(s, NULL, err, "DELETE FROM jobs WHERE instance_id = ?1 AND token_id = ?2 AND node = ?3",
                            "iit", inst, token, node);
    return rc ? rc : store_sql_exec(s, NULL, err, "DELETE FROM subscriptions WHERE instance_id = ?1"
                                    " AND token_id = ?2 AND node = ?3", "iit", inst, token, node);
}

/* The id of the last `event` history row at node, 0 if none. */
int store_last_event(store *s, int64_t inst, const char *node, const char *event, int64_t *id, sdm_err *err) {
    int rc = store_sql_int(s, id, err, "SELECT coalesce(max(id), 0) FROM history WHERE instance_id = ?1"
                           " AND node = ?2 AND event = ?3", "itt", inst, node, event);
    if (rc == SDM_ERR_NOTFOUND) { *id = 0; rc = SDM_OK; }
    return rc;
}

int store_instance_end(store *s, int64_t id, instance_state state, const char *outcome,
                       const char *node, int64_t now, sdm_err *err) {
    int n = 0, rc = store_q_exec(s, Q_INST_END, &n, err, "ittti", id, store_instance_state_text(state), outcome, node, now);
    if (!rc && n != 1) return SDM_CORRUPT_BKPT(err, "ending an instance that is not active");
    return rc;
}

/* ---------- tokens ---------- */

int store_token_add(store *s, int64_t inst, int64_t parent, const char *node, token_state state,
                    const char *flow, int64_t now, int64_t *id, sdm_err *err) {
    return insert(s, Q_TOK_ADD, id, err, "itttiI", inst, node, store_token_state_text(state), flow, now, parent);
}

static int token_moved(int rc, int n, sdm_err *err) {
    return !rc && n != 1 ? SDM_CORRUPT_BKPT(err, "moving a token that does not exist") : rc;
}

int store_token_set(store *s, int64_t id, const char *node, token_state state,
                    const char *flow, sdm_err *err) {
    int n = 0, rc = store_q_exec(s, Q_TOK_SET, &n, err, "ittt", id, node, store_token_state_text(state), flow);
    return token_moved(rc, n, err);
}

int store_token_wait_task(store *s, int64_t id, const char *node, const char *flow, int64_t task,
                          sdm_err *err) {
    int n = 0, rc = store_q_exec(s, Q_TOK_WAIT_TASK, &n, err, "itti", id, node, flow, task);
    return token_moved(rc, n, err);
}

int store_token_delete(store *s, int64_t id, sdm_err *err) {
    return store_q_exec(s, Q_TOK_DEL, NULL, err, "i", id);
}

/* The row's columns from c on, in Q_TOK_GET's order; 0 on an unknown state.
** waits is 1 (may have waits): only store_task_open reads it. */
static int token_cols(sqlite3_stmt *st, int c, store_token *out) {
    int ok = 1;
    out->waits = 1;
    out->id = sqlite3_column_int64(st, c);
    copy_col(st, c + 1, out->node, sizeof out->node);
    out->state = ENUM_COL(st, c + 2, token_state, &ok);
    copy_col(st, c + 3, out->flow, sizeof out->flow);
    out->parent = sqlite3_column_int64(st, c + 4);
    return ok;
}

int store_token_get(store *s, int64_t id, store_token *out, sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_TOK_GET, &st, err, "i", id);
    if (rc == SDM_ERR_NOTFOUND) return err_set(err, rc, NULL, 0, NULL, "no token %lld", (long long)id);
    if (rc) return rc;
    int ok = token_cols(st, 0, out);
    store_reset(st);
    return ok ? SDM_OK : SDM_CORRUPT_BKPT(err, "a token's state is unknown");
}

int store_token_count(store *s, int64_t inst, int64_t scope, int *n, sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_TOK_COUNT, &st, err, "iI", inst, scope);
    if (rc) return rc;
    *n = sqlite3_column_int(st, 0);
    store_reset(st);
    return SDM_OK;
}

int store_tokens_joining(store *s, int64_t inst, int64_t scope, const char *node, int64_t **ids,
                         char ***flows, int *n, sdm_err *err) {
    sqlite3_stmt *st = store_q_prep(s, Q_TOK_JOINING, err);
    if (!st) return SDM_ERR_STORE;
    sqlite3_bind_int64(st, 1, inst);
    sqlite3_bind_text(st, 2, node, -1, SQLITE_TRANSIENT);
    if (scope) sqlite3_bind_int64(st, 3, scope); else sqlite3_bind_null(st, 3);
    int cap = 4, rc;
    *n = 0;
    *ids = xmalloc(sizeof **ids * (size_t)cap);
    *flows = xmalloc(sizeof **flows * (size_t)cap);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap *= 2;
            *ids = xrealloc(*ids, sizeof **ids * (size_t)cap);
            *flows = xrealloc(*flows, sizeof **flows * (size_t)cap);
        }
        (*ids)[*n] = sqlite3_column_int64(st, 0);
        (*flows)[*n] = store_col_text(st, 1);
        (*n)++;
    }
    store_reset(st);
    return rc == SQLITE_DONE ? SDM_OK : store_db_error(s, err, "joining tokens");
}

int store_tokens_at_rest(store *s, int64_t inst, store_token **out, int *n, sdm_err *err) {
    sqlite3_stmt *st = store_q_prep(s, Q_TOK_ALL, err);
    if (!st) return SDM_ERR_STORE;
    sqlite3_bind_int64(st, 1, inst);
    int cap = 8, rc, ok = 1;
    *n = 0;
    *out = xmalloc(sizeof **out * (size_t)cap);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) *out = xrealloc(*out, sizeof **out * (size_t)(cap *= 2));
        store_token *t = &(*out)[(*n)++];
        if (!token_cols(st, 0, t)) ok = 0;
    }
    store_reset(st);
    if (rc == SQLITE_DONE && !ok) return SDM_CORRUPT_BKPT(err, "a token's state is unknown");
    return rc == SQLITE_DONE ? SDM_OK : store_db_error(s, err, "tokens");
}

int store_tokens_delete_all(store *s, int64_t inst, sdm_err *err) {
    return store_q_exec(s, Q_TOK_DEL_ALL, NULL, err, "i", inst);
}

/* ---------- open tasks per user (user_load) ----------
**
** The store counts the tasks it opens (one more for the assignee) and the
** open tasks it closes or cancels (one less); a trigger follows assignee
** changes and deletions. The counts gather in memory and reach user_load
** at COMMIT, so a step that closes a user's task and opens the next for
** the same user writes nothing there; a reader inside a step (the
** least-open rule) flushes them first. Until migration 7 triggers counted
** every change of state, which made each write to tasks open a statement
** journal (a 64 KB buffer and a copy of every page the statement wrote).
** Any new statement that opens, closes or cancels tasks must count too.
** Each role membership keeps a copy of its user's count (user_roles.open,
** migration 15) for the least-open rule; the flush writes both. */

static void load_add(store *s, const char *user, int delta) {
    sdm_assert(!sqlite3_get_autocommit(s->db));      /* only inside a step */
    if (!user) return;
    for (int i = 0; i < s->nload; i++)
        if (strcmp(s->load[i].user, user) == 0) { s->load[i].delta += delta; return; }
    if (s->nload == s->capload) {
        s->capload = s->capload ? s->capload * 2 : 8;
        s->load = xrealloc(s->load, sizeof *s->load * (size_t)s->capload);
    }
    s->load[s->nload++] = (struct load_delta){xstrdup(user), delta};
}

void store_load_clear(store *s) {
    for (int i = 0; i < s->nload; i++) free(s->load[i].user);
    s->nload = 0;
}

int store_user_load_flush(store *s, sdm_err *err) {
    int rc = SDM_OK;
    for (int i = 0; i < s->nload && !rc; i++)
        if (s->load[i].delta) {
            rc = store_q_exec(s, Q_LOAD_ADD, NULL, err, "ti", s->load[i].user, (int64_t)s->load[i].delta);
            if (!rc) rc = store_q_exec(s, Q_LOAD_ROLES, NULL, err, "ti", s->load[i].user, (int64_t)s->load[i].delta);
        }
    store_load_clear(s);
    return rc;
}

/* One less for the assignee of each task query q (one id) finds: the open
** ones, or the one just closed. */
static int load_close(store *s, int q, int64_t arg, sdm_err *err) {
    sqlite3_stmt *st = store_q_prep(s, q, err);
    if (!st) return SDM_ERR_STORE;
    sqlite3_bind_int64(st, 1, arg);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) load_add(s, (const char *)sqlite3_column_text(st, 0), -1);
    store_reset(st);
    return r == SQLITE_DONE ? SDM_OK : store_db_error(s, err, sql_of[q]);
}

/* ---------- tasks ---------- */

static void assignee_col(sqlite3_stmt *st, int c, store_task *out) {
    copy_col(st, c, out->assignee, sizeof out->assignee);
    out->assigned = sqlite3_column_type(st, c) == SQLITE_NULL ? 0
                  : (size_t)sqlite3_column_bytes(st, c) < sizeof out->assignee ? 1 : -1;
}

int store_task_add(store *s, int64_t inst, int64_t token, const char *node, const char *name,
                   const char *role, const char *assignee, int64_t now, int64_t due,
                   int64_t *id, sdm_err *err) {
    int rc = insert(s, Q_TASK_ADD, id, err, "iittttiI", inst, token, node, name, role, assignee, now, due);
    if (!rc) load_add(s, assignee, 1);
    return rc;
}

/* TASK_COLS from column 0; 0 on an unknown state. */
static int task_cols(sqlite3_stmt *st, store_task *out) {
    int ok = 1;
    out->id = sqlite3_column_int64(st, 0);
    out->instance_id = sqlite3_column_int64(st, 1);
    out->token_id = sqlite3_column_int64(st, 2);
    copy_col(st, 3, out->node, sizeof out->node);
    out->state = ENUM_COL(st, 4, task_state, &ok);
    assignee_col(st, 5, out);
    return ok;
}

int store_task_get(store *s, int64_t id, store_task *out, sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_TASK_GET, &st, err, "i", id);
    if (rc == SDM_ERR_NOTFOUND) return err_set(err, rc, NULL, 0, NULL, "no task %lld", (long long)id);
    if (rc) return rc;
    int ok = task_cols(st, out);
    store_reset(st);
    return ok ? SDM_OK : SDM_CORRUPT_BKPT(err, "a task's state is unknown");
}

int store_task_open(store *s, int64_t id, store_task *task, store_instance *inst, store_token *tok,
                    sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_TASK_OPEN, &st, err, "i", id);
    if (rc == SDM_ERR_NOTFOUND) return err_set(err, rc, NULL, 0, NULL, "no task %lld", (long long)id);
    if (rc) return rc;
    int ok = task_cols(st, task) && instance_cols(st, 6, inst);
    memset(tok, 0, sizeof *tok);
    if (ok && sqlite3_column_type(st, 13) != SQLITE_NULL) {
        ok = token_cols(st, 13, tok);
        tok->waits = sqlite3_column_int(st, 18);
    }
    store_reset(st);
    return ok ? SDM_OK : SDM_CORRUPT_BKPT(err, "a task's, instance's or token's state is unknown");
}

/* The caller's read of the task names its assignee, so a completion is one
** statement; only a name longer than the buffer is read again. (UPDATE ...
** RETURNING would do it in SQL, but SQLite runs RETURNING as a trigger,
** which opens a statement journal: ~23,000 more instructions a completion
** than the SELECT it saves.) */
int store_task_close(store *s, const store_task *t, task_state state, int64_t now, const char *actor,
                     sdm_err *err) {
    int n = 0, rc = store_q_exec(s, Q_TASK_CLOSE, &n, err, "itit", t->id, store_task_state_text(state), now, actor);
    if (!rc && n != 1) return SDM_CORRUPT_BKPT(err, "closing a task that is not open");
    if (!rc && t->assigned > 0) load_add(s, t->assignee, -1);
    if (!rc && t->assigned < 0) rc = load_close(s, Q_LOAD_CLOSED, t->id, err);
    return rc;
}

int store_tasks_cancel_all(store *s, int64_t inst, int64_t now, const char *actor, sdm_err *err) {
    int rc = store_history_flush(s, err);
    if (!rc) rc = store_q_exec(s, Q_TASK_CANCEL_LOG, NULL, err, "iit", inst, now, actor);
    if (!rc) rc = load_close(s, Q_LOAD_INST, inst, err);
    return rc ? rc : store_q_exec(s, Q_TASK_CANCEL_ALL, NULL, err, "iit", inst, now, actor);
}

/* ---------- variables, history ---------- */

int store_var_set(store *s, int64_t inst, int64_t scope, const char *name, const char *json, sdm_err *err) {
    if (!json || strcmp(json, "null") == 0) return store_q_exec(s, Q_VAR_DEL, NULL, err, "iit", inst, scope, name);
    return store_q_exec(s, Q_VAR_SET, NULL, err, "iitt", inst, scope, name, json);
}

int store_vars_json(store *s, int64_t inst, int64_t scope, char **json, sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_VARS_JSON, &st, err, "ii", inst, scope);
    if (rc) return rc;
    *json = store_col_text(st, 0);
    if (!*json) *json = xstrdup("{}");
    store_reset(st);
    return SDM_OK;
}

/* ---------- incidents ---------- */

int store_incident_add(store *s, int64_t inst, int64_t token, const char *node, incident_phase phase,
                       const char *msg, int64_t now, int64_t *id, sdm_err *err) {
    return insert(s, Q_INC_ADD, id, err, "iittti", inst, token, node, store_incident_phase_text(phase), msg, now);
}

int store_incident_get(store *s, int64_t id, store_incident *out, sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_INC_GET, &st, err, "i", id);
    if (rc == SDM_ERR_NOTFOUND) return err_set(err, rc, NULL, 0, NULL, "no incident %lld", (long long)id);
    if (rc) return rc;
    out->id = sqlite3_column_int64(st, 0);
    out->instance_id = sqlite3_column_int64(st, 1);
    out->token_id = sqlite3_column_int64(st, 2);
    copy_col(st, 3, out->node, sizeof out->node);
    int ok = 1;
    out->phase = ENUM_COL(st, 4, incident_phase, &ok);
    out->state = ENUM_COL(st, 5, incident_state, &ok);
    store_reset(st);
    return ok ? SDM_OK : SDM_CORRUPT_BKPT(err, "an incident's phase or state is unknown");
}

int store_incident_resolve(store *s, int64_t id, int64_t now, const char *actor, sdm_err *err) {
    int n = 0, rc = store_q_exec(s, Q_INC_RESOLVE, &n, err, "iit", id, now, actor);
    if (!rc && n != 1) return SDM_CORRUPT_BKPT(err, "resolving an incident that is not open");
    return rc;
}

int store_incidents_resolve_all(store *s, int64_t inst, int64_t now, const char *actor, sdm_err *err) {
    return store_q_exec(s, Q_INC_RESOLVE_ALL, NULL, err, "iit", inst, now, actor);
}

/* ---------- jobs: timers and due dates ---------- */

int store_job_add(store *s, job_kind kind, int64_t inst, int64_t token, const char *node,
                  int64_t due, const char *spec, int fired, int64_t created, sdm_err *err) {
    return store_q_exec(s, Q_JOB_ADD, NULL, err, "tiititii", store_job_kind_text(kind), inst, token, node, due, spec,
                (int64_t)fired, created);
}

int store_job_due(store *s, int64_t now, store_job *out, sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_JOB_DUE, &st, err, "i", now);
    if (rc) return rc;
    out->id = sqlite3_column_int64(st, 0);
    int ok = 1;
    out->kind = ENUM_COL(st, 1, job_kind, &ok);
    out->instance_id = sqlite3_column_int64(st, 2);
    out->token_id = sqlite3_column_int64(st, 3);
    copy_col(st, 4, out->node, sizeof out->node);
    out->due_at = sqlite3_column_int64(st, 5);
    copy_col(st, 6, out->spec, sizeof out->spec);
    out->fired = sqlite3_column_int(st, 7);
    out->created_at = sqlite3_column_int64(st, 8);
    out->definition_id = sqlite3_column_int64(st, 9);
    out->attempts = sqlite3_column_int(st, 10);
    out->incident_id = sqlite3_column_int64(st, 11);
    store_reset(st);
    return ok ? SDM_OK : SDM_CORRUPT_BKPT(err, "a job's kind is unknown");
}

int store_job_failed(store *s, int64_t id, int attempts, int64_t due, int64_t now, const char *error,
                     int64_t incident, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "UPDATE jobs SET attempts = ?2, due_at = CASE WHEN ?3 > 0 THEN ?3"
                          " ELSE due_at END, parked_at = CASE WHEN ?3 > 0 THEN NULL ELSE ?4 END, last_error = ?5,"
                          " incident_id = ?6 WHERE id = ?1", "iiiitI", id, (int64_t)attempts, due, now, error,
                          incident);
}

int store_job_unpark(store *s, int64_t incident, int64_t now, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "UPDATE jobs SET attempts = 0, parked_at = NULL, due_at = ?2,"
                          " last_error = NULL, incident_id = NULL WHERE incident_id = ?1", "ii", incident, now);
}

int store_incident_message(store *s, int64_t id, const char *msg, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "UPDATE incidents SET message = ?2 WHERE id = ?1", "it", id, msg);
}

int store_start_jobs_clear(store *s, const char *process, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "DELETE FROM jobs WHERE kind = 'start' AND definition_id IN"
                          " (SELECT id FROM definitions WHERE process = ?1)", "t", process);
}

int store_start_job_add(store *s, int64_t def, const char *node, int64_t due, int64_t now, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "INSERT INTO jobs(kind, definition_id, node, due_at, fired, created_at)"
                          " VALUES('start', ?1, ?2, ?3, 0, ?4)", "itii", def, node, due, now);
}

int store_job_delete(store *s, int64_t id, sdm_err *err) { return store_q_exec(s, Q_JOB_DEL, NULL, err, "i", id); }
int store_job_reschedule(store *s, int64_t id, int64_t due, int fired, sdm_err *err) {
    return store_q_exec(s, Q_JOB_RESCHEDULE, NULL, err, "iii", id, due, (int64_t)fired);
}
int store_jobs_delete_token(store *s, int64_t token, sdm_err *err) {
    return store_q_exec(s, Q_JOB_DEL_TOKEN, NULL, err, "i", token);
}
int store_jobs_delete_instance(store *s, int64_t inst, sdm_err *err) {
    return store_q_exec(s, Q_JOB_DEL_INST, NULL, err, "i", inst);
}

/* The earliest moment anything is due: a job or an outbox delivery. */
int store_next_due(store *s, int64_t *due, sdm_err *err) {
    int qs[] = {Q_JOB_NEXT, Q_OUT_NEXT};
    *due = 0;
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st;
        int rc = row(s, qs[i], &st, err, "");
        if (rc) return rc;
        if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
            int64_t v = sqlite3_column_int64(st, 0);
            if (!*due || v < *due) *due = v;
        }
        store_reset(st);
    }
    return SDM_OK;
}

int store_task_of_token(store *s, int64_t inst, int64_t token, const char *node, store_task *out,
                        sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_TASK_OF_TOKEN, &st, err, "iti", token, node, inst);
    if (rc) return rc;
    int ok = task_cols(st, out);
    out->due_at = sqlite3_column_int64(st, 6);
    out->created_at = sqlite3_column_int64(st, 7);
    store_reset(st);
    return ok ? SDM_OK : SDM_CORRUPT_BKPT(err, "a task's state is unknown");
}

int store_task_cancel_token(store *s, int64_t token, int64_t now, const char *actor, sdm_err *err) {
    int rc = load_close(s, Q_LOAD_TOKEN, token, err);
    return rc ? rc : store_q_exec(s, Q_TASK_CANCEL_TOKEN, NULL, err, "iit", token, now, actor);
}

/* The instance's path for rules: [{node, event, at, actor}, ...], oldest
** first, at most the last 200 steps. */
int store_history_json(store *s, int64_t inst, char **json, sdm_err *err) {
    int rc = store_sql_text(s, json, err,
        "SELECT json_group_array(json_object('node', node, 'event', event, 'at', at, 'actor', actor))"
        " FROM (SELECT node, event, at, actor FROM history WHERE instance_id = ?1 AND node IS NOT NULL"
        " ORDER BY id DESC LIMIT 200) ORDER BY at", "i", inst);
    if (rc == SDM_ERR_NOTFOUND) { *json = xstrdup("[]"); rc = SDM_OK; }
    return rc;
}

/* ---------- message and signal subscriptions ---------- */

int store_sub_add(store *s, sub_kind kind, const char *name, const char *client, int64_t inst,
                  int64_t token, const char *node, int64_t now, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "INSERT INTO subscriptions(kind, name, client, instance_id, token_id, node,"
                          " created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", "tttiiti",
                          store_sub_kind_text(kind), name, client, inst, token, node, now);
}

int store_subs_find(store *s, sub_kind kind, const char *name, const char *client, store_sub **out,
                    int *n, sdm_err *err) {
    const char *k = store_sub_kind_text(kind);
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    int rc = client
        ? store_sql_open(s, &st, err, "SELECT id, instance_id, token_id, node FROM subscriptions"
                         " WHERE kind = ?1 AND name = ?2 AND client = ?3 ORDER BY id", "ttt", k, name, client)
        : store_sql_open(s, &st, err, "SELECT id, instance_id, token_id, node FROM subscriptions"
                         " WHERE kind = ?1 AND name = ?2 ORDER BY id", "tt", k, name);
    if (rc) return rc;
    int cap = 4, r;
    *out = xmalloc(sizeof **out * (size_t)cap);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) *out = xrealloc(*out, sizeof **out * (size_t)(cap *= 2));
        store_sub *x = &(*out)[(*n)++];
        x->id = sqlite3_column_int64(st, 0);
        x->instance_id = sqlite3_column_int64(st, 1);
        x->token_id = sqlite3_column_int64(st, 2);
        copy_col(st, 3, x->node, sizeof x->node);
        x->kind = kind;
        snprintf(x->name, sizeof x->name, "%s", name);
    }
    store_sql_close(s, st);
    return r == SQLITE_DONE ? SDM_OK : store_db_error(s, err, "subscriptions");
}

int store_sub_delete(store *s, int64_t id, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "DELETE FROM subscriptions WHERE id = ?1", "i", id);
}

int store_subs_at(store *s, int64_t token, const char *node, int *n, sdm_err *err) {
    int64_t v = 0;
    int rc = store_sql_int(s, &v, err, "SELECT count(*) FROM subscriptions WHERE token_id = ?1 AND node = ?2",
                           "it", token, node);
    *n = (int)v;
    return rc;
}

int store_subs_delete_token(store *s, int64_t token, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "DELETE FROM subscriptions WHERE token_id = ?1", "i", token);
}

int store_subs_delete_instance(store *s, int64_t inst, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "DELETE FROM subscriptions WHERE instance_id = ?1", "i", inst);
}

/* ---------- deviations and notifications ---------- */

int store_deviation_add(store *s, int64_t inst, const char *node, int64_t task, const char *manager,
                        const char *rule, const char *severity, const char *msg, int64_t now,
                        int64_t *id, sdm_err *err) {
    return insert(s, Q_DEV_ADD, id, err, "itItttti", inst, node, task, manager, rule, severity,
                  msg, now);
}

int store_deviation_set(store *s, int64_t id, const char *state, int64_t now, const char *actor,
                        sdm_err *err) {
    int n = 0, rc = store_q_exec(s, Q_DEV_SET, &n, err, "itit", id, state, now, actor);
    if (!rc && n != 1)
        return err_set(err, SDM_ERR_STATE, NULL, 0, NULL,
                       "deviation %lld does not exist or is already %s", (long long)id, state);
    return rc;
}

/* The note a head leaves when acknowledging or resolving (migration 9). */
int store_deviation_note(store *s, int64_t id, const char *note, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "UPDATE deviations SET note = ?2 WHERE id = ?1", "it", id, note);
}

int store_inbox_read(store *s, int64_t id, const char *user, int64_t now, sdm_err *err) {
    int n = 0, rc = store_sql_exec(s, &n, err, "UPDATE inbox SET read_at = coalesce(read_at, ?3)"
                                   " WHERE id = ?1 AND (user = ?2 OR ?2 IS NULL)", "iti", id, user, now);
    if (!rc && n != 1) return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no message %lld", (long long)id);
    return rc;
}

int store_outbox_add(store *s, out_channel channel, const char *recipient, const char *subject,
                     const char *body, int64_t now, int64_t inst, int64_t deviation, sdm_err *err) {
    return store_q_exec(s, Q_OUT_ADD, NULL, err, "ttttiII", store_out_channel_text(channel), recipient, subject, body, now, inst, deviation);
}

int store_outbox_claim(store *s, int64_t now, int64_t lease_until, store_message *out, sdm_err *err) {
    sqlite3_stmt *st;
    int rc = row(s, Q_OUT_CLAIM, &st, err, "i", now);
    if (rc) return rc;
    out->id = sqlite3_column_int64(st, 0);
    int ok = 1;
    out->channel = ENUM_COL(st, 1, out_channel, &ok);
    copy_col(st, 2, out->recipient, sizeof out->recipient);
    out->subject = store_col_text(st, 3);
    out->body = store_col_text(st, 4);
    out->attempts = sqlite3_column_int(st, 5) + 1;
    out->instance_id = sqlite3_column_int64(st, 6);
    out->deviation_id = sqlite3_column_int64(st, 7);
    store_reset(st);
    if (!ok) return SDM_CORRUPT_BKPT(err, "an outbox row's channel is unknown");
    return store_q_exec(s, Q_OUT_LEASE, NULL, err, "ii", out->id, lease_until);
}

int store_outbox_done(store *s, int64_t id, out_state state, int64_t next_at, const char *error,
                      int64_t now, sdm_err *err) {
    return store_q_exec(s, Q_OUT_DONE, NULL, err, "ititi", id, store_out_state_text(state), next_at, error, now);
}

int store_inbox_add(store *s, const char *user, const char *subject, const char *body, int64_t now,
                    int64_t inst, int64_t deviation, sdm_err *err) {
    return store_q_exec(s, Q_INBOX_ADD, NULL, err, "tttiII", user, subject, body, now, inst, deviation);
}
