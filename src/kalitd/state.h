/* state.h: the server's objects, and the part SIGHUP reloads */
#ifndef KALITD_STATE_H
#define KALITD_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "auditq.h"
#include "challenge.h"
#include "conf.h"
#include "token.h"
#include "validate.h"

struct bcl;
struct certcache;
struct codes;
struct oidc_reqkey;
struct responder;
struct session;
struct sso;
struct tsa;
struct workers;
struct www;

/*
 * What a reload replaces: the trust store with its revocation caches, the
 * token signing keys, and the per-certificate validation cache built on
 * that trust store. Requests hold a reference for their whole life, so a
 * reload never pulls anything from under them.
 */
struct state {
	atomic_int		 refs;
	struct validator	*validator;
	struct token_keys	*keys;
	struct certcache	*cache;
	struct certmap		*tokens;	/* verified with keys */
	struct www		*www;		/* [oidc]: the login page */
};

/* The server, for the life of the process. */
struct kalitd {
	struct config		*cfg;
	char			*key_pass;	/* token keys' passphrase */
	char			*tls_cert;	/* PEM, with its CAs; or NULL */
	char			*tls_key;	/* PEM, wiped when freed */
	char			*tls_trust;	/* PEM: the CAs the mTLS port
						   names; or NULL */
	struct challenges	*challenges;
	struct session		*session;	/* clients, revoked tokens */
	struct auditq		*auditq;
	char			*signer_pass;	/* OCSP responder keys' */
	struct responder	*responder;	/* NULL: no [responder] */
	/* the revocation source asked first (validator_set_local()) */
	int			(*rev_local)(void *, X509 *, X509 *, int64_t,
				    struct rev_status *);	/* NULL: none */
	void			*rev_local_arg;
	struct tsa		*tsa;		/* NULL: no [timestamp] */
	struct workers		*workers;	/* what may wait on the network */
	/* [oidc]: the OpenID Provider's stores; NULL when it is off */
	struct oidc_reqkey	*reqkey;	/* login requests' MAC key */
	struct sso		*sso;		/* browser sessions */
	struct codes		*codes;		/* codes, assertion ids */
	struct bcl		*bcl;		/* back-channel logouts */
	pthread_mutex_t		 mu;		/* guards state */
	struct state		*state;
	atomic_int		 draining;	/* SIGTERM: refuse new work */
};

/* Builds a generation from d->cfg. Caller releases *sp. */
int	state_new(struct kalitd *d, struct state **sp);
/* The current generation with a reference; pair with state_release(). */
struct state *state_acquire(struct kalitd *d);
void	state_release(struct state *s);
/* Builds a new generation and swaps it in; the old one stays on error. */
int	state_reload(struct kalitd *d);

/* Unix time now. */
int64_t	state_now(void);

#endif
