/* responder.h: the OCSP responder (RFC 6960) and CRL publication */
#ifndef KALITD_RESPONDER_H
#define KALITD_RESPONDER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ocspcache.h"
#include "profile.h"

#include <openssl/ocsp.h>

#define OCSP_REQUEST_MAX	(16 * 1024)	/* DER of one request */
#define OCSP_REQUEST_CERTS_MAX	32		/* certificates asked about */

/*
 * Both read the CA database (kalit-ca's) and nothing else: OCSP answers
 * are signed with the delegated responder keys in signer_dir, CRLs are the
 * ones kalit-ca signed and stored. A poller watches the database's audit
 * sequence and drops what a revocation, hold, release or issuance made
 * stale. Thread-safe.
 */
struct responder;

/*
 * Opens cfg->ca_database read-only, loads the signers and starts the
 * poller. signer_pass is the responder key files' password (may be NULL
 * without signer_dir), borrowed while r lives. Caller frees *rp with
 * responder_free().
 */
int	responder_new(const struct config *cfg, const char *signer_pass,
	    struct responder **rp);
void	responder_free(struct responder *r);

/* Loads the signers again (renewed key files) and empties the cache. */
int	responder_reload(struct responder *r);

/*
 * Parses der as one OCSP request (nothing after it) asking about 1 to
 * OCSP_REQUEST_CERTS_MAX certificates; *noncep says whether it carries a
 * nonce. KALIT_ERR_MALFORMED otherwise. Caller frees *reqp with
 * OCSP_REQUEST_free().
 */
int	responder_parse(const unsigned char *der, size_t len,
	    OCSP_REQUEST **reqp, int *noncep);

/*
 * Answers the DER OCSP request req (at most OCSP_REQUEST_MAX bytes) at
 * now. Refusals are OCSP responses too: malformedRequest, unauthorized
 * (an issuer this responder does not serve), tryLater (its signing
 * certificate is not valid now), internalError (the database failed: never
 * a guessed "good"). KALIT_ERR_NOMEM only when no answer could be made.
 */
int	responder_answer(struct responder *r, const unsigned char *req,
	    size_t len, int64_t now, struct ocspcache_answer *a);

/*
 * validator_set_local()'s source (arg is r): the status of cert in the CA
 * database when issuer is one of its CAs, whether or not the responder
 * has a key for it; source "ca_database", thisUpdate now.
 * KALIT_ERR_REVOCATION_UNKNOWN for another issuer, a serial the CA never
 * issued, or a database that cannot be read (logged): the other sources
 * are asked then. A login never waits on this kalitd's own /ocsp.
 */
struct rev_status;
int	responder_status(void *arg, X509 *cert, X509 *issuer, int64_t now,
	    struct rev_status *st);

/*
 * A published CRL or CA certificate (DER), shared: release with
 * responder_crl_release(). this_update and next_update of a certificate
 * are its notBefore and notAfter.
 */
struct responder_crl {
	atomic_int	 refs;
	int64_t		 this_update;
	int64_t		 next_update;
	size_t		 len;
	unsigned char	 der[];
};

/*
 * The newest CRL kalit-ca published under name, what follows "/crl/" in
 * its URL: "CA.crl" and "CA.delta.crl" for a CA of one shard,
 * "CA.K.crl" and "CA.K.delta.crl" for shard K of a sharded one.
 * KALIT_ERR_MALFORMED for another name, KALIT_ERR_NOT_FOUND when there is
 * no such CRL, KALIT_ERR_DB when the database fails. Read from the
 * database again only after it changed.
 */
int	responder_crl(struct responder *r, const char *name,
	    struct responder_crl **cp);
void	responder_crl_release(struct responder_crl *c);

/*
 * The certificate of the CA kalit-ca knows as NAME, for name "NAME.crt",
 * what follows "/ca/" in the "CA Issuers" URL kalit-ca writes into the
 * certificates it issues. KALIT_ERR_MALFORMED for another name (NAME must
 * be a valid profile name), KALIT_ERR_NOT_FOUND when there is no such CA,
 * KALIT_ERR_DB when the database fails. Read from the database again only
 * after it changed.
 */
int	responder_ca_cert(struct responder *r, const char *name,
	    struct responder_crl **cp);

/*
 * The names of what kalitd publishes, parsed: a CRL's (the CA, the shard
 * or -1, whether a delta) and a CA certificate's, as above.
 * KALIT_ERR_MALFORMED for any other name.
 */
int	responder_crl_name(const char *name, char ca[PROFILE_NAME_MAX + 1],
	    int *shardp, int *deltap);
int	responder_ca_name(const char *name, char ca[PROFILE_NAME_MAX + 1]);

#endif
