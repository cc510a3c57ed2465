/* challenge.h: single-use login challenges, bound to what they are for */
#ifndef KALITD_CHALLENGE_H
#define KALITD_CHALLENGE_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * A challenge is base64url(nonce[16] || expiry[8] || tag[12] || mac[24]):
 * 128 bits from the CSPRNG, the expiry time (big-endian seconds), the
 * first 96 bits of the SHA-256 of what it is bound to (struct
 * challenge_bind), and HMAC-SHA-256 of the three (truncated to 192 bits)
 * under a key made at startup that never leaves memory. 60 bytes: no
 * padding. Handing one out stores nothing; a used one is remembered until
 * it expires, in two generations of sharded hash sets that are dropped in
 * turn every lifetime seconds, and so are the counts of used ones per
 * client and per source address.
 */
#define CHALLENGE_LEN		80	/* characters, without the NUL */
#define CHALLENGE_REQUEST_MAX	4096	/* bytes of a POST /v1/challenge body */
#define CHALLENGE_BIND_MAX	512	/* bytes of a binding */

struct challenges;

/* What challenges_new() is given; [challenge] in kalitd.conf(5). */
struct challenge_limits {
	int64_t		 lifetime;	/* seconds */
	size_t		 max_used;	/* used ones remembered, in all */
	size_t		 max_per_client;  /* ... for one client; 0: no cap */
	size_t		 max_per_address; /* ... from one address (IPv6: /64) */
};

/*
 * What a challenge is bound to: named fields, each written as its name, a
 * NUL, its length (two bytes, big-endian) and its value, so that no two
 * lists of fields make the same bytes. challenge_bind_init() starts it
 * with the client id; another binding (such as the origin and session of
 * a browser) is one more challenge_bind_add() by the caller, and the form
 * of a challenge stays as it is. Owns nothing.
 */
struct challenge_bind {
	const char	*client;	/* borrowed: the share uses count in */
	size_t		 len;
	unsigned char	 buf[CHALLENGE_BIND_MAX];
};

/*
 * Starts *b bound to client (a registered client's id, borrowed while b
 * is used). KALIT_ERR_MALFORMED for an id longer than STORE_CLIENT_ID_MAX.
 */
int	challenge_bind_init(struct challenge_bind *b, const char *client);

/* Adds the field name = value (len bytes); KALIT_ERR_TOO_LARGE past max. */
int	challenge_bind_add(struct challenge_bind *b, const char *name,
	    const void *value, size_t len);

/*
 * Parses a POST /v1/challenge body (len bytes): a JSON object whose
 * member client_id is a string of at most STORE_CLIENT_ID_MAX bytes;
 * other members are ignored. Copies the id into client.
 * KALIT_ERR_MALFORMED otherwise.
 */
int	challenge_request_parse(const char *body, size_t len,
	    char client[STORE_CLIENT_ID_MAX + 1]);

/* Caller frees *cp with challenges_free(). */
int	challenges_new(const struct challenge_limits *lim,
	    struct challenges **cp);
void	challenges_free(struct challenges *c);

/* Writes a fresh challenge bound to b, valid until now + lifetime. */
int	challenge_issue(struct challenges *c, const struct challenge_bind *b,
	    int64_t now, char out[CHALLENGE_LEN + 1]);

/*
 * Uses challenge s (len bytes) at now for a login bound to b that comes
 * from the address from (NULL: counted in no address's share). The
 * first of: KALIT_ERR_CHALLENGE_UNKNOWN when it is not one of ours,
 * KALIT_ERR_CHALLENGE_EXPIRED when it is too old,
 * KALIT_ERR_CHALLENGE_CLIENT when it was issued bound to something else,
 * KALIT_ERR_CHALLENGE_REUSED when it was used before;
 * KALIT_ERR_RATE_LIMITED when b's client or from's address has its share
 * of used challenges remembered, KALIT_ERR_BUSY when max_used are: these
 * two leave the challenge unused and set *retryp to the seconds until
 * some of that share is forgotten (else *retryp is 0). KALIT_OK the first
 * time. Thread-safe.
 */
int	challenge_consume(struct challenges *c, const char *s, size_t len,
	    const struct challenge_bind *b, const struct sockaddr *from,
	    int64_t now, int64_t *retryp);

/* How many used challenges are remembered now. */
size_t	challenges_used(struct challenges *c);

#endif
