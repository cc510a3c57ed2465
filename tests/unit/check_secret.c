/* check_secret.c: unit tests for secret.c */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "secret.h"
#include "testutil.h"

/* "file:DIR/name" holding len bytes of content. */
static void
file_spec(char *spec, size_t speclen, const char *name, const char *content,
    size_t len)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), tu_dir, name);
	tu_write_file(path, content, len);
	ck_assert_int_lt(snprintf(spec, speclen, "file:%s", path),
	    (int)speclen);
}

/* "fd:N" for the read end of a pipe holding content (writer closed). */
static int
pipe_spec(char *spec, size_t speclen, const char *content, size_t len)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], content, len), (ssize_t)len);
	close(p[1]);
	snprintf(spec, speclen, "fd:%d", p[0]);
	return p[0];
}

/* A string of n copies of c; caller frees. */
static char *
repeat(char c, size_t n)
{
	char *s;

	ck_assert_ptr_nonnull(s = malloc(n + 1));
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* A file: passphrase's contents, and what secret_read() makes of them. */
static const struct {
	const char	*content;
	size_t		 len;
	int		 want;
	const char	*secret;	/* with KALIT_OK */
} file_cases[] = {
	{ "s3cret\nsecond line\n", 19, KALIT_OK, "s3cret" },
	{ "s3cret\r\n", 8, KALIT_OK, "s3cret" },
	{ "with space ", 11, KALIT_OK, "with space " },	/* no newline */
	{ "", 0, KALIT_ERR_PASSPHRASE_MISSING, NULL },
	{ "\nsecond\n", 8, KALIT_ERR_PASSPHRASE_MISSING, NULL },
	{ "\r\n", 2, KALIT_ERR_PASSPHRASE_MISSING, NULL },
};

/* The first line, without its CR LF or LF; an empty one is none. */
START_TEST(test_secret_file_first_line)
{
	char spec[2 * PATH_MAX], *s = (char *)"sentinel";

	file_spec(spec, sizeof(spec), "pw", file_cases[_i].content,
	    file_cases[_i].len);
	ck_assert_err(secret_read(spec, "passphrase", 0, &s),
	    file_cases[_i].want);
	if (file_cases[_i].secret != NULL)
		ck_assert_str_eq(s, file_cases[_i].secret);
	else
		ck_assert_ptr_null(s);
	secret_free(s);
}
END_TEST

START_TEST(test_secret_file_missing_is_io)
{
	char spec[2 * PATH_MAX], *s = NULL;

	snprintf(spec, sizeof(spec), "file:%s/none", tu_dir);
	ck_assert_err(secret_read(spec, "passphrase", 0, &s), KALIT_ERR_IO);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_secret_file_max_length)
{
	char spec[2 * PATH_MAX], *s = NULL, *v;

	v = repeat('a', SECRET_MAX);
	file_spec(spec, sizeof(spec), "max", v, SECRET_MAX);
	ck_assert_err(secret_read(spec, "passphrase", 0, &s), KALIT_OK);
	ck_assert_uint_eq(strlen(s), SECRET_MAX);
	secret_free(s);
	free(v);
	v = repeat('a', SECRET_MAX + 1);
	file_spec(spec, sizeof(spec), "long", v, SECRET_MAX + 1);
	s = NULL;
	ck_assert_err(secret_read(spec, "passphrase", 0, &s),
	    KALIT_ERR_TOO_LARGE);
	ck_assert_ptr_null(s);
	free(v);
}
END_TEST

START_TEST(test_secret_env)
{
	char *s = NULL;

	ck_assert_int_eq(setenv("KALIT_TEST_PASS", "from env", 1), 0);
	ck_assert_err(secret_read("env:KALIT_TEST_PASS", "passphrase", 0, &s),
	    KALIT_OK);
	ck_assert_str_eq(s, "from env");
	secret_free(s);
}
END_TEST

START_TEST(test_secret_env_unset_is_missing)
{
	char *s = NULL;

	unsetenv("KALIT_TEST_NOT_SET");
	ck_assert_err(secret_read("env:KALIT_TEST_NOT_SET", "passphrase", 0,
	    &s), KALIT_ERR_PASSPHRASE_MISSING);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_secret_env_empty_is_missing)
{
	char *s = NULL;

	ck_assert_int_eq(setenv("KALIT_TEST_EMPTY", "", 1), 0);
	ck_assert_err(secret_read("env:KALIT_TEST_EMPTY", "passphrase", 0, &s),
	    KALIT_ERR_PASSPHRASE_MISSING);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_secret_env_too_long)
{
	char *s = NULL, *v;

	v = repeat('b', SECRET_MAX);
	ck_assert_int_eq(setenv("KALIT_TEST_LONG", v, 1), 0);
	ck_assert_err(secret_read("env:KALIT_TEST_LONG", "passphrase", 0, &s),
	    KALIT_OK);
	ck_assert_str_eq(s, v);
	secret_free(s);
	free(v);
	v = repeat('b', SECRET_MAX + 1);
	ck_assert_int_eq(setenv("KALIT_TEST_LONG", v, 1), 0);
	s = NULL;
	ck_assert_err(secret_read("env:KALIT_TEST_LONG", "passphrase", 0, &s),
	    KALIT_ERR_TOO_LARGE);
	ck_assert_ptr_null(s);
	free(v);
}
END_TEST

START_TEST(test_secret_fd_pipe)
{
	char spec[32], *s = NULL;
	int fd;

	fd = pipe_spec(spec, sizeof(spec), "piped pass\r\nrest", 16);
	ck_assert_err(secret_read(spec, "passphrase", 0, &s), KALIT_OK);
	ck_assert_str_eq(s, "piped pass");
	secret_free(s);
	/* the descriptor stays open and positioned after the first line */
	s = NULL;
	ck_assert_err(secret_read(spec, "passphrase", 0, &s), KALIT_OK);
	ck_assert_str_eq(s, "rest");
	secret_free(s);
	close(fd);
}
END_TEST

START_TEST(test_secret_fd_too_long)
{
	char spec[32], *s = NULL, *v;
	int fd;

	v = repeat('c', SECRET_MAX + 10);
	fd = pipe_spec(spec, sizeof(spec), v, SECRET_MAX + 10);
	ck_assert_err(secret_read(spec, "passphrase", 0, &s),
	    KALIT_ERR_TOO_LARGE);
	ck_assert_ptr_null(s);
	close(fd);
	free(v);
}
END_TEST

START_TEST(test_secret_fd_bad_spec_is_usage)
{
	static const char *const bad[] = { "fd:", "fd:abc", "fd:-1", "fd:1x",
	    "fd:99999", "fd:99999999999999999999999" };
	char *s = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(secret_read(bad[i], "passphrase", 0, &s) ==
		    KALIT_ERR_USAGE, "%s accepted", bad[i]);
		ck_assert_ptr_null(s);
	}
}
END_TEST

START_TEST(test_secret_fd_closed_is_io_error)
{
	char spec[32], *s = NULL;
	int fd;

	ck_assert_int_ge(fd = open("/dev/null", O_RDONLY), 0);
	close(fd);
	snprintf(spec, sizeof(spec), "fd:%d", fd);
	/* A descriptor that cannot be read is an I/O error, not a secret. */
	ck_assert_err(secret_read(spec, "passphrase", 0, &s), KALIT_ERR_IO);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_secret_unknown_scheme_is_usage)
{
	static const char *const bad[] = { "pass:x", "", "FILE:/etc/passwd",
	    "env", "file", "stdin", "prompt:" };
	char *s = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(secret_read(bad[i], "passphrase", 0, &s) ==
		    KALIT_ERR_USAGE, "\"%s\" accepted", bad[i]);
		ck_assert_ptr_null(s);
	}
}
END_TEST

/*
 * secret_read(spec) with standard error captured into buf: returns its
 * result.
 */
static int
read_logged(const char *spec, char *buf, size_t len)
{
	char path[PATH_MAX], *s = NULL, *text;
	int r, fd, saved;

	tu_path(path, sizeof(path), tu_dir, "stderr");
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
	    0);
	fflush(stderr);
	ck_assert_int_ge(saved = dup(STDERR_FILENO), 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	r = secret_read(spec, "passphrase of CA key \"root\"", 0, &s);
	fflush(stderr);
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	ck_assert_ptr_null(s);
	text = tu_read_file(path, NULL);
	snprintf(buf, len, "%s", text);
	free(text);
	return r;
}

/*
 * A value that is no secret source is most likely the secret itself
 * (--password MyP4ssw0rdIsLong): the message names the accepted forms and
 * the option's purpose, and not a character of the value.
 */
START_TEST(test_secret_unknown_scheme_not_echoed)
{
	static const char *const bad[] = { "MyP4ssw0rdIsLong",
	    "MyP4:ssw0rdIsLong", "fd:MyP4ssw0rdIsLong", "fd:99999MyP4" };
	char buf[1024];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_err(read_logged(bad[i], buf, sizeof(buf)),
		    KALIT_ERR_USAGE);
		ck_assert_msg(strstr(buf, "MyP4") == NULL &&
		    strstr(buf, "99999") == NULL, "echoed: %s", buf);
		ck_assert_msg(strstr(buf, "passphrase of CA key \"root\"") !=
		    NULL, "does not say which secret: %s", buf);
		if (i < 2)
			ck_assert_msg(strstr(buf, "file:PATH, env:VAR, fd:N or "
			    "prompt") != NULL, "no accepted forms: %s", buf);
	}
}
END_TEST

/* Runs secret_read(spec) in a child without a controlling terminal. */
static int
prompt_without_tty(const char *spec)
{
	pid_t pid;
	int status;

	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		char *s = NULL;
		int r;

		if (setsid() == -1)
			_exit(100);
		/* setsid() may not detach a tty we cannot open anyway */
		r = secret_read(spec, "passphrase", 1, &s);
		_exit(r == KALIT_ERR_PASSPHRASE_MISSING && s == NULL ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_secret_prompt_without_tty_is_missing)
{
	char *s = NULL;
	int fd;

	ck_assert_int_eq(prompt_without_tty(NULL), 0);
	ck_assert_int_eq(prompt_without_tty("prompt"), 0);
	/* In this process too, when it has no terminal. */
	if ((fd = open("/dev/tty", O_RDWR)) == -1) {
		ck_assert_err(secret_read(NULL, "passphrase", 0, &s),
		    KALIT_ERR_PASSPHRASE_MISSING);
		ck_assert_ptr_null(s);
	} else
		close(fd);
}
END_TEST

START_TEST(test_secret_free_null)
{
	secret_free(NULL);
}
END_TEST

static Suite *
secret_suite(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tu_dir_setup, tu_dir_teardown);
	tcase_add_loop_test(tc, test_secret_file_first_line, 0,
	    (int)(sizeof(file_cases) / sizeof(file_cases[0])));
	tcase_add_test(tc, test_secret_file_missing_is_io);
	tcase_add_test(tc, test_secret_file_max_length);
	tcase_add_test(tc, test_secret_env);
	tcase_add_test(tc, test_secret_env_unset_is_missing);
	tcase_add_test(tc, test_secret_env_empty_is_missing);
	tcase_add_test(tc, test_secret_env_too_long);
	tcase_add_test(tc, test_secret_fd_pipe);
	tcase_add_test(tc, test_secret_fd_too_long);
	tcase_add_test(tc, test_secret_fd_bad_spec_is_usage);
	tcase_add_test(tc, test_secret_fd_closed_is_io_error);
	tcase_add_test(tc, test_secret_unknown_scheme_is_usage);
	tcase_add_test(tc, test_secret_unknown_scheme_not_echoed);
	tcase_add_test(tc, test_secret_prompt_without_tty_is_missing);
	tcase_add_test(tc, test_secret_free_null);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(secret_suite());
}
