/*
 * assertion.h: RFC 7523 client assertions for kalit token: a JWT signed
 * with the key file's key, carrying its certificates in the header's x5c
 */
#ifndef KALIT_ASSERTION_H
#define KALIT_ASSERTION_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define ASSERTION_LIFETIME	60	/* seconds from iat to exp */
#define ASSERTION_CHAIN_MAX	8	/* certificates in x5c */

/*
 * The JWS algorithm (RFC 7518) kalit signs with key's type: "ES256",
 * "ES384" or "ES512" for an EC key on P-256, P-384 or P-521, "PS256" for
 * RSA; NULL for any other key. Static.
 */
const char *assertion_alg(const EVP_PKEY *key);

/*
 * Signs the len bytes of payload (JSON text, borrowed) as an RFC 7515
 * compact JWS with key, cert's private key: protected header
 * {"alg":...,"typ":"JWT","x5c":[...]}, x5c holding cert's DER and then
 * those of the CA certificates of chain (may be NULL) that certify it,
 * each the issuer of the one before, up to a self-signed root, which is
 * left out; in standard base64. An ECDSA signature is r || s, each
 * zero-padded to the curve's size (RFC 7518 section 3.4), RSASSA-PSS
 * hashes with SHA-256, MGF1 with SHA-256 and a salt of 32 bytes.
 * KALIT_ERR_KEY_UNSUPPORTED for a key assertion_alg() has no name for.
 * Caller frees *jwsp with assertion_free().
 */
int	assertion_jws(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain,
	    const char *payload, size_t len, char **jwsp);

/*
 * The client assertion of client for the token endpoint aud (both
 * borrowed) at now: claims iss and sub the client, aud, iat now, exp
 * ASSERTION_LIFETIME later and jti, 128 random bits in base64url; signed
 * with assertion_jws(). Caller frees *jwsp with assertion_free().
 */
int	assertion_new(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain,
	    const char *client, const char *aud, int64_t now, char **jwsp);

/*
 * As assertion_new(), with exp lifetime seconds after iat instead of
 * ASSERTION_LIFETIME: for assertions signed ahead of their use, as
 * bench/machine_bodies signs a run's (a server takes at most 300).
 * KALIT_ERR_USAGE for a lifetime below 1.
 */
int	assertion_new_lifetime(EVP_PKEY *key, X509 *cert,
	    STACK_OF(X509) *chain, const char *client, const char *aud,
	    int64_t now, int64_t lifetime, char **jwsp);

/* Wipes and frees an assertion, a bearer credential; accepts NULL. */
void	assertion_free(char *jws);

#endif
