/*
 * check_crl_status.c: unit tests for crl_status.c: crl_parse() of DER, PEM
 * and hostile bytes, and crl_status() of a certificate per one CRL
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "ocsp.h"
#include "testpki.h"
#include "testutil.h"

#define CDP_URL		"http://127.0.0.1:1/ca.crl"

/* An issuing CA that may sign certificates, not CRLs. */
static const char no_crl_sign_profile[] =
    "[profile]\nkind = ca\ndays = 365\n"
    "basic_constraints = critical, CA:TRUE, pathlen:0\n"
    "key_usage = critical, keyCertSign\nsubject = cn\n";

/* crl_parse() of der, asserted to succeed; caller frees. */
static X509_CRL *
parse(const unsigned char *der, size_t len)
{
	X509_CRL *x = NULL;

	ck_assert_err(crl_parse(der, len, &x), KALIT_OK);
	ck_assert_ptr_nonnull(x);
	return x;
}

/* pki_crl() parsed; caller frees with X509_CRL_free(). */
static X509_CRL *
make_crl(X509 *issuer, EVP_PKEY *key, time_t this_update, time_t next_update,
    const char *serial, int reason)
{
	unsigned char *der = NULL;
	size_t len = 0;
	X509_CRL *x;

	pki_crl(issuer, key, this_update, next_update, serial, reason, &der,
	    &len);
	x = parse(der, len);
	OPENSSL_free(der);
	return x;
}

/* The CRL that crl (built with crl.c) signs with key, parsed; frees crl. */
static X509_CRL *
sign_crl(struct crl *crl, EVP_PKEY *key)
{
	unsigned char *der = NULL;
	size_t len = 0;
	X509_CRL *x;

	ck_assert_err(crl_sign(crl, key, &der, &len), KALIT_OK);
	x = parse(der, len);
	OPENSSL_free(der);
	crl_free(crl);
	return x;
}

/*
 * x, changed by the caller, signed again by key and parsed back from DER,
 * so that OpenSSL's parse-time view of it (its IDP, its entries' reasons)
 * is that of the new one. Frees x.
 */
static X509_CRL *
resign(X509_CRL *x, EVP_PKEY *key)
{
	unsigned char *der = NULL;
	X509_CRL *out;
	int len;

	ck_assert_int_gt(X509_CRL_sign(x, key, EVP_sha256()), 0);
	ck_assert_int_gt(len = i2d_X509_CRL(x, &der), 0);
	out = parse(der, (size_t)len);
	OPENSSL_free(der);
	X509_CRL_free(x);
	return out;
}

/* x with the extension ext added (taken over); see resign(). */
static X509_CRL *
with_ext(X509_CRL *x, X509_EXTENSION *ext, EVP_PKEY *key)
{
	ck_assert_ptr_nonnull(ext);
	ck_assert_int_eq(X509_CRL_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	return resign(x, key);
}

/* An extension of x509v3_config(5) text for a CRL. */
static X509_EXTENSION *
conf_ext(int nid, const char *value)
{
	X509_EXTENSION *ext;

	ck_assert_ptr_nonnull(ext = X509V3_EXT_nconf_nid(NULL, NULL, nid,
	    value));
	return ext;
}

/* An extension of type oid holding the DER value, critical or not. */
static X509_EXTENSION *
raw_ext(const char *oid, int crit, const unsigned char *value, int len)
{
	ASN1_OCTET_STRING *os;
	ASN1_OBJECT *obj;
	X509_EXTENSION *ext;

	ck_assert_ptr_nonnull(obj = OBJ_txt2obj(oid, 1));
	ck_assert_ptr_nonnull(os = ASN1_OCTET_STRING_new());
	ck_assert_int_eq(ASN1_OCTET_STRING_set(os, value, len), 1);
	ck_assert_ptr_nonnull(ext = X509_EXTENSION_create_by_OBJ(NULL, obj,
	    crit, os));
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(os);
	return ext;
}

/*
 * A critical IDP whose distribution point is a name relative to the CRL
 * issuer: CN=cn.
 */
static X509_EXTENSION *
relative_idp(const char *cn)
{
	ISSUING_DIST_POINT *idp;
	X509_NAME_ENTRY *ne;
	X509_EXTENSION *ext;

	ck_assert_ptr_nonnull(idp = ISSUING_DIST_POINT_new());
	ck_assert_ptr_nonnull(idp->distpoint = DIST_POINT_NAME_new());
	idp->distpoint->type = 1;
	ck_assert_ptr_nonnull(idp->distpoint->name.relativename =
	    sk_X509_NAME_ENTRY_new_null());
	ck_assert_ptr_nonnull(ne = X509_NAME_ENTRY_create_by_txt(NULL, "CN",
	    MBSTRING_UTF8, (const unsigned char *)cn, -1));
	ck_assert_int_gt(sk_X509_NAME_ENTRY_push(
	    idp->distpoint->name.relativename, ne), 0);
	ck_assert_ptr_nonnull(ext = X509V3_EXT_i2d(
	    NID_issuing_distribution_point, 1, idp));
	ISSUING_DIST_POINT_free(idp);
	return ext;
}

/* crl_status(), asserting that a definite answer fills st as promised. */
static int
status(X509_CRL *crl, X509 *cert, X509 *issuer, int64_t now,
    struct rev_status *st)
{
	int r;

	memset(st, 0x5a, sizeof(*st));
	r = crl_status(crl, cert, issuer, now, st);
	if (r == KALIT_OK || r == KALIT_ERR_CERT_REVOKED ||
	    r == KALIT_ERR_CERT_ON_HOLD) {
		ck_assert_err(st->status, r);
		ck_assert_str_eq(st->source, "crl");
		ck_assert_str_eq(st->origin, "");
	} else
		ck_assert_err(r, KALIT_ERR_REVOCATION_UNKNOWN);
	return r;
}

/*
 * crl_status() of cert, at now, per a CRL of issuer (signed with key) that
 * lists serial (NULL: none) for keyCompromise and carries ext (taken
 * over).
 */
static int
status_with_ext(X509 *cert, X509 *issuer, EVP_PKEY *key, const char *serial,
    X509_EXTENSION *ext, int64_t now)
{
	struct rev_status st;
	X509_CRL *x;
	int r;

	x = make_crl(issuer, key, now - HOUR, now + DAY, serial,
	    CRL_REASON_KEY_COMPROMISE);
	x = with_ext(x, ext, key);
	r = status(x, cert, issuer, now, &st);
	X509_CRL_free(x);
	return r;
}

/* A delta CRL of p's CA numbered number on base 10; see pki_crl(). */
static X509_CRL *
delta_crl(const struct pki *p, int64_t number, const char *serial,
    int reason)
{
	struct crl *c = NULL;

	ck_assert_err(crl_new(p->ca, number, p->now - 60, p->now + HOUR, &c),
	    KALIT_OK);
	ck_assert_err(crl_set_delta(c, 10), KALIT_OK);
	if (serial != NULL)
		ck_assert_err(crl_add(c, serial, p->now - 120, reason),
		    KALIT_OK);
	return sign_crl(c, p->ca_key);
}

/* A CRL of p's CA for the distribution point url, as kalit-ca makes it. */
static X509_CRL *
idp_crl(const struct pki *p, const char *url)
{
	struct crl *c = NULL;

	ck_assert_err(crl_new(p->ca, 1, p->now - HOUR, p->now + DAY, &c),
	    KALIT_OK);
	ck_assert_err(crl_set_idp(c, url), KALIT_OK);
	return sign_crl(c, p->ca_key);
}

START_TEST(test_crl_status_parse_der)
{
	unsigned char *der = NULL, *again = NULL;
	struct pki p;
	X509_CRL *x;
	size_t len = 0;

	pki_init(&p, NULL, NULL);
	pki_crl(p.ca, p.ca_key, p.now - HOUR, p.now + HOUR, "1234",
	    CRL_REASON_KEY_COMPROMISE, &der, &len);
	x = parse(der, len);
	ck_assert_int_eq(X509_NAME_cmp(X509_CRL_get_issuer(x),
	    X509_get_subject_name(p.ca)), 0);
	ck_assert_int_eq(X509_CRL_verify(x, p.ca_key), 1);
	ck_assert_int_eq(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(x)), 1);
	/* the very CRL: it encodes back to the bytes read */
	ck_assert_int_eq(i2d_X509_CRL(x, &again), (int)len);
	ck_assert_mem_eq(again, der, len);
	OPENSSL_free(again);
	X509_CRL_free(x);
	OPENSSL_free(der);
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_status_parse_pem)
{
	unsigned char *der = NULL, *again = NULL;
	char *pem = NULL, *cert_pem = NULL, *buf;
	struct pki p;
	X509_CRL *x;
	size_t len = 0, n;

	pki_init(&p, NULL, NULL);
	pki_crl(p.ca, p.ca_key, p.now - HOUR, p.now + HOUR, NULL, 0, &der,
	    &len);
	ck_assert_err(crl_to_pem(der, len, &pem), KALIT_OK);
	x = parse((unsigned char *)pem, strlen(pem));
	ck_assert_int_eq(i2d_X509_CRL(x, &again), (int)len);
	ck_assert_mem_eq(again, der, len);
	OPENSSL_free(again);
	X509_CRL_free(x);
	/* the first CRL block anywhere: after text and a certificate */
	ck_assert_err(x509_to_pem(p.leaf, &cert_pem), KALIT_OK);
	n = strlen(cert_pem) + strlen(pem) + 64;
	ck_assert_ptr_nonnull(buf = malloc(n));
	snprintf(buf, n, "Issuer: Validate CA\n%s%s-- end --\n", cert_pem,
	    pem);
	x = parse((unsigned char *)buf, strlen(buf));
	ck_assert_int_eq(X509_CRL_verify(x, p.ca_key), 1);
	X509_CRL_free(x);
	/* a certificate alone is no CRL */
	x = (X509_CRL *)buf;
	ck_assert_err(crl_parse((unsigned char *)cert_pem, strlen(cert_pem),
	    &x), KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(x);
	/* base64 broken inside the block */
	snprintf(buf, n, "%s", pem);
	buf[40] = '*';
	ck_assert_err(crl_parse((unsigned char *)buf, strlen(buf), &x),
	    KALIT_ERR_MALFORMED);
	/* the END line missing */
	snprintf(buf, n, "%s", pem);
	*strstr(buf, "-----END") = '\0';
	ck_assert_err(crl_parse((unsigned char *)buf, strlen(buf), &x),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(x);
	free(buf);
	free(cert_pem);
	free(pem);
	OPENSSL_free(der);
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_status_parse_garbage)
{
	unsigned char rnd[256], *cert = NULL;
	struct pki p;
	X509_CRL *x;
	int len;

	pki_init(&p, NULL, NULL);
	x = (X509_CRL *)&p;
	ck_assert_err(crl_parse((const unsigned char *)"junk", 4, &x),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(x);
	ck_assert_int_eq(RAND_bytes(rnd, sizeof(rnd)), 1);
	ck_assert_err(crl_parse(rnd, sizeof(rnd), &x), KALIT_ERR_MALFORMED);
	/* an empty SEQUENCE */
	ck_assert_err(crl_parse((const unsigned char *)"\x30\x00", 2, &x),
	    KALIT_ERR_MALFORMED);
	/* a DER certificate is no CRL */
	ck_assert_int_gt(len = i2d_X509(p.leaf, &cert), 0);
	ck_assert_err(crl_parse(cert, (size_t)len, &x), KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(x);
	OPENSSL_free(cert);
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_status_parse_truncated)
{
	unsigned char *der = NULL, *cut;
	struct pki p;
	X509_CRL *x;
	size_t len = 0, n;

	pki_init(&p, NULL, NULL);
	pki_crl(p.ca, p.ca_key, p.now - HOUR, p.now + HOUR, "4abc",
	    CRL_REASON_SUPERSEDED, &der, &len);
	/* every proper prefix, each in a buffer of its own size (ASan) */
	for (n = 1; n < len; n++) {
		ck_assert_ptr_nonnull(cut = malloc(n));
		memcpy(cut, der, n);
		x = (X509_CRL *)&p;
		ck_assert_msg(crl_parse(cut, n, &x) == KALIT_ERR_MALFORMED,
		    "%zu of %zu bytes accepted", n, len);
		ck_assert_ptr_null(x);
		free(cut);
	}
	OPENSSL_free(der);
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_status_parse_trailing_bytes)
{
	unsigned char *der = NULL, *buf;
	char *pem = NULL;
	struct pki p;
	X509_CRL *x;
	size_t len = 0;
	BIO *mem;
	long n;

	pki_init(&p, NULL, NULL);
	pki_crl(p.ca, p.ca_key, p.now - HOUR, p.now + HOUR, NULL, 0, &der,
	    &len);
	ck_assert_ptr_nonnull(buf = calloc(2, len));
	memcpy(buf, der, len);
	/* one zero byte, then the CRL twice */
	ck_assert_err(crl_parse(buf, len + 1, &x), KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(x);
	memcpy(buf + len, der, len);
	ck_assert_err(crl_parse(buf, 2 * len, &x), KALIT_ERR_MALFORMED);
	/* in PEM: a block whose DER goes on after the CRL */
	ck_assert_ptr_nonnull(mem = BIO_new(BIO_s_mem()));
	buf[len] = 0;
	ck_assert_int_gt(PEM_write_bio(mem, PEM_STRING_X509_CRL, "", buf,
	    (long)len + 1), 0);
	ck_assert_int_gt(n = BIO_get_mem_data(mem, &pem), 0);
	ck_assert_err(crl_parse((unsigned char *)pem, (size_t)n, &x),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(x);
	BIO_free(mem);
	free(buf);
	OPENSSL_free(der);
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_status_parse_empty)
{
	unsigned char byte = 0x30;
	X509_CRL *x = (X509_CRL *)&byte;

	ck_assert_err(crl_parse(&byte, 0, &x), KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(x);
	ck_assert_err(crl_parse(&byte, 1, &x), KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(x);
}
END_TEST

START_TEST(test_crl_status_parse_too_large)
{
	unsigned char *big;
	X509_CRL *x;

	/* zeros: the pages are never touched unless read */
	ck_assert_ptr_nonnull(big = calloc(1, CRL_MAX_SIZE + 1));
	x = (X509_CRL *)big;
	ck_assert_err(crl_parse(big, CRL_MAX_SIZE + 1, &x),
	    KALIT_ERR_TOO_LARGE);
	ck_assert_ptr_null(x);
	/* at the limit it is read, and is no CRL */
	ck_assert_err(crl_parse(big, CRL_MAX_SIZE, &x), KALIT_ERR_MALFORMED);
	free(big);
}
END_TEST

START_TEST(test_crl_status_good)
{
	struct rev_status st;
	struct pki p;
	X509_CRL *x;

	pki_init(&p, NULL, NULL);
	/* another certificate revoked, and an empty CRL */
	x = make_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, "1234",
	    CRL_REASON_KEY_COMPROMISE);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st), KALIT_OK);
	ck_assert_int_eq(st.reason, -1);
	ck_assert(st.revoked_at == 0);
	ck_assert(st.this_update == p.now - HOUR);
	ck_assert(st.next_update == p.now + DAY);
	X509_CRL_free(x);
	x = make_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, NULL, 0);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st), KALIT_OK);
	X509_CRL_free(x);
	pki_free(&p);
}
END_TEST

/* Listed: revoked with its reason (none for unspecified), or held. */
START_TEST(test_crl_status_revoked)
{
	static const struct {
		int	 reason;	/* crl_add()'s */
		int	 want;
		int	 want_reason;	/* rev_status.reason */
	} cases[] = {
		{ CRL_REASON_UNSPECIFIED, KALIT_ERR_CERT_REVOKED, -1 },
		{ CRL_REASON_KEY_COMPROMISE, KALIT_ERR_CERT_REVOKED,
		    CRL_REASON_KEY_COMPROMISE },
		{ CRL_REASON_CA_COMPROMISE, KALIT_ERR_CERT_REVOKED,
		    CRL_REASON_CA_COMPROMISE },
		{ CRL_REASON_AFFILIATION_CHANGED, KALIT_ERR_CERT_REVOKED,
		    CRL_REASON_AFFILIATION_CHANGED },
		{ CRL_REASON_SUPERSEDED, KALIT_ERR_CERT_REVOKED,
		    CRL_REASON_SUPERSEDED },
		{ CRL_REASON_CESSATION_OF_OPERATION, KALIT_ERR_CERT_REVOKED,
		    CRL_REASON_CESSATION_OF_OPERATION },
		{ CRL_REASON_CERTIFICATE_HOLD, KALIT_ERR_CERT_ON_HOLD,
		    CRL_REASON_CERTIFICATE_HOLD },
		{ CRL_REASON_PRIVILEGE_WITHDRAWN, KALIT_ERR_CERT_REVOKED,
		    CRL_REASON_PRIVILEGE_WITHDRAWN },
		{ CRL_REASON_AA_COMPROMISE, KALIT_ERR_CERT_REVOKED,
		    CRL_REASON_AA_COMPROMISE },
	};
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	struct pki p;
	X509_CRL *x;
	size_t i;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		x = make_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY,
		    serial, cases[i].reason);
		ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
		    cases[i].want);
		ck_assert_int_eq(st.reason, cases[i].want_reason);
		/* pki_crl() revokes a minute before thisUpdate */
		ck_assert(st.revoked_at == p.now - HOUR - 60);
		ck_assert(st.this_update == p.now - HOUR);
		ck_assert(st.next_update == p.now + DAY);
		X509_CRL_free(x);
	}
	pki_free(&p);
}
END_TEST

/* A CA's own certificate, judged by its issuer's CRL. */
START_TEST(test_crl_status_ca_certificate)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	struct pki p;
	X509_CRL *x;

	pki_init(&p, NULL, NULL);
	ck_assert_err(x509_serial_hex(p.ca, serial, sizeof(serial)),
	    KALIT_OK);
	x = make_crl(p.root, p.root_key, p.now - HOUR, p.now + DAY, serial,
	    CRL_REASON_CA_COMPROMISE);
	ck_assert_err(status(x, p.ca, p.root, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, CRL_REASON_CA_COMPROMISE);
	/* the root's CRL says nothing of the CA's citizens */
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_status_other_issuer)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	EVP_PKEY *key;
	X509 *other, *by_root;
	struct pki p;
	X509_CRL *x;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	/* another CA's CRL listing the leaf's serial */
	key = tu_key(KEY_TYPE_P256);
	other = pki_issue(&p, "issuing-ca", "Other CA", key, p.root,
	    p.root_key, NULL, NULL);
	x = make_crl(other, key, p.now - HOUR, p.now + DAY, serial,
	    CRL_REASON_KEY_COMPROMISE);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* ... nor is it the leaf's CRL when checked against its signer */
	ck_assert_err(status(x, p.leaf, other, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	/* the right CA's CRL, for a certificate the CA did not issue */
	by_root = pki_issue(&p, "citizen", "Root's Holder", p.leaf_key, p.root,
	    p.root_key, NULL, NULL);
	x = make_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, NULL, 0);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st), KALIT_OK);
	ck_assert_err(status(x, by_root, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	X509_free(by_root);
	X509_free(other);
	EVP_PKEY_free(key);
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_status_other_key)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	unsigned char *der = NULL;
	struct rev_status st;
	struct pki p, forged;
	EVP_PKEY *key;
	X509_CRL *x;
	size_t len = 0;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	/* the CA's name, another key */
	key = tu_key(KEY_TYPE_P256);
	x = make_crl(p.ca, key, p.now - HOUR, p.now + DAY, serial,
	    CRL_REASON_KEY_COMPROMISE);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	/* a CA of the same name: its CRL, and the CA's checked with its key */
	pki_init(&forged, NULL, NULL);
	x = make_crl(forged.ca, forged.ca_key, p.now - HOUR, p.now + DAY,
	    NULL, 0);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	x = make_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, NULL, 0);
	ck_assert_err(status(x, p.leaf, forged.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	/* a flipped bit in the signature */
	pki_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, NULL, 0, &der,
	    &len);
	der[len - 4] ^= 0x01;
	x = parse(der, len);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	pki_free(&forged);
	pki_free(&p);
}
END_TEST

/*
 * Two certificates of one CA (same name, same key), one without cRLSign:
 * the CRL it signs counts only for the other.
 */
START_TEST(test_crl_status_issuer_may_not_sign_crls)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	X509 *no_crl_sign;
	struct pki p;
	X509_CRL *x;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	pki_write_profile(&p, "no-crl-sign", no_crl_sign_profile);
	no_crl_sign = pki_issue(&p, "no-crl-sign", "Validate CA", p.ca_key,
	    p.root, p.root_key, NULL, NULL);
	x = make_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, serial,
	    CRL_REASON_KEY_COMPROMISE);
	ck_assert_int_eq(X509_CRL_verify(x, X509_get0_pubkey(no_crl_sign)),
	    1);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_err(status(x, p.leaf, no_crl_sign, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	X509_free(no_crl_sign);
	pki_free(&p);
}
END_TEST

/* thisUpdate may be 5 minutes ahead; nextUpdate must be after now. */
START_TEST(test_crl_status_currency)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	struct pki p;
	X509_CRL *x;
	time_t t;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	t = p.now;
	x = make_crl(p.ca, p.ca_key, t, t + HOUR, serial,
	    CRL_REASON_KEY_COMPROMISE);
	ck_assert_err(status(x, p.leaf, p.ca, t, &st), KALIT_ERR_CERT_REVOKED);
	/* thisUpdate in the future */
	ck_assert_err(status(x, p.leaf, p.ca, t - 300, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_err(status(x, p.leaf, p.ca, t - 301, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_err(status(x, p.leaf, p.ca, t - DAY, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* nextUpdate passed: no leeway there */
	ck_assert_err(status(x, p.leaf, p.ca, t + HOUR - 1, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_err(status(x, p.leaf, p.ca, t + HOUR, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_err(status(x, p.leaf, p.ca, t + DAY, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	/* a stale CRL does not even vouch for a good certificate */
	x = make_crl(p.ca, p.ca_key, t - 2 * HOUR, t - 1, NULL, 0);
	ck_assert_err(status(x, p.leaf, p.ca, t, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_status_no_next_update)
{
	unsigned char *der = NULL;
	struct rev_status st;
	struct pki p;
	X509_CRL *x;
	size_t len = 0;

	pki_init(&p, NULL, NULL);
	pki_raw_crl(&p, 1, 0, NULL, &der, &len);
	x = parse(der, len);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st), KALIT_OK);
	X509_CRL_free(x);
	OPENSSL_free(der);
	pki_raw_crl(&p, 0, 0, NULL, &der, &len);
	x = parse(der, len);
	ck_assert_ptr_null(X509_CRL_get0_nextUpdate(x));
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	OPENSSL_free(der);
	pki_free(&p);
}
END_TEST

/*
 * crl_status() judges one complete CRL: a delta CRL alone establishes
 * nothing, whatever it lists, and is never merged with its base; the base
 * alone (which names its deltas in a Freshest CRL) counts.
 */
START_TEST(test_crl_status_delta)
{
	/* what delta CRLs on base 10 list about the leaf; -1: nothing */
	static const int reasons[] = { CRL_REASON_REMOVE_FROM_CRL,
	    CRL_REASON_KEY_COMPROMISE, -1 };
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	struct crl *c = NULL;
	X509_CRL *base, *delta;
	struct pki p;
	size_t i;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	/* base 10 holds the leaf */
	ck_assert_err(crl_new(p.ca, 10, p.now - HOUR, p.now + DAY, &c),
	    KALIT_OK);
	ck_assert_err(crl_set_freshest(c, "http://127.0.0.1:1/ca.delta.crl"),
	    KALIT_OK);
	ck_assert_err(crl_add(c, serial, p.now - 2 * HOUR,
	    CRL_REASON_CERTIFICATE_HOLD), KALIT_OK);
	base = sign_crl(c, p.ca_key);
	ck_assert_err(status(base, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_ON_HOLD);
	/* deltas that release it, revoke it or say nothing: no answer */
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		delta = delta_crl(&p, 11 + (int64_t)i, reasons[i] < 0 ? NULL :
		    serial, reasons[i]);
		ck_assert_msg(crl_status(delta, p.leaf, p.ca, p.now, &st) ==
		    KALIT_ERR_REVOCATION_UNKNOWN, "delta %zu answered", i);
		X509_CRL_free(delta);
	}
	X509_CRL_free(base);
	pki_free(&p);
}
END_TEST

/* removeFromCRL belongs in delta CRLs: in a complete one, no answer. */
START_TEST(test_crl_status_remove_from_crl)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	struct crl *c = NULL;
	X509 *sibling;
	struct pki p;
	X509_CRL *x;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	sibling = pki_issue(&p, "citizen", "Sibling", p.leaf_key, p.ca,
	    p.ca_key, NULL, NULL);
	ck_assert_err(crl_new(p.ca, 5, p.now - HOUR, p.now + DAY, &c),
	    KALIT_OK);
	ck_assert_err(crl_add(c, serial, p.now - 2 * HOUR,
	    CRL_REASON_REMOVE_FROM_CRL), KALIT_OK);
	x = sign_crl(c, p.ca_key);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* the CRL still answers for the certificates it does not list */
	ck_assert_err(status(x, sibling, p.ca, p.now, &st), KALIT_OK);
	X509_CRL_free(x);
	X509_free(sibling);
	pki_free(&p);
}
END_TEST

/* An issuing distribution point limits the CRL to what it names. */
START_TEST(test_crl_status_idp)
{
	static const unsigned char junk[] = { 0x30, 0x03, 0x01, 0x01 };
	struct rev_status st;
	X509 *no_cdp;
	struct pki p;
	X509_CRL *x;

	pki_init(&p, NULL, CDP_URL);
	no_cdp = pki_issue(&p, "citizen", "No CDP", p.leaf_key, p.ca,
	    p.ca_key, NULL, NULL);
	/* the leaf's distribution point */
	x = idp_crl(&p, CDP_URL);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st), KALIT_OK);
	/* a certificate that names no distribution point is not covered */
	ck_assert_err(status(x, no_cdp, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	/* another shard's */
	x = idp_crl(&p, "http://127.0.0.1:1/ca.1.crl");
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	/* a name relative to the CRL issuer (not supported), an IDP that
	   does not decode */
	ck_assert_err(status_with_ext(p.leaf, p.ca, p.ca_key, NULL,
	    relative_idp("Validate CA Shard 1"), p.now),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_err(status_with_ext(p.leaf, p.ca, p.ca_key, NULL,
	    raw_ext("2.5.29.28", 1, junk, sizeof(junk)), p.now),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* two IDPs, each fine alone */
	x = make_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, NULL, 0);
	x = with_ext(x, conf_ext(NID_issuing_distribution_point,
	    "fullname:URI:" CDP_URL), p.ca_key);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st), KALIT_OK);
	x = with_ext(x, conf_ext(NID_issuing_distribution_point,
	    "fullname:URI:" CDP_URL), p.ca_key);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	X509_free(no_cdp);
	pki_free(&p);
}
END_TEST

/* Partial CRLs: of CA or end-entity certificates, some reasons, others'. */
START_TEST(test_crl_status_idp_partial)
{
	/* of_ca: the root's CRL about the CA, else the CA's about the leaf */
	static const struct {
		int		 of_ca;
		const char	*idp;
		int		 want;
	} cases[] = {
		{ 0, "critical, onlyuser:TRUE", KALIT_OK },
		{ 1, "critical, onlyuser:TRUE", KALIT_ERR_REVOCATION_UNKNOWN },
		{ 1, "critical, onlyCA:TRUE", KALIT_OK },
		{ 0, "critical, onlyCA:TRUE", KALIT_ERR_REVOCATION_UNKNOWN },
		{ 0, "critical, onlysomereasons:keyCompromise",
		    KALIT_ERR_REVOCATION_UNKNOWN },
		{ 0, "critical, indirectCRL:TRUE",
		    KALIT_ERR_REVOCATION_UNKNOWN },
		{ 0, "critical, onlyAA:TRUE", KALIT_ERR_REVOCATION_UNKNOWN },
	};
	struct pki p;
	size_t i;
	int r;

	pki_init(&p, NULL, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = status_with_ext(cases[i].of_ca ? p.ca : p.leaf,
		    cases[i].of_ca ? p.root : p.ca,
		    cases[i].of_ca ? p.root_key : p.ca_key, NULL,
		    conf_ext(NID_issuing_distribution_point, cases[i].idp),
		    p.now);
		ck_assert_msg(r == cases[i].want, "%s for a %s: got %s",
		    cases[i].idp, cases[i].of_ca ? "CA" : "citizen",
		    kalit_errname(r));
	}
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_status_critical_extension)
{
	static const unsigned char null_der[] = { 0x05, 0x00 };
	static const char oid[] = "1.3.6.1.4.1.99999.7.1";
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	/* an extension nobody knows: fine unless critical */
	ck_assert_err(status_with_ext(p.leaf, p.ca, p.ca_key, serial,
	    raw_ext(oid, 0, null_der, sizeof(null_der)), p.now),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_err(status_with_ext(p.leaf, p.ca, p.ca_key, serial,
	    raw_ext(oid, 1, null_der, sizeof(null_der)), p.now),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* a known one made critical, which RFC 5280 says is not */
	ck_assert_err(status_with_ext(p.leaf, p.ca, p.ca_key, NULL,
	    conf_ext(NID_freshest_crl,
	    "critical, URI:http://127.0.0.1:1/ca.delta.crl"), p.now),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	pki_free(&p);
}
END_TEST

/*
 * The leaf's entry with a reasonCode extension that does not decode (an
 * INTEGER where an ENUMERATED belongs): no answer, rather than a guess.
 */
START_TEST(test_crl_status_entry_reason_malformed)
{
	static const unsigned char bad_reason[] = { 0x02, 0x01, 0x01 };
	ASN1_INTEGER *sn = NULL;
	X509_EXTENSION *ext;
	X509_REVOKED *rev;
	struct rev_status st;
	ASN1_TIME *t;
	struct pki p;
	X509_CRL *x;

	pki_init(&p, NULL, NULL);
	x = make_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, NULL, 0);
	ck_assert_ptr_nonnull(rev = X509_REVOKED_new());
	ck_assert_ptr_nonnull(sn = ASN1_INTEGER_dup(
	    X509_get0_serialNumber(p.leaf)));
	ck_assert_int_eq(X509_REVOKED_set_serialNumber(rev, sn), 1);
	ck_assert_ptr_nonnull(t = ASN1_TIME_set(NULL, p.now - 2 * HOUR));
	ck_assert_int_eq(X509_REVOKED_set_revocationDate(rev, t), 1);
	ext = raw_ext("2.5.29.21", 0, bad_reason, sizeof(bad_reason));
	ck_assert_int_eq(X509_REVOKED_add_ext(rev, ext, -1), 1);
	X509_EXTENSION_free(ext);
	ck_assert_int_eq(X509_CRL_add0_revoked(x, rev), 1);
	x = resign(x, p.ca_key);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_CRL_free(x);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(sn);
	pki_free(&p);
}
END_TEST

/*
 * An entry extension the CRL marks critical and kalit cannot process
 * makes the whole CRL unusable (RFC 5280 5.3), for the certificates it
 * lists and those it does not.
 */
START_TEST(test_crl_status_entry_critical_extension)
{
	static const unsigned char null_der[] = { 0x05, 0x00 };
	char serial[X509_SERIAL_HEX_MAX + 1];
	X509_EXTENSION *ext;
	X509_REVOKED *rev;
	struct rev_status st;
	struct crl *c = NULL;
	X509 *sibling;
	struct pki p;
	X509_CRL *x;
	int crit;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	sibling = pki_issue(&p, "citizen", "Sibling", p.leaf_key, p.ca,
	    p.ca_key, NULL, NULL);
	for (crit = 0; crit <= 1; crit++) {
		ck_assert_err(crl_new(p.ca, 3, p.now - HOUR, p.now + DAY, &c),
		    KALIT_OK);
		ck_assert_err(crl_add(c, serial, p.now - 2 * HOUR,
		    CRL_REASON_KEY_COMPROMISE), KALIT_OK);
		x = sign_crl(c, p.ca_key);
		rev = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(x), 0);
		ext = raw_ext("1.3.6.1.4.1.99999.7.2", crit, null_der,
		    sizeof(null_der));
		ck_assert_int_eq(X509_REVOKED_add_ext(rev, ext, -1), 1);
		X509_EXTENSION_free(ext);
		x = resign(x, p.ca_key);
		ck_assert_err(status(x, sibling, p.ca, p.now, &st),
		    crit ? KALIT_ERR_REVOCATION_UNKNOWN : KALIT_OK);
		ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
		    crit ? KALIT_ERR_REVOCATION_UNKNOWN :
		    KALIT_ERR_CERT_REVOKED);
		X509_CRL_free(x);
	}
	/* a reason code marked critical is still one kalit reads */
	ck_assert_err(crl_new(p.ca, 4, p.now - HOUR, p.now + DAY, &c),
	    KALIT_OK);
	ck_assert_err(crl_add(c, serial, p.now - 2 * HOUR,
	    CRL_REASON_KEY_COMPROMISE), KALIT_OK);
	x = sign_crl(c, p.ca_key);
	rev = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(x), 0);
	ck_assert_int_eq(X509_EXTENSION_set_critical(X509_REVOKED_get_ext(rev,
	    0), 1), 1);
	x = resign(x, p.ca_key);
	ck_assert_int_eq(X509_EXTENSION_get_critical(X509_REVOKED_get_ext(
	    sk_X509_REVOKED_value(X509_CRL_get_REVOKED(x), 0), 0)), 1);
	ck_assert_err(status(x, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, CRL_REASON_KEY_COMPROMISE);
	ck_assert_err(status(x, sibling, p.ca, p.now, &st), KALIT_OK);
	X509_CRL_free(x);
	X509_free(sibling);
	pki_free(&p);
}
END_TEST

static Suite *
crl_status_suite(void)
{
	Suite *s = suite_create("crl_status");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_crl_status_parse_der);
	tcase_add_test(tc, test_crl_status_parse_pem);
	tcase_add_test(tc, test_crl_status_parse_garbage);
	tcase_add_test(tc, test_crl_status_parse_truncated);
	tcase_add_test(tc, test_crl_status_parse_trailing_bytes);
	tcase_add_test(tc, test_crl_status_parse_empty);
	tcase_add_test(tc, test_crl_status_parse_too_large);
	tcase_add_test(tc, test_crl_status_good);
	tcase_add_test(tc, test_crl_status_revoked);
	tcase_add_test(tc, test_crl_status_ca_certificate);
	tcase_add_test(tc, test_crl_status_other_issuer);
	tcase_add_test(tc, test_crl_status_other_key);
	tcase_add_test(tc, test_crl_status_issuer_may_not_sign_crls);
	tcase_add_test(tc, test_crl_status_currency);
	tcase_add_test(tc, test_crl_status_no_next_update);
	tcase_add_test(tc, test_crl_status_delta);
	tcase_add_test(tc, test_crl_status_remove_from_crl);
	tcase_add_test(tc, test_crl_status_idp);
	tcase_add_test(tc, test_crl_status_idp_partial);
	tcase_add_test(tc, test_crl_status_critical_extension);
	tcase_add_test(tc, test_crl_status_entry_reason_malformed);
	tcase_add_test(tc, test_crl_status_entry_critical_extension);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(crl_status_suite());
}
