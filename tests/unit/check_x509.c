/* check_x509.c: unit tests for x509.c */
#include "config.h"

#include <string.h>

#include <check.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "x509.h"
#include "testutil.h"

struct fixture {
	struct profile	*citizen;
	X509		*ca;
	EVP_PKEY	*ca_key;
	EVP_PKEY	*key;
	X509_NAME	*subject;
};

/* A P-256 root, a citizen profile and a subject key; free with fx_free(). */
static void
fx_init(struct fixture *fx)
{
	fx->citizen = tu_profile("citizen");
	tu_make_ca(KEY_TYPE_P256, "Test Root", &fx->ca, &fx->ca_key);
	fx->key = tu_key(KEY_TYPE_P256);
	fx->subject = tu_name("Holder");
}

static void
fx_free(struct fixture *fx)
{
	profile_free(fx->citizen);
	X509_free(fx->ca);
	EVP_PKEY_free(fx->ca_key);
	EVP_PKEY_free(fx->key);
	X509_NAME_free(fx->subject);
}

static void
fx_spec(struct fixture *fx, struct x509_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->profile = fx->citizen;
	spec->subject = fx->subject;
	spec->pubkey = fx->key;
	spec->issuer = fx->ca;
	spec->issuer_key = fx->ca_key;
	spec->not_before = 1700000000;
}

/* Extension nid printed as text by OpenSSL; caller frees, NULL if absent. */
static char *
ext_text(X509 *cert, int nid, int *critp)
{
	X509_EXTENSION *ext;
	BIO *mem;
	char *data, *out;
	long len;
	int i;

	if ((i = X509_get_ext_by_NID(cert, nid, -1)) < 0)
		return NULL;
	ck_assert_int_eq(X509_get_ext_by_NID(cert, nid, i), -1);
	ext = X509_get_ext(cert, i);
	if (critp != NULL)
		*critp = X509_EXTENSION_get_critical(ext);
	ck_assert_ptr_nonnull(mem = BIO_new(BIO_s_mem()));
	ck_assert_int_eq(X509V3_EXT_print(mem, ext, 0, 0), 1);
	len = BIO_get_mem_data(mem, &data);
	ck_assert_ptr_nonnull(out = strndup(data, (size_t)len));
	BIO_free(mem);
	return out;
}

static void
assert_ext(X509 *cert, int nid, int crit, const char *want)
{
	char *got;
	int c = -1;

	got = ext_text(cert, nid, &c);
	ck_assert_msg(got != NULL, "extension %s missing", OBJ_nid2sn(nid));
	ck_assert_msg(strstr(got, want) != NULL, "%s: \"%s\" lacks \"%s\"",
	    OBJ_nid2sn(nid), got, want);
	ck_assert_msg(c == crit, "%s: critical %d", OBJ_nid2sn(nid), c);
	free(got);
}

START_TEST(test_x509_serial_16_bytes_positive)
{
	struct fixture fx;
	X509 *cert;
	BIGNUM *bn;
	char hex[X509_SERIAL_HEX_MAX + 1];
	int i;

	fx_init(&fx);
	for (i = 0; i < 20; i++) {
		cert = tu_issue(fx.citizen, fx.subject, fx.key, NULL, fx.ca,
		    fx.ca_key);
		ck_assert_ptr_nonnull(bn = ASN1_INTEGER_to_BN(
		    X509_get0_serialNumber(cert), NULL));
		ck_assert_int_eq(BN_is_negative(bn), 0);
		ck_assert_int_eq(BN_num_bytes(bn), 16);
		/* top bits 01: positive, never shorter than 16 bytes */
		ck_assert_int_eq(BN_num_bits(bn), 127);
		ck_assert_err(x509_serial_hex(cert, hex, sizeof(hex)),
		    KALIT_OK);
		ck_assert_uint_eq(strlen(hex), 32);
		ck_assert(hex[0] >= '4' && hex[0] <= '7');
		BN_free(bn);
		X509_free(cert);
	}
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_serials_differ)
{
	struct fixture fx;
	char hex[8][X509_SERIAL_HEX_MAX + 1];
	X509 *cert;
	int i, j;

	fx_init(&fx);
	for (i = 0; i < 8; i++) {
		cert = tu_issue(fx.citizen, fx.subject, fx.key, NULL, fx.ca,
		    fx.ca_key);
		ck_assert_err(x509_serial_hex(cert, hex[i], sizeof(hex[i])),
		    KALIT_OK);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(hex[i], hex[j]);
		X509_free(cert);
	}
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_serial_hex_matches_bignum)
{
	struct fixture fx;
	X509 *cert;
	BIGNUM *bn;
	char hex[X509_SERIAL_HEX_MAX + 1], *want, *p;

	fx_init(&fx);
	cert = tu_issue(fx.citizen, fx.subject, fx.key, NULL, fx.ca,
	    fx.ca_key);
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	want = BN_bn2hex(bn);
	for (p = want; *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	ck_assert_err(x509_serial_hex(cert, hex, sizeof(hex)), KALIT_OK);
	ck_assert_str_eq(hex, want);
	/* a buffer too short for 32 digits and the NUL */
	ck_assert_int_ne(x509_serial_hex(cert, hex, 32), KALIT_OK);
	ck_assert_err(x509_serial_hex(cert, hex, 33), KALIT_OK);
	/* small serials lose leading zeros */
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(cert), 10), 1);
	ck_assert_err(x509_serial_hex(cert, hex, sizeof(hex)), KALIT_OK);
	ck_assert_str_eq(hex, "a");
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(cert), 0), 1);
	ck_assert_err(x509_serial_hex(cert, hex, sizeof(hex)), KALIT_OK);
	ck_assert_str_eq(hex, "0");
	OPENSSL_free(want);
	BN_free(bn);
	X509_free(cert);
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_end_entity_extensions)
{
	struct fixture fx;
	struct x509_spec spec;
	X509 *cert = NULL;
	char *t;

	fx_init(&fx);
	fx_spec(&fx, &spec);
	spec.email = "holder@example.uz";
	spec.crl_url = "http://crl.example.uz/issuing.crl";
	spec.ocsp_url = "http://ocsp.example.uz";
	spec.ca_issuers_url = "http://ca.example.uz/issuing.crt";
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);

	ck_assert_int_eq(X509_get_version(cert), X509_VERSION_3);
	ck_assert_int_eq(X509_check_ca(cert), 0);
	ck_assert(X509_get_extension_flags(cert) & EXFLAG_BCONS);
	assert_ext(cert, NID_basic_constraints, 0, "CA:FALSE");
	ck_assert_uint_eq(X509_get_key_usage(cert),
	    KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
	assert_ext(cert, NID_key_usage, 1, "Digital Signature");
	ck_assert_uint_eq(X509_get_extended_key_usage(cert),
	    XKU_SSL_CLIENT | XKU_SMIME);
	assert_ext(cert, NID_ext_key_usage, 0, "TLS Web Client Authentication");
	assert_ext(cert, NID_certificate_policies, 0, "1.3.6.1.5.5.7.13.1");
	assert_ext(cert, NID_subject_alt_name, 0, "email:holder@example.uz");
	assert_ext(cert, NID_crl_distribution_points, 0,
	    "URI:http://crl.example.uz/issuing.crl");
	assert_ext(cert, NID_info_access, 0,
	    "OCSP - URI:http://ocsp.example.uz");
	assert_ext(cert, NID_info_access, 0,
	    "CA Issuers - URI:http://ca.example.uz/issuing.crt");
	ck_assert_ptr_nonnull(X509_get0_subject_key_id(cert));
	ck_assert_ptr_nonnull(X509_get0_authority_key_id(cert));
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(cert),
	    X509_get0_subject_key_id(fx.ca)), 0);
	/* nothing else */
	ck_assert_int_eq(X509_get_ext_count(cert), 9);
	ck_assert_ptr_null(t = ext_text(cert, NID_netscape_cert_type, NULL));

	/* names and signature */
	ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(cert),
	    fx.subject), 0);
	ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(cert),
	    X509_get_subject_name(fx.ca)), 0);
	ck_assert_int_eq(X509_verify(cert, fx.ca_key), 1);
	ck_assert_int_eq(X509_check_issued(fx.ca, cert), X509_V_OK);
	ck_assert_int_eq(EVP_PKEY_eq(X509_get0_pubkey(cert), fx.key), 1);
	X509_free(cert);
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_optional_extensions_absent)
{
	struct fixture fx;
	struct x509_spec spec;
	X509 *cert = NULL;

	fx_init(&fx);
	fx_spec(&fx, &spec);
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	ck_assert_int_lt(X509_get_ext_by_NID(cert, NID_subject_alt_name, -1),
	    0);
	ck_assert_int_lt(X509_get_ext_by_NID(cert,
	    NID_crl_distribution_points, -1), 0);
	ck_assert_int_lt(X509_get_ext_by_NID(cert, NID_info_access, -1), 0);
	ck_assert_int_eq(X509_get_ext_count(cert), 6);
	X509_free(cert);

	/* only the OCSP half of AIA */
	spec.ocsp_url = "http://ocsp.example.uz";
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	assert_ext(cert, NID_info_access, 0,
	    "OCSP - URI:http://ocsp.example.uz");
	X509_free(cert);
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_given_serial_and_freshest)
{
	struct fixture fx;
	struct x509_spec spec;
	X509 *cert = NULL;
	char hex[X509_SERIAL_HEX_MAX + 1], got[X509_SERIAL_HEX_MAX + 1];
	char other[X509_SERIAL_HEX_MAX + 1];

	fx_init(&fx);
	fx_spec(&fx, &spec);
	/* drawn ahead, as long and positive as x509_issue()'s own */
	ck_assert_err(x509_serial_new(hex, sizeof(hex)), KALIT_OK);
	ck_assert_uint_eq(strlen(hex), 32);
	ck_assert(hex[0] >= '4' && hex[0] <= '7');
	ck_assert_uint_eq(strspn(hex, "0123456789abcdef"), 32);
	ck_assert_err(x509_serial_new(other, sizeof(other)), KALIT_OK);
	ck_assert_str_ne(hex, other);
	ck_assert_err(x509_serial_new(other, 32), KALIT_ERR_INTERNAL);
	spec.serial_hex = hex;
	spec.crl_url = "http://pki.example.uz/crl/citizen.3.crl";
	spec.freshest_url = "http://pki.example.uz/crl/citizen.3.delta.crl";
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	ck_assert_err(x509_serial_hex(cert, got, sizeof(got)), KALIT_OK);
	ck_assert_str_eq(got, hex);
	assert_ext(cert, NID_crl_distribution_points, 0,
	    "URI:http://pki.example.uz/crl/citizen.3.crl");
	assert_ext(cert, NID_freshest_crl, 0,
	    "URI:http://pki.example.uz/crl/citizen.3.delta.crl");
	X509_free(cert);
	/* not hex, or zero: refused */
	spec.serial_hex = "12zz";
	ck_assert_err(x509_issue(&spec, &cert), KALIT_ERR_INTERNAL);
	spec.serial_hex = "0";
	ck_assert_err(x509_issue(&spec, &cert), KALIT_ERR_INTERNAL);
	ck_assert_ptr_null(cert);
	ERR_clear_error();
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_ocsp_responder_extensions)
{
	struct profile *ocsp = tu_profile("ocsp");
	struct fixture fx;
	struct x509_spec spec;
	X509_EXTENSION *ext;
	const ASN1_OCTET_STRING *v;
	X509 *cert = NULL;
	char *aia;
	int i;

	fx_init(&fx);
	fx_spec(&fx, &spec);
	spec.profile = ocsp;
	spec.not_before = time(NULL) - 60;
	spec.crl_url = "http://crl.example.uz/issuing.crl";
	spec.ocsp_url = "http://ocsp.example.uz";
	spec.ca_issuers_url = "http://ca.example.uz/issuing.crt";
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	assert_ext(cert, NID_basic_constraints, 1, "CA:FALSE");
	ck_assert_uint_eq(X509_get_key_usage(cert), KU_DIGITAL_SIGNATURE);
	assert_ext(cert, NID_ext_key_usage, 1, "OCSP Signing");
	ck_assert_uint_eq(X509_get_extended_key_usage(cert), XKU_OCSP_SIGN);
	/* id-pkix-ocsp-nocheck: not critical, its value NULL (05 00) */
	ck_assert_int_ge(i = X509_get_ext_by_NID(cert, NID_id_pkix_OCSP_noCheck,
	    -1), 0);
	ext = X509_get_ext(cert, i);
	ck_assert_int_eq(X509_EXTENSION_get_critical(ext), 0);
	v = X509_EXTENSION_get_data(ext);
	ck_assert_int_eq(ASN1_STRING_length(v), 2);
	ck_assert_mem_eq(ASN1_STRING_get0_data(v), "\x05\x00", 2);
	/* no revocation pointers, but where to find the issuer */
	ck_assert_int_lt(X509_get_ext_by_NID(cert,
	    NID_crl_distribution_points, -1), 0);
	assert_ext(cert, NID_info_access, 0,
	    "CA Issuers - URI:http://ca.example.uz/issuing.crt");
	ck_assert_ptr_nonnull(aia = ext_text(cert, NID_info_access, NULL));
	ck_assert_ptr_null(strstr(aia, "OCSP"));
	free(aia);
	ck_assert_int_lt(X509_get_ext_by_NID(cert, NID_certificate_policies,
	    -1), 0);
	ck_assert_int_eq(X509_get_ext_count(cert), 7);
	/* it signs OCSP responses and nothing else */
	ck_assert_int_eq(X509_check_purpose(cert, X509_PURPOSE_OCSP_HELPER, 0),
	    1);
	ck_assert_int_ne(X509_check_purpose(cert, X509_PURPOSE_SSL_CLIENT, 0),
	    1);
	ck_assert_int_ne(X509_check_purpose(cert, X509_PURPOSE_SMIME_SIGN, 0),
	    1);
	X509_free(cert);
	fx_free(&fx);
	profile_free(ocsp);
}
END_TEST

/* A server certificate for the given host names under the fixture's CA. */
static X509 *
server_cert(struct fixture *fx, const struct profile *server, char **dns,
    size_t n_dns, char **ip, size_t n_ip)
{
	struct x509_spec spec;
	X509 *cert = NULL;

	fx_spec(fx, &spec);
	spec.profile = server;
	spec.not_before = time(NULL) - 60;
	spec.dns = dns;
	spec.n_dns = n_dns;
	spec.ip = ip;
	spec.n_ip = n_ip;
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	return cert;
}

START_TEST(test_x509_server_extensions)
{
	struct profile *server = tu_profile("server");
	struct fixture fx;
	char *dns[] = { "localhost", "kalitd.example.uz" };
	char *ip[] = { "127.0.0.1", "2001:db8::1" };
	X509 *cert;

	fx_init(&fx);
	cert = server_cert(&fx, server, dns, 2, ip, 2);
	ck_assert_int_eq(X509_check_ca(cert), 0);
	assert_ext(cert, NID_basic_constraints, 1, "CA:FALSE");
	ck_assert_uint_eq(X509_get_key_usage(cert), KU_DIGITAL_SIGNATURE);
	assert_ext(cert, NID_key_usage, 1, "Digital Signature");
	ck_assert_uint_eq(X509_get_extended_key_usage(cert), XKU_SSL_SERVER);
	ck_assert_int_eq(X509_check_purpose(cert, X509_PURPOSE_SSL_SERVER, 0),
	    1);
	ck_assert_int_ne(X509_check_purpose(cert, X509_PURPOSE_SSL_CLIENT, 0),
	    1);
	ck_assert_int_lt(X509_get_ext_by_NID(cert, NID_certificate_policies,
	    -1), 0);
	/* SAN: DNS names first, then addresses; not critical */
	assert_ext(cert, NID_subject_alt_name, 0, "DNS:localhost, "
	    "DNS:kalitd.example.uz, IP Address:127.0.0.1, "
	    "IP Address:2001:DB8:0:0:0:0:0:1");
	/* what a TLS client matches */
	ck_assert_int_eq(X509_check_host(cert, "localhost", 0, 0, NULL), 1);
	ck_assert_int_eq(X509_check_host(cert, "KALITD.example.uz", 0, 0,
	    NULL), 1);
	ck_assert_int_eq(X509_check_host(cert, "evil.example.uz", 0, 0, NULL),
	    0);
	ck_assert_int_eq(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
	ck_assert_int_eq(X509_check_ip_asc(cert, "2001:db8::1", 0), 1);
	ck_assert_int_eq(X509_check_ip_asc(cert, "127.0.0.2", 0), 0);
	X509_free(cert);

	/* an address alone */
	cert = server_cert(&fx, server, NULL, 0, ip, 1);
	assert_ext(cert, NID_subject_alt_name, 0, "IP Address:127.0.0.1");
	ck_assert_int_eq(X509_check_host(cert, "localhost", 0, 0, NULL), 0);
	X509_free(cert);
	fx_free(&fx);
	profile_free(server);
}
END_TEST

START_TEST(test_x509_san_email_and_hosts)
{
	struct fixture fx;
	struct x509_spec spec;
	char *dns[] = { "a.example.uz" };
	char *ip[] = { "::1" };
	X509 *cert = NULL;
	char *t;

	/* x509 puts what the spec says; the profile check is identity's */
	fx_init(&fx);
	fx_spec(&fx, &spec);
	spec.email = "holder@example.uz";
	spec.dns = dns;
	spec.n_dns = 1;
	spec.ip = ip;
	spec.n_ip = 1;
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	ck_assert_ptr_nonnull(t = ext_text(cert, NID_subject_alt_name, NULL));
	ck_assert_str_eq(t, "email:holder@example.uz, DNS:a.example.uz, "
	    "IP Address:0:0:0:0:0:0:0:1");
	free(t);
	X509_free(cert);
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_san_bad_ip_refused)
{
	static char *const bad[] = { "300.1.1.1", "localhost", "" };
	struct fixture fx;
	struct x509_spec spec;
	X509 *cert = NULL;
	size_t i;

	fx_init(&fx);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fx_spec(&fx, &spec);
		spec.ip = &bad[i];
		spec.n_ip = 1;
		ck_assert_err(x509_issue(&spec, &cert), KALIT_ERR_SUBJECT);
		ck_assert_ptr_null(cert);
	}
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_policies_override)
{
	struct fixture fx;
	struct x509_spec spec;
	X509 *cert = NULL;
	char *t;

	fx_init(&fx);
	fx_spec(&fx, &spec);
	spec.policies = "1.2.860.3.99.1";
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	t = ext_text(cert, NID_certificate_policies, NULL);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "1.2.860.3.99.1"));
	ck_assert_ptr_null(strstr(t, "1.3.6.1.5.5.7.13.1"));
	free(t);
	X509_free(cert);
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_validity_from_profile_and_spec)
{
	struct fixture fx;
	struct x509_spec spec;
	X509 *cert = NULL;
	int days, secs;

	fx_init(&fx);
	fx_spec(&fx, &spec);
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert),
	    spec.not_before), 0);
	ck_assert_int_eq(ASN1_TIME_diff(&days, &secs,
	    X509_get0_notBefore(cert), X509_get0_notAfter(cert)), 1);
	ck_assert_int_eq(days, 730);
	ck_assert_int_eq(secs, 0);
	X509_free(cert);

	spec.days = 3;
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	ck_assert_int_eq(ASN1_TIME_diff(&days, &secs,
	    X509_get0_notBefore(cert), X509_get0_notAfter(cert)), 1);
	ck_assert_int_eq(days, 3);
	ck_assert_int_eq(secs, 0);
	X509_free(cert);

	/* notAfter is clamped to the issuer's: never outlives the CA */
	spec.days = 20000;
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	ck_assert_int_eq(ASN1_TIME_compare(X509_get0_notAfter(cert),
	    X509_get0_notAfter(fx.ca)), 0);
	ck_assert_int_eq(ASN1_TIME_compare(X509_get0_notBefore(cert),
	    X509_get0_notBefore(fx.ca)), -1);
	ck_assert_int_eq(X509_verify(cert, fx.ca_key), 1);
	X509_free(cert);
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_generalized_time_after_2049)
{
	struct profile *p = tu_profile("root");
	struct x509_spec spec;
	X509_NAME *name = tu_name("Long Root");
	EVP_PKEY *key = tu_key(KEY_TYPE_P256);
	X509 *cert = NULL;
	int days, secs;

	/* self-signed: nothing to clamp to */
	memset(&spec, 0, sizeof(spec));
	spec.profile = p;
	spec.subject = name;
	spec.pubkey = key;
	spec.issuer_key = key;
	spec.not_before = 1700000000;
	spec.days = 20000;	/* notAfter in 2078 */
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	ck_assert_int_eq(ASN1_STRING_type(X509_get0_notBefore(cert)),
	    V_ASN1_UTCTIME);
	ck_assert_int_eq(ASN1_STRING_type(X509_get0_notAfter(cert)),
	    V_ASN1_GENERALIZEDTIME);
	ck_assert_int_eq(ASN1_TIME_diff(&days, &secs,
	    X509_get0_notBefore(cert), X509_get0_notAfter(cert)), 1);
	ck_assert_int_eq(days, 20000);
	ck_assert_int_eq(secs, 0);
	X509_free(cert);
	X509_NAME_free(name);
	EVP_PKEY_free(key);
	profile_free(p);
}
END_TEST

START_TEST(test_x509_root_self_signed)
{
	X509 *ca;
	EVP_PKEY *key;
	char *t;

	tu_make_ca(KEY_TYPE_P256, "Test Root", &ca, &key);
	ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(ca),
	    X509_get_issuer_name(ca)), 0);
	ck_assert_int_eq(X509_verify(ca, key), 1);
	ck_assert_int_eq(X509_check_ca(ca), 1);
	ck_assert(X509_get_extension_flags(ca) & EXFLAG_SS);
	assert_ext(ca, NID_basic_constraints, 1, "CA:TRUE");
	ck_assert_int_eq(X509_get_pathlen(ca), -1);
	ck_assert_uint_eq(X509_get_key_usage(ca), KU_KEY_CERT_SIGN |
	    KU_CRL_SIGN);
	ck_assert_int_lt(X509_get_ext_by_NID(ca, NID_ext_key_usage, -1), 0);
	ck_assert_ptr_null(t = ext_text(ca, NID_certificate_policies, NULL));
	ck_assert_ptr_nonnull(X509_get0_subject_key_id(ca));
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

/*
 * The root's Authority Key Identifier is its own key identifier, not the
 * empty SEQUENCE that "keyid" leaves on a self-signed certificate (gpgsm
 * rejects every chain to such a root); issued certificates name the
 * issuer's key as before. No issuer name and serial either way.
 */
START_TEST(test_x509_root_aki_is_its_ski)
{
	struct fixture fx;
	AUTHORITY_KEYID *akid;
	X509 *ca, *cert;
	int crit = -1;
	size_t i;

	fx_init(&fx);
	ca = fx.ca;
	cert = tu_issue(fx.citizen, fx.subject, fx.key, NULL, fx.ca, fx.ca_key);
	for (i = 0; i < 2; i++) {
		X509 *x = i == 0 ? ca : cert;

		ck_assert_ptr_nonnull(akid = X509_get_ext_d2i(x,
		    NID_authority_key_identifier, &crit, NULL));
		ck_assert_int_eq(crit, 0);
		ck_assert_ptr_nonnull(akid->keyid);
		ck_assert_int_eq(ASN1_OCTET_STRING_cmp(akid->keyid,
		    X509_get0_subject_key_id(ca)), 0);
		ck_assert_ptr_null(akid->issuer);
		ck_assert_ptr_null(akid->serial);
		AUTHORITY_KEYID_free(akid);
	}
	X509_free(cert);
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_issuing_ca_pathlen)
{
	struct fixture fx;
	struct profile *p = tu_profile("issuing-ca");
	X509_NAME *name = tu_name("Issuing CA");
	EVP_PKEY *key = tu_key(KEY_TYPE_P384);
	X509 *cert;

	fx_init(&fx);
	cert = tu_issue(p, name, key, NULL, fx.ca, fx.ca_key);
	ck_assert_int_eq(X509_check_ca(cert), 1);
	ck_assert_int_eq(X509_get_pathlen(cert), 0);
	ck_assert_int_eq(X509_verify(cert, fx.ca_key), 1);
	/* signed by the P-256 root: ECDSA with SHA-256 */
	ck_assert_int_eq(X509_get_signature_nid(cert),
	    NID_ecdsa_with_SHA256);
	X509_free(cert);
	X509_NAME_free(name);
	EVP_PKEY_free(key);
	profile_free(p);
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_signature_alg_per_key_type)
{
	static const int want[KEY_TYPE__MAX] = {
		[KEY_TYPE_P256] = NID_ecdsa_with_SHA256,
		[KEY_TYPE_P384] = NID_ecdsa_with_SHA384,
		[KEY_TYPE_RSA3072] = NID_sha256WithRSAEncryption,
		[KEY_TYPE_ED25519] = NID_ED25519,
	};
	X509 *ca;
	EVP_PKEY *key;

	tu_make_ca((enum key_type)_i, "Root", &ca, &key);
	ck_assert_int_eq(X509_get_signature_nid(ca), want[_i]);
	ck_assert_int_eq(X509_verify(ca, key), 1);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_x509_bad_profile_value_is_config)
{
	struct fixture fx;
	struct x509_spec spec;
	X509 *cert = (X509 *)&spec;
	char *saved;

	fx_init(&fx);
	fx_spec(&fx, &spec);
	saved = fx.citizen->key_usage;
	fx.citizen->key_usage = (char *)"critical, flyingCarpet";
	ck_assert_err(x509_issue(&spec, &cert), KALIT_ERR_CONFIG);
	ck_assert_ptr_null(cert);
	fx.citizen->key_usage = saved;
	spec.policies = "not an oid";
	ck_assert_err(x509_issue(&spec, &cert), KALIT_ERR_CONFIG);
	ck_assert_ptr_null(cert);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	fx_free(&fx);
}
END_TEST

/* What kalitd refuses kalit-ca does not issue, whatever a profile says. */
START_TEST(test_x509_issue_refuses_what_kalitd_refuses)
{
	struct fixture fx;
	struct x509_spec spec;
	X509 *cert = NULL;
	EVP_PKEY *weak = tu_rsa_key(2048), *p384 = tu_key(KEY_TYPE_P384);
	char *saved_bc, *saved_ku;

	fx_init(&fx);
	fx_spec(&fx, &spec);
	/* an end-entity profile whose extensions make a CA certificate */
	saved_bc = fx.citizen->basic_constraints;
	fx.citizen->basic_constraints = (char *)"critical, CA:TRUE";
	ck_assert_err(x509_issue(&spec, &cert), KALIT_ERR_CONFIG);
	ck_assert_ptr_null(cert);
	fx.citizen->basic_constraints = saved_bc;
	saved_ku = fx.citizen->key_usage;
	fx.citizen->key_usage = (char *)"critical, digitalSignature, "
	    "keyCertSign";
	ck_assert_err(x509_issue(&spec, &cert), KALIT_ERR_CONFIG);
	fx.citizen->key_usage = saved_ku;
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	ck_assert_int_eq(x509_is_ca(cert), 0);
	ck_assert_int_eq(x509_is_ca(fx.ca), 1);
	X509_free(cert);
	cert = NULL;
	/* a key that a CSR could not have, or of a type not allowed */
	spec.pubkey = weak;
	ck_assert_err(x509_issue(&spec, &cert), KALIT_ERR_CSR_KEY_WEAK);
	ck_assert_ptr_null(cert);
	fx.citizen->key_types = 1u << KEY_TYPE_P256;
	spec.pubkey = p384;
	ck_assert_err(x509_issue(&spec, &cert), KALIT_ERR_CSR_KEY_WEAK);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	EVP_PKEY_free(weak);
	EVP_PKEY_free(p384);
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_name_text_escapes_hidden_characters)
{
	static const struct { const char *cn, *want; } cases[] = {
		{ "Aliyev Vali", "CN=Aliyev Vali" },
		{ "Навоий", "CN=Навоий" },
		{ "a\xe2\x80\xae" "b", "CN=a\\E2\\80\\AEb" },	/* U+202E */
		{ "a\xe2\x81\xa6" "b", "CN=a\\E2\\81\\A6b" },	/* U+2066 */
		{ "a\xe2\x80\x8f", "CN=a\\E2\\80\\8F" },	/* U+200F */
		{ "a\xef\xbb\xbf", "CN=a\\EF\\BB\\BF" },	/* U+FEFF */
		{ "a\xc2\x85", "CN=a\\C2\\85" },		/* U+0085 */
		{ "a\nb", "CN=a\\0Ab" },		/* OpenSSL's own */
		{ "a\xe2\x80\x94" "b", "CN=a\xe2\x80\x94" "b" },	/* U+2014 */
	};
	X509_NAME *name;
	char *text;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_ptr_nonnull(name = X509_NAME_new());
		ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "CN",
		    MBSTRING_UTF8, (const unsigned char *)cases[i].cn, -1, -1,
		    0), 1);
		ck_assert_err(x509_name_text(name, &text), KALIT_OK);
		ck_assert_str_eq(text, cases[i].want);
		free(text);
		X509_NAME_free(name);
	}
}
END_TEST

START_TEST(test_x509_serial_normalize)
{
	static const struct {
		const char	*in;
		const char	*out;
	} good[] = {
		{ "0A:1b", "a1b" }, { "0x0a1b", "a1b" }, { "0X0A1B", "a1b" },
		{ "00", "0" }, { "0", "0" }, { "0:0", "0" }, { "a1b", "a1b" },
		{ "DE:AD:BE:EF", "deadbeef" }, { "000000ff", "ff" },
		{ "4f3c2b1a0d9e8f7a6b5c4d3e2f1a0b9c",
		    "4f3c2b1a0d9e8f7a6b5c4d3e2f1a0b9c" },
	};
	static const char *const bad[] = { "xyz", "", ":", "::", "0g", "12 34",
	    "-1", "+1", "0x", "0xg", "1\n", "ab-cd", "0x-1" };
	char buf[X509_SERIAL_HEX_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(x509_serial_normalize(good[i].in, buf,
		    sizeof(buf)) == KALIT_OK, "\"%s\" refused", good[i].in);
		ck_assert_str_eq(buf, good[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(x509_serial_normalize(bad[i], buf, sizeof(buf)) ==
		    KALIT_ERR_MALFORMED, "\"%s\" accepted", bad[i]);
	}
	/* too long for the buffer */
	ck_assert_err(x509_serial_normalize("123456", buf, 6),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(x509_serial_normalize("12345", buf, 6), KALIT_OK);
	ck_assert_str_eq(buf, "12345");
	ck_assert_err(x509_serial_normalize(
	    "11111111111111111111111111111111111111111111111111111111111111111",
	    buf, sizeof(buf)), KALIT_ERR_MALFORMED);
}
END_TEST

START_TEST(test_x509_parse_pem_and_der)
{
	struct fixture fx;
	X509 *cert, *back = NULL;
	unsigned char *der = NULL;
	size_t len = 0;
	char *pem = NULL;

	fx_init(&fx);
	cert = tu_issue(fx.citizen, fx.subject, fx.key, NULL, fx.ca,
	    fx.ca_key);
	ck_assert_err(x509_to_der(cert, &der, &len), KALIT_OK);
	ck_assert_err(x509_parse(der, len, &back), KALIT_OK);
	ck_assert_int_eq(X509_cmp(cert, back), 0);
	X509_free(back);
	ck_assert_err(x509_to_pem(cert, &pem), KALIT_OK);
	ck_assert_int_eq(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28), 0);
	ck_assert_err(x509_parse((unsigned char *)pem, strlen(pem), &back),
	    KALIT_OK);
	ck_assert_int_eq(X509_cmp(cert, back), 0);
	X509_free(back);
	free(pem);
	OPENSSL_free(der);
	X509_free(cert);
	fx_free(&fx);
}
END_TEST

START_TEST(test_x509_parse_hostile)
{
	struct fixture fx;
	X509 *cert, *back = (X509 *)&fx;
	unsigned char *der = NULL, *buf;
	size_t len = 0;
	static const char badpem[] = "-----BEGIN CERTIFICATE-----\n"
	    "MIIBAAAA\n-----END CERTIFICATE-----\n";

	fx_init(&fx);
	cert = tu_issue(fx.citizen, fx.subject, fx.key, NULL, fx.ca,
	    fx.ca_key);
	ck_assert_err(x509_to_der(cert, &der, &len), KALIT_OK);
	ck_assert_ptr_nonnull(buf = malloc(X509_CERT_MAX_SIZE + 1));
	memcpy(buf, der, len);

	/* trailing bytes after the DER */
	buf[len] = 0x00;
	ck_assert_err(x509_parse(buf, len + 1, &back), KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(back);
	/* truncated */
	ck_assert_err(x509_parse(buf, len - 1, &back), KALIT_ERR_MALFORMED);
	ck_assert_err(x509_parse(buf, 1, &back), KALIT_ERR_MALFORMED);
	ck_assert_err(x509_parse(buf, 0, &back), KALIT_ERR_MALFORMED);
	/* garbage */
	ck_assert_err(x509_parse((const unsigned char *)"hello world", 11,
	    &back), KALIT_ERR_MALFORMED);
	ck_assert_err(x509_parse((const unsigned char *)badpem,
	    sizeof(badpem) - 1, &back), KALIT_ERR_MALFORMED);
	ck_assert_err(x509_parse((const unsigned char *)"-----BEGIN", 10,
	    &back), KALIT_ERR_MALFORMED);
	/* too large, refused before parsing */
	memset(buf + len, 0, X509_CERT_MAX_SIZE + 1 - len);
	ck_assert_err(x509_parse(buf, X509_CERT_MAX_SIZE + 1, &back),
	    KALIT_ERR_TOO_LARGE);
	ck_assert_ptr_null(back);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	free(buf);
	OPENSSL_free(der);
	X509_free(cert);
	fx_free(&fx);
}
END_TEST

/*
 * x509_d2i_exact() of any type: DER alone without a label, PEM after
 * text with one, and never a byte after the value, in PEM or not.
 */
START_TEST(test_x509_d2i_exact_takes_one_value_exactly)
{
	static const char text[] = "a certificate follows\n";
	struct fixture fx;
	X509 *cert;
	unsigned char *der = NULL, *buf;
	size_t len = 0;
	void *v = &fx;
	BIO *mem;
	char *data;
	long n;

	fx_init(&fx);
	cert = tu_issue(fx.citizen, fx.subject, fx.key, NULL, fx.ca,
	    fx.ca_key);
	ck_assert_err(x509_to_der(cert, &der, &len), KALIT_OK);
	ck_assert_err(x509_d2i_exact(ASN1_ITEM_rptr(X509), NULL, der, len,
	    len, &v), KALIT_OK);
	ck_assert_int_eq(X509_cmp(cert, v), 0);
	X509_free(v);
	ck_assert_err(x509_d2i_exact(ASN1_ITEM_rptr(X509), NULL, der, len,
	    len - 1, &v), KALIT_ERR_TOO_LARGE);
	ck_assert_ptr_null(v);
	ck_assert_err(x509_d2i_exact(ASN1_ITEM_rptr(X509_CRL), NULL, der, len,
	    len, &v), KALIT_ERR_MALFORMED);

	/* PEM after text, with and without a byte after the DER */
	ck_assert_ptr_nonnull(buf = malloc(len + 1));
	memcpy(buf, der, len);
	buf[len] = 0;
	ck_assert_ptr_nonnull(mem = BIO_new(BIO_s_mem()));
	ck_assert_int_eq(BIO_puts(mem, text), (int)strlen(text));
	ck_assert_int_gt(PEM_write_bio(mem, PEM_STRING_X509, "", der,
	    (long)len), 0);
	n = BIO_get_mem_data(mem, &data);
	ck_assert_err(x509_d2i_exact(ASN1_ITEM_rptr(X509), PEM_STRING_X509,
	    (unsigned char *)data, (size_t)n, (size_t)n, &v), KALIT_OK);
	ck_assert_int_eq(X509_cmp(cert, v), 0);
	X509_free(v);
	ck_assert_err(x509_d2i_exact(ASN1_ITEM_rptr(X509), NULL,
	    (unsigned char *)data, (size_t)n, (size_t)n, &v),
	    KALIT_ERR_MALFORMED);
	ck_assert_int_eq(BIO_reset(mem), 1);
	ck_assert_int_gt(PEM_write_bio(mem, PEM_STRING_X509, "", buf,
	    (long)len + 1), 0);
	n = BIO_get_mem_data(mem, &data);
	ck_assert_err(x509_d2i_exact(ASN1_ITEM_rptr(X509), PEM_STRING_X509,
	    (unsigned char *)data, (size_t)n, (size_t)n, &v),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	BIO_free(mem);
	free(buf);
	OPENSSL_free(der);
	X509_free(cert);
	fx_free(&fx);
}
END_TEST

static Suite *
x509_suite(void)
{
	Suite *s = suite_create("x509");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_x509_serial_16_bytes_positive);
	tcase_add_test(tc, test_x509_serials_differ);
	tcase_add_test(tc, test_x509_serial_hex_matches_bignum);
	tcase_add_test(tc, test_x509_end_entity_extensions);
	tcase_add_test(tc, test_x509_optional_extensions_absent);
	tcase_add_test(tc, test_x509_policies_override);
	tcase_add_test(tc, test_x509_server_extensions);
	tcase_add_test(tc, test_x509_ocsp_responder_extensions);
	tcase_add_test(tc, test_x509_given_serial_and_freshest);
	tcase_add_test(tc, test_x509_san_email_and_hosts);
	tcase_add_test(tc, test_x509_san_bad_ip_refused);
	tcase_add_test(tc, test_x509_validity_from_profile_and_spec);
	tcase_add_test(tc, test_x509_generalized_time_after_2049);
	tcase_add_test(tc, test_x509_root_self_signed);
	tcase_add_test(tc, test_x509_root_aki_is_its_ski);
	tcase_add_test(tc, test_x509_issuing_ca_pathlen);
	tcase_add_loop_test(tc, test_x509_signature_alg_per_key_type, 0,
	    KEY_TYPE__MAX);
	tcase_add_test(tc, test_x509_bad_profile_value_is_config);
	tcase_add_test(tc, test_x509_issue_refuses_what_kalitd_refuses);
	tcase_add_test(tc, test_x509_name_text_escapes_hidden_characters);
	tcase_add_test(tc, test_x509_serial_normalize);
	tcase_add_test(tc, test_x509_parse_pem_and_der);
	tcase_add_test(tc, test_x509_parse_hostile);
	tcase_add_test(tc, test_x509_d2i_exact_takes_one_value_exactly);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(x509_suite());
}
