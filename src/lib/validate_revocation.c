/*
 * validate_revocation.c: is this certificate revoked? OCSP, then CRLs (a
 * local directory, then the distribution points' URLs), the answers
 * remembered per issuer and serial, and the servers found down.
 */
#include "config.h"

#include "validate.h"
#include "validate_int.h"
#include "crl.h"
#include "err.h"
#include "fetch.h"
#include "log.h"
#include "ocsp.h"
#include "x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#define CACHE_KEY_LEN		32		/* SHA-256 */
#define CACHE_LEEWAY		300		/* as OCSP and CRL checks */
#define URLS_MAX		2	/* OCSP or CDP URLs tried per cert */
#define DOWN_SECONDS		5	/* for this long after a failure */

struct rev_entry {
	unsigned char	 key[CACHE_KEY_LEN];
	struct rev_status st;
	int64_t		 expires;
	struct rev_entry *next;			/* in its bucket */
	struct rev_entry *older, *newer;	/* eviction order */
};

size_t
rev_entry_size(void)
{
	return sizeof(struct rev_entry);
}

/* Cache key: SHA-256 over issuer name, issuer key digest and serial. */
static int
rev_key(X509 *cert, X509 *issuer, unsigned char key[CACHE_KEY_LEN])
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
	unsigned char kh[EVP_MAX_MD_SIZE], neg;
	const unsigned char *name;
	unsigned int kh_len = 0;
	size_t name_len;
	EVP_MD_CTX *md;
	int ok;

	neg = ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER;
	if (!X509_NAME_get0_der(X509_get_subject_name(issuer), &name,
	    &name_len) ||
	    !X509_pubkey_digest(issuer, EVP_sha256(), kh, &kh_len) ||
	    (md = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(md, name, name_len) &&
	    EVP_DigestUpdate(md, kh, kh_len) &&
	    EVP_DigestUpdate(md, &neg, 1) &&
	    EVP_DigestUpdate(md, ASN1_STRING_get0_data(serial),
	    (size_t)ASN1_STRING_length(serial)) &&
	    EVP_DigestFinal_ex(md, key, NULL);
	EVP_MD_CTX_free(md);
	return ok;
}

static struct rev_entry **
cache_slot(struct rev_cache *c, const unsigned char *key)
{
	return &c->bucket[(key[0] | key[1] << 8) & (CACHE_BUCKETS - 1)];
}

static struct rev_entry *
cache_find(struct rev_cache *c, const unsigned char *key)
{
	struct rev_entry *e;

	for (e = *cache_slot(c, key); e != NULL; e = e->next)
		if (memcmp(e->key, key, CACHE_KEY_LEN) == 0)
			return e;
	return NULL;
}

/* Takes e out of the cache without freeing it; called locked. */
static void
cache_unlink(struct rev_cache *c, struct rev_entry *e)
{
	struct rev_entry **pp;

	for (pp = cache_slot(c, e->key); *pp != e; pp = &(*pp)->next)
		continue;
	*pp = e->next;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->count--;
}

static int
cache_get(struct rev_cache *c, const unsigned char *key, int64_t now,
    struct rev_status *st)
{
	struct rev_entry *e;
	int hit = 0;

	pthread_mutex_lock(&c->lock);
	if ((e = cache_find(c, key)) != NULL) {
		if (now >= e->expires) {
			cache_unlink(c, e);
			free(e);
		} else if (now + CACHE_LEEWAY >= e->st.this_update) {
			*st = e->st;
			hit = 1;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Remembers st until expires, replacing the oldest entry when full. */
static void
cache_put(struct rev_cache *c, const unsigned char *key,
    const struct rev_status *st, int64_t expires)
{
	struct rev_entry *e, **pp;

	pthread_mutex_lock(&c->lock);
	if ((e = cache_find(c, key)) != NULL)
		cache_unlink(c, e);
	else if (c->count >= c->max) {
		if (c->max == 0)
			goto out;
		e = c->oldest;
		cache_unlink(c, e);
	} else if ((e = malloc(sizeof(*e))) == NULL)
		goto out;
	memcpy(e->key, key, CACHE_KEY_LEN);
	e->st = *st;
	e->expires = expires;
	pp = cache_slot(c, key);
	e->next = *pp;
	*pp = e;
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->count++;
 out:
	pthread_mutex_unlock(&c->lock);
}

/* Empties slot s; called with slots_lock. */
static void
slot_clear(struct validator *v, struct crl_slot *s)
{
	v->slots_bytes -= s->cost;
	free(s->url);
	X509_CRL_free(s->crl);
	memset(s, 0, sizeof(*s));
}

void
validate_cache_flush(struct validator *v)
{
	struct rev_cache *c = &v->cache;
	struct rev_entry *e, *next;
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (e = c->oldest; e != NULL; e = next) {
		next = e->newer;
		free(e);
	}
	memset(c->bucket, 0, sizeof(c->bucket));
	c->oldest = c->newest = NULL;
	c->count = 0;
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_lock(&v->slots_lock);
	for (i = 0; i < CRL_SLOTS; i++)
		slot_clear(v, &v->slots[i]);
	memset(v->down, 0, sizeof(v->down));
	pthread_mutex_unlock(&v->slots_lock);
	crl_dir_flush(v->crls);
}

static int
definite(int r)
{
	return r == KALIT_OK || r == KALIT_ERR_CERT_REVOKED ||
	    r == KALIT_ERR_CERT_ON_HOLD;
}

/* A download was wanted in a lookup that may not make one. */
static int
fetch_wanted(const int *fetchp)
{
	return fetchp != NULL && *fetchp;
}

static int
http_url(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0;
}

/*
 * fetch(), unless the server at rq->url failed to answer within the last
 * DOWN_SECONDS: while a responder is down, it costs one timeout every few
 * seconds instead of one per login (and the answer stays "unknown": fail
 * closed). With fetchp, nothing is fetched: *fetchp is set instead.
 */
static int
rev_fetch(struct validator *v, const struct fetch_req *rq, int *fetchp,
    long *statusp, unsigned char **bodyp, size_t *lenp)
{
	int64_t now = (int64_t)time(NULL);
	size_t i;
	int r, down = 0;

	pthread_mutex_lock(&v->slots_lock);
	for (i = 0; i < DOWN_SLOTS; i++)
		if (v->down[i].until > now &&
		    strcmp(v->down[i].url, rq->url) == 0)
			down = 1;
	pthread_mutex_unlock(&v->slots_lock);
	if (down) {
		log_msg(LOG_LEVEL_DEBUG, "%s: down, not asked", rq->url);
		return KALIT_ERR_NETWORK;
	}
	if (fetchp != NULL) {
		*fetchp = 1;
		return KALIT_ERR_NETWORK;
	}
	if ((r = fetch(rq, statusp, bodyp, lenp, NULL)) == KALIT_ERR_NETWORK &&
	    strlen(rq->url) < DOWN_URL_MAX) {
		pthread_mutex_lock(&v->slots_lock);
		i = v->down_next++ % DOWN_SLOTS;
		snprintf(v->down[i].url, sizeof(v->down[i].url), "%s",
		    rq->url);
		v->down[i].until = (int64_t)time(NULL) + DOWN_SECONDS;
		pthread_mutex_unlock(&v->slots_lock);
	}
	return r;
}

/* One OCSP exchange with the responder at url. */
static int
ocsp_ask(struct validator *v, const char *url, struct ocsp_req *req,
    const unsigned char *der, size_t len, int64_t now, int *fetchp,
    struct rev_status *st)
{
	int r;
	struct fetch_req rq;
	unsigned char *body = NULL;
	size_t body_len = 0;
	long status = 0;

	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.content_type = "application/ocsp-request";
	rq.body = der;
	rq.body_len = len;
	rq.accept = "application/ocsp-response";
	rq.max = OCSP_RESPONSE_MAX;
	rq.timeout_ms = v->cfg.timeout_ms;
	if ((r = rev_fetch(v, &rq, fetchp, &status, &body, &body_len)) !=
	    KALIT_OK)
		r = KALIT_ERR_REVOCATION_UNKNOWN;
	else if (status != 200) {
		log_msg(LOG_LEVEL_INFO, "ocsp %s: HTTP status %ld", url,
		    status);
		r = KALIT_ERR_REVOCATION_UNKNOWN;
	} else if (definite(r = ocsp_response_check(req, body, body_len,
	    v->store, now, st)))
		snprintf(st->origin, sizeof(st->origin), "%s", url);
	log_msg(LOG_LEVEL_DEBUG, "ocsp %s: %s", url, kalit_errname(r));
	free(body);
	return r;
}

static int
rev_ocsp(struct validator *v, X509 *cert, X509 *issuer, int64_t now,
    int *fetchp, struct rev_status *st)
{
	int r = KALIT_ERR_REVOCATION_UNKNOWN;
	STACK_OF(OPENSSL_STRING) *aia = NULL;
	struct ocsp_req *req = NULL;
	unsigned char *der = NULL;
	const char *url;
	size_t len = 0;
	int i, tried = 0;

	if (ocsp_request_new(cert, issuer, v->cfg.ocsp_nonce, &req, &der,
	    &len) != KALIT_OK)
		return KALIT_ERR_REVOCATION_UNKNOWN;
	if (v->cfg.ocsp_url != NULL)
		r = ocsp_ask(v, v->cfg.ocsp_url, req, der, len, now, fetchp,
		    st);
	else if ((aia = X509_get1_ocsp(cert)) != NULL) {
		for (i = 0; !definite(r) && !fetch_wanted(fetchp) &&
		    tried < URLS_MAX && i < sk_OPENSSL_STRING_num(aia); i++) {
			url = sk_OPENSSL_STRING_value(aia, i);
			if (!http_url(url))
				continue;
			tried++;
			r = ocsp_ask(v, url, req, der, len, now, fetchp, st);
		}
	}
	X509_email_free(aia);
	OPENSSL_free(der);
	ocsp_request_free(req);
	return r;
}

/* A downloaded CRL for url still within *expiresp; new reference. */
static X509_CRL *
slot_get(struct validator *v, const char *url, int64_t now,
    int64_t *expiresp)
{
	X509_CRL *crl = NULL;
	size_t i;

	pthread_mutex_lock(&v->slots_lock);
	for (i = 0; crl == NULL && i < CRL_SLOTS; i++)
		if (v->slots[i].url != NULL &&
		    strcmp(v->slots[i].url, url) == 0 &&
		    now < v->slots[i].expires &&
		    X509_CRL_up_ref(v->slots[i].crl)) {
			crl = v->slots[i].crl;
			*expiresp = v->slots[i].expires;
		}
	pthread_mutex_unlock(&v->slots_lock);
	return crl;
}

/*
 * Keeps crl for url until expires, within the budget for downloaded CRLs:
 * the slots after the last one replaced give way first; a CRL larger than
 * the whole budget is not kept.
 */
static void
slot_put(struct validator *v, const char *url, X509_CRL *crl,
    int64_t expires)
{
	struct crl_slot *s = NULL;
	int der = i2d_X509_CRL(crl, NULL);
	size_t i, cost = x509_parsed_cost(der > 0 ? (size_t)der : 0);
	char *copy;

	if (cost > v->cfg.crl_bytes || (copy = strdup(url)) == NULL)
		return;
	if (!X509_CRL_up_ref(crl)) {
		free(copy);
		return;
	}
	pthread_mutex_lock(&v->slots_lock);
	for (i = 0; s == NULL && i < CRL_SLOTS; i++)
		if (v->slots[i].url != NULL &&
		    strcmp(v->slots[i].url, url) == 0)
			s = &v->slots[i];
	if (s == NULL)
		s = &v->slots[v->slots_next++ % CRL_SLOTS];
	slot_clear(v, s);
	for (i = 0; v->slots_bytes + cost > v->cfg.crl_bytes &&
	    i < CRL_SLOTS; i++)
		if (&v->slots[i] != s)
			slot_clear(v, &v->slots[i]);
	s->url = copy;
	s->crl = crl;
	s->expires = expires;
	s->cost = cost;
	v->slots_bytes += cost;
	pthread_mutex_unlock(&v->slots_lock);
}

/* How long a status (or the CRL behind it) may be remembered. */
static int64_t
expiry(const struct validator *v, const struct rev_status *st, int64_t now)
{
	int64_t cap = v->cfg.cache_max > 0 ? now + v->cfg.cache_max : now;

	/* Without a nextUpdate, newer information is always available. */
	if (st->next_update == 0)
		return now;
	return st->next_update < cap ? st->next_update : cap;
}

/*
 * cert's status per the CRL at url, downloaded unless remembered; a
 * remembered CRL lowers *capp to its own expiry, so that no status
 * outlives cache_max from the download.
 */
static int
crl_from_url(struct validator *v, const char *url, X509 *cert, X509 *issuer,
    int64_t now, int *fetchp, struct rev_status *st, int64_t *capp)
{
	int r, fresh = 0;
	struct fetch_req rq;
	unsigned char *body = NULL;
	X509_CRL *crl;
	size_t len = 0;
	long status = 0;

	if ((crl = slot_get(v, url, now, capp)) == NULL) {
		fresh = 1;
		memset(&rq, 0, sizeof(rq));
		rq.url = url;
		rq.accept = "application/pkix-crl";
		rq.max = CRL_MAX_SIZE;
		rq.timeout_ms = v->cfg.timeout_ms;
		if ((r = rev_fetch(v, &rq, fetchp, &status, &body, &len)) ==
		    KALIT_OK &&
		    (status != 200 || crl_parse(body, len, &crl) != KALIT_OK))
			log_msg(LOG_LEVEL_INFO, "crl %s: HTTP status %ld, or "
			    "not a CRL", url, status);
		free(body);
		if (crl == NULL)
			return KALIT_ERR_REVOCATION_UNKNOWN;
	}
	if (definite(r = crl_status(crl, cert, issuer, now, st))) {
		snprintf(st->origin, sizeof(st->origin), "%s", url);
		if (fresh && expiry(v, st, now) > now)
			slot_put(v, url, crl, expiry(v, st, now));
	}
	X509_CRL_free(crl);
	log_msg(LOG_LEVEL_DEBUG, "crl %s: %s", url, kalit_errname(r));
	return r;
}

/* The http(s) full names of cert's complete distribution points. */
static int
rev_cdp(struct validator *v, X509 *cert, X509 *issuer, int64_t now,
    int *fetchp, struct rev_status *st, int64_t *capp)
{
	int r = KALIT_ERR_REVOCATION_UNKNOWN;
	STACK_OF(DIST_POINT) *cdp;
	GENERAL_NAMES *names;
	GENERAL_NAME *gn;
	DIST_POINT *dp;
	const char *url;
	int i, j, tried = 0;

	cdp = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	for (i = 0; !definite(r) && !fetch_wanted(fetchp) &&
	    i < sk_DIST_POINT_num(cdp); i++) {
		dp = sk_DIST_POINT_value(cdp, i);
		/* partitioned by reason, or indirect: not for us */
		if (dp->distpoint == NULL || dp->distpoint->type != 0 ||
		    dp->reasons != NULL || dp->CRLissuer != NULL)
			continue;
		names = dp->distpoint->name.fullname;
		for (j = 0; !definite(r) && !fetch_wanted(fetchp) &&
		    tried < URLS_MAX && j < sk_GENERAL_NAME_num(names); j++) {
			gn = sk_GENERAL_NAME_value(names, j);
			if (gn->type != GEN_URI)
				continue;
			url = (const char *)ASN1_STRING_get0_data(
			    gn->d.uniformResourceIdentifier);
			if (strlen(url) != (size_t)ASN1_STRING_length(
			    gn->d.uniformResourceIdentifier) || !http_url(url))
				continue;
			tried++;
			r = crl_from_url(v, url, cert, issuer, now, fetchp, st,
			    capp);
		}
	}
	CRL_DIST_POINTS_free(cdp);
	ERR_clear_error();
	return r;
}

/*
 * Asks each configured source in turn until one establishes the status.
 * With fetchp, stops where a download would be needed, so that the
 * answer is the one the whole lookup would give or none.
 */
static int
rev_lookup(struct validator *v, X509 *cert, X509 *issuer, int64_t now,
    int *fetchp, struct rev_status *st, int64_t *capp)
{
	int r = KALIT_ERR_REVOCATION_UNKNOWN;

	if (v->cfg.ocsp)
		r = rev_ocsp(v, cert, issuer, now, fetchp, st);
	if (!definite(r) && !fetch_wanted(fetchp) && v->cfg.crl &&
	    v->crls != NULL)
		r = crl_dir_status(v->crls, cert, issuer, now, st);
	if (!definite(r) && !fetch_wanted(fetchp) && v->cfg.crl &&
	    v->cfg.crl_fetch)
		r = rev_cdp(v, cert, issuer, now, fetchp, st, capp);
	return fetch_wanted(fetchp) ? KALIT_ERR_REVOCATION_UNKNOWN : r;
}

static void
rev_unknown_log(X509 *cert, X509 *issuer, int soft)
{
	char serial[X509_SERIAL_HEX_MAX + 1], *name = NULL;

	if (x509_serial_hex(cert, serial, sizeof(serial)) != KALIT_OK)
		strcpy(serial, "?");
	(void)x509_name_text(X509_get_subject_name(issuer), &name);
	log_msg(soft ? LOG_LEVEL_WARN : LOG_LEVEL_INFO, "revocation status "
	    "of serial %s from %s unknown: %s", serial, name != NULL ? name :
	    "?", soft ? "accepted (soft-fail)" : "refused");
	free(name);
}

/*
 * One certificate's status, as validate_revocation() says; with fetchp,
 * as validate_revocation_path() says.
 */
static int
rev_one(struct validator *v, X509 *cert, X509 *issuer, int64_t now,
    int *fetchp, struct rev_status *st)
{
	unsigned char key[CACHE_KEY_LEN];
	struct rev_status s;
	int64_t expires, cap = INT64_MAX;
	int r, soft;

	memset(&s, 0, sizeof(s));
	s.reason = -1;
	s.source = "none";
	s.status = r = KALIT_OK;
	if (v->cfg.rev_mode == VALIDATE_REV_OFF)
		goto out;
	/* The local source is authoritative and cheap: never cached. */
	if (v->local != NULL && definite(r = v->local(v->local_arg, cert,
	    issuer, now, &s)))
		goto out;
	memset(&s, 0, sizeof(s));
	s.reason = -1;
	s.source = "none";
	if (!rev_key(cert, issuer, key)) {
		log_ssl(LOG_LEVEL_ERROR, "X509_pubkey_digest");
		s.status = r = KALIT_ERR_INTERNAL;
		goto out;
	}
	if (cache_get(&v->cache, key, now, &s)) {
		r = s.status;
		goto out;
	}
	if (definite(r = rev_lookup(v, cert, issuer, now, fetchp, &s, &cap))) {
		if ((expires = expiry(v, &s, now)) > cap)
			expires = cap;
		if (expires > now)
			cache_put(&v->cache, key, &s, expires);
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.reason = -1;
	s.source = "none";
	s.status = r = KALIT_ERR_REVOCATION_UNKNOWN;
	if (fetch_wanted(fetchp))
		goto out;	/* asked again, fetching */
	soft = v->cfg.rev_mode == VALIDATE_REV_SOFT_FAIL;
	rev_unknown_log(cert, issuer, soft);
	if (soft)
		s.status = r = KALIT_OK;
 out:
	if (st != NULL)
		*st = s;
	return r;
}

int
validate_revocation(struct validator *v, X509 *cert, X509 *issuer,
    int64_t now, struct rev_status *st)
{
	return rev_one(v, cert, issuer, now, NULL, st);
}

int
validate_revocation_path(struct validator *v, STACK_OF(X509) *chain,
    int64_t now, int *fetchp, struct rev_status *st, int *depthp)
{
	struct rev_status s;
	int i, n = sk_X509_num(chain), r = KALIT_OK;

	if (fetchp != NULL)
		*fetchp = 0;
	if (depthp != NULL)
		*depthp = 0;
	/* Every certificate below the trust anchor, the anchor last. */
	for (i = 0; i < n - 1; i++) {
		r = rev_one(v, sk_X509_value(chain, i),
		    sk_X509_value(chain, i + 1), now, fetchp, &s);
		if (i == 0 || r != KALIT_OK) {
			if (st != NULL)
				*st = s;
			if (depthp != NULL)
				*depthp = i;
		}
		if (r != KALIT_OK)
			break;
	}
	return r;
}

void
validator_set_local(struct validator *v,
    int (*status)(void *, X509 *, X509 *, int64_t, struct rev_status *),
    void *arg)
{
	v->local = status;
	v->local_arg = arg;
}
