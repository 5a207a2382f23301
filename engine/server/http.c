/*
** http.c — the HTTP side of `sdm serve` (see server.h): the libmicrohttpd
** daemon and its limits, TLS, request bodies, routing, authentication,
** the pool of engine handles, JSON answers and a graceful stop.
**
** Threads: one per connection up to the connection cap, so a server-sent
** event stream that waits blocks only its own connection. Engine handles
** come from a pool: a handle serves one request at a time, idle ones stay
** open (up to srv_config.handles), and SQLite arbitrates between them
** (BEGIN IMMEDIATE and a busy timeout in store.c; busy too long is 503).
** Must not hold engine logic or access rules: api.c calls sdm.h as the
** request's user and the engine decides.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <pthread.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include "server.h"
#include "err.h"
#include "lazy.h"
#include "../cli/print.h"

/* libmicrohttpd (and GnuTLS behind it) is loaded when a server starts, so
** every other `sdm` call is spared loading them (lazy.h). */
#define MHD_FUNCS(X) X(MHD_lookup_connection_value) X(MHD_create_response_from_callback) \
    X(MHD_create_response_from_buffer) X(MHD_add_response_header) X(MHD_queue_response) \
    X(MHD_destroy_response) X(MHD_get_connection_info) X(MHD_start_daemon) X(MHD_get_daemon_info) \
    X(MHD_quiesce_daemon) X(MHD_stop_daemon)
MHD_FUNCS(LAZY_PTR)
static const char *const mhd_names[] = {MHD_FUNCS(LAZY_NAME) NULL};
static void **const mhd_slots[] = {MHD_FUNCS(LAZY_SLOT)};
static lazy_lib libmhd = {"libmicrohttpd.so.12", "libmicrohttpd12", mhd_names, mhd_slots, 0, ""};
/* The rest of this file calls libmicrohttpd by its own names. */
#define MHD_lookup_connection_value p_MHD_lookup_connection_value
#define MHD_create_response_from_callback p_MHD_create_response_from_callback
#define MHD_create_response_from_buffer p_MHD_create_response_from_buffer
#define MHD_add_response_header p_MHD_add_response_header
#define MHD_queue_response p_MHD_queue_response
#define MHD_destroy_response p_MHD_destroy_response
#define MHD_get_connection_info p_MHD_get_connection_info
#define MHD_start_daemon p_MHD_start_daemon
#define MHD_get_daemon_info p_MHD_get_daemon_info
#define MHD_quiesce_daemon p_MHD_quiesce_daemon
#define MHD_stop_daemon p_MHD_stop_daemon

enum { MAX_JSON_DEPTH = 32, MAX_HANDLES = 256, SSE_PING_S = 15 };

volatile int srv_stopping;
static srv_config conf;
static int sse_active, sse_cap;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static sdm *pool[MAX_HANDLES];
static int npool;

/* ---------- engine handles ---------- */

sdm *srv_handle_get(sdm_err *err) {
    sdm *h = NULL;
    pthread_mutex_lock(&mu);
    if (npool) h = pool[--npool];
    pthread_mutex_unlock(&mu);
    if (!h && sdm_open(&h, conf.db_path, &conf.engine, err) != SDM_OK) return NULL;
    return h;
}

void srv_handle_put(sdm *h) {
    if (!h) return;
    sdm_act_as(h, NULL, NULL);
    pthread_mutex_lock(&mu);
    if (npool < conf.handles) { pool[npool++] = h; h = NULL; }
    pthread_mutex_unlock(&mu);
    sdm_close(h);
}

/* ---------- answers ---------- */

int srv_status_of(int rc) {
    switch (rc) {
    case SDM_OK: return 200;
    case SDM_ERR_MISUSE: return 400;
    case SDM_ERR_DENIED: return 403;
    case SDM_ERR_NOTFOUND: return 404;
    case SDM_ERR_STATE: return 409;
    case SDM_ERR_LIMIT: return 413;
    case SDM_ERR_XML: case SDM_ERR_MODEL: case SDM_ERR_SCRIPT: return 422;
    default: return 500;
    }
}

int srv_json(srv_req *r, int status, json_t *body) {
    free(r->out);
    r->out = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    r->out_len = r->out ? strlen(r->out) : 0;
    json_decref(body);
    return r->status = status;
}

int srv_table(srv_req *r, const sdm_table *t) { return srv_json(r, 200, print_json_value(r->h, t)); }

int srv_error(srv_req *r, int status, const char *code, const char *msg) {
    return srv_json(r, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

int srv_fail(srv_req *r, int rc) {
    const sdm_err *e = &r->err;
    int status = srv_status_of(rc);
    /* SQLite busy past its timeout: the client may try again */
    if (rc == SDM_ERR_STORE && (strstr(e->msg, "locked") || strstr(e->msg, "busy"))) status = 503;
    json_t *o = json_pack("{s:s,s:s}", "code", sdm_status_name(rc), "message", e->msg[0] ? e->msg : sdm_status_name(rc));
    if (e->file[0]) json_object_set_new(o, "file", json_string(e->file));
    if (e->line) json_object_set_new(o, "line", json_integer(e->line));
    if (e->element[0]) json_object_set_new(o, "element", json_string(e->element));
    return srv_json(r, status, json_pack("{s:o}", "error", o));
}

void srv_header(srv_req *r, const char *name, const char *value) {
    for (int i = 0; i < 2; i++)
        if (!r->headers[i][0]) { snprintf(r->headers[i], sizeof r->headers[i], "%s: %s", name, value); return; }
}

const char *srv_arg(srv_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Deeper nesting than any form needs is refused before jansson recurses. */
static int too_deep(const char *s, size_t n) {
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) { if (c == '\\') i++; else if (c == '"') in_str = 0; }
        else if (c == '"') in_str = 1;
        else if ((c == '{' || c == '[') && ++depth > MAX_JSON_DEPTH) return 1;
        else if (c == '}' || c == ']') depth--;
    }
    return 0;
}

json_t *srv_body(srv_req *r) {
    json_error_t je;
    if (!r->len) { srv_error(r, 400, "misuse", "a JSON object is required"); return NULL; }
    if (too_deep(r->body, r->len)) { srv_error(r, 400, "misuse", "JSON nested too deeply"); return NULL; }
    json_t *j = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(j)) {
        char msg[300];
        snprintf(msg, sizeof msg, "malformed JSON: %s", j ? "not an object" : je.text);
        json_decref(j);
        srv_error(r, 400, "misuse", msg);
        return NULL;
    }
    return j;
}

/* ---------- routing and authentication ---------- */

/* Match "/api/tasks/17/claim" against a pattern of segments ("#" a number, "*" any text). */
static int match(const char *pattern, const char *path, srv_req *r) {
    char p[256], u[1024];
    snprintf(p, sizeof p, "%s", pattern);
    if (snprintf(u, sizeof u, "%s", path) >= (int)sizeof u) return 0;
    char *sp, *su, *a = strtok_r(p, "/", &sp), *b = strtok_r(u, "/", &su);
    int64_t id = 0;
    char key[256] = "";
    for (; a && b; a = strtok_r(NULL, "/", &sp), b = strtok_r(NULL, "/", &su)) {
        if (strcmp(a, "#") == 0) {
            char *end;
            long long v = strtoll(b, &end, 10);
            if (*end || v <= 0) return 0;
            id = v;
        } else if (strcmp(a, "*") == 0) snprintf(key, sizeof key, "%s", b);
        else if (strcmp(a, b) != 0) return 0;
    }
    if (a || b) return 0;
    r->id = id;
    snprintf(r->key, sizeof r->key, "%s", key);
    r->action = strrchr(path, '/') + 1;
    return 1;
}

static const char *header(srv_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* Bearer token or session cookie; 0 with an answer set when neither holds. */
static int authenticate(srv_req *r, const srv_route *rt) {
    const char *auth = header(r, "Authorization");
    if (auth && strncmp(auth, "Bearer ", 7) == 0) {
        if (sdm_token_user(r->h, auth + 7, r->user, sizeof r->user, &r->err) != SDM_OK) {
            srv_error(r, 401, "unauthorized", "the token is not valid");
            return 0;
        }
        return 1;
    }
    const char *sid = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "sdm_session");
    char csrf[65];
    if (!sid || !ses_lookup(sid, r->user, sizeof r->user, csrf)) {
        r->user[0] = 0;
        if (rt->flags & SRV_PUBLIC) return 1;
        srv_error(r, 401, "unauthorized", "sign in first (POST /api/session) or send a bearer token");
        return 0;
    }
    r->by_cookie = 1;
    snprintf(r->session, sizeof r->session, "%s", sid);
    const char *sent = header(r, "X-CSRF-Token");
    if (strcmp(r->method, "GET") != 0 && (!sent || strcmp(sent, csrf) != 0)) {
        srv_error(r, 403, "csrf", "a write with a session cookie needs the X-CSRF-Token header");
        return 0;
    }
    return 1;
}

static void dispatch(srv_req *r) {
    const srv_route *rt = NULL;
    int path_found = 0;
    if (strncmp(r->url, "/api/", 5) != 0) { srv_static(r); return; }
    for (const srv_route *x = srv_routes; x->method && !rt; x++)
        if (match(x->path, r->url, r)) {
            path_found = 1;
            if (strcmp(x->method, r->method) == 0) rt = x;
        }
    if (!rt) { srv_error(r, path_found ? 405 : 404, "notfound", path_found ? "method not allowed" : "no such resource"); return; }
    if (!(r->h = srv_handle_get(&r->err))) { srv_fail(r, r->err.code); return; }
    if (!authenticate(r, rt)) return;
    if (r->user[0] && sdm_act_as(r->h, r->user, &r->err) != SDM_OK) {
        srv_error(r, 401, "unauthorized", "the user is no longer active");
        return;
    }
    rt->fn(r);
}

/* ---------- server-sent events ---------- */

typedef struct sse { srv_stream *s; int sent_hello; } sse;  /* s owned here once streaming */

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max) {
    sse *e = cls;
    if (!e->sent_hello) { e->sent_hello = 1; return snprintf(buf, max, "retry: 1000\n\n"); }
    for (int waited = 0; !srv_stopping; waited++) {
        sdm_err err;
        sdm *h = srv_handle_get(&err);
        long n = h ? srv_stream_next(e->s, h, buf, max) : -1;
        srv_handle_put(h);
        if (n < 0) break;
        if (n > 0) return n;
        if (waited >= SSE_PING_S) return snprintf(buf, max, ": ping\n\n");
        sleep(1);
    }
    return MHD_CONTENT_READER_END_OF_STREAM;
}

static void sse_free(void *cls) {
    sse *e = cls;
    srv_stream_free(e->s);
    free(e);
    pthread_mutex_lock(&mu);
    sse_active--;
    pthread_mutex_unlock(&mu);
}

static struct MHD_Response *sse_response(srv_req *r) {
    pthread_mutex_lock(&mu);
    int ok = sse_active < sse_cap;
    if (ok) sse_active++;
    pthread_mutex_unlock(&mu);
    if (!ok) { srv_error(r, 503, "busy", "too many event streams"); r->status = 503; return NULL; }
    sse *e = calloc(1, sizeof *e);
    e->s = r->stream;
    r->stream = NULL;
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 8192, sse_read, e, sse_free);
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    return resp;
}

/* ---------- the daemon ---------- */

typedef struct conn { srv_req r; size_t cap, max; int too_large; } conn;

static enum MHD_Result answer(conn *c) {
    srv_req *r = &c->r;
    struct MHD_Response *resp = NULL;
    if (c->too_large) srv_error(r, 413, "limit", "the request body is too large");
    else dispatch(r);
    srv_handle_put(r->h);
    r->h = NULL;
    if (r->stream && (resp = sse_response(r)) != NULL) r->status = 200;
    if (!resp) {
        resp = MHD_create_response_from_buffer(r->out_len, r->out, MHD_RESPMEM_MUST_FREE);
        r->out = NULL;
        MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "application/json");
    }
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    for (int i = 0; i < 2; i++) {
        char *colon = r->headers[i][0] ? strchr(r->headers[i], ':') : NULL;
        if (!colon) continue;
        *colon = 0;
        MHD_add_response_header(resp, r->headers[i], colon + 2);
    }
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **state) {
    conn *c = *state;
    if (!c) {
        c = calloc(1, sizeof *c);
        c->r.conn = mc;
        c->r.url = url;
        c->r.method = method;
        c->r.tls = conf.cert_file != NULL;
        c->max = strcmp(url, "/api/deployments") == 0 ? (size_t)16 << 20 : conf.max_body;
        c->r.body = calloc(1, 1);
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, c->r.addr, sizeof c->r.addr);
        *state = c;
        return MHD_YES;
    }
    if (*size) {
        if (!c->too_large && c->r.len + *size <= c->max) {
            if (c->r.len + *size + 1 > c->cap) {
                c->cap = (c->r.len + *size + 1) * 2;
                c->r.body = realloc(c->r.body, c->cap);
            }
            memcpy(c->r.body + c->r.len, data, *size);
            c->r.len += *size;
            c->r.body[c->r.len] = 0;
        } else c->too_large = 1;
        *size = 0;
        return MHD_YES;
    }
    return answer(c);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **state, enum MHD_RequestTerminationCode tc) {
    conn *c = *state;
    if (!c) return;
    srv_handle_put(c->r.h);
    srv_stream_free(c->r.stream);
    free(c->r.body);
    free(c->r.out);
    free(c);
    *state = NULL;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    return buf;
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, sdm_err *err) {
    char host[128];
    const char *colon = strrchr(listen, ':');
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host) goto bad;
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1) goto bad;
    sa->sin_port = htons((uint16_t)port);
    return SDM_OK;
bad:
    snprintf(err->msg, sizeof err->msg, "--listen wants IPv4-ADDRESS:PORT, not '%s'", listen);
    return err->code = SDM_ERR_MISUSE;
}

int srv_run(const srv_config *cfg, sdm_err *err) {
    if (lazy_load(&libmhd)) return err_set(err, SDM_ERR_IO, NULL, 0, NULL, "%s", libmhd.missing);
    conf = *cfg;
    if (!conf.listen) conf.listen = "127.0.0.1:8080";
    if (conf.handles <= 0) conf.handles = 8;
    if (conf.handles > MAX_HANDLES) conf.handles = MAX_HANDLES;
    if (conf.max_connections <= 0) conf.max_connections = 256;
    if (!conf.max_body) conf.max_body = (size_t)1 << 20;
    if (conf.timeout_s <= 0) conf.timeout_s = 30;
    sse_cap = conf.max_connections / 4;
    struct sockaddr_in sa;
    if (parse_listen(conf.listen, &sa, err)) return err->code;
    sdm *probe = srv_handle_get(err);             /* the database opens and migrates */
    if (!probe) return err->code;
    srv_handle_put(probe);
    ses_init();
    char *cert = NULL, *key = NULL;
    if ((conf.cert_file != NULL) != (conf.key_file != NULL)) {
        snprintf(err->msg, sizeof err->msg, "HTTPS needs both --cert and --key");
        return err->code = SDM_ERR_MISUSE;
    }
    if (conf.cert_file && (!(cert = slurp(conf.cert_file)) || !(key = slurp(conf.key_file)))) {
        snprintf(err->msg, sizeof err->msg, "cannot read %s", cert ? conf.key_file : conf.cert_file);
        free(cert);
        return err->code = SDM_ERR_IO;
    }
    /* Signals are waited for by this thread only; the daemon's threads inherit the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (cert ? MHD_USE_TLS : 0);
    struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)conf.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0u,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)conf.timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 << 10,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
        MHD_OPTION_HTTPS_MEM_KEY, key,
        MHD_OPTION_END);
    if (!d) {
        free(cert); free(key);
        snprintf(err->msg, sizeof err->msg, "cannot listen on %s", conf.listen);
        return err->code = SDM_ERR_IO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[64];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
    printf("sdm: listening on %s://%s:%u\n", cert ? "https" : "http", host, di ? di->port : ntohs(sa.sin_port));
    fflush(stdout);
    int sig;
    sigwait(&sigs, &sig);
    /* Graceful stop: refuse new connections, let running requests finish
    ** (event streams end within a second), then stop. */
    srv_stopping = 1;
    MHD_quiesce_daemon(d);
    for (int i = 0; i < 100; i++) {
        di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!di || di->num_connections == 0) break;
        usleep(100000);
    }
    MHD_stop_daemon(d);
    free(cert); free(key);
    pthread_mutex_lock(&mu);
    while (npool) sdm_close(pool[--npool]);
    pthread_mutex_unlock(&mu);
    fprintf(stderr, "sdm: server stopped\n");
    return SDM_OK;
}
