/* teststore.c: the fixture of the CA database unit tests */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <check.h>

#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "store.h"
#include "testutil.h"
#include "teststore.h"

char ts_tmpdir[PATH_MAX];
char ts_dbpath[PATH_MAX];

void
ts_setup(void)
{
	tu_mkdtemp(ts_tmpdir, sizeof(ts_tmpdir));
	tu_path(ts_dbpath, sizeof(ts_dbpath), ts_tmpdir, "ca.db");
}

void
ts_teardown(void)
{
	tu_rmdir(ts_tmpdir);
}

void
ts_reset(void)
{
	ts_teardown();
	ts_setup();
}

struct store *
ts_open_with_cas(void)
{
	struct store *s = NULL;
	struct store_ca ca;

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	memset(&ca, 0, sizeof(ca));
	strcpy(ca.name, "root");
	strcpy(ca.profile, "root");
	strcpy(ca.serial, "5a01");
	ck_assert_err(store_ca_put(s, &ca), KALIT_OK);
	strcpy(ca.name, "issuing");
	strcpy(ca.profile, "citizen");
	strcpy(ca.parent, "root");
	strcpy(ca.serial, "5a02");
	ck_assert_err(store_ca_put(s, &ca), KALIT_OK);
	return s;
}

void
ts_cert_rec(struct store_cert *c, const char *serial, const char *ca,
    const char *profile, int64_t issued, int64_t not_after)
{
	static unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };

	memset(c, 0, sizeof(*c));
	snprintf(c->serial, sizeof(c->serial), "%s", serial);
	snprintf(c->ca, sizeof(c->ca), "%s", ca);
	snprintf(c->profile, sizeof(c->profile), "%s", profile);
	c->subject = (char *)"CN=Holder,C=UZ";
	c->not_before = issued - 300;
	c->not_after = not_after;
	c->issued = issued;
	c->status = STORE_VALID;
	c->reason = -1;
	c->der = der;
	c->der_len = sizeof(der);
}

struct store *
ts_open_with_certs(void)
{
	struct store *s = ts_open_with_cas();
	struct store_cert c;

	ts_cert_rec(&c, "c5", "root", "issuing-ca", 50, NOW + 9000);
	c.status = STORE_REVOKED;
	c.revoked_at = 60;
	c.reason = CRL_REASON_CA_COMPROMISE;
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ts_cert_rec(&c, "c1", "issuing", "citizen", 100, NOW + 1000);
	strcpy(c.pinfl, PINFL1);
	strcpy(c.tin, "301234567");
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ts_cert_rec(&c, "c2", "issuing", "official", 200, NOW - 10);
	strcpy(c.pinfl, PINFL2);
	strcpy(c.org_tin, "207654321");
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ts_cert_rec(&c, "c3", "issuing", "citizen", 300, NOW + 5000);
	strcpy(c.pinfl, PINFL1);
	c.status = STORE_REVOKED;
	c.revoked_at = 350;
	c.reason = CRL_REASON_KEY_COMPROMISE;
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	ts_cert_rec(&c, "c4", "issuing", "citizen", 400, NOW + 2000);
	c.status = STORE_HOLD;
	c.revoked_at = 450;
	c.reason = CRL_REASON_CERTIFICATE_HOLD;
	ck_assert_err(store_cert_put(s, &c), KALIT_OK);
	return s;
}

void
ts_crl_rec(struct store_crl *c, int shard, int delta, int64_t number)
{
	static unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x07 };

	memset(c, 0, sizeof(*c));
	strcpy(c->ca, "issuing");
	c->shard = shard;
	c->delta = delta;
	c->number = number;
	c->base_number = delta ? number - 1 : 0;
	c->this_update = NOW + number;
	c->next_update = NOW + number + 86400;
	c->audit_seq = 10 * number;
	c->der = der;
	c->der_len = sizeof(der);
}

int
ts_audit_collect(const struct store_audit *a, void *arg)
{
	struct ts_audit_rows *v = arg;

	ck_assert_int_lt(v->n, 8);
	v->rec[v->n] = *a;
	snprintf(v->text[v->n][0], 64, "%s", a->actor);
	snprintf(v->text[v->n][1], 64, "%s", a->action);
	snprintf(v->text[v->n][2], 64, "%s", a->serial);
	snprintf(v->text[v->n][3], 64, "%s", a->detail);
	v->rec[v->n].actor = v->text[v->n][0];
	v->rec[v->n].action = v->text[v->n][1];
	v->rec[v->n].serial = v->text[v->n][2];
	v->rec[v->n].detail = v->text[v->n][3];
	v->n++;
	return v->stop;
}

int
ts_raw_sql(const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	int n;

	ck_assert_int_eq(sqlite3_open_v2(ts_dbpath, &db,
	    SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg != NULL ? msg : "?");
	n = sqlite3_changes(db);
	sqlite3_close(db);
	return n;
}
