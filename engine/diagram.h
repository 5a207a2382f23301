/*
** diagram.h — a process's BPMN diagram (its BPMNDI) drawn as SVG, for the
** documents people read (regdoc.c). Reads the xml_node tree of the stored
** XML, never the compiled model: the model keeps no geometry.
*/
#ifndef SDM_DIAGRAM_H
#define SDM_DIAGRAM_H
#include "sdm.h"
#include "err.h"
#include "xml.h"

typedef struct diagram_opts {
    const char *const *hl;  /* element ids to highlight (a person's steps); the rest is dimmed */
    int nhl;                /* 0: nothing highlighted, nothing dimmed */
    int crop;               /* 1: only the width around the highlighted shapes and their neighbours */
    const char *title;      /* <title> of the image, or NULL */
} diagram_opts;

/* Append an <svg> element (standalone: it carries its namespace and style)
** drawing the diagram plane that shows process `process` (NULL: the first
** plane) to `out`. SDM_ERR_NOTFOUND when the document has no diagram for it. */
int diagram_svg(const xml_doc *doc, const char *process, const diagram_opts *o, sbuf *out, sdm_err *err);
#endif
