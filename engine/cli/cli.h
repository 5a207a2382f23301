/*
** cli.h — what the command line's files share: the option and command
** tables (commands.c) that drive parsing, dispatch, help, the man page and
** completion; the settings (conf.c); the parsed command line; helpers that
** print results and errors. Every command is `int cmd_x(cli *c)` returning
** an exit code.
*/
#ifndef SDM_CLI_H
#define SDM_CLI_H
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "sdm.h"

enum {                      /* exit codes (sysexits.h for usage and configuration) */
    EXIT_OK = 0,
    EXIT_FAIL = 1,          /* store, I/O, anything else */
    EXIT_MODEL = 3,         /* XML or model invalid */
    EXIT_NOTFOUND = 4,      /* no such object, or no database */
    EXIT_STATE = 5,         /* already completed, client busy, ... */
    EXIT_SCRIPT = 6,
    EXIT_DENIED = 7,        /* the acting user may not (access rules) */
    EXIT_USAGE = 64,        /* EX_USAGE: unknown option, stray argument, bad value */
    EXIT_CONFIG = 78        /* EX_CONFIG: a bad sdm.conf */
};

typedef struct cli cli;

/* Every option, global or per command. The order is cli_options[]'s. */
enum cli_opt {
    O_DB, O_CONFIG, O_SCRIPTS, O_CALENDAR, O_TIME_ZONE, O_LANG, O_AS, O_NOW, O_SYNC_MODE, O_JSON, O_CSV, O_CSV_BOM, O_CSV_SEP,
    O_HELP, O_MAN, O_COMPLETION,                          /* the last global one */
    O_VAR, O_VARS, O_CLIENT, O_USER, O_PROCESS, O_STATE, O_ALL, O_OPEN, O_TODAY, O_OVERDUE, O_UPCOMING,
    O_TO, O_FROM, O_BY, O_ROLE, O_TEAM, O_HEAD, O_NAME, O_OUT, O_OUTCOME, O_VERSION, O_FORCE, O_OVERLAY,
    O_LOG_JSON, O_LISTEN, O_CERT, O_KEY, O_THREADS, O_PASSWORD_STDIN, O_WHERE, O_TYPE, O_TEXT, O_LABEL, O_MONTH, O_METRIC,
    O_COUNT
};
#define OPT(o)      (1ULL << (o))
#define OPTS_GLOBAL (OPT(O_COMPLETION + 1) - 1)
#define OPTS_VARS   (OPT(O_VAR) | OPT(O_VARS))

typedef struct cli_option {
    const char *name;       /* long name without "--" */
    const char *arg;        /* metavariable, NULL for a flag */
    const char *help;
} cli_option;

enum { CLI_NO_STORE = -1 }; /* cli_command.store: else SDM_OPEN_READ, _WRITE or _CREATE */

/* One row per command. name may be two words ("user add"): the row then
** matches the first two positional arguments. */
typedef struct cli_command {
    const char *name, *args;    /* args: synopsis of the positional arguments */
    const char *help;           /* one line */
    uint64_t opts;              /* options besides the global ones */
    int min_args, max_args;     /* positional arguments after the name; -1: any number */
    int store;                  /* how the command opens the store */
    int (*run)(cli *c);
} cli_command;

extern const cli_option cli_options[O_COUNT];
extern const cli_command cli_commands[];
extern const int cli_ncommands;

/* Settings: sdm.conf < environment < command line (conf.c). */
enum cli_setting {
    S_DATABASE, S_CALENDAR, S_TIME_ZONE, S_NOW, S_SCRIPTS, S_SYNC, S_LANGUAGE, S_LISTEN,
    S_SMTP_URL, S_SMTP_FROM, S_SMTP_USER, S_SMTP_PASSWORD, S_WEBHOOK_SECRET, S_BASE_URL,
    S_ACTOR, S_ZONE_DIR, S_CHROMIUM,
    /* [limits]: sdm_config's runtime limits, whole numbers */
    S_LUA_INSTRUCTIONS, S_LUA_MEMORY, S_SCRIPT_TIMEOUT_MS, S_MAX_MODEL_BYTES, S_STEP_OPS, S_STEP_TOKENS,
    S_STEP_MS, S_MAX_INSTANCES, S_TICK_MS, S_DELIVERY_TIMEOUT_MS, S_CONNECT_TIMEOUT_MS,
    S_COUNT
};

struct cli {
    const cli_command *cmd;
    const char *opt[O_COUNT];   /* the value of each option given; "" for a flag */
    uint64_t seen;              /* OPT() of each option given */
    const char *set[S_COUNT];   /* effective settings (NULL: unset) */
    char *source[S_COUNT];      /* where each came from: "default", "file F:N", "env V", "option --x" */
    char *own[S_COUNT];         /* set[] values read from files, owned */
    int json, csv, force, overlay;
    const char *state, *when;
    /* per-command options, copied from opt[] for the handlers; NULL when not given */
    const char *client, *user, *process, *to, *from, *by, *role, *team, *head, *name, *out, *outcome, *version;
    sdm *h;
    sdm_err err;
    json_t *vars;               /* from --var k=v and --vars JSON */
    int argc;
    char **argv;                /* positional arguments, argv[0] is the command */
};

/* the value of option o, or NULL when not given */
#define OPTV(c, o) ((c)->opt[o])

int     cli_fail(cli *c, int status);               /* prints c->err, returns exit code */
int     cli_usage_error(const char *fmt, const char *arg);
int     cli_exit_code(int status);
/* The command's first argument as an id (a whole number above 0): EXIT_OK,
** or EXIT_USAGE with the usage said. */
int     cli_arg_id(cli *c, int64_t *id);
char   *cli_vars(cli *c);                           /* --var/--vars as JSON, NULL if none */
void    cli_show(cli *c, const sdm_table *t);       /* table, --json or --csv */
int     cli_list(cli *c, sdm_query_kind q, const sdm_filter *f);
void    cli_log(void *ctx, int level, const char *what, const char *detail);  /* sdm_config.log */

/* var.c: "name=value", value JSON when it parses, else text. 0, or -1
** with a message. */
int cli_var_parse(const char *kv, char **name, json_t **value, char *msg, size_t n);

/* conf.c */
int  conf_load(cli *c);                             /* files, environment, options: exit code */
void conf_free(cli *c);
void conf_fill(cli *c, sdm_config *cfg);            /* everything but open_mode and the log hook */
int  cmd_config(cli *c);

/* help.c: renderings of the tables */
void help_usage(FILE *out);
int  help_command(FILE *out, const char *name, const char *sub);  /* 0, or -1: no such command */
void help_man(FILE *out);
void help_completion(FILE *out);
int  cmd_help(cli *c);

/* cmd_core.c: instances, tasks, time, export */
int cmd_init(cli *c);
int cmd_deploy(cli *c);
int cmd_processes(cli *c);
int cmd_start(cli *c);
int cmd_instances(cli *c);
int cmd_show(cli *c);
int cmd_tasks(cli *c);
int cmd_complete(cli *c);
int cmd_vars(cli *c);
int cmd_incidents(cli *c);
int cmd_retry(cli *c);
int cmd_check(cli *c);
int cmd_tick(cli *c);
int cmd_run(cli *c);
int cmd_jobs(cli *c);
int cmd_deviations(cli *c);
int cmd_deviation(cli *c);
int cmd_inbox(cli *c);
int cmd_outbox(cli *c);
int cmd_export(cli *c);
int cmd_message(cli *c);
void cli_catch_stop_signals(void);
/* simulate.c */
int cmd_simulate(cli *c);
int cmd_lint(cli *c);                               /* cmd_lint.c: check models, no database */
int cmd_import(cli *c);                             /* cmd_import.c: EPC, IDEF3 -> BPMN */
/* cmd_people.c: organisation, clients, calendar, monitor, reports */
int cmd_org(cli *c);
int cmd_user(cli *c);
int cmd_users(cli *c);
int cmd_client(cli *c);
int cmd_clients(cli *c);
int cmd_card(cli *c);
int cmd_plan(cli *c);
int cmd_calendar(cli *c);                           /* sdm tasks --today|--overdue|--upcoming */
int cmd_task(cli *c);
int cmd_monitor(cli *c);
int cmd_report(cli *c);
/* cmd_serve.c: credentials and the HTTP server */
int cmd_passwd(cli *c);                             /* sdm user passwd NAME */
int cmd_token(cli *c);
int cmd_serve(cli *c);
/* cmd_docs.c: role matrix, instructions, regulations (HTML, PDF) */
int cmd_roles(cli *c);
int cmd_instruction(cli *c);
int cmd_regulation(cli *c);
#endif
