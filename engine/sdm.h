/*
** sdm.h — the public API of the sdm workflow engine.
**
** Everything a front end (the `sdm` command line, a test, an HTTP server)
** may call is declared here and marked SDM_API; nothing else is public.
** The engine is single-threaded per handle: open one handle per thread or
** process, and let SQLite arbitrate between them.
**
** Conventions:
**   - every function returns an SDM_* status and, on failure, fills the
**     caller's sdm_err with the message and where it came from;
**   - times are milliseconds since the Unix epoch, UTC (int64_t);
**   - variables cross the API as JSON text (an object: {"amount": 5000});
**   - query results come back as an sdm_table the caller frees.
*/
#ifndef SDM_H
#define SDM_H

#include <stddef.h>
#include <stdint.h>

#define SDM_API
#define SDM_VERSION "0.1.0"

/* Status codes. Stable: the CLI maps them to exit codes. */
enum {
    SDM_OK = 0,
    SDM_ERR_XML,        /* the file is not well-formed or is hostile XML */
    SDM_ERR_MODEL,      /* well-formed BPMN that fails validation */
    SDM_ERR_SCRIPT,     /* Lua failed: syntax, runtime, limits */
    SDM_ERR_STORE,      /* SQLite failed (I/O, busy too long, full disk) */
    SDM_ERR_NOMEM,
    SDM_ERR_MISUSE,     /* the caller broke the API contract or gave bad arguments */
    SDM_ERR_CORRUPT,    /* the store contradicts the engine's invariants */
    SDM_ERR_NOTFOUND,   /* no such process, instance, task, incident */
    SDM_ERR_STATE,      /* the object exists but not in a state that allows this */
    SDM_ERR_IO,         /* a file could not be read */
    SDM_ERR_LIMIT,      /* input over a configured limit (file size, depth) */
    SDM_ERR_DENIED      /* the acting user may not do this (access.c's rules) */
};

/* An error record: what went wrong and where, reaching the user unchanged.
** file/line/element are empty/0 when they do not apply. */
typedef struct sdm_err {
    int  code;
    int  line;            /* line in `file` (model source or script) */
    char file[256];       /* model file, or script chunk name */
    char element[128];    /* BPMN element id */
    char msg[1024];
} sdm_err;

/* A result set: ncol named, typed columns and nrow rows of text cells.
** types[c]: 's' text, 'i' integer, 'r' real, 'b' boolean (0/1),
**           't' time (integer ms since epoch), 'j' JSON text.
** cells[r * ncol + c] is NULL for SQL NULL. */
typedef struct sdm_table {
    int    ncol, nrow;
    char **cols;
    char  *types;
    char **cells;
    int    ncap;          /* internal: allocated rows */
} sdm_table;

typedef struct sdm sdm;

typedef struct sdm_config {
    const char *scripts_dir;    /* service-task handlers, checkpoint files; default "scripts" */
    const char *calendar_file;  /* business calendar; default Mon-Fri 09:00-18:00 in time_zone */
    const char *actor;          /* who acts, recorded in history; default "system" */
    int64_t     now;            /* fixed clock (ms); 0 = real time */
    long        lua_instructions; /* per script call; default 10,000,000 */
    size_t      lua_memory;     /* bytes per Lua state; default 64 MiB */
    int         script_timeout_ms; /* wall clock per script call; 0 = default 1000 */
    size_t      max_model_bytes;/* largest BPMN file accepted; default 16 MiB */
    int         sync_full;      /* 1: fsync every commit (power-loss safe) */
    const char *smtp_url;       /* smtp://host:port or smtps://; NULL: e-mail stays pending */
    const char *smtp_from, *smtp_user, *smtp_password;
    const char *webhook_secret; /* signs webhook bodies (X-Sdm-Signature); NULL: unsigned */
    const char *time_zone;      /* zone people read times in and due dates count in (IANA
                                   name); default the calendar's, else the machine's */
    const char *lang;           /* "ru" or "en": texts people read (mail); default "en" */
    int         open_mode;      /* SDM_OPEN_*: default SDM_OPEN_WRITE */
    /* A step's budget over all its tokens, 0 = default: operations
    ** (1,000,000), tokens created (100,000), wall time (5,000 ms). A step
    ** over it is rolled back and recorded as one incident (SDM_ERR_LIMIT). */
    long        step_ops, step_tokens;
    int64_t     step_ms;
    long        max_instances;  /* multi-instance cardinality cap; default 10,000 */
    /* The worker: a delivery's connect and total timeouts (default 5,000 and
    ** 15,000 ms) and one sdm_tick's time for jobs and deliveries (10,000). */
    long        connect_timeout_ms, delivery_timeout_ms;
    int64_t     tick_ms;
    /* Called for each event a worker's log wants (job fired, message
    ** delivered, delivery failed, incident raised); NULL: silent. level is
    ** SDM_LOG_*, what a short event name ("job-fired"), detail one line. */
    void      (*log)(void *log_ctx, int level, const char *what, const char *detail);
    void       *log_ctx;
    const char *base_url;       /* where people open the web pages (https://crm.example);
                                   messages then link to the task; NULL: no links */
    const char *zone_dir;       /* the TZif files time zones are read from; default
                                   /usr/share/zoneinfo. The zones read are kept for the
                                   process, so the first handle's directory serves all */
} sdm_config;

/* Fills each limit of cfg left 0 with the default sdm_open would use:
** lua_instructions, lua_memory, script_timeout_ms, max_model_bytes, the
** step's budget, max_instances and the worker's timeouts. */
SDM_API void sdm_config_limits(sdm_config *cfg);

enum { SDM_LOG_INFO = 0, SDM_LOG_WARN = 1, SDM_LOG_ERROR = 2 };

/* How sdm_open treats the database file. READ never creates, migrates or
** locks for writing (a read-only file or directory serves reads); WRITE
** needs an existing database and migrates it; CREATE also makes a new one. */
enum { SDM_OPEN_WRITE = 0, SDM_OPEN_READ = 1, SDM_OPEN_CREATE = 2 };

/* Queries. Each names its filter fields; unused fields are ignored. */
typedef enum sdm_query {
    SDM_Q_PROCESSES,   /* deployed definitions, latest first                 */
    SDM_Q_INSTANCES,   /* filter: process, client, state                     */
    SDM_Q_INSTANCE,    /* filter: id — one row                               */
    SDM_Q_TOKENS,      /* filter: id (instance)                              */
    SDM_Q_VARIABLES,   /* filter: id (instance)                              */
    SDM_Q_HISTORY,     /* filter: id (instance)                              */
    SDM_Q_TASKS,       /* filter: user, state (default open), client, id (instance) */
    SDM_Q_INCIDENTS,   /* filter: state (default open), id (instance)        */
    SDM_Q_DEVIATIONS,  /* filter: state (open|acknowledged|resolved|all), user (manager), id (instance) */
    SDM_Q_INBOX,       /* filter: user, state (unread|all)                   */
    SDM_Q_OUTBOX,      /* filter: state (pending|sent|failed|all)            */
    SDM_Q_JOBS,        /* filter: id (instance)                              */
    SDM_Q_NODE_STATS   /* filter: process, at — per node: visits, active tokens, open incidents, overdue tasks */
} sdm_query_kind;

typedef struct sdm_filter {
    int64_t     id;
    const char *user, *process, *client, *state;
    int         limit;          /* 0 = default (1000) */
    int64_t     at;             /* reference time for "overdue"; 0 = now */
    const char *where;          /* clients: FIELD=VALUE on any card field */
} sdm_filter;

SDM_API int  sdm_open(sdm **out, const char *db_path, const sdm_config *cfg, sdm_err *err);
SDM_API void sdm_close(sdm *h);

SDM_API void sdm_set_actor(sdm *h, const char *actor);
/* Act as `user` from now on: every call obeys that user's rules (access.c)
** and history records them. NULL: the administrator (the default), who may
** do everything. An unknown or inactive user is NOTFOUND / STATE. */
SDM_API int sdm_act_as(sdm *h, const char *user, sdm_err *err);
SDM_API const char *sdm_acting(sdm *h);              /* NULL: administrator */
SDM_API void sdm_set_now(sdm *h, int64_t now_ms);   /* 0 = real time */
SDM_API int64_t sdm_now(sdm *h);
/* Whether `t` falls in the business calendar's working hours. */
SDM_API int sdm_is_working_time(sdm *h, int64_t t);
/* The zone people read times in (IANA name or "UTC"), and a time written in
** it for people: "2026-12-02 10:00" (iso: ISO 8601 with the offset). */
SDM_API const char *sdm_time_zone(sdm *h);
SDM_API int sdm_format_time(sdm *h, int64_t ms, int iso, char *buf, size_t n);

/* Deploy every executable process in a BPMN file. A process whose content is
** unchanged keeps its version; a changed one gets version N+1. `out` (may be
** NULL) lists one row per process deployed and one per warning or error:
** columns kind, process, version, file, line, element, message. */
SDM_API int sdm_deploy(sdm *h, const char *path, sdm_table **out, sdm_err *err);
SDM_API int sdm_deploy_xml(sdm *h, const char *name, const char *xml, size_t len,
                           sdm_table **out, sdm_err *err);
/* Check a file as sdm_deploy would, storing nothing: every error and
** warning in `out` (same columns; EPC and IDEF3 files are checked as the
** BPMN they import to, with the importer's warnings). SDM_OK when the file
** would deploy. A handle on ":memory:" serves: no database is needed. */
SDM_API int sdm_lint(sdm *h, const char *path, sdm_table **out, sdm_err *err);
/* Convert an EPC (EPML 2.0, ARIS AML) or IDEF3 model (docs/IMPORT.md) to
** BPMN 2.0 text with diagram information; *bpmn is malloc'd. `warnings`
** (may be NULL) lists what could not be mapped as it stands: columns kind
** (warning|error), file, line, element (the source id), message.
** sdm_deploy and sdm_deploy_xml accept these formats directly. */
SDM_API int sdm_import(const char *path, char **bpmn, size_t *len, sdm_table **warnings, sdm_err *err);

/* Start the latest version of `process` for client `client` and run it until
** every token waits. vars_json may be NULL. A step over its budget
** (sdm_config.step_*) returns SDM_ERR_LIMIT and every call is rolled back;
** a start still records the instance, resting at its start event with an
** incident (*instance set), and complete, set vars and messages record one
** incident on the instance. Client keys and variable names must be UTF-8
** without control characters (SDM_ERR_MISUSE). */
SDM_API int sdm_start(sdm *h, const char *process, const char *client,
                      const char *vars_json, int64_t *instance, sdm_err *err);
/* Complete an open user task, merging vars_json into the instance first. */
SDM_API int sdm_complete(sdm *h, int64_t task, const char *vars_json, sdm_err *err);
/* Group commit: complete n tasks in one transaction, task i as users[i]
** (NULL: the handle's acting user) with vars[i] (NULL: none). Each is a
** step of its own under a savepoint: rcs[i]/errs[i] say how it went, and a
** failing one leaves the others. The return is the commit's: when it fails,
** no task was completed and every rcs[i] carries its status. */
SDM_API int sdm_complete_batch(sdm *h, int n, const int64_t *tasks, const char *const *users,
                               const char *const *vars, int *rcs, sdm_err *errs, sdm_err *err);
/* Resolve an incident: run its token's node again with the current model
** and variables. */
SDM_API int sdm_retry(sdm *h, int64_t incident, sdm_err *err);
/* Set instance variables from outside (no token moves). */
SDM_API int sdm_set_vars(sdm *h, int64_t instance, const char *vars_json, sdm_err *err);

/* Fire every job due at sdm_now() (timers, boundary timers, due-date
** checkpoints), each in its own transaction, taking turns with due outbox
** deliveries until nothing is due or the tick's time (tick_ms) is spent.
** A job that fails is rolled back, retried with backoff and parked after
** 5 attempts, with an incident; it never stops the other jobs. *fired
** counts jobs and deliveries; *next_due (may be NULL) is when something is
** next due (now when the tick's time ran out first), 0 if nothing is
** pending. */
SDM_API int sdm_tick(sdm *h, int *fired, int64_t *next_due, sdm_err *err);
/* The deployed BPMN of `process` (version 0 = latest), byte for byte, or
** with overlay = 1 coloured by what runs now: red open incidents, orange
** overdue tasks, blue waiting tokens, green visited. The colours use the
** bioc and OMG color extensions that bpmn.io and Camunda Modeler show.
** *xml is malloc'd. */
SDM_API int sdm_export(sdm *h, const char *process, int version, int overlay,
                       char **xml, size_t *len, sdm_err *err);
/* Correlate message `name` to the client's instance waiting for it (a
** catch event, receive task or boundary event), merging vars_json; with no
** waiting instance, start the processes whose message start event has that
** name. Nothing matching is SDM_ERR_NOTFOUND; several waiting instances are
** SDM_ERR_STATE unless all = 1. *delivered counts deliveries and starts. */
SDM_API int sdm_message(sdm *h, const char *name, const char *client, const char *vars_json, int all,
                        int *delivered, sdm_err *err);
/* Broadcast signal `name` to every waiting catch and boundary event. */
SDM_API int sdm_signal(sdm *h, const char *name, const char *vars_json, int *delivered, sdm_err *err);
/* A head acknowledges or resolves a deviation: state "acknowledged" or "resolved". */
SDM_API int sdm_deviation_set(sdm *h, int64_t deviation, const char *state, sdm_err *err);
/* The same with a note (NULL: none) kept on the deviation. */
SDM_API int sdm_deviation_note(sdm *h, int64_t deviation, const char *state, const char *note, sdm_err *err);
/* Mark an in-app message of the acting user read. */
SDM_API int sdm_inbox_read(sdm *h, int64_t message, sdm_err *err);

SDM_API int  sdm_query(sdm *h, sdm_query_kind q, const sdm_filter *f, sdm_table **out, sdm_err *err);
/* Check the store against the engine's invariants; one row per problem. */
SDM_API int  sdm_check(sdm *h, sdm_table **out, sdm_err *err);

SDM_API void sdm_table_free(sdm_table *t);
SDM_API const char *sdm_status_name(int code);

/* ---------- people: organisation, clients, reports ---------- */

/* The organisation. `sdm org load FILE` reads the plain format documented in
** org.c (one `user NAME "Full Name" email roles=a,b head=H` line per person)
** in one transaction; out lists each user as added, updated or unchanged.
** roles is a comma-separated list. Deactivating moves every open task and
** owned client of `name` to `to` (or, when NULL, by the role's round robin)
** and the people reporting to them to `to` (or their own head); `moves`
** lists each move (columns moved, id, from, to) and history records it. */
SDM_API int sdm_org_load(sdm *h, const char *path, sdm_table **out, sdm_err *err);
SDM_API int sdm_user_add(sdm *h, const char *name, const char *roles, const char *head,
                         const char *full_name, const char *email, sdm_err *err);
SDM_API int sdm_user_deactivate(sdm *h, const char *name, const char *to, sdm_table **moves, sdm_err *err);
/* role, team (a head: everyone below them, and them): NULL for all. */
SDM_API int sdm_users(sdm *h, const char *role, const char *team, sdm_table **out, sdm_err *err);

/* Clients. fields_json: an object of name, segment, region, product, value
** (number), owner (a user). sdm_start registers an unknown client by itself. */
SDM_API int sdm_client_add(sdm *h, const char *key, const char *fields_json, sdm_err *err);
SDM_API int sdm_client_update(sdm *h, const char *key, const char *fields_json, sdm_err *err);
/* filter: user (owner), client (list from this key on), limit. */
SDM_API int sdm_clients(sdm *h, const sdm_filter *f, sdm_table **out, sdm_err *err);
SDM_API int sdm_client_card(sdm *h, const char *key, sdm_table **out, sdm_err *err);
/* Card changes, contacts and every instance's history, in time order. */
SDM_API int sdm_client_history(sdm *h, const char *key, sdm_table **out, sdm_err *err);
/* Identifiers (inn, phone, email; stored normalised) and the name decide
** whether a new client is a likely duplicate: sdm_client_add refuses one
** with SDM_ERR_STATE naming the existing key unless fields_json holds
** "force": true; sdm_start refuses to register one. Declared card fields
** (sdm_card_field_add) are accepted in fields_json too. */
/* The client's one holder of `role` becomes `user` (who gets the client's
** open tasks of the role); heads and administrators. */
SDM_API int sdm_client_assign(sdm *h, const char *key, const char *role, const char *user, sdm_err *err);
/* Everything of client `gone` moves to `keep`; `gone` is removed. */
SDM_API int sdm_client_merge(sdm *h, const char *keep, const char *gone, sdm_table **out, sdm_err *err);
/* A contact outside any process: type call|meeting|email|note. */
SDM_API int sdm_client_log(sdm *h, const char *key, const char *type, const char *text, sdm_err *err);
/* The card's schema: type text|number|bool|date. */
SDM_API int sdm_card_field_add(sdm *h, const char *name, const char *type, const char *label, sdm_err *err);
SDM_API int sdm_card_fields(sdm *h, sdm_table **out, sdm_err *err);

/* The manager's calendar: open tasks of `user` (NULL: everybody) sorted by
** due time. when: "overdue", "today", "upcoming" or "all"/NULL; "today" is
** the current day in the business calendar's time zone. */
SDM_API int sdm_calendar(sdm *h, const char *user, const char *when, int limit, sdm_table **out, sdm_err *err);
/* Take a task. Refused (SDM_ERR_STATE) when it is assigned to someone else,
** unless force, or `user` or the acting user is that person's head; and when
** `user` lacks the task's role, unless force. */
SDM_API int sdm_task_claim(sdm *h, int64_t task, const char *user, int force, sdm_err *err);
/* Give a task back to its role's queue. user (may be NULL) is who gives it
** back: refused if neither the assignee nor their head, unless force. */
SDM_API int sdm_task_unclaim(sdm *h, int64_t task, const char *user, int force, sdm_err *err);
SDM_API int sdm_task_delegate(sdm *h, int64_t task, const char *to, int force, sdm_err *err);
/* One row: the task, the step's contact script (node documentation), what
** comes next (outgoing flows), the client's card. */
SDM_API int sdm_task_info(sdm *h, int64_t task, sdm_table **out, sdm_err *err);

/* The head's view and reports. from/to are ms, 0 = open-ended. */
SDM_API int sdm_monitor(sdm *h, const char *team, sdm_table **out, sdm_err *err);
/* by: NULL, "manager", "product", "region", "segment". Stages are the
** nodes' sdm:stage, else each user task, ordered from the start event. */
SDM_API int sdm_report_funnel(sdm *h, const char *process, const char *by, int64_t from, int64_t to,
                              sdm_table **out, sdm_err *err);
SDM_API int sdm_report_kpi(sdm *h, int64_t from, int64_t to, sdm_table **out, sdm_err *err);
/* Monthly targets: kind user|role|team, month YYYY-MM, metric won|revenue|
** tasks|on_time_pct (administrators and heads). The report lists every
** plan of the month: kind, who, metric, plan, actual, done_pct. */
SDM_API int sdm_plan_set(sdm *h, const char *kind, const char *who, const char *month, const char *metric,
                         double target, sdm_err *err);
SDM_API int sdm_report_plan(sdm *h, const char *month, sdm_table **out, sdm_err *err);
/* The client base by a card field (NULL: segment): group, clients, value, share_pct. */
SDM_API int sdm_report_clients(sdm *h, const char *by, sdm_table **out, sdm_err *err);
SDM_API int sdm_report_handoffs(sdm *h, int64_t from, int64_t to, sdm_table **out, sdm_err *err);
/* by: NULL (manager, severity and rule), "manager", "severity", "rule",
** "process", "client". */
SDM_API int sdm_report_deviations(sdm *h, const char *by, int64_t from, int64_t to,
                                  sdm_table **out, sdm_err *err);
/* A funnel table as SVG (html 0) or a self-contained HTML page; free() it. */
SDM_API char *sdm_funnel_render(const sdm_table *funnel, const char *title, int html);
/* ---------- documents from the models: role matrix, instructions, regulations ---------- */

/* lang: "ru" or "en"; NULL: sdm_config.lang, else "en". Each document names
** the model versions it reflects; HTML is self-contained and printable
** (inline CSS and SVG); free() it. */
/* The role matrix of the latest versions of `processes` (n 0: all): one row
** per human step, columns process, version, step, name, then one per role
** holding R, A, C, I (several joined by "/"). */
SDM_API int sdm_roles_matrix(sdm *h, const char *const *processes, int n, sdm_table **out, sdm_err *err);
SDM_API int sdm_roles_matrix_html(sdm *h, const char *const *processes, int n, const char *lang,
                                  char **html, sdm_err *err);
/* One user's (role NULL) or one role's (user NULL) individual instruction:
** their steps in each process (diagram with them highlighted), handoffs in
** and out, deadlines, checkpoints, contact scripts, KPIs and plan. */
SDM_API int sdm_instruction_html(sdm *h, const char *user, const char *role, const char *lang,
                                 char **html, sdm_err *err);
/* A process's regulation: purpose, roles, diagram, steps in order with
** inputs and outputs, deadlines, control points, contact scripts. */
SDM_API int sdm_regulation_html(sdm *h, const char *process, const char *lang, char **html, sdm_err *err);

/* An ISO 8601 date or date-time (no offset: the business calendar's zone). */
SDM_API int sdm_parse_time(sdm *h, const char *text, int64_t *ms, sdm_err *err);


/* ---------- credentials (cred.c) ---------- */

/* Set a user's password (argon2id). The administrator, or the user themself. */
SDM_API int sdm_user_passwd(sdm *h, const char *name, const char *password, sdm_err *err);
/* Check a password: SDM_OK, or SDM_ERR_DENIED "wrong user or password" for
** an unknown, inactive or password-less user as for a wrong password. */
SDM_API int sdm_login(sdm *h, const char *name, const char *password, sdm_err *err);
/* A new API token for `name`: *token (malloc'd) is shown once, only its
** SHA-256 is stored. The administrator, or the user themself. */
SDM_API int sdm_token_create(sdm *h, const char *name, char **token, int64_t *id, sdm_err *err);
/* Revoke token `id_or_name` (an id, or every token of a user). */
SDM_API int sdm_token_revoke(sdm *h, const char *id_or_name, int *revoked, sdm_err *err);
/* The user a token belongs to (active, not revoked), or SDM_ERR_DENIED. */
SDM_API int sdm_token_user(sdm *h, const char *token, char *user, size_t n, sdm_err *err);

#endif
