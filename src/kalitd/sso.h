/*
 * sso.h: browser sessions (single sign-on): who signed in this browser,
 * when, with what, and which clients got codes in it. In memory, within
 * a byte budget ([cache] sessions); a restart ends every session.
 */
#ifndef KALITD_SSO_H
#define KALITD_SSO_H

#include <stddef.h>
#include <stdint.h>

#include "certcache.h"
#include "rand.h"
#include "store.h"

#define SSO_KEY_LEN		32	/* SHA-256 of the session cookie */
#define SSO_SID_LEN		RAND_ID_LEN	/* "sid" */
#define SSO_CLIENTS_MAX		64	/* clients remembered per session */
#define SSO_TOKENS_MAX		256	/* access tokens remembered per
					   session, for logout */

struct sso;

/* A session as sso_get() copies it out; release with sso_view_clear(). */
struct sso_view {
	char			 sid[SSO_SID_LEN + 1];
	char			 logout_tok[SSO_SID_LEN + 1]; /* the confirm
						   form's one-time value */
	unsigned int		 acr;		/* STORE_ACR_CITIZEN/_OFFICIAL */
	int			 hwk;		/* a hardware key (amr) */
	int64_t			 auth_time;
	int64_t			 exp;
	struct cert_entry	*entry;		/* a reference */
};

/* An access token issued in a session: revoked when it ends. */
struct sso_token {
	char		 jti[72];
	char		 client[STORE_CLIENT_ID_MAX + 1];
	int64_t		 exp;
};

/* What an ended session leaves to do; free with sso_ended_free(). */
struct sso_ended {
	char		 sid[SSO_SID_LEN + 1];
	char		 sub[64];		/* the PINFL */
	char		 (*clients)[STORE_CLIENT_ID_MAX + 1];
	size_t		 nclients;
	struct sso_token *tokens;
	size_t		 ntokens;
};

/* At most budget bytes (estimated). Caller frees *sp with sso_free(). */
int	sso_new(size_t budget, struct sso **sp);
void	sso_free(struct sso *s);

/* The key of a session cookie's value: its SHA-256. */
void	sso_key_of(const char *cookie, unsigned char key[SSO_KEY_LEN]);

/*
 * A new session under key, for what entry proved (a reference is taken),
 * acr, hwk, signed in at auth_time, ending at exp. Makes room within the
 * budget: expired sessions go first, then the oldest (logged). Its sid
 * into *v too (v may be NULL).
 */
int	sso_create(struct sso *s, const unsigned char key[SSO_KEY_LEN],
	    struct cert_entry *entry, unsigned int acr, int hwk,
	    int64_t auth_time, int64_t exp, int64_t now, struct sso_view *v);

/*
 * A new login in a browser whose session (under old, at now) is of the
 * same person (the same "sub"): the session goes on under key, a new
 * cookie's, with what the new login proved (entry, acr, hwk, auth_time,
 * exp) and a new logout_tok; its sid, clients and tokens stay.
 * KALIT_ERR_NOT_FOUND when there is no such session or it is another
 * person's (the caller ends it and makes a new one).
 */
int	sso_renew(struct sso *s, const unsigned char old[SSO_KEY_LEN],
	    const unsigned char key[SSO_KEY_LEN], struct cert_entry *entry,
	    unsigned int acr, int hwk, int64_t auth_time, int64_t exp,
	    int64_t now, struct sso_view *v);

/* The session under key at now into *v; KALIT_ERR_NOT_FOUND if none. */
int	sso_get(struct sso *s, const unsigned char key[SSO_KEY_LEN],
	    int64_t now, struct sso_view *v);
void	sso_view_clear(struct sso_view *v);

/*
 * Remembers that client got a code in the session under key, and (when
 * jti is not NULL) the access token jti, valid until exp, issued to it at
 * now. A session keeps SSO_TOKENS_MAX tokens: the expired go first; a
 * token still valid that had to go is copied into *pushed (its jti empty
 * when none; pushed may be NULL without a jti), which the caller revokes.
 * KALIT_ERR_NOT_FOUND when the session is gone (logged out meanwhile).
 */
int	sso_note(struct sso *s, const unsigned char key[SSO_KEY_LEN],
	    const char *client, const char *jti, int64_t exp, int64_t now,
	    struct sso_token *pushed);

/*
 * Ends the session under key: *endp gets what logout must do (caller
 * frees with sso_ended_free()). KALIT_ERR_NOT_FOUND if none.
 */
int	sso_end(struct sso *s, const unsigned char key[SSO_KEY_LEN],
	    struct sso_ended **endp);
void	sso_ended_free(struct sso_ended *e);

/* Sessions held now, and their estimated bytes. */
size_t	sso_count(struct sso *s, size_t *bytesp);

#endif
