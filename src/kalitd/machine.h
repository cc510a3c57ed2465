/*
 * machine.h: OAuth 2.0 client credentials (RFC 6749 section 4.4) for
 * agencies' information systems (issue 15; docs/integrate.md): the system
 * authenticates with its certificate, a private_key_jwt assertion (RFC
 * 7523) whose header carries the path (x5c), and gets an access token
 * for one API (RFC 8707) as an RFC 9068 JWT. No HTTP here.
 */
#ifndef KALITD_MACHINE_H
#define KALITD_MACHINE_H

#include <stdint.h>

#include "certcache.h"
#include "codes.h"
#include "state.h"
#include "store.h"
#include "x509.h"

/* A system's request, from its assertion to its token. */
struct machine_grant {
	int			 err;		/* KALIT_OK or why not */
	const char		*error;		/* OAuth error code; NULL */
	const char		*why;		/* error_description; in g */
	char			 desc[160];	/* what why may point to */
	struct store_client	 client;	/* id "" until the assertion
						   named a registered one */
	char			 serial[X509_SERIAL_HEX_MAX + 1]; /* "" */
	struct cert_entry	*entry;		/* a reference */
	char			*scope;		/* granted: words; owned */
	char			*aud;		/* the API: JSON text; owned */
	char			 cnf[44];	/* x5t#S256 bound to (RFC 8705
						   3.1); "" */
	int			 fetch;		/* machine_finish() */
	int64_t			 now;
};

/* What a system sent: the form, and its connection's certificate. */
struct machine_request {
	const char	*client_id;	/* NULL: none */
	const char	*assertion;	/* client_assertion; NULL: none */
	const char	*scope;		/* NULL: none */
	const char	*resource;	/* NULL: none */
	X509		*tls_cert;	/* the mTLS port's; NULL: none */
	STACK_OF(X509)	*tls_chain;	/* what the client sent after it */
};

/*
 * A system's request mr at now: the client is authenticated first, by
 * its assertion (private_key_jwt: the JWS and its x5c, jws.h; the client
 * its iss names; the claims, oidc_assertion_claims()) or else by the
 * connection's certificate (tls_client_auth, RFC 8705 2.1: client_id
 * names the client; the token is bound to the certificate, g->cnf).
 * The client must be registered with acr system, and its certificate
 * passes as a login's (login_cert(): path, policy system, key usage,
 * revocation of the whole path) and names the client's TIN and system
 * name; any failure is "invalid_client" ("temporarily_unavailable" when
 * busy or the revocation status is unknown). Then scope (NULL: every
 * scope the client registered; else words it registered, or
 * "invalid_scope") and resource (NULL: its one registered API; else one
 * it registered, or "invalid_target"). Returns g->err, with g->error
 * and g->why on failure. When a revocation status needs a download,
 * g->fetch is set: machine_finish() decides where waiting is harmless,
 * and its refusal comes before any other. Clear g with
 * machine_grant_clear(), also on failure.
 */
int	machine_run(struct kalitd *d, struct state *st,
	    const struct machine_request *mr, int64_t now,
	    struct machine_grant *g);
int	machine_finish(struct state *st, struct machine_grant *g);

/*
 * The token of a request that passed: an RFC 9068 access token, the JSON
 * answer {access_token, token_type, expires_in, scope} into *answerp
 * (caller frees, wiped: it holds a token) and its jti and exp into *t.
 */
int	machine_token(struct kalitd *d, struct state *st,
	    const struct machine_grant *g, char **answerp,
	    struct code_token *t);

void	machine_grant_clear(struct machine_grant *g);

#endif
