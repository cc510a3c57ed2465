/* codes.c: single-use codes and assertion ids, by hash, with expiry */
#include "config.h"
#include "codes.h"
#include "base64.h"
#include "digest.h"
#include "err.h"
#include "rand.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define BUCKETS		8192

/*
 * One remembered value: a code or an assertion id. A fresh code carries
 * its grant; a used one only the token issued for it.
 */
struct item {
	unsigned char		 key[32];	/* SHA-256 */
	int64_t			 exp;
	int			 used;
	struct code_grant	*g;		/* fresh codes only */
	struct code_token	 t;		/* used codes only */
	struct item		*next;
};

/*
 * A table of items within a byte budget; expired ones go when it is full,
 * in one pass at most once a second: a full table costs no more than that.
 */
struct table {
	struct item	*bucket[BUCKETS];
	size_t		 n, bytes, budget;
	int64_t		 swept;		/* when the last full pass ran */
};

struct codes {
	pthread_mutex_t	 mu;
	struct table	 code, jti;
};

/* What an item costs: its own size and a fresh code's grant. */
#define ITEM_COST(it)	(sizeof(struct item) + \
			    ((it)->g != NULL ? sizeof(struct code_grant) : 0))

int
codes_new(size_t budget, size_t jti_budget, struct codes **cp)
{
	struct codes *c;

	*cp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return KALIT_ERR_NOMEM;
	pthread_mutex_init(&c->mu, NULL);
	c->code.budget = budget;
	c->jti.budget = jti_budget;
	c->code.swept = c->jti.swept = INT64_MIN;
	*cp = c;
	return KALIT_OK;
}

void
code_grant_clear(struct code_grant *g)
{
	cert_entry_release(g->entry);
	OPENSSL_cleanse(g, sizeof(*g));
}

static void
item_free(struct item *it)
{
	if (it->g != NULL) {
		code_grant_clear(it->g);
		free(it->g);
	}
	free(it);
}

/* Drops the items of t that expired before now (all of them: NULL). */
static void
sweep(struct table *t, const int64_t *now)
{
	struct item **pp, *it;
	size_t b;

	for (b = 0; b < BUCKETS; b++)
		for (pp = &t->bucket[b]; (it = *pp) != NULL; )
			if (now == NULL || it->exp < *now) {
				*pp = it->next;
				t->n--;
				t->bytes -= ITEM_COST(it);
				item_free(it);
			} else
				pp = &it->next;
}

void
codes_free(struct codes *c)
{
	if (c == NULL)
		return;
	sweep(&c->code, NULL);
	sweep(&c->jti, NULL);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static struct item **
bucket_of(struct table *t, const unsigned char key[32])
{
	size_t h;

	memcpy(&h, key, sizeof(h));
	return &t->bucket[h % BUCKETS];
}

static struct item *
find(struct table *t, const unsigned char key[32])
{
	struct item *it;

	for (it = *bucket_of(t, key); it != NULL; it = it->next)
		if (CRYPTO_memcmp(it->key, key, 32) == 0)
			return it;
	return NULL;
}

/* Adds it (key and exp set) to t, sweeping t when full; else BUSY. */
static int
add(struct table *t, struct item *it, int64_t now)
{
	struct item **b;
	size_t cost = ITEM_COST(it);

	if (t->bytes + cost > t->budget && now > t->swept) {
		sweep(t, &now);
		t->swept = now;
	}
	if (t->bytes + cost > t->budget)
		return KALIT_ERR_BUSY;
	b = bucket_of(t, it->key);
	it->next = *b;
	*b = it;
	t->n++;
	t->bytes += cost;
	return KALIT_OK;
}

static void
hash(const void *v, size_t len, unsigned char key[32])
{
	EVP_Digest(v, len, key, NULL, digest_sha256(), NULL);
}

int
codes_issue(struct codes *c, const struct code_grant *g, int64_t exp,
    int64_t now, char code[CODE_LEN + 1])
{
	unsigned char rnd[32];
	struct item *it;
	int r;

	code[0] = '\0';
	if ((it = calloc(1, sizeof(*it))) == NULL ||
	    (it->g = malloc(sizeof(*it->g))) == NULL) {
		free(it);
		return KALIT_ERR_NOMEM;
	}
	if (RAND_priv_bytes(rnd, sizeof(rnd)) != 1) {
		item_free(it);
		return KALIT_ERR_INTERNAL;
	}
	base64_url_encode(rnd, sizeof(rnd), code);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	hash(code, CODE_LEN, it->key);
	it->exp = exp;
	*it->g = *g;
	if (g->entry != NULL)
		atomic_fetch_add(&g->entry->refs, 1);
	pthread_mutex_lock(&c->mu);
	r = add(&c->code, it, now);
	pthread_mutex_unlock(&c->mu);
	if (r != KALIT_OK) {
		item_free(it);
		OPENSSL_cleanse(code, CODE_LEN + 1);
	}
	return r;
}

int
codes_redeem(struct codes *c, const char *code, size_t len, int64_t now,
    struct code_grant *g, struct code_token *t)
{
	unsigned char key[32];
	struct item *it;
	int r = KALIT_ERR_NOT_FOUND;

	memset(g, 0, sizeof(*g));
	memset(t, 0, sizeof(*t));
	if (len != CODE_LEN)
		return KALIT_ERR_NOT_FOUND;
	hash(code, len, key);
	pthread_mutex_lock(&c->mu);
	if ((it = find(&c->code, key)) == NULL || it->exp < now)
		;
	else if (it->used) {
		*t = it->t;
		r = KALIT_ERR_CHALLENGE_REUSED;
	} else {
		/* The grant (and its reference) moves to the caller. */
		c->code.bytes -= sizeof(*it->g);
		*g = *it->g;
		free(it->g);
		it->g = NULL;
		it->used = 1;
		r = KALIT_OK;
	}
	pthread_mutex_unlock(&c->mu);
	return r;
}

void
codes_set_token(struct codes *c, const char *code,
    const struct code_token *t)
{
	unsigned char key[32];
	struct item *it;

	hash(code, strlen(code), key);
	pthread_mutex_lock(&c->mu);
	if ((it = find(&c->code, key)) != NULL)
		it->t = *t;
	pthread_mutex_unlock(&c->mu);
}

int
codes_jti_use(struct codes *c, const char *client, const char *jti,
    int64_t exp, int64_t now)
{
	unsigned char key[32];
	EVP_MD_CTX *md;
	struct item *it;
	int r;

	/* client NUL jti: no two pairs hash the same bytes */
	if ((md = EVP_MD_CTX_new()) == NULL)
		return KALIT_ERR_NOMEM;
	if (EVP_DigestInit_ex(md, digest_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, client, strlen(client) + 1) != 1 ||
	    EVP_DigestUpdate(md, jti, strlen(jti)) != 1 ||
	    EVP_DigestFinal_ex(md, key, NULL) != 1) {
		EVP_MD_CTX_free(md);
		return KALIT_ERR_INTERNAL;
	}
	EVP_MD_CTX_free(md);
	if ((it = calloc(1, sizeof(*it))) == NULL)
		return KALIT_ERR_NOMEM;
	memcpy(it->key, key, 32);
	it->exp = exp;
	pthread_mutex_lock(&c->mu);
	if (find(&c->jti, key) != NULL) {
		free(it);
		r = KALIT_ERR_CHALLENGE_REUSED;
	} else if ((r = add(&c->jti, it, now)) != KALIT_OK)
		free(it);
	pthread_mutex_unlock(&c->mu);
	return r;
}

size_t
codes_count(struct codes *c, size_t *bytesp)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->code.n;
	if (bytesp != NULL)
		*bytesp = c->code.bytes;
	pthread_mutex_unlock(&c->mu);
	return n;
}
