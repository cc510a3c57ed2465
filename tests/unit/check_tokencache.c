/* check_tokencache.c: kalit token's cache (src/kalit/tokencache.c) */
#include "config.h"

#include "testutil.h"
#include "base64.h"
#include "log.h"
#include "tokencache.h"

#define NOW	INT64_C(1700000000)
#define TOKEN	"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"

static char cache[PATH_MAX];	/* tokencache_dir() under tu_dir */
static X509 *cert;
static EVP_PKEY *cert_key;

static void
setup(void)
{
	char xdg[PATH_MAX];

	tu_dir_setup();
	tu_path(xdg, sizeof(xdg), tu_dir, "xdg");
	ck_assert_int_eq(setenv("XDG_CACHE_HOME", xdg, 1), 0);
	ck_assert_err(tokencache_dir(cache, sizeof(cache)), KALIT_OK);
	tu_make_ca(KEY_TYPE_P256, "Cache Test", &cert, &cert_key);
}

static void
teardown(void)
{
	X509_free(cert);
	EVP_PKEY_free(cert_key);
	tu_dir_teardown();
}

/* An answer as kalit token caches it, expiring at expires_at. */
static json_t *
answer(int64_t expires_in, int64_t expires_at)
{
	json_t *a = json_pack("{s:s, s:s, s:I, s:s, s:I}", "access_token",
	    TOKEN, "token_type", "Bearer", "expires_in",
	    (json_int_t)expires_in, "scope", "registry.read",
	    "expires_at", (json_int_t)expires_at);

	ck_assert_ptr_nonnull(a);
	return a;
}

/* What tokencache_get() says of the file name holding text at now. */
static int
get_text(const char *name, const char *text)
{
	char path[PATH_MAX];
	json_t *a = NULL;
	int r;

	tu_path(path, sizeof(path), cache, name);
	unlink(path);
	tu_write_file(path, text, strlen(text));
	ck_assert_int_eq(chmod(path, 0600), 0);
	r = tokencache_get(cache, name, NOW, &a);
	ck_assert((r == KALIT_OK) == (a != NULL));
	json_decref(a);
	return r;
}

/* expires_at - NOW, the lifetime, and whether it is reused. */
static const struct {
	int64_t	 left, lifetime;
	int	 fresh;
} fresh_cases[] = {
	{ 3600, 3600, 1 },	/* just issued */
	{ 61, 3600, 1 },	/* 60 s is the most that must be left */
	{ 60, 3600, 0 },
	{ 3601, 3600, 0 },	/* issued in the future: a clock set back */
	{ 31, 300, 1 },		/* 10% of 300 s is less than 60 s */
	{ 30, 300, 0 },
	{ 2, 10, 1 },
	{ 1, 10, 0 },
	{ 1, 5, 1 },		/* 10% of 5 s is no second */
	{ 0, 5, 0 },
	{ -5, 600, 0 },		/* expired */
};

START_TEST(test_tokencache_fresh_leaves_60s_or_a_tenth)
{
	ck_assert_int_eq(tokencache_fresh(NOW + fresh_cases[_i].left,
	    fresh_cases[_i].lifetime, NOW), fresh_cases[_i].fresh);
}
END_TEST

START_TEST(test_tokencache_name_is_sha256_of_the_request)
{
	struct tokencache_key k = { "https://id.example.uz", "registry",
	    NULL, NULL, NULL, 0 };
	char name[TOKENCACHE_NAME_LEN + 1], other[TOKENCACHE_NAME_LEN + 1];
	char want[TOKENCACHE_NAME_LEN + 1], hex[TOKENCACHE_NAME_LEN + 1];
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	char text[512];
	unsigned int n;
	int len;

	k.cert = cert;
	ck_assert_int_gt(len = i2d_X509(cert, &der), 0);
	ck_assert_int_eq(EVP_Digest(der, (size_t)len, md, &n, EVP_sha256(),
	    NULL), 1);
	OPENSSL_free(der);
	hex_encode(md, n, hex);
	snprintf(text, sizeof(text), "https://id.example.uz\nregistry\n\n\n%s",
	    hex);
	ck_assert_int_eq(EVP_Digest(text, strlen(text), md, &n, EVP_sha256(),
	    NULL), 1);
	hex_encode(md, n, want);
	ck_assert_err(tokencache_name(&k, name), KALIT_OK);
	ck_assert_str_eq(name, want);
	/* An empty scope is no scope; any other field makes another name. */
	k.scope = "";
	ck_assert_err(tokencache_name(&k, other), KALIT_OK);
	ck_assert_str_eq(other, name);
	k.scope = "a";
	ck_assert_err(tokencache_name(&k, other), KALIT_OK);
	ck_assert_str_ne(other, name);
	k.scope = NULL;
	k.audience = "https://api.example.uz/";
	ck_assert_err(tokencache_name(&k, other), KALIT_OK);
	ck_assert_str_ne(other, name);
	k.audience = NULL;
	k.client = "registry2";
	ck_assert_err(tokencache_name(&k, other), KALIT_OK);
	ck_assert_str_ne(other, name);
	/* a token bound to the certificate: its own name, one line more */
	k.client = "registry";
	k.mtls = 1;
	snprintf(text, sizeof(text), "https://id.example.uz\nregistry\n\n\n"
	    "%s\nmtls", hex);
	ck_assert_int_eq(EVP_Digest(text, strlen(text), md, &n, EVP_sha256(),
	    NULL), 1);
	hex_encode(md, n, want);
	ck_assert_err(tokencache_name(&k, other), KALIT_OK);
	ck_assert_str_eq(other, want);
	ck_assert_str_ne(other, name);
}
END_TEST

START_TEST(test_tokencache_put_then_get_while_fresh)
{
	char path[PATH_MAX];
	json_t *a = answer(600, NOW + 600), *got = NULL;
	struct stat st;

	ck_assert_err(tokencache_put(cache, "n1", a), KALIT_OK);
	tu_path(path, sizeof(path), cache, "n1");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_err(tokencache_get(cache, "n1", NOW + 500, &got), KALIT_OK);
	ck_assert(json_equal(got, a));
	json_decref(got);
	/* 60 s before its end it is stale, and NOT_FOUND, silently. */
	ck_assert_err(tokencache_get(cache, "n1", NOW + 540, &got),
	    KALIT_ERR_NOT_FOUND);
	ck_assert_ptr_null(got);
	ck_assert_err(tokencache_get(cache, "none", NOW, &got),
	    KALIT_ERR_NOT_FOUND);
	json_decref(a);
}
END_TEST

START_TEST(test_tokencache_get_refuses_what_others_may_read)
{
	static const mode_t modes[] = { 0644, 0640, 0604, 0620, 0602, 0700 };
	char path[PATH_MAX];
	json_t *a = answer(600, NOW + 600), *got = NULL;
	size_t i;

	tu_path(path, sizeof(path), cache, "n2");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ck_assert_err(tokencache_put(cache, "n2", a), KALIT_OK);
		ck_assert_int_eq(chmod(path, modes[i]), 0);
		ck_assert_err(tokencache_get(cache, "n2", NOW, &got),
		    modes[i] == 0700 ? KALIT_OK : KALIT_ERR_NOT_FOUND);
		json_decref(got);
	}
	/* ... and a new answer replaces it, 0600 again. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_err(tokencache_put(cache, "n2", a), KALIT_OK);
	ck_assert_err(tokencache_get(cache, "n2", NOW, &got), KALIT_OK);
	json_decref(got);
	json_decref(a);
}
END_TEST

START_TEST(test_tokencache_get_refuses_links_and_fifos)
{
	char path[PATH_MAX], target[PATH_MAX];
	json_t *a = answer(600, NOW + 600), *got = NULL;

	ck_assert_err(tokencache_put(cache, "real", a), KALIT_OK);
	tu_path(target, sizeof(target), cache, "real");
	tu_path(path, sizeof(path), cache, "link");
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_err(tokencache_get(cache, "link", NOW, &got),
	    KALIT_ERR_NOT_FOUND);
	tu_path(path, sizeof(path), cache, "fifo");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_err(tokencache_get(cache, "fifo", NOW, &got),
	    KALIT_ERR_NOT_FOUND);
	ck_assert_ptr_null(got);
	json_decref(a);
}
END_TEST

/* Files that are no cached answer. */
static const char *const corrupt[] = {
	"",
	"not json",
	"[]",
	"{}",
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\","
	    "\"expires_in\":600}",
	"{\"access_token\":\"a b\",\"token_type\":\"Bearer\","
	    "\"expires_in\":600,\"expires_at\":1700000600}",
	"{\"access_token\":\"a\\u0000b\",\"token_type\":\"Bearer\","
	    "\"expires_in\":600,\"expires_at\":1700000600}",
	"{\"access_token\":\"\",\"token_type\":\"Bearer\","
	    "\"expires_in\":600,\"expires_at\":1700000600}",
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"MAC\","
	    "\"expires_in\":600,\"expires_at\":1700000600}",
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\","
	    "\"expires_in\":0,\"expires_at\":1700000600}",
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\","
	    "\"expires_in\":\"600\",\"expires_at\":1700000600}",
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\","
	    "\"expires_in\":600,\"expires_at\":\"1700000600\"}",
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\","
	    "\"expires_in\":600,\"expires_at\":1700000600,\"scope\":1}",
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\","
	    "\"expires_in\":600,\"expires_at\":-9223372036854775807}",
	"{\"access_token\":\"x\",\"access_token\":\"" TOKEN "\","
	    "\"token_type\":\"Bearer\",\"expires_in\":600,"
	    "\"expires_at\":1700000600}",
};

START_TEST(test_tokencache_get_refuses_a_corrupt_file)
{
	ck_assert_err(get_text("c", corrupt[_i]), KALIT_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_tokencache_answer_ok_bearer_in_any_case_scope_optional)
{
	json_t *a = answer(600, NOW + 600);

	ck_assert_int_eq(tokencache_answer_ok(a), 1);
	ck_assert_int_eq(json_object_set_new(a, "token_type",
	    json_string("bEARER")), 0);
	ck_assert_int_eq(json_object_del(a, "scope"), 0);
	ck_assert_int_eq(tokencache_answer_ok(a), 1);
	ck_assert_int_eq(json_object_set_new(a, "token_type",
	    json_string("DPoP")), 0);
	ck_assert_int_eq(tokencache_answer_ok(a), 0);
	json_decref(a);
}
END_TEST

START_TEST(test_tokencache_get_refuses_a_file_too_large)
{
	const char *ok = "{\"access_token\":\"" TOKEN "\","
	    "\"token_type\":\"Bearer\",\"expires_in\":600,"
	    "\"expires_at\":1700000600}";
	size_t n = TOKENCACHE_FILE_MAX + 1;
	char *big;

	/* The answer, and spaces after it up to one byte too many. */
	ck_assert_ptr_nonnull(big = malloc(n + 1));
	memset(big, ' ', n);
	big[n] = '\0';
	memcpy(big, ok, strlen(ok));
	ck_assert_err(get_text("big", big), KALIT_ERR_NOT_FOUND);
	big[n - 1] = '\0';
	ck_assert_err(get_text("big", big), KALIT_OK);
	free(big);
}
END_TEST

/* The mode of tu_dir/path, which must be a directory. */
static mode_t
dir_mode(const char *path)
{
	char full[PATH_MAX];
	struct stat st;

	tu_path(full, sizeof(full), tu_dir, path);
	ck_assert_int_eq(lstat(full, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	return st.st_mode & 07777;
}

START_TEST(test_tokencache_dir_is_xdg_or_home_and_private)
{
	char dir[PATH_MAX], home[PATH_MAX], want[PATH_MAX];

	ck_assert_int_eq(dir_mode("xdg"), 0700);
	ck_assert_int_eq(dir_mode("xdg/kalit"), 0700);
	ck_assert_int_eq(dir_mode("xdg/kalit/tokens"), 0700);
	tu_path(want, sizeof(want), tu_dir, "xdg/kalit/tokens");
	ck_assert_str_eq(cache, want);
	/* A relative XDG_CACHE_HOME is ignored: ~/.cache. */
	tu_path(home, sizeof(home), tu_dir, "home");
	ck_assert_int_eq(mkdir(home, 0755), 0);
	ck_assert_int_eq(setenv("HOME", home, 1), 0);
	ck_assert_int_eq(setenv("XDG_CACHE_HOME", "rel", 1), 0);
	ck_assert_err(tokencache_dir(dir, sizeof(dir)), KALIT_OK);
	tu_path(want, sizeof(want), home, ".cache/kalit/tokens");
	ck_assert_str_eq(dir, want);
	ck_assert_int_eq(dir_mode("home/.cache/kalit/tokens"), 0700);
	/* tokens/ that others may enter, or kalit/ they may write: refused. */
	ck_assert_int_eq(chmod(dir, 0711), 0);
	ck_assert_err(tokencache_dir(dir, sizeof(dir)), KALIT_ERR_IO);
	tu_path(dir, sizeof(dir), home, ".cache/kalit/tokens");
	ck_assert_int_eq(chmod(dir, 0700), 0);
	tu_path(dir, sizeof(dir), home, ".cache/kalit");
	ck_assert_int_eq(chmod(dir, 0775), 0);
	ck_assert_err(tokencache_dir(dir, sizeof(dir)), KALIT_ERR_IO);
	tu_path(dir, sizeof(dir), home, ".cache/kalit");
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_err(tokencache_dir(dir, sizeof(dir)), KALIT_OK);
}
END_TEST

START_TEST(test_tokencache_dir_refuses_a_link)
{
	char dir[PATH_MAX], link[PATH_MAX];

	tu_path(dir, sizeof(dir), tu_dir, "elsewhere");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	tu_path(link, sizeof(link), tu_dir, "xdg/kalit/tokens");
	ck_assert_int_eq(rmdir(link), 0);
	ck_assert_int_eq(symlink(dir, link), 0);
	ck_assert_err(tokencache_dir(dir, sizeof(dir)), KALIT_ERR_IO);
}
END_TEST

static Suite *
tokencache_suite(void)
{
	Suite *s = suite_create("tokencache");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_tokencache_fresh_leaves_60s_or_a_tenth,
	    0, (int)(sizeof(fresh_cases) / sizeof(fresh_cases[0])));
	tcase_add_test(tc, test_tokencache_name_is_sha256_of_the_request);
	tcase_add_test(tc, test_tokencache_put_then_get_while_fresh);
	tcase_add_test(tc, test_tokencache_get_refuses_what_others_may_read);
	tcase_add_test(tc, test_tokencache_get_refuses_links_and_fifos);
	tcase_add_loop_test(tc, test_tokencache_get_refuses_a_corrupt_file,
	    0, (int)(sizeof(corrupt) / sizeof(corrupt[0])));
	tcase_add_test(tc,
	    test_tokencache_answer_ok_bearer_in_any_case_scope_optional);
	tcase_add_test(tc, test_tokencache_get_refuses_a_file_too_large);
	tcase_add_test(tc, test_tokencache_dir_is_xdg_or_home_and_private);
	tcase_add_test(tc, test_tokencache_dir_refuses_a_link);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_tokencache", LOG_LEVEL_ERROR);
	return tu_run(tokencache_suite());
}
