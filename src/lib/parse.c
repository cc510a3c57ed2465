/* parse.c: strict decimal numbers */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
