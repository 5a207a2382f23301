/*
** table.c — building and freeing sdm_table result sets. Owns no state;
** knows nothing of where rows come from.
*/
#include <string.h>
#include "table.h"
#include "err.h"

sdm_table *table_new(const char *const *cols, const char *types) {
    sdm_table *t = xcalloc(1, sizeof *t);
    while (cols[t->ncol]) t->ncol++;
    t->cols = xcalloc((size_t)t->ncol, sizeof(char *));
    for (int c = 0; c < t->ncol; c++) t->cols[c] = xstrdup(cols[c]);
    t->types = xstrdup(types);
    sdm_assert((int)strlen(types) == t->ncol);
    return t;
}

char **table_add_row(sdm_table *t) {
    if (t->nrow == t->ncap) {
        t->ncap = t->ncap ? t->ncap * 2 : 16;
        t->cells = xrealloc(t->cells, sizeof(char *) * (size_t)t->ncap * (size_t)t->ncol);
    }
    char **row = &t->cells[(size_t)t->nrow * (size_t)t->ncol];
    memset(row, 0, sizeof(char *) * (size_t)t->ncol);
    t->nrow++;
    return row;
}

const char *table_cell(const sdm_table *t, int row, const char *col) {
    for (int c = 0; c < t->ncol; c++)
        if (strcmp(t->cols[c], col) == 0) return t->cells[(size_t)row * (size_t)t->ncol + (size_t)c];
    return NULL;
}

void sdm_table_free(sdm_table *t) {
    if (!t) return;
    for (size_t i = 0; i < (size_t)t->nrow * (size_t)t->ncol; i++) free(t->cells[i]);
    for (int c = 0; c < t->ncol; c++) free(t->cols[c]);
    free(t->cells);
    free(t->cols);
    free(t->types);
    free(t);
}
