/*
 * codes.h: authorization codes (single use, kept by hash, bound to what
 * they were issued for) and the client assertion ids already used
 * (private_key_jwt's jti), in memory within fixed caps
 */
#ifndef KALITD_CODES_H
#define KALITD_CODES_H

#include <stddef.h>
#include <stdint.h>

#include "certcache.h"
#include "oidc_req.h"
#include "sso.h"

#define CODE_LEN	43	/* base64url of 256 random bits */

/* What a code was issued for. */
struct code_grant {
	struct oidc_authz	 req;		/* client, redirect URI, PKCE,
						   nonce, scope */
	unsigned char		 session[SSO_KEY_LEN];	/* the session's key */
	char			 sid[SSO_SID_LEN + 1];
	unsigned int		 acr;
	int			 hwk;
	int64_t			 auth_time;
	struct cert_entry	*entry;		/* a reference */
};

/* The access token issued for a code: revoked if the code comes again. */
struct code_token {
	char		 jti[72];
	int64_t		 exp;
};

struct codes;

/*
 * Codes within budget bytes (a fresh code costs about 3.5 KiB, a used one
 * 150 bytes), client assertion ids within jti_budget (about 150 bytes
 * each, until its exp).
 */
int	codes_new(size_t budget, size_t jti_budget, struct codes **cp);
void	codes_free(struct codes *c);

/*
 * A new code for g (copied; a reference to g->entry taken) valid until
 * exp, into code. KALIT_ERR_BUSY when the budget is spent on unexpired
 * codes.
 */
int	codes_issue(struct codes *c, const struct code_grant *g, int64_t exp,
	    int64_t now, char code[CODE_LEN + 1]);

/*
 * Uses code (len bytes) at now: KALIT_OK the first time, *g a copy of its
 * grant (clear with code_grant_clear()); KALIT_ERR_NOT_FOUND when it is
 * unknown or expired; KALIT_ERR_CHALLENGE_REUSED when it was used before,
 * and then *t is the token issued for it (jti "" if none yet), which the
 * caller revokes. A used code is remembered until it expires: a code
 * comes again within its lifetime or not at all.
 */
int	codes_redeem(struct codes *c, const char *code, size_t len,
	    int64_t now, struct code_grant *g, struct code_token *t);

/* Records the token issued for code, for a second redemption. */
void	codes_set_token(struct codes *c, const char *code,
	    const struct code_token *t);

void	code_grant_clear(struct code_grant *g);

/*
 * A client assertion id, first seen: KALIT_OK and it is remembered until
 * exp; KALIT_ERR_CHALLENGE_REUSED when seen before for that client;
 * KALIT_ERR_BUSY when unexpired ones fill their budget.
 */
int	codes_jti_use(struct codes *c, const char *client, const char *jti,
	    int64_t exp, int64_t now);

/* Codes remembered (fresh and used); *bytesp (may be NULL) their cost. */
size_t	codes_count(struct codes *c, size_t *bytesp);

#endif
