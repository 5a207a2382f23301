/*
** org.c — the organisation and the client registry (see org.h).
**
** Tables (migration 3, described in store.h):
**   users, user_roles       who works here, in which roles, under which head
**   role_cursors            the round-robin position of each role
**   clients                 the client registry; owner is a user name
**   changes                 append-only log of card, user and ownership changes
**   task_log                one row per task created: who got it, and the
**                           client's previous task (so a role change is a
**                           handoff); view `handoffs` selects those
**   funnel                  one row per (instance, stage) reached
**
** Ownership rule. A client has at most one owner, the person holding the
** relationship. When a task of the client is assigned and the client has no
** active owner, the assignee becomes the owner. When a task is assigned by
** the `owner` rule (the default of a lane) to someone else than the owner --
** because the owner does not hold the lane's role, e.g. the lead passes from
** the call centre to a closer -- that user becomes the owner: the lane that
** owns the relationship has changed. Pool work (round-robin, least-open,
** fixed or scripted assignees) never takes a client from an active owner.
** Every owner change is a row in `changes` (kind 'client', field 'owner').
*/
#include <string.h>
#include <ctype.h>
#include <sqlite3.h>
#include <jansson.h>
#include "org.h"
#include "org_int.h"
#include "card.h"
#include "plan.h"
#include "notice.h"
#include "table.h"
#include "err.h"

const char org_schema[] =
    "CREATE TABLE users(name TEXT PRIMARY KEY, full_name TEXT, email TEXT, head TEXT,"
    "  active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX users_head ON users(head);"
    "CREATE TABLE user_roles(user TEXT NOT NULL REFERENCES users(name), role TEXT NOT NULL,"
    "  PRIMARY KEY(user, role)) WITHOUT ROWID;"
    "CREATE INDEX user_roles_role ON user_roles(role, user);"
    "CREATE TABLE role_cursors(role TEXT PRIMARY KEY, last_user TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE clients(key TEXT PRIMARY KEY, name TEXT, segment TEXT, region TEXT, product TEXT,"
    "  value REAL, owner TEXT, created_at INTEGER NOT NULL, created_by TEXT, updated_at INTEGER) WITHOUT ROWID;"
    "CREATE INDEX clients_owner ON clients(owner);"
    "CREATE TABLE changes(id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK(kind IN ('user','client')),"
    "  key TEXT NOT NULL, field TEXT NOT NULL, old TEXT, new TEXT, at INTEGER NOT NULL, actor TEXT, reason TEXT);"
    "CREATE INDEX changes_key ON changes(kind, key, id);"
    "CREATE TABLE task_log(task_id INTEGER PRIMARY KEY, instance_id INTEGER NOT NULL, client TEXT NOT NULL,"
    "  role TEXT, assignee TEXT, at INTEGER NOT NULL, prev_task INTEGER, prev_user TEXT, prev_role TEXT,"
    "  prev_at INTEGER);"
    "CREATE INDEX task_log_at ON task_log(at);"
    "CREATE VIEW handoffs AS SELECT task_id AS to_task, instance_id, client, prev_task AS from_task,"
    "  prev_user AS from_user, prev_role AS from_role, prev_at AS from_at, assignee AS to_user,"
    "  role AS to_role, at FROM task_log WHERE prev_role IS NOT NULL AND role IS NOT NULL AND prev_role <> role;"
    "CREATE TABLE funnel(instance_id INTEGER NOT NULL, stage TEXT NOT NULL, ord INTEGER NOT NULL,"
    "  process TEXT NOT NULL, client TEXT NOT NULL, entered_at INTEGER NOT NULL, left_at INTEGER, exit TEXT,"
    "  PRIMARY KEY(instance_id, stage)) WITHOUT ROWID;"
    "CREATE INDEX funnel_process ON funnel(process, client, stage, entered_at, left_at, exit);"
    "CREATE INDEX funnel_open ON funnel(instance_id) WHERE left_at IS NULL;"
    "CREATE INDEX tasks_done ON tasks(assignee, completed_at) WHERE state = 'completed';"
    "CREATE INDEX tasks_completed ON tasks(completed_at) WHERE state = 'completed';";


static int exists(store *s, const char *sql, const char *a, const char *b) {
    int64_t v;
    return store_sql_int(s, &v, NULL, sql, b ? "tt" : "t", a, b) == SDM_OK;
}

static int log_change(store *s, const char *kind, const char *key, const char *field, const char *old,
                      const char *new, int64_t now, const char *actor, const char *reason, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "INSERT INTO changes(kind, key, field, old, new, at, actor, reason)"
                    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", "tttttitt",
                    kind, key, field, old, new, now, actor, reason);
}

static int same(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* User and role names: letters, digits and . _ - @ (no spaces, no quotes). */
static int valid_name(const char *s) {
    if (!s || !*s || strlen(s) > 100) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("._-@", *s) && !((unsigned char)*s & 0x80)) return 0;
    return 1;
}

/* ---------- users ---------- */

int org_user_check(store *s, const char *name, sdm_err *err) {
    int64_t active;
    int rc = store_sql_int(s, &active, err, "SELECT active FROM users WHERE name = ?1", "t", name);
    if (rc == SDM_ERR_NOTFOUND)
        return err_set(err, rc, NULL, 0, NULL, "no user '%s' (see sdm users)", name ? name : "");
    if (!rc && !active) return err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "user '%s' is not active", name);
    return rc;
}

static int has_role(store *s, const char *user, const char *role) {
    return exists(s, "SELECT 1 FROM user_roles WHERE user = ?1 AND role = ?2", user, role);
}

/* Is `head` above `user` in the reporting line (directly or through others)? */
static int is_head_of(store *s, const char *head, const char *user) {
    if (!head || !user) return 0;
    return exists(s, "WITH RECURSIVE up(name, depth) AS (SELECT head, 1 FROM users WHERE name = ?1"
                     " UNION ALL SELECT u.head, up.depth + 1 FROM users u JOIN up ON u.name = up.name"
                     " WHERE up.depth < 64) SELECT 1 FROM up WHERE name = ?2", user, head);
}

static int check_no_cycle(store *s, sdm_err *err) {
    char *who = NULL;
    int rc = store_sql_text(s, &who, err,
        "WITH RECURSIVE up(start, cur, depth) AS (SELECT name, head, 1 FROM users WHERE head IS NOT NULL"
        " UNION ALL SELECT up.start, u.head, up.depth + 1 FROM up JOIN users u ON u.name = up.cur"
        " WHERE u.head IS NOT NULL AND up.depth < 1000)"
        " SELECT start FROM up WHERE cur = start LIMIT 1", NULL);
    if (rc == SDM_ERR_NOTFOUND) return SDM_OK;
    if (!rc) rc = err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL,
                          "user '%s' would report to themselves (a cycle of heads)", who);
    free(who);
    return rc;
}

/* Replace a user's roles by the comma-separated list; logs the change. */
static int set_roles(store *s, const char *user, const char *roles, int64_t now, const char *actor,
                     sdm_err *err) {
    char *old = NULL;
    store_sql_text(s, &old, NULL, "SELECT group_concat(role, ',') FROM (SELECT role FROM user_roles"
                            " WHERE user = ?1 ORDER BY role)", "t", user);
    int rc = store_sql_exec(s, NULL, err, "DELETE FROM user_roles WHERE user = ?1", "t", user);
    char *list = xstrdup(roles ? roles : "");
    for (char *save = NULL, *r = strtok_r(list, ",", &save); !rc && r; r = strtok_r(NULL, ",", &save)) {
        while (*r == ' ') r++;
        if (!*r) continue;
        if (!valid_name(r)) rc = err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL,
                                         "'%s' is not a valid role name (letters, digits, . _ - @)", r);
        else rc = store_sql_exec(s, NULL, err, "INSERT OR IGNORE INTO user_roles(user, role) VALUES(?1, ?2)",
                           "tt", user, r);
    }
    free(list);
    char *now_roles = NULL;
    if (!rc) store_sql_text(s, &now_roles, NULL, "SELECT group_concat(role, ',') FROM (SELECT role FROM user_roles"
                                           " WHERE user = ?1 ORDER BY role)", "t", user);
    if (!rc && !same(old, now_roles))
        rc = log_change(s, "user", user, "roles", old, now_roles, now, actor, NULL, err);
    free(old);
    free(now_roles);
    return rc;
}

/* Insert or update one user. *action gets "added", "updated" or "unchanged". */
static int upsert_user(store *s, const char *name, const char *roles, const char *head, const char *full,
                       const char *email, int64_t now, const char *actor, const char **action, sdm_err *err) {
    if (!valid_name(name))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL,
                       "'%s' is not a valid user name (letters, digits, . _ - @)", name ? name : "");
    if (head && strcmp(head, name) == 0)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "user '%s' cannot be their own head", name);
    sqlite3_stmt *st = NULL;
    int had = 0, rc;
    char *ofull = NULL, *oemail = NULL, *ohead = NULL;
    if (sqlite3_prepare_v2(store_sqlite(s), "SELECT full_name, email, head FROM users WHERE name = ?1",
                           -1, &st, NULL) != SQLITE_OK) return store_sql_error(s, err, "users");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        had = 1;
        ofull = store_col_text(st, 0); oemail = store_col_text(st, 1); ohead = store_col_text(st, 2);
    }
    sqlite3_finalize(st);
    if (!had) {
        rc = store_sql_exec(s, NULL, err, "INSERT INTO users(name, full_name, email, head, active, created_at)"
                      " VALUES(?1, ?2, ?3, ?4, 1, ?5)", "ttttI", name, full, email, head, now);
        if (!rc) rc = log_change(s, "user", name, "created", NULL, name, now, actor, NULL, err);
        *action = "added";
    } else {
        int changed = !same(ofull, full) || !same(oemail, email) || !same(ohead, head);
        rc = store_sql_exec(s, NULL, err, "UPDATE users SET full_name = ?2, email = ?3, head = ?4 WHERE name = ?1",
                      "tttt", name, full, email, head);
        if (!rc && !same(ohead, head)) rc = log_change(s, "user", name, "head", ohead, head, now, actor, NULL, err);
        *action = changed ? "updated" : "unchanged";
    }
    int64_t before = 0, after = 0;
    store_sql_int(s, &before, NULL, "SELECT count(*) FROM changes", NULL);
    if (!rc) rc = set_roles(s, name, roles, now, actor, err);
    store_sql_int(s, &after, NULL, "SELECT count(*) FROM changes", NULL);
    if (had && after > before) *action = "updated";
    free(ofull); free(oemail); free(ohead);
    return rc;
}

int org_user_add(store *s, const char *name, const char *roles, const char *head,
                 const char *full_name, const char *email, int64_t now, const char *actor, sdm_err *err) {
    if (exists(s, "SELECT 1 FROM users WHERE name = ?1", name, NULL))
        return err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "user '%s' already exists", name);
    if (!roles || !*roles)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "user '%s' needs at least one role (--role R)",
                       name ? name : "");
    if (head && !exists(s, "SELECT 1 FROM users WHERE name = ?1", head, NULL))
        return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no user '%s' to be the head of '%s'", head, name);
    const char *action;
    int rc = upsert_user(s, name, roles, head, full_name, email, now, actor, &action, err);
    return rc ? rc : check_no_cycle(s, err);
}

/* ---- the organisation file ----
**
**   # sales department            ('#' starts a comment; blank lines are ignored)
**   user olga   "Olga Ivanova" olga@example.com roles=head
**   user marina "Marina Petrova" roles=closer,key-account head=olga
**   user ivan   roles=call-centre head=olga email=ivan@example.com
**
** One `user` line per person: the name, then in any order a quoted full
** name, an e-mail address (a word with '@'), and key=value words: roles=
** (comma-separated, required), head=, email=, name= (full name; quote it
** when it has spaces), lang= (ru or en: the language their messages are
** written in). Two more kinds of line, applied after the users:
**   plan 2026-11 role=closer won=20 revenue=15000000 conversion_pct:Offer=80
**   role closer notify=inbox,email      (its people hear of each new task)
** Loading is one transaction: every listed user is
** added or updated to match the file exactly (their roles replaced); users
** the file does not mention are left as they are (deactivate them with
** `sdm user deactivate`, which moves their work). A head must be a user of
** the file or of the store; heads must not form a cycle. */

/* A `plan` or `role` line of the org file, applied once the users exist
** (plan.c, notice.c). */
typedef struct org_plan { int line; char *text; } org_plan;

typedef struct org_line {
    int line;
    char *name, *full, *email, *head, *roles, *lang;
} org_line;

/* Next word of a line: "quoted text" (with \" and \\) or up to a blank.
** *quoted tells which. Returns NULL at the end; sets *bad on an open quote. */
static char *next_word(char **p, int *quoted, int *bad) {
    char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == '\r') s++;
    if (!*s || *s == '#') { *p = s; return NULL; }
    *quoted = 0;
    sbuf b = {0};
    int inq = 0;
    for (; *s; s++) {
        if (inq) {
            if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) { sbuf_add(&b, ++s, 1); continue; }
            if (*s == '"') { inq = 0; continue; }
            sbuf_add(&b, s, 1);
        } else if (*s == '"') {
            inq = 1; *quoted = 1;
        } else if (*s == ' ' || *s == '\t' || *s == '\r') {
            break;
        } else {
            sbuf_add(&b, s, 1);
        }
    }
    if (inq) *bad = 1;
    *p = s;
    return sbuf_take(&b);
}

static void line_free(org_line *l) {
    free(l->name); free(l->full); free(l->email); free(l->head); free(l->roles); free(l->lang);
}

static int parse_line(const char *file, int lineno, char *text, org_line *l, sdm_err *err) {
    memset(l, 0, sizeof *l);
    l->line = lineno;
    int quoted = 0, bad = 0, rc = SDM_OK;
    char *p = text, *w = next_word(&p, &quoted, &bad);
    if (!w) return SDM_ERR_NOTFOUND;          /* blank or comment */
    if (strcmp(w, "user") != 0) {
        rc = err_set(err, SDM_ERR_MISUSE, file, lineno, NULL,
                     "a line must start with 'user', not '%s'", w);
        free(w);
        return rc;
    }
    free(w);
    l->name = next_word(&p, &quoted, &bad);
    if (!l->name || quoted || !valid_name(l->name))
        rc = err_set(err, SDM_ERR_MISUSE, file, lineno, NULL,
                     "'user' needs a name of letters, digits, . _ - @");
    while (!rc && (w = next_word(&p, &quoted, &bad))) {
        char *eq = quoted ? NULL : strchr(w, '=');
        char **slot = NULL;
        const char *val = w;
        if (quoted) slot = &l->full;
        else if (eq) {
            *eq = 0;
            val = eq + 1;
            if (strcmp(w, "roles") == 0 || strcmp(w, "role") == 0) slot = &l->roles;
            else if (strcmp(w, "head") == 0) slot = &l->head;
            else if (strcmp(w, "email") == 0) slot = &l->email;
            else if (strcmp(w, "name") == 0) slot = &l->full;
            else if (strcmp(w, "lang") == 0) slot = &l->lang;
            else rc = err_set(err, SDM_ERR_MISUSE, file, lineno, NULL,
                              "unknown key '%s' (known: roles, head, email, name, lang)", w);
        } else if (strchr(w, '@')) slot = &l->email;
        else rc = err_set(err, SDM_ERR_MISUSE, file, lineno, NULL,
                          "unexpected word '%s' (quote a full name: \"%s ...\")", w, w);
        if (!rc && *slot) rc = err_set(err, SDM_ERR_MISUSE, file, lineno, NULL, "'%s' given twice", w);
        if (!rc) *slot = xstrdup(val);
        free(w);
    }
    if (!rc && bad) rc = err_set(err, SDM_ERR_MISUSE, file, lineno, NULL, "unterminated quote");
    if (!rc && (!l->roles || !*l->roles))
        rc = err_set(err, SDM_ERR_MISUSE, file, lineno, NULL, "user '%s' has no roles= (at least one role)",
                     l->name);
    if (!rc && l->head && !*l->head) { free(l->head); l->head = NULL; }
    if (!rc && l->lang && strcmp(l->lang, "ru") && strcmp(l->lang, "en"))
        rc = err_set(err, SDM_ERR_MISUSE, file, lineno, NULL, "lang= is ru or en, not '%s'", l->lang);
    if (rc) line_free(l);
    return rc;
}

/* `role NAME notify=inbox,email`: whether the role's people hear of new tasks. */
static int role_line(store *s, const char *file, int line, const char *text, sdm_err *err) {
    char role[128], key[32], val[128];
    int rc = sscanf(text, "role %127s %31[^=]=%127s", role, key, val) == 3 && strcmp(key, "notify") == 0
        ? notice_role_set(s, role, val, err)
        : err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a role line is `role NAME notify=inbox,email`");
    if (rc) err_prefix(err, "%s:%d", file, line);
    return rc;
}

int org_load(store *s, const char *name, const char *text, int64_t now, const char *actor,
             sdm_table **out, sdm_err *err) {
    static const char *const cols[] = {"user", "action", "roles", "head", NULL};
    *out = NULL;
    org_line *lines = NULL;
    org_plan *plans = NULL;
    int n = 0, cap = 0, rc = SDM_OK, lineno = 0, nplan = 0;
    char *copy = xstrdup(text);
    for (char *p = copy; !rc && p && *p; ) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        lineno++;
        org_line l;
        const char *w = p + strspn(p, " \t");
        if ((strncmp(w, "plan", 4) == 0 || strncmp(w, "role", 4) == 0) && (w[4] == ' ' || w[4] == '\t')) {
            /* plans and role settings: applied once the users exist */
            plans = xrealloc(plans, sizeof *plans * (size_t)(nplan + 1));
            plans[nplan++] = (org_plan){lineno, xstrdup(w)};
            p = nl ? nl + 1 : NULL;
            continue;
        }
        int r = parse_line(name, lineno, p, &l, err);
        if (r == SDM_OK) {
            for (int i = 0; i < n && !rc; i++)
                if (strcmp(lines[i].name, l.name) == 0)
                    rc = err_set(err, SDM_ERR_MISUSE, name, lineno, NULL, "user '%s' is listed twice (first at line %d)",
                                 l.name, lines[i].line);
            if (rc) { line_free(&l); break; }
            if (n == cap) lines = xrealloc(lines, sizeof *lines * (size_t)(cap = cap ? cap * 2 : 16));
            lines[n++] = l;
        } else if (r != SDM_ERR_NOTFOUND) rc = r;
        p = nl ? nl + 1 : NULL;
    }
    free(copy);
    if (!rc && n == 0 && nplan == 0) rc = err_set(err, SDM_ERR_MISUSE, name, 0, NULL, "the file lists no user");
    /* Heads refer to users of the file or of the store. */
    for (int i = 0; !rc && i < n; i++) {
        if (!lines[i].head) continue;
        int found = exists(s, "SELECT 1 FROM users WHERE name = ?1", lines[i].head, NULL);
        for (int k = 0; k < n && !found; k++) found = strcmp(lines[k].name, lines[i].head) == 0;
        if (!found) rc = err_set(err, SDM_ERR_MISUSE, name, lines[i].line, NULL,
                                 "head '%s' of '%s' is not a user", lines[i].head, lines[i].name);
    }
    sdm_table *t = table_new(cols, "ssss");
    /* Insert everyone without heads first, then set heads, so that order in
    ** the file does not matter. */
    for (int i = 0; !rc && i < n; i++) {
        const char *action;
        org_line *l = &lines[i];
        char *ohead = NULL;
        store_sql_text(s, &ohead, NULL, "SELECT head FROM users WHERE name = ?1", "t", l->name);
        rc = upsert_user(s, l->name, l->roles, ohead, l->full, l->email, now, actor, &action, err);
        free(ohead);
        if (!rc) rc = store_sql_exec(s, NULL, err, "UPDATE users SET lang = ?2 WHERE name = ?1", "tt", l->name, l->lang);
        if (rc) { err_prefix(err, "%s:%d", name, l->line); break; }
        char **r = table_add_row(t);
        r[0] = xstrdup(l->name); r[1] = xstrdup(action); r[2] = xstrdup(l->roles);
        r[3] = l->head ? xstrdup(l->head) : NULL;
    }
    for (int i = 0; !rc && i < n; i++) {
        char *ohead = NULL;
        store_sql_text(s, &ohead, NULL, "SELECT head FROM users WHERE name = ?1", "t", lines[i].name);
        if (!same(ohead, lines[i].head)) {
            rc = store_sql_exec(s, NULL, err, "UPDATE users SET head = ?2 WHERE name = ?1", "tt", lines[i].name, lines[i].head);
            if (!rc) rc = log_change(s, "user", lines[i].name, "head", ohead, lines[i].head, now, actor, NULL, err);
            if (!rc && strcmp(t->cells[i * t->ncol + 1], "unchanged") == 0) {
                free(t->cells[i * t->ncol + 1]);
                t->cells[i * t->ncol + 1] = xstrdup("updated");
            }
        }
        free(ohead);
    }
    if (!rc) rc = check_no_cycle(s, err);
    for (int i = 0; i < nplan; i++) {
        int plan = strncmp(plans[i].text, "plan", 4) == 0;
        if (!rc) rc = plan ? plan_line(s, name, plans[i].line, plans[i].text, now, actor, err)
                           : role_line(s, name, plans[i].line, plans[i].text, err);
        if (!rc) {
            char **r = table_add_row(t);
            r[0] = xstrdup(plans[i].text); r[1] = xstrdup(plan ? "plan" : "role");
        }
        free(plans[i].text);
    }
    free(plans);
    for (int i = 0; i < n; i++) line_free(&lines[i]);
    free(lines);
    if (rc) { sdm_table_free(t); return rc; }
    *out = t;
    return SDM_OK;
}

int org_users(store *s, const char *role, const char *team, sdm_table **out, sdm_err *err) {
    if (team) {
        int rc = org_user_check(s, team, err);
        if (rc == SDM_ERR_STATE) rc = SDM_OK;
        if (rc) return rc;
    }
    return store_sql_table(s, out, "sssssbiit", err,
        "WITH RECURSIVE team(name) AS (SELECT ?2 UNION SELECT u.name FROM users u JOIN team ON u.head = team.name)"
        " SELECT u.name AS user, u.full_name, u.email, u.head,"
        " (SELECT group_concat(role, ',') FROM (SELECT role FROM user_roles r WHERE r.user = u.name ORDER BY role)) AS roles,"
        " u.active,"
        " (SELECT count(*) FROM tasks t WHERE t.assignee = u.name AND t.state = 'open') AS open_tasks,"
        " (SELECT count(*) FROM clients c WHERE c.owner = u.name) AS clients, u.created_at"
        " FROM users u WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user = u.name AND r.role = ?1))"
        " AND (?2 IS NULL OR u.name IN (SELECT name FROM team))"
        " ORDER BY u.name", "tt", role, team);
}

/* ---------- assignment ---------- */

static int set_cursor(store *s, const char *role, const char *user, sdm_err *err) {
    return store_sql_exec(s, NULL, err, "INSERT INTO role_cursors(role, last_user) VALUES(?1, ?2)"
                    " ON CONFLICT(role) DO UPDATE SET last_user = excluded.last_user", "tt", role, user);
}

/* The next active user of the role after its cursor, in name order. The
** order and the bound are on r.user (equal to u.name), so the search walks
** user_roles_role from the cursor and stops at the first active user
** instead of sorting the whole role. */
static int round_robin(store *s, const char *role, char **user, sdm_err *err) {
    int rc = store_sql_text(s, user, err,
        "SELECT u.name FROM user_roles r JOIN users u ON u.name = r.user WHERE r.role = ?1 AND u.active"
        " AND r.user > coalesce((SELECT last_user FROM role_cursors WHERE role = ?1), '')"
        " ORDER BY r.user LIMIT 1", "t", role);
    if (rc == SDM_ERR_NOTFOUND)
        rc = store_sql_text(s, user, err, "SELECT u.name FROM user_roles r JOIN users u ON u.name = r.user"
                      " WHERE r.role = ?1 AND u.active ORDER BY r.user LIMIT 1", "t", role);
    if (rc == SDM_ERR_NOTFOUND) return SDM_OK;        /* nobody: the role's queue */
    if (!rc) rc = set_cursor(s, role, *user, err);
    return rc;
}

/* The active user of the role with the fewest open tasks; among equals the
** first after the role's cursor in name order, else the first. Both reads
** walk user_roles_load, (role, open, user) of the active members
** (migration 15): the lowest load is the role's first row there, and the
** pick starts at the cursor among the users at that load. No sort, and a
** role's users are not all read. users.active is still the word. */
#define ACTIVE_OF_ROLE "user_roles r CROSS JOIN users u ON u.name = r.user AND u.active" \
                       " WHERE r.role = ?1 AND r.active"
static int least_open(store *s, const char *role, char **user, sdm_err *err) {
    int rc = store_user_load_flush(s, err);      /* this step's counts first */
    if (!rc) rc = store_sql_text(s, user, err,
        "WITH m(open) AS (SELECT r.open FROM " ACTIVE_OF_ROLE " ORDER BY r.open LIMIT 1)"
        " SELECT * FROM (SELECT r.user FROM " ACTIVE_OF_ROLE " AND r.open = (SELECT open FROM m)"
        "   AND r.user > coalesce((SELECT last_user FROM role_cursors WHERE role = ?1), '')"
        "   ORDER BY r.user LIMIT 1)"
        " UNION ALL SELECT * FROM (SELECT r.user FROM " ACTIVE_OF_ROLE " AND r.open = (SELECT open FROM m)"
        "   ORDER BY r.user LIMIT 1)"
        " LIMIT 1", "t", role);
    if (rc == SDM_ERR_NOTFOUND) return SDM_OK;
    if (!rc) rc = set_cursor(s, role, *user, err);
    return rc;
}

static int usable(store *s, const char *user, const char *role) {
    return user && exists(s, "SELECT 1 FROM users u JOIN user_roles r ON r.user = u.name"
                             " WHERE u.name = ?1 AND u.active AND r.role = ?2", user, role);
}

static int by_owner(store *s, const char *role, const char *client, char **user, sdm_err *err) {
    char *owner = NULL;
    store_sql_text(s, &owner, NULL, "SELECT owner FROM clients WHERE key = ?1", "t", client);
    if (usable(s, owner, role)) { *user = owner; return SDM_OK; }
    free(owner);
    /* continuity: who of this role last worked this client */
    int rc = store_sql_text(s, user, err,
        /* CROSS JOIN fixes the order: client -> its instances -> their tasks,
        ** never every task of every user in the role. */
        "SELECT t.assignee FROM instances i CROSS JOIN tasks t ON t.instance_id = i.id"
        " CROSS JOIN users u ON u.name = t.assignee AND u.active"
        " CROSS JOIN user_roles r ON r.user = t.assignee AND r.role = ?2"
        " WHERE i.client = ?1 AND t.role = ?2 ORDER BY t.id DESC LIMIT 1", "tt", client, role);
    if (rc != SDM_ERR_NOTFOUND) return rc;
    return round_robin(s, role, user, err);
}

/* ---------- the client's holders: one user per client per role ----------
**
** client_roles (migration 11) names, for each client and role, the one
** user who holds it (until IS NULL); ended rows stay as the record. Every
** task of the client in that role goes to the holder, whatever the lane's
** rule, so two processes on one client never reach two closers. The first
** assignment makes its assignee the holder; afterwards the holder changes
** only by `sdm client assign`, by a step whose assignee the model computes
** (sdm:assigneeExpr: the head's choice binds), or by deactivation. */

/* The client's current holder of the role as written, usable or not; NULL
** for none. */
static char *held_by(store *s, const char *client, const char *role) {
    char *u = NULL;
    if (client) store_sql_text(s, &u, NULL, "SELECT user FROM client_roles WHERE client = ?1 AND role = ?2"
                               " AND until IS NULL", "tt", client, role);
    return u;
}

static int holder(store *s, const char *client, const char *role, char **user) {
    char *u = held_by(s, client, role);
    if (usable(s, u, role)) { *user = u; return 1; }
    free(u);
    return 0;
}

int org_hold(store *s, const char *client, const char *role, const char *user, int64_t now,
             const char *actor, const char *reason, sdm_err *err) {
    char *old = held_by(s, client, role), field[160];
    int rc = SDM_OK;
    if (!same(old, user)) {
        rc = store_sql_exec(s, NULL, err, "UPDATE client_roles SET until = ?3 WHERE client = ?1 AND role = ?2"
                            " AND until IS NULL", "tti", client, role, now);
        if (!rc && user) rc = store_sql_exec(s, NULL, err, "INSERT INTO client_roles(client, role, user, since, reason)"
                                             " VALUES(?1, ?2, ?3, ?4, ?5)", "tttit", client, role, user, now, reason);
        snprintf(field, sizeof field, "holder %s", role);
        if (!rc) rc = log_change(s, "client", client, field, old, user, now, actor, reason, err);
    }
    free(old);
    return rc;
}

/* A task this step opened: its assignee becomes the holder when the role
** has none (or none usable), or when the model chose them by expression.
** The usual task is the holder's own next one: the holder row read first
** answers it without the two membership checks (bench10 with lanes:
** 22.9K -> 12.8K instructions a completion here). */
int org_hold_task(store *s, const model_node *n, const char *client, const char *role, const char *assignee,
                     int64_t now, const char *actor, sdm_err *err) {
    if (!role || !assignee) return SDM_OK;
    char *cur = held_by(s, client, role);
    int rc = SDM_OK;
    if (cur && strcmp(cur, assignee) == 0) { free(cur); return SDM_OK; }
    if (usable(s, assignee, role)) {
        if (!usable(s, cur, role)) rc = org_hold(s, client, role, assignee, now, actor, "first assignee", err);
        else if (n && n->assignee_expr) rc = org_hold(s, client, role, assignee, now, actor, "chosen by the process", err);
    }
    free(cur);
    return rc;
}

int org_assign(void *store_ctx, const model_node *n, const char *client, char **user, sdm_err *err) {
    store *s = store_ctx;
    *user = NULL;
    if (!n->role) return SDM_OK;
    if (holder(s, client, n->role, user)) return SDM_OK;
    /* a task of the role opened earlier in this step, before any holder was
    ** written (two processes started together, parallel branches) */
    int rc = store_sql_text(s, user, err,
        "SELECT t.assignee FROM instances i CROSS JOIN tasks t ON t.instance_id = i.id"
        " CROSS JOIN users u ON u.name = t.assignee AND u.active"
        " CROSS JOIN user_roles r ON r.user = t.assignee AND r.role = ?2"
        " WHERE i.client = ?1 AND t.role = ?2 AND t.state = 'open' ORDER BY t.id DESC LIMIT 1", "tt", client, n->role);
    if (rc != SDM_ERR_NOTFOUND) return rc;
    const char *rule = n->assign ? n->assign : "owner";
    if (strcmp(rule, "round-robin") == 0) return round_robin(s, n->role, user, err);
    if (strcmp(rule, "least-open") == 0) return least_open(s, n->role, user, err);
    return by_owner(s, n->role, client, user, err);
}

/* ---------- clients ---------- */

static const char *const fixed_fields[] = {"name", "segment", "region", "product", "value", "owner", "inn", "phone",
                                           "email", NULL};

int org_set_owner(store *s, const char *client, const char *owner, int64_t now, const char *actor,
                     const char *reason, sdm_err *err) {
    char *old = NULL;
    store_sql_text(s, &old, NULL, "SELECT owner FROM clients WHERE key = ?1", "t", client);
    int rc = SDM_OK;
    if (!same(old, owner)) {
        rc = store_sql_exec(s, NULL, err, "UPDATE clients SET owner = ?2, updated_at = ?3 WHERE key = ?1",
                      "tti", client, owner, now);
        if (!rc) rc = log_change(s, "client", client, "owner", old, owner, now, actor, reason, err);
    }
    free(old);
    return rc;
}

int org_client_insert(store *s, const char *key, int64_t now, const char *actor, sdm_err *err) {
    int n = 0;
    int rc = store_sql_exec(s, &n, err, "INSERT OR IGNORE INTO clients(key, created_at, created_by) VALUES(?1, ?2, ?3)",
                      "tit", key, now, actor);
    if (!rc && n) rc = log_change(s, "client", key, "created", NULL, key, now, actor, NULL, err);
    return rc;
}

/* Apply the card fields of a JSON object; unknown fields are an error. */
static int apply_fields(store *s, const char *key, json_t *o, int strict, int64_t now, const char *actor,
                        sdm_err *err) {
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        int known = 0;
        for (int i = 0; fixed_fields[i]; i++) known |= strcmp(fixed_fields[i], k) == 0;
        if (strcmp(k, "force") == 0) continue;             /* org_client_set's flag */
        char *text = json_is_string(v) ? xstrdup(json_string_value(v))
                   : json_is_null(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        int rc = SDM_OK;
        if (text && !*text) { free(text); text = NULL; }
        if (!known && card_field_declared(s, k)) {
            rc = card_field_set(s, key, k, text, now, actor, err);
            free(text);
            if (rc) return rc;
            continue;
        }
        if (!known) {
            free(text);
            if (!strict) continue;
            return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "unknown client field '%s' (known: name, segment, region,"
                           " product, value, owner, inn, phone, email, and those of sdm card fields)", k);
        }
        if (text && (strcmp(k, "inn") == 0 || strcmp(k, "phone") == 0 || strcmp(k, "email") == 0)) {
            char *norm = NULL;
            rc = card_normalise(k, text, &norm, err);
            free(text);
            if (rc && !strict) continue;               /* a start's odd phone does not stop the start */
            if (rc) return rc;
            text = norm;
        }
        if (strcmp(k, "value") == 0 && text) {
            char *end;
            strtod(text, &end);
            if (*end) rc = err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "client value must be a number, not '%s'", text);
        }
        if (!rc && strcmp(k, "owner") == 0) {
            if (text) rc = org_user_check(s, text, err);
            if (!rc) rc = org_set_owner(s, key, text, now, actor, "set by hand", err);
        } else if (!rc) {
            char *old = NULL, sql[160];
            snprintf(sql, sizeof sql, "SELECT %s FROM clients WHERE key = ?1", k);
            store_sql_text(s, &old, NULL, sql, "t", key);
            int differs = !same(old, text);
            if (differs && old && text && strcmp(k, "value") == 0) differs = strtod(old, NULL) != strtod(text, NULL);
            if (differs) {
                snprintf(sql, sizeof sql, strcmp(k, "value") == 0
                         ? "UPDATE clients SET %s = CAST(?2 AS REAL), updated_at = ?3 WHERE key = ?1"
                         : "UPDATE clients SET %s = ?2, updated_at = ?3 WHERE key = ?1", k);
                rc = store_sql_exec(s, NULL, err, sql, "tti", key, text, now);
                if (!rc) rc = log_change(s, "client", key, k, old, text, now, actor, NULL, err);
            }
            free(old);
        }
        free(text);
        if (rc) return rc;
    }
    return SDM_OK;
}

int org_client_register(store *s, const char *key, const char *vars_json, int64_t now,
                        const char *actor, sdm_err *err) {
    if (exists(s, "SELECT 1 FROM clients WHERE key = ?1", key, NULL)) return SDM_OK;
    int rc = org_client_insert(s, key, now, actor, err);
    json_t *o = vars_json ? json_loads(vars_json, 0, NULL) : NULL;
    if (!rc && json_is_object(o)) {
        json_t *card = json_object();
        for (int i = 0; fixed_fields[i]; i++) {
            json_t *v = json_object_get(o, fixed_fields[i]);
            if (v && strcmp(fixed_fields[i], "owner") != 0 && (json_is_string(v) || json_is_number(v)))
                json_object_set(card, fixed_fields[i], v);
        }
        if (json_object_get(card, "value") && !json_is_number(json_object_get(card, "value")))
            json_object_del(card, "value");
        rc = apply_fields(s, key, card, 0, now, actor, err);
        json_decref(card);
    }
    json_decref(o);
    if (!rc) rc = card_identify(s, key, NULL, 0, err);
    return rc;
}

int org_client_set(store *s, const char *key, const char *fields_json, int create, int64_t now,
                   const char *actor, sdm_err *err) {
    if (!key || !*key || strlen(key) > 200)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a client key is required");
    int had = exists(s, "SELECT 1 FROM clients WHERE key = ?1", key, NULL);
    if (create && had) return err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "client '%s' already exists", key);
    if (!create && !had) return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no client '%s'", key);
    json_error_t je;
    json_t *o = fields_json ? json_loads(fields_json, 0, &je) : json_object();
    if (!json_is_object(o)) {
        json_decref(o);
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "client fields must be a JSON object");
    }
    int rc = create ? org_client_insert(s, key, now, actor, err) : SDM_OK;
    if (!rc) rc = apply_fields(s, key, o, 1, now, actor, err);
    /* an update is compared on the identifiers it writes only */
    sbuf ids = {0};
    sbuf_add(&ids, ",", 1);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) { sbuf_add(&ids, k, strlen(k)); sbuf_add(&ids, ",", 1); }
    char *changed = sbuf_take(&ids);
    if (!rc) rc = card_identify(s, key, create ? NULL : changed, json_is_true(json_object_get(o, "force")), err);
    free(changed);
    json_decref(o);
    return rc;
}

#define CLIENT_COLS "c.key AS client, c.name, c.segment, c.region, c.product, c.value, c.owner, c.created_at"

int org_clients(store *s, const sdm_filter *f, sdm_table **out, sdm_err *err) {
    static const sdm_filter none;
    if (!f) f = &none;
    int limit = f->limit > 0 ? f->limit : 1000;
    if (f->where) {
        const char *eq = strchr(f->where, '=');
        char *field = eq ? xstrdup(f->where) : NULL;
        if (field) field[eq - f->where] = 0;
        int rc = card_field_check(s, field, err);
        if (!rc) rc = store_sql_table(s, out, "sssssrsti", err,
            "SELECT " CLIENT_COLS ", (SELECT count(*) FROM instances i WHERE i.client = c.key AND i.state = 'active')"
            " AS active FROM clients c WHERE " CARD_FIELD_SQL " = ?2 AND (?4 IS NULL OR c.owner = ?4)"
            " ORDER BY c.key LIMIT ?3", "ttit", field, eq + 1, (int64_t)limit, f->user);
        else if (!eq) rc = err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "--where needs FIELD=VALUE, not '%s'", f->where);
        free(field);
        return rc;
    }
    if (f->user) {
        return store_sql_table(s, out, "sssssrsti", err,
            "SELECT " CLIENT_COLS ", (SELECT count(*) FROM instances i WHERE i.client = c.key AND i.state = 'active')"
            " AS active FROM clients c WHERE c.owner = ?1 ORDER BY c.key LIMIT ?2", "ti", f->user, (int64_t)limit);
    }
    return store_sql_table(s, out, "sssssrsti", err,
        "SELECT " CLIENT_COLS ", (SELECT count(*) FROM instances i WHERE i.client = c.key AND i.state = 'active')"
        " AS active FROM clients c WHERE c.key >= coalesce(?1, '') ORDER BY c.key LIMIT ?2",
        "ti", f->client, (int64_t)limit);
}

int org_client_card(store *s, const char *key, sdm_table **out, sdm_err *err) {
    int rc = store_sql_table(s, out, "sssssrststssssssj", err,
        "SELECT " CLIENT_COLS ", c.created_by, c.updated_at, (SELECT full_name FROM users WHERE name = c.owner)"
        " AS owner_name, (SELECT group_concat(process || ' #' || id || ' ' || state, ', ') FROM instances i"
        " WHERE i.client = c.key) AS instances, c.inn, c.phone, c.email,"
        " (SELECT group_concat(role || ':' || user, ', ') FROM (SELECT role, user FROM client_roles r"
        "  WHERE r.client = c.key AND r.until IS NULL ORDER BY role)) AS holders,"
        " (SELECT json_group_object(field, value) FROM (SELECT field, value FROM client_fields f"
        "  WHERE f.client = c.key ORDER BY field)) AS fields"
        " FROM clients c WHERE c.key = ?1", "t", key);
    if (!rc && (*out)->nrow == 0) {
        sdm_table_free(*out);
        *out = NULL;
        return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no client '%s'", key);
    }
    return rc;
}

/* Everything that happened to a client: its card changes and the history of
** every instance, in time order; step (a task's name), actor_name and
** target_name (the full name of the assignee or receiver) let a page tell
** it in words. */
int org_client_history(store *s, const char *key, sdm_table **out, sdm_err *err) {
    return store_sql_table(s, out, "tsissssjsss", err,
        "SELECT at, source, instance, event, node, actor, reason, detail, step,"
        " (SELECT u.full_name FROM users u WHERE u.name = actor) AS actor_name,"
        " (SELECT u.full_name FROM users u WHERE detail IS NOT NULL AND json_valid(detail)"
        "   AND u.name = coalesce(json_extract(detail, '$.assignee'), json_extract(detail, '$.to'))) AS target_name FROM ("
        " SELECT x.at, 'card' AS source, NULL AS instance, 'changed ' || x.field AS event, NULL AS node,"
        "  x.actor, x.reason, json_object('old', x.old, 'new', x.new) AS detail, 0 AS seq, x.id, NULL AS step"
        "  FROM changes x WHERE x.kind = 'client' AND x.key = ?1"
        " UNION ALL"
        " SELECT k.at, 'contact', NULL, k.type, NULL, k.actor, NULL, json_object('text', k.text), 0, k.id, NULL"
        "  FROM contacts k WHERE k.client = ?1"
        " UNION ALL"
        " SELECT h.at, i.process, i.id, h.event, h.node, h.actor, NULL, h.detail, 1, h.id,"
        "  (SELECT t.name FROM tasks t WHERE t.instance_id = i.id AND t.node = h.node ORDER BY t.id DESC LIMIT 1)"
        "  FROM instances i JOIN history h ON h.instance_id = i.id WHERE i.client = ?1)"
        " ORDER BY at, seq, id", "t", key);
}

/* ---------- tasks ---------- */

typedef struct task_row {
    int64_t id, inst;
    char *node, *role, *assignee, *state, *client;
} task_row;

static void task_row_free(task_row *t) {
    free(t->node); free(t->role); free(t->assignee); free(t->state); free(t->client);
}

static int task_load(store *s, int64_t id, task_row *t, int need_open, sdm_err *err) {
    memset(t, 0, sizeof *t);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_sqlite(s), "SELECT t.id, t.instance_id, t.node, t.role, t.assignee, t.state,"
                           " i.client FROM tasks t JOIN instances i ON i.id = t.instance_id WHERE t.id = ?1",
                           -1, &st, NULL) != SQLITE_OK) return store_sql_error(s, err, "task");
    sqlite3_bind_int64(st, 1, id);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        t->id = sqlite3_column_int64(st, 0);
        t->inst = sqlite3_column_int64(st, 1);
        t->node = store_col_text(st, 2); t->role = store_col_text(st, 3); t->assignee = store_col_text(st, 4);
        t->state = store_col_text(st, 5); t->client = store_col_text(st, 6);
    }
    sqlite3_finalize(st);
    if (!found) return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no task %lld", (long long)id);
    if (need_open && strcmp(t->state, "open") != 0) {
        int rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "task %lld is already %s", (long long)id, t->state);
        task_row_free(t);
        return rc;
    }
    return SDM_OK;
}

static int reassign(store *s, task_row *t, const char *to, const char *event, const char *reason,
                    int64_t now, const char *actor, sdm_err *err) {
    int rc = store_sql_exec(s, NULL, err, "UPDATE tasks SET assignee = ?2 WHERE id = ?1 AND state = 'open'",
                      "it", t->id, to);
    json_t *d = json_pack("{s:I, s:s?, s:s?, s:s?}", "task", (json_int_t)t->id, "from", t->assignee,
                          "to", to, "reason", reason);
    char *detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    if (!rc) rc = store_history(s, t->inst, 0, t->node, event, now, actor, detail, err);
    free(detail);
    return rc;
}

/* Open task `task` for a user of the organisation to take (claim, delegate). */
static int task_for(store *s, int64_t task, const char *user, task_row *t, sdm_err *err) {
    int rc = org_user_check(s, user, err);
    return rc ? rc : task_load(s, task, t, 1, err);
}

/* SDM_ERR_STATE unless `user` has the role of task t (a task without one: anybody). */
static int role_check(store *s, const char *user, const task_row *t, sdm_err *err) {
    if (!t->role || has_role(s, user, t->role)) return SDM_OK;
    return err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "user '%s' does not have the role '%s' of task %lld",
                   user, t->role, (long long)t->id);
}

/* The acting person (--as) when they are a user of the organisation. */
static int actor_is_user(store *s, const char *actor) {
    return actor && exists(s, "SELECT 1 FROM users WHERE name = ?1", actor, NULL);
}

int org_task_claim(store *s, int64_t task, const char *user, int force, int64_t now,
                   const char *actor, sdm_err *err) {
    if (!user) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "claim needs the user who takes the task");
    task_row t;
    int rc = task_for(s, task, user, &t, err);
    if (rc) return rc;
    if (t.assignee && strcmp(t.assignee, user) == 0) { task_row_free(&t); return SDM_OK; }
    int head = t.assignee && (is_head_of(s, user, t.assignee) || is_head_of(s, actor, t.assignee));
    if (!force && t.assignee && !head)
        rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL,
                     "task %lld is assigned to '%s'; only their head may take it over (or use --force)",
                     (long long)task, t.assignee);
    if (!rc && !force && !is_head_of(s, user, t.assignee)) rc = role_check(s, user, &t, err);
    if (!rc) rc = reassign(s, &t, user, "task-claimed", force ? "forced" : NULL, now, actor, err);
    task_row_free(&t);
    return rc;
}

int org_task_unclaim(store *s, int64_t task, const char *user, int force, int64_t now,
                     const char *actor, sdm_err *err) {
    task_row t;
    int rc = task_load(s, task, &t, 1, err);
    if (rc) return rc;
    const char *who = user ? user : actor_is_user(s, actor) ? actor : NULL;
    if (!t.assignee)
        rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "task %lld is not assigned to anyone", (long long)task);
    else if (!force && who && strcmp(who, t.assignee) != 0 && !is_head_of(s, who, t.assignee))
        rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL,
                     "task %lld is assigned to '%s', not to '%s'", (long long)task, t.assignee, who);
    if (!rc) rc = reassign(s, &t, NULL, "task-unclaimed", NULL, now, actor, err);
    task_row_free(&t);
    return rc;
}

int org_task_delegate(store *s, int64_t task, const char *to, int force, int64_t now,
                      const char *actor, sdm_err *err) {
    if (!to) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "delegate needs --to USER");
    task_row t;
    int rc = task_for(s, task, to, &t, err);
    if (rc) return rc;
    if (!force) rc = role_check(s, to, &t, err);
    if (!rc && !force && t.assignee && actor_is_user(s, actor) && strcmp(actor, t.assignee) != 0 &&
        !is_head_of(s, actor, t.assignee))
        rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL,
                     "task %lld is assigned to '%s'; '%s' may not delegate it", (long long)task, t.assignee, actor);
    if (!rc && !(t.assignee && strcmp(t.assignee, to) == 0))
        rc = reassign(s, &t, to, "task-delegated", NULL, now, actor, err);
    task_row_free(&t);
    return rc;
}

/* An explicit reassignment: the new holder gets the client's open tasks of
** the role too. */
int org_client_assign(store *s, const char *client, const char *role, const char *user, int64_t now,
                      const char *actor, sdm_err *err) {
    if (!exists(s, "SELECT 1 FROM clients WHERE key = ?1", client, NULL))
        return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no client '%s'", client ? client : "");
    if (!role || !*role) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "client assign needs --role ROLE");
    int rc = org_user_check(s, user, err);
    if (!rc && !has_role(s, user, role))
        rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "user '%s' does not have the role '%s'", user, role);
    if (!rc) rc = org_hold(s, client, role, user, now, actor, "reassigned", err);
    sdm_table *open = NULL;
    if (!rc) rc = store_sql_table(s, &open, "i", err, "SELECT t.id FROM instances i JOIN tasks t ON t.instance_id = i.id"
                                  " WHERE i.client = ?1 AND t.role = ?2 AND t.state = 'open'"
                                  " AND coalesce(t.assignee, '') <> ?3 ORDER BY t.id", "ttt", client, role, user);
    for (int r = 0; !rc && open && r < open->nrow; r++) {
        task_row t;
        rc = task_load(s, strtoll(open->cells[r], NULL, 10), &t, 1, err);
        if (!rc) rc = reassign(s, &t, user, "task-reassigned", "client reassigned", now, actor, err);
        if (!rc) task_row_free(&t);
    }
    sdm_table_free(open);
    return rc;
}

/* ---------- deactivation ---------- */

static void add_move(sdm_table *m, const char *kind, const char *id, const char *from, const char *to) {
    char **r = table_add_row(m);
    r[0] = xstrdup(kind); r[1] = xstrdup(id); r[2] = from ? xstrdup(from) : NULL; r[3] = to ? xstrdup(to) : NULL;
}

/* The leaver's client roles: to the successor when they hold the role,
** else to whoever now has the client's open task of the role, else by the
** role's round robin; with nobody left the role is free. */
static int move_holdings(store *s, const char *name, const char *to, sdm_table *m, int64_t now,
                         const char *actor, sdm_err *err) {
    sdm_table *held = NULL;
    int rc = store_sql_table(s, &held, "ss", err, "SELECT client, role FROM client_roles WHERE user = ?1"
                             " AND until IS NULL ORDER BY client, role", "t", name);
    char reason[200];
    snprintf(reason, sizeof reason, "%s deactivated", name);
    for (int i = 0; !rc && held && i < held->nrow; i++) {
        const char *client = held->cells[i * 2], *role = held->cells[i * 2 + 1];
        char *dest = to && usable(s, to, role) ? xstrdup(to) : NULL;
        if (!dest) store_sql_text(s, &dest, NULL, "SELECT t.assignee FROM instances i JOIN tasks t ON t.instance_id = i.id"
                                  " JOIN users u ON u.name = t.assignee AND u.active WHERE i.client = ?1 AND t.role = ?2"
                                  " AND t.state = 'open' ORDER BY t.id DESC LIMIT 1", "tt", client, role);
        if (!dest) rc = round_robin(s, role, &dest, err);
        if (!rc) rc = org_hold(s, client, role, dest, now, actor, reason, err);
        char what[300];
        snprintf(what, sizeof what, "%s %s", client, role);
        if (!rc) add_move(m, "holder", what, name, dest);
        free(dest);
    }
    sdm_table_free(held);
    return rc;
}

int org_user_deactivate(store *s, const char *name, const char *to, int64_t now, const char *actor,
                        sdm_table **moves, sdm_err *err) {
    static const char *const cols[] = {"moved", "id", "from", "to", NULL};
    *moves = NULL;
    int rc = org_user_check(s, name, err);
    if (rc) return rc;
    if (to && strcmp(to, name) == 0)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "cannot hand '%s''s work to themselves", name);
    if (to && (rc = org_user_check(s, to, err))) return rc;
    rc = store_sql_exec(s, NULL, err, "UPDATE users SET active = 0 WHERE name = ?1", "t", name);
    char why[200];
    snprintf(why, sizeof why, "work to %s", to ? to : "the role's rule");
    if (!rc) rc = log_change(s, "user", name, "active", "1", "0", now, actor, why, err);
    sdm_table *m = table_new(cols, "ssss");
    /* open tasks: to the successor, else by the role's rule (round robin) */
    sdm_table *tasks = NULL;
    if (!rc) rc = store_sql_table(s, &tasks, "is", err, "SELECT id, role FROM tasks WHERE assignee = ?1 AND state = 'open'"
                            " ORDER BY id", "t", name);
    for (int i = 0; !rc && tasks && i < tasks->nrow; i++) {
        task_row t;
        rc = task_load(s, strtoll(tasks->cells[i * 2], NULL, 10), &t, 1, err);
        if (rc) break;
        char *dest = to ? xstrdup(to) : NULL;
        if (!dest && t.role) rc = round_robin(s, t.role, &dest, err);
        char reason[200];
        snprintf(reason, sizeof reason, "%s deactivated", name);
        if (!rc) rc = reassign(s, &t, dest, "task-reassigned", reason, now, actor, err);
        if (!rc) add_move(m, "task", tasks->cells[i * 2], name, dest);
        free(dest);
        task_row_free(&t);
    }
    sdm_table_free(tasks);
    /* owned clients: to the successor, else round robin in the leaver's role
    ** that still has active users */
    sdm_table *clients = NULL;
    if (!rc) rc = store_sql_table(s, &clients, "s", err, "SELECT key FROM clients WHERE owner = ?1 ORDER BY key", "t", name);
    char *role = NULL;
    if (!rc && !to && clients && clients->nrow)
        store_sql_text(s, &role, NULL, "SELECT r.role FROM user_roles r WHERE r.user = ?1 AND EXISTS (SELECT 1 FROM"
                 " user_roles o JOIN users u ON u.name = o.user WHERE o.role = r.role AND u.active)"
                 " ORDER BY r.role LIMIT 1", "t", name);
    for (int i = 0; !rc && clients && i < clients->nrow; i++) {
        char *dest = to ? xstrdup(to) : NULL;
        if (!dest && role) rc = round_robin(s, role, &dest, err);
        char reason[200];
        snprintf(reason, sizeof reason, "%s deactivated", name);
        if (!rc) rc = org_set_owner(s, clients->cells[i], dest, now, actor, reason, err);
        if (!rc) add_move(m, "client", clients->cells[i], name, dest);
        free(dest);
    }
    free(role);
    sdm_table_free(clients);
    if (!rc) rc = move_holdings(s, name, to, m, now, actor, err);
    /* reports: to the successor, else to the leaver's own head */
    sdm_table *team = NULL;
    char *head = NULL;
    if (!rc) store_sql_text(s, &head, NULL, "SELECT head FROM users WHERE name = ?1", "t", name);
    if (!rc) rc = store_sql_table(s, &team, "s", err, "SELECT name FROM users WHERE head = ?1 ORDER BY name", "t", name);
    for (int i = 0; !rc && team && i < team->nrow; i++) {
        const char *dest = to ? to : head;
        if (dest && strcmp(dest, team->cells[i]) == 0) dest = head;   /* the successor was in the team */
        rc = store_sql_exec(s, NULL, err, "UPDATE users SET head = ?2 WHERE name = ?1", "tt", team->cells[i], dest);
        if (!rc) rc = log_change(s, "user", team->cells[i], "head", name, dest, now, actor, "head deactivated", err);
        if (!rc) add_move(m, "report", team->cells[i], name, dest);
    }
    free(head);
    sdm_table_free(team);
    if (!rc) rc = check_no_cycle(s, err);
    if (rc) { sdm_table_free(m); return rc; }
    *moves = m;
    return SDM_OK;
}
