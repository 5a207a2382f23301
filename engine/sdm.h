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
    SDM_ERR_LIMIT       /* input over a configured limit (file size, depth) */
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
    const char *calendar_file;  /* business calendar; default none (24/7, UTC) */
    const char *actor;          /* who acts, recorded in history; default $USER */
    int64_t     now;            /* fixed clock (ms); 0 = real time or $SDM_NOW */
    long        lua_instructions; /* per script call; default 10,000,000 */
    size_t      lua_memory;     /* bytes per Lua state; default 64 MiB */
    size_t      max_model_bytes;/* largest BPMN file accepted; default 16 MiB */
    int         sync_full;      /* 1: fsync every commit (power-loss safe) */
    const char *smtp_url;       /* smtp://host:port or smtps://; NULL: e-mail stays pending */
    const char *smtp_from, *smtp_user, *smtp_password;
} sdm_config;

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
    SDM_Q_JOBS         /* filter: id (instance)                              */
} sdm_query_kind;

typedef struct sdm_filter {
    int64_t     id;
    const char *user, *process, *client, *state;
    int         limit;          /* 0 = default (1000) */
} sdm_filter;

SDM_API int  sdm_open(sdm **out, const char *db_path, const sdm_config *cfg, sdm_err *err);
SDM_API void sdm_close(sdm *db);

SDM_API void sdm_set_actor(sdm *db, const char *actor);
SDM_API void sdm_set_now(sdm *db, int64_t now_ms);   /* 0 = real time */
SDM_API int64_t sdm_now(sdm *db);

/* Deploy every executable process in a BPMN file. A process whose content is
** unchanged keeps its version; a changed one gets version N+1. `out` (may be
** NULL) lists one row per process deployed and one per warning or error:
** columns kind, process, version, file, line, element, message. */
SDM_API int sdm_deploy(sdm *db, const char *path, sdm_table **out, sdm_err *err);
SDM_API int sdm_deploy_xml(sdm *db, const char *name, const char *xml, size_t len,
                           sdm_table **out, sdm_err *err);

/* Start the latest version of `process` for client `client` and run it until
** every token waits. vars_json may be NULL. */
SDM_API int sdm_start(sdm *db, const char *process, const char *client,
                      const char *vars_json, int64_t *instance, sdm_err *err);
/* Complete an open user task, merging vars_json into the instance first. */
SDM_API int sdm_complete(sdm *db, int64_t task, const char *vars_json, sdm_err *err);
/* Resolve an incident: run its token's node again with the current model
** and variables. */
SDM_API int sdm_retry(sdm *db, int64_t incident, sdm_err *err);
/* Set instance variables from outside (no token moves). */
SDM_API int sdm_set_vars(sdm *db, int64_t instance, const char *vars_json, sdm_err *err);

/* Fire every job due at sdm_now() (timers, boundary timers, due-date
** checkpoints), each in its own transaction, then deliver due outbox
** messages. *fired counts jobs and deliveries; *next_due (may be NULL) is
** when something is next due, 0 if nothing is pending. */
SDM_API int sdm_tick(sdm *db, int *fired, int64_t *next_due, sdm_err *err);
/* A head acknowledges or resolves a deviation: state "acknowledged" or "resolved". */
SDM_API int sdm_deviation_set(sdm *db, int64_t deviation, const char *state, sdm_err *err);

SDM_API int  sdm_query(sdm *db, sdm_query_kind q, const sdm_filter *f, sdm_table **out, sdm_err *err);
/* Check the store against the engine's invariants; one row per problem. */
SDM_API int  sdm_check(sdm *db, sdm_table **out, sdm_err *err);

SDM_API void sdm_table_free(sdm_table *t);
SDM_API const char *sdm_status_name(int code);

#endif
