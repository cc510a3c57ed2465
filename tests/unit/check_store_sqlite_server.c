/* check_store_sqlite_server.c: unit tests for store_sqlite_server.c */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "store.h"
#include "testutil.h"
#include "teststore.h"

static int
collect_client(const struct store_client *c, void *arg)
{
	char *buf = arg;

	strcat(buf, c->id);
	strcat(buf, c->acr == STORE_ACR_CITIZEN ? ":c " : ":co ");
	return KALIT_OK;
}

static int
collect_jti(const char *jti, int64_t exp, void *arg)
{
	char *buf = arg;

	(void)exp;
	strcat(buf, jti);
	strcat(buf, " ");
	return KALIT_OK;
}

START_TEST(test_store_sqlite_server_clients)
{
	struct store *s = NULL;
	struct store_client c;
	char buf[256] = "";

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	memset(&c, 0, sizeof(c));
	strcpy(c.id, "portal");
	memset(c.secret_hash, 'a', STORE_HASH_HEX);
	c.acr = STORE_ACR_CITIZEN | STORE_ACR_OFFICIAL;
	c.created = NOW;
	ck_assert_err(store_client_put(s, &c), KALIT_OK);
	ck_assert_err(store_client_put(s, &c), KALIT_ERR_DUPLICATE);
	strcpy(c.id, "agency");
	c.acr = STORE_ACR_CITIZEN;
	ck_assert_err(store_client_put(s, &c), KALIT_OK);
	ck_assert_err(store_client_list(s, collect_client, buf), KALIT_OK);
	ck_assert_str_eq(buf, "agency:c portal:co ");
	ck_assert_err(store_client_del(s, "agency"), KALIT_OK);
	ck_assert_err(store_client_del(s, "agency"), KALIT_ERR_CLIENT_UNKNOWN);
	buf[0] = '\0';
	ck_assert_err(store_client_list(s, collect_client, buf), KALIT_OK);
	ck_assert_str_eq(buf, "portal:co ");
	store_free(s);
}
END_TEST

static int
collect_extra(const char *id, int kind, const char *value, void *arg)
{
	char *buf = arg;

	snprintf(buf + strlen(buf), 512 - strlen(buf), "%s %d %s|", id, kind,
	    value);
	return KALIT_OK;
}

/* A client's registration: method, URIs, JWKS; gone with the client. */
static void
register_portal(struct store *s)
{
	struct store_client c;

	memset(&c, 0, sizeof(c));
	strcpy(c.id, "portal");
	memset(c.secret_hash, 'a', STORE_HASH_HEX);
	c.acr = STORE_ACR_CITIZEN;
	c.created = NOW;
	c.public_client = 1;
	c.auth_method = STORE_AUTH_NONE;
	ck_assert_err(store_client_put(s, &c), KALIT_OK);
	ck_assert_err(store_client_uri_put(s, "portal", STORE_URI_REDIRECT,
	    "https://rp/b"), KALIT_OK);
	ck_assert_err(store_client_uri_put(s, "portal", STORE_URI_REDIRECT,
	    "https://rp/a"), KALIT_OK);
	ck_assert_err(store_client_uri_put(s, "portal", STORE_URI_REDIRECT,
	    "https://rp/a"), KALIT_ERR_DUPLICATE);
	ck_assert_err(store_client_uri_put(s, "portal",
	    STORE_URI_BACKCHANNEL, "https://rp/bcl"), KALIT_OK);
	ck_assert_err(store_client_jwks_set(s, "portal", "{\"keys\":[]}"),
	    KALIT_OK);
	ck_assert_err(store_client_jwks_set(s, "nobody", "{}"),
	    KALIT_ERR_CLIENT_UNKNOWN);
}

START_TEST(test_store_sqlite_server_client_registration)
{
	struct store *s = NULL;
	char buf[512] = "";

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	register_portal(s);
	ck_assert_err(store_client_extra_list(s, collect_extra, buf),
	    KALIT_OK);
	/* by client, kind, value */
	ck_assert_str_eq(buf, "portal 0 https://rp/a|portal 0 https://rp/b|"
	    "portal 2 https://rp/bcl|portal 3 {\"keys\":[]}|");
	ck_assert_err(store_client_del(s, "portal"), KALIT_OK);
	buf[0] = '\0';
	ck_assert_err(store_client_extra_list(s, collect_extra, buf),
	    KALIT_OK);
	ck_assert_str_eq(buf, "");
	store_free(s);
}
END_TEST

/* A database of before issue 14: its clients get the new columns. */
START_TEST(test_store_sqlite_server_old_clients_get_columns)
{
	struct store *s = NULL;
	char cmd[PATH_MAX + 256], buf[512] = "";

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	store_free(s);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'DROP TABLE client_uris; "
	    "DROP TABLE clients; CREATE TABLE clients (id TEXT PRIMARY KEY, "
	    "secret_hash TEXT NOT NULL, acr INTEGER NOT NULL, created INTEGER "
	    "NOT NULL); INSERT INTO clients VALUES (\"old\", \"aa\", 1, 2);'",
	    ts_dbpath);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(store_client_list(s, collect_client, buf), KALIT_OK);
	ck_assert_str_eq(buf, "old:c ");
	register_portal(s);
	store_free(s);
	/* and opens again without a change */
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_server_revoked_tokens)
{
	struct store *s = NULL;
	char buf[256] = "";

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	ck_assert_err(store_token_revoke(s, "j1", "portal", NOW + 10), KALIT_OK);
	/* Revoking twice is no error (logout is idempotent). */
	ck_assert_err(store_token_revoke(s, "j1", "portal", NOW + 10), KALIT_OK);
	ck_assert_err(store_token_revoke(s, "j2", "portal", NOW - 10), KALIT_OK);
	ck_assert_err(store_token_revoked_list(s, NOW, collect_jti, buf),
	    KALIT_OK);
	ck_assert_str_eq(buf, "j1 ");
	ck_assert_err(store_token_prune(s, NOW), KALIT_OK);
	buf[0] = '\0';
	ck_assert_err(store_token_revoked_list(s, 0, collect_jti, buf),
	    KALIT_OK);
	ck_assert_str_eq(buf, "j1 ");
	store_free(s);
}
END_TEST

START_TEST(test_store_sqlite_server_old_database_gets_tables)
{
	struct store *s = NULL;

	ck_assert_err(store_open(ts_dbpath, 1, &s), KALIT_OK);
	store_free(s);
	/* A database from before kalitd: the server tables are dropped. */
	ck_assert_int_eq(system("sqlite3 -version >/dev/null 2>&1"), 0);
	{
		char cmd[PATH_MAX + 128];

		snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'DROP TABLE clients; "
		    "DROP TABLE revoked_tokens; DROP TABLE crls; "
		    "DROP INDEX certs_crl;'", ts_dbpath);
		ck_assert_int_eq(system(cmd), 0);
	}
	ck_assert_err(store_open(ts_dbpath, 0, &s), KALIT_OK);
	ck_assert_err(store_token_revoke(s, "j1", "portal", NOW), KALIT_OK);
	{
		struct store_crl c, got;

		ts_crl_rec(&c, 0, 0, 1);
		strcpy(c.ca, "root");
		ck_assert_err(store_crl_put(s, &c), KALIT_OK);
		ck_assert_err(store_crl_latest(s, "root", 0, 0, &got),
		    KALIT_OK);
		store_crl_clear(&got);
	}
	store_free(s);
}
END_TEST

static Suite *
store_sqlite_server_suite(void)
{
	Suite *s = suite_create("store_sqlite_server");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_store_sqlite_server_clients);
	tcase_add_test(tc, test_store_sqlite_server_revoked_tokens);
	tcase_add_test(tc, test_store_sqlite_server_client_registration);
	tcase_add_test(tc, test_store_sqlite_server_old_clients_get_columns);
	tcase_add_test(tc, test_store_sqlite_server_old_database_gets_tables);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(store_sqlite_server_suite());
}
