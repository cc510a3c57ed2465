/*
 * testpki.h: a small PKI for the unit tests of validation, OCSP and CRLs
 * (check_validate, check_validate_revocation, check_ocsp, check_crl_status,
 * check_crl_dir): a root, an issuing CA and a citizen under it, the CRLs
 * and OCSP responses they sign. Every function asserts its own success.
 */
#ifndef KALIT_TESTPKI_H
#define KALIT_TESTPKI_H

#include <limits.h>
#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "validate.h"

#define HOUR	3600
#define DAY	86400

/* A root, an issuing CA and a citizen under it, with their directories. */
struct pki {
	char		 trust[PATH_MAX];	/* root.pem and ca.crt */
	char		 crls[PATH_MAX];	/* crl_dir: empty at first */
	char		 work[PATH_MAX];	/* test profiles */
	X509		*root, *ca, *leaf;
	EVP_PKEY	*root_key, *ca_key, *leaf_key;
	time_t		 now;
};

/* An end-entity profile with OCSPSigning, for pki_write_profile(). */
extern const char pki_ocsp_signer_profile[];

/*
 * Makes p: new P-256 keys, "Validate Root", "Validate CA" (issuing-ca) and
 * "Holder" (citizen) with an OCSP URL and a CRL distribution point when
 * not NULL, valid from 5 minutes before p->now; the root and the CA in
 * p->trust. Free with pki_free().
 */
void	pki_init(struct pki *p, const char *ocsp_url, const char *crl_url);

/* Removes p's directories and frees its certificates and keys. */
void	pki_free(struct pki *p);

/*
 * Profile text written to p->work/name.conf, which pki_issue() then uses
 * instead of the shipped profile of that name.
 */
void	pki_write_profile(const struct pki *p, const char *name,
	    const char *text);

/*
 * A certificate of profile (p->work's or shipped) for cn and key, issued
 * by ca with ca_key (by key itself when ca is NULL), valid from 5 minutes
 * before p->now; ocsp_url and crl_url may be NULL. Caller frees with
 * X509_free().
 */
X509	*pki_issue(const struct pki *p, const char *profile, const char *cn,
	    EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, const char *ocsp_url,
	    const char *crl_url);

/* The leaf's serial as kalit writes it (x509_serial_hex()). */
void	pki_leaf_serial(const struct pki *p, char *buf, size_t len);

/*
 * A validator config for p: trust p->trust, CRLs from p->crls (no fetch,
 * no OCSP), 1 s timeout, cache_max 300 s.
 */
void	pki_cfg_init(struct validate_config *c, const struct pki *p,
	    enum validate_rev_mode mode);

/* validator_new(c); caller frees with validator_free(). */
struct validator *pki_validator(const struct validate_config *c);

/*
 * A CRL of issuer, numbered 1, signed by key (crl_new(), crl_sign()),
 * revoking serial (may be NULL: none) with reason a minute before
 * this_update. Caller frees *derp with OPENSSL_free().
 */
void	pki_crl(X509 *issuer, EVP_PKEY *key, time_t this_update,
	    time_t next_update, const char *serial, int reason,
	    unsigned char **derp, size_t *lenp);

/* pki_crl() into p->crls/name, DER or (pem set) PEM, replacing it. */
void	pki_write_crl(const struct pki *p, const char *name, X509 *issuer,
	    EVP_PKEY *key, time_t this_update, time_t next_update,
	    const char *serial, int reason, int pem);

/*
 * An empty CRL of p->ca made with X509_CRL_sign(), from an hour before
 * to an hour after p->now, with that nextUpdate only when next is set,
 * and the extension nid of x509v3_config(5) value when nid is (for
 * NID_delta_crl: critical, base CRL 1). Caller frees *derp with
 * OPENSSL_free().
 */
void	pki_raw_crl(const struct pki *p, int next, int nid,
	    const char *value, unsigned char **derp, size_t *lenp);

/* pki_raw_crl() into p->crls/ca.crl, replacing it. */
void	pki_write_raw_crl(const struct pki *p, int next, int nid,
	    const char *value);

enum nonce_mode { NONCE_NONE, NONCE_ECHO, NONCE_WRONG };

/* What a test OCSP responder says, and how it signs. */
struct resp_opts {
	X509		*about;		/* issued by p->ca */
	X509		*signer;
	EVP_PKEY	*key;
	int		 status;	/* V_OCSP_CERTSTATUS_* */
	int		 reason;
	time_t		 this_upd;
	time_t		 next_upd;	/* 0: none */
	enum nonce_mode	 nonce;
	int		 with_certs;	/* include the signer's certificate */
	int		 twice;		/* and a second answer: revoked */
};

/* The leaf is good, per p->ca, from a minute ago to an hour ahead. */
void	pki_resp_defaults(struct resp_opts *o, const struct pki *p);

/*
 * A DER OCSP response per o to the DER request reqder (may be NULL).
 * Caller frees with OPENSSL_free().
 */
unsigned char *pki_ocsp_resp(const struct pki *p, const unsigned char *reqder,
	    size_t reqlen, const struct resp_opts *o, size_t *lenp);

#endif
