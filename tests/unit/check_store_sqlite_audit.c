/*
 * check_store_sqlite_audit.c: unit tests for store_sqlite_audit.c, the
 * audit table as the store keeps it: rows stored as given, read back in
 * sequence order, inside and outside transactions. The hash chain that
 * audit.c builds on it is tested in check_audit.c.
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "store.h"
#include "testutil.h"
#include "teststore.h"

/* The sequence numbers listed after after, comma-separated. */
static const char *
seqs(struct store *s, int64_t after)
{
	static char buf[128];
	struct ts_audit_rows v;
	char n[24];
	int i;

	memset(&v, 0, sizeof(v));
	ck_assert_err(store_audit_list(s, after, ts_audit_collect, &v), KALIT_OK);
	buf[0] = '\0';
	for (i = 0; i < v.n; i++) {
		snprintf(n, sizeof(n), "%s%lld", i ? "," : "",
		    (long long)v.rec[i].seq);
		strcat(buf, n);
	}
	return buf;
}

/* Puts row seq, its text fields and hash derived from seq. */
static int
put(struct store *s, int64_t seq)
{
	struct store_audit a;
	char actor[32];

	memset(&a, 0, sizeof(a));
	snprintf(actor, sizeof(actor), "op%lld", (long long)seq);
	a.seq = seq;
	a.time = NOW + seq;
	a.actor = actor;
	a.action = "issue";
	a.serial = "";
	a.detail = "";
	snprintf(a.hash, sizeof(a.hash), "%064lld", (long long)seq);
	return store_audit_put(s, &a);
}

/* A new store with rows 1 to n, closed again when close is set. */
static struct store *
open_with_rows(int64_t n, int close)
{
	struct store *s = NULL;
	int64_t i;

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	for (i = 1; i <= n; i++)
		ck_assert_err(put(s, i), KALIT_OK);
	if (!close)
		return s;
	store_free(s);
	return NULL;
}

START_TEST(test_store_sqlite_audit_put_stores_verbatim)
{
	struct store *s = NULL;
	struct store_audit a;
	struct ts_audit_rows v;

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	/* the store neither numbers, dates nor hashes: it keeps what it gets */
	memset(&a, 0, sizeof(a));
	a.seq = 41;
	a.time = 12345;
	a.actor = "alice@host";
	a.action = "revoke";
	a.serial = "4f3c2b1a";
	a.detail = "reason=keyCompromise";
	strcpy(a.hash, "not a hash at all");
	ck_assert_err(store_audit_put(s, &a), KALIT_OK);
	store_free(s);
	s = NULL;
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	memset(&v, 0, sizeof(v));
	ck_assert_err(store_audit_list(s, 0, ts_audit_collect, &v), KALIT_OK);
	ck_assert_int_eq(v.n, 1);
	ck_assert(v.rec[0].seq == 41);
	ck_assert(v.rec[0].time == 12345);
	ck_assert_str_eq(v.rec[0].actor, "alice@host");
	ck_assert_str_eq(v.rec[0].action, "revoke");
	ck_assert_str_eq(v.rec[0].serial, "4f3c2b1a");
	ck_assert_str_eq(v.rec[0].detail, "reason=keyCompromise");
	ck_assert_str_eq(v.rec[0].hash, "not a hash at all");
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_audit_list_in_seq_order)
{
	struct store *s = NULL;
	int64_t seq = -1;
	char hash[STORE_HASH_HEX + 1];

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	/* put out of order, with a gap */
	ck_assert_err(put(s, 3), KALIT_OK);
	ck_assert_err(put(s, 1), KALIT_OK);
	ck_assert_err(put(s, 7), KALIT_OK);
	ck_assert_err(put(s, 2), KALIT_OK);
	ck_assert_str_eq(seqs(s, 0), "1,2,3,7");
	ck_assert_str_eq(seqs(s, -5), "1,2,3,7");
	ck_assert_str_eq(seqs(s, 2), "3,7");
	ck_assert_str_eq(seqs(s, 3), "7");
	ck_assert_str_eq(seqs(s, 6), "7");
	ck_assert_str_eq(seqs(s, 7), "");
	/* the last is the highest number, not the last put */
	ck_assert_err(store_audit_last(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 7);
	ck_assert_str_eq(hash,
	    "0000000000000000000000000000000000000000000000000000000000000007");
	/* a number is stored once */
	ck_assert_err(put(s, 3), KALIT_ERR_DUPLICATE);
	ck_assert_str_eq(seqs(s, 0), "1,2,3,7");
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_audit_list_callback_stops)
{
	struct store *s = NULL;
	struct ts_audit_rows v;

	s = open_with_rows(2, 0);
	memset(&v, 0, sizeof(v));
	v.stop = 77;
	ck_assert_int_eq(store_audit_list(s, 0, ts_audit_collect, &v), 77);
	ck_assert_int_eq(v.n, 1);
	/* the statement is not left half-read: the next listing is whole */
	ck_assert_str_eq(seqs(s, 0), "1,2");
	ck_assert_err(put(s, 3), KALIT_OK);
	ck_assert_str_eq(seqs(s, 0), "1,2,3");
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_audit_put_missing_field_refused)
{
	struct store *s = NULL;
	struct store_audit a;
	int64_t seq = -1;
	char hash[STORE_HASH_HEX + 1];

	s = open_with_rows(1, 0);
	memset(&a, 0, sizeof(a));
	a.seq = 2;
	a.time = NOW;
	a.actor = "op";
	a.action = "issue";
	a.serial = NULL;		/* audit_append() passes "" */
	a.detail = "";
	strcpy(a.hash, "00");
	ck_assert_err(store_audit_put(s, &a), KALIT_ERR_DB);
	a.serial = "";
	a.actor = NULL;
	ck_assert_err(store_audit_put(s, &a), KALIT_ERR_DB);
	ck_assert_err(store_audit_last(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 1);
	ck_assert_str_eq(seqs(s, 0), "1");
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_audit_transaction)
{
	struct store *s = NULL, *other = NULL;
	int64_t seq = -1;
	char hash[STORE_HASH_HEX + 1];

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	ck_assert_err(store_open(ts_dbpath, 0, &other), KALIT_OK);
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(put(s, 1), KALIT_OK);
	/* seen inside its transaction, so the next row can chain on it */
	ck_assert_err(store_audit_last(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 1);
	/* but not by another connection until committed */
	ck_assert_err(store_audit_last(other, &seq, hash), KALIT_OK);
	ck_assert(seq == 0);
	ck_assert_str_eq(seqs(other, 0), "");
	ck_assert_err(store_commit(s), KALIT_OK);
	ck_assert_err(store_audit_last(other, &seq, hash), KALIT_OK);
	ck_assert(seq == 1);
	ck_assert_str_eq(seqs(other, 0), "1");

	/* rolled back: gone, the last row is the committed one again */
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(put(s, 2), KALIT_OK);
	ck_assert_err(put(s, 3), KALIT_OK);
	ck_assert_str_eq(seqs(s, 0), "1,2,3");
	store_rollback(s);
	ck_assert_err(store_audit_last(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 1);
	ck_assert_str_eq(seqs(s, 0), "1");
	ck_assert_str_eq(seqs(other, 0), "1");
	/* a duplicate inside a transaction leaves it going */
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(put(s, 1), KALIT_ERR_DUPLICATE);
	ck_assert_err(put(s, 2), KALIT_OK);
	ck_assert_err(store_commit(s), KALIT_OK);
	ck_assert_str_eq(seqs(other, 0), "1,2");
	store_free(other);
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_audit_readonly_refuses_put)
{
	struct store *s = NULL;
	int64_t seq = -1;
	char hash[STORE_HASH_HEX + 1];

	open_with_rows(1, 1);
	ck_assert_err(store_open_readonly(ts_dbpath, &s), KALIT_OK);
	ck_assert_err(put(s, 2), KALIT_ERR_DB);
	ck_assert_err(store_audit_last(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 1);
	ck_assert_str_eq(seqs(s, 0), "1");
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_audit_tampered_rows)
{
	struct store *s = NULL;
	struct ts_audit_rows v;

	open_with_rows(3, 1);
	/* a changed field is listed as it now is: judging is audit_verify's */
	ck_assert_int_eq(ts_raw_sql("UPDATE audit SET actor = 'mallory' "
	    "WHERE seq = 2"), 1);
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	memset(&v, 0, sizeof(v));
	ck_assert_err(store_audit_list(s, 0, ts_audit_collect, &v), KALIT_OK);
	ck_assert_int_eq(v.n, 3);
	ck_assert_str_eq(v.rec[1].actor, "mallory");
	store_free(s);
	s = NULL;
	/*
	 * A table rebuilt without its NOT NULL constraints and a field set
	 * to NULL: the listing stops at that row.
	 */
	ck_assert_int_eq(ts_raw_sql("BEGIN;"
	    "CREATE TABLE old AS SELECT * FROM audit;"
	    "DROP TABLE audit;"
	    "CREATE TABLE audit (seq INTEGER PRIMARY KEY, time INTEGER, "
	    "actor TEXT, action TEXT, serial TEXT, detail TEXT, hash TEXT);"
	    "INSERT INTO audit SELECT * FROM old;"
	    "DROP TABLE old;"
	    "UPDATE audit SET detail = NULL WHERE seq = 2;"
	    "COMMIT;"), 1);
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	memset(&v, 0, sizeof(v));
	ck_assert_err(store_audit_list(s, 0, ts_audit_collect, &v),
	    KALIT_ERR_AUDIT_BROKEN);
	ck_assert_int_eq(v.n, 1);
	ck_assert(v.rec[0].seq == 1);
	/* after it, the rest reads */
	ck_assert_str_eq(seqs(s, 2), "3");
	store_free(s);
}
END_TEST

static Suite *
store_sqlite_audit_suite(void)
{
	Suite *s = suite_create("store_sqlite_audit");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_store_sqlite_audit_put_stores_verbatim);
	tcase_add_test(tc, test_store_sqlite_audit_list_in_seq_order);
	tcase_add_test(tc, test_store_sqlite_audit_list_callback_stops);
	tcase_add_test(tc, test_store_sqlite_audit_put_missing_field_refused);
	tcase_add_test(tc, test_store_sqlite_audit_transaction);
	tcase_add_test(tc, test_store_sqlite_audit_readonly_refuses_put);
	tcase_add_test(tc, test_store_sqlite_audit_tampered_rows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(store_sqlite_audit_suite());
}
