/*
** import.h — models from other notations (EPC in EPML or ARIS AML, IDEF3)
** turned into BPMN 2.0 text. The format readers (epml.c, aml.c, idef3.c)
** fill one imp_graph: processes, nodes and edges close to the source, EPC
** events included. import.c then maps it to BPMN (events to start/end
** events, flow names and conditions; connectors to gateways; roles to
** lanes), lays it out and writes BPMN XML with BPMNDI. The mapping rules
** are written down in docs/IMPORT.md.
*/
#ifndef SDM_IMPORT_H
#define SDM_IMPORT_H
#include "sdm.h"
#include "xml.h"

typedef enum imp_kind {
    IMP_TASK,      /* a function / unit of behaviour: userTask (scriptTask,
                      serviceTask with sdm:script / sdm:handler) */
    IMP_CALL,      /* process interface, referent: callActivity */
    IMP_EVENT,     /* an EPC event: start, end, or a flow label */
    IMP_START, IMP_END,
    IMP_XOR, IMP_AND, IMP_OR,   /* connectors and junctions */
    IMP_DEAD       /* removed while mapping */
} imp_kind;

typedef struct imp_attr { const char *name, *value; } imp_attr;

typedef struct imp_node {
    imp_kind kind;
    int proc;              /* index in imp_graph.procs */
    const char *id;        /* BPMN id: the source id as an NCName, unique */
    const char *src;       /* the source id as written, for messages */
    const char *name, *doc, *role;
    const char *called;    /* IMP_CALL: the called process id */
    int line;
    imp_attr *attrs;       /* sdm:* attributes (due, stage, condition, ...) */
    int nattr;
    int from_event;        /* a start/end that was an EPC event */
    int dflt_edge;         /* gateway: index of its default flow, -1 none */
    /* layout */
    int lane, layer, row;
    int x, y, w, h;
} imp_node;

typedef struct imp_edge {
    int from, to;          /* node indices */
    const char *id, *name, *cond;
    int dflt;              /* the default flow of its gateway */
    int labelled;          /* name came from an event or the source's label */
    int dead;
} imp_edge;

typedef struct imp_proc { const char *id, *name, *src; int line; } imp_proc;

typedef struct imp_graph imp_graph;

/* ---------- building (format readers) ---------- */

/* Kind word used in an id made from a source id that is no NCName
** ("Function" + "_5"). */
int  imp_proc_add(imp_graph *g, const char *src, const char *name, int line);
int  imp_node_add(imp_graph *g, int proc, imp_kind kind, const char *idword, const char *src,
                  const char *name, int line);
int  imp_edge_add(imp_graph *g, int from, int to, const char *src);
imp_node *imp_node_at(imp_graph *g, int i);
imp_edge *imp_edge_at(imp_graph *g, int i);
/* Node of `proc` with source id `src`, or -1. */
int  imp_find(const imp_graph *g, int proc, const char *src);
int  imp_nproc(const imp_graph *g);
int  imp_nnode(const imp_graph *g);
const imp_proc *imp_proc_at(const imp_graph *g, int p);
/* A process key from a name ("Deal discussion" -> "deal-discussion"),
** malloc'd; NULL when the name has no letter to start with. */
char *imp_key(const char *name);
void imp_set(imp_graph *g, int node, const char *field, const char *value);   /* name, doc, role, called */
void imp_attr_set(imp_graph *g, int node, const char *name, const char *value);
/* Append a paragraph to a node's documentation. */
void imp_doc_add(imp_graph *g, int node, const char *text);
/* Whitespace runs (line breaks of EPC labels) to one space, trimmed; NULL
** stays NULL. */
const char *imp_clean(imp_graph *g, const char *s);
/* The same per line, keeping line breaks (documentation). */
const char *imp_clean_lines(imp_graph *g, const char *s);
/* A warning (error = 0) or an error naming the source element. */
void imp_diag(imp_graph *g, int error, int line, const char *src, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
const char *imp_file(const imp_graph *g);
/* Call activities name what they call as the source does (an EPC id, a
** list of ARIS model ids, a diagram id). One that names a process of this
** file calls its key; any other calls the key of its own name (by_name) or
** the reference itself, with a warning. */
void imp_resolve_calls(imp_graph *g, int by_name);
/* "sdm:name = value" lines of a free text (ARIS remarks) as attributes. */
void imp_attr_lines(imp_graph *g, int node, const char *text);

/* ---------- format readers ---------- */

int epml_read(imp_graph *g, const xml_node *root);
int aml_read(imp_graph *g, const xml_node *root);
int idef3_read(imp_graph *g, const xml_node *root);
/* ARIS exports declare their entities in an internal DTD subset, which
** xml.c refuses; returns a malloc'd copy without the DOCTYPE and with its
** plain-text entities expanded, or NULL when there is nothing to rewrite. */
char *aml_strip_doctype(const char *buf, size_t len, size_t max, size_t *outlen);

#define IDEF3_NS "urn:sdm:idef3:1"

/* ---------- whole conversion ---------- */

/* Which importer reads a document whose root element is `root`: "epml",
** "aml", "idef3", or NULL (BPMN or unknown). */
const char *imp_format(const xml_node *root);
/* The root element's local name, read from XML text without parsing, for
** sdm_deploy's hook. */
int imp_sniff(const char *buf, size_t len);
/* Convert a document in memory. *bpmn malloc'd; *diag (may be NULL) gets
** rows kind, file, line, element, message. */
int imp_convert(const char *name, const char *buf, size_t len, size_t max_bytes, char **bpmn,
                size_t *bpmn_len, sdm_table **diag, sdm_err *err);
/* sdm_deploy's hook for these formats (deploy.c): convert, then deploy. */
int imp_deploy(sdm *h, const char *name, const char *xml, size_t len, size_t max_bytes,
               sdm_table **out, sdm_err *err);
#endif
