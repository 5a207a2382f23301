/*
** import_bpmn.c — the importer's output: a layered left-to-right layout
** of the mapped graph (cycles broken by back edges, a lane per role, rows
** in discovery order) and the BPMN XML with BPMNDI (collaboration, pools,
** lanes, shapes, routed edges) that editors and sdm deploy read. Knows
** nothing of the source formats; import.c maps them first.
*/
#include <string.h>
#include <ctype.h>
#include "import_int.h"
#include "err.h"

/* ---------- layout ---------- */

/* Depth-first from the start events marks the edges that close cycles;
** iterative, so a hostile model cannot exhaust the C stack. Rows start in
** discovery order. */
static void find_back_edges(imp_graph *g, layout *L, int p, int *order) {
    char *state = xcalloc((size_t)g->nnode + 1, 1);     /* 0 new, 1 on stack, 2 done */
    int *stack = xcalloc((size_t)g->nnode + 1, sizeof(int)), *it = xcalloc((size_t)g->nnode + 1, sizeof(int));
    int seen = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int r = 0; r < g->nnode; r++) {
            if (g->nodes[r].proc != p || !imp_live(g, r) || state[r]) continue;
            if (pass == 0 && g->nodes[r].kind != IMP_START) continue;
            int sp = 0;
            stack[sp++] = r; state[r] = 1; it[r] = L->outx[r]; order[r] = seen++;
            while (sp) {
                int n = stack[sp - 1];
                if (it[n] == L->outx[n + 1]) { state[n] = 2; sp--; continue; }
                int e = L->out[it[n]++], t = g->edges[e].to;
                if (state[t] == 1) L->back[e] = 1;
                else if (!state[t]) { state[t] = 1; it[t] = L->outx[t]; order[t] = seen++; stack[sp++] = t; }
            }
        }
    free(state); free(stack); free(it);
}

/* Longest path from the sources over the acyclic edges (Kahn's order). */
static void assign_layers(imp_graph *g, layout *L, int p) {
    int *indeg = xcalloc((size_t)g->nnode + 1, sizeof(int)), *queue = xcalloc((size_t)g->nnode + 1, sizeof(int));
    int qh = 0, qt = 0;
    for (int i = 0; i < g->nedge; i++)
        if (!g->edges[i].dead && !L->back[i] && g->nodes[g->edges[i].from].proc == p) indeg[g->edges[i].to]++;
    for (int n = 0; n < g->nnode; n++)
        if (g->nodes[n].proc == p && imp_live(g, n)) { g->nodes[n].layer = 0; if (!indeg[n]) queue[qt++] = n; }
    while (qh < qt) {
        int n = queue[qh++];
        for (int k = L->outx[n]; k < L->outx[n + 1]; k++) {
            int e = L->out[k], t = g->edges[e].to;
            if (L->back[e]) continue;
            if (g->nodes[t].layer < g->nodes[n].layer + 1) g->nodes[t].layer = g->nodes[n].layer + 1;
            if (--indeg[t] == 0) queue[qt++] = t;
        }
    }
    free(indeg); free(queue);
}

static int lane_of(layout *L, const char *role) {
    for (int i = 0; i < L->nlane; i++)
        if (L->lanes[i].role == role || (role && L->lanes[i].role && strcmp(L->lanes[i].role, role) == 0)) return i;
    return -1;
}

/* Lanes in the order the flow first reaches them; in each lane and layer
** the nodes stack in rows, ordered by where their predecessors sit. */
typedef struct rowkey { int n, layer, lane; double key; } rowkey;

static int cmp_rowkey(const void *x, const void *y) {
    const rowkey *a = x, *b = y;
    if (a->layer != b->layer) return a->layer - b->layer;
    if (a->lane != b->lane) return a->lane - b->lane;
    return (a->key > b->key) - (a->key < b->key);
}

/* Lanes in the order the flow first reaches them; in each lane and layer
** the nodes stack in rows, ordered by where their predecessors sit
** (computed layer by layer, so predecessors' rows are final). */
static void assign_lanes_rows(imp_graph *g, layout *L, int p, const int *order) {
    int maxlayer = 0, nk = 0;
    rowkey *k = xcalloc((size_t)g->nnode + 1, sizeof *k);
    for (int n = 0; n < g->nnode; n++)
        if (g->nodes[n].proc == p && imp_live(g, n)) {
            k[nk++] = (rowkey){n, g->nodes[n].layer, 0, order[n]};
            if (g->nodes[n].layer > maxlayer) maxlayer = g->nodes[n].layer;
        }
    qsort(k, (size_t)nk, sizeof *k, cmp_rowkey);          /* by layer, then discovery */
    for (int i = 0; i < nk; i++) {
        imp_node *nd = &g->nodes[k[i].n];
        nd->lane = lane_of(L, nd->role);
        if (nd->lane < 0) {
            L->lanes = xrealloc(L->lanes, sizeof *L->lanes * (size_t)(L->nlane + 1));
            L->lanes[L->nlane] = (lane){.role = nd->role};
            nd->lane = L->nlane++;
        }
        k[i].lane = nd->lane;
    }
    double *sum = xcalloc((size_t)g->nnode + 1, sizeof(double));
    int *cnt = xcalloc((size_t)g->nnode + 1, sizeof(int));
    for (int lo = 0; lo < nk;) {
        int hi = lo;
        while (hi < nk && k[hi].layer == k[lo].layer) hi++;
        for (int i = lo; i < hi; i++) {                     /* predecessors in earlier layers are placed */
            int n = k[i].n;
            k[i].key = cnt[n] ? sum[n] / cnt[n] + order[n] * 1e-6 : 1e3 + order[n];
        }
        qsort(k + lo, (size_t)(hi - lo), sizeof *k, cmp_rowkey);
        for (int i = lo, row = 0; i < hi; i++, row++) {
            if (i > lo && k[i].lane != k[i - 1].lane) row = 0;
            g->nodes[k[i].n].row = row;
            if (row + 1 > L->lanes[k[i].lane].rows) L->lanes[k[i].lane].rows = row + 1;
            int n = k[i].n;
            for (int e = L->outx[n]; e < L->outx[n + 1]; e++) {
                int t = g->edges[L->out[e]].to;
                if (!L->back[L->out[e]] && g->nodes[t].lane == g->nodes[n].lane) { sum[t] += row; cnt[t]++; }
            }
        }
        lo = hi;
    }
    free(k); free(sum); free(cnt);
    L->width = POOLHDR + LANEHDR + 2 * MARGIN + (maxlayer + 1) * COLW;
}

static void place(imp_graph *g, layout *L, int p, int top) {
    int y = top;
    for (int l = 0; l < L->nlane; l++) {
        L->lanes[l].top = y;
        L->lanes[l].height = L->lanes[l].rows * ROWH;
        y += L->lanes[l].height;
    }
    L->top = top;
    L->height = y - top;
    for (int n = 0; n < g->nnode; n++) {
        imp_node *nd = &g->nodes[n];
        if (nd->proc != p || !imp_live(g, n)) continue;
        switch (nd->kind) {
        case IMP_TASK: case IMP_CALL: nd->w = 100; nd->h = 80; break;
        case IMP_XOR: case IMP_AND: case IMP_OR: nd->w = nd->h = 50; break;
        case IMP_START: case IMP_END: nd->w = nd->h = 36; break;
        default: sdm_panic("layout: a node kind that cannot remain after mapping");
        }
        int cx = POOLHDR + LANEHDR + MARGIN + nd->layer * COLW + COLW / 2;
        int cy = L->lanes[nd->lane].top + nd->row * ROWH + ROWH / 2;
        nd->x = cx - nd->w / 2;
        nd->y = cy - nd->h / 2;
    }
}

/* ---------- writing ---------- */

static void attr(sbuf *b, const char *name, const char *value) {
    if (!value) return;
    sbuf_printf(b, " %s=\"", name);
    sbuf_xml(b, value, 1);
    sbuf_puts(b, "\"");
}

static void text_el(sbuf *b, const char *indent, const char *el, const char *text) {
    if (!text || !*text) return;
    sbuf_printf(b, "%s<%s>", indent, el);
    sbuf_xml(b, text, 0);
    sbuf_printf(b, "</%s>\n", el);
}

/* sdm attributes each element kind carries through (docs/EXTENSIONS.md);
** condition, default, script and the rest are read by the mapping. */
static const char *const task_attrs[] = {"due", "dueWorking", "dueExpr", "assign", "assignee", "assigneeExpr",
                                         "stage", "handler", NULL};
static const char *const call_attrs[] = {"version", "in", "out", "stage", NULL};
static const char *const end_attrs[] = {"outcome", "stage", NULL};
static const char *const mapped_attrs[] = {"condition", "default", "script", "role", NULL};

static int in_list(const char *const *l, const char *s) {
    for (; *l; l++) if (strcmp(*l, s) == 0) return 1;
    return 0;
}

static const char *bpmn_tag(const imp_node *n) {
    switch (n->kind) {
    case IMP_TASK: return imp_attr_get(n, "script") ? "scriptTask" : imp_attr_get(n, "handler") ? "serviceTask" : "userTask";
    case IMP_CALL: return "callActivity";
    case IMP_START: return "startEvent";
    case IMP_END: return "endEvent";
    case IMP_XOR: return "exclusiveGateway";
    case IMP_AND: return "parallelGateway";
    case IMP_OR: return "inclusiveGateway";
    default: sdm_panic("bpmn_tag: a node kind that cannot remain after mapping");
    }
}

/* The contact script's convention: what to record is its last line, one
** "Record: ..." gathering every such line of the documentation. */
static char *record_last(const char *doc) {
    if (!doc) return NULL;
    sbuf text = {0}, rec = {0};
    for (const char *p = doc; *p;) {
        const char *e = strchr(p, '\n');
        int n = (int)(e ? e - p : (long)strlen(p));
        if (strncmp(p, "Record:", 7) == 0) sbuf_printf(&rec, "%s%.*s", rec.len ? ", " : "Record: ", n - 7 - (p[7] == ' '), p + 7 + (p[7] == ' '));
        else sbuf_printf(&text, "%s%.*s", text.len ? "\n" : "", n, p);
        p += n + (e != NULL);
    }
    if (rec.len) sbuf_printf(&text, "%s%s", text.len ? "\n" : "", rec.s);
    free(rec.s);
    return sbuf_take(&text);
}

static void write_node(imp_graph *g, sbuf *b, int n) {
    imp_node *nd = &g->nodes[n];
    const char *tag = bpmn_tag(nd);
    const char *const *pass = nd->kind == IMP_TASK ? task_attrs : nd->kind == IMP_CALL ? call_attrs
                            : nd->kind == IMP_END ? end_attrs : NULL;
    sbuf_printf(b, "    <bpmn:%s", tag);
    attr(b, "id", nd->id);
    attr(b, "name", nd->name);
    if (nd->kind == IMP_CALL) attr(b, "calledElement", nd->called);
    if (nd->kind == IMP_TASK && imp_attr_get(nd, "script")) attr(b, "scriptFormat", "lua");
    if (nd->dflt_edge >= 0) attr(b, "default", g->edges[nd->dflt_edge].id);
    for (int i = 0; i < nd->nattr; i++) {
        const char *k = nd->attrs[i].name;
        if (pass && in_list(pass, k)) {
            char *q = xasprintf("sdm:%s", k);
            attr(b, q, nd->attrs[i].value);
            free(q);
        } else if (!in_list(mapped_attrs, k))
            imp_diag(g, 0, nd->line, nd->src, "attribute sdm:%s does not apply to a %s: ignored", k, tag);
    }
    sbuf_puts(b, ">\n");
    char *doc = record_last(nd->doc);
    text_el(b, "      ", "bpmn:documentation", doc);
    free(doc);
    for (int i = 0; i < g->nedge; i++)
        if (!g->edges[i].dead && g->edges[i].to == n) sbuf_printf(b, "      <bpmn:incoming>%s</bpmn:incoming>\n", g->edges[i].id);
    for (int i = 0; i < g->nedge; i++)
        if (!g->edges[i].dead && g->edges[i].from == n) sbuf_printf(b, "      <bpmn:outgoing>%s</bpmn:outgoing>\n", g->edges[i].id);
    if (nd->kind == IMP_TASK) text_el(b, "      ", "bpmn:script", imp_attr_get(nd, "script"));
    sbuf_printf(b, "    </bpmn:%s>\n", tag);
}

/* A role's key (sdm:role): the name in lower case, other characters as
** single '-'. Letters beyond ASCII stay as they are. */
static char *role_key(const char *role) {
    if (!role) return NULL;
    sbuf k = {0};
    for (const char *c = role; *c; c++) {
        char ch = isalnum((unsigned char)*c) || (unsigned char)*c >= 0x80 ? (char)tolower((unsigned char)*c) : '-';
        if (ch == '-' && (!k.len || k.s[k.len - 1] == '-')) continue;
        sbuf_add(&k, &ch, 1);
    }
    while (k.len && k.s[k.len - 1] == '-') k.s[--k.len] = 0;
    char *key = sbuf_take(&k);
    if (*key) return key;
    free(key);
    return xstrdup(role);
}

static void write_process(imp_graph *g, sbuf *b, int p, layout *L, const char *format) {
    const imp_proc *pr = &g->procs[p];
    sbuf_puts(b, "  <bpmn:process");
    attr(b, "id", pr->id);
    attr(b, "name", pr->name ? pr->name : pr->id);
    sbuf_puts(b, " isExecutable=\"true\">\n");
    char *doc = xasprintf("Imported from %s (%s, source id %s) by sdm import.", g->file, format, pr->src ? pr->src : "-");
    text_el(b, "    ", "bpmn:documentation", doc);
    free(doc);
    char *ls = xasprintf("LaneSet_%s", pr->id);
    sbuf_printf(b, "    <bpmn:laneSet id=\"%s\">\n", imp_make_id(g, "LaneSet", ls));
    free(ls);
    for (int l = 0; l < L->nlane; l++) {
        const char *role = L->lanes[l].role;
        sbuf_puts(b, "      <bpmn:lane");
        char *key = role_key(role), *lid = xasprintf("Lane_%s", key ? key : pr->id);
        L->lanes[l].id = imp_make_id(g, "Lane", lid);
        free(lid);
        attr(b, "id", L->lanes[l].id);
        attr(b, "name", role ? role : pr->name ? pr->name : pr->id);
        if (role) attr(b, "sdm:role", key);
        free(key);
        sbuf_puts(b, ">\n");
        for (int n = 0; n < g->nnode; n++)
            if (g->nodes[n].proc == p && imp_live(g, n) && g->nodes[n].lane == l)
                sbuf_printf(b, "        <bpmn:flowNodeRef>%s</bpmn:flowNodeRef>\n", g->nodes[n].id);
        sbuf_puts(b, "      </bpmn:lane>\n");
    }
    sbuf_puts(b, "    </bpmn:laneSet>\n");
    for (int n = 0; n < g->nnode; n++) if (g->nodes[n].proc == p && imp_live(g, n)) write_node(g, b, n);
    for (int i = 0; i < g->nedge; i++) {
        imp_edge *e = &g->edges[i];
        if (e->dead || g->nodes[e->from].proc != p) continue;
        sbuf_puts(b, "    <bpmn:sequenceFlow");
        attr(b, "id", e->id);
        attr(b, "name", e->name);
        attr(b, "sourceRef", g->nodes[e->from].id);
        attr(b, "targetRef", g->nodes[e->to].id);
        if (!e->cond || e->dflt) { sbuf_puts(b, " />\n"); continue; }
        sbuf_puts(b, ">\n");
        sbuf_puts(b, "      <bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">");
        sbuf_xml(b, e->cond, 0);
        sbuf_puts(b, "</bpmn:conditionExpression>\n    </bpmn:sequenceFlow>\n");
    }
    sbuf_puts(b, "  </bpmn:process>\n");
}

/* A diagram element's id: its BPMN element's id + "_di". */
static const char *di_id(imp_graph *g, const char *el) {
    char *id = xasprintf("%s_di", el);
    const char *out = imp_make_id(g, "DI", id);
    free(id);
    return out;
}

static void shape(imp_graph *g, sbuf *b, const char *el, int x, int y, int w, int h, const char *extra) {
    sbuf_printf(b, "      <bpmndi:BPMNShape id=\"%s\" bpmnElement=\"%s\"%s>\n"
                   "        <dc:Bounds x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" />\n"
                   "      </bpmndi:BPMNShape>\n", di_id(g, el), el, extra, x, y, w, h);
}

/* Orthogonal routes: forward flows leave right, turn in the gap after the
** source's column (where no node stands) and enter left; flows that close
** a cycle run back below their ends. */
static void route(imp_graph *g, sbuf *b, int i) {
    imp_edge *e = &g->edges[i];
    imp_node *s = &g->nodes[e->from], *t = &g->nodes[e->to];
    int scx = s->x + s->w / 2, scy = s->y + s->h / 2, tcx = t->x + t->w / 2, tcy = t->y + t->h / 2;
    int pt[6][2], np = 0;
#define PT(X, Y) (pt[np][0] = (X), pt[np][1] = (Y), np++)
    if (t->layer > s->layer) {
        int mx = scx + COLW / 2;
        if (scy == tcy) { PT(s->x + s->w, scy); PT(t->x, tcy); }
        else { PT(s->x + s->w, scy); PT(mx, scy); PT(mx, tcy); PT(t->x, tcy); }
    } else if (t->layer == s->layer && e->from != e->to) {
        int mx = scx + COLW / 2 - 10;
        PT(s->x + s->w, scy); PT(mx, scy); PT(mx, tcy); PT(t->x + t->w, tcy);
    } else {
        int sb = s->y + s->h, tb = t->y + t->h, yb = (sb > tb ? sb : tb) + 15;
        if (e->from == e->to) { PT(scx + 10, sb); PT(scx + 10, yb); PT(scx - 10, yb); PT(scx - 10, sb); }
        else { PT(scx, sb); PT(scx, yb); PT(tcx, yb); PT(tcx, tb); }
    }
#undef PT
    sbuf_printf(b, "      <bpmndi:BPMNEdge id=\"%s\" bpmnElement=\"%s\">\n", di_id(g, e->id), e->id);
    for (int k = 0; k < np; k++)
        sbuf_printf(b, "        <di:waypoint x=\"%d\" y=\"%d\" />\n", pt[k][0], pt[k][1]);
    sbuf_puts(b, "      </bpmndi:BPMNEdge>\n");
}

char *imp_write_bpmn(imp_graph *g, const char *format) {
    sbuf b = {0}, di = {0};
    sbuf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" "
        "xmlns:bpmndi=\"http://www.omg.org/spec/BPMN/20100524/DI\" "
        "xmlns:dc=\"http://www.omg.org/spec/DD/20100524/DC\" xmlns:di=\"http://www.omg.org/spec/DD/20100524/DI\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:sdm=\"urn:sdm:bpmn:1\"");
    const char *defs = imp_make_id(g, "Definitions", "Definitions_import"), *collab = imp_make_id(g, "Collaboration", "Collaboration_import");
    attr(&b, "id", defs);
    sbuf_printf(&b, " targetNamespace=\"urn:sdm:import\" exporter=\"sdm import\" exporterVersion=\"%s\">\n", SDM_VERSION);
    sbuf_printf(&b, "  <bpmn:collaboration id=\"%s\">\n", collab);
    const char **part = xcalloc((size_t)g->nproc + 1, sizeof *part);
    for (int p = 0; p < g->nproc; p++) {
        char *pid = xasprintf("Participant_%s", g->procs[p].id);
        part[p] = imp_make_id(g, "Participant", pid);
        free(pid);
        sbuf_printf(&b, "    <bpmn:participant id=\"%s\"", part[p]);
        attr(&b, "name", g->procs[p].name ? g->procs[p].name : g->procs[p].id);
        attr(&b, "processRef", g->procs[p].id);
        sbuf_puts(&b, " />\n");
    }
    sbuf_puts(&b, "  </bpmn:collaboration>\n");
    sbuf_printf(&di, "  <bpmndi:BPMNDiagram id=\"%s\">\n    <bpmndi:BPMNPlane id=\"%s\" bpmnElement=\"%s\">\n",
                imp_make_id(g, "Diagram", "Diagram_import"), imp_make_id(g, "Plane", "Plane_import"), collab);
    layout L = {0};
    imp_build_csr(g, &L);
    L.back = xcalloc((size_t)g->nedge + 1, 1);
    int *order = xcalloc((size_t)g->nnode + 1, sizeof(int)), top = 0;
    for (int p = 0; p < g->nproc; p++) {
        L.nlane = 0;
        find_back_edges(g, &L, p, order);
        assign_layers(g, &L, p);
        assign_lanes_rows(g, &L, p, order);
        place(g, &L, p, top);
        write_process(g, &b, p, &L, format);
        shape(g, &di, part[p], 0, top, L.width, L.height, " isHorizontal=\"true\"");
        for (int l = 0; l < L.nlane; l++)
            shape(g, &di, L.lanes[l].id, POOLHDR, L.lanes[l].top, L.width - POOLHDR, L.lanes[l].height,
                  " isHorizontal=\"true\"");
        for (int n = 0; n < g->nnode; n++) {
            imp_node *nd = &g->nodes[n];
            if (nd->proc == p && imp_live(g, n))
                shape(g, &di, nd->id, nd->x, nd->y, nd->w, nd->h, nd->kind == IMP_XOR ? " isMarkerVisible=\"true\"" : "");
        }
        for (int i = 0; i < g->nedge; i++)
            if (!g->edges[i].dead && g->nodes[g->edges[i].from].proc == p) route(g, &di, i);
        top += L.height + POOLGAP;
        free(L.lanes); L.lanes = NULL;
    }
    sbuf_puts(&di, "    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n");
    sbuf_add(&b, di.s, di.len);
    sbuf_puts(&b, "</bpmn:definitions>\n");
    free(di.s); free(order); free(L.back); free(L.out); free(L.outx); free(part);
    return sbuf_take(&b);
}
