/*
** test_sqlmem.c — SQLite's allocator (engine/sqlmem.c): its methods called
** directly (sizes, rounding, realloc growing and shrinking across classes,
** the cache and its cap, blocks freed on another thread, a thread's exit
** with blocks cached and frees after its cache is gone), then installed
** and run under SQLite and the engine on several threads. The test build
** keeps SQLite on malloc (wal.c), so this binary installs sqlmem itself,
** before anything starts SQLite. A block the exit of a thread failed to
** give back is a leak LeakSanitizer reports, failing the run.
*/
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>
#include <sqlite3.h>
#include "sdm.h"
#include "sqlmem.h"
#include "t.h"

static const sqlite3_mem_methods *m;

/* Fills n bytes of p with a pattern that depends on seed; 1 if p holds it. */
static void fill(unsigned char *p, int n, int seed) { for (int i = 0; i < n; i++) p[i] = (unsigned char)(i * 7 + seed); }
static int holds(const unsigned char *p, int n, int seed) {
    for (int i = 0; i < n; i++) if (p[i] != (unsigned char)(i * 7 + seed)) return 0;
    return 1;
}

static void sizes(void) {
    T_CASE("1.1 sizes and rounding");
    static const int ns[] = {1, 7, 8, 15, 16, 17, 100, 511, 512, 513, 640, 641, 1000, 4095, 4096, 4097, 5000, 70000};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
        int n = ns[i];
        unsigned char *p = m->xMalloc(n);
        CHECK(p != NULL);
        if (!p) continue;
        int sz = m->xSize(p);
        CHECK(sz >= n);
        CHECK_EQ_INT(sz, m->xRoundup(n));
        CHECK_EQ_INT((uintptr_t)p % 8, 0);
        fill(p, sz, (int)i);            /* all of it is usable (ASan would see an overflow) */
        CHECK(holds(p, sz, (int)i));
        m->xFree(p);
    }
    CHECK_EQ_INT(m->xRoundup(1), 16);
    CHECK_EQ_INT(m->xRoundup(513), 640);
    CHECK_EQ_INT(m->xRoundup(4097), 4104);
    CHECK_EQ_INT(m->xSize(NULL), 0);
    m->xFree(NULL);

    T_CASE("1.2 a size of zero or less still gets a block");
    void *z = m->xMalloc(0);
    CHECK(z != NULL);
    CHECK(m->xSize(z) >= 1);
    m->xFree(z);
    z = m->xMalloc(-5);
    CHECK(z != NULL);
    m->xFree(z);
}

static void cache(void) {
    T_CASE("2.1 a freed block is the next of its class on the thread");
    sqlmem_release();
    void *a = m->xMalloc(424);
    m->xFree(a);
    CHECK_EQ_INT(sqlmem_cached(), 1);
    void *b = m->xMalloc(420);           /* same class (416..432) */
    CHECK(b == a);
    CHECK_EQ_INT(sqlmem_cached(), 0);
    void *c = m->xMalloc(100);           /* another class: a new block */
    CHECK(c != a);
    m->xFree(b);
    m->xFree(c);
    CHECK_EQ_INT(sqlmem_cached(), 2);

    T_CASE("2.2 large blocks are never cached");
    void *big = m->xMalloc(100000);
    m->xFree(big);
    CHECK_EQ_INT(sqlmem_cached(), 2);

    T_CASE("2.3 a list keeps at most its cap; the rest go back to malloc");
    sqlmem_release();
    void *p[100], *q[100];
    for (int i = 0; i < 100; i++) p[i] = m->xMalloc(64);
    for (int i = 0; i < 100; i++) m->xFree(p[i]);
    CHECK_EQ_INT(sqlmem_cached(), 16);   /* LIST_SMALL */
    for (int i = 0; i < 100; i++) q[i] = m->xMalloc(3000);
    for (int i = 0; i < 100; i++) m->xFree(q[i]);
    CHECK_EQ_INT(sqlmem_cached(), 16 + 8192 / 3072);   /* the 3072 class: LIST_BYTES of it */
    sqlmem_release();
    CHECK_EQ_INT(sqlmem_cached(), 0);
}

static void reallocs(void) {
    T_CASE("3.1 realloc keeps the contents growing and shrinking");
    /* small -> same class -> bigger class -> large -> larger -> small */
    static const int steps[] = {20, 30, 31, 200, 600, 4096, 6000, 90000, 8000, 300, 10};
    unsigned char *p = m->xMalloc(10);
    fill(p, 10, 3);
    int have = 10;
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        int n = steps[i];
        void *old = p;
        int same = m->xRoundup(n) == m->xSize(p);
        p = m->xRealloc(p, n);
        CHECK(p != NULL);
        if (!p) return;
        if (same) CHECK(p == old);       /* what SQLite's sqlite3Realloc expects */
        int keep = have < n ? have : n;
        CHECK(holds(p, keep, 3));
        CHECK(m->xSize(p) >= n);
        fill(p, m->xSize(p), 3);
        have = m->xSize(p);
    }
    m->xFree(p);

    T_CASE("3.2 realloc of NULL allocates");
    p = m->xRealloc(NULL, 50);
    CHECK(p != NULL);
    CHECK(m->xSize(p) >= 50);
    m->xFree(p);
}

/* ---------- threads ---------- */

enum { NBLK = 600 };
static void *blocks[NBLK];

static void *alloc_many(void *arg) {
    for (int i = 0; i < NBLK; i++) {
        int n = 1 + (i * 37) % 5000;
        blocks[i] = m->xMalloc(n);
        fill(blocks[i], n, i);
    }
    return NULL;
}

static int freed_ok;
static void *free_many(void *arg) {
    int ok = 1;
    for (int i = 0; i < NBLK; i++) {
        ok &= holds(blocks[i], 1 + (i * 37) % 5000, i);
        m->xFree(blocks[i]);
    }
    freed_ok = ok;
    /* exits with a full cache: its destructor gives it back */
    return NULL;
}

/* A destructor of another key that frees and allocates after (or
** before: the order is glibc's) sqlmem's has emptied the cache. */
static pthread_key_t late_key;
static void late(void *p) {
    m->xFree(p);
    void *q = m->xMalloc(64);
    m->xFree(q);
}
static void *late_free(void *arg) {
    void *a = m->xMalloc(64);
    m->xFree(m->xMalloc(200));        /* the thread's cache comes to life */
    pthread_setspecific(late_key, a);
    return NULL;
}

static void threads(void) {
    T_CASE("4.1 blocks allocated on one thread, freed on another");
    pthread_t t;
    pthread_create(&t, NULL, alloc_many, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, free_many, NULL);
    pthread_join(t, NULL);
    CHECK(freed_ok);

    T_CASE("4.2 frees in another key's destructor at thread exit");
    CHECK_EQ_INT(pthread_key_create(&late_key, late), 0);
    for (int i = 0; i < 4; i++) {
        pthread_create(&t, NULL, late_free, NULL);
        pthread_join(t, NULL);
    }
    CHECK(1);                          /* a leak or a bad free fails under the sanitizers */
}

/* ---------- under SQLite and the engine ---------- */

static char dir[64];

typedef struct worker { int id; sqlite3 *db; sdm *h; int ok; } worker;

static int exec(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK; }

/* Rows of varied sizes in a database of its own, read back; the
** connection stays open for the main thread to close. */
static void *sql_work(void *arg) {
    worker *w = arg;
    char path[128];
    snprintf(path, sizeof path, "%s/w%d.db", dir, w->id);
    int ok = sqlite3_open(path, &w->db) == SQLITE_OK;
    ok = ok && exec(w->db, "PRAGMA journal_mode=WAL; CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB); CREATE INDEX t_v ON t(v)");
    sqlite3_stmt *ins = NULL, *sel = NULL;
    ok = ok && sqlite3_prepare_v2(w->db, "INSERT INTO t(k, v) VALUES(?1, randomblob(?2))", -1, &ins, NULL) == SQLITE_OK;
    for (int i = 0; ok && i < 400; i++) {
        sqlite3_bind_int(ins, 1, i);
        sqlite3_bind_int(ins, 2, 1 + (i * 131) % 6000);
        ok = sqlite3_step(ins) == SQLITE_DONE && sqlite3_reset(ins) == SQLITE_OK;
    }
    ok = ok && sqlite3_prepare_v2(w->db, "SELECT length(v) FROM t WHERE k = ?1", -1, &sel, NULL) == SQLITE_OK;
    for (int i = 0; ok && i < 400; i++) {
        sqlite3_bind_int(sel, 1, i);
        ok = sqlite3_step(sel) == SQLITE_ROW && sqlite3_column_int(sel, 0) == 1 + (i * 131) % 6000;
        sqlite3_reset(sel);
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    w->ok = ok;
    return NULL;
}

static const char model[] =
    "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" targetNamespace=\"t\">"
    "<process id=\"p\" isExecutable=\"true\"><startEvent id=\"s\"/><userTask id=\"u\"/><endEvent id=\"e\"/>"
    "<sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"u\"/><sequenceFlow id=\"f2\" sourceRef=\"u\" targetRef=\"e\"/>"
    "</process></definitions>";

/* An engine handle on a store of its own (its checkpoint thread too),
** instances started; the handle stays open for the main thread to close. */
static void *engine_work(void *arg) {
    worker *w = arg;
    char path[128];
    snprintf(path, sizeof path, "%s/e%d.db", dir, w->id);
    sdm_config cfg = {.actor = "tester", .now = 1700000000000LL, .time_zone = "UTC", .open_mode = SDM_OPEN_CREATE};
    sdm_err e;
    int ok = sdm_open(&w->h, path, &cfg, &e) == SDM_OK;
    ok = ok && sdm_deploy_xml(w->h, "t.bpmn", model, strlen(model), NULL, &e) == SDM_OK;
    for (int i = 0; ok && i < 40; i++) {
        char client[32];
        int64_t inst;
        snprintf(client, sizeof client, "c%d-%d", w->id, i);
        ok = sdm_start(w->h, "p", client, "{\"n\": 1}", &inst, &e) == SDM_OK;
    }
    if (!ok) fprintf(stderr, "engine worker %d: %s\n", w->id, e.msg);
    w->ok = ok;
    return NULL;
}

static void under_sqlite(void) {
    T_CASE("5.1 installed before SQLite starts");
    CHECK_EQ_INT(sqlmem_install(), 1);
    CHECK_EQ_INT(sqlmem_install(), 1);            /* a second call changes nothing */
    sqlite3_mem_methods got;
    CHECK_EQ_INT(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &got), SQLITE_OK);
    CHECK(got.xMalloc == m->xMalloc && got.xFree == m->xFree && got.xRealloc == m->xRealloc);
    CHECK_EQ_INT(sqlite3_initialize(), SQLITE_OK);

    T_CASE("5.2 connections on four threads, closed on the main thread");
    snprintf(dir, sizeof dir, "/tmp/sdm_sqlmem_XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    worker w[4] = {{0}};
    pthread_t t[4];
    for (int i = 0; i < 4; i++) { w[i].id = i; pthread_create(&t[i], NULL, sql_work, &w[i]); }
    for (int i = 0; i < 4; i++) { pthread_join(t[i], NULL); CHECK(w[i].ok); sqlite3_close(w[i].db); }

    T_CASE("5.3 engine handles on three threads, closed on the main thread");
    worker h[3] = {{0}};
    for (int i = 0; i < 3; i++) { h[i].id = i; pthread_create(&t[i], NULL, engine_work, &h[i]); }
    for (int i = 0; i < 3; i++) { pthread_join(t[i], NULL); CHECK(h[i].ok); }
    for (int i = 0; i < 3; i++) {
        sdm_table *tab = NULL;
        sdm_err e;
        CHECK_EQ_INT(sdm_query(h[i].h, SDM_Q_TASKS, &(sdm_filter){0}, &tab, &e), SDM_OK);
        CHECK_EQ_INT(tab ? tab->nrow : -1, 40);
        sdm_table_free(tab);
        sdm_close(h[i].h);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    CHECK_EQ_INT(sqlite3_shutdown(), SQLITE_OK);
    CHECK_EQ_INT(sqlmem_cached(), 0);             /* xShutdown gave this thread's back */
}

int main(void) {
    m = sqlmem_methods();
    sizes();
    cache();
    reallocs();
    threads();
    under_sqlite();
    return t_done();
}
