/* ocsp.h: OCSP (RFC 6960): asking a responder about a certificate */
#ifndef KALIT_OCSP_H
#define KALIT_OCSP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#define OCSP_RESPONSE_MAX	(64 * 1024)
#define REV_ORIGIN_MAX		256	/* bytes of rev_status.origin, NUL in */

/* A certificate's revocation status as a responder or a CRL states it. */
struct rev_status {
	int		 status;	/* KALIT_OK, KALIT_ERR_CERT_REVOKED or
					   KALIT_ERR_CERT_ON_HOLD */
	int		 reason;	/* CRL reason code, -1 when none */
	int64_t		 revoked_at;	/* 0 unless revoked or held */
	int64_t		 this_update;
	int64_t		 next_update;	/* 0 when the source gave none */
	const char	*source;	/* "ocsp", "crl", or "none" when no
					   source said (validate.h); static */
	/* The responder's URL, or the CRL's URL or file; "" when
	   unknown; truncated when longer. */
	char		 origin[REV_ORIGIN_MAX];
};

/*
 * Builds a request for cert (issued by issuer) with a fresh nonce when
 * nonce is set. Caller frees *derp with OPENSSL_free(); *reqp (reqp may be
 * NULL) keeps the request for ocsp_response_check() and is freed with
 * ocsp_request_free().
 */
struct ocsp_req;
int	ocsp_request_new(X509 *cert, X509 *issuer, int nonce,
	    struct ocsp_req **reqp, unsigned char **derp, size_t *lenp);
void	ocsp_request_free(struct ocsp_req *req);

/*
 * Checks a DER response to req: successful, signed by the issuer or a
 * delegated responder it certified (EKU OCSPSigning) that chains in store,
 * a single answer for this certificate, nonce echoed when the responder
 * echoes one (a wrong nonce fails), thisUpdate not in the future and
 * nextUpdate not past at now (5 minutes leeway). Fills *st.
 * KALIT_ERR_REVOCATION_UNKNOWN for anything that does not establish the
 * status (status "unknown" included); *st is then left alone.
 */
int	ocsp_response_check(struct ocsp_req *req, const unsigned char *der,
	    size_t len, X509_STORE *store, int64_t now, struct rev_status *st);

#endif
