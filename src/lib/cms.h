/* cms.h: CMS SignedData: signing and checking signatures */
#ifndef KALIT_CMS_H
#define KALIT_CMS_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define CMS_LOGIN_MAX	(32 * 1024)	/* DER of a signed login challenge */

/*
 * Signs data as attached CMS SignedData (SHA-256, binary content, the
 * signer's certificate and chain included), as E-IMZO clients and
 * "openssl cms -sign -nodetach -binary" do. Caller frees *derp with
 * OPENSSL_free().
 */
int	cms_sign_attached(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain,
	    const void *data, size_t len, unsigned char **derp, size_t *lenp);

/*
 * How certificates carried in a CMS become X509 objects: get returns a new
 * reference for the DER (len bytes), or NULL to have the CMS parsed whole
 * as OpenSSL does it. A caller that
 * has seen a certificate before returns the object it holds, saving the
 * parse of its public key.
 */
struct cms_certs {
	X509	*(*get)(const unsigned char *der, size_t len, void *arg);
	void	*arg;
};

/*
 * Parses DER (at most CMS_LOGIN_MAX bytes, nothing after it) as attached
 * SignedData over id-data with exactly one signer whose certificate it
 * carries, and checks that signature only; the certificate is not judged.
 * cc (may be NULL: parse each) turns the carried certificates into X509s.
 * KALIT_ERR_MALFORMED for anything that is not such a structure (detached
 * content included), KALIT_ERR_SIGNATURE when the signature fails.
 * On KALIT_OK: *signerp (caller frees with X509_free()), *certsp the other
 * certificates carried (caller frees with sk_X509_pop_free(certs, X509_free)), and
 * *contentp and *clenp the signed content (caller frees with free()).
 */
int	cms_verify_attached(const unsigned char *der, size_t len,
	    const struct cms_certs *cc, X509 **signerp, STACK_OF(X509) **certsp,
	    unsigned char **contentp, size_t *clenp);

#endif
