/*
** main.c — the `sdm` command line: a thin client of the public API.
**
** Each subcommand parses its arguments, calls one sdm_* function and
** prints the result; none holds engine logic. Errors print as one line on
** stderr and map to the exit codes listed in usage().
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



static void usage(FILE *out) {
    fputs(
"usage: sdm [--db PATH] [--json] [--as USER] [--now TIME] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  deploy FILE...                         deploy BPMN files (new version when changed)\n"
"  processes                              deployed processes, latest versions\n"
"  start PROCESS --client KEY [--var k=v]...  start an instance for a client\n"
"  instances [--process P] [--client C] [--state S]\n"
"  show INSTANCE                          instance, tokens, variables, history\n"
"  tasks [--user U] [--client C] [--state open|completed|cancelled|all]\n"
"  complete TASK [--var k=v]...           complete a user task\n"
"  vars INSTANCE [--var k=v]...           show, or set, instance variables\n"
"  incidents [--state open|resolved|all]\n"
"  retry INCIDENT                         run the failed step again\n"
"  check                                  verify the store's invariants\n"
"  tick                                   fire due timers and checkpoints, deliver messages\n"
"  run                                    worker: tick whenever something is due (SIGTERM stops)\n"
"  jobs                                   pending timers and due-date checkpoints\n"
"  deviations [--open | --state open|acknowledged|resolved] [--user MANAGER]\n"
"  deviation ack|resolve ID               a head acknowledges or resolves a deviation\n"
"  inbox --user U [--state unread]        in-app messages\n"
"  outbox [--state pending|sent|failed]   notifications and their delivery\n"
"  export PROCESS [--version N] [--overlay] [--out F]  the deployed BPMN, coloured by what runs now\n"
"  message NAME --client KEY [--var k=v]... [--all]  correlate a message (or start by it)\n"
"  signal NAME [--var k=v]...             broadcast a signal to every waiting event\n"
"  simulate PROFILE.json                  simulate weeks of a sales department (--now sets the start)\n"
"  org load FILE                          load users, roles and heads from a plain file\n"
"  user add NAME --role R[,R] [--head HEAD] [--name \"Full Name\"] [--var email=E]\n"
"  user deactivate NAME [--to USER]       move the user's open tasks, clients and reports\n"
"  users [--role R] [--team HEAD]         the organisation\n"
"  client add|set KEY [--name N] [--user OWNER] [--var segment|region|product|value=V]\n"
"  client show KEY                        card, instances, open tasks and full history\n"
"  clients [--user OWNER]                 the client registry\n"
"  tasks --user U --today|--overdue|--upcoming|--all   the manager's calendar, by due time\n"
"  task show TASK                         contact script, client card and history, what comes next\n"
"  task claim TASK --user U | unclaim TASK | delegate TASK --to U\n"
"  task complete TASK [--user U] [--outcome O] [--var k=v]...\n"
"  monitor [--team HEAD]                  per user: open, due today, overdue, done today\n"
"  report funnel PROCESS [--by manager|product|region|segment] [--from T] [--to T] [--out F.svg|F.html]\n"
"  report kpi|handoffs [--from T] [--to T]   per user and role: on time, cycle, handoff time\n"
"  report deviations [--by manager|severity|rule|process|client]\n"
"  roles matrix [PROCESS...] [-o F.html|F.pdf]   steps x roles: R, A, C, I\n"
"  instruction --user U | --role R [-o F.html|F.pdf]  a person's or role's instruction\n"
"  regulation PROCESS [-o F.html|F.pdf]   the process as a document to sign off\n"
"\n"
"Options:\n"
"  --db PATH        database file (default $SDM_DB or ./sdm.db)\n"
"  --json           machine-readable output\n"
"  --as USER        who acts, recorded in history (default $USER)\n"
"  --now TIME       fixed clock, ISO 8601 (default $SDM_NOW or real time)\n"
"  --scripts DIR    Lua handlers and checkpoint rules (default ./scripts)\n"
"  --calendar FILE  business calendar (default Mon-Fri 09:00-18:00 UTC)\n"
"  --var k=v        a variable; v is JSON when it parses (42, true, \"x\", {...}), else text\n"
"  --vars JSON      variables as one JSON object\n"
"  --lang ru|en     language of documents and messages (default $SDM_LANG or en)\n"
"\n"
"Exit status: 0 ok, 1 failure, 2 usage, 3 invalid model, 4 not found,\n"
"5 wrong state (task already completed, client busy), 6 script error.\n", out);
}

int cli_exit_code(int status) {
    switch (status) {
    case SDM_OK: return EXIT_OK;
    case SDM_ERR_XML: case SDM_ERR_MODEL: case SDM_ERR_LIMIT: return EXIT_MODEL;
    case SDM_ERR_NOTFOUND: return EXIT_NOTFOUND;
    case SDM_ERR_STATE: return EXIT_STATE;
    case SDM_ERR_SCRIPT: return EXIT_SCRIPT;
    case SDM_ERR_MISUSE: return EXIT_USAGE;
    default: return EXIT_FAIL;
    }
}

/* "sdm: error (at deal.bpmn:88, element 'g7'): message" */
int cli_fail(cli *c, int status) {
    const sdm_err *e = &c->err;
    char where[512] = "";
    if (e->file[0] || e->element[0]) {
        size_t n = 0;
        n += (size_t)snprintf(where + n, sizeof where - n, " (at ");
        if (e->file[0]) n += (size_t)snprintf(where + n, sizeof where - n, e->line ? "%s:%d" : "%s", e->file, e->line);
        if (e->element[0]) snprintf(where + n, sizeof where - n, "%selement '%s'", e->file[0] ? ", " : "", e->element);
        strncat(where, ")", sizeof where - strlen(where) - 1);
    }
    fprintf(stderr, "sdm: error%s: %s\n", where, e->msg[0] ? e->msg : sdm_status_name(status));
    return cli_exit_code(status);
}

int cli_usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "sdm: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see sdm --help)\n");
    return EXIT_USAGE;
}

int64_t cli_id(const char *s, int *ok) {
    char *end;
    long long v = s ? strtoll(s, &end, 10) : 0;
    *ok = s && *s && !*end && v > 0;
    return v;
}

/* k=v: v is taken as JSON when it parses as JSON, else as text. */
static int add_var(cli *c, const char *kv) {
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) return cli_usage_error("--var wants name=value, not '%s'", kv);
    char *name = strndup(kv, (size_t)(eq - kv));
    json_t *v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
    if (!v) v = json_string(eq + 1);
    if (!v) { free(name); return cli_usage_error("--var value of '%s' is not valid UTF-8", kv); }
    json_object_set_new(c->vars, name, v);
    free(name);
    return EXIT_OK;
}

static int add_vars_json(cli *c, const char *text) {
    json_t *o = json_loads(text, 0, NULL);
    if (!json_is_object(o)) { json_decref(o); return cli_usage_error("--vars wants a JSON object, not '%s'", text); }
    json_object_update(c->vars, o);
    json_decref(o);
    return EXIT_OK;
}

/* Split argv into options (global and per-command) and positionals. */
static int parse_args(cli *c, int argc, char **argv) {
    static const struct { const char *name; size_t off; } opts[] = {
        {"--db", offsetof(cli, db_path)}, {"--scripts", offsetof(cli, scripts)},
        {"--calendar", offsetof(cli, calendar)}, {"--as", offsetof(cli, actor)},
        {"--now", offsetof(cli, now)}, {"--client", offsetof(cli, client)},
        {"--user", offsetof(cli, user)}, {"--process", offsetof(cli, process)},
        {"--state", offsetof(cli, state)}, {"--to", offsetof(cli, to)},
        {"--from", offsetof(cli, from)}, {"--by", offsetof(cli, by)},
        {"--role", offsetof(cli, role)}, {"--team", offsetof(cli, team)}, {"--head", offsetof(cli, head)},
        {"--name", offsetof(cli, name)}, {"--out", offsetof(cli, out)},
        {"--outcome", offsetof(cli, outcome)}, {"--version", offsetof(cli, version)},
        {"-o", offsetof(cli, out)}, {"--lang", offsetof(cli, lang)},
    };
    c->argv = calloc((size_t)argc + 1, sizeof *c->argv);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int done = 0;
        for (size_t k = 0; k < sizeof opts / sizeof *opts && !done; k++)
            if (strcmp(a, opts[k].name) == 0) {
                if (i + 1 >= argc) return cli_usage_error("%s needs a value", a);
                *(const char **)((char *)c + opts[k].off) = argv[++i];
                done = 1;
            }
        if (done) continue;
        int rc = EXIT_OK;
        if (strcmp(a, "--json") == 0) c->json = 1;
        else if (strcmp(a, "--all") == 0) c->state = "all";
        else if (strcmp(a, "--today") == 0) c->when = "today";
        else if (strcmp(a, "--overdue") == 0) c->when = "overdue";
        else if (strcmp(a, "--upcoming") == 0) c->when = "upcoming";
        else if (strcmp(a, "--csv") == 0) c->csv = 1;
        else if (strcmp(a, "--force") == 0) c->force = 1;
        else if (strcmp(a, "--overlay") == 0) c->overlay = 1;
        else if (strcmp(a, "--open") == 0) c->state = "open";
        else if (strcmp(a, "--var") == 0 && i + 1 < argc) rc = add_var(c, argv[++i]);
        else if (strcmp(a, "--vars") == 0 && i + 1 < argc) rc = add_vars_json(c, argv[++i]);
        else if (a[0] == '-' && a[1] == '-') return cli_usage_error("unknown option %s", a);
        else c->argv[c->argc++] = argv[i];
        if (rc) return rc;
    }
    return EXIT_OK;
}

char *cli_vars(cli *c) {
    return json_object_size(c->vars) ? json_dumps(c->vars, JSON_COMPACT) : NULL;
}

void cli_show(cli *c, const sdm_table *t) {
    if (c->json) print_json(stdout, t);
    else if (c->csv) print_csv(stdout, t);
    else print_table(stdout, t);
}

/* ---------- commands ---------- */

static int cmd_deploy(cli *c) {
    if (c->argc < 2) return cli_usage_error("%s", "deploy needs at least one FILE");
    int worst = SDM_OK;
    for (int i = 1; i < c->argc; i++) {
        sdm_table *t = NULL;
        int rc = sdm_deploy(c->db, c->argv[i], &t, &c->err);
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

static int cmd_start(cli *c) {
    if (c->argc != 2 || !c->client) return cli_usage_error("%s", "usage: sdm start PROCESS --client KEY [--var k=v]...");
    int64_t id;
    char *vars = cli_vars(c);
    int rc = sdm_start(c->db, c->argv[1], c->client, vars, &id, &c->err);
    free(vars);
    if (rc) return cli_fail(c, rc);
    sdm_filter f = {.id = id};
    sdm_table *t = NULL;
    if (sdm_query(c->db, SDM_Q_TASKS, &f, &t, &c->err) != SDM_OK) return cli_fail(c, c->err.code);
    if (c->json) printf("{\"instance\": %lld, \"tasks\": ", (long long)id), print_json(stdout, t), printf("}\n");
    else {
        printf("started instance %lld of %s for client %s\n", (long long)id, c->argv[1], c->client);
        if (t->nrow) cli_show(c, t);
    }
    sdm_table_free(t);
    return EXIT_OK;
}

static int cmd_complete(cli *c) {
    int ok;
    int64_t id = cli_id(c->argc == 2 ? c->argv[1] : NULL, &ok);
    if (!ok) return cli_usage_error("%s", "usage: sdm complete TASK [--var k=v]...");
    char *vars = cli_vars(c);
    int rc = sdm_complete(c->db, id, vars, &c->err);
    free(vars);
    if (rc) return cli_fail(c, rc);
    if (c->json) printf("{\"completed\": %lld}\n", (long long)id);
    else printf("completed task %lld\n", (long long)id);
    return EXIT_OK;
}

static int cmd_retry(cli *c) {
    int ok;
    int64_t id = cli_id(c->argc == 2 ? c->argv[1] : NULL, &ok);
    if (!ok) return cli_usage_error("%s", "usage: sdm retry INCIDENT");
    int rc = sdm_retry(c->db, id, &c->err);
    if (rc) return cli_fail(c, rc);
    if (c->json) printf("{\"retried\": %lld}\n", (long long)id);
    else printf("retried incident %lld\n", (long long)id);
    return EXIT_OK;
}

/* The generic worker behind every listing command. */
int cli_list(cli *c, sdm_query_kind q, const sdm_filter *f) {
    sdm_table *t = NULL;
    int rc = sdm_query(c->db, q, f, &t, &c->err);
    if (rc) return cli_fail(c, rc);
    cli_show(c, t);
    sdm_table_free(t);
    return EXIT_OK;
}

static int cmd_processes(cli *c) { sdm_filter f = {.process = c->process}; return cli_list(c, SDM_Q_PROCESSES, &f); }
static int cmd_instances(cli *c) {
    sdm_filter f = {.process = c->process, .client = c->client, .state = c->state};
    return cli_list(c, SDM_Q_INSTANCES, &f);
}
static int cmd_tasks(cli *c) {
    if (c->when) return cmd_calendar(c);
    sdm_filter f = {.user = c->user, .client = c->client, .process = c->process, .state = c->state};
    return cli_list(c, SDM_Q_TASKS, &f);
}
static int cmd_incidents(cli *c) { sdm_filter f = {.state = c->state}; return cli_list(c, SDM_Q_INCIDENTS, &f); }

static int cmd_show(cli *c) {
    int ok;
    int64_t id = cli_id(c->argc == 2 ? c->argv[1] : NULL, &ok);
    if (!ok) return cli_usage_error("%s", "usage: sdm show INSTANCE");
    static const struct { sdm_query_kind q; const char *title; } parts[] = {
        {SDM_Q_INSTANCE, "instance"}, {SDM_Q_TOKENS, "tokens"}, {SDM_Q_TASKS, "tasks"},
        {SDM_Q_VARIABLES, "variables"}, {SDM_Q_HISTORY, "history"},
    };
    sdm_filter f = {.id = id, .state = "all"};
    if (c->json) printf("{");
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        sdm_table *t = NULL;
        int rc = sdm_query(c->db, parts[i].q, &f, &t, &c->err);
        if (rc) { if (c->json) printf("}\n"); return cli_fail(c, rc); }
        if (c->json) { printf("%s\"%s\": ", i ? ", " : "", parts[i].title); print_json(stdout, t); }
        else if (parts[i].q == SDM_Q_INSTANCE) print_record(stdout, t);
        else { printf("\n%s:\n", parts[i].title); print_table(stdout, t); }
        sdm_table_free(t);
    }
    if (c->json) printf("}\n");
    return EXIT_OK;
}

static int cmd_vars(cli *c) {
    int ok;
    int64_t id = cli_id(c->argc == 2 ? c->argv[1] : NULL, &ok);
    if (!ok) return cli_usage_error("%s", "usage: sdm vars INSTANCE [--var k=v]...");
    char *vars = cli_vars(c);
    if (vars) {
        int rc = sdm_set_vars(c->db, id, vars, &c->err);
        free(vars);
        if (rc) return cli_fail(c, rc);
    }
    sdm_filter f = {.id = id};
    return cli_list(c, SDM_Q_VARIABLES, &f);
}

static int cmd_check(cli *c) {
    sdm_table *t = NULL;
    int rc = sdm_check(c->db, &t, &c->err);
    if (rc) return cli_fail(c, rc);
    if (c->json) print_json(stdout, t);
    else if (t->nrow == 0) printf("ok: the store holds every invariant\n");
    else print_table(stdout, t);
    int bad = t->nrow > 0;
    sdm_table_free(t);
    return bad ? EXIT_FAIL : EXIT_OK;
}

static int cmd_tick(cli *c) {
    int fired;
    int64_t next;
    int rc = sdm_tick(c->db, &fired, &next, &c->err);
    if (rc) return cli_fail(c, rc);
    if (c->json) printf("{\"fired\": %d, \"next_due\": %lld}\n", fired, (long long)next);
    else {
        char when[64];
        if (next) { snprintf(when, sizeof when, "%lld", (long long)next); format_cell('t', when, when, sizeof when); }
        printf("fired %d; next due %s\n", fired, next ? when : "never (nothing pending)");
    }
    return EXIT_OK;
}

static volatile sig_atomic_t stopping;
static void on_signal(int sig) { (void)sig; stopping = 1; }

/* Installed before the database opens, so a worker asked to stop while it
** starts still stops cleanly. */
static void catch_stop_signals(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* The worker: tick, then sleep until the next due job (at most a minute,
** so jobs written by other processes are seen), until SIGTERM or SIGINT. */
static int cmd_run(cli *c) {
    fprintf(stderr, "sdm: worker started on %s\n", c->db_path);
    while (!stopping) {
        int fired;
        int64_t next;
        int rc = sdm_tick(c->db, &fired, &next, &c->err);
        if (rc) cli_fail(c, rc);              /* report, keep serving */
        else if (fired) fprintf(stderr, "sdm: fired %d\n", fired);
        int64_t now = sdm_now(c->db), wait = 60000;
        if (!rc && next && next - now < wait) wait = next > now ? next - now : 0;
        if (rc) wait = 5000;
        struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
        while (!stopping && nanosleep(&ts, &ts) != 0) {}
    }
    fprintf(stderr, "sdm: worker stopped\n");
    return EXIT_OK;
}

static int cmd_deviations(cli *c) {
    sdm_filter f = {.state = c->state, .user = c->user};
    return cli_list(c, SDM_Q_DEVIATIONS, &f);
}

/* sdm deviation ack|resolve ID */
static int cmd_deviation(cli *c) {
    int ok;
    int64_t id = cli_id(c->argc == 3 ? c->argv[2] : NULL, &ok);
    const char *verb = c->argc == 3 ? c->argv[1] : "";
    const char *state = strcmp(verb, "ack") == 0 ? "acknowledged" : strcmp(verb, "resolve") == 0 ? "resolved" : NULL;
    if (!ok || !state) return cli_usage_error("%s", "usage: sdm deviation ack|resolve ID");
    int rc = sdm_deviation_set(c->db, id, state, &c->err);
    if (rc) return cli_fail(c, rc);
    printf("deviation %lld %s\n", (long long)id, state);
    return EXIT_OK;
}

static int cmd_inbox(cli *c) {
    if (!c->user) return cli_usage_error("%s", "usage: sdm inbox --user U [--state unread]");
    sdm_filter f = {.user = c->user, .state = c->state};
    return cli_list(c, SDM_Q_INBOX, &f);
}
static int cmd_outbox(cli *c) { sdm_filter f = {.state = c->state}; return cli_list(c, SDM_Q_OUTBOX, &f); }
static int cmd_jobs(cli *c) { sdm_filter f = {0}; return cli_list(c, SDM_Q_JOBS, &f); }

/* sdm export PROCESS [--version N] [--overlay] [--out FILE] */
static int cmd_export(cli *c) {
    if (c->argc != 2) return cli_usage_error("%s", "usage: sdm export PROCESS [--version N] [--overlay] [--out FILE.bpmn]");
    char *xml = NULL;
    size_t len = 0;
    int rc = sdm_export(c->db, c->argv[1], c->version ? atoi(c->version) : 0, c->overlay, &xml, &len, &c->err);
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
static int cmd_message(cli *c) {
    int signal = strcmp(c->argv[0], "signal") == 0, delivered = 0;
    if (c->argc != 2 || (!signal && !c->client))
        return cli_usage_error("%s", signal ? "usage: sdm signal NAME [--var k=v]..."
                                            : "usage: sdm message NAME --client KEY [--var k=v]... [--all]");
    char *vars = cli_vars(c);
    int rc = signal ? sdm_signal(c->db, c->argv[1], vars, &delivered, &c->err)
                    : sdm_message(c->db, c->argv[1], c->client, vars, c->state && !strcmp(c->state, "all"),
                                  &delivered, &c->err);
    free(vars);
    if (rc) return cli_fail(c, rc);
    if (c->json) printf("{\"delivered\": %d}\n", delivered);
    else printf("%s '%s' delivered %d time%s\n", signal ? "signal" : "message", c->argv[1], delivered,
                delivered == 1 ? "" : "s");
    return EXIT_OK;
}

static const struct { const char *name; int (*fn)(cli *); } commands[] = {
    {"message", cmd_message}, {"signal", cmd_message},
    {"export", cmd_export},
    {"tick", cmd_tick}, {"run", cmd_run}, {"deviations", cmd_deviations}, {"deviation", cmd_deviation},
    {"inbox", cmd_inbox}, {"outbox", cmd_outbox}, {"jobs", cmd_jobs}, {"simulate", cmd_simulate},
    {"org", cmd_org}, {"user", cmd_user}, {"users", cmd_users}, {"client", cmd_client},
    {"clients", cmd_clients}, {"task", cmd_task}, {"monitor", cmd_monitor}, {"report", cmd_report},
    {"deploy", cmd_deploy}, {"processes", cmd_processes}, {"start", cmd_start},
    {"instances", cmd_instances}, {"show", cmd_show}, {"tasks", cmd_tasks},
    {"complete", cmd_complete}, {"vars", cmd_vars}, {"incidents", cmd_incidents},
    {"retry", cmd_retry}, {"check", cmd_check},
    {"roles", cmd_roles}, {"instruction", cmd_instruction}, {"regulation", cmd_regulation},
};

int main(int argc, char **argv) {
    cli c = {0};
    int rc = EXIT_USAGE;
    c.vars = json_object();
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { usage(stdout); rc = EXIT_OK; goto out; }
        else if (strcmp(argv[i], "--version") == 0 && argc == 2) { printf("sdm %s\n", SDM_VERSION); rc = EXIT_OK; goto out; }
    if ((rc = parse_args(&c, argc, argv)) != EXIT_OK) goto out;
    if (c.argc == 0) { usage(stderr); rc = EXIT_USAGE; goto out; }
    int (*fn)(cli *) = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(commands[i].name, c.argv[0]) == 0) fn = commands[i].fn;
    if (!fn) { rc = cli_usage_error("unknown command '%s'", c.argv[0]); goto out; }
    if (!c.db_path) c.db_path = getenv("SDM_DB");
    if (!c.db_path) c.db_path = "sdm.db";
    sdm_config cfg = {.scripts_dir = c.scripts, .calendar_file = c.calendar, .actor = c.actor,
                      .smtp_url = getenv("SDM_SMTP_URL"), .smtp_from = getenv("SDM_SMTP_FROM"),
                      .smtp_user = getenv("SDM_SMTP_USER"), .smtp_password = getenv("SDM_SMTP_PASSWORD")};
    if (!cfg.calendar_file) cfg.calendar_file = getenv("SDM_CALENDAR");
    cfg.lang = c.lang ? c.lang : getenv("SDM_LANG");    /* documents and informed messages */
    if (c.now) {
        setenv("SDM_NOW", c.now, 1);          /* parsed by sdm_open like the environment */
    }
    if (fn == cmd_run) catch_stop_signals();
    if ((rc = sdm_open(&c.db, c.db_path, &cfg, &c.err)) != SDM_OK) { rc = cli_fail(&c, rc); goto out; }
    rc = fn(&c);
out:
    sdm_close(c.db);
    json_decref(c.vars);
    free(c.argv);
    return rc;
}
