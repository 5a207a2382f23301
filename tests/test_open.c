/*
** test_open.c — how sdm_open treats the database file (sdm_config.open_mode):
** reads never create, migrate or take the write lock; a missing database is
** a clear error; a read-only file or directory serves reads; a handle
** opened for reading refuses to write.
**
** Permissions are real here: root ignores them, so when the test runs as
** root the reading side runs in a child process that has dropped to
** nobody (65534) with setresuid, and first proves it cannot open the file
** for writing.
*/
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sqlite3.h>
#include "sdm.h"
#include "t.h"

static sdm_err err;
static char dir[64];

static const char model[] =
    "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" targetNamespace=\"t\">"
    "<process id=\"%s\" isExecutable=\"true\"><startEvent id=\"s\"/><userTask id=\"u\"/><endEvent id=\"e\"/>"
    "<sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"u\"/><sequenceFlow id=\"f2\" sourceRef=\"u\" targetRef=\"e\"/>"
    "</process></definitions>";

static sdm_config config(int mode) {
    return (sdm_config){.actor = "tester", .now = 1700000000000LL, .time_zone = "UTC", .open_mode = mode};
}

static int deploy(sdm *db, const char *process) {
    char xml[1024];
    snprintf(xml, sizeof xml, model, process);
    return sdm_deploy_xml(db, "t.bpmn", xml, strlen(xml), NULL, &err);
}

/* How many processes a handle opened `mode` on `path` lists; -1 - status on failure. */
static int count_processes(const char *path, int mode) {
    sdm_config cfg = config(mode);
    sdm *db = NULL;
    sdm_table *t = NULL;
    int rc = sdm_open(&db, path, &cfg, &err);
    if (!rc) rc = sdm_query(db, SDM_Q_PROCESSES, &(sdm_filter){0}, &t, &err);
    int n = rc ? -1 - rc : t->nrow;
    sdm_table_free(t);
    sdm_close(db);
    return n;
}

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int exists(const char *path) { struct stat sb; return stat(path, &sb) == 0; }

static void path_in(char *buf, size_t n, const char *sub, const char *name) {
    snprintf(buf, n, "%s/%s%s%s", dir, sub, *sub ? "/" : "", name);
}

/* Runs count_processes(path, SDM_OPEN_READ) as a user who cannot write
** `path`: returns its result, or -100 when the file turned out writable
** (the test would prove nothing), -101 when the child failed. */
static int read_as_other_user(const char *path) {
    int fd[2];
    if (pipe(fd)) return -101;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        if (geteuid() == 0 && (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))) _exit(1);
        int w = open(path, O_RDWR), n = -100;
        if (w < 0 && errno == EACCES) n = count_processes(path, SDM_OPEN_READ);
        if (w >= 0) close(w);
        if (write(fd[1], &n, sizeof n) != (ssize_t)sizeof n) _exit(1);
        _exit(0);
    }
    close(fd[1]);
    int n = -101, status = 0;
    if (pid < 0 || read(fd[0], &n, sizeof n) != (ssize_t)sizeof n) n = -101;
    close(fd[0]);
    if (pid > 0) waitpid(pid, &status, 0);
    return n;
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/sdm_open_XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    chmod(dir, 0755);                 /* the reader of case 5 must reach the files */
    char path[160], other[160];
    path_in(path, sizeof path, "", "sdm.db");
    sdm *db = NULL;

    T_CASE("1.1 READ on a missing database: the message, and no file");
    sdm_config cfg = config(SDM_OPEN_READ);
    CHECK_EQ_INT(sdm_open(&db, path, &cfg, &err), SDM_ERR_NOTFOUND);
    CHECK(db == NULL);
    char want[256];
    snprintf(want, sizeof want, "no database at %s: deploy a model first or run sdm init", path);
    CHECK_EQ_STR(err.msg, want);
    CHECK(!exists(path));

    T_CASE("1.2 WRITE on a missing database: the same");
    cfg = config(SDM_OPEN_WRITE);
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(sdm_open(&db, path, &cfg, &err), SDM_ERR_NOTFOUND);
    CHECK_EQ_STR(err.msg, want);
    CHECK(!exists(path));

    T_CASE("1.3 CREATE makes it; then WRITE and READ open it");
    cfg = config(SDM_OPEN_CREATE);
    CHECK_EQ_INT(sdm_open(&db, path, &cfg, &err), SDM_OK);
    CHECK_EQ_INT(deploy(db, "p1"), SDM_OK);
    sdm_close(db);
    db = NULL;
    CHECK(exists(path));
    CHECK_EQ_INT(count_processes(path, SDM_OPEN_WRITE), 1);
    CHECK_EQ_INT(count_processes(path, SDM_OPEN_READ), 1);

    T_CASE("2.1 a handle opened READ refuses to write, with a clear message");
    cfg = config(SDM_OPEN_READ);
    CHECK_EQ_INT(sdm_open(&db, path, &cfg, &err), SDM_OK);
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(deploy(db, "p2"), SDM_ERR_MISUSE);
    CHECK_CONTAINS(err.msg, "opened for reading only");
    int64_t inst = 0;
    CHECK_EQ_INT(sdm_start(db, "p1", "c1", NULL, &inst, &err), SDM_ERR_MISUSE);
    sdm_close(db);
    db = NULL;
    CHECK_EQ_INT(count_processes(path, SDM_OPEN_READ), 1);

    T_CASE("3.1 reads and opens go on while another connection holds the write lock");
    {
        sqlite3 *w;
        CHECK_EQ_INT(sqlite3_open(path, &w), SQLITE_OK);
        CHECK_EQ_INT(sqlite3_exec(w, "BEGIN IMMEDIATE; CREATE TABLE pending(x); INSERT INTO pending VALUES(1);",
                                  NULL, NULL, NULL), SQLITE_OK);
        double t0 = seconds();
        CHECK_EQ_INT(count_processes(path, SDM_OPEN_READ), 1);
        CHECK_EQ_INT(count_processes(path, SDM_OPEN_WRITE), 1);   /* a current schema needs no lock */
        double took = seconds() - t0;
        CHECK(took < 2.0);                                         /* the busy timeout is 10 s */
        if (took >= 2.0) fprintf(stderr, "  (opening under a writer took %.1f s)\n", took);
        CHECK_EQ_INT(sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(w);
    }

    T_CASE("3.2 an older schema: READ refuses and leaves it as it is");
    {
        sqlite3 *w;
        int cur = 0;
        sqlite3_stmt *st;
        CHECK_EQ_INT(sqlite3_open(path, &w), SQLITE_OK);
        if (sqlite3_prepare_v2(w, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) cur = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
        }
        CHECK(cur > 1);
        /* Only the number goes back: the test restores it afterwards. */
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", cur - 1);
        CHECK_EQ_INT(sqlite3_exec(w, sql, NULL, NULL, NULL), SQLITE_OK);
        cfg = config(SDM_OPEN_READ);
        memset(&err, 0, sizeof err);
        CHECK_EQ_INT(sdm_open(&db, path, &cfg, &err), SDM_ERR_STATE);
        CHECK_CONTAINS(err.msg, "older than this sdm");
        int after = -1;
        if (sqlite3_prepare_v2(w, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) after = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
        }
        CHECK_EQ_INT(after, cur - 1);
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", cur);
        CHECK_EQ_INT(sqlite3_exec(w, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(w);
    }

    T_CASE("4.1 a read-only file in a read-only directory serves reads (no -wal, no -shm)");
    char ro[160];
    path_in(ro, sizeof ro, "", "ro");
    mkdir(ro, 0755);
    path_in(other, sizeof other, "ro", "sdm.db");
    cfg = config(SDM_OPEN_CREATE);
    CHECK_EQ_INT(sdm_open(&db, other, &cfg, &err), SDM_OK);
    CHECK_EQ_INT(deploy(db, "p1"), SDM_OK);
    CHECK_EQ_INT(deploy(db, "p2"), SDM_OK);
    sdm_close(db);
    db = NULL;
    chmod(other, 0444);
    chmod(ro, 0555);
    if (geteuid() != 0) fprintf(stderr, "  (not root: the reader keeps this uid)\n");
    CHECK_EQ_INT(read_as_other_user(other), 2);

    T_CASE("4.2 the same while a writer with the rights works in it (-wal and -shm exist)");
    chmod(ro, 0755);
    chmod(other, 0644);
    {
        sdm *w = NULL;
        cfg = config(SDM_OPEN_WRITE);
        CHECK_EQ_INT(sdm_open(&w, other, &cfg, &err), SDM_OK);
        CHECK_EQ_INT(deploy(w, "p3"), SDM_OK);          /* committed, in the -wal only */
        char wal[180];
        snprintf(wal, sizeof wal, "%s-wal", other);
        CHECK(exists(wal));
        CHECK_EQ_INT(read_as_other_user(other), 3);
        sdm_close(w);
    }

    T_CASE("4.3 a read-only file in a writable directory");
    {
        char rw[160], f[180];
        path_in(rw, sizeof rw, "", "rw");
        mkdir(rw, 0777);
        chmod(rw, 0777);
        snprintf(f, sizeof f, "%s/sdm.db", rw);
        cfg = config(SDM_OPEN_CREATE);
        CHECK_EQ_INT(sdm_open(&db, f, &cfg, &err), SDM_OK);
        CHECK_EQ_INT(deploy(db, "p1"), SDM_OK);
        sdm_close(db);
        db = NULL;
        chmod(f, 0444);
        CHECK_EQ_INT(read_as_other_user(f), 1);
        t_remove_db(f);
        rmdir(rw);
    }

    T_CASE("5.1 a model without its packed tree (deployed before migration 8) still runs");
    {
        sqlite3 *w;
        CHECK_EQ_INT(sqlite3_open(path, &w), SQLITE_OK);
        CHECK_EQ_INT(sqlite3_exec(w, "DELETE FROM model_trees", NULL, NULL, NULL), SQLITE_OK);
        cfg = config(SDM_OPEN_WRITE);
        CHECK_EQ_INT(sdm_open(&db, path, &cfg, &err), SDM_OK);
        int64_t run = 0;
        CHECK_EQ_INT(sdm_start(db, "p1", "c5", NULL, &run, &err), SDM_OK);
        CHECK(run > 0);
        sdm_close(db);
        db = NULL;

        T_CASE("5.2 migrating to 8 packs the trees of the resources already there");
        sqlite3_stmt *st;
        int n = -1;
        /* back to a version-7 store: undo what migrations 8 and later add */
        CHECK_EQ_INT(sqlite3_exec(w, "PRAGMA user_version = 7; DROP TABLE model_trees;"
                                  "ALTER TABLE jobs DROP COLUMN attempts; ALTER TABLE jobs DROP COLUMN last_error;"
                                  "ALTER TABLE jobs DROP COLUMN parked_at; ALTER TABLE jobs DROP COLUMN incident_id;"
                                  "DROP TABLE api_tokens; ALTER TABLE users DROP COLUMN password;"
                                  "ALTER TABLE deviations DROP COLUMN note;"
                                  "DROP TABLE client_roles; DROP TABLE card_fields; DROP TABLE client_fields;"
                                  "DROP TABLE contacts; DROP TABLE plans; DROP INDEX clients_inn;"
                                  "DROP INDEX clients_phone; DROP INDEX clients_email; DROP INDEX clients_norm_name;"
                                  "ALTER TABLE clients DROP COLUMN inn; ALTER TABLE clients DROP COLUMN phone;"
                                  "ALTER TABLE clients DROP COLUMN email; ALTER TABLE clients DROP COLUMN norm_name;"
                                  "DROP TABLE role_settings; ALTER TABLE users DROP COLUMN lang;"
                                  "DROP VIEW history; ALTER TABLE history_steps DROP COLUMN more;"
                                  "ALTER TABLE history_steps DROP COLUMN n; ALTER TABLE history_steps RENAME TO history;"
                                  /* 16: the unique index instead of tokens.task */
                                  "ALTER TABLE tokens DROP COLUMN task;"
                                  "CREATE UNIQUE INDEX tasks_open_token ON tasks(token_id) WHERE state = 'open';"
                                  /* 15: the triggers as migration 7 left them */
                                  "DROP TRIGGER user_roles_open; DROP TRIGGER user_roles_active;"
                                  "DROP TRIGGER user_load_assignee; DROP TRIGGER user_load_del;"
                                  "DROP INDEX user_roles_load; ALTER TABLE user_roles DROP COLUMN open;"
                                  "ALTER TABLE user_roles DROP COLUMN active;"
                                  "CREATE TRIGGER user_load_assignee AFTER UPDATE OF assignee ON tasks BEGIN"
                                  "  UPDATE user_load SET open = open - 1 WHERE old.state = 'open' AND user = old.assignee;"
                                  "  INSERT INTO user_load SELECT new.assignee, 1 WHERE new.state = 'open'"
                                  "  AND new.assignee IS NOT NULL ON CONFLICT(user) DO UPDATE SET open = open + 1; END;"
                                  "CREATE TRIGGER user_load_del AFTER DELETE ON tasks WHEN old.state = 'open' BEGIN"
                                  "  UPDATE user_load SET open = open - 1 WHERE user = old.assignee; END;",
                                  NULL, NULL, NULL), SQLITE_OK);
        CHECK_EQ_INT(sdm_open(&db, path, &cfg, &err), SDM_OK);
        if (sqlite3_prepare_v2(w, "SELECT count(*) FROM model_trees t JOIN resources r ON r.id = t.resource_id",
                               -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
        }
        CHECK_EQ_INT(n, 1);
        /* migration 16: each open task is named by its token (c5's at least) */
        n = -1;
        if (sqlite3_prepare_v2(w, "SELECT count(*) FROM tasks t WHERE t.state = 'open' AND NOT EXISTS"
                               " (SELECT 1 FROM tokens k WHERE k.task = t.id) UNION ALL"
                               " SELECT count(*) FROM tasks WHERE state = 'open'", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
            if (sqlite3_step(st) == SQLITE_ROW) CHECK(sqlite3_column_int(st, 0) > 0);
            sqlite3_finalize(st);
        }
        CHECK_EQ_INT(n, 0);
        CHECK_EQ_INT(sdm_start(db, "p1", "c6", NULL, &run, &err), SDM_OK);
        sdm_close(db);
        db = NULL;
        sqlite3_close(w);
    }

    chmod(ro, 0755);
    t_remove_db(path);
    t_remove_db(other);
    rmdir(ro);
    rmdir(dir);
    return t_done();
}
