/*
** diagram.c — draws a process's BPMN diagram interchange (BPMNDI: shapes
** with bounds, edges with waypoints, labels) as a standalone SVG image:
** pools and lanes with their names, activities as rounded rectangles with
** their type marker, events as circles (end events thick), gateways as
** diamonds with their marker, flows with arrowheads. Given a set of
** element ids (a person's steps) it highlights them and dims the rest.
**
** It reads the xml_node tree of the deployed XML (xml.h), because the
** compiled model keeps no geometry; it draws, and never decides what a
** process means: regdoc.c says what to highlight. No state, no store.
*/
#include <math.h>
#include <string.h>
#include "diagram.h"
#include "model.h"

#define DI_NS "http://www.omg.org/spec/BPMN/20100524/DI"
#define DC_NS "http://www.omg.org/spec/DD/20100524/DC"
#define DD_NS "http://www.omg.org/spec/DD/20100524/DI"

#define INK     "#1f2937"
#define HL_FILL "#fde68a"
#define HL_INK  "#b45309"
#define DIM     "0.32"

typedef struct box { double x, y, w, h; int ok; } box;
typedef struct byid { const char *id; const xml_node *x; } byid;

typedef struct shape {
    const xml_node *di, *el;   /* the BPMNShape and the element it shows (NULL: unknown) */
    const char *ref;
    box b, label;
    int hl, near;              /* highlighted; next to a highlighted one */
} shape;

typedef struct edge {
    const xml_node *di, *el;
    const char *ref;
    double *pt; int npt;       /* x0 y0 x1 y1 ... */
    box label;
    int hl;
} edge;

typedef struct canvas {
    byid *ids; int nid;
    shape *sh; int nsh;
    edge *ed; int ned;
    const diagram_opts *o;
    double vx, vy, vw, vh;     /* the viewBox */
    sbuf *out;
} canvas;

/* ---------- text ---------- */

/* Characters, not bytes: names are often Cyrillic (two bytes each). */
static int u8len(const char *s, size_t n) {
    int k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* Greedy word wrap into lines of at most `cols` characters; a word longer
** than a line stands alone. Returns the line count; lines[i] = {start, len}. */
static int wrap(const char *s, int cols, size_t (*lines)[2], int max) {
    int n = 0;
    size_t len = strlen(s), i = 0;
    while (i < len && n < max) {
        while (i < len && (s[i] == ' ' || s[i] == '\n')) i++;
        if (i >= len) break;
        size_t start = i, end = i, last = i;
        while (end < len && s[end] != '\n') {
            size_t w = end;
            while (w < len && s[w] != ' ' && s[w] != '\n') w++;
            if (last > start && u8len(s + start, w - start) > cols) break;
            last = end = w;
            if (end < len && s[end] == ' ') end++;
        }
        lines[n][0] = start;
        lines[n++][1] = last - start;
        i = last;
    }
    return n;
}

/* Text centred on (cx, y0) wrapped to `width`; `middle` centres the block
** vertically on y0 instead of starting there. */
static void text_block(sbuf *b, const char *s, double cx, double y0, double width, int middle,
                       const char *weight, const char *fill) {
    if (!s || !*s) return;
    const double fs = 11, lh = 13;
    size_t lines[12][2];
    int cols = (int)(width / (fs * 0.55));
    int n = wrap(s, cols < 4 ? 4 : cols, lines, 12);
    double y = middle ? y0 - (n - 1) * lh / 2 + fs * 0.35 : y0 + fs;
    sbuf_printf(b, "<text font-size=\"%g\" text-anchor=\"middle\" fill=\"%s\"%s%s%s>", fs, fill,
                weight ? " font-weight=\"" : "", weight ? weight : "", weight ? "\"" : "");
    for (int i = 0; i < n; i++) {
        char *line = strndup(s + lines[i][0], lines[i][1]);
        sbuf_printf(b, "<tspan x=\"%.1f\" y=\"%.1f\">", cx, y + i * lh);
        sbuf_xml(b, line, 0);
        sbuf_puts(b, "</tspan>");
        free(line);
    }
    sbuf_puts(b, "</text>\n");
}

/* ---------- reading the interchange ---------- */

static int cmp_id(const void *a, const void *b) { return strcmp(((const byid *)a)->id, ((const byid *)b)->id); }

static void collect_ids(const xml_node *x, byid **v, int *n, int *cap) {
    for (; x; x = x->next) {
        const char *id = xml_attr_get(x, NULL, "id");
        if (id && x->ns && strcmp(x->ns, BPMN_NS) == 0) {
            if (*n == *cap) *v = xrealloc(*v, sizeof **v * (size_t)(*cap = *cap ? *cap * 2 : 64));
            (*v)[(*n)++] = (byid){id, x};
        }
        collect_ids(x->child, v, n, cap);
    }
}

static const xml_node *element(const canvas *c, const char *id) {
    if (!id) return NULL;
    byid key = {id, NULL}, *hit = bsearch(&key, c->ids, (size_t)c->nid, sizeof key, cmp_id);
    return hit ? hit->x : NULL;
}

static box bounds_of(const xml_node *x) {
    box b = {0};
    for (const xml_node *c = x ? x->child : NULL; c; c = c->next)
        if (xml_is(c, DC_NS, "Bounds")) {
            const char *v[4] = {xml_attr_get(c, NULL, "x"), xml_attr_get(c, NULL, "y"),
                                xml_attr_get(c, NULL, "width"), xml_attr_get(c, NULL, "height")};
            if (!v[0] || !v[1] || !v[2] || !v[3]) return b;
            b = (box){atof(v[0]), atof(v[1]), atof(v[2]), atof(v[3]), 1};
        }
    return b;
}

static box label_of(const xml_node *di) {
    for (const xml_node *c = di->child; c; c = c->next)
        if (xml_is(c, DI_NS, "BPMNLabel")) return bounds_of(c);
    return (box){0};
}

static int highlighted(const diagram_opts *o, const char *id) {
    for (int i = 0; id && i < o->nhl; i++) if (strcmp(o->hl[i], id) == 0) return 1;
    return 0;
}

/* The plane showing `process`: its own, or a collaboration's holding a
** pool (participant) of it. */
static const xml_node *find_plane(const canvas *c, const xml_node *root, const char *process) {
    for (const xml_node *d = root->child; d; d = d->next) {
        if (!xml_is(d, DI_NS, "BPMNDiagram")) continue;
        for (const xml_node *p = d->child; p; p = p->next) {
            if (!xml_is(p, DI_NS, "BPMNPlane")) continue;
            const char *ref = xml_attr_get(p, NULL, "bpmnElement");
            if (!process || (ref && strcmp(ref, process) == 0)) return p;
            const xml_node *col = element(c, ref);
            for (const xml_node *q = col ? col->child : NULL; q; q = q->next) {
                const char *pr = xml_attr_get(q, NULL, "processRef");
                if (xml_is(q, BPMN_NS, "participant") && pr && strcmp(pr, process) == 0) return p;
            }
        }
    }
    return NULL;
}

static void read_plane(canvas *c, const xml_node *plane) {
    int cs = 0, ce = 0;
    for (const xml_node *x = plane->child; x; x = x->next) {
        const char *ref = xml_attr_get(x, NULL, "bpmnElement");
        if (xml_is(x, DI_NS, "BPMNShape")) {
            box b = bounds_of(x);
            if (!b.ok) continue;
            if (c->nsh == cs) c->sh = xrealloc(c->sh, sizeof *c->sh * (size_t)(cs = cs ? cs * 2 : 32));
            c->sh[c->nsh++] = (shape){x, element(c, ref), ref, b, label_of(x), highlighted(c->o, ref), 0};
        } else if (xml_is(x, DI_NS, "BPMNEdge")) {
            int n = 0;
            for (const xml_node *w = x->child; w; w = w->next) n += xml_is(w, DD_NS, "waypoint");
            if (n < 2) continue;
            if (c->ned == ce) c->ed = xrealloc(c->ed, sizeof *c->ed * (size_t)(ce = ce ? ce * 2 : 32));
            edge *e = &c->ed[c->ned++];
            *e = (edge){x, element(c, ref), ref, xmalloc(sizeof(double) * 2 * (size_t)n), 0, label_of(x), 0};
            for (const xml_node *w = x->child; w; w = w->next)
                if (xml_is(w, DD_NS, "waypoint")) {
                    const char *px = xml_attr_get(w, NULL, "x"), *py = xml_attr_get(w, NULL, "y");
                    e->pt[2 * e->npt] = px ? atof(px) : 0;
                    e->pt[2 * e->npt++ + 1] = py ? atof(py) : 0;
                }
        }
    }
}

static const char *kind(const shape *s) { return s->el ? s->el->name : ""; }

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int is_activity(const char *k) {
    return ends_with(k, "Task") || strcmp(k, "task") == 0 || strcmp(k, "callActivity") == 0 ||
           ends_with(k, "ubProcess") || strcmp(k, "transaction") == 0;
}

static int is_container(const shape *s) {
    const char *k = kind(s);
    const char *exp = xml_attr_get(s->di, NULL, "isExpanded");
    return strcmp(k, "participant") == 0 || strcmp(k, "lane") == 0 || strcmp(k, "group") == 0 ||
           ((ends_with(k, "ubProcess") || strcmp(k, "transaction") == 0) && exp && strcmp(exp, "true") == 0);
}

/* A flow touching a highlighted shape stays lit, and the shape on its
** other end counts as a neighbour (a handoff partner) for cropping. */
static void mark_neighbours(canvas *c) {
    for (int i = 0; i < c->ned; i++) {
        edge *e = &c->ed[i];
        const char *src = e->el ? xml_attr_get(e->el, NULL, "sourceRef") : NULL;
        const char *dst = e->el ? xml_attr_get(e->el, NULL, "targetRef") : NULL;
        int a = highlighted(c->o, src), b = highlighted(c->o, dst);
        if (!a && !b) continue;
        e->hl = 1;
        for (int k = 0; k < c->nsh; k++)
            if (c->sh[k].ref && ((src && strcmp(c->sh[k].ref, src) == 0) || (dst && strcmp(c->sh[k].ref, dst) == 0)))
                c->sh[k].near = 1;
    }
}

static void grow(double *lo, double *hi, double a, double b) {
    if (a < *lo) *lo = a;
    if (b > *hi) *hi = b;
}

static void view_box(canvas *c) {
    double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9, cx0 = 1e9, cx1 = -1e9;
    for (int i = 0; i < c->nsh; i++) {
        const shape *s = &c->sh[i];
        grow(&x0, &x1, s->b.x, s->b.x + s->b.w);
        grow(&y0, &y1, s->b.y, s->b.y + s->b.h);
        if (s->label.ok) { grow(&x0, &x1, s->label.x, s->label.x + s->label.w); grow(&y0, &y1, s->label.y, s->label.y + s->label.h); }
        if (s->hl || s->near) grow(&cx0, &cx1, s->b.x - 40, s->b.x + s->b.w + 40);
    }
    for (int i = 0; i < c->ned; i++)
        for (int k = 0; k < c->ed[i].npt; k++) {
            grow(&x0, &x1, c->ed[i].pt[2 * k], c->ed[i].pt[2 * k]);
            grow(&y0, &y1, c->ed[i].pt[2 * k + 1], c->ed[i].pt[2 * k + 1]);
        }
    if (x0 > x1) { x0 = y0 = 0; x1 = y1 = 100; }
    if (c->o->crop && cx0 < cx1) {
        if (cx0 > x0) x0 = cx0;
        if (cx1 < x1) x1 = cx1;
    }
    c->vx = floor(x0) - 8; c->vy = floor(y0) - 8;
    c->vw = ceil(x1 - x0) + 16; c->vh = ceil(y1 - y0) + 16;
}

/* ---------- drawing ---------- */

static void open_group(canvas *c, const shape *s) {
    int dim = c->o->nhl && !s->hl;
    sbuf_printf(c->out, "<g data-id=\"");
    sbuf_xml(c->out, s->ref ? s->ref : "", 0);
    sbuf_printf(c->out, "\" class=\"%s\"%s>", s->hl ? "step hl" : "step", dim ? " opacity=\"" DIM "\"" : "");
}

/* Pools and lanes: a frame with the name written upwards in a band on the
** left, kept inside the viewBox when the picture is cropped. */
static void draw_container(canvas *c, const shape *s) {
    sbuf *b = c->out;
    const char *k = kind(s);
    const box *r = &s->b;
    const char *name = s->el ? xml_attr_get(s->el, NULL, "name") : NULL;
    if (strcmp(k, "group") == 0) {
        open_group(c, s);
        sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"8\" fill=\"none\" stroke=\"#6b7280\""
                    " stroke-dasharray=\"8 4 2 4\"/></g>\n", r->x, r->y, r->w, r->h);
        return;
    }
    if (strcmp(k, "participant") != 0 && strcmp(k, "lane") != 0) {      /* expanded subprocess */
        open_group(c, s);
        sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"10\" fill=\"%s\" stroke=\"%s\""
                    " stroke-width=\"%s\"/>", r->x, r->y, r->w, r->h, s->hl ? "#fffbeb" : "#ffffff",
                    s->hl ? HL_INK : INK, s->hl ? "3" : "1.5");
        sbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" font-weight=\"600\" fill=\"%s\">", r->x + 8,
                    r->y + 16, INK);
        sbuf_xml(b, name, 0);
        sbuf_puts(b, "</text></g>\n");
        return;
    }
    const char *hz = xml_attr_get(s->di, NULL, "isHorizontal");
    int vertical = hz && strcmp(hz, "false") == 0;
    int pool = strcmp(k, "participant") == 0;
    sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"%s\""
                " stroke-width=\"%s\"/>\n", r->x, r->y, r->w, r->h, pool ? "#ffffff" : "none", INK, pool ? "1.5" : "1");
    if (!name) return;
    double band = 30;
    if (vertical) {
        sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", r->x, r->y + band,
                    r->x + r->w, r->y + band, INK);
        text_block(b, name, r->x + r->w / 2, r->y + band / 2, r->w - 6, 1, "600", INK);
        return;
    }
    double x = r->x < c->vx ? c->vx : r->x;
    if (x > r->x) sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f3f4f6\" stroke=\"%s\"/>",
                              x, r->y, band, r->h, INK);
    else if (pool) sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", x + band,
                               r->y, x + band, r->y + r->h, INK);
    sbuf_printf(b, "<g transform=\"translate(%.1f %.1f) rotate(-90)\">", x + band / 2, r->y + r->h / 2);
    text_block(b, name, 0, 0, r->h - 10, 1, "600", INK);
    sbuf_puts(b, "</g>\n");
}

static const xml_node *first_child_ending(const xml_node *x, const char *suffix) {
    for (const xml_node *c = x ? x->child : NULL; c; c = c->next)
        if (c->ns && strcmp(c->ns, BPMN_NS) == 0 && ends_with(c->name, suffix)) return c;
    return NULL;
}

/* The marker inside an event: what its definition is; filled when thrown. */
static void event_marker(sbuf *b, const xml_node *def, double cx, double cy, double r, int filled) {
    const char *d = def ? def->name : "";
    const char *fill = filled ? INK : "none";
    double k = r * 0.55;
    if (strcmp(d, "messageEventDefinition") == 0) {
        sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"%s\"/>"
                    "<polyline points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"%s\"/>",
                    cx - k, cy - k * 0.7, 2 * k, 1.4 * k, fill, INK, cx - k, cy - k * 0.7, cx, cy, cx + k, cy - k * 0.7,
                    filled ? "#ffffff" : INK);
    } else if (strcmp(d, "timerEventDefinition") == 0) {
        sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"1.5\"/>"
                    "<polyline points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"%s\"/>",
                    cx, cy, k * 1.1, INK, cx, cy - k * 0.8, cx, cy, cx + k * 0.6, cy, INK);
    } else if (strcmp(d, "signalEventDefinition") == 0) {
        sbuf_printf(b, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\" stroke=\"%s\"/>",
                    cx, cy - k, cx + k, cy + k * 0.7, cx - k, cy + k * 0.7, fill, INK);
    } else if (strcmp(d, "errorEventDefinition") == 0) {
        sbuf_printf(b, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\""
                    " stroke=\"%s\"/>", cx - k, cy + k, cx - k * 0.4, cy - k, cx + k * 0.1, cy + k * 0.2, cx + k,
                    cy - k, cx + k * 0.4, cy + k, cx - k * 0.1, cy - k * 0.2, fill, INK);
    } else if (strcmp(d, "escalationEventDefinition") == 0) {
        sbuf_printf(b, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\" stroke=\"%s\"/>",
                    cx, cy - k, cx + k * 0.7, cy + k, cx, cy + k * 0.2, cx - k * 0.7, cy + k, fill, INK);
    } else if (strcmp(d, "terminateEventDefinition") == 0) {
        sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>", cx, cy, k, INK);
    } else if (strcmp(d, "conditionalEventDefinition") == 0) {
        sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"%s\"/>",
                    cx - k * 0.7, cy - k, 1.4 * k, 2 * k, INK);
        for (int i = 0; i < 4; i++)
            sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", cx - k * 0.45,
                        cy - k * 0.6 + i * k * 0.4, cx + k * 0.45, cy - k * 0.6 + i * k * 0.4, INK);
    } else if (strcmp(d, "linkEventDefinition") == 0) {
        sbuf_printf(b, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\""
                    " fill=\"%s\" stroke=\"%s\"/>", cx - k, cy - k * 0.3, cx, cy - k * 0.3, cx, cy - k * 0.8, cx + k, cy,
                    cx, cy + k * 0.8, cx, cy + k * 0.3, cx - k, cy + k * 0.3, fill, INK);
    } else if (strcmp(d, "compensateEventDefinition") == 0) {
        sbuf_printf(b, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\" stroke=\"%s\"/>",
                    cx - k, cy, cx, cy - k * 0.6, cx, cy, cx + k, cy - k * 0.6, cx + k, cy + k * 0.6, fill, INK);
    }
}

static void draw_event(canvas *c, const shape *s) {
    sbuf *b = c->out;
    const char *k = kind(s);
    double r = s->b.w / 2, cx = s->b.x + r, cy = s->b.y + s->b.h / 2;
    int end = strcmp(k, "endEvent") == 0, start = strcmp(k, "startEvent") == 0;
    int throw = end || strcmp(k, "intermediateThrowEvent") == 0;
    const char *ca = xml_attr_get(s->el, NULL, "cancelActivity"), *ii = xml_attr_get(s->el, NULL, "isInterrupting");
    int dashed = (ca && strcmp(ca, "false") == 0) || (ii && strcmp(ii, "false") == 0);
    const char *ink = s->hl ? HL_INK : INK;
    sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"%s/>",
                cx, cy, r, s->hl ? HL_FILL : "#ffffff", ink, end ? "4" : start ? "1.5" : "1.5",
                dashed ? " stroke-dasharray=\"5 3\"" : "");
    if (!start && !end)
        sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"none\" stroke=\"%s\"%s/>", cx, cy, r - 3,
                    ink, dashed ? " stroke-dasharray=\"5 3\"" : "");
    event_marker(b, first_child_ending(s->el, "EventDefinition"), cx, cy, r, throw);
}

static void draw_gateway(canvas *c, const shape *s) {
    sbuf *b = c->out;
    const char *k = kind(s);
    double cx = s->b.x + s->b.w / 2, cy = s->b.y + s->b.h / 2, h = s->b.w / 2, m = h * 0.42;
    sbuf_printf(b, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\" stroke=\"%s\""
                " stroke-width=\"%s\"/>", cx, cy - h, cx + h, cy, cx, cy + h, cx - h, cy,
                s->hl ? HL_FILL : "#ffffff", s->hl ? HL_INK : INK, s->hl ? "3" : "1.5");
    const char *vis = xml_attr_get(s->di, NULL, "isMarkerVisible");
    if (strcmp(k, "exclusiveGateway") == 0 && vis && strcmp(vis, "true") == 0)
        sbuf_printf(b, "<path d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\" stroke=\"%s\" stroke-width=\"4\"/>",
                    cx - m * 0.7, cy - m * 0.7, cx + m * 0.7, cy + m * 0.7, cx + m * 0.7, cy - m * 0.7, cx - m * 0.7,
                    cy + m * 0.7, INK);
    else if (strcmp(k, "parallelGateway") == 0)
        sbuf_printf(b, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1f\" stroke=\"%s\" stroke-width=\"4\"/>",
                    cx, cy - m, cy + m, cx - m, cy, cx + m, INK);
    else if (strcmp(k, "inclusiveGateway") == 0)
        sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"none\" stroke=\"%s\" stroke-width=\"3\"/>",
                    cx, cy, m, INK);
    else if (strcmp(k, "complexGateway") == 0)
        sbuf_printf(b, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\""
                    " stroke=\"%s\" stroke-width=\"3\"/>", cx, cy - m, cy + m, cx - m, cy, cx + m, cx - m * 0.7,
                    cy - m * 0.7, cx + m * 0.7, cy + m * 0.7, cx + m * 0.7, cy - m * 0.7, cx - m * 0.7, cy + m * 0.7, INK);
    else if (strcmp(k, "eventBasedGateway") == 0) {
        sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"none\" stroke=\"%s\"/>", cx, cy, m, INK);
        double p = m * 0.6;
        sbuf_printf(b, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"%s\"/>",
                    cx, cy - p, cx + p, cy - p * 0.3, cx + p * 0.6, cy + p, cx - p * 0.6, cy + p, cx - p, cy - p * 0.3, INK);
    }
}

/* Task type icon in the top left corner. */
static void task_icon(sbuf *b, const char *k, double x, double y) {
    if (strcmp(k, "userTask") == 0)
        sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"none\" stroke=\"%s\"/>"
                    "<path d=\"M%.1f %.1fq0 -7 7 -7q7 0 7 7z\" fill=\"none\" stroke=\"%s\"/>",
                    x + 11, y + 9, INK, x + 4, y + 21, INK);
    else if (strcmp(k, "serviceTask") == 0) {
        for (int i = 0; i < 4; i++) {
            double a = i * M_PI / 4;
            sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>",
                        x + 11 + 7 * cos(a), y + 12 + 7 * sin(a), x + 11 - 7 * cos(a), y + 12 - 7 * sin(a), INK);
        }
        sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#ffffff\" stroke=\"%s\"/>", x + 11, y + 12, INK);
    } else if (strcmp(k, "scriptTask") == 0) {
        sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"15\" fill=\"none\" stroke=\"%s\"/>", x + 5, y + 5, INK);
        for (int i = 0; i < 3; i++)
            sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", x + 7, y + 9 + 4 * i,
                        x + 15, y + 9 + 4 * i, INK);
    } else if (strcmp(k, "sendTask") == 0 || strcmp(k, "receiveTask") == 0) {
        int send = k[0] == 's';
        sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"11\" fill=\"%s\" stroke=\"%s\"/>"
                    "<polyline points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"%s\"/>",
                    x + 5, y + 6, send ? INK : "none", INK, x + 5, y + 6, x + 13, y + 12, x + 21, y + 6, send ? "#ffffff" : INK);
    } else if (strcmp(k, "businessRuleTask") == 0) {
        sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" fill=\"none\" stroke=\"%s\"/>"
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"4\" fill=\"%s\"/>"
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
                    x + 5, y + 6, INK, x + 5, y + 6, INK, x + 10, y + 10, x + 10, y + 18, INK);
    } else if (strcmp(k, "manualTask") == 0) {
        sbuf_printf(b, "<path d=\"M%.1f %.1fh9a2 2 0 0 1 0 4h-2v2h-7z\" fill=\"none\" stroke=\"%s\"/>", x + 5, y + 8, INK);
    }
}

/* Loop markers at the bottom centre: multi-instance (three bars,
** horizontal when sequential), standard loop (an open circle arrow). */
static void loop_marker(sbuf *b, const xml_node *el, double cx, double y) {
    for (const xml_node *c = el->child; c; c = c->next) {
        if (xml_is(c, BPMN_NS, "multiInstanceLoopCharacteristics")) {
            const char *seq = xml_attr_get(c, NULL, "isSequential");
            int h = seq && strcmp(seq, "true") == 0;
            for (int i = -1; i <= 1; i++)
                if (h) sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>",
                                   cx - 6, y + 5 * i, cx + 6, y + 5 * i, INK);
                else sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>",
                                 cx + 5 * i, y - 6, cx + 5 * i, y + 6, INK);
        } else if (xml_is(c, BPMN_NS, "standardLoopCharacteristics")) {
            sbuf_printf(b, "<path d=\"M%.1f %.1fa6 6 0 1 1 6 0\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>",
                        cx - 3, y + 5, INK);
        }
    }
}

static void draw_activity(canvas *c, const shape *s) {
    sbuf *b = c->out;
    const char *k = kind(s);
    const box *r = &s->b;
    int call = strcmp(k, "callActivity") == 0;
    sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"10\" fill=\"%s\" stroke=\"%s\""
                " stroke-width=\"%s\"/>", r->x, r->y, r->w, r->h, s->hl ? HL_FILL : "#ffffff", s->hl ? HL_INK : INK,
                call ? "4" : s->hl ? "3" : "1.5");
    task_icon(b, k, r->x, r->y);
    const char *exp = xml_attr_get(s->di, NULL, "isExpanded");
    if ((ends_with(k, "ubProcess") || call) && !(exp && strcmp(exp, "true") == 0)) {   /* collapsed: [+] */
        sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"none\" stroke=\"%s\"/>"
                        "<path d=\"M%.1f %.1fh8M%.1f %.1fv8\" stroke=\"%s\"/>", r->x + r->w / 2 - 7, r->y + r->h - 16, INK,
                        r->x + r->w / 2 - 4, r->y + r->h - 9, r->x + r->w / 2, r->y + r->h - 13, INK);
    } else if (!call) {
        loop_marker(b, s->el, r->x + r->w / 2, r->y + r->h - 10);
    }
    text_block(b, xml_attr_get(s->el, NULL, "name"), r->x + r->w / 2, r->y + r->h / 2, r->w - 12, 1,
               s->hl ? "600" : NULL, INK);
}

static void draw_data(canvas *c, const shape *s) {
    sbuf *b = c->out;
    const box *r = &s->b;
    const char *k = kind(s);
    if (strcmp(k, "dataStoreReference") == 0)
        sbuf_printf(b, "<path d=\"M%.1f %.1fv%.1fa%.1f 6 0 0 0 %.1f 0v%.1fa%.1f 6 0 0 0 -%.1f 0a%.1f 6 0 0 0 %.1f 0\""
                    " fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"1.5\"/>", r->x, r->y + 6, r->h - 12, r->w / 2, r->w,
                    -(r->h - 12), r->w / 2, r->w, r->w / 2, r->w, INK);
    else
        sbuf_printf(b, "<path d=\"M%.1f %.1fh%.1fl10 10v%.1fh-%.1fz\" fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"1.5\"/>",
                    r->x, r->y, r->w - 10, r->h - 10, r->w, INK);
}

static void draw_annotation(canvas *c, const shape *s) {
    sbuf *b = c->out;
    const box *r = &s->b;
    const xml_node *t = NULL;
    for (const xml_node *x = s->el->child; x; x = x->next) if (xml_is(x, BPMN_NS, "text")) t = x;
    sbuf_printf(b, "<path d=\"M%.1f %.1fh-10v%.1fh10\" fill=\"none\" stroke=\"%s\"/>", r->x + 10, r->y, r->h, INK);
    if (t) text_block(b, t->text, r->x + r->w / 2, r->y + 2, r->w - 8, 0, NULL, "#374151");
}

/* The outside label of an event, gateway or data element: its DI bounds,
** else below the shape. */
static void outer_label(canvas *c, const shape *s) {
    const char *name = xml_attr_get(s->el, NULL, "name");
    if (!name || !*name) return;
    if (s->label.ok) text_block(c->out, name, s->label.x + s->label.w / 2, s->label.y - 1,
                                s->label.w < 60 ? 90 : s->label.w + 10, 0, NULL, INK);
    else text_block(c->out, name, s->b.x + s->b.w / 2, s->b.y + s->b.h + 3, 100, 0, NULL, INK);
}

static void draw_shape(canvas *c, const shape *s) {
    const char *k = kind(s);
    open_group(c, s);                                   /* an element we cannot find leaves its place empty */
    if (!s->el) {}
    else if (strcmp(k, "textAnnotation") == 0) draw_annotation(c, s);
    else if (ends_with(k, "Event")) { draw_event(c, s); outer_label(c, s); }
    else if (ends_with(k, "Gateway")) { draw_gateway(c, s); outer_label(c, s); }
    else if (is_activity(k)) draw_activity(c, s);
    else if (strncmp(k, "data", 4) == 0) { draw_data(c, s); outer_label(c, s); }
    else sbuf_printf(c->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"%s\""
                     " stroke-dasharray=\"3 3\"/>", s->b.x, s->b.y, s->b.w, s->b.h, INK);
    sbuf_puts(c->out, "</g>\n");
}

static void arrow_head(sbuf *b, const double *p, int filled, const char *ink) {
    double dx = p[2] - p[0], dy = p[3] - p[1], len = sqrt(dx * dx + dy * dy);
    if (len < 1e-6) return;
    dx /= len; dy /= len;
    double bx = p[2] - dx * 10, by = p[3] - dy * 10;
    sbuf_printf(b, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\" stroke=\"%s\"/>", p[2], p[3],
                bx - dy * 4, by + dx * 4, bx + dy * 4, by - dx * 4, filled ? ink : "#ffffff", ink);
}

static void draw_edge(canvas *c, const edge *e) {
    sbuf *b = c->out;
    const char *k = e->el ? e->el->name : "";
    int msg = strcmp(k, "messageFlow") == 0, assoc = strncmp(k, "association", 11) == 0 || strncmp(k, "data", 4) == 0;
    const char *ink = e->hl && c->o->nhl ? HL_INK : INK;
    sbuf_printf(b, "<g data-id=\"");
    sbuf_xml(b, e->ref ? e->ref : "", 0);
    sbuf_printf(b, "\"%s><polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"",
                c->o->nhl && !e->hl ? " opacity=\"" DIM "\"" : "", ink, e->hl && c->o->nhl ? "2" : "1.5",
                msg ? " stroke-dasharray=\"8 5\"" : assoc ? " stroke-dasharray=\"2 4\"" : "");
    for (int i = 0; i < e->npt; i++) sbuf_printf(b, "%s%.1f,%.1f", i ? " " : "", e->pt[2 * i], e->pt[2 * i + 1]);
    sbuf_puts(b, "\"/>");
    const char *dir = e->el ? xml_attr_get(e->el, NULL, "associationDirection") : NULL;
    if (!assoc || (dir && strcmp(dir, "None") != 0)) arrow_head(b, e->pt + 2 * (e->npt - 2), !msg && !assoc, ink);
    if (msg) sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#ffffff\" stroke=\"%s\"/>", e->pt[0], e->pt[1], ink);
    /* the default flow's slash near its source */
    const char *src = e->el ? xml_attr_get(e->el, NULL, "sourceRef") : NULL;
    const xml_node *from = element(c, src);
    const char *dflt = from ? xml_attr_get(from, NULL, "default") : NULL;
    if (dflt && e->ref && strcmp(dflt, e->ref) == 0) {
        double dx = e->pt[2] - e->pt[0], dy = e->pt[3] - e->pt[1], len = sqrt(dx * dx + dy * dy);
        if (len > 1e-6) {
            dx /= len; dy /= len;
            double mx = e->pt[0] + dx * 12, my = e->pt[1] + dy * 12;
            sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"/>",
                        mx - dx * 4 - dy * 6, my - dy * 4 + dx * 6, mx + dx * 4 + dy * 6, my + dy * 4 - dx * 6, ink);
        }
    }
    const char *name = e->el ? xml_attr_get(e->el, NULL, "name") : NULL;
    if (name && *name) {
        if (e->label.ok) text_block(b, name, e->label.x + e->label.w / 2, e->label.y - 1, e->label.w + 20, 0, NULL, "#374151");
        else {
            int m = (e->npt - 1) / 2;
            text_block(b, name, (e->pt[2 * m] + e->pt[2 * m + 2]) / 2 + 4, (e->pt[2 * m + 1] + e->pt[2 * m + 3]) / 2 - 14,
                       80, 0, NULL, "#374151");
        }
    }
    sbuf_puts(b, "</g>\n");
}

int diagram_svg(const xml_doc *doc, const char *process, const diagram_opts *o, sbuf *out, sdm_err *err) {
    static const diagram_opts none;
    canvas c = {.o = o ? o : &none, .out = out};
    int cap = 0;
    collect_ids(doc->root, &c.ids, &c.nid, &cap);
    if (c.nid) qsort(c.ids, (size_t)c.nid, sizeof *c.ids, cmp_id);
    const xml_node *plane = find_plane(&c, doc->root, process);
    if (!plane) {
        free(c.ids);
        return err_set(err, SDM_ERR_NOTFOUND, NULL, 0, process, "the model has no diagram (BPMNDI) of process '%s'",
                       process ? process : "");
    }
    read_plane(&c, plane);
    mark_neighbours(&c);
    view_box(&c);
    sbuf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"bpmn\" viewBox=\"%.0f %.0f %.0f %.0f\""
                " width=\"%.0f\" height=\"%.0f\" font-family=\"'DejaVu Sans', 'Liberation Sans', Arial, sans-serif\">\n",
                c.vx, c.vy, c.vw, c.vh, c.vw, c.vh);
    if (c.o->title) { sbuf_puts(out, "<title>"); sbuf_xml(out, c.o->title, 0); sbuf_puts(out, "</title>\n"); }
    sbuf_printf(out, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", c.vx, c.vy, c.vw, c.vh);
    for (int i = 0; i < c.nsh; i++) if (is_container(&c.sh[i])) draw_container(&c, &c.sh[i]);
    for (int i = 0; i < c.ned; i++) draw_edge(&c, &c.ed[i]);
    for (int i = 0; i < c.nsh; i++) if (!is_container(&c.sh[i])) draw_shape(&c, &c.sh[i]);
    sbuf_puts(out, "</svg>\n");
    for (int i = 0; i < c.ned; i++) free(c.ed[i].pt);
    free(c.ed); free(c.sh); free(c.ids);
    return SDM_OK;
}
