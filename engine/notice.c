/*
** notice.c — what the engine's messages to people say, in the reader's
** language (see notice.h).
**
** Tables (migration 12, in migrate.c): users.lang ("ru", "en" or NULL: the
** handle's language), role_settings(role, notify): whether a role's people
** hear of each new task, in-app ("inbox") and/or by e-mail ("email").
*/
#include <string.h>
#include <ctype.h>
#include "notice.h"
#include "clock.h"
#include "err.h"

const char *notice_lang(store *s, const char *address, const char *fallback) {
    char *lang = NULL;
    if (address && store_sql_text(s, &lang, NULL, "SELECT lang FROM users WHERE (name = ?1 OR email = ?1)"
                                  " AND lang IS NOT NULL LIMIT 1", "t", address) == SDM_OK && lang) {
        int ru = strcmp(lang, "ru") == 0;
        free(lang);
        return ru ? "ru" : "en";
    }
    return fallback && strcmp(fallback, "ru") == 0 ? "ru" : "en";
}

static void put_url_part(sbuf *b, const char *text) {
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        if (isalnum(*c) || strchr("-._~", *c)) sbuf_add(b, (const char *)c, 1);
        else sbuf_printf(b, "%%%02X", *c);
}

/* The facts: client (name and key), process, step, manager, due, link. */
static void put_facts(store *s, sbuf *b, const notice *n, int ru) {
    char *name = NULL;
    if (n->client) store_sql_text(s, &name, NULL, "SELECT name FROM clients WHERE key = ?1", "t", n->client);
    if (name && *name) sbuf_printf(b, ru ? "Клиент: %s (%s)\n" : "Client: %s (%s)\n", name, n->client);
    else sbuf_printf(b, ru ? "Клиент: %s\n" : "Client: %s\n", n->client ? n->client : "-");
    free(name);
    sbuf_printf(b, ru ? "Процесс: %s\nШаг: %s\nМенеджер: %s\n" : "Process: %s\nStep: %s\nManager: %s\n",
                n->process ? n->process : "-", n->step ? n->step : "-",
                n->assignee ? n->assignee : ru ? "никто (очередь роли)" : "nobody yet (the role's queue)");
    if (n->due_at) {
        char due[64];
        clk_format(n->due_at, n->tz, due, sizeof due);
        sbuf_printf(b, ru ? "Срок: %s" : "Due: %s", due);
        if (n->now > n->due_at)
            sbuf_printf(b, ru ? " (опоздание %.1f ч)" : " (late by %.1f h)", (double)(n->now - n->due_at) / 3600000.0);
        sbuf_puts(b, "\n");
    }
    if (n->task && n->base_url)
        sbuf_printf(b, "%s%s/#/task/%lld\n", ru ? "Задача: " : "Task: ", n->base_url, (long long)n->task);
    else if (n->task)
        sbuf_printf(b, "%s%lld (sdm task show %lld)\n", ru ? "Задача: " : "Task: ", (long long)n->task, (long long)n->task);
    else if (n->base_url && n->client) {            /* no task yet: the client's page */
        sbuf_printf(b, "%s%s/#/client/", ru ? "Карточка: " : "Card: ", n->base_url);
        put_url_part(b, n->client);
        sbuf_puts(b, "\n");
    }
}

char *notice_deviation(store *s, const notice *n, const char *msg, const char *lang) {
    sbuf b = {0};
    sbuf_printf(&b, "%s\n\n", msg ? msg : "");
    put_facts(s, &b, n, strcmp(lang, "ru") == 0);
    return sbuf_take(&b);
}

int notice_role_set(store *s, const char *role, const char *notify, sdm_err *err) {
    int inbox = 0, email = 0, bad = 0;
    char *copy = xstrdup(notify ? notify : "");
    for (char *save = NULL, *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (strcmp(w, "inbox") == 0) inbox = 1;
        else if (strcmp(w, "email") == 0) email = 1;
        else if (strcmp(w, "none") != 0) bad = 1;
    }
    free(copy);
    if (bad) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL,
                            "notify= is inbox, email, inbox,email or none, not '%s'", notify ? notify : "");
    const char *v = inbox && email ? "inbox,email" : inbox ? "inbox" : email ? "email" : "none";
    return store_sql_exec(s, NULL, err, "INSERT INTO role_settings(role, notify) VALUES(?1, ?2)"
                          " ON CONFLICT(role) DO UPDATE SET notify = excluded.notify", "tt", role, v);
}

int notice_new_task(store *s, const notice *n, const char *role, const char *fallback_lang, sdm_err *err) {
    char *notify = NULL;
    if (!n->assignee || !role ||
        store_sql_text(s, &notify, NULL, "SELECT notify FROM role_settings WHERE role = ?1", "t", role) || !notify)
        return SDM_OK;
    const char *lang = notice_lang(s, n->assignee, fallback_lang);
    int ru = strcmp(lang, "ru") == 0, rc = SDM_OK;
    char *subject = xasprintf(ru ? "Новая задача: %s, клиент %s" : "New task: %s, client %s", n->step, n->client);
    sbuf b = {0};
    sbuf_puts(&b, ru ? "Вам назначена задача.\n\n" : "A task was assigned to you.\n\n");
    put_facts(s, &b, n, ru);
    char *email = NULL;
    if (strstr(notify, "inbox"))
        rc = store_outbox_add(s, CHANNEL_INBOX, n->assignee, subject, b.s, n->now, n->inst, 0, err);
    if (!rc && strstr(notify, "email") &&
        store_sql_text(s, &email, NULL, "SELECT email FROM users WHERE name = ?1 AND email IS NOT NULL", "t",
                       n->assignee) == SDM_OK && email)
        rc = store_outbox_add(s, CHANNEL_EMAIL, email, subject, b.s, n->now, n->inst, 0, err);
    free(email);
    free(notify);
    free(subject);
    free(b.s);
    return rc;
}
