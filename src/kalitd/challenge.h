/* challenge.h: single-use login challenges that cost no storage until used */
#ifndef KALITD_CHALLENGE_H
#define KALITD_CHALLENGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A challenge is base64url(nonce[16] || expiry[8] || mac[24]): 128 bits
 * from the CSPRNG, the expiry time (big-endian seconds), and HMAC-SHA-256
 * (truncated to 192 bits) under a key made at startup that never leaves
 * memory. Handing one out stores nothing; a used one is remembered until
 * it expires, in two generations of sharded hash sets that swap every
 * lifetime seconds.
 */
#define CHALLENGE_LEN	64	/* characters, without the NUL */

struct challenges;

/*
 * lifetime in seconds; max_used caps the challenges remembered as used.
 * Caller frees *cp with challenges_free().
 */
int	challenges_new(int64_t lifetime, size_t max_used,
	    struct challenges **cp);
void	challenges_free(struct challenges *c);

/* Writes a fresh challenge valid until now + lifetime into out. */
int	challenge_issue(struct challenges *c, int64_t now,
	    char out[CHALLENGE_LEN + 1]);

/*
 * Uses challenge s (len bytes) at now: KALIT_OK the first time, then
 * KALIT_ERR_CHALLENGE_REUSED; KALIT_ERR_CHALLENGE_UNKNOWN when it is not
 * one of ours, KALIT_ERR_CHALLENGE_EXPIRED when it is too old,
 * KALIT_ERR_BUSY when max_used are remembered. Thread-safe.
 */
int	challenge_consume(struct challenges *c, const char *s, size_t len,
	    int64_t now);

/* How many used challenges are remembered now. */
size_t	challenges_used(struct challenges *c);

#endif
