/*
 * fuzz_token_form.c: the token endpoint's form as MHD's post processor
 * hands it over (pieces of each value at their offsets), and a PKCE
 * verifier, from an attacker
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "oidc.h"
#include "oidc_req.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_params p;
	const char *s, *end, *amp, *eq, *v;
	size_t piece, off, n;
	char key[64];
	int i;

	log_init("fuzz_token_form", -1);
	if (size == 0)
		return 0;
	/* the first byte: how long the post processor's pieces are */
	piece = 1 + data[0] % 64;
	s = (const char *)data + 1;
	end = (const char *)data + size;
	oidc_params_init(&p, OIDC_PARAMS_TOKEN);
	for (; s < end; s = amp + 1) {
		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		if ((eq = memchr(s, '=', (size_t)(amp - s))) == NULL ||
		    (size_t)(eq - s) >= sizeof(key))
			continue;
		memcpy(key, s, (size_t)(eq - s));
		key[eq - s] = '\0';
		off = 0;
		do {
			n = (size_t)(amp - eq - 1) - off;
			n = n < piece ? n : piece;
			if (oidc_params_add(&p, key, eq + 1 + off, off, n) !=
			    KALIT_OK)
				abort();
			off += n;
		} while (off < (size_t)(amp - eq - 1));
	}
	for (i = 0; i < OIDC_T__MAX; i++)
		if ((v = oidc_param(&p, i)) != NULL && strlen(v) != p.len[i])
			abort();
	if ((v = oidc_param(&p, OIDC_T_CODE_VERIFIER)) != NULL)
		oidc_pkce_ok("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", v);
	oidc_params_clear(&p);
	return 0;
}
