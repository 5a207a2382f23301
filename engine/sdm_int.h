/*
** sdm_int.h — the engine handle and what the files of the public API
** share: sdm.c (handle), deploy.c, step.c, correlate.c, tick.c, people.c.
** Nothing outside those files includes it.
**
** The engine handle is `sdm *h` in every file, the CLI's and the server's
** too (`c->h`, `r->h`); `db` is left to SQLite's connection (store_int.h).
*/
#ifndef SDM_INT_H
#define SDM_INT_H
#include "sdm.h"
#include "model.h"
#include "store.h"
#include "script.h"
#include "clock.h"
#include "rt.h"
#include "deliver.h"

typedef struct cached_model { int64_t resource; model *m; } cached_model;
typedef struct cached_def { int64_t def; int64_t resource; const model_proc *proc; } cached_def;

struct sdm {
    store *st;
    scr *sc;                     /* made by the first call that runs or checks Lua (sandbox()) */
    char *scripts_dir;
    long lua_instructions;
    size_t lua_memory;
    int script_timeout_ms;
    clk_calendar *cal;
    char *actor;
    char *as;                    /* acting user (access.c); NULL = administrator */
    char *lang;                  /* "ru" | "en": texts people read */
    char *base_url;              /* the web pages' address for links in messages, or NULL */
    int64_t now;                 /* fixed clock, 0 = real time */
    size_t max_model_bytes;
    dlv_smtp smtp;               /* strings owned below */
    char *smtp_url, *smtp_from, *smtp_user, *smtp_password;
    char *webhook_secret;        /* signs webhook bodies; NULL: unsigned */
    cached_model *models; int nmodel;
    cached_def *defs;     int ndef;
    rt_budget budget;            /* the running step's (rt.h) */
    long step_ops, step_tokens, max_instances;
    int64_t step_ms, tick_ms;
    long delivery_ms;            /* a delivery's whole time (dlv_smtp holds the connect timeout too) */
    void (*log)(void *, int, const char *, const char *);
    void *log_ctx;
};

/* sdm.c */
/* SDM_OK when the process may be started; a documentation model
** (isExecutable="false") is SDM_ERR_STATE saying so (deploy.c). */
int sdmi_startable(const model_proc *p, sdm_err *err);
scr *sdmi_sandbox(sdm *h);            /* the Lua sandbox, made on first use; NULL: out of memory */
int  sdmi_no_sandbox(sdm_err *err);    /* the error when it cannot be made */

/* deploy.c: the compiled process of definition `def`, cached for the handle's life */
int sdmi_load_def(sdm *h, int64_t def, const model_proc **proc, const char **file, sdm_err *err);

/* step.c: a step of the public API (begin .. end) */
int sdmi_step_begin(sdm *h, sdm_err *err);     /* transaction and a fresh budget */
/* Fills *s for a step on `inst` (model, sandbox, hooks, the handle's time). */
int sdmi_step_for(sdm *h, rt_step *s, const store_instance *inst, sdm_err *err);
/* Commits the step, or rolls it back when rc or the commit fails; frees *s. */
int sdmi_end_step(sdm *h, rt_step *s, int rc, sdm_err *err);
/* The rest of a step of its own, once the caller began it and fetched the
** active instance *inst (rc: how that went; *inst lives in the caller's
** frame until this returns): one runtime entry fn, at `now` (0: the
** handle's time), then commit or roll back. */
typedef int sdmi_step_fn(rt_step *s, void *arg, sdm_err *err);
int sdmi_step_own(sdm *h, int rc, const store_instance *inst, int64_t now, sdmi_step_fn *fn, void *arg,
                  sdm_err *err);
/* After a rolled-back step over its budget: the incident on `inst`, and the error. */
int sdmi_over_budget(sdm *h, int64_t inst, int rc, sdm_err *err);
/* An active instance, else SDM_ERR_STATE naming its state. */
int sdmi_active_instance(sdm *h, int64_t id, store_instance *inst, sdm_err *err);
/* Whether the acting user may start work for (or message) `client`. */
int sdmi_start_allowed(sdm *h, const char *client, sdm_err *err);

/* step.c: nested steps, inside a transaction already open. fn is the one
** runtime entry; `now` 0 keeps the handle's time. sdmi_step_in runs on an
** active instance by id and then runs what fn left ready; sdmi_step_new
** on an instance just added (fn starts it, which runs it). */
int sdmi_step_in(sdm *h, int64_t instance, int64_t now, sdmi_step_fn *fn, void *arg, sdm_err *err);
int sdmi_step_new(sdm *h, const store_instance *inst, int64_t now, rt_step *caller, sdmi_step_fn *fn, void *arg,
                  sdm_err *err);
/* A new instance started at start event `node` (-1: its none start). */
int sdmi_start_at(sdm *h, const store_instance *inst, int64_t now, int node, const char *vars, sdm_err *err);

/* correlate.c: the runtime's hook for a thrown message or signal */
int sdmi_thrown(void *ctx, rt_step *from, const model_node *n, sdm_err *err);
#endif
