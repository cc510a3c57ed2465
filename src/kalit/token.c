/*
 * token.c: kalit token: an OAuth 2.0 access token for an agency's system,
 * by the client credentials grant with a client assertion signed by the
 * key file's key (RFC 6749 section 4.4, RFC 7523)
 */
#include "config.h"

#include "kalit.h"
#include "assertion.h"
#include "err.h"
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
	int64_t		 now;
};

/* One field of an application/x-www-form-urlencoded body. */
struct field {
	const char	*name;		/* as it is: no character to escape */
	const char	*value;
};

/*
 * The token endpoint the server's discovery document names (OpenID
 * Connect Discovery 1.0), into t->endpoint: an http:// or https:// URL,
 * https:// when --server is.
 */
static int
token_discover(struct token *t)
{
	char url[KALIT_URL_MAX + sizeof(TOKEN_DISCOVERY)];
	json_t *doc = NULL;
	const char *te;
	int r;

	snprintf(url, sizeof(url), "%s%s", t->base, TOKEN_DISCOVERY);
	if ((r = kalit_request(t->o, "token", url, NULL, NULL, &doc)) !=
	    KALIT_OK)
		return r;
	te = json_string_value(json_object_get(doc, "token_endpoint"));
	if (te == NULL || !kalit_http_url(te, sizeof(t->endpoint) - 1) ||
	    (strncasecmp(t->base, "https:", 6) == 0 &&
	    strncasecmp(te, "https:", 6) != 0)) {
		r = KALIT_ERR_SERVER;
		fprintf(stderr, "kalit: %s: %s: no token_endpoint, or not an "
		    "http:// or https:// URL (https:// for an https:// "
		    "server)\n", kalit_errname(r), url);
	} else {
		memcpy(t->endpoint, te, strlen(te) + 1);
		log_msg(LOG_LEVEL_DEBUG, "token endpoint %s", t->endpoint);
	}
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

/* POSTs the client credentials grant; *answerp as kalit_request(). */
static int
token_post(const struct token *t, json_t **answerp)
{
	struct field f[TOKEN_FIELDS_MAX] = {
		{ "grant_type", "client_credentials" },
		{ "client_id", t->o->client },
		{ "client_assertion_type",
		    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" },
		{ "client_assertion", NULL },
	};
	size_t n = 4;
	char *jws = NULL, *body = NULL;
	int r;

	*answerp = NULL;
	if ((r = assertion_new(t->key, t->cert, t->chain, t->o->client,
	    t->endpoint, t->now, &jws)) != KALIT_OK)
		return kalit_fail(r, "signing the client assertion");
	f[3].value = jws;
	if (t->o->scope != NULL)
		f[n++] = (struct field){ "scope", t->o->scope };
	if (t->o->audience != NULL)	/* RFC 8707 */
		f[n++] = (struct field){ "resource", t->o->audience };
	if ((body = token_form(f, n)) == NULL)
		r = kalit_fail(KALIT_ERR_NOMEM, NULL);
	else
		r = kalit_request(t->o, "token", t->endpoint,
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

int
cmd_token(const struct kalit_opts *o)
{
	struct token t;
	int r;

	memset(&t, 0, sizeof(t));
	t.o = o;
	if ((r = kalit_server_base(o, t.base)) != KALIT_OK)
		return r;
	/* The key first: it names the cache file, and no prompt waits later. */
	if ((r = kalit_load_key(o, &t.key, &t.cert, &t.chain)) != KALIT_OK)
		goto out;
	if (assertion_alg(t.key) == NULL) {
		r = KALIT_ERR_KEY_UNSUPPORTED;
		fprintf(stderr, "kalit: %s: %s: a client assertion is signed "
		    "with an RSA key or an EC key on P-256, P-384 or P-521; "
		    "ask the CA for such a key file\n", kalit_errname(r),
		    o->key);
	} else
		r = token_run(&t);
 out:
	EVP_PKEY_free(t.key);
	X509_free(t.cert);
	sk_X509_pop_free(t.chain, X509_free);
	return r;
}
