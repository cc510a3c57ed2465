/* csr.c: certificate signing requests from outside, checked before use */
#include "config.h"

#include "csr.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

static X509_REQ *
csr_parse(const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf;
	X509_REQ *req;
	BIO *mem;

	/* RFC 7468 allows text before the block; the PEM reader skips it. */
	if (memmem(buf, len, "-----BEGIN ", 11) != NULL) {
		if ((mem = BIO_new_mem_buf(buf, (int)len)) == NULL)
			return NULL;
		req = PEM_read_bio_X509_REQ(mem, NULL, NULL, NULL);
		BIO_free(mem);
		return req;
	}
	req = d2i_X509_REQ(NULL, &p, (long)len);
	if (req != NULL && p != buf + len) {
		X509_REQ_free(req);
		return NULL;
	}
	return req;
}

int
csr_check(const unsigned char *buf, size_t len, unsigned int allowed,
    EVP_PKEY **pubkeyp)
{
	X509_REQ *req;
	EVP_PKEY *key;
	enum key_type t;
	int r;

	*pubkeyp = NULL;
	if (len > CSR_MAX_SIZE)
		return KALIT_ERR_TOO_LARGE;
	if ((req = csr_parse(buf, len)) == NULL) {
		log_ssl(LOG_LEVEL_DEBUG, "d2i_X509_REQ");
		return KALIT_ERR_MALFORMED;
	}
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
