/*
** conf.c — the command line's settings: sdm.conf files, then the
** environment, then options, each later source overriding the earlier;
** `sdm config` shows the outcome. Fills sdm_config: the library reads no
** environment and no file of ours.
**
** sdm.conf is INI: `key = value` lines, `[smtp]` and `[webhook]` sections
** for smtp.* and webhook.* keys, `#` or `;` comments (after a value: after
** a blank; a value in double quotes is taken whole). A short parser
** of ours rather than libinih: `sdm config` names the file and line each
** value came from, which libinih's handler does not receive.
*/
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"
#include "print.h"

static const struct {
    const char *key, *env;
    int opt;                    /* O_*, or -1: no option */
    int secret;                 /* shown masked */
    const char *dflt;
} settings[S_COUNT] = {
    [S_DATABASE]       = {"database", "SDM_DB", O_DB, 0, "sdm.db"},
    [S_CALENDAR]       = {"calendar", "SDM_CALENDAR", O_CALENDAR, 0, NULL},
    [S_TIME_ZONE]      = {"time_zone", "SDM_TZ", O_TIME_ZONE, 0, NULL},
    [S_NOW]            = {"now", "SDM_NOW", O_NOW, 0, NULL},
    [S_SCRIPTS]        = {"scripts", NULL, O_SCRIPTS, 0, "scripts"},
    [S_SYNC]           = {"sync", "SDM_SYNC", -1, 0, "normal"},
    [S_LANGUAGE]       = {"language", "SDM_LANG", O_LANG, 0, "en"},
    [S_LISTEN]         = {"listen", "SDM_LISTEN", O_LISTEN, 0, "127.0.0.1:8080"},
    [S_SMTP_URL]       = {"smtp.url", "SDM_SMTP_URL", -1, 0, NULL},
    [S_SMTP_FROM]      = {"smtp.from", "SDM_SMTP_FROM", -1, 0, NULL},
    [S_SMTP_USER]      = {"smtp.user", "SDM_SMTP_USER", -1, 0, NULL},
    [S_SMTP_PASSWORD]  = {"smtp.password", "SDM_SMTP_PASSWORD", -1, 1, NULL},
    [S_WEBHOOK_SECRET] = {"webhook.secret", "SDM_WEBHOOK_SECRET", -1, 1, NULL},
    [S_BASE_URL]       = {"base_url", "SDM_BASE_URL", -1, 0, NULL},
    [S_ACTOR]          = {"actor", "USER", O_AS, 0, NULL},
    [S_ZONE_DIR]       = {"zone_dir", "TZDIR", -1, 0, NULL},
    [S_CHROMIUM]       = {"chromium", "SDM_CHROMIUM", -1, 0, NULL},
    /* defaults: the library's (sdm_config_limits), filled in by conf_load */
    [S_LUA_INSTRUCTIONS]    = {"limits.lua_instructions", NULL, -1, 0, NULL},
    [S_LUA_MEMORY]          = {"limits.lua_memory", NULL, -1, 0, NULL},
    [S_SCRIPT_TIMEOUT_MS]   = {"limits.script_timeout_ms", NULL, -1, 0, NULL},
    [S_MAX_MODEL_BYTES]     = {"limits.max_model_bytes", NULL, -1, 0, NULL},
    [S_STEP_OPS]            = {"limits.step_ops", NULL, -1, 0, NULL},
    [S_STEP_TOKENS]         = {"limits.step_tokens", NULL, -1, 0, NULL},
    [S_STEP_MS]             = {"limits.step_ms", NULL, -1, 0, NULL},
    [S_MAX_INSTANCES]       = {"limits.max_instances", NULL, -1, 0, NULL},
    [S_TICK_MS]             = {"limits.tick_ms", NULL, -1, 0, NULL},
    [S_DELIVERY_TIMEOUT_MS] = {"limits.delivery_timeout_ms", NULL, -1, 0, NULL},
    [S_CONNECT_TIMEOUT_MS]  = {"limits.connect_timeout_ms", NULL, -1, 0, NULL},
};

/* Each [limits] setting and the sdm_config field it fills. */
#define LIMITS(X) X(S_LUA_INSTRUCTIONS, lua_instructions) X(S_LUA_MEMORY, lua_memory) \
    X(S_SCRIPT_TIMEOUT_MS, script_timeout_ms) X(S_MAX_MODEL_BYTES, max_model_bytes) X(S_STEP_OPS, step_ops) \
    X(S_STEP_TOKENS, step_tokens) X(S_STEP_MS, step_ms) X(S_MAX_INSTANCES, max_instances) X(S_TICK_MS, tick_ms) \
    X(S_DELIVERY_TIMEOUT_MS, delivery_timeout_ms) X(S_CONNECT_TIMEOUT_MS, connect_timeout_ms)

static void set(cli *c, int s, const char *value, char *owned, const char *fmt, ...) {
    va_list ap;
    char where[600];
    va_start(ap, fmt);
    vsnprintf(where, sizeof where, fmt, ap);
    va_end(ap);
    free(c->own[s]);
    free(c->source[s]);
    c->own[s] = owned;
    c->set[s] = value;
    c->source[s] = strdup(where);
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) *--e = 0;
    return s;
}

static int conf_error(const char *path, int line, const char *what, const char *arg) {
    fprintf(stderr, "sdm: error (at %s:%d): ", path, line);
    fprintf(stderr, what, arg);
    fputc('\n', stderr);
    return EXIT_CONFIG;
}

/* One file; a missing one is skipped unless required (--config). */
static int read_file(cli *c, const char *path, int required) {
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!required) return EXIT_OK;
        fprintf(stderr, "sdm: error: cannot read the configuration %s\n", path);
        return EXIT_CONFIG;
    }
    char buf[4096], section[64] = "";
    int line = 0, rc = EXIT_OK;
    while (rc == EXIT_OK && fgets(buf, sizeof buf, f)) {
        line++;
        char *s = trim(buf), *eq;
        if (!*s || *s == '#' || *s == ';') continue;
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (!e || e[1]) { rc = conf_error(path, line, "a section is written [name], not '%s'", s); break; }
            *e = 0;
            snprintf(section, sizeof section, "%s", trim(s + 1));
            if (strcmp(section, "sdm") == 0) section[0] = 0;
            continue;
        }
        if (!(eq = strchr(s, '='))) { rc = conf_error(path, line, "wants key = value, not '%s'", s); break; }
        *eq = 0;
        char key[200], *v = trim(eq + 1);
        snprintf(key, sizeof key, "%s%s%s", section, *section ? "." : "", trim(s));
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"') { v[n - 1] = 0; v++; }
        else for (char *h = v; *h; h++)  /* "value   # comment" */
            if ((*h == '#' || *h == ';') && h > v && (h[-1] == ' ' || h[-1] == '\t')) { *h = 0; v = trim(v); break; }
        int k = 0;
        while (k < S_COUNT && strcmp(settings[k].key, key) != 0) k++;
        if (k == S_COUNT) { rc = conf_error(path, line, "unknown setting '%s' (see sdm config)", key); break; }
        char *copy = strdup(v);
        set(c, k, copy, copy, "file %s:%d", path, line);
    }
    fclose(f);
    return rc;
}

static int check_choice(cli *c, int s, const char *a, const char *b) {
    const char *v = c->set[s];
    if (!v || strcmp(v, a) == 0 || strcmp(v, b) == 0) return EXIT_OK;
    fprintf(stderr, "sdm: error (%s): %s is %s or %s, not '%s'\n", c->source[s], settings[s].key, a, b, v);
    return EXIT_CONFIG;
}

/* A limit is a whole number above 0 that its field holds (an int for
** script_timeout_ms). */
static int check_limit(cli *c, int s) {
    const char *v = c->set[s];
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (*v && !*end && !errno && n > 0 && (s != S_SCRIPT_TIMEOUT_MS || n <= INT_MAX)) return EXIT_OK;
    fprintf(stderr, "sdm: error (%s): %s wants a whole number above 0, not '%s'\n", c->source[s], settings[s].key, v);
    return EXIT_CONFIG;
}

static void limit_defaults(cli *c) {
    sdm_config d = {0};
    char buf[32];
    sdm_config_limits(&d);
#define DEFAULT(s, field) snprintf(buf, sizeof buf, "%lld", (long long)d.field); \
    { char *copy = strdup(buf); set(c, s, copy, copy, "default"); }
    LIMITS(DEFAULT)
#undef DEFAULT
}

int conf_load(cli *c) {
    for (int s = 0; s < S_COUNT; s++) set(c, s, settings[s].dflt, NULL, "default");
    limit_defaults(c);
    int rc = EXIT_OK;
    if (c->opt[O_CONFIG]) rc = read_file(c, c->opt[O_CONFIG], 1);
    else {                               /* the system's, the user's, then the directory's */
        char user[4096];
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        if (xdg && *xdg) snprintf(user, sizeof user, "%s/sdm/sdm.conf", xdg);
        else snprintf(user, sizeof user, "%s/.config/sdm/sdm.conf", home ? home : "");
        rc = read_file(c, "/etc/sdm/sdm.conf", 0);
        if (!rc && (xdg || home)) rc = read_file(c, user, 0);
        if (!rc) rc = read_file(c, "sdm.conf", 0);
    }
    for (int s = 0; !rc && s < S_COUNT; s++) {
        const char *e = settings[s].env ? getenv(settings[s].env) : NULL;
        if (e) set(c, s, e, NULL, "env %s", settings[s].env);
        if (settings[s].opt >= 0 && c->opt[settings[s].opt])
            set(c, s, c->opt[settings[s].opt], NULL, "option --%s", cli_options[settings[s].opt].name);
    }
    if (!rc) rc = check_choice(c, S_SYNC, "normal", "full");
    if (!rc) rc = check_choice(c, S_LANGUAGE, "en", "ru");
#define CHECK(s, field) if (!rc) rc = check_limit(c, s);
    LIMITS(CHECK)
#undef CHECK
    return rc;
}

void conf_free(cli *c) {
    for (int s = 0; s < S_COUNT; s++) { free(c->own[s]); free(c->source[s]); }
}

void conf_fill(cli *c, sdm_config *cfg) {
    cfg->scripts_dir = c->set[S_SCRIPTS];
    cfg->calendar_file = c->set[S_CALENDAR];
    cfg->time_zone = c->set[S_TIME_ZONE];
    cfg->sync_full = c->set[S_SYNC] && strcmp(c->set[S_SYNC], "full") == 0;
    cfg->lang = c->set[S_LANGUAGE];
    cfg->smtp_url = c->set[S_SMTP_URL];
    cfg->smtp_from = c->set[S_SMTP_FROM];
    cfg->smtp_user = c->set[S_SMTP_USER];
    cfg->smtp_password = c->set[S_SMTP_PASSWORD];
    cfg->webhook_secret = c->set[S_WEBHOOK_SECRET];
    cfg->base_url = c->set[S_BASE_URL];
    cfg->actor = c->set[S_ACTOR];
    cfg->zone_dir = c->set[S_ZONE_DIR];
#define FILL(s, field) cfg->field = (__typeof__(cfg->field))strtoll(c->set[s], NULL, 10);
    LIMITS(FILL)
#undef FILL
}

/* sdm config: setting, value (secrets masked), source. */
int cmd_config(cli *c) {
    json_t *a = json_array();
    int w = 0;
    for (int s = 0; s < S_COUNT; s++) if ((int)strlen(settings[s].key) > w) w = (int)strlen(settings[s].key);
    for (int s = 0; s < S_COUNT; s++) {
        const char *v = c->set[s] && settings[s].secret ? "********" : c->set[s];
        if (c->json) json_array_append_new(a, json_pack("{s:s, s:s?, s:s}", "setting", settings[s].key, "value", v,
                                                        "source", c->source[s]));
        else printf("%-*s  %-30s  %s\n", w, settings[s].key, v ? v : "-", c->source[s]);
    }
    if (c->json) { json_dumpf(a, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER); putchar('\n'); }
    json_decref(a);
    return EXIT_OK;
}
