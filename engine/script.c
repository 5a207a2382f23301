/*
** script.c — the Lua 5.4 sandbox. The only file that includes lua.h.
**
** Models come from outside, so every script runs in an environment that has
** no os, io, package, require, debug, dofile or bytecode loading; each call
** has an instruction budget, a wall-clock deadline (checked by the count
** hook and by the allocator, so C library calls that allocate are bounded
** too) and the state a memory ceiling with a cap on any one value. Pattern
** matching runs our own step-counted matcher (script_pat.c). A script's
** failure is returned as SDM_ERR_SCRIPT with Lua's message (chunk name and
** line included); it never escapes as a longjmp into the engine: error
** values are read raw (no metamethod of the script runs), and a Lua panic
** returns to run_protected, which rebuilds the state.
**
** Globals a script sees, in lookup order: instance variables, the context
** (client, instance, node, vars), then the safe standard library; any
** other name is an error ("undefined variable 'x'"). Assigning a global
** sets an instance variable. Each scr_vars_load starts a fresh view (new
** variables table, handler modules instantiated anew); library tables are
** read-only views and __gc finalizers cannot be set, so nothing one
** instance's script does reaches another's.
*/
#include <string.h>
#include <ctype.h>
#include <setjmp.h>
#include <time.h>
#include <jansson.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "script.h"
#include "err.h"

struct scr {
    lua_State *L;
    char *dir;               /* scripts directory for handler modules */
    long budget;             /* instructions per call */
    long used;               /* instructions used by the running call */
    size_t mem, mem_limit;
    size_t max_value;        /* largest single allocation: one string or table part */
    long timeout_ms;         /* wall clock per call */
    double deadline;         /* monotonic ms the running call must end by; 0 outside calls */
    char limit[160];         /* why the running call was stopped for good, "" if not */
    jmp_buf *panic;          /* where a Lua panic returns to (run_protected) */
    char bpmn_code[128];     /* the code of a bpmn_error() that ended the last call, "" if none */
};

#define HOOK_STEP 1000
#define LARGE_ALLOC 65536    /* allocations this big also check the deadline */
#define MAX_DEPTH 64         /* nesting of variable values */

/* Registry keys. */
#define K_VARS "sdm.vars"
#define K_ORIG "sdm.orig"    /* name -> canonical JSON as last loaded/reported */
#define K_CTX  "sdm.ctx"
#define K_ENV  "sdm.env"
#define K_CODE "sdm.code"    /* source text -> compiled function */
#define K_MODS "sdm.mods"    /* module name -> module table, this view only */
#define K_MODF "sdm.modf"    /* module name -> compiled module chunk */
#define K_RESET "sdm.reset"  /* function(vars, decl): start a fresh view */
#define K_DECL "sdm.decl"    /* names that read as nil rather than undefined */
#define K_FX   "sdm.fx"      /* effects raised by rules: deviation{}, notify{} */
#define K_NOW  "sdm.now"
#define K_ARRAY "sdm.array"  /* the metatable marking a table as a JSON array */

/* ---------- allocation and instruction limits ---------- */

static void count_hook(lua_State *L, lua_Debug *ar);

static double mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Stop the running call for good: from now on every instruction fails, so
** neither pcall nor a __close handler can go on. lua_sethook is safe to
** call from anywhere (it is meant for signal handlers). */
static void stop(scr *s, const char *why) {
    if (!s->limit[0]) snprintf(s->limit, sizeof s->limit, "%s", why);
    if (s->L) lua_sethook(s->L, count_hook, LUA_MASKCOUNT, 1);
}

static void stop_late(scr *s) {
    char why[80];
    snprintf(why, sizeof why, "time limit of %ld ms exceeded", s->timeout_ms);
    stop(s, why);
}

/* Outside calls (deadline 0) only the memory ceiling applies. A refusal
** makes Lua collect garbage and ask once more, so only the ceiling, which
** a collection can cure, is not final. */
static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    scr *s = ud;
    if (!ptr) osize = 0;
    if (nsize == 0) { s->mem -= osize; free(ptr); return NULL; }
    if (nsize > osize) {
        if (s->mem + (nsize - osize) > s->mem_limit) return NULL;
        if (s->deadline && nsize > s->max_value) {
            char why[100];
            snprintf(why, sizeof why, "memory limit: one string or table over %zu bytes", s->max_value);
            stop(s, why);
            return NULL;
        }
        if (s->deadline && nsize >= LARGE_ALLOC && mono_ms() > s->deadline) { stop_late(s); return NULL; }
    }
    void *p = realloc(ptr, nsize);
    if (p) s->mem = s->mem - osize + nsize;
    return p;
}

int scr_pat_expired(lua_State *L) {
    scr *s = *(scr **)lua_getextraspace(L);
    if (!s->deadline || mono_ms() <= s->deadline) return 0;
    stop_late(s);
    return 1;
}

static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    scr *s = *(scr **)lua_getextraspace(L);
    if (!s->limit[0]) {
        s->used += HOOK_STEP;
        if (s->used > s->budget) {
            char why[80];
            snprintf(why, sizeof why, "instruction limit of %ld exceeded", s->budget);
            stop(s, why);
        } else if (mono_ms() > s->deadline) stop_late(s);
        else return;
    }
    luaL_error(L, "%s", s->limit);
}

/* ---------- JSON <-> Lua ----------
**
** Lua has one table for JSON's arrays and objects, and nil for null, so a
** JSON array is pushed as a table marked with the K_ARRAY metatable
** (locked: getmetatable gives "array", setmetatable fails) and a marked
** table is written back as an array whatever it holds: empty stays [],
** an element set to nil is null. Unmarked tables keep the old rule: keys
** exactly 1..n (n > 0) are an array, anything else an object. */

static void mark_array(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, K_ARRAY);
    lua_setmetatable(L, -2);
}

static int is_marked(lua_State *L, int idx) {
    if (!lua_getmetatable(L, idx)) return 0;
    lua_getfield(L, LUA_REGISTRYINDEX, K_ARRAY);
    int marked = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return marked;
}

static int push_json(lua_State *L, json_t *j, int depth) {
    if (depth > MAX_DEPTH) return luaL_error(L, "value nested deeper than %d levels", MAX_DEPTH);
    luaL_checkstack(L, 4, "nested value");
    switch (json_typeof(j)) {
    case JSON_NULL: lua_pushnil(L); break;
    case JSON_TRUE: lua_pushboolean(L, 1); break;
    case JSON_FALSE: lua_pushboolean(L, 0); break;
    case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(j)); break;
    case JSON_REAL: lua_pushnumber(L, json_real_value(j)); break;
    case JSON_STRING: lua_pushlstring(L, json_string_value(j), json_string_length(j)); break;
    case JSON_ARRAY: {
        size_t i; json_t *v;
        lua_createtable(L, (int)json_array_size(j), 0);
        json_array_foreach(j, i, v) { push_json(L, v, depth + 1); lua_rawseti(L, -2, (lua_Integer)i + 1); }
        mark_array(L);
        break;
    }
    case JSON_OBJECT: {
        const char *k; json_t *v;
        lua_createtable(L, 0, (int)json_object_size(j));
        json_object_foreach(j, k, v) { push_json(L, v, depth + 1); lua_setfield(L, -2, k); }
        break;
    }
    }
    return 1;
}

/* A table is a JSON array when its keys are exactly 1..n, n > 0. */
static int is_sequence(lua_State *L, int idx, lua_Integer *len) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx), count = 0;
    if (n == 0) return 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1)) { lua_pop(L, 1); return 0; }
        lua_Integer k = lua_tointeger(L, -1);
        if (k < 1 || k > n) { lua_pop(L, 1); return 0; }
        count++;
    }
    *len = n;
    return count == n;
}

/* The length of marked table idx as a JSON array: its largest index
** (trailing nils are not kept: Lua cannot tell them from the end). Every
** key is an index 1, 2, ...; holes (nil, written as null) may not
** outnumber the elements by much, so t[1e9] = 1 is an error, not a
** billion nulls. -1 with `why` set when the table is no array. */
static lua_Integer marked_len(lua_State *L, int idx, char *why, size_t n) {
    lua_Integer max = 0, count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        lua_Integer k = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
        if (k < 1) {
            if (lua_type(L, -1) == LUA_TSTRING) snprintf(why, n, "an array with the key '%.40s' (arrays hold elements 1, 2, ...; "
                                                       "make a new table {} for an object)", lua_tostring(L, -1));
            else snprintf(why, n, "an array with a key that is no index 1, 2, ...");
            lua_pop(L, 1);
            return -1;
        }
        if (k > max) max = k;
        count++;
    }
    if (max > 2 * count + 64) {
        snprintf(why, n, "an array with index %lld but %lld elements (too sparse for a JSON array)",
                 (long long)max, (long long)count);
        return -1;
    }
    return max;
}

/* Convert the Lua value at idx; on failure returns NULL and leaves a
** message in `why`. */
static json_t *to_json(lua_State *L, int idx, int depth, char *why, size_t n) {
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return json_null();
    case LUA_TBOOLEAN: return json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER: {
        if (lua_isinteger(L, idx)) return json_integer((json_int_t)lua_tointeger(L, idx));
        json_t *j = json_real(lua_tonumber(L, idx));   /* NULL for inf and NaN */
        if (!j) snprintf(why, n, "a number that is not finite (%s)", lua_tostring(L, idx));
        return j;
    }
    case LUA_TSTRING: {
        size_t len;
        const char *str = lua_tolstring(L, idx, &len);
        json_t *j = json_stringn(str, len);
        if (!j) snprintf(why, n, "a string that is not valid UTF-8");
        return j;
    }
    case LUA_TTABLE: break;
    default:
        snprintf(why, n, "a %s, which cannot be stored", luaL_typename(L, idx));
        return NULL;
    }
    if (depth > MAX_DEPTH) { snprintf(why, n, "a table nested deeper than %d levels (a cycle?)", MAX_DEPTH); return NULL; }
    luaL_checkstack(L, 4, "nested table");
    lua_Integer len;
    int marked = is_marked(L, idx);
    if (marked && (len = marked_len(L, idx, why, n)) < 0) return NULL;
    if (marked || is_sequence(L, idx, &len)) {
        json_t *a = json_array();
        for (lua_Integer i = 1; i <= len; i++) {
            lua_rawgeti(L, idx, i);
            json_t *v = to_json(L, -1, depth + 1, why, n);
            lua_pop(L, 1);
            if (!v) { json_decref(a); return NULL; }
            json_array_append_new(a, v);
        }
        return a;
    }
    json_t *o = json_object();
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        char key[64];
        const char *k;
        if (lua_type(L, -2) == LUA_TSTRING) k = lua_tostring(L, -2);
        else if (lua_isinteger(L, -2)) { snprintf(key, sizeof key, "%lld", (long long)lua_tointeger(L, -2)); k = key; }
        else { lua_pop(L, 2); json_decref(o); snprintf(why, n, "a table with a %s key", luaL_typename(L, -2)); return NULL; }
        json_t *v = to_json(L, -1, depth + 1, why, n);
        lua_pop(L, 1);
        if (!v) { lua_pop(L, 1); json_decref(o); return NULL; }
        json_object_set_new(o, k, v);
    }
    return o;
}

static char *dump(json_t *j) {
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
}

char *scr_json_canonical(const char *text, sdm_err *err) {
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) { err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "not JSON: %s (at character %d)", je.text, je.position); return NULL; }
    char *out = dump(j);
    json_decref(j);
    return out;
}

/* ---------- protected calls ---------- */

/* Everything that may allocate in Lua runs under lua_pcall, so a memory
** error becomes a status, never a longjmp past the engine. */
typedef struct pcall_args {
    scr *s;
    const char *code, *chunk, *text;
    int expr;
    json_t *json;
    scr_var_cb cb;
    scr_effect_cb fx;
    void *ctx;
    int result;
    char *out;
    sdm_err *err;
    long long id;
    int status;             /* set by the callee for non-Lua failures */
} pcall_args;

/* The text of a failed call's error value (top of the stack), read raw:
** an error object's metamethods are the script's code and must not run
** outside the limits. A table raised by bpmn_error() sets s->bpmn_code. */
static void error_text(scr *s, lua_State *L, int rc, char *buf, size_t n) {
    int t = lua_type(L, -1);
    if (s->limit[0]) snprintf(buf, n, "%s", s->limit);
    else if (rc == LUA_ERRMEM) snprintf(buf, n, "memory limit exceeded");
    else if (t == LUA_TSTRING || t == LUA_TNUMBER) snprintf(buf, n, "%s", lua_tostring(L, -1));
    else if (t == LUA_TTABLE) {
        lua_pushliteral(L, "bpmn_error");
        int code = lua_rawget(L, -2);
        lua_pushliteral(L, "message");
        int has_msg = lua_rawget(L, -3) == LUA_TSTRING;
        const char *m = has_msg ? lua_tostring(L, -1) : "";
        if (code == LUA_TSTRING) {
            snprintf(s->bpmn_code, sizeof s->bpmn_code, "%s", lua_tostring(L, -2));
            snprintf(buf, n, "BPMN error '%s'%s%s", s->bpmn_code, has_msg ? ": " : "", m);
        } else
            snprintf(buf, n, "error object is a table%s%s%s", has_msg ? " (message: " : "", m, has_msg ? ")" : "");
        lua_pop(L, 2);
    } else snprintf(buf, n, "error object is a %s value", lua_typename(L, t));
}

/* Lua calls this for an error outside any protected call; it would abort
** the process after it returns, so it never returns while a call runs. */
static int on_panic(lua_State *L) {
    scr *s = *(scr **)lua_getextraspace(L);
    if (s->panic) longjmp(*s->panic, 1);
    return 0;
}

static lua_State *sandbox_new(scr *s);

static int run_protected(scr *s, lua_CFunction fn, pcall_args *a, const char *chunk) {
    lua_State *L = s->L;
    if (!L) return err_set(a->err, SDM_ERR_NOMEM, chunk, 0, NULL, "the Lua sandbox could not be rebuilt");
    s->used = 0;
    s->limit[0] = 0;
    s->bpmn_code[0] = 0;
    s->deadline = mono_ms() + (double)s->timeout_ms;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
    jmp_buf jb, *outer = s->panic;
    char msg[1024] = "";
    volatile int rc = LUA_OK, panicked = 0;
    s->panic = &jb;
    if (setjmp(jb) == 0) {
        lua_pushcfunction(L, fn);
        lua_pushlightuserdata(L, a);
        rc = lua_pcall(L, 1, 0, 0);
        lua_sethook(L, NULL, 0, 0);
        if (rc != LUA_OK) error_text(s, L, rc, msg, sizeof msg);
    } else {                             /* a panic: the state is not to be trusted */
        snprintf(msg, sizeof msg, "Lua panic: %s", lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
        rc = LUA_ERRRUN;
        panicked = 1;
    }
    s->panic = outer;
    s->deadline = 0;
    if (rc == LUA_OK) return a->status;
    int code = rc == LUA_ERRMEM && !s->limit[0] ? SDM_ERR_NOMEM : SDM_ERR_SCRIPT;
    /* Lua prefixes "chunk:line:"; pull the line out for the error record. */
    int line = 0;
    const char *at = chunk ? strstr(msg, chunk) : NULL;
    if (at) line = atoi(at + strlen(chunk) + 1);
    err_set(a->err, code, chunk, line, NULL, "%s", msg[0] ? msg : "error without a message");
    if (panicked) {
        lua_close(L);
        s->L = sandbox_new(s);
    } else {
        lua_settop(L, 0);
        if (rc == LUA_ERRMEM) lua_gc(L, LUA_GCCOLLECT);
    }
    return code;
}

static pcall_args *args_of(lua_State *L) { return lua_touserdata(L, 1); }

/* Compile `code` and leave the function on the stack. Cached by chunk name
** and text: the same text in two places must report its own place. */
static void compile(lua_State *L, const char *code, const char *chunk, int expr) {
    lua_getfield(L, LUA_REGISTRYINDEX, K_CODE);
    lua_pushfstring(L, "%s\x01%s\x01%s", expr ? "e" : "c", chunk, code);
    if (lua_rawget(L, -2) == LUA_TFUNCTION) { lua_remove(L, -2); return; }
    lua_pop(L, 1);
    char name[200];
    snprintf(name, sizeof name, "=%s", chunk);
    int rc = LUA_ERRSYNTAX;
    if (expr) {
        const char *wrapped = lua_pushfstring(L, "return (%s\n)", code);
        rc = luaL_loadbufferx(L, wrapped, strlen(wrapped), name, "t");
        lua_remove(L, -2);
        if (rc != LUA_OK) lua_pop(L, 1);
    }
    if (rc != LUA_OK && luaL_loadbufferx(L, code, strlen(code), name, "t") != LUA_OK)
        lua_error(L);
    lua_getfield(L, LUA_REGISTRYINDEX, K_ENV);
    lua_setupvalue(L, -2, 1);                 /* _ENV */
    lua_pushfstring(L, "%s\x01%s\x01%s", expr ? "e" : "c", chunk, code);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
    lua_remove(L, -2);
}

static int p_check(lua_State *L) {
    pcall_args *a = args_of(L);
    compile(L, a->code, a->chunk, a->expr);
    return 0;
}

int scr_check(scr *s, const char *code, int expr, const char *chunk, sdm_err *err) {
    pcall_args a = {.s = s, .code = code, .chunk = chunk, .expr = expr, .err = err};
    return run_protected(s, p_check, &a, chunk);
}

static int p_eval(lua_State *L) {
    pcall_args *a = args_of(L);
    compile(L, a->code, a->chunk, a->expr);
    lua_call(L, 0, 1);
    if (a->expr == 2) {          /* string result wanted */
        if (!lua_isnil(L, -1)) {
            if (!lua_isstring(L, -1))
                return luaL_error(L, "%s: expected a string, got %s", a->chunk, luaL_typename(L, -1));
            a->out = xstrdup(lua_tostring(L, -1));
        }
    } else if (a->expr == 3) {   /* any value, as JSON */
        char why[200] = "";
        json_t *j = lua_isnil(L, -1) ? NULL : to_json(L, -1, 0, why, sizeof why);
        if (!j && !lua_isnil(L, -1)) return luaL_error(L, "%s: %s", a->chunk, why);
        a->out = j ? dump(j) : NULL;
        json_decref(j);
    } else {
        a->result = lua_toboolean(L, -1);
    }
    return 0;
}

int scr_eval_bool(scr *s, const char *code, const char *chunk, int *result, sdm_err *err) {
    pcall_args a = {.s = s, .code = code, .chunk = chunk, .expr = 1, .err = err};
    int rc = run_protected(s, p_eval, &a, chunk);
    *result = a.result;
    return rc;
}

int scr_eval_string(scr *s, const char *code, const char *chunk, char **out, sdm_err *err) {
    pcall_args a = {.s = s, .code = code, .chunk = chunk, .expr = 2, .err = err};
    int rc = run_protected(s, p_eval, &a, chunk);
    *out = a.out;
    return rc;
}

int scr_eval_json(scr *s, const char *code, const char *chunk, char **out, sdm_err *err) {
    pcall_args a = {.s = s, .code = code, .chunk = chunk, .expr = 3, .err = err};
    int rc = run_protected(s, p_eval, &a, chunk);
    *out = a.out;
    return rc;
}

static int p_run(lua_State *L) {
    pcall_args *a = args_of(L);
    compile(L, a->code, a->chunk, 0);
    lua_call(L, 0, 0);
    return 0;
}

int scr_run(scr *s, const char *code, const char *chunk, sdm_err *err) {
    pcall_args a = {.s = s, .code = code, .chunk = chunk, .err = err};
    return run_protected(s, p_run, &a, chunk);
}

/* ---------- handler modules ---------- */

static int valid_module(const char *m, size_t n) {
    if (n == 0 || n > 64) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)m[i]) && m[i] != '_' && m[i] != '-') return 0;
    return 1;
}

/* Push the table scripts/<module>.lua returned. The file is read and
** compiled once per handle; its chunk runs once per view, so what a module
** keeps in its upvalues belongs to one instance. */
static void push_module(lua_State *L, scr *s, const char *mod, size_t n) {
    lua_getfield(L, LUA_REGISTRYINDEX, K_MODS);                 /* mods */
    lua_pushlstring(L, mod, n);                                  /* mods name */
    if (lua_rawget(L, -2) == LUA_TTABLE) { lua_remove(L, -2); return; }
    lua_pop(L, 1);
    lua_pushlstring(L, mod, n);                                  /* mods name */
    const char *path = lua_pushfstring(L, "%s/%s.lua", s->dir, lua_tostring(L, -1));
    lua_getfield(L, LUA_REGISTRYINDEX, K_MODF);                  /* mods name path modf */
    if (lua_getfield(L, -1, path) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        FILE *f = fopen(path, "rb");
        if (!f) luaL_error(L, "cannot open handler module %s", path);
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        char buf[4096];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, f)) > 0) luaL_addlstring(&b, buf, got);
        fclose(f);
        luaL_pushresult(&b);                                     /* ... modf src */
        size_t len;
        const char *src = lua_tolstring(L, -1, &len);
        lua_pushfstring(L, "@%s", path);
        if (luaL_loadbufferx(L, src, len, lua_tostring(L, -1), "t") != LUA_OK) lua_error(L);
        lua_replace(L, -3);                                      /* ... modf fn name */
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, path);
    }
    lua_remove(L, -2);                                           /* mods name path fn */
    lua_getfield(L, LUA_REGISTRYINDEX, K_ENV);
    lua_setupvalue(L, -2, 1);
    lua_call(L, 0, 1);                                           /* mods name path module */
    if (!lua_istable(L, -1)) luaL_error(L, "%s must return a table of functions", path);
    lua_remove(L, -2);                                           /* mods name module */
    lua_pushvalue(L, -1);
    lua_insert(L, -4);                                           /* module mods name module */
    lua_rawset(L, -3);
    lua_pop(L, 1);                                               /* module */
}

static int p_call(lua_State *L) {
    pcall_args *a = args_of(L);
    const char *dot = strrchr(a->code, '.');
    if (!dot || !valid_module(a->code, (size_t)(dot - a->code)))
        return luaL_error(L, "handler '%s' is not module.function", a->code);
    push_module(L, a->s, a->code, (size_t)(dot - a->code));
    if (lua_getfield(L, -1, dot + 1) != LUA_TFUNCTION)
        return luaL_error(L, "handler '%s': module has no function '%s'", a->code, dot + 1);
    lua_getfield(L, LUA_REGISTRYINDEX, K_VARS);
    lua_call(L, 1, 0);
    return 0;
}

int scr_call(scr *s, const char *handler, const char *chunk, sdm_err *err) {
    pcall_args a = {.s = s, .code = handler, .chunk = chunk, .err = err};
    return run_protected(s, p_call, &a, chunk);
}

/* ---------- variables ---------- */

/* Replace (a->expr 0) or merge into the loaded variables. A replacement
** is a fresh view: new variables and declared-names tables handed to the
** environment, handler modules to be instantiated anew. A name loaded with
** the value null is declared: reading it gives nil, not an error. */
static int p_vars_load(lua_State *L) {
    pcall_args *a = args_of(L);
    if (!a->expr) {
        lua_getfield(L, LUA_REGISTRYINDEX, K_RESET);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, K_VARS);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, K_DECL);
        lua_call(L, 2, 0);
        lua_newtable(L); lua_setfield(L, LUA_REGISTRYINDEX, K_ORIG);
        lua_newtable(L); lua_setfield(L, LUA_REGISTRYINDEX, K_MODS);
    }
    lua_getfield(L, LUA_REGISTRYINDEX, K_VARS);
    lua_getfield(L, LUA_REGISTRYINDEX, K_ORIG);
    lua_getfield(L, LUA_REGISTRYINDEX, K_DECL);
    const char *k; json_t *v;
    json_object_foreach(a->json, k, v) {
        lua_pushstring(L, k);
        push_json(L, v, 0);
        lua_rawset(L, -5);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, k);
        if (!a->expr) {                      /* loaded values are the baseline */
            char *d = dump(v);
            lua_pushstring(L, d);
            free(d);
            lua_setfield(L, -3, k);
        }
    }
    return 0;
}

static int load_json(scr *s, const char *text, int merge, sdm_err *err) {
    json_error_t je;
    json_t *j = json_loads(text ? text : "{}", 0, &je);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL,
                       "variables must be a JSON object: %s", j ? "got another type" : je.text);
    }
    pcall_args a = {.s = s, .json = j, .expr = merge, .err = err};
    int rc = run_protected(s, p_vars_load, &a, "variables");
    json_decref(j);
    return rc;
}

int scr_vars_load(scr *s, const char *json_object, sdm_err *err) { return load_json(s, json_object, 0, err); }
int scr_vars_merge(scr *s, const char *json_object, sdm_err *err) { return load_json(s, json_object, 1, err); }

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compare every current variable with its baseline; report and re-baseline
** the differences. Names are visited in sorted order for determinism. */
static int p_vars_changed(lua_State *L) {
    pcall_args *a = args_of(L);
    lua_getfield(L, LUA_REGISTRYINDEX, K_VARS);    /* 2 */
    lua_getfield(L, LUA_REGISTRYINDEX, K_ORIG);    /* 3 */
    size_t nk = 0, cap = 16;
    char **keys = xmalloc(sizeof(char *) * cap);
    for (int t = 2; t <= 3; t++) {
        lua_pushnil(L);
        while (lua_next(L, t)) {
            lua_pop(L, 1);
            if (lua_type(L, -1) != LUA_TSTRING) continue;
            if (nk == cap) keys = xrealloc(keys, sizeof(char *) * (cap *= 2));
            keys[nk++] = xstrdup(lua_tostring(L, -1));
        }
    }
    qsort(keys, nk, sizeof *keys, cmp_str);
    int rc = 0;
    for (size_t k = 0; k < nk && !rc; k++) {
        if (k > 0 && strcmp(keys[k], keys[k - 1]) == 0) continue;
        lua_pushstring(L, keys[k]);
        lua_rawget(L, 2);
        char why[160] = "";
        json_t *j = lua_isnil(L, -1) ? NULL : to_json(L, -1, 0, why, sizeof why);
        lua_pop(L, 1);
        if (!j && why[0]) { a->status = err_set(a->err, SDM_ERR_SCRIPT, a->chunk, 0, NULL, "variable '%s' holds %s", keys[k], why); break; }
        char *now = j ? dump(j) : NULL;
        json_decref(j);
        lua_getfield(L, 3, keys[k]);
        const char *before = lua_tostring(L, -1);
        int same = (!now && !before) || (now && before && strcmp(now, before) == 0);
        lua_pop(L, 1);
        if (!same) {
            rc = a->cb ? a->cb(a->ctx, keys[k], now) : 0;
            if (rc) a->status = rc;
            if (now) lua_pushstring(L, now); else lua_pushnil(L);
            lua_setfield(L, 3, keys[k]);
        }
        free(now);
    }
    for (size_t k = 0; k < nk; k++) free(keys[k]);
    free(keys);
    return 0;
}

int scr_vars_changed(scr *s, scr_var_cb cb, void *ctx, sdm_err *err) {
    pcall_args a = {.s = s, .cb = cb, .ctx = ctx, .err = err, .chunk = "variables"};
    return run_protected(s, p_vars_changed, &a, "variables");
}

static int p_vars_json(lua_State *L) {
    pcall_args *a = args_of(L);
    lua_getfield(L, LUA_REGISTRYINDEX, K_VARS);
    char why[160] = "";
    json_t *j = to_json(L, -1, 0, why, sizeof why);
    if (!j) return luaL_error(L, "variables: %s", why);
    if (json_is_array(j)) { json_decref(j); j = json_object(); }
    a->out = dump(j);
    json_decref(j);
    return 0;
}

char *scr_vars_json(scr *s) {
    pcall_args a = {.s = s};
    if (run_protected(s, p_vars_json, &a, "variables") != SDM_OK) return xstrdup("{}");
    return a.out;
}

/* ---------- context and sandbox ---------- */

static int p_context(lua_State *L) {
    pcall_args *a = args_of(L);
    lua_getfield(L, LUA_REGISTRYINDEX, K_CTX);
    lua_pushstring(L, a->code);   lua_setfield(L, -2, "client");
    lua_pushinteger(L, (lua_Integer)a->id); lua_setfield(L, -2, "instance");
    lua_pushstring(L, a->text);   lua_setfield(L, -2, "node");
    return 0;
}

int scr_set_context(scr *s, const char *client, long long instance, const char *node, sdm_err *err) {
    pcall_args a = {.s = s, .code = client, .id = instance, .text = node, .err = err};
    return run_protected(s, p_context, &a, "context");
}

/* pcall and xpcall for scripts. Once the instruction budget is spent the
** error must reach the engine: a protected call may not swallow it, and a
** message handler may not run at all (Lua runs handlers with hooks off, so
** a looping handler would never be stopped). xpcall calls its handler
** after the protected call returns, as an ordinary counted call. */
static int budget_gone(lua_State *L) {
    return (*(scr **)lua_getextraspace(L))->limit[0] != 0;
}

static int safe_pcall(lua_State *L) {
    luaL_checkany(L, 1);
    int rc = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    if (budget_gone(L)) return lua_error(L);
    lua_pushboolean(L, rc == LUA_OK);
    lua_insert(L, 1);
    return lua_gettop(L);
}

static int safe_xpcall(lua_State *L) {
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 1);
    lua_copy(L, 2, 1);                 /* handler at 1, function at 2 */
    lua_replace(L, 2);
    int rc = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0);
    if (budget_gone(L)) return lua_error(L);
    if (rc == LUA_OK) { lua_pushboolean(L, 1); lua_replace(L, 1); return lua_gettop(L); }
    lua_pushvalue(L, 1);
    lua_insert(L, -2);                 /* handler, error */
    lua_call(L, 1, 1);
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
}

/* load() for scripts: text only, in the sandbox environment. */
static int safe_load(lua_State *L) {
    size_t len;
    const char *code = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=load");
    if (luaL_loadbufferx(L, code, len, name, "t") != LUA_OK) { lua_pushnil(L); lua_insert(L, -2); return 2; }
    lua_getfield(L, LUA_REGISTRYINDEX, K_ENV);
    lua_setupvalue(L, -2, 1);
    return 1;
}

/* deviation{...} and notify{...} only record what the rule asks; the
** runtime turns them into rows in the step's own transaction. */
static int queue_effect(lua_State *L, const char *kind, const char *need) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, need);
    if (!lua_isstring(L, -1)) return luaL_error(L, "%s{} needs a string field '%s'", kind, need);
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, K_FX);
    lua_createtable(L, 0, 4);
    lua_pushnil(L);
    while (lua_next(L, 1)) {                   /* copy string-keyed scalar fields */
        if (lua_type(L, -2) == LUA_TSTRING && !lua_istable(L, -1) && !lua_isfunction(L, -1)) {
            lua_pushvalue(L, -2); lua_insert(L, -2); lua_rawset(L, -4);
        } else lua_pop(L, 1);
    }
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "kind");
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    return 0;
}

static int l_deviation(lua_State *L) { return queue_effect(L, "deviation", "message"); }
static int l_notify(lua_State *L) { return queue_effect(L, "notify", "to"); }

/* bpmn_error(code [, message]): a business error the model may catch
** (an error boundary event on the task), not a fault of the script. */
static int l_bpmn_error(lua_State *L) {
    luaL_checkstring(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "bpmn_error");
    if (lua_isstring(L, 2)) { lua_pushvalue(L, 2); lua_setfield(L, -2, "message"); }
    return lua_error(L);
}

const char *scr_bpmn_error(const scr *s) { return s->bpmn_code[0] ? s->bpmn_code : NULL; }

/* array(t) marks table t (or a new empty table) as a JSON array: written
** back as [] when empty, its nil elements as null. */
static int l_array(lua_State *L) {
    if (lua_isnoneornil(L, 1)) { lua_settop(L, 0); lua_newtable(L); }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    if (is_marked(L, 1)) return 1;
    if (lua_getmetatable(L, 1)) return luaL_error(L, "array: the table already has a metatable");
    mark_array(L);
    return 1;
}

static int l_now(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, K_NOW);
    return 1;
}

static int p_effects(lua_State *L) {
    pcall_args *a = args_of(L);
    lua_getfield(L, LUA_REGISTRYINDEX, K_FX);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n && !a->status && a->fx; i++) {
        lua_rawgeti(L, -1, i);
        char why[160] = "";
        json_t *j = to_json(L, -1, 0, why, sizeof why);
        lua_pop(L, 1);
        if (!j) continue;
        char *text = dump(j);
        a->status = a->fx(a->ctx, json_string_value(json_object_get(j, "kind")), text);
        free(text);
        json_decref(j);
    }
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, K_FX);
    return 0;
}

int scr_effects(scr *s, scr_effect_cb cb, void *ctx, sdm_err *err) {
    pcall_args a = {.s = s, .fx = cb, .ctx = ctx, .err = err};
    return run_protected(s, p_effects, &a, "effects");
}

static int p_set_now(lua_State *L) {
    pcall_args *a = args_of(L);
    lua_pushinteger(L, (lua_Integer)a->id);
    lua_setfield(L, LUA_REGISTRYINDEX, K_NOW);
    return 0;
}

int scr_set_now(scr *s, long long now_ms, sdm_err *err) {
    pcall_args a = {.s = s, .id = now_ms, .err = err};
    return run_protected(s, p_set_now, &a, "clock");
}

static int p_ctx_value(lua_State *L) {
    pcall_args *a = args_of(L);
    lua_getfield(L, LUA_REGISTRYINDEX, K_CTX);
    if (a->json) push_json(L, a->json, 0); else lua_pushnil(L);
    lua_setfield(L, -2, a->code);
    return 0;
}

int scr_set_value(scr *s, const char *name, const char *json, sdm_err *err) {
    json_t *j = json ? json_loads(json, JSON_DECODE_ANY, NULL) : NULL;
    pcall_args a = {.s = s, .code = name, .json = j, .err = err};
    int rc = run_protected(s, p_ctx_value, &a, "context");
    json_decref(j);
    return rc;
}

/* A rule file under the scripts directory, run as a chunk. */
int scr_run_file(scr *s, const char *file, const char *chunk, sdm_err *err) {
    if (strstr(file, "..") || file[0] == '/')
        return err_set(err, SDM_ERR_SCRIPT, file, 0, NULL, "script '%s' must be a path inside the scripts directory", file);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", s->dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(err, SDM_ERR_SCRIPT, path, 0, NULL, "cannot open rule %s", path);
    sbuf b = {0};
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) sbuf_add(&b, buf, got);
    fclose(f);
    int rc = scr_run(s, b.s ? b.s : "", chunk, err);
    free(b.s);
    return rc;
}

static int read_only(lua_State *L) {
    return luaL_error(L, "the standard library is read-only (tried to set '%s')", luaL_optstring(L, 2, "?"));
}

/* setmetatable without finalizers: Lua runs __gc with hooks off, outside
** every limit, at whatever later moment the collector picks. */
static int safe_setmetatable(lua_State *L) {
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "setmetatable: __gc finalizers are not allowed in scripts");
        lua_pop(L, 1);
    }
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

static const char *const safe_base[] = {
    "assert", "error", "ipairs", "next", "pairs", "select", "tonumber",
    "tostring", "type", "rawequal", "rawlen", "rawget",
    "getmetatable", "_VERSION", NULL
};
static const char *const safe_libs[] = { "string", "table", "math", "utf8", NULL };

/* Environment: reads look in vars, then context, then the safe library;
** a name none of them has is an error unless declared (loaded as null or
** assigned). Writes go to vars. Its metatable is locked against scripts.
** reset() swaps in the tables of a fresh view; the closures share the
** upvalues, so one assignment reaches them all. */
static const char bootstrap[] =
    "local ctx, base, rawget, rawset, error, tostring = ...\n"
    "local vars, decl = {}, {}\n"
    "function base.defined(k) return rawget(vars, k) ~= nil or ctx[k] ~= nil end\n"
    "function base.var(k, default)\n"
    "  local v = rawget(vars, k); if v == nil then v = ctx[k] end\n"
    "  if v == nil then return default end; return v end\n"
    "local env = setmetatable({}, {\n"
    "  __index = function(_, k) local v = rawget(vars, k); if v ~= nil then return v end\n"
    "    v = ctx[k]; if v ~= nil then return v end; v = base[k]\n"
    "    if v ~= nil or decl[k] then return v end\n"
    "    error(\"undefined variable '\" .. tostring(k) .. \"' (var(name, default) reads an optional one)\", 2) end,\n"
    "  __newindex = function(_, k, v) decl[k] = true; rawset(vars, k, v) end,\n"
    "  __metatable = false })\n"
    "return env, function(v, d) vars, decl = v, d; ctx.vars = v end\n";

/* A read-only view of library table `lib` (at the top): an empty table
** whose locked metatable reads through to a private copy (rawset is not
** offered, so the view stays empty). Leaves view and copy. */
static void lib_view(lua_State *L, const char *name) {
    lua_newtable(L);                                    /* lib copy */
    lua_pushnil(L);
    while (lua_next(L, -3)) { lua_pushvalue(L, -2); lua_insert(L, -2); lua_rawset(L, -4); }
    lua_remove(L, -2);
    if (strcmp(name, "string") == 0) { lua_pushnil(L); lua_setfield(L, -2, "dump"); scr_pat_register(L); }
    lua_newtable(L);                                    /* copy view */
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, read_only);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

static int p_open(lua_State *L) {
    luaL_openlibs(L);
    lua_newtable(L);                                    /* base */
    int base = lua_gettop(L);
    for (const char *const *n = safe_base; *n; n++) { lua_getglobal(L, *n); lua_setfield(L, base, *n); }
    /* Libraries are shared by every instance on this handle, so scripts get
    ** read-only views. Strings index the same private copy, without dump. */
    for (const char *const *n = safe_libs; *n; n++) {
        lua_getglobal(L, *n);
        lib_view(L, *n);                                /* copy view */
        lua_setfield(L, base, *n);
        if (strcmp(*n, "string") == 0) {
            lua_pushliteral(L, "");
            lua_getmetatable(L, -1);                    /* copy "" mt */
            lua_pushvalue(L, -3); lua_setfield(L, -2, "__index");
            lua_pushboolean(L, 0); lua_setfield(L, -2, "__metatable");
            lua_pop(L, 2);
        }
        lua_pop(L, 1);
    }
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, safe_setmetatable, 1); lua_setfield(L, base, "setmetatable");
    lua_pushcfunction(L, safe_pcall); lua_setfield(L, base, "pcall");
    lua_pushcfunction(L, safe_xpcall); lua_setfield(L, base, "xpcall");
    lua_pushcfunction(L, safe_load); lua_setfield(L, base, "load");
    lua_pushcfunction(L, l_deviation); lua_setfield(L, base, "deviation");
    lua_pushcfunction(L, l_notify); lua_setfield(L, base, "notify");
    lua_pushcfunction(L, l_now); lua_setfield(L, base, "now");
    lua_pushcfunction(L, l_bpmn_error); lua_setfield(L, base, "bpmn_error");
    lua_pushcfunction(L, l_array); lua_setfield(L, base, "array");
    lua_createtable(L, 0, 2);                           /* shared by every array: locked */
    lua_pushliteral(L, "array"); lua_setfield(L, -2, "__metatable");
    lua_pushliteral(L, "array"); lua_setfield(L, -2, "__name");
    lua_setfield(L, LUA_REGISTRYINDEX, K_ARRAY);
    lua_newtable(L); lua_setfield(L, LUA_REGISTRYINDEX, K_FX);
    lua_pushinteger(L, 0); lua_setfield(L, LUA_REGISTRYINDEX, K_NOW);
    lua_newtable(L); lua_setfield(L, LUA_REGISTRYINDEX, K_CODE);
    lua_newtable(L); lua_setfield(L, LUA_REGISTRYINDEX, K_MODF);
    if (luaL_loadbufferx(L, bootstrap, sizeof bootstrap - 1, "=sandbox", "t") != LUA_OK) lua_error(L);
    lua_newtable(L); lua_pushvalue(L, -1); lua_setfield(L, LUA_REGISTRYINDEX, K_CTX);
    lua_pushvalue(L, base);
    lua_getglobal(L, "rawget");
    lua_getglobal(L, "rawset");
    lua_getglobal(L, "error");
    lua_getglobal(L, "tostring");
    lua_call(L, 6, 2);
    lua_setfield(L, LUA_REGISTRYINDEX, K_RESET);
    lua_setfield(L, LUA_REGISTRYINDEX, K_ENV);
    /* Remove every global from the real _G: only the environment is used. */
    lua_pushglobaltable(L);
    lua_pushnil(L);
    while (lua_next(L, -2)) { lua_pop(L, 1); lua_pushvalue(L, -1); lua_pushnil(L); lua_rawset(L, -4); }
    return 0;
}

/* A new state with the sandbox set up and an empty view, or NULL. */
static lua_State *sandbox_new(scr *s) {
    s->mem = 0;
    s->L = lua_newstate(limited_alloc, s);
    if (!s->L) return NULL;
    *(scr **)lua_getextraspace(s->L) = s;
    lua_atpanic(s->L, on_panic);
    pcall_args a = {.s = s};
    if (run_protected(s, p_open, &a, "sandbox") != SDM_OK || scr_vars_load(s, "{}", NULL) != SDM_OK) {
        lua_close(s->L);
        s->L = NULL;
    }
    return s->L;
}

scr *scr_open(const char *scripts_dir, long instructions, size_t memory, int timeout_ms) {
    scr *s = xcalloc(1, sizeof *s);
    s->dir = xstrdup(scripts_dir ? scripts_dir : "scripts");
    s->budget = instructions > 0 ? instructions : 10000000;
    s->mem_limit = memory ? memory : (size_t)64 << 20;
    s->max_value = s->mem_limit / 4 < ((size_t)16 << 20) ? s->mem_limit / 4 : (size_t)16 << 20;
    s->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
    if (!sandbox_new(s)) { scr_close(s); return NULL; }
    return s;
}

void scr_close(scr *s) {
    if (!s) return;
    if (s->L) lua_close(s->L);
    free(s->dir);
    free(s);
}
