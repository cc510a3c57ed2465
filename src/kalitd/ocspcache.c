/* ocspcache.c: signed OCSP answers, kept until a change makes them stale */
#include "config.h"
#include "ocspcache.h"
#include "err.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS		64
#define BUCKETS		1024	/* per shard */
#define CHAIN_MAX	8	/* entries per bucket; more are not cached */

struct entry {
	struct entry	*next;
	unsigned char	 key[SHA256_DIGEST_LENGTH];	/* of the request */
	int64_t		 refresh;	/* signed again from then on */
	int64_t		 this_update, next_update;
	char		*serials;	/* "a1\0b2\0\0": what makes it stale */
	unsigned char	*der;
	size_t		 len;
	size_t		 cost;		/* bytes, counted in its shard */
};

struct shard {
	pthread_mutex_t	 mu;
	size_t		 n;
	size_t		 bytes;
	struct entry	*b[BUCKETS];
};

struct ocspcache {
	struct shard	 shards[SHARDS];
	size_t		 nshards;	/* in use: fewer when max < SHARDS */
	size_t		 shard_max;	/* entries per shard */
	size_t		 shard_bytes;	/* bytes per shard */
	/*
	 * Bumped on every change the poller sees: an answer built from a
	 * read made before the bump is not cached (see ocspcache_put).
	 */
	atomic_uint_fast64_t epoch;
};

static void
entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	free(e->serials);
	free(e->der);
	free(e);
}

static struct shard *
shard_of(struct ocspcache *c, const unsigned char *key, struct entry ***bp)
{
	struct shard *sh = &c->shards[key[0] % c->nshards];

	*bp = &sh->b[((size_t)key[1] << 8 | key[2]) % BUCKETS];
	return sh;
}

int
ocspcache_get(struct ocspcache *c,
    const unsigned char key[SHA256_DIGEST_LENGTH], int64_t now,
    struct ocspcache_answer *a)
{
	struct entry **b, *e;
	struct shard *sh;
	int hit = 0;

	if (c->shard_max == 0)
		return 0;
	sh = shard_of(c, key, &b);
	pthread_mutex_lock(&sh->mu);
	for (e = *b; e != NULL; e = e->next) {
		if (memcmp(e->key, key, sizeof(e->key)) != 0)
			continue;
		if (now < e->refresh && (a->der = malloc(e->len)) != NULL) {
			memcpy(a->der, e->der, e->len);
			a->len = e->len;
			a->cacheable = 1;
			a->this_update = e->this_update;
			a->next_update = e->next_update;
			hit = 1;
		}
		break;
	}
	pthread_mutex_unlock(&sh->mu);
	return hit;
}

static void
shard_clear(struct shard *sh)
{
	struct entry *e;
	size_t i;

	for (i = 0; i < BUCKETS; i++)
		while ((e = sh->b[i]) != NULL) {
			sh->b[i] = e->next;
			entry_free(e);
		}
	sh->n = 0;
	sh->bytes = 0;
}

/*
 * a was made from a database read that began at epoch: if the poller has
 * seen a change since, the read may predate it, so the answer is not kept
 * (the poller bumps the epoch before it purges).
 */
void
ocspcache_put(struct ocspcache *c,
    const unsigned char key[SHA256_DIGEST_LENGTH], uint64_t epoch,
    const char *serials, size_t slen, const struct ocspcache_answer *a,
    int64_t refresh)
{
	struct entry **b, **pp, *e;
	struct shard *sh;
	size_t depth = 0;

	if (c->shard_max == 0 || (e = calloc(1, sizeof(*e))) == NULL)
		return;
	memcpy(e->key, key, sizeof(e->key));
	e->refresh = refresh;
	e->this_update = a->this_update;
	e->next_update = a->next_update;
	e->len = a->len;
	e->cost = sizeof(*e) + a->len + slen;
	if (e->cost > c->shard_bytes || (e->serials = malloc(slen)) == NULL ||
	    (e->der = malloc(a->len)) == NULL) {
		entry_free(e);
		return;
	}
	memcpy(e->serials, serials, slen);
	memcpy(e->der, a->der, a->len);
	sh = shard_of(c, key, &b);
	pthread_mutex_lock(&sh->mu);
	if (atomic_load(&c->epoch) != epoch)
		goto skip;
	for (pp = b; *pp != NULL; pp = &(*pp)->next, depth++)
		if (memcmp((*pp)->key, key, sizeof(e->key)) == 0) {
			if (sh->bytes - (*pp)->cost + e->cost > c->shard_bytes)
				goto skip;
			e->next = (*pp)->next;	/* replaces a stale one */
			sh->bytes += e->cost - (*pp)->cost;
			entry_free(*pp);
			*pp = e;
			e = NULL;
			goto skip;
		}
	if (depth >= CHAIN_MAX)
		goto skip;
	if (sh->n >= c->shard_max || sh->bytes + e->cost > c->shard_bytes)
		shard_clear(sh);	/* full: start over, rarely */
	e->next = *b;
	*b = e;
	sh->n++;
	sh->bytes += e->cost;
	e = NULL;
 skip:
	pthread_mutex_unlock(&sh->mu);
	entry_free(e);
}

/* Is any of the entry's serials among the sorted changed ones? */
static int
entry_stale(const struct entry *e, char **changed, size_t n)
{
	const char *s;
	size_t lo, hi, mid;
	int c;

	for (s = e->serials; *s != '\0'; s += strlen(s) + 1) {
		lo = 0;
		hi = n;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if ((c = strcmp(s, changed[mid])) == 0)
				return 1;
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	return 0;
}

void
ocspcache_purge(struct ocspcache *c, char **changed, size_t n)
{
	struct entry **pp, *e;
	struct shard *sh;
	size_t i, j;

	atomic_fetch_add(&c->epoch, 1);
	for (i = 0; i < SHARDS; i++) {
		sh = &c->shards[i];
		pthread_mutex_lock(&sh->mu);
		if (changed == NULL)
			shard_clear(sh);
		else
			for (j = 0; j < BUCKETS; j++)
				for (pp = &sh->b[j]; (e = *pp) != NULL;) {
					if (!entry_stale(e, changed, n)) {
						pp = &e->next;
						continue;
					}
					*pp = e->next;
					sh->n--;
					sh->bytes -= e->cost;
					entry_free(e);
				}
		pthread_mutex_unlock(&sh->mu);
	}
}

uint64_t
ocspcache_epoch(struct ocspcache *c)
{
	return atomic_load(&c->epoch);
}

void
ocspcache_bump(struct ocspcache *c)
{
	atomic_fetch_add(&c->epoch, 1);
}

int
ocspcache_new(size_t max, size_t bytes, struct ocspcache **cp)
{
	struct ocspcache *c;
	size_t i;

	*cp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return KALIT_ERR_NOMEM;
	for (i = 0; i < SHARDS; i++)
		pthread_mutex_init(&c->shards[i].mu, NULL);
	/* Rounded down: never more than max answers in all. */
	c->nshards = max < SHARDS ? max : SHARDS;
	c->shard_max = max == 0 ? 0 : max / c->nshards;
	c->shard_bytes = max == 0 ? 0 : bytes / c->nshards;
	atomic_init(&c->epoch, 0);
	*cp = c;
	return KALIT_OK;
}

size_t
ocspcache_bytes(struct ocspcache *c)
{
	size_t i, n = 0;

	for (i = 0; i < SHARDS; i++) {
		pthread_mutex_lock(&c->shards[i].mu);
		n += c->shards[i].bytes;
		pthread_mutex_unlock(&c->shards[i].mu);
	}
	return n;
}

void
ocspcache_free(struct ocspcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < SHARDS; i++) {
		shard_clear(&c->shards[i]);
		pthread_mutex_destroy(&c->shards[i].mu);
	}
	free(c);
}
