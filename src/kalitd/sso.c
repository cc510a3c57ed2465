/* sso.c: browser sessions in memory, by the hash of their cookie */
#include "config.h"
#include "sso.h"
#include "base64.h"
#include "digest.h"
#include "err.h"
#include "log.h"
#include "rand.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define BUCKETS		16384

struct sess {
	unsigned char	 key[SSO_KEY_LEN];
	struct sso_view	 v;
	char		 (*clients)[STORE_CLIENT_ID_MAX + 1];
	size_t		 nclients;
	struct sso_token *tokens;
	size_t		 ntokens, captokens;
	size_t		 cost;
	struct sess	*hnext;			/* bucket chain */
	struct sess	*older, *newer;		/* creation order */
};

struct sso {
	pthread_mutex_t	 mu;
	struct sess	*bucket[BUCKETS];
	struct sess	*oldest, *newest;
	size_t		 n, bytes, budget;
};

int
sso_new(size_t budget, struct sso **sp)
{
	struct sso *s;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return KALIT_ERR_NOMEM;
	pthread_mutex_init(&s->mu, NULL);
	s->budget = budget;
	*sp = s;
	return KALIT_OK;
}

static void
sess_free(struct sess *x)
{
	cert_entry_release(x->v.entry);
	free(x->clients);
	free(x->tokens);
	OPENSSL_clear_free(x, sizeof(*x));
}

void
sso_free(struct sso *s)
{
	struct sess *x, *next;

	if (s == NULL)
		return;
	for (x = s->oldest; x != NULL; x = next) {
		next = x->newer;
		sess_free(x);
	}
	pthread_mutex_destroy(&s->mu);
	free(s);
}

void
sso_key_of(const char *cookie, unsigned char key[SSO_KEY_LEN])
{
	EVP_Digest(cookie, strlen(cookie), key, NULL, digest_sha256(), NULL);
}

/* The bucket of key: its bytes are a hash already (SHA-256). */
static struct sess **
bucket_of(struct sso *s, const unsigned char key[SSO_KEY_LEN])
{
	size_t h;

	memcpy(&h, key, sizeof(h));
	return &s->bucket[h % BUCKETS];
}

static struct sess *
find(struct sso *s, const unsigned char key[SSO_KEY_LEN])
{
	struct sess *x;

	for (x = *bucket_of(s, key); x != NULL; x = x->hnext)
		if (CRYPTO_memcmp(x->key, key, SSO_KEY_LEN) == 0)
			return x;
	return NULL;
}

/* Unlinks x from its bucket and the order; the caller frees it. */
static void
unlink_sess(struct sso *s, struct sess *x)
{
	struct sess **pp;

	for (pp = bucket_of(s, x->key); *pp != x; pp = &(*pp)->hnext)
		;
	*pp = x->hnext;
	if (x->older != NULL)
		x->older->newer = x->newer;
	else
		s->oldest = x->newer;
	if (x->newer != NULL)
		x->newer->older = x->older;
	else
		s->newest = x->older;
	s->n--;
	s->bytes -= x->cost;
}

/* Links x (its key set) into its bucket and as the newest, under mu. */
static void
link_sess(struct sso *s, struct sess *x)
{
	struct sess **b = bucket_of(s, x->key);

	x->hnext = *b;
	*b = x;
	x->newer = NULL;
	if ((x->older = s->newest) != NULL)
		s->newest->newer = x;
	else
		s->oldest = x;
	s->newest = x;
	s->n++;
	s->bytes += x->cost;
}

/* What a session costs: itself, its entry's share, its lists. */
static size_t
cost_of(const struct sess *x)
{
	return sizeof(*x) + 64 + x->nclients * (STORE_CLIENT_ID_MAX + 1) +
	    x->captokens * sizeof(struct sso_token);
}

/* Room for need more bytes: expired sessions first, then the oldest. */
static void
make_room(struct sso *s, size_t need, int64_t now)
{
	struct sess *x, *next;
	size_t evicted = 0;

	for (x = s->oldest; x != NULL && s->bytes + need > s->budget;
	    x = next) {
		next = x->newer;
		if (x->v.exp < now) {
			unlink_sess(s, x);
			sess_free(x);
		}
	}
	while (s->oldest != NULL && s->bytes + need > s->budget) {
		x = s->oldest;
		unlink_sess(s, x);
		sess_free(x);
		evicted++;
	}
	if (evicted > 0)
		log_msg(LOG_LEVEL_WARN, "sessions: %zu ended early to stay "
		    "within [cache] sessions", evicted);
}

static void
view_copy(const struct sess *x, struct sso_view *v)
{
	*v = x->v;
	if (v->entry != NULL)
		atomic_fetch_add(&v->entry->refs, 1);
}

/* The "sub" of an entry's claims text, into sub. */
static void
sub_of(const struct cert_entry *e, char *sub, size_t size)
{
	json_t *o;
	char *text;

	sub[0] = '\0';
	if (e == NULL || asprintf(&text, "{%s}", e->text.claims) < 0)
		return;
	if ((o = json_loads(text, 0, NULL)) != NULL)
		snprintf(sub, size, "%s", json_string_value(json_object_get(o,
		    "sub")) != NULL ? json_string_value(json_object_get(o,
		    "sub")) : "");
	json_decref(o);
	free(text);
}

int
sso_create(struct sso *s, const unsigned char key[SSO_KEY_LEN],
    struct cert_entry *entry, unsigned int acr, int hwk, int64_t auth_time,
    int64_t exp, int64_t now, struct sso_view *v)
{
	struct sess *x;
	int r;

	if (v != NULL)
		memset(v, 0, sizeof(*v));
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return KALIT_ERR_NOMEM;
	if ((r = rand_id(x->v.sid)) != KALIT_OK ||
	    (r = rand_id(x->v.logout_tok)) != KALIT_OK) {
		free(x);
		return r;
	}
	memcpy(x->key, key, SSO_KEY_LEN);
	x->v.acr = acr;
	x->v.hwk = hwk;
	x->v.auth_time = auth_time;
	x->v.exp = exp;
	x->v.entry = entry;
	atomic_fetch_add(&entry->refs, 1);
	x->cost = cost_of(x);
	pthread_mutex_lock(&s->mu);
	make_room(s, x->cost, now);
	link_sess(s, x);
	if (v != NULL)
		view_copy(x, v);
	pthread_mutex_unlock(&s->mu);
	return KALIT_OK;
}

int
sso_renew(struct sso *s, const unsigned char old[SSO_KEY_LEN],
    const unsigned char key[SSO_KEY_LEN], struct cert_entry *entry,
    unsigned int acr, int hwk, int64_t auth_time, int64_t exp, int64_t now,
    struct sso_view *v)
{
	char was[64], is[64], tok[SSO_SID_LEN + 1];
	struct sess *x;
	int r = KALIT_ERR_NOT_FOUND;

	memset(v, 0, sizeof(*v));
	sub_of(entry, is, sizeof(is));
	if (is[0] == '\0' || (r = rand_id(tok)) != KALIT_OK)
		return r == KALIT_OK ? KALIT_ERR_NOT_FOUND : r;
	r = KALIT_ERR_NOT_FOUND;
	pthread_mutex_lock(&s->mu);
	if ((x = find(s, old)) != NULL && x->v.exp >= now) {
		sub_of(x->v.entry, was, sizeof(was));
		if (strcmp(was, is) == 0) {
			unlink_sess(s, x);
			memcpy(x->key, key, SSO_KEY_LEN);
			memcpy(x->v.logout_tok, tok, sizeof(tok));
			x->v.acr = acr;
			x->v.hwk = hwk;
			x->v.auth_time = auth_time;
			x->v.exp = exp;
			atomic_fetch_add(&entry->refs, 1);
			cert_entry_release(x->v.entry);
			x->v.entry = entry;
			link_sess(s, x);
			view_copy(x, v);
			r = KALIT_OK;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return r;
}

int
sso_get(struct sso *s, const unsigned char key[SSO_KEY_LEN], int64_t now,
    struct sso_view *v)
{
	struct sess *x;
	int r = KALIT_ERR_NOT_FOUND;

	memset(v, 0, sizeof(*v));
	pthread_mutex_lock(&s->mu);
	if ((x = find(s, key)) != NULL && x->v.exp >= now) {
		view_copy(x, v);
		r = KALIT_OK;
	}
	pthread_mutex_unlock(&s->mu);
	return r;
}

void
sso_view_clear(struct sso_view *v)
{
	cert_entry_release(v->entry);
	OPENSSL_cleanse(v, sizeof(*v));
}

/* Adds client to x's clients unless there; -1 when full or no memory. */
static int
note_client(struct sso *s, struct sess *x, const char *client)
{
	char (*c)[STORE_CLIENT_ID_MAX + 1];
	size_t i;

	for (i = 0; i < x->nclients; i++)
		if (strcmp(x->clients[i], client) == 0)
			return 0;
	if (x->nclients == SSO_CLIENTS_MAX || (c = reallocarray(x->clients,
	    x->nclients + 1, sizeof(*c))) == NULL)
		return -1;
	x->clients = c;
	snprintf(c[x->nclients++], sizeof(*c), "%s", client);
	s->bytes += STORE_CLIENT_ID_MAX + 1;
	x->cost += STORE_CLIENT_ID_MAX + 1;
	return 0;
}

/*
 * Adds a token to x's. When they are full, those expired at now go; if
 * none has, the oldest (the first to expire) goes into *pushed, for the
 * caller to revoke: a logout must reach every token of its session.
 */
static int
note_token(struct sso *s, struct sess *x, const char *client,
    const char *jti, int64_t exp, int64_t now, struct sso_token *pushed)
{
	struct sso_token *t;
	size_t cap, i, n;

	if (x->ntokens == SSO_TOKENS_MAX) {
		for (i = n = 0; i < x->ntokens; i++)
			if (x->tokens[i].exp > now)
				x->tokens[n++] = x->tokens[i];
		x->ntokens = n;
	}
	if (x->ntokens == SSO_TOKENS_MAX) {
		*pushed = x->tokens[0];
		memmove(x->tokens, x->tokens + 1, (x->ntokens - 1) *
		    sizeof(*t));
		x->ntokens--;
	}
	if (x->ntokens == x->captokens) {
		cap = x->captokens ? x->captokens * 2 : 4;
		if ((t = reallocarray(x->tokens, cap, sizeof(*t))) == NULL)
			return -1;
		s->bytes += (cap - x->captokens) * sizeof(*t);
		x->cost += (cap - x->captokens) * sizeof(*t);
		x->tokens = t;
		x->captokens = cap;
	}
	t = &x->tokens[x->ntokens++];
	snprintf(t->jti, sizeof(t->jti), "%s", jti);
	snprintf(t->client, sizeof(t->client), "%s", client);
	t->exp = exp;
	return 0;
}

int
sso_note(struct sso *s, const unsigned char key[SSO_KEY_LEN],
    const char *client, const char *jti, int64_t exp, int64_t now,
    struct sso_token *pushed)
{
	struct sso_token none;
	struct sess *x;
	int r = KALIT_ERR_NOT_FOUND;

	if (pushed == NULL)
		pushed = &none;
	memset(pushed, 0, sizeof(*pushed));
	pthread_mutex_lock(&s->mu);
	if ((x = find(s, key)) != NULL) {
		r = KALIT_OK;
		if (note_client(s, x, client) != 0 || (jti != NULL &&
		    note_token(s, x, client, jti, exp, now, pushed) != 0))
			r = KALIT_ERR_NOMEM;
	}
	pthread_mutex_unlock(&s->mu);
	return r;
}

int
sso_end(struct sso *s, const unsigned char key[SSO_KEY_LEN],
    struct sso_ended **endp)
{
	struct sso_ended *e;
	struct sess *x;

	*endp = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return KALIT_ERR_NOMEM;
	pthread_mutex_lock(&s->mu);
	if ((x = find(s, key)) != NULL)
		unlink_sess(s, x);
	pthread_mutex_unlock(&s->mu);
	if (x == NULL) {
		free(e);
		return KALIT_ERR_NOT_FOUND;
	}
	memcpy(e->sid, x->v.sid, sizeof(e->sid));
	sub_of(x->v.entry, e->sub, sizeof(e->sub));
	e->clients = x->clients;
	e->nclients = x->nclients;
	e->tokens = x->tokens;
	e->ntokens = x->ntokens;
	x->clients = NULL;
	x->tokens = NULL;
	sess_free(x);
	*endp = e;
	return KALIT_OK;
}

void
sso_ended_free(struct sso_ended *e)
{
	if (e == NULL)
		return;
	free(e->clients);
	free(e->tokens);
	free(e);
}

size_t
sso_count(struct sso *s, size_t *bytesp)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->n;
	if (bytesp != NULL)
		*bytesp = s->bytes;
	pthread_mutex_unlock(&s->mu);
	return n;
}
