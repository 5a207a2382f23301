/*
** constraints_int.h — what constraints.c shares with constraints_doc.c: the
** checking state and the XML helpers both files' rules read with. Nothing
** else includes it.
*/
#ifndef SDM_CONSTRAINTS_INT_H
#define SDM_CONSTRAINTS_INT_H
#include "model.h"
#include "xml.h"

typedef struct xref { const char *id; const xml_node *x; } xref;

typedef struct spec {
    model *m;
    const xml_node *root;
    xref *ids;  int nids, cap;     /* every BPMN element with an id, by id */
    const char *lang;              /* the definitions' expressionLanguage when not Lua, else NULL */
} spec;

const char *cs_a_an(const char *word);
const xml_node *cs_data_item(const spec *s, const xml_node *x);
int cs_data_list(const xml_node *io, const char *tag, const xml_node **v, int max);
int cs_event_defs(const spec *s, const xml_node *ev, const xml_node **v, int max);
/* An error at element x (named by its id, or its owner's when it has
** none), charged to the process holding it. `rule` names the betsy/spec
** constraint ids the check enforces, written after the message in
** brackets ("[EXT.025]", "[REF]" for references to the wrong kind of
** element) so a reader and the conformance runner can tell which rule a
** refusal is for; NULL for a check no rule names. */
void cs_fail(spec *s, const xml_node *x, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *cs_id_of(const xml_node *x);
int cs_is_artifact(const xml_node *x);
int cs_is_tag(const xml_node *x, const char *name);
const char *cs_item_name(const xml_node *d);
const xml_node *cs_item_ref(const spec *s, const xml_node *x, const char *attr);
const char *cs_label(const xml_node *x);
int cs_lists_flow(const xml_node *x, const char *dir, const char *flow);
const xml_node *cs_lookup(const spec *s, const char *ref);
int cs_nchild(const xml_node *x, const char *name);
const xml_node *cs_owner_of(const xml_node *x);
int cs_same_item(const xml_node *a, const xml_node *b);
/* The document-wide rules for one element (constraints_doc.c). */
void cs_check_document(spec *s, const xml_node *x);
#endif
