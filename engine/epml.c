/*
** epml.c — reads EPML 2.0 (the interchange format of event-driven process
** chains) into the importer's graph (import.h). One process per <epc>,
** wherever it sits (in <directory> or straight under the root).
**
** Elements are matched by local name only: real files bind the epml prefix
** to wrong namespace URIs, and the children carry none. What an EPC can say
** but BPMN cannot (C-EPC configurable nodes, range connectors, relations
** to nothing) is reported with its source id; nothing is dropped silently.
** The mapping itself (events, connectors, roles) is import.c's.
*/
#include <string.h>
#include "import.h"
#include "err.h"

#define EPML_NS "http://www.epml.de"

static const xml_node *child(const xml_node *n, const char *name) {
    for (const xml_node *c = n->child; c; c = c->next) if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

static const char *child_text(const xml_node *n, const char *name) {
    const xml_node *c = child(n, name);
    return c ? c->text : NULL;
}

/* A node's name: its own <name>, else its definition's (defRef into the
** file's <definitions>). */
static const char *node_name(const xml_node *n, const xml_node *defs) {
    const char *name = child_text(n, "name"), *ref = xml_attr_get(n, NULL, "defRef");
    for (const xml_node *d = defs ? defs->child : NULL; !name && ref && d; d = d->next) {
        const char *id = xml_attr_get(d, NULL, "defId");
        if (id && strcmp(id, ref) == 0) name = child_text(d, "name");
    }
    return name;
}

static const char *src_id(const xml_node *n) {
    const char *id = xml_attr_get(n, NULL, "id");
    return id ? id : xml_attr_get(n, NULL, "epcId");
}

/* Per <epc>: the source ids of roles, objects and range connectors, which
** are no nodes of the flow but targets of relations. */
typedef struct side { const xml_node *n; const char *kind; } side;

static const side *side_find(const side *s, int ns, const char *id) {
    for (int i = 0; i < ns; i++) {
        const char *sid = src_id(s[i].n);
        if (sid && id && strcmp(sid, id) == 0) return &s[i];
    }
    return NULL;
}

static void read_node_details(imp_graph *g, int node, const xml_node *x) {
    const char *d = child_text(x, "description");
    if (!d) d = child_text(x, "documentation");
    if (d) {
        const char *clean = imp_clean_lines(g, d);
        if (clean) imp_doc_add(g, node, clean);
    }
    for (const xml_node *c = x->child; c; c = c->next) {
        if (strcmp(c->name, "attribute") == 0) {
            const char *k = xml_attr_get(c, NULL, "typeRef"), *v = xml_attr_get(c, NULL, "value");
            if (k && v && strncmp(k, "sdm:", 4) == 0) imp_attr_set(g, node, k, v);
        } else if (strncmp(c->name, "configurable", 12) == 0) {
            imp_diag(g, 0, c->line, src_id(x), "%s '%s' is configurable (C-EPC <%s>): imported as the "
                     "unconfigured node; configure the EPC before importing to choose a variant", x->name,
                     imp_node_at(g, node)->name ? imp_node_at(g, node)->name : src_id(x), c->name);
        }
    }
}

static int read_flow_node(imp_graph *g, int p, const xml_node *x, const xml_node *defs) {
    static const struct { const char *el, *word; imp_kind kind; } kinds[] = {
        {"event", "Event", IMP_EVENT}, {"function", "Function", IMP_TASK},
        {"and", "Connector", IMP_AND}, {"or", "Connector", IMP_OR}, {"xor", "Connector", IMP_XOR},
        {"processInterface", "Interface", IMP_CALL},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(x->name, kinds[i].el) != 0) continue;
        const char *id = src_id(x);
        if (!id) {
            imp_diag(g, 1, x->line, NULL, "<%s> without an id", x->name);
            return -1;
        }
        if (imp_find(g, p, id) >= 0) {
            imp_diag(g, 1, x->line, id, "id '%s' is used by two elements of one EPC", id);
            return -1;
        }
        const xml_node *to = child(x, "toProcess");
        imp_kind kind = to ? IMP_CALL : kinds[i].kind;
        int n = imp_node_add(g, p, kind, kinds[i].word, id, node_name(x, defs), x->line);
        read_node_details(g, n, x);
        if (to) imp_set(g, n, "called", xml_attr_get(to, NULL, "linkToEpcId") ? xml_attr_get(to, NULL, "linkToEpcId") : "");
        return n;
    }
    return -2;   /* not a flow node */
}

/* A relation joins a role or object to a flow node, either way round. */
static void read_relation(imp_graph *g, int p, const xml_node *arc, const xml_node *rel, const side *s, int ns,
                          const xml_node *defs) {
    const char *a = xml_attr_get(rel, NULL, "source"), *b = xml_attr_get(rel, NULL, "target");
    int na = imp_find(g, p, a), nb = imp_find(g, p, b);
    const side *sa = side_find(s, ns, a), *sb = side_find(s, ns, b);
    const side *other = sa ? sa : sb;
    int node = sa ? nb : na;
    if (!other || node < 0) {
        imp_diag(g, 0, rel->line, src_id(arc), "relation %s -> %s does not join a role or object to a flow "
                 "element: not imported", a ? a : "?", b ? b : "?");
        return;
    }
    const char *name = imp_clean(g, node_name(other->n, defs));
    if (strcmp(other->kind, "range") == 0) {
        imp_diag(g, 0, rel->line, src_id(arc), "relation through range connector '%s' is not mapped: BPMN has "
                 "no range connector", src_id(other->n));
    } else if (strcmp(other->kind, "object") == 0) {
        const char *type = xml_attr_get(rel, NULL, "type");
        if (!type) type = sa ? "input" : "output";
        const char *desc = imp_clean(g, child_text(other->n, "description"));
        char *line = xasprintf("Document (%s): %s%s%s", type, name ? name : src_id(other->n), desc ? " - " : "",
                               desc ? desc : "");
        imp_doc_add(g, node, line);
        free(line);
    } else {
        imp_node *n = imp_node_at(g, node);
        if (n->role && name && strcmp(n->role, name) != 0)
            imp_diag(g, 0, rel->line, src_id(arc), "'%s' has several roles ('%s', '%s'): its lane is the first",
                     n->name ? n->name : n->src, n->role, name);
        else if (name) imp_set(g, node, "role", name);
        else imp_diag(g, 0, rel->line, src_id(arc), "%s '%s' has no name: no lane for it", other->kind,
                      src_id(other->n));
    }
}

static void read_epc(imp_graph *g, const xml_node *epc, const char *fallback_name, const xml_node *defs) {
    const char *name = xml_attr_get(epc, NULL, "name");
    int p = imp_proc_add(g, xml_attr_get(epc, NULL, "epcId"), name && *name ? name : fallback_name, epc->line);
    side *s = NULL;
    int ns = 0;
    for (const xml_node *x = epc->child; x; x = x->next) {
        int r = read_flow_node(g, p, x, defs);
        if (r != -2) continue;
        const char *kind = NULL;
        if (strcmp(x->name, "role") == 0 || strcmp(x->name, "orgUnit") == 0 || strcmp(x->name, "participant") == 0)
            kind = "role";
        else if (strcmp(x->name, "object") == 0 || strcmp(x->name, "document") == 0) kind = "object";
        else if (strcmp(x->name, "range") == 0) kind = "range";
        if (kind) {
            s = xrealloc(s, sizeof *s * (size_t)(ns + 1));
            s[ns++] = (side){x, kind};
            if (strcmp(kind, "range") == 0)
                imp_diag(g, 0, x->line, src_id(x), "range connector (%s..%s): not mapped, BPMN has none",
                         xml_attr_get(x, NULL, "lowerBound") ? xml_attr_get(x, NULL, "lowerBound") : "?",
                         xml_attr_get(x, NULL, "upperBound") ? xml_attr_get(x, NULL, "upperBound") : "?");
        } else if (strcmp(x->name, "arc") != 0 && strcmp(x->name, "graphics") != 0 &&
                   strcmp(x->name, "attribute") != 0 && strcmp(x->name, "name") != 0) {
            imp_diag(g, 0, x->line, src_id(x), "EPC element <%s> is not mapped", x->name);
        }
    }
    for (const xml_node *arc = epc->child; arc; arc = arc->next) {
        if (strcmp(arc->name, "arc") != 0) continue;
        for (const xml_node *f = arc->child; f; f = f->next) {
            if (strcmp(f->name, "relation") == 0) { read_relation(g, p, arc, f, s, ns, defs); continue; }
            if (strcmp(f->name, "flow") != 0) continue;
            const char *a = xml_attr_get(f, NULL, "source"), *b = xml_attr_get(f, NULL, "target");
            int na = imp_find(g, p, a), nb = imp_find(g, p, b);
            if (na < 0 || nb < 0) {
                const char *missing = na < 0 ? a : b;
                if (side_find(s, ns, missing))
                    imp_diag(g, 0, f->line, src_id(arc), "control flow to or from %s '%s': not mapped",
                             side_find(s, ns, missing)->kind, missing);
                else
                    imp_diag(g, 1, f->line, src_id(arc), "arc %s refers to element '%s', which this EPC does not "
                             "have", src_id(arc) ? src_id(arc) : "?", missing ? missing : "(none)");
                continue;
            }
            imp_edge_add(g, na, nb, src_id(arc));
        }
    }
    free(s);
}

static void find_epcs(imp_graph *g, const xml_node *n, const char *fallback, const xml_node *defs) {
    for (const xml_node *c = n->child; c; c = c->next) {
        if (strcmp(c->name, "epc") == 0) read_epc(g, c, fallback, defs);
        else if (strcmp(c->name, "directory") == 0) find_epcs(g, c, fallback, defs);
    }
}

int epml_read(imp_graph *g, const xml_node *root) {
    if (!root->ns || strcmp(root->ns, EPML_NS) != 0)
        imp_diag(g, 0, root->line, NULL, "the root element's namespace is %s%s%s, not " EPML_NS ": read as EPML anyway",
                 root->ns ? "'" : "", root->ns ? root->ns : "none", root->ns ? "'" : "");
    const char *file = imp_file(g), *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    const char *dot = strrchr(base, '.');
    char *fallback = xasprintf("%.*s", (int)(dot ? dot - base : (long)strlen(base)), base);
    find_epcs(g, root, fallback, child(root, "definitions"));
    free(fallback);
    imp_resolve_calls(g, 1);
    return SDM_OK;
}
