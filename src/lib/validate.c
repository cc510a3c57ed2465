/* validate.c: is this certificate good for logging in or signing now? */
#include "config.h"

#include "validate.h"
#include "crl.h"
#include "err.h"
#include "fetch.h"
#include "file.h"
#include "log.h"
#include "ocsp.h"
#include "x509.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define TRUST_FILE_MAX		(1024 * 1024)	/* one *.crt or *.pem */
#define CACHE_KEY_LEN		32		/* SHA-256 */
#define CACHE_BUCKETS		16384		/* a power of two */
#define CACHE_MAX		100000		/* statuses remembered */
#define CACHE_LEEWAY		300		/* as OCSP and CRL checks */
#define URLS_MAX		2	/* OCSP or CDP URLs tried per cert */
#define CRL_SLOTS		16	/* downloaded CRLs kept */
#define TIMEOUT_DEFAULT_MS	5000
#define DOWN_SLOTS		8	/* responders remembered as down */
#define DOWN_SECONDS		5	/* for this long after a failure */
#define DOWN_URL_MAX		256

struct rev_entry {
	unsigned char	 key[CACHE_KEY_LEN];
	struct rev_status st;
	int64_t		 expires;
	struct rev_entry *next;			/* in its bucket */
	struct rev_entry *older, *newer;	/* eviction order */
};

struct rev_cache {
	pthread_mutex_t	 lock;
	struct rev_entry *bucket[CACHE_BUCKETS];
	struct rev_entry *oldest, *newest;
	size_t		 count;
};

/* A CRL downloaded from url that established some status. */
struct crl_slot {
	char		*url;
	X509_CRL	*crl;
	int64_t		 expires;
};

struct validator {
	struct validate_config cfg;	/* its strings are the copies below */
	char		*trust_dir;
	char		*ocsp_url;
	char		*crl_dir;
	X509_STORE	*store;		/* read-only once loaded */
	struct crl_dir	*crls;		/* NULL without crl_dir */
	struct rev_cache cache;
	pthread_mutex_t	 slots_lock;	/* also guards down */
	struct crl_slot	 slots[CRL_SLOTS];
	size_t		 slots_next;	/* replaced round-robin */
	struct {
		char	 url[DOWN_URL_MAX];
		int64_t	 until;
	}		 down[DOWN_SLOTS];
	size_t		 down_next;
};

/* Adds x from path to store: a CA certificate, counted when self-signed. */
static int
trust_add(X509_STORE *store, X509 *x, const char *path, int *rootsp)
{
	if (X509_check_ca(x) == 0) {
		log_msg(LOG_LEVEL_ERROR, "%s: holds a certificate that is not "
		    "a CA's", path);
		return KALIT_ERR_CONFIG;
	}
	if (X509_self_signed(x, 0) == 1) {
		if (X509_self_signed(x, 1) != 1) {
			log_msg(LOG_LEVEL_ERROR, "%s: self-signed certificate "
			    "with a bad signature", path);
			ERR_clear_error();
			return KALIT_ERR_CONFIG;
		}
		(*rootsp)++;
	}
	if (!X509_STORE_add_cert(store, x)) {
		log_ssl(LOG_LEVEL_ERROR, "X509_STORE_add_cert");
		return KALIT_ERR_INTERNAL;
	}
	return KALIT_OK;
}

/* Every certificate of one PEM (or DER) file into store. */
static int
trust_load_file(X509_STORE *store, const char *path, int *rootsp)
{
	int r = KALIT_ERR_CONFIG;
	unsigned char *buf = NULL;
	size_t len = 0, n = 0;
	BIO *mem = NULL;
	X509 *x = NULL;

	if (file_read(path, TRUST_FILE_MAX, &buf, &len) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "%s: unreadable or too large", path);
		goto out;
	}
	if (memmem(buf, len, "-----BEGIN ", 11) == NULL) {
		if (x509_parse(buf, len, &x) == KALIT_OK)
			r = trust_add(store, x, path, rootsp);
		else
			log_msg(LOG_LEVEL_ERROR, "%s: not a certificate", path);
		goto out;
	}
	if ((mem = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	for (; (x = PEM_read_bio_X509(mem, NULL, NULL, NULL)) != NULL; n++) {
		if ((r = trust_add(store, x, path, rootsp)) != KALIT_OK)
			goto out;
		X509_free(x);
	}
	/* The loop ends at the end of the text, or at a broken block. */
	if (n == 0 || ERR_GET_REASON(ERR_peek_last_error()) !=
	    PEM_R_NO_START_LINE) {
		log_ssl(LOG_LEVEL_ERROR, "PEM_read_bio_X509");
		log_msg(LOG_LEVEL_ERROR, "%s: bad PEM certificate", path);
		r = KALIT_ERR_CONFIG;
		goto out;
	}
	r = KALIT_OK;
 out:
	ERR_clear_error();
	X509_free(x);
	BIO_free(mem);
	free(buf);
	return r;
}

static int
trust_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 4 && (strcmp(name + n - 4, ".crt") == 0 ||
	    strcmp(name + n - 4, ".pem") == 0);
}

static int
trust_load(X509_STORE *store, const char *dir)
{
	int r = KALIT_OK, roots = 0;
	char path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", dir, strerror(errno));
		return KALIT_ERR_CONFIG;
	}
	while (r == KALIT_OK && (de = readdir(d)) != NULL) {
		if (!trust_name(de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path) || stat(path, &sb) != 0) {
			log_msg(LOG_LEVEL_ERROR, "%s/%s: cannot stat", dir,
			    de->d_name);
			r = KALIT_ERR_CONFIG;
		} else if (S_ISREG(sb.st_mode))
			r = trust_load_file(store, path, &roots);
	}
	closedir(d);
	if (r == KALIT_OK && roots == 0) {
		log_msg(LOG_LEVEL_ERROR, "%s: no self-signed root certificate",
		    dir);
		r = KALIT_ERR_CONFIG;
	}
	return r;
}

/* *cfgp = *dstp = a copy of src, which may be NULL. */
static int
copy_str(const char *src, char **dstp, const char **cfgp)
{
	if (src == NULL)
		return 1;
	if ((*dstp = strdup(src)) == NULL)
		return 0;
	*cfgp = *dstp;
	return 1;
}

int
validator_new(const struct validate_config *cfg, struct validator **vp)
{
	int r = KALIT_ERR_NOMEM;
	struct validator *v;

	*vp = NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return KALIT_ERR_NOMEM;
	if (pthread_mutex_init(&v->cache.lock, NULL) != 0) {
		free(v);
		return KALIT_ERR_INTERNAL;
	}
	if (pthread_mutex_init(&v->slots_lock, NULL) != 0) {
		pthread_mutex_destroy(&v->cache.lock);
		free(v);
		return KALIT_ERR_INTERNAL;
	}
	v->cfg = *cfg;
	if (v->cfg.timeout_ms <= 0)
		v->cfg.timeout_ms = TIMEOUT_DEFAULT_MS;
	if (!copy_str(cfg->trust_dir, &v->trust_dir, &v->cfg.trust_dir) ||
	    !copy_str(cfg->ocsp_url, &v->ocsp_url, &v->cfg.ocsp_url) ||
	    !copy_str(cfg->crl_dir, &v->crl_dir, &v->cfg.crl_dir) ||
	    (v->store = X509_STORE_new()) == NULL)
		goto out;
	if (v->trust_dir == NULL) {
		log_msg(LOG_LEVEL_ERROR, "no trust directory");
		r = KALIT_ERR_CONFIG;
		goto out;
	}
	if ((r = trust_load(v->store, v->trust_dir)) != KALIT_OK ||
	    (v->crl_dir != NULL &&
	    (r = crl_dir_new(v->crl_dir, &v->crls)) != KALIT_OK))
		goto out;
	*vp = v;
	v = NULL;
	r = KALIT_OK;
 out:
	validator_free(v);
	return r;
}

void
validator_free(struct validator *v)
{
	if (v == NULL)
		return;
	validate_cache_flush(v);	/* the downloaded CRLs too */
	pthread_mutex_destroy(&v->cache.lock);
	pthread_mutex_destroy(&v->slots_lock);
	crl_dir_free(v->crls);
	X509_STORE_free(v->store);
	free(v->trust_dir);
	free(v->ocsp_url);
	free(v->crl_dir);
	free(v);
}

X509_STORE *
validator_store(struct validator *v)
{
	return v->store;
}

int
validate_path(struct validator *v, X509 *cert, STACK_OF(X509) *extra,
    int64_t now, STACK_OF(X509) **chainp)
{
	int r = KALIT_ERR_INTERNAL;
	X509_STORE_CTX *ctx;
	int err;

	*chainp = NULL;
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return KALIT_ERR_NOMEM;
	if (!X509_STORE_CTX_init(ctx, v->store, cert, extra)) {
		log_ssl(LOG_LEVEL_ERROR, "X509_STORE_CTX_init");
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		log_msg(LOG_LEVEL_INFO, "certificate path: %s (depth %d)",
		    X509_verify_cert_error_string(err),
		    X509_STORE_CTX_get_error_depth(ctx));
		r = err == X509_V_ERR_CERT_HAS_EXPIRED ?
		    KALIT_ERR_CERT_EXPIRED :
		    err == X509_V_ERR_CERT_NOT_YET_VALID ?
		    KALIT_ERR_CERT_NOT_YET_VALID : KALIT_ERR_CERT_UNTRUSTED;
		goto out;
	}
	/* A trust anchor alone is nobody's certificate. */
	r = KALIT_ERR_CERT_UNTRUSTED;
	if (sk_X509_num(X509_STORE_CTX_get0_chain(ctx)) < 2)
		goto out;
	r = KALIT_ERR_NOMEM;
	if ((*chainp = X509_STORE_CTX_get1_chain(ctx)) == NULL)
		goto out;
	r = KALIT_OK;
 out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	return r;
}

int
validate_chain(struct validator *v, X509 *cert, STACK_OF(X509) *extra,
    int64_t now, X509 **issuerp)
{
	STACK_OF(X509) *chain;
	int r;

	*issuerp = NULL;
	if ((r = validate_path(v, cert, extra, now, &chain)) != KALIT_OK)
		return r;
	*issuerp = sk_X509_value(chain, 1);
	X509_up_ref(*issuerp);
	sk_X509_pop_free(chain, X509_free);
	return KALIT_OK;
}

int
validate_time(X509 *cert, int64_t now)
{
	int nb, na;

	nb = ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert), (time_t)now);
	na = ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert), (time_t)now);
	if (nb == -2 || na == -2)
		return KALIT_ERR_MALFORMED;
	if (nb > 0)
		return KALIT_ERR_CERT_NOT_YET_VALID;
	if (na < 0)
		return KALIT_ERR_CERT_EXPIRED;
	return KALIT_OK;
}

int
validate_key_usage(X509 *cert)
{
	if (!(X509_get_extension_flags(cert) & EXFLAG_KUSAGE) ||
	    !(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE))
		return KALIT_ERR_CERT_PURPOSE;
	return KALIT_OK;
}

int
validate_key_usage_sign(X509 *cert)
{
	uint32_t xku = X509_get_extended_key_usage(cert);

	if (!(X509_get_extension_flags(cert) & EXFLAG_KUSAGE) ||
	    !(X509_get_key_usage(cert) &
	    (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
		return KALIT_ERR_CERT_PURPOSE;
	if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) &&
	    !(xku & (XKU_SMIME | XKU_ANYEKU)))
		return KALIT_ERR_CERT_PURPOSE;
	return KALIT_OK;
}

int
validate_eku_client(X509 *cert)
{
	if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) &&
	    !(X509_get_extended_key_usage(cert) & XKU_SSL_CLIENT))
		return KALIT_ERR_CERT_PURPOSE;
	return KALIT_OK;
}

int
validate_policy(X509 *cert, const char *oid)
{
	CERTIFICATEPOLICIES *pols;
	ASN1_OBJECT *want;
	POLICYINFO *pi;
	int i, r = KALIT_ERR_CERT_POLICY;

	if (oid == NULL || (want = OBJ_txt2obj(oid, 1)) == NULL) {
		ERR_clear_error();
		return KALIT_ERR_CERT_POLICY;
	}
	pols = X509_get_ext_d2i(cert, NID_certificate_policies, NULL, NULL);
	for (i = 0; r != KALIT_OK && i < sk_POLICYINFO_num(pols); i++) {
		pi = sk_POLICYINFO_value(pols, i);
		if (OBJ_cmp(pi->policyid, want) == 0)
			r = KALIT_OK;
	}
	CERTIFICATEPOLICIES_free(pols);
	ASN1_OBJECT_free(want);
	ERR_clear_error();
	return r;
}

int
validate_policy_issued(X509 *cert, X509 *issuer, const char *oid)
{
	if (validate_policy(cert, oid) == KALIT_OK &&
	    (validate_policy(issuer, oid) == KALIT_OK ||
	    validate_policy(issuer, "2.5.29.32.0") == KALIT_OK))
		return KALIT_OK;
	return KALIT_ERR_CERT_POLICY;
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
	else if (c->count >= CACHE_MAX) {
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
	for (i = 0; i < CRL_SLOTS; i++) {
		free(v->slots[i].url);
		X509_CRL_free(v->slots[i].crl);
		memset(&v->slots[i], 0, sizeof(v->slots[i]));
	}
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

static int
http_url(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0;
}

/*
 * fetch(), unless the server at rq->url failed to answer within the last
 * DOWN_SECONDS: while a responder is down, it costs one timeout every few
 * seconds instead of one per login, so the request threads stay free (and
 * the answer stays "unknown": fail closed).
 */
static int
rev_fetch(struct validator *v, const struct fetch_req *rq, long *statusp,
    unsigned char **bodyp, size_t *lenp)
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
    const unsigned char *der, size_t len, int64_t now, struct rev_status *st)
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
	if ((r = rev_fetch(v, &rq, &status, &body, &body_len)) != KALIT_OK)
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
    struct rev_status *st)
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
		r = ocsp_ask(v, v->cfg.ocsp_url, req, der, len, now, st);
	else if ((aia = X509_get1_ocsp(cert)) != NULL) {
		for (i = 0; !definite(r) && tried < URLS_MAX &&
		    i < sk_OPENSSL_STRING_num(aia); i++) {
			url = sk_OPENSSL_STRING_value(aia, i);
			if (!http_url(url))
				continue;
			tried++;
			r = ocsp_ask(v, url, req, der, len, now, st);
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

static void
slot_put(struct validator *v, const char *url, X509_CRL *crl,
    int64_t expires)
{
	struct crl_slot *s = NULL;
	char *copy;
	size_t i;

	if ((copy = strdup(url)) == NULL || !X509_CRL_up_ref(crl)) {
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
	free(s->url);
	X509_CRL_free(s->crl);
	s->url = copy;
	s->crl = crl;
	s->expires = expires;
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
    int64_t now, struct rev_status *st, int64_t *capp)
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
		if ((r = rev_fetch(v, &rq, &status, &body, &len)) == KALIT_OK &&
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
    struct rev_status *st, int64_t *capp)
{
	int r = KALIT_ERR_REVOCATION_UNKNOWN;
	STACK_OF(DIST_POINT) *cdp;
	GENERAL_NAMES *names;
	GENERAL_NAME *gn;
	DIST_POINT *dp;
	const char *url;
	int i, j, tried = 0;

	cdp = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	for (i = 0; !definite(r) && i < sk_DIST_POINT_num(cdp); i++) {
		dp = sk_DIST_POINT_value(cdp, i);
		/* partitioned by reason, or indirect: not for us */
		if (dp->distpoint == NULL || dp->distpoint->type != 0 ||
		    dp->reasons != NULL || dp->CRLissuer != NULL)
			continue;
		names = dp->distpoint->name.fullname;
		for (j = 0; !definite(r) && tried < URLS_MAX &&
		    j < sk_GENERAL_NAME_num(names); j++) {
			gn = sk_GENERAL_NAME_value(names, j);
			if (gn->type != GEN_URI)
				continue;
			url = (const char *)ASN1_STRING_get0_data(
			    gn->d.uniformResourceIdentifier);
			if (strlen(url) != (size_t)ASN1_STRING_length(
			    gn->d.uniformResourceIdentifier) || !http_url(url))
				continue;
			tried++;
			r = crl_from_url(v, url, cert, issuer, now, st, capp);
		}
	}
	CRL_DIST_POINTS_free(cdp);
	ERR_clear_error();
	return r;
}

/* Asks each configured source in turn until one establishes the status. */
static int
rev_lookup(struct validator *v, X509 *cert, X509 *issuer, int64_t now,
    struct rev_status *st, int64_t *capp)
{
	int r = KALIT_ERR_REVOCATION_UNKNOWN;

	if (v->cfg.ocsp)
		r = rev_ocsp(v, cert, issuer, now, st);
	if (!definite(r) && v->cfg.crl && v->crls != NULL)
		r = crl_dir_status(v->crls, cert, issuer, now, st);
	if (!definite(r) && v->cfg.crl && v->cfg.crl_fetch)
		r = rev_cdp(v, cert, issuer, now, st, capp);
	return r;
}

static void
rev_unknown_log(X509 *cert, X509 *issuer, int soft)
{
	char serial[X509_SERIAL_HEX_MAX + 1], name[256];

	if (x509_serial_hex(cert, serial, sizeof(serial)) != KALIT_OK)
		strcpy(serial, "?");
	if (X509_NAME_oneline(X509_get_subject_name(issuer), name,
	    sizeof(name)) == NULL)
		strcpy(name, "?");
	log_msg(soft ? LOG_LEVEL_WARN : LOG_LEVEL_INFO, "revocation status "
	    "of serial %s from %s unknown: %s", serial, name, soft ?
	    "accepted (soft-fail)" : "refused");
}

int
validate_revocation(struct validator *v, X509 *cert, X509 *issuer,
    int64_t now, struct rev_status *st)
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
	if (!rev_key(cert, issuer, key)) {
		log_ssl(LOG_LEVEL_ERROR, "X509_pubkey_digest");
		s.status = r = KALIT_ERR_INTERNAL;
		goto out;
	}
	if (cache_get(&v->cache, key, now, &s)) {
		r = s.status;
		goto out;
	}
	if (definite(r = rev_lookup(v, cert, issuer, now, &s, &cap))) {
		if ((expires = expiry(v, &s, now)) > cap)
			expires = cap;
		if (expires > now)
			cache_put(&v->cache, key, &s, expires);
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.reason = -1;
	s.source = "none";
	soft = v->cfg.rev_mode == VALIDATE_REV_SOFT_FAIL;
	rev_unknown_log(cert, issuer, soft);
	s.status = r = soft ? KALIT_OK : KALIT_ERR_REVOCATION_UNKNOWN;
 out:
	if (st != NULL)
		*st = s;
	return r;
}
