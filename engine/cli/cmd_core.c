/*
** cmd_core.c — the core commands: deploying, instances, tasks, variables,
** incidents, time (tick, run, jobs), deviations, messages, export. Each is a
** thin client of one or two sdm.h calls; none holds engine logic.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <jansson.h>
#include "sdm.h"
#include "print.h"
#include "cli.h"

int cmd_init(cli *c) {
    if (c->json) printf("{\"database\": \"%s\"}\n", c->set[S_DATABASE]);
    else printf("database %s ready\n", c->set[S_DATABASE]);
    return EXIT_OK;
}

/* ---------- commands ---------- */

int cmd_deploy(cli *c) {
    int worst = SDM_OK;
    for (int i = 1; i < c->argc; i++) {
        sdm_table *t = NULL;
        int rc = sdm_deploy(c->h, c->argv[i], &t, &c->err);
        if (t && (c->json || t->nrow)) {
            if (c->json) print_json(stdout, t);
            else for (int r = 0; r < t->nrow; r++) {
                char **row = &t->cells[r * t->ncol];   /* kind process version file line element message */
                FILE *o = strcmp(row[0], "error") == 0 || strcmp(row[0], "warning") == 0 ? stderr : stdout;
                if (o == stdout)
                    fprintf(o, "%-9s %s%s%s  (%s)\n", row[0], row[1] ? row[1] : "", row[2] ? " v" : "",
                            row[2] ? row[2] : "", row[6] ? row[6] : row[3]);
                else
                    fprintf(o, "sdm: %s (at %s%s%s%s%s%s): %s\n", row[0], row[3] ? row[3] : "",
                            row[4] ? ":" : "", row[4] ? row[4] : "", row[5] ? ", element '" : "",
                            row[5] ? row[5] : "", row[5] ? "'" : "", row[6] ? row[6] : "");
            }
        }
        sdm_table_free(t);
        if (rc) {
            if (!t) cli_fail(c, rc);
            if (!worst) worst = rc;
        }
    }
    return cli_exit_code(worst);
}

int cmd_start(cli *c) {
    if (!c->client) return cli_usage_error("%s", "usage: sdm start PROCESS --client KEY [--var k=v]...");
    int64_t id;
    char *vars = cli_vars(c);
    sdm_table *card = NULL;
    int rc = SDM_OK;
    /* --force: register the new client first, duplicate or not */
    if (c->force && sdm_client_card(c->h, c->client, &card, &c->err) == SDM_ERR_NOTFOUND)
        rc = sdm_client_add(c->h, c->client, "{\"force\": true}", &c->err);
    sdm_table_free(card);
    if (!rc) rc = sdm_start(c->h, c->argv[1], c->client, vars, &id, &c->err);
    free(vars);
    if (rc) return cli_fail(c, rc);
    sdm_filter f = {.id = id};
    sdm_table *t = NULL;
    if (sdm_query(c->h, SDM_Q_TASKS, &f, &t, &c->err) != SDM_OK) return cli_fail(c, c->err.code);
    if (c->json) printf("{\"instance\": %lld, \"tasks\": ", (long long)id), print_json(stdout, t), printf("}\n");
    else {
        printf("started instance %lld of %s for client %s\n", (long long)id, c->argv[1], c->client);
        if (t->nrow) cli_show(c, t);
    }
    sdm_table_free(t);
    return EXIT_OK;
}

int cmd_complete(cli *c) {
    int64_t id;
    if (cli_arg_id(c, &id)) return EXIT_USAGE;
    char *vars = cli_vars(c);
    int rc = sdm_complete(c->h, id, vars, &c->err);
    free(vars);
    if (rc) return cli_fail(c, rc);
    if (c->json) printf("{\"completed\": %lld}\n", (long long)id);
    else printf("completed task %lld\n", (long long)id);
    return EXIT_OK;
}

int cmd_retry(cli *c) {
    int64_t id;
    if (cli_arg_id(c, &id)) return EXIT_USAGE;
    int rc = sdm_retry(c->h, id, &c->err);
    if (rc) return cli_fail(c, rc);
    if (c->json) printf("{\"retried\": %lld}\n", (long long)id);
    else printf("retried incident %lld\n", (long long)id);
    return EXIT_OK;
}

/* The generic worker behind every listing command. */
int cli_list(cli *c, sdm_query_kind q, const sdm_filter *f) {
    sdm_table *t = NULL;
    int rc = sdm_query(c->h, q, f, &t, &c->err);
    if (rc) return cli_fail(c, rc);
    cli_show(c, t);
    sdm_table_free(t);
    return EXIT_OK;
}

int cmd_processes(cli *c) { sdm_filter f = {.process = c->process}; return cli_list(c, SDM_Q_PROCESSES, &f); }
int cmd_instances(cli *c) {
    sdm_filter f = {.process = c->process, .client = c->client, .state = c->state};
    return cli_list(c, SDM_Q_INSTANCES, &f);
}
int cmd_tasks(cli *c) {
    if (c->when) return cmd_calendar(c);
    sdm_filter f = {.user = c->user, .client = c->client, .process = c->process, .state = c->state};
    return cli_list(c, SDM_Q_TASKS, &f);
}
int cmd_incidents(cli *c) { sdm_filter f = {.state = c->state}; return cli_list(c, SDM_Q_INCIDENTS, &f); }

int cmd_show(cli *c) {
    int64_t id;
    if (cli_arg_id(c, &id)) return EXIT_USAGE;
    static const struct { sdm_query_kind q; const char *title; } parts[] = {
        {SDM_Q_INSTANCE, "instance"}, {SDM_Q_TOKENS, "tokens"}, {SDM_Q_TASKS, "tasks"},
        {SDM_Q_VARIABLES, "variables"}, {SDM_Q_HISTORY, "history"},
    };
    sdm_filter f = {.id = id, .state = "all"};
    if (c->json) printf("{");
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        sdm_table *t = NULL;
        int rc = sdm_query(c->h, parts[i].q, &f, &t, &c->err);
        if (rc) { if (c->json) printf("}\n"); return cli_fail(c, rc); }
        if (c->json) { printf("%s\"%s\": ", i ? ", " : "", parts[i].title); print_json(stdout, t); }
        else if (parts[i].q == SDM_Q_INSTANCE) print_record(stdout, t);
        else { printf("\n%s:\n", parts[i].title); print_table(stdout, t); }
        sdm_table_free(t);
    }
    if (c->json) printf("}\n");
    return EXIT_OK;
}

int cmd_vars(cli *c) {
    int64_t id;
    if (cli_arg_id(c, &id)) return EXIT_USAGE;
    char *vars = cli_vars(c);
    if (vars) {
        int rc = sdm_set_vars(c->h, id, vars, &c->err);
        free(vars);
        if (rc) return cli_fail(c, rc);
    }
    sdm_filter f = {.id = id};
    return cli_list(c, SDM_Q_VARIABLES, &f);
}

int cmd_check(cli *c) {
    sdm_table *t = NULL;
    int rc = sdm_check(c->h, &t, &c->err);
    if (rc) return cli_fail(c, rc);
    if (c->json) print_json(stdout, t);
    else if (t->nrow == 0) printf("ok: the store holds every invariant\n");
    else print_table(stdout, t);
    int bad = t->nrow > 0;
    sdm_table_free(t);
    return bad ? EXIT_FAIL : EXIT_OK;
}

int cmd_tick(cli *c) {
    int fired;
    int64_t next;
    int rc = sdm_tick(c->h, &fired, &next, &c->err);
    if (rc) return cli_fail(c, rc);
    char when[64];
    if (c->json) {                       /* next_due in ms (0: nothing pending), next_due_at for people */
        if (next) sdm_format_time(c->h, next, 1, when, sizeof when);
        printf("{\"fired\": %d, \"next_due\": %lld, \"next_due_at\": %s%s%s}\n", fired, (long long)next,
               next ? "\"" : "", next ? when : "null", next ? "\"" : "");
    } else {
        if (next) sdm_format_time(c->h, next, 0, when, sizeof when);
        printf("fired %d; next due %s\n", fired, next ? when : "never (nothing pending)");
    }
    return EXIT_OK;
}

static volatile sig_atomic_t stopping;
static void on_signal(int sig) { (void)sig; stopping = 1; }

/* Installed before the database opens, so a worker asked to stop while it
** starts still stops cleanly. */
void cli_catch_stop_signals(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* The worker: tick, then sleep until the next due job (at most a minute,
** so jobs written by other processes are seen), until SIGTERM or SIGINT.
** What happens is logged by the engine through cli_log, one line each. */
int cmd_run(cli *c) {
    cli_log(c, SDM_LOG_INFO, "worker-started", c->set[S_DATABASE]);
    while (!stopping) {
        int fired;
        int64_t next;
        int rc = sdm_tick(c->h, &fired, &next, &c->err);
        if (rc) cli_log(c, SDM_LOG_ERROR, "tick-failed", c->err.msg);   /* report, keep serving */
        int64_t now = sdm_now(c->h), wait = 60000;
        if (!rc && next && next - now < wait) wait = next > now ? next - now : 0;
        if (rc) wait = 5000;
        struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
        while (!stopping && nanosleep(&ts, &ts) != 0) {}
    }
    cli_log(c, SDM_LOG_INFO, "worker-stopped", c->set[S_DATABASE]);
    return EXIT_OK;
}

int cmd_deviations(cli *c) {
    sdm_filter f = {.state = c->state, .user = c->user};
    return cli_list(c, SDM_Q_DEVIATIONS, &f);
}

/* sdm deviation ack|resolve ID */
int cmd_deviation(cli *c) {
    int64_t id;
    if (cli_arg_id(c, &id)) return EXIT_USAGE;
    const char *state = strcmp(c->argv[1], "ack") == 0 ? "acknowledged" : "resolved";   /* the table's two rows */
    int rc = sdm_deviation_note(c->h, id, state, OPTV(c, O_TEXT), &c->err);
    if (rc) return cli_fail(c, rc);
    printf("deviation %lld %s\n", (long long)id, state);
    return EXIT_OK;
}

int cmd_inbox(cli *c) {
    if (!c->user) return cli_usage_error("%s", "usage: sdm inbox --user U [--state unread]");
    sdm_filter f = {.user = c->user, .state = c->state};
    return cli_list(c, SDM_Q_INBOX, &f);
}
int cmd_outbox(cli *c) { sdm_filter f = {.state = c->state}; return cli_list(c, SDM_Q_OUTBOX, &f); }
int cmd_jobs(cli *c) { sdm_filter f = {0}; return cli_list(c, SDM_Q_JOBS, &f); }

/* sdm export PROCESS [--version N] [--overlay] [--out FILE] */
int cmd_export(cli *c) {
    char *xml = NULL;
    size_t len = 0;
    int rc = sdm_export(c->h, c->argv[1], c->version ? atoi(c->version) : 0, c->overlay, &xml, &len, &c->err);
    if (rc) return cli_fail(c, rc);
    FILE *f = c->out ? fopen(c->out, "wb") : stdout;
    if (!f) { free(xml); snprintf(c->err.msg, sizeof c->err.msg, "cannot write %s", c->out); return cli_fail(c, SDM_ERR_IO); }
    fwrite(xml, 1, len, f);
    if (c->out) { fclose(f); fprintf(stderr, "wrote %s\n", c->out); }
    free(xml);
    if (c->overlay && c->out) {            /* the legend: what the colours count */
        sdm_filter q = {.process = c->argv[1]};
        return cli_list(c, SDM_Q_NODE_STATS, &q);
    }
    return EXIT_OK;
}

/* sdm message NAME --client KEY [--var k=v]... [--all] | sdm signal NAME [--var k=v]... */
int cmd_message(cli *c) {
    int signal = strcmp(c->argv[0], "signal") == 0, delivered = 0;
    if (!signal && !c->client)
        return cli_usage_error("%s", "usage: sdm message NAME --client KEY [--var k=v]... [--all]");
    char *vars = cli_vars(c);
    int rc = signal ? sdm_signal(c->h, c->argv[1], vars, &delivered, &c->err)
                    : sdm_message(c->h, c->argv[1], c->client, vars, c->state && !strcmp(c->state, "all"),
                                  &delivered, &c->err);
    free(vars);
    if (rc) return cli_fail(c, rc);
    if (c->json) printf("{\"delivered\": %d}\n", delivered);
    else printf("%s '%s' delivered %d time%s\n", signal ? "signal" : "message", c->argv[1], delivered,
                delivered == 1 ? "" : "s");
    return EXIT_OK;
}

