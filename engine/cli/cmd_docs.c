/*
** cmd_docs.c — the documents' subcommands: `roles matrix`, `instruction`,
** `regulation`. Thin clients of sdm.h: the engine writes the HTML; this
** file only saves it, or turns it into PDF with Debian's chromium
** (headless print to PDF, run as a child process: the library never
** starts programs).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <unistd.h>
#include <sys/wait.h>
#include "sdm.h"
#include "cli.h"

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "sdm: error: cannot write %s: %s\n", path, strerror(errno));
        if (f) fclose(f);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* chromium as the setting names it (sdm.conf chromium, $SDM_CHROMIUM),
** else the first of Debian's names on PATH. */
static const char *find_chromium(const char *set, char *buf, size_t n) {
    if (set && *set) return access(set, X_OK) == 0 ? set : NULL;
    static const char *const names[] = {"chromium", "chromium-browser", "google-chrome"};
    const char *path = getenv("PATH");
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        for (const char *p = path ? path : "/usr/bin"; *p;) {
            const char *e = strchr(p, ':');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            snprintf(buf, n, "%.*s/%s", (int)len, p, names[k]);
            if (access(buf, X_OK) == 0) return buf;
            p += len + (e != NULL);
        }
    return NULL;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

/* HTML to PDF: chromium --headless --print-to-pdf, with a profile of its
** own (two runs at once must not share one) removed afterwards. */
static int print_pdf(const char *chromium, const char *html, const char *pdf) {
    char exe[4096], dir[] = "/tmp/sdm-pdf-XXXXXX";
    const char *found = find_chromium(chromium, exe, sizeof exe);
    if (!found) {
        fprintf(stderr, "sdm: error: PDF needs chromium (Debian: apt-get install chromium; or set SDM_CHROMIUM);"
                        " write FILE.html instead\n");
        return EXIT_FAIL;
    }
    if (!mkdtemp(dir)) { fprintf(stderr, "sdm: error: cannot make a temporary directory: %s\n", strerror(errno)); return EXIT_FAIL; }
    char *page = NULL, *profile = NULL, *out = NULL, *url = NULL;
    if (asprintf(&page, "%s/doc.html", dir) < 0 || asprintf(&profile, "--user-data-dir=%s/profile", dir) < 0 ||
        asprintf(&out, "--print-to-pdf=%s", pdf) < 0 || asprintf(&url, "file://%s", page) < 0) return EXIT_FAIL;
    int rc = write_file(page, html);
    if (rc == EXIT_OK) {
        unlink(pdf);
        pid_t pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0) { dup2(null, 1); dup2(null, 2); }
            execl(found, found, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                  "--disable-dev-shm-usage", profile, out, url, (char *)NULL);
            _exit(127);
        }
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
            access(pdf, R_OK) != 0) {
            fprintf(stderr, "sdm: error: %s did not print %s (exit status %d)\n", found, pdf,
                    pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            rc = EXIT_FAIL;
        }
    }
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(page); free(profile); free(out); free(url);
    return rc;
}

/* --out FILE.html or FILE.pdf; no --out: the HTML on stdout. */
static int save(cli *c, char *html) {
    int rc = EXIT_OK;
    if (!c->out) fputs(html, stdout);
    else if (ends_with(c->out, ".pdf")) rc = print_pdf(c->set[S_CHROMIUM], html, c->out);
    else if (ends_with(c->out, ".html") || ends_with(c->out, ".htm")) rc = write_file(c->out, html);
    else rc = cli_usage_error("--out wants FILE.html or FILE.pdf, not '%s'", c->out);
    if (rc == EXIT_OK && c->out && !c->json) printf("wrote %s\n", c->out);
    free(html);
    return rc;
}

int cmd_roles(cli *c) {
    const char *const *procs = (const char *const *)c->argv + 2;
    int n = c->argc - 2, rc;
    if (c->out) {
        char *html = NULL;
        if ((rc = sdm_roles_matrix_html(c->h, procs, n, c->set[S_LANGUAGE], &html, &c->err))) return cli_fail(c, rc);
        return save(c, html);
    }
    sdm_table *t = NULL;
    if ((rc = sdm_roles_matrix(c->h, procs, n, &t, &c->err))) return cli_fail(c, rc);
    cli_show(c, t);
    sdm_table_free(t);
    return EXIT_OK;
}

int cmd_instruction(cli *c) {
    if (!c->user == !c->role) return cli_usage_error("%s", "sdm instruction wants --user U or --role R");
    char *html = NULL;
    int rc = sdm_instruction_html(c->h, c->user, c->role, c->set[S_LANGUAGE], &html, &c->err);
    return rc ? cli_fail(c, rc) : save(c, html);
}

int cmd_regulation(cli *c) {
    char *html = NULL;
    int rc = sdm_regulation_html(c->h, c->argv[1], c->set[S_LANGUAGE], &html, &c->err);
    return rc ? cli_fail(c, rc) : save(c, html);
}
