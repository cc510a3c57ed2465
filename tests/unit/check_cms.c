/* check_cms.c: attached CMS signatures: what login accepts and refuses */
#include "config.h"

#include "testutil.h"
#include "cms.h"
#include "log.h"

#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

static X509 *ca, *leaf, *other_leaf;
static EVP_PKEY *ca_key, *leaf_key, *other_key;

static void
setup(void)
{
	struct profile *p = tu_profile("citizen");
	X509_NAME *n = tu_name("Signer");

	tu_make_ca(KEY_TYPE_P256, "CMS Test Root", &ca, &ca_key);
	leaf_key = tu_key(KEY_TYPE_P256);
	other_key = tu_key(KEY_TYPE_P256);
	leaf = tu_issue(p, n, leaf_key, NULL, ca, ca_key);
	other_leaf = tu_issue(p, n, other_key, NULL, ca, ca_key);
	X509_NAME_free(n);
	profile_free(p);
}

static void
teardown(void)
{
	X509_free(ca);
	X509_free(leaf);
	X509_free(other_leaf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(other_key);
}

/* Signs data with flags via CMS_sign; caller frees *derp. */
static size_t
sign_with(X509 *cert, EVP_PKEY *key, const char *data, unsigned int flags,
    unsigned char **derp)
{
	BIO *in = BIO_new_mem_buf(data, -1);
	CMS_ContentInfo *cms = CMS_sign(cert, key, NULL, in, flags);
	int n;

	ck_assert_ptr_nonnull(cms);
	*derp = NULL;
	n = i2d_CMS_ContentInfo(cms, derp);
	ck_assert_int_gt(n, 0);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return (size_t)n;
}

static int
verify(const unsigned char *der, size_t len, char **contentp)
{
	STACK_OF(X509) *certs = NULL;
	X509 *signer = NULL;
	unsigned char *content = NULL;
	size_t clen = 0;
	int r = cms_verify_attached(der, len, NULL, &signer, &certs, &content,
	    &clen);

	if (r == KALIT_OK) {
		ck_assert_ptr_nonnull(signer);
		ck_assert_int_eq(strlen((char *)content), clen);
	} else
		ck_assert_ptr_null(signer);
	if (contentp != NULL)
		*contentp = (char *)content;
	else
		free(content);
	X509_free(signer);
	sk_X509_pop_free(certs, X509_free);
	return r;
}

START_TEST(test_cms_sign_verify_round_trip)
{
	unsigned char *der = NULL;
	size_t len;
	char *content = NULL;

	ck_assert_err(cms_sign_attached(leaf_key, leaf, NULL, "challenge-1",
	    11, &der, &len), KALIT_OK);
	ck_assert_err(verify(der, len, &content), KALIT_OK);
	ck_assert_str_eq(content, "challenge-1");
	free(content);
	OPENSSL_free(der);
}
END_TEST

START_TEST(test_cms_openssl_binary_attached_accepted)
{
	unsigned char *der = NULL;
	size_t len = sign_with(leaf, leaf_key, "abc", CMS_BINARY, &der);
	char *content = NULL;

	ck_assert_err(verify(der, len, &content), KALIT_OK);
	ck_assert_str_eq(content, "abc");
	free(content);
	OPENSSL_free(der);
}
END_TEST

START_TEST(test_cms_empty_content_verifies_empty)
{
	unsigned char *der = NULL;
	size_t len;
	char *content = NULL;

	ck_assert_err(cms_sign_attached(leaf_key, leaf, NULL, "", 0, &der,
	    &len), KALIT_OK);
	ck_assert_err(verify(der, len, &content), KALIT_OK);
	ck_assert_str_eq(content, "");
	free(content);
	OPENSSL_free(der);
}
END_TEST

static int resolved;

/* A resolver that hands out the certificate it was given beforehand. */
static X509 *
resolve(const unsigned char *der, size_t len, void *arg)
{
	unsigned char *mine = NULL;
	int n = i2d_X509(arg, &mine);
	X509 *x = NULL;

	if (n > 0 && (size_t)n == len && memcmp(mine, der, len) == 0) {
		x = arg;
		X509_up_ref(x);
		resolved++;
	}
	OPENSSL_free(mine);
	return x;
}

START_TEST(test_cms_certs_come_from_resolver)
{
	struct cms_certs cc = { resolve, NULL };
	STACK_OF(X509) *certs = NULL;
	X509 *signer = NULL;
	unsigned char *der = NULL, *content = NULL;
	size_t len, clen;

	cc.arg = leaf;
	resolved = 0;
	ck_assert_err(cms_sign_attached(leaf_key, leaf, NULL, "abc", 3, &der,
	    &len), KALIT_OK);
	ck_assert_err(cms_verify_attached(der, len, &cc, &signer, &certs,
	    &content, &clen), KALIT_OK);
	ck_assert_int_eq(resolved, 1);
	ck_assert_ptr_eq(signer, leaf);		/* the object handed out */
	ck_assert_str_eq((char *)content, "abc");
	X509_free(signer);
	sk_X509_pop_free(certs, X509_free);
	free(content);
	/* Handing out another certificate than the one carried fails. */
	cc.arg = other_leaf;
	ck_assert_err(cms_verify_attached(der, len, &cc, &signer, &certs,
	    &content, &clen), KALIT_OK);	/* refused: parsed whole */
	X509_free(signer);
	sk_X509_pop_free(certs, X509_free);
	free(content);
	OPENSSL_free(der);
}
END_TEST

START_TEST(test_cms_detached_is_malformed)
{
	unsigned char *der = NULL;
	size_t len = sign_with(leaf, leaf_key, "abc", CMS_BINARY | CMS_DETACHED,
	    &der);

	ck_assert_err(verify(der, len, NULL), KALIT_ERR_MALFORMED);
	OPENSSL_free(der);
}
END_TEST

START_TEST(test_cms_without_certificate_fails)
{
	unsigned char *der = NULL;
	size_t len = sign_with(leaf, leaf_key, "abc", CMS_BINARY | CMS_NOCERTS,
	    &der);

	ck_assert_err(verify(der, len, NULL), KALIT_ERR_SIGNATURE);
	OPENSSL_free(der);
}
END_TEST

START_TEST(test_cms_swapped_certificate_fails)
{
	CMS_ContentInfo *cms;
	BIO *in = BIO_new_mem_buf("abc", -1);
	unsigned char *der = NULL;
	int n;

	/* Signed by leaf_key but carrying (only) another certificate. */
	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_BINARY);
	ck_assert_ptr_nonnull(cms);
	ck_assert_ptr_nonnull(CMS_add1_signer(cms, leaf, leaf_key, EVP_sha256(),
	    CMS_BINARY | CMS_NOCERTS));
	ck_assert_int_eq(CMS_add1_cert(cms, other_leaf), 1);
	ck_assert_int_eq(CMS_final(cms, in, NULL, CMS_BINARY), 1);
	ck_assert_int_gt(n = i2d_CMS_ContentInfo(cms, &der), 0);
	ck_assert_err(verify(der, (size_t)n, NULL), KALIT_ERR_SIGNATURE);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
}
END_TEST

START_TEST(test_cms_altered_content_fails)
{
	unsigned char *der = NULL, *p;
	size_t len = sign_with(leaf, leaf_key, "challenge-XYZ", CMS_BINARY,
	    &der);

	ck_assert_ptr_nonnull(p = memmem(der, len, "XYZ", 3));
	p[0] = 'Q';
	ck_assert_err(verify(der, len, NULL), KALIT_ERR_SIGNATURE);
	OPENSSL_free(der);
}
END_TEST

START_TEST(test_cms_trailing_and_truncated_are_malformed)
{
	unsigned char *der = NULL, *longer;
	size_t len = sign_with(leaf, leaf_key, "abc", CMS_BINARY, &der);

	ck_assert_ptr_nonnull(longer = malloc(len + 1));
	memcpy(longer, der, len);
	longer[len] = 0;
	ck_assert_err(verify(longer, len + 1, NULL), KALIT_ERR_MALFORMED);
	ck_assert_err(verify(der, len - 1, NULL), KALIT_ERR_MALFORMED);
	ck_assert_err(verify(der, 10, NULL), KALIT_ERR_MALFORMED);
	ck_assert_err(verify((const unsigned char *)"garbage", 7, NULL),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(verify(der, 0, NULL), KALIT_ERR_MALFORMED);
	free(longer);
	OPENSSL_free(der);
}
END_TEST

START_TEST(test_cms_oversize_refused_before_parsing)
{
	unsigned char *big = calloc(1, CMS_LOGIN_MAX + 1);

	ck_assert_ptr_nonnull(big);
	ck_assert_err(verify(big, CMS_LOGIN_MAX + 1, NULL), KALIT_ERR_TOO_LARGE);
	free(big);
}
END_TEST

START_TEST(test_cms_two_signers_is_malformed)
{
	CMS_ContentInfo *cms;
	BIO *in = BIO_new_mem_buf("abc", -1);
	unsigned char *der = NULL;
	int n;

	cms = CMS_sign(leaf, leaf_key, NULL, NULL, CMS_PARTIAL | CMS_BINARY);
	ck_assert_ptr_nonnull(cms);
	ck_assert_ptr_nonnull(CMS_add1_signer(cms, other_leaf, other_key,
	    EVP_sha256(), CMS_BINARY));
	ck_assert_int_eq(CMS_final(cms, in, NULL, CMS_BINARY), 1);
	ck_assert_int_gt(n = i2d_CMS_ContentInfo(cms, &der), 0);
	ck_assert_err(verify(der, (size_t)n, NULL), KALIT_ERR_MALFORMED);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
}
END_TEST

/*
 * "abc" signed attached by the leaf with digest md, its signed attributes
 * made by hand as cms_add_signer() makes them: content type ct and the
 * message digest; CMS_SignerInfo_sign() adds the signing time. The CMS,
 * its only signer in *sip.
 */
static CMS_ContentInfo *
sign_by_hand(const EVP_MD *md, int ct, CMS_SignerInfo **sip)
{
	unsigned char dig[EVP_MAX_MD_SIZE];
	CMS_ContentInfo *cms = NULL;
	unsigned int n;

	ck_assert_int_eq(EVP_Digest("abc", 3, dig, &n, md, NULL), 1);
	ck_assert_err(cms_signed_new("abc", 3, &cms), KALIT_OK);
	ck_assert_ptr_nonnull(*sip = CMS_add1_signer(cms, leaf, leaf_key, md,
	    CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP));
	ck_assert_int_eq(CMS_signed_add1_attr_by_NID(*sip,
	    NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_nid2obj(ct), -1), 1);
	ck_assert_int_eq(CMS_signed_add1_attr_by_NID(*sip,
	    NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, dig, (int)n), 1);
	ck_assert_int_eq(CMS_SignerInfo_sign(*sip), 1);
	return cms;
}

/* verify() of cms as DER. */
static int
verify_cms(CMS_ContentInfo *cms)
{
	unsigned char *der = NULL;
	size_t len = 0;
	int r;

	ck_assert_err(cms_to_der(cms, &der, &len), KALIT_OK);
	r = verify(der, len, NULL);
	OPENSSL_free(der);
	return r;
}

START_TEST(test_cms_login_refuses_weak_digests)
{
	static const struct { const char *md; int err; } cases[] = {
		{ "SHA256", KALIT_OK }, { "SHA384", KALIT_OK },
		{ "SHA512", KALIT_OK }, { "SHA1", KALIT_ERR_SIG_ALGORITHM },
		{ "SHA224", KALIT_ERR_SIG_ALGORITHM },
	};
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	EVP_MD *md;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_ptr_nonnull(md = EVP_MD_fetch(NULL, cases[i].md,
		    NULL));
		cms = sign_by_hand(md, NID_pkcs7_data, &si);
		ck_assert_err(cms_signer_check(cms, si), cases[i].err);
		ck_assert_err(verify_cms(cms), cases[i].err);
		CMS_ContentInfo_free(cms);
		EVP_MD_free(md);
	}
}
END_TEST

START_TEST(test_cms_login_refuses_contradictory_attributes)
{
	X509_ATTRIBUTE *at;
	unsigned char *der = NULL;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	size_t len;

	/* RFC 5652 11.1: the content-type attribute is the eContentType. */
	cms = sign_by_hand(EVP_sha256(), NID_id_smime_ct_TSTInfo, &si);
	ck_assert_err(cms_signer_check(cms, si), KALIT_ERR_SIGNATURE);
	ck_assert_err(verify_cms(cms), KALIT_ERR_SIGNATURE);
	CMS_ContentInfo_free(cms);
	/* None: OpenSSL signs none, so it goes after the signature. */
	cms = sign_by_hand(EVP_sha256(), NID_pkcs7_data, &si);
	ck_assert_ptr_nonnull(at = CMS_signed_delete_attr(si,
	    CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1)));
	X509_ATTRIBUTE_free(at);
	ck_assert_err(verify_cms(cms), KALIT_ERR_SIGNATURE);
	CMS_ContentInfo_free(cms);
	/* A second signing time, or one that is not a time. */
	cms = sign_by_hand(EVP_sha256(), NID_pkcs7_data, &si);
	ck_assert_err(cms_signer_check(cms, si), KALIT_OK);
	ck_assert_int_eq(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime,
	    V_ASN1_OCTET_STRING, "x", 1), 1);
	ck_assert_err(cms_signer_check(cms, si), KALIT_ERR_SIGNATURE);
	CMS_ContentInfo_free(cms);
	/* No signed attributes at all: nothing signs the content type. */
	len = sign_with(leaf, leaf_key, "abc", CMS_BINARY | CMS_NOATTR, &der);
	ck_assert_err(verify(der, len, NULL), KALIT_ERR_SIGNATURE);
	OPENSSL_free(der);
}
END_TEST

START_TEST(test_cms_signature_algorithm_matches_digest_and_key)
{
	static const struct { int nid; int err; } cases[] = {
		{ NID_ecdsa_with_SHA256, KALIT_OK },
		{ NID_X9_62_id_ecPublicKey, KALIT_OK },
		{ NID_ecdsa_with_SHA384, KALIT_ERR_SIGNATURE },
		{ NID_sha256WithRSAEncryption, KALIT_ERR_SIGNATURE },
		{ NID_rsaEncryption, KALIT_ERR_SIGNATURE },
		{ NID_ecdsa_with_SHA1, KALIT_ERR_SIG_ALGORITHM },
		{ NID_md5WithRSAEncryption, KALIT_ERR_SIG_ALGORITHM },
		{ NID_dsa_with_SHA256, KALIT_ERR_SIG_ALGORITHM },
		{ NID_rsassaPss, KALIT_ERR_SIG_ALGORITHM },	/* SHA-1 */
		{ NID_sha256, KALIT_ERR_SIG_ALGORITHM },
	};
	CMS_SignerInfo *si;
	CMS_ContentInfo *cms = sign_by_hand(EVP_sha256(), NID_pkcs7_data, &si);
	X509_ALGOR *sig;
	size_t i;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sig);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(X509_ALGOR_set0(sig, OBJ_nid2obj(cases[i].nid),
		    V_ASN1_UNDEF, NULL), 1);
		ck_assert_msg(cms_signer_check(cms, si) == cases[i].err,
		    "%s: got %s", OBJ_nid2sn(cases[i].nid),
		    kalit_errname(cms_signer_check(cms, si)));
	}
	/* The policy decides before OpenSSL verifies anything. */
	ck_assert_err(verify_cms(cms), KALIT_ERR_SIG_ALGORITHM);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_cms_rsa_pss_hashes_as_its_digest)
{
	struct profile *p = tu_profile("citizen");
	X509_NAME *n = tu_name("RSA Signer");
	EVP_PKEY *key = tu_key(KEY_TYPE_RSA3072);
	X509 *cert = tu_issue(p, n, key, NULL, ca, ca_key);
	BIO *in = BIO_new_mem_buf("abc", -1);
	unsigned char *der = NULL;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	int len;

	ck_assert_ptr_nonnull(cms = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_PARTIAL | CMS_BINARY));
	ck_assert_ptr_nonnull(si = CMS_add1_signer(cms, cert, key,
	    EVP_sha384(), CMS_BINARY | CMS_KEY_PARAM));
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(
	    CMS_SignerInfo_get0_pkey_ctx(si), RSA_PKCS1_PSS_PADDING), 1);
	ck_assert_int_eq(CMS_final(cms, in, NULL, CMS_BINARY), 1);
	ck_assert_int_gt(len = i2d_CMS_ContentInfo(cms, &der), 0);
	ck_assert_err(verify(der, (size_t)len, NULL), KALIT_OK);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	X509_free(cert);
	EVP_PKEY_free(key);
	X509_NAME_free(n);
	profile_free(p);
}
END_TEST

/* A detached (content NULL) or attached signature by key and cert. */
static CMS_ContentInfo *
sign_doc(EVP_PKEY *key, X509 *cert, const char *doc, int attached)
{
	struct digest_set ds;
	CMS_ContentInfo *cms = NULL;
	const unsigned char *md;
	size_t mdlen = 0;

	memset(&ds, 0, sizeof(ds));
	ck_assert_err(digest_set_add(&ds, EVP_sha256()), KALIT_OK);
	ck_assert_err(digest_buf(&ds, doc, strlen(doc)), KALIT_OK);
	ck_assert_ptr_nonnull(md = digest_set_get(&ds, EVP_sha256(), &mdlen));
	ck_assert_err(cms_signed_new(attached ? doc : NULL, strlen(doc),
	    &cms), KALIT_OK);
	ck_assert_err(cms_add_signer(cms, key, cert, NULL, md, mdlen, NULL),
	    KALIT_OK);
	return cms;
}

/* DER of cms parsed again, as a reader of the file has it. */
static CMS_ContentInfo *
reparse(CMS_ContentInfo *cms)
{
	unsigned char *der = NULL;
	CMS_ContentInfo *back = NULL;
	size_t len = 0;

	ck_assert_err(cms_to_der(cms, &der, &len), KALIT_OK);
	ck_assert_err(cms_parse_signed(der, len, &back), KALIT_OK);
	OPENSSL_free(der);
	return back;
}

/* CMS_verify() as "openssl cms -verify -cades -binary" does: 1 or 0. */
static int
openssl_verify(CMS_ContentInfo *cms, const char *detached)
{
	X509_STORE *store = X509_STORE_new();
	BIO *in = detached != NULL ? BIO_new_mem_buf(detached, -1) : NULL;
	int ok;

	ck_assert_ptr_nonnull(store);
	ck_assert_int_eq(X509_STORE_add_cert(store, ca), 1);
	ok = CMS_verify(cms, NULL, store, in, NULL, CMS_BINARY | CMS_CADES);
	ERR_clear_error();
	X509_STORE_free(store);
	BIO_free(in);
	return ok;
}

START_TEST(test_cms_detached_signature_verifies_with_openssl)
{
	CMS_ContentInfo *cms = sign_doc(leaf_key, leaf, "the document", 0);
	CMS_ContentInfo *back = reparse(cms);
	const unsigned char *data;
	size_t len;

	ck_assert_int_eq(CMS_is_detached(back), 1);
	ck_assert_err(cms_content(back, &data, &len),
	    KALIT_ERR_CONTENT_MISSING);
	ck_assert_int_eq(openssl_verify(back, "the document"), 1);
	ck_assert_int_eq(openssl_verify(back, "the documenT"), 0);
	CMS_ContentInfo_free(back);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_cms_attached_signature_carries_the_document)
{
	CMS_ContentInfo *cms = sign_doc(leaf_key, leaf, "attached text", 1);
	CMS_ContentInfo *back = reparse(cms);
	const unsigned char *data;
	size_t len;

	ck_assert_err(cms_content(back, &data, &len), KALIT_OK);
	ck_assert_uint_eq(len, 13);
	ck_assert_int_eq(memcmp(data, "attached text", 13), 0);
	ck_assert_int_eq(openssl_verify(back, NULL), 1);
	CMS_ContentInfo_free(back);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_cms_signed_attributes_are_cades_bes)
{
	static const int want[] = { NID_pkcs9_contentType,
	    NID_pkcs9_messageDigest, NID_pkcs9_signingTime,
	    NID_id_smime_aa_signingCertificateV2 };
	CMS_ContentInfo *cms = sign_doc(leaf_key, leaf, "abc", 0);
	CMS_SignerInfo *si;
	X509_ALGOR *dig;
	const ASN1_OBJECT *obj;
	size_t i;

	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	ck_assert_int_eq(CMS_signed_get_attr_count(si), 4);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_int_ge(CMS_signed_get_attr_by_NID(si, want[i], -1),
		    0);
	ck_assert_int_lt(CMS_signed_get_attr_by_NID(si,
	    NID_SMIMECapabilities, -1), 0);
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	ck_assert_int_eq(OBJ_obj2nid(obj), NID_sha256);
	ck_assert_ptr_nonnull(cms_signer_digest(si));
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_cms_cosign_keeps_the_first_signature)
{
	CMS_ContentInfo *cms = sign_doc(leaf_key, leaf, "both sign", 0);
	CMS_ContentInfo *back = reparse(cms), *both;
	STACK_OF(CMS_SignerInfo) *sis;
	ASN1_OCTET_STRING *first;
	struct digest_set ds;
	const unsigned char *md;
	size_t mdlen;

	first = ASN1_OCTET_STRING_dup(CMS_SignerInfo_get0_signature(
	    sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(back), 0)));
	memset(&ds, 0, sizeof(ds));
	ck_assert_err(digest_set_add(&ds, EVP_sha256()), KALIT_OK);
	ck_assert_err(cms_digest_algs(back, &ds), KALIT_OK);
	ck_assert_err(digest_buf(&ds, "both sign", 9), KALIT_OK);
	ck_assert_err(cms_signers_match(back, &ds), KALIT_OK);
	md = digest_set_get(&ds, EVP_sha256(), &mdlen);
	ck_assert_err(cms_add_signer(back, other_key, other_leaf, NULL, md,
	    mdlen, NULL), KALIT_OK);
	both = reparse(back);
	sis = CMS_get0_SignerInfos(both);
	ck_assert_int_eq(sk_CMS_SignerInfo_num(sis), 2);
	/* SignerInfos is a SET OF: DER orders it, so either may be first. */
	ck_assert(ASN1_OCTET_STRING_cmp(first, CMS_SignerInfo_get0_signature(
	    sk_CMS_SignerInfo_value(sis, 0))) == 0 ||
	    ASN1_OCTET_STRING_cmp(first, CMS_SignerInfo_get0_signature(
	    sk_CMS_SignerInfo_value(sis, 1))) == 0);
	ck_assert_int_eq(openssl_verify(both, "both sign"), 1);
	ASN1_OCTET_STRING_free(first);
	CMS_ContentInfo_free(both);
	CMS_ContentInfo_free(back);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_cms_signers_match_refuses_another_document)
{
	CMS_ContentInfo *cms = sign_doc(leaf_key, leaf, "original", 0);
	struct digest_set ds;

	memset(&ds, 0, sizeof(ds));
	ck_assert_err(cms_digest_algs(cms, &ds), KALIT_OK);
	ck_assert_uint_eq(ds.n, 1);
	ck_assert_err(digest_buf(&ds, "0riginal", 8), KALIT_OK);
	ck_assert_err(cms_signers_match(cms, &ds),
	    KALIT_ERR_DOCUMENT_MISMATCH);
	/* Without the signer's algorithm there is nothing to match. */
	memset(&ds, 0, sizeof(ds));
	ck_assert_err(cms_signers_match(cms, &ds),
	    KALIT_ERR_DOCUMENT_MISMATCH);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_cms_add_signer_refuses_bad_keys)
{
	unsigned char md[32] = { 0 };
	CMS_ContentInfo *cms = NULL;
	EVP_PKEY *ed = tu_key(KEY_TYPE_ED25519);

	ck_assert_err(cms_signed_new(NULL, 0, &cms), KALIT_OK);
	ck_assert_err(cms_add_signer(cms, other_key, leaf, NULL, md, 32, NULL),
	    KALIT_ERR_KEY_MISMATCH);
	ck_assert_err(cms_add_signer(cms, ed, leaf, NULL, md, 32, NULL),
	    KALIT_ERR_KEY_UNSUPPORTED);
	ck_assert_ptr_null(cms_sign_md(ed));
	ck_assert_err(cms_add_signer(cms, leaf_key, leaf, NULL, md, 20, NULL),
	    KALIT_ERR_INTERNAL);
	ck_assert_int_eq(sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)),
	    0);
	EVP_PKEY_free(ed);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_cms_chain_certificates_once)
{
	STACK_OF(X509) *chain = sk_X509_new_null(), *certs;
	unsigned char md[32] = { 0 };
	CMS_ContentInfo *cms = NULL;

	ck_assert_int_gt(sk_X509_push(chain, ca), 0);
	ck_assert_int_gt(sk_X509_push(chain, leaf), 0);	/* a repeat */
	ck_assert_err(cms_signed_new(NULL, 0, &cms), KALIT_OK);
	ck_assert_err(cms_add_signer(cms, leaf_key, leaf, chain, md, 32, NULL),
	    KALIT_OK);
	ck_assert_err(cms_add_signer(cms, leaf_key, leaf, chain, md, 32, NULL),
	    KALIT_OK);
	certs = CMS_get1_certs(cms);
	ck_assert_int_eq(sk_X509_num(certs), 2);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_free(chain);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_cms_parse_signed_refuses_what_is_not_signed_data)
{
	CMS_ContentInfo *cms = sign_doc(leaf_key, leaf, "doc", 1), *back;
	unsigned char *der = NULL, *longer, *big;
	size_t len = 0;
	BIO *mem;
	char *pem;
	long plen;

	ck_assert_err(cms_to_der(cms, &der, &len), KALIT_OK);
	ck_assert_ptr_nonnull(longer = malloc(len + 1));
	memcpy(longer, der, len);
	longer[len] = 0;
	ck_assert_err(cms_parse_signed(longer, len + 1, &back),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(back);
	ck_assert_err(cms_parse_signed(der, len - 1, &back),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(cms_parse_signed(der, 0, &back), KALIT_ERR_MALFORMED);
	ck_assert_err(cms_parse_signed((const unsigned char *)"garbage", 7,
	    &back), KALIT_ERR_MALFORMED);
	ck_assert_ptr_nonnull(big = calloc(1, CMS_SIG_MAX + 1));
	ck_assert_err(cms_parse_signed(big, CMS_SIG_MAX + 1, &back),
	    KALIT_ERR_TOO_LARGE);
	/* The same as PEM is read; a broken PEM is not. */
	ck_assert_ptr_nonnull(mem = BIO_new(BIO_s_mem()));
	ck_assert_int_gt(PEM_write_bio(mem, PEM_STRING_CMS, "", der, (long)len),
	    0);
	ck_assert_int_gt(plen = BIO_get_mem_data(mem, &pem), 0);
	ck_assert_err(cms_parse_signed((unsigned char *)pem, (size_t)plen,
	    &back), KALIT_OK);
	CMS_ContentInfo_free(back);
	pem[plen / 2] = '*';
	ck_assert_err(cms_parse_signed((unsigned char *)pem, (size_t)plen,
	    &back), KALIT_ERR_MALFORMED);
	BIO_free(mem);
	free(big);
	free(longer);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_cms_parse_signed_refuses_other_content_types)
{
	BIO *in = BIO_new_mem_buf("data", -1);
	CMS_ContentInfo *data = CMS_data_create(in, CMS_BINARY), *back;
	unsigned char *der = NULL;
	int n;

	ck_assert_ptr_nonnull(data);
	ck_assert_int_gt(n = i2d_CMS_ContentInfo(data, &der), 0);
	ck_assert_err(cms_parse_signed(der, (size_t)n, &back),
	    KALIT_ERR_MALFORMED);
	OPENSSL_free(der);
	CMS_ContentInfo_free(data);
	BIO_free(in);
}
END_TEST

START_TEST(test_cms_attached_size_capped)
{
	CMS_ContentInfo *cms = NULL;
	unsigned char *big = calloc(1, CMS_ATTACHED_MAX + 1);

	ck_assert_ptr_nonnull(big);
	ck_assert_err(cms_signed_new(big, CMS_ATTACHED_MAX + 1, &cms),
	    KALIT_ERR_TOO_LARGE);
	ck_assert_ptr_null(cms);
	free(big);
}
END_TEST

START_TEST(test_cms_timestamp_attribute_unsigned_and_counted)
{
	static const unsigned char tok[] = { 0x30, 0x03, 0x02, 0x01, 0x07 };
	CMS_ContentInfo *cms = sign_doc(leaf_key, leaf, "the document", 0);
	CMS_ContentInfo *back;
	const unsigned char *ders[CMS_TIMESTAMPS_MAX];
	size_t lens[CMS_TIMESTAMPS_MAX];
	CMS_SignerInfo *si;
	int i;

	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	ck_assert_int_eq(cms_signer_timestamps(si, ders, lens), 0);
	ck_assert_err(cms_signer_add_timestamp(si, tok, sizeof(tok)),
	    KALIT_OK);
	ck_assert_err(cms_signer_add_timestamp(si, tok, sizeof(tok)),
	    KALIT_OK);
	back = reparse(cms);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(back), 0);
	ck_assert_int_eq(cms_signer_timestamps(si, ders, lens), 2);
	ck_assert_uint_eq(lens[1], sizeof(tok));
	ck_assert_mem_eq(ders[1], tok, sizeof(tok));
	/* Unsigned: the signature still verifies. */
	ck_assert_int_eq(openssl_verify(back, "the document"), 1);
	for (i = 2; i <= CMS_TIMESTAMPS_MAX; i++)
		ck_assert_err(cms_signer_add_timestamp(si, tok, sizeof(tok)),
		    KALIT_OK);
	ck_assert_int_eq(cms_signer_timestamps(si, ders, lens), -1);
	CMS_ContentInfo_free(back);
	/* A value that is not a SEQUENCE. */
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	ck_assert_int_eq(CMS_unsigned_add1_attr_by_NID(si,
	    NID_id_smime_aa_timeStampToken, V_ASN1_OCTET_STRING, tok, 5), 1);
	ck_assert_int_eq(cms_signer_timestamps(si, ders, lens), -1);
	CMS_ContentInfo_free(cms);
}
END_TEST

static Suite *
cms_suite(void)
{
	Suite *s = suite_create("cms");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cms_sign_verify_round_trip);
	tcase_add_test(tc, test_cms_openssl_binary_attached_accepted);
	tcase_add_test(tc, test_cms_empty_content_verifies_empty);
	tcase_add_test(tc, test_cms_certs_come_from_resolver);
	tcase_add_test(tc, test_cms_detached_is_malformed);
	tcase_add_test(tc, test_cms_without_certificate_fails);
	tcase_add_test(tc, test_cms_swapped_certificate_fails);
	tcase_add_test(tc, test_cms_altered_content_fails);
	tcase_add_test(tc, test_cms_trailing_and_truncated_are_malformed);
	tcase_add_test(tc, test_cms_oversize_refused_before_parsing);
	tcase_add_test(tc, test_cms_two_signers_is_malformed);
	suite_add_tcase(s, tc);
	tc = tcase_create("policy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cms_login_refuses_weak_digests);
	tcase_add_test(tc, test_cms_login_refuses_contradictory_attributes);
	tcase_add_test(tc, test_cms_signature_algorithm_matches_digest_and_key);
	tcase_add_test(tc, test_cms_rsa_pss_hashes_as_its_digest);
	suite_add_tcase(s, tc);
	tc = tcase_create("sign");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cms_detached_signature_verifies_with_openssl);
	tcase_add_test(tc, test_cms_attached_signature_carries_the_document);
	tcase_add_test(tc, test_cms_signed_attributes_are_cades_bes);
	tcase_add_test(tc, test_cms_cosign_keeps_the_first_signature);
	tcase_add_test(tc, test_cms_signers_match_refuses_another_document);
	tcase_add_test(tc, test_cms_add_signer_refuses_bad_keys);
	tcase_add_test(tc, test_cms_chain_certificates_once);
	tcase_add_test(tc,
	    test_cms_parse_signed_refuses_what_is_not_signed_data);
	tcase_add_test(tc, test_cms_parse_signed_refuses_other_content_types);
	tcase_add_test(tc, test_cms_attached_size_capped);
	tcase_add_test(tc, test_cms_timestamp_attribute_unsigned_and_counted);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_cms", -1);
	return tu_run(cms_suite());
}
