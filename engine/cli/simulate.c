/*
** simulate.c — `sdm simulate PROFILE`: a sales department at work, in
** simulated time, through the public API only.
**
** A process owner points it at their own models and a profile (JSON) to see
** where a procedure jams before rolling it out. Every random choice is a
** pure function of the seed and the object it concerns (client number,
** task id), so a run is reproducible.
**
** Profile:
**   { "days": 28, "seed": 42,                     the start is the clock (--now)
**     "arrivals": { "process": "lead-generation", "per_day": 12, "clients": 300,
**                   "prefix": "client",                          keys client-0001, ...
**                   "vars": { "source": { "web": 0.3, "cold": 0.7 } } },
**     "chain": { "lead-generation": "deal-discussion", ... },   next procedure on success
**     "work":  { "hours": [1, 30], "late_share": 0.15, "late_hours": 72 },
**     "tasks": { "Task_QualifyLead": { "prospect": { "true": 0.6, "false": 0.4 },
**                                      "_hours": [1, 8] }, ... } }
** A weighted choice's keys are JSON when they parse ("true", "5") and text
** otherwise. Work hours count from the task's creation ("_hours" for one
** task); managers complete tasks only in the business calendar's hours.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"

#define HOUR 3600000LL

typedef struct sim {
    cli *c;
    json_t *p;                   /* the profile */
    uint64_t seed;
    int64_t now;
    int started, completed, won, lost, chained, failures;
} sim;

/* splitmix64: a well-mixed 64-bit value from any key. */
static uint64_t mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* A uniform number in [0, 1) for (seed, what, id, salt). */
static double chance(sim *s, uint64_t what, int64_t id, uint64_t salt) {
    return (double)(mix(s->seed ^ mix(what ^ mix((uint64_t)id ^ mix(salt)))) >> 11) / 9007199254740992.0;
}

static json_t *pick(sim *s, json_t *weights, int64_t id, uint64_t salt) {
    double total = 0, r, acc = 0;
    const char *k; json_t *w;
    json_object_foreach(weights, k, w) total += json_number_value(w);
    r = chance(s, 2, id, salt) * total;
    json_object_foreach(weights, k, w) {
        acc += json_number_value(w);
        if (r < acc) {
            json_t *v = json_loads(k, JSON_DECODE_ANY, NULL);
            return v ? v : json_string(k);
        }
    }
    return json_null();
}

static uint64_t hash_str(const char *str) {
    uint64_t h = 1469598103934665603ULL;
    for (; *str; str++) h = (h ^ (unsigned char)*str) * 1099511628211ULL;
    return h;
}

/* Variables for one object from a { name: { value: weight } } spec. */
static char *choose_vars(sim *s, json_t *spec, int64_t id) {
    json_t *out = json_object();
    const char *name; json_t *weights;
    json_object_foreach(spec, name, weights)
        if (name[0] != '_') json_object_set_new(out, name, json_is_object(weights) ? pick(s, weights, id, hash_str(name))
                                                               : json_incref(weights));
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return text;
}

static const char *cell(const sdm_table *t, int r, const char *col) {
    for (int c = 0; c < t->ncol; c++) if (strcmp(t->cols[c], col) == 0) return t->cells[r * t->ncol + c];
    return NULL;
}

static void start_client(sim *s, const char *process, const char *client, const char *vars) {
    int64_t id;
    sdm_err err;
    if (sdm_start(s->c->h, process, client, vars, &id, &err) == SDM_OK) s->started++;
    else { s->failures++; fprintf(stderr, "simulate: start %s for %s: %s\n", process, client, err.msg); }
}

/* The instance ended successfully: the client moves to the next procedure,
** carrying what is known about them. */
static void chain(sim *s, int64_t instance) {
    sdm_filter f = {.id = instance};
    sdm_table *t = NULL;
    sdm_err err;
    if (sdm_query(s->c->h, SDM_Q_INSTANCE, &f, &t, &err) != SDM_OK) return;
    const char *state = cell(t, 0, "state"), *outcome = cell(t, 0, "outcome");
    char process[256], client[256];
    snprintf(process, sizeof process, "%s", cell(t, 0, "process"));
    snprintf(client, sizeof client, "%s", cell(t, 0, "client"));
    int ended = state && strcmp(state, "completed") == 0;
    int success = ended && outcome && strcmp(outcome, "success") == 0;
    if (ended) { if (success) s->won++; else s->lost++; }
    sdm_table_free(t);
    const char *next = json_string_value(json_object_get(json_object_get(s->p, "chain"), process));
    if (!success || !next) return;
    if (sdm_query(s->c->h, SDM_Q_VARIABLES, &f, &t, &err) != SDM_OK) return;
    json_t *vars = json_object();
    for (int r = 0; r < t->nrow; r++)
        json_object_set_new(vars, cell(t, r, "name"), json_loads(cell(t, r, "value"), JSON_DECODE_ANY, NULL));
    char *text = json_dumps(vars, JSON_COMPACT);
    start_client(s, next, client, text);
    s->chained++;
    free(text);
    json_decref(vars);
    sdm_table_free(t);
}

/* When a manager gets to a task: some hours after it appears, a share of
** tasks much later (the deviations a head should see). */
static int64_t done_at(sim *s, int64_t task, const char *node, int64_t created) {
    json_t *work = json_object_get(s->p, "work");
    json_t *hours = json_object_get(json_object_get(json_object_get(s->p, "tasks"), node), "_hours");
    if (!hours) hours = json_object_get(work, "hours");
    double lo = json_number_value(json_array_get(hours, 0)), hi = json_number_value(json_array_get(hours, 1));
    if (hi <= lo) { lo = 1; hi = 24; }
    double h = lo + (hi - lo) * chance(s, 3, task, 0);
    if (chance(s, 4, task, 0) < json_number_value(json_object_get(work, "late_share")))
        h += json_number_value(json_object_get(work, "late_hours"));
    return created + (int64_t)(h * HOUR);
}

static void work_tasks(sim *s) {
    if (!sdm_is_working_time(s->c->h, s->now)) return;     /* managers work office hours */
    sdm_filter f = {.state = "open", .limit = 1000000};
    sdm_table *t = NULL;
    sdm_err err;
    if (sdm_query(s->c->h, SDM_Q_TASKS, &f, &t, &err) != SDM_OK) return;
    json_t *tasks = json_object_get(s->p, "tasks");
    for (int r = 0; r < t->nrow; r++) {
        int64_t id = strtoll(cell(t, r, "id"), NULL, 10);
        int64_t created = strtoll(cell(t, r, "created_at"), NULL, 10);
        if (done_at(s, id, cell(t, r, "node"), created) > s->now) continue;
        const char *who = cell(t, r, "assignee");
        int64_t instance = strtoll(cell(t, r, "instance"), NULL, 10);
        char *vars = choose_vars(s, json_object_get(tasks, cell(t, r, "node")), id);
        sdm_set_actor(s->c->h, who ? who : "simulator");
        if (sdm_complete(s->c->h, id, vars, &err) == SDM_OK) { s->completed++; chain(s, instance); }
        else if (err.code != SDM_ERR_STATE) { s->failures++; fprintf(stderr, "simulate: task %lld: %s\n", (long long)id, err.msg); }
        free(vars);
    }
    sdm_table_free(t);
}

/* New clients arrive spread over the days: client n arrives at a time
** that depends only on n, whatever the step length. */
static void arrivals(sim *s, int64_t t0, int64_t until, int *next_client) {
    json_t *a = json_object_get(s->p, "arrivals");
    double per_day = json_number_value(json_object_get(a, "per_day"));
    int max = (int)json_integer_value(json_object_get(a, "clients"));
    const char *process = json_string_value(json_object_get(a, "process"));
    if (per_day <= 0 || !process) return;
    while (*next_client < max) {
        double offset = (*next_client + chance(s, 5, *next_client, 0)) * (24.0 * HOUR / per_day);
        if (t0 + (int64_t)offset >= until) break;
        char client[128];
        const char *prefix = json_string_value(json_object_get(a, "prefix"));
        snprintf(client, sizeof client, "%s-%04d", prefix ? prefix : "client", *next_client + 1);
        char *vars = choose_vars(s, json_object_get(a, "vars"), *next_client);
        sdm_set_actor(s->c->h, "web-form");
        start_client(s, process, client, vars);
        free(vars);
        (*next_client)++;
    }
}

int cmd_simulate(cli *c) {
    json_error_t je;
    sim s = {.c = c};
    s.p = json_load_file(c->argv[1], 0, &je);
    if (!s.p) {
        fprintf(stderr, "sdm: error (at %s:%d): %s\n", c->argv[1], je.line, je.text);
        return EXIT_USAGE;
    }
    int days = (int)json_integer_value(json_object_get(s.p, "days"));
    s.seed = (uint64_t)json_integer_value(json_object_get(s.p, "seed"));
    s.now = sdm_now(c->h);
    int64_t t0 = s.now, end = s.now + (int64_t)(days > 0 ? days : 28) * 24 * HOUR;
    int next_client = 0, fired;
    for (; s.now < end; s.now += HOUR) {
        sdm_set_now(c->h, s.now);
        arrivals(&s, t0, s.now + HOUR, &next_client);
        work_tasks(&s);
        if (sdm_tick(c->h, &fired, NULL, &c->err) != SDM_OK) { json_decref(s.p); return cli_fail(c, c->err.code); }
    }
    /* deals won: the KPIs' tier totals (a called lead or service ending
    ** with success is a step of the lifecycle, not a deal) */
    long deals = 0;
    double revenue = 0;
    sdm_table *k = NULL;
    if (sdm_report_kpi(c->h, t0, end, &k, &c->err) == SDM_OK)
        for (int r = 0; r < k->nrow; r++)
            if (strcmp(cell(k, r, "user"), "(all)") == 0) {
                deals += strtol(cell(k, r, "won"), NULL, 10);
                revenue += strtod(cell(k, r, "revenue"), NULL);
            }
    sdm_table_free(k);
    printf("simulated %d days: %d clients arrived, %d instances started (%d handed to the next procedure),\n"
           "%d tasks completed; instances ended: %d with success, %d without; deals won: %ld, worth %.2f%s\n",
           days, next_client, s.started, s.chained, s.completed, s.won, s.lost, deals, revenue,
           s.failures ? " (some steps failed: see above)" : "");
    json_decref(s.p);
    return EXIT_OK;
}
