/*
** cli.h — what the command line's files share: the parsed command line,
** helpers that print results and errors, and the subcommands that live
** outside main.c. Every subcommand is `int cmd_x(cli *c)` returning an
** exit code.
*/
#ifndef SDM_CLI_H
#define SDM_CLI_H
#include <jansson.h>
#include "sdm.h"

enum {                      /* exit codes, documented in usage() */
    EXIT_OK = 0,
    EXIT_FAIL = 1,          /* store, I/O, anything else */
    EXIT_USAGE = 2,
    EXIT_MODEL = 3,         /* XML or model invalid */
    EXIT_NOTFOUND = 4,
    EXIT_STATE = 5,         /* already completed, client busy, ... */
    EXIT_SCRIPT = 6
};

typedef struct cli {
    const char *db_path, *scripts, *calendar, *actor, *now;
    int json, csv, force, overlay;
    sdm *db;
    sdm_err err;
    /* per-command options; NULL when not given */
    const char *client, *user, *process, *state, *when;
    const char *to, *from, *by, *role, *team, *head, *name, *out, *outcome, *version;
    const char *lang;       /* --lang ru|en: documents */
    json_t *vars;           /* from --var k=v and --vars JSON */
    int argc;
    char **argv;            /* positional arguments, argv[0] is the command */
} cli;

int     cli_fail(cli *c, int status);               /* prints c->err, returns exit code */
int     cli_usage_error(const char *fmt, const char *arg);
int     cli_exit_code(int status);
int64_t cli_id(const char *s, int *ok);             /* positive integer id */
char   *cli_vars(cli *c);                           /* --var/--vars as JSON, NULL if none */
void    cli_show(cli *c, const sdm_table *t);       /* table, --json or --csv */
int     cli_list(cli *c, sdm_query_kind q, const sdm_filter *f);
/* subcommands in other files */
int cmd_simulate(cli *c);                           /* simulate.c */
/* cmd_people.c: organisation, clients, calendar, monitor, reports */
int cmd_org(cli *c);
int cmd_user(cli *c);
int cmd_users(cli *c);
int cmd_client(cli *c);
int cmd_clients(cli *c);
int cmd_calendar(cli *c);                           /* sdm tasks --today|--overdue|--upcoming */
int cmd_task(cli *c);
int cmd_monitor(cli *c);
int cmd_report(cli *c);
/* cmd_docs.c: role matrix, instructions, regulations (HTML, PDF) */
int cmd_roles(cli *c);
int cmd_instruction(cli *c);
int cmd_regulation(cli *c);
#endif
