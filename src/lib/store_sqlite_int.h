/*
 * store_sqlite_int.h: what the files of the SQLite store share: the
 * connection and its prepared statements. Not for use outside them.
 */
#ifndef KALIT_STORE_SQLITE_INT_H
#define KALIT_STORE_SQLITE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

/*
 * Statements prepared once per connection; the order matches stmt_sql in
 * store_sqlite.c.
 */
enum stmt {
	STMT_CERT_PUT = 0,
	STMT_CERT_GET,
	STMT_CERT_STATUS,
	STMT_REVOKED,
	STMT_CA_PUT,
	STMT_CA_GET,
	STMT_CA_LIST,
	STMT_CRL_NEXT,
	STMT_CRL_GET,
	STMT_META_GET,
	STMT_META_SET,
	STMT_AUDIT_LAST,
	STMT_AUDIT_PUT,
	STMT_AUDIT_LIST,
	STMT_CLIENT_PUT,
	STMT_CLIENT_DEL,
	STMT_CLIENT_LIST,
	STMT_TOKEN_REVOKE,
	STMT_TOKEN_LIST,
	STMT_TOKEN_PRUNE,
	STMT_CRL_PUT,
	STMT_CRL_PRUNE,
	STMT_CRL_LATEST,
	STMT_CRL_HEAD,
	STMT_CHANGED,
	STMT_CHANGED_LAST,
	STMT_DATA_VERSION,
	STMT_AUDIT_GET,
	STMT_AUDIT_HEAD_GET,
	STMT_AUDIT_HEAD_SET,
	STMT_AUDIT_ANCHOR_LAST,
	STMT_AUDIT_ANCHOR_LIST,
	STMT_AUDIT_ANCHOR_PUT,
	STMT_AUDIT_DELETE,
	STMT_HISTORY_CERTS,
	STMT_HISTORY_AUDIT,
	STMT_CRL_LIST,
	STMT_CLIENT_URI_PUT,
	STMT_CLIENT_EXTRA_LIST,
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT__MAX
};

/* One connection; store_open() makes it, store_free() frees it. */
struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[STMT__MAX];
	int		 in_tx;
	/*
	 * The highest audit record put in the open transaction: the head
	 * written when it commits (one UPDATE however many records).
	 */
	int64_t		 head_seq;	/* 0: none put */
	char		 head_hash[STORE_HASH_HEX + 1];
};

/* Logs the database's error message for what; returns KALIT_ERR_DB. */
int	store_sqlite_fail(struct store *s, const char *what);

/*
 * Statement i, prepared at its first use, reset and unbound: ready to bind.
 * NULL when it cannot be prepared. Borrowed, valid while s lives.
 */
sqlite3_stmt *store_sqlite_stmt(struct store *s, enum stmt i);

/*
 * Runs st, a statement that returns no rows, and resets it:
 * KALIT_ERR_DUPLICATE on a primary key or unique constraint.
 */
int	store_sqlite_done(struct store *s, sqlite3_stmt *st, const char *what);

/*
 * Runs st, bound and ready, for the one row it returns at most, and resets
 * it: fill(st, arg) reads the row and its code is returned; none when
 * there is no row; KALIT_ERR_DB (logged with what) when the step fails.
 */
int	store_sqlite_row(struct store *s, sqlite3_stmt *st, const char *what,
	    int none, int (*fill)(sqlite3_stmt *, void *), void *arg);

/*
 * Runs st, whose one row has one integer, into *vp (0 when NULL), and
 * resets it. No row is KALIT_ERR_DB.
 */
int	store_sqlite_int64(struct store *s, sqlite3_stmt *st, const char *what,
	    int64_t *vp);

/* Copies text column i of st's row into buf ("" when NULL), truncated. */
void	store_sqlite_col_copy(sqlite3_stmt *st, int i, char *buf, size_t len);

/* Writes the transaction's audit head (before COMMIT); see struct store. */
int	store_sqlite_audit_flush(struct store *s);

#endif
