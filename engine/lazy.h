/*
** lazy.h — shared libraries loaded on first use (dlopen) instead of
** linked: most sdm calls never need them, and loading a library and its
** dependencies at start-up costs more than the call itself.
*/
#ifndef SDM_LAZY_H
#define SDM_LAZY_H

typedef struct lazy_lib {
    const char *soname;          /* "libcurl.so.4" */
    const char *package;         /* the Debian package that installs it, for the message */
    const char *const *names;    /* the symbols, NULL-terminated */
    void **const *slots;         /* where each symbol's address goes */
    int state;                   /* 0 not tried, 1 loaded, -1 missing */
    char missing[300];           /* why it is missing */
} lazy_lib;

/* Loads `l` once (thread-safe); 0, or -1 with the reason in l->missing. */
int lazy_load(lazy_lib *l);

/* For a module's list X(name) of symbols: a typed pointer p_name for each,
** and the tables lazy_lib takes. Calls then go through p_name. */
#define LAZY_PTR(f)  static __typeof__(&f) p_##f;
#define LAZY_NAME(f) #f,
#define LAZY_SLOT(f) (void **)&p_##f,
#endif
