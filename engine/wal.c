/*
** wal.c — the "sdm-wal" VFS: a commit's WAL writes in one write().
**
** Self-contained: it wraps SQLite's default VFS and knows files and
** frames, never tables or rows. It must not change what is written, only
** how many system calls write it (see below for when the buffer goes out).
*/
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "wal.h"
#include "sqlmem.h"

/* ---------- WAL writes: one write() per commit ----------
**
** SQLite appends a commit to the -wal file with two write() calls per
** changed page (the 24-byte frame header, then the page): about forty
** system calls for a step, and on a virtual machine those calls cost more
** than everything else in the commit. The "sdm-wal" VFS wraps the default
** one and gathers a WAL file's consecutive writes in a buffer that goes
** out in one write() (at most 124 KiB each: the unix VFS takes no more):
**   - as soon as the page of a commit frame (a frame header whose
**     database-size field is not zero) is in: before COMMIT returns, so a
**     committed step survives kill -9 exactly as before, and a failed
**     write fails the COMMIT;
**   - before anything else touches the file (read, sync, truncate, size,
**     close, a write elsewhere) and before the database's shared-memory
**     index changes hands or publishes a commit (xShmLock, xShmBarrier),
**     so no reader, checkpoint or recovery ever sees the file without
**     those bytes.
** The buffer is empty whenever the WAL write lock is free. Frames of a
** transaction that rolls back are garbage with or without it: the WAL
** format ignores frames after the last commit frame. Each wrapped file
** gets methods of its own io version, so SQLite never calls a method the
** wrapped file lacks. */

typedef struct wal_file {
    sqlite3_file base;         /* methods: wal_io */
    sqlite3_file *real;        /* the wrapped file, allocated right after */
    struct wal_file *wal;      /* database: its open WAL file, or NULL */
    struct wal_file *db;       /* WAL: its database file, or NULL */
    unsigned char *buf;        /* WAL: pending bytes for offset `off` */
    sqlite3_int64 off;
    size_t len, cap;
    int is_wal;
    int commit_page;           /* the next write is a commit frame's page */
} wal_file;

#define WAL_CHUNK 0x1f000      /* the unix VFS writes at most 0x1ffff bytes per call */

static sqlite3_vfs *wal_base;
static sqlite3_vfs wal_vfs;
static sqlite3_io_methods wal_io[3];    /* for wrapped files of io version 1, 2, 3 */

#define REAL(p) (((wal_file *)(p))->real)

/* WAL frames this process appended, for the benchmark's pages per step. */
static unsigned long long frames;
unsigned long long wal_frames(void) { return __atomic_load_n(&frames, __ATOMIC_RELAXED); }

static int wal_flush(wal_file *f) {
    int rc = SQLITE_OK;
    if (!f) return rc;
    for (size_t at = 0; at < f->len && rc == SQLITE_OK; at += WAL_CHUNK) {
        size_t n = f->len - at < WAL_CHUNK ? f->len - at : WAL_CHUNK;
        rc = f->real->pMethods->xWrite(f->real, f->buf + at, (int)n, f->off + (sqlite3_int64)at);
    }
    f->len = 0;
    return rc;
}

static int wal_write(sqlite3_file *p, const void *data, int n, sqlite3_int64 off) {
    wal_file *f = (wal_file *)p;
    if (!f->is_wal) return f->real->pMethods->xWrite(f->real, data, n, off);
    if (n == 24) __atomic_add_fetch(&frames, 1, __ATOMIC_RELAXED);     /* a frame header */
    int rc = f->len && off != f->off + (sqlite3_int64)f->len ? wal_flush(f) : SQLITE_OK;
    if (rc) return rc;
    if (f->len + (size_t)n > f->cap) {
        size_t cap = (f->len + (size_t)n) * 2;
        unsigned char *b = sqlite3_realloc64(f->buf, cap);
        if (!b) {                          /* no memory: write through */
            rc = wal_flush(f);
            return rc ? rc : f->real->pMethods->xWrite(f->real, data, n, off);
        }
        f->buf = b;
        f->cap = cap;
    }
    if (!f->len) f->off = off;
    memcpy(f->buf + f->len, data, (size_t)n);
    f->len += (size_t)n;
    int commit = f->commit_page;
    const unsigned char *h = data;
    f->commit_page = n == 24 && (h[4] | h[5] | h[6] | h[7]) != 0;
    return commit || f->len >= WAL_CHUNK ? wal_flush(f) : SQLITE_OK;
}

static int wal_close(sqlite3_file *p) {
    wal_file *f = (wal_file *)p;
    int rc = wal_flush(f);
    if (f->db) f->db->wal = NULL;
    if (f->wal) f->wal->db = NULL;
    sqlite3_free(f->buf);
    int rc2 = f->real->pMethods->xClose(f->real);
    return rc ? rc : rc2;
}

static int wal_read(sqlite3_file *p, void *b, int n, sqlite3_int64 off) {
    int rc = wal_flush((wal_file *)p);
    return rc ? rc : REAL(p)->pMethods->xRead(REAL(p), b, n, off);
}
static int wal_truncate(sqlite3_file *p, sqlite3_int64 size) {
    int rc = wal_flush((wal_file *)p);
    return rc ? rc : REAL(p)->pMethods->xTruncate(REAL(p), size);
}
static int wal_sync(sqlite3_file *p, int flags) {
    int rc = wal_flush((wal_file *)p);
    return rc ? rc : REAL(p)->pMethods->xSync(REAL(p), flags);
}
static int wal_size(sqlite3_file *p, sqlite3_int64 *size) {
    int rc = wal_flush((wal_file *)p);
    return rc ? rc : REAL(p)->pMethods->xFileSize(REAL(p), size);
}
static int wal_lock(sqlite3_file *p, int l) { return REAL(p)->pMethods->xLock(REAL(p), l); }
static int wal_unlock(sqlite3_file *p, int l) {
    int rc = wal_flush((wal_file *)p);
    return rc ? rc : REAL(p)->pMethods->xUnlock(REAL(p), l);
}
static int wal_reserved(sqlite3_file *p, int *out) { return REAL(p)->pMethods->xCheckReservedLock(REAL(p), out); }
static int wal_control(sqlite3_file *p, int op, void *arg) {
    int rc = wal_flush((wal_file *)p);
    return rc ? rc : REAL(p)->pMethods->xFileControl(REAL(p), op, arg);
}
static int wal_sector(sqlite3_file *p) { return REAL(p)->pMethods->xSectorSize(REAL(p)); }
static int wal_device(sqlite3_file *p) { return REAL(p)->pMethods->xDeviceCharacteristics(REAL(p)); }
/* Shared memory belongs to the database file; its WAL goes out first. */
static int wal_shm_map(sqlite3_file *p, int i, int size, int extend, void volatile **out) {
    return REAL(p)->pMethods->xShmMap(REAL(p), i, size, extend, out);
}
static int wal_shm_lock(sqlite3_file *p, int offset, int n, int flags) {
    int rc = wal_flush(((wal_file *)p)->wal);
    return rc ? rc : REAL(p)->pMethods->xShmLock(REAL(p), offset, n, flags);
}
static void wal_shm_barrier(sqlite3_file *p) {
    wal_flush(((wal_file *)p)->wal);     /* already empty after a commit frame */
    REAL(p)->pMethods->xShmBarrier(REAL(p));
}
static int wal_shm_unmap(sqlite3_file *p, int del) {
    wal_flush(((wal_file *)p)->wal);
    return REAL(p)->pMethods->xShmUnmap(REAL(p), del);
}
static int wal_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **out) {
    return REAL(p)->pMethods->xFetch(REAL(p), off, n, out);
}
static int wal_unfetch(sqlite3_file *p, sqlite3_int64 off, void *ptr) {
    return REAL(p)->pMethods->xUnfetch(REAL(p), off, ptr);
}

static int wal_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags, int *out) {
    wal_file *f = (wal_file *)p;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    int rc = wal_base->xOpen(wal_base, name, f->real, flags, out);
    if (rc != SQLITE_OK || !f->real->pMethods) return rc;      /* p->pMethods stays NULL */
    int v = f->real->pMethods->iVersion;
    p->pMethods = &wal_io[v < 1 ? 0 : v > 3 ? 2 : v - 1];
    if (flags & SQLITE_OPEN_WAL) {
        wal_file *db = (wal_file *)sqlite3_database_file_object(name);
        f->is_wal = 1;
        if (db && db->base.pMethods >= &wal_io[0] && db->base.pMethods <= &wal_io[2]) { f->db = db; db->wal = f; }
    }
    return rc;
}

static int wal_delete(sqlite3_vfs *v, const char *n, int sync) { return wal_base->xDelete(wal_base, n, sync); }
static int wal_access(sqlite3_vfs *v, const char *n, int fl, int *out) { return wal_base->xAccess(wal_base, n, fl, out); }
static int wal_fullpath(sqlite3_vfs *v, const char *n, int max, char *out) {
    return wal_base->xFullPathname(wal_base, n, max, out);
}
static void *wal_dlopen(sqlite3_vfs *v, const char *n) { return wal_base->xDlOpen(wal_base, n); }
static void wal_dlerror(sqlite3_vfs *v, int n, char *msg) { wal_base->xDlError(wal_base, n, msg); }
static void (*wal_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void) { return wal_base->xDlSym(wal_base, h, sym); }
static void wal_dlclose(sqlite3_vfs *v, void *h) { wal_base->xDlClose(wal_base, h); }
static int wal_random(sqlite3_vfs *v, int n, char *out) { return wal_base->xRandomness(wal_base, n, out); }
static int wal_sleep(sqlite3_vfs *v, int us) { return wal_base->xSleep(wal_base, us); }
static int wal_time(sqlite3_vfs *v, double *out) { return wal_base->xCurrentTime(wal_base, out); }
static int wal_lasterror(sqlite3_vfs *v, int n, char *out) { return wal_base->xGetLastError(wal_base, n, out); }
static int wal_time64(sqlite3_vfs *v, sqlite3_int64 *out) { return wal_base->xCurrentTimeInt64(wal_base, out); }

/* The VFS name to open databases with: "sdm-wal", registered once per
** process over the default VFS; NULL (the default) if that one is too old
** to wrap (it must have shared memory and 64-bit time: version 2). */
const char *wal_vfs_name(void) {
    /* Memory statistics take a global mutex on every allocation; sdm never
    ** reads them. SQLite's allocator is sqlmem.c's (per-thread size
    ** classes), except in the test build, where AddressSanitizer is to see
    ** SQLite's memory. Both only possible before SQLite initialises (else
    ** no-ops). */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
#ifndef SDM_DEBUG
    sqlmem_install();
#endif
    sqlite3_mutex *m = sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP1);
    sqlite3_mutex_enter(m);
    if (!wal_base) {
        sqlite3_vfs *base = sqlite3_vfs_find(NULL);
        if (base && base->iVersion >= 2) {
            for (int v = 0; v < 3; v++)
                wal_io[v] = (sqlite3_io_methods){v + 1, wal_close, wal_read, wal_write, wal_truncate, wal_sync,
                    wal_size, wal_lock, wal_unlock, wal_reserved, wal_control, wal_sector, wal_device,
                    wal_shm_map, wal_shm_lock, wal_shm_barrier, wal_shm_unmap, wal_fetch, wal_unfetch};
            wal_vfs = (sqlite3_vfs){2, (int)sizeof(wal_file) + base->szOsFile, base->mxPathname, NULL,
                "sdm-wal", NULL, wal_open, wal_delete, wal_access, wal_fullpath, wal_dlopen, wal_dlerror,
                wal_dlsym, wal_dlclose, wal_random, wal_sleep, wal_time, wal_lasterror, wal_time64, NULL, NULL, NULL};
            wal_base = base;
            if (sqlite3_vfs_register(&wal_vfs, 0) != SQLITE_OK) wal_base = NULL;
        }
    }
    sqlite3_mutex_leave(m);
    return wal_base ? "sdm-wal" : NULL;
}

