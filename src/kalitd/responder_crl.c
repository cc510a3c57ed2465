/*
 * responder_crl.c: GET /crl/NAME and GET /ca/NAME.crt: the CRLs kalit-ca
 * signed and stored, and its CA certificates, read from the CA database
 * again only after it changed
 */
#include "config.h"
#include "responder_int.h"
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRLS_MAX	1024	/* published CRLs and certificates remembered */

/*
 * A CRL or CA certificate read from the database, valid while
 * ocspcache_epoch() is unchanged; names end in .crl or .crt, so they
 * never collide.
 */
struct crl_slot {
	struct crl_slot		*next;
	char			 name[PROFILE_NAME_MAX + 32];
	uint64_t		 epoch;
	struct responder_crl	*crl;
};

void
responder_crl_release(struct responder_crl *c)
{
	if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
		free(c);
}

/* A copy of der, len bytes, with its dates and one reference. */
static int
published_new(const unsigned char *der, size_t len, int64_t this_update,
    int64_t next_update, struct responder_crl **cp)
{
	if ((*cp = malloc(sizeof(**cp) + len)) == NULL)
		return KALIT_ERR_NOMEM;
	atomic_init(&(*cp)->refs, 1);
	(*cp)->this_update = this_update;
	(*cp)->next_update = next_update;
	(*cp)->len = len;
	memcpy((*cp)->der, der, len);
	return KALIT_OK;
}

int
responder_crl_name(const char *name, char ca[PROFILE_NAME_MAX + 1], int *shardp,
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
	if ((rc = responder_crl_name(name, ca, &shard, &delta)) != KALIT_OK)
		return rc;
	if ((rc = responder_pool_get(r, &db, &gen)) != KALIT_OK)
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
	responder_pool_put(r, db, gen,
	    rc == KALIT_OK || rc == KALIT_ERR_NOT_FOUND);
	if (rc != KALIT_OK)
		return rc;
	rc = published_new(sc.der, sc.der_len, sc.this_update, sc.next_update,
	    cp);
	store_crl_clear(&sc);
	return rc;
}

int
responder_ca_name(const char *name, char ca[PROFILE_NAME_MAX + 1])
{
	size_t n = strlen(name);

	if (n < 5 || n - 4 > PROFILE_NAME_MAX ||
	    strcmp(name + n - 4, ".crt") != 0)
		return KALIT_ERR_MALFORMED;
	memcpy(ca, name, n - 4);
	ca[n - 4] = '\0';
	return profile_name_valid(ca) ? KALIT_OK : KALIT_ERR_MALFORMED;
}

/* Reads the certificate of the CA "NAME.crt" names from the database. */
static int
cacert_read(struct responder *r, const char *name, struct responder_crl **cp)
{
	char ca[PROFILE_NAME_MAX + 1];
	struct store_ca rec;
	struct store_cert sc;
	struct store *db;
	unsigned int gen;
	int rc;

	*cp = NULL;
	if ((rc = responder_ca_name(name, ca)) != KALIT_OK)
		return rc;
	if ((rc = responder_pool_get(r, &db, &gen)) != KALIT_OK)
		return rc;
	memset(&sc, 0, sizeof(sc));
	rc = store_ca_get(db, ca, &rec);
	if (rc == KALIT_OK)
		rc = store_cert_get(db, rec.serial, &sc);
	if (rc == KALIT_ERR_CA_UNKNOWN || rc == KALIT_ERR_SERIAL_UNKNOWN)
		rc = KALIT_ERR_NOT_FOUND;
	responder_pool_put(r, db, gen,
	    rc == KALIT_OK || rc == KALIT_ERR_NOT_FOUND);
	if (rc != KALIT_OK)
		return rc;
	rc = published_new(sc.der, sc.der_len, sc.not_before, sc.not_after, cp);
	store_cert_clear(&sc);
	return rc;
}

/* What name publishes: remembered, or read with readf and remembered. */
static int
published(struct responder *r, const char *name,
    int (*readf)(struct responder *, const char *, struct responder_crl **),
    struct responder_crl **cp)
{
	struct crl_slot *slot;
	struct responder_crl *c, *old;
	uint64_t epoch = ocspcache_epoch(r->cache);
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
	if ((rc = readf(r, name, &c)) != KALIT_OK)
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

int
responder_crl(struct responder *r, const char *name,
    struct responder_crl **cp)
{
	return published(r, name, crl_read, cp);
}

int
responder_ca_cert(struct responder *r, const char *name,
    struct responder_crl **cp)
{
	return published(r, name, cacert_read, cp);
}

void
responder_crls_free(struct responder *r)
{
	struct crl_slot *slot;

	while ((slot = r->crls) != NULL) {
		r->crls = slot->next;
		responder_crl_release(slot->crl);
		free(slot);
	}
	r->ncrls = 0;
}
