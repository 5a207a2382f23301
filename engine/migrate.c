/*
** migrate.c — the store's schema: the text of every version (store.h
** specifies what it means) and the upgrade of an older database to the
** current one, one transaction for all steps.
**
** Each file that owns tables (org.c, cred.c) gives its schema text here as
** a constant; this file must not hold any other SQL than the schema's.
** A released migration is never edited: a change is a new one at the end.
*/
#include <stdio.h>
#include <sqlite3.h>
#include "store.h"
#include "store_int.h"
#include "org.h"
#include "cred.h"
#include "card.h"
#include "err.h"

/* ---------- schema ---------- */

/* 12: the language each person reads (users.lang: ru, en, NULL = the
** handle's), and whether a role's people hear of each new task
** (role_settings.notify: inbox, email, inbox,email or none); notice.c. */
static const char people_lang_schema[] =
    "ALTER TABLE users ADD COLUMN lang TEXT;"
    "CREATE TABLE role_settings(role TEXT PRIMARY KEY, notify TEXT NOT NULL) WITHOUT ROWID;";

/* 13: conditional events wait by subscriptions of two more kinds,
** `condition` (fires when the condition holds) and `condition-held`
** (fired, non-interrupting: waits for it to stop holding). Every row
** satisfies the wider CHECK, so its text is edited in place as in
** migration 7; the index rebuilt first changes the schema cookie so other
** connections reload the schema. */
static const char events_schema[] =
    "DROP INDEX subscriptions_instance;"
    "CREATE INDEX subscriptions_instance ON subscriptions(instance_id);"
    "PRAGMA writable_schema = ON;"
    "UPDATE sqlite_schema SET sql = replace(sql, 'CHECK(kind IN (''message'',''signal''))',"
    "  'CHECK(kind IN (''message'',''signal'',''condition'',''condition-held''))')"
    "  WHERE type = 'table' AND name = 'subscriptions';"
    "PRAGMA writable_schema = RESET;";

/* 14: what a step writes, less of it (issue 17).
** tasks_assignee holds assigned tasks only: every step that opened or
** closed a task wrote it (its key holds the state), and its readers (a
** person's calendar, the monitor, the least-open count) ask by assignee.
** History is one row per step where it was one per event (about five a
** step, each with its index entry): the table is renamed history_steps,
** a row carries its first event in the old columns and the step's other
** events in `more` ([[token, node, event, detail], ...], detail as a JSON
** string), and the view `history` gives every event back as the row it
** was, with the id it would have had: a row with n events is stored under
** the id of its last, so a row of one event (every row before migration
** 14, and the few inserted by SELECT) takes SQLite's next rowid as
** before. `step` is the stored row's id, for readers that ask for rows
** from a point on through the index. The view is one join (not a UNION),
** so SQLite flattens it into a reader's query and reaches the rows of an
** instance through history_instance, in a join as well. */
static const char steps_schema[] =
    "DROP INDEX tasks_assignee;"
    "CREATE INDEX tasks_assignee ON tasks(assignee, state, due_at) WHERE assignee IS NOT NULL;"
    "ALTER TABLE history RENAME TO history_steps;"
    "ALTER TABLE history_steps ADD COLUMN n INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE history_steps ADD COLUMN more TEXT;"
    "CREATE VIEW history(id, instance_id, token_id, node, event, at, actor, detail, step) AS"
    "  SELECT s.id - s.n + 1 + e.key, s.instance_id, e.value ->> 0, e.value ->> 1, e.value ->> 2, s.at, s.actor,"
    "    e.value ->> 3, s.id FROM history_steps s, json_each('[' || json_array(s.token_id, s.node, s.event, s.detail)"
    "    || coalesce(',' || substr(s.more, 2, length(s.more) - 2), '') || ']') e;";

static const char *const migrations[] = {
    /* 1: the core engine */
    "CREATE TABLE resources(id INTEGER PRIMARY KEY, name TEXT NOT NULL, xml BLOB NOT NULL,"
    "  deployed_at INTEGER NOT NULL);"
    "CREATE TABLE definitions(id INTEGER PRIMARY KEY, process TEXT NOT NULL,"
    "  version INTEGER NOT NULL, name TEXT, resource_id INTEGER NOT NULL REFERENCES resources(id),"
    "  deployed_at INTEGER NOT NULL, deployed_by TEXT, UNIQUE(process, version));"
    "CREATE TABLE instances(id INTEGER PRIMARY KEY,"
    "  definition_id INTEGER NOT NULL REFERENCES definitions(id), process TEXT NOT NULL,"
    "  client TEXT NOT NULL, state TEXT NOT NULL CHECK(state IN ('active','completed','terminated')),"
    "  outcome TEXT, end_node TEXT, started_at INTEGER NOT NULL, ended_at INTEGER, started_by TEXT,"
    "  parent_id INTEGER REFERENCES instances(id), parent_token INTEGER);"
    "CREATE INDEX instances_parent ON instances(parent_id) WHERE parent_id IS NOT NULL;"
    "CREATE UNIQUE INDEX instances_one_active ON instances(process, client) WHERE state = 'active';"
    "CREATE INDEX instances_client ON instances(client);"
    "CREATE INDEX instances_state ON instances(state, process);"
    "CREATE TABLE tokens(id INTEGER PRIMARY KEY, instance_id INTEGER NOT NULL REFERENCES instances(id),"
    "  node TEXT NOT NULL, state TEXT NOT NULL CHECK(state IN ('ready','waiting','joining','incident')),"
    "  flow TEXT, created_at INTEGER NOT NULL);"
    "CREATE INDEX tokens_instance ON tokens(instance_id, node);"
    "CREATE TABLE tasks(id INTEGER PRIMARY KEY, instance_id INTEGER NOT NULL REFERENCES instances(id),"
    "  token_id INTEGER NOT NULL, node TEXT NOT NULL, name TEXT, role TEXT, assignee TEXT,"
    "  state TEXT NOT NULL CHECK(state IN ('open','completed','cancelled')),"
    "  created_at INTEGER NOT NULL, due_at INTEGER, completed_at INTEGER, completed_by TEXT);"
    "CREATE UNIQUE INDEX tasks_open_token ON tasks(token_id) WHERE state = 'open';"
    "CREATE INDEX tasks_assignee ON tasks(assignee, state, due_at);"
    "CREATE INDEX tasks_state_due ON tasks(state, due_at);"
    "CREATE INDEX tasks_instance ON tasks(instance_id);"
    "CREATE TABLE variables(instance_id INTEGER NOT NULL REFERENCES instances(id),"
    "  name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(instance_id, name)) WITHOUT ROWID;"
    "CREATE TABLE history(id INTEGER PRIMARY KEY, instance_id INTEGER NOT NULL REFERENCES instances(id),"
    "  token_id INTEGER, node TEXT, event TEXT NOT NULL, at INTEGER NOT NULL, actor TEXT, detail TEXT);"
    "CREATE INDEX history_instance ON history(instance_id, id);"
    "CREATE TABLE incidents(id INTEGER PRIMARY KEY, instance_id INTEGER NOT NULL REFERENCES instances(id),"
    "  token_id INTEGER NOT NULL, node TEXT NOT NULL, phase TEXT NOT NULL, message TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK(state IN ('open','resolved')), created_at INTEGER NOT NULL,"
    "  resolved_at INTEGER, resolved_by TEXT);"
    "CREATE INDEX incidents_state ON incidents(state, instance_id);",
    /* 2: timers and jobs, checkpoints and deviations, notifications */
    "CREATE TABLE jobs(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, instance_id INTEGER REFERENCES instances(id),"
    "  token_id INTEGER, node TEXT, definition_id INTEGER, due_at INTEGER NOT NULL, spec TEXT,"
    "  fired INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);"
    "CREATE INDEX jobs_due ON jobs(due_at);"
    "CREATE INDEX jobs_token ON jobs(token_id);"
    "CREATE TABLE deviations(id INTEGER PRIMARY KEY, instance_id INTEGER REFERENCES instances(id),"
    "  client TEXT, process TEXT, node TEXT, task_id INTEGER, manager TEXT, rule TEXT,"
    "  severity TEXT NOT NULL, message TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK(state IN ('open','acknowledged','resolved')), raised_at INTEGER NOT NULL,"
    "  acknowledged_at INTEGER, acknowledged_by TEXT, resolved_at INTEGER, resolved_by TEXT);"
    "CREATE INDEX deviations_state ON deviations(state, raised_at);"
    "CREATE INDEX deviations_manager ON deviations(manager, state);"
    "CREATE INDEX deviations_instance ON deviations(instance_id, rule);"
    "CREATE TABLE outbox(id INTEGER PRIMARY KEY, channel TEXT NOT NULL CHECK(channel IN ('inbox','email','webhook')),"
    "  recipient TEXT NOT NULL, subject TEXT, body TEXT, state TEXT NOT NULL CHECK(state IN ('pending','sent','failed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT, created_at INTEGER NOT NULL,"
    "  lease_until INTEGER, sent_at INTEGER, instance_id INTEGER, deviation_id INTEGER);"
    "CREATE INDEX outbox_pending ON outbox(state, next_at);"
    "CREATE TABLE inbox(id INTEGER PRIMARY KEY, user TEXT NOT NULL, subject TEXT, body TEXT,"
    "  created_at INTEGER NOT NULL, read_at INTEGER, instance_id INTEGER, deviation_id INTEGER);"
    "CREATE INDEX inbox_user ON inbox(user, read_at);",
    /* 3: the organisation and clients (org.c) */
    org_schema,
    /* 4: message and signal subscriptions */
    "CREATE TABLE subscriptions(id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK(kind IN ('message','signal')),"
    "  name TEXT NOT NULL, client TEXT NOT NULL, instance_id INTEGER NOT NULL REFERENCES instances(id),"
    "  token_id INTEGER NOT NULL, node TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE INDEX subscriptions_name ON subscriptions(kind, name, client);"
    "CREATE INDEX subscriptions_token ON subscriptions(token_id);"
    "CREATE INDEX subscriptions_instance ON subscriptions(instance_id);",
    /* 5: open tasks per user, kept by triggers, so that assigning to the
    ** least loaded user reads one row per user instead of counting tasks */
    "CREATE TABLE user_load(user TEXT PRIMARY KEY, open INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO user_load SELECT assignee, count(*) FROM tasks WHERE state = 'open' AND assignee IS NOT NULL"
    "  GROUP BY assignee;"
    "CREATE TRIGGER user_load_add AFTER INSERT ON tasks WHEN new.state = 'open' AND new.assignee IS NOT NULL BEGIN"
    "  INSERT INTO user_load VALUES(new.assignee, 1) ON CONFLICT(user) DO UPDATE SET open = open + 1; END;"
    "CREATE TRIGGER user_load_change AFTER UPDATE OF state, assignee ON tasks BEGIN"
    "  UPDATE user_load SET open = open - 1 WHERE old.state = 'open' AND user = old.assignee;"
    "  INSERT INTO user_load SELECT new.assignee, 1 WHERE new.state = 'open' AND new.assignee IS NOT NULL"
    "    ON CONFLICT(user) DO UPDATE SET open = open + 1; END;"
    "CREATE TRIGGER user_load_del AFTER DELETE ON tasks WHEN old.state = 'open' BEGIN"
    "  UPDATE user_load SET open = open - 1 WHERE user = old.assignee; END;",
    /* 6: scopes. A token inside a subprocess or a multi-instance body
    ** names the token that holds its scope; variables belong to a scope
    ** (0: the instance). */
    "ALTER TABLE tokens ADD COLUMN parent_id INTEGER;"
    "CREATE INDEX tokens_parent ON tokens(parent_id) WHERE parent_id IS NOT NULL;"
    "CREATE TABLE variables_scoped(instance_id INTEGER NOT NULL REFERENCES instances(id),"
    "  scope INTEGER NOT NULL DEFAULT 0, name TEXT NOT NULL, value TEXT NOT NULL,"
    "  PRIMARY KEY(instance_id, scope, name)) WITHOUT ROWID;"
    "INSERT INTO variables_scoped SELECT instance_id, 0, name, value FROM variables;"
    "DROP TABLE variables;"
    "ALTER TABLE variables_scoped RENAME TO variables;"
    "CREATE INDEX jobs_instance ON jobs(instance_id);"
    "CREATE INDEX instances_parent_token ON instances(parent_token) WHERE parent_token IS NOT NULL;",
    /* 7: fewer B-trees written per step (each costs at least a page of WAL).
    ** A token's index no longer holds its node, which every move rewrote;
    ** the index by state keeps ended instances only (active ones have
    ** instances_one_active), so a start writes nothing there;
    ** the due-date index keeps open tasks that have a due date (every reader
    ** compares due_at) and the per-user done index assigned tasks only, so
    ** closed, undated and unassigned rows never enter or leave them; funnel_open repeated the primary key's instance_id prefix;
    ** the task log's time index keeps the handoffs, the only rows read by
    ** time (through the view handoffs, whose WHERE is the index's). */
    "DROP INDEX tokens_instance;"
    "CREATE INDEX tokens_instance ON tokens(instance_id);"
    "DROP INDEX instances_state;"
    "CREATE INDEX instances_ended ON instances(state, process) WHERE state <> 'active';"
    "DROP INDEX tasks_state_due;"
    "CREATE INDEX tasks_open_due ON tasks(due_at) WHERE state = 'open' AND due_at IS NOT NULL;"
    "DROP INDEX tasks_done;"
    "CREATE INDEX tasks_done ON tasks(assignee, completed_at) WHERE state = 'completed' AND assignee IS NOT NULL;"
    "DROP INDEX funnel_open;"
    "DROP INDEX task_log_at;"
    "CREATE INDEX task_log_handoffs ON task_log(at) WHERE prev_role IS NOT NULL AND role IS NOT NULL"
    "  AND prev_role <> role;"
    /* user_load: the store now counts the tasks it opens and closes (see
    ** "open tasks per user" below); a trigger on any change of state made
    ** every write to tasks open a statement journal. Assignee changes and
    ** deletions, by the engine or by hand, still go through triggers. */
    "DROP TRIGGER user_load_add;"
    "DROP TRIGGER user_load_change;"
    "CREATE TRIGGER user_load_assignee AFTER UPDATE OF assignee ON tasks BEGIN"
    "  UPDATE user_load SET open = open - 1 WHERE old.state = 'open' AND user = old.assignee;"
    "  INSERT INTO user_load SELECT new.assignee, 1 WHERE new.state = 'open' AND new.assignee IS NOT NULL"
    "    ON CONFLICT(user) DO UPDATE SET open = open + 1; END;"
    /* CHECK(x IN (a, b, c)): SQLite evaluates an IN list of more than two
    ** constants through a temporary table, ~100 KB of page cache allocated
    ** and freed (the heap grown and trimmed) on every row written; the same
    ** constraint as comparisons costs nothing. Only the text of a CHECK
    ** changes and every row satisfies the new one, so the definitions are
    ** edited in place, as SQLite's ALTER TABLE documentation describes for
    ** constraint changes (section 7). The DROP/CREATE INDEX statements above
    ** change the schema cookie, so other connections reload the schema;
    ** RESET reloads this connection's. */
    "PRAGMA writable_schema = ON;"
    "UPDATE sqlite_schema SET sql = replace(sql, 'state IN (''active'',''completed'',''terminated'')',"
    "  'state = ''active'' OR state = ''completed'' OR state = ''terminated''')"
    "  WHERE type = 'table' AND name = 'instances';"
    "UPDATE sqlite_schema SET sql = replace(sql, 'state IN (''ready'',''waiting'',''joining'',''incident'')',"
    "  'state = ''ready'' OR state = ''waiting'' OR state = ''joining'' OR state = ''incident''')"
    "  WHERE type = 'table' AND name = 'tokens';"
    "UPDATE sqlite_schema SET sql = replace(sql, 'state IN (''open'',''completed'',''cancelled'')',"
    "  'state = ''open'' OR state = ''completed'' OR state = ''cancelled''')"
    "  WHERE type = 'table' AND name = 'tasks';"
    "UPDATE sqlite_schema SET sql = replace(sql, 'state IN (''open'',''acknowledged'',''resolved'')',"
    "  'state = ''open'' OR state = ''acknowledged'' OR state = ''resolved''')"
    "  WHERE type = 'table' AND name = 'deviations';"
    "UPDATE sqlite_schema SET sql = replace(replace(sql,"
    "  'channel IN (''inbox'',''email'',''webhook'')', 'channel = ''inbox'' OR channel = ''email'' OR channel = ''webhook'''),"
    "  'state IN (''pending'',''sent'',''failed'')', 'state = ''pending'' OR state = ''sent'' OR state = ''failed''')"
    "  WHERE type = 'table' AND name = 'outbox';"
    "PRAGMA writable_schema = RESET;",
    /* 8: the compact form of each deployed tree (xml_pack), so a call
    ** that runs a model compiles it without parsing XML. */
    "CREATE TABLE model_trees(resource_id INTEGER PRIMARY KEY REFERENCES resources(id), tree BLOB NOT NULL);",
    /* 9: a job that fails is retried with backoff, then parked; its
    ** incident (token 0, phase job) is what a person sees and retries. */
    "ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN last_error TEXT;"
    "ALTER TABLE jobs ADD COLUMN parked_at INTEGER;"
    "ALTER TABLE jobs ADD COLUMN incident_id INTEGER;",
    /* 10: passwords, API tokens, deviation notes (cred.c) */
    cred_schema,
    /* 11: client identifiers, holders of client roles, card fields, contacts (card.c) */
    card_schema,
    /* 12: each person's language, new-task notices per role (notice.c) */
    people_lang_schema,
    /* 13: conditional events' subscriptions */
    events_schema,
    /* 14: tasks_assignee only where assigned, history one row per step */
    steps_schema,
    /* 15: each role member's open tasks and whether active beside the role
    ** (user_roles.open, a copy of user_load.open, 0 without a row there;
    ** user_roles.active, of users.active), the active ones in the order
    ** the least-open rule reads them (org.c least_open): no sort of the
    ** role's users per assignment, and the deactivated (who keep their
    ** roles at 0 open tasks) are not walked over. store_user_load_flush
    ** writes open with user_load; the triggers that follow assignee changes
    ** and deletions, a new role membership and a change of users.active
    ** write them here. */
    "ALTER TABLE user_roles ADD COLUMN open INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE user_roles ADD COLUMN active INTEGER NOT NULL DEFAULT 1;"
    "UPDATE user_roles SET open = coalesce((SELECT l.open FROM user_load l WHERE l.user = user_roles.user), 0),"
    "  active = coalesce((SELECT u.active FROM users u WHERE u.name = user_roles.user), 0);"
    "CREATE INDEX user_roles_load ON user_roles(role, open) WHERE active;"
    "CREATE TRIGGER user_roles_open AFTER INSERT ON user_roles BEGIN"
    "  UPDATE user_roles SET open = coalesce((SELECT open FROM user_load WHERE user = new.user), 0),"
    "    active = coalesce((SELECT active FROM users WHERE name = new.user), 0)"
    "    WHERE user = new.user AND role = new.role; END;"
    "CREATE TRIGGER user_roles_active AFTER UPDATE OF active ON users BEGIN"
    "  UPDATE user_roles SET active = new.active WHERE user = new.name; END;"
    "DROP TRIGGER user_load_assignee;"
    "CREATE TRIGGER user_load_assignee AFTER UPDATE OF assignee ON tasks BEGIN"
    "  UPDATE user_load SET open = open - 1 WHERE old.state = 'open' AND user = old.assignee;"
    "  UPDATE user_roles SET open = open - 1 WHERE old.state = 'open' AND user = old.assignee;"
    "  INSERT INTO user_load SELECT new.assignee, 1 WHERE new.state = 'open' AND new.assignee IS NOT NULL"
    "    ON CONFLICT(user) DO UPDATE SET open = open + 1;"
    "  UPDATE user_roles SET open = open + 1 WHERE new.state = 'open' AND user = new.assignee; END;"
    "DROP TRIGGER user_load_del;"
    "CREATE TRIGGER user_load_del AFTER DELETE ON tasks WHEN old.state = 'open' BEGIN"
    "  UPDATE user_load SET open = open - 1 WHERE user = old.assignee;"
    "  UPDATE user_roles SET open = open - 1 WHERE user = old.assignee; END;",
    /* 16: a token names its last task (tokens.task), written with the
    ** token's own move to the task, instead of the unique index on open
    ** tasks' tokens: one B-tree less written by every step that opens or
    ** closes a task. A token's open task is tokens.task if that is open;
    ** sdm check reports an open task its token does not name. */
    "ALTER TABLE tokens ADD COLUMN task INTEGER;"
    "UPDATE tokens SET task = (SELECT t.id FROM tasks t WHERE t.token_id = tokens.id AND t.state = 'open');"
    "DROP INDEX tasks_open_token;",
};
#define NMIGRATION ((int)(sizeof migrations / sizeof *migrations))

/* PRAGMA user_version under a plain read: no write lock, so opening a
** current store never queues behind a writer. -1 when it cannot be read. */
int store_schema_version(store *s) {
    sqlite3_stmt *st;
    int version = -1;
    if (sqlite3_prepare_v2(store_sqlite(s), "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return version;
}

static int newer_schema(const char *path, int version, sdm_err *err) {
    return err_set(err, SDM_ERR_STORE, path, 0, NULL,
                   "database schema version %d is newer than this sdm (%d)", version, NMIGRATION);
}

/* Bring the schema up to date. The version is read first without a lock;
** only a store that is behind takes the write lock, and reads the version
** again inside it, since another process may have migrated meanwhile. */
int store_migrate(store *s, const char *path, int readonly, int *found_version, sdm_err *err) {
    int version = *found_version = store_schema_version(s);
    if (version < 0) return store_db_error(s, err, "read the schema version");
    if (version == NMIGRATION) return SDM_OK;
    if (version > NMIGRATION) return newer_schema(path, version, err);
    if (readonly)     /* old tables under new queries would give wrong answers, not just errors */
        return err_set(err, SDM_ERR_STATE, path, 0, NULL,
                       "database schema version %d is older than this sdm (%d): run a command that writes "
                       "(sdm init) to upgrade it", version, NMIGRATION);
    if (store_run_sql(s, "BEGIN IMMEDIATE", err)) return SDM_ERR_STORE;
    version = *found_version = store_schema_version(s);
    if (version > NMIGRATION) {
        store_run_sql(s, "ROLLBACK", NULL);
        return newer_schema(path, version, err);
    }
    for (int v = version; v < NMIGRATION; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (store_run_sql(s, migrations[v], err) || store_run_sql(s, pragma, err)) {
            err_prefix(err, "migration %d", v + 1);
            store_run_sql(s, "ROLLBACK", NULL);
            return SDM_ERR_STORE;
        }
    }
    return store_run_sql(s, "COMMIT", err);
}

