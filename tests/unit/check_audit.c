/* check_audit.c: unit tests for audit.c (and the store's audit table) */
#include "config.h"

#include <string.h>

#include <check.h>

#include "audit.h"
#include "store.h"
#include "testutil.h"
#include "teststore.h"

/* A new store with three audit records, closed again. */
static void
make_log(void)
{
	struct store *s = NULL;

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(audit_append(s, "alice", "init", NULL, NULL), KALIT_OK);
	ck_assert_err(store_commit(s), KALIT_OK);
	ck_assert_err(audit_append(s, "bob", "issue", "4f3c2b1a",
	    "profile=citizen"), KALIT_OK);
	ck_assert_err(audit_append(s, "alice", "revoke", "4f3c2b1a",
	    "reason=keyCompromise"), KALIT_OK);
	store_free(s);
}

/* Changes one row of the audit table behind the store's back. */
static void
raw_sql(const char *sql)
{
	ck_assert_int_eq(ts_raw_sql(sql), 1);
}

/* Opens the store and verifies the log; returns the result. */
static int
verify(int64_t *countp, int64_t *badp)
{
	struct store *s = NULL;
	int r;

	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	*countp = *badp = -1;
	r = audit_verify(s, countp, badp);
	store_free(s);
	return r;
}

START_TEST(test_audit_append_and_verify)
{
	int64_t count, bad;

	make_log();
	ck_assert_err(verify(&count, &bad), KALIT_OK);
	ck_assert(count == 3);
	ck_assert(bad == 0);
}
END_TEST

START_TEST(test_audit_empty_log_verifies)
{
	struct store *s = NULL;
	int64_t count = -1, bad = -1, seq = -1;
	char hash[STORE_HASH_HEX + 1];

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	ck_assert_err(audit_verify(s, &count, &bad), KALIT_OK);
	ck_assert(count == 0);
	ck_assert(bad == 0);
	ck_assert_err(store_audit_last(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 0);
	ck_assert_str_eq(hash, "");
	store_free(s);
}
END_TEST

START_TEST(test_audit_records_chain)
{
	struct store *s = NULL;
	struct ts_audit_rows v;
	char hash[STORE_HASH_HEX + 1], prev[STORE_HASH_HEX + 1] = "";
	int64_t seq;
	int i;

	make_log();
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	memset(&v, 0, sizeof(v));
	ck_assert_err(store_audit_list(s, 0, ts_audit_collect, &v), KALIT_OK);
	ck_assert_int_eq(v.n, 3);
	ck_assert_str_eq(v.rec[0].actor, "alice");
	ck_assert_str_eq(v.rec[0].action, "init");
	ck_assert_str_eq(v.rec[0].serial, "");		/* NULL → "" */
	ck_assert_str_eq(v.rec[0].detail, "");
	ck_assert_str_eq(v.rec[1].serial, "4f3c2b1a");
	ck_assert_str_eq(v.rec[2].detail, "reason=keyCompromise");
	for (i = 0; i < 3; i++) {
		ck_assert(v.rec[i].seq == i + 1);
		ck_assert(v.rec[i].time > 1700000000);
		ck_assert_uint_eq(strlen(v.rec[i].hash), STORE_HASH_HEX);
		ck_assert_err(audit_hash(prev, &v.rec[i], hash), KALIT_OK);
		ck_assert_str_eq(hash, v.rec[i].hash);
		memcpy(prev, hash, sizeof(prev));
	}
	ck_assert_err(store_audit_last(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 3);
	ck_assert_str_eq(hash, v.rec[2].hash);
	store_free(s);
}
END_TEST

START_TEST(test_audit_hash_covers_every_field)
{
	struct store_audit a, b;
	char h1[STORE_HASH_HEX + 1], h2[STORE_HASH_HEX + 1];

	memset(&a, 0, sizeof(a));
	a.seq = 1;
	a.time = 1700000000;
	a.actor = "ab";
	a.action = "c";
	a.serial = "";
	a.detail = "";
	ck_assert_err(audit_hash("", &a, h1), KALIT_OK);
	ck_assert_uint_eq(strlen(h1), STORE_HASH_HEX);
	ck_assert_uint_eq(strspn(h1, "0123456789abcdef"), STORE_HASH_HEX);
	/* deterministic */
	ck_assert_err(audit_hash("", &a, h2), KALIT_OK);
	ck_assert_str_eq(h1, h2);
	/* field boundaries are part of the hash: "ab"+"c" != "a"+"bc" */
	b = a;
	b.actor = "a";
	b.action = "bc";
	ck_assert_err(audit_hash("", &b, h2), KALIT_OK);
	ck_assert_str_ne(h1, h2);
	b = a;
	b.seq = 2;
	ck_assert_err(audit_hash("", &b, h2), KALIT_OK);
	ck_assert_str_ne(h1, h2);
	b = a;
	b.time++;
	ck_assert_err(audit_hash("", &b, h2), KALIT_OK);
	ck_assert_str_ne(h1, h2);
	b = a;
	b.serial = "1";
	ck_assert_err(audit_hash("", &b, h2), KALIT_OK);
	ck_assert_str_ne(h1, h2);
	b = a;
	b.detail = "x";
	ck_assert_err(audit_hash("", &b, h2), KALIT_OK);
	ck_assert_str_ne(h1, h2);
	ck_assert_err(audit_hash("00", &a, h2), KALIT_OK);
	ck_assert_str_ne(h1, h2);
	/* "1,2" for seq,time must not equal seq 12 with another time */
	b = a;
	b.seq = 11;
	b.time = 700000000;
	ck_assert_err(audit_hash("", &b, h2), KALIT_OK);
	ck_assert_str_ne(h1, h2);
}
END_TEST

START_TEST(test_audit_tampered_field_detected)
{
	int64_t count, bad;

	make_log();
	raw_sql("UPDATE audit SET actor = 'x' WHERE seq = 2");
	ck_assert_err(verify(&count, &bad), KALIT_ERR_AUDIT_BROKEN);
	ck_assert(bad == 2);
	ck_assert(count == 1);
}
END_TEST

START_TEST(test_audit_tampered_each_column_detected)
{
	static const char *const sql[] = {
		"UPDATE audit SET time = time + 1 WHERE seq = 1",
		"UPDATE audit SET action = 'noop' WHERE seq = 1",
		"UPDATE audit SET serial = '00' WHERE seq = 1",
		"UPDATE audit SET detail = '' WHERE seq = 3",
		"UPDATE audit SET hash = upper(hash) WHERE seq = 3",
	};
	static const int64_t want[] = { 1, 1, 1, 3, 3 };
	int64_t count, bad;
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		ts_reset();
		make_log();
		raw_sql(sql[i]);
		ck_assert_msg(verify(&count, &bad) == KALIT_ERR_AUDIT_BROKEN,
		    "not detected: %s", sql[i]);
		ck_assert_msg(bad == want[i], "%s: bad %lld", sql[i],
		    (long long)bad);
	}
}
END_TEST

START_TEST(test_audit_deleted_middle_row_detected)
{
	int64_t count, bad;

	make_log();
	raw_sql("DELETE FROM audit WHERE seq = 2");
	ck_assert_err(verify(&count, &bad), KALIT_ERR_AUDIT_BROKEN);
	ck_assert(bad == 3);
	ck_assert(count == 1);
}
END_TEST

START_TEST(test_audit_deleted_first_row_detected)
{
	int64_t count, bad;

	make_log();
	raw_sql("DELETE FROM audit WHERE seq = 1");
	ck_assert_err(verify(&count, &bad), KALIT_ERR_AUDIT_BROKEN);
	ck_assert(bad == 2);
	ck_assert(count == 0);
}
END_TEST

/*
 * The newest records deleted: the chain that is left verifies, but it
 * does not end at the head the last write recorded.
 */
START_TEST(test_audit_deleted_last_rows_detected)
{
	static const char *const sql[] = {
		"DELETE FROM audit WHERE seq = 3",
		"DELETE FROM audit WHERE seq >= 2",
		"DELETE FROM audit",
	};
	static const int64_t want[] = { 3, 2, 1 };
	int64_t count, bad;
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		ts_reset();
		make_log();
		ck_assert_int_eq(ts_raw_sql(sql[i]), 4 - want[i]);
		ck_assert_msg(verify(&count, &bad) == KALIT_ERR_AUDIT_BROKEN,
		    "not detected: %s", sql[i]);
		ck_assert_msg(bad == want[i], "%s: bad %lld", sql[i],
		    (long long)bad);
		ck_assert(count == want[i] - 1);
	}
}
END_TEST

/* ... and the next write refuses to chain on the shortened log. */
START_TEST(test_audit_append_after_tail_deletion_refused)
{
	struct store *s = NULL;
	struct audit_head head;
	struct ts_audit_rows v;

	make_log();
	raw_sql("DELETE FROM audit WHERE seq = 3");
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(audit_append(s, "carol", "issue", "01", NULL),
	    KALIT_ERR_AUDIT_BROKEN);
	memset(&head, 0, sizeof(head));
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(audit_append_at(s, &head, "kalitd", "login", NULL, "ok"),
	    KALIT_ERR_AUDIT_BROKEN);
	store_rollback(s);
	memset(&v, 0, sizeof(v));
	ck_assert_err(store_audit_list(s, 0, ts_audit_collect, &v), KALIT_OK);
	ck_assert_int_eq(v.n, 2);
	store_free(s);
}
END_TEST

/*
 * The last record rewritten with a hash that chains: only the recorded
 * head tells.
 */
START_TEST(test_audit_rewritten_last_record_detected)
{
	struct ts_audit_rows v;
	struct store *s = NULL;
	char sql[256];
	int64_t count, bad;

	make_log();
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	memset(&v, 0, sizeof(v));
	ck_assert_err(store_audit_list(s, 0, ts_audit_collect, &v), KALIT_OK);
	store_free(s);
	v.rec[2].detail = "reason=superseded";
	ck_assert_err(audit_hash(v.rec[1].hash, &v.rec[2], v.rec[2].hash),
	    KALIT_OK);
	snprintf(sql, sizeof(sql), "UPDATE audit SET detail = "
	    "'reason=superseded', hash = '%s' WHERE seq = 3", v.rec[2].hash);
	raw_sql(sql);
	ck_assert_err(verify(&count, &bad), KALIT_ERR_AUDIT_BROKEN);
	ck_assert(bad == 3);
	ck_assert(count == 3);
}
END_TEST

/* A head row deleted, or set back with the rows: both show. */
START_TEST(test_audit_head_row_tampering_detected)
{
	int64_t count, bad;

	make_log();
	raw_sql("DELETE FROM audit_head");
	ck_assert_err(verify(&count, &bad), KALIT_ERR_AUDIT_BROKEN);
	ck_assert(bad == 4);
	ts_reset();
	make_log();
	/* the head moved on to a record never written */
	raw_sql("UPDATE audit_head SET seq = 4");
	ck_assert_err(verify(&count, &bad), KALIT_ERR_AUDIT_BROKEN);
	ck_assert(bad == 4);
}
END_TEST

/*
 * A database made before the head existed gets one at its last record
 * when opened, and goes on as before.
 */
START_TEST(test_audit_head_added_to_old_database)
{
	struct store *s = NULL;
	int64_t count, bad, seq;
	char hash[STORE_HASH_HEX + 1];

	make_log();
	ts_raw_sql("DROP TABLE audit_head; DROP TABLE audit_anchor");
	ck_assert_err(verify(&count, &bad), KALIT_OK);
	ck_assert(count == 3);
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(store_audit_head(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 3);
	ck_assert_err(audit_append(s, "carol", "crl", NULL, "n=1"), KALIT_OK);
	ck_assert_err(store_audit_head(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 4);
	store_free(s);
	ck_assert_err(verify(&count, &bad), KALIT_OK);
	ck_assert(count == 4);
}
END_TEST

/*
 * The head moves with the records of a transaction: other connections see
 * the old head until it commits, and a rollback leaves it.
 */
START_TEST(test_audit_head_moves_at_commit)
{
	struct store *s = NULL, *other = NULL;
	struct audit_head head;
	int64_t seq;
	char hash[STORE_HASH_HEX + 1];
	int i;

	make_log();
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(store_open(ts_dbpath, 0, &other), KALIT_OK);
	memset(&head, 0, sizeof(head));
	ck_assert_err(store_begin(s), KALIT_OK);
	for (i = 0; i < 3; i++)
		ck_assert_err(audit_append_at(s, &head, "kalitd", "login",
		    NULL, "ok"), KALIT_OK);
	ck_assert_err(store_audit_head(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 6);
	ck_assert_str_eq(hash, head.hash);
	ck_assert_err(store_audit_head(other, &seq, hash), KALIT_OK);
	ck_assert(seq == 3);
	ck_assert_err(store_commit(s), KALIT_OK);
	ck_assert_err(store_audit_head(other, &seq, hash), KALIT_OK);
	ck_assert(seq == 6);
	ck_assert_str_eq(hash, head.hash);
	memset(&head, 0, sizeof(head));
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(audit_append_at(s, &head, "kalitd", "login", NULL, "ok"),
	    KALIT_OK);
	store_rollback(s);
	ck_assert_err(store_audit_head(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 6);
	store_free(other);
	store_free(s);
}
END_TEST

START_TEST(test_audit_renumbered_row_detected)
{
	int64_t count, bad;

	make_log();
	/* delete 2 and renumber 3 to close the gap */
	raw_sql("DELETE FROM audit WHERE seq = 2");
	raw_sql("UPDATE audit SET seq = 2 WHERE seq = 3");
	ck_assert_err(verify(&count, &bad), KALIT_ERR_AUDIT_BROKEN);
	ck_assert(bad == 2);
	ck_assert(count == 1);
}
END_TEST

START_TEST(test_audit_append_after_verify_continues_chain)
{
	struct store *s = NULL;
	int64_t count, bad;

	make_log();
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(audit_append(s, "carol", "crl", NULL, "n=1"), KALIT_OK);
	ck_assert_err(audit_verify(s, &count, &bad), KALIT_OK);
	ck_assert(count == 4);
	/* rolled back records do not break the chain */
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(audit_append(s, "carol", "issue", "01", NULL), KALIT_OK);
	store_rollback(s);
	ck_assert_err(audit_append(s, "carol", "issue", "02", NULL), KALIT_OK);
	ck_assert_err(audit_verify(s, &count, &bad), KALIT_OK);
	ck_assert(count == 5);
	ck_assert(bad == 0);
	store_free(s);
}
END_TEST

/*
 * A writer's batch: one head for several records in one transaction, the
 * store read once; the chain is what audit_append() one by one makes, and
 * a head made fresh in the next transaction picks up records appended by
 * others (another process) in between.
 */
START_TEST(test_audit_append_at_keeps_the_head)
{
	struct store *s = NULL;
	struct audit_head head;
	int64_t count, bad, seq;
	char hash[STORE_HASH_HEX + 1];
	int i;

	make_log();
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	memset(&head, 0, sizeof(head));
	ck_assert_err(store_begin(s), KALIT_OK);
	for (i = 0; i < 5; i++)
		ck_assert_err(audit_append_at(s, &head, "kalitd", "login",
		    "4f3c2b1a", "ok"), KALIT_OK);
	ck_assert_err(store_commit(s), KALIT_OK);
	ck_assert(head.known);
	ck_assert(head.seq == 8);
	ck_assert_err(store_audit_last(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 8);
	ck_assert_str_eq(head.hash, hash);
	/* someone else appends; the next transaction's fresh head sees it */
	ck_assert_err(audit_append(s, "admin", "client-add", NULL, "x"),
	    KALIT_OK);
	memset(&head, 0, sizeof(head));
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(audit_append_at(s, &head, "kalitd", "login", NULL,
	    "challenge_reused"), KALIT_OK);
	ck_assert_err(store_commit(s), KALIT_OK);
	ck_assert(head.seq == 10);
	ck_assert_err(audit_verify(s, &count, &bad), KALIT_OK);
	ck_assert(count == 10);
	ck_assert(bad == 0);
	store_free(s);
}
END_TEST

/* A failed append leaves the head where it was. */
START_TEST(test_audit_append_at_failure_keeps_head)
{
	struct store *s = NULL;
	struct audit_head head;
	struct store_audit a;

	make_log();
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	memset(&head, 0, sizeof(head));
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(audit_append_at(s, &head, "kalitd", "login", NULL, "ok"),
	    KALIT_OK);
	ck_assert(head.seq == 4);
	/* the next sequence number is taken behind the head's back */
	memset(&a, 0, sizeof(a));
	a.seq = 5;
	a.time = 1;
	a.actor = a.action = a.serial = a.detail = "x";
	strcpy(a.hash, "00");
	ck_assert_err(store_audit_put(s, &a), KALIT_OK);
	ck_assert_err(audit_append_at(s, &head, "kalitd", "login", NULL, "ok"),
	    KALIT_ERR_DUPLICATE);
	ck_assert(head.seq == 4);
	store_rollback(s);
	store_free(s);
}
END_TEST

START_TEST(test_audit_duplicate_seq_refused)
{
	struct store *s = NULL;
	struct store_audit a;

	make_log();
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	memset(&a, 0, sizeof(a));
	a.seq = 2;
	a.time = 1;
	a.actor = a.action = a.serial = a.detail = "x";
	strcpy(a.hash, "00");
	ck_assert_err(store_audit_put(s, &a), KALIT_ERR_DUPLICATE);
	store_free(s);
}
END_TEST

static Suite *
audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_audit_append_and_verify);
	tcase_add_test(tc, test_audit_empty_log_verifies);
	tcase_add_test(tc, test_audit_records_chain);
	tcase_add_test(tc, test_audit_hash_covers_every_field);
	tcase_add_test(tc, test_audit_tampered_field_detected);
	tcase_add_test(tc, test_audit_tampered_each_column_detected);
	tcase_add_test(tc, test_audit_deleted_middle_row_detected);
	tcase_add_test(tc, test_audit_deleted_first_row_detected);
	tcase_add_test(tc, test_audit_renumbered_row_detected);
	tcase_add_test(tc, test_audit_deleted_last_rows_detected);
	tcase_add_test(tc, test_audit_append_after_tail_deletion_refused);
	tcase_add_test(tc, test_audit_rewritten_last_record_detected);
	tcase_add_test(tc, test_audit_head_row_tampering_detected);
	tcase_add_test(tc, test_audit_head_added_to_old_database);
	tcase_add_test(tc, test_audit_head_moves_at_commit);
	tcase_add_test(tc, test_audit_append_after_verify_continues_chain);
	tcase_add_test(tc, test_audit_duplicate_seq_refused);
	tcase_add_test(tc, test_audit_append_at_keeps_the_head);
	tcase_add_test(tc, test_audit_append_at_failure_keeps_head);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(audit_suite());
}
