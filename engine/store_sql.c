/*
** store_sql.c — ad-hoc statements for the layers above the store (org.c,
** report.c, track.c, plan.c, card.c): SQL text they write themselves, run
** through store_sql_*. Each text is prepared once and kept in the handle's
** cache, found by the text's address and else by its hash: a step runs a
** dozen of them, and preparing costs more than running.
** It owns the cache and nothing else: the engine's own numbered
** statements and transactions are store.c's.
*/
#include <string.h>
#include <sqlite3.h>
#include "store_int.h"
#include "table.h"
#include "err.h"

int store_sql_error(store *s, sdm_err *err, const char *sql) {
    char buf[600];
    return err_set(err, SDM_ERR_STORE, NULL, 0, NULL, "%s (in: %.120s)", store_cause(s, buf, sizeof buf), sql);
}

static uint64_t hash_sql(const char *sql) {
    uint64_t h = 1469598103934665603ULL;
    for (; *sql; sql++) h = (h ^ (unsigned char)*sql) * 1099511628211ULL;
    return h;
}

/* The free slot holding `sql`, or NULL. Callers pass literals, so the
** address finds the slot first and a compare confirms it (a heap text at a
** reused address fails the compare); only then is the text hashed. */
static sql_slot *sql_find(store *s, const char *sql) {
    for (int i = 0; i < s->ncache; i++) {
        sql_slot *c = &s->cache[i];
        if (c->key == sql && !c->busy && strcmp(c->sql, sql) == 0) return c;
    }
    uint64_t h = hash_sql(sql);
    for (int i = 0; i < s->ncache; i++) {
        sql_slot *c = &s->cache[i];
        if (c->hash == h && !c->busy && strcmp(c->sql, sql) == 0) { c->key = sql; return c; }
    }
    return NULL;
}

/* A free cached statement for `sql`, or a new one (cached while there is
** room). A slot in use is skipped, so nested use of one text is safe. */
static int sql_prep(store *s, sqlite3_stmt **st, sdm_err *err, const char *sql, const char *fmt, va_list ap) {
    sql_slot *c = sql_find(s, sql);
    int reads_history = c ? c->reads_history : strstr(sql, "history") != NULL;
    /* a statement that reads history sees the step's events (store_history) */
    if (s->hist.n && reads_history && store_history_flush(s, err)) return SDM_ERR_STORE;
    if (c) {
        c->busy = 1;
        *st = c->st;
    } else {
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
            return store_sql_error(s, err, sql);
        if (s->ncache < SQL_CACHE)
            s->cache[s->ncache++] = (sql_slot){xstrdup(sql), sql, hash_sql(sql), *st, 1, reads_history};
    }
    store_bindv(*st, fmt ? fmt : "", ap, SQLITE_TRANSIENT);
    return SDM_OK;
}

void store_sql_close(store *s, struct sqlite3_stmt *st) {
    for (int i = 0; i < s->ncache; i++)
        if (s->cache[i].st == st) { store_reset(st); s->cache[i].busy = 0; return; }
    sqlite3_finalize(st);
}

int store_sql_open(store *s, struct sqlite3_stmt **st, sdm_err *err, const char *sql, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = sql_prep(s, st, err, sql, fmt, ap);
    va_end(ap);
    return rc;
}

int store_sql_exec(store *s, int *changes, sdm_err *err, const char *sql, const char *fmt, ...) {
    sqlite3_stmt *st;
    va_list ap;
    va_start(ap, fmt);
    int rc = sql_prep(s, &st, err, sql, fmt, ap);
    va_end(ap);
    if (rc) return rc;
    int r = sqlite3_step(st);
    store_sql_close(s, st);
    if (r != SQLITE_DONE && r != SQLITE_ROW) return store_sql_error(s, err, sql);
    if (changes) *changes = sqlite3_changes(s->db);
    return SDM_OK;
}

int store_sql_table(store *s, sdm_table **out, const char *types, sdm_err *err, const char *sql,
                    const char *fmt, ...) {
    sqlite3_stmt *st;
    *out = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = sql_prep(s, &st, err, sql, fmt, ap);
    va_end(ap);
    return rc ? rc : store_rows(s, st, types, out) ? SDM_OK : store_sql_error(s, err, sql);
}

int store_rows(store *s, sqlite3_stmt *st, const char *types, sdm_table **out) {
    int ncol = sqlite3_column_count(st);
    const char *cols[48];
    sdm_assert(ncol < 48 && (int)strlen(types) == ncol);
    for (int c = 0; c < ncol; c++) cols[c] = sqlite3_column_name(st, c);
    cols[ncol] = NULL;
    sdm_table *t = table_new(cols, types);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        char **cells = table_add_row(t);
        for (int c = 0; c < ncol; c++) cells[c] = store_col_text(st, c);
    }
    store_sql_close(s, st);
    if (r != SQLITE_DONE) { sdm_table_free(t); *out = NULL; return 0; }
    *out = t;
    return 1;
}

static int sql_first_row(store *s, sqlite3_stmt **st, sdm_err *err, const char *sql, const char *fmt, va_list ap) {
    int rc = sql_prep(s, st, err, sql, fmt, ap);
    if (rc) return rc;
    int r = sqlite3_step(*st);
    if (r == SQLITE_ROW) return SDM_OK;
    store_sql_close(s, *st);
    return r == SQLITE_DONE ? SDM_ERR_NOTFOUND : store_sql_error(s, err, sql);
}

int store_sql_text(store *s, char **out, sdm_err *err, const char *sql, const char *fmt, ...) {
    sqlite3_stmt *st;
    *out = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = sql_first_row(s, &st, err, sql, fmt, ap);
    va_end(ap);
    if (rc) return rc;
    *out = store_col_text(st, 0);
    store_sql_close(s, st);
    return SDM_OK;
}

int store_sql_int(store *s, int64_t *out, sdm_err *err, const char *sql, const char *fmt, ...) {
    sqlite3_stmt *st;
    *out = 0;
    va_list ap;
    va_start(ap, fmt);
    int rc = sql_first_row(s, &st, err, sql, fmt, ap);
    va_end(ap);
    if (rc) return rc;
    *out = sqlite3_column_int64(st, 0);
    store_sql_close(s, st);
    return SDM_OK;
}

void store_sql_cache_free(store *s) {
    for (int i = 0; i < s->ncache; i++) { sqlite3_finalize(s->cache[i].st); free(s->cache[i].sql); }
    s->ncache = 0;
}
