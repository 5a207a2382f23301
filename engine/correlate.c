/*
** correlate.c — messages and signals: sdm_message and sdm_signal, the
** thrown hook of the runtime, correlation keys, and the processes a
** message or signal starts.
**
** It chooses who receives; the receiving runs as a nested step (step.c).
*/
#include <string.h>
#include <jansson.h>
#include "err.h"
#include "table.h"
#include "access.h"
#include "sdm_int.h"
#include "kinds.h"

/* ---------- messages and signals ---------- */

typedef struct deliver_args { const store_sub *sub; const char *vars; } deliver_args;

static int deliver_sub(rt_step *s, void *arg, sdm_err *err) {
    const deliver_args *a = arg;
    return rt_deliver(s, a->sub, a->vars, err);
}

/* Deliver to a subscription: in the running step when it is the same
** instance, else in a step of its own inside the same transaction. */
static int deliver_to(sdm *h, rt_step *from, const store_sub *sub, const char *vars, sdm_err *err) {
    if (from && sub->instance_id == from->inst) return rt_deliver(from, sub, vars, err);
    deliver_args a = {sub, vars};
    return sdmi_step_in(h, sub->instance_id, from ? from->now : 0, deliver_sub, &a, err);
}

/* Start every deployed process (latest version) that has a message (or
** signal) start event named `name` (among its definitions), or a receive
** task with instantiate="true" for that message: for `client`, else for the client
** the start event names (sdm:client); a signal start without either is
** skipped, for there is no client to run it for. */
static int start_by_event(sdm *h, el_kind kind, const char *name, const char *client, const char *vars,
                          int64_t now, int *started, sdm_err *err) {
    sdm_table *procs = NULL;
    sdm_filter f = {.limit = 100000};
    int rc = store_query(h->st, SDM_Q_PROCESSES, &f, &procs, err);
    el_trigger tr = kind == EL_START_MESSAGE ? TR_MESSAGE : TR_SIGNAL;
    for (int r = 0; !rc && r < procs->nrow; r++) {
        store_instance inst = {0};
        const char *process = table_cell(procs, r, "process");
        const model_proc *p;
        const char *file;
        int version;
        rc = store_latest_definition(h->st, process, &inst.definition_id, &version, NULL, NULL, err);
        if (!rc) rc = sdmi_load_def(h, inst.definition_id, &p, &file, err);
        for (int i = 0; !rc && p->executable != 0 && i < p->nnode; i++) {   /* documentation models never start */
            const model_node *n = &p->nodes[i];
            int starts = el_is(n->kind, EK_START) || (n->instantiate && tr == TR_MESSAGE);
            if (!starts || n->parent >= 0 || !model_listens(n, tr, name)) continue;
            const char *who = client ? client : n->client;
            if (!who) continue;
            rc = store_instance_add(h->st, inst.definition_id, process, who, now, h->actor, &inst.id, err);
            snprintf(inst.client, sizeof inst.client, "%s", who);
            if (!rc) rc = sdmi_start_at(h, &inst, now, i, vars, err);
            if (!rc) (*started)++;
        }
    }
    sdm_table_free(procs);
    return rc;
}

/* The thrown hook: a message goes to the client's oldest waiting
** subscription, else starts a process; a signal goes to every waiting one. */
int sdmi_thrown(void *ctx, rt_step *from, const model_node *n, sdm_err *err) {
    sdm *h = ctx;
    store_sub *subs = NULL;
    int nsub = 0, started = 0;
    int msg = n->trigger == TR_MESSAGE;
    int rc = store_subs_find(h->st, msg ? SUB_MESSAGE : SUB_SIGNAL, n->event_name, msg ? from->client : NULL, &subs, &nsub, err);
    for (int i = 0; !rc && i < nsub && (!msg || i < 1); i++) rc = deliver_to(h, from, &subs[i], NULL, err);
    if (!rc && !msg) rc = start_by_event(h, EL_START_SIGNAL, n->event_name, from->client, NULL, from->now, &started, err);
    if (!rc && msg && nsub == 0) {
        rc = start_by_event(h, EL_START_MESSAGE, n->event_name, from->client, NULL, from->now, &started, err);
        if (!rc && !started)
            rc = store_history(h->st, from->inst, 0, n->id, "message-unmatched", from->now, from->actor,
                               NULL, err);
    }
    free(subs);
    return rc;
}

/* A message catch with sdm:correlationKey takes only a message that
** carries that variable with the instance's own value: one client may
** wait in several deals for the same message name. */
static int correlates(sdm *h, const store_sub *sub, json_t *msg, int *ok, sdm_err *err) {
    store_instance inst;
    const model_proc *p;
    const char *file;
    *ok = 1;
    int rc = store_instance_get(h->st, sub->instance_id, &inst, err);
    if (!rc) rc = sdmi_load_def(h, inst.definition_id, &p, &file, err);
    int node = rc ? -1 : model_node_find(p, sub->node);
    if (rc || node < 0 || !p->nodes[node].corr) return rc;
    char *own = NULL;
    rc = store_vars_json(h->st, sub->instance_id, 0, &own, err);
    json_t *mine = own ? json_loads(own, 0, NULL) : NULL, *want = json_object_get(mine, p->nodes[node].corr);
    json_t *got = json_object_get(msg, p->nodes[node].corr);
    *ok = want && got && json_equal(want, got);
    json_decref(mine);
    free(own);
    return rc;
}

/* Keep the subscriptions a message with variables `vars` correlates to. */
static int filter_correlated(sdm *h, store_sub *subs, int *nsub, const char *vars, sdm_err *err) {
    json_t *msg = vars ? json_loads(vars, 0, NULL) : NULL;
    int rc = SDM_OK, kept = 0;
    for (int i = 0; i < *nsub && !rc; i++) {
        int ok = 1;
        if (subs[i].kind == SUB_MESSAGE) rc = correlates(h, &subs[i], msg, &ok, err);
        if (ok) subs[kept++] = subs[i];
    }
    json_decref(msg);
    *nsub = kept;
    return rc;
}

static int correlate(sdm *h, sub_kind kind, const char *name, const char *client, const char *vars,
                     int all, int *delivered, sdm_err *err) {
    store_sub *subs = NULL;
    int nsub = 0;
    *delivered = 0;
    int rc = sdmi_step_begin(h, err);
    if (!rc) rc = store_subs_find(h->st, kind, name, client, &subs, &nsub, err);
    if (!rc) rc = filter_correlated(h, subs, &nsub, vars, err);
    if (!rc && client && nsub > 1 && !all)
        rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "message '%s' matches %d waiting places of client '%s'"
                     " (use --all to deliver to each)", name, nsub, client);
    for (int i = 0; !rc && i < nsub; i++) {
        rc = deliver_to(h, NULL, &subs[i], vars, err);
        if (!rc) (*delivered)++;
    }
    if (!rc && !client) rc = start_by_event(h, EL_START_SIGNAL, name, NULL, vars, sdm_now(h), delivered, err);
    if (!rc && client && nsub == 0) {
        rc = start_by_event(h, EL_START_MESSAGE, name, client, vars, sdm_now(h), delivered, err);
        if (!rc && !*delivered)
            rc = err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "message '%s' matches nothing: no instance of "
                         "client '%s' waits for it and no process starts with it", name, client);
    }
    if (!rc) rc = store_commit(h->st, err);
    if (rc) { store_rollback(h->st); *delivered = 0; }
    free(subs);
    return sdmi_over_budget(h, h->budget.inst, rc, err);
}

int sdm_message(sdm *h, const char *name, const char *client, const char *vars_json, int all,
                int *delivered, sdm_err *err) {
    if (!name || !*name || !client || !*client)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a message needs a name and a client key");
    if (err_check_name(err, "the message name", name) || err_check_name(err, "the client key", client))
        return SDM_ERR_MISUSE;
    int rc = sdmi_start_allowed(h, client, err);
    if (rc) return rc;
    return correlate(h, SUB_MESSAGE, name, client, vars_json, all, delivered, err);
}

int sdm_signal(sdm *h, const char *name, const char *vars_json, int *delivered, sdm_err *err) {
    if (!name || !*name) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a signal needs a name");
    if (err_check_name(err, "the signal name", name)) return SDM_ERR_MISUSE;
    int rc = acc_need_owner(h->st, h->as, "broadcast signals", err);
    if (rc) return rc;
    return correlate(h, SUB_SIGNAL, name, NULL, vars_json, 1, delivered, err);
}
