/*
** dialect.c — what editors write that is not sdm's own BPMN: Camunda 7
** (camunda:) and Camunda 8 (zeebe:) execution attributes with an sdm
** meaning, read into the node; the others named in a warning, since sdm
** ignores them; expressions written in FEEL, JUEL or Python, or with
** Cyrillic names, recognised so the error says how to write them in Lua;
** timer values given as a quoted ISO literal or a Lua expression.
**
** Called by model.c while it compiles one element (model_int.h). It reads
** the XML tree and fills a model_node; it must not run anything.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "model_int.h"
#include "err.h"

#define ZEEBE_NS   "http://camunda.org/schema/zeebe/1.0"

/* ---------- expressions ---------- */

static int has_word(const char *s, const char *w) {
    size_t n = strlen(w);
    for (const char *p = strstr(s, w); p; p = strstr(p + 1, w)) {
        int before = p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (before && after) return 1;
    }
    return 0;
}

/* A run of non-ASCII letters outside string literals: a name Lua cannot
** read. Returns its start and length, or NULL. */
static const char *foreign_name(const char *s, size_t *len) {
    char quote = 0;
    for (const char *p = s; *p; p++) {
        if (quote) { if (*p == '\\' && p[1]) p++; else if (*p == quote) quote = 0; continue; }
        if (*p == '"' || *p == '\'') { quote = *p; continue; }
        if ((unsigned char)*p < 0x80) continue;
        const char *q = p;
        while (*q && ((unsigned char)*q >= 0x80 || isalnum((unsigned char)*q) || *q == '_')) q++;
        *len = (size_t)(q - p);
        return p;
    }
    return NULL;
}

int model_dialect_hint(const char *expr, char *buf, size_t n) {
    const char *t = expr;
    while (isspace((unsigned char)*t)) t++;
    size_t len;
    const char *name;
    if ((t[0] == '$' || t[0] == '#') && t[1] == '{') {
        snprintf(buf, n, "'%s' is JUEL, as Camunda 7 writes it; sdm reads Lua: drop the %c{ }, and write "
                 "&& as and, || as or, != as ~=, ! as not (e.g. amount > 1000 and region == \"north\")", t, t[0]);
        return 1;
    }
    if (t[0] == '=') {
        snprintf(buf, n, "'%s' is FEEL, as Camunda 8 writes it; sdm reads Lua: drop the leading '=', and write "
                 "!= as ~=, not(x) as not x, null as nil (e.g. %s)", t, t[1] ? t + 1 : "amount > 5");
        return 1;
    }
    if (has_word(t, "True") || has_word(t, "False") || has_word(t, "None") || strstr(t, " is not ") ||
        strstr(t, " not in ") || has_word(t, "elif")) {
        snprintf(buf, n, "'%s' looks like Python; sdm reads Lua: write true, false and nil in lower case "
                 "(None is nil), != as ~=, and test membership with a loop or a table", t);
        return 1;
    }
    if ((name = foreign_name(t, &len)) != NULL) {
        snprintf(buf, n, "'%s' uses the name '%.*s', and Lua names are Latin letters, digits and _: "
                 "read the variable as var(\"%.*s\") (e.g. var(\"%.*s\") > 5)", t, (int)len, name, (int)len, name,
                 (int)len, name);
        return 1;
    }
    return 0;
}

/* ---------- timers ---------- */

/* ISO 8601 values start with P (duration), R (cycle), a digit (date-time)
** or a sign; sdm's own Lua form starts with '='. */
static int iso_like(const char *t) {
    return t[0] == 'P' || t[0] == 'R' || isdigit((unsigned char)t[0]) || t[0] == '=' ||
           ((t[0] == '+' || t[0] == '-') && isdigit((unsigned char)t[1]));
}

static int bare_name(const char *t) {
    if (!isalpha((unsigned char)*t) && *t != '_') return 0;
    for (; *t; t++) if (!isalnum((unsigned char)*t) && *t != '_') return 0;
    return 1;
}

const char *model_dialect_timer(arena *a, const char *t) {
    if (!t) return NULL;
    size_t n = strlen(t);
    if (n >= 2 && (t[0] == '"' || t[0] == '\'') && t[n - 1] == t[0] && !memchr(t + 1, t[0], n - 2))
        return arena_strndup(a, t + 1, n - 2);          /* "PT1S": a literal as Lua or FEEL quotes it */
    if (iso_like(t) || bare_name(t)) return t;          /* a bare word stays, so the ISO check names it */
    char *lua = arena_alloc(a, n + 2);                  /* "PT" .. days .. "D": Lua giving a value */
    lua[0] = '=';
    memcpy(lua + 1, t, n + 1);
    return lua;
}

/* ---------- vendor execution attributes ---------- */

/* Attributes and extension elements read here or in model.c. */
static const char *const camunda_read[] = {
    "assignee", "dueDate", "candidateGroups", "candidateUsers", "calledElementBinding",
    "calledElementVersion", "collection", "elementVariable", "formData", "formField", "in", "out", NULL
};
static const char *const zeebe_read[] = {"taskSchedule", "assignmentDefinition", "calledElement", NULL};

/* One diagnostic on element `at`, charged to process `proc`. */
static void say(model *m, int proc, int error, const xml_node *at, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void say(model *m, int proc, int error, const xml_node *at, const char *id, const char *fmt, ...) {
    char buf[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    model_diag_add(m, proc, error, at, id, buf);
}
#define warn(m, proc, ...)  say(m, proc, 0, __VA_ARGS__)
#define error(m, proc, ...) say(m, proc, 1, __VA_ARGS__)

/* A due date as the editor wrote it: a duration → due; a date-time or
** a Lua expression → dueExpr (a literal becomes a quoted Lua string). */
static void read_due(model *m, int proc, const xml_node *at, model_node *n, const char *v, const char *attr) {
    if (!v || !*v || n->due || n->due_expr || n->due_working) return;
    char hint[512];
    if (model_dialect_hint(v, hint, sizeof hint)) {
        error(m, proc, at, n->id, "%s of '%s': %s; or give an ISO 8601 date-time or duration", attr, n->id, hint);
        return;
    }
    if (v[0] == 'P') { n->due = arena_strdup(m->mem, v); return; }
    size_t len = strlen(v);
    char *q = arena_alloc(m->mem, len + 3);
    snprintf(q, len + 3, "\"%s\"", v);
    n->due_expr = isdigit((unsigned char)v[0]) ? q : arena_strdup(m->mem, v);
}

/* candidateGroups → the step's role when no lane gives one; one
** candidate user → the assignee. sdm has one role and one assignee. */
static void read_candidates(model *m, int proc, const xml_node *at, model_node *n, const char *groups,
                            const char *users, const char *assignee) {
    if (assignee && *assignee && !n->assignee) {
        if (strchr(assignee, '$') || strchr(assignee, '#') || assignee[0] == '=')
            warn(m, proc, at, n->id, "'%s': the assignee expression '%s' is not read (sdm:assigneeExpr takes Lua)",
                 n->id, assignee);
        else n->assignee = arena_strdup(m->mem, assignee);
    }
    if (groups && *groups) {
        size_t k = strcspn(groups, ",");
        while (k && isspace((unsigned char)groups[k - 1])) k--;
        const char *g = groups;
        while (isspace((unsigned char)*g)) { g++; k--; }
        if (k && !strchr(groups, '$') && groups[0] != '=') {
            n->role = arena_strndup(m->mem, g, k);
            if (groups[strcspn(groups, ",")])
                warn(m, proc, at, n->id, "'%s' has candidate groups '%s'; a step has one role in sdm, so it goes to "
                     "'%s' (lanes name roles too)", n->id, groups, n->role);
        } else warn(m, proc, at, n->id, "'%s': candidate groups '%s' are an expression, not read", n->id, groups);
    }
    if (users && *users && !n->assignee) {
        if (!strchr(users, ',') && !strchr(users, '$') && users[0] != '=') n->assignee = arena_strdup(m->mem, users);
        else warn(m, proc, at, n->id, "'%s' has candidate users '%s'; sdm gives a step to one user or a role: "
                  "use a lane (role) or sdm:assign", n->id, users);
    }
}

void model_dialect_vendor(model *m, int proc, const xml_node *x, model_node *n) {
    const char *id = n ? n->id : xml_attr_get(x, NULL, "id");
    for (int i = 0; i < x->nattr; i++) {
        const xml_attr *a = &x->attrs[i];
        if (!a->ns || !(strcmp(a->ns, CAMUNDA_NS) == 0 || strcmp(a->ns, ZEEBE_NS) == 0)) continue;
        int cam = strcmp(a->ns, CAMUNDA_NS) == 0;
        if (cam && n && model_in_list(camunda_read, a->name)) continue;
        warn(m, proc, x, id, "%s '%s': %s:%s=\"%s\" is an execution attribute sdm does not read; it is ignored",
             x->name, id ? id : "", cam ? "camunda" : "zeebe", a->name, a->value);
    }
    const xml_node *ext = model_child(x, "extensionElements");
    for (const xml_node *e = ext ? ext->child : NULL; e; e = e->next) {
        if (!e->ns || !(strcmp(e->ns, CAMUNDA_NS) == 0 || strcmp(e->ns, ZEEBE_NS) == 0)) continue;
        int cam = strcmp(e->ns, CAMUNDA_NS) == 0;
        if (n && model_in_list(cam ? camunda_read : zeebe_read, e->name)) continue;
        warn(m, proc, e, id, "%s '%s': <%s:%s> is an execution setting sdm does not read; it is ignored",
             x->name, id ? id : "", cam ? "camunda" : "zeebe", e->name);
    }
    if (!n) return;
    if (n->kind == EL_TASK_USER) {
        read_due(m, proc, x, n, xml_attr_get(x, CAMUNDA_NS, "dueDate"), "camunda:dueDate");
        read_candidates(m, proc, x, n, xml_attr_get(x, CAMUNDA_NS, "candidateGroups"),
                        xml_attr_get(x, CAMUNDA_NS, "candidateUsers"), NULL);
    }
    for (const xml_node *e = ext ? ext->child : NULL; e; e = e->next) {
        if (xml_is(e, ZEEBE_NS, "taskSchedule"))
            read_due(m, proc, e, n, xml_attr_get(e, NULL, "dueDate"), "zeebe:taskSchedule dueDate");
        else if (xml_is(e, ZEEBE_NS, "assignmentDefinition"))
            read_candidates(m, proc, e, n, xml_attr_get(e, NULL, "candidateGroups"),
                            xml_attr_get(e, NULL, "candidateUsers"), xml_attr_get(e, NULL, "assignee"));
        else if (xml_is(e, ZEEBE_NS, "calledElement") && !n->called) {
            const char *pid = xml_attr_get(e, NULL, "processId");
            if (pid && pid[0] == '=')
                error(m, proc, e, n->id, "callActivity '%s': zeebe:calledElement processId '%s' is FEEL; sdm calls "
                      "a process named by its id (processId=\"order\")", n->id, pid);
            else if (pid && *pid) n->called = arena_strdup(m->mem, pid);
        }
    }
}
