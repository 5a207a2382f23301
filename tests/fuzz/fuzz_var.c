/*
** fuzz_var.c — libFuzzer target for the `--var NAME=VALUE` decoder
** (engine/cli/var.c): never crashes, and what it accepts is a valid UTF-8
** name with a value that serialises back to JSON.
**   clang -g -O1 -fsanitize=fuzzer,address,undefined $(pkg-config --cflags jansson) \
**     tests/fuzz/fuzz_var.c $(pkg-config --libs jansson) -o build/fuzz/fuzz_var
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../engine/cli/var.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *kv = malloc(size + 1), *name, msg[256];
    json_t *v;
    memcpy(kv, data, size);
    kv[size] = 0;
    if (cli_var_parse(kv, &name, &v, msg, sizeof msg) == 0) {
        if (!*name || check_text(name, strlen(name), 1) != 0) abort();
        char *text = json_dumps(v, JSON_ENCODE_ANY);
        if (!text) abort();
        free(text);
        free(name);
        json_decref(v);
    } else if (!msg[0]) {
        abort();                       /* a refusal always says why */
    }
    free(kv);
    return 0;
}
