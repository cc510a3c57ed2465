/*
 * http_oidc_token.c: the OpenID Provider's back side over HTTP: the token
 * endpoint (client authentication, the code, PKCE), UserInfo, and logout
 * (RP-Initiated, with back-channel deliveries)
 */
#include "config.h"
#include "http_int.h"
#include "apierr.h"
#include "err.h"
#include "idtoken.h"
#include "log.h"
#include "metrics.h"
#include "route.h"
#include "session.h"
#include "token.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* An OAuth error answer (RFC 6749 5.2). */
static enum MHD_Result
oauth_error(struct req *rq, unsigned int status, const char *error,
    const char *desc)
{
	log_msg(LOG_LEVEL_INFO, "oidc token (client %s): %s: %s",
	    rq->client[0] != '\0' ? rq->client : "-", error, desc);
	return http_respond_code(rq, status, error, desc);
}

/*
 * Client authentication at the token endpoint, by the method the client
 * registered: client_secret_basic, client_secret_post, private_key_jwt or
 * none (a public client: its id only). 1 when it answered (*retp).
 */
static int
token_client(struct req *rq, const struct oidc_params *p,
    struct store_client *c, enum MHD_Result *retp)
{
	struct kalitd *d = rq->h->d;
	const char *id = oidc_param(p, OIDC_T_CLIENT_ID);
	const char *secret = oidc_param(p, OIDC_T_CLIENT_SECRET);
	const char *atype = oidc_param(p, OIDC_T_ASSERTION_TYPE);
	const char *assertion = oidc_param(p, OIDC_T_ASSERTION);
	const char *basic = MHD_lookup_connection_value(rq->conn,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *why = "client authentication failed";
	int method, r;

	/* RFC 6749 section 2.3: one way a request */
	if ((basic != NULL) + (secret != NULL) + (assertion != NULL) > 1) {
		*retp = oauth_error(rq, 400, "invalid_request", "the client "
		    "is authenticated in more than one way");
		return 1;
	}
	if (assertion != NULL) {
		method = STORE_AUTH_JWT;
		if (atype == NULL || strcmp(atype, JWT_BEARER) != 0) {
			*retp = oauth_error(rq, 400, "invalid_request",
			    "client_assertion_type is not jwt-bearer");
			return 1;
		}
		r = oidc_assertion(d, id, assertion, state_now(), c, &why);
	} else if (basic != NULL || secret != NULL) {
		method = basic != NULL ? STORE_AUTH_BASIC : STORE_AUTH_POST;
		r = http_client_auth(rq, basic != NULL ? NULL : id, secret, c);
		if (r == KALIT_OK && basic != NULL && id != NULL &&
		    strcmp(id, c->id) != 0)
			r = KALIT_ERR_CLIENT_AUTH;
	} else {
		method = STORE_AUTH_NONE;
		r = id != NULL && session_client_get(d->session, id, c) ==
		    KALIT_OK ? KALIT_OK : KALIT_ERR_CLIENT_AUTH;
	}
	/* The registered method only: a public client has no secret. */
	if (r == KALIT_OK && c->auth_method != method) {
		why = "not the client's registered authentication method";
		r = KALIT_ERR_CLIENT_AUTH;
	}
	if (r == KALIT_OK) {
		snprintf(rq->client, sizeof(rq->client), "%s", c->id);
		return 0;
	}
	if (r == KALIT_ERR_CLIENT_AUTH) {
		log_msg(LOG_LEVEL_INFO, "oidc token: invalid_client: %s", why);
		/* a 401 asks for Basic only of those who tried it */
		*retp = http_respond_code(rq, basic != NULL ? 401 : 400,
		    "invalid_client", why);
	} else
		*retp = http_respond_err(rq, r);
	return 1;
}

/* A code presented again: its token is revoked (RFC 6749 4.1.2). */
static enum MHD_Result
code_reused(struct req *rq, const struct code_token *t)
{
	struct http_oidc *o = rq->oidc;

	log_msg(LOG_LEVEL_WARN, "oidc token: a code was presented again "
	    "(client %s); the token issued for it is revoked", rq->client);
	if (t->jti[0] == '\0')
		return oauth_error(rq, 400, "invalid_grant", "the code was "
		    "used already");
	o->t = *t;
	session_revoked_add(rq->h->d->session, t->jti, t->exp);
	snprintf(o->detail, sizeof(o->detail), "code reused: %s revoked",
	    t->jti);
	return http_oidc_finish(rq, 400, "application/json",
	    http_error_body("invalid_grant", "the code was used already; the "
	    "tokens issued for it are revoked"), "oidc-code-reuse", 0);
}

/* The grant's bindings: client, redirect URI, PKCE. NULL when good. */
static const char *
grant_check(const struct code_grant *g, const struct store_client *c,
    const struct oidc_params *p)
{
	const char *uri = oidc_param(p, OIDC_T_REDIRECT_URI);
	const char *verifier = oidc_param(p, OIDC_T_CODE_VERIFIER);

	if (strcmp(g->req.client_id, c->id) != 0)
		return "the code was issued to another client";
	if (uri == NULL || strcmp(uri, g->req.redirect_uri) != 0)
		return "redirect_uri is not the one of the authorization "
		    "request";
	if (g->req.code_challenge[0] != '\0' && (verifier == NULL ||
	    !oidc_pkce_ok(g->req.code_challenge, verifier)))
		return "code_verifier does not match the code_challenge";
	if (g->req.code_challenge[0] == '\0' && verifier != NULL)
		return "code_verifier without a code_challenge";
	return NULL;
}

/* The answer to a client_credentials request, its checks all made. */
static enum MHD_Result
machine_end(struct req *rq, struct state *st, int suspended)
{
	struct http_oidc *o = rq->oidc;
	struct machine_grant *g = &o->m;
	struct code_token t;
	char *answer = NULL;
	int r = g->err;

	if (r == KALIT_OK)
		r = machine_token(rq->h->d, st, g, &answer, &t);
	if (r != KALIT_OK) {
		if (g->error == NULL)
			return suspended ? (http_resume(rq, apierr_status(r),
			    http_error_body(apierr_code(r), kalit_strerror(r))),
			    MHD_YES) : http_respond_err(rq, r);
		return http_oidc_finish(rq, strcmp(g->error,
		    "temporarily_unavailable") == 0 ? 503 : r ==
		    KALIT_ERR_NOMEM ? 500 : 400, "application/json",
		    http_error_body(g->error, g->why), NULL, suspended);
	}
	snprintf(o->detail, sizeof(o->detail), "token %s scope %.40s",
	    t.jti, g->scope);
	return http_oidc_finish(rq, 200, "application/json", answer,
	    "oidc-client-credentials", suspended);
}

/* A worker thread: the revocation downloads, then as machine_end(). */
static void
machine_work(struct workers_job *w)
{
	struct req *rq = (struct req *)((char *)w -
	    offsetof(struct req, work));
	struct state *st = rq->st;

	machine_finish(st, &rq->oidc->m);
	machine_end(rq, st, 1);
	rq->st = NULL;
	state_release(st);
}

/*
 * grant_type client_credentials (RFC 6749 4.4): an agency's system, by
 * its certificate (machine.h). The form was parsed.
 */
static enum MHD_Result
machine_request(struct req *rq, const struct oidc_params *p)
{
	struct kalitd *d = rq->h->d;
	struct machine_grant *g = &rq->oidc->m;
	struct machine_request mr;
	const char *atype = oidc_param(p, OIDC_T_ASSERTION_TYPE);
	struct cms_certs certs;
	struct state *st;
	enum MHD_Result ret;

	memset(&mr, 0, sizeof(mr));
	mr.client_id = oidc_param(p, OIDC_T_CLIENT_ID);
	mr.assertion = oidc_param(p, OIDC_T_ASSERTION);
	mr.scope = oidc_param(p, OIDC_T_SCOPE);
	mr.resource = oidc_param(p, OIDC_T_RESOURCE);
	if (oidc_param(p, OIDC_T_CLIENT_SECRET) != NULL ||
	    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION) != NULL)
		return oauth_error(rq, 400, "invalid_client", "client_credentials: "
		    "the system authenticates with its certificate alone, no "
		    "secret");
	if (mr.assertion != NULL && (atype == NULL ||
	    strcmp(atype, JWT_BEARER) != 0))
		return oauth_error(rq, 400, "invalid_request",
		    "client_assertion_type is not jwt-bearer");
	st = state_acquire(d);
	certs.get = certcache_resolve;
	certs.arg = st->cache;
	if (mr.assertion == NULL && http_peer_chain(rq, &certs, &mr.tls_cert,
	    &mr.tls_chain) == KALIT_ERR_MALFORMED) {
		state_release(st);
		return oauth_error(rq, 400, "invalid_client", "the client "
		    "certificate of the connection is malformed");
	}
	machine_run(d, st, &mr, state_now(), g);
	X509_free(mr.tls_cert);
	sk_X509_pop_free(mr.tls_chain, X509_free);
	snprintf(rq->client, sizeof(rq->client), "%s", g->client.id);
	snprintf(rq->serial, sizeof(rq->serial), "%s", g->serial);
	if (g->fetch) {
		rq->st = st;
		rq->work.run = machine_work;
		MHD_suspend_connection(rq->conn);
		workers_submit(d->workers, &rq->work);
		return MHD_YES;
	}
	ret = machine_end(rq, st, 0);
	state_release(st);
	return ret;
}

enum MHD_Result
http_oidc_token(struct req *rq)
{
	struct kalitd *d = rq->h->d;
	struct oidc_params p;
	struct store_client c;
	struct http_oidc *o;
	struct code_token t;
	struct sso_token pushed;
	struct state *st;
	const char *v, *why;
	char *answer = NULL;
	enum MHD_Result ret;
	int64_t now = state_now();
	int r;

	if (!d->cfg->oidc)
		return http_oidc_discovery(rq);
	if ((o = http_oidc_of(rq)) == NULL)
		return http_respond_err(rq, KALIT_ERR_NOMEM);
	if (http_oidc_params(rq, &p, OIDC_PARAMS_TOKEN) != KALIT_OK ||
	    p.repeated || p.oversized) {
		ret = oauth_error(rq, 400, "invalid_request", p.repeated ?
		    "a parameter is repeated (RFC 6749 section 3.2)" :
		    "the form is malformed or a parameter too long");
		goto out;
	}
	v = oidc_param(&p, OIDC_T_GRANT_TYPE);
	if (v != NULL && strcmp(v, "client_credentials") == 0) {
		ret = machine_request(rq, &p);
		goto out;
	}
	if (token_client(rq, &p, &c, &ret))
		goto out;
	if (v == NULL) {
		ret = oauth_error(rq, 400, "invalid_request", "grant_type is "
		    "missing");
		goto out;
	}
	if (strcmp(v, "authorization_code") != 0) {
		ret = oauth_error(rq, 400, "unsupported_grant_type",
		    "grant_type: authorization_code or client_credentials");
		goto out;
	}
	if ((v = oidc_param(&p, OIDC_T_CODE)) == NULL) {
		ret = oauth_error(rq, 400, "invalid_request", "code is "
		    "missing");
		goto out;
	}
	r = codes_redeem(d->codes, v, strlen(v), now, &o->g, &t);
	if (r == KALIT_ERR_CHALLENGE_REUSED) {
		ret = code_reused(rq, &t);
		goto out;
	}
	if (r != KALIT_OK) {
		ret = oauth_error(rq, 400, "invalid_grant", "the code is "
		    "unknown or expired");
		goto out;
	}
	if ((why = grant_check(&o->g, &c, &p)) != NULL) {
		ret = oauth_error(rq, 400, "invalid_grant", why);
		goto out;
	}
	/* A session that ended (logout) leaves its codes nothing to give. */
	if (sso_get(d->sso, o->g.session, now, &o->v) != KALIT_OK) {
		ret = oauth_error(rq, 400, "invalid_grant", "the session of "
		    "the code has ended");
		goto out;
	}
	snprintf(rq->serial, sizeof(rq->serial), "%s", o->g.entry->serial);
	st = state_acquire(d);
	r = oidc_tokens(d, st, &o->g, now, &answer, &t);
	state_release(st);
	if (r != KALIT_OK) {
		ret = http_respond_err(rq, r);
		goto out;
	}
	codes_set_token(d->codes, v, &t);
	sso_note(d->sso, o->g.session, c.id, t.jti, t.exp, now, &pushed);
	if (pushed.jti[0] != '\0') {
		/* Past what a session remembers: revoked, not forgotten. */
		log_msg(LOG_LEVEL_WARN, "oidc token: session sid %.8s holds %d "
		    "live tokens; the oldest (%s, client %s) is revoked",
		    o->g.sid, SSO_TOKENS_MAX, pushed.jti, pushed.client);
		session_revoked_add(d->session, pushed.jti, pushed.exp);
		/* ... and stored with the new token's record (oidc_apply()) */
		snprintf(o->t.jti, sizeof(o->t.jti), "%s", pushed.jti);
		o->t.exp = pushed.exp;
	}
	snprintf(o->detail, sizeof(o->detail), "sid %.8s token %s",
	    o->g.sid, t.jti);
	ret = http_oidc_finish(rq, 200, "application/json", answer,
	    "oidc-token", 0);
 out:
	oidc_params_clear(&p);
	return ret;
}

/* "Bearer TOKEN" of the Authorization header, or the form's. */
static const char *
bearer(struct req *rq, const struct oidc_params *p)
{
	const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);

	if (h != NULL)
		return strncmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
	return p != NULL ? oidc_param(p, 0) : NULL;
}

enum MHD_Result
http_oidc_userinfo(struct req *rq)
{
	struct kalitd *d = rq->h->d;
	struct oidc_params p;
	struct state *st;
	const char *tok;
	json_t *claims = NULL;
	int post = strcmp(rq->route->method, "POST") == 0, r;

	if (!d->cfg->oidc)
		return http_oidc_discovery(rq);
	if (post && http_oidc_params(rq, &p, OIDC_PARAMS_USERINFO) !=
	    KALIT_OK)
		p.repeated = 1;
	tok = bearer(rq, post ? &p : NULL);
	st = state_acquire(d);
	r = tok != NULL && !(post && (p.repeated || p.oversized)) ?
	    session_token_check(d->session, st->keys, st->tokens,
	    d->cfg->issuer, tok, strlen(tok), state_now(), &claims) :
	    KALIT_ERR_TOKEN_INVALID;
	state_release(st);
	if (post)
		oidc_params_clear(&p);
	/* An agency system's token (client_credentials) names no person. */
	if (r == KALIT_OK && json_object_get(claims, "pinfl") == NULL) {
		json_decref(claims);
		r = KALIT_ERR_TOKEN_INVALID;
	}
	if (r != KALIT_OK) {
		rq->extra.bearer = 1;
		return http_respond_code(rq, 401, "invalid_token", "the access "
		    "token is missing, malformed, expired or revoked");
	}
	r = http_respond_json(rq, idtoken_userinfo(claims), 1);
	json_decref(claims);
	return r;
}

/* Where logout goes when it is done: the client's page, or kalitd's. */
static enum MHD_Result
logout_done(struct req *rq, const char *uri, const char *state,
    const char *lang, const char *action)
{
	char *url;

	if (uri == NULL)
		return http_oidc_html(rq, 200, "loggedout.html",
		    (const char *const[]){ "LANG", lang, NULL }, action, 0);
	url = oidc_url(uri, (const char *const[]){ "state", state, NULL });
	return http_oidc_redirect(rq, url, action, 0);
}

/* Ends the browser's session (o->key): at once, then its record. */
static enum MHD_Result
logout_end(struct req *rq, const char *uri, const char *state,
    const char *lang)
{
	struct http_oidc *o = rq->oidc;
	struct state *st;

	http_oidc_set_cookie(rq, 1, 1, NULL);
	if (sso_end(rq->h->d->sso, o->key, &o->ended) != KALIT_OK)
		return logout_done(rq, uri, state, lang, NULL);
	snprintf(rq->serial, sizeof(rq->serial), "%s", o->v.entry != NULL ?
	    o->v.entry->serial : "");
	snprintf(o->detail, sizeof(o->detail), "sid %.8s: %zu clients, %zu "
	    "tokens revoked", o->ended->sid, o->ended->nclients,
	    o->ended->ntokens);
	st = state_acquire(rq->h->d);
	oidc_ended(rq->h->d, st, o->ended, state_now());
	state_release(st);
	metrics_sessions(sso_count(rq->h->d->sso, NULL));
	return logout_done(rq, uri, state, lang, "oidc-logout");
}

enum MHD_Result
http_oidc_logout(struct req *rq)
{
	struct kalitd *d = rq->h->d;
	char hclient[STORE_CLIENT_ID_MAX + 1], hsid[SSO_SID_LEN + 1];
	char sid[COOKIE_VALUE_LEN + 1], lang[3];
	struct oidc_params p;
	struct http_oidc *o;
	struct state *st;
	const char *uri, *state, *client, *confirm;
	enum MHD_Result ret;
	int hint, have;

	if (!d->cfg->oidc)
		return http_oidc_discovery(rq);
	if ((o = http_oidc_of(rq)) == NULL)
		return http_respond_err(rq, KALIT_ERR_NOMEM);
	memcpy(lang, "uz", 3);
	if (http_oidc_params(rq, &p, OIDC_PARAMS_LOGOUT) != KALIT_OK ||
	    p.repeated || p.oversized) {
		oidc_params_clear(&p);
		return http_oidc_error_page(rq, KALIT_ERR_MALFORMED, lang);
	}
	if (oidc_param(&p, OIDC_L_UI_LOCALES) != NULL &&
	    strncmp(oidc_param(&p, OIDC_L_UI_LOCALES), "ru", 2) == 0)
		memcpy(lang, "ru", 3);
	else if (oidc_param(&p, OIDC_L_UI_LOCALES) != NULL &&
	    strncmp(oidc_param(&p, OIDC_L_UI_LOCALES), "en", 2) == 0)
		memcpy(lang, "en", 3);
	uri = oidc_param(&p, OIDC_L_URI);
	state = oidc_param(&p, OIDC_L_STATE);
	client = oidc_param(&p, OIDC_L_CLIENT_ID);
	confirm = oidc_param(&p, OIDC_L_CONFIRM);
	st = state_acquire(d);
	hint = oidc_param(&p, OIDC_L_HINT) != NULL && oidc_hint(d, st,
	    oidc_param(&p, OIDC_L_HINT), hclient, hsid) == KALIT_OK;
	state_release(st);
	/* The hint's client, or client_id's; the two must agree. */
	if (hint && client != NULL && strcmp(client, hclient) != 0) {
		ret = http_oidc_error_page(rq, KALIT_ERR_CLIENT_UNKNOWN, lang);
		goto out;
	}
	if (hint)
		client = hclient;
	if (uri != NULL && (client == NULL || !session_client_uri_ok(
	    d->session, client, STORE_URI_POST_LOGOUT, uri))) {
		ret = http_oidc_error_page(rq, KALIT_ERR_REDIRECT_URI, lang);
		goto out;
	}
	if (client != NULL)
		snprintf(rq->client, sizeof(rq->client), "%s", client);
	have = http_oidc_cookie(rq, 1, sid) == KALIT_OK;
	if (have) {
		sso_key_of(sid, o->key);
		have = sso_get(d->sso, o->key, state_now(), &o->v) == KALIT_OK;
	}
	OPENSSL_cleanse(sid, sizeof(sid));
	if (!have) {			/* nothing to end here */
		http_oidc_set_cookie(rq, 1, 1, NULL);
		ret = logout_done(rq, uri, state, lang, NULL);
	} else if ((hint && strcmp(hsid, o->v.sid) == 0) ||
	    (confirm != NULL && strcmp(rq->route->method, "POST") == 0 &&
	    strlen(confirm) == strlen(o->v.logout_tok) &&
	    CRYPTO_memcmp(confirm, o->v.logout_tok, strlen(confirm)) == 0))
		ret = logout_end(rq, uri, state, lang);
	else if (hint) {
		/* the hint names another session: this one stays */
		ret = logout_done(rq, uri, state, lang, NULL);
	} else
		/* A page of another site cannot log the citizen out. */
		ret = http_oidc_html(rq, 200, "logout.html",
		    (const char *const[]){ "CONFIRM", o->v.logout_tok, "URI",
		    uri != NULL ? uri : "", "STATE", state != NULL ? state :
		    "", "CLIENT", client != NULL ? client : "", "LANG", lang,
		    NULL }, NULL, 0);
 out:
	oidc_params_clear(&p);
	return ret;
}
