/*
** sdm.c — the engine handle (sdm_open/sdm_close, config, the clock, the
** acting user, status names) and the read-only queries of the public API.
**
** The rest of sdm.h is implemented by one file per job, sharing struct
** sdm through sdm_int.h: deploy.c, step.c, correlate.c, tick.c, people.c.
** Every state-changing call is one transaction: begin, one runtime entry
** point, commit — or roll back on any failure, so the store never holds
** half a step. This file must not run a step.
*/
#include <string.h>
#include <time.h>
#include "err.h"
#include "org.h"
#include "access.h"
#include "sdm_int.h"

static const char default_calendar[] = "hours = Mon-Fri 09:00-18:00\n";

/* ---------- handle ---------- */

/* The Lua sandbox, made on first use: a call that only reads never needs
** it, and making one costs as much as a query. NULL: out of memory. */
scr *sdmi_sandbox(sdm *h) {
    if (!h->sc) h->sc = scr_open(h->scripts_dir, h->lua_instructions, h->lua_memory, h->script_timeout_ms);
    return h->sc;
}

int sdmi_no_sandbox(sdm_err *err) {
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
static int pack_old_trees(sdm *h, sdm_err *err) {
    int64_t id = 0;
    char *name, *xml;
    size_t len;
    int rc = store_begin(h->st, err);
    while (!rc && (rc = store_tree_missing(h->st, id, &id, &name, &xml, &len, err)) == SDM_OK) {
        xml_doc *doc = NULL;
        if (xml_parse(name, xml, len, (size_t)-1, &doc, NULL) == SDM_OK) {   /* unreadable: parsed when run */
            char *tree;
            size_t tree_len;
            xml_pack(doc, &tree, &tree_len);
            rc = store_tree_add(h->st, id, tree, tree_len, err);
            free(tree);
        }
        xml_free(doc);
        free(name); free(xml);
    }
    if (rc == SDM_ERR_NOTFOUND) rc = store_commit(h->st, err);
    if (rc) store_rollback(h->st);
    return rc;
}

void sdm_config_limits(sdm_config *cfg) {
    if (cfg->lua_instructions <= 0) cfg->lua_instructions = 10000000;
    if (!cfg->lua_memory) cfg->lua_memory = (size_t)64 << 20;
    if (cfg->script_timeout_ms <= 0) cfg->script_timeout_ms = 1000;
    if (!cfg->max_model_bytes) cfg->max_model_bytes = (size_t)16 << 20;
    if (cfg->step_ops <= 0) cfg->step_ops = 1000000;
    if (cfg->step_tokens <= 0) cfg->step_tokens = 100000;
    if (cfg->step_ms <= 0) cfg->step_ms = 5000;
    if (cfg->max_instances <= 0) cfg->max_instances = 10000;
    if (cfg->tick_ms <= 0) cfg->tick_ms = 10000;
    if (cfg->delivery_timeout_ms <= 0) cfg->delivery_timeout_ms = 15000;
    if (cfg->connect_timeout_ms <= 0) cfg->connect_timeout_ms = 5000;
}

int sdm_open(sdm **out, const char *path, const sdm_config *given, sdm_err *err) {
    sdm_config limited = given ? *given : (sdm_config){0};
    const sdm_config *cfg = &limited;
    sdm_config_limits(&limited);
    *out = NULL;
    sdm *h = xcalloc(1, sizeof *h);
    char msg[512];
    if (cfg->zone_dir) clk_zone_dir(cfg->zone_dir);
    int rc = store_open(&h->st, path, cfg->open_mode, cfg->sync_full, err);
    if (!rc && store_found_version(h->st) < 8 && cfg->open_mode != SDM_OPEN_READ) rc = pack_old_trees(h, err);
    if (rc) { store_close(h->st); free(h); return rc; }
    h->scripts_dir = cfg->scripts_dir ? xstrdup(cfg->scripts_dir) : NULL;
    h->lua_instructions = cfg->lua_instructions;
    h->lua_memory = cfg->lua_memory;
    h->script_timeout_ms = cfg->script_timeout_ms;
    if (cfg->calendar_file ? clk_calendar_load(cfg->calendar_file, &h->cal, msg, sizeof msg)
                           : clk_calendar_parse(default_calendar, "default calendar", &h->cal, msg, sizeof msg)) {
        sdm_close(h);
        return err_set(err, SDM_ERR_IO, cfg->calendar_file, 0, NULL, "%s", msg);
    }
    if (set_zone(h->cal, cfg->time_zone, msg, sizeof msg)) {
        sdm_close(h);
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "time zone: %s", msg);
    }
    h->actor = xstrdup(cfg->actor ? cfg->actor : "system");
    h->now = cfg->now;
    h->webhook_secret = cfg->webhook_secret ? xstrdup(cfg->webhook_secret) : NULL;
    h->lang = xstrdup(cfg->lang && *cfg->lang ? cfg->lang : "en");
    h->base_url = cfg->base_url && *cfg->base_url ? xstrdup(cfg->base_url) : NULL;
    if (strcmp(h->lang, "ru") && strcmp(h->lang, "en")) {
        sdm_close(h);
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "language '%s': sdm speaks ru or en", cfg->lang);
    }
    h->max_model_bytes = cfg->max_model_bytes;
    h->smtp.url = h->smtp_url = cfg->smtp_url ? xstrdup(cfg->smtp_url) : NULL;
    h->smtp.from = h->smtp_from = xstrdup(cfg->smtp_from ? cfg->smtp_from : "sdm@localhost");
    h->smtp.user = h->smtp_user = cfg->smtp_user ? xstrdup(cfg->smtp_user) : NULL;
    h->smtp.password = h->smtp_password = cfg->smtp_password ? xstrdup(cfg->smtp_password) : NULL;
    h->step_ops = cfg->step_ops;
    h->step_tokens = cfg->step_tokens;
    h->step_ms = cfg->step_ms;
    h->max_instances = cfg->max_instances;
    h->tick_ms = cfg->tick_ms;
    h->delivery_ms = cfg->delivery_timeout_ms;
    h->smtp.timeout_ms = h->delivery_ms;
    h->smtp.connect_timeout_ms = cfg->connect_timeout_ms;
    h->log = cfg->log;
    h->log_ctx = cfg->log_ctx;
    *out = h;
    return SDM_OK;
}

void sdm_close(sdm *h) {
    if (!h) return;
    for (int i = 0; i < h->nmodel; i++) model_free(h->models[i].m);
    free(h->models);
    free(h->defs);
    clk_calendar_free(h->cal);
    scr_close(h->sc);
    free(h->scripts_dir);
    store_close(h->st);
    free(h->actor);
    free(h->as);
    free(h->lang);
    free(h->base_url);
    free(h->smtp_url); free(h->smtp_from); free(h->smtp_user); free(h->smtp_password);
    free(h->webhook_secret);
    free(h);
}

void sdm_set_actor(sdm *h, const char *actor) {
    free(h->actor);
    h->actor = xstrdup(actor ? actor : "system");
}

int sdm_act_as(sdm *h, const char *user, sdm_err *err) {
    if (user) {
        int rc = org_user_check(h->st, user, err);
        if (rc) return rc;
    }
    free(h->as);
    h->as = user ? xstrdup(user) : NULL;
    if (user) sdm_set_actor(h, user);
    return SDM_OK;
}

const char *sdm_acting(sdm *h) { return h->as; }

void sdm_set_now(sdm *h, int64_t now_ms) { h->now = now_ms; }

int64_t sdm_now(sdm *h) {
    if (h->now) return h->now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sdm_is_working_time(sdm *h, int64_t t) { return clk_is_working(h->cal, t); }

const char *sdm_time_zone(sdm *h) { return clk_calendar_tz(h->cal); }

int sdm_format_time(sdm *h, int64_t ms, int iso, char *buf, size_t n) {
    char tmp[64];
    if (clk_format(ms, sdm_time_zone(h), tmp, sizeof tmp) < 0) return -1;
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

/* ---------- queries ---------- */

/* Before a query: what the acting user may ask for at all. */
static int query_allowed(sdm *h, sdm_query_kind q, sdm_filter *g, sdm_err *err) {
    switch (q) {
    case SDM_Q_PROCESSES: case SDM_Q_INSTANCES: case SDM_Q_TASKS: case SDM_Q_DEVIATIONS: return SDM_OK;
    case SDM_Q_INSTANCE: case SDM_Q_TOKENS: case SDM_Q_VARIABLES: case SDM_Q_HISTORY:
        return acc_instance(h->st, h->as, g->id, err);
    case SDM_Q_JOBS:
        return g->id ? acc_instance(h->st, h->as, g->id, err) : acc_need_admin(h->st, h->as, "list jobs", err);
    case SDM_Q_INCIDENTS: return acc_need_head(h->st, h->as, "see incidents", err);   /* heads retry them too */
    case SDM_Q_NODE_STATS: return acc_need_head(h->st, h->as, "see the counts on a process's steps", err);
    case SDM_Q_OUTBOX: return acc_need_admin(h->st, h->as, "read the outbox", err);
    case SDM_Q_INBOX:
        if (!g->user && !acc_admin(h->st, h->as)) g->user = h->as;
        if (g->user && h->as && strcmp(g->user, h->as) && !acc_admin(h->st, h->as))
            return err_set(err, SDM_ERR_DENIED, NULL, 0, NULL, "%s may not read the inbox of %s", h->as, g->user);
        return SDM_OK;
    default: sdm_panic("query_allowed: unknown query");
    }
}

/* After a list query: only the rows the acting user may see. */
static int query_filter(sdm *h, sdm_query_kind q, sdm_table *t, sdm_err *err) {
    switch (q) {
    case SDM_Q_INSTANCES: return acc_filter(h->st, h->as, t, "id", ACC_INSTANCE, err);
    case SDM_Q_TASKS: return acc_filter(h->st, h->as, t, "id", ACC_TASK, err);
    case SDM_Q_DEVIATIONS:
        return acc_owner(h->st, h->as) ? SDM_OK : acc_filter(h->st, h->as, t, "manager", ACC_USER, err);
    default: return SDM_OK;
    }
}

int sdm_query(sdm *h, sdm_query_kind q, const sdm_filter *f, sdm_table **out, sdm_err *err) {
    sdm_filter g = {0};
    if (f) g = *f;
    if (!g.at) g.at = sdm_now(h);
    *out = NULL;
    int rc = query_allowed(h, q, &g, err);
    if (!rc) rc = store_query(h->st, q, &g, out, err);
    if (!rc) rc = query_filter(h, q, *out, err);
    if (rc && *out) { sdm_table_free(*out); *out = NULL; }
    if (!rc && q == SDM_Q_INSTANCE && (*out)->nrow == 0) {
        sdm_table_free(*out);
        *out = NULL;
        return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no instance %lld", (long long)(f ? f->id : 0));
    }
    return rc;
}

int sdm_check(sdm *h, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_need_admin(h->st, h->as, "check the store", err);
    return rc ? rc : store_check(h->st, out, err);
}
