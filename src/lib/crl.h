/* crl.h: certificate revocation lists (RFC 5280 section 5) */
#ifndef KALIT_CRL_H
#define KALIT_CRL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Reasons are RFC 5280 CRLReason values: OpenSSL's CRL_REASON_* constants. */

/* RFC 5280 name ("keyCompromise") → value; KALIT_ERR_REASON otherwise. */
int	crl_reason_parse(const char *name, int *reasonp);

/* Value → RFC 5280 name; "unknown" for values outside the standard. */
const char *crl_reason_name(int reason);

struct crl;

/*
 * Starts a CRL of issuer ca numbered number, thisUpdate this_update and
 * nextUpdate next_update. Caller frees *crlp with crl_free().
 */
int	crl_new(X509 *ca, int64_t number, time_t this_update,
	    time_t next_update, struct crl **crlp);

/* Adds an entry; the reason code extension is left out for unspecified. */
int	crl_add(struct crl *crl, const char *serial_hex, time_t revoked_at,
	    int reason);

/* Signs with ca_key and encodes; caller frees *derp with OPENSSL_free(). */
int	crl_sign(struct crl *crl, EVP_PKEY *ca_key, unsigned char **derp,
	    size_t *lenp);

void	crl_free(struct crl *crl);

/* PEM text of a DER CRL; caller frees *pemp with free(). */
int	crl_to_pem(const unsigned char *der, size_t len, char **pemp);

#endif
