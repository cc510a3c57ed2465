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

#include "cms.h"
#include "cookie.h"
#include "http.h"
#include "login.h"
#include "machine.h"
#include "oidc.h"
#include "sso.h"
#include "state.h"
#include "store.h"
#include "workers.h"
#include "x509.h"

/* The server's HTTP side: http_start() makes it. */
struct conn_track;

struct http {
	struct kalitd		*d;
	struct MHD_Daemon	*mhd;
	struct MHD_Daemon	*mtls;		/* [server] mtls_port; NULL */
	atomic_int		 inflight;
	/* the whole-request deadline (http_conn.c) */
	pthread_mutex_t		 conns_mu;
	pthread_cond_t		 conns_cv;
	struct conn_track	*conns;		/* open connections */
	pthread_t		 reaper;
	int			 reaper_stop;
	int64_t			 request_timeout_ms;
};

/* Headers some answers add (http_queue() adds them). */
struct http_extra {
	char		*location;	/* a redirect's Location; owned */
	char		 cookie[2][COOKIE_SET_MAX];	/* Set-Cookie; "" none */
	int		 page;		/* the login page's security headers */
	int		 bearer;	/* a 401 asks for a Bearer token */
	const char	*ctype;		/* of an answer made in another
					   thread (NULL: JSON); static */
	/* the gate's X-Kalit-Client-Id, -Tin, -Scope; NULL: none */
	const char	*gate[3];	/* borrowed until the answer is
					   queued (it is copied) */
};

struct http_oidc;

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
	struct http_extra	 extra;
	struct http_oidc	*oidc;		/* the provider's (http_oidc.c) */
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

/*
 * http_oidc.c and http_oidc_token.c: the OpenID Provider's endpoints
 * (oidc.h), and what a request of theirs holds (freed when it ends).
 */
enum MHD_Result http_oidc_discovery(struct req *rq);
enum MHD_Result http_oidc_authorize(struct req *rq);
enum MHD_Result http_oidc_page(struct req *rq);
enum MHD_Result http_oidc_challenge(struct req *rq);
enum MHD_Result http_oidc_login(struct req *rq);
enum MHD_Result http_oidc_token(struct req *rq);
enum MHD_Result http_oidc_userinfo(struct req *rq);
enum MHD_Result http_oidc_logout(struct req *rq);
void	http_oidc_clear(struct req *rq);

/* What a request of the provider holds until it ends (rq->oidc). */
struct http_oidc {
	struct oidc_login	 login;		/* POST /oidc/login */
	struct oidc_authz	 a;		/* the request answered */
	struct store_client	 client;
	unsigned char		 key[SSO_KEY_LEN];	/* the session's */
	struct sso_view		 v;		/* the session */
	struct sso_ended	*ended;		/* a session that ended */
	struct code_grant	 g;
	struct code_token	 t;		/* a token to revoke */
	struct machine_grant	 m;		/* client_credentials */
	unsigned int		 status;	/* of answer */
	char			*answer;	/* after the audit record */
	char			 detail[128];	/* the audit record's */
};

/*
 * The client certificate of rq's connection (the mTLS port's) into
 * *certp and the certificates the client sent after it into *extrap
 * (NULL when none), through certs (cms.h) as a CMS's; caller frees both.
 * KALIT_ERR_NOT_FOUND when the connection has none, KALIT_ERR_MALFORMED
 * when one is no certificate.
 */
int	http_peer_chain(struct req *rq, const struct cms_certs *certs,
	    X509 **certp, STACK_OF(X509) **extrap);

/* rq->oidc, made the first time; NULL: no memory. */
struct http_oidc *http_oidc_of(struct req *rq);

/* 1 when the page's origin is https (cookies __Host-, Secure). */
int	http_oidc_secure(const struct config *cfg);
/* The name of the session (sid 1) or browser binding (0) cookie. */
const char *http_oidc_cookie_name(const struct config *cfg, int sid);
/* That cookie of the request (cookie_get()). */
int	http_oidc_cookie(struct req *rq, int sid,
	    char value[COOKIE_VALUE_LEN + 1]);
/* Sets (value) or clears (NULL) it in Set-Cookie slot 0 or 1. */
void	http_oidc_set_cookie(struct req *rq, int slot, int sid,
	    const char *value);

/*
 * Answers status with answer (taken; NULL: empty) of ctype: at once, or
 * with action (an audit action) once its record is on disk, with the
 * revocations rq->oidc holds in its transaction (actor rq->client, serial
 * rq->serial, detail rq->oidc->detail). suspended: the connection is
 * suspended already (a worker thread calls).
 */
enum MHD_Result http_oidc_finish(struct req *rq, unsigned int status,
	    const char *ctype, char *answer, const char *action,
	    int suspended);
/* A 302 to url (taken), as http_oidc_finish(). */
enum MHD_Result http_oidc_redirect(struct req *rq, char *url,
	    const char *action, int suspended);
/*
 * The HTML page name of www_dir (else a built-in one) with its
 * placeholders ("@NAME@", kv: name, value pairs ending with NULL) filled,
 * under the page's security headers, as http_oidc_finish().
 */
enum MHD_Result http_oidc_html(struct req *rq, unsigned int status,
	    const char *name, const char *const *kv, const char *action,
	    int suspended);
/*
 * The parameters of kind of a GET's query or a POST's form into p (clear
 * it with oidc_params_clear(), also on failure). KALIT_ERR_MALFORMED for
 * a form MHD cannot read.
 */
int	http_oidc_params(struct req *rq, struct oidc_params *p,
	    enum oidc_params_kind kind);

/* The error page (no redirect) of err in lang. */
enum MHD_Result http_oidc_error_page(struct req *rq, int err,
	    const char *lang);

/* http_token.c: GET /v1/jwks, POST /v1/introspect, POST /v1/revoke */
enum MHD_Result http_token_jwks(struct req *rq);
enum MHD_Result http_token_introspect(struct req *rq);
enum MHD_Result http_token_revoke(struct req *rq);
enum MHD_Result http_token_gate(struct req *rq);

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
