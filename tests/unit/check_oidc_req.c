/* check_oidc_req.c: authorization request parameters and request tokens */
#include "config.h"

#include "testutil.h"
#include "log.h"
#include "oidc_req.h"

#define NOW	1800000000LL

static struct store_client client;

static void
setup(void)
{
	memset(&client, 0, sizeof(client));
	snprintf(client.id, sizeof(client.id), "portal");
	client.acr = STORE_ACR_CITIZEN | STORE_ACR_OFFICIAL;
}

/* p from "key=value" strings (one piece each), NULL-terminated. */
static void
params_of(struct oidc_params *p, enum oidc_params_kind kind,
    const char *const *kv)
{
	const char *eq;
	char key[64];

	oidc_params_init(p, kind);
	for (; *kv != NULL; kv++) {
		ck_assert_ptr_nonnull(eq = strchr(*kv, '='));
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *kv), *kv);
		ck_assert_err(oidc_params_add(p, key, eq + 1, 0,
		    strlen(eq + 1)), KALIT_OK);
	}
}

#define GOOD	"client_id=portal", "redirect_uri=https://rp/cb", \
		"response_type=code", "scope=openid profile"

/* A request checked: NULL or its OAuth error. */
static const char *
checked(const char *const *kv, struct oidc_authz *a)
{
	struct oidc_params p;
	const char *e, *desc;

	params_of(&p, OIDC_PARAMS_AUTHZ, kv);
	ck_assert_err(oidc_authz_target(&p, a), KALIT_OK);
	e = oidc_authz_check(&p, &client, NULL, a, &desc);
	ck_assert_msg(e == NULL || desc != NULL, "an error has a description");
	oidc_params_clear(&p);
	return e;
}

START_TEST(test_oidc_req_good_request)
{
	static const char *const kv[] = { GOOD, "state=a b/c", "nonce=n1",
	    "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
	    "code_challenge_method=S256", "max_age=60", "acr_values=official",
	    "prompt=login consent", "ui_locales=ru-RU en", NULL };
	struct oidc_authz a;

	ck_assert_ptr_null(checked(kv, &a));
	ck_assert_str_eq(a.client_id, "portal");
	ck_assert_str_eq(a.redirect_uri, "https://rp/cb");
	ck_assert_str_eq(a.state, "a b/c");
	ck_assert_int_eq(a.has_state, 1);
	ck_assert_str_eq(a.nonce, "n1");
	ck_assert_uint_eq(a.scope, OIDC_SCOPE_OPENID | OIDC_SCOPE_PROFILE);
	ck_assert_uint_eq(a.acr, STORE_ACR_OFFICIAL);
	ck_assert_int_eq(a.max_age, 60);
	ck_assert_int_eq(a.prompt_login, 1);
	ck_assert_int_eq(a.prompt_none, 0);
	ck_assert_str_eq(a.lang, "ru");
}
END_TEST

static const struct {
	const char	*why;
	const char	*extra[4];
	int		 public_client;
	const char	*error;
} bad[] = {
	{ "response_type token", { "response_type=token" }, 0,
	    "unsupported_response_type" },
	{ "no openid", { "scope=profile" }, 0, "invalid_scope" },
	{ "public without PKCE", { NULL }, 1, "invalid_request" },
	{ "plain PKCE", { "code_challenge=" "E9Melhoa2OwvFrEMTJguCHaoeK1t8URW"
	    "buGJSstw-cM", "code_challenge_method=plain" }, 0,
	    "invalid_request" },
	{ "PKCE without method", { "code_challenge=E9Melhoa2OwvFrEMTJguCHaoe"
	    "K1t8URWbuGJSstw-cM" }, 0, "invalid_request" },
	{ "method without PKCE", { "code_challenge_method=S256" }, 0,
	    "invalid_request" },
	{ "short challenge", { "code_challenge=abc",
	    "code_challenge_method=S256" }, 0, "invalid_request" },
	{ "prompt none login", { "prompt=none login" }, 0,
	    "invalid_request" },
	{ "prompt unknown", { "prompt=always" }, 0, "invalid_request" },
	{ "max_age words", { "max_age=soon" }, 0, "invalid_request" },
	{ "acr unknown only", { "acr_values=gold" }, 0, "access_denied" },
	{ "response_mode fragment", { "response_mode=fragment" }, 0,
	    "invalid_request" },
	{ "request object", { "request=eyJ" }, 0, "request_not_supported" },
	{ "request_uri", { "request_uri=https://x" }, 0,
	    "request_uri_not_supported" },
	{ "state with a control", { "state=a\tb" }, 0, "invalid_request" },
	{ "nonce with a control", { "nonce=a\nb" }, 0, "invalid_request" },
	{ "scope twice", { "+scope=openid" }, 0, "invalid_request" },
};

/* GOOD with bad[_i]'s parameters in place of its own ("+": added). */
START_TEST(test_oidc_req_refusals)
{
	const char *kv[12] = { GOOD }, *x;
	struct oidc_authz a;
	int i, j, n = 4;

	for (i = 0; i < 4 && (x = bad[_i].extra[i]) != NULL; i++) {
		for (j = 0; x[0] != '+' && j < n && strncmp(kv[j], x,
		    strcspn(x, "=") + 1) != 0; j++)
			;
		kv[x[0] != '+' && j < n ? j : n++] = x + (x[0] == '+');
	}
	kv[n] = NULL;
	client.public_client = bad[_i].public_client;
	ck_assert_msg(checked(kv, &a) != NULL && strcmp(checked(kv, &a),
	    bad[_i].error) == 0, "%s: want %s, got %s", bad[_i].why,
	    bad[_i].error, checked(kv, &a) ? checked(kv, &a) : "ok");
}
END_TEST

START_TEST(test_oidc_req_target_first)
{
	static const char *const none[] = { "redirect_uri=https://rp/cb",
	    NULL };
	static const char *const two[] = { GOOD, "redirect_uri=https://rp/cb",
	    NULL };
	static const char *const empty[] = { "client_id=portal",
	    "redirect_uri=", NULL };
	struct oidc_params p;
	struct oidc_authz a;

	params_of(&p, OIDC_PARAMS_AUTHZ, none);
	ck_assert_err(oidc_authz_target(&p, &a), KALIT_ERR_CLIENT_UNKNOWN);
	oidc_params_clear(&p);
	/* which of two would be the one? neither */
	params_of(&p, OIDC_PARAMS_AUTHZ, two);
	ck_assert_err(oidc_authz_target(&p, &a), KALIT_ERR_REDIRECT_URI);
	oidc_params_clear(&p);
	params_of(&p, OIDC_PARAMS_AUTHZ, empty);
	ck_assert_err(oidc_authz_target(&p, &a), KALIT_ERR_REDIRECT_URI);
	oidc_params_clear(&p);
}
END_TEST

START_TEST(test_oidc_req_state_too_long_is_not_echoed)
{
	struct oidc_params p;
	struct oidc_authz a;
	const char *desc;
	char state[OIDC_STATE_MAX + 2];

	memset(state, 's', sizeof(state) - 1);
	state[sizeof(state) - 1] = '\0';
	params_of(&p, OIDC_PARAMS_AUTHZ, (const char *const[]){ GOOD, NULL });
	ck_assert_err(oidc_params_add(&p, "state", state, 0, strlen(state)),
	    KALIT_OK);
	ck_assert_int_eq(p.oversized, 1);
	ck_assert_ptr_null(oidc_param(&p, OIDC_P_STATE));
	ck_assert_err(oidc_authz_target(&p, &a), KALIT_OK);
	ck_assert_str_eq(oidc_authz_check(&p, &client, NULL, &a, &desc),
	    "invalid_request");
	ck_assert_int_eq(a.has_state, 0);
	oidc_params_clear(&p);
}
END_TEST

/* Pieces of one value join; a piece at 0 of a value seen is a repeat. */
START_TEST(test_oidc_req_form_pieces)
{
	struct oidc_params p;

	oidc_params_init(&p, OIDC_PARAMS_TOKEN);
	ck_assert_err(oidc_params_add(&p, "code", "abc", 0, 3), KALIT_OK);
	ck_assert_err(oidc_params_add(&p, "code", "def", 3, 3), KALIT_OK);
	ck_assert_str_eq(oidc_param(&p, OIDC_T_CODE), "abcdef");
	ck_assert_int_eq(p.repeated, 0);
	ck_assert_err(oidc_params_add(&p, "unknown", "x", 0, 1), KALIT_OK);
	ck_assert_err(oidc_params_add(&p, "code", "ghi", 0, 3), KALIT_OK);
	ck_assert_int_eq(p.repeated, 1);
	ck_assert_ptr_null(oidc_param(&p, OIDC_T_CODE));
	/* a NUL in a value: present, but no parameter */
	ck_assert_err(oidc_params_add(&p, "grant_type", "a\0b", 0, 3),
	    KALIT_OK);
	ck_assert_ptr_null(oidc_param(&p, OIDC_T_GRANT_TYPE));
	oidc_params_clear(&p);
}
END_TEST

static const struct {
	const char	*ui;
	const char	*accept;
	const char	*want;
} langs[] = {
	{ NULL, NULL, "uz" },
	{ "en", "ru", "en" },
	{ "de fr", "ru-RU,ru;q=0.9,en;q=0.8", "ru" },
	{ NULL, "de-DE, en;q=0.5", "en" },
	{ "uz-Latn", NULL, "uz" },
	{ NULL, "rus", "uz" },
};

START_TEST(test_oidc_req_language)
{
	struct oidc_params p;
	struct oidc_authz a;
	const char *desc;

	params_of(&p, OIDC_PARAMS_AUTHZ, (const char *const[]){ GOOD, NULL });
	if (langs[_i].ui != NULL)
		ck_assert_err(oidc_params_add(&p, "ui_locales", langs[_i].ui, 0,
		    strlen(langs[_i].ui)), KALIT_OK);
	ck_assert_err(oidc_authz_target(&p, &a), KALIT_OK);
	ck_assert_ptr_null(oidc_authz_check(&p, &client, langs[_i].accept,
	    &a, &desc));
	ck_assert_str_eq(a.lang, langs[_i].want);
	oidc_params_clear(&p);
}
END_TEST

/* A request token round trip, and every refusal of one. */
START_TEST(test_oidc_req_token)
{
	static const char *const kv[] = { GOOD, "state=st", "nonce=nn", NULL };
	struct oidc_reqkey *k, *other;
	struct oidc_authz a, b;
	char *tok, *altered;

	ck_assert_ptr_null(checked(kv, &a));
	oidc_bind_of("the browser's cookie", a.bind);
	a.exp = NOW + 600;
	ck_assert_err(oidc_reqkey_new(&k), KALIT_OK);
	ck_assert_err(oidc_reqkey_new(&other), KALIT_OK);
	ck_assert_err(oidc_req_encode(k, &a, &tok), KALIT_OK);
	ck_assert_err(oidc_req_decode(k, tok, strlen(tok), NOW, &b), KALIT_OK);
	ck_assert_mem_eq(&a, &b, offsetof(struct oidc_authz, lang));
	ck_assert_str_eq(b.lang, a.lang);
	ck_assert_err(oidc_req_decode(k, tok, strlen(tok), NOW + 601, &b),
	    KALIT_ERR_REQUEST_EXPIRED);
	/* another key: another server, or this one before its restart */
	ck_assert_err(oidc_req_decode(other, tok, strlen(tok), NOW, &b),
	    KALIT_ERR_REQUEST_INVALID);
	ck_assert_ptr_nonnull(altered = strdup(tok));
	altered[3] = altered[3] == 'A' ? 'B' : 'A';
	ck_assert_err(oidc_req_decode(k, altered, strlen(altered), NOW, &b),
	    KALIT_ERR_REQUEST_INVALID);
	ck_assert_err(oidc_req_decode(k, tok, strlen(tok) - 1, NOW, &b),
	    KALIT_ERR_REQUEST_INVALID);
	ck_assert_err(oidc_req_decode(k, "", 0, NOW, &b),
	    KALIT_ERR_REQUEST_INVALID);
	ck_assert_err(oidc_req_decode(k, NULL, 0, NOW, &b),
	    KALIT_ERR_REQUEST_INVALID);
	free(altered);
	free(tok);
	oidc_reqkey_free(k);
	oidc_reqkey_free(other);
}
END_TEST

static Suite *
oidc_req_suite(void)
{
	Suite *s = suite_create("oidc_req");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_oidc_req_good_request);
	tcase_add_loop_test(tc, test_oidc_req_refusals, 0,
	    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_oidc_req_target_first);
	tcase_add_test(tc, test_oidc_req_state_too_long_is_not_echoed);
	tcase_add_test(tc, test_oidc_req_form_pieces);
	tcase_add_loop_test(tc, test_oidc_req_language, 0,
	    sizeof(langs) / sizeof(langs[0]));
	tcase_add_test(tc, test_oidc_req_token);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_oidc_req", -1);
	return tu_run(oidc_req_suite());
}
