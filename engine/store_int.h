/*
** store_int.h — what store.c shares with migrate.c and store_query.c, and nothing else.
*/
#ifndef SDM_STORE_INT_H
#define SDM_STORE_INT_H
#include "store.h"

/* Runs SQL text (several statements); a full disk is named as such. */
int store_run_sql(store *s, const char *sql, sdm_err *err);
/* SDM_ERR_STORE saying what failed and SQLite's cause. */
int store_db_error(store *s, sdm_err *err, const char *what);
/* PRAGMA user_version without a write lock; -1 when unreadable. */
int store_schema_version(store *s);
/* Brings the schema up to date (migrate.c); *found_version gets the
** version found before. A read-only store that is behind is refused. */
int store_migrate(store *s, const char *path, int readonly, int *found_version, sdm_err *err);
#endif
