/*
 * check_certcache.c: unit tests for certcache.c: what a CMS carries is
 * parsed and kept by nobody; what a login proved is shared, within the
 * byte budget
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include <openssl/x509.h>

#include "certcache.h"
#include "log.h"
#include "testpki.h"
#include "testutil.h"

static unsigned char *
der_of(X509 *x, size_t *lenp)
{
	unsigned char *der = NULL;
	int n;

	ck_assert_int_gt(n = i2d_X509(x, &der), 0);
	*lenp = (size_t)n;
	return der;
}

/* An entry for p's leaf with its path, as a login makes it. */
static struct cert_entry *
entry_of(struct pki *p, struct validator *v)
{
	struct cert_entry *e;

	ck_assert_ptr_nonnull(e = cert_entry_new(p->leaf));
	ck_assert_err(validate_path(v, p->leaf, NULL, p->now, &e->chain),
	    KALIT_OK);
	return e;
}

START_TEST(test_certcache_resolve_keeps_nothing)
{
	struct certcache *c;
	unsigned char *der, hash[CERTMAP_HASH], want[CERTMAP_HASH];
	size_t len;
	struct pki p;
	X509 *x, *y;

	pki_init(&p, NULL, NULL);
	ck_assert_err(certcache_new("http://kalit", 1 << 20, &c), KALIT_OK);
	der = der_of(p.leaf, &len);
	ck_assert_ptr_nonnull(x = certcache_resolve(der, len, c));
	ck_assert_int_eq(X509_cmp(x, p.leaf), 0);
	/* its hash travels with it */
	ck_assert_err(certcache_hash(x, hash), KALIT_OK);
	ck_assert_int_eq(X509_digest(p.leaf, EVP_sha256(), want, NULL), 1);
	ck_assert_mem_eq(hash, want, CERTMAP_HASH);
	/* parsed again: nothing was kept */
	ck_assert_ptr_nonnull(y = certcache_resolve(der, len, c));
	ck_assert_ptr_ne(x, y);
	ck_assert_uint_eq(certcache_bytes(c), 0);
	/* trailing bytes or garbage: no certificate */
	ck_assert_ptr_null(certcache_resolve(der, len - 1, c));
	X509_free(x);
	X509_free(y);
	OPENSSL_free(der);
	certcache_free(c);
	pki_free(&p);
}
END_TEST

START_TEST(test_certcache_put_shares_path)
{
	struct validate_config vc;
	struct certcache *c;
	struct cert_entry *e, *got;
	struct validator *v;
	unsigned char *der, hash[CERTMAP_HASH];
	size_t len;
	struct pki p;
	X509 *x;

	pki_init(&p, NULL, NULL);
	pki_cfg_init(&vc, &p, VALIDATE_REV_OFF);
	v = pki_validator(&vc);
	/* 16 shards in each map: room for a few certificates in each */
	ck_assert_err(certcache_new("http://kalit", 16 << 20, &c), KALIT_OK);
	e = entry_of(&p, v);
	ck_assert_err(certcache_hash(p.leaf, hash), KALIT_OK);
	ck_assert_ptr_eq(got = certcache_put(c, hash, e), e);
	cert_entry_release(got);
	ck_assert_uint_gt(certcache_bytes(c), 0);
	ck_assert_ptr_eq(got = certcache_get(c, hash), e);
	cert_entry_release(got);
	/* the leaf and its CA now resolve to the objects proved */
	der = der_of(p.leaf, &len);
	ck_assert_ptr_eq(x = certcache_resolve(der, len, c), e->cert);
	X509_free(x);
	OPENSSL_free(der);
	der = der_of(p.ca, &len);
	ck_assert_ptr_eq(x = certcache_resolve(der, len, c),
	    sk_X509_value(e->chain, 1));
	X509_free(x);
	OPENSSL_free(der);
	/* the anchor is not kept: it is never sent, and never parsed */
	der = der_of(p.root, &len);
	ck_assert_ptr_ne(x = certcache_resolve(der, len, c),
	    sk_X509_value(e->chain, 2));
	X509_free(x);
	OPENSSL_free(der);
	certcache_free(c);
	validator_free(v);
	pki_free(&p);
}
END_TEST

/* An entry that does not fit the budget is used but not kept. */
START_TEST(test_certcache_budget)
{
	struct validate_config vc;
	struct certcache *c;
	struct cert_entry *e, *got;
	struct validator *v;
	unsigned char hash[CERTMAP_HASH];
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_cfg_init(&vc, &p, VALIDATE_REV_OFF);
	v = pki_validator(&vc);
	ck_assert_err(certcache_new("http://kalit", 4096, &c), KALIT_OK);
	e = entry_of(&p, v);
	ck_assert_err(certcache_hash(p.leaf, hash), KALIT_OK);
	ck_assert_ptr_eq(got = certcache_put(c, hash, e), e);
	ck_assert_ptr_null(certcache_get(c, hash));
	ck_assert_uint_eq(certcache_bytes(c), 0);
	cert_entry_release(got);
	certcache_free(c);
	validator_free(v);
	pki_free(&p);
}
END_TEST

START_TEST(test_certcache_issuer_text)
{
	struct certcache *c;

	ck_assert_err(certcache_new("http://k\"alit", 1 << 20, &c), KALIT_OK);
	ck_assert_str_eq(certcache_issuer(c), "\"http://k\\\"alit\"");
	certcache_free(c);
	ck_assert_err(certcache_new("http://k\xff", 1 << 20, &c),
	    KALIT_ERR_CONFIG);
	ck_assert_ptr_null(c);
}
END_TEST

static Suite *
certcache_suite(void)
{
	Suite *s = suite_create("certcache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_certcache_resolve_keeps_nothing);
	tcase_add_test(tc, test_certcache_put_shares_path);
	tcase_add_test(tc, test_certcache_budget);
	tcase_add_test(tc, test_certcache_issuer_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_certcache", -1);
	return tu_run(certcache_suite());
}
