/* parse.c: strict decimal numbers and UTC dates */
#include "config.h"

#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	/* strtoll() would skip blanks and take a '+': neither is a number. */
	if (!isdigit((unsigned char)s[0]) &&
	    !(s[0] == '-' && isdigit((unsigned char)s[1])))
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < min || v > max)
		return 0;
	*out = v;
	return 1;
}

int
parse_int(const char *s, int min, int max, int *out)
{
	int64_t v;

	if (!parse_i64(s, min, max, &v))
		return 0;
	*out = (int)v;
	return 1;
}

int
parse_time(const char *s, int64_t *out)
{
	struct tm tm, back;
	time_t t;
	int n = 0;
	size_t len = strlen(s);

	memset(&tm, 0, sizeof(tm));
	/* %n counts what matched: one spelling per time, nothing after it */
	if (len == 10 && strspn(s, "0123456789-") == 10)
		sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon,
		    &tm.tm_mday, &n);
	else if (len == 20 && s[10] == 'T' && s[19] == 'Z' &&
	    strspn(s, "0123456789-") == 10 &&
	    strspn(s + 11, "0123456789:") == 8)
		sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year,
		    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		    &tm.tm_sec, &n);
	if (n != (int)len || tm.tm_year < 1970 || tm.tm_year > 9999)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	back = tm;
	if ((t = timegm(&tm)) == (time_t)-1 || tm.tm_mday != back.tm_mday ||
	    tm.tm_mon != back.tm_mon || tm.tm_hour != back.tm_hour ||
	    tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return 0;	/* 2026-02-30 is no date */
	*out = (int64_t)t;
	return 1;
}

int
parse_bytes(const char *s, int64_t min, int64_t max, int64_t *out)
{
	static const char units[] = "KMG";
	char digits[24];
	const char *u;
	size_t n = strlen(s);
	int64_t v, mult = 1;

	if (n > 0 && (u = strchr(units, s[n - 1])) != NULL && *u != '\0') {
		mult = (int64_t)1 << (10 * (u - units + 1));
		n--;
	}
	if (n == 0 || n >= sizeof(digits) || s[0] == '-')
		return 0;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (!parse_i64(digits, 0, INT64_MAX / mult, &v) || v * mult < min ||
	    v * mult > max)
		return 0;
	*out = v * mult;
	return 1;
}
