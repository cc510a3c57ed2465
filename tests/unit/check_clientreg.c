/* check_clientreg.c: what an OpenID Connect client may register */
#include "config.h"

#include "testutil.h"
#include "clientreg.h"
#include "log.h"
#include "store.h"

static const struct {
	const char	*uri;
	int		 ok;
} uris[] = {
	{ "https://portal.example.uz/cb", 1 },
	{ "https://portal.example.uz:8443/cb?a=b", 1 },
	{ "http://127.0.0.1:3000/cb", 1 },
	{ "http://localhost/cb", 1 },
	{ "http://[::1]:3000/cb", 1 },
	{ "com.example.app:/cb", 0 },
	{ "http://portal.example.uz/cb", 0 },
	{ "http://127.0.0.2/cb", 0 },
	{ "https://portal.example.uz/cb#frag", 0 },
	{ "https://user:pw@portal.example.uz/cb", 0 },
	{ "https://portal.example.uz/c b", 0 },
	{ "https://portal.example.uz/\xc3\xa9", 0 },
	{ "/cb", 0 },
	{ "portal.example.uz/cb", 0 },
	{ "javascript:alert(1)", 0 },
	{ "", 0 },
};

START_TEST(test_clientreg_uri)
{
	const char *why = NULL;
	int r = clientreg_uri_check(uris[_i].uri, &why);

	ck_assert_msg((r == KALIT_OK) == uris[_i].ok, "%s: %s", uris[_i].uri,
	    why != NULL ? why : "accepted");
	ck_assert_msg((why == NULL) == uris[_i].ok, "a refusal says why");
}
END_TEST

START_TEST(test_clientreg_uri_length)
{
	char uri[STORE_URI_MAX + 2];

	memset(uri, 'a', sizeof(uri));
	memcpy(uri, "https://x.uz/", 13);
	uri[STORE_URI_MAX] = '\0';
	ck_assert_err(clientreg_uri_check(uri, NULL), KALIT_OK);
	uri[STORE_URI_MAX] = 'a';
	uri[STORE_URI_MAX + 1] = '\0';
	ck_assert_err(clientreg_uri_check(uri, NULL), KALIT_ERR_USAGE);
}
END_TEST

#define EC_KEY	"{\"kty\":\"EC\",\"crv\":\"P-256\"," \
	"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"," \
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"

static const struct {
	const char	*jwks;
	int		 ok;
} jwks[] = {
	{ "{\"keys\":[" EC_KEY "]}", 1 },
	{ "{\"keys\":[]}", 0 },
	{ "{\"keys\":{}}", 0 },
	{ "[" EC_KEY "]", 0 },
	{ "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}", 0 },
	{ "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1B"
	    "g8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659"
	    "LNpXW6pCyStikYjKIWI5a0\",\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY"
	    "7X1fCE9-E9LI\"}]}", 0 },
	{ "{\"keys\":[" EC_KEY "], \"keys\":[]}", 0 },
	{ "not json", 0 },
};

START_TEST(test_clientreg_jwks)
{
	const char *why = NULL;

	ck_assert_msg((clientreg_jwks_check(jwks[_i].jwks,
	    strlen(jwks[_i].jwks), &why) == KALIT_OK) == jwks[_i].ok,
	    "%s: %s", jwks[_i].jwks, why != NULL ? why : "accepted");
}
END_TEST

START_TEST(test_clientreg_auth_names)
{
	int m, i;

	for (i = 0; i < STORE_AUTH__MAX; i++) {
		ck_assert_err(clientreg_auth_parse(clientreg_auth_name(i), &m),
		    KALIT_OK);
		ck_assert_int_eq(m, i);
	}
	ck_assert_str_eq(clientreg_auth_name(STORE_AUTH_JWT),
	    "private_key_jwt");
	ck_assert_err(clientreg_auth_parse("client_secret_jwt", &m),
	    KALIT_ERR_USAGE);
	ck_assert_str_eq(clientreg_auth_name(STORE_AUTH__MAX), "?");
}
END_TEST

static Suite *
clientreg_suite(void)
{
	Suite *s = suite_create("clientreg");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_clientreg_uri, 0,
	    sizeof(uris) / sizeof(uris[0]));
	tcase_add_test(tc, test_clientreg_uri_length);
	tcase_add_loop_test(tc, test_clientreg_jwks, 0,
	    sizeof(jwks) / sizeof(jwks[0]));
	tcase_add_test(tc, test_clientreg_auth_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_clientreg", -1);
	return tu_run(clientreg_suite());
}
