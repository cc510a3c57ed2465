/* auditq.c: the writer thread and its batches */
#include "config.h"
#include "auditq.h"
#include "apierr.h"
#include "audit.h"
#include "err.h"
#include "log.h"
#include "metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GROUP_WINDOW_US	1000
#define NREFUSAL	(1 - KALIT_ERR__MIN)	/* error codes, by -err */
#define SUMMARY_MAX	2048			/* a summary record's detail */

struct auditq {
	struct store	*store;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct auditq_job *head, **tail;
	int		 stopping;
	int		 idle;		/* the writer waits for a first job */
	void		(*tick)(struct store *, void *);
	void		*arg;
	long		 interval_ms;
	/* refusals summed up until the next summary record; under mu */
	long		 summary_ms;		/* 0: none yet */
	atomic_uint_fast64_t refused[NREFUSAL];
};

/* One job inside the transaction whose chain head is *head. */
static int
job_write(struct store *s, struct audit_head *head, struct auditq_job *j)
{
	int r;

	if (j->apply != NULL && (r = j->apply(s, j)) != KALIT_OK)
		return r;
	return audit_append_at(s, head, j->actor, j->action, j->serial,
	    j->detail);
}

/*
 * Writes a batch in one transaction; on failure each job on its own.
 * Returns the number of jobs.
 */
static size_t
batch_write(struct auditq *q, struct auditq_job *batch)
{
	struct auditq_job *j, *next;
	struct audit_head head;
	size_t n = 0;
	int r;

	memset(&head, 0, sizeof(head));
	if ((r = store_begin(q->store)) == KALIT_OK) {
		for (j = batch; j != NULL && r == KALIT_OK; j = j->next, n++)
			r = job_write(q->store, &head, j);
		if (r == KALIT_OK)
			r = store_commit(q->store);
		if (r != KALIT_OK)
			store_rollback(q->store);
	}
	if (r == KALIT_OK) {
		metrics_audit_batch(n);
		for (j = batch; j != NULL; j = next) {
			next = j->next;
			j->done(j, KALIT_OK);
		}
		return n;
	}
	/* One bad job must not fail the others: write them one by one. */
	n = 0;
	for (j = batch; j != NULL; j = next) {
		next = j->next;
		memset(&head, 0, sizeof(head));
		if ((r = store_begin(q->store)) == KALIT_OK &&
		    (r = job_write(q->store, &head, j)) == KALIT_OK)
			r = store_commit(q->store);
		if (r != KALIT_OK) {
			store_rollback(q->store);
			log_msg(LOG_LEVEL_ERROR, "audit: %s for %s not written: "
			    "%s", j->action, j->actor, kalit_errname(r));
		} else
			metrics_audit_batch(1);
		j->done(j, r);
		n++;
	}
	return n;
}

/*
 * The summary record of the refusals counted since the last one: actor
 * "-", action "login-refusals", detail "CODE=N ..." with the codes as
 * clients saw them. Nothing when there were none.
 */
static void
summary_write(struct auditq *q)
{
	uint_fast64_t n[NREFUSAL];
	struct audit_head head;
	char detail[SUMMARY_MAX];
	const char *name;
	size_t i, j, len = 0;
	int r, any = 0;

	for (i = 0; i < NREFUSAL; i++)
		any |= (n[i] = atomic_exchange(&q->refused[i], 0)) != 0;
	if (!any)
		return;
	detail[0] = '\0';
	for (i = 0; i < NREFUSAL; i++) {
		if (n[i] == 0)
			continue;
		name = apierr_code(-(int)i);
		/* codes that clients see as one (server_error) count as one */
		for (j = i + 1; j < NREFUSAL; j++)
			if (n[j] != 0 && strcmp(apierr_code(-(int)j), name) ==
			    0) {
				n[i] += n[j];
				n[j] = 0;
			}
		if (len < sizeof(detail))
			len += (size_t)snprintf(detail + len, sizeof(detail) -
			    len, "%s%s=%llu", len ? " " : "", name,
			    (unsigned long long)n[i]);
	}
	memset(&head, 0, sizeof(head));
	if ((r = store_begin(q->store)) == KALIT_OK &&
	    (r = audit_append_at(q->store, &head, "-", "login-refusals", NULL,
	    detail)) == KALIT_OK)
		r = store_commit(q->store);
	if (r != KALIT_OK) {
		store_rollback(q->store);
		log_msg(LOG_LEVEL_ERROR, "audit: login-refusals %s not written: "
		    "%s", detail, kalit_errname(r));
	} else
		metrics_audit_batch(1);
}

static void
deadline_after_us(struct timespec *ts, long us)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += us / 1000000;
	ts->tv_nsec += (us % 1000000) * 1000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void
deadline_after(struct timespec *ts, long ms)
{
	deadline_after_us(ts, ms * 1000);
}

static int
past(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec > ts->tv_sec ||
	    (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

static void *
writer(void *arg)
{
	struct auditq *q = arg;
	struct auditq_job *batch;
	struct timespec next_tick, next_summary, until, *wake;
	long summary_ms = 0;
	int stop, busy = 0;

	deadline_after(&next_tick, q->interval_ms);
	for (;;) {
		pthread_mutex_lock(&q->mu);
		if (q->summary_ms != summary_ms) {	/* auditq_summarize() */
			summary_ms = q->summary_ms;
			deadline_after(&next_summary, summary_ms);
		}
		wake = summary_ms != 0 && (next_summary.tv_sec <
		    next_tick.tv_sec || (next_summary.tv_sec ==
		    next_tick.tv_sec && next_summary.tv_nsec <
		    next_tick.tv_nsec)) ? &next_summary : &next_tick;
		q->idle = 1;
		while (q->head == NULL && !q->stopping &&
		    q->summary_ms == summary_ms &&
		    pthread_cond_timedwait(&q->cv, &q->mu, wake) != ETIMEDOUT)
			;
		q->idle = 0;
		/*
		 * Under load (the last batch had company), let the logins of
		 * the next moment join this commit: one fsync for more of
		 * them, at most GROUP_WINDOW_US more latency each. Jobs
		 * submitted meanwhile do not wake the writer (only stopping
		 * does): a wake-up per login costs more than it saves.
		 */
		if (busy && q->head != NULL && !q->stopping) {
			deadline_after_us(&until, GROUP_WINDOW_US);
			while (!q->stopping && pthread_cond_timedwait(&q->cv,
			    &q->mu, &until) != ETIMEDOUT)
				;
		}
		batch = q->head;
		q->head = NULL;
		q->tail = &q->head;
		stop = q->stopping && batch == NULL;
		pthread_mutex_unlock(&q->mu);
		if (batch != NULL)
			busy = batch_write(q, batch) > 1;
		if (summary_ms != 0 && (stop || past(&next_summary))) {
			summary_write(q);
			deadline_after(&next_summary, summary_ms);
		}
		if (stop)
			break;
		if (q->tick != NULL && past(&next_tick)) {
			q->tick(q->store, q->arg);
			deadline_after(&next_tick, q->interval_ms);
		}
	}
	return NULL;
}

int
auditq_new(const char *path, void (*tick)(struct store *, void *), void *arg,
    long interval_ms, struct auditq **qp)
{
	struct auditq *q;
	int r;

	*qp = NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return KALIT_ERR_NOMEM;
	if ((r = store_open(path, access(path, F_OK) != 0, &q->store)) !=
	    KALIT_OK) {
		free(q);
		return r;
	}
	q->tail = &q->head;
	q->tick = tick;
	q->arg = arg;
	q->interval_ms = interval_ms;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	if (tick != NULL)
		tick(q->store, arg);	/* loaded before the first request */
	if (pthread_create(&q->thread, NULL, writer, q) != 0) {
		store_free(q->store);
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->cv);
		free(q);
		return KALIT_ERR_INTERNAL;
	}
	*qp = q;
	return KALIT_OK;
}

void
auditq_summarize(struct auditq *q, long interval_ms)
{
	pthread_mutex_lock(&q->mu);
	q->summary_ms = interval_ms;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void
auditq_refused(struct auditq *q, int err)
{
	if (err > 0 || err < KALIT_ERR__MIN)
		err = KALIT_ERR_INTERNAL;
	atomic_fetch_add_explicit(&q->refused[-err], 1, memory_order_relaxed);
}

void
auditq_submit(struct auditq *q, struct auditq_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&q->mu);
	*q->tail = job;
	q->tail = &job->next;
	if (q->idle)
		pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void
auditq_free(struct auditq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	store_free(q->store);
	free(q);
}
