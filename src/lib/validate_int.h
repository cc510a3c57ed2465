/*
 * validate_int.h: what the files of the validator share (validate.c,
 * validate_revocation.c): the validator itself, whose revocation cache
 * and downloaded CRLs validator_new() and validator_free() set up and
 * tear down. Not for use outside them.
 */
#ifndef KALIT_VALIDATE_INT_H
#define KALIT_VALIDATE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "crl.h"
#include "validate.h"

#define CACHE_BUCKETS		16384		/* a power of two */
#define CRL_SLOTS		16	/* downloaded CRLs kept */
#define DOWN_SLOTS		8	/* responders remembered as down */
#define DOWN_URL_MAX		256

struct rev_entry;

/*
 * Revocation statuses by issuer and serial, the oldest evicted first.
 * An entry costs sizeof(struct rev_entry), rev_entry_size().
 */
struct rev_cache {
	pthread_mutex_t	 lock;
	struct rev_entry *bucket[CACHE_BUCKETS];
	struct rev_entry *oldest, *newest;
	size_t		 count;
	size_t		 max;		/* entries in cfg.status_bytes */
};

/* A CRL downloaded from url that established some status. */
struct crl_slot {
	char		*url;
	X509_CRL	*crl;
	int64_t		 expires;
	size_t		 cost;		/* x509_parsed_cost() of crl */
};

/* The whole validator: validator_new() makes it. */
struct validator {
	struct validate_config cfg;	/* its strings are the copies below */
	char		*trust_dir;
	char		*ocsp_url;
	char		*crl_dir;
	X509_STORE	*store;		/* read-only once loaded */
	struct crl_dir	*crls;		/* NULL without crl_dir */
	struct rev_cache cache;
	pthread_mutex_t	 slots_lock;	/* also guards down */
	struct crl_slot	 slots[CRL_SLOTS];
	size_t		 slots_next;	/* replaced round-robin */
	size_t		 slots_bytes;	/* their costs summed */
	struct {
		char	 url[DOWN_URL_MAX];
		int64_t	 until;
	}		 down[DOWN_SLOTS];
	size_t		 down_next;
	/* validator_set_local(): asked first; NULL: none */
	int		(*local)(void *, X509 *, X509 *, int64_t,
			    struct rev_status *);
	void		*local_arg;
};

/* The bytes one cached status takes (validate_revocation.c). */
size_t	rev_entry_size(void);

#endif
