/*
** print.h — rendering sdm_table results for people (aligned tables, CSV)
** and for programs (JSON). Used by the command line, and for JSON by the
** server (each request with its own handle).
*/
#ifndef SDM_PRINT_H
#define SDM_PRINT_H
#include <stdio.h>
#include <jansson.h>
#include "sdm.h"

void print_table(FILE *out, const sdm_table *t);
void print_json(FILE *out, const sdm_table *t);        /* an array of objects */
/* The same array, for the server: times in the zone of `h`, the handle
** the request runs on (NULL: as milliseconds). */
json_t *print_json_value(sdm *h, const sdm_table *t);
void print_record(FILE *out, const sdm_table *t);      /* first row as "key: value" lines */
void print_csv(FILE *out, const sdm_table *t);         /* RFC 4180, CRLF, times as people read them */
/* The handle whose time zone times are shown in; CSV's byte order mark and separator. */
void print_setup(sdm *h, int csv_bom, char csv_sep);
/* Human form of a cell: times as "YYYY-MM-DD HH:MM" in the business zone, JSON as is. */
void format_cell(char type, const char *v, char *buf, size_t n);
#endif
