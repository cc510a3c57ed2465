/* check_err.c: unit tests for err.c */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "err.h"
#include "testutil.h"

START_TEST(test_err_names_distinct_and_wellformed)
{
	int a, b;
	const char *n, *p;

	for (a = KALIT_ERR__MIN; a <= 0; a++) {
		n = kalit_errname(a);
		ck_assert_ptr_nonnull(n);
		ck_assert_msg(*n != '\0', "code %d has an empty name", a);
		for (p = n; *p != '\0'; p++)
			ck_assert_msg((*p >= 'a' && *p <= 'z') || *p == '_',
			    "code %d: name \"%s\" is not [a-z_]", a, n);
		for (b = a + 1; b <= 0; b++)
			ck_assert_msg(strcmp(n, kalit_errname(b)) != 0,
			    "codes %d and %d share the name \"%s\"", a, b, n);
	}
}
END_TEST

START_TEST(test_err_known_names)
{
	ck_assert_str_eq(kalit_errname(KALIT_OK), "ok");
	ck_assert_str_eq(kalit_errname(KALIT_ERR_NOMEM), "out_of_memory");
	ck_assert_str_eq(kalit_errname(KALIT_ERR_INTERNAL), "internal_error");
	ck_assert_str_eq(kalit_errname(KALIT_ERR_PINFL), "pinfl_invalid");
	ck_assert_str_eq(kalit_errname(KALIT_ERR_TIN), "tin_invalid");
	ck_assert_str_eq(kalit_errname(KALIT_ERR_PASSPHRASE),
	    "passphrase_wrong");
	ck_assert_str_eq(kalit_errname(KALIT_ERR_AUDIT_BROKEN),
	    "audit_chain_broken");
	ck_assert_str_eq(kalit_errname(KALIT_ERR_DUPLICATE), "duplicate");
	ck_assert_str_eq(kalit_errname(KALIT_ERR_ALREADY_ON_HOLD),
	    "already_on_hold");
	ck_assert_str_eq(kalit_errname(KALIT_ERR_CA_REVOKED), "ca_revoked");
	/* the table reaches the last code (err.c also asserts it at build) */
	ck_assert_str_ne(kalit_errname(KALIT_ERR__MIN), "internal_error");
}
END_TEST

START_TEST(test_err_strerror_nonempty)
{
	int e;
	const char *t;

	for (e = KALIT_ERR__MIN; e <= 0; e++) {
		t = kalit_strerror(e);
		ck_assert_ptr_nonnull(t);
		ck_assert_msg(strlen(t) > 3, "code %d: empty text", e);
	}
	ck_assert_str_eq(kalit_strerror(KALIT_OK), "success");
}
END_TEST

START_TEST(test_err_out_of_range_is_internal)
{
	static const int bad[] = { 1, 42, INT_MAX, KALIT_ERR__MIN - 1, -1000,
	    INT_MIN };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_str_eq(kalit_errname(bad[i]), "internal_error");
		ck_assert_str_eq(kalit_strerror(bad[i]),
		    kalit_strerror(KALIT_ERR_INTERNAL));
		ck_assert_int_eq(kalit_exit_status(bad[i]), 70);
	}
}
END_TEST

START_TEST(test_err_exit_status)
{
	int e;

	ck_assert_int_eq(kalit_exit_status(KALIT_OK), 0);
	for (e = KALIT_ERR__MIN; e < 0; e++) {
		int st = kalit_exit_status(e);

		ck_assert_msg(st > 0 && st < 126, "code %d: exit status %d",
		    e, st);
	}
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_NOMEM), 70);
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_INTERNAL), 70);
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_USAGE), 1);
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_PINFL), 2);
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_MALFORMED), 2);
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_FILE_EXISTS), 3);
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_SERIAL_UNKNOWN), 3);
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_PASSPHRASE), 4);
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_PASSPHRASE_MISSING), 4);
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_IO), 5);
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_DB), 5);
	ck_assert_int_eq(kalit_exit_status(KALIT_ERR_AUDIT_BROKEN), 6);
}
END_TEST

static Suite *
err_suite(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_err_names_distinct_and_wellformed);
	tcase_add_test(tc, test_err_known_names);
	tcase_add_test(tc, test_err_strerror_nonempty);
	tcase_add_test(tc, test_err_out_of_range_is_internal);
	tcase_add_test(tc, test_err_exit_status);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(err_suite());
}
