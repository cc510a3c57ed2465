/*
 * store_sqlite_crl.c: what a CRL is made from (the revoked certificates, those
 * an audit record changed) and the signed CRLs kept for kalitd to serve
 */
#include "config.h"

#include "store.h"
#include "store_sqlite_int.h"
#include "err.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

int
store_revoked_list(struct store *s, const char *ca,
    int (*cb)(const char *, int64_t, int, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc, r = KALIT_OK;

	if ((st = store_sqlite_stmt(s, STMT_REVOKED)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, ca, -1, SQLITE_STATIC);
	while (r == KALIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = cb((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2), arg);
	if (r == KALIT_OK && rc != SQLITE_DONE)
		r = store_sqlite_fail(s, "revoked list");
	sqlite3_reset(st);
	return r;
}
int
store_crl_number_next(struct store *s, const char *ca, int64_t *np)
{
	sqlite3_stmt *st;
	int r;

	if ((st = store_sqlite_stmt(s, STMT_CRL_NEXT)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, ca, -1, SQLITE_STATIC);
	if ((r = store_sqlite_done(s, st, "CRL number")) != KALIT_OK)
		return r;
	if (sqlite3_changes(s->db) != 1)
		return KALIT_ERR_CA_UNKNOWN;
	if ((st = store_sqlite_stmt(s, STMT_CRL_GET)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, ca, -1, SQLITE_STATIC);
	return store_sqlite_int64(s, st, "CRL number", np);
}

int
store_changed_list(struct store *s, const char *ca, int64_t after,
    int (*cb)(const char *, int, int64_t, int, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc, r = KALIT_OK;

	if ((st = store_sqlite_stmt(s, STMT_CHANGED)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, ca, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after);
	while (r == KALIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = cb((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2),
		    sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 3), arg);
	if (r == KALIT_OK && rc != SQLITE_DONE)
		r = store_sqlite_fail(s, "changed list");
	sqlite3_reset(st);
	return r;
}

int
store_changed_last(struct store *s, const char *ca, int64_t after,
    int64_t *seqp)
{
	sqlite3_stmt *st;

	*seqp = 0;
	if ((st = store_sqlite_stmt(s, STMT_CHANGED_LAST)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, ca, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after);
	return store_sqlite_int64(s, st, "changed last", seqp);
}

/*
 * Writes a large value into the zeroblob() a row was inserted with, a
 * chunk at a time: SQLite never holds a second copy of a CRL of many MB.
 */
static int
blob_write(struct store *s, const char *table, const char *column,
    sqlite3_int64 rowid, const unsigned char *buf, size_t len)
{
	sqlite3_blob *b = NULL;
	size_t off, n;
	int rc;

	if ((rc = sqlite3_blob_open(s->db, "main", table, column, rowid, 1,
	    &b)) == SQLITE_OK)
		for (off = 0; rc == SQLITE_OK && off < len; off += n) {
			n = len - off < 65536 ? len - off : 65536;
			rc = sqlite3_blob_write(b, buf + off, (int)n, (int)off);
		}
	sqlite3_blob_close(b);
	return rc == SQLITE_OK ? KALIT_OK : store_sqlite_fail(s, "write blob");
}

int
store_crl_put(struct store *s, const struct store_crl *crl)
{
	sqlite3_stmt *st;
	int r;

	if (crl->der_len > INT_MAX)
		return KALIT_ERR_TOO_LARGE;
	if ((st = store_sqlite_stmt(s, STMT_CRL_PUT)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, crl->ca, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, crl->shard);
	sqlite3_bind_int(st, 3, crl->delta != 0);
	sqlite3_bind_int64(st, 4, crl->number);
	sqlite3_bind_int64(st, 5, crl->base_number);
	sqlite3_bind_int64(st, 6, crl->this_update);
	sqlite3_bind_int64(st, 7, crl->next_update);
	sqlite3_bind_int64(st, 8, crl->audit_seq);
	sqlite3_bind_int(st, 9, (int)crl->der_len);
	if ((r = store_sqlite_done(s, st, "insert CRL")) != KALIT_OK ||
	    (r = blob_write(s, "crls", "der", sqlite3_last_insert_rowid(s->db),
	    crl->der, crl->der_len)) != KALIT_OK)
		return r;
	if ((st = store_sqlite_stmt(s, STMT_CRL_PRUNE)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, crl->ca, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, crl->shard);
	sqlite3_bind_int(st, 3, crl->delta != 0);
	sqlite3_bind_int(st, 4, STORE_CRL_KEEP);
	return store_sqlite_done(s, st, "prune CRLs");
}

/* Fills crl (but its DER) from a row of CRL_HEAD_COLUMNS. */
static void
crl_from_row(sqlite3_stmt *st, struct store_crl *crl)
{
	store_sqlite_col_copy(st, 0, crl->ca, sizeof(crl->ca));
	crl->shard = sqlite3_column_int(st, 1);
	crl->delta = sqlite3_column_int(st, 2);
	crl->number = sqlite3_column_int64(st, 3);
	crl->base_number = sqlite3_column_int64(st, 4);
	crl->this_update = sqlite3_column_int64(st, 5);
	crl->next_update = sqlite3_column_int64(st, 6);
	crl->audit_seq = sqlite3_column_int64(st, 7);
}

/* crl_from_row(), and the DER (new) when the row has CRL_COLUMNS. */
static int
crl_row(sqlite3_stmt *st, void *arg)
{
	struct store_crl *crl = arg;
	const void *der;

	crl_from_row(st, crl);
	if (sqlite3_column_count(st) <= 8)
		return KALIT_OK;
	der = sqlite3_column_blob(st, 8);
	crl->der_len = (size_t)sqlite3_column_bytes(st, 8);
	if ((crl->der = malloc(crl->der_len + 1)) == NULL)
		return KALIT_ERR_NOMEM;
	if (der != NULL)
		memcpy(crl->der, der, crl->der_len);
	return KALIT_OK;
}

/* The newest CRL of (ca, shard, delta) by statement i, with or without DER. */
static int
crl_newest(struct store *s, enum stmt i, const char *ca, int shard, int delta,
    struct store_crl *crl)
{
	sqlite3_stmt *st;
	int r;

	memset(crl, 0, sizeof(*crl));
	if ((st = store_sqlite_stmt(s, i)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, ca, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, shard);
	sqlite3_bind_int(st, 3, delta != 0);
	if ((r = store_sqlite_row(s, st, "select CRL", KALIT_ERR_NOT_FOUND,
	    crl_row, crl)) != KALIT_OK)
		store_crl_clear(crl);
	return r;
}

int
store_crl_latest(struct store *s, const char *ca, int shard, int delta,
    struct store_crl *crl)
{
	return crl_newest(s, STMT_CRL_LATEST, ca, shard, delta, crl);
}

int
store_crl_head(struct store *s, const char *ca, int shard, int delta,
    struct store_crl *crl)
{
	return crl_newest(s, STMT_CRL_HEAD, ca, shard, delta, crl);
}

int
store_crl_list(struct store *s, int (*cb)(const struct store_crl *, void *),
    void *arg)
{
	struct store_crl crl;
	sqlite3_stmt *st;
	int rc, r = KALIT_OK;

	if ((st = store_sqlite_stmt(s, STMT_CRL_LIST)) == NULL)
		return KALIT_ERR_DB;
	while (r == KALIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&crl, 0, sizeof(crl));
		crl_from_row(st, &crl);
		r = cb(&crl, arg);
	}
	if (r == KALIT_OK && rc != SQLITE_DONE)
		r = store_sqlite_fail(s, "list CRLs");
	sqlite3_reset(st);
	return r;
}
