/* tls.c: key file to PEM in memory for GnuTLS; the key never touches disk */
#include "config.h"
#include "tls.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* The bytes of a memory BIO as a new NUL-terminated string, or NULL. */
static char *
bio_text(BIO *b)
{
	char *data, *s;
	long n = BIO_get_mem_data(b, &data);

	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, data, (size_t)n);
	s[n] = '\0';
	return s;
}

int
tls_load(const char *p12, const char *pass, char **certp, char **keyp)
{
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	BIO *cb = NULL, *kb = NULL;
	int i, r;

	*certp = *keyp = NULL;
	if ((r = keyfile_load_p12(p12, pass, &key, &cert, &chain)) != KALIT_OK)
		return r;
	r = KALIT_ERR_CERT_PURPOSE;
	if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) == 0 ||
	    (X509_get_extended_key_usage(cert) & XKU_SSL_SERVER) == 0) {
		log_msg(LOG_LEVEL_ERROR, "%s: not a TLS server certificate "
		    "(no serverAuth); issue one with the server profile", p12);
		goto out;
	}
	r = KALIT_ERR_NOMEM;
	if ((cb = BIO_new(BIO_s_secmem())) == NULL ||
	    (kb = BIO_new(BIO_s_secmem())) == NULL)
		goto out;
	if (PEM_write_bio_X509(cb, cert) != 1)
		goto out;
	for (i = 0; i < sk_X509_num(chain); i++)
		if (PEM_write_bio_X509(cb, sk_X509_value(chain, i)) != 1)
			goto out;
	/* Unencrypted, but only in this process's (secure) memory. */
	if (PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (*certp = bio_text(cb)) == NULL || (*keyp = bio_text(kb)) == NULL)
		goto out;
	r = KALIT_OK;
 out:
	if (r != KALIT_OK) {
		free(*certp);
		tls_key_free(*keyp);
		*certp = *keyp = NULL;
	}
	BIO_free(cb);
	BIO_free(kb);
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	return r;
}

void
tls_key_free(char *key)
{
	if (key != NULL)
		OPENSSL_clear_free(key, strlen(key));
}
