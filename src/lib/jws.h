/*
 * jws.h: a JWS in compact serialization (RFC 7515 §7.1) whose header
 * carries the signer's certificate in x5c (§4.1.6), as OAuth clients
 * send private_key_jwt client assertions (RFC 7523): parsed, and its
 * signature verified with that certificate's key. The certificate is NOT
 * judged here, nor are the claims: the caller validates both.
 *
 *	BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature)
 *	header: {"alg":"ES256","typ":"JWT","x5c":["MII...","MII..."]}
 */
#ifndef KALIT_JWS_H
#define KALIT_JWS_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "cms.h"
#include "jwa.h"

#define JWS_MAX		16384	/* bytes of a compact JWS (client assertion) */
#define JWS_X5C_MAX	5	/* certificates in x5c */
#define JWS_CERT_MAX	6144	/* DER bytes of one x5c certificate */

/*
 * A JWS whose signature verified with the key of x5c's first certificate.
 * Untrusted: the caller validates cert (path, revocation, policy) and the
 * claims.
 */
struct jws_x5c {
	enum jwa_alg	 alg;
	X509		*cert;		/* x5c[0]: the signer's certificate */
	STACK_OF(X509)	*extra;		/* x5c[1..]: path candidates; NULL
					   when none */
	json_t		*claims;	/* the payload: a JSON object (new
					   reference held) */
};

/*
 * Parses the len bytes of jws (need not end in a NUL) and verifies its
 * signature into *out; on failure *out is zeroed. Checked in this order,
 * the first failure deciding the code:
 *  1. len is at most JWS_MAX, before anything is read: else
 *     KALIT_ERR_TOO_LARGE;
 *  2. three parts separated by '.', each non-empty, the header and the
 *     payload base64url without padding (base64_url_decode()): else
 *     KALIT_ERR_MALFORMED. The JSON serialization is no such text;
 *  3. the header is one JSON object and nothing after it, no member given
 *     twice at any depth, no \u0000 in a string: else KALIT_ERR_MALFORMED;
 *  4. "alg": a string (else KALIT_ERR_MALFORMED) that jwa_alg_parse()
 *     takes: "none", HS256 and any other name are KALIT_ERR_SIG_ALGORITHM;
 *  5. no "crit" (no extension is understood), and "b64" absent or true
 *     (RFC 7797's unencoded payload is not taken): else
 *     KALIT_ERR_MALFORMED;
 *  6. no "jwk", "jku" or "x5u": the key is x5c's certificate's, named
 *     nowhere else (else KALIT_ERR_MALFORMED);
 *  7. "typ": absent, or a string of any value (RFC 7523 fixes none):
 *     else KALIT_ERR_MALFORMED;
 *  8. "x5c": a non-empty array (else KALIT_ERR_MALFORMED) of at most
 *     JWS_X5C_MAX elements (else KALIT_ERR_TOO_LARGE), each a non-empty
 *     string (else KALIT_ERR_MALFORMED) read by jws_x5c_cert() with
 *     JWS_CERT_MAX: its KALIT_ERR_ENCODING, KALIT_ERR_TOO_LARGE or
 *     KALIT_ERR_MALFORMED;
 *  9. "x5t#S256": absent, or a string that is the base64url SHA-256 of
 *     x5c[0]'s DER (else KALIT_ERR_MALFORMED);
 * 10. the signature part is base64url without padding (else
 *     KALIT_ERR_MALFORMED) of at most JWA_SIG_MAX bytes (else
 *     KALIT_ERR_TOO_LARGE), and jwa_verify() of it over the ASCII bytes
 *     "<header part>.<payload part>" with x5c[0]'s key is KALIT_OK (else
 *     its KALIT_ERR_SIG_ALGORITHM, KALIT_ERR_CERT_KEY_WEAK or
 *     KALIT_ERR_SIGNATURE);
 * 11. then only, the payload is one JSON object as in 3 (else
 *     KALIT_ERR_MALFORMED).
 * Other header members ("kid", "x5t", ...) are ignored. KALIT_ERR_NOMEM
 * when memory runs out. *whyp (may be NULL) gets a short static text for
 * the log (NULL on KALIT_OK); it never holds anything of jws. The
 * certificates become X509 objects through certs (cms.h), or are parsed
 * here when certs is NULL or its get() returns NULL. Caller frees *out
 * with jws_x5c_clear().
 */
int	jws_x5c_verify(const char *jws, size_t len,
	    const struct cms_certs *certs, struct jws_x5c *out,
	    const char **whyp);

/* Frees what j holds and zeroes it; j may be zeroed or verified. */
void	jws_x5c_clear(struct jws_x5c *j);

/*
 * One certificate as x5c carries it (RFC 7515 §4.1.6), and Web eID's
 * unverifiedCertificate too: the len characters of b64 are canonical
 * padded standard base64 (base64_decode_canonical(); else
 * KALIT_ERR_ENCODING, an empty b64 included) of at most max bytes (else
 * KALIT_ERR_TOO_LARGE, before decoding) that are one DER certificate with
 * nothing after it (else KALIT_ERR_MALFORMED). It becomes an X509 through
 * certs, or is parsed here when certs is NULL or its get() returns NULL.
 * Caller frees *certp with X509_free().
 */
int	jws_x5c_cert(const char *b64, size_t len, size_t max,
	    const struct cms_certs *certs, X509 **certp);

#endif
