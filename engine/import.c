/*
** import.c — the common half of the importers (import.h): the graph the
** format readers fill and its mapping to BPMN (EPC events to start and end
** events, flow names and conditions; connectors to gateways; roles to
** lanes); sdm_import and the deploy hook for foreign formats. The layout
** and the BPMN XML with BPMNDI are import_bpmn.c's.
**
** It never parses XML itself (xml.c does, the readers walk the tree) and
** never touches a store: the result is BPMN text that deploys like any
** other. The rules are documented in docs/IMPORT.md; keep them in step.
*/
#include <string.h>
#include <ctype.h>
#include <stdarg.h>
#include "import.h"
#include "import_int.h"
#include "err.h"
#include "arena.h"
#include "table.h"

/* The mapping walks the graph once per element in places; EPCs people draw
** have hundreds of elements, so this bounds the work a hostile file causes. */
#define IMP_MAX_NODES 5000

static const char *const diag_cols[] = {"kind", "file", "line", "element", "message", NULL};

/* ---------- building ---------- */

static imp_graph *graph_new(const char *file) {
    imp_graph *g = xcalloc(1, sizeof *g);
    g->mem = arena_new();
    g->file = arena_strdup(g->mem, file);
    g->diag = table_new(diag_cols, "ssiss");
    return g;
}

static void graph_free(imp_graph *g) {
    if (!g) return;
    free(g->procs); free(g->nodes); free(g->edges); free(g->ids);
    sdm_table_free(g->diag);
    arena_free(g->mem);
    free(g);
}

const char *imp_file(const imp_graph *g) { return g->file; }
int imp_nproc(const imp_graph *g) { return g->nproc; }
int imp_nnode(const imp_graph *g) { return g->nnode; }
const imp_proc *imp_proc_at(const imp_graph *g, int p) { return &g->procs[p]; }
imp_node *imp_node_at(imp_graph *g, int i) { return &g->nodes[i]; }
imp_edge *imp_edge_at(imp_graph *g, int i) { return &g->edges[i]; }

void imp_diag(imp_graph *g, int error, int line, const char *src, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char **row = table_add_row(g->diag);
    row[0] = xstrdup(error ? "error" : "warning");
    row[1] = xstrdup(g->file);
    row[2] = xasprintf("%d", line);
    row[3] = src ? xstrdup(src) : NULL;
    row[4] = xstrdup(msg);
    g->nerr += error != 0;
}

static size_t id_hash(const char *s) {
    size_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int id_used(const imp_graph *g, const char *id) {
    for (size_t i = g->cid ? id_hash(id) & (g->cid - 1) : 0; g->cid && g->ids[i]; i = (i + 1) & (g->cid - 1))
        if (strcmp(g->ids[i], id) == 0) return 1;
    return 0;
}

static void id_add(imp_graph *g, const char *id) {
    if (2 * (g->nid + 1) > g->cid) {                    /* grow to keep it at most half full */
        size_t old = g->cid;
        const char **o = g->ids;
        g->cid = old ? 2 * old : 256;
        g->ids = xcalloc(g->cid, sizeof *g->ids);
        g->nid = 0;
        for (size_t i = 0; i < old; i++) if (o[i]) id_add(g, o[i]);
        free(o);
    }
    size_t i = id_hash(id) & (g->cid - 1);
    while (g->ids[i]) i = (i + 1) & (g->cid - 1);
    g->ids[i] = id;
    g->nid++;
}

static int ncname_char(unsigned char c, int first) {
    if (c >= 0x80 || isalpha(c) || c == '_') return 1;
    return !first && (isdigit(c) || c == '-' || c == '.');
}

/* The source id as an NCName (BPMN ids are xsd:ID): kept when it is one,
** else word + "_" + the id with other characters as '_'; unique in the
** document by a numeric suffix. */
const char *imp_make_id(imp_graph *g, const char *word, const char *src) {
    sbuf b = {0};
    int ok = src && *src;
    for (const char *p = src; ok && *p; p++) ok = ncname_char((unsigned char)*p, p == src);
    if (ok) sbuf_puts(&b, src);
    else {
        sbuf_puts(&b, word);
        if (src && *src) sbuf_puts(&b, "_");
        for (const char *p = src; p && *p; p++) {
            char c = ncname_char((unsigned char)*p, 0) ? *p : '_';
            sbuf_add(&b, &c, 1);
        }
    }
    char *base = sbuf_take(&b), *id = xstrdup(base);
    for (int k = 2; id_used(g, id); k++) { free(id); id = xasprintf("%s_%d", base, k); }
    const char *out = arena_strdup(g->mem, id);
    free(id); free(base);
    id_add(g, out);
    return out;
}

/* A process key people type (`sdm start deal-discussion`): the name in
** lower case, words joined by '-'; NULL when the name has no letter to
** start with. */
char *imp_key(const char *name) {
    sbuf b = {0};
    int dash = 0;
    for (const char *p = name; p && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c)) {
            if (dash && b.len) sbuf_add(&b, "-", 1);
            char l = (char)tolower(c);
            sbuf_add(&b, &l, 1);
            dash = 0;
        } else dash = 1;
    }
    char *key = sbuf_take(&b);
    if (*key && isalpha((unsigned char)key[0])) return key;
    free(key);
    return NULL;
}

static const char *process_key(imp_graph *g, const char *name, const char *src) {
    char *key = imp_key(name);
    const char *id = imp_make_id(g, "Process", key ? key : src);
    free(key);
    return id;
}

const char *imp_clean(imp_graph *g, const char *s) {
    if (!s) return NULL;
    sbuf b = {0};
    int space = 0;
    for (const char *p = s; *p; p++) {
        if (isspace((unsigned char)*p)) { space = 1; continue; }
        if (space && b.len) sbuf_add(&b, " ", 1);
        space = 0;
        sbuf_add(&b, p, 1);
    }
    char *t = sbuf_take(&b);
    const char *out = *t ? arena_strdup(g->mem, t) : NULL;
    free(t);
    return out;
}

const char *imp_clean_lines(imp_graph *g, const char *s) {
    if (!s) return NULL;
    sbuf b = {0};
    for (const char *p = s; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *line = xasprintf("%.*s", (int)n, p);
        const char *c = imp_clean(g, line);
        free(line);
        if (c) sbuf_printf(&b, "%s%s", b.len ? "\n" : "", c);
        p += n + (e != NULL);
    }
    char *t = sbuf_take(&b);
    const char *out = *t ? arena_strdup(g->mem, t) : NULL;
    free(t);
    return out;
}

int imp_proc_add(imp_graph *g, const char *src, const char *name, int line) {
    if (g->nproc == g->cproc) { g->cproc = g->cproc ? 2 * g->cproc : 4; g->procs = xrealloc(g->procs, sizeof *g->procs * (size_t)g->cproc); }
    imp_proc *p = &g->procs[g->nproc];
    p->name = imp_clean(g, name);
    p->src = arena_strdup(g->mem, src);
    p->id = process_key(g, p->name, src ? src : "process");
    p->line = line;
    return g->nproc++;
}

int imp_node_add(imp_graph *g, int proc, imp_kind kind, const char *idword, const char *src,
                 const char *name, int line) {
    if (g->nnode == g->cnode) { g->cnode = g->cnode ? 2 * g->cnode : 64; g->nodes = xrealloc(g->nodes, sizeof *g->nodes * (size_t)g->cnode); }
    imp_node *n = &g->nodes[g->nnode];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->proc = proc;
    n->src = arena_strdup(g->mem, src);
    n->id = imp_make_id(g, idword, src);
    n->name = imp_clean(g, name);
    n->line = line;
    n->dflt_edge = -1;
    return g->nnode++;
}

int imp_edge_add(imp_graph *g, int from, int to, const char *src) {
    if (g->nedge == g->cedge) { g->cedge = g->cedge ? 2 * g->cedge : 64; g->edges = xrealloc(g->edges, sizeof *g->edges * (size_t)g->cedge); }
    imp_edge *e = &g->edges[g->nedge];
    memset(e, 0, sizeof *e);
    e->from = from;
    e->to = to;
    e->id = imp_make_id(g, "Flow", src);
    return g->nedge++;
}

int imp_find(const imp_graph *g, int proc, const char *src) {
    if (!src) return -1;
    for (int i = 0; i < g->nnode; i++)
        if (g->nodes[i].proc == proc && g->nodes[i].src && strcmp(g->nodes[i].src, src) == 0) return i;
    return -1;
}

void imp_set(imp_graph *g, int node, const char *field, const char *value) {
    imp_node *n = &g->nodes[node];
    if (strcmp(field, "name") == 0) n->name = imp_clean(g, value);
    else if (strcmp(field, "role") == 0) n->role = imp_clean(g, value);
    else if (strcmp(field, "called") == 0) n->called = arena_strdup(g->mem, value);
    else if (strcmp(field, "doc") == 0) n->doc = arena_strdup(g->mem, value);
    else sdm_panic("imp_set: unknown field");
}

void imp_doc_add(imp_graph *g, int node, const char *text) {
    imp_node *n = &g->nodes[node];
    if (!text || !*text) return;
    char *d = n->doc ? xasprintf("%s\n%s", n->doc, text) : xstrdup(text);
    n->doc = arena_strdup(g->mem, d);
    free(d);
}

const char *imp_attr_get(const imp_node *n, const char *name) {
    for (int i = 0; i < n->nattr; i++) if (strcmp(n->attrs[i].name, name) == 0) return n->attrs[i].value;
    return NULL;
}

void imp_attr_set(imp_graph *g, int node, const char *name, const char *value) {
    imp_node *n = &g->nodes[node];
    if (strncmp(name, "sdm:", 4) == 0) name += 4;
    for (int i = 0; i < n->nattr; i++)
        if (strcmp(n->attrs[i].name, name) == 0) { n->attrs[i].value = arena_strdup(g->mem, value); return; }
    imp_attr *a = arena_alloc(g->mem, sizeof *a * (size_t)(n->nattr + 1));
    if (n->nattr) memcpy(a, n->attrs, sizeof *a * (size_t)n->nattr);
    a[n->nattr].name = arena_strdup(g->mem, name);
    a[n->nattr].value = arena_strdup(g->mem, value);
    n->attrs = a;
    n->nattr++;
}

void imp_attr_lines(imp_graph *g, int node, const char *text) {
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && isspace((unsigned char)*p)) { p++; n--; }
        const char *eq = memchr(p, '=', n);
        if (n > 4 && strncmp(p, "sdm:", 4) == 0 && eq) {
            char *k = xasprintf("%.*s", (int)(eq - p), p), *v = xasprintf("%.*s", (int)(p + n - eq - 1), eq + 1);
            const char *kc = imp_clean(g, k), *vc = imp_clean(g, v);
            if (kc && vc) imp_attr_set(g, node, kc, vc);
            free(k); free(v);
        }
        p = e ? e + 1 : p + n;
    }
}

static int names_token(const char *list, const char *tok) {
    size_t n = strlen(tok);
    for (const char *p = list; p && (p = strstr(p, tok)); p += n)
        if ((p == list || isspace((unsigned char)p[-1])) && (!p[n] || isspace((unsigned char)p[n]))) return 1;
    return 0;
}

void imp_resolve_calls(imp_graph *g, int by_name) {
    for (int n = 0; n < g->nnode; n++) {
        imp_node *nd = &g->nodes[n];
        if (nd->kind != IMP_CALL) continue;
        const char *target = NULL;
        for (int p = 0; p < g->nproc && !target; p++)
            if (g->procs[p].src && nd->called && names_token(nd->called, g->procs[p].src)) target = g->procs[p].id;
        if (target) { nd->called = target; continue; }
        char *key = by_name ? imp_key(nd->name) : NULL;
        const char *ref = key ? key : nd->called && *nd->called ? nd->called : NULL;
        if (ref)
            imp_diag(g, 0, nd->line, nd->src, "'%s' refers to '%s', which is not in this file: it calls process '%s' "
                     "(deploy that one too)", nd->name ? nd->name : nd->src, nd->called && *nd->called ? nd->called : "?", ref);
        else
            imp_diag(g, 1, nd->line, nd->src, "'%s' names no process of this file and has no name to call one by",
                     nd->name ? nd->name : nd->src);
        nd->called = ref ? arena_strdup(g->mem, ref) : NULL;
        free(key);
    }
}

/* ---------- graph queries ---------- */

static int is_gateway(imp_kind k) { return k == IMP_XOR || k == IMP_AND || k == IMP_OR; }

static int deg(const imp_graph *g, int n, int out) {
    int c = 0;
    for (int i = 0; i < g->nedge; i++)
        if (!g->edges[i].dead && (out ? g->edges[i].from : g->edges[i].to) == n) c++;
    return c;
}

static int first_edge(const imp_graph *g, int n, int out) {
    for (int i = 0; i < g->nedge; i++)
        if (!g->edges[i].dead && (out ? g->edges[i].from : g->edges[i].to) == n) return i;
    return -1;
}

/* The live edges by source, for walks over the graph. */
void imp_build_csr(imp_graph *g, layout *L) {
    L->outx = xcalloc((size_t)g->nnode + 1, sizeof(int));
    L->out = xcalloc((size_t)g->nedge + 1, sizeof(int));
    for (int i = 0; i < g->nedge; i++) if (!g->edges[i].dead) L->outx[g->edges[i].from + 1]++;
    for (int n = 0; n < g->nnode; n++) L->outx[n + 1] += L->outx[n];
    int *fill = xcalloc((size_t)g->nnode + 1, sizeof(int));
    for (int i = 0; i < g->nedge; i++)
        if (!g->edges[i].dead) { int f = g->edges[i].from; L->out[L->outx[f] + fill[f]++] = i; }
    free(fill);
}

static const char *label(const imp_node *n) { return n->name ? n->name : n->src ? n->src : n->id; }

/* A new gateway after n (split) or before it (join) that takes over n's
** outgoing (incoming) flows. */
static int insert_gateway(imp_graph *g, int n, imp_kind kind, int after) {
    char *src = xasprintf("%s_%s", g->nodes[n].src ? g->nodes[n].src : g->nodes[n].id, after ? "split" : "join");
    int gw = imp_node_add(g, g->nodes[n].proc, kind, "Gateway", src, NULL, g->nodes[n].line);
    free(src);
    g->nodes[gw].role = g->nodes[n].role;
    for (int i = 0; i < g->nedge; i++) {
        imp_edge *e = &g->edges[i];
        if (e->dead) continue;
        if (after && e->from == n) e->from = gw;
        if (!after && e->to == n) e->to = gw;
    }
    if (after) imp_edge_add(g, n, gw, NULL); else imp_edge_add(g, gw, n, NULL);
    return gw;
}

/* Remove a node with one way in and one way out; the incoming flow now
** leads where the outgoing one did. Returns the surviving edge. */
static int bypass(imp_graph *g, int n) {
    int ein = first_edge(g, n, 0), eout = first_edge(g, n, 1);
    sdm_assert(ein >= 0 && eout >= 0);
    g->edges[ein].to = g->edges[eout].to;
    g->edges[eout].dead = 1;
    g->nodes[n].kind = IMP_DEAD;
    return ein;
}

/* ---------- mapping to BPMN ---------- */


/* An EPC event may not decide or merge; flows that fan out or in at one
** anyway get the connector the author left out. A function that fans out
** runs every branch (BPMN's rule for activities too), made explicit. */
static void implicit_connectors(imp_graph *g, int p) {
    int n0 = g->nnode;
    for (int n = 0; n < n0; n++) {
        imp_node *nd = &g->nodes[n];
        if (nd->proc != p || !imp_live(g, n) || is_gateway(nd->kind)) continue;
        int in = deg(g, n, 0), out = deg(g, n, 1);
        if (nd->kind == IMP_EVENT && in > 1 && out > 0) {
            imp_diag(g, 0, nd->line, nd->src, "event '%s' has %d incoming flows and no connector: read as an XOR join",
                     label(nd), in);
            insert_gateway(g, n, IMP_XOR, 0);
        }
        if (out > 1) {
            imp_diag(g, 0, g->nodes[n].line, g->nodes[n].src,
                     "%s '%s' has %d outgoing flows and no connector: read as an AND split",
                     g->nodes[n].kind == IMP_EVENT ? "event" : "element", label(&g->nodes[n]), out);
            insert_gateway(g, n, IMP_AND, 1);
        }
    }
    n0 = g->nnode;
    for (int n = 0; n < n0; n++)
        if (g->nodes[n].proc == p && is_gateway(g->nodes[n].kind) && deg(g, n, 0) > 1 && deg(g, n, 1) > 1)
            insert_gateway(g, n, g->nodes[n].kind, 1);   /* a join followed by a split */
}

static int is_start_event(const imp_graph *g, int n) {
    return g->nodes[n].kind == IMP_EVENT && deg(g, n, 0) == 0 && deg(g, n, 1) == 1;
}

/* Start events that enter an AND join hold when the process starts: the
** join waits only for its other inputs; if it has none left, the events
** become one start event standing for all of them. */
static void absorb_start_events(imp_graph *g, int p) {
    for (int j = 0; j < g->nnode; j++) {
        if (g->nodes[j].proc != p || g->nodes[j].kind != IMP_AND || deg(g, j, 0) < 2) continue;
        int nin = deg(g, j, 0), nstart = 0, keep = -1;
        sbuf names = {0};
        for (int i = 0; i < g->nedge; i++) {
            imp_edge *e = &g->edges[i];
            if (e->dead || e->to != j || !is_start_event(g, e->from)) continue;
            nstart++;
            sbuf_printf(&names, "%s'%s'", names.len ? ", " : "", label(&g->nodes[e->from]));
        }
        if (!nstart) continue;
        for (int i = 0; i < g->nedge; i++) {
            imp_edge *e = &g->edges[i];
            if (e->dead || e->to != j || !is_start_event(g, e->from)) continue;
            if (nstart == nin && keep < 0) { keep = e->from; continue; }
            e->dead = 1;
            g->nodes[e->from].kind = IMP_DEAD;
        }
        char *n = sbuf_take(&names);
        if (keep >= 0) {
            char *doc = xasprintf("Stands for the EPC start events %s, which all hold (AND connector %s).", n,
                                  g->nodes[j].src);
            imp_doc_add(g, keep, doc);
            free(doc);
        } else {
            imp_diag(g, 0, g->nodes[j].line, g->nodes[j].src,
                     "start event(s) %s enter AND connector '%s' beside other flows: they hold at the start, "
                     "so the join waits only for the others", n, label(&g->nodes[j]));
        }
        free(n);
        if (deg(g, j, 0) == 1 && deg(g, j, 1) == 1) bypass(g, j);
    }
}

static char *lua_string(const char *s) {
    sbuf b = {0};
    sbuf_add(&b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') sbuf_add(&b, "\\", 1);
        sbuf_add(&b, s, 1);
    }
    sbuf_add(&b, "\"", 1);
    return sbuf_take(&b);
}

/* Distance (in flows) from node `from` to every node, -1 unreachable. */
static void distances(const imp_graph *g, const layout *L, int from, int *dist, int *queue) {
    for (int n = 0; n < g->nnode; n++) dist[n] = -1;
    int qh = 0, qt = 0;
    dist[from] = 0;
    queue[qt++] = from;
    while (qh < qt) {
        int n = queue[qh++];
        for (int k = L->outx[n]; k < L->outx[n + 1]; k++) {
            int t = g->edges[L->out[k]].to;
            if (dist[t] < 0) { dist[t] = dist[n] + 1; queue[qt++] = t; }
        }
    }
}

/* Whether the branches of several start points first meet at an AND join:
** then they all must hold (a parallel start), else they are alternatives. */
static int starts_meet_at_and(imp_graph *g, const int *sp, int nsp) {
    if (nsp > 64) return 0;                   /* bounded work; such files are generated, not drawn */
    layout L = {0};
    imp_build_csr(g, &L);
    int *d = xcalloc((size_t)nsp * (size_t)g->nnode + 1, sizeof(int)), *queue = xcalloc((size_t)g->nnode + 1, sizeof(int));
    for (int i = 0; i < nsp; i++) distances(g, &L, sp[i], d + (size_t)i * (size_t)g->nnode, queue);
    free(L.out); free(L.outx);
    int best = -1, best_dist = 0;
    for (int n = 0; n < g->nnode; n++) {
        if (!is_gateway(g->nodes[n].kind) || deg(g, n, 0) < 2) continue;
        int m1 = -1, m2 = -1;                 /* the two nearest start points reaching n */
        for (int i = 0; i < nsp; i++) {
            int v = d[(size_t)i * (size_t)g->nnode + (size_t)n];
            if (v < 0) continue;
            if (m1 < 0 || v < m1) { m2 = m1; m1 = v; } else if (m2 < 0 || v < m2) m2 = v;
        }
        if (m2 >= 0 && (best < 0 || m2 < best_dist)) { best = n; best_dist = m2; }
    }
    free(d); free(queue);
    return best >= 0 && g->nodes[best].kind == IMP_AND;
}

/* One start event. Several start points whose branches first meet at an
** AND join all hold: a parallel split after the start event. Otherwise they
** are alternatives: the instance's variable start_event names the one that
** holds (default: the first). */
static int start_points(imp_graph *g, int p) {
    int n0 = g->nnode, nsp = 0, *sp = xcalloc((size_t)n0 + 1, sizeof *sp);
    for (int n = 0; n < n0; n++) {
        if (g->nodes[n].proc != p || !imp_live(g, n) || deg(g, n, 0)) continue;
        if (g->nodes[n].kind == IMP_EVENT && !deg(g, n, 1)) {
            imp_diag(g, 0, g->nodes[n].line, g->nodes[n].src, "event '%s' has no flow in or out: not imported",
                     label(&g->nodes[n]));
            g->nodes[n].kind = IMP_DEAD;
            continue;
        }
        sp[nsp++] = n;
    }
    int rc = SDM_OK;
    if (nsp == 1 && (g->nodes[sp[0]].kind == IMP_EVENT || g->nodes[sp[0]].kind == IMP_START)) {
        g->nodes[sp[0]].kind = IMP_START;
        g->nodes[sp[0]].from_event = 1;
    } else if (nsp == 1) {
        char *src = xasprintf("%s_start", g->nodes[sp[0]].src ? g->nodes[sp[0]].src : g->nodes[sp[0]].id);
        int s = imp_node_add(g, p, IMP_START, "Start", src, NULL, g->nodes[sp[0]].line);
        free(src);
        imp_edge_add(g, s, sp[0], NULL);
    } else if (nsp > 1) {
        const imp_proc *pr = &g->procs[p];
        char *src = xasprintf("%s_start", pr->src ? pr->src : pr->id);
        int s = imp_node_add(g, p, IMP_START, "Start", src, "Start", pr->line);
        free(src);
        int all = starts_meet_at_and(g, sp, nsp);
        src = xasprintf("%s_start_%s", pr->src ? pr->src : pr->id, all ? "all" : "choice");
        int ch = imp_node_add(g, p, all ? IMP_AND : IMP_XOR, "Gateway", src, all ? NULL : "Which start event holds?",
                              pr->line);
        free(src);
        imp_edge_add(g, s, ch, NULL);
        for (int i = 0; i < nsp; i++) {
            imp_node *n = &g->nodes[sp[i]];
            if (n->kind == IMP_START) n->kind = IMP_EVENT;
            int e = imp_edge_add(g, ch, sp[i], NULL);
            imp_edge *ed = &g->edges[e];
            if (all) ed->labelled = 1;
            else if (i == 0) { ed->dflt = 1; g->nodes[ch].dflt_edge = e; }
            else {
                char *q = lua_string(label(n)), *c = xasprintf("var(\"start_event\") == %s", q);
                ed->cond = arena_strdup(g->mem, c);
                free(q); free(c);
            }
            if (n->kind != IMP_EVENT) { ed->name = n->name; ed->labelled = 1; }
        }
        if (all)
            imp_diag(g, 0, pr->line, pr->src, "%d start events or elements without incoming flow, whose branches "
                     "meet at an AND join: one start event, then all of them in parallel", nsp);
        else
            imp_diag(g, 0, pr->line, pr->src, "%d start events or elements without incoming flow: one start event, "
                     "then a choice by the variable start_event (default: '%s')", nsp, label(&g->nodes[sp[0]]));
    } else {
        for (int n = 0; n < n0 && !rc; n++)
            if (g->nodes[n].proc == p && imp_live(g, n))
                rc = SDM_ERR_MODEL;
        const char *pn = g->procs[p].name ? g->procs[p].name : g->procs[p].id;
        if (rc) imp_diag(g, 1, g->procs[p].line, g->procs[p].src,
                         "process '%s' has no start: every element has an incoming flow", pn);
        else imp_diag(g, 1, g->procs[p].line, g->procs[p].src, "process '%s' has no elements", pn);
        rc = SDM_ERR_MODEL;
    }
    free(sp);
    return rc;
}

static int failure_name(const char *name) {
    static const char *const words[] = {"fail", "lost", "reject", "cancel", "declin", "refus", "abort",
                                        "not ", "no ", "unsuccessful", NULL};
    char *l = xstrdup(name ? name : "");
    for (char *c = l; *c; c++) *c = (char)tolower((unsigned char)*c);
    int hit = 0;
    for (int i = 0; words[i] && !hit; i++)
        hit = strncmp(words[i], "no", 2) == 0 ? strncmp(l, words[i], strlen(words[i])) == 0 || strstr(l, " not ") != NULL
                                               : strstr(l, words[i]) != NULL;
    free(l);
    return hit;
}

static void end_points(imp_graph *g, int p) {
    int n0 = g->nnode;
    for (int n = 0; n < n0; n++) {
        imp_node *nd = &g->nodes[n];
        if (nd->proc != p || !imp_live(g, n) || nd->kind == IMP_END || deg(g, n, 1)) continue;
        if (nd->kind == IMP_EVENT) { nd->kind = IMP_END; nd->from_event = 1; }
        else {
            if (is_gateway(nd->kind))
                imp_diag(g, 0, nd->line, nd->src, "connector '%s' has no outgoing flow: an end event was added",
                         label(nd));
            char *src = xasprintf("%s_end", nd->src ? nd->src : nd->id);
            int e = imp_node_add(g, p, IMP_END, "End", src, NULL, g->nodes[n].line);
            free(src);
            g->nodes[e].role = g->nodes[n].role;
            imp_edge_add(g, n, e, NULL);
        }
    }
    for (int n = 0; n < g->nnode; n++) {
        imp_node *nd = &g->nodes[n];
        if (nd->proc == p && nd->kind == IMP_END && nd->from_event && !imp_attr_get(nd, "outcome") &&
            failure_name(nd->name))
            imp_attr_set(g, n, "outcome", "failure");
    }
}

/* An event between two elements is the name of the flow that joins them;
** the flow keeps the event's id, so history names it. */
static void events_to_flows(imp_graph *g, int p) {
    for (int n = 0; n < g->nnode; n++) {
        imp_node *nd = &g->nodes[n];
        if (nd->proc != p || nd->kind != IMP_EVENT) continue;
        sdm_assert(deg(g, n, 0) == 1 && deg(g, n, 1) == 1);
        const char *name = nd->name, *id = nd->id, *cond = imp_attr_get(nd, "condition"), *dflt = imp_attr_get(nd, "default");
        int e = bypass(g, n);
        imp_edge *ed = &g->edges[e];
        ed->id = id;
        if (name && !ed->name) { ed->name = name; ed->labelled = 1; }
        if (cond && !ed->cond) ed->cond = cond;
        if (dflt && strcmp(dflt, "true") == 0) ed->dflt = 1;
    }
}

/* Conditions on the flows after an XOR or OR split: the event's own
** sdm:condition, else `outcome == "<event name>"`, a variable the task
** before the split records (its Record line says so). */
static void split_conditions(imp_graph *g, int p) {
    for (int n = 0; n < g->nnode; n++) {
        imp_node *gw = &g->nodes[n];
        if (gw->proc != p || (gw->kind != IMP_XOR && gw->kind != IMP_OR) || deg(g, n, 1) < 2) continue;
        sbuf rec = {0};
        for (int i = 0; i < g->nedge; i++) {
            imp_edge *e = &g->edges[i];
            if (e->dead || e->from != n) continue;
            imp_node *t = &g->nodes[e->to];
            if (!e->labelled && t->kind == IMP_END && t->from_event) {
                e->name = t->name;
                e->labelled = t->name != NULL;
                if (!e->cond) e->cond = imp_attr_get(t, "condition");
                const char *d = imp_attr_get(t, "default");
                if (d && strcmp(d, "true") == 0) e->dflt = 1;
            }
            if (!e->name) {
                e->name = t->name;
                if (!e->cond && !e->dflt)
                    imp_diag(g, 0, gw->line, gw->src, "the flow from split '%s' to '%s' has no event to name its "
                             "outcome: its condition checks the next element's name", label(gw), label(t));
            }
            if (e->dflt) {
                if (gw->dflt_edge >= 0 && gw->dflt_edge != i) {
                    imp_diag(g, 0, gw->line, gw->src, "split '%s' has several default flows: '%s' stays the default, "
                             "the others get conditions", label(gw), g->edges[gw->dflt_edge].id);
                    e->dflt = 0;
                } else { gw->dflt_edge = i; continue; }
            }
            if (e->cond) continue;
            const char *what = e->name ? e->name : t->id;
            char *q = lua_string(what), *c;
            if (gw->kind == IMP_XOR) c = xasprintf("outcome == %s", q);
            else c = xasprintf("for _, v in ipairs(type(outcome) == \"table\" and outcome or {outcome}) do "
                               "if v == %s then return true end end return false", q);
            e->cond = arena_strdup(g->mem, c);
            sbuf_printf(&rec, "%s%s", rec.len ? ", " : "", q);
            free(q); free(c);
        }
        int before = first_edge(g, n, 0);
        char *r = sbuf_take(&rec);
        if (*r && before >= 0 && g->nodes[g->edges[before].from].kind == IMP_TASK) {
            char *line = xasprintf("Record: outcome (%s%s)", gw->kind == IMP_OR ? "one or a list of " : "", r);
            imp_doc_add(g, g->edges[before].from, line);
            free(line);
        }
        free(r);
    }
}

static void or_joins(imp_graph *g, int p) {
    for (int n = 0; n < g->nnode; n++)
        if (g->nodes[n].proc == p && g->nodes[n].kind == IMP_OR && deg(g, n, 0) > 1)
            imp_diag(g, 0, g->nodes[n].line, g->nodes[n].src,
                     "OR join '%s': the source notation leaves open which branches it waits for; imported as an "
                     "inclusive gateway, which waits for every branch that can still arrive", label(&g->nodes[n]));
}

/* Elements without a role take their predecessor's (else successor's). */
static void inherit_roles(imp_graph *g, int p) {
    for (int changed = 1, pass = 0; changed && pass < g->nnode + 1; pass++) {
        changed = 0;
        for (int i = 0; i < g->nedge; i++) {
            imp_edge *e = &g->edges[i];
            if (e->dead || g->nodes[e->from].proc != p) continue;
            imp_node *a = &g->nodes[e->from], *b = &g->nodes[e->to];
            if (!b->role && a->role) { b->role = a->role; changed = 1; }
        }
        if (changed) continue;
        for (int i = 0; i < g->nedge; i++) {
            imp_edge *e = &g->edges[i];
            if (e->dead || g->nodes[e->from].proc != p) continue;
            imp_node *a = &g->nodes[e->from], *b = &g->nodes[e->to];
            if (!a->role && b->role) { a->role = b->role; changed = 1; break; }
        }
    }
}

static int map_process(imp_graph *g, int p) {
    implicit_connectors(g, p);
    absorb_start_events(g, p);
    int rc = start_points(g, p);
    if (rc) return rc;
    end_points(g, p);
    events_to_flows(g, p);
    split_conditions(g, p);
    or_joins(g, p);
    inherit_roles(g, p);
    return SDM_OK;
}

/* ---------- conversion ---------- */

static const struct { const char *root, *format, *title; int (*read)(imp_graph *, const xml_node *); } readers[] = {
    {"epml", "epml", "EPML", epml_read},
    {"AML", "aml", "ARIS AML", aml_read},
    {"idef3", "idef3", "IDEF3", idef3_read},
};

const char *imp_format(const xml_node *root) {
    for (size_t i = 0; i < sizeof readers / sizeof *readers; i++)
        if (root && strcmp(root->name, readers[i].root) == 0) return readers[i].format;
    return NULL;
}

int imp_sniff(const char *buf, size_t len) {
    const char *p = buf, *end = buf + len;
    while (p < end) {
        p = memchr(p, '<', (size_t)(end - p));
        if (!p || end - p < 2) return 0;
        if (p[1] == '?' || p[1] == '!') {           /* prolog: PI, comment, DOCTYPE */
            const char *close = p[1] == '!' && end - p >= 4 && memcmp(p, "<!--", 4) == 0
                                ? memmem(p, (size_t)(end - p), "-->", 3) : NULL;
            if (!close && p[1] == '!') {            /* a DOCTYPE may hold [ ... ] with '>' inside */
                const char *q = p + 2;
                int depth = 0;
                for (; q < end && (depth || *q != '>'); q++) depth += *q == '[' ? 1 : *q == ']' ? -1 : 0;
                close = q < end ? q : NULL;
            } else if (!close) close = memmem(p, (size_t)(end - p), "?>", 2);
            if (!close) return 0;
            p = close + 1;
            continue;
        }
        const char *q = p + 1, *name = q;
        while (q < end && !isspace((unsigned char)*q) && *q != '>' && *q != '/') {
            if (*q == ':') name = q + 1;
            q++;
        }
        size_t n = (size_t)(q - name);
        for (size_t i = 0; i < sizeof readers / sizeof *readers; i++)
            if (strlen(readers[i].root) == n && memcmp(readers[i].root, name, n) == 0) return 1;
        return 0;
    }
    return 0;
}

/* The first error row as the call's error; every row stays in *diag. */
static int first_error(imp_graph *g, sdm_err *err) {
    for (int r = 0; r < g->diag->nrow; r++) {
        char **row = &g->diag->cells[r * g->diag->ncol];
        if (strcmp(row[0], "error") == 0)
            return err_set(err, SDM_ERR_MODEL, g->file, atoi(row[2]), row[3], "%s%s", row[4],
                           g->nerr > 1 ? " (and more errors)" : "");
    }
    return err_set(err, SDM_ERR_MODEL, g->file, 0, NULL, "import failed");
}

int imp_convert(const char *name, const char *buf, size_t len, size_t max_bytes, char **bpmn,
                size_t *bpmn_len, sdm_table **diag, sdm_err *err) {
    *bpmn = NULL;
    if (diag) *diag = NULL;
    size_t alen = 0;
    char *aris = aml_strip_doctype(buf, len, max_bytes, &alen);
    xml_doc *doc = NULL;
    int rc = xml_parse(name, aris ? aris : buf, aris ? alen : len, max_bytes, &doc, err);
    free(aris);
    if (rc) return rc;
    imp_graph *g = graph_new(name);
    int r = -1;
    for (size_t i = 0; i < sizeof readers / sizeof *readers; i++)
        if (strcmp(doc->root->name, readers[i].root) == 0) r = (int)i;
    if (r < 0) {
        rc = err_set(err, SDM_ERR_MODEL, name, doc->root->line, NULL,
                     "root element is <%s>: sdm imports EPML (<epml>), ARIS AML (<AML>) and IDEF3 (<idef3>)",
                     doc->root->name);
    } else {
        rc = readers[r].read(g, doc->root);
        if (!rc && (g->nnode > IMP_MAX_NODES || g->nedge > 2 * IMP_MAX_NODES))
            rc = err_set(err, SDM_ERR_LIMIT, name, 0, NULL, "%d elements and %d flows: over the importer's limit of "
                         "%d elements", g->nnode, g->nedge, IMP_MAX_NODES);
        for (int p = 0; !rc && !g->nerr && p < g->nproc; p++) map_process(g, p);
        if (!rc && !g->nerr && !g->nproc)
            imp_diag(g, 1, doc->root->line, NULL, "the file holds no process (EPC, model or diagram) to import");
        if (!rc && g->nerr) rc = first_error(g, err);
        if (!rc) {
            *bpmn = imp_write_bpmn(g, readers[r].title);
            *bpmn_len = strlen(*bpmn);
        }
    }
    xml_free(doc);
    if (diag) { *diag = g->diag; g->diag = NULL; }
    graph_free(g);
    return rc;
}

int sdm_import(const char *path, char **bpmn, size_t *len, sdm_table **warnings, sdm_err *err) {
    *bpmn = NULL;
    if (warnings) *warnings = NULL;
    size_t max = (size_t)16 << 20, n;
    char *buf;
    int rc = err_read_file(err, path, max, &buf, &n);
    if (!rc) rc = imp_convert(path, buf, n, max, bpmn, len, warnings, err);
    free(buf);
    return rc;
}

/* sdm_deploy on a foreign format: convert, deploy the BPMN under the same
** file name, and add the importer's rows to the deploy report. */
int imp_deploy(sdm *h, const char *name, const char *xml, size_t len, size_t max_bytes,
               sdm_table **out, sdm_err *err) {
    char *bpmn = NULL;
    size_t blen = 0;
    sdm_table *diag = NULL, *t = NULL;
    int rc = imp_convert(name, xml, len, max_bytes, &bpmn, &blen, &diag, err);
    if (!rc) rc = sdm_deploy_xml(h, name, bpmn, blen, &t, err);
    if (!t) {
        static const char *const cols[] = {"kind", "process", "version", "file", "line", "element", "message", NULL};
        t = table_new(cols, "ssisiss");
    }
    for (int r = 0; diag && r < diag->nrow; r++) {
        char **src = &diag->cells[r * diag->ncol], **row = table_add_row(t);
        row[0] = xstrdup(src[0]);
        row[3] = xstrdup(src[1]);
        row[4] = xstrdup(src[2]);
        row[5] = src[3] ? xstrdup(src[3]) : NULL;
        row[6] = xstrdup(src[4]);
    }
    if (rc && diag && !diag->nrow) {
        char **row = table_add_row(t);
        row[0] = xstrdup("error");
        row[3] = xstrdup(name);
        row[4] = xasprintf("%d", err ? err->line : 0);
        row[5] = err && err->element[0] ? xstrdup(err->element) : NULL;
        row[6] = xstrdup(err ? err->msg : "import failed");
    }
    sdm_table_free(diag);
    free(bpmn);
    if (out) *out = t; else sdm_table_free(t);
    return rc;
}
