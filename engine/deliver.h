/*
** deliver.h — send one notification (an e-mail over SMTP or a JSON webhook
** over HTTP) and say what happened. No queue, no retries, no database: the
** caller decides when to try again, using dlv_result.retryable and
** dlv_backoff().
**
** Return values follow sdm.h:
**   SDM_OK         delivered (r->ok = 1);
**   SDM_ERR_IO     not delivered; r->retryable says whether a later attempt
**                  may succeed (network error, timeout, SMTP 4xx, HTTP 5xx,
**                  408, 429) or never will (SMTP 5xx, other HTTP 4xx, TLS
**                  or login refused, redirect);
**   SDM_ERR_MISUSE bad arguments: a URL whose scheme is not allowed, an
**                  address or subject that would inject headers, text that
**                  is not UTF-8. Never retryable.
**   SDM_ERR_NOMEM  out of memory.
** In every case r->msg says what happened in one line, without passwords or
** the path of the URL (webhook paths often carry tokens).
*/
#ifndef SDM_DELIVER_H
#define SDM_DELIVER_H
#include <stddef.h>
#include <stdint.h>
#include "sdm.h"

typedef struct dlv_smtp {
    const char *url;        /* smtp://host:port or smtps://host:port; a path
                            ** (smtp://host:587/me.example.com) names this
                            ** client in EHLO, else libcurl uses gethostname() */
    const char *user;       /* NULL: no AUTH */
    const char *password;
    const char *from;       /* "addr@x" or "Name <addr@x>" */
    int  starttls;          /* smtp:// only. 0 no, 1 try, 2 required */
    long timeout_ms;        /* whole transfer; 0 = 60 s */
    long connect_timeout_ms;/* connecting; 0 = the lesser of timeout_ms and 10 s */
} dlv_smtp;

typedef struct dlv_result {
    int     ok;
    int     retryable;      /* 1: a later attempt may succeed */
    long    status;         /* HTTP status or last SMTP reply code; 0 if none */
    int64_t retry_after_ms; /* from an HTTP Retry-After header; 0 if none */
    char    msg[512];
} dlv_result;

/* Call once at start-up, before any thread uses this module (libcurl's
** global init is not thread-safe). Calling it is optional for a
** single-threaded program. dlv_global_cleanup undoes it at exit. */
void dlv_global_init(void);
void dlv_global_cleanup(void);

/* Send a text/plain UTF-8 message. `to` is one address or several
** separated by commas ("a@x, Bob <b@y>"). r may be NULL. */
int dlv_email(const dlv_smtp *s, const char *to, const char *subject,
              const char *body, dlv_result *r);

/* POST json_body to an http:// or https:// URL. Redirects are not followed.
** With a non-empty secret, header X-Sdm-Signature carries
** "sha256=" + hex(HMAC-SHA256(secret, body)). timeout_ms 0 = 30 s. */
int dlv_webhook(const char *url, const char *json_body, const char *secret,
                long timeout_ms, dlv_result *r);

/* The same with a connect timeout (0 = the lesser of timeout_ms and 10 s). */
int dlv_webhook_ex(const char *url, const char *json_body, const char *secret,
                   long connect_ms, long timeout_ms, dlv_result *r);

/* The X-Sdm-Signature value for `body`: "sha256=" and 64 hex digits. */
#define DLV_SIG_LEN 72
void dlv_sign(const char *secret, const void *body, size_t len, char out[DLV_SIG_LEN]);

/* Delay in ms before retry `attempt` (1 = first retry): 30 s, 1 min, 2 min,
** ... doubling up to 1 h. attempt < 1 gives 0. */
int64_t dlv_backoff(int attempt);

#endif
