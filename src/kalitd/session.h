/* session.h: registered clients, revoked tokens, introspection and logout */
#ifndef KALITD_SESSION_H
#define KALITD_SESSION_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

struct certmap;

#define SESSION_SECRET_MAX	128

struct config;
struct session;
struct token_keys;

/*
 * The clients, revoked tokens and failed-authentication table of cfg
 * ([server] auth_max_failures and auth_window, read now). Caller frees *sp
 * with session_free().
 */
int	session_new(const struct config *cfg, struct session **sp);
void	session_free(struct session *s);

/*
 * The writer thread's tick (auditq_new()): reloads the clients from the
 * database, loads the revoked tokens the first time, forgets expired ones.
 */
void	session_tick(struct store *store, void *arg);

/* Copies client id into *c; KALIT_ERR_CLIENT_UNKNOWN when there is none. */
int	session_client_get(struct session *s, const char *id,
	    struct store_client *c);

/*
 * 1 when client id registered uri (byte for byte) as a URI of kind (enum
 * store_uri), else 0.
 */
int	session_client_uri_ok(struct session *s, const char *id, int kind,
	    const char *uri);

/*
 * The values client id registered of kind (enum store_uri), joined by a
 * space in their sorted order, into *valuep (caller frees) and their
 * count into *np (may be NULL); KALIT_ERR_NOT_FOUND when it has none.
 * session_client_value() is for the kinds of one value (a back-channel
 * logout URI, a JWKS, a name, a TIN).
 */
int	session_client_values(struct session *s, const char *id, int kind,
	    char **valuep, size_t *np);
int	session_client_value(struct session *s, const char *id, int kind,
	    char **valuep);

/*
 * Authenticates a client by id and secret (compared as SHA-256 in constant
 * time) for a request from peer (may be NULL): KALIT_OK with *c filled,
 * else KALIT_ERR_CLIENT_AUTH. Failures are counted, logged (never the
 * secret) and remembered per registered client id and peer address (an
 * IPv6 one by its /64): once auth_max_failures of them fall in one
 * auth_window, that client from that address gets KALIT_ERR_RATE_LIMITED,
 * right secret or not, with *retryp the seconds until the window ends.
 * Keyed by address too, so that nobody can lock a client out from
 * addresses of its own; the table has a fixed size.
 */
int	session_client_auth(struct session *s, const struct sockaddr *peer,
	    const char *id, const char *secret, struct store_client *c,
	    int64_t *retryp);

/*
 * Tokens whose signature is known good, by the SHA-256 of their text, in
 * budget bytes (certmap.h): a token costs the text of its claims and a
 * few bytes more. One map per generation of keys (struct state):
 * a key dropped at SIGHUP takes what it verified with it.
 */
int	session_tokens_new(size_t budget, struct certmap **mp);

/*
 * Remembers claims (JSON text) as those of token (len bytes), signed by
 * kalitd; verified may be NULL.
 */
void	session_token_remember(struct certmap *verified, const char *token,
	    size_t len, const char *claims);

/*
 * Verifies token (signature by one of keys, "iss" issuer, exp, nbf) and
 * that it was not revoked in s. A token in verified (may be NULL) needs no
 * signature check; one verified here is added to it; time, issuer and
 * revocation are checked each time. On KALIT_OK *claimsp is a new
 * reference; otherwise KALIT_ERR_TOKEN_INVALID.
 */
int	session_token_check(struct session *s, const struct token_keys *keys,
	    struct certmap *verified, const char *issuer, const char *token,
	    size_t len, int64_t now, json_t **claimsp);

/* Marks jti (valid until exp) revoked in memory; the caller stores it. */
void	session_revoked_add(struct session *s, const char *jti, int64_t exp);

/* A new client secret (256 bits, base64url) and its stored hash. */
int	session_secret_new(char secret[SESSION_SECRET_MAX + 1],
	    char hash[STORE_HASH_HEX + 1]);

/* "citizen", "official", "citizen,official" ↔ enum store_acr bits. */
int	session_acr_parse(const char *s, unsigned int *acrp);
const char *session_acr_name(unsigned int acr);

#endif
