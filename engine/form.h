/*
** form.h — a user task's form (model_field) at completion time and as
** JSON for the pages. See docs/EXTENSIONS.md, "Forms".
*/
#ifndef SDM_FORM_H
#define SDM_FORM_H
#include "model.h"

/* Check the variables a completion of node `n` submits (vars_json, may be
** NULL) against its fields; `have_json` holds the instance's variables, so
** a required field already set needs no new value. On success *out is the
** variables to merge, normalised (numbers from digit strings, empty
** optional values dropped; malloc'd, NULL when vars_json was NULL and
** nothing changed). A bad value is SDM_ERR_MISUSE with element = the
** field's name and nothing is changed. */
int form_check(const model_node *n, const char *vars_json, const char *have_json, char **out, sdm_err *err);
/* The fields as a JSON array (name, label, type, required, default,
** choices [{id, label}], min, max); NULL when the node has none. */
char *form_json(const model_node *n);
#endif
