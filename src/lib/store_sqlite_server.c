/*
 * store_sqlite_server.c: kalitd's tables: registered clients (with their
 * URIs and keys), revoked tokens
 */
#include "config.h"

#include "store.h"
#include "store_sqlite_int.h"
#include "err.h"

#include <string.h>

#include <sqlite3.h>

int
store_client_put(struct store *s, const struct store_client *c)
{
	sqlite3_stmt *st;

	if ((st = store_sqlite_stmt(s, STMT_CLIENT_PUT)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->secret_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)c->acr);
	sqlite3_bind_int64(st, 4, c->created);
	sqlite3_bind_int(st, 5, c->public_client);
	sqlite3_bind_int(st, 6, c->auth_method);
	sqlite3_bind_null(st, 7);
	return store_sqlite_done(s, st, "insert client");
}

int
store_client_jwks_set(struct store *s, const char *id, const char *jwks)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "UPDATE clients SET jwks = ?2 WHERE "
	    "id = ?1", -1, &st, NULL) != SQLITE_OK)
		return store_sqlite_fail(s, "prepare");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (jwks != NULL)
		sqlite3_bind_text(st, 2, jwks, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(s, "client jwks");
	return sqlite3_changes(s->db) == 0 ? KALIT_ERR_CLIENT_UNKNOWN :
	    KALIT_OK;
}

int
store_client_uri_put(struct store *s, const char *id, int kind,
    const char *uri)
{
	sqlite3_stmt *st;

	if ((st = store_sqlite_stmt(s, STMT_CLIENT_URI_PUT)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, kind);
	sqlite3_bind_text(st, 3, uri, -1, SQLITE_STATIC);
	return store_sqlite_done(s, st, "insert client uri");
}

int
store_client_extra_list(struct store *s, int (*cb)(const char *, int,
    const char *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc, r = KALIT_OK;

	if ((st = store_sqlite_stmt(s, STMT_CLIENT_EXTRA_LIST)) == NULL)
		return KALIT_ERR_DB;
	while (r == KALIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = cb((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int(st, 1),
		    (const char *)sqlite3_column_text(st, 2), arg);
	if (r == KALIT_OK && rc != SQLITE_DONE)
		r = store_sqlite_fail(s, "list client uris");
	sqlite3_reset(st);
	return r;
}

int
store_client_del(struct store *s, const char *id)
{
	sqlite3_stmt *st;
	int r;

	if ((st = store_sqlite_stmt(s, STMT_CLIENT_DEL)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((r = store_sqlite_done(s, st, "delete client")) != KALIT_OK)
		return r;
	return sqlite3_changes(s->db) == 0 ? KALIT_ERR_CLIENT_UNKNOWN :
	    KALIT_OK;
}

int
store_client_list(struct store *s, int (*cb)(const struct store_client *,
    void *), void *arg)
{
	struct store_client c;
	sqlite3_stmt *st;
	int rc, r = KALIT_OK;

	if ((st = store_sqlite_stmt(s, STMT_CLIENT_LIST)) == NULL)
		return KALIT_ERR_DB;
	while (r == KALIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		store_sqlite_col_copy(st, 0, c.id, sizeof(c.id));
		store_sqlite_col_copy(st, 1, c.secret_hash,
		    sizeof(c.secret_hash));
		c.acr = (unsigned int)sqlite3_column_int(st, 2);
		c.created = sqlite3_column_int64(st, 3);
		c.public_client = sqlite3_column_int(st, 4);
		c.auth_method = sqlite3_column_int(st, 5);
		r = cb(&c, arg);
	}
	if (r == KALIT_OK && rc != SQLITE_DONE)
		r = store_sqlite_fail(s, "list clients");
	sqlite3_reset(st);
	return r;
}

int
store_token_revoke(struct store *s, const char *jti, const char *client,
    int64_t exp)
{
	sqlite3_stmt *st;

	if ((st = store_sqlite_stmt(s, STMT_TOKEN_REVOKE)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, jti, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, client, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, exp);
	return store_sqlite_done(s, st, "revoke token");
}

int
store_token_revoked_list(struct store *s, int64_t now,
    int (*cb)(const char *jti, int64_t exp, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc, r = KALIT_OK;

	if ((st = store_sqlite_stmt(s, STMT_TOKEN_LIST)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_int64(st, 1, now);
	while (r == KALIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = cb((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1), arg);
	if (r == KALIT_OK && rc != SQLITE_DONE)
		r = store_sqlite_fail(s, "list revoked tokens");
	sqlite3_reset(st);
	return r;
}

int
store_token_prune(struct store *s, int64_t now)
{
	sqlite3_stmt *st;

	if ((st = store_sqlite_stmt(s, STMT_TOKEN_PRUNE)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_int64(st, 1, now);
	return store_sqlite_done(s, st, "prune revoked tokens");
}

