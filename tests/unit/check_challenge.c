/* check_challenge.c: single-use, expiring, unforgeable login challenges */
#include "testutil.h"
#include "challenge.h"
#include "log.h"

#define LIFE	120
#define T0	1800000000LL

static struct challenges *c;

static void
setup(void)
{
	ck_assert_err(challenges_new(LIFE, 1000, &c), KALIT_OK);
}

static void
teardown(void)
{
	challenges_free(c);
}

static int
consume(const char *s, int64_t now)
{
	return challenge_consume(c, s, strlen(s), now);
}

START_TEST(test_challenge_first_use_ok_then_reused)
{
	char s[CHALLENGE_LEN + 1];

	ck_assert_err(challenge_issue(c, T0, s), KALIT_OK);
	ck_assert_int_eq(strlen(s), CHALLENGE_LEN);
	ck_assert_err(consume(s, T0 + 1), KALIT_OK);
	ck_assert_err(consume(s, T0 + 2), KALIT_ERR_CHALLENGE_REUSED);
	ck_assert_uint_eq(challenges_used(c), 1);
}
END_TEST

START_TEST(test_challenge_distinct_and_urlsafe)
{
	char a[CHALLENGE_LEN + 1], b[CHALLENGE_LEN + 1];

	ck_assert_err(challenge_issue(c, T0, a), KALIT_OK);
	ck_assert_err(challenge_issue(c, T0, b), KALIT_OK);
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789-_"), CHALLENGE_LEN);
}
END_TEST

START_TEST(test_challenge_expired)
{
	char s[CHALLENGE_LEN + 1];

	ck_assert_err(challenge_issue(c, T0, s), KALIT_OK);
	ck_assert_err(consume(s, T0 + LIFE + 1), KALIT_ERR_CHALLENGE_EXPIRED);
	/* At exactly its expiry it is still good. */
	ck_assert_err(consume(s, T0 + LIFE), KALIT_OK);
}
END_TEST

START_TEST(test_challenge_tampered_is_unknown)
{
	char s[CHALLENGE_LEN + 1];
	size_t i;

	ck_assert_err(challenge_issue(c, T0, s), KALIT_OK);
	/* Every position: nonce, expiry and MAC are all covered. */
	for (i = 0; i < CHALLENGE_LEN; i++) {
		char t[CHALLENGE_LEN + 1];

		memcpy(t, s, sizeof(t));
		t[i] = t[i] == 'A' ? 'B' : 'A';
		ck_assert_err(consume(t, T0), KALIT_ERR_CHALLENGE_UNKNOWN);
	}
	ck_assert_err(consume(s, T0), KALIT_OK);
}
END_TEST

START_TEST(test_challenge_other_server_is_unknown)
{
	struct challenges *other;
	char s[CHALLENGE_LEN + 1];

	ck_assert_err(challenges_new(LIFE, 1000, &other), KALIT_OK);
	ck_assert_err(challenge_issue(other, T0, s), KALIT_OK);
	ck_assert_err(consume(s, T0), KALIT_ERR_CHALLENGE_UNKNOWN);
	challenges_free(other);
}
END_TEST

START_TEST(test_challenge_garbage_is_unknown)
{
	static const char *bad[] = { "", "a", "====",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
	    "+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_err(consume(bad[i], T0), KALIT_ERR_CHALLENGE_UNKNOWN);
	ck_assert_err(challenge_consume(c, "AAAA\0AAA", 8, T0),
	    KALIT_ERR_CHALLENGE_UNKNOWN);
}
END_TEST

START_TEST(test_challenge_used_set_is_capped)
{
	struct challenges *small;
	char s[CHALLENGE_LEN + 1];
	int i;

	ck_assert_err(challenges_new(LIFE, 1000, &small), KALIT_OK);
	for (i = 0; i < 1000; i++) {
		ck_assert_err(challenge_issue(small, T0, s), KALIT_OK);
		ck_assert_err(challenge_consume(small, s, CHALLENGE_LEN, T0),
		    KALIT_OK);
	}
	ck_assert_err(challenge_issue(small, T0, s), KALIT_OK);
	ck_assert_err(challenge_consume(small, s, CHALLENGE_LEN, T0),
	    KALIT_ERR_BUSY);
	/* Two lifetimes later the used ones are forgotten, shard by shard. */
	for (i = 0; i < 64 * 4; i++) {
		char t[CHALLENGE_LEN + 1];

		ck_assert_err(challenge_issue(small, T0 + 3 * LIFE, t),
		    KALIT_OK);
		challenge_consume(small, t, CHALLENGE_LEN, T0 + 3 * LIFE);
	}
	ck_assert_uint_lt(challenges_used(small), 1000);
	challenges_free(small);
}
END_TEST

START_TEST(test_challenge_reuse_detected_across_rotation)
{
	char s[CHALLENGE_LEN + 1], t[CHALLENGE_LEN + 1];
	int i;

	ck_assert_err(challenge_issue(c, T0, s), KALIT_OK);
	ck_assert_err(consume(s, T0), KALIT_OK);
	/* Force every shard to rotate once, just before s expires. */
	for (i = 0; i < 64 * 8; i++) {
		ck_assert_err(challenge_issue(c, T0 + LIFE, t), KALIT_OK);
		consume(t, T0 + LIFE);
	}
	ck_assert_err(consume(s, T0 + LIFE), KALIT_ERR_CHALLENGE_REUSED);
}
END_TEST

static Suite *
challenge_suite(void)
{
	Suite *s = suite_create("challenge");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_challenge_first_use_ok_then_reused);
	tcase_add_test(tc, test_challenge_distinct_and_urlsafe);
	tcase_add_test(tc, test_challenge_expired);
	tcase_add_test(tc, test_challenge_tampered_is_unknown);
	tcase_add_test(tc, test_challenge_other_server_is_unknown);
	tcase_add_test(tc, test_challenge_garbage_is_unknown);
	tcase_add_test(tc, test_challenge_used_set_is_capped);
	tcase_add_test(tc, test_challenge_reuse_detected_across_rotation);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_challenge", -1);
	return tu_run(challenge_suite());
}
