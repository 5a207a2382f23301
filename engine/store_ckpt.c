/*
** store_ckpt.c — the WAL checkpoint off the step: a thread of the writing
** handle, with a connection of its own, copies committed WAL frames into
** the database file while steps go on committing.
**
** SQLite checkpoints inside the COMMIT that makes the WAL long enough
** (wal_autocheckpoint): that step copies every page the WAL holds and
** waits for two fdatasync()s, and on a busy disk that wait cost the step
** more than its own work. Instead a hook after each commit
** (sqlite3_wal_hook, which replaces the automatic checkpoint) wakes this
** thread once per CKPT_SOFT pages the WAL grew; it runs a PASSIVE
** checkpoint, which never blocks a writer or reader. The WAL restarts from
** its beginning only when every frame was copied at the moment a write
** begins, which a writer committing without pause never gives the thread;
** so at CKPT_HARD pages the writer checkpoints itself, as SQLite would,
** copying only what arrived since the thread's last run. A short process
** (one CLI command) never starts the thread: it wakes it only after its
** own commits added CKPT_SOFT pages.
**
** Durability is SQLite's: a checkpoint copies only committed frames and
** syncs the WAL before overwriting pages; kill -9 at any moment leaves a
** WAL that recovery replays. It must not touch rows, or run a checkpoint
** mode that waits for writers (RESTART, TRUNCATE): the step must never
** queue behind it.
*/
#include <pthread.h>
#include <stdlib.h>
#include "store_int.h"
#include "wal.h"
#include "err.h"

#define CKPT_SOFT 1000     /* pages appended that wake the thread (SQLite's default autocheckpoint) */
#define CKPT_HARD 10000    /* pages in the WAL at which the writer checkpoints itself */

struct store_ckpt {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int started, wake, stop;
    sqlite3 *db;               /* the thread's connection, opened by it on its first run */
    char *path;
    int mark;                  /* WAL pages at the last wake (the writer's thread only); -1 before the first commit */
};

static void *run(void *arg) {
    store_ckpt *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->wake && !c->stop) pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop) break;
        c->wake = 0;
        sqlite3 *db = c->db;
        pthread_mutex_unlock(&c->mu);
        if (!db && sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                   wal_vfs_name()) == SQLITE_OK)
            /* a connection reads the WAL index only once it reads */
            sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
        if (db) sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
        c->db = db;
    }
    sqlite3 *db = c->db;
    c->db = NULL;
    pthread_mutex_unlock(&c->mu);
    sqlite3_close(db);
    return NULL;
}

/* After each commit of the writing connection: `pages` is the WAL's
** length. Returns SQLITE_OK; a checkpoint that fails here is retried by a
** later commit (as SQLite's own automatic one). */
static int on_commit(void *arg, sqlite3 *db, const char *name, int pages) {
    store_ckpt *c = arg;
    if (pages >= CKPT_HARD) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
    }
    if (c->mark < 0 || pages < c->mark) c->mark = pages;    /* first commit, or the WAL restarted */
    if (pages < c->mark + CKPT_SOFT) return SQLITE_OK;
    c->mark = pages;
    pthread_mutex_lock(&c->mu);
    if (!c->started) c->started = pthread_create(&c->thread, NULL, run, c) == 0;
    c->wake = 1;
    pthread_cond_signal(&c->cv);
    int started = c->started;
    pthread_mutex_unlock(&c->mu);
    if (!started) sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

store_ckpt *store_ckpt_start(sqlite3 *db, const char *path) {
    store_ckpt *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->path = xstrdup(path);
    c->mark = -1;
    sqlite3_wal_hook(db, on_commit, c);
    return c;
}

/* Before the writing connection closes (its close then checkpoints the
** rest, as the last connection): a running checkpoint is interrupted. */
void store_ckpt_stop(store_ckpt *c) {
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    if (c->db) sqlite3_interrupt(c->db);
    pthread_cond_signal(&c->cv);
    int started = c->started;
    pthread_mutex_unlock(&c->mu);
    if (started) pthread_join(c->thread, NULL);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c->path);
    free(c);
}
