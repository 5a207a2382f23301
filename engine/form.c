/*
** form.c — the engine's check of a user task's form (form.h): what the
** step asks for (model_field, compiled by model.c) against what a
** completion submits, so bad input is an error on the field, never an
** incident after the commit. Must not touch the store: sdm.c hands it the
** instance's variables and merges what it returns.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <jansson.h>
#include "form.h"
#include "err.h"

static int bad(sdm_err *err, const model_field *f, const char *fmt, const char *value) {
    char what[160];
    snprintf(what, sizeof what, fmt, value);
    return err_set(err, SDM_ERR_MISUSE, NULL, f->line, f->name, "field '%s' (%s): %s", f->name, f->label, what);
}

/* Whole-text number: an integer when `whole`; NULL when it is not one. */
static json_t *number_of(const char *s, int whole) {
    while (isspace((unsigned char)*s)) s++;
    if (!*s) return NULL;
    char *end;
    errno = 0;
    json_t *v;
    if (whole) { long long n = strtoll(s, &end, 10); v = json_integer(n); }
    else { double d = strtod(s, &end); v = isfinite(d) ? json_real(d) : NULL; }
    while (isspace((unsigned char)*end)) end++;
    if (*end || errno || !v) { json_decref(v); return NULL; }
    return v;
}

static int is_date(const char *s) {
    int y, m, d, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10) return 0;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] && (s[10] == 0 || s[10] == 'T');
}

static size_t utf8_len(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* One submitted value, checked and normalised into *out (a new reference). */
static int check_value(const model_field *f, json_t *v, json_t **out, sdm_err *err) {
    const char *t = f->type, *s = json_string_value(v);
    char shown[96];
    snprintf(shown, sizeof shown, "%s", s ? s : json_is_true(v) ? "true" : json_is_false(v) ? "false" : "a number");
    *out = NULL;
    if (strcmp(t, "long") == 0 || strcmp(t, "double") == 0 || strcmp(t, "money") == 0) {
        int whole = strcmp(t, "long") == 0;
        double d = json_is_number(v) ? json_number_value(v) : 0;
        if (s) *out = number_of(s, whole);
        else if (json_is_integer(v) || (json_is_real(v) && (!whole || d == floor(d))))
            *out = whole ? json_integer((json_int_t)d) : json_incref(v);
        if (!*out) return bad(err, f, whole ? "'%s' is not a whole number" : "'%s' is not a number", shown);
        d = json_number_value(*out);
        if ((f->has_min && d < f->min) || (f->has_max && d > f->max)) {
            char range[96];
            snprintf(range, sizeof range, "%%s is outside %g..%g", f->has_min ? f->min : -INFINITY,
                     f->has_max ? f->max : INFINITY);
            snprintf(shown, sizeof shown, "%g", d);
            json_decref(*out);
            return bad(err, f, range, shown);
        }
        return SDM_OK;
    }
    if (strcmp(t, "boolean") == 0) {
        if (json_is_boolean(v)) *out = json_incref(v);
        else if (s && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)) *out = json_boolean(s[0] == 't');
        return *out ? SDM_OK : bad(err, f, "'%s' is not true or false", shown);
    }
    if (!s) return bad(err, f, "%s where text is expected", shown);
    if (strcmp(t, "date") == 0 && !is_date(s)) return bad(err, f, "'%s' is not a date (YYYY-MM-DD)", s);
    if (strcmp(t, "enum") == 0) {
        int k = 0;
        while (k < f->nchoice && strcmp(f->choices[k], s)) k++;
        if (k == f->nchoice) return bad(err, f, "'%s' is not one of the choices", s);
    }
    size_t len = utf8_len(s);
    if ((strcmp(t, "string") == 0 || strcmp(t, "text") == 0) &&
        ((f->has_min && (double)len < f->min) || (f->has_max && (double)len > f->max)))
        return bad(err, f, "'%s' has the wrong length", s);
    *out = json_incref(v);
    return SDM_OK;
}

static int blank(json_t *v) {
    const char *s = json_string_value(v);
    if (!v || json_is_null(v)) return 1;
    if (!s) return 0;
    while (isspace((unsigned char)*s)) s++;
    return !*s;
}

int form_check(const model_node *n, const char *vars_json, const char *have_json, char **out, sdm_err *err) {
    *out = NULL;
    if (!n->nfield) return SDM_OK;
    json_t *vars = vars_json ? json_loads(vars_json, 0, NULL) : json_object();
    json_t *have = have_json ? json_loads(have_json, 0, NULL) : NULL;
    int rc = json_is_object(vars) ? SDM_OK : err_set(err, SDM_ERR_MISUSE, NULL, 0, NULL, "variables must be a JSON object");
    for (int i = 0; !rc && i < n->nfield; i++) {
        const model_field *f = &n->fields[i];
        json_t *v = json_object_get(vars, f->name), *norm;
        if (blank(v)) {
            if (f->required && blank(json_object_get(have, f->name))) rc = bad(err, f, "%s", "a value is required");
            else if (v) json_object_del(vars, f->name);
        } else if (!(rc = check_value(f, v, &norm, err)))
            json_object_set_new(vars, f->name, norm);
    }
    if (!rc) *out = json_dumps(vars, JSON_COMPACT);
    json_decref(vars);
    json_decref(have);
    return rc;
}

char *form_json(const model_node *n) {
    if (!n->nfield) return NULL;
    json_t *a = json_array();
    for (int i = 0; i < n->nfield; i++) {
        const model_field *f = &n->fields[i];
        json_t *o = json_pack("{s:s,s:s,s:s,s:b}", "name", f->name, "label", f->label, "type", f->type,
                              "required", f->required);
        if (f->dflt) json_object_set_new(o, "default", json_string(f->dflt));
        if (f->has_min) json_object_set_new(o, "min", json_real(f->min));
        if (f->has_max) json_object_set_new(o, "max", json_real(f->max));
        if (f->nchoice) {
            json_t *c = json_array();
            for (int k = 0; k < f->nchoice; k++)
                json_array_append_new(c, json_pack("{s:s,s:s}", "id", f->choices[k], "label", f->choice_labels[k]));
            json_object_set_new(o, "choices", c);
        }
        json_array_append_new(a, o);
    }
    char *s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(a);
    return s;
}
