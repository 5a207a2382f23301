/*
** aml.c — reads an ARIS AML export (XML) into the importer's graph
** (import.h): each model with functions, events and rules becomes one
** process. EPC models (MT_EEPC and its column/row variants) are the
** subject; other model types (ARIS BPMN diagrams) go through the same
** subset with a warning.
**
** AML keeps definitions (ObjDef, CxnDef, in groups) apart from their
** occurrences in a model (ObjOcc, CxnOcc): nodes and flows are the
** occurrences, names and types come from the definitions. Occurrence ids
** become BPMN ids. Organisational objects joined to a function give its
** lane; information carriers and documents its documentation.
**
** ARIS writes `<!DOCTYPE AML SYSTEM "ARIS-Export.dtd" [<!ENTITY ...>]>`.
** xml.c refuses every DOCTYPE, so aml_strip_doctype removes this one and
** expands its entities itself, accepting only plain-text values: nothing
** is ever loaded and no expansion can nest.
*/
#include <string.h>
#include <ctype.h>
#include "import.h"
#include "err.h"

/* ---------- the DOCTYPE of ARIS exports ---------- */

typedef struct ent { const char *name; size_t nlen; const char *val; size_t vlen; } ent;

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && isspace((unsigned char)*p)) p++;
    return p;
}

/* Internal subset entries: <!ENTITY name "text"> only (comments allowed);
** anything else (parameter entities, external ids, markup in values)
** returns NULL and leaves the refusal to xml.c. */
static const char *read_subset(const char *p, const char *end, ent **ents, int *nent) {
    for (;;) {
        p = skip_ws(p, end);
        if (p >= end) return NULL;
        if (*p == ']') return p + 1;
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            const char *q = memmem(p, (size_t)(end - p), "-->", 3);
            if (!q) return NULL;
            p = q + 3;
            continue;
        }
        if (end - p < 9 || memcmp(p, "<!ENTITY", 8) != 0 || !isspace((unsigned char)p[8])) return NULL;
        p = skip_ws(p + 8, end);
        const char *name = p;
        while (p < end && (isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-')) p++;
        size_t nlen = (size_t)(p - name);
        p = skip_ws(p, end);
        if (!nlen || p >= end || (*p != '"' && *p != '\'')) return NULL;
        char quote = *p++;
        const char *val = p;
        while (p < end && *p != quote) {
            if (*p == '&' || *p == '<' || *p == '%') return NULL;
            p++;
        }
        if (p >= end) return NULL;
        size_t vlen = (size_t)(p - val);
        p = skip_ws(p + 1, end);
        if (p >= end || *p != '>') return NULL;
        p++;
        *ents = xrealloc(*ents, sizeof **ents * (size_t)(*nent + 1));
        (*ents)[(*nent)++] = (ent){name, nlen, val, vlen};
    }
}

char *aml_strip_doctype(const char *buf, size_t len, size_t max, size_t *outlen) {
    const char *end = buf + len, *p = buf;
    const char *dt = NULL;
    while (p < end) {                      /* the prolog: XML declaration, comments, DOCTYPE */
        p = memchr(p, '<', (size_t)(end - p));
        if (!p || end - p < 9) return NULL;
        if (p[1] == '?') { const char *q = memmem(p, (size_t)(end - p), "?>", 2); if (!q) return NULL; p = q + 2; continue; }
        if (memcmp(p, "<!--", 4) == 0) { const char *q = memmem(p, (size_t)(end - p), "-->", 3); if (!q) return NULL; p = q + 3; continue; }
        if (memcmp(p, "<!DOCTYPE", 9) == 0) dt = p;
        break;
    }
    if (!dt) return NULL;
    p = skip_ws(dt + 9, end);
    if (end - p < 4 || memcmp(p, "AML", 3) != 0 || !(isspace((unsigned char)p[3]) || p[3] == '[' || p[3] == '>'))
        return NULL;
    ent *ents = NULL;
    int nent = 0;
    const char *q = p + 3;
    while (q < end && *q != '[' && *q != '>') q++;          /* SYSTEM "ARIS-Export.dtd": never loaded */
    if (q < end && *q == '[') q = read_subset(q + 1, end, &ents, &nent);
    if (q) q = skip_ws(q, end);
    if (!q || q >= end || *q != '>') { free(ents); return NULL; }
    sbuf b = {0};
    sbuf_add(&b, buf, (size_t)(dt - buf));
    for (p = q + 1; p < end && b.len <= max;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        if (!amp) { sbuf_add(&b, p, (size_t)(end - p)); break; }
        sbuf_add(&b, p, (size_t)(amp - p));
        const char *semi = memchr(amp, ';', (size_t)(end - amp) < 64 ? (size_t)(end - amp) : 64);
        int hit = -1;
        for (int i = 0; semi && i < nent; i++)
            if ((size_t)(semi - amp - 1) == ents[i].nlen && memcmp(amp + 1, ents[i].name, ents[i].nlen) == 0) hit = i;
        if (hit >= 0) { sbuf_add(&b, ents[hit].val, ents[hit].vlen); p = semi + 1; }
        else { sbuf_add(&b, "&", 1); p = amp + 1; }
    }
    free(ents);
    if (b.len > max) { free(b.s); return NULL; }
    *outlen = b.len;
    return sbuf_take(&b);
}

/* ---------- the model ---------- */

typedef struct objdef { const xml_node *n; const char *id, *type, *name; } objdef;
typedef struct cxndef { const xml_node *n; const char *id, *type; } cxndef;

typedef struct aml { objdef *objs; int nobj; cxndef *cxns; int ncxn; } aml;

static const char *attr_value_text(const xml_node *v, sbuf *b) {
    for (const xml_node *c = v->child; c; c = c->next) {
        if (strcmp(c->name, "PlainText") == 0) {
            const char *t = xml_attr_get(c, NULL, "TextValue");
            if (t) { if (b->len) sbuf_add(b, "\n", 1); sbuf_puts(b, t); }
        } else attr_value_text(c, b);
    }
    return b->s;
}

/* The text of attribute `type` (AT_NAME, AT_DESC, AT_REM) in the first
** language given, plain or styled; malloc'd, NULL when absent. */
static char *attr_text(const xml_node *n, const char *type) {
    for (const xml_node *a = n->child; a; a = a->next) {
        if (strcmp(a->name, "AttrDef") != 0) continue;
        const char *t = xml_attr_get(a, NULL, "AttrDef.Type");
        if (!t || strcmp(t, type) != 0) continue;
        for (const xml_node *v = a->child; v; v = v->next) {
            if (strcmp(v->name, "AttrValue") != 0) continue;
            sbuf b = {0};
            attr_value_text(v, &b);
            if (!b.len) sbuf_puts(&b, v->text);
            return sbuf_take(&b);
        }
    }
    return NULL;
}

static void collect(aml *a, const xml_node *n) {
    for (const xml_node *c = n->child; c; c = c->next) {
        if (strcmp(c->name, "ObjDef") == 0) {
            a->objs = xrealloc(a->objs, sizeof *a->objs * (size_t)(a->nobj + 1));
            a->objs[a->nobj++] = (objdef){c, xml_attr_get(c, NULL, "ObjDef.ID"), xml_attr_get(c, NULL, "TypeNum"), NULL};
            for (const xml_node *x = c->child; x; x = x->next)
                if (strcmp(x->name, "CxnDef") == 0) {
                    a->cxns = xrealloc(a->cxns, sizeof *a->cxns * (size_t)(a->ncxn + 1));
                    a->cxns[a->ncxn++] = (cxndef){x, xml_attr_get(x, NULL, "CxnDef.ID"), xml_attr_get(x, NULL, "CxnDef.Type")};
                }
        } else if (strcmp(c->name, "Group") == 0) collect(a, c);
    }
}

static const objdef *obj_find(const aml *a, const char *id) {
    for (int i = 0; id && i < a->nobj; i++) if (a->objs[i].id && strcmp(a->objs[i].id, id) == 0) return &a->objs[i];
    return NULL;
}

static const cxndef *cxn_find(const aml *a, const char *id) {
    for (int i = 0; id && i < a->ncxn; i++) if (a->cxns[i].id && strcmp(a->cxns[i].id, id) == 0) return &a->cxns[i];
    return NULL;
}

static int type_in(const char *type, const char *const *list) {
    for (; type && *list; list++) if (strcmp(type, *list) == 0) return 1;
    return 0;
}

static const char *const org_types[] = {"OT_ORG_UNIT", "OT_POS", "OT_PERS_TYPE", "OT_GRP", "OT_PERS",
                                        "OT_ORG_UNIT_TYPE", "OT_BPMN_LANE", NULL};
static const char *const info_types[] = {"OT_INFO_CARR", "OT_TECH_TRM", "OT_CLST", "OT_DOC", "OT_LST",
                                         "OT_ENT_TYPE", "OT_INFO_CARR_TYPE", NULL};

static imp_kind rule_kind(imp_graph *g, const xml_node *occ, const char *symbol, const char *src) {
    if (symbol && strstr(symbol, "XOR")) return IMP_XOR;
    if (symbol && strstr(symbol, "AND")) return IMP_AND;
    if (symbol && (strstr(symbol, "_OR_") || strstr(symbol, "INCLUSIVE"))) return IMP_OR;
    if (symbol && (strstr(symbol, "PARALLEL"))) return IMP_AND;
    if (symbol && (strstr(symbol, "EXCLUSIVE"))) return IMP_XOR;
    imp_diag(g, 0, occ->line, src, "rule symbol %s names no AND, OR or XOR: read as an XOR connector",
             symbol ? symbol : "(none)");
    return IMP_XOR;
}

static int flow_kind(const char *type) {
    return type && (strcmp(type, "OT_FUNC") == 0 || strcmp(type, "OT_EVT") == 0 || strcmp(type, "OT_RULE") == 0);
}

/* One node per occurrence of a function, event or rule. */
static void read_occurrences(imp_graph *g, const aml *a, int p, const xml_node *model) {
    for (const xml_node *o = model->child; o; o = o->next) {
        if (strcmp(o->name, "ObjOcc") != 0) continue;
        const char *occ = xml_attr_get(o, NULL, "ObjOcc.ID"), *sym = xml_attr_get(o, NULL, "SymbolNum");
        const objdef *d = obj_find(a, xml_attr_get(o, NULL, "ObjDef.IdRef"));
        if (!d) { imp_diag(g, 1, o->line, occ, "occurrence of unknown object definition"); continue; }
        if (!flow_kind(d->type)) continue;
        char *name = attr_text(d->n, "AT_NAME");
        imp_kind kind = strcmp(d->type, "OT_FUNC") == 0 ? IMP_TASK : strcmp(d->type, "OT_EVT") == 0 ? IMP_EVENT
                      : rule_kind(g, o, sym, occ);
        if (kind == IMP_TASK && sym && (strstr(sym, "PRCS_IF") || strstr(sym, "SUBPROCESS") || strstr(sym, "SUB_PROCESS")))
            kind = IMP_CALL;
        if (kind == IMP_EVENT && sym && strstr(sym, "INTERMEDIATE"))
            imp_diag(g, 0, o->line, occ, "event symbol %s: only its name is kept, as the label of its flow", sym);
        int n = imp_node_add(g, p, kind, kind == IMP_TASK ? "Function" : kind == IMP_EVENT ? "Event"
                             : kind == IMP_CALL ? "Interface" : "Rule", occ, name, o->line);
        free(name);
        char *desc = attr_text(d->n, "AT_DESC");
        const char *c = imp_clean_lines(g, desc);
        if (c) imp_doc_add(g, n, c);
        free(desc);
        char *rem = attr_text(d->n, "AT_REM");
        imp_attr_lines(g, n, rem);
        free(rem);
        if (kind == IMP_CALL) imp_set(g, n, "called", xml_attr_get(d->n, NULL, "LinkedModels.IdRefs") ?
                                      xml_attr_get(d->n, NULL, "LinkedModels.IdRefs") : "");
    }
}

/* Connections between occurrences: control flow between flow objects;
** an organisational object gives a function its lane, an information
** object a line of documentation. */
static void read_connections(imp_graph *g, const aml *a, int p, const xml_node *model) {
    for (const xml_node *o = model->child; o; o = o->next) {
        if (strcmp(o->name, "ObjOcc") != 0) continue;
        for (const xml_node *c = o->child; c; c = c->next) {
            if (strcmp(c->name, "CxnOcc") != 0) continue;
            const char *cid = xml_attr_get(c, NULL, "CxnOcc.ID"), *to = xml_attr_get(c, NULL, "ToObjOcc.IdRef");
            const cxndef *cd = cxn_find(a, xml_attr_get(c, NULL, "CxnDef.IdRef"));
            const char *ctype = cd && cd->type ? cd->type : "?";
            int na = imp_find(g, p, xml_attr_get(o, NULL, "ObjOcc.ID")), nb = imp_find(g, p, to);
            if (na >= 0 && nb >= 0) {
                if (strstr(ctype, "MESSAGE"))
                    imp_diag(g, 0, c->line, cid, "message flow (%s): not mapped, one process per model", ctype);
                else imp_edge_add(g, na, nb, cid);
                continue;
            }
            /* one end is not a flow object: find its definition */
            const xml_node *other = NULL;
            int node = na >= 0 ? na : nb, incoming = na < 0;
            const char *other_occ = na >= 0 ? to : xml_attr_get(o, NULL, "ObjOcc.ID");
            for (const xml_node *x = model->child; x; x = x->next)
                if (strcmp(x->name, "ObjOcc") == 0 && xml_attr_get(x, NULL, "ObjOcc.ID") &&
                    other_occ && strcmp(xml_attr_get(x, NULL, "ObjOcc.ID"), other_occ) == 0) other = x;
            const objdef *d = other ? obj_find(a, xml_attr_get(other, NULL, "ObjDef.IdRef")) : NULL;
            if (node < 0 || !d) continue;            /* neither end in the flow: not ours */
            char *name = attr_text(d->n, "AT_NAME");
            const char *clean = imp_clean(g, name);
            free(name);
            imp_node *nd = imp_node_at(g, node);
            if (type_in(d->type, org_types) && clean) {
                if (nd->role && strcmp(nd->role, clean) != 0)
                    imp_diag(g, 0, c->line, cid, "'%s' has several organisational objects ('%s', '%s'): its lane is "
                             "the first", nd->name ? nd->name : nd->src, nd->role, clean);
                else imp_set(g, node, "role", clean);
            } else if (type_in(d->type, info_types)) {
                char *line = xasprintf("Document (%s): %s", incoming ? "input" : "output", clean ? clean : d->id);
                imp_doc_add(g, node, line);
                free(line);
            } else if (d->type && strcmp(d->type, "OT_BPMN_POOL") != 0) {
                imp_diag(g, 0, c->line, cid, "connection %s to a %s object: not mapped", ctype, d->type);
            }
        }
    }
}

static int is_epc_model(const char *type) { return type && strncmp(type, "MT_EEPC", 7) == 0; }

static void read_models(imp_graph *g, const aml *a, const xml_node *n) {
    for (const xml_node *m = n->child; m; m = m->next) {
        if (strcmp(m->name, "Group") == 0) { read_models(g, a, m); continue; }
        if (strcmp(m->name, "Model") != 0) continue;
        const char *type = xml_attr_get(m, NULL, "Model.Type"), *mid = xml_attr_get(m, NULL, "Model.ID");
        int flow = 0;
        for (const xml_node *o = m->child; o && !flow; o = o->next)
            if (strcmp(o->name, "ObjOcc") == 0) {
                const objdef *d = obj_find(a, xml_attr_get(o, NULL, "ObjDef.IdRef"));
                flow = d && flow_kind(d->type);
            }
        if (!flow) {
            imp_diag(g, 0, m->line, mid, "model of type %s has no functions, events or rules: not imported",
                     type ? type : "?");
            continue;
        }
        if (!is_epc_model(type))
            imp_diag(g, 0, m->line, mid, "model type %s is not an EPC (MT_EEPC): imported through the EPC subset "
                     "(functions, events, rules, organisational objects); symbols beyond it are reported",
                     type ? type : "?");
        char *name = attr_text(m, "AT_NAME");
        int p = imp_proc_add(g, mid, name, m->line);
        free(name);
        read_occurrences(g, a, p, m);
        read_connections(g, a, p, m);
    }
}

int aml_read(imp_graph *g, const xml_node *root) {
    aml a = {0};
    collect(&a, root);
    read_models(g, &a, root);
    imp_resolve_calls(g, 1);
    free(a.objs);
    free(a.cxns);
    return SDM_OK;
}
