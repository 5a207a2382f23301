/*
** session.c — sign-in sessions, their CSRF tokens, and the sign-in rate
** limit (see server.h). In memory: a restart signs everybody out, which is
** the safe direction. Session ids and CSRF tokens are 256 random bits
** (getrandom); a session lives 12 hours. Failed sign-ins count per user
** and per address in a 5-minute window: 5 per user, 20 per address, then
** 429 until the window ends. Must not touch the engine.
*/
#include <pthread.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <sys/random.h>
#include "server.h"

enum { MAX_SESSIONS = 4096, MAX_COUNTERS = 1024, LIFE_S = 12 * 3600, WINDOW_S = 300,
       USER_FAILS = 5, ADDR_FAILS = 20 };

typedef struct session { char id[65], csrf[65], user[128]; time_t expires; } session;
typedef struct counter { char key[200]; int fails; time_t since; } counter;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static session sessions[MAX_SESSIONS];
static counter counters[MAX_COUNTERS];

void ses_init(void) {
    memset(sessions, 0, sizeof sessions);
    memset(counters, 0, sizeof counters);
}

static int random_hex(char out[65]) {
    unsigned char b[32];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) return -1;
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

int ses_create(const char *user, char *id, char *csrf) {
    if (random_hex(id) || random_hex(csrf)) return -1;
    time_t now = time(NULL);
    pthread_mutex_lock(&mu);
    session *slot = &sessions[0];           /* a free or expired slot, else the oldest */
    for (int i = 0; i < MAX_SESSIONS; i++) {
        if (sessions[i].expires < now) { slot = &sessions[i]; break; }
        if (sessions[i].expires < slot->expires) slot = &sessions[i];
    }
    snprintf(slot->id, sizeof slot->id, "%s", id);
    snprintf(slot->csrf, sizeof slot->csrf, "%s", csrf);
    snprintf(slot->user, sizeof slot->user, "%s", user);
    slot->expires = now + LIFE_S;
    pthread_mutex_unlock(&mu);
    return 0;
}

static session *find(const char *id) {
    time_t now = time(NULL);
    if (!id || strlen(id) != 64) return NULL;
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (sessions[i].expires >= now && strcmp(sessions[i].id, id) == 0) return &sessions[i];
    return NULL;
}

int ses_lookup(const char *id, char *user, size_t n, char *csrf) {
    pthread_mutex_lock(&mu);
    session *s = find(id);
    if (s) { snprintf(user, n, "%s", s->user); memcpy(csrf, s->csrf, sizeof s->csrf); }
    pthread_mutex_unlock(&mu);
    return s != NULL;
}

void ses_delete(const char *id) {
    pthread_mutex_lock(&mu);
    session *s = find(id);
    if (s) memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&mu);
}

/* The counter of `key` in the current window; NULL when lock-free lookups
** must not create one. Called with mu held. */
static counter *count_of(const char *key, int create) {
    time_t now = time(NULL);
    counter *slot = NULL;
    for (int i = 0; i < MAX_COUNTERS; i++) {
        counter *c = &counters[i];
        if (c->key[0] && strcmp(c->key, key) == 0) {
            if (now - c->since >= WINDOW_S) { c->fails = 0; c->since = now; }
            return c;
        }
        if (!slot || !c->key[0] || c->since < slot->since) slot = c;
    }
    if (!create) return NULL;
    snprintf(slot->key, sizeof slot->key, "%s", key);
    slot->fails = 0;
    slot->since = now;
    return slot;
}

static void keys(const char *user, const char *addr, char *u, char *a) {
    snprintf(u, 200, "u:%.190s", user ? user : "");
    snprintf(a, 200, "a:%.190s", addr ? addr : "");
}

int ses_limited(const char *user, const char *addr) {
    char u[200], a[200];
    keys(user, addr, u, a);
    pthread_mutex_lock(&mu);
    counter *cu = count_of(u, 0), *ca = count_of(a, 0);
    time_t now = time(NULL);
    int wait = 0;
    if (cu && cu->fails >= USER_FAILS) wait = (int)(WINDOW_S - (now - cu->since));
    if (ca && ca->fails >= ADDR_FAILS && (int)(WINDOW_S - (now - ca->since)) > wait)
        wait = (int)(WINDOW_S - (now - ca->since));
    pthread_mutex_unlock(&mu);
    return wait > 0 ? wait : 0;
}

void ses_failed(const char *user, const char *addr) {
    char u[200], a[200];
    keys(user, addr, u, a);
    pthread_mutex_lock(&mu);
    count_of(u, 1)->fails++;
    count_of(a, 1)->fails++;
    pthread_mutex_unlock(&mu);
}

void ses_succeeded(const char *user, const char *addr) {
    char u[200], a[200];
    keys(user, addr, u, a);
    pthread_mutex_lock(&mu);
    counter *c = count_of(u, 0);
    if (c) c->fails = 0;
    pthread_mutex_unlock(&mu);
}
