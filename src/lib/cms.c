/* cms.c: CMS SignedData: signing and checking signatures */
#include "cms.h"
#include "err.h"
#include "log.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
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

/*
 * ContentInfo with SignedData, read with OpenSSL's ASN.1 templates but
 * with every certificate kept as its DER (ANY). OpenSSL 3.0 spends about
 * twice an ECDSA verification setting up a decoder for each certificate's
 * public key; this lets the caller map certificates it has seen before to
 * the objects it already holds. (The template macros need type names,
 * hence the typedefs.)
 */
typedef struct {
	ASN1_INTEGER		*version;
	ASN1_TYPE		*digest_algs;
	ASN1_TYPE		*encap;
	STACK_OF(ASN1_TYPE)	*certs;
	ASN1_TYPE		*signer_infos;
} KALIT_SIGNED;

typedef struct {
	ASN1_OBJECT		*type;
	KALIT_SIGNED		*signed_data;
} KALIT_CONTENT;

ASN1_SEQUENCE(KALIT_SIGNED) = {
	ASN1_SIMPLE(KALIT_SIGNED, version, ASN1_INTEGER),
	ASN1_SIMPLE(KALIT_SIGNED, digest_algs, ASN1_ANY),
	ASN1_SIMPLE(KALIT_SIGNED, encap, ASN1_ANY),
	ASN1_IMP_SET_OF_OPT(KALIT_SIGNED, certs, ASN1_ANY, 0),
	ASN1_SIMPLE(KALIT_SIGNED, signer_infos, ASN1_ANY)
} static_ASN1_SEQUENCE_END(KALIT_SIGNED)

ASN1_SEQUENCE(KALIT_CONTENT) = {
	ASN1_SIMPLE(KALIT_CONTENT, type, ASN1_OBJECT),
	ASN1_EXP(KALIT_CONTENT, signed_data, KALIT_SIGNED, 0)
} static_ASN1_SEQUENCE_END(KALIT_CONTENT)

static X509 *
cert_parse(const unsigned char *der, size_t len, void *arg)
{
	const unsigned char *p = der;
	X509 *x;

	(void)arg;
	if ((x = d2i_X509(NULL, &p, (long)len)) != NULL && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/*
 * Splits DER SignedData into the same structure without certificates
 * (*strippedp, caller frees with OPENSSL_free()) and the certificates
 * (*certsp, as cc->get gives them). -1 when der is not DER SignedData of
 * that shape (CRLs, BER): the caller parses it whole.
 */
static int
cms_split(const unsigned char *der, size_t len, const struct cms_certs *cc,
    unsigned char **strippedp, int *slenp, STACK_OF(X509) **certsp)
{
	KALIT_CONTENT *ci;
	STACK_OF(X509) *certs = NULL;
	const unsigned char *p = der;
	ASN1_TYPE *t;
	X509 *x;
	int i, r = -1;

	*strippedp = NULL;
	*certsp = NULL;
	if ((ci = (KALIT_CONTENT *)ASN1_item_d2i(NULL, &p, (long)len,
	    ASN1_ITEM_rptr(KALIT_CONTENT))) == NULL ||
	    p != der + len || OBJ_obj2nid(ci->type) != NID_pkcs7_signed ||
	    (certs = sk_X509_new_null()) == NULL)
		goto out;
	for (i = 0; i < sk_ASN1_TYPE_num(ci->signed_data->certs); i++) {
		t = sk_ASN1_TYPE_value(ci->signed_data->certs, i);
		if (t->type != V_ASN1_SEQUENCE ||
		    (x = cc->get(t->value.sequence->data,
		    (size_t)t->value.sequence->length, cc->arg)) == NULL)
			goto out;	/* not a plain certificate */
		if (!sk_X509_push(certs, x)) {
			X509_free(x);
			goto out;
		}
	}
	sk_ASN1_TYPE_pop_free(ci->signed_data->certs, ASN1_TYPE_free);
	ci->signed_data->certs = NULL;
	if ((*slenp = ASN1_item_i2d((ASN1_VALUE *)ci, strippedp,
	    ASN1_ITEM_rptr(KALIT_CONTENT))) <= 0)
		goto out;
	*certsp = certs;
	certs = NULL;
	r = 0;
 out:
	sk_X509_pop_free(certs, X509_free);
	ASN1_item_free((ASN1_VALUE *)ci, ASN1_ITEM_rptr(KALIT_CONTENT));
	ERR_clear_error();
	return r;
}

int
cms_verify_attached(const unsigned char *der, size_t len,
    const struct cms_certs *cc, X509 **signerp, STACK_OF(X509) **certsp,
    unsigned char **contentp, size_t *clenp)
{
	static const struct cms_certs parse = { cert_parse, NULL };
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *signers = NULL, *certs = NULL;
	unsigned char *stripped = NULL;
	const unsigned char *p;
	BIO *out = NULL;
	X509 *signer;
	char *buf;
	long n;
	int slen, r = KALIT_ERR_MALFORMED;

	*signerp = NULL;
	*certsp = NULL;
	*contentp = NULL;
	*clenp = 0;
	if (len > CMS_LOGIN_MAX)
		return KALIT_ERR_TOO_LARGE;
	if (cms_split(der, len, cc != NULL ? cc : &parse, &stripped, &slen,
	    &certs) == 0) {
		der = stripped;
		len = (size_t)slen;
	}
	p = der;
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
	 * its own trust store and revocation policy. The signer's
	 * certificate is looked for in certs (what the split took out) and
	 * in the CMS; one that is in neither fails here.
	 */
	if (CMS_verify(cms, certs, NULL, NULL, out, CMS_NO_SIGNER_CERT_VERIFY |
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
	if ((certs == NULL && (certs = CMS_get1_certs(cms)) == NULL &&
	    (certs = sk_X509_new_null()) == NULL) ||
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
	OPENSSL_free(stripped);
	return r;
}
