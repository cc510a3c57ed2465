/* check_cms.c: attached CMS signatures: what login accepts and refuses */
#include "config.h"

#include "testutil.h"
#include "cms.h"
#include "log.h"

#include <openssl/cms.h>

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
	return s;
}

int
main(void)
{
	log_init("check_cms", -1);
	return tu_run(cms_suite());
}
