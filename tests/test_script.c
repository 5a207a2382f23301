/*
** test_script.c — the Lua sandbox (engine/script.c), through the public API
** where a model can show it and through script.h where only the sandbox
** can: truthiness, variables of every type round-tripped through the store,
** the absent libraries, bytecode, instruction and memory limits, errors
** with chunk name and line, and isolation between scripts.
*/
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "sdm.h"
#include "script.h"
#include "t.h"

static sdm_err err;

#define HEAD "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" " \
             "xmlns:sdm=\"urn:sdm:bpmn:1\">\n"

/* Deploy process `id` whose body is `body` from a file called sales.bpmn.
** The process element is on line 2, the body starts on line 3. */
static int deploy(sdm *db, const char *id, const char *body, sdm_table **out) {
    size_t n = strlen(HEAD) + strlen(body) + strlen(id) + 200;
    char *xml = malloc(n);
    snprintf(xml, n, HEAD "<bpmn:process id=\"%s\" isExecutable=\"true\">\n%s\n</bpmn:process>\n</bpmn:definitions>\n",
             id, body);
    memset(&err, 0, sizeof err);
    int rc = sdm_deploy_xml(db, "models/sales.bpmn", xml, strlen(xml), out, &err);
    free(xml);
    return rc;
}

/* A process: start → script task "sc" (code) → user task "wait" → end. */
static int deploy_script(sdm *db, const char *id, const char *code) {
    size_t n = strlen(code) + 1024;
    char *body = malloc(n);
    snprintf(body, n,
             "<bpmn:startEvent id=\"s\"/>\n"
             "<bpmn:scriptTask id=\"sc\"><bpmn:script><![CDATA[%s]]></bpmn:script></bpmn:scriptTask>\n"
             "<bpmn:userTask id=\"wait\"/>\n<bpmn:endEvent id=\"e\"/>\n"
             "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"sc\"/>\n"
             "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"sc\" targetRef=\"wait\"/>\n"
             "<bpmn:sequenceFlow id=\"f3\" sourceRef=\"wait\" targetRef=\"e\"/>", code);
    int rc = deploy(db, id, body, NULL);
    if (rc) fprintf(stderr, "  (deploy %s: %s at line %d)\n", id, err.msg, err.line);
    free(body);
    return rc;
}

static int64_t start(sdm *db, const char *process, const char *client, const char *vars) {
    int64_t id = 0;
    memset(&err, 0, sizeof err);
    int rc = sdm_start(db, process, client, vars, &id, &err);
    if (rc) fprintf(stderr, "  (start %s: %s)\n", process, err.msg);
    CHECK_EQ_INT(rc, SDM_OK);
    return id;
}

/* The stored JSON of a variable (static buffer), or NULL when absent. */
static const char *var(sdm *db, int64_t inst, const char *name) {
    static char buf[8][4096];
    static int k;
    sdm_filter f = {.id = inst};
    sdm_table *t = NULL;
    const char *out = NULL;
    if (sdm_query(db, SDM_Q_VARIABLES, &f, &t, &err) == SDM_OK)
        for (int r = 0; r < t->nrow; r++)
            if (strcmp(t->cells[r * t->ncol], name) == 0) {
                k = (k + 1) % 8;
                snprintf(buf[k], sizeof buf[k], "%s", t->cells[r * t->ncol + 1]);
                out = buf[k];
            }
    sdm_table_free(t);
    return out;
}

/* The message of the instance's one open incident (static), or NULL. */
static const char *incident(sdm *db, int64_t inst, int64_t *id) {
    static char buf[1024];
    sdm_filter f = {.id = inst};
    sdm_table *t = NULL;
    const char *out = NULL;
    if (sdm_query(db, SDM_Q_INCIDENTS, &f, &t, &err) == SDM_OK && t->nrow == 1) {
        int c = 0;
        while (c < t->ncol && strcmp(t->cols[c], "message") != 0) c++;
        snprintf(buf, sizeof buf, "%s", c < t->ncol && t->cells[c] ? t->cells[c] : "");
        if (id) *id = atoll(t->cells[0]);
        out = buf;
    }
    sdm_table_free(t);
    return out;
}

static int nrows(sdm *db, sdm_query_kind q, int64_t inst) {
    sdm_filter f = {.id = inst, .state = "all"};
    sdm_table *t = NULL;
    int n = -1;
    if (sdm_query(db, q, &f, &t, &err) == SDM_OK) n = t->nrow;
    sdm_table_free(t);
    return n;
}

static void check_clean(sdm *db) {
    sdm_table *t = NULL;
    CHECK_EQ_INT(sdm_check(db, &t, &err), SDM_OK);
    CHECK_EQ_INT(t ? t->nrow : -1, 0);
    for (int r = 0; t && r < t->nrow; r++)
        fprintf(stderr, "  (check: %s %s)\n", t->cells[r * 2], t->cells[r * 2 + 1]);
    sdm_table_free(t);
}

/* Evaluate an expression in a bare sandbox to a string (static). */
static const char *ev(scr *s, const char *code) {
    static char buf[4][512];
    static int k;
    char *out = NULL;
    memset(&err, 0, sizeof err);
    int rc = scr_eval_string(s, code, "t.bpmn:x", &out, &err);
    k = (k + 1) % 4;
    if (rc) snprintf(buf[k], sizeof buf[k], "ERROR %s", err.msg);
    else snprintf(buf[k], sizeof buf[k], "%s", out ? out : "nil");
    free(out);
    return buf[k];
}

static int truthy(scr *s, const char *code) {
    int r = -1;
    memset(&err, 0, sizeof err);
    if (scr_eval_bool(s, code, "t.bpmn:f", &r, &err) != SDM_OK) {
        fprintf(stderr, "  (condition '%s': %s)\n", code, err.msg);
        return -1;
    }
    return r;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run `code` as a script task's chunk in `s`; the error message ("" when it
** succeeded, static) and the seconds it took. */
static const char *run_err(scr *s, const char *code, double *secs) {
    static char buf[1024];
    memset(&err, 0, sizeof err);
    double t0 = now_s();
    int rc = scr_run(s, code, "t.bpmn:a", &err);
    if (secs) *secs = now_s() - t0;
    snprintf(buf, sizeof buf, "%s", rc ? err.msg : "");
    return buf;
}

/* A process: start → gateway g: flow "yes" when `cond`, else default "no"
** → user task; plus a script task "w" before the gateway running `pre`. */
static int deploy_gateway(sdm *db, const char *id, const char *pre, const char *cond) {
    char body[4096];
    snprintf(body, sizeof body,
             "<bpmn:startEvent id=\"s\"/>\n"
             "<bpmn:scriptTask id=\"w\"><bpmn:script><![CDATA[%s]]></bpmn:script></bpmn:scriptTask>\n"
             "<bpmn:exclusiveGateway id=\"g\" default=\"fno\"/>\n"
             "<bpmn:userTask id=\"yes\"/><bpmn:userTask id=\"no\"/>\n"
             "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"w\"/>\n"
             "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"w\" targetRef=\"g\"/>\n"
             "<bpmn:sequenceFlow id=\"fyes\" sourceRef=\"g\" targetRef=\"yes\"><bpmn:conditionExpression><![CDATA[%s]]></bpmn:conditionExpression></bpmn:sequenceFlow>\n"
             "<bpmn:sequenceFlow id=\"fno\" sourceRef=\"g\" targetRef=\"no\"/>"
             "\n<bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"no\" targetRef=\"end\"/>", pre, cond);
    int rc = deploy(db, id, body, NULL);
    if (rc) fprintf(stderr, "  (deploy %s: %s at line %d)\n", id, err.msg, err.line);
    return rc;
}

/* The node of the instance's one open task (static), or "" */
static const char *open_task(sdm *db, int64_t inst) {
    static char buf[128];
    sdm_filter f = {.id = inst};
    sdm_table *t = NULL;
    buf[0] = 0;
    if (sdm_query(db, SDM_Q_TASKS, &f, &t, &err) == SDM_OK && t->nrow == 1) snprintf(buf, sizeof buf, "%s", t->cells[4]);
    sdm_table_free(t);
    return buf;
}

/* Start `process` in a child process that must finish within `secs`:
** 0 it ended in an instruction-limit incident, 1 something else, 2 it
** hung (killed at the deadline), 3 it crashed. */
static int bounded(sdm *db, const char *process, int secs) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int64_t id = 0;
        int rc = sdm_start(db, process, "bounded", NULL, &id, &err);
        const char *m = rc == SDM_OK ? incident(db, id, NULL) : NULL;
        _exit(m && strstr(m, "instruction limit") ? 0 : 1);
    }
    for (int k = 0; k < secs * 20; k++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? (WEXITSTATUS(st) ? 1 : 0) : 3;
        usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fprintf(stderr, "  (%s still running after %d s: the instruction limit did not stop it)\n", process, secs);
    return 2;
}

int main(void) {
    sdm *db = NULL;
    sdm_config cfg = {.lua_instructions = 1000000, .lua_memory = (size_t)8 << 20, .actor = "tester",
                      .now = 1700000000000LL, .time_zone = "UTC"};
    CHECK_EQ_INT(sdm_open(&db, ":memory:", &cfg, &err), SDM_OK);
    scr *s = scr_open("tests", 1000000, (size_t)8 << 20, 0);
    CHECK(s != NULL);
    if (!db || !s) return t_done();

    T_CASE("3.1 conditions: Lua truthiness");
    CHECK_EQ_INT(scr_vars_load(s, "{\"amount\": 5000, \"zero\": 0, \"empty\": \"\", \"no\": false, \"list\": []}", &err), SDM_OK);
    CHECK_EQ_INT(truthy(s, "amount > 1000"), 1);
    CHECK_EQ_INT(truthy(s, "amount < 1000"), 0);
    CHECK_EQ_INT(truthy(s, "zero"), 1);          /* 0 is true in Lua */
    CHECK_EQ_INT(truthy(s, "empty"), 1);         /* so is "" */
    CHECK_EQ_INT(truthy(s, "list"), 1);
    CHECK_EQ_INT(truthy(s, "no"), 0);
    CHECK_EQ_INT(truthy(s, "var('undefined_name')"), 0);
    CHECK_EQ_INT(truthy(s, "not defined('undefined_name') and defined('amount')"), 1);
    CHECK_EQ_INT(truthy(s, "var('undefined_name', 7) == 7 and var('amount', 7) == 5000"), 1);
    CHECK_EQ_INT(truthy(s, "nil"), 0);
    CHECK_EQ_INT(truthy(s, "return amount == 5000"), 1);                 /* a chunk that returns */
    CHECK_EQ_INT(truthy(s, "local x = amount * 2\nreturn x > 9000"), 1);
    CHECK_EQ_INT(truthy(s, "if amount then return false end"), 0);
    CHECK_EQ_INT(truthy(s, "x = 1"), 0);                                 /* returns nothing */
    CHECK_EQ_INT(truthy(s, "amount > 1000 -- trailing comment"), 1);
    {   /* Through a model: the first flow whose condition holds, in document order. */
        int rc = deploy(db, "truth",
            "<bpmn:startEvent id=\"s\"/><bpmn:exclusiveGateway id=\"g\"/>\n"
            "<bpmn:userTask id=\"t_nil\"/><bpmn:userTask id=\"t_zero\"/><bpmn:userTask id=\"t_other\"/>\n"
            "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"g\"/>\n"
            "<bpmn:sequenceFlow id=\"fa\" sourceRef=\"g\" targetRef=\"t_nil\"><bpmn:conditionExpression>var(\"missing\")</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
            "<bpmn:sequenceFlow id=\"fb\" sourceRef=\"g\" targetRef=\"t_zero\"><bpmn:conditionExpression>count</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
            "<bpmn:sequenceFlow id=\"fc\" sourceRef=\"g\" targetRef=\"t_other\"/>"
            "\n<bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"t_other\" targetRef=\"end\"/>", NULL);
        CHECK_EQ_INT(rc, SDM_OK);
        int64_t i = start(db, "truth", "c1", "{\"count\": 0}");
        sdm_filter f = {.id = i};
        sdm_table *t = NULL;
        CHECK_EQ_INT(sdm_query(db, SDM_Q_TASKS, &f, &t, &err), SDM_OK);
        CHECK_EQ_INT(t ? t->nrow : -1, 1);
        if (t && t->nrow == 1) CHECK_EQ_STR(t->cells[4], "t_zero");
        sdm_table_free(t);
    }

    T_CASE("3.2 a script task sets variables of every type; they round-trip through the store");
    CHECK_EQ_INT(deploy_script(db, "types",
        "s = 'text \"quoted\" ü'\n"
        "i = 42\nneg = -7\nbig = 9007199254740993\n"
        "f = 1.5\nwhole = 2.0\n"
        "b = true\nno = false\n"
        "t = {name = 'x', a = {b = {1, 2}}, n = 3}\n"
        "arr = {1, 'two', 3.5, false, {k = 'v'}}\n"
        "empty = {}\n"
        "sparse = {[1] = 'a', [3] = 'c'}\n"
        "gone = nil\n"
        "inc = amount + 1\n"
        "local hidden = 'local'\n"), SDM_OK);
    int64_t ti = start(db, "types", "c1", "{\"amount\": 10, \"gone\": \"was here\"}");
    CHECK(incident(db, ti, NULL) == NULL);
    CHECK_EQ_STR(var(db, ti, "s"), "\"text \\\"quoted\\\" \xc3\xbc\"");
    CHECK_EQ_STR(var(db, ti, "i"), "42");
    CHECK_EQ_STR(var(db, ti, "neg"), "-7");
    CHECK_EQ_STR(var(db, ti, "big"), "9007199254740993");
    CHECK_EQ_STR(var(db, ti, "f"), "1.5");
    CHECK_EQ_STR(var(db, ti, "whole"), "2.0");
    CHECK_EQ_STR(var(db, ti, "b"), "true");
    CHECK_EQ_STR(var(db, ti, "no"), "false");
    CHECK_EQ_STR(var(db, ti, "t"), "{\"a\":{\"b\":[1,2]},\"n\":3,\"name\":\"x\"}");
    CHECK_EQ_STR(var(db, ti, "arr"), "[1,\"two\",3.5,false,{\"k\":\"v\"}]");
    CHECK_EQ_STR(var(db, ti, "empty"), "{}");
    CHECK_EQ_STR(var(db, ti, "sparse"), "{\"1\":\"a\",\"3\":\"c\"}");
    CHECK(var(db, ti, "gone") == NULL);                 /* nil deletes */
    CHECK_EQ_STR(var(db, ti, "inc"), "11");
    CHECK_EQ_STR(var(db, ti, "amount"), "10");
    CHECK(var(db, ti, "hidden") == NULL);
    {   /* Read back in a later step: the types survive the store. */
        CHECK_EQ_INT(deploy_script(db, "types2",
            "ok_s = type(s) == 'string' and s == 'text \"quoted\" ü'\n"
            "ok_i = math.type(i) == 'integer' and i == 42 and math.type(big) == 'integer' and big == 9007199254740993\n"
            "ok_f = math.type(f) == 'float' and f == 1.5 and math.type(whole) == 'float'\n"
            "ok_b = b == true and no == false\n"
            "ok_t = t.a.b[2] == 2 and t.name == 'x' and #arr == 5 and arr[2] == 'two' and arr[5].k == 'v'\n"
            "ok_gone = var('gone') == nil\n"), SDM_OK);
        sdm_filter f = {.id = ti};
        sdm_table *vt = NULL;
        CHECK_EQ_INT(sdm_query(db, SDM_Q_VARIABLES, &f, &vt, &err), SDM_OK);
        /* Copy the variables of the first instance into a second one. */
        {
            char json[8192] = "{";
            for (int r = 0; vt && r < vt->nrow; r++) {
                size_t n = strlen(json);
                snprintf(json + n, sizeof json - n, "%s\"%s\":%s", r ? "," : "", vt->cells[r * vt->ncol], vt->cells[r * vt->ncol + 1]);
            }
            strcat(json, "}");
            int64_t t2 = start(db, "types2", "c1", json);
            CHECK(incident(db, t2, NULL) == NULL);
            static const char *const oks[] = {"ok_s", "ok_i", "ok_f", "ok_b", "ok_t", "ok_gone"};
            for (size_t k = 0; k < sizeof oks / sizeof *oks; k++) {
                const char *v = var(db, t2, oks[k]);
                if (!v || strcmp(v, "true")) fprintf(stderr, "  (%s = %s)\n", oks[k], v ? v : "absent");
                CHECK_EQ_STR(v, "true");
            }
        }
        sdm_table_free(vt);
    }
    {   /* The history records each change with its value; deletion as null. */
        sdm_filter f = {.id = ti};
        sdm_table *h = NULL;
        int found_gone = 0;
        CHECK_EQ_INT(sdm_query(db, SDM_Q_HISTORY, &f, &h, &err), SDM_OK);
        for (int r = 0; h && r < h->nrow; r++)
            if (strcmp(h->cells[r * h->ncol + 2], "variable") == 0 && h->cells[r * h->ncol + 6] &&
                strstr(h->cells[r * h->ncol + 6], "\"gone\"") && strstr(h->cells[r * h->ncol + 6], "null"))
                found_gone = 1;
        CHECK(found_gone);
        sdm_table_free(h);
    }
    check_clean(db);

    T_CASE("3.3 the sandbox has no os, io, require, debug, dofile, loadfile, string.dump");
    {
        static const char *const absent[] = {
            "os", "io", "require", "debug", "dofile", "loadfile", "package",
            "collectgarbage", "rawset", "_G", "loadstring", "module", "print", "coroutine",
        };
        for (size_t k = 0; k < sizeof absent / sizeof *absent; k++) {
            char code[128], want[128];
            snprintf(code, sizeof code, "type(%s)", absent[k]);
            snprintf(want, sizeof want, "undefined variable '%s'", absent[k]);
            CHECK_CONTAINS(ev(s, code), want);
        }
        CHECK_EQ_STR(ev(s, "type(string.dump)"), "nil");
        CHECK_EQ_STR(ev(s, "type(('').dump)"), "nil");
        CHECK_EQ_STR(ev(s, "type(string.format)"), "function");
        CHECK_EQ_STR(ev(s, "type(math.floor)"), "function");
        CHECK_EQ_STR(ev(s, "type(table.concat)"), "function");
        CHECK_EQ_STR(ev(s, "tostring(pcall(function() return os.execute('true') end))"), "false");
        CHECK_EQ_STR(ev(s, "type(getmetatable(_ENV))"), "boolean");
    }
    /* Through a model too: the script sees the same sandbox. */
    CHECK_EQ_INT(deploy_script(db, "probe", "r = var('os', 'no') .. var('io', 'no') .. tostring(defined('require')) .. tostring(defined('debug'))"), SDM_OK);
    {
        int64_t i = start(db, "probe", "c1", NULL);
        CHECK_EQ_STR(var(db, i, "r"), "\"nonofalsefalse\"");
    }

    T_CASE("3.4 load: text only, never bytecode");
    CHECK_EQ_STR(ev(s, "tostring(load('return 1 + 1')())"), "2");
    CHECK_EQ_STR(ev(s, "select(2, load('\\27LuaT\\0\\25\\147\\13\\10\\26\\10'))"), "attempt to load a binary chunk (mode is 't')");
    CHECK_EQ_STR(ev(s, "tostring(load('\\27Lua', 'x', 'b'))"), "nil");
    CHECK_CONTAINS(ev(s, "type(load('return os', 'x', 't', {os = 1})())"), "undefined variable 'os'");   /* no env escape */
    CHECK_EQ_INT(deploy_script(db, "bytecode", "f, e = load('\\27LuaT\\0junk')\nmsg = e\nloaded = f ~= nil"), SDM_OK);
    {
        int64_t i = start(db, "bytecode", "c1", NULL);
        CHECK_CONTAINS(var(db, i, "msg"), "binary chunk");
        CHECK_EQ_STR(var(db, i, "loaded"), "false");
    }

    T_CASE("3.5 instruction limit: an endless loop is an incident");
    CHECK_EQ_INT(deploy_script(db, "spin", "while true do end"), SDM_OK);
    {
        int64_t i = start(db, "spin", "c1", NULL);
        CHECK_CONTAINS(incident(db, i, NULL), "instruction limit");
        CHECK_CONTAINS(incident(db, i, NULL), "exceeded");
        check_clean(db);
    }
    CHECK_EQ_INT(deploy_script(db, "spin_pcall", "while true do pcall(function() while true do end end) end"), SDM_OK);
    {
        int64_t i = start(db, "spin_pcall", "c1", NULL);
        CHECK_CONTAINS(incident(db, i, NULL), "instruction limit");
    }
    CHECK_EQ_INT(deploy_script(db, "spin_xpcall",
        "for k = 1, 100 do xpcall(function() while true do end end, function() while true do end end) end\n"
        "escaped = true"), SDM_OK);
    CHECK_EQ_INT(deploy_script(db, "spin_handler",
        "xpcall(function() while true do end end, function() while true do end end)"), SDM_OK);
    {   /* These may hang the engine: run them in a child with a deadline. */
        CHECK_EQ_INT(bounded(db, "spin_xpcall", 3), 0);
        CHECK_EQ_INT(bounded(db, "spin_handler", 3), 0);
    }
    /* The budget is per call: two scripts below it each both run. */
    CHECK_EQ_INT(deploy_script(db, "budget", "local n = 0 for k = 1, 100000 do n = n + k end total = n"), SDM_OK);
    {
        int64_t a = start(db, "budget", "c1", NULL), b = start(db, "budget", "c2", NULL);
        CHECK_EQ_STR(var(db, a, "total"), "5000050000");
        CHECK_EQ_STR(var(db, b, "total"), "5000050000");
    }
    /* A condition that never ends is an incident at the gateway. */
    CHECK_EQ_INT(deploy(db, "spin_cond",
        "<bpmn:startEvent id=\"s\"/><bpmn:exclusiveGateway id=\"g\" default=\"fd\"/><bpmn:endEvent id=\"e\"/>"
        "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"g\"/>"
        "<bpmn:sequenceFlow id=\"fc\" sourceRef=\"g\" targetRef=\"e\"><bpmn:conditionExpression>"
        "(function() while true do end end)()</bpmn:conditionExpression></bpmn:sequenceFlow>"
        "<bpmn:sequenceFlow id=\"fd\" sourceRef=\"g\" targetRef=\"e\"/>", NULL), SDM_OK);
    {
        int64_t i = start(db, "spin_cond", "c1", NULL);
        CHECK_CONTAINS(incident(db, i, NULL), "instruction limit");
        check_clean(db);
    }

    T_CASE("3.6 memory limit: a runaway string or table is an incident, not a crash");
    CHECK_EQ_INT(deploy_script(db, "hog_string", "local s = 'x' for k = 1, 40 do s = s .. s end"), SDM_OK);
    CHECK_EQ_INT(deploy_script(db, "hog_table", "big = {} for k = 1, 1e9 do big[k] = k end"), SDM_OK);
    CHECK_EQ_INT(deploy_script(db, "hog_rep", "x = string.rep('y', 1 << 40)"), SDM_OK);
    {
        int64_t i = start(db, "hog_string", "c1", NULL);
        CHECK_CONTAINS(incident(db, i, NULL), "memory");
        i = start(db, "hog_table", "c1", NULL);
        const char *m = incident(db, i, NULL);
        CHECK(m && (strstr(m, "memory") || strstr(m, "instruction")));
        CHECK(var(db, i, "big") == NULL);
        i = start(db, "hog_rep", "c1", NULL);
        CHECK(incident(db, i, NULL) != NULL);
        /* The handle still works afterwards. */
        i = start(db, "budget", "c3", NULL);
        CHECK_EQ_STR(var(db, i, "total"), "5000050000");
        check_clean(db);
    }

    T_CASE("3.7 syntax errors are reported at deploy time with line and element");
    {
        sdm_table *t = NULL;
        int rc = deploy(db, "bad_syntax",
            "<bpmn:startEvent id=\"s\"/>\n"
            "<bpmn:scriptTask id=\"calc\"><bpmn:script>\nx = 1\ny = = 2\n</bpmn:script></bpmn:scriptTask>\n"
            "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"calc\"/>"
            "\n<bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"calc\" targetRef=\"end\"/>", &t);
        CHECK_EQ_INT(rc, SDM_ERR_MODEL);
        CHECK_EQ_STR(err.element, "calc");
        CHECK_EQ_INT(err.line, 4);
        CHECK_CONTAINS(err.msg, "sales.bpmn:calc:2:");
        CHECK_CONTAINS(err.msg, "near '='");
        int rows = 0;
        for (int r = 0; t && r < t->nrow; r++)
            if (strcmp(t->cells[r * t->ncol], "error") == 0) {
                rows++;
                CHECK_EQ_STR(t->cells[r * t->ncol + 5], "calc");
                CHECK_EQ_STR(t->cells[r * t->ncol + 4], "4");
            }
        CHECK_EQ_INT(rows, 1);
        sdm_table_free(t);
        rc = deploy(db, "bad_cond",
            "<bpmn:startEvent id=\"s\"/><bpmn:endEvent id=\"e\"/>\n"
            "<bpmn:sequenceFlow id=\"fx\" sourceRef=\"s\" targetRef=\"e\"><bpmn:conditionExpression>amount &gt;</bpmn:conditionExpression></bpmn:sequenceFlow>", NULL);
        CHECK_EQ_INT(rc, SDM_ERR_MODEL);
        CHECK_EQ_STR(err.element, "fx");
        CHECK_EQ_INT(err.line, 4);
        CHECK_CONTAINS(err.msg, "sales.bpmn:fx");
        sdm_filter pf = {.process = "bad_syntax"};
        CHECK_EQ_INT(nrows(db, SDM_Q_PROCESSES, 0) >= 0, 1);
        sdm_table *pt = NULL;
        CHECK_EQ_INT(sdm_query(db, SDM_Q_PROCESSES, &pf, &pt, &err), SDM_OK);
        CHECK_EQ_INT(pt ? pt->nrow : -1, 0);                  /* nothing deployed */
        sdm_table_free(pt);
    }

    T_CASE("3.8 runtime errors: incident text has chunk name and script line");
    CHECK_EQ_INT(deploy_script(db, "boom", "local a = nil\nlocal b = 1\nx = a.field"), SDM_OK);
    {
        int64_t i = start(db, "boom", "c1", NULL);
        const char *m = incident(db, i, NULL);
        CHECK_CONTAINS(m, "sales.bpmn:sc:3:");
        CHECK_CONTAINS(m, "attempt to index");
    }
    CHECK_EQ_INT(deploy_script(db, "raise", "error('customer has no e-mail')"), SDM_OK);
    {
        int64_t i = start(db, "raise", "c1", NULL);
        CHECK_CONTAINS(incident(db, i, NULL), "sales.bpmn:sc:1: customer has no e-mail");
    }
    CHECK_EQ_INT(deploy_script(db, "raise_table", "error({code = 7})"), SDM_OK);
    {
        int64_t i = start(db, "raise_table", "c1", NULL);
        const char *m = incident(db, i, NULL);
        CHECK(m != NULL && m[0] != 0);
    }

    T_CASE("3.9 values that JSON cannot hold are an incident, never silently dropped");
    CHECK_EQ_INT(deploy_script(db, "fn_var", "fn = function() end"), SDM_OK);
    {
        int64_t i = start(db, "fn_var", "c1", NULL);
        CHECK_CONTAINS(incident(db, i, NULL), "'fn'");
    }
    CHECK_EQ_INT(deploy_script(db, "cycle", "t = {} t.self = t"), SDM_OK);
    {
        int64_t i = start(db, "cycle", "c1", NULL);
        CHECK_CONTAINS(incident(db, i, NULL), "'t'");
    }
    CHECK_EQ_INT(deploy_script(db, "badutf", "s = '\\255\\254'"), SDM_OK);
    {
        int64_t i = start(db, "badutf", "c1", NULL);
        CHECK_CONTAINS(incident(db, i, NULL), "UTF-8");
    }
    CHECK_EQ_INT(deploy_script(db, "nonfinite", "inf = math.huge\nnan = 0/0"), SDM_OK);
    {
        int64_t i = start(db, "nonfinite", "c1", "{\"inf\": 1}");
        const char *m = incident(db, i, NULL);
        CHECK(m != NULL);                                 /* not silently dropped */
        CHECK_EQ_STR(var(db, i, "inf"), "1");             /* and not deleted */
    }
    check_clean(db);

    T_CASE("3.10 string methods cannot be poisoned across scripts");
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(scr_run(s, "local mt = getmetatable('')\n"
                             "if type(mt) == 'table' then mt.__index.upper = function() return 'pwned' end end", "t.bpmn:a", &err), SDM_OK);
    CHECK_EQ_STR(ev(s, "type(getmetatable(''))"), "boolean");
    CHECK(scr_run(s, "getmetatable('').__index.upper = function() return 'pwned' end", "t.bpmn:b", &err) == SDM_ERR_SCRIPT);
    CHECK_EQ_STR(ev(s, "('abc'):upper()"), "ABC");
    /* The library tables are shared by every script of the handle: changing
    ** them must not reach the next script (another client's instance). */
    scr_run(s, "string.upper = function() return 'pwned' end", "t.bpmn:c", &err);
    CHECK_EQ_STR(ev(s, "string.upper('abc')"), "ABC");
    CHECK_EQ_STR(ev(s, "('abc'):upper()"), "ABC");
    scr_run(s, "math.floor = function() return 666 end", "t.bpmn:d", &err);
    CHECK_EQ_STR(ev(s, "tostring(math.floor(1.5))"), "1");
    scr_run(s, "table.concat = nil", "t.bpmn:e", &err);
    CHECK_EQ_STR(ev(s, "type(table.concat)"), "function");
    /* Through the API: one client's script must not change another's. */
    CHECK_EQ_INT(deploy_script(db, "poison", "string.lower = function() return 'pwned' end"), SDM_OK);
    CHECK_EQ_INT(deploy_script(db, "victim", "r = string.lower('ABC')"), SDM_OK);
    {
        start(db, "poison", "evil", NULL);
        int64_t v = start(db, "victim", "good", NULL);
        CHECK_EQ_STR(var(db, v, "r"), "\"abc\"");
    }

    T_CASE("3.11 a failed script leaves no variables behind");
    CHECK_EQ_INT(deploy(db, "leak",
        "<bpmn:startEvent id=\"s\"/><bpmn:parallelGateway id=\"fork\"/>\n"
        "<bpmn:scriptTask id=\"bad\"><bpmn:script>leaked = 1 error('boom')</bpmn:script></bpmn:scriptTask>\n"
        "<bpmn:scriptTask id=\"good\"><bpmn:script>fine = 1</bpmn:script></bpmn:scriptTask>\n"
        "<bpmn:userTask id=\"w1\"/><bpmn:userTask id=\"w2\"/>\n"
        "<bpmn:sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"fork\"/>\n"
        "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"fork\" targetRef=\"bad\"/>\n"
        "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"fork\" targetRef=\"good\"/>\n"
        "<bpmn:sequenceFlow id=\"f3\" sourceRef=\"bad\" targetRef=\"w1\"/>\n"
        "<bpmn:sequenceFlow id=\"f4\" sourceRef=\"good\" targetRef=\"w2\"/>"
        "\n<bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"w2\" targetRef=\"end\"/>", NULL), SDM_OK);
    {
        int64_t i = start(db, "leak", "c1", NULL);
        CHECK_CONTAINS(incident(db, i, NULL), "boom");
        CHECK_EQ_STR(var(db, i, "fine"), "1");
        CHECK(var(db, i, "leaked") == NULL);
        check_clean(db);
    }

    T_CASE("3.12 service task handler from the scripts directory");
    {
        char dir[] = "/tmp/sdm_scr_XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        char path[256];
        snprintf(path, sizeof path, "%s/crm.lua", dir);
        FILE *f = fopen(path, "w");
        fputs("local M = {}\nfunction M.sign(v)\n  signed_by = 'crm'\n  total = v.amount * 2\nend\n"
              "function M.fail(v)\n  local x = nil\n  return x.y\nend\nreturn M\n", f);
        fclose(f);
        sdm *d2 = NULL;
        sdm_config c2 = cfg;
        c2.scripts_dir = dir;
        CHECK_EQ_INT(sdm_open(&d2, ":memory:", &c2, &err), SDM_OK);
        CHECK_EQ_INT(deploy(d2, "svc",
            "<bpmn:startEvent id=\"s\"/><bpmn:serviceTask id=\"sv\" sdm:handler=\"crm.sign\"/><bpmn:userTask id=\"w\"/>"
            "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"sv\"/><bpmn:sequenceFlow id=\"f2\" sourceRef=\"sv\" targetRef=\"w\"/>"
            "\n<bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"w\" targetRef=\"end\"/>", NULL), SDM_OK);
        CHECK_EQ_INT(deploy(d2, "svc_fail",
            "<bpmn:startEvent id=\"s\"/><bpmn:serviceTask id=\"sv\" sdm:handler=\"crm.fail\"/>"
            "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"sv\"/>"
            "\n<bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"sv\" targetRef=\"end\"/>", NULL), SDM_OK);
        CHECK_EQ_INT(deploy(d2, "svc_missing",
            "<bpmn:startEvent id=\"s\"/><bpmn:serviceTask id=\"sv\" sdm:handler=\"nomodule.fn\"/>"
            "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"sv\"/>"
            "\n<bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"sv\" targetRef=\"end\"/>", NULL), SDM_OK);
        CHECK_EQ_INT(deploy(d2, "svc_escape",
            "<bpmn:startEvent id=\"s\"/><bpmn:serviceTask id=\"sv\" sdm:handler=\"../../etc/passwd.x\"/>"
            "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"sv\"/>"
            "\n<bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"fe\" sourceRef=\"sv\" targetRef=\"end\"/>", NULL), SDM_OK);
        int64_t i = start(d2, "svc", "c1", "{\"amount\": 21}");
        CHECK_EQ_STR(var(d2, i, "signed_by"), "\"crm\"");
        CHECK_EQ_STR(var(d2, i, "total"), "42");
        i = start(d2, "svc_fail", "c1", NULL);
        CHECK_CONTAINS(incident(d2, i, NULL), "crm.lua:8:");
        i = start(d2, "svc_missing", "c1", NULL);
        CHECK_CONTAINS(incident(d2, i, NULL), "nomodule");
        i = start(d2, "svc_escape", "c1", NULL);
        CHECK_CONTAINS(incident(d2, i, NULL), "not module.function");
        check_clean(d2);
        sdm_close(d2);
        remove(path);
        rmdir(dir);
    }

    T_CASE("3.13 JSON canonical form");
    {
        char *c = scr_json_canonical("{ \"b\" : 1, \"a\" : [true, null, 2.50] }", &err);
        CHECK_EQ_STR(c, "{\"a\":[true,null,2.5],\"b\":1}");
        free(c);
        c = scr_json_canonical("{nope", &err);
        CHECK(c == NULL);
        CHECK_EQ_INT(err.code, SDM_ERR_MISUSE);
    }

    T_CASE("3.14 error values are read raw: no metamethod runs, no abort, a useful message");
    {
        double secs;
        CHECK_CONTAINS(run_err(s, "error(setmetatable({}, {__index = function() error('inner') end}))", NULL),
                       "error object is a table");
        CHECK_CONTAINS(run_err(s, "error(setmetatable({}, {__index = function() while true do end end,"
                                  " __tostring = function() while true do end end}))", &secs), "error object is a table");
        CHECK(secs < 1.0);
        CHECK_CONTAINS(run_err(s, "error(setmetatable({}, {__tostring = function() error('x') end}))", NULL),
                       "error object is a table");
        CHECK_EQ_STR(run_err(s, "error({})", NULL), "error object is a table");
        CHECK_EQ_STR(run_err(s, "error({message = 'quota reached'})", NULL), "error object is a table (message: quota reached)");
        CHECK_EQ_STR(run_err(s, "error()", NULL), "error object is a nil value");
        CHECK_EQ_STR(run_err(s, "error(true)", NULL), "error object is a boolean value");
        CHECK_EQ_STR(run_err(s, "error(42)", NULL), "42");
        CHECK_EQ_STR(run_err(s, "error(setmetatable({bpmn_error = 'E1'}, {__index = function() error('x') end}))", NULL),
                     "BPMN error 'E1'");
        CHECK_EQ_STR(scr_bpmn_error(s), "E1");
        CHECK_EQ_STR(ev(s, "'still alive'"), "still alive");
    }

    T_CASE("3.15 time: every call has a wall-clock deadline, C library calls included");
    {
        scr *q = scr_open("tests", 2000000000L, (size_t)32 << 20, 300);
        double secs;
        /* Backtracking pattern: Lua's own matcher never returns on this. */
        CHECK_CONTAINS(run_err(q, "r = string.find(('a'):rep(300), 'a-a-a-a-a-a-a-a-a-a-b')", &secs), "exceeded");
        CHECK(secs < 2.0);
        CHECK(secs < 2.0);
        CHECK_CONTAINS(run_err(q, "r = ('a'):rep(300):match('.-.-.-.-.-.-.-.-b')", &secs), "exceeded");
        CHECK(secs < 2.0);
        CHECK_CONTAINS(run_err(q, "for w in ('a'):rep(300):gmatch('a*a*a*a*a*a*a*b') do end", &secs), "exceeded");
        CHECK(secs < 2.0);
        CHECK_CONTAINS(run_err(q, "r = ('a'):rep(300):gsub('a-a-a-a-a-a-a-a-c', '')", &secs), "exceeded");
        CHECK(secs < 2.0);
        /* Many bounded matches still meet the deadline, and pcall cannot swallow it. */
        CHECK_CONTAINS(run_err(q, "while true do pcall(string.find, ('a'):rep(200), 'a-a-a-a-b') end", &secs), "time limit of 300 ms");
        CHECK(secs < 2.0);
        /* Big strings in a loop: the allocator checks the deadline. */
        CHECK_CONTAINS(run_err(q, "while true do local x = string.rep('x', 4 * 2^20) end", &secs), "time limit of 300 ms");
        CHECK(secs < 2.0);
        /* The memory limit, on a sandbox whose deadline a loaded machine
        ** (sanitizers, other builds) cannot reach first. */
        scr *m = scr_open("tests", 2000000000L, (size_t)32 << 20, 60000);
        CHECK_CONTAINS(run_err(m, "local x = string.rep('x', 16 * 2^20)", NULL), "memory limit: one string or table over");
        CHECK_CONTAINS(run_err(s, "local t = {} for i = 1, 1e7 do t[i] = i end", NULL), "memory limit");
        CHECK_CONTAINS(run_err(m, "local b = ('x'):rep(5 * 2^20) local c = string.format('%s%s', b, b)", NULL), "memory limit: one string");
        CHECK_CONTAINS(run_err(m, "local b = ('x'):rep(3 * 2^20) local c = table.concat({b, b, b, b})", NULL), "memory limit: one string");
        scr_close(m);
        /* Plain instruction loops, inside pcall, in a to-be-closed handler. */
        CHECK_CONTAINS(run_err(q, "while true do end", &secs), "time limit of 300 ms");
        CHECK(secs < 2.0);
        CHECK_CONTAINS(run_err(q, "while true do pcall(function() while true do end end) end", &secs), "time limit");
        CHECK_CONTAINS(run_err(q, "do local x <close> = setmetatable({}, {__close = function() while true do end end}) error('e') end", &secs),
                       "time limit");
        CHECK(secs < 2.0);
        /* Finalizers would run with hooks off at the collector's moment: refused. */
        CHECK_CONTAINS(run_err(q, "setmetatable({}, {__gc = function() while true do end end})", NULL), "__gc finalizers are not allowed");
        CHECK_CONTAINS(run_err(q, "local mt = {__gc = true} setmetatable({}, mt)", NULL), "__gc");
        CHECK_EQ_STR(run_err(q, "local t = setmetatable({}, {__index = function() return 1 end}) r = t.x", NULL), "");
        /* The state is fine afterwards, and the matcher still means what Lua means. */
        CHECK_EQ_STR(ev(q, "table.concat({string.find('hello world', 'o w')}, ',')"), "5,7");
        CHECK_EQ_STR(ev(q, "table.concat({('key=val'):match('(%w+)=(%w+)')}, ',')"), "key,val");
        CHECK_EQ_STR(ev(q, "table.concat({('hello world'):gsub('o', '0')}, ',')"), "hell0 w0rld,2");
        CHECK_EQ_STR(ev(q, "(('abc'):gsub('%w', '%0%0'))"), "aabbcc");
        CHECK_EQ_STR(ev(q, "(('hello world'):gsub('(%w+)', '<%1>'))"), "<hello> <world>");
        CHECK_EQ_STR(ev(q, "(('hello world'):gsub('%w+', string.upper, 1))"), "HELLO world");
        CHECK_EQ_STR(ev(q, "(('$a and $b'):gsub('%$(%w+)', {a = 'x', b = false}))"), "x and $b");
        CHECK_EQ_STR(ev(q, "table.concat({('abc'):gsub('', '-')}, ',')"), "-a-b-c-,4");
        CHECK_EQ_STR(ev(q, "local r = {} for k, v in ('a=1, b=2'):gmatch('(%w+)=(%w+)') do r[#r+1] = k .. v end return table.concat(r, ';')"), "a1;b2");
        CHECK_EQ_STR(ev(q, "local r = {} for w in ('one two  three'):gmatch('%a*') do r[#r+1] = '[' .. w .. ']' end return table.concat(r)"),
                     "[one][two][][three]");   /* Lua 5.4: no empty match right after a match */
        CHECK_EQ_STR(ev(q, "table.concat({string.find('abc', '()b()')}, ',')"), "2,2,2,3");
        CHECK_EQ_STR(ev(q, "('x(a(b)c)y'):match('%b()')"), "(a(b)c)");
        CHECK_EQ_STR(ev(q, "(('THE (quick) fox'):gsub('%f[%a]%a+', 'W'))"), "W (W) W");
        CHECK_EQ_STR(ev(q, "('  trim me  '):match('^%s*(.-)%s*$')"), "trim me");
        CHECK_EQ_STR(ev(q, "tostring(string.find('a.b', '.', 1, true))"), "2");
        CHECK_EQ_STR(ev(q, "table.concat({('say \"hi\" ok'):match('([\"\\'])(.-)%1')}, ',')"), "\",hi");
        CHECK_EQ_STR(ev(q, "tostring(('hello'):find('l', -2))"), "4");
        CHECK_EQ_STR(ev(q, "tostring(('hello'):find('^l'))"), "nil");
        CHECK_EQ_STR(ev(q, "('[x]'):match('^%[(.)%]$')"), "x");
        CHECK_EQ_STR(ev(q, "('2026-01-31'):match('^(%d%d%d%d)%-(%d%d)%-(%d%d)$')"), "2026");
        CHECK_EQ_STR(ev(q, "tostring(('abc'):match('[^%a]'))"), "nil");
        CHECK_EQ_STR(ev(q, "('a1-b2'):gsub('[%d%-]', '')"), "ab");
        CHECK_CONTAINS(ev(q, "('x'):find('[a')"), "malformed pattern");
        CHECK_CONTAINS(ev(q, "('x'):gsub('x', '%2')"), "invalid capture index");
        scr_close(q);
    }

    T_CASE("3.16 a fresh view per instance: vars, its metatable and module state do not carry over");
    {
        CHECK_EQ_INT(scr_vars_load(s, "{\"x\": 1}", &err), SDM_OK);
        CHECK_EQ_STR(run_err(s, "setmetatable(vars, {__index = function() return true end, __newindex = function() end})\n"
                                "poison = 'yes'", NULL), "");
        CHECK_EQ_INT(scr_vars_load(s, "{\"y\": 2}", &err), SDM_OK);
        CHECK_EQ_STR(ev(s, "type(getmetatable(vars))"), "nil");
        CHECK_CONTAINS(ev(s, "tostring(poison)"), "undefined variable 'poison'");
        CHECK_CONTAINS(ev(s, "tostring(x)"), "undefined variable 'x'");
        CHECK_EQ_STR(run_err(s, "z = 3", NULL), "");
        CHECK_EQ_STR(ev(s, "tostring(vars.z)"), "3");
        /* Libraries and the string metatable stay read-only. */
        CHECK_CONTAINS(run_err(s, "string.x = 1", NULL), "read-only");
        CHECK_CONTAINS(run_err(s, "getmetatable('').__index.upper = nil", NULL), "");
        CHECK_EQ_STR(ev(s, "type(getmetatable(''))"), "boolean");
        CHECK_CONTAINS(run_err(s, "setmetatable(string, {})", NULL), "protected metatable");
    }
    /* Through the engine: one handle, two models, two clients. */
    CHECK_EQ_INT(deploy_gateway(db, "evil",
        "setmetatable(vars, {__index = function() return true end, __newindex = function() end})\n"
        "approved = true; string_mt = getmetatable('')", "approved"), SDM_OK);
    CHECK_EQ_INT(deploy_gateway(db, "honest", "seen = var('approved', 'unset')", "var('approved') == true"), SDM_OK);
    {
        int64_t e = start(db, "evil", "mallory", NULL);
        CHECK_EQ_STR(open_task(db, e), "yes");         /* globals are written raw: not even its own writes are swallowed */
        int64_t h = start(db, "honest", "alice", NULL);
        CHECK(incident(db, h, NULL) == NULL);
        CHECK_EQ_STR(open_task(db, h), "no");
        CHECK_EQ_STR(var(db, h, "seen"), "\"unset\"");
        check_clean(db);
    }

    T_CASE("3.17 undefined names are errors; defined() and var() test optional variables");
    CHECK_EQ_INT(scr_vars_load(s, "{\"approved\": true, \"note\": null}", &err), SDM_OK);
    CHECK_EQ_INT(truthy(s, "approved == true"), 1);
    CHECK_EQ_INT(truthy(s, "note == nil"), 1);                    /* declared, null: nil */
    CHECK_CONTAINS(ev(s, "tostring(approved == True)"), "undefined variable 'True'");
    CHECK_EQ_INT(truthy(s, "defined('approved') and not defined('note') and not defined('True')"), 1);
    CHECK_EQ_INT(truthy(s, "x = nil; return x == nil"), 1);      /* assigned nil: declared */
    CHECK_CONTAINS(ev(s, "tostring(string.nosuch)"), "nil");      /* fields of tables are not globals */
    /* Python's True is told apart at deploy (dialect.c); another unknown name fails when it runs */
    CHECK_EQ_INT(deploy_gateway(db, "python", "checked = true", "approved == True"), SDM_ERR_MODEL);
    CHECK_CONTAINS(err.msg, "looks like Python");
    CHECK_EQ_INT(deploy_gateway(db, "python", "checked = true", "approved == Approved"), SDM_OK);
    {
        int64_t i = start(db, "python", "c1", "{\"approved\": true}");
        CHECK_CONTAINS(incident(db, i, NULL), "undefined variable 'Approved'");
        CHECK_EQ_STR(open_task(db, i), "");                       /* no default flow taken */
    }

    T_CASE("3.18 hostile conditions through the engine: an incident, and the process goes on");
    {
        sdm *d3 = NULL;
        sdm_config c3 = cfg;
        c3.lua_instructions = 2000000000L;
        c3.script_timeout_ms = 300;
        CHECK_EQ_INT(sdm_open(&d3, ":memory:", &c3, &err), SDM_OK);
        CHECK_EQ_INT(deploy_gateway(d3, "abort", "x = 1",
            "error(setmetatable({}, {__index = function() error('deep') end}))"), SDM_OK);
        CHECK_EQ_INT(deploy_gateway(d3, "regex", "s = ('a'):rep(300)", "s:find('a-a-a-a-a-a-a-a-a-a-a-b')"), SDM_OK);
        CHECK_EQ_INT(deploy_gateway(d3, "spin", "x = 1", "(function() while true do end end)()"), SDM_OK);
        CHECK_EQ_INT(deploy_gateway(d3, "fine", "x = 1", "x == 1"), SDM_OK);
        double t0 = now_s();
        int64_t i = start(d3, "abort", "c1", NULL);
        CHECK_CONTAINS(incident(d3, i, NULL), "error object is a table");
        i = start(d3, "regex", "c1", NULL);
        CHECK_CONTAINS(incident(d3, i, NULL), "exceeded");
        i = start(d3, "spin", "c1", NULL);
        CHECK_CONTAINS(incident(d3, i, NULL), "time limit of 300 ms");
        CHECK(now_s() - t0 < 5.0);
        i = start(d3, "fine", "c1", NULL);
        CHECK_EQ_STR(open_task(d3, i), "yes");
        check_clean(d3);
        sdm_close(d3);
    }

    T_CASE("3.19 JSON arrays stay arrays through Lua: empty ones, nulls inside, array(); an array given a key is an error");
    {
        CHECK_EQ_INT(deploy_script(db, "arrays",
            "copy = empty\n"
            "n3 = holes[3]; h2 = holes[2] == nil\n"
            "nested.a[2] = 'x'\n"
            "grown = array(); grown[2] = 'b'\n"
            "made = array{1, nil, 3}\n"
            "fresh = {}\n"
            "mt = getmetatable(holes)\n"
            "locked = not pcall(setmetatable, holes, {})\n"
            "cut = {1, 2, 3}; cut = array(cut); cut[3] = nil\n"), SDM_OK);
        int64_t i = start(db, "arrays", "c1",
                          "{\"empty\": [], \"holes\": [1, null, 3], \"obj\": {}, \"nested\": {\"a\": [null]}}");
        CHECK(incident(db, i, NULL) == NULL);
        CHECK_EQ_STR(var(db, i, "empty"), "[]");
        CHECK_EQ_STR(var(db, i, "copy"), "[]");
        CHECK_EQ_STR(var(db, i, "holes"), "[1,null,3]");
        CHECK_EQ_STR(var(db, i, "n3"), "3");
        CHECK_EQ_STR(var(db, i, "h2"), "true");
        CHECK_EQ_STR(var(db, i, "obj"), "{}");
        CHECK_EQ_STR(var(db, i, "nested"), "{\"a\":[null,\"x\"]}");
        CHECK_EQ_STR(var(db, i, "grown"), "[null,\"b\"]");
        CHECK_EQ_STR(var(db, i, "made"), "[1,null,3]");
        CHECK_EQ_STR(var(db, i, "fresh"), "{}");           /* a table made in Lua keeps the old rule */
        CHECK_EQ_STR(var(db, i, "mt"), "\"array\"");
        CHECK_EQ_STR(var(db, i, "locked"), "true");
        CHECK_EQ_STR(var(db, i, "cut"), "[1,2]");          /* a trailing nil is the end */
        /* Unchanged arrays are not written again: the start's two rows, none from the script. */
        sdm_filter f = {.id = i};
        sdm_table *h = NULL;
        int writes = 0;
        CHECK_EQ_INT(sdm_query(db, SDM_Q_HISTORY, &f, &h, &err), SDM_OK);
        for (int r = 0; h && r < h->nrow; r++)
            if (strcmp(h->cells[r * h->ncol + 2], "variable") == 0 && h->cells[r * h->ncol + 6] &&
                (strstr(h->cells[r * h->ncol + 6], "\"empty\"") || strstr(h->cells[r * h->ncol + 6], "\"holes\"")))
                writes++;
        sdm_table_free(h);
        CHECK_EQ_INT(writes, 2);
        CHECK_EQ_INT(deploy_script(db, "arrays_keyed", "holes.name = 'x'"), SDM_OK);
        i = start(db, "arrays_keyed", "c1", "{\"holes\": [1, null, 3]}");
        CHECK_CONTAINS(incident(db, i, NULL), "an array with the key 'name'");
        CHECK_EQ_STR(var(db, i, "holes"), "[1,null,3]");
        CHECK_EQ_INT(deploy_script(db, "arrays_sparse", "list[100000] = 1"), SDM_OK);
        i = start(db, "arrays_sparse", "c1", "{\"list\": [1]}");
        CHECK_CONTAINS(incident(db, i, NULL), "too sparse");
        /* Through the sandbox alone: loading arrays and reading them back reports no change. */
        CHECK_EQ_INT(scr_vars_load(s, "{\"a\": [], \"b\": [1, null, 3], \"c\": [[]]}", &err), SDM_OK);
        char *out = NULL;
        CHECK_EQ_INT(scr_eval_json(s, "return {a, b, c}", "t", &out, &err), SDM_OK);
        CHECK_EQ_STR(out, "[[],[1,null,3],[[]]]");
        free(out);
        check_clean(db);
    }

    scr_close(s);
    sdm_close(db);
    return t_done();
}
