/* check_log.c: unit tests for log.c */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "log.h"
#include "testutil.h"

static char tmpdir[PATH_MAX];
static char logpath[PATH_MAX];
static int saved_stderr = -1;

static void
setup(void)
{
	int fd;

	tu_mkdtemp(tmpdir, sizeof(tmpdir));
	tu_path(logpath, sizeof(logpath), tmpdir, "stderr");
	fflush(stderr);
	ck_assert_int_ge(saved_stderr = dup(STDERR_FILENO), 0);
	ck_assert_int_ge(fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC,
	    0600), 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

static void
teardown(void)
{
	fflush(stderr);
	if (saved_stderr != -1) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
	tu_rmdir(tmpdir);
}

/* What was written to stderr so far; caller frees. */
static char *
captured(void)
{
	fflush(stderr);
	return tu_read_file(logpath, NULL);
}

/* Makes OpenSSL queue at least one error. */
static void
queue_ssl_error(void)
{
	static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01 };
	const unsigned char *p = junk;

	ERR_clear_error();
	ck_assert_ptr_null(d2i_X509(NULL, &p, sizeof(junk)));
	ck_assert_uint_ne(ERR_peek_error(), 0);
}

START_TEST(test_log_msg_respects_level)
{
	char *out;

	log_init("tprog", LOG_LEVEL_WARN);
	log_msg(LOG_LEVEL_INFO, "hidden info %d", 1);
	log_msg(LOG_LEVEL_DEBUG, "hidden debug");
	log_msg(LOG_LEVEL_WARN, "shown warn %d", 7);
	log_msg(LOG_LEVEL_ERROR, "shown error %s", "x");
	out = captured();
	ck_assert_str_eq(out, "tprog: shown warn 7\ntprog: shown error x\n");
	free(out);
}
END_TEST

START_TEST(test_log_msg_debug_level_shows_all)
{
	char *out;

	log_init("p", LOG_LEVEL_DEBUG);
	log_msg(LOG_LEVEL_DEBUG, "d");
	log_msg(LOG_LEVEL_INFO, "i");
	out = captured();
	ck_assert_str_eq(out, "p: d\np: i\n");
	free(out);
}
END_TEST

START_TEST(test_log_msg_error_level_only_errors)
{
	char *out;

	log_init("p", LOG_LEVEL_ERROR);
	log_msg(LOG_LEVEL_WARN, "w");
	log_msg(LOG_LEVEL_ERROR, "e");
	out = captured();
	ck_assert_str_eq(out, "p: e\n");
	free(out);
}
END_TEST

START_TEST(test_log_ssl_prints_and_clears_queue)
{
	char *out;

	log_init("tprog", LOG_LEVEL_ERROR);
	queue_ssl_error();
	log_ssl(LOG_LEVEL_ERROR, "d2i_X509");
	ck_assert_uint_eq(ERR_peek_error(), 0);
	out = captured();
	ck_assert_msg(strncmp(out, "tprog: d2i_X509: error:", 23) == 0,
	    "unexpected output \"%s\"", out);
	free(out);
}
END_TEST

START_TEST(test_log_ssl_disabled_level_still_clears_queue)
{
	char *out;

	log_init("tprog", LOG_LEVEL_ERROR);
	queue_ssl_error();
	log_ssl(LOG_LEVEL_DEBUG, "d2i_X509");
	ck_assert_uint_eq(ERR_peek_error(), 0);
	out = captured();
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(test_log_ssl_empty_queue_prints_nothing)
{
	char *out;

	log_init("tprog", LOG_LEVEL_DEBUG);
	ERR_clear_error();
	log_ssl(LOG_LEVEL_ERROR, "nothing");
	out = captured();
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_log_msg_respects_level);
	tcase_add_test(tc, test_log_msg_debug_level_shows_all);
	tcase_add_test(tc, test_log_msg_error_level_only_errors);
	tcase_add_test(tc, test_log_ssl_prints_and_clears_queue);
	tcase_add_test(tc, test_log_ssl_disabled_level_still_clears_queue);
	tcase_add_test(tc, test_log_ssl_empty_queue_prints_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(log_suite());
}
