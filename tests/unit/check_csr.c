/* check_csr.c: unit tests for csr.c */
#include "config.h"

#include <string.h>

#include <check.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "csr.h"
#include "keyfile.h"
#include "testutil.h"

#define ALL_KEYS	((1u << KEY_TYPE__MAX) - 1)

/* A DER PKCS#10 request for key with CN "alice"; caller frees with free(). */
static unsigned char *
make_csr(EVP_PKEY *key, size_t *lenp)
{
	X509_REQ *req;
	X509_NAME *name = tu_name("alice");
	unsigned char *der = NULL, *out;
	int len;

	ck_assert_ptr_nonnull(req = X509_REQ_new());
	ck_assert_int_eq(X509_REQ_set_version(req, 0), 1);
	ck_assert_int_eq(X509_REQ_set_subject_name(req, name), 1);
	ck_assert_int_eq(X509_REQ_set_pubkey(req, key), 1);
	ck_assert_int_gt(X509_REQ_sign(req, key, key_sign_md(key)), 0);
	ck_assert_int_gt(len = i2d_X509_REQ(req, &der), 0);
	/* a malloc'ed copy with room for tests to append to */
	ck_assert_ptr_nonnull(out = malloc((size_t)len + 16));
	memcpy(out, der, (size_t)len);
	*lenp = (size_t)len;
	OPENSSL_free(der);
	X509_REQ_free(req);
	X509_NAME_free(name);
	return out;
}

/* The first occurrence of s in buf, or NULL (memmem is not portable). */
static unsigned char *
find(unsigned char *buf, size_t len, const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, s, n) == 0)
			return buf + i;
	return NULL;
}

/* PEM of a DER request; caller frees. */
static char *
to_pem(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509_REQ *req;
	BIO *mem;
	char *data, *out;
	long n;

	ck_assert_ptr_nonnull(req = d2i_X509_REQ(NULL, &p, (long)len));
	ck_assert_ptr_nonnull(mem = BIO_new(BIO_s_mem()));
	ck_assert_int_eq(PEM_write_bio_X509_REQ(mem, req), 1);
	n = BIO_get_mem_data(mem, &data);
	ck_assert_ptr_nonnull(out = strndup(data, (size_t)n));
	BIO_free(mem);
	X509_REQ_free(req);
	return out;
}

START_TEST(test_csr_good_each_key_type)
{
	EVP_PKEY *key = tu_key((enum key_type)_i), *pub = NULL;
	unsigned char *der;
	size_t len;

	der = make_csr(key, &len);
	ck_assert_err(csr_check(der, len, ALL_KEYS, &pub), KALIT_OK);
	ck_assert_ptr_nonnull(pub);
	ck_assert_int_eq(EVP_PKEY_eq(pub, key), 1);
	EVP_PKEY_free(pub);
	/* allowed exactly by its own bit */
	ck_assert_err(csr_check(der, len, 1u << _i, &pub), KALIT_OK);
	EVP_PKEY_free(pub);
	free(der);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_csr_good_pem)
{
	EVP_PKEY *key = tu_key(KEY_TYPE_P256), *pub = NULL;
	unsigned char *der;
	size_t len;
	char *pem;

	der = make_csr(key, &len);
	pem = to_pem(der, len);
	ck_assert_int_eq(strncmp(pem, "-----BEGIN CERTIFICATE REQUEST-----",
	    35), 0);
	ck_assert_err(csr_check((unsigned char *)pem, strlen(pem), ALL_KEYS,
	    &pub), KALIT_OK);
	ck_assert_int_eq(EVP_PKEY_eq(pub, key), 1);
	EVP_PKEY_free(pub);
	free(pem);
	free(der);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_csr_tampered_subject_signature)
{
	EVP_PKEY *key = tu_key((enum key_type)_i), *pub = (EVP_PKEY *)&key;
	unsigned char *der, *p;
	size_t len;

	der = make_csr(key, &len);
	/* "alice" -> "alicf": still well-formed, no longer signed */
	ck_assert_ptr_nonnull(p = find(der, len, "alice"));
	p[4] = 'f';
	ck_assert_err(csr_check(der, len, ALL_KEYS, &pub),
	    KALIT_ERR_CSR_SIGNATURE);
	ck_assert_ptr_null(pub);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	free(der);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_csr_tampered_signature_bits)
{
	EVP_PKEY *key = tu_key((enum key_type)_i), *pub = (EVP_PKEY *)&key;
	unsigned char *der;
	size_t len;
	int r;

	der = make_csr(key, &len);
	/* the last byte is the signature's */
	der[len - 1] ^= 0x01;
	r = csr_check(der, len, ALL_KEYS, &pub);
	ck_assert_err(r, KALIT_ERR_CSR_SIGNATURE);
	ck_assert_ptr_null(pub);
	free(der);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_csr_signed_by_other_key)
{
	EVP_PKEY *key = tu_key(KEY_TYPE_P256), *other = tu_key(KEY_TYPE_P256);
	EVP_PKEY *pub = NULL;
	X509_REQ *req;
	unsigned char *der = NULL;
	int len;

	/* names key but signed by other: proves no possession */
	ck_assert_ptr_nonnull(req = X509_REQ_new());
	ck_assert_int_eq(X509_REQ_set_pubkey(req, key), 1);
	ck_assert_int_gt(X509_REQ_sign(req, other, EVP_sha256()), 0);
	ck_assert_int_gt(len = i2d_X509_REQ(req, &der), 0);
	ck_assert_err(csr_check(der, (size_t)len, ALL_KEYS, &pub),
	    KALIT_ERR_CSR_SIGNATURE);
	ck_assert_ptr_null(pub);
	OPENSSL_free(der);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}
END_TEST

START_TEST(test_csr_rsa2048_is_weak)
{
	EVP_PKEY *key = tu_rsa_key(2048), *pub = NULL;
	unsigned char *der;
	size_t len;

	der = make_csr(key, &len);
	ck_assert_err(csr_check(der, len, ALL_KEYS, &pub),
	    KALIT_ERR_CSR_KEY_WEAK);
	ck_assert_ptr_null(pub);
	free(der);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_csr_other_curve_is_weak)
{
	EVP_PKEY *key, *pub = NULL;
	unsigned char *der;
	size_t len;

	ck_assert_ptr_nonnull(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
	    "P-521"));
	der = make_csr(key, &len);
	ck_assert_err(csr_check(der, len, ALL_KEYS, &pub),
	    KALIT_ERR_CSR_KEY_WEAK);
	ck_assert_ptr_null(pub);
	free(der);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_csr_key_type_not_allowed)
{
	EVP_PKEY *key = tu_key((enum key_type)_i), *pub = NULL;
	unsigned char *der;
	size_t len;

	der = make_csr(key, &len);
	ck_assert_err(csr_check(der, len, ALL_KEYS & ~(1u << _i), &pub),
	    KALIT_ERR_CSR_KEY_WEAK);
	ck_assert_ptr_null(pub);
	ck_assert_err(csr_check(der, len, 0, &pub), KALIT_ERR_CSR_KEY_WEAK);
	ck_assert_ptr_null(pub);
	free(der);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_csr_garbage_is_malformed)
{
	EVP_PKEY *key = tu_key(KEY_TYPE_P256), *pub = NULL;
	unsigned char *der, junk[64];
	size_t len;
	static const char badpem[] = "-----BEGIN CERTIFICATE REQUEST-----\n"
	    "MIIB\n-----END CERTIFICATE REQUEST-----\n";

	memset(junk, 0x41, sizeof(junk));
	ck_assert_err(csr_check(junk, sizeof(junk), ALL_KEYS, &pub),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(csr_check(junk, 0, ALL_KEYS, &pub),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(csr_check((const unsigned char *)badpem,
	    sizeof(badpem) - 1, ALL_KEYS, &pub), KALIT_ERR_MALFORMED);
	der = make_csr(key, &len);
	/* trailing bytes */
	der[len] = 0;
	ck_assert_err(csr_check(der, len + 1, ALL_KEYS, &pub),
	    KALIT_ERR_MALFORMED);
	/* truncated */
	ck_assert_err(csr_check(der, len - 1, ALL_KEYS, &pub),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(csr_check(der, len / 2, ALL_KEYS, &pub),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(pub);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	free(der);
	EVP_PKEY_free(key);
}
END_TEST

/* Bytes after the DER are refused inside a PEM block as outside one. */
START_TEST(test_csr_pem_with_trailing_bytes_is_malformed)
{
	EVP_PKEY *key = tu_key(KEY_TYPE_P256), *pub = NULL;
	unsigned char *der;
	size_t len;
	BIO *mem;
	char *data, *pem;
	long n;

	der = make_csr(key, &len);
	der[len] = 0;
	ck_assert_ptr_nonnull(mem = BIO_new(BIO_s_mem()));
	ck_assert_int_gt(PEM_write_bio(mem, PEM_STRING_X509_REQ, "", der,
	    (long)len + 1), 0);
	n = BIO_get_mem_data(mem, &data);
	ck_assert_ptr_nonnull(pem = strndup(data, (size_t)n));
	BIO_free(mem);
	ck_assert_err(csr_check((unsigned char *)pem, strlen(pem), ALL_KEYS,
	    &pub), KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(pub);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	free(pem);
	free(der);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_csr_certificate_is_malformed)
{
	X509 *ca;
	EVP_PKEY *key, *pub = NULL;
	unsigned char *der = NULL;
	size_t len;

	/* a certificate is not a request */
	tu_make_ca(KEY_TYPE_P256, "Root", &ca, &key);
	ck_assert_err(x509_to_der(ca, &der, &len), KALIT_OK);
	ck_assert_err(csr_check(der, len, ALL_KEYS, &pub),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(pub);
	OPENSSL_free(der);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_csr_too_large)
{
	EVP_PKEY *pub = NULL;
	unsigned char *buf;

	ck_assert_ptr_nonnull(buf = calloc(1, CSR_MAX_SIZE + 1));
	ck_assert_err(csr_check(buf, CSR_MAX_SIZE + 1, ALL_KEYS, &pub),
	    KALIT_ERR_TOO_LARGE);
	ck_assert_ptr_null(pub);
	ck_assert_err(csr_check(buf, (size_t)-1, ALL_KEYS, &pub),
	    KALIT_ERR_TOO_LARGE);
	/* at the limit it is parsed (and is garbage) */
	ck_assert_err(csr_check(buf, CSR_MAX_SIZE, ALL_KEYS, &pub),
	    KALIT_ERR_MALFORMED);
	free(buf);
}
END_TEST

static Suite *
csr_suite(void)
{
	Suite *s = suite_create("csr");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_csr_good_each_key_type, 0, KEY_TYPE__MAX);
	tcase_add_test(tc, test_csr_good_pem);
	tcase_add_loop_test(tc, test_csr_tampered_subject_signature, 0,
	    KEY_TYPE__MAX);
	tcase_add_loop_test(tc, test_csr_tampered_signature_bits, 0,
	    KEY_TYPE__MAX);
	tcase_add_test(tc, test_csr_signed_by_other_key);
	tcase_add_test(tc, test_csr_rsa2048_is_weak);
	tcase_add_test(tc, test_csr_other_curve_is_weak);
	tcase_add_loop_test(tc, test_csr_key_type_not_allowed, 0,
	    KEY_TYPE__MAX);
	tcase_add_test(tc, test_csr_garbage_is_malformed);
	tcase_add_test(tc, test_csr_pem_with_trailing_bytes_is_malformed);
	tcase_add_test(tc, test_csr_certificate_is_malformed);
	tcase_add_test(tc, test_csr_too_large);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(csr_suite());
}
