/* ocspcache.h: the OCSP responder's cache of signed answers */
#ifndef KALITD_OCSPCACHE_H
#define KALITD_OCSPCACHE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/sha.h>

/*
 * A signed OCSP answer: what the responder makes (responder_answer()) and
 * the cache keeps.
 */
struct ocspcache_answer {
	unsigned char	*der;		/* OCSPResponse; caller frees */
	size_t		 len;
	int		 cacheable;	/* successful and without a nonce */
	int64_t		 this_update;	/* of a cacheable answer */
	int64_t		 next_update;
};

/*
 * Signed answers by the SHA-256 of their DER request, each with the
 * serials it is about, in locked shards. An epoch counts the purges: an
 * answer built from a database read that began before the last purge may
 * predate a change, so it is not kept. Thread-safe.
 */
struct ocspcache;

/*
 * A cache of at most max answers (of slightly fewer when max is not a
 * multiple of its shards) taking at most bytes (an answer costs its DER,
 * its serials and a small header); with max 0 it keeps none. Caller frees
 * *cp with ocspcache_free().
 */
int	ocspcache_new(size_t max, size_t bytes, struct ocspcache **cp);
void	ocspcache_free(struct ocspcache *c);

/* The epoch now: take it before reading the database for an answer. */
uint64_t ocspcache_epoch(struct ocspcache *c);

/* A new epoch without dropping anything: answers in the making are lost. */
void	ocspcache_bump(struct ocspcache *c);

/*
 * 1 with a filled in from the answer cached for key, when now is before
 * its refresh time (a->der: caller frees with free()); 0 otherwise.
 */
int	ocspcache_get(struct ocspcache *c,
	    const unsigned char key[SHA256_DIGEST_LENGTH], int64_t now,
	    struct ocspcache_answer *a);

/*
 * Keeps a copy of a for key until refresh, with serials ("a1\0b2\0\0",
 * slen bytes with the last NUL) that make it stale; unless the epoch has
 * moved since epoch, when it is dropped. a is not taken.
 */
void	ocspcache_put(struct ocspcache *c,
	    const unsigned char key[SHA256_DIGEST_LENGTH], uint64_t epoch,
	    const char *serials, size_t slen, const struct ocspcache_answer *a,
	    int64_t refresh);

/* Bytes the answers kept take now. */
size_t	ocspcache_bytes(struct ocspcache *c);

/*
 * Starts a new epoch, then drops the answers about any of the n sorted
 * serials changed; changed NULL drops every answer.
 */
void	ocspcache_purge(struct ocspcache *c, char **changed, size_t n);

#endif
