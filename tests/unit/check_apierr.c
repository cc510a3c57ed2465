/* check_apierr.c: the HTTP status and public code of every error */
#include "config.h"

#include "testutil.h"
#include "apierr.h"
#include "log.h"

/* Every error whose status is not 400, with its status. */
static const struct {
	int		 err;
	unsigned int	 status;
} statuses[] = {
	{ KALIT_OK, 200 },
	{ KALIT_ERR_SIGNATURE, 401 },
	{ KALIT_ERR_CERT_UNTRUSTED, 401 },
	{ KALIT_ERR_CERT_EXPIRED, 401 },
	{ KALIT_ERR_CERT_NOT_YET_VALID, 401 },
	{ KALIT_ERR_CERT_REVOKED, 401 },
	{ KALIT_ERR_CERT_ON_HOLD, 401 },
	{ KALIT_ERR_CLIENT_AUTH, 401 },
	{ KALIT_ERR_SIG_ALGORITHM, 401 },
	{ KALIT_ERR_CERT_PURPOSE, 403 },
	{ KALIT_ERR_CERT_POLICY, 403 },
	{ KALIT_ERR_CERT_IDENTITY, 403 },
	{ KALIT_ERR_CERT_NO_POLICY, 403 },
	{ KALIT_ERR_CERT_KEY_WEAK, 403 },
	{ KALIT_ERR_TOO_LARGE, 413 },
	{ KALIT_ERR_RATE_LIMITED, 429 },
	{ KALIT_ERR_NOMEM, 500 },
	{ KALIT_ERR_INTERNAL, 500 },
	{ KALIT_ERR_DB, 500 },
	{ KALIT_ERR_IO, 500 },
	{ KALIT_ERR_CONFIG, 500 },
	{ KALIT_ERR_AUDIT_BROKEN, 500 },
	{ KALIT_ERR_SERVER, 500 },
	{ KALIT_ERR_REVOCATION_UNKNOWN, 503 },
	{ KALIT_ERR_BUSY, 503 },
};

/* The errors clients know by another name than kalit_errname(). */
static const struct {
	int		 err;
	const char	*code;
} renamed[] = {
	{ KALIT_ERR_MALFORMED, "request_malformed" },
	{ KALIT_ERR_TOO_LARGE, "request_too_large" },
	{ KALIT_ERR_CLIENT_AUTH, "invalid_client" },
	{ KALIT_ERR_BUSY, "server_busy" },
};

static unsigned int
want_status(int err)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].err == err)
			return statuses[i].status;
	return 400;
}

static const char *
want_code(int err)
{
	size_t i;

	for (i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (renamed[i].err == err)
			return renamed[i].code;
	return want_status(err) == 500 ? "server_error" : kalit_errname(err);
}

START_TEST(test_apierr_status_of_every_error)
{
	int err;

	for (err = KALIT_OK; err >= KALIT_ERR__MIN; err--)
		ck_assert_msg(apierr_status(err) == want_status(err),
		    "%s: status %u, want %u", kalit_errname(err),
		    apierr_status(err), want_status(err));
}
END_TEST

START_TEST(test_apierr_code_of_every_error)
{
	int err;

	for (err = KALIT_OK; err >= KALIT_ERR__MIN; err--)
		ck_assert_msg(strcmp(apierr_code(err), want_code(err)) == 0,
		    "%s: code %s, want %s", kalit_errname(err),
		    apierr_code(err), want_code(err));
}
END_TEST

/* The codes of the statuses a client acts on, by name. */
START_TEST(test_apierr_codes_clients_act_on)
{
	ck_assert_str_eq(apierr_code(KALIT_ERR_MALFORMED),
	    "request_malformed");
	ck_assert_uint_eq(apierr_status(KALIT_ERR_MALFORMED), 400);
	ck_assert_str_eq(apierr_code(KALIT_ERR_CLIENT_AUTH), "invalid_client");
	ck_assert_uint_eq(apierr_status(KALIT_ERR_CLIENT_AUTH), 401);
	ck_assert_str_eq(apierr_code(KALIT_ERR_BUSY), "server_busy");
	ck_assert_uint_eq(apierr_status(KALIT_ERR_BUSY), 503);
	ck_assert_str_eq(apierr_code(KALIT_ERR_RATE_LIMITED), "rate_limited");
	ck_assert_uint_eq(apierr_status(KALIT_ERR_RATE_LIMITED), 429);
	ck_assert_str_eq(apierr_code(KALIT_ERR_TOKEN_INVALID),
	    "token_invalid");
	ck_assert_str_eq(apierr_code(KALIT_ERR_CHALLENGE_CLIENT),
	    "challenge_client_mismatch");
	ck_assert_str_eq(apierr_code(KALIT_ERR_CERT_KEY_WEAK),
	    "certificate_key_weak");
	ck_assert_uint_eq(apierr_status(KALIT_ERR_CERT_KEY_WEAK), 403);
	ck_assert_str_eq(apierr_code(KALIT_ERR_DB), "server_error");
	ck_assert_str_eq(apierr_code(KALIT_ERR_AUDIT_BROKEN), "server_error");
}
END_TEST

/*
 * Every code is a lowercase name, and one code always comes with one
 * status: a client may act on the code alone.
 */
START_TEST(test_apierr_one_status_a_code)
{
	const char *a;
	int err, other;

	for (err = KALIT_OK; err >= KALIT_ERR__MIN; err--) {
		a = apierr_code(err);
		ck_assert_msg(*a != '\0' && strspn(a,
		    "abcdefghijklmnopqrstuvwxyz_") == strlen(a), "%s: code %s",
		    kalit_errname(err), a);
		for (other = err - 1; other >= KALIT_ERR__MIN; other--)
			if (strcmp(a, apierr_code(other)) == 0)
				ck_assert_msg(apierr_status(err) ==
				    apierr_status(other), "%s: %u and %u", a,
				    apierr_status(err), apierr_status(other));
	}
}
END_TEST

static Suite *
apierr_suite(void)
{
	Suite *s = suite_create("apierr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_apierr_status_of_every_error);
	tcase_add_test(tc, test_apierr_code_of_every_error);
	tcase_add_test(tc, test_apierr_codes_clients_act_on);
	tcase_add_test(tc, test_apierr_one_status_a_code);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_apierr", -1);
	return tu_run(apierr_suite());
}
