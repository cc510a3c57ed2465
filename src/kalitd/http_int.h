/*
 * http_int.h: what http.c, the MHD glue, shares with the endpoint files
 * that answer through it (http_token.c, http_ocsp.c). Not for use outside
 * them.
 */
#ifndef KALITD_HTTP_INT_H
#define KALITD_HTTP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "http.h"
#include "login.h"
#include "state.h"
#include "store.h"
#include "workers.h"
#include "x509.h"

/* The server's HTTP side: http_start() makes it. */
struct conn_track;

struct http {
	struct kalitd		*d;
	struct MHD_Daemon	*mhd;
	atomic_int		 inflight;
	/* the whole-request deadline (http_conn.c) */
	pthread_mutex_t		 conns_mu;
	pthread_cond_t		 conns_cv;
	struct conn_track	*conns;		/* open connections */
	pthread_t		 reaper;
	int			 reaper_stop;
	int64_t			 request_timeout_ms;
};

/* One request, from its headers until MHD is done with it. */
struct req {
	struct http		*h;
	struct MHD_Connection	*conn;
	const struct route	*route;		/* NULL: none matched */
	char			*rest;		/* after a prefix route's path */
	unsigned char		*body;
	size_t			 len;
	int			 too_large;
	struct timespec		 t0;
	int64_t			 retry_after;	/* s: Retry-After when > 0 */
	/* an answer made in the writer thread, queued after resume */
	int			 ready;
	unsigned int		 status;
	char			*answer;
	/* work that may wait on the network, in a worker thread */
	struct workers_job	 work;
	struct state		*st;		/* held for the work */
	/* writes that wait for the database */
	struct auditq_job	 job;
	struct login_result	 login;
	char			 jti[72];
	char			 client[STORE_CLIENT_ID_MAX + 1];
	char			 serial[X509_SERIAL_HEX_MAX + 1];
	int64_t			 exp;
};

/*
 * Queues resp with the headers every answer has, and counts the request
 * in the metrics; takes resp.
 */
enum MHD_Result http_queue(struct req *rq, unsigned int status,
	    struct MHD_Response *resp, const char *ctype, const char *cache);

/* Queues a response taking buf (malloc'd; NULL means empty). */
enum MHD_Result http_respond(struct req *rq, unsigned int status,
	    const char *ctype, char *buf, int no_store);

/* The JSON error answer for err: its status, public code and text. */
enum MHD_Result http_respond_err(struct req *rq, int err);

/* A JSON error answer with the status, code and text given. */
enum MHD_Result http_respond_code(struct req *rq, unsigned int status,
	    const char *code, const char *text);

/* A 200 answer of o (taken: its reference is dropped). */
enum MHD_Result http_respond_json(struct req *rq, json_t *o, int no_store);

/* {"error": code, "error_description": text}; caller frees; NULL: no memory. */
char	*http_error_body(const char *code, const char *text);

/*
 * For answers made in the writer thread: stores status and answer (taken)
 * and wakes the suspended connection, which queues them.
 */
void	http_resume(struct req *rq, unsigned int status, char *answer);

/*
 * Authenticates the client of HTTP Basic, or without that header the one
 * id and secret (both may be NULL: KALIT_ERR_CLIENT_AUTH) name; fills *c.
 * KALIT_ERR_RATE_LIMITED (with rq->retry_after) after too many failures
 * (session_client_auth()).
 */
int	http_client_auth(struct req *rq, const char *id, const char *secret,
	    struct store_client *c);

/*
 * http_conn.c: the whole-request deadline. http_conns_start() starts the
 * reaper, which shuts down the socket of every connection whose request
 * has not arrived whole within timeout_s of its start (or of the end of
 * the connection's previous request); http_conns_stop() stops it, before
 * MHD_stop_daemon(), and http_conns_free() frees the rest after it.
 */
int	http_conns_start(struct http *h, int64_t timeout_s);
void	http_conns_stop(struct http *h);
void	http_conns_free(struct http *h);
/* MHD_OPTION_NOTIFY_CONNECTION's callback; cls is the struct http. */
void	http_conn_notify(void *cls, struct MHD_Connection *conn,
	    void **socket_context, enum MHD_ConnectionNotificationCode code);
/*
 * The request arrived whole: kalitd works on it (and may suspend it), so
 * the deadline no longer applies to it.
 */
void	http_conn_busy(struct req *rq);
/* A request of conn completed: the clock of its next one starts. */
void	http_conn_next(struct http *h, struct MHD_Connection *conn);

/* http_token.c: GET /v1/jwks, POST /v1/introspect, POST /v1/revoke */
enum MHD_Result http_token_jwks(struct req *rq);
enum MHD_Result http_token_introspect(struct req *rq);
enum MHD_Result http_token_revoke(struct req *rq);

/*
 * http_ocsp.c: POST /ocsp (the DER request der, len bytes, borrowed),
 * GET /ocsp/BASE64, GET /crl/NAME and GET /ca/NAME.crt
 */
enum MHD_Result http_ocsp_answer(struct req *rq, const unsigned char *der,
	    size_t len);
enum MHD_Result http_ocsp_get(struct req *rq);
enum MHD_Result http_ocsp_crl(struct req *rq);
enum MHD_Result http_ocsp_ca_cert(struct req *rq);

#endif
