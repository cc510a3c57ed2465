/*
 * http.c: where untrusted bytes enter kalitd: routing, body caps, the
 * answers every endpoint gives, and the small endpoints; the token ones
 * are in http_token.c, OCSP and CRLs in http_ocsp.c
 */
#include "config.h"
#include "http_int.h"
#include "apierr.h"
#include "err.h"
#include "log.h"
#include "login.h"
#include "metrics.h"
#include "oidc.h"
#include "responder.h"
#include "route.h"
#include "session.h"
#include "tls.h"
#include "tsa.h"
#include "verify.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

/* The headers of rq->extra: redirects, cookies, the page's, the gate's. */
static void
http_extra_apply(struct req *rq, unsigned int status,
    struct MHD_Response *resp)
{
	static const char *const gate[3] = { "X-Kalit-Client-Id",
	    "X-Kalit-Tin", "X-Kalit-Scope" };
	const struct http_extra *x = &rq->extra;
	int i;

	if (x->location != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
		    x->location);
	for (i = 0; i < 2; i++)
		if (x->cookie[i][0] != '\0')
			MHD_add_response_header(resp,
			    MHD_HTTP_HEADER_SET_COOKIE, x->cookie[i]);
	if (status == 401 && x->bearer)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer error=\"invalid_token\"");
	for (i = 0; i < 3; i++)
		if (x->gate[i] != NULL)
			MHD_add_response_header(resp, gate[i], x->gate[i]);
	if (!x->page)
		return;
	/* The page handles a private key: see SECURITY CONSIDERATIONS. */
	MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'none'; script-src 'self'; style-src 'self'; "
	    "img-src 'self'; connect-src 'self'; worker-src 'self'; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy",
	    "same-origin");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

enum MHD_Result
http_queue(struct req *rq, unsigned int status, struct MHD_Response *resp,
    const char *ctype, const char *cache)
{
	enum MHD_Result ret;
	char retry[24];

	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (status == 401 && (rq->route == NULL || !rq->route->no_basic))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Basic realm=\"kalitd\"");
	http_extra_apply(rq, status, resp);
	if (rq->retry_after > 0) {
		snprintf(retry, sizeof(retry), "%lld",
		    (long long)rq->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
		    retry);
	}
	ret = MHD_queue_response(rq->conn, status, resp);
	MHD_destroy_response(resp);
	metrics_request(rq->route != NULL ? rq->route->metric : METRICS_OTHER,
	    status);
	return ret;
}

enum MHD_Result
http_respond(struct req *rq, unsigned int status, const char *ctype,
    char *buf, int no_store)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(buf != NULL ? strlen(buf) : 0,
	    buf != NULL ? buf : (char *)"", buf != NULL ?
	    MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(buf);
		return MHD_NO;
	}
	return http_queue(rq, status, resp, ctype, no_store ? "no-store" :
	    "public, max-age=300");
}

static char *
json_text(json_t *o)
{
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

char *
http_error_body(const char *code, const char *text)
{
	return json_text(json_pack("{s:s, s:s}", "error", code,
	    "error_description", text));
}

enum MHD_Result
http_respond_err(struct req *rq, int err)
{
	return http_respond(rq, apierr_status(err), "application/json",
	    http_error_body(apierr_code(err), kalit_strerror(err)), 1);
}

enum MHD_Result
http_respond_code(struct req *rq, unsigned int status, const char *code,
    const char *text)
{
	return http_respond(rq, status, "application/json",
	    http_error_body(code, text), 1);
}

enum MHD_Result
http_respond_json(struct req *rq, json_t *o, int no_store)
{
	char *s = json_text(o);

	if (s == NULL)
		return http_respond_err(rq, KALIT_ERR_NOMEM);
	return http_respond(rq, 200, "application/json", s, no_store);
}

void
http_resume(struct req *rq, unsigned int status, char *answer)
{
	rq->status = status;
	rq->answer = answer;
	rq->ready = 1;
	MHD_resume_connection(rq->conn);
}

/* Frees a string that may hold a token, wiped first. */
static void
clear_free_text(void *text)
{
	if (text != NULL)
		OPENSSL_clear_free(text, strlen(text));
}

/* Queues the answer the writer thread made (http_resume()), taking it. */
static enum MHD_Result
respond_ready(struct req *rq)
{
	struct MHD_Response *resp;
	char *answer = rq->answer;

	rq->answer = NULL;
	if (answer == NULL)
		return http_respond_err(rq, KALIT_ERR_NOMEM);
	/* MHD frees it once sent: wiped, as it may be a token. */
	if ((resp = MHD_create_response_from_buffer_with_free_callback(
	    strlen(answer), answer, clear_free_text)) == NULL) {
		clear_free_text(answer);
		return MHD_NO;
	}
	return http_queue(rq, rq->status, resp, rq->extra.ctype != NULL ?
	    rq->extra.ctype : "application/json", "no-store");
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The answer to a login that ended with err; *statusp its status. */
static char *
login_answer(struct req *rq, int err, unsigned int *statusp)
{
	char *answer;

	metrics_login(err, elapsed(&rq->t0));
	if (err == rq->login.err)
		rq->retry_after = rq->login.retry_after;
	if (err == KALIT_OK) {
		answer = rq->login.body;
		rq->login.body = NULL;
	} else
		answer = http_error_body(apierr_code(err),
		    kalit_strerror(err));
	*statusp = apierr_status(err);
	return answer;
}

static void
login_done(struct auditq_job *job, int result)
{
	struct req *rq = (struct req *)((char *)job -
	    offsetof(struct req, job));
	unsigned int status;
	char *answer;

	answer = login_answer(rq, result != KALIT_OK ? result : rq->login.err,
	    &status);
	http_resume(rq, status, answer);
}

/* The address the request came from; NULL if MHD does not know it. */
static const struct sockaddr *
client_addr(struct req *rq)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(rq->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	return ci != NULL ? ci->client_addr : NULL;
}

static void
login_log_refused(struct req *rq)
{
	if (rq->login.err != KALIT_OK)
		log_msg(LOG_LEVEL_INFO, "login refused: %s (client %s, "
		    "serial %s)", apierr_code(rq->login.err),
		    rq->login.client[0] ? rq->login.client : "-",
		    rq->login.serial[0] ? rq->login.serial : "-");
}

/* The login's outcome is known: it waits for its audit record. */
static void
login_audit(struct req *rq)
{
	login_log_refused(rq);
	rq->job.apply = NULL;
	rq->job.done = login_done;
	rq->job.actor = rq->login.client[0] != '\0' ? rq->login.client :
	    "-";
	rq->job.action = "login";
	rq->job.serial = rq->login.serial;
	rq->job.detail = rq->login.err == KALIT_OK ? rq->login.detail :
	    apierr_code(rq->login.err);
	auditq_submit(rq->h->d->auditq, &rq->job);
}

/* A worker thread: the revocation downloads, then as do_login(). */
static void
login_work(struct workers_job *w)
{
	struct req *rq = (struct req *)((char *)w -
	    offsetof(struct req, work));

	login_finish(rq->h->d, rq->st, &rq->login);
	state_release(rq->st);
	rq->st = NULL;
	login_audit(rq);
}

static enum MHD_Result
do_login(struct req *rq)
{
	struct kalitd *d = rq->h->d;
	struct state *st = state_acquire(d);
	unsigned int status;
	char *answer;

	login_run(d, st, (const char *)rq->body, rq->len, client_addr(rq),
	    state_now(), &rq->login);
	/*
	 * Refused before a signature verified (no serial): junk, unknown
	 * clients, bad challenges and signatures are summed up in one
	 * record an interval, not a row each, and answered at once.
	 */
	if (rq->login.pending == NULL && rq->login.err != KALIT_OK &&
	    rq->login.serial[0] == '\0') {
		state_release(st);
		login_log_refused(rq);
		auditq_refused(d->auditq, rq->login.err);
		answer = login_answer(rq, rq->login.err, &status);
		return http_respond(rq, status, "application/json", answer, 1);
	}
	/* Suspend before submitting: done may run before we return. */
	MHD_suspend_connection(rq->conn);
	if (rq->login.pending != NULL) {
		rq->st = st;
		rq->work.run = login_work;
		workers_submit(d->workers, &rq->work);
		return MHD_YES;
	}
	state_release(st);
	login_audit(rq);
	return MHD_YES;
}

/* A challenge bound to the registered client the body names. */
static enum MHD_Result
do_challenge(struct req *rq)
{
	struct kalitd *d = rq->h->d;
	struct challenge_bind b;
	struct store_client client;
	char id[STORE_CLIENT_ID_MAX + 1], c[CHALLENGE_LEN + 1];
	int r;

	if ((r = challenge_request_parse((const char *)rq->body, rq->len,
	    id)) != KALIT_OK ||
	    (r = session_client_get(d->session, id, &client)) != KALIT_OK ||
	    (r = challenge_bind_init(&b, client.id)) != KALIT_OK ||
	    (r = challenge_issue(d->challenges, &b, state_now(), c)) !=
	    KALIT_OK)
		return http_respond_err(rq, r);
	return http_respond_json(rq, json_pack("{s:s, s:I}", "challenge", c,
	    "expires_in", (json_int_t)d->cfg->challenge_lifetime), 1);
}

static enum MHD_Result
do_metrics(struct req *rq)
{
	char *text = metrics_render(challenges_used(rq->h->d->challenges));

	if (text == NULL)
		return http_respond_err(rq, KALIT_ERR_NOMEM);
	return http_respond(rq, 200, "text/plain; version=0.0.4", text, 1);
}

static enum MHD_Result
do_healthz(struct req *rq)
{
	if (atomic_load(&rq->h->d->draining))
		return http_respond(rq, 503, "application/json", json_text(
		    json_pack("{s:s, s:s}", "status", "unavailable", "error",
		    "draining")), 1);
	return http_respond(rq, 200, "application/json",
	    json_text(json_pack("{s:s}", "status", "ok")), 1);
}

/*
 * RFC 6749 2.3.1: the id and secret in HTTP Basic are form-urlencoded
 * first (openid-client sends "portal%2Da"). Decodes s in place: "%XX" and
 * "+"; 0 for a malformed escape or a NUL, which no id or secret holds.
 */
static int
form_unescape(char *s)
{
	char *w = s, hex[3] = { 0, 0, 0 };

	for (; *s != '\0'; s++) {
		if (*s == '+')
			*w++ = ' ';
		else if (*s != '%')
			*w++ = *s;
		else {
			if (!isxdigit((unsigned char)s[1]) ||
			    !isxdigit((unsigned char)s[2]))
				return 0;
			hex[0] = s[1];
			hex[1] = s[2];
			if ((*w++ = (char)strtol(hex, NULL, 16)) == '\0')
				return 0;
			s += 2;
		}
	}
	*w = '\0';
	return 1;
}

int
http_client_auth(struct req *rq, const char *id, const char *secret,
    struct store_client *c)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *peer;
	char *user, *pass = NULL;
	int r;

	ci = MHD_get_connection_info(rq->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	peer = ci != NULL ? ci->client_addr : NULL;
	user = MHD_basic_auth_get_username_password(rq->conn, &pass);
	if (user != NULL && (!form_unescape(user) || pass == NULL ||
	    !form_unescape(pass)))
		r = KALIT_ERR_CLIENT_AUTH;
	else if (user != NULL)
		r = session_client_auth(rq->h->d->session, peer, user, pass, c,
		    &rq->retry_after);
	else
		r = session_client_auth(rq->h->d->session, peer, id, secret, c,
		    &rq->retry_after);
	MHD_free(user);
	if (pass != NULL) {
		OPENSSL_cleanse(pass, strlen(pass));
		MHD_free(pass);
	}
	return r;
}

/* An RFC 3161 timestamp; refusals are TimeStampResp rejections. */
static enum MHD_Result
do_timestamp(struct req *rq)
{
	struct kalitd *d = rq->h->d;
	struct MHD_Response *resp;
	unsigned char *der;
	size_t len;
	int r;

	if (d->tsa == NULL)
		return http_respond_code(rq, 404, "not_found", "this kalitd is "
		    "no timestamp authority; see [timestamp] in "
		    "kalitd.conf(5)");
	if ((r = tsa_answer(d->tsa, rq->body, rq->len, &der, &len)) !=
	    KALIT_OK)
		return http_respond_err(rq, r);
	if ((resp = MHD_create_response_from_buffer(len, der,
	    MHD_RESPMEM_MUST_FREE)) == NULL) {
		free(der);
		return MHD_NO;
	}
	return http_queue(rq, 200, resp, "application/timestamp-reply",
	    "no-store");
}

/* A worker thread: the verification, which may download CRLs or OCSP. */
static void
verify_work(struct workers_job *w)
{
	struct req *rq = (struct req *)((char *)w -
	    offsetof(struct req, work));
	const char *why = NULL;
	json_t *report = NULL;
	char *answer;
	int r;

	r = verify_request(rq->h->d, rq->st, (const char *)rq->body, rq->len,
	    state_now(), &report, &why);
	state_release(rq->st);
	rq->st = NULL;
	if (r == KALIT_OK && (answer = json_dumps(report,
	    JSON_COMPACT)) == NULL)
		r = KALIT_ERR_NOMEM;
	json_decref(report);
	if (r != KALIT_OK) {
		log_msg(LOG_LEVEL_INFO, "verify refused: %s (client %s)",
		    apierr_code(r), rq->client);
		answer = http_error_body(apierr_code(r), why != NULL ? why :
		    kalit_strerror(r));
	}
	http_resume(rq, apierr_status(r), answer);
}

/*
 * A signature verified for a registered client (HTTP Basic): the report
 * kalit verify --json prints, whatever its verdict. In a worker thread:
 * the revocation statuses of its signers may need downloads.
 */
static enum MHD_Result
do_verify(struct req *rq)
{
	struct store_client c;
	int r;

	if ((r = http_client_auth(rq, NULL, NULL, &c)) != KALIT_OK)
		return http_respond_err(rq, r);
	snprintf(rq->client, sizeof(rq->client), "%s", c.id);
	rq->st = state_acquire(rq->h->d);
	rq->work.run = verify_work;
	MHD_suspend_connection(rq->conn);
	workers_submit(rq->h->d->workers, &rq->work);
	return MHD_YES;
}

/* POST /ocsp: the body is the DER request. */
static enum MHD_Result
do_ocsp(struct req *rq)
{
	return http_ocsp_answer(rq, rq->body, rq->len);
}

/* kalitd's endpoints, in the order they are matched (route_find()). */
static const struct route routes[] = {
	{ .path = "/v1/challenge", .method = "POST", .cap = ROUTE_CAP_OWN,
	    .max_body = CHALLENGE_REQUEST_MAX, .metric = METRICS_CHALLENGE,
	    .handler = do_challenge },
	/* a 401 of a login is about its signature */
	{ .path = "/v1/login", .method = "POST", .ctype = "application/json",
	    .metric = METRICS_LOGIN, .no_basic = 1, .handler = do_login },
	{ .path = "/v1/jwks", .alias = "/.well-known/jwks.json",
	    .method = "GET", .metric = METRICS_JWKS,
	    .handler = http_token_jwks },
	{ .path = "/v1/introspect", .method = "POST",
	    .ctype = "application/x-www-form-urlencoded",
	    .metric = METRICS_INTROSPECT, .handler = http_token_introspect },
	/* introspection for a reverse proxy: counted as introspection */
	{ .path = "/v1/gate", .method = "POST",
	    .ctype = "application/x-www-form-urlencoded",
	    .metric = METRICS_INTROSPECT, .handler = http_token_gate },
	{ .path = "/v1/revoke", .method = "POST",
	    .ctype = "application/x-www-form-urlencoded",
	    .metric = METRICS_REVOKE, .handler = http_token_revoke },
	/* what a load balancer and monitoring ask while kalitd drains */
	{ .path = "/healthz", .method = "GET", .metric = METRICS_HEALTHZ,
	    .draining = 1, .handler = do_healthz },
	{ .path = "/metrics", .method = "GET", .metric = METRICS_METRICS,
	    .draining = 1, .handler = do_metrics },
	{ .path = "/ocsp", .method = "POST",
	    .ctype = "application/ocsp-request", .cap = ROUTE_CAP_OWN,
	    .max_body = OCSP_REQUEST_MAX, .metric = METRICS_OCSP,
	    .handler = do_ocsp },
	{ .path = "/ocsp/", .method = "GET", .metric = METRICS_OCSP,
	    .handler = http_ocsp_get },
	{ .path = "/crl/", .method = "GET", .metric = METRICS_CRL,
	    .handler = http_ocsp_crl },
	{ .path = "/v1/timestamp", .method = "POST",
	    .ctype = "application/timestamp-query", .cap = ROUTE_CAP_OWN,
	    .max_body = TSA_REQUEST_MAX, .metric = METRICS_TIMESTAMP,
	    .handler = do_timestamp },
	{ .path = "/v1/verify", .method = "POST", .ctype = "application/json",
	    .cap = ROUTE_CAP_VERIFY, .metric = METRICS_VERIFY,
	    .handler = do_verify },
	{ .path = "/ca/", .method = "GET", .metric = METRICS_CA,
	    .handler = http_ocsp_ca_cert },
	/* the OpenID Provider (docs/oidc.md) */
	{ .path = "/.well-known/openid-configuration", .method = "GET",
	    .metric = METRICS_DISCOVERY, .handler = http_oidc_discovery },
	{ .path = "/oidc/authorize", .method = "GET",
	    .metric = METRICS_AUTHORIZE, .handler = http_oidc_authorize },
	{ .path = "/oidc/authorize", .method = "POST",
	    .ctype = "application/x-www-form-urlencoded",
	    .metric = METRICS_AUTHORIZE, .handler = http_oidc_authorize },
	{ .path = "/login/", .method = "GET", .metric = METRICS_PAGE,
	    .handler = http_oidc_page },
	{ .path = "/oidc/challenge", .method = "POST",
	    .ctype = "application/json", .cap = ROUTE_CAP_OWN,
	    .max_body = OIDC_CHALLENGE_BODY_MAX,
	    .metric = METRICS_OIDC_CHALLENGE, .handler = http_oidc_challenge },
	/* a 401 of a login is about its signature */
	{ .path = "/oidc/login", .method = "POST", .ctype = "application/json",
	    .cap = ROUTE_CAP_OWN, .max_body = OIDC_LOGIN_MAX,
	    .metric = METRICS_OIDC_LOGIN, .no_basic = 1,
	    .handler = http_oidc_login },
	{ .path = "/oidc/token", .method = "POST",
	    .ctype = "application/x-www-form-urlencoded",
	    .metric = METRICS_TOKEN, .handler = http_oidc_token },
	{ .path = "/oidc/userinfo", .method = "GET", .no_basic = 1,
	    .metric = METRICS_USERINFO, .handler = http_oidc_userinfo },
	{ .path = "/oidc/userinfo", .method = "POST", .no_basic = 1,
	    .ctype = "application/x-www-form-urlencoded",
	    .metric = METRICS_USERINFO, .handler = http_oidc_userinfo },
	{ .path = "/oidc/logout", .method = "GET", .metric = METRICS_LOGOUT,
	    .handler = http_oidc_logout },
	{ .path = "/oidc/logout", .method = "POST",
	    .ctype = "application/x-www-form-urlencoded",
	    .metric = METRICS_LOGOUT, .handler = http_oidc_logout },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

const struct route *
http_routes(size_t *np)
{
	*np = NROUTES;
	return routes;
}

static enum MHD_Result
dispatch(struct req *rq)
{
	http_conn_busy(rq);
	if (atomic_load(&rq->h->d->draining) && !rq->route->draining)
		return http_respond_err(rq, KALIT_ERR_BUSY);
	return rq->route->handler(rq);
}

/* The first call: the headers are in, no byte of the body is read yet. */
static enum MHD_Result
on_headers(struct http *h, struct MHD_Connection *conn, const char *url,
    const char *method, void **req_cls)
{
	struct req *rq;
	const char *rest;
	int wrong;

	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return MHD_NO;
	rq->h = h;
	rq->conn = conn;
	clock_gettime(CLOCK_MONOTONIC, &rq->t0);
	atomic_fetch_add(&h->inflight, 1);
	*req_cls = rq;
	if ((rq->route = route_find(routes, NROUTES, method, url, &wrong)) ==
	    NULL)
		return wrong ? http_respond_code(rq, 405, "method_not_allowed",
		    "wrong method for this endpoint; see docs/api.md") :
		    http_respond_code(rq, 404, "not_found", "no such endpoint");
	if ((rest = route_rest(rq->route, url)) != NULL &&
	    (rq->rest = strdup(rest)) == NULL)
		return MHD_NO;
	if (!route_length_ok(rq->route, h->d->cfg,
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH)))
		return http_respond_err(rq, KALIT_ERR_TOO_LARGE);
	if (!route_ctype_ok(rq->route, MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE)))
		return http_respond_code(rq, 415, "content_type_invalid",
		    "this endpoint takes a body of another Content-Type; see "
		    "docs/api.md");
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req_cls)
{
	struct req *rq = *req_cls;
	size_t max;
	unsigned char *p;

	(void)version;
	if (rq == NULL)
		return on_headers(cls, conn, url, method, req_cls);
	if (rq->ready) {
		rq->ready = 0;
		return respond_ready(rq);
	}
	if (*upload_size != 0) {	/* a piece of the body */
		max = route_body_max(rq->route, rq->h->d->cfg);
		if (!rq->too_large && *upload_size <= max - rq->len &&
		    (p = realloc(rq->body, rq->len + *upload_size + 1)) !=
		    NULL) {
			memcpy(p + rq->len, upload, *upload_size);
			rq->len += *upload_size;
			p[rq->len] = '\0';
			rq->body = p;
		} else
			rq->too_large = 1;	/* chunked past the cap */
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_large)
		return http_respond_err(rq, KALIT_ERR_TOO_LARGE);
	return dispatch(rq);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct req *rq = *req_cls;

	(void)toe;
	http_conn_next(h, conn);
	if (rq == NULL)
		return;
	free(rq->rest);
	free(rq->body);
	/*
	 * A client that hung up while the writer thread worked for it
	 * leaves the answer unsent (on a login, the token): wipe it.
	 */
	clear_free_text(rq->answer);
	login_result_clear(&rq->login);
	http_oidc_clear(rq);
	free(rq->extra.location);
	free(rq);
	*req_cls = NULL;
	atomic_fetch_sub(&h->inflight, 1);
}

/*
 * No endpoint has an escaped character in its path. Decoding "%00" would
 * cut the path short ("/metrics%00.json" → "/metrics"), so such a path is
 * made one no route matches; the rest is decoded as MHD would.
 */
static size_t
unescape(void *cls, struct MHD_Connection *conn, char *uri)
{
	(void)cls;
	(void)conn;
	if (strstr(uri, "%00") != NULL) {
		uri[0] = '\0';
		return 0;
	}
	return MHD_http_unescape(uri);
}

/* libmicrohttpd's own messages; fmt is its printf format. */
static void mhd_log(void *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_msg(LOG_LEVEL_INFO, "http: %s", line);
}

/*
 * A daemon on port of c's address, for h; over TLS when d has a
 * certificate, asking each client for its certificate when trust (PEM)
 * is given. NULL when it cannot listen.
 */
static struct MHD_Daemon *
daemon_start(struct http *h, int port, const char *trust)
{
	struct kalitd *d = h->d;
	struct config *c = d->cfg;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	/*
	 * Over TLS, poll(2): with epoll, libmicrohttpd 0.9.75 spins on a
	 * connection whose TLS handshake waits for the client (GnuTLS reads
	 * the socket itself, so the connection never leaves its ready list):
	 * a client that stalls mid-handshake cost a thread's whole CPU.
	 */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
	    (d->tls_cert != NULL ? MHD_USE_POLL : MHD_USE_EPOLL) |
	    MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tls[5] = {
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL }
	};
	struct MHD_Daemon *mhd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, c->listen, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, c->listen, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else
		return NULL;
	if (d->tls_cert != NULL) {
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
		    d->tls_cert };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
		    d->tls_key };
		tls[2] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES,
		    0, (void *)TLS_PRIORITIES };
		/* Asked, not required: the certificate is judged per request. */
		if (trust != NULL)
			tls[3] = (struct MHD_OptionItem){
			    MHD_OPTION_HTTPS_MEM_TRUST, 0, (void *)trust };
	}
	mhd = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL,
	    on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c->threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->connection_timeout,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)c->max_per_address,
	    MHD_OPTION_NOTIFY_CONNECTION, http_conn_notify, h,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_ARRAY, tls,
	    MHD_OPTION_END);
	if (mhd == NULL)
		log_msg(LOG_LEVEL_ERROR, "cannot listen on %s port %d; is it "
		    "in use?", c->listen, port);
	return mhd;
}

int
http_start(struct kalitd *d, struct http **hp)
{
	struct config *c = d->cfg;
	struct http *h;

	*hp = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return KALIT_ERR_NOMEM;
	h->d = d;
	atomic_init(&h->inflight, 0);
	if (http_conns_start(h, c->request_timeout) != KALIT_OK) {
		free(h);
		return KALIT_ERR_INTERNAL;
	}
	if ((h->mhd = daemon_start(h, c->port, NULL)) == NULL ||
	    (c->mtls_port != 0 && (h->mtls = daemon_start(h, c->mtls_port,
	    d->tls_trust)) == NULL)) {
		http_stop(h);
		return KALIT_ERR_IO;
	}
	*hp = h;
	return KALIT_OK;
}

int
http_peer_chain(struct req *rq, const struct cms_certs *certs, X509 **certp,
    STACK_OF(X509) **extrap)
{
	const union MHD_ConnectionInfo *ci;
	const gnutls_datum_t *peers;
	unsigned int i, n = 0;
	X509 *x;

	*certp = NULL;
	*extrap = NULL;
	ci = MHD_get_connection_info(rq->conn,
	    MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL || (peers =
	    gnutls_certificate_get_peers(ci->tls_session, &n)) == NULL ||
	    n == 0)
		return KALIT_ERR_NOT_FOUND;
	/* TLS 1.3 allows any order but the first; a path takes at most 5 */
	for (i = 0; i < n && i < 5; i++) {
		if ((x = certs->get(peers[i].data, peers[i].size,
		    certs->arg)) == NULL)
			goto bad;
		if (i == 0)
			*certp = x;
		else if ((*extrap == NULL && (*extrap = sk_X509_new_null()) ==
		    NULL) || sk_X509_push(*extrap, x) == 0) {
			X509_free(x);
			goto bad;
		}
	}
	return KALIT_OK;
 bad:
	X509_free(*certp);
	sk_X509_pop_free(*extrap, X509_free);
	*certp = NULL;
	*extrap = NULL;
	return KALIT_ERR_MALFORMED;
}

int
http_drain(struct http *h, long ms)
{
	long waited;

	MHD_quiesce_daemon(h->mhd);
	if (h->mtls != NULL)
		MHD_quiesce_daemon(h->mtls);
	for (waited = 0; waited < ms && atomic_load(&h->inflight) > 0;
	    waited += 10)
		usleep(10000);
	return atomic_load(&h->inflight);
}

void
http_stop(struct http *h)
{
	if (h == NULL)
		return;
	http_conns_stop(h);
	if (h->mtls != NULL)
		MHD_stop_daemon(h->mtls);
	if (h->mhd != NULL)
		MHD_stop_daemon(h->mhd);
	http_conns_free(h);
	free(h);
}
