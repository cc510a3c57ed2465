/* store_sqlite_audit.c: the hash-chained audit log */
#include "store.h"
#include "store_sqlite_int.h"
#include "err.h"

#include <sqlite3.h>

int
store_audit_last(struct store *s, int64_t *seqp, char hash[STORE_HASH_HEX + 1])
{
	sqlite3_stmt *st;
	int rc;

	*seqp = 0;
	hash[0] = '\0';
	if ((st = store_sqlite_stmt(s, STMT_AUDIT_LAST)) == NULL)
		return KALIT_ERR_DB;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*seqp = sqlite3_column_int64(st, 0);
		store_sqlite_col_copy(st, 1, hash, STORE_HASH_HEX + 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? KALIT_OK :
	    store_sqlite_fail(s, "audit");
}

int
store_audit_put(struct store *s, const struct store_audit *a)
{
	sqlite3_stmt *st;

	if ((st = store_sqlite_stmt(s, STMT_AUDIT_PUT)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_int64(st, 1, a->seq);
	sqlite3_bind_int64(st, 2, a->time);
	sqlite3_bind_text(st, 3, a->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->hash, -1, SQLITE_STATIC);
	return store_sqlite_done(s, st, "insert audit");
}

int
store_audit_list(struct store *s, int64_t after,
    int (*cb)(const struct store_audit *, void *), void *arg)
{
	sqlite3_stmt *st;
	struct store_audit a;
	int rc, r = KALIT_OK;

	if ((st = store_sqlite_stmt(s, STMT_AUDIT_LIST)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_int64(st, 1, after);
	while (r == KALIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.seq = sqlite3_column_int64(st, 0);
		a.time = sqlite3_column_int64(st, 1);
		a.actor = (const char *)sqlite3_column_text(st, 2);
		a.action = (const char *)sqlite3_column_text(st, 3);
		a.serial = (const char *)sqlite3_column_text(st, 4);
		a.detail = (const char *)sqlite3_column_text(st, 5);
		store_sqlite_col_copy(st, 6, a.hash, sizeof(a.hash));
		if (a.actor == NULL || a.action == NULL || a.serial == NULL ||
		    a.detail == NULL)
			r = KALIT_ERR_AUDIT_BROKEN;
		else
			r = cb(&a, arg);
	}
	if (r == KALIT_OK && rc != SQLITE_DONE)
		r = store_sqlite_fail(s, "audit list");
	sqlite3_reset(st);
	return r;
}

