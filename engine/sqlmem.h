/*
** sqlmem.h — SQLite's memory allocator in sdm (sqlmem.c): size classes
** kept on per-thread free lists over malloc.
*/
#ifndef SDM_SQLMEM_H
#define SDM_SQLMEM_H
struct sqlite3_mem_methods;

/* Makes sqlmem SQLite's allocator (SQLITE_CONFIG_MALLOC, with memory
** statistics off). Only possible before SQLite initialises; 1 if
** installed, 0 if SQLite was already running (it keeps its own). Safe to
** call from several threads and more than once. */
int sqlmem_install(void);
/* The methods themselves, for tests that call them directly. */
const struct sqlite3_mem_methods *sqlmem_methods(void);
/* Gives the calling thread's cached blocks back to malloc (what thread
** exit does). The thread keeps working; its cache fills again. */
void sqlmem_release(void);
/* Blocks on the calling thread's free lists, all classes together. */
int sqlmem_cached(void);
#endif
