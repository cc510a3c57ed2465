/* check_profile.c: unit tests for profile.c */
#include "config.h"

#include <string.h>

#include <check.h>

#include "keyfile.h"
#include "profile.h"
#include "testutil.h"

#define F(f)		(1u << (f))
#define ALL_KEYS	(F(KEY_TYPE_P256) | F(KEY_TYPE_P384) | \
			    F(KEY_TYPE_RSA3072) | F(KEY_TYPE_ED25519))

/* Writes tu_dir/name.conf and loads it. */
static int
load_text(const char *name, const char *text, struct profile **pp)
{
	char file[64], path[PATH_MAX];

	snprintf(file, sizeof(file), "%s.conf", name);
	tu_path(path, sizeof(path), tu_dir, file);
	tu_write_file(path, text, strlen(text));
	return profile_load(tu_dir, name, pp);
}

#define GOOD_EE \
	"[profile]\n" \
	"kind = end-entity\n" \
	"days = 365\n" \
	"key_usage = critical, digitalSignature\n" \
	"subject = given_name, surname, pinfl\n"

START_TEST(test_profile_root)
{
	struct profile *p = tu_profile("root");

	ck_assert_str_eq(p->name, "root");
	ck_assert_int_eq(p->kind, PROFILE_ROOT);
	ck_assert_int_eq(p->days, 7305);
	ck_assert_str_eq(p->basic_constraints, "critical, CA:TRUE");
	ck_assert_str_eq(p->key_usage, "critical, keyCertSign, cRLSign");
	ck_assert_ptr_null(p->extended_key_usage);
	ck_assert_ptr_null(p->certificate_policies);
	ck_assert_uint_eq(p->subject_required, F(IDENTITY_CN));
	ck_assert_uint_eq(p->subject_allowed, F(IDENTITY_CN) |
	    F(IDENTITY_ORG) | F(IDENTITY_COUNTRY));
	ck_assert_str_eq(p->country, "UZ");
	ck_assert_uint_eq(p->key_types, ALL_KEYS);
	profile_free(p);
}
END_TEST

START_TEST(test_profile_issuing_ca)
{
	struct profile *p = tu_profile("issuing-ca");

	ck_assert_int_eq(p->kind, PROFILE_CA);
	ck_assert_int_eq(p->days, 3652);
	ck_assert_str_eq(p->basic_constraints, "critical, CA:TRUE, pathlen:0");
	ck_assert_str_eq(p->key_usage, "critical, keyCertSign, cRLSign");
	ck_assert_ptr_null(p->extended_key_usage);
	ck_assert_uint_eq(p->subject_required, F(IDENTITY_CN));
	ck_assert_uint_eq(p->key_types, ALL_KEYS);
	profile_free(p);
}
END_TEST

START_TEST(test_profile_citizen)
{
	struct profile *p = tu_profile("citizen");

	ck_assert_str_eq(p->name, "citizen");
	ck_assert_int_eq(p->kind, PROFILE_END_ENTITY);
	ck_assert_int_eq(p->days, 730);
	ck_assert_str_eq(p->basic_constraints, "CA:FALSE");
	ck_assert_str_eq(p->key_usage,
	    "critical, digitalSignature, nonRepudiation");
	ck_assert_str_eq(p->extended_key_usage, "clientAuth, emailProtection");
	ck_assert_str_eq(p->certificate_policies, "1.3.6.1.5.5.7.13.1");
	ck_assert_uint_eq(p->subject_required, F(IDENTITY_GIVEN_NAME) |
	    F(IDENTITY_SURNAME) | F(IDENTITY_PINFL));
	ck_assert_uint_eq(p->subject_allowed, F(IDENTITY_GIVEN_NAME) |
	    F(IDENTITY_SURNAME) | F(IDENTITY_CN) | F(IDENTITY_PINFL) |
	    F(IDENTITY_TIN) | F(IDENTITY_EMAIL) | F(IDENTITY_COUNTRY));
	ck_assert_uint_eq(p->key_types, ALL_KEYS);
	profile_free(p);
}
END_TEST

START_TEST(test_profile_official)
{
	struct profile *p = tu_profile("official");

	ck_assert_int_eq(p->kind, PROFILE_END_ENTITY);
	ck_assert_int_eq(p->days, 730);
	ck_assert_str_eq(p->certificate_policies, "1.3.6.1.5.5.7.13.2");
	ck_assert_uint_eq(p->subject_required, F(IDENTITY_GIVEN_NAME) |
	    F(IDENTITY_SURNAME) | F(IDENTITY_PINFL) | F(IDENTITY_ORG) |
	    F(IDENTITY_TITLE) | F(IDENTITY_ORG_TIN));
	ck_assert_uint_eq(p->subject_allowed, p->subject_required |
	    F(IDENTITY_CN) | F(IDENTITY_TIN) | F(IDENTITY_EMAIL) |
	    F(IDENTITY_COUNTRY));
	ck_assert_uint_eq(p->key_types, ALL_KEYS);
	profile_free(p);
}
END_TEST

START_TEST(test_profile_server)
{
	struct profile *p = tu_profile("server");

	ck_assert_str_eq(p->name, "server");
	ck_assert_int_eq(p->kind, PROFILE_END_ENTITY);
	ck_assert_int_eq(p->days, 397);
	ck_assert_str_eq(p->basic_constraints, "critical, CA:FALSE");
	ck_assert_str_eq(p->key_usage, "critical, digitalSignature");
	ck_assert_str_eq(p->extended_key_usage, "serverAuth");
	ck_assert_ptr_null(p->certificate_policies);
	ck_assert_uint_eq(p->subject_required, F(IDENTITY_CN));
	ck_assert_uint_eq(p->subject_allowed, F(IDENTITY_CN) |
	    F(IDENTITY_ORG) | F(IDENTITY_COUNTRY));
	ck_assert_int_eq(p->host_names, PROFILE_HOST_NAMES_REQUIRED);
	ck_assert_uint_eq(p->key_types, F(KEY_TYPE_P256) | F(KEY_TYPE_P384) |
	    F(KEY_TYPE_RSA3072));
	profile_free(p);
}
END_TEST

START_TEST(test_profile_ocsp)
{
	static const char *const others[] = { "root", "issuing-ca",
	    "citizen", "official", "server" };
	struct profile *p = tu_profile("ocsp");
	size_t i;

	ck_assert_int_eq(p->kind, PROFILE_END_ENTITY);
	ck_assert_int_eq(p->days, 30);
	ck_assert_str_eq(p->basic_constraints, "critical, CA:FALSE");
	ck_assert_str_eq(p->key_usage, "critical, digitalSignature");
	ck_assert_str_eq(p->extended_key_usage, "critical, OCSPSigning");
	ck_assert_ptr_null(p->certificate_policies);
	ck_assert_int_eq(p->ocsp_no_check, 1);
	ck_assert_uint_eq(p->subject_required, F(IDENTITY_CN));
	ck_assert_uint_eq(p->subject_allowed, F(IDENTITY_CN) |
	    F(IDENTITY_ORG) | F(IDENTITY_COUNTRY));
	ck_assert_int_eq(p->host_names, PROFILE_HOST_NAMES_NONE);
	ck_assert_uint_eq(p->key_types, F(KEY_TYPE_P256) | F(KEY_TYPE_P384) |
	    F(KEY_TYPE_RSA3072));
	profile_free(p);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		p = tu_profile(others[i]);
		ck_assert_int_eq(p->ocsp_no_check, 0);
		profile_free(p);
	}
	ck_assert_err(load_text("n", GOOD_EE "ocsp_no_check = no\n", &p),
	    KALIT_OK);
	ck_assert_int_eq(p->ocsp_no_check, 0);
	profile_free(p);
}
END_TEST

START_TEST(test_profile_host_names)
{
	static const char *const people[] = { "root", "issuing-ca",
	    "citizen", "official" };
	static const struct {
		const char		*value;
		enum profile_host_names	 want;
	} good[] = {
		{ "none", PROFILE_HOST_NAMES_NONE },
		{ "optional", PROFILE_HOST_NAMES_OPTIONAL },
		{ "required", PROFILE_HOST_NAMES_REQUIRED },
	};
	char text[256];
	struct profile *p = NULL;
	size_t i;

	/* people's and CA profiles name no host */
	for (i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
		p = tu_profile(people[i]);
		ck_assert_int_eq(p->host_names, PROFILE_HOST_NAMES_NONE);
		profile_free(p);
	}
	ck_assert_err(load_text("h", GOOD_EE, &p), KALIT_OK);
	ck_assert_int_eq(p->host_names, PROFILE_HOST_NAMES_NONE);
	profile_free(p);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), GOOD_EE "host_names = %s\n",
		    good[i].value);
		ck_assert_err(load_text("h", text, &p), KALIT_OK);
		ck_assert_int_eq(p->host_names, good[i].want);
		profile_free(p);
	}
}
END_TEST

START_TEST(test_profile_unknown_name)
{
	struct profile *p = (struct profile *)&p;

	ck_assert_err(profile_load(tu_profile_dir, "nosuch", &p),
	    KALIT_ERR_PROFILE);
	ck_assert_ptr_null(p);
	ck_assert_err(profile_load(tu_dir, "root", &p), KALIT_ERR_PROFILE);
	ck_assert_err(profile_load("/nonexistent-dir", "root", &p),
	    KALIT_ERR_PROFILE);
}
END_TEST

START_TEST(test_profile_bad_name)
{
	static const char *const bad[] = { "../x", "..", "", "Root",
	    "root.conf", "a/b", "a b", "root\n", "issuing_ca",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 33 */ };
	struct profile *p = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(profile_load(tu_profile_dir, bad[i], &p) ==
		    KALIT_ERR_PROFILE, "\"%s\" accepted", bad[i]);
		ck_assert_ptr_null(p);
		ck_assert_int_eq(profile_name_valid(bad[i]), 0);
	}
	/* "../profiles/root" would reach a real file if not refused */
	ck_assert_err(profile_load(tu_profile_dir, "../profiles/root", &p),
	    KALIT_ERR_PROFILE);
}
END_TEST

START_TEST(test_profile_name_valid)
{
	ck_assert_int_eq(profile_name_valid("root"), 1);
	ck_assert_int_eq(profile_name_valid("issuing-ca"), 1);
	ck_assert_int_eq(profile_name_valid("a"), 1);
	ck_assert_int_eq(profile_name_valid("0-9"), 1);
	ck_assert_int_eq(profile_name_valid(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 32 */), 1);
}
END_TEST

START_TEST(test_profile_custom_good)
{
	struct profile *p = NULL;

	ck_assert_err(load_text("custom", GOOD_EE
	    "key_types = p384, ed25519\n"
	    "country = KZ\n", &p), KALIT_OK);
	ck_assert_int_eq(p->days, 365);
	ck_assert_uint_eq(p->key_types, F(KEY_TYPE_P384) |
	    F(KEY_TYPE_ED25519));
	ck_assert_str_eq(p->country, "KZ");
	ck_assert_uint_eq(p->subject_required, p->subject_allowed);
	ck_assert_ptr_null(p->basic_constraints);
	profile_free(p);
}
END_TEST

START_TEST(test_profile_malformed_is_config)
{
	static const char *const bad[] = {
		GOOD_EE "unknown_key = 1\n",
		GOOD_EE "[other]\nkind = ca\n",
		GOOD_EE "kind = leaf\n",
		"[profile]\nkind = end-entity\ndays = 0\n"
		    "key_usage = digitalSignature\nsubject = cn\n",
		"[profile]\nkind = end-entity\ndays = -5\n"
		    "key_usage = digitalSignature\nsubject = cn\n",
		"[profile]\nkind = end-entity\ndays = abc\n"
		    "key_usage = digitalSignature\nsubject = cn\n",
		"[profile]\nkind = end-entity\ndays = 30x\n"
		    "key_usage = digitalSignature\nsubject = cn\n",
		"[profile]\nkind = end-entity\ndays = 36526\n"
		    "key_usage = digitalSignature\nsubject = cn\n",
		"[profile]\nkind = end-entity\ndays = 99999999999999999999\n"
		    "key_usage = digitalSignature\nsubject = cn\n",
		GOOD_EE "key_types = rsa2048\n",
		GOOD_EE "key_types = p256, dsa\n",
		GOOD_EE "key_types = \n",
		GOOD_EE "subject = cn, shoe_size\n",
		GOOD_EE "subject = \n",
		GOOD_EE "subject = ?\n",
		GOOD_EE "country = uz\n",
		GOOD_EE "country = UZB\n",
		GOOD_EE "host_names = yes\n",
		GOOD_EE "host_names = dns, ip\n",
		GOOD_EE "host_names = \n",
		GOOD_EE "ocsp_no_check = true\n",
		GOOD_EE "ocsp_no_check = \n",
		/* required keys missing */
		"[profile]\nkind = end-entity\nkey_usage = digitalSignature\n"
		    "subject = cn\n",
		"[profile]\nkind = end-entity\ndays = 10\nsubject = cn\n",
		"[profile]\nkind = end-entity\ndays = 10\n"
		    "key_usage = digitalSignature\n",
		"",
		"not an ini file at all\n",
	};
	struct profile *p = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(load_text("bad", bad[i], &p) == KALIT_ERR_CONFIG,
		    "case %zu accepted:\n%s", i, bad[i]);
		ck_assert_ptr_null(p);
	}
}
END_TEST

START_TEST(test_profile_root_needs_no_subject)
{
	struct profile *p = NULL;

	ck_assert_err(load_text("r", "[profile]\nkind = root\ndays = 10\n"
	    "key_usage = keyCertSign\n", &p), KALIT_OK);
	ck_assert_int_eq(p->kind, PROFILE_ROOT);
	ck_assert_uint_eq(p->subject_allowed, 0);
	profile_free(p);
}
END_TEST

START_TEST(test_profile_field_names)
{
	static const char *const want[IDENTITY__MAX] = {
		"given_name", "surname", "cn", "pinfl", "tin", "org", "title",
		"org_tin", "email", "country"
	};
	int f;

	for (f = 0; f < IDENTITY__MAX; f++)
		ck_assert_str_eq(identity_field_name((enum identity_field)f),
		    want[f]);
	ck_assert_ptr_null(identity_field_name(IDENTITY__MAX));
	ck_assert_ptr_null(identity_field_name((enum identity_field)-1));
	profile_free(NULL);
}
END_TEST

static Suite *
profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tu_dir_setup, tu_dir_teardown);
	tcase_add_test(tc, test_profile_root);
	tcase_add_test(tc, test_profile_issuing_ca);
	tcase_add_test(tc, test_profile_citizen);
	tcase_add_test(tc, test_profile_official);
	tcase_add_test(tc, test_profile_server);
	tcase_add_test(tc, test_profile_ocsp);
	tcase_add_test(tc, test_profile_host_names);
	tcase_add_test(tc, test_profile_unknown_name);
	tcase_add_test(tc, test_profile_bad_name);
	tcase_add_test(tc, test_profile_name_valid);
	tcase_add_test(tc, test_profile_custom_good);
	tcase_add_test(tc, test_profile_malformed_is_config);
	tcase_add_test(tc, test_profile_root_needs_no_subject);
	tcase_add_test(tc, test_profile_field_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(profile_suite());
}
