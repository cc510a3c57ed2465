/* login.c: kalit login: sign kalitd's challenge with a key file, get a token */
#include "config.h"

#include "kalit.h"
#include "base64.h"
#include "cms.h"
#include "err.h"
#include "fetch.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define LOGIN_CHALLENGE_MAX	1024		/* bytes; kalitd sends 80 */
#define LOGIN_TOKEN_MAX		(32 * 1024)	/* bytes of access_token */

struct login {
	const struct kalit_opts *o;
	char		 base[KALIT_URL_MAX];	/* --server less one '/' */
	EVP_PKEY	*key;
	X509		*cert;
};

/*
 * The enum kalit_err named code, so that the exit status tells what the
 * server refused; a code that names no error of the server's, or one
 * that would pass for a local failure (usage, internal), is server_error.
 */
static int
login_err_of(const char *code)
{
	int e;

	for (e = KALIT_ERR__MIN; e < KALIT_OK; e++)
		if (strcmp(kalit_errname(e), code) == 0)
			break;
	switch (e) {
	case KALIT_OK:
	case KALIT_ERR_NOMEM:
	case KALIT_ERR_INTERNAL:
	case KALIT_ERR_USAGE:
		return KALIT_ERR_SERVER;
	default:
		return e;
	}
}

/* Reports an answer other than 200 with a JSON object; v may be NULL. */
static int
login_refused(const struct login *l, const char *url, long status,
    const json_t *v)
{
	const json_t *code, *desc;
	int err;

	code = json_object_get(v, "error");
	desc = json_object_get(v, "error_description");
	if (status == 200 || !json_is_string(code)) {
		fprintf(stderr, "kalit: %s: %s: HTTP %ld without a JSON %s\n",
		    kalit_errname(KALIT_ERR_SERVER), url, status,
		    status == 200 ? "object" : "error");
		return KALIT_ERR_SERVER;
	}
	err = login_err_of(json_string_value(code));
	fputs("kalit: login refused: ", stderr);
	kalit_put_safe(stderr, json_string_value(code),
	    json_string_length(code));
	fputs(": ", stderr);
	if (json_is_string(desc))
		kalit_put_safe(stderr, json_string_value(desc),
		    json_string_length(desc));
	else
		fputs(kalit_strerror(err), stderr);
	fputc('\n', stderr);
	if (l->o->json)
		kalit_print_json(v);
	return err;
}

/*
 * POSTs the JSON body to the server's path. On KALIT_OK *answerp is the
 * object the server answered with 200 (new reference); every other
 * outcome is reported here.
 */
static int
login_post(const struct login *l, const char *path, const char *body,
    json_t **answerp)
{
	struct fetch_req rq;
	char url[KALIT_URL_MAX + 32];
	unsigned char *buf = NULL;
	size_t len = 0;
	long status = 0;
	json_t *v = NULL;
	int r;

	*answerp = NULL;
	snprintf(url, sizeof(url), "%s%s", l->base, path);
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.content_type = "application/json";
	rq.body = body;
	rq.body_len = strlen(body);
	rq.accept = "application/json";
	rq.cafile = l->o->cacert;
	rq.max = KALIT_ANSWER_MAX;
	rq.timeout_ms = l->o->timeout * 1000L;
	log_msg(LOG_LEVEL_DEBUG, "POST %s, %zu bytes", url, rq.body_len);
	r = fetch(&rq, &status, &buf, &len, NULL);
	if (r == KALIT_ERR_NETWORK) {
		fprintf(stderr, "kalit: cannot reach %s: %s: %s\n", url,
		    kalit_errname(r), kalit_strerror(r));
		goto out;
	} else if (r == KALIT_ERR_TOO_LARGE) {
		r = KALIT_ERR_SERVER;
		fprintf(stderr, "kalit: %s: %s: answer larger than %d bytes\n",
		    kalit_errname(r), url, KALIT_ANSWER_MAX);
		goto out;
	} else if (r != KALIT_OK) {
		kalit_fail(r, url);
		goto out;
	}
	log_msg(LOG_LEVEL_DEBUG, "HTTP %ld, %zu bytes", status, len);
	v = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (status != 200 || !json_is_object(v)) {
		r = login_refused(l, url, status, v);
		goto out;
	}
	*answerp = v;
	v = NULL;
	r = KALIT_OK;
 out:
	json_decref(v);
	if (buf != NULL)
		OPENSSL_cleanse(buf, len);
	free(buf);
	return r;
}

/* 1 if s is len bytes, at most max, each one of the set given. */
static int
login_chars(const char *s, size_t len, size_t max, const char *set)
{
	return len > 0 && len <= max && strlen(s) == len &&
	    strspn(s, set) == len;
}

#define B64URL	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
		"0123456789-_"

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
	if (!json_is_string(c) || !login_chars(json_string_value(c),
	    json_string_length(c), LOGIN_CHALLENGE_MAX, B64URL "+/=.~")) {
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
	if (!json_is_string(tok) || !login_chars(json_string_value(tok),
	    json_string_length(tok), LOGIN_TOKEN_MAX, B64URL ".") ||
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
	size_t n;
	int r;

	memset(&l, 0, sizeof(l));
	l.o = o;
	if ((n = strlen(o->server)) >= sizeof(l.base))
		return kalit_fail(KALIT_ERR_USAGE, "--server");
	memcpy(l.base, o->server, n + 1);
	if (n > 0 && l.base[n - 1] == '/')
		l.base[n - 1] = '\0';
	/* The key first: the challenge's lifetime must not pass at a prompt. */
	if ((r = kalit_load_key(o, &l.key, &l.cert, NULL)) == KALIT_OK)
		r = login_run(&l);
	EVP_PKEY_free(l.key);
	X509_free(l.cert);
	return r;
}
