/*
** help.c — what the command and option tables (commands.c) look like to
** people and shells: `sdm --help`, `sdm help CMD` / `sdm CMD --help`, the
** man page (`sdm --man`, roff, built into sdm.1 by the Makefile) and the
** bash completion script (`sdm --completion`). Only renders the tables.
*/
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const char exit_status[] =
    "0 ok, 1 failure (store, I/O), 3 invalid model, 4 not found (or no database), "
    "5 wrong state (task already completed, client busy), 6 script error, 7 access denied (the --as user may not), "
    "64 usage (unknown option, stray argument, bad value), 78 bad configuration file.";

static const char settings_text[] =
    "Settings come from sdm.conf (/etc/sdm/sdm.conf, then $XDG_CONFIG_HOME/sdm/sdm.conf, then ./sdm.conf; "
    "or only --config FILE), then the environment (SDM_DB, SDM_CALENDAR, SDM_TZ, SDM_NOW, SDM_SYNC, SDM_LANG, "
    "SDM_LISTEN, SDM_SMTP_URL, SDM_SMTP_FROM, SDM_SMTP_USER, SDM_SMTP_PASSWORD, SDM_WEBHOOK_SECRET, "
    "SDM_BASE_URL, SDM_CHROMIUM, USER, TZDIR), then options; the runtime limits are set in sdm.conf's [limits] "
    "section; `sdm config` shows each and where it came from.";

static void option_line(FILE *out, int o) {
    char head[64];
    snprintf(head, sizeof head, "--%s%s%s", cli_options[o].name, cli_options[o].arg ? " " : "",
             cli_options[o].arg ? cli_options[o].arg : "");
    fprintf(out, "  %-22s %s\n", head, cli_options[o].help);
}

static void command_line(FILE *out, const cli_command *k) {
    char head[64];
    snprintf(head, sizeof head, "%s %s", k->name, k->args);
    fprintf(out, "  %-28s %s\n", head, k->help);
}

void help_usage(FILE *out) {
    fputs("usage: sdm [OPTIONS] COMMAND [ARGS] [OPTIONS]\n\nCommands:\n", out);
    for (int i = 0; i < cli_ncommands; i++) command_line(out, &cli_commands[i]);
    fputs("\nOptions for every command:\n", out);
    for (int o = 0; o < O_COUNT; o++) if (OPTS_GLOBAL & OPT(o)) option_line(out, o);
    fputs("  --version              print sdm's version\n", out);
    fputs("\nOptions are written --opt=VALUE or --opt VALUE, anywhere on the line; `sdm help COMMAND`\n"
          "or `sdm COMMAND --help` lists a command's own.\n\n", out);
    fprintf(out, "%s\n\nExit status: %s\n", settings_text, exit_status);
}

static int matches(const cli_command *k, const char *name, const char *sub) {
    size_t n = strlen(name);
    if (strncmp(k->name, name, n) != 0) return 0;
    if (!k->name[n]) return 1;
    if (k->name[n] != ' ') return 0;
    for (int i = 0; sub && i < cli_ncommands; i++)      /* "user add": that row; "user": the group */
        if (strncmp(cli_commands[i].name, k->name, n + 1) == 0 && strcmp(cli_commands[i].name + n + 1, sub) == 0)
            return strcmp(k->name + n + 1, sub) == 0;
    return 1;
}

int help_command(FILE *out, const char *name, const char *sub) {
    int found = 0;
    for (int i = 0; i < cli_ncommands; i++) {
        const cli_command *k = &cli_commands[i];
        if (!matches(k, name, sub)) continue;
        fprintf(out, "%susage: sdm %s%s%s%s\n  %s\n", found ? "\n" : "", k->name, *k->args ? " " : "", k->args,
                k->opts ? " [OPTIONS]" : "", k->help);
        static const char *const modes[] = {"writes the store", "reads the store", "writes the store, creating it"};
        fprintf(out, "  (%s)\n", k->store == CLI_NO_STORE ? "does not open the store" : modes[k->store]);
        if (k->opts) fputs("Options:\n", out);
        for (int o = 0; o < O_COUNT; o++) if (k->opts & OPT(o)) option_line(out, o);
        found = 1;
    }
    if (found) fputs("\nThe options for every command: sdm --help\n", out);
    return found ? 0 : -1;
}

int cmd_help(cli *c) {
    if (c->argc == 1) { help_usage(stdout); return EXIT_OK; }
    if (help_command(stdout, c->argv[1], c->argc > 2 ? c->argv[2] : NULL) != 0)
        return cli_usage_error("no command '%s'", c->argv[1]);
    return EXIT_OK;
}

/* roff text: a leading dot or quote would be a request, backslash an escape. */
static void roff(FILE *out, const char *s) {
    if (*s == '.' || *s == '\'') fputs("\\&", out);
    for (; *s; s++) {
        if (*s == '\\') fputs("\\e", out);
        else if (*s == '-') fputs("\\-", out);
        else fputc(*s, out);
    }
}

static void man_option(FILE *out, int o) {
    fputs(".TP\n.BR \\-\\-", out);
    roff(out, cli_options[o].name);
    if (cli_options[o].arg) { fputs(" \" ", out); roff(out, cli_options[o].arg); fputc('"', out); }
    fputc('\n', out);
    roff(out, cli_options[o].help);
    fputc('\n', out);
}

void help_man(FILE *out) {
    fputs(".TH SDM 1 \"\" \"sdm " SDM_VERSION "\" \"User Commands\"\n"
          ".SH NAME\nsdm \\- a BPMN 2.0 workflow engine that runs a sales department\n"
          ".SH SYNOPSIS\n.B sdm\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR] [\\fIOPTIONS\\fR]\n"
          ".SH DESCRIPTION\nsdm deploys BPMN models into one SQLite database, runs an instance per client, "
          "gives people their tasks and raises deviations a head sees.\n.SH COMMANDS\n", out);
    for (int i = 0; i < cli_ncommands; i++) {
        const cli_command *k = &cli_commands[i];
        fputs(".TP\n.B sdm ", out);
        roff(out, k->name);
        if (*k->args) { fputs(" \\fI", out); roff(out, k->args); fputs("\\fR", out); }
        fputc('\n', out);
        roff(out, k->help);
        fputc('\n', out);
        if (k->opts) {
            fputs(".br\nOptions:", out);
            for (int o = 0; o < O_COUNT; o++) if (k->opts & OPT(o)) { fputs(" \\-\\-", out); roff(out, cli_options[o].name); }
            fputc('\n', out);
        }
    }
    fputs(".SH OPTIONS\nFor every command:\n", out);
    for (int o = 0; o < O_COUNT; o++) if (OPTS_GLOBAL & OPT(o)) man_option(out, o);
    fputs(".PP\nFor the commands that name them:\n", out);
    for (int o = 0; o < O_COUNT; o++) if (!(OPTS_GLOBAL & OPT(o))) man_option(out, o);
    fputs(".SH CONFIGURATION\n", out);
    roff(out, settings_text);
    fputs("\n.SH EXIT STATUS\n", out);
    roff(out, exit_status);
    fputs("\n.SH FILES\n.TP\n.I /etc/sdm/sdm.conf\nsystem settings\n.TP\n.I ./sdm.db\nthe default database\n", out);
}

/* bash: complete the command (one or two words), then options. */
void help_completion(FILE *out) {
    fputs("# bash completion for sdm, generated by `sdm --completion`\n_sdm() {\n"
          "  local cur=${COMP_WORDS[COMP_CWORD]} i w=()\n"
          "  for ((i = 1; i < COMP_CWORD; i++)); do\n    case ${COMP_WORDS[i]} in\n      ", out);
    for (int o = 0, first = 1; o < O_COUNT; o++)         /* options whose value is the next word */
        if (cli_options[o].arg) { fprintf(out, "%s--%s", first ? "" : "|", cli_options[o].name); first = 0; }
    fputs(") ((i++)) ;;\n      -*) ;;\n      *) w+=(\"${COMP_WORDS[i]}\") ;;\n    esac\n  done\n"
          "  if [[ $cur == -* ]]; then\n    COMPREPLY=($(compgen -W \"", out);
    for (int o = 0; o < O_COUNT; o++) fprintf(out, "%s--%s", o ? " " : "", cli_options[o].name);
    fputs("\" -- \"$cur\"))\n  elif ((${#w[@]} == 0)); then\n    COMPREPLY=($(compgen -W \"", out);
    for (int i = 0; i < cli_ncommands; i++) {
        const char *n = cli_commands[i].name, *sp = strchr(n, ' ');
        if (i && strncmp(cli_commands[i - 1].name, n, sp ? (size_t)(sp - n) + 1 : strlen(n) + 1) == 0) continue;
        fprintf(out, "%s%.*s", i ? " " : "", sp ? (int)(sp - n) : (int)strlen(n), n);
    }
    fputs("\" -- \"$cur\"))\n  elif ((${#w[@]} == 1)); then\n    case ${w[0]} in\n", out);
    for (int i = 0; i < cli_ncommands; i++) {
        const char *n = cli_commands[i].name, *sp = strchr(n, ' ');
        if (!sp || (i && strncmp(cli_commands[i - 1].name, n, (size_t)(sp - n) + 1) == 0)) continue;
        fprintf(out, "      %.*s) COMPREPLY=($(compgen -W \"", (int)(sp - n), n);
        for (int j = i; j < cli_ncommands && strncmp(cli_commands[j].name, n, (size_t)(sp - n) + 1) == 0; j++)
            fprintf(out, "%s%s", j > i ? " " : "", cli_commands[j].name + (sp - n) + 1);
        fputs("\" -- \"$cur\")) ;;\n", out);
    }
    fputs("      *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n    esac\n"
          "  else\n    COMPREPLY=($(compgen -f -- \"$cur\"))\n  fi\n}\ncomplete -F _sdm sdm\n", out);
}
