/*
** store_txn.c — the handle's life and its transactions: open (the pragmas,
** WAL, the checkpoint thread, migrations), close, BEGIN/COMMIT/ROLLBACK,
** the savepoints of a group commit, and the step's history row, which
** gathers in memory and goes out before the transaction or savepoint ends.
** It must not know rows other than history's: those are store.c's.
*/
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include "store_int.h"
#include "detail.h"
#include "wal.h"
#include "err.h"

int store_run_sql(store *s, const char *sql, sdm_err *err) {
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK) return SDM_OK;
    char buf[600];
    err_set(err, SDM_ERR_STORE, s->path, 0, NULL, "%s", (sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_FULL
            || !msg ? store_cause(s, buf, sizeof buf) : msg);
    sqlite3_free(msg);
    return SDM_ERR_STORE;
}

static int wal_mode(store *s) {
    sqlite3_stmt *st;
    int wal = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK) {
        wal = sqlite3_step(st) == SQLITE_ROW && sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
        sqlite3_finalize(st);
    }
    return wal;
}

static int open_db(store *s, const char *name, int flags, sdm_err *err) {
    if (s->db) sqlite3_close(s->db);
    s->db = NULL;
    /* NOMUTEX: a handle belongs to one thread (sdm.h), so SQLite's per-call
    ** locking of the connection buys nothing. */
    if (sqlite3_open_v2(name, &s->db, flags | SQLITE_OPEN_NOMUTEX, wal_vfs_name()) != SQLITE_OK)
        return store_db_error(s, err, "open");
    sqlite3_busy_timeout(s->db, 10000);
    return SDM_OK;
}

/* A WAL database reads through its -shm index, which SQLite (>= 3.22) can
** use read-only when the -wal and -shm exist, or create. In a directory we
** cannot write and with no -wal, neither holds; then no WAL writer is at
** work (it would have made the -wal there), the main file holds every
** commit, and it is read as immutable: no locks, no index. */
static int open_read(store *s, const char *path, sdm_err *err) {
    int rc = open_db(s, path, SQLITE_OPEN_READONLY, err);
    if (rc || store_schema_version(s) >= 0) return rc;
    char *wal = sqlite3_mprintf("%s-wal", path);
    struct stat sb;
    int wal_exists = stat(wal, &sb) == 0;
    sqlite3_free(wal);
    if (wal_exists) return store_db_error(s, err, "read");
    char *uri = sqlite3_mprintf("file:%s?immutable=1", path);   /* path is a plain file name here */
    rc = open_db(s, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, err);
    sqlite3_free(uri);
    return rc;
}

/* Whether `path` names a database SQLite makes by itself (in memory, or a
** temporary file), so there is no file to find first. */
static int no_file(const char *path) { return !*path || strcmp(path, ":memory:") == 0; }

int store_open(store **out, const char *path, int mode, int sync_full, sdm_err *err) {
    *out = NULL;
    store *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    s->readonly = mode == SDM_OPEN_READ;
    int rc = SDM_OK;
    struct stat sb;
    if (mode != SDM_OPEN_CREATE && !no_file(path) && stat(path, &sb) != 0 && errno == ENOENT)
        rc = err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL,
                     "no database at %s: deploy a model first or run sdm init", path);
    else if (s->readonly) rc = open_read(s, path, err);
    else rc = open_db(s, path, SQLITE_OPEN_READWRITE | (mode == SDM_OPEN_CREATE ? SQLITE_OPEN_CREATE : 0), err);
    /* WAL: readers never block the writer. synchronous=NORMAL keeps every
    ** commit across a process crash (kill -9); FULL adds power-loss safety.
    ** A writing handle on a file checkpoints in a thread of its own
    ** (store_ckpt.c), whose hook replaces wal_autocheckpoint; the setting
    ** stays for the others. journal_mode is set only when it is not WAL
    ** yet: it is the database's, and setting it writes.
    ** A new database gets 2 KiB pages (page_size is a no-op on one that has
    ** tables): a step changes ~10 pages wherever its rows are, and the WAL
    ** checksums and writes whole pages; against 4 KiB, measured with
    ** callgrind on bench10, -7 % instructions and 40 % fewer bytes a step
    ** (1 KiB: -11 %, but deeper trees and overflow chains for variables).
    ** The page cache is 8 MiB (default 2): the pages a step reads at scale
    ** (indexes of tasks, history, instances) stay in it.
    ** temp_store=MEMORY keeps savepoint journals in memory: by default
    ** one over 64 KiB spills to a temporary file, and a step of a group
    ** commit (a savepoint over ~15 changed pages) wrote ~60 KB there that
    ** nothing reads (a crash discards it anyway). */
    const char *setup = sync_full
        ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=10000; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-8192;"
        : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=10000; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-8192;";
    if (!rc && !s->readonly && !wal_mode(s))
        rc = store_run_sql(s, "PRAGMA page_size=2048; PRAGMA journal_mode=WAL", err);
    if (!rc) rc = store_run_sql(s, setup, err);
    if (!rc && !s->readonly && !no_file(path) && wal_mode(s)) s->ckpt = store_ckpt_start(s->db, s->path);
    if (!rc) rc = store_migrate(s, s->path, s->readonly, &s->found_version, err);
    if (rc) {
        if (rc != SDM_ERR_NOTFOUND) err_prefix(err, "opening %s", path);
        store_close(s);
        return rc;
    }
    *out = s;
    return SDM_OK;
}

void store_close(store *s) {
    if (!s) return;
    for (int i = 0; i < Q__COUNT; i++) sqlite3_finalize(s->stmt[i]);
    store_sql_cache_free(s);
    store_load_clear(s);
    free(s->load);
    store_hist_clear(s);
    free(s->hist.more.s);
    store_ckpt_stop(s->ckpt);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

struct sqlite3 *store_sqlite(store *s) { return s->db; }

/* BEGIN, COMMIT and ROLLBACK are cached statements too: every step runs
** two of them, and sqlite3_exec would prepare them each time. */
static int txn(store *s, int q, sdm_err *err) {
    char buf[600];
    sqlite3_stmt *st = store_q_prep(s, q, err);
    if (!st) return SDM_ERR_STORE;
    int rc = sqlite3_step(st) == SQLITE_DONE ? SDM_OK
           : err_set(err, SDM_ERR_STORE, s->path, 0, NULL, "%s", store_cause(s, buf, sizeof buf));
    sqlite3_reset(st);
    return rc;
}

int store_begin(store *s, sdm_err *err) {
    if (s->readonly)
        return err_set(err, SDM_ERR_MISUSE, s->path, 0, NULL,
                       "the database was opened for reading only: this command cannot change it");
    store_load_clear(s);
    store_hist_clear(s);
    return txn(s, Q_BEGIN, err);
}

/* The step's history row and user_load changes go in with it. */
int store_commit(store *s, sdm_err *err) {
    int rc = store_history_flush(s, err);
    if (!rc) rc = store_user_load_flush(s, err);
    return rc ? rc : txn(s, Q_COMMIT, err);
}

void store_rollback(store *s) {
    store_load_clear(s);
    store_hist_clear(s);
    if (!sqlite3_get_autocommit(s->db)) txn(s, Q_ROLLBACK, NULL);
}

/* Group commit: several steps in one transaction, each inside a savepoint
** so that a failing step is undone alone. Its history row and user_load
** changes go in with it (flushed before RELEASE) or are dropped with it. */
int store_step_begin(store *s, sdm_err *err) {
    store_hist_clear(s);
    return store_sql_exec(s, NULL, err, "SAVEPOINT step", "");
}

int store_step_end(store *s, int keep, sdm_err *err) {
    int rc = keep ? store_history_flush(s, err) : SDM_OK;
    if (keep && !rc) rc = store_user_load_flush(s, err);
    if (!keep || rc) {
        store_load_clear(s);
        store_hist_clear(s);
        store_sql_exec(s, NULL, NULL, "ROLLBACK TO step", "");
    }
    int rel = store_sql_exec(s, NULL, rc ? NULL : err, "RELEASE step", "");
    return rc ? rc : rel;
}

/* ---------- the step's history row ---------- */

/* History is written one row per step (migration 14): the step's events
** gather here and go out as one row — its first event in the columns, the
** others in `more` — when the step ends, when an event of another
** instance, time or actor comes, and before any statement that reads
** history runs, so every reader sees every event. */
void store_hist_clear(store *s) {
    s->hist.more.len = 0;
    s->hist.n = 0;
}

/* v copied into the row's buffer: its offset there, -1 for NULL. */
static long keep(sbuf *b, const char *v) {
    if (!v) return -1;
    long at = (long)b->len;
    sbuf_add(b, v, strlen(v) + 1);
    return at;
}

static const char *kept(const struct hist_buf *h, long at) { return at < 0 ? NULL : h->more.s + at; }

int store_history_flush(store *s, sdm_err *err) {
    struct hist_buf *h = &s->hist;
    if (!h->n) return SDM_OK;
    int others = h->more.len > h->json;
    if (others) sbuf_add(&h->more, "]", 1);
    int rc = store_q_exec(s, Q_HIST, NULL, err, "iIttittit", h->inst, h->token, kept(h, h->node),
                          kept(h, h->event), h->at, kept(h, h->actor), kept(h, h->detail), (int64_t)h->n,
                          others ? h->more.s + h->json : NULL);
    store_hist_clear(s);
    return rc;
}

int store_history(store *s, int64_t inst, int64_t token, const char *node, const char *event,
                  int64_t now, const char *actor, const char *detail, sdm_err *err) {
    struct hist_buf *h = &s->hist;
    const char *was = h->n ? kept(h, h->actor) : NULL;
    if (h->n && (h->inst != inst || h->at != now || strcmp(was ? was : "", actor ? actor : ""))) {
        int rc = store_history_flush(s, err);
        if (rc) return rc;
    }
    sbuf *m = &h->more;
    if (!h->n++) {
        h->inst = inst; h->at = now; h->token = token;
        h->actor = keep(m, actor); h->node = keep(m, node);
        h->event = keep(m, event); h->detail = keep(m, detail);
        h->json = m->len;
        return SDM_OK;
    }
    sbuf_add(m, h->n == 2 ? "[[" : ",[", 2);
    if (token) detail_json_int(m, token); else sbuf_add(m, "null", 4);
    sbuf_add(m, ",", 1); detail_json_string(m, node);
    sbuf_add(m, ",", 1); detail_json_string(m, event);
    sbuf_add(m, ",", 1); detail_json_string(m, detail);
    sbuf_add(m, "]", 1);
    return SDM_OK;
}

