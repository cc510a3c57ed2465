/*
 * fuzz_form.h: "key=value&..." split as MHD hands a query or a form over,
 * for the fuzz targets of the provider's parameters (static inline only)
 */
#ifndef KALIT_FUZZ_FORM_H
#define KALIT_FUZZ_FORM_H

#include <stddef.h>
#include <string.h>

/*
 * Calls fn(key, value, value_len, arg) for each pair of the size bytes of
 * s whose key is shorter than 64 bytes; a pair without '=' is skipped.
 */
static inline void
fuzz_form(const char *s, size_t size,
    void (*fn)(const char *, const char *, size_t, void *), void *arg)
{
	const char *end = s + size, *amp, *eq;
	char key[64];

	for (; s < end; s = amp + 1) {
		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		if ((eq = memchr(s, '=', (size_t)(amp - s))) == NULL ||
		    (size_t)(eq - s) >= sizeof(key))
			continue;
		memcpy(key, s, (size_t)(eq - s));
		key[eq - s] = '\0';
		fn(key, eq + 1, (size_t)(amp - eq - 1), arg);
	}
}

#endif
