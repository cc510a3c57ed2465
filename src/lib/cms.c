/* cms.c: CMS SignedData: signing and checking signatures */
#include "config.h"

#include "cms.h"
#include "err.h"
#include "log.h"
#include "x509.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

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
	void *x;

	(void)arg;
	/* No cap of its own: the SignedData around it had one. */
	return x509_d2i_exact(ASN1_ITEM_rptr(X509), NULL, der, len, SIZE_MAX,
	    &x) == KALIT_OK ? x : NULL;
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

/*
 * Signed attributes as RFC 5652 (5.3, 11.1 to 11.3) wants them: 1 if so.
 * cms_signer_digest() is the message-digest once with one value.
 */
static int
signer_attrs_ok(CMS_ContentInfo *cms, CMS_SignerInfo *si)
{
	ASN1_TYPE *ct, *st;

	if (CMS_signed_get_attr_count(si) <= 0 ||
	    (ct = cms_signed_value(si, NID_pkcs9_contentType)) == NULL ||
	    ct->type != V_ASN1_OBJECT ||
	    OBJ_cmp(ct->value.object, CMS_get0_eContentType(cms)) != 0 ||
	    cms_signer_digest(si) == NULL)
		return 0;
	if (CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) < 0)
		return 1;
	return (st = cms_signed_value(si, NID_pkcs9_signingTime)) != NULL &&
	    (st->type == V_ASN1_UTCTIME ||
	    st->type == V_ASN1_GENERALIZEDTIME) &&
	    ASN1_TIME_check(st->value.utctime) == 1;
}

/*
 * The digest RSASSA-PSS parameters (RFC 4055 section 3.1) hash with: SHA-1
 * when they or its hashAlgorithm are absent; NID_undef when they do not
 * parse.
 */
static int
pss_md_nid(const X509_ALGOR *sig)
{
	const ASN1_OBJECT *obj;
	const void *param;
	RSA_PSS_PARAMS *pss;
	int type, nid = NID_sha1;

	X509_ALGOR_get0(NULL, &type, &param, sig);
	if (type == V_ASN1_UNDEF || type == V_ASN1_NULL)
		return NID_sha1;
	if (type != V_ASN1_SEQUENCE || (pss = ASN1_item_unpack(param,
	    ASN1_ITEM_rptr(RSA_PSS_PARAMS))) == NULL) {
		ERR_clear_error();
		return NID_undef;
	}
	if (pss->hashAlgorithm != NULL) {
		X509_ALGOR_get0(&obj, NULL, NULL, pss->hashAlgorithm);
		nid = OBJ_obj2nid(obj);
	}
	RSA_PSS_PARAMS_free(pss);
	return nid;
}

int
cms_signer_check(CMS_ContentInfo *cms, CMS_SignerInfo *si)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	const ASN1_OBJECT *obj;
	EVP_PKEY *pk = NULL;
	int dnid, snid, mdnid, pknid, key;

	if (!signer_attrs_ok(cms, si))
		return KALIT_ERR_SIGNATURE;
	CMS_SignerInfo_get0_algs(si, &pk, NULL, &dig, &sig);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	if (digest_md_of(dnid = OBJ_obj2nid(obj)) == NULL)
		return KALIT_ERR_SIG_ALGORITHM;
	X509_ALGOR_get0(&obj, NULL, NULL, sig);
	snid = OBJ_obj2nid(obj);
	/* rsaEncryption and id-ecPublicKey name a key type only. */
	if (!OBJ_find_sigid_algs(snid, &mdnid, &pknid)) {
		mdnid = NID_undef;
		pknid = snid;
	}
	switch (pknid) {
	case NID_rsassaPss:
		if ((mdnid = pss_md_nid(sig)) == NID_undef)
			return KALIT_ERR_SIGNATURE;
		/* FALLTHROUGH */
	case NID_rsaEncryption:
		key = EVP_PKEY_RSA;
		break;
	case NID_X9_62_id_ecPublicKey:
		key = EVP_PKEY_EC;
		break;
	case NID_ED25519:
		key = EVP_PKEY_ED25519;
		break;
	default:
		return KALIT_ERR_SIG_ALGORITHM;
	}
	if (mdnid != NID_undef && digest_md_of(mdnid) == NULL)
		return KALIT_ERR_SIG_ALGORITHM;
	if ((mdnid != NID_undef && mdnid != dnid) || (pk != NULL &&
	    EVP_PKEY_get_base_id(pk) != key && !(key == EVP_PKEY_RSA &&
	    EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA_PSS)))
		return KALIT_ERR_SIGNATURE;
	return KALIT_OK;
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
	/*
	 * The policy before any cryptography: nothing is computed with an
	 * algorithm it refuses. The signer's certificate, found in certs or
	 * the CMS (none found is a failed signature below), gives its key.
	 */
	CMS_set1_signers_certs(cms, certs, 0);
	ERR_clear_error();
	if ((r = cms_signer_check(cms, sk_CMS_SignerInfo_value(
	    CMS_get0_SignerInfos(cms), 0))) != KALIT_OK)
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

int
cms_parse_signed(const unsigned char *buf, size_t len, CMS_ContentInfo **cmsp)
{
	CMS_ContentInfo *cms = NULL;
	unsigned char *pem = NULL;
	const unsigned char *der = buf, *p;
	long dlen = (long)len;
	BIO *mem = NULL;
	int r = KALIT_ERR_MALFORMED;

	*cmsp = NULL;
	if (len > CMS_SIG_MAX)
		return KALIT_ERR_TOO_LARGE;
	if (len > 11 && memcmp(buf, "-----BEGIN ", 11) == 0) {
		if ((mem = BIO_new_mem_buf(buf, (int)len)) == NULL)
			return KALIT_ERR_NOMEM;
		if (PEM_bytes_read_bio(&pem, &dlen, NULL, PEM_STRING_CMS, mem,
		    NULL, NULL) != 1)
			goto out;
		der = pem;
	}
	p = der;
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, dlen)) == NULL ||
	    p != der + dlen ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		goto out;
	*cmsp = cms;
	cms = NULL;
	r = KALIT_OK;
 out:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	OPENSSL_free(pem);
	BIO_free(mem);
	return r;
}

int
cms_content(CMS_ContentInfo *cms, const unsigned char **datap, size_t *lenp)
{
	ASN1_OCTET_STRING **content;

	*datap = NULL;
	*lenp = 0;
	if ((content = CMS_get0_content(cms)) == NULL || *content == NULL) {
		ERR_clear_error();
		return KALIT_ERR_CONTENT_MISSING;
	}
	*datap = ASN1_STRING_get0_data(*content);
	*lenp = (size_t)ASN1_STRING_length(*content);
	return KALIT_OK;
}

int
cms_signed_new(const void *content, size_t len, CMS_ContentInfo **cmsp)
{
	CMS_ContentInfo *cms;
	ASN1_OCTET_STRING **pos;

	*cmsp = NULL;
	if (content != NULL && len > CMS_ATTACHED_MAX)
		return KALIT_ERR_TOO_LARGE;
	if ((cms = CMS_ContentInfo_new()) == NULL ||
	    !CMS_SignedData_init(cms) || !CMS_set_detached(cms, 1))
		goto fail;
	if (content != NULL) {
		if ((pos = CMS_get0_content(cms)) == NULL ||
		    (*pos = ASN1_OCTET_STRING_new()) == NULL ||
		    !ASN1_OCTET_STRING_set(*pos, content, (int)len))
			goto fail;
	}
	*cmsp = cms;
	return KALIT_OK;
 fail:
	log_ssl(LOG_LEVEL_ERROR, "CMS_SignedData_init");
	CMS_ContentInfo_free(cms);
	return KALIT_ERR_NOMEM;
}

const EVP_MD *
cms_sign_md(const EVP_PKEY *key)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_EC:
	case EVP_PKEY_RSA:
		return EVP_sha256();
	default:
		return NULL;
	}
}

/* The signing-certificate-v2 attribute (RFC 5035) naming cert. */
static int
cms_add_ess(CMS_SignerInfo *si, X509 *cert)
{
	ESS_SIGNING_CERT_V2 *sc;
	ASN1_STRING *seq = NULL;
	unsigned char *der = NULL;
	int n, ok = 0;

	/* SHA-256, the default hashAlgorithm, and issuerSerial. */
	if ((sc = OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(), cert, NULL,
	    1)) == NULL ||
	    (n = i2d_ESS_SIGNING_CERT_V2(sc, &der)) <= 0 ||
	    (seq = ASN1_STRING_new()) == NULL ||
	    !ASN1_STRING_set(seq, der, n) ||
	    !CMS_signed_add1_attr_by_NID(si,
	    NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE, seq, -1))
		log_ssl(LOG_LEVEL_ERROR, "signing-certificate-v2");
	else
		ok = 1;
	ASN1_STRING_free(seq);
	OPENSSL_free(der);
	ESS_SIGNING_CERT_V2_free(sc);
	return ok;
}

/* Adds x to cms's certificates unless it is there already. */
static int
cms_add_cert(CMS_ContentInfo *cms, X509 *x)
{
	STACK_OF(X509) *have;
	int i, dup = 0;

	have = CMS_get1_certs(cms);
	for (i = 0; i < sk_X509_num(have); i++)
		if (X509_cmp(sk_X509_value(have, i), x) == 0)
			dup = 1;
	sk_X509_pop_free(have, X509_free);
	ERR_clear_error();
	return dup || CMS_add1_cert(cms, x) == 1;
}

int
cms_add_signer(CMS_ContentInfo *cms, EVP_PKEY *key, X509 *cert,
    STACK_OF(X509) *chain, const unsigned char *md, size_t mdlen,
    CMS_SignerInfo **sip)
{
	const EVP_MD *alg = cms_sign_md(key);
	CMS_SignerInfo *si;
	int i;

	if (sip != NULL)
		*sip = NULL;
	if (alg == NULL)
		return KALIT_ERR_KEY_UNSUPPORTED;
	if (mdlen != (size_t)EVP_MD_get_size(alg))
		return KALIT_ERR_INTERNAL;
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		return KALIT_ERR_KEY_MISMATCH;
	}
	/*
	 * No S/MIME capabilities: the four attributes of CAdES-BES. The
	 * signing time is added by CMS_SignerInfo_sign().
	 */
	if ((si = CMS_add1_signer(cms, cert, key, alg, CMS_BINARY |
	    CMS_PARTIAL | CMS_NOSMIMECAP | CMS_NOCERTS)) == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "CMS_add1_signer");
		return KALIT_ERR_INTERNAL;
	}
	if (!cms_add_ess(si, cert))
		return KALIT_ERR_INTERNAL;
	if (!CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType,
	    V_ASN1_OBJECT, (void *)CMS_get0_eContentType(cms), -1) ||
	    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest,
	    V_ASN1_OCTET_STRING, md, (int)mdlen) ||
	    !CMS_SignerInfo_sign(si)) {
		log_ssl(LOG_LEVEL_ERROR, "CMS_SignerInfo_sign");
		return KALIT_ERR_INTERNAL;
	}
	if (!cms_add_cert(cms, cert))
		return KALIT_ERR_NOMEM;
	for (i = 0; i < sk_X509_num(chain); i++)
		if (!cms_add_cert(cms, sk_X509_value(chain, i)))
			return KALIT_ERR_NOMEM;
	if (sip != NULL)
		*sip = si;
	return KALIT_OK;
}

ASN1_TYPE *
cms_signed_value(CMS_SignerInfo *si, int nid)
{
	X509_ATTRIBUTE *at;
	int i;

	if ((i = CMS_signed_get_attr_by_NID(si, nid, -1)) < 0 ||
	    CMS_signed_get_attr_by_NID(si, nid, i) >= 0 ||
	    (at = CMS_signed_get_attr(si, i)) == NULL ||
	    X509_ATTRIBUTE_count(at) != 1)
		return NULL;
	return X509_ATTRIBUTE_get0_type(at, 0);
}

/*
 * si's signed attribute nid, a SEQUENCE, parsed as it into *vp (caller
 * frees with the type's _free()): 1; 0 when si has none; -1 when it is
 * not one SEQUENCE of that type.
 */
static int
signed_attr(CMS_SignerInfo *si, int nid, const ASN1_ITEM *it, void **vp)
{
	ASN1_TYPE *t;

	*vp = NULL;
	if (CMS_signed_get_attr_by_NID(si, nid, -1) < 0)
		return 0;
	if ((t = cms_signed_value(si, nid)) == NULL ||
	    t->type != V_ASN1_SEQUENCE ||
	    x509_d2i_exact(it, NULL, ASN1_STRING_get0_data(t->value.sequence),
	    (size_t)ASN1_STRING_length(t->value.sequence), SIZE_MAX, vp) !=
	    KALIT_OK)
		return -1;
	return 1;
}

enum cms_ess
cms_signer_ess(CMS_SignerInfo *si, STACK_OF(X509) *list)
{
	ESS_SIGNING_CERT *v1;
	ESS_SIGNING_CERT_V2 *v2;
	enum cms_ess e = CMS_ESS_MALFORMED;
	void *v;
	int r1, r2;

	r1 = signed_attr(si, NID_id_smime_aa_signingCertificate,
	    ASN1_ITEM_rptr(ESS_SIGNING_CERT), &v);
	v1 = v;
	r2 = signed_attr(si, NID_id_smime_aa_signingCertificateV2,
	    ASN1_ITEM_rptr(ESS_SIGNING_CERT_V2), &v);
	v2 = v;
	if (r1 == 0 && r2 == 0)
		e = CMS_ESS_ABSENT;
	else if (r1 >= 0 && r2 >= 0)
		e = OSSL_ESS_check_signing_certs(v1, v2, list, 0) == 1 ?
		    CMS_ESS_VALID : CMS_ESS_MISMATCH;
	ESS_SIGNING_CERT_free(v1);
	ESS_SIGNING_CERT_V2_free(v2);
	ERR_clear_error();
	return e;
}

int
cms_signer_timestamps(CMS_SignerInfo *si,
    const unsigned char *ders[CMS_TIMESTAMPS_MAX],
    size_t lens[CMS_TIMESTAMPS_MAX])
{
	X509_ATTRIBUTE *at;
	ASN1_TYPE *t;
	int i = -1, j, n = 0;

	while ((i = CMS_unsigned_get_attr_by_NID(si,
	    NID_id_smime_aa_timeStampToken, i)) >= 0) {
		if ((at = CMS_unsigned_get_attr(si, i)) == NULL)
			return -1;
		for (j = 0; j < X509_ATTRIBUTE_count(at); j++) {
			if ((t = X509_ATTRIBUTE_get0_type(at, j)) == NULL ||
			    t->type != V_ASN1_SEQUENCE ||
			    n == CMS_TIMESTAMPS_MAX)
				return -1;
			ders[n] = ASN1_STRING_get0_data(t->value.sequence);
			lens[n++] = (size_t)ASN1_STRING_length(
			    t->value.sequence);
		}
	}
	ERR_clear_error();
	return n;
}

int
cms_signer_add_timestamp(CMS_SignerInfo *si, const unsigned char *token,
    size_t len)
{
	if (len > INT_MAX)
		return KALIT_ERR_TOO_LARGE;
	if (!CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken,
	    V_ASN1_SEQUENCE, token, (int)len)) {
		log_ssl(LOG_LEVEL_ERROR, "CMS_unsigned_add1_attr_by_NID");
		return KALIT_ERR_NOMEM;
	}
	return KALIT_OK;
}

int
cms_to_der(CMS_ContentInfo *cms, unsigned char **derp, size_t *lenp)
{
	unsigned char *der = NULL;
	int n;

	*derp = NULL;
	*lenp = 0;
	if ((n = i2d_CMS_ContentInfo(cms, &der)) <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "i2d_CMS_ContentInfo");
		return KALIT_ERR_INTERNAL;
	}
	*derp = der;
	*lenp = (size_t)n;
	return KALIT_OK;
}

const EVP_MD *
cms_signer_md(CMS_SignerInfo *si)
{
	const ASN1_OBJECT *obj;
	X509_ALGOR *alg;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &alg, NULL);
	if (alg == NULL)
		return NULL;
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	return digest_md_of(OBJ_obj2nid(obj));
}

const ASN1_OCTET_STRING *
cms_signer_digest(CMS_SignerInfo *si)
{
	const ASN1_OCTET_STRING *md;

	/* -3: the attribute once, with one value */
	md = CMS_signed_get0_data_by_OBJ(si,
	    OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	ERR_clear_error();
	return md;
}

int
cms_digest_algs(CMS_ContentInfo *cms, struct digest_set *ds)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	const EVP_MD *md;
	int i, r;

	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++)
		if ((md = cms_signer_md(sk_CMS_SignerInfo_value(sis, i))) !=
		    NULL && (r = digest_set_add(ds, md)) != KALIT_OK)
			return r;
	return KALIT_OK;
}

int
cms_signers_match(CMS_ContentInfo *cms, const struct digest_set *ds)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	const ASN1_OCTET_STRING *got;
	const unsigned char *want;
	CMS_SignerInfo *si;
	size_t len;
	int i;

	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		si = sk_CMS_SignerInfo_value(sis, i);
		if ((want = digest_set_get(ds, cms_signer_md(si), &len)) ==
		    NULL || (got = cms_signer_digest(si)) == NULL ||
		    (size_t)ASN1_STRING_length(got) != len ||
		    memcmp(ASN1_STRING_get0_data(got), want, len) != 0)
			return KALIT_ERR_DOCUMENT_MISMATCH;
	}
	return KALIT_OK;
}
