/*
** clock.c — ISO 8601 parsing, time zones, calendar and working-time
** arithmetic (see clock.h for the rules and the calendar file format).
**
** Owns: the TZif reader and the process-wide cache of loaded zones (never
** freed: zones are few and immutable), and clk_calendar objects.
** Must not: touch TZ/setenv/localtime (not thread-safe, and the engine may
** run one handle per thread), print, or depend on anything beyond libc.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"

#define MS_DAY  86400000LL
#define MIN_DAY (-719162LL)      /* 0001-01-01 */
#define MAX_DAY 2932896LL        /* 9999-12-31 */
#define MAX_YEARS 9999

static int fail(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t n, const char *fmt, ...) {
    if (err && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- civil dates (proleptic Gregorian, H. Hinnant's algorithms) ---- */

static int64_t floordiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int mdays(int64_t y, int m) {
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return n[m - 1] + (m == 2 && is_leap(y));
}

static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Monday = 0: calendar files think in working weeks. 1970-01-01 was a Thursday. */
static int weekday(int64_t day) { return (int)(day - floordiv(day + 3, 7) * 7 + 3); }

/* ---- time zones ---- */

typedef struct tzrule { char kind; int day, week, month; int32_t secs; } tzrule;

typedef struct clk_zone {
    char name[64];
    int n;                      /* transitions */
    int64_t *at;                /* transition times, UTC seconds */
    int32_t *off;               /* UTC offset from at[i] on */
    int32_t off0;               /* before the first transition */
    int has_rule, has_dst;      /* the TZif footer: applies after at[n-1] */
    int32_t std_off, dst_off;
    tzrule start, end;
} clk_zone;

static clk_zone utc_zone = {"UTC", 0, NULL, NULL, 0, 0, 0, 0, 0, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}};

static int64_t rule_day(const tzrule *r, int64_t y) {
    int64_t jan1 = days_from_civil(y, 1, 1);
    if (r->kind == 'J') return jan1 + r->day - 1 + (is_leap(y) && r->day >= 60);
    if (r->kind == 'D') return jan1 + r->day;
    int64_t first = days_from_civil(y, r->month, 1);
    int sun0 = (weekday(first) + 1) % 7;          /* POSIX counts Sunday = 0 */
    int64_t d = first + (r->day - sun0 + 7) % 7 + (r->week - 1) * 7;
    while (d - first >= mdays(y, r->month)) d -= 7;   /* week 5 = "last" */
    return d;
}

static int32_t rule_offset(const clk_zone *z, int64_t t) {
    if (!z->has_dst) return z->std_off;
    int64_t y; int m, d;
    civil_from_days(floordiv(t + z->std_off, 86400), &y, &m, &d);
    int64_t s = rule_day(&z->start, y) * 86400 + z->start.secs - z->std_off;
    int64_t e = rule_day(&z->end, y) * 86400 + z->end.secs - z->dst_off;
    if (s < e) return (t >= s && t < e) ? z->dst_off : z->std_off;
    return (t >= e && t < s) ? z->std_off : z->dst_off;   /* southern hemisphere */
}

static int32_t zone_offset(const clk_zone *z, int64_t t) {
    if (z->n == 0) return z->has_rule ? rule_offset(z, t) : z->off0;
    if (t < z->at[0]) return z->off0;
    if (t >= z->at[z->n - 1] && z->has_rule) return rule_offset(z, t);
    int lo = 0, hi = z->n - 1;              /* largest i with at[i] <= t */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (z->at[mid] <= t) lo = mid; else hi = mid - 1;
    }
    return z->off[lo];
}

/* Wall time -> UTC. Offsets a day either side bracket any single transition:
** both fit = a fold (take the earlier instant); neither = a gap (use the
** offset before it, which moves the wall time forward by the gap). */
static int64_t local_to_utc(const clk_zone *z, int64_t l) {
    int32_t a = zone_offset(z, l - 86400), b = zone_offset(z, l + 86400);
    int ok_a = zone_offset(z, l - a) == a, ok_b = zone_offset(z, l - b) == b;
    if (ok_a && ok_b) return l - (a > b ? a : b);
    if (ok_b) return l - b;
    return l - a;
}

static int64_t ms_to_local(const clk_zone *z, int64_t ms) {
    return ms + 1000LL * zone_offset(z, floordiv(ms, 1000));
}
static int64_t ms_to_utc(const clk_zone *z, int64_t lms) {
    int64_t s = floordiv(lms, 1000);
    return local_to_utc(z, s) * 1000 + (lms - s * 1000);
}

/* ---- POSIX TZ strings (the TZif footer: "CET-1CEST,M3.5.0,M10.5.0/3") ---- */

static const char *pz_name(const char *p) {
    if (*p == '<') { p = strchr(p, '>'); return p ? p + 1 : NULL; }
    const char *q = p;
    while (isalpha((unsigned char)*p)) p++;
    return p - q >= 3 ? p : NULL;
}

static const char *pz_time(const char *p, int32_t *secs) {
    int sign = 1, part[3] = {0, 0, 0};
    if (!p) return NULL;
    if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
    for (int i = 0; i < 3; i++) {
        if (i > 0 && *p != ':') break;
        if (i > 0) p++;
        if (!isdigit((unsigned char)*p)) return NULL;
        while (isdigit((unsigned char)*p) && part[i] < 1000) part[i] = part[i] * 10 + (*p++ - '0');
    }
    if (part[0] > 167 || part[1] > 59 || part[2] > 59) return NULL;
    *secs = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    return p;
}

static const char *pz_num(const char *p, int *v, int lo, int hi) {
    if (!p || !isdigit((unsigned char)*p)) return NULL;
    for (*v = 0; isdigit((unsigned char)*p) && *v <= hi; p++) *v = *v * 10 + (*p - '0');
    return *v >= lo && *v <= hi ? p : NULL;
}

static const char *pz_rule(const char *p, tzrule *r) {
    r->secs = 7200;
    if (*p == 'J') { r->kind = 'J'; p = pz_num(p + 1, &r->day, 1, 365); }
    else if (*p == 'M') {
        r->kind = 'M';
        p = pz_num(p + 1, &r->month, 1, 12);
        if (p && *p == '.') p = pz_num(p + 1, &r->week, 1, 5); else p = NULL;
        if (p && *p == '.') p = pz_num(p + 1, &r->day, 0, 6); else p = NULL;
    } else { r->kind = 'D'; p = pz_num(p, &r->day, 0, 365); }
    if (p && *p == '/') p = pz_time(p + 1, &r->secs);
    return p;
}

static int pz_parse(clk_zone *z, const char *s) {
    int32_t o;
    const char *p = pz_time(pz_name(s), &o);
    if (!p) return -1;
    z->std_off = -o;                     /* POSIX offsets count westwards */
    z->has_rule = 1;
    if (!*p) return 0;
    if (!(p = pz_name(p))) return -1;
    z->dst_off = z->std_off + 3600;
    if (*p && *p != ',') { if (!(p = pz_time(p, &o))) return -1; z->dst_off = -o; }
    if (*p != ',' || !(p = pz_rule(p + 1, &z->start)) || *p != ',') return -1;
    if (!(p = pz_rule(p + 1, &z->end)) || *p) return -1;
    z->has_dst = 1;
    return 0;
}

/* ---- TZif files (RFC 8536) ---- */

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

typedef struct tzhdr { size_t isut, isstd, leap, time, type, chr; } tzhdr;

/* Reads the header at `pos`; returns the size of the data block after it
** for time values of `tsz` bytes, or 0 if the file is too short. */
static size_t tzif_hdr(const unsigned char *b, size_t len, size_t pos, int tsz, tzhdr *h) {
    if (pos + 44 > len || memcmp(b + pos, "TZif", 4) != 0) return 0;
    const unsigned char *c = b + pos + 20;
    h->isut = be32(c); h->isstd = be32(c + 4); h->leap = be32(c + 8);
    h->time = be32(c + 12); h->type = be32(c + 16); h->chr = be32(c + 20);
    if (h->time > 1000000 || h->type == 0 || h->type > 256 || h->leap > 10000) return 0;
    size_t size = h->time * (tsz + 1) + h->type * 6 + h->chr + h->leap * (tsz + 4)
                + h->isstd + h->isut;
    return pos + 44 + size <= len ? size : 0;
}

static int tzif_parse(clk_zone *z, const unsigned char *b, size_t len) {
    tzhdr h;
    size_t pos = 0, size = tzif_hdr(b, len, 0, 4, &h);
    int tsz = 4;
    if (!size) return -1;
    if (b[4] >= '2') { pos = 44 + size; tsz = 8; if (!(size = tzif_hdr(b, len, pos, 8, &h))) return -1; }
    const unsigned char *p = b + pos + 44, *idx = p + h.time * tsz, *types = idx + h.time;
    z->n = (int)h.time;
    z->at = malloc((h.time + 1) * sizeof *z->at);
    z->off = malloc((h.time + 1) * sizeof *z->off);
    if (!z->at || !z->off) return -1;
    for (size_t i = 0; i < h.time; i++) {
        uint64_t v = tsz == 8 ? (uint64_t)be32(p + i * 8) << 32 | be32(p + i * 8 + 4)
                              : (uint64_t)(int64_t)(int32_t)be32(p + i * 4);
        if (idx[i] >= h.type) return -1;
        z->at[i] = (int64_t)v;
        z->off[i] = (int32_t)be32(types + idx[i] * 6);
        if (z->off[i] < -89999 || z->off[i] > 93599) return -1;
    }
    z->off0 = (int32_t)be32(types);
    const char *f = (const char *)b + pos + 44 + size, *e = (const char *)b + len;
    if (tsz == 8 && f < e && *f == '\n') {
        const char *nl = memchr(f + 1, '\n', (size_t)(e - f - 1));
        char rule[128];
        if (nl && nl - f - 1 > 0 && nl - f - 1 < (long)sizeof rule) {
            memcpy(rule, f + 1, (size_t)(nl - f - 1));
            rule[nl - f - 1] = 0;
            if (pz_parse(z, rule) != 0) z->has_rule = z->has_dst = 0;  /* keep the table */
        }
    }
    return 0;
}

static char *read_file(const char *path, size_t max, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int bad = !buf || ferror(f) || n > max;
    fclose(f);
    if (bad) { free(buf); errno = buf ? EFBIG : ENOMEM; return NULL; }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* ---- zone lookup and cache ---- */

static int valid_zone_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof utc_zone.name || s[0] == '/' || s[n - 1] == '/') return 0;
    for (const char *p = s; *p; p++) {
        if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p)) return 0;
        if (*p == '/' && p[1] == '/') return 0;
    }
    return 1;   /* no '.', so no "..", and nothing outside the tz directory */
}

static int parse_offset(const char *s, int32_t *off);

/* The zone in TZif file `path`, called `name`; NULL if it is not one. */
static clk_zone *zone_file(const char *name, const char *path) {
    clk_zone *z = calloc(1, sizeof *z);
    size_t len = 0;
    unsigned char *b = z ? (unsigned char *)read_file(path, 1 << 20, &len) : NULL;
    if (b && tzif_parse(z, b, len) == 0) {
        free(b);
        snprintf(z->name, sizeof z->name, "%s", name);
        return z;
    }
    free(b);
    if (z) { free(z->at); free(z->off); free(z); }
    return NULL;
}

/* Where zone files are read from (clk_zone_dir); zone_lock guards it. */
static char zone_dir[256] = "/usr/share/zoneinfo";

static clk_zone *zone_load(const char *name, char *err, size_t errlen) {
    clk_zone *z = calloc(1, sizeof *z);
    if (!z) { fail(err, errlen, "out of memory"); return NULL; }
    snprintf(z->name, sizeof z->name, "%s", name);
    if (name[0] == '+' || name[0] == '-') {
        if (parse_offset(name, &z->off0) == 0) return z;
        free(z);
        fail(err, errlen, "invalid UTC offset '%s' (expected +HH:MM)", name);
        return NULL;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s", zone_dir, name);
    free(z);
    if ((z = zone_file(name, path)) != NULL) return z;
    fail(err, errlen, "unknown time zone '%s'", name);
    return NULL;
}

static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;
static clk_zone *zone_cache[128];
static int zone_count;

void clk_zone_dir(const char *dir) {
    if (!dir || !*dir) return;
    pthread_mutex_lock(&zone_lock);
    snprintf(zone_dir, sizeof zone_dir, "%s", dir);
    pthread_mutex_unlock(&zone_lock);
}

static const clk_zone *zone_get(const char *name, char *err, size_t errlen) {
    if (!name || !*name || !strcmp(name, "UTC") || !strcmp(name, "Z") ||
        !strcmp(name, "Etc/UTC") || !strcmp(name, "GMT")) return &utc_zone;
    if (name[0] != '+' && name[0] != '-' && !valid_zone_name(name)) {
        fail(err, errlen, "invalid time zone name '%.80s'", name);
        return NULL;
    }
    clk_zone *z = NULL;
    pthread_mutex_lock(&zone_lock);
    for (int i = 0; i < zone_count && !z; i++)
        if (!strcmp(zone_cache[i]->name, name)) z = zone_cache[i];
    if (!z && zone_count == (int)(sizeof zone_cache / sizeof *zone_cache))
        fail(err, errlen, "too many time zones in use (limit %d)", zone_count);
    else if (!z && (z = zone_load(name, err, errlen)) != NULL)
        zone_cache[zone_count++] = z;
    pthread_mutex_unlock(&zone_lock);
    return z;
}

int clk_tz_check(const char *tz, char *err, size_t errlen) {
    return zone_get(tz, err, errlen) ? 0 : -1;
}

/* /etc/localtime is a symbolic link into the tz directory (its name is the
** zone's), or a copy of a TZif file: that copy is the zone "localtime",
** cached here so every later lookup of the name finds it. */
int clk_machine_zone(const char *path, char *name, size_t n) {
    char target[512];
    if (!path) path = "/etc/localtime";
    ssize_t len = readlink(path, target, sizeof target - 1);
    if (len > 0) {
        target[len] = 0;
        const char *zi = NULL;
        for (const char *p = strstr(target, "zoneinfo/"); p; p = strstr(p + 1, "zoneinfo/")) zi = p + 9;
        if (zi && zone_get(zi, NULL, 0)) return snprintf(name, n, "%s", zi) < (int)n ? 0 : -1;
    }
    clk_zone *z = zone_file("localtime", path);
    if (!z) return snprintf(name, n, "UTC") < (int)n ? 0 : -1;
    pthread_mutex_lock(&zone_lock);
    int known = 0;
    for (int i = 0; i < zone_count; i++) known |= !strcmp(zone_cache[i]->name, "localtime");
    if (!known && zone_count < (int)(sizeof zone_cache / sizeof *zone_cache)) { zone_cache[zone_count++] = z; z = NULL; }
    pthread_mutex_unlock(&zone_lock);
    if (z) { free(z->at); free(z->off); free(z); }
    return snprintf(name, n, "localtime") < (int)n ? 0 : -1;
}

/* ---- ISO 8601 durations ---- */

/* Parsers work on a trimmed copy: XML text often carries whitespace. */
static int trimmed(const char *s, char *buf, size_t n, const char *what, char *err, size_t errlen) {
    if (!s) return fail(err, errlen, "no %s given", what);
    while (isspace((unsigned char)*s)) s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (len == 0) return fail(err, errlen, "empty %s", what);
    if (len >= n) return fail(err, errlen, "%s '%.40s...' is too long", what, s);
    memcpy(buf, s, len);
    buf[len] = 0;
    return 0;
}

/* Component slots in the order ISO 8601 requires; per-slot limits keep the
** total under 9999 years and every field inside an int. */
static const double slot_max[] = {9999, 9999.0 * 12, 9999.0 * 53, 9999.0 * 366,
                                  9999.0 * 366 * 24, 2147483647.0, 9999.0 * 366 * 86400};
static const double slot_secs[] = {365.2425 * 86400, 30.436875 * 86400, 7 * 86400.0, 86400, 3600, 60, 1};

static int dur_error(const char *s, const char *p, char *err, size_t n, const char *why) {
    return fail(err, n, "invalid ISO 8601 duration '%s' at character %d: %s", s, (int)(p - s) + 1, why);
}

static void dur_set(clk_duration *d, int slot, double v) {
    switch (slot) {
    case 0: d->years = (int)v; break;
    case 1: d->months = (int)v; break;
    case 2: d->weeks = (int)v; break;
    case 3: d->days = (int)v; break;
    case 4: d->hours = (int)v; break;
    case 5: d->minutes = (int)v; break;
    default: d->seconds = v; break;
    }
}

int clk_parse_duration(const char *in, clk_duration *d, char *err, size_t errlen) {
    char s[128];
    const char *p = s;
    int in_time = 0, last = -1;
    double total = 0;
    memset(d, 0, sizeof *d);
    if (trimmed(in, s, sizeof s, "ISO 8601 duration", err, errlen)) return -1;
    if (toupper((unsigned char)*p) != 'P') return dur_error(s, p, err, errlen, "expected 'P'");
    if (!*++p) return dur_error(s, p, err, errlen, "expected a number after 'P'");
    while (*p) {
        if (toupper((unsigned char)*p) == 'T') {
            if (in_time) return dur_error(s, p, err, errlen, "a second 'T'");
            in_time = 1;
            if (!*++p) return dur_error(s, p, err, errlen, "expected hours, minutes or seconds after 'T'");
            continue;
        }
        const char *num = p, *frac = NULL;
        while (isdigit((unsigned char)*p)) p++;
        if (p == num) return dur_error(s, p, err, errlen, "expected a number");
        if (p - num > 12) return dur_error(s, num, err, errlen, "number too large");
        if (*p == '.' || *p == ',') {
            frac = p++;
            if (!isdigit((unsigned char)*p)) return dur_error(s, p, err, errlen, "expected digits after the decimal mark");
            while (isdigit((unsigned char)*p)) p++;
        }
        double v = 0, scale = 1;              /* by hand: strtod obeys the locale */
        for (const char *q = num; q < p; q++) {
            if (q == frac) continue;
            if (frac && q > frac) v += (*q - '0') * (scale /= 10);
            else v = v * 10 + (*q - '0');
        }
        const char *units = in_time ? "HMS" : "YMWD", *hit = *p ? strchr(units, toupper((unsigned char)*p)) : NULL;
        if (!hit) return dur_error(s, p, err, errlen, *p ? "unexpected character" : "missing unit after the number");
        int slot = (int)(hit - units) + (in_time ? 4 : 0);
        if (slot <= last) return dur_error(s, p, err, errlen, "unit repeated or out of order (PnYnMnWnDTnHnMnS)");
        if (frac && slot != 6) return dur_error(s, frac, err, errlen, "only seconds may have a fraction");
        if (v > slot_max[slot]) return dur_error(s, num, err, errlen, "value too large");
        total += v * slot_secs[slot];
        dur_set(d, slot, v);
        last = slot;
        p++;
    }
    if (total > MAX_YEARS * 365.2425 * 86400)
        return fail(err, errlen, "invalid ISO 8601 duration '%s': longer than %d years", s, MAX_YEARS);
    return 0;
}

int clk_duration_is_zero(const clk_duration *d) {
    return !d->years && !d->months && !d->weeks && !d->days && !d->hours &&
           !d->minutes && d->seconds == 0;
}

/* ---- ISO 8601 date-times ---- */

static int dt_error(const char *s, const char *p, char *err, size_t n, const char *why) {
    return fail(err, n, "invalid ISO 8601 date-time '%s' at character %d: %s", s, (int)(p - s) + 1, why);
}

static int digits(const char **pp, int n, int *v) {
    const char *p = *pp;
    *v = 0;
    for (int i = 0; i < n; i++, p++) {
        if (!isdigit((unsigned char)*p)) return -1;
        *v = *v * 10 + (*p - '0');
    }
    *pp = p;
    return 0;
}

/* "YYYY-MM-DD" at *pp -> day number since the epoch. */
static int parse_date(const char *s, const char **pp, int64_t *day, char *err, size_t n) {
    const char *p = *pp;
    int y, m, d;
    if (digits(&p, 4, &y)) return dt_error(s, p, err, n, "expected a 4-digit year");
    if (*p++ != '-') return dt_error(s, p - 1, err, n, "expected '-' after the year");
    if (digits(&p, 2, &m)) return dt_error(s, p, err, n, "expected a 2-digit month");
    if (*p++ != '-') return dt_error(s, p - 1, err, n, "expected '-' after the month");
    if (digits(&p, 2, &d)) return dt_error(s, p, err, n, "expected a 2-digit day");
    if (y < 1) return fail(err, n, "invalid ISO 8601 date-time '%s': year 0000 is not supported", s);
    if (m < 1 || m > 12) return fail(err, n, "invalid ISO 8601 date-time '%s': month %02d out of range", s, m);
    if (d < 1 || d > mdays(y, m))
        return fail(err, n, "invalid ISO 8601 date-time '%s': %04d-%02d has no day %02d", s, y, m, d);
    *day = days_from_civil(y, m, d);
    *pp = p;
    return 0;
}

/* "HH:MM[:SS[.fff]]" -> ms since midnight. Digits past milliseconds are dropped. */
static int parse_clock(const char *s, const char **pp, int64_t *ms, char *err, size_t n) {
    const char *p = *pp;
    int h, mi, sec = 0, frac = 0;
    if (digits(&p, 2, &h)) return dt_error(s, p, err, n, "expected a 2-digit hour");
    if (*p++ != ':') return dt_error(s, p - 1, err, n, "expected ':' after the hour");
    if (digits(&p, 2, &mi)) return dt_error(s, p, err, n, "expected 2-digit minutes");
    if (*p == ':') {
        p++;
        if (digits(&p, 2, &sec)) return dt_error(s, p, err, n, "expected 2-digit seconds");
        if (*p == '.' || *p == ',') {
            if (!isdigit((unsigned char)*++p)) return dt_error(s, p, err, n, "expected digits after the decimal mark");
            int i = 0;
            for (; isdigit((unsigned char)*p); i++, p++) {
                if (i >= 9) return dt_error(s, p, err, n, "more than 9 fraction digits");
                if (i < 3) frac = frac * 10 + (*p - '0');
            }
            for (; i < 3; i++) frac *= 10;
        }
    }
    if (h > 23) return fail(err, n, "invalid ISO 8601 date-time '%s': hour %02d out of range", s, h);
    if (mi > 59) return fail(err, n, "invalid ISO 8601 date-time '%s': minute %02d out of range", s, mi);
    if (sec > 59) return fail(err, n, "invalid ISO 8601 date-time '%s': second %02d out of range", s, sec);
    *ms = ((h * 60 + mi) * 60 + sec) * 1000LL + frac;
    *pp = p;
    return 0;
}

/* "Z", "+03:00", "+0300", "-05" at *pp; *pp is left alone on failure. */
static int parse_offset_at(const char **pp, int32_t *off) {
    const char *p = *pp;
    int h, m = 0, sign;
    if (*p == 'Z' || *p == 'z') { *off = 0; *pp = p + 1; return 0; }
    if (*p != '+' && *p != '-') return -1;
    sign = *p++ == '-' ? -1 : 1;
    if (digits(&p, 2, &h)) return -1;
    if (*p == ':') p++;
    if ((p[-1] == ':' || isdigit((unsigned char)*p)) && digits(&p, 2, &m)) return -1;
    if (h > 18 || m > 59 || h * 60 + m > 18 * 60) return -1;
    *off = sign * (h * 3600 + m * 60);
    *pp = p;
    return 0;
}

static int parse_offset(const char *s, int32_t *off) {
    const char *p = s;
    return parse_offset_at(&p, off) == 0 && *p == 0 && *s != 'Z' && *s != 'z' ? 0 : -1;
}

int clk_parse_datetime(const char *in, const char *tz, int64_t *ms, char *err, size_t errlen) {
    char s[128];
    const char *p = s;
    int64_t day, tod = 0;
    int32_t off = 0;
    int has_off = 0;
    if (trimmed(in, s, sizeof s, "ISO 8601 date-time", err, errlen)) return -1;
    const clk_zone *z = zone_get(tz, err, errlen);
    if (!z || parse_date(s, &p, &day, err, errlen)) return -1;
    if (*p) {
        if (*p != 'T' && *p != 't' && *p != ' ') return dt_error(s, p, err, errlen, "expected 'T' before the time");
        p++;
        if (parse_clock(s, &p, &tod, err, errlen)) return -1;
        if (*p) {
            if (parse_offset_at(&p, &off)) return dt_error(s, p, err, errlen, "expected 'Z' or an offset like +03:00");
            has_off = 1;
        }
        if (*p) return dt_error(s, p, err, errlen, "unexpected text after the date-time");
    }
    int64_t l = day * MS_DAY + tod;
    *ms = has_off ? l - off * 1000LL : ms_to_utc(z, l);
    return 0;
}

/* ---- calendar arithmetic ---- */

static int in_range(int64_t t) { return t >= MIN_DAY * MS_DAY && t < (MAX_DAY + 1) * MS_DAY; }

static int64_t dur_ms(const clk_duration *d) {
    return (int64_t)d->hours * 3600000 + (int64_t)d->minutes * 60000 + llround(d->seconds * 1000);
}

/* t + k*d. Multiplying instead of adding k times keeps P1M cycles from
** drifting (Jan 31, Feb 28, Mar 31 rather than Mar 28). */
static int64_t add_scaled(int64_t t, const clk_duration *d, int64_t k, const clk_zone *z) {
    int64_t months = (int64_t)d->years * 12 + d->months, days = (int64_t)d->weeks * 7 + d->days;
    int64_t ms = dur_ms(d);
    if (!in_range(t) || __builtin_mul_overflow(months, k, &months) ||
        __builtin_mul_overflow(days, k, &days) || __builtin_mul_overflow(ms, k, &ms) ||
        llabs(months) > 12 * 10000 || llabs(days) > 3700000 || llabs(ms) > 3700000 * MS_DAY)
        return CLK_NEVER;
    if (months || days) {
        int64_t l = ms_to_local(z, t), day = floordiv(l, MS_DAY), rem = l - day * MS_DAY, y;
        int m, dd;
        if (months) {
            civil_from_days(day, &y, &m, &dd);
            int64_t mi = y * 12 + (m - 1) + months;
            y = floordiv(mi, 12);
            m = (int)(mi - y * 12) + 1;
            if (y < 1 || y > MAX_YEARS) return CLK_NEVER;
            day = days_from_civil(y, m, dd > mdays(y, m) ? mdays(y, m) : dd);
        }
        day += days;
        if (day < MIN_DAY || day > MAX_DAY) return CLK_NEVER;
        t = ms_to_utc(z, day * MS_DAY + rem);
    }
    t += ms;
    return in_range(t) ? t : CLK_NEVER;
}

int64_t clk_add(int64_t t, const clk_duration *d, const char *tz) {
    const clk_zone *z = zone_get(tz, NULL, 0);
    return add_scaled(t, d, 1, z ? z : &utc_zone);
}

int clk_format(int64_t ms, const char *tz, char *buf, size_t n) {
    const clk_zone *z = zone_get(tz, NULL, 0);
    char zone[16] = "Z", frac[8] = "";
    if (n) buf[0] = 0;
    if (!z || !in_range(ms)) return -1;
    int32_t off = zone_offset(z, floordiv(ms, 1000));
    int64_t l = ms + off * 1000LL, day = floordiv(l, MS_DAY), rem = l - day * MS_DAY, y;
    int m, d;
    civil_from_days(day, &y, &m, &d);
    if (z != &utc_zone)
        snprintf(zone, sizeof zone, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 3600, abs(off) / 60 % 60);
    if (rem % 1000) snprintf(frac, sizeof frac, ".%03d", (int)(rem % 1000));
    int r = snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", (int)y, m, d, (int)(rem / 3600000),
                     (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), frac, zone);
    if (r < 0 || (size_t)r >= n) { if (n) buf[0] = 0; return -1; }
    return r;
}

/* ---- cycles ---- */

static int cycle_part(const char *part, const char *tz, int *is_dur, clk_duration *d, int64_t *t,
                      char *err, size_t n) {
    *is_dur = toupper((unsigned char)part[0]) == 'P';
    return *is_dur ? clk_parse_duration(part, d, err, n) : clk_parse_datetime(part, tz, t, err, n);
}

static int parse_repeat(const char *r, int *repeat) {
    if (toupper((unsigned char)*r++) != 'R') return -1;
    if (!*r) { *repeat = -1; return 0; }
    long v = 0;
    for (; isdigit((unsigned char)*r) && v <= 1000000000L; r++) v = v * 10 + (*r - '0');
    if (*r || v > 1000000000L) return -1;
    *repeat = (int)v;
    return 0;
}

int clk_parse_cycle(const char *in, const char *tz, clk_cycle *c, char *err, size_t errlen) {
    char s[256], buf[256], sub[512], *part[4];
    int np = 0, dur1, dur2;
    int64_t t1 = 0, t2 = 0;
    clk_duration d1, d2;
    memset(c, 0, sizeof *c);
    if (trimmed(in, s, sizeof s, "ISO 8601 cycle", err, errlen)) return -1;
    if (strlen(tz ? tz : "") >= sizeof c->tz) return fail(err, errlen, "time zone name too long");
    if (clk_tz_check(tz, err, errlen)) return -1;
    memcpy(buf, s, sizeof buf);
    for (char *q = buf; q && np < 4; ) { part[np++] = q; if ((q = strchr(q, '/'))) *q++ = 0; }
    if (parse_repeat(part[0], &c->repeat))
        return fail(err, errlen, "invalid ISO 8601 cycle '%s': expected 'R' or 'Rn' before the first '/'", s);
    if (np < 2 || np > 3)
        return fail(err, errlen, "invalid ISO 8601 cycle '%s': expected Rn/duration, Rn/start/duration, "
                    "Rn/duration/end or Rn/start/end", s);
    if (cycle_part(part[1], tz, &dur1, &d1, &t1, sub, sizeof sub) ||
        (np == 3 && cycle_part(part[2], tz, &dur2, &d2, &t2, sub, sizeof sub)))
        return fail(err, errlen, "invalid ISO 8601 cycle '%s': %s", s, sub);
    if (np == 2 && !dur1) return fail(err, errlen, "invalid ISO 8601 cycle '%s': no period (e.g. R/PT1H)", s);
    if (np == 3 && dur1 && dur2) return fail(err, errlen, "invalid ISO 8601 cycle '%s': two durations", s);
    if (dur1) c->every = d1;
    else if (dur2) { c->has_start = 1; c->start = t1; c->every = d2; }
    else {
        c->has_start = 1; c->start = t1;
        c->every.seconds = (double)(t2 - t1) / 1000;
        if (t2 <= t1) return fail(err, errlen, "invalid ISO 8601 cycle '%s': the end is not after the start", s);
    }
    if (np == 3 && dur1) { c->has_end = 1; c->end = t2; }
    if (clk_duration_is_zero(&c->every)) return fail(err, errlen, "invalid ISO 8601 cycle '%s': a zero period", s);
    snprintf(c->tz, sizeof c->tz, "%s", tz ? tz : "");
    return 0;
}

int clk_cycle_next(const clk_cycle *c, int64_t anchor, int fired, int64_t *next) {
    if (fired < 0) fired = 0;
    if (c->repeat >= 0 && fired >= c->repeat) return 1;
    const clk_zone *z = zone_get(c->tz, NULL, 0);
    if (!z) z = &utc_zone;
    int64_t t = c->has_start ? add_scaled(c->start, &c->every, fired, z)
                             : add_scaled(anchor, &c->every, (int64_t)fired + 1, z);
    if (t == CLK_NEVER || (c->has_end && t > c->end)) return 1;
    *next = t;
    return 0;
}

/* ---- business calendar: data ---- */

#define MAXSPAN 8
typedef struct span { int lo, hi; } span;                   /* minutes from local midnight */
typedef struct dayhours { int n; span r[MAXSPAN]; } dayhours;  /* sorted, disjoint */
typedef struct dayrange { int64_t lo, hi; int line; } dayrange;
typedef struct special { int64_t day; int line, deflt; dayhours h; } special;

struct clk_calendar {
    char tz[64];
    int has_tz;                         /* the file named its zone */
    const clk_zone *zone;
    dayhours week[7];                   /* Monday = 0 */
    dayrange *hol; int nhol, chol;      /* sorted and merged after parsing */
    special *wd; int nwd, cwd;          /* sorted by day after parsing */
};

static const dayhours no_hours;

static const dayhours *hours_of(const clk_calendar *c, int64_t day) {
    int lo = 0, hi = c->nwd - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (c->wd[mid].day == day) return &c->wd[mid].h;
        if (c->wd[mid].day < day) lo = mid + 1; else hi = mid - 1;
    }
    lo = 0; hi = c->nhol - 1;           /* last holiday range starting on or before day */
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (c->hol[mid].lo <= day) lo = mid + 1; else hi = mid - 1;
    }
    if (hi >= 0 && c->hol[hi].hi >= day) return &no_hours;
    return &c->week[weekday(day)];
}

/* ---- business calendar: parsing ---- */

typedef struct cparse {
    clk_calendar *c;
    const char *name;
    int line, has_tz;
    char *err;
    size_t errlen;
} cparse;

static int cerr(cparse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cerr(cparse *ps, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fail(ps->err, ps->errlen, "%s:%d: %s", ps->name, ps->line, msg);
}

/* The calendar's array arr (n used of *cap) with room for one more: the
** same block, or a larger one (*cap grown); NULL, reported, when memory
** runs out. */
static void *room(cparse *ps, void *arr, int n, int *cap, size_t size) {
    if (n < *cap) return arr;
    void *p = realloc(arr, (size_t)(*cap * 2 + 16) * size);
    if (!p) { cerr(ps, "out of memory"); return NULL; }
    *cap = *cap * 2 + 16;
    return p;
}

static int day_index(const char *s, size_t n) {
    static const char *names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int i = 0; i < 7 && n == 3; i++)
        if (strncasecmp(s, names[i], 3) == 0) return i;
    return -1;
}

/* "Mon-Fri", "Sat", "Mon,Wed,Fri", "Fri-Mon" (wraps) -> bit mask, Monday = bit 0. */
static int parse_days(const char *s, int *mask) {
    *mask = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        const char *dash = memchr(s, '-', len);
        int a = day_index(s, dash ? (size_t)(dash - s) : len);
        int b = dash ? day_index(dash + 1, len - (size_t)(dash - s) - 1) : a;
        if (a < 0 || b < 0) return -1;
        for (int i = a;; i = (i + 1) % 7) { *mask |= 1 << i; if (i == b) break; }
        s += len;
        if (comma && !*++s) return -1;
    }
    return *mask ? 0 : -1;
}

static const char *parse_hm(const char *p, int *min) {
    int h = 0, m, nd = 0;
    for (; isdigit((unsigned char)*p) && nd < 2; nd++) h = h * 10 + (*p++ - '0');
    if (nd == 0 || *p++ != ':' || digits(&p, 2, &m) || m > 59 || h > 24 || (h == 24 && m)) return NULL;
    *min = h * 60 + m;
    return p;
}

static int add_span(cparse *ps, dayhours *h, const char *tok) {
    span r;
    const char *p = parse_hm(tok, &r.lo);
    if (!p || *p++ != '-' || !(p = parse_hm(p, &r.hi)) || *p)
        return cerr(ps, "invalid time range '%s' (expected HH:MM-HH:MM)", tok);
    if (r.lo >= r.hi) return cerr(ps, "time range '%s' does not end after it starts", tok);
    if (h->n == MAXSPAN) return cerr(ps, "more than %d time ranges in one day", MAXSPAN);
    int i = h->n;
    for (int k = 0; k < h->n; k++)
        if (r.lo < h->r[k].hi && h->r[k].lo < r.hi) return cerr(ps, "time range '%s' overlaps another", tok);
    while (i > 0 && h->r[i - 1].lo > r.lo) { h->r[i] = h->r[i - 1]; i--; }
    h->r[i] = r;
    h->n++;
    return 0;
}

static int cal_date(cparse *ps, const char *tok, size_t len, int64_t *day) {
    char s[32], msg[256];
    const char *p = s;
    if (len >= sizeof s) return cerr(ps, "invalid date '%.40s' (expected YYYY-MM-DD)", tok);
    memcpy(s, tok, len);
    s[len] = 0;
    if (parse_date(s, &p, day, msg, sizeof msg)) return cerr(ps, "%s", msg);
    if (*p) return cerr(ps, "invalid date '%s' (expected YYYY-MM-DD)", s);
    return 0;
}

static int cal_hours(cparse *ps, char **tok, int nt) {
    int mask;
    if (nt < 2) return cerr(ps, "expected days and time ranges, e.g. 'hours = Mon-Fri 09:00-18:00'");
    if (parse_days(tok[0], &mask)) return cerr(ps, "invalid days '%s' (expected e.g. Mon-Fri, Sat, Mon,Wed)", tok[0]);
    for (int d = 0; d < 7; d++)
        for (int i = 1; i < nt && (mask >> d & 1); i++)
            if (add_span(ps, &ps->c->week[d], tok[i])) return -1;
    return 0;
}

static int cal_holiday(cparse *ps, char **tok, int nt) {
    clk_calendar *c = ps->c;
    dayrange r = {0, 0, ps->line};
    if (nt != 1) return cerr(ps, "expected one date or a range YYYY-MM-DD..YYYY-MM-DD");
    const char *dots = strstr(tok[0], "..");
    if (cal_date(ps, tok[0], dots ? (size_t)(dots - tok[0]) : strlen(tok[0]), &r.lo)) return -1;
    r.hi = r.lo;
    if (dots && cal_date(ps, dots + 2, strlen(dots + 2), &r.hi)) return -1;
    if (r.hi < r.lo) return cerr(ps, "holiday range '%s' ends before it starts", tok[0]);
    if (r.hi - r.lo > 3660) return cerr(ps, "holiday range '%s' is longer than 10 years", tok[0]);
    void *p = room(ps, c->hol, c->nhol, &c->chol, sizeof *c->hol);
    if (!p) return -1;
    c->hol = p;
    c->hol[c->nhol++] = r;
    return 0;
}

static int cal_workday(cparse *ps, char **tok, int nt) {
    clk_calendar *c = ps->c;
    special w;
    memset(&w, 0, sizeof w);
    w.line = ps->line;
    if (nt < 1 || cal_date(ps, tok[0], strlen(tok[0]), &w.day)) return nt < 1 ? cerr(ps, "expected a date") : -1;
    for (int i = 0; i < c->nwd; i++)
        if (c->wd[i].day == w.day) return cerr(ps, "workday %s already given on line %d", tok[0], c->wd[i].line);
    for (int i = 1; i < nt; i++)
        if (add_span(ps, &w.h, tok[i])) return -1;
    w.deflt = nt == 1;
    void *p = room(ps, c->wd, c->nwd, &c->cwd, sizeof *c->wd);
    if (!p) return -1;
    c->wd = p;
    c->wd[c->nwd++] = w;
    return 0;
}

static int cal_timezone(cparse *ps, char **tok, int nt) {
    char msg[256];
    if (ps->has_tz) return cerr(ps, "timezone given twice");
    if (nt != 1) return cerr(ps, "expected one time zone name, e.g. Europe/Moscow");
    if (strlen(tok[0]) >= sizeof ps->c->tz) return cerr(ps, "time zone name too long");
    if (!(ps->c->zone = zone_get(tok[0], msg, sizeof msg))) return cerr(ps, "%s", msg);
    snprintf(ps->c->tz, sizeof ps->c->tz, "%s", tok[0]);
    ps->has_tz = 1;
    return 0;
}

/* One line: comments and blanks are skipped, the rest is "key = value". */
static int cal_line(cparse *ps, char *line) {
    char *tok[MAXSPAN + 4], *hash = strchr(line, '#'), *eq, *p;
    int nt = 0;
    if (hash) *hash = 0;
    for (p = line; isspace((unsigned char)*p); p++) {}
    if (!*p) return 0;
    if (!(eq = strchr(p, '='))) return cerr(ps, "expected 'key = value'");
    char *key = p, *kend = eq;
    while (kend > key && isspace((unsigned char)kend[-1])) kend--;
    *kend = 0;
    for (p = eq + 1; *p && nt < (int)(sizeof tok / sizeof *tok); ) {
        while (isspace((unsigned char)*p)) *p++ = 0;
        if (!*p) break;
        tok[nt++] = p;
        while (*p && !isspace((unsigned char)*p)) p++;
    }
    if (*p) return cerr(ps, "too many values on one line");
    if (!strcasecmp(key, "timezone")) return cal_timezone(ps, tok, nt);
    if (!strcasecmp(key, "hours")) return cal_hours(ps, tok, nt);
    if (!strcasecmp(key, "holiday")) return cal_holiday(ps, tok, nt);
    if (!strcasecmp(key, "workday")) return cal_workday(ps, tok, nt);
    return cerr(ps, "unknown key '%s' (expected timezone, hours, holiday or workday)", key);
}

static int cmp_range(const void *a, const void *b) {
    const dayrange *x = a, *y = b;
    return (x->lo > y->lo) - (x->lo < y->lo);
}
static int cmp_special(const void *a, const void *b) {
    const special *x = a, *y = b;
    return (x->day > y->day) - (x->day < y->day);
}

/* Sorts and merges so lookups can binary-search; fills default workday hours. */
static int cal_finish(cparse *ps) {
    clk_calendar *c = ps->c;
    const dayhours *deflt = NULL;
    for (int d = 0; d < 7 && !deflt; d++)
        if (c->week[d].n) deflt = &c->week[d];
    if (!deflt)
        return fail(ps->err, ps->errlen, "%s: no working hours (add a line like 'hours = Mon-Fri 09:00-18:00')", ps->name);
    for (int i = 0; i < c->nwd; i++)
        if (c->wd[i].deflt) c->wd[i].h = *deflt;
    if (c->nwd) qsort(c->wd, (size_t)c->nwd, sizeof *c->wd, cmp_special);
    if (c->nhol) qsort(c->hol, (size_t)c->nhol, sizeof *c->hol, cmp_range);
    int n = 0;
    for (int i = 0; i < c->nhol; i++) {
        if (n && c->hol[i].lo <= c->hol[n - 1].hi + 1) {
            if (c->hol[i].hi > c->hol[n - 1].hi) c->hol[n - 1].hi = c->hol[i].hi;
        } else c->hol[n++] = c->hol[i];
    }
    c->nhol = n;
    if (!ps->has_tz) { c->zone = &utc_zone; snprintf(c->tz, sizeof c->tz, "UTC"); }
    c->has_tz = ps->has_tz;
    return 0;
}

int clk_calendar_parse(const char *text, const char *name, clk_calendar **out, char *err, size_t errlen) {
    cparse ps = {calloc(1, sizeof(clk_calendar)), name ? name : "calendar", 0, 0, err, errlen};
    const char *p = text ? text : "";
    char line[1024];
    *out = NULL;
    if (!ps.c) return fail(err, errlen, "out of memory");
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        ps.line++;
        if (len >= sizeof line) { cerr(&ps, "line longer than %d characters", (int)sizeof line - 1); goto bad; }
        memcpy(line, p, len);
        line[len] = 0;
        if (len && line[len - 1] == '\r') line[len - 1] = 0;
        if (cal_line(&ps, line)) goto bad;
        p += len + (e != NULL);
    }
    if (cal_finish(&ps)) goto bad;
    *out = ps.c;
    return 0;
bad:
    clk_calendar_free(ps.c);
    return -1;
}

int clk_calendar_load(const char *path, clk_calendar **out, char *err, size_t errlen) {
    size_t len;
    *out = NULL;
    char *text = read_file(path, 1 << 20, &len);
    if (!text)
        return fail(err, errlen, "cannot read calendar '%s': %s", path,
                    errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
    if (memchr(text, 0, len)) { free(text); return fail(err, errlen, "%s: not a text file", path); }
    int rc = clk_calendar_parse(text, path, out, err, errlen);
    free(text);
    return rc;
}

void clk_calendar_free(clk_calendar *c) {
    if (!c) return;
    free(c->hol);
    free(c->wd);
    free(c);
}

const char *clk_calendar_tz(const clk_calendar *c) { return c ? c->tz : "UTC"; }
int clk_calendar_has_tz(const clk_calendar *c) { return c && c->has_tz; }

int clk_calendar_set_tz(clk_calendar *c, const char *tz, char *err, size_t errlen) {
    if (!tz || !*tz) tz = "UTC";
    const clk_zone *z = zone_get(tz, err, errlen);
    if (!z) return -1;
    if (strlen(tz) >= sizeof c->tz) return fail(err, errlen, "time zone name too long");
    c->zone = z;
    snprintf(c->tz, sizeof c->tz, "%s", tz);
    return 0;
}

/* ---- working time ---- */

static int64_t at(const clk_calendar *c, int64_t day, int min) {
    return ms_to_utc(c->zone, day * MS_DAY + min * 60000LL);
}
static int64_t local_day(const clk_calendar *c, int64_t t) {
    return floordiv(ms_to_local(c->zone, t), MS_DAY);
}

int clk_is_working(const clk_calendar *c, int64_t t) {
    if (!c) return 1;
    if (!in_range(t)) return 0;
    int64_t day = local_day(c, t);
    const dayhours *h = hours_of(c, day);
    for (int i = 0; i < h->n; i++)
        if (t >= at(c, day, h->r[i].lo) && t < at(c, day, h->r[i].hi)) return 1;
    return 0;
}

/* t itself if inside a period (ends included), else the next period's start. */
static int64_t next_working(const clk_calendar *c, int64_t t) {
    for (int64_t day = local_day(c, t); day <= MAX_DAY; day++) {
        const dayhours *h = hours_of(c, day);
        for (int i = 0; i < h->n; i++) {
            int64_t s = at(c, day, h->r[i].lo);
            if (at(c, day, h->r[i].hi) >= t) return s > t ? s : t;
        }
    }
    return CLK_NEVER;
}

/* Time of day `tod` (ms) kept if inside one of h's periods; else the close
** of the last period before it, or the opening if it is before them all. */
static int64_t snap_tod(const dayhours *h, int64_t tod) {
    for (int i = h->n - 1; i >= 0; i--)
        if (tod >= h->r[i].lo * 60000LL)
            return tod <= h->r[i].hi * 60000LL ? tod : h->r[i].hi * 60000LL;
    return h->r[0].lo * 60000LL;
}

/* Step 2 of clk_add_working (see clock.h): n working days, same wall time. */
static int64_t add_work_days(const clk_calendar *c, int64_t t, int64_t n) {
    int64_t l = ms_to_local(c->zone, t), day = floordiv(l, MS_DAY), tod = l - day * MS_DAY;
    const dayhours *h = hours_of(c, day);
    if (h->n && tod >= h->r[0].lo * 60000LL) tod = snap_tod(h, tod);
    else {                      /* before the day's opening: the last close before it */
        do { if (--day < MIN_DAY) return CLK_NEVER; } while (!hours_of(c, day)->n);
        h = hours_of(c, day);
        tod = h->r[h->n - 1].hi * 60000LL;
    }
    while (n > 0) {
        if (++day > MAX_DAY) return CLK_NEVER;
        if (hours_of(c, day)->n) n--;
    }
    return ms_to_utc(c->zone, day * MS_DAY + snap_tod(hours_of(c, day), tod));
}

/* Step 3: elapsed working time. Periods are converted to UTC one by one so a
** period spanning a DST change counts the time that really passes. */
static int64_t add_work_ms(const clk_calendar *c, int64_t t, int64_t rem) {
    for (int64_t day = local_day(c, t); day <= MAX_DAY; day++) {
        const dayhours *h = hours_of(c, day);
        for (int i = 0; i < h->n; i++) {
            int64_t s = at(c, day, h->r[i].lo), e = at(c, day, h->r[i].hi);
            if (s < t) s = t;
            if (e <= s) continue;
            if (e - s >= rem) return s + rem;
            rem -= e - s;
        }
    }
    return CLK_NEVER;
}

int64_t clk_add_working(const clk_calendar *c, int64_t from, const clk_duration *d) {
    if (!c) return clk_add(from, d, NULL);
    int64_t t = from, ms = dur_ms(d);
    if (!in_range(t) || d->days < 0 || ms < 0 || ms > 3700000 * MS_DAY) return CLK_NEVER;
    if (d->years || d->months || d->weeks) {
        clk_duration cal = {d->years, d->months, d->weeks, 0, 0, 0, 0};
        t = add_scaled(t, &cal, 1, c->zone);
        if (t != CLK_NEVER) t = next_working(c, t);
    }
    if (t != CLK_NEVER && d->days > 0) t = add_work_days(c, t, d->days);
    if (t != CLK_NEVER && ms > 0) t = add_work_ms(c, t, ms);
    return t;
}
