/* cms.h: CMS SignedData: signing and checking signatures */
#ifndef KALIT_CMS_H
#define KALIT_CMS_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <openssl/cms.h>

#include "digest.h"

#define CMS_LOGIN_MAX	(32 * 1024)	/* DER of a signed login challenge */
#define CMS_SIG_MAX	(16 * 1024 * 1024)	/* a signature read whole:
						   verified or co-signed */
#define CMS_ATTACHED_MAX (CMS_SIG_MAX - 1024 * 1024)	/* a document
				   signed attached, leaving room for the
				   certificates of a few signers */

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
 * carries, judges the signer by cms_signer_check(), and checks that
 * signature only; the certificate is not judged.
 * cc (may be NULL: parse each) turns the carried certificates into X509s.
 * KALIT_ERR_MALFORMED for anything that is not such a structure (detached
 * content included); cms_signer_check()'s KALIT_ERR_SIGNATURE or
 * KALIT_ERR_SIG_ALGORITHM; KALIT_ERR_SIGNATURE when the signature fails.
 * On KALIT_OK: *signerp (caller frees with X509_free()), *certsp the other
 * certificates carried (caller frees with sk_X509_pop_free(certs, X509_free)), and
 * *contentp and *clenp the signed content (caller frees with free()).
 */
int	cms_verify_attached(const unsigned char *der, size_t len,
	    const struct cms_certs *cc, X509 **signerp, STACK_OF(X509) **certsp,
	    unsigned char **contentp, size_t *clenp);

/*
 * Parses a signature: DER, or PEM (-----BEGIN CMS-----) when it starts
 * so; ContentInfo with SignedData, attached or detached, nothing after it.
 * KALIT_ERR_TOO_LARGE beyond CMS_SIG_MAX bytes (before parsing),
 * KALIT_ERR_MALFORMED for anything else. Caller frees *cmsp with
 * CMS_ContentInfo_free().
 */
int	cms_parse_signed(const unsigned char *buf, size_t len,
	    CMS_ContentInfo **cmsp);

/*
 * The content an attached signature carries: *datap (borrowed, valid
 * while cms lives) and *lenp. KALIT_ERR_CONTENT_MISSING when detached.
 */
int	cms_content(CMS_ContentInfo *cms, const unsigned char **datap,
	    size_t *lenp);

/*
 * New SignedData over id-data without signers: detached when content is
 * NULL, else attached carrying a copy of its len bytes (at most
 * CMS_ATTACHED_MAX). Caller frees *cmsp with CMS_ContentInfo_free().
 */
int	cms_signed_new(const void *content, size_t len,
	    CMS_ContentInfo **cmsp);

/*
 * The digest kalit signs documents with for key: SHA-256 for EC and RSA
 * keys; NULL for keys OpenSSL 3.0 cannot make CMS signatures with
 * (Ed25519, Ed448). Static.
 */
const EVP_MD *cms_sign_md(const EVP_PKEY *key);

/*
 * Adds a CAdES-BES signer to cms: SHA-256 (cms_sign_md()), signed
 * attributes content-type, message-digest (md, the content's digest with
 * cms_sign_md(key), mdlen bytes), signing-time (now) and
 * signing-certificate-v2 (RFC 5035) naming cert; cert and chain (may be
 * NULL) join the certificates unless present. Signers already there are
 * left as they are: this is how a signature is co-signed.
 * KALIT_ERR_KEY_UNSUPPORTED for an Ed25519 key, KALIT_ERR_KEY_MISMATCH when
 * key is not cert's. On KALIT_OK *sip (sip may be NULL) is the new signer,
 * borrowed, valid while cms lives.
 */
int	cms_add_signer(CMS_ContentInfo *cms, EVP_PKEY *key, X509 *cert,
	    STACK_OF(X509) *chain, const unsigned char *md, size_t mdlen,
	    CMS_SignerInfo **sip);

/*
 * The value of si's signed attribute nid when si has it once, with one
 * value; else NULL. Borrowed, valid while si lives.
 */
ASN1_TYPE *cms_signed_value(CMS_SignerInfo *si, int nid);

/* What si's signing-certificate(-v2) attribute (RFC 5035) says. */
enum cms_ess {
	CMS_ESS_ABSENT = 0,	/* plain CMS, as "openssl cms -sign" makes */
	CMS_ESS_VALID,		/* names the signer's certificate */
	CMS_ESS_MISMATCH,	/* names another: a swapped certificate */
	CMS_ESS_MALFORMED
};

/*
 * signing-certificate-v2 (or v1) of si against list, the signer's
 * certificate first: as OpenSSL checks CAdES, the first certificate named
 * must be the signer's and every other one must be in list.
 */
enum cms_ess cms_signer_ess(CMS_SignerInfo *si, STACK_OF(X509) *list);

#define CMS_TIMESTAMPS_MAX	4	/* signature timestamps of one signer */

/*
 * The signature timestamps of si: the DER of each value of its unsigned
 * id-aa-signatureTimeStampToken attributes (RFC 3161 tokens, as CAdES-T
 * adds them), at most CMS_TIMESTAMPS_MAX, into ders and lens (borrowed,
 * valid while si lives). Returns how many there are, or -1 when one is
 * not a SEQUENCE or there are more than CMS_TIMESTAMPS_MAX.
 */
int	cms_signer_timestamps(CMS_SignerInfo *si,
	    const unsigned char *ders[CMS_TIMESTAMPS_MAX],
	    size_t lens[CMS_TIMESTAMPS_MAX]);

/*
 * Adds the DER token (len bytes, an RFC 3161 TimeStampToken) to si as the
 * unsigned attribute id-aa-signatureTimeStampToken: CAdES-T. The
 * signature stays as it was; nothing signed changes.
 */
int	cms_signer_add_timestamp(CMS_SignerInfo *si,
	    const unsigned char *token, size_t len);

/*
 * The one algorithm and attribute policy of kalit's signatures, for a
 * login, POST /v1/verify and kalit verify alike. Signer si of cms is
 * judged in this order, and the first rule broken decides:
 * - signed attributes present (RFC 5652 makes them optional for id-data
 *   only; CAdES, and kalit, require them, so that the signature covers
 *   the content type), with exactly one content-type, equal to cms's
 *   eContentType (RFC 5652 section 11.1), exactly one message-digest, and
 *   at most one signing-time, a valid time: else KALIT_ERR_SIGNATURE;
 * - the digest algorithm SHA-256, SHA-384 or SHA-512, and the signature
 *   algorithm RSA (PKCS #1 v1.5, or PSS hashing with the same digest),
 *   ECDSA or Ed25519, naming no other digest than one of those: else
 *   KALIT_ERR_SIG_ALGORITHM;
 * - a signature algorithm that names a digest names si's, and the key
 *   type it names is that of the signer's key when si has the signer's
 *   certificate (CMS_set1_signers_certs()): else KALIT_ERR_SIGNATURE.
 */
int	cms_signer_check(CMS_ContentInfo *cms, CMS_SignerInfo *si);

/*
 * The digest algorithm of signer si if documents may be hashed with it
 * (digest_md_of()), else NULL; static.
 */
const EVP_MD *cms_signer_md(CMS_SignerInfo *si);

/*
 * The value of si's message-digest attribute when it has exactly one
 * with one value, else NULL. Borrowed, valid while si lives.
 */
const ASN1_OCTET_STRING *cms_signer_digest(CMS_SignerInfo *si);

/*
 * Adds to ds the digest algorithm of every signer of cms that has one
 * documents may be hashed with, so that one pass over the document
 * serves them all.
 */
int	cms_digest_algs(CMS_ContentInfo *cms, struct digest_set *ds);

/*
 * KALIT_OK when the message digest of every signer of cms is ds's digest
 * of the document with the signer's algorithm; else
 * KALIT_ERR_DOCUMENT_MISMATCH. For co-signing the document signed.
 */
int	cms_signers_match(CMS_ContentInfo *cms, const struct digest_set *ds);

/* DER of cms; caller frees *derp with OPENSSL_free(). */
int	cms_to_der(CMS_ContentInfo *cms, unsigned char **derp, size_t *lenp);

#endif
