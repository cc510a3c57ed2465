/* token.h: session tokens: ES256 JWTs and the JWKS that verifies them (cjose) */
#ifndef KALIT_TOKEN_H
#define KALIT_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#define TOKEN_MAX_SIZE		8192	/* a compact JWS we accept */
#define TOKEN_KID_MAX		64	/* base64url SHA-256 is 43 */
#define TOKEN_KEYS_MAX		16	/* keys in a key directory */

/*
 * The signing keys of a key directory: files named <unix-time>.key, each an
 * encrypted PKCS#8 PEM P-256 key (keyfile_write_cakey()). The key with the
 * largest time <= now signs; a key is published in the JWKS while it is
 * active, while it waits for its time (pre-publication), or until lifetime
 * seconds after its successor took over, so every token it signed verifies
 * until that token expires. Immutable once loaded: share across threads.
 */
struct token_keys;

/*
 * Loads dir with pass (the key passphrase). KALIT_ERR_CONFIG when no key is
 * active at now, KALIT_ERR_PASSPHRASE when pass fails to open
 * any key still published (retired keys are not opened).
 * Caller frees *kp with token_keys_free().
 */
int	token_keys_load(const char *dir, const char *pass, int64_t now,
	    int64_t lifetime, struct token_keys **kp);
void	token_keys_free(struct token_keys *k);

/*
 * Makes a new P-256 key dir/<at>.key (exclusive, 0600) encrypted with pass
 * and writes its kid (RFC 7638 thumbprint) into kid.
 */
int	token_key_generate(const char *dir, const char *pass, int64_t at,
	    char kid[TOKEN_KID_MAX + 1]);

/* The active key's kid; borrowed, valid while k lives. */
const char *token_keys_kid(const struct token_keys *k);

/* {"keys": [...]} with the published public keys; new reference. */
json_t	*token_jwks(const struct token_keys *k);

/*
 * Signs claims (borrowed) with the active key: protected header
 * {"alg":"ES256","typ":"JWT","kid":...}. *jwtp is the compact JWS; caller
 * frees with free().
 */
int	token_sign(const struct token_keys *k, json_t *claims, char **jwtp);

/*
 * token_sign() of claims already in JSON text: payload (len bytes,
 * borrowed) is signed as it is, so it must be the UTF-8 text of one JSON
 * object without duplicate names; it is not parsed here (token_sign()
 * makes it with jansson). KALIT_ERR_TOO_LARGE when the token would be
 * longer than TOKEN_MAX_SIZE. *jwtp: caller frees with free().
 */
int	token_sign_text(const struct token_keys *k, const char *payload,
	    size_t len, char **jwtp);

/*
 * token_sign_text() with the header's "typ" typ (such as "logout+jwt",
 * OpenID Back-Channel Logout 1.0 section 2.4) instead of "JWT".
 */
int	token_sign_typ(const struct token_keys *k, const char *typ,
	    const char *payload, size_t len, char **jwtp);

/*
 * Verifies a compact JWS that a client signed (private_key_jwt, RFC
 * 7523) with a key of jwks (its JWKS, JSON text): alg ES256, ES384, RS256
 * or PS256 (never none or HMAC), no "crit", and a key of the JWKS of the
 * alg's type (and the header's kid, when both name one) verifies it.
 * Checks no claim. On KALIT_OK *claimsp is a new reference; any failure
 * is KALIT_ERR_TOKEN_INVALID.
 */
int	token_verify_jwks(const char *jwks, const char *jwt, size_t len,
	    json_t **claimsp);

/*
 * Verifies a compact JWS: alg must be ES256 and kid one of the published
 * keys. Checks no claim. On KALIT_OK *claimsp is a new reference; any
 * failure is KALIT_ERR_TOKEN_INVALID (or KALIT_ERR_NOMEM).
 */
int	token_verify(const struct token_keys *k, const char *jwt, size_t len,
	    json_t **claimsp);

/* RFC 7638 JWK thumbprint of an EC P-256 public key, base64url. */
int	token_thumbprint(EVP_PKEY *key, char kid[TOKEN_KID_MAX + 1]);

#endif
