/*
** org.c — the organisation (see org.h).
*/
#include "org.h"
#include "err.h"

const char org_schema[] =
    "CREATE TABLE users(name TEXT PRIMARY KEY, full_name TEXT, email TEXT, head TEXT,"
    "  active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE user_roles(user TEXT NOT NULL REFERENCES users(name), role TEXT NOT NULL,"
    "  PRIMARY KEY(user, role)) WITHOUT ROWID;"
    "CREATE INDEX user_roles_role ON user_roles(role, user);";

int org_assign(void *store_ctx, const model_node *n, const char *client, char **user, sdm_err *err) {
    (void)store_ctx; (void)n; (void)client; (void)err;
    *user = NULL;
    return SDM_OK;
}
