/* tsp.h: RFC 3161 timestamps as a client: asking a TSA, checking tokens */
#ifndef KALIT_TSP_H
#define KALIT_TSP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "validate.h"
#include "x509.h"

#define TSP_REPLY_MAX	(64 * 1024)	/* a TimeStampResp, TSA chain in */
#define TSP_TOKEN_MAX	TSP_REPLY_MAX	/* one token in a signature */
#define TSP_OID_MAX	128		/* dotted policy OID, NUL in */

/* A request sent, kept to check its reply against. */
struct tsp_req;

/*
 * A TimeStampReq (RFC 3161 2.4.1) over len bytes of data: their SHA-256
 * as the message imprint, a fresh 64-bit nonce, certReq set so that the
 * reply carries the TSA's certificate. Caller frees *reqp with
 * tsp_request_free() and *derp with OPENSSL_free().
 */
int	tsp_request_new(const void *data, size_t len, struct tsp_req **reqp,
	    unsigned char **derp, size_t *lenp);
void	tsp_request_free(struct tsp_req *req);

/*
 * Checks a DER TimeStampResp (at most TSP_REPLY_MAX bytes) to req:
 * granted (or grantedWithMods), a token whose CMS signature verifies
 * with the TSA certificate it carries and names with its
 * signing-certificate attribute, a TSTInfo that parses, the nonce and
 * the message imprint of req. The TSA is not judged here; the verifier
 * does that with its trust store. KALIT_ERR_TIMESTAMP_REFUSED when the
 * TSA refused (its status, failure and text logged),
 * KALIT_ERR_TIMESTAMP_INVALID for anything else (logged). On KALIT_OK
 * *tokenp (caller frees with OPENSSL_free()) and *tokenlenp are the
 * token's DER, *gen_timep its time.
 */
int	tsp_reply_check(const struct tsp_req *req, const unsigned char *der,
	    size_t len, unsigned char **tokenp, size_t *tokenlenp,
	    int64_t *gen_timep);

/* Where to ask; every pointer borrowed. */
struct tsp_server {
	const char	*url;		/* http:// or https:// */
	const char	*cafile;	/* https trust anchors, or NULL */
	long		 timeout_ms;	/* <= 0: FETCH_TIMEOUT_MS */
};

/*
 * Asks the TSA at srv for a timestamp over data: tsp_request_new(), a
 * POST of application/timestamp-query, tsp_reply_check(). Errors as
 * theirs and fetch()'s (KALIT_ERR_NETWORK); a status other than 200 is
 * KALIT_ERR_TIMESTAMP_REFUSED, an answer larger than TSP_REPLY_MAX
 * KALIT_ERR_TIMESTAMP_INVALID. Outputs as tsp_reply_check().
 */
int	tsp_stamp(const struct tsp_server *srv, const void *data, size_t len,
	    unsigned char **tokenp, size_t *tokenlenp, int64_t *gen_timep);

/* What a token in a signature is worth, checks in this order. */
enum tsp_status {
	TSP_NONE = 0,		/* no token */
	TSP_VALID,		/* every check below passed */
	TSP_MALFORMED,		/* not a token with a TSTInfo and an ESS
				   signing-certificate attribute */
	TSP_SIGNATURE,		/* its signature does not verify, or its ESS
				   attribute names another certificate */
	TSP_IMPRINT,		/* over other data */
	TSP_UNTRUSTED,		/* the TSA's certificate is missing, or does
				   not chain to the trust store at genTime */
	TSP_PURPOSE		/* not a timestamping certificate */
};

/* A token as tsp_token_verify() found it. Owns tsa and chain. */
struct tsp_info {
	enum tsp_status	 status;
	int64_t		 gen_time;	/* 0: unknown */
	X509		*tsa;		/* the TSA's certificate, or NULL */
	STACK_OF(X509)	*chain;		/* its trusted path, tsa first; or
					   NULL */
	char		 serial[X509_SERIAL_HEX_MAX + 1]; /* TSTInfo's; "" */
	char		 policy[TSP_OID_MAX];	/* dotted; "" */
	const char	*digest_alg;	/* the imprint's, "sha256"; static;
					   NULL */
};

/*
 * Verifies the DER token (at most TSP_TOKEN_MAX bytes) as a timestamp
 * over dlen bytes of data: the checks of enum tsp_status, the TSA's
 * certificate found in the token or in extra (may be NULL), its path
 * through v's trust store at the token's genTime (a TSA certificate
 * outlives none of its timestamps), the one extended key usage
 * timeStamping, critical (RFC 3161 2.3). Revocation of the TSA's
 * certificate is not checked: distrust a TSA by taking its CA out of the
 * trust store. Fills *info (free with tsp_info_clear()) as far as the
 * token could be read, info->status the verdict. KALIT_OK unless memory
 * or an internal error stopped it.
 */
int	tsp_token_verify(struct validator *v, const unsigned char *der,
	    size_t len, const unsigned char *data, size_t dlen,
	    STACK_OF(X509) *extra, struct tsp_info *info);

/* Frees what info holds and zeroes it; info may be NULL. */
void	tsp_info_clear(struct tsp_info *info);

/*
 * "none", "valid", "malformed", "signature_invalid", "imprint_mismatch",
 * "untrusted", "not_timestamping"; static.
 */
const char *tsp_status_name(enum tsp_status s);

#endif
