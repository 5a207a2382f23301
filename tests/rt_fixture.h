/*
** rt_fixture.h — what the runtime tests (test_rt.c, test_scope.c) share:
** one engine handle, deploying a process body, starting, completing, and
** reading back paths, events, tasks, tokens, variables and incidents as
** short strings an assertion can compare. Include once, after t.h.
** A BPMN snippet becomes a whole document with doc_text (HEAD, F and C
** write the rest compactly).
**
** A test made of independent cases lists them in a table and hands it to
** rt_run: each case runs on a fresh in-memory store opened with rt_cfg
** (its clock at NOW, its zone UTC, its scripts directory made for the
** run), and the store's invariants are checked after it. A new case is a
** function and a row; it never sees what an earlier case left.
*/
#ifndef SDM_RT_FIXTURE_H
#define SDM_RT_FIXTURE_H
#include <unistd.h>
#include <dirent.h>
#include "sdm.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"   /* each test uses its own subset */
#pragma GCC diagnostic ignored "-Wunused-variable"
#endif

static sdm_err err;
static sdm *db;

#define HEAD "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" " \
             "xmlns:sdm=\"urn:sdm:bpmn:1\">\n"

/* Flows are written compactly: F("id", "src", "dst") and C(..., "cond"). */
#define F(id, a, b) "<bpmn:sequenceFlow id=\"" id "\" sourceRef=\"" a "\" targetRef=\"" b "\"/>\n"
#define C(id, a, b, cond) "<bpmn:sequenceFlow id=\"" id "\" sourceRef=\"" a "\" targetRef=\"" b "\">" \
    "<bpmn:conditionExpression><![CDATA[" cond "]]></bpmn:conditionExpression></bpmn:sequenceFlow>\n"

/* A whole BPMN document: HEAD + content (messages, processes, ...) + the
** closing tag (caller frees). Every test that deploys a snippet wraps it
** with this. */
static char *doc_text(const char *content) {
    size_t n = strlen(HEAD) + strlen(content) + 64;
    char *xml = malloc(n);
    snprintf(xml, n, HEAD "%s\n</bpmn:definitions>\n", content);
    return xml;
}

/* Deploy doc_text(content) as `file`; `what` names it in the failure
** report. */
static int deploy_text(const char *file, const char *what, const char *content) {
    char *xml = doc_text(content);
    sdm_table *t = NULL;
    memset(&err, 0, sizeof err);
    int rc = sdm_deploy_xml(db, file, xml, strlen(xml), &t, &err);
    if (rc) {
        fprintf(stderr, "  (deploy %s: %s)\n", what, err.msg);
        for (int r = 0; t && r < t->nrow; r++)
            fprintf(stderr, "    %s %s\n", t->cells[r * t->ncol], t->cells[r * t->ncol + 6] ? t->cells[r * t->ncol + 6] : "");
    }
    CHECK_EQ_INT(rc, SDM_OK);
    sdm_table_free(t);
    free(xml);
    return rc;
}

/* One executable process with this body. */
static int deploy(const char *id, const char *body) {
    size_t n = strlen(body) + strlen(id) + 100;
    char *content = malloc(n);
    snprintf(content, n, "<bpmn:process id=\"%s\" isExecutable=\"true\">\n%s</bpmn:process>", id, body);
    int rc = deploy_text("rt.bpmn", id, content);
    free(content);
    return rc;
}

/* A whole document's content (messages, errors, several processes). */
static int deploy_doc(const char *body) { return deploy_text("doc.bpmn", "doc", body); }

static int64_t start(const char *process, const char *client, const char *vars) {
    int64_t id = 0;
    memset(&err, 0, sizeof err);
    int rc = sdm_start(db, process, client, vars, &id, &err);
    if (rc) fprintf(stderr, "  (start %s: %s)\n", process, err.msg);
    CHECK_EQ_INT(rc, SDM_OK);
    return id;
}

static int col(const sdm_table *t, const char *name) {
    for (int c = 0; t && c < t->ncol; c++) if (strcmp(t->cols[c], name) == 0) return c;
    fprintf(stderr, "  (no column %s)\n", name);
    return 0;
}

/* Nodes entered, in order, joined by spaces (static buffer). */
/* Deploying doc_text(content) fails naming element `id` (with a line)
** and a message containing `needle`. */
static void deploy_refused(const char *content, const char *id, const char *needle) {
    char *xml = doc_text(content);
    sdm_table *t = NULL;
    memset(&err, 0, sizeof err);
    CHECK(sdm_deploy_xml(db, "refused.bpmn", xml, strlen(xml), &t, &err) != SDM_OK);
    int found = 0;
    for (int r = 0; t && r < t->nrow && !found; r++) {
        const char *el = t->cells[r * t->ncol + col(t, "element")], *msg = t->cells[r * t->ncol + col(t, "message")];
        const char *line = t->cells[r * t->ncol + col(t, "line")];
        found = el && msg && line && atoi(line) > 0 && strcmp(el, id) == 0 && strstr(msg, needle);
    }
    if (!found) {
        fprintf(stderr, "  (refusal of %s lacks '%s': %s)\n", id, needle, err.msg);
        for (int r = 0; t && r < t->nrow; r++)
            fprintf(stderr, "    %s\n", t->cells[r * t->ncol + col(t, "message")] ? t->cells[r * t->ncol + col(t, "message")] : "");
    }
    CHECK(found);
    sdm_table_free(t);
    free(xml);
}

static const char *path(int64_t inst) {
    static char buf[4096];
    sdm_filter f = {.id = inst};
    sdm_table *t = NULL;
    buf[0] = 0;
    if (sdm_query(db, SDM_Q_HISTORY, &f, &t, &err) == SDM_OK) {
        int ev = col(t, "event"), nd = col(t, "node");
        for (int r = 0; r < t->nrow; r++)
            if (strcmp(t->cells[r * t->ncol + ev], "enter") == 0) {
                size_t n = strlen(buf);
                snprintf(buf + n, sizeof buf - n, "%s%s", n ? " " : "", t->cells[r * t->ncol + nd]);
            }
    }
    sdm_table_free(t);
    return buf;
}

/* Every history event as "event:node", joined by spaces (static). */
static const char *events(int64_t inst) {
    static char buf[4096];
    sdm_filter f = {.id = inst};
    sdm_table *t = NULL;
    buf[0] = 0;
    if (sdm_query(db, SDM_Q_HISTORY, &f, &t, &err) == SDM_OK) {
        int ev = col(t, "event"), nd = col(t, "node");
        for (int r = 0; r < t->nrow; r++) {
            size_t n = strlen(buf);
            const char *node = t->cells[r * t->ncol + nd];
            snprintf(buf + n, sizeof buf - n, "%s%s%s%s", n ? " " : "", t->cells[r * t->ncol + ev],
                     node ? ":" : "", node ? node : "");
        }
    }
    sdm_table_free(t);
    return buf;
}

/* Tasks of the instance in a state ("open", "all", ...), by id, as
** "node/assignee/role" (plus "/state" unless open), joined by spaces. */
static int cmp_row(const void *x, const void *y) {
    long long a = atoll(**(char ***)x), b = atoll(**(char ***)y);
    return (a > b) - (a < b);
}

static const char *tasks(int64_t inst, const char *state) {
    static char buf[2048];
    sdm_filter f = {.id = inst, .state = state};
    sdm_table *t = NULL;
    buf[0] = 0;
    if (sdm_query(db, SDM_Q_TASKS, &f, &t, &err) == SDM_OK) {
        int nd = col(t, "node"), as = col(t, "assignee"), ro = col(t, "role"), st = col(t, "state");
        char ***rows = malloc(sizeof *rows * (size_t)(t->nrow + 1));
        for (int r = 0; r < t->nrow; r++) rows[r] = &t->cells[r * t->ncol];
        qsort(rows, (size_t)t->nrow, sizeof *rows, cmp_row);
        for (int r = 0; r < t->nrow; r++) {
            size_t n = strlen(buf);
            char **row = rows[r];
            int open = strcmp(state, "open") == 0;
            snprintf(buf + n, sizeof buf - n, "%s%s/%s/%s%s%s", n ? " " : "", row[nd],
                     row[as] ? row[as] : "-", row[ro] ? row[ro] : "-", open ? "" : "/", open ? "" : row[st]);
        }
        free(rows);
    }
    sdm_table_free(t);
    return buf;
}

/* Id of the open task at `node` of the instance, 0 if none. */
static int64_t task_at(int64_t inst, const char *node) {
    sdm_filter f = {.id = inst};
    sdm_table *t = NULL;
    int64_t id = 0;
    if (sdm_query(db, SDM_Q_TASKS, &f, &t, &err) == SDM_OK) {
        int nd = col(t, "node");
        for (int r = 0; r < t->nrow && !id; r++)
            if (strcmp(t->cells[r * t->ncol + nd], node) == 0) id = atoll(t->cells[r * t->ncol]);
    }
    sdm_table_free(t);
    return id;
}

static const char *task_cell(int64_t task, int64_t inst, const char *name) {
    static char buf[256];
    sdm_filter f = {.id = inst, .state = "all"};
    sdm_table *t = NULL;
    buf[0] = 0;
    if (sdm_query(db, SDM_Q_TASKS, &f, &t, &err) == SDM_OK) {
        int c = col(t, name);
        for (int r = 0; r < t->nrow; r++)
            if (atoll(t->cells[r * t->ncol]) == task)
                snprintf(buf, sizeof buf, "%s", t->cells[r * t->ncol + c] ? t->cells[r * t->ncol + c] : "NULL");
    }
    sdm_table_free(t);
    return buf;
}

static int complete(int64_t inst, const char *node, const char *vars) {
    int64_t t = task_at(inst, node);
    CHECK(t > 0);
    if (!t) { fprintf(stderr, "  (no open task at %s; open: %s)\n", node, tasks(inst, "open")); return -1; }
    memset(&err, 0, sizeof err);
    int rc = sdm_complete(db, t, vars, &err);
    if (rc) fprintf(stderr, "  (complete %s: %s)\n", node, err.msg);
    CHECK_EQ_INT(rc, SDM_OK);
    return rc;
}

/* Column `name` of query q's only row for id (static; "" unless one row). */
static const char *only_cell(sdm_query_kind q, int64_t id, const char *name) {
    static char buf[1024];
    sdm_filter f = {.id = id};
    sdm_table *t = NULL;
    buf[0] = 0;
    if (sdm_query(db, q, &f, &t, &err) == SDM_OK && t->nrow == 1) {
        const char *v = t->cells[col(t, name)];
        snprintf(buf, sizeof buf, "%s", v ? v : "NULL");
    }
    sdm_table_free(t);
    return buf;
}

static const char *inst_cell(int64_t inst, const char *name) { return only_cell(SDM_Q_INSTANCE, inst, name); }

static const char *table_cell_of(const sdm_table *t, const char *name) {
    for (int c = 0; c < t->ncol; c++) if (strcmp(t->cols[c], name) == 0) return t->cells[c];
    return NULL;
}

static int count(sdm_query_kind q, int64_t inst, const char *state) {
    sdm_filter f = {.id = inst, .state = state};
    sdm_table *t = NULL;
    int n = -1;
    if (sdm_query(db, q, &f, &t, &err) == SDM_OK) n = t->nrow;
    sdm_table_free(t);
    return n;
}

/* Token states of the instance, "node:state" joined by spaces (static). */
static const char *tokens(int64_t inst) {
    static char buf[1024];
    sdm_filter f = {.id = inst};
    sdm_table *t = NULL;
    buf[0] = 0;
    if (sdm_query(db, SDM_Q_TOKENS, &f, &t, &err) == SDM_OK) {
        int nd = col(t, "node"), st = col(t, "state");
        for (int r = 0; r < t->nrow; r++) {
            size_t n = strlen(buf);
            snprintf(buf + n, sizeof buf - n, "%s%s:%s", n ? " " : "", t->cells[r * t->ncol + nd], t->cells[r * t->ncol + st]);
        }
    }
    sdm_table_free(t);
    return buf;
}

static const char *var(int64_t inst, const char *name) {
    static char buf[1024];
    sdm_filter f = {.id = inst};
    sdm_table *t = NULL;
    const char *out = NULL;
    if (sdm_query(db, SDM_Q_VARIABLES, &f, &t, &err) == SDM_OK)
        for (int r = 0; r < t->nrow; r++)
            if (strcmp(t->cells[r * t->ncol], name) == 0) {
                snprintf(buf, sizeof buf, "%s", t->cells[r * t->ncol + 1]);
                out = buf;
            }
    sdm_table_free(t);
    return out;
}

static int64_t open_incident(int64_t inst, char *msg, size_t n) {
    sdm_filter f = {.id = inst};
    sdm_table *t = NULL;
    int64_t id = 0;
    if (msg) msg[0] = 0;
    if (sdm_query(db, SDM_Q_INCIDENTS, &f, &t, &err) == SDM_OK && t->nrow == 1) {
        id = atoll(t->cells[0]);
        if (msg) snprintf(msg, n, "%s", t->cells[col(t, "message")]);
    }
    sdm_table_free(t);
    return id;
}

static void check_clean(const char *where) {
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_check(db, &t, &err), SDM_OK);
    CHECK_EQ_INT(t ? t->nrow : -1, 0);
    for (int r = 0; t && r < t->nrow; r++)
        fprintf(stderr, "  (check after %s: %s %s)\n", where, t->cells[r * 2], t->cells[r * 2 + 1]);
    sdm_table_free(t);
}

/* The clock at `at`, then one sdm_tick: how many jobs fired. */
static int tick_at(int64_t at) {
    int fired = 0;
    int64_t next = 0;
    sdm_set_now(db, at);
    memset(&err, 0, sizeof err);
    int rc = sdm_tick(db, &fired, &next, &err);
    if (rc) fprintf(stderr, "  (tick: %s)\n", err.msg);
    CHECK_EQ_INT(rc, SDM_OK);
    return fired;
}

static int message(const char *name, const char *client, const char *vars) {
    int got = 0;
    memset(&err, 0, sizeof err);
    int rc = sdm_message(db, name, client, vars, 0, &got, &err);
    if (rc) fprintf(stderr, "  (message %s: %s)\n", name, err.msg);
    return rc ? -rc : got;
}

#define NOW 1709312400000LL          /* 2024-03-01T17:00:00Z, a Friday */
#define HOUR 3600000LL
#define DAY (24 * HOUR)

/* The settings every case's store is opened with; a test may change
** fields before rt_run (its budgets, say). */
static char rt_dir[] = "/tmp/sdm_rt_XXXXXX";
static sdm_config rt_cfg = {.scripts_dir = rt_dir, .actor = "tester", .now = NOW,
                            .lua_instructions = 1000000, .time_zone = "UTC"};

struct rt_case {
    const char *name;               /* "5.3 user task: waits, then completes" */
    void (*run)(void);
};

/* The run's scripts directory, made on first use. */
static int rt_scripts_dir(void) {
    static int made;
    if (!made) made = mkdtemp(rt_dir) ? 1 : -1;
    return made == 1 ? 0 : -1;
}

/* A file in the run's scripts directory (a handler module, say): call it
** from main before rt_run. */
static void rt_script(const char *name, const char *text) {
    char path_[512];
    if (rt_scripts_dir()) return;
    snprintf(path_, sizeof path_, "%s/%s", rt_dir, name);
    FILE *f = fopen(path_, "w");
    if (f) { fputs(text, f); fclose(f); }
}

/* Runs every case on its own fresh store, then removes the scripts
** directory and prints the closing line. */
static int rt_run(const struct rt_case *cases, size_t n) {
    if (rt_scripts_dir()) { fprintf(stderr, "cannot make %s\n", rt_dir); return 1; }
    for (size_t k = 0; k < n; k++) {
        T_CASE(cases[k].name);
        memset(&err, 0, sizeof err);
        if (sdm_open(&db, ":memory:", &rt_cfg, &err) != SDM_OK) {
            t_fail++;
            fprintf(stderr, "FAIL [%s] open: %s\n", cases[k].name, err.msg);
            continue;
        }
        cases[k].run();
        check_clean(cases[k].name);
        sdm_close(db);
        db = NULL;
    }
    DIR *d = opendir(rt_dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char path_[512];
        snprintf(path_, sizeof path_, "%s/%s", rt_dir, e->d_name);
        remove(path_);
    }
    if (d) closedir(d);
    rmdir(rt_dir);
    return t_done();
}

#endif
