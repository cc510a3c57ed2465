/*
 * crl_status.c: reading a CRL (crl_parse()) and what it says about a
 * certificate (crl_status(), RFC 5280 section 6.3.3)
 */
#include "config.h"

#include "crl.h"
#include "x509.h"
#include "err.h"
#include "log.h"
#include "ocsp.h"

#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define CRL_LEEWAY	300	/* seconds a thisUpdate may be ahead of us */

int
crl_parse(const unsigned char *buf, size_t len, X509_CRL **crlp)
{
	void *v;
	int r;

	r = x509_d2i_exact(ASN1_ITEM_rptr(X509_CRL), PEM_STRING_X509_CRL, buf,
	    len, CRL_MAX_SIZE, &v);
	*crlp = v;
	return r;
}

/* 1 if one of the full names of idp is among cert's CRL distribution points. */
static int
dp_matches(const DIST_POINT_NAME *idp, X509 *cert)
{
	STACK_OF(DIST_POINT) *cdp;
	GENERAL_NAMES *want, *have;
	DIST_POINT *dp;
	int i, j, k, found = 0;

	if (idp->type != 0)	/* nameRelativeToCRLIssuer: unsupported */
		return 0;
	if ((cdp = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL,
	    NULL)) == NULL)
		return 0;
	for (i = 0; !found && i < sk_DIST_POINT_num(cdp); i++) {
		dp = sk_DIST_POINT_value(cdp, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		want = idp->name.fullname;
		have = dp->distpoint->name.fullname;
		for (j = 0; j < sk_GENERAL_NAME_num(want); j++)
			for (k = 0; k < sk_GENERAL_NAME_num(have); k++)
				if (GENERAL_NAME_cmp(sk_GENERAL_NAME_value(want,
				    j), sk_GENERAL_NAME_value(have, k)) == 0)
					found = 1;
	}
	CRL_DIST_POINTS_free(cdp);
	return found;
}

/*
 * 1 if crl is a complete CRL covering cert (RFC 5280 6.3.3): no delta, no
 * unknown critical extension, not indirect, not limited to some reasons,
 * to attribute certificates or to the other kind of certificate, and when
 * it names a distribution point, one of cert's.
 */
static int
crl_scope_ok(X509_CRL *crl, X509 *cert)
{
	X509_EXTENSION *ext;
	ISSUING_DIST_POINT *idp;
	int i, crit = -1, ok = 0, ca;

	for (i = 0; i < X509_CRL_get_ext_count(crl); i++) {
		ext = X509_CRL_get_ext(crl, i);
		if (X509_EXTENSION_get_critical(ext) &&
		    OBJ_obj2nid(X509_EXTENSION_get_object(ext)) !=
		    NID_issuing_distribution_point)
			return 0;	/* delta CRLs included */
	}
	if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0)
		return 0;
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit,
	    NULL);
	if (idp == NULL)
		return crit == -1;	/* absent, not malformed or repeated */
	ca = X509_check_ca(cert) != 0;
	if (idp->onlysomereasons != NULL || idp->indirectCRL ||
	    idp->onlyattr || (idp->onlyuser && ca) || (idp->onlyCA && !ca))
		goto out;
	if (idp->distpoint != NULL && !dp_matches(idp->distpoint, cert))
		goto out;
	ok = 1;
 out:
	ISSUING_DIST_POINT_free(idp);
	return ok;
}

/*
 * 1 unless an entry of crl has a critical extension other than a reason
 * code: RFC 5280 5.3 forbids using such a CRL for any certificate, as the
 * extension may change what the entries mean (certificateIssuer would).
 * Called after X509_CRL_get0_by_cert(), which sorts the entries in place
 * (under the CRL's lock) the first time: this reads them. One pass,
 * cheap beside X509_CRL_verify() hashing them all.
 */
static int
entries_ok(X509_CRL *crl)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
	const STACK_OF(X509_EXTENSION) *exts;
	X509_EXTENSION *ext;
	int i, j;

	for (i = 0; i < sk_X509_REVOKED_num(revs); i++) {
		exts = X509_REVOKED_get0_extensions(
		    sk_X509_REVOKED_value(revs, i));
		for (j = 0; j < sk_X509_EXTENSION_num(exts); j++) {
			ext = sk_X509_EXTENSION_value(exts, j);
			if (X509_EXTENSION_get_critical(ext) &&
			    OBJ_obj2nid(X509_EXTENSION_get_object(ext)) !=
			    NID_crl_reason) {
				log_msg(LOG_LEVEL_INFO, "crl: an entry has a "
				    "critical extension kalit cannot process");
				return 0;
			}
		}
	}
	return 1;
}

/* Issuer, signature and currency of crl for cert at now. */
static int
crl_usable(X509_CRL *crl, X509 *cert, X509 *issuer, int64_t now,
    struct rev_status *st)
{
	EVP_PKEY *key;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(issuer)) != 0 ||
	    X509_NAME_cmp(X509_get_issuer_name(cert),
	    X509_get_subject_name(issuer)) != 0)
		return 0;
	if ((X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(issuer) & KU_CRL_SIGN)) {
		log_msg(LOG_LEVEL_INFO, "crl: issuer may not sign CRLs");
		return 0;
	}
	if ((key = X509_get0_pubkey(issuer)) == NULL ||
	    X509_CRL_verify(crl, key) != 1) {
		log_ssl(LOG_LEVEL_INFO, "X509_CRL_verify");
		return 0;
	}
	if (x509_time_unix(X509_CRL_get0_lastUpdate(crl),
	    &st->this_update) != KALIT_OK ||
	    x509_time_unix(X509_CRL_get0_nextUpdate(crl),
	    &st->next_update) != KALIT_OK) {
		log_msg(LOG_LEVEL_INFO, "crl: no nextUpdate");
		return 0;
	}
	if (st->this_update > now + CRL_LEEWAY || st->next_update <= now) {
		log_msg(LOG_LEVEL_INFO, "crl: not current");
		return 0;
	}
	if (!crl_scope_ok(crl, cert)) {
		log_msg(LOG_LEVEL_INFO, "crl: not a complete CRL for the "
		    "certificate");
		return 0;
	}
	return 1;
}

int
crl_status(X509_CRL *crl, X509 *cert, X509 *issuer, int64_t now,
    struct rev_status *st)
{
	X509_REVOKED *rev = NULL;
	ASN1_ENUMERATED *code;
	struct rev_status s;
	int crit = -1, found;

	memset(&s, 0, sizeof(s));
	s.reason = -1;
	s.source = "crl";
	if (!crl_usable(crl, cert, issuer, now, &s))
		return KALIT_ERR_REVOCATION_UNKNOWN;
	found = X509_CRL_get0_by_cert(crl, &rev, cert);
	if (!entries_ok(crl))
		return KALIT_ERR_REVOCATION_UNKNOWN;
	switch (found) {
	case 0:
		s.status = KALIT_OK;
		*st = s;
		return KALIT_OK;
	case 1:
		break;
	default:	/* removeFromCRL belongs in delta CRLs only */
		return KALIT_ERR_REVOCATION_UNKNOWN;
	}
	code = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
	if (code == NULL && crit != -1)
		return KALIT_ERR_REVOCATION_UNKNOWN;	/* malformed */
	if (code != NULL)
		s.reason = (int)ASN1_ENUMERATED_get(code);
	ASN1_ENUMERATED_free(code);
	if (x509_time_unix(X509_REVOKED_get0_revocationDate(rev),
	    &s.revoked_at) != KALIT_OK)
		return KALIT_ERR_REVOCATION_UNKNOWN;
	s.status = s.reason == CRL_REASON_CERTIFICATE_HOLD ?
	    KALIT_ERR_CERT_ON_HOLD : KALIT_ERR_CERT_REVOKED;
	*st = s;
	return s.status;
}
