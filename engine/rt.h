/*
** rt.h — the token runtime: moves one instance's tokens through its model
** until every token rests (waits for a person, joins, or has an incident)
** or the instance ends.
**
** The caller opens the transaction, fills an rt_step and calls one entry
** point; whatever it returns, the caller commits on SDM_OK and rolls back
** otherwise, so a step is stored whole or not at all.
**
** The states of tokens, instances, tasks and incidents, and the function
** behind every transition, are drawn in store.h beside their enums
** (token_state, instance_state, ...). Internal functions that need a
** token in a state check it with sdm_assert (on in the test build).
*/
#ifndef SDM_RT_H
#define SDM_RT_H
#include "sdm.h"
#include "model.h"
#include "store.h"
#include "script.h"

struct clk_calendar;

typedef struct rt_item {        /* one queued atomic operation */
    int op;                     /* rt_op */
    int node;                   /* node index */
    int flow;                   /* flow the token arrived by, -1 none */
    int64_t token;
    int64_t scope;              /* the token holding the token's scope, 0 at process level */
} rt_item;

/* A step's budget, shared by every rt_step of one transaction (the
** instance acted on, the instances it calls or messages): operations
** drained, tokens created, wall time. Exceeding it stops the whole step
** with SDM_ERR_LIMIT; the caller rolls back and records one incident. */
typedef struct rt_budget {
    long max_ops, max_tokens;   /* limits */
    int64_t ms, deadline;       /* wall time allowed; its end, CLOCK_MONOTONIC ms */
    long max_instances;         /* multi-instance cardinality cap */
    long ops, tokens;           /* used so far */
    int depth;                  /* steps of other instances nested in this one now */
    int tripped;                /* the step was stopped: what follows says where */
    int64_t inst;
    char node[128];
    sdm_err why;
} rt_budget;

/* Reset b for a new step of at most ms milliseconds. */
void rt_budget_start(rt_budget *b, long max_ops, long max_tokens, int64_t ms, long max_instances);

typedef struct rt_step {
    /* filled by the caller */
    rt_budget *budget;          /* NULL: unlimited */
    store *st;
    scr *sc;
    const model_proc *proc;
    const char *file;           /* model file, for script chunk names */
    const struct clk_calendar *cal;
    int64_t inst;
    const char *client;
    int64_t now;
    const char *actor;
    const char *lang;           /* "ru" or "en": messages people read; NULL: "en" */
    const char *base_url;       /* the web pages' address: messages link to the task; NULL: none */
    /* Picks a user for a user task the model gives no fixed assignee: the
    ** organisation's rule for the lane's role (org.c). May leave *user NULL. */
    int (*assign)(void *ctx, const model_node *n, const char *client, char **user, sdm_err *err);
    void *assign_ctx;
    /* Call activities cross instances and models, which step.c owns: it
    ** starts the called instance, and resumes the caller when it ends. */
    int (*call)(void *ctx, struct rt_step *caller, int64_t token, const model_node *n, const char *vars_json,
                sdm_err *err);
    int (*returned)(void *ctx, struct rt_step *called, sdm_err *err);
    /* A message or signal thrown by node n reaches whoever waits for it. */
    int (*thrown)(void *ctx, struct rt_step *from, const model_node *n, sdm_err *err);
    /* An error or escalation thrown by node n that nothing in this instance
    ** catches goes to the call activity that called it (rt_catch there). */
    int (*raised)(void *ctx, struct rt_step *from, const model_node *n, int *caught, int *interrupted,
                  sdm_err *err);
    void *ctx;
    struct rt_step *caller;     /* the caller's step when it is running now */
    int64_t parent_inst, parent_token;
    /* the runtime's own */
    int vars_loaded;
    int64_t vars_scope;         /* the scope whose variables the sandbox holds */
    void *owners;               /* json_t: variable name -> scope holding it, for that scope */
    rt_item *q;
    int qhead, qn, qcap;
    int ended;
    int64_t cur;                /* the token whose operation runs now */
    int cur_dead;               /* ...and a cancellation removed it meanwhile */
    int tasks_created, incidents;
    int64_t last_incident;
    int cond_dirty;             /* variables changed or a condition was armed: conditions are evaluated again */
    void *late;                 /* json_t: signals thrown in this step, with the tokens moving when each was thrown */
} rt_step;

/* Start: record vars_json (may be NULL), put a token on the process's
** none start event and run. */
int rt_start(rt_step *s, const char *vars_json, sdm_err *err);
/* The same from a given start node (a message start event). */
int rt_start_at(rt_step *s, int node, const char *vars_json, sdm_err *err);
/* A message or signal arrives for a subscription of this instance: merge
** vars_json, and the waiting token goes on (or, on a boundary, the boundary
** path starts). The caller drains. */
int rt_deliver(rt_step *s, const store_sub *sub, const char *vars_json, sdm_err *err);
/* Complete an open user task, its token as store_task_open read it: merge
** vars_json (may be NULL), leave. */
int rt_complete(rt_step *s, const store_task *task, const store_token *tok, const char *vars_json,
                sdm_err *err);
/* Resume an incident's token where it failed. */
int rt_retry(rt_step *s, const store_incident *inc, sdm_err *err);
/* An error or escalation thrown by node `thrower` of a called instance
** arrives at this instance's token waiting at the call activity: caught by
** the call activity's boundary events or by what encloses it, else passed
** on to this instance's own caller. The caller's owner drains. */
int rt_catch(rt_step *s, int64_t token, const model_node *thrower, int *caught, int *interrupted, sdm_err *err);
/* A called instance ended: merge its variables into the caller and queue
** the waiting token to leave the call activity. The caller's owner drains. */
int rt_call_returned(rt_step *s, int64_t token, int64_t called, sdm_err *err);
int rt_drain(rt_step *s, sdm_err *err);
/* Timer arithmetic shared with timer start events: the (fired+1)-th
** firing of node n's timer from anchor, spec already evaluated; *due = 0
** when it fires no more; -1 with msg when spec is not valid. */
int rt_timer_next(const struct clk_calendar *cal, const model_node *n, const char *spec, int fired,
                  int64_t anchor, int64_t *due, char *msg, size_t msglen);
/* The same after a firing at `now`, by the misfire rule of Quartz and
** Camunda: a cycle that missed firings (nobody ticked) goes on from its
** first firing after now, counting the missed ones in *fired (in: the
** firing wanted, out: the one returned), so it fires once, not once per
** missed period. */
int rt_timer_after(const struct clk_calendar *cal, const model_node *n, const char *spec, int *fired,
                   int64_t anchor, int64_t now, int64_t *due, char *msg, size_t msglen);
/* Fire a due job (timer, boundary timer, due-date checkpoint). */
int rt_fire(rt_step *s, const store_job *job, sdm_err *err);
/* Write variables from outside the model into the store, as seen from
** scope (0: the instance): a name a scope on the way holds goes there. */
int rt_set_vars(rt_step *s, const char *vars_json, int64_t scope, sdm_err *err);
/* After a step that failed was rolled back, in a fresh transaction: an
** incident with token 0 on this instance, at why->element, told to whoever
** is responsible. phase "step": it exceeded its budget (nothing to resume;
** the action is repeated once the model is fixed); "job": a job's firing
** failed (retrying it makes the job due again). */
int rt_step_incident(rt_step *s, incident_phase phase, const sdm_err *why, int64_t *incident, sdm_err *err);
/* The same for a start: the instance with its variables and one token at
** its start event resting with the incident (retry runs it again). */
int rt_start_incident(rt_step *s, int start, const char *vars_json, const sdm_err *why, int64_t *incident,
                      sdm_err *err);
void rt_step_free(rt_step *s);

/* Canonical names of the atomic operations, for logs and traces. */
const char *rt_op_name(int op);
#endif
