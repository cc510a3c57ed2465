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

/* What a code carries. */
struct code_rec {
	struct code_grant g;
	struct code_token t;
};

/* One remembered value: a code (with its record) or an assertion id. */
struct item {
	unsigned char	 key[32];	/* SHA-256 */
	int64_t		 exp;
	int		 used;
	struct code_rec	*rec;		/* codes only */
	struct item	*next;
};

/* A table of items within a count cap; expired ones go when it is full. */
struct table {
	struct item	*bucket[BUCKETS];
	size_t		 n, max;
};

struct codes {
	pthread_mutex_t	 mu;
	struct table	 code, jti;
};

int
codes_new(struct codes **cp)
{
	struct codes *c;

	*cp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return KALIT_ERR_NOMEM;
	pthread_mutex_init(&c->mu, NULL);
	c->code.max = CODES_MAX;
	c->jti.max = CODES_JTI_MAX;
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
	if (it->rec != NULL) {
		code_grant_clear(&it->rec->g);
		free(it->rec);
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
				item_free(it);
				t->n--;
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

	if (t->n >= t->max)
		sweep(t, &now);
	if (t->n >= t->max)
		return KALIT_ERR_BUSY;
	b = bucket_of(t, it->key);
	it->next = *b;
	*b = it;
	t->n++;
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
	    (it->rec = calloc(1, sizeof(*it->rec))) == NULL) {
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
	it->rec->g = *g;
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
    int64_t keep, struct code_grant *g, struct code_token *t)
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
		*t = it->rec->t;
		r = KALIT_ERR_CHALLENGE_REUSED;
	} else {
		it->used = 1;
		it->exp = keep;
		*g = it->rec->g;
		if (g->entry != NULL)
			atomic_fetch_add(&g->entry->refs, 1);
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
		it->rec->t = *t;
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
