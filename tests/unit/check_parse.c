/* check_parse.c: strict numbers and dates from command lines and config */
#include "config.h"

#include "testutil.h"
#include "parse.h"

#include <stdint.h>

/* What *out holds before a call that must leave it alone. */
#define UNTOUCHED	0x5a5a5a5a

/* parse_i64(s, min, max) succeeds with want. */
static void
accept64(const char *s, int64_t min, int64_t max, int64_t want)
{
	int64_t out = UNTOUCHED;

	ck_assert_msg(parse_i64(s, min, max, &out) == 1,
	    "parse_i64(\"%s\", %lld, %lld) refused", s, (long long)min,
	    (long long)max);
	ck_assert_msg(out == want, "parse_i64(\"%s\"): got %lld, want %lld",
	    s, (long long)out, (long long)want);
}

/* parse_i64(s, min, max) fails and leaves *out alone. */
static void
refuse64(const char *s, int64_t min, int64_t max)
{
	int64_t out = UNTOUCHED;

	ck_assert_msg(parse_i64(s, min, max, &out) == 0,
	    "parse_i64(\"%s\", %lld, %lld) accepted", s, (long long)min,
	    (long long)max);
	ck_assert_msg(out == UNTOUCHED, "parse_i64(\"%s\") wrote *out", s);
}

static void
accept_int(const char *s, int min, int max, int want)
{
	int out = UNTOUCHED;

	ck_assert_msg(parse_int(s, min, max, &out) == 1,
	    "parse_int(\"%s\", %d, %d) refused", s, min, max);
	ck_assert_msg(out == want, "parse_int(\"%s\"): got %d, want %d", s,
	    out, want);
}

static void
refuse_int(const char *s, int min, int max)
{
	int out = UNTOUCHED;

	ck_assert_msg(parse_int(s, min, max, &out) == 0,
	    "parse_int(\"%s\", %d, %d) accepted", s, min, max);
	ck_assert_msg(out == UNTOUCHED, "parse_int(\"%s\") wrote *out", s);
}

/* Not numbers, or not only a number: refused whatever the range. */
static const char *const malformed[] = {
	"", "1 ", "1x", "0x10", "+", "-", "--1", "1.0", "1e3", "x",
};

/* strtoll() skips leading white space; a strict parser must not. */
static const char *const leading_space[] = {
	" 1", "\t1", "\n1", " -1",
};

START_TEST(test_parse_i64_accepts_in_range)
{
	accept64("0", -10, 10, 0);
	accept64("-5", -10, 10, -5);
	accept64("7", -10, 10, 7);
	accept64("0", INT64_MIN, INT64_MAX, 0);
	accept64("-5", INT64_MIN, INT64_MAX, -5);
}
END_TEST

START_TEST(test_parse_i64_accepts_min_and_max)
{
	accept64("-10", -10, 10, -10);
	accept64("10", -10, 10, 10);
	accept64("3", 3, 3, 3);
	accept64("-9223372036854775808", INT64_MIN, INT64_MAX, INT64_MIN);
	accept64("9223372036854775807", INT64_MIN, INT64_MAX, INT64_MAX);
}
END_TEST

START_TEST(test_parse_i64_refuses_malformed)
{
	size_t i;

	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		refuse64(malformed[i], INT64_MIN, INT64_MAX);
}
END_TEST

START_TEST(test_parse_i64_refuses_leading_space)
{
	size_t i;

	for (i = 0; i < sizeof(leading_space) / sizeof(leading_space[0]); i++)
		refuse64(leading_space[i], INT64_MIN, INT64_MAX);
}
END_TEST

START_TEST(test_parse_i64_refuses_out_of_range)
{
	refuse64("-11", -10, 10);
	refuse64("11", -10, 10);
	refuse64("2", 3, 3);
	refuse64("4", 3, 3);
	refuse64("0", 1, INT64_MAX);
}
END_TEST

START_TEST(test_parse_i64_refuses_overflow)
{
	refuse64("99999999999999999999", INT64_MIN, INT64_MAX);
	refuse64("-99999999999999999999", INT64_MIN, INT64_MAX);
	refuse64("9223372036854775808", INT64_MIN, INT64_MAX);
	refuse64("-9223372036854775809", INT64_MIN, INT64_MAX);
}
END_TEST

START_TEST(test_parse_int_accepts_in_range)
{
	accept_int("0", -10, 10, 0);
	accept_int("-5", -10, 10, -5);
	accept_int("0", INT_MIN, INT_MAX, 0);
	accept_int("-5", INT_MIN, INT_MAX, -5);
}
END_TEST

START_TEST(test_parse_int_accepts_min_and_max)
{
	accept_int("-10", -10, 10, -10);
	accept_int("10", -10, 10, 10);
	accept_int("-2147483648", INT_MIN, INT_MAX, INT_MIN);
	accept_int("2147483647", INT_MIN, INT_MAX, INT_MAX);
}
END_TEST

START_TEST(test_parse_int_refuses_malformed)
{
	size_t i;

	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		refuse_int(malformed[i], INT_MIN, INT_MAX);
}
END_TEST

START_TEST(test_parse_int_refuses_leading_space)
{
	size_t i;

	for (i = 0; i < sizeof(leading_space) / sizeof(leading_space[0]); i++)
		refuse_int(leading_space[i], INT_MIN, INT_MAX);
}
END_TEST

START_TEST(test_parse_int_refuses_out_of_range)
{
	refuse_int("-11", -10, 10);
	refuse_int("11", -10, 10);
	/* beyond int, though within int64_t: never truncated into range */
	refuse_int("-2147483649", INT_MIN, INT_MAX);
	refuse_int("2147483648", INT_MIN, INT_MAX);
	refuse_int("4294967296", INT_MIN, INT_MAX);
}
END_TEST

START_TEST(test_parse_int_refuses_overflow)
{
	refuse_int("99999999999999999999", INT_MIN, INT_MAX);
	refuse_int("-99999999999999999999", INT_MIN, INT_MAX);
}
END_TEST

START_TEST(test_parse_time_accepts_dates)
{
	int64_t t = UNTOUCHED;

	ck_assert_int_eq(parse_time("1970-01-01", &t), 1);
	ck_assert(t == 0);
	ck_assert_int_eq(parse_time("2026-11-23", &t), 1);
	ck_assert(t == INT64_C(1795392000));
	ck_assert_int_eq(parse_time("2026-11-23T10:00:00Z", &t), 1);
	ck_assert(t == INT64_C(1795392000) + 36000);
	ck_assert_int_eq(parse_time("2024-02-29T23:59:59Z", &t), 1);
	ck_assert(t == INT64_C(1709251199));
}
END_TEST

START_TEST(test_parse_time_refuses_others)
{
	static const char *const bad[] = { "", "2026-11-23 ", " 2026-11-23",
	    "2026-11-23T10:00:00", "2026-11-23T10:00:00+05:00",
	    "2026-11-23T10:00Z", "2026-1-23", "26-11-23", "2026/11/23",
	    "2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10",
	    "2026-11-23T24:00:00Z", "2026-11-23T10:60:00Z", "1969-12-31",
	    "+2026-11-23", "2026-11-2x", "2026-11-23T1:00:00Zx",
	    "1795392000" };
	int64_t t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = UNTOUCHED;
		ck_assert_msg(parse_time(bad[i], &t) == 0, "\"%s\" accepted",
		    bad[i]);
		ck_assert(t == UNTOUCHED);
	}
}
END_TEST

START_TEST(test_parse_bytes_units)
{
	int64_t out = 0;

	ck_assert_int_eq(parse_bytes("4096", 0, INT64_MAX, &out), 1);
	ck_assert_int_eq(out, 4096);
	ck_assert_int_eq(parse_bytes("64K", 0, INT64_MAX, &out), 1);
	ck_assert_int_eq(out, 65536);
	ck_assert_int_eq(parse_bytes("64M", 0, INT64_MAX, &out), 1);
	ck_assert_int_eq(out, (int64_t)64 << 20);
	ck_assert_int_eq(parse_bytes("3G", 0, INT64_MAX, &out), 1);
	ck_assert_int_eq(out, (int64_t)3 << 30);
	ck_assert_int_eq(parse_bytes("0", 0, INT64_MAX, &out), 1);
	ck_assert_int_eq(out, 0);
}
END_TEST

START_TEST(test_parse_bytes_refuses)
{
	static const char *const bad[] = {
		"", "K", "1k", "1 K", " 1K", "1KB", "1T", "-1K", "1.5M", "M1",
		"1KK", "99999999999999999999", "9223372036854775807K",
	};
	int64_t out = 7;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_bytes(bad[i], 0, INT64_MAX, &out) == 0,
		    "parse_bytes(\"%s\") accepted", bad[i]);
	ck_assert_int_eq(parse_bytes("2M", 0, 1 << 20, &out), 0);
	ck_assert_int_eq(parse_bytes("1K", 2048, INT64_MAX, &out), 0);
	ck_assert_int_eq(out, 7);
}
END_TEST

static Suite *
parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_i64_accepts_in_range);
	tcase_add_test(tc, test_parse_i64_accepts_min_and_max);
	tcase_add_test(tc, test_parse_i64_refuses_malformed);
	tcase_add_test(tc, test_parse_i64_refuses_leading_space);
	tcase_add_test(tc, test_parse_i64_refuses_out_of_range);
	tcase_add_test(tc, test_parse_i64_refuses_overflow);
	tcase_add_test(tc, test_parse_int_accepts_in_range);
	tcase_add_test(tc, test_parse_int_accepts_min_and_max);
	tcase_add_test(tc, test_parse_int_refuses_malformed);
	tcase_add_test(tc, test_parse_int_refuses_leading_space);
	tcase_add_test(tc, test_parse_int_refuses_out_of_range);
	tcase_add_test(tc, test_parse_int_refuses_overflow);
	tcase_add_test(tc, test_parse_time_accepts_dates);
	tcase_add_test(tc, test_parse_time_refuses_others);
	tcase_add_test(tc, test_parse_bytes_units);
	tcase_add_test(tc, test_parse_bytes_refuses);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(parse_suite());
}
