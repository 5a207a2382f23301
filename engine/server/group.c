/*
** group.c — group commit for task completions (see server.h): requests
** that arrive while a transaction commits wait together and go in the next
** one (sdm_complete_batch), so concurrent completions share a commit and
** its fsync instead of queueing on SQLite's write lock one by one. Each
** request is answered only after the commit that holds its step.
**
** Leader election without a thread of its own: the first waiting request
** that finds no batch running takes everything queued (up to MAX_BATCH),
** runs it on a pooled handle, then wakes the others. Must not decide
** anything about the tasks: the engine does, per task, as its user.
*/
#include <pthread.h>
#include <string.h>
#include "server.h"

enum { MAX_BATCH = 64 };

typedef struct item {
    const char *user, *vars;
    int64_t task;
    int rc, done;
    sdm_err err;
    struct item *next;
} item;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static item *head, **tail = &head;
static int running;

/* Run one batch (called without the lock). */
static void run(item **batch, int n) {
    int64_t tasks[MAX_BATCH];
    const char *users[MAX_BATCH], *vars[MAX_BATCH];
    int rcs[MAX_BATCH];
    static __thread sdm_err errs[MAX_BATCH];
    sdm_err err = {0};
    for (int i = 0; i < n; i++) { tasks[i] = batch[i]->task; users[i] = batch[i]->user; vars[i] = batch[i]->vars; }
    sdm *h = srv_handle_get(&err);
    if (h) sdm_complete_batch(h, n, tasks, users, vars, rcs, errs, &err);
    srv_handle_put(h);
    for (int i = 0; i < n; i++) {
        batch[i]->rc = h ? rcs[i] : err.code;
        batch[i]->err = h ? errs[i] : err;
    }
}

int grp_complete(const char *user, int64_t task, const char *vars, sdm_err *err) {
    item me = {.user = user, .vars = vars, .task = task};
    pthread_mutex_lock(&mu);
    *tail = &me;
    tail = &me.next;
    while (!me.done) {
        if (running) { pthread_cond_wait(&cv, &mu); continue; }
        item *batch[MAX_BATCH];
        int n = 0;
        while (head && n < MAX_BATCH) {
            batch[n++] = head;
            head = head->next;
        }
        if (!head) tail = &head;
        running = 1;
        pthread_mutex_unlock(&mu);
        run(batch, n);
        pthread_mutex_lock(&mu);
        for (int i = 0; i < n; i++) batch[i]->done = 1;
        running = 0;
        pthread_cond_broadcast(&cv);
    }
    pthread_mutex_unlock(&mu);
    *err = me.err;
    return me.rc;
}
