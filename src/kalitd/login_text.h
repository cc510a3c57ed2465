/* login_text.h: a login's token claims and answer, joined from cached JSON */
#ifndef KALITD_LOGIN_TEXT_H
#define KALITD_LOGIN_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define LOGIN_TEXT_ACRS	2	/* citizen, official */

/*
 * The constant JSON of one certificate's claims, dumped by jansson once,
 * when the certificate is cached. A login then only joins text: it dumps
 * no object and writes no escape of its own.
 */
struct login_text {
	char	*claims;	/* the claims' members, without the braces */
	size_t	 claims_len;
	/* the answer's "subject" per acr (citizen, official); NULL if not */
	char	*subject[LOGIN_TEXT_ACRS];
	size_t	 subject_len[LOGIN_TEXT_ACRS];
};

/* The members one login adds to the claims. */
struct login_grant {
	const char	*iss;		/* a JSON string: login_text_string() */
	const char	*aud;		/* a JSON string: login_text_string() */
	int64_t		 now;		/* iat, nbf and auth_time */
	int64_t		 lifetime;	/* exp is now + lifetime; expires_in */
	const char	*jti;		/* base64url: needs no escaping */
	unsigned int	 acr;		/* STORE_ACR_CITIZEN or _OFFICIAL */
};

/*
 * Makes the text of claims (borrowed; a non-empty object holding none of
 * the members of struct login_grant, nor "amr" or "acr") and, for each
 * enum store_acr bit in acr, of the subject: the claims without
 * "x5t#S256", with "acr". KALIT_ERR_USAGE for an empty or non-object
 * claims. Clear *t with login_text_clear(), also on failure.
 */
int	login_text_init(struct login_text *t, json_t *claims,
	    unsigned int acr);
void	login_text_clear(struct login_text *t);

/*
 * The JSON text of the string s (quoted and escaped by jansson) into
 * *outp; caller frees with free(). KALIT_ERR_MALFORMED when s is not
 * UTF-8 (or, as jansson cannot tell them apart, memory ran out).
 */
int	login_text_string(const char *s, char **outp);

/*
 * The token's claims: t's, then iss, aud, iat, nbf, auth_time, exp, jti,
 * amr ["pop","swk"] and acr, as one JSON object of *lenp bytes (and a
 * NUL) in *outp; caller frees with free(). KALIT_ERR_USAGE when t was not
 * made for g->acr.
 */
int	login_text_payload(const struct login_text *t,
	    const struct login_grant *g, char **outp, size_t *lenp);

/*
 * The login answer {"access_token", "token_type":"Bearer", "expires_in",
 * "subject"} for jwt (a compact JWS: base64url and dots) into *outp;
 * caller frees with free(). KALIT_ERR_USAGE when t was not made for
 * g->acr.
 */
int	login_text_answer(const struct login_text *t,
	    const struct login_grant *g, const char *jwt, char **outp);

#endif
