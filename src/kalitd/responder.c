/*
 * responder.c: OCSP answers from the CA database, signed by delegated keys;
 * the pool of read-only connections and the poller that watches for
 * changes. The signers are in responder_signer.c, the cache of answers in
 * ocspcache.c, the CRLs in responder_crl.c.
 */
#include "config.h"
#include "responder_int.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"
#include "ocsp.h"
#include "store.h"
#include "x509.h"

#include <sys/stat.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/sha.h>

#define CHANGES_MAX	10000	/* more changed serials at once: drop all */

/* ---- the database: a pool of read-only connections ---- */

int
responder_pool_get(struct responder *r, struct store **sp, unsigned int *genp)
{
	int rc;

	pthread_mutex_lock(&r->mu);
	*sp = r->npool > 0 ? r->pool[--r->npool] : NULL;
	*genp = r->pool_gen;
	pthread_mutex_unlock(&r->mu);
	if (*sp != NULL)
		return KALIT_OK;
	if ((rc = store_open_readonly(r->cfg->ca_database, sp)) != KALIT_OK)
		log_msg(LOG_LEVEL_ERROR, "CA database %s: %s",
		    r->cfg->ca_database, kalit_strerror(rc));
	return rc;
}

void
responder_pool_put(struct responder *r, struct store *s, unsigned int gen,
    int ok)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	if (ok && gen == r->pool_gen && r->npool < POOL_MAX) {
		r->pool[r->npool++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&r->mu);
	store_free(s);
}

/*
 * Closes every connection: the idle ones now, those in use when they are
 * put back. They may read a file that is no longer at ca_database.
 */
static void
pool_drop(struct responder *r)
{
	struct store *old[POOL_MAX];
	size_t i, n;

	pthread_mutex_lock(&r->mu);
	r->pool_gen++;
	n = r->npool;
	memcpy(old, r->pool, n * sizeof(*old));
	r->npool = 0;
	pthread_mutex_unlock(&r->mu);
	for (i = 0; i < n; i++)
		store_free(old[i]);
}

/* ---- signers (responder_signer.c loads them) ---- */

/* The signers now, with a reference: pair with responder_signers_release(). */
static struct signers *
signers_acquire(struct responder *r)
{
	struct signers *ss;

	pthread_mutex_lock(&r->mu);
	ss = r->signers;
	atomic_fetch_add(&ss->refs, 1);
	pthread_mutex_unlock(&r->mu);
	return ss;
}

/* ---- the poller: what changed in the CA database ---- */

struct changes {
	char		**v;
	size_t		 n, cap;
	int		 overflow;
};

static int
change_one(const struct store_audit *a, void *arg)
{
	struct changes *c = arg;
	char **nv;

	if (a->serial[0] == '\0' || c->overflow)
		return KALIT_OK;
	if (c->n == CHANGES_MAX) {
		c->overflow = 1;
		return KALIT_OK;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		if ((nv = realloc(c->v, c->cap * sizeof(*nv))) == NULL)
			return KALIT_ERR_NOMEM;
		c->v = nv;
	}
	if ((c->v[c->n] = strdup(a->serial)) == NULL)
		return KALIT_ERR_NOMEM;
	c->n++;
	return KALIT_OK;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The poller's connection *sp, to the file at ca_database now (*id: the
 * file it was opened on). Connections to a file no longer there (moved
 * away, replaced, deleted while open) would go on reading it and never
 * see a revocation made in the one there now; so another file, or none,
 * closes them all and drops every cached answer.
 */
static int
poll_open(struct responder *r, struct store **sp, struct stat *id)
{
	struct stat st;
	int rc;

	if (stat(r->cfg->ca_database, &st) != 0 ||
	    access(r->cfg->ca_database, R_OK) != 0)
		return KALIT_ERR_CA_DIR;
	if (*sp != NULL && st.st_dev == id->st_dev && st.st_ino == id->st_ino)
		return KALIT_OK;
	store_free(*sp);
	*sp = NULL;
	pool_drop(r);
	ocspcache_purge(r->cache, NULL, 0);
	if ((rc = store_open_readonly(r->cfg->ca_database, sp)) != KALIT_OK)
		return rc;
	*id = st;
	return KALIT_OK;
}

/*
 * One look at the database: when its audit sequence moved, purge what the
 * new records name. When the database cannot be read, nothing cached can
 * be trusted to be current: purge everything.
 */
static int
poll_once(struct responder *r, struct store *s)
{
	struct changes c;
	char hash[STORE_HASH_HEX + 1];
	int64_t seq;
	size_t i;
	int rc;

	if ((rc = store_audit_last(s, &seq, hash)) != KALIT_OK) {
		ocspcache_purge(r->cache, NULL, 0);
		return rc;
	}
	if (seq == r->seq)
		return KALIT_OK;
	memset(&c, 0, sizeof(c));
	if ((rc = store_audit_list(s, r->seq, change_one, &c)) != KALIT_OK ||
	    c.overflow || seq < r->seq)
		ocspcache_purge(r->cache, NULL, 0);
	else if (c.n > 0) {
		qsort(c.v, c.n, sizeof(*c.v), str_cmp);
		ocspcache_purge(r->cache, c.v, c.n);
	} else	/* no certificate changed (a CRL was published): re-read */
		ocspcache_bump(r->cache);
	for (i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
	if (rc == KALIT_OK)
		r->seq = seq;
	return rc;
}

static void *
poller(void *arg)
{
	struct responder *r = arg;
	struct store *s = NULL;
	struct stat id;
	struct timespec until;
	long ms = r->cfg->ocsp_poll_ms;
	int failing = 0, rc;

	memset(&id, 0, sizeof(id));
	pthread_mutex_lock(&r->stop_mu);
	while (!r->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (ms % 1000) * 1000000L;
		until.tv_sec += ms / 1000 + until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&r->stop_cv, &r->stop_mu, &until);
		if (r->stop)
			break;
		pthread_mutex_unlock(&r->stop_mu);
		if ((rc = poll_open(r, &s, &id)) == KALIT_OK)
			rc = poll_once(r, s);
		if (rc != KALIT_OK) {
			if (!failing)
				log_msg(LOG_LEVEL_ERROR, "CA database %s: %s; "
				    "nothing cached, every answer reads it "
				    "anew (internalError while it cannot)",
				    r->cfg->ca_database, kalit_strerror(rc));
			store_free(s);
			s = NULL;
			pool_drop(r);
			ocspcache_purge(r->cache, NULL, 0);
		} else if (failing)
			log_msg(LOG_LEVEL_WARN, "CA database %s readable "
			    "again", r->cfg->ca_database);
		failing = rc != KALIT_OK;
		pthread_mutex_lock(&r->stop_mu);
	}
	pthread_mutex_unlock(&r->stop_mu);
	store_free(s);
	return NULL;
}

/* ---- answering ---- */

/* An unsigned refusal: malformedRequest, unauthorized, tryLater, ... */
static int
refusal(int status, struct ocspcache_answer *a)
{
	OCSP_RESPONSE *resp = OCSP_response_create(status, NULL);
	unsigned char *der = NULL;
	int len;

	if (resp == NULL || (len = i2d_OCSP_RESPONSE(resp, &der)) <= 0) {
		OCSP_RESPONSE_free(resp);
		return KALIT_ERR_NOMEM;
	}
	OCSP_RESPONSE_free(resp);
	/* OpenSSL's allocation, handed out as ours to free(). */
	if ((a->der = malloc((size_t)len)) != NULL)
		memcpy(a->der, der, (size_t)len);
	OPENSSL_free(der);
	a->len = (size_t)len;
	return a->der != NULL ? KALIT_OK : KALIT_ERR_NOMEM;
}

/*
 * Adds the status of cid (a certificate of s's CA) to bs, reading it from
 * the database, and appends its serial to *serials.
 */
static int
add_status(struct store *db, const struct signer *s, OCSP_CERTID *cid,
    ASN1_TIME *thisupd, ASN1_TIME *nextupd, OCSP_BASICRESP *bs,
    char *serials, size_t *slen, size_t cap)
{
	ASN1_INTEGER *serial;
	ASN1_TIME *rt = NULL;
	struct store_cert c;
	char hex[X509_SERIAL_HEX_MAX + 2];
	int r, status = V_OCSP_CERTSTATUS_UNKNOWN, reason = -1;
	size_t n;

	if (OCSP_id_get0_info(NULL, NULL, NULL, &serial, cid) != 1)
		return KALIT_ERR_MALFORMED;
	if (x509_integer_hex(serial, hex, sizeof(hex)) != KALIT_OK)
		hex[0] = '\0';	/* longer than any serial: unknown */
	if (hex[0] != '\0') {
		r = store_cert_get(db, hex, &c);
		if (r == KALIT_OK) {
			if (strcmp(c.ca, s->ca) != 0)
				;	/* another CA's serial: unknown */
			else if (c.status == STORE_VALID)
				status = V_OCSP_CERTSTATUS_GOOD;
			else {
				status = V_OCSP_CERTSTATUS_REVOKED;
				reason = c.status == STORE_HOLD ?
				    OCSP_REVOKED_STATUS_CERTIFICATEHOLD :
				    c.reason > 0 ? c.reason :
				    OCSP_REVOKED_STATUS_NOSTATUS;
				rt = ASN1_TIME_set(NULL, (time_t)c.revoked_at);
			}
			store_cert_clear(&c);
		} else if (r != KALIT_ERR_SERIAL_UNKNOWN)
			return r;
	}
	if (status == V_OCSP_CERTSTATUS_REVOKED && rt == NULL)
		return KALIT_ERR_NOMEM;
	r = OCSP_basic_add1_status(bs, cid, status, reason, rt, thisupd,
	    nextupd) != NULL ? KALIT_OK : KALIT_ERR_NOMEM;
	ASN1_TIME_free(rt);
	n = strlen(hex) + 1;
	if (r == KALIT_OK && *slen + n < cap) {
		memcpy(serials + *slen, hex, n);
		*slen += n;
	}
	return r;
}

/* Signs the answer to req about the certificates of s's CA. */
static int
sign_answer(struct responder *r, const struct signer *s, OCSP_REQUEST *req,
    int nonce, int64_t now, struct ocspcache_answer *a, char *serials,
    size_t *slen, size_t cap)
{
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	ASN1_TIME *thisupd = NULL, *nextupd = NULL;
	struct store *db = NULL;
	unsigned char *der = NULL;
	unsigned int gen;
	int i, n, len, rc = KALIT_ERR_NOMEM;

	a->this_update = now;
	a->next_update = now + r->cfg->ocsp_next_update;
	if ((bs = OCSP_BASICRESP_new()) == NULL ||
	    (thisupd = ASN1_TIME_set(NULL, (time_t)a->this_update)) == NULL ||
	    (nextupd = ASN1_TIME_set(NULL, (time_t)a->next_update)) == NULL)
		goto out;
	if ((rc = responder_pool_get(r, &db, &gen)) != KALIT_OK)
		goto out;
	n = OCSP_request_onereq_count(req);
	for (i = 0; i < n && rc == KALIT_OK; i++)
		rc = add_status(db, s, OCSP_onereq_get0_id(
		    OCSP_request_onereq_get0(req, i)), thisupd, nextupd, bs,
		    serials, slen, cap);
	responder_pool_put(r, db, gen, rc == KALIT_OK);
	if (rc != KALIT_OK)
		goto out;
	rc = KALIT_ERR_INTERNAL;
	if ((nonce && OCSP_copy_nonce(bs, req) != 1) ||
	    OCSP_basic_sign(bs, s->cert, s->key, key_sign_md(s->key), NULL,
	    OCSP_RESPID_KEY) != 1 ||
	    (resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL || (len = i2d_OCSP_RESPONSE(resp, &der)) <= 0) {
		log_msg(LOG_LEVEL_ERROR, "OCSP_basic_sign for CA %s failed",
		    s->ca);
		goto out;
	}
	rc = KALIT_ERR_NOMEM;
	if ((a->der = malloc((size_t)len)) == NULL)
		goto out;
	memcpy(a->der, der, (size_t)len);
	a->len = (size_t)len;
	rc = KALIT_OK;
 out:
	ERR_clear_error();
	OPENSSL_free(der);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	return rc;
}

int
responder_parse(const unsigned char *der, size_t len, OCSP_REQUEST **reqp,
    int *noncep)
{
	OCSP_REQUEST *req = NULL;
	OCSP_CERTID *cid;
	ASN1_INTEGER *serial;
	void *v;
	int i, n;

	*reqp = NULL;
	*noncep = 0;
	if (len == 0 || x509_d2i_exact(ASN1_ITEM_rptr(OCSP_REQUEST), NULL, der,
	    len, OCSP_REQUEST_MAX, &v) != KALIT_OK)
		goto bad;
	req = v;
	n = OCSP_request_onereq_count(req);
	if (n <= 0 || n > OCSP_REQUEST_CERTS_MAX)
		goto bad;
	for (i = 0; i < n; i++)
		if ((cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req,
		    i))) == NULL || OCSP_id_get0_info(NULL, NULL, NULL,
		    &serial, cid) != 1 || serial == NULL)
			goto bad;
	*noncep = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce,
	    -1) >= 0;
	*reqp = req;
	return KALIT_OK;
 bad:
	ERR_clear_error();
	OCSP_REQUEST_free(req);
	return KALIT_ERR_MALFORMED;
}

int
responder_answer(struct responder *r, const unsigned char *der, size_t len,
    int64_t now, struct ocspcache_answer *a)
{
	unsigned char key[SHA256_DIGEST_LENGTH];
	struct signers *ss = NULL;
	const struct signer *s = NULL, *si;
	OCSP_REQUEST *req = NULL;
	char serials[OCSP_REQUEST_CERTS_MAX * (X509_SERIAL_HEX_MAX + 2) + 1];
	size_t slen = 0;
	uint64_t epoch;
	int64_t refresh;
	int i, n, nonce, rc, status = OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;

	memset(a, 0, sizeof(*a));
	SHA256(der, len, key);
	if (ocspcache_get(r->cache, key, now, a))
		return KALIT_OK;
	epoch = ocspcache_epoch(r->cache);
	if (responder_parse(der, len, &req, &nonce) != KALIT_OK)
		goto refuse;
	n = OCSP_request_onereq_count(req);
	/* One signer answers: every certificate must be of its CA. */
	status = OCSP_RESPONSE_STATUS_UNAUTHORIZED;
	ss = signers_acquire(r);
	for (i = 0; i < n; i++) {
		si = responder_signer_of(ss, OCSP_onereq_get0_id(
		    OCSP_request_onereq_get0(req, i)));
		if (si == NULL || (s != NULL && si != s))
			goto refuse;
		s = si;
	}
	if (now < s->not_before || now >= s->not_after) {
		/* Once a minute, not once per request. */
		if (atomic_exchange(&r->logged_at, now) / 60 != now / 60)
			log_msg(LOG_LEVEL_ERROR, "OCSP for CA %s: the "
			    "responder certificate is not valid now; renew it "
			    "with 'kalit-ca responder --ca %s' and send kalitd "
			    "SIGHUP", s->ca, s->ca);
		status = OCSP_RESPONSE_STATUS_TRYLATER;
		goto refuse;
	}
	rc = sign_answer(r, s, req, nonce, now, a, serials, &slen,
	    sizeof(serials) - 1);
	if (rc == KALIT_OK) {
		a->cacheable = !nonce;
		serials[slen] = '\0';
		/* Not served past its signer's certificate: tryLater then. */
		refresh = now + r->cfg->ocsp_next_update / 2;
		if (refresh > s->not_after)
			refresh = s->not_after;
		if (a->cacheable)
			ocspcache_put(r->cache, key, epoch, serials,
			    slen + 1, a, refresh);
		goto out;
	}
	status = OCSP_RESPONSE_STATUS_INTERNALERROR;
 refuse:
	ERR_clear_error();
	rc = refusal(status, a);
 out:
	responder_signers_release(ss);
	OCSP_REQUEST_free(req);
	return rc;
}

/* ---- the local revocation source ---- */

int
responder_status(void *arg, X509 *cert, X509 *issuer, int64_t now,
    struct rev_status *st)
{
	struct responder *r = arg;
	struct signers *ss = signers_acquire(r);
	const struct signer *s = NULL;
	struct store_cert c;
	struct store *db = NULL;
	char hex[X509_SERIAL_HEX_MAX + 1];
	unsigned int gen;
	size_t i;
	int rc = KALIT_ERR_REVOCATION_UNKNOWN, dbr;

	for (i = 0; s == NULL && i < ss->n; i++)
		if (X509_cmp(ss->v[i].ca_cert, issuer) == 0)
			s = &ss->v[i];
	if (s == NULL || x509_serial_hex(cert, hex, sizeof(hex)) != KALIT_OK)
		goto out;
	if ((dbr = responder_pool_get(r, &db, &gen)) != KALIT_OK)
		goto out;
	dbr = store_cert_get(db, hex, &c);
	responder_pool_put(r, db, gen, dbr == KALIT_OK ||
	    dbr == KALIT_ERR_SERIAL_UNKNOWN);
	if (dbr != KALIT_OK) {
		if (dbr != KALIT_ERR_SERIAL_UNKNOWN)
			log_msg(LOG_LEVEL_ERROR, "CA database %s: %s",
			    r->cfg->ca_database, kalit_strerror(dbr));
		goto out;
	}
	if (strcmp(c.ca, s->ca) == 0) {
		memset(st, 0, sizeof(*st));
		st->reason = -1;
		st->source = "ca_database";
		snprintf(st->origin, sizeof(st->origin), "%s",
		    r->cfg->ca_database);
		st->this_update = now;
		rc = KALIT_OK;
		if (c.status != STORE_VALID) {
			rc = c.status == STORE_HOLD ? KALIT_ERR_CERT_ON_HOLD :
			    KALIT_ERR_CERT_REVOKED;
			st->revoked_at = c.revoked_at;
			st->reason = c.status == STORE_HOLD ?
			    OCSP_REVOKED_STATUS_CERTIFICATEHOLD : c.reason;
		}
		st->status = rc;
	}
	store_cert_clear(&c);
 out:
	responder_signers_release(ss);
	return rc;
}

/* ---- life ---- */

int
responder_new(const struct config *cfg, const char *signer_pass,
    struct responder **rp)
{
	struct responder *r;
	struct store *s = NULL;
	char hash[STORE_HASH_HEX + 1];
	unsigned int gen;
	int rc;

	*rp = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return KALIT_ERR_NOMEM;
	r->cfg = cfg;
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->stop_mu, NULL);
	pthread_cond_init(&r->stop_cv, NULL);
	atomic_init(&r->logged_at, 0);
	r->signer_pass = signer_pass;
	if ((rc = ocspcache_new(cfg->ocsp_cache_max, cfg->ocsp_cache_bytes,
	    &r->cache)) != KALIT_OK)
		goto fail;
	/* Changes from now on matter; the cache starts empty. */
	if ((rc = responder_pool_get(r, &s, &gen)) != KALIT_OK)
		goto fail;
	rc = store_audit_last(s, &r->seq, hash);
	responder_pool_put(r, s, gen, rc == KALIT_OK);
	if (rc != KALIT_OK ||
	    (rc = responder_signers_load(r, &r->signers)) != KALIT_OK)
		goto fail;
	if (pthread_create(&r->poller, NULL, poller, r) != 0) {
		rc = KALIT_ERR_INTERNAL;
		goto fail;
	}
	r->polling = 1;
	*rp = r;
	return KALIT_OK;
 fail:
	responder_free(r);
	return rc;
}

int
responder_reload(struct responder *r)
{
	struct signers *ss, *old;
	int rc;

	if ((rc = responder_signers_load(r, &ss)) != KALIT_OK)
		return rc;
	pthread_mutex_lock(&r->mu);
	old = r->signers;
	r->signers = ss;
	pthread_mutex_unlock(&r->mu);
	responder_signers_release(old);
	ocspcache_purge(r->cache, NULL, 0);
	return KALIT_OK;
}

void
responder_free(struct responder *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->polling) {
		pthread_mutex_lock(&r->stop_mu);
		r->stop = 1;
		pthread_cond_signal(&r->stop_cv);
		pthread_mutex_unlock(&r->stop_mu);
		pthread_join(r->poller, NULL);
	}
	ocspcache_free(r->cache);
	for (i = 0; i < r->npool; i++)
		store_free(r->pool[i]);
	responder_crls_free(r);
	responder_signers_release(r->signers);
	pthread_mutex_destroy(&r->mu);
	pthread_mutex_destroy(&r->stop_mu);
	pthread_cond_destroy(&r->stop_cv);
	free(r);
}
