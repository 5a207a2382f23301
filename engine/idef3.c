/*
** idef3.c — reads IDEF3 process flow descriptions in sdm's own XML form
** (namespace urn:sdm:idef3:1, specified in docs/IMPORT.md: IDEF3 tools
** share no file format) into the importer's graph (import.h). One process
** per <diagram>: units of behaviour are tasks, junctions gateways,
** precedence links flows, referents to other diagrams call activities.
**
** What IDEF3 says and BPMN cannot (synchronous junctions, relational
** links, GOTO referents) is reported with its source id.
*/
#include <string.h>
#include "import.h"
#include "err.h"

static const char *a(const xml_node *n, const char *name) { return xml_attr_get(n, NULL, name); }

static int is_el(const xml_node *n, const char *name) { return xml_is(n, IDEF3_NS, name); }

static void details(imp_graph *g, int node, const xml_node *x) {
    for (const xml_node *c = x->child; c; c = c->next) {
        if (is_el(c, "description")) imp_doc_add(g, node, imp_clean_lines(g, c->text));
        else if (is_el(c, "attribute") && a(c, "name") && a(c, "value")) imp_attr_set(g, node, a(c, "name"), a(c, "value"));
    }
    if (a(x, "role")) imp_set(g, node, "role", a(x, "role"));
}

static imp_kind junction_kind(imp_graph *g, const xml_node *j) {
    const char *t = a(j, "type") ? a(j, "type") : "";
    const char *sync = a(j, "synchronous");
    int synchronous = sync && strcmp(sync, "true") == 0;
    imp_kind k = strcmp(t, "&") == 0 || strcmp(t, "AND") == 0 ? IMP_AND
               : strcmp(t, "O") == 0 || strcmp(t, "OR") == 0 ? IMP_OR
               : strcmp(t, "X") == 0 || strcmp(t, "XOR") == 0 ? IMP_XOR : IMP_DEAD;
    if (k == IMP_DEAD) {
        imp_diag(g, 1, j->line, a(j, "id"), "junction type '%s': expected &, O or X", t);
        return IMP_XOR;
    }
    if (synchronous && k == IMP_XOR)
        imp_diag(g, 0, j->line, a(j, "id"), "synchronous X junction: only one branch runs, so there is nothing to "
                 "synchronise; imported as an exclusive gateway");
    else if (synchronous)
        imp_diag(g, 0, j->line, a(j, "id"), "synchronous %s junction: BPMN cannot make branches start or end at the "
                 "same instant; imported as %s gateway (asynchronous)", t,
                 k == IMP_AND ? "a parallel" : "an inclusive");
    return k;
}

static void read_diagram(imp_graph *g, int p, const xml_node *d) {
    for (const xml_node *x = d->child; x; x = x->next) {
        const char *id = a(x, "id");
        if (!is_el(x, "uob") && !is_el(x, "junction") && !is_el(x, "referent")) continue;
        if (!id) { imp_diag(g, 1, x->line, NULL, "<%s> without an id", x->name); continue; }
        if (imp_find(g, p, id) >= 0) { imp_diag(g, 1, x->line, id, "id '%s' is used twice in one diagram", id); continue; }
        if (is_el(x, "uob")) {
            const char *dec = a(x, "decomposition");
            int n = imp_node_add(g, p, dec ? IMP_CALL : IMP_TASK, "UOB", id, a(x, "name"), x->line);
            details(g, n, x);
            if (dec) imp_set(g, n, "called", dec);
        } else if (is_el(x, "junction")) {
            int n = imp_node_add(g, p, junction_kind(g, x), "Junction", id, a(x, "name"), x->line);
            details(g, n, x);
        } else {
            const char *kind = a(x, "kind") ? a(x, "kind") : "uob", *target = a(x, "target");
            if (strcmp(kind, "note") == 0) continue;          /* documentation, linked below */
            if (!target) { imp_diag(g, 1, x->line, id, "referent without a target diagram"); continue; }
            if (strcmp(kind, "goto") == 0)
                imp_diag(g, 0, x->line, id, "GOTO referent: control does not come back in IDEF3; imported as a "
                         "call activity whose process must end the case");
            else if (strcmp(kind, "uob") != 0 && strcmp(kind, "scenario") != 0)
                imp_diag(g, 0, x->line, id, "referent kind '%s': read as a call of diagram '%s'", kind, target);
            int n = imp_node_add(g, p, IMP_CALL, "Referent", id, a(x, "name") ? a(x, "name") : target, x->line);
            details(g, n, x);
            imp_set(g, n, "called", target);
        }
    }
    for (const xml_node *l = d->child; l; l = l->next) {
        if (!is_el(l, "link")) continue;
        const char *from = a(l, "from"), *to = a(l, "to"), *type = a(l, "type") ? a(l, "type") : "precedence";
        int na = imp_find(g, p, from), nb = imp_find(g, p, to);
        const xml_node *note = NULL;
        for (const xml_node *x = d->child; x; x = x->next)
            if (is_el(x, "referent") && a(x, "kind") && strcmp(a(x, "kind"), "note") == 0 && a(x, "id") &&
                ((from && strcmp(a(x, "id"), from) == 0) || (to && strcmp(a(x, "id"), to) == 0))) note = x;
        if (note && (na >= 0 || nb >= 0)) {
            imp_doc_add(g, na >= 0 ? na : nb, note->text);
            continue;
        }
        if (strcmp(type, "relational") == 0) {
            imp_diag(g, 0, l->line, a(l, "id"), "relational link %s -> %s: not mapped, it states a relation, not an "
                     "order", from ? from : "?", to ? to : "?");
            continue;
        }
        if (na < 0 || nb < 0) {
            imp_diag(g, 1, l->line, a(l, "id"), "link refers to '%s', which this diagram does not have",
                     na < 0 ? (from ? from : "(none)") : (to ? to : "(none)"));
            continue;
        }
        int e = imp_edge_add(g, na, nb, a(l, "id"));
        imp_edge *ed = imp_edge_at(g, e);
        ed->name = imp_clean(g, a(l, "label"));
        ed->labelled = ed->name != NULL;
        if (a(l, "condition")) ed->cond = imp_clean(g, a(l, "condition"));
        ed->dflt = a(l, "default") && strcmp(a(l, "default"), "true") == 0;
    }
}

int idef3_read(imp_graph *g, const xml_node *root) {
    if (!root->ns || strcmp(root->ns, IDEF3_NS) != 0) {
        imp_diag(g, 1, root->line, NULL, "<idef3> must be in namespace " IDEF3_NS " (docs/IMPORT.md)");
        return SDM_OK;
    }
    for (const xml_node *d = root->child; d; d = d->next) {
        if (!is_el(d, "diagram")) continue;
        int p = imp_proc_add(g, a(d, "id"), a(d, "name") ? a(d, "name") : a(d, "id"), d->line);
        read_diagram(g, p, d);
    }
    imp_resolve_calls(g, 0);
    return SDM_OK;
}
