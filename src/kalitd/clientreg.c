/* clientreg.c: checking what an OpenID Connect client registers */
#include "config.h"
#include "clientreg.h"
#include "err.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjose/cjose.h>
#include <curl/curl.h>
#include <jansson.h>

#define JWKS_KEYS_MAX	16

static const char *const auth_names[STORE_AUTH__MAX] = {
	"client_secret_basic", "client_secret_post", "private_key_jwt", "none"
};

int
clientreg_auth_parse(const char *name, int *methodp)
{
	int i;

	for (i = 0; i < STORE_AUTH__MAX; i++)
		if (strcmp(name, auth_names[i]) == 0) {
			*methodp = i;
			return KALIT_OK;
		}
	return KALIT_ERR_USAGE;
}

const char *
clientreg_auth_name(int method)
{
	return method >= 0 && method < STORE_AUTH__MAX ? auth_names[method] :
	    "?";
}

int
clientreg_scope_check(const char *scope, const char **whyp)
{
	const char *w = scope, *end, *o;
	size_t n, words = 0;

	for (; *w != '\0'; w = *end == ' ' ? end + 1 : end) {
		for (end = w; *end > 0x20 && *end < 0x7f && *end != '"' &&
		    *end != '\\'; end++)
			;
		n = (size_t)(end - w);
		if (n == 0 || n > CLIENTREG_SCOPE_MAX || (*end != ' ' &&
		    *end != '\0') || (*end == ' ' && end[1] == '\0'))
			goto bad;
		if (++words > CLIENTREG_SCOPES_MAX) {
			if (whyp != NULL)
				*whyp = "a scope has at most 16 words";
			return KALIT_ERR_USAGE;
		}
		for (o = scope; o < w; o += strcspn(o, " ") + 1)
			if (strncmp(o, w, n) == 0 && (o[n] == ' ' ||
			    o[n] == '\0')) {
				if (whyp != NULL)
					*whyp = "a scope names a word twice";
				return KALIT_ERR_USAGE;
			}
	}
	if (words > 0)
		return KALIT_OK;
 bad:
	if (whyp != NULL)
		*whyp = "a scope is words of 1 to 64 printable ASCII "
		    "characters but \" and \\, one space apart";
	return KALIT_ERR_USAGE;
}

/* 1 for a host a browser on this machine reaches without TLS. */
static int
loopback_host(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 ||
	    strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0;
}

int
clientreg_uri_check(const char *uri, const char **whyp)
{
	const char *why = NULL;
	char *scheme = NULL, *host = NULL, *user = NULL, *frag = NULL;
	CURLU *u = NULL;
	size_t i, n = strlen(uri);

	for (i = 0; i < n && why == NULL; i++)
		if (uri[i] <= 0x20 || uri[i] >= 0x7f)
			why = "a URI is printable ASCII without spaces";
	if (why == NULL && (n == 0 || n > STORE_URI_MAX))
		why = "a URI is 1 to 2048 bytes";
	/* A fragment never reaches the server: nothing could match it. */
	if (why == NULL && strchr(uri, '#') != NULL)
		why = "a URI has no fragment (#...)";
	if (why == NULL && ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, uri, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK))
		why = "not an absolute URI (scheme://host/...)";
	if (why == NULL && (curl_url_get(u, CURLUPART_USER, &user, 0) ==
	    CURLUE_OK || curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) ==
	    CURLUE_OK))
		why = "a URI has no user, password or fragment";
	if (why == NULL && strcmp(scheme, "https") != 0 &&
	    !(strcmp(scheme, "http") == 0 && loopback_host(host)))
		why = "a URI is https (http only on 127.0.0.1, localhost or "
		    "[::1])";
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(frag);
	curl_url_cleanup(u);
	if (whyp != NULL)
		*whyp = why;
	return why == NULL ? KALIT_OK : KALIT_ERR_USAGE;
}

int
clientreg_jwks_check(const char *json, size_t len, const char **whyp)
{
	const char *why = NULL;
	json_t *o = NULL, *keys, *k;
	cjose_jwk_t *jwk;
	cjose_err err;
	char *text;
	size_t i;

	if (len > STORE_JWKS_MAX)
		why = "the JWKS is larger than 16384 bytes";
	else if ((o = json_loadb(json, len, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL || !json_is_object(o) ||
	    !json_is_array(keys = json_object_get(o, "keys")) ||
	    json_array_size(keys) == 0 ||
	    json_array_size(keys) > JWKS_KEYS_MAX)
		why = "the JWKS is not {\"keys\": [1 to 16 keys]}";
	for (i = 0; why == NULL && i < json_array_size(keys); i++) {
		k = json_array_get(keys, i);
		if (!json_is_object(k) || json_object_get(k, "d") != NULL) {
			why = "a JWKS key is not a public key";
			break;
		}
		if ((text = json_dumps(k, JSON_COMPACT)) == NULL) {
			why = "out of memory";
			break;
		}
		memset(&err, 0, sizeof(err));
		if ((jwk = cjose_jwk_import(text, strlen(text), &err)) ==
		    NULL)
			why = "a JWKS key is not a key cjose takes (EC or RSA)";
		else if (cjose_jwk_get_kty(jwk, &err) != CJOSE_JWK_KTY_EC &&
		    cjose_jwk_get_kty(jwk, &err) != CJOSE_JWK_KTY_RSA)
			why = "a JWKS key is neither EC nor RSA";
		cjose_jwk_release(jwk);
		free(text);
	}
	json_decref(o);
	if (whyp != NULL)
		*whyp = why;
	return why == NULL ? KALIT_OK : KALIT_ERR_USAGE;
}
