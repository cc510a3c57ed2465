/*
 * check_certmap.c: unit tests for certmap.c: the byte budget, the order in
 * which values are forgotten, and references kept balanced
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "certmap.h"
#include "testutil.h"

/* A counted value: refs says how many references the map holds. */
struct val {
	int	refs;
	int	freed;
};

static void
val_ref(void *v)
{
	((struct val *)v)->refs++;
}

static void
val_unref(void *v)
{
	struct val *x = v;

	if (--x->refs == 0)
		x->freed = 1;
}

/* A hash for n in shard 0 (the first byte picks the shard). */
static void
hash_of(unsigned int n, unsigned char h[CERTMAP_HASH])
{
	memset(h, 0, CERTMAP_HASH);
	h[1] = (unsigned char)(n >> 8);
	h[2] = (unsigned char)n;
	h[3] = 0x5a;
}

START_TEST(test_certmap_budget_forgets_oldest)
{
	struct val v[10];
	unsigned char h[CERTMAP_HASH];
	struct certmap *m;
	unsigned int i;
	void *got;

	memset(v, 0, sizeof(v));
	/* 16 shards: 1600 bytes are 100 per shard; each value costs 30 */
	ck_assert_err(certmap_new(1600, val_ref, val_unref, &m), KALIT_OK);
	for (i = 0; i < 10; i++) {
		hash_of(i, h);
		v[i].refs = 1;		/* the caller's, taken by put */
		got = certmap_put(m, h, &v[i], 30);
		ck_assert_ptr_eq(got, &v[i]);
		val_unref(got);		/* put's reference for the caller */
	}
	/* three fit: 7, 8, 9; the others were forgotten oldest first */
	for (i = 0; i < 10; i++) {
		hash_of(i, h);
		got = certmap_get(m, h);
		if (i < 7) {
			ck_assert_ptr_null(got);
			ck_assert_int_eq(v[i].freed, 1);
		} else {
			ck_assert_ptr_eq(got, &v[i]);
			val_unref(got);
		}
	}
	ck_assert_uint_eq(certmap_bytes(m), 90);
	certmap_free(m);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(v[i].refs, 0);
}
END_TEST

START_TEST(test_certmap_too_costly_not_stored)
{
	struct val v = { 1, 0 };
	unsigned char h[CERTMAP_HASH];
	struct certmap *m;

	ck_assert_err(certmap_new(1600, val_ref, val_unref, &m), KALIT_OK);
	hash_of(1, h);
	ck_assert_ptr_eq(certmap_put(m, h, &v, 101), &v);
	ck_assert_int_eq(v.refs, 1);	/* the caller's own, not stored */
	ck_assert_ptr_null(certmap_get(m, h));
	ck_assert_uint_eq(certmap_bytes(m), 0);
	certmap_free(m);
	ck_assert_int_eq(v.refs, 1);
}
END_TEST

START_TEST(test_certmap_first_put_wins)
{
	struct val a = { 1, 0 }, b = { 1, 0 };
	unsigned char h[CERTMAP_HASH];
	struct certmap *m;
	void *got;

	ck_assert_err(certmap_new(1 << 20, val_ref, val_unref, &m), KALIT_OK);
	hash_of(7, h);
	got = certmap_put(m, h, &a, 10);
	val_unref(got);
	got = certmap_put(m, h, &b, 10);
	ck_assert_ptr_eq(got, &a);
	ck_assert_int_eq(b.freed, 1);	/* the loser's reference dropped */
	val_unref(got);
	ck_assert_uint_eq(certmap_bytes(m), 10);
	certmap_free(m);
	ck_assert_int_eq(a.refs, 0);
}
END_TEST

START_TEST(test_certmap_zero_budget)
{
	struct val v = { 1, 0 };
	unsigned char h[CERTMAP_HASH];
	struct certmap *m;

	ck_assert_err(certmap_new(0, val_ref, val_unref, &m), KALIT_OK);
	hash_of(1, h);
	ck_assert_ptr_eq(certmap_put(m, h, &v, 1), &v);
	ck_assert_ptr_null(certmap_get(m, h));
	certmap_free(m);
	ck_assert_int_eq(v.refs, 1);
}
END_TEST

static Suite *
certmap_suite(void)
{
	Suite *s = suite_create("certmap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_certmap_budget_forgets_oldest);
	tcase_add_test(tc, test_certmap_too_costly_not_stored);
	tcase_add_test(tc, test_certmap_first_put_wins);
	tcase_add_test(tc, test_certmap_zero_budget);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(certmap_suite());
}
