/* webeid.c: Web eID authentication tokens: parsing and their signature */
#include "config.h"

#include "webeid.h"
#include "base64.h"
#include "err.h"
#include "identity.h"
#include "log.h"
#include "x509.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#define RSA_BITS_MIN	2048		/* RFC 7518 §3.3 and §3.5 */
#define FORMAT_MAJOR	"web-eid:1"
#define MINOR_DIGITS	9		/* as the Java validator has it */

enum alg_kind { KIND_ECDSA, KIND_PSS, KIND_PKCS1 };

/* Indexed by enum webeid_alg. */
static const struct alg_info {
	const char	*name;
	enum alg_kind	 kind;
	const EVP_MD	*(*md)(void);
	int		 curve;		/* NID of the named curve (ECDSA) */
	size_t		 half;		/* bytes of r and of s (ECDSA) */
	const char	*key_why;	/* when the key does not fit */
} algs[WEBEID__MAX] = {
	{ "ES256", KIND_ECDSA, EVP_sha256, NID_X9_62_prime256v1, 32,
	    "ES256 needs an EC key on P-256" },
	{ "ES384", KIND_ECDSA, EVP_sha384, NID_secp384r1, 48,
	    "ES384 needs an EC key on P-384" },
	{ "ES512", KIND_ECDSA, EVP_sha512, NID_secp521r1, 66,
	    "ES512 needs an EC key on P-521" },
	{ "PS256", KIND_PSS, EVP_sha256, 0, 0, "PS256 needs an RSA key" },
	{ "PS384", KIND_PSS, EVP_sha384, 0, 0, "PS384 needs an RSA key" },
	{ "PS512", KIND_PSS, EVP_sha512, 0, 0, "PS512 needs an RSA key" },
	{ "RS256", KIND_PKCS1, EVP_sha256, 0, 0, "RS256 needs an RSA key" },
	{ "RS384", KIND_PKCS1, EVP_sha384, 0, 0, "RS384 needs an RSA key" },
	{ "RS512", KIND_PKCS1, EVP_sha512, 0, 0, "RS512 needs an RSA key" },
};

/* The base64 members, and why each is refused, by enum kalit_err. */
enum member { M_SIG, M_CERT, M_INTERMEDIATE };
#define MEMBER_WHY(m) {							\
	m " is missing, empty or not a string",				\
	m " is not padded standard base64 (RFC 4648 section 4)",	\
	m " is too large",						\
	m " is not one DER certificate with nothing after it" }
static const char *const member_why[][4] = {
	MEMBER_WHY("signature"),
	MEMBER_WHY("unverifiedCertificate"),
	MEMBER_WHY("an unverifiedIntermediateCertificates element"),
};

const char *
webeid_alg_name(enum webeid_alg alg)
{
	return (unsigned int)alg < WEBEID__MAX ? algs[alg].name : "?";
}

/*
 * Standard base64 as the Web eID app writes it (Qt's toBase64() with
 * KeepTrailingEquals), canonical: base64_decode_canonical(). At most max
 * bytes, refused before anything is allocated. Caller frees *outp with
 * free().
 */
static int
b64_decode(const json_t *v, size_t max, unsigned char **outp, size_t *lenp)
{
	const char *in = json_string_value(v);
	size_t len = json_string_length(v);
	int r;

	*outp = NULL;
	*lenp = 0;
	if (in == NULL || len == 0)
		return KALIT_ERR_MALFORMED;
	if ((r = base64_decode_canonical(in, len, max, outp, lenp)) ==
	    KALIT_ERR_MALFORMED)
		r = KALIT_ERR_ENCODING;
	return r;
}

/* b64_decode() of member m, *whyp saying why it failed. */
static int
b64_member(const json_t *v, enum member m, size_t max, unsigned char **outp,
    size_t *lenp, const char **whyp)
{
	int r = b64_decode(v, max, outp, lenp);

	if (r == KALIT_ERR_MALFORMED)
		*whyp = member_why[m][0];
	else if (r == KALIT_ERR_ENCODING)
		*whyp = member_why[m][1];
	else if (r == KALIT_ERR_TOO_LARGE)
		*whyp = member_why[m][2];
	else if (r != KALIT_OK)
		*whyp = "out of memory";
	return r;
}

/*
 * One DER certificate of member m, made an X509 by certs (may be NULL) or
 * parsed here; caller frees *certp with X509_free().
 */
static int
cert_member(const json_t *v, enum member m, const struct cms_certs *certs,
    X509 **certp, const char **whyp)
{
	unsigned char *der;
	size_t len;
	void *x;
	int r;

	*certp = NULL;
	if ((r = b64_member(v, m, WEBEID_CERT_MAX, &der, &len, whyp)) !=
	    KALIT_OK)
		return r;
	if (certs != NULL && (x = certs->get(der, len, certs->arg)) != NULL)
		;
	else if (x509_d2i_exact(ASN1_ITEM_rptr(X509), NULL, der, len,
	    WEBEID_CERT_MAX, &x) != KALIT_OK) {
		free(der);
		*whyp = member_why[m][3];
		return KALIT_ERR_MALFORMED;
	}
	free(der);
	*certp = x;
	return KALIT_OK;
}

/*
 * "web-eid:1" or "web-eid:1.<minor>", minor 0 or up to MINOR_DIGITS
 * digits without a leading zero: one spelling per version, as
 * web-eid-authtoken-validation-java's AuthTokenVersion has it.
 */
static int
parse_format(const json_t *v, struct webeid_token *t, const char **whyp)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), n = sizeof(FORMAT_MAJOR) - 1, i;
	unsigned long minor = 0;

	if (s == NULL) {
		*whyp = "format is missing or not a string";
		return KALIT_ERR_MALFORMED;
	}
	*whyp = "format is not web-eid:1 or web-eid:1.<minor>";
	if (len < n || memcmp(s, FORMAT_MAJOR, n) != 0)
		return KALIT_ERR_WEBEID_FORMAT;
	if (len > n) {
		if (s[n] != '.' || len - n - 1 < 1 ||
		    len - n - 1 > MINOR_DIGITS ||
		    (s[n + 1] == '0' && len - n - 1 > 1))
			return KALIT_ERR_WEBEID_FORMAT;
		for (i = n + 1; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return KALIT_ERR_WEBEID_FORMAT;
			minor = minor * 10 + (unsigned long)(s[i] - '0');
		}
	}
	t->minor = minor;
	return KALIT_OK;
}

static int
parse_alg(const json_t *v, struct webeid_token *t, const char **whyp)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	unsigned int i;

	if (s == NULL) {
		*whyp = "algorithm is missing or not a string";
		return KALIT_ERR_MALFORMED;
	}
	for (i = 0; i < WEBEID__MAX; i++)
		if (strlen(algs[i].name) == len &&
		    memcmp(algs[i].name, s, len) == 0) {
			t->alg = (enum webeid_alg)i;
			return KALIT_OK;
		}
	*whyp = "algorithm is not one of ES256 ES384 ES512 PS256 PS384 PS512 "
	    "RS256 RS384 RS512";
	return KALIT_ERR_SIG_ALGORITHM;
}

/* Informational: kept only to be logged. */
static int
parse_app_version(const json_t *v, struct webeid_token *t, const char **whyp)
{
	size_t len;

	if (v == NULL)
		return KALIT_OK;
	if (!json_is_string(v)) {
		*whyp = "appVersion is not a string";
		return KALIT_ERR_MALFORMED;
	}
	if ((len = json_string_length(v)) > WEBEID_APP_VERSION_MAX) {
		*whyp = "appVersion is too large";
		return KALIT_ERR_TOO_LARGE;
	}
	memcpy(t->app_version, json_string_value(v), len);
	t->app_version[len] = '\0';
	return KALIT_OK;
}

/* web-eid:1.1's untrusted intermediates: candidates for the path only. */
static int
parse_intermediates(const json_t *v, const struct cms_certs *certs,
    struct webeid_token *t, const char **whyp)
{
	size_t i;
	X509 *x;
	int r;

	if (v == NULL)
		return KALIT_OK;
	if (!json_is_array(v)) {
		*whyp = "unverifiedIntermediateCertificates is not an array";
		return KALIT_ERR_MALFORMED;
	}
	if (json_array_size(v) > WEBEID_INTERMEDIATES_MAX) {
		*whyp = "unverifiedIntermediateCertificates has too many "
		    "elements";
		return KALIT_ERR_TOO_LARGE;
	}
	if (json_array_size(v) == 0)
		return KALIT_OK;
	if ((t->intermediates = sk_X509_new_null()) == NULL) {
		*whyp = "out of memory";
		return KALIT_ERR_NOMEM;
	}
	for (i = 0; i < json_array_size(v); i++) {
		if ((r = cert_member(json_array_get(v, i), M_INTERMEDIATE,
		    certs, &x, whyp)) != KALIT_OK)
			return r;
		if (sk_X509_push(t->intermediates, x) == 0) {
			X509_free(x);
			*whyp = "out of memory";
			return KALIT_ERR_NOMEM;
		}
	}
	return KALIT_OK;
}

/* Rule 1 of webeid_parse(): the token's length, before anything else. */
static int
length_ok(size_t len, const char **whyp)
{
	if (len < WEBEID_TOKEN_MIN) {
		*whyp = "the token is shorter than 100 bytes";
		return KALIT_ERR_MALFORMED;
	}
	if (len > WEBEID_TOKEN_MAX) {
		*whyp = "the token is longer than 10000 bytes";
		return KALIT_ERR_TOO_LARGE;
	}
	return KALIT_OK;
}

/* Rules 3 to 7 of webeid_parse(), into *t (zeroed). */
static int
parse_members(const json_t *root, const struct cms_certs *certs,
    struct webeid_token *t, const char **whyp)
{
	int r;

	if (!json_is_object(root)) {
		*whyp = "the token is not one JSON object with each member "
		    "once";
		return KALIT_ERR_MALFORMED;
	}
	if ((r = parse_format(json_object_get(root, "format"), t, whyp)) !=
	    KALIT_OK ||
	    (r = parse_alg(json_object_get(root, "algorithm"), t, whyp)) !=
	    KALIT_OK ||
	    (r = parse_app_version(json_object_get(root, "appVersion"), t,
	    whyp)) != KALIT_OK ||
	    (r = b64_member(json_object_get(root, "signature"), M_SIG,
	    WEBEID_SIG_MAX, &t->sig, &t->sig_len, whyp)) != KALIT_OK ||
	    (r = cert_member(json_object_get(root, "unverifiedCertificate"),
	    M_CERT, certs, &t->cert, whyp)) != KALIT_OK)
		return r;
	return parse_intermediates(json_object_get(root,
	    "unverifiedIntermediateCertificates"), certs, t, whyp);
}

/* What webeid_parse() and webeid_parse_json() leave when r is the end. */
static int
parsed(int r, const char *why, struct webeid_token *t, const char **whyp)
{
	if (r != KALIT_OK)
		webeid_token_clear(t);
	if (whyp != NULL)
		*whyp = r == KALIT_OK ? NULL : why;
	return r;
}

int
webeid_parse(const char *json, size_t len, const struct cms_certs *certs,
    struct webeid_token *t, const char **whyp)
{
	json_t *root = NULL;
	const char *why = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = length_ok(len, &why)) != KALIT_OK)
		return parsed(r, why, t, whyp);
	/* NULL becomes "not an object" there: the same answer */
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	r = parse_members(root, certs, t, &why);
	json_decref(root);
	return parsed(r, why, t, whyp);
}

int
webeid_parse_json(const json_t *root, size_t len,
    const struct cms_certs *certs, struct webeid_token *t, const char **whyp)
{
	const char *why = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = length_ok(len, &why)) == KALIT_OK)
		r = parse_members(root, certs, t, &why);
	return parsed(r, why, t, whyp);
}

void
webeid_token_clear(struct webeid_token *t)
{
	X509_free(t->cert);
	sk_X509_pop_free(t->intermediates, X509_free);
	free(t->sig);
	memset(t, 0, sizeof(*t));
}

/* port: decimal, no leading zero, 1 to 65535; -1 otherwise. */
static long
parse_port(const char *s)
{
	long port = 0;
	size_t i;

	if (s[0] < '1' || s[0] > '9' || strlen(s) > 5)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		port = port * 10 + (s[i] - '0');
	}
	return port <= 65535 ? port : -1;
}

/*
 * Why host is not as a browser writes it in an origin, or NULL: a DNS name
 * in lower case, or an IPv4 address in dotted-quad form (what the URL
 * standard makes of a host whose last label is a number).
 */
static const char *
host_fault(const char *host)
{
	char canon[IDENTITY_DNS_MAX + 1];
	const char *last = strrchr(host, '.');

	last = last != NULL ? last + 1 : host;
	if (*last >= '0' && *last <= '9') {
		if (strlen(host) >= IDENTITY_IP_MAX ||
		    strchr(host, ':') != NULL ||
		    identity_check_ip(host, canon) != KALIT_OK ||
		    strcmp(canon, host) != 0)
			return "the host is not a dotted-quad IPv4 address";
		return NULL;
	}
	if (identity_check_dns(host, canon) != KALIT_OK)
		return "the host is not a DNS name";
	if (strcmp(canon, host) != 0)
		return "the host has capitals; browsers write it in lower case";
	return NULL;
}

int
webeid_origin_check(const char *origin, const char **whyp)
{
	char host[IDENTITY_DNS_MAX + 1];
	const char *h, *colon, *why = NULL;
	long port = 0;
	size_t hlen;
	int https;

	if (origin == NULL || strlen(origin) > WEBEID_ORIGIN_MAX) {
		why = "no origin, or one longer than 267 characters";
		goto out;
	}
	https = strncmp(origin, "https://", 8) == 0;
	if (!https && strncmp(origin, "http://", 7) != 0) {
		why = "the origin does not start with https:// (or http:// "
		    "for development)";
		goto out;
	}
	h = origin + (https ? 8 : 7);
	if (strchr(h, '/') != NULL) {
		why = "an origin has no path, not even a trailing '/'";
		goto out;
	}
	if (strpbrk(h, "?#@[]") != NULL) {
		why = "an origin has no query, fragment, user or IPv6 address";
		goto out;
	}
	colon = strchr(h, ':');
	hlen = colon != NULL ? (size_t)(colon - h) : strlen(h);
	if (hlen == 0 || hlen > IDENTITY_DNS_MAX) {
		why = "the host is empty or longer than 253 characters";
		goto out;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (colon != NULL && (port = parse_port(colon + 1)) < 0) {
		why = "the port is not 1 to 65535 without leading zeros";
		goto out;
	}
	if (port == (https ? 443 : 80)) {
		why = "the scheme's default port, which browsers leave out";
		goto out;
	}
	if (!https && ((strcmp(host, "localhost") != 0 &&
	    strcmp(host, "127.0.0.1") != 0) || port == 0)) {
		why = "http:// is for development only: http://localhost:PORT "
		    "or http://127.0.0.1:PORT";
		goto out;
	}
	why = host_fault(host);
 out:
	if (whyp != NULL)
		*whyp = why;
	return why == NULL ? KALIT_OK : KALIT_ERR_CONFIG;
}

/*
 * Whether key is the kind ai needs, and sig_len the length of its
 * signatures: the length is the algorithm's and the key's, whatever the
 * signature says, so a DER-encoded ECDSA signature or an RSA one short of
 * its leading zeros is refused here.
 */
static int
key_fits(const struct alg_info *ai, EVP_PKEY *key, size_t sig_len,
    const char **whyp)
{
	char group[64];
	int bits, nid = NID_undef;

	if (ai->kind == KIND_ECDSA) {
		/* Only a named curve: explicit parameters have no name. */
		if (EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_group_name(key,
		    group, sizeof(group), NULL) == 1 &&
		    (nid = OBJ_txt2nid(group)) == NID_undef)
			nid = EC_curve_nist2nid(group);	/* "P-256" */
		if (nid != ai->curve) {
			ERR_clear_error();
			*whyp = ai->key_why;
			return KALIT_ERR_SIG_ALGORITHM;
		}
		if (sig_len != 2 * ai->half) {
			*whyp = "the ECDSA signature is not raw r || s of the "
			    "curve's size (DER?)";
			return KALIT_ERR_SIGNATURE;
		}
		return KALIT_OK;
	}
	if (!EVP_PKEY_is_a(key, "RSA")) {
		*whyp = ai->key_why;
		return KALIT_ERR_SIG_ALGORITHM;
	}
	if ((bits = EVP_PKEY_get_bits(key)) < RSA_BITS_MIN) {
		*whyp = "the RSA key is shorter than 2048 bits";
		return KALIT_ERR_CERT_KEY_WEAK;
	}
	if (sig_len != ((size_t)bits + 7) / 8) {
		*whyp = "the RSA signature is not as long as the modulus";
		return KALIT_ERR_SIGNATURE;
	}
	return KALIT_OK;
}

/* Raw r || s (len bytes, halves alike) as an ECDSA-Sig-Value in DER. */
static int
ecdsa_der(const unsigned char *raw, size_t len, unsigned char **derp,
    size_t *lenp)
{
	ECDSA_SIG *sig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int n;

	*derp = NULL;
	if ((sig = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(raw, (int)(len / 2), NULL)) == NULL ||
	    (s = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL)) == NULL ||
	    ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return KALIT_ERR_NOMEM;
	}
	n = i2d_ECDSA_SIG(sig, derp);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return KALIT_ERR_NOMEM;
	*lenp = (size_t)n;
	return KALIT_OK;
}

/* hash(origin) || hash(challenge) into out; its length into *lenp. */
static int
signed_value(const EVP_MD *md, const char *origin, const char *challenge,
    unsigned char out[2 * EVP_MAX_MD_SIZE], size_t *lenp)
{
	unsigned int a, b;

	if (EVP_Digest(origin, strlen(origin), out, &a, md, NULL) != 1 ||
	    EVP_Digest(challenge, strlen(challenge), out + a, &b, md,
	    NULL) != 1) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_Digest");
		return KALIT_ERR_INTERNAL;
	}
	*lenp = (size_t)a + b;
	return KALIT_OK;
}

/* EVP_DigestVerify of sig over tbs with key as ai says. */
static int
verify_sig(const struct alg_info *ai, EVP_PKEY *key, const unsigned char *sig,
    size_t sig_len, const unsigned char *tbs, size_t tbs_len)
{
	EVP_MD_CTX *ctx;
	EVP_PKEY_CTX *pctx = NULL;
	const EVP_MD *md = ai->md();
	int r = KALIT_ERR_INTERNAL;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return KALIT_ERR_NOMEM;
	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) != 1) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_DigestVerifyInit");
		goto out;
	}
	/* JWA's PS*: MGF1 with the same hash, a salt as long as the hash. */
	if (ai->kind == KIND_PSS && (EVP_PKEY_CTX_set_rsa_padding(pctx,
	    RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <=
	    0)) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_PKEY_CTX_set_rsa_* (PSS)");
		goto out;
	}
	r = KALIT_OK;
	if (EVP_DigestVerify(ctx, sig, sig_len, tbs, tbs_len) != 1) {
		log_ssl(LOG_LEVEL_DEBUG, "EVP_DigestVerify");
		r = KALIT_ERR_SIGNATURE;
	}
 out:
	EVP_MD_CTX_free(ctx);
	return r;
}

int
webeid_verify(const struct webeid_token *t, const char *origin,
    const char *challenge, const char **whyp)
{
	const struct alg_info *ai;
	unsigned char tbs[2 * EVP_MAX_MD_SIZE], *der = NULL;
	const unsigned char *sig;
	const char *why = NULL;
	EVP_PKEY *key;
	size_t tbs_len, sig_len;
	int r;

	if ((r = webeid_origin_check(origin, &why)) != KALIT_OK)
		goto out;
	r = KALIT_ERR_CHALLENGE_UNKNOWN;
	why = "no challenge to check the token against";
	if (challenge == NULL || *challenge == '\0')
		goto out;
	r = KALIT_ERR_INTERNAL;
	why = "the token was not parsed";
	if (t->cert == NULL || t->sig == NULL ||
	    (unsigned int)t->alg >= WEBEID__MAX)
		goto out;
	ai = &algs[t->alg];
	if ((key = X509_get0_pubkey(t->cert)) == NULL) {
		log_ssl(LOG_LEVEL_DEBUG, "X509_get0_pubkey");
		r = KALIT_ERR_SIG_ALGORITHM;
		why = "the certificate's key is of no type this reads";
		goto out;
	}
	if ((r = key_fits(ai, key, t->sig_len, &why)) != KALIT_OK)
		goto out;
	why = "the verification could not be set up";
	if ((r = signed_value(ai->md(), origin, challenge, tbs, &tbs_len)) !=
	    KALIT_OK)
		goto out;
	sig = t->sig;
	sig_len = t->sig_len;
	/* Cards and WebCrypto give r || s; OpenSSL verifies DER. */
	if (ai->kind == KIND_ECDSA) {
		if ((r = ecdsa_der(t->sig, t->sig_len, &der, &sig_len)) !=
		    KALIT_OK)
			goto out;
		sig = der;
	}
	if ((r = verify_sig(ai, key, sig, sig_len, tbs, tbs_len)) ==
	    KALIT_ERR_SIGNATURE)
		why = "the signature does not verify over this origin and "
		    "challenge with the certificate's key";
 out:
	OPENSSL_free(der);
	if (whyp != NULL)
		*whyp = r == KALIT_OK ? NULL : why;
	return r;
}
