/*
** test_detail.c — detail.c writes JSON byte for byte as jansson does: a
** string (detail_json_string, which history's `more` column is made of),
** an integer (detail_json_int) and a detail from a pack format
** (detail_vpack, whose test build also checks each text against jansson).
** The string writer has a fast path (measure once, copy once) and a slow
** one (escapes in place); the cases go through both, at every length
** around the buffer's growth, appended after text already there.
*/
#include <limits.h>
#include <jansson.h>
#include "detail.h"
#include "t.h"

/* jansson's text for s as a JSON string ("null" for NULL); the caller frees. */
static char *jansson_string(const char *s) {
    json_t *j = s ? json_string(s) : json_null();
    if (!j) return NULL;
    char *out = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(j);
    return out;
}

/* detail_json_string's text for s, appended after `before` in a buffer
** that starts with `cap` bytes of room; returns only what s added. */
static char *ours(const char *s, const char *before, size_t cap) {
    sbuf b = {0};
    if (cap) sbuf_room(&b, cap);
    sbuf_puts(&b, before);
    detail_json_string(&b, s);
    size_t k = strlen(before);
    int whole = b.len == strlen(b.s) && strncmp(b.s, before, k) == 0;
    char *out = whole ? strdup(b.s + k) : strdup("(sbuf broken)");
    free(b.s);
    return out;
}

/* 1 when detail_json_string writes s as jansson does, for each of a few
** buffer states; prints the first difference. */
static int same_string(const char *s) {
    static const size_t caps[] = {0, 1, 7, 64};
    char *want = jansson_string(s);
    int ok = want != NULL;
    for (size_t i = 0; ok && i < sizeof caps / sizeof caps[0]; i++) {
        char *got = ours(s, i % 2 ? "[1," : "", caps[i]);
        if (strcmp(got, want) != 0) {
            ok = 0;
            fprintf(stderr, "  string %.60s...: got %.80s, want %.80s\n", s ? s : "(null)", got, want);
        }
        free(got);
    }
    free(want);
    return ok;
}

static char *pack(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *out = detail_vpack(fmt, ap);
    va_end(ap);
    return out;
}

static char *jansson_pack(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    json_t *j = json_vpack_ex(NULL, 0, fmt, ap);
    va_end(ap);
    char *out = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return out;
}

/* A random string of valid UTF-8 (jansson refuses the rest) that leans on
** the bytes that need escaping. */
static void random_string(char *s, size_t max, unsigned *seed) {
    static const char *const pieces[] = {"\"", "\\", "/", "\n", "\t", "\b", "\f", "\r", "\x01", "\x1f",
                                         "\x7f", "a", "Z", "0", " ", "{\"k\":", "}", "ж", "€", "😀"};
    size_t n = 0, want = (size_t)rand_r(seed) % max;
    while (n < want) {
        const char *p = rand_r(seed) % 3 ? pieces[(size_t)rand_r(seed) % (sizeof pieces / sizeof pieces[0])]
                                         : (const char[]){(char)(0x20 + rand_r(seed) % 0x5f), 0};
        size_t k = strlen(p);
        if (n + k >= max) break;
        memcpy(s + n, p, k);
        n += k;
    }
    s[n] = 0;
}

int main(void) {
    T_CASE("1.1 strings with nothing to escape, with every escape, and NULL, as jansson writes them");
    CHECK(same_string(NULL));
    CHECK(same_string(""));
    CHECK(same_string("task-completed"));
    CHECK(same_string("a/b ~ \x7f"));                    /* '/' and DEL stay as they are */
    CHECK(same_string("\"\\"));
    CHECK(same_string("{\"task\":2,\"flow\":\"f \\\"1\\\"\"}"));
    char ctl[2] = {0};
    int each = 1;
    for (int c = 1; c < 0x20; c++) {
        ctl[0] = (char)c;
        each &= same_string(ctl);
    }
    CHECK(each);                                        /* short forms and \u00XX, upper-case hex */
    char all[128];
    for (int c = 1; c < 128; c++) all[c - 1] = (char)c;
    all[127] = 0;
    CHECK(same_string(all));
    CHECK(same_string("строка\nтаб\t € 😀"));          /* UTF-8 as it is */
    char *raw = ours("\xff\xfe", "", 0);
    CHECK_EQ_STR(raw, "\"\xff\xfe\"");                  /* bytes jansson refuses: copied as they are */
    free(raw);

    T_CASE("1.2 long strings, and every length around the buffer's growth");
    size_t big = 200000;
    char *s = malloc(big + 1);
    for (size_t i = 0; i < big; i++) s[i] = (char)('a' + i % 26);
    s[big] = 0;
    CHECK(same_string(s));
    for (size_t i = 0; i < big; i += 997) s[i] = "\"\\\n\x01"[i % 4];
    CHECK(same_string(s));
    for (size_t i = 0; i < big; i++) s[i] = '\x02';  /* six bytes out for each byte in */
    CHECK(same_string(s));
    int lengths = 1;
    for (size_t n = 0; n < 140; n++) {
        for (size_t i = 0; i < n; i++) s[i] = n % 3 ? 'x' : '"';
        s[n] = 0;
        lengths &= same_string(s);
    }
    CHECK(lengths);
    free(s);

    T_CASE("1.3 random strings of escapes, ASCII and UTF-8");
    unsigned seed = 17;
    char r[300];
    int random_ok = 1;
    for (int i = 0; i < 5000 && random_ok; i++) {
        random_string(r, sizeof r, &seed);
        random_ok = same_string(r);
    }
    CHECK(random_ok);

    T_CASE("2.1 integers as %lld writes them");
    static const long long ints[] = {0, 1, -1, 9, 10, -10, 99, 100, 123456789, -987654321,
                                     1000000000000LL, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1};
    int ints_ok = 1;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        char want[32];
        snprintf(want, sizeof want, "x%lld", ints[i]);
        sbuf b = {0};
        sbuf_add(&b, "x", 1);
        detail_json_int(&b, ints[i]);
        if (strcmp(b.s, want) || b.len != strlen(want)) {
            ints_ok = 0;
            fprintf(stderr, "  int %lld: got %s\n", ints[i], b.s);
        }
        free(b.s);
    }
    CHECK(ints_ok);

    T_CASE("3.1 details from pack formats: direct, or through jansson for what is not plain ASCII");
    struct { char *got, *want; } d[] = {
        {pack("{s:I}", "task", (json_int_t)2), jansson_pack("{s:I}", "task", (json_int_t)2)},
        {pack("{s:s?, s:s?, s:I}", "role", NULL, "assignee", "ann \"a\"\n", "task", (json_int_t)-5),
         jansson_pack("{s:s?, s:s?, s:I}", "role", NULL, "assignee", "ann \"a\"\n", "task", (json_int_t)-5)},
        {pack("{s:b, s:i}", "run", 1, "n", INT_MIN), jansson_pack("{s:b, s:i}", "run", 1, "n", INT_MIN)},
        {pack("{s:b}", "run", 0), jansson_pack("{s:b}", "run", 0)},
        {pack("{s:s}", "name", "Сделка"), jansson_pack("{s:s}", "name", "Сделка")},
        {pack("{s:s}", "ключ", "v"), jansson_pack("{s:s}", "ключ", "v")},
        {pack("{s:s, s:s, s:s}", "b", "\x01", "a", "/", "c", ""), jansson_pack("{s:s, s:s, s:s}", "b", "\x01", "a", "/", "c", "")},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        CHECK_EQ_STR(d[i].got, d[i].want);
        free(d[i].got);
        free(d[i].want);
    }
    CHECK(pack("{s:s}", "name", "\xff") == NULL);       /* jansson refuses invalid UTF-8; so do we */
    return t_done();
}
