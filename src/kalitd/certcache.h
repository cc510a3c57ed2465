/*
 * certcache.h: the certificates logins proved, per generation, within a
 * byte budget; and the CA certificates of the paths they proved
 */
#ifndef KALITD_CERTCACHE_H
#define KALITD_CERTCACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "certmap.h"
#include "login_text.h"
#include "x509.h"

/*
 * What one certificate proved: its trusted path and its claims. Made by
 * the login code with cert_entry_new(); immutable once cached.
 */
struct cert_entry {
	atomic_int		 refs;
	X509			*cert;
	STACK_OF(X509)		*chain;		/* cert first, the trust anchor
						   last */
	int64_t			 not_before;	/* the latest of the path */
	int64_t			 not_after;	/* the earliest of the path */
	unsigned int		 acr;		/* enum store_acr bits asserted */
	char			 serial[X509_SERIAL_HEX_MAX + 1];
	struct login_text	 text;		/* the claims as JSON text */
	/* a system's certificate (acr STORE_ACR_SYSTEM): whom it names */
	char			 tin[10];	/* the organisation's; "" */
	char			*name;		/* CN, the system's; NULL */
};

/* An empty entry for cert (a reference is taken); NULL: no memory. */
struct cert_entry *cert_entry_new(X509 *cert);
/* Drops a reference; the last frees the entry. Accepts NULL. */
void	cert_entry_release(struct cert_entry *e);

struct certcache;

/*
 * A cache of at most budget bytes (see certcache_put() for what an entry
 * costs) and the JSON text of issuer. KALIT_ERR_CONFIG when issuer is not
 * UTF-8. Thread-safe. Caller frees *cp with certcache_free().
 */
int	certcache_new(const char *issuer, size_t budget, struct certcache **cp);
void	certcache_free(struct certcache *c);

/* "iss" as a JSON string; borrowed, valid while c lives. */
const char *certcache_issuer(const struct certcache *c);

/*
 * For cms_certs (cms.h), arg a certcache: the X509 of a certificate a CMS
 * carries (len bytes of DER), new reference. A certificate of a path
 * proved before is shared from the cache; any other is parsed and kept by
 * nobody: nothing an unverified CMS carries is remembered. The
 * certificate's SHA-256 travels with it (certcache_hash()).
 */
X509	*certcache_resolve(const unsigned char *der, size_t len, void *arg);

/* The SHA-256 of cert's DER, as remembered by certcache_resolve(). */
int	certcache_hash(X509 *cert, unsigned char hash[CERTMAP_HASH]);

/* The entry cached for the certificate of hash, new reference; or NULL. */
struct cert_entry *certcache_get(struct certcache *c,
	    const unsigned char hash[CERTMAP_HASH]);

/*
 * Caches e (taking the caller's reference) for hash, and the CA
 * certificates of its path for certcache_resolve(). Returns the entry now
 * cached for hash (e, or one another thread put first), new reference.
 * An entry costs an estimate of its parsed certificate (parsed X.509
 * takes about ten times its DER) and the size of its text.
 */
struct cert_entry *certcache_put(struct certcache *c,
	    const unsigned char hash[CERTMAP_HASH], struct cert_entry *e);

/* Bytes the cache holds, estimated as certcache_put() says. */
size_t	certcache_bytes(struct certcache *c);

#endif
