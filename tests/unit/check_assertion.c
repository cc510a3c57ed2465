/*
 * check_assertion.c: kalit token's client assertions (src/kalit/
 * assertion.c), read and verified with OpenSSL alone
 */
#include "config.h"

#include "testutil.h"
#include "assertion.h"

#include <openssl/rsa.h>

#define NOW	INT64_C(1700000000)
#define CLIENT	"agency-registry"
#define AUD	"http://127.0.0.1:8443/oidc/token"

/* A root, an issuing CA under it, and an unrelated root. */
static X509 *root, *ca, *stranger;
static EVP_PKEY *root_key, *ca_key, *stranger_key;

static void
setup(void)
{
	struct profile *p = tu_profile("issuing-ca");
	X509_NAME *n = tu_name("Assertion Test CA");

	tu_make_ca(KEY_TYPE_P256, "Assertion Test Root", &root, &root_key);
	tu_make_ca(KEY_TYPE_P256, "Another Root", &stranger, &stranger_key);
	ca_key = tu_key(KEY_TYPE_P256);
	ca = tu_issue(p, n, ca_key, NULL, root, root_key);
	X509_NAME_free(n);
	profile_free(p);
}

static void
teardown(void)
{
	X509_free(root);
	X509_free(ca);
	X509_free(stranger);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(stranger_key);
}

/* An agency system's certificate for key, issued by ca. */
static X509 *
system_cert(EVP_PKEY *key)
{
	struct profile *p = tu_profile("system");
	X509_NAME *n = tu_name("Registry");
	X509 *cert = tu_issue(p, n, key, NULL, ca, ca_key);

	X509_NAME_free(n);
	profile_free(p);
	return cert;
}

/* A self-signed certificate for key, of a type no profile allows. */
static X509 *
self_signed(EVP_PKEY *key)
{
	X509_NAME *n = tu_name("Self");
	X509 *x;

	ck_assert_ptr_nonnull(x = X509_new());
	ck_assert_int_eq(X509_set_version(x, X509_VERSION_3), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	ck_assert_int_eq(X509_set_subject_name(x, n), 1);
	ck_assert_int_eq(X509_set_issuer_name(x, n), 1);
	ck_assert_int_eq(X509_set_pubkey(x, key), 1);
	ck_assert_int_gt(X509_sign(x, key, EVP_PKEY_is_a(key, "ED25519") ?
	    NULL : EVP_sha512()), 0);
	X509_NAME_free(n);
	return x;
}

/* cert's DER in padded standard base64, by OpenSSL; caller frees. */
static char *
der_b64(X509 *cert)
{
	unsigned char *der = NULL;
	char *b64;
	int n;

	ck_assert_int_gt(n = i2d_X509(cert, &der), 0);
	ck_assert_ptr_nonnull(b64 = malloc((size_t)(n + 2) / 3 * 4 + 1));
	ck_assert_int_gt(EVP_EncodeBlock((unsigned char *)b64, der, n), 0);
	OPENSSL_free(der);
	return b64;
}

/* The header is exactly {"alg":alg,"typ":"JWT","x5c":[certs...]}. */
static void
assert_header(const char *jws, const char *alg, X509 *const *certs,
    size_t n)
{
	json_t *h = tu_jws_json(jws, 0), *x5c = json_object_get(h, "x5c");
	char *want;
	size_t i;

	ck_assert_uint_eq(json_object_size(h), 3);
	ck_assert_str_eq(json_string_value(json_object_get(h, "alg")), alg);
	ck_assert_str_eq(json_string_value(json_object_get(h, "typ")), "JWT");
	ck_assert_uint_eq(json_array_size(x5c), n);
	for (i = 0; i < n; i++) {
		want = der_b64(certs[i]);
		ck_assert_str_eq(json_string_value(json_array_get(x5c, i)),
		    want);
		free(want);
	}
	json_decref(h);
}

/* The claims are exactly iss, sub, aud, iat, exp and a 128-bit jti. */
static void
assert_claims(const char *jws)
{
	json_t *c = tu_jws_json(jws, 1);
	const char *jti;
	unsigned char *raw;
	size_t len;

	ck_assert_uint_eq(json_object_size(c), 6);
	ck_assert_str_eq(json_string_value(json_object_get(c, "iss")), CLIENT);
	ck_assert_str_eq(json_string_value(json_object_get(c, "sub")), CLIENT);
	ck_assert_str_eq(json_string_value(json_object_get(c, "aud")), AUD);
	ck_assert(json_integer_value(json_object_get(c, "iat")) == NOW);
	ck_assert(json_integer_value(json_object_get(c, "exp")) == NOW + 60);
	ck_assert_ptr_nonnull(jti = json_string_value(json_object_get(c,
	    "jti")));
	ck_assert_uint_eq(strlen(jti), 22);
	raw = tu_b64url_decode(jti, strlen(jti), &len);
	ck_assert_uint_eq(len, 16);
	free(raw);
	json_decref(c);
}

/*
 * The signature over "header.payload" verifies with cert's public key as
 * alg says, siglen bytes long (ECDSA: r || s), and over nothing else.
 */
static void
assert_signed(const char *jws, X509 *cert, const char *alg, size_t siglen)
{
	const EVP_MD *md = EVP_get_digestbyname(alg[2] == '2' ? "SHA256" :
	    alg[2] == '3' ? "SHA384" : "SHA512");
	unsigned char *sig, *der = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *ctx;
	const char *s;
	size_t len, n, derlen = 0;
	int pss = alg[0] == 'P';

	tu_jws_segment(jws, 2, &s, &len);
	ck_assert_ptr_null(strchr(s, '.'));
	sig = tu_b64url_decode(s, len, &n);
	ck_assert_uint_eq(n, siglen);
	if (!pss)
		der = tu_ecdsa_der(sig, n, &derlen);
	for (len = (size_t)(s - 1 - jws); ; len--) {
		ck_assert_ptr_nonnull(ctx = EVP_MD_CTX_new());
		ck_assert_int_eq(EVP_DigestVerifyInit(ctx, &pctx, md, NULL,
		    X509_get0_pubkey(cert)), 1);
		if (pss) {
			ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(pctx,
			    RSA_PKCS1_PSS_PADDING), 1);
			ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx,
			    md), 1);
			ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(
			    pctx, 32), 1);
		}
		n = (size_t)EVP_DigestVerify(ctx, pss ? sig : der,
		    pss ? siglen : derlen, (const unsigned char *)jws, len);
		EVP_MD_CTX_free(ctx);
		/* Over "header.payload", and not a byte less. */
		if (len < (size_t)(s - 1 - jws)) {
			ck_assert_uint_ne(n, 1);
			break;
		}
		ck_assert_uint_eq(n, 1);
	}
	ERR_clear_error();
	OPENSSL_free(der);
	free(sig);
}

/* The key types of a system's key file, and how each signs. */
static const struct {
	enum key_type	 type;
	const char	*alg;
	size_t		 siglen;
	int		 root_first;	/* the key file's order, not the path's */
} kinds[] = {
	{ KEY_TYPE_P256, "ES256", 64, 1 },
	{ KEY_TYPE_P384, "ES384", 96, 0 },
	{ KEY_TYPE_RSA3072, "PS256", 384, 0 },
};

START_TEST(test_assertion_verifies_with_its_x5c)
{
	EVP_PKEY *key = tu_key(kinds[_i].type);
	X509 *leaf = system_cert(key), *want[2] = { leaf, ca };
	STACK_OF(X509) *chain = sk_X509_new_null();
	char *jws = NULL;

	ck_assert_int_gt(sk_X509_push(chain, kinds[_i].root_first ? root :
	    ca), 0);
	ck_assert_int_gt(sk_X509_push(chain, kinds[_i].root_first ? ca :
	    root), 0);
	ck_assert_str_eq(assertion_alg(key), kinds[_i].alg);
	ck_assert_err(assertion_new(key, leaf, chain, CLIENT, AUD, NOW, &jws),
	    KALIT_OK);
	assert_header(jws, kinds[_i].alg, want, 2);
	assert_claims(jws);
	assert_signed(jws, leaf, kinds[_i].alg, kinds[_i].siglen);
	assertion_free(jws);
	sk_X509_free(chain);
	X509_free(leaf);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_assertion_es512_pads_r_and_s)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	X509 *leaf;
	STACK_OF(X509) *chain = sk_X509_new_null();
	char *jws = NULL;
	int i;

	ck_assert_ptr_nonnull(key);
	leaf = self_signed(key);
	ck_assert_int_gt(sk_X509_push(chain, ca), 0);
	/* Half the time r or s is shorter than 66 bytes: it is padded. */
	for (i = 0; i < 8; i++) {
		ck_assert_err(assertion_new(key, leaf, chain, CLIENT, AUD,
		    NOW, &jws), KALIT_OK);
		/* Self-signed: nothing of the chain issued it. */
		assert_header(jws, "ES512", &leaf, 1);
		assert_claims(jws);
		assert_signed(jws, leaf, "ES512", 132);
		assertion_free(jws);
	}
	sk_X509_free(chain);
	X509_free(leaf);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_assertion_x5c_leaves_out_what_did_not_issue_it)
{
	EVP_PKEY *key = tu_key(KEY_TYPE_P256);
	X509 *leaf = system_cert(key), *want[2] = { leaf, ca };
	STACK_OF(X509) *chain = sk_X509_new_null();
	char *jws = NULL;

	/* Another root, the leaf itself, then its CA and root. */
	ck_assert_int_gt(sk_X509_push(chain, stranger), 0);
	ck_assert_int_gt(sk_X509_push(chain, leaf), 0);
	ck_assert_int_gt(sk_X509_push(chain, root), 0);
	ck_assert_int_gt(sk_X509_push(chain, ca), 0);
	ck_assert_err(assertion_new(key, leaf, chain, CLIENT, AUD, NOW, &jws),
	    KALIT_OK);
	assert_header(jws, "ES256", want, 2);
	assertion_free(jws);
	/* No chain: the certificate alone. */
	ck_assert_err(assertion_new(key, leaf, NULL, CLIENT, AUD, NOW, &jws),
	    KALIT_OK);
	assert_header(jws, "ES256", want, 1);
	assert_signed(jws, leaf, "ES256", 64);
	assertion_free(jws);
	sk_X509_free(chain);
	X509_free(leaf);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_assertion_jti_is_new_each_time)
{
	EVP_PKEY *key = tu_key(KEY_TYPE_P256);
	X509 *leaf = system_cert(key);
	char *a = NULL, *b = NULL;
	json_t *ca_, *cb;

	ck_assert_err(assertion_new(key, leaf, NULL, CLIENT, AUD, NOW, &a),
	    KALIT_OK);
	ck_assert_err(assertion_new(key, leaf, NULL, CLIENT, AUD, NOW, &b),
	    KALIT_OK);
	ca_ = tu_jws_json(a, 1);
	cb = tu_jws_json(b, 1);
	ck_assert_str_ne(json_string_value(json_object_get(ca_, "jti")),
	    json_string_value(json_object_get(cb, "jti")));
	json_decref(ca_);
	json_decref(cb);
	assertion_free(a);
	assertion_free(b);
	X509_free(leaf);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_assertion_lifetime_sets_exp)
{
	EVP_PKEY *key = tu_key(KEY_TYPE_P256);
	X509 *leaf = system_cert(key);
	char *jws = NULL;
	json_t *c;

	ck_assert_err(assertion_new_lifetime(key, leaf, NULL, CLIENT, AUD,
	    NOW, 290, &jws), KALIT_OK);
	c = tu_jws_json(jws, 1);
	ck_assert(json_integer_value(json_object_get(c, "iat")) == NOW);
	ck_assert(json_integer_value(json_object_get(c, "exp")) == NOW + 290);
	json_decref(c);
	assert_signed(jws, leaf, "ES256", 64);
	assertion_free(jws);
	jws = (char *)"sentinel";
	ck_assert_err(assertion_new_lifetime(key, leaf, NULL, CLIENT, AUD,
	    NOW, 0, &jws), KALIT_ERR_USAGE);
	ck_assert_ptr_null(jws);
	X509_free(leaf);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_assertion_ed25519_is_key_unsupported)
{
	EVP_PKEY *key = tu_key(KEY_TYPE_ED25519);
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	X509 *cert = self_signed(key);
	char *jws = (char *)"sentinel";

	ck_assert_ptr_null(assertion_alg(key));
	ck_assert_err(assertion_new(key, cert, NULL, CLIENT, AUD, NOW, &jws),
	    KALIT_ERR_KEY_UNSUPPORTED);
	ck_assert_ptr_null(jws);
	/* An EC key on a curve JWA has no algorithm for. */
	ck_assert_ptr_nonnull(k1);
	ck_assert_ptr_null(assertion_alg(k1));
	assertion_free(NULL);
	X509_free(cert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(k1);
}
END_TEST

static Suite *
assertion_suite(void)
{
	Suite *s = suite_create("assertion");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_assertion_verifies_with_its_x5c, 0,
	    (int)(sizeof(kinds) / sizeof(kinds[0])));
	tcase_add_test(tc, test_assertion_es512_pads_r_and_s);
	tcase_add_test(tc, test_assertion_x5c_leaves_out_what_did_not_issue_it);
	tcase_add_test(tc, test_assertion_jti_is_new_each_time);
	tcase_add_test(tc, test_assertion_lifetime_sets_exp);
	tcase_add_test(tc, test_assertion_ed25519_is_key_unsupported);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(assertion_suite());
}
