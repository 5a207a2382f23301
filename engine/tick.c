/*
** tick.c — the engine's clock: sdm_tick fires due jobs (timers, due
** dates, timer starts) and delivers the outbox, one each in turn, with
** the retry policy for failing jobs and deliveries and the worker's log.
**
** It must not wait: sdm_tick returns when nothing is due or its time is
** spent, and the caller (the CLI's worker) sleeps.
*/
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "err.h"
#include "access.h"
#include "sdm_int.h"

/* ---------- time: jobs and the outbox ---------- */

/* A timer start event fires: a new instance for the event's sdm:client,
** or for a key made of the process and the time; then the next firing is
** scheduled, or the job ends. A client already busy in the process skips
** this firing (the one-active-instance rule holds) but not the next. */
static int fire_start(sdm *h, const store_job *job, int64_t now, sdm_err *err) {
    const model_proc *p;
    const char *file;
    int rc = sdmi_load_def(h, job->definition_id, &p, &file, err);
    int node = rc ? -1 : model_node_find(p, job->node);
    if (!rc && node < 0) return SDM_CORRUPT_BKPT(err, "a start job at a node the model does not have");
    if (rc) return rc;
    const model_node *n = &p->nodes[node];
    store_instance inst = {.definition_id = job->definition_id};
    char when[40];
    clk_format(job->due_at, NULL, when, sizeof when);
    if (n->client) snprintf(inst.client, sizeof inst.client, "%s", n->client);
    else snprintf(inst.client, sizeof inst.client, "%s@%s", p->id, when);
    sdm_err busy = {0};
    rc = store_instance_add(h->st, job->definition_id, p->id, inst.client, now, h->actor, &inst.id, &busy);
    if (rc == SDM_ERR_STATE) rc = SDM_OK;
    else if (rc) *err = busy;
    else rc = sdmi_start_at(h, &inst, now, node, NULL, err);
    int64_t next;
    char msg[256];
    int k = job->fired + 1;
    if (!rc && rt_timer_after(h->cal, n, n->timer, &k, job->created_at, now, &next, msg, sizeof msg)) next = 0;
    if (!rc) rc = next ? store_job_reschedule(h->st, job->id, next, k, err)
                       : store_job_delete(h->st, job->id, err);
    return rc;
}

/* One line for the worker's log (sdm_config.log), if there is one. */
static void tick_log(sdm *h, int level, const char *what, const char *fmt, ...) {
    if (!h->log) return;
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    h->log(h->log_ctx, level, what, line);
}

static int fire_step(rt_step *s, void *job, sdm_err *err) { return rt_fire(s, job, err); }

/* One due job in one transaction. SDM_ERR_NOTFOUND when none is due.
** BEGIN IMMEDIATE makes the pick and the firing atomic against every
** other worker on the same database. *job is the job picked (id 0: none). */
static int fire_one(sdm *h, int64_t now, store_job *job, sdm_err *err) {
    rt_step s = {0};                    /* the end of a step that moves no token */
    store_instance inst;
    job->id = 0;
    int rc = sdmi_step_begin(h, err);
    if (!rc) rc = store_job_due(h->st, now, job, err);
    if (rc == SDM_ERR_NOTFOUND) job->id = 0;
    if (!rc && job->kind == JOB_START) return sdmi_end_step(h, &s, fire_start(h, job, now, err), err);
    if (!rc) rc = sdmi_active_instance(h, job->instance_id, &inst, err);
    if (rc == SDM_ERR_STATE)                            /* outlived its instance: nothing to do */
        return sdmi_end_step(h, &s, store_job_delete(h->st, job->id, err), err);
    return sdmi_step_own(h, rc, &inst, now, fire_step, job, err);
}

#define JOB_MAX_ATTEMPTS 5            /* then the job is parked until its incident is retried */

typedef struct tell_ctx { sdm *h; const char *subject, *body; int64_t now; sdm_err *err; } tell_ctx;

static int tell_one(void *ctx, out_channel channel, const char *address) {
    tell_ctx *t = ctx;
    return store_outbox_add(t->h->st, channel, address, t->subject, t->body, t->now, 0, 0, t->err);
}

/* A job's firing failed and was rolled back: count the attempt, retry it
** with backoff or park it, and tell people through one incident per job
** on its instance. A timer start has no instance to hold an incident: its
** first failure and its parking go to the admins' inbox (store_responsible
** with neither role nor client) and the log. */
static int job_failed(sdm *h, const store_job *job, const sdm_err *why, int64_t now, sdm_err *err) {
    int attempts = job->attempts + 1;
    int64_t due = attempts < JOB_MAX_ATTEMPTS ? now + dlv_backoff(attempts) : 0;
    int64_t incident = job->incident_id;
    char when[40] = "", msg[1400];
    if (due) clk_format(due, sdm_time_zone(h), when, sizeof when);
    snprintf(msg, sizeof msg, "%s job at '%s' failed %d time%s (%s%s): %s", store_job_kind_text(job->kind), job->node, attempts,
             attempts > 1 ? "s" : "", due ? "retried at " : "parked until this incident is retried", when,
             why->msg);
    store_instance inst;
    rt_step s = {0};
    int rc = store_begin(h->st, err);
    int live = !rc && job->instance_id && sdmi_active_instance(h, job->instance_id, &inst, NULL) == SDM_OK;
    if (!rc && live && incident) rc = store_incident_message(h->st, incident, msg, err);
    else if (!rc && live) {
        sdm_err w = *why;
        snprintf(w.msg, sizeof w.msg, "%s", msg);
        snprintf(w.element, sizeof w.element, "%s", job->node);
        rc = sdmi_step_for(h, &s, &inst, err);
        s.budget = NULL;
        if (!rc) rc = rt_step_incident(&s, PHASE_JOB, &w, &incident, err);
    }
    if (!rc && !live && (attempts == 1 || !due)) {
        char subject[400];
        snprintf(subject, sizeof subject, "[job %lld failed] %s job at '%s'", (long long)job->id,
                 store_job_kind_text(job->kind), job->node);
        tell_ctx t = {h, subject, msg, now, err};
        rc = store_responsible(h->st, NULL, NULL, tell_one, &t, err);
    }
    if (!rc) rc = store_job_failed(h->st, job->id, attempts, due, now, why->msg, incident, err);
    if (!rc) rc = store_commit(h->st, err);
    if (rc) store_rollback(h->st);
    rt_step_free(&s);
    if (!rc) tick_log(h, due ? SDM_LOG_WARN : SDM_LOG_ERROR, "incident", "job %lld: %s", (long long)job->id, msg);
    return rc;
}
#define LEASE_MS (10 * 60 * 1000)     /* a delivery in doubt is retried after this */
#define MAX_ATTEMPTS 12

static void deliver(sdm *h, const store_message *m, dlv_result *r) {
    memset(r, 0, sizeof *r);
    switch (m->channel) {
    case CHANNEL_EMAIL:
        if (!h->smtp.url) { r->retryable = 1; snprintf(r->msg, sizeof r->msg, "no SMTP server configured (SDM_SMTP_URL)"); return; }
        dlv_email(&h->smtp, m->recipient, m->subject ? m->subject : "", m->body ? m->body : "", r);
        break;
    case CHANNEL_WEBHOOK: {
        json_t *j = json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)m->id, "subject", m->subject, "body", m->body);
        char *body = json_dumps(j, JSON_COMPACT);
        dlv_webhook_ex(m->recipient, body, h->webhook_secret, h->smtp.connect_timeout_ms,
                       h->delivery_ms, r);
        free(body);
        json_decref(j);
        break;
    }
    case CHANNEL_INBOX:                 /* delivered inside the claim's transaction (deliver_one) */
        break;
    }
}

/* Claim one due message (committed, with a lease), deliver it outside any
** transaction, record the outcome. In-app messages are delivered inside
** the claim's own transaction: they never leave the database. */
static int deliver_one(sdm *h, int64_t now, sdm_err *err) {
    store_message m = {0};
    int rc = store_begin(h->st, err);
    if (!rc) rc = store_outbox_claim(h->st, now, now + LEASE_MS, &m, err);
    if (!rc && m.channel == CHANNEL_INBOX) {
        rc = store_inbox_add(h->st, m.recipient, m.subject, m.body, now, m.instance_id, m.deviation_id, err);
        if (!rc) rc = store_outbox_done(h->st, m.id, OUT_SENT, now, NULL, now, err);
        if (!rc) rc = store_commit(h->st, err);
        if (rc) store_rollback(h->st);
        if (!rc) tick_log(h, SDM_LOG_INFO, "delivered", "inbox to %s (message %lld)", m.recipient, (long long)m.id);
        free(m.subject); free(m.body);
        return rc;
    }
    if (!rc) rc = store_commit(h->st, err);
    if (rc) { store_rollback(h->st); return rc; }
    dlv_result r;
    deliver(h, &m, &r);
    out_state state = r.ok ? OUT_SENT : r.retryable && m.attempts < MAX_ATTEMPTS ? OUT_PENDING : OUT_FAILED;
    int64_t next = now + (r.retry_after_ms > dlv_backoff(m.attempts) ? r.retry_after_ms : dlv_backoff(m.attempts));
    rc = store_begin(h->st, err);
    if (!rc) rc = store_outbox_done(h->st, m.id, state, next, r.ok ? NULL : r.msg, sdm_now(h), err);
    if (!rc) rc = store_commit(h->st, err);
    if (rc) store_rollback(h->st);
    if (!rc && r.ok) tick_log(h, SDM_LOG_INFO, "delivered", "%s to %s (message %lld)", store_out_channel_text(m.channel), m.recipient,
                              (long long)m.id);
    else if (!rc) tick_log(h, state == OUT_FAILED ? SDM_LOG_ERROR : SDM_LOG_WARN, "delivery-failed", "%s to %s (message %lld, %s): %s",
                           store_out_channel_text(m.channel), m.recipient, (long long)m.id, store_out_state_text(state), r.msg);
    free(m.subject); free(m.body);
    return rc;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Jobs and deliveries take turns, one each, until neither has anything
** due or the tick's time is spent: a slow webhook delays a due timer by
** at most one delivery's timeout, and a failing job is set aside
** (job_failed) instead of stopping the worker. */
int sdm_tick(sdm *h, int *fired, int64_t *next_due, sdm_err *err) {
    if (fired) *fired = 0;
    int denied = acc_need_admin(h->st, h->as, "run the engine's clock", err);
    if (denied) return denied;
    int64_t now = sdm_now(h), end = mono_ms() + h->tick_ms;
    int n = 0, rc = SDM_OK, jobs = 1, mail = 1;
    while (!rc && (jobs || mail) && mono_ms() < end) {
        if (jobs) {
            store_job job;
            sdm_err why = {0};
            rc = fire_one(h, now, &job, &why);
            if (rc == SDM_OK) {
                n++;
                tick_log(h, SDM_LOG_INFO, "job-fired", "job %lld %s instance %lld node %s", (long long)job.id, store_job_kind_text(job.kind),
                         (long long)job.instance_id, job.node);
            } else if (rc == SDM_ERR_NOTFOUND) {
                jobs = 0;
                rc = SDM_OK;
            } else if (job.id) {
                rc = job_failed(h, &job, &why, now, err);
            } else if (err) {
                *err = why;
            }
        }
        if (!rc && mail) {
            rc = deliver_one(h, now, err);
            if (rc == SDM_OK) n++;
            else if (rc == SDM_ERR_NOTFOUND) { mail = 0; rc = SDM_OK; }
        }
    }
    if (fired) *fired = n;
    if (!rc && next_due) rc = store_next_due(h->st, next_due, err);
    if (!rc && next_due && (jobs || mail)) *next_due = now;     /* time ran out with work left */
    return rc;
}
