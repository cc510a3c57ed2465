/* webeid.c: Web eID authentication tokens: parsing and their signature */
#include "config.h"

#include "webeid.h"
#include "base64.h"
#include "err.h"
#include "identity.h"
#include "jwa.h"
#include "jws.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#define FORMAT_MAJOR	"web-eid:1"
#define MINOR_DIGITS	9		/* as the Java validator has it */

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

/* r, the answer for member m, with *whyp saying why it is refused. */
static int
member_answer(int r, enum member m, const char **whyp)
{
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
 * Member m: a non-empty string of standard base64 as the Web eID app
 * writes it (Qt's toBase64() with KeepTrailingEquals), canonical
 * (base64_decode_canonical()), of at most max bytes, refused before
 * anything is allocated. Caller frees *outp with free().
 */
static int
b64_member(const json_t *v, enum member m, size_t max, unsigned char **outp,
    size_t *lenp, const char **whyp)
{
	int r = KALIT_ERR_MALFORMED;

	*outp = NULL;
	*lenp = 0;
	if (json_string_length(v) > 0 && (r = base64_decode_canonical(
	    json_string_value(v), json_string_length(v), max, outp, lenp)) ==
	    KALIT_ERR_MALFORMED)
		r = KALIT_ERR_ENCODING;
	return member_answer(r, m, whyp);
}

/*
 * Member m: one certificate as JWS's x5c carries it (jws_x5c_cert()),
 * made an X509 by certs (may be NULL) or parsed there; caller frees
 * *certp with X509_free().
 */
static int
cert_member(const json_t *v, enum member m, const struct cms_certs *certs,
    X509 **certp, const char **whyp)
{
	int r;

	*certp = NULL;
	if (json_string_length(v) == 0)
		return member_answer(KALIT_ERR_MALFORMED, m, whyp);
	if ((r = jws_x5c_cert(json_string_value(v), json_string_length(v),
	    WEBEID_CERT_MAX, certs, certp)) == KALIT_ERR_MALFORMED) {
		*whyp = member_why[m][3];
		return r;
	}
	return member_answer(r, m, whyp);
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

	if (s == NULL) {
		*whyp = "algorithm is missing or not a string";
		return KALIT_ERR_MALFORMED;
	}
	if (jwa_alg_parse(s, json_string_length(v), &t->alg) == KALIT_OK)
		return KALIT_OK;
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

int
webeid_verify(const struct webeid_token *t, const char *origin,
    const char *challenge, const char **whyp)
{
	unsigned char tbs[2 * EVP_MAX_MD_SIZE];
	const char *why = NULL;
	size_t tbs_len;
	int r;

	if ((r = webeid_origin_check(origin, &why)) != KALIT_OK)
		goto out;
	r = KALIT_ERR_CHALLENGE_UNKNOWN;
	why = "no challenge to check the token against";
	if (challenge == NULL || *challenge == '\0')
		goto out;
	r = KALIT_ERR_INTERNAL;
	why = "the token was not parsed";
	if (t->cert == NULL || t->sig == NULL || jwa_alg_md(t->alg) == NULL)
		goto out;
	why = "the verification could not be set up";
	if ((r = signed_value(jwa_alg_md(t->alg), origin, challenge, tbs,
	    &tbs_len)) != KALIT_OK)
		goto out;
	r = jwa_verify(t->alg, X509_get0_pubkey(t->cert), t->sig, t->sig_len,
	    tbs, tbs_len, &why);
 out:
	if (whyp != NULL)
		*whyp = r == KALIT_OK ? NULL : why;
	return r;
}
