/* workers.c: a fixed pool of threads and one queue */
#include "config.h"
#include "workers.h"
#include "err.h"

#include <pthread.h>
#include <stdlib.h>

struct workers {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct workers_job *head, **tail;
	int		 stopping;
	int		 n;		/* threads started */
	pthread_t	*threads;
};

static void *
worker(void *arg)
{
	struct workers *w = arg;
	struct workers_job *j;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if ((j = w->head) != NULL && (w->head = j->next) == NULL)
			w->tail = &w->head;
		pthread_mutex_unlock(&w->mu);
		if (j == NULL)
			return NULL;	/* stopping, and nothing left */
		j->run(j);
	}
}

int
workers_new(int n, struct workers **wp)
{
	struct workers *w;

	*wp = NULL;
	if (n < 1 || (w = calloc(1, sizeof(*w))) == NULL)
		return n < 1 ? KALIT_ERR_USAGE : KALIT_ERR_NOMEM;
	if ((w->threads = calloc((size_t)n, sizeof(*w->threads))) == NULL) {
		free(w);
		return KALIT_ERR_NOMEM;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->tail = &w->head;
	for (; w->n < n; w->n++)
		if (pthread_create(&w->threads[w->n], NULL, worker, w) != 0) {
			workers_free(w);
			return KALIT_ERR_INTERNAL;
		}
	*wp = w;
	return KALIT_OK;
}

void
workers_free(struct workers *w)
{
	int i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->threads);
	free(w);
}

void
workers_submit(struct workers *w, struct workers_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w->mu);
	*w->tail = job;
	w->tail = &job->next;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}
