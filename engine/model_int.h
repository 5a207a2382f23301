/*
** model_int.h — what the model compiler's files (model.c, model_act.c,
** dialect.c) share with each other and with constraints.c, and nothing
** else. `compiler` is one compilation's state; mc_* are the compiler's
** functions one file calls in another.
**
** Small helpers on the XML tree and the diagnostics list; the runtime and
** the rest of the engine read model.h only.
*/
#ifndef SDM_MODEL_INT_H
#define SDM_MODEL_INT_H
#include <stddef.h>
#include "model.h"

#define CAMUNDA_NS   "http://camunda.org/schema/1.0/bpmn"

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

typedef struct compiler {
    model *m;
    const xml_node *root;    /* definitions: shared event definitions live here */
    int proc;                /* process being compiled, -1 outside */
    /* the process being compiled: each node's and flow's element, the
    ** container (subprocess index or -1) each flow is drawn in, associations */
    const xml_node **nx, **fx, **assoc;
    int *fscope;
    int ni, nf, nassoc;
} compiler;

/* model.c */
void mc_diag(compiler *c, int error, const xml_node *at, const char *element, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
const char *mc_expr(compiler *c, const xml_node *at, const char *id, const char *what, const char *text);
void mc_local_name(compiler *c, model_node *sp, const char *name);
int mc_lua_format(const char *f);
const char *mc_foreign_language(const xml_node *root);   /* a declared non-Lua expressionLanguage, or NULL */
int mc_mime_type(const char *t);                          /* type/subtype[;params] */
const char *mc_sdm_attr(const xml_node *x, const char *name);
/* sdm: attributes a node keeps as trimmed text: attr into the model_node
** field at offset `at` (offsetof), each of a table (docs/EXTENSIONS.md). */
typedef struct mc_sdm_text { const char *attr; size_t at; } mc_sdm_text;
void mc_sdm_texts(compiler *c, const xml_node *x, model_node *n, const mc_sdm_text *t, size_t nt);
const char *mc_trigger_name(compiler *c, const xml_node *at, const char *ref, const char *id);
/* model_act.c */
void mc_call_global_task(compiler *c, model_node *n);
void mc_compile_adhoc(compiler *c, const xml_node *x, model_node *n);
void mc_compile_call(compiler *c, const xml_node *x, model_node *n);
void mc_compile_form(compiler *c, const xml_node *x, model_node *n);
void mc_compile_loop(compiler *c, const xml_node *x, model_node *n);
void mc_compile_task(compiler *c, const xml_node *x, model_node *n);
#endif
