/* state.c: building, sharing and swapping the reloadable generation */
#include "config.h"
#include "state.h"
#include "err.h"
#include "log.h"
#include "certcache.h"
#include "certmap.h"
#include "session.h"
#include "www.h"

#include <stdlib.h>
#include <time.h>

int64_t
state_now(void)
{
	return (int64_t)time(NULL);
}

static void
state_free(struct state *s)
{
	if (s == NULL)
		return;
	validator_free(s->validator);
	token_keys_free(s->keys);
	certcache_free(s->cache);
	certmap_free(s->tokens);
	www_free(s->www);
	free(s);
}

int
state_new(struct kalitd *d, struct state **sp)
{
	struct config *c = d->cfg;
	struct state *s;
	int r;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return KALIT_ERR_NOMEM;
	atomic_init(&s->refs, 1);
	if ((r = validator_new(&c->rev, &s->validator)) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "trust store %s%s%s: %s",
		    c->trust_dir, c->crl_dir != NULL ? " or crl_dir " : "",
		    c->crl_dir != NULL ? c->crl_dir : "", kalit_strerror(r));
		goto fail;
	}
	if ((r = token_keys_load(c->key_dir, d->key_pass, state_now(),
	    c->token_lifetime, &s->keys)) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "token keys %s: %s; make one with "
		    "'kalitd keygen'", c->key_dir, kalit_strerror(r));
		goto fail;
	}
	if (d->rev_local != NULL)
		validator_set_local(s->validator, d->rev_local,
		    d->rev_local_arg);
	if ((r = certcache_new(c->issuer, c->cache_certificates,
	    &s->cache)) != KALIT_OK ||
	    (r = session_tokens_new(c->cache_tokens, &s->tokens)) != KALIT_OK)
		goto fail;
	if (c->oidc && (r = www_load(c->www_dir, c->brand_dir, &s->www)) !=
	    KALIT_OK)
		goto fail;
	*sp = s;
	return KALIT_OK;
 fail:
	state_free(s);
	return r;
}

struct state *
state_acquire(struct kalitd *d)
{
	struct state *s;

	pthread_mutex_lock(&d->mu);
	s = d->state;
	atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&d->mu);
	return s;
}

void
state_release(struct state *s)
{
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
		state_free(s);
}

int
state_reload(struct kalitd *d)
{
	struct state *s, *old;
	int r;

	if ((r = state_new(d, &s)) != KALIT_OK)
		return r;
	pthread_mutex_lock(&d->mu);
	old = d->state;
	d->state = s;
	pthread_mutex_unlock(&d->mu);
	state_release(old);
	log_msg(LOG_LEVEL_INFO, "reloaded: trust store %s, signing key %s",
	    d->cfg->trust_dir, token_keys_kid(s->keys));
	return KALIT_OK;
}
