/* x509.h: building and signing certificates from a profile */
#ifndef KALIT_X509_H
#define KALIT_X509_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "profile.h"

#define X509_SERIAL_HEX_MAX	64	/* our serials are 32 hex digits */
#define X509_CERT_MAX_SIZE	(64 * 1024)

/* What to put in a certificate; every pointer is borrowed. */
struct x509_spec {
	const struct profile *profile;
	const X509_NAME	*subject;
	const char	*email;		/* subjectAltName rfc822Name, or NULL */
	/* subjectAltName dNSNames and iPAddresses (as text), as checked by
	 * identity_check_dns() and identity_check_ip() */
	char *const	*dns;
	size_t		 n_dns;
	char *const	*ip;
	size_t		 n_ip;
	EVP_PKEY	*pubkey;	/* the subject's key */
	X509		*issuer;	/* NULL: self-signed by pubkey's pair */
	EVP_PKEY	*issuer_key;	/* signs; private */
	time_t		 not_before;
	int		 days;		/* 0: the profile's */
	const char	*policies;	/* overrides the profile's, or NULL */
	const char	*serial_hex;	/* from x509_serial_new(), or NULL */
	const char	*crl_url;	/* CRL distribution point, or NULL */
	const char	*freshest_url;	/* Freshest CRL (delta CRLs), or NULL */
	const char	*ocsp_url;	/* AIA OCSP, or NULL */
	const char	*ca_issuers_url; /* AIA caIssuers, or NULL */
};

/*
 * Draws a serial: 126 bits from the CSPRNG, positive, 16 bytes, as
 * x509_serial_hex() prints it (32 hex digits) into buf.
 */
int	x509_serial_new(char *buf, size_t len);

/*
 * Builds and signs a certificate with spec->serial_hex, or else a fresh
 * serial (see x509_serial_new()). Only the profile decides the extensions,
 * apart from the subjectAltName of email, dns and ip; notAfter is clamped
 * to the issuer's. KALIT_ERR_CONFIG for a bad profile value, or an
 * end-entity profile whose extensions make a CA certificate (x509_is_ca()),
 * KALIT_ERR_CSR_KEY_WEAK for a subject key that is not of a type
 * key_type_of() knows and the profile allows, KALIT_ERR_SUBJECT for an ip
 * entry that is not an address: what kalitd refuses is not issued.
 * Caller frees *certp with X509_free().
 */
int	x509_issue(const struct x509_spec *spec, X509 **certp);

/*
 * 1 when cert is a CA's: basicConstraints cA, whatever its keyUsage;
 * X509_check_ca() says so (keyCertSign without basicConstraints, a
 * version 1 self-signed certificate); or its keyUsage has keyCertSign,
 * which RFC 5280 section 4.2.1.3 allows only with cA. Else 0.
 */
int	x509_is_ca(X509 *cert);

/* Serial as lowercase hex without leading zeros into buf. */
int	x509_serial_hex(const X509 *cert, char *buf, size_t len);
/* The same for any INTEGER (an OCSP CertID's serial); "-..." if negative. */
int	x509_integer_hex(const ASN1_INTEGER *serial, char *buf, size_t len);

/*
 * Normalises a serial typed by a person ("0A:1b", "0x0a1b") to lowercase
 * hex without leading zeros; KALIT_ERR_MALFORMED if it is not hex.
 */
int	x509_serial_normalize(const char *in, char *buf, size_t len);

/*
 * One DER value of type it (ASN1_ITEM_rptr(X509), ASN1_ITEM_rptr(X509_CRL),
 * ...) that fills len bytes of buf exactly; or, when label is not NULL and
 * buf holds "-----BEGIN ", the first PEM block labelled label
 * (PEM_STRING_X509, ...) anywhere in it, whose DER fills the block. Bytes
 * after the value would give one object many encodings: they are refused.
 * KALIT_ERR_TOO_LARGE when len is over max, before anything is read;
 * KALIT_ERR_MALFORMED otherwise (OpenSSL's reasons logged at debug).
 * Caller frees *outp with the type's _free().
 */
int	x509_d2i_exact(const ASN1_ITEM *it, const char *label,
	    const unsigned char *buf, size_t len, size_t max, void **outp);

/* Parses one certificate, PEM or DER; caller frees *certp. */
int	x509_parse(const unsigned char *buf, size_t len, X509 **certp);

/* PEM text of cert; caller frees *pemp with free(). */
int	x509_to_pem(X509 *cert, char **pemp);

/* DER of cert; caller frees *derp with OPENSSL_free(). */
int	x509_to_der(X509 *cert, unsigned char **derp, size_t *lenp);

/*
 * name as RFC 2253 text with UTF-8 kept readable and control characters
 * (C0, DEL, C1) and direction controls (U+200E, U+200F, U+202A to U+202E,
 * U+2066 to U+2069, U+FEFF) escaped as hex pairs, "\E2\80\AE"
 * ("CN=Aliyev Vali,O=..."); caller frees *textp with free().
 */
int	x509_name_text(const X509_NAME *name, char **textp);

#define X509_TIME_ISO_LEN	21	/* "2026-11-23T10:00:00Z" and NUL */

/* Seconds since the epoch of t; KALIT_ERR_MALFORMED if t is NULL or bad. */
int	x509_time_unix(const ASN1_TIME *t, int64_t *out);

/* t as ISO 8601 UTC ("2026-11-23T10:00:00Z"), or "?" if out of range. */
void	x509_time_iso(int64_t t, char buf[X509_TIME_ISO_LEN]);

/*
 * The memory a certificate or CRL of der_len bytes of DER takes once
 * parsed, estimated for the byte budgets of caches: measured with
 * mallinfo2() on OpenSSL 3.0, a P-256 certificate of 470 bytes takes
 * 6 KB, one of 36 KB with 1,200 RDNs 384 KB, a CRL of 1.7 MB with 50,000
 * entries 19 MB: about ten times the DER, plus the key's decoder.
 */
size_t	x509_parsed_cost(size_t der_len);

#endif
