/*
** card.h — the client's card beyond the registry's fixed columns: the
** identifiers that tell one company from another (tax number, phone,
** e-mail, normalised name) and the duplicate rule built on them, merging
** two cards of one company, custom fields declared in a schema, the fields
** a step writes from its variables, and contacts logged outside processes.
**
** Store layer: card.c keeps its own SQL (migration 11, card_schema). Nothing
** here opens or commits a transaction.
*/
#ifndef SDM_CARD_H
#define SDM_CARD_H
#include "sdm.h"
#include "model.h"
#include "store.h"

extern const char card_schema[];

/* An identifier field's canonical form: inn (digits only, 10 or 12), phone
** (E.164: '+' and digits; a Russian 8XXXXXXXXXX becomes +7...), email
** (lowercased, one '@'). Other fields come back as they are. *out is
** malloc'd; SDM_ERR_MISUSE for a value that cannot be one. */
int card_normalise(const char *field, const char *text, char **out, sdm_err *err);
/* A company name compared: lowercased (ASCII and Cyrillic), punctuation as
** blanks, legal forms (LLC, Ltd, Inc, GmbH, ООО, ЗАО, ОАО, ПАО, АО, ИП ...)
** and quotes dropped, blanks collapsed. malloc'd. */
char *card_norm_name(const char *name);

/* After a client's card was written: store its normalised name (from the
** name, else the key) and, unless `force`, refuse with SDM_ERR_STATE when
** another client has the same tax number, phone, e-mail or normalised name
** ("client 'ACME' looks like 'acme-llc': same tax number 7701234567").
** `changed`: the fields written, as ",inn,name," (NULL: all of them); only
** those are compared, so a card already forced past the rule stays editable. */
int card_identify(store *s, const char *key, const char *changed, int force, sdm_err *err);

/* sdm client merge: GONE's instances, tasks (with them), history, roles,
** funnel, deviations, subscriptions, contacts and custom fields move to
** KEEP; KEEP's empty card fields take GONE's; GONE is removed. One row per
** kind moved in *out (kind, count). */
int card_merge(store *s, const char *keep, const char *gone, int64_t now, const char *actor,
               sdm_table **out, sdm_err *err);

/* ---- declared fields */
/* SQL for the value of the card field named by ?1 of client row `c`, fixed
** column or declared field alike, as text. */
#define CARD_FIELD_SQL "coalesce(CASE ?1 WHEN 'name' THEN c.name WHEN 'segment' THEN c.segment" \
    " WHEN 'region' THEN c.region WHEN 'product' THEN c.product WHEN 'owner' THEN c.owner" \
    " WHEN 'value' THEN CAST(c.value AS TEXT) WHEN 'inn' THEN c.inn WHEN 'phone' THEN c.phone" \
    " WHEN 'email' THEN c.email END, (SELECT f.value FROM client_fields f WHERE f.client = c.key AND f.field = ?1))"
/* SDM_ERR_MISUSE unless `name` is a fixed or declared field. */
int card_field_check(store *s, const char *name, sdm_err *err);
int card_field_add(store *s, const char *name, const char *type, const char *label, int64_t now,
                   const char *actor, sdm_err *err);
int card_fields(store *s, sdm_table **out, sdm_err *err);
/* 1 when `name` is a declared field. */
int card_field_declared(store *s, const char *name);
/* Write one declared field (NULL clears it), checked against its type;
** logged in `changes`. */
int card_field_set(store *s, const char *client, const char *name, const char *text, int64_t now,
                   const char *actor, sdm_err *err);
/* The client's declared fields as a JSON object text (malloc'd). */
char *card_field_json(store *s, const char *client);

/* After a step: for every node that left in it (path) and carries
** sdm:card, copy the listed variables (NAME or VAR:FIELD) of the instance
** to the card; a field neither fixed nor declared, or a variable not set,
** is skipped. */
int card_after_step(store *s, const model_proc *p, int64_t inst, const char *client, int64_t now,
                    const char *actor, const model_path *path, sdm_err *err);

/* ---- deals */
/* A deal process declares its deal value: the variable one of its steps
** writes to the card's `value` (sdm:card="VAR:value", or "value" itself).
** That variable, malloc'd, or NULL for a process that is not a deal. */
char *card_value_var(const model_proc *p);
/* A deal process and its value variable, for the reports (report.c, plan.c). */
typedef struct card_deal { const char *process; char *var; } card_deal;

/* ---- contacts outside any process */
int card_log(store *s, const char *client, const char *type, const char *text, int64_t now,
             const char *actor, sdm_err *err);
#endif
