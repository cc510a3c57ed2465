/* identity.h: who a certificate names: PINFL, TIN and names, Uzbek style */
#ifndef KALIT_IDENTITY_H
#define KALIT_IDENTITY_H

#include <openssl/x509.h>

#include "profile.h"

#define IDENTITY_OID_ORG_TIN	"1.2.860.3.16.1.1"	/* organisation TIN */
#define IDENTITY_OID_PINFL	"1.2.860.3.16.1.2"	/* personal number */
#define IDENTITY_NAME_MAX	64	/* characters, RFC 5280 ub-name */
#define IDENTITY_EMAIL_MAX	128

/* Fields indexed by enum identity_field; NULL when absent; owned. */
struct identity {
	char	*field[IDENTITY__MAX];
};

/* KALIT_OK if s is exactly 14 ASCII digits, else KALIT_ERR_PINFL. */
int	identity_check_pinfl(const char *s);

/* KALIT_OK if s is exactly 9 ASCII digits, else KALIT_ERR_TIN. */
int	identity_check_tin(const char *s);

/*
 * Checks and stores a copy of value in field f: PINFL and TINs by format,
 * names as 1..64 characters of UTF-8 without control characters, email
 * as printable ASCII with one '@', country as two capitals.
 * Returns KALIT_ERR_PINFL, KALIT_ERR_TIN or KALIT_ERR_SUBJECT on bad input.
 */
int	identity_set(struct identity *id, enum identity_field f,
	    const char *value);

/*
 * Checks id against the profile: required fields present, no field the
 * profile does not allow (KALIT_ERR_SUBJECT), and fills the defaults
 * (cn = "surname given_name", country from the profile).
 */
int	identity_complete(struct identity *id, const struct profile *p);

/* Builds the subject DN; caller frees *namep with X509_NAME_free(). */
int	identity_to_name(const struct identity *id, X509_NAME **namep);

/* Reads the identity back from a certificate's subject and SAN email. */
int	identity_from_cert(X509 *cert, struct identity *id);

/* Frees the fields (not id itself). */
void	identity_clear(struct identity *id);

#endif
