/*
** report.c — calendars and reports for managers and heads (see report.h).
**
** Indexes each query relies on (created in store.c migration 1 and org.c
** migration 3):
**   calendar with a user   tasks_assignee(assignee, state, due_at): range scan,
**                          already in due order, no sort
**   calendar, everybody    tasks_open_due(due_at) WHERE state = 'open' AND
**                          due_at IS NOT NULL (overdue, today, upcoming)
**   monitor                tasks_assignee, tasks_done(assignee, completed_at)
**                          WHERE state = 'completed' AND assignee IS NOT NULL
**   funnel                 funnel_process(process, client, stage, entered_at,
**                          left_at, exit): covering, one pass in client order
**   kpi                    tasks_completed(completed_at)
*/
#include <string.h>
#include <math.h>
#include <sqlite3.h>
#include "report.h"
#include "card.h"
#include "form.h"
#include "org.h"
#include "table.h"
#include "err.h"
#include "diagram.h"
#include "plan.h"
#include <time.h>

/* The user column of a tier's (a role's) total row in the KPIs. */
#define TIER "(all)"
#define KPI_PLAN 16

/* ---------- the calendar ---------- */

#define CAL_COLS "SELECT t.id AS task, t.instance_id AS instance, i.client, c.name AS client_name," \
    " i.process, coalesce(t.name, t.node) AS step, t.role, t.assignee, t.created_at, t.due_at," \
    " CASE WHEN t.due_at IS NULL THEN 'no due date' WHEN t.due_at < ?2 THEN 'overdue'" \
    " WHEN t.due_at < ?4 THEN 'today' ELSE 'upcoming' END AS status" \
    " FROM tasks t JOIN instances i ON i.id = t.instance_id LEFT JOIN clients c ON c.key = i.client" \
    " WHERE t.state = 'open'"

const char *report_calendar_sql(const char *when, int with_user) {
    static const char *const sql[2][4] = {
        {CAL_COLS " AND ?1 IS NULL AND t.due_at < ?2 ORDER BY t.due_at, t.id LIMIT ?5",
         CAL_COLS " AND ?1 IS NULL AND t.due_at >= ?3 AND t.due_at < ?4 ORDER BY t.due_at, t.id LIMIT ?5",
         CAL_COLS " AND ?1 IS NULL AND t.due_at >= ?4 ORDER BY t.due_at, t.id LIMIT ?5",
         CAL_COLS " AND ?1 IS NULL ORDER BY t.due_at IS NULL, t.due_at, t.id LIMIT ?5"},
        {CAL_COLS " AND t.assignee = ?1 AND t.due_at < ?2 ORDER BY t.due_at, t.id LIMIT ?5",
         CAL_COLS " AND t.assignee = ?1 AND t.due_at >= ?3 AND t.due_at < ?4 ORDER BY t.due_at, t.id LIMIT ?5",
         CAL_COLS " AND t.assignee = ?1 AND t.due_at >= ?4 ORDER BY t.due_at, t.id LIMIT ?5",
         CAL_COLS " AND t.assignee = ?1 ORDER BY t.due_at IS NULL, t.due_at, t.id LIMIT ?5"},
    };
    int k = !when || strcmp(when, "all") == 0 ? 3 : strcmp(when, "overdue") == 0 ? 0
          : strcmp(when, "today") == 0 ? 1 : strcmp(when, "upcoming") == 0 ? 2 : -1;
    return k < 0 ? NULL : sql[with_user ? 1 : 0][k];
}

int report_calendar(store *s, const char *user, const char *when, int64_t now, int64_t day_start,
                    int64_t day_end, int limit, sdm_table **out, sdm_err *err) {
    *out = NULL;
    const char *sql = report_calendar_sql(when, user != NULL);
    if (!sql) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL,
                             "unknown calendar view '%s' (today, overdue, upcoming, all)", when);
    if (user) {
        int rc = org_user_check(s, user, err);
        if (rc == SDM_ERR_NOTFOUND) return rc;   /* an inactive user may still have history */
    }
    return store_sql_table(s, out, "iisssssstts", err, sql, "tiiii", user, now, day_start, day_end,
                     (int64_t)(limit > 0 ? limit : 1000));
}

/* ---------- a task's card ---------- */

static void add_next(sbuf *b, const model_proc *p, int node, int depth) {
    const model_node *n = &p->nodes[node];
    for (int k = 0; k < n->nout; k++) {
        const model_flow *f = &p->flows[n->out[k]];
        const model_node *d = &p->nodes[f->dst];
        if (b->len) sbuf_puts(b, "; ");
        if (f->cond) sbuf_printf(b, "if %s: ", f->cond);
        else if (n->out[k] == n->dflt) sbuf_puts(b, "otherwise: ");
        else if (f->name && *f->name) sbuf_printf(b, "%s: ", f->name);
        int gateway = d->kind == EL_GW_EXCLUSIVE || d->kind == EL_GW_PARALLEL || d->kind == EL_GW_INCLUSIVE;
        if (gateway && depth < 2 && d->nout) {
            sbuf_printf(b, "%s %s → (", d->kind == EL_GW_PARALLEL ? "all of"
                        : d->kind == EL_GW_INCLUSIVE ? "any of" : "one of",
                        d->name && *d->name ? d->name : d->id);
            sbuf inner = {0};
            add_next(&inner, p, f->dst, depth + 1);
            sbuf_puts(b, inner.s ? inner.s : "");
            free(inner.s);
            sbuf_puts(b, ")");
        } else {
            sbuf_printf(b, "%s", d->name && *d->name ? d->name : d->id);
            if (d->role) sbuf_printf(b, " [%s]", d->role);
            if (d->kind == EL_END || d->kind == EL_END_TERMINATE) sbuf_printf(b, " (end%s%s)",
                                                                               d->outcome ? ": " : "", d->outcome ? d->outcome : "");
        }
    }
}

int report_task_info(store *s, const model_proc *proc, int64_t task, sdm_table **out, sdm_err *err) {
    int rc = store_sql_table(s, out, "iisisssssstttssssssrsj", err,
        "SELECT t.id AS task, t.instance_id AS instance, i.process, d.version, i.client, t.node,"
        " coalesce(t.name, t.node) AS step, t.role, t.assignee, t.state, t.created_at, t.due_at, t.completed_at,"
        " NULL AS script, NULL AS next, c.name AS client_name, c.segment, c.region, c.product, c.value, c.owner,"
        " NULL AS fields FROM tasks t JOIN instances i ON i.id = t.instance_id JOIN definitions d ON d.id = i.definition_id"
        " LEFT JOIN clients c ON c.key = i.client WHERE t.id = ?1", "i", task);
    if (rc) return rc;
    if ((*out)->nrow == 0) {
        sdm_table_free(*out);
        *out = NULL;
        return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no task %lld", (long long)task);
    }
    char **row = (*out)->cells;
    int k = proc ? model_node_find(proc, row[5]) : -1;
    if (k >= 0) {
        const model_node *n = &proc->nodes[k];
        row[13] = xstrdup(n->doc ? n->doc : "");
        sbuf b = {0};
        add_next(&b, proc, k, 0);
        row[14] = sbuf_take(&b);
        row[21] = form_json(n);
    }
    return SDM_OK;
}

/* ---------- the head's monitor ---------- */

int report_monitor(store *s, const char *team, int64_t now, int64_t day_start, int64_t day_end,
                   sdm_table **out, sdm_err *err) {
    if (team) {
        int rc = org_user_check(s, team, err);
        if (rc == SDM_ERR_NOTFOUND) return rc;
    }
    return store_sql_table(s, out, "ssssiiiis", err,
        "WITH RECURSIVE team(name) AS (SELECT ?1 UNION SELECT u.name FROM users u JOIN team ON u.head = team.name)"
        " SELECT * FROM (SELECT u.name AS user, u.full_name, u.head,"
        " (SELECT group_concat(role, ',') FROM (SELECT role FROM user_roles r WHERE r.user = u.name ORDER BY role)) AS roles,"
        " (SELECT count(*) FROM tasks t WHERE t.assignee = u.name AND t.state = 'open') AS open,"
        " (SELECT count(*) FROM tasks t WHERE t.assignee = u.name AND t.state = 'open'"
        "   AND t.due_at >= ?3 AND t.due_at < ?4) AS due_today,"
        " (SELECT count(*) FROM tasks t WHERE t.assignee = u.name AND t.state = 'open' AND t.due_at < ?2) AS overdue,"
        " (SELECT count(*) FROM tasks t WHERE t.assignee = u.name AND t.state = 'completed'"
        "   AND t.completed_at >= ?3 AND t.completed_at < ?4) AS done_today,"
        " (SELECT group_concat(step, '; ') FROM (SELECT coalesce(t.name, t.node) || ' (' || i.client || ')' AS step"
        "   FROM tasks t JOIN instances i ON i.id = t.instance_id WHERE t.assignee = u.name AND t.state = 'completed'"
        "   AND t.completed_at >= ?3 AND t.completed_at < ?4 ORDER BY t.completed_at)) AS completed"
        " FROM users u WHERE u.active AND (?1 IS NULL OR u.name IN (SELECT name FROM team))"
        " UNION ALL"
        " SELECT '(queue)', NULL, NULL, t.role, count(*), sum(t.due_at >= ?3 AND t.due_at < ?4),"
        " sum(t.due_at < ?2), 0, NULL FROM tasks t WHERE t.state = 'open' AND t.assignee IS NULL"
        " AND ?1 IS NULL GROUP BY t.role"
        ") ORDER BY user = '(queue)', user, roles", "tiii", team, now, day_start, day_end);
}

/* ---------- grouping helpers ---------- */

typedef struct dvec { double *v; int n, cap; } dvec;

static void dvec_add(dvec *d, double x) {
    if (d->n == d->cap) d->v = xrealloc(d->v, sizeof *d->v * (size_t)(d->cap = d->cap ? d->cap * 2 : 16));
    d->v[d->n++] = x;
}

static int dcmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of the values (sorted in place), NAN when empty. */
static double median(dvec *d) {
    if (!d->n) return NAN;
    qsort(d->v, (size_t)d->n, sizeof *d->v, dcmp);
    return d->n % 2 ? d->v[d->n / 2] : (d->v[d->n / 2 - 1] + d->v[d->n / 2]) / 2;
}

static char *fmt_num(double x, int decimals) {
    if (isnan(x)) return NULL;
    return xasprintf("%.*f", decimals, x);
}

/* A string-keyed hash of small records. */
typedef struct hentry { char *key; void *val; } hentry;
typedef struct hmap { hentry *e; int n, cap; char **order; } hmap;

static unsigned long hash(const char *s) {
    unsigned long h = 5381;
    while (*s) h = h * 33 ^ (unsigned char)*s++;
    return h;
}

static void *hmap_get(hmap *m, const char *key, size_t size) {
    if (2 * (m->n + 1) > m->cap) {
        int ncap = m->cap ? m->cap * 2 : 64;
        hentry *ne = xcalloc((size_t)ncap, sizeof *ne);
        for (int i = 0; i < m->cap; i++)
            if (m->e[i].key) {
                unsigned long h = hash(m->e[i].key) & (unsigned long)(ncap - 1);
                while (ne[h].key) h = (h + 1) & (unsigned long)(ncap - 1);
                ne[h] = m->e[i];
            }
        free(m->e);
        m->e = ne;
        m->cap = ncap;
        m->order = xrealloc(m->order, sizeof *m->order * (size_t)ncap);
    }
    unsigned long h = hash(key) & (unsigned long)(m->cap - 1);
    while (m->e[h].key) {
        if (strcmp(m->e[h].key, key) == 0) return m->e[h].val;
        h = (h + 1) & (unsigned long)(m->cap - 1);
    }
    m->e[h].key = xstrdup(key);
    m->e[h].val = xcalloc(1, size);
    m->order[m->n++] = m->e[h].key;
    return m->e[h].val;
}

static void *hmap_find(hmap *m, const char *key) {
    if (!m->cap) return NULL;
    unsigned long h = hash(key) & (unsigned long)(m->cap - 1);
    while (m->e[h].key) {
        if (strcmp(m->e[h].key, key) == 0) return m->e[h].val;
        h = (h + 1) & (unsigned long)(m->cap - 1);
    }
    return NULL;
}

static int strp_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hmap_sort(hmap *m) {
    if (m->n) qsort(m->order, (size_t)m->n, sizeof *m->order, strp_cmp);
}

/* The i-th group of m (sorted) as a new row of t: a two-part key "a\x1fb"
** fills its first two cells; the group's value is returned. */
static void *hmap_row(hmap *m, int i, sdm_table *t, char ***row) {
    const char *key = m->order[i], *sep = strchr(key, '\x1f');
    *row = table_add_row(t);
    (*row)[0] = strndup(key, (size_t)(sep - key));
    (*row)[1] = xstrdup(sep + 1);
    return hmap_find(m, key);
}

/* ---------- the funnel ---------- */

typedef struct stage_stat {
    long reached, passed, advanced, won, dropped, in_stage;
    double value, won_value, passed_value;
    dvec hours;
} stage_stat;
typedef struct group_stat { stage_stat *st; } group_stat;
typedef struct client_far { int far; double value; } client_far;

/* The funnel's processes: procs[0] and, for a lifecycle, the processes it
** calls. stage_of[p][i] is node i of procs[p]'s stage; stages the merged
** order; var[p] the deal value variable of procs[p] (NULL: not a deal). */
typedef struct funnel_def {
    const model_proc *const *procs;
    int nproc;
    const char ***stage_of;
    const char **stages;
    int nstage;
    char **var;
    int ndeal;
} funnel_def;

/* One list of stages from several processes' own orders: a stage keeps
** its place after the stages before it in every process that has it
** (a topological merge of the lists); among stages free to come next, the
** one met first -- in the earliest process of the lifecycle, then the
** earliest place in it -- comes first. A cycle (two processes ordering two
** stages differently) is broken the same way. */
static void merge_stages(funnel_def *d) {
    int cap = 0, n = 0;
    for (int p = 0; p < d->nproc; p++) cap += d->procs[p]->nnode + 1;
    const char **names = xcalloc((size_t)cap + 1, sizeof *names);
    long *key = xcalloc((size_t)cap + 1, sizeof *key);
    int *nin = xcalloc((size_t)cap + 1, sizeof *nin), *done = xcalloc((size_t)cap + 1, sizeof *done);
    int (*edge)[2] = xcalloc((size_t)cap + 1, sizeof *edge), nedge = 0;
    for (int p = 0; p < d->nproc; p++) {
        const char **so, **st;
        int ns;
        org_stages(d->procs[p], &so, &st, &ns);
        free(so);
        int prev = -1;
        for (int k = 0; k < ns; k++) {
            int j;
            for (j = 0; j < n && strcmp(names[j], st[k]) != 0; j++) {}
            if (j == n) { names[n] = st[k]; key[n++] = (long)p * 100000 + k; }
            if (prev >= 0 && nedge < cap) { edge[nedge][0] = prev; edge[nedge][1] = j; nedge++; }
            prev = j;
        }
        free(st);
    }
    for (int e = 0; e < nedge; e++) nin[edge[e][1]]++;
    d->stages = xcalloc((size_t)n + 1, sizeof *d->stages);
    for (d->nstage = 0; d->nstage < n; ) {
        int best = -1;
        for (int j = 0; j < n; j++)
            if (!done[j] && !nin[j] && (best < 0 || key[j] < key[best])) best = j;
        for (int j = 0; best < 0 && j < n; j++)                 /* a cycle */
            if (!done[j] && (best < 0 || key[j] < key[best])) best = j;
        done[best] = 1;
        d->stages[d->nstage++] = names[best];
        for (int e = 0; e < nedge; e++) if (edge[e][0] == best && nin[edge[e][1]]) nin[edge[e][1]]--;
    }
    free(names); free(key); free(nin); free(done); free(edge);
}

static void funnel_def_init(funnel_def *d, const model_proc *const *procs, int nproc) {
    memset(d, 0, sizeof *d);
    d->procs = procs;
    d->nproc = nproc;
    d->stage_of = xcalloc((size_t)nproc, sizeof *d->stage_of);
    d->var = xcalloc((size_t)nproc, sizeof *d->var);
    for (int p = 0; p < nproc; p++) {
        const char **st;
        int ns;
        org_stages(procs[p], &d->stage_of[p], &st, &ns);
        if (p == 0 && nproc == 1) { d->stages = st; d->nstage = ns; }
        else free(st);
        d->var[p] = card_value_var(procs[p]);
        d->ndeal += d->var[p] != NULL;
    }
    if (nproc > 1) merge_stages(d);
}

static void funnel_def_free(funnel_def *d) {
    for (int p = 0; p < d->nproc; p++) { free(d->stage_of[p]); free(d->var[p]); }
    free(d->stage_of);
    free(d->var);
    free(d->stages);
}

/* SQL for the person credited with a funnel row's stage: whoever had the
** instance's first task at a node of that stage when it was done (or has
** it now) -- not the client's owner, who may have changed since. */
static char *credited_sql(const funnel_def *d) {
    sbuf b = {0};
    sbuf_puts(&b, "coalesce((SELECT coalesce(t.assignee, t.completed_by) FROM tasks t WHERE t.instance_id = f.instance_id"
                  " AND t.state <> 'cancelled' AND CASE f.process");
    for (int p = 0; p < d->nproc; p++) {
        int any = 0;
        for (int i = 0; i < d->procs[p]->nnode; i++) {
            if (!d->stage_of[p][i]) continue;            /* a process with no stage of its own is skipped */
            char *w = any ? sqlite3_mprintf(" WHEN %Q THEN %Q", d->procs[p]->nodes[i].id, d->stage_of[p][i])
                          : sqlite3_mprintf(" WHEN %Q THEN CASE t.node WHEN %Q THEN %Q", d->procs[p]->id,
                                            d->procs[p]->nodes[i].id, d->stage_of[p][i]);
            sbuf_puts(&b, w);
            sqlite3_free(w);
            any = 1;
        }
        if (any) sbuf_puts(&b, " END");
    }
    /* a stage with no task of its own (an end event's): who did the last step */
    sbuf_puts(&b, " END = f.stage ORDER BY t.id LIMIT 1), (SELECT coalesce(t.assignee, t.completed_by) FROM tasks t"
                  " WHERE t.instance_id = f.instance_id AND t.state = 'completed'"
                  " AND t.completed_at <= coalesce(f.entered_at, t.completed_at)"
                  " ORDER BY t.completed_at DESC, t.id DESC LIMIT 1))");
    return sbuf_take(&b);
}

/* SQL for a funnel row's deal value: its instance's value variable. */
static void value_sql(sbuf *q, const funnel_def *d) {
    if (!d->ndeal) { sbuf_puts(q, "NULL"); return; }
    sbuf_puts(q, "(SELECT v.value FROM variables v WHERE v.instance_id = f.instance_id AND v.scope = 0"
                 " AND v.name = CASE f.process");
    for (int p = 0; p < d->nproc; p++) {
        if (!d->var[p]) continue;
        char *w = sqlite3_mprintf(" WHEN %Q THEN %Q", d->procs[p]->id, d->var[p]);
        sbuf_puts(q, w);
        sqlite3_free(w);
    }
    sbuf_puts(q, " END)");
}

static void hmap_free(hmap *m) {
    for (int i = 0; i < m->cap; i++) if (m->e[i].key) { free(m->e[i].key); free(m->e[i].val); }
    free(m->e);
    free(m->order);
}

static void hmap_free_groups(hmap *groups, int nstage) {
    for (int i = 0; i < groups->cap; i++)
        if (groups->e[i].key) {
            group_stat *gs = groups->e[i].val;
            for (int k = 0; gs->st && k < nstage; k++) free(gs->st[k].hours.v);
            free(gs->st);
        }
    hmap_free(groups);
}

/* The funnel's query: process, stage, hours, exit, group, client, value. */
static char *funnel_sql(const funnel_def *d, const char *grp, int64_t from, int64_t to) {
    sbuf q = {0};
    sbuf_printf(&q, "SELECT f.process, f.stage, f.left_at - f.entered_at, f.exit, %s, f.client, ", grp ? grp : "NULL");
    value_sql(&q, d);
    sbuf_puts(&q, " FROM funnel f");
    if (grp) sbuf_puts(&q, " LEFT JOIN clients c ON c.key = f.client");
    if (from || to) sbuf_puts(&q, " JOIN instances i ON i.id = f.instance_id");
    sbuf_puts(&q, " WHERE f.process IN (");
    for (int p = 0; p < d->nproc; p++) {
        char *w = sqlite3_mprintf("%s%Q", p ? ", " : "", d->procs[p]->id);
        sbuf_puts(&q, w);
        sqlite3_free(w);
    }
    sbuf_puts(&q, ")");
    /* a lifecycle counts the clients that live in it */
    if (d->nproc > 1) sbuf_puts(&q, " AND EXISTS (SELECT 1 FROM instances r WHERE r.client = f.client AND r.process = ?1)");
    if (from) sbuf_puts(&q, " AND i.started_at >= ?2");
    if (to) sbuf_puts(&q, " AND i.started_at < ?3");
    return sbuf_take(&q);
}

static int proc_index(const funnel_def *d, const char *id) {
    for (int p = 0; id && p < d->nproc; p++) if (strcmp(d->procs[p]->id, id) == 0) return p;
    return -1;
}

int report_funnel(store *s, const model_proc *const *procs, int nproc, const char *by, int64_t from, int64_t to,
                  sdm_table **out, sdm_err *err) {
    *out = NULL;
    const char *grp = NULL;
    if (by) {
        if (strcmp(by, "manager") == 0) grp = "credited";
        else if (strcmp(by, "owner") == 0) grp = "c.owner";
        else if (strcmp(by, "product") == 0) grp = "c.product";
        else if (strcmp(by, "region") == 0) grp = "c.region";
        else if (strcmp(by, "segment") == 0) grp = "c.segment";
        else return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL,
                            "the funnel groups --by manager, product, region or segment, not '%s'", by);
    }
    funnel_def d;
    funnel_def_init(&d, procs, nproc);
    if (!d.nstage) {
        funnel_def_free(&d);
        return err_set(err, SDM_ERR_STATE, NULL, 0, NULL,
                       "process '%s' has no stages (no sdm:stage and no user task)", procs[0]->id);
    }
    char *credit = grp && strcmp(grp, "credited") == 0 ? credited_sql(&d) : NULL;
    char *sql = funnel_sql(&d, credit ? credit : grp, from, to);
    free(credit);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_sqlite(s), sql, -1, &st, NULL) != SQLITE_OK) {
        int rc = err_set(err, SDM_ERR_STORE, NULL, 0, NULL, "funnel: %s", sqlite3_errmsg(store_sqlite(s)));
        free(sql);
        funnel_def_free(&d);
        return rc;
    }
    free(sql);
    grp = by ? "" : NULL;                        /* the SQL is gone: only whether there are groups counts below */
    sqlite3_bind_text(st, 1, procs[0]->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    const char **stages = d.stages;
    int nstage = d.nstage;
    /* Clients, not instances: a client counts once per stage (its first
    ** row), and -- but for --by manager, where each stage is somebody
    ** else's work -- as having passed every stage before the furthest it
    ** reached, so no stage holds more clients than the one before it.
    ** A client's deal value is the largest its deal instances hold. In a
    ** lifecycle, only a deal process's success is a won deal; another
    ** called process's (a lead handed over, a client served) goes on. */
    hmap groups = {0}, seen = {0}, furthest = {0};
    int credited = by && strcmp(by, "manager") == 0;
    char key[900];
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        int k = -1, p = proc_index(&d, (const char *)sqlite3_column_text(st, 0));
        for (int i = 0; name && i < nstage; i++) if (strcmp(stages[i], name) == 0) { k = i; break; }
        if (k < 0) continue;                      /* a stage the latest version no longer has */
        const char *g = grp ? (const char *)sqlite3_column_text(st, 4) : "";
        const char *client = (const char *)sqlite3_column_text(st, 5);
        const char *vtext = (const char *)sqlite3_column_text(st, 6);
        double value = vtext ? strtod(vtext, NULL) : 0;
        if (!g) g = "(none)";
        snprintf(key, sizeof key, "%s\x1f%s", g, client ? client : "");
        client_far *far = hmap_get(&furthest, key, sizeof *far);
        if (k + 1 > far->far) far->far = k + 1;
        if (value > far->value) far->value = value;
        snprintf(key, sizeof key, "%s\x1f%d\x1f%s", g, k, client ? client : "");
        if (hmap_find(&seen, key)) continue;
        hmap_get(&seen, key, 1);
        group_stat *gs = hmap_get(&groups, g, sizeof *gs);
        if (!gs->st) gs->st = xcalloc((size_t)nstage, sizeof *gs->st);
        stage_stat *x = &gs->st[k];
        x->reached++;
        x->value += value;
        const char *exit = (const char *)sqlite3_column_text(st, 3);
        int deal = d.nproc == 1 || !d.ndeal || (p >= 0 && d.var[p]);
        if (!exit) x->in_stage++;
        else if (strcmp(exit, "next") == 0 || (strcmp(exit, "success") == 0 && !deal)) x->advanced++;
        else if (strcmp(exit, "success") == 0) x->won++, x->won_value += value;
        else x->dropped++;
        if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            dvec_add(&x->hours, (double)sqlite3_column_int64(st, 2) / 3600000.0);
    }
    sqlite3_finalize(st);
    for (int i = 0; !credited && i < furthest.n; i++) {
        char *sep = strchr(furthest.order[i], '\x1f');
        *sep = 0;
        group_stat *gs = hmap_find(&groups, furthest.order[i]);
        *sep = '\x1f';
        client_far *far = hmap_find(&furthest, furthest.order[i]);
        for (int k = 0; gs && k < far->far; k++) gs->st[k].passed++, gs->st[k].passed_value += far->value;
    }
    hmap_free(&seen);
    hmap_free(&furthest);
    if (r != SQLITE_DONE) {
        funnel_def_free(&d);
        hmap_free_groups(&groups, nstage);
        return err_set(err, SDM_ERR_STORE, NULL, 0, NULL, "funnel: %s", sqlite3_errmsg(store_sqlite(s)));
    }
    static const char *const cols_by[] = {"group", "stage", "reached", "of_first_pct", "conversion_pct", "advanced",
                                          "won", "dropped", "in_stage", "median_hours", "value", "won_value", NULL};
    sdm_table *t = table_new(grp ? cols_by : cols_by + 1, grp ? "ssirriiiirrr" : "sirriiiirrr");
    int off = grp ? 1 : 0;
    hmap_sort(&groups);
    if (!grp && groups.n == 0) hmap_get(&groups, "", sizeof(group_stat));   /* an empty funnel still lists stages */
    for (int g = 0; g < groups.n; g++) {
        group_stat *gs = hmap_find(&groups, groups.order[g]);
        for (int k = 0; k < nstage; k++) {
            stage_stat zero = {0}, *x = gs->st ? &gs->st[k] : &zero;
            if (gs->st && !credited) x->reached = x->passed, x->value = x->passed_value;
            long first = gs->st ? (credited ? gs->st[0].reached : gs->st[0].passed) : 0;
            long prev = k && gs->st ? (credited ? gs->st[k - 1].reached : gs->st[k - 1].passed) : 0;
            char **row = table_add_row(t);
            if (grp) row[0] = xstrdup(groups.order[g]);
            row[off + 0] = xstrdup(stages[k]);
            row[off + 1] = xasprintf("%ld", x->reached);
            /* credited: each row is one person's work on a stage, so its
            ** conversion is the share of their clients they moved on */
            if (credited) row[off + 2] = NULL, row[off + 3] = x->reached
                ? fmt_num(100.0 * (double)(x->advanced + x->won) / (double)x->reached, 1) : NULL;
            else {
                row[off + 2] = first ? fmt_num(100.0 * (double)x->reached / (double)first, 1) : NULL;
                row[off + 3] = k == 0 ? (x->reached ? xstrdup("100.0") : NULL)
                             : prev ? fmt_num(100.0 * (double)x->reached / (double)prev, 1) : NULL;
            }
            row[off + 4] = xasprintf("%ld", x->advanced);
            row[off + 5] = xasprintf("%ld", x->won);
            row[off + 6] = xasprintf("%ld", x->dropped);
            row[off + 7] = xasprintf("%ld", x->in_stage);
            row[off + 8] = fmt_num(median(&x->hours), 2);
            row[off + 9] = d.ndeal ? fmt_num(x->value, 2) : NULL;
            row[off + 10] = d.ndeal ? fmt_num(x->won_value, 2) : NULL;
        }
    }
    hmap_free_groups(&groups, nstage);
    funnel_def_free(&d);
    *out = t;
    return SDM_OK;
}

/* The lifecycle's main path (report.h): longest in call activities. */
int report_main_path(const model_proc *p, int *calls) {
    int n = p->nnode, qh = 0, qn = 0;
    int *dist = xmalloc(sizeof *dist * (size_t)(n + 1)), *queue = xmalloc(sizeof *queue * (size_t)(n + 1));
    int *best = xcalloc((size_t)n + 1, sizeof *best), *pred = xmalloc(sizeof *pred * (size_t)(n + 1));
    for (int i = 0; i < n; i++) dist[i] = -1, pred[i] = -1;
    for (int k = 0; k < p->nstart; k++) if (dist[p->starts[k]] < 0) dist[p->starts[k]] = 0, queue[qn++] = p->starts[k];
    while (qh < qn) {
        int v = queue[qh++];
        for (int k = 0; k < p->nodes[v].nout; k++) {
            int w = p->flows[p->nodes[v].out[k]].dst;
            if (w >= 0 && dist[w] < 0) dist[w] = dist[v] + 1, queue[qn++] = w;
        }
    }
    /* breadth-first order is a topological order of the forward flows */
    int end = -1;
    for (int q = 0; q < qn; q++) {
        int v = queue[q];
        best[v] += p->nodes[v].kind == EL_CALL && p->nodes[v].called;
        if (end < 0 || best[v] > best[end]) end = v;
        for (int k = 0; k < p->nodes[v].nout; k++) {
            int w = p->flows[p->nodes[v].out[k]].dst;
            if (w >= 0 && dist[w] > dist[v] && (pred[w] < 0 || best[v] > best[pred[w]])) pred[w] = v, best[w] = best[v];
        }
    }
    int nc = 0;
    for (int v = end; v >= 0; v = pred[v])
        if (p->nodes[v].kind == EL_CALL && p->nodes[v].called) calls[nc++] = v;
    for (int i = 0; i < nc / 2; i++) { int t = calls[i]; calls[i] = calls[nc - 1 - i]; calls[nc - 1 - i] = t; }
    free(dist); free(queue); free(best); free(pred);
    return nc;
}

int report_processes(store *s, sdm_table **out, sdm_err *err) {
    return store_sql_table(s, out, "si", err, "SELECT process, max(id) FROM definitions GROUP BY process ORDER BY process", "");
}

/* ---------- KPIs and handoffs ---------- */

typedef struct kpi_stat {
    long done, on_time, late, handoffs, open, overdue, clients, handed_on, won_clients, won;
    double revenue;
    dvec cycle, handoff;
} kpi_stat;

/* Columns of a kpi row that are counts of one query's rows. */
static kpi_stat *kpi_row(hmap *m, const char *user, const char *role) {
    char key[600];
    snprintf(key, sizeof key, "%s\x1f%s", user ? user : "-", role ? role : "-");
    return hmap_get(m, key, sizeof(kpi_stat));
}

static char *pct(long part, long whole) {
    return whole ? fmt_num(100.0 * (double)part / (double)whole, 1) : NULL;
}

/* The plan columns: the user's targets, or the role's on a tier row. */
static void kpi_plans(store *s, char **row, const char *month) {
    int tier = strcmp(row[0], TIER) == 0;
    static const char *const metric[] = {"won", "revenue", "on_time_pct"};
    for (int k = 0; k < 3; k++)
        row[KPI_PLAN + k] = fmt_num(plan_target(s, tier ? "role" : "user", tier ? row[1] : row[0], month, metric[k]), 1);
}

int report_kpi(store *s, const card_deal *deals, int ndeal, int64_t from, int64_t to, int64_t now,
               sdm_table **out, sdm_err *err) {
    *out = NULL;
    int64_t end = to ? to : INT64_MAX;
    sdm_table *done = NULL, *hand = NULL, *open = NULL, *conv = NULL, *won = NULL;
    int rc = store_sql_table(s, &done, "ssiii", err,
        "SELECT coalesce(t.assignee, t.completed_by), coalesce(t.role, '-'), t.completed_at - t.created_at,"
        " t.due_at IS NOT NULL AND t.completed_at <= t.due_at, t.due_at IS NOT NULL AND t.completed_at > t.due_at"
        " FROM tasks t WHERE t.state = 'completed' AND t.completed_at >= ?1 AND t.completed_at < ?2",
        "ii", from, end);
    /* handoff time: from the giving role's last step to the receiving
    ** user's first step done on the lead */
    if (!rc) rc = store_sql_table(s, &hand, "ssi", err,
        "SELECT coalesce(k.assignee, h.to_user), h.to_role, k.completed_at - h.from_at FROM handoffs h"
        " JOIN tasks k ON k.id = h.to_task WHERE h.at >= ?1 AND h.at < ?2", "ii", from, end);
    if (!rc) rc = store_sql_table(s, &open, "ssii", err,
        "SELECT t.assignee, coalesce(t.role, '-'), count(*), sum(t.due_at < ?1) FROM tasks t"
        " WHERE t.state = 'open' AND t.assignee IS NOT NULL GROUP BY 1, 2", "i", now);
    char *wsql = plan_won_sql(deals, ndeal), *sql = NULL;
    /* the handoff conversion: of the clients a user worked in a role, how
    ** many they handed on to the next role, how many became won deals;
    ** a tier's row counts each client once */
    sql = xasprintf("WITH w AS (%s), worked AS (SELECT DISTINCT coalesce(t.assignee, t.completed_by) AS user,"
        " coalesce(t.role, '-') AS role, i.client FROM tasks t JOIN instances i ON i.id = t.instance_id"
        " WHERE t.state = 'completed' AND t.completed_at >= ?1 AND t.completed_at < ?2),"
        " x AS (SELECT user, role, client, EXISTS (SELECT 1 FROM handoffs h WHERE h.client = worked.client"
        "  AND h.from_role = worked.role AND h.from_user = worked.user AND h.at >= ?1) AS handed,"
        " EXISTS (SELECT 1 FROM w WHERE w.client = worked.client AND w.ended_at >= ?1) AS won FROM worked)"
        " SELECT user, role, count(*), sum(handed), sum(won) FROM x GROUP BY user, role"
        " UNION ALL SELECT '" TIER "', role, count(DISTINCT client), count(DISTINCT CASE WHEN handed THEN client END),"
        " count(DISTINCT CASE WHEN won THEN client END) FROM x GROUP BY role", wsql);
    if (!rc) rc = store_sql_table(s, &conv, "ssiii", err, sql, "ii", from, end);
    free(sql);
    sql = xasprintf("SELECT coalesce(doer, '-'), coalesce(role, '-'), count(*), coalesce(sum(value), 0) FROM (%s) w"
                    " WHERE w.ended_at >= ?1 AND w.ended_at < ?2 GROUP BY 1, 2"
                    " UNION ALL SELECT '" TIER "', coalesce(role, '-'), count(*), coalesce(sum(value), 0) FROM (%s) w"
                    " WHERE w.ended_at >= ?1 AND w.ended_at < ?2 GROUP BY 2", wsql, wsql);
    if (!rc) rc = store_sql_table(s, &won, "ssir", err, sql, "ii", from, end);
    free(sql);
    free(wsql);
    if (rc) {
        sdm_table_free(done); sdm_table_free(hand); sdm_table_free(open); sdm_table_free(conv); sdm_table_free(won);
        return rc;
    }
    hmap m = {0};
    for (int r = 0; r < done->nrow; r++) {
        char **c = &done->cells[r * 5];
        kpi_stat *x = kpi_row(&m, c[0], c[1]), *tier = kpi_row(&m, TIER, c[1]);
        for (kpi_stat *y = x; y; y = y == x ? tier : NULL) {
            y->done++;
            y->on_time += c[3] && strcmp(c[3], "1") == 0;
            y->late += c[4] && strcmp(c[4], "1") == 0;
            dvec_add(&y->cycle, strtod(c[2], NULL) / 3600000.0);
        }
    }
    for (int r = 0; r < hand->nrow; r++) {
        char **c = &hand->cells[r * 3];
        if (!c[0]) continue;
        kpi_stat *x = kpi_row(&m, c[0], c[1]), *tier = kpi_row(&m, TIER, c[1]);
        for (kpi_stat *y = x; y; y = y == x ? tier : NULL) {
            y->handoffs++;
            if (c[2]) dvec_add(&y->handoff, strtod(c[2], NULL) / 3600000.0);
        }
    }
    for (int r = 0; r < open->nrow; r++) {
        char **c = &open->cells[r * 4];
        kpi_stat *x = kpi_row(&m, c[0], c[1]), *tier = kpi_row(&m, TIER, c[1]);
        for (kpi_stat *y = x; y; y = y == x ? tier : NULL) {
            y->open += strtol(c[2], NULL, 10);
            y->overdue += c[3] ? strtol(c[3], NULL, 10) : 0;
        }
    }
    for (int r = 0; r < conv->nrow; r++) {
        char **c = &conv->cells[r * 5];
        kpi_stat *x = kpi_row(&m, c[0], c[1]);
        x->clients = strtol(c[2], NULL, 10);
        x->handed_on = strtol(c[3], NULL, 10);
        x->won_clients = strtol(c[4], NULL, 10);
    }
    for (int r = 0; r < won->nrow; r++) {
        char **c = &won->cells[r * 4];
        kpi_stat *x = kpi_row(&m, c[0], c[1]);
        x->won = strtol(c[2], NULL, 10);
        x->revenue = strtod(c[3], NULL);
    }
    static const char *const cols[] = {"user", "role", "done", "on_time", "late", "on_time_pct",
                                       "median_cycle_hours", "open", "overdue", "handoffs_in",
                                       "median_handoff_hours", "clients", "handed_on_pct", "won_clients_pct",
                                       "won", "revenue", "plan_won", "plan_revenue", "plan_on_time_pct", NULL};
    sdm_table *t = table_new(cols, "ssiiirriiirirriirrr");
    hmap_sort(&m);
    /* the plans of the month the period ends in (UTC) */
    char month[16];
    time_t at = (time_t)((to ? to - 1 : now) / 1000);
    struct tm tm;
    gmtime_r(&at, &tm);
    strftime(month, sizeof month, "%Y-%m", &tm);
    for (int i = 0; i < m.n; i++) {
        char **row;
        kpi_stat *x = hmap_row(&m, i, t, &row);
        row[2] = xasprintf("%ld", x->done);
        row[3] = xasprintf("%ld", x->on_time);
        row[4] = xasprintf("%ld", x->late);
        row[5] = pct(x->on_time, x->on_time + x->late);
        row[6] = fmt_num(median(&x->cycle), 2);
        row[7] = xasprintf("%ld", x->open);
        row[8] = xasprintf("%ld", x->overdue);
        row[9] = xasprintf("%ld", x->handoffs);
        row[10] = fmt_num(median(&x->handoff), 2);
        row[11] = xasprintf("%ld", x->clients);
        row[12] = pct(x->handed_on, x->clients);
        row[13] = pct(x->won_clients, x->clients);
        row[14] = xasprintf("%ld", x->won);
        row[15] = fmt_num(x->revenue, 2);
        kpi_plans(s, row, month);
    }
    for (int i = 0; i < m.cap; i++)
        if (m.e[i].key) {
            kpi_stat *x = m.e[i].val;
            free(x->cycle.v); free(x->handoff.v);
        }
    hmap_free(&m);
    sdm_table_free(done); sdm_table_free(hand); sdm_table_free(open); sdm_table_free(conv); sdm_table_free(won);
    *out = t;
    return SDM_OK;
}

typedef struct hand_stat { long n, taken; dvec hours; } hand_stat;

int report_handoffs(store *s, int64_t from, int64_t to, sdm_table **out, sdm_err *err) {
    *out = NULL;
    if (!to) to = INT64_MAX;
    sdm_table *h = NULL;
    int rc = store_sql_table(s, &h, "ssi", err,
        "SELECT h.from_role, h.to_role, k.completed_at - h.from_at FROM handoffs h"
        " JOIN tasks k ON k.id = h.to_task WHERE h.at >= ?1 AND h.at < ?2", "ii", from, to);
    if (rc) return rc;
    hmap m = {0};
    char key[600];
    for (int r = 0; r < h->nrow; r++) {
        char **c = &h->cells[r * 3];
        snprintf(key, sizeof key, "%s\x1f%s", c[0], c[1]);
        hand_stat *x = hmap_get(&m, key, sizeof *x);
        x->n++;
        if (c[2]) { x->taken++; dvec_add(&x->hours, strtod(c[2], NULL) / 3600000.0); }
    }
    static const char *const cols[] = {"from_role", "to_role", "handoffs", "taken_up", "median_hours",
                                       "max_hours", NULL};
    sdm_table *t = table_new(cols, "ssiirr");
    hmap_sort(&m);
    for (int i = 0; i < m.n; i++) {
        char **row;
        hand_stat *x = hmap_row(&m, i, t, &row);
        row[2] = xasprintf("%ld", x->n);
        row[3] = xasprintf("%ld", x->taken);
        row[4] = fmt_num(median(&x->hours), 2);
        row[5] = x->hours.n ? fmt_num(x->hours.v[x->hours.n - 1], 2) : NULL;
    }
    for (int i = 0; i < m.cap; i++)
        if (m.e[i].key) { hand_stat *x = m.e[i].val; free(x->hours.v); free(x); free(m.e[i].key); }
    free(m.e); free(m.order);
    sdm_table_free(h);
    *out = t;
    return SDM_OK;
}

/* ---------- deviations ---------- */

int report_deviations(store *s, const char *by, int64_t from, int64_t to, sdm_table **out, sdm_err *err) {
    *out = NULL;
    const char *cols;
    int ncol;
    if (!by) { cols = "coalesce(manager, '-') AS manager, severity, coalesce(rule, '-') AS rule"; ncol = 3; }
    else if (strcmp(by, "manager") == 0) { cols = "coalesce(manager, '-') AS manager"; ncol = 1; }
    else if (strcmp(by, "severity") == 0) { cols = "severity"; ncol = 1; }
    else if (strcmp(by, "rule") == 0) { cols = "coalesce(rule, '-') AS rule"; ncol = 1; }
    else if (strcmp(by, "process") == 0) { cols = "coalesce(process, '-') AS process"; ncol = 1; }
    else if (strcmp(by, "client") == 0) { cols = "coalesce(client, '-') AS client"; ncol = 1; }
    else return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL,
                        "deviations group --by manager, severity, rule, process or client, not '%s'", by);
    char *sql = xasprintf("SELECT %s, count(*) AS total, sum(state = 'open') AS open,"
                          " sum(state = 'acknowledged') AS acknowledged, sum(state = 'resolved') AS resolved,"
                          " min(CASE WHEN state = 'open' THEN raised_at END) AS oldest_open,"
                          " max(raised_at) AS latest FROM deviations WHERE raised_at >= ?1 AND raised_at < ?2"
                          " GROUP BY %s ORDER BY open DESC, total DESC, 1", cols,
                          ncol == 3 ? "1, 2, 3" : "1");
    int rc = store_sql_table(s, out, ncol == 3 ? "sssiiiitt" : "siiiitt", err, sql, "ii", from, to ? to : INT64_MAX);
    free(sql);
    return rc;
}

/* ---------- the funnel as a picture ---------- */

typedef struct fstage { const char *name; long reached, dropped, won; double median; int has_median; } fstage;

char *report_funnel_render(const sdm_table *f, const char *title, int html) {
    /* Sum over groups: one bar per stage, in the table's order. */
    int cs = -1, cr = -1, cd = -1, cw = -1, cm = -1;
    for (int c = 0; c < f->ncol; c++) {
        if (strcmp(f->cols[c], "stage") == 0) cs = c;
        else if (strcmp(f->cols[c], "reached") == 0) cr = c;
        else if (strcmp(f->cols[c], "dropped") == 0) cd = c;
        else if (strcmp(f->cols[c], "won") == 0) cw = c;
        else if (strcmp(f->cols[c], "median_hours") == 0) cm = c;
    }
    fstage *st = xcalloc((size_t)f->nrow + 1, sizeof *st);
    int n = 0, grouped = f->ncol > 0 && strcmp(f->cols[0], "group") == 0;
    for (int r = 0; cs >= 0 && cr >= 0 && r < f->nrow; r++) {
        const char *name = f->cells[r * f->ncol + cs];
        int k;
        for (k = 0; k < n && strcmp(st[k].name, name) != 0; k++) {}
        if (k == n) st[n++].name = name;
        st[k].reached += strtol(f->cells[r * f->ncol + cr], NULL, 10);
        if (cd >= 0) st[k].dropped += strtol(f->cells[r * f->ncol + cd], NULL, 10);
        if (cw >= 0) st[k].won += strtol(f->cells[r * f->ncol + cw], NULL, 10);
        const char *med = cm >= 0 ? f->cells[r * f->ncol + cm] : NULL;
        if (med && !grouped) { st[k].median = strtod(med, NULL); st[k].has_median = 1; }
    }
    long max = 1;
    for (int k = 0; k < n; k++) if (st[k].reached > max) max = st[k].reached;
    const int W = 960, bar_h = 46, gap = 14, top = 70, left = 180, maxw = 460;
    int H = top + n * (bar_h + gap) + 40;
    sbuf b = {0};
    if (html) {
        sbuf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
        sbuf_xml(&b, title, 0);
        sbuf_puts(&b, "</title><style>body{font-family:system-ui,sans-serif;margin:24px;color:#1f2937}"
                      "table{border-collapse:collapse;margin-top:16px}td,th{padding:4px 10px;border-bottom:1px solid #e5e7eb;"
                      "text-align:right}td:first-child,th:first-child{text-align:left}</style></head><body>\n");
    }
    sbuf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                    " font-family=\"system-ui, Helvetica, Arial, sans-serif\">\n", W, H, W, H);
    sbuf_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
    sbuf_puts(&b, "<text x=\"24\" y=\"40\" font-size=\"22\" font-weight=\"600\" fill=\"#111827\">");
    sbuf_xml(&b, title, 0);
    sbuf_puts(&b, "</text>\n");
    for (int k = 0; k < n; k++) {
        double frac = (double)st[k].reached / (double)max;
        int w = (int)(frac * maxw + 0.5);
        if (w < 3) w = 3;
        int x = left + (maxw - w) / 2, y = top + k * (bar_h + gap);
        /* colour from deep to light blue down the funnel */
        int shade = n > 1 ? 60 + 120 * k / (n - 1) : 60;
        sbuf_printf(&b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"rgb(%d,%d,235)\"/>\n",
                    x, y, w, bar_h, 37 + shade / 2, 99 + shade / 2);
        sbuf_printf(&b, "<text x=\"%d\" y=\"%d\" font-size=\"15\" text-anchor=\"end\" fill=\"#111827\">",
                    left - 12, y + bar_h / 2 + 5);
        sbuf_xml(&b, st[k].name, 0);
        sbuf_puts(&b, "</text>\n");
        sbuf_printf(&b, "<text x=\"%d\" y=\"%d\" font-size=\"16\" font-weight=\"600\" text-anchor=\"middle\""
                        " fill=\"%s\">%ld</text>\n", left + maxw / 2, y + bar_h / 2 + 6,
                    w > 60 ? "#ffffff" : "#111827", st[k].reached);
        sbuf note = {0};
        if (k > 0 && st[k - 1].reached)
            sbuf_printf(&note, "%.0f%% of previous", 100.0 * (double)st[k].reached / (double)st[k - 1].reached);
        else if (k == 0) sbuf_puts(&note, "entry");
        if (st[k].dropped) sbuf_printf(&note, " · %ld dropped", st[k].dropped);
        if (st[k].won) sbuf_printf(&note, " · %ld won", st[k].won);
        if (st[k].has_median) sbuf_printf(&note, " · median %.1f h", st[k].median);
        sbuf_printf(&b, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#4b5563\">", left + maxw + 16,
                    y + bar_h / 2 + 5);
        sbuf_xml(&b, note.s ? note.s : "", 0);
        sbuf_puts(&b, "</text>\n");
        free(note.s);
    }
    if (n == 0) sbuf_printf(&b, "<text x=\"24\" y=\"%d\" font-size=\"15\" fill=\"#6b7280\">no stages</text>\n", top + 20);
    sbuf_puts(&b, "</svg>\n");
    if (html) {
        sbuf_puts(&b, "<table><tr>");
        for (int c = 0; c < f->ncol; c++) { sbuf_puts(&b, "<th>"); sbuf_xml(&b, f->cols[c], 0); sbuf_puts(&b, "</th>"); }
        sbuf_puts(&b, "</tr>\n");
        for (int r = 0; r < f->nrow; r++) {
            sbuf_puts(&b, "<tr>");
            for (int c = 0; c < f->ncol; c++) {
                sbuf_puts(&b, "<td>");
                const char *v = f->cells[r * f->ncol + c];
                sbuf_xml(&b, v ? v : "–", 0);
                sbuf_puts(&b, "</td>");
            }
            sbuf_puts(&b, "</tr>\n");
        }
        sbuf_puts(&b, "</table>\n</body></html>\n");
    }
    free(st);
    return sbuf_take(&b);
}

/* ---------- the client base by a card field ---------- */

int report_clients(store *s, const char *by, sdm_table **out, sdm_err *err) {
    int rc = card_field_check(s, by ? by : "segment", err);
    if (rc) return rc;
    return store_sql_table(s, out, "sirr", err,
        "SELECT " CARD_FIELD_SQL " AS \"group\", count(*) AS clients, round(coalesce(sum(c.value), 0), 2) AS value,"
        " round(100.0 * count(*) / (SELECT count(*) FROM clients), 1) AS share_pct"
        " FROM clients c GROUP BY 1 ORDER BY clients DESC, 1", "t", by ? by : "segment");
}
