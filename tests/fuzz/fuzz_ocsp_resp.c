/*
 * fuzz_ocsp_resp.c: an OCSP response from whatever answers at a
 * certificate's OCSP URL, as kalitd and kalit check it, about the Holder
 * and the Other certificate of revocation_pki.h
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "err.h"
#include "log.h"
#include "ocsp.h"
#include "revocation_pki.h"
#include "x509.h"

#define NOW	FUZZ_PKI_NOW
#define LEEWAY	300	/* ocsp.c's OCSP_LEEWAY */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A certificate, its issuer, and requests about it. */
struct subject {
	X509		*cert;
	struct ocsp_req	*plain;		/* no nonce */
	struct ocsp_req	*nonce;		/* a fresh nonce, as kalitd sends */
};

static struct {
	X509		*ca;
	X509_STORE	*store;		/* the root, at NOW */
	struct subject	 holder, other;
} pki;

static void
request(struct subject *s, const char *pem)
{
	unsigned char *der;
	size_t len;

	s->cert = fuzz_pki_cert(pem);
	if (ocsp_request_new(s->cert, pki.ca, 0, &s->plain, &der, &len) !=
	    KALIT_OK)
		abort();
	OPENSSL_free(der);
	if (ocsp_request_new(s->cert, pki.ca, 1, &s->nonce, &der, &len) !=
	    KALIT_OK)
		abort();
	OPENSSL_free(der);
}

static void
pki_init(void)
{
	X509 *root = fuzz_pki_cert(fuzz_pki_root);

	pki.ca = fuzz_pki_cert(fuzz_pki_ca);
	/* Chains are judged at NOW, not at the real time. */
	if ((pki.store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(pki.store, root) != 1)
		abort();
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(pki.store),
	    (time_t)NOW);
	X509_free(root);
	request(&pki.holder, fuzz_pki_holder);
	request(&pki.other, fuzz_pki_other);
}

/* The basic response of a successful response, parsed here; or NULL. */
static OCSP_BASICRESP *
basic_of(const uint8_t *data, size_t size)
{
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs = NULL;
	void *v;

	if (x509_d2i_exact(ASN1_ITEM_rptr(OCSP_RESPONSE), NULL, data, size,
	    OCSP_RESPONSE_MAX, &v) != KALIT_OK)
		return NULL;
	resp = v;
	if (OCSP_response_status(resp) == OCSP_RESPONSE_STATUS_SUCCESSFUL)
		bs = OCSP_response_get1_basic(resp);
	OCSP_RESPONSE_free(resp);
	return bs;
}

/*
 * What ocsp_response_check() said of cert (r, st) holds in the response:
 * it has one answer for cert's serial and issuer, with that status, and
 * is current at NOW.
 */
static void
established(OCSP_BASICRESP *bs, X509 *cert, int r,
    const struct rev_status *st)
{
	ASN1_GENERALIZEDTIME *rev, *thisupd, *nextupd;
	OCSP_CERTID *id;
	int idx, status, reason = -1;

	if (bs == NULL ||
	    (id = OCSP_cert_to_id(EVP_sha1(), cert, pki.ca)) == NULL)
		abort();
	if ((idx = OCSP_resp_find(bs, id, -1)) < 0 ||
	    OCSP_resp_find(bs, id, idx) >= 0)
		abort();	/* not exactly one answer about cert */
	OCSP_CERTID_free(id);
	status = OCSP_single_get0_status(OCSP_resp_get0(bs, idx), &reason,
	    &rev, &thisupd, &nextupd);
	if (strcmp(st->source, "ocsp") != 0 || st->origin[0] != '\0' ||
	    st->this_update > NOW + LEEWAY ||
	    (nextupd != NULL && st->next_update < NOW - LEEWAY) ||
	    (nextupd == NULL && st->next_update != 0))
		abort();
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		if (r != KALIT_OK || st->reason != -1 || st->revoked_at != 0)
			abort();
		break;
	case V_OCSP_CERTSTATUS_REVOKED:
		if (r != (reason == OCSP_REVOKED_STATUS_CERTIFICATEHOLD ?
		    KALIT_ERR_CERT_ON_HOLD : KALIT_ERR_CERT_REVOKED) ||
		    st->reason != reason || st->revoked_at == 0)
			abort();
		break;
	default:	/* "unknown" establishes nothing */
		abort();
	}
	if (st->status != r)
		abort();
}

/* ocsp_response_check() of the input about s; its verdict. */
static int
check(struct subject *s, struct ocsp_req *req, OCSP_BASICRESP *bs,
    const uint8_t *data, size_t size)
{
	struct rev_status st, untouched;
	int r;

	memset(&st, 0xa5, sizeof(st));
	untouched = st;
	r = ocsp_response_check(req, data, size, pki.store, NOW, &st);
	if (r == KALIT_OK || r == KALIT_ERR_CERT_REVOKED ||
	    r == KALIT_ERR_CERT_ON_HOLD)
		established(bs, s->cert, r, &st);
	else if (r != KALIT_ERR_REVOCATION_UNKNOWN ||
	    memcmp(&st, &untouched, sizeof(st)) != 0)
		abort();	/* unknown leaves *st alone */
	if (ERR_peek_error() != 0)
		abort();	/* nor anything on OpenSSL's error queue */
	return r;
}

static void
subject(struct subject *s, OCSP_BASICRESP *bs, const uint8_t *data,
    size_t size)
{
	int plain, nonce, echoed;

	plain = check(s, s->plain, bs, data, size);
	nonce = check(s, s->nonce, bs, data, size);
	/*
	 * A nonce in the response is not the one asked for: refused. A
	 * response without one is judged as if none had been asked.
	 */
	echoed = bs != NULL &&
	    OCSP_BASICRESP_get_ext_by_NID(bs, NID_id_pkix_OCSP_Nonce, -1) >= 0;
	if (echoed ? nonce != KALIT_ERR_REVOCATION_UNKNOWN : nonce != plain)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	OCSP_BASICRESP *bs;

	log_init("fuzz_ocsp_resp", -1);
	if (pki.ca == NULL)
		pki_init();
	bs = basic_of(data, size);
	ERR_clear_error();
	subject(&pki.holder, bs, data, size);
	subject(&pki.other, bs, data, size);
	OCSP_BASICRESP_free(bs);
	ERR_clear_error();
	return 0;
}
