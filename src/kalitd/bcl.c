/* bcl.c: back-channel logout deliveries with retries, in one thread */
#include "config.h"
#include "bcl.h"
#include "err.h"
#include "fetch.h"
#include "log.h"
#include "metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

static const int retry_s[BCL_ATTEMPTS - 1] = { 2, 10 };

struct delivery {
	char		*client;
	char		*uri;
	char		*body;		/* logout_token=JWT */
	int		 attempt;	/* made so far */
	struct timespec	 due;
	struct delivery	*next;
};

struct bcl {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_t	 thread;
	struct delivery	*queue;		/* by due time */
	int		 n;
	int		 stop;
};

static void
delivery_free(struct delivery *d)
{
	free(d->client);
	free(d->uri);
	if (d->body != NULL)
		OPENSSL_clear_free(d->body, strlen(d->body));
	free(d);
}

/* Inserts d by its due time, under mu. */
static void
enqueue(struct bcl *b, struct delivery *d)
{
	struct delivery **pp;

	for (pp = &b->queue; *pp != NULL && ((*pp)->due.tv_sec <
	    d->due.tv_sec || ((*pp)->due.tv_sec == d->due.tv_sec &&
	    (*pp)->due.tv_nsec <= d->due.tv_nsec)); pp = &(*pp)->next)
		;
	d->next = *pp;
	*pp = d;
	b->n++;
	pthread_cond_signal(&b->cv);
}

/* One attempt: 1 delivered, 0 to retry, -1 refused for good. */
static int
attempt(struct delivery *d)
{
	struct fetch_req rq;
	unsigned char *body = NULL;
	size_t len;
	long status = 0;
	int r;

	memset(&rq, 0, sizeof(rq));
	rq.url = d->uri;
	rq.content_type = "application/x-www-form-urlencoded";
	rq.body = d->body;
	rq.body_len = strlen(d->body);
	rq.max = 4096;
	rq.timeout_ms = BCL_TIMEOUT_MS;
	r = fetch(&rq, &status, &body, &len, NULL);
	free(body);
	d->attempt++;
	if (r == KALIT_OK && (status == 200 || status == 204)) {
		log_msg(LOG_LEVEL_INFO, "back-channel logout to client %s: "
		    "delivered (attempt %d)", d->client, d->attempt);
		return 1;
	}
	log_msg(LOG_LEVEL_WARN, "back-channel logout to client %s at %s: "
	    "attempt %d: %s%ld", d->client, d->uri, d->attempt,
	    r != KALIT_OK ? kalit_errname(r) : "HTTP ",
	    r != KALIT_OK ? 0L : status);
	/* network errors and 5xx may pass later; a 4xx will not */
	return r != KALIT_OK || status >= 500 ? 0 : -1;
}

static void *
run(void *arg)
{
	struct bcl *b = arg;
	struct delivery *d;
	struct timespec now;
	int done;

	pthread_mutex_lock(&b->mu);
	while (!b->stop) {
		if (b->queue == NULL) {
			pthread_cond_wait(&b->cv, &b->mu);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		d = b->queue;
		if (d->due.tv_sec > now.tv_sec || (d->due.tv_sec ==
		    now.tv_sec && d->due.tv_nsec > now.tv_nsec)) {
			pthread_cond_timedwait(&b->cv, &b->mu, &d->due);
			continue;
		}
		b->queue = d->next;
		b->n--;
		pthread_mutex_unlock(&b->mu);
		done = attempt(d);
		if (done == 0 && d->attempt < BCL_ATTEMPTS) {
			metrics_backchannel(METRICS_BCL_RETRIED);
			clock_gettime(CLOCK_MONOTONIC, &d->due);
			d->due.tv_sec += retry_s[d->attempt - 1];
			pthread_mutex_lock(&b->mu);
			enqueue(b, d);
			continue;
		}
		metrics_backchannel(done == 1 ? METRICS_BCL_DELIVERED :
		    METRICS_BCL_FAILED);
		if (done != 1)
			log_msg(LOG_LEVEL_WARN, "back-channel logout to client "
			    "%s: given up after %d attempts", d->client,
			    d->attempt);
		delivery_free(d);
		pthread_mutex_lock(&b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

int
bcl_new(struct bcl **bp)
{
	pthread_condattr_t ca;
	struct bcl *b;

	*bp = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return KALIT_ERR_NOMEM;
	pthread_mutex_init(&b->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&b->thread, NULL, run, b) != 0) {
		pthread_cond_destroy(&b->cv);
		pthread_mutex_destroy(&b->mu);
		free(b);
		return KALIT_ERR_INTERNAL;
	}
	*bp = b;
	return KALIT_OK;
}

void
bcl_free(struct bcl *b)
{
	struct delivery *d;

	if (b == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	b->stop = 1;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	if (b->n > 0)
		log_msg(LOG_LEVEL_WARN, "back-channel logout: %d deliveries "
		    "dropped at shutdown", b->n);
	while ((d = b->queue) != NULL) {
		b->queue = d->next;
		delivery_free(d);
	}
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

int
bcl_send(struct bcl *b, const char *client, const char *uri,
    const char *logout_token)
{
	struct delivery *d;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->client = strdup(client)) == NULL ||
	    (d->uri = strdup(uri)) == NULL ||
	    asprintf(&d->body, "logout_token=%s", logout_token) < 0) {
		if (d != NULL) {
			d->body = NULL;
			delivery_free(d);
		}
		return KALIT_ERR_NOMEM;
	}
	clock_gettime(CLOCK_MONOTONIC, &d->due);
	pthread_mutex_lock(&b->mu);
	if (b->n >= BCL_QUEUE_MAX) {
		pthread_mutex_unlock(&b->mu);
		log_msg(LOG_LEVEL_WARN, "back-channel logout to client %s: "
		    "dropped, %d deliveries wait already", client,
		    BCL_QUEUE_MAX);
		metrics_backchannel(METRICS_BCL_DROPPED);
		delivery_free(d);
		return KALIT_ERR_BUSY;
	}
	enqueue(b, d);
	pthread_mutex_unlock(&b->mu);
	return KALIT_OK;
}

int
bcl_waiting(struct bcl *b)
{
	int n;

	pthread_mutex_lock(&b->mu);
	n = b->n;
	pthread_mutex_unlock(&b->mu);
	return n;
}
