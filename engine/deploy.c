/*
** deploy.c — deployment and the model cache: sdm_deploy*, the checks of
** Lua and timers a model must pass first, versions, packed trees, and the
** export of a deployed model with its runtime colours.
**
** It reads models and writes definitions; it must not run a step.
*/
#include <string.h>
#include "err.h"
#include "table.h"
#include "access.h"
#include "import.h"
#include "sdm_int.h"

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

/* Which processes a file deploys: every one with flow nodes (an empty
** pool is a black-box participant). One marked isExecutable="false" is a
** documentation model: drawn, with its roles and instructions, never
** started; what only running would need is a warning on it, not an error. */
static void choose_processes(const model *m, char *deploy) {
    for (int i = 0; i < m->nproc; i++) deploy[i] = m->procs[i].nnode > 0;
}

static int documentation(const model *m, int proc) {
    return proc >= 0 && m->procs[proc].executable == 0;
}

/* A document-wide problem is a warning only when every process deployed
** is a documentation model; with none deployed it stays an error. */
static int any_runs(const model *m, const char *deploy) {
    int any = 0;
    for (int i = 0; i < m->nproc; i++) {
        if (deploy[i] && !documentation(m, i)) return 1;
        any |= deploy[i];
    }
    return !any;
}

int sdmi_startable(const model_proc *p, sdm_err *err) {
    if (p->executable != 0) return SDM_OK;
    return err_set(err, SDM_ERR_STATE, NULL, p->line, p->id, "process '%s' is a documentation model "
                   "(isExecutable=\"false\"): it shows the work, its roles and instructions, but cannot be "
                   "started; set isExecutable=\"true\" in the editor and deploy it again to run it", p->id);
}

/* The name the editor shows for element `id`, or NULL when it has none
** besides its id. */
static const char *shown_name(const model *m, const char *id) {
    for (int i = 0; id && i < m->nproc; i++) {
        const model_proc *p = &m->procs[i];
        int k = p->by_id ? model_node_find(p, id) : -1;
        if (k >= 0) return p->nodes[k].name;
        for (int f = 0; f < p->nflow; f++)
            if (p->flows[f].id && strcmp(p->flows[f].id, id) == 0) return p->flows[f].name;
    }
    return NULL;
}

/* A message with the element's name beside its id where it first quotes
** the id ('Task_1' becomes 'Task_1' ("Call the client")), so a person
** finds it in the editor, which shows names. malloc'd. */
static char *with_name(const model *m, const char *id, const char *msg) {
    const char *raw = shown_name(m, id);
    char name[200];                      /* one line: editors let names wrap */
    snprintf(name, sizeof name, "%s", raw ? raw : "");
    size_t k = strlen(name), i = k;
    while (i && ((unsigned char)name[i - 1] & 0xC0) == 0x80) i--;    /* cut whole characters only */
    if (i && (unsigned char)name[i - 1] >= 0xC0) {
        unsigned char lead = (unsigned char)name[i - 1];
        if (k - (i - 1) < (size_t)(lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2)) name[i - 1] = 0;
    }
    for (char *p = name; *p; p++) if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    char *quoted = id ? xasprintf("'%s'", id) : NULL;
    const char *at = quoted ? strstr(msg, quoted) : NULL;
    char *out = !*name || strcmp(name, id) == 0 || !at ? xstrdup(msg)
              : xasprintf("%.*s%s (\"%s\")%s", (int)(at - msg), msg, quoted, name, at + strlen(quoted));
    free(quoted);
    return out;
}

typedef struct code_check { sdm *h; const model *m; const model_proc *p; sdm_table *t; int nerr; } code_check;

/* `note`, when not NULL, follows the error: why the code was read as Lua. */
static void check_lua_note(code_check *c, const char *code, int expr, const char *id, int line, const char *note) {
    if (!code) return;
    char chunk[300];
    const char *slash = strrchr(c->m->file, '/');
    snprintf(chunk, sizeof chunk, "%s:%s", slash ? slash + 1 : c->m->file, id);
    sdm_err e;
    scr *sc = sdmi_sandbox(c->h);
    if (!sc) sdmi_no_sandbox(&e);
    else if (scr_check(sc, code, expr, chunk, &e) == SDM_OK) return;
    c->nerr++;
    char *full = note ? xasprintf("%s%s", e.msg, note) : NULL;
    char *msg = with_name(c->m, id, full ? full : e.msg);
    report(c->t, "error", c->p->id, 0, c->m->file, line, id, msg);
    free(full);
    free(msg);
}

static void check_lua(code_check *c, const char *code, int expr, const char *id, int line) {
    check_lua_note(c, code, expr, id, line, NULL);
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
    int bad = n->timer_type == TIMER_DURATION ? clk_parse_duration(n->timer, &d, msg, sizeof msg)
            : n->timer_type == TIMER_DATE ? clk_parse_datetime(n->timer, clk_calendar_tz(c->h->cal), &at, msg, sizeof msg)
            : clk_parse_cycle(n->timer, clk_calendar_tz(c->h->cal), &cy, msg, sizeof msg);
    if (!bad && n->kind == EL_CATCH_TIMER && n->timer_type == TIMER_CYCLE && cy.repeat < 0 && !cy.has_end) {
        if (model_gated(c->p, n)) return;
        snprintf(msg, sizeof msg, "timeCycle '%s' of intermediateCatchEvent '%s' repeats without end: each firing "
                 "sends a token on, so tokens would come forever; give a count (R3/PT1H) or an end", n->timer, n->id);
        bad = 1;
    }
    if (!bad) return;
    size_t k = strlen(msg);     /* betsy's rules for ISO 8601 timer values */
    snprintf(msg + k, sizeof msg - k, " [%s]", n->timer_type == TIMER_DURATION ? "EXT.134"
             : n->timer_type == TIMER_DATE ? "EXT.132" : "EXT.133");
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
    if (end == l->count || *end || !(v > (double)c->h->max_instances)) return;
    char msg[256];
    snprintf(msg, sizeof msg, "loopCardinality of '%s' is %s, over the cap of %ld instances", n->id,
             l->count, c->h->max_instances);
    c->nerr++;
    report(c->t, "error", c->p->id, 0, c->m->file, l->line, n->id, msg);
}

/* A call of a documentation model of the same file is refused now; one
** deployed from another file becomes an incident when the call runs
** (step.c, call_start), since it may be deployed or redeployed later. */
static void check_call(code_check *c, const model_node *n) {
    if (n->kind != EL_CALL || !n->called) return;
    for (int i = 0; i < c->m->nproc; i++) {
        const model_proc *p = &c->m->procs[i];
        if (!documentation(c->m, i) || strcmp(p->id, n->called)) continue;
        char msg[512];
        snprintf(msg, sizeof msg, "callActivity '%s' calls process '%s', a documentation model "
                 "(isExecutable=\"false\"), which cannot be started: set isExecutable=\"true\" on '%s' "
                 "or call an executable process", n->id, p->id, p->id);
        c->nerr++;
        report(c->t, "error", c->p->id, 0, c->m->file, n->line, n->id, msg);
    }
}

/* Lua syntax and ISO 8601 values, checked once at deploy time so that a
** typo surfaces with its line now, not as an incident weeks later. */
static int check_code(sdm *h, const model *m, int pi, sdm_table *t) {
    code_check c = {h, m, &m->procs[pi], t, 0};
    const model_proc *p = c.p;
    for (int f = 0; f < p->nflow; f++) check_lua(&c, p->flows[f].cond, 1, p->flows[f].id, p->flows[f].line);
    for (int i = 0; i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        char *note = n->kind == EL_TASK_SCRIPT && !n->script_format ? xasprintf("; scriptTask '%s' names no "
                     "scriptFormat, so sdm read its script as Lua, and it is not: a script names its language "
                     "(scriptFormat=\"lua\") [EXT.053]", n->id) : NULL;
        check_lua_note(&c, n->script, 0, n->id, n->line, note);
        free(note);
        check_lua(&c, n->assignee_expr, 1, n->id, n->line);
        check_lua(&c, n->due_expr, 1, n->id, n->line);
        check_lua(&c, n->activation, 1, n->id, n->line);
        check_lua(&c, n->cond, 1, n->id, n->line);
        check_lua(&c, n->adhoc_until, 1, n->id, n->line);
        for (int k = 0; k < n->ncp; k++) check_lua(&c, n->cps[k].code, 0, n->id, n->cps[k].line);
        if (n->loop) {
            const model_loop *l = n->loop;
            check_cardinality(&c, l, n);
            check_lua(&c, l->count, 1, n->id, l->line);
            check_lua(&c, l->items, 1, n->id, l->line);
            check_lua(&c, l->until, 1, n->id, l->line);
            check_lua(&c, l->cond, 1, n->id, l->line);
            for (int k = 0; k < l->nev; k++) check_lua(&c, l->ev[k].cond, 1, n->id, l->ev[k].line);
        }
        check_duration(&c, n->due, n);
        check_duration(&c, n->due_working, n);
        check_timer(&c, n);
        check_call(&c, n);
    }
    return c.nerr;
}

/* A new version's timer start events replace the older versions' ones. */
static int schedule_starts(sdm *h, const model_proc *p, int64_t def, int64_t now, sdm_err *err) {
    int rc = store_start_jobs_clear(h->st, p->id, err);
    for (int i = 0; !rc && i < p->nnode; i++) {
        const model_node *n = &p->nodes[i];
        int64_t due;
        char msg[256];
        if (n->kind != EL_START_TIMER || n->parent >= 0 || p->executable == 0) continue;   /* inside: an event subprocess's */
        if (rt_timer_next(h->cal, n, n->timer, 0, now, &due, msg, sizeof msg))
            return err_set(err, SDM_ERR_MODEL, p->id, n->line, n->id, "timer of '%s': %s", n->id, msg);
        if (due) rc = store_start_job_add(h->st, def, n->id, due, now, err);
    }
    return rc;
}

static int deploy_model(sdm *h, model *m, const char *xml, size_t len, const char *tree,
                        size_t tree_len, const char *deploy, sdm_table *t, sdm_err *err) {
    int64_t now = sdm_now(h), resource = 0;
    int rc = store_begin(h->st, err);
    for (int i = 0; !rc && i < m->nproc; i++) {
        if (!deploy[i]) continue;
        const model_proc *p = &m->procs[i];
        int64_t def = 0;
        int version = 0;
        char *old = NULL;
        size_t oldlen = 0;
        rc = store_latest_definition(h->st, p->id, &def, &version, &old, &oldlen, NULL);
        if (rc == SDM_ERR_NOTFOUND) rc = SDM_OK;
        if (!rc && old && oldlen == len && memcmp(old, xml, len) == 0) {
            report(t, "unchanged", p->id, version, m->file, p->line, NULL, "same content as the deployed version");
        } else if (!rc) {
            if (!resource) rc = store_resource_add(h->st, m->file, xml, len, tree, tree_len, now, &resource, err);
            if (!rc) rc = store_definition_add(h->st, p->id, version + 1, p->name, resource, now,
                                               h->actor, &def, err);
            if (!rc) rc = schedule_starts(h, p, def, now, err);
            if (!rc) report(t, "deployed", p->id, version + 1, m->file, p->line, NULL, p->name);
        }
        free(old);
    }
    if (!rc) rc = store_commit(h->st, err);
    if (rc) store_rollback(h->st);
    return rc;
}

/* Deploys a file, or with lint only checks it: every problem reported, nothing stored. */
static int deploy_xml(sdm *h, const char *name, const char *xml, size_t len, int lint, sdm_table **out, sdm_err *err) {
    if (out) *out = NULL;
    sdm_table *t = table_new(deploy_cols, "ssisiss");
    xml_doc *doc = NULL;
    int rc = xml_parse(name, xml, len, h->max_model_bytes, &doc, err);
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
                               "no flow nodes (a black-box pool): not deployed");
        else if (documentation(m, i))
            report(t, "note", m->procs[i].id, 0, name, m->procs[i].line, NULL,
                   "isExecutable=\"false\": a documentation model (diagram, roles, instructions); it cannot be started");
    }
    int runs = any_runs(m, deploy);
    for (int i = 0; i < m->ndiag; i++) {
        const model_diag *d = &m->diags[i];
        /* With nothing to deploy the file is refused anyway: every problem,
        ** a black-box pool's too, is an error that says why, beside "no process". */
        if (d->proc >= 0 && !deploy[d->proc] && ndeploy) continue;
        int error = d->error && (!ndeploy || (d->proc >= 0 ? !documentation(m, d->proc) : runs));
        char *msg = with_name(m, d->element, d->msg);
        report(t, error ? "error" : "warning", d->proc >= 0 ? m->procs[d->proc].id : NULL, 0, name,
               d->line, d->element, msg);
        free(msg);
        nerr += error;
    }
    for (int i = 0; i < m->nproc; i++) if (deploy[i] && !documentation(m, i)) nerr += check_code(h, m, i, t);
    if (!ndeploy && nerr && m->nproc) {      /* with none, the model said "the document defines no process" */
        report(t, "error", NULL, 0, name, 0, NULL, "the file has no process to deploy");
        nerr++;
    }
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
    } else if (!lint) {
        rc = deploy_model(h, m, xml, len, tree, tree_len, deploy, t, err);
    }
    free(tree);
    free(deploy);
    model_free(m);
    if (out) *out = t; else sdm_table_free(t);
    return rc;
}

int sdm_deploy_xml(sdm *h, const char *name, const char *xml, size_t len, sdm_table **out, sdm_err *err) {
    if (out) *out = NULL;
    int denied = acc_need_owner(h->st, h->as, "deploy processes", err);
    if (denied) return denied;
    if (imp_sniff(xml, len)) return imp_deploy(h, name, xml, len, h->max_model_bytes, out, err);
    return deploy_xml(h, name, xml, len, 0, out, err);
}

int sdm_lint(sdm *h, const char *path, sdm_table **out, sdm_err *err) {
    char *buf = NULL, *bpmn = NULL;
    size_t len = 0, blen = 0;
    sdm_table *warn = NULL;
    if (out) *out = NULL;
    int rc = err_read_file(err, path, h->max_model_bytes, &buf, &len);
    if (rc) return rc;
    if (imp_sniff(buf, len)) {          /* an EPC or IDEF3 model: linted as the BPMN it imports to */
        rc = sdm_import(path, &bpmn, &blen, &warn, err);
        if (!rc) rc = deploy_xml(h, path, bpmn, blen, 1, out, err);
        for (int r = 0; warn && out && *out && r < warn->nrow; r++) {
            char **w = &warn->cells[r * warn->ncol];      /* kind file line element message */
            report(*out, w[0], NULL, 0, w[1], w[2] ? atoi(w[2]) : 0, w[3], w[4]);
        }
        sdm_table_free(warn);
        free(bpmn);
    } else {
        rc = deploy_xml(h, path, buf, len, 1, out, err);
    }
    free(buf);
    return rc;
}

int sdm_deploy(sdm *h, const char *path, sdm_table **out, sdm_err *err) {
    if (out) *out = NULL;
    char *buf;
    size_t len;
    int rc = err_read_file(err, path, h->max_model_bytes, &buf, &len);
    if (!rc) rc = sdm_deploy_xml(h, path, buf, len, out, err);
    free(buf);
    return rc;
}

/* ---------- model cache ---------- */

int sdmi_load_def(sdm *h, int64_t def, const model_proc **proc, const char **file, sdm_err *err) {
    for (int i = 0; i < h->ndef; i++)
        if (h->defs[i].def == def) {
            *proc = h->defs[i].proc;
            for (int k = 0; k < h->nmodel; k++)
                if (h->models[k].resource == h->defs[i].resource) *file = h->models[k].m->file;
            return SDM_OK;
        }
    int64_t resource;
    char *pid = NULL, *name = NULL, *tree = NULL, *xml = NULL;
    size_t len;
    int rc = store_definition_source(h->st, def, &resource, &pid, &name, &tree, &xml, &len, err);
    model *m = NULL;
    for (int k = 0; !rc && k < h->nmodel; k++) if (h->models[k].resource == resource) m = h->models[k].m;
    if (!rc && !m) {
        /* The packed tree needs no XML parser; resources deployed before
        ** it existed are parsed. */
        xml_doc *doc = NULL;
        rc = tree ? xml_unpack(name, tree, len, &doc, err) : xml_parse(name, xml, len, (size_t)-1, &doc, err);
        if (!rc) {
            m = model_load(doc, name);
            xml_free(doc);
            h->models = xrealloc(h->models, sizeof *h->models * (size_t)(h->nmodel + 1));
            h->models[h->nmodel++] = (cached_model){resource, m};
        }
    }
    const model_proc *p = !rc ? model_proc_find(m, pid) : NULL;
    if (!rc && !p) rc = SDM_CORRUPT_BKPT(err, "a deployed process is missing from its resource");
    if (!rc) {
        h->defs = xrealloc(h->defs, sizeof *h->defs * (size_t)(h->ndef + 1));
        h->defs[h->ndef++] = (cached_def){def, resource, p};
        *proc = p;
        *file = m->file;
    }
    free(pid); free(name); free(tree); free(xml);
    return rc;
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

int sdm_export(sdm *h, const char *process, int version, int overlay_on, char **xml, size_t *len, sdm_err *err) {
    char *src = NULL;
    size_t n = 0;
    *xml = NULL;
    int rc = acc_need_head(h->st, h->as, "export processes", err);   /* heads watch the live diagram */
    if (rc) return rc;
    rc = store_definition_xml(h->st, process, version, &src, &n, err);
    if (rc || !overlay_on) { *xml = src; *len = n; return rc; }
    sdm_filter f = {.process = process};
    sdm_table *stats = NULL;
    rc = sdm_query(h, SDM_Q_NODE_STATS, &f, &stats, err);
    overlay o = {.stats = stats};
    if (!rc) rc = xml_overlay(process, src, n, BPMNDI_NS, "BPMNShape", "bpmnElement", colour_shape, &o, xml, len, err);
    sdm_table_free(stats);
    free(src);
    return rc;
}
