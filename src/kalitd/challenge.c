/* challenge.c: MAC'd challenges bound to a client, and the used ones */
#include "challenge.h"
#include "digest.h"
#include "err.h"
#include "log.h"
#include "rand.h"
#include "token.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define NONCE_LEN	16
#define TAG_LEN		12
#define MAC_LEN		24
#define SIGNED_LEN	(NONCE_LEN + 8 + TAG_LEN)	/* the MAC covers */
#define RAW_LEN		(SIGNED_LEN + MAC_LEN)		/* 60: no padding */
#define KEY_LEN		32
#define SHARDS		64

/* An open-addressing set of nonces; slot empty when all-zero. */
struct nonce_set {
	unsigned char	(*slot)[NONCE_LEN];
	size_t		 cap;		/* power of two, or 0 */
	size_t		 n;
};

struct shard {
	pthread_mutex_t	 mu;
	struct nonce_set gen[2];	/* [cur], [cur ^ 1] older */
	int		 cur;
	int64_t		 rotated;	/* when gen[cur] started */
};

struct challenges {
	EVP_MAC_CTX	*mac;		/* HMAC-SHA256 keyed, copied per use */
	int64_t		 lifetime;
	size_t		 max_used;
	atomic_size_t	 used;
	struct shard	 shard[SHARDS];
};

/*
 * The MAC is fetched and keyed once with a random key that only the
 * context keeps; each use works on a copy, which is much cheaper than
 * HMAC()'s fetch of the algorithms on every call.
 */
static EVP_MAC_CTX *
mac_new(void)
{
	unsigned char key[KEY_LEN];
	OSSL_PARAM params[2];
	EVP_MAC *m = NULL;
	EVP_MAC_CTX *ctx = NULL;

	if (RAND_priv_bytes(key, sizeof(key)) != 1)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) != NULL &&
	    (ctx = EVP_MAC_CTX_new(m)) != NULL &&
	    EVP_MAC_init(ctx, key, KEY_LEN, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	EVP_MAC_free(m);
	OPENSSL_cleanse(key, sizeof(key));
	return ctx;
}

int
challenges_new(int64_t lifetime, size_t max_used, struct challenges **cp)
{
	struct challenges *c;
	int i;

	*cp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return KALIT_ERR_NOMEM;
	if ((c->mac = mac_new()) == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "challenge key");
		free(c);
		return KALIT_ERR_INTERNAL;
	}
	c->lifetime = lifetime;
	c->max_used = max_used;
	atomic_init(&c->used, 0);
	for (i = 0; i < SHARDS; i++)
		pthread_mutex_init(&c->shard[i].mu, NULL);
	*cp = c;
	return KALIT_OK;
}

void
challenges_free(struct challenges *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < SHARDS; i++) {
		pthread_mutex_destroy(&c->shard[i].mu);
		free(c->shard[i].gen[0].slot);
		free(c->shard[i].gen[1].slot);
	}
	EVP_MAC_CTX_free(c->mac);
	free(c);
}

static int
mac(const struct challenges *c, const unsigned char *msg,
    unsigned char out[MAC_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	EVP_MAC_CTX *ctx;
	int ok;

	ok = (ctx = EVP_MAC_CTX_dup(c->mac)) != NULL &&
	    EVP_MAC_update(ctx, msg, SIGNED_LEN) == 1 &&
	    EVP_MAC_final(ctx, md, &mdlen, sizeof(md)) == 1 &&
	    mdlen >= MAC_LEN;
	EVP_MAC_CTX_free(ctx);
	if (!ok) {
		log_ssl(LOG_LEVEL_ERROR, "HMAC");
		return KALIT_ERR_INTERNAL;
	}
	memcpy(out, md, MAC_LEN);
	return KALIT_OK;
}

int
challenge_bind_init(struct challenge_bind *b, const char *client)
{
	size_t n = strlen(client);

	b->len = 0;
	if (n > STORE_CLIENT_ID_MAX)
		return KALIT_ERR_MALFORMED;
	return challenge_bind_add(b, "client_id", client, n);
}

int
challenge_bind_add(struct challenge_bind *b, const char *name,
    const void *value, size_t len)
{
	size_t n = strlen(name) + 1;

	if (len > 0xffff || n + 2 + len > sizeof(b->buf) - b->len)
		return KALIT_ERR_TOO_LARGE;
	memcpy(b->buf + b->len, name, n);
	b->len += n;
	b->buf[b->len++] = (unsigned char)(len >> 8);
	b->buf[b->len++] = (unsigned char)len;
	memcpy(b->buf + b->len, value, len);
	b->len += len;
	return KALIT_OK;
}

/* The tag a challenge bound to b carries. */
static int
tag_of(const struct challenge_bind *b, unsigned char tag[TAG_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];

	if (EVP_Digest(b->buf, b->len, md, NULL, digest_sha256(), NULL) != 1) {
		log_ssl(LOG_LEVEL_ERROR, "SHA-256");
		return KALIT_ERR_INTERNAL;
	}
	memcpy(tag, md, TAG_LEN);
	return KALIT_OK;
}

int
challenge_request_parse(const char *body, size_t len,
    char client[STORE_CLIENT_ID_MAX + 1])
{
	json_t *o, *id;
	int r = KALIT_ERR_MALFORMED;

	client[0] = '\0';
	if (body == NULL || len > CHALLENGE_REQUEST_MAX ||
	    (o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return KALIT_ERR_MALFORMED;
	id = json_object_get(o, "client_id");
	/* jansson refuses a string with a NUL in it (no JSON_ALLOW_NUL). */
	if (json_is_object(o) && json_is_string(id) &&
	    json_string_length(id) <= STORE_CLIENT_ID_MAX) {
		memcpy(client, json_string_value(id),
		    json_string_length(id) + 1);
		r = KALIT_OK;
	}
	json_decref(o);
	return r;
}

int
challenge_issue(struct challenges *c, const struct challenge_bind *b,
    int64_t now, char out[CHALLENGE_LEN + 1])
{
	unsigned char raw[RAW_LEN];
	uint64_t exp = (uint64_t)(now + c->lifetime);
	int i, r;

	if ((r = rand_take(raw, NONCE_LEN)) != KALIT_OK)
		return r;
	for (i = 0; i < 8; i++)
		raw[NONCE_LEN + i] = (unsigned char)(exp >> (56 - 8 * i));
	if ((r = tag_of(b, raw + NONCE_LEN + 8)) != KALIT_OK ||
	    (r = mac(c, raw, raw + SIGNED_LEN)) != KALIT_OK)
		return r;
	token_b64url(raw, RAW_LEN, out);
	return KALIT_OK;
}

/* base64url of exactly RAW_LEN bytes → raw; -1 when it is anything else. */
static int
decode(const char *s, size_t len, unsigned char raw[RAW_LEN])
{
	unsigned char std[CHALLENGE_LEN + 1], out[RAW_LEN + 3];
	size_t i;

	if (len != CHALLENGE_LEN)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '+' || s[i] == '/' || s[i] == '=')
			return -1;
		std[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' :
		    (unsigned char)s[i];
	}
	std[len] = '\0';
	if (EVP_DecodeBlock(out, std, (int)len) != RAW_LEN)
		return -1;
	memcpy(raw, out, RAW_LEN);
	return 0;
}

static const unsigned char zero[NONCE_LEN];

static int
set_has(const struct nonce_set *set, const unsigned char *nonce)
{
	size_t i, h;

	if (set->cap == 0)
		return 0;
	memcpy(&h, nonce, sizeof(h));	/* random bytes: a fine hash */
	for (i = h & (set->cap - 1); ; i = (i + 1) & (set->cap - 1)) {
		if (memcmp(set->slot[i], nonce, NONCE_LEN) == 0)
			return 1;
		if (memcmp(set->slot[i], zero, NONCE_LEN) == 0)
			return 0;
	}
}

static int set_add(struct nonce_set *, const unsigned char *);

static int
set_grow(struct nonce_set *set)
{
	struct nonce_set bigger = { NULL, set->cap ? set->cap * 2 : 256, 0 };
	size_t i;

	if ((bigger.slot = calloc(bigger.cap, NONCE_LEN)) == NULL)
		return KALIT_ERR_NOMEM;
	for (i = 0; i < set->cap; i++)
		if (memcmp(set->slot[i], zero, NONCE_LEN) != 0)
			set_add(&bigger, set->slot[i]);
	free(set->slot);
	*set = bigger;
	return KALIT_OK;
}

static int
set_add(struct nonce_set *set, const unsigned char *nonce)
{
	size_t i, h;
	int r;

	if ((set->n + 1) * 2 > set->cap && (r = set_grow(set)) != KALIT_OK)
		return r;
	memcpy(&h, nonce, sizeof(h));
	for (i = h & (set->cap - 1); memcmp(set->slot[i], zero, NONCE_LEN) != 0;
	    i = (i + 1) & (set->cap - 1))
		;
	memcpy(set->slot[i], nonce, NONCE_LEN);
	set->n++;
	return KALIT_OK;
}

/* Drops the older generation once the current one is lifetime old. */
static void
shard_rotate(struct challenges *c, struct shard *sh, int64_t now)
{
	struct nonce_set *old;

	if (now - sh->rotated < c->lifetime)
		return;
	old = &sh->gen[sh->cur ^ 1];
	atomic_fetch_sub(&c->used, old->n);
	free(old->slot);
	memset(old, 0, sizeof(*old));
	sh->cur ^= 1;
	/* Both gone when idle for two lifetimes: the new current is empty. */
	if (now - sh->rotated >= 2 * c->lifetime) {
		old = &sh->gen[sh->cur ^ 1];
		atomic_fetch_sub(&c->used, old->n);
		free(old->slot);
		memset(old, 0, sizeof(*old));
	}
	sh->rotated = now;
}

int
challenge_consume(struct challenges *c, const char *s, size_t len,
    const struct challenge_bind *b, int64_t now)
{
	unsigned char raw[RAW_LEN], want[MAC_LEN], tag[TAG_LEN];
	struct shard *sh;
	uint64_t exp = 0;
	int i, r;

	if (decode(s, len, raw) != 0)
		return KALIT_ERR_CHALLENGE_UNKNOWN;
	if ((r = mac(c, raw, want)) != KALIT_OK)
		return r;
	if (CRYPTO_memcmp(want, raw + SIGNED_LEN, MAC_LEN) != 0)
		return KALIT_ERR_CHALLENGE_UNKNOWN;
	for (i = 0; i < 8; i++)
		exp = exp << 8 | raw[NONCE_LEN + i];
	if ((int64_t)exp < now)
		return KALIT_ERR_CHALLENGE_EXPIRED;
	if ((r = tag_of(b, tag)) != KALIT_OK)
		return r;
	if (CRYPTO_memcmp(tag, raw + NONCE_LEN + 8, TAG_LEN) != 0)
		return KALIT_ERR_CHALLENGE_CLIENT;
	sh = &c->shard[raw[0] % SHARDS];
	pthread_mutex_lock(&sh->mu);
	shard_rotate(c, sh, now);
	if (set_has(&sh->gen[0], raw) || set_has(&sh->gen[1], raw))
		r = KALIT_ERR_CHALLENGE_REUSED;
	else if (atomic_load(&c->used) >= c->max_used)
		r = KALIT_ERR_BUSY;
	else if ((r = set_add(&sh->gen[sh->cur], raw)) == KALIT_OK)
		atomic_fetch_add(&c->used, 1);
	pthread_mutex_unlock(&sh->mu);
	return r;
}

size_t
challenges_used(struct challenges *c)
{
	return atomic_load(&c->used);
}
