/*
 * fuzz_logesc.c: untrusted text on its way into a log line (names, URLs,
 * client ids): log_escape() must end every output in a NUL within its
 * size, leave no control, C1 or bidirectional character and no invalid
 * UTF-8, and never cut an escape
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Only printable ASCII, or whole UTF-8 sequences that are no controls. */
static void
check_clean(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			i++;
			continue;
		}
		if (s[i] < 0xc2 || s[i] > 0xf4)
			abort();	/* a control, DEL or a stray byte */
		/* U+0080..U+009F (C1) are C2 80..C2 9F */
		if (s[i] == 0xc2 && i + 1 < len && s[i + 1] < 0xa0)
			abort();
		/* U+202A..U+202E, U+2066..U+2069: E2 80 AA..AE, E2 81 A6..A9 */
		if (s[i] == 0xe2 && i + 2 < len &&
		    ((s[i + 1] == 0x80 && s[i + 2] >= 0xaa && s[i + 2] <= 0xae) ||
		    (s[i + 1] == 0x81 && s[i + 2] >= 0xa6 && s[i + 2] <= 0xa9)))
			abort();
		i++;
		while (i < len && (s[i] & 0xc0) == 0x80)
			i++;
	}
}

/*
 * No escape cut short or made up: each backslash starts a doubled
 * backslash, or an "x" and two hex digits follow it. (Looking at the end
 * of the output alone took an escaped backslash and an "x" after it for
 * an escape cut short.)
 */
static void
check_escapes(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] != '\\')
			continue;
		if (i + 1 < len && s[i + 1] == '\\')
			i++;
		else if (i + 3 < len && s[i + 1] == 'x' &&
		    isxdigit((unsigned char)s[i + 2]) &&
		    isxdigit((unsigned char)s[i + 3]))
			i += 3;
		else
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 2, 5, 64, 4096 };
	char out[4096];
	size_t i, n;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(out, 0x55, sizeof(out));
		n = log_escape((const char *)data, size, out, sizes[i]);
		if (n >= sizes[i] || out[n] != '\0' || strlen(out) != n)
			abort();
		check_escapes(out, n);
		check_clean((const unsigned char *)out, n);
	}
	return 0;
}
