/* check_webeid.c: Web eID authentication tokens: what is accepted, refused */
#include "config.h"

#include "testutil.h"
#include "testjose.h"
#include "log.h"
#include "webeid.h"

#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#define ORIGIN		"https://login.kalit.example"
#define CHALLENGE	"X3hFz0u7N4o0mZ1S2gk1R6Yv0c9q8w7e6r5t4y3u2i8="
#define APP_VERSION	"https://web-eid.eu/web-eid-app/releases/2.5.0"

static X509 *ca;
static EVP_PKEY *ca_key;
static struct tj_keys k;
/* Certificates for k's keys, issued by ca. */
static X509 *p256_cert, *p384_cert, *p521_cert, *rsa_cert, *rsa1024_cert,
    *ed25519_cert;

/* A certificate for key by ca (testjose.h). */
static X509 *
issue(EVP_PKEY *key)
{
	return tj_cert(key, "Web eID Holder", ca, ca_key);
}

/* Once per test case: RSA keys take long to make. */
static void
setup(void)
{
	tu_make_ca(KEY_TYPE_P256, "Web eID Test CA", &ca, &ca_key);
	tj_keys_init(&k);
	p256_cert = issue(k.p256);
	p384_cert = issue(k.p384);
	p521_cert = issue(k.p521);
	rsa_cert = issue(k.rsa);
	rsa1024_cert = issue(k.rsa1024);
	ed25519_cert = issue(k.ed25519);
}

static void
teardown(void)
{
	X509_free(ca);
	X509_free(p256_cert);
	X509_free(p384_cert);
	X509_free(p521_cert);
	X509_free(rsa_cert);
	X509_free(rsa1024_cert);
	X509_free(ed25519_cert);
	EVP_PKEY_free(ca_key);
	tj_keys_free(&k);
}

/* How a test signs: as the Web eID app does unless a field says. */
struct how {
	int		 swap;	/* hash(challenge) || hash(origin) */
	struct tj_how	 sign;
};

/*
 * A signature by key over hash(origin) || hash(challenge) with alg's hash
 * into sig (1024 bytes); ECDSA as raw r || s of the curve's size.
 */
static size_t
sign_how(EVP_PKEY *key, const char *alg, const char *origin,
    const char *challenge, const struct how *how, unsigned char *sig)
{
	const EVP_MD *md = tj_md(alg);
	unsigned char tbs[2 * EVP_MAX_MD_SIZE];
	unsigned int hl = 0;

	ck_assert_int_eq(EVP_Digest(how->swap ? challenge : origin,
	    strlen(how->swap ? challenge : origin), tbs, &hl, md, NULL), 1);
	ck_assert_int_eq(EVP_Digest(how->swap ? origin : challenge,
	    strlen(how->swap ? origin : challenge), tbs + hl, &hl, md,
	    NULL), 1);
	return tj_sign(key, alg, tbs, 2 * hl, &how->sign, sig);
}

static size_t
sign_as_app(EVP_PKEY *key, const char *alg, const char *origin,
    const char *challenge, unsigned char *sig)
{
	static const struct how app;

	return sign_how(key, alg, origin, challenge, &app, sig);
}

/* The token the Web eID app sends; caller frees with free(). */
static char *
token(X509 *cert, const char *alg, const unsigned char *sig, size_t len,
    const char *format)
{
	char *c = tj_cert_b64(cert), *s = tj_b64(sig, len), *text;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}",
	    "unverifiedCertificate", c, "algorithm", alg, "signature", s,
	    "format", format, "appVersion", APP_VERSION);

	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(text = json_dumps(o, JSON_COMPACT));
	json_decref(o);
	free(c);
	free(s);
	return text;
}

/* A web-eid:1.0 token by key and cert over ORIGIN and CHALLENGE. */
static char *
good_token(EVP_PKEY *key, X509 *cert, const char *alg)
{
	unsigned char sig[1024];
	size_t n = sign_as_app(key, alg, ORIGIN, CHALLENGE, sig);

	return token(cert, alg, sig, n, "web-eid:1.0");
}

/*
 * webeid_parse_json() of text inside a document as kalitd's login body
 * holds it: the same answer as webeid_parse() for text that is one JSON
 * value (what the document's parse refuses never reaches it).
 */
static int
parse_inside(const char *text, const struct webeid_token *want, int r)
{
	struct webeid_token t;
	json_t *doc;
	char *body;
	const char *why = "unset";
	int r2;

	ck_assert_int_ge(asprintf(&body, "{\"token\":%s}", text), 0);
	doc = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	free(body);
	if (doc == NULL)
		return r;
	r2 = webeid_parse_json(json_object_get(doc, "token"), strlen(text),
	    NULL, &t, &why);
	ck_assert_err(r2, r);
	if (r2 == KALIT_OK) {
		ck_assert_ptr_null(why);
		ck_assert_int_eq(t.alg, want->alg);
		ck_assert_uint_eq(t.sig_len, want->sig_len);
		ck_assert_mem_eq(t.sig, want->sig, t.sig_len);
		ck_assert_int_eq(X509_cmp(t.cert, want->cert), 0);
	} else
		ck_assert_ptr_nonnull(why);
	webeid_token_clear(&t);
	json_decref(doc);
	return r2;
}

/* webeid_parse() of text; on KALIT_OK, webeid_verify() at origin. */
static int
check_at(const char *text, const char *origin, const char *challenge)
{
	struct webeid_token t;
	const char *why = "unset";
	int r;

	r = webeid_parse(text, strlen(text), NULL, &t, &why);
	parse_inside(text, &t, r);
	if (r != KALIT_OK) {
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_null(t.cert);
		ck_assert_ptr_null(t.sig);
		return r;
	}
	ck_assert_ptr_null(why);
	why = "unset";
	r = webeid_verify(&t, origin, challenge, &why);
	if (r == KALIT_OK)
		ck_assert_ptr_null(why);
	else
		ck_assert_ptr_nonnull(why);
	webeid_token_clear(&t);
	return r;
}

static int
check(const char *text)
{
	return check_at(text, ORIGIN, CHALLENGE);
}

/* check() of text, which it frees. */
static int
check_free(char *text)
{
	int r = check(text);

	free(text);
	return r;
}

/* check() of a web-eid:1.0 token of cert, alg and sig. */
static int
check_sig(X509 *cert, const char *alg, const unsigned char *sig, size_t len)
{
	return check_free(token(cert, alg, sig, len, "web-eid:1.0"));
}

START_TEST(test_webeid_p256_es256_round_trip)
{
	struct webeid_token t;
	char *text = good_token(k.p256, p256_cert, "ES256");

	ck_assert_err(check(text), KALIT_OK);
	ck_assert_err(webeid_parse(text, strlen(text), NULL, &t, NULL),
	    KALIT_OK);
	ck_assert_int_eq(t.alg, JWA_ES256);
	ck_assert_str_eq(jwa_alg_name(t.alg), "ES256");
	ck_assert_uint_eq(t.minor, 0);
	ck_assert_uint_eq(t.sig_len, 64);
	ck_assert_str_eq(t.app_version, APP_VERSION);
	ck_assert_int_eq(X509_cmp(t.cert, p256_cert), 0);
	ck_assert_ptr_null(t.intermediates);
	webeid_token_clear(&t);
	ck_assert_ptr_null(t.cert);
	webeid_token_clear(&t);		/* twice is harmless */
	free(text);
}
END_TEST

START_TEST(test_webeid_p384_es384_p521_es512_round_trip)
{
	ck_assert_err(check_free(good_token(k.p384, p384_cert, "ES384")),
	    KALIT_OK);
	ck_assert_err(check_free(good_token(k.p521, p521_cert, "ES512")),
	    KALIT_OK);
}
END_TEST

START_TEST(test_webeid_rsa_rs256_ps256_round_trip)
{
	static const char *const algs[] = { "RS256", "PS256", "RS384",
	    "PS384", "RS512", "PS512" };
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		ck_assert_err(check_free(good_token(k.rsa, rsa_cert, algs[i])),
		    KALIT_OK);
}
END_TEST

START_TEST(test_webeid_development_origins_verify)
{
	static const char *const origins[] = { "http://localhost:8080",
	    "http://127.0.0.1:8443", "https://127.0.0.1:8443",
	    "https://login.kalit.example:8443", "https://localhost" };
	unsigned char sig[1024];
	size_t i, n;
	char *text;

	for (i = 0; i < sizeof(origins) / sizeof(origins[0]); i++) {
		n = sign_as_app(k.p256, "ES256", origins[i], CHALLENGE, sig);
		text = token(p256_cert, "ES256", sig, n, "web-eid:1.0");
		ck_assert_err(check_at(text, origins[i], CHALLENGE), KALIT_OK);
		ck_assert_err(check(text), KALIT_ERR_SIGNATURE);
		free(text);
	}
}
END_TEST

START_TEST(test_webeid_signature_over_other_origin_refused)
{
	unsigned char sig[1024];
	size_t n = sign_as_app(k.p256, "ES256", "https://evil.example",
	    CHALLENGE, sig);

	ck_assert_err(check_sig(p256_cert, "ES256", sig, n),
	    KALIT_ERR_SIGNATURE);
	/* The origin's port is part of it. */
	n = sign_as_app(k.p256, "ES256", ORIGIN ":8443", CHALLENGE, sig);
	ck_assert_err(check_sig(p256_cert, "ES256", sig, n),
	    KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_webeid_signature_over_other_challenge_refused)
{
	unsigned char sig[1024];
	size_t n = sign_as_app(k.rsa, "RS256", ORIGIN,
	    "Y3hFz0u7N4o0mZ1S2gk1R6Yv0c9q8w7e6r5t4y3u2i8=", sig);

	ck_assert_err(check_sig(rsa_cert, "RS256", sig, n),
	    KALIT_ERR_SIGNATURE);
	n = sign_as_app(k.p384, "ES384", ORIGIN, CHALLENGE "x", sig);
	ck_assert_err(check_sig(p384_cert, "ES384", sig, n),
	    KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_webeid_origin_trailing_slash_refused)
{
	unsigned char sig[1024];
	size_t n = sign_as_app(k.p256, "ES256", ORIGIN "/", CHALLENGE, sig);
	char *text = token(p256_cert, "ES256", sig, n, "web-eid:1.0");

	/* Signed over "https://host/": not the origin. */
	ck_assert_err(check(text), KALIT_ERR_SIGNATURE);
	/* Nor may the caller check against "https://host/". */
	ck_assert_err(check_at(text, ORIGIN "/", CHALLENGE), KALIT_ERR_CONFIG);
	free(text);
}
END_TEST

START_TEST(test_webeid_order_swapped_refused)
{
	static const struct how swap = { .swap = 1 };
	unsigned char sig[1024];
	size_t n = sign_how(k.p256, "ES256", ORIGIN, CHALLENGE, &swap, sig);

	ck_assert_err(check_sig(p256_cert, "ES256", sig, n),
	    KALIT_ERR_SIGNATURE);
	n = sign_how(k.rsa, "PS256", ORIGIN, CHALLENGE, &swap, sig);
	ck_assert_err(check_sig(rsa_cert, "PS256", sig, n),
	    KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_webeid_signature_by_other_key_refused)
{
	unsigned char sig[1024];
	size_t n = sign_as_app(k.p256b, "ES256", ORIGIN, CHALLENGE, sig);

	ck_assert_err(check_sig(p256_cert, "ES256", sig, n),
	    KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_webeid_ecdsa_wrong_length_refused)
{
	static const struct how der = { .sign = { .der = 1 } };
	unsigned char sig[1024];
	size_t n = sign_how(k.p256, "ES256", ORIGIN, CHALLENGE, &der, sig);

	/* DER, as node:crypto and OpenSSL make it: not r || s. */
	ck_assert_uint_ne(n, 64);
	ck_assert_err(check_sig(p256_cert, "ES256", sig, n),
	    KALIT_ERR_SIGNATURE);
	n = sign_as_app(k.p256, "ES256", ORIGIN, CHALLENGE, sig);
	ck_assert_err(check_sig(p256_cert, "ES256", sig, n - 1),
	    KALIT_ERR_SIGNATURE);
	sig[64] = 0;
	ck_assert_err(check_sig(p256_cert, "ES256", sig, n + 1),
	    KALIT_ERR_SIGNATURE);
	/* r || s of P-384's size for a P-521 key. */
	n = sign_as_app(k.p384, "ES384", ORIGIN, CHALLENGE, sig);
	ck_assert_err(check_sig(p521_cert, "ES512", sig, n),
	    KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_webeid_ecdsa_zero_and_flipped_refused)
{
	unsigned char sig[1024];
	size_t n = sign_as_app(k.p256, "ES256", ORIGIN, CHALLENGE, sig);

	sig[10] ^= 1;
	ck_assert_err(check_sig(p256_cert, "ES256", sig, n),
	    KALIT_ERR_SIGNATURE);
	memset(sig, 0, n);
	ck_assert_err(check_sig(p256_cert, "ES256", sig, n),
	    KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_webeid_rsa_padding_must_match_algorithm)
{
	static const struct how saltmax = {
	    .sign = { .salt = RSA_PSS_SALTLEN_MAX } };
	static const struct how pkcs1 = { .sign = { .pkcs1 = 1 } };
	unsigned char sig[1024];
	size_t n = sign_as_app(k.rsa, "RS256", ORIGIN, CHALLENGE, sig);

	/* PKCS #1 v1.5 named PS256, PSS named RS256. */
	ck_assert_err(check_sig(rsa_cert, "PS256", sig, n),
	    KALIT_ERR_SIGNATURE);
	n = sign_as_app(k.rsa, "PS256", ORIGIN, CHALLENGE, sig);
	ck_assert_err(check_sig(rsa_cert, "RS256", sig, n),
	    KALIT_ERR_SIGNATURE);
	/* PSS whose salt is not the hash's length (JWA fixes it). */
	n = sign_how(k.rsa, "PS256", ORIGIN, CHALLENGE, &saltmax, sig);
	ck_assert_err(check_sig(rsa_cert, "PS256", sig, n),
	    KALIT_ERR_SIGNATURE);
	/* Another hash than the algorithm's. */
	n = sign_how(k.rsa, "PS384", ORIGIN, CHALLENGE, &pkcs1, sig);
	ck_assert_err(check_sig(rsa_cert, "RS256", sig, n),
	    KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_webeid_rsa_signature_length_is_the_modulus)
{
	unsigned char sig[1025];
	char challenge[sizeof(CHALLENGE) + 16], *text;
	unsigned int i;
	size_t n;

	/* A zero byte more in front: the same number, another length. */
	n = sign_as_app(k.rsa, "PS256", ORIGIN, CHALLENGE, sig);
	memmove(sig + 1, sig, n);
	sig[0] = 0;
	ck_assert_err(check_sig(rsa_cert, "PS256", sig, n + 1),
	    KALIT_ERR_SIGNATURE);
	/*
	 * A PSS signature that starts with a zero byte, sent without it
	 * (as an encoder of numbers would): OpenSSL's PSS check takes it,
	 * the length check refuses it.
	 */
	for (i = 0; i < 4096; i++) {
		snprintf(challenge, sizeof(challenge), "%s%u", CHALLENGE, i);
		n = sign_as_app(k.rsa, "PS256", ORIGIN, challenge, sig);
		if (sig[0] == 0)
			break;
	}
	ck_assert_int_eq(sig[0], 0);
	text = token(rsa_cert, "PS256", sig, n, "web-eid:1.0");
	ck_assert_err(check_at(text, ORIGIN, challenge), KALIT_OK);
	free(text);
	text = token(rsa_cert, "PS256", sig + 1, n - 1, "web-eid:1.0");
	ck_assert_err(check_at(text, ORIGIN, challenge), KALIT_ERR_SIGNATURE);
	free(text);
}
END_TEST

START_TEST(test_webeid_algorithm_not_matching_key_refused)
{
	static const struct { X509 **cert; const char *alg; } bad[] = {
		{ &p256_cert, "ES384" }, { &p256_cert, "ES512" },
		{ &p256_cert, "RS256" }, { &p256_cert, "PS256" },
		{ &p384_cert, "ES256" }, { &rsa_cert, "ES256" },
		{ &ed25519_cert, "ES256" }, { &ed25519_cert, "RS256" },
	};
	unsigned char sig[1024];
	size_t i, n = sign_as_app(k.p256, "ES256", ORIGIN, CHALLENGE, sig);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_err(check_sig(*bad[i].cert, bad[i].alg, sig, n),
		    KALIT_ERR_SIG_ALGORITHM);
}
END_TEST

START_TEST(test_webeid_rsa_key_under_2048_bits_refused)
{
	ck_assert_err(check_free(good_token(k.rsa1024, rsa1024_cert, "RS256")),
	    KALIT_ERR_CERT_KEY_WEAK);
	ck_assert_err(check_free(good_token(k.rsa1024, rsa1024_cert, "PS256")),
	    KALIT_ERR_CERT_KEY_WEAK);
}
END_TEST

START_TEST(test_webeid_unknown_algorithm_refused)
{
	static const char *const bad[] = { "HS256", "none", "EdDSA",
	    "es256", "ES256 ", " ES256", "ES25", "ES2566", "RS1", "" };
	char *c = tj_cert_b64(p256_cert);
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_err(check_free(tu_fmt("{\"format\":\"web-eid:1.0\","
		    "\"algorithm\":\"%s\",\"signature\":\"AAAA\","
		    "\"unverifiedCertificate\":\"%s\"}", bad[i], c)),
		    KALIT_ERR_SIG_ALGORITHM);
	ck_assert_err(check_free(tu_fmt("{\"format\":\"web-eid:1.0\","
	    "\"algorithm\":256,\"signature\":\"AAAA\","
	    "\"unverifiedCertificate\":\"%s\"}", c)), KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(tu_fmt("{\"format\":\"web-eid:1.0\","
	    "\"signature\":\"AAAA\",\"unverifiedCertificate\":\"%s\"}", c)),
	    KALIT_ERR_MALFORMED);
	free(c);
}
END_TEST

START_TEST(test_webeid_length_limits)
{
	char *text = good_token(k.p256, p256_cert, "ES256"), *big;
	size_t len = strlen(text);

	/* Unknown members pad it to exactly the limit, then one more. */
	ck_assert_ptr_nonnull(big = malloc(WEBEID_TOKEN_MAX + 2));
	memcpy(big, text, len - 1);
	memcpy(big + len - 1, ",\"x\":\"", 6);
	memset(big + len + 5, 'x', WEBEID_TOKEN_MAX - len - 7);
	memcpy(big + WEBEID_TOKEN_MAX - 2, "\"}", 3);
	ck_assert_uint_eq(strlen(big), WEBEID_TOKEN_MAX);
	ck_assert_err(check(big), KALIT_OK);
	memcpy(big + WEBEID_TOKEN_MAX - 2, "x\"}", 4);
	ck_assert_err(check(big), KALIT_ERR_TOO_LARGE);
	/* Too short to be a token: 99 bytes, refused before parsing. */
	memset(big, ' ', 99);
	memcpy(big, "{}", 2);
	big[99] = '\0';
	ck_assert_err(check(big), KALIT_ERR_MALFORMED);
	big[99] = ' ';
	big[100] = '\0';
	ck_assert_err(check(big), KALIT_ERR_MALFORMED);	/* no members */
	free(big);
	free(text);
}
END_TEST

START_TEST(test_webeid_not_json_refused)
{
	char *c = tj_cert_b64(p256_cert);

	ck_assert_err(check("this is not JSON, but it is long enough to pass "
	    "the length check of one hundred bytes..............."),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(tu_fmt("[\"web-eid:1.0\",\"ES256\","
	    "\"%s\"]", c)), KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(tu_fmt("\"%s\"", c)), KALIT_ERR_MALFORMED);
	/* Something after the object. */
	ck_assert_err(check_free(tu_fmt("{\"format\":\"web-eid:1.0\","
	    "\"algorithm\":\"ES256\",\"signature\":\"AAAA\","
	    "\"unverifiedCertificate\":\"%s\"}{}", c)), KALIT_ERR_MALFORMED);
	/* A NUL in a string: jansson refuses it. */
	ck_assert_err(check_free(tu_fmt("{\"format\":\"web-eid:1.0\\u0000\","
	    "\"algorithm\":\"ES256\",\"signature\":\"AAAA\","
	    "\"unverifiedCertificate\":\"%s\"}", c)), KALIT_ERR_MALFORMED);
	free(c);
}
END_TEST

START_TEST(test_webeid_duplicate_members_refused)
{
	char *text = good_token(k.p256, p256_cert, "ES256"), *dup;

	/* The same token with a member given twice, at the top or deeper. */
	dup = tu_fmt("{\"algorithm\":\"ES384\",%s", text + 1);
	ck_assert_err(check_free(dup), KALIT_ERR_MALFORMED);
	dup = tu_fmt("{\"signature\":\"AAAA\",%s", text + 1);
	ck_assert_err(check_free(dup), KALIT_ERR_MALFORMED);
	dup = tu_fmt("{\"x\":{\"a\":1,\"a\":2},%s", text + 1);
	ck_assert_err(check_free(dup), KALIT_ERR_MALFORMED);
	free(text);
}
END_TEST

START_TEST(test_webeid_unknown_members_ignored)
{
	char *text = good_token(k.p384, p384_cert, "ES384");

	ck_assert_err(check_free(tu_fmt("{\"unverifiedSigningCertificates\":"
	    "[{\"certificate\":\"AAAA\",\"supportedSignatureAlgorithms\":[]}],"
	    "\"x\":null,\"y\":[1,2,{}],%s", text + 1)), KALIT_OK);
	free(text);
}
END_TEST

START_TEST(test_webeid_format_versions)
{
	static const char *const good[] = { "web-eid:1", "web-eid:1.0",
	    "web-eid:1.1", "web-eid:1.10", "web-eid:1.123456789" };
	static const unsigned long minor[] = { 0, 0, 1, 10, 123456789 };
	static const char *const bad[] = { "web-eid:2", "web-eid:2.0",
	    "web-eid:0.9", "web-eid:10", "web-eid:01", "web-eid:1.",
	    "web-eid:1.00", "web-eid:1.01", "web-eid:1.0.1", "web-eid:1.x",
	    "web-eid:1.1234567890", "web-eid:1.0-beta", "Web-eID:1.0",
	    "web-eid:1.0 ", " web-eid:1.0", "web-eid", "", "1.0" };
	unsigned char sig[1024];
	struct webeid_token t;
	size_t i, n = sign_as_app(k.p256, "ES256", ORIGIN, CHALLENGE, sig);
	char *text, *c;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		text = token(p256_cert, "ES256", sig, n, good[i]);
		ck_assert_err(webeid_parse(text, strlen(text), NULL, &t, NULL),
		    KALIT_OK);
		ck_assert_uint_eq(t.minor, minor[i]);
		webeid_token_clear(&t);
		ck_assert_err(check_free(text), KALIT_OK);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_err(check_free(token(p256_cert, "ES256", sig, n,
		    bad[i])), KALIT_ERR_WEBEID_FORMAT);
	/* A format that is no string, or none, is a malformed token. */
	c = tj_cert_b64(p256_cert);
	ck_assert_err(check_free(tu_fmt("{\"format\":1.0,"
	    "\"algorithm\":\"ES256\",\"signature\":\"AAAA\","
	    "\"unverifiedCertificate\":\"%s\"}", c)),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(tu_fmt("{\"format\":null,"
	    "\"algorithm\":\"ES256\",\"signature\":\"AAAA\","
	    "\"unverifiedCertificate\":\"%s\"}", c)), KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(tu_fmt("{\"algorithm\":\"ES256\","
	    "\"signature\":\"AAAA\",\"unverifiedCertificate\":\"%s\"}", c)),
	    KALIT_ERR_MALFORMED);
	/* The format decides before the other members are looked at. */
	ck_assert_err(check_free(tu_fmt("{\"format\":\"web-eid:2.0\","
	    "\"algorithm\":\"XX\",\"unverifiedCertificate\":\"%s\"}", c)),
	    KALIT_ERR_WEBEID_FORMAT);
	free(c);
}
END_TEST

/* The token with member's string value replaced by value; caller frees. */
static char *
with_member(const char *text, const char *member, const char *value)
{
	json_t *o = json_loads(text, 0, NULL);
	char *out;

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_object_set_new(o, member, json_string(value)),
	    0);
	ck_assert_ptr_nonnull(out = json_dumps(o, JSON_COMPACT));
	json_decref(o);
	return out;
}

/* check() of text with member set to value. */
static int
check_member(const char *text, const char *member, const char *value)
{
	return check_free(with_member(text, member, value));
}

/* Both base64 members are refused with code r when spelled as s. */
static void
assert_both_refused(const char *text, const char *sig, const char *cert,
    int r)
{
	ck_assert_err(check_member(text, "signature", sig), r);
	ck_assert_err(check_member(text, "unverifiedCertificate", cert), r);
}

START_TEST(test_webeid_bad_base64_refused)
{
	unsigned char sig[1024];
	size_t n = sign_as_app(k.p256, "ES256", ORIGIN, CHALLENGE, sig);
	char *text = token(p256_cert, "ES256", sig, n, "web-eid:1.0");
	char *s = tj_b64(sig, n), *c = tj_cert_b64(p256_cert), *s2, *c2;
	size_t sl = strlen(s);

	ck_assert_err(check_member(text, "signature", s), KALIT_OK);
	/* 64 bytes end in "X==": without the padding, then with one '='. */
	ck_assert_uint_eq(sl, 88);
	ck_assert_uint_eq(s[sl - 1], '=');
	s2 = strndup(s, sl - 2);
	ck_assert_err(check_member(text, "signature", s2), KALIT_ERR_ENCODING);
	s2 = strcat(realloc(s2, sl), "=");
	ck_assert_err(check_member(text, "signature", s2), KALIT_ERR_ENCODING);
	free(s2);
	c2 = tu_fmt("%sA", c);
	ck_assert_err(check_member(text, "unverifiedCertificate", c2),
	    KALIT_ERR_ENCODING);
	free(c2);
	/* base64url: '+' and '/' written as '-' and '_'. */
	s2 = strdup(s);
	c2 = strdup(c);
	s2[0] = '-';
	c2[7] = '_';
	assert_both_refused(text, s2, c2, KALIT_ERR_ENCODING);
	/* A line break, a space, a leading blank. */
	s2[0] = '\n';
	c2[7] = ' ';
	assert_both_refused(text, s2, c2, KALIT_ERR_ENCODING);
	free(s2);
	free(c2);
	s2 = tu_fmt(" %s", s);
	c2 = tu_fmt("%s\n", c);
	assert_both_refused(text, s2, c2, KALIT_ERR_ENCODING);
	free(s2);
	free(c2);
	/* Padding inside, and a character outside the alphabet. */
	s2 = strdup(s);
	s2[4] = '=';
	c2 = strdup(c);
	c2[8] = '.';
	assert_both_refused(text, s2, c2, KALIT_ERR_ENCODING);
	free(s2);
	free(c2);
	/*
	 * Non-canonical: the 4 unused bits of the last character before
	 * "==" set (A, Q, g, w have them zero). EVP_DecodeBlock() decodes
	 * the same bytes; only one spelling is taken.
	 */
	s2 = strdup(s);
	ck_assert_ptr_nonnull(strchr("AQgw", s2[sl - 3]));
	s2[sl - 3]++;
	ck_assert_err(check_member(text, "signature", s2), KALIT_ERR_ENCODING);
	free(s2);
	/* Empty: as missing. */
	assert_both_refused(text, "", "", KALIT_ERR_MALFORMED);
	free(s);
	free(c);
	free(text);
}
END_TEST

START_TEST(test_webeid_certificate_must_be_one_der)
{
	char *text = good_token(k.p256, p256_cert, "ES256"), *c;
	unsigned char *der = NULL, *two;
	int n = i2d_X509(p256_cert, &der);

	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(two = malloc(2 * (size_t)n));
	/* Trailing bytes: one zero, then a second certificate. */
	memcpy(two, der, (size_t)n);
	two[n] = 0;
	ck_assert_err(check_member(text, "unverifiedCertificate",
	    c = tj_b64(two, (size_t)n + 1)), KALIT_ERR_MALFORMED);
	free(c);
	memcpy(two + n, der, (size_t)n);
	ck_assert_err(check_member(text, "unverifiedCertificate",
	    c = tj_b64(two, 2 * (size_t)n)), KALIT_ERR_MALFORMED);
	free(c);
	/* Truncated, and not a certificate at all. */
	ck_assert_err(check_member(text, "unverifiedCertificate",
	    c = tj_b64(der, (size_t)n - 1)), KALIT_ERR_MALFORMED);
	free(c);
	ck_assert_err(check_member(text, "unverifiedCertificate", "AAAA"),
	    KALIT_ERR_MALFORMED);
	/* PEM, base64'd once more: only DER is a certificate here. */
	c = tj_cert_b64(p256_cert);
	free(two);
	two = (unsigned char *)tu_fmt("-----BEGIN CERTIFICATE-----\n%s\n"
	    "-----END CERTIFICATE-----\n", c);
	free(c);
	ck_assert_err(check_member(text, "unverifiedCertificate",
	    c = tj_b64(two, strlen((char *)two))), KALIT_ERR_MALFORMED);
	free(c);
	free(two);
	OPENSSL_free(der);
	free(text);
}
END_TEST

START_TEST(test_webeid_sizes_capped)
{
	char *text = good_token(k.p256, p256_cert, "ES256"), *c, *v;
	unsigned char *big = calloc(1, WEBEID_CERT_MAX + 1);

	ck_assert_ptr_nonnull(big);
	/* One byte over each cap, within the token's length. */
	ck_assert_err(check_member(text, "unverifiedCertificate",
	    c = tj_b64(big, WEBEID_CERT_MAX + 1)), KALIT_ERR_TOO_LARGE);
	free(c);
	ck_assert_err(check_member(text, "signature",
	    c = tj_b64(big, WEBEID_SIG_MAX + 1)), KALIT_ERR_TOO_LARGE);
	free(c);
	/* At the signature's cap: parsed, then refused for its length. */
	ck_assert_err(check_member(text, "signature",
	    c = tj_b64(big, WEBEID_SIG_MAX)), KALIT_ERR_SIGNATURE);
	free(c);
	v = calloc(1, WEBEID_APP_VERSION_MAX + 2);
	memset(v, 'v', WEBEID_APP_VERSION_MAX);
	ck_assert_err(check_member(text, "appVersion", v), KALIT_OK);
	v[WEBEID_APP_VERSION_MAX] = 'v';
	ck_assert_err(check_member(text, "appVersion", v),
	    KALIT_ERR_TOO_LARGE);
	free(v);
	free(big);
	free(text);
}
END_TEST

START_TEST(test_webeid_app_version_optional_string)
{
	char *text = good_token(k.p256, p256_cert, "ES256");
	json_t *o = json_loads(text, 0, NULL);
	struct webeid_token t;
	char *s;

	ck_assert_int_eq(json_object_del(o, "appVersion"), 0);
	s = json_dumps(o, JSON_COMPACT);
	ck_assert_err(webeid_parse(s, strlen(s), NULL, &t, NULL), KALIT_OK);
	ck_assert_str_eq(t.app_version, "");
	webeid_token_clear(&t);
	free(s);
	ck_assert_int_eq(json_object_set_new(o, "appVersion",
	    json_integer(2)), 0);
	ck_assert_err(check_free(json_dumps(o, JSON_COMPACT)),
	    KALIT_ERR_MALFORMED);
	ck_assert_int_eq(json_object_set_new(o, "appVersion", json_null()),
	    0);
	ck_assert_err(check_free(json_dumps(o, JSON_COMPACT)),
	    KALIT_ERR_MALFORMED);
	json_decref(o);
	free(text);
}
END_TEST

/* The token with unverifiedIntermediateCertificates set to v (stolen). */
static char *
with_intermediates(const char *text, json_t *v)
{
	json_t *o = json_loads(text, 0, NULL);
	char *out;

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_object_set_new(o,
	    "unverifiedIntermediateCertificates", v), 0);
	ck_assert_ptr_nonnull(out = json_dumps(o, JSON_COMPACT));
	json_decref(o);
	return out;
}

START_TEST(test_webeid_intermediates_handed_back)
{
	char *text = good_token(k.p256, p256_cert, "ES256");
	char *c = tj_cert_b64(ca), *s;
	struct webeid_token t;
	json_t *a = json_array();
	size_t i;

	json_array_append_new(a, json_string(c));
	json_array_append_new(a, json_string(c));
	s = with_intermediates(text, json_incref(a));
	ck_assert_err(webeid_parse(s, strlen(s), NULL, &t, NULL), KALIT_OK);
	ck_assert_ptr_nonnull(t.intermediates);
	ck_assert_int_eq(sk_X509_num(t.intermediates), 2);
	ck_assert_int_eq(X509_cmp(sk_X509_value(t.intermediates, 0), ca), 0);
	ck_assert_err(webeid_verify(&t, ORIGIN, CHALLENGE, NULL), KALIT_OK);
	webeid_token_clear(&t);
	free(s);
	/* Empty: as absent. */
	s = with_intermediates(text, json_array());
	ck_assert_err(webeid_parse(s, strlen(s), NULL, &t, NULL), KALIT_OK);
	ck_assert_ptr_null(t.intermediates);
	webeid_token_clear(&t);
	free(s);
	/* As many as the cap; one more is refused before any is decoded. */
	for (i = 2; i < WEBEID_INTERMEDIATES_MAX; i++)
		json_array_append_new(a, json_string(c));
	s = with_intermediates(text, json_incref(a));
	ck_assert_err(webeid_parse(s, strlen(s), NULL, &t, NULL), KALIT_OK);
	ck_assert_int_eq(sk_X509_num(t.intermediates),
	    WEBEID_INTERMEDIATES_MAX);
	webeid_token_clear(&t);
	free(s);
	json_array_clear(a);
	for (i = 0; i <= WEBEID_INTERMEDIATES_MAX; i++)
		json_array_append_new(a, json_string("!"));
	ck_assert_err(check_free(with_intermediates(text, a)),
	    KALIT_ERR_TOO_LARGE);
	/* Not an array; an element not a string, not one DER, not base64. */
	ck_assert_err(check_free(with_intermediates(text, json_string(c))),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(with_intermediates(text, json_null())),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(with_intermediates(text,
	    json_pack("[s,i]", c, 1))), KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(with_intermediates(text,
	    json_pack("[s]", "AAAA"))), KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(with_intermediates(text,
	    json_pack("[s]", "AAA"))), KALIT_ERR_ENCODING);
	free(c);
	free(text);
}
END_TEST

START_TEST(test_webeid_origin_check)
{
	static const char *const good[] = { "https://login.kalit.example",
	    "https://a.b", "https://localhost", "https://x-y.example:8443",
	    "https://login.kalit.example:1",
	    "https://login.kalit.example:65535",
	    "https://10.0.0.1", "https://192.168.1.20:8443",
	    "https://xn--80ak6aa92e.com", "http://localhost:8080",
	    "http://127.0.0.1:1" };
	static const char *const bad[] = { "", "login.kalit.example",
	    "https://", "https://login.kalit.example/",
	    "https://login.kalit.example/login", "https://Login.kalit.example",
	    "https://login.kalit.example.", "https://login..example",
	    "https://-login.example", "https://login-.example",
	    "https://login_x.example", "https://login.kalit.example:",
	    "https://login.kalit.example:0", "https://login.kalit.example:080",
	    "https://login.kalit.example:65536",
	    "https://login.kalit.example:443", "https://login.example:8443x",
	    "https://login.example?x", "https://login.example#x",
	    "https://user@login.example", "https://[::1]:8443",
	    "https://127.1", "https://010.0.0.1", "https://256.0.0.1",
	    "https://1.2.3.4.5", "https://example.123",
	    "http://login.kalit.example:8080", "http://localhost",
	    "http://localhost:80", "http://127.0.0.2:8080",
	    "HTTPS://login.kalit.example", "wss://login.kalit.example",
	    "https://login.kalit.example ", "https://lo gin.example" };
	const char *why;
	char *longest;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		why = "unset";
		ck_assert_msg(webeid_origin_check(good[i], &why) == KALIT_OK,
		    "%s refused: %s", good[i], why);
		ck_assert_ptr_null(why);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(webeid_origin_check(bad[i], &why) ==
		    KALIT_ERR_CONFIG, "%s accepted", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert_err(webeid_origin_check(NULL, NULL), KALIT_ERR_CONFIG);
	/* 253 characters of host (labels of 63, 63, 63, 61), and one more. */
	ck_assert_ptr_nonnull(longest = calloc(1, 300));
	memset(longest, 'a', 8 + 253);
	memcpy(longest, "https://", 8);
	for (i = 1; i <= 3; i++)
		longest[8 + 64 * i - 1] = '.';
	ck_assert_uint_eq(strlen(longest), 8 + 253);
	ck_assert_err(webeid_origin_check(longest, NULL), KALIT_OK);
	strcat(longest, "a");
	ck_assert_err(webeid_origin_check(longest, NULL), KALIT_ERR_CONFIG);
	free(longest);
}
END_TEST

START_TEST(test_webeid_verify_needs_challenge_and_origin)
{
	char *text = good_token(k.p256, p256_cert, "ES256");
	struct webeid_token t;

	ck_assert_err(check_at(text, ORIGIN, ""), KALIT_ERR_CHALLENGE_UNKNOWN);
	ck_assert_err(check_at(text, ORIGIN, NULL),
	    KALIT_ERR_CHALLENGE_UNKNOWN);
	ck_assert_err(check_at(text, NULL, CHALLENGE), KALIT_ERR_CONFIG);
	ck_assert_err(check_at(text, "https://login.kalit.example:443",
	    CHALLENGE), KALIT_ERR_CONFIG);
	/* A token that was not parsed. */
	memset(&t, 0, sizeof(t));
	ck_assert_err(webeid_verify(&t, ORIGIN, CHALLENGE, NULL),
	    KALIT_ERR_INTERNAL);
	free(text);
}
END_TEST

START_TEST(test_webeid_alg_names)
{
	ck_assert_str_eq(jwa_alg_name(JWA_ES256), "ES256");
	ck_assert_str_eq(jwa_alg_name(JWA_PS384), "PS384");
	ck_assert_str_eq(jwa_alg_name(JWA_RS512), "RS512");
	ck_assert_str_eq(jwa_alg_name(JWA__MAX), "?");
	ck_assert_str_eq(kalit_errname(KALIT_ERR_WEBEID_FORMAT),
	    "webeid_format_unsupported");
}
END_TEST

static Suite *
webeid_suite(void)
{
	Suite *s = suite_create("webeid");
	TCase *tc = tcase_create("verify");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_webeid_p256_es256_round_trip);
	tcase_add_test(tc, test_webeid_p384_es384_p521_es512_round_trip);
	tcase_add_test(tc, test_webeid_rsa_rs256_ps256_round_trip);
	tcase_add_test(tc, test_webeid_development_origins_verify);
	tcase_add_test(tc, test_webeid_signature_over_other_origin_refused);
	tcase_add_test(tc, test_webeid_signature_over_other_challenge_refused);
	tcase_add_test(tc, test_webeid_origin_trailing_slash_refused);
	tcase_add_test(tc, test_webeid_order_swapped_refused);
	tcase_add_test(tc, test_webeid_signature_by_other_key_refused);
	tcase_add_test(tc, test_webeid_ecdsa_wrong_length_refused);
	tcase_add_test(tc, test_webeid_ecdsa_zero_and_flipped_refused);
	tcase_add_test(tc, test_webeid_rsa_padding_must_match_algorithm);
	tcase_add_test(tc, test_webeid_rsa_signature_length_is_the_modulus);
	tcase_add_test(tc, test_webeid_algorithm_not_matching_key_refused);
	tcase_add_test(tc, test_webeid_rsa_key_under_2048_bits_refused);
	tcase_add_test(tc, test_webeid_verify_needs_challenge_and_origin);
	suite_add_tcase(s, tc);
	tc = tcase_create("parse");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_webeid_unknown_algorithm_refused);
	tcase_add_test(tc, test_webeid_length_limits);
	tcase_add_test(tc, test_webeid_not_json_refused);
	tcase_add_test(tc, test_webeid_duplicate_members_refused);
	tcase_add_test(tc, test_webeid_unknown_members_ignored);
	tcase_add_test(tc, test_webeid_format_versions);
	tcase_add_test(tc, test_webeid_bad_base64_refused);
	tcase_add_test(tc, test_webeid_certificate_must_be_one_der);
	tcase_add_test(tc, test_webeid_sizes_capped);
	tcase_add_test(tc, test_webeid_app_version_optional_string);
	tcase_add_test(tc, test_webeid_intermediates_handed_back);
	tcase_add_test(tc, test_webeid_origin_check);
	tcase_add_test(tc, test_webeid_alg_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_webeid", -1);
	return tu_run(webeid_suite());
}
