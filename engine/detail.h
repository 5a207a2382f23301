/*
** detail.h — a history row's detail as compact JSON with sorted keys from a
** jansson pack format (detail.c): the same text as json_pack + json_dumps.
*/
#ifndef SDM_DETAIL_H
#define SDM_DETAIL_H
#include <stdarg.h>
#include "err.h"
/* malloc'd JSON text; NULL when jansson would refuse the arguments. */
char *detail_vpack(const char *fmt, va_list ap);
/* s as a JSON string, escaped as jansson does (the short forms, \uXXXX for
** the other control characters, '/' and UTF-8 as they are); NULL as null. */
void detail_json_string(sbuf *b, const char *s);
/* v in decimal, as "%lld" writes it. */
void detail_json_int(sbuf *b, long long v);
#endif
