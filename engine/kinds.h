/*
** kinds.h — one table of element kinds (kinds.c), as Lua's lopcodes.h:
** a row per el_kind with its name, one line of meaning, its properties,
** and where its compiling and its behaviour are written.
**
** A property check reads the table (el_is(k, EK_GATEWAY)), never a list of
** kinds. Switches on the kind (rt.c's op_execute) stay switches without a
** default, so the compiler names a kind one forgot. The order of the rows
** is el_kind's (model.h).
*/
#ifndef SDM_KINDS_H
#define SDM_KINDS_H
#include "model.h"

enum {
    EK_EVENT    = 1 << 0,   /* a BPMN event */
    EK_GATEWAY  = 1 << 1,   /* a gateway: routes tokens, does no work */
    EK_ACTIVITY = 1 << 2,   /* an activity: may carry boundary events and a loop marker */
    EK_START    = 1 << 3,   /* a start event: where an instance or a subprocess run begins */
    EK_END      = 1 << 4,   /* an end event: consumes the token that reaches it */
    EK_WAITS    = 1 << 5,   /* a token rests in it until something outside happens */
    EK_SCOPE    = 1 << 6,   /* opens a scope of its own: tokens and variables nest in it */
    EK_INNER    = 1 << 7,   /* runs something inside (a subprocess, a called process) that can raise to it */
    EK_LUA      = 1 << 8,   /* runs Lua: bpmn_error() can raise from it */
    EK_BOUNDARY = 1 << 9,   /* a boundary event: sits on an activity (model_node.attached) */
    EK_OR_JOIN  = 1 << 10,  /* joins by what can still arrive (rt_gate.c, rt_or_joins), not by counting */
};

typedef struct el_info {
    const char *name;       /* what messages call it: model_kind_name */
    unsigned props;         /* EK_* */
    const char *compile;    /* model.c (or the file named): the functions that fill its fields, beyond compile_node */
    const char *run;        /* the function that runs it when a token enters, and its file (rt*.c) */
    const char *meaning;    /* one line */
} el_info;

extern const el_info el_kinds[EL__COUNT];

static inline int el_is(el_kind k, unsigned props) { return (el_kinds[k].props & props) != 0; }
#endif
