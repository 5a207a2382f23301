/*
** print.c — table, JSON and CSV output of query results. Knows column
** types (sdm.h), nothing about what the rows mean. Times people read
** (tables, CSV) are in the business zone (sdm_format_time); JSON keeps
** ISO 8601 with the offset.
*/
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "print.h"

/* The command line prints for one handle (its own, print_setup); the
** server passes each request's handle to print_json_value. */
static struct { sdm *h; int bom; char sep; } P = {NULL, 0, ','};

void print_setup(sdm *h, int csv_bom, char csv_sep) {
    P.h = h;
    P.bom = csv_bom;
    P.sep = csv_sep;
}

/* A 't' cell: "2026-12-02 10:00", or with iso "2026-12-02T10:00:00+03:00". */
static void format_time(sdm *h, const char *v, int iso, char *buf, size_t n) {
    int64_t ms = strtoll(v, NULL, 10);
    if (!h || sdm_format_time(h, ms, iso, buf, n) != 0) snprintf(buf, n, "%lld", (long long)ms);
}

void format_cell(char type, const char *v, char *buf, size_t n) {
    if (!v) { snprintf(buf, n, "-"); return; }
    if (type == 't') { format_time(P.h, v, 0, buf, n); return; }
    snprintf(buf, n, "%s", v);
    for (char *p = buf; *p; p++) if (*p == '\n' || *p == '\t') *p = ' ';
}

/* Display width in characters, counting UTF-8 sequences as one. */
static int width(const char *s) {
    int w = 0;
    for (; *s; s++) if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

#define MAXW 60

void print_table(FILE *out, const sdm_table *t) {
    int *w = calloc((size_t)t->ncol, sizeof *w);
    char buf[4096];
    for (int c = 0; c < t->ncol; c++) w[c] = width(t->cols[c]);
    for (int r = 0; r < t->nrow; r++)
        for (int c = 0; c < t->ncol; c++) {
            format_cell(t->types[c], t->cells[r * t->ncol + c], buf, sizeof buf);
            int x = width(buf);
            if (x > w[c]) w[c] = x > MAXW ? MAXW : x;
        }
    for (int c = 0; c < t->ncol; c++)
        fprintf(out, "%-*s%s", c == t->ncol - 1 ? 0 : w[c], t->cols[c], c == t->ncol - 1 ? "\n" : "  ");
    for (int r = 0; r < t->nrow; r++)
        for (int c = 0; c < t->ncol; c++) {
            format_cell(t->types[c], t->cells[r * t->ncol + c], buf, sizeof buf);
            if (width(buf) > MAXW) {          /* cut on a character boundary */
                int k = 0, chars = 0;
                while (buf[k] && chars < MAXW - 1) { k++; while (((unsigned char)buf[k] & 0xC0) == 0x80) k++; chars++; }
                strcpy(buf + k, "…");
            }
            int pad = w[c] - width(buf);
            fprintf(out, "%s%*s%s", buf, c == t->ncol - 1 ? 0 : pad, "", c == t->ncol - 1 ? "\n" : "  ");
        }
    free(w);
}

static json_t *cell_json(sdm *h, char type, const char *v) {
    if (!v) return json_null();
    switch (type) {
    case 'i': return json_integer(strtoll(v, NULL, 10));
    case 'r': return json_real(strtod(v, NULL));
    case 'b': return json_boolean(strcmp(v, "0") != 0);
    case 't': {
        char buf[64];
        format_time(h, v, 1, buf, sizeof buf);
        return json_string(buf);
    }
    case 'j': {
        json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);
        return j ? j : json_string(v);
    }
    default: return json_string(v);
    }
}

json_t *print_json_value(sdm *h, const sdm_table *t) {
    json_t *a = json_array();
    for (int r = 0; t && r < t->nrow; r++) {
        json_t *o = json_object();
        for (int c = 0; c < t->ncol; c++)
            json_object_set_new(o, t->cols[c], cell_json(h, t->types[c], t->cells[r * t->ncol + c]));
        json_array_append_new(a, o);
    }
    return a;
}

void print_json(FILE *out, const sdm_table *t) {
    json_t *a = print_json_value(P.h, t);
    json_dumpf(a, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(a);
}

void print_record(FILE *out, const sdm_table *t) {
    char buf[4096];
    int w = 0;
    for (int c = 0; c < t->ncol; c++) if (width(t->cols[c]) > w) w = width(t->cols[c]);
    for (int c = 0; t->nrow && c < t->ncol; c++) {
        format_cell(t->types[c], t->cells[c], buf, sizeof buf);
        fprintf(out, "%-*s  %s\n", w, t->cols[c], buf);
    }
}

/* RFC 4180: quoted when it holds the separator, a quote or a line break. */
static void csv_field(FILE *out, const char *v) {
    if (!v) return;
    const char special[] = {P.sep, '"', '\n', '\r', 0};
    if (!strpbrk(v, special)) { fputs(v, out); return; }
    fputc('"', out);
    for (; *v; v++) { if (*v == '"') fputc('"', out); fputc(*v, out); }
    fputc('"', out);
}

void print_csv(FILE *out, const sdm_table *t) {
    if (P.bom) fputs("\xEF\xBB\xBF", out);
    for (int c = 0; c < t->ncol; c++) { if (c) fputc(P.sep, out); csv_field(out, t->cols[c]); }
    fputs("\r\n", out);
    char buf[64];
    for (int r = 0; r < t->nrow; r++) {
        for (int c = 0; c < t->ncol; c++) {
            const char *v = t->cells[r * t->ncol + c];
            if (c) fputc(P.sep, out);
            if (v && t->types[c] == 't') { format_time(P.h, v, 0, buf, sizeof buf); v = buf; }
            csv_field(out, v);
        }
        fputs("\r\n", out);
    }
}
