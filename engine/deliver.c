/*
** deliver.c — sends one notification and reports the outcome: an e-mail
** through an SMTP server, or a JSON POST to a webhook, both with libcurl.
**
** It owns only the message it builds and the curl handle of one call. It
** must not touch the database or Lua, keep state between calls, sleep,
** retry, or print: the caller records the outcome and schedules retries
** with dlv_backoff().
**
** Safety rules kept here: only smtp/smtps/http/https ever reach curl (also
** enforced inside curl with CURLOPT_PROTOCOLS_STR); redirects are never
** followed; every transfer has a timeout; caller text that becomes a header
** is checked so it cannot add headers; messages never echo a password or a
** webhook's path.
**
** libcurl and its tree of ~35 libraries (TLS, Kerberos, LDAP, ...) are
** loaded with dlopen on the first delivery, not linked: every other sdm
** call would pay for loading them and never use them. The curl headers
** still give the types; the functions come through the pointers below.
*/
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#define CURL_DISABLE_TYPECHECK     /* its macros would wrap the pointers */
#include <curl/curl.h>
#include "deliver.h"
#include "err.h"
#include "lazy.h"

#define UA "sdm/" SDM_VERSION
#define MAX_RCPT 100
#define SNIP 200            /* bytes of an HTTP error body kept for msg */

/* ------------------------------------------------------------------ */
/* Results                                                              */

static int fail(dlv_result *r, int code, int retryable, long status,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(dlv_result *r, int code, int retryable, long status,
                const char *fmt, ...) {
    va_list ap;
    r->ok = 0;
    r->retryable = retryable;
    r->status = status;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    return code;
}

/* ------------------------------------------------------------------ */
/* A growable string. Out of memory sets a flag checked once at the end,
** so the builders below need no error path per append. */

typedef struct buf { char *s; size_t len, cap; int oom; } buf;

static void buf_add(buf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) { b->oom = 1; return; }
        b->s = p; b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void buf_puts(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(buf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) { b->oom = 1; return; }   /* callers keep it short */
    buf_add(b, tmp, (size_t)n);
}

/* ------------------------------------------------------------------ */
/* libcurl, loaded on first use                                         */

#define CURL_FUNCS(X) X(curl_global_init) X(curl_global_cleanup) X(curl_easy_init) \
    X(curl_easy_setopt) X(curl_easy_perform) X(curl_easy_cleanup) X(curl_easy_getinfo) \
    X(curl_easy_strerror) X(curl_free) X(curl_slist_append) X(curl_slist_free_all) \
    X(curl_url) X(curl_url_cleanup) X(curl_url_get) X(curl_url_set)
CURL_FUNCS(LAZY_PTR)
static const char *const curl_names[] = {CURL_FUNCS(LAZY_NAME) NULL};
static void **const curl_slots[] = {CURL_FUNCS(LAZY_SLOT)};
static lazy_lib libcurl = {"libcurl.so.4", "libcurl4", curl_names, curl_slots, 0, ""};

/* 0 when libcurl is there; else fails r with the reason (retryable: the
** message waits in the outbox until someone installs it). */
static int curl_ready(dlv_result *r) {
    return lazy_load(&libcurl) ? fail(r, SDM_ERR_IO, 1, 0, "%s", libcurl.missing) : 0;
}
/* The rest of this file calls libcurl by its own names. */
#define curl_global_init p_curl_global_init
#define curl_global_cleanup p_curl_global_cleanup
#define curl_easy_init p_curl_easy_init
#undef curl_easy_setopt       /* curl.h defines both as macros of themselves */
#undef curl_easy_getinfo
#define curl_easy_setopt p_curl_easy_setopt
#define curl_easy_perform p_curl_easy_perform
#define curl_easy_cleanup p_curl_easy_cleanup
#define curl_easy_getinfo p_curl_easy_getinfo
#define curl_easy_strerror p_curl_easy_strerror
#define curl_free p_curl_free
#define curl_slist_append p_curl_slist_append
#define curl_slist_free_all p_curl_slist_free_all
#define curl_url p_curl_url
#define curl_url_cleanup p_curl_url_cleanup
#define curl_url_get p_curl_url_get
#define curl_url_set p_curl_url_set

/* ------------------------------------------------------------------ */
/* Global state and backoff                                             */

void dlv_global_init(void) {
    dlv_result r;
    if (curl_ready(&r) == 0) curl_global_init(CURL_GLOBAL_DEFAULT);
}
void dlv_global_cleanup(void) { if (p_curl_global_cleanup) curl_global_cleanup(); }

int64_t dlv_backoff(int attempt) {
    const int64_t base = 30000, cap = 3600000;
    if (attempt < 1) return 0;
    if (attempt > 8) return cap;        /* 30 s << 7 already passes 1 h */
    int64_t d = base << (attempt - 1);
    return d < cap ? d : cap;
}

/* ------------------------------------------------------------------ */
/* SHA-256 and HMAC (FIPS 180-4, RFC 2104). Kept here so signing needs no
** extra library: the engine links libcurl but not libcrypto. */

typedef struct sha256 { uint32_t h[8]; uint8_t blk[64]; uint64_t n; } sha256;

static const uint32_t K[64] = {
    0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
    0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
    0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
    0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
    0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
    0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
    0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
    0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(sha256 *c, const uint8_t *p) {
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4*i] << 24 | (uint32_t)p[4*i+1] << 16 | (uint32_t)p[4*i+2] << 8 | p[4*i+3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i-15], 7) ^ ROR(w[i-15], 18) ^ (w[i-15] >> 3);
        uint32_t s1 = ROR(w[i-2], 17) ^ ROR(w[i-2], 19) ^ (w[i-2] >> 10);
        w[i] = w[i-16] + s0 + w[i-7] + s1;
    }
    memcpy(v, c->h, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = v[7] + (ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25))
                    + ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + w[i];
        uint32_t t2 = (ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22))
                    + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++) c->h[i] += v[i];
}

static void sha_init(sha256 *c) {
    static const uint32_t h0[8] = { 0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,
                                    0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19 };
    memcpy(c->h, h0, sizeof h0);
    c->n = 0;
}

static void sha_update(sha256 *c, const void *data, size_t len) {
    const uint8_t *p = data;
    while (len--) {
        c->blk[c->n++ % 64] = *p++;
        if (c->n % 64 == 0) sha_block(c, c->blk);
    }
}

static void sha_final(sha256 *c, uint8_t out[32]) {
    uint64_t bits = c->n * 8;
    uint8_t pad = 0x80, zero = 0, len[8];
    sha_update(c, &pad, 1);
    while (c->n % 64 != 56) sha_update(c, &zero, 1);
    for (int i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha_update(c, len, 8);
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

static void hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
                        uint8_t out[32]) {
    uint8_t k[64] = {0}, pad[64];
    sha256 c;
    if (klen > 64) { sha_init(&c); sha_update(&c, key, klen); sha_final(&c, k); }
    else memcpy(k, key, klen);
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
    sha_init(&c); sha_update(&c, pad, 64); sha_update(&c, msg, mlen); sha_final(&c, out);
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x5c;
    sha_init(&c); sha_update(&c, pad, 64); sha_update(&c, out, 32); sha_final(&c, out);
}

void dlv_sign(const char *secret, const void *body, size_t len, char out[DLV_SIG_LEN]) {
    uint8_t mac[32];
    hmac_sha256(secret, strlen(secret), body, len, mac);
    memcpy(out, "sha256=", 7);
    for (int i = 0; i < 32; i++) snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
}

/* ------------------------------------------------------------------ */
/* Text checks and encodings                                            */

static int is_ascii(const char *s) {
    for (; *s; s++) if ((unsigned char)*s >= 0x80) return 0;
    return 1;
}

/* Control characters in header text would start a new header line. */
static int has_ctl(const char *s) {
    for (; *s; s++) if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

static void base64(buf *b, const unsigned char *p, size_t n) {
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        char q[4] = { A[v >> 18], A[v >> 12 & 63],
                      i + 1 < n ? A[v >> 6 & 63] : '=', i + 2 < n ? A[v & 63] : '=' };
        buf_add(b, q, 4);
    }
}

/* RFC 2047 B encoding, folded: each word carries at most 39 bytes (52
** base64 chars, 64 with the wrapper) so a header line stays under 78
** columns, and never splits a UTF-8 sequence, which decoders reject. */
static void encode_words(buf *b, const char *s) {
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t k = n - i > 39 ? 39 : n - i;
        while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80) k--;
        if (i) buf_puts(b, "\r\n ");
        buf_puts(b, "=?UTF-8?B?");
        base64(b, (const unsigned char *)s + i, k);
        buf_puts(b, "?=");
        i += k;
    }
}

/* Header text: as is when plain ASCII that fits on a line, else encoded. */
static void header_text(buf *b, const char *s) {
    if (is_ascii(s) && strlen(s) < 900) buf_puts(b, s);
    else encode_words(b, s);
}

/* The body with every line ending made CRLF, as SMTP requires. */
static void crlf_body(buf *b, const char *s) {
    for (; *s; s++) {
        if (*s == '\r' && s[1] == '\n') continue;      /* the \n emits it */
        if (*s == '\r' || *s == '\n') buf_add(b, "\r\n", 2);
        else buf_add(b, s, 1);
    }
    if (b->len < 2 || memcmp(b->s + b->len - 2, "\r\n", 2) != 0) buf_add(b, "\r\n", 2);
}

/* 7bit needs ASCII without controls and lines under 998 octets. */
static int plain_7bit(const char *s, size_t n) {
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') { col = 0; continue; }
        if (c >= 0x80 || (c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) return 0;
        if (++col > 900) return 0;
    }
    return 1;
}

/* Quoted-printable (RFC 2045 6.7) of CRLF text: lines of at most 76
** columns with soft breaks, trailing blanks encoded so relays keep them. */
static void quoted_printable(buf *b, const char *s, size_t n) {
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
            buf_add(b, "\r\n", 2); col = 0; i++; continue;
        }
        int eol = i + 1 == n || s[i + 1] == '\r';
        char tok[4];
        int lit = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !eol);
        if (lit) { tok[0] = (char)c; tok[1] = 0; }
        else snprintf(tok, sizeof tok, "=%02X", c);
        size_t tl = strlen(tok);
        if (col + tl > 75) { buf_add(b, "=\r\n", 3); col = 0; }
        buf_add(b, tok, tl);
        col += tl;
    }
}

/* ------------------------------------------------------------------ */
/* Addresses                                                            */

typedef struct addr { char name[256]; char spec[256]; } addr;

static void trim(const char **p, const char **e) {
    while (*p < *e && (**p == ' ' || **p == '\t')) (*p)++;
    while (*e > *p && ((*e)[-1] == ' ' || (*e)[-1] == '\t')) (*e)--;
}

/* addr-spec as sdm accepts it: printable ASCII, no specials, one '@' with
** something on both sides. Stricter than RFC 5322, which is the point. */
static int spec_ok(const char *s) {
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@')) return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s >= 0x7f || strchr("<>()[],;:\\\"", *s)) return 0;
    return 1;
}

/* One "spec", "Name <spec>" or "\"Name\" <spec>" between p and e. */
static int parse_one(const char *p, const char *e, addr *a) {
    trim(&p, &e);
    const char *lt = memchr(p, '<', (size_t)(e - p)), *sp = p, *se = e;
    a->name[0] = 0;
    if (lt) {
        if (e[-1] != '>') return 0;
        const char *np = p, *ne = lt;
        trim(&np, &ne);
        if (ne - np >= 2 && *np == '"' && ne[-1] == '"') { np++; ne--; }
        if ((size_t)(ne - np) >= sizeof a->name) return 0;
        memcpy(a->name, np, (size_t)(ne - np));
        a->name[ne - np] = 0;
        sp = lt + 1; se = e - 1;
    }
    if (se <= sp || (size_t)(se - sp) >= sizeof a->spec) return 0;
    memcpy(a->spec, sp, (size_t)(se - sp));
    a->spec[se - sp] = 0;
    return spec_ok(a->spec) && !has_ctl(a->name) && !strchr(a->name, '"') && !strchr(a->name, '\\')
        && err_utf8_valid((const unsigned char *)a->name, strlen(a->name));
}

/* Split a list on commas outside quotes and angle brackets. Returns the
** count, or -1 with the offending entry's position in *bad. */
static int parse_list(const char *s, addr *out, int max, int *bad) {
    int n = 0, q = 0, ang = 0;
    const char *start = s;
    for (const char *p = s;; p++) {
        if (*p == '"') q = !q;
        else if (!q && *p == '<') ang = 1;
        else if (!q && *p == '>') ang = 0;
        if (*p && (q || ang || *p != ',')) continue;
        *bad = n + 1;
        if (n == max || !parse_one(start, p, &out[n])) return -1;
        n++;
        if (!*p) return n;
        start = p + 1;
    }
}

/* Re-emit an address for a header: names quoted, or encoded if not ASCII. */
static void put_addr(buf *b, const addr *a) {
    if (!a->name[0]) { buf_puts(b, a->spec); return; }
    if (is_ascii(a->name)) { buf_puts(b, "\""); buf_puts(b, a->name); buf_puts(b, "\""); }
    else encode_words(b, a->name);
    buf_printf(b, " <%s>", a->spec);
}

/* ------------------------------------------------------------------ */
/* URLs and curl                                                        */

static int scheme_in(const char *scheme, const char *allowed) {
    char list[64], want[32];
    snprintf(list, sizeof list, ",%s,", allowed);
    snprintf(want, sizeof want, ",%.20s,", scheme);
    return strstr(list, want) != NULL;
}

/* Parse url, check its scheme is one of `allowed` (comma list), and write
** "scheme://host[:port]" to safe: enough to say where, nothing secret. */
static int check_url(const char *url, const char *allowed, char *safe, size_t n,
                     dlv_result *r) {
    snprintf(safe, n, "(bad url)");
    if (!url || !*url) return fail(r, SDM_ERR_MISUSE, 0, 0, "no URL given");
    if (curl_ready(r)) return SDM_ERR_IO;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    int rc = SDM_OK;
    if (!u) return fail(r, SDM_ERR_NOMEM, 0, 0, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK
        || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
        rc = fail(r, SDM_ERR_MISUSE, 0, 0, "not a valid URL (scheme://host... expected)");
    } else if (!scheme_in(scheme, allowed)) {
        rc = fail(r, SDM_ERR_MISUSE, 0, 0, "URL scheme \"%.20s\" not allowed (only %s)",
                  scheme, allowed);
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        rc = fail(r, SDM_ERR_MISUSE, 0, 0, "URL has no host");
    } else {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        snprintf(safe, n, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
    }
    curl_free(scheme); curl_free(host); curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

/* Options every transfer shares. NOSIGNAL: timeouts must not use SIGALRM
** in a threaded host. Redirects stay off; the protocol lists are a second
** lock behind check_url in case a later change turns them on. */
static CURLcode common_opts(CURL *c, const char *url, const char *protos, long connect_ms, long timeout_ms,
                            char *errbuf) {
#if LIBCURL_VERSION_NUM >= 0x075500
    CURLcode e = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos);
    if (e == CURLE_OK) e = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protos);
#else
    long bits = strstr(protos, "smtp") ? CURLPROTO_SMTP | CURLPROTO_SMTPS
                                       : CURLPROTO_HTTP | CURLPROTO_HTTPS;
    CURLcode e = curl_easy_setopt(c, CURLOPT_PROTOCOLS, bits);
    if (e == CURLE_OK) e = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, bits);
#endif
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    if (connect_ms <= 0 || connect_ms > timeout_ms) connect_ms = timeout_ms < 10000 ? timeout_ms : 10000L;
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    errbuf[0] = 0;
    return e;    /* not OK: the lock is missing, so send nothing */
}

/* Failures of the network or the peer's availability may pass; a refused
** login, a bad certificate or a malformed request will not. */
static int curl_retryable(CURLcode e) {
    switch (e) {
    case CURLE_COULDNT_RESOLVE_PROXY: case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT: case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR: case CURLE_RECV_ERROR: case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: case CURLE_SSL_CONNECT_ERROR: case CURLE_AGAIN:
    case CURLE_HTTP2: case CURLE_HTTP2_STREAM: case CURLE_PROXY:
        return 1;
    default:
        return 0;
    }
}

static const char *why(CURLcode e, const char *errbuf) {
    return errbuf[0] ? errbuf : curl_easy_strerror(e);
}

/* ------------------------------------------------------------------ */
/* E-mail                                                               */

static void put_date(buf *b) {
    static const char *D[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *M[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    /* Names by hand: strftime's %a/%b follow the locale, RFC 5322 does not. */
    buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", D[tm.tm_wday],
               tm.tm_mday, M[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Unique enough without randomness: time in ns, pid and a call counter. */
static void put_message_id(buf *b, const addr *from) {
    static _Atomic unsigned counter;     /* handles may live in several threads */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    buf_printf(b, "Message-ID: <%lld.%09ld.%ld.%u.sdm@%s>\r\n", (long long)ts.tv_sec,
               ts.tv_nsec, (long)getpid(), ++counter, strchr(from->spec, '@') + 1);
}

static void build_message(buf *m, const addr *from, const addr *to, int nto,
                          const char *subject, const char *body) {
    buf text = {0};
    crlf_body(&text, body);
    if (text.oom) { m->oom = 1; return; }
    int seven = plain_7bit(text.s, text.len);
    put_date(m);
    buf_puts(m, "From: "); put_addr(m, from); buf_puts(m, "\r\n");
    buf_puts(m, "To: ");
    for (int i = 0; i < nto; i++) { if (i) buf_puts(m, ",\r\n "); put_addr(m, &to[i]); }
    buf_puts(m, "\r\nSubject: "); header_text(m, subject); buf_puts(m, "\r\n");
    put_message_id(m, from);
    buf_puts(m, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n");
    buf_printf(m, "Content-Transfer-Encoding: %s\r\n", seven ? "7bit" : "quoted-printable");
    /* RFC 3834: vacation responders and ticket systems must not answer */
    buf_puts(m, "Auto-Submitted: auto-generated\r\n");
    buf_puts(m, "X-Mailer: " UA "\r\n\r\n");
    if (seven) buf_add(m, text.s, text.len);
    else quoted_printable(m, text.s, text.len);
    if (m->len < 2 || memcmp(m->s + m->len - 2, "\r\n", 2) != 0) buf_puts(m, "\r\n");
    free(text.s);
}

/* Reject what cannot be sent before opening a connection. */
static int check_mail(const dlv_smtp *s, const char *to, const char *subject,
                      const char *body, addr *from, addr *rcpt, int *nrcpt, dlv_result *r) {
    int bad = 0;
    if (!s || !s->from || !to || !subject || !body)
        return fail(r, SDM_ERR_MISUSE, 0, 0, "e-mail: server, from, to, subject and body are required");
    if (parse_list(s->from, from, 1, &bad) != 1)
        return fail(r, SDM_ERR_MISUSE, 0, 0, "e-mail: bad sender address \"%.200s\"", s->from);
    *nrcpt = parse_list(to, rcpt, MAX_RCPT, &bad);
    if (*nrcpt < 0)
        return fail(r, SDM_ERR_MISUSE, 0, 0, bad > MAX_RCPT ? "e-mail: more than %d recipients"
                    : "e-mail: recipient %d is not a valid address", bad > MAX_RCPT ? MAX_RCPT : bad);
    if (has_ctl(subject))
        return fail(r, SDM_ERR_MISUSE, 0, 0, "e-mail: subject contains a line break or control character");
    if (!err_utf8_valid((const unsigned char *)subject, strlen(subject)))
        return fail(r, SDM_ERR_MISUSE, 0, 0, "e-mail: subject is not valid UTF-8");
    if (!err_utf8_valid((const unsigned char *)body, strlen(body)))
        return fail(r, SDM_ERR_MISUSE, 0, 0, "e-mail: body is not valid UTF-8");
    return SDM_OK;
}

typedef struct upload { const char *p; size_t left; } upload;

static size_t read_cb(char *dst, size_t size, size_t n, void *ud) {
    upload *u = ud;
    size_t k = size * n < u->left ? size * n : u->left;
    memcpy(dst, u->p, k);
    u->p += k; u->left -= k;
    return k;
}

/* SMTP reply classes decide first (4xx transient, 5xx permanent, RFC 5321
** 4.2.1); without a reply, the kind of network failure decides. */
static int mail_outcome(CURL *c, CURLcode e, const char *where, const char *errbuf,
                        dlv_result *r) {
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (e == CURLE_OK) {
        r->ok = 1; r->retryable = 0; r->status = code;
        snprintf(r->msg, sizeof r->msg, "e-mail accepted by %s (%ld)", where, code);
        return SDM_OK;
    }
    int retry = code >= 400 && code < 500 ? 1 : code >= 500 ? 0 : curl_retryable(e);
    return fail(r, SDM_ERR_IO, retry, code, "e-mail via %s failed%s: %s", where,
                retry ? " (will retry)" : "", why(e, errbuf));
}

static struct curl_slist *rcpt_list(const addr *rcpt, int n, int *oom) {
    struct curl_slist *l = NULL;
    for (int i = 0; i < n; i++) {
        struct curl_slist *t = curl_slist_append(l, rcpt[i].spec);
        if (!t) { *oom = 1; break; }
        l = t;
    }
    return l;
}

static int send_mail(const dlv_smtp *s, const char *where, const addr *from, const addr *rcpt,
                     int nrcpt, const buf *m, dlv_result *r) {
    char errbuf[CURL_ERROR_SIZE];
    int oom = 0;
    CURL *c = curl_easy_init();
    struct curl_slist *l = rcpt_list(rcpt, nrcpt, &oom);
    if (!c || oom) {
        curl_slist_free_all(l); curl_easy_cleanup(c);
        return fail(r, SDM_ERR_NOMEM, 1, 0, "e-mail: out of memory");
    }
    upload u = { m->s, m->len };
    CURLcode lock = common_opts(c, s->url, "smtp,smtps", s->connect_timeout_ms,
                                s->timeout_ms > 0 ? s->timeout_ms : 60000L, errbuf);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from->spec);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, l);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m->len);
    curl_easy_setopt(c, CURLOPT_USE_SSL, s->starttls == 2 ? (long)CURLUSESSL_ALL
                     : s->starttls == 1 ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_NONE);
    if (s->user && *s->user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, s->password ? s->password : "");
    }
    int rc = lock != CURLE_OK ? fail(r, SDM_ERR_IO, 0, 0, "e-mail via %s: libcurl cannot limit "
                                     "protocols: %s", where, curl_easy_strerror(lock))
           : mail_outcome(c, curl_easy_perform(c), where, errbuf, r);
    curl_slist_free_all(l);
    curl_easy_cleanup(c);
    return rc;
}

int dlv_email(const dlv_smtp *s, const char *to, const char *subject, const char *body,
              dlv_result *r) {
    dlv_result scratch;
    addr from, *rcpt = calloc(MAX_RCPT, sizeof *rcpt);
    char where[300];
    int nrcpt = 0;
    if (!r) r = &scratch;
    memset(r, 0, sizeof *r);
    if (!rcpt) return fail(r, SDM_ERR_NOMEM, 1, 0, "e-mail: out of memory");
    int rc = check_url(s ? s->url : NULL, "smtp,smtps", where, sizeof where, r);
    if (rc == SDM_OK) rc = check_mail(s, to, subject, body, &from, rcpt, &nrcpt, r);
    if (rc == SDM_OK) {
        buf m = {0};
        build_message(&m, &from, rcpt, nrcpt, subject, body);
        rc = m.oom ? fail(r, SDM_ERR_NOMEM, 1, 0, "e-mail: out of memory")
                   : send_mail(s, where, &from, rcpt, nrcpt, &m, r);
        free(m.s);
    }
    free(rcpt);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Webhook                                                              */

/* Keep the start of the response body for the message; drop the rest. */
typedef struct snippet { char s[SNIP + 1]; size_t len; } snippet;

static size_t write_cb(char *p, size_t size, size_t n, void *ud) {
    snippet *sn = ud;
    size_t k = size * n;
    for (size_t i = 0; i < k && sn->len < SNIP; i++) {
        unsigned char ch = (unsigned char)p[i];
        sn->s[sn->len++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    sn->s[sn->len] = 0;
    return k;
}

static int http_retryable(long status) {
    return status >= 500 || status == 429 || status == 408;
}

static int hook_outcome(CURL *c, CURLcode e, const char *where, const char *errbuf,
                        const snippet *sn, dlv_result *r) {
    long status = 0;
    curl_off_t after = 0;
    if (e != CURLE_OK) {
        int retry = curl_retryable(e);
        return fail(r, SDM_ERR_IO, retry, 0, "webhook %s failed%s: %s", where,
                    retry ? " (will retry)" : "", why(e, errbuf));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
        r->ok = 1; r->retryable = 0; r->status = status;
        snprintf(r->msg, sizeof r->msg, "webhook %s: HTTP %ld", where, status);
        return SDM_OK;
    }
    if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
        r->retry_after_ms = (int64_t)after * 1000;
    int retry = http_retryable(status);
    const char *extra = status >= 300 && status < 400 ? " (redirect not followed)" : "";
    int n = (int)sn->len;
    while (n > 0 && sn->s[n - 1] == ' ') n--;
    return fail(r, SDM_ERR_IO, retry, status, "webhook %s: HTTP %ld%s%s: %.*s", where, status,
                extra, retry ? " (will retry)" : "", n, sn->s);
}

static struct curl_slist *hook_headers(const char *secret, const char *body, int *oom) {
    char sig[sizeof "X-Sdm-Signature: " + DLV_SIG_LEN];
    const char *h[4] = { "Content-Type: application/json", "User-Agent: " UA,
                         "Expect:" /* no 100-continue round trip */, NULL };
    if (secret && *secret) {
        memcpy(sig, "X-Sdm-Signature: ", sizeof "X-Sdm-Signature: ");
        dlv_sign(secret, body, strlen(body), sig + strlen(sig));
        h[3] = sig;
    }
    struct curl_slist *l = NULL;
    for (int i = 0; i < 4 && h[i]; i++) {
        struct curl_slist *t = curl_slist_append(l, h[i]);
        if (!t) { *oom = 1; break; }
        l = t;
    }
    return l;
}

int dlv_webhook(const char *url, const char *json_body, const char *secret,
                long timeout_ms, dlv_result *r) {
    return dlv_webhook_ex(url, json_body, secret, 0, timeout_ms, r);
}

int dlv_webhook_ex(const char *url, const char *json_body, const char *secret,
                   long connect_ms, long timeout_ms, dlv_result *r) {
    dlv_result scratch;
    char where[300], errbuf[CURL_ERROR_SIZE];
    snippet sn = { {0}, 0 };
    int oom = 0;
    if (!r) r = &scratch;
    memset(r, 0, sizeof *r);
    int rc = check_url(url, "http,https", where, sizeof where, r);
    if (rc != SDM_OK) return rc;
    if (!json_body) return fail(r, SDM_ERR_MISUSE, 0, 0, "webhook %s: no body", where);
    CURL *c = curl_easy_init();
    struct curl_slist *h = hook_headers(secret, json_body, &oom);
    if (!c || oom) {
        curl_slist_free_all(h); curl_easy_cleanup(c);
        return fail(r, SDM_ERR_NOMEM, 1, 0, "webhook: out of memory");
    }
    CURLcode lock = common_opts(c, url, "http,https", connect_ms, timeout_ms > 0 ? timeout_ms : 30000L, errbuf);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json_body));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sn);
    rc = lock != CURLE_OK ? fail(r, SDM_ERR_IO, 0, 0, "webhook %s: libcurl cannot limit "
                                 "protocols: %s", where, curl_easy_strerror(lock))
       : hook_outcome(c, curl_easy_perform(c), where, errbuf, &sn, r);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}
