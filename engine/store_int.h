/*
** store_int.h — what the store layer's files (store.c, store_txn.c, store_sql.c,
** store_query.c, store_ckpt.c, migrate.c) share, and nothing else: no file above the store includes it.
*/
#ifndef SDM_STORE_INT_H
#define SDM_STORE_INT_H
#include <stdarg.h>
#include <sqlite3.h>
#include "store.h"
#include "err.h"

/* store.c's numbered statements (their text is store.c's sql_of). */
enum {
    Q_LATEST_DEF, Q_LATEST_DEF_ID, Q_RES_ADD, Q_TREE_ADD, Q_TREE_MISSING, Q_DEF_ADD, Q_DEF_SOURCE,
    Q_INST_ADD, Q_INST_GET, Q_INST_END, Q_INST_ACTIVE, Q_INST_PARENT,
    Q_TOK_ADD, Q_TOK_SET, Q_TOK_WAIT_TASK, Q_TOK_DEL, Q_TOK_GET, Q_TOK_COUNT, Q_TOK_JOINING, Q_TOK_DEL_ALL, Q_TOK_ALL,
    Q_TASK_ADD, Q_TASK_GET, Q_TASK_OPEN, Q_TASK_CLOSE, Q_TASK_CANCEL_ALL, Q_TASK_CANCEL_LOG,
    Q_VAR_SET, Q_VAR_DEL, Q_VARS_JSON,
    Q_HIST,
    Q_INC_ADD, Q_INC_GET, Q_INC_RESOLVE, Q_INC_RESOLVE_ALL,
    Q_JOB_ADD, Q_JOB_DUE, Q_JOB_DEL, Q_JOB_RESCHEDULE, Q_JOB_DEL_TOKEN, Q_JOB_DEL_INST, Q_JOB_NEXT,
    Q_TASK_OF_TOKEN, Q_TASK_CANCEL_TOKEN,
    Q_DEV_ADD, Q_DEV_SET, Q_OUT_ADD, Q_OUT_CLAIM, Q_OUT_LEASE, Q_OUT_DONE, Q_OUT_NEXT, Q_INBOX_ADD,
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
    Q_LOAD_ADD, Q_LOAD_ROLES, Q_LOAD_CLOSED, Q_LOAD_INST, Q_LOAD_TOKEN,
    Q__COUNT
};

/* The handle. Only the store layer sees inside: store.c's numbered
** statements, store_sql.c's cache of ad-hoc ones. */
/* Ad-hoc statements of the store-layer files, prepared once and reused:
** a step runs a dozen of them, and preparing costs more than running. */
#define SQL_CACHE 128
typedef struct sql_slot { char *sql; uint64_t hash; sqlite3_stmt *st; int busy; } sql_slot;

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmt[Q__COUNT];  /* store.c's cached statements, by number */
    sql_slot cache[SQL_CACHE];
    int ncache;
    char *path;
    int readonly;                /* opened SDM_OPEN_READ: every write is refused */
    int found_version;           /* schema version the open found (before migrating) */
    int64_t tx_history;          /* first history row of this transaction, 0: none */
    struct load_delta { char *user; int delta; } *load;   /* user_load changes not written yet */
    int nload, capload;
    struct hist_buf {            /* the step's history events not written yet (store_history) */
        int n;                   /* events gathered */
        int64_t inst, at, token; /* the row's instance and time; the first event's token */
        long actor, node, event, detail;   /* the row's actor, the first event's strings: offsets in more, -1 NULL */
        size_t json;             /* where in more the other events begin */
        sbuf more;               /* those strings (each NUL-terminated), then from json the other events
                                 ** as JSON without the closing ']'; kept across steps, so a step allocates nothing */
    } hist;
    struct store_ckpt *ckpt;     /* the checkpoint thread of a writing handle (store_ckpt.c), or NULL */
};


/* SQLite's words for the last failure (a full disk named as such). */
const char *store_cause(store *s, char *buf, size_t n);
/* Bind by a format: i int64, I int64 with 0 as NULL, t text, b blob
** (pointer, size_t), d double; `keep` is SQLite's destructor for texts. */
void store_bindv(sqlite3_stmt *st, const char *fmt, va_list ap, sqlite3_destructor_type keep);
/* Reset a statement and clear its bindings, ready for the next use. */
void store_reset(sqlite3_stmt *st);
/* store.c's statement q, prepared once; run it (store_q_exec), bound by fmt. */
sqlite3_stmt *store_q_prep(store *s, int q, sdm_err *err);
int store_q_exec(store *s, int q, int *changes, sdm_err *err, const char *fmt, ...);
/* Forget the user_load counts a step gathered (store.c). */
void store_load_clear(store *s);
/* Forget the step's history events not written yet (store_txn.c). */
void store_hist_clear(store *s);
/* Finalizes store_sql.c's cached statements (store_close). */
void store_sql_cache_free(store *s);

/* Runs SQL text (several statements); a full disk is named as such. */
int store_run_sql(store *s, const char *sql, sdm_err *err);
/* SDM_ERR_STORE saying what failed and SQLite's cause. */
int store_db_error(store *s, sdm_err *err, const char *what);
/* Every row of st, a statement of the cache (given back), as a table of
** `types`; 0 (*out NULL) when stepping failed: the caller says what did. */
int store_rows(store *s, sqlite3_stmt *st, const char *types, sdm_table **out);
/* PRAGMA user_version without a write lock; -1 when unreadable. */
int store_schema_version(store *s);
/* Brings the schema up to date (migrate.c); *found_version gets the
** version found before. A read-only store that is behind is refused. */
int store_migrate(store *s, const char *path, int readonly, int *found_version, sdm_err *err);
/* store_ckpt.c: the WAL checkpoint in a thread of its own, off the step.
** start hooks the writing connection's commits (replacing SQLite's
** automatic checkpoint); stop before that connection closes. */
typedef struct store_ckpt store_ckpt;
store_ckpt *store_ckpt_start(sqlite3 *db, const char *path);
void store_ckpt_stop(store_ckpt *c);
#endif
