/* session.c: clients (hashed secrets), revoked tokens, token checks */
#include "config.h"
#include "session.h"
#include "digest.h"
#include "err.h"
#include "log.h"
#include "token.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define REVOKED_BUCKETS	4096
#define JTI_MAX		64

struct revoked {
	char		 jti[JTI_MAX + 1];
	int64_t		 exp;
	struct revoked	*next;
};

struct session {
	pthread_rwlock_t	 clients_lock;
	struct store_client	*clients;	/* sorted by id */
	size_t			 nclients;
	pthread_mutex_t		 revoked_mu;
	struct revoked		*revoked[REVOKED_BUCKETS];
	int			 revoked_loaded;
};

int
session_new(struct session **sp)
{
	struct session *s;

	if ((*sp = s = calloc(1, sizeof(*s))) == NULL)
		return KALIT_ERR_NOMEM;
	pthread_rwlock_init(&s->clients_lock, NULL);
	pthread_mutex_init(&s->revoked_mu, NULL);
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
	free(s->clients);
	free(s);
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
	int64_t now = state_now();
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
	if ((r = store_client_list(store, client_collect, &l)) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "clients not reloaded: %s",
		    kalit_errname(r));
		free(l.v);
		return;
	}
	pthread_rwlock_wrlock(&s->clients_lock);
	free(s->clients);
	s->clients = l.v;
	s->nclients = l.n;
	pthread_rwlock_unlock(&s->clients_lock);
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

static void
secret_hash(const char *secret, char hash[STORE_HASH_HEX + 1])
{
	unsigned char md[32];

	EVP_Digest(secret, strlen(secret), md, NULL, digest_sha256(), NULL);
	digest_hex(md, sizeof(md), hash);
	OPENSSL_cleanse(md, sizeof(md));
}

int
session_client_auth(struct session *s, const char *id, const char *secret,
    struct store_client *c)
{
	char hash[STORE_HASH_HEX + 1];
	int ok;

	if (id == NULL || secret == NULL || strlen(secret) > SESSION_SECRET_MAX)
		return KALIT_ERR_CLIENT_AUTH;
	secret_hash(secret, hash);
	ok = session_client_get(s, id, c) == KALIT_OK &&
	    CRYPTO_memcmp(hash, c->secret_hash, STORE_HASH_HEX) == 0;
	OPENSSL_cleanse(hash, sizeof(hash));
	return ok ? KALIT_OK : KALIT_ERR_CLIENT_AUTH;
}

int
session_token_check(struct kalitd *d, struct state *st, const char *token,
    size_t len, int64_t now, json_t **claimsp)
{
	json_t *claims = NULL;
	json_int_t exp, nbf;
	const char *iss, *jti;

	*claimsp = NULL;
	if (token_verify(st->keys, token, len, &claims) != KALIT_OK)
		return KALIT_ERR_TOKEN_INVALID;
	if (json_unpack(claims, "{s:s, s:I, s:I, s:s}", "iss", &iss, "exp",
	    &exp, "nbf", &nbf, "jti", &jti) != 0 ||
	    strcmp(iss, d->cfg->issuer) != 0 || exp <= now || nbf > now + 60 ||
	    revoked_has(d->session, jti)) {
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
	token_b64url(rnd, sizeof(rnd), secret);
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
	default:
		return "citizen,official";
	}
}
