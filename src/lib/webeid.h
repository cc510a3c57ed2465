/*
 * webeid.h: Web eID authentication tokens (format "web-eid:1"): their
 * parsing, and the check of their signature over the site's origin and the
 * challenge. The certificate a token carries is NOT judged here: the caller
 * validates it as for any login (path, revocation, key usage, policy,
 * identity).
 *
 * A token is the JSON object the Web eID browser extension returns from
 * authenticate(), or that kalitd's login page makes with a key file:
 *
 *	{"unverifiedCertificate": "MII...", "algorithm": "ES384",
 *	 "signature": "...", "format": "web-eid:1.0",
 *	 "appVersion": "https://web-eid.eu/web-eid-app/releases/2.5.0"}
 *
 * The key signs hash(origin) || hash(challenge), hash being the algorithm's
 * (SHA-256 for ES256, PS256, RS256), over the UTF-8 bytes of the origin and
 * of the challenge's text; the signature algorithm hashes that value once
 * more. See docs/webeid.md for what follows web-eid-authtoken-validation-java
 * and what is stricter.
 */
#ifndef KALIT_WEBEID_H
#define KALIT_WEBEID_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "cms.h"
#include "jwa.h"

/* The spec's TOKEN_MIN_LENGTH and TOKEN_MAX_LENGTH, counted in bytes. */
#define WEBEID_TOKEN_MIN	100
#define WEBEID_TOKEN_MAX	10000
#define WEBEID_CERT_MAX		6144	/* DER bytes of one certificate */
#define WEBEID_SIG_MAX		JWA_SIG_MAX	/* signature bytes */
#define WEBEID_INTERMEDIATES_MAX 4	/* unverifiedIntermediateCertificates */
#define WEBEID_APP_VERSION_MAX	256	/* bytes of appVersion */
#define WEBEID_ORIGIN_MAX	267	/* "https://" 253 ":" 65535 */

/*
 * A parsed token. Everything in it is as the browser sent it: untrusted
 * until webeid_verify() and the caller's certificate validation pass.
 */
struct webeid_token {
	unsigned long	 minor;		/* "web-eid:1.<minor>"; 0 for
					   "web-eid:1" */
	enum jwa_alg	 alg;
	X509		*cert;		/* unverifiedCertificate */
	STACK_OF(X509)	*intermediates;	/* unverifiedIntermediateCertificates
					   (path candidates only), or NULL
					   when absent or empty */
	unsigned char	*sig;		/* signature, as decoded */
	size_t		 sig_len;
	char		 app_version[WEBEID_APP_VERSION_MAX + 1];
					/* "" when absent; untrusted text:
					   escape it before logging */
};

/*
 * Parses len bytes of json into *t; on failure *t holds nothing. Checked
 * in this order, the first failure deciding the code:
 *  1. len is 100 to 10000 bytes, before anything is parsed:
 *     KALIT_ERR_MALFORMED when shorter, KALIT_ERR_TOO_LARGE when longer;
 *  2. one JSON object and nothing after it, no member given twice at any
 *     depth (JSON_REJECT_DUPLICATES), no \u0000 in a string: else
 *     KALIT_ERR_MALFORMED;
 *  3. "format": a string (else KALIT_ERR_MALFORMED) that is "web-eid:1"
 *     or "web-eid:1.<minor>", minor being 0 or 1 to 9 digits without a
 *     leading zero (else KALIT_ERR_WEBEID_FORMAT): minor versions of a
 *     major are compatible, and one version has one spelling;
 *  4. "algorithm": a string (else KALIT_ERR_MALFORMED) that is exactly
 *     one of ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 (else
 *     KALIT_ERR_SIG_ALGORITHM);
 *  5. "appVersion": absent, or a string (else KALIT_ERR_MALFORMED) of at
 *     most WEBEID_APP_VERSION_MAX bytes (else KALIT_ERR_TOO_LARGE);
 *  6. "signature", then "unverifiedCertificate": each a non-empty string
 *     (else KALIT_ERR_MALFORMED) of standard base64 as the Web eID app
 *     writes it: RFC 4648 §4 alphabet, padded, canonical, nothing else
 *     (else KALIT_ERR_ENCODING), of at most WEBEID_SIG_MAX and
 *     WEBEID_CERT_MAX bytes (else KALIT_ERR_TOO_LARGE, before decoding);
 *     the certificate is one DER certificate with nothing after it (else
 *     KALIT_ERR_MALFORMED);
 *  7. "unverifiedIntermediateCertificates" (web-eid:1.1; taken in any
 *     1.x): absent, or an array (else KALIT_ERR_MALFORMED) of at most
 *     WEBEID_INTERMEDIATES_MAX elements (else KALIT_ERR_TOO_LARGE) each
 *     as "unverifiedCertificate".
 * Other members (such as web-eid:1.1's "unverifiedSigningCertificates")
 * are ignored, as the spec's implementations do: later minor versions add
 * members. KALIT_ERR_NOMEM when memory runs out. *whyp (may be NULL) gets
 * a short static text for the log (NULL on KALIT_OK); it never holds
 * anything from the token. Certificates become X509 objects through certs
 * (cms.h) as those a CMS carries, or are parsed here when certs is NULL or
 * its get() returns NULL. Caller frees *t with webeid_token_clear().
 */
int	webeid_parse(const char *json, size_t len,
	    const struct cms_certs *certs, struct webeid_token *t,
	    const char **whyp);

/*
 * webeid_parse() of a token already parsed as JSON, in a larger document
 * parsed with JSON_REJECT_DUPLICATES and without JSON_ALLOW_NUL: root
 * (borrowed), which len bytes of text made. Rule 2's object check is
 * made; its text checks were the caller's parse.
 */
int	webeid_parse_json(const json_t *root, size_t len,
	    const struct cms_certs *certs, struct webeid_token *t,
	    const char **whyp);

/* Frees what t holds and zeroes it; t may be zeroed or parsed. */
void	webeid_token_clear(struct webeid_token *t);

/*
 * Checks an origin as the browser writes location.origin, which is what
 * the key signs: "https://" host [":" port] or, for development only,
 * "http://localhost:" port or "http://127.0.0.1:" port. The host is a DNS
 * name in lower case (labels of 1 to 63 letters, digits and '-', neither
 * starting nor ending with '-', no trailing dot, 253 characters at most)
 * or a dotted-quad IPv4 address as browsers print it; no IPv6, user,
 * path, query, fragment or trailing slash. The port is decimal without a
 * leading zero, 1 to 65535, and not the scheme's default (443 or 80),
 * which browsers leave out. KALIT_ERR_CONFIG otherwise, with *whyp (may
 * be NULL) a static text saying why. kalitd checks its configured origin
 * with it at startup.
 */
int	webeid_origin_check(const char *origin, const char **whyp);

/*
 * Verifies t's signature with t->cert's key over hash(origin) ||
 * hash(challenge), challenge being the text kalitd issued (as sent to
 * the browser, hashed as its bytes). Returns:
 *  - KALIT_ERR_CONFIG when origin fails webeid_origin_check();
 *  - KALIT_ERR_CHALLENGE_UNKNOWN when challenge is NULL or empty;
 *  - KALIT_ERR_INTERNAL when t was not parsed;
 * and then jwa_verify()'s codes (jwa.h):
 *  - KALIT_ERR_SIG_ALGORITHM when the algorithm does not fit the key:
 *    ES256, ES384 and ES512 need an EC key on P-256, P-384 and P-521
 *    (named curve), RS* and PS* an RSA key (rsaEncryption);
 *  - KALIT_ERR_CERT_KEY_WEAK for an RSA key under 2048 bits (RFC 7518
 *    §3.3, §3.5);
 *  - KALIT_ERR_SIGNATURE when the signature is not of the algorithm's
 *    length (ECDSA: raw r || s of 64, 96 or 132 bytes; RSA: the modulus'
 *    size) or does not verify (RSASSA-PSS: MGF1 with the same hash, salt
 *    as long as the hash).
 * *whyp (may be NULL) gets a short static text for the log (NULL on
 * KALIT_OK). Only t's signature is checked: the caller validates t->cert.
 */
int	webeid_verify(const struct webeid_token *t, const char *origin,
	    const char *challenge, const char **whyp);

#endif
