/*
 * http_conn.c: the whole-request deadline. libmicrohttpd's connection
 * timeout is an idle timeout, reset by every byte, so a client trickling
 * a byte a second holds a connection for ever (slowloris). Each
 * connection's request must arrive whole, headers and body, within
 * [server] request_timeout; a reaper thread shuts down the sockets of
 * those that do not.
 *
 * Race-free by MHD's order (0.9.75, daemon.c): it notifies
 * MHD_CONNECTION_NOTIFY_CLOSED before it closes the socket, and only
 * after MHD_CONNECTION_NOTIFY_STARTED is the socket the connection's. A
 * tracked connection is unlinked under conns_mu when it is closed, and the
 * reaper calls shutdown(2) under conns_mu on linked ones only: so it never
 * touches a descriptor MHD closed, and perhaps reused for another
 * connection. shutdown(2) leaves the descriptor to MHD, which then reads
 * the end of the stream and closes the connection its usual way.
 */
#include "config.h"
#include "http_int.h"
#include "err.h"
#include "log.h"
#include "metrics.h"

#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REAP_EVERY_MS	250

/* One open connection, from MHD's STARTED notification to its CLOSED. */
struct conn_track {
	struct conn_track	*prev, *next;
	int			 fd;
	int64_t			 start_ms;	/* the request's clock */
	int			 armed;		/* 0: kalitd works on it */
	int			 reaped;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct conn_track *
track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

void
http_conn_notify(void *cls, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode code)
{
	struct http *h = cls;
	const union MHD_ConnectionInfo *ci;
	struct conn_track *t;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		/* Untracked without memory: it still has the idle timeout. */
		if (ci == NULL || (t = calloc(1, sizeof(*t))) == NULL)
			return;
		t->fd = ci->connect_fd;
		t->start_ms = now_ms();
		t->armed = 1;
		pthread_mutex_lock(&h->conns_mu);
		if ((t->next = h->conns) != NULL)
			t->next->prev = t;
		h->conns = t;
		pthread_mutex_unlock(&h->conns_mu);
		*socket_context = t;
		return;
	}
	if ((t = *socket_context) == NULL)
		return;
	/* CLOSED: the socket is closed after this returns. */
	pthread_mutex_lock(&h->conns_mu);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		h->conns = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&h->conns_mu);
	*socket_context = NULL;
	free(t);
}

void
http_conn_busy(struct req *rq)
{
	struct conn_track *t = track_of(rq->conn);

	if (t == NULL)
		return;
	pthread_mutex_lock(&rq->h->conns_mu);
	t->armed = 0;
	pthread_mutex_unlock(&rq->h->conns_mu);
}

void
http_conn_next(struct http *h, struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);

	if (t == NULL)
		return;
	pthread_mutex_lock(&h->conns_mu);
	t->start_ms = now_ms();
	t->armed = 1;
	pthread_mutex_unlock(&h->conns_mu);
}

static void *
reaper(void *arg)
{
	struct http *h = arg;
	struct conn_track *t;
	struct timespec until;
	int64_t now;

	pthread_mutex_lock(&h->conns_mu);
	while (!h->reaper_stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += REAP_EVERY_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&h->conns_cv, &h->conns_mu,
		    &until) != ETIMEDOUT)
			continue;
		now = now_ms();
		for (t = h->conns; t != NULL; t = t->next)
			if (t->armed && !t->reaped &&
			    now - t->start_ms >= h->request_timeout_ms) {
				/* Linked, so MHD has not closed t->fd yet. */
				shutdown(t->fd, SHUT_RDWR);
				t->reaped = 1;
				metrics_request_timeout();
			}
	}
	pthread_mutex_unlock(&h->conns_mu);
	return NULL;
}

int
http_conns_start(struct http *h, int64_t timeout_s)
{
	h->request_timeout_ms = timeout_s * 1000;
	h->conns = NULL;
	h->reaper_stop = 0;
	pthread_mutex_init(&h->conns_mu, NULL);
	pthread_cond_init(&h->conns_cv, NULL);
	if (pthread_create(&h->reaper, NULL, reaper, h) != 0) {
		pthread_mutex_destroy(&h->conns_mu);
		pthread_cond_destroy(&h->conns_cv);
		return KALIT_ERR_INTERNAL;
	}
	return KALIT_OK;
}

void
http_conns_stop(struct http *h)
{
	pthread_mutex_lock(&h->conns_mu);
	h->reaper_stop = 1;
	pthread_cond_signal(&h->conns_cv);
	pthread_mutex_unlock(&h->conns_mu);
	pthread_join(h->reaper, NULL);
}

void
http_conns_free(struct http *h)
{
	pthread_mutex_destroy(&h->conns_mu);
	pthread_cond_destroy(&h->conns_cv);
}
