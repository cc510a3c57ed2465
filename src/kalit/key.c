/* key.c: opening the user's key file, the password asked as --password says */
#include "config.h"

#include "kalit.h"
#include "err.h"
#include "keyfile.h"
#include "secret.h"

#include <stdio.h>

int
kalit_load_key(const struct kalit_opts *o, EVP_PKEY **keyp, X509 **certp,
    STACK_OF(X509) **chainp)
{
	char prompt[256], *pass = NULL;
	int r;

	*keyp = NULL;
	*certp = NULL;
	if (chainp != NULL)
		*chainp = NULL;
	snprintf(prompt, sizeof(prompt), "password for %s", o->key);
	if ((r = secret_read(o->password, prompt, 0, &pass)) != KALIT_OK)
		return kalit_fail(r, "--password");
	r = keyfile_load_p12(o->key, pass, keyp, certp, chainp);
	secret_free(pass);
	if (r != KALIT_OK)
		return kalit_fail(r, o->key);
	return KALIT_OK;
}
