/* jws.c: compact JWS with the signer's certificate in x5c, verified */
#include "config.h"

#include "jws.h"
#include "base64.h"
#include "err.h"
#include "log.h"
#include "x509.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#define SHA256_LEN	32

/* A compact JWS: its parts as sent, the header and payload decoded. */
struct parts {
	const char	*part[3];	/* header, payload, signature */
	size_t		 len[3];
	unsigned char	*header, *payload;
	size_t		 header_len, payload_len;
};

enum { P_HEADER, P_PAYLOAD, P_SIG };

int
jws_x5c_cert(const char *b64, size_t len, size_t max,
    const struct cms_certs *certs, X509 **certp)
{
	unsigned char *der;
	size_t n;
	void *x = NULL;
	int r;

	*certp = NULL;
	if ((r = base64_decode_canonical(b64, len, max, &der, &n)) !=
	    KALIT_OK)
		return r == KALIT_ERR_MALFORMED ? KALIT_ERR_ENCODING : r;
	if (certs == NULL || (x = certs->get(der, n, certs->arg)) == NULL)
		r = x509_d2i_exact(ASN1_ITEM_rptr(X509), NULL, der, n, max,
		    &x);
	free(der);
	if (r != KALIT_OK)
		return KALIT_ERR_MALFORMED;
	*certp = x;
	return KALIT_OK;
}

/* base64url of one part into *outp (caller frees), *whyp saying why not. */
static int
part_decode(const struct parts *p, int i, unsigned char **outp,
    size_t *lenp, const char **whyp)
{
	static const char *const why[] = {
		"the header is not base64url without padding",
		"the payload is not base64url without padding",
	};
	int r;

	if ((r = base64_url_decode(p->part[i], p->len[i], JWS_MAX, outp,
	    lenp)) == KALIT_ERR_NOMEM)
		*whyp = "out of memory";
	else if (r != KALIT_OK) {
		*whyp = why[i];
		r = KALIT_ERR_MALFORMED;
	}
	return r;
}

/* Rule 2 of jws_x5c_verify(): three non-empty parts, two decoded. */
static int
split(const char *jws, size_t len, struct parts *p, const char **whyp)
{
	const char *s = jws, *end = jws + len, *dot;
	int i, r;

	for (i = P_HEADER; i <= P_SIG; i++) {
		dot = s < end ? memchr(s, '.', (size_t)(end - s)) : NULL;
		if ((dot == NULL) != (i == P_SIG)) {
			*whyp = "the JWS is not three parts separated by '.'";
			return KALIT_ERR_MALFORMED;
		}
		p->part[i] = s;
		p->len[i] = (size_t)((dot != NULL ? dot : end) - s);
		if (p->len[i] == 0) {
			*whyp = "a part of the JWS is empty";
			return KALIT_ERR_MALFORMED;
		}
		if (dot != NULL)
			s = dot + 1;
	}
	if ((r = part_decode(p, P_HEADER, &p->header, &p->header_len,
	    whyp)) != KALIT_OK)
		return r;
	return part_decode(p, P_PAYLOAD, &p->payload, &p->payload_len, whyp);
}

/* One JSON object, each member once, no NUL in a string; else NULL. */
static json_t *
load_object(const unsigned char *buf, size_t len)
{
	json_t *v;

	v = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (v != NULL && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* Rules 4 to 7: alg, and the members that are refused. */
static int
header_members(const json_t *h, struct jws_x5c *out, const char **whyp)
{
	const json_t *alg = json_object_get(h, "alg");
	const json_t *b64 = json_object_get(h, "b64");
	const json_t *typ = json_object_get(h, "typ");

	if (!json_is_string(alg)) {
		*whyp = "alg is missing or not a string";
		return KALIT_ERR_MALFORMED;
	}
	if (jwa_alg_parse(json_string_value(alg), json_string_length(alg),
	    &out->alg) != KALIT_OK) {
		*whyp = "alg is not one of ES256 ES384 ES512 PS256 PS384 "
		    "PS512 RS256 RS384 RS512";
		return KALIT_ERR_SIG_ALGORITHM;
	}
	*whyp = "the header has crit, or b64 other than true: no extension "
	    "is understood";
	if (json_object_get(h, "crit") != NULL ||
	    (b64 != NULL && !json_is_true(b64)))
		return KALIT_ERR_MALFORMED;
	*whyp = "the header names a key other than x5c (jwk, jku or x5u)";
	if (json_object_get(h, "jwk") != NULL ||
	    json_object_get(h, "jku") != NULL ||
	    json_object_get(h, "x5u") != NULL)
		return KALIT_ERR_MALFORMED;
	*whyp = "typ is not a string";
	if (typ != NULL && !json_is_string(typ))
		return KALIT_ERR_MALFORMED;
	return KALIT_OK;
}

/* One element of x5c, *whyp saying why it is refused. */
static int
x5c_element(const json_t *v, const struct cms_certs *certs, X509 **certp,
    const char **whyp)
{
	int r;

	*certp = NULL;
	*whyp = "an x5c element is empty or not a string";
	if (json_string_length(v) == 0)
		return KALIT_ERR_MALFORMED;
	r = jws_x5c_cert(json_string_value(v), json_string_length(v),
	    JWS_CERT_MAX, certs, certp);
	if (r == KALIT_ERR_ENCODING)
		*whyp = "an x5c element is not padded standard base64 "
		    "(RFC 4648 section 4)";
	else if (r == KALIT_ERR_TOO_LARGE)
		*whyp = "an x5c element is larger than 6144 bytes";
	else if (r == KALIT_ERR_MALFORMED)
		*whyp = "an x5c element is not one DER certificate with "
		    "nothing after it";
	else if (r != KALIT_OK)
		*whyp = "out of memory";
	return r;
}

/* Rule 8: x5c[0] into out->cert, the others into out->extra. */
static int
header_x5c(const json_t *v, const struct cms_certs *certs,
    struct jws_x5c *out, const char **whyp)
{
	size_t i, n = json_array_size(v);
	X509 *x;
	int r;

	if (n == 0) {
		*whyp = "x5c is missing, empty or not an array";
		return KALIT_ERR_MALFORMED;
	}
	if (n > JWS_X5C_MAX) {
		*whyp = "x5c has more than 5 certificates";
		return KALIT_ERR_TOO_LARGE;
	}
	if ((r = x5c_element(json_array_get(v, 0), certs, &out->cert,
	    whyp)) != KALIT_OK)
		return r;
	for (i = 1; i < n; i++) {
		if ((r = x5c_element(json_array_get(v, i), certs, &x, whyp)) !=
		    KALIT_OK)
			return r;
		if ((out->extra == NULL &&
		    (out->extra = sk_X509_new_null()) == NULL) ||
		    sk_X509_push(out->extra, x) == 0) {
			X509_free(x);
			*whyp = "out of memory";
			return KALIT_ERR_NOMEM;
		}
	}
	return KALIT_OK;
}

/* Rule 9: x5t#S256, when present, names x5c[0]. */
static int
header_x5t(const json_t *v, X509 *cert, const char **whyp)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char want[BASE64_URL_LEN(SHA256_LEN) + 1];
	unsigned int n;

	if (v == NULL)
		return KALIT_OK;
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != SHA256_LEN) {
		log_ssl(LOG_LEVEL_ERROR, "X509_digest");
		*whyp = "the certificate's SHA-256 could not be computed";
		return KALIT_ERR_INTERNAL;
	}
	base64_url_encode(md, n, want);
	if (json_string_length(v) != strlen(want) ||
	    memcmp(json_string_value(v), want, strlen(want)) != 0) {
		*whyp = "x5t#S256 is not the SHA-256 of x5c's first "
		    "certificate";
		return KALIT_ERR_MALFORMED;
	}
	return KALIT_OK;
}

/* Rules 3 to 9: the header, into out. */
static int
parse_header(const struct parts *p, const struct cms_certs *certs,
    struct jws_x5c *out, const char **whyp)
{
	json_t *h;
	int r;

	if ((h = load_object(p->header, p->header_len)) == NULL) {
		*whyp = "the header is not one JSON object with each member "
		    "once";
		return KALIT_ERR_MALFORMED;
	}
	if ((r = header_members(h, out, whyp)) == KALIT_OK &&
	    (r = header_x5c(json_object_get(h, "x5c"), certs, out, whyp)) ==
	    KALIT_OK)
		r = header_x5t(json_object_get(h, "x5t#S256"), out->cert, whyp);
	json_decref(h);
	return r;
}

/* Rule 10: the signature over "<header part>.<payload part>". */
static int
verify(const struct parts *p, const struct jws_x5c *out, const char **whyp)
{
	unsigned char *sig;
	size_t n;
	int r;

	r = base64_url_decode(p->part[P_SIG], p->len[P_SIG], JWA_SIG_MAX,
	    &sig, &n);
	if (r == KALIT_ERR_MALFORMED)
		*whyp = "the signature is not base64url without padding";
	else if (r == KALIT_ERR_TOO_LARGE)
		*whyp = "the signature is larger than 1024 bytes";
	else if (r != KALIT_OK)
		*whyp = "out of memory";
	if (r != KALIT_OK)
		return r;
	r = jwa_verify(out->alg, X509_get0_pubkey(out->cert), sig, n,
	    (const unsigned char *)p->part[P_HEADER],
	    p->len[P_HEADER] + 1 + p->len[P_PAYLOAD], whyp);
	free(sig);
	return r;
}

int
jws_x5c_verify(const char *jws, size_t len, const struct cms_certs *certs,
    struct jws_x5c *out, const char **whyp)
{
	struct parts p;
	const char *why = "the JWS is longer than 16384 bytes";
	int r = KALIT_ERR_TOO_LARGE;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	if (len > JWS_MAX)
		goto out;
	if ((r = split(jws, len, &p, &why)) != KALIT_OK ||
	    (r = parse_header(&p, certs, out, &why)) != KALIT_OK ||
	    (r = verify(&p, out, &why)) != KALIT_OK)
		goto out;
	/* Rule 11: nothing of the payload is read before it verified. */
	if ((out->claims = load_object(p.payload, p.payload_len)) == NULL) {
		r = KALIT_ERR_MALFORMED;
		why = "the payload is not one JSON object with each member "
		    "once";
	}
 out:
	free(p.header);
	free(p.payload);
	if (r != KALIT_OK)
		jws_x5c_clear(out);
	if (whyp != NULL)
		*whyp = r == KALIT_OK ? NULL : why;
	return r;
}

void
jws_x5c_clear(struct jws_x5c *j)
{
	X509_free(j->cert);
	sk_X509_pop_free(j->extra, X509_free);
	json_decref(j->claims);
	memset(j, 0, sizeof(*j));
}
