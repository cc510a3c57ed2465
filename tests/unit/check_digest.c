/* check_digest.c: unit tests for digest.c, hashing documents in one pass */
#include "config.h"

#include "testutil.h"
#include "digest.h"
#include "log.h"

#include <openssl/rand.h>

/* A file of len random bytes in tu_dir; its contents in *bufp (free()). */
static void
random_file(const char *name, size_t len, char *path, unsigned char **bufp)
{
	unsigned char *buf = malloc(len);

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(RAND_bytes(buf, (int)len), 1);
	tu_path(path, PATH_MAX, tu_dir, name);
	tu_write_file(path, buf, len);
	*bufp = buf;
}

START_TEST(test_digest_file_is_the_digest_of_the_bytes)
{
	/* Longer than a chunk and not a multiple of one. */
	size_t len = 3 * DIGEST_CHUNK + 12345, n;
	unsigned char *buf, want[EVP_MAX_MD_SIZE];
	const unsigned char *got;
	struct digest_set ds, mem;
	char path[PATH_MAX];
	unsigned int wlen;

	random_file("doc", len, path, &buf);
	memset(&ds, 0, sizeof(ds));
	ck_assert_err(digest_set_add(&ds, EVP_sha256()), KALIT_OK);
	ck_assert_err(digest_set_add(&ds, EVP_sha512()), KALIT_OK);
	ck_assert_err(digest_set_add(&ds, EVP_sha256()), KALIT_OK);
	ck_assert_uint_eq(ds.n, 2);
	mem = ds;
	ck_assert_err(digest_file(&ds, path, NULL), KALIT_OK);
	ck_assert_err(digest_buf(&mem, buf, len), KALIT_OK);
	ck_assert_int_eq(EVP_Digest(buf, len, want, &wlen, EVP_sha512(),
	    NULL), 1);
	ck_assert_ptr_nonnull(got = digest_set_get(&ds, EVP_sha512(), &n));
	ck_assert_uint_eq(n, wlen);
	ck_assert_int_eq(memcmp(got, want, n), 0);
	ck_assert_int_eq(EVP_Digest(buf, len, want, &wlen, EVP_sha256(),
	    NULL), 1);
	ck_assert_ptr_nonnull(got = digest_set_get(&mem, EVP_sha256(), &n));
	ck_assert_uint_eq(n, 32);
	ck_assert_int_eq(memcmp(got, want, n), 0);
	ck_assert_ptr_null(digest_set_get(&ds, EVP_sha384(), NULL));
	free(buf);
}
END_TEST

static uint64_t seen_done, seen_total;
static int calls;

static void
progress(void *arg, uint64_t done, uint64_t total)
{
	ck_assert_ptr_eq(arg, &calls);
	ck_assert_uint_gt(done, seen_done);
	seen_done = done;
	seen_total = total;
	calls++;
}

START_TEST(test_digest_file_reports_progress)
{
	struct digest_progress p = { progress, &calls };
	struct digest_set ds;
	char path[PATH_MAX];
	unsigned char *buf;
	size_t len = 2 * DIGEST_CHUNK + 1;

	random_file("doc", len, path, &buf);
	memset(&ds, 0, sizeof(ds));
	ck_assert_err(digest_set_add(&ds, EVP_sha256()), KALIT_OK);
	seen_done = seen_total = 0;
	calls = 0;
	ck_assert_err(digest_file(&ds, path, &p), KALIT_OK);
	ck_assert_int_ge(calls, 3);
	ck_assert_uint_eq(seen_done, len);
	ck_assert_uint_eq(seen_total, len);
	free(buf);
}
END_TEST

START_TEST(test_digest_file_missing_is_io_error)
{
	struct digest_set ds;
	char path[PATH_MAX];

	memset(&ds, 0, sizeof(ds));
	ck_assert_err(digest_set_add(&ds, EVP_sha256()), KALIT_OK);
	tu_path(path, sizeof(path), tu_dir, "absent");
	ck_assert_err(digest_file(&ds, path, NULL), KALIT_ERR_IO);
	ck_assert_ptr_null(digest_set_get(&ds, EVP_sha256(), NULL));
	/* A directory opens but does not read. */
	ck_assert_err(digest_file(&ds, tu_dir, NULL), KALIT_ERR_IO);
}
END_TEST

START_TEST(test_digest_set_hex_takes_exactly_the_digest)
{
	static const char hex[] = "E3B0C44298FC1C149AFBF4C8996FB924"
	    "27ae41e4649b934ca495991b7852b855";	/* SHA-256 of "" */
	static const char *const bad[] = {
		"", "e3b0", "0x3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca"
		"495991b7852b855",
		" e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		"7852b85",
		"e3:b0:c4:42:98:fc:1c:14:9a:fb:f4:c8:99:6f:b9:24:27:ae:41:"
		"e4:64:9b:93:4c:a4:95:99:1b:78:52:b8:55",
		"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		"7852b855",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		"7852b8550",
	};
	struct digest_set ds, empty;
	const unsigned char *a, *b;
	size_t i;

	memset(&ds, 0, sizeof(ds));
	memset(&empty, 0, sizeof(empty));
	ck_assert_err(digest_set_hex(&ds, EVP_sha256(), hex), KALIT_OK);
	ck_assert_err(digest_set_add(&empty, EVP_sha256()), KALIT_OK);
	ck_assert_err(digest_buf(&empty, "", 0), KALIT_OK);
	ck_assert_ptr_nonnull(a = digest_set_get(&ds, EVP_sha256(), NULL));
	ck_assert_ptr_nonnull(b = digest_set_get(&empty, EVP_sha256(), NULL));
	ck_assert_int_eq(memcmp(a, b, 32), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&ds, 0, sizeof(ds));
		ck_assert_msg(digest_set_hex(&ds, EVP_sha256(), bad[i]) ==
		    KALIT_ERR_MALFORMED, "accepted \"%s\"", bad[i]);
		ck_assert_ptr_null(digest_set_get(&ds, EVP_sha256(), NULL));
	}
}
END_TEST

START_TEST(test_digest_algorithms_are_sha2)
{
	struct digest_set ds;

	memset(&ds, 0, sizeof(ds));
	ck_assert_ptr_nonnull(digest_md_of(NID_sha384));
	ck_assert_ptr_null(digest_md_of(NID_sha1));
	ck_assert_ptr_null(digest_md_of(NID_md5));
	ck_assert_err(digest_set_add(&ds, EVP_sha1()), KALIT_ERR_INTERNAL);
	ck_assert_err(digest_set_add(&ds, NULL), KALIT_ERR_INTERNAL);
	ck_assert_err(digest_set_add(&ds, EVP_sha384()), KALIT_OK);
	ck_assert_uint_eq(ds.n, 1);
}
END_TEST

static Suite *
digest_suite(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tu_dir_setup, tu_dir_teardown);
	tcase_add_test(tc, test_digest_file_is_the_digest_of_the_bytes);
	tcase_add_test(tc, test_digest_file_reports_progress);
	tcase_add_test(tc, test_digest_file_missing_is_io_error);
	tcase_add_test(tc, test_digest_set_hex_takes_exactly_the_digest);
	tcase_add_test(tc, test_digest_algorithms_are_sha2);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_digest", -1);
	return tu_run(digest_suite());
}
