/* check_log.c: unit tests for log.c */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
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

START_TEST(test_log_msg_escapes_control_characters)
{
	char *out;

	log_init("p", LOG_LEVEL_INFO);
	log_msg(LOG_LEVEL_INFO, "client %s", "a\nkalitd: login ok\r\t\033[2J");
	out = captured();
	ck_assert_str_eq(out,
	    "p: client a\\x0akalitd: login ok\\x0d\\x09\\x1b[2J\n");
	free(out);
}
END_TEST

START_TEST(test_log_msg_escapes_bidi_and_c1_controls)
{
	char *out;

	log_init("p", LOG_LEVEL_INFO);
	/* U+202E RIGHT-TO-LEFT OVERRIDE, U+2066, U+200F, U+0085 (C1 NEL) */
	log_msg(LOG_LEVEL_INFO, "url %s",
	    "http://x/\xe2\x80\xaegpj.exe\xe2\x81\xa6\xe2\x80\x8f\xc2\x85");
	out = captured();
	ck_assert_str_eq(out, "p: url http://x/\\xe2\\x80\\xaegpj.exe"
	    "\\xe2\\x81\\xa6\\xe2\\x80\\x8f\\xc2\\x85\n");
	free(out);
}
END_TEST

START_TEST(test_log_msg_escapes_invalid_utf8_keeps_valid)
{
	char *out;

	log_init("p", LOG_LEVEL_INFO);
	/* O with macron and a Cyrillic letter stay; a lone lead byte, a bare
	 * continuation byte, an overlong '/' and a surrogate do not */
	log_msg(LOG_LEVEL_INFO, "%s|%s|%s|%s|%s", "\xc5\x8c\xd0\x96",
	    "\xc3", "\x80", "\xc0\xaf", "\xed\xa0\x80");
	out = captured();
	ck_assert_str_eq(out, "p: \xc5\x8c\xd0\x96|\\xc3|\\x80|\\xc0\\xaf|"
	    "\\xed\\xa0\\x80\n");
	free(out);
}
END_TEST

START_TEST(test_log_msg_escapes_backslash)
{
	char *out;

	log_init("p", LOG_LEVEL_INFO);
	log_msg(LOG_LEVEL_INFO, "id %s", "a\\x0ab");
	out = captured();
	ck_assert_str_eq(out, "p: id a\\\\x0ab\n");
	free(out);
}
END_TEST

START_TEST(test_log_msg_long_line_cut_to_one_line)
{
	char big[LOG_LINE_MAX * 2], *out;
	size_t n;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[LOG_LINE_MAX - 10] = '\n';
	log_init("p", LOG_LEVEL_INFO);
	log_msg(LOG_LEVEL_INFO, "%s", big);
	out = captured();
	n = strlen(out);
	ck_assert_uint_lt(n, LOG_LINE_MAX + 16);
	ck_assert_ptr_eq(strchr(out, '\n'), out + n - 1);
	ck_assert_str_eq(out + n - 4, "...\n");
	ck_assert_ptr_nonnull(strstr(out, "a\\x0aa"));
	free(out);
}
END_TEST

#define NTHREADS	4
#define NLINES		2000

static void *
log_many(void *arg)
{
	int t = *(int *)arg, i;

	for (i = 0; i < NLINES; i++)
		log_msg(LOG_LEVEL_INFO, "thread %d line %d of many", t, i);
	return NULL;
}

START_TEST(test_log_msg_threads_never_interleave)
{
	pthread_t th[NTHREADS];
	int id[NTHREADS], seen[NTHREADS] = { 0 }, t, i, n = 0;
	char *out, *line, *save = NULL;

	log_init("kalitd", LOG_LEVEL_INFO);
	for (t = 0; t < NTHREADS; t++) {
		id[t] = t;
		ck_assert_int_eq(pthread_create(&th[t], NULL, log_many, &id[t]),
		    0);
	}
	for (t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	out = captured();
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++) {
		char rest[16];

		ck_assert_msg(sscanf(line, "kalitd: thread %d line %d of %15s",
		    &t, &i, rest) == 3 && strcmp(rest, "many") == 0 &&
		    t >= 0 && t < NTHREADS && i == seen[t],
		    "line %d mixed up: \"%.80s\"", n, line);
		seen[t]++;
	}
	ck_assert_int_eq(n, NTHREADS * NLINES);
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
	tcase_add_test(tc, test_log_msg_escapes_control_characters);
	tcase_add_test(tc, test_log_msg_escapes_bidi_and_c1_controls);
	tcase_add_test(tc, test_log_msg_escapes_invalid_utf8_keeps_valid);
	tcase_add_test(tc, test_log_msg_escapes_backslash);
	tcase_add_test(tc, test_log_msg_long_line_cut_to_one_line);
	tcase_add_test(tc, test_log_msg_threads_never_interleave);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(log_suite());
}
