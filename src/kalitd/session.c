/* session.c: clients (hashed secrets), revoked tokens, token checks */
#include "config.h"
#include "session.h"
#include "base64.h"
#include "certmap.h"
#include "conf.h"
#include "digest.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "token.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define REVOKED_BUCKETS	4096
#define JTI_MAX		64
/* Failed client authentications remembered; see session_client_auth(). */
#define THROTTLE_SLOTS	8192
#define THROTTLE_PROBE	8

struct revoked {
	char		 jti[JTI_MAX + 1];
	int64_t		 exp;
	struct revoked	*next;
};

/* Failures of one client from one address (an IPv6 one's /64). */
struct throttle {
	char		 id[STORE_CLIENT_ID_MAX + 1];	/* "": a free slot */
	unsigned char	 addr[16];
	int		 failures;
	int64_t		 start;		/* of the window, monotonic seconds */
	int64_t		 last;		/* the last failure */
};

/* A URI or JWKS a client registered (store_client_extra_list()). */
struct client_extra {
	char		 id[STORE_CLIENT_ID_MAX + 1];
	int		 kind;		/* enum store_uri */
	char		*value;
};

struct extra_list {
	struct client_extra	*v;
	size_t			 n, cap;
};

static void	extra_free(struct extra_list *);

struct session {
	pthread_rwlock_t	 clients_lock;
	struct store_client	*clients;	/* sorted by id */
	size_t			 nclients;
	struct extra_list	 extra;		/* sorted by id, kind, value */
	pthread_mutex_t		 revoked_mu;
	struct revoked		*revoked[REVOKED_BUCKETS];
	int			 revoked_loaded;
	pthread_mutex_t		 throttle_mu;
	struct throttle		*throttle;	/* THROTTLE_SLOTS of them */
	uint64_t		 throttle_seed;	/* keys the slots' hash */
	int			 max_failures;
	int64_t			 window;
};

int
session_new(const struct config *cfg, struct session **sp)
{
	struct session *s;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->throttle = calloc(THROTTLE_SLOTS, sizeof(*s->throttle))) ==
	    NULL) {
		free(s);
		return KALIT_ERR_NOMEM;
	}
	/* Unknown to whoever picks the ids and addresses that collide. */
	if (RAND_bytes((unsigned char *)&s->throttle_seed,
	    sizeof(s->throttle_seed)) != 1) {
		free(s->throttle);
		free(s);
		return KALIT_ERR_INTERNAL;
	}
	s->max_failures = cfg->auth_max_failures;
	s->window = cfg->auth_window;
	pthread_rwlock_init(&s->clients_lock, NULL);
	pthread_mutex_init(&s->revoked_mu, NULL);
	pthread_mutex_init(&s->throttle_mu, NULL);
	*sp = s;
	return KALIT_OK;
}

static void
revoked_prune(struct session *s, int64_t now)
{
	struct revoked **pp, *r;
	size_t b;

	pthread_mutex_lock(&s->revoked_mu);
	for (b = 0; b < REVOKED_BUCKETS; b++)
		for (pp = &s->revoked[b]; (r = *pp) != NULL; )
			if (r->exp < now) {
				*pp = r->next;
				free(r);
			} else
				pp = &r->next;
	pthread_mutex_unlock(&s->revoked_mu);
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	revoked_prune(s, INT64_MAX);
	pthread_rwlock_destroy(&s->clients_lock);
	pthread_mutex_destroy(&s->revoked_mu);
	pthread_mutex_destroy(&s->throttle_mu);
	free(s->throttle);
	free(s->clients);
	extra_free(&s->extra);
	free(s);
}

static void
extra_free(struct extra_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].value);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
extra_collect(const char *id, int kind, const char *value, void *arg)
{
	struct extra_list *l = arg;
	struct client_extra *v;

	if (id == NULL || value == NULL || strlen(id) > STORE_CLIENT_ID_MAX)
		return KALIT_OK;	/* not a row kalitd wrote */
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		if ((v = reallocarray(l->v, l->cap, sizeof(*v))) == NULL)
			return KALIT_ERR_NOMEM;
		l->v = v;
	}
	snprintf(l->v[l->n].id, sizeof(l->v[l->n].id), "%s", id);
	l->v[l->n].kind = kind;
	if ((l->v[l->n].value = strdup(value)) == NULL)
		return KALIT_ERR_NOMEM;
	l->n++;
	return KALIT_OK;
}

struct client_list {
	struct store_client	*v;
	size_t			 n, cap;
};

static int
client_collect(const struct store_client *c, void *arg)
{
	struct client_list *l = arg;
	struct store_client *v;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		if ((v = reallocarray(l->v, l->cap, sizeof(*v))) == NULL)
			return KALIT_ERR_NOMEM;
		l->v = v;
	}
	l->v[l->n++] = *c;
	return KALIT_OK;
}

static size_t
bucket_of(const char *jti)
{
	size_t h = 5381;

	while (*jti != '\0')
		h = h * 33 + (unsigned char)*jti++;
	return h % REVOKED_BUCKETS;
}

void
session_revoked_add(struct session *s, const char *jti, int64_t exp)
{
	struct revoked *r;
	size_t b = bucket_of(jti);

	if (strlen(jti) > JTI_MAX || (r = calloc(1, sizeof(*r))) == NULL)
		return;
	snprintf(r->jti, sizeof(r->jti), "%s", jti);
	r->exp = exp;
	pthread_mutex_lock(&s->revoked_mu);
	r->next = s->revoked[b];
	s->revoked[b] = r;
	pthread_mutex_unlock(&s->revoked_mu);
}

static int
revoked_load(const char *jti, int64_t exp, void *arg)
{
	session_revoked_add(arg, jti, exp);
	return KALIT_OK;
}

static int
revoked_has(struct session *s, const char *jti)
{
	struct revoked *r;

	pthread_mutex_lock(&s->revoked_mu);
	for (r = s->revoked[bucket_of(jti)]; r != NULL &&
	    strcmp(r->jti, jti) != 0; r = r->next)
		;
	pthread_mutex_unlock(&s->revoked_mu);
	return r != NULL;
}

void
session_tick(struct store *store, void *arg)
{
	struct session *s = arg;
	struct client_list l = { NULL, 0, 0 };
	struct extra_list x = { NULL, 0, 0 }, old;
	int64_t now = (int64_t)time(NULL);
	int r;

	if (!s->revoked_loaded) {
		if ((r = store_token_revoked_list(store, now, revoked_load, s)) !=
		    KALIT_OK)
			log_msg(LOG_LEVEL_ERROR, "revoked tokens not loaded: %s",
			    kalit_errname(r));
		else
			s->revoked_loaded = 1;
	}
	revoked_prune(s, now);
	if ((r = store_client_list(store, client_collect, &l)) != KALIT_OK ||
	    (r = store_client_extra_list(store, extra_collect, &x)) !=
	    KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "clients not reloaded: %s",
		    kalit_errname(r));
		free(l.v);
		extra_free(&x);
		return;
	}
	pthread_rwlock_wrlock(&s->clients_lock);
	free(s->clients);
	s->clients = l.v;
	s->nclients = l.n;
	old = s->extra;
	s->extra = x;
	pthread_rwlock_unlock(&s->clients_lock);
	extra_free(&old);
}

static int
client_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct store_client *)elem)->id);
}

int
session_client_get(struct session *s, const char *id, struct store_client *c)
{
	const struct store_client *found;

	pthread_rwlock_rdlock(&s->clients_lock);
	found = s->nclients == 0 ? NULL : bsearch(id, s->clients, s->nclients,
	    sizeof(*s->clients), client_cmp);
	if (found != NULL)
		*c = *found;
	pthread_rwlock_unlock(&s->clients_lock);
	return found != NULL ? KALIT_OK : KALIT_ERR_CLIENT_UNKNOWN;
}

/* The first extra of client id and kind, under clients_lock; or NULL. */
static const struct client_extra *
extra_first(const struct session *s, const char *id, int kind)
{
	size_t lo = 0, hi = s->extra.n, mid;
	const struct client_extra *e;
	int c;

	while (lo < hi) {	/* the first not before (id, kind) */
		mid = lo + (hi - lo) / 2;
		e = &s->extra.v[mid];
		c = strcmp(e->id, id);
		if (c < 0 || (c == 0 && e->kind < kind))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == s->extra.n || strcmp(s->extra.v[lo].id, id) != 0 ||
	    s->extra.v[lo].kind != kind)
		return NULL;
	return &s->extra.v[lo];
}

int
session_client_uri_ok(struct session *s, const char *id, int kind,
    const char *uri)
{
	const struct client_extra *e, *end;
	int found = 0;

	pthread_rwlock_rdlock(&s->clients_lock);
	end = s->extra.v + s->extra.n;
	for (e = extra_first(s, id, kind); e != NULL && e < end &&
	    e->kind == kind && strcmp(e->id, id) == 0 && !found; e++)
		found = strcmp(e->value, uri) == 0;
	pthread_rwlock_unlock(&s->clients_lock);
	return found;
}

int
session_client_values(struct session *s, const char *id, int kind,
    char **valuep, size_t *np)
{
	const struct client_extra *e, *first, *end;
	size_t n = 0, len = 0;
	char *p;
	int r = KALIT_ERR_NOT_FOUND;

	*valuep = NULL;
	pthread_rwlock_rdlock(&s->clients_lock);
	end = s->extra.v + s->extra.n;
	first = extra_first(s, id, kind);
	for (e = first; e != NULL && e < end && e->kind == kind &&
	    strcmp(e->id, id) == 0; e++, n++)
		len += strlen(e->value) + 1;
	if (n > 0 && (*valuep = p = malloc(len)) == NULL)
		r = KALIT_ERR_NOMEM;
	else if (n > 0) {
		for (e = first; e < first + n; e++) {
			len = strlen(e->value);
			memcpy(p, e->value, len);
			p += len;
			*p++ = ' ';
		}
		p[-1] = '\0';
		r = KALIT_OK;
	}
	pthread_rwlock_unlock(&s->clients_lock);
	if (np != NULL)
		*np = r == KALIT_OK ? n : 0;
	return r;
}

int
session_client_value(struct session *s, const char *id, int kind,
    char **valuep)
{
	return session_client_values(s, id, kind, valuep, NULL);
}

static void
secret_hash(const char *secret, char hash[STORE_HASH_HEX + 1])
{
	unsigned char md[32];

	EVP_Digest(secret, strlen(secret), md, NULL, digest_sha256(), NULL);
	hex_encode(md, sizeof(md), hash);
	OPENSSL_cleanse(md, sizeof(md));
}

/*
 * The address a throttle entry keys on: IPv4 as it is (mapped into IPv6
 * when it came so), IPv6 by its /64, since one host commonly has a whole
 * /64 to pick addresses from. A text form into text (INET6_ADDRSTRLEN).
 */
static void
peer_key(const struct sockaddr *sa, unsigned char key[16], char *text,
    size_t len)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const void *a = NULL;

	memset(key, 0, 16);
	snprintf(text, len, "?");
	if (sa != NULL && sa->sa_family == AF_INET) {
		memcpy(key + 12, &sin->sin_addr, 4);
		key[10] = key[11] = 0xff;
		a = &sin->sin_addr;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		memcpy(key, &sin6->sin6_addr, 16);
		a = &sin6->sin6_addr;
		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			memset(key + 8, 0, 8);
	}
	if (a != NULL)
		inet_ntop(sa->sa_family, a, text, (socklen_t)len);
}

static int64_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static size_t
throttle_hash(const struct session *s, const char *id,
    const unsigned char key[16])
{
	uint64_t h = 0xcbf29ce484222325ULL ^ s->throttle_seed;
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		h = (h ^ (unsigned char)id[i]) * 0x100000001b3ULL;
	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 0x100000001b3ULL;
	return (size_t)(h ^ (h >> 29)) % THROTTLE_SLOTS;
}

/*
 * The entry of (id, key) under throttle_mu, or NULL; with make, a new one
 * in a free or expired slot of its probe run, else in place of the one
 * that failed longest ago there (the table's memory is fixed).
 */
/* A slot a new entry may take: free, or its window is over. */
static int
throttle_stale(const struct session *s, const struct throttle *t,
    int64_t now)
{
	return t->id[0] == '\0' || now - t->start >= s->window;
}

/*
 * The entry of (id, key) under throttle_mu, or NULL; with make, a new one
 * in a stale slot of its probe run, else in place of the one there that
 * failed longest ago (the table's memory is fixed).
 */
static struct throttle *
throttle_slot(struct session *s, const char *id, const unsigned char key[16],
    int64_t now, int make)
{
	struct throttle *t, *victim = NULL;
	size_t h = throttle_hash(s, id, key), i;

	for (i = 0; i < THROTTLE_PROBE; i++) {
		t = &s->throttle[(h + i) % THROTTLE_SLOTS];
		if (t->id[0] != '\0' && strcmp(t->id, id) == 0 &&
		    memcmp(t->addr, key, 16) == 0)
			return t;
		if (victim == NULL || (!throttle_stale(s, victim, now) &&
		    (throttle_stale(s, t, now) || t->last < victim->last)))
			victim = t;
	}
	if (!make)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->id, sizeof(victim->id), "%s", id);
	memcpy(victim->addr, key, 16);
	victim->start = now;
	return victim;
}

/* Seconds until (id, key) may try again; 0 when it may now. */
static int64_t
throttle_wait(struct session *s, const char *id, const unsigned char key[16],
    int64_t now)
{
	struct throttle *t;
	int64_t wait = 0;

	pthread_mutex_lock(&s->throttle_mu);
	if ((t = throttle_slot(s, id, key, now, 0)) != NULL &&
	    t->failures >= s->max_failures && now - t->start < s->window)
		wait = t->start + s->window - now;
	pthread_mutex_unlock(&s->throttle_mu);
	return wait;
}

/* Counts a failure of (id, key); returns the failures in this window. */
static int
throttle_fail(struct session *s, const char *id, const unsigned char key[16],
    int64_t now)
{
	struct throttle *t;
	int n;

	pthread_mutex_lock(&s->throttle_mu);
	t = throttle_slot(s, id, key, now, 1);
	if (now - t->start >= s->window) {
		t->start = now;
		t->failures = 0;
	}
	t->last = now;
	n = ++t->failures;
	pthread_mutex_unlock(&s->throttle_mu);
	return n;
}

/* A success forgets the failures before it. */
static void
throttle_clear(struct session *s, const char *id, const unsigned char key[16],
    int64_t now)
{
	struct throttle *t;

	pthread_mutex_lock(&s->throttle_mu);
	if ((t = throttle_slot(s, id, key, now, 0)) != NULL)
		memset(t, 0, sizeof(*t));
	pthread_mutex_unlock(&s->throttle_mu);
}

int
session_client_auth(struct session *s, const struct sockaddr *peer,
    const char *id, const char *secret, struct store_client *c,
    int64_t *retryp)
{
	char hash[STORE_HASH_HEX + 1], addr[INET6_ADDRSTRLEN];
	unsigned char key[16];
	int64_t now = mono_now();
	int known, ok, n;

	*retryp = 0;
	peer_key(peer, key, addr, sizeof(addr));
	known = id != NULL && session_client_get(s, id, c) == KALIT_OK;
	/* Only a registered client can be locked out of anything. */
	if (known && (*retryp = throttle_wait(s, id, key, now)) > 0) {
		metrics_client_auth(METRICS_AUTH_THROTTLED);
		return KALIT_ERR_RATE_LIMITED;
	}
	ok = secret != NULL && strlen(secret) <= SESSION_SECRET_MAX;
	if (ok) {	/* hashed for unknown ids too: the same time */
		secret_hash(secret, hash);
		ok = known && CRYPTO_memcmp(hash, c->secret_hash,
		    STORE_HASH_HEX) == 0;
		OPENSSL_cleanse(hash, sizeof(hash));
	}
	if (ok) {
		throttle_clear(s, id, key, now);
		return KALIT_OK;
	}
	if (id == NULL)		/* no credentials at all: no attempt */
		return KALIT_ERR_CLIENT_AUTH;
	metrics_client_auth(METRICS_AUTH_FAILED);
	n = known ? throttle_fail(s, id, key, now) : 0;
	/*
	 * log_msg() escapes the id; the secret is never logged. Ids of no
	 * client only with -v: anyone can send any number of them.
	 */
	log_msg(known ? LOG_LEVEL_WARN : LOG_LEVEL_INFO,
	    "client authentication failed: client %.*s%s "
	    "from %s%s", STORE_CLIENT_ID_MAX, id, known ? "" :
	    " (not registered)", addr, n >= s->max_failures ?
	    "; throttled" : "");
	return KALIT_ERR_CLIENT_AUTH;
}

/*
 * A token whose signature was verified (or that kalitd signed): its
 * claims as JSON text, parsed anew for each caller, so that no json_t is
 * shared between threads.
 */
struct verified {
	atomic_int	refs;
	size_t		len;
	char		text[];
};

static void
verified_ref(void *v)
{
	atomic_fetch_add(&((struct verified *)v)->refs, 1);
}

static void
verified_unref(void *v)
{
	struct verified *t = v;

	if (t != NULL && atomic_fetch_sub(&t->refs, 1) == 1)
		free(t);
}

int
session_tokens_new(size_t budget, struct certmap **mp)
{
	return certmap_new(budget, verified_ref, verified_unref, mp);
}

static int
token_hash(const char *token, size_t len, unsigned char h[CERTMAP_HASH])
{
	return EVP_Digest(token, len, h, NULL, digest_sha256(), NULL) == 1 ?
	    0 : -1;
}

void
session_token_remember(struct certmap *m, const char *token, size_t len,
    const char *claims)
{
	unsigned char h[CERTMAP_HASH];
	struct verified *t;
	size_t n = strlen(claims);

	if (m == NULL || token_hash(token, len, h) != 0 ||
	    (t = malloc(sizeof(*t) + n + 1)) == NULL)
		return;
	atomic_init(&t->refs, 1);
	t->len = n;
	memcpy(t->text, claims, n + 1);
	verified_unref(certmap_put(m, h, t, sizeof(*t) + n + 1));
}

/* The claims of a token verified before, or NULL. */
static json_t *
remembered(struct certmap *m, const char *token, size_t len)
{
	unsigned char h[CERTMAP_HASH];
	struct verified *t;
	json_t *claims;

	if (m == NULL || token_hash(token, len, h) != 0 ||
	    (t = certmap_get(m, h)) == NULL)
		return NULL;
	claims = json_loadb(t->text, t->len, 0, NULL);
	verified_unref(t);
	return claims;
}

int
session_token_check(struct session *s, const struct token_keys *keys,
    struct certmap *verified, const char *issuer, const char *token,
    size_t len, int64_t now, json_t **claimsp)
{
	json_t *claims;
	json_int_t exp, nbf;
	const char *iss, *jti;
	char *text;

	*claimsp = NULL;
	if ((claims = remembered(verified, token, len)) == NULL) {
		if (token_verify(keys, token, len, &claims) != KALIT_OK)
			return KALIT_ERR_TOKEN_INVALID;
		if (verified != NULL && (text = json_dumps(claims,
		    JSON_COMPACT)) != NULL) {
			session_token_remember(verified, token, len, text);
			free(text);
		}
	}
	/* Whether remembered or not: its times, its issuer, revocation. */
	if (json_unpack(claims, "{s:s, s:I, s:I, s:s}", "iss", &iss, "exp",
	    &exp, "nbf", &nbf, "jti", &jti) != 0 ||
	    strcmp(iss, issuer) != 0 || exp <= now || nbf > now + 60 ||
	    revoked_has(s, jti)) {
		json_decref(claims);
		return KALIT_ERR_TOKEN_INVALID;
	}
	*claimsp = claims;
	return KALIT_OK;
}

int
session_secret_new(char secret[SESSION_SECRET_MAX + 1],
    char hash[STORE_HASH_HEX + 1])
{
	unsigned char rnd[32];

	if (RAND_priv_bytes(rnd, sizeof(rnd)) != 1)
		return KALIT_ERR_INTERNAL;
	base64_url_encode(rnd, sizeof(rnd), secret);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	secret_hash(secret, hash);
	return KALIT_OK;
}

int
session_acr_parse(const char *s, unsigned int *acrp)
{
	if (strcmp(s, "citizen") == 0)
		*acrp = STORE_ACR_CITIZEN;
	else if (strcmp(s, "official") == 0)
		*acrp = STORE_ACR_OFFICIAL;
	else if (strcmp(s, "citizen,official") == 0 ||
	    strcmp(s, "official,citizen") == 0)
		*acrp = STORE_ACR_CITIZEN | STORE_ACR_OFFICIAL;
	else if (strcmp(s, "system") == 0)
		*acrp = STORE_ACR_SYSTEM;
	else
		return KALIT_ERR_USAGE;
	return KALIT_OK;
}

const char *
session_acr_name(unsigned int acr)
{
	switch (acr) {
	case STORE_ACR_CITIZEN:
		return "citizen";
	case STORE_ACR_OFFICIAL:
		return "official";
	case STORE_ACR_SYSTEM:
		return "system";
	default:
		return "citizen,official";
	}
}
