/*
** sinks.h — what the tests that talk to the loopback listeners share
** (test_deliver.c, test_notify.c): running a program quietly, finding a
** Python that has a module, reading the port a listener prints and waiting
** until it accepts. Header-only; each test keeps its own sink_start.
*/
#ifndef SDM_SINKS_H
#define SDM_SINKS_H
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define SINKS "tests/sinks"

typedef struct sink { pid_t pid; int port; char out[300]; } sink;

/* Exit status of argv run with stdout and stderr discarded; -1 if it
** could not run. */
static int run_quiet(char *const argv[]) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1); dup2(fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A Python that can import `module`: $SDM_PYTHON, python3 on PATH, or the
** system one (a pyenv python3 first on PATH lacks Debian's packages). */
static const char *python_with(const char *module) {
    const char *cand[] = { getenv("SDM_PYTHON"), "python3", "/usr/bin/python3" };
    char code[64];
    snprintf(code, sizeof code, "import %s", module);
    for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
        if (!cand[i] || !*cand[i]) continue;
        char *argv[] = { (char *)cand[i], "-c", code, NULL };
        if (run_quiet(argv) == 0) return cand[i];
    }
    return NULL;
}

static int read_port(int fd) {
    char line[64];
    size_t n = 0;
    struct pollfd p = { fd, POLLIN, 0 };
    while (n < sizeof line - 1 && poll(&p, 1, 10000) > 0) {
        ssize_t k = read(fd, line + n, 1);
        if (k <= 0) break;
        if (line[n++] == '\n') break;
    }
    line[n] = 0;
    int port = 0;
    return sscanf(line, "PORT %d", &port) == 1 ? port : 0;
}

static int port_accepts(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}
#endif
