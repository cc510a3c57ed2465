/*
 * store_sqlite_audit.c: the hash-chained audit log, its recorded head, its
 * archive anchors, and the log read beside the certificate table
 */
#include "config.h"

#include "store.h"
#include "store_sqlite_int.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* Where a row of (seq, hash) goes, for store_sqlite_row(). */
struct seq_hash {
	int64_t	*seqp;
	char	*hash;		/* STORE_HASH_HEX + 1 bytes */
};

static int
seq_hash_row(sqlite3_stmt *st, void *arg)
{
	struct seq_hash *sh = arg;

	*sh->seqp = sqlite3_column_int64(st, 0);
	store_sqlite_col_copy(st, 1, sh->hash, STORE_HASH_HEX + 1);
	return KALIT_OK;
}

int
store_audit_last(struct store *s, int64_t *seqp, char hash[STORE_HASH_HEX + 1])
{
	struct seq_hash sh = { seqp, hash };
	sqlite3_stmt *st;

	*seqp = 0;
	hash[0] = '\0';
	if ((st = store_sqlite_stmt(s, STMT_AUDIT_LAST)) == NULL)
		return KALIT_ERR_DB;
	/* an empty log: seq 0, hash "" */
	return store_sqlite_row(s, st, "audit", KALIT_OK, seq_hash_row, &sh);
}

/* The insert, and the head to write when the transaction commits. */
static int
audit_insert(struct store *s, const struct store_audit *a)
{
	sqlite3_stmt *st;
	int r;

	if ((st = store_sqlite_stmt(s, STMT_AUDIT_PUT)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_int64(st, 1, a->seq);
	sqlite3_bind_int64(st, 2, a->time);
	sqlite3_bind_text(st, 3, a->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->hash, -1, SQLITE_STATIC);
	if ((r = store_sqlite_done(s, st, "insert audit")) != KALIT_OK)
		return r;
	if (a->seq > s->head_seq) {
		s->head_seq = a->seq;
		snprintf(s->head_hash, sizeof(s->head_hash), "%s", a->hash);
	}
	return KALIT_OK;
}

int
store_audit_put(struct store *s, const struct store_audit *a)
{
	int r;

	if (s->in_tx)
		return audit_insert(s, a);
	if ((r = store_begin(s)) != KALIT_OK)
		return r;
	if ((r = audit_insert(s, a)) == KALIT_OK)
		r = store_commit(s);
	store_rollback(s);
	return r;
}

int
store_sqlite_audit_flush(struct store *s)
{
	sqlite3_stmt *st;

	if (s->head_seq == 0)
		return KALIT_OK;
	if ((st = store_sqlite_stmt(s, STMT_AUDIT_HEAD_SET)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_int64(st, 1, s->head_seq);
	sqlite3_bind_text(st, 2, s->head_hash, -1, SQLITE_STATIC);
	return store_sqlite_done(s, st, "audit head");
}

int
store_audit_head(struct store *s, int64_t *seqp, char hash[STORE_HASH_HEX + 1])
{
	struct seq_hash sh = { seqp, hash };
	sqlite3_stmt *st;
	int r;

	*seqp = 0;
	hash[0] = '\0';
	if ((st = store_sqlite_stmt(s, STMT_AUDIT_HEAD_GET)) == NULL)
		return KALIT_ERR_DB;
	if ((r = store_sqlite_row(s, st, "audit head", KALIT_ERR_NOT_FOUND,
	    seq_hash_row, &sh)) != KALIT_OK)
		return r;
	/* what this transaction put and has not yet written */
	if (s->head_seq > *seqp) {
		*seqp = s->head_seq;
		memcpy(hash, s->head_hash, STORE_HASH_HEX + 1);
	}
	return KALIT_OK;
}

/*
 * Calls cb for each row of st (seq, time, actor, action, serial, detail,
 * hash), a statement of the audit table bound and ready; resets it.
 */
static int
audit_rows(struct store *s, sqlite3_stmt *st,
    int (*cb)(const struct store_audit *, void *), void *arg, int *nrows)
{
	struct store_audit a;
	int rc, r = KALIT_OK;

	*nrows = 0;
	while (r == KALIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*nrows)++;
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

int
store_audit_list(struct store *s, int64_t after,
    int (*cb)(const struct store_audit *, void *), void *arg)
{
	sqlite3_stmt *st;
	int n;

	if ((st = store_sqlite_stmt(s, STMT_AUDIT_LIST)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_int64(st, 1, after);
	return audit_rows(s, st, cb, arg, &n);
}

int
store_audit_get(struct store *s, int64_t seq,
    int (*cb)(const struct store_audit *, void *), void *arg)
{
	sqlite3_stmt *st;
	int r, n;

	if ((st = store_sqlite_stmt(s, STMT_AUDIT_GET)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_int64(st, 1, seq);
	r = audit_rows(s, st, cb, arg, &n);
	return r == KALIT_OK && n == 0 ? KALIT_ERR_NOT_FOUND : r;
}

/* Fills a (a struct store_audit_anchor) from a row of ANCHOR_COLUMNS. */
static int
anchor_from_row(sqlite3_stmt *st, void *arg)
{
	struct store_audit_anchor *a = arg;

	memset(a, 0, sizeof(*a));
	a->seq = sqlite3_column_int64(st, 0);
	store_sqlite_col_copy(st, 1, a->hash, sizeof(a->hash));
	a->first_seq = sqlite3_column_int64(st, 2);
	store_sqlite_col_copy(st, 3, a->prev_hash, sizeof(a->prev_hash));
	a->before = sqlite3_column_int64(st, 4);
	a->archived = sqlite3_column_int64(st, 5);
	a->records = sqlite3_column_int64(st, 6);
	store_sqlite_col_copy(st, 7, a->file, sizeof(a->file));
	return KALIT_OK;
}

int
store_audit_anchor_list(struct store *s,
    int (*cb)(const struct store_audit_anchor *, void *), void *arg)
{
	struct store_audit_anchor a;
	sqlite3_stmt *st;
	int rc, r = KALIT_OK;

	if ((st = store_sqlite_stmt(s, STMT_AUDIT_ANCHOR_LIST)) == NULL)
		return KALIT_ERR_DB;
	while (r == KALIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		anchor_from_row(st, &a);
		r = cb(&a, arg);
	}
	if (r == KALIT_OK && rc != SQLITE_DONE)
		r = store_sqlite_fail(s, "audit anchors");
	sqlite3_reset(st);
	return r;
}

int
store_audit_anchor_last(struct store *s, struct store_audit_anchor *a)
{
	sqlite3_stmt *st;

	memset(a, 0, sizeof(*a));
	if ((st = store_sqlite_stmt(s, STMT_AUDIT_ANCHOR_LAST)) == NULL)
		return KALIT_ERR_DB;
	return store_sqlite_row(s, st, "audit anchor", KALIT_ERR_NOT_FOUND,
	    anchor_from_row, a);
}

int
store_audit_archive(struct store *s, const struct store_audit_anchor *a,
    int64_t *np)
{
	sqlite3_stmt *st;
	int r;

	*np = 0;
	if ((st = store_sqlite_stmt(s, STMT_AUDIT_DELETE)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_int64(st, 1, a->seq);
	if ((r = store_sqlite_done(s, st, "archive audit")) != KALIT_OK)
		return r;
	*np = sqlite3_changes(s->db);
	if ((st = store_sqlite_stmt(s, STMT_AUDIT_ANCHOR_PUT)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_int64(st, 1, a->seq);
	sqlite3_bind_text(st, 2, a->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, a->first_seq);
	sqlite3_bind_text(st, 4, a->prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, a->before);
	sqlite3_bind_int64(st, 6, a->archived);
	sqlite3_bind_int64(st, 7, a->records);
	sqlite3_bind_text(st, 8, a->file, -1, SQLITE_STATIC);
	return store_sqlite_done(s, st, "audit anchor");
}

/* The walk of store_cert_history_list(): certificates beside records. */
struct history {
	sqlite3_stmt		*certs, *recs;
	int			 cert_rc, rec_rc;	/* their last step */
	struct store_cert	 cert;
	struct store_cert_history h;
	char			*detail;	/* h.last's, owned */
	char			 action[16];
	char			 serial[X509_SERIAL_HEX_MAX + 1];
};

static void
history_cert(struct history *w)
{
	sqlite3_stmt *st = w->certs;
	struct store_cert *c = &w->cert;

	memset(c, 0, sizeof(*c));
	store_sqlite_col_copy(st, 0, c->serial, sizeof(c->serial));
	store_sqlite_col_copy(st, 1, c->ca, sizeof(c->ca));
	store_sqlite_col_copy(st, 2, c->profile, sizeof(c->profile));
	c->status = sqlite3_column_int(st, 3);
	c->revoked_at = sqlite3_column_int64(st, 4);
	c->reason = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, 5);
	c->issued = sqlite3_column_int64(st, 6);
}

/* Takes the records of serial w->serial into w->h, stepping past them. */
static int
history_records(struct history *w)
{
	sqlite3_stmt *st = w->recs;
	struct store_audit *l = &w->h.last;
	const char *v;

	w->action[0] = '\0';
	while (w->rec_rc == SQLITE_ROW && (v = (const char *)
	    sqlite3_column_text(st, 0)) != NULL && strcmp(v, w->serial) == 0) {
		if (sqlite3_column_int(st, 7)) {
			if (w->h.issued_count++ == 0)
				w->h.issued_seq = sqlite3_column_int64(st, 1);
		} else {
			free(w->detail);
			if ((w->detail = strdup((const char *)
			    sqlite3_column_text(st, 5))) == NULL)
				return KALIT_ERR_NOMEM;
			l->seq = sqlite3_column_int64(st, 1);
			l->time = sqlite3_column_int64(st, 2);
			store_sqlite_col_copy(st, 4, w->action,
			    sizeof(w->action));
			store_sqlite_col_copy(st, 6, l->hash, sizeof(l->hash));
		}
		w->rec_rc = sqlite3_step(st);
	}
	l->action = w->action;
	l->detail = w->detail != NULL ? w->detail : "";
	l->serial = w->serial;
	l->actor = "";
	return KALIT_OK;
}

/* The next serial, the smaller of the two walks'; 0 when both ended. */
static int
history_next(struct history *w)
{
	const char *c = NULL, *a = NULL;

	if (w->cert_rc == SQLITE_ROW)
		c = (const char *)sqlite3_column_text(w->certs, 0);
	if (w->rec_rc == SQLITE_ROW)
		a = (const char *)sqlite3_column_text(w->recs, 0);
	if (c == NULL && a == NULL)
		return 0;
	snprintf(w->serial, sizeof(w->serial), "%s", c == NULL ? a :
	    a == NULL || strcmp(c, a) <= 0 ? c : a);
	return 1;
}

int
store_cert_history_list(struct store *s,
    int (*cb)(const struct store_cert_history *, void *), void *arg)
{
	struct history w;
	int r = KALIT_OK;

	memset(&w, 0, sizeof(w));
	/*
	 * Two statements of one connection stepped together read one
	 * snapshot: no write lands between the certificates and the log.
	 */
	if ((w.certs = store_sqlite_stmt(s, STMT_HISTORY_CERTS)) == NULL ||
	    (w.recs = store_sqlite_stmt(s, STMT_HISTORY_AUDIT)) == NULL)
		return KALIT_ERR_DB;
	w.cert_rc = sqlite3_step(w.certs);
	w.rec_rc = sqlite3_step(w.recs);
	while (r == KALIT_OK && history_next(&w)) {
		memset(&w.h, 0, sizeof(w.h));
		w.h.serial = w.serial;
		if (w.cert_rc == SQLITE_ROW && strcmp((const char *)
		    sqlite3_column_text(w.certs, 0), w.serial) == 0) {
			history_cert(&w);
			w.h.cert = &w.cert;
			w.cert_rc = sqlite3_step(w.certs);
		}
		if ((r = history_records(&w)) == KALIT_OK)
			r = cb(&w.h, arg);
		free(w.detail);
		w.detail = NULL;
	}
	if (r == KALIT_OK && ((w.cert_rc != SQLITE_DONE &&
	    w.cert_rc != SQLITE_ROW) || (w.rec_rc != SQLITE_DONE &&
	    w.rec_rc != SQLITE_ROW)))
		r = store_sqlite_fail(s, "certificate history");
	sqlite3_reset(w.certs);
	sqlite3_reset(w.recs);
	return r;
}

