/*
 * oidc.h: kalitd as an OpenID Provider (issue 14; docs/oidc.md): the
 * discovery document, the login of the page (a Web eID token), codes,
 * the token endpoint's checks and tokens, and the end of a session. No
 * HTTP here: http_oidc.c carries requests to and from these.
 */
#ifndef KALITD_OIDC_H
#define KALITD_OIDC_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "codes.h"
#include "oidc_req.h"
#include "sso.h"
#include "state.h"
#include "store.h"
#include "x509.h"

#define OIDC_LOGIN_MAX		(24 * 1024)	/* bytes of a login body */
#define OIDC_CHALLENGE_BODY_MAX	(OIDC_REQ_TOKEN_MAX + 64)
#define OIDC_ASSERTION_SKEW	300	/* s: a client assertion's life */

/* Makes the provider's stores in d (when [oidc] is on); oidc_free(). */
int	oidc_new(struct kalitd *d);
void	oidc_free(struct kalitd *d);

/* The OpenID Connect Discovery 1.0 document; new reference. */
json_t	*oidc_discovery(const struct config *cfg);

/*
 * base with the query parameters kv (name, value pairs ending with a
 * NULL name; a NULL value is left out) appended, percent-encoded (RFC
 * 3986 unreserved kept); caller frees. NULL: no memory.
 */
char	*oidc_url(const char *base, const char *const *kv);

/* The binding of the challenge of the page for request token r. */
int	oidc_challenge_bind(struct challenge_bind *b, const char *client,
	    const char *origin, const char *bind, const char *r, size_t rlen);

/* A login of the page, from its body to the code. */
struct oidc_login {
	int			 err;
	struct oidc_authz	 a;		/* the request it answers */
	struct store_client	 client;
	char			 serial[X509_SERIAL_HEX_MAX + 1]; /* "" */
	struct cert_entry	*entry;		/* a reference */
	unsigned int		 acr;
	int			 hwk;
	int			 fetch;		/* login_cert() wants a
						   download: oidc_login_finish() */
	int64_t			 now;
	int64_t			 retry_after;
};

/*
 * Checks a POST /oidc/login body (len bytes: {"r", "challenge", "token"})
 * sent with the headers origin and xlogin (X-Kalit-Login) and the
 * browser's binding cookie bind (NULL: none), from the address from, at
 * now: the request token, the browser, the origin, the challenge, the
 * Web eID token's signature, the certificate (login_cert()), the acr.
 * Returns res->err; clear res with oidc_login_clear().
 */
int	oidc_login_run(struct kalitd *d, struct state *st, const char *body,
	    size_t len, const char *origin, const char *xlogin,
	    const char *bind, const struct sockaddr *from, int64_t now,
	    struct oidc_login *res);

/* Ends a login oidc_login_run() left with res->fetch set. */
int	oidc_login_finish(struct kalitd *d, struct state *st,
	    struct oidc_login *res);
void	oidc_login_clear(struct oidc_login *res);

/*
 * The acr of a login, of the certificate's kinds, the client's and the
 * request's (bits of each): official when all allow it, else citizen;
 * 0 when they have none in common.
 */
unsigned int oidc_acr(unsigned int cert, unsigned int client,
	    unsigned int req);

/* 1 when e's certificate asserts [policy] hardware_key. */
int	oidc_hwk(const struct config *cfg, const struct cert_entry *e);

/*
 * A code for request a in the session under key (its view v), and the
 * redirect URI with code, state and iss into *urlp (caller frees).
 * Remembers the client in the session.
 */
int	oidc_code(struct kalitd *d, const struct oidc_authz *a,
	    const unsigned char key[SSO_KEY_LEN], const struct sso_view *v,
	    int64_t now, char **urlp);

/* An error for the redirect URI of a, as RFC 6749 4.1.2.1; *urlp. */
int	oidc_error_url(const struct config *cfg, const struct oidc_authz *a,
	    const char *error, const char *desc, char **urlp);

/*
 * 1 when verifier (RFC 7636: 43 to 128 unreserved characters) hashes
 * (S256) to challenge.
 */
int	oidc_pkce_ok(const char *challenge, const char *verifier);

/*
 * Authenticates a client by private_key_jwt (RFC 7523): assertion, a JWS
 * by a key of the client's JWKS, iss and sub the client (id, when the
 * request named it, must be the same), aud the token endpoint or the
 * issuer, exp in the future and at most OIDC_ASSERTION_SKEW away, a jti
 * not seen before. KALIT_OK with *c filled, else KALIT_ERR_CLIENT_AUTH
 * (*whyp a static text), or KALIT_ERR_BUSY.
 */
int	oidc_assertion(struct kalitd *d, const char *id, const char *assertion,
	    int64_t now, struct store_client *c, const char **whyp);

/*
 * The claims of a client assertion whose signature verified, of client:
 * iss and sub the client, aud the token endpoint or the issuer, exp in
 * the future and at most OIDC_ASSERTION_SKEW away, a jti not seen before
 * (used up now). KALIT_OK, else KALIT_ERR_CLIENT_AUTH (*whyp a static
 * text) or KALIT_ERR_BUSY.
 */
int	oidc_assertion_claims(struct kalitd *d, const char *client,
	    json_t *claims, int64_t now, const char **whyp);

/*
 * The token endpoint's answer for grant g to client: an access token
 * (*t its jti and exp) and an ID token, as JSON text in *answerp (caller
 * frees, wiped: it holds tokens).
 */
int	oidc_tokens(struct kalitd *d, struct state *st,
	    const struct code_grant *g, int64_t now, char **answerp,
	    struct code_token *t);

/*
 * What ending session e does at once: its access tokens revoked in
 * memory (the caller stores them: oidc_revoke_store()), a logout token
 * queued for each of its clients with a back-channel logout URI.
 */
void	oidc_ended(struct kalitd *d, struct state *st,
	    const struct sso_ended *e, int64_t now);

/* Stores the revocation of e's tokens (e may be NULL). */
int	oidc_revoke_store(struct store *s, const struct sso_ended *e);

/*
 * Checks an id_token_hint (an ID token of ours, expired or not): *clientp
 * and *sidp (copied into them) of its aud and sid. KALIT_ERR_TOKEN_INVALID
 * otherwise.
 */
int	oidc_hint(struct kalitd *d, struct state *st, const char *hint,
	    char client[STORE_CLIENT_ID_MAX + 1], char sid[SSO_SID_LEN + 1]);

#endif
