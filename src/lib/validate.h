/* validate.h: is this certificate good for logging in or signing now? */
#ifndef KALIT_VALIDATE_H
#define KALIT_VALIDATE_H

#include <stdint.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "ocsp.h"

enum validate_rev_mode {
	VALIDATE_REV_REQUIRE = 0,	/* fail closed: status must be known */
	VALIDATE_REV_SOFT_FAIL,		/* unknown status accepted, logged */
	VALIDATE_REV_OFF		/* no revocation checking at all */
};

struct validate_config {
	const char	*trust_dir;	/* *.crt / *.pem: roots and CAs */
	enum validate_rev_mode rev_mode;
	int		 ocsp;		/* ask the AIA (or ocsp_url) responder */
	const char	*ocsp_url;	/* overrides every AIA URL, or NULL */
	int		 ocsp_nonce;
	int		 crl;		/* fall back to CRLs */
	const char	*crl_dir;	/* local CRLs tried before CDP URLs */
	int		 crl_fetch;	/* fetch CDP http(s) URLs */
	long		 timeout_ms;	/* per OCSP or CRL fetch; <= 0: 5 s */
	int64_t		 cache_max;	/* seconds; caps every cached status;
					   0: nothing is cached */
	size_t		 status_bytes;	/* statuses cached; 0: the default */
	size_t		 crl_bytes;	/* downloaded CRLs kept, and apart
					   from them the crl_dir files kept
					   parsed (x509_parsed_cost()); 0:
					   the default */
};

#define VALIDATE_STATUS_BYTES_DEFAULT	(32 * 1024 * 1024)
#define VALIDATE_CRL_BYTES_DEFAULT	(512 * 1024 * 1024)

/*
 * The trust store, the revocation policy and their caches. Thread-safe:
 * every function below may be called from many threads at once.
 */
struct validator;

/*
 * Loads the trust directory: self-signed certificates are the trust
 * anchors, the others intermediate CAs. KALIT_ERR_CONFIG when it holds no
 * root. Caller frees *vp with validator_free(). The config's strings are
 * copied.
 */
int	validator_new(const struct validate_config *cfg, struct validator **vp);
void	validator_free(struct validator *v);

/* The trust store; borrowed, valid while v lives. */
X509_STORE *validator_store(struct validator *v);

/*
 * Path validation at now with X509_STORE: extra (may be NULL) are
 * untrusted certificates the signer sent. KALIT_ERR_CERT_UNTRUSTED,
 * KALIT_ERR_CERT_EXPIRED, KALIT_ERR_CERT_NOT_YET_VALID (for any certificate
 * of the path). On KALIT_OK *issuerp is the issuer (caller frees with
 * X509_free()).
 */
int	validate_chain(struct validator *v, X509 *cert, STACK_OF(X509) *extra,
	    int64_t now, X509 **issuerp);

/*
 * validate_chain(), but on KALIT_OK *chainp is the whole path: cert
 * first, the trust anchor last (caller frees with
 * sk_X509_pop_free(chain, X509_free)).
 */
int	validate_path(struct validator *v, X509 *cert, STACK_OF(X509) *extra,
	    int64_t now, STACK_OF(X509) **chainp);

/* KALIT_ERR_CERT_EXPIRED / _NOT_YET_VALID for cert alone at now. */
int	validate_time(X509 *cert, int64_t now);

/*
 * An end entity's certificate, not a CA's (x509_is_ca()): else
 * KALIT_ERR_CERT_PURPOSE. A CA's key signs certificates, not logins or
 * documents.
 */
int	validate_end_entity(X509 *cert);

#define VALIDATE_MIN_RSA_BITS	2048	/* NIST SP 800-131A: 112 bits of */
#define VALIDATE_MIN_EC_BITS	256	/* security, and 128 for curves */

/*
 * The key of every certificate of chain (as validate_path() gives it,
 * the trust anchor included: it signed the next) must be RSA of at least
 * min_rsa_bits bits, or EC or EdDSA on a curve of at least min_ec_bits
 * (P-256 and Ed25519 are 256); min_rsa_bits or min_ec_bits of 0 means
 * VALIDATE_MIN_*. Else KALIT_ERR_CERT_KEY_WEAK, logged with the depth and
 * the key, and *depthp (may be NULL) is the weak one's index in chain.
 */
int	validate_keys(STACK_OF(X509) *chain, int min_rsa_bits, int min_ec_bits,
	    int *depthp);

/* keyUsage must be present with digitalSignature: else KALIT_ERR_CERT_PURPOSE. */
int	validate_key_usage(X509 *cert);

/*
 * For signing documents: keyUsage must be present with digitalSignature or
 * nonRepudiation, and an extendedKeyUsage, when present, must hold
 * emailProtection or anyExtendedKeyUsage: else KALIT_ERR_CERT_PURPOSE.
 */
int	validate_key_usage_sign(X509 *cert);

/* When extendedKeyUsage is present it must hold clientAuth: else _PURPOSE. */
int	validate_eku_client(X509 *cert);

/*
 * KALIT_OK when cert asserts policy oid (dotted), else
 * KALIT_ERR_CERT_NO_POLICY.
 */
int	validate_policy(X509 *cert, const char *oid);

/* Where policy oid is missing, as validate_policy_gap() finds. */
enum validate_policy_gap {
	VALIDATE_POLICY_OK = 0,
	VALIDATE_POLICY_LEAF,		/* cert does not assert it */
	VALIDATE_POLICY_ISSUER		/* cert does; its issuer asserts
					   neither it nor anyPolicy */
};

/*
 * Whether cert is under policy oid as RFC 5280 policy processing of the
 * path would have it for kalit's two-level PKIs: cert asserts oid, and
 * its issuer may issue under it (asserts it or anyPolicy; a citizen CA's
 * certificate that claims the official policy is not an official's).
 */
enum validate_policy_gap validate_policy_gap(X509 *cert, X509 *issuer,
	    const char *oid);

/*
 * KALIT_OK when validate_policy_gap() finds none, else
 * KALIT_ERR_CERT_NO_POLICY.
 */
int	validate_policy_issued(X509 *cert, X509 *issuer, const char *oid);

/*
 * Revocation status of cert (issued by issuer) per the configured policy:
 * OCSP first, then CRLs (crl_dir, then CDP URLs); results cached per
 * issuer and serial until nextUpdate (capped by cache_max).
 * KALIT_OK (good), KALIT_ERR_CERT_REVOKED, KALIT_ERR_CERT_ON_HOLD, or
 * KALIT_ERR_REVOCATION_UNKNOWN when no source establishes it (KALIT_OK in
 * soft-fail mode, with a warning logged). *st (may be NULL) gets the
 * evidence; st->status is the value returned. When no source said,
 * including VALIDATE_REV_OFF (always KALIT_OK, nothing asked),
 * st->source is "none" and the times are 0. Only good, revoked and held
 * answers are cached, never "unknown"; an answer without nextUpdate is
 * not cached.
 */
int	validate_revocation(struct validator *v, X509 *cert, X509 *issuer,
	    int64_t now, struct rev_status *st);

/*
 * The revocation status of every certificate of chain (the certificate
 * first, the trust anchor last, as validate_path() gives it) but the
 * anchor, each as validate_revocation() judges it: KALIT_OK when all are
 * good, else the first answer that is not, with *depthp (may be NULL) its
 * index in chain (0: the certificate itself; 1: its issuing CA ...). *st
 * (may be NULL) gets that certificate's evidence, or the first's when all
 * are good.
 * With fetchp NULL, OCSP and CRLs are downloaded as configured. With
 * fetchp, nothing is downloaded: when a status would need a download,
 * *fetchp is set and KALIT_ERR_REVOCATION_UNKNOWN returned without a
 * log line or soft-fail, and the caller asks again with fetchp NULL where
 * waiting on the network is harmless (kalitd: off its request threads,
 * which may be the very responder it would ask).
 */
int	validate_revocation_path(struct validator *v, STACK_OF(X509) *chain,
	    int64_t now, int *fetchp, struct rev_status *st, int *depthp);

/*
 * A source asked before any other for each certificate: status(arg, cert,
 * issuer, now, st) returns KALIT_OK, KALIT_ERR_CERT_REVOKED or
 * KALIT_ERR_CERT_ON_HOLD with *st filled for an issuer it answers for,
 * KALIT_ERR_REVOCATION_UNKNOWN otherwise. It must be fast and safe from
 * any thread; its answers are not cached. kalitd's OCSP responder is one:
 * the CA database it reads is where the statuses are made. Set before the
 * validator is shared; arg is borrowed while v lives.
 */
void	validator_set_local(struct validator *v,
	    int (*status)(void *, X509 *, X509 *, int64_t, struct rev_status *),
	    void *arg);

/*
 * Forgets every cached revocation status, downloaded or parsed CRL, and
 * the servers found down (which are otherwise not asked again for a few
 * seconds after they fail to answer). After SIGHUP, in tests.
 */
void	validate_cache_flush(struct validator *v);

/*
 * The certificates of v's trust directory as PEM, one after another, in
 * *pemp (caller frees): whom a TLS server names when it asks clients for
 * a certificate.
 */
int	validate_trust_pem(struct validator *v, char **pemp);

#endif
