/*
** kinds.c — the table of element kinds (kinds.h): one row per el_kind.
**
** Adding a kind starts here (docs/ARCHITECTURE.md has the checklist). It
** holds data only: it must not hold behaviour nor read XML.
*/
#include "kinds.h"

#define A EK_ACTIVITY
#define E EK_EVENT
#define G EK_GATEWAY

const el_info el_kinds[EL__COUNT] = {
    /* kind               name                            properties            compile               run                      meaning */
    [EL_START]          = {"startEvent",                  E|EK_START,           "classify_event",     "pass",                  "none start event: where the process begins"},
    [EL_END]            = {"endEvent",                    E|EK_END,             "classify_event",     "rt_consume",               "none end event: ends its token"},
    [EL_END_TERMINATE]  = {"terminateEndEvent",           E|EK_END,             "classify_event",     "terminate",             "terminate end event: ends every token of its scope"},
    [EL_THROW_NONE]     = {"intermediateThrowEvent",      E,                    "classify_event",     "pass",                  "intermediate throw without definition: passes"},
    [EL_GW_EXCLUSIVE]   = {"exclusiveGateway",            G,                    "check_defaults",     "pass; op_leave select_flows", "the first outgoing flow that holds"},
    [EL_GW_PARALLEL]    = {"parallelGateway",             G,                    "",                   "rt_parallel_join (rt_gate.c); pass",   "every outgoing flow; joins one token from each incoming"},
    [EL_GW_INCLUSIVE]   = {"inclusiveGateway",            G|EK_OR_JOIN,         "check_defaults",     "rt_or_joins (rt_gate.c); op_leave select_flows", "every flow that holds; joins what can still come"},
    [EL_TASK]           = {"task",                        A,                    "mc_compile_task (model_act.c)", "pass",                  "plain task: no behaviour, passes"},
    [EL_TASK_USER]      = {"userTask",                    A|EK_WAITS,           "mc_compile_task (model_act.c)", "rt_user_task (rt_task.c)",             "waits for a person to complete its task"},
    [EL_TASK_MANUAL]    = {"manualTask",                  A,                    "mc_compile_task (model_act.c)", "pass",                  "done outside any system: passes, recorded"},
    [EL_TASK_SCRIPT]    = {"scriptTask",                  A|EK_LUA,             "mc_compile_task (model_act.c)", "rt_script_task (rt_task.c)",           "runs inline Lua"},
    [EL_TASK_SERVICE]   = {"serviceTask",                 A|EK_LUA,             "mc_compile_task (model_act.c)", "rt_script_task (rt_task.c)",           "runs a Lua function from scripts/ (sdm:handler)"},
    [EL_CATCH_TIMER]    = {"timer intermediateCatchEvent", E|EK_WAITS,          "compile_timer",      "rt_wait_timer; rt_fire (rt_wait.c)",   "waits for its timer job"},
    [EL_BOUNDARY_TIMER] = {"timer boundaryEvent",         E|EK_BOUNDARY,        "compile_timer, attach_boundaries", "rt_plan_waits; rt_fire (rt_wait.c) rt_boundary_fire (rt_catch.c)", "a timer on an activity's boundary"},
    [EL_CALL]           = {"callActivity",                A|EK_WAITS|EK_INNER,  "mc_compile_call (model_act.c)","rt_call_activity; rt_call_returned (rt_scope.c)", "runs another process for the same client (a global task of the document compiles to that task: mc_call_global_task, model_act.c)"},
    [EL_CATCH_EVENT]    = {"intermediateCatchEvent",      E|EK_WAITS,           "triggered_kind",     "rt_wait_event; rt_deliver (rt_wait.c)", "waits for a message or signal (a subscription)"},
    [EL_BOUNDARY_EVENT] = {"boundaryEvent",               E|EK_BOUNDARY,        "triggered_kind, attach_boundaries", "rt_plan_waits; rt_deliver (rt_wait.c), rt_catch rt_boundary_fire (rt_catch.c)", "message, signal, error, escalation, compensation, or cancel (transactions) on an activity's boundary"},
    [EL_RECEIVE]        = {"receiveTask",                 A|EK_WAITS,           "compile_node",       "rt_wait_event; rt_deliver (rt_wait.c)", "waits for a message"},
    [EL_START_MESSAGE]  = {"message startEvent",          E|EK_START,           "triggered_kind",     "pass (correlate.c start_by_event)", "a message starts the process"},
    [EL_START_TIMER]    = {"timer startEvent",            E|EK_START,           "compile_timer",      "pass (tick.c fire_start)", "a timer job starts the process"},
    [EL_THROW_EVENT]    = {"intermediateThrowEvent",      E,                    "triggered_kind",     "rt_throw_event (rt_catch.c)",           "throws a message, signal, escalation or compensation (also sendTask)"},
    [EL_END_THROW]      = {"endEvent",                    E|EK_END,             "triggered_kind",     "rt_throw_event (rt_catch.c)",           "end event that throws (message, signal, error, escalation, compensation; cancel: cancel_transaction)"},
    [EL_START_SIGNAL]   = {"signal startEvent",           E|EK_START,           "triggered_kind",     "pass (correlate.c start_by_event)", "a signal starts the process or event subprocess"},
    [EL_START_CATCH]    = {"startEvent",                  E|EK_START,           "triggered_kind",     "pass (rt_catch, rt_catch.c)",       "error or escalation start of an event subprocess"},
    [EL_SUBPROCESS]     = {"subProcess",                  A|EK_WAITS|EK_SCOPE|EK_INNER, "wire_scopes, mc_compile_adhoc (model_act.c), wire_adhoc", "rt_subprocess (rt_scope.c), rt_adhoc_completed", "embedded subprocess, event subprocess (triggeredByEvent), transaction, ad-hoc subprocess"},
    [EL_GW_EVENT]       = {"eventBasedGateway",           G|EK_WAITS,           "",                   "rt_event_gateway (rt_wait.c)",         "the first of its following events to happen wins"},
    [EL_GW_COMPLEX]     = {"complexGateway",              G|EK_OR_JOIN,         "compile_node",       "rt_or_joins complex_join (rt_gate.c); op_leave select_flows", "splits like inclusive; joins when activationCondition holds"},
    [EL_LINK_THROW]     = {"link intermediateThrowEvent", E,                    "check_graph",        "op_execute (goes to its link)", "goes on at the link catch of the same name"},
    [EL_LINK_CATCH]     = {"link intermediateCatchEvent", E,                    "check_graph",        "pass",                  "where a link arrives"},
    [EL_START_CONDITIONAL] = {"conditional startEvent",   E|EK_START,           "triggered_kind",     "pass (rt_conditions, rt_wait.c)",    "an event subprocess starts when its condition becomes true"},
    [EL_UNSUPPORTED]    = {"unsupported element",         0,                    "node_kind",          "(deploy refuses it)",   "known to BPMN, not executable here"},
};
