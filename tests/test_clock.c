/*
** test_clock.c — unit tests of engine/clock.c: ISO 8601 parsing, time zones
** around DST, calendar addition, cycles and working-time arithmetic.
** Needs only libc and the tz database (tzdata).
*/
#include <stdint.h>
#include <unistd.h>
#include "clock.h"
#include "t.h"

static char ebuf[1024];

/* Helpers that keep each check on one line: parse, format, add. */
static int64_t P(const char *s, const char *tz) {
    int64_t ms = 0;
    if (clk_parse_datetime(s, tz, &ms, ebuf, sizeof ebuf) != 0) {
        fprintf(stderr, "  (parse '%s' failed: %s)\n", s, ebuf);
        return INT64_MIN;
    }
    return ms;
}

static const char *F(int64_t ms, const char *tz) {
    static char b[8][64];
    static int i;
    i = (i + 1) % 8;
    if (clk_format(ms, tz, b[i], sizeof b[i]) < 0) snprintf(b[i], sizeof b[i], "(format failed %lld)", (long long)ms);
    return b[i];
}

static clk_duration D(const char *s) {
    clk_duration d;
    if (clk_parse_duration(s, &d, ebuf, sizeof ebuf) != 0) fprintf(stderr, "  (duration '%s' failed: %s)\n", s, ebuf);
    return d;
}

static const char *ADD(const char *from, const char *dur, const char *tz) {
    clk_duration d = D(dur);
    return F(clk_add(P(from, tz), &d, tz), tz);
}

static const char *WORK(const clk_calendar *c, const char *from, const char *dur) {
    clk_duration d = D(dur);
    return F(clk_add_working(c, P(from, clk_calendar_tz(c)), &d), clk_calendar_tz(c));
}

static void bad_duration(const char *s, const char *want) {
    clk_duration d;
    ebuf[0] = 0;
    CHECK_EQ_INT(clk_parse_duration(s, &d, ebuf, sizeof ebuf), -1);
    CHECK_CONTAINS(ebuf, want);
}

static void bad_datetime(const char *s, const char *tz, const char *want) {
    int64_t ms;
    ebuf[0] = 0;
    CHECK_EQ_INT(clk_parse_datetime(s, tz, &ms, ebuf, sizeof ebuf), -1);
    CHECK_CONTAINS(ebuf, want);
}

static void bad_cycle(const char *s, const char *want) {
    clk_cycle c;
    ebuf[0] = 0;
    CHECK_EQ_INT(clk_parse_cycle(s, NULL, &c, ebuf, sizeof ebuf), -1);
    CHECK_CONTAINS(ebuf, want);
}

static void bad_calendar(const char *text, const char *want) {
    clk_calendar *c = (clk_calendar *)1;
    ebuf[0] = 0;
    CHECK_EQ_INT(clk_calendar_parse(text, "cal.txt", &c, ebuf, sizeof ebuf), -1);
    CHECK(c == NULL);
    CHECK_CONTAINS(ebuf, want);
}

static void test_durations(void) {
    clk_duration d;
    T_CASE("1.1 duration P2D");
    CHECK_EQ_INT(clk_parse_duration("P2D", &d, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(d.days, 2); CHECK_EQ_INT(d.hours, 0); CHECK_EQ_INT(d.years, 0);
    T_CASE("1.2 duration PT4H30M");
    d = D("PT4H30M");
    CHECK_EQ_INT(d.hours, 4); CHECK_EQ_INT(d.minutes, 30); CHECK_EQ_INT(d.months, 0);
    T_CASE("1.3 duration P1DT2H");
    d = D("P1DT2H");
    CHECK_EQ_INT(d.days, 1); CHECK_EQ_INT(d.hours, 2);
    T_CASE("1.4 duration P1W");
    d = D("P1W");
    CHECK_EQ_INT(d.weeks, 1); CHECK_EQ_INT(d.days, 0);
    T_CASE("1.5 duration P1Y2M (M before T = months)");
    d = D("P1Y2M");
    CHECK_EQ_INT(d.years, 1); CHECK_EQ_INT(d.months, 2); CHECK_EQ_INT(d.minutes, 0);
    T_CASE("1.6 duration PT0.5S and PT1,25S");
    d = D("PT0.5S");
    CHECK(d.seconds == 0.5);
    d = D("PT1,25S");
    CHECK(d.seconds == 1.25);
    T_CASE("1.7 duration with every unit");
    d = D("P1Y2M3W4DT5H6M7.5S");
    CHECK_EQ_INT(d.years, 1); CHECK_EQ_INT(d.months, 2); CHECK_EQ_INT(d.weeks, 3);
    CHECK_EQ_INT(d.days, 4); CHECK_EQ_INT(d.hours, 5); CHECK_EQ_INT(d.minutes, 6);
    CHECK(d.seconds == 7.5);
    T_CASE("1.8 duration PT1M is minutes, lowercase and whitespace accepted");
    d = D("PT1M");
    CHECK_EQ_INT(d.minutes, 1); CHECK_EQ_INT(d.months, 0);
    d = D("  p2dt3h\n");
    CHECK_EQ_INT(d.days, 2); CHECK_EQ_INT(d.hours, 3);
    T_CASE("1.9 zero and large-but-legal durations");
    d = D("P0D");
    CHECK(clk_duration_is_zero(&d));
    CHECK_EQ_INT(clk_parse_duration("PT36H", &d, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(d.hours, 36);
    CHECK_EQ_INT(clk_parse_duration("P9999Y", &d, ebuf, sizeof ebuf), 0);
    CHECK(!clk_duration_is_zero(&d));

    T_CASE("2.1 malformed duration names the character");
    bad_duration("P2X", "invalid ISO 8601 duration 'P2X' at character 3");
    T_CASE("2.2 malformed durations");
    bad_duration("", "empty");
    bad_duration(NULL, "no ISO 8601 duration");
    bad_duration("P", "at character 2");
    bad_duration("PT", "after 'T'");
    bad_duration("2D", "expected 'P'");
    bad_duration("P1DT", "after 'T'");
    bad_duration("PD", "expected a number");
    bad_duration("P1H", "unexpected character");
    bad_duration("PT1D", "unexpected character");
    bad_duration("P1M1Y", "out of order");
    bad_duration("P1D1D", "repeated");
    bad_duration("PT1S1M", "out of order");
    bad_duration("P1.5D", "only seconds may have a fraction");
    bad_duration("PT1.S", "digits after the decimal mark");
    bad_duration("P-1D", "expected a number");
    bad_duration("P1DT1H1", "missing unit");
    bad_duration("P1D x", "'P1D x' at character 4");
    bad_duration("P1TT1H", "character 3");
    bad_duration("P1DTT1H", "a second 'T'");
    T_CASE("2.3 absurd durations are rejected");
    bad_duration("P10000Y", "too large");
    bad_duration("PT99999999999999S", "number too large");
    bad_duration("P9999Y9999M", "longer than 9999 years");
    bad_duration("P3999999999D", "too large");
    char longs[300];
    memset(longs, '1', sizeof longs - 1);
    longs[0] = 'P'; longs[sizeof longs - 1] = 0;
    bad_duration(longs, "too long");
}

static void test_datetimes(void) {
    T_CASE("3.1 date-time with offset");
    CHECK_EQ_INT(P("2026-01-01T09:00:00+03:00", NULL), 1767247200000LL);
    CHECK_EQ_INT(P("2026-01-01T06:00:00Z", NULL), 1767247200000LL);
    CHECK_EQ_INT(P("2026-01-01T06:00:00z", "Europe/Berlin"), 1767247200000LL);
    CHECK_EQ_INT(P("2026-01-01T11:30:00+0530", NULL), 1767247200000LL);
    CHECK_EQ_INT(P("2026-01-01T01:00:00-05", NULL), 1767247200000LL);
    CHECK_EQ_INT(P("2026-01-01 06:00:00Z", NULL), 1767247200000LL);
    T_CASE("3.2 no offset: wall time in the zone");
    CHECK_EQ_INT(P("2026-01-01T09:00", "Europe/Moscow"), 1767247200000LL);
    CHECK_EQ_INT(P("2026-01-01T06:00", NULL), 1767247200000LL);
    CHECK_EQ_STR(F(P("2026-07-01T12:00:00", "Europe/Berlin"), NULL), "2026-07-01T10:00:00Z");
    CHECK_EQ_STR(F(P("2026-01-01T12:00:00", "Europe/Berlin"), NULL), "2026-01-01T11:00:00Z");
    CHECK_EQ_STR(F(P("2026-07-01T12:00:00", "America/New_York"), NULL), "2026-07-01T16:00:00Z");
    T_CASE("3.3 date only: midnight in the zone");
    CHECK_EQ_STR(F(P("2026-01-01", "Europe/Moscow"), NULL), "2025-12-31T21:00:00Z");
    CHECK_EQ_STR(F(P("2026-01-01", NULL), NULL), "2026-01-01T00:00:00Z");
    T_CASE("3.4 fractions of a second");
    CHECK_EQ_INT(P("1970-01-01T00:00:00.5Z", NULL), 500);
    CHECK_EQ_INT(P("1970-01-01T00:00:01.123456789Z", NULL), 1123);
    CHECK_EQ_INT(P("1970-01-01T00:00:00,25Z", NULL), 250);
    CHECK_EQ_INT(P("1969-12-31T23:59:59Z", NULL), -1000);
    T_CASE("3.5 DST gap moves forward, fold takes the earlier instant");
    CHECK_EQ_STR(F(P("2026-03-29T02:30", "Europe/Berlin"), "Europe/Berlin"), "2026-03-29T03:30:00+02:00");
    CHECK_EQ_STR(F(P("2026-10-25T02:30", "Europe/Berlin"), NULL), "2026-10-25T00:30:00Z");
    CHECK_EQ_STR(F(P("2026-03-08T02:30", "America/New_York"), NULL), "2026-03-08T07:30:00Z");
    CHECK_EQ_STR(F(P("2026-11-01T01:30", "America/New_York"), NULL), "2026-11-01T05:30:00Z");
    T_CASE("3.6 leap day");
    CHECK_EQ_STR(F(P("2028-02-29T12:00:00Z", NULL), NULL), "2028-02-29T12:00:00Z");

    T_CASE("4.1 malformed date-times");
    bad_datetime("2026-13-01", NULL, "month 13 out of range");
    bad_datetime("2026-02-29", NULL, "2026-02 has no day 29");
    bad_datetime("2026-04-31T10:00Z", NULL, "has no day 31");
    bad_datetime("2026-1-01", NULL, "at character 6: expected a 2-digit month");
    bad_datetime("26-01-01", NULL, "4-digit year");
    bad_datetime("2026-01-01T25:00", NULL, "hour 25 out of range");
    bad_datetime("2026-01-01T24:00", NULL, "hour 24 out of range");
    bad_datetime("2026-01-01T09:60", NULL, "minute 60");
    bad_datetime("2026-01-01T09:00:61", NULL, "second 61");
    bad_datetime("2026-01-01T09:00:00+25:00", NULL, "offset like +03:00");
    bad_datetime("2026-01-01T09:00:00+03:0", NULL, "offset");
    bad_datetime("2026-01-01X09:00", NULL, "at character 11: expected 'T'");
    bad_datetime("2026-01-01T09", NULL, "expected ':'");
    bad_datetime("2026-01-01T09:00:00.Z", NULL, "digits after the decimal mark");
    bad_datetime("2026-01-01T09:00:00.1234567890Z", NULL, "more than 9 fraction digits");
    bad_datetime("0000-01-01", NULL, "year 0000");
    bad_datetime("tomorrow", NULL, "4-digit year");
    bad_datetime("2026-01-01T09:00:00+03:00junk", NULL, "unexpected text");
    bad_datetime("", NULL, "empty");
    bad_datetime(NULL, NULL, "no ISO 8601 date-time");
    T_CASE("4.2 bad time zones");
    bad_datetime("2026-01-01T09:00", "Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'");
    bad_datetime("2026-01-01T09:00", "../../etc/passwd", "invalid time zone name");
    bad_datetime("2026-01-01T09:00", "/etc/passwd", "invalid time zone name");
    bad_datetime("2026-01-01T09:00", "zone.tab", "invalid time zone name");
    bad_datetime("2026-01-01T09:00", "posixrules/x", "unknown time zone");
    bad_datetime("2026-01-01T09:00", "+99:00", "invalid UTC offset");
    CHECK_EQ_INT(clk_tz_check("Europe/Moscow", ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(clk_tz_check(NULL, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(clk_tz_check("Europe", ebuf, sizeof ebuf), -1);
    CHECK_EQ_INT(clk_tz_check("Nowhere/Else", ebuf, sizeof ebuf), -1);
}

static void test_add(void) {
    T_CASE("5.1 months clamp to the month end");
    CHECK_EQ_STR(ADD("2026-01-31T10:00:00Z", "P1M", NULL), "2026-02-28T10:00:00Z");
    CHECK_EQ_STR(ADD("2028-01-31T10:00:00Z", "P1M", NULL), "2028-02-29T10:00:00Z");
    CHECK_EQ_STR(ADD("2026-03-31T10:00:00Z", "P1M", NULL), "2026-04-30T10:00:00Z");
    CHECK_EQ_STR(ADD("2026-12-31T10:00:00Z", "P2M", NULL), "2027-02-28T10:00:00Z");
    CHECK_EQ_STR(ADD("2028-02-29T10:00:00Z", "P1Y", NULL), "2029-02-28T10:00:00Z");
    CHECK_EQ_STR(ADD("2026-11-30T10:00:00Z", "P1Y2M", NULL), "2028-01-30T10:00:00Z");
    CHECK_EQ_STR(ADD("2026-12-31T23:00:00Z", "PT2H", NULL), "2027-01-01T01:00:00Z");
    CHECK_EQ_STR(ADD("2026-02-27T10:00:00Z", "P1W2D", NULL), "2026-03-08T10:00:00Z");
    T_CASE("5.2 P1D across spring-forward keeps 09:00, PT24H does not (Berlin)");
    CHECK_EQ_STR(ADD("2026-03-28T09:00:00", "P1D", "Europe/Berlin"), "2026-03-29T09:00:00+02:00");
    CHECK_EQ_STR(ADD("2026-03-28T09:00:00", "PT24H", "Europe/Berlin"), "2026-03-29T10:00:00+02:00");
    T_CASE("5.3 P1D across fall-back (Berlin)");
    CHECK_EQ_STR(ADD("2026-10-24T09:00:00", "P1D", "Europe/Berlin"), "2026-10-25T09:00:00+01:00");
    CHECK_EQ_STR(ADD("2026-10-24T09:00:00", "PT24H", "Europe/Berlin"), "2026-10-25T08:00:00+01:00");
    CHECK_EQ_STR(ADD("2026-10-24T09:00:00", "P1DT1H", "Europe/Berlin"), "2026-10-25T10:00:00+01:00");
    T_CASE("5.4 New York DST and a wall time in the gap");
    CHECK_EQ_STR(ADD("2026-03-07T12:00:00", "P1D", "America/New_York"), "2026-03-08T12:00:00-04:00");
    CHECK_EQ_STR(ADD("2026-10-31T12:00:00", "P1W", "America/New_York"), "2026-11-07T12:00:00-05:00");
    CHECK_EQ_STR(ADD("2026-03-28T02:30:00", "P1D", "Europe/Berlin"), "2026-03-29T03:30:00+02:00");
    T_CASE("5.5 Moscow has no DST");
    CHECK_EQ_STR(ADD("2026-03-28T09:00:00", "P1D", "Europe/Moscow"), "2026-03-29T09:00:00+03:00");
    CHECK_EQ_STR(ADD("2026-06-30T23:30:00", "PT1H", "Europe/Moscow"), "2026-07-01T00:30:00+03:00");
    T_CASE("5.6 the same P1M in UTC and in Moscow differ near midnight");
    CHECK_EQ_STR(ADD("2026-01-31T01:00:00+03:00", "P1M", "Europe/Moscow"), "2026-02-28T01:00:00+03:00");
    CHECK_EQ_STR(F(clk_add(P("2026-01-31T01:00:00+03:00", NULL), &(clk_duration){0, 1, 0, 0, 0, 0, 0}, NULL),
                   "Europe/Moscow"), "2026-03-01T01:00:00+03:00");
    T_CASE("5.7 milliseconds and times before 1970 survive");
    CHECK_EQ_STR(ADD("2026-01-01T00:00:00.250Z", "PT0.5S", NULL), "2026-01-01T00:00:00.750Z");
    CHECK_EQ_STR(ADD("1969-12-31T23:00:00Z", "P1DT1H", NULL), "1970-01-02T00:00:00Z");
    T_CASE("5.8 out of range gives CLK_NEVER, unknown zone is UTC");
    clk_duration big = D("P9999Y");
    CHECK(clk_add(P("2026-01-01T00:00:00Z", NULL), &big, NULL) == CLK_NEVER);
    CHECK(clk_add(INT64_MAX - 5, &big, NULL) == CLK_NEVER);
    clk_duration odd = {2000000000, 2000000000, 0, 0, 0, 0, 0};
    CHECK(clk_add(0, &odd, NULL) == CLK_NEVER);
    clk_duration day = D("P1D");
    CHECK_EQ_INT(clk_add(0, &day, "No/Such_Zone"), 86400000);
    T_CASE("5.9 zone rules beyond the transition table (TZif footer)");
    CHECK_EQ_STR(F(P("2100-07-01T12:00:00Z", NULL), "Europe/Berlin"), "2100-07-01T14:00:00+02:00");
    CHECK_EQ_STR(F(P("2100-01-01T12:00:00Z", NULL), "Europe/Berlin"), "2100-01-01T13:00:00+01:00");
    CHECK_EQ_STR(ADD("2099-03-28T09:00:00", "P1D", "Europe/Berlin"), "2099-03-29T09:00:00+02:00");
    CHECK_EQ_STR(F(P("2099-03-29T00:59:59Z", NULL), "Europe/Berlin"), "2099-03-29T01:59:59+01:00");
    CHECK_EQ_STR(F(P("2099-03-29T01:00:00Z", NULL), "Europe/Berlin"), "2099-03-29T03:00:00+02:00");
    CHECK_EQ_STR(F(P("2100-01-15T12:00:00Z", NULL), "Australia/Sydney"), "2100-01-15T23:00:00+11:00");
    CHECK_EQ_STR(F(P("2100-07-15T12:00:00Z", NULL), "Australia/Sydney"), "2100-07-15T22:00:00+10:00");
    CHECK_EQ_STR(F(P("2100-07-15T12:00:00Z", NULL), "America/New_York"), "2100-07-15T08:00:00-04:00");
    T_CASE("5.10 historical offsets");
    CHECK_EQ_STR(F(P("2012-07-01T12:00:00Z", NULL), "Europe/Moscow"), "2012-07-01T16:00:00+04:00");
    CHECK_EQ_STR(F(P("2010-01-01T12:00:00Z", NULL), "Europe/Moscow"), "2010-01-01T15:00:00+03:00");
    CHECK_EQ_STR(F(P("2016-01-01T12:00:00Z", NULL), "Europe/Moscow"), "2016-01-01T15:00:00+03:00");
}

static void test_format(void) {
    char buf[64];
    T_CASE("6.1 format UTC and zones");
    CHECK_EQ_STR(F(0, NULL), "1970-01-01T00:00:00Z");
    CHECK_EQ_STR(F(0, "UTC"), "1970-01-01T00:00:00Z");
    CHECK_EQ_STR(F(1500, NULL), "1970-01-01T00:00:01.500Z");
    CHECK_EQ_STR(F(-1, NULL), "1969-12-31T23:59:59.999Z");
    CHECK_EQ_STR(F(P("2026-11-23T06:00:00Z", NULL), "Europe/Moscow"), "2026-11-23T09:00:00+03:00");
    CHECK_EQ_STR(F(P("2026-11-23T06:00:00Z", NULL), "America/New_York"), "2026-11-23T01:00:00-05:00");
    CHECK_EQ_STR(F(P("2026-11-23T06:00:00Z", NULL), "Asia/Kolkata"), "2026-11-23T11:30:00+05:30");
    CHECK_EQ_STR(F(P("2026-11-23T06:00:00Z", NULL), "+05:30"), "2026-11-23T11:30:00+05:30");
    CHECK_EQ_STR(F(P("2026-11-23T06:00:00Z", NULL), "-03"), "2026-11-23T03:00:00-03:00");
    CHECK_EQ_STR(F(P("2026-11-23T06:00:00Z", NULL), "Europe/London"), "2026-11-23T06:00:00+00:00");
    T_CASE("6.2 format failures");
    CHECK_EQ_INT(clk_format(0, NULL, buf, 10), -1);
    CHECK_EQ_STR(buf, "");
    CHECK_EQ_INT(clk_format(0, "Bad/Zone", buf, sizeof buf), -1);
    CHECK_EQ_INT(clk_format(INT64_MAX, NULL, buf, sizeof buf), -1);
    CHECK_EQ_INT(clk_format(0, NULL, buf, sizeof buf), 20);
    T_CASE("6.3 round trip every 7h13m over a year in Berlin and New York");
    int ok = 1;
    const char *zones[] = {"Europe/Berlin", "America/New_York", "Europe/Moscow", NULL};
    for (int z = 0; z < 4; z++)
        for (int64_t t = P("2026-01-01T00:00:00.123Z", NULL); t < P("2027-01-01T00:00:00Z", NULL); t += 26000000) {
            int64_t back;
            if (clk_parse_datetime(F(t, zones[z]), NULL, &back, ebuf, sizeof ebuf) || back != t) ok = 0;
        }
    CHECK(ok);
}

static void test_cycles(void) {
    clk_cycle c;
    int64_t next = 0, a = P("2026-05-01T10:00:00Z", NULL);
    T_CASE("7.1 R3/PT1H fires 3 times then exhausts");
    CHECK_EQ_INT(clk_parse_cycle("R3/PT1H", NULL, &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(c.repeat, 3); CHECK_EQ_INT(c.has_start, 0); CHECK_EQ_INT(c.every.hours, 1);
    CHECK_EQ_INT(clk_cycle_next(&c, a, 0, &next), 0); CHECK_EQ_STR(F(next, NULL), "2026-05-01T11:00:00Z");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 1, &next), 0); CHECK_EQ_STR(F(next, NULL), "2026-05-01T12:00:00Z");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 2, &next), 0); CHECK_EQ_STR(F(next, NULL), "2026-05-01T13:00:00Z");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 3, &next), 1);
    T_CASE("7.2 R/PT1H is unbounded");
    CHECK_EQ_INT(clk_parse_cycle("R/PT1H", NULL, &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(c.repeat, -1);
    CHECK_EQ_INT(clk_cycle_next(&c, a, 1000, &next), 0);
    CHECK_EQ_INT(next, a + 1001LL * 3600000);
    T_CASE("7.3 R/start/P1W fires at start, then weekly");
    CHECK_EQ_INT(clk_parse_cycle("R/2026-01-01T09:00:00+03:00/P1W", "Europe/Moscow", &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(c.has_start, 1);
    CHECK_EQ_INT(clk_cycle_next(&c, a, 0, &next), 0); CHECK_EQ_STR(F(next, "Europe/Moscow"), "2026-01-01T09:00:00+03:00");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 1, &next), 0); CHECK_EQ_STR(F(next, "Europe/Moscow"), "2026-01-08T09:00:00+03:00");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 47, &next), 0); CHECK_EQ_STR(F(next, "Europe/Moscow"), "2026-11-26T09:00:00+03:00");
    T_CASE("7.4 R5/start/P1D exhausts after five");
    CHECK_EQ_INT(clk_parse_cycle("R5/2026-01-01T09:00:00Z/P1D", NULL, &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(clk_cycle_next(&c, a, 4, &next), 0); CHECK_EQ_STR(F(next, NULL), "2026-01-05T09:00:00Z");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 5, &next), 1);
    T_CASE("7.5 monthly cycle from Jan 31 does not drift");
    CHECK_EQ_INT(clk_parse_cycle("R/2026-01-31T10:00:00Z/P1M", NULL, &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(clk_cycle_next(&c, a, 1, &next), 0); CHECK_EQ_STR(F(next, NULL), "2026-02-28T10:00:00Z");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 2, &next), 0); CHECK_EQ_STR(F(next, NULL), "2026-03-31T10:00:00Z");
    T_CASE("7.6 daily cycle keeps 09:00 across DST in its zone");
    CHECK_EQ_INT(clk_parse_cycle("R/2026-03-28T09:00:00/P1D", "Europe/Berlin", &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_STR(c.tz, "Europe/Berlin");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 1, &next), 0); CHECK_EQ_STR(F(next, "Europe/Berlin"), "2026-03-29T09:00:00+02:00");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 2, &next), 0); CHECK_EQ_STR(F(next, "Europe/Berlin"), "2026-03-30T09:00:00+02:00");
    T_CASE("7.7 Rn/duration/end stops at the end");
    CHECK_EQ_INT(clk_parse_cycle("R/PT1H/2026-05-01T12:00:00Z", NULL, &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(c.has_end, 1);
    CHECK_EQ_INT(clk_cycle_next(&c, a, 1, &next), 0); CHECK_EQ_STR(F(next, NULL), "2026-05-01T12:00:00Z");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 2, &next), 1);
    T_CASE("7.8 interval form Rn/start/end");
    CHECK_EQ_INT(clk_parse_cycle("R2/2026-01-01T00:00:00Z/2026-01-01T06:00:00Z", NULL, &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(clk_cycle_next(&c, a, 0, &next), 0); CHECK_EQ_STR(F(next, NULL), "2026-01-01T00:00:00Z");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 1, &next), 0); CHECK_EQ_STR(F(next, NULL), "2026-01-01T06:00:00Z");
    CHECK_EQ_INT(clk_cycle_next(&c, a, 2, &next), 1);
    T_CASE("7.9 R0 never fires; huge counts do not overflow");
    CHECK_EQ_INT(clk_parse_cycle("R0/PT1H", NULL, &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(clk_cycle_next(&c, a, 0, &next), 1);
    CHECK_EQ_INT(clk_parse_cycle("R/P1000Y", NULL, &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(clk_cycle_next(&c, a, 2000000000, &next), 1);
    T_CASE("7.10 malformed cycles");
    bad_cycle("R3", "expected Rn/duration");
    bad_cycle("X3/PT1H", "expected 'R' or 'Rn'");
    bad_cycle("Rx/PT1H", "expected 'R' or 'Rn'");
    bad_cycle("R-1/PT1H", "expected 'R' or 'Rn'");
    bad_cycle("R99999999999/PT1H", "expected 'R' or 'Rn'");
    bad_cycle("R3/PT0S", "zero period");
    bad_cycle("R3/P1D/P2D", "two durations");
    bad_cycle("R3/P2X", "invalid ISO 8601 cycle 'R3/P2X': invalid ISO 8601 duration 'P2X' at character 3");
    bad_cycle("R3/PT1H/garbage", "4-digit year");
    bad_cycle("R/2026-01-01T09:00:00Z", "no period");
    bad_cycle("R/2026-01-02T00:00:00Z/2026-01-01T00:00:00Z", "not after the start");
    bad_cycle("R3/PT1H/a/b", "expected Rn/duration");
    bad_cycle("", "empty");
    bad_cycle(NULL, "no ISO 8601 cycle");
    CHECK_EQ_INT(clk_parse_cycle("R/PT1H", "Bad/Zone", &c, ebuf, sizeof ebuf), -1);
    CHECK_CONTAINS(ebuf, "unknown time zone");
}

static const char *SALES =
    "# sales department calendar\n"
    "timezone = Europe/Moscow\n"
    "hours    = Mon-Fri 09:00-18:00        # the usual week\n"
    "\n"
    "holiday  = 2026-01-01..2026-01-08\n"
    "holiday  = 2026-03-09\n"
    "holiday  = 2026-05-01\n"
    "workday  = 2026-03-14 10:00-15:00      # a Saturday worked\n"
    "workday  = 2026-03-21\n"
    "workday  = 2026-03-13 09:00-16:00      # a short Friday\n";

static void test_calendar_parse(void) {
    clk_calendar *c = NULL;
    T_CASE("8.1 the sales calendar parses");
    CHECK_EQ_INT(clk_calendar_parse(SALES, "sales.cal", &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_STR(clk_calendar_tz(c), "Europe/Moscow");
    clk_calendar_free(c);
    T_CASE("8.2 calendar errors name file:line");
    bad_calendar("timezone = UTC\nhours = Mon-Fri 09:00-18:00\nlunch = 13:00\n", "cal.txt:3: unknown key 'lunch'");
    bad_calendar("hours = Mon-Fry 09:00-18:00\n", "cal.txt:1: invalid days 'Mon-Fry'");
    bad_calendar("hours = Mon-Fri\n", "cal.txt:1: expected days and time ranges");
    bad_calendar("hours = Mon-Fri 09:00-25:00\n", "invalid time range '09:00-25:00'");
    bad_calendar("hours = Mon-Fri 9-18\n", "invalid time range '9-18'");
    bad_calendar("hours = Mon-Fri 18:00-09:00\n", "does not end after it starts");
    bad_calendar("hours = Mon-Fri 09:00-18:00\nhours = Fri 17:00-19:00\n", "cal.txt:2: time range '17:00-19:00' overlaps");
    bad_calendar("hours = Mon 09:00-18:00\nholiday = 2026-02-30\n", "cal.txt:2: invalid ISO 8601 date-time '2026-02-30'");
    bad_calendar("hours = Mon 09:00-18:00\nholiday = 2026-01-08..2026-01-01\n", "ends before it starts");
    bad_calendar("hours = Mon 09:00-18:00\nholiday = 2026-01-01..2046-01-01\n", "longer than 10 years");
    bad_calendar("hours = Mon 09:00-18:00\nholiday = 2026-01-01 2026-01-02\n", "expected one date");
    bad_calendar("hours = Mon 09:00-18:00\nholiday = 2026-01-01x\n", "invalid date '2026-01-01x'");
    bad_calendar("timezone = Europe/Moskva_X\n", "cal.txt:1: unknown time zone");
    bad_calendar("timezone = UTC\ntimezone = UTC\n", "cal.txt:2: timezone given twice");
    bad_calendar("hours Mon-Fri 09:00-18:00\n", "cal.txt:1: expected 'key = value'");
    bad_calendar("# nothing\ntimezone = UTC\n", "cal.txt: no working hours");
    bad_calendar("", "no working hours");
    bad_calendar("hours = Mon 09:00-18:00\nworkday = 2026-03-14\nworkday = 2026-03-14 10:00-11:00\n",
                 "cal.txt:3: workday 2026-03-14 already given on line 2");
    bad_calendar("hours = Mon 01:00-02:00 02:00-03:00 03:00-04:00 04:00-05:00 05:00-06:00 06:00-07:00 "
                 "07:00-08:00 08:00-09:00 09:00-10:00\n", "more than 8 time ranges");
    T_CASE("8.3 comments, CRLF, case, several ranges, wrapping day lists");
    CHECK_EQ_INT(clk_calendar_parse("TimeZone = Europe/Berlin\r\nHOURS = mon,wed 09:00-13:00 14:00-24:00\r\n"
                                    "hours = Sat-Sun 10:00-14:00\r\n", "x", &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(clk_is_working(c, P("2026-03-04T23:59:00", "Europe/Berlin")), 1);  /* Wed */
    CHECK_EQ_INT(clk_is_working(c, P("2026-03-04T13:30:00", "Europe/Berlin")), 0);
    CHECK_EQ_INT(clk_is_working(c, P("2026-03-03T10:00:00", "Europe/Berlin")), 0);  /* Tue */
    CHECK_EQ_INT(clk_is_working(c, P("2026-03-08T10:00:00", "Europe/Berlin")), 1);  /* Sun */
    clk_calendar_free(c);
    T_CASE("8.4 load from a file; errors name the file");
    const char *path = "/tmp/sdm_test_clock.cal";
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) { fputs("timezone = Europe/Moscow\nhours = Mon-Fri 09:00-18:00\nholiday = 2026-13-01\n", f); fclose(f); }
    CHECK_EQ_INT(clk_calendar_load(path, &c, ebuf, sizeof ebuf), -1);
    CHECK_CONTAINS(ebuf, "/tmp/sdm_test_clock.cal:3: invalid ISO 8601 date-time '2026-13-01': month 13");
    f = fopen(path, "w");
    if (f) { fputs(SALES, f); fclose(f); }
    CHECK_EQ_INT(clk_calendar_load(path, &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_STR(clk_calendar_tz(c), "Europe/Moscow");
    clk_calendar_free(c);
    remove(path);
    CHECK_EQ_INT(clk_calendar_load("/nonexistent/sdm.cal", &c, ebuf, sizeof ebuf), -1);
    CHECK_CONTAINS(ebuf, "cannot read calendar '/nonexistent/sdm.cal'");
    CHECK(c == NULL);
    clk_calendar_free(NULL);
}

static void test_working(void) {
    clk_calendar *c = NULL;
    if (clk_calendar_parse(SALES, "sales.cal", &c, ebuf, sizeof ebuf)) { CHECK(0); return; }
    /* 2026-03-06 is a Friday; Monday 2026-03-09 is a holiday in SALES, so
    ** weekend tests use the week before: Friday 2026-02-27. */
    T_CASE("9.1 a task due in 2 working days created Friday 17:00 is due Tuesday 17:00");
    CHECK_EQ_STR(WORK(c, "2026-02-27T17:00", "P2D"), "2026-03-03T17:00:00+03:00");
    T_CASE("9.2 created outside hours: due at the close of the 2nd working day");
    CHECK_EQ_STR(WORK(c, "2026-02-27T19:00", "P2D"), "2026-03-03T18:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-02-28T12:00", "P2D"), "2026-03-03T18:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-02T07:00", "P2D"), "2026-03-03T18:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-02T09:00", "P2D"), "2026-03-04T09:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-02-27T18:00", "P1D"), "2026-03-02T18:00:00+03:00");
    T_CASE("9.3 PT4H across a weekend");
    CHECK_EQ_STR(WORK(c, "2026-02-27T16:00", "PT4H"), "2026-03-02T11:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-02-27T17:00", "PT1H"), "2026-02-27T18:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-02-27T19:00", "PT1H"), "2026-03-02T10:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-02-28T12:00", "PT30M"), "2026-03-02T09:30:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-02T10:00", "PT9H"), "2026-03-03T10:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-02T10:00", "PT45H"), "2026-03-10T10:00:00+03:00");  /* 9th is off */
    T_CASE("9.4 holidays are skipped (Monday 2026-03-09 off)");
    CHECK_EQ_STR(WORK(c, "2026-03-06T16:00", "PT4H"), "2026-03-10T11:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-05T17:00", "P2D"), "2026-03-10T17:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-09T12:00", "P1D"), "2026-03-10T18:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2025-12-31T17:00", "P1D"), "2026-01-09T17:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2025-12-31T17:00", "PT2H"), "2026-01-09T10:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-01-05T12:00", "PT1H"), "2026-01-09T10:00:00+03:00");
    T_CASE("9.5 workday exceptions: a Saturday worked, a short Friday");
    CHECK_EQ_STR(WORK(c, "2026-03-12T17:00", "P1D"), "2026-03-13T16:00:00+03:00");   /* short Fri */
    CHECK_EQ_STR(WORK(c, "2026-03-13T15:00", "P1D"), "2026-03-14T15:00:00+03:00");   /* Sat 10-15 */
    CHECK_EQ_STR(WORK(c, "2026-03-13T09:30", "P1D"), "2026-03-14T10:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-13T15:00", "PT3H"), "2026-03-14T12:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-14T14:00", "PT2H"), "2026-03-16T10:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-20T17:00", "P1D"), "2026-03-21T17:00:00+03:00");   /* Sat, default hours */
    CHECK_EQ_INT(clk_is_working(c, P("2026-03-21T17:59", "Europe/Moscow")), 1);
    CHECK_EQ_INT(clk_is_working(c, P("2026-03-22T12:00", "Europe/Moscow")), 0);
    T_CASE("9.6 mixed P1DT2H: days first, then hours");
    CHECK_EQ_STR(WORK(c, "2026-02-27T17:00", "P1DT2H"), "2026-03-03T10:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-02-27T19:00", "P1DT2H"), "2026-03-03T11:00:00+03:00");
    T_CASE("9.7 weeks and months are calendar time, then the next working moment");
    CHECK_EQ_STR(WORK(c, "2026-02-27T17:00", "P1W"), "2026-03-06T17:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-02T12:00", "P1W"), "2026-03-10T09:00:00+03:00");   /* Mon 9th is off */
    CHECK_EQ_STR(WORK(c, "2026-01-31T12:00", "P1M"), "2026-03-02T09:00:00+03:00");   /* Sat Feb 28 */
    CHECK_EQ_STR(WORK(c, "2026-02-20T17:00", "P1WT2H"), "2026-03-02T10:00:00+03:00");
    T_CASE("9.8 zero duration and the 24/7 default");
    int64_t t = P("2026-02-28T12:00", "Europe/Moscow");
    clk_duration zero = D("PT0S"), two = D("P2D");
    CHECK_EQ_INT(clk_add_working(c, t, &zero), t);
    CHECK_EQ_INT(clk_add_working(NULL, t, &two), t + 2 * 86400000LL);
    CHECK_EQ_INT(clk_is_working(NULL, t), 1);
    CHECK(clk_add_working(c, INT64_MAX, &two) == CLK_NEVER);
    clk_duration long_days = D("P3000000D");
    CHECK(clk_add_working(c, t, &long_days) == CLK_NEVER);
    T_CASE("9.9 is_working boundaries");
    CHECK_EQ_INT(clk_is_working(c, P("2026-03-02T09:00", "Europe/Moscow")), 1);
    CHECK_EQ_INT(clk_is_working(c, P("2026-03-02T17:59:59.999", "Europe/Moscow")), 1);
    CHECK_EQ_INT(clk_is_working(c, P("2026-03-02T18:00", "Europe/Moscow")), 0);
    CHECK_EQ_INT(clk_is_working(c, P("2026-03-02T08:59", "Europe/Moscow")), 0);
    CHECK_EQ_INT(clk_is_working(c, P("2026-01-05T12:00", "Europe/Moscow")), 0);
    clk_calendar_free(c);

    T_CASE("9.10 lunch breaks and a short Friday");
    CHECK_EQ_INT(clk_calendar_parse("timezone = Europe/Moscow\nhours = Mon-Thu 09:00-13:00 14:00-18:00\n"
                                    "hours = Fri 09:00-16:00\n", "lunch", &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_STR(WORK(c, "2026-03-02T11:00", "PT4H"), "2026-03-02T16:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-02T13:30", "PT1H"), "2026-03-02T15:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-02T13:30", "P1D"), "2026-03-03T13:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-05T17:00", "P1D"), "2026-03-06T16:00:00+03:00");
    CHECK_EQ_STR(WORK(c, "2026-03-02T12:00", "PT1H"), "2026-03-02T13:00:00+03:00");
    clk_calendar_free(c);

    T_CASE("9.11 a calendar in a DST zone counts real hours");
    CHECK_EQ_INT(clk_calendar_parse("timezone = Europe/Berlin\nhours = Mon-Fri 09:00-18:00\n"
                                    "hours = Sat-Sun 00:00-24:00\n", "berlin", &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_STR(WORK(c, "2026-03-27T17:00", "P1D"), "2026-03-28T17:00:00+01:00");
    CHECK_EQ_STR(WORK(c, "2026-03-28T12:00", "PT24H"), "2026-03-29T13:00:00+02:00");
    /* Fri 1h + Sat 24h + 15h of Sunday, which has only 23 hours: wall 16:00. */
    CHECK_EQ_STR(WORK(c, "2026-03-27T17:00", "PT40H"), "2026-03-29T16:00:00+02:00");
    CHECK_EQ_STR(WORK(c, "2026-03-27T17:00", "PT48H"), "2026-03-30T00:00:00+02:00");
    CHECK_EQ_STR(WORK(c, "2026-03-27T17:00", "PT49H"), "2026-03-30T10:00:00+02:00");
    clk_calendar_free(c);
    CHECK_EQ_INT(clk_calendar_parse("hours = Mon-Fri 09:00-18:00\n", "utc", &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_STR(clk_calendar_tz(c), "UTC");
    CHECK_EQ_STR(WORK(c, "2026-02-27T17:00:00", "P2D"), "2026-03-03T17:00:00Z");
    clk_calendar_free(c);
}

/* The machine's zone from a fake /etc/localtime: a link, a copy, nothing. */
static void test_machine_zone(void) {
    char dir[] = "/tmp/sdm_clock_XXXXXX", path[64], name[64], buf[64];
    if (!mkdtemp(dir)) { CHECK(!"mkdtemp"); return; }
    snprintf(path, sizeof path, "%s/localtime", dir);
    int64_t t = P("2026-11-25T07:00:00Z", NULL);

    T_CASE("10.1 a link into zoneinfo names the zone");
    CHECK_EQ_INT(symlink("../../usr/share/zoneinfo/Europe/Moscow", path), 0);
    CHECK_EQ_INT(clk_machine_zone(path, name, sizeof name), 0);
    CHECK_EQ_STR(name, "Europe/Moscow");
    remove(path);
    CHECK_EQ_INT(symlink("/usr/share/zoneinfo/Asia/Tokyo", path), 0);
    CHECK_EQ_INT(clk_machine_zone(path, name, sizeof name), 0);
    CHECK_EQ_STR(name, "Asia/Tokyo");
    remove(path);

    T_CASE("10.2 a copy of a TZif file is the zone \"localtime\", read from the copy");
    char cmd[160];
    snprintf(cmd, sizeof cmd, "cp /usr/share/zoneinfo/Asia/Kolkata %s", path);
    CHECK_EQ_INT(system(cmd), 0);
    CHECK_EQ_INT(clk_machine_zone(path, name, sizeof name), 0);
    CHECK_EQ_STR(name, "localtime");
    CHECK(clk_format(t, name, buf, sizeof buf) > 0);
    CHECK_EQ_STR(buf, "2026-11-25T12:30:00+05:30");
    remove(path);

    T_CASE("10.3 no file, or not a TZif file: UTC");
    CHECK_EQ_INT(clk_machine_zone(path, name, sizeof name), 0);
    CHECK_EQ_STR(name, "UTC");
    FILE *f = fopen(path, "w");
    if (f) { fputs("not a zone\n", f); fclose(f); }
    CHECK_EQ_INT(clk_machine_zone(path, name, sizeof name), 0);
    CHECK_EQ_STR(name, "UTC");
    remove(path);
    rmdir(dir);

    T_CASE("10.4 a calendar counts in the zone set on it; the file's zone is known");
    clk_calendar *c = NULL;
    CHECK_EQ_INT(clk_calendar_parse("hours = Mon-Fri 09:00-18:00\n", "default", &c, ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(clk_calendar_has_tz(c), 0);
    CHECK_EQ_INT(clk_calendar_set_tz(c, "Europe/Moscow", ebuf, sizeof ebuf), 0);
    CHECK_EQ_STR(clk_calendar_tz(c), "Europe/Moscow");
    CHECK_EQ_STR(WORK(c, "2026-11-25T10:00", "P1D"), "2026-11-26T10:00:00+03:00");
    CHECK_EQ_INT(clk_calendar_set_tz(c, "Mars/Olympus", ebuf, sizeof ebuf), -1);
    CHECK_CONTAINS(ebuf, "Mars/Olympus");
    CHECK_EQ_STR(clk_calendar_tz(c), "Europe/Moscow");
    clk_calendar_free(c);
    CHECK_EQ_INT(clk_calendar_parse("timezone = Asia/Tokyo\nhours = Mon-Fri 09:00-18:00\n", "tokyo", &c,
                                    ebuf, sizeof ebuf), 0);
    CHECK_EQ_INT(clk_calendar_has_tz(c), 1);
    clk_calendar_free(c);
}

int main(void) {
    test_machine_zone();
    test_durations();
    test_datetimes();
    test_add();
    test_format();
    test_cycles();
    test_calendar_parse();
    test_working();
    return t_done();
}
