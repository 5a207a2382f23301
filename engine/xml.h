/*
** xml.h — a read-only element tree produced from XML text by libxml2.
** Elements are matched by namespace URI and local name, never by prefix.
*/
#ifndef SDM_XML_H
#define SDM_XML_H
#include "sdm.h"
#include "arena.h"

typedef struct xml_attr { const char *ns, *name, *value; } xml_attr;

typedef struct xml_node {
    const char *ns;             /* namespace URI, NULL when none */
    const char *name;           /* local name */
    const char *text;           /* direct text and CDATA children, joined; "" if none */
    int line;
    int nattr;
    xml_attr *attrs;
    struct xml_node *parent, *child, *next;  /* first child, next sibling */
} xml_node;

typedef struct xml_doc { xml_node *root; arena *mem; } xml_doc;

/* Parse `len` bytes named `name` (for messages). Network access, DTDs and
** entity expansion are refused; documents over max_bytes are refused before
** parsing. On failure err holds libxml2's message with its line. */
int  xml_parse(const char *name, const char *buf, size_t len, size_t max_bytes,
               xml_doc **out, sdm_err *err);
void xml_free(xml_doc *d);

/* The tree in a compact form for the store (malloc'd), and back: running a
** deployed model needs no XML parser. Diagram (BPMNDI) elements are left
** out. A blob that is not one gives SDM_ERR_CORRUPT. */
void xml_pack(const xml_doc *d, char **blob, size_t *len);
int  xml_unpack(const char *name, const char *blob, size_t len, xml_doc **out, sdm_err *err);

/* Attribute by namespace URI (NULL: unqualified) and local name, or NULL. */
const char *xml_attr_get(const xml_node *n, const char *ns, const char *name);
int xml_is(const xml_node *n, const char *ns, const char *name);

/* Rewrite a document: for every element in namespace `ns` named `name`
** that has attribute `key`, cb may return attributes to set on it, as
** NULL-terminated pairs {ns_uri, prefix, local, value, ...} (malloc'd by
** nothing: static or caller-owned strings). The result is malloc'd. */
typedef const char *const *(*xml_overlay_cb)(void *ctx, const char *key_value);
int xml_overlay(const char *name, const char *buf, size_t len, const char *ns, const char *elem,
                const char *key, xml_overlay_cb cb, void *ctx, char **out, size_t *outlen, sdm_err *err);
#endif
