/*
 * fuzz_base64.c: base64, base64url and hex from an attacker (a login's
 * pkcs7, a document to verify, GET /ocsp/..., a challenge, a digest)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "err.h"

#define MAX	4096		/* decoded bytes: over it, too_large */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Whatever decodes encodes back to as many characters, and that decodes
 * to the same bytes: a decoder never invents or drops a byte.
 */
static void
decoded(const char *in, size_t len, int url)
{
	unsigned char *out = NULL, *again = NULL;
	size_t n = 0, m = 0, elen;
	char *text;
	int r;

	r = url ? base64_url_decode(in, len, MAX, &out, &n) :
	    base64_decode(in, len, MAX, &out, &n);
	if (r != KALIT_OK) {
		if (out != NULL || n != 0 || (r != KALIT_ERR_MALFORMED &&
		    r != KALIT_ERR_TOO_LARGE))
			abort();
		return;
	}
	if (n == 0 || n > MAX || (text = malloc(BASE64_LEN(n) + 1)) == NULL)
		abort();
	elen = url ? base64_url_encode(out, n, text) :
	    base64_encode(out, n, text);
	if (elen != len || (url ? base64_url_decode(text, elen, n, &again,
	    &m) : base64_decode(text, elen, n, &again, &m)) != KALIT_OK ||
	    m != n || memcmp(again, out, n) != 0)
		abort();
	free(again);
	free(text);
	free(out);
}

/*
 * base64_decode_canonical() takes exactly what base64_decode() takes and
 * base64_encode() writes back as it was.
 */
static void
canonical(const char *in, size_t len)
{
	unsigned char *out = NULL, *plain = NULL;
	size_t n = 0, m = 0;
	char *text;
	int r, same = 0;

	r = base64_decode_canonical(in, len, MAX, &out, &n);
	if (base64_decode(in, len, MAX, &plain, &m) == KALIT_OK) {
		if ((text = malloc(BASE64_LEN(m) + 1)) == NULL)
			abort();
		same = base64_encode(plain, m, text) == len &&
		    memcmp(text, in, len) == 0;
		free(text);
	}
	if ((r == KALIT_OK) != same || (r == KALIT_OK && (n != m ||
	    memcmp(out, plain, n) != 0)) || (r != KALIT_OK && out != NULL))
		abort();
	free(plain);
	free(out);
}

/* The input's bytes, encoded each way, decode back to themselves. */
static void
encoded(const uint8_t *data, size_t size)
{
	unsigned char *out, bin[64];
	char *text;
	size_t n;

	if (size == 0 || size > MAX)
		return;
	if ((text = malloc(BASE64_LEN(size) + 1)) == NULL)
		abort();
	if (base64_encode(data, size, text) != BASE64_LEN(size) ||
	    base64_decode(text, BASE64_LEN(size), size, &out, &n) !=
	    KALIT_OK || n != size || memcmp(out, data, n) != 0)
		abort();
	free(out);
	if (base64_url_encode(data, size, text) != BASE64_URL_LEN(size) ||
	    base64_url_decode(text, BASE64_URL_LEN(size), size, &out, &n) !=
	    KALIT_OK || n != size || memcmp(out, data, n) != 0)
		abort();
	free(out);
	free(text);
	if (size <= sizeof(bin)) {
		char hex[HEX_LEN(sizeof(bin)) + 1];

		hex_encode(data, size, hex);
		if (hex_decode(hex, HEX_LEN(size), bin, sizeof(bin), &n) !=
		    KALIT_OK || n != size || memcmp(bin, data, n) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char bin[MAX];
	char hex[HEX_LEN(MAX) + 1];
	size_t n;

	decoded((const char *)data, size, 0);
	decoded((const char *)data, size, 1);
	canonical((const char *)data, size);
	if (hex_decode((const char *)data, size, bin, sizeof(bin), &n) ==
	    KALIT_OK) {
		hex_encode(bin, n, hex);
		if (HEX_LEN(n) != size || strncasecmp(hex, (const char *)data,
		    size) != 0)
			abort();
	}
	encoded(data, size);
	return 0;
}
