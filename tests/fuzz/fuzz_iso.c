/*
** fuzz_iso.c — libFuzzer target: arbitrary text through the ISO 8601
** parsers of engine/clock.c (durations, date-times, repeating cycles) and,
** for every cycle that parses, its first firings. Any crash, hang or
** sanitizer report (overflow included: UBSan is on) is a bug. Seeds:
** tests/fuzz/seeds/iso and the timer texts of models/ and ../shared/corpus.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char text[4097], msg[256];
    memcpy(text, data, size);
    text[size] = 0;
    clk_duration d;
    int64_t ms, next;
    clk_cycle c;
    static const char *const zones[] = {NULL, "Europe/Moscow", "America/New_York"};
    clk_parse_duration(text, &d, msg, sizeof msg);
    for (int z = 0; z < 3; z++) {
        clk_parse_datetime(text, zones[z], &ms, msg, sizeof msg);
        if (clk_parse_cycle(text, zones[z], &c, msg, sizeof msg) == 0)
            for (int k = 0; k < 4; k++)
                if (clk_cycle_next(&c, 1767225600000LL, k, &next)) break;
    }
    return 0;
}
