/* check_validate.c: unit tests for validate.c */
#include "config.h"

#include <string.h>

#include <check.h>

#include <openssl/x509v3.h>

#include "validate.h"
#include "testpki.h"
#include "testutil.h"

static const char email_only_profile[] =
    "[profile]\nkind = end-entity\ndays = 30\n"
    "key_usage = critical, digitalSignature\n"
    "extended_key_usage = emailProtection\n"
    "certificate_policies = 1.3.6.1.5.5.7.13.1\nsubject = cn\n";
static const char no_eku_profile[] =
    "[profile]\nkind = end-entity\ndays = 30\n"
    "key_usage = critical, digitalSignature\nsubject = cn\n";
static const char nonrep_profile[] =
    "[profile]\nkind = end-entity\ndays = 30\n"
    "key_usage = critical, nonRepudiation\n"
    "extended_key_usage = clientAuth\nsubject = cn\n";

START_TEST(test_validator_new_needs_a_root)
{
	struct validate_config c;
	struct validator *v = NULL;
	struct pki p;
	char path[PATH_MAX];
	X509 *self;

	pki_init(&p, NULL, NULL);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	/* only the issuing CA: nothing anchors it */
	tu_path(path, sizeof(path), p.trust, "root.pem");
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_err(validator_new(&c, &v), KALIT_ERR_CONFIG);
	ck_assert_ptr_null(v);
	/* empty */
	tu_path(path, sizeof(path), p.trust, "ca.crt");
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_err(validator_new(&c, &v), KALIT_ERR_CONFIG);
	/* a self-signed end-entity certificate is no root */
	self = pki_issue(&p, "citizen", "Self", p.leaf_key, NULL, p.leaf_key,
	    NULL, NULL);
	tu_write_certs(p.trust, "self.pem", self, NULL);
	ck_assert_err(validator_new(&c, &v), KALIT_ERR_CONFIG);
	X509_free(self);
	/* missing directory */
	c.trust_dir = "/nonexistent/kalit-trust";
	ck_assert_err(validator_new(&c, &v), KALIT_ERR_CONFIG);
	c.trust_dir = NULL;
	ck_assert_err(validator_new(&c, &v), KALIT_ERR_CONFIG);
	ck_assert_ptr_null(v);
	validator_free(NULL);
	pki_free(&p);
}
END_TEST

START_TEST(test_validator_new_bad_file)
{
	static const char junk[] = "-----BEGIN CERTIFICATE-----\nnot base64"
	    "!!\n-----END CERTIFICATE-----\n";
	struct validate_config c;
	struct validator *v = NULL;
	struct pki p;
	char path[PATH_MAX];

	pki_init(&p, NULL, NULL);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	tu_path(path, sizeof(path), p.trust, "junk.pem");
	tu_write_file(path, junk, sizeof(junk) - 1);
	ck_assert_err(validator_new(&c, &v), KALIT_ERR_CONFIG);
	tu_write_file(path, "\x30\x03\x02\x01\x01", 5);
	ck_assert_err(validator_new(&c, &v), KALIT_ERR_CONFIG);
	/* other names are not read */
	ck_assert_int_eq(unlink(path), 0);
	tu_path(path, sizeof(path), p.trust, "README.txt");
	tu_write_file(path, junk, sizeof(junk) - 1);
	v = pki_validator(&c);
	validator_free(v);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_chain_ok)
{
	struct validate_config c;
	struct validator *v;
	X509 *issuer = NULL;
	struct pki p;
	char path[PATH_MAX];

	pki_init(&p, NULL, NULL);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	v = pki_validator(&c);
	ck_assert_err(validate_chain(v, p.leaf, NULL, p.now, &issuer),
	    KALIT_OK);
	ck_assert_ptr_nonnull(issuer);
	ck_assert_int_eq(X509_cmp(issuer, p.ca), 0);
	X509_free(issuer);
	/* a trust anchor alone is nobody's certificate */
	issuer = p.leaf;
	ck_assert_err(validate_chain(v, p.root, NULL, p.now, &issuer),
	    KALIT_ERR_CERT_UNTRUSTED);
	ck_assert_ptr_null(issuer);
	validator_free(v);

	/* one bundle file holding both */
	tu_path(path, sizeof(path), p.trust, "root.pem");
	ck_assert_int_eq(unlink(path), 0);
	tu_path(path, sizeof(path), p.trust, "ca.crt");
	ck_assert_int_eq(unlink(path), 0);
	tu_write_certs(p.trust, "bundle.pem", p.ca, p.root);
	v = pki_validator(&c);
	ck_assert_err(validate_chain(v, p.leaf, NULL, p.now, &issuer),
	    KALIT_OK);
	X509_free(issuer);
	validator_free(v);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_chain_extra)
{
	struct validate_config c;
	struct validator *v;
	STACK_OF(X509) *extra;
	X509 *issuer = NULL;
	struct pki p;
	char path[PATH_MAX];

	pki_init(&p, NULL, NULL);
	tu_path(path, sizeof(path), p.trust, "ca.crt");
	ck_assert_int_eq(unlink(path), 0);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	v = pki_validator(&c);
	ck_assert_err(validate_chain(v, p.leaf, NULL, p.now, &issuer),
	    KALIT_ERR_CERT_UNTRUSTED);
	ck_assert_ptr_nonnull(extra = sk_X509_new_null());
	ck_assert_int_eq(X509_add_cert(extra, p.ca, X509_ADD_FLAG_UP_REF), 1);
	ck_assert_err(validate_chain(v, p.leaf, extra, p.now, &issuer),
	    KALIT_OK);
	ck_assert_int_eq(X509_cmp(issuer, p.ca), 0);
	X509_free(issuer);
	sk_X509_pop_free(extra, X509_free);
	validator_free(v);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_chain_untrusted)
{
	struct validate_config c;
	struct validator *v;
	STACK_OF(X509) *extra;
	X509 *issuer = NULL;
	struct pki p, other;

	pki_init(&p, NULL, NULL);
	/* same names, other keys: a forged hierarchy */
	pki_init(&other, NULL, NULL);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	v = pki_validator(&c);
	ck_assert_err(validate_chain(v, other.leaf, NULL, p.now, &issuer),
	    KALIT_ERR_CERT_UNTRUSTED);
	ck_assert_ptr_null(issuer);
	ck_assert_ptr_nonnull(extra = sk_X509_new_null());
	ck_assert_int_eq(X509_add_cert(extra, other.ca, X509_ADD_FLAG_UP_REF),
	    1);
	ck_assert_int_eq(X509_add_cert(extra, other.root,
	    X509_ADD_FLAG_UP_REF), 1);
	ck_assert_err(validate_chain(v, other.leaf, extra, p.now, &issuer),
	    KALIT_ERR_CERT_UNTRUSTED);
	ck_assert_err(validate_chain(v, other.root, NULL, p.now, &issuer),
	    KALIT_ERR_CERT_UNTRUSTED);
	ck_assert_ptr_null(issuer);
	sk_X509_pop_free(extra, X509_free);
	validator_free(v);
	pki_free(&other);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_chain_times)
{
	struct validate_config c;
	struct validator *v;
	X509 *issuer = NULL, *ca = NULL, *leaf;
	STACK_OF(X509) *extra;
	EVP_PKEY *key;
	struct profile *prof;
	struct x509_spec spec;
	X509_NAME *name;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	v = pki_validator(&c);
	ck_assert_err(validate_chain(v, p.leaf, NULL, p.now + 3 * 365 * DAY,
	    &issuer), KALIT_ERR_CERT_EXPIRED);
	ck_assert_err(validate_chain(v, p.leaf, NULL, p.now - DAY, &issuer),
	    KALIT_ERR_CERT_NOT_YET_VALID);
	ck_assert_ptr_null(issuer);

	/* an intermediate CA that expires after a day, sent by the signer */
	key = tu_key(KEY_TYPE_P256);
	prof = tu_profile("issuing-ca");
	name = tu_name("Short CA");
	memset(&spec, 0, sizeof(spec));
	spec.profile = prof;
	spec.subject = name;
	spec.pubkey = key;
	spec.issuer = p.root;
	spec.issuer_key = p.root_key;
	spec.not_before = p.now - 300;
	spec.days = 1;
	ck_assert_err(x509_issue(&spec, &ca), KALIT_OK);
	leaf = pki_issue(&p, "citizen", "Short", p.leaf_key, ca, key, NULL,
	    NULL);
	ck_assert_ptr_nonnull(extra = sk_X509_new_null());
	ck_assert_int_eq(X509_add_cert(extra, ca, X509_ADD_FLAG_UP_REF), 1);
	ck_assert_err(validate_chain(v, leaf, extra, p.now, &issuer),
	    KALIT_OK);
	X509_free(issuer);
	ck_assert_err(validate_chain(v, leaf, extra, p.now + 2 * DAY,
	    &issuer), KALIT_ERR_CERT_EXPIRED);
	ck_assert_err(validate_time(leaf, p.now + 2 * DAY),
	    KALIT_ERR_CERT_EXPIRED);
	sk_X509_pop_free(extra, X509_free);
	X509_free(leaf);
	X509_free(ca);
	X509_NAME_free(name);
	profile_free(prof);
	EVP_PKEY_free(key);
	validator_free(v);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_time)
{
	struct pki p;
	int64_t nb, na;
	struct tm tm;

	pki_init(&p, NULL, NULL);
	ck_assert_int_eq(ASN1_TIME_to_tm(X509_get0_notBefore(p.leaf), &tm), 1);
	nb = (int64_t)timegm(&tm);
	ck_assert_int_eq(ASN1_TIME_to_tm(X509_get0_notAfter(p.leaf), &tm), 1);
	na = (int64_t)timegm(&tm);
	ck_assert_err(validate_time(p.leaf, p.now), KALIT_OK);
	ck_assert_err(validate_time(p.leaf, nb), KALIT_OK);
	ck_assert_err(validate_time(p.leaf, na), KALIT_OK);
	ck_assert_err(validate_time(p.leaf, nb - 1),
	    KALIT_ERR_CERT_NOT_YET_VALID);
	ck_assert_err(validate_time(p.leaf, na + 1), KALIT_ERR_CERT_EXPIRED);
	pki_free(&p);
}
END_TEST

/* x signed by key and decoded afresh: no cached extension flag survives. */
static X509 *
resigned(X509 *x, EVP_PKEY *key)
{
	unsigned char *der = NULL;
	const unsigned char *q;
	X509 *out;
	int len;

	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	ck_assert_int_gt(len = i2d_X509(x, &der), 0);
	q = der;
	ck_assert_ptr_nonnull(out = d2i_X509(NULL, &q, len));
	OPENSSL_free(der);
	X509_free(x);
	return out;
}

/* cert again without its extension nid, signed by key. */
static X509 *
without_ext(X509 *cert, int nid, EVP_PKEY *key)
{
	X509 *x;

	ck_assert_ptr_nonnull(x = X509_dup(cert));
	X509_EXTENSION_free(X509_delete_ext(x, X509_get_ext_by_NID(x, nid,
	    -1)));
	return resigned(x, key);
}

/* cert again with key as its subject key, signed by ca_key. */
static X509 *
rekeyed(X509 *cert, EVP_PKEY *key, EVP_PKEY *ca_key)
{
	X509 *x;

	ck_assert_ptr_nonnull(x = X509_dup(cert));
	ck_assert_int_eq(X509_set_pubkey(x, key), 1);
	return resigned(x, ca_key);
}

START_TEST(test_validate_end_entity)
{
	static const char ca_leaf[] =
	    "[profile]\nkind = ca\ndays = 30\n"
	    "basic_constraints = critical, CA:TRUE\n"
	    "key_usage = critical, digitalSignature, nonRepudiation\n"
	    "extended_key_usage = clientAuth, emailProtection\n"
	    "certificate_policies = 1.3.6.1.5.5.7.13.1\nsubject = cn\n";
	static const char cert_sign[] =
	    "[profile]\nkind = ca\ndays = 30\n"
	    "basic_constraints = CA:FALSE\n"
	    "key_usage = critical, digitalSignature, keyCertSign\n"
	    "subject = cn\n";
	struct pki p;
	X509 *x;

	pki_init(&p, NULL, NULL);
	ck_assert_err(validate_end_entity(p.leaf), KALIT_OK);
	ck_assert_err(validate_end_entity(p.ca), KALIT_ERR_CERT_PURPOSE);
	ck_assert_err(validate_end_entity(p.root), KALIT_ERR_CERT_PURPOSE);
	/* cA with a leaf's key usage: X509_check_ca() alone says no CA */
	pki_write_profile(&p, "caleaf", ca_leaf);
	x = pki_issue(&p, "caleaf", "CA Leaf", p.leaf_key, p.ca, p.ca_key,
	    NULL, NULL);
	ck_assert_int_eq(X509_check_ca(x), 0);
	ck_assert_err(validate_key_usage(x), KALIT_OK);
	ck_assert_err(validate_end_entity(x), KALIT_ERR_CERT_PURPOSE);
	X509_free(x);
	/* keyCertSign without cA (RFC 5280 4.2.1.3 forbids it) */
	pki_write_profile(&p, "certsign", cert_sign);
	x = pki_issue(&p, "certsign", "Cert Sign", p.leaf_key, p.ca,
	    p.ca_key, NULL, NULL);
	ck_assert_err(validate_end_entity(x), KALIT_ERR_CERT_PURPOSE);
	X509_free(x);
	pki_free(&p);
}
END_TEST

/* validate_keys() of the path leaf, ca, root, and the depth it gives. */
static int
keys_of(X509 *leaf, X509 *ca, X509 *root, int min_rsa, int min_ec,
    int *depthp)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	int r;

	ck_assert_int_gt(sk_X509_push(chain, leaf), 0);
	ck_assert_int_gt(sk_X509_push(chain, ca), 0);
	ck_assert_int_gt(sk_X509_push(chain, root), 0);
	*depthp = -1;
	r = validate_keys(chain, min_rsa, min_ec, depthp);
	sk_X509_free(chain);
	return r;
}

START_TEST(test_validate_keys)
{
	EVP_PKEY *rsa1024 = tu_rsa_key(1024), *rsa2048 = tu_rsa_key(2048);
	EVP_PKEY *rsa3072 = tu_key(KEY_TYPE_RSA3072);
	EVP_PKEY *p224 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-224");
	EVP_PKEY *p384 = tu_key(KEY_TYPE_P384), *ed = tu_key(KEY_TYPE_ED25519);
	EVP_PKEY *dsa = NULL;
	EVP_PKEY_CTX *ctx;
	struct pki p;
	X509 *x;
	int depth;

	pki_init(&p, NULL, NULL);
	/* P-256 throughout */
	ck_assert_err(keys_of(p.leaf, p.ca, p.root, 0, 0, &depth), KALIT_OK);
	ck_assert_err(keys_of(p.leaf, p.ca, p.root, 0, 384, &depth),
	    KALIT_ERR_CERT_KEY_WEAK);
	ck_assert_int_eq(depth, 0);
	x = rekeyed(p.leaf, rsa1024, p.ca_key);
	ck_assert_err(keys_of(x, p.ca, p.root, 0, 0, &depth),
	    KALIT_ERR_CERT_KEY_WEAK);
	ck_assert_int_eq(depth, 0);
	/* the CA's key counts as much as the leaf's */
	ck_assert_err(keys_of(p.leaf, x, p.root, 0, 0, &depth),
	    KALIT_ERR_CERT_KEY_WEAK);
	ck_assert_int_eq(depth, 1);
	X509_free(x);
	x = rekeyed(p.leaf, rsa2048, p.ca_key);
	ck_assert_err(keys_of(x, p.ca, p.root, 0, 0, &depth), KALIT_OK);
	ck_assert_err(keys_of(x, p.ca, p.root, 2048, 256, &depth), KALIT_OK);
	ck_assert_err(keys_of(x, p.ca, p.root, 3072, 0, &depth),
	    KALIT_ERR_CERT_KEY_WEAK);
	X509_free(x);
	x = rekeyed(p.leaf, rsa3072, p.ca_key);
	ck_assert_err(keys_of(x, p.ca, p.root, 3072, 0, &depth), KALIT_OK);
	X509_free(x);
	x = rekeyed(p.leaf, p224, p.ca_key);
	ck_assert_err(keys_of(x, p.ca, p.root, 0, 0, &depth),
	    KALIT_ERR_CERT_KEY_WEAK);
	X509_free(x);
	x = rekeyed(p.leaf, p384, p.ca_key);
	ck_assert_err(keys_of(x, x, x, 0, 384, &depth), KALIT_OK);
	X509_free(x);
	x = rekeyed(p.leaf, ed, p.ca_key);
	ck_assert_err(keys_of(x, p.ca, p.root, 0, 0, &depth), KALIT_OK);
	ck_assert_err(keys_of(x, p.ca, p.root, 0, 257, &depth),
	    KALIT_ERR_CERT_KEY_WEAK);
	X509_free(x);
	/* a key type that is neither RSA nor EC is never strong enough */
	ck_assert_ptr_nonnull(ctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA",
	    NULL));
	ck_assert_int_eq(EVP_PKEY_paramgen_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_dsa_paramgen_bits(ctx, 2048), 1);
	ck_assert_int_eq(EVP_PKEY_paramgen(ctx, &dsa), 1);
	EVP_PKEY_CTX_free(ctx);
	ck_assert_ptr_nonnull(ctx = EVP_PKEY_CTX_new(dsa, NULL));
	EVP_PKEY_free(dsa);
	dsa = NULL;
	ck_assert_int_eq(EVP_PKEY_keygen_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_keygen(ctx, &dsa), 1);
	EVP_PKEY_CTX_free(ctx);
	x = rekeyed(p.leaf, dsa, p.ca_key);
	ck_assert_err(keys_of(x, p.ca, p.root, 0, 0, &depth),
	    KALIT_ERR_CERT_KEY_WEAK);
	X509_free(x);
	EVP_PKEY_free(dsa);
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(rsa2048);
	EVP_PKEY_free(rsa3072);
	EVP_PKEY_free(p224);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_key_usage)
{
	struct pki p;
	X509 *x;

	pki_init(&p, NULL, NULL);
	ck_assert_err(validate_key_usage(p.leaf), KALIT_OK);
	/* keyCertSign and cRLSign only */
	ck_assert_err(validate_key_usage(p.root), KALIT_ERR_CERT_PURPOSE);
	ck_assert_err(validate_key_usage(p.ca), KALIT_ERR_CERT_PURPOSE);
	/* no keyUsage at all */
	x = without_ext(p.leaf, NID_key_usage, p.ca_key);
	ck_assert_int_lt(X509_get_ext_by_NID(x, NID_key_usage, -1), 0);
	ck_assert_err(validate_key_usage(x), KALIT_ERR_CERT_PURPOSE);
	X509_free(x);
	/* nonRepudiation without digitalSignature */
	pki_write_profile(&p, "nonrep", nonrep_profile);
	x = pki_issue(&p, "nonrep", "NR", p.leaf_key, p.ca, p.ca_key, NULL,
	    NULL);
	ck_assert_err(validate_key_usage(x), KALIT_ERR_CERT_PURPOSE);
	ck_assert_err(validate_eku_client(x), KALIT_OK);
	X509_free(x);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_eku_client)
{
	struct profile *prof;
	X509_NAME *name;
	struct pki p;
	X509 *x;

	pki_init(&p, NULL, NULL);
	ck_assert_err(validate_eku_client(p.leaf), KALIT_OK);
	/* absent: any use */
	pki_write_profile(&p, "no-eku", no_eku_profile);
	x = pki_issue(&p, "no-eku", "Any", p.leaf_key, p.ca, p.ca_key, NULL,
	    NULL);
	ck_assert_err(validate_eku_client(x), KALIT_OK);
	X509_free(x);
	x = without_ext(p.leaf, NID_ext_key_usage, p.ca_key);
	ck_assert_err(validate_eku_client(x), KALIT_OK);
	X509_free(x);
	/* present without clientAuth */
	pki_write_profile(&p, "email", email_only_profile);
	x = pki_issue(&p, "email", "Mail", p.leaf_key, p.ca, p.ca_key, NULL,
	    NULL);
	ck_assert_err(validate_key_usage(x), KALIT_OK);
	ck_assert_err(validate_eku_client(x), KALIT_ERR_CERT_PURPOSE);
	X509_free(x);
	pki_write_profile(&p, "ocsp-signer", pki_ocsp_signer_profile);
	x = pki_issue(&p, "ocsp-signer", "OCSP", p.leaf_key, p.ca, p.ca_key,
	    NULL, NULL);
	ck_assert_err(validate_eku_client(x), KALIT_ERR_CERT_PURPOSE);
	X509_free(x);
	/* what kalit-ca responder issues does not log in */
	prof = tu_profile("ocsp");
	name = tu_name("citizen OCSP responder");
	x = tu_issue(prof, name, p.leaf_key, NULL, p.ca, p.ca_key);
	ck_assert_err(validate_key_usage(x), KALIT_OK);
	ck_assert_err(validate_eku_client(x), KALIT_ERR_CERT_PURPOSE);
	X509_free(x);
	X509_NAME_free(name);
	profile_free(prof);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_key_usage_sign)
{
	struct pki p;
	X509 *x;

	pki_init(&p, NULL, NULL);
	/* citizen: digitalSignature, nonRepudiation; clientAuth, email */
	ck_assert_err(validate_key_usage_sign(p.leaf), KALIT_OK);
	ck_assert_err(validate_key_usage_sign(p.ca), KALIT_ERR_CERT_PURPOSE);
	x = without_ext(p.leaf, NID_key_usage, p.ca_key);
	ck_assert_err(validate_key_usage_sign(x), KALIT_ERR_CERT_PURPOSE);
	X509_free(x);
	/* no extended key usage: any use */
	pki_write_profile(&p, "no-eku", no_eku_profile);
	x = pki_issue(&p, "no-eku", "Any", p.leaf_key, p.ca, p.ca_key, NULL,
	    NULL);
	ck_assert_err(validate_key_usage_sign(x), KALIT_OK);
	X509_free(x);
	pki_write_profile(&p, "email", email_only_profile);
	x = pki_issue(&p, "email", "Mail", p.leaf_key, p.ca, p.ca_key, NULL,
	    NULL);
	ck_assert_err(validate_key_usage_sign(x), KALIT_OK);
	X509_free(x);
	/* nonRepudiation is enough, but clientAuth alone is for logins */
	pki_write_profile(&p, "nonrep", nonrep_profile);
	x = pki_issue(&p, "nonrep", "NR", p.leaf_key, p.ca, p.ca_key, NULL,
	    NULL);
	ck_assert_err(validate_key_usage_sign(x), KALIT_ERR_CERT_PURPOSE);
	X509_free(x);
	x = without_ext(p.leaf, NID_ext_key_usage, p.ca_key);
	ck_assert_err(validate_key_usage_sign(x), KALIT_OK);
	X509_free(x);
	pki_write_profile(&p, "ocsp-signer", pki_ocsp_signer_profile);
	x = pki_issue(&p, "ocsp-signer", "OCSP", p.leaf_key, p.ca, p.ca_key,
	    NULL, NULL);
	ck_assert_err(validate_key_usage_sign(x), KALIT_ERR_CERT_PURPOSE);
	X509_free(x);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_path_whole)
{
	STACK_OF(X509) *chain = NULL;
	struct validator *v;
	struct validate_config c;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_cfg_init(&c, &p, VALIDATE_REV_OFF);
	v = pki_validator(&c);
	ck_assert_err(validate_path(v, p.leaf, NULL, p.now, &chain), KALIT_OK);
	ck_assert_int_eq(sk_X509_num(chain), 3);
	ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 0), p.leaf), 0);
	ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 1), p.ca), 0);
	ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 2), p.root), 0);
	sk_X509_pop_free(chain, X509_free);
	ck_assert_err(validate_path(v, p.root, NULL, p.now, &chain),
	    KALIT_ERR_CERT_UNTRUSTED);
	ck_assert_ptr_null(chain);
	ck_assert_err(validate_path(v, p.leaf, NULL, p.now + 3 * 365 * DAY,
	    &chain), KALIT_ERR_CERT_EXPIRED);
	ck_assert_ptr_null(chain);
	validator_free(v);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_policy_issued)
{
	struct pki p;
	X509 *ca, *x;
	EVP_PKEY *k = tu_key(KEY_TYPE_P256);
	struct profile *prof = tu_profile("issuing-ca");
	X509_NAME *name = tu_name("Citizen CA");
	struct x509_spec spec;

	pki_init(&p, NULL, NULL);
	/* p.ca asserts no policy: its citizens are nobody's */
	ck_assert_err(validate_policy_issued(p.leaf, p.ca,
	    "1.3.6.1.5.5.7.13.1"), KALIT_ERR_CERT_NO_POLICY);
	memset(&spec, 0, sizeof(spec));
	spec.profile = prof;
	spec.subject = name;
	spec.pubkey = k;
	spec.issuer = p.root;
	spec.issuer_key = p.root_key;
	spec.not_before = p.now - 60;
	spec.policies = "1.3.6.1.5.5.7.13.1";
	ca = NULL;
	ck_assert_err(x509_issue(&spec, &ca), KALIT_OK);
	x = pki_issue(&p, "citizen", "Holder", p.leaf_key, ca, k, NULL, NULL);
	ck_assert_err(validate_policy_issued(x, ca, "1.3.6.1.5.5.7.13.1"),
	    KALIT_OK);
	ck_assert_err(validate_policy_issued(x, ca, "1.3.6.1.5.5.7.13.2"),
	    KALIT_ERR_CERT_NO_POLICY);
	/* where it is missing: the leaf, or the CA that issued it */
	ck_assert_int_eq(validate_policy_gap(x, ca, "1.3.6.1.5.5.7.13.1"),
	    VALIDATE_POLICY_OK);
	ck_assert_int_eq(validate_policy_gap(x, ca, "1.3.6.1.5.5.7.13.2"),
	    VALIDATE_POLICY_LEAF);
	ck_assert_int_eq(validate_policy_gap(x, p.ca, "1.3.6.1.5.5.7.13.1"),
	    VALIDATE_POLICY_ISSUER);
	X509_free(x);
	X509_free(ca);
	spec.policies = "2.5.29.32.0";	/* anyPolicy */
	ca = NULL;
	ck_assert_err(x509_issue(&spec, &ca), KALIT_OK);
	x = pki_issue(&p, "citizen", "Holder", p.leaf_key, ca, k, NULL, NULL);
	ck_assert_err(validate_policy_issued(x, ca, "1.3.6.1.5.5.7.13.1"),
	    KALIT_OK);
	X509_free(x);
	X509_free(ca);
	X509_NAME_free(name);
	profile_free(prof);
	EVP_PKEY_free(k);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_policy)
{
	struct profile *prof;
	struct x509_spec spec;
	X509_NAME *name;
	struct pki p;
	X509 *x = NULL;

	pki_init(&p, NULL, NULL);
	ck_assert_err(validate_policy(p.leaf, "1.3.6.1.5.5.7.13.1"), KALIT_OK);
	ck_assert_err(validate_policy(p.leaf, "1.3.6.1.5.5.7.13.2"),
	    KALIT_ERR_CERT_NO_POLICY);
	/* a prefix or an extension of the OID is another policy */
	ck_assert_err(validate_policy(p.leaf, "1.3.6.1.5.5.7.13"),
	    KALIT_ERR_CERT_NO_POLICY);
	ck_assert_err(validate_policy(p.leaf, "1.3.6.1.5.5.7.13.1.1"),
	    KALIT_ERR_CERT_NO_POLICY);
	ck_assert_err(validate_policy(p.leaf, "not an oid"),
	    KALIT_ERR_CERT_NO_POLICY);
	ck_assert_err(validate_policy(p.leaf, NULL), KALIT_ERR_CERT_NO_POLICY);
	/* no certificatePolicies at all */
	ck_assert_err(validate_policy(p.root, "1.3.6.1.5.5.7.13.1"),
	    KALIT_ERR_CERT_NO_POLICY);
	/* several policies */
	prof = tu_profile("official");
	name = tu_name("Official");
	memset(&spec, 0, sizeof(spec));
	spec.profile = prof;
	spec.subject = name;
	spec.pubkey = p.leaf_key;
	spec.issuer = p.ca;
	spec.issuer_key = p.ca_key;
	spec.not_before = p.now;
	spec.policies = "1.3.6.1.5.5.7.13.2, 1.3.6.1.5.5.7.13.1";
	ck_assert_err(x509_issue(&spec, &x), KALIT_OK);
	ck_assert_err(validate_policy(x, "1.3.6.1.5.5.7.13.1"), KALIT_OK);
	ck_assert_err(validate_policy(x, "1.3.6.1.5.5.7.13.2"), KALIT_OK);
	ck_assert_err(validate_policy(x, "2.5.29.32.0"),
	    KALIT_ERR_CERT_NO_POLICY);
	X509_free(x);
	X509_NAME_free(name);
	profile_free(prof);
	pki_free(&p);
}
END_TEST

static Suite *
validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_validator_new_needs_a_root);
	tcase_add_test(tc, test_validator_new_bad_file);
	tcase_add_test(tc, test_validate_chain_ok);
	tcase_add_test(tc, test_validate_chain_extra);
	tcase_add_test(tc, test_validate_chain_untrusted);
	tcase_add_test(tc, test_validate_chain_times);
	tcase_add_test(tc, test_validate_time);
	tcase_add_test(tc, test_validate_end_entity);
	tcase_add_test(tc, test_validate_keys);
	tcase_add_test(tc, test_validate_key_usage);
	tcase_add_test(tc, test_validate_eku_client);
	tcase_add_test(tc, test_validate_policy);
	tcase_add_test(tc, test_validate_key_usage_sign);
	tcase_add_test(tc, test_validate_path_whole);
	tcase_add_test(tc, test_validate_policy_issued);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(validate_suite());
}
