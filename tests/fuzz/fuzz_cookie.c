/* fuzz_cookie.c: a Cookie header from an attacker */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "err.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h, v[COOKIE_VALUE_LEN + 1];
	int r;

	log_init("fuzz_cookie", -1);
	/* MHD hands over a header as a string: up to its first NUL */
	if ((h = malloc(size + 1)) == NULL)
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	r = cookie_get(h, "__Host-kalit-sid", v);
	if ((r == KALIT_OK) != (strlen(v) == COOKIE_VALUE_LEN))
		abort();
	r = cookie_get(h, "kalit-b", v);
	if ((r == KALIT_OK) != (strlen(v) == COOKIE_VALUE_LEN))
		abort();
	free(h);
	return 0;
}
