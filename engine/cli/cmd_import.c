/*
** cmd_import.c — `sdm import FILE [-o FILE.bpmn]`: an EPC (EPML, ARIS AML)
** or IDEF3 model as BPMN 2.0 with diagram information, through
** sdm_import. Warnings (what could not be mapped as it stands) go to
** stderr with the source element's id; the BPMN to stdout or the file.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cmd_import(cli *c) {
    char *bpmn = NULL;
    size_t len = 0;
    sdm_table *warn = NULL;
    int rc = sdm_import(c->argv[1], &bpmn, &len, &warn, &c->err);
    int first_error = 1;
    for (int r = 0; warn && r < warn->nrow; r++) {
        char **row = &warn->cells[r * warn->ncol];
        if (rc && first_error && strcmp(row[0], "error") == 0) { first_error = 0; continue; }  /* cli_fail says it */
        fprintf(stderr, "sdm: %s (at %s:%s%s%s%s): %s\n", row[0], row[1], row[2], row[3] ? ", element '" : "",
                row[3] ? row[3] : "", row[3] ? "'" : "", row[4]);
    }
    sdm_table_free(warn);
    if (rc) return cli_fail(c, rc);
    FILE *f = c->out ? fopen(c->out, "wb") : stdout;
    if (!f) {
        free(bpmn);
        snprintf(c->err.msg, sizeof c->err.msg, "cannot write %s", c->out);
        return cli_fail(c, SDM_ERR_IO);
    }
    int ok = fwrite(bpmn, 1, len, f) == len;
    if (c->out) ok &= fclose(f) == 0;
    free(bpmn);
    if (!ok) {
        snprintf(c->err.msg, sizeof c->err.msg, "cannot write %s", c->out ? c->out : "stdout");
        return cli_fail(c, SDM_ERR_IO);
    }
    if (c->out) fprintf(stderr, "wrote %s\n", c->out);
    return EXIT_OK;
}
