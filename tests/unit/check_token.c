/* check_token.c: unit tests for token.c */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <check.h>
#include <cjose/cjose.h>
#include <jansson.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "keyfile.h"
#include "testutil.h"
#include "token.h"

#define PASS		"correct horse battery staple"
#define NOW		INT64_C(1500)
#define LIFETIME	INT64_C(600)
#define CLAIMS		"{\"sub\":\"31507953320052\",\"iat\":1500," \
			"\"exp\":2100,\"name\":\"\xd0\x8e\xd0\xb7\xd0\xb1\"}"

/* Shared by the "core" case: two key directories, one key each at 1000. */
static char dir_a[PATH_MAX], dir_b[PATH_MAX];
static struct token_keys *keys_a, *keys_b;
static EVP_PKEY *key_a, *key_b;

static void
make_dir(char *dir, size_t len, struct token_keys **kp, EVP_PKEY **keyp)
{
	char kid[TOKEN_KID_MAX + 1], path[PATH_MAX];

	tu_mkdtemp(dir, len);
	ck_assert_err(token_key_generate(dir, PASS, 1000, kid), KALIT_OK);
	ck_assert_err(token_keys_load(dir, PASS, NOW, LIFETIME, kp), KALIT_OK);
	ck_assert_str_eq(token_keys_kid(*kp), kid);
	tu_path(path, sizeof(path), dir, "1000.key");
	ck_assert_err(keyfile_load_cakey(path, PASS, keyp), KALIT_OK);
}

static void
core_setup(void)
{
	make_dir(dir_a, sizeof(dir_a), &keys_a, &key_a);
	make_dir(dir_b, sizeof(dir_b), &keys_b, &key_b);
}

static void
core_teardown(void)
{
	token_keys_free(keys_a);
	token_keys_free(keys_b);
	EVP_PKEY_free(key_a);
	EVP_PKEY_free(key_b);
	tu_rmdir(dir_a);
	tu_rmdir(dir_b);
}

/* Encodes base64url (no padding) independently of base64_url_encode(). */
static void
b64url(const unsigned char *in, size_t len, char *out)
{
	int i, n;

	n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (i = 0; i < n; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
}

/* A private cjose JWK for key, made without token.c. */
static cjose_jwk_t *
test_jwk(EVP_PKEY *key)
{
	cjose_jwk_ec_keyspec spec;
	unsigned char d[32];
	BIGNUM *bn = NULL;
	cjose_jwk_t *jwk;
	cjose_err err;

	ck_assert_int_eq(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY,
	    &bn), 1);
	ck_assert_int_eq(BN_bn2binpad(bn, d, sizeof(d)), (int)sizeof(d));
	memset(&spec, 0, sizeof(spec));
	spec.crv = CJOSE_JWK_EC_P_256;
	spec.d = d;
	spec.dlen = sizeof(d);
	ck_assert_ptr_nonnull(jwk = cjose_jwk_create_EC_spec(&spec, &err));
	BN_clear_free(bn);
	OPENSSL_cleanse(d, sizeof(d));
	return jwk;
}

/* A compact JWS of payload under header hdr (JSON), signed by key. */
static char *
sign_raw(EVP_PKEY *key, const char *hdr, const char *payload)
{
	cjose_jwk_t *jwk = test_jwk(key);
	cjose_jws_t *jws;
	const char *ser;
	cjose_err err;
	json_t *h;
	char *out;

	ck_assert_ptr_nonnull(h = json_loads(hdr, 0, NULL));
	ck_assert_ptr_nonnull(jws = cjose_jws_sign(jwk, h,
	    (const uint8_t *)payload, strlen(payload), &err));
	ck_assert(cjose_jws_export(jws, &ser, &err));
	ck_assert_ptr_nonnull(out = strdup(ser));
	cjose_jws_release(jws);
	json_decref(h);
	cjose_jwk_release(jwk);
	return out;
}

/* sign_raw() with header {"alg":alg,"kid":kid}. */
static char *
sign_alg_kid(EVP_PKEY *key, const char *alg, const char *kid,
    const char *payload)
{
	char hdr[256];

	ck_assert_int_lt(snprintf(hdr, sizeof(hdr),
	    "{\"alg\":\"%s\",\"kid\":\"%s\"}", alg, kid), (int)sizeof(hdr));
	return sign_raw(key, hdr, payload);
}

static char *
sign_claims(const struct token_keys *k)
{
	json_t *claims = json_loads(CLAIMS, 0, NULL);
	char *jwt = NULL;

	ck_assert_ptr_nonnull(claims);
	ck_assert_err(token_sign(k, claims, &jwt), KALIT_OK);
	ck_assert_ptr_nonnull(jwt);
	json_decref(claims);
	return jwt;
}

static void
assert_invalid(const struct token_keys *k, const char *jwt, size_t len)
{
	json_t *claims = (json_t *)1;

	ck_assert_err(token_verify(k, jwt, len, &claims),
	    KALIT_ERR_TOKEN_INVALID);
	ck_assert_ptr_null(claims);
}

static int
verifies(const struct token_keys *k, const char *jwt)
{
	json_t *claims = NULL;
	int r;

	r = token_verify(k, jwt, strlen(jwt), &claims);
	json_decref(claims);
	return r == KALIT_OK;
}

/* The JWKS entry for kid (borrowed from jwks), or NULL. */
static json_t *
jwks_find(json_t *jwks, const char *kid)
{
	json_t *keys = json_object_get(jwks, "keys"), *jwk;
	size_t i;

	json_array_foreach(keys, i, jwk)
		if (strcmp(json_string_value(json_object_get(jwk, "kid")),
		    kid) == 0)
			return jwk;
	return NULL;
}

/* A public EVP_PKEY from a JWK's x and y, made with OpenSSL alone. */
static EVP_PKEY *
pub_from_jwk(json_t *jwk)
{
	const char *x = json_string_value(json_object_get(jwk, "x"));
	const char *y = json_string_value(json_object_get(jwk, "y"));
	unsigned char pub[65], *bx, *by;
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;
	size_t xl, yl;

	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_nonnull(y);
	bx = tu_b64url_decode(x, strlen(x), &xl);
	by = tu_b64url_decode(y, strlen(y), &yl);
	ck_assert_uint_eq(xl, 32);
	ck_assert_uint_eq(yl, 32);
	pub[0] = 0x04;
	memcpy(pub + 1, bx, 32);
	memcpy(pub + 33, by, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    pub, sizeof(pub));
	params[2] = OSSL_PARAM_construct_end();
	ck_assert_ptr_nonnull(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC",
	    NULL));
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY,
	    params), 1);
	EVP_PKEY_CTX_free(ctx);
	free(bx);
	free(by);
	return key;
}

/* RFC 7638 by hand: SHA-256 of the literal canonical JSON, base64url. */
static void
thumbprint_by_hand(const char *x, const char *y, char *out)
{
	unsigned char md[32];
	char json[256];

	ck_assert_int_lt(snprintf(json, sizeof(json),
	    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
	    x, y), (int)sizeof(json));
	ck_assert_int_eq(EVP_Digest(json, strlen(json), md, NULL,
	    EVP_sha256(), NULL), 1);
	b64url(md, sizeof(md), out);
}

START_TEST(test_token_roundtrip_preserves_claims)
{
	json_t *want = json_loads(CLAIMS, 0, NULL), *got = NULL;
	char *jwt = sign_claims(keys_a);

	ck_assert_err(token_verify(keys_a, jwt, strlen(jwt), &got), KALIT_OK);
	ck_assert_ptr_nonnull(got);
	ck_assert(json_equal(want, got));
	ck_assert_str_eq(json_string_value(json_object_get(got, "name")),
	    "\xd0\x8e\xd0\xb7\xd0\xb1");
	json_decref(got);
	json_decref(want);
	free(jwt);
}
END_TEST

START_TEST(test_token_header_is_es256_jwt_with_kid)
{
	char *jwt = sign_claims(keys_a);
	json_t *hdr = tu_jws_json(jwt, 0);

	ck_assert_str_eq(json_string_value(json_object_get(hdr, "alg")),
	    "ES256");
	ck_assert_str_eq(json_string_value(json_object_get(hdr, "typ")),
	    "JWT");
	ck_assert_str_eq(json_string_value(json_object_get(hdr, "kid")),
	    token_keys_kid(keys_a));
	ck_assert_uint_eq(json_object_size(hdr), 3);
	json_decref(hdr);
	free(jwt);
}
END_TEST

START_TEST(test_token_signature_verifies_without_cjose)
{
	char *jwt = sign_claims(keys_a);
	json_t *jwks = token_jwks(keys_a), *claims, *want;
	unsigned char *sig, *der;
	const char *s;
	size_t len, siglen, derlen;
	EVP_MD_CTX *md;
	EVP_PKEY *pub;

	ck_assert_ptr_nonnull(jwks);
	pub = pub_from_jwk(jwks_find(jwks, token_keys_kid(keys_a)));
	tu_jws_segment(jwt, 2, &s, &len);
	sig = tu_b64url_decode(s, len, &siglen);
	ck_assert_uint_eq(siglen, 64);
	der = tu_ecdsa_der(sig, siglen, &derlen);
	/* The signing input is "header.payload", the bytes before sig. */
	ck_assert_ptr_nonnull(md = EVP_MD_CTX_new());
	ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    pub), 1);
	ck_assert_int_eq(EVP_DigestVerify(md, der, derlen,
	    (const unsigned char *)jwt, (size_t)(s - 1 - jwt)), 1);
	/* ... and not a byte less. */
	ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    pub), 1);
	ck_assert_int_ne(EVP_DigestVerify(md, der, derlen,
	    (const unsigned char *)jwt, (size_t)(s - 2 - jwt)), 1);
	ERR_clear_error();
	claims = tu_jws_json(jwt, 1);
	want = json_loads(CLAIMS, 0, NULL);
	ck_assert(json_equal(claims, want));
	json_decref(claims);
	json_decref(want);
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	free(sig);
	json_decref(jwks);
	free(jwt);
}
END_TEST

START_TEST(test_token_other_key_dir_refused)
{
	char *jwt = sign_claims(keys_b), *forged;

	assert_invalid(keys_a, jwt, strlen(jwt));
	/* B's key claiming A's kid: the kid matches, the signature does not. */
	forged = sign_alg_kid(key_b, "ES256", token_keys_kid(keys_a), CLAIMS);
	assert_invalid(keys_a, forged, strlen(forged));
	ck_assert(verifies(keys_b, jwt));
	free(forged);
	free(jwt);
}
END_TEST

START_TEST(test_token_tampered_byte_refused)
{
	char *jwt = sign_claims(keys_a), *p, c;
	const char *s;
	size_t len;
	int i;

	/* One character of the header, of the payload, of the signature. */
	for (i = 0; i < 3; i++) {
		tu_jws_segment(jwt, i, &s, &len);
		p = jwt + (s - jwt) + len / 2;
		c = *p;
		*p = c == 'A' ? 'B' : 'A';
		assert_invalid(keys_a, jwt, strlen(jwt));
		*p = c;
	}
	ck_assert(verifies(keys_a, jwt));
	free(jwt);
}
END_TEST

START_TEST(test_token_alg_none_refused)
{
	char hdr[256], h64[400], jwt[2048];
	char *good = sign_claims(keys_a);
	const char *p, *s;
	size_t plen, slen;
	int n;

	n = snprintf(hdr, sizeof(hdr), "{\"alg\":\"none\",\"kid\":\"%s\"}",
	    token_keys_kid(keys_a));
	b64url((unsigned char *)hdr, (size_t)n, h64);
	tu_jws_segment(good, 1, &p, &plen);
	tu_jws_segment(good, 2, &s, &slen);
	n = snprintf(jwt, sizeof(jwt), "%s.%.*s.", h64, (int)plen, p);
	assert_invalid(keys_a, jwt, (size_t)n);
	/* Nor with a real signature left in place. */
	n = snprintf(jwt, sizeof(jwt), "%s.%.*s.%s", h64, (int)plen, p, s);
	assert_invalid(keys_a, jwt, (size_t)n);
	free(good);
}
END_TEST

/* HMAC with the public JWK as the secret: the classic key confusion. */
START_TEST(test_token_hmac_with_kid_refused)
{
	static const char *const algs[] = { "HS256", "HS512" };
	const char *alg = algs[_i];
	const EVP_MD *md = _i == 0 ? EVP_sha256() : EVP_sha512();
	char hdr[256], h64[400], sig64[100], jwt[2048], *good, *secret;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen;
	json_t *jwks = token_jwks(keys_a);
	const char *p;
	size_t plen;
	int n;

	good = sign_claims(keys_a);
	secret = json_dumps(jwks_find(jwks, token_keys_kid(keys_a)),
	    JSON_COMPACT);
	n = snprintf(hdr, sizeof(hdr),
	    "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg,
	    token_keys_kid(keys_a));
	b64url((unsigned char *)hdr, (size_t)n, h64);
	tu_jws_segment(good, 1, &p, &plen);
	n = snprintf(jwt, sizeof(jwt), "%s.%.*s", h64, (int)plen, p);
	ck_assert_ptr_nonnull(HMAC(md, secret, (int)strlen(secret),
	    (unsigned char *)jwt, (size_t)n, mac, &maclen));
	b64url(mac, maclen, sig64);
	ck_assert_int_lt(snprintf(jwt + n, sizeof(jwt) - (size_t)n, ".%s",
	    sig64), (int)(sizeof(jwt) - (size_t)n));
	assert_invalid(keys_a, jwt, strlen(jwt));
	free(secret);
	json_decref(jwks);
	free(good);
}
END_TEST

/* Validly signed by the published key, but not with alg ES256. */
START_TEST(test_token_other_alg_same_key_refused)
{
	static const char *const algs[] = { "ES384", "ES512" };
	char *jwt = sign_alg_kid(key_a, algs[_i], token_keys_kid(keys_a),
	    CLAIMS);
	cjose_jwk_t *jwk = test_jwk(key_a);
	cjose_jws_t *jws;
	cjose_err err;

	/* cjose alone would accept it: only the pin on alg refuses it. */
	ck_assert_ptr_nonnull(jws = cjose_jws_import(jwt, strlen(jwt), &err));
	ck_assert(cjose_jws_verify(jws, jwk, &err));
	assert_invalid(keys_a, jwt, strlen(jwt));
	cjose_jws_release(jws);
	cjose_jwk_release(jwk);
	free(jwt);
}
END_TEST

START_TEST(test_token_unknown_kid_refused)
{
	char *jwt = sign_alg_kid(key_a, "ES256", "no-such-key", CLAIMS);

	assert_invalid(keys_a, jwt, strlen(jwt));
	free(jwt);
}
END_TEST

START_TEST(test_token_bad_header_refused)
{
	char hdr[256], *jwt;
	const char *kid = token_keys_kid(keys_a);

	/* Each signed by the right key with alg ES256. */
	jwt = sign_raw(key_a, "{\"alg\":\"ES256\"}", CLAIMS);
	assert_invalid(keys_a, jwt, strlen(jwt));
	free(jwt);
	jwt = sign_raw(key_a, "{\"alg\":\"ES256\",\"kid\":7}", CLAIMS);
	assert_invalid(keys_a, jwt, strlen(jwt));
	free(jwt);
	/* A critical extension we do not understand (RFC 7515 4.1.11). */
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"kid\":\"%s\","
	    "\"crit\":[\"exp\"],\"exp\":1}", kid);
	jwt = sign_raw(key_a, hdr, CLAIMS);
	assert_invalid(keys_a, jwt, strlen(jwt));
	free(jwt);
	/* The same header without crit verifies: the rest is fine. */
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"kid\":\"%s\","
	    "\"exp\":1}", kid);
	jwt = sign_raw(key_a, hdr, CLAIMS);
	ck_assert(verifies(keys_a, jwt));
	free(jwt);
}
END_TEST

START_TEST(test_token_claims_not_object_refused)
{
	static const char *const payloads[] = {
		"[1,2]", "\"sub\"", "{\"a\":1,\"a\":2}", "{} x", "not json", ""
	};
	char *jwt;
	size_t i;

	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		jwt = sign_alg_kid(key_a, "ES256", token_keys_kid(keys_a),
		    payloads[i]);
		assert_invalid(keys_a, jwt, strlen(jwt));
		free(jwt);
	}
}
END_TEST

START_TEST(test_token_oversize_refused)
{
	char *big, *jwt;
	json_t *claims;
	size_t n = TOKEN_MAX_SIZE;

	/* Validly signed, but bigger than we accept. */
	ck_assert_ptr_nonnull(big = malloc(n + 32));
	memset(big, 'a', n + 31);
	memcpy(big, "{\"x\":\"", 6);
	memcpy(big + n + 31 - 2, "\"}", 3);
	jwt = sign_alg_kid(key_a, "ES256", token_keys_kid(keys_a), big);
	ck_assert_uint_gt(strlen(jwt), TOKEN_MAX_SIZE);
	assert_invalid(keys_a, jwt, strlen(jwt));
	free(jwt);
	/* And token_sign() will not make one. */
	ck_assert_ptr_nonnull(claims = json_loads(big, 0, NULL));
	jwt = (char *)1;
	ck_assert_err(token_sign(keys_a, claims, &jwt), KALIT_ERR_TOO_LARGE);
	ck_assert_ptr_null(jwt);
	json_decref(claims);
	free(big);
}
END_TEST

START_TEST(test_token_garbage_refused)
{
	static const char *const bad[] = {
		"", ".", "..", "...", "a.b.c", "a.b.c.d", "a..", ".b.", "..c",
		"eyJhbGciOiJFUzI1NiJ9.e30.%%%", "\xff\xfe.\x01.\x02"
	};
	char *good = sign_claims(keys_a), buf[TOKEN_MAX_SIZE + 16];
	size_t i, n = strlen(good);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_invalid(keys_a, bad[i], strlen(bad[i]));
	assert_invalid(keys_a, NULL, 0);
	/* Suffixes cjose's decoder would skip, a NUL, a fourth segment. */
	memcpy(buf, good, n);
	memcpy(buf + n, "=", 2);
	assert_invalid(keys_a, buf, n + 1);
	memcpy(buf + n, "=AAAA", 6);
	assert_invalid(keys_a, buf, n + 5);
	memcpy(buf + n, ".", 2);
	assert_invalid(keys_a, buf, n + 1);
	buf[n] = '\0';
	assert_invalid(keys_a, buf, n + 1);
	/* A prefix of a good token is not the good token. */
	assert_invalid(keys_a, good, n - 1);
	ck_assert(verifies(keys_a, good));
	free(good);
}
END_TEST

/* R and S zero-padded to 33 bytes: cjose accepts it, we do not. */
START_TEST(test_token_padded_signature_refused)
{
	char *good = sign_claims(keys_a), jwt[TOKEN_MAX_SIZE];
	unsigned char *sig, pad[66];
	char sig64[100];
	const char *s;
	size_t len, siglen;
	cjose_jwk_t *jwk = test_jwk(key_a);
	cjose_jws_t *jws;
	cjose_err err;

	tu_jws_segment(good, 2, &s, &len);
	sig = tu_b64url_decode(s, len, &siglen);
	ck_assert_uint_eq(siglen, 64);
	pad[0] = 0;
	memcpy(pad + 1, sig, 32);
	pad[33] = 0;
	memcpy(pad + 34, sig + 32, 32);
	b64url(pad, sizeof(pad), sig64);
	ck_assert_int_lt(snprintf(jwt, sizeof(jwt), "%.*s%s", (int)(s - good),
	    good, sig64), (int)sizeof(jwt));
	ck_assert_ptr_nonnull(jws = cjose_jws_import(jwt, strlen(jwt), &err));
	ck_assert(cjose_jws_verify(jws, jwk, &err));
	assert_invalid(keys_a, jwt, strlen(jwt));
	cjose_jws_release(jws);
	cjose_jwk_release(jwk);
	free(sig);
	free(good);
}
END_TEST

/* The JWKS text of keys, as a client registers its own. */
static char *
jwks_text(const struct token_keys *k)
{
	json_t *j = token_jwks(k);
	char *s;

	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(s = json_dumps(j, JSON_COMPACT));
	json_decref(j);
	return s;
}

/* A client's assertion (private_key_jwt) by a key of its JWKS. */
START_TEST(test_token_verify_jwks)
{
	char hdr[256], h64[400], jwt[2048];
	char *good = sign_claims(keys_a), *ja = jwks_text(keys_a);
	char *jb = jwks_text(keys_b), *bad;
	json_t *got = NULL;
	const char *p, *s;
	size_t plen, slen;
	int n;

	ck_assert_err(token_verify_jwks(ja, good, strlen(good), &got),
	    KALIT_OK);
	ck_assert_ptr_nonnull(got);
	json_decref(got);
	/* another client's keys, a byte changed, no JWKS */
	ck_assert_err(token_verify_jwks(jb, good, strlen(good), &got),
	    KALIT_ERR_TOKEN_INVALID);
	ck_assert_ptr_nonnull(bad = strdup(good));
	bad[strlen(bad) - 5] = bad[strlen(bad) - 5] == 'A' ? 'B' : 'A';
	ck_assert_err(token_verify_jwks(ja, bad, strlen(bad), &got),
	    KALIT_ERR_TOKEN_INVALID);
	ck_assert_err(token_verify_jwks("{}", good, strlen(good), &got),
	    KALIT_ERR_TOKEN_INVALID);
	ck_assert_err(token_verify_jwks("not json", good, strlen(good), &got),
	    KALIT_ERR_TOKEN_INVALID);
	/* alg none and HS256 are never a client's */
	tu_jws_segment(good, 1, &p, &plen);
	tu_jws_segment(good, 2, &s, &slen);
	n = snprintf(hdr, sizeof(hdr), "{\"alg\":\"none\"}");
	b64url((unsigned char *)hdr, (size_t)n, h64);
	n = snprintf(jwt, sizeof(jwt), "%s.%.*s.%s", h64, (int)plen, p, s);
	ck_assert_err(token_verify_jwks(ja, jwt, (size_t)n, &got),
	    KALIT_ERR_TOKEN_INVALID);
	n = snprintf(hdr, sizeof(hdr), "{\"alg\":\"HS256\"}");
	b64url((unsigned char *)hdr, (size_t)n, h64);
	n = snprintf(jwt, sizeof(jwt), "%s.%.*s.%s", h64, (int)plen, p, s);
	ck_assert_err(token_verify_jwks(ja, jwt, (size_t)n, &got),
	    KALIT_ERR_TOKEN_INVALID);
	ck_assert_ptr_null(got);
	free(bad);
	free(ja);
	free(jb);
	free(good);
}
END_TEST

START_TEST(test_token_sign_typ)
{
	const char *payload = "{\"sub\":\"x\"}";
	json_t *hdr, *got = NULL;
	char *jwt = NULL;

	ck_assert_err(token_sign_typ(keys_a, "logout+jwt", payload,
	    strlen(payload), &jwt), KALIT_OK);
	hdr = tu_jws_json(jwt, 0);
	ck_assert_str_eq(json_string_value(json_object_get(hdr, "typ")),
	    "logout+jwt");
	ck_assert_err(token_verify(keys_a, jwt, strlen(jwt), &got), KALIT_OK);
	json_decref(got);
	json_decref(hdr);
	free(jwt);
}
END_TEST

START_TEST(test_token_jwks_public_only)
{
	json_t *jwks = token_jwks(keys_a), *keys, *jwk;
	static const char *const members[] = {
		"kty", "crv", "x", "y", "kid", "use", "alg"
	};
	char *jwt = sign_claims(keys_a), *s, tp[TOKEN_KID_MAX + 1];
	cjose_jwk_t *cj;
	cjose_jws_t *jws;
	cjose_err err;
	size_t i;

	ck_assert_ptr_nonnull(jwks);
	ck_assert_uint_eq(json_object_size(jwks), 1);
	ck_assert(json_is_array(keys = json_object_get(jwks, "keys")));
	ck_assert_uint_eq(json_array_size(keys), 1);
	jwk = json_array_get(keys, 0);
	ck_assert_ptr_null(json_object_get(jwk, "d"));
	ck_assert_uint_eq(json_object_size(jwk), 7);
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		ck_assert(json_is_string(json_object_get(jwk, members[i])));
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "kty")), "EC");
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "crv")),
	    "P-256");
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "use")), "sig");
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "alg")),
	    "ES256");
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "kid")),
	    token_keys_kid(keys_a));
	thumbprint_by_hand(json_string_value(json_object_get(jwk, "x")),
	    json_string_value(json_object_get(jwk, "y")), tp);
	ck_assert_str_eq(tp, token_keys_kid(keys_a));
	/* A relying party with only the JWKS verifies our token. */
	ck_assert_ptr_nonnull(s = json_dumps(jwk, JSON_COMPACT));
	ck_assert_ptr_nonnull(cj = cjose_jwk_import(s, strlen(s), &err));
	ck_assert_ptr_nonnull(jws = cjose_jws_import(jwt, strlen(jwt), &err));
	ck_assert(cjose_jws_verify(jws, cj, &err));
	cjose_jws_release(jws);
	cjose_jwk_release(cj);
	free(s);
	free(jwt);
	json_decref(jwks);
}
END_TEST

START_TEST(test_token_thumbprint_rfc7638)
{
	char kid[TOKEN_KID_MAX + 1], want[TOKEN_KID_MAX + 1];
	char x[64], y[64];
	unsigned char bx[32], by[32];
	BIGNUM *bn = NULL;
	EVP_PKEY *p384;

	ck_assert_err(token_thumbprint(key_a, kid), KALIT_OK);
	ck_assert_str_eq(kid, token_keys_kid(keys_a));
	ck_assert_uint_eq(strlen(kid), 43);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(key_a,
	    OSSL_PKEY_PARAM_EC_PUB_X, &bn), 1);
	ck_assert_int_eq(BN_bn2binpad(bn, bx, 32), 32);
	BN_free(bn);
	bn = NULL;
	ck_assert_int_eq(EVP_PKEY_get_bn_param(key_a,
	    OSSL_PKEY_PARAM_EC_PUB_Y, &bn), 1);
	ck_assert_int_eq(BN_bn2binpad(bn, by, 32), 32);
	BN_free(bn);
	b64url(bx, 32, x);
	b64url(by, 32, y);
	thumbprint_by_hand(x, y, want);
	ck_assert_str_eq(kid, want);
	p384 = tu_key(KEY_TYPE_P384);
	ck_assert_err(token_thumbprint(p384, kid), KALIT_ERR_KEY_TYPE);
	EVP_PKEY_free(p384);
}
END_TEST

/* The EC key of RFC 7517 A.1; its thumbprint as other libraries compute it. */
START_TEST(test_token_thumbprint_known_vector)
{
	json_t *jwk = json_pack("{s:s, s:s}",
	    "x", "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
	    "y", "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM");
	EVP_PKEY *key = pub_from_jwk(jwk);
	char kid[TOKEN_KID_MAX + 1];

	ck_assert_err(token_thumbprint(key, kid), KALIT_OK);
	ck_assert_str_eq(kid, "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s");
	EVP_PKEY_free(key);
	json_decref(jwk);
}
END_TEST

struct thread_arg {
	const struct token_keys *k;
	int failures;
};

static void *
sign_verify_loop(void *p)
{
	struct thread_arg *a = p;
	json_t *claims, *got;
	char *jwt;
	int i;

	for (i = 0; i < 25; i++) {
		claims = json_pack("{s:i}", "n", i);
		jwt = NULL;
		got = NULL;
		if (claims == NULL || token_sign(a->k, claims, &jwt) !=
		    KALIT_OK || token_verify(a->k, jwt, strlen(jwt), &got) !=
		    KALIT_OK || !json_equal(claims, got))
			a->failures++;
		json_decref(got);
		json_decref(claims);
		free(jwt);
	}
	return NULL;
}

START_TEST(test_token_keys_shared_across_threads)
{
	pthread_t t[4];
	struct thread_arg a[4];
	int i;

	for (i = 0; i < 4; i++) {
		a[i].k = keys_a;
		a[i].failures = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, sign_verify_loop,
		    &a[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(a[i].failures, 0);
	}
}
END_TEST

/* Loads tu_dir, the "keys" case's directory, at now; caller frees. */
static struct token_keys *
load_at(int64_t now)
{
	struct token_keys *k = NULL;

	ck_assert_err(token_keys_load(tu_dir, PASS, now, LIFETIME, &k),
	    KALIT_OK);
	ck_assert_ptr_nonnull(k);
	return k;
}

/* The number of keys in k's JWKS, or 0 if kid (unless NULL) is not one. */
static size_t
jwks_count(const struct token_keys *k, const char *kid)
{
	json_t *jwks = token_jwks(k);
	size_t n;
	int found;

	ck_assert_ptr_nonnull(jwks);
	n = json_array_size(json_object_get(jwks, "keys"));
	found = kid == NULL || jwks_find(jwks, kid) != NULL;
	json_decref(jwks);
	return found ? n : 0;
}

START_TEST(test_token_rollover)
{
	char kid1[TOKEN_KID_MAX + 1], kid2[TOKEN_KID_MAX + 1];
	struct token_keys *k;
	char *old, *jwt;

	ck_assert_err(token_key_generate(tu_dir, PASS, 1000, kid1), KALIT_OK);
	ck_assert_err(token_key_generate(tu_dir, PASS, 2000, kid2), KALIT_OK);
	ck_assert_str_ne(kid1, kid2);
	/* 1500: the 1000 key signs, the 2000 key is pre-published. */
	k = load_at(1500);
	ck_assert_str_eq(token_keys_kid(k), kid1);
	ck_assert_uint_eq(jwks_count(k, kid2), 2);
	old = sign_claims(k);
	token_keys_free(k);
	/* 2500: the 2000 key signs, the 1000 key still verifies. */
	k = load_at(2500);
	ck_assert_str_eq(token_keys_kid(k), kid2);
	ck_assert_uint_eq(jwks_count(k, kid1), 2);
	ck_assert(verifies(k, old));
	token_keys_free(k);
	/* 2600 = 2000 + lifetime: every token of the 1000 key has expired. */
	k = load_at(2600);
	ck_assert_uint_eq(jwks_count(k, kid2), 1);
	ck_assert_uint_eq(jwks_count(k, kid1), 0);
	token_keys_free(k);
	k = load_at(2700);
	ck_assert_str_eq(token_keys_kid(k), kid2);
	ck_assert_uint_eq(jwks_count(k, kid2), 1);
	assert_invalid(k, old, strlen(old));
	jwt = sign_claims(k);
	ck_assert(verifies(k, jwt));
	token_keys_free(k);
	free(jwt);
	free(old);
}
END_TEST

START_TEST(test_token_prepublished_not_active)
{
	char kid1[TOKEN_KID_MAX + 1], kid5[TOKEN_KID_MAX + 1];
	char path[PATH_MAX], *jwt;
	struct token_keys *k;
	EVP_PKEY *key5 = NULL;
	json_t *hdr;

	ck_assert_err(token_key_generate(tu_dir, PASS, 1000, kid1), KALIT_OK);
	ck_assert_err(token_key_generate(tu_dir, PASS, 5000, kid5), KALIT_OK);
	k = load_at(2500);
	ck_assert_str_eq(token_keys_kid(k), kid1);
	ck_assert_uint_eq(jwks_count(k, kid5), 2);
	jwt = sign_claims(k);
	hdr = tu_jws_json(jwt, 0);
	ck_assert_str_eq(json_string_value(json_object_get(hdr, "kid")), kid1);
	json_decref(hdr);
	free(jwt);
	/* Published, so what it will sign verifies already. */
	tu_path(path, sizeof(path), tu_dir, "5000.key");
	ck_assert_err(keyfile_load_cakey(path, PASS, &key5), KALIT_OK);
	jwt = sign_alg_kid(key5, "ES256", kid5, CLAIMS);
	ck_assert(verifies(k, jwt));
	free(jwt);
	EVP_PKEY_free(key5);
	token_keys_free(k);
}
END_TEST

START_TEST(test_token_wrong_passphrase)
{
	char kid[TOKEN_KID_MAX + 1];
	struct token_keys *k = (struct token_keys *)1;

	ck_assert_err(token_key_generate(tu_dir, PASS, 1000, kid), KALIT_OK);
	ck_assert_err(token_keys_load(tu_dir, "wrong", NOW, LIFETIME, &k),
	    KALIT_ERR_PASSPHRASE);
	ck_assert_ptr_null(k);
}
END_TEST

START_TEST(test_token_no_active_key)
{
	char path[PATH_MAX], kid[TOKEN_KID_MAX + 1];
	static const char *const ignored[] = {
		"README", "1000.key.bak", "x1000.key", "1000.pem", ".key",
		"-5.key", "1e3.key"
	};
	struct token_keys *k = NULL;
	size_t i;

	ck_assert_err(token_keys_load(tu_dir, PASS, NOW, LIFETIME, &k),
	    KALIT_ERR_CONFIG);
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		tu_path(path, sizeof(path), tu_dir, ignored[i]);
		tu_write_file(path, "junk", 4);
	}
	ck_assert_err(token_keys_load(tu_dir, PASS, NOW, LIFETIME, &k),
	    KALIT_ERR_CONFIG);
	/* Only a future key: nothing signs yet. */
	ck_assert_err(token_key_generate(tu_dir, PASS, NOW + 1, kid),
	    KALIT_OK);
	ck_assert_err(token_keys_load(tu_dir, PASS, NOW, LIFETIME, &k),
	    KALIT_ERR_CONFIG);
	ck_assert_ptr_null(k);
	tu_path(path, sizeof(path), tu_dir, "missing");
	ck_assert_err(token_keys_load(path, PASS, NOW, LIFETIME, &k),
	    KALIT_ERR_IO);
}
END_TEST

START_TEST(test_token_key_dir_limits)
{
	char path[PATH_MAX], name[32];
	struct token_keys *k = NULL;
	int i;

	/*
	 * Refused before any is opened (these are not even keys): a second
	 * spelling of time 1000, then a time beyond int64_t.
	 */
	tu_path(path, sizeof(path), tu_dir, "1000.key");
	tu_write_file(path, "junk", 4);
	tu_path(path, sizeof(path), tu_dir, "01000.key");
	tu_write_file(path, "junk", 4);
	ck_assert_err(token_keys_load(tu_dir, PASS, NOW, LIFETIME, &k),
	    KALIT_ERR_CONFIG);
	unlink(path);
	tu_path(path, sizeof(path), tu_dir, "99999999999999999999.key");
	tu_write_file(path, "junk", 4);
	ck_assert_err(token_keys_load(tu_dir, PASS, NOW, LIFETIME, &k),
	    KALIT_ERR_CONFIG);
	unlink(path);
	tu_path(path, sizeof(path), tu_dir, "1000.key");
	unlink(path);
	/* TOKEN_KEYS_MAX are read (the active one is junk), one more is not. */
	for (i = 1; i <= TOKEN_KEYS_MAX + 1; i++) {
		if (i == TOKEN_KEYS_MAX + 1)
			ck_assert_err(token_keys_load(tu_dir, PASS, NOW,
			    LIFETIME, &k), KALIT_ERR_MALFORMED);
		snprintf(name, sizeof(name), "%d.key", i);
		tu_path(path, sizeof(path), tu_dir, name);
		tu_write_file(path, "junk", 4);
	}
	ck_assert_err(token_keys_load(tu_dir, PASS, NOW, LIFETIME, &k),
	    KALIT_ERR_CONFIG);
	ck_assert_ptr_null(k);
}
END_TEST

START_TEST(test_token_non_p256_key_refused)
{
	char path[PATH_MAX];
	struct token_keys *k = NULL;
	EVP_PKEY *key = tu_key(KEY_TYPE_P384);

	tu_path(path, sizeof(path), tu_dir, "1000.key");
	ck_assert_err(keyfile_write_cakey(path, PASS, key), KALIT_OK);
	ck_assert_err(token_keys_load(tu_dir, PASS, NOW, LIFETIME, &k),
	    KALIT_ERR_CONFIG);
	ck_assert_ptr_null(k);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_token_generate_exclusive_0600)
{
	char kid[TOKEN_KID_MAX + 1], kid2[TOKEN_KID_MAX + 1], path[PATH_MAX];
	char want[TOKEN_KID_MAX + 1];
	EVP_PKEY *key = NULL;
	struct stat st;

	ck_assert_err(token_key_generate(tu_dir, PASS, 1000, kid), KALIT_OK);
	tu_path(path, sizeof(path), tu_dir, "1000.key");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_err(keyfile_load_cakey(path, PASS, &key), KALIT_OK);
	ck_assert_err(token_thumbprint(key, want), KALIT_OK);
	ck_assert_str_eq(kid, want);
	ck_assert_err(token_key_generate(tu_dir, PASS, 1000, kid2),
	    KALIT_ERR_FILE_EXISTS);
	ck_assert_err(token_key_generate(tu_dir, PASS, -1, kid2),
	    KALIT_ERR_USAGE);
	EVP_PKEY_free(key);
}
END_TEST

static Suite *
token_suite(void)
{
	Suite *s = suite_create("token");
	TCase *tc = tcase_create("core"), *tk = tcase_create("keys");

	tcase_add_unchecked_fixture(tc, core_setup, core_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_token_roundtrip_preserves_claims);
	tcase_add_test(tc, test_token_header_is_es256_jwt_with_kid);
	tcase_add_test(tc, test_token_signature_verifies_without_cjose);
	tcase_add_test(tc, test_token_other_key_dir_refused);
	tcase_add_test(tc, test_token_tampered_byte_refused);
	tcase_add_test(tc, test_token_alg_none_refused);
	/* loop index: 0 HS256 (short MAC), 1 HS512 (ES256-sized MAC) */
	tcase_add_loop_test(tc, test_token_hmac_with_kid_refused, 0, 2);
	/* loop index: 0 ES384, 1 ES512 */
	tcase_add_loop_test(tc, test_token_other_alg_same_key_refused, 0, 2);
	tcase_add_test(tc, test_token_unknown_kid_refused);
	tcase_add_test(tc, test_token_bad_header_refused);
	tcase_add_test(tc, test_token_claims_not_object_refused);
	tcase_add_test(tc, test_token_oversize_refused);
	tcase_add_test(tc, test_token_garbage_refused);
	tcase_add_test(tc, test_token_padded_signature_refused);
	tcase_add_test(tc, test_token_jwks_public_only);
	tcase_add_test(tc, test_token_verify_jwks);
	tcase_add_test(tc, test_token_sign_typ);
	tcase_add_test(tc, test_token_thumbprint_rfc7638);
	tcase_add_test(tc, test_token_thumbprint_known_vector);
	tcase_add_test(tc, test_token_keys_shared_across_threads);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tk, tu_dir_setup, tu_dir_teardown);
	tcase_set_timeout(tk, 120);
	tcase_add_test(tk, test_token_rollover);
	tcase_add_test(tk, test_token_prepublished_not_active);
	tcase_add_test(tk, test_token_wrong_passphrase);
	tcase_add_test(tk, test_token_no_active_key);
	tcase_add_test(tk, test_token_key_dir_limits);
	tcase_add_test(tk, test_token_non_p256_key_refused);
	tcase_add_test(tk, test_token_generate_exclusive_0600);
	suite_add_tcase(s, tk);
	return s;
}

int
main(void)
{
	return tu_run(token_suite());
}
