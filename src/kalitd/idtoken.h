/*
 * idtoken.h: the claims of what the OpenID Provider signs: access tokens,
 * ID tokens, logout tokens, and the UserInfo answer
 */
#ifndef KALITD_IDTOKEN_H
#define KALITD_IDTOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "certcache.h"
#include "rand.h"

#define IDTOKEN_AT_HASH_LEN	22	/* base64url of 16 bytes */
#define IDTOKEN_JTI_LEN		RAND_ID_LEN

/* What one grant of tokens is made of; strings borrowed. */
struct idtoken_grant {
	const char	*iss;
	const char	*client;	/* aud */
	int64_t		 now;		/* iat, nbf */
	int64_t		 lifetime;	/* exp = now + lifetime */
	int64_t		 auth_time;
	unsigned int	 acr;		/* STORE_ACR_CITIZEN or _OFFICIAL */
	int		 hwk;		/* amr: a hardware key */
	const char	*sid;
	unsigned int	 scope;		/* enum oidc_scope bits */
	const char	*nonce;		/* NULL or "": none */
};

/*
 * The identity claims cached with a certificate (sub, pinfl, names,
 * organization ..., cert_serial, x5t#S256), new reference; NULL: no
 * memory.
 */
json_t	*idtoken_identity(const struct cert_entry *e);

/*
 * The access token's claims: today's session token (every identity
 * claim; iss, aud, iat, nbf, auth_time, exp, jti, amr, acr) with sid and
 * scope (the granted scopes' names). New reference.
 */
json_t	*idtoken_access(json_t *identity, const struct idtoken_grant *g,
	    const char *jti);

/*
 * The ID token's claims (OpenID Connect Core 2, 5.4): iss, sub, aud, exp,
 * iat, auth_time, nonce, acr, amr, at_hash (of access_token), sid, and by
 * scope profile: name, given_name, family_name; pinfl: pinfl;
 * organization: tin, organization, title. New reference.
 */
json_t	*idtoken_id(json_t *identity, const struct idtoken_grant *g,
	    const char *access_token);

/*
 * The UserInfo answer for the claims of a valid access token: sub and
 * the claims of its scope (as idtoken_id()). New reference.
 */
json_t	*idtoken_userinfo(json_t *access);

/*
 * A logout token's claims (Back-Channel Logout 1.0 section 2.4): iss,
 * aud, iat, exp (+120 s), jti, sid, sub, events. New reference.
 */
json_t	*idtoken_logout(const char *iss, const char *client, const char *sub,
	    const char *sid, int64_t now);

/* at_hash: base64url of the left half of SHA-256 of the token's text. */
void	idtoken_at_hash(const char *token, char out[IDTOKEN_AT_HASH_LEN + 1]);

/* The names of scope's bits, space-separated, into buf. */
void	idtoken_scope_text(unsigned int scope, char *buf, size_t size);

/* A fresh jti. */
int	idtoken_jti(char out[IDTOKEN_JTI_LEN + 1]);

#endif
