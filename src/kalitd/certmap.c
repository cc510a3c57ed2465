/* certmap.c: sharded hash buckets, one mutex per shard */
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
	struct node	*next;
};

struct shard {
	pthread_mutex_t	 mu;
	struct node	*bucket[BUCKETS];
	size_t		 n;
};

struct certmap {
	size_t		 max;		/* per shard */
	void		(*ref)(void *);
	void		(*unref)(void *);
	struct shard	 shard[SHARDS];
};

int
certmap_new(size_t max, void (*ref)(void *), void (*unref)(void *),
    struct certmap **mp)
{
	struct certmap *m;
	int i;

	if ((*mp = m = calloc(1, sizeof(*m))) == NULL)
		return KALIT_ERR_NOMEM;
	m->max = max / SHARDS + 1;
	m->ref = ref;
	m->unref = unref;
	for (i = 0; i < SHARDS; i++)
		pthread_mutex_init(&m->shard[i].mu, NULL);
	return KALIT_OK;
}

static void
shard_clear(struct certmap *m, struct shard *sh)
{
	struct node *n, *next;
	size_t b;

	for (b = 0; b < BUCKETS; b++) {
		for (n = sh->bucket[b]; n != NULL; n = next) {
			next = n->next;
			m->unref(n->v);
			free(n);
		}
		sh->bucket[b] = NULL;
	}
	sh->n = 0;
}

void
certmap_free(struct certmap *m)
{
	int i;

	if (m == NULL)
		return;
	for (i = 0; i < SHARDS; i++) {
		shard_clear(m, &m->shard[i]);
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
    void *v)
{
	struct shard *sh = &m->shard[hash[0] % SHARDS];
	struct node **pp, *n;
	void *dup = NULL;

	pthread_mutex_lock(&sh->mu);
	if (*(pp = slot(sh, hash)) != NULL) {
		dup = v;		/* another thread was first */
		v = (*pp)->v;
	} else if ((n = calloc(1, sizeof(*n))) != NULL) {
		if (sh->n >= m->max) {
			shard_clear(m, sh);
			pp = slot(sh, hash);
		}
		memcpy(n->hash, hash, CERTMAP_HASH);
		n->v = v;	/* the map keeps the caller's reference */
		*pp = n;
		sh->n++;
	} else {
		pthread_mutex_unlock(&sh->mu);
		return v;	/* not stored: the caller keeps its own */
	}
	m->ref(v);
	pthread_mutex_unlock(&sh->mu);
	if (dup != NULL)
		m->unref(dup);
	return v;
}
