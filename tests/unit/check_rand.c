/* check_rand.c: unit tests for rand.c */
#include "config.h"

#include "testutil.h"
#include "rand.h"
#include "log.h"

#include <pthread.h>

#define WIN	16		/* bytes that never repeat by chance */
#define BLOCKS	3		/* refills each stream crosses, at least */

static const size_t sizes[] = { 1, 16, 33, RAND_TAKE_BLOCK };

static int
win_cmp(const void *a, const void *b)
{
	return memcmp(*(unsigned char *const *)a, *(unsigned char *const *)b,
	    WIN);
}

/*
 * Fails unless every WIN-byte window of s, at every offset, is unique. A
 * byte handed out twice, a block not refilled or a wiped block handed out
 * would each repeat a window; 128 random bits do not repeat by chance.
 */
static void
assert_no_repeat(const unsigned char *s, size_t len)
{
	const unsigned char **w;
	size_t i, n = len - WIN + 1;

	ck_assert_uint_ge(len, WIN);
	ck_assert_ptr_nonnull(w = calloc(n, sizeof(*w)));
	for (i = 0; i < n; i++)
		w[i] = s + i;
	qsort(w, n, sizeof(*w), win_cmp);
	for (i = 1; i < n; i++)
		ck_assert_msg(memcmp(w[i - 1], w[i], WIN) != 0,
		    "bytes at %zu and %zu repeat", (size_t)(w[i - 1] - s),
		    (size_t)(w[i] - s));
	free(w);
}

/*
 * Takes pieces of size bytes, after one odd byte so that pieces straddle
 * the refills, until the stream spans BLOCKS refills; returns its length.
 */
static unsigned char *
stream(size_t size, size_t *lenp)
{
	size_t len = 1 + ((BLOCKS * RAND_TAKE_BLOCK) / size + 1) * size, off;
	unsigned char *s;

	ck_assert_ptr_nonnull(s = malloc(len));
	ck_assert_err(rand_take(s, 1), KALIT_OK);
	for (off = 1; off < len; off += size)
		ck_assert_err(rand_take(s + off, size), KALIT_OK);
	*lenp = len;
	return s;
}

START_TEST(test_rand_take_never_repeats_across_refills)
{
	size_t i, len, size = sizes[_i], seen[256] = { 0 };
	unsigned char *s = stream(size, &len);

	assert_no_repeat(s, len);
	/*
	 * Each byte value turns up len / 256 (48 or more) times: none may be
	 * missing, and none four times as often, as zeros would be if wiped
	 * bytes were handed out.
	 */
	for (i = 0; i < len; i++)
		seen[s[i]]++;
	for (i = 0; i < 256; i++)
		ck_assert_msg(seen[i] > 0 && seen[i] < 4 * len / 256,
		    "byte %zu seen %zu times in %zu (size %zu)", i, seen[i],
		    len, size);
	free(s);
}
END_TEST

START_TEST(test_rand_take_pieces_distinct)
{
	size_t i, n = 2 * RAND_TAKE_BLOCK / 33 + 2;
	unsigned char (*p)[33];

	/* Piece by piece, also the ones that cross a refill. */
	ck_assert_ptr_nonnull(p = calloc(n, sizeof(*p)));
	for (i = 0; i < n; i++)
		ck_assert_err(rand_take(p[i], sizeof(p[i])), KALIT_OK);
	for (i = 1; i < n; i++)
		ck_assert_msg(memcmp(p[i - 1], p[i], sizeof(p[i])) != 0,
		    "pieces %zu and %zu equal", i - 1, i);
	assert_no_repeat(p[0], n * sizeof(*p));
	free(p);
}
END_TEST

START_TEST(test_rand_take_zero_bytes_touches_nothing)
{
	unsigned char b[4] = { 1, 2, 3, 4 };

	ck_assert_err(rand_take(b, 0), KALIT_OK);
	ck_assert_uint_eq(b[0] + b[1] + b[2] + b[3], 10);
}
END_TEST

static void *
thread_stream(void *arg)
{
	size_t len;

	*(unsigned char **)arg = stream(16, &len);
	return NULL;
}

START_TEST(test_rand_take_threads_have_own_blocks)
{
	pthread_t t[2];
	unsigned char *s[2], *both;
	size_t len = 1 + ((BLOCKS * RAND_TAKE_BLOCK) / 16 + 1) * 16;
	int i;

	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, thread_stream,
		    &s[i]), 0);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	ck_assert_ptr_nonnull(both = malloc(2 * len));
	memcpy(both, s[0], len);
	memcpy(both + len, s[1], len);
	assert_no_repeat(both, 2 * len);
	free(both);
	free(s[0]);
	free(s[1]);
}
END_TEST

static Suite *
rand_suite(void)
{
	Suite *s = suite_create("rand");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_rand_take_never_repeats_across_refills,
	    0, (int)(sizeof(sizes) / sizeof(sizes[0])));
	tcase_add_test(tc, test_rand_take_pieces_distinct);
	tcase_add_test(tc, test_rand_take_zero_bytes_touches_nothing);
	tcase_add_test(tc, test_rand_take_threads_have_own_blocks);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_rand", -1);
	return tu_run(rand_suite());
}
