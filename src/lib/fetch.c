/* fetch.c: HTTP requests with libcurl, size-capped and time-limited */
#include "config.h"
#include "fetch.h"
#include "err.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

struct sink {
	unsigned char	*buf;
	size_t		 len;
	size_t		 cap;		/* bytes buf holds, its NUL included */
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
	size_t cap;

	n *= size;
	if (n > s->max - s->len) {
		s->too_large = 1;
		return 0;	/* aborts the transfer */
	}
	/* Doubling: a body of n bytes costs a few allocations, not n/16K. */
	if (s->len + n + 1 > s->cap) {
		cap = s->cap > 0 ? s->cap : 4096;
		while (cap < s->len + n + 1)
			cap *= 2;
		if (cap > s->max + 1)
			cap = s->max + 1;
		if ((p = realloc(s->buf, cap)) == NULL)
			return 0;
		s->buf = p;
		s->cap = cap;
	}
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
fetch_ssl_is_openssl(const char *v)
{
	static const char name[] = "OpenSSL/";
	const char *active = NULL, *p;
	unsigned long major = 0;
	size_t n, digits;
	int unbracketed = 0;

	if (v == NULL)
		return 0;
	/* Words; a multi-SSL libcurl brackets the backends not in use. */
	for (p = v + strspn(v, " "); *p != '\0'; p += strspn(p, " ")) {
		n = strcspn(p, " ");
		if (*p != '(') {
			active = p;
			unbracketed++;
		}
		p += n;
	}
	if (unbracketed != 1 || strncmp(active, name, sizeof(name) - 1) != 0)
		return 0;
	p = active + sizeof(name) - 1;
	if ((digits = strspn(p, "0123456789")) == 0 || digits > 3 ||
	    p[digits] != '.')
		return 0;
	for (n = 0; n < digits; n++)
		major = major * 10 + (unsigned long)(p[n] - '0');
	return major == OPENSSL_version_major();
}

int
fetch_cert_supported(const char **versionp)
{
	const curl_version_info_data *d = curl_version_info(CURLVERSION_NOW);
	const char *v = d != NULL ? d->ssl_version : NULL;

	if (versionp != NULL)
		*versionp = v != NULL ? v : "none";
	return fetch_ssl_is_openssl(v);
}

/*
 * CURLOPT_SSL_CTX_FUNCTION: the client certificate into the SSL_CTX of
 * the connection about to be made, before its handshake.
 */
static CURLcode
cert_to_ctx(CURL *c, void *sslctx, void *arg)
{
	const struct fetch_cert *fc = arg;
	SSL_CTX *ctx = sslctx;
	int i;

	(void)c;
	/* The key after the certificate: OpenSSL checks they match. */
	if (SSL_CTX_use_certificate(ctx, fc->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, fc->key) != 1) {
		log_ssl(LOG_LEVEL_ERROR, "SSL_CTX_use_certificate, _PrivateKey");
		return CURLE_SSL_CERTPROBLEM;
	}
	for (i = 0; i < sk_X509_num(fc->chain); i++)
		if (SSL_CTX_add1_chain_cert(ctx,
		    sk_X509_value(fc->chain, i)) != 1) {
			log_ssl(LOG_LEVEL_ERROR, "SSL_CTX_add1_chain_cert");
			return CURLE_SSL_CERTPROBLEM;
		}
	/* Only the chain given, never one built from the CA file. */
	SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
	return CURLE_OK;
}

/* 1 when libcurl can show a client certificate; else 0, logged. */
static int
cert_backend_ok(const char *url)
{
	const char *version;

	if (fetch_cert_supported(&version))
		return 1;
	log_msg(LOG_LEVEL_ERROR, "fetch %s: a client certificate needs "
	    "libcurl with OpenSSL %u; this one has %s", url,
	    OPENSSL_version_major(), version);
	return 0;
}

/*
 * Has c show fc (borrowed; outlives the transfer) to a server that asks
 * for a certificate, and speak https only; 0 (logged) if it cannot.
 */
static int
cert_setopt(CURL *c, struct fetch_cert *fc, const char *url)
{
	if (curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, cert_to_ctx) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, fc) != CURLE_OK) {
		log_msg(LOG_LEVEL_ERROR, "fetch %s: libcurl takes no "
		    "CURLOPT_SSL_CTX_FUNCTION", url);
		return 0;
	}
	return 1;
}

/*
 * The request's headers; NULL when out of memory. Caller frees them with
 * curl_slist_free_all().
 */
static struct curl_slist *
headers_new(const struct fetch_req *rq)
{
	char line[256];
	struct curl_slist *hdr = NULL, *h;

	if (rq->content_type != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s",
		    rq->content_type);
		if ((h = curl_slist_append(hdr, line)) == NULL)
			goto fail;
		hdr = h;
	}
	if (rq->accept != NULL) {
		snprintf(line, sizeof(line), "Accept: %s", rq->accept);
		if ((h = curl_slist_append(hdr, line)) == NULL)
			goto fail;
		hdr = h;
	}
	/* No "Expect: 100-continue" round trip for our small bodies. */
	if ((h = curl_slist_append(hdr, "Expect:")) == NULL)
		goto fail;
	return h;
 fail:
	curl_slist_free_all(hdr);
	return NULL;
}

int
fetch(const struct fetch_req *rq, long *statusp, unsigned char **bodyp,
    size_t *lenp, char **ctypep)
{
	struct sink s = { NULL, 0, 0, rq->max, 0 };
	struct curl_slist *hdr = NULL;
	struct fetch_cert fc;
	const char *ct = NULL;
	CURL *c = NULL;
	CURLcode cc;
	long timeout = rq->timeout_ms > 0 ? rq->timeout_ms : FETCH_TIMEOUT_MS;
	int r = KALIT_ERR_NOMEM;

	*bodyp = NULL;
	*lenp = 0;
	if (ctypep != NULL)
		*ctypep = NULL;
	/* A certificate over http:// would silently not be shown. */
	if (!scheme_ok(rq->url) || (rq->cert != NULL &&
	    strncasecmp(rq->url, "https://", 8) != 0))
		return KALIT_ERR_USAGE;
	if (rq->cert != NULL && !cert_backend_ok(rq->url))
		return KALIT_ERR_INTERNAL;
	if ((c = curl_easy_init()) == NULL || (hdr = headers_new(rq)) == NULL)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	/* A Content-Length past max is refused before the body is read. */
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)rq->max);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "kalit/" PACKAGE_VERSION);
	if (rq->cafile != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, rq->cafile);
	if (rq->cert != NULL) {
		fc = *rq->cert;
		if (!cert_setopt(c, &fc, rq->url)) {
			r = KALIT_ERR_INTERNAL;
			goto out;
		}
	}
	if (rq->content_type != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->body_len);
	}
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		if (s.too_large || cc == CURLE_FILESIZE_EXCEEDED)
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
