/*
** script_pat.c — string.find, match, gmatch and gsub for the sandbox, with
** a bounded matcher. Part of the Lua sandbox (script.c); the only other
** file that includes lua.h.
**
** Lua's own matcher (lstrlib.c) backtracks without limit inside one C call,
** where neither the count hook nor the deadline can reach it: find with
** "a-a-a-a-a-b" on 300 bytes runs for centuries. This is a matcher for the
** same pattern language (Lua 5.4 manual §6.4.1, written anew after the
** structure of lstrlib.c by R. Ierusalimschy et al., MIT licence), which
** counts every step and fails the call past a budget of MAX_STEPS or once
** the sandbox deadline (scr_pat_expired) has passed. It must not allocate
** inside the matcher and must not change what a pattern means.
*/
#include <ctype.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include "script.h"

#define MAX_CAPTURES 32
#define MAX_DEPTH    200          /* recursion of the matcher, as lstrlib */
#define MAX_STEPS    20000000L    /* per call of find/match/gsub, per gmatch step */
#define CHECK_EVERY  65536        /* steps between deadline checks */
#define CAP_OPEN     (-1)
#define CAP_POS      (-2)

typedef struct mstate {
    const char *src, *src_end, *pat_end;
    lua_State *L;
    long steps, next_check;     /* steps taken; when to look at the clock next */
    int depth, level;
    struct { const char *init; ptrdiff_t len; } cap[MAX_CAPTURES];
} mstate;

static void step(mstate *m) {
    if (++m->steps > MAX_STEPS)
        luaL_error(m->L, "pattern too complex: limit of %d matching steps exceeded", (int)MAX_STEPS);
    if (m->steps >= m->next_check) {
        m->next_check = m->steps + CHECK_EVERY;
        if (scr_pat_expired(m->L)) luaL_error(m->L, "time limit exceeded while matching a pattern");
    }
}

static int cap_index(mstate *m, int l) {
    l -= '1';
    if (l < 0 || l >= m->level || m->cap[l].len == CAP_OPEN)
        return luaL_error(m->L, "invalid capture index %%%d", l + 1);
    return l;
}

static const char *class_end(mstate *m, const char *p) {
    if (*p++ == '%') {
        if (p == m->pat_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (p[-1] == '[') {
        if (*p == '^') p++;
        do {
            if (p == m->pat_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*p++ == '%' && p < m->pat_end) p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

static int class_match(int c, int cl) {
    int r;
    switch (tolower(cl)) {
    case 'a': r = isalpha(c); break;
    case 'c': r = iscntrl(c); break;
    case 'd': r = isdigit(c); break;
    case 'g': r = isgraph(c); break;
    case 'l': r = islower(c); break;
    case 'p': r = ispunct(c); break;
    case 's': r = isspace(c); break;
    case 'u': r = isupper(c); break;
    case 'w': r = isalnum(c); break;
    case 'x': r = isxdigit(c); break;
    default: return cl == c;
    }
    return isupper(cl) ? !r : r != 0;
}

/* [set]: p at '[', ec at its ']'. */
static int set_match(int c, const char *p, const char *ec) {
    int yes = 1;
    if (*++p == '^') { yes = 0; p++; }
    for (; p < ec; p++) {
        if (*p == '%') { p++; if (class_match(c, (unsigned char)*p)) return yes; }
        else if (p[1] == '-' && p + 2 < ec) {
            p += 2;
            if ((unsigned char)p[-2] <= c && c <= (unsigned char)*p) return yes;
        } else if ((unsigned char)*p == c) return yes;
    }
    return !yes;
}

static int single(mstate *m, const char *s, const char *p, const char *ep) {
    if (s >= m->src_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case '%': return class_match(c, (unsigned char)p[1]);
    case '[': m->steps += (ep - p) >> 4; return set_match(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *do_match(mstate *m, const char *s, const char *p);

static const char *expand_max(mstate *m, const char *s, const char *p, const char *ep) {
    ptrdiff_t i = 0;
    while (single(m, s + i, p, ep)) { step(m); i++; }
    for (; i >= 0; i--) {
        const char *r = do_match(m, s + i, ep + 1);
        if (r) return r;
    }
    return NULL;
}

static const char *expand_min(mstate *m, const char *s, const char *p, const char *ep) {
    for (;;) {
        const char *r = do_match(m, s, ep + 1);
        if (r) return r;
        if (!single(m, s, p, ep)) return NULL;
        s++;
    }
}

static const char *open_cap(mstate *m, const char *s, const char *p, ptrdiff_t what) {
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->cap[m->level].init = s;
    m->cap[m->level].len = what;
    m->level++;
    const char *r = do_match(m, s, p);
    if (!r) m->level--;
    return r;
}

static const char *close_cap(mstate *m, const char *s, const char *p) {
    int l = m->level - 1;
    while (l >= 0 && m->cap[l].len != CAP_OPEN) l--;
    if (l < 0) luaL_error(m->L, "invalid pattern capture");
    m->cap[l].len = s - m->cap[l].init;
    const char *r = do_match(m, s, p);
    if (!r) m->cap[l].len = CAP_OPEN;
    return r;
}

static const char *balance(mstate *m, const char *s, const char *p) {
    if (p + 1 >= m->pat_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->src_end || *s != *p) return NULL;
    int depth = 1;
    while (++s < m->src_end) {
        step(m);
        if (*s == p[1]) { if (--depth == 0) return s + 1; }
        else if (*s == *p) depth++;
    }
    return NULL;
}

static const char *frontier(mstate *m, const char *s, const char *p, const char **next) {
    if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
    const char *ep = class_end(m, p);
    int prev = s == m->src ? 0 : (unsigned char)s[-1];
    int cur = s < m->src_end ? (unsigned char)*s : 0;
    *next = ep;
    return !set_match(prev, p, ep - 1) && set_match(cur, p, ep - 1) ? s : NULL;
}

static const char *back_ref(mstate *m, const char *s, int l) {
    l = cap_index(m, l);
    size_t len = (size_t)m->cap[l].len;
    m->steps += (long)(len >> 4);
    if ((size_t)(m->src_end - s) >= len && memcmp(m->cap[l].init, s, len) == 0) return s + len;
    return NULL;
}

static const char *do_match(mstate *m, const char *s, const char *p) {
    if (m->depth++ >= MAX_DEPTH) luaL_error(m->L, "pattern too complex");
    for (;;) {
        step(m);
        if (p == m->pat_end) break;
        if (*p == '(') {
            s = p + 1 < m->pat_end && p[1] == ')' ? open_cap(m, s, p + 2, CAP_POS) : open_cap(m, s, p + 1, CAP_OPEN);
            break;
        }
        if (*p == ')') { s = close_cap(m, s, p + 1); break; }
        if (*p == '$' && p + 1 == m->pat_end) { if (s != m->src_end) s = NULL; break; }
        if (*p == '%' && p + 1 < m->pat_end && p[1] == 'b') {
            s = balance(m, s, p + 2);
            if (!s) break;
            p += 4;
            continue;
        }
        if (*p == '%' && p + 1 < m->pat_end && p[1] == 'f') {
            const char *next;
            s = frontier(m, s, p + 2, &next);
            if (!s) break;
            p = next;
            continue;
        }
        if (*p == '%' && p + 1 < m->pat_end && isdigit((unsigned char)p[1])) {
            s = back_ref(m, s, (unsigned char)p[1]);
            if (!s) break;
            p += 2;
            continue;
        }
        const char *ep = class_end(m, p);
        int ok = single(m, s, p, ep);
        char q = ep < m->pat_end ? *ep : 0;
        if (q == '?') {
            const char *r;
            if (ok && (r = do_match(m, s + 1, ep + 1))) { s = r; break; }
            p = ep + 1;
            continue;
        }
        if (q == '+') { s = ok ? expand_max(m, s + 1, p, ep) : NULL; break; }
        if (q == '*') { s = expand_max(m, s, p, ep); break; }
        if (q == '-') { s = expand_min(m, s, p, ep); break; }
        if (!ok) { s = NULL; break; }
        s++;
        p = ep;
    }
    m->depth--;
    return s;
}

/* ---------- the library functions ---------- */

static void push_cap(mstate *m, int i, const char *s, const char *e) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));       /* the whole match */
    } else if (m->cap[i].len == CAP_POS) {
        lua_pushinteger(m->L, (lua_Integer)(m->cap[i].init - m->src) + 1);
    } else {
        if (m->cap[i].len == CAP_OPEN) luaL_error(m->L, "unfinished capture");
        lua_pushlstring(m->L, m->cap[i].init, (size_t)m->cap[i].len);
    }
}

static int push_caps(mstate *m, const char *s, const char *e, int whole) {
    int n = m->level == 0 && whole ? 1 : m->level;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) push_cap(m, i, s, e);
    return n;
}

static void prepare(mstate *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L; m->src = s; m->src_end = s + ls; m->pat_end = p + lp;
    m->steps = 0; m->next_check = CHECK_EVERY; m->depth = 0; m->level = 0;
}

static size_t start_pos(lua_Integer init, size_t len) {
    if (init > 0) return (size_t)init;
    if (init == 0) return 1;
    if (init < -(lua_Integer)len) return 1;
    return len + (size_t)init + 1;
}

static int has_specials(const char *p, size_t lp) {
    for (size_t i = 0; i < lp; i++)
        if (strchr("^$*+?.([%-", p[i]) && p[i]) return 1;
    return 0;
}

static int find_aux(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_pos(luaL_optinteger(L, 3, 1), ls);
    if (init > ls + 1) { lua_pushnil(L); return 1; }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *r = lp == 0 ? s + init - 1 : NULL;
        if (lp > 0 && lp <= ls - init + 1)
            r = memmem(s + init - 1, ls - init + 1, p, lp);
        if (!r) { lua_pushnil(L); return 1; }
        lua_pushinteger(L, (lua_Integer)(r - s) + 1);
        lua_pushinteger(L, (lua_Integer)(r - s) + (lua_Integer)lp);
        return 2;
    }
    mstate m;
    int anchor = lp > 0 && *p == '^';
    if (anchor) { p++; lp--; }
    prepare(&m, L, s, ls, p, lp);
    const char *s1 = s + init - 1;
    do {
        m.level = 0; m.depth = 0;
        const char *e = do_match(&m, s1, p);
        if (e) {
            if (!find) return push_caps(&m, s1, e, 1);
            lua_pushinteger(L, (lua_Integer)(s1 - s) + 1);
            lua_pushinteger(L, (lua_Integer)(e - s));
            return push_caps(&m, NULL, NULL, 0) + 2;
        }
    } while (s1++ < m.src_end && !anchor);
    lua_pushnil(L);
    return 1;
}

static int pat_find(lua_State *L) { return find_aux(L, 1); }
static int pat_match(lua_State *L) { return find_aux(L, 0); }

/* gmatch's iterator: upvalues subject, pattern, next position, end of the
** last match (an empty match right after it is skipped, as in Lua 5.4). */
static int gmatch_next(lua_State *L) {
    size_t ls, lp;
    const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
    const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
    size_t pos = (size_t)lua_tointeger(L, lua_upvalueindex(3));
    lua_Integer last = lua_tointeger(L, lua_upvalueindex(4));
    mstate m;
    prepare(&m, L, s, ls, p, lp);
    for (const char *src = s + pos; src <= m.src_end; src++) {
        m.level = 0; m.depth = 0;
        const char *e = do_match(&m, src, p);
        if (e && (lua_Integer)(e - s) != last) {
            lua_pushinteger(L, (lua_Integer)(e - s));
            lua_replace(L, lua_upvalueindex(3));
            lua_pushinteger(L, (lua_Integer)(e - s));
            lua_replace(L, lua_upvalueindex(4));
            return push_caps(&m, src, e, 1);
        }
    }
    return 0;
}

static int pat_gmatch(lua_State *L) {
    size_t ls;
    luaL_checklstring(L, 1, &ls);
    luaL_checkstring(L, 2);
    size_t init = start_pos(luaL_optinteger(L, 3, 1), ls);
    if (init > ls + 1) init = ls + 1;
    lua_settop(L, 2);
    lua_pushinteger(L, (lua_Integer)init - 1);
    lua_pushinteger(L, -1);
    lua_pushcclosure(L, gmatch_next, 4);
    return 1;
}

/* Append the replacement for the match s..e to b. */
static void add_repl(mstate *m, luaL_Buffer *b, const char *s, const char *e, int tr) {
    lua_State *L = m->L;
    if (tr == LUA_TSTRING || tr == LUA_TNUMBER) {
        size_t l;
        const char *r = lua_tolstring(L, 3, &l);
        for (size_t i = 0; i < l; i++) {
            if (r[i] != '%' || i + 1 == l) {
                if (r[i] == '%') luaL_error(L, "invalid use of '%%' in replacement string");
                luaL_addchar(b, r[i]);
                continue;
            }
            char c = r[++i];
            if (c == '%') luaL_addchar(b, '%');
            else if (c == '0') luaL_addlstring(b, s, (size_t)(e - s));
            else if (isdigit((unsigned char)c)) {
                push_cap(m, c - '1', s, e);
                luaL_tolstring(L, -1, NULL);
                lua_remove(L, -2);
                luaL_addvalue(b);
            } else luaL_error(L, "invalid use of '%%' in replacement string");
        }
        return;
    }
    if (tr == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        lua_call(L, push_caps(m, s, e, 1), 1);
    } else {
        push_cap(m, 0, s, e);
        lua_gettable(L, 3);
    }
    if (!lua_toboolean(L, -1)) { lua_pop(L, 1); luaL_addlstring(b, s, (size_t)(e - s)); return; }
    if (!lua_isstring(L, -1)) luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
}

static int pat_gsub(lua_State *L) {
    size_t ls, lp;
    const char *src = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int tr = lua_type(L, 3);
    lua_Integer max_n = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
                     "string/function/table");
    int anchor = lp > 0 && *p == '^';
    if (anchor) { p++; lp--; }
    const char *last = NULL;
    lua_Integer n = 0;
    mstate m;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    prepare(&m, L, src, ls, p, lp);
    while (n < max_n) {
        m.level = 0; m.depth = 0;
        const char *e = do_match(&m, src, p);
        if (e && e != last) {
            n++;
            add_repl(&m, &b, src, e, tr);
            src = last = e;
        } else if (src < m.src_end) luaL_addchar(&b, *src++);
        else break;
        if (anchor) break;
    }
    luaL_addlstring(&b, src, (size_t)(m.src_end - src));
    luaL_pushresult(&b);
    lua_pushinteger(L, n);
    return 2;
}

void scr_pat_register(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"find", pat_find}, {"match", pat_match}, {"gmatch", pat_gmatch}, {"gsub", pat_gsub}, {NULL, NULL}
    };
    luaL_setfuncs(L, fns, 0);
}
