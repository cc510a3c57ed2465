/* fetch.c: HTTP requests with libcurl, size-capped and time-limited */
#include "config.h"
#include "fetch.h"
#include "err.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

struct sink {
	unsigned char	*buf;
	size_t		 len;
	size_t		 max;
	int		 too_large;
};

int
fetch_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ?
	    KALIT_OK : KALIT_ERR_INTERNAL;
}

void
fetch_cleanup(void)
{
	curl_global_cleanup();
}

static size_t
sink_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	unsigned char *p;

	n *= size;
	if (n > s->max - s->len) {
		s->too_large = 1;
		return 0;	/* aborts the transfer */
	}
	if ((p = realloc(s->buf, s->len + n + 1)) == NULL)
		return 0;
	s->buf = p;
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

static int
scheme_ok(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0;
}

int
fetch(const struct fetch_req *rq, long *statusp, unsigned char **bodyp,
    size_t *lenp, char **ctypep)
{
	struct sink s = { NULL, 0, rq->max, 0 };
	struct curl_slist *hdr = NULL, *h;
	char line[256];
	const char *ct = NULL;
	CURL *c = NULL;
	CURLcode cc;
	long timeout = rq->timeout_ms > 0 ? rq->timeout_ms : FETCH_TIMEOUT_MS;
	int r = KALIT_ERR_NOMEM;

	*bodyp = NULL;
	*lenp = 0;
	if (ctypep != NULL)
		*ctypep = NULL;
	if (!scheme_ok(rq->url))
		return KALIT_ERR_USAGE;
	if ((c = curl_easy_init()) == NULL)
		goto out;
	if (rq->content_type != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s",
		    rq->content_type);
		if ((h = curl_slist_append(hdr, line)) == NULL)
			goto out;
		hdr = h;
	}
	if (rq->accept != NULL) {
		snprintf(line, sizeof(line), "Accept: %s", rq->accept);
		if ((h = curl_slist_append(hdr, line)) == NULL)
			goto out;
		hdr = h;
	}
	/* No "Expect: 100-continue" round trip for our small bodies. */
	if ((h = curl_slist_append(hdr, "Expect:")) == NULL)
		goto out;
	hdr = h;
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "kalit/" PACKAGE_VERSION);
	if (rq->cafile != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, rq->cafile);
	if (rq->content_type != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->body_len);
	}
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		if (s.too_large)
			r = KALIT_ERR_TOO_LARGE;
		else {
			log_msg(LOG_LEVEL_WARN, "fetch %s: %s", rq->url,
			    curl_easy_strerror(cc));
			r = cc == CURLE_OUT_OF_MEMORY ? KALIT_ERR_NOMEM :
			    KALIT_ERR_NETWORK;
		}
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, statusp);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	if (ctypep != NULL && ct != NULL && (*ctypep = strdup(ct)) == NULL)
		goto out;
	if (s.buf == NULL && (s.buf = calloc(1, 1)) == NULL)
		goto out;
	*bodyp = s.buf;
	*lenp = s.len;
	s.buf = NULL;
	r = KALIT_OK;
 out:
	free(s.buf);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return r;
}
