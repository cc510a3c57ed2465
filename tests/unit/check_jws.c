/* check_jws.c: JWS client assertions with x5c: what verifies, what not */
#include "config.h"

#include "testutil.h"
#include "testjose.h"
#include "base64.h"
#include "jws.h"
#include "log.h"

#include <jansson.h>

/* An RFC 7523 client assertion's claims. */
#define CLAIMS	"{\"iss\":\"portal\",\"sub\":\"portal\"," \
		"\"aud\":\"https://login.kalit.example/oidc/token\"," \
		"\"jti\":\"6d3c1f0e-2b5a-4c8e-9f7d-1a2b3c4d5e6f\"," \
		"\"exp\":1767225600}"

static struct tj_keys k;
static X509 *ca, *p256_cert, *p256b_cert, *p384_cert, *p521_cert,
    *rsa_cert, *rsa1024_cert, *leaf_cert;
static X509 *padded_cert;	/* k.p256's, its base64 ending in '=' */
static EVP_PKEY *ca_key;

/* A certificate for k.p256 whose DER is not a multiple of 3 bytes. */
static X509 *
padded(void)
{
	X509 *x;
	int i;

	for (i = 0; i < 64; i++) {
		x = tj_cert(k.p256, "portal", NULL, NULL);
		if (i2d_X509(x, NULL) % 3 != 0)
			return x;
		X509_free(x);
	}
	ck_abort_msg("no certificate of a length base64 pads");
	return NULL;
}

/* Once per test case: RSA keys take long to make. */
static void
setup(void)
{
	tj_keys_init(&k);
	tu_make_ca(KEY_TYPE_P256, "JWS Test CA", &ca, &ca_key);
	p256_cert = tj_cert(k.p256, "portal", NULL, NULL);
	p256b_cert = tj_cert(k.p256b, "portal", NULL, NULL);
	p384_cert = tj_cert(k.p384, "portal", NULL, NULL);
	p521_cert = tj_cert(k.p521, "portal", NULL, NULL);
	rsa_cert = tj_cert(k.rsa, "portal", NULL, NULL);
	rsa1024_cert = tj_cert(k.rsa1024, "portal", NULL, NULL);
	leaf_cert = tj_cert(k.p256, "portal", ca, ca_key);
	padded_cert = padded();
}

static void
teardown(void)
{
	X509_free(ca);
	X509_free(p256_cert);
	X509_free(p256b_cert);
	X509_free(p384_cert);
	X509_free(p521_cert);
	X509_free(rsa_cert);
	X509_free(rsa1024_cert);
	X509_free(leaf_cert);
	X509_free(padded_cert);
	EVP_PKEY_free(ca_key);
	tj_keys_free(&k);
}

/* base64url of len bytes; caller frees. */
static char *
b64url(const void *in, size_t len)
{
	char *out = malloc(BASE64_URL_LEN(len) + 1);

	ck_assert_ptr_nonnull(out);
	base64_url_encode(in, len, out);
	return out;
}

/*
 * The compact JWS of header and payload (text) signed by key as alg
 * says, how may be NULL (testjose.h); caller frees.
 */
static char *
make(const char *header, const char *payload, EVP_PKEY *key,
    const char *alg, const struct tj_how *how)
{
	char *h = b64url(header, strlen(header));
	char *p = b64url(payload, strlen(payload));
	char *tbs = tu_fmt("%s.%s", h, p), *s, *jws;
	unsigned char sig[1024];
	size_t n = tj_sign(key, alg, tbs, strlen(tbs), how, sig);

	s = b64url(sig, n);
	jws = tu_fmt("%s.%s", tbs, s);
	free(h);
	free(p);
	free(tbs);
	free(s);
	return jws;
}

/* {"alg":alg,"typ":"JWT","x5c":[cert]}; caller releases it. */
static json_t *
header(const char *alg, X509 *cert)
{
	char *c = tj_cert_b64(cert);
	json_t *h = json_pack("{s:s, s:s, s:[s]}", "alg", alg, "typ", "JWT",
	    "x5c", c);

	ck_assert_ptr_nonnull(h);
	free(c);
	return h;
}

/* make() of the header h (released here) over CLAIMS. */
static char *
make_json(json_t *h, EVP_PKEY *key, const char *alg,
    const struct tj_how *how)
{
	char *text = json_dumps(h, JSON_COMPACT), *jws;

	ck_assert_ptr_nonnull(text);
	json_decref(h);
	jws = make(text, CLAIMS, key, alg, how);
	free(text);
	return jws;
}

/* An assertion as a client makes it: alg, x5c of cert, signed by key. */
static char *
good(EVP_PKEY *key, X509 *cert, const char *alg)
{
	return make_json(header(alg, cert), key, alg, NULL);
}

/*
 * jws_x5c_verify() of len bytes of jws: a refusal says why and leaves
 * the result zeroed, an acceptance has a certificate and claims.
 */
static int
check_len(const char *jws, size_t len)
{
	static const struct jws_x5c zero;
	struct jws_x5c j;
	const char *why = "unset";
	int r;

	r = jws_x5c_verify(jws, len, NULL, &j, &why);
	if (r == KALIT_OK) {
		ck_assert_ptr_null(why);
		ck_assert_ptr_nonnull(j.cert);
		ck_assert(json_is_object(j.claims));
	} else {
		ck_assert_ptr_nonnull(why);
		ck_assert_mem_eq(&j, &zero, sizeof(j));
	}
	jws_x5c_clear(&j);
	return r;
}

static int
check(const char *jws)
{
	return check_len(jws, strlen(jws));
}

/* check() of jws, which it frees. */
static int
check_free(char *jws)
{
	int r = check(jws);

	free(jws);
	return r;
}

/* check() of an ES256 assertion by k.p256 whose header is h (released). */
static int
check_header(json_t *h)
{
	return check_free(make_json(h, k.p256, "ES256", NULL));
}

/* An ES256 header of p256_cert with member set to v (stolen). */
static json_t *
header_with(const char *member, json_t *v)
{
	json_t *h = header("ES256", p256_cert);

	ck_assert_int_eq(json_object_set_new(h, member, v), 0);
	return h;
}

/* check() of an ES256 assertion by k.p256 with header and payload text. */
static int
check_texts(const char *h, const char *payload)
{
	return check_free(make(h, payload, k.p256, "ES256", NULL));
}

START_TEST(test_jws_es256_verifies_and_gives_claims)
{
	char *jws = good(k.p256, p256_cert, "ES256");
	struct jws_x5c j;
	const char *why = "unset";

	ck_assert_err(jws_x5c_verify(jws, strlen(jws), NULL, &j, &why),
	    KALIT_OK);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(j.alg, JWA_ES256);
	ck_assert_int_eq(X509_cmp(j.cert, p256_cert), 0);
	ck_assert_ptr_null(j.extra);
	ck_assert_str_eq(json_string_value(json_object_get(j.claims, "iss")),
	    "portal");
	ck_assert_int_eq(json_integer_value(json_object_get(j.claims, "exp")),
	    1767225600);
	ck_assert_int_eq(j.claims->refcount, 1);
	jws_x5c_clear(&j);
	ck_assert_ptr_null(j.cert);
	ck_assert_ptr_null(j.claims);
	jws_x5c_clear(&j);		/* twice is harmless */
	free(jws);
}
END_TEST

START_TEST(test_jws_every_algorithm_verifies)
{
	static const char *const rsa_algs[] = { "RS256", "RS384", "RS512",
	    "PS256", "PS384", "PS512" };
	size_t i;

	ck_assert_err(check_free(good(k.p384, p384_cert, "ES384")), KALIT_OK);
	ck_assert_err(check_free(good(k.p521, p521_cert, "ES512")), KALIT_OK);
	for (i = 0; i < sizeof(rsa_algs) / sizeof(rsa_algs[0]); i++)
		ck_assert_err(check_free(good(k.rsa, rsa_cert, rsa_algs[i])),
		    KALIT_OK);
}
END_TEST

START_TEST(test_jws_x5c_path_candidates_handed_back)
{
	char *a = tj_cert_b64(ca), *jws;
	json_t *h = header("ES256", leaf_cert);
	struct jws_x5c j;
	int i;

	for (i = 1; i < JWS_X5C_MAX; i++)
		json_array_append_new(json_object_get(h, "x5c"),
		    json_string(a));
	jws = make_json(h, k.p256, "ES256", NULL);
	ck_assert_err(jws_x5c_verify(jws, strlen(jws), NULL, &j, NULL),
	    KALIT_OK);
	ck_assert_int_eq(X509_cmp(j.cert, leaf_cert), 0);
	ck_assert_int_eq(sk_X509_num(j.extra), JWS_X5C_MAX - 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(j.extra, 0), ca), 0);
	jws_x5c_clear(&j);
	ck_assert_ptr_null(j.extra);
	free(jws);
	free(a);
}
END_TEST

/* A cms_certs get() that hands back leaf_cert for its DER, else NULL. */
static X509 *
cached(const unsigned char *der, size_t len, void *arg)
{
	unsigned char *mine = NULL;
	int n = i2d_X509(leaf_cert, &mine), hit;

	hit = n > 0 && (size_t)n == len && memcmp(der, mine, len) == 0;
	OPENSSL_free(mine);
	(*(int *)arg)++;
	return hit && X509_up_ref(leaf_cert) == 1 ? leaf_cert : NULL;
}

START_TEST(test_jws_x5c_through_certs)
{
	char *a = tj_cert_b64(ca), *jws;
	json_t *h = header("ES256", leaf_cert);
	struct cms_certs certs = { cached, NULL };
	struct jws_x5c j;
	int calls = 0;

	certs.arg = &calls;
	json_array_append_new(json_object_get(h, "x5c"), json_string(a));
	jws = make_json(h, k.p256, "ES256", NULL);
	ck_assert_err(jws_x5c_verify(jws, strlen(jws), &certs, &j, NULL),
	    KALIT_OK);
	ck_assert_int_eq(calls, 2);
	ck_assert_ptr_eq(j.cert, leaf_cert);	/* the cache's object */
	ck_assert_int_eq(X509_cmp(sk_X509_value(j.extra, 0), ca), 0);
	jws_x5c_clear(&j);
	free(jws);
	free(a);
}
END_TEST

/*
 * A good ES256 assertion of exactly len bytes, padded by a claim, and by
 * typ for the lengths base64url cannot make; caller frees.
 */
static char *
sized(size_t len)
{
	char *ht, *pad, *claims, *jws;
	size_t t, pl;
	json_t *h;

	for (t = 0;; t++) {
		ck_assert_uint_lt(t, 4);
		h = header_with("typ", json_stringn("JWTxxx", 3 + t));
		ck_assert_ptr_nonnull(ht = json_dumps(h, JSON_COMPACT));
		json_decref(h);
		pl = len - BASE64_URL_LEN(strlen(ht)) - 2 - BASE64_URL_LEN(64);
		if (pl % 4 != 1)
			break;
		free(ht);
	}
	/* The bytes that encode to pl characters, less {"pad":""}. */
	t = pl / 4 * 3 + pl % 4 * 3 / 4 - 10;
	ck_assert_ptr_nonnull(pad = calloc(1, t + 1));
	memset(pad, 'x', t);
	claims = tu_fmt("{\"pad\":\"%s\"}", pad);
	jws = make(ht, claims, k.p256, "ES256", NULL);
	ck_assert_uint_eq(strlen(jws), len);
	free(claims);
	free(pad);
	free(ht);
	return jws;
}

START_TEST(test_jws_too_large_refused)
{
	char *big;

	ck_assert_err(check_free(sized(JWS_MAX)), KALIT_OK);
	ck_assert_err(check_free(sized(JWS_MAX + 1)), KALIT_ERR_TOO_LARGE);
	/* Refused before it is read, whatever it holds. */
	ck_assert_ptr_nonnull(big = malloc(JWS_MAX + 2));
	memset(big, 'A', JWS_MAX + 1);
	big[JWS_MAX + 1] = '\0';
	ck_assert_err(check(big), KALIT_ERR_TOO_LARGE);
	big[JWS_MAX] = '\0';
	ck_assert_err(check(big), KALIT_ERR_MALFORMED);	/* read: one part */
	free(big);
}
END_TEST

START_TEST(test_jws_not_three_parts_refused)
{
	static const char *const bad[] = { "", ".", "..", "...", "a", "a.b",
	    "a.b.c.d", "..c", ".b.c", "a..c", "a.b.", "eyJ9.e30.AAAA." };
	char *jws = good(k.p256, p256_cert, "ES256"), *dot;
	size_t i;

	ck_assert_err(check(jws), KALIT_OK);
	/* Two parts: the signature dropped, or a part's dot. */
	dot = strrchr(jws, '.');
	ck_assert_err(check_len(jws, (size_t)(dot - jws)),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(tu_fmt("%.*s%s", (int)(dot - jws), jws,
	    dot + 1)), KALIT_ERR_MALFORMED);
	/* Four parts: one more, or the signature split. */
	ck_assert_err(check_free(tu_fmt("%s.AAAA", jws)), KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(tu_fmt("%.*s.%s", (int)(dot - jws + 5), jws,
	    dot + 6)), KALIT_ERR_MALFORMED);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_err(check(bad[i]), KALIT_ERR_MALFORMED);
	free(jws);
}
END_TEST

START_TEST(test_jws_bad_base64url_refused)
{
	static const char bad[] = { '+', '/', '=', ' ', '\n', '\0', '*' };
	char *jws = good(k.p256, p256_cert, "ES256"), *h;
	size_t i, hl = strcspn(jws, ".");

	/* A character outside base64url in the header, then the payload. */
	for (i = 0; i < sizeof(bad); i++) {
		h = strdup(jws);
		h[3] = bad[i];
		ck_assert_err(check_len(h, strlen(jws)), KALIT_ERR_MALFORMED);
		h[3] = jws[3];
		h[hl + 3] = bad[i];
		ck_assert_err(check_len(h, strlen(jws)), KALIT_ERR_MALFORMED);
		free(h);
	}
	/* Padded, and of 4n + 1 characters. */
	h = b64url("{\"alg\":\"ES256\"}", 15);
	ck_assert_uint_eq(strlen(h) % 4, 0);
	ck_assert_err(check_free(tu_fmt("%s=%s", h, jws + hl)),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_free(tu_fmt("%sA%s", h, jws + hl)),
	    KALIT_ERR_MALFORMED);
	free(h);
	/* The JSON serialization (RFC 7515 §7.2) is no compact JWS. */
	ck_assert_err(check("{\"payload\":\"e30\",\"protected\":\"e30\","
	    "\"signature\":\"AAAA\"}"), KALIT_ERR_MALFORMED);
	free(jws);
}
END_TEST

START_TEST(test_jws_header_not_object_refused)
{
	static const char *const bad[] = { "[]", "\"ES256\"", "null", "{",
	    "{\"alg\":\"ES256\"}x", "{\"alg\":\"ES256\"}{}" };
	char *c = tj_cert_b64(p256_cert), *h;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_err(check_texts(bad[i], CLAIMS),
		    KALIT_ERR_MALFORMED);
	/* A NUL in a string, escaped. */
	h = tu_fmt("{\"alg\":\"ES256\",\"kid\":\"a\\u0000b\",\"x5c\":[\"%s\"]}",
	    c);
	ck_assert_err(check_texts(h, CLAIMS), KALIT_ERR_MALFORMED);
	free(h);
	free(c);
}
END_TEST

START_TEST(test_jws_duplicate_member_refused)
{
	char *c = tj_cert_b64(p256_cert), *h;

	h = tu_fmt("{\"alg\":\"ES256\",\"x5c\":[\"%s\"]}", c);
	ck_assert_err(check_texts(h, CLAIMS), KALIT_OK);
	free(h);
	h = tu_fmt("{\"alg\":\"ES256\",\"alg\":\"ES256\",\"x5c\":[\"%s\"]}",
	    c);
	ck_assert_err(check_texts(h, CLAIMS), KALIT_ERR_MALFORMED);
	free(h);
	h = tu_fmt("{\"alg\":\"ES256\",\"x5c\":[\"%s\"],\"x5c\":[\"%s\"]}", c,
	    c);
	ck_assert_err(check_texts(h, CLAIMS), KALIT_ERR_MALFORMED);
	free(h);
	h = tu_fmt("{\"alg\":\"ES256\",\"x\":{\"a\":1,\"a\":1},"
	    "\"x5c\":[\"%s\"]}", c);
	ck_assert_err(check_texts(h, CLAIMS), KALIT_ERR_MALFORMED);
	free(h);
	free(c);
}
END_TEST

START_TEST(test_jws_alg_none_refused)
{
	char *h = b64url("{\"alg\":\"none\"}", 14);
	char *p = b64url(CLAIMS, strlen(CLAIMS));

	/* An unsecured JWS has an empty signature part. */
	ck_assert_err(check_free(tu_fmt("%s.%s.", h, p)), KALIT_ERR_MALFORMED);
	/* With one, and even with x5c: none is no algorithm here. */
	ck_assert_err(check_free(tu_fmt("%s.%s.AAAA", h, p)),
	    KALIT_ERR_SIG_ALGORITHM);
	ck_assert_err(check_header(header("none", p256_cert)),
	    KALIT_ERR_SIG_ALGORITHM);
	free(h);
	free(p);
}
END_TEST

START_TEST(test_jws_hs256_and_unknown_refused)
{
	static const char *const bad[] = { "HS256", "HS384", "HS512",
	    "EdDSA", "ES256K", "es256", "ES256 ", "None", "" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_err(check_header(header(bad[i], p256_cert)),
		    KALIT_ERR_SIG_ALGORITHM);
	/* Not a string, or none: a malformed header. */
	ck_assert_err(check_header(header_with("alg", json_integer(256))),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_header(header_with("alg", json_null())),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_texts("{\"x5c\":[]}", CLAIMS),
	    KALIT_ERR_MALFORMED);
}
END_TEST

START_TEST(test_jws_alg_key_mismatch_refused)
{
	/* ES256 named, signed by a P-384 key whose certificate is in x5c. */
	ck_assert_err(check_free(make_json(header("ES256", p384_cert), k.p384,
	    "ES384", NULL)), KALIT_ERR_SIG_ALGORITHM);
	ck_assert_err(check_free(make_json(header("RS256", p256_cert), k.p256,
	    "ES256", NULL)), KALIT_ERR_SIG_ALGORITHM);
	ck_assert_err(check_free(make_json(header("ES256", rsa_cert), k.rsa,
	    "RS256", NULL)), KALIT_ERR_SIG_ALGORITHM);
	/* RSA under 2048 bits. */
	ck_assert_err(check_free(good(k.rsa1024, rsa1024_cert, "RS256")),
	    KALIT_ERR_CERT_KEY_WEAK);
}
END_TEST

/* cert's DER with extra bytes after it, as x5c would hold it. */
static char *
der_plus(X509 *cert, const unsigned char *extra, size_t len)
{
	unsigned char *der = NULL, *buf;
	int n = i2d_X509(cert, &der);
	char *s;

	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(buf = malloc((size_t)n + len));
	memcpy(buf, der, (size_t)n);
	memcpy(buf + n, extra, len);
	s = tj_b64(buf, (size_t)n + len);
	free(buf);
	OPENSSL_free(der);
	return s;
}

/* check_header() of an ES256 header whose x5c is v (stolen). */
static int
check_x5c(json_t *v)
{
	return check_header(header_with("x5c", v));
}

START_TEST(test_jws_x5c_shape_refused)
{
	char *c = tj_cert_b64(p256_cert);
	json_t *h = header("ES256", p256_cert), *six;
	int i;

	ck_assert_int_eq(json_object_del(h, "x5c"), 0);
	ck_assert_err(check_header(h), KALIT_ERR_MALFORMED);	/* missing */
	ck_assert_err(check_x5c(json_array()), KALIT_ERR_MALFORMED);
	ck_assert_err(check_x5c(json_string(c)), KALIT_ERR_MALFORMED);
	ck_assert_err(check_x5c(json_null()), KALIT_ERR_MALFORMED);
	ck_assert_err(check_x5c(json_pack("[i]", 1)), KALIT_ERR_MALFORMED);
	ck_assert_err(check_x5c(json_pack("[s]", "")), KALIT_ERR_MALFORMED);
	ck_assert_err(check_x5c(json_pack("[s,n]", c)), KALIT_ERR_MALFORMED);
	/* Six certificates, one over JWS_X5C_MAX: refused, five taken. */
	six = json_array();
	for (i = 0; i <= JWS_X5C_MAX; i++)
		json_array_append_new(six, json_string(c));
	ck_assert_err(check_x5c(json_incref(six)), KALIT_ERR_TOO_LARGE);
	json_array_remove(six, 0);
	ck_assert_err(check_x5c(six), KALIT_OK);
	free(c);
}
END_TEST

/* check() of an ES256 assertion by k.p256 whose x5c is [b64]. */
static int
check_x5c_text(const char *b64)
{
	return check_x5c(json_pack("[s]", b64));
}

START_TEST(test_jws_x5c_encoding_refused)
{
	char *c = tj_cert_b64(padded_cert), *u, *q;
	size_t i, len = strlen(c);

	ck_assert_err(check_x5c_text(c), KALIT_OK);
	ck_assert_err(check_x5c_text("not base64!"), KALIT_ERR_ENCODING);
	/* base64url: '-' and '_' for '+' and '/', and no padding. */
	u = strdup(c);
	for (i = 0; i < len; i++)
		u[i] = u[i] == '+' ? '-' : u[i] == '/' ? '_' : u[i];
	ck_assert_str_ne(u, c);
	ck_assert_err(check_x5c_text(u), KALIT_ERR_ENCODING);
	u[strcspn(u, "=")] = '\0';
	ck_assert_err(check_x5c_text(u), KALIT_ERR_ENCODING);
	/* The standard alphabet without its padding. */
	memcpy(u, c, len);
	u[strcspn(u, "=")] = '\0';
	ck_assert_err(check_x5c_text(u), KALIT_ERR_ENCODING);
	free(u);
	/* A line break, as PEM has every 64 characters; a blank. */
	q = tu_fmt("%.64s\n%s", c, c + 64);
	ck_assert_err(check_x5c_text(q), KALIT_ERR_ENCODING);
	free(q);
	q = tu_fmt(" %s", c);
	ck_assert_err(check_x5c_text(q), KALIT_ERR_ENCODING);
	free(q);
	free(c);
}
END_TEST

START_TEST(test_jws_x5c_noncanonical_refused)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *c = tj_cert_b64(padded_cert);
	size_t len = strlen(c), at;

	/*
	 * The character before the padding carries bits past the DER's
	 * last byte, zero in the one spelling; set the lowest of them.
	 * EVP_DecodeBlock() reads the same certificate from it.
	 */
	ck_assert_int_eq(c[len - 1], '=');
	at = len - (c[len - 2] == '=' ? 3 : 2);
	c[at] = alphabet[strchr(alphabet, c[at]) - alphabet + 1];
	ck_assert_err(check_x5c_text(c), KALIT_ERR_ENCODING);
	free(c);
}
END_TEST

START_TEST(test_jws_x5c_not_one_der_refused)
{
	static const unsigned char zero[] = { 0 };
	unsigned char *der = NULL, *big;
	int n = i2d_X509(p256_cert, &der);
	char *c;

	ck_assert_int_gt(n, 0);
	/* A byte after the DER; a second certificate after it. */
	c = der_plus(p256_cert, zero, 1);
	ck_assert_err(check_x5c_text(c), KALIT_ERR_MALFORMED);
	free(c);
	c = der_plus(p256_cert, der, (size_t)n);
	ck_assert_err(check_x5c_text(c), KALIT_ERR_MALFORMED);
	free(c);
	/* Truncated; not a certificate; over JWS_CERT_MAX bytes. */
	c = tj_b64(der, (size_t)n - 1);
	ck_assert_err(check_x5c_text(c), KALIT_ERR_MALFORMED);
	free(c);
	ck_assert_err(check_x5c_text("AAAA"), KALIT_ERR_MALFORMED);
	ck_assert_ptr_nonnull(big = calloc(1, JWS_CERT_MAX + 1));
	c = tj_b64(big, JWS_CERT_MAX + 1);
	ck_assert_err(check_x5c_text(c), KALIT_ERR_TOO_LARGE);
	free(c);
	free(big);
	OPENSSL_free(der);
}
END_TEST

START_TEST(test_jws_other_key_members_refused)
{
	static const char *const keys[] = { "jwk", "jku", "x5u" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		ck_assert_err(check_header(header_with(keys[i],
		    json_string("https://client.example/keys"))),
		    KALIT_ERR_MALFORMED);
		ck_assert_err(check_header(header_with(keys[i], json_null())),
		    KALIT_ERR_MALFORMED);
	}
	ck_assert_err(check_header(header_with("jwk", json_pack(
	    "{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x", "AAAA",
	    "y", "AAAA"))), KALIT_ERR_MALFORMED);
}
END_TEST

START_TEST(test_jws_crit_and_b64_refused)
{
	ck_assert_err(check_header(header_with("crit", json_pack("[s]",
	    "exp"))), KALIT_ERR_MALFORMED);
	ck_assert_err(check_header(header_with("crit", json_array())),
	    KALIT_ERR_MALFORMED);
	/* RFC 7797: an unencoded payload is not taken; b64 true is as none. */
	ck_assert_err(check_header(header_with("b64", json_false())),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_header(header_with("b64", json_string("true"))),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_header(header_with("b64", json_true())), KALIT_OK);
}
END_TEST

START_TEST(test_jws_typ_any_string)
{
	json_t *h = header("ES256", p256_cert);

	ck_assert_int_eq(json_object_del(h, "typ"), 0);
	ck_assert_err(check_header(h), KALIT_OK);
	ck_assert_err(check_header(header_with("typ",
	    json_string("client-authentication+jwt"))), KALIT_OK);
	ck_assert_err(check_header(header_with("typ", json_string(""))),
	    KALIT_OK);
	ck_assert_err(check_header(header_with("typ", json_integer(1))),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_header(header_with("typ", json_null())),
	    KALIT_ERR_MALFORMED);
	/* Members this does not know are ignored. */
	ck_assert_err(check_header(header_with("kid", json_string("k1"))),
	    KALIT_OK);
	ck_assert_err(check_header(header_with("x5t", json_string("?"))),
	    KALIT_OK);
}
END_TEST

/* The base64url SHA-256 of cert's DER, as x5t#S256 holds it. */
static json_t *
x5t(X509 *cert)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n;
	char *s;
	json_t *v;

	ck_assert_int_eq(X509_digest(cert, EVP_sha256(), md, &n), 1);
	s = b64url(md, n);
	v = json_string(s);
	free(s);
	return v;
}

START_TEST(test_jws_x5t_s256_must_match)
{
	json_t *v = x5t(p256_cert);
	char *padded = tu_fmt("%s=", json_string_value(v));

	ck_assert_err(check_header(header_with("x5t#S256", v)), KALIT_OK);
	ck_assert_err(check_header(header_with("x5t#S256", x5t(p384_cert))),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_header(header_with("x5t#S256",
	    json_string(padded))), KALIT_ERR_MALFORMED);
	ck_assert_err(check_header(header_with("x5t#S256", json_string(""))),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(check_header(header_with("x5t#S256", json_null())),
	    KALIT_ERR_MALFORMED);
	free(padded);
}
END_TEST

START_TEST(test_jws_signature_by_other_key_refused)
{
	/* x5c names p256_cert; k.p256b signs. */
	ck_assert_err(check_free(good(k.p256b, p256_cert, "ES256")),
	    KALIT_ERR_SIGNATURE);
	ck_assert_err(check_free(good(k.p256b, p256b_cert, "ES256")),
	    KALIT_OK);
}
END_TEST

START_TEST(test_jws_tampered_refused)
{
	char *jws = good(k.p256, p256_cert, "ES256"), *t, *h;
	char *p = b64url("{\"iss\":\"evil\"}", 14);
	json_t *hj = header_with("typ", json_string("jwt"));
	size_t hl = strcspn(jws, "."), pl = strcspn(jws + hl + 1, ".");

	/* Another payload under the signature; another header. */
	t = tu_fmt("%.*s.%s%s", (int)hl, jws, p, jws + hl + 1 + pl);
	ck_assert_err(check_free(t), KALIT_ERR_SIGNATURE);
	ck_assert_ptr_nonnull(t = json_dumps(hj, JSON_COMPACT));
	h = b64url(t, strlen(t));
	free(t);
	t = tu_fmt("%s%s", h, jws + hl);
	ck_assert_err(check_free(t), KALIT_ERR_SIGNATURE);
	/* One character of the signature. */
	t = strdup(jws);
	t[strlen(t) - 5] = t[strlen(t) - 5] == 'A' ? 'B' : 'A';
	ck_assert_err(check_free(t), KALIT_ERR_SIGNATURE);
	json_decref(hj);
	free(h);
	free(p);
	free(jws);
}
END_TEST

START_TEST(test_jws_signature_part_refused)
{
	char *jws = good(k.p256, p256_cert, "ES256"), *t;
	size_t body = (size_t)(strrchr(jws, '.') - jws);
	unsigned char big[JWA_SIG_MAX + 1] = { 0 };
	char *s = b64url(big, sizeof(big));

	t = tu_fmt("%.*s.%s=", (int)body, jws, strrchr(jws, '.') + 1);
	ck_assert_err(check_free(t), KALIT_ERR_MALFORMED);
	t = tu_fmt("%.*s.A", (int)body, jws);
	ck_assert_err(check_free(t), KALIT_ERR_MALFORMED);
	t = tu_fmt("%.*s.%s", (int)body, jws, s);
	ck_assert_err(check_free(t), KALIT_ERR_TOO_LARGE);
	s[BASE64_URL_LEN(JWA_SIG_MAX)] = '\0';
	t = tu_fmt("%.*s.%s", (int)body, jws, s);
	ck_assert_err(check_free(t), KALIT_ERR_SIGNATURE);	/* length */
	free(s);
	free(jws);
}
END_TEST

START_TEST(test_jws_der_ecdsa_refused)
{
	static const struct tj_how der = { .der = 1 };

	ck_assert_err(check_free(make_json(header("ES256", p256_cert), k.p256,
	    "ES256", &der)), KALIT_ERR_SIGNATURE);
	ck_assert_err(check_free(make_json(header("ES384", p384_cert), k.p384,
	    "ES384", &der)), KALIT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_jws_payload_not_object_refused)
{
	static const char *const bad[] = { "[]", "\"portal\"", "1", "{",
	    "{\"iss\":\"portal\"}x", "{\"iss\":\"portal\",\"iss\":\"x\"}",
	    "{\"iss\":\"port\\u0000al\"}", "{\"a\":{\"b\":1,\"b\":2}}" };
	char *c = tj_cert_b64(p256_cert);
	char *h = tu_fmt("{\"alg\":\"ES256\",\"x5c\":[\"%s\"]}", c);
	size_t i;

	ck_assert_err(check_texts(h, CLAIMS), KALIT_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_err(check_texts(h, bad[i]), KALIT_ERR_MALFORMED);
	free(h);
	free(c);
}
END_TEST

START_TEST(test_jws_payload_read_only_after_signature)
{
	char *c = tj_cert_b64(p256_cert);
	char *h = tu_fmt("{\"alg\":\"ES256\",\"x5c\":[\"%s\"]}", c);

	/* Not an object, and signed by another key: the signature decides. */
	ck_assert_err(check_free(make(h, "[]", k.p256b, "ES256", NULL)),
	    KALIT_ERR_SIGNATURE);
	free(h);
	/* alg before x5c, and the header before the signature. */
	ck_assert_err(check_texts("{\"alg\":\"none\"}", "[]"),
	    KALIT_ERR_SIG_ALGORITHM);
	ck_assert_err(check_texts("{\"alg\":\"ES256\",\"crit\":[]}", "[]"),
	    KALIT_ERR_MALFORMED);
	free(c);
}
END_TEST

START_TEST(test_jws_clear_takes_zeroed)
{
	struct jws_x5c j;

	memset(&j, 0, sizeof(j));
	jws_x5c_clear(&j);
	ck_assert_ptr_null(j.cert);
}
END_TEST

static Suite *
jws_suite(void)
{
	Suite *s = suite_create("jws");
	TCase *tc = tcase_create("verify");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_jws_es256_verifies_and_gives_claims);
	tcase_add_test(tc, test_jws_every_algorithm_verifies);
	tcase_add_test(tc, test_jws_x5c_path_candidates_handed_back);
	tcase_add_test(tc, test_jws_x5c_through_certs);
	tcase_add_test(tc, test_jws_signature_by_other_key_refused);
	tcase_add_test(tc, test_jws_tampered_refused);
	tcase_add_test(tc, test_jws_signature_part_refused);
	tcase_add_test(tc, test_jws_der_ecdsa_refused);
	tcase_add_test(tc, test_jws_alg_key_mismatch_refused);
	tcase_add_test(tc, test_jws_payload_not_object_refused);
	tcase_add_test(tc, test_jws_payload_read_only_after_signature);
	suite_add_tcase(s, tc);
	tc = tcase_create("parse");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_jws_too_large_refused);
	tcase_add_test(tc, test_jws_not_three_parts_refused);
	tcase_add_test(tc, test_jws_bad_base64url_refused);
	tcase_add_test(tc, test_jws_header_not_object_refused);
	tcase_add_test(tc, test_jws_duplicate_member_refused);
	tcase_add_test(tc, test_jws_alg_none_refused);
	tcase_add_test(tc, test_jws_hs256_and_unknown_refused);
	tcase_add_test(tc, test_jws_x5c_shape_refused);
	tcase_add_test(tc, test_jws_x5c_encoding_refused);
	tcase_add_test(tc, test_jws_x5c_noncanonical_refused);
	tcase_add_test(tc, test_jws_x5c_not_one_der_refused);
	tcase_add_test(tc, test_jws_other_key_members_refused);
	tcase_add_test(tc, test_jws_crit_and_b64_refused);
	tcase_add_test(tc, test_jws_typ_any_string);
	tcase_add_test(tc, test_jws_x5t_s256_must_match);
	tcase_add_test(tc, test_jws_clear_takes_zeroed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_jws", -1);
	return tu_run(jws_suite());
}
