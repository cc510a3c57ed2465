/*
 * bcl.h: OpenID Back-Channel Logout 1.0 deliveries: a logout token POSTed
 * to each client's back-channel logout URI by a thread of their own (a
 * request thread never waits on a client), retried on network errors and
 * 5xx answers
 */
#ifndef KALITD_BCL_H
#define KALITD_BCL_H

#define BCL_QUEUE_MAX	10000	/* deliveries waiting, retries included */
#define BCL_ATTEMPTS	3	/* 2 s and 10 s apart */
#define BCL_TIMEOUT_MS	5000	/* one attempt */

struct bcl;

/* Starts the delivery thread. Caller stops it with bcl_free(). */
int	bcl_new(struct bcl **bp);

/*
 * Stops the thread after the attempt in progress; deliveries still
 * waiting are logged and dropped. Accepts NULL.
 */
void	bcl_free(struct bcl *b);

/*
 * Queues logout_token (a compact JWS, copied) for client (copied) at uri
 * (copied). KALIT_ERR_BUSY (logged, counted as dropped) when
 * BCL_QUEUE_MAX are waiting. Never blocks.
 */
int	bcl_send(struct bcl *b, const char *client, const char *uri,
	    const char *logout_token);

/* Deliveries waiting now. */
int	bcl_waiting(struct bcl *b);

#endif
