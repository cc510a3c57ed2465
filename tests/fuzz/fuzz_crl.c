/*
 * fuzz_crl.c: a CRL from whatever answers at a certificate's CRL
 * distribution point (or a file in kalitd's crl_dir), DER or PEM, as
 * kalitd and kalit read it, and what it says of the Holder and the Other
 * certificate of revocation_pki.h
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "err.h"
#include "log.h"
#include "ocsp.h"
#include "revocation_pki.h"
#include "x509.h"

#define NOW	FUZZ_PKI_NOW
#define LEEWAY	300	/* crl_status.c's CRL_LEEWAY */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	X509	*ca, *holder, *other;
} pki;

/*
 * A verdict other than "unknown" comes from a CRL of the issuer, signed
 * with its key, current at NOW, complete (no delta), and from its entry
 * for cert's serial, if any: revoked or on hold with that entry's reason
 * and date, good when there is none.
 */
static void
established(X509_CRL *crl, X509 *cert, int r, const struct rev_status *st)
{
	X509_REVOKED *rev = NULL;
	ASN1_ENUMERATED *code;
	int64_t at;
	int reason = -1, found;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(pki.ca)) != 0 ||
	    X509_CRL_verify(crl, X509_get0_pubkey(pki.ca)) != 1 ||
	    X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0 ||
	    strcmp(st->source, "crl") != 0 || st->status != r ||
	    st->this_update > NOW + LEEWAY || st->next_update <= NOW)
		abort();
	found = X509_CRL_get0_by_serial(crl, &rev,
	    X509_get0_serialNumber(cert));
	if (r == KALIT_OK) {
		if (found != 0 || st->reason != -1 || st->revoked_at != 0)
			abort();
		return;
	}
	if (found != 1)
		abort();	/* revoked, yet no entry with the serial */
	if ((code = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL,
	    NULL)) != NULL)
		reason = (int)ASN1_ENUMERATED_get(code);
	ASN1_ENUMERATED_free(code);
	if (x509_time_unix(X509_REVOKED_get0_revocationDate(rev), &at) !=
	    KALIT_OK || at != st->revoked_at || reason != st->reason ||
	    r != (reason == CRL_REASON_CERTIFICATE_HOLD ?
	    KALIT_ERR_CERT_ON_HOLD : KALIT_ERR_CERT_REVOKED))
		abort();
}

/* crl_status() of cert, twice: the first call sorts the entries. */
static void
status(X509_CRL *crl, X509 *cert)
{
	struct rev_status st, again;
	int r;

	memset(&st, 0, sizeof(st));
	memset(&again, 0, sizeof(again));
	r = crl_status(crl, cert, pki.ca, NOW, &st);
	if (crl_status(crl, cert, pki.ca, NOW, &again) != r)
		abort();
	if (r == KALIT_ERR_REVOCATION_UNKNOWN)
		return;
	if ((r != KALIT_OK && r != KALIT_ERR_CERT_REVOKED &&
	    r != KALIT_ERR_CERT_ON_HOLD) || memcmp(&st, &again,
	    sizeof(st)) != 0)
		abort();
	established(crl, cert, r, &st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509_CRL *crl = NULL;
	int r;

	log_init("fuzz_crl", -1);
	if (pki.ca == NULL) {
		pki.ca = fuzz_pki_cert(fuzz_pki_ca);
		pki.holder = fuzz_pki_cert(fuzz_pki_holder);
		pki.other = fuzz_pki_cert(fuzz_pki_other);
	}
	r = crl_parse(data, size, &crl);
	if ((r == KALIT_OK) != (crl != NULL) || (r != KALIT_OK &&
	    r != KALIT_ERR_MALFORMED && r != KALIT_ERR_TOO_LARGE))
		abort();	/* a refusal hands nothing out */
	if (crl != NULL) {
		status(crl, pki.holder);
		status(crl, pki.other);
	}
	X509_CRL_free(crl);
	ERR_clear_error();
	return 0;
}
