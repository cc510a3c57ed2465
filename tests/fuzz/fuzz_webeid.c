/*
 * fuzz_webeid.c: a Web eID authentication token, and an origin, from an
 * attacker (the token from a browser; the origin as kalitd.conf would
 * give it)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "err.h"
#include "log.h"
#include "webeid.h"

/* What tests/fuzz/corpus/webeid's valid tokens are signed over. */
#define ORIGIN		"https://login.kalit.example"
#define CHALLENGE	"Zm96ei1jaGFsbGVuZ2UtMDEyMzQ1Njc4OWFiY2RlZmc="

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char origin[WEBEID_ORIGIN_MAX + 2];
	struct webeid_token t;
	const char *why = NULL;
	size_t n;

	log_init("fuzz_webeid", -1);
	if (webeid_parse((const char *)data, size, NULL, &t, &why) ==
	    KALIT_OK) {
		if (why != NULL || t.cert == NULL || t.sig == NULL)
			abort();
		if (webeid_verify(&t, ORIGIN, CHALLENGE, &why) != KALIT_OK &&
		    why == NULL)
			abort();
		webeid_token_clear(&t);
	} else if (why == NULL || t.cert != NULL || t.sig != NULL ||
	    t.intermediates != NULL)
		abort();	/* a refusal says why and holds nothing */
	/* The same bytes as a configured origin. */
	n = size < sizeof(origin) - 1 ? size : sizeof(origin) - 1;
	memcpy(origin, data, n);
	origin[n] = '\0';
	if (webeid_origin_check(origin, &why) == KALIT_OK &&
	    (why != NULL || strlen(origin) > WEBEID_ORIGIN_MAX))
		abort();
	ERR_clear_error();
	return 0;
}
