/* check_file.c: unit tests for file.c */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "file.h"
#include "testutil.h"

/* Writes n bytes of 'x' to dir/name, path into path. */
static void
make_file(char *path, size_t len, const char *name, size_t n)
{
	char *buf;

	tu_path(path, len, tu_dir, name);
	ck_assert_ptr_nonnull(buf = malloc(n + 1));
	memset(buf, 'x', n);
	tu_write_file(path, buf, n);
	free(buf);
}

START_TEST(test_file_read_contents)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;

	tu_path(path, sizeof(path), tu_dir, "a");
	tu_write_file(path, "hello\0world", 11);
	ck_assert_err(file_read(path, 100, &buf, &len), KALIT_OK);
	ck_assert_uint_eq(len, 11);
	ck_assert_int_eq(memcmp(buf, "hello\0world", 11), 0);
	ck_assert_int_eq(buf[len], '\0');
	free(buf);
}
END_TEST

/* A file of size bytes read with the cap max: all of it, or nothing. */
static const struct {
	size_t	 size, max;
	int	 want;
} cap_cases[] = {
	{ 0, 100, KALIT_OK },
	{ 8192, 8192, KALIT_OK },
	{ 100000, 100000, KALIT_OK },
	{ 8193, 8192, KALIT_ERR_TOO_LARGE },
	{ 8193, 10, KALIT_ERR_TOO_LARGE },
	{ 8193, 0, KALIT_ERR_TOO_LARGE },
	{ 300000, 299999, KALIT_ERR_TOO_LARGE },
};

START_TEST(test_file_read_caps_the_size)
{
	char path[PATH_MAX];
	unsigned char *buf = (unsigned char *)"sentinel";
	size_t len = 7;

	make_file(path, sizeof(path), "f", cap_cases[_i].size);
	ck_assert_err(file_read(path, cap_cases[_i].max, &buf, &len),
	    cap_cases[_i].want);
	if (cap_cases[_i].want == KALIT_OK) {
		ck_assert_uint_eq(len, cap_cases[_i].size);
		ck_assert_ptr_nonnull(buf);
		ck_assert_int_eq(buf[len], '\0');
		free(buf);
	} else {
		ck_assert_ptr_null(buf);
		ck_assert_uint_eq(len, 0);
	}
}
END_TEST

START_TEST(test_file_read_missing_is_io)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;

	tu_path(path, sizeof(path), tu_dir, "does-not-exist");
	ck_assert_err(file_read(path, 100, &buf, &len), KALIT_ERR_IO);
	ck_assert_ptr_null(buf);
}
END_TEST

START_TEST(test_file_read_directory_is_io)
{
	unsigned char *buf = NULL;
	size_t len = 0;

	ck_assert_err(file_read(tu_dir, 100, &buf, &len), KALIT_ERR_IO);
	ck_assert_ptr_null(buf);
}
END_TEST

START_TEST(test_file_read_stdin)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;
	int fd;

	tu_path(path, sizeof(path), tu_dir, "in");
	tu_write_file(path, "from stdin", 10);
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	ck_assert_err(file_read("-", 100, &buf, &len), KALIT_OK);
	ck_assert_uint_eq(len, 10);
	ck_assert_str_eq((char *)buf, "from stdin");
	free(buf);
	/* stdin is not closed by file_read */
	ck_assert_int_ne(fcntl(STDIN_FILENO, F_GETFD), -1);
}
END_TEST

START_TEST(test_file_create_excl_twice_and_mode)
{
	char path[PATH_MAX];
	struct stat st;
	int fd = -2;

	tu_path(path, sizeof(path), tu_dir, "key");
	umask(022);
	ck_assert_err(file_create_excl(path, &fd), KALIT_OK);
	ck_assert_int_ge(fd, 0);
	ck_assert_err(file_write_fd(fd, "abc", 3), KALIT_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(st.st_size, 3);
	ck_assert_err(file_create_excl(path, &fd), KALIT_ERR_FILE_EXISTS);
	ck_assert_int_eq(fd, -1);
	/* the first file is untouched */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 3);
}
END_TEST

START_TEST(test_file_create_excl_refuses_symlink)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;
	int fd = -2;

	tu_path(target, sizeof(target), tu_dir, "target");
	tu_path(path, sizeof(path), tu_dir, "link");
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_err(file_create_excl(path, &fd), KALIT_ERR_FILE_EXISTS);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(stat(target, &st), -1);
}
END_TEST

START_TEST(test_file_create_excl_missing_dir_is_io)
{
	char path[PATH_MAX];
	int fd = -2;

	tu_path(path, sizeof(path), tu_dir, "no/such/dir");
	ck_assert_err(file_create_excl(path, &fd), KALIT_ERR_IO);
	ck_assert_int_eq(fd, -1);
}
END_TEST

START_TEST(test_file_write_excl_roundtrip)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;
	struct stat st;

	tu_path(path, sizeof(path), tu_dir, "out");
	ck_assert_err(file_write_excl(path, "payload", 7), KALIT_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_err(file_read(path, 7, &buf, &len), KALIT_OK);
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq((char *)buf, "payload");
	free(buf);
	ck_assert_err(file_write_excl(path, "other", 5), KALIT_ERR_FILE_EXISTS);
	ck_assert_err(file_read(path, 7, &buf, &len), KALIT_OK);
	ck_assert_str_eq((char *)buf, "payload");
	free(buf);
}
END_TEST

START_TEST(test_file_write_fd_bad_fd_is_io)
{
	int fd;

	ck_assert_int_ge(fd = open("/dev/null", O_RDONLY), 0);
	/* read-only descriptor: write fails, and fd is closed anyway */
	ck_assert_err(file_write_fd(fd, "x", 1), KALIT_ERR_IO);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
}
END_TEST

static Suite *
file_suite(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tu_dir_setup, tu_dir_teardown);
	tcase_add_test(tc, test_file_read_contents);
	tcase_add_loop_test(tc, test_file_read_caps_the_size, 0,
	    (int)(sizeof(cap_cases) / sizeof(cap_cases[0])));
	tcase_add_test(tc, test_file_read_missing_is_io);
	tcase_add_test(tc, test_file_read_directory_is_io);
	tcase_add_test(tc, test_file_read_stdin);
	tcase_add_test(tc, test_file_create_excl_twice_and_mode);
	tcase_add_test(tc, test_file_create_excl_refuses_symlink);
	tcase_add_test(tc, test_file_create_excl_missing_dir_is_io);
	tcase_add_test(tc, test_file_write_excl_roundtrip);
	tcase_add_test(tc, test_file_write_fd_bad_fd_is_io);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(file_suite());
}
