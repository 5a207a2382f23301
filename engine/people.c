/*
** people.c — the public calls about people and documents: organisation,
** users and clients, tasks' claims, reports, deviations, credentials, and
** the regulation documents. Each checks access and wraps one call of
** org.c, report.c, cred.c or regdoc.c in a transaction.
**
** It must not hold SQL or business rules: those live in the files it wraps.
*/
#include <string.h>
#include <errno.h>
#include "err.h"
#include "org.h"
#include "report.h"
#include "access.h"
#include "cred.h"
#include "regdoc.h"
#include "card.h"
#include "plan.h"
#include "sdm_int.h"

int sdm_deviation_set(sdm *h, int64_t deviation, const char *state, sdm_err *err) {
    return sdm_deviation_note(h, deviation, state, NULL, err);
}

int sdm_deviation_note(sdm *h, int64_t deviation, const char *state, const char *note, sdm_err *err) {
    if (state && strcmp(state, "resolved") == 0 && (!note || !*note))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "resolving a deviation takes a note: what was done");
    if (!state || (strcmp(state, "acknowledged") && strcmp(state, "resolved")))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a deviation can be acknowledged or resolved");
    int rc = store_begin(h->st, err);
    if (!rc) rc = acc_deviation(h->st, h->as, deviation, 1, err);
    if (!rc) rc = store_deviation_set(h->st, deviation, state, sdm_now(h), h->actor, err);
    if (!rc && note) rc = store_deviation_note(h->st, deviation, note, err);
    if (!rc) rc = store_commit(h->st, err);
    if (rc) store_rollback(h->st);
    return rc;
}

/* ---------- people: organisation, clients, reports (org.c, report.c) ---------- */

/* One transaction around a store-layer change. */
#define PEOPLE_TX(h, err, call) do { \
        int rc_ = store_begin((h)->st, (err)); \
        if (!rc_) rc_ = (call); \
        if (!rc_) rc_ = store_commit((h)->st, (err)); \
        if (rc_) store_rollback((h)->st); \
        return rc_; \
    } while (0)

int sdm_org_load(sdm *h, const char *path, sdm_table **out, sdm_err *err) {
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
    int rc = store_begin(h->st, err);
    if (!rc) rc = acc_need_admin(h->st, h->as, "manage users", err);
    if (!rc) rc = org_load(h->st, path, text, sdm_now(h), h->actor, out, err);
    if (!rc) rc = store_commit(h->st, err);
    if (rc) { store_rollback(h->st); sdm_table_free(*out); *out = NULL; }
    free(text);
    return rc;
}

int sdm_user_add(sdm *h, const char *name, const char *roles, const char *head, const char *full_name,
                 const char *email, sdm_err *err) {
    PEOPLE_TX(h, err, acc_need_admin(h->st, h->as, "manage users", err) ? err->code : org_user_add(h->st, name, roles, head, full_name, email, sdm_now(h), h->actor, err));
}

int sdm_user_deactivate(sdm *h, const char *name, const char *to, sdm_table **moves, sdm_err *err) {
    int rc = store_begin(h->st, err);
    *moves = NULL;
    if (!rc) rc = acc_need_admin(h->st, h->as, "manage users", err);
    if (!rc) rc = org_user_deactivate(h->st, name, to, sdm_now(h), h->actor, moves, err);
    if (!rc) rc = store_commit(h->st, err);
    if (rc) { store_rollback(h->st); sdm_table_free(*moves); *moves = NULL; }
    return rc;
}

int sdm_users(sdm *h, const char *role, const char *team, sdm_table **out, sdm_err *err) {
    return org_users(h->st, role, team, out, err);
}

int sdm_client_add(sdm *h, const char *key, const char *fields_json, sdm_err *err) {
    if (err_check_name(err, "the client key", key)) return SDM_ERR_MISUSE;
    PEOPLE_TX(h, err, org_client_set(h->st, key, fields_json, 1, sdm_now(h), h->actor, err));
}

int sdm_client_update(sdm *h, const char *key, const char *fields_json, sdm_err *err) {
    PEOPLE_TX(h, err, acc_client(h->st, h->as, key, err) ? err->code : org_client_set(h->st, key, fields_json, 0, sdm_now(h), h->actor, err));
}

int sdm_client_assign(sdm *h, const char *key, const char *role, const char *user, sdm_err *err) {
    PEOPLE_TX(h, err, acc_need_head(h->st, h->as, "reassign clients", err) ? err->code : org_client_assign(h->st, key, role, user, sdm_now(h), h->actor, err));
}

int sdm_client_merge(sdm *h, const char *keep, const char *gone, sdm_table **out, sdm_err *err) {
    *out = NULL;
    PEOPLE_TX(h, err, acc_need_head(h->st, h->as, "merge clients", err) ? err->code : card_merge(h->st, keep, gone, sdm_now(h), h->actor, out, err));
}

int sdm_client_log(sdm *h, const char *key, const char *type, const char *text, sdm_err *err) {
    PEOPLE_TX(h, err, acc_client(h->st, h->as, key, err) ? err->code : card_log(h->st, key, type, text, sdm_now(h), h->actor, err));
}

int sdm_card_field_add(sdm *h, const char *name, const char *type, const char *label, sdm_err *err) {
    PEOPLE_TX(h, err, acc_need_admin(h->st, h->as, "declare card fields", err) ? err->code : card_field_add(h->st, name, type, label, sdm_now(h), h->actor, err));
}

int sdm_card_fields(sdm *h, sdm_table **out, sdm_err *err) {
    return card_fields(h->st, out, err);
}

int sdm_clients(sdm *h, const sdm_filter *f, sdm_table **out, sdm_err *err) {
    int rc = org_clients(h->st, f, out, err);
    if (!rc) rc = acc_filter(h->st, h->as, *out, "client", ACC_CLIENT, err);
    return rc;
}

int sdm_client_card(sdm *h, const char *key, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_client(h->st, h->as, key, err);
    return rc ? rc : org_client_card(h->st, key, out, err);
}

int sdm_client_history(sdm *h, const char *key, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_client(h->st, h->as, key, err);
    return rc ? rc : org_client_history(h->st, key, out, err);
}

/* Today in the business calendar's zone: [start, end). */
static void today(sdm *h, int64_t now, int64_t *start, int64_t *end) {
    const char *tz = clk_calendar_tz(h->cal);
    char buf[64], msg[128];
    clk_duration day = {.days = 1};
    *start = now - now % 86400000;
    if (clk_format(now, tz, buf, sizeof buf) > 10) {
        buf[10] = 0;
        clk_parse_datetime(buf, tz, start, msg, sizeof msg);
    }
    *end = clk_add(*start, &day, tz);
}

int sdm_calendar(sdm *h, const char *user, const char *when, int limit, sdm_table **out, sdm_err *err) {
    int64_t now = sdm_now(h), start, end;
    today(h, now, &start, &end);
    *out = NULL;
    int rc = user ? acc_need_user(h->st, h->as, user, err) : SDM_OK;
    if (!rc) rc = report_calendar(h->st, user, when, now, start, end, limit, out, err);
    if (!rc && !user) rc = acc_filter(h->st, h->as, *out, "task", ACC_TASK, err);
    return rc;
}

/* The task is the acting user's to act on, and so is `user` (a head may
** claim for the people below them). */
static int task_allowed(sdm *h, int64_t task, const char *user, sdm_err *err) {
    int rc = acc_task(h->st, h->as, task, err);
    if (!rc && user) rc = acc_need_user(h->st, h->as, user, err);
    return rc;
}

int sdm_task_claim(sdm *h, int64_t task, const char *user, int force, sdm_err *err) {
    PEOPLE_TX(h, err, task_allowed(h, task, user, err) ? err->code : org_task_claim(h->st, task, user, force, sdm_now(h), h->actor, err));
}

int sdm_task_unclaim(sdm *h, int64_t task, const char *user, int force, sdm_err *err) {
    PEOPLE_TX(h, err, task_allowed(h, task, user, err) ? err->code : org_task_unclaim(h->st, task, user, force, sdm_now(h), h->actor, err));
}

int sdm_task_delegate(sdm *h, int64_t task, const char *to, int force, sdm_err *err) {
    PEOPLE_TX(h, err, task_allowed(h, task, NULL, err) ? err->code : org_task_delegate(h->st, task, to, force, sdm_now(h), h->actor, err));
}

int sdm_task_info(sdm *h, int64_t task, sdm_table **out, sdm_err *err) {
    store_task t;
    store_instance inst;
    const model_proc *p = NULL;
    const char *file = NULL;
    *out = NULL;
    int rc = acc_task(h->st, h->as, task, err);
    if (!rc) rc = store_task_get(h->st, task, &t, err);
    if (!rc) rc = store_instance_get(h->st, t.instance_id, &inst, err);
    if (!rc) rc = sdmi_load_def(h, inst.definition_id, &p, &file, err);
    if (!rc) rc = report_task_info(h->st, p, task, out, err);
    return rc;
}

int sdm_monitor(sdm *h, const char *team, sdm_table **out, sdm_err *err) {
    int64_t now = sdm_now(h), start, end;
    today(h, now, &start, &end);
    *out = NULL;
    if (!team && !acc_owner(h->st, h->as)) team = h->as;
    int rc = acc_need_head(h->st, h->as, "see the monitor", err);
    if (!rc && team && !acc_owner(h->st, h->as)) rc = acc_need_user(h->st, h->as, team, err);
    return rc ? rc : report_monitor(h->st, team, now, start, end, out, err);
}

/* The process and, when it is a lifecycle, the processes called along its
** main path (and along theirs), in order. */
static int lifecycle(sdm *h, const model_proc *p, const model_proc ***procs, int *n, int *cap, sdm_err *err) {
    for (int j = 0; j < *n; j++) if ((*procs)[j] == p) return SDM_OK;
    if (*n == *cap) *procs = xrealloc(*procs, sizeof **procs * (size_t)(*cap = *cap ? *cap * 2 : 8));
    (*procs)[(*n)++] = p;
    int *calls = xmalloc(sizeof *calls * (size_t)(p->nnode + 1)), nc = report_main_path(p, calls), rc = SDM_OK;
    for (int i = 0; !rc && i < nc; i++) {
        int64_t def;
        int version;
        const model_proc *c = NULL;
        const char *file;
        if (store_latest_definition(h->st, p->nodes[calls[i]].called, &def, &version, NULL, NULL, NULL)) continue;
        rc = sdmi_load_def(h, def, &c, &file, err);
        if (!rc) rc = lifecycle(h, c, procs, n, cap, err);
    }
    free(calls);
    return rc;
}

int sdm_report_funnel(sdm *h, const char *process, const char *by, int64_t from, int64_t to,
                      sdm_table **out, sdm_err *err) {
    int64_t def;
    int version, n = 0, cap = 0;
    const model_proc *p = NULL, **procs = NULL;
    const char *file = NULL;
    *out = NULL;
    if (!process || !*process) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "the funnel needs a process");
    int rc = acc_need_head(h->st, h->as, "see reports", err);
    if (!rc) rc = store_latest_definition(h->st, process, &def, &version, NULL, NULL, err);
    if (!rc) rc = sdmi_load_def(h, def, &p, &file, err);
    if (!rc) rc = lifecycle(h, p, &procs, &n, &cap, err);
    if (!rc) rc = report_funnel(h->st, procs, n, by, from, to, out, err);
    free(procs);
    return rc;
}

/* Every deployed process that declares a deal value (card_value_var). */
static int deals(sdm *h, card_deal **out, int *n, sdm_err *err) {
    sdm_table *t = NULL;
    *out = NULL;
    *n = 0;
    int rc = report_processes(h->st, &t, err);
    if (!rc) *out = xcalloc((size_t)t->nrow + 1, sizeof **out);
    for (int r = 0; !rc && r < t->nrow; r++) {
        const model_proc *p;
        const char *file;
        rc = sdmi_load_def(h, strtoll(t->cells[r * 2 + 1], NULL, 10), &p, &file, err);
        char *var = rc ? NULL : card_value_var(p);
        if (var) (*out)[(*n)++] = (card_deal){p->id, var};
    }
    sdm_table_free(t);
    return rc;
}

static void deals_free(card_deal *d, int n) {
    for (int i = 0; i < n; i++) free(d[i].var);
    free(d);
}

int sdm_report_kpi(sdm *h, int64_t from, int64_t to, sdm_table **out, sdm_err *err) {
    *out = NULL;
    card_deal *d = NULL;
    int nd = 0;
    int rc = acc_need_head(h->st, h->as, "see reports", err);
    if (!rc) rc = deals(h, &d, &nd, err);
    if (!rc) rc = report_kpi(h->st, d, nd, from, to, sdm_now(h), out, err);
    deals_free(d, nd);
    if (!rc && !acc_owner(h->st, h->as)) rc = acc_filter(h->st, h->as, *out, "user", ACC_USER, err);
    return rc;
}

int sdm_plan_set(sdm *h, const char *kind, const char *who, const char *month, const char *metric,
                 double target, sdm_err *err) {
    PEOPLE_TX(h, err, acc_need_head(h->st, h->as, "set plans", err) ? err->code : plan_set(h->st, kind, who, month, metric, target, sdm_now(h), h->actor, err));
}

int sdm_report_plan(sdm *h, const char *month, sdm_table **out, sdm_err *err) {
    *out = NULL;
    card_deal *d = NULL;
    int nd = 0;
    int rc = acc_need_head(h->st, h->as, "see reports", err);
    if (!rc) rc = deals(h, &d, &nd, err);
    if (!rc) rc = plan_report(h->st, month, d, nd, out, err);
    deals_free(d, nd);
    return rc;
}

int sdm_report_clients(sdm *h, const char *by, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_need_head(h->st, h->as, "see reports", err);
    return rc ? rc : report_clients(h->st, by, out, err);
}

int sdm_report_handoffs(sdm *h, int64_t from, int64_t to, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_need_head(h->st, h->as, "see reports", err);
    return rc ? rc : report_handoffs(h->st, from, to, out, err);
}

int sdm_report_deviations(sdm *h, const char *by, int64_t from, int64_t to, sdm_table **out, sdm_err *err) {
    *out = NULL;
    int rc = acc_need_head(h->st, h->as, "see reports", err);
    if (!rc) rc = report_deviations(h->st, by, from, to, out, err);
    if (!rc && !acc_owner(h->st, h->as)) rc = acc_filter(h->st, h->as, *out, "manager", ACC_USER, err);
    return rc;
}

int sdm_inbox_read(sdm *h, int64_t message, sdm_err *err) {
    PEOPLE_TX(h, err, store_inbox_read(h->st, message, acc_admin(h->st, h->as) ? NULL : h->as, sdm_now(h), err));
}

/* ---------- credentials (cred.c) ---------- */

/* The administrator, or `name` acting for themself. */
static int self_or_admin(sdm *h, const char *name, sdm_err *err) {
    if (!name || !*name) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a user name is required");
    if (h->as && strcmp(h->as, name) == 0) return SDM_OK;
    return acc_need_admin(h->st, h->as, "manage other people's credentials", err);
}

int sdm_user_passwd(sdm *h, const char *name, const char *password, sdm_err *err) {
    PEOPLE_TX(h, err, self_or_admin(h, name, err) ? err->code : cred_passwd(h->st, name, password, err));
}

int sdm_login(sdm *h, const char *name, const char *password, sdm_err *err) {
    return cred_login(h->st, name, password, err);
}

int sdm_token_create(sdm *h, const char *name, char **token, int64_t *id, sdm_err *err) {
    *token = NULL;
    int rc = store_begin(h->st, err);
    if (!rc) rc = self_or_admin(h, name, err);
    if (!rc) rc = cred_token_create(h->st, name, sdm_now(h), token, id, err);
    if (!rc) rc = store_commit(h->st, err);
    if (rc) { store_rollback(h->st); free(*token); *token = NULL; }
    return rc;
}

int sdm_token_revoke(sdm *h, const char *id_or_name, int *revoked, sdm_err *err) {
    PEOPLE_TX(h, err, cred_token_revoke(h->st, id_or_name, acc_admin(h->st, h->as) ? NULL : h->as,
                                         sdm_now(h), revoked, err));
}

int sdm_token_user(sdm *h, const char *token, char *user, size_t n, sdm_err *err) {
    return cred_token_user(h->st, token, user, n, err);
}

char *sdm_funnel_render(const sdm_table *funnel, const char *title, int html) {
    return report_funnel_render(funnel, title, html);
}

int sdm_parse_time(sdm *h, const char *text, int64_t *ms, sdm_err *err) {
    char msg[256];
    if (text && clk_parse_datetime(text, clk_calendar_tz(h->cal), ms, msg, sizeof msg) == 0) return SDM_OK;
    return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "'%s' is not an ISO 8601 date or date-time",
                   text ? text : "");
}

/* ---------- documents from the models (regdoc.c) ---------- */

static regdoc_ctx doc_ctx(sdm *h, const char *lang) {
    return (regdoc_ctx){h->st, lang ? lang : h->lang, clk_calendar_tz(h->cal), sdm_now(h)};
}

int sdm_roles_matrix(sdm *h, const char *const *processes, int n, sdm_table **out, sdm_err *err) {
    regdoc_ctx c = doc_ctx(h, NULL);
    return regdoc_matrix(&c, processes, n, out, err);
}

int sdm_roles_matrix_html(sdm *h, const char *const *processes, int n, const char *lang, char **html, sdm_err *err) {
    regdoc_ctx c = doc_ctx(h, lang);
    return regdoc_matrix_html(&c, processes, n, html, err);
}

int sdm_instruction_html(sdm *h, const char *user, const char *role, const char *lang, char **html, sdm_err *err) {
    int denied = acc_instruction(h->st, h->as, user, role, err);
    if (denied) return denied;
    regdoc_ctx c = doc_ctx(h, lang);
    return regdoc_instruction_html(&c, user, role, html, err);
}

int sdm_regulation_html(sdm *h, const char *process, const char *lang, char **html, sdm_err *err) {
    regdoc_ctx c = doc_ctx(h, lang);
    return regdoc_regulation_html(&c, process, html, err);
}
