/* csr.c: certificate signing requests from outside, checked before use */
#include "config.h"

#include "csr.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"
#include "x509.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

int
csr_check(const unsigned char *buf, size_t len, unsigned int allowed,
    EVP_PKEY **pubkeyp)
{
	X509_REQ *req;
	EVP_PKEY *key;
	enum key_type t;
	void *v;
	int r;

	*pubkeyp = NULL;
	/* RFC 7468 allows text before the block; the PEM reader skips it. */
	if ((r = x509_d2i_exact(ASN1_ITEM_rptr(X509_REQ), PEM_STRING_X509_REQ,
	    buf, len, CSR_MAX_SIZE, &v)) != KALIT_OK)
		return r;
	req = v;
	if ((key = X509_REQ_get_pubkey(req)) == NULL) {
		log_ssl(LOG_LEVEL_DEBUG, "X509_REQ_get_pubkey");
		r = KALIT_ERR_MALFORMED;
		goto out;
	}
	if ((r = key_type_of(key, &t)) != KALIT_OK)
		goto out;
	if (!(allowed & (1u << t))) {
		log_msg(LOG_LEVEL_ERROR, "key type %s is not allowed by the "
		    "profile", key_type_name(t));
		r = KALIT_ERR_CSR_KEY_WEAK;
		goto out;
	}
	if (X509_REQ_verify(req, key) != 1) {
		log_ssl(LOG_LEVEL_DEBUG, "X509_REQ_verify");
		r = KALIT_ERR_CSR_SIGNATURE;
		goto out;
	}
	*pubkeyp = key;
	key = NULL;
	r = KALIT_OK;
 out:
	EVP_PKEY_free(key);
	X509_REQ_free(req);
	return r;
}
