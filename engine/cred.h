/*
** cred.h — credentials: password hashes (argon2id) and API tokens stored as
** SHA-256 digests (see cred.c). Store layer: no transactions of its own.
*/
#ifndef SDM_CRED_H
#define SDM_CRED_H
#include "sdm.h"
#include "store.h"

/* The store migration that adds users.password, tokens, deviations.note. */
extern const char cred_schema[];

int cred_passwd(store *s, const char *name, const char *password, sdm_err *err);
int cred_login(store *s, const char *name, const char *password, sdm_err *err);
int cred_token_create(store *s, const char *name, int64_t now, char **token, int64_t *id, sdm_err *err);
/* as: only tokens of `as` unless NULL (the administrator). */
int cred_token_revoke(store *s, const char *id_or_name, const char *as, int64_t now, int *revoked, sdm_err *err);
int cred_token_user(store *s, const char *token, char *user, size_t n, sdm_err *err);
#endif
