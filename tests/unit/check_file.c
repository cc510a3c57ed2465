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

/* Writes the len bytes of text to tu_dir/name; returns it open to read. */
static int
open_written(const char *name, const char *text, size_t len)
{
	char path[PATH_MAX];
	int fd;

	tu_path(path, sizeof(path), tu_dir, name);
	tu_write_file(path, text, len);
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	return fd;
}

START_TEST(test_file_read_stdin)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int fd;

	fd = open_written("in", "from stdin", 10);
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

/* path is a file of mode 0600 that holds the string want, no more. */
static void
assert_private(const char *path, const char *want)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_err(file_read(path, strlen(want), &buf, &len), KALIT_OK);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_str_eq((char *)buf, want);
	free(buf);
}

START_TEST(test_file_write_excl_roundtrip)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), tu_dir, "out");
	ck_assert_err(file_write_excl(path, "payload", 7), KALIT_OK);
	assert_private(path, "payload");
	ck_assert_err(file_write_excl(path, "other", 5), KALIT_ERR_FILE_EXISTS);
	assert_private(path, "payload");
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

START_TEST(test_file_read_fd_from_its_offset_and_left_open)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int fd;

	fd = open_written("fd", "skip:rest", 9);
	ck_assert_int_eq(lseek(fd, 5, SEEK_SET), 5);
	ck_assert_err(file_read_fd(fd, "fd", 100, &buf, &len), KALIT_OK);
	ck_assert_uint_eq(len, 4);
	ck_assert_str_eq((char *)buf, "rest");
	free(buf);
	ck_assert_err(file_read_fd(fd, "fd", 100, &buf, &len), KALIT_OK);
	ck_assert_uint_eq(len, 0);
	free(buf);
	ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* The number of entries of tu_dir, . and .. aside. */
static int
dir_entries(void)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	ck_assert_ptr_nonnull(d = opendir(tu_dir));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

START_TEST(test_file_replace_writes_whole_and_private)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), tu_dir, "cache");
	ck_assert_err(file_replace(path, "first", 5), KALIT_OK);
	assert_private(path, "first");
	tu_write_file(path, "an older, longer file", 21);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_err(file_replace(path, "second", 6), KALIT_OK);
	assert_private(path, "second");
	/* no temporary file is left beside it */
	ck_assert_int_eq(dir_entries(), 1);
}
END_TEST

START_TEST(test_file_replace_replaces_a_link_not_its_target)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;

	tu_path(target, sizeof(target), tu_dir, "target");
	tu_path(path, sizeof(path), tu_dir, "link");
	tu_write_file(target, "theirs", 6);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_err(file_replace(path, "mine", 4), KALIT_OK);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_size, 6);
}
END_TEST

START_TEST(test_file_replace_missing_dir_is_io)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), tu_dir, "no/such/file");
	ck_assert_err(file_replace(path, "x", 1), KALIT_ERR_IO);
	ck_assert_int_eq(dir_entries(), 0);
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
	tcase_add_test(tc, test_file_read_fd_from_its_offset_and_left_open);
	tcase_add_test(tc, test_file_replace_writes_whole_and_private);
	tcase_add_test(tc, test_file_replace_replaces_a_link_not_its_target);
	tcase_add_test(tc, test_file_replace_missing_dir_is_io);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(file_suite());
}
