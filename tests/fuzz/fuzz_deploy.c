/*
** fuzz_deploy.c — libFuzzer target: arbitrary bytes through the whole
** deploy path (XML parse, BPMN compile, Lua syntax and ISO 8601 checks)
** into an in-memory store. Any crash, leak or sanitizer report is a bug.
** Run with `make fuzz` (FUZZ_SECONDS, default 60).
*/
#include <stdint.h>
#include <stdlib.h>
#include "sdm.h"

static sdm *db;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!db) {
        sdm_err err;
        sdm_config cfg = {.lua_instructions = 100000, .max_model_bytes = 1 << 20};
        if (sdm_open(&db, ":memory:", &cfg, &err) != SDM_OK) abort();
    }
    sdm_table *t = NULL;
    sdm_err err;
    sdm_deploy_xml(db, "fuzz.bpmn", (const char *)data, size, &t, &err);
    sdm_table_free(t);
    return 0;
}
