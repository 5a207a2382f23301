/*
** table.h — constructing sdm_table result sets (sdm.h) row by row.
*/
#ifndef SDM_TABLE_H
#define SDM_TABLE_H
#include "sdm.h"

/* cols is NULL-terminated; types has one letter per column (see sdm.h). */
sdm_table  *table_new(const char *const *cols, const char *types);
/* A new row of NULL cells; the caller fills them with malloc'd strings. */
char      **table_add_row(sdm_table *t);
const char *table_cell(const sdm_table *t, int row, const char *col);
#endif
