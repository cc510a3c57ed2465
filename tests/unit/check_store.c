/*
 * check_store.c: unit tests for store.c and store_sqlite.c (the CRL,
 * audit and server parts: check_store_sqlite_<part>.c)
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include <check.h>

#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "audit.h"
#include "store.h"
#include "testutil.h"
#include "teststore.h"

/* Collects serials, comma-separated, into a char[512]. */
static int
collect(const struct store_cert *c, void *arg)
{
	char *buf = arg;

	if (*buf != '\0')
		strcat(buf, ",");
	strcat(buf, c->serial);
	return KALIT_OK;
}

static const char *
list(struct store *s, const struct store_filter *f)
{
	static char buf[512];

	buf[0] = '\0';
	ck_assert_err(store_cert_list(s, f, collect, buf), KALIT_OK);
	return buf;
}

static void
filter_any(struct store_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->status = -1;
	f->now = NOW;
}

START_TEST(test_store_open_create_and_reopen)
{
	struct store *s = (struct store *)&s;
	char buf[32];

	/* not there, not created */
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_ERR_CA_DIR);
	ck_assert_ptr_null(s);
	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	ck_assert_ptr_nonnull(s);
	ck_assert_err(store_meta_get(s, "schema_version", buf, sizeof(buf)),
	    KALIT_OK);
	ck_assert_str_eq(buf, "1");
	store_free(s);
	/* there: never created twice */
	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_ERR_CA_DIR);
	ck_assert_ptr_null(s);
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	store_free(s);
	store_free(NULL);
}
END_TEST

/* Mode of dir/name, or -1 when it does not exist. */
static int
file_mode(const char *suffix)
{
	char path[PATH_MAX];
	struct stat st;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s%s", ts_dbpath,
	    suffix), (int)sizeof(path));
	if (stat(path, &st) == -1)
		return -1;
	return (int)(st.st_mode & 07777);
}

/*
 * The database (client-secret hashes, the audit log, who holds what) and
 * its -wal and -shm files are the owner's alone, whatever the umask.
 */
START_TEST(test_store_open_creates_private_files)
{
	struct store *s = NULL;
	mode_t old = umask(022);

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	ck_assert_err(store_meta_set(s, "k", "v"), KALIT_OK);
	umask(old);
	ck_assert_int_eq(file_mode(""), 0600);
	ck_assert_int_eq(file_mode("-wal"), 0600);
	ck_assert_int_eq(file_mode("-shm"), 0600);
	store_free(s);
}
END_TEST

/* A database that cannot be made leaves no file to be opened later. */
START_TEST(test_store_open_failed_create_leaves_nothing)
{
	struct store *s = NULL;
	char path[PATH_MAX];

	/* a directory where SQLite's -wal file would go */
	tu_path(path, sizeof(path), ts_tmpdir, "ca.db-wal");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_ERR_DB);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(file_mode(""), -1);
	ck_assert_int_eq(rmdir(path), 0);
}
END_TEST

START_TEST(test_store_open_bad_paths)
{
	struct store *s = NULL;
	char path[PATH_MAX];

	tu_path(path, sizeof(path), ts_tmpdir, "no/such/dir/ca.db");
	ck_assert_err(store_open(path, 0, &s), KALIT_ERR_CA_DIR);
	/* the file is made (0600) before SQLite sees it */
	ck_assert_err(store_open(path, 1, &s), KALIT_ERR_IO);
	ck_assert_ptr_null(s);
	/* a file that is not a database */
	tu_path(path, sizeof(path), ts_tmpdir, "junk.db");
	tu_write_file(path, "this is not sqlite, just some text........"
	    "...............................................", 90);
	ck_assert_err(store_open(path, 0, &s), KALIT_ERR_DB);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_store_meta)
{
	struct store *s = NULL;
	char buf[64];

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	ck_assert_err(store_meta_get(s, "base_url", buf, sizeof(buf)),
	    KALIT_ERR_CONFIG);
	ck_assert_err(store_meta_set(s, "base_url", "http://a.uz"), KALIT_OK);
	ck_assert_err(store_meta_get(s, "base_url", buf, sizeof(buf)),
	    KALIT_OK);
	ck_assert_str_eq(buf, "http://a.uz");
	ck_assert_err(store_meta_set(s, "base_url", "http://b.uz"), KALIT_OK);
	ck_assert_err(store_meta_get(s, "base_url", buf, sizeof(buf)),
	    KALIT_OK);
	ck_assert_str_eq(buf, "http://b.uz");
	/* truncated to the buffer, NUL-terminated */
	ck_assert_err(store_meta_get(s, "base_url", buf, 5), KALIT_OK);
	ck_assert_str_eq(buf, "http");
	store_free(s);
}
END_TEST

START_TEST(test_store_ca_put_get_list)
{
	struct store *s = ts_open_with_cas();
	struct store_ca ca, dup;

	memset(&ca, 0xff, sizeof(ca));
	ck_assert_err(store_ca_get(s, "root", &ca), KALIT_OK);
	ck_assert_str_eq(ca.name, "root");
	ck_assert_str_eq(ca.profile, "root");
	ck_assert_str_eq(ca.parent, "");
	ck_assert_str_eq(ca.serial, "5a01");
	ck_assert(ca.crl_number == 0);
	ck_assert_err(store_ca_get(s, "issuing", &ca), KALIT_OK);
	ck_assert_str_eq(ca.parent, "root");
	ck_assert_str_eq(ca.profile, "citizen");
	ck_assert_err(store_ca_get(s, "nosuch", &ca), KALIT_ERR_CA_UNKNOWN);

	/* same name, or same certificate serial */
	memset(&dup, 0, sizeof(dup));
	strcpy(dup.name, "root");
	strcpy(dup.profile, "root");
	strcpy(dup.serial, "5a99");
	ck_assert_err(store_ca_put(s, &dup), KALIT_ERR_DUPLICATE);
	strcpy(dup.name, "other");
	strcpy(dup.serial, "5a01");
	ck_assert_err(store_ca_put(s, &dup), KALIT_ERR_DUPLICATE);

	/* still one "root" after reopening */
	store_free(s);
	s = NULL;
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(store_ca_get(s, "root", &ca), KALIT_OK);
	ck_assert_str_eq(ca.serial, "5a01");
	ck_assert_err(store_ca_get(s, "other", &ca), KALIT_ERR_CA_UNKNOWN);
	store_free(s);
}
END_TEST

START_TEST(test_store_cert_put_get)
{
	struct store *s = ts_open_with_cas();
	struct store_cert c, got;

	ts_cert_rec(&c, "4f3c2b1a", "issuing", "citizen", NOW, NOW + 86400);
	strcpy(c.pinfl, PINFL1);
	strcpy(c.tin, "301234567");
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	memset(&got, 0xff, sizeof(got));
	ck_assert_err(store_cert_get(s, "4f3c2b1a", &got), KALIT_OK);
	ck_assert_str_eq(got.serial, "4f3c2b1a");
	ck_assert_str_eq(got.ca, "issuing");
	ck_assert_str_eq(got.profile, "citizen");
	ck_assert_str_eq(got.subject, "CN=Holder,C=UZ");
	ck_assert_str_eq(got.pinfl, PINFL1);
	ck_assert_str_eq(got.tin, "301234567");
	ck_assert_str_eq(got.org_tin, "");
	ck_assert(got.not_before == NOW - 300);
	ck_assert(got.not_after == NOW + 86400);
	ck_assert(got.issued == NOW);
	ck_assert_int_eq(got.status, STORE_VALID);
	ck_assert(got.revoked_at == 0);
	ck_assert_int_eq(got.reason, -1);
	ck_assert_str_eq(got.renewed_from, "");
	ck_assert_uint_eq(got.der_len, c.der_len);
	ck_assert_int_eq(memcmp(got.der, c.der, c.der_len), 0);
	store_cert_clear(&got);
	ck_assert_ptr_null(got.der);
	ck_assert_ptr_null(got.subject);
	store_cert_clear(&got);

	ck_assert_err(store_cert_get(s, "4f3c2b1b", &got),
	    KALIT_ERR_SERIAL_UNKNOWN);
	ck_assert_err(store_cert_get(s, "", &got), KALIT_ERR_SERIAL_UNKNOWN);
	/* serials are exact text, not numbers or patterns */
	ck_assert_err(store_cert_get(s, "4F3C2B1A", &got),
	    KALIT_ERR_SERIAL_UNKNOWN);
	ck_assert_err(store_cert_get(s, "4f3c2b1%", &got),
	    KALIT_ERR_SERIAL_UNKNOWN);
	store_free(s);
}
END_TEST

START_TEST(test_store_cert_duplicate_serial)
{
	struct store *s = ts_open_with_cas();
	struct store_cert c, got;

	ts_cert_rec(&c, "a1", "issuing", "citizen", NOW, NOW + 86400);
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	c.issued = NOW + 1;
	strcpy(c.profile, "official");
	ck_assert_err(store_cert_put(s, &c), KALIT_ERR_DUPLICATE);
	/* the first is untouched */
	ck_assert_err(store_cert_get(s, "a1", &got), KALIT_OK);
	ck_assert_str_eq(got.profile, "citizen");
	ck_assert(got.issued == NOW);
	store_cert_clear(&got);
	/* inside a transaction too, and the transaction goes on */
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(store_cert_put(s, &c), KALIT_ERR_DUPLICATE);
	strcpy(c.serial, "a2");
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ck_assert_err(store_commit(s), KALIT_OK);
	ck_assert_err(store_cert_get(s, "a2", &got), KALIT_OK);
	store_cert_clear(&got);
	store_free(s);
}
END_TEST

START_TEST(test_store_cert_renewed_from)
{
	struct store *s = ts_open_with_cas();
	struct store_cert c, got;

	ts_cert_rec(&c, "b1", "issuing", "citizen", NOW, NOW + 86400);
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ts_cert_rec(&c, "b2", "issuing", "citizen", NOW + 10, NOW + 86400);
	strcpy(c.renewed_from, "b1");
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ck_assert_err(store_cert_get(s, "b2", &got), KALIT_OK);
	ck_assert_str_eq(got.renewed_from, "b1");
	store_cert_clear(&got);
	store_free(s);
}
END_TEST

START_TEST(test_store_cert_set_status)
{
	struct store *s = ts_open_with_cas();
	struct store_cert c, got;

	ts_cert_rec(&c, "c1", "issuing", "citizen", NOW, NOW + 86400);
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ck_assert_err(store_cert_set_status(s, "c1", STORE_REVOKED, NOW + 5,
	    CRL_REASON_KEY_COMPROMISE), KALIT_OK);
	ck_assert_err(store_cert_get(s, "c1", &got), KALIT_OK);
	ck_assert_int_eq(got.status, STORE_REVOKED);
	ck_assert(got.revoked_at == NOW + 5);
	ck_assert_int_eq(got.reason, CRL_REASON_KEY_COMPROMISE);
	store_cert_clear(&got);

	ck_assert_err(store_cert_set_status(s, "c1", STORE_HOLD, NOW + 6,
	    CRL_REASON_CERTIFICATE_HOLD), KALIT_OK);
	ck_assert_err(store_cert_get(s, "c1", &got), KALIT_OK);
	ck_assert_int_eq(got.status, STORE_HOLD);
	ck_assert_int_eq(got.reason, CRL_REASON_CERTIFICATE_HOLD);
	store_cert_clear(&got);

	/* back to valid clears the revocation time and reason */
	ck_assert_err(store_cert_set_status(s, "c1", STORE_VALID, NOW + 7, 3),
	    KALIT_OK);
	ck_assert_err(store_cert_get(s, "c1", &got), KALIT_OK);
	ck_assert_int_eq(got.status, STORE_VALID);
	ck_assert(got.revoked_at == 0);
	ck_assert_int_eq(got.reason, -1);
	store_cert_clear(&got);

	ck_assert_err(store_cert_set_status(s, "nosuch", STORE_REVOKED, NOW,
	    1), KALIT_ERR_SERIAL_UNKNOWN);
	/* "expired" is derived, never stored */
	ck_assert_int_ne(store_cert_set_status(s, "c1", STORE_EXPIRED, NOW,
	    1), KALIT_OK);
	ck_assert_int_ne(store_cert_set_status(s, "c1", 42, NOW, 1), KALIT_OK);
	ck_assert_err(store_cert_get(s, "c1", &got), KALIT_OK);
	ck_assert_int_eq(got.status, STORE_VALID);
	store_cert_clear(&got);
	store_free(s);
}
END_TEST

START_TEST(test_store_cert_list_filters)
{
	struct store *s = ts_open_with_certs();
	struct store_filter f;

	filter_any(&f);
	/* oldest first */
	ck_assert_str_eq(list(s, &f), "c5,c1,c2,c3,c4");
	f.status = STORE_VALID;
	ck_assert_str_eq(list(s, &f), "c1");
	f.status = STORE_EXPIRED;
	ck_assert_str_eq(list(s, &f), "c2");
	f.status = STORE_REVOKED;
	ck_assert_str_eq(list(s, &f), "c5,c3");
	f.status = STORE_HOLD;
	ck_assert_str_eq(list(s, &f), "c4");
	/* time moves on: c1 expires too */
	f.status = STORE_EXPIRED;
	f.now = NOW + 1001;
	ck_assert_str_eq(list(s, &f), "c1,c2");
	f.status = STORE_VALID;
	ck_assert_str_eq(list(s, &f), "");

	filter_any(&f);
	f.pinfl = PINFL1;
	ck_assert_str_eq(list(s, &f), "c1,c3");
	f.pinfl = "00000000000000";
	ck_assert_str_eq(list(s, &f), "");
	filter_any(&f);
	f.tin = "301234567";
	ck_assert_str_eq(list(s, &f), "c1");
	f.tin = "207654321";		/* organisation TIN matches too */
	ck_assert_str_eq(list(s, &f), "c2");
	filter_any(&f);
	f.profile = "official";
	ck_assert_str_eq(list(s, &f), "c2");
	f.profile = "citizen";
	ck_assert_str_eq(list(s, &f), "c1,c3,c4");
	filter_any(&f);
	f.ca = "root";
	ck_assert_str_eq(list(s, &f), "c5");
	filter_any(&f);
	f.expires_before = NOW + 1500;
	ck_assert_str_eq(list(s, &f), "c1,c2");
	f.expires_before = NOW + 1000;	/* strictly before */
	ck_assert_str_eq(list(s, &f), "c2");
	/* combined */
	filter_any(&f);
	f.pinfl = PINFL1;
	f.status = STORE_REVOKED;
	ck_assert_str_eq(list(s, &f), "c3");
	store_free(s);
}
END_TEST

static int
stop_after_first(const struct store_cert *c, void *arg)
{
	int *n = arg;

	(void)c;
	(*n)++;
	return 77;
}

START_TEST(test_store_cert_list_callback_stops)
{
	struct store *s = ts_open_with_certs();
	struct store_filter f;
	int n = 0;

	filter_any(&f);
	ck_assert_int_eq(store_cert_list(s, &f, stop_after_first, &n), 77);
	ck_assert_int_eq(n, 1);
	store_free(s);
}
END_TEST

START_TEST(test_store_ca_crl_settings)
{
	struct store *s = ts_open_with_cas();
	struct store_ca ca;

	ck_assert_err(store_ca_get(s, "issuing", &ca), KALIT_OK);
	ck_assert_int_eq(ca.crl_shards, 1);
	ck_assert_int_eq(ca.delta_crl, 0);
	memset(&ca, 0, sizeof(ca));
	strcpy(ca.name, "sharded");
	strcpy(ca.profile, "citizen");
	strcpy(ca.parent, "root");
	strcpy(ca.serial, "5a03");
	ca.crl_shards = 16;
	ca.delta_crl = 1;
	ck_assert_err(store_ca_put(s, &ca), KALIT_OK);
	memset(&ca, 0, sizeof(ca));
	ck_assert_err(store_ca_get(s, "sharded", &ca), KALIT_OK);
	ck_assert_int_eq(ca.crl_shards, 16);
	ck_assert_int_eq(ca.delta_crl, 1);
	strcpy(ca.name, "toomany");
	strcpy(ca.serial, "5a04");
	ca.crl_shards = STORE_SHARDS_MAX + 1;
	ck_assert_err(store_ca_put(s, &ca), KALIT_ERR_INTERNAL);
	store_free(s);
}
END_TEST

START_TEST(test_store_data_version)
{
	struct store *s = ts_open_with_cas(), *other = NULL;
	int64_t v1, v2, v3;

	ck_assert_err(store_open(ts_dbpath, 0, &other), KALIT_OK);
	ck_assert_err(store_data_version(s, &v1), KALIT_OK);
	ck_assert_err(store_data_version(s, &v2), KALIT_OK);
	ck_assert(v1 == v2);
	/* its own commits do not count, another connection's do */
	ck_assert_err(store_meta_set(s, "k", "1"), KALIT_OK);
	ck_assert_err(store_data_version(s, &v2), KALIT_OK);
	ck_assert(v1 == v2);
	ck_assert_err(store_meta_set(other, "k", "2"), KALIT_OK);
	ck_assert_err(store_data_version(s, &v3), KALIT_OK);
	ck_assert(v3 != v2);
	store_free(other);
	store_free(s);
}
END_TEST

START_TEST(test_store_rollback_leaves_nothing)
{
	struct store *s = ts_open_with_cas();
	struct store_cert c, got;
	int64_t seq = -1;
	char hash[STORE_HASH_HEX + 1];

	ts_cert_rec(&c, "d1", "issuing", "citizen", NOW, NOW + 86400);
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ck_assert_err(audit_append(s, "op", "issue", "d1", NULL), KALIT_OK);
	ck_assert_err(store_meta_set(s, "k", "v"), KALIT_OK);
	ck_assert_err(store_cert_get(s, "d1", &got), KALIT_OK);
	store_cert_clear(&got);
	store_rollback(s);
	ck_assert_err(store_cert_get(s, "d1", &got),
	    KALIT_ERR_SERIAL_UNKNOWN);
	ck_assert_err(store_audit_last(s, &seq, hash), KALIT_OK);
	ck_assert(seq == 0);
	ck_assert_str_eq(hash, "");
	ck_assert_err(store_meta_get(s, "k", hash, sizeof(hash)),
	    KALIT_ERR_CONFIG);
	/* harmless a second time, or with no transaction at all */
	store_rollback(s);
	store_rollback(NULL);

	/* committed: there, also after reopening */
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ck_assert_err(store_commit(s), KALIT_OK);
	store_rollback(s);
	store_free(s);
	s = NULL;
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(store_cert_get(s, "d1", &got), KALIT_OK);
	ck_assert_str_eq(got.ca, "issuing");
	store_cert_clear(&got);
	store_free(s);
}
END_TEST

START_TEST(test_store_unknown_ca_fails_commit)
{
	struct store *s = ts_open_with_cas();
	struct store_cert c, got;

	/* the CA reference is checked at commit (deferred) */
	ts_cert_rec(&c, "e1", "nosuch", "citizen", NOW, NOW + 86400);
	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ck_assert_err(store_commit(s), KALIT_ERR_DB);
	store_rollback(s);
	ck_assert_err(store_cert_get(s, "e1", &got),
	    KALIT_ERR_SERIAL_UNKNOWN);
	/* without a transaction, the statement itself fails */
	ck_assert_int_ne(store_cert_put(s, &c), KALIT_OK);
	ck_assert_err(store_cert_get(s, "e1", &got),
	    KALIT_ERR_SERIAL_UNKNOWN);
	store_free(s);
}
END_TEST

START_TEST(test_store_reopen_keeps_everything)
{
	struct store *s = ts_open_with_certs();
	struct store_filter f;
	struct store_ca ca;
	int64_t n = 0, count = 0, bad = -1;
	char buf[32];

	ck_assert_err(store_begin(s), KALIT_OK);
	ck_assert_err(store_crl_number_next(s, "issuing", &n), KALIT_OK);
	ck_assert_err(audit_append(s, "op", "crl", NULL, "n=1"), KALIT_OK);
	ck_assert_err(store_meta_set(s, "ocsp_url", "http://o.uz"), KALIT_OK);
	ck_assert_err(store_commit(s), KALIT_OK);
	store_free(s);
	s = NULL;
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	filter_any(&f);
	ck_assert_str_eq(list(s, &f), "c5,c1,c2,c3,c4");
	ck_assert_err(store_ca_get(s, "issuing", &ca), KALIT_OK);
	ck_assert(ca.crl_number == 1);
	ck_assert_err(store_meta_get(s, "ocsp_url", buf, sizeof(buf)),
	    KALIT_OK);
	ck_assert_str_eq(buf, "http://o.uz");
	ck_assert_err(audit_verify(s, &count, &bad), KALIT_OK);
	ck_assert(count == 1);
	store_free(s);
}
END_TEST

static int
collect_ca(const struct store_ca *ca, void *arg)
{
	char *buf = arg;

	strcat(buf, ca->name);
	strcat(buf, "<");
	strcat(buf, ca->parent);
	strcat(buf, ";");
	return KALIT_OK;
}

START_TEST(test_store_ca_list_order)
{
	struct store *s = ts_open_with_cas();
	struct store_ca ca;
	char buf[256] = "";

	memset(&ca, 0, sizeof(ca));
	strcpy(ca.name, "another");
	strcpy(ca.profile, "official");
	strcpy(ca.parent, "root");
	strcpy(ca.serial, "5a03");
	ck_assert_err(store_ca_put(s, &ca), KALIT_OK);
	ck_assert_err(store_ca_list(s, collect_ca, buf), KALIT_OK);
	ck_assert_str_eq(buf, "root<;issuing<root;another<root;");
	/* a parent must exist */
	strcpy(ca.name, "orphan");
	strcpy(ca.parent, "nosuch");
	strcpy(ca.serial, "5a04");
	ck_assert_int_ne(store_ca_put(s, &ca), KALIT_OK);
	ck_assert_err(store_ca_get(s, "orphan", &ca), KALIT_ERR_CA_UNKNOWN);
	store_free(s);
}
END_TEST

START_TEST(test_store_status_names)
{
	int st, i;

	for (i = 0; i < STORE_STATUS__MAX; i++) {
		st = -1;
		ck_assert_err(store_status_parse(store_status_name(i), &st),
		    KALIT_OK);
		ck_assert_int_eq(st, i);
	}
	ck_assert_str_eq(store_status_name(STORE_VALID), "valid");
	ck_assert_str_eq(store_status_name(STORE_REVOKED), "revoked");
	ck_assert_str_eq(store_status_name(STORE_HOLD), "hold");
	ck_assert_str_eq(store_status_name(STORE_EXPIRED), "expired");
	ck_assert_str_eq(store_status_name(-1), "unknown");
	ck_assert_str_eq(store_status_name(STORE_STATUS__MAX), "unknown");
	ck_assert_err(store_status_parse("Valid", &st), KALIT_ERR_USAGE);
	ck_assert_err(store_status_parse("", &st), KALIT_ERR_USAGE);
	ck_assert_err(store_status_parse("unknown", &st), KALIT_ERR_USAGE);
}
END_TEST

START_TEST(test_store_cert_status_derives_expired)
{
	struct store_cert c;

	memset(&c, 0, sizeof(c));
	c.not_after = 1000;
	c.status = STORE_VALID;
	ck_assert_int_eq(store_cert_status(&c, 999), STORE_VALID);
	ck_assert_int_eq(store_cert_status(&c, 1000), STORE_VALID);
	ck_assert_int_eq(store_cert_status(&c, 1001), STORE_EXPIRED);
	/* revocation and hold outrank expiry */
	c.status = STORE_REVOKED;
	ck_assert_int_eq(store_cert_status(&c, 5000), STORE_REVOKED);
	c.status = STORE_HOLD;
	ck_assert_int_eq(store_cert_status(&c, 5000), STORE_HOLD);
}
END_TEST

START_TEST(test_store_wal_and_integrity)
{
	struct store *s = ts_open_with_cas();
	sqlite3 *db;
	sqlite3_stmt *st;

	store_free(s);
	ck_assert_int_eq(sqlite3_open_v2(ts_dbpath, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_store_open_create_and_reopen);
	tcase_add_test(tc, test_store_open_bad_paths);
	tcase_add_test(tc, test_store_open_creates_private_files);
	tcase_add_test(tc, test_store_open_failed_create_leaves_nothing);
	tcase_add_test(tc, test_store_meta);
	tcase_add_test(tc, test_store_ca_put_get_list);
	tcase_add_test(tc, test_store_ca_list_order);
	tcase_add_test(tc, test_store_cert_put_get);
	tcase_add_test(tc, test_store_cert_duplicate_serial);
	tcase_add_test(tc, test_store_cert_renewed_from);
	tcase_add_test(tc, test_store_cert_set_status);
	tcase_add_test(tc, test_store_cert_list_filters);
	tcase_add_test(tc, test_store_cert_list_callback_stops);
	tcase_add_test(tc, test_store_ca_crl_settings);
	tcase_add_test(tc, test_store_data_version);
	tcase_add_test(tc, test_store_rollback_leaves_nothing);
	tcase_add_test(tc, test_store_unknown_ca_fails_commit);
	tcase_add_test(tc, test_store_reopen_keeps_everything);
	tcase_add_test(tc, test_store_status_names);
	tcase_add_test(tc, test_store_cert_status_derives_expired);
	tcase_add_test(tc, test_store_wal_and_integrity);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(store_suite());
}
