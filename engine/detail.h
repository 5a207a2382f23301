/*
** detail.h — a history row's detail as compact JSON with sorted keys from a
** jansson pack format (detail.c): the same text as json_pack + json_dumps.
*/
#ifndef SDM_DETAIL_H
#define SDM_DETAIL_H
#include <stdarg.h>
/* malloc'd JSON text; NULL when jansson would refuse the arguments. */
char *detail_vpack(const char *fmt, va_list ap);
#endif
