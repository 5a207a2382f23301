/*
** commands.c — the command line's two tables: every option, and every
** command (name, arguments, one-line help, options it accepts, how it opens
** the store, handler). Parsing and dispatch (main.c), `sdm --help`, `sdm help
** CMD`, the man page and bash completion (help.c) all read these tables, so
** a new command is one row here and its handler elsewhere. Holds no logic.
*/
#include "cli.h"

const cli_option cli_options[O_COUNT] = {
    [O_DB]           = {"db", "PATH", "database file (default ./sdm.db)"},
    [O_CONFIG]       = {"config", "FILE", "read settings from FILE only, not ./sdm.conf, ~/.config/sdm/sdm.conf, /etc/sdm/sdm.conf"},
    [O_SCRIPTS]      = {"scripts", "DIR", "Lua handlers and checkpoint rules (default ./scripts)"},
    [O_CALENDAR]     = {"calendar", "FILE", "business calendar (default Mon-Fri 09:00-18:00)"},
    [O_TIME_ZONE]    = {"time-zone", "ZONE", "zone people read times in, IANA name (default the calendar's, else the machine's)"},
    [O_AS]           = {"as", "USER", "who acts, recorded in history (default $USER)"},
    [O_NOW]          = {"now", "TIME", "fixed clock, ISO 8601 (default real time)"},
    [O_JSON]         = {"json", NULL, "machine-readable output; times in ISO 8601 with the offset"},
    [O_CSV]          = {"csv", NULL, "CSV output (RFC 4180) for spreadsheets"},
    [O_CSV_BOM]      = {"csv-bom", NULL, "CSV starting with a UTF-8 byte order mark (Excel)"},
    [O_CSV_SEP]      = {"csv-sep", "C", "CSV field separator, e.g. ';' for Excel in Russian (default ',')"},
    [O_HELP]         = {"help", NULL, "this help, or a command's with CMD --help"},
    [O_MAN]          = {"man", NULL, "print the manual page (roff)"},
    [O_COMPLETION]   = {"completion", NULL, "print the bash completion script"},
    [O_VAR]          = {"var", "NAME=VALUE", "a variable; VALUE is JSON when it parses (42, true, \"x\", {...}), else text"},
    [O_VARS]         = {"vars", "JSON", "variables as one JSON object"},
    [O_CLIENT]       = {"client", "KEY", "the client"},
    [O_USER]         = {"user", "USER", "the user (manager, owner, assignee)"},
    [O_PROCESS]      = {"process", "PROCESS", "the process id"},
    [O_STATE]        = {"state", "STATE", "only rows in this state"},
    [O_ALL]          = {"all", NULL, "every row, whatever its state; message: every waiting instance"},
    [O_OPEN]         = {"open", NULL, "only open rows"},
    [O_TODAY]        = {"today", NULL, "the calendar: due today"},
    [O_OVERDUE]      = {"overdue", NULL, "the calendar: overdue"},
    [O_UPCOMING]     = {"upcoming", NULL, "the calendar: due later"},
    [O_TO]           = {"to", "USER|TIME", "to whom (user deactivate, task delegate), or until when (reports)"},
    [O_FROM]         = {"from", "TIME", "reports: from when"},
    [O_BY]           = {"by", "FIELD", "reports: group by this field"},
    [O_ROLE]         = {"role", "ROLE[,ROLE]", "roles"},
    [O_TEAM]         = {"team", "HEAD", "a head and everyone below them"},
    [O_HEAD]         = {"head", "HEAD", "whom the user reports to"},
    [O_NAME]         = {"name", "TEXT", "full name"},
    [O_OUT]          = {"out", "FILE", "write to FILE"},
    [O_OUTCOME]      = {"outcome", "OUTCOME", "the task's outcome (a variable)"},
    [O_VERSION]      = {"version", "N", "export: this version (default the latest)"},
    [O_FORCE]        = {"force", NULL, "override the assignment rules"},
    [O_OVERLAY]      = {"overlay", NULL, "export: colour the model by what runs now"},
    [O_LOG_JSON]     = {"log-json", NULL, "log one JSON object per line instead of text"},
};

#define R SDM_OPEN_READ
#define W SDM_OPEN_WRITE
#define C SDM_OPEN_CREATE
#define N CLI_NO_STORE
#define TIMES (OPT(O_FROM) | OPT(O_TO))

const cli_command cli_commands[] = {
    /* name, args, help, options, min, max args, store, handler */
    {"init", "", "create an empty database", 0, 0, 0, C, cmd_init},
    {"deploy", "FILE...", "deploy BPMN files (new version when changed)", 0, 1, -1, C, cmd_deploy},
    {"processes", "", "deployed processes, latest versions", OPT(O_PROCESS), 0, 0, R, cmd_processes},
    {"start", "PROCESS", "start an instance for a client (--client KEY)", OPT(O_CLIENT) | OPTS_VARS, 1, 1, W, cmd_start},
    {"instances", "", "instances", OPT(O_PROCESS) | OPT(O_CLIENT) | OPT(O_STATE) | OPT(O_ALL), 0, 0, R, cmd_instances},
    {"show", "INSTANCE", "instance, tokens, variables, history", 0, 1, 1, R, cmd_show},
    {"tasks", "", "open tasks; with --today|--overdue|--upcoming the manager's calendar by due time",
     OPT(O_USER) | OPT(O_CLIENT) | OPT(O_PROCESS) | OPT(O_STATE) | OPT(O_ALL) | OPT(O_TODAY) | OPT(O_OVERDUE)
         | OPT(O_UPCOMING), 0, 0, R, cmd_tasks},
    {"complete", "TASK", "complete a user task", OPTS_VARS, 1, 1, W, cmd_complete},
    {"vars", "INSTANCE", "show, or with --var set, instance variables", OPTS_VARS, 1, 1, W, cmd_vars},
    {"incidents", "", "incidents (default open)", OPT(O_STATE) | OPT(O_ALL), 0, 0, R, cmd_incidents},
    {"retry", "INCIDENT", "run the failed step again", 0, 1, 1, W, cmd_retry},
    {"check", "", "verify the store's invariants", 0, 0, 0, R, cmd_check},
    {"tick", "", "fire due timers and checkpoints, deliver messages", OPT(O_LOG_JSON), 0, 0, W, cmd_tick},
    {"run", "", "worker: tick whenever something is due (SIGTERM stops)", OPT(O_LOG_JSON), 0, 0, W, cmd_run},
    {"jobs", "", "pending timers and due-date checkpoints", 0, 0, 0, R, cmd_jobs},
    {"deviations", "", "deviations (--open, --state open|acknowledged|resolved)",
     OPT(O_OPEN) | OPT(O_STATE) | OPT(O_ALL) | OPT(O_USER), 0, 0, R, cmd_deviations},
    {"deviation ack", "ID", "a head acknowledges a deviation", 0, 1, 1, W, cmd_deviation},
    {"deviation resolve", "ID", "a head resolves a deviation", 0, 1, 1, W, cmd_deviation},
    {"inbox", "", "a user's in-app messages (--user U)", OPT(O_USER) | OPT(O_STATE) | OPT(O_ALL), 0, 0, R, cmd_inbox},
    {"outbox", "", "notifications and their delivery", OPT(O_STATE) | OPT(O_ALL), 0, 0, R, cmd_outbox},
    {"export", "PROCESS", "the deployed BPMN, coloured by what runs now with --overlay",
     OPT(O_VERSION) | OPT(O_OVERLAY) | OPT(O_OUT), 1, 1, R, cmd_export},
    {"message", "NAME", "correlate a message to a client's instance (or start by it)",
     OPT(O_CLIENT) | OPTS_VARS | OPT(O_ALL), 1, 1, W, cmd_message},
    {"signal", "NAME", "broadcast a signal to every waiting event", OPTS_VARS, 1, 1, W, cmd_message},
    {"simulate", "PROFILE.json", "simulate weeks of a sales department (--now sets the start)", 0, 1, 1, W, cmd_simulate},
    {"org load", "FILE", "load users, roles and heads from a plain file", 0, 1, 1, C, cmd_org},
    {"user add", "NAME", "add a user (--role R[,R] [--head H] [--name N] [--var email=E])",
     OPT(O_ROLE) | OPT(O_HEAD) | OPT(O_TEAM) | OPT(O_NAME) | OPTS_VARS, 1, 1, W, cmd_user},
    {"user deactivate", "NAME", "move the user's open tasks, clients and reports (--to USER)", OPT(O_TO), 1, 1, W, cmd_user},
    {"users", "", "the organisation", OPT(O_ROLE) | OPT(O_TEAM), 0, 0, R, cmd_users},
    {"client add", "KEY", "register a client (--var segment|region|product|value=V)",
     OPT(O_NAME) | OPT(O_USER) | OPTS_VARS, 1, 1, W, cmd_client},
    {"client set", "KEY", "change a client's card", OPT(O_NAME) | OPT(O_USER) | OPTS_VARS, 1, 1, W, cmd_client},
    {"client show", "KEY", "card, instances, open tasks and full history", 0, 1, 1, R, cmd_client},
    {"clients", "", "the client registry", OPT(O_USER) | OPT(O_CLIENT), 0, 0, R, cmd_clients},
    {"task show", "TASK", "contact script, client card and history, what comes next", 0, 1, 1, R, cmd_task},
    {"task claim", "TASK", "take a task (--user U)", OPT(O_USER) | OPT(O_FORCE), 1, 1, W, cmd_task},
    {"task unclaim", "TASK", "give a task back to its role's queue", OPT(O_USER) | OPT(O_FORCE), 1, 1, W, cmd_task},
    {"task delegate", "TASK", "hand a task to someone else (--to U)", OPT(O_TO) | OPT(O_FORCE), 1, 1, W, cmd_task},
    {"task complete", "TASK", "complete a task as --user U",
     OPT(O_USER) | OPT(O_OUTCOME) | OPT(O_FORCE) | OPTS_VARS, 1, 1, W, cmd_task},
    {"monitor", "", "per user: open, due today, overdue, done today", OPT(O_TEAM), 0, 0, R, cmd_monitor},
    {"report funnel", "PROCESS", "the sales funnel (--by manager|product|region|segment, --out F.svg|F.html)",
     OPT(O_BY) | TIMES | OPT(O_OUT), 1, 1, R, cmd_report},
    {"report kpi", "", "per user and role: on time, cycle time", TIMES, 0, 0, R, cmd_report},
    {"report handoffs", "", "handoffs between people and their time", TIMES, 0, 0, R, cmd_report},
    {"report deviations", "", "deviations (--by manager|severity|rule|process|client)", OPT(O_BY) | TIMES, 0, 0, R,
     cmd_report},
    {"config", "", "each effective setting, its value and where it came from", 0, 0, 0, N, cmd_config},
    {"help", "[COMMAND]", "help on a command", 0, 0, 2, N, cmd_help},
};

const int cli_ncommands = (int)(sizeof cli_commands / sizeof *cli_commands);
