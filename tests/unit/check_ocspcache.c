/* check_ocspcache.c: the OCSP responder's cache of signed answers */
#include "config.h"

#include "testutil.h"
#include "ocspcache.h"

#include <pthread.h>
#include <stdatomic.h>

#include <openssl/sha.h>

#define T0		1800000000LL
#define REFRESH		(T0 + 1800)	/* answers are signed again then */
#define DER_MAX		256
#define NTHREADS	4
#define THREAD_OPS	20000
#define THREAD_KEYS	4096

/* The key of answer i: the SHA-256 of its number, as a request's would be. */
static void
key_of(unsigned int i, unsigned char key[SHA256_DIGEST_LENGTH])
{
	unsigned char in[4];

	in[0] = (unsigned char)(i >> 24);
	in[1] = (unsigned char)(i >> 16);
	in[2] = (unsigned char)(i >> 8);
	in[3] = (unsigned char)i;
	ck_assert_ptr_nonnull(SHA256(in, sizeof(in), key));
}

/*
 * The answer stored under answer i's key: bytes and a length of its own,
 * so that a hit that hands out another key's answer is seen.
 */
static void
answer_of(unsigned int i, unsigned char der[DER_MAX],
    struct ocspcache_answer *a)
{
	unsigned char key[SHA256_DIGEST_LENGTH];
	size_t j;

	key_of(i, key);
	memset(a, 0, sizeof(*a));
	a->len = 16 + i % (DER_MAX - 16);
	for (j = 0; j < a->len; j++)
		der[j] = key[j % sizeof(key)] ^ (unsigned char)j;
	a->der = der;
	a->cacheable = 1;
	a->this_update = T0 - (int64_t)(i % 60);
	a->next_update = T0 + 3600 + (int64_t)(i % 60);
}

/* 1 when got is answer i, byte for byte and date for date. */
static int
is_answer(unsigned int i, const struct ocspcache_answer *got)
{
	unsigned char der[DER_MAX];
	struct ocspcache_answer want;

	answer_of(i, der, &want);
	return got->der != NULL && got->len == want.len &&
	    memcmp(got->der, der, want.len) == 0 && got->cacheable == 1 &&
	    got->this_update == want.this_update &&
	    got->next_update == want.next_update;
}

/* Caches answer i, about serials (NULL: its number in hex), now. */
static void
put(struct ocspcache *c, unsigned int i, const char *serials, size_t slen)
{
	unsigned char key[SHA256_DIGEST_LENGTH], der[DER_MAX];
	struct ocspcache_answer a;
	char own[16];

	if (serials == NULL) {
		slen = (size_t)snprintf(own, sizeof(own) - 1, "%X", i) + 2;
		own[slen - 1] = '\0';
		serials = own;
	}
	key_of(i, key);
	answer_of(i, der, &a);
	ocspcache_put(c, key, ocspcache_epoch(c), serials, slen, &a, REFRESH);
}

/* 1 for a hit on answer i at now, checked to be answer i; 0 for a miss. */
static int
get(struct ocspcache *c, unsigned int i, int64_t now)
{
	unsigned char key[SHA256_DIGEST_LENGTH];
	struct ocspcache_answer a;
	int hit;

	key_of(i, key);
	memset(&a, 0, sizeof(a));
	if ((hit = ocspcache_get(c, key, now, &a)) == 0) {
		ck_assert_ptr_null(a.der);
		return 0;
	}
	ck_assert_int_eq(hit, 1);
	ck_assert_msg(is_answer(i, &a), "answer %u: other bytes than put", i);
	free(a.der);
	return 1;
}

START_TEST(test_ocspcache_put_get_round_trip)
{
	unsigned char key[SHA256_DIGEST_LENGTH], der[DER_MAX];
	struct ocspcache_answer a, got;
	struct ocspcache *c;

	ck_assert_err(ocspcache_new(1000, (size_t)1 << 30, &c), KALIT_OK);
	key_of(7, key);
	answer_of(7, der, &a);
	ocspcache_put(c, key, ocspcache_epoch(c), "7\0", 3, &a, REFRESH);
	/* a is not taken: what the caller does with it afterwards is moot */
	memset(der, 0xee, sizeof(der));
	a.len = 1;
	memset(&got, 0, sizeof(got));
	ck_assert_int_eq(ocspcache_get(c, key, T0, &got), 1);
	ck_assert(is_answer(7, &got));
	/* each hit is a copy of its own for the caller to free */
	got.der[0] ^= 0xff;
	free(got.der);
	ck_assert_int_eq(get(c, 7, REFRESH - 1), 1);
	ocspcache_free(c);
}
END_TEST

START_TEST(test_ocspcache_miss)
{
	struct ocspcache *c;

	ck_assert_err(ocspcache_new(1000, (size_t)1 << 30, &c), KALIT_OK);
	ck_assert_int_eq(get(c, 1, T0), 0);
	put(c, 1, NULL, 0);
	ck_assert_int_eq(get(c, 2, T0), 0);
	ck_assert_int_eq(get(c, 1, T0), 1);
	ocspcache_free(c);
}
END_TEST

START_TEST(test_ocspcache_refresh_time_is_a_miss)
{
	struct ocspcache *c;

	ck_assert_err(ocspcache_new(1000, (size_t)1 << 30, &c), KALIT_OK);
	put(c, 3, NULL, 0);
	ck_assert_int_eq(get(c, 3, REFRESH - 1), 1);
	ck_assert_int_eq(get(c, 3, REFRESH), 0);
	ck_assert_int_eq(get(c, 3, REFRESH + 86400), 0);
	/* a newer answer for the same request replaces the stale one */
	put(c, 3, NULL, 0);
	ck_assert_int_eq(get(c, 3, T0), 1);
	ocspcache_free(c);
}
END_TEST

START_TEST(test_ocspcache_purge_serial)
{
	/* sorted as strcmp() sorts: the purge looks them up by bisection */
	char *changed[] = { "0B", "1F", "ZZ" };
	struct ocspcache *c;

	ck_assert_err(ocspcache_new(1000, (size_t)1 << 30, &c), KALIT_OK);
	put(c, 1, "0A\0", 4);
	put(c, 2, "0B\0", 4);
	put(c, 3, "0C\0" "1F\0", 7);	/* stale by its second serial */
	put(c, 4, "0C\0" "0D\0", 7);
	put(c, 5, "0B0\0", 5);		/* a prefix of it is not it */
	ocspcache_purge(c, changed, 3);
	ck_assert_int_eq(get(c, 1, T0), 1);
	ck_assert_int_eq(get(c, 2, T0), 0);
	ck_assert_int_eq(get(c, 3, T0), 0);
	ck_assert_int_eq(get(c, 4, T0), 1);
	ck_assert_int_eq(get(c, 5, T0), 1);
	/* nothing changed: nothing goes */
	ocspcache_purge(c, changed, 0);
	ck_assert_int_eq(get(c, 1, T0), 1);
	/* changed NULL: everything goes */
	ocspcache_purge(c, NULL, 0);
	ck_assert_int_eq(get(c, 1, T0), 0);
	ck_assert_int_eq(get(c, 4, T0), 0);
	ck_assert_int_eq(get(c, 5, T0), 0);
	/* and the cache takes answers again */
	put(c, 2, "0B\0", 4);
	ck_assert_int_eq(get(c, 2, T0), 1);
	ocspcache_free(c);
}
END_TEST

START_TEST(test_ocspcache_epoch)
{
	unsigned char key[SHA256_DIGEST_LENGTH], der[DER_MAX];
	struct ocspcache_answer a;
	struct ocspcache *c;
	uint64_t e0, e1;
	char *changed[] = { "99" };

	ck_assert_err(ocspcache_new(1000, (size_t)1 << 30, &c), KALIT_OK);
	e0 = ocspcache_epoch(c);
	ocspcache_bump(c);
	e1 = ocspcache_epoch(c);
	ck_assert_uint_ne(e0, e1);
	/* an answer from a read begun before the bump may predate a change */
	key_of(10, key);
	answer_of(10, der, &a);
	ocspcache_put(c, key, e0, "A\0", 3, &a, REFRESH);
	ck_assert_int_eq(get(c, 10, T0), 0);
	ocspcache_put(c, key, e1, "A\0", 3, &a, REFRESH);
	ck_assert_int_eq(get(c, 10, T0), 1);
	/* the bump drops nothing already kept */
	ocspcache_bump(c);
	ck_assert_int_eq(get(c, 10, T0), 1);
	/* a purge starts a new epoch too, even when it drops nothing */
	e1 = ocspcache_epoch(c);
	ocspcache_purge(c, changed, 1);
	ck_assert_uint_ne(ocspcache_epoch(c), e1);
	ck_assert_int_eq(get(c, 10, T0), 1);
	key_of(11, key);
	answer_of(11, der, &a);
	ocspcache_put(c, key, e1, "B\0", 3, &a, REFRESH);
	ck_assert_int_eq(get(c, 11, T0), 0);
	ocspcache_free(c);
}
END_TEST

/* Answers of the first n that are hits now. */
static size_t
hits(struct ocspcache *c, unsigned int n)
{
	size_t k = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		k += (size_t)get(c, i, T0);
	return k;
}

START_TEST(test_ocspcache_max_answers_bound)
{
	static const size_t maxes[] = { 1, 10, 63, 64, 100, 1000, 5000 };
	struct ocspcache *c;
	unsigned int i, n, step;
	size_t m, k, most;

	for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		ck_assert_err(ocspcache_new(maxes[m], (size_t)1 << 30, &c),
		    KALIT_OK);
		n = (unsigned int)maxes[m] * 8 + 500;
		step = (unsigned int)maxes[m] / 2 + 1;
		most = 0;
		for (i = 0; i < n; i++) {
			put(c, i, NULL, 0);
			if (i % step != 0 && i != n - 1)
				continue;
			k = hits(c, i + 1);
			ck_assert_msg(k <= maxes[m], "max_answers %zu: %zu "
			    "answers kept after %u", maxes[m], k, i + 1);
			if (k > most)
				most = k;
		}
		/* the cap bounds the cache; it does not empty it */
		ck_assert_msg(most > 0, "max_answers %zu: nothing kept",
		    maxes[m]);
		ocspcache_free(c);
	}
}
END_TEST

/* The byte budget bounds the cache whatever max_answers allows. */
START_TEST(test_ocspcache_bytes_bound)
{
	static const size_t budgets[] = { 64 * 1024, 256 * 1024, 1 << 20 };
	struct ocspcache *c;
	unsigned int i;
	size_t b, most = 0;

	for (b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		ck_assert_err(ocspcache_new(1000000, budgets[b], &c),
		    KALIT_OK);
		for (i = 0; i < 20000; i++) {
			put(c, i, NULL, 0);
			ck_assert_uint_le(ocspcache_bytes(c), budgets[b]);
			if (ocspcache_bytes(c) > most)
				most = ocspcache_bytes(c);
		}
		ck_assert_uint_gt(hits(c, 20000), 0);
		ocspcache_purge(c, NULL, 0);
		ck_assert_uint_eq(ocspcache_bytes(c), 0);
		ocspcache_free(c);
	}
	ck_assert_uint_gt(most, 0);
}
END_TEST

START_TEST(test_ocspcache_zero_keeps_none)
{
	struct ocspcache *c;

	ck_assert_err(ocspcache_new(0, (size_t)1 << 30, &c), KALIT_OK);
	put(c, 1, NULL, 0);
	put(c, 2, NULL, 0);
	ck_assert_int_eq(get(c, 1, T0), 0);
	ck_assert_int_eq(get(c, 2, T0), 0);
	ocspcache_purge(c, NULL, 0);
	ocspcache_free(c);
}
END_TEST

START_TEST(test_ocspcache_free_null)
{
	ocspcache_free(NULL);
}
END_TEST

struct worker {
	pthread_t	 thread;
	struct ocspcache *cache;
	unsigned int	 seed;
	int		 purger;	/* also purges and bumps now and then */
	size_t		 hits, misses, wrong;
};

/*
 * Gets a random answer and puts it on a miss. Failures are counted, not
 * asserted: a Check assertion is for the test's own thread.
 */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned char key[SHA256_DIGEST_LENGTH], der[DER_MAX];
	struct ocspcache_answer a;
	char serial[16], *changed[1];
	unsigned int i, op;
	size_t slen;

	for (op = 0; op < THREAD_OPS; op++) {
		i = (unsigned int)rand_r(&w->seed) % THREAD_KEYS;
		key_of(i, key);
		memset(&a, 0, sizeof(a));
		if (ocspcache_get(w->cache, key, T0, &a)) {
			w->hits++;
			if (!is_answer(i, &a))
				w->wrong++;
			free(a.der);
		} else {
			w->misses++;
			if (a.der != NULL)
				w->wrong++;
			/* "1F\0\0": one serial, and the list's end */
			slen = (size_t)snprintf(serial, sizeof(serial) - 1,
			    "%X", i) + 2;
			serial[slen - 1] = '\0';
			answer_of(i, der, &a);
			ocspcache_put(w->cache, key, ocspcache_epoch(w->cache),
			    serial, slen, &a, REFRESH);
		}
		if (w->purger && op % 500 == 0) {
			snprintf(serial, sizeof(serial), "%X", i);
			changed[0] = serial;
			ocspcache_purge(w->cache, changed, 1);
		}
		if (w->purger && op % 5000 == 0)
			ocspcache_bump(w->cache);
	}
	return NULL;
}

/* Several threads on one cache of max answers, one of them purging. */
static void
run_workers(size_t max)
{
	struct worker w[NTHREADS];
	struct ocspcache *c;
	size_t i, h = 0, wrong = 0;

	ck_assert_err(ocspcache_new(max, (size_t)1 << 30, &c), KALIT_OK);
	memset(w, 0, sizeof(w));
	for (i = 0; i < NTHREADS; i++) {
		w[i].cache = c;
		w[i].seed = (unsigned int)(i + 1) * 7919;
		w[i].purger = i == 0;
		ck_assert_int_eq(pthread_create(&w[i].thread, NULL,
		    worker_main, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(w[i].thread, NULL), 0);
		ck_assert_uint_eq(w[i].hits + w[i].misses, THREAD_OPS);
		h += w[i].hits;
		wrong += w[i].wrong;
	}
	ck_assert_msg(wrong == 0, "max %zu: %zu hits with another key's "
	    "answer", max, wrong);
	ck_assert_msg(h > 0, "max %zu: no hit in %d gets", max,
	    NTHREADS * THREAD_OPS);
	ck_assert_uint_le(hits(c, THREAD_KEYS), max);
	ocspcache_free(c);
}

START_TEST(test_ocspcache_threads)
{
	run_workers(100000);	/* room for every answer */
	run_workers(256);	/* evicting all the time */
}
END_TEST

static Suite *
ocspcache_suite(void)
{
	Suite *s = suite_create("ocspcache");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ocspcache_put_get_round_trip);
	tcase_add_test(tc, test_ocspcache_miss);
	tcase_add_test(tc, test_ocspcache_refresh_time_is_a_miss);
	tcase_add_test(tc, test_ocspcache_purge_serial);
	tcase_add_test(tc, test_ocspcache_epoch);
	tcase_add_test(tc, test_ocspcache_max_answers_bound);
	tcase_add_test(tc, test_ocspcache_bytes_bound);
	tcase_add_test(tc, test_ocspcache_zero_keeps_none);
	tcase_add_test(tc, test_ocspcache_free_null);
	tcase_add_test(tc, test_ocspcache_threads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(ocspcache_suite());
}
