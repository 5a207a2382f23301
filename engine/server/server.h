/*
** server.h — what the HTTP server's files share (`sdm serve`).
**
**   http.c     the daemon (libmicrohttpd): limits, TLS, request bodies,
**              routing, authentication, engine handles, JSON responses,
**              graceful stop
**   session.c  sign-in sessions, CSRF tokens, the sign-in rate limit
**   api.c      the handlers of the JSON API (docs/API.md); each is a thin
**              client of sdm.h, like the command line
**   group.c    group commit of concurrent task completions
**   static.c   the web pages (web/, embedded at build time as srv_assets)
**
** The server holds no engine logic and no access rules: a request's user
** becomes the handle's acting user (sdm_act_as) and the engine decides.
*/
#ifndef SDM_SERVER_H
#define SDM_SERVER_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "sdm.h"

typedef struct srv_config {
    const char *db_path;
    sdm_config  engine;         /* passed to every sdm_open */
    const char *listen;         /* "host:port"; default 127.0.0.1:8080; port 0 picks one */
    const char *cert_file, *key_file;   /* both: HTTPS */
    int         handles;        /* engine handles kept open; default 8 */
    int         max_connections;/* default 256 */
    size_t      max_body;       /* bytes; default 1 MiB (a BPMN upload: 16 MiB) */
    int         timeout_s;      /* idle connection timeout; default 30 */
} srv_config;

/* Serve until SIGTERM or SIGINT; prints "listening on http://host:port". */
int srv_run(const srv_config *cfg, sdm_err *err);

/* ---------- one request (http.c builds it, api.c answers it) ---------- */

typedef struct srv_req {
    struct MHD_Connection *conn;
    const char *method, *url;
    char       *body;           /* NUL-terminated */
    size_t      len;
    sdm        *h;             /* a handle from the pool, acting as `user` */
    char        user[128];      /* "" before sign-in */
    int         by_cookie;      /* signed in by session cookie (writes need CSRF) */
    char        session[72];    /* the cookie's session id, if any */
    int64_t     id;             /* the number in the path (/api/tasks/17) */
    char        key[256];       /* the text segment in the path (/api/clients/K) */
    const char *action;         /* the last segment (claim, complete...) */
    int         tls;
    char        addr[64];       /* the client's address, for the rate limit */
    /* the answer */
    int         status;
    char       *out;            /* malloc'd body */
    size_t      out_len;
    const char *type;           /* Content-Type; default application/json */
    char        headers[2][512];/* extra headers "Name: value" (Set-Cookie...) */
    struct srv_stream *stream;  /* answer with this event stream (GET /api/events) */
    sdm_err     err;
} srv_req;

/* http.c: answers. Each returns the status it set. */
int  srv_json(srv_req *r, int status, json_t *body);          /* steals body */
int  srv_table(srv_req *r, const sdm_table *t);               /* 200, array of rows */
int  srv_fail(srv_req *r, int rc);                            /* r->err as {"error":{...}} */
int  srv_error(srv_req *r, int status, const char *code, const char *msg);
void srv_header(srv_req *r, const char *name, const char *value);
/* The request body as a JSON object (400 answered when it is not one). */
json_t *srv_body(srv_req *r);
const char *srv_arg(srv_req *r, const char *name);            /* query string */
int  srv_status_of(int rc);                                   /* SDM_* -> HTTP */
/* The engine handle pool (SSE streams borrow one per poll). */
sdm *srv_handle_get(sdm_err *err);
void srv_handle_put(sdm *h);
extern volatile int srv_stopping;

/* api.c: the routes. */
typedef int (*srv_handler)(srv_req *r);
typedef struct srv_route {
    const char *method;
    const char *path;           /* segments; '#' a number, '*' any text */
    srv_handler fn;
    int         flags;          /* SRV_* */
} srv_route;
enum { SRV_PUBLIC = 1 };       /* no sign-in needed; every method but GET needs CSRF with a cookie */
extern const srv_route srv_routes[];
/* GET /api/events: the handler sets r->stream (new tasks and deviations
** after those the user already has); http.c streams it. */
typedef struct srv_stream srv_stream;
srv_stream *srv_stream_new(sdm *h, const char *user);
/* Up to n bytes of the next events ("event: task\ndata: {...}\n\n"), 0
** when nothing new; -1 when the stream ends. */
long srv_stream_next(srv_stream *s, sdm *h, char *buf, size_t n);
void srv_stream_free(srv_stream *s);

/* group.c: complete a task as `user` in the next group commit; returns
** after that commit with the task's own status. */
int  grp_complete(const char *user, int64_t task, const char *vars, sdm_err *err);

/* static.c: a GET outside /api/ answers with an embedded file ("/" is
** /index.html); the table is generated from web/ by web/embed.sh. */
typedef struct srv_asset {
    const char *path, *type;
    const unsigned char *data;
    size_t len;
} srv_asset;
extern const srv_asset srv_assets[];
int srv_static(srv_req *r);

/* session.c */
void ses_init(void);
/* A new session for `user`: its id and CSRF token (65 bytes each). */
int  ses_create(const char *user, char *id, char *csrf);
/* The user and CSRF token of a live session; 0 when there is none. */
int  ses_lookup(const char *id, char *user, size_t n, char *csrf);
void ses_delete(const char *id);
/* Sign-in rate limit: 0 allowed; else seconds to wait. */
int  ses_limited(const char *user, const char *addr);
void ses_failed(const char *user, const char *addr);
void ses_succeeded(const char *user, const char *addr);
#endif
