/*
** fuzz_lua.c — libFuzzer target: arbitrary text run in the Lua sandbox
** (engine/script.c) as a condition and as a script task, under small
** limits (100,000 instructions, 4 MiB, 200 ms). The sandbox must turn
** everything into a status: any crash, abort, leak, sanitizer report or a
** call that outlives its deadline by far is a bug. Seeds: tests/fuzz/seeds/lua
** and the Lua of the models in models/ and ../shared/corpus (make fuzz).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "script.h"

static scr *s;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!s && !(s = scr_open("scripts", 100000, (size_t)4 << 20, 200))) abort();
    char *code = malloc(size + 1);
    memcpy(code, data, size);
    code[size] = 0;                       /* models hold text: stop at a NUL */
    sdm_err err;
    int truth = 0;
    char *out = NULL;
    scr_vars_load(s, "{\"amount\": 5000, \"client\": \"acme\", \"list\": [1, 2, {\"a\": null}], \"no\": false}", &err);
    scr_set_context(s, "acme", 1, "node", &err);
    double t0 = now_ms();
    scr_eval_bool(s, code, "fuzz.bpmn:cond", &truth, &err);
    scr_eval_string(s, code, "fuzz.bpmn:expr", &out, &err);
    free(out);
    scr_run(s, code, "fuzz.bpmn:script", &err);
    scr_vars_changed(s, NULL, NULL, &err);
    scr_effects(s, NULL, NULL, &err);
    /* Three calls of 200 ms each; sanitizers slow things, so be generous. */
    if (now_ms() - t0 > 5000) { fprintf(stderr, "fuzz_lua: calls took %.0f ms\n", now_ms() - t0); abort(); }
    free(code);
    return 0;
}
