/* assertion.c: RFC 7523 client assertions signed with the key file's key */
#include "config.h"

#include "assertion.h"
#include "base64.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"
#include "rand.h"
#include "x509.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#define ECDSA_RAW_MAX	(2 * 66)	/* r || s on P-521 */

/* The JWS algorithms, by key. */
static const struct alg {
	const char	*name;
	int		 curve;		/* NID of the named curve; 0: RSA */
	const EVP_MD	*(*md)(void);
	size_t		 half;		/* bytes of r and of s (ECDSA) */
} algs[] = {
	{ "ES256", NID_X9_62_prime256v1, EVP_sha256, 32 },
	{ "ES384", NID_secp384r1, EVP_sha384, 48 },
	{ "ES512", NID_secp521r1, EVP_sha512, 66 },
	{ "PS256", 0, EVP_sha256, 0 },
};

#define ALG_PS256	(&algs[3])

static const struct alg *
alg_of(const EVP_PKEY *key)
{
	char group[64];
	int nid;
	size_t i;

	if (EVP_PKEY_is_a(key, "RSA"))
		return ALG_PS256;
	/* Only a named curve: explicit parameters have no name. */
	if (!EVP_PKEY_is_a(key, "EC") || EVP_PKEY_get_group_name(key, group,
	    sizeof(group), NULL) != 1) {
		ERR_clear_error();
		return NULL;
	}
	if ((nid = OBJ_txt2nid(group)) == NID_undef)
		nid = EC_curve_nist2nid(group);		/* "P-256" */
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].curve != 0 && algs[i].curve == nid)
			return &algs[i];
	return NULL;
}

const char *
assertion_alg(const EVP_PKEY *key)
{
	const struct alg *a = alg_of(key);

	return a != NULL ? a->name : NULL;
}

/* Appends cert's DER in standard base64 to the array x5c. */
static int
x5c_add(json_t *x5c, X509 *cert)
{
	unsigned char *der = NULL;
	char *b64 = NULL;
	size_t len = 0;
	int r;

	if ((r = x509_to_der(cert, &der, &len)) != KALIT_OK)
		return r;
	r = KALIT_ERR_NOMEM;
	if ((b64 = malloc(BASE64_LEN(len) + 1)) != NULL) {
		base64_encode(der, len, b64);
		if (json_array_append_new(x5c, json_string(b64)) == 0)
			r = KALIT_OK;
	}
	free(b64);
	OPENSSL_free(der);
	return r;
}

/* x5c of cert and chain, as assertion_jws() says; new reference. */
static int
x5c_new(X509 *cert, STACK_OF(X509) *chain, json_t **x5cp)
{
	STACK_OF(X509) *path = NULL;
	json_t *x5c;
	int i, r;

	if ((*x5cp = x5c = json_array()) == NULL)
		return KALIT_ERR_NOMEM;
	if ((r = x5c_add(x5c, cert)) != KALIT_OK ||
	    (r = keyfile_path(cert, chain, ASSERTION_CHAIN_MAX - 1,
	    &path)) != KALIT_OK)
		goto out;
	for (i = 0; i < sk_X509_num(path); i++)
		if ((r = x5c_add(x5c, sk_X509_value(path, i))) != KALIT_OK)
			goto out;
 out:
	sk_X509_free(path);
	if (r != KALIT_OK) {
		json_decref(x5c);
		*x5cp = NULL;
	}
	return r;
}

/* DER ECDSA-Sig-Value as r || s of half bytes each, into raw. */
static int
ecdsa_raw(const unsigned char *der, size_t len, size_t half,
    unsigned char *raw)
{
	const unsigned char *p = der;
	ECDSA_SIG *sig;
	int r = KALIT_ERR_INTERNAL;

	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "d2i_ECDSA_SIG");
		return r;
	}
	if (BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, (int)half) ==
	    (int)half && BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + half,
	    (int)half) == (int)half)
		r = KALIT_OK;
	else
		log_ssl(LOG_LEVEL_ERROR, "BN_bn2binpad");
	ECDSA_SIG_free(sig);
	return r;
}

/* Sets ctx up to sign as a says: RSASSA-PSS's parameters for PS256. */
static int
sign_init(const struct alg *a, EVP_MD_CTX *ctx, EVP_PKEY *key)
{
	EVP_PKEY_CTX *pctx = NULL;

	if (EVP_DigestSignInit(ctx, &pctx, a->md(), NULL, key) != 1) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_DigestSignInit");
		return KALIT_ERR_INTERNAL;
	}
	/* RFC 7518 section 3.5: MGF1 with the hash, a salt of its size. */
	if (a->curve == 0 && (EVP_PKEY_CTX_set_rsa_padding(pctx,
	    RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, a->md()) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <=
	    0)) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_PKEY_CTX_set_rsa_* (PSS)");
		return KALIT_ERR_INTERNAL;
	}
	return KALIT_OK;
}

/*
 * The JWS signature of the len bytes of tbs by key as a says, in base64url,
 * appended to out (which has room for BASE64_URL_LEN of the signature);
 * returns its length in *nb.
 */
static int
sign_b64(const struct alg *a, EVP_PKEY *key, const char *tbs, size_t len,
    char *out, size_t *nb)
{
	EVP_MD_CTX *ctx;
	unsigned char *sig = NULL, raw[ECDSA_RAW_MAX];
	size_t n = 0;
	int r;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return KALIT_ERR_NOMEM;
	if ((r = sign_init(a, ctx, key)) != KALIT_OK)
		goto out;
	r = KALIT_ERR_INTERNAL;
	if (EVP_DigestSign(ctx, NULL, &n, (const unsigned char *)tbs,
	    len) != 1 || (sig = OPENSSL_malloc(n)) == NULL ||
	    EVP_DigestSign(ctx, sig, &n, (const unsigned char *)tbs,
	    len) != 1) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_DigestSign");
		goto out;
	}
	if (a->curve == 0)
		*nb = base64_url_encode(sig, n, out);
	else if ((r = ecdsa_raw(sig, n, a->half, raw)) == KALIT_OK)
		*nb = base64_url_encode(raw, 2 * a->half, out);
	else
		goto out;
	r = KALIT_OK;
 out:
	OPENSSL_free(sig);
	EVP_MD_CTX_free(ctx);
	return r;
}

/* v's compact JSON text in a new buffer (free()), not NUL-terminated. */
static char *
json_text(const json_t *v, size_t *lenp)
{
	size_t n = json_dumpb(v, NULL, 0, JSON_COMPACT);
	char *s;

	if (n == 0 || (s = malloc(n)) == NULL)
		return NULL;
	if (json_dumpb(v, s, n, JSON_COMPACT) != n) {
		free(s);
		return NULL;
	}
	*lenp = n;
	return s;
}

/* {"alg":...,"typ":"JWT","x5c":[...]} as text; caller frees *hp. */
static int
header_text(const struct alg *a, X509 *cert, STACK_OF(X509) *chain,
    char **hp, size_t *lenp)
{
	json_t *hdr, *x5c = NULL;
	int r;

	*hp = NULL;
	if ((r = x5c_new(cert, chain, &x5c)) != KALIT_OK)
		return r;
	r = KALIT_ERR_NOMEM;
	/* json_object_set_new() takes x5c, also when it fails. */
	if ((hdr = json_pack("{s:s, s:s}", "alg", a->name, "typ",
	    "JWT")) == NULL)
		json_decref(x5c);
	else if (json_object_set_new(hdr, "x5c", x5c) == 0 &&
	    (*hp = json_text(hdr, lenp)) != NULL)
		r = KALIT_OK;
	json_decref(hdr);
	return r;
}

int
assertion_jws(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain,
    const char *payload, size_t len, char **jwsp)
{
	const struct alg *a;
	char *h = NULL, *jws = NULL;
	size_t hlen = 0, n, sn = 0, max = 0;
	int r;

	*jwsp = NULL;
	if ((a = alg_of(key)) == NULL)
		return KALIT_ERR_KEY_UNSUPPORTED;
	if ((r = header_text(a, cert, chain, &h, &hlen)) != KALIT_OK)
		return r;
	/* EVP_PKEY_get_size(): RSA's signature, or more than ECDSA's. */
	max = BASE64_URL_LEN(hlen) + 1 + BASE64_URL_LEN(len) + 1 +
	    BASE64_URL_LEN((size_t)EVP_PKEY_get_size(key)) + 1;
	if ((jws = malloc(max)) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	n = base64_url_encode((const unsigned char *)h, hlen, jws);
	jws[n++] = '.';
	n += base64_url_encode((const unsigned char *)payload, len, jws + n);
	if ((r = sign_b64(a, key, jws, n, jws + n + 1, &sn)) != KALIT_OK)
		goto out;
	jws[n] = '.';
	*jwsp = jws;
	jws = NULL;
 out:
	if (jws != NULL)
		OPENSSL_cleanse(jws, max);
	free(jws);
	free(h);
	return r;
}

int
assertion_new(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain,
    const char *client, const char *aud, int64_t now, char **jwsp)
{
	return assertion_new_lifetime(key, cert, chain, client, aud, now,
	    ASSERTION_LIFETIME, jwsp);
}

int
assertion_new_lifetime(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain,
    const char *client, const char *aud, int64_t now, int64_t lifetime,
    char **jwsp)
{
	char jti[RAND_ID_LEN + 1], *payload = NULL;
	json_t *claims;
	size_t len = 0;
	int r;

	*jwsp = NULL;
	if (lifetime < 1)
		return KALIT_ERR_USAGE;
	if ((r = rand_id(jti)) != KALIT_OK)
		return r;
	claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", client,
	    "sub", client, "aud", aud, "iat", (json_int_t)now, "exp",
	    (json_int_t)(now + lifetime), "jti", jti);
	if (claims == NULL || (payload = json_text(claims, &len)) == NULL)
		r = KALIT_ERR_NOMEM;
	else
		r = assertion_jws(key, cert, chain, payload, len, jwsp);
	free(payload);
	json_decref(claims);
	return r;
}

void
assertion_free(char *jws)
{
	if (jws == NULL)
		return;
	OPENSSL_cleanse(jws, strlen(jws));
	free(jws);
}
