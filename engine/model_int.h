/*
** model_int.h — what model.c shares with constraints.c, and nothing else.
**
** Small helpers on the XML tree and the diagnostics list; the runtime and
** the rest of the engine read model.h only.
*/
#ifndef SDM_MODEL_INT_H
#define SDM_MODEL_INT_H
#include "model.h"

int model_is_bpmn(const xml_node *n);
const xml_node *model_child(const xml_node *x, const char *name);   /* first BPMN child so named */             /* in BPMN's namespace (either URI) */
int model_in_list(const char *const *list, const char *s);   /* list ends with NULL */
const char *model_trimmed(arena *a, const char *s);          /* NULL when only white space */
int model_is_event_definition(const xml_node *x);
/* Adds one diagnostic (error or warning) charged to process `proc` (-1: the document). */
void model_diag_add(model *m, int proc, int error, const xml_node *at, const char *element,
                    const char *msg);
/* The BPMN spec's static constraints over a compiled document (constraints.c). */
void model_check_constraints(model *m, const xml_node *root);
/* Editors' dialects (dialect.c). A hint for an expression written in
** FEEL, JUEL, Python or with non-Latin names: 1 and the hint in buf, else 0. */
int model_dialect_hint(const char *expr, char *buf, size_t n);
/* A timer value as written: a quoted literal unquoted, a Lua expression
** as "=expr", ISO 8601 and sdm's "=lua" kept. */
const char *model_dialect_timer(arena *a, const char *text);
/* Camunda 7/8 execution attributes of element x read into n (NULL for a
** process), and a warning for each one sdm ignores. */
void model_dialect_vendor(model *m, int proc, const xml_node *x, model_node *n);
#endif
