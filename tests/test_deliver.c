/*
** test_deliver.c — engine/deliver.c against real listeners on loopback:
** tests/sinks/smtp_sink.py (aiosmtpd) and tests/sinks/http_sink.py. Each
** sink writes what it received to a file; the cases read it back. Run from
** the repository root (tests/sinks is found relative to the current
** directory). Needs python3 with aiosmtpd; without it the SMTP cases fail
** with a message saying so.
*/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include "t.h"
#include "deliver.h"


#include "sinks/sinks.h"

static char tmpdir[64] = "/tmp/sdm_dlv_XXXXXX";

/* ---- processes ---------------------------------------------------- */





/* Start `script` with --port 0 and wait for the port it prints to accept.
** The sink dies with us (PDEATHSIG) and on its own after `secs`. */
static int sink_start(sink *s, const char *py, const char *script, const char *name,
                      const char *opt, const char *val, int secs) {
    int fd[2];
    char path[256], tmo[16];
    snprintf(path, sizeof path, SINKS "/%s", script);
    snprintf(s->out, sizeof s->out, "%s/%s.out", tmpdir, name);
    snprintf(tmo, sizeof tmo, "%d", secs);
    s->pid = -1; s->port = 0;
    if (pipe(fd) < 0) return 0;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fd[1], 1); close(fd[0]); close(fd[1]);
        char *argv[] = { (char *)py, path, "--port", "0", "--out", s->out, "--timeout", tmo,
                         (char *)opt, (char *)val, NULL };
        execvp(py, argv);
        _exit(127);
    }
    close(fd[1]);
    s->pid = pid;
    s->port = pid > 0 ? read_port(fd[0]) : 0;
    close(fd[0]);
    return s->port > 0 && port_accepts(s->port);
}

/* 1: killed by us; 0: it had already gone, so the kill found nothing. */
static int sink_stop(sink *s) {
    int st = 0;
    if (s->pid <= 0) return 0;
    kill(s->pid, SIGTERM);
    waitpid(s->pid, &st, 0);
    s->pid = -1;
    unlink(s->out);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM;
}

/* A loopback port nobody listens on: bound, read, released. */
static int closed_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

/* The sink's record of the last message; "" if none (caller frees). */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    char *s = calloc(1, 1);
    size_t n = 0, k;
    char chunk[4096];
    while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        s = realloc(s, n + k + 1);
        memcpy(s + n, chunk, k);
        n += k;
        s[n] = 0;
    }
    if (f) fclose(f);
    return s;
}

/* ---- cases -------------------------------------------------------- */

static void test_backoff(void) {
    T_CASE("1.1 backoff doubles from 30 s to a 1 h cap");
    CHECK_EQ_INT(dlv_backoff(0), 0);
    CHECK_EQ_INT(dlv_backoff(1), 30000);
    CHECK_EQ_INT(dlv_backoff(2), 60000);
    CHECK_EQ_INT(dlv_backoff(3), 120000);
    CHECK_EQ_INT(dlv_backoff(7), 1920000);
    CHECK_EQ_INT(dlv_backoff(8), 3600000);
    CHECK_EQ_INT(dlv_backoff(1000000), 3600000);
    CHECK_EQ_INT(dlv_backoff(-5), 0);
}

static void test_sign(void) {
    char sig[DLV_SIG_LEN];
    T_CASE("1.2 HMAC-SHA256 matches RFC 4231");
    dlv_sign("Jefe", "what do ya want for nothing?", 28, sig);
    CHECK_EQ_STR(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    char key[132];
    memset(key, 0xaa, 131); key[131] = 0;      /* case 6: key longer than a block */
    const char *m = "Test Using Larger Than Block-Size Key - Hash Key First";
    dlv_sign(key, m, strlen(m), sig);
    CHECK_EQ_STR(sig, "sha256=60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    dlv_sign("k", "", 0, sig);
    CHECK_EQ_INT(strlen(sig), DLV_SIG_LEN - 1);
}

static dlv_smtp smtp_at(int port, char *url, size_t n) {
    snprintf(url, n, "smtp://127.0.0.1:%d", port);
    dlv_smtp s = { url, NULL, NULL, "Sdm Engine <sdm@example.test>", 0, 5000, 0 };
    return s;
}

static void test_mail_ascii(const sink *k) {
    char url[64];
    dlv_smtp s = smtp_at(k->port, url, sizeof url);
    dlv_result r;
    T_CASE("2.1 plain ASCII e-mail is delivered with every header");
    unlink(k->out);
    int rc = dlv_email(&s, "alice@example.test", "Quote 42 approved",
                       "Hello Alice,\nthe quote is approved.\n.hidden line\nbye\n", &r);
    CHECK_EQ_INT(rc, SDM_OK);
    CHECK_EQ_INT(r.ok, 1);
    CHECK_EQ_INT(r.status, 250);
    CHECK_CONTAINS(r.msg, "accepted");
    char *got = slurp(k->out);
    CHECK(strncmp(got, "HELO: ", 6) == 0 && got[6] != '\n');     /* libcurl: gethostname() */
    CHECK_CONTAINS(got, "MAIL FROM: sdm@example.test\n");
    CHECK_CONTAINS(got, "RCPT TO: alice@example.test\n");
    CHECK_CONTAINS(got, "\nDate: ");
    CHECK_CONTAINS(got, " +0000\r\n");
    CHECK_CONTAINS(got, "\nFrom: \"Sdm Engine\" <sdm@example.test>\r\n");
    CHECK_CONTAINS(got, "\nTo: alice@example.test\r\n");
    CHECK_CONTAINS(got, "\nSubject: Quote 42 approved\r\n");
    CHECK_CONTAINS(got, "\nMessage-ID: <");
    CHECK_CONTAINS(got, ".sdm@example.test>\r\n");
    CHECK_CONTAINS(got, "\nMIME-Version: 1.0\r\n");
    CHECK_CONTAINS(got, "\nAuto-Submitted: auto-generated\r\n");
    CHECK_CONTAINS(got, "\nContent-Type: text/plain; charset=UTF-8\r\n");
    CHECK_CONTAINS(got, "\nContent-Transfer-Encoding: 7bit\r\n");
    /* LF became CRLF, and the leading dot survived SMTP dot-stuffing. */
    CHECK_CONTAINS(got, "\r\n\r\nHello Alice,\r\nthe quote is approved.\r\n.hidden line\r\nbye\r\n");
    CHECK_CONTAINS(got, "DECODED-BODY-BEGIN\nHello Alice,\nthe quote is approved.\n.hidden line\nbye\n");
    free(got);
}

static void test_mail_utf8(const sink *k) {
    char url[64];
    dlv_smtp s = smtp_at(k->port, url, sizeof url);
    dlv_result r;
    const char *subj = "Angebot für Müller – Fälligkeit überschritten, bitte prüfen 🚀 "
                       "und zwar möglichst noch heute";
    T_CASE("2.2 UTF-8 subject, names and body are encoded and decode back");
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d/client.example.test", k->port);
    unlink(k->out);
    int rc = dlv_email(&s, "Jürgen Weiß <jw@example.test>, \"Doe, Jane\" <jd@example.test>",
                       subj, "Grüße aus Köln.\nZeile mit = und Leerzeichen am Ende   \n", &r);
    CHECK_EQ_INT(rc, SDM_OK);
    CHECK_EQ_INT(r.ok, 1);
    char *got = slurp(k->out);
    CHECK_CONTAINS(got, "HELO: client.example.test\n");            /* the URL path names us */
    CHECK_CONTAINS(got, "RCPT TO: jw@example.test\nRCPT TO: jd@example.test\n");
    CHECK_CONTAINS(got, "\nSubject: =?UTF-8?B?");
    CHECK_CONTAINS(got, "?=\r\n =?UTF-8?B?");            /* folded into several words */
    char want[512];
    snprintf(want, sizeof want, "DECODED-SUBJECT: %s\n", subj);
    CHECK_CONTAINS(got, want);
    CHECK_CONTAINS(got, "DECODED-TO: Jürgen Weiß <jw@example.test>, \"Doe, Jane\" <jd@example.test>\n");
    CHECK_CONTAINS(got, "\nContent-Transfer-Encoding: quoted-printable\r\n");
    CHECK_CONTAINS(got, "Gr=C3=BC=C3=9Fe aus K=C3=B6ln.\r\n");
    CHECK_CONTAINS(got, "Zeile mit =3D und Leerzeichen am Ende  =20\r\n");
    CHECK_CONTAINS(got, "DECODED-BODY-BEGIN\nGrüße aus Köln.\nZeile mit = und Leerzeichen am Ende   \n");
    free(got);
}

static void test_mail_long_lines(const sink *k) {
    char url[64];
    dlv_smtp s = smtp_at(k->port, url, sizeof url);
    dlv_result r;
    char body[3001];
    memset(body, 'x', 3000); body[3000] = 0;
    T_CASE("2.3 a 3000-character line goes quoted-printable with soft breaks");
    unlink(k->out);
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "long", body, &r), SDM_OK);
    char *got = slurp(k->out);
    CHECK_CONTAINS(got, "\nContent-Transfer-Encoding: quoted-printable\r\n");
    CHECK_CONTAINS(got, "=\r\nxxx");
    char want[3100];
    snprintf(want, sizeof want, "DECODED-BODY-BEGIN\n%s\nDECODED-BODY-END", body);
    CHECK_CONTAINS(got, want);
    free(got);
}

static void test_mail_refused_rcpt(const sink *k) {
    char url[64];
    dlv_smtp s = smtp_at(k->port, url, sizeof url);
    dlv_result r;
    T_CASE("2.4 SMTP 450 is retryable, 550 is permanent");
    int rc = dlv_email(&s, "busy450@example.test", "x", "y", &r);
    CHECK_EQ_INT(rc, SDM_ERR_IO);
    CHECK_EQ_INT(r.ok, 0);
    CHECK_EQ_INT(r.retryable, 1);
    CHECK_EQ_INT(r.status, 450);
    CHECK_CONTAINS(r.msg, "450");
    rc = dlv_email(&s, "nouser550@example.test", "x", "y", &r);
    CHECK_EQ_INT(rc, SDM_ERR_IO);
    CHECK_EQ_INT(r.retryable, 0);
    CHECK_EQ_INT(r.status, 550);
    CHECK_CONTAINS(r.msg, "550");
}

static void test_mail_auth(const sink *k) {
    char url[64];
    dlv_smtp s = smtp_at(k->port, url, sizeof url);
    dlv_result r;
    T_CASE("2.5 SMTP AUTH: right password delivers, wrong one is permanent");
    s.user = "robot"; s.password = "s3cret";
    unlink(k->out);
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "auth", "z", &r), SDM_OK);
    char *got = slurp(k->out);
    CHECK_CONTAINS(got, "\nAUTH: robot\n");
    free(got);
    s.password = "wrong";
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "auth", "z", &r), SDM_ERR_IO);
    CHECK_EQ_INT(r.retryable, 0);
    CHECK_EQ_INT(r.status, 535);
    CHECK(strstr(r.msg, "wrong") == NULL);
    CHECK(strstr(r.msg, "s3cret") == NULL);
}

static void test_mail_starttls(const sink *k) {
    char url[64];
    dlv_smtp s = smtp_at(k->port, url, sizeof url);
    dlv_result r;
    T_CASE("2.6 STARTTLS required but not offered: permanent, nothing sent");
    s.starttls = 2;
    unlink(k->out);
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "tls", "z", &r), SDM_ERR_IO);
    CHECK_EQ_INT(r.retryable, 0);
    CHECK_CONTAINS(r.msg, "STARTTLS");
    CHECK(access(k->out, F_OK) != 0);
    s.starttls = 1;                     /* "try" falls back to plain */
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "tls", "z", &r), SDM_OK);
}

static void test_mail_refused_conn(void) {
    char url[64];
    dlv_smtp s = smtp_at(closed_port(), url, sizeof url);
    dlv_result r;
    T_CASE("2.7 SMTP connection refused is retryable with a clear message");
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "x", "y", &r), SDM_ERR_IO);
    CHECK_EQ_INT(r.ok, 0);
    CHECK_EQ_INT(r.retryable, 1);
    CHECK_CONTAINS(r.msg, "smtp://127.0.0.1:");
    CHECK_CONTAINS(r.msg, "Failed to connect");
}

static void test_mail_misuse(void) {
    dlv_smtp s = { "smtp://127.0.0.1:1", NULL, NULL, "sdm@example.test", 0, 2000, 0 };
    dlv_result r;
    T_CASE("2.8 bad arguments are rejected before connecting");
    s.url = "file:///etc/passwd";
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "x", "y", &r), SDM_ERR_MISUSE);
    CHECK_EQ_INT(r.retryable, 0);
    CHECK_CONTAINS(r.msg, "not allowed");
    s.url = "http://127.0.0.1:1";
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "x", "y", &r), SDM_ERR_MISUSE);
    s.url = "smtp://user:hunter2@127.0.0.1:1";
    CHECK_EQ_INT(dlv_email(&s, "a@example.test\r\nBcc: evil@example.test", "x", "y", &r),
                 SDM_ERR_MISUSE);
    CHECK_CONTAINS(r.msg, "recipient 1");
    CHECK_EQ_INT(dlv_email(&s, "a@example.test, not-an-address", "x", "y", &r), SDM_ERR_MISUSE);
    CHECK_CONTAINS(r.msg, "recipient 2");
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "x\r\nBcc: evil@example.test", "y", &r),
                 SDM_ERR_MISUSE);
    CHECK_CONTAINS(r.msg, "subject");
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "bad \xc3\x28 utf8", "y", &r), SDM_ERR_MISUSE);
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "x", "overlong \xc0\xaf", &r), SDM_ERR_MISUSE);
    CHECK_CONTAINS(r.msg, "body");
    s.from = "no at sign";
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "x", "y", &r), SDM_ERR_MISUSE);
    CHECK_CONTAINS(r.msg, "sender");
    CHECK_EQ_INT(dlv_email(NULL, "a@example.test", "x", "y", &r), SDM_ERR_MISUSE);
    s.from = "sdm@example.test";
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "x", "y", NULL), SDM_ERR_IO);  /* r may be NULL */
    CHECK_EQ_INT(dlv_email(&s, "a@example.test", "x", "y", &r), SDM_ERR_IO);
    CHECK(strstr(r.msg, "hunter2") == NULL);
}

static void hook_url(char *url, size_t n, const sink *k, const char *path) {
    snprintf(url, n, "http://127.0.0.1:%d%s", k->port, path);
}

static void test_hook_ok(const sink *k) {
    char url[128];
    dlv_result r;
    const char *body = "{\"event\":\"deviation\",\"text\":\"Fälligkeit\"}";
    T_CASE("3.1 webhook POSTs JSON with a valid signature");
    hook_url(url, sizeof url, k, "/hooks/T123/secret-token");
    unlink(k->out);
    int rc = dlv_webhook(url, body, "topsecret", 5000, &r);
    CHECK_EQ_INT(rc, SDM_OK);
    CHECK_EQ_INT(r.ok, 1);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(r.msg, "secret-token") == NULL);
    char *got = slurp(k->out);
    CHECK_CONTAINS(got, "METHOD: POST\n");
    CHECK_CONTAINS(got, "PATH: /hooks/T123/secret-token\n");
    CHECK_CONTAINS(got, "HEADER Content-Type: application/json\n");
    CHECK_CONTAINS(got, "HEADER User-Agent: sdm/");
    CHECK_CONTAINS(got, "HEADER X-Sdm-Signature: sha256=");
    CHECK_CONTAINS(got, "SIGNATURE-VALID: yes\n");
    char want[256];
    snprintf(want, sizeof want, "BODY-BEGIN\n%s\nBODY-END", body);
    CHECK_CONTAINS(got, want);
    free(got);

    T_CASE("3.2 without a secret there is no signature header");
    unlink(k->out);
    CHECK_EQ_INT(dlv_webhook(url, "{}", NULL, 5000, &r), SDM_OK);
    got = slurp(k->out);
    CHECK(strstr(got, "X-Sdm-Signature") == NULL);
    CHECK_CONTAINS(got, "SIGNATURE-VALID: no\n");
    free(got);
}

static void test_hook_status(const sink *k) {
    char url[128];
    dlv_result r;
    T_CASE("3.3 HTTP 500 is retryable");
    hook_url(url, sizeof url, k, "/status/500");
    CHECK_EQ_INT(dlv_webhook(url, "{}", NULL, 5000, &r), SDM_ERR_IO);
    CHECK_EQ_INT(r.ok, 0);
    CHECK_EQ_INT(r.retryable, 1);
    CHECK_EQ_INT(r.status, 500);
    CHECK_CONTAINS(r.msg, "HTTP 500");
    CHECK_CONTAINS(r.msg, "sink says 500");

    T_CASE("3.4 HTTP 404 is permanent");
    hook_url(url, sizeof url, k, "/status/404");
    CHECK_EQ_INT(dlv_webhook(url, "{}", NULL, 5000, &r), SDM_ERR_IO);
    CHECK_EQ_INT(r.retryable, 0);
    CHECK_EQ_INT(r.status, 404);

    T_CASE("3.5 HTTP 429 is retryable and passes Retry-After on");
    hook_url(url, sizeof url, k, "/status/429");
    CHECK_EQ_INT(dlv_webhook(url, "{}", NULL, 5000, &r), SDM_ERR_IO);
    CHECK_EQ_INT(r.retryable, 1);
    CHECK_EQ_INT(r.retry_after_ms, 7000);

    T_CASE("3.6 HTTP 204 counts as success");
    hook_url(url, sizeof url, k, "/status/204");
    CHECK_EQ_INT(dlv_webhook(url, "{}", NULL, 5000, &r), SDM_OK);
    CHECK_EQ_INT(r.status, 204);

    T_CASE("3.7 a redirect (to file://) is not followed");
    hook_url(url, sizeof url, k, "/redirect");
    CHECK_EQ_INT(dlv_webhook(url, "{}", NULL, 5000, &r), SDM_ERR_IO);
    CHECK_EQ_INT(r.retryable, 0);
    CHECK_EQ_INT(r.status, 302);
    CHECK_CONTAINS(r.msg, "redirect not followed");

    T_CASE("3.8 a slow listener times out, retryable");
    hook_url(url, sizeof url, k, "/slow");
    CHECK_EQ_INT(dlv_webhook(url, "{}", NULL, 300, &r), SDM_ERR_IO);
    CHECK_EQ_INT(r.retryable, 1);
    CHECK_CONTAINS(r.msg, "timed out");
}

static void test_hook_errors(void) {
    char url[64];
    dlv_result r;
    T_CASE("3.9 webhook connection refused is retryable with a clear message");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", closed_port());
    CHECK_EQ_INT(dlv_webhook(url, "{}", NULL, 2000, &r), SDM_ERR_IO);
    CHECK_EQ_INT(r.retryable, 1);
    CHECK_EQ_INT(r.status, 0);
    CHECK_CONTAINS(r.msg, "Failed to connect");

    T_CASE("3.10 schemes other than http(s) and junk URLs are rejected");
    const char *bad[] = { "file:///etc/passwd", "ftp://127.0.0.1/x", "smtp://127.0.0.1/",
                          "gopher://127.0.0.1/", "not a url", "", NULL };
    for (int i = 0; bad[i]; i++) {
        CHECK_EQ_INT(dlv_webhook(bad[i], "{}", NULL, 1000, &r), SDM_ERR_MISUSE);
        CHECK_EQ_INT(r.retryable, 0);
    }
    CHECK_EQ_INT(dlv_webhook(NULL, "{}", NULL, 1000, &r), SDM_ERR_MISUSE);
    CHECK_EQ_INT(dlv_webhook("file:///etc/passwd", "{}", NULL, 1000, &r), SDM_ERR_MISUSE);
    CHECK_CONTAINS(r.msg, "\"file\" not allowed");
    CHECK_EQ_INT(dlv_webhook("http://127.0.0.1:1/", NULL, NULL, 1000, &r), SDM_ERR_MISUSE);
}

/* A sink started with a 1 s budget must be gone within a few seconds. */
static void test_sink_self_exit(const char *py) {
    sink k;
    T_CASE("4.2 a sink exits by itself after its timeout");
    CHECK(sink_start(&k, py, "http_sink.py", "short", NULL, NULL, 1));
    int st = 0, gone = 0;
    for (int i = 0; i < 100 && !gone; i++) {
        gone = waitpid(k.pid, &st, WNOHANG) == k.pid;
        if (!gone) usleep(50000);
    }
    CHECK(gone);
    CHECK(gone && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (!gone) sink_stop(&k);
}

static void smtp_cases(void) {
    sink k;
    const char *py = python_with("aiosmtpd");
    T_CASE("2.0 SMTP sink starts");
    if (!py) {
        fprintf(stderr, "FAIL: no python3 with aiosmtpd (set SDM_PYTHON or apt-get install "
                "python3-aiosmtpd); SMTP delivery cases not run\n");
        CHECK(py != NULL);
        return;
    }
    if (!sink_start(&k, py, "smtp_sink.py", "smtp", "--auth", "robot:s3cret", 30)) {
        fprintf(stderr, "FAIL: %s " SINKS "/smtp_sink.py did not start (run from the repo root)\n", py);
        CHECK(0);
        sink_stop(&k);
        return;
    }
    test_mail_ascii(&k);
    test_mail_utf8(&k);
    test_mail_long_lines(&k);
    test_mail_refused_rcpt(&k);
    test_mail_auth(&k);
    test_mail_starttls(&k);
    T_CASE("4.1 SMTP sink is stopped by kill + waitpid");
    CHECK(sink_stop(&k));
}

static void http_cases(void) {
    sink k;
    const char *py = python_with("http.server");
    T_CASE("3.0 HTTP sink starts");
    if (!py || !sink_start(&k, py, "http_sink.py", "http", "--secret", "topsecret", 30)) {
        fprintf(stderr, "FAIL: python3 " SINKS "/http_sink.py did not start (run from the repo root)\n");
        CHECK(0);
        if (py) sink_stop(&k);
        return;
    }
    test_hook_ok(&k);
    test_hook_status(&k);
    T_CASE("4.1 HTTP sink is stopped by kill + waitpid");
    CHECK(sink_stop(&k));
    test_sink_self_exit(py);
}

int main(void) {
    /* Loopback must not go through a proxy from the environment. */
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    dlv_global_init();
    test_backoff();
    test_sign();
    test_mail_refused_conn();
    test_mail_misuse();
    test_hook_errors();
    smtp_cases();
    http_cases();
    dlv_global_cleanup();
    rmdir(tmpdir);
    return t_done();
}
