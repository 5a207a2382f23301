/*
** deploy_rows.h — deploys a document through the public API and keeps
** every row the deploy reports ("error: message"), one a line, in `text`,
** for the tests that check what a refusal says (test_dialect.c,
** test_rules_flow.c). Header-only, included once per test.
*/
#ifndef SDM_DEPLOY_ROWS_H
#define SDM_DEPLOY_ROWS_H
#include <stdio.h>
#include <string.h>
#include "sdm.h"

static char text[16384];     /* every message of the last deploy, one a line */

/* head: the document's start, a format with one %s for extra attributes
** on definitions (defs_attrs, may be NULL); body follows it. */
static int deploy_rows(sdm *h, const char *file, const char *head, const char *defs_attrs, const char *body,
                       sdm_err *e) {
    char xml[12000];
    int n = snprintf(xml, sizeof xml, head, defs_attrs ? defs_attrs : "");
    snprintf(xml + n, sizeof xml - (size_t)n, "%s", body);
    sdm_table *t = NULL;
    int rc = sdm_deploy_xml(h, file, xml, strlen(xml), &t, e);
    text[0] = 0;
    for (int r = 0; t && r < t->nrow; r++) {
        size_t k = strlen(text);
        snprintf(text + k, sizeof text - k, "%s: %s\n", t->cells[r * t->ncol], t->cells[r * t->ncol + 6]);
    }
    sdm_table_free(t);
    return rc;
}
#endif
