/* certcache.c: two certmaps, the proved certificates and their CAs */
#include "config.h"
#include "certcache.h"
#include "digest.h"
#include "err.h"
#include "log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define CA_SHARE	8	/* 1/CA_SHARE of the budget for CA certificates */

struct certcache {
	struct certmap	*cas;		/* X509 of the paths proved */
	struct certmap	*valid;		/* struct cert_entry */
	char		*issuer;	/* "iss" as a JSON string */
};

struct cert_entry *
cert_entry_new(X509 *cert)
{
	struct cert_entry *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	atomic_init(&e->refs, 1);
	X509_up_ref(cert);
	e->cert = cert;
	return e;
}

void
cert_entry_release(struct cert_entry *e)
{
	if (e == NULL || atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	X509_free(e->cert);
	sk_X509_pop_free(e->chain, X509_free);
	login_text_clear(&e->text);
	free(e->name);
	free(e);
}

static void
entry_ref(void *v)
{
	atomic_fetch_add(&((struct cert_entry *)v)->refs, 1);
}

static void
entry_unref(void *v)
{
	cert_entry_release(v);
}

static void
x509_ref(void *v)
{
	X509_up_ref(v);
}

static void
x509_unref(void *v)
{
	X509_free(v);
}

int
certcache_new(const char *issuer, size_t budget, struct certcache **cp)
{
	struct certcache *c;
	int r;

	if ((*cp = c = calloc(1, sizeof(*c))) == NULL)
		return KALIT_ERR_NOMEM;
	r = login_text_string(issuer, &c->issuer);
	if (r == KALIT_ERR_MALFORMED) {
		log_msg(LOG_LEVEL_ERROR, "issuer is not UTF-8");
		r = KALIT_ERR_CONFIG;
	}
	if (r != KALIT_OK ||
	    (r = certmap_new(budget / CA_SHARE, x509_ref, x509_unref,
	    &c->cas)) != KALIT_OK ||
	    (r = certmap_new(budget - budget / CA_SHARE, entry_ref,
	    entry_unref, &c->valid)) != KALIT_OK) {
		certcache_free(c);
		*cp = NULL;
	}
	return r;
}

void
certcache_free(struct certcache *c)
{
	if (c == NULL)
		return;
	certmap_free(c->cas);
	certmap_free(c->valid);
	free(c->issuer);
	free(c);
}

const char *
certcache_issuer(const struct certcache *c)
{
	return c->issuer;
}

/*
 * A parsed certificate keeps the SHA-256 of its DER, the key of both maps,
 * as ex_data: the login need not hash it again.
 */
static int hash_index = -1;
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static void
hash_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

static void
hash_index_new(void)
{
	hash_index = X509_get_ex_new_index(0, NULL, NULL, NULL, hash_free);
}

int
certcache_hash(X509 *cert, unsigned char hash[CERTMAP_HASH])
{
	const unsigned char *h;

	if (hash_index >= 0 && (h = X509_get_ex_data(cert, hash_index)) !=
	    NULL) {
		memcpy(hash, h, CERTMAP_HASH);
		return KALIT_OK;
	}
	return X509_digest(cert, digest_sha256(), hash, NULL) == 1 ?
	    KALIT_OK : KALIT_ERR_INTERNAL;
}

X509 *
certcache_resolve(const unsigned char *der, size_t len, void *arg)
{
	struct certcache *c = arg;
	struct cert_entry *e;
	unsigned char hash[CERTMAP_HASH], *h;
	const unsigned char *p = der;
	X509 *x;

	if (EVP_Digest(der, len, hash, NULL, digest_sha256(), NULL) != 1)
		return NULL;
	if ((e = certmap_get(c->valid, hash)) != NULL) {
		x = e->cert;
		X509_up_ref(x);
		cert_entry_release(e);
		return x;
	}
	if ((x = certmap_get(c->cas, hash)) != NULL)
		return x;
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len) {
		X509_free(x);
		return NULL;
	}
	/* Set before the certificate can be shared: readers need no lock. */
	pthread_once(&hash_once, hash_index_new);
	if (hash_index >= 0 && (h = malloc(CERTMAP_HASH)) != NULL) {
		memcpy(h, hash, CERTMAP_HASH);
		if (X509_set_ex_data(x, hash_index, h) != 1)
			free(h);
	}
	return x;
}

struct cert_entry *
certcache_get(struct certcache *c, const unsigned char hash[CERTMAP_HASH])
{
	return certmap_get(c->valid, hash);
}

static size_t
parsed_cost(X509 *x)
{
	int n = i2d_X509(x, NULL);

	return x509_parsed_cost(n > 0 ? (size_t)n : 0);
}

struct cert_entry *
certcache_put(struct certcache *c, const unsigned char hash[CERTMAP_HASH],
    struct cert_entry *e)
{
	unsigned char h[CERTMAP_HASH];
	size_t cost, i;
	X509 *ca;
	int n;

	/* The CAs below the anchor: the anchor is never sent, or parsed. */
	n = sk_X509_num(e->chain);
	for (i = 1; (int)i < n - 1; i++) {
		ca = sk_X509_value(e->chain, (int)i);
		if (certcache_hash(ca, h) != KALIT_OK)
			continue;
		X509_up_ref(ca);
		X509_free(certmap_put(c->cas, h, ca, parsed_cost(ca)));
	}
	cost = sizeof(*e) + parsed_cost(e->cert) + e->text.claims_len;
	for (i = 0; i < LOGIN_TEXT_ACRS; i++)
		cost += e->text.subject_len[i];
	return certmap_put(c->valid, hash, e, cost);
}

size_t
certcache_bytes(struct certcache *c)
{
	return certmap_bytes(c->cas) + certmap_bytes(c->valid);
}
