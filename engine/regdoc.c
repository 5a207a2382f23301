/*
** regdoc.c — documents people sign and work by, generated from the
** deployed models (latest versions) and the organisation, so they are
** never stale: the role matrix (RACI), individual instructions per user or
** role, and process regulations; plus telling informed roles that a step
** completed (regdoc_inform, called by the runtime).
**
** Where the letters come from (docs/EXTENSIONS.md):
**   R  the lane's role of a user, manual or plain task (or, without a lane,
**      the roles of its fixed sdm:assignee);
**   A  sdm:accountable, else the roles of the heads of the users who
**      perform it (the organisation);
**   C  sdm:consulted;
**   I  sdm:informed, the role:NAME targets of the step's inline checkpoint
**      rules, and the performers' heads' roles when the step has
**      checkpoints (deviations are told to the head).
**
** Store layer like report.c (its own SQL through store_sql_*), read-only
** but for regdoc_inform's outbox rows. It knows BPMN only through the
** compiled model, and geometry only through diagram.c. HTML is
** self-contained: inline CSS and SVG, nothing fetched, print CSS.
*/
#include <ctype.h>
#include <string.h>
#include "regdoc.h"
#include "diagram.h"
#include "report.h"
#include "clock.h"
#include "table.h"
#include "err.h"
#include "xml.h"

/* ---------- the message catalogue ---------- */

typedef enum msg {
    M_MATRIX, M_INSTRUCTION, M_REGULATION, M_REFLECTS, M_VERSION, M_DEPLOYED, M_GENERATED,
    M_PROCESS, M_STEP, M_ROLE, M_ROLES, M_USERS, M_HEAD, M_PURPOSE, M_STEPS, M_INPUTS, M_OUTPUTS,
    M_DEADLINE, M_CHECKPOINTS, M_SCRIPT, M_KPI, M_PLAN, M_NO_PLAN, M_HANDOFFS_IN, M_HANDOFFS_OUT,
    M_FROM, M_TO, M_NONE, M_START, M_END, M_AUTOMATIC, M_WORKING, M_CALENDAR, M_COMPUTED,
    M_ON_ENTER, M_ON_LEAVE, M_ON_DUE, M_SEVERITY, M_RULE, M_LEGEND, M_CONSULTED_ON, M_INFORMED_ON,
    M_DONE, M_ON_TIME, M_CYCLE, M_OPEN, M_OVERDUE, M_NO_STEPS, M_SIGN, M_DIAGRAM, M_DATA,
    M_INFORM_SUBJECT, M_INFORM_BODY, M_NO_KPI, M_USER, M_PERFORMS, M_HANDOFF_NOTE, M__COUNT
} msg;

static const char *const catalogue[M__COUNT][2] = {   /* en, ru */
    [M_MATRIX] = {"Role matrix", "Матрица ролей"},
    [M_INSTRUCTION] = {"Individual instruction", "Индивидуальная инструкция"},
    [M_REGULATION] = {"Process regulation", "Регламент процесса"},
    [M_REFLECTS] = {"Reflects the deployed models", "Отражает развёрнутые модели"},
    [M_VERSION] = {"version", "версия"},
    [M_DEPLOYED] = {"deployed", "развёрнута"},
    [M_GENERATED] = {"Generated", "Сформировано"},
    [M_PROCESS] = {"Process", "Процесс"},
    [M_STEP] = {"Step", "Шаг"},
    [M_ROLE] = {"Role", "Роль"},
    [M_ROLES] = {"Roles", "Роли"},
    [M_USERS] = {"Employees", "Сотрудники"},
    [M_HEAD] = {"Head", "Руководитель"},
    [M_PURPOSE] = {"Purpose", "Назначение"},
    [M_STEPS] = {"Steps in order", "Шаги по порядку"},
    [M_INPUTS] = {"Inputs", "Входы"},
    [M_OUTPUTS] = {"Outputs", "Выходы"},
    [M_DEADLINE] = {"Deadline", "Срок"},
    [M_CHECKPOINTS] = {"Control points", "Контрольные точки"},
    [M_SCRIPT] = {"Contact script", "Скрипт контакта"},
    [M_KPI] = {"KPIs and plan", "Показатели и план"},
    [M_PLAN] = {"Plan", "План"},
    [M_NO_PLAN] = {"no plan set", "план не задан"},
    [M_HANDOFFS_IN] = {"Receives work from", "Получает работу от"},
    [M_HANDOFFS_OUT] = {"Hands work over to", "Передаёт работу"},
    [M_FROM] = {"from", "от"},
    [M_TO] = {"to", "кому"},
    [M_NONE] = {"none", "нет"},
    [M_START] = {"process start", "начало процесса"},
    [M_END] = {"process end", "завершение процесса"},
    [M_AUTOMATIC] = {"automatic", "автоматически"},
    [M_WORKING] = {"working time", "рабочего времени"},
    [M_CALENDAR] = {"calendar time", "календарного времени"},
    [M_COMPUTED] = {"computed by the rule", "вычисляется правилом"},
    [M_ON_ENTER] = {"on start of the step", "при начале шага"},
    [M_ON_LEAVE] = {"on completion", "при завершении"},
    [M_ON_DUE] = {"when overdue", "при просрочке"},
    [M_SEVERITY] = {"severity", "важность"},
    [M_RULE] = {"rule", "правило"},
    [M_LEGEND] = {"R performs, A approves (accountable), C is consulted, I is informed.",
                  "R — исполняет, A — утверждает (отвечает), C — консультирует, I — информируется."},
    [M_CONSULTED_ON] = {"Consulted on", "Консультирует по шагам"},
    [M_INFORMED_ON] = {"Informed of", "Информируется о шагах"},
    [M_DONE] = {"done", "выполнено"},
    [M_ON_TIME] = {"on time, %", "в срок, %"},
    [M_CYCLE] = {"median cycle, h", "медиана цикла, ч"},
    [M_OPEN] = {"open", "открыто"},
    [M_OVERDUE] = {"overdue", "просрочено"},
    [M_NO_STEPS] = {"No steps in the deployed models.", "В развёрнутых моделях нет шагов."},
    [M_SIGN] = {"Approved by: ____________________   Date: ____________",
                "Утверждаю: ____________________   Дата: ____________"},
    [M_DIAGRAM] = {"Diagram", "Схема"},
    [M_DATA] = {"data", "данные"},
    [M_INFORM_SUBJECT] = {"Step completed: %s", "Шаг выполнен: %s"},
    [M_INFORM_BODY] = {"Step \"%s\" of process \"%s\" was completed for client %s.",
                       "Шаг «%s» процесса «%s» выполнен по клиенту %s."},
    [M_NO_KPI] = {"No figures yet.", "Данных пока нет."},
    [M_PERFORMS] = {"Performs (R)", "Исполняет (R)"},
    [M_HANDOFF_NOTE] = {"Your steps are highlighted; handoffs to and from other roles are marked ⇄.",
                        "Ваши шаги выделены; передачи работы другим ролям и от них отмечены ⇄."},
    [M_USER] = {"Employee", "Сотрудник"},
};

static int lang_ru(const char *lang) { return lang && strcmp(lang, "ru") == 0; }
static const char *T(const regdoc_ctx *c, msg m) { return catalogue[m][lang_ru(c->lang)]; }

static int check_lang(const regdoc_ctx *c, sdm_err *err) {
    if (!c->lang || strcmp(c->lang, "en") == 0 || strcmp(c->lang, "ru") == 0) return SDM_OK;
    return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "language '%s': documents are written in ru or en", c->lang);
}

/* ---------- the deployed models ---------- */

typedef struct rd_proc {
    char *id, *file;
    int version;
    int64_t deployed;
    xml_doc *doc;
    model *m;
    const model_proc *p;
} rd_proc;

typedef struct rd_set { rd_proc *v; int n; } rd_set;

static void set_free(rd_set *s) {
    for (int i = 0; i < s->n; i++) {
        model_free(s->v[i].m);
        xml_free(s->v[i].doc);
        free(s->v[i].id);
        free(s->v[i].file);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static int load_proc(store *st, const char *id, const char *file, const char *deployed, rd_proc *out,
                     sdm_err *err) {
    int64_t def;
    char *xml = NULL;
    size_t len = 0;
    int rc = store_latest_definition(st, id, &def, &out->version, &xml, &len, err);
    out->id = xstrdup(id);
    out->file = xstrdup(file ? file : id);
    out->deployed = deployed ? strtoll(deployed, NULL, 10) : 0;
    if (!rc) rc = xml_parse(out->file, xml, len, (size_t)-1, &out->doc, err);
    free(xml);
    if (!rc) {
        out->m = model_compile(out->doc, out->file);
        out->p = model_proc_find(out->m, id);
        if (!out->p) rc = SDM_CORRUPT_BKPT(err, "a deployed process is missing from its resource");
    }
    return rc;
}

/* The latest versions of `want` (n 0: every deployed process). */
static int load_set(const regdoc_ctx *c, const char *const *want, int n, rd_set *set, sdm_err *err) {
    sdm_table *t = NULL;
    sdm_filter f = {.limit = 100000};
    memset(set, 0, sizeof *set);
    int rc = store_query(c->st, SDM_Q_PROCESSES, &f, &t, err);
    int count = n ? n : rc ? 0 : t->nrow;
    set->v = xcalloc((size_t)count + 1, sizeof *set->v);
    for (int i = 0; !rc && i < count; i++) {
        int row = n ? -1 : i;
        for (int r = 0; n && r < t->nrow; r++) if (strcmp(table_cell(t, r, "process"), want[i]) == 0) row = r;
        if (row < 0) { rc = err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no deployed process '%s'", want[i]); break; }
        rc = load_proc(c->st, table_cell(t, row, "process"), table_cell(t, row, "file"),
                       table_cell(t, row, "deployed_at"), &set->v[set->n++], err);
    }
    sdm_table_free(t);
    if (rc) set_free(set);
    return rc;
}

/* ---------- steps, roles and letters ---------- */

static int is_activity(const model_node *n) {
    const char *t = n->tag;
    size_t k = strlen(t);
    return (k >= 4 && (strcmp(t + k - 4, "Task") == 0 || strcmp(t, "task") == 0)) ||
           strcmp(t, "callActivity") == 0 || strcmp(t, "subProcess") == 0 || strcmp(t, "transaction") == 0;
}

/* A step a person performs. */
static int is_human(const model_node *n) {
    return n->kind == EL_TASK_USER || n->kind == EL_TASK_MANUAL || n->kind == EL_TASK;
}

static const char *name_of(const model_node *n) { return n->name ? n->name : n->id; }
static const char *proc_name(const rd_proc *r) { return r->p->name ? r->p->name : r->id; }

typedef struct raci { char *role; int mask; } raci;
typedef struct raci_set { raci *v; int n, cap; } raci_set;
enum { L_R = 1, L_A = 2, L_C = 4, L_I = 8 };

static void raci_add(raci_set *s, const char *role, size_t len, int bit) {
    if (!len) return;
    for (int i = 0; i < s->n; i++)
        if (strlen(s->v[i].role) == len && strncmp(s->v[i].role, role, len) == 0) { s->v[i].mask |= bit; return; }
    if (s->n == s->cap) s->v = xrealloc(s->v, sizeof *s->v * (size_t)(s->cap = s->cap ? 2 * s->cap : 8));
    s->v[s->n++] = (raci){strndup(role, len), bit};
}

/* A role list as written in sdm: attributes: separated by commas or blanks. */
static void raci_list(raci_set *s, const char *list, int bit) {
    for (const char *p = list; p && *p;) {
        while (*p == ',' || isspace((unsigned char)*p)) p++;
        const char *e = p;
        while (*e && *e != ',' && !isspace((unsigned char)*e)) e++;
        raci_add(s, p, (size_t)(e - p), bit);
        p = e;
    }
}

static void raci_free(raci_set *s) {
    for (int i = 0; i < s->n; i++) free(s->v[i].role);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int raci_mask(const raci_set *s, const char *role) {
    for (int i = 0; i < s->n; i++) if (strcmp(s->v[i].role, role) == 0) return s->v[i].mask;
    return 0;
}

/* Every value of a one-column query added to s with `bit`. */
static int sql_roles(store *st, raci_set *s, int bit, sdm_err *err, const char *sql, const char *arg) {
    sdm_table *t = NULL;
    int rc = store_sql_table(st, &t, "s", err, sql, "t", arg);
    for (int r = 0; !rc && r < t->nrow; r++) if (t->cells[r]) raci_add(s, t->cells[r], strlen(t->cells[r]), bit);
    sdm_table_free(t);
    return rc;
}

static const char sql_head_roles[] =
    "SELECT DISTINCT hr.role FROM user_roles ur JOIN users u ON u.name = ur.user"
    " JOIN user_roles hr ON hr.user = u.head WHERE ur.role = ?1 AND u.active AND hr.role <> ?1 ORDER BY 1";
static const char sql_user_roles[] = "SELECT role FROM user_roles WHERE user = ?1 ORDER BY role";

/* The roles that perform step n. */
static int performers(store *st, const model_node *n, raci_set *s, sdm_err *err) {
    if (n->role) { raci_add(s, n->role, strlen(n->role), L_R); return SDM_OK; }
    return n->assignee ? sql_roles(st, s, L_R, err, sql_user_roles, n->assignee) : SDM_OK;
}

/* role:NAME targets of the node's inline checkpoint rules, and whether a
** rule notifies "head". */
static void notify_targets(const model_node *n, raci_set *s, int *head) {
    for (int k = 0; k < n->ncp; k++) {
        const char *code = n->cps[k].code;
        for (const char *p = code; p && (p = strstr(p, "role:")); ) {
            p += 5;
            const char *e = p;
            while (*e && (isalnum((unsigned char)*e) || *e == '_' || *e == '-' || *e == '.')) e++;
            raci_add(s, p, (size_t)(e - p), L_I);
        }
        if (code && (strstr(code, "\"head\"") || strstr(code, "'head'"))) *head = 1;
    }
}

/* Letters of step n for every role concerned (see the top of the file). */
static int step_raci(store *st, const model_node *n, raci_set *s, sdm_err *err) {
    raci_set r = {0};
    int head = n->ncp > 0, rc = performers(st, n, &r, err);
    for (int i = 0; i < r.n; i++) raci_add(s, r.v[i].role, strlen(r.v[i].role), L_R);
    if (n->accountable) raci_list(s, n->accountable, L_A);
    raci_list(s, n->consulted, L_C);
    raci_list(s, n->informed, L_I);
    notify_targets(n, s, &head);
    for (int i = 0; !rc && i < r.n; i++) {
        if (!n->accountable) rc = sql_roles(st, s, L_A, err, sql_head_roles, r.v[i].role);
        if (!rc && head) rc = sql_roles(st, s, L_I, err, sql_head_roles, r.v[i].role);
    }
    raci_free(&r);
    return rc;
}

static void letters(int mask, char *buf) {
    static const char l[] = "RACI";
    char *p = buf;
    for (int k = 0; k < 4; k++)
        if (mask & (1 << k)) { if (p > buf) *p++ = '/'; *p++ = l[k]; }
    *p = 0;
}

/* Activities in the order a client meets them: breadth first from the
** start events along flows and into subprocesses; unreachable ones last. */
static int *step_order(const model_proc *p, int *n) {
    int *q = xmalloc(sizeof(int) * (size_t)(p->nnode + 1)), head = 0, tail = 0;
    char *seen = xcalloc((size_t)p->nnode + 1, 1);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < p->nnode; i++) {
            const model_node *x = &p->nodes[i];
            int entry = x->nin == 0 && x->attached < 0 && (pass || x->parent < 0);
            if (seen[i] || !entry) continue;
            seen[i] = 1;
            q[tail++] = i;
            while (head < tail) {
                const model_node *m = &p->nodes[q[head++]];
                for (int k = 0; k < m->nout + m->nbnd; k++) {
                    int d = k < m->nout ? p->flows[m->out[k]].dst : m->bnd[k - m->nout];
                    if (!seen[d]) { seen[d] = 1; q[tail++] = d; }
                }
                for (int c = 0; m->kind == EL_SUBPROCESS && c < p->nnode; c++)
                    if (p->nodes[c].parent == q[head - 1] && p->nodes[c].nin == 0 && !seen[c]) { seen[c] = 1; q[tail++] = c; }
            }
        }
    for (int i = 0; i < p->nnode; i++) if (!seen[i]) q[tail++] = i;     /* inside a cycle nothing enters */
    int k = 0;
    for (int i = 0; i < tail; i++) if (is_activity(&p->nodes[q[i]])) q[k++] = q[i];
    free(seen);
    *n = k;
    return q;
}

/* The activities (or -1: the process start, -2: its end) next to node i,
** through gateways and events: dir 0 before it, 1 after it. */
static void adjacent(const model_proc *p, int i, int dir, char *seen, int *out, int *n) {
    const model_node *x = &p->nodes[i];
    int count = dir ? x->nout : x->nin;
    if (!dir && x->attached >= 0) { out[(*n)++] = x->attached; return; }
    if (count == 0) {
        if (!is_activity(x) && *n < p->nnode + 2) {
            int v = dir ? -2 : -1, k;
            for (k = 0; k < *n && out[k] != v; k++) {}
            if (k == *n) out[(*n)++] = v;
        }
        return;
    }
    for (int k = 0; k < count; k++) {
        const model_flow *f = &p->flows[dir ? x->out[k] : x->in[k]];
        int d = dir ? f->dst : f->src;
        if (seen[d]) continue;
        seen[d] = 1;
        if (is_activity(&p->nodes[d])) out[(*n)++] = d;
        else adjacent(p, d, dir, seen, out, n);
    }
}

static int *neighbours(const model_proc *p, int i, int dir, int *n) {
    int *out = xmalloc(sizeof(int) * (size_t)(p->nnode + 3));
    char *seen = xcalloc((size_t)p->nnode + 1, 1);
    seen[i] = 1;
    *n = 0;
    const model_node *x = &p->nodes[i];
    if (dir == 0 || !(x->nout + x->nbnd)) adjacent(p, i, dir, seen, out, n);
    else for (int k = 0; k < x->nout + x->nbnd; k++) {       /* leaving an activity: its flows and boundary events */
        int d = k < x->nout ? p->flows[x->out[k]].dst : x->bnd[k - x->nout];
        if (seen[d]) continue;
        seen[d] = 1;
        if (is_activity(&p->nodes[d])) out[(*n)++] = d;
        else adjacent(p, d, 1, seen, out, n);
    }
    free(seen);
    return out;
}

/* ---------- HTML ---------- */

static const char page_css[] =
    "@page{size:A4 landscape;margin:12mm}"
    "body{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;color:#111827;margin:24px;font-size:12.5px;"
    "line-height:1.45}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;border-bottom:2px solid #1f2937;padding-bottom:3px;"
    "margin:26px 0 8px}h3{font-size:14px;margin:16px 0 4px}"
    ".meta{color:#4b5563;margin:2px 0}.reflects{font-size:11.5px;color:#374151;background:#f3f4f6;"
    "padding:6px 10px;margin:10px 0}"
    "table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #d1d5db;padding:3px 6px;"
    "text-align:left;vertical-align:top}th{background:#f3f4f6;font-weight:600}"
    "td.l{text-align:center;font-weight:700;width:3.2em}td.R{background:#fde68a}td.A{background:#fecaca}"
    "td.C{background:#bfdbfe}td.I{background:#e5e7eb}"
    ".script{white-space:pre-wrap;background:#f9fafb;border-left:3px solid #b45309;padding:6px 10px;margin:4px 0}"
    "svg.bpmn{display:block;max-width:100%;height:auto;border:1px solid #e5e7eb;margin:6px 0}"
    ".process{break-before:page}.process.first{break-before:auto}.step{break-inside:avoid;"
    "border-top:1px solid #e5e7eb;padding-top:4px}"
    "li.handoff{color:#92400e;font-weight:600}li.handoff::after{content:' \\21c4'}"
    ".hint{color:#6b7280;font-size:11.5px}.sign{margin-top:36px}code{font-size:11px}"
    "@media print{body{margin:0}h2{break-after:avoid}h3{break-after:avoid}}";

static void page_open(sbuf *b, const regdoc_ctx *c, const char *title, const char *subtitle) {
    sbuf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>", lang_ru(c->lang) ? "ru" : "en");
    sbuf_xml(b, title, 0);
    if (subtitle) { sbuf_puts(b, ": "); sbuf_xml(b, subtitle, 0); }
    sbuf_printf(b, "</title>\n<style>%s</style></head><body>\n<h1>", page_css);
    sbuf_xml(b, title, 0);
    if (subtitle) { sbuf_puts(b, ": "); sbuf_xml(b, subtitle, 0); }
    sbuf_puts(b, "</h1>\n");
}

static void date_of(const regdoc_ctx *c, int64_t ms, char *buf, size_t n, int with_time) {
    char iso[64];
    if (clk_format(ms, c->tz, iso, sizeof iso) < 16) { snprintf(buf, n, "-"); return; }
    if (with_time) snprintf(buf, n, "%.10s %.5s", iso, iso + 11);
    else snprintf(buf, n, "%.10s", iso);
}

/* "Reflects the deployed models: sales version 3 (deployed 2026-11-20); ..." */
static void reflects(sbuf *b, const regdoc_ctx *c, const rd_set *s) {
    char when[40];
    sbuf_printf(b, "<p class=\"reflects\" data-reflects>%s: ", T(c, M_REFLECTS));
    for (int i = 0; i < s->n; i++) {
        date_of(c, s->v[i].deployed, when, sizeof when, 0);
        sbuf_printf(b, "%s<b>", i ? "; " : "");
        sbuf_xml(b, proc_name(&s->v[i]), 0);
        sbuf_printf(b, "</b> (<span class=\"pv\" data-process=\"");
        sbuf_xml(b, s->v[i].id, 0);
        sbuf_printf(b, "\" data-version=\"%d\">%s %d</span>, %s %s)", s->v[i].version, T(c, M_VERSION),
                    s->v[i].version, T(c, M_DEPLOYED), when);
    }
    if (!s->n) sbuf_puts(b, T(c, M_NONE));
    date_of(c, c->now, when, sizeof when, 1);
    sbuf_printf(b, ". %s %s.</p>\n", T(c, M_GENERATED), when);
}

static void page_close(sbuf *b) { sbuf_puts(b, "</body></html>\n"); }

static void cell(sbuf *b, const char *tag, const char *text) {
    sbuf_printf(b, "<%s>", tag);
    sbuf_xml(b, text, 0);
    sbuf_printf(b, "</%s>", tag);
}

/* ---------- durations and rules in words ---------- */

static const char *plural(const regdoc_ctx *c, long n, const char *en1, const char *enN, const char *ru1,
                          const char *ru2, const char *ru5) {
    if (!lang_ru(c->lang)) return n == 1 ? en1 : enN;
    long d = n % 10, h = n % 100;
    return d == 1 && h != 11 ? ru1 : d >= 2 && d <= 4 && (h < 12 || h > 14) ? ru2 : ru5;
}

static void duration_words(sbuf *b, const regdoc_ctx *c, const char *iso) {
    clk_duration d;
    char why[128];
    if (clk_parse_duration(iso, &d, why, sizeof why)) { sbuf_xml(b, iso, 0); return; }
    struct { long n; const char *w[5]; } parts[] = {
        {d.years, {"year", "years", "год", "года", "лет"}}, {d.months, {"month", "months", "месяц", "месяца", "месяцев"}},
        {d.weeks, {"week", "weeks", "неделя", "недели", "недель"}}, {d.days, {"day", "days", "день", "дня", "дней"}},
        {d.hours, {"hour", "hours", "час", "часа", "часов"}}, {d.minutes, {"minute", "minutes", "минута", "минуты", "минут"}},
    };
    int any = 0;
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        if (!parts[i].n) continue;
        sbuf_printf(b, "%s%ld %s", any++ ? " " : "", parts[i].n,
                    plural(c, parts[i].n, parts[i].w[0], parts[i].w[1], parts[i].w[2], parts[i].w[3], parts[i].w[4]));
    }
    if (!any) sbuf_xml(b, iso, 0);
}

static void deadline(sbuf *b, const regdoc_ctx *c, const model_node *n) {
    if (n->due_working) { duration_words(b, c, n->due_working); sbuf_printf(b, " (%s)", T(c, M_WORKING)); }
    else if (n->due) { duration_words(b, c, n->due); sbuf_printf(b, " (%s)", T(c, M_CALENDAR)); }
    else if (n->due_expr) { sbuf_printf(b, "%s: <code>", T(c, M_COMPUTED)); sbuf_xml(b, n->due_expr, 0); sbuf_puts(b, "</code>"); }
    else sbuf_puts(b, "—");
}

static void checkpoints(sbuf *b, const regdoc_ctx *c, const model_node *n) {
    if (!n->ncp) { sbuf_puts(b, "—"); return; }
    sbuf_puts(b, "<ul>");
    for (int k = 0; k < n->ncp; k++) {
        const model_checkpoint *cp = &n->cps[k];
        sbuf_puts(b, "<li class=\"cp\"><b>");
        sbuf_xml(b, cp->id ? cp->id : "", 0);
        sbuf_puts(b, "</b>: ");
        int first = 1;
        if (cp->on & CP_ENTER) { sbuf_puts(b, T(c, M_ON_ENTER)); first = 0; }
        if (cp->on & CP_LEAVE) { sbuf_printf(b, "%s%s", first ? "" : ", ", T(c, M_ON_LEAVE)); first = 0; }
        if (cp->on & CP_DUE) sbuf_printf(b, "%s%s", first ? "" : ", ", T(c, M_ON_DUE));
        sbuf_printf(b, "; %s %s; %s: <code>", T(c, M_SEVERITY), cp->severity ? cp->severity : "warning", T(c, M_RULE));
        sbuf_xml(b, cp->code ? cp->code : cp->file ? cp->file : "", 0);
        sbuf_puts(b, "</code></li>");
    }
    sbuf_puts(b, "</ul>");
}

static void contact_script(sbuf *b, const regdoc_ctx *c, const model_node *n, int label) {
    if (!n->doc || !*n->doc) return;
    if (label) sbuf_printf(b, "<div><b>%s</b></div>", T(c, M_SCRIPT));
    sbuf_puts(b, "<div class=\"script\">");
    sbuf_xml(b, n->doc, 0);
    sbuf_puts(b, "</div>\n");
}

/* "Step name (role)" for a neighbour; -1 the start, -2 the end. */
static void step_ref(sbuf *b, const regdoc_ctx *c, const model_proc *p, int k) {
    if (k < 0) { sbuf_puts(b, T(c, k == -1 ? M_START : M_END)); return; }
    sbuf_xml(b, name_of(&p->nodes[k]), 0);
    const char *role = p->nodes[k].role;
    if (!is_human(&p->nodes[k])) sbuf_printf(b, " <i>(%s)</i>", T(c, M_AUTOMATIC));
    else if (role) { sbuf_puts(b, " <i>("); sbuf_xml(b, role, 0); sbuf_puts(b, ")</i>"); }
}

/* The flows leading out of (dir 1) or into (dir 0) step i, with the
** neighbouring steps and, for a gateway's conditional flow, its name. */
static void io_list(sbuf *b, const regdoc_ctx *c, const model_proc *p, int i, int dir, int handoffs_only) {
    int n, shown = 0;
    int *nb = neighbours(p, i, dir, &n);
    const char *mine = p->nodes[i].role;
    sbuf_puts(b, "<ul>");
    for (int k = 0; k < n; k++) {
        const char *other = nb[k] >= 0 ? p->nodes[nb[k]].role : NULL;
        int crossing = nb[k] >= 0 && other && mine && strcmp(other, mine) != 0;
        if (handoffs_only && !crossing) continue;
        sbuf_printf(b, "<li%s>", crossing ? " class=\"handoff\"" : "");
        step_ref(b, c, p, nb[k]);
        sbuf_puts(b, "</li>");
        shown++;
    }
    free(nb);
    if (!shown) sbuf_printf(b, "<li>%s</li>", T(c, M_NONE));
    sbuf_puts(b, "</ul>");
}

/* Data objects the activity reads (dir 0) or writes (dir 1), from the XML. */
static const xml_node *find_id(const xml_node *x, const char *id) {
    for (; x; x = x->next) {
        const char *v = xml_attr_get(x, NULL, "id");
        if (v && strcmp(v, id) == 0) return x;
        const xml_node *hit = find_id(x->child, id);
        if (hit) return hit;
    }
    return NULL;
}

static void data_io(sbuf *b, const regdoc_ctx *c, const rd_proc *r, const model_node *n, int dir) {
    const xml_node *x = find_id(r->doc->root, n->id);
    const char *assoc = dir ? "dataOutputAssociation" : "dataInputAssociation", *end = dir ? "targetRef" : "sourceRef";
    for (const xml_node *a = x ? x->child : NULL; a; a = a->next) {
        if (!xml_is(a, BPMN_NS, assoc)) continue;
        for (const xml_node *e = a->child; e; e = e->next) {
            if (!xml_is(e, BPMN_NS, end)) continue;
            const xml_node *d = find_id(r->doc->root, e->text);
            const char *name = d ? xml_attr_get(d, NULL, "name") : NULL;
            sbuf_printf(b, "<div class=\"data\">%s: ", T(c, M_DATA));
            sbuf_xml(b, name ? name : e->text, 0);
            sbuf_puts(b, "</div>");
        }
    }
}

static int diagram(sbuf *b, const rd_proc *r, const char *const *hl, int nhl, sdm_err *err) {
    diagram_opts o = {.hl = hl, .nhl = nhl, .crop = nhl > 0, .title = proc_name(r)};
    int rc = diagram_svg(r->doc, r->id, &o, b, err);
    return rc == SDM_ERR_NOTFOUND ? SDM_OK : rc;      /* a model drawn without DI has no picture */
}

/* ---------- the role matrix ---------- */

typedef struct mrow { const rd_proc *r; const model_node *n; raci_set letters; } mrow;
typedef struct matrix { rd_set set; mrow *rows; int nrow; raci_set roles; } matrix;

static void matrix_free(matrix *m) {
    for (int i = 0; i < m->nrow; i++) raci_free(&m->rows[i].letters);
    free(m->rows);
    raci_free(&m->roles);
    set_free(&m->set);
}

static int matrix_build(const regdoc_ctx *c, const char *const *processes, int n, matrix *m, sdm_err *err) {
    memset(m, 0, sizeof *m);
    int rc = load_set(c, processes, n, &m->set, err);
    for (int i = 0; !rc && i < m->set.n; i++) {
        const rd_proc *r = &m->set.v[i];
        int nord;
        int *ord = step_order(r->p, &nord);
        m->rows = xrealloc(m->rows, sizeof *m->rows * (size_t)(m->nrow + nord + 1));
        for (int k = 0; !rc && k < nord; k++) {
            const model_node *x = &r->p->nodes[ord[k]];
            if (!is_human(x)) continue;
            mrow *row = &m->rows[m->nrow++];
            *row = (mrow){r, x, {0}};
            rc = step_raci(c->st, x, &row->letters, err);
            for (int j = 0; j < row->letters.n; j++) raci_add(&m->roles, row->letters.v[j].role, strlen(row->letters.v[j].role), 0);
        }
        free(ord);
    }
    if (rc) matrix_free(m);
    return rc;
}

int regdoc_matrix(const regdoc_ctx *c, const char *const *processes, int n, sdm_table **out, sdm_err *err) {
    matrix m;
    *out = NULL;
    int rc = check_lang(c, err);
    if (!rc) rc = matrix_build(c, processes, n, &m, err);
    if (rc) return rc;
    const char **cols = xcalloc((size_t)m.roles.n + 5, sizeof *cols);
    char *types = xcalloc((size_t)m.roles.n + 5, 1);
    const char *fixed[] = {"process", "version", "step", "name"};
    for (int k = 0; k < 4; k++) { cols[k] = fixed[k]; types[k] = k == 1 ? 'i' : 's'; }
    for (int k = 0; k < m.roles.n; k++) { cols[4 + k] = m.roles.v[k].role; types[4 + k] = 's'; }
    sdm_table *t = table_new(cols, types);
    for (int i = 0; i < m.nrow; i++) {
        char **row = table_add_row(t);
        row[0] = xstrdup(m.rows[i].r->id);
        row[1] = xasprintf("%d", m.rows[i].r->version);
        row[2] = xstrdup(m.rows[i].n->id);
        row[3] = xstrdup(name_of(m.rows[i].n));
        for (int k = 0; k < m.roles.n; k++) {
            char l[8];
            letters(raci_mask(&m.rows[i].letters, m.roles.v[k].role), l);
            row[4 + k] = *l ? xstrdup(l) : NULL;
        }
    }
    free(cols); free(types);
    matrix_free(&m);
    *out = t;
    return SDM_OK;
}

int regdoc_matrix_html(const regdoc_ctx *c, const char *const *processes, int n, char **html, sdm_err *err) {
    matrix m;
    *html = NULL;
    int rc = check_lang(c, err);
    if (!rc) rc = matrix_build(c, processes, n, &m, err);
    if (rc) return rc;
    sbuf b = {0};
    page_open(&b, c, T(c, M_MATRIX), NULL);
    reflects(&b, c, &m.set);
    sbuf_printf(&b, "<p class=\"hint\">%s</p>\n<table class=\"matrix\"><thead><tr><th>%s</th><th>%s</th>",
                T(c, M_LEGEND), T(c, M_PROCESS), T(c, M_STEP));
    for (int k = 0; k < m.roles.n; k++) cell(&b, "th", m.roles.v[k].role);
    sbuf_puts(&b, "</tr></thead><tbody>\n");
    for (int i = 0; i < m.nrow; i++) {
        sbuf_printf(&b, "<tr data-process=\"");
        sbuf_xml(&b, m.rows[i].r->id, 0);
        sbuf_puts(&b, "\" data-step=\"");
        sbuf_xml(&b, m.rows[i].n->id, 0);
        sbuf_puts(&b, "\">");
        cell(&b, "td", proc_name(m.rows[i].r));
        cell(&b, "td", name_of(m.rows[i].n));
        for (int k = 0; k < m.roles.n; k++) {
            char l[8];
            letters(raci_mask(&m.rows[i].letters, m.roles.v[k].role), l);
            sbuf_printf(&b, "<td class=\"l %c\" data-role=\"", l[0] ? l[0] : '-');
            sbuf_xml(&b, m.roles.v[k].role, 0);
            sbuf_printf(&b, "\">%s</td>", l);
        }
        sbuf_puts(&b, "</tr>\n");
    }
    sbuf_puts(&b, "</tbody></table>\n");
    page_close(&b);
    matrix_free(&m);
    *html = sbuf_take(&b);
    return SDM_OK;
}

/* ---------- the individual instruction ---------- */

/* Who the instruction is for: a user (their roles) or one role. */
typedef struct person {
    const char *user, *role;
    char *full_name, *head;
    raci_set roles;
    sdm_table *users;          /* role: its active users */
} person;

static int person_load(const regdoc_ctx *c, const char *user, const char *role, person *who, sdm_err *err) {
    memset(who, 0, sizeof *who);
    who->user = user;
    who->role = role;
    if (!user) {
        raci_add(&who->roles, role, strlen(role), L_R);
        return store_sql_table(c->st, &who->users, "ss", err, "SELECT u.name, coalesce(u.full_name, u.name)"
                               " FROM users u JOIN user_roles r ON r.user = u.name WHERE r.role = ?1 AND u.active"
                               " ORDER BY u.name", "t", role);
    }
    sdm_table *t = NULL;
    int rc = store_sql_table(c->st, &t, "ss", err, "SELECT coalesce(u.full_name, u.name),"
                             " coalesce(h.full_name, h.name) FROM users u LEFT JOIN users h ON h.name = u.head"
                             " WHERE u.name = ?1", "t", user);
    if (!rc && t->nrow == 0) rc = err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no user '%s'", user);
    if (!rc) {
        who->full_name = xstrdup(t->cells[0]);
        who->head = t->cells[1] ? xstrdup(t->cells[1]) : NULL;
        rc = sql_roles(c->st, &who->roles, L_R, err, sql_user_roles, user);
    }
    sdm_table_free(t);
    return rc;
}

static void person_free(person *who) {
    free(who->full_name);
    free(who->head);
    raci_free(&who->roles);
    sdm_table_free(who->users);
}

/* Whether the person performs step n: a role of theirs, or their name as
** the fixed assignee. */
static int performs(const person *who, const model_node *n) {
    if (!is_human(n)) return 0;
    if (n->role) return raci_mask(&who->roles, n->role) != 0;
    return who->user && n->assignee && strcmp(n->assignee, who->user) == 0;
}

static void person_header(sbuf *b, const regdoc_ctx *c, const person *who) {
    if (who->user) {
        sbuf_printf(b, "<p class=\"meta\">%s: <b>", T(c, M_USER));
        sbuf_xml(b, who->full_name, 0);
        sbuf_puts(b, "</b> (");
        sbuf_xml(b, who->user, 0);
        sbuf_printf(b, ")</p>\n<p class=\"meta\">%s: ", T(c, M_ROLES));
        for (int i = 0; i < who->roles.n; i++) { if (i) sbuf_puts(b, ", "); sbuf_xml(b, who->roles.v[i].role, 0); }
        if (!who->roles.n) sbuf_puts(b, T(c, M_NONE));
        sbuf_puts(b, "</p>\n");
        if (who->head) { sbuf_printf(b, "<p class=\"meta\">%s: ", T(c, M_HEAD)); sbuf_xml(b, who->head, 0); sbuf_puts(b, "</p>\n"); }
        return;
    }
    sbuf_printf(b, "<p class=\"meta\">%s: <b>", T(c, M_ROLE));
    sbuf_xml(b, who->role, 0);
    sbuf_printf(b, "</b></p>\n<p class=\"meta\">%s: ", T(c, M_USERS));
    for (int r = 0; r < who->users->nrow; r++) {
        if (r) sbuf_puts(b, ", ");
        sbuf_xml(b, who->users->cells[r * 2 + 1], 0);
    }
    if (!who->users->nrow) sbuf_puts(b, T(c, M_NONE));
    sbuf_puts(b, "</p>\n");
}

/* One step of the person's, with everything they need to do it. */
static void step_section(sbuf *b, const regdoc_ctx *c, const rd_proc *r, int i) {
    const model_node *n = &r->p->nodes[i];
    sbuf_puts(b, "<section class=\"step\" data-step=\"");
    sbuf_xml(b, n->id, 0);
    sbuf_puts(b, "\"><h3>");
    sbuf_xml(b, name_of(n), 0);
    sbuf_printf(b, "</h3>\n<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr><tr><td>",
                T(c, M_HANDOFFS_IN), T(c, M_HANDOFFS_OUT), T(c, M_DEADLINE), T(c, M_CHECKPOINTS));
    io_list(b, c, r->p, i, 0, 0);
    sbuf_puts(b, "</td><td>");
    io_list(b, c, r->p, i, 1, 0);
    sbuf_puts(b, "</td><td>");
    deadline(b, c, n);
    sbuf_puts(b, "</td><td>");
    checkpoints(b, c, n);
    sbuf_puts(b, "</td></tr></table>\n");
    contact_script(b, c, n, 1);
    sbuf_puts(b, "</section>\n");
}

/* Steps of other roles on which the person is consulted or informed. */
static int ci_list(sbuf *b, const regdoc_ctx *c, const rd_proc *r, const person *who, int bit, sdm_err *err) {
    int nord, rc = SDM_OK, shown = 0;
    int *ord = step_order(r->p, &nord);
    for (int k = 0; !rc && k < nord; k++) {
        const model_node *n = &r->p->nodes[ord[k]];
        raci_set s = {0};
        if (is_human(n)) rc = step_raci(c->st, n, &s, err);
        int hit = 0;
        for (int j = 0; j < who->roles.n; j++) hit |= raci_mask(&s, who->roles.v[j].role) & bit;
        raci_free(&s);
        if (!hit) continue;
        if (!shown++) sbuf_printf(b, "<p><b>%s:</b> ", T(c, bit == L_C ? M_CONSULTED_ON : M_INFORMED_ON));
        else sbuf_puts(b, "; ");
        step_ref(b, c, r->p, ord[k]);
    }
    if (shown) sbuf_puts(b, "</p>\n");
    free(ord);
    return rc;
}

static int process_part(sbuf *b, const regdoc_ctx *c, const rd_proc *r, const person *who, int first, sdm_err *err) {
    int nord;
    int *ord = step_order(r->p, &nord);
    const char **hl = xcalloc((size_t)nord + 1, sizeof *hl);
    int nhl = 0;
    for (int k = 0; k < nord; k++) if (performs(who, &r->p->nodes[ord[k]])) hl[nhl++] = r->p->nodes[ord[k]].id;
    int rc = SDM_OK;
    if (nhl) {
        sbuf_printf(b, "<section class=\"process%s\" data-process=\"", first ? " first" : "");
        sbuf_xml(b, r->id, 0);
        sbuf_puts(b, "\"><h2>");
        sbuf_xml(b, proc_name(r), 0);
        sbuf_printf(b, " <span class=\"hint\">(%s %d)</span></h2>\n", T(c, M_VERSION), r->version);
        sbuf_printf(b, "<p class=\"hint\">%s</p>\n", T(c, M_HANDOFF_NOTE));
        rc = diagram(b, r, hl, nhl, err);
        for (int k = 0; !rc && k < nord; k++) if (performs(who, &r->p->nodes[ord[k]])) step_section(b, c, r, ord[k]);
    }
    if (!rc) rc = ci_list(b, c, r, who, L_C, err);
    if (!rc) rc = ci_list(b, c, r, who, L_I, err);
    if (nhl) sbuf_puts(b, "</section>\n");
    free(hl);
    free(ord);
    return rc;
}

/* KPIs of the user, or of each user of the role, from report.c. */
static int kpi_part(sbuf *b, const regdoc_ctx *c, const person *who, sdm_err *err) {
    sdm_table *t = NULL;
    int rc = report_kpi(c->st, NULL, 0, 0, 0, c->now, &t, err);
    if (rc) return rc;
    sbuf_printf(b, "<section class=\"kpi\"><h2>%s</h2>\n<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n", T(c, M_KPI), T(c, M_USER), T(c, M_ROLE),
                T(c, M_DONE), T(c, M_ON_TIME), T(c, M_CYCLE), T(c, M_OPEN), T(c, M_OVERDUE), T(c, M_PLAN));
    int shown = 0;
    for (int r = 0; r < t->nrow; r++) {
        const char *user = table_cell(t, r, "user"), *role = table_cell(t, r, "role");
        if (who->user ? strcmp(user, who->user) != 0 : strcmp(role, who->role) != 0) continue;
        static const char *const cols[] = {"user", "role", "done", "on_time_pct", "median_cycle_hours", "open", "overdue"};
        sbuf_puts(b, "<tr>");
        for (size_t k = 0; k < sizeof cols / sizeof *cols; k++) {
            const char *v = table_cell(t, r, cols[k]);
            cell(b, "td", v ? v : "—");
        }
        sbuf_printf(b, "<td>%s</td></tr>\n", T(c, M_NO_PLAN));
        shown++;
    }
    if (!shown) sbuf_printf(b, "<tr><td colspan=\"8\">%s %s: %s.</td></tr>\n", T(c, M_NO_KPI), T(c, M_PLAN), T(c, M_NO_PLAN));
    sbuf_puts(b, "</table></section>\n");
    sdm_table_free(t);
    return SDM_OK;
}

static int role_in_models(const rd_set *set, const char *role) {
    for (int i = 0; i < set->n; i++)
        for (int k = 0; k < set->v[i].p->nnode; k++)
            if (set->v[i].p->nodes[k].role && strcmp(set->v[i].p->nodes[k].role, role) == 0) return 1;
    return 0;
}

int regdoc_instruction_html(const regdoc_ctx *c, const char *user, const char *role, char **html, sdm_err *err) {
    *html = NULL;
    if ((!user || !*user) == (!role || !*role))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "an instruction is for one user or one role");
    person who;
    rd_set set = {0};
    int rc = check_lang(c, err);
    if (rc) return rc;
    rc = person_load(c, user, role, &who, err);
    if (!rc) rc = load_set(c, NULL, 0, &set, err);
    if (!rc && !user && !who.users->nrow && !role_in_models(&set, role))
        rc = err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no role '%s' in the organisation or the deployed models", role);
    sbuf b = {0};
    if (!rc) {
        page_open(&b, c, T(c, M_INSTRUCTION), user ? who.full_name : role);
        person_header(&b, c, &who);
        reflects(&b, c, &set);
        int any = 0;
        for (int i = 0; !rc && i < set.n; i++) {
            size_t before = b.len;
            rc = process_part(&b, c, &set.v[i], &who, !any, err);
            any |= b.len != before && strstr(b.s + before, "class=\"process") != NULL;
        }
        if (!rc && !any) sbuf_printf(&b, "<p>%s</p>\n", T(c, M_NO_STEPS));
        if (!rc) rc = kpi_part(&b, c, &who, err);
        page_close(&b);
    }
    person_free(&who);
    set_free(&set);
    if (rc) { free(b.s); return rc; }
    *html = sbuf_take(&b);
    return SDM_OK;
}

/* ---------- the regulation ---------- */

static int roles_part(sbuf *b, const regdoc_ctx *c, const rd_proc *r, const raci_set *roles, sdm_err *err) {
    int rc = SDM_OK;
    sbuf_printf(b, "<h2>2. %s</h2>\n<table><tr><th>%s</th><th>%s</th><th>%s</th></tr>\n", T(c, M_ROLES), T(c, M_ROLE),
                T(c, M_USERS), T(c, M_PERFORMS));
    for (int k = 0; !rc && k < roles->n; k++) {
        const char *role = roles->v[k].role;
        sdm_table *u = NULL;
        sbuf_puts(b, "<tr>");
        cell(b, "td", role);
        sbuf_puts(b, "<td>");
        rc = store_sql_table(c->st, &u, "s", err, "SELECT coalesce(u.full_name, u.name) FROM users u JOIN user_roles r"
                             " ON r.user = u.name WHERE r.role = ?1 AND u.active ORDER BY u.name", "t", role);
        for (int i = 0; !rc && i < u->nrow; i++) { if (i) sbuf_puts(b, ", "); sbuf_xml(b, u->cells[i], 0); }
        sdm_table_free(u);
        sbuf_puts(b, "</td><td>");
        int n = 0;
        for (int i = 0; i < r->p->nnode; i++) {
            const model_node *x = &r->p->nodes[i];
            if (!is_human(x) || !x->role || strcmp(x->role, role) != 0) continue;
            if (n++) sbuf_puts(b, ", ");
            sbuf_xml(b, name_of(x), 0);
        }
        sbuf_puts(b, "</td></tr>\n");
    }
    sbuf_puts(b, "</table>\n");
    return rc;
}

static void steps_part(sbuf *b, const regdoc_ctx *c, const rd_proc *r, const int *ord, int nord) {
    sbuf_printf(b, "<h2>4. %s</h2>\n<table class=\"steps\"><tr><th>#</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                "<th>%s</th><th>%s</th></tr>\n", T(c, M_STEPS), T(c, M_STEP), T(c, M_ROLE), T(c, M_INPUTS),
                T(c, M_OUTPUTS), T(c, M_DEADLINE), T(c, M_CHECKPOINTS));
    for (int k = 0; k < nord; k++) {
        const model_node *n = &r->p->nodes[ord[k]];
        sbuf_printf(b, "<tr class=\"step\" data-step=\"");
        sbuf_xml(b, n->id, 0);
        sbuf_printf(b, "\"><td>%d</td>", k + 1);
        cell(b, "td", name_of(n));
        sbuf_puts(b, "<td>");
        if (!is_human(n)) sbuf_printf(b, "<i>%s</i>", T(c, M_AUTOMATIC));
        else sbuf_xml(b, n->role ? n->role : n->assignee ? n->assignee : "—", 0);
        sbuf_puts(b, "</td><td>");
        io_list(b, c, r->p, ord[k], 0, 0);
        data_io(b, c, r, n, 0);
        sbuf_puts(b, "</td><td>");
        io_list(b, c, r->p, ord[k], 1, 0);
        data_io(b, c, r, n, 1);
        sbuf_puts(b, "</td><td>");
        deadline(b, c, n);
        sbuf_puts(b, "</td><td>");
        checkpoints(b, c, n);
        sbuf_puts(b, "</td></tr>\n");
    }
    sbuf_puts(b, "</table>\n");
}

int regdoc_regulation_html(const regdoc_ctx *c, const char *process, char **html, sdm_err *err) {
    *html = NULL;
    if (!process || !*process) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a regulation needs a process");
    rd_set set;
    int rc = check_lang(c, err);
    if (!rc) rc = load_set(c, &process, 1, &set, err);
    if (rc) return rc;
    const rd_proc *r = &set.v[0];
    int nord;
    int *ord = step_order(r->p, &nord);
    raci_set roles = {0};
    for (int k = 0; k < nord; k++) {
        const model_node *n = &r->p->nodes[ord[k]];
        if (is_human(n) && n->role) raci_add(&roles, n->role, strlen(n->role), L_R);
    }
    sbuf b = {0};
    page_open(&b, c, T(c, M_REGULATION), proc_name(r));
    reflects(&b, c, &set);
    const char *purpose = "";
    const xml_node *px = find_id(r->doc->root, r->id);
    for (const xml_node *x = px ? px->child : NULL; x; x = x->next)
        if (xml_is(x, BPMN_NS, "documentation")) purpose = x->text;
    sbuf_printf(&b, "<h2>1. %s</h2>\n<p class=\"purpose\">", T(c, M_PURPOSE));
    sbuf_xml(&b, *purpose ? purpose : "—", 0);
    sbuf_puts(&b, "</p>\n");
    rc = roles_part(&b, c, r, &roles, err);
    sbuf_printf(&b, "<h2>3. %s</h2>\n", T(c, M_DIAGRAM));
    if (!rc) rc = diagram(&b, r, NULL, 0, err);
    if (!rc) steps_part(&b, c, r, ord, nord);
    sbuf_printf(&b, "<h2>5. %s</h2>\n", T(c, M_SCRIPT));
    for (int k = 0; !rc && k < nord; k++) {
        const model_node *n = &r->p->nodes[ord[k]];
        if (!n->doc || !*n->doc) continue;
        sbuf_puts(&b, "<section class=\"step\"><h3>");
        sbuf_xml(&b, name_of(n), 0);
        sbuf_puts(&b, "</h3>");
        contact_script(&b, c, n, 0);
        sbuf_puts(&b, "</section>\n");
    }
    sbuf_printf(&b, "<p class=\"sign\">%s</p>\n", T(c, M_SIGN));
    page_close(&b);
    raci_free(&roles);
    free(ord);
    set_free(&set);
    if (rc) { free(b.s); return rc; }
    *html = sbuf_take(&b);
    return SDM_OK;
}

/* ---------- informed roles are told ---------- */

static int inform_user(rt_step *s, const char *user, const model_node *n, sdm_err *err) {
    regdoc_ctx c = {.lang = s->lang};
    char *subject = xasprintf(T(&c, M_INFORM_SUBJECT), name_of(n));
    char *body = xasprintf(T(&c, M_INFORM_BODY), name_of(n), s->proc->name ? s->proc->name : s->proc->id, s->client);
    int rc = store_outbox_add(s->st, CHANNEL_INBOX, user, subject, body, s->now, s->inst, 0, err);
    free(subject);
    free(body);
    return rc;
}

int regdoc_inform(rt_step *s, const model_node *n, sdm_err *err) {
    raci_set roles = {0};
    raci_list(&roles, n->informed, L_I);
    int rc = SDM_OK;
    for (int k = 0; !rc && k < roles.n; k++) {
        const char *role = roles.v[k].role;
        char *holder = NULL;
        rc = store_sql_text(s->st, &holder, err, "SELECT c.owner FROM clients c JOIN users u ON u.name = c.owner"
                            " AND u.active JOIN user_roles r ON r.user = u.name AND r.role = ?2 WHERE c.key = ?1",
                            "tt", s->client, role);
        if (rc == SDM_ERR_NOTFOUND)
            rc = store_sql_text(s->st, &holder, err, "SELECT t.assignee FROM task_log t JOIN users u ON u.name ="
                                " t.assignee AND u.active WHERE t.client = ?1 AND t.role = ?2 ORDER BY t.at DESC"
                                " LIMIT 1", "tt", s->client, role);
        if (!rc) rc = inform_user(s, holder, n, err);
        else if (rc == SDM_ERR_NOTFOUND) {
            sdm_table *all = NULL;
            rc = store_sql_table(s->st, &all, "s", err, "SELECT u.name FROM users u JOIN user_roles r ON r.user ="
                                 " u.name WHERE r.role = ?1 AND u.active ORDER BY u.name", "t", role);
            for (int i = 0; !rc && i < all->nrow; i++) rc = inform_user(s, all->cells[i], n, err);
            sdm_table_free(all);
        }
        free(holder);
    }
    raci_free(&roles);
    return rc;
}
