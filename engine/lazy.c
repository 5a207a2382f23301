/*
** lazy.c — loads a shared library on first use and fills a module's
** function pointers from it (lazy.h). Owns only the lock that makes the
** first load happen once; knows nothing of what the library does.
*/
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include "lazy.h"

static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;

int lazy_load(lazy_lib *l) {
    pthread_mutex_lock(&lazy_lock);
    if (l->state == 0) {
        void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
        l->state = h ? 1 : -1;
        if (!h) snprintf(l->missing, sizeof l->missing, "%s is not installed (apt-get install %s): %s",
                         l->soname, l->package, dlerror());
        for (int i = 0; h && l->names[i]; i++)
            if (!(*l->slots[i] = dlsym(h, l->names[i]))) {
                snprintf(l->missing, sizeof l->missing, "%s lacks %s", l->soname, l->names[i]);
                l->state = -1;
                break;
            }
    }
    int rc = l->state == 1 ? 0 : -1;
    pthread_mutex_unlock(&lazy_lock);
    return rc;
}
