/* check_crl.c: unit tests for crl.c */
#include <string.h>

#include <check.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
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
	/* in[] sorted by serial number */
	static const int order[] = { 4, 1, 3, 0, 2 };
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

	/* entries: sorted by serial, reason present unless unspecified */
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
		if (i > 0) {
			X509_REVOKED *prev;

			prev = sk_X509_REVOKED_value(revs, (int)i - 1);
			ck_assert_int_lt(ASN1_INTEGER_cmp(
			    X509_REVOKED_get0_serialNumber(prev),
			    X509_REVOKED_get0_serialNumber(rev)), 0);
		}
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
	/* RFC 5280 has no reason 7, nor any above 10 */
	ck_assert_err(crl_add(crl, "12", THIS_UPDATE, 7), KALIT_ERR_REASON);
	ck_assert_err(crl_add(crl, "12", THIS_UPDATE, 99), KALIT_ERR_REASON);
	/* the refused entries left nothing behind */
	x = sign_and_parse(crl, key);
	ck_assert_int_eq(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(x)) > 0, 0);
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
