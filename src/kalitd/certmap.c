/* certmap.c: sharded hash buckets, one mutex and one byte budget per shard */
#include "config.h"
#include "certmap.h"
#include "err.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS		16
#define BUCKETS		1024	/* per shard */

struct node {
	unsigned char	 hash[CERTMAP_HASH];
	void		*v;
	size_t		 cost;
	struct node	*next;		/* in its bucket */
	struct node	*newer;		/* in the shard's order of arrival */
};

struct shard {
	pthread_mutex_t	 mu;
	struct node	*bucket[BUCKETS];
	struct node	*oldest, *newest;
	size_t		 bytes;
};

struct certmap {
	size_t		 budget;	/* per shard */
	void		(*ref)(void *);
	void		(*unref)(void *);
	struct shard	 shard[SHARDS];
};

int
certmap_new(size_t budget, void (*ref)(void *), void (*unref)(void *),
    struct certmap **mp)
{
	struct certmap *m;
	int i;

	if ((*mp = m = calloc(1, sizeof(*m))) == NULL)
		return KALIT_ERR_NOMEM;
	m->budget = budget / SHARDS;
	m->ref = ref;
	m->unref = unref;
	for (i = 0; i < SHARDS; i++)
		pthread_mutex_init(&m->shard[i].mu, NULL);
	return KALIT_OK;
}

void
certmap_free(struct certmap *m)
{
	struct node *n, *next;
	int i;

	if (m == NULL)
		return;
	for (i = 0; i < SHARDS; i++) {
		for (n = m->shard[i].oldest; n != NULL; n = next) {
			next = n->newer;
			m->unref(n->v);
			free(n);
		}
		pthread_mutex_destroy(&m->shard[i].mu);
	}
	free(m);
}

/* The hash is SHA-256: its bytes are as good as any hash of them. */
static struct node **
slot(struct shard *sh, const unsigned char *hash)
{
	struct node **pp = &sh->bucket[(hash[1] << 8 | hash[2]) % BUCKETS];

	while (*pp != NULL && memcmp((*pp)->hash, hash, CERTMAP_HASH) != 0)
		pp = &(*pp)->next;
	return pp;
}

/* Forgets the oldest value of sh; called locked. */
static void
evict_oldest(struct certmap *m, struct shard *sh)
{
	struct node *n = sh->oldest, **pp = slot(sh, n->hash);

	*pp = n->next;
	sh->oldest = n->newer;
	if (sh->oldest == NULL)
		sh->newest = NULL;
	sh->bytes -= n->cost;
	m->unref(n->v);
	free(n);
}

void *
certmap_get(struct certmap *m, const unsigned char hash[CERTMAP_HASH])
{
	struct shard *sh = &m->shard[hash[0] % SHARDS];
	struct node *n;
	void *v = NULL;

	pthread_mutex_lock(&sh->mu);
	if ((n = *slot(sh, hash)) != NULL) {
		v = n->v;
		m->ref(v);
	}
	pthread_mutex_unlock(&sh->mu);
	return v;
}

void *
certmap_put(struct certmap *m, const unsigned char hash[CERTMAP_HASH],
    void *v, size_t cost)
{
	struct shard *sh = &m->shard[hash[0] % SHARDS];
	struct node **pp, *n;
	void *dup = NULL;

	if (cost > m->budget || (n = calloc(1, sizeof(*n))) == NULL)
		return v;	/* not stored: the caller keeps its own */
	pthread_mutex_lock(&sh->mu);
	if (*(pp = slot(sh, hash)) != NULL) {
		free(n);
		dup = v;		/* another thread was first */
		v = (*pp)->v;
	} else {
		while (sh->bytes + cost > m->budget)
			evict_oldest(m, sh);
		pp = slot(sh, hash);
		memcpy(n->hash, hash, CERTMAP_HASH);
		n->v = v;	/* the map keeps the caller's reference */
		n->cost = cost;
		*pp = n;
		if (sh->newest != NULL)
			sh->newest->newer = n;
		else
			sh->oldest = n;
		sh->newest = n;
		sh->bytes += cost;
	}
	m->ref(v);
	pthread_mutex_unlock(&sh->mu);
	if (dup != NULL)
		m->unref(dup);
	return v;
}

size_t
certmap_bytes(struct certmap *m)
{
	size_t i, n = 0;

	for (i = 0; i < SHARDS; i++) {
		pthread_mutex_lock(&m->shard[i].mu);
		n += m->shard[i].bytes;
		pthread_mutex_unlock(&m->shard[i].mu);
	}
	return n;
}
