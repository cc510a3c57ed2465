/*
 * fuzz_jws.c: a JWS client assertion with x5c from an attacker (an OAuth
 * client's client_assertion), read with and without a certificate cache
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>

#include "err.h"
#include "jws.h"
#include "log.h"
#include "x509.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A cms_certs get() as a cache has it: the DER parsed, or NULL. */
static X509 *
parse(const unsigned char *der, size_t len, void *arg)
{
	void *x;

	(void)arg;
	return x509_d2i_exact(ASN1_ITEM_rptr(X509), NULL, der, len, len,
	    &x) == KALIT_OK ? x : NULL;
}

/* jws_x5c_verify() of the input: an answer that holds what it says. */
static int
verify(const uint8_t *data, size_t size, const struct cms_certs *certs)
{
	static const struct jws_x5c zero;
	struct jws_x5c j;
	const char *why = NULL;
	int r;

	r = jws_x5c_verify((const char *)data, size, certs, &j, &why);
	if (r == KALIT_OK) {
		if (why != NULL || j.cert == NULL || !json_is_object(j.claims) ||
		    (unsigned int)j.alg >= JWA__MAX || size > JWS_MAX ||
		    (j.extra != NULL && (sk_X509_num(j.extra) < 1 ||
		    sk_X509_num(j.extra) >= JWS_X5C_MAX)))
			abort();
	} else if (why == NULL || memcmp(&j, &zero, sizeof(j)) != 0)
		abort();	/* a refusal says why and holds nothing */
	jws_x5c_clear(&j);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cms_certs certs = { parse, NULL };

	log_init("fuzz_jws", -1);
	/* Through a cache or parsed here: the same answer. */
	if (verify(data, size, NULL) != verify(data, size, &certs))
		abort();
	ERR_clear_error();
	return 0;
}
