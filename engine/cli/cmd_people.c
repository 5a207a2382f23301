/*
** cmd_people.c — the people's subcommands: organisation (org, user, users),
** clients (client, clients), the manager's calendar and task card (task,
** tasks --today|--overdue|--upcoming), the head's view (monitor, report).
** Thin clients of the sdm.h API, like main.c.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "sdm.h"
#include "print.h"
#include "cli.h"

static int show_free(cli *c, sdm_table *t) {
    cli_show(c, t);
    sdm_table_free(t);
    return EXIT_OK;
}

/* The second word of a two-word command ("add" in "user add"): the table
** dispatched on it, and checked the arguments' count. */
static const char *sub(cli *c) { return c->argv[1]; }

/* The first row's value of a named column, or NULL. */
static const char *col(const sdm_table *t, const char *name) {
    for (int k = 0; t && t->nrow && k < t->ncol; k++)
        if (strcmp(t->cols[k], name) == 0) return t->cells[k];
    return NULL;
}

/* ---------- organisation ---------- */

int cmd_org(cli *c) {
    sdm_table *t = NULL;
    int rc = sdm_org_load(c->h, c->argv[2], &t, &c->err);
    if (rc) return cli_fail(c, rc);
    return show_free(c, t);
}

int cmd_user(cli *c) {
    const char *s = sub(c);
    if (strcmp(s, "add") == 0) {
        json_t *email = json_object_get(c->vars, "email");
        int rc = sdm_user_add(c->h, c->argv[2], c->role, c->head ? c->head : c->team, c->name,
                              json_is_string(email) ? json_string_value(email) : NULL, &c->err);
        if (rc) return cli_fail(c, rc);
        sdm_table *t = NULL;
        if ((rc = sdm_users(c->h, NULL, NULL, &t, &c->err))) return cli_fail(c, rc);
        if (c->json) printf("{\"added\": \"%s\"}\n", c->argv[2]);
        else printf("added user %s\n", c->argv[2]);
        sdm_table_free(t);
        return EXIT_OK;
    }
    sdm_table *t = NULL;                                    /* user deactivate */
    int rc = sdm_user_deactivate(c->h, c->argv[2], c->to, &t, &c->err);
    if (rc) return cli_fail(c, rc);
    if (!c->json && !c->csv) printf("deactivated %s; %d move%s\n", c->argv[2], t->nrow, t->nrow == 1 ? "" : "s");
    if (t->nrow || c->json || c->csv) cli_show(c, t);
    sdm_table_free(t);
    return EXIT_OK;
}

int cmd_users(cli *c) {
    sdm_table *t = NULL;
    int rc = sdm_users(c->h, c->role, c->team, &t, &c->err);
    if (rc) return cli_fail(c, rc);
    return show_free(c, t);
}

/* ---------- clients ---------- */

static char *client_fields(cli *c) {
    json_t *o = json_deep_copy(c->vars);
    if (c->name) json_object_set_new(o, "name", json_string(c->name));
    if (c->user) json_object_set_new(o, "owner", json_string(c->user));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static int client_show(cli *c, const char *key) {
    sdm_table *card = NULL, *hist = NULL, *inst = NULL, *tasks = NULL;
    int rc = sdm_client_card(c->h, key, &card, &c->err);
    sdm_filter f = {.client = key, .state = "all"};
    if (!rc) rc = sdm_query(c->h, SDM_Q_INSTANCES, &f, &inst, &c->err);
    sdm_filter ft = {.client = key};
    if (!rc) rc = sdm_query(c->h, SDM_Q_TASKS, &ft, &tasks, &c->err);
    if (!rc) rc = sdm_client_history(c->h, key, &hist, &c->err);
    if (!rc) {
        if (c->json) {
            printf("{\"client\": "); print_json(stdout, card);
            printf(", \"instances\": "); print_json(stdout, inst);
            printf(", \"open_tasks\": "); print_json(stdout, tasks);
            printf(", \"history\": "); print_json(stdout, hist);
            printf("}\n");
        } else {
            print_record(stdout, card);
            printf("\ninstances:\n"); print_table(stdout, inst);
            printf("\nopen tasks:\n"); print_table(stdout, tasks);
            printf("\nhistory:\n"); print_table(stdout, hist);
        }
    }
    sdm_table_free(card); sdm_table_free(hist); sdm_table_free(inst); sdm_table_free(tasks);
    return rc ? cli_fail(c, rc) : EXIT_OK;
}

int cmd_client(cli *c) {
    const char *s = sub(c);
    if (strcmp(s, "add") == 0 || strcmp(s, "set") == 0) {
        char *fields = client_fields(c);
        if (c->force && s[0] == 'a') {
            json_t *o = json_loads(fields, 0, NULL);
            json_object_set_new(o, "force", json_true());
            free(fields);
            fields = json_dumps(o, JSON_COMPACT);
            json_decref(o);
        }
        int rc = s[0] == 'a' ? sdm_client_add(c->h, c->argv[2], fields, &c->err)
                             : sdm_client_update(c->h, c->argv[2], fields, &c->err);
        free(fields);
        if (rc) return cli_fail(c, rc);
        sdm_table *t = NULL;
        if ((rc = sdm_client_card(c->h, c->argv[2], &t, &c->err))) return cli_fail(c, rc);
        if (c->json) print_json(stdout, t); else print_record(stdout, t);
        sdm_table_free(t);
        return EXIT_OK;
    }
    if (strcmp(s, "show") == 0) return client_show(c, c->argv[2]);
    if (strcmp(s, "assign") == 0) {
        if (!c->role || !c->user) return cli_usage_error("%s", "usage: sdm client assign KEY --role R --user U");
        int rc = sdm_client_assign(c->h, c->argv[2], c->role, c->user, &c->err);
        if (rc) return cli_fail(c, rc);
        if (c->json) printf("{\"client\": \"%s\", \"role\": \"%s\", \"user\": \"%s\"}\n", c->argv[2], c->role, c->user);
        else printf("%s now holds %s for client %s\n", c->user, c->role, c->argv[2]);
        return EXIT_OK;
    }
    if (strcmp(s, "merge") == 0) {
        sdm_table *t = NULL;
        int rc = sdm_client_merge(c->h, c->argv[2], c->argv[3], &t, &c->err);
        if (rc) return cli_fail(c, rc);
        if (!c->json && !c->csv) printf("merged %s into %s\n", c->argv[3], c->argv[2]);
        return show_free(c, t);
    }
    int rc = sdm_client_log(c->h, c->argv[2], OPTV(c, O_TYPE), OPTV(c, O_TEXT), &c->err);   /* client log */
    if (rc) return cli_fail(c, rc);
    if (!c->json) printf("logged %s for client %s\n", OPTV(c, O_TYPE), c->argv[2]);
    else printf("{\"logged\": \"%s\"}\n", OPTV(c, O_TYPE));
    return EXIT_OK;
}

int cmd_clients(cli *c) {
    sdm_filter f = {.user = c->user, .client = c->client, .where = OPTV(c, O_WHERE)};
    sdm_table *t = NULL;
    int rc = sdm_clients(c->h, &f, &t, &c->err);
    if (rc) return cli_fail(c, rc);
    return show_free(c, t);
}

int cmd_card(cli *c) {
    sdm_table *t = NULL;
    int rc;
    if (strcmp(sub(c), "field") == 0) {                    /* the table's "add NAME": the word is ours to check */
        if (strcmp(c->argv[2], "add") != 0)
            return cli_usage_error("%s", "usage: sdm card field add NAME [--type text|number|bool|date] [--label L]");
        if ((rc = sdm_card_field_add(c->h, c->argv[3], OPTV(c, O_TYPE), OPTV(c, O_LABEL), &c->err))) return cli_fail(c, rc);
    }
    if ((rc = sdm_card_fields(c->h, &t, &c->err))) return cli_fail(c, rc);
    return show_free(c, t);
}

/* ---------- the calendar and tasks ---------- */

int cmd_calendar(cli *c) {
    sdm_table *t = NULL;
    int rc = sdm_calendar(c->h, c->user, c->when, 0, &t, &c->err);
    if (rc) return cli_fail(c, rc);
    return show_free(c, t);
}

static int task_show(cli *c, int64_t id) {
    sdm_table *t = NULL, *card = NULL, *hist = NULL;
    int rc = sdm_task_info(c->h, id, &t, &c->err);
    const char *client = !rc ? col(t, "client") : NULL;
    if (!rc && client) rc = sdm_client_history(c->h, client, &hist, &c->err);
    if (!rc) {
        if (c->json) {
            printf("{\"task\": "); print_json(stdout, t);
            printf(", \"client_history\": "); if (hist) print_json(stdout, hist); else printf("[]");
            printf("}\n");
        } else {
            char **r = t->cells;
            int script = -1, next = -1;
            for (int k = 0; k < t->ncol; k++) {
                if (strcmp(t->cols[k], "script") == 0) script = k;
                if (strcmp(t->cols[k], "next") == 0) next = k;
            }
            print_record(stdout, t);
            if (script >= 0 && r[script] && *r[script]) printf("\ncontact script:\n%s\n", r[script]);
            if (next >= 0 && r[next] && *r[next]) printf("\nnext:\n  %s\n", r[next]);
            if (hist) { printf("\nclient history:\n"); print_table(stdout, hist); }
        }
    }
    sdm_table_free(t); sdm_table_free(card); sdm_table_free(hist);
    return rc ? cli_fail(c, rc) : EXIT_OK;
}

int cmd_task(cli *c) {
    const char *s = sub(c);
    int64_t id;
    if (cli_arg_id(c, &id)) return EXIT_USAGE;
    int rc;
    const char *did;
    if (strcmp(s, "show") == 0) return task_show(c, id);
    if (strcmp(s, "claim") == 0) {
        if (!c->user) return cli_usage_error("%s", "usage: sdm task claim TASK --user U");
        rc = sdm_task_claim(c->h, id, c->user, c->force, &c->err);
        did = "claimed";
    } else if (strcmp(s, "unclaim") == 0) {
        rc = sdm_task_unclaim(c->h, id, c->user, c->force, &c->err);
        did = "unclaimed";
    } else if (strcmp(s, "delegate") == 0) {
        if (!c->to) return cli_usage_error("%s", "usage: sdm task delegate TASK --to U");
        rc = sdm_task_delegate(c->h, id, c->to, c->force, &c->err);
        did = "delegated";
    } else {                                                /* task complete */
        /* --user: who completes; they must hold the task (claim it first) */
        if (c->user) {
            sdm_table *t = NULL;
            rc = sdm_task_info(c->h, id, &t, &c->err);
            if (rc) return cli_fail(c, rc);
            char *who = col(t, "assignee") ? strdup(col(t, "assignee")) : NULL;
            int mine = who && strcmp(who, c->user) == 0;
            if (!who) rc = sdm_task_claim(c->h, id, c->user, c->force, &c->err);
            sdm_table_free(t);
            if (rc) { free(who); return cli_fail(c, rc); }
            if (who && !mine) {
                fprintf(stderr, "sdm: error: task %lld is assigned to '%s', not to '%s'\n", (long long)id, who, c->user);
                free(who);
                return EXIT_STATE;
            }
            free(who);
        }
        if (c->outcome) json_object_set_new(c->vars, "outcome", json_string(c->outcome));
        char *vars = cli_vars(c);
        rc = sdm_complete(c->h, id, vars, &c->err);
        free(vars);
        did = "completed";
    }
    if (rc) return cli_fail(c, rc);
    if (c->json) printf("{\"%s\": %lld}\n", did, (long long)id);
    else printf("%s task %lld\n", did, (long long)id);
    return EXIT_OK;
}

/* Under the KPIs' table: every plan of the month the period ends in against
** what was done (conversion per stage included), when there are plans. */
static void kpi_plans(cli *c, int64_t to) {
    char month[16];
    sdm_table *t = NULL;
    time_t at = (time_t)((to ? to - 1 : sdm_now(c->h)) / 1000);
    struct tm tm;
    gmtime_r(&at, &tm);
    strftime(month, sizeof month, "%Y-%m", &tm);     /* plans are per calendar month in UTC, as the KPIs' */
    if (sdm_report_plan(c->h, month, &t, &c->err) == SDM_OK && t->nrow) {
        printf("\n-- plan against actual, %s:\n", month);
        cli_show(c, t);
    }
    sdm_table_free(t);
}

/* ---------- the head's view ---------- */

int cmd_monitor(cli *c) {
    sdm_table *t = NULL;
    int rc = sdm_monitor(c->h, c->team, &t, &c->err);
    if (rc) return cli_fail(c, rc);
    return show_free(c, t);
}

static int write_file(cli *c, const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        if (f) fclose(f);
        fprintf(stderr, "sdm: error: cannot write %s\n", path);
        return EXIT_FAIL;
    }
    if (!c->json && !c->csv) fprintf(stderr, "wrote %s\n", path);
    return EXIT_OK;
}

int cmd_report(cli *c) {
    const char *s = sub(c);
    int64_t from = 0, to = 0;
    int rc = SDM_OK;
    sdm_table *t = NULL;
    if (c->from && (rc = sdm_parse_time(c->h, c->from, &from, &c->err))) return cli_fail(c, rc);
    if (strcmp(s, "funnel") == 0) {
        if (c->to && (rc = sdm_parse_time(c->h, c->to, &to, &c->err))) return cli_fail(c, rc);
        rc = sdm_report_funnel(c->h, c->argv[2], c->by, from, to, &t, &c->err);
        if (rc) return cli_fail(c, rc);
        if (c->out) {
            size_t n = strlen(c->out);
            int html = n > 5 && (strcmp(c->out + n - 5, ".html") == 0 || strcmp(c->out + n - 4, ".htm") == 0);
            if (!html && !(n > 4 && strcmp(c->out + n - 4, ".svg") == 0)) {
                sdm_table_free(t);
                return cli_usage_error("--out wants a .svg or .html file, not '%s'", c->out);
            }
            char title[300];
            snprintf(title, sizeof title, "Sales funnel: %s", c->argv[2]);
            char *pic = sdm_funnel_render(t, title, html);
            int w = write_file(c, c->out, pic);
            free(pic);
            if (w) { sdm_table_free(t); return w; }
        }
        return show_free(c, t);
    }
    if (c->to && (rc = sdm_parse_time(c->h, c->to, &to, &c->err))) return cli_fail(c, rc);
    if (strcmp(s, "kpi") == 0) rc = sdm_report_kpi(c->h, from, to, &t, &c->err);
    else if (strcmp(s, "handoffs") == 0) rc = sdm_report_handoffs(c->h, from, to, &t, &c->err);
    else if (strcmp(s, "clients") == 0) rc = sdm_report_clients(c->h, c->by, &t, &c->err);
    else rc = sdm_report_deviations(c->h, c->by, from, to, &t, &c->err);   /* the table's last report row */
    if (rc) return cli_fail(c, rc);
    rc = show_free(c, t);
    if (strcmp(s, "kpi") == 0 && !c->json && !c->csv) kpi_plans(c, to);
    return rc;
}

/* sdm plan set N --user U|--role R|--team H --month M --metric X; sdm report plan --month M */
int cmd_plan(cli *c) {
    sdm_table *t = NULL;
    int rc;
    const char *month = OPTV(c, O_MONTH);
    if (strcmp(c->argv[0], "plan") == 0) {
        const char *kind = c->user ? "user" : c->role ? "role" : c->team ? "team" : NULL;
        const char *who = c->user ? c->user : c->role ? c->role : c->team;
        char *end = NULL;
        double n = strtod(c->argv[2], &end);
        if (!kind || !month || !OPTV(c, O_METRIC) || *end || end == c->argv[2])
            return cli_usage_error("%s", "usage: sdm plan set N --user U|--role R|--team HEAD --month YYYY-MM"
                                         " --metric won|revenue|tasks|on_time_pct|conversion_pct:STAGE");
        if ((rc = sdm_plan_set(c->h, kind, who, month, OPTV(c, O_METRIC), n, &c->err))) return cli_fail(c, rc);
    } else if (!month) {
        return cli_usage_error("%s", "usage: sdm report plan --month YYYY-MM");
    }
    if ((rc = sdm_report_plan(c->h, month, &t, &c->err))) return cli_fail(c, rc);
    return show_free(c, t);
}
