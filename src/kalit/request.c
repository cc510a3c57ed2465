/* request.c: kalit's requests to the server, and what it refuses them with */
#include "config.h"

#include "kalit.h"
#include "err.h"
#include "fetch.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

int
kalit_server_base(const struct kalit_opts *o, char base[KALIT_URL_MAX])
{
	size_t n;

	if ((n = strlen(o->server)) >= KALIT_URL_MAX)
		return kalit_fail(KALIT_ERR_USAGE, "--server");
	memcpy(base, o->server, n + 1);
	if (n > 0 && base[n - 1] == '/')
		base[n - 1] = '\0';
	return KALIT_OK;
}

int
kalit_printable(const char *s, size_t max)
{
	size_t len = strlen(s);
	size_t i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int
kalit_http_url(const char *s, size_t max)
{
	return (strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0) && kalit_printable(s, max);
}

int
kalit_chars(const char *s, size_t len, size_t max, const char *set)
{
	return len > 0 && len <= max && strlen(s) == len &&
	    strspn(s, set) == len;
}

/*
 * The enum kalit_err named code, so that the exit status tells what the
 * server refused; a code that names no error of the server's, one that
 * would pass for a local failure (usage, internal), or not_found (kalitd's
 * 404: --server is not a kalit server's base URL, or lacks the feature) is
 * server_error, as kalit(1) says.
 */
static int
request_err_of(const char *code)
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
	case KALIT_ERR_NOT_FOUND:
		return KALIT_ERR_SERVER;
	default:
		return e;
	}
}

/* Reports an answer other than 200 with a JSON object; v may be NULL. */
static int
request_refused(const struct kalit_opts *o, const char *what,
    const char *url, long status, const json_t *v)
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
	err = request_err_of(json_string_value(code));
	fprintf(stderr, "kalit: %s refused: ", what);
	kalit_put_safe(stderr, json_string_value(code),
	    json_string_length(code));
	fputs(": ", stderr);
	if (json_is_string(desc))
		kalit_put_safe(stderr, json_string_value(desc),
		    json_string_length(desc));
	else
		fputs(kalit_strerror(err), stderr);
	fputc('\n', stderr);
	if (o->json)
		kalit_print_json(v);
	return err;
}

int
kalit_request(const struct kalit_opts *o, const char *what, const char *url,
    const struct fetch_cert *cert, const char *ctype, const char *body,
    json_t **answerp)
{
	struct fetch_req rq;
	unsigned char *buf = NULL;
	size_t len = 0;
	long status = 0;
	json_t *v = NULL;
	int r;

	*answerp = NULL;
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.content_type = ctype;
	rq.body = body;
	rq.body_len = body != NULL ? strlen(body) : 0;
	rq.accept = "application/json";
	rq.cafile = o->cacert;
	rq.max = KALIT_ANSWER_MAX;
	rq.timeout_ms = o->timeout * 1000L;
	rq.cert = cert;
	if (ctype != NULL)
		log_msg(LOG_LEVEL_DEBUG, "POST %s, %zu bytes", url,
		    rq.body_len);
	else
		log_msg(LOG_LEVEL_DEBUG, "GET %s", url);
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
		r = request_refused(o, what, url, status, v);
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
