/* check_challenge.c: single-use, expiring, unforgeable, bound challenges */
#include "config.h"

#include "testutil.h"
#include "challenge.h"
#include "log.h"

#define LIFE	120
#define T0	1800000000LL	/* a multiple of LIFE: an epoch begins */

static struct challenges *c;
static struct challenge_bind portal;

/* New challenges of LIFE seconds: 1000 used in all, shares as given. */
static struct challenges *
with_shares(size_t per_client, size_t per_address)
{
	struct challenge_limits lim = { LIFE, 1000, per_client, per_address };
	struct challenges *cs;

	ck_assert_err(challenges_new(&lim, &cs), KALIT_OK);
	return cs;
}

static void
setup(void)
{
	c = with_shares(0, 0);
	ck_assert_err(challenge_bind_init(&portal, "portal"), KALIT_OK);
}

static void
teardown(void)
{
	challenges_free(c);
}

static int
consume(const char *s, int64_t now)
{
	int64_t retry;

	return challenge_consume(c, s, strlen(s), &portal, NULL, now, &retry);
}

static void
issue(struct challenges *cs, const struct challenge_bind *b, int64_t now,
    char s[CHALLENGE_LEN + 1])
{
	ck_assert_err(challenge_issue(cs, b, now, s), KALIT_OK);
	ck_assert_uint_eq(strlen(s), CHALLENGE_LEN);
}

/* A fresh challenge of cs bound to b, used at now from from. */
static int
fresh(struct challenges *cs, const struct challenge_bind *b,
    const struct sockaddr *from, int64_t now, int64_t *retryp)
{
	char s[CHALLENGE_LEN + 1];

	issue(cs, b, now, s);
	return challenge_consume(cs, s, CHALLENGE_LEN, b, from, now, retryp);
}

START_TEST(test_challenge_first_use_ok_then_reused)
{
	char s[CHALLENGE_LEN + 1];

	issue(c, &portal, T0, s);
	ck_assert_err(consume(s, T0 + 1), KALIT_OK);
	ck_assert_err(consume(s, T0 + 2), KALIT_ERR_CHALLENGE_REUSED);
	ck_assert_uint_eq(challenges_used(c), 1);
}
END_TEST

START_TEST(test_challenge_distinct_and_urlsafe)
{
	char a[CHALLENGE_LEN + 1], b[CHALLENGE_LEN + 1];

	issue(c, &portal, T0, a);
	issue(c, &portal, T0, b);
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789-_"), CHALLENGE_LEN);
}
END_TEST

START_TEST(test_challenge_expired)
{
	char s[CHALLENGE_LEN + 1];

	issue(c, &portal, T0, s);
	ck_assert_err(consume(s, T0 + LIFE + 1), KALIT_ERR_CHALLENGE_EXPIRED);
	/* At exactly its expiry it is still good. */
	ck_assert_err(consume(s, T0 + LIFE), KALIT_OK);
}
END_TEST

START_TEST(test_challenge_tampered_is_unknown)
{
	char s[CHALLENGE_LEN + 1];
	size_t i;

	issue(c, &portal, T0, s);
	/* Every position: nonce, expiry, tag and MAC are all covered. */
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

	other = with_shares(0, 0);
	issue(other, &portal, T0, s);
	ck_assert_err(consume(s, T0), KALIT_ERR_CHALLENGE_UNKNOWN);
	challenges_free(other);
}
END_TEST

START_TEST(test_challenge_garbage_is_unknown)
{
	static const char *bad[] = { "", "a", "====",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAA",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAA==",
	    "+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAA",
	    " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAA" };
	int64_t retry;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_err(consume(bad[i], T0), KALIT_ERR_CHALLENGE_UNKNOWN);
	ck_assert_err(challenge_consume(c, "AAAA\0AAA", 8, &portal, NULL, T0,
	    &retry), KALIT_ERR_CHALLENGE_UNKNOWN);
}
END_TEST

START_TEST(test_challenge_used_set_is_capped)
{
	struct challenges *small;
	char s[CHALLENGE_LEN + 1];
	int64_t retry;
	int i;

	small = with_shares(0, 0);
	for (i = 0; i < 1000; i++)
		ck_assert_err(fresh(small, &portal, NULL, T0, &retry),
		    KALIT_OK);
	issue(small, &portal, T0, s);
	ck_assert_err(challenge_consume(small, s, CHALLENGE_LEN, &portal,
	    NULL, T0, &retry), KALIT_ERR_BUSY);
	/* The older generation goes when the next epoch begins. */
	ck_assert_int_eq(retry, LIFE);
	/* Two lifetimes later the used ones are forgotten, shard by shard. */
	for (i = 0; i < 64 * 4; i++) {
		char t[CHALLENGE_LEN + 1];

		issue(small, &portal, T0 + 3 * LIFE, t);
		challenge_consume(small, t, CHALLENGE_LEN, &portal, NULL,
		    T0 + 3 * LIFE, &retry);
	}
	ck_assert_uint_lt(challenges_used(small), 1000);
	challenges_free(small);
}
END_TEST

START_TEST(test_challenge_reuse_detected_across_rotation)
{
	char s[CHALLENGE_LEN + 1], t[CHALLENGE_LEN + 1];
	int i;

	issue(c, &portal, T0, s);
	ck_assert_err(consume(s, T0), KALIT_OK);
	/* Force every shard to rotate once, just before s expires. */
	for (i = 0; i < 64 * 8; i++) {
		issue(c, &portal, T0 + LIFE, t);
		consume(t, T0 + LIFE);
	}
	ck_assert_err(consume(s, T0 + LIFE), KALIT_ERR_CHALLENGE_REUSED);
}
END_TEST

START_TEST(test_challenge_bound_to_its_client)
{
	struct challenge_bind other;
	char s[CHALLENGE_LEN + 1];
	int64_t retry;

	ck_assert_err(challenge_bind_init(&other, "other"), KALIT_OK);
	issue(c, &portal, T0, s);
	/* Relayed to another client: refused, and not used up. */
	ck_assert_err(challenge_consume(c, s, CHALLENGE_LEN, &other, NULL, T0,
	    &retry), KALIT_ERR_CHALLENGE_CLIENT);
	ck_assert_uint_eq(challenges_used(c), 0);
	ck_assert_err(consume(s, T0), KALIT_OK);
	ck_assert_err(challenge_consume(c, s, CHALLENGE_LEN, &other, NULL, T0,
	    &retry), KALIT_ERR_CHALLENGE_CLIENT);
}
END_TEST

START_TEST(test_challenge_mismatch_after_mac_and_expiry)
{
	struct challenge_bind other;
	char s[CHALLENGE_LEN + 1];
	int64_t retry;

	ck_assert_err(challenge_bind_init(&other, "other"), KALIT_OK);
	issue(c, &portal, T0, s);
	ck_assert_err(challenge_consume(c, s, CHALLENGE_LEN, &other, NULL,
	    T0 + LIFE + 1, &retry), KALIT_ERR_CHALLENGE_EXPIRED);
	s[40] = s[40] == 'A' ? 'B' : 'A';	/* in the tag: bytes 24 to 35 */
	ck_assert_err(challenge_consume(c, s, CHALLENGE_LEN, &other, NULL, T0,
	    &retry), KALIT_ERR_CHALLENGE_UNKNOWN);
}
END_TEST

/* The browser flow will add fields: each one binds, as the client does. */
START_TEST(test_challenge_bind_more_fields)
{
	static const unsigned char big[CHALLENGE_BIND_MAX];
	struct challenge_bind a, b, plain, run_on;
	char s[CHALLENGE_LEN + 1], t[CHALLENGE_LEN + 1];
	int64_t retry;

	ck_assert_err(challenge_bind_init(&a, "portal"), KALIT_OK);
	ck_assert_err(challenge_bind_add(&a, "origin", "https://a.uz", 12),
	    KALIT_OK);
	ck_assert_err(challenge_bind_init(&b, "portal"), KALIT_OK);
	ck_assert_err(challenge_bind_add(&b, "origin", "https://b.uz", 12),
	    KALIT_OK);
	ck_assert_err(challenge_bind_init(&plain, "portal"), KALIT_OK);
	issue(c, &a, T0, s);
	ck_assert_err(challenge_consume(c, s, CHALLENGE_LEN, &b, NULL, T0,
	    &retry), KALIT_ERR_CHALLENGE_CLIENT);
	ck_assert_err(challenge_consume(c, s, CHALLENGE_LEN, &plain, NULL, T0,
	    &retry), KALIT_ERR_CHALLENGE_CLIENT);
	ck_assert_err(challenge_consume(c, s, CHALLENGE_LEN, &a, NULL, T0,
	    &retry), KALIT_OK);
	/* Fields are framed: "portal" and an empty "x" is not "portalx". */
	ck_assert_err(challenge_bind_add(&plain, "x", "", 0), KALIT_OK);
	ck_assert_err(challenge_bind_init(&run_on, "portalx"), KALIT_OK);
	issue(c, &plain, T0, t);
	ck_assert_err(challenge_consume(c, t, CHALLENGE_LEN, &run_on, NULL, T0,
	    &retry), KALIT_ERR_CHALLENGE_CLIENT);
	ck_assert_err(challenge_bind_add(&a, "big", big, sizeof(big)),
	    KALIT_ERR_TOO_LARGE);
	ck_assert_err(challenge_bind_init(&a, "0123456789012345678901234567"
	    "8901234567890123456789012345678901234"), KALIT_ERR_MALFORMED);
}
END_TEST

START_TEST(test_challenge_client_share)
{
	struct challenge_bind other, origin;
	struct challenges *cs;
	int64_t retry = -1;
	int i;

	cs = with_shares(5, 0);
	ck_assert_err(challenge_bind_init(&other, "other"), KALIT_OK);
	ck_assert_err(challenge_bind_init(&origin, "portal"), KALIT_OK);
	ck_assert_err(challenge_bind_add(&origin, "origin", "x", 1), KALIT_OK);
	for (i = 0; i < 4; i++)
		ck_assert_err(fresh(cs, &portal, NULL, T0, &retry), KALIT_OK);
	ck_assert_int_eq(retry, 0);
	/* Another binding of the same client counts in the same share. */
	ck_assert_err(fresh(cs, &origin, NULL, T0, &retry), KALIT_OK);
	ck_assert_err(fresh(cs, &portal, NULL, T0, &retry),
	    KALIT_ERR_RATE_LIMITED);
	ck_assert_int_eq(retry, 2 * LIFE);
	ck_assert_err(fresh(cs, &origin, NULL, T0 + 7, &retry),
	    KALIT_ERR_RATE_LIMITED);
	ck_assert_int_eq(retry, 2 * LIFE - 7);
	/* Refused ones are not remembered; another client is not refused. */
	ck_assert_uint_eq(challenges_used(cs), 5);
	for (i = 0; i < 5; i++)
		ck_assert_err(fresh(cs, &other, NULL, T0, &retry), KALIT_OK);
	ck_assert_err(fresh(cs, &other, NULL, T0, &retry),
	    KALIT_ERR_RATE_LIMITED);
	challenges_free(cs);
}
END_TEST

START_TEST(test_challenge_address_share)
{
	struct sockaddr_storage ss;
	struct challenges *cs;
	int64_t retry;
	int i;

	cs = with_shares(1000, 3);
	for (i = 0; i < 3; i++)
		ck_assert_err(fresh(cs, &portal, tu_sockaddr("192.0.2.1", &ss),
		    T0, &retry), KALIT_OK);
	ck_assert_err(fresh(cs, &portal, tu_sockaddr("192.0.2.1", &ss), T0,
	    &retry), KALIT_ERR_RATE_LIMITED);
	ck_assert_int_eq(retry, 2 * LIFE);
	/* The same IPv4 address mapped into IPv6 is the same address. */
	ck_assert_err(fresh(cs, &portal, tu_sockaddr("::ffff:192.0.2.1", &ss),
	    T0, &retry), KALIT_ERR_RATE_LIMITED);
	ck_assert_err(fresh(cs, &portal, tu_sockaddr("192.0.2.2", &ss), T0,
	    &retry), KALIT_OK);
	/* Not counted per address when it is not known. */
	ck_assert_err(fresh(cs, &portal, NULL, T0, &retry), KALIT_OK);
	/* IPv6: the /64 is one host. */
	for (i = 0; i < 3; i++) {
		char a[64];

		snprintf(a, sizeof(a), "2001:db8:0:1::%d", i + 1);
		ck_assert_err(fresh(cs, &portal, tu_sockaddr(a, &ss), T0,
		    &retry), KALIT_OK);
	}
	ck_assert_err(fresh(cs, &portal, tu_sockaddr("2001:db8:0:1:ffff::9",
	    &ss), T0, &retry), KALIT_ERR_RATE_LIMITED);
	ck_assert_err(fresh(cs, &portal, tu_sockaddr("2001:db8:0:2::1", &ss),
	    T0, &retry), KALIT_OK);
	ck_assert_uint_eq(challenges_used(cs), 3 + 1 + 1 + 3 + 1);
	challenges_free(cs);
}
END_TEST

/* A use the address's share refuses is taken back from the client's. */
START_TEST(test_challenge_refused_use_takes_no_share)
{
	struct sockaddr_storage ss;
	struct challenges *cs;
	int64_t retry;

	cs = with_shares(2, 1);
	ck_assert_err(fresh(cs, &portal, tu_sockaddr("192.0.2.1", &ss), T0,
	    &retry), KALIT_OK);
	ck_assert_err(fresh(cs, &portal, tu_sockaddr("192.0.2.1", &ss), T0,
	    &retry), KALIT_ERR_RATE_LIMITED);
	ck_assert_err(fresh(cs, &portal, tu_sockaddr("192.0.2.2", &ss), T0,
	    &retry), KALIT_OK);
	ck_assert_err(fresh(cs, &portal, tu_sockaddr("192.0.2.3", &ss), T0,
	    &retry), KALIT_ERR_RATE_LIMITED);
	ck_assert_uint_eq(challenges_used(cs), 2);
	challenges_free(cs);
}
END_TEST

START_TEST(test_challenge_shares_drop_after_expiry)
{
	struct challenges *cs;
	char s[CHALLENGE_LEN + 1];
	int64_t retry;
	int i;

	cs = with_shares(4, 0);
	for (i = 0; i < 4; i++)
		ck_assert_err(fresh(cs, &portal, NULL, T0 + 1, &retry),
		    KALIT_OK);
	/* One lifetime on the used ones are in the older generation... */
	issue(cs, &portal, T0 + LIFE, s);
	ck_assert_err(challenge_consume(cs, s, CHALLENGE_LEN, &portal, NULL,
	    T0 + LIFE, &retry), KALIT_ERR_RATE_LIMITED);
	ck_assert_int_eq(retry, LIFE);
	/* ... which is dropped when they have all expired; s is still good. */
	ck_assert_err(challenge_consume(cs, s, CHALLENGE_LEN, &portal, NULL,
	    T0 + 2 * LIFE, &retry), KALIT_OK);
	for (i = 0; i < 3; i++)
		ck_assert_err(fresh(cs, &portal, NULL, T0 + 2 * LIFE, &retry),
		    KALIT_OK);
	ck_assert_err(fresh(cs, &portal, NULL, T0 + 2 * LIFE, &retry),
	    KALIT_ERR_RATE_LIMITED);
	challenges_free(cs);
}
END_TEST

START_TEST(test_challenge_shares_off)
{
	struct sockaddr_storage ss;
	struct challenges *cs;
	int64_t retry;
	int i;

	cs = with_shares(0, 0);
	for (i = 0; i < 100; i++)
		ck_assert_err(fresh(cs, &portal, tu_sockaddr("192.0.2.1", &ss),
		    T0, &retry), KALIT_OK);
	challenges_free(cs);
}
END_TEST

/* A share full is refused before the cap of all: 429, not 503. */
START_TEST(test_challenge_share_before_global_cap)
{
	struct challenge_bind other;
	struct challenges *cs;
	int64_t retry;
	int i;

	cs = with_shares(1000, 1000);
	ck_assert_err(challenge_bind_init(&other, "other"), KALIT_OK);
	for (i = 0; i < 1000; i++)
		ck_assert_err(fresh(cs, &portal, NULL, T0, &retry), KALIT_OK);
	ck_assert_err(fresh(cs, &portal, NULL, T0, &retry),
	    KALIT_ERR_RATE_LIMITED);
	ck_assert_err(fresh(cs, &other, NULL, T0 + 1, &retry),
	    KALIT_ERR_BUSY);
	ck_assert_int_eq(retry, LIFE - 1);
	/* The refused one took nothing from other's share. */
	ck_assert_uint_eq(challenges_used(cs), 1000);
	challenges_free(cs);
}
END_TEST

START_TEST(test_challenge_request_parse)
{
	static const struct { const char *body; int want; } cases[] = {
		{ "{\"client_id\": \"portal\"}", KALIT_OK },
		{ "{\"client_id\": \"portal\", \"x\": [1]}", KALIT_OK },
		{ "", KALIT_ERR_MALFORMED },
		{ "{}", KALIT_ERR_MALFORMED },
		{ "[\"portal\"]", KALIT_ERR_MALFORMED },
		{ "\"portal\"", KALIT_ERR_MALFORMED },
		{ "{\"client_id\": 1}", KALIT_ERR_MALFORMED },
		{ "{\"client_id\": null}", KALIT_ERR_MALFORMED },
		{ "{\"client_id\": \"a\", \"client_id\": \"portal\"}",
		    KALIT_ERR_MALFORMED },
		{ "{\"client_id\": \"portal\\u0000x\"}", KALIT_ERR_MALFORMED },
		{ "{\"client_id\": \"portal\"} {}", KALIT_ERR_MALFORMED },
		{ "{\"client_id\": \"portal\xff\"}", KALIT_ERR_MALFORMED },
		{ "{\"client_id\": \"0123456789012345678901234567890123456789"
		    "012345678901234567890123\"}", KALIT_OK },
		{ "{\"client_id\": \"0123456789012345678901234567890123456789"
		    "0123456789012345678901234\"}", KALIT_ERR_MALFORMED },
	};
	char id[STORE_CLIENT_ID_MAX + 1], *big;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(challenge_request_parse(cases[i].body,
		    strlen(cases[i].body), id) == cases[i].want, "%s",
		    cases[i].body);
	ck_assert_err(challenge_request_parse(cases[0].body,
	    strlen(cases[0].body), id), KALIT_OK);
	ck_assert_str_eq(id, "portal");
	ck_assert_err(challenge_request_parse(NULL, 0, id),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_nonnull(big = malloc(CHALLENGE_REQUEST_MAX + 2));
	memset(big, ' ', CHALLENGE_REQUEST_MAX + 1);
	memcpy(big, cases[0].body, strlen(cases[0].body));
	ck_assert_err(challenge_request_parse(big, CHALLENGE_REQUEST_MAX, id),
	    KALIT_OK);
	ck_assert_err(challenge_request_parse(big, CHALLENGE_REQUEST_MAX + 1,
	    id), KALIT_ERR_MALFORMED);
	free(big);
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
	tcase_add_test(tc, test_challenge_bound_to_its_client);
	tcase_add_test(tc, test_challenge_mismatch_after_mac_and_expiry);
	tcase_add_test(tc, test_challenge_bind_more_fields);
	tcase_add_test(tc, test_challenge_client_share);
	tcase_add_test(tc, test_challenge_address_share);
	tcase_add_test(tc, test_challenge_refused_use_takes_no_share);
	tcase_add_test(tc, test_challenge_shares_drop_after_expiry);
	tcase_add_test(tc, test_challenge_shares_off);
	tcase_add_test(tc, test_challenge_share_before_global_cap);
	tcase_add_test(tc, test_challenge_request_parse);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_challenge", -1);
	return tu_run(challenge_suite());
}
