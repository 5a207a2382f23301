/*
** cmd_serve.c — `sdm user passwd`, `sdm token create|revoke` and
** `sdm serve`: credentials and the HTTP server (engine/server/) from the
** command line. Thin: the engine checks who may, the server serves.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "cli.h"
#include "print.h"
#include "../server/server.h"

/* One line from stdin without its newline; echo off on a terminal. */
static char *read_password(int from_stdin) {
    struct termios old, quiet;
    int tty = !from_stdin && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fprintf(stderr, "password: ");
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (tty) { tcsetattr(STDIN_FILENO, TCSANOW, &old); fputc('\n', stderr); }
    if (n < 0) { free(line); return NULL; }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    return line;
}

int cmd_passwd(cli *c) {
    char *pw = read_password(c->opt[O_PASSWORD_STDIN] != NULL);
    if (!pw) return cli_usage_error("%s", "no password on standard input");
    int rc = sdm_user_passwd(c->h, c->argv[2], pw, &c->err);
    memset(pw, 0, strlen(pw));
    free(pw);
    if (rc) return cli_fail(c, rc);
    printf("password set for %s\n", c->argv[2]);
    return EXIT_OK;
}

int cmd_token(cli *c) {
    if (strcmp(c->argv[1], "create") == 0) {
        char *token = NULL;
        int64_t id = 0;
        int rc = sdm_token_create(c->h, c->argv[2], &token, &id, &c->err);
        if (rc) return cli_fail(c, rc);
        if (c->json) printf("{\"id\": %lld, \"user\": \"%s\", \"token\": \"%s\"}\n", (long long)id, c->argv[2], token);
        else printf("%s\n", token), fprintf(stderr, "token %lld for %s: shown once, keep it secret\n", (long long)id, c->argv[2]);
        free(token);
        return EXIT_OK;
    }
    int revoked = 0;
    int rc = sdm_token_revoke(c->h, c->argv[2], &revoked, &c->err);
    if (rc) return cli_fail(c, rc);
    printf("revoked %d token%s\n", revoked, revoked == 1 ? "" : "s");
    return EXIT_OK;
}

int cmd_serve(cli *c) {
    if (c->opt[O_AS]) return cli_usage_error("%s", "sdm serve acts for each signed-in user; drop --as");
    const char *threads = c->opt[O_THREADS];
    srv_config cfg = {.db_path = c->set[S_DATABASE], .listen = c->set[S_LISTEN], .cert_file = c->opt[O_CERT],
                      .key_file = c->opt[O_KEY], .handles = threads ? atoi(threads) : 0};
    conf_fill(c, &cfg.engine);
    cfg.engine.actor = NULL;             /* each request acts as its signed-in user */
    /* main opened the store to check and migrate it once; every request
    ** runs on a handle of the server's own pool, which also writes its
    ** times (print_json_value), so this one is not kept. */
    print_setup(NULL, 0, ',');
    sdm_close(c->h);
    c->h = NULL;
    int rc = srv_run(&cfg, &c->err);
    return rc ? cli_fail(c, rc) : EXIT_OK;
}
