/* check_login_text.c: unit tests for login_text.c */
#include "config.h"

#include "testutil.h"
#include "login_text.h"
#include "log.h"
#include "store.h"
#include "token.h"

#include <stdint.h>

#define PASS		"correct horse battery staple"
#define NOW		INT64_C(1800000000)
#define LIFETIME	INT64_C(600)
#define JTI		"q83vEjRWeJq83vEjRWeJqw"
/* Worse than any configuration or client id would be, to see escaping. */
#define ISS		"https://id.example/\"kalit\"\\path?a=1&b=\xd1\x8f"
#define AUD		"portal \"b\"\\c\x01\t\xe2\x80\xa8"
#define BOTH		(STORE_ACR_CITIZEN | STORE_ACR_OFFICIAL)

static char dir[PATH_MAX];
static struct token_keys *keys;

/* An identity as claims_of() in login.c makes one; NULL: not present. */
struct ident {
	const char	*name, *given, *family, *org, *title, *tin;
};

static const struct ident idents[] = {
	{ "Aliyev Vali", "Vali", "Aliyev", NULL, NULL, NULL },
	/* quotes and backslashes, and text that looks like escapes */
	{ "Vali \"Vali\" \\ Aliyev", "\\\"", "O'Neil \\u0041 \\\\n", NULL,
	    NULL, NULL },
	/* non-ASCII UTF-8: Cyrillic, U+02BB, CJK, a 4-byte emoji */
	{ "\xd0\x90\xd0\xbb\xd0\xb8\xd0\xb5\xd0\xb2 \xd0\x92\xd0\xb0\xd0\xbb"
	    "\xd0\xb8", "O\xca\xbbktam", "\xe6\x9d\x8e \xf0\x9f\x98\x80",
	    "\xc2\xab" "Kalit\xc2\xbb MChJ", "\xd0\x94\xd0\xb8\xd1\x80",
	    "201234567" },
	/* control characters, DEL, C1 U+0085, U+2028, ANSI escape */
	{ "a\x01" "b\x1f" "c\x7f" "d", "tab\there\nnew\rline", "\b\f\x1b[31m",
	    "org \xc2\x85 \xe2\x80\xa8 \xe2\x80\xa9", "\"\x02\\", "201234567" },
};

static void
setup(void)
{
	char kid[TOKEN_KID_MAX + 1];

	tu_mkdtemp(dir, sizeof(dir));
	ck_assert_err(token_key_generate(dir, PASS, 1000, kid), KALIT_OK);
	ck_assert_err(token_keys_load(dir, PASS, NOW, LIFETIME, &keys),
	    KALIT_OK);
}

static void
teardown(void)
{
	token_keys_free(keys);
	tu_rmdir(dir);
}

static void
set_opt(json_t *o, const char *name, const char *value)
{
	if (value != NULL)
		ck_assert_int_eq(json_object_set_new(o, name,
		    json_string(value)), 0);
}

/* The claims object of id, in claims_of()'s order; new reference. */
static json_t *
ident_claims(const struct ident *id)
{
	json_t *o;

	ck_assert_ptr_nonnull(o = json_object());
	set_opt(o, "sub", "31234567890123");
	set_opt(o, "pinfl", "31234567890123");
	set_opt(o, "name", id->name);
	set_opt(o, "given_name", id->given);
	set_opt(o, "family_name", id->family);
	set_opt(o, "organization", id->org);
	set_opt(o, "title", id->title);
	set_opt(o, "tin", id->tin);
	set_opt(o, "cert_serial", "5f0c9a");
	set_opt(o, "x5t#S256", "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg");
	return o;
}

static const char *
acr_name(unsigned int acr)
{
	return acr == STORE_ACR_OFFICIAL ? "official" : "citizen";
}

/* The token claims as kalitd built them as an object; new reference. */
static json_t *
object_payload(json_t *claims, int64_t now, unsigned int acr)
{
	json_t *o;

	ck_assert_ptr_nonnull(o = json_deep_copy(claims));
	ck_assert_int_eq(json_object_set_new(o, "iss", json_string(ISS)) ||
	    json_object_set_new(o, "aud", json_string(AUD)) ||
	    json_object_set_new(o, "iat", json_integer(now)) ||
	    json_object_set_new(o, "nbf", json_integer(now)) ||
	    json_object_set_new(o, "auth_time", json_integer(now)) ||
	    json_object_set_new(o, "exp", json_integer(now + LIFETIME)) ||
	    json_object_set_new(o, "jti", json_string(JTI)) ||
	    json_object_set_new(o, "amr", json_pack("[ss]", "pop", "swk")) ||
	    json_object_set_new(o, "acr", json_string(acr_name(acr))), 0);
	return o;
}

/* The login answer as kalitd built it as an object; new reference. */
static json_t *
object_answer(json_t *claims, const char *jwt, unsigned int acr)
{
	json_t *subject, *o;

	ck_assert_ptr_nonnull(subject = json_deep_copy(claims));
	ck_assert_int_eq(json_object_set_new(subject, "acr",
	    json_string(acr_name(acr))), 0);
	ck_assert_int_eq(json_object_del(subject, "x5t#S256"), 0);
	ck_assert_ptr_nonnull(o = json_pack("{s:s, s:s, s:I, s:o}",
	    "access_token", jwt, "token_type", "Bearer", "expires_in",
	    (json_int_t)LIFETIME, "subject", subject));
	return o;
}

/* text parses as JSON, is json_equal to want and is its compact dump. */
static void
assert_same_json(const char *text, size_t len, json_t *want)
{
	json_error_t e;
	json_t *got;
	char *dump;

	ck_assert_uint_eq(strlen(text), len);
	got = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	ck_assert_msg(got != NULL, "%s: %s", text, e.text);
	ck_assert_msg(json_equal(got, want), "%s", text);
	/* Member for member in kalitd's earlier order: the bytes agree too. */
	ck_assert_ptr_nonnull(dump = json_dumps(want, JSON_COMPACT));
	ck_assert_str_eq(text, dump);
	free(dump);
	json_decref(got);
}

/*
 * The joined payload and answer of id at now for acr against the object
 * forms; the payload, signed with token_sign_text(), verifies.
 */
static void
check_login(const struct ident *id, int64_t now, unsigned int acr)
{
	struct login_text t;
	struct login_grant g;
	json_t *claims = ident_claims(id), *want, *verified = NULL;
	char *iss, *aud, *payload, *jwt, *answer;
	size_t len;

	ck_assert_err(login_text_init(&t, claims, BOTH), KALIT_OK);
	ck_assert_err(login_text_string(ISS, &iss), KALIT_OK);
	ck_assert_err(login_text_string(AUD, &aud), KALIT_OK);
	g.iss = iss;
	g.aud = aud;
	g.now = now;
	g.lifetime = LIFETIME;
	g.jti = JTI;
	g.acr = acr;
	ck_assert_err(login_text_payload(&t, &g, &payload, &len), KALIT_OK);
	want = object_payload(claims, now, acr);
	assert_same_json(payload, len, want);

	ck_assert_err(token_sign_text(keys, payload, len, &jwt), KALIT_OK);
	ck_assert_err(token_verify(keys, jwt, strlen(jwt), &verified),
	    KALIT_OK);
	ck_assert(json_equal(verified, want));
	ck_assert_str_eq(json_string_value(json_object_get(verified, "name")),
	    id->name);
	json_decref(want);

	ck_assert_err(login_text_answer(&t, &g, jwt, &answer), KALIT_OK);
	want = object_answer(claims, jwt, acr);
	assert_same_json(answer, strlen(answer), want);

	json_decref(want);
	json_decref(verified);
	json_decref(claims);
	free(answer);
	free(jwt);
	free(payload);
	free(aud);
	free(iss);
	login_text_clear(&t);
}

START_TEST(test_login_text_equals_object_form)
{
	check_login(&idents[_i / 2], NOW,
	    _i % 2 ? STORE_ACR_OFFICIAL : STORE_ACR_CITIZEN);
}
END_TEST

START_TEST(test_login_text_extreme_times)
{
	static const int64_t nows[] = {
		0, -1, INT64_C(-9223372036854775807) - 1,
		INT64_MAX - LIFETIME,
	};

	check_login(&idents[0], nows[_i], STORE_ACR_CITIZEN);
}
END_TEST

START_TEST(test_login_text_only_asserted_acr)
{
	static const unsigned int bad[] = { STORE_ACR_OFFICIAL, 0, BOTH, 4 };
	struct login_text t;
	struct login_grant g = { "\"i\"", "\"a\"", NOW, LIFETIME, JTI, 0 };
	json_t *claims = ident_claims(&idents[0]);
	char *out = (char *)1;
	size_t i, len = 1;

	ck_assert_err(login_text_init(&t, claims, STORE_ACR_CITIZEN),
	    KALIT_OK);
	ck_assert_ptr_nonnull(t.subject[0]);
	ck_assert_ptr_null(t.subject[1]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		g.acr = bad[i];
		ck_assert_err(login_text_payload(&t, &g, &out, &len),
		    KALIT_ERR_USAGE);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(len, 0);
		out = (char *)1;
		ck_assert_err(login_text_answer(&t, &g, "a.b.c", &out),
		    KALIT_ERR_USAGE);
		ck_assert_ptr_null(out);
	}
	login_text_clear(&t);
	json_decref(claims);
}
END_TEST

START_TEST(test_login_text_refuses_empty_claims)
{
	struct login_text t;
	json_t *empty = json_object(), *array = json_array();

	ck_assert_err(login_text_init(&t, empty, BOTH), KALIT_ERR_USAGE);
	login_text_clear(&t);
	ck_assert_err(login_text_init(&t, array, BOTH), KALIT_ERR_USAGE);
	login_text_clear(&t);
	ck_assert_err(login_text_init(&t, NULL, BOTH), KALIT_ERR_USAGE);
	login_text_clear(&t);
	json_decref(empty);
	json_decref(array);
}
END_TEST

START_TEST(test_login_text_string_is_jansson_escaping)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "\"\"" },
		{ "portal", "\"portal\"" },
		{ "a\"b\\c/d", "\"a\\\"b\\\\c/d\"" },
		{ "\x01\t\n\x1f\x7f", "\"\\u0001\\t\\n\\u001F\x7f\"" },
		{ "\xd1\x8f\xf0\x9f\x98\x80", "\"\xd1\x8f\xf0\x9f\x98\x80\"" },
	};
	static const char *const bad[] = { "\xff", "a\xc3", "\xed\xa0\x80" };
	char *s;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_err(login_text_string(v[i].in, &s), KALIT_OK);
		ck_assert_str_eq(s, v[i].out);
		free(s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = (char *)1;
		ck_assert_err(login_text_string(bad[i], &s),
		    KALIT_ERR_MALFORMED);
		ck_assert_ptr_null(s);
	}
}
END_TEST

static Suite *
login_text_suite(void)
{
	Suite *s = suite_create("login_text");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_login_text_equals_object_form, 0,
	    (int)(2 * sizeof(idents) / sizeof(idents[0])));
	tcase_add_loop_test(tc, test_login_text_extreme_times, 0, 4);
	tcase_add_test(tc, test_login_text_only_asserted_acr);
	tcase_add_test(tc, test_login_text_refuses_empty_claims);
	tcase_add_test(tc, test_login_text_string_is_jansson_escaping);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_login_text", -1);
	return tu_run(login_text_suite());
}
