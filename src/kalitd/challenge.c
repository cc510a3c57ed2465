/* challenge.c: MAC'd challenges, the sets of used ones and their shares */
#include "config.h"

#include "challenge.h"
#include "base64.h"
#include "digest.h"
#include "err.h"
#include "log.h"
#include "rand.h"

#include <netinet/in.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define NONCE_LEN	16
#define TAG_LEN		12
#define MAC_LEN		24
#define SIGNED_LEN	(NONCE_LEN + 8 + TAG_LEN)	/* the MAC covers */
#define RAW_LEN		(SIGNED_LEN + MAC_LEN)		/* 60: no padding */
#define SHARDS		64
#define SLOT_LEN	16	/* a nonce, or a share's key and count */
#define SHARE_KEY_LEN	12
#define SHARD_BYTE	8	/* shard by this byte, hash by the first 8 */
#define ADDR_ID_MAX	9	/* family and IPv4 address or IPv6 /64 */

/* An open-addressing set of 16-byte slots; a slot is empty when all-zero. */
struct slot_set {
	unsigned char	(*slot)[SLOT_LEN];
	size_t		 cap;		/* power of two, or 0 */
	size_t		 n;
};

/*
 * Two generations of a set. They are aligned to epochs of lifetime
 * seconds, the same in every shard: what is added in epoch e is dropped
 * when epoch e + 2 begins, when every challenge it can be about has
 * expired.
 */
struct shard {
	pthread_mutex_t	 mu;
	struct slot_set	 gen[2];	/* [cur], [cur ^ 1] older */
	int		 cur;
	int64_t		 epoch;		/* gen[cur]'s: now / lifetime */
};

struct challenges {
	EVP_MAC_CTX	*mac;		/* HMAC-SHA256 keyed, copied per use */
	EVP_MAC_CTX	*share_mac;	/* another key: names the shares */
	struct challenge_limits lim;
	atomic_size_t	 used;
	struct shard	 shard[SHARDS];	/* used nonces */
	struct shard	 share[SHARDS];	/* share key → uses counted */
};

int
challenges_new(const struct challenge_limits *lim, struct challenges **cp)
{
	struct challenges *c;
	int i;

	*cp = NULL;
	if (lim->lifetime <= 0)		/* the length of an epoch */
		return KALIT_ERR_INTERNAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return KALIT_ERR_NOMEM;
	if ((c->mac = digest_hmac_new()) == NULL ||
	    (c->share_mac = digest_hmac_new()) == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "challenge key");
		EVP_MAC_CTX_free(c->mac);
		free(c);
		return KALIT_ERR_INTERNAL;
	}
	c->lim = *lim;
	atomic_init(&c->used, 0);
	for (i = 0; i < SHARDS; i++) {
		pthread_mutex_init(&c->shard[i].mu, NULL);
		pthread_mutex_init(&c->share[i].mu, NULL);
	}
	*cp = c;
	return KALIT_OK;
}

static size_t
gen_drop(struct slot_set *set)
{
	size_t n = set->n;

	free(set->slot);
	memset(set, 0, sizeof(*set));
	return n;
}

void
challenges_free(struct challenges *c)
{
	int i, g;

	if (c == NULL)
		return;
	for (i = 0; i < SHARDS; i++) {
		pthread_mutex_destroy(&c->shard[i].mu);
		pthread_mutex_destroy(&c->share[i].mu);
		for (g = 0; g < 2; g++) {
			gen_drop(&c->shard[i].gen[g]);
			gen_drop(&c->share[i].gen[g]);
		}
	}
	EVP_MAC_CTX_free(c->mac);
	EVP_MAC_CTX_free(c->share_mac);
	free(c);
}

int
challenge_bind_init(struct challenge_bind *b, const char *client)
{
	size_t n = strlen(client);

	b->client = client;
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
	uint64_t exp = (uint64_t)(now + c->lim.lifetime);
	int i, r;

	if ((r = rand_take(raw, NONCE_LEN)) != KALIT_OK)
		return r;
	for (i = 0; i < 8; i++)
		raw[NONCE_LEN + i] = (unsigned char)(exp >> (56 - 8 * i));
	if ((r = tag_of(b, raw + NONCE_LEN + 8)) != KALIT_OK ||
	    (r = digest_hmac(c->mac, raw, SIGNED_LEN, raw + SIGNED_LEN,
	    MAC_LEN)) != KALIT_OK)
		return r;
	base64_url_encode(raw, RAW_LEN, out);
	return KALIT_OK;
}

_Static_assert(BASE64_URL_LEN(RAW_LEN) == CHALLENGE_LEN,
    "a challenge is the base64url of RAW_LEN bytes");

/* base64url of exactly RAW_LEN bytes → raw; -1 when it is anything else. */
static int
decode(const char *s, size_t len, unsigned char raw[RAW_LEN])
{
	unsigned char *out;
	size_t n;

	if (len != CHALLENGE_LEN ||
	    base64_url_decode(s, len, RAW_LEN, &out, &n) != KALIT_OK)
		return -1;
	memcpy(raw, out, RAW_LEN);
	free(out);
	return 0;
}

static const unsigned char zero[SLOT_LEN];

/* The slot whose first klen bytes are key's, or NULL. */
static unsigned char *
set_find(const struct slot_set *set, const unsigned char *key, size_t klen)
{
	size_t i, h;

	if (set->cap == 0)
		return NULL;
	memcpy(&h, key, sizeof(h));	/* random or keyed bytes: a fine hash */
	for (i = h & (set->cap - 1); ; i = (i + 1) & (set->cap - 1)) {
		if (memcmp(set->slot[i], key, klen) == 0)
			return set->slot[i];
		if (memcmp(set->slot[i], zero, SLOT_LEN) == 0)
			return NULL;
	}
}

static unsigned char *set_put(struct slot_set *, const unsigned char *);

static int
set_grow(struct slot_set *set)
{
	struct slot_set bigger = { NULL, set->cap ? set->cap * 2 : 256, 0 };
	size_t i;

	if ((bigger.slot = calloc(bigger.cap, SLOT_LEN)) == NULL)
		return KALIT_ERR_NOMEM;
	for (i = 0; i < set->cap; i++)
		if (memcmp(set->slot[i], zero, SLOT_LEN) != 0)
			set_put(&bigger, set->slot[i]);
	free(set->slot);
	*set = bigger;
	return KALIT_OK;
}

/* Adds slot value v, not in the set yet; the slot, or NULL: no memory. */
static unsigned char *
set_put(struct slot_set *set, const unsigned char *v)
{
	size_t i, h;

	if ((set->n + 1) * 2 > set->cap && set_grow(set) != KALIT_OK)
		return NULL;
	memcpy(&h, v, sizeof(h));
	for (i = h & (set->cap - 1); memcmp(set->slot[i], zero, SLOT_LEN) != 0;
	    i = (i + 1) & (set->cap - 1))
		;
	memcpy(set->slot[i], v, SLOT_LEN);
	set->n++;
	return set->slot[i];
}

/*
 * Moves sh to the epoch of now, dropping the generations that are two
 * epochs old; returns how many entries went. A clock that steps back
 * keeps them: they go late, never early.
 */
static size_t
shard_rotate(const struct challenges *c, struct shard *sh, int64_t now)
{
	int64_t e = now / c->lim.lifetime;
	size_t n;

	if (e <= sh->epoch)
		return 0;
	n = gen_drop(&sh->gen[sh->cur ^ 1]);
	sh->cur ^= 1;
	if (e > sh->epoch + 1)
		n += gen_drop(&sh->gen[sh->cur ^ 1]);
	sh->epoch = e;
	return n;
}

/* Seconds from now until the generation of epoch e is dropped, at least 1. */
static int64_t
until_dropped(const struct challenges *c, int64_t e, int64_t now)
{
	int64_t s = (e + 2) * c->lim.lifetime - now;

	return s > 0 ? s : 1;
}

/*
 * The key of a share: a keyed hash of kind (client or address) and id,
 * so that nobody can pick ids that pile up in one place of a table.
 */
static int
share_key(struct challenges *c, unsigned char kind, const void *id,
    size_t len, unsigned char key[SHARE_KEY_LEN])
{
	unsigned char msg[1 + STORE_CLIENT_ID_MAX];
	int r;

	if (len > sizeof(msg) - 1)
		return KALIT_ERR_INTERNAL;
	msg[0] = kind;
	memcpy(msg + 1, id, len);
	if ((r = digest_hmac(c->share_mac, msg, 1 + len, key,
	    SHARE_KEY_LEN)) != KALIT_OK)
		return r;
	key[SHARE_KEY_LEN - 1] |= 1;	/* never all-zero: an empty slot is */
	return KALIT_OK;
}

/* The bytes that name from's share: IPv4 address or IPv6 /64; 0: none. */
static size_t
addr_id(const struct sockaddr *from, unsigned char out[ADDR_ID_MAX])
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (from == NULL)
		return 0;
	if (from->sa_family == AF_INET) {
		memcpy(&sin, from, sizeof(sin));
		out[0] = 4;
		memcpy(out + 1, &sin.sin_addr, 4);
		return 5;
	}
	if (from->sa_family != AF_INET6)
		return 0;
	memcpy(&sin6, from, sizeof(sin6));
	if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
		out[0] = 4;
		memcpy(out + 1, sin6.sin6_addr.s6_addr + 12, 4);
		return 5;
	}
	/* One host is given a /64 or more: the /64 is the host. */
	out[0] = 6;
	memcpy(out + 1, sin6.sin6_addr.s6_addr, 8);
	return 9;
}

/*
 * KALIT_ERR_RATE_LIMITED when the share of key has limit uses counted;
 * else, with add, counts one more.
 */
static int
share_count(struct challenges *c, const unsigned char key[SHARE_KEY_LEN],
    size_t limit, int add, int64_t now, int64_t *retryp)
{
	struct shard *sh = &c->share[key[SHARD_BYTE] % SHARDS];
	unsigned char *cur, *old, slot[SLOT_LEN];
	uint32_t ncur = 0, nold = 0;
	int r = KALIT_OK;

	pthread_mutex_lock(&sh->mu);
	shard_rotate(c, sh, now);
	if ((cur = set_find(&sh->gen[sh->cur], key, SHARE_KEY_LEN)) != NULL)
		memcpy(&ncur, cur + SHARE_KEY_LEN, sizeof(ncur));
	if ((old = set_find(&sh->gen[sh->cur ^ 1], key, SHARE_KEY_LEN)) !=
	    NULL)
		memcpy(&nold, old + SHARE_KEY_LEN, sizeof(nold));
	if ((size_t)ncur + nold >= limit) {
		/* The older generation goes first, if it holds any. */
		*retryp = until_dropped(c, sh->epoch - (nold > 0), now);
		r = KALIT_ERR_RATE_LIMITED;
	} else if (add && cur != NULL) {
		ncur++;
		memcpy(cur + SHARE_KEY_LEN, &ncur, sizeof(ncur));
	} else if (add) {
		ncur = 1;
		memcpy(slot, key, SHARE_KEY_LEN);
		memcpy(slot + SHARE_KEY_LEN, &ncur, sizeof(ncur));
		if (set_put(&sh->gen[sh->cur], slot) == NULL)
			r = KALIT_ERR_NOMEM;
	}
	pthread_mutex_unlock(&sh->mu);
	return r;
}

/* Takes back a use share_count() counted for a challenge not used. */
static void
share_give(struct challenges *c, const unsigned char key[SHARE_KEY_LEN])
{
	struct shard *sh = &c->share[key[SHARD_BYTE] % SHARDS];
	unsigned char *p;
	uint32_t n;
	int g;

	pthread_mutex_lock(&sh->mu);
	for (g = 0; g < 2; g++) {
		p = set_find(&sh->gen[sh->cur ^ g], key, SHARE_KEY_LEN);
		if (p == NULL)
			continue;
		memcpy(&n, p + SHARE_KEY_LEN, sizeof(n));
		if (n == 0)
			continue;
		n--;
		memcpy(p + SHARE_KEY_LEN, &n, sizeof(n));
		break;
	}
	pthread_mutex_unlock(&sh->mu);
}

/* The shares one use of a challenge counts in; a NULL key is none. */
struct use {
	const unsigned char	*client;
	const unsigned char	*addr;
};

/* Each share of u: looked at (add 0), or counted in (add 1). */
static int
use_count(struct challenges *c, const struct use *u, int add, int64_t now,
    int64_t *retryp)
{
	int r;

	if (u->client != NULL && (r = share_count(c, u->client,
	    c->lim.max_per_client, add, now, retryp)) != KALIT_OK)
		return r;
	if (u->addr != NULL && (r = share_count(c, u->addr,
	    c->lim.max_per_address, add, now, retryp)) != KALIT_OK) {
		if (add && u->client != NULL)
			share_give(c, u->client);
		return r;
	}
	return KALIT_OK;
}

/*
 * With sh (the nonce's shard) locked: the client's share, the address's,
 * the cap of all, then the nonce is remembered as used. The shares are
 * looked at before anything is counted, so that a refused use leaves no
 * entry behind in them.
 */
static int
use_nonce(struct challenges *c, struct shard *sh, const unsigned char *nonce,
    const struct use *u, int64_t now, int64_t *retryp)
{
	unsigned char slot[SLOT_LEN];
	int r;

	if ((r = use_count(c, u, 0, now, retryp)) != KALIT_OK)
		return r;
	if (atomic_load(&c->used) >= c->lim.max_used) {
		*retryp = until_dropped(c, now / c->lim.lifetime - 1, now);
		return KALIT_ERR_BUSY;
	}
	/* Another thread may have filled a share since: counted again. */
	if ((r = use_count(c, u, 1, now, retryp)) != KALIT_OK)
		return r;
	memcpy(slot, nonce, SLOT_LEN);
	if (set_put(&sh->gen[sh->cur], slot) == NULL) {
		if (u->addr != NULL)
			share_give(c, u->addr);
		if (u->client != NULL)
			share_give(c, u->client);
		return KALIT_ERR_NOMEM;
	}
	atomic_fetch_add(&c->used, 1);
	return KALIT_OK;
}

/* The keys of the shares a use by b's client from from counts in. */
static int
use_of(struct challenges *c, const struct challenge_bind *b,
    const struct sockaddr *from, unsigned char ckey[SHARE_KEY_LEN],
    unsigned char akey[SHARE_KEY_LEN], struct use *u)
{
	unsigned char id[ADDR_ID_MAX];
	size_t n;
	int r;

	u->client = u->addr = NULL;
	if (c->lim.max_per_client > 0 && b->client != NULL) {
		if ((r = share_key(c, 'c', b->client, strlen(b->client),
		    ckey)) != KALIT_OK)
			return r;
		u->client = ckey;
	}
	if (c->lim.max_per_address > 0 && (n = addr_id(from, id)) > 0) {
		if ((r = share_key(c, 'a', id, n, akey)) != KALIT_OK)
			return r;
		u->addr = akey;
	}
	return KALIT_OK;
}

int
challenge_consume(struct challenges *c, const char *s, size_t len,
    const struct challenge_bind *b, const struct sockaddr *from,
    int64_t now, int64_t *retryp)
{
	unsigned char raw[RAW_LEN], want[MAC_LEN], tag[TAG_LEN];
	unsigned char ckey[SHARE_KEY_LEN], akey[SHARE_KEY_LEN];
	struct shard *sh;
	struct use u;
	uint64_t exp = 0;
	int i, r;

	*retryp = 0;
	if (decode(s, len, raw) != 0)
		return KALIT_ERR_CHALLENGE_UNKNOWN;
	if ((r = digest_hmac(c->mac, raw, SIGNED_LEN, want, MAC_LEN)) !=
	    KALIT_OK)
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
	if ((r = use_of(c, b, from, ckey, akey, &u)) != KALIT_OK)
		return r;
	sh = &c->shard[raw[SHARD_BYTE] % SHARDS];
	pthread_mutex_lock(&sh->mu);
	atomic_fetch_sub(&c->used, shard_rotate(c, sh, now));
	if (set_find(&sh->gen[0], raw, NONCE_LEN) != NULL ||
	    set_find(&sh->gen[1], raw, NONCE_LEN) != NULL)
		r = KALIT_ERR_CHALLENGE_REUSED;
	else
		r = use_nonce(c, sh, raw, &u, now, retryp);
	pthread_mutex_unlock(&sh->mu);
	return r;
}

size_t
challenges_used(struct challenges *c)
{
	return atomic_load(&c->used);
}
