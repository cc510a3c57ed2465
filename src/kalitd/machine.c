/* machine.c: client credentials for agencies' information systems */
#include "config.h"
#include "machine.h"
#include "apierr.h"
#include "base64.h"
#include "clientreg.h"
#include "err.h"
#include "jws.h"
#include "log.h"
#include "login.h"
#include "login_text.h"
#include "oidc.h"
#include "rand.h"
#include "session.h"
#include "token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* g refused with error and why (copied into g); returns r. */
static int
refuse(struct machine_grant *g, int r, const char *error, const char *what,
    const char *why)
{
	g->err = r;
	/* Fail closed, but say it may pass later. */
	g->error = r == KALIT_ERR_BUSY || r == KALIT_ERR_REVOCATION_UNKNOWN ?
	    "temporarily_unavailable" : error;
	snprintf(g->desc, sizeof(g->desc), "%s%s%s", what != NULL ? what : "",
	    what != NULL ? ": " : "", why);
	g->why = g->desc;
	log_msg(LOG_LEVEL_INFO, "client credentials (client %s, serial %s): "
	    "%s: %s", g->client.id[0] != '\0' ? g->client.id : "-",
	    g->serial[0] != '\0' ? g->serial : "-", g->error, g->desc);
	return r;
}

/* The client the verified claims' iss names: a system's, id's if given. */
static int
assertion_client(struct kalitd *d, const char *id, json_t *claims,
    struct store_client *c)
{
	const char *iss = json_string_value(json_object_get(claims, "iss"));

	if (iss == NULL || (id != NULL && strcmp(id, iss) != 0) ||
	    session_client_get(d->session, iss, c) != KALIT_OK)
		return KALIT_ERR_CLIENT_AUTH;
	if (c->acr != STORE_ACR_SYSTEM) {
		memset(c, 0, sizeof(*c));
		return KALIT_ERR_CLIENT_AUTH;
	}
	return KALIT_OK;
}

/* NULL when e names the organisation (TIN) and system (CN) c registered. */
static const char *
identity_mismatch(struct kalitd *d, const struct store_client *c,
    const struct cert_entry *e)
{
	char *tin = NULL, *name = NULL;
	const char *why = NULL;
	int r;

	if (session_client_value(d->session, c->id, STORE_CLIENT_TIN, &tin) !=
	    KALIT_OK || strcmp(tin, e->tin) != 0)
		why = "the certificate names another organisation (TIN) than "
		    "the client's";
	else if ((r = session_client_value(d->session, c->id,
	    STORE_CLIENT_SYSTEM, &name)) == KALIT_OK ?
	    strcmp(name, e->name) != 0 : r != KALIT_ERR_NOT_FOUND)
		why = "the certificate names another system (CN) than the "
		    "client's";
	free(tin);
	free(name);
	return why;
}

/*
 * The certificate of g->client, cert with extra path candidates: checked
 * as a login's, then as naming the client's organisation and system.
 */
static int
cert_auth(struct kalitd *d, struct state *st, X509 *cert,
    STACK_OF(X509) *extra, struct machine_grant *g)
{
	const char *why;
	unsigned int acr;
	int r;

	if ((r = login_cert(d, st, cert, extra, &g->client, g->now,
	    &g->entry, &acr, &g->fetch)) != KALIT_OK)
		return refuse(g, r, "invalid_client", "the client's "
		    "certificate", apierr_code(r));
	if ((why = identity_mismatch(d, &g->client, g->entry)) != NULL)
		return refuse(g, KALIT_ERR_CLIENT_AUTH, "invalid_client", NULL,
		    why);
	return KALIT_OK;
}

/* private_key_jwt: the assertion, its x5c, its claims, its certificate. */
static int
assertion_auth(struct kalitd *d, struct state *st,
    const struct machine_request *mr, struct machine_grant *g)
{
	struct cms_certs certs = { certcache_resolve, st->cache };
	struct jws_x5c j;
	const char *why;
	int r;

	if ((r = jws_x5c_verify(mr->assertion, strlen(mr->assertion), &certs,
	    &j, &why)) != KALIT_OK)
		return refuse(g, r == KALIT_ERR_NOMEM ? r :
		    KALIT_ERR_CLIENT_AUTH, "invalid_client",
		    "the client assertion", why);
	(void)x509_serial_hex(j.cert, g->serial, sizeof(g->serial));
	if ((r = assertion_client(d, mr->client_id, j.claims, &g->client)) !=
	    KALIT_OK)
		r = refuse(g, r, "invalid_client", NULL, "the client "
		    "assertion's iss is no information system's client, or "
		    "not client_id");
	else if ((r = oidc_assertion_claims(d, g->client.id, j.claims, g->now,
	    &why)) != KALIT_OK)
		r = refuse(g, r, "invalid_client", NULL, why);
	else
		r = cert_auth(d, st, j.cert, j.extra, g);
	jws_x5c_clear(&j);
	return r;
}

/*
 * tls_client_auth (RFC 8705 2.1): client_id a system's client, the
 * connection's certificate its credential; the token is bound to it.
 */
static int
tls_auth(struct kalitd *d, struct state *st, const struct machine_request *mr,
    struct machine_grant *g)
{
	unsigned char hash[CERTMAP_HASH];
	int r;

	(void)x509_serial_hex(mr->tls_cert, g->serial, sizeof(g->serial));
	if (mr->client_id == NULL || session_client_get(d->session,
	    mr->client_id, &g->client) != KALIT_OK ||
	    g->client.acr != STORE_ACR_SYSTEM) {
		memset(&g->client, 0, sizeof(g->client));
		return refuse(g, KALIT_ERR_CLIENT_AUTH, "invalid_client", NULL,
		    "tls_client_auth: client_id is missing or no information "
		    "system's client");
	}
	if ((r = certcache_hash(mr->tls_cert, hash)) != KALIT_OK)
		return refuse(g, r, "server_error", NULL, "out of memory");
	base64_url_encode(hash, sizeof(hash), g->cnf);
	return cert_auth(d, st, mr->tls_cert, mr->tls_chain, g);
}

int
machine_finish(struct state *st, struct machine_grant *g)
{
	int r;

	if (!g->fetch)
		return g->err;
	g->fetch = 0;
	if ((r = login_cert_finish(st, g->entry, g->now)) != KALIT_OK)
		return refuse(g, r, "invalid_client", "the client's "
		    "certificate", apierr_code(r));
	return g->err;
}

/* The scope granted to client id for scope (NULL: all it registered). */
static int
granted_scope(struct kalitd *d, struct machine_grant *g, const char *scope,
    char **grantedp)
{
	char word[CLIENTREG_SCOPE_MAX + 1];
	const char *w, *why;
	size_t n;

	*grantedp = NULL;
	if (scope == NULL)
		return session_client_values(d->session, g->client.id,
		    STORE_CLIENT_SCOPE, grantedp, NULL) == KALIT_OK ? KALIT_OK :
		    refuse(g, KALIT_ERR_USAGE, "invalid_scope", NULL,
		    "the client registered no scope");
	if (clientreg_scope_check(scope, &why) != KALIT_OK)
		return refuse(g, KALIT_ERR_USAGE, "invalid_scope", "scope",
		    why);
	for (w = scope; *w != '\0'; w += n + (w[n] == ' ')) {
		n = strcspn(w, " ");
		memcpy(word, w, n);
		word[n] = '\0';
		if (!session_client_uri_ok(d->session, g->client.id,
		    STORE_CLIENT_SCOPE, word))
			return refuse(g, KALIT_ERR_USAGE, "invalid_scope", NULL,
			    "a scope the client did not register");
	}
	return (*grantedp = strdup(scope)) != NULL ? KALIT_OK :
	    KALIT_ERR_NOMEM;
}

/* The API the token is for: resource, or the client's one registered. */
static int
audience(struct kalitd *d, struct machine_grant *g, const char *resource,
    char **audp)
{
	char *one = NULL;
	size_t n = 0;
	int r;

	*audp = NULL;
	if (resource != NULL)
		return session_client_uri_ok(d->session, g->client.id,
		    STORE_URI_AUDIENCE, resource) ? login_text_string(resource,
		    audp) : refuse(g, KALIT_ERR_USAGE, "invalid_target", NULL,
		    "resource is not an API registered for the client");
	if (session_client_values(d->session, g->client.id,
	    STORE_URI_AUDIENCE, &one, &n) != KALIT_OK || n != 1) {
		free(one);
		return refuse(g, KALIT_ERR_USAGE, "invalid_target", NULL,
		    "resource is missing, and the client registered several "
		    "APIs: name one");
	}
	r = login_text_string(one, audp);
	free(one);
	return r;
}

int
machine_run(struct kalitd *d, struct state *st,
    const struct machine_request *mr, int64_t now, struct machine_grant *g)
{
	int r;

	memset(g, 0, sizeof(*g));
	g->now = now;
	if (mr->assertion != NULL)
		r = assertion_auth(d, st, mr, g);
	else if (mr->tls_cert != NULL)
		r = tls_auth(d, st, mr, g);
	else
		r = refuse(g, KALIT_ERR_CLIENT_AUTH, "invalid_client", NULL,
		    "client_credentials: the system authenticates with its "
		    "certificate: a client_assertion with x5c "
		    "(private_key_jwt), or on the mTLS port (tls_client_auth)");
	if (r == KALIT_OK && (r = granted_scope(d, g, mr->scope, &g->scope)) ==
	    KALIT_OK)
		r = audience(d, g, mr->resource, &g->aud);
	if (r == KALIT_ERR_NOMEM)
		(void)refuse(g, r, "server_error", NULL, "out of memory");
	return g->err = r;
}

int
machine_token(struct kalitd *d, struct state *st,
    const struct machine_grant *g, char **answerp, struct code_token *t)
{
	char jti[RAND_ID_LEN + 1], *payload = NULL, *jwt = NULL;
	int64_t exp = g->now + d->cfg->token_lifetime;
	int r, n;

	*answerp = NULL;
	memset(t, 0, sizeof(*t));
	if ((r = rand_id(jti)) != KALIT_OK)
		return r;
	/*
	 * RFC 9068 section 2.2: the system is the subject. The certificate's
	 * claims are cached JSON text; the client id, scope words and jti
	 * need no escaping; aud was escaped by jansson.
	 */
	if ((n = asprintf(&payload, "{%s,\"iss\":%s,\"sub\":\"%s\","
	    "\"client_id\":\"%s\",\"aud\":%s,\"scope\":\"%s\",\"iat\":%lld,"
	    "\"nbf\":%lld,\"exp\":%lld,\"jti\":\"%s\"%s%s%s}",
	    g->entry->text.claims, certcache_issuer(st->cache), g->client.id,
	    g->client.id, g->aud, g->scope, (long long)g->now,
	    (long long)g->now, (long long)exp, jti, g->cnf[0] != '\0' ?
	    ",\"cnf\":{\"x5t#S256\":\"" : "", g->cnf, g->cnf[0] != '\0' ?
	    "\"}" : "")) < 0)
		return KALIT_ERR_NOMEM;
	if ((r = token_sign_typ(st->keys, "at+jwt", payload, (size_t)n,
	    &jwt)) != KALIT_OK) {
		if (r == KALIT_ERR_TOO_LARGE)	/* our claims, not the request */
			r = KALIT_ERR_INTERNAL;
		goto out;
	}
	/* Introspection by the API reads the claims without a verification. */
	session_token_remember(st->tokens, jwt, strlen(jwt), payload);
	if (asprintf(answerp, "{\"access_token\":\"%s\",\"token_type\":"
	    "\"Bearer\",\"expires_in\":%lld,\"scope\":\"%s\"}", jwt,
	    (long long)d->cfg->token_lifetime, g->scope) < 0) {
		*answerp = NULL;
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	snprintf(t->jti, sizeof(t->jti), "%s", jti);
	t->exp = exp;
 out:
	if (jwt != NULL)
		OPENSSL_clear_free(jwt, strlen(jwt));
	free(payload);
	return r;
}

void
machine_grant_clear(struct machine_grant *g)
{
	cert_entry_release(g->entry);
	free(g->scope);
	free(g->aud);
	g->entry = NULL;
	g->scope = g->aud = NULL;
}
