/*
** cred.c — credentials (see cred.h): passwords and API tokens.
**
** Passwords: argon2id from Debian's libargon2, the PHC-format string
** ($argon2id$v=19$m=19456,t=2,p=1$salt$hash) in users.password, with the
** parameters OWASP recommends; verifying reads them back from the string,
** so stronger parameters later need no migration. Tokens: 32 bytes from
** getrandom(2), shown once as "sdm_" + 64 hex digits; only their SHA-256
** (nettle) is stored, so a stolen database holds no usable token; a
** token's 256 bits make a salt or a slow hash unnecessary.
** Must not decide who may do what (access.c does) nor open transactions.
*/
#include <string.h>
#include <sys/random.h>
#include <argon2.h>
#include <nettle/sha2.h>
#include "cred.h"
#include "err.h"

const char cred_schema[] =
    "ALTER TABLE users ADD COLUMN password TEXT;"
    "ALTER TABLE deviations ADD COLUMN note TEXT;"
    "CREATE TABLE api_tokens(id INTEGER PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name),"
    "  hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked_at INTEGER);"
    "CREATE INDEX api_tokens_user ON api_tokens(user);";

enum { T_COST = 2, M_COST = 19456, PARALLEL = 1, SALT = 16, HASH = 32, MAX_PASSWORD = 1024 };

static int random_bytes(uint8_t *b, size_t n, sdm_err *err) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(b + got, n - got, 0);
        if (r < 0) return err_set(err, SDM_ERR_IO, NULL, 0, NULL, "getrandom failed");
        got += (size_t)r;
    }
    return SDM_OK;
}

static void hex(const uint8_t *b, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void digest(const char *token, char out[2 * SHA256_DIGEST_SIZE + 1]) {
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&c);
    sha256_update(&c, strlen(token), (const uint8_t *)token);
    sha256_digest(&c, sizeof d, d);
    hex(d, sizeof d, out);
}

int cred_passwd(store *s, const char *name, const char *password, sdm_err *err) {
    size_t len = password ? strlen(password) : 0;
    if (len < 8 || len > MAX_PASSWORD)
        return err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "a password has 8 to %d characters", MAX_PASSWORD);
    uint8_t salt[SALT];
    char enc[256];
    int rc = random_bytes(salt, sizeof salt, err);
    if (rc) return rc;
    int a = argon2id_hash_encoded(T_COST, M_COST, PARALLEL, password, len, salt, sizeof salt, HASH, enc, sizeof enc);
    if (a != ARGON2_OK) return err_set(err, SDM_ERR_NOMEM, NULL, 0, NULL, "argon2: %s", argon2_error_message(a));
    int n = 0;
    rc = store_sql_exec(s, &n, err, "UPDATE users SET password = ?2 WHERE name = ?1 AND active", "tt", name, enc);
    if (!rc && n != 1) rc = err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no active user '%s'", name);
    return rc;
}

int cred_login(store *s, const char *name, const char *password, sdm_err *err) {
    char *enc = NULL;
    int rc = store_sql_text(s, &enc, err, "SELECT password FROM users WHERE name = ?1 AND active", "t", name);
    if (rc && rc != SDM_ERR_NOTFOUND) return rc;
    int ok = enc && password && strlen(password) <= MAX_PASSWORD &&
             argon2id_verify(enc, password, strlen(password)) == ARGON2_OK;
    free(enc);
    return ok ? SDM_OK : err_set(err, SDM_ERR_DENIED, NULL, 0, NULL, "wrong user or password");
}

int cred_token_create(store *s, const char *name, int64_t now, char **token, int64_t *id, sdm_err *err) {
    uint8_t raw[32];
    char text[4 + 2 * sizeof raw + 1] = "sdm_", dig[2 * SHA256_DIGEST_SIZE + 1];
    *token = NULL;
    int64_t v;
    int rc = store_sql_int(s, &v, err, "SELECT 1 FROM users WHERE name = ?1 AND active", "t", name);
    if (rc == SDM_ERR_NOTFOUND) return err_set(err, rc, NULL, 0, NULL, "no active user '%s'", name);
    if (!rc) rc = random_bytes(raw, sizeof raw, err);
    if (rc) return rc;
    hex(raw, sizeof raw, text + 4);
    digest(text, dig);
    rc = store_sql_exec(s, NULL, err, "INSERT INTO api_tokens(user, hash, created_at) VALUES(?1, ?2, ?3)",
                        "tti", name, dig, now);
    if (!rc) rc = store_sql_int(s, id, err, "SELECT id FROM api_tokens WHERE hash = ?1", "t", dig);
    if (!rc) *token = xstrdup(text);
    return rc;
}

int cred_token_revoke(store *s, const char *id_or_name, const char *as, int64_t now, int *revoked, sdm_err *err) {
    char *end;
    long long id = id_or_name ? strtoll(id_or_name, &end, 10) : 0;
    int by_id = id_or_name && *id_or_name && !*end;
    *revoked = 0;
    int rc = store_sql_exec(s, revoked, err, "UPDATE api_tokens SET revoked_at = ?3 WHERE (id = ?1 OR user = ?4)"
                            " AND revoked_at IS NULL AND (user = ?2 OR ?2 IS NULL)",
                            "itit", by_id ? (int64_t)id : -1, as, now, by_id ? NULL : id_or_name);
    if (!rc && !*revoked)
        rc = err_set(err, SDM_ERR_NOTFOUND, NULL, 0, NULL, "no active token '%s'", id_or_name ? id_or_name : "");
    return rc;
}

int cred_token_user(store *s, const char *token, char *user, size_t n, sdm_err *err) {
    char dig[2 * SHA256_DIGEST_SIZE + 1], *name = NULL;
    if (!token || strlen(token) != 68 || strncmp(token, "sdm_", 4))
        return err_set(err, SDM_ERR_DENIED, NULL, 0, NULL, "not a valid token");
    digest(token, dig);
    int rc = store_sql_text(s, &name, err, "SELECT t.user FROM api_tokens t JOIN users u ON u.name = t.user"
                            " WHERE t.hash = ?1 AND t.revoked_at IS NULL AND u.active", "t", dig);
    if (rc == SDM_ERR_NOTFOUND) return err_set(err, SDM_ERR_DENIED, NULL, 0, NULL, "not a valid token");
    if (!rc) snprintf(user, n, "%s", name);
    free(name);
    return rc;
}
