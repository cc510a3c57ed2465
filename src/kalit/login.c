/* login.c: kalit login: sign kalitd's challenge with a key file, get a token */
#include "config.h"

#include "kalit.h"
#include "base64.h"
#include "cms.h"
#include "err.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define LOGIN_CHALLENGE_MAX	1024		/* bytes; kalitd sends 80 */

struct login {
	const struct kalit_opts *o;
	char		 base[KALIT_URL_MAX];	/* --server less one '/' */
	EVP_PKEY	*key;
	X509		*cert;
};

/*
 * POSTs the JSON body to the server's path; kalit_request() says the
 * rest.
 */
static int
login_post(const struct login *l, const char *path, const char *body,
    json_t **answerp)
{
	char url[KALIT_URL_MAX + 32];

	snprintf(url, sizeof(url), "%s%s", l->base, path);
	return kalit_request(l->o, "login", url, NULL, "application/json",
	    body, answerp);
}

/*
 * Asks for a challenge bound to the client logged in to; on KALIT_OK
 * *challengep is a new string (free()).
 */
static int
login_challenge(const struct login *l, char **challengep)
{
	json_t *req, *answer = NULL, *c;
	char *body = NULL;
	int r;

	*challengep = NULL;
	if ((req = json_pack("{s:s}", "client_id", l->o->client)) != NULL)
		body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (body == NULL)
		return kalit_fail(KALIT_ERR_NOMEM, NULL);
	r = login_post(l, "/v1/challenge", body, &answer);
	kalit_json_free(body);
	if (r != KALIT_OK)
		return r;
	c = json_object_get(answer, "challenge");
	if (!json_is_string(c) || !kalit_chars(json_string_value(c),
	    json_string_length(c), LOGIN_CHALLENGE_MAX,
	    KALIT_B64URL "+/=.~")) {
		r = KALIT_ERR_SERVER;
		fprintf(stderr, "kalit: %s: %s/v1/challenge: no challenge in "
		    "the answer\n", kalit_errname(r), l->base);
	} else if ((*challengep = strdup(json_string_value(c))) == NULL)
		r = kalit_fail(KALIT_ERR_NOMEM, NULL);
	json_decref(answer);
	return r;
}

/*
 * Signs the challenge as attached CMS; on KALIT_OK *b64p is its DER in
 * standard base64 without line breaks (caller frees with free()).
 */
static int
login_sign(const struct login *l, const char *challenge, char **b64p)
{
	unsigned char *der = NULL;
	size_t len = 0;
	char *b64 = NULL;
	int r;

	*b64p = NULL;
	/*
	 * The signer's certificate only: kalitd judges it with its own
	 * trust directory, and each extra certificate is bytes to send,
	 * decode and hash on every login.
	 */
	r = cms_sign_attached(l->key, l->cert, NULL, challenge,
	    strlen(challenge), &der, &len);
	if (r != KALIT_OK) {
		kalit_fail(r, "signing the challenge");
		goto out;
	}
	if (len > CMS_LOGIN_MAX) {
		r = kalit_fail(KALIT_ERR_TOO_LARGE, "the signed challenge "
		    "(too many certificates in the key file?)");
		goto out;
	}
	if ((b64 = malloc(BASE64_LEN(len) + 1)) == NULL) {
		r = kalit_fail(KALIT_ERR_NOMEM, NULL);
		goto out;
	}
	base64_encode(der, len, b64);
	log_msg(LOG_LEVEL_DEBUG, "signed the challenge: %zu bytes of CMS", len);
	*b64p = b64;
	r = KALIT_OK;
 out:
	OPENSSL_free(der);
	return r;
}

/* Writes "  name: value" with value as text or compact JSON, escaped. */
static void
login_put_claim(const char *name, const json_t *v)
{
	char *s;

	fputs("  ", stdout);
	kalit_put_safe(stdout, name, strlen(name));
	fputs(": ", stdout);
	if (json_is_string(v))
		kalit_put_safe(stdout, json_string_value(v),
		    json_string_length(v));
	else if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL) {
		kalit_put_safe(stdout, s, strlen(s));
		kalit_json_free(s);
	}
	fputc('\n', stdout);
}

/* Writes the subject's string claim name, escaped, or "-". */
static void
login_put_str(const json_t *subject, const char *name)
{
	const json_t *v = json_object_get(subject, name);

	if (json_is_string(v) && json_string_length(v) > 0)
		kalit_put_safe(stdout, json_string_value(v),
		    json_string_length(v));
	else
		fputc('-', stdout);
}

/* Checks the login answer and prints it as --json says. */
static int
login_print(const struct login *l, const json_t *answer)
{
	const json_t *tok, *exp;
	json_t *sub, *v;
	const char *name;

	tok = json_object_get(answer, "access_token");
	exp = json_object_get(answer, "expires_in");
	sub = json_object_get(answer, "subject");
	if (!json_is_string(tok) || !kalit_chars(json_string_value(tok),
	    json_string_length(tok), KALIT_TOKEN_MAX, KALIT_B64URL ".") ||
	    !json_is_integer(exp) || json_integer_value(exp) < 0 ||
	    !json_is_object(sub)) {
		fprintf(stderr, "kalit: %s: %s/v1/login: not a login answer "
		    "(access_token, expires_in, subject)\n",
		    kalit_errname(KALIT_ERR_SERVER), l->base);
		return KALIT_ERR_SERVER;
	}
	if (l->o->json)
		return kalit_print_json(answer);
	fputs("logged in as ", stdout);
	login_put_str(sub, "name");
	fputs(" (PINFL ", stdout);
	login_put_str(sub, "pinfl");
	fputs(", ", stdout);
	login_put_str(sub, "acr");
	printf(")\ntoken: %s\nexpires in: %" JSON_INTEGER_FORMAT " s\n",
	    json_string_value(tok), json_integer_value(exp));
	json_object_foreach(sub, name, v)
		login_put_claim(name, v);
	return KALIT_OK;
}

/* Signs a fresh challenge and trades it for a token. */
static int
login_run(struct login *l)
{
	char *challenge = NULL, *pkcs7 = NULL, *body = NULL;
	json_t *req = NULL, *answer = NULL;
	int r;

	if ((r = login_challenge(l, &challenge)) != KALIT_OK)
		goto out;
	if ((r = login_sign(l, challenge, &pkcs7)) != KALIT_OK)
		goto out;
	if ((req = json_pack("{s:s, s:s, s:s}", "client_id", l->o->client,
	    "challenge", challenge, "pkcs7", pkcs7)) == NULL ||
	    (body = json_dumps(req, JSON_COMPACT)) == NULL) {
		r = kalit_fail(KALIT_ERR_NOMEM, NULL);
		goto out;
	}
	if ((r = login_post(l, "/v1/login", body, &answer)) != KALIT_OK)
		goto out;
	r = login_print(l, answer);
 out:
	json_decref(answer);
	json_decref(req);
	kalit_json_free(body);
	free(pkcs7);
	free(challenge);
	return r;
}

int
cmd_login(const struct kalit_opts *o)
{
	struct login l;
	int r;

	memset(&l, 0, sizeof(l));
	l.o = o;
	if ((r = kalit_server_base(o, l.base)) != KALIT_OK)
		return r;
	/* The key first: the challenge's lifetime must not pass at a prompt. */
	if ((r = kalit_load_key(o, &l.key, &l.cert, NULL)) == KALIT_OK)
		r = login_run(&l);
	EVP_PKEY_free(l.key);
	X509_free(l.cert);
	return r;
}
