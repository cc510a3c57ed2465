/* check_jwa.c: JWA algorithm names and signatures: accepted, refused */
#include "config.h"

#include "testutil.h"
#include "testjose.h"
#include "jwa.h"
#include "log.h"

#include <openssl/rsa.h>

#define TBS	"eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJrYWxpdCJ9"

static const char *const names[JWA__MAX] = { "ES256", "ES384", "ES512",
    "PS256", "PS384", "PS512", "RS256", "RS384", "RS512" };

static struct tj_keys k;

/* Once per test case: RSA keys take long to make. */
static void
setup(void)
{
	tj_keys_init(&k);
}

static void
teardown(void)
{
	tj_keys_free(&k);
}

static enum jwa_alg
alg_of(const char *name)
{
	enum jwa_alg alg = JWA__MAX;

	ck_assert_err(jwa_alg_parse(name, strlen(name), &alg), KALIT_OK);
	return alg;
}

/*
 * jwa_verify() of sig over TBS with key as name says: the why is set
 * exactly when the answer is not KALIT_OK.
 */
static int
verify(const char *name, EVP_PKEY *key, const unsigned char *sig, size_t n)
{
	const char *why = "unset";
	int r;

	r = jwa_verify(alg_of(name), key, sig, n, (const unsigned char *)TBS,
	    strlen(TBS), &why);
	if (r == KALIT_OK)
		ck_assert_ptr_null(why);
	else
		ck_assert_ptr_nonnull(why);
	return r;
}

/* jwa_verify() of a signature by key over TBS as how says. */
static int
sign_verify(const char *name, EVP_PKEY *key, const struct tj_how *how)
{
	unsigned char sig[1024];
	size_t n = tj_sign(key, name, TBS, strlen(TBS), how, sig);

	return verify(name, key, sig, n);
}

START_TEST(test_jwa_alg_parse_takes_the_nine_names)
{
	enum jwa_alg alg;
	int i;

	for (i = 0; i < JWA__MAX; i++) {
		alg = JWA__MAX;
		ck_assert_err(jwa_alg_parse(names[i], strlen(names[i]), &alg),
		    KALIT_OK);
		ck_assert_int_eq(alg, i);
		ck_assert_str_eq(jwa_alg_name(alg), names[i]);
		ck_assert_ptr_eq(jwa_alg_md(alg), tj_md(names[i]));
	}
	/* len bytes only: the name need not end there. */
	ck_assert_err(jwa_alg_parse("PS384.", 5, &alg), KALIT_OK);
	ck_assert_int_eq(alg, JWA_PS384);
}
END_TEST

START_TEST(test_jwa_alg_parse_refuses_others)
{
	static const char *const bad[] = { "none", "None", "HS256", "HS384",
	    "HS512", "EdDSA", "ES256K", "es256", "Es256", "ES256 ", " ES256",
	    "ES25", "ES2566", "RS1", "PS", "" };
	enum jwa_alg alg = JWA_RS512;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_err(jwa_alg_parse(bad[i], strlen(bad[i]), &alg),
		    KALIT_ERR_SIG_ALGORITHM);
	/* A NUL after the name is a byte of it. */
	ck_assert_err(jwa_alg_parse("ES256\0", 6, &alg),
	    KALIT_ERR_SIG_ALGORITHM);
	ck_assert_err(jwa_alg_parse(NULL, 0, &alg), KALIT_ERR_SIG_ALGORITHM);
	ck_assert_int_eq(alg, JWA_RS512);	/* left as it was */
}
END_TEST

START_TEST(test_jwa_out_of_range)
{
	unsigned char sig[64] = { 1 };

	ck_assert_str_eq(jwa_alg_name(JWA__MAX), "?");
	ck_assert_str_eq(jwa_alg_name((enum jwa_alg)-1), "?");
	ck_assert_ptr_null(jwa_alg_md(JWA__MAX));
	ck_assert_err(jwa_verify(JWA__MAX, k.p256, sig, sizeof(sig),
	    (const unsigned char *)TBS, strlen(TBS), NULL),
	    KALIT_ERR_INTERNAL);
}
END_TEST

START_TEST(test_jwa_every_algorithm_verifies)
{
	EVP_PKEY *const keys[JWA__MAX] = { k.p256, k.p384, k.p521, k.rsa,
	    k.rsa, k.rsa, k.rsa, k.rsa, k.rsa };
	int i;

	for (i = 0; i < JWA__MAX; i++)
		ck_assert_err(sign_verify(names[i], keys[i], NULL), KALIT_OK);
}
END_TEST

START_TEST(test_jwa_tampered_refused)
{
	unsigned char sig[1024];
	size_t n = tj_sign(k.p256, "ES256", TBS, strlen(TBS), NULL, sig);
	const char *why = NULL;

	/* One bit of what is signed, one of the signature, none of them. */
	ck_assert_err(jwa_verify(JWA_ES256, k.p256, sig, n,
	    (const unsigned char *)TBS "x", strlen(TBS) + 1, &why),
	    KALIT_ERR_SIGNATURE);
	ck_assert_ptr_nonnull(why);
	sig[n - 1] ^= 1;
	ck_assert_err(verify("ES256", k.p256, sig, n), KALIT_ERR_SIGNATURE);
	memset(sig, 0, n);
	ck_assert_err(verify("ES256", k.p256, sig, n), KALIT_ERR_SIGNATURE);
	n = tj_sign(k.rsa, "PS256", TBS, strlen(TBS), NULL, sig);
	sig[10] ^= 0x80;
	ck_assert_err(verify("PS256", k.rsa, sig, n), KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_jwa_other_key_refused)
{
	unsigned char sig[1024];
	size_t n = tj_sign(k.p256b, "ES256", TBS, strlen(TBS), NULL, sig);

	ck_assert_err(verify("ES256", k.p256, sig, n), KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_jwa_key_not_fitting_algorithm_refused)
{
	const struct { EVP_PKEY *key; const char *alg; } bad[] = {
		{ k.p384, "ES256" }, { k.p256, "ES384" }, { k.p256, "ES512" },
		{ k.p521, "ES384" }, { k.rsa, "ES256" }, { k.p256, "RS256" },
		{ k.p256, "PS256" }, { k.ed25519, "ES256" },
		{ k.ed25519, "RS256" }, { NULL, "ES256" }, { NULL, "PS512" },
	};
	unsigned char sig[1024];
	size_t i, n = tj_sign(k.p256, "ES256", TBS, strlen(TBS), NULL, sig);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_err(verify(bad[i].alg, bad[i].key, sig, n),
		    KALIT_ERR_SIG_ALGORITHM);
}
END_TEST

START_TEST(test_jwa_rsa_under_2048_bits_refused)
{
	ck_assert_err(sign_verify("RS256", k.rsa1024, NULL),
	    KALIT_ERR_CERT_KEY_WEAK);
	ck_assert_err(sign_verify("PS256", k.rsa1024, NULL),
	    KALIT_ERR_CERT_KEY_WEAK);
}
END_TEST

START_TEST(test_jwa_ecdsa_der_refused)
{
	static const struct tj_how der = { .der = 1 };
	unsigned char sig[1024];
	size_t n;

	/* DER, as OpenSSL and node:crypto make it: not r || s. */
	ck_assert_err(sign_verify("ES256", k.p256, &der), KALIT_ERR_SIGNATURE);
	ck_assert_err(sign_verify("ES384", k.p384, &der), KALIT_ERR_SIGNATURE);
	/* r || s a byte short, a byte long, of another curve's size. */
	n = tj_sign(k.p256, "ES256", TBS, strlen(TBS), NULL, sig);
	ck_assert_err(verify("ES256", k.p256, sig, n - 1), KALIT_ERR_SIGNATURE);
	sig[n] = 0;
	ck_assert_err(verify("ES256", k.p256, sig, n + 1), KALIT_ERR_SIGNATURE);
	n = tj_sign(k.p384, "ES384", TBS, strlen(TBS), NULL, sig);
	ck_assert_err(verify("ES512", k.p521, sig, n), KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_jwa_rsa_padding_must_match_algorithm)
{
	static const struct tj_how saltmax = { .salt = RSA_PSS_SALTLEN_MAX };
	static const struct tj_how pkcs1 = { .pkcs1 = 1 };
	unsigned char sig[1024];
	size_t n;

	/* PKCS #1 v1.5 named PS256; PSS of another salt length. */
	ck_assert_err(sign_verify("PS256", k.rsa, &pkcs1), KALIT_ERR_SIGNATURE);
	ck_assert_err(sign_verify("PS256", k.rsa, &saltmax),
	    KALIT_ERR_SIGNATURE);
	/* PSS named RS256; another hash than the algorithm's. */
	n = tj_sign(k.rsa, "PS256", TBS, strlen(TBS), NULL, sig);
	ck_assert_err(verify("RS256", k.rsa, sig, n), KALIT_ERR_SIGNATURE);
	n = tj_sign(k.rsa, "RS384", TBS, strlen(TBS), NULL, sig);
	ck_assert_err(verify("RS256", k.rsa, sig, n), KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_jwa_rsa_signature_length_is_the_modulus)
{
	unsigned char sig[1025];
	size_t n = tj_sign(k.rsa, "RS256", TBS, strlen(TBS), NULL, sig);

	/* A zero byte more in front: the same number, another length. */
	memmove(sig + 1, sig, n);
	sig[0] = 0;
	ck_assert_err(verify("RS256", k.rsa, sig, n + 1), KALIT_ERR_SIGNATURE);
	ck_assert_err(verify("RS256", k.rsa, sig + 1, n), KALIT_OK);
	ck_assert_err(verify("RS256", k.rsa, sig + 1, n - 1),
	    KALIT_ERR_SIGNATURE);
}
END_TEST

static Suite *
jwa_suite(void)
{
	Suite *s = suite_create("jwa");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_jwa_alg_parse_takes_the_nine_names);
	tcase_add_test(tc, test_jwa_alg_parse_refuses_others);
	suite_add_tcase(s, tc);
	tc = tcase_create("verify");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_jwa_out_of_range);
	tcase_add_test(tc, test_jwa_every_algorithm_verifies);
	tcase_add_test(tc, test_jwa_tampered_refused);
	tcase_add_test(tc, test_jwa_other_key_refused);
	tcase_add_test(tc, test_jwa_key_not_fitting_algorithm_refused);
	tcase_add_test(tc, test_jwa_rsa_under_2048_bits_refused);
	tcase_add_test(tc, test_jwa_ecdsa_der_refused);
	tcase_add_test(tc, test_jwa_rsa_padding_must_match_algorithm);
	tcase_add_test(tc, test_jwa_rsa_signature_length_is_the_modulus);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_jwa", -1);
	return tu_run(jwa_suite());
}
