/*
** store.h — the SQLite store: the single memory of every client.
**
** Schema (version in PRAGMA user_version; migrations in migrate.c apply in
** order, all in one transaction). Times are ms since the epoch, UTC.
**
** resources    id, name, xml, deployed_at
**              One deployed BPMN file, byte for byte. Never changes.
** model_trees  resource_id, tree (migration 8)
**              The resource's element tree packed by xml_pack (no diagram
**              elements): what running it compiles, without an XML parser.
**              Resources deployed before migration 8 have none.
** definitions  id, process, version, name, resource_id, deployed_at, deployed_by
**              One deployable process of a resource. UNIQUE(process, version);
**              versions of a process count 1, 2, 3 ... without gaps.
** instances    id, definition_id, process, client, state, outcome, end_node,
**              started_at, ended_at, started_by, parent_id, parent_token
**              state: active | completed | terminated. At most one active
**              instance per (process, client): a partial unique index.
**              A called instance names its caller's instance and the token
**              waiting at the call activity; while it is active that token
**              waits.
** tokens       id, instance_id, node, state, flow, created_at, parent_id, task
**              state: ready (moving, only inside a transaction) | waiting
**              (user task) | joining (at a parallel join, arrived by `flow`)
**              | incident. An ended instance has no tokens. parent_id
**              (migration 6) names the token holding the token's scope —
**              waiting at a subprocess, a multi-instance body or one of its
**              instances, or a compensation throw — NULL at process level.
**              task (migration 16): the last task opened on the token, set
**              with it (store_token_wait_task) and kept after it closes;
**              the token's open task is this one if it is open. It replaced
**              the unique index tasks_open_token, one B-tree less per step.
** tasks        id, instance_id, token_id, node, name, role, assignee, state,
**              created_at, due_at, completed_at, completed_by
**              state: open | completed | cancelled. An open task's token is
**              waiting at the task's node and names the task (tokens.task),
**              so each token has at most one open task (sdm check).
** variables    instance_id, scope, name, value — value is canonical JSON
**              (sorted keys, compact); a variable set to nil has no row.
**              scope 0 is the instance; else the scope token (migration 6)
**              whose run the variable is local to; it goes with the scope.
** history      id, instance_id, token_id, node, event, at, actor, detail, step
**              Append-only, one row per event. Since migration 14 a view of
**              history_steps (id, instance_id, token_id, node, event, at,
**              actor, detail, n, more): one row per step, its first event in
**              the columns, the others in `more` (JSON [[token, node, event,
**              detail], ...]), stored under the id of its last event (n
**              events: ids id-n+1 .. id); `step` is that stored id. The store
**              gathers a step's events (store_history) and writes the row when
**              the step ends or a statement reads history.
**              detail is JSON or NULL. event, by who writes it:
**              instance: start, end, terminate (also store_terminate_children),
**                variable, incident, retry, deviation (checkpoints);
**              token: enter, leave, cancelled (scope cancelled), absorbed,
**                activated, reset (inclusive/complex joins), timer (a job
**                fired), message, signal, condition (a subscription received),
**                condition-error (a condition failed: taken as false),
**                message-sent, signal-sent, message-unmatched (correlate.c),
**                error, escalation, compensate, event-subprocess, call,
**                call-returned;
**              task: task-created, task-completed, task-cancelled (rt.c,
**                store.c's cancellations), task-claimed, task-unclaimed,
**                task-delegated, task-reassigned, handoff (org.c).
** jobs         id, kind, instance_id, token_id, node, due_at, spec, fired, created_at
**              kind: start (a timer start event of definition_id), timer (a
**              token waits at a timer catch event), boundary
**              (a timer on a waiting activity's boundary), event (the timer
**              of an event subprocess's start: token_id is the scope token,
**              0 for the process level), due (a task's due checkpoints). Fired by sdm_tick inside BEGIN IMMEDIATE, so two
**              workers never fire one job. A token's jobs die with its wait.
**              Migration 9: attempts, last_error, parked_at, incident_id: a
**              firing that fails is rolled back and counted; the job is
**              retried with backoff, then parked (parked_at set, never due)
**              until its incident (token 0, phase job) is retried.
** subscriptions id, kind (message | signal | condition | condition-held),
**              name, client, instance_id,
**              token_id, node, created_at: a token waiting at a catch event
**              or receive task, a waiting activity's message/signal boundary,
**              or an event subprocess's start (token_id: the scope token,
**              0 at process level).
**              Messages correlate by (name, client), signals by name. A
**              conditional event's is named by its instance id: `condition`
**              fires when its Lua condition holds, `condition-held` (a
**              non-interrupting one that fired) waits for it to stop holding
**              (rt_conditions). A token's subscriptions die with its wait.
** deviations   id, instance_id, client, process, node, task_id, manager, rule,
**              severity, message, state (open | acknowledged | resolved),
**              raised_at, acknowledged_at/by, resolved_at/by
** outbox       id, channel (inbox | email | webhook), recipient, subject, body,
**              state (pending | sent | failed), attempts, next_at, last_error,
**              lease_until, created_at, sent_at, instance_id, deviation_id.
**              Written in the step's transaction; delivered after it. A
**              claimed row carries a lease; a worker killed mid-delivery
**              leaves it to be retried when the lease ends (at-least-once,
**              with a stable id receivers can deduplicate on).
** inbox        id, user, subject, body, created_at, read_at, instance_id, deviation_id
** user_load    user, open: each assignee's open tasks (migration 5); read by
**              the least-open assignment rule. Since migration 7 the store
**              counts the tasks it opens, closes and cancels, writing the
**              net change at COMMIT; triggers follow assignee changes and
**              deletions. sdm check verifies the count. Migration 15
**              copies it into user_roles.open (written by the same flush
**              and triggers) for the least-open rule's index.
** incidents    id, instance_id, token_id, node, phase, message, state,
**              created_at, resolved_at, resolved_by
**              state: open | resolved. An open incident's token has state
**              incident. phase: execute | leave (where to resume on retry).
**              token_id 0: a step that could not be stored — phase step (it
**              exceeded its budget and was rolled back; retry resolves it)
**              or job (a job's firing failed; retry makes the job due now).
**
** Migration 3, the organisation and clients (SQL in org.c, read by report.c):
** users        name, full_name, email, head, active, created_at. head is a
**              user (no cycles). An inactive user gets no new work.
** user_roles   user, role — a lane's role names who may do its tasks.
** role_cursors role, last_user — where round robin continues.
** clients      key, name, segment, region, product, value, owner, created_at,
**              created_by, updated_at. sdm_start registers unknown keys.
** changes      id, kind (user | client), key, field, old, new, at, actor,
**              reason. Append-only: card, role, head and owner changes.
** task_log     task_id, instance_id, client, role, assignee, at, prev_task,
**              prev_user, prev_role, prev_at — one row per task created, with
**              the client's previous completed task; view `handoffs` keeps
**              the rows where the role changed (also history event handoff).
** funnel       instance_id, stage, ord, process, client, entered_at, left_at,
**              exit (NULL while in the stage | next | success | failure |
**              completed | terminated). One row per stage an instance reached.
**
** Migration 10, credentials (SQL in cred.c):
** users.password   argon2id PHC string ($argon2id$v=19$m=...$salt$hash), or NULL
** api_tokens   id, user, hash (hex SHA-256 of the token, UNIQUE), created_at,
**              revoked_at. The token itself is never stored.
** deviations.note  what the head wrote when acknowledging or resolving.
** clients.inn, phone, email, norm_name (migration 11, card.c): identifiers
**              stored normalised (digits; E.164; lowercase; name without case,
**              punctuation and legal forms); a new card matching another on
**              any of them is refused unless forced.
** client_roles client, role, user, since, until, reason (migration 11): the
**              holder of a role for a client; at most one row per (client,
**              role) with until NULL; every task of the client in the role
**              goes to the holder.
** card_fields  name, type (text|number|bool|date), label; client_fields
**              client, field, value; contacts id, client, type, text, at, actor.
** plans        kind (user|role|team), who, month (YYYY-MM), metric, target,
**              set_at, set_by (migration 11, plan.c).
**
** Migration 14: tasks_assignee(assignee, state, due_at) holds assigned
** tasks only (WHERE assignee IS NOT NULL; its readers ask by assignee).
**
** Indexes added on tasks: tasks_done(assignee, completed_at) WHERE state =
** 'completed' AND assignee IS NOT NULL (migration 7), tasks_completed
** (completed_at) WHERE state = 'completed'.
**
** Indexes are few and partial where they can be (migration 7): every
** B-tree a step writes costs at least one page of WAL. tasks_open_due
** (due_at) holds open tasks with a due date; a token's open task is found
** through tokens.task (migration 16; before, tasks_open_token(token_id));
** tokens_instance is (instance_id), so a moving token rewrites no index;
** instances_ended (state, process) holds ended instances (active ones are
** in instances_one_active);
** task_log_handoffs (at) holds the rows of the view handoffs only.
*/
#ifndef SDM_STORE_H
#define SDM_STORE_H
#include "sdm.h"

typedef struct store store;

/* ---------- the rows' states and kinds ----------
**
** The engine names each state and kind of a row by an enum; the database
** keeps its text (no migration changed it). Each list below is the one
** table of an enum's names, X(enum constant, text): store.c writes the
** text (store_*_text) and reads it back, calling an unknown text corrupt.
** Outside SQL no other file spells the text. Switches over these enums
** have no `default:`, so the compiler names a forgotten value. */
#define STORE_ENUM(e, text) e,

/* tokens.state. A token's life, every transition inside one step and made
** by the function named (rt_int.h says which rt*.c file holds each):
**
**                            (new)
**                              | rt_start_at, rt_token_new (open_scope,
**                              | rt_start_event_sub, loop_run,
**                              | rt_boundary_fire, compensate), take
**                              v
**     +------------------> TOKEN_READY ---------------+------------+
**     | rt_fire, rt_deliver,  |  rt_wait_here, from:    |            |
**     | rt_call_returned,     |  rt_wait_timer,         |            |
**     | leave_scope, rt_catch |  rt_user_task,          |            |
**     | (rt_boundary_fire),   |  rt_subprocess,         |            |
**     | (rt_late_signals)     |  rt_loop_begin,         |  op_execute|
**     |                       |  rt_call_activity,      |  (OR join),|
**     |                       |  rt_event_gateway,      |  rt_       |
**     |                       |  rt_wait_event,         |  parallel_ |
**     |                       |  compensate             |  join      |
**     |                       v                         |            |
**     +---------------- TOKEN_WAITING                   |            |
**     |                                                 v            |
**     +-- rt_parallel_join, rt_or_joins -------- TOKEN_JOINING       |
**     |   (complex_join)                                             |
**     +-- rt_retry --------------------------- TOKEN_INCIDENT <------+
**                                                rt_incident from any
**                                                state a behaviour fails in
**
**   (new) -> WAITING: loop_run (a multi-instance run's own token).
**   READY, WAITING, JOINING -> (deleted): rt_consume, the join that keeps
**   another token, leave_scope, store_scope_cancel (a scope or activity
**   interrupted), store_tokens_delete_all (the instance ends).
**   A ready token exists only inside a step: when rt_drain returns, every
**   token of the instance is waiting, joining or incident (store_check). */
#define TOKEN_STATES(X)                                                        \
    X(TOKEN_READY, "ready")        /* moving; only inside a step */            \
    X(TOKEN_WAITING, "waiting")    /* at something that waits (task, event) */ \
    X(TOKEN_JOINING, "joining")    /* at a join, arrived by tokens.flow */     \
    X(TOKEN_INCIDENT, "incident")  /* stopped by its open incident */
typedef enum token_state { TOKEN_STATES(STORE_ENUM) } token_state;

/* instances.state:
**   (new: store_instance_add) -> INSTANCE_ACTIVE
**   ACTIVE -> COMPLETED: instance_end (rt.c), from rt_consume (the last
**             token) or terminate (a terminate end event at process level)
**   ACTIVE -> TERMINATED: store_terminate_children (its caller's call
**             activity was cancelled or interrupted)
**   COMPLETED and TERMINATED are final and hold no tokens. */
#define INSTANCE_STATES(X)                     \
    X(INSTANCE_ACTIVE, "active")               \
    X(INSTANCE_COMPLETED, "completed")         \
    X(INSTANCE_TERMINATED, "terminated")
typedef enum instance_state { INSTANCE_STATES(STORE_ENUM) } instance_state;

/* tasks.state: OPEN -> COMPLETED (rt_complete) or CANCELLED (the store's
** cancellations: store_task_cancel_token, store_tasks_cancel_all,
** store_scope_cancel, store_terminate_children). */
#define TASK_STATES(X)                         \
    X(TASK_OPEN, "open")                       \
    X(TASK_COMPLETED, "completed")             \
    X(TASK_CANCELLED, "cancelled")
typedef enum task_state { TASK_STATES(STORE_ENUM) } task_state;

/* jobs.kind (see jobs below). */
#define JOB_KINDS(X)                                                              \
    X(JOB_START, "start")        /* a timer start event of definition_id */       \
    X(JOB_TIMER, "timer")        /* a token waits at a timer catch event */       \
    X(JOB_BOUNDARY, "boundary")  /* a timer on a waiting activity's boundary */   \
    X(JOB_EVENT, "event")        /* the timer start of an event subprocess */     \
    X(JOB_DUE, "due")            /* a task's due-date checkpoints */
typedef enum job_kind { JOB_KINDS(STORE_ENUM) } job_kind;

/* subscriptions.kind (see subscriptions below). */
#define SUB_KINDS(X)                                                               \
    X(SUB_MESSAGE, "message")                                                      \
    X(SUB_SIGNAL, "signal")                                                        \
    X(SUB_CONDITION, "condition")            /* fires when its condition holds */  \
    X(SUB_CONDITION_HELD, "condition-held")  /* fired; waits for it to stop */
typedef enum sub_kind { SUB_KINDS(STORE_ENUM) } sub_kind;

/* incidents.phase: where a retry resumes (see incidents below). */
#define INCIDENT_PHASES(X)                                                          \
    X(PHASE_EXECUTE, "execute")  /* the token executes its node again */            \
    X(PHASE_LEAVE, "leave")      /* the token leaves its node again */              \
    X(PHASE_STEP, "step")        /* token 0: a step over its budget, rolled back */ \
    X(PHASE_JOB, "job")          /* token 0: a job's firing failed; retry: due now */
typedef enum incident_phase { INCIDENT_PHASES(STORE_ENUM) } incident_phase;

/* incidents.state: OPEN -> RESOLVED (store_incident_resolve, rt_retry;
** store_incidents_resolve_all when the instance ends). */
#define INCIDENT_STATES(X)                     \
    X(INCIDENT_OPEN, "open")                   \
    X(INCIDENT_RESOLVED, "resolved")
typedef enum incident_state { INCIDENT_STATES(STORE_ENUM) } incident_state;

/* outbox.channel and outbox.state: PENDING -> SENT, or FAILED after the
** last attempt (tick.c's deliver_one). */
#define OUT_CHANNELS(X)                        \
    X(CHANNEL_INBOX, "inbox")                  \
    X(CHANNEL_EMAIL, "email")                  \
    X(CHANNEL_WEBHOOK, "webhook")
typedef enum out_channel { OUT_CHANNELS(STORE_ENUM) } out_channel;
#define OUT_STATES(X)                          \
    X(OUT_PENDING, "pending")                  \
    X(OUT_SENT, "sent")                        \
    X(OUT_FAILED, "failed")
typedef enum out_state { OUT_STATES(STORE_ENUM) } out_state;

/* The text of each, as stored (for logs and messages too). */
const char *store_token_state_text(token_state v);
const char *store_instance_state_text(instance_state v);
const char *store_task_state_text(task_state v);
const char *store_job_kind_text(job_kind v);
const char *store_sub_kind_text(sub_kind v);
const char *store_incident_phase_text(incident_phase v);
const char *store_incident_state_text(incident_state v);
const char *store_out_channel_text(out_channel v);
const char *store_out_state_text(out_state v);

typedef struct store_instance {
    int64_t id, definition_id;
    int64_t parent_id, parent_token;      /* called from (0 when started directly) */
    instance_state state;
    char process[256], client[256];
} store_instance;

typedef struct store_task {
    int64_t id, instance_id, token_id, due_at, created_at;
    task_state state;
    char node[256], assignee[128];
    /* assignee as read: 0 NULL, 1 the whole name, -1 cut to the buffer */
    signed char assigned;
} store_task;

typedef struct store_job {
    int64_t id, instance_id, token_id, due_at, created_at, definition_id;
    int fired;
    int attempts;                       /* failed firings so far (migration 9) */
    int64_t incident_id;                /* the open incident telling of them, 0 none */
    job_kind kind;
    char node[256], spec[512];
} store_job;

typedef struct store_message {
    int64_t id, instance_id, deviation_id;
    int attempts;
    out_channel channel;
    char recipient[512];
    char *subject, *body;                /* malloc'd */
} store_message;

typedef struct store_sub {
    int64_t id, instance_id, token_id;
    sub_kind kind;
    char name[256], node[256];
} store_sub;

typedef int (*store_recipient_cb)(void *ctx, out_channel channel, const char *address);

typedef struct store_incident {
    int64_t id, instance_id, token_id;
    incident_phase phase;
    incident_state state;
    char node[256];
} store_incident;

typedef struct store_token {
    int64_t id, parent;                  /* parent: the token holding its scope, 0 at process level */
    token_state state;
    /* 1: jobs or subscriptions may name the token; 0: none did when it was
    ** read (only store_task_open looks; store_token_get says 1) */
    int waits;
    char node[256], flow[256];
} store_token;

/* The connection, for the other store-layer files (org.c, report.c) that
** keep their own SQL. Nothing outside the store layer may use it. */
struct sqlite3 *store_sqlite(store *s);

/* Ad-hoc statements for the store-layer files. fmt binds ?1, ?2...: t text
** (NULL as NULL), i int64, I int64 with 0 as NULL, d double, b blob. */
struct sqlite3_stmt;
int   store_sql_exec(store *s, int *changes, sdm_err *err, const char *sql, const char *fmt, ...);
int   store_sql_table(store *s, sdm_table **out, const char *types, sdm_err *err, const char *sql,
                      const char *fmt, ...);
/* First column of the first row; SDM_ERR_NOTFOUND (err untouched) if no row. */
int   store_sql_text(store *s, char **out, sdm_err *err, const char *sql, const char *fmt, ...);
int   store_sql_int(store *s, int64_t *out, sdm_err *err, const char *sql, const char *fmt, ...);
int   store_sql_error(store *s, sdm_err *err, const char *sql);
/* A prepared, bound statement from the cache, to step by hand; give it
** back with store_sql_close (never sqlite3_finalize). */
int   store_sql_open(store *s, struct sqlite3_stmt **st, sdm_err *err, const char *sql, const char *fmt, ...);
void  store_sql_close(store *s, struct sqlite3_stmt *st);
char *store_col_text(struct sqlite3_stmt *st, int col);   /* malloc'd, NULL for NULL */

/* mode: SDM_OPEN_READ (no create, no migration, no write lock: a read-only
** file or directory serves), _WRITE (the file must exist), _CREATE. */
int  store_open(store **out, const char *path, int mode, int sync_full, sdm_err *err);
void store_close(store *s);

/* One transaction per state change. begin takes the write lock at once
** (BEGIN IMMEDIATE) so two processes never interleave a step. */
int  store_begin(store *s, sdm_err *err);
/* One step of a group commit inside store_begin/commit: keep 0 undoes it. */
int  store_step_begin(store *s, sdm_err *err);
int  store_step_end(store *s, int keep, sdm_err *err);
int  store_commit(store *s, sdm_err *err);
void store_rollback(store *s);

/* Deployment. */
int store_latest_definition(store *s, const char *process, int64_t *def_id, int *version,
                            char **xml, size_t *len, sdm_err *err);  /* NOTFOUND if none */
int store_definition_find(store *s, const char *process, int version, int64_t *id, sdm_err *err);
int store_definition_xml(store *s, const char *process, int version, char **xml, size_t *len,
                         sdm_err *err);   /* version 0: latest */
/* The file as deployed, and its tree packed by xml_pack. */
int store_resource_add(store *s, const char *name, const char *xml, size_t len, const char *tree,
                       size_t tree_len, int64_t now, int64_t *id, sdm_err *err);
int store_definition_add(store *s, const char *process, int version, const char *name,
                         int64_t resource, int64_t now, const char *actor, int64_t *id, sdm_err *err);
/* Packed trees for resources deployed before migration 8: the first one
** after `after` that has none (SDM_ERR_NOTFOUND: none left), and adding one. */
int store_tree_missing(store *s, int64_t after, int64_t *id, char **name, char **xml, size_t *len,
                       sdm_err *err);
int store_tree_add(store *s, int64_t resource, const char *tree, size_t len, sdm_err *err);
/* The schema version store_open found, before migrating. */
int store_found_version(store *s);
/* The packed tree (*tree), or for a resource deployed before migration 8
** the XML (*xml); the other is NULL, *len the length of the one given. */
int store_definition_source(store *s, int64_t def_id, int64_t *resource, char **process,
                            char **file, char **tree, char **xml, size_t *len, sdm_err *err);

/* Instances. */
int store_instance_add(store *s, int64_t def_id, const char *process, const char *client,
                       int64_t now, const char *actor, int64_t *id, sdm_err *err);
int store_instance_get(store *s, int64_t id, store_instance *out, sdm_err *err);
int store_instance_set_parent(store *s, int64_t id, int64_t parent, int64_t token, sdm_err *err);
/* Terminate what `inst` called (token 0), or what its token `token` called. */
int store_terminate_children(store *s, int64_t inst, int64_t token, int64_t now, const char *actor, sdm_err *err);
/* Cancel everything inside scope token `scope` (0: the whole instance):
** every token below it at any depth, their open tasks (history
** task-cancelled, detail.by = by), jobs, subscriptions, incidents, scope
** variables and called instances. *ids (caller frees) are the tokens gone. */
int store_scope_cancel(store *s, int64_t inst, int64_t scope, int64_t now, const char *actor, const char *by,
                       int64_t **ids, int *n, sdm_err *err);
int store_scope_vars_delete(store *s, int64_t inst, int64_t scope, sdm_err *err);
/* Deletes the waits (timer jobs and subscriptions) token (0: the root scope) holds for node. */
int store_waits_delete(store *s, int64_t inst, int64_t token, const char *node, sdm_err *err);
/* Id of the last history row `event` at node, 0 when none. */
int store_last_event(store *s, int64_t inst, const char *node, const char *event, int64_t *id, sdm_err *err);
int store_instance_end(store *s, int64_t id, instance_state state, const char *outcome,
                       const char *node, int64_t now, sdm_err *err);

/* Tokens. */
int store_token_add(store *s, int64_t inst, int64_t parent, const char *node, token_state state,
                    const char *flow, int64_t now, int64_t *id, sdm_err *err);
int store_token_set(store *s, int64_t id, const char *node, token_state state,
                    const char *flow, sdm_err *err);
/* The token waits at a user task: store_token_set to WAITING naming the
** task just opened (tokens.task), in one statement. */
int store_token_wait_task(store *s, int64_t id, const char *node, const char *flow, int64_t task,
                          sdm_err *err);
int store_token_delete(store *s, int64_t id, sdm_err *err);
int store_token_get(store *s, int64_t id, store_token *out, sdm_err *err);
/* Tokens directly in scope (0: at process level). */
int store_token_count(store *s, int64_t inst, int64_t scope, int *n, sdm_err *err);
/* Joining tokens at `node` in scope, oldest first: ids and flows (caller frees). */
int store_tokens_joining(store *s, int64_t inst, int64_t scope, const char *node, int64_t **ids,
                         char ***flows, int *n, sdm_err *err);
int store_tokens_delete_all(store *s, int64_t inst, sdm_err *err);
/* Every token of the instance, oldest first (caller frees *out). */
int store_tokens_at_rest(store *s, int64_t inst, store_token **out, int *n, sdm_err *err);

/* Tasks. */
int store_task_add(store *s, int64_t inst, int64_t token, const char *node, const char *name,
                   const char *role, const char *assignee, int64_t now, int64_t due,
                   int64_t *id, sdm_err *err);
int store_task_get(store *s, int64_t id, store_task *out, sdm_err *err);
/* A task to complete, read in one statement with its instance and, while
** the task is open, its token (tok->id 0 otherwise) and whether anything
** waits on that token (tok->waits). */
int store_task_open(store *s, int64_t id, store_task *task, store_instance *inst, store_token *tok,
                    sdm_err *err);
/* Close an open task read by store_task_get in this step; its assignee as
** read is the one user_load counts down (no second read of the row). */
int store_task_close(store *s, const store_task *t, task_state state, int64_t now, const char *actor,
                     sdm_err *err);
int store_tasks_cancel_all(store *s, int64_t inst, int64_t now, const char *actor, sdm_err *err);
/* Write the step's pending user_load changes now (store_commit does it;
** a reader of user_load inside a step calls this first). */
int store_user_load_flush(store *s, sdm_err *err);

/* Variables of a scope (0: the instance). value NULL deletes. */
int store_var_set(store *s, int64_t inst, int64_t scope, const char *name, const char *json, sdm_err *err);
int store_vars_json(store *s, int64_t inst, int64_t scope, char **json, sdm_err *err);

/* The instance's recent path as a JSON array, for checkpoint rules. */
int store_history_json(store *s, int64_t inst, char **json, sdm_err *err);
/* History. detail may be NULL. */
int store_history(store *s, int64_t inst, int64_t token, const char *node, const char *event,
                  int64_t now, const char *actor, const char *detail, sdm_err *err);
/* *from: the stored row (history.step) of the first event store_history
** wrote in the current transaction, 0 if none: a step's events of an
** instance are those of its rows from there on. Writes the events still
** gathered first. */
int store_tx_history(store *s, int64_t *from, sdm_err *err);
/* Writes the events store_history gathered (store.c does it when the step
** ends and before a statement reads history). */
int store_history_flush(store *s, sdm_err *err);

/* Incidents. */
int store_incident_add(store *s, int64_t inst, int64_t token, const char *node, incident_phase phase,
                       const char *msg, int64_t now, int64_t *id, sdm_err *err);
int store_incident_get(store *s, int64_t id, store_incident *out, sdm_err *err);
int store_incident_resolve(store *s, int64_t id, int64_t now, const char *actor, sdm_err *err);
int store_incidents_resolve_all(store *s, int64_t inst, int64_t now, const char *actor, sdm_err *err);

/* Jobs: timers (kind timer, boundary) and due-date checkpoints (due). */
int store_job_add(store *s, job_kind kind, int64_t inst, int64_t token, const char *node,
                  int64_t due, const char *spec, int fired, int64_t created, sdm_err *err);
int store_job_due(store *s, int64_t now, store_job *out, sdm_err *err);  /* NOTFOUND: none due */
/* Timer start events: jobs of kind start name a definition, not an instance.
** A new version replaces the start jobs of every older one. */
int store_start_jobs_clear(store *s, const char *process, sdm_err *err);
int store_start_job_add(store *s, int64_t def, const char *node, int64_t due, int64_t now, sdm_err *err);
int store_job_delete(store *s, int64_t id, sdm_err *err);
/* A firing failed (its transaction rolled back): count it, and either
** retry at due (> 0) or park the job (due 0) until its incident is retried. */
int store_job_failed(store *s, int64_t id, int attempts, int64_t due, int64_t now, const char *error,
                     int64_t incident, sdm_err *err);
/* Retrying incident `incident` makes the jobs it parked due now. */
int store_job_unpark(store *s, int64_t incident, int64_t now, sdm_err *err);
int store_incident_message(store *s, int64_t id, const char *msg, sdm_err *err);
int store_job_reschedule(store *s, int64_t id, int64_t due, int fired, sdm_err *err);
int store_jobs_delete_token(store *s, int64_t token, sdm_err *err);
int store_jobs_delete_instance(store *s, int64_t inst, sdm_err *err);
int store_next_due(store *s, int64_t *due, sdm_err *err);                /* 0: nothing pending */
/* The latest task (any state) the token of instance inst had at node. */
int store_task_of_token(store *s, int64_t inst, int64_t token, const char *node, store_task *out,
                        sdm_err *err);
int store_task_cancel_token(store *s, int64_t token, int64_t now, const char *actor, sdm_err *err);

/* Subscriptions: a token waiting for a message (by name and client) or a
** signal (by name). client NULL in find: any client. */
int store_sub_add(store *s, sub_kind kind, const char *name, const char *client, int64_t inst,
                  int64_t token, const char *node, int64_t now, sdm_err *err);
int store_subs_find(store *s, sub_kind kind, const char *name, const char *client, store_sub **out,
                    int *n, sdm_err *err);
int store_subs_delete_token(store *s, int64_t token, sdm_err *err);
/* One subscription goes (a parallelMultiple catch's trigger that came;
** a condition's remembered value changing); how many a token holds at node. */
int store_sub_delete(store *s, int64_t id, sdm_err *err);
int store_subs_at(store *s, int64_t token, const char *node, int *n, sdm_err *err);
int store_subs_delete_instance(store *s, int64_t inst, sdm_err *err);

/* Deviations, the outbox (at-least-once delivery with a lease) and inboxes. */
int store_deviation_add(store *s, int64_t inst, const char *node, int64_t task, const char *manager,
                        const char *rule, const char *severity, const char *msg, int64_t now,
                        int64_t *id, sdm_err *err);
int store_deviation_note(store *s, int64_t id, const char *note, sdm_err *err);
/* user NULL: anybody's message. NOTFOUND when it is not theirs. */
int store_inbox_read(store *s, int64_t id, const char *user, int64_t now, sdm_err *err);
int store_deviation_set(store *s, int64_t id, const char *state, int64_t now, const char *actor,
                        sdm_err *err);
/* Who must hear of an incident at a step of `role` (may be NULL) for
** `client`: the heads of the role's people, else the head of the client's
** owner, else the users with role admin or owner. cb as store_recipients. */
int store_responsible(store *s, const char *role, const char *client, store_recipient_cb cb, void *ctx,
                      sdm_err *err);
int store_outbox_add(store *s, out_channel channel, const char *recipient, const char *subject,
                     const char *body, int64_t now, int64_t inst, int64_t deviation, sdm_err *err);
int store_outbox_claim(store *s, int64_t now, int64_t lease_until, store_message *out, sdm_err *err);
int store_outbox_done(store *s, int64_t id, out_state state, int64_t next_at, const char *error,
                      int64_t now, sdm_err *err);
int store_inbox_add(store *s, const char *user, const char *subject, const char *body, int64_t now,
                    int64_t inst, int64_t deviation, sdm_err *err);
int store_recipients(store *s, const char *to, const char *assignee, store_recipient_cb cb, void *ctx,
                     sdm_err *err);

int store_query(store *s, sdm_query_kind q, const sdm_filter *f, sdm_table **out, sdm_err *err);
int store_check(store *s, sdm_table **out, sdm_err *err);
#endif
