/*
 * http_ocsp.c: the OCSP responder, the CRLs and the CA certificates over
 * HTTP: POST /ocsp, GET /ocsp/BASE64 (RFC 6960, RFC 5019), GET /crl/NAME
 * and GET /ca/NAME.crt
 */
#include "config.h"
#include "http_int.h"
#include "base64.h"
#include "err.h"
#include "responder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* An HTTP date (RFC 9110) of t into buf[30]. */
static void
http_date(int64_t t, char buf[30])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, 30, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Last-Modified and Expires of an answer that HTTP caches may keep. */
static void
cache_headers(struct MHD_Response *resp, int64_t modified, int64_t expires)
{
	char date[30];

	http_date(modified, date);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	http_date(expires, date);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_EXPIRES, date);
}

/*
 * An OCSP answer; errors of OCSP are OCSP responses too. A cacheable one
 * (RFC 5019) may be kept by HTTP caches for http_max_age seconds at most:
 * longer would hide a revocation from whoever asks through the cache.
 */
enum MHD_Result
http_ocsp_answer(struct req *rq, const unsigned char *der, size_t len)
{
	struct kalitd *d = rq->h->d;
	struct ocspcache_answer a;
	struct MHD_Response *resp;
	char cache[96];
	int64_t now = state_now(), age;
	int r;

	if (d->responder == NULL)
		return http_respond_code(rq, 404, "not_found", "this kalitd "
		    "has no OCSP responder; see [responder] in "
		    "kalitd.conf(5)");
	if ((r = responder_answer(d->responder, der, len, now, &a)) !=
	    KALIT_OK)
		return http_respond_err(rq, r);
	if ((resp = MHD_create_response_from_buffer(a.len, a.der,
	    MHD_RESPMEM_MUST_FREE)) == NULL) {
		free(a.der);
		return MHD_NO;
	}
	snprintf(cache, sizeof(cache), "no-store");
	if (a.cacheable) {
		age = a.next_update - now;
		if (age > d->cfg->http_max_age)
			age = d->cfg->http_max_age;
		snprintf(cache, sizeof(cache), "public, max-age=%lld, "
		    "no-transform, must-revalidate", (long long)age);
		cache_headers(resp, a.this_update, now + age);
	}
	return http_queue(rq, 200, resp, "application/ocsp-response", cache);
}

static void
crl_free(void *arg)
{
	responder_crl_release(arg);
}

/* A CRL or CA certificate, shared, not copied, that caches may keep. */
static enum MHD_Result
published_answer(struct req *rq, struct responder_crl *c, const char *ctype)
{
	struct kalitd *d = rq->h->d;
	struct MHD_Response *resp;
	char cache[64];
	int64_t now = state_now();

	if ((resp = MHD_create_response_from_buffer_with_free_callback_cls(
	    c->len, c->der, crl_free, c)) == NULL) {
		responder_crl_release(c);
		return MHD_NO;
	}
	snprintf(cache, sizeof(cache), "public, max-age=%lld, no-transform",
	    (long long)d->cfg->http_max_age);
	cache_headers(resp, c->this_update, now + d->cfg->http_max_age);
	return http_queue(rq, 200, resp, ctype, cache);
}

/* GET /crl/NAME: the newest CRL kalit-ca published. */
enum MHD_Result
http_ocsp_crl(struct req *rq)
{
	struct kalitd *d = rq->h->d;
	struct responder_crl *c;
	int r;

	if (d->responder == NULL)
		return http_respond_code(rq, 404, "not_found", "this kalitd "
		    "publishes no CRLs; see [responder] in kalitd.conf(5)");
	if ((r = responder_crl(d->responder, rq->rest, &c)) != KALIT_OK)
		return r == KALIT_ERR_MALFORMED || r == KALIT_ERR_NOT_FOUND ?
		    http_respond_code(rq, 404, "not_found", "no such CRL; its "
		    "name is CA.crl, CA.delta.crl, or with the shard, "
		    "CA.K.crl") :
		    http_respond_err(rq, r);
	return published_answer(rq, c, "application/pkix-crl");
}

/*
 * GET /ca/NAME.crt: the CA certificate (DER, RFC 5280 section 4.2.2.1)
 * the "CA Issuers" URL of every certificate kalit-ca issues names.
 */
enum MHD_Result
http_ocsp_ca_cert(struct req *rq)
{
	struct kalitd *d = rq->h->d;
	struct responder_crl *c;
	int r;

	if (d->responder == NULL)
		return http_respond_code(rq, 404, "not_found", "this kalitd "
		    "publishes no CA certificates; see [responder] in "
		    "kalitd.conf(5)");
	if ((r = responder_ca_cert(d->responder, rq->rest, &c)) != KALIT_OK)
		return r == KALIT_ERR_MALFORMED || r == KALIT_ERR_NOT_FOUND ?
		    http_respond_code(rq, 404, "not_found", "no such CA "
		    "certificate; its name is CA.crt") :
		    http_respond_err(rq, r);
	return published_answer(rq, c, "application/pkix-cert");
}

/* GET /ocsp/BASE64 (RFC 6960 appendix A.1); MHD has undone the %XX. */
enum MHD_Result
http_ocsp_get(struct req *rq)
{
	unsigned char *der = NULL;
	size_t n = strlen(rq->rest), len = 0;
	enum MHD_Result ret;

	if (n > (OCSP_REQUEST_MAX + 2) / 3 * 4)
		return http_respond_code(rq, 414, "request_too_large", "the "
		    "OCSP request in the URL is too long; POST it to /ocsp");
	/* Undecodable: an empty request, which gets malformedRequest. */
	if (base64_decode(rq->rest, n, OCSP_REQUEST_MAX, &der, &len) ==
	    KALIT_ERR_NOMEM)
		return http_respond_err(rq, KALIT_ERR_NOMEM);
	ret = http_ocsp_answer(rq, der != NULL ? der :
	    (const unsigned char *)"", len);
	free(der);
	return ret;
}
