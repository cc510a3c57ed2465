/* token.c: session tokens: ES256 JWTs and the JWKS that verifies them */
#include "config.h"

#include "token.h"
#include "base64.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#define EC_LEN		32			/* a P-256 coordinate or scalar */
#define B64_LEN(n)	(BASE64_URL_LEN(n) + 1)	/* with the NUL */
#define ES256_SIG_B64	BASE64_URL_LEN(64)	/* of R || S: 86 */

_Static_assert(TOKEN_KID_MAX + 1 >= B64_LEN(SHA256_DIGEST_LENGTH),
    "a kid holds a base64url SHA-256");

struct token_key {
	int64_t		 at;
	cjose_jwk_t	*jwk;		/* holds d for the active key only */
	char		 kid[TOKEN_KID_MAX + 1];
};

struct token_keys {
	struct token_key keys[TOKEN_KEYS_MAX];	/* published, by time */
	size_t		 n;
	size_t		 active;
};

static void
log_cjose(int level, const char *call, const cjose_err *err)
{
	log_msg(level, "%s: %s", call,
	    err->message != NULL ? err->message : "failed");
	log_ssl(level, call);
}

/* A BIGNUM parameter of key as EC_LEN big-endian bytes. */
static int
pkey_bn32(EVP_PKEY *key, const char *name, unsigned char out[EC_LEN])
{
	BIGNUM *bn = NULL;
	int r = KALIT_OK;

	if (!EVP_PKEY_get_bn_param(key, name, &bn) ||
	    BN_bn2binpad(bn, out, EC_LEN) != EC_LEN) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_PKEY_get_bn_param");
		r = KALIT_ERR_INTERNAL;
	}
	BN_clear_free(bn);
	return r;
}

/* The public point of a P-256 key; KALIT_ERR_KEY_TYPE for other keys. */
static int
ec_pub(EVP_PKEY *key, unsigned char x[EC_LEN], unsigned char y[EC_LEN])
{
	enum key_type t;
	int r;

	if (key_type_of(key, &t) != KALIT_OK || t != KEY_TYPE_P256)
		return KALIT_ERR_KEY_TYPE;
	if ((r = pkey_bn32(key, OSSL_PKEY_PARAM_EC_PUB_X, x)) != KALIT_OK)
		return r;
	return pkey_bn32(key, OSSL_PKEY_PARAM_EC_PUB_Y, y);
}

/* RFC 7638 thumbprint of the P-256 point with base64url coordinates x, y. */
static int
thumbprint_xy(const char *x, const char *y, char kid[TOKEN_KID_MAX + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	json_t *jwk;
	char *s = NULL;
	int r = KALIT_ERR_NOMEM;

	/* The required members only, sorted by name, no whitespace (§3.2). */
	jwk = json_pack("{s:s, s:s, s:s, s:s}", "crv", "P-256", "kty", "EC",
	    "x", x, "y", y);
	if (jwk == NULL ||
	    (s = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	if (!EVP_Digest(s, strlen(s), md, NULL, EVP_sha256(), NULL)) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_Digest");
		r = KALIT_ERR_INTERNAL;
		goto out;
	}
	base64_url_encode(md, sizeof(md), kid);
	r = KALIT_OK;
 out:
	free(s);
	json_decref(jwk);
	return r;
}

int
token_thumbprint(EVP_PKEY *key, char kid[TOKEN_KID_MAX + 1])
{
	unsigned char x[EC_LEN], y[EC_LEN];
	char bx[B64_LEN(EC_LEN)], by[B64_LEN(EC_LEN)];
	int r;

	if ((r = ec_pub(key, x, y)) != KALIT_OK)
		return r;
	base64_url_encode(x, sizeof(x), bx);
	base64_url_encode(y, sizeof(y), by);
	return thumbprint_xy(bx, by, kid);
}

/* Fills tk from key: kid and a cjose JWK (private if priv). */
static int
key_init(struct token_key *tk, EVP_PKEY *key, int priv)
{
	cjose_jwk_ec_keyspec spec;
	unsigned char x[EC_LEN], y[EC_LEN], d[EC_LEN];
	cjose_err err;
	int r;

	memset(&spec, 0, sizeof(spec));
	memset(&err, 0, sizeof(err));
	if ((r = ec_pub(key, x, y)) != KALIT_OK ||
	    (priv && (r = pkey_bn32(key, OSSL_PKEY_PARAM_PRIV_KEY, d)) !=
	    KALIT_OK) || (r = token_thumbprint(key, tk->kid)) != KALIT_OK)
		goto out;
	spec.crv = CJOSE_JWK_EC_P_256;
	spec.x = x;
	spec.xlen = sizeof(x);
	spec.y = y;
	spec.ylen = sizeof(y);
	if (priv) {
		spec.d = d;
		spec.dlen = sizeof(d);
	}
	r = KALIT_ERR_INTERNAL;
	if ((tk->jwk = cjose_jwk_create_EC_spec(&spec, &err)) == NULL ||
	    !cjose_jwk_set_kid(tk->jwk, tk->kid, strlen(tk->kid), &err)) {
		log_cjose(LOG_LEVEL_ERROR, "cjose_jwk_create_EC_spec", &err);
		goto out;
	}
	r = KALIT_OK;
 out:
	OPENSSL_cleanse(d, sizeof(d));
	return r;
}

/*
 * 1 and *atp if name is <digits>.key, 0 if not (ignored), KALIT_ERR_CONFIG
 * if the time is out of range or has leading zeros: one spelling per time,
 * so dir/<at>.key names one file.
 */
static int
key_name_time(const char *name, int64_t *atp)
{
	size_t i, n = strlen(name);
	int64_t at = 0;

	if (n < 5 || strcmp(name + n - 4, ".key") != 0)
		return 0;
	for (i = 0; i < n - 4; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		if (at > (INT64_MAX - (name[i] - '0')) / 10)
			return KALIT_ERR_CONFIG;
		at = at * 10 + (name[i] - '0');
	}
	if (name[0] == '0' && n > 5)
		return KALIT_ERR_CONFIG;
	*atp = at;
	return 1;
}

/* The key times of dir, at most TOKEN_KEYS_MAX, into at[0..*np). */
static int
key_times(const char *dir, int64_t *at, size_t *np)
{
	struct dirent *de;
	int64_t t = 0;
	DIR *d;
	int m, r = KALIT_OK;

	*np = 0;
	if ((d = opendir(dir)) == NULL) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", dir, strerror(errno));
		return KALIT_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		if ((m = key_name_time(de->d_name, &t)) == 0)
			continue;
		if (m < 0 || *np == TOKEN_KEYS_MAX) {
			log_msg(LOG_LEVEL_ERROR, "%s/%s: %s", dir, de->d_name,
			    m < 0 ? "not a key time" : "too many keys");
			r = KALIT_ERR_CONFIG;
			break;
		}
		at[(*np)++] = t;
	}
	closedir(d);
	return r;
}

static int
time_cmp(const void *a, const void *b)
{
	const int64_t *ta = a, *tb = b;

	return (*ta > *tb) - (*ta < *tb);
}

/* Opens dir/<at>.key into tk (with its private key if priv). */
static int
key_load(const char *dir, int64_t at, const char *pass, int priv,
    struct token_key *tk)
{
	char path[PATH_MAX];
	EVP_PKEY *key = NULL;
	enum key_type t;
	int r;

	if (snprintf(path, sizeof(path), "%s/%lld.key", dir, (long long)at) >=
	    (int)sizeof(path))
		return KALIT_ERR_CONFIG;
	if ((r = keyfile_load_cakey(path, pass, &key)) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, kalit_errname(r));
		return r;
	}
	if (key_type_of(key, &t) != KALIT_OK || t != KEY_TYPE_P256) {
		log_msg(LOG_LEVEL_ERROR, "%s: not a P-256 key", path);
		r = KALIT_ERR_CONFIG;
	} else {
		tk->at = at;
		r = key_init(tk, key, priv);
	}
	EVP_PKEY_free(key);
	return r;
}

int
token_keys_load(const char *dir, const char *pass, int64_t now,
    int64_t lifetime, struct token_keys **kp)
{
	int64_t at[TOKEN_KEYS_MAX];
	struct token_keys *k = NULL;
	size_t a, i, n;
	int r;

	*kp = NULL;
	if (lifetime < 0)
		return KALIT_ERR_USAGE;
	if ((r = key_times(dir, at, &n)) != KALIT_OK)
		return r;
	qsort(at, n, sizeof(at[0]), time_cmp);
	for (a = n; a > 0 && at[a - 1] > now; a--)
		continue;
	if (a-- == 0) {
		log_msg(LOG_LEVEL_ERROR, "%s: no key is active at %lld", dir,
		    (long long)now);
		return KALIT_ERR_CONFIG;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return KALIT_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		/* Retired: its successor took over lifetime or more ago. */
		if (i < a && now - at[i + 1] >= lifetime)
			continue;
		if (i == a)
			k->active = k->n;
		if ((r = key_load(dir, at[i], pass, i == a,
		    &k->keys[k->n++])) != KALIT_OK)
			goto out;
	}
	*kp = k;
	k = NULL;
	r = KALIT_OK;
 out:
	token_keys_free(k);
	return r;
}

void
token_keys_free(struct token_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++)
		cjose_jwk_release(k->keys[i].jwk);
	free(k);
}

int
token_key_generate(const char *dir, const char *pass, int64_t at,
    char kid[TOKEN_KID_MAX + 1])
{
	char path[PATH_MAX];
	EVP_PKEY *key = NULL;
	int r;

	kid[0] = '\0';
	if (at < 0)
		return KALIT_ERR_USAGE;
	if (snprintf(path, sizeof(path), "%s/%lld.key", dir, (long long)at) >=
	    (int)sizeof(path))
		return KALIT_ERR_USAGE;
	if ((r = key_generate(KEY_TYPE_P256, &key)) != KALIT_OK)
		return r;
	if ((r = token_thumbprint(key, kid)) == KALIT_OK)
		r = keyfile_write_cakey(path, pass, key);
	if (r != KALIT_OK)
		kid[0] = '\0';
	EVP_PKEY_free(key);
	return r;
}

const char *
token_keys_kid(const struct token_keys *k)
{
	return k->keys[k->active].kid;
}

json_t *
token_jwks(const struct token_keys *k)
{
	json_t *jwks, *keys, *jwk;
	cjose_err err;
	char *pub;
	size_t i;

	if ((jwks = json_object()) == NULL || (keys = json_array()) == NULL ||
	    json_object_set_new(jwks, "keys", keys) != 0)
		goto fail;
	for (i = 0; i < k->n; i++) {
		/* kty, kid, crv, x and y as cjose has them: never d. */
		memset(&err, 0, sizeof(err));
		if ((pub = cjose_jwk_to_json(k->keys[i].jwk, false, &err)) ==
		    NULL) {
			log_cjose(LOG_LEVEL_ERROR, "cjose_jwk_to_json", &err);
			goto fail;
		}
		jwk = json_loads(pub, JSON_REJECT_DUPLICATES, NULL);
		cjose_get_dealloc()(pub);
		/* keys owns jwk once appended, also when a member fails */
		if (jwk == NULL || json_array_append_new(keys, jwk) != 0 ||
		    json_object_set_new(jwk, "use", json_string("sig")) != 0 ||
		    json_object_set_new(jwk, "alg", json_string("ES256")) != 0)
			goto fail;
	}
	return jwks;
 fail:
	json_decref(jwks);
	return NULL;
}

int
token_sign_text(const struct token_keys *k, const char *payload, size_t len,
    char **jwtp)
{
	return token_sign_typ(k, "JWT", payload, len, jwtp);
}

int
token_sign_typ(const struct token_keys *k, const char *typ,
    const char *payload, size_t len, char **jwtp)
{
	const struct token_key *tk = &k->keys[k->active];
	cjose_header_t *hdr = NULL;
	cjose_jws_t *jws = NULL;
	const char *ser;
	cjose_err err;
	int r = KALIT_ERR_NOMEM;

	*jwtp = NULL;
	memset(&err, 0, sizeof(err));
	if ((hdr = cjose_header_new(&err)) == NULL ||
	    !cjose_header_set(hdr, CJOSE_HDR_ALG, CJOSE_HDR_ALG_ES256, &err) ||
	    !cjose_header_set(hdr, "typ", typ, &err) ||
	    !cjose_header_set(hdr, CJOSE_HDR_KID, tk->kid, &err))
		goto out;
	r = KALIT_ERR_INTERNAL;
	if ((jws = cjose_jws_sign(tk->jwk, hdr, (const uint8_t *)payload,
	    len, &err)) == NULL || !cjose_jws_export(jws, &ser, &err)) {
		log_cjose(LOG_LEVEL_ERROR, "cjose_jws_sign", &err);
		goto out;
	}
	/* A token we would refuse to verify is no use to anyone. */
	if (strlen(ser) > TOKEN_MAX_SIZE) {
		r = KALIT_ERR_TOO_LARGE;
		goto out;
	}
	if ((*jwtp = strdup(ser)) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	r = KALIT_OK;
 out:
	cjose_jws_release(jws);
	cjose_header_release(hdr);
	return r;
}

int
token_sign(const struct token_keys *k, json_t *claims, char **jwtp)
{
	char *payload;
	int r;

	*jwtp = NULL;
	if (!json_is_object(claims))
		return KALIT_ERR_USAGE;
	if ((payload = json_dumps(claims, JSON_COMPACT)) == NULL)
		return KALIT_ERR_NOMEM;
	r = token_sign_text(k, payload, strlen(payload), jwtp);
	free(payload);
	return r;
}

/* Three base64url segments, none empty: one spelling of a JWS. */
static int
jws_segments_ok(const char *jwt, size_t len)
{
	size_t i, dots = 0, seg = 0;
	char c;

	for (i = 0; i < len; i++) {
		c = jwt[i];
		if (c == '.') {
			if (seg == 0)
				return 0;
			dots++;
			seg = 0;
		} else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_')
			seg++;
		else
			return 0;
	}
	return dots == 2 && seg > 0;
}

/*
 * Three base64url segments and a 64-byte signature. cjose's decoder stops at
 * '=' and ignores what follows, so without this one token would have many
 * spellings.
 */
static int
jws_shape_ok(const char *jwt, size_t len)
{
	size_t sig = len;

	if (!jws_segments_ok(jwt, len))
		return 0;
	while (jwt[sig - 1] != '.')	/* a dot is there: segments_ok */
		sig--;
	return len - sig == ES256_SIG_B64;
}

int
token_verify(const struct token_keys *k, const char *jwt, size_t len,
    json_t **claimsp)
{
	const struct token_key *tk = NULL;
	cjose_jws_t *jws = NULL;
	json_t *hdr, *claims = NULL;
	const char *alg, *kid;
	uint8_t *pt;
	size_t i, ptlen;
	cjose_err err;
	int r = KALIT_ERR_TOKEN_INVALID;

	*claimsp = NULL;
	memset(&err, 0, sizeof(err));
	if (jwt == NULL || len > TOKEN_MAX_SIZE || !jws_shape_ok(jwt, len))
		return KALIT_ERR_TOKEN_INVALID;
	if ((jws = cjose_jws_import(jwt, len, &err)) == NULL) {
		log_cjose(LOG_LEVEL_DEBUG, "cjose_jws_import", &err);
		goto out;
	}
	/*
	 * alg is pinned: never "none", HMAC or another digest. We understand
	 * no critical extension. (cjose parses without JSON_ALLOW_NUL, so a
	 * string holds no NUL.)
	 */
	hdr = cjose_jws_get_protected(jws);
	alg = json_string_value(json_object_get(hdr, CJOSE_HDR_ALG));
	kid = json_string_value(json_object_get(hdr, CJOSE_HDR_KID));
	if (alg == NULL || strcmp(alg, CJOSE_HDR_ALG_ES256) != 0 ||
	    json_object_get(hdr, "crit") != NULL || kid == NULL) {
		log_msg(LOG_LEVEL_DEBUG, "token: header refused");
		goto out;
	}
	for (i = 0; i < k->n && tk == NULL; i++)
		if (strcmp(k->keys[i].kid, kid) == 0)
			tk = &k->keys[i];
	if (tk == NULL) {
		log_msg(LOG_LEVEL_DEBUG, "token: kid not published");
		goto out;
	}
	if (!cjose_jws_verify(jws, tk->jwk, &err)) {
		log_cjose(LOG_LEVEL_DEBUG, "cjose_jws_verify", &err);
		goto out;
	}
	if (!cjose_jws_get_plaintext(jws, &pt, &ptlen, &err) ||
	    (claims = json_loadb((const char *)pt, ptlen,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(claims)) {
		log_msg(LOG_LEVEL_DEBUG, "token: claims are not a JSON object");
		goto out;
	}
	*claimsp = claims;
	claims = NULL;
	r = KALIT_OK;
 out:
	json_decref(claims);
	cjose_jws_release(jws);
	return r;
}

/* 1 when key (a member of a JWKS) may verify a JWS of alg and kid. */
static int
jwk_fits(json_t *key, const char *alg, const char *kid)
{
	const char *kty = json_string_value(json_object_get(key, "kty"));
	const char *kkid = json_string_value(json_object_get(key, "kid"));
	const char *kalg = json_string_value(json_object_get(key, "alg"));

	if (kty == NULL || (kid != NULL && kkid != NULL &&
	    strcmp(kid, kkid) != 0) || (kalg != NULL && strcmp(kalg, alg) != 0))
		return 0;
	if (alg[0] == 'E')
		return strcmp(kty, "EC") == 0;
	return strcmp(kty, "RSA") == 0;
}

int
token_verify_jwks(const char *jwks, const char *jwt, size_t len,
    json_t **claimsp)
{
	static const char *const algs[] = { "ES256", "ES384", "RS256", "PS256" };
	cjose_jws_t *jws = NULL;
	cjose_jwk_t *jwk;
	json_t *set = NULL, *keys, *hdr, *claims = NULL;
	const char *alg, *kid;
	uint8_t *pt;
	size_t i, ptlen;
	cjose_err err;
	char *text;
	int ok = 0, r = KALIT_ERR_TOKEN_INVALID;

	*claimsp = NULL;
	memset(&err, 0, sizeof(err));
	if (jwt == NULL || len > TOKEN_MAX_SIZE || !jws_segments_ok(jwt, len))
		return KALIT_ERR_TOKEN_INVALID;
	if ((set = json_loads(jwks, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_array(keys = json_object_get(set, "keys")) ||
	    (jws = cjose_jws_import(jwt, len, &err)) == NULL)
		goto out;
	hdr = cjose_jws_get_protected(jws);
	alg = json_string_value(json_object_get(hdr, CJOSE_HDR_ALG));
	kid = json_string_value(json_object_get(hdr, CJOSE_HDR_KID));
	for (i = 0; alg != NULL && i < sizeof(algs) / sizeof(algs[0]) &&
	    strcmp(alg, algs[i]) != 0; i++)
		;
	/* the client's own algorithms, never none or HMAC; no crit */
	if (alg == NULL || i == sizeof(algs) / sizeof(algs[0]) ||
	    json_object_get(hdr, "crit") != NULL)
		goto out;
	for (i = 0; !ok && i < json_array_size(keys); i++) {
		if (!jwk_fits(json_array_get(keys, i), alg, kid) ||
		    (text = json_dumps(json_array_get(keys, i),
		    JSON_COMPACT)) == NULL)
			continue;
		if ((jwk = cjose_jwk_import(text, strlen(text), &err)) !=
		    NULL)
			ok = cjose_jws_verify(jws, jwk, &err);
		cjose_jwk_release(jwk);
		free(text);
	}
	if (!ok || !cjose_jws_get_plaintext(jws, &pt, &ptlen, &err) ||
	    (claims = json_loadb((const char *)pt, ptlen,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(claims))
		goto out;
	*claimsp = claims;
	claims = NULL;
	r = KALIT_OK;
 out:
	json_decref(claims);
	json_decref(set);
	cjose_jws_release(jws);
	return r;
}
