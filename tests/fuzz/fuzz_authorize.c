/*
 * fuzz_authorize.c: an authorization request's parameters (as MHD hands
 * them over: "key=value" pairs split at '&'), their checks, and a request
 * token from an attacker
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "err.h"
#include "fuzz_form.h"
#include "log.h"
#include "oidc_req.h"

#define NOW	1800000000LL

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A query parameter, whole. */
static void
param(const char *key, const char *value, size_t len, void *arg)
{
	if (oidc_params_add(arg, key, value, 0, len) != KALIT_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct oidc_reqkey *k;
	struct store_client c;
	struct oidc_params p;
	struct oidc_authz a, b;
	const char *desc;
	char *tok;

	log_init("fuzz_authorize", -1);
	if (k == NULL && oidc_reqkey_new(&k) != KALIT_OK)
		abort();
	memset(&c, 0, sizeof(c));
	memcpy(c.id, "portal", 7);
	c.acr = STORE_ACR_CITIZEN;
	c.public_client = size > 0 && (data[0] & 1);
	oidc_params_init(&p, OIDC_PARAMS_AUTHZ);
	fuzz_form((const char *)data, size, param, &p);
	if (oidc_authz_target(&p, &a) == KALIT_OK &&
	    oidc_authz_check(&p, &c, NULL, &a, &desc) == NULL) {
		/* a request checked goes through the page and back intact */
		a.exp = NOW + 600;
		oidc_bind_of("cookie", a.bind);
		if (oidc_req_encode(k, &a, &tok) != KALIT_OK)
			abort();
		if (oidc_req_decode(k, tok, strlen(tok), NOW, &b) != KALIT_OK ||
		    strcmp(a.client_id, b.client_id) != 0 ||
		    strcmp(a.redirect_uri, b.redirect_uri) != 0 ||
		    strcmp(a.state, b.state) != 0 ||
		    strcmp(a.nonce, b.nonce) != 0 || a.scope != b.scope ||
		    a.acr != b.acr || a.max_age != b.max_age)
			abort();
		free(tok);
	}
	oidc_params_clear(&p);
	/* the same bytes as a request token */
	oidc_req_decode(k, (const char *)data, size, NOW, &b);
	ERR_clear_error();
	return 0;
}
