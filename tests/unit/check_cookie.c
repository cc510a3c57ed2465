/* check_cookie.c: kalitd's cookies read strictly, and set */
#include "config.h"

#include "testutil.h"
#include "cookie.h"
#include "log.h"

#define V1	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
#define V2	"0123456789-_0123456789-_0123456789-_0123456"

static const struct {
	const char	*header;
	int		 want;
	const char	*value;
} cases[] = {
	{ "kalit-sid=" V1, KALIT_OK, V1 },
	{ "a=b; kalit-sid=" V1 "; c=d", KALIT_OK, V1 },
	{ "a=b;kalit-sid=" V1, KALIT_OK, V1 },
	{ "kalit-sid=" V1 " ", KALIT_OK, V1 },
	{ "x-kalit-sid=" V1, KALIT_ERR_NOT_FOUND, "" },
	{ "kalit-sidx=" V1, KALIT_ERR_NOT_FOUND, "" },
	{ "kalit-b=" V2, KALIT_ERR_NOT_FOUND, "" },
	{ "", KALIT_ERR_NOT_FOUND, "" },
	{ NULL, KALIT_ERR_NOT_FOUND, "" },
	/* a second one, planted beside ours: neither is believed */
	{ "kalit-sid=" V1 "; kalit-sid=" V2, KALIT_ERR_MALFORMED, "" },
	{ "kalit-sid=" V1 "x", KALIT_ERR_MALFORMED, "" },
	{ "kalit-sid=abc", KALIT_ERR_MALFORMED, "" },
	{ "kalit-sid=" "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO+",
	    KALIT_ERR_MALFORMED, "" },
	{ "kalit-sid=\"" V1 "\"", KALIT_ERR_MALFORMED, "" },
	{ "kalit-sid=", KALIT_ERR_MALFORMED, "" },
};

START_TEST(test_cookie_get)
{
	char v[COOKIE_VALUE_LEN + 1];

	ck_assert_err(cookie_get(cases[_i].header, "kalit-sid", v),
	    cases[_i].want);
	ck_assert_str_eq(v, cases[_i].value);
}
END_TEST

START_TEST(test_cookie_get_caps_the_header)
{
	char *h, v[COOKIE_VALUE_LEN + 1];

	ck_assert_ptr_nonnull(h = malloc(COOKIE_HEADER_MAX + 64));
	memset(h, 'a', COOKIE_HEADER_MAX);
	snprintf(h + COOKIE_HEADER_MAX - 60, 64, "; kalit-sid=%s", V1);
	ck_assert_err(cookie_get(h, "kalit-sid", v), KALIT_OK);
	snprintf(h + COOKIE_HEADER_MAX - 40, 64, "; kalit-sid=%s", V1);
	ck_assert_err(cookie_get(h, "kalit-sid", v), KALIT_ERR_MALFORMED);
	free(h);
}
END_TEST

START_TEST(test_cookie_new_and_set)
{
	char a[COOKIE_VALUE_LEN + 1], b[COOKIE_VALUE_LEN + 1], v[64];
	char set[COOKIE_SET_MAX];

	ck_assert_err(cookie_new(a), KALIT_OK);
	ck_assert_err(cookie_new(b), KALIT_OK);
	ck_assert_uint_eq(strlen(a), COOKIE_VALUE_LEN);
	ck_assert_str_ne(a, b);
	cookie_set(set, "__Host-kalit-sid", a, 3600, 1);
	snprintf(v, sizeof(v), "__Host-kalit-sid=%s", a);
	ck_assert_msg(strncmp(set, v, strlen(v)) == 0, "%s", set);
	ck_assert_ptr_nonnull(strstr(set, "; Path=/"));
	ck_assert_ptr_nonnull(strstr(set, "; Max-Age=3600"));
	ck_assert_ptr_nonnull(strstr(set, "; HttpOnly"));
	ck_assert_ptr_nonnull(strstr(set, "; SameSite=Lax"));
	ck_assert_ptr_nonnull(strstr(set, "; Secure"));
	/* what it sets, it reads back */
	ck_assert_err(cookie_get(v, "__Host-kalit-sid", b), KALIT_OK);
	ck_assert_str_eq(a, b);
	cookie_set(set, "kalit-sid", NULL, 3600, 0);
	ck_assert_str_eq(set, "kalit-sid=; Path=/; Max-Age=0; HttpOnly; "
	    "SameSite=Lax");
}
END_TEST

static Suite *
cookie_suite(void)
{
	Suite *s = suite_create("cookie");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_cookie_get, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_cookie_get_caps_the_header);
	tcase_add_test(tc, test_cookie_new_and_set);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_cookie", -1);
	return tu_run(cookie_suite());
}
