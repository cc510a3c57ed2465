/* workers.h: threads for work that may wait on the network */
#ifndef KALITD_WORKERS_H
#define KALITD_WORKERS_H

/*
 * The libmicrohttpd threads answer every request, the OCSP responder and
 * CRL publisher of this very kalitd included: a request that waited on
 * the network in one of them could wait on itself. Such work (revocation
 * downloads, signature verification) runs here instead, while the
 * request's connection is suspended. The queue needs no cap of its own:
 * each job is a suspended connection, and those are capped by
 * max_connections.
 */
struct workers_job {
	/* Runs in a worker thread; the job is the caller's until then. */
	void		(*run)(struct workers_job *);
	struct workers_job *next;	/* the queue's */
};

struct workers;

/* Starts n threads. Caller stops them with workers_free(). */
int	workers_new(int n, struct workers **wp);

/*
 * Runs every job still queued, then stops and joins the threads.
 * Accepts NULL.
 */
void	workers_free(struct workers *w);

/* Queues job; never blocks. */
void	workers_submit(struct workers *w, struct workers_job *job);

#endif
