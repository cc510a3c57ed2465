/* ocsp.c: OCSP (RFC 6960): asking a responder about a certificate */
#include "config.h"

#include "ocsp.h"
#include "err.h"
#include "log.h"
#include "x509.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#define OCSP_LEEWAY	300	/* seconds of clock skew we tolerate */

struct ocsp_req {
	OCSP_REQUEST	*req;
	OCSP_CERTID	*id;
	/* Lets OCSP_basic_verify() find an issuer that left out its cert. */
	STACK_OF(X509)	*issuer;
};

void
ocsp_request_free(struct ocsp_req *q)
{
	if (q == NULL)
		return;
	OCSP_REQUEST_free(q->req);
	OCSP_CERTID_free(q->id);
	sk_X509_pop_free(q->issuer, X509_free);
	free(q);
}

static int
request_build(struct ocsp_req *q, X509 *cert, X509 *issuer, int nonce)
{
	OCSP_CERTID *id;

	/* SHA-1 CertIDs: what every responder indexes by (RFC 5019). */
	if ((q->id = OCSP_cert_to_id(EVP_sha1(), cert, issuer)) == NULL ||
	    (q->req = OCSP_REQUEST_new()) == NULL ||
	    (q->issuer = sk_X509_new_null()) == NULL ||
	    !X509_add_cert(q->issuer, issuer, X509_ADD_FLAG_UP_REF))
		return 0;
	if ((id = OCSP_CERTID_dup(q->id)) == NULL)
		return 0;
	if (OCSP_request_add0_id(q->req, id) == NULL) {
		OCSP_CERTID_free(id);
		return 0;
	}
	if (nonce && !OCSP_request_add1_nonce(q->req, NULL, -1))
		return 0;
	return 1;
}

int
ocsp_request_new(X509 *cert, X509 *issuer, int nonce, struct ocsp_req **reqp,
    unsigned char **derp, size_t *lenp)
{
	int r = KALIT_ERR_INTERNAL;
	struct ocsp_req *q;
	int len;

	if (reqp != NULL)
		*reqp = NULL;
	*derp = NULL;
	*lenp = 0;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return KALIT_ERR_NOMEM;
	if (!request_build(q, cert, issuer, nonce)) {
		log_ssl(LOG_LEVEL_ERROR, "OCSP_request_add0_id");
		goto out;
	}
	if ((len = i2d_OCSP_REQUEST(q->req, derp)) <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "i2d_OCSP_REQUEST");
		goto out;
	}
	*lenp = (size_t)len;
	if (reqp != NULL) {
		*reqp = q;
		q = NULL;
	}
	r = KALIT_OK;
 out:
	ocsp_request_free(q);
	return r;
}

/* The basic response inside a successful DER response, or NULL. */
static OCSP_BASICRESP *
response_basic(const unsigned char *der, size_t len)
{
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs = NULL;
	void *v;
	int r, status;

	if ((r = x509_d2i_exact(ASN1_ITEM_rptr(OCSP_RESPONSE), NULL, der, len,
	    OCSP_RESPONSE_MAX, &v)) != KALIT_OK) {
		if (r == KALIT_ERR_TOO_LARGE)
			log_msg(LOG_LEVEL_INFO, "ocsp: response of %zu bytes "
			    "refused", len);
		else
			log_msg(LOG_LEVEL_INFO, "ocsp: malformed response");
		return NULL;
	}
	resp = v;
	if ((status = OCSP_response_status(resp)) !=
	    OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		log_msg(LOG_LEVEL_INFO, "ocsp: responder says %s",
		    OCSP_response_status_str(status));
		goto out;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL)
		log_ssl(LOG_LEVEL_INFO, "OCSP_response_get1_basic");
 out:
	OCSP_RESPONSE_free(resp);
	return bs;
}

/* Current at now, and at the real clock, with OCSP_LEEWAY either way. */
static int
single_times(ASN1_GENERALIZEDTIME *thisupd, ASN1_GENERALIZEDTIME *nextupd,
    int64_t now, struct rev_status *st)
{
	if (x509_time_unix(thisupd, &st->this_update) != KALIT_OK ||
	    (nextupd != NULL &&
	    x509_time_unix(nextupd, &st->next_update) != KALIT_OK))
		return 0;
	if (!OCSP_check_validity(thisupd, nextupd, OCSP_LEEWAY, -1)) {
		log_ssl(LOG_LEVEL_INFO, "OCSP_check_validity");
		return 0;
	}
	if (st->this_update > now + OCSP_LEEWAY ||
	    (nextupd != NULL && st->next_update < now - OCSP_LEEWAY)) {
		log_msg(LOG_LEVEL_INFO, "ocsp: response not current");
		return 0;
	}
	return 1;
}

/* The one answer about id in bs, into *st. */
static int
single_status(OCSP_BASICRESP *bs, OCSP_CERTID *id, int64_t now,
    struct rev_status *st)
{
	ASN1_GENERALIZEDTIME *revtime = NULL, *thisupd = NULL, *nextupd = NULL;
	OCSP_SINGLERESP *single;
	int idx, status, reason = -1;

	if ((idx = OCSP_resp_find(bs, id, -1)) < 0 ||
	    OCSP_resp_find(bs, id, idx) >= 0) {
		log_msg(LOG_LEVEL_INFO, "ocsp: not exactly one answer for "
		    "the certificate");
		return KALIT_ERR_REVOCATION_UNKNOWN;
	}
	single = OCSP_resp_get0(bs, idx);
	status = OCSP_single_get0_status(single, &reason, &revtime, &thisupd,
	    &nextupd);
	if (!single_times(thisupd, nextupd, now, st))
		return KALIT_ERR_REVOCATION_UNKNOWN;
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		st->status = KALIT_OK;
		break;
	case V_OCSP_CERTSTATUS_REVOKED:
		if (x509_time_unix(revtime, &st->revoked_at) != KALIT_OK)
			return KALIT_ERR_REVOCATION_UNKNOWN;
		st->reason = reason;
		st->status = reason == OCSP_REVOKED_STATUS_CERTIFICATEHOLD ?
		    KALIT_ERR_CERT_ON_HOLD : KALIT_ERR_CERT_REVOKED;
		break;
	default:
		log_msg(LOG_LEVEL_INFO, "ocsp: responder does not know the "
		    "certificate");
		return KALIT_ERR_REVOCATION_UNKNOWN;
	}
	return st->status;
}

int
ocsp_response_check(struct ocsp_req *req, const unsigned char *der,
    size_t len, X509_STORE *store, int64_t now, struct rev_status *st)
{
	int r = KALIT_ERR_REVOCATION_UNKNOWN;
	OCSP_BASICRESP *bs;
	struct rev_status s;

	memset(&s, 0, sizeof(s));
	s.reason = -1;
	s.source = "ocsp";
	if ((bs = response_basic(der, len)) == NULL)
		goto out;
	/* 0: both sent a nonce and they differ; -1: the responder sent none */
	if (OCSP_check_nonce(req->req, bs) == 0) {
		log_msg(LOG_LEVEL_INFO, "ocsp: nonce mismatch");
		goto out;
	}
	/*
	 * Signed by the issuer itself, or by a responder the issuer certified
	 * for OCSPSigning; either chains to a trust anchor in store.
	 */
	if (OCSP_basic_verify(bs, req->issuer, store, 0) != 1) {
		log_ssl(LOG_LEVEL_INFO, "OCSP_basic_verify");
		goto out;
	}
	if ((r = single_status(bs, req->id, now, &s)) != KALIT_OK &&
	    r != KALIT_ERR_CERT_REVOKED && r != KALIT_ERR_CERT_ON_HOLD)
		goto out;
	*st = s;
 out:
	ERR_clear_error();
	OCSP_BASICRESP_free(bs);
	return r;
}
