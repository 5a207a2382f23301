/*
** xml.c — XML text to an xml_node tree. The only file that includes
** libxml2. It knows nothing of BPMN: model.c gives the tree its meaning.
**
** Hostile input: models come from outside, so the parser never touches the
** network, never loads or expands DTDs or entities (a DOCTYPE is refused
** outright: BPMN never needs one), and a size limit applies before parsing.
*/
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "xml.h"
#include "err.h"

/* A DOCTYPE can only stand in the prolog, before the root element; looking
** there is enough and cheap. Comments and PIs may precede it. */
static int has_doctype(const char *buf, size_t len) {
    const char *p = buf, *end = buf + len;
    while (p < end) {
        p = memchr(p, '<', (size_t)(end - p));
        if (!p || end - p < 2) return 0;
        if (p[1] == '?') { p += 2; continue; }
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            const char *q = memmem(p, (size_t)(end - p), "-->", 3);
            if (!q) return 0;
            p = q + 3; continue;
        }
        return end - p >= 9 && strncasecmp(p, "<!DOCTYPE", 9) == 0;
    }
    return 0;
}

static const char *intern_ns(arena *a, xmlNs *ns) {
    return ns && ns->href ? arena_strdup(a, (const char *)ns->href) : NULL;
}

static xml_node *convert(arena *a, xmlNode *src, xml_node *parent) {
    xml_node *n = arena_alloc(a, sizeof *n);
    n->parent = parent;
    n->name = arena_strdup(a, (const char *)src->name);
    n->ns = intern_ns(a, src->ns);
    n->line = (int)xmlGetLineNo(src);
    for (xmlAttr *at = src->properties; at; at = at->next) n->nattr++;
    n->attrs = arena_alloc(a, sizeof(xml_attr) * (size_t)(n->nattr + 1));
    int i = 0;
    for (xmlAttr *at = src->properties; at; at = at->next, i++) {
        xmlChar *v = xmlNodeListGetString(src->doc, at->children, 1);
        n->attrs[i].name = arena_strdup(a, (const char *)at->name);
        n->attrs[i].ns = intern_ns(a, at->ns);
        n->attrs[i].value = arena_strdup(a, v ? (const char *)v : "");
        xmlFree(v);
    }
    sbuf text = {0};
    xml_node **tail = &n->child;
    for (xmlNode *c = src->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            *tail = convert(a, c, n);
            tail = &(*tail)->next;
        } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            sbuf_puts(&text, (const char *)c->content);
        }
    }
    n->text = arena_strdup(a, text.s ? text.s : "");
    free(text.s);
    return n;
}

/* libxml2 goes on after a fatal error and reports what follows from it
** ("Extra content at the end of the document"); the first error is the
** cause a person can act on, so it is kept (in the context's _private). */
typedef struct first_error { int set, line; char msg[512]; } first_error;

static void keep_first(void *data, xmlErrorPtr e) {
    first_error *f = ((xmlParserCtxtPtr)data)->_private;
    if (f->set || !e || e->level < XML_ERR_ERROR) return;
    f->set = 1;
    f->line = e->line;
    snprintf(f->msg, sizeof f->msg, "%s", e->message ? e->message : "malformed XML");
    size_t m = strlen(f->msg);
    while (m && (f->msg[m - 1] == '\n' || f->msg[m - 1] == ' ')) f->msg[--m] = 0;
}

int xml_parse(const char *name, const char *buf, size_t len, size_t max_bytes,
              xml_doc **out, sdm_err *err) {
    *out = NULL;
    if (len > max_bytes)
        return err_set(err, SDM_ERR_LIMIT, name, 0, NULL,
                       "file is %zu bytes, over the limit of %zu", len, max_bytes);
    if (len > INT32_MAX)
        return err_set(err, SDM_ERR_LIMIT, name, 0, NULL, "file too large");
    if (has_doctype(buf, len))
        return err_set(err, SDM_ERR_XML, name, 1, NULL,
                       "DOCTYPE declarations are not allowed (entities and DTDs are disabled)");
    xmlParserCtxtPtr ctx = xmlNewParserCtxt();
    if (!ctx) return err_set(err, SDM_ERR_NOMEM, name, 0, NULL, "cannot create XML parser");
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
               XML_PARSE_BIG_LINES;
    first_error first = {0};
    ctx->_private = &first;
    ctx->sax->serror = keep_first;
    xmlDocPtr doc = xmlCtxtReadMemory(ctx, buf, (int)len, name, NULL, opts);
    if (!doc || !ctx->wellFormed || !ctx->nsWellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctx);
        if (!first.set) keep_first(ctx, (xmlErrorPtr)e);
        int code = err_set(err, SDM_ERR_XML, name, first.set ? first.line : 0, NULL, "%s",
                           first.set ? first.msg : "malformed XML");
        if (doc) xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctx);
        return code;
    }
    /* The prescan sees ASCII only; a DTD in another encoding ends here. */
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc); xmlFreeParserCtxt(ctx);
        return err_set(err, SDM_ERR_XML, name, 1, NULL,
                       "DOCTYPE declarations are not allowed (entities and DTDs are disabled)");
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root) {
        xmlFreeDoc(doc); xmlFreeParserCtxt(ctx);
        return err_set(err, SDM_ERR_XML, name, 1, NULL, "document has no root element");
    }
    xml_doc *d = xcalloc(1, sizeof *d);
    d->mem = arena_new();
    d->root = convert(d->mem, root, NULL);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctx);
    *out = d;
    return SDM_OK;
}

void xml_free(xml_doc *d) {
    if (!d) return;
    arena_free(d->mem);
    free(d);
}

static int str_eq(const char *a, const char *b) {
    return a == b || (a && b && strcmp(a, b) == 0);
}

const char *xml_attr_get(const xml_node *n, const char *ns, const char *name) {
    for (int i = 0; i < n->nattr; i++)
        if (strcmp(n->attrs[i].name, name) == 0 && str_eq(n->attrs[i].ns, ns))
            return n->attrs[i].value;
    return NULL;
}

int xml_is(const xml_node *n, const char *ns, const char *name) {
    return strcmp(n->name, name) == 0 && str_eq(n->ns, ns);
}

/* ---------- rewriting for export ---------- */

static void overlay_walk(xmlNode *n, const char *ns, const char *elem, const char *key,
                         xml_overlay_cb cb, void *ctx) {
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        if (n->ns && strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, elem) == 0) {
            xmlChar *v = xmlGetProp(n, (const xmlChar *)key);
            const char *const *set = v ? cb(ctx, (const char *)v) : NULL;
            for (; set && set[0]; set += 4) {
                xmlNsPtr nsp = xmlSearchNsByHref(n->doc, n, (const xmlChar *)set[0]);
                if (!nsp) nsp = xmlNewNs(xmlDocGetRootElement(n->doc), (const xmlChar *)set[0], (const xmlChar *)set[1]);
                xmlSetNsProp(n, nsp, (const xmlChar *)set[2], (const xmlChar *)set[3]);
            }
            xmlFree(v);
        }
        overlay_walk(n->children, ns, elem, key, cb, ctx);
    }
}

int xml_overlay(const char *name, const char *buf, size_t len, const char *ns, const char *elem,
                const char *key, xml_overlay_cb cb, void *ctx, char **out, size_t *outlen, sdm_err *err) {
    *out = NULL;
    if (has_doctype(buf, len) || len > INT32_MAX)
        return err_set(err, SDM_ERR_XML, name, 1, NULL, "refusing to rewrite a document with a DOCTYPE");
    xmlDocPtr doc = xmlReadMemory(buf, (int)len, name, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                  XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
    if (!doc) return err_set(err, SDM_ERR_XML, name, 0, NULL, "cannot parse the deployed document again");
    overlay_walk(xmlDocGetRootElement(doc), ns, elem, key, cb, ctx);
    xmlChar *text = NULL;
    int n = 0;
    xmlDocDumpMemoryEnc(doc, &text, &n, "UTF-8");
    xmlFreeDoc(doc);
    if (!text) return err_set(err, SDM_ERR_NOMEM, name, 0, NULL, "cannot serialise the document");
    *out = xmalloc((size_t)n + 1);
    memcpy(*out, text, (size_t)n);
    (*out)[n] = 0;
    *outlen = (size_t)n;
    xmlFree(text);
    return SDM_OK;
}
