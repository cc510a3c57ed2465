/* check_crl.c: unit tests for crl.c */
#include "config.h"

#include <string.h>

#include <check.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "testutil.h"

#define THIS_UPDATE	((time_t)1700000000)
#define NEXT_UPDATE	(THIS_UPDATE + 7 * 86400)

/* Signs crl with key and decodes the DER back; caller frees. */
static X509_CRL *
sign_and_parse(struct crl *crl, EVP_PKEY *key)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len = 0;
	X509_CRL *x;

	ck_assert_err(crl_sign(crl, key, &der, &len), KALIT_OK);
	ck_assert_ptr_nonnull(der);
	p = der;
	ck_assert_ptr_nonnull(x = d2i_X509_CRL(NULL, &p, (long)len));
	ck_assert_ptr_eq(p, der + len);
	OPENSSL_free(der);
	return x;
}

/* Reason code of entry rev, or -1 when it has none. */
static int
entry_reason(X509_REVOKED *rev)
{
	ASN1_ENUMERATED *code;
	int crit = -1, reason;

	code = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
	if (code == NULL) {
		ck_assert_int_eq(crit, -1);	/* absent, not unparsable */
		return -1;
	}
	ck_assert_int_eq(crit, 0);
	reason = (int)ASN1_ENUMERATED_get(code);
	ASN1_ENUMERATED_free(code);
	return reason;
}

/* Serial of entry rev as lowercase hex without leading zeros. */
static void
entry_serial(X509_REVOKED *rev, char *buf, size_t len)
{
	BIGNUM *bn;
	char *hex, *p;

	ck_assert_ptr_nonnull(bn = ASN1_INTEGER_to_BN(
	    X509_REVOKED_get0_serialNumber(rev), NULL));
	ck_assert_ptr_nonnull(hex = BN_bn2hex(bn));
	for (p = hex; *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	for (p = hex; p[0] == '0' && p[1] != '\0'; p++)
		continue;
	snprintf(buf, len, "%s", p);
	OPENSSL_free(hex);
	BN_free(bn);
}

START_TEST(test_crl_build_sign_verify)
{
	static const struct {
		const char	*serial;
		time_t		 at;
		int		 reason;
	} in[] = {
		{ "7f0a3b", THIS_UPDATE - 100, CRL_REASON_KEY_COMPROMISE },
		{ "0a", THIS_UPDATE - 200, CRL_REASON_UNSPECIFIED },
		{ "4d2c1b0a99887766554433221100ffee", THIS_UPDATE - 300,
		    CRL_REASON_CERTIFICATE_HOLD },
		{ "1F", THIS_UPDATE - 400, CRL_REASON_SUPERSEDED },
		{ "05", THIS_UPDATE - 500, CRL_REASON_CESSATION_OF_OPERATION },
	};
	/* entries stay in the order added: the store gives serial order */
	static const int order[] = { 0, 1, 2, 3, 4 };
	X509 *ca;
	EVP_PKEY *key, *other;
	struct crl *crl = NULL;
	X509_CRL *x;
	STACK_OF(X509_REVOKED) *revs;
	ASN1_INTEGER *num;
	AUTHORITY_KEYID *akid;
	char hex[X509_SERIAL_HEX_MAX + 1], want[X509_SERIAL_HEX_MAX + 1];
	size_t i;
	int crit;

	tu_make_ca((enum key_type)_i, "CRL Test Root", &ca, &key);
	ck_assert_err(crl_new(ca, 42, THIS_UPDATE, NEXT_UPDATE, &crl),
	    KALIT_OK);
	ck_assert_ptr_nonnull(crl);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		ck_assert_err(crl_add(crl, in[i].serial, in[i].at,
		    in[i].reason), KALIT_OK);
	x = sign_and_parse(crl, key);

	/* signature */
	ck_assert_int_eq(X509_CRL_verify(x, key), 1);
	other = tu_key((enum key_type)_i);
	ck_assert_int_ne(X509_CRL_verify(x, other), 1);
	ERR_clear_error();
	EVP_PKEY_free(other);

	/* header */
	ck_assert_int_eq(X509_CRL_get_version(x), X509_CRL_VERSION_2);
	ck_assert_int_eq(X509_NAME_cmp(X509_CRL_get_issuer(x),
	    X509_get_subject_name(ca)), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(x),
	    THIS_UPDATE), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(x),
	    NEXT_UPDATE), 0);
	num = X509_CRL_get_ext_d2i(x, NID_crl_number, &crit, NULL);
	ck_assert_ptr_nonnull(num);
	ck_assert_int_eq(crit, 0);
	ck_assert_int_eq(ASN1_INTEGER_get(num), 42);
	ASN1_INTEGER_free(num);
	akid = X509_CRL_get_ext_d2i(x, NID_authority_key_identifier, &crit,
	    NULL);
	ck_assert_ptr_nonnull(akid);
	ck_assert_int_eq(crit, 0);
	ck_assert_ptr_nonnull(akid->keyid);
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(akid->keyid,
	    X509_get0_subject_key_id(ca)), 0);
	AUTHORITY_KEYID_free(akid);
	ck_assert_int_eq(X509_CRL_get_ext_count(x), 2);

	/* entries: reason present unless unspecified */
	ck_assert_ptr_nonnull(revs = X509_CRL_get_REVOKED(x));
	ck_assert_int_eq(sk_X509_REVOKED_num(revs), 5);
	for (i = 0; i < 5; i++) {
		X509_REVOKED *rev = sk_X509_REVOKED_value(revs, (int)i);
		int k = order[i];

		entry_serial(rev, hex, sizeof(hex));
		ck_assert_err(x509_serial_normalize(in[k].serial, want,
		    sizeof(want)), KALIT_OK);
		ck_assert_str_eq(hex, want);
		ck_assert_int_eq(ASN1_TIME_cmp_time_t(
		    X509_REVOKED_get0_revocationDate(rev), in[k].at), 0);
		ck_assert_int_eq(entry_reason(rev),
		    in[k].reason == CRL_REASON_UNSPECIFIED ? -1 :
		    in[k].reason);
	}
	X509_CRL_free(x);
	crl_free(crl);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_crl_empty)
{
	X509 *ca;
	EVP_PKEY *key;
	struct crl *crl = NULL;
	X509_CRL *x;
	ASN1_INTEGER *num;

	tu_make_ca(KEY_TYPE_P256, "Root", &ca, &key);
	ck_assert_err(crl_new(ca, 1, THIS_UPDATE, NEXT_UPDATE, &crl),
	    KALIT_OK);
	x = sign_and_parse(crl, key);
	ck_assert_int_eq(X509_CRL_verify(x, key), 1);
	ck_assert_int_eq(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(x)) > 0, 0);
	num = X509_CRL_get_ext_d2i(x, NID_crl_number, NULL, NULL);
	ck_assert_int_eq(ASN1_INTEGER_get(num), 1);
	ASN1_INTEGER_free(num);
	X509_CRL_free(x);
	crl_free(crl);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_crl_big_number)
{
	X509 *ca;
	EVP_PKEY *key;
	struct crl *crl = NULL;
	X509_CRL *x;
	ASN1_INTEGER *num;
	int64_t v = 0;

	tu_make_ca(KEY_TYPE_P256, "Root", &ca, &key);
	ck_assert_err(crl_new(ca, INT64_C(1) << 40, THIS_UPDATE, NEXT_UPDATE,
	    &crl), KALIT_OK);
	x = sign_and_parse(crl, key);
	num = X509_CRL_get_ext_d2i(x, NID_crl_number, NULL, NULL);
	ck_assert_int_eq(ASN1_INTEGER_get_int64(&v, num), 1);
	ck_assert(v == INT64_C(1) << 40);
	ASN1_INTEGER_free(num);
	X509_CRL_free(x);
	crl_free(crl);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_crl_bad_serial_is_malformed)
{
	X509 *ca;
	EVP_PKEY *key;
	struct crl *crl = NULL;
	X509_CRL *x;

	tu_make_ca(KEY_TYPE_P256, "Root", &ca, &key);
	ck_assert_err(crl_new(ca, 7, THIS_UPDATE, NEXT_UPDATE, &crl),
	    KALIT_OK);
	ck_assert_err(crl_add(crl, "xyz", THIS_UPDATE, 1),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(crl_add(crl, "", THIS_UPDATE, 1), KALIT_ERR_MALFORMED);
	/* the whole string must be hex, and a serial is positive */
	ck_assert_err(crl_add(crl, "12xyz", THIS_UPDATE, 1),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(crl_add(crl, "12 ", THIS_UPDATE, 1), KALIT_ERR_MALFORMED);
	ck_assert_err(crl_add(crl, "-5", THIS_UPDATE, 1), KALIT_ERR_MALFORMED);
	ck_assert_err(crl_add(crl, "0x12", THIS_UPDATE, 1),
	    KALIT_ERR_MALFORMED);
	/* at most 64 hex digits (32 bytes; RFC 5280 allows 20) */
	ck_assert_err(crl_add(crl, "7fffffffffffffffffffffffffffffffffffffff"
	    "ffffffffffffffffffffffff", THIS_UPDATE, 1), KALIT_OK);
	ck_assert_err(crl_add(crl, "7fffffffffffffffffffffffffffffffffffffff"
	    "fffffffffffffffffffffffff", THIS_UPDATE, 1), KALIT_ERR_MALFORMED);
	/* RFC 5280 has no reason 7, nor any above 10 */
	ck_assert_err(crl_add(crl, "12", THIS_UPDATE, 7), KALIT_ERR_REASON);
	ck_assert_err(crl_add(crl, "12", THIS_UPDATE, 99), KALIT_ERR_REASON);
	/* the refused entries left nothing behind */
	x = sign_and_parse(crl, key);
	ck_assert_int_eq(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(x)), 1);
	X509_CRL_free(x);
	crl_free(crl);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_crl_to_pem)
{
	X509 *ca;
	EVP_PKEY *key;
	struct crl *crl = NULL;
	unsigned char *der = NULL;
	size_t len = 0;
	char *pem = NULL;
	BIO *mem;
	X509_CRL *x;

	tu_make_ca(KEY_TYPE_P256, "Root", &ca, &key);
	ck_assert_err(crl_new(ca, 3, THIS_UPDATE, NEXT_UPDATE, &crl),
	    KALIT_OK);
	ck_assert_err(crl_add(crl, "abc", THIS_UPDATE, 1), KALIT_OK);
	ck_assert_err(crl_sign(crl, key, &der, &len), KALIT_OK);
	ck_assert_err(crl_to_pem(der, len, &pem), KALIT_OK);
	ck_assert_int_eq(strncmp(pem, "-----BEGIN X509 CRL-----\n", 25), 0);
	ck_assert_ptr_nonnull(mem = BIO_new_mem_buf(pem, -1));
	ck_assert_ptr_nonnull(x = PEM_read_bio_X509_CRL(mem, NULL, NULL,
	    NULL));
	ck_assert_int_eq(X509_CRL_verify(x, key), 1);
	X509_CRL_free(x);
	BIO_free(mem);
	free(pem);
	pem = (char *)"sentinel";
	ck_assert_err(crl_to_pem((const unsigned char *)"junk", 4, &pem),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(pem);
	ck_assert_err(crl_to_pem(der, len / 2, &pem), KALIT_ERR_MALFORMED);
	ERR_clear_error();
	OPENSSL_free(der);
	crl_free(crl);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_crl_reason_parse_and_name)
{
	static const struct {
		const char	*name;
		int		 value;
	} reasons[] = {
		{ "unspecified", CRL_REASON_UNSPECIFIED },
		{ "keyCompromise", CRL_REASON_KEY_COMPROMISE },
		{ "cACompromise", CRL_REASON_CA_COMPROMISE },
		{ "affiliationChanged", CRL_REASON_AFFILIATION_CHANGED },
		{ "superseded", CRL_REASON_SUPERSEDED },
		{ "cessationOfOperation", CRL_REASON_CESSATION_OF_OPERATION },
		{ "certificateHold", CRL_REASON_CERTIFICATE_HOLD },
		{ "removeFromCRL", CRL_REASON_REMOVE_FROM_CRL },
		{ "privilegeWithdrawn", CRL_REASON_PRIVILEGE_WITHDRAWN },
		{ "aACompromise", CRL_REASON_AA_COMPROMISE },
	};
	static const char *const bad[] = { "", "keycompromise", "KeyCompromise",
	    "unknown", "7", "1", "keyCompromise ", "hold" };
	size_t i;
	int r;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		r = -1;
		ck_assert_err(crl_reason_parse(reasons[i].name, &r), KALIT_OK);
		ck_assert_int_eq(r, reasons[i].value);
		ck_assert_str_eq(crl_reason_name(reasons[i].value),
		    reasons[i].name);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = 99;
		ck_assert_msg(crl_reason_parse(bad[i], &r) == KALIT_ERR_REASON,
		    "\"%s\" accepted", bad[i]);
		ck_assert_int_eq(r, 99);
	}
	/* 7 is unused in RFC 5280 */
	ck_assert_str_eq(crl_reason_name(7), "unknown");
	ck_assert_str_eq(crl_reason_name(-1), "unknown");
	ck_assert_str_eq(crl_reason_name(11), "unknown");
	ck_assert_str_eq(crl_reason_name(1000), "unknown");
}
END_TEST

/* n serials, increasing, 32 hex digits like kalit's, into a new array. */
static char (*serials(size_t n))[48]
{
	char (*v)[48];
	size_t i;

	ck_assert_ptr_nonnull(v = calloc(n, sizeof(*v)));
	for (i = 0; i < n; i++)
		snprintf(v[i], sizeof(v[i]), "4%07zx%024zx", i * 7 + 1, i * i);
	return v;
}

/*
 * The streamed DER is canonical: re-signing its parse with a deterministic
 * key (Ed25519, RSA PKCS#1 v1.5) re-encodes it byte for byte, across the
 * 1-, 2- and 3-byte DER lengths of the entries' SEQUENCE.
 */
START_TEST(test_crl_der_is_canonical)
{
	static const size_t counts[] = { 0, 1, 3, 6, 2000 };
	static const enum key_type types[] = { KEY_TYPE_ED25519,
	    KEY_TYPE_RSA3072 };
	enum key_type kt = types[_i % 2];
	size_t n = counts[_i / 2], i;
	char (*sv)[48] = serials(n);
	unsigned char *der = NULL, *again = NULL;
	const unsigned char *p;
	struct crl *crl = NULL;
	X509_CRL *x;
	X509 *ca;
	EVP_PKEY *key;
	size_t len = 0;
	int len2;

	tu_make_ca(kt, "Canonical Root", &ca, &key);
	ck_assert_err(crl_new(ca, 9, THIS_UPDATE, NEXT_UPDATE, &crl),
	    KALIT_OK);
	ck_assert_err(crl_set_freshest(crl, "http://pki.example.uz/crl/"
	    "citizen.delta.crl"), KALIT_OK);
	for (i = 0; i < n; i++)
		ck_assert_err(crl_add(crl, sv[i], THIS_UPDATE - (time_t)i,
		    (int)(i % 7)), KALIT_OK);
	ck_assert_uint_eq(crl_count(crl), n);
	ck_assert_err(crl_sign(crl, key, &der, &len), KALIT_OK);
	p = der;
	ck_assert_ptr_nonnull(x = d2i_X509_CRL(NULL, &p, (long)len));
	ck_assert_ptr_eq(p, der + len);
	ck_assert_int_eq(X509_CRL_verify(x, key), 1);
	/* no entries: no revokedCertificates at all (RFC 5280 5.1.2.6) */
	if (n == 0)
		ck_assert_ptr_null(X509_CRL_get_REVOKED(x));
	else
		ck_assert_int_eq(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(x)),
		    (int)n);
	ck_assert_int_gt(X509_CRL_sign(x, key, key_sign_md(key)), 0);
	ck_assert_int_eq(len2 = i2d_X509_CRL(x, &again), (int)len);
	ck_assert_mem_eq(again, der, len);
	OPENSSL_free(again);
	X509_CRL_free(x);
	OPENSSL_free(der);
	crl_free(crl);
	free(sv);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

/* `openssl crl -verify` of a DER CRL against ca: 0 when it says OK. */
static int
openssl_crl_verify(const unsigned char *der, size_t len, X509 *ca)
{
	const char *openssl = getenv("OPENSSL");
	char dir[PATH_MAX], crlpath[PATH_MAX], capath[PATH_MAX];
	char cmd[3 * PATH_MAX];
	FILE *f;
	int st;

	tu_mkdtemp(dir, sizeof(dir));
	tu_path(crlpath, sizeof(crlpath), dir, "x.crl");
	tu_path(capath, sizeof(capath), dir, "ca.pem");
	tu_write_file(crlpath, der, len);
	ck_assert_ptr_nonnull(f = fopen(capath, "w"));
	ck_assert_int_eq(PEM_write_X509(f, ca), 1);
	fclose(f);
	/*
	 * OpenSSL 3.0's crl -verify exits 0 after "verify failure": only
	 * its "verify OK" counts.
	 */
	snprintf(cmd, sizeof(cmd), "'%s' crl -inform DER -in '%s' -CAfile "
	    "'%s' -verify -noout 2>&1 | grep -q '^verify OK$'",
	    openssl != NULL &&
	    *openssl != '\0' ? openssl : "openssl", crlpath, capath);
	st = system(cmd);
	tu_rmdir(dir);
	return st;
}

/* Twenty thousand entries: every one parsed back, the CLI agrees. */
START_TEST(test_crl_many_entries)
{
	size_t n = 20000, i;
	char (*sv)[48] = serials(n);
	char hex[X509_SERIAL_HEX_MAX + 1];
	STACK_OF(X509_REVOKED) *revs;
	unsigned char *der = NULL;
	const unsigned char *p;
	struct crl *crl = NULL;
	X509_CRL *x;
	X509 *ca;
	EVP_PKEY *key;
	size_t len = 0;

	tu_make_ca(KEY_TYPE_P256, "Many Root", &ca, &key);
	ck_assert_err(crl_new(ca, 77, THIS_UPDATE, NEXT_UPDATE, &crl),
	    KALIT_OK);
	for (i = 0; i < n; i++)
		ck_assert_err(crl_add(crl, sv[i], THIS_UPDATE - 60,
		    CRL_REASON_KEY_COMPROMISE), KALIT_OK);
	ck_assert_err(crl_sign(crl, key, &der, &len), KALIT_OK);
	/* about 40 bytes an entry, nothing more */
	ck_assert_uint_lt(len, n * 60);
	p = der;
	ck_assert_ptr_nonnull(x = d2i_X509_CRL(NULL, &p, (long)len));
	ck_assert_int_eq(X509_CRL_verify(x, key), 1);
	ck_assert_ptr_nonnull(revs = X509_CRL_get_REVOKED(x));
	ck_assert_int_eq(sk_X509_REVOKED_num(revs), (int)n);
	for (i = 0; i < n; i += 997) {
		entry_serial(sk_X509_REVOKED_value(revs, (int)i), hex,
		    sizeof(hex));
		ck_assert_str_eq(hex, sv[i]);
		ck_assert_int_eq(entry_reason(sk_X509_REVOKED_value(revs,
		    (int)i)), CRL_REASON_KEY_COMPROMISE);
	}
	ck_assert_int_eq(openssl_crl_verify(der, len, ca), 0);
	/* a flipped byte in the signed part: the CLI refuses it */
	der[len / 2] ^= 0x01;
	ck_assert_int_ne(openssl_crl_verify(der, len, ca), 0);
	X509_CRL_free(x);
	OPENSSL_free(der);
	crl_free(crl);
	free(sv);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_crl_delta_idp_freshest)
{
	static const char idp_url[] = "http://pki.example.uz/crl/citizen.3.crl";
	static const char fresh_url[] =
	    "http://pki.example.uz/crl/citizen.3.delta.crl";
	GENERAL_NAME *gn;
	ISSUING_DIST_POINT *idp;
	STACK_OF(DIST_POINT) *fresh;
	ASN1_INTEGER *base;
	unsigned char *der = NULL;
	const unsigned char *p;
	struct crl *crl = NULL;
	X509_CRL *x;
	X509 *ca;
	EVP_PKEY *key;
	size_t len = 0;
	int crit = -1;

	tu_make_ca(KEY_TYPE_P384, "Delta Root", &ca, &key);
	ck_assert_err(crl_new(ca, 12, THIS_UPDATE, NEXT_UPDATE, &crl),
	    KALIT_OK);
	ck_assert_err(crl_set_delta(crl, 10), KALIT_OK);
	ck_assert_err(crl_set_idp(crl, idp_url), KALIT_OK);
	ck_assert_err(crl_set_freshest(crl, fresh_url), KALIT_OK);
	ck_assert_err(crl_add(crl, "4abc", THIS_UPDATE - 5,
	    CRL_REASON_REMOVE_FROM_CRL), KALIT_OK);
	ck_assert_err(crl_sign(crl, key, &der, &len), KALIT_OK);
	p = der;
	ck_assert_ptr_nonnull(x = d2i_X509_CRL(NULL, &p, (long)len));
	ck_assert_int_eq(X509_CRL_verify(x, key), 1);
	/* Delta CRL Indicator: critical, the base's number */
	ck_assert_ptr_nonnull(base = X509_CRL_get_ext_d2i(x, NID_delta_crl,
	    &crit, NULL));
	ck_assert_int_eq(crit, 1);
	ck_assert_int_eq(ASN1_INTEGER_get(base), 10);
	ASN1_INTEGER_free(base);
	/* IDP: critical, exactly the shard's URL */
	ck_assert_ptr_nonnull(idp = X509_CRL_get_ext_d2i(x,
	    NID_issuing_distribution_point, &crit, NULL));
	ck_assert_int_eq(crit, 1);
	ck_assert_ptr_nonnull(idp->distpoint);
	ck_assert_int_eq(idp->distpoint->type, 0);
	ck_assert_int_eq(sk_GENERAL_NAME_num(idp->distpoint->name.fullname),
	    1);
	gn = sk_GENERAL_NAME_value(idp->distpoint->name.fullname, 0);
	ck_assert_int_eq(gn->type, GEN_URI);
	ck_assert_str_eq((const char *)ASN1_STRING_get0_data(
	    gn->d.uniformResourceIdentifier), idp_url);
	ck_assert(!idp->onlyuser && !idp->onlyCA && !idp->indirectCRL &&
	    idp->onlysomereasons == NULL);
	ISSUING_DIST_POINT_free(idp);
	/* Freshest CRL: not critical, the delta's URL */
	ck_assert_ptr_nonnull(fresh = X509_CRL_get_ext_d2i(x, NID_freshest_crl,
	    &crit, NULL));
	ck_assert_int_eq(crit, 0);
	gn = sk_GENERAL_NAME_value(sk_DIST_POINT_value(fresh, 0)->
	    distpoint->name.fullname, 0);
	ck_assert_str_eq((const char *)ASN1_STRING_get0_data(
	    gn->d.uniformResourceIdentifier), fresh_url);
	CRL_DIST_POINTS_free(fresh);
	/* the released certificate: removeFromCRL */
	ck_assert_int_eq(entry_reason(sk_X509_REVOKED_value(
	    X509_CRL_get_REVOKED(x), 0)), CRL_REASON_REMOVE_FROM_CRL);
	ck_assert_int_eq(X509_CRL_get_ext_count(x), 5);
	X509_CRL_free(x);
	OPENSSL_free(der);
	crl_free(crl);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_crl_sign_once)
{
	unsigned char *der = NULL;
	struct crl *crl = NULL;
	X509 *ca;
	EVP_PKEY *key;
	size_t len = 0;

	tu_make_ca(KEY_TYPE_P256, "Once Root", &ca, &key);
	ck_assert_err(crl_new(ca, 1, THIS_UPDATE, NEXT_UPDATE, &crl),
	    KALIT_OK);
	ck_assert_err(crl_add(crl, "41", THIS_UPDATE, 1), KALIT_OK);
	ck_assert_err(crl_sign(crl, key, &der, &len), KALIT_OK);
	OPENSSL_free(der);
	ck_assert_err(crl_add(crl, "42", THIS_UPDATE, 1), KALIT_ERR_INTERNAL);
	ck_assert_err(crl_sign(crl, key, &der, &len), KALIT_ERR_INTERNAL);
	ck_assert_ptr_null(der);
	crl_free(crl);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_crl_shard)
{
	unsigned char b[16];
	char hex[40];
	BIGNUM *bn = NULL;
	int seen[7], i, k, n;

	ck_assert_int_eq(crl_shard("4abcdef", 1), 0);
	ck_assert_int_eq(crl_shard("4abcdef", 0), 0);
	ck_assert_int_eq(crl_shard("11", 16), 1);
	ck_assert_int_eq(crl_shard("1F", 16), 15);
	ck_assert_int_eq(crl_shard("100", 7), 256 % 7);
	ck_assert_int_eq(crl_shard("xyz", 4), -1);
	ck_assert_int_eq(crl_shard("", 4), -1);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 500; i++) {
		ck_assert_int_eq(RAND_bytes(b, sizeof(b)), 1);
		b[0] = (b[0] & 0x7f) | 0x40;
		ck_assert_ptr_nonnull(bn = BN_bin2bn(b, sizeof(b), bn));
		for (n = 2; n <= 7; n++) {
			char *h = BN_bn2hex(bn);

			snprintf(hex, sizeof(hex), "%s", h);
			OPENSSL_free(h);
			k = crl_shard(hex, n);
			ck_assert_int_eq(k, (int)BN_mod_word(bn,
			    (BN_ULONG)n));
			if (n == 7)
				seen[k]++;
		}
	}
	/* random serials fall into every shard */
	for (k = 0; k < 7; k++)
		ck_assert_int_gt(seen[k], 0);
	BN_free(bn);
}
END_TEST

START_TEST(test_crl_free_null)
{
	crl_free(NULL);
}
END_TEST

static Suite *
crl_suite(void)
{
	Suite *s = suite_create("crl");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_crl_build_sign_verify, 0, KEY_TYPE__MAX);
	tcase_add_test(tc, test_crl_empty);
	tcase_add_test(tc, test_crl_big_number);
	tcase_add_test(tc, test_crl_bad_serial_is_malformed);
	tcase_add_loop_test(tc, test_crl_der_is_canonical, 0, 10);
	tcase_add_test(tc, test_crl_many_entries);
	tcase_add_test(tc, test_crl_delta_idp_freshest);
	tcase_add_test(tc, test_crl_sign_once);
	tcase_add_test(tc, test_crl_shard);
	tcase_add_test(tc, test_crl_to_pem);
	tcase_add_test(tc, test_crl_reason_parse_and_name);
	tcase_add_test(tc, test_crl_free_null);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(crl_suite());
}
