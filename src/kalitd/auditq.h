/* auditq.h: one writer thread, many writes per transaction (group commit) */
#ifndef KALITD_AUDITQ_H
#define KALITD_AUDITQ_H

#include <stdint.h>

#include "store.h"

/*
 * A write to make durable: an audit record, and optionally a change made
 * in the same transaction. Request threads submit jobs and go on serving
 * other connections; the writer takes every queued job, writes them all in
 * one transaction (one fsync for the batch), then calls each job's done.
 * So the database write lock is held by one thread only, and a login is
 * answered only once its audit record is on disk.
 */
struct auditq_job {
	/* Runs in the batch's transaction, before the audit record; or NULL. */
	int		(*apply)(struct store *, struct auditq_job *);
	/* Called in the writer thread once the batch is durable or failed. */
	void		(*done)(struct auditq_job *, int result);
	const char	*actor;		/* the audit record; borrowed until done */
	const char	*action;
	const char	*serial;
	const char	*detail;
	struct auditq_job *next;	/* the queue's */
};

struct auditq;

/*
 * Opens path (creating the database when absent) on the writer's own
 * connection and starts the writer. Every interval_ms, and only then, the
 * writer calls tick(store, arg) outside any transaction (reloading
 * clients, pruning). Caller frees *qp with auditq_free(), which writes
 * what is queued, stops and joins the writer.
 */
int	auditq_new(const char *path, void (*tick)(struct store *, void *),
	    void *arg, long interval_ms, struct auditq **qp);
void	auditq_free(struct auditq *q);

/*
 * Refusals that are not worth a record each (auditq_refused()) are summed
 * up per code and written as one record, actor "-", action
 * "login-refusals", detail "CODE=N CODE=N ...", every interval_ms
 * (when there were any) and when the writer stops. Codes are named as
 * clients see them (apierr_code()); codes of one name are summed together.
 */
void	auditq_summarize(struct auditq *q, long interval_ms);

/* Counts a refusal with code err for the next summary record; lock-free. */
void	auditq_refused(struct auditq *q, int err);

/* Queues job; never blocks on the database. */
void	auditq_submit(struct auditq *q, struct auditq_job *job);

#endif
