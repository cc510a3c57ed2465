/*
 * fuzz_token_form.c: the token endpoint's form, or introspection's and
 * revocation's, as MHD's post processor hands it over (pieces of each
 * value at their offsets), and a PKCE verifier, from an attacker
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz_form.h"
#include "log.h"
#include "oidc.h"
#include "oidc_req.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The post processor's pieces: how long they are is the input's first byte. */
struct pieces {
	struct oidc_params	 p;
	size_t			 piece;
};

static void
param(const char *key, const char *value, size_t len, void *arg)
{
	struct pieces *pc = arg;
	size_t off = 0, n;

	do {
		n = len - off < pc->piece ? len - off : pc->piece;
		if (oidc_params_add(&pc->p, key, value + off, off, n) !=
		    KALIT_OK)
			abort();
		off += n;
	} while (off < len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pieces pc;
	const char *v;
	int i;

	log_init("fuzz_token_form", -1);
	if (size == 0)
		return 0;
	pc.piece = 1 + data[0] % 64;
	/* the token endpoint's form, or introspection's and revocation's */
	oidc_params_init(&pc.p, data[0] & 0x80 ? OIDC_PARAMS_TOKENOPS :
	    OIDC_PARAMS_TOKEN);
	fuzz_form((const char *)data + 1, size - 1, param, &pc);
	for (i = 0; i < OIDC_PARAMS_MAX; i++)
		if ((v = oidc_param(&pc.p, i)) != NULL &&
		    strlen(v) != pc.p.len[i])
			abort();
	if ((v = oidc_param(&pc.p, OIDC_T_CODE_VERIFIER)) != NULL)
		oidc_pkce_ok("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", v);
	oidc_params_clear(&pc.p);
	return 0;
}
