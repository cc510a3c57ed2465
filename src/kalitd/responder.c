/* responder.c: OCSP answers from the CA database, signed by delegated keys */
#include "config.h"
#include "responder.h"
#include "err.h"
#include "keyfile.h"
#include "profile.h"
#include "log.h"
#include "store.h"
#include "x509.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#define SHARDS		64
#define BUCKETS		1024	/* per shard */
#define CHAIN_MAX	8	/* entries per bucket; more are not cached */
#define POOL_MAX	16	/* idle read-only database connections */
#define CHANGES_MAX	10000	/* more changed serials at once: drop all */

/* What a CertID must hash to, per hash algorithm, to name this CA. */
static const int certid_nids[] = {
	NID_sha1, NID_sha256, NID_sha384, NID_sha512
};
#define NCERTID	(sizeof(certid_nids) / sizeof(certid_nids[0]))

struct signer {
	char		 ca[PROFILE_NAME_MAX + 1];
	X509		*ca_cert;
	X509		*cert;		/* the delegated OCSP signing certificate */
	EVP_PKEY	*key;
	int64_t		 not_before, not_after;
	struct {
		unsigned int	 name_len, key_len;
		unsigned char	 name[EVP_MAX_MD_SIZE], key[EVP_MAX_MD_SIZE];
	} id[NCERTID];
};

struct signers {
	atomic_int	 refs;
	size_t		 n;
	struct signer	*v;
};

struct entry {
	struct entry	*next;
	unsigned char	 key[SHA256_DIGEST_LENGTH];	/* of the request */
	int64_t		 refresh;	/* signed again from then on */
	int64_t		 this_update, next_update;
	char		*serials;	/* "a1\0b2\0\0": what makes it stale */
	unsigned char	*der;
	size_t		 len;
};

struct shard {
	pthread_mutex_t	 mu;
	size_t		 n;
	struct entry	*b[BUCKETS];
};

#define CRLS_MAX	1024	/* published CRLs remembered */

/* A CRL read from the database, valid while the epoch is unchanged. */
struct crl_slot {
	struct crl_slot		*next;
	char			 name[PROFILE_NAME_MAX + 32];
	uint64_t		 epoch;
	struct responder_crl	*crl;
};

struct responder {
	const struct config *cfg;
	const char	*signer_pass;	/* borrowed */
	pthread_mutex_t	 mu;		/* signers and pool */
	struct signers	*signers;
	struct store	*pool[POOL_MAX];
	size_t		 npool;
	unsigned int	 pool_gen;	/* bumped when the pool is dropped */
	struct shard	*shards;
	size_t		 shard_max;	/* entries per shard */
	/*
	 * Bumped on every change the poller sees: an answer built from a
	 * read made before the bump is not cached (see cache_put).
	 */
	atomic_uint_fast64_t epoch;
	pthread_t	 poller;
	int		 polling;
	pthread_mutex_t	 stop_mu;
	pthread_cond_t	 stop_cv;
	int		 stop;
	int64_t		 seq;		/* last audit record seen */
	atomic_int_fast64_t logged_at;	/* last "not valid now" line */
	struct crl_slot	*crls;		/* under mu */
	size_t		 ncrls;
};

/* ---- the database: a pool of read-only connections ---- */

/* A connection and its generation, which pool_put() wants back. */
static int
pool_get(struct responder *r, struct store **sp, unsigned int *genp)
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

/*
 * Returns s to the pool; after an error (ok == 0), or when the pool was
 * dropped since s was taken, it is closed instead.
 */
static void
pool_put(struct responder *r, struct store *s, unsigned int gen, int ok)
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

/* ---- signers ---- */

static void
signers_release(struct signers *ss)
{
	size_t i;

	if (ss == NULL || atomic_fetch_sub(&ss->refs, 1) != 1)
		return;
	for (i = 0; i < ss->n; i++) {
		X509_free(ss->v[i].ca_cert);
		X509_free(ss->v[i].cert);
		EVP_PKEY_free(ss->v[i].key);
	}
	free(ss->v);
	free(ss);
}

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

/* The CAs of the database, with their certificates. */
struct ca_list {
	struct store	*s;
	size_t		 n, cap;
	struct signer	*v;
};

static int
ca_one(const struct store_ca *rec, void *arg)
{
	struct ca_list *l = arg;
	struct store_cert c;
	struct signer *nv;
	X509 *cert = NULL;
	int r;

	if (l->n == l->cap) {
		if ((nv = realloc(l->v, (l->cap + 8) * sizeof(*nv))) == NULL)
			return KALIT_ERR_NOMEM;
		memset(nv + l->cap, 0, 8 * sizeof(*nv));
		l->v = nv;
		l->cap += 8;
	}
	if ((r = store_cert_get(l->s, rec->serial, &c)) != KALIT_OK)
		return r;
	r = x509_parse(c.der, c.der_len, &cert);
	store_cert_clear(&c);
	if (r != KALIT_OK)
		return r;
	snprintf(l->v[l->n].ca, sizeof(l->v[l->n].ca), "%s", rec->name);
	l->v[l->n++].ca_cert = cert;
	return KALIT_OK;
}

/* The hashes an OCSP CertID carries for the CA s->ca_cert. */
static int
signer_ids(struct signer *s)
{
	const EVP_MD *md;
	size_t i;

	for (i = 0; i < NCERTID; i++) {
		if ((md = EVP_get_digestbynid(certid_nids[i])) == NULL ||
		    X509_NAME_digest(X509_get_subject_name(s->ca_cert), md,
		    s->id[i].name, &s->id[i].name_len) != 1 ||
		    X509_pubkey_digest(s->ca_cert, md, s->id[i].key,
		    &s->id[i].key_len) != 1)
			return KALIT_ERR_INTERNAL;
	}
	return KALIT_OK;
}

/* Adds the responder key file path to l's CA that issued it. */
static int
signer_add(struct ca_list *l, const char *path, const char *pass)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	struct signer *s;
	int64_t not_before, not_after;
	size_t i;
	int r;

	if ((r = keyfile_load_p12(path, pass, &key, &cert, NULL)) !=
	    KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "responder key file %s: %s", path,
		    kalit_strerror(r));
		return r;
	}
	r = KALIT_ERR_CERT_PURPOSE;
	if (!(X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(cert) & XKU_OCSP_SIGN)) {
		log_msg(LOG_LEVEL_ERROR, "responder key file %s: its "
		    "certificate is not for OCSP signing; make one with "
		    "'kalit-ca responder'", path);
		goto out;
	}
	if ((r = x509_time_unix(X509_get0_notBefore(cert), &not_before)) !=
	    KALIT_OK ||
	    (r = x509_time_unix(X509_get0_notAfter(cert), &not_after)) !=
	    KALIT_OK)
		goto out;
	r = KALIT_ERR_CA_UNKNOWN;
	for (i = 0; i < l->n; i++) {
		s = &l->v[i];
		if (X509_check_issued(s->ca_cert, cert) != X509_V_OK ||
		    X509_verify(cert, X509_get0_pubkey(s->ca_cert)) != 1)
			continue;
		r = KALIT_OK;
		/* Renewed: the one valid longest signs. */
		if (s->cert != NULL && not_after <= s->not_after)
			break;
		X509_free(s->cert);
		EVP_PKEY_free(s->key);
		s->cert = cert;
		s->key = key;
		cert = NULL;
		key = NULL;
		s->not_before = not_before;
		s->not_after = not_after;
		break;
	}
	if (r != KALIT_OK)
		log_msg(LOG_LEVEL_ERROR, "responder key file %s: issued by no "
		    "CA of the CA database", path);
 out:
	EVP_PKEY_free(key);
	X509_free(cert);
	ERR_clear_error();
	return r;
}

static int
is_p12(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".p12") == 0 && name[0] != '.';
}

/* Every CA with a responder key file in signer_dir becomes a signer. */
static int
signers_load(struct responder *r, struct signers **ssp)
{
	struct ca_list *l;
	struct signers *ss = NULL;
	struct dirent *de;
	DIR *dir = NULL;
	char path[4096];
	unsigned int gen;
	size_t i;
	int rc;

	*ssp = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return KALIT_ERR_NOMEM;
	if ((rc = pool_get(r, &l->s, &gen)) != KALIT_OK)
		goto out;
	rc = store_ca_list(l->s, ca_one, l);
	pool_put(r, l->s, gen, rc == KALIT_OK);
	if (rc != KALIT_OK)
		goto out;
	if (r->cfg->signer_dir != NULL) {
		if ((dir = opendir(r->cfg->signer_dir)) == NULL) {
			log_msg(LOG_LEVEL_ERROR, "[responder] signer_dir %s: "
			    "%s", r->cfg->signer_dir, strerror(errno));
			rc = KALIT_ERR_CONFIG;
			goto out;
		}
		while ((de = readdir(dir)) != NULL) {
			if (!is_p12(de->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s",
			    r->cfg->signer_dir, de->d_name);
			if ((rc = signer_add(l, path, r->signer_pass)) !=
			    KALIT_OK)
				goto out;
		}
	}
	rc = KALIT_ERR_NOMEM;
	if ((ss = calloc(1, sizeof(*ss))) == NULL ||
	    (ss->v = calloc(l->n + 1, sizeof(*ss->v))) == NULL)
		goto out;
	atomic_init(&ss->refs, 1);
	for (i = 0; i < l->n; i++) {
		if (l->v[i].cert == NULL) {
			X509_free(l->v[i].ca_cert);
			continue;
		}
		ss->v[ss->n] = l->v[i];
		memset(&l->v[i], 0, sizeof(l->v[i]));
		if ((rc = signer_ids(&ss->v[ss->n++])) != KALIT_OK)
			goto out;
		log_msg(LOG_LEVEL_INFO, "OCSP for CA %s: signer valid until "
		    "%lld", ss->v[ss->n - 1].ca,
		    (long long)ss->v[ss->n - 1].not_after);
	}
	l->n = 0;
	*ssp = ss;
	ss = NULL;
	rc = KALIT_OK;
 out:
	if (dir != NULL)
		closedir(dir);
	for (i = 0; l != NULL && i < l->n; i++) {
		X509_free(l->v[i].ca_cert);
		X509_free(l->v[i].cert);
		EVP_PKEY_free(l->v[i].key);
	}
	if (l != NULL)
		free(l->v);
	free(l);
	if (ss != NULL)
		signers_release(ss);
	return rc;
}

/* The signer whose CA the CertID names, or NULL. */
static const struct signer *
signer_of(const struct signers *ss, OCSP_CERTID *cid)
{
	ASN1_OCTET_STRING *nh, *kh;
	ASN1_OBJECT *md;
	const struct signer *s;
	size_t i, k;
	int nid;

	if (OCSP_id_get0_info(&nh, &md, &kh, NULL, cid) != 1)
		return NULL;
	nid = OBJ_obj2nid(md);
	for (k = 0; k < NCERTID && certid_nids[k] != nid; k++)
		;
	if (k == NCERTID)
		return NULL;
	for (i = 0; i < ss->n; i++) {
		s = &ss->v[i];
		if ((unsigned int)ASN1_STRING_length(nh) == s->id[k].name_len &&
		    (unsigned int)ASN1_STRING_length(kh) == s->id[k].key_len &&
		    memcmp(ASN1_STRING_get0_data(nh), s->id[k].name,
		    s->id[k].name_len) == 0 &&
		    memcmp(ASN1_STRING_get0_data(kh), s->id[k].key,
		    s->id[k].key_len) == 0)
			return s;
	}
	return NULL;
}

/* ---- the cache of signed answers ---- */

static void
entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	free(e->serials);
	free(e->der);
	free(e);
}

static struct shard *
shard_of(struct responder *r, const unsigned char *key, struct entry ***bp)
{
	struct shard *sh = &r->shards[key[0] % SHARDS];

	*bp = &sh->b[((size_t)key[1] << 8 | key[2]) % BUCKETS];
	return sh;
}

/* A copy of the cached answer for key still fresh at now; 0 if none. */
static int
cache_get(struct responder *r, const unsigned char *key, int64_t now,
    struct responder_answer *a)
{
	struct entry **b, *e;
	struct shard *sh;
	int hit = 0;

	if (r->shard_max == 0)
		return 0;
	sh = shard_of(r, key, &b);
	pthread_mutex_lock(&sh->mu);
	for (e = *b; e != NULL; e = e->next) {
		if (memcmp(e->key, key, sizeof(e->key)) != 0)
			continue;
		if (now < e->refresh && (a->der = malloc(e->len)) != NULL) {
			memcpy(a->der, e->der, e->len);
			a->len = e->len;
			a->cacheable = 1;
			a->this_update = e->this_update;
			a->next_update = e->next_update;
			hit = 1;
		}
		break;
	}
	pthread_mutex_unlock(&sh->mu);
	return hit;
}

static void
shard_clear(struct shard *sh)
{
	struct entry *e;
	size_t i;

	for (i = 0; i < BUCKETS; i++)
		while ((e = sh->b[i]) != NULL) {
			sh->b[i] = e->next;
			entry_free(e);
		}
	sh->n = 0;
}

/*
 * Caches a copy of a, made from a database read that began at epoch: if
 * the poller has seen a change since, the read may predate it, so the
 * answer is not kept (the poller bumps the epoch before it purges).
 */
static void
cache_put(struct responder *r, const unsigned char *key, uint64_t epoch,
    const char *serials, size_t slen, const struct responder_answer *a,
    int64_t refresh)
{
	struct entry **b, **pp, *e;
	struct shard *sh;
	size_t depth = 0;

	if (r->shard_max == 0 || (e = calloc(1, sizeof(*e))) == NULL)
		return;
	memcpy(e->key, key, sizeof(e->key));
	e->refresh = refresh;
	e->this_update = a->this_update;
	e->next_update = a->next_update;
	e->len = a->len;
	if ((e->serials = malloc(slen)) == NULL ||
	    (e->der = malloc(a->len)) == NULL) {
		entry_free(e);
		return;
	}
	memcpy(e->serials, serials, slen);
	memcpy(e->der, a->der, a->len);
	sh = shard_of(r, key, &b);
	pthread_mutex_lock(&sh->mu);
	if (atomic_load(&r->epoch) != epoch)
		goto skip;
	for (pp = b; *pp != NULL; pp = &(*pp)->next, depth++)
		if (memcmp((*pp)->key, key, sizeof(e->key)) == 0) {
			e->next = (*pp)->next;	/* replaces a stale one */
			entry_free(*pp);
			*pp = e;
			e = NULL;
			goto skip;
		}
	if (depth >= CHAIN_MAX)
		goto skip;
	if (sh->n >= r->shard_max)
		shard_clear(sh);	/* full: start over, rarely */
	e->next = *b;
	*b = e;
	e = NULL;
	sh->n++;
 skip:
	pthread_mutex_unlock(&sh->mu);
	entry_free(e);
}

/* Is any of the entry's serials among the sorted changed ones? */
static int
entry_stale(const struct entry *e, char **changed, size_t n)
{
	const char *s;
	size_t lo, hi, mid;
	int c;

	for (s = e->serials; *s != '\0'; s += strlen(s) + 1) {
		lo = 0;
		hi = n;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if ((c = strcmp(s, changed[mid])) == 0)
				return 1;
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	return 0;
}

/* Drops the answers about changed (sorted; NULL: every answer). */
static void
cache_purge(struct responder *r, char **changed, size_t n)
{
	struct entry **pp, *e;
	struct shard *sh;
	size_t i, j;

	atomic_fetch_add(&r->epoch, 1);
	for (i = 0; i < SHARDS; i++) {
		sh = &r->shards[i];
		pthread_mutex_lock(&sh->mu);
		if (changed == NULL)
			shard_clear(sh);
		else
			for (j = 0; j < BUCKETS; j++)
				for (pp = &sh->b[j]; (e = *pp) != NULL;) {
					if (!entry_stale(e, changed, n)) {
						pp = &e->next;
						continue;
					}
					*pp = e->next;
					entry_free(e);
					sh->n--;
				}
		pthread_mutex_unlock(&sh->mu);
	}
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
	cache_purge(r, NULL, 0);
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
		cache_purge(r, NULL, 0);
		return rc;
	}
	if (seq == r->seq)
		return KALIT_OK;
	memset(&c, 0, sizeof(c));
	if ((rc = store_audit_list(s, r->seq, change_one, &c)) != KALIT_OK ||
	    c.overflow || seq < r->seq)
		cache_purge(r, NULL, 0);
	else if (c.n > 0) {
		qsort(c.v, c.n, sizeof(*c.v), str_cmp);
		cache_purge(r, c.v, c.n);
	} else	/* no certificate changed (a CRL was published): re-read */
		atomic_fetch_add(&r->epoch, 1);
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
			cache_purge(r, NULL, 0);
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
refusal(int status, struct responder_answer *a)
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
    int nonce, int64_t now, struct responder_answer *a, char *serials,
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
	if ((rc = pool_get(r, &db, &gen)) != KALIT_OK)
		goto out;
	n = OCSP_request_onereq_count(req);
	for (i = 0; i < n && rc == KALIT_OK; i++)
		rc = add_status(db, s, OCSP_onereq_get0_id(
		    OCSP_request_onereq_get0(req, i)), thisupd, nextupd, bs,
		    serials, slen, cap);
	pool_put(r, db, gen, rc == KALIT_OK);
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
	const unsigned char *p = der;
	OCSP_REQUEST *req = NULL;
	OCSP_CERTID *cid;
	ASN1_INTEGER *serial;
	int i, n;

	*reqp = NULL;
	*noncep = 0;
	if (len == 0 || len > OCSP_REQUEST_MAX ||
	    (req = d2i_OCSP_REQUEST(NULL, &p, (long)len)) == NULL)
		goto bad;
	n = OCSP_request_onereq_count(req);
	if (p != der + len || n <= 0 || n > OCSP_REQUEST_CERTS_MAX)
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
    int64_t now, struct responder_answer *a)
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
	if (cache_get(r, key, now, a))
		return KALIT_OK;
	epoch = atomic_load(&r->epoch);
	if (responder_parse(der, len, &req, &nonce) != KALIT_OK)
		goto refuse;
	n = OCSP_request_onereq_count(req);
	/* One signer answers: every certificate must be of its CA. */
	status = OCSP_RESPONSE_STATUS_UNAUTHORIZED;
	ss = signers_acquire(r);
	for (i = 0; i < n; i++) {
		si = signer_of(ss, OCSP_onereq_get0_id(
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
			cache_put(r, key, epoch, serials, slen + 1, a, refresh);
		goto out;
	}
	status = OCSP_RESPONSE_STATUS_INTERNALERROR;
 refuse:
	ERR_clear_error();
	rc = refusal(status, a);
 out:
	signers_release(ss);
	OCSP_REQUEST_free(req);
	return rc;
}

/* ---- CRLs ---- */

void
responder_crl_release(struct responder_crl *c)
{
	if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
		free(c);
}

/* "CA[.K][.delta].crl" → ca, shard (-1 when absent), delta. */
static int
crl_name_parse(const char *name, char ca[PROFILE_NAME_MAX + 1], int *shardp,
    int *deltap)
{
	char buf[PROFILE_NAME_MAX + 32], *dot, *end;
	size_t n = strlen(name);
	long k;

	*shardp = -1;
	*deltap = 0;
	if (n < 5 || n >= sizeof(buf) || strcmp(name + n - 4, ".crl") != 0)
		return KALIT_ERR_MALFORMED;
	memcpy(buf, name, n - 4);
	buf[n - 4] = '\0';
	if ((dot = strrchr(buf, '.')) != NULL && strcmp(dot, ".delta") == 0) {
		*deltap = 1;
		*dot = '\0';
		dot = strrchr(buf, '.');
	}
	if (dot != NULL) {
		errno = 0;
		k = strtol(dot + 1, &end, 10);
		if (dot[1] < '0' || dot[1] > '9' || *end != '\0' ||
		    (dot[1] == '0' && dot[2] != '\0') || k >= STORE_SHARDS_MAX)
			return KALIT_ERR_MALFORMED;
		*shardp = (int)k;
		*dot = '\0';
	}
	if (!profile_name_valid(buf))
		return KALIT_ERR_MALFORMED;
	memcpy(ca, buf, strlen(buf) + 1);
	return KALIT_OK;
}

/* Reads the CRL published as name from the database. */
static int
crl_read(struct responder *r, const char *name, struct responder_crl **cp)
{
	char ca[PROFILE_NAME_MAX + 1];
	struct store_ca rec;
	struct store_crl sc;
	struct store *db;
	unsigned int gen;
	int shard, delta, rc;

	*cp = NULL;
	if ((rc = crl_name_parse(name, ca, &shard, &delta)) != KALIT_OK)
		return rc;
	if ((rc = pool_get(r, &db, &gen)) != KALIT_OK)
		return rc;
	memset(&sc, 0, sizeof(sc));
	rc = store_ca_get(db, ca, &rec);
	if (rc == KALIT_ERR_CA_UNKNOWN)
		rc = KALIT_ERR_NOT_FOUND;
	/* A CA of one shard publishes CA.crl; of several, CA.K.crl. */
	else if (rc == KALIT_OK && (rec.crl_shards > 1) != (shard >= 0))
		rc = KALIT_ERR_NOT_FOUND;
	else if (rc == KALIT_OK && shard >= rec.crl_shards)
		rc = KALIT_ERR_NOT_FOUND;
	else if (rc == KALIT_OK)
		rc = store_crl_latest(db, ca, shard < 0 ? 0 : shard, delta,
		    &sc);
	pool_put(r, db, gen, rc == KALIT_OK || rc == KALIT_ERR_NOT_FOUND);
	if (rc != KALIT_OK)
		return rc;
	if ((*cp = malloc(sizeof(**cp) + sc.der_len)) == NULL) {
		store_crl_clear(&sc);
		return KALIT_ERR_NOMEM;
	}
	atomic_init(&(*cp)->refs, 1);
	(*cp)->this_update = sc.this_update;
	(*cp)->next_update = sc.next_update;
	(*cp)->len = sc.der_len;
	memcpy((*cp)->der, sc.der, sc.der_len);
	store_crl_clear(&sc);
	return KALIT_OK;
}

int
responder_crl(struct responder *r, const char *name,
    struct responder_crl **cp)
{
	struct crl_slot *slot;
	struct responder_crl *c, *old;
	uint64_t epoch = atomic_load(&r->epoch);
	int rc;

	*cp = NULL;
	pthread_mutex_lock(&r->mu);
	for (slot = r->crls; slot != NULL; slot = slot->next)
		if (strcmp(slot->name, name) == 0 && slot->epoch == epoch) {
			*cp = slot->crl;
			atomic_fetch_add(&slot->crl->refs, 1);
			break;
		}
	pthread_mutex_unlock(&r->mu);
	if (*cp != NULL)
		return KALIT_OK;
	if ((rc = crl_read(r, name, &c)) != KALIT_OK)
		return rc;
	/* Remembered for the next request, unless names run wild. */
	pthread_mutex_lock(&r->mu);
	for (slot = r->crls; slot != NULL; slot = slot->next)
		if (strcmp(slot->name, name) == 0)
			break;
	if (slot == NULL && r->ncrls < CRLS_MAX &&
	    (slot = calloc(1, sizeof(*slot))) != NULL) {
		snprintf(slot->name, sizeof(slot->name), "%s", name);
		slot->next = r->crls;
		r->crls = slot;
		r->ncrls++;
	}
	if (slot != NULL) {
		old = slot->crl;
		slot->crl = c;
		slot->epoch = epoch;
		atomic_fetch_add(&c->refs, 1);
		responder_crl_release(old);
	}
	pthread_mutex_unlock(&r->mu);
	*cp = c;
	return KALIT_OK;
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
	size_t i;
	int rc;

	*rp = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return KALIT_ERR_NOMEM;
	r->cfg = cfg;
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->stop_mu, NULL);
	pthread_cond_init(&r->stop_cv, NULL);
	atomic_init(&r->epoch, 0);
	atomic_init(&r->logged_at, 0);
	r->shard_max = (cfg->ocsp_cache_max + SHARDS - 1) / SHARDS;
	r->signer_pass = signer_pass;
	rc = KALIT_ERR_NOMEM;
	if ((r->shards = calloc(SHARDS, sizeof(*r->shards))) == NULL)
		goto fail;
	for (i = 0; i < SHARDS; i++)
		pthread_mutex_init(&r->shards[i].mu, NULL);
	/* Changes from now on matter; the cache starts empty. */
	if ((rc = pool_get(r, &s, &gen)) != KALIT_OK)
		goto fail;
	rc = store_audit_last(s, &r->seq, hash);
	pool_put(r, s, gen, rc == KALIT_OK);
	if (rc != KALIT_OK ||
	    (rc = signers_load(r, &r->signers)) != KALIT_OK)
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

	if ((rc = signers_load(r, &ss)) != KALIT_OK)
		return rc;
	pthread_mutex_lock(&r->mu);
	old = r->signers;
	r->signers = ss;
	pthread_mutex_unlock(&r->mu);
	signers_release(old);
	cache_purge(r, NULL, 0);
	return KALIT_OK;
}

void
responder_free(struct responder *r)
{
	struct crl_slot *slot;
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
	if (r->shards != NULL) {
		for (i = 0; i < SHARDS; i++) {
			shard_clear(&r->shards[i]);
			pthread_mutex_destroy(&r->shards[i].mu);
		}
		free(r->shards);
	}
	for (i = 0; i < r->npool; i++)
		store_free(r->pool[i]);
	while ((slot = r->crls) != NULL) {
		r->crls = slot->next;
		responder_crl_release(slot->crl);
		free(slot);
	}
	signers_release(r->signers);
	pthread_mutex_destroy(&r->mu);
	pthread_mutex_destroy(&r->stop_mu);
	pthread_cond_destroy(&r->stop_cv);
	free(r);
}
