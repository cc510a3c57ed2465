/*
 * tokencache.h: kalit token's access tokens, cached in the user's cache
 * directory, one file per server, client, scope, audience, certificate
 * and binding to it
 */
#ifndef KALIT_TOKENCACHE_H
#define KALIT_TOKENCACHE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/x509.h>

#define TOKENCACHE_NAME_LEN	64		/* SHA-256 in hex */
#define TOKENCACHE_FILE_MAX	(64 * 1024)	/* bytes of one file */
#define TOKENCACHE_MARGIN	60		/* seconds left, at most */
#define TOKENCACHE_LIFETIME_MAX	(366 * 86400)	/* expires_in, seconds */

/* What a cached answer is for; borrowed; scope and audience may be NULL. */
struct tokencache_key {
	const char	*server;	/* --server, without a trailing '/' */
	const char	*client;
	const char	*scope;
	const char	*audience;
	X509		*cert;		/* the key file's */
	int		 mtls;		/* bound to cert (RFC 8705), --mtls */
};

/*
 * The cache directory into dir (len bytes): $XDG_CACHE_HOME/kalit/tokens
 * when XDG_CACHE_HOME is an absolute path, else ~/.cache/kalit/tokens,
 * where ~ is $HOME or else the user's home directory. What is missing of
 * it is made with mode 0700. KALIT_ERR_IO (logged) when it cannot be
 * made, or when kalit/ is not the user's or others may write it, or
 * tokens/ is not the user's or others may do anything in it.
 */
int	tokencache_dir(char *dir, size_t len);

/*
 * The name of k's cache file: the SHA-256, in hex, of server, client,
 * scope, audience (an empty line when NULL), the hex SHA-256 of the
 * certificate's DER and, for a token bound to it (mtls), "mtls", each
 * but the last followed by "\n". An unbound token's name is the one it
 * had before --mtls: the cache it left stays valid.
 */
int	tokencache_name(const struct tokencache_key *k,
	    char name[TOKENCACHE_NAME_LEN + 1]);

/*
 * 1 when an answer of expires_in lifetime seconds that expires at
 * expires_at is worth reusing at now: it has more than
 * min(TOKENCACHE_MARGIN, lifetime / 10) seconds left, and no more than
 * its lifetime (more says the clock was set back). 0 otherwise.
 */
int	tokencache_fresh(int64_t expires_at, int64_t lifetime, int64_t now);

/*
 * 1 when answer is a token answer (RFC 6749 section 5.1) kalit can hand
 * out: an object with access_token, 1 to KALIT_TOKEN_MAX characters of
 * RFC 6750's b64token; token_type Bearer (any case); expires_in an
 * integer from 1 to TOKENCACHE_LIFETIME_MAX; scope, if there, a string.
 * 0 otherwise.
 */
int	tokencache_answer_ok(const json_t *answer);

/*
 * The answer cached as dir/name if it is fresh at now: KALIT_OK and
 * *answerp a new reference (tokencache_answer_ok(), and expires_at);
 * KALIT_ERR_NOT_FOUND when there is none or it is not fresh. A file that
 * is not a regular file of the user's, that others may read or write,
 * that is larger than TOKENCACHE_FILE_MAX or that is no such answer is
 * never trusted: a warning is logged and it is KALIT_ERR_NOT_FOUND, so
 * that the next answer replaces it.
 */
int	tokencache_get(const char *dir, const char *name, int64_t now,
	    json_t **answerp);

/*
 * Writes answer (borrowed; with expires_at) as dir/name, mode 0600,
 * replacing what was there atomically (file_replace()).
 */
int	tokencache_put(const char *dir, const char *name, const json_t *answer);

#endif
