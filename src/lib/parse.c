/* parse.c: strict decimal numbers */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

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
