/*
 * check_audit_archive.c: unit tests for audit_archive.c: the oldest audit
 * records moved to a file that verifies on its own and joins the table
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <check.h>

#include "audit.h"
#include "store.h"
#include "testutil.h"
#include "teststore.h"

#define T0	INT64_C(1700000000)	/* record i is dated T0 + 10 * i */

static char path[PATH_MAX];		/* the archive: ts_tmpdir/a.jsonl */

static void
setup(void)
{
	ts_setup();
	tu_path(path, sizeof(path), ts_tmpdir, "a.jsonl");
}

/*
 * Appends n records, the next numbers of the chain, dated by their number
 * (or at, when not 0), with actor actor.
 */
static void
put_records(struct store *s, int n, int64_t at, const char *actor)
{
	struct store_audit a;
	char prev[STORE_HASH_HEX + 1], detail[32];
	int64_t last;
	int i;

	for (i = 0; i < n; i++) {
		ck_assert_err(audit_last(s, &last, prev), KALIT_OK);
		memset(&a, 0, sizeof(a));
		a.seq = last + 1;
		a.time = at != 0 ? at : T0 + 10 * a.seq;
		a.actor = actor;
		a.action = "login";
		a.serial = "";
		snprintf(detail, sizeof(detail), "n=%lld", (long long)a.seq);
		a.detail = detail;
		ck_assert_err(audit_hash(prev, &a, a.hash), KALIT_OK);
		ck_assert_err(store_audit_put(s, &a), KALIT_OK);
	}
}

/* A new log of n records, dated by number; caller frees. */
static struct store *
make_log(int n)
{
	struct store *s = NULL;

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	put_records(s, n, 0, "op");
	return s;
}

/* The number of records in the table; asserts that the log verifies. */
static int64_t
verified(struct store *s)
{
	int64_t count = -1, bad = -1;

	ck_assert_err(audit_verify(s, &count, &bad), KALIT_OK);
	ck_assert(bad == 0);
	return count;
}

/* audit_archive() of records before T0 + 10 * upto + 5 into file. */
static int
archive(struct store *s, int upto, const char *file,
    struct audit_archive_result *res)
{
	return audit_archive(s, "admin", T0 + 10 * upto + 5, file, NULL, res);
}

/* audit_check() finds the log of s intact: its report. */
static json_t *
intact(struct store *s, const char *file)
{
	struct audit_check_opts o;
	json_t *j = NULL;

	memset(&o, 0, sizeof(o));
	o.archive = file;
	ck_assert_err(audit_check(s, &o, &j), KALIT_OK);
	return j;
}

START_TEST(test_audit_archive_moves_the_oldest)
{
	struct store *s = make_log(6);
	struct audit_archive_result res;
	struct audit_archive a;
	struct stat st;
	int64_t seq;
	char hash[STORE_HASH_HEX + 1], *text;
	json_t *j;
	int state;

	ck_assert_err(archive(s, 3, path, &res), KALIT_OK);
	ck_assert(res.file.first_seq == 1 && res.file.last_seq == 3);
	ck_assert(res.file.records == 3 && res.deleted == 3 && !res.resumed);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	/* the table: records 4 to 6 and the archive's own record, 7 */
	ck_assert(verified(s) == 4);
	ck_assert_err(store_audit_last(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 7);
	/* the file on its own, and joined */
	ck_assert_err(audit_archive_read(path, NULL, NULL, &a), KALIT_OK);
	ck_assert(a.prev_seq == 0 && a.first_seq == 1 && a.last_seq == 3);
	ck_assert_str_eq(a.prev_hash, "");
	ck_assert_str_eq(a.last_hash, res.file.last_hash);
	ck_assert_err(audit_archive_join(s, &a, &state), KALIT_OK);
	ck_assert_int_eq(state, AUDIT_ARCHIVE_APPLIED);
	j = intact(s, path);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j,
	    "archived"), "seq")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "archive"), "state")), "applied");
	ck_assert_ptr_nonnull(text = audit_report_text(j));
	ck_assert_msg(strstr(text, "records 1 to 3 are archived") != NULL,
	    "%s", text);
	free(text);
	json_decref(j);
	/* and the chain goes on */
	ck_assert_err(audit_append(s, "carol", "crl", NULL, "n=8"), KALIT_OK);
	ck_assert(verified(s) == 5);
	store_free(s);
}
END_TEST

START_TEST(test_audit_archive_nothing_older)
{
	struct store *s = make_log(3);
	struct audit_archive_result res;

	ck_assert_err(archive(s, 0, path, &res), KALIT_OK);
	ck_assert(res.file.records == 0 && res.deleted == 0);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert(verified(s) == 3);
	store_free(s);
}
END_TEST

/* Archives one after the other chain: each file joins its anchor. */
START_TEST(test_audit_archive_twice)
{
	struct store *s = make_log(6);
	struct audit_archive_result res;
	struct audit_archive a1, a2;
	char path2[PATH_MAX];
	int state;
	json_t *j;

	tu_path(path2, sizeof(path2), ts_tmpdir, "b.jsonl");
	ck_assert_err(archive(s, 2, path, &res), KALIT_OK);
	ck_assert_err(archive(s, 5, path2, &res), KALIT_OK);
	ck_assert(res.file.first_seq == 3 && res.file.last_seq == 5);
	ck_assert_err(audit_archive_read(path, NULL, NULL, &a1), KALIT_OK);
	ck_assert_err(audit_archive_read(path2, NULL, NULL, &a2), KALIT_OK);
	ck_assert(a2.prev_seq == 2);
	ck_assert_str_eq(a2.prev_hash, a1.last_hash);
	ck_assert_err(audit_archive_join(s, &a1, &state), KALIT_OK);
	ck_assert_int_eq(state, AUDIT_ARCHIVE_APPLIED);
	j = intact(s, path2);
	json_decref(j);
	store_free(s);
}
END_TEST

/* The archive is a prefix: it stops at the first record not older. */
START_TEST(test_audit_archive_stops_at_a_newer_record)
{
	struct store *s = make_log(1);
	struct audit_archive_result res;

	put_records(s, 1, T0 + 1000, "op");	/* record 2, later */
	put_records(s, 2, 0, "op");		/* 3 and 4, older again */
	ck_assert_err(archive(s, 4, path, &res), KALIT_OK);
	ck_assert(res.file.first_seq == 1 && res.file.last_seq == 1);
	store_free(s);
}
END_TEST

/* Copies ts_dbpath to ts_dbpath.bak, or back (the store is closed). */
static void
copy_db(int back)
{
	char bak[PATH_MAX], *buf;
	size_t len;

	ck_assert_int_lt(snprintf(bak, sizeof(bak), "%s.bak", ts_dbpath),
	    (int)sizeof(bak));
	buf = tu_read_file(back ? bak : ts_dbpath, &len);
	tu_write_file(back ? ts_dbpath : bak, buf, len);
	free(buf);
}

/*
 * A crash between the file and the delete: the file is there, and the
 * table still has its records. Both verify; the same command finishes.
 */
START_TEST(test_audit_archive_resumes_after_a_crash)
{
	struct store *s = make_log(5);
	struct audit_archive_result res;
	struct audit_archive a;
	int state;
	json_t *j;

	store_free(s);
	copy_db(0);
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(archive(s, 3, path, &res), KALIT_OK);
	store_free(s);
	copy_db(1);
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert(verified(s) == 5);
	ck_assert_err(audit_archive_read(path, NULL, NULL, &a), KALIT_OK);
	ck_assert_err(audit_archive_join(s, &a, &state), KALIT_OK);
	ck_assert_int_eq(state, AUDIT_ARCHIVE_PENDING);
	j = intact(s, path);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "archive"), "state")), "pending");
	json_decref(j);
	/* run again: the file is kept, its records deleted */
	ck_assert_err(archive(s, 4, path, &res), KALIT_OK);
	ck_assert(res.resumed && res.deleted == 3 && res.file.last_seq == 3);
	ck_assert_err(audit_archive_join(s, &a, &state), KALIT_OK);
	ck_assert_int_eq(state, AUDIT_ARCHIVE_APPLIED);
	/* and once more: nothing left to do */
	ck_assert_err(archive(s, 4, path, &res), KALIT_OK);
	ck_assert(res.resumed && res.deleted == 0);
	ck_assert(verified(s) == 3);
	store_free(s);
}
END_TEST

/* Writes the first len bytes of the archive at path over it. */
static void
cut(size_t len)
{
	char *buf = tu_read_file(path, NULL);

	tu_write_file(path, buf, len);
	free(buf);
}

/* A file cut short (a crash while writing it) deletes nothing. */
START_TEST(test_audit_archive_incomplete_file_refused)
{
	struct store *s = make_log(5);
	struct audit_archive_result res;
	struct audit_archive a;
	char *buf;

	store_free(s);
	copy_db(0);
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(archive(s, 3, path, &res), KALIT_OK);
	store_free(s);
	copy_db(1);
	buf = tu_read_file(path, NULL);
	cut((size_t)(strrchr(buf, '{') - buf));	/* no end line */
	free(buf);
	ck_assert_err(audit_archive_read(path, NULL, NULL, &a),
	    KALIT_ERR_MALFORMED);
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(archive(s, 3, path, &res), KALIT_ERR_MALFORMED);
	ck_assert(verified(s) == 5);
	cut(20);				/* a header cut short */
	ck_assert_err(audit_archive_read(path, NULL, NULL, &a),
	    KALIT_ERR_MALFORMED);
	store_free(s);
}
END_TEST

/* A record changed in the file, or a line added after its end. */
START_TEST(test_audit_archive_tampered_file_refused)
{
	struct store *s = make_log(4);
	struct audit_archive_result res;
	struct audit_archive a;
	char *buf, *p;
	size_t len;

	ck_assert_err(archive(s, 3, path, &res), KALIT_OK);
	buf = tu_read_file(path, &len);
	ck_assert_ptr_nonnull(p = strstr(buf, "\"n=2\""));
	p[3] = '9';
	tu_write_file(path, buf, len);
	ck_assert_err(audit_archive_read(path, NULL, NULL, &a),
	    KALIT_ERR_AUDIT_BROKEN);
	p[3] = '2';
	memcpy(buf + len, "{}\n", 3);
	tu_write_file(path, buf, len + 3);
	ck_assert_err(audit_archive_read(path, NULL, NULL, &a),
	    KALIT_ERR_MALFORMED);
	free(buf);
	store_free(s);
}
END_TEST

/* Another database's archive verifies on its own but joins nothing here. */
START_TEST(test_audit_archive_other_database)
{
	struct store *s = make_log(4), *other = NULL;
	struct audit_archive_result res;
	struct audit_archive a;
	char db2[PATH_MAX];
	int state;

	tu_path(db2, sizeof(db2), ts_tmpdir, "other.db");
	ck_assert_err(store_open(db2, 1, &other), KALIT_OK);
	put_records(other, 4, 0, "someone else");
	ck_assert_err(archive(other, 3, path, &res), KALIT_OK);
	store_free(other);
	ck_assert_err(audit_archive_read(path, NULL, NULL, &a), KALIT_OK);
	ck_assert_err(audit_archive_join(s, &a, &state),
	    KALIT_ERR_AUDIT_BROKEN);
	/* and is never applied here */
	ck_assert_err(archive(s, 3, path, &res), KALIT_ERR_AUDIT_BROKEN);
	store_free(s);
}
END_TEST

/* An operator name cut inside a UTF-8 character keeps its bytes. */
START_TEST(test_audit_archive_keeps_bytes_not_utf8)
{
	struct store *s = NULL;
	struct audit_archive_result res;
	struct audit_archive a;
	char *buf;

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	put_records(s, 2, 0, "Ulug\xca");
	ck_assert_err(archive(s, 2, path, &res), KALIT_OK);
	buf = tu_read_file(path, NULL);
	ck_assert_msg(strstr(buf, "\"actor\":{\"hex\":\"556c7567ca\"}") !=
	    NULL, "%s", buf);
	free(buf);
	ck_assert_err(audit_archive_read(path, NULL, NULL, &a), KALIT_OK);
	ck_assert(a.records == 2);
	store_free(s);
}
END_TEST

/* Records after the newest full CRL of a delta-CRL CA stay. */
START_TEST(test_audit_archive_keeps_what_delta_crls_need)
{
	struct store *s = ts_open_with_cas();
	struct audit_archive_result res;
	struct store_crl crl;

	put_records(s, 5, 0, "op");
	ck_assert_err(store_meta_set(s, "delta_crl:issuing", "1"), KALIT_OK);
	ts_crl_rec(&crl, 0, 0, 1);
	crl.audit_seq = 2;
	ck_assert_err(store_crl_put(s, &crl), KALIT_OK);
	ck_assert_err(archive(s, 5, path, &res), KALIT_OK);
	ck_assert(res.file.first_seq == 1 && res.file.last_seq == 2);
	store_free(s);
}
END_TEST

/* A log cut short is not archived: nothing written, nothing deleted. */
START_TEST(test_audit_archive_refuses_a_broken_log)
{
	struct store *s = make_log(4);
	struct audit_archive_result res;

	store_free(s);
	ck_assert_int_eq(ts_raw_sql("DELETE FROM audit WHERE seq = 4"), 1);
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(archive(s, 3, path, &res), KALIT_ERR_AUDIT_BROKEN);
	ck_assert_int_eq(access(path, F_OK), -1);
	store_free(s);
}
END_TEST

/* A line longer than AUDIT_ARCHIVE_LINE_MAX is refused, not read. */
START_TEST(test_audit_archive_long_line_refused)
{
	struct audit_archive a;
	size_t n = AUDIT_ARCHIVE_LINE_MAX + 100, h;
	char *buf;

	ck_assert_ptr_nonnull(buf = malloc(n + 200));
	strcpy(buf, "{\"format\":\"kalit-audit-archive\",\"version\":1,"
	    "\"prev_seq\":0,\"prev_hash\":\"\",\"before\":1}\n{\"seq\":1,"
	    "\"detail\":\"");
	h = strlen(buf);
	memset(buf + h, 'x', n);
	buf[h + n] = '\0';
	strcat(buf, "\"}\n");
	tu_write_file(path, buf, strlen(buf));
	free(buf);
	ck_assert_err(audit_archive_read(path, NULL, NULL, &a),
	    KALIT_ERR_MALFORMED);
}
END_TEST

static Suite *
audit_archive_suite(void)
{
	Suite *s = suite_create("audit_archive");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, ts_teardown);
	tcase_add_test(tc, test_audit_archive_moves_the_oldest);
	tcase_add_test(tc, test_audit_archive_nothing_older);
	tcase_add_test(tc, test_audit_archive_twice);
	tcase_add_test(tc, test_audit_archive_stops_at_a_newer_record);
	tcase_add_test(tc, test_audit_archive_resumes_after_a_crash);
	tcase_add_test(tc, test_audit_archive_incomplete_file_refused);
	tcase_add_test(tc, test_audit_archive_tampered_file_refused);
	tcase_add_test(tc, test_audit_archive_other_database);
	tcase_add_test(tc, test_audit_archive_keeps_bytes_not_utf8);
	tcase_add_test(tc, test_audit_archive_keeps_what_delta_crls_need);
	tcase_add_test(tc, test_audit_archive_refuses_a_broken_log);
	tcase_add_test(tc, test_audit_archive_long_line_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(audit_archive_suite());
}
