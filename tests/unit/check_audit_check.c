/*
 * check_audit_check.c: unit tests for audit_check.c, the audit log judged
 * whole and beside the certificates and CRLs it records
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "audit.h"
#include "crl.h"
#include "store.h"
#include "testutil.h"
#include "teststore.h"

/* Records certificate serial of CA "issuing" as kalit-ca issue does. */
static void
issue(struct store *s, const char *serial)
{
	struct store_cert c;

	ts_cert_rec(&c, serial, "issuing", "citizen", (int64_t)time(NULL),
	    NOW + 86400);
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ck_assert_err(audit_append(s, "alice", "issue", serial,
	    "ca=issuing profile=citizen"), KALIT_OK);
	ck_assert_err(store_commit(s), KALIT_OK);
}

/* Changes its status as kalit-ca revoke, hold and release do. */
static void
set_status(struct store *s, const char *serial, const char *action,
    int status, int reason, int64_t at)
{
	char detail[128];

	if (reason >= 0)
		snprintf(detail, sizeof(detail), "ca=issuing reason=%s at=%lld",
		    crl_reason_name(reason), (long long)at);
	else
		snprintf(detail, sizeof(detail), "ca=issuing");
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(store_cert_set_status(s, serial, status, at, reason),
	    KALIT_OK);
	ck_assert_err(audit_append(s, "alice", action, serial, detail),
	    KALIT_OK);
	ck_assert_err(store_commit(s), KALIT_OK);
}

/* Publishes CRL number (of shard 0) with its record, as kalit-ca crl does. */
static void
publish(struct store *s, int64_t number)
{
	struct store_crl crl;
	char hash[STORE_HASH_HEX + 1], detail[128];
	int64_t n;

	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(store_crl_number_next(s, "issuing", &n), KALIT_OK);
	ck_assert(n == number);
	ts_crl_rec(&crl, 0, 0, number);
	ck_assert_err(audit_last(s, &crl.audit_seq, hash), KALIT_OK);
	ck_assert_err(store_crl_put(s, &crl), KALIT_OK);
	snprintf(detail, sizeof(detail), "ca=issuing number=%lld shards=1 "
	    "entries=0", (long long)number);
	ck_assert_err(audit_append(s, "alice", "crl", NULL, detail), KALIT_OK);
	ck_assert_err(store_commit(s), KALIT_OK);
}

/*
 * A CA database as kalit-ca leaves it: a1 and a2 valid, r1 revoked, h1
 * held, CRLs 1 and 2 published; closed again.
 */
static void
make_ca(void)
{
	struct store *s;

	/* afresh, when a test makes it again */
	ts_reset();
	s = ts_open_with_cas();

	issue(s, "a1");
	issue(s, "a2");
	issue(s, "r1");
	issue(s, "h1");
	publish(s, 1);
	set_status(s, "r1", "revoke", STORE_REVOKED,
	    CRL_REASON_KEY_COMPROMISE, NOW);
	set_status(s, "h1", "hold", STORE_HOLD, CRL_REASON_CERTIFICATE_HOLD,
	    NOW + 1);
	publish(s, 2);
	store_free(s);
}

/* audit_check() of ts_dbpath with o (NULL: none): result, report in *jp. */
static int
check(const struct audit_check_opts *o, json_t **jp)
{
	struct audit_check_opts none;
	struct store *s = NULL;
	int r;

	memset(&none, 0, sizeof(none));
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	r = audit_check(s, o != NULL ? o : &none, jp);
	store_free(s);
	return r;
}

/* The report's problems of kind, as "SEQ SERIAL" words, joined by ','. */
static const char *
problems(json_t *j, const char *kind)
{
	static char buf[1024];
	json_t *p;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(json_object_get(j, "problems"), i, p) {
		if (strcmp(json_string_value(json_object_get(p, "kind")),
		    kind) != 0)
			continue;
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    "%s%lld %s", buf[0] ? "," : "", (long long)
		    json_integer_value(json_object_get(p, "seq")),
		    json_is_string(json_object_get(p, "serial")) ?
		    json_string_value(json_object_get(p, "serial")) : "-");
	}
	return buf;
}

/* audit_check() finds problems, and kind's are want ("SEQ SERIAL,..."). */
static void
broken(const char *kind, const char *want)
{
	json_t *j = NULL;

	ck_assert_err(check(NULL, &j), KALIT_ERR_AUDIT_BROKEN);
	ck_assert_ptr_nonnull(j);
	ck_assert(json_is_false(json_object_get(j, "intact")));
	ck_assert_str_eq(problems(j, kind), want);
	json_decref(j);
}

START_TEST(test_audit_check_intact)
{
	json_t *j = NULL;
	char *text;

	make_ca();
	ck_assert_err(check(NULL, &j), KALIT_OK);
	ck_assert(json_is_true(json_object_get(j, "intact")));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "records")), 8);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "head_seq")),
	    8);
	ck_assert_int_eq(json_integer_value(json_object_get(j,
	    "certificates")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "crls")), 2);
	ck_assert(json_is_null(json_object_get(j, "archived")));
	ck_assert_int_eq(json_array_size(json_object_get(j, "problems")), 0);
	ck_assert_ptr_nonnull(text = audit_report_text(j));
	ck_assert_msg(strncmp(text, "audit log intact: 8 records, head 8:",
	    36) == 0, "%s", text);
	free(text);
	json_decref(j);
}
END_TEST

/* The newest records deleted: the head, and the CRL stored with them. */
START_TEST(test_audit_check_tail_deleted)
{
	make_ca();
	ck_assert_int_eq(ts_raw_sql("DELETE FROM audit WHERE seq >= 6"), 3);
	broken("head", "6 -");
	broken("crl", "8 -");
	/* r1 was revoked by record 6, h1 held by 7: now only issued */
	broken("certificate", "4 h1,3 r1");
}
END_TEST

/* A revoked certificate set back to valid with SQL; a hold lifted. */
START_TEST(test_audit_check_status_reset)
{
	make_ca();
	ts_raw_sql("UPDATE certs SET status = 0, revoked_at = NULL, "
	    "reason = NULL WHERE serial = 'r1'");
	broken("certificate", "6 r1");
	make_ca();
	ts_raw_sql("UPDATE certs SET status = 0 WHERE serial = 'h1'");
	broken("certificate", "7 h1");
}
END_TEST

/* Revoked, but for another reason or at another time than recorded. */
START_TEST(test_audit_check_revocation_details)
{
	char sql[128];

	make_ca();
	snprintf(sql, sizeof(sql), "UPDATE certs SET reason = %d WHERE "
	    "serial = 'r1'", CRL_REASON_SUPERSEDED);
	ck_assert_int_eq(ts_raw_sql(sql), 1);
	broken("certificate", "6 r1");
	make_ca();
	/* back-dated: signatures made before it would look revoked-after */
	ck_assert_int_eq(ts_raw_sql("UPDATE certs SET revoked_at = "
	    "revoked_at - 86400 WHERE serial = 'r1'"), 1);
	broken("certificate", "6 r1");
}
END_TEST

/* Certificate rows deleted, added or revoked without a record. */
START_TEST(test_audit_check_rows_without_records)
{
	struct store *s = NULL;
	struct store_cert c;

	make_ca();
	ck_assert_int_eq(ts_raw_sql("DELETE FROM certs WHERE serial = 'a2'"),
	    1);
	broken("certificate", "2 a2");
	make_ca();
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ts_cert_rec(&c, "x9", "issuing", "citizen", (int64_t)time(NULL),
	    NOW + 86400);
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	store_free(s);
	broken("certificate", "0 x9");
	make_ca();
	ck_assert_int_eq(ts_raw_sql("UPDATE certs SET status = 1, "
	    "revoked_at = 1, reason = 1 WHERE serial = 'a1'"), 1);
	broken("certificate", "1 a1");
}
END_TEST

/* The newest CRL's row deleted: the CA's CRL number is past it. */
START_TEST(test_audit_check_crl_row_deleted)
{
	make_ca();
	ck_assert_int_eq(ts_raw_sql("DELETE FROM crls WHERE number = 2"), 1);
	broken("crl", "0 -");
}
END_TEST

START_TEST(test_audit_check_chain_broken)
{
	json_t *j = NULL;

	make_ca();
	ck_assert_int_eq(ts_raw_sql("UPDATE audit SET actor = 'mallory' "
	    "WHERE seq = 2"), 1);
	ck_assert_err(check(NULL, &j), KALIT_ERR_AUDIT_BROKEN);
	ck_assert_str_eq(problems(j, "chain"), "2 -");
	ck_assert_int_eq(json_integer_value(json_object_get(j,
	    "first_broken")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "verified")),
	    1);
	json_decref(j);
}
END_TEST

/* The head as printed earlier: there, rewritten, or cut off. */
START_TEST(test_audit_check_expect_head)
{
	struct audit_check_opts o;
	json_t *j = NULL;
	char head[128], sql[256];
	const char *h;

	make_ca();
	ck_assert_err(check(NULL, &j), KALIT_OK);
	snprintf(head, sizeof(head), "8:%s",
	    json_string_value(json_object_get(j, "head")));
	json_decref(j);
	memset(&o, 0, sizeof(o));
	o.expect_head = head;
	ck_assert_err(check(&o, &j), KALIT_OK);
	json_decref(j);
	o.expect_head = "0:";
	ck_assert_err(check(&o, &j), KALIT_OK);
	json_decref(j);
	/* another hash for record 8 */
	snprintf(head, sizeof(head), "8:%064d", 7);
	o.expect_head = head;
	ck_assert_err(check(&o, &j), KALIT_ERR_AUDIT_BROKEN);
	ck_assert_str_eq(problems(j, "expected_head"), "8 -");
	json_decref(j);
	/* the tail deleted with the head row set back: only the copy tells */
	ck_assert_err(check(NULL, &j), KALIT_OK);
	h = json_string_value(json_object_get(j, "head"));
	snprintf(head, sizeof(head), "8:%s", h);
	json_decref(j);
	ck_assert_int_eq(ts_raw_sql("DELETE FROM audit WHERE seq = 8"), 1);
	ck_assert_int_eq(ts_raw_sql("DELETE FROM crls WHERE number = 2"), 1);
	ck_assert_int_eq(ts_raw_sql("UPDATE cas SET crl_number = 1 WHERE "
	    "name = 'issuing'"), 1);
	snprintf(sql, sizeof(sql), "UPDATE audit_head SET seq = 7, hash = "
	    "(SELECT hash FROM audit WHERE seq = 7)");
	ck_assert_int_eq(ts_raw_sql(sql), 1);
	ck_assert_err(check(NULL, &j), KALIT_OK);
	json_decref(j);
	ck_assert_err(check(&o, &j), KALIT_ERR_AUDIT_BROKEN);
	ck_assert_str_eq(problems(j, "expected_head"), "8 -");
	json_decref(j);
	/* not SEQ:HASH */
	o.expect_head = "8";
	ck_assert_err(check(&o, &j), KALIT_ERR_USAGE);
	ck_assert_ptr_null(j);
	o.expect_head = "8:abc";
	ck_assert_err(check(&o, &j), KALIT_ERR_USAGE);
}
END_TEST

/* A log tampered everywhere: every problem counted, the first listed. */
START_TEST(test_audit_check_problems_capped)
{
	struct store *s = NULL;
	struct store_cert c;
	json_t *j = NULL;
	char serial[16], *text;
	int i;

	make_ca();
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(store_begin(s), KALIT_OK);
	for (i = 0; i < AUDIT_PROBLEMS_MAX + 50; i++) {
		snprintf(serial, sizeof(serial), "f%04d", i);
		ts_cert_rec(&c, serial, "issuing", "citizen",
		    (int64_t)time(NULL), NOW + 86400);
		ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	}
	ck_assert_err(store_commit(s), KALIT_OK);
	store_free(s);
	ck_assert_err(check(NULL, &j), KALIT_ERR_AUDIT_BROKEN);
	ck_assert_int_eq(json_integer_value(json_object_get(j,
	    "problems_total")), AUDIT_PROBLEMS_MAX + 50);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "problems")),
	    AUDIT_PROBLEMS_MAX);
	ck_assert_ptr_nonnull(text = audit_report_text(j));
	ck_assert_msg(strstr(text, "certificate f0000: in the certificate "
	    "table without") == text, "%s", text);
	ck_assert_msg(strstr(text, "\nand 50 problems more\n") != NULL, "%s",
	    text);
	free(text);
	json_decref(j);
}
END_TEST

static Suite *
audit_check_suite(void)
{
	Suite *s = suite_create("audit_check");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_audit_check_intact);
	tcase_add_test(tc, test_audit_check_tail_deleted);
	tcase_add_test(tc, test_audit_check_status_reset);
	tcase_add_test(tc, test_audit_check_revocation_details);
	tcase_add_test(tc, test_audit_check_rows_without_records);
	tcase_add_test(tc, test_audit_check_crl_row_deleted);
	tcase_add_test(tc, test_audit_check_chain_broken);
	tcase_add_test(tc, test_audit_check_expect_head);
	tcase_add_test(tc, test_audit_check_problems_capped);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(audit_check_suite());
}
