/*
 * token.c: kalit token: an OAuth 2.0 access token for an agency's system,
 * by the client credentials grant with a client assertion signed by the
 * key file's key (RFC 6749 section 4.4, RFC 7523), or with --mtls by the
 * key file's certificate shown over TLS, the token bound to it (RFC 8705)
 */
#include "config.h"

#include "kalit.h"
#include "assertion.h"
#include "err.h"
#include "fetch.h"
#include "keyfile.h"
#include "log.h"
#include "tokencache.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#define TOKEN_DISCOVERY		"/.well-known/openid-configuration"
#define TOKEN_FIELDS_MAX	6

struct token {
	const struct kalit_opts *o;
	char		 base[KALIT_URL_MAX];	/* --server less one '/' */
	char		 endpoint[KALIT_URL_MAX];	/* discovery's */
	char		 cache[PATH_MAX];	/* its directory, or "" */
	char		 name[TOKENCACHE_NAME_LEN + 1];	/* cache file */
	EVP_PKEY	*key;
	X509		*cert;
	STACK_OF(X509)	*chain;
	STACK_OF(X509)	*path;		/* --mtls: chain's, borrowed from it */
	struct fetch_cert tls;		/* --mtls: key, cert and path */
	int64_t		 now;
};

/* One field of an application/x-www-form-urlencoded body. */
struct field {
	const char	*name;		/* as it is: no character to escape */
	const char	*value;
};

/*
 * The token endpoint of doc, the discovery document at url, into
 * t->endpoint: its token_endpoint (OpenID Connect Discovery 1.0), an
 * http:// or https:// URL, https:// when --server is; with --mtls its
 * mtls_endpoint_aliases' (RFC 8705 section 5), https:// always.
 */
static int
token_endpoint_of(struct token *t, const char *url, const json_t *doc)
{
	const json_t *in = t->o->mtls ?
	    json_object_get(doc, "mtls_endpoint_aliases") : doc;
	const char *te = json_string_value(json_object_get(in,
	    "token_endpoint"));
	int https = t->o->mtls || strncasecmp(t->base, "https:", 6) == 0;

	if (te == NULL && t->o->mtls) {
		fprintf(stderr, "kalit: %s: %s: the server has no mTLS port "
		    "([server] mtls_port): no mtls_endpoint_aliases "
		    "token_endpoint; ask its operators to set mtls_port, or "
		    "leave --mtls out for a token not bound to the "
		    "certificate\n", kalit_errname(KALIT_ERR_SERVER), url);
		return KALIT_ERR_SERVER;
	}
	if (te == NULL || !kalit_http_url(te, sizeof(t->endpoint) - 1) ||
	    (https && strncasecmp(te, "https:", 6) != 0)) {
		fprintf(stderr, "kalit: %s: %s: no %stoken_endpoint, or not "
		    "%s\n", kalit_errname(KALIT_ERR_SERVER), url, t->o->mtls ?
		    "mtls_endpoint_aliases " : "", t->o->mtls ?
		    "an https:// URL" : "an http:// or https:// URL (https:// "
		    "for an https:// server)");
		return KALIT_ERR_SERVER;
	}
	memcpy(t->endpoint, te, strlen(te) + 1);
	log_msg(LOG_LEVEL_DEBUG, "token endpoint %s", t->endpoint);
	return KALIT_OK;
}

/* Reads the server's discovery document for its token endpoint. */
static int
token_discover(struct token *t)
{
	char url[KALIT_URL_MAX + sizeof(TOKEN_DISCOVERY)];
	json_t *doc = NULL;
	int r;

	snprintf(url, sizeof(url), "%s%s", t->base, TOKEN_DISCOVERY);
	if ((r = kalit_request(t->o, "token", url, NULL, NULL, NULL, &doc)) ==
	    KALIT_OK)
		r = token_endpoint_of(t, url, doc);
	json_decref(doc);
	return r;
}

/*
 * The n fields as a form, each value percent-encoded; NULL when out of
 * memory. Caller wipes and frees it with free().
 */
static char *
token_form(const struct field *f, size_t n)
{
	char *esc[TOKEN_FIELDS_MAX] = { NULL }, *body = NULL;
	size_t i, len = 1, at = 0;

	for (i = 0; i < n; i++) {
		/* Since curl 7.82 the handle is not used: NULL will do. */
		if ((esc[i] = curl_easy_escape(NULL, f[i].value, 0)) == NULL)
			goto out;
		len += strlen(f[i].name) + strlen(esc[i]) + 2;
	}
	if ((body = malloc(len)) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		at += (size_t)snprintf(body + at, len - at, "%s%s=%s",
		    i > 0 ? "&" : "", f[i].name, esc[i]);
 out:
	for (i = 0; i < n && esc[i] != NULL; i++) {
		OPENSSL_cleanse(esc[i], strlen(esc[i]));
		curl_free(esc[i]);
	}
	return body;
}

/*
 * POSTs the client credentials grant, the client authenticated by a
 * client assertion or, with --mtls, by the TLS client certificate
 * (tls_client_auth); *answerp as kalit_request().
 */
static int
token_post(const struct token *t, json_t **answerp)
{
	struct field f[TOKEN_FIELDS_MAX] = {
		{ "grant_type", "client_credentials" },
		{ "client_id", t->o->client },
	};
	size_t n = 2;
	char *jws = NULL, *body = NULL;
	int r;

	*answerp = NULL;
	if (!t->o->mtls) {
		if ((r = assertion_new(t->key, t->cert, t->chain,
		    t->o->client, t->endpoint, t->now, &jws)) != KALIT_OK)
			return kalit_fail(r, "signing the client assertion");
		f[n++] = (struct field){ "client_assertion_type",
		    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" };
		f[n++] = (struct field){ "client_assertion", jws };
	}
	if (t->o->scope != NULL)
		f[n++] = (struct field){ "scope", t->o->scope };
	if (t->o->audience != NULL)	/* RFC 8707 */
		f[n++] = (struct field){ "resource", t->o->audience };
	if ((body = token_form(f, n)) == NULL)
		r = kalit_fail(KALIT_ERR_NOMEM, NULL);
	else
		r = kalit_request(t->o, "token", t->endpoint,
		    t->o->mtls ? &t->tls : NULL,
		    "application/x-www-form-urlencoded", body, answerp);
	if (body != NULL)
		OPENSSL_cleanse(body, strlen(body));
	free(body);
	assertion_free(jws);
	return r;
}

/*
 * Asks the server for a token: on KALIT_OK *answerp is its answer with
 * expires_at (new reference). Reports failures.
 */
static int
token_fetch(struct token *t, json_t **answerp)
{
	json_t *a = NULL;
	int r;

	*answerp = NULL;
	if ((r = token_discover(t)) != KALIT_OK ||
	    (r = token_post(t, &a)) != KALIT_OK)
		return r;
	if (!tokencache_answer_ok(a)) {
		r = KALIT_ERR_SERVER;
		fprintf(stderr, "kalit: %s: %s: not a token answer "
		    "(access_token, token_type Bearer, expires_in)\n",
		    kalit_errname(r), t->endpoint);
	} else if (json_object_set_new(a, "expires_at", json_integer(t->now +
	    json_integer_value(json_object_get(a, "expires_in")))) != 0)
		r = kalit_fail(KALIT_ERR_NOMEM, NULL);
	else {
		*answerp = a;
		a = NULL;
	}
	json_decref(a);
	return r;
}

/* Prints the token, or with --json the answer and whether it was cached. */
static int
token_print(const struct token *t, json_t *answer, int cached)
{
	const char *tok;

	if (t->o->json) {
		if (json_object_set_new(answer, "cached",
		    json_boolean(cached)) != 0)
			return kalit_fail(KALIT_ERR_NOMEM, NULL);
		return kalit_print_json(answer);
	}
	tok = json_string_value(json_object_get(answer, "access_token"));
	if (puts(tok) == EOF)
		return kalit_fail(KALIT_ERR_IO, "standard output");
	return KALIT_OK;
}

/* The cache's directory and file for this request, unless --no-cache. */
static void
token_cache_open(struct token *t)
{
	struct tokencache_key k;

	if (!t->o->cache)
		return;
	memset(&k, 0, sizeof(k));
	k.server = t->base;
	k.client = t->o->client;
	k.scope = t->o->scope;
	k.audience = t->o->audience;
	k.cert = t->cert;
	k.mtls = t->o->mtls;
	if (tokencache_dir(t->cache, sizeof(t->cache)) != KALIT_OK ||
	    tokencache_name(&k, t->name) != KALIT_OK) {
		log_msg(LOG_LEVEL_WARN, "token cache not used");
		t->cache[0] = '\0';
	}
}

/* A fresh token from the cache, or else from the server, printed. */
static int
token_run(struct token *t)
{
	json_t *answer = NULL;
	int r;

	t->now = (int64_t)time(NULL);
	token_cache_open(t);
	if (t->cache[0] != '\0' && tokencache_get(t->cache, t->name, t->now,
	    &answer) == KALIT_OK) {
		log_msg(LOG_LEVEL_DEBUG, "token from the cache, %s/%s",
		    t->cache, t->name);
		r = token_print(t, answer, 1);
		goto out;
	}
	if ((r = token_fetch(t, &answer)) != KALIT_OK)
		goto out;
	if (t->cache[0] != '\0' && tokencache_put(t->cache, t->name,
	    answer) != KALIT_OK)
		log_msg(LOG_LEVEL_WARN, "token cache %s: the token could not "
		    "be kept", t->cache);
	r = token_print(t, answer, 0);
 out:
	json_decref(answer);
	return r;
}

/*
 * With --mtls, before the password is asked for: the key file's key goes
 * to libcurl's OpenSSL, which no other TLS library of libcurl's could
 * take.
 */
static int
token_tls_supported(void)
{
	const char *version;

	if (fetch_cert_supported(&version))
		return KALIT_OK;
	fprintf(stderr, "kalit: %s: --mtls: libcurl's TLS is %s, not OpenSSL "
	    "%u: kalit gives the key file's key to libcurl's OpenSSL only; "
	    "install kalit built with libcurl on OpenSSL "
	    "(libcurl4-openssl-dev), or leave --mtls out\n",
	    kalit_errname(KALIT_ERR_INTERNAL), version,
	    OPENSSL_version_major());
	return KALIT_ERR_INTERNAL;
}

/*
 * What the client authenticates with, checked before any request: the
 * key file's certificate and its path for --mtls, else a key a client
 * assertion can be signed with.
 */
static int
token_credentials(struct token *t)
{
	int r;

	if (t->o->mtls) {
		if ((r = keyfile_path(t->cert, t->chain,
		    ASSERTION_CHAIN_MAX - 1, &t->path)) != KALIT_OK)
			return kalit_fail(r, t->o->key);
		t->tls.key = t->key;
		t->tls.cert = t->cert;
		t->tls.chain = t->path;
		return KALIT_OK;
	}
	if (assertion_alg(t->key) == NULL) {
		fprintf(stderr, "kalit: %s: %s: a client assertion is signed "
		    "with an RSA key or an EC key on P-256, P-384 or P-521; "
		    "ask the CA for such a key file\n",
		    kalit_errname(KALIT_ERR_KEY_UNSUPPORTED), t->o->key);
		return KALIT_ERR_KEY_UNSUPPORTED;
	}
	return KALIT_OK;
}

int
cmd_token(const struct kalit_opts *o)
{
	struct token t;
	int r;

	memset(&t, 0, sizeof(t));
	t.o = o;
	if ((r = kalit_server_base(o, t.base)) != KALIT_OK ||
	    (o->mtls && (r = token_tls_supported()) != KALIT_OK))
		return r;
	/* The key first: it names the cache file, and no prompt waits later. */
	if ((r = kalit_load_key(o, &t.key, &t.cert, &t.chain)) == KALIT_OK &&
	    (r = token_credentials(&t)) == KALIT_OK)
		r = token_run(&t);
	sk_X509_free(t.path);
	EVP_PKEY_free(t.key);
	X509_free(t.cert);
	sk_X509_pop_free(t.chain, X509_free);
	return r;
}
