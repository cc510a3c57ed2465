/* check_store_sqlite_crl.c: unit tests for store_sqlite_crl.c */
#include "config.h"

#include <string.h>

#include <check.h>

#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "audit.h"
#include "store.h"
#include "testutil.h"
#include "teststore.h"

struct revoked_seen {
	char	 buf[256];
	int	 n;
};

static int
collect_revoked(const char *serial, int64_t at, int reason, void *arg)
{
	struct revoked_seen *r = arg;
	char line[64];

	snprintf(line, sizeof(line), "%s@%lld/%d;", serial, (long long)at,
	    reason);
	strcat(r->buf, line);
	r->n++;
	return KALIT_OK;
}

/* Rows of the crls table for (issuing, shard, delta). */
static int
crl_rows(int shard, int delta)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n;

	ck_assert_int_eq(sqlite3_open_v2(ts_dbpath, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM crls "
	    "WHERE ca = 'issuing' AND shard = ?1 AND delta = ?2", -1, &st,
	    NULL), SQLITE_OK);
	sqlite3_bind_int(st, 1, shard);
	sqlite3_bind_int(st, 2, delta);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

struct changed_seen {
	char	 buf[256];
};

static int
collect_changed(const char *serial, int status, int64_t at, int reason,
    void *arg)
{
	struct changed_seen *c = arg;
	char line[64];

	snprintf(line, sizeof(line), "%s:%d@%lld/%d;", serial, status,
	    (long long)at, reason);
	strcat(c->buf, line);
	return KALIT_OK;
}

START_TEST(test_store_sqlite_crl_revoked_list)
{
	struct store *s = ts_open_with_certs();
	struct revoked_seen r;

	memset(&r, 0, sizeof(r));
	ck_assert_err(store_revoked_list(s, "issuing", collect_revoked, &r),
	    KALIT_OK);
	ck_assert_int_eq(r.n, 2);
	ck_assert_ptr_nonnull(strstr(r.buf, "c3@350/1;"));
	ck_assert_ptr_nonnull(strstr(r.buf, "c4@450/6;"));
	memset(&r, 0, sizeof(r));
	ck_assert_err(store_revoked_list(s, "root", collect_revoked, &r),
	    KALIT_OK);
	ck_assert_str_eq(r.buf, "c5@60/2;");
	memset(&r, 0, sizeof(r));
	ck_assert_err(store_revoked_list(s, "nosuch", collect_revoked, &r),
	    KALIT_OK);
	ck_assert_int_eq(r.n, 0);
	/* un-held: gone from the list */
	ck_assert_err(store_cert_set_status(s, "c4", STORE_VALID, 0, -1),
	    KALIT_OK);
	memset(&r, 0, sizeof(r));
	ck_assert_err(store_revoked_list(s, "issuing", collect_revoked, &r),
	    KALIT_OK);
	ck_assert_str_eq(r.buf, "c3@350/1;");
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_crl_revoked_list_in_serial_order)
{
	static const char *const serials[] = {
		"7f00000000000000000000000000000a",
		"4000000000000000000000000000000b",
		"5e0000000000000000000000000000ff",
		"40000000000000000000000000000001",
	};
	struct store *s = ts_open_with_cas();
	struct store_cert c;
	struct revoked_seen r;
	size_t i;

	for (i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
		ts_cert_rec(&c, serials[i], "issuing", "citizen", 100, NOW);
		c.status = STORE_REVOKED;
		c.revoked_at = 500;
		c.reason = CRL_REASON_UNSPECIFIED;
		ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	}
	memset(&r, 0, sizeof(r));
	ck_assert_err(store_revoked_list(s, "issuing", collect_revoked, &r),
	    KALIT_OK);
	ck_assert_str_eq(r.buf,
	    "40000000000000000000000000000001@500/0;"
	    "4000000000000000000000000000000b@500/0;"
	    "5e0000000000000000000000000000ff@500/0;"
	    "7f00000000000000000000000000000a@500/0;");
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_crl_number_next)
{
	struct store *s = ts_open_with_cas();
	struct store_ca ca;
	int64_t n = 0;

	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(store_crl_number_next(s, "issuing", &n), KALIT_OK);
	ck_assert(n == 1);
	ck_assert_err(store_crl_number_next(s, "issuing", &n), KALIT_OK);
	ck_assert(n == 2);
	ck_assert_err(store_crl_number_next(s, "root", &n), KALIT_OK);
	ck_assert(n == 1);
	ck_assert_err(store_commit(s), KALIT_OK);
	ck_assert_err(store_crl_number_next(s, "nosuch", &n),
	    KALIT_ERR_CA_UNKNOWN);
	/* a rolled back number is handed out again */
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(store_crl_number_next(s, "issuing", &n), KALIT_OK);
	ck_assert(n == 3);
	store_rollback(s);
	ck_assert_err(store_ca_get(s, "issuing", &ca), KALIT_OK);
	ck_assert(ca.crl_number == 2);
	ck_assert_err(store_crl_number_next(s, "issuing", &n), KALIT_OK);
	ck_assert(n == 3);
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_crl_put_latest)
{
	struct store *s = ts_open_with_cas();
	struct store_crl c, got;
	int64_t n;

	ck_assert_err(store_crl_latest(s, "issuing", 0, 0, &got),
	    KALIT_ERR_NOT_FOUND);
	ck_assert_ptr_null(got.der);
	for (n = 1; n <= 5; n++) {
		ts_crl_rec(&c, 0, 0, n);
		ck_assert_err(store_crl_put(s, &c), KALIT_OK);
	}
	ts_crl_rec(&c, 0, 1, 6);
	ck_assert_err(store_crl_put(s, &c), KALIT_OK);
	ts_crl_rec(&c, 3, 0, 7);
	ck_assert_err(store_crl_put(s, &c), KALIT_OK);
	/* the newest of each (ca, shard, delta) */
	ck_assert_err(store_crl_latest(s, "issuing", 0, 0, &got), KALIT_OK);
	ck_assert_str_eq(got.ca, "issuing");
	ck_assert_int_eq(got.shard, 0);
	ck_assert_int_eq(got.delta, 0);
	ck_assert(got.number == 5 && got.base_number == 0);
	ck_assert(got.this_update == NOW + 5 && got.next_update ==
	    NOW + 5 + 86400 && got.audit_seq == 50);
	ck_assert_uint_eq(got.der_len, 5);
	ck_assert_mem_eq(got.der, c.der, 5);
	store_crl_clear(&got);
	ck_assert_ptr_null(got.der);
	store_crl_clear(&got);		/* twice is harmless */
	ck_assert_err(store_crl_latest(s, "issuing", 0, 1, &got), KALIT_OK);
	ck_assert(got.delta == 1 && got.number == 6 && got.base_number == 5);
	store_crl_clear(&got);
	/* the same without the DER */
	ck_assert_err(store_crl_head(s, "issuing", 0, 0, &got), KALIT_OK);
	ck_assert(got.number == 5 && got.audit_seq == 50 && got.der == NULL &&
	    got.der_len == 0);
	ck_assert_err(store_crl_head(s, "issuing", 1, 0, &got),
	    KALIT_ERR_NOT_FOUND);
	ck_assert_err(store_crl_latest(s, "issuing", 3, 0, &got), KALIT_OK);
	ck_assert(got.shard == 3 && got.number == 7);
	store_crl_clear(&got);
	ck_assert_err(store_crl_latest(s, "issuing", 1, 0, &got),
	    KALIT_ERR_NOT_FOUND);
	ck_assert_err(store_crl_latest(s, "root", 0, 0, &got),
	    KALIT_ERR_NOT_FOUND);
	/* only the newest STORE_CRL_KEEP stay */
	ck_assert_int_eq(crl_rows(0, 0), STORE_CRL_KEEP);
	ck_assert_int_eq(crl_rows(0, 1), 1);
	ck_assert_int_eq(crl_rows(3, 0), 1);
	/* a number is stored once */
	ts_crl_rec(&c, 0, 0, 5);
	ck_assert_err(store_crl_put(s, &c), KALIT_ERR_DUPLICATE);
	/* rolled back with its transaction */
	ck_assert_err(store_begin(s), KALIT_OK);
	ts_crl_rec(&c, 0, 0, 9);
	ck_assert_err(store_crl_put(s, &c), KALIT_OK);
	store_rollback(s);
	ck_assert_err(store_crl_latest(s, "issuing", 0, 0, &got), KALIT_OK);
	ck_assert(got.number == 5);
	store_crl_clear(&got);
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_crl_changed_since)
{
	struct store *s = ts_open_with_certs();
	struct changed_seen c;
	int64_t seq, base;
	char hash[STORE_HASH_HEX + 1];

	ck_assert_err(audit_append(s, "t", "issue", "c1", "ca=issuing"),
	    KALIT_OK);
	ck_assert_err(store_audit_last(s, &base, hash), KALIT_OK);
	ck_assert_err(store_changed_last(s, "issuing", base, &seq), KALIT_OK);
	ck_assert(seq == 0);
	/* c4 released, c1 revoked, c5 (root's) revoked again, a crl made */
	ck_assert_err(store_cert_set_status(s, "c4", STORE_VALID, 0, -1),
	    KALIT_OK);
	ck_assert_err(audit_append(s, "t", "release", "c4", NULL), KALIT_OK);
	ck_assert_err(store_cert_set_status(s, "c1", STORE_REVOKED, 700,
	    CRL_REASON_SUPERSEDED), KALIT_OK);
	ck_assert_err(audit_append(s, "t", "revoke", "c1", NULL), KALIT_OK);
	ck_assert_err(audit_append(s, "t", "hold", "c5", NULL), KALIT_OK);
	ck_assert_err(audit_append(s, "t", "crl", NULL, "ca=issuing"),
	    KALIT_OK);
	memset(&c, 0, sizeof(c));
	ck_assert_err(store_changed_list(s, "issuing", base, collect_changed,
	    &c), KALIT_OK);
	ck_assert_str_eq(c.buf, "c1:1@700/4;c4:0@0/-1;");
	ck_assert_err(store_changed_last(s, "issuing", base, &seq), KALIT_OK);
	ck_assert(seq == base + 2);
	ck_assert_err(store_changed_last(s, "root", base, &seq), KALIT_OK);
	ck_assert(seq == base + 3);
	/* after the last change: nothing */
	memset(&c, 0, sizeof(c));
	ck_assert_err(store_changed_list(s, "issuing", base + 2,
	    collect_changed, &c), KALIT_OK);
	ck_assert_str_eq(c.buf, "");
	ck_assert_err(store_changed_last(s, "issuing", base + 2, &seq),
	    KALIT_OK);
	ck_assert(seq == 0);
	store_free(s);
}
END_TEST

static Suite *
store_sqlite_crl_suite(void)
{
	Suite *s = suite_create("store_sqlite_crl");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_store_sqlite_crl_revoked_list);
	tcase_add_test(tc, test_store_sqlite_crl_revoked_list_in_serial_order);
	tcase_add_test(tc, test_store_sqlite_crl_number_next);
	tcase_add_test(tc, test_store_sqlite_crl_put_latest);
	tcase_add_test(tc, test_store_sqlite_crl_changed_since);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(store_sqlite_crl_suite());
}
