/*
 * jwa.h: the JSON Web Algorithms (RFC 7518 §3.3 to 3.5) kalit verifies:
 * ECDSA, RSASSA-PSS and RSASSA-PKCS1-v1_5 over SHA-2, signatures as JOSE
 * writes them. No HMAC and no "none": here a signature is always made
 * by a certificate's key. Web eID tokens (webeid.h) and JWS client
 * assertions (jws.h) are verified through it.
 */
#ifndef KALIT_JWA_H
#define KALIT_JWA_H

#include <stddef.h>

#include <openssl/evp.h>

#define JWA_SIG_MAX	1024	/* signature bytes: RSA to 8192 bits */

/* The algorithms, in the order of RFC 7518's table; indexes tables. */
enum jwa_alg {
	JWA_ES256 = 0,
	JWA_ES384,
	JWA_ES512,
	JWA_PS256,
	JWA_PS384,
	JWA_PS512,
	JWA_RS256,
	JWA_RS384,
	JWA_RS512,
	JWA__MAX
};

/* "ES256" ... "RS512"; static. "?" for a value out of range. */
const char *jwa_alg_name(enum jwa_alg alg);

/*
 * The algorithm named by the len bytes of name (need not end in a NUL):
 * exactly one of ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512,
 * in that case, into *algp. KALIT_ERR_SIG_ALGORITHM for anything else,
 * "none" and HS256 included, and *algp is left as it was.
 */
int	jwa_alg_parse(const char *name, size_t len, enum jwa_alg *algp);

/*
 * The algorithm's hash, EVP_sha256() for ES256, PS256 and RS256 and so
 * on (static, not to be freed); NULL for a value out of range.
 */
const EVP_MD *jwa_alg_md(enum jwa_alg alg);

/*
 * Verifies sig (sig_len bytes, as JOSE writes it) over the tbs_len bytes
 * of tbs with key (borrowed; a certificate's, as X509_get0_pubkey() gives
 * it, so NULL is taken for a key OpenSSL could not read). Returns:
 *  - KALIT_ERR_INTERNAL for an alg out of range;
 *  - KALIT_ERR_SIG_ALGORITHM for no key, or one alg does not fit: ES256,
 *    ES384 and ES512 need an EC key on P-256, P-384 and P-521 (named
 *    curve), PS* and RS* an RSA key (rsaEncryption);
 *  - KALIT_ERR_CERT_KEY_WEAK for an RSA key under 2048 bits (RFC 7518
 *    §3.3, §3.5);
 *  - KALIT_ERR_SIGNATURE when sig is not of the algorithm's length (ECDSA:
 *    raw r || s of 64, 96 or 132 bytes, so never DER; RSA: the modulus'
 *    size), or does not verify (RSASSA-PSS: MGF1 with the same hash, salt
 *    as long as the hash);
 *  - KALIT_ERR_NOMEM or KALIT_ERR_INTERNAL when OpenSSL fails.
 * *whyp (may be NULL) gets a short static text for the log, NULL on
 * KALIT_OK; it never holds anything of sig, tbs or the key.
 */
int	jwa_verify(enum jwa_alg alg, EVP_PKEY *key, const unsigned char *sig,
	    size_t sig_len, const unsigned char *tbs, size_t tbs_len,
	    const char **whyp);

#endif
