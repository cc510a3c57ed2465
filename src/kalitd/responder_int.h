/*
 * responder_int.h: what the files of the OCSP responder share (responder.c,
 * responder_signer.c, responder_crl.c). Not for use outside them.
 */
#ifndef KALITD_RESPONDER_INT_H
#define KALITD_RESPONDER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "conf.h"
#include "ocspcache.h"
#include "profile.h"
#include "responder.h"
#include "store.h"

#define POOL_MAX	16	/* idle read-only database connections */
#define NCERTID		4	/* hash algorithms a CertID may name a CA by */

/*
 * A CA of the database, and the delegated signing key with which the
 * responder answers for it; without one (cert NULL) only
 * responder_status() answers for it.
 */
struct signer {
	char		 ca[PROFILE_NAME_MAX + 1];
	X509		*ca_cert;
	X509		*cert;		/* the delegated OCSP signing certificate,
					   or NULL */
	EVP_PKEY	*key;
	int64_t		 not_before, not_after;
	struct {
		unsigned int	 name_len, key_len;
		unsigned char	 name[EVP_MAX_MD_SIZE], key[EVP_MAX_MD_SIZE];
	} id[NCERTID];
};

/* The signers of one load, shared by the requests that use them. */
struct signers {
	atomic_int	 refs;
	size_t		 n;
	struct signer	*v;
};

struct crl_slot;

/* The whole responder: responder_new() makes it. */
struct responder {
	const struct config *cfg;
	const char	*signer_pass;	/* borrowed */
	pthread_mutex_t	 mu;		/* signers, pool and crls */
	struct signers	*signers;
	struct store	*pool[POOL_MAX];
	size_t		 npool;
	unsigned int	 pool_gen;	/* bumped when the pool is dropped */
	struct ocspcache *cache;	/* its epoch also dates the CRLs */
	pthread_t	 poller;
	int		 polling;
	pthread_mutex_t	 stop_mu;
	pthread_cond_t	 stop_cv;
	int		 stop;
	int64_t		 seq;		/* last audit record seen */
	atomic_int_fast64_t logged_at;	/* last "not valid now" line */
	struct crl_slot	*crls;		/* under mu */
	size_t		 ncrls;
};

/*
 * A read-only connection to the CA database, from the pool or new, and
 * the pool's generation, which responder_pool_put() wants back.
 */
int	responder_pool_get(struct responder *r, struct store **sp,
	    unsigned int *genp);

/*
 * Returns s (taken) to the pool; after an error (ok == 0), or when the
 * pool was dropped since s was taken, it is closed instead.
 */
void	responder_pool_put(struct responder *r, struct store *s,
	    unsigned int gen, int ok);

/*
 * Every CA of the database, a signer when it has a responder key file in
 * signer_dir. Caller releases *ssp with responder_signers_release().
 */
int	responder_signers_load(struct responder *r, struct signers **ssp);
/* Drops a reference; the last one frees the signers. Accepts NULL. */
void	responder_signers_release(struct signers *ss);

/*
 * The signer (with a key) whose CA the CertID names, or NULL; borrowed
 * from ss.
 */
const struct signer *responder_signer_of(const struct signers *ss,
	    OCSP_CERTID *cid);

/* Frees the remembered CRLs (responder_free()). */
void	responder_crls_free(struct responder *r);

#endif
