/*
** main.c — the `sdm` command line: parses options as getopt_long does,
** finds the command in the table (commands.c), loads the settings (conf.c),
** opens the store the way the command declares, runs it. Errors print as
** one line on stderr and map to the exit codes in cli.h and the help.
** Holds no engine logic and no command's logic.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>
#include <jansson.h>
#include "sdm.h"
#include "print.h"
#include "cli.h"

int cli_exit_code(int status) {
    switch (status) {
    case SDM_OK: return EXIT_OK;
    case SDM_ERR_XML: case SDM_ERR_MODEL: case SDM_ERR_LIMIT: return EXIT_MODEL;
    case SDM_ERR_NOTFOUND: return EXIT_NOTFOUND;
    case SDM_ERR_STATE: return EXIT_STATE;
    case SDM_ERR_SCRIPT: return EXIT_SCRIPT;
    case SDM_ERR_MISUSE: return EXIT_USAGE;
    case SDM_ERR_DENIED: return EXIT_DENIED;
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

int cli_arg_id(cli *c, int64_t *id) {
    const cli_command *k = c->cmd;
    const char *s = c->argv[strchr(k->name, ' ') ? 2 : 1];   /* after the command's one or two words */
    char *end;
    long long v = strtoll(s, &end, 10);
    *id = v;
    if (*s && !*end && v > 0) return EXIT_OK;
    fprintf(stderr, "sdm: '%s' is not an id: usage: sdm %s %s (see sdm %s --help)\n", s, k->name, k->args, k->name);
    return EXIT_USAGE;
}

char *cli_vars(cli *c) {
    return json_object_size(c->vars) ? json_dumps(c->vars, JSON_COMPACT) : NULL;
}

void cli_show(cli *c, const sdm_table *t) {
    if (c->json) print_json(stdout, t);
    else if (c->csv) print_csv(stdout, t);
    else print_table(stdout, t);
}

/* The engine's log hook: "2026-12-02T10:00:00+03:00 info job-fired ..." on
** stderr, or one JSON object per line with --log-json. */
void cli_log(void *ctx, int level, const char *what, const char *detail) {
    cli *c = ctx;
    static const char *const levels[] = {"info", "warn", "error"};
    const char *lv = level >= 0 && level <= SDM_LOG_ERROR ? levels[level] : "info";
    char when[64];
    if (sdm_format_time(c->h, sdm_now(c->h), 1, when, sizeof when) != 0) snprintf(when, sizeof when, "-");
    if (c->opt[O_LOG_JSON]) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "time", when, "level", lv, "event", what,
                              "detail", detail ? detail : "");
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (s) fprintf(stderr, "%s\n", s);
        free(s);
        json_decref(o);
    } else {
        fprintf(stderr, "%s %s %s%s%s\n", when, lv, what, detail && *detail ? " " : "", detail ? detail : "");
    }
    fflush(stderr);
}

/* ---------- parsing ---------- */

static int add_var(cli *c, const char *kv) {
    char *name, msg[256];
    json_t *v;
    if (cli_var_parse(kv, &name, &v, msg, sizeof msg) != 0) return cli_usage_error("--var: %s", msg);
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

/* Options anywhere on the line, "--opt=value" or "--opt value", as
** getopt_long permutes them; the rest are positional arguments. */
static int parse_args(cli *c, int argc, char **argv) {
    struct option lo[O_COUNT + 1];
    for (int i = 0; i < O_COUNT; i++)
        lo[i] = (struct option){cli_options[i].name, cli_options[i].arg ? required_argument : no_argument, NULL, 256 + i};
    lo[O_COUNT] = (struct option){0};
    c->argv = calloc((size_t)argc + 1, sizeof *c->argv);
    opterr = 0;
    int ch, rc = EXIT_OK;
    while (rc == EXIT_OK && (ch = getopt_long(argc, argv, ":ho:", lo, NULL)) != -1) {
        if (ch == '?') return cli_usage_error("unknown option '%s'", argv[optind - 1]);
        if (ch == ':') return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
        int o = ch == 'h' ? O_HELP : ch == 'o' ? O_OUT : ch - 256;
        c->seen |= OPT(o);
        c->opt[o] = optarg ? optarg : "";
        if (o == O_VAR) rc = add_var(c, optarg);
        else if (o == O_VARS) rc = add_vars_json(c, optarg);
    }
    while (rc == EXIT_OK && optind < argc) c->argv[c->argc++] = argv[optind++];
    return rc;
}

/* The command's row: a two-word row ("user add") matches the first two
** positional arguments, else a one-word row the first. *words: how many. */
static const cli_command *find_command(cli *c, int *words) {
    size_t n0 = strlen(c->argv[0]);
    const cli_command *one = NULL;
    int group = 0;
    for (int i = 0; i < cli_ncommands; i++) {
        const char *name = cli_commands[i].name, *sp = strchr(name, ' ');
        if (!sp && strcmp(name, c->argv[0]) == 0) one = &cli_commands[i];
        if (sp && (size_t)(sp - name) == n0 && strncmp(name, c->argv[0], n0) == 0) {
            group = 1;
            if (c->argc > 1 && strcmp(sp + 1, c->argv[1]) == 0) { *words = 2; return &cli_commands[i]; }
        }
    }
    *words = 1;
    if (!one && group) {
        fprintf(stderr, "sdm: '%s%s%s' is not a command; '%s' wants one of:\n", c->argv[0], c->argc > 1 ? " " : "",
                c->argc > 1 ? c->argv[1] : "", c->argv[0]);
        for (int i = 0; i < cli_ncommands; i++)
            if (strncmp(cli_commands[i].name, c->argv[0], n0) == 0 && cli_commands[i].name[n0] == ' ')
                fprintf(stderr, "  sdm %s%s%s\n", cli_commands[i].name, *cli_commands[i].args ? " " : "",
                        cli_commands[i].args);
    } else if (!one) {
        cli_usage_error("unknown command '%s'", c->argv[0]);
    }
    return one;
}

/* The command accepts these options and this many arguments. */
static int check_usage(cli *c, int words) {
    const cli_command *k = c->cmd;
    uint64_t extra = c->seen & ~(OPTS_GLOBAL | k->opts);
    for (int o = 0; o < O_COUNT; o++)
        if (extra & OPT(o)) {
            fprintf(stderr, "sdm: option --%s does not apply to 'sdm %s' (see sdm %s --help)\n",
                    cli_options[o].name, k->name, k->name);
            return EXIT_USAGE;
        }
    int n = c->argc - words;
    if (k->max_args >= 0 && n > k->max_args) {
        fprintf(stderr, "sdm: unexpected argument '%s': usage: sdm %s%s%s (see sdm %s --help)\n",
                c->argv[words + k->max_args], k->name, *k->args ? " " : "", k->args, k->name);
        return EXIT_USAGE;
    }
    if (n < k->min_args) {
        fprintf(stderr, "sdm: usage: sdm %s %s (see sdm %s --help)\n", k->name, k->args, k->name);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static void copy_options(cli *c) {
    const char **o = c->opt;
    c->json = o[O_JSON] != NULL;
    c->csv = o[O_CSV] || o[O_CSV_BOM] || o[O_CSV_SEP];
    c->force = o[O_FORCE] != NULL;
    c->overlay = o[O_OVERLAY] != NULL;
    c->state = o[O_ALL] ? "all" : o[O_OPEN] ? "open" : o[O_STATE];
    c->when = o[O_TODAY] ? "today" : o[O_OVERDUE] ? "overdue" : o[O_UPCOMING] ? "upcoming" : NULL;
    c->client = o[O_CLIENT]; c->user = o[O_USER]; c->process = o[O_PROCESS]; c->to = o[O_TO];
    c->from = o[O_FROM]; c->by = o[O_BY]; c->role = o[O_ROLE]; c->team = o[O_TEAM]; c->head = o[O_HEAD];
    c->name = o[O_NAME]; c->out = o[O_OUT]; c->outcome = o[O_OUTCOME]; c->version = o[O_VERSION];
}

/* ---------- the store ---------- */

static int all_digits(const char *s) {
    if (!*s) return 0;
    for (; *s; s++) if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* Open the database as the command's row says. Reads and writes need an
** existing file: a read never leaves an empty database behind. */
static int open_store(cli *c) {
    const char *path = c->set[S_DATABASE];
    sdm_config cfg = {0};
    conf_fill(c, &cfg);
    cfg.open_mode = c->cmd->store;
    if (c->cmd->opts & OPT(O_LOG_JSON)) { cfg.log = cli_log; cfg.log_ctx = c; }
    const char *now = c->set[S_NOW];
    if (now && all_digits(now)) cfg.now = strtoll(now, NULL, 10);
    if (cfg.open_mode != SDM_OPEN_CREATE && strcmp(path, ":memory:") != 0 && access(path, F_OK) != 0) {
        snprintf(c->err.msg, sizeof c->err.msg, "no database at %s: deploy a model first or run `sdm init`", path);
        return cli_fail(c, SDM_ERR_NOTFOUND);
    }
    int rc = sdm_open(&c->h, path, &cfg, &c->err);
    if (rc) return cli_fail(c, rc);
    /* Without --as the command line acts as the administrator; with it, it
    ** obeys that user's access rules (access.c). */
    if (c->opt[O_AS] && (rc = sdm_act_as(c->h, c->opt[O_AS], &c->err)) != SDM_OK) return cli_fail(c, rc);
    if (now && !cfg.now) {               /* a date-time: read in the business zone unless it has an offset */
        int64_t ms;
        if ((rc = sdm_parse_time(c->h, now, &ms, &c->err)) != SDM_OK) return cli_fail(c, rc);
        sdm_set_now(c->h, ms);
    }
    const char *sep = c->opt[O_CSV_SEP];
    if (sep && strlen(sep) != 1) return cli_usage_error("--csv-sep wants one character, not '%s'", sep);
    print_setup(c->h, c->opt[O_CSV_BOM] != NULL, sep ? sep[0] : ',');
    return EXIT_OK;
}

int main(int argc, char **argv) {
    cli c = {0};
    int rc = EXIT_OK, words = 1;
    c.vars = json_object();
    if (argc == 2 && strcmp(argv[1], "--version") == 0) { printf("sdm %s\n", SDM_VERSION); goto out; }
    if ((rc = parse_args(&c, argc, argv)) != EXIT_OK) goto out;
    if (c.opt[O_MAN]) { help_man(stdout); goto out; }
    if (c.opt[O_COMPLETION]) { help_completion(stdout); goto out; }
    if (c.argc == 0) {
        help_usage(c.opt[O_HELP] ? stdout : stderr);
        rc = c.opt[O_HELP] ? EXIT_OK : EXIT_USAGE;
        goto out;
    }
    if (c.opt[O_HELP]) {                 /* sdm CMD --help, sdm user --help */
        if (help_command(stdout, c.argv[0], c.argc > 1 ? c.argv[1] : NULL) != 0)
            rc = cli_usage_error("unknown command '%s'", c.argv[0]);
        goto out;
    }
    if (!(c.cmd = find_command(&c, &words))) { rc = EXIT_USAGE; goto out; }
    if ((rc = check_usage(&c, words)) != EXIT_OK) goto out;
    copy_options(&c);
    if ((rc = conf_load(&c)) != EXIT_OK) goto out;
    if (c.cmd->run == cmd_run) cli_catch_stop_signals();
    if (c.cmd->store != CLI_NO_STORE && (rc = open_store(&c)) != EXIT_OK) goto out;
    rc = c.cmd->run(&c);
out:
    sdm_close(c.h);
    conf_free(&c);
    json_decref(c.vars);
    free(c.argv);
    return rc;
}
