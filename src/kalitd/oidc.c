/* oidc.c: the OpenID Provider's logins, codes, tokens and logouts */
#include "config.h"
#include "oidc.h"
#include "base64.h"
#include "bcl.h"
#include "challenge.h"
#include "certcache.h"
#include "codes.h"
#include "digest.h"
#include "err.h"
#include "idtoken.h"
#include "log.h"
#include "login.h"
#include "session.h"
#include "token.h"
#include "validate.h"
#include "webeid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cjose/cjose.h>

int
oidc_new(struct kalitd *d)
{
	int r;

	if (!d->cfg->oidc)
		return KALIT_OK;
	if ((r = oidc_reqkey_new(&d->reqkey)) != KALIT_OK ||
	    (r = sso_new(d->cfg->cache_sessions, &d->sso)) != KALIT_OK ||
	    (r = codes_new(d->cfg->cache_codes, d->cfg->cache_assertions,
	    &d->codes)) != KALIT_OK)
		return r;
	return bcl_new(&d->bcl);
}

void
oidc_free(struct kalitd *d)
{
	bcl_free(d->bcl);
	codes_free(d->codes);
	sso_free(d->sso);
	oidc_reqkey_free(d->reqkey);
	d->bcl = NULL;
	d->codes = NULL;
	d->sso = NULL;
	d->reqkey = NULL;
}

/* issuer + path, new reference (a JSON string). */
static json_t *
endpoint(const char *iss, const char *path)
{
	char *s;
	json_t *j;

	if (asprintf(&s, "%s%s", iss, path) < 0)
		return NULL;
	j = json_string(s);
	free(s);
	return j;
}

json_t *
oidc_discovery(const struct config *cfg)
{
	const char *iss = cfg->issuer;
	json_t *o;

	o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:[s], "
	    "s:[s], s:[s, s], s:[s], s:[s], s:[s, s, s, s], s:[s, s, s, s, s, "
	    "s, s, s, s, s, s, s, s, s, s, s, s, s], s:[s, s, s, s], "
	    "s:[s, s, s, s], s:[s], s:[s, s], s:[s, s, s], s:b, s:b, s:b, "
	    "s:b, s:b, s:b, s:[s, s]}",
	    "issuer", iss,
	    "authorization_endpoint", endpoint(iss, "/oidc/authorize"),
	    "token_endpoint", endpoint(iss, "/oidc/token"),
	    "userinfo_endpoint", endpoint(iss, "/oidc/userinfo"),
	    "end_session_endpoint", endpoint(iss, "/oidc/logout"),
	    "jwks_uri", endpoint(iss, "/v1/jwks"),
	    "introspection_endpoint", endpoint(iss, "/v1/introspect"),
	    "response_types_supported", "code",
	    "response_modes_supported", "query",
	    "grant_types_supported", "authorization_code",
	    "client_credentials",
	    "subject_types_supported", "public",
	    "id_token_signing_alg_values_supported", "ES256",
	    "scopes_supported", "openid", "profile", "pinfl", "organization",
	    "claims_supported", "iss", "sub", "aud", "exp", "iat",
	    "auth_time", "nonce", "acr", "amr", "at_hash", "sid", "name",
	    "given_name", "family_name", "pinfl", "tin", "organization",
	    "title",
	    "token_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post", "private_key_jwt", "none",
	    "token_endpoint_auth_signing_alg_values_supported", "ES256",
	    "ES384", "RS256", "PS256",
	    "code_challenge_methods_supported", "S256",
	    "acr_values_supported", "citizen", "official",
	    "ui_locales_supported", "uz", "ru", "en",
	    "authorization_response_iss_parameter_supported", 1,
	    "backchannel_logout_supported", 1,
	    "backchannel_logout_session_supported", 1,
	    "request_parameter_supported", 0,
	    "request_uri_parameter_supported", 0,
	    "claims_parameter_supported", 0,
	    "revocation_endpoint_auth_methods_supported",
	    "client_secret_basic", "client_secret_post");
	/* RFC 8705: agencies' systems on the port that asks for certificates */
	if (o != NULL && cfg->mtls_port != 0 && (json_array_append_new(
	    json_object_get(o, "token_endpoint_auth_methods_supported"),
	    json_string("tls_client_auth")) != 0 || json_object_update_new(o,
	    json_pack("{s:b, s:{s:o}}",
	    "tls_client_certificate_bound_access_tokens", 1,
	    "mtls_endpoint_aliases", "token_endpoint",
	    endpoint(cfg->mtls_url, "/oidc/token"))) != 0)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* Appends the percent-encoding of s (RFC 3986 unreserved kept) to f. */
static void
escape(FILE *f, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; (c = (unsigned char)*s) != '\0'; s++)
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			fputc(c, f);
		else
			fprintf(f, "%%%c%c", hex[c >> 4], hex[c & 15]);
}

char *
oidc_url(const char *base, const char *const *kv)
{
	char *buf = NULL;
	size_t len = 0, i;
	int sep;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fputs(base, f);
	sep = strchr(base, '?') != NULL ? '&' : '?';
	for (i = 0; kv[i] != NULL; i += 2) {
		if (kv[i + 1] == NULL)
			continue;
		fputc(sep, f);
		sep = '&';
		fputs(kv[i], f);
		fputc('=', f);
		escape(f, kv[i + 1]);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int
oidc_challenge_bind(struct challenge_bind *b, const char *client,
    const char *origin, const char *bind, const char *r, size_t rlen)
{
	unsigned char md[32];
	int e;

	EVP_Digest(r, rlen, md, NULL, digest_sha256(), NULL);
	if ((e = challenge_bind_init(b, client)) != KALIT_OK ||
	    (e = challenge_bind_add(b, "origin", origin,
	    strlen(origin))) != KALIT_OK ||
	    (e = challenge_bind_add(b, "browser", bind, strlen(bind))) !=
	    KALIT_OK)
		return e;
	return challenge_bind_add(b, "request", md, sizeof(md));
}

unsigned int
oidc_acr(unsigned int cert, unsigned int client, unsigned int req)
{
	unsigned int acr = cert & client & req;

	if (acr & STORE_ACR_OFFICIAL)
		return STORE_ACR_OFFICIAL;
	return acr & STORE_ACR_CITIZEN;
}

int
oidc_hwk(const struct config *cfg, const struct cert_entry *e)
{
	return cfg->hardware_key_oid != NULL &&
	    validate_policy(e->cert, cfg->hardware_key_oid) == KALIT_OK;
}

/* The login body: its request token, challenge and Web eID token. */
struct login_body {
	json_t		*json;
	const char	*r;
	size_t		 rlen;
	const char	*challenge;
	size_t		 challenge_len;
	const json_t	*token;		/* the token object, in json */
	size_t		 token_len;	/* its length as JSON text */
};

static int
body_parse(const char *body, size_t len, struct login_body *lb)
{
	json_t *r, *c, *t;

	memset(lb, 0, sizeof(*lb));
	if (len > OIDC_LOGIN_MAX || (lb->json = json_loadb(body, len,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return KALIT_ERR_MALFORMED;
	r = json_object_get(lb->json, "r");
	c = json_object_get(lb->json, "challenge");
	t = json_object_get(lb->json, "token");
	if (!json_is_object(lb->json) || !json_is_string(r) ||
	    !json_is_string(c) || !json_is_object(t))
		return KALIT_ERR_MALFORMED;
	lb->r = json_string_value(r);
	lb->rlen = json_string_length(r);
	lb->challenge = json_string_value(c);
	lb->challenge_len = json_string_length(c);
	/* The spec caps the token's text: as the browser would write it. */
	lb->token = t;
	lb->token_len = json_dumpb(t, NULL, 0, JSON_COMPACT);
	return KALIT_OK;
}

static void
body_clear(struct login_body *lb)
{
	json_decref(lb->json);
	memset(lb, 0, sizeof(*lb));
}

/* The token's signature and certificate, after the request's checks. */
static int
login_token(struct kalitd *d, struct state *st, const struct login_body *lb,
    struct oidc_login *res)
{
	struct webeid_token t;
	struct cms_certs certs;
	const char *why = NULL;
	int r;

	certs.get = certcache_resolve;
	certs.arg = st->cache;
	if ((r = webeid_parse_json(lb->token, lb->token_len, &certs, &t,
	    &why)) != KALIT_OK) {
		log_msg(LOG_LEVEL_INFO, "oidc login: token: %s",
		    why != NULL ? why : kalit_errname(r));
		return r;
	}
	/* The challenge text as issued: its length was checked on use. */
	if ((r = webeid_verify(&t, d->cfg->public_origin, lb->challenge,
	    &why)) != KALIT_OK) {
		log_msg(LOG_LEVEL_INFO, "oidc login: signature: %s",
		    why != NULL ? why : kalit_errname(r));
		goto out;
	}
	x509_serial_hex(t.cert, res->serial, sizeof(res->serial));
	r = login_cert(d, st, t.cert, t.intermediates, &res->client, res->now,
	    &res->entry, &res->acr, &res->fetch);
 out:
	webeid_token_clear(&t);
	return r;
}

/* After the certificate: the kind of login the request asked for. */
static int
login_acr(struct kalitd *d, struct oidc_login *res)
{
	if ((res->acr = oidc_acr(res->entry->acr, res->client.acr,
	    res->a.acr)) == 0)
		return KALIT_ERR_CERT_POLICY;
	res->hwk = oidc_hwk(d->cfg, res->entry);
	return KALIT_OK;
}

int
oidc_login_run(struct kalitd *d, struct state *st, const char *body,
    size_t len, const char *origin, const char *xlogin, const char *bind,
    const struct sockaddr *from, int64_t now, struct oidc_login *res)
{
	struct challenge_bind b;
	struct login_body lb;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&lb, 0, sizeof(lb));
	res->now = now;
	/* No form of another site sends this header, nor this Origin. */
	if (origin == NULL || strcmp(origin, d->cfg->public_origin) != 0 ||
	    xlogin == NULL || strcmp(xlogin, "1") != 0) {
		r = KALIT_ERR_ORIGIN;
		goto out;
	}
	if ((r = body_parse(body, len, &lb)) != KALIT_OK ||
	    (r = oidc_req_decode(d->reqkey, lb.r, lb.rlen, now, &res->a)) !=
	    KALIT_OK)
		goto out;
	if (bind == NULL || strcmp(bind, res->a.bind) != 0) {
		r = KALIT_ERR_BROWSER;
		goto out;
	}
	if ((r = session_client_get(d->session, res->a.client_id,
	    &res->client)) != KALIT_OK ||
	    (r = oidc_challenge_bind(&b, res->client.id, d->cfg->public_origin,
	    res->a.bind, lb.r, lb.rlen)) != KALIT_OK ||
	    (r = challenge_consume(d->challenges, lb.challenge,
	    lb.challenge_len, &b, from, now, &res->retry_after)) != KALIT_OK)
		goto out;
	if ((r = login_token(d, st, &lb, res)) != KALIT_OK || res->fetch)
		goto out;
	r = login_acr(d, res);
 out:
	body_clear(&lb);
	res->err = r;
	return r;
}

int
oidc_login_finish(struct kalitd *d, struct state *st, struct oidc_login *res)
{
	int r;

	res->fetch = 0;
	if ((r = login_cert_finish(st, res->entry, res->now)) == KALIT_OK)
		r = login_acr(d, res);
	res->err = r;
	return r;
}

void
oidc_login_clear(struct oidc_login *res)
{
	cert_entry_release(res->entry);
	OPENSSL_cleanse(res, sizeof(*res));
}

int
oidc_code(struct kalitd *d, const struct oidc_authz *a,
    const unsigned char key[SSO_KEY_LEN], const struct sso_view *v,
    int64_t now, char **urlp)
{
	struct code_grant g;
	char code[CODE_LEN + 1];
	int r;

	*urlp = NULL;
	memset(&g, 0, sizeof(g));
	g.req = *a;
	memcpy(g.session, key, SSO_KEY_LEN);
	memcpy(g.sid, v->sid, sizeof(g.sid));
	g.acr = v->acr;
	g.hwk = v->hwk;
	g.auth_time = v->auth_time;
	g.entry = v->entry;		/* codes_issue() takes a reference */
	if ((r = codes_issue(d->codes, &g, now + d->cfg->code_lifetime, now,
	    code)) != KALIT_OK)
		return r;
	if ((r = sso_note(d->sso, key, a->client_id, NULL, 0, now, NULL)) !=
	    KALIT_OK)
		log_msg(LOG_LEVEL_WARN, "session of client %s: %s",
		    a->client_id, kalit_errname(r));
	*urlp = oidc_url(a->redirect_uri, (const char *const[]){ "code", code,
	    "state", a->has_state ? a->state : NULL, "iss", d->cfg->issuer,
	    NULL });
	OPENSSL_cleanse(code, sizeof(code));
	return *urlp != NULL ? KALIT_OK : KALIT_ERR_NOMEM;
}

int
oidc_error_url(const struct config *cfg, const struct oidc_authz *a,
    const char *error, const char *desc, char **urlp)
{
	*urlp = oidc_url(a->redirect_uri, (const char *const[]){ "error",
	    error, "error_description", desc, "state", a->has_state ?
	    a->state : NULL, "iss", cfg->issuer, NULL });
	return *urlp != NULL ? KALIT_OK : KALIT_ERR_NOMEM;
}

int
oidc_pkce_ok(const char *challenge, const char *verifier)
{
	unsigned char md[32];
	char want[BASE64_URL_LEN(32) + 1];
	size_t n = strlen(verifier);

	if (n < 43 || n > 128 || strspn(verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~") != n)
		return 0;
	EVP_Digest(verifier, n, md, NULL, digest_sha256(), NULL);
	base64_url_encode(md, sizeof(md), want);
	return strlen(challenge) == strlen(want) &&
	    CRYPTO_memcmp(want, challenge, strlen(want)) == 0;
}

/* The "iss" of a JWS, before it is verified: which client's keys. */
static int
assertion_issuer(const char *jwt, char id[STORE_CLIENT_ID_MAX + 1])
{
	cjose_jws_t *jws;
	cjose_err err;
	uint8_t *pt;
	size_t ptlen;
	json_t *o = NULL;
	const char *iss;
	int r = KALIT_ERR_CLIENT_AUTH;

	if (strlen(jwt) > TOKEN_MAX_SIZE || (jws = cjose_jws_import(jwt,
	    strlen(jwt), &err)) == NULL)
		return KALIT_ERR_CLIENT_AUTH;
	if (cjose_jws_get_plaintext(jws, &pt, &ptlen, &err) &&
	    (o = json_loadb((const char *)pt, ptlen, JSON_REJECT_DUPLICATES,
	    NULL)) != NULL && (iss = json_string_value(json_object_get(o,
	    "iss"))) != NULL && strlen(iss) <= STORE_CLIENT_ID_MAX) {
		snprintf(id, STORE_CLIENT_ID_MAX + 1, "%s", iss);
		r = KALIT_OK;
	}
	json_decref(o);
	cjose_jws_release(jws);
	return r;
}

/* aud: the token endpoint's URL or the issuer, alone or in a list. */
static int
aud_ok(const struct config *cfg, json_t *aud)
{
	char *te;
	size_t i;
	int ok = 0;
	json_t *v;

	if (asprintf(&te, "%s/oidc/token", cfg->issuer) < 0)
		return 0;
	if (json_is_string(aud))
		ok = strcmp(json_string_value(aud), te) == 0 ||
		    strcmp(json_string_value(aud), cfg->issuer) == 0;
	else if (json_is_array(aud))
		json_array_foreach(aud, i, v)
			if (json_is_string(v) && (strcmp(json_string_value(v),
			    te) == 0 || strcmp(json_string_value(v),
			    cfg->issuer) == 0))
				ok = 1;
	free(te);
	return ok;
}

int
oidc_assertion_claims(struct kalitd *d, const char *client, json_t *claims,
    int64_t now, const char **whyp)
{
	const char *sub, *jti, *iss;
	json_int_t exp;
	int r;

	*whyp = "the client assertion's iss, sub, aud, exp or jti is wrong";
	if (json_unpack(claims, "{s:s, s:s, s:I, s:s}", "iss", &iss, "sub",
	    &sub, "exp", &exp, "jti", &jti) != 0 || strcmp(iss, client) != 0 ||
	    strcmp(sub, client) != 0 || !aud_ok(d->cfg, json_object_get(claims,
	    "aud")) || strlen(jti) == 0 || strlen(jti) > 256)
		return KALIT_ERR_CLIENT_AUTH;
	*whyp = "the client assertion has expired, or lives longer than "
	    "5 minutes";
	if (exp <= now || exp > now + OIDC_ASSERTION_SKEW)
		return KALIT_ERR_CLIENT_AUTH;
	*whyp = "the client assertion was used before (jti)";
	if ((r = codes_jti_use(d->codes, client, jti, exp, now)) != KALIT_OK)
		return r == KALIT_ERR_BUSY ? r : KALIT_ERR_CLIENT_AUTH;
	*whyp = NULL;
	return KALIT_OK;
}

int
oidc_assertion(struct kalitd *d, const char *id, const char *assertion,
    int64_t now, struct store_client *c, const char **whyp)
{
	char iss[STORE_CLIENT_ID_MAX + 1] = "", *jwks = NULL;
	json_t *claims = NULL;
	int r = KALIT_ERR_CLIENT_AUTH;

	*whyp = "the client assertion is malformed";
	if (assertion_issuer(assertion, iss) != KALIT_OK)
		goto out;
	*whyp = "the client assertion's iss is not the client";
	if ((id != NULL && strcmp(id, iss) != 0) ||
	    session_client_get(d->session, iss, c) != KALIT_OK ||
	    c->auth_method != STORE_AUTH_JWT ||
	    session_client_value(d->session, iss, STORE_CLIENT_JWKS,
	    &jwks) != KALIT_OK)
		goto out;
	*whyp = "the client assertion is not signed by a key of the client";
	if (token_verify_jwks(jwks, assertion, strlen(assertion), &claims) !=
	    KALIT_OK)
		goto out;
	r = oidc_assertion_claims(d, iss, claims, now, whyp);
 out:
	if (r == KALIT_ERR_CLIENT_AUTH)
		log_msg(LOG_LEVEL_INFO, "private_key_jwt of client %s: %s",
		    iss[0] != '\0' ? iss : "-", *whyp);
	json_decref(claims);
	free(jwks);
	return r;
}

/*
 * Signs claims (taken) with the header's typ into *jwtp; the claims'
 * text into *payloadp (may be NULL; caller frees).
 */
static int
sign_text(struct state *st, const char *typ, json_t *claims, char **jwtp,
    char **payloadp)
{
	char *payload;
	int r;

	*jwtp = NULL;
	if (claims == NULL)
		return KALIT_ERR_NOMEM;
	payload = json_dumps(claims, JSON_COMPACT);
	json_decref(claims);
	if (payload == NULL)
		return KALIT_ERR_NOMEM;
	r = token_sign_typ(st->keys, typ, payload, strlen(payload), jwtp);
	if (r == KALIT_OK && payloadp != NULL)
		*payloadp = payload;
	else
		free(payload);
	return r == KALIT_ERR_TOO_LARGE ? KALIT_ERR_INTERNAL : r;
}

static int
sign_typ(struct state *st, const char *typ, json_t *claims, char **jwtp)
{
	return sign_text(st, typ, claims, jwtp, NULL);
}

int
oidc_tokens(struct kalitd *d, struct state *st, const struct code_grant *g,
    int64_t now, char **answerp, struct code_token *t)
{
	struct idtoken_grant ig;
	char jti[IDTOKEN_JTI_LEN + 1], scope[64], *at = NULL, *id = NULL;
	char *claims = NULL;
	json_t *identity = NULL;
	int r;

	*answerp = NULL;
	memset(t, 0, sizeof(*t));
	if ((r = idtoken_jti(jti)) != KALIT_OK)
		return r;
	if ((identity = idtoken_identity(g->entry)) == NULL)
		return KALIT_ERR_NOMEM;
	memset(&ig, 0, sizeof(ig));
	ig.iss = d->cfg->issuer;
	ig.client = g->req.client_id;
	ig.now = now;
	ig.lifetime = d->cfg->token_lifetime;
	ig.auth_time = g->auth_time;
	ig.acr = g->acr;
	ig.hwk = g->hwk;
	ig.sid = g->sid;
	ig.scope = g->req.scope;
	ig.nonce = g->req.nonce;
	if ((r = sign_text(st, "JWT", idtoken_access(identity, &ig, jti), &at,
	    &claims)) != KALIT_OK || (r = sign_typ(st, "JWT",
	    idtoken_id(identity, &ig, at), &id)) != KALIT_OK)
		goto out;
	/* The access token's claims stay for its first use (userinfo). */
	session_token_remember(st->tokens, at, strlen(at), claims);
	idtoken_scope_text(g->req.scope, scope, sizeof(scope));
	/* JWS compact (base64url, dots) and scope words: nothing to escape */
	if (asprintf(answerp, "{\"access_token\":\"%s\",\"token_type\":"
	    "\"Bearer\",\"expires_in\":%lld,\"id_token\":\"%s\","
	    "\"scope\":\"%s\"}", at, (long long)d->cfg->token_lifetime, id,
	    scope) < 0) {
		*answerp = NULL;
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	snprintf(t->jti, sizeof(t->jti), "%s", jti);
	t->exp = now + d->cfg->token_lifetime;
	r = KALIT_OK;
 out:
	if (at != NULL)
		OPENSSL_clear_free(at, strlen(at));
	if (id != NULL)
		OPENSSL_clear_free(id, strlen(id));
	free(claims);
	json_decref(identity);
	return r;
}

void
oidc_ended(struct kalitd *d, struct state *st, const struct sso_ended *e,
    int64_t now)
{
	char *uri = NULL, *jwt = NULL;
	size_t i;

	for (i = 0; i < e->ntokens; i++)
		session_revoked_add(d->session, e->tokens[i].jti,
		    e->tokens[i].exp);
	for (i = 0; i < e->nclients; i++) {
		if (session_client_value(d->session, e->clients[i],
		    STORE_URI_BACKCHANNEL, &uri) != KALIT_OK)
			continue;
		if (sign_typ(st, "logout+jwt", idtoken_logout(d->cfg->issuer,
		    e->clients[i], e->sub, e->sid, now), &jwt) == KALIT_OK)
			bcl_send(d->bcl, e->clients[i], uri, jwt);
		else
			log_msg(LOG_LEVEL_ERROR, "logout token for client %s "
			    "not signed", e->clients[i]);
		free(jwt);
		jwt = NULL;
		free(uri);
		uri = NULL;
	}
}

int
oidc_revoke_store(struct store *s, const struct sso_ended *e)
{
	size_t i;
	int r;

	for (i = 0; e != NULL && i < e->ntokens; i++)
		if ((r = store_token_revoke(s, e->tokens[i].jti,
		    e->tokens[i].client, e->tokens[i].exp)) != KALIT_OK)
			return r;
	return KALIT_OK;
}

int
oidc_hint(struct kalitd *d, struct state *st, const char *hint,
    char client[STORE_CLIENT_ID_MAX + 1], char sid[SSO_SID_LEN + 1])
{
	json_t *claims = NULL;
	const char *iss, *aud, *s;
	int r = KALIT_ERR_TOKEN_INVALID;

	client[0] = sid[0] = '\0';
	/* expired hints too: a logout comes when the tokens have gone */
	if (hint == NULL || token_verify(st->keys, hint, strlen(hint),
	    &claims) != KALIT_OK)
		return KALIT_ERR_TOKEN_INVALID;
	if (json_unpack(claims, "{s:s, s:s, s:s}", "iss", &iss, "aud", &aud,
	    "sid", &s) == 0 && strcmp(iss, d->cfg->issuer) == 0 &&
	    json_object_get(claims, "at_hash") != NULL &&
	    strlen(aud) <= STORE_CLIENT_ID_MAX && strlen(s) <= SSO_SID_LEN) {
		snprintf(client, STORE_CLIENT_ID_MAX + 1, "%s", aud);
		snprintf(sid, SSO_SID_LEN + 1, "%s", s);
		r = KALIT_OK;
	}
	json_decref(claims);
	return r;
}
