/*
** import_int.h — what the importer's two files share: import.c (the graph
** and its mapping to BPMN) and import_bpmn.c (layout, the BPMN + BPMNDI
** writer). Included by no other file.
*/
#ifndef SDM_IMPORT_INT_H
#define SDM_IMPORT_INT_H
#include "import.h"
#include "arena.h"

struct imp_graph {
    arena *mem;
    const char *file;
    imp_proc *procs; int nproc, cproc;
    imp_node *nodes; int nnode, cnode;
    imp_edge *edges; int nedge, cedge;
    const char **ids; size_t nid, cid;  /* every id written: a hash set, kept unique */
    sdm_table *diag; int nerr;
};

enum { COLW = 160, ROWH = 120, POOLHDR = 30, LANEHDR = 30, MARGIN = 20, POOLGAP = 40 };

typedef struct lane { const char *role, *id; int rows, top, height; } lane;

typedef struct layout {
    int *out, *outx;           /* CSR: live edges by source (imp_build_csr) */
    char *back;                /* per edge: closes a cycle */
    lane *lanes; int nlane;    /* of the process being laid out */
    int width, top, height;
} layout;

static inline int imp_live(const imp_graph *g, int n) { return g->nodes[n].kind != IMP_DEAD; }

/* import.c */
void imp_build_csr(imp_graph *g, layout *L);
const char *imp_make_id(imp_graph *g, const char *word, const char *src);   /* unique NCName */
const char *imp_attr_get(const imp_node *n, const char *name);

/* import_bpmn.c: the mapped graph laid out and written as BPMN with BPMNDI. */
char *imp_write_bpmn(imp_graph *g, const char *format);
#endif
