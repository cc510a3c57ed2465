/* check_identity.c: unit tests for identity.c */
#include "config.h"

#include <string.h>

#include <check.h>

#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "identity.h"
#include "testutil.h"

#define PINFL	"31507953320052"
#define TIN	"301234567"
#define ORG_TIN	"207654321"

/* A string of n copies of s; caller frees. */
static char *
repeat(const char *s, size_t n)
{
	size_t len = strlen(s), i;
	char *out;

	ck_assert_ptr_nonnull(out = malloc(len * n + 1));
	for (i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return out;
}

/* The value of the DN attribute oid (numeric text) in name, or NULL. */
static char *
dn_value(const X509_NAME *name, const char *oid)
{
	ASN1_OBJECT *obj;
	unsigned char *utf8 = NULL;
	char *out;
	int i, len;

	ck_assert_ptr_nonnull(obj = OBJ_txt2obj(oid, 1));
	i = X509_NAME_get_index_by_OBJ(name, obj, -1);
	ASN1_OBJECT_free(obj);
	if (i < 0)
		return NULL;
	ck_assert_int_ge(len = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i))), 0);
	ck_assert_ptr_nonnull(out = strndup((char *)utf8, (size_t)len));
	OPENSSL_free(utf8);
	return out;
}

static void
assert_dn(const X509_NAME *name, const char *oid, const char *want)
{
	char *got = dn_value(name, oid);

	if (want == NULL) {
		ck_assert_msg(got == NULL, "%s present: %s", oid, got);
		return;
	}
	ck_assert_msg(got != NULL, "%s missing", oid);
	ck_assert_str_eq(got, want);
	free(got);
}

/* An official's identity, complete for the official profile. */
static void
official(struct identity *id)
{
	memset(id, 0, sizeof(*id));
	ck_assert_err(identity_set(id, IDENTITY_GIVEN_NAME, "Alisher"),
	    KALIT_OK);
	ck_assert_err(identity_set(id, IDENTITY_SURNAME, "Навоий"), KALIT_OK);
	ck_assert_err(identity_set(id, IDENTITY_PINFL, PINFL), KALIT_OK);
	ck_assert_err(identity_set(id, IDENTITY_TIN, TIN), KALIT_OK);
	ck_assert_err(identity_set(id, IDENTITY_ORG, "Davlat Soliq Qo'mitasi"),
	    KALIT_OK);
	ck_assert_err(identity_set(id, IDENTITY_TITLE, "Bosh mutaxassis"),
	    KALIT_OK);
	ck_assert_err(identity_set(id, IDENTITY_ORG_TIN, ORG_TIN), KALIT_OK);
	ck_assert_err(identity_set(id, IDENTITY_EMAIL, "a.navoiy@soliq.uz"),
	    KALIT_OK);
}

START_TEST(test_identity_pinfl_format)
{
	static const char *const bad[] = { "", "1234567890123",
	    "123456789012345", "1234567890123a", "abcdefghijklmn",
	    " 12345678901234", "12345678901234 ", "12345678901234\n",
	    "+2345678901234", "-2345678901234", "1234567 901234",
	    "１２３４５６７８９０１２３４" };
	size_t i;

	ck_assert_err(identity_check_pinfl(PINFL), KALIT_OK);
	ck_assert_err(identity_check_pinfl("00000000000000"), KALIT_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(identity_check_pinfl(bad[i]) == KALIT_ERR_PINFL,
		    "PINFL \"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(test_identity_tin_format)
{
	static const char *const bad[] = { "", "12345678", "1234567890",
	    "12345678a", "1234 5678", "123456789\n", "-23456789",
	    "31507953320052" };
	size_t i;

	ck_assert_err(identity_check_tin(TIN), KALIT_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(identity_check_tin(bad[i]) == KALIT_ERR_TIN,
		    "TIN \"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(test_identity_set_checks_by_field)
{
	struct identity id;

	memset(&id, 0, sizeof(id));
	ck_assert_err(identity_set(&id, IDENTITY_PINFL, "1234567890123"),
	    KALIT_ERR_PINFL);
	ck_assert_err(identity_set(&id, IDENTITY_PINFL, TIN), KALIT_ERR_PINFL);
	ck_assert_err(identity_set(&id, IDENTITY_TIN, PINFL), KALIT_ERR_TIN);
	ck_assert_err(identity_set(&id, IDENTITY_ORG_TIN, "12345678x"),
	    KALIT_ERR_TIN);
	ck_assert_ptr_null(id.field[IDENTITY_PINFL]);
	ck_assert_ptr_null(id.field[IDENTITY_TIN]);
	ck_assert_ptr_null(id.field[IDENTITY_ORG_TIN]);
	ck_assert_err(identity_set(&id, IDENTITY__MAX, "x"),
	    KALIT_ERR_INTERNAL);
	identity_clear(&id);
}
END_TEST

START_TEST(test_identity_names_good)
{
	static const char *const good[] = { "Alisher", "O'g'li", "Ўзбекистон",
	    "Jean-Luc Picard", "a", "Gʻulom", "李" };
	struct identity id;
	char *s;
	size_t i;

	memset(&id, 0, sizeof(id));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(identity_set(&id, IDENTITY_GIVEN_NAME, good[i]) ==
		    KALIT_OK, "\"%s\" refused", good[i]);
		ck_assert_str_eq(id.field[IDENTITY_GIVEN_NAME], good[i]);
	}
	/* 64 characters is the limit, counted in characters, not bytes */
	s = repeat("a", IDENTITY_NAME_MAX);
	ck_assert_err(identity_set(&id, IDENTITY_SURNAME, s), KALIT_OK);
	free(s);
	s = repeat("Ў", IDENTITY_NAME_MAX);
	ck_assert_err(identity_set(&id, IDENTITY_ORG, s), KALIT_OK);
	ck_assert_str_eq(id.field[IDENTITY_ORG], s);
	free(s);
	identity_clear(&id);
	for (i = 0; i < IDENTITY__MAX; i++)
		ck_assert_ptr_null(id.field[i]);
}
END_TEST

START_TEST(test_identity_names_hostile)
{
	static const char *const bad[] = {
		"", "a\nb", "a\rb", "tab\there", "nul\001", "esc\033[31m",
		"del\177", "\n",
		"\xff", "abc\xc3", "\xc0\xaf", "\xed\xa0\x80",	/* bad UTF-8 */
		"\xe2\x82", "\xf8\x88\x80\x80\x80",
		"c1\xc2\x85" "nel", "c1\xc2\x9b" "csi",	/* C1 controls */
		"\xe2\x80\xae" "evil", "a\xe2\x81\xa6" "b", /* bidi */
		"\xe2\x80\x8f" "x", "\xef\xbb\xbf" "bom",
	};
	struct identity id;
	char *s;
	size_t i;
	int f;

	memset(&id, 0, sizeof(id));
	ck_assert_err(identity_set(&id, IDENTITY_GIVEN_NAME, "Keep"), KALIT_OK);
	for (f = IDENTITY_GIVEN_NAME; f <= IDENTITY_TITLE; f++) {
		if (f == IDENTITY_PINFL || f == IDENTITY_TIN)
			continue;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ck_assert_msg(identity_set(&id, (enum identity_field)f,
			    bad[i]) == KALIT_ERR_SUBJECT,
			    "field %d: case %zu accepted", f, i);
	}
	/* a refused value leaves the old one */
	ck_assert_str_eq(id.field[IDENTITY_GIVEN_NAME], "Keep");
	ck_assert_ptr_null(id.field[IDENTITY_SURNAME]);
	s = repeat("a", IDENTITY_NAME_MAX + 1);
	ck_assert_err(identity_set(&id, IDENTITY_SURNAME, s),
	    KALIT_ERR_SUBJECT);
	free(s);
	s = repeat("Ў", IDENTITY_NAME_MAX + 1);
	ck_assert_err(identity_set(&id, IDENTITY_CN, s), KALIT_ERR_SUBJECT);
	free(s);
	s = repeat("x", 10000);
	ck_assert_err(identity_set(&id, IDENTITY_ORG, s), KALIT_ERR_SUBJECT);
	free(s);
	identity_clear(&id);
}
END_TEST

START_TEST(test_identity_email)
{
	static const char *const bad[] = { "", "plain", "@soliq.uz", "a@",
	    "a@b@c", "a b@c.uz", "a,b@c.uz", "<a@c.uz>", "a@c.uz\n",
	    "a\t@c.uz", "alí@c.uz", "a@c.uz,DNS:evil.example" };
	struct identity id;
	char *s, *e;
	size_t i;

	memset(&id, 0, sizeof(id));
	ck_assert_err(identity_set(&id, IDENTITY_EMAIL, "a.b+c@soliq.uz"),
	    KALIT_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(identity_set(&id, IDENTITY_EMAIL, bad[i]) ==
		    KALIT_ERR_SUBJECT, "email \"%s\" accepted", bad[i]);
	s = repeat("a", IDENTITY_EMAIL_MAX - 5);
	ck_assert_ptr_nonnull(e = malloc(IDENTITY_EMAIL_MAX + 8));
	snprintf(e, IDENTITY_EMAIL_MAX + 8, "%s@b.uzb", s);	/* 129 */
	ck_assert_err(identity_set(&id, IDENTITY_EMAIL, e), KALIT_ERR_SUBJECT);
	snprintf(e, IDENTITY_EMAIL_MAX + 8, "%s@b.uz", s);	/* 128 */
	ck_assert_err(identity_set(&id, IDENTITY_EMAIL, e), KALIT_OK);
	free(e);
	free(s);
	identity_clear(&id);
}
END_TEST

START_TEST(test_identity_country)
{
	static const char *const bad[] = { "", "U", "uz", "Uz", "UZB", "U1",
	    "ЎЗ" };
	struct identity id;
	size_t i;

	memset(&id, 0, sizeof(id));
	ck_assert_err(identity_set(&id, IDENTITY_COUNTRY, "UZ"), KALIT_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(identity_set(&id, IDENTITY_COUNTRY, bad[i]) ==
		    KALIT_ERR_SUBJECT, "country \"%s\" accepted", bad[i]);
	ck_assert_str_eq(id.field[IDENTITY_COUNTRY], "UZ");
	identity_clear(&id);
}
END_TEST

START_TEST(test_identity_complete_citizen)
{
	struct profile *p = tu_profile("citizen");
	struct identity id;

	memset(&id, 0, sizeof(id));
	ck_assert_err(identity_set(&id, IDENTITY_GIVEN_NAME, "Alisher"),
	    KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_SURNAME, "Navoiy"), KALIT_OK);
	/* PINFL is required */
	ck_assert_err(identity_complete(&id, p), KALIT_ERR_SUBJECT);
	ck_assert_err(identity_set(&id, IDENTITY_PINFL, PINFL), KALIT_OK);
	ck_assert_err(identity_complete(&id, p), KALIT_OK);
	/* defaults: cn = "surname given_name", country from the profile */
	ck_assert_str_eq(id.field[IDENTITY_CN], "Navoiy Alisher");
	ck_assert_str_eq(id.field[IDENTITY_COUNTRY], "UZ");
	/* optional fields are allowed */
	ck_assert_err(identity_set(&id, IDENTITY_TIN, TIN), KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_EMAIL, "a@b.uz"), KALIT_OK);
	ck_assert_err(identity_complete(&id, p), KALIT_OK);
	/* the citizen profile does not allow an organisation */
	ck_assert_err(identity_set(&id, IDENTITY_ORG, "Acme"), KALIT_OK);
	ck_assert_err(identity_complete(&id, p), KALIT_ERR_SUBJECT);
	identity_clear(&id);
	ck_assert_err(identity_set(&id, IDENTITY_SURNAME, "Navoiy"), KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_PINFL, PINFL), KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_ORG_TIN, ORG_TIN), KALIT_OK);
	ck_assert_err(identity_complete(&id, p), KALIT_ERR_SUBJECT);
	identity_clear(&id);
	profile_free(p);
}
END_TEST

START_TEST(test_identity_complete_keeps_given_cn)
{
	struct profile *p = tu_profile("citizen");
	struct identity id;

	memset(&id, 0, sizeof(id));
	ck_assert_err(identity_set(&id, IDENTITY_GIVEN_NAME, "Alisher"),
	    KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_SURNAME, "Navoiy"), KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_PINFL, PINFL), KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_CN, "A. Navoiy"), KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_COUNTRY, "KZ"), KALIT_OK);
	ck_assert_err(identity_complete(&id, p), KALIT_OK);
	ck_assert_str_eq(id.field[IDENTITY_CN], "A. Navoiy");
	ck_assert_str_eq(id.field[IDENTITY_COUNTRY], "KZ");
	identity_clear(&id);
	profile_free(p);
}
END_TEST

START_TEST(test_identity_complete_long_default_cn_refused)
{
	struct profile *p = tu_profile("citizen");
	struct identity id;
	char *sur = repeat("s", 40), *given = repeat("g", 30);

	memset(&id, 0, sizeof(id));
	ck_assert_err(identity_set(&id, IDENTITY_GIVEN_NAME, given), KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_SURNAME, sur), KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_PINFL, PINFL), KALIT_OK);
	/* "surname given" is 71 characters: too long for a CN */
	ck_assert_err(identity_complete(&id, p), KALIT_ERR_SUBJECT);
	ck_assert_ptr_null(id.field[IDENTITY_CN]);
	/* an explicit, shorter CN fixes it */
	ck_assert_err(identity_set(&id, IDENTITY_CN, "S. G."), KALIT_OK);
	ck_assert_err(identity_complete(&id, p), KALIT_OK);
	identity_clear(&id);
	free(sur);
	free(given);
	profile_free(p);
}
END_TEST

START_TEST(test_identity_complete_official)
{
	struct profile *p = tu_profile("official");
	struct profile *c = tu_profile("citizen");
	struct identity id;
	char *v;

	official(&id);
	ck_assert_err(identity_complete(&id, p), KALIT_OK);
	ck_assert_str_eq(id.field[IDENTITY_CN], "Навоий Alisher");
	/* an official's identity is not a citizen's */
	ck_assert_err(identity_complete(&id, c), KALIT_ERR_SUBJECT);
	/* each of org, title, org_tin is required */
	v = id.field[IDENTITY_ORG_TIN];
	id.field[IDENTITY_ORG_TIN] = NULL;
	ck_assert_err(identity_complete(&id, p), KALIT_ERR_SUBJECT);
	id.field[IDENTITY_ORG_TIN] = v;
	v = id.field[IDENTITY_TITLE];
	id.field[IDENTITY_TITLE] = NULL;
	ck_assert_err(identity_complete(&id, p), KALIT_ERR_SUBJECT);
	id.field[IDENTITY_TITLE] = v;
	v = id.field[IDENTITY_ORG];
	id.field[IDENTITY_ORG] = NULL;
	ck_assert_err(identity_complete(&id, p), KALIT_ERR_SUBJECT);
	id.field[IDENTITY_ORG] = v;
	ck_assert_err(identity_complete(&id, p), KALIT_OK);
	identity_clear(&id);
	profile_free(c);
	profile_free(p);
}
END_TEST

START_TEST(test_identity_complete_root_needs_cn)
{
	struct profile *p = tu_profile("root");
	struct identity id;

	memset(&id, 0, sizeof(id));
	ck_assert_err(identity_complete(&id, p), KALIT_ERR_SUBJECT);
	ck_assert_err(identity_set(&id, IDENTITY_ORG, "Kalit"), KALIT_OK);
	ck_assert_err(identity_complete(&id, p), KALIT_ERR_SUBJECT);
	ck_assert_err(identity_set(&id, IDENTITY_CN, "Kalit Root CA"),
	    KALIT_OK);
	ck_assert_err(identity_complete(&id, p), KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_PINFL, PINFL), KALIT_OK);
	ck_assert_err(identity_complete(&id, p), KALIT_ERR_SUBJECT);
	identity_clear(&id);
	profile_free(p);
}
END_TEST

START_TEST(test_identity_to_name_oids)
{
	struct profile *p = tu_profile("official");
	struct identity id;
	X509_NAME *name = NULL;
	const X509_NAME_ENTRY *e;

	official(&id);
	ck_assert_err(identity_complete(&id, p), KALIT_OK);
	ck_assert_err(identity_to_name(&id, &name), KALIT_OK);
	ck_assert_ptr_nonnull(name);
	assert_dn(name, IDENTITY_OID_PINFL, PINFL);
	assert_dn(name, "1.2.860.3.16.1.2", PINFL);
	assert_dn(name, IDENTITY_OID_ORG_TIN, ORG_TIN);
	assert_dn(name, "1.2.860.3.16.1.1", ORG_TIN);
	assert_dn(name, "2.5.4.6", "UZ");		/* C */
	assert_dn(name, "2.5.4.10", "Davlat Soliq Qo'mitasi"); /* O */
	assert_dn(name, "2.5.4.12", "Bosh mutaxassis");	/* title */
	assert_dn(name, "2.5.4.4", "Навоий");		/* SN */
	assert_dn(name, "2.5.4.42", "Alisher");		/* GN */
	assert_dn(name, "2.5.4.3", "Навоий Alisher");	/* CN */
	assert_dn(name, "0.9.2342.19200300.100.1.1", TIN); /* UID */
	/* the email goes in the SAN, not the DN */
	assert_dn(name, "1.2.840.113549.1.9.1", NULL);
	ck_assert_int_eq(X509_NAME_entry_count(name), 9);
	/* most general first */
	e = X509_NAME_get_entry(name, 0);
	ck_assert_int_eq(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)),
	    NID_countryName);
	X509_NAME_free(name);
	identity_clear(&id);
	profile_free(p);
}
END_TEST

/*
 * A NUL inside a certificate's value would cut it short: "<PINFL>\0junk"
 * must not read as the PINFL, in the DN or in a SAN.
 */
START_TEST(test_identity_from_cert_refuses_nul)
{
	static const char pinfl[] = "30000000000010\0junk";
	static const char email[] = "a@example.uz\0b@evil.example";
	struct identity id;
	GENERAL_NAMES *sans;
	GENERAL_NAME *gn;
	ASN1_IA5STRING *ia5;
	X509_NAME *name;
	X509 *x;

	/* in the DN */
	ck_assert_ptr_nonnull(x = X509_new());
	ck_assert_ptr_nonnull(name = X509_NAME_new());
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "1.2.860.3.16.1.2",
	    V_ASN1_UTF8STRING, (const unsigned char *)pinfl,
	    (int)sizeof(pinfl) - 1, -1, 0), 1);
	ck_assert_int_eq(X509_set_subject_name(x, name), 1);
	ck_assert_err(identity_from_cert(x, &id), KALIT_ERR_CERT_IDENTITY);
	ck_assert_ptr_null(id.field[IDENTITY_PINFL]);
	X509_NAME_free(name);
	X509_free(x);

	/* in a SAN */
	ck_assert_ptr_nonnull(x = X509_new());
	ck_assert_ptr_nonnull(sans = GENERAL_NAMES_new());
	ck_assert_ptr_nonnull(gn = GENERAL_NAME_new());
	ck_assert_ptr_nonnull(ia5 = ASN1_IA5STRING_new());
	ck_assert_int_eq(ASN1_STRING_set(ia5, email, (int)sizeof(email) - 1),
	    1);
	GENERAL_NAME_set0_value(gn, GEN_EMAIL, ia5);
	ck_assert_int_gt(sk_GENERAL_NAME_push(sans, gn), 0);
	ck_assert_int_eq(X509_add1_ext_i2d(x, NID_subject_alt_name, sans, 0,
	    X509V3_ADD_DEFAULT), 1);
	ck_assert_err(identity_from_cert(x, &id), KALIT_ERR_CERT_IDENTITY);
	ck_assert_ptr_null(id.field[IDENTITY_EMAIL]);
	GENERAL_NAMES_free(sans);
	X509_free(x);
}
END_TEST

/*
 * A bare certificate whose subject has the attributes of attrs ("OID",
 * ASN.1 string type, value; an OID NULL ends them) and whose SAN has the
 * email addresses of mails (NULL-terminated; NULL: no SAN) and, when dir
 * is not NULL, the directoryName with the one PINFL dir.
 */
struct attr {
	const char	*oid;
	int		 type;
	const char	*value;
};

static X509 *
cert_of(const struct attr *attrs, const char *const *mails, const char *dir)
{
	GENERAL_NAMES *sans;
	GENERAL_NAME *gn;
	X509_NAME *name, *dn;
	ASN1_IA5STRING *ia5;
	X509 *x;

	ck_assert_ptr_nonnull(x = X509_new());
	ck_assert_ptr_nonnull(name = X509_NAME_new());
	for (; attrs->oid != NULL; attrs++)
		ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, attrs->oid,
		    attrs->type, (const unsigned char *)attrs->value,
		    (int)strlen(attrs->value), -1, 0), 1);
	ck_assert_int_eq(X509_set_subject_name(x, name), 1);
	X509_NAME_free(name);
	if (mails == NULL && dir == NULL)
		return x;
	ck_assert_ptr_nonnull(sans = GENERAL_NAMES_new());
	for (; mails != NULL && *mails != NULL; mails++) {
		ck_assert_ptr_nonnull(gn = GENERAL_NAME_new());
		ck_assert_ptr_nonnull(ia5 = ASN1_IA5STRING_new());
		ck_assert_int_eq(ASN1_STRING_set(ia5, *mails, -1), 1);
		GENERAL_NAME_set0_value(gn, GEN_EMAIL, ia5);
		ck_assert_int_gt(sk_GENERAL_NAME_push(sans, gn), 0);
	}
	if (dir != NULL) {
		ck_assert_ptr_nonnull(gn = GENERAL_NAME_new());
		ck_assert_ptr_nonnull(dn = X509_NAME_new());
		ck_assert_int_eq(X509_NAME_add_entry_by_txt(dn,
		    IDENTITY_OID_PINFL, MBSTRING_UTF8,
		    (const unsigned char *)dir, -1, -1, 0), 1);
		GENERAL_NAME_set0_value(gn, GEN_DIRNAME, dn);
		ck_assert_int_gt(sk_GENERAL_NAME_push(sans, gn), 0);
	}
	ck_assert_int_eq(X509_add1_ext_i2d(x, NID_subject_alt_name, sans, 0,
	    X509V3_ADD_DEFAULT), 1);
	GENERAL_NAMES_free(sans);
	return x;
}

#define A_CN(v)		{ "CN", MBSTRING_UTF8, v }
#define A_PINFL(v)	{ IDENTITY_OID_PINFL, MBSTRING_UTF8, v }
#define A_END		{ NULL, 0, NULL }

/* identity_from_cert() of cert_of(attrs, mails, dir) is want. */
static void
assert_from(const struct attr *attrs, const char *const *mails,
    const char *dir, int want)
{
	struct identity id;
	X509 *x = cert_of(attrs, mails, dir);

	ck_assert_err(identity_from_cert(x, &id), want);
	if (want != KALIT_OK)	/* nothing half-read is left */
		ck_assert_ptr_null(id.field[IDENTITY_CN]);
	identity_clear(&id);
	X509_free(x);
}

START_TEST(test_identity_from_cert_refuses_ambiguity)
{
	static const struct attr one[] = { A_CN("Vali"), A_PINFL(PINFL),
	    A_END };
	static const struct attr two_pinfl[] = { A_CN("Vali"),
	    A_PINFL(PINFL), A_PINFL("31507953320053"), A_END };
	static const struct attr same_pinfl[] = { A_CN("Vali"),
	    A_PINFL(PINFL), A_PINFL(PINFL), A_END };
	static const struct attr two_tin[] = { A_CN("Vali"),
	    { "UID", MBSTRING_UTF8, TIN }, { "UID", MBSTRING_UTF8, "1" },
	    A_END };
	static const struct attr two_org_tin[] = { A_CN("Vali"),
	    { IDENTITY_OID_ORG_TIN, MBSTRING_UTF8, ORG_TIN },
	    { IDENTITY_OID_ORG_TIN, MBSTRING_UTF8, TIN }, A_END };
	static const struct attr two_cn[] = { A_CN("Vali"), A_CN("Olim"),
	    A_END };
	static const struct attr two_ou[] = { A_CN("Vali"),
	    { "OU", MBSTRING_UTF8, "a" }, { "OU", MBSTRING_UTF8, "b" },
	    A_END };
	static const char *const one_mail[] = { "v@example.uz", NULL };
	static const char *const two_mails[] = { "v@example.uz",
	    "b@example.uz", NULL };

	assert_from(one, NULL, NULL, KALIT_OK);
	assert_from(two_pinfl, NULL, NULL, KALIT_ERR_CERT_IDENTITY);
	assert_from(same_pinfl, NULL, NULL, KALIT_ERR_CERT_IDENTITY);
	assert_from(two_tin, NULL, NULL, KALIT_ERR_CERT_IDENTITY);
	assert_from(two_org_tin, NULL, NULL, KALIT_ERR_CERT_IDENTITY);
	assert_from(two_cn, NULL, NULL, KALIT_ERR_CERT_IDENTITY);
	/* attributes kalit does not read may repeat */
	assert_from(two_ou, NULL, NULL, KALIT_OK);
	assert_from(one, one_mail, NULL, KALIT_OK);
	assert_from(one, two_mails, NULL, KALIT_ERR_CERT_IDENTITY);
	/* between the subject and a SAN directoryName */
	assert_from(one, NULL, "31507953320053", KALIT_ERR_CERT_IDENTITY);
	assert_from(one, NULL, PINFL, KALIT_ERR_CERT_IDENTITY);
	assert_from(two_cn + 1, NULL, PINFL, KALIT_OK);	/* no PINFL read */
}
END_TEST

START_TEST(test_identity_from_cert_refuses_hidden_characters)
{
	static const struct { int type; const char *cn; int bad; } cases[] = {
		{ MBSTRING_UTF8, "Aliyev Vali", 0 },
		{ MBSTRING_UTF8, "Навоий Алишер", 0 },
		{ MBSTRING_UTF8, "O\xca\xbbzbek \xd8\xb9\xd9\x84\xd9\x8a",
		    0 },			/* U+02BB, Arabic */
		{ MBSTRING_UTF8, "Vali \xe2\x80\xaeilaV", 1 },	/* U+202E */
		{ MBSTRING_UTF8, "Vali \xe2\x80\xaa", 1 },	/* U+202A */
		{ MBSTRING_UTF8, "Vali \xe2\x81\xa6x", 1 },	/* U+2066 */
		{ MBSTRING_UTF8, "Vali \xe2\x81\xa9x", 1 },	/* U+2069 */
		{ MBSTRING_UTF8, "Vali \xe2\x80\x8e", 1 },	/* U+200E */
		{ MBSTRING_UTF8, "Vali \xe2\x80\x8f", 1 },	/* U+200F */
		{ MBSTRING_UTF8, "Vali \xef\xbb\xbf", 1 },	/* U+FEFF */
		{ MBSTRING_UTF8, "Vali\nOlim", 1 },
		{ MBSTRING_UTF8, "Vali\x1b[31m", 1 },
		{ MBSTRING_UTF8, "Vali\x7f", 1 },
		{ MBSTRING_UTF8, "Vali \xc2\x85", 1 },		/* U+0085 */
		{ MBSTRING_UTF8, "Vali \xc2\x9b", 1 },		/* U+009B */
		/*
		 * Stored as they are: a T61String is read as Latin-1. (A
		 * DN that is not UTF-8 OpenSSL neither parses nor sets.)
		 */
		{ V_ASN1_T61STRING, "Vali \x85", 1 },	/* read as U+0085 */
		{ V_ASN1_T61STRING, "Vali \xe9", 0 },	/* U+00E9 */
	};
	struct attr attrs[] = { A_CN(NULL), A_END };
	static const char *const bad_mail[] = { "v\xff@example.uz", NULL };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		attrs[0].type = cases[i].type;
		attrs[0].value = cases[i].cn;
		assert_from(attrs, NULL, NULL, cases[i].bad ?
		    KALIT_ERR_CERT_IDENTITY : KALIT_OK);
	}
	/* An IA5String is ASCII; OpenSSL would read 0xff as U+00FF. */
	attrs[0].type = MBSTRING_UTF8;
	attrs[0].value = "Vali";
	assert_from(attrs, bad_mail, NULL, KALIT_ERR_CERT_IDENTITY);
}
END_TEST

START_TEST(test_identity_roundtrip_through_cert)
{
	struct profile *p = tu_profile("official");
	struct identity id, back;
	X509_NAME *name = NULL;
	X509 *ca, *cert;
	EVP_PKEY *cakey, *key;
	int f;

	tu_make_ca(KEY_TYPE_P256, "Test Root", &ca, &cakey);
	key = tu_key(KEY_TYPE_ED25519);
	official(&id);
	ck_assert_err(identity_complete(&id, p), KALIT_OK);
	ck_assert_err(identity_to_name(&id, &name), KALIT_OK);
	cert = tu_issue(p, name, key, id.field[IDENTITY_EMAIL], ca, cakey);
	assert_dn(X509_get_subject_name(cert), IDENTITY_OID_PINFL, PINFL);
	assert_dn(X509_get_subject_name(cert), IDENTITY_OID_ORG_TIN, ORG_TIN);
	ck_assert_err(identity_from_cert(cert, &back), KALIT_OK);
	for (f = 0; f < IDENTITY__MAX; f++) {
		ck_assert_msg(back.field[f] != NULL, "field %s lost",
		    identity_field_name((enum identity_field)f));
		ck_assert_str_eq(back.field[f], id.field[f]);
	}
	identity_clear(&back);

	/* a citizen without the optional fields */
	identity_clear(&id);
	X509_NAME_free(name);
	X509_free(cert);
	profile_free(p);
	p = tu_profile("citizen");
	ck_assert_err(identity_set(&id, IDENTITY_GIVEN_NAME, "Bobur"),
	    KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_SURNAME, "Mirzo"), KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_PINFL, PINFL), KALIT_OK);
	ck_assert_err(identity_complete(&id, p), KALIT_OK);
	ck_assert_err(identity_to_name(&id, &name), KALIT_OK);
	cert = tu_issue(p, name, key, NULL, ca, cakey);
	ck_assert_err(identity_from_cert(cert, &back), KALIT_OK);
	for (f = 0; f < IDENTITY__MAX; f++) {
		if (id.field[f] == NULL)
			ck_assert_ptr_null(back.field[f]);
		else
			ck_assert_str_eq(back.field[f], id.field[f]);
	}
	ck_assert_ptr_null(back.field[IDENTITY_EMAIL]);
	ck_assert_ptr_null(back.field[IDENTITY_ORG_TIN]);
	identity_clear(&back);
	identity_clear(&id);
	X509_NAME_free(name);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	profile_free(p);
}
END_TEST

START_TEST(test_identity_from_cert_ignores_unknown_attrs)
{
	struct identity back;
	X509 *ca;
	EVP_PKEY *cakey;

	/* the root's DN is C and CN only */
	tu_make_ca(KEY_TYPE_P256, "Kalit Root", &ca, &cakey);
	ck_assert_err(identity_from_cert(ca, &back), KALIT_OK);
	ck_assert_str_eq(back.field[IDENTITY_CN], "Kalit Root");
	ck_assert_str_eq(back.field[IDENTITY_COUNTRY], "UZ");
	ck_assert_ptr_null(back.field[IDENTITY_PINFL]);
	ck_assert_ptr_null(back.field[IDENTITY_EMAIL]);
	identity_clear(&back);
	X509_free(ca);
	EVP_PKEY_free(cakey);
}
END_TEST

START_TEST(test_identity_dns_good)
{
	static const struct {
		const char	*in, *want;
	} good[] = {
		{ "localhost", "localhost" },
		{ "kalitd.example.uz", "kalitd.example.uz" },
		{ "KalitD.Example.UZ", "kalitd.example.uz" },
		{ "a-b.c1", "a-b.c1" },
		{ "1a.example", "1a.example" },
		{ "xn--80ak6aa92e.xn--p1ai", "xn--80ak6aa92e.xn--p1ai" },
		{ "a.example.123a", "a.example.123a" },
	};
	char out[IDENTITY_DNS_MAX + 1], *label, *name;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_err(identity_check_dns(good[i].in, out), KALIT_OK);
		ck_assert_str_eq(out, good[i].want);
	}
	/* 253 characters: three labels of 63, one of 61 */
	label = repeat("a", 63);
	ck_assert_ptr_nonnull(name = malloc(IDENTITY_DNS_MAX + 1));
	snprintf(name, IDENTITY_DNS_MAX + 1, "%s.%s.%s.%.61s", label, label,
	    label, label);
	ck_assert_uint_eq(strlen(name), 253);
	ck_assert_err(identity_check_dns(name, out), KALIT_OK);
	ck_assert_str_eq(out, name);
	free(name);
	free(label);
}
END_TEST

START_TEST(test_identity_dns_hostile)
{
	static const char *const bad[] = { "", "-a.example", "a-.example",
	    "a.-b.example", "a..b", ".a", "a.", "localhost.", ".",
	    "exa mple.uz", "*.example.uz", "a*.example.uz", "*", "a_b.uz",
	    "a/b.uz", "a\n.uz", "a.uz\n", "\x1b[31m.uz", "é.uz", "a,DNS:b.uz",
	    "1.2.3.4", "300.1.1.1", "a.123", "::1", "a:b", "a@b.uz" };
	char out[IDENTITY_DNS_MAX + 1], *long_name, *long_label;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(identity_check_dns(bad[i], out) ==
		    KALIT_ERR_SUBJECT, "DNS name \"%s\" accepted", bad[i]);
	/* "a.a.….a" of 253 characters passes, "a.a.….aa" of 254 does not */
	long_name = repeat("a.", 127);
	long_name[253] = '\0';
	ck_assert_uint_eq(strlen(long_name), 253);
	ck_assert_err(identity_check_dns(long_name, out), KALIT_OK);
	long_name[253] = 'a';
	ck_assert_uint_eq(strlen(long_name), 254);
	ck_assert_err(identity_check_dns(long_name, out), KALIT_ERR_SUBJECT);
	free(long_name);
	/* a label of 64 does not pass, one of 63 does */
	long_label = repeat("a", 64);
	ck_assert_err(identity_check_dns(long_label, out), KALIT_ERR_SUBJECT);
	long_label[63] = '\0';
	ck_assert_err(identity_check_dns(long_label, out), KALIT_OK);
	free(long_label);
}
END_TEST

START_TEST(test_identity_ip)
{
	static const struct {
		const char	*in, *want;
	} good[] = {
		{ "127.0.0.1", "127.0.0.1" },
		{ "10.255.0.7", "10.255.0.7" },
		{ "::1", "::1" },
		{ "2001:DB8:0:0:0:0:0:1", "2001:db8::1" },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
	};
	static const char *const bad[] = { "", "300.1.1.1", "1.2.3",
	    "1.2.3.4.5", "1.2.3.4/24", " 1.2.3.4", "1.2.3.4 ", "0x7f.0.0.1",
	    "127.1", "fe80::1%eth0", "[::1]", "1:2:3:4:5:6:7:8:9", "::g",
	    "localhost" };
	char out[IDENTITY_IP_MAX];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_err(identity_check_ip(good[i].in, out), KALIT_OK);
		ck_assert_str_eq(out, good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(identity_check_ip(bad[i], out) ==
		    KALIT_ERR_SUBJECT, "address \"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(test_identity_hosts_dedup_and_limit)
{
	struct identity id;
	char name[32];
	int i;

	memset(&id, 0, sizeof(id));
	ck_assert_err(identity_add_dns(&id, "Kalitd.example.uz"), KALIT_OK);
	ck_assert_err(identity_add_dns(&id, "kalitd.EXAMPLE.uz"), KALIT_OK);
	ck_assert_err(identity_add_ip(&id, "::1"), KALIT_OK);
	ck_assert_err(identity_add_ip(&id, "0:0::1"), KALIT_OK);
	ck_assert_uint_eq(id.n_dns, 1);
	ck_assert_uint_eq(id.n_ip, 1);
	ck_assert_str_eq(id.dns[0], "kalitd.example.uz");
	ck_assert_str_eq(id.ip[0], "::1");
	ck_assert_err(identity_add_dns(&id, "*.example.uz"), KALIT_ERR_SUBJECT);
	ck_assert_err(identity_add_ip(&id, "300.1.1.1"), KALIT_ERR_SUBJECT);
	ck_assert_uint_eq(id.n_dns + id.n_ip, 2);
	for (i = 2; i < IDENTITY_HOSTS_MAX; i++) {
		snprintf(name, sizeof(name), "h%d.example.uz", i);
		ck_assert_err(identity_add_dns(&id, name), KALIT_OK);
	}
	ck_assert_err(identity_add_dns(&id, "one-more.example.uz"),
	    KALIT_ERR_SUBJECT);
	ck_assert_err(identity_add_ip(&id, "10.0.0.1"), KALIT_ERR_SUBJECT);
	/* a repeat is not one more */
	ck_assert_err(identity_add_dns(&id, "h2.example.uz"), KALIT_OK);
	ck_assert_uint_eq(id.n_dns + id.n_ip, IDENTITY_HOSTS_MAX);
	identity_clear(&id);
	ck_assert_uint_eq(id.n_dns + id.n_ip, 0);
	ck_assert_ptr_null(id.dns[0]);
}
END_TEST

START_TEST(test_identity_complete_server)
{
	struct profile *server = tu_profile("server");
	struct profile *citizen = tu_profile("citizen");
	struct identity id;
	char *long_dns;

	memset(&id, 0, sizeof(id));
	/* a host name is required; CN defaults to the first one */
	ck_assert_err(identity_complete(&id, server), KALIT_ERR_SUBJECT);
	ck_assert_err(identity_add_ip(&id, "127.0.0.1"), KALIT_OK);
	ck_assert_err(identity_add_dns(&id, "kalitd.example.uz"), KALIT_OK);
	ck_assert_err(identity_complete(&id, server), KALIT_OK);
	ck_assert_str_eq(id.field[IDENTITY_CN], "kalitd.example.uz");
	ck_assert_str_eq(id.field[IDENTITY_COUNTRY], "UZ");
	ck_assert_err(identity_set(&id, IDENTITY_ORG, "Kalit"), KALIT_OK);
	ck_assert_err(identity_complete(&id, server), KALIT_OK);
	/* no personal identifiers in a server certificate */
	ck_assert_err(identity_set(&id, IDENTITY_PINFL, PINFL), KALIT_OK);
	ck_assert_err(identity_complete(&id, server), KALIT_ERR_SUBJECT);
	identity_clear(&id);

	/* an address only: CN is the address */
	ck_assert_err(identity_add_ip(&id, "::1"), KALIT_OK);
	ck_assert_err(identity_complete(&id, server), KALIT_OK);
	ck_assert_str_eq(id.field[IDENTITY_CN], "::1");
	identity_clear(&id);

	/* a DNS name too long for a CN is skipped for the default */
	long_dns = repeat("abcdefgh.", 10);
	long_dns[strlen(long_dns) - 1] = '\0';
	ck_assert_err(identity_add_dns(&id, long_dns), KALIT_OK);
	ck_assert_err(identity_add_dns(&id, "short.uz"), KALIT_OK);
	ck_assert_err(identity_complete(&id, server), KALIT_OK);
	ck_assert_str_eq(id.field[IDENTITY_CN], "short.uz");
	identity_clear(&id);
	ck_assert_err(identity_add_dns(&id, long_dns), KALIT_OK);
	ck_assert_err(identity_complete(&id, server), KALIT_ERR_SUBJECT);
	identity_clear(&id);
	free(long_dns);

	/* citizen certificates name no host */
	ck_assert_err(identity_set(&id, IDENTITY_GIVEN_NAME, "Alisher"),
	    KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_SURNAME, "Navoiy"), KALIT_OK);
	ck_assert_err(identity_set(&id, IDENTITY_PINFL, PINFL), KALIT_OK);
	ck_assert_err(identity_complete(&id, citizen), KALIT_OK);
	ck_assert_err(identity_add_dns(&id, "alisher.uz"), KALIT_OK);
	ck_assert_err(identity_complete(&id, citizen), KALIT_ERR_SUBJECT);
	identity_clear(&id);
	profile_free(server);
	profile_free(citizen);
}
END_TEST

START_TEST(test_identity_hosts_roundtrip_through_cert)
{
	struct profile *p = tu_profile("server");
	struct identity id, back;
	struct x509_spec spec;
	X509_NAME *name = NULL;
	X509 *ca, *cert = NULL;
	EVP_PKEY *cakey, *key;

	tu_make_ca(KEY_TYPE_P256, "Test Root", &ca, &cakey);
	key = tu_key(KEY_TYPE_P256);
	memset(&id, 0, sizeof(id));
	ck_assert_err(identity_add_dns(&id, "localhost"), KALIT_OK);
	ck_assert_err(identity_add_dns(&id, "kalitd.example.uz"), KALIT_OK);
	ck_assert_err(identity_add_ip(&id, "127.0.0.1"), KALIT_OK);
	ck_assert_err(identity_add_ip(&id, "2001:db8::1"), KALIT_OK);
	ck_assert_err(identity_complete(&id, p), KALIT_OK);
	ck_assert_err(identity_to_name(&id, &name), KALIT_OK);
	memset(&spec, 0, sizeof(spec));
	spec.profile = p;
	spec.subject = name;
	spec.dns = id.dns;
	spec.n_dns = id.n_dns;
	spec.ip = id.ip;
	spec.n_ip = id.n_ip;
	spec.pubkey = key;
	spec.issuer = ca;
	spec.issuer_key = cakey;
	spec.not_before = time(NULL) - 60;
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	ck_assert_err(identity_from_cert(cert, &back), KALIT_OK);
	ck_assert_uint_eq(back.n_dns, 2);
	ck_assert_uint_eq(back.n_ip, 2);
	ck_assert_str_eq(back.dns[0], "localhost");
	ck_assert_str_eq(back.dns[1], "kalitd.example.uz");
	ck_assert_str_eq(back.ip[0], "127.0.0.1");
	ck_assert_str_eq(back.ip[1], "2001:db8::1");
	ck_assert_str_eq(back.field[IDENTITY_CN], "localhost");
	ck_assert_ptr_null(back.field[IDENTITY_EMAIL]);
	/* what renew does: the identity read back is complete again */
	ck_assert_err(identity_complete(&back, p), KALIT_OK);
	identity_clear(&back);
	identity_clear(&id);
	X509_NAME_free(name);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	profile_free(p);
}
END_TEST

static Suite *
identity_suite(void)
{
	Suite *s = suite_create("identity");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_identity_pinfl_format);
	tcase_add_test(tc, test_identity_tin_format);
	tcase_add_test(tc, test_identity_set_checks_by_field);
	tcase_add_test(tc, test_identity_names_good);
	tcase_add_test(tc, test_identity_names_hostile);
	tcase_add_test(tc, test_identity_email);
	tcase_add_test(tc, test_identity_country);
	tcase_add_test(tc, test_identity_complete_citizen);
	tcase_add_test(tc, test_identity_complete_keeps_given_cn);
	tcase_add_test(tc, test_identity_complete_long_default_cn_refused);
	tcase_add_test(tc, test_identity_complete_official);
	tcase_add_test(tc, test_identity_complete_root_needs_cn);
	tcase_add_test(tc, test_identity_to_name_oids);
	tcase_add_test(tc, test_identity_roundtrip_through_cert);
	tcase_add_test(tc, test_identity_from_cert_ignores_unknown_attrs);
	tcase_add_test(tc, test_identity_dns_good);
	tcase_add_test(tc, test_identity_dns_hostile);
	tcase_add_test(tc, test_identity_ip);
	tcase_add_test(tc, test_identity_hosts_dedup_and_limit);
	tcase_add_test(tc, test_identity_complete_server);
	tcase_add_test(tc, test_identity_hosts_roundtrip_through_cert);
	tcase_add_test(tc, test_identity_from_cert_refuses_nul);
	tcase_add_test(tc, test_identity_from_cert_refuses_ambiguity);
	tcase_add_test(tc, test_identity_from_cert_refuses_hidden_characters);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(identity_suite());
}
