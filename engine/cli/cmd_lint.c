/*
** cmd_lint.c — `sdm lint FILE...`: every problem of each model, as deploy
** would find it, without a database and without deploying (sdm_lint on a
** handle over ":memory:"). For a process owner's CI: exit 0 when every file
** is clean, 1 when any has an error or warning, 64 on bad usage. EPC and
** IDEF3 files are checked as the BPMN `sdm import` makes of them.
*/
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "print.h"

/* One row of sdm_lint's table (kind process version file line element
** message) as deploy prints it; returns whether it is a problem. */
static int print_row(cli *c, char **row) {
    int problem = strcmp(row[0], "error") == 0 || strcmp(row[0], "warning") == 0;
    if (c->json) return problem;
    printf("%s:%s: %s%s%s%s: %s\n", row[3] ? row[3] : "", row[4] ? row[4] : "0", row[0],
           row[5] ? " (element '" : "", row[5] ? row[5] : "", row[5] ? "')" : "", row[6] ? row[6] : "");
    return problem;
}

int cmd_lint(cli *c) {
    if (c->argc < 2) return cli_usage_error("%s", "lint needs at least one FILE");
    sdm_config cfg = {0};
    conf_fill(c, &cfg);
    cfg.open_mode = SDM_OPEN_CREATE;
    sdm *h = NULL;
    int rc = sdm_open(&h, ":memory:", &cfg, &c->err);
    if (rc) return cli_fail(c, rc);
    int problems = 0;
    for (int i = 1; i < c->argc; i++) {
        sdm_table *t = NULL;
        sdm_err e = {0};
        rc = sdm_lint(h, c->argv[i], &t, &e);
        int shown = 0;
        if (t && c->json) print_json(stdout, t);
        for (int r = 0; t && r < t->nrow; r++) {
            int p = print_row(c, &t->cells[r * t->ncol]);
            problems += p;
            shown += p;
        }
        if (rc && !shown) {              /* unreadable or malformed: no table row says it */
            problems++;
            if (!c->json) printf("%s:%d: error: %s\n", c->argv[i], e.line, e.msg);
        }
        if (!c->json && !shown && !rc) printf("%s: clean\n", c->argv[i]);
        sdm_table_free(t);
    }
    sdm_close(h);
    return problems ? EXIT_FAIL : EXIT_OK;
}
