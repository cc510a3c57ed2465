/* identity.h: who a certificate names: PINFL, TIN and names, Uzbek style */
#ifndef KALIT_IDENTITY_H
#define KALIT_IDENTITY_H

#include <openssl/x509.h>

#include "profile.h"

#define IDENTITY_OID_ORG_TIN	"1.2.860.3.16.1.1"	/* organisation TIN */
#define IDENTITY_OID_PINFL	"1.2.860.3.16.1.2"	/* personal number */
#define IDENTITY_NAME_MAX	64	/* characters, RFC 5280 ub-name */
#define IDENTITY_EMAIL_MAX	128
#define IDENTITY_DNS_MAX	253	/* characters of a DNS name, RFC 1035 */
#define IDENTITY_IP_MAX		46	/* INET6_ADDRSTRLEN, NUL included */
#define IDENTITY_HOSTS_MAX	32	/* DNS names and IP addresses */

/*
 * Fields indexed by enum identity_field; NULL when absent. dns and ip are
 * the host names of subjectAltName (dNSName, iPAddress) in their canonical
 * text, n_dns and n_ip of them. Everything is owned.
 */
struct identity {
	char	*field[IDENTITY__MAX];
	char	*dns[IDENTITY_HOSTS_MAX];
	char	*ip[IDENTITY_HOSTS_MAX];
	size_t	 n_dns;
	size_t	 n_ip;
};

/* KALIT_OK if s is exactly 14 ASCII digits, else KALIT_ERR_PINFL. */
int	identity_check_pinfl(const char *s);

/* KALIT_OK if s is exactly 9 ASCII digits, else KALIT_ERR_TIN. */
int	identity_check_tin(const char *s);

/*
 * KALIT_OK if s is a name people are shown as it is: valid UTF-8 of 1 to
 * IDENTITY_NAME_MAX characters without control or direction-override
 * characters (as every name of a certificate), else KALIT_ERR_SUBJECT.
 */
int	identity_check_name(const char *s);

/*
 * Checks and stores a copy of value in field f: PINFL and TINs by format,
 * names as 1..64 characters of UTF-8 without control characters, email
 * as printable ASCII with one '@', country as two capitals.
 * Returns KALIT_ERR_PINFL, KALIT_ERR_TIN or KALIT_ERR_SUBJECT on bad input.
 */
int	identity_set(struct identity *id, enum identity_field f,
	    const char *value);

/*
 * Checks a DNS name for a dNSName: 1..253 characters, labels of 1..63
 * letters, digits and '-' that neither start nor end with '-', no trailing
 * dot, no wildcard, and a last label that is not all digits (an address
 * goes in an iPAddress). Writes it in lower case to out. Returns
 * KALIT_ERR_SUBJECT (logging why) for a bad name.
 */
int	identity_check_dns(const char *s, char out[IDENTITY_DNS_MAX + 1]);

/*
 * Parses an IPv4 or IPv6 address with inet_pton() and writes its canonical
 * text (inet_ntop()) to out. Returns KALIT_ERR_SUBJECT for anything else.
 */
int	identity_check_ip(const char *s, char out[IDENTITY_IP_MAX]);

/*
 * Checks a host name as above and adds it to id->dns or id->ip, once
 * (repeats are dropped). KALIT_ERR_SUBJECT for a bad name or more than
 * IDENTITY_HOSTS_MAX of them.
 */
int	identity_add_dns(struct identity *id, const char *name);
int	identity_add_ip(struct identity *id, const char *addr);

/*
 * Checks id against the profile: required fields present, no field the
 * profile does not allow, host names as its host_names key says
 * (KALIT_ERR_SUBJECT), and fills the defaults (cn = "surname given_name",
 * else the first host name; country from the profile).
 */
int	identity_complete(struct identity *id, const struct profile *p);

/* Builds the subject DN; caller frees *namep with X509_NAME_free(). */
int	identity_to_name(const struct identity *id, X509_NAME **namep);

/*
 * Reads the identity back from a certificate's subject and its SAN email,
 * DNS names and IP addresses (the first IDENTITY_HOSTS_MAX of them).
 * KALIT_ERR_CERT_IDENTITY (logged, naming the attribute, never its value)
 * when the identity is ambiguous or not text kalit may show: an attribute
 * it reads given twice (in the subject, in the SAN, or in the subject
 * and a SAN directoryName: two PINFLs, two TINs, two email addresses), a
 * value that is not UTF-8 or holds control characters (C0, DEL, C1) or
 * direction controls (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069,
 * and U+FEFF), a SAN email or DNS name that is not ASCII, or a SAN
 * extension that is malformed or given twice. Formats (a PINFL's 14
 * digits) are the caller's to check.
 */
int	identity_from_cert(X509 *cert, struct identity *id);

/* Frees the fields and host names (not id itself). */
void	identity_clear(struct identity *id);

#endif
