/*
** clock.h — time for the engine: ISO 8601 durations, date-times and
** repeating cycles, calendar arithmetic in IANA time zones, and working-time
** arithmetic over a business calendar.
**
** Times are int64_t milliseconds since the Unix epoch, UTC. A time zone is
** named as in the tz database ("Europe/Moscow"), or NULL/""/"UTC"/"Z" for
** UTC, or a fixed offset "+03:00". Zones are read from /usr/share/zoneinfo,
** or the directory clk_zone_dir names (TZif files, including the rule for
** future years), so the process TZ is never touched and the functions are
** thread-safe.
**
** Every parser returns 0, or -1 with a message in err ("invalid ISO 8601
** duration 'P2X' at character 3: ..."). Nothing here allocates except a
** calendar and the per-process cache of loaded zones.
**
** Calendar arithmetic (clk_add): years, months, weeks and days move the
** wall clock in the zone (P1D across a DST change keeps 09:00; P1M from
** Jan 31 gives the last day of February); hours, minutes and seconds are
** elapsed time (PT24H across a DST change ends at 08:00 or 10:00). A wall
** time that does not exist (skipped by DST) moves forward by the gap
** (02:30 -> 03:30); an ambiguous one takes the earlier instant.
**
** Business calendar file (clk_calendar_load / clk_calendar_parse):
**
**   # sales department calendar           '#' starts a comment anywhere
**   timezone = Europe/Moscow              at most once; default UTC
**   hours    = Mon-Fri 09:00-18:00        repeatable; days: Mon..Sun, "Mon-Fri",
**   hours    = Sat 10:00-14:00              "Mon,Wed,Fri"; one or more ranges:
**   hours    = Mon-Thu 09:00-13:00 14:00-18:00     ranges of a day must not overlap;
**                                                   "24:00" is the end of the day
**   holiday  = 2026-01-01                 a whole day off
**   holiday  = 2026-01-01..2026-01-08     a range of days off (inclusive)
**   workday  = 2026-11-01 10:00-15:00     an exceptional working day: replaces
**   workday  = 2026-11-02                   that date's hours (weekly or holiday);
**                                           without ranges it gets the hours of the
**                                           first weekday (Mon..Sun) that has any
**
** Keys are case-insensitive; errors name "file:line". At least one weekly
** "hours" line is required.
**
** Working-time arithmetic (clk_add_working), in this order:
**   1. Years, months, weeks: calendar time, exactly as clk_add in the
**      calendar's zone ("P1W" = same weekday and time next week; a holiday
**      does not stretch a week). If that lands outside working hours it moves
**      forward to the start of the next working period.
**   2. Days: working days, keeping the wall-clock time. From a moment inside
**      working hours (ends included), PnD is the same time of day n working
**      days later: Friday 17:00 + P2D = Tuesday 17:00. From a moment outside
**      working hours (evening, weekend, lunch, holiday) the count starts from
**      the close of the last working period before it, because no work could
**      be done since then: Friday 19:00, Saturday or Monday 07:00 + P2D =
**      Tuesday 18:00, "end of business on the second working day". If the
**      target day's hours do not contain that time of day, it moves back to
**      the close of that day's last period before it (or forward to the
**      day's opening if the time is before it).
**   3. Hours, minutes, seconds: elapsed working time. Counting starts at the
**      moment itself if it is inside a working period, else at the next
**      period's start; a deadline that uses up a period exactly is that
**      period's close (Friday 17:00 + PT1H = Friday 18:00; Friday 16:00 +
**      PT4H = Monday 11:00).
**   A zero duration returns the start unchanged. A NULL calendar means
**   24/7 in UTC (plain clk_add).
*/
#ifndef SDM_CLOCK_H
#define SDM_CLOCK_H
#include <stddef.h>
#include <stdint.h>

/* Returned by clk_add / clk_add_working when the result would fall outside
** years 0001..9999 (or, for working time, no working period is left). */
#define CLK_NEVER INT64_MAX

typedef struct clk_duration {
    int years, months, weeks, days, hours, minutes;
    double seconds;
} clk_duration;

/* ISO 8601 PnYnMnWnDTnHnMnS: P2D, PT4H30M, P1DT2H, P1W, P1Y2M, PT0.5S.
** Only seconds may have a fraction. Longer than 9999 years is an error. */
int clk_parse_duration(const char *s, clk_duration *d, char *err, size_t errlen);
int clk_duration_is_zero(const clk_duration *d);

/* 2026-01-01T09:00:00+03:00, ...Z, ...T09:00:00.250Z, 2026-01-01T09:00
** (no offset: wall time in tz), 2026-01-01 (midnight in tz). tz NULL = UTC. */
int clk_parse_datetime(const char *s, const char *tz, int64_t *ms, char *err, size_t errlen);

/* A repeating timer. Forms (n may be omitted: unbounded):
**   Rn/PT1H                fires at anchor+1h, anchor+2h, ... n times
**   Rn/<start>/P1W         fires at start, start+1w, ... n times
**   Rn/PT1H/<end>          as Rn/PT1H, but never after end
**   Rn/<start>/<end>       interval form: every = end-start, from start
** Multiples are computed from the base (start+k*P1M), so they do not drift.
** Calendar units follow tz (copied into the cycle). */
typedef struct clk_cycle {
    int repeat;                 /* -1 = unbounded */
    int has_start;
    int64_t start;
    clk_duration every;
    int has_end;
    int64_t end;
    char tz[64];                /* zone for calendar units; "" = UTC */
} clk_cycle;
int clk_parse_cycle(const char *s, const char *tz, clk_cycle *c, char *err, size_t errlen);
/* The (fired+1)-th firing time. anchor is used when the cycle has no start
** (the moment the timer was armed). Returns 0 and sets *next, or 1 when the
** cycle is exhausted. */
int clk_cycle_next(const clk_cycle *c, int64_t anchor, int fired, int64_t *next);

/* Calendar addition in zone tz (see the top of this file). An unknown zone
** is treated as UTC; check it first with clk_tz_check. */
int64_t clk_add(int64_t t, const clk_duration *d, const char *tz);
/* 0 if tz names a usable zone, else -1 with a message. */
int clk_tz_check(const char *tz, char *err, size_t errlen);

/* The machine's zone from `localtime_path` (NULL: /etc/localtime): the
** name a symbolic link into a zoneinfo directory gives, "localtime" for a
** TZif copy (loaded from it), "UTC" when there is neither. 0, or -1 if the
** name does not fit in n. */
int clk_machine_zone(const char *localtime_path, char *name, size_t n);

/* Where zones not yet loaded are read from, for the whole process
** (sdm_config.zone_dir; the command line passes $TZDIR). */
void clk_zone_dir(const char *dir);

/* "2026-11-23T09:00:00+03:00" (".250" added when there are milliseconds);
** tz NULL or UTC gives "Z". Returns the length, or -1 if the zone is unknown
** or buf is too small. */
int clk_format(int64_t ms, const char *tz, char *buf, size_t n);

/* Business calendar. */
typedef struct clk_calendar clk_calendar;
int  clk_calendar_load(const char *path, clk_calendar **out, char *err, size_t errlen);
int  clk_calendar_parse(const char *text, const char *name, clk_calendar **out,
                        char *err, size_t errlen);
void clk_calendar_free(clk_calendar *c);
const char *clk_calendar_tz(const clk_calendar *c);
/* Whether the calendar's text named a zone; replace its zone (0, or -1 and
** a message for an unknown zone). */
int  clk_calendar_has_tz(const clk_calendar *c);
int  clk_calendar_set_tz(clk_calendar *c, const char *tz, char *err, size_t errlen);
int64_t clk_add_working(const clk_calendar *c, int64_t from, const clk_duration *d);
/* 1 if t is inside a working period [start, end), else 0. */
int  clk_is_working(const clk_calendar *c, int64_t t);

#endif
