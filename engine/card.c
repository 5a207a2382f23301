/*
** card.c — identifiers, duplicates, merging, declared fields, fields a
** step fills, contacts (see card.h).
**
** Tables (migration 11, described in store.h):
**   clients.inn, phone, email, norm_name   identifiers, stored normalised
**   client_roles   client, role, user, since, until, reason: the holder of
**                  each role for a client (org.c decides, this file creates)
**   card_fields    name, type (text|number|bool|date), label: the schema
**   client_fields  client, field, value: declared fields' values as text
**   contacts       id, client, type (call|meeting|email|note), text, at, actor
*/
#include <string.h>
#include <ctype.h>
#include <sqlite3.h>
#include <jansson.h>
#include "card.h"
#include "org.h"
#include "table.h"
#include "err.h"

const char card_schema[] =
    "ALTER TABLE clients ADD COLUMN inn TEXT;"
    "ALTER TABLE clients ADD COLUMN phone TEXT;"
    "ALTER TABLE clients ADD COLUMN email TEXT;"
    "ALTER TABLE clients ADD COLUMN norm_name TEXT;"
    "CREATE INDEX clients_inn ON clients(inn) WHERE inn IS NOT NULL;"
    "CREATE INDEX clients_phone ON clients(phone) WHERE phone IS NOT NULL;"
    "CREATE INDEX clients_email ON clients(email) WHERE email IS NOT NULL;"
    "CREATE INDEX clients_norm_name ON clients(norm_name) WHERE norm_name IS NOT NULL;"
    "CREATE TABLE client_roles(client TEXT NOT NULL, role TEXT NOT NULL, user TEXT NOT NULL,"
    "  since INTEGER NOT NULL, until INTEGER, reason TEXT);"
    "CREATE UNIQUE INDEX client_roles_held ON client_roles(client, role) WHERE until IS NULL;"
    "CREATE INDEX client_roles_user ON client_roles(user) WHERE until IS NULL;"
    "CREATE TABLE card_fields(name TEXT PRIMARY KEY, type TEXT NOT NULL CHECK(type = 'text' OR type = 'number'"
    "  OR type = 'bool' OR type = 'date'), label TEXT, created_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE client_fields(client TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,"
    "  PRIMARY KEY(client, field)) WITHOUT ROWID;"
    "CREATE INDEX client_fields_value ON client_fields(field, value);"
    "CREATE TABLE contacts(id INTEGER PRIMARY KEY, client TEXT NOT NULL, type TEXT NOT NULL, text TEXT NOT NULL,"
    "  at INTEGER NOT NULL, actor TEXT);"
    "CREATE INDEX contacts_client ON contacts(client, at);"
    /* plan.c's targets: created here so migration 11 stays one entry */
    "CREATE TABLE plans(kind TEXT NOT NULL, who TEXT NOT NULL, month TEXT NOT NULL, metric TEXT NOT NULL,"
    "  target REAL NOT NULL, set_at INTEGER NOT NULL, set_by TEXT, PRIMARY KEY(kind, who, month, metric)) WITHOUT ROWID;";

/* ---------- identifiers ---------- */

static int digits_only(const char *in, sbuf *b) {
    int n = 0;
    for (; *in; in++) {
        if (isdigit((unsigned char)*in)) { sbuf_add(b, in, 1); n++; }
        else if (!strchr(" -()./\t", *in) && *in != '+') return -1;
    }
    return n;
}

int card_normalise(const char *field, const char *text, char **out, sdm_err *err) {
    *out = NULL;
    if (!text || !*text) return SDM_OK;
    sbuf b = {0};
    if (strcmp(field, "inn") == 0) {
        int n = digits_only(text, &b);
        if (n != 10 && n != 12) {
            free(sbuf_take(&b));
            return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "tax number '%s' must have 10 or 12 digits", text);
        }
    } else if (strcmp(field, "phone") == 0) {
        sbuf_add(&b, "+", 1);
        int n = digits_only(text, &b);
        char *p = sbuf_take(&b);
        if (n == 11 && p[1] == '8' && text[0] != '+') p[1] = '7';        /* Russian trunk prefix 8 */
        else if (n == 10 && text[0] != '+') {                         /* a national number without a code */
            char *q = xmalloc(13);
            snprintf(q, 13, "+7%s", p + 1);
            free(p);
            p = q;
        }
        if (n < 8 || n > 15) {
            free(p);
            return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "phone '%s' is not a number in international form", text);
        }
        *out = p;
        return SDM_OK;
    } else if (strcmp(field, "email") == 0) {
        const char *at = strchr(text, '@');
        if (!at || at == text || !at[1] || strchr(at + 1, '@') || strpbrk(text, " \t,;<>"))
            return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "'%s' is not an e-mail address", text);
        for (const char *c = text; *c; c++) { char l = (char)tolower((unsigned char)*c); sbuf_add(&b, &l, 1); }
    } else {
        sbuf_add(&b, text, strlen(text));
    }
    *out = sbuf_take(&b);
    return SDM_OK;
}

/* Lowercase one UTF-8 character: ASCII and the Russian alphabet, which is
** what company names here are written in. Returns the bytes consumed. */
static int lower_char(const unsigned char *p, sbuf *b) {
    if (p[0] < 0x80) { char c = (char)tolower(p[0]); sbuf_add(b, &c, 1); return 1; }
    if (p[0] == 0xD0 && p[1] >= 0x90 && p[1] <= 0x9F) { char c[2] = {(char)0xD0, (char)(p[1] + 0x20)}; sbuf_add(b, c, 2); return 2; }
    if (p[0] == 0xD0 && p[1] >= 0xA0 && p[1] <= 0xAF) { char c[2] = {(char)0xD1, (char)(p[1] - 0x20)}; sbuf_add(b, c, 2); return 2; }
    if (p[0] == 0xD0 && p[1] == 0x81) { sbuf_add(b, "\xD0\xB5", 2); return 2; }         /* Ё -> е */
    if (p[0] == 0xD1 && p[1] == 0x91) { sbuf_add(b, "\xD0\xB5", 2); return 2; }         /* ё -> е */
    int n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2, k;
    for (k = 1; k < n && p[k]; k++) {}
    if (n == 3 && p[0] == 0xC2) n = 2;
    sbuf_add(b, (const char *)p, (size_t)k);
    return k;
}

static int is_legal_form(const char *w) {
    static const char *const forms[] = {
        "llc", "ltd", "inc", "corp", "co", "plc", "gmbh", "ag", "sa", "oy", "ab", "bv", "jsc", "ojsc", "cjsc", "pjsc",
        "ooo", "zao", "oao", "pao", "ip",
        "\xd0\xbe\xd0\xbe\xd0\xbe", "\xd0\xb7\xd0\xb0\xd0\xbe", "\xd0\xbe\xd0\xb0\xd0\xbe",     /* ооо зао оао */
        "\xd0\xbf\xd0\xb0\xd0\xbe", "\xd0\xb0\xd0\xbe", "\xd0\xb8\xd0\xbf",                     /* пао ао ип */
        NULL};
    for (int i = 0; forms[i]; i++) if (strcmp(forms[i], w) == 0) return 1;
    return 0;
}

char *card_norm_name(const char *name) {
    sbuf low = {0};
    for (const unsigned char *p = (const unsigned char *)name; *p; ) {
        if (*p < 0x80 && !isalnum(*p)) { sbuf_add(&low, " ", 1); p++; continue; }
        if (p[0] == 0xC2 && (p[1] == 0xAB || p[1] == 0xBB)) { sbuf_add(&low, " ", 1); p += 2; continue; } /* « » */
        if (p[0] == 0xE2 && p[1] == 0x80) { sbuf_add(&low, " ", 1); p += 3; continue; }   /* dashes, quotes */
        p += lower_char(p, &low);
    }
    char *text = sbuf_take(&low);
    sbuf out = {0};
    for (char *save = NULL, *w = strtok_r(text, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (is_legal_form(w)) continue;
        if (out.len) sbuf_add(&out, " ", 1);
        sbuf_add(&out, w, strlen(w));
    }
    free(text);
    return sbuf_take(&out);
}

int card_identify(store *s, const char *key, const char *changed, int force, sdm_err *err) {
    char *name = NULL;
    store_sql_text(s, &name, NULL, "SELECT coalesce(name, key) FROM clients WHERE key = ?1", "t", key);
    char *norm = card_norm_name(name ? name : key);
    free(name);
    int rc = store_sql_exec(s, NULL, err, "UPDATE clients SET norm_name = nullif(?2, '') WHERE key = ?1", "tt", key, norm);
    free(norm);
    if (rc || force) return rc;
    static const char *const ids[][3] = {
        {"inn", "tax number", ",inn,"}, {"phone", "phone", ",phone,"}, {"email", "e-mail", ",email,"},
        {"norm_name", "name", ",name,"}};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        char sql[300], *other = NULL, *value = NULL;
        if (changed && !strstr(changed, ids[i][2])) continue;
        snprintf(sql, sizeof sql, "SELECT o.key, o.%s FROM clients c JOIN clients o ON o.%s = c.%s AND o.key <> c.key"
                 " WHERE c.key = ?1 ORDER BY o.key LIMIT 1", ids[i][0], ids[i][0], ids[i][0]);
        sdm_table *t = NULL;
        if ((rc = store_sql_table(s, &t, "ss", err, sql, "t", key))) return rc;
        if (t->nrow) { other = t->cells[0]; value = t->cells[1]; }
        if (other) rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL,
                                "client '%s' looks like '%s': same %s '%s' (merge them with sdm client merge,"
                                " or --force to keep both)", key, other, ids[i][1], value);
        sdm_table_free(t);
        if (rc) return rc;
    }
    return SDM_OK;
}

/* ---------- merging ---------- */

int card_merge(store *s, const char *keep, const char *gone, int64_t now, const char *actor,
               sdm_table **out, sdm_err *err) {
    static const char *const cols[] = {"moved", "count", NULL};
    *out = NULL;
    if (!keep || !gone || strcmp(keep, gone) == 0)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "merge needs two different clients: KEEP GONE");
    int64_t v;
    for (int i = 0; i < 2; i++)
        if (store_sql_int(s, &v, NULL, "SELECT 1 FROM clients WHERE key = ?1", "t", i ? gone : keep))
            return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no client '%s'", i ? gone : keep);
    char *clash = NULL;
    if (store_sql_text(s, &clash, NULL, "SELECT a.process FROM instances a JOIN instances b ON b.process = a.process"
                       " AND b.state = 'active' WHERE a.client = ?1 AND b.client = ?2 AND a.state = 'active' LIMIT 1",
                       "tt", keep, gone) == SDM_OK) {
        int rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "both clients have an active '%s': finish or terminate"
                         " one before merging", clash);
        free(clash);
        return rc;
    }
    /* GONE's roles go over where KEEP holds none; KEEP's holder stays */
    int rc = store_sql_exec(s, NULL, err, "UPDATE client_roles SET until = ?3, reason = 'merged into ' || ?1"
                            " WHERE client = ?2 AND until IS NULL AND role IN (SELECT role FROM client_roles"
                            " WHERE client = ?1 AND until IS NULL)", "tti", keep, gone, now);
    static const char *const moves[][2] = {
        {"instances", "UPDATE instances SET client = ?1 WHERE client = ?2"},
        {"roles", "UPDATE client_roles SET client = ?1 WHERE client = ?2"},
        {"task log", "UPDATE task_log SET client = ?1 WHERE client = ?2"},
        {"funnel", "UPDATE funnel SET client = ?1 WHERE client = ?2"},
        {"deviations", "UPDATE deviations SET client = ?1 WHERE client = ?2"},
        {"subscriptions", "UPDATE subscriptions SET client = ?1 WHERE client = ?2"},
        {"contacts", "UPDATE contacts SET client = ?1 WHERE client = ?2"},
        {"fields", "UPDATE OR IGNORE client_fields SET client = ?1 WHERE client = ?2"},
        {"card changes", "UPDATE changes SET key = ?1 WHERE kind = 'client' AND key = ?2"},
    };
    sdm_table *t = table_new(cols, "si");
    for (size_t i = 0; !rc && i < sizeof moves / sizeof *moves; i++) {
        int n = 0;
        rc = store_sql_exec(s, &n, err, moves[i][1], "tt", keep, gone);
        if (!rc && n) {
            char **r = table_add_row(t), num[32];
            snprintf(num, sizeof num, "%d", n);
            r[0] = xstrdup(moves[i][0]); r[1] = xstrdup(num);
        }
    }
    if (!rc) rc = store_sql_exec(s, NULL, err, "UPDATE clients SET"
        " name = coalesce(name, (SELECT name FROM clients WHERE key = ?2)),"
        " segment = coalesce(segment, (SELECT segment FROM clients WHERE key = ?2)),"
        " region = coalesce(region, (SELECT region FROM clients WHERE key = ?2)),"
        " product = coalesce(product, (SELECT product FROM clients WHERE key = ?2)),"
        " value = coalesce(value, (SELECT value FROM clients WHERE key = ?2)),"
        " owner = coalesce(owner, (SELECT owner FROM clients WHERE key = ?2)),"
        " inn = coalesce(inn, (SELECT inn FROM clients WHERE key = ?2)),"
        " phone = coalesce(phone, (SELECT phone FROM clients WHERE key = ?2)),"
        " email = coalesce(email, (SELECT email FROM clients WHERE key = ?2)), updated_at = ?3"
        " WHERE key = ?1", "tti", keep, gone, now);
    if (!rc) rc = store_sql_exec(s, NULL, err, "DELETE FROM client_fields WHERE client = ?1", "t", gone);
    if (!rc) rc = store_sql_exec(s, NULL, err, "DELETE FROM clients WHERE key = ?1", "t", gone);
    if (!rc) rc = store_sql_exec(s, NULL, err, "INSERT INTO changes(kind, key, field, old, new, at, actor, reason)"
                                 " VALUES('client', ?1, 'merged', ?2, ?1, ?3, ?4, 'duplicate')", "ttit",
                                 keep, gone, now, actor);
    if (!rc) rc = card_identify(s, keep, NULL, 1, err);
    if (rc) { sdm_table_free(t); return rc; }
    *out = t;
    return SDM_OK;
}

/* ---------- declared fields ---------- */

static const char *const builtin[] = {"name", "segment", "region", "product", "value", "owner", "inn", "phone",
                                      "email", NULL};

int card_field_add(store *s, const char *name, const char *type, const char *label, int64_t now,
                   const char *actor, sdm_err *err) {
    if (err_check_name(err, "the field name", name)) return SDM_ERR_MISUSE;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "field name '%s': letters, digits and _ only", name);
    for (int i = 0; builtin[i]; i++)
        if (strcmp(builtin[i], name) == 0)
            return err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "'%s' is a field of every card already", name);
    if (!type) type = "text";
    if (strcmp(type, "text") && strcmp(type, "number") && strcmp(type, "bool") && strcmp(type, "date"))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "field type must be text, number, bool or date, not '%s'", type);
    int n = 0;
    int rc = store_sql_exec(s, &n, err, "INSERT OR IGNORE INTO card_fields(name, type, label, created_at)"
                            " VALUES(?1, ?2, ?3, ?4)", "ttti", name, type, label, now);
    if (!rc && !n) rc = err_set(err, SDM_ERR_STATE, NULL, 0, NULL, "card field '%s' already exists", name);
    (void)actor;
    return rc;
}

int card_fields(store *s, sdm_table **out, sdm_err *err) {
    return store_sql_table(s, out, "sss", err, "SELECT name AS field, type, label FROM card_fields ORDER BY name", NULL);
}

int card_field_declared(store *s, const char *name) {
    int64_t v;
    return store_sql_int(s, &v, NULL, "SELECT 1 FROM card_fields WHERE name = ?1", "t", name) == SDM_OK;
}

int card_field_check(store *s, const char *name, sdm_err *err) {
    for (int i = 0; name && builtin[i]; i++) if (strcmp(builtin[i], name) == 0) return SDM_OK;
    if (name && card_field_declared(s, name)) return SDM_OK;
    return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "no card field '%s' (fixed: name, segment, region, product,"
                   " value, owner, inn, phone, email; declared: sdm card fields)", name ? name : "");
}

/* The text stored for a value of `type`, or an error naming the field. */
static int typed(const char *field, const char *type, const char *text, char **out, sdm_err *err) {
    *out = NULL;
    char *end;
    if (strcmp(type, "number") == 0) {
        strtod(text, &end);
        if (end == text || *end) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "field '%s' is a number, not '%s'", field, text);
    } else if (strcmp(type, "bool") == 0) {
        if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "1")) text = "true";
        else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "0")) text = "false";
        else return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "field '%s' is true or false, not '%s'", field, text);
    } else if (strcmp(type, "date") == 0) {
        int y, m, d, n = 0;
        if (sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || m < 1 || m > 12 || d < 1 || d > 31)
            return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "field '%s' is a date YYYY-MM-DD, not '%s'", field, text);
    }
    *out = xstrdup(text);
    return SDM_OK;
}

int card_field_set(store *s, const char *client, const char *name, const char *text, int64_t now,
                   const char *actor, sdm_err *err) {
    char *type = NULL, *val = NULL, *old = NULL;
    if (store_sql_text(s, &type, NULL, "SELECT type FROM card_fields WHERE name = ?1", "t", name))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "unknown client field '%s' (declare it: sdm card field add %s)",
                       name, name);
    int rc = text && *text ? typed(name, type, text, &val, err) : SDM_OK;
    free(type);
    if (rc) return rc;
    store_sql_text(s, &old, NULL, "SELECT value FROM client_fields WHERE client = ?1 AND field = ?2", "tt", client, name);
    if (!(old && val && strcmp(old, val) == 0) && (old || val)) {
        rc = val ? store_sql_exec(s, NULL, err, "INSERT INTO client_fields(client, field, value) VALUES(?1, ?2, ?3)"
                                  " ON CONFLICT(client, field) DO UPDATE SET value = excluded.value", "ttt", client, name, val)
                 : store_sql_exec(s, NULL, err, "DELETE FROM client_fields WHERE client = ?1 AND field = ?2", "tt", client, name);
        if (!rc) rc = store_sql_exec(s, NULL, err, "INSERT INTO changes(kind, key, field, old, new, at, actor)"
                                     " VALUES('client', ?1, ?2, ?3, ?4, ?5, ?6)", "ttttit", client, name, old, val, now, actor);
    }
    free(old);
    free(val);
    return rc;
}

char *card_field_json(store *s, const char *client) {
    char *out = NULL;
    store_sql_text(s, &out, NULL, "SELECT json_group_object(field, value) FROM (SELECT field, value FROM client_fields"
                   " WHERE client = ?1 ORDER BY field)", "t", client);
    return out;
}

/* ---------- fields a step fills ---------- */

/* One `VAR` or `VAR:FIELD` of an sdm:card list into `card` (JSON object). */
static void card_take(store *s, int64_t inst, const char *item, json_t *card) {
    char var[128], field[128];
    const char *colon = strchr(item, ':');
    snprintf(var, sizeof var, "%.*s", colon ? (int)(colon - item) : (int)strlen(item), item);
    snprintf(field, sizeof field, "%s", colon ? colon + 1 : item);
    char *value = NULL;
    if (card_field_check(s, field, NULL)) return;       /* not declared (yet): the step goes on */
    if (store_sql_text(s, &value, NULL, "SELECT value FROM variables WHERE instance_id = ?1 AND scope = 0 AND name = ?2",
                       "it", inst, var)) return;
    json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
    free(value);
    if (v && (json_is_string(v) || json_is_number(v) || json_is_boolean(v)))
        json_object_set_new(card, field, json_is_boolean(v) ? json_string(json_is_true(v) ? "true" : "false") : v);
    else json_decref(v);
}

int card_after_step(store *s, const model_proc *p, int64_t inst, const char *client, int64_t now,
                    const char *actor, const model_path *path, sdm_err *err) {
    int rc = SDM_OK;
    json_t *card = NULL;
    for (int r = 0; r < path->n; r++) {
        int k = path->v[r].node;
        if (!path->v[r].left || !p->nodes[k].card) continue;
        if (!card) card = json_object();
        char *list = xstrdup(p->nodes[k].card);
        for (char *save = NULL, *w = strtok_r(list, ", ", &save); w; w = strtok_r(NULL, ", ", &save))
            card_take(s, inst, w, card);
        free(list);
    }
    if (card && json_object_size(card)) {
        json_object_set_new(card, "force", json_true());    /* a step records what it learnt, duplicate or not */
        char *text = json_dumps(card, JSON_COMPACT);
        rc = org_client_set(s, client, text, 0, now, actor, err);
        if (rc) err_prefix(err, "sdm:card of instance %lld", (long long)inst);
        free(text);
    }
    json_decref(card);
    return rc;
}

/* ---------- deals ---------- */

char *card_value_var(const model_proc *p) {
    for (int i = 0; i < p->nnode; i++) {
        if (!p->nodes[i].card) continue;
        char *list = xstrdup(p->nodes[i].card), *found = NULL;
        for (char *save = NULL, *w = strtok_r(list, ", ", &save); w && !found; w = strtok_r(NULL, ", ", &save)) {
            const char *colon = strchr(w, ':');
            if (strcmp(colon ? colon + 1 : w, "value") == 0)
                found = colon ? strndup(w, (size_t)(colon - w)) : xstrdup(w);
        }
        free(list);
        if (found) return found;
    }
    return NULL;
}

/* ---------- contacts ---------- */

int card_log(store *s, const char *client, const char *type, const char *text, int64_t now,
             const char *actor, sdm_err *err) {
    int64_t v;
    if (store_sql_int(s, &v, NULL, "SELECT 1 FROM clients WHERE key = ?1", "t", client))
        return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no client '%s'", client ? client : "");
    if (!type || (strcmp(type, "call") && strcmp(type, "meeting") && strcmp(type, "email") && strcmp(type, "note")))
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "contact --type must be call, meeting, email or note");
    if (!text || !*text) return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a contact needs --text");
    return store_sql_exec(s, NULL, err, "INSERT INTO contacts(client, type, text, at, actor) VALUES(?1, ?2, ?3, ?4, ?5)",
                          "tttit", client, type, text, now, actor);
}
