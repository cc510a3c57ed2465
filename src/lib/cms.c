/* cms.c: CMS SignedData: signing and checking signatures */
#include "cms.h"
#include "err.h"
#include "log.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

int
cms_sign_attached(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain,
    const void *data, size_t len, unsigned char **derp, size_t *lenp)
{
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL;
	unsigned char *der = NULL;
	int n, r = KALIT_ERR_INTERNAL;

	*derp = NULL;
	*lenp = 0;
	if (len > INT_MAX)
		return KALIT_ERR_TOO_LARGE;
	if ((in = BIO_new_mem_buf(data, (int)len)) == NULL)
		return KALIT_ERR_NOMEM;
	/* CMS_BINARY: the bytes as they are, no MIME canonicalisation. */
	if ((cms = CMS_sign(cert, key, chain, in, CMS_BINARY)) == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "CMS_sign");
		goto out;
	}
	if ((n = i2d_CMS_ContentInfo(cms, &der)) <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "i2d_CMS_ContentInfo");
		goto out;
	}
	*derp = der;
	*lenp = (size_t)n;
	r = KALIT_OK;
 out:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return r;
}

/* Attached SignedData over id-data with one signer: else KALIT_ERR_MALFORMED. */
static int
cms_check_shape(CMS_ContentInfo *cms)
{
	ASN1_OCTET_STRING **content;
	STACK_OF(CMS_SignerInfo) *si;

	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		return KALIT_ERR_MALFORMED;
	if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data)
		return KALIT_ERR_MALFORMED;
	if ((content = CMS_get0_content(cms)) == NULL || *content == NULL)
		return KALIT_ERR_MALFORMED;	/* detached */
	if ((si = CMS_get0_SignerInfos(cms)) == NULL ||
	    sk_CMS_SignerInfo_num(si) != 1)
		return KALIT_ERR_MALFORMED;
	return KALIT_OK;
}

int
cms_verify_attached(const unsigned char *der, size_t len, X509 **signerp,
    STACK_OF(X509) **certsp, unsigned char **contentp, size_t *clenp)
{
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *signers = NULL, *certs = NULL;
	const unsigned char *p = der;
	BIO *out = NULL;
	X509 *signer;
	char *buf;
	long n;
	int r = KALIT_ERR_MALFORMED;

	*signerp = NULL;
	*certsp = NULL;
	*contentp = NULL;
	*clenp = 0;
	if (len > CMS_LOGIN_MAX)
		return KALIT_ERR_TOO_LARGE;
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)len)) == NULL ||
	    p != der + len)
		goto out;
	if ((r = cms_check_shape(cms)) != KALIT_OK)
		goto out;
	if ((out = BIO_new(BIO_s_mem())) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	/*
	 * Only the signature: the certificate is judged by validate.c with
	 * its own trust store and revocation policy. A signer whose
	 * certificate is not in the CMS fails here.
	 */
	if (CMS_verify(cms, NULL, NULL, NULL, out, CMS_NO_SIGNER_CERT_VERIFY |
	    CMS_BINARY) != 1) {
		log_ssl(LOG_LEVEL_DEBUG, "CMS_verify");
		r = KALIT_ERR_SIGNATURE;
		goto out;
	}
	r = KALIT_ERR_INTERNAL;
	if ((signers = CMS_get0_signers(cms)) == NULL ||
	    sk_X509_num(signers) != 1)
		goto out;
	signer = sk_X509_value(signers, 0);
	if ((certs = CMS_get1_certs(cms)) == NULL ||
	    (n = BIO_get_mem_data(out, &buf)) < 0 ||
	    (*contentp = malloc((size_t)n + 1)) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	if (n > 0)	/* an empty memory BIO has no buffer at all */
		memcpy(*contentp, buf, (size_t)n);
	(*contentp)[n] = '\0';
	*clenp = (size_t)n;
	X509_up_ref(signer);
	*signerp = signer;
	*certsp = certs;
	certs = NULL;
	r = KALIT_OK;
 out:
	if (r == KALIT_ERR_MALFORMED)
		ERR_clear_error();
	sk_X509_pop_free(certs, X509_free);
	sk_X509_free(signers);
	BIO_free(out);
	CMS_ContentInfo_free(cms);
	return r;
}
