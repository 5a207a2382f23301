/*
** api.c — the JSON API of `sdm serve` (docs/API.md): one small handler per
** route, each a thin client of sdm.h acting as the signed-in user (http.c
** made the handle act as them), so every access rule is the engine's.
** Must not run SQL, decide access or hold engine logic.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "server.h"
#include "../cli/print.h"

/* ---------- helpers ---------- */

/* The body as an object; an empty body is {} for routes whose fields are optional. */
static json_t *body_or_empty(srv_req *r) {
    return r->len ? srv_body(r) : json_object();
}

static const char *str(json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

/* "vars" as JSON text (NULL if absent); 0 and an answer if it is not an object. */
static int vars_of(srv_req *r, json_t *o, char **vars) {
    json_t *v = json_object_get(o, "vars");
    *vars = NULL;
    if (!v || json_is_null(v)) return 1;
    if (!json_is_object(v)) { srv_error(r, 400, "misuse", "\"vars\" must be an object"); return 0; }
    *vars = json_dumps(v, JSON_COMPACT);
    return 1;
}

/* The body (required) and its "vars"; NULL when answered already. */
static json_t *body_vars(srv_req *r, char **vars) {
    json_t *b = srv_body(r);
    if (b && !vars_of(r, b, vars)) { json_decref(b); b = NULL; }
    return b;
}

/* Answer a table, or the failure. */
static int table_or_fail(srv_req *r, int rc, sdm_table *t) {
    if (!rc) srv_table(r, t);
    else srv_fail(r, rc);
    sdm_table_free(t);
    return r->status;
}

static int query(srv_req *r, sdm_query_kind q, const sdm_filter *f) {
    sdm_table *t = NULL;
    int rc = sdm_query(r->h, q, f, &t, &r->err);
    return table_or_fail(r, rc, t);
}

/* The first row of a table as an object (null when empty). */
static json_t *row_of(srv_req *r, const sdm_table *t) {
    json_t *a = print_json_value(r->h, t);
    json_t *o = json_incref(json_array_get(a, 0));
    json_decref(a);
    return o ? o : json_null();
}

static int time_arg(srv_req *r, const char *name, int64_t *ms) {
    const char *v = srv_arg(r, name);
    *ms = 0;
    if (!v) return 1;
    if (sdm_parse_time(r->h, v, ms, &r->err) == SDM_OK) return 1;
    srv_fail(r, r->err.code);
    return 0;
}

/* ---------- sessions and the user ---------- */

static int session_post(srv_req *r) {
    json_t *b = srv_body(r);
    if (!b) return r->status;
    const char *user = str(b, "user"), *password = str(b, "password");
    if (!user || !password) { json_decref(b); return srv_error(r, 400, "misuse", "\"user\" and \"password\" are required"); }
    int wait = ses_limited(user, r->addr);
    if (wait) {
        char s[16];
        snprintf(s, sizeof s, "%d", wait);
        srv_header(r, "Retry-After", s);
        json_decref(b);
        return srv_error(r, 429, "limit", "too many failed sign-ins; try again later");
    }
    if (sdm_login(r->h, user, password, &r->err) != SDM_OK) {
        ses_failed(user, r->addr);
        json_decref(b);
        return srv_error(r, 401, "unauthorized", "wrong user or password");
    }
    ses_succeeded(user, r->addr);
    char id[65], csrf[65], cookie[256];
    if (ses_create(user, id, csrf)) { json_decref(b); return srv_error(r, 500, "io", "no randomness"); }
    snprintf(cookie, sizeof cookie, "sdm_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200%s",
             id, r->tls ? "; Secure" : "");
    srv_header(r, "Set-Cookie", cookie);
    srv_json(r, 200, json_pack("{s:s,s:s}", "user", user, "csrf", csrf));
    json_decref(b);
    return r->status;
}

static int session_delete(srv_req *r) {
    if (r->by_cookie) ses_delete(r->session);
    srv_header(r, "Set-Cookie", "sdm_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return srv_json(r, 200, json_object());
}

static int me(srv_req *r) {
    sdm_table *t = NULL;
    int rc = sdm_users(r->h, NULL, r->user, &t, &r->err);
    if (rc) return table_or_fail(r, rc, t);
    json_t *o = json_null();
    json_t *a = print_json_value(r->h, t);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
        if (strcmp(str(v, "user"), r->user) == 0) { json_decref(o); o = json_incref(v); }
    json_decref(a);
    sdm_table_free(t);
    if (json_is_object(o) && r->by_cookie) {
        char user[128], csrf[65];
        if (ses_lookup(r->session, user, sizeof user, csrf)) json_object_set_new(o, "csrf", json_string(csrf));
    }
    return srv_json(r, 200, o);
}

/* ---------- tasks ---------- */

static int tasks_list(srv_req *r) {
    const char *user = srv_arg(r, "user"), *when = srv_arg(r, "when");
    if (when && strcmp(when, "today") && strcmp(when, "overdue") && strcmp(when, "upcoming") && strcmp(when, "all"))
        return srv_error(r, 400, "misuse", "when is today, overdue, upcoming or all");
    sdm_table *t = NULL;
    int rc = sdm_calendar(r->h, user ? user : r->user, when, 0, &t, &r->err);
    return table_or_fail(r, rc, t);
}

/* The unassigned open tasks the user may take: the queue of their roles
** (the engine's row filter decides which they see). */
static int queue(srv_req *r) {
    sdm_filter f = {.state = "open"};
    sdm_table *t = NULL;
    int rc = sdm_query(r->h, SDM_Q_TASKS, &f, &t, &r->err);
    if (rc) return table_or_fail(r, rc, t);
    json_t *a = print_json_value(r->h, t), *v, *out = json_array();
    size_t i;
    json_array_foreach(a, i, v)
        if (json_is_null(json_object_get(v, "assignee"))) json_array_append(out, v);
    json_decref(a);
    sdm_table_free(t);
    return srv_json(r, 200, out);
}

static int task_get(srv_req *r) {
    sdm_table *t = NULL, *h = NULL, *card = NULL;
    int rc = sdm_task_info(r->h, r->id, &t, &r->err);
    if (rc) return table_or_fail(r, rc, t);
    json_t *o = row_of(r, t);
    sdm_filter f = {.id = json_integer_value(json_object_get(o, "instance"))};
    rc = sdm_query(r->h, SDM_Q_HISTORY, &f, &h, &r->err);
    const char *client = str(o, "client");
    if (!rc && client) rc = sdm_client_history(r->h, client, &card, &r->err);
    if (!rc) {
        json_object_set_new(o, "history", print_json_value(r->h, h));
        json_object_set_new(o, "client_history", print_json_value(r->h, card));
        srv_json(r, 200, o);
    } else { json_decref(o); srv_fail(r, rc); }
    sdm_table_free(t); sdm_table_free(h); sdm_table_free(card);
    return r->status;
}

static int task_action(srv_req *r) {
    json_t *b = body_or_empty(r);
    if (!b) return r->status;
    const char *a = r->action;
    char *vars = NULL;
    int rc;
    if (strcmp(a, "claim") == 0) {
        const char *user = str(b, "user");
        rc = sdm_task_claim(r->h, r->id, user ? user : r->user, 0, &r->err);
    } else if (strcmp(a, "unclaim") == 0) rc = sdm_task_unclaim(r->h, r->id, r->user, 0, &r->err);
    else if (strcmp(a, "delegate") == 0) {
        if (!str(b, "to")) { json_decref(b); return srv_error(r, 400, "misuse", "\"to\" (a user) is required"); }
        rc = sdm_task_delegate(r->h, r->id, str(b, "to"), 0, &r->err);
    } else if (strcmp(a, "complete") == 0) {
        if (!vars_of(r, b, &vars)) { json_decref(b); return r->status; }
        rc = grp_complete(r->user, r->id, vars, &r->err);
        free(vars);
    } else { json_decref(b); return srv_error(r, 404, "notfound", "no such task action"); }
    json_decref(b);
    /* a value the step's form refuses: the field it belongs to (form.c names it) */
    if (rc == SDM_ERR_MISUSE && r->err.element[0] && strcmp(a, "complete") == 0)
        return srv_json(r, 422, json_pack("{s:{s:s,s:s,s:s}}", "error", "code", "misuse", "message", r->err.msg,
                                          "field", r->err.element));
    if (rc) return srv_fail(r, rc);
    return srv_json(r, 200, json_pack("{s:I,s:s}", "task", (json_int_t)r->id, "done", a));
}

/* ---------- instances, messages, clients, inbox ---------- */

static int instances_post(srv_req *r) {
    char *vars;
    int64_t id = 0;
    json_t *b = body_vars(r, &vars);
    if (!b) return r->status;
    int rc = sdm_start(r->h, str(b, "process"), str(b, "client"), vars, &id, &r->err);
    free(vars);
    json_decref(b);
    if (rc) return srv_fail(r, rc);
    sdm_filter f = {.id = id};
    sdm_table *t = NULL;
    rc = sdm_query(r->h, SDM_Q_TASKS, &f, &t, &r->err);
    srv_json(r, 201, json_pack("{s:I,s:o}", "instance", (json_int_t)id, "tasks", print_json_value(r->h, rc ? NULL : t)));
    sdm_table_free(t);
    return r->status;
}

static int messages_post(srv_req *r) {
    char *vars;
    int delivered = 0;
    json_t *b = body_vars(r, &vars);
    if (!b) return r->status;
    int rc = sdm_message(r->h, str(b, "name"), str(b, "client"), vars, json_is_true(json_object_get(b, "all")),
                         &delivered, &r->err);
    free(vars);
    json_decref(b);
    if (rc) return srv_fail(r, rc);
    return srv_json(r, 200, json_pack("{s:i}", "delivered", delivered));
}

static int client_get(srv_req *r) {
    sdm_table *card = NULL, *h = NULL;
    int rc = sdm_client_card(r->h, r->key, &card, &r->err);
    if (!rc) rc = sdm_client_history(r->h, r->key, &h, &r->err);
    if (!rc) srv_json(r, 200, json_pack("{s:o,s:o}", "card", print_json_value(r->h, card), "history", print_json_value(r->h, h)));
    else srv_fail(r, rc);
    sdm_table_free(card); sdm_table_free(h);
    return r->status;
}

static int clients_list(srv_req *r) {
    const char *user = srv_arg(r, "user");
    sdm_filter f = {.user = user ? user : r->user};
    sdm_table *t = NULL;
    int rc = sdm_clients(r->h, &f, &t, &r->err);
    return table_or_fail(r, rc, t);
}

static int inbox_get(srv_req *r) {
    sdm_filter f = {.user = r->user, .state = srv_arg(r, "state")};
    return query(r, SDM_Q_INBOX, &f);
}

static int inbox_read(srv_req *r) {
    int rc = sdm_inbox_read(r->h, r->id, &r->err);
    return rc ? srv_fail(r, rc) : srv_json(r, 200, json_pack("{s:I}", "read", (json_int_t)r->id));
}

/* ---------- deviations, monitor, reports ---------- */

static int deviations_get(srv_req *r) {
    sdm_filter f = {.state = srv_arg(r, "state"), .user = srv_arg(r, "user")};
    return query(r, SDM_Q_DEVIATIONS, &f);
}

static int deviation_post(srv_req *r) {
    json_t *b = body_or_empty(r);
    if (!b) return r->status;
    const char *state = strcmp(r->action, "acknowledge") == 0 ? "acknowledged"
                      : strcmp(r->action, "resolve") == 0 ? "resolved" : NULL;
    if (!state) { json_decref(b); return srv_error(r, 404, "notfound", "acknowledge or resolve"); }
    int rc = sdm_deviation_note(r->h, r->id, state, str(b, "note"), &r->err);
    json_decref(b);
    return rc ? srv_fail(r, rc) : srv_json(r, 200, json_pack("{s:I,s:s}", "deviation", (json_int_t)r->id, "state", state));
}

static int monitor(srv_req *r) {
    sdm_table *t = NULL;
    int rc = sdm_monitor(r->h, srv_arg(r, "team"), &t, &r->err);
    return table_or_fail(r, rc, t);
}

static int report(srv_req *r) {
    int64_t from, to;
    if (!time_arg(r, "from", &from) || !time_arg(r, "to", &to)) return r->status;
    sdm_table *t = NULL;
    const char *by = srv_arg(r, "by");
    int rc;
    if (strcmp(r->key, "funnel") == 0) rc = sdm_report_funnel(r->h, srv_arg(r, "process"), by, from, to, &t, &r->err);
    else if (strcmp(r->key, "kpi") == 0) rc = sdm_report_kpi(r->h, from, to, &t, &r->err);
    else if (strcmp(r->key, "handoffs") == 0) rc = sdm_report_handoffs(r->h, from, to, &t, &r->err);
    else if (strcmp(r->key, "deviations") == 0) rc = sdm_report_deviations(r->h, by, from, to, &t, &r->err);
    else return srv_error(r, 404, "notfound", "reports: funnel, kpi, handoffs, deviations");
    return table_or_fail(r, rc, t);
}

/* ---------- processes and incidents ---------- */

static int processes(srv_req *r) {
    sdm_filter f = {0};
    return query(r, SDM_Q_PROCESSES, &f);
}

static int deploy(srv_req *r) {
    const char *name = srv_arg(r, "name");
    sdm_table *t = NULL;
    int rc = sdm_deploy_xml(r->h, name ? name : "upload.bpmn", r->body, r->len, &t, &r->err);
    if (rc) {
        srv_fail(r, rc);
        json_t *o = json_loads(r->out, 0, NULL);
        if (o && t) json_object_set_new(json_object_get(o, "error"), "problems", print_json_value(r->h, t));
        if (o) srv_json(r, r->status, o);
    } else srv_json(r, 201, json_pack("{s:o}", "deployed", print_json_value(r->h, t)));
    sdm_table_free(t);
    return r->status;
}

static int diagram(srv_req *r) {
    const char *overlay = srv_arg(r, "overlay"), *version = srv_arg(r, "version");
    char *xml = NULL;
    size_t len = 0;
    int rc = sdm_export(r->h, r->key, version ? atoi(version) : 0, overlay && strcmp(overlay, "0") != 0,
                        &xml, &len, &r->err);
    if (rc) return srv_fail(r, rc);
    free(r->out);
    r->out = xml;
    r->out_len = len;
    r->type = "application/xml";
    return r->status = 200;
}

/* Per node of the latest version: waiting tokens, overdue tasks, open
** incidents (the diagram's live counts). */
static int node_stats(srv_req *r) {
    sdm_filter f = {.process = r->key};
    return query(r, SDM_Q_NODE_STATS, &f);
}

static int incidents(srv_req *r) {
    sdm_filter f = {.state = srv_arg(r, "state")};
    return query(r, SDM_Q_INCIDENTS, &f);
}

static int incident_retry(srv_req *r) {
    int rc = sdm_retry(r->h, r->id, &r->err);
    return rc ? srv_fail(r, rc) : srv_json(r, 200, json_pack("{s:I}", "retried", (json_int_t)r->id));
}

/* ---------- documents from the models (regdoc.c): printable pages ---------- */

/* The page as text/html, or the error as JSON. */
static int html_page(srv_req *r, int rc, char *html) {
    if (rc) { free(html); return srv_fail(r, rc); }
    free(r->out);
    r->out = html;
    r->out_len = html ? strlen(html) : 0;
    r->type = "text/html; charset=utf-8";
    return r->status = 200;
}

/* GET /api/docs/instruction?user=U|role=R[&lang=ru]: a manager reads their
** own, a head their team's (the engine's access rules decide). */
static int doc_instruction(srv_req *r) {
    const char *user = srv_arg(r, "user"), *role = srv_arg(r, "role");
    if (!user && !role) user = r->user;
    char *html = NULL;
    int rc = sdm_instruction_html(r->h, user, role, srv_arg(r, "lang"), &html, &r->err);
    return html_page(r, rc, html);
}

static int doc_regulation(srv_req *r) {
    char *html = NULL;
    int rc = sdm_regulation_html(r->h, r->key, srv_arg(r, "lang"), &html, &r->err);
    return html_page(r, rc, html);
}

static int doc_matrix(srv_req *r) {
    char *html = NULL;
    int rc = sdm_roles_matrix_html(r->h, NULL, 0, srv_arg(r, "lang"), &html, &r->err);
    return html_page(r, rc, html);
}

/* ---------- the event stream ---------- */

struct srv_stream { char user[128]; int64_t last_task, last_dev, last_msg; };

/* The largest id in `t`'s column "id" (0 for none). */
static int64_t max_id(const sdm_table *t) {
    int64_t m = 0;
    for (int r = 0; t && r < t->nrow; r++) {
        int64_t v = t->cells[r * t->ncol] ? strtoll(t->cells[r * t->ncol], NULL, 10) : 0;
        if (v > m) m = v;
    }
    return m;
}

/* The user's open tasks and visible open deviations, as the engine lets them see. */
static int poll_store(srv_stream *s, sdm *h, sdm_table **tasks, sdm_table **devs, sdm_table **msgs) {
    sdm_err err;
    sdm_filter ft = {.user = s->user}, fd = {.state = "open"}, fm = {.user = s->user};
    *tasks = *devs = *msgs = NULL;
    if (sdm_act_as(h, s->user, &err)) return -1;
    if (sdm_query(h, SDM_Q_TASKS, &ft, tasks, &err) || sdm_query(h, SDM_Q_DEVIATIONS, &fd, devs, &err) ||
        sdm_query(h, SDM_Q_INBOX, &fm, msgs, &err)) {
        sdm_table_free(*tasks); sdm_table_free(*devs); sdm_table_free(*msgs);
        *tasks = *devs = *msgs = NULL;
        return -1;
    }
    return 0;
}

srv_stream *srv_stream_new(sdm *h, const char *user) {
    srv_stream *s = calloc(1, sizeof *s);
    snprintf(s->user, sizeof s->user, "%s", user);
    sdm_table *t, *d, *m;
    if (poll_store(s, h, &t, &d, &m) == 0) { s->last_task = max_id(t); s->last_dev = max_id(d); s->last_msg = max_id(m); }
    sdm_table_free(t); sdm_table_free(d); sdm_table_free(m);
    return s;
}

/* Rows of `t` with id above *last as events, newest id kept. */
static size_t emit(FILE *out, sdm *h, const char *event, const sdm_table *t, int64_t *last) {
    json_t *a = print_json_value(h, t);
    size_t i, n = 0;
    json_t *v;
    int64_t seen = *last;
    json_array_foreach(a, i, v) {
        int64_t id = json_integer_value(json_object_get(v, "id"));
        if (id <= seen) continue;
        char *d = json_dumps(v, JSON_COMPACT);
        fprintf(out, "event: %s\nid: %s-%lld\ndata: %s\n\n", event, event, (long long)id, d);
        free(d);
        if (id > *last) *last = id;
        n++;
    }
    json_decref(a);
    return n;
}

long srv_stream_next(srv_stream *s, sdm *h, char *buf, size_t n) {
    sdm_table *t, *d, *m;
    if (poll_store(s, h, &t, &d, &m)) return -1;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int64_t lt = s->last_task, ld = s->last_dev, lm = s->last_msg;
    emit(out, h, "task", t, &s->last_task);
    emit(out, h, "deviation", d, &s->last_dev);
    emit(out, h, "message", m, &s->last_msg);
    fclose(out);
    sdm_table_free(t); sdm_table_free(d); sdm_table_free(m);
    long got = 0;
    if (len <= n) { memcpy(buf, text, len); got = (long)len; }
    else { s->last_task = lt; s->last_dev = ld; s->last_msg = lm; }   /* too much at once: send a ping; rare */
    free(text);
    return got;
}

void srv_stream_free(srv_stream *s) { free(s); }

static int events(srv_req *r) {
    r->stream = srv_stream_new(r->h, r->user);
    return r->status = 200;
}

const srv_route srv_routes[] = {
    {"POST", "/api/session", session_post, SRV_PUBLIC},
    {"DELETE", "/api/session", session_delete, 0},
    {"GET", "/api/me", me, 0},
    {"GET", "/api/tasks", tasks_list, 0},
    {"GET", "/api/tasks/#", task_get, 0},
    {"GET", "/api/queue", queue, 0},
    {"POST", "/api/tasks/#/*", task_action, 0},
    {"POST", "/api/instances", instances_post, 0},
    {"POST", "/api/messages", messages_post, 0},
    {"GET", "/api/clients", clients_list, 0},
    {"GET", "/api/clients/*", client_get, 0},
    {"GET", "/api/inbox", inbox_get, 0},
    {"POST", "/api/inbox/#/read", inbox_read, 0},
    {"GET", "/api/deviations", deviations_get, 0},
    {"POST", "/api/deviations/#/*", deviation_post, 0},
    {"GET", "/api/monitor", monitor, 0},
    {"GET", "/api/reports/*", report, 0},
    {"GET", "/api/processes", processes, 0},
    {"POST", "/api/deployments", deploy, 0},
    {"GET", "/api/processes/*/diagram", diagram, 0},
    {"GET", "/api/processes/*/stats", node_stats, 0},
    {"GET", "/api/incidents", incidents, 0},
    {"POST", "/api/incidents/#/retry", incident_retry, 0},
    {"GET", "/api/events", events, 0},
    {"GET", "/api/docs/instruction", doc_instruction, 0},
    {"GET", "/api/docs/regulation/*", doc_regulation, 0},
    {"GET", "/api/docs/matrix", doc_matrix, 0},
    {NULL, NULL, NULL, 0},
};
