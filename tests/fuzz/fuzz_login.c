/* fuzz_login.c: a login body (JSON, base64, CMS) from an attacker */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>

#include "cms.h"
#include "err.h"
#include "log.h"
#include "login.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every check login_run() makes before the certificate is judged. */
static void
check_cms(const unsigned char *der, size_t len, const char *challenge,
    size_t challenge_len)
{
	STACK_OF(X509) *extra = NULL;
	X509 *signer = NULL;
	unsigned char *content = NULL;
	size_t clen;

	if (cms_verify_attached(der, len, NULL, &signer, &extra, &content,
	    &clen) == KALIT_OK)
		login_check_content(content, clen, challenge, challenge_len);
	X509_free(signer);
	sk_X509_pop_free(extra, X509_free);
	free(content);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct login_request lr;

	log_init("fuzz_login", -1);
	if (login_parse((const char *)data, size, &lr) == KALIT_OK)
		check_cms(lr.der, lr.der_len, lr.challenge, lr.challenge_len);
	login_request_clear(&lr);
	/* The same bytes as the CMS itself reach the DER parser directly. */
	check_cms(data, size, "", 0);
	ERR_clear_error();
	return 0;
}
