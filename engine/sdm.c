/*
** sdm.c — the public API (sdm.h): wires store, script, model and runtime
** together and owns the engine handle.
**
** Every state-changing call here is one transaction: begin, one runtime
** entry point, commit — or roll back on any failure, so the store never
** holds half a step. Deployed models are compiled once per resource and
** cached for the life of the handle; the runtime never sees XML.
*/
#include <stdarg.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <jansson.h>
#include "sdm.h"
#include "err.h"
#include "xml.h"
#include "model.h"
#include "store.h"
#include "script.h"
#include "clock.h"
#include "table.h"
#include "rt.h"
#include "org.h"
#include "report.h"
#include "form.h"
#include "deliver.h"
#include "access.h"
#include "cred.h"
#include "import.h"
#include "regdoc.h"
#include "card.h"
#include "plan.h"

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

static const char default_calendar[] = "hours = Mon-Fri 09:00-18:00\n";

/* ---------- handle ---------- */

/* The Lua sandbox, made on first use: a call that only reads never needs
** it, and making one costs as much as a query. NULL: out of memory. */
static scr *sandbox(sdm *db) {
    if (!db->sc) db->sc = scr_open(db->scripts_dir, db->lua_instructions, db->lua_memory, db->script_timeout_ms);
    return db->sc;
}

static int no_sandbox(sdm_err *err) {
    return err_set(err, SDM_ERR_NOMEM, NULL, 0, NULL, "cannot create the Lua sandbox");
}

/* The zone the calendar counts in and people read times in: the caller's,
** else the calendar file's, else the machine's. */
static int set_zone(clk_calendar *cal, const char *tz, char *msg, size_t n) {
    char machine[64];
    if (!tz && clk_calendar_has_tz(cal)) return 0;
    if (!tz && clk_machine_zone(NULL, machine, sizeof machine) == 0) tz = machine;
    return clk_calendar_set_tz(cal, tz, msg, n);
}

/* Resources deployed before migration 8 get their packed tree when the
** migration runs, in one transaction, so no later call parses XML. */
static int pack_old_trees(sdm *db, sdm_err *err) {
    int64_t id = 0;
    char *name, *xml;
    size_t len;
    int rc = store_begin(db->st, err);
    while (!rc && (rc = store_tree_missing(db->st, id, &id, &name, &xml, &len, err)) == SDM_OK) {
        xml_doc *doc = NULL;
        if (xml_parse(name, xml, len, (size_t)-1, &doc, NULL) == SDM_OK) {   /* unreadable: parsed when run */
            char *tree;
            size_t tree_len;
            xml_pack(doc, &tree, &tree_len);
            rc = store_tree_add(db->st, id, tree, tree_len, err);
            free(tree);
        }
        xml_free(doc);
        free(name); free(xml);
    }
    if (rc == SDM_ERR_NOTFOUND) rc = store_commit(db->st, err);
    if (rc) store_rollback(db->st);
    return rc;
}

int sdm_open(sdm **out, const char *path, const sdm_config *cfg, sdm_err *err) {
    static const sdm_config defaults;
    if (!cfg) cfg = &defaults;
    *out = NULL;
    sdm *db = xcalloc(1, sizeof *db);
    char msg[512];
    int rc = store_open(&db->st, path, cfg->open_mode, cfg->sync_full, err);
    if (!rc && store_found_version(db->st) < 8 && cfg->open_mode != SDM_OPEN_READ) rc = pack_old_trees(db, err);
    if (rc) { store_close(db->st); free(db); return rc; }
    db->scripts_dir = cfg->scripts_dir ? xstrdup(cfg->scripts_dir) : NULL;
    db->lua_instructions = cfg->lua_instructions;
    db->lua_memory = cfg->lua_memory;
    db->script_timeout_ms = cfg->script_timeout_ms;
    if (cfg->calendar_file ? clk_calendar_load(cfg->calendar_file, &db->cal, msg, sizeof msg)
                           : clk_calendar_parse(default_calendar, "default calendar", &db->cal, msg, sizeof msg)) {
        sdm_close(db);
        return err_set(err, SDM_ERR_IO, cfg->calendar_file, 0, NULL, "%s", msg);
    }
    if (set_zone(db->cal, cfg->time_zone, msg, sizeof msg)) {
        sdm_close(db);
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "time zone: %s", msg);
    }
    db->actor = xstrdup(cfg->actor ? cfg->actor : "system");
    db->now = cfg->now;
    db->webhook_secret = cfg->webhook_secret ? xstrdup(cfg->webhook_secret) : NULL;
    db->lang = xstrdup(cfg->lang && *cfg->lang ? cfg->lang : "en");
    db->base_url = cfg->base_url && *cfg->base_url ? xstrdup(cfg->base_url) : NULL;
    if (strcmp(db->lang, "ru") && strcmp(db->lang, "en")) {
        sdm_close(db);
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "language '%s': sdm speaks ru or en", cfg->lang);
    }
    db->max_model_bytes = cfg->max_model_bytes ? cfg->max_model_bytes : (size_t)16 << 20;
    db->smtp.url = db->smtp_url = cfg->smtp_url ? xstrdup(cfg->smtp_url) : NULL;
    db->smtp.from = db->smtp_from = xstrdup(cfg->smtp_from ? cfg->smtp_from : "sdm@localhost");
    db->smtp.user = db->smtp_user = cfg->smtp_user ? xstrdup(cfg->smtp_user) : NULL;
    db->smtp.password = db->smtp_password = cfg->smtp_password ? xstrdup(cfg->smtp_password) : NULL;
    db->step_ops = cfg->step_ops > 0 ? cfg->step_ops : 1000000;
    db->step_tokens = cfg->step_tokens > 0 ? cfg->step_tokens : 100000;
    db->step_ms = cfg->step_ms > 0 ? cfg->step_ms : 5000;
    db->max_instances = cfg->max_instances > 0 ? cfg->max_instances : 10000;
    db->tick_ms = cfg->tick_ms > 0 ? cfg->tick_ms : 10000;
    db->delivery_ms = cfg->delivery_timeout_ms > 0 ? cfg->delivery_timeout_ms : 15000;
    db->smtp.timeout_ms = db->delivery_ms;
    db->smtp.connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000;
    db->log = cfg->log;
    db->log_ctx = cfg->log_ctx;
    *out = db;
    return SDM_OK;
}

void sdm_close(sdm *db) {
    if (!db) return;
    for (int i = 0; i < db->nmodel; i++) model_free(db->models[i].m);
    free(db->models);
    free(db->defs);
    clk_calendar_free(db->cal);
    scr_close(db->sc);
    free(db->scripts_dir);
    store_close(db->st);
    free(db->actor);
    free(db->as);
    free(db->lang);
    free(db->base_url);
    free(db->smtp_url); free(db->smtp_from); free(db->smtp_user); free(db->smtp_password);
    free(db->webhook_secret);
    free(db);
}

void sdm_set_actor(sdm *db, const char *actor) {
    free(db->actor);
    db->actor = xstrdup(actor ? actor : "system");
}

int sdm_act_as(sdm *db, const char *user, sdm_err *err) {
    if (user) {
        int rc = org_user_check(db->st, user, err);
        if (rc) return rc;
    }
    free(db->as);
    db->as = user ? xstrdup(user) : NULL;
    if (user) sdm_set_actor(db, user);
    return SDM_OK;
}

const char *sdm_acting(sdm *db) { return db->as; }

void sdm_set_now(sdm *db, int64_t now_ms) { db->now = now_ms; }

int64_t sdm_now(sdm *db) {
    if (db->now) return db->now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sdm_is_working_time(sdm *db, int64_t t) { return clk_is_working(db->cal, t); }

const char *sdm_time_zone(sdm *db) { return clk_calendar_tz(db->cal); }

int sdm_format_time(sdm *db, int64_t ms, int iso, char *buf, size_t n) {
    char tmp[64];
    if (clk_format(ms, sdm_time_zone(db), tmp, sizeof tmp) < 0) return -1;
    if (iso) return snprintf(buf, n, "%s", tmp) < (int)n ? 0 : -1;
    /* "2026-11-23T09:00:00+03:00" -> "2026-11-23 09:00" */
    return snprintf(buf, n, "%.10s %.5s", tmp, tmp + 11) < (int)n ? 0 : -1;
}

const char *sdm_status_name(int code) {
    static const char *const names[] = {
        "ok", "xml", "model", "script", "store", "nomem", "misuse", "corrupt",
        "notfound", "state", "io", "limit", "denied"
    };
    return code >= 0 && code < (int)(sizeof names / sizeof *names) ? names[code] : "unknown";
}

/* ---------- deployment ---------- */

static const char *const deploy_cols[] = {"kind", "process", "version", "file", "line", "element", "message", NULL};

static void report(sdm_table *t, const char *kind, const char *proc, int version, const char *file,
                   int line, const char *element, const char *msg) {
    char **r = table_add_row(t);
    r[0] = xstrdup(kind);
    r[1] = proc ? xstrdup(proc) : NULL;
    r[2] = version ? xasprintf("%d", version) : NULL;
    r[3] = file ? xstrdup(file) : NULL;
    r[4] = line ? xasprintf("%d", line) : NULL;
    r[5] = element ? xstrdup(element) : NULL;
    r[6] = msg ? xstrdup(msg) : NULL;
}

/* Which processes a file deploys: those not marked isExecutable="false";
** when every process is so marked (bpmn.io's default), all of them. */
static void choose_processes(const model *m, char *deploy) {
    int any = 0;
    for (int i = 0; i < m->nproc; i++)     /* an empty pool is a black-box participant */
        any |= (deploy[i] = m->procs[i].executable != 0 && m->procs[i].nnode > 0);
    if (!any) for (int i = 0; i < m->nproc; i++) deploy[i] = m->procs[i].nnode > 0;
}

typedef struct code_check { sdm *db; const model *m; const model_proc *p; sdm_table *t; int nerr; } code_check;

static void check_lua(code_check *c, const char *code, int expr, const char *id, int line) {
    if (!code) return;
    char chunk[300];
    const char *slash = strrchr(c->m->file, '/');
    snprintf(chunk, sizeof chunk, "%s:%s", slash ? slash + 1 : c->m->file, id);
    sdm_err e;
    scr *sc = sandbox(c->db);
    if (!sc) no_sandbox(&e);
    else if (scr_check(sc, code, expr, chunk, &e) == SDM_OK) return;
    c->nerr++;
    report(c->t, "error", c->p->id, 0, c->m->file, line, id, e.msg);
}

static void check_duration(code_check *c, const char *v, const model_node *n) {
    char msg[256];
    clk_duration d;
    if (!v || clk_parse_duration(v, &d, msg, sizeof msg) == 0) return;
    c->nerr++;
    report(c->t, "error", c->p->id, 0, c->m->file, n->line, n->id, msg);
}

static void check_timer(code_check *c, const model_node *n) {
    if (!n->timer) return;
    if (n->timer[0] == '=') { check_lua(c, n->timer + 1, 1, n->id, n->line); return; }
    char msg[256];
    clk_duration d;
    clk_cycle cy;
    int64_t at;
    int bad = n->timer_type == 'd' ? clk_parse_duration(n->timer, &d, msg, sizeof msg)
            : n->timer_type == 't' ? clk_parse_datetime(n->timer, clk_calendar_tz(c->db->cal), &at, msg, sizeof msg)
            : clk_parse_cycle(n->timer, clk_calendar_tz(c->db->cal), &cy, msg, sizeof msg);
    if (!bad) return;
    c->nerr++;
    report(c->t, "error", c->p->id, 0, c->m->file, n->line, n->id, msg);
}

/* A literal loopCardinality over the cap is refused now; a computed one
** over it becomes an incident when it runs (rt.c, loop_begin). */
static void check_cardinality(code_check *c, const model_loop *l, const model_node *n) {
    if (!l->count) return;
    char *end;
    double v = strtod(l->count, &end);
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') end++;
    if (end == l->count || *end || !(v > (double)c->db->max_instances)) return;
    char msg[256];
    snprintf(msg, sizeof msg, "loopCardinality of '%s' is %s, over the cap of %ld instances", n->id,
             l->count, c->db->max_instances);
    c->nerr++;
    report(c->t, "error", c->p->id, 0, c->m->file, l->line, n->id, msg);
}

/* Lua syntax and ISO 8601 values, checked once at deploy time so that a
** typo surfaces with its line now, not as an incident weeks later. */
static int check_code(sdm *db, const model *m, int pi, sdm_table *t) {
    code_check c = {db, m, &m->procs[pi], t, 0};
    const model_proc *p = c.p;
    for (int f = 0; f < p->nflow; f++) check_lua(&c, p->flows[f].cond, 1, p->flows[f].id, p->flows[f].line);
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        check_lua(&c, n->script, 0, n->id, n->line);
        check_lua(&c, n->assignee_expr, 1, n->id, n->line);
        check_lua(&c, n->due_expr, 1, n->id, n->line);
        check_lua(&c, n->activation, 1, n->id, n->line);
        for (int k = 0; k < n->ncp; k++) check_lua(&c, n->cps[k].code, 0, n->id, n->cps[k].line);
        if (n->loop) {
            const model_loop *l = n->loop;
            check_cardinality(&c, l, n);
            check_lua(&c, l->count, 1, n->id, l->line);
            check_lua(&c, l->items, 1, n->id, l->line);
            check_lua(&c, l->until, 1, n->id, l->line);
            check_lua(&c, l->cond, 1, n->id, l->line);
        }
        check_duration(&c, n->due, n);
        check_duration(&c, n->due_working, n);
        check_timer(&c, n);
    }
    return c.nerr;
}

/* A new version's timer start events replace the older versions' ones. */
static int schedule_starts(sdm *db, const model_proc *p, int64_t def, int64_t now, sdm_err *err) {
    int rc = store_start_jobs_clear(db->st, p->id, err);
    for (int i = 0; !rc && i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        int64_t due;
        char msg[256];
        if (n->kind != EL_START_TIMER || n->parent >= 0) continue;   /* inside: an event subprocess's */
        if (rt_timer_next(db->cal, n, n->timer, 0, now, &due, msg, sizeof msg))
            return err_set(err, SDM_ERR_MODEL, p->id, n->line, n->id, "timer of '%s': %s", n->id, msg);
        if (due) rc = store_start_job_add(db->st, def, n->id, due, now, err);
    }
    return rc;
}

static int deploy_model(sdm *db, model *m, const char *xml, size_t len, const char *tree,
                        size_t tree_len, const char *deploy, sdm_table *t, sdm_err *err) {
    int64_t now = sdm_now(db), resource = 0;
    int rc = store_begin(db->st, err);
    for (int i = 0; !rc && i < m->nproc; i++) {
        if (!deploy[i]) continue;
        const model_proc *p = &m->procs[i];
        int64_t def = 0;
        int version = 0;
        char *old = NULL;
        size_t oldlen = 0;
        rc = store_latest_definition(db->st, p->id, &def, &version, &old, &oldlen, NULL);
        if (rc == SDM_ERR_NOTFOUND) rc = SDM_OK;
        if (!rc && old && oldlen == len && memcmp(old, xml, len) == 0) {
            report(t, "unchanged", p->id, version, m->file, p->line, NULL, "same content as the deployed version");
        } else if (!rc) {
            if (!resource) rc = store_resource_add(db->st, m->file, xml, len, tree, tree_len, now, &resource, err);
            if (!rc) rc = store_definition_add(db->st, p->id, version + 1, p->name, resource, now,
                                               db->actor, &def, err);
            if (!rc) rc = schedule_starts(db, p, def, now, err);
            if (!rc) report(t, "deployed", p->id, version + 1, m->file, p->line, NULL, p->name);
        }
        free(old);
    }
    if (!rc) rc = store_commit(db->st, err);
    if (rc) store_rollback(db->st);
    return rc;
}

int sdm_deploy_xml(sdm *db, const char *name, const char *xml, size_t len, sdm_table **out, sdm_err *err) {
    if (out) *out = NULL;
    int denied = acc_need_owner(db->st, db->as, "deploy processes", err);
    if (denied) return denied;
    if (imp_sniff(xml, len)) return imp_deploy(db, name, xml, len, db->max_model_bytes, out, err);
    sdm_table *t = table_new(deploy_cols, "ssisiss");
    xml_doc *doc = NULL;
    int rc = xml_parse(name, xml, len, db->max_model_bytes, &doc, err);
    if (rc) {
        report(t, "error", NULL, 0, name, err ? err->line : 0, NULL, err ? err->msg : "malformed XML");
        if (out) *out = t; else sdm_table_free(t);
        return rc;
    }
    model *m = model_compile(doc, name);
    char *tree;
    size_t tree_len;
    xml_pack(doc, &tree, &tree_len);
    xml_free(doc);
    char *deploy = xcalloc((size_t)m->nproc + 1, 1);
    choose_processes(m, deploy);
    int nerr = 0, ndeploy = 0;
    for (int i = 0; i < m->nproc; i++) {
        ndeploy += deploy[i];
        if (!deploy[i]) report(t, "skipped", m->procs[i].id, 0, name, m->procs[i].line, NULL,
                               m->procs[i].nnode ? "isExecutable=\"false\": not deployed"
                                                 : "no flow nodes (a black-box pool): not deployed");
        else if (m->procs[i].executable == 0)
            report(t, "warning", m->procs[i].id, 0, name, m->procs[i].line, NULL,
                   "no process in the file is executable; deploying it anyway");
    }
    for (int i = 0; i < m->ndiag; i++) {
        const model_diag *d = &m->diags[i];
        if (d->proc >= 0 && !deploy[d->proc]) continue;
        report(t, d->error ? "error" : "warning", d->proc >= 0 ? m->procs[d->proc].id : NULL, 0, name,
               d->line, d->element, d->msg);
        nerr += d->error;
    }
    for (int i = 0; i < m->nproc; i++) if (deploy[i]) nerr += check_code(db, m, i, t);
    if (nerr) {
        for (int r = 0; r < t->nrow; r++)
            if (strcmp(t->cells[r * t->ncol], "error") == 0) {
                const char *line = t->cells[r * t->ncol + 4];
                rc = err_set(err, SDM_ERR_MODEL, name, line ? atoi(line) : 0, t->cells[r * t->ncol + 5],
                             "%s%s", t->cells[r * t->ncol + 6], nerr > 1 ? " (and more errors)" : "");
                break;
            }
    } else if (!ndeploy) {
        rc = err_set(err, SDM_ERR_MODEL, name, 0, NULL, "the file has no process to deploy");
        report(t, "error", NULL, 0, name, 0, NULL, err ? err->msg : "the file has no process to deploy");
    } else {
        rc = deploy_model(db, m, xml, len, tree, tree_len, deploy, t, err);
    }
    free(tree);
    free(deploy);
    model_free(m);
    if (out) *out = t; else sdm_table_free(t);
    return rc;
}

int sdm_deploy(sdm *db, const char *path, sdm_table **out, sdm_err *err) {
    if (out) *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0) return err_set(err, SDM_ERR_IO, path, 0, NULL, "cannot read: %s", strerror(errno));
    if ((size_t)sb.st_size > db->max_model_bytes)
        return err_set(err, SDM_ERR_LIMIT, path, 0, NULL, "file is %lld bytes, over the limit of %zu",
                       (long long)sb.st_size, db->max_model_bytes);
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(err, SDM_ERR_IO, path, 0, NULL, "cannot open: %s", strerror(errno));
    char *buf = xmalloc((size_t)sb.st_size + 1);
    size_t len = fread(buf, 1, (size_t)sb.st_size, f);
    fclose(f);
    int rc = sdm_deploy_xml(db, path, buf, len, out, err);
    free(buf);
    return rc;
}

/* ---------- model cache ---------- */

static int load_def(sdm *db, int64_t def, const model_proc **proc, const char **file, sdm_err *err) {
    for (int i = 0; i < db->ndef; i++)
        if (db->defs[i].def == def) {
            *proc = db->defs[i].proc;
            for (int k = 0; k < db->nmodel; k++)
                if (db->models[k].resource == db->defs[i].resource) *file = db->models[k].m->file;
            return SDM_OK;
        }
    int64_t resource;
    char *pid = NULL, *name = NULL, *tree = NULL, *xml = NULL;
    size_t len;
    int rc = store_definition_source(db->st, def, &resource, &pid, &name, &tree, &xml, &len, err);
    model *m = NULL;
    for (int k = 0; !rc && k < db->nmodel; k++) if (db->models[k].resource == resource) m = db->models[k].m;
    if (!rc && !m) {
        /* The packed tree needs no XML parser; resources deployed before
        ** it existed are parsed. */
        xml_doc *doc = NULL;
        rc = tree ? xml_unpack(name, tree, len, &doc, err) : xml_parse(name, xml, len, (size_t)-1, &doc, err);
        if (!rc) {
            m = model_load(doc, name);
            xml_free(doc);
            db->models = xrealloc(db->models, sizeof *db->models * (size_t)(db->nmodel + 1));
            db->models[db->nmodel++] = (cached_model){resource, m};
        }
    }
    const model_proc *p = !rc ? model_proc_find(m, pid) : NULL;
    if (!rc && !p) rc = SDM_CORRUPT_BKPT(err, "a deployed process is missing from its resource");
    if (!rc) {
        db->defs = xrealloc(db->defs, sizeof *db->defs * (size_t)(db->ndef + 1));
        db->defs[db->ndef++] = (cached_def){def, resource, p};
        *proc = p;
        *file = m->file;
    }
    free(pid); free(name); free(tree); free(xml);
    return rc;
}

/* ---------- steps ---------- */

static int call_start(void *ctx, rt_step *caller, int64_t token, const model_node *n, const char *vars, sdm_err *err);
static int thrown(void *ctx, rt_step *from, const model_node *n, sdm_err *err);
static int raised(void *ctx, rt_step *from, const model_node *n, int *caught, int *interrupted, sdm_err *err);
static int active_instance(sdm *db, int64_t id, store_instance *inst, sdm_err *err);
static int call_returned(void *ctx, rt_step *called, sdm_err *err);

/* A fresh budget (rt_budget) for the step about to run: every rt_step of
** it shares this one. */
static void budget_start(sdm *db) {
    rt_budget_start(&db->budget, db->step_ops, db->step_tokens, db->step_ms, db->max_instances);
}

/* Begin a step's transaction with a fresh budget. */
static int step_begin(sdm *db, sdm_err *err) {
    budget_start(db);
    return store_begin(db->st, err);
}

static int step_for(sdm *db, rt_step *s, const store_instance *inst, sdm_err *err) {
    memset(s, 0, sizeof *s);
    s->budget = &db->budget;
    s->st = db->st;
    if (!(s->sc = sandbox(db))) return no_sandbox(err);
    s->cal = db->cal;
    s->inst = inst->id;
    s->client = inst->client;
    s->now = sdm_now(db);
    s->actor = db->actor;
    s->lang = db->lang;
    s->base_url = db->base_url;
    s->assign = org_assign;
    s->assign_ctx = db->st;
    s->call = call_start;
    s->returned = call_returned;
    s->thrown = thrown;
    s->raised = raised;
    s->ctx = db;
    s->parent_inst = inst->parent_id;
    s->parent_token = inst->parent_token;
    return load_def(db, inst->definition_id, &s->proc, &s->file, err);
}

/* ---------- call activities ---------- */

/* Start the called process for the caller's client with the variables
** the call activity sees, inside the caller's transaction. */
static int call_start(void *ctx, rt_step *caller, int64_t token, const model_node *n, const char *vars, sdm_err *err) {
    sdm *db = ctx;
    store_instance child = {0};
    rt_step cs = {0};
    int version;
    int rc = n->called_version ? store_definition_find(db->st, n->called, n->called_version, &child.definition_id, err)
                               : store_latest_definition(db->st, n->called, &child.definition_id, &version, NULL, NULL, err);
    if (!rc) rc = store_instance_add(db->st, child.definition_id, n->called, caller->client, caller->now,
                                     db->actor, &child.id, err);
    if (!rc) rc = store_instance_set_parent(db->st, child.id, caller->inst, token, err);
    child.parent_id = caller->inst;
    child.parent_token = token;
    snprintf(child.client, sizeof child.client, "%s", caller->client);
    if (!rc) rc = step_for(db, &cs, &child, err);
    if (!rc) {
        cs.now = caller->now;
        cs.caller = caller;
        rc = rt_start(&cs, vars, err);
    }
    if (!rc) rc = org_after_step(db->st, cs.proc, cs.inst, cs.client, cs.now, cs.actor, err);
    rt_step_free(&cs);
    return rc;
}

/* The called instance ended: resume its caller — in the caller's running
** step when there is one, else in a step of its own. */
static int call_returned(void *ctx, rt_step *called, sdm_err *err) {
    sdm *db = ctx;
    if (called->caller) return rt_call_returned(called->caller, called->parent_token, called->inst, err);
    store_instance parent;
    rt_step ps = {0};
    int rc = active_instance(db, called->parent_inst, &parent, err);
    if (!rc) rc = step_for(db, &ps, &parent, err);
    if (!rc) {
        ps.now = called->now;
        rc = rt_call_returned(&ps, called->parent_token, called->inst, err);
    }
    if (!rc) rc = rt_drain(&ps, err);
    if (!rc) rc = org_after_step(db->st, ps.proc, ps.inst, ps.client, ps.now, ps.actor, err);
    rt_step_free(&ps);
    return rc;
}

/* An error or escalation a called instance does not catch: its caller's
** call activity gets it — in the caller's running step when there is one,
** else in a step of its own. */
static int raised(void *ctx, rt_step *called, const model_node *n, int *caught, int *interrupted, sdm_err *err) {
    sdm *db = ctx;
    if (called->caller) return rt_catch(called->caller, called->parent_token, n, caught, interrupted, err);
    store_instance parent;
    rt_step ps = {0};
    int rc = active_instance(db, called->parent_inst, &parent, err);
    if (!rc) rc = step_for(db, &ps, &parent, err);
    if (!rc) {
        ps.now = called->now;
        rc = rt_catch(&ps, called->parent_token, n, caught, interrupted, err);
    }
    if (!rc) rc = rt_drain(&ps, err);
    if (!rc) rc = org_after_step(db->st, ps.proc, ps.inst, ps.client, ps.now, ps.actor, err);
    rt_step_free(&ps);
    return rc;
}

static int over_budget(sdm *db, int64_t inst, int rc, sdm_err *err);

/* Commit the step, or roll it back on any failure. */
static int end_step(sdm *db, rt_step *s, int rc, sdm_err *err) {
    if (!rc && s->inst) rc = org_after_step(db->st, s->proc, s->inst, s->client, s->now, s->actor, err);
    if (!rc) rc = store_commit(db->st, err);
    if (rc) store_rollback(db->st);
    rt_step_free(s);
    return rc;
}

static int finish(sdm *db, rt_step *s, int rc, sdm_err *err) {
    return over_budget(db, s->inst, end_step(db, s, rc, err), err);
}

/* The error a step over its budget returns, naming what was recorded. */
static int budget_error(sdm *db, const char *recorded, sdm_err *err) {
    if (err) {
        *err = db->budget.why;
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, "; the step was rolled back%s", recorded);
    }
    return SDM_ERR_LIMIT;
}

/* A step stopped by its budget has been rolled back: record one incident
** on the instance acted on (it existed before the step) in a transaction
** of its own, so a person sees it and the caller gets the error. */
static int over_budget(sdm *db, int64_t inst, int rc, sdm_err *err) {
    if (rc != SDM_ERR_LIMIT || !db->budget.tripped || !inst) return rc;
    store_instance in;
    rt_step s = {0};
    sdm_err e = {0};
    int64_t id = 0;
    db->budget.tripped = 0;
    int r = store_begin(db->st, &e);
    if (!r) r = active_instance(db, inst, &in, &e);
    if (!r) r = step_for(db, &s, &in, &e);
    s.budget = NULL;
    if (!r) r = rt_step_incident(&s, "step", &db->budget.why, &id, &e);
    if (!r) r = store_commit(db->st, &e);
    if (r) store_rollback(db->st);
    rt_step_free(&s);
    char what[128];
    snprintf(what, sizeof what, r ? "" : " and recorded as incident %lld", (long long)id);
    return budget_error(db, what, err);
}

static int active_instance(sdm *db, int64_t id, store_instance *inst, sdm_err *err) {
    int rc = store_instance_get(db->st, id, inst, err);
    if (!rc && strcmp(inst->state, "active") != 0)
        rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "instance %lld is %s", (long long)id, inst->state);
    return rc;
}

/* A start over its budget was rolled back: the instance is recorded
** anyway, with its variables and its token resting at the start event
** with the incident, so the client's deal is not lost and `sdm retry`
** runs it again once the model is fixed; the caller gets the error. */
static int start_over_budget(sdm *db, const char *process, const char *client, const char *vars_json,
                             int64_t *instance, sdm_err *err) {
    rt_step s = {0};
    store_instance inst = {0};
    sdm_err e = {0};
    int version;
    int64_t id = 0;
    db->budget.tripped = 0;
    int rc = store_begin(db->st, &e);
    if (!rc) rc = store_latest_definition(db->st, process, &inst.definition_id, &version, NULL, NULL, &e);
    if (!rc) rc = org_client_register(db->st, client, vars_json, sdm_now(db), db->actor, &e);
    if (!rc) rc = store_instance_add(db->st, inst.definition_id, process, client, sdm_now(db), db->actor,
                                     &inst.id, &e);
    snprintf(inst.client, sizeof inst.client, "%s", client);
    if (!rc) rc = step_for(db, &s, &inst, &e);
    s.budget = NULL;
    if (!rc) rc = rt_start_incident(&s, s.proc->starts[0], vars_json, &db->budget.why, &id, &e);
    if (!rc) rc = store_commit(db->st, &e);
    if (rc) store_rollback(db->st);
    rt_step_free(&s);
    if (!rc && instance) *instance = inst.id;
    char what[160];
    snprintf(what, sizeof what, rc ? "" : "; instance %lld is recorded with incident %lld",
             (long long)inst.id, (long long)id);
    return budget_error(db, what, err);
}

/* A user starts work for a client of theirs, or a new one; the
** administrator and process owners for anyone. */
static int start_allowed(sdm *db, const char *client, sdm_err *err) {
    if (acc_owner(db->st, db->as)) return SDM_OK;
    sdm_table *card = NULL;
    int rc = org_client_card(db->st, client, &card, err);
    sdm_table_free(card);
    if (rc == SDM_ERR_NOTFOUND) return SDM_OK;
    if (!rc) rc = acc_client(db->st, db->as, client, err);
    if (rc == SDM_ERR_NOTFOUND)
        rc = err_set(err, SDM_ERR_DENIED, NULL, 0, NULL, "%s may not start work for client '%s'", db->as, client);
    return rc;
}

int sdm_start(sdm *db, const char *process, const char *client, const char *vars_json,
              int64_t *instance, sdm_err *err) {
    if (!process || !*process || !client || !*client)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a process id and a client key are required");
    if (err_check_name(err, "the client key", client)) return SDM_ERR_MISUSE;
    rt_step s = {0};
    store_instance inst = {0};
    int version;
    int rc = step_begin(db, err);
    if (!rc) rc = start_allowed(db, client, err);
    if (!rc) rc = store_latest_definition(db->st, process, &inst.definition_id, &version, NULL, NULL, err);
    if (!rc) rc = org_client_register(db->st, client, vars_json, sdm_now(db), db->actor, err);
    if (!rc) rc = store_instance_add(db->st, inst.definition_id, process, client, sdm_now(db), db->actor,
                                     &inst.id, err);
    snprintf(inst.client, sizeof inst.client, "%s", client);
    if (!rc) rc = step_for(db, &s, &inst, err);
    if (!rc) rc = rt_start(&s, vars_json, err);
    if (!rc && instance) *instance = inst.id;
    rc = end_step(db, &s, rc, err);
    return rc == SDM_ERR_LIMIT && db->budget.tripped ? start_over_budget(db, process, client, vars_json, instance, err)
                                                     : rc;
}

/* What a completion submits, checked against the task's form (form.c):
** *norm is what to merge instead, NULL when the step has no form. */
static int form_vars(rt_step *s, const store_task *t, const char *vars, char **norm, sdm_err *err) {
    int k = model_node_find(s->proc, t->node);
    char *have = NULL;
    *norm = NULL;
    if (k < 0 || !s->proc->nodes[k].nfield) return SDM_OK;
    int rc = store_vars_json(s->st, s->inst, 0, &have, err);
    if (!rc) rc = form_check(&s->proc->nodes[k], vars, have, norm, err);
    free(have);
    return rc;
}

int sdm_complete(sdm *db, int64_t task, const char *vars_json, sdm_err *err) {
    rt_step s = {0};
    store_task t;
    store_instance inst;
    int rc = step_begin(db, err);
    if (!rc) rc = acc_task(db->st, db->as, task, err);
    if (!rc) rc = store_task_get(db->st, task, &t, err);
    if (!rc) rc = store_instance_get(db->st, t.instance_id, &inst, err);
    char *norm = NULL;
    if (!rc) rc = step_for(db, &s, &inst, err);
    if (!rc) rc = form_vars(&s, &t, vars_json, &norm, err);
    if (!rc) rc = rt_complete(&s, &t, norm ? norm : vars_json, err);
    free(norm);
    return finish(db, &s, rc, err);
}

/* One task of a batch, as `user`, in a savepoint of the open transaction. */
static int batch_one(sdm *db, int64_t task, const char *user, const char *vars, sdm_err *err) {
    rt_step s = {0};
    store_task t;
    store_instance inst;
    char *as = db->as ? xstrdup(db->as) : NULL;
    budget_start(db);
    int rc = store_step_begin(db->st, err);
    if (!rc && user) rc = sdm_act_as(db, user, err);
    if (!rc) rc = acc_task(db->st, db->as, task, err);
    if (!rc) rc = store_task_get(db->st, task, &t, err);
    if (!rc) rc = store_instance_get(db->st, t.instance_id, &inst, err);
    char *norm = NULL;
    if (!rc) rc = step_for(db, &s, &inst, err);
    if (!rc) rc = form_vars(&s, &t, vars, &norm, err);
    if (!rc) rc = rt_complete(&s, &t, norm ? norm : vars, err);
    free(norm);
    if (!rc && s.inst) rc = org_after_step(db->st, s.proc, s.inst, s.client, s.now, s.actor, err);
    int end = store_step_end(db->st, rc == SDM_OK, rc ? NULL : err);
    rt_step_free(&s);
    if (user) sdm_act_as(db, as, NULL);
    free(as);
    return rc ? rc : end;
}

int sdm_complete_batch(sdm *db, int n, const int64_t *tasks, const char *const *users,
                       const char *const *vars, int *rcs, sdm_err *errs, sdm_err *err) {
    int rc = store_begin(db->st, err);
    for (int i = 0; i < n; i++) {
        memset(&errs[i], 0, sizeof errs[i]);
        rcs[i] = rc ? rc : batch_one(db, tasks[i], users ? users[i] : NULL, vars ? vars[i] : NULL, &errs[i]);
    }
    if (!rc) rc = store_commit(db->st, err);
    if (rc) {
        store_rollback(db->st);
        for (int i = 0; i < n; i++) if (rcs[i] == SDM_OK) { rcs[i] = rc; errs[i] = *err; }
    }
    return rc;
}

int sdm_retry(sdm *db, int64_t incident, sdm_err *err) {
    rt_step s = {0};
    store_incident inc;
    store_instance inst;
    int rc = step_begin(db, err);
    if (!rc) rc = acc_need_owner(db->st, db->as, "retry incidents", err);
    if (!rc) rc = store_incident_get(db->st, incident, &inc, err);
    if (!rc) rc = active_instance(db, inc.instance_id, &inst, err);
    if (!rc) rc = step_for(db, &s, &inst, err);
    if (!rc) rc = rt_retry(&s, &inc, err);
    if (!rc && strcmp(inc.phase, "job") == 0) rc = store_job_unpark(db->st, incident, sdm_now(db), err);
    rc = end_step(db, &s, rc, err);
    return rc == SDM_ERR_LIMIT && db->budget.tripped ? budget_error(db, "; the incident stays open", err) : rc;
}

int sdm_set_vars(sdm *db, int64_t instance, const char *vars_json, sdm_err *err) {
    rt_step s = {0};
    store_instance inst;
    int rc = step_begin(db, err);
    if (!rc) rc = acc_instance(db->st, db->as, instance, err);
    if (!rc) rc = active_instance(db, instance, &inst, err);
    if (!rc) rc = step_for(db, &s, &inst, err);
    if (!rc) rc = rt_set_vars(&s, vars_json, 0, err);
    return finish(db, &s, rc, err);
}

/* ---------- queries ---------- */

/* Before a query: what the acting user may ask for at all. */
static int query_allowed(sdm *db, sdm_query_kind q, sdm_filter *g, sdm_err *err) {
    switch (q) {
    case SDM_Q_PROCESSES: case SDM_Q_INSTANCES: case SDM_Q_TASKS: case SDM_Q_DEVIATIONS: return SDM_OK;
    case SDM_Q_INSTANCE: case SDM_Q_TOKENS: case SDM_Q_VARIABLES: case SDM_Q_HISTORY:
        return acc_instance(db->st, db->as, g->id, err);
    case SDM_Q_JOBS:
        return g->id ? acc_instance(db->st, db->as, g->id, err) : acc_need_admin(db->st, db->as, "list jobs", err);
    case SDM_Q_INCIDENTS: case SDM_Q_NODE_STATS:
        return acc_need_owner(db->st, db->as, "see incidents", err);
    case SDM_Q_OUTBOX: return acc_need_admin(db->st, db->as, "read the outbox", err);
    case SDM_Q_INBOX:
        if (!g->user && !acc_admin(db->st, db->as)) g->user = db->as;
        if (g->user && db->as && strcmp(g->user, db->as) && !acc_admin(db->st, db->as))
            return err_set(err, SDM_ERR_DENIED, NULL, 0, NULL, "%s may not read the inbox of %s", db->as, g->user);
        return SDM_OK;
    default: sdm_panic("query_allowed: unknown query");
    }
}

/* After a list query: only the rows the acting user may see. */
static int query_filter(sdm *db, sdm_query_kind q, sdm_table *t, sdm_err *err) {
    switch (q) {
    case SDM_Q_INSTANCES: return acc_filter(db->st, db->as, t, "id", ACC_INSTANCE, err);
    case SDM_Q_TASKS: return acc_filter(db->st, db->as, t, "id", ACC_TASK, err);
    case SDM_Q_DEVIATIONS:
        return acc_owner(db->st, db->as) ? SDM_OK : acc_filter(db->st, db->as, t, "manager", ACC_USER, err);
    default: return SDM_OK;
    }
}

int sdm_query(sdm *db, sdm_query_kind q, const sdm_filter *f, sdm_table **out, sdm_err *err) {
    sdm_filter g = {0};
    if (f) g = *f;
    if (!g.at) g.at = sdm_now(db);
    *out = NULL;
    int rc = query_allowed(db, q, &g, err);
    if (!rc) rc = store_query(db->st, q, &g, out, err);
    if (!rc) rc = query_filter(db, q, *out, err);
    if (rc && *out) { sdm_table_free(*out); *out = NULL; }
    if (!rc && q == SDM_Q_INSTANCE && (*out)->nrow == 0) {
        sdm_table_free(*out);
        *out = NULL;
        return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no instance %lld", (long long)(f ? f->id : 0));
    }
    return rc;
}

int sdm_check(sdm *db, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_need_admin(db->st, db->as, "check the store", err);
    return rc ? rc : store_check(db->st, out, err);
}

/* ---------- time: jobs and the outbox ---------- */

/* A timer start event fires: a new instance for the event's sdm:client,
** or for a key made of the process and the time; then the next firing is
** scheduled, or the job ends. A client already busy in the process skips
** this firing (the one-active-instance rule holds) but not the next. */
static int fire_start(sdm *db, const store_job *job, int64_t now, sdm_err *err) {
    const model_proc *p;
    const char *file;
    int rc = load_def(db, job->definition_id, &p, &file, err);
    int node = rc ? -1 : model_node_find(p, job->node);
    if (!rc && node < 0) return SDM_CORRUPT_BKPT(err, "a start job at a node the model does not have");
    if (rc) return rc;
    const model_node *n = &p->nodes[node];
    store_instance inst = {.definition_id = job->definition_id};
    char when[40];
    clk_format(job->due_at, NULL, when, sizeof when);
    if (n->client) snprintf(inst.client, sizeof inst.client, "%s", n->client);
    else snprintf(inst.client, sizeof inst.client, "%s@%s", p->id, when);
    rt_step s = {0};
    sdm_err busy = {0};
    rc = store_instance_add(db->st, job->definition_id, p->id, inst.client, now, db->actor, &inst.id, &busy);
    if (rc == SDM_ERR_STATE) rc = SDM_OK;
    else if (rc) *err = busy;
    else {
        rc = step_for(db, &s, &inst, err);
        if (!rc) { s.now = now; rc = rt_start_at(&s, node, NULL, err); }
        if (!rc) rc = org_after_step(db->st, s.proc, s.inst, s.client, s.now, s.actor, err);
        rt_step_free(&s);
    }
    int64_t next;
    char msg[256];
    int k = job->fired + 1;
    if (!rc && rt_timer_after(db->cal, n, n->timer, &k, job->created_at, now, &next, msg, sizeof msg)) next = 0;
    if (!rc) rc = next ? store_job_reschedule(db->st, job->id, next, k, err)
                       : store_job_delete(db->st, job->id, err);
    return rc;
}

/* One line for the worker's log (sdm_config.log), if there is one. */
static void tick_log(sdm *db, int level, const char *what, const char *fmt, ...) {
    if (!db->log) return;
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    db->log(db->log_ctx, level, what, line);
}

/* One due job in one transaction. SDM_ERR_NOTFOUND when none is due.
** BEGIN IMMEDIATE makes the pick and the firing atomic against every
** other worker on the same database. *job is the job picked (id 0: none). */
static int fire_one(sdm *db, int64_t now, store_job *job, sdm_err *err) {
    rt_step s = {0};
    store_instance inst;
    job->id = 0;
    int rc = step_begin(db, err);
    if (!rc) rc = store_job_due(db->st, now, job, err);
    if (rc == SDM_ERR_NOTFOUND) job->id = 0;
    if (!rc && strcmp(job->kind, "start") == 0) return end_step(db, &s, fire_start(db, job, now, err), err);
    if (!rc) rc = active_instance(db, job->instance_id, &inst, err);
    if (rc == SDM_ERR_STATE)                            /* outlived its instance: nothing to do */
        return end_step(db, &s, store_job_delete(db->st, job->id, err), err);
    if (!rc) rc = step_for(db, &s, &inst, err);
    if (!rc) { s.now = now; rc = rt_fire(&s, job, err); }
    return end_step(db, &s, rc, err);
}

#define JOB_MAX_ATTEMPTS 5            /* then the job is parked until its incident is retried */

typedef struct tell_ctx { sdm *db; const char *subject, *body; int64_t now; sdm_err *err; } tell_ctx;

static int tell_one(void *ctx, const char *channel, const char *address) {
    tell_ctx *t = ctx;
    return store_outbox_add(t->db->st, channel, address, t->subject, t->body, t->now, 0, 0, t->err);
}

/* A job's firing failed and was rolled back: count the attempt, retry it
** with backoff or park it, and tell people through one incident per job
** on its instance. A timer start has no instance to hold an incident: its
** first failure and its parking go to the admins' inbox (store_responsible
** with neither role nor client) and the log. */
static int job_failed(sdm *db, const store_job *job, const sdm_err *why, int64_t now, sdm_err *err) {
    int attempts = job->attempts + 1;
    int64_t due = attempts < JOB_MAX_ATTEMPTS ? now + dlv_backoff(attempts) : 0;
    int64_t incident = job->incident_id;
    char when[40] = "", msg[1400];
    if (due) clk_format(due, sdm_time_zone(db), when, sizeof when);
    snprintf(msg, sizeof msg, "%s job at '%s' failed %d time%s (%s%s): %s", job->kind, job->node, attempts,
             attempts > 1 ? "s" : "", due ? "retried at " : "parked until this incident is retried", when,
             why->msg);
    store_instance inst;
    rt_step s = {0};
    int rc = store_begin(db->st, err);
    int live = !rc && job->instance_id && active_instance(db, job->instance_id, &inst, NULL) == SDM_OK;
    if (!rc && live && incident) rc = store_incident_message(db->st, incident, msg, err);
    else if (!rc && live) {
        sdm_err w = *why;
        snprintf(w.msg, sizeof w.msg, "%s", msg);
        snprintf(w.element, sizeof w.element, "%s", job->node);
        rc = step_for(db, &s, &inst, err);
        s.budget = NULL;
        if (!rc) rc = rt_step_incident(&s, "job", &w, &incident, err);
    }
    if (!rc && !live && (attempts == 1 || !due)) {
        char subject[400];
        snprintf(subject, sizeof subject, "[job %lld failed] %s job at '%s'", (long long)job->id, job->kind,
                 job->node);
        tell_ctx t = {db, subject, msg, now, err};
        rc = store_responsible(db->st, NULL, NULL, tell_one, &t, err);
    }
    if (!rc) rc = store_job_failed(db->st, job->id, attempts, due, now, why->msg, incident, err);
    if (!rc) rc = store_commit(db->st, err);
    if (rc) store_rollback(db->st);
    rt_step_free(&s);
    if (!rc) tick_log(db, due ? SDM_LOG_WARN : SDM_LOG_ERROR, "incident", "job %lld: %s", (long long)job->id, msg);
    return rc;
}
#define LEASE_MS (10 * 60 * 1000)     /* a delivery in doubt is retried after this */
#define MAX_ATTEMPTS 12

static void deliver(sdm *db, const store_message *m, dlv_result *r) {
    memset(r, 0, sizeof *r);
    if (strcmp(m->channel, "email") == 0) {
        if (!db->smtp.url) { r->retryable = 1; snprintf(r->msg, sizeof r->msg, "no SMTP server configured (SDM_SMTP_URL)"); return; }
        dlv_email(&db->smtp, m->recipient, m->subject ? m->subject : "", m->body ? m->body : "", r);
    } else if (strcmp(m->channel, "webhook") == 0) {
        json_t *j = json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)m->id, "subject", m->subject, "body", m->body);
        char *body = json_dumps(j, JSON_COMPACT);
        dlv_webhook_ex(m->recipient, body, db->webhook_secret, db->smtp.connect_timeout_ms,
                       db->delivery_ms, r);
        free(body);
        json_decref(j);
    }
}

/* Claim one due message (committed, with a lease), deliver it outside any
** transaction, record the outcome. In-app messages are delivered inside
** the claim's own transaction: they never leave the database. */
static int deliver_one(sdm *db, int64_t now, sdm_err *err) {
    store_message m = {0};
    int rc = store_begin(db->st, err);
    if (!rc) rc = store_outbox_claim(db->st, now, now + LEASE_MS, &m, err);
    if (!rc && strcmp(m.channel, "inbox") == 0) {
        rc = store_inbox_add(db->st, m.recipient, m.subject, m.body, now, m.instance_id, m.deviation_id, err);
        if (!rc) rc = store_outbox_done(db->st, m.id, "sent", now, NULL, now, err);
        if (!rc) rc = store_commit(db->st, err);
        if (rc) store_rollback(db->st);
        if (!rc) tick_log(db, SDM_LOG_INFO, "delivered", "inbox to %s (message %lld)", m.recipient, (long long)m.id);
        free(m.subject); free(m.body);
        return rc;
    }
    if (!rc) rc = store_commit(db->st, err);
    if (rc) { store_rollback(db->st); return rc; }
    dlv_result r;
    deliver(db, &m, &r);
    const char *state = r.ok ? "sent" : r.retryable && m.attempts < MAX_ATTEMPTS ? "pending" : "failed";
    int64_t next = now + (r.retry_after_ms > dlv_backoff(m.attempts) ? r.retry_after_ms : dlv_backoff(m.attempts));
    rc = store_begin(db->st, err);
    if (!rc) rc = store_outbox_done(db->st, m.id, state, next, r.ok ? NULL : r.msg, sdm_now(db), err);
    if (!rc) rc = store_commit(db->st, err);
    if (rc) store_rollback(db->st);
    if (!rc && r.ok) tick_log(db, SDM_LOG_INFO, "delivered", "%s to %s (message %lld)", m.channel, m.recipient,
                              (long long)m.id);
    else if (!rc) tick_log(db, *state == 'f' ? SDM_LOG_ERROR : SDM_LOG_WARN, "delivery-failed", "%s to %s (message %lld, %s): %s", m.channel,
                           m.recipient, (long long)m.id, state, r.msg);
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
int sdm_tick(sdm *db, int *fired, int64_t *next_due, sdm_err *err) {
    if (fired) *fired = 0;
    int denied = acc_need_admin(db->st, db->as, "run the engine's clock", err);
    if (denied) return denied;
    int64_t now = sdm_now(db), end = mono_ms() + db->tick_ms;
    int n = 0, rc = SDM_OK, jobs = 1, mail = 1;
    while (!rc && (jobs || mail) && mono_ms() < end) {
        if (jobs) {
            store_job job;
            sdm_err why = {0};
            rc = fire_one(db, now, &job, &why);
            if (rc == SDM_OK) {
                n++;
                tick_log(db, SDM_LOG_INFO, "job-fired", "job %lld %s instance %lld node %s", (long long)job.id, job.kind,
                         (long long)job.instance_id, job.node);
            } else if (rc == SDM_ERR_NOTFOUND) {
                jobs = 0;
                rc = SDM_OK;
            } else if (job.id) {
                rc = job_failed(db, &job, &why, now, err);
            } else if (err) {
                *err = why;
            }
        }
        if (!rc && mail) {
            rc = deliver_one(db, now, err);
            if (rc == SDM_OK) n++;
            else if (rc == SDM_ERR_NOTFOUND) { mail = 0; rc = SDM_OK; }
        }
    }
    if (fired) *fired = n;
    if (!rc && next_due) rc = store_next_due(db->st, next_due, err);
    if (!rc && next_due && (jobs || mail)) *next_due = now;     /* time ran out with work left */
    return rc;
}

int sdm_deviation_set(sdm *db, int64_t deviation, const char *state, sdm_err *err) {
    return sdm_deviation_note(db, deviation, state, NULL, err);
}

int sdm_deviation_note(sdm *db, int64_t deviation, const char *state, const char *note, sdm_err *err) {
    if (!state || (strcmp(state, "acknowledged") && strcmp(state, "resolved")))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a deviation can be acknowledged or resolved");
    if (strcmp(state, "resolved") == 0 && (!note || !*note))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "resolving a deviation takes a note: what was done");
    int rc = store_begin(db->st, err);
    if (!rc) rc = acc_deviation(db->st, db->as, deviation, 1, err);
    if (!rc) rc = store_deviation_set(db->st, deviation, state, sdm_now(db), db->actor, err);
    if (!rc && note) rc = store_deviation_note(db->st, deviation, note, err);
    if (!rc) rc = store_commit(db->st, err);
    if (rc) store_rollback(db->st);
    return rc;
}

/* ---------- people: organisation, clients, reports (org.c, report.c) ---------- */

/* One transaction around a store-layer change. */
#define PEOPLE_TX(db, err, call) do { \
        int rc_ = store_begin((db)->st, (err)); \
        if (!rc_) rc_ = (call); \
        if (!rc_) rc_ = store_commit((db)->st, (err)); \
        if (rc_) store_rollback((db)->st); \
        return rc_; \
    } while (0)

int sdm_org_load(sdm *db, const char *path, sdm_table **out, sdm_err *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(err, SDM_ERR_IO, path, 0, NULL, "cannot open: %s", strerror(errno));
    sbuf b = {0};
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && b.len < ((size_t)16 << 20)) sbuf_add(&b, buf, n);
    fclose(f);
    size_t len = b.len;
    char *text = sbuf_take(&b);
    if (strlen(text) != len) {
        free(text);
        return err_set(err, SDM_ERR_MISUSE, path, 0, NULL, "not a text file (it holds a NUL byte)");
    }
    int rc = store_begin(db->st, err);
    if (!rc) rc = acc_need_admin(db->st, db->as, "manage users", err);
    if (!rc) rc = org_load(db->st, path, text, sdm_now(db), db->actor, out, err);
    if (!rc) rc = store_commit(db->st, err);
    if (rc) { store_rollback(db->st); sdm_table_free(*out); *out = NULL; }
    free(text);
    return rc;
}

int sdm_user_add(sdm *db, const char *name, const char *roles, const char *head, const char *full_name,
                 const char *email, sdm_err *err) {
    PEOPLE_TX(db, err, acc_need_admin(db->st, db->as, "manage users", err) ? err->code : org_user_add(db->st, name, roles, head, full_name, email, sdm_now(db), db->actor, err));
}

int sdm_user_deactivate(sdm *db, const char *name, const char *to, sdm_table **moves, sdm_err *err) {
    int rc = store_begin(db->st, err);
    *moves = NULL;
    if (!rc) rc = acc_need_admin(db->st, db->as, "manage users", err);
    if (!rc) rc = org_user_deactivate(db->st, name, to, sdm_now(db), db->actor, moves, err);
    if (!rc) rc = store_commit(db->st, err);
    if (rc) { store_rollback(db->st); sdm_table_free(*moves); *moves = NULL; }
    return rc;
}

int sdm_users(sdm *db, const char *role, const char *team, sdm_table **out, sdm_err *err) {
    return org_users(db->st, role, team, out, err);
}

int sdm_client_add(sdm *db, const char *key, const char *fields_json, sdm_err *err) {
    if (err_check_name(err, "the client key", key)) return SDM_ERR_MISUSE;
    PEOPLE_TX(db, err, org_client_set(db->st, key, fields_json, 1, sdm_now(db), db->actor, err));
}

int sdm_client_update(sdm *db, const char *key, const char *fields_json, sdm_err *err) {
    PEOPLE_TX(db, err, acc_client(db->st, db->as, key, err) ? err->code : org_client_set(db->st, key, fields_json, 0, sdm_now(db), db->actor, err));
}

int sdm_client_assign(sdm *db, const char *key, const char *role, const char *user, sdm_err *err) {
    PEOPLE_TX(db, err, acc_need_head(db->st, db->as, "reassign clients", err) ? err->code : org_client_assign(db->st, key, role, user, sdm_now(db), db->actor, err));
}

int sdm_client_merge(sdm *db, const char *keep, const char *gone, sdm_table **out, sdm_err *err) {
    *out = NULL;
    PEOPLE_TX(db, err, acc_need_head(db->st, db->as, "merge clients", err) ? err->code : card_merge(db->st, keep, gone, sdm_now(db), db->actor, out, err));
}

int sdm_client_log(sdm *db, const char *key, const char *type, const char *text, sdm_err *err) {
    PEOPLE_TX(db, err, acc_client(db->st, db->as, key, err) ? err->code : card_log(db->st, key, type, text, sdm_now(db), db->actor, err));
}

int sdm_card_field_add(sdm *db, const char *name, const char *type, const char *label, sdm_err *err) {
    PEOPLE_TX(db, err, acc_need_admin(db->st, db->as, "declare card fields", err) ? err->code : card_field_add(db->st, name, type, label, sdm_now(db), db->actor, err));
}

int sdm_card_fields(sdm *db, sdm_table **out, sdm_err *err) {
    return card_fields(db->st, out, err);
}

int sdm_clients(sdm *db, const sdm_filter *f, sdm_table **out, sdm_err *err) {
    int rc = org_clients(db->st, f, out, err);
    if (!rc) rc = acc_filter(db->st, db->as, *out, "client", ACC_CLIENT, err);
    return rc;
}

int sdm_client_card(sdm *db, const char *key, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_client(db->st, db->as, key, err);
    return rc ? rc : org_client_card(db->st, key, out, err);
}

int sdm_client_history(sdm *db, const char *key, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_client(db->st, db->as, key, err);
    return rc ? rc : org_client_history(db->st, key, out, err);
}

/* Today in the business calendar's zone: [start, end). */
static void today(sdm *db, int64_t now, int64_t *start, int64_t *end) {
    const char *tz = clk_calendar_tz(db->cal);
    char buf[64], msg[128];
    clk_duration day = {.days = 1};
    *start = now - now % 86400000;
    if (clk_format(now, tz, buf, sizeof buf) > 10) {
        buf[10] = 0;
        clk_parse_datetime(buf, tz, start, msg, sizeof msg);
    }
    *end = clk_add(*start, &day, tz);
}

int sdm_calendar(sdm *db, const char *user, const char *when, int limit, sdm_table **out, sdm_err *err) {
    int64_t now = sdm_now(db), start, end;
    today(db, now, &start, &end);
    *out = NULL;
    int rc = user ? acc_need_user(db->st, db->as, user, err) : SDM_OK;
    if (!rc) rc = report_calendar(db->st, user, when, now, start, end, limit, out, err);
    if (!rc && !user) rc = acc_filter(db->st, db->as, *out, "task", ACC_TASK, err);
    return rc;
}

/* The task is the acting user's to act on, and so is `user` (a head may
** claim for the people below them). */
static int task_allowed(sdm *db, int64_t task, const char *user, sdm_err *err) {
    int rc = acc_task(db->st, db->as, task, err);
    if (!rc && user) rc = acc_need_user(db->st, db->as, user, err);
    return rc;
}

int sdm_task_claim(sdm *db, int64_t task, const char *user, int force, sdm_err *err) {
    PEOPLE_TX(db, err, task_allowed(db, task, user, err) ? err->code : org_task_claim(db->st, task, user, force, sdm_now(db), db->actor, err));
}

int sdm_task_unclaim(sdm *db, int64_t task, const char *user, int force, sdm_err *err) {
    PEOPLE_TX(db, err, task_allowed(db, task, user, err) ? err->code : org_task_unclaim(db->st, task, user, force, sdm_now(db), db->actor, err));
}

int sdm_task_delegate(sdm *db, int64_t task, const char *to, int force, sdm_err *err) {
    PEOPLE_TX(db, err, task_allowed(db, task, NULL, err) ? err->code : org_task_delegate(db->st, task, to, force, sdm_now(db), db->actor, err));
}

int sdm_task_info(sdm *db, int64_t task, sdm_table **out, sdm_err *err) {
    store_task t;
    store_instance inst;
    const model_proc *p = NULL;
    const char *file = NULL;
    *out = NULL;
    int rc = acc_task(db->st, db->as, task, err);
    if (!rc) rc = store_task_get(db->st, task, &t, err);
    if (!rc) rc = store_instance_get(db->st, t.instance_id, &inst, err);
    if (!rc) rc = load_def(db, inst.definition_id, &p, &file, err);
    if (!rc) rc = report_task_info(db->st, p, task, out, err);
    return rc;
}

int sdm_monitor(sdm *db, const char *team, sdm_table **out, sdm_err *err) {
    int64_t now = sdm_now(db), start, end;
    today(db, now, &start, &end);
    *out = NULL;
    if (!team && !acc_owner(db->st, db->as)) team = db->as;
    int rc = acc_need_head(db->st, db->as, "see the monitor", err);
    if (!rc && team && !acc_owner(db->st, db->as)) rc = acc_need_user(db->st, db->as, team, err);
    return rc ? rc : report_monitor(db->st, team, now, start, end, out, err);
}

int sdm_report_funnel(sdm *db, const char *process, const char *by, int64_t from, int64_t to,
                      sdm_table **out, sdm_err *err) {
    int64_t def;
    int version;
    const model_proc *p = NULL;
    const char *file = NULL;
    *out = NULL;
    if (!process || !*process) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "the funnel needs a process");
    int rc = acc_need_head(db->st, db->as, "see reports", err);
    if (!rc) rc = store_latest_definition(db->st, process, &def, &version, NULL, NULL, err);
    if (!rc) rc = load_def(db, def, &p, &file, err);
    if (!rc) rc = report_funnel(db->st, p, by, from, to, out, err);
    return rc;
}

int sdm_report_kpi(sdm *db, int64_t from, int64_t to, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_need_head(db->st, db->as, "see reports", err);
    if (!rc) rc = report_kpi(db->st, from, to, sdm_now(db), out, err);
    if (!rc && !acc_owner(db->st, db->as)) rc = acc_filter(db->st, db->as, *out, "user", ACC_USER, err);
    return rc;
}

int sdm_plan_set(sdm *db, const char *kind, const char *who, const char *month, const char *metric,
                 double target, sdm_err *err) {
    PEOPLE_TX(db, err, acc_need_head(db->st, db->as, "set plans", err) ? err->code : plan_set(db->st, kind, who, month, metric, target, sdm_now(db), db->actor, err));
}

int sdm_report_plan(sdm *db, const char *month, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_need_head(db->st, db->as, "see reports", err);
    return rc ? rc : plan_report(db->st, month, out, err);
}

int sdm_report_clients(sdm *db, const char *by, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_need_head(db->st, db->as, "see reports", err);
    return rc ? rc : report_clients(db->st, by, out, err);
}

int sdm_report_handoffs(sdm *db, int64_t from, int64_t to, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_need_head(db->st, db->as, "see reports", err);
    return rc ? rc : report_handoffs(db->st, from, to, out, err);
}

int sdm_report_deviations(sdm *db, const char *by, int64_t from, int64_t to, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_need_head(db->st, db->as, "see reports", err);
    if (!rc) rc = report_deviations(db->st, by, from, to, out, err);
    if (!rc && !acc_owner(db->st, db->as)) rc = acc_filter(db->st, db->as, *out, "manager", ACC_USER, err);
    return rc;
}

int sdm_inbox_read(sdm *db, int64_t message, sdm_err *err) {
    PEOPLE_TX(db, err, store_inbox_read(db->st, message, acc_admin(db->st, db->as) ? NULL : db->as, sdm_now(db), err));
}

/* ---------- credentials (cred.c) ---------- */

/* The administrator, or `name` acting for themself. */
static int self_or_admin(sdm *db, const char *name, sdm_err *err) {
    if (!name || !*name) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a user name is required");
    if (db->as && strcmp(db->as, name) == 0) return SDM_OK;
    return acc_need_admin(db->st, db->as, "manage other people's credentials", err);
}

int sdm_user_passwd(sdm *db, const char *name, const char *password, sdm_err *err) {
    PEOPLE_TX(db, err, self_or_admin(db, name, err) ? err->code : cred_passwd(db->st, name, password, err));
}

int sdm_login(sdm *db, const char *name, const char *password, sdm_err *err) {
    return cred_login(db->st, name, password, err);
}

int sdm_token_create(sdm *db, const char *name, char **token, int64_t *id, sdm_err *err) {
    *token = NULL;
    int rc = store_begin(db->st, err);
    if (!rc) rc = self_or_admin(db, name, err);
    if (!rc) rc = cred_token_create(db->st, name, sdm_now(db), token, id, err);
    if (!rc) rc = store_commit(db->st, err);
    if (rc) { store_rollback(db->st); free(*token); *token = NULL; }
    return rc;
}

int sdm_token_revoke(sdm *db, const char *id_or_name, int *revoked, sdm_err *err) {
    PEOPLE_TX(db, err, cred_token_revoke(db->st, id_or_name, acc_admin(db->st, db->as) ? NULL : db->as,
                                         sdm_now(db), revoked, err));
}

int sdm_token_user(sdm *db, const char *token, char *user, size_t n, sdm_err *err) {
    return cred_token_user(db->st, token, user, n, err);
}

char *sdm_funnel_render(const sdm_table *funnel, const char *title, int html) {
    return report_funnel_render(funnel, title, html);
}

int sdm_parse_time(sdm *db, const char *text, int64_t *ms, sdm_err *err) {
    char msg[256];
    if (text && clk_parse_datetime(text, clk_calendar_tz(db->cal), ms, msg, sizeof msg) == 0) return SDM_OK;
    return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "'%s' is not an ISO 8601 date or date-time",
                   text ? text : "");
}

/* ---------- export with runtime overlays ---------- */

#define BPMNDI_NS "http://www.omg.org/spec/BPMN/20100524/DI"
#define BIOC_NS   "http://bpmn.io/schema/bpmn/biocolor/1.0"
#define COLOR_NS  "http://www.omg.org/spec/BPMN/non-normative/color/1.0"

/* fill, stroke for: incident, overdue, waiting, visited */
static const char *const palette[4][2] = {
    {"#ffcdd2", "#c62828"}, {"#ffe0b2", "#e65100"}, {"#bbdefb", "#1565c0"}, {"#c8e6c9", "#2e7d32"},
};

typedef struct overlay { const sdm_table *stats; const char *set[17]; } overlay;

static const char *const *colour_shape(void *ctx, const char *node) {
    overlay *o = ctx;
    const sdm_table *t = o->stats;
    for (int r = 0; r < t->nrow; r++) {
        if (strcmp(table_cell(t, r, "node"), node) != 0) continue;
        int k = atoi(table_cell(t, r, "incidents")) ? 0 : atoi(table_cell(t, r, "overdue")) ? 1
              : atoi(table_cell(t, r, "active")) ? 2 : 3;
        const char *set[17] = {
            BIOC_NS, "bioc", "fill", palette[k][0], BIOC_NS, "bioc", "stroke", palette[k][1],
            COLOR_NS, "color", "background-color", palette[k][0], COLOR_NS, "color", "border-color", palette[k][1],
            NULL};
        memcpy(o->set, set, sizeof set);
        return o->set;
    }
    return NULL;
}

int sdm_export(sdm *db, const char *process, int version, int overlay_on, char **xml, size_t *len, sdm_err *err) {
    char *src = NULL;
    size_t n = 0;
    *xml = NULL;
    int rc = acc_need_owner(db->st, db->as, "export processes", err);
    if (rc) return rc;
    rc = store_definition_xml(db->st, process, version, &src, &n, err);
    if (rc || !overlay_on) { *xml = src; *len = n; return rc; }
    sdm_filter f = {.process = process};
    sdm_table *stats = NULL;
    rc = sdm_query(db, SDM_Q_NODE_STATS, &f, &stats, err);
    overlay o = {.stats = stats};
    if (!rc) rc = xml_overlay(process, src, n, BPMNDI_NS, "BPMNShape", "bpmnElement", colour_shape, &o, xml, len, err);
    sdm_table_free(stats);
    free(src);
    return rc;
}

/* ---------- messages and signals ---------- */

/* Deliver to a subscription: in the running step when it is the same
** instance, else in a step of its own inside the same transaction. */
static int deliver_to(sdm *db, rt_step *from, const store_sub *sub, const char *vars, sdm_err *err) {
    if (from && sub->instance_id == from->inst) return rt_deliver(from, sub, vars, err);
    store_instance inst;
    rt_step s = {0};
    int rc = active_instance(db, sub->instance_id, &inst, err);
    if (!rc) rc = step_for(db, &s, &inst, err);
    if (!rc) {
        if (from) s.now = from->now;
        rc = rt_deliver(&s, sub, vars, err);
    }
    if (!rc) rc = rt_drain(&s, err);
    if (!rc) rc = org_after_step(db->st, s.proc, s.inst, s.client, s.now, s.actor, err);
    rt_step_free(&s);
    return rc;
}

/* Start every deployed process (latest version) that has a message (or
** signal) start event named `name`: for `client`, else for the client
** the start event names (sdm:client); a signal start without either is
** skipped, for there is no client to run it for. */
static int start_by_event(sdm *db, el_kind kind, const char *name, const char *client, const char *vars,
                          int64_t now, int *started, sdm_err *err) {
    sdm_table *procs = NULL;
    sdm_filter f = {.limit = 100000};
    int rc = store_query(db->st, SDM_Q_PROCESSES, &f, &procs, err);
    for (int r = 0; !rc && r < procs->nrow; r++) {
        store_instance inst = {0};
        const char *process = table_cell(procs, r, "process");
        const model_proc *p;
        const char *file;
        int version;
        rc = store_latest_definition(db->st, process, &inst.definition_id, &version, NULL, NULL, err);
        if (!rc) rc = load_def(db, inst.definition_id, &p, &file, err);
        for (int i = 0; !rc && i < p->nnode; i++) {
            const model_node *n = &p->nodes[i];
            if (n->kind != kind || n->parent >= 0 || strcmp(n->msg, name)) continue;
            const char *who = client ? client : n->client;
            if (!who) continue;
            rt_step s = {0};
            rc = store_instance_add(db->st, inst.definition_id, process, who, now, db->actor, &inst.id, err);
            snprintf(inst.client, sizeof inst.client, "%s", who);
            if (!rc) rc = step_for(db, &s, &inst, err);
            if (!rc) { s.now = now; rc = rt_start_at(&s, i, vars, err); }
            if (!rc) rc = org_after_step(db->st, s.proc, s.inst, s.client, s.now, s.actor, err);
            rt_step_free(&s);
            if (!rc) (*started)++;
        }
    }
    sdm_table_free(procs);
    return rc;
}

/* The thrown hook: a message goes to the client's oldest waiting
** subscription, else starts a process; a signal goes to every waiting one. */
static int thrown(void *ctx, rt_step *from, const model_node *n, sdm_err *err) {
    sdm *db = ctx;
    store_sub *subs = NULL;
    int nsub = 0, started = 0;
    int msg = n->trigger == 'm';
    int rc = store_subs_find(db->st, msg ? "message" : "signal", n->msg, msg ? from->client : NULL, &subs, &nsub, err);
    for (int i = 0; !rc && i < nsub && (!msg || i < 1); i++) rc = deliver_to(db, from, &subs[i], NULL, err);
    if (!rc && !msg) rc = start_by_event(db, EL_START_SIGNAL, n->msg, from->client, NULL, from->now, &started, err);
    if (!rc && msg && nsub == 0) {
        rc = start_by_event(db, EL_START_MESSAGE, n->msg, from->client, NULL, from->now, &started, err);
        if (!rc && !started)
            rc = store_history(db->st, from->inst, 0, n->id, "message-unmatched", from->now, from->actor,
                               NULL, err);
    }
    free(subs);
    return rc;
}

/* A message catch with sdm:correlationKey takes only a message that
** carries that variable with the instance's own value: one client may
** wait in several deals for the same message name. */
static int correlates(sdm *db, const store_sub *sub, json_t *msg, int *ok, sdm_err *err) {
    store_instance inst;
    const model_proc *p;
    const char *file;
    *ok = 1;
    int rc = store_instance_get(db->st, sub->instance_id, &inst, err);
    if (!rc) rc = load_def(db, inst.definition_id, &p, &file, err);
    int node = rc ? -1 : model_node_find(p, sub->node);
    if (rc || node < 0 || !p->nodes[node].corr) return rc;
    char *own = NULL;
    rc = store_vars_json(db->st, sub->instance_id, 0, &own, err);
    json_t *mine = own ? json_loads(own, 0, NULL) : NULL, *want = json_object_get(mine, p->nodes[node].corr);
    json_t *got = json_object_get(msg, p->nodes[node].corr);
    *ok = want && got && json_equal(want, got);
    json_decref(mine);
    free(own);
    return rc;
}

/* Keep the subscriptions a message with variables `vars` correlates to. */
static int filter_correlated(sdm *db, store_sub *subs, int *nsub, const char *vars, sdm_err *err) {
    json_t *msg = vars ? json_loads(vars, 0, NULL) : NULL;
    int rc = SDM_OK, kept = 0;
    for (int i = 0; i < *nsub && !rc; i++) {
        int ok = 1;
        if (strcmp(subs[i].kind, "message") == 0) rc = correlates(db, &subs[i], msg, &ok, err);
        if (ok) subs[kept++] = subs[i];
    }
    json_decref(msg);
    *nsub = kept;
    return rc;
}

static int correlate(sdm *db, const char *kind, const char *name, const char *client, const char *vars,
                     int all, int *delivered, sdm_err *err) {
    store_sub *subs = NULL;
    int nsub = 0;
    *delivered = 0;
    int rc = step_begin(db, err);
    if (!rc) rc = store_subs_find(db->st, kind, name, client, &subs, &nsub, err);
    if (!rc) rc = filter_correlated(db, subs, &nsub, vars, err);
    if (!rc && client && nsub > 1 && !all)
        rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "message '%s' matches %d waiting places of client '%s'"
                     " (use --all to deliver to each)", name, nsub, client);
    for (int i = 0; !rc && i < nsub; i++) {
        rc = deliver_to(db, NULL, &subs[i], vars, err);
        if (!rc) (*delivered)++;
    }
    if (!rc && !client) rc = start_by_event(db, EL_START_SIGNAL, name, NULL, vars, sdm_now(db), delivered, err);
    if (!rc && client && nsub == 0) {
        rc = start_by_event(db, EL_START_MESSAGE, name, client, vars, sdm_now(db), delivered, err);
        if (!rc && !*delivered)
            rc = err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "message '%s' matches nothing: no instance of "
                         "client '%s' waits for it and no process starts with it", name, client);
    }
    if (!rc) rc = store_commit(db->st, err);
    if (rc) { store_rollback(db->st); *delivered = 0; }
    free(subs);
    return over_budget(db, db->budget.inst, rc, err);
}

int sdm_message(sdm *db, const char *name, const char *client, const char *vars_json, int all,
                int *delivered, sdm_err *err) {
    if (!name || !*name || !client || !*client)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a message needs a name and a client key");
    if (err_check_name(err, "the message name", name) || err_check_name(err, "the client key", client))
        return SDM_ERR_MISUSE;
    int rc = start_allowed(db, client, err);
    if (rc) return rc;
    return correlate(db, "message", name, client, vars_json, all, delivered, err);
}

int sdm_signal(sdm *db, const char *name, const char *vars_json, int *delivered, sdm_err *err) {
    if (!name || !*name) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a signal needs a name");
    if (err_check_name(err, "the signal name", name)) return SDM_ERR_MISUSE;
    int rc = acc_need_owner(db->st, db->as, "broadcast signals", err);
    if (rc) return rc;
    return correlate(db, "signal", name, NULL, vars_json, 1, delivered, err);
}

/* ---------- documents from the models (regdoc.c) ---------- */

static regdoc_ctx doc_ctx(sdm *db, const char *lang) {
    return (regdoc_ctx){db->st, lang ? lang : db->lang, clk_calendar_tz(db->cal), sdm_now(db)};
}

int sdm_roles_matrix(sdm *db, const char *const *processes, int n, sdm_table **out, sdm_err *err) {
    regdoc_ctx c = doc_ctx(db, NULL);
    return regdoc_matrix(&c, processes, n, out, err);
}

int sdm_roles_matrix_html(sdm *db, const char *const *processes, int n, const char *lang, char **html, sdm_err *err) {
    regdoc_ctx c = doc_ctx(db, lang);
    return regdoc_matrix_html(&c, processes, n, html, err);
}

int sdm_instruction_html(sdm *db, const char *user, const char *role, const char *lang, char **html, sdm_err *err) {
    int denied = acc_instruction(db->st, db->as, user, role, err);
    if (denied) return denied;
    regdoc_ctx c = doc_ctx(db, lang);
    return regdoc_instruction_html(&c, user, role, html, err);
}

int sdm_regulation_html(sdm *db, const char *process, const char *lang, char **html, sdm_err *err) {
    regdoc_ctx c = doc_ctx(db, lang);
    return regdoc_regulation_html(&c, process, html, err);
}
