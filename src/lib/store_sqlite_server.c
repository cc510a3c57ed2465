/* store_sqlite_server.c: kalitd's tables: registered clients, revoked tokens */
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
	return store_sqlite_done(s, st, "insert client");
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

