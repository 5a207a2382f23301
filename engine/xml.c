/*
** xml.c — XML text to an xml_node tree. The only file that includes
** libxml2. It knows nothing of BPMN: model.c gives the tree its meaning.
**
** Hostile input: models come from outside, so the parser never touches the
** network, never loads or expands DTDs or entities (a DOCTYPE is refused
** outright: BPMN never needs one), and a size limit applies before parsing.
**
** libxml2 (with ICU and libstdc++ behind it) is loaded with dlopen when a
** document is first parsed, not linked: a call that runs a deployed model
** reads its packed tree (xml_unpack) and never needs it.
*/
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "xml.h"
#include "err.h"
#include "lazy.h"

#define XML_FUNCS(X) X(xmlNewParserCtxt) X(xmlCtxtReadMemory) X(xmlCtxtGetLastError) X(xmlFreeDoc) \
    X(xmlFreeParserCtxt) X(xmlDocGetRootElement) X(xmlGetLineNo) X(xmlNodeListGetString) \
    X(xmlReadMemory) X(xmlGetProp) X(xmlSearchNsByHref) X(xmlNewNs) X(xmlSetNsProp) \
    X(xmlDocDumpMemoryEnc)
XML_FUNCS(LAZY_PTR)
static xmlFreeFunc *p_free;     /* xmlFree is a variable: the library's default deallocator */
static const char *const xml_names[] = {XML_FUNCS(LAZY_NAME) "xmlFree", NULL};
static void **const xml_slots[] = {XML_FUNCS(LAZY_SLOT) (void **)&p_free};
static lazy_lib libxml2 = {"libxml2.so.2", "libxml2", xml_names, xml_slots, 0, ""};

static int xml_ready(const char *name, sdm_err *err) {
    return lazy_load(&libxml2) ? err_set(err, SDM_ERR_IO, name, 0, NULL, "%s", libxml2.missing) : 0;
}
/* The rest of this file calls libxml2 by its own names. */
#undef xmlFree
#define xmlFree (*p_free)
#define xmlNewParserCtxt p_xmlNewParserCtxt
#define xmlCtxtReadMemory p_xmlCtxtReadMemory
#define xmlCtxtGetLastError p_xmlCtxtGetLastError
#define xmlFreeDoc p_xmlFreeDoc
#define xmlFreeParserCtxt p_xmlFreeParserCtxt
#define xmlDocGetRootElement p_xmlDocGetRootElement
#define xmlGetLineNo p_xmlGetLineNo
#define xmlNodeListGetString p_xmlNodeListGetString
#define xmlReadMemory p_xmlReadMemory
#define xmlGetProp p_xmlGetProp
#define xmlSearchNsByHref p_xmlSearchNsByHref
#define xmlNewNs p_xmlNewNs
#define xmlSetNsProp p_xmlSetNsProp
#define xmlDocDumpMemoryEnc p_xmlDocDumpMemoryEnc

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
    if (xml_ready(name, err)) return SDM_ERR_IO;
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

/* ---------- the compact form ----------
**
** A tree packed for the store, so running a deployed model needs no XML
** parser: "sdmtree1\0", then each element in document order as
**   varint line, str ns, str name, str text, varint nattr,
**   nattr x (str ns, str name, str value), varint nchild, children
** where str is varint (length + 1, 0 for NULL) then the bytes and a NUL,
** so unpacking points into one copy of the blob. Diagram interchange
** (BPMNDI) elements are left out: only drawings use them. */

#define TREE_MAGIC "sdmtree1"
#define BPMNDI_NS "http://www.omg.org/spec/BPMN/20100524/DI"

static void put_varint(sbuf *b, uint64_t v) {
    char c[10];
    int n = 0;
    do { c[n++] = (char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)); v >>= 7; } while (v);
    sbuf_add(b, c, (size_t)n);
}

static void put_str(sbuf *b, const char *s) {
    size_t n = s ? strlen(s) : 0;
    put_varint(b, s ? n + 1 : 0);
    if (s) sbuf_add(b, s, n + 1);
}

static int packed(const xml_node *n) { return !n->ns || strcmp(n->ns, BPMNDI_NS) != 0; }

static void pack_node(sbuf *b, const xml_node *n) {
    put_varint(b, (uint64_t)n->line);
    put_str(b, n->ns); put_str(b, n->name); put_str(b, n->text);
    put_varint(b, (uint64_t)n->nattr);
    for (int i = 0; i < n->nattr; i++) {
        put_str(b, n->attrs[i].ns); put_str(b, n->attrs[i].name); put_str(b, n->attrs[i].value);
    }
    uint64_t nchild = 0;
    for (const xml_node *c = n->child; c; c = c->next) nchild += (uint64_t)packed(c);
    put_varint(b, nchild);
    for (const xml_node *c = n->child; c; c = c->next) if (packed(c)) pack_node(b, c);
}

void xml_pack(const xml_doc *d, char **blob, size_t *len) {
    sbuf b = {0};
    sbuf_add(&b, TREE_MAGIC, sizeof TREE_MAGIC);
    pack_node(&b, d->root);
    *blob = b.s;
    *len = b.len;
}

typedef struct reader { char *p, *end; int bad; } reader;

static uint64_t get_varint(reader *r) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) break;
        unsigned char c = (unsigned char)*r->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
    r->bad = 1;
    return 0;
}

static const char *get_str(reader *r) {
    uint64_t n = get_varint(r);
    if (n == 0 || r->bad) return NULL;
    if (n > (uint64_t)(r->end - r->p) || r->p[n - 1] != 0) { r->bad = 1; return NULL; }
    const char *s = r->p;
    r->p += n;
    return s;
}

static xml_node *unpack_node(arena *a, reader *r, xml_node *parent, int depth) {
    xml_node *n = arena_alloc(a, sizeof *n);
    n->parent = parent;
    n->line = (int)get_varint(r);
    n->ns = get_str(r); n->name = get_str(r); n->text = get_str(r);
    uint64_t nattr = get_varint(r);
    if (!n->name || !n->text || depth > 1000 || nattr > (uint64_t)(r->end - r->p)) r->bad = 1;
    if (r->bad) return n;
    n->nattr = (int)nattr;
    n->attrs = arena_alloc(a, sizeof(xml_attr) * (size_t)(n->nattr + 1));
    for (int i = 0; i < n->nattr && !r->bad; i++) {
        n->attrs[i].ns = get_str(r); n->attrs[i].name = get_str(r); n->attrs[i].value = get_str(r);
        if (!n->attrs[i].name || !n->attrs[i].value) r->bad = 1;
    }
    uint64_t nchild = get_varint(r);
    xml_node **tail = &n->child;
    for (uint64_t i = 0; i < nchild && !r->bad; i++) {
        *tail = unpack_node(a, r, n, depth + 1);
        tail = &(*tail)->next;
    }
    return n;
}

int xml_unpack(const char *name, const char *blob, size_t len, xml_doc **out, sdm_err *err) {
    *out = NULL;
    if (len < sizeof TREE_MAGIC || memcmp(blob, TREE_MAGIC, sizeof TREE_MAGIC) != 0)
        return err_set(err, SDM_ERR_CORRUPT, name, 0, NULL, "the stored model tree is not in a known form");
    xml_doc *d = xcalloc(1, sizeof *d);
    d->mem = arena_new();
    char *copy = arena_alloc(d->mem, len);
    memcpy(copy, blob, len);
    reader r = {copy + sizeof TREE_MAGIC, copy + len, 0};
    d->root = unpack_node(d->mem, &r, NULL, 0);
    if (r.bad || r.p != r.end) {
        xml_free(d);
        return err_set(err, SDM_ERR_CORRUPT, name, 0, NULL, "the stored model tree is damaged");
    }
    *out = d;
    return SDM_OK;
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
    if (xml_ready(name, err)) return SDM_ERR_IO;
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
