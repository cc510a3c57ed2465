/*
 * http_token.c: the token endpoints of relying systems: GET /v1/jwks,
 * POST /v1/introspect (RFC 7662), POST /v1/revoke (RFC 7009), and
 * POST /v1/gate (introspection for a reverse proxy's auth_request)
 */
#include "config.h"
#include "http_int.h"
#include "base64.h"
#include "digest.h"
#include "err.h"
#include "session.h"
#include "token.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

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
 * The common part of introspection, revocation and the gate: the form
 * (*p, which the caller clears), client authentication and the token
 * parameter. Returns 1 when it has answered (*retp), else 0 with *claimsp
 * the token's claims, or NULL when the token is not active.
 */
static int
token_request(struct req *rq, struct oidc_params *p, struct store_client *c,
    json_t **claimsp, enum MHD_Result *retp)
{
	struct state *st;
	const char *token = NULL;
	int answered;

	*claimsp = NULL;
	answered = form_auth(rq, p, c, retp);
	if (!answered && (token = oidc_param(p, OIDC_R_TOKEN)) == NULL) {
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
	return answered;
}

enum MHD_Result
http_token_introspect(struct req *rq)
{
	struct oidc_params p;
	struct store_client c;
	enum MHD_Result ret;
	json_t *claims = NULL;
	const char *aud;
	int answered;

	answered = token_request(rq, &p, &c, &claims, &ret);
	oidc_params_clear(&p);
	if (answered)
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
	struct oidc_params p;
	json_int_t exp = 0;
	int answered;

	answered = token_request(rq, &p, &c, &claims, &ret);
	oidc_params_clear(&p);
	if (answered)
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

/* The base64url SHA-256 of the PEM certificate pem's DER into x5t. */
static int
pem_x5t(const char *pem, char x5t[44])
{
	unsigned char md[32], *der = NULL;
	BIO *b;
	X509 *x = NULL;
	int n = -1;

	if ((b = BIO_new_mem_buf(pem, -1)) != NULL &&
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		n = i2d_X509(x, &der);
	BIO_free(b);
	X509_free(x);
	ERR_clear_error();
	if (n <= 0 || EVP_Digest(der, (size_t)n, md, NULL, digest_sha256(),
	    NULL) != 1) {
		OPENSSL_free(der);
		return KALIT_ERR_MALFORMED;
	}
	OPENSSL_free(der);
	base64_url_encode(md, sizeof(md), x5t);
	return KALIT_OK;
}

/* 1 when each word of need is one of have's (both scopes). */
static int
scope_holds(const char *have, const char *need)
{
	const char *w, *h;
	size_t n;
	int found;

	for (w = need; *w != '\0'; w += n + (w[n] == ' ')) {
		n = strcspn(w, " ");
		for (found = 0, h = have; !found && *h != '\0';
		    h += strcspn(h, " ") + (h[strcspn(h, " ")] == ' '))
			found = strcspn(h, " ") == n && strncmp(h, w, n) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

/*
 * Why the token of claims may not pass the gate for resource, with the
 * caller's certificate pem (NULL: none) and the scope need (NULL: any);
 * NULL when it may. *statusp: 401, or 403 for a scope.
 */
static const char *
gate_refusal(json_t *claims, const char *resource, const char *pem,
    const char *need, unsigned int *statusp)
{
	const char *aud = json_string_value(json_object_get(claims, "aud"));
	const char *scope = json_string_value(json_object_get(claims,
	    "scope"));
	const char *bound = json_string_value(json_object_get(
	    json_object_get(claims, "cnf"), "x5t#S256"));
	char x5t[44];

	*statusp = 401;
	if (pem != NULL && *pem == '\0')	/* nginx's for no certificate */
		pem = NULL;
	if (aud == NULL || strcmp(aud, resource) != 0)
		return "the token is for another API";
	/* RFC 8705 3: a bound token is its certificate's alone */
	if (bound != NULL && pem == NULL)
		return "the token is bound to a certificate, and the caller "
		    "showed none";
	if (bound != NULL && (pem_x5t(pem, x5t) != KALIT_OK ||
	    strlen(bound) != strlen(x5t) || CRYPTO_memcmp(bound, x5t,
	    strlen(x5t)) != 0))
		return "the token is bound to another certificate than the "
		    "caller's";
	*statusp = 403;
	if (need != NULL && (scope == NULL || !scope_holds(scope, need)))
		return "the token lacks a scope the API needs";
	return NULL;
}

enum MHD_Result
http_token_gate(struct req *rq)
{
	struct oidc_params p;
	struct store_client c;
	enum MHD_Result ret;
	json_t *claims = NULL;
	const char *resource, *why;
	unsigned int status = 401;
	int i;

	if (token_request(rq, &p, &c, &claims, &ret))
		goto out;
	resource = oidc_param(&p, OIDC_R_RESOURCE);
	if (resource == NULL || !session_client_uri_ok(rq->h->d->session,
	    c.id, STORE_URI_RESOURCE, resource)) {
		ret = http_respond_code(rq, 400, "invalid_request", "resource "
		    "is not an API this client registered (--resource)");
		goto out;
	}
	why = claims == NULL ? "the token is malformed, expired or revoked" :
	    gate_refusal(claims, resource, oidc_param(&p, OIDC_R_CLIENT_CERT),
	    oidc_param(&p, OIDC_R_SCOPE), &status);
	if (why != NULL) {
		rq->extra.bearer = claims == NULL || status == 401;
		ret = http_respond_code(rq, claims == NULL ? 401 : status,
		    claims == NULL || status == 401 ? "invalid_token" :
		    "insufficient_scope", why);
		goto out;
	}
	for (i = 0; i < 3; i++)
		rq->extra.gate[i] = json_string_value(json_object_get(claims,
		    (const char *[]){ "client_id", "tin", "scope" }[i]));
	ret = http_respond(rq, 200, "application/json", strdup("{}"), 1);
	memset(rq->extra.gate, 0, sizeof(rq->extra.gate));
 out:
	json_decref(claims);
	oidc_params_clear(&p);
	return ret;
}
