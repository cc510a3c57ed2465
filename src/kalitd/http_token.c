/*
 * http_token.c: the token endpoints of relying systems: GET /v1/jwks,
 * POST /v1/introspect (RFC 7662) and POST /v1/revoke (RFC 7009)
 */
#include "config.h"
#include "http_int.h"
#include "err.h"
#include "session.h"
#include "token.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

enum MHD_Result
http_token_jwks(struct req *rq)
{
	struct state *st = state_acquire(rq->h->d);
	json_t *jwks = token_jwks(st->keys);

	state_release(st);
	if (jwks == NULL)
		return http_respond_err(rq, KALIT_ERR_NOMEM);
	return http_respond_json(rq, jwks, 0);
}

/*
 * Parses the form (oidc_req.c's parameters, as the token endpoint's) and
 * authenticates the client (Basic or form fields). Returns 1 when it has
 * answered (*retp): a malformed form, a repeated parameter, two ways of
 * client authentication, a failed one.
 */
static int
form_auth(struct req *rq, struct oidc_params *p, struct store_client *c,
    enum MHD_Result *retp)
{
	const char *id, *secret;
	int bad, i, r;

	bad = http_oidc_params(rq, p, OIDC_PARAMS_TOKENOPS) != KALIT_OK ||
	    p->oversized;
	/* a value with a NUL inside is malformed, not absent */
	for (i = 0; i < OIDC_R__MAX; i++)
		if (p->v[i] != NULL && oidc_param(p, i) == NULL)
			bad = 1;
	id = oidc_param(p, OIDC_R_CLIENT_ID);
	secret = oidc_param(p, OIDC_R_CLIENT_SECRET);
	if (p->repeated)
		*retp = http_respond_code(rq, 400, "invalid_request", "a "
		    "parameter is repeated (RFC 6749 section 3.2)");
	else if (bad)
		*retp = http_respond_err(rq, KALIT_ERR_MALFORMED);
	/* RFC 6749 section 2.3: one way of client authentication a request */
	else if ((id != NULL || secret != NULL) &&
	    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION) != NULL)
		*retp = http_respond_code(rq, 400, "invalid_request", "the "
		    "client is authenticated both by HTTP Basic and in the "
		    "form; use one (RFC 6749 section 2.3)");
	else if ((r = http_client_auth(rq, id, secret, c)) != KALIT_OK)
		*retp = http_respond_err(rq, r);
	else
		return 0;
	return 1;
}

/*
 * The common part of introspection and revocation: client authentication
 * and the token parameter. Returns 1 when it has answered (*retp), else 0
 * with *claimsp the token's claims, or NULL when the token is not active.
 */
static int
token_request(struct req *rq, struct store_client *c, json_t **claimsp,
    enum MHD_Result *retp)
{
	struct oidc_params p;
	struct state *st;
	const char *token = NULL;
	int answered;

	*claimsp = NULL;
	answered = form_auth(rq, &p, c, retp);
	if (!answered && (token = oidc_param(&p, OIDC_R_TOKEN)) == NULL) {
		*retp = http_respond_code(rq, 400, "invalid_request",
		    "the token parameter is missing");
		answered = 1;
	}
	if (!answered) {
		st = state_acquire(rq->h->d);
		session_token_check(rq->h->d->session, st->keys, st->tokens,
		    rq->h->d->cfg->issuer, token, strlen(token), state_now(),
		    claimsp);
		state_release(st);
	}
	oidc_params_clear(&p);
	return answered;
}

enum MHD_Result
http_token_introspect(struct req *rq)
{
	struct store_client c;
	enum MHD_Result ret;
	json_t *claims = NULL;
	const char *aud;

	if (token_request(rq, &c, &claims, &ret))
		return ret;
	/*
	 * Only the client the token was issued to learns anything, or, of an
	 * agency system's token, the API it is for (--resource).
	 */
	if (claims == NULL || (aud = json_string_value(json_object_get(claims,
	    "aud"))) == NULL || (strcmp(aud, c.id) != 0 &&
	    !session_client_uri_ok(rq->h->d->session, c.id, STORE_URI_RESOURCE,
	    aud))) {
		json_decref(claims);
		return http_respond_json(rq, json_pack("{s:b}", "active", 0),
		    1);
	}
	json_object_set_new(claims, "active", json_true());
	if (json_object_get(claims, "client_id") == NULL)
		json_object_set_new(claims, "client_id", json_string(c.id));
	json_object_set_new(claims, "token_type", json_string("Bearer"));
	return http_respond_json(rq, claims, 1);
}

static int
revoke_apply(struct store *s, struct auditq_job *job)
{
	struct req *rq = (struct req *)((char *)job -
	    offsetof(struct req, job));

	return store_token_revoke(s, rq->jti, rq->client, rq->exp);
}

static void
revoke_done(struct auditq_job *job, int result)
{
	struct req *rq = (struct req *)((char *)job -
	    offsetof(struct req, job));

	if (result != KALIT_OK) {
		http_resume(rq, 500, http_error_body("server_error",
		    kalit_strerror(result)));
		return;
	}
	session_revoked_add(rq->h->d->session, rq->jti, rq->exp);
	http_resume(rq, 200, strdup("{}"));
}

/* RFC 7009: an invalid token is no error; another client's token is. */
enum MHD_Result
http_token_revoke(struct req *rq)
{
	struct store_client c;
	enum MHD_Result ret;
	json_t *claims = NULL;
	const char *aud = NULL, *jti = NULL, *serial = "";
	json_int_t exp = 0;

	if (token_request(rq, &c, &claims, &ret))
		return ret;
	if (claims == NULL || json_unpack(claims, "{s:s, s:s, s:I, s?s}",
	    "aud", &aud, "jti", &jti, "exp", &exp, "cert_serial", &serial) !=
	    0) {
		json_decref(claims);
		return http_respond(rq, 200, "application/json", strdup("{}"),
		    1);
	}
	if (strcmp(aud, c.id) != 0) {
		json_decref(claims);
		return http_respond_code(rq, 400, "unauthorized_client",
		    "the token was issued to another client");
	}
	snprintf(rq->jti, sizeof(rq->jti), "%s", jti);
	snprintf(rq->client, sizeof(rq->client), "%s", c.id);
	snprintf(rq->serial, sizeof(rq->serial), "%s", serial);
	rq->exp = exp;
	json_decref(claims);
	rq->job.apply = revoke_apply;
	rq->job.done = revoke_done;
	rq->job.actor = rq->client;
	rq->job.action = "logout";
	rq->job.serial = rq->serial;
	rq->job.detail = rq->jti;
	MHD_suspend_connection(rq->conn);
	auditq_submit(rq->h->d->auditq, &rq->job);
	return MHD_YES;
}
