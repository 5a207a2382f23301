/*
** model.h — a compiled, validated, immutable BPMN process graph.
**
** model.c turns an xml_doc into this once per deployed resource; the
** runtime reads only this, never XML. All strings live in the model's
** arena and die with it.
*/
#ifndef SDM_MODEL_H
#define SDM_MODEL_H
#include "sdm.h"
#include "arena.h"
#include "xml.h"

#define BPMN_NS     "http://www.omg.org/spec/BPMN/20100524/MODEL"
#define SDM_NS      "urn:sdm:bpmn:1"

/* What a node does. Grouped by family; the runtime switches on this and
** panics on anything it does not know. Each kind has its row in the table
** of kinds (kinds.c): name, properties, where it compiles and runs. */
typedef enum el_kind {
    EL_START,           /* none start event */
    EL_END,             /* none end event */
    EL_END_TERMINATE,   /* terminate end event: ends every token */
    EL_THROW_NONE,      /* intermediate throw event without definition: passes */
    EL_GW_EXCLUSIVE,
    EL_GW_PARALLEL,
    EL_GW_INCLUSIVE,    /* split: every flow that holds; join: waits for what can still come */
    EL_TASK,            /* plain task: no behaviour, passes */
    EL_TASK_USER,       /* waits for a person */
    EL_TASK_MANUAL,     /* done outside any system: passes, recorded */
    EL_TASK_SCRIPT,     /* inline Lua */
    EL_TASK_SERVICE,    /* Lua function from scripts/ (sdm:handler) */
    EL_CATCH_TIMER,     /* intermediate timer catch event: waits for a job */
    EL_BOUNDARY_TIMER,  /* timer on an activity's boundary */
    EL_CALL,            /* call activity: runs another process for the same client */
    EL_CATCH_EVENT,     /* intermediate message or signal catch: waits for a subscription */
    EL_BOUNDARY_EVENT,  /* message, signal, error, escalation or compensation on an activity's boundary */
    EL_RECEIVE,         /* receive task: waits for a message */
    EL_START_MESSAGE,   /* message start event: `sdm message` starts the process */
    EL_START_TIMER,     /* timer start event: `sdm tick` starts the process */
    EL_THROW_EVENT,     /* intermediate throw: message, signal, escalation, compensation */
    EL_END_THROW,       /* end event that throws (message, signal, error, escalation, compensation) */
    EL_START_SIGNAL,    /* signal start event: a signal starts the process or event subprocess */
    EL_START_CATCH,     /* error or escalation start event of an event subprocess */
    EL_SUBPROCESS,      /* embedded subprocess, event subprocess (triggered), transaction, ad-hoc subprocess */
    EL_GW_EVENT,        /* event-based gateway: the first of its events to happen wins */
    EL_GW_COMPLEX,      /* complex gateway: split like inclusive; join fires when activationCondition holds */
    EL_LINK_THROW,      /* link intermediate throw: goes on at the catch of the same name */
    EL_LINK_CATCH,      /* link intermediate catch: where a link arrives */
    EL_START_CONDITIONAL, /* conditional start event of an event subprocess: starts when its condition becomes true */
    EL_UNSUPPORTED,     /* known to BPMN, not executable here: deploy refuses it */
    EL__COUNT
} el_kind;

/* What an event (or receive/send task) waits for or throws. The letters
** are kept as values only so a debugger shows them; compare by name. */
typedef enum el_trigger {
    TR_NONE = 0,
    TR_MESSAGE = 'm', TR_SIGNAL = 's', TR_ESCALATION = 'e', TR_ERROR = 'x',
    TR_COMPENSATE = 'c', TR_LINK = 'l',
    TR_CONDITIONAL = 'k',    /* a Lua condition over the instance's variables (model_node.cond) */
    TR_CANCEL = 'n',         /* cancel end event and cancel boundary event of a transaction */
    TR_TIMER = 't',          /* never in model_node.trigger (timers have their kinds): for switches over both */
} el_trigger;

/* Which form a timer's text has. */
typedef enum el_timer { TIMER_NONE = 0, TIMER_DURATION = 'd', TIMER_DATE = 't', TIMER_CYCLE = 'c' } el_timer;

/* The kind of a loop marker. */
typedef enum el_loop { LOOP_PARALLEL = 'p', LOOP_SEQUENTIAL = 's', LOOP_STANDARD = 'l' } el_loop;

/* A multi-instance activity's behavior: which events it throws as its
** instances complete (BPMN 2.0, 10.2.8). All throws none. */
typedef enum el_mi_behavior { MI_ALL = 0, MI_NONE, MI_ONE, MI_COMPLEX } el_mi_behavior;

/* An event a multi-instance activity throws to its own boundary events:
** for None each instance completing, for One the first, for Complex when
** `cond` holds (which also ends the remaining instances). */
typedef struct model_mi_event {
    const char *cond;        /* Complex: Lua condition, seen in the completed instance's scope */
    el_trigger trigger;      /* TR_SIGNAL or TR_MESSAGE; TR_NONE: nothing to throw */
    const char *name;        /* the signal's or message's name */
    int line;
} model_mi_event;

enum { CP_ENTER = 1, CP_LEAVE = 2, CP_DUE = 4 };

typedef struct model_checkpoint {
    const char *id, *severity;
    const char *file;        /* script file under scripts/, or NULL */
    const char *code;        /* inline rule, or NULL */
    int on;                  /* CP_* mask */
    int line;
} model_checkpoint;

/* A loop marker on an activity: multi-instance (parallel or sequential)
** or a standard loop. The activity's body then runs once per instance,
** each in a scope of its own holding loopCounter (and the element). */
typedef struct model_loop {
    el_loop kind;            /* parallel or sequential multi-instance, or a standard loop */
    const char *count;       /* loopCardinality: Lua expression giving a number */
    const char *items;       /* collection: Lua expression giving a list */
    const char *elem;        /* element variable, or NULL */
    const char *until;       /* completionCondition (multi-instance) */
    const char *cond;        /* loopCondition (standard loop): go on while it holds */
    int test_before;         /* standard loop: evaluate cond before the first run */
    int max;                 /* standard loop: loopMaximum, 0 when none */
    const char *out_coll;    /* loopDataOutputRef: variable given the list of every instance's output */
    const char *out_item;    /* outputDataItem: each instance's output, collected in instance order */
    el_mi_behavior behavior;
    model_mi_event *ev;      /* None/One: one; Complex: one per complexBehaviorDefinition */
    int nev;
    int line;
} model_loop;

/* A field a user task asks for (docs/EXTENSIONS.md, "Forms"): from
** <sdm:field> or Camunda's <camunda:formField>. form.c checks completions
** against it; the web pages render it. */
typedef struct model_field {
    const char *name, *label;
    const char *type;        /* string, text, long, double, money, boolean, date, enum */
    const char *dflt;        /* default value as text, or NULL */
    const char **choices;    /* enum: ids, and their labels (label may equal id) */
    const char **choice_labels;
    int nchoice;
    int required;
    int has_min, has_max;    /* numbers: the value; strings: the length */
    double min, max;
    int line;
} model_field;

/* A further event definition of an event with several (model_node.alt):
** only messages and signals combine. */
typedef struct model_trig {
    el_trigger trigger;
    const char *event_name;  /* the message's or signal's name (model_node.event_name) */
} model_trig;

/* A variable a call activity passes: `from` in the giver, `to` in the taker. */
typedef struct model_map { const char *from, *to; } model_map;

typedef struct model_node {
    const char *id, *name;
    const char *tag;         /* the BPMN element name, for messages */
    const char *doc;         /* documentation: the contact script; "" if none */
    const char *role;        /* role of the innermost lane holding it, or NULL */
    el_kind kind;
    int line;
    int *in, nin;            /* incoming flow indexes, document order */
    int *out, nout;          /* outgoing flow indexes, document order */
    int dflt;                /* default flow index, -1 if none */
    const char *script;      /* script task body */
    const char *script_format; /* script task: scriptFormat as written, NULL when absent (Lua) */
    const char *handler;     /* service task: module.function */
    const char *assignee, *assignee_expr, *assign;
    const char *due, *due_working, *due_expr;
    const char *stage, *outcome;
    const char *card;              /* sdm:card: variables a step writes to the client card (card.c) */
    const char *accountable, *consulted, *informed;  /* sdm: role lists (comma-separated) for the role matrix */
    el_timer timer_type;     /* timeDuration, timeDate, timeCycle; TIMER_NONE */
    const char *timer;       /* ISO 8601 text, or "=lua expression" */
    int timer_working;       /* sdm:working="true": duration counts working time */
    int attached;            /* boundary event: the activity's index, else -1 */
    int interrupting;        /* boundary event: cancelActivity (default true) */
    int *bnd, nbnd;          /* activity: its boundary events */
    const char *called;      /* call activity: calledElement (a process id) */
    int called_version;      /* call activity: a pinned version, 0 for the latest */
    model_map *vin, *vout;   /* call activity: variables passed in and back; all when n < 0 */
    int nvin, nvout;
    const char *corr;        /* message catch: sdm:correlationKey, a variable the message must match */
    el_trigger trigger;      /* what it waits for or throws; TR_NONE for none and timer events */
    /* What the event definition names, by trigger (NULL where it names nothing): */
    const char *event_name;  /* TR_MESSAGE, TR_SIGNAL: the message's or signal's name, by which it
                                correlates ("" when the reference is broken); TR_ERROR, TR_ESCALATION:
                                the error's or escalation's name, for people ("error"/"escalation"
                                when none is referenced); the code it is caught by is `code` */
    const char *code;        /* error or escalation: the code it throws or catches (NULL: catches any) */
    const char *link_name;   /* TR_LINK: the link's name; a throw goes on at the catch of that name (`link`) */
    const char *comp_activity; /* TR_COMPENSATE: activityRef, the activity it compensates; NULL: every one */
    const char *cond;        /* conditional event: its Lua condition */
    const model_trig *alt;   /* event definitions after the first (trigger, event_name); catch: any one triggers, throw: all */
    int nalt;
    int all_of;              /* intermediate catch with parallelMultiple="true": every definition must trigger */
    int instantiate;         /* receive task with instantiate="true": its message starts the process there */
    int parent;              /* the subprocess holding the node, -1 at process level */
    int start;               /* subprocess: its start event (none start, or the trigger of an event subprocess) */
    int triggered;           /* subprocess: an event subprocess (triggeredByEvent) */
    int transaction;         /* subprocess: a transaction (a cancel end inside cancels it, compensating) */
    el_loop adhoc;           /* ad-hoc subprocess: LOOP_PARALLEL or LOOP_SEQUENTIAL ordering; 0 otherwise */
    const char *adhoc_until; /* ad-hoc: completionCondition (Lua), checked as each inner activity completes */
    int adhoc_cancel;        /* ad-hoc: cancelRemainingInstances (default true) */
    int *enabled, nenabled;  /* ad-hoc: the inner activities it runs (those without incoming flows), document order */
    int *evsubs, nevsub;     /* subprocess: the event subprocesses inside it */
    const char **locals;     /* subprocess: dataObjects, variables local to each run */
    int nlocal;
    int comp;                /* compensation boundary: the handler activity; subprocess: its compensation
                                event subprocess; else -1 */
    int link;                /* link throw: the link catch it goes on at */
    int compensable;         /* activity: has a compensation boundary event */
    const model_loop *loop;  /* loop or multi-instance marker, or NULL */
    int start_qty;           /* startQuantity: tokens that must arrive before it starts (1) */
    int done_qty;            /* completionQuantity: tokens it puts on each outgoing flow (1) */
    const char *activation;  /* complex gateway: activationCondition (Lua; sees activationCount) */
    const char *client;      /* timer start event: sdm:client, the client key to start for */
    model_checkpoint *cps;
    int ncp;
    model_field *fields;     /* user task: its form, in document order */
    int nfield;
} model_node;

typedef struct model_flow {
    const char *id, *name;
    const char *cond;        /* Lua expression, NULL when unconditional */
    int src, dst;            /* node indexes */
    int line;
} model_flow;

typedef struct model_proc {
    const char *id, *name;
    int line;
    int executable;          /* isExecutable: 1 true, 0 false, -1 absent */
    model_node *nodes;  int nnode;
    model_flow *flows;  int nflow;
    int *starts;        int nstart;   /* none start events at process level */
    int *evsubs;        int nevsub;   /* event subprocesses at process level */
    int *by_id;                        /* node indexes sorted by id */
    int n_or_join;                     /* inclusive and complex gateways with several incoming flows */
    int nested;                        /* has subprocesses or loop markers: tokens nest in scopes */
    int nconditional;                  /* conditional events: variables changing are watched */
} model_proc;

/* A step's path through one instance of a process: the nodes it entered
** and left, each (node, left) once, in the order first met; node is the
** index in the process's nodes. The runtime fills it (rt_history); what
** runs after the step (the funnel, the client card) reads it instead of
** reading the step's history back. */
typedef struct model_path {
    struct model_pass { int node, left; } *v;
    int n, cap;
} model_path;

typedef struct model_diag {
    int error;               /* 1 error, 0 warning */
    int proc;                /* index into procs, -1 for the whole document */
    int line;
    const char *element;     /* id or NULL */
    const char *msg;
} model_diag;

typedef struct model {
    arena *mem;
    const char *file;
    model_proc *procs;  int nproc;
    model_diag *diags;  int ndiag, nerr;
} model;

/* Compile a parsed document. Always returns a model (for its diagnostics);
** it is usable only when nerr == 0. */
model *model_compile(const xml_doc *doc, const char *file);
/* The same for a document deployed before, so checked then: without the
** document-wide rules (duplicate ids, the BPMN spec's constraints). */
model *model_load(const xml_doc *doc, const char *file);
void   model_free(model *m);

const model_proc *model_proc_find(const model *m, const char *id);
int model_node_find(const model_proc *p, const char *id);   /* index or -1 */
/* Whether node n waits for (or throws) message or signal `name` by one of its definitions. */
int model_listens(const model_node *n, el_trigger tr, const char *name);
/* Whether a token at `from` can still arrive at `to` along sequence flows
** (and boundary events), without passing through `to` first. Both lie in
** the same scope (flows never cross a subprocess's border). */
int model_can_reach(const model_proc *p, int from, int to);
const char *model_kind_name(el_kind k);
/* Whether node n is inside subprocess `scope` (at any depth); -1 is the process. */
int model_within(const model_proc *p, int n, int scope);
/* Whether every flow into node n comes from an event-based gateway: the
** gateway arms n, so a timer cycle of n fires once (its first firing wins). */
int model_gated(const model_proc *p, const model_node *n);
#endif
