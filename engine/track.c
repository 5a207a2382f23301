/*
** track.c — what the organisation records after each step (org_after_step):
** the task log (who got each new task and the client's previous one, so a
** change of role is a handoff), the client's owner taken over by a lane
** that owns the relationship, new-task notices, and the funnel stages an
** instance reaches (`sdm:stage`), with the processes' stage order
** (org_stages). Store layer: its own SQL on org.c's tables (migration 3).
**
** Must not assign tasks (org.c does) nor decide what a token does.
*/
#include <string.h>
#include <sqlite3.h>
#include <jansson.h>
#include "org.h"
#include "org_int.h"
#include "card.h"
#include "notice.h"
#include "table.h"
#include "err.h"

int org_stages(const model_proc *p, const char ***stage_of, const char ***stages, int *nstage) {
    int n = p->nnode, any = 0;
    *stage_of = xcalloc((size_t)n + 1, sizeof **stage_of);
    *stages = xcalloc((size_t)n + 1, sizeof **stages);
    *nstage = 0;
    for (int i = 0; i < n; i++) any |= p->nodes[i].stage && *p->nodes[i].stage;
    for (int i = 0; i < n; i++) {
        const model_node *x = &p->nodes[i];
        if (any) (*stage_of)[i] = x->stage && *x->stage ? x->stage : NULL;
        else (*stage_of)[i] = x->kind == EL_TASK_USER ? (x->name && *x->name ? x->name : x->id) : NULL;
    }
    /* order: breadth-first distance from the start events, then document order */
    int *dist = xmalloc(sizeof *dist * (size_t)(n + 1)), *queue = xmalloc(sizeof *queue * (size_t)(n + 1));
    int qh = 0, qn = 0;
    for (int i = 0; i < n; i++) dist[i] = -1;
    for (int k = 0; k < p->nstart; k++) if (dist[p->starts[k]] < 0) { dist[p->starts[k]] = 0; queue[qn++] = p->starts[k]; }
    while (qh < qn) {
        int v = queue[qh++];
        for (int k = 0; k < p->nodes[v].nout; k++) {
            int w = p->flows[p->nodes[v].out[k]].dst;
            if (w >= 0 && w < n && dist[w] < 0) { dist[w] = dist[v] + 1; queue[qn++] = w; }
        }
    }
    /* a stage's rank is its nearest node; stable selection by rank */
    int *rank = xmalloc(sizeof *rank * (size_t)(n + 1));
    const char **names = xcalloc((size_t)n + 1, sizeof *names);
    int nn = 0;
    for (int i = 0; i < n; i++) {
        const char *st = (*stage_of)[i];
        if (!st) continue;
        int d = dist[i] < 0 ? 1 << 30 : dist[i], k;
        for (k = 0; k < nn && strcmp(names[k], st) != 0; k++) {}
        if (k == nn) { names[nn] = st; rank[nn++] = d; }
        else if (d < rank[k]) rank[k] = d;
    }
    for (int placed = 0; placed < nn; placed++) {
        int best = -1;
        for (int k = 0; k < nn; k++)
            if (names[k] && (best < 0 || rank[k] < rank[best])) best = k;
        (*stages)[(*nstage)++] = names[best];
        names[best] = NULL;
    }
    free(dist); free(queue); free(rank); free(names);
    return SDM_OK;
}

static int stage_ord(const char **stages, int n, const char *st) {
    for (int i = 0; i < n; i++) if (strcmp(stages[i], st) == 0) return i;
    return -1;
}

/* The client's last task completed before task `id` (latest completion
** first, then the highest id): its row on *st (id, who, role, completed_at;
** give it back with store_sql_close), or SDM_ERR_NOTFOUND.
** A step that completes a client's task and creates the next finds it
** first among the tasks completed at `now` or later, latest first
** (tasks_completed): they rank above every earlier completion, so the
** first of the client's among them is the answer. Only when none of the
** first PREV_SCAN is the client's are all the client's tasks read. */
#define PREV_SCAN 64
static int prev_task(store *s, const char *client, int64_t id, int64_t now, sqlite3_stmt **st, sdm_err *err) {
    static const char recent[] =
        "SELECT t.id, coalesce(t.assignee, t.completed_by), t.role, t.completed_at, i.client FROM tasks t"
        " CROSS JOIN instances i ON i.id = t.instance_id WHERE t.state = 'completed' AND t.completed_at >= ?1"
        " ORDER BY t.completed_at DESC, t.id DESC";
    static const char all[] =
        "SELECT t.id, coalesce(t.assignee, t.completed_by), t.role, t.completed_at"
        " FROM instances i JOIN tasks t ON t.instance_id = i.id WHERE i.client = ?1"
        " AND +t.state = 'completed' AND t.id < ?2 ORDER BY t.completed_at DESC, t.id DESC LIMIT 1";
    int rc = store_sql_open(s, st, err, recent, "i", now), r = SQLITE_DONE;
    if (rc) return rc;
    for (int n = 0; n < PREV_SCAN && (r = sqlite3_step(*st)) == SQLITE_ROW; n++) {
        const char *c = (const char *)sqlite3_column_text(*st, 4);
        if (sqlite3_column_int64(*st, 0) < id && c && strcmp(c, client) == 0) return SDM_OK;
    }
    store_sql_close(s, *st);
    if (r != SQLITE_ROW && r != SQLITE_DONE) return store_sql_error(s, err, recent);
    if ((rc = store_sql_open(s, st, err, all, "ti", client, id))) return rc;
    if ((r = sqlite3_step(*st)) == SQLITE_ROW) return SDM_OK;
    store_sql_close(s, *st);
    return r == SQLITE_DONE ? SDM_ERR_NOTFOUND : store_sql_error(s, err, all);
}

static int log_tasks(store *s, const model_proc *p, int64_t inst, const char *client, int64_t now,
                     const char *actor, const org_msg *msg, sdm_err *err) {
    sdm_table *t = NULL;
    /* open tasks not logged yet, reached through the instance's few tokens
    ** (CROSS JOIN keeps that order; an open task's token waits at its node,
    ** an invariant sdm check verifies), not through every task the instance
    ** ever had */
    int rc = store_sql_table(s, &t, "isssti", err,
        "SELECT t.id, t.node, t.role, t.assignee, t.created_at, t.due_at FROM tokens k"
        " CROSS JOIN tasks t ON t.id = k.task AND t.state = 'open' WHERE k.instance_id = ?1 AND +t.instance_id = ?1"
        " AND NOT EXISTS (SELECT 1 FROM task_log l WHERE l.task_id = t.id) ORDER BY t.id",
        "i", inst);
    /* the client's previous task: the last one completed before the first
    ** new task. It is the same for every task this step opened: a task
    ** completed between two of them would have been opened and completed
    ** in this one step, and a user task is completed in a step of its own.
    ** Looked up once, not once per task (a 10,000-run multi-instance would
    ** read the client's tasks 10,000 times). */
    sqlite3_stmt *st;
    int64_t prev = 0, prev_at = 0;
    char *prev_user = NULL, *prev_role = NULL;
    if (!rc && t->nrow) {
        if ((rc = prev_task(s, client, strtoll(t->cells[0], NULL, 10), now, &st, err)) == SDM_OK) {
            prev = sqlite3_column_int64(st, 0);
            prev_user = store_col_text(st, 1);
            prev_role = store_col_text(st, 2);
            prev_at = sqlite3_column_int64(st, 3);
            store_sql_close(s, st);
        }
        if (rc == SDM_ERR_NOTFOUND) rc = SDM_OK;
    }
    for (int r = 0; !rc && r < t->nrow; r++) {
        char **c = &t->cells[r * t->ncol];
        int64_t id = strtoll(c[0], NULL, 10), created = strtoll(c[4], NULL, 10);
        const char *node = c[1], *role = c[2], *assignee = c[3];
        rc = store_sql_exec(s, NULL, err, "INSERT INTO task_log(task_id, instance_id, client, role, assignee, at,"
                      " prev_task, prev_user, prev_role, prev_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                      "iitttiIttI", id, inst, client, role, assignee, created, prev, prev_user, prev_role, prev_at);
        if (!rc && role && prev_role && strcmp(role, prev_role) != 0) {
            json_t *d = json_pack("{s:I, s:I, s:s?, s:s, s:s?, s:s}", "task", (json_int_t)id,
                                  "from_task", (json_int_t)prev, "from", prev_user, "from_role", prev_role,
                                  "to", assignee, "to_role", role);
            char *detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
            json_decref(d);
            rc = store_history(s, inst, 0, node, "handoff", now, actor, detail, err);
            free(detail);
        }
        /* ownership (see the top of this file) */
        if (!rc && assignee) {
            /* one read: is the client known, its owner, and is that owner active */
            char *owner = NULL;
            int known = 0, owner_ok = 0;
            if (store_sql_open(s, &st, NULL, "SELECT c.owner, EXISTS (SELECT 1 FROM users u WHERE u.name = c.owner"
                               " AND u.active) FROM clients c WHERE c.key = ?1", "t", client) == SDM_OK) {
                if (sqlite3_step(st) == SQLITE_ROW) {
                    known = 1;
                    owner = store_col_text(st, 0);
                    owner_ok = owner && sqlite3_column_int(st, 1);
                }
                store_sql_close(s, st);
            }
            int k = model_node_find(p, node);
            const model_node *n = k >= 0 ? &p->nodes[k] : NULL;
            int by_owner_rule = n && n->role && !n->assignee && !n->assignee_expr &&
                                (!n->assign || strcmp(n->assign, "owner") == 0);
            if (!known)
                rc = org_client_insert(s, client, now, actor, err);
            if (!rc) rc = org_hold_task(s, n, client, role, assignee, now, actor, err);
            if (!rc && !owner_ok)
                rc = org_set_owner(s, client, assignee, now, actor, "first assignee", err);
            else if (!rc && by_owner_rule && strcmp(owner, assignee) != 0)
                rc = org_set_owner(s, client, assignee, now, actor, role ? role : "handoff", err);
            free(owner);
            if (!rc && msg) {
                notice nt = {.client = client, .process = p->name ? p->name : p->id,
                             .step = n && n->name && *n->name ? n->name : node, .assignee = assignee, .inst = inst,
                             .task = id, .due_at = c[5] ? strtoll(c[5], NULL, 10) : 0, .now = now, .tz = msg->tz,
                             .base_url = msg->base_url};
                rc = notice_new_task(s, &nt, role, msg->lang, err);
            }
        }
    }
    free(prev_user);
    free(prev_role);
    sdm_table_free(t);
    return rc;
}

/* The stages the step entered (each node once, in its first entry's
** place, at the step's time), then the end of the instance's open stages
** if it ended. */
static int track_funnel(store *s, const model_proc *p, int64_t inst, const char *client, int64_t at,
                        const model_path *path, sdm_err *err) {
    const char **stage_of, **stages;
    int nstage;
    org_stages(p, &stage_of, &stages, &nstage);
    int rc = SDM_OK;
    for (int r = 0; !rc && nstage && r < path->n; r++) {
        const char *st = path->v[r].left ? NULL : stage_of[path->v[r].node];
        if (!st) continue;
        int added = 0;
        rc = store_sql_exec(s, &added, err, "INSERT OR IGNORE INTO funnel(instance_id, stage, ord, process, client,"
                      " entered_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", "ititti",
                      inst, st, (int64_t)stage_ord(stages, nstage, st), p->id, client, at);
        if (!rc && added)
            rc = store_sql_exec(s, NULL, err, "UPDATE funnel SET left_at = ?3, exit = 'next' WHERE instance_id = ?1"
                          " AND stage <> ?2 AND left_at IS NULL", "iti", inst, st, at);
    }
    /* the instance ended: its open stages end with the outcome (asked
    ** first: on the steps of an active instance, nearly all of them, the
    ** UPDATE cost about twice the read) */
    int64_t ended = 0;
    if (!rc && nstage)
        rc = store_sql_int(s, &ended, err, "SELECT state <> 'active' FROM instances WHERE id = ?1", "i", inst);
    if (rc == SDM_ERR_NOTFOUND) rc = SDM_OK;
    if (!rc && ended)
        rc = store_sql_exec(s, NULL, err, "UPDATE funnel SET left_at = (SELECT ended_at FROM instances WHERE id = ?1),"
                      " exit = (SELECT coalesce(outcome, state) FROM instances WHERE id = ?1)"
                      " WHERE instance_id = ?1 AND left_at IS NULL"
                      " AND (SELECT state FROM instances WHERE id = ?1) <> 'active'", "i", inst);
    free(stage_of);
    free(stages);
    return rc;
}

/* Whether any node of the process has a lane's role, an assignee rule or
** a stage. A process with none writes no task log (its tasks have no
** role and no assignee: no reader of task_log would ever select them) and
** no funnel (its stages would be the bare user tasks of an unassigned
** process); that saves a third of a step's row writes. */
static void after_step_needs(const model_proc *p, int *people, int *stages) {
    *people = *stages = 0;
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        *people |= n->role || n->assignee || n->assignee_expr;
        *stages |= n->stage && *n->stage;
    }
}

int org_after_step(store *s, const model_proc *p, int64_t inst, const char *client, int64_t now,
                   const char *actor, const org_msg *msg, const model_path *path, sdm_err *err) {
    if (!p || !inst || !client) return SDM_OK;
    int people, stages;
    after_step_needs(p, &people, &stages);
    int rc = people ? log_tasks(s, p, inst, client, now, actor, msg, err) : SDM_OK;
    if (!rc && (people || stages)) rc = track_funnel(s, p, inst, client, now, path, err);
    if (!rc) rc = card_after_step(s, p, inst, client, now, actor, path, err);
    return rc;
}
