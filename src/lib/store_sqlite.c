/*
 * store_sqlite.c: the store on SQLite (WAL), the embedded default: the
 * schema, the connection, certificates, CAs and settings. The CRLs, the
 * audit log and kalitd's tables are in store_sqlite_<concern>.c.
 */
#include "config.h"

#include "store.h"
#include "store_sqlite_int.h"
#include "err.h"
#include "file.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define SCHEMA_VERSION	"1"

/*
 * What OpenID Connect registration adds to a client (issue 14); added to
 * the clients of databases made before (schema_upgrade()).
 */
#define CLIENT_OIDC_ADD \
    "ALTER TABLE clients ADD COLUMN public INTEGER NOT NULL DEFAULT 0;" \
    "ALTER TABLE clients ADD COLUMN auth_method INTEGER NOT NULL " \
    " DEFAULT 0;" \
    "ALTER TABLE clients ADD COLUMN jwks TEXT;"
#define CLIENT_OIDC_COLUMNS \
    ", public INTEGER NOT NULL DEFAULT 0," \
    " auth_method INTEGER NOT NULL DEFAULT 0," \
    " jwks TEXT"

/* kalitd's tables; added to databases made before they existed. */
#define SERVER_SCHEMA \
    "CREATE TABLE IF NOT EXISTS clients (" \
    " id TEXT PRIMARY KEY," \
    " secret_hash TEXT NOT NULL," \
    " acr INTEGER NOT NULL," \
    " created INTEGER NOT NULL" \
    CLIENT_OIDC_COLUMNS ");" \
    "CREATE TABLE IF NOT EXISTS revoked_tokens (" \
    " jti TEXT PRIMARY KEY," \
    " client TEXT NOT NULL," \
    " exp INTEGER NOT NULL);" \
    "CREATE TABLE IF NOT EXISTS client_uris (" \
    " client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE," \
    " kind INTEGER NOT NULL," \
    " uri TEXT NOT NULL," \
    " PRIMARY KEY (client_id, kind, uri));"

/*
 * The published CRLs, and the index from which a CRL's entries are read
 * in serial order without touching the table;
 * added to databases made before they existed. A CA's CRL settings live in
 * meta ("crl_shards:NAME", "delta_crl:NAME"), which every database has.
 */
#define CRL_SCHEMA \
    "CREATE TABLE IF NOT EXISTS crls (" \
    " ca TEXT NOT NULL," \
    " shard INTEGER NOT NULL," \
    " delta INTEGER NOT NULL," \
    " number INTEGER NOT NULL," \
    " base_number INTEGER NOT NULL," \
    " this_update INTEGER NOT NULL," \
    " next_update INTEGER NOT NULL," \
    " audit_seq INTEGER NOT NULL," \
    " der BLOB NOT NULL," \
    " PRIMARY KEY (ca, shard, delta, number));" \
    "CREATE INDEX IF NOT EXISTS certs_crl ON certs " \
    " (ca, serial, revoked_at, reason) WHERE status <> 0;"

/*
 * The audit log's recorded head (one row, moved on in the transaction of
 * every append) and its archive anchors; added to databases made before
 * they existed, the head then at the log's last record.
 */
#define AUDIT_SCHEMA \
    "CREATE TABLE IF NOT EXISTS audit_head (" \
    " id INTEGER PRIMARY KEY CHECK (id = 0)," \
    " seq INTEGER NOT NULL," \
    " hash TEXT NOT NULL);" \
    "CREATE TABLE IF NOT EXISTS audit_anchor (" \
    " seq INTEGER PRIMARY KEY," \
    " hash TEXT NOT NULL," \
    " first_seq INTEGER NOT NULL," \
    " prev_hash TEXT NOT NULL," \
    " before INTEGER NOT NULL," \
    " archived INTEGER NOT NULL," \
    " records INTEGER NOT NULL," \
    " file TEXT NOT NULL);" \
    "INSERT OR IGNORE INTO audit_head SELECT 0, coalesce(max(seq), 0), " \
    " coalesce((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), '') " \
    " FROM audit;"

static const char schema[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE cas ("
    " name TEXT PRIMARY KEY,"
    " profile TEXT NOT NULL,"
    " parent TEXT REFERENCES cas(name),"
    " serial TEXT NOT NULL UNIQUE,"
    " crl_number INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE certs ("
    " serial TEXT PRIMARY KEY,"
    " ca TEXT NOT NULL REFERENCES cas(name) DEFERRABLE INITIALLY DEFERRED,"
    " profile TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " pinfl TEXT, tin TEXT, org_tin TEXT,"
    " not_before INTEGER NOT NULL,"
    " not_after INTEGER NOT NULL,"
    " issued INTEGER NOT NULL,"
    " status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),"
    " revoked_at INTEGER,"
    " reason INTEGER,"
    " renewed_from TEXT REFERENCES certs(serial),"
    " der BLOB NOT NULL);"
    "CREATE INDEX certs_revoked ON certs (ca, status) WHERE status <> 0;"
    "CREATE INDEX certs_pinfl ON certs (pinfl) WHERE pinfl IS NOT NULL;"
    "CREATE INDEX certs_tin ON certs (tin) WHERE tin IS NOT NULL;"
    "CREATE INDEX certs_org_tin ON certs (org_tin) WHERE org_tin IS NOT NULL;"
    "CREATE INDEX certs_not_after ON certs (not_after);"
    "CREATE TABLE audit ("
    " seq INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " serial TEXT NOT NULL,"
    " detail TEXT NOT NULL,"
    " hash TEXT NOT NULL);"
    "INSERT INTO meta VALUES ('schema_version', '" SCHEMA_VERSION "');"
    SERVER_SCHEMA CRL_SCHEMA AUDIT_SCHEMA;

#define CERT_COLUMNS "serial, ca, profile, subject, pinfl, tin, org_tin, " \
	"not_before, not_after, issued, status, revoked_at, reason, " \
	"renewed_from, der"
#define CA_COLUMNS "name, profile, parent, serial, crl_number, " \
	"(SELECT value FROM meta WHERE key = 'crl_shards:' || name), " \
	"(SELECT value FROM meta WHERE key = 'delta_crl:' || name)"
#define CRL_HEAD_COLUMNS "ca, shard, delta, number, base_number, " \
	"this_update, next_update, audit_seq"
#define CRL_COLUMNS CRL_HEAD_COLUMNS ", der"
#define ANCHOR_COLUMNS "seq, hash, first_seq, prev_hash, before, archived, " \
	"records, file"

static const char *const stmt_sql[STMT__MAX] = {
	"INSERT INTO certs (" CERT_COLUMNS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	"SELECT " CERT_COLUMNS " FROM certs WHERE serial = ?1",
	"UPDATE certs SET status = ?2, revoked_at = ?3, reason = ?4 "
	    "WHERE serial = ?1",
	"SELECT serial, revoked_at, reason FROM certs "
	    "WHERE ca = ?1 AND status <> 0 ORDER BY serial",
	"INSERT INTO cas (name, profile, parent, serial) VALUES "
	    "(?1, ?2, NULLIF(?3, ''), ?4)",
	"SELECT " CA_COLUMNS " FROM cas WHERE name = ?1",
	"SELECT " CA_COLUMNS " FROM cas ORDER BY rowid",
	"UPDATE cas SET crl_number = crl_number + 1 WHERE name = ?1",
	"SELECT crl_number FROM cas WHERE name = ?1",
	"SELECT value FROM meta WHERE key = ?1",
	"INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
	"SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	"INSERT INTO audit (seq, time, actor, action, serial, detail, hash) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	"SELECT seq, time, actor, action, serial, detail, hash FROM audit "
	    "WHERE seq > ?1 ORDER BY seq",
	"INSERT INTO clients (id, secret_hash, acr, created, public, "
	    "auth_method, jwks) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	"DELETE FROM clients WHERE id = ?1",
	"SELECT id, secret_hash, acr, created, public, auth_method FROM "
	    "clients ORDER BY id",
	"INSERT OR IGNORE INTO revoked_tokens (jti, client, exp) VALUES "
	    "(?1, ?2, ?3)",
	"SELECT jti, exp FROM revoked_tokens WHERE exp >= ?1",
	"DELETE FROM revoked_tokens WHERE exp < ?1",
	"INSERT INTO crls (" CRL_COLUMNS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, zeroblob(?9))",
	"DELETE FROM crls WHERE ca = ?1 AND shard = ?2 AND delta = ?3 AND "
	    "number <= (SELECT number FROM crls WHERE ca = ?1 AND shard = ?2 "
	    "AND delta = ?3 ORDER BY number DESC LIMIT 1 OFFSET ?4)",
	"SELECT " CRL_COLUMNS " FROM crls WHERE ca = ?1 AND shard = ?2 AND "
	    "delta = ?3 ORDER BY number DESC LIMIT 1",
	"SELECT " CRL_HEAD_COLUMNS " FROM crls WHERE ca = ?1 AND shard = ?2 "
	    "AND delta = ?3 ORDER BY number DESC LIMIT 1",
	"SELECT serial, status, revoked_at, reason FROM certs WHERE ca = ?1 "
	    "AND serial IN (SELECT serial FROM audit WHERE seq > ?2 AND "
	    "action IN (" STORE_STATUS_ACTIONS ")) ORDER BY serial",
	"SELECT max(a.seq) FROM audit a JOIN certs c ON c.serial = a.serial "
	    "WHERE a.seq > ?2 AND a.action IN (" STORE_STATUS_ACTIONS ") AND "
	    "c.ca = ?1",
	"PRAGMA data_version",
	"SELECT seq, time, actor, action, serial, detail, hash FROM audit "
	    "WHERE seq = ?1",
	"SELECT seq, hash FROM audit_head WHERE id = 0",
	"UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 0 AND seq < ?1",
	"SELECT " ANCHOR_COLUMNS " FROM audit_anchor ORDER BY seq DESC "
	    "LIMIT 1",
	"SELECT " ANCHOR_COLUMNS " FROM audit_anchor ORDER BY seq",
	"INSERT INTO audit_anchor (" ANCHOR_COLUMNS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	"DELETE FROM audit WHERE seq <= ?1",
	"SELECT serial, ca, profile, status, revoked_at, reason, issued "
	    "FROM certs ORDER BY serial",
	"SELECT serial, seq, time, actor, action, detail, hash, action IN ("
	    STORE_ISSUE_ACTIONS ") FROM audit WHERE serial <> '' AND action "
	    "IN (" STORE_ISSUE_ACTIONS ", " STORE_STATUS_ACTIONS ") "
	    "ORDER BY serial, seq",
	"SELECT " CRL_HEAD_COLUMNS " FROM crls ORDER BY ca, number, shard, "
	    "delta",
	"INSERT INTO client_uris (client_id, kind, uri) VALUES (?1, ?2, ?3)",
	"SELECT client_id, kind, uri FROM client_uris UNION ALL "
	    "SELECT id, 3, jwks FROM clients WHERE jwks IS NOT NULL "
	    "ORDER BY 1, 2, 3",
	"BEGIN IMMEDIATE",
	"COMMIT",
	"ROLLBACK",
};

int
store_sqlite_fail(struct store *s, const char *what)
{
	log_msg(LOG_LEVEL_ERROR, "database: %s: %s", what,
	    sqlite3_errmsg(s->db));
	return KALIT_ERR_DB;
}

sqlite3_stmt *
store_sqlite_stmt(struct store *s, enum stmt i)
{
	if (s->stmt[i] == NULL) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL) != SQLITE_OK) {
			store_sqlite_fail(s, "prepare");
			return NULL;
		}
	} else {
		sqlite3_reset(s->stmt[i]);
		sqlite3_clear_bindings(s->stmt[i]);
	}
	return s->stmt[i];
}

int
store_sqlite_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return KALIT_OK;
	rc = sqlite3_extended_errcode(s->db);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
		return KALIT_ERR_DUPLICATE;
	return store_sqlite_fail(s, what);
}

int
store_sqlite_row(struct store *s, sqlite3_stmt *st, const char *what,
    int none, int (*fill)(sqlite3_stmt *, void *), void *arg)
{
	int rc, r;

	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		r = fill(st, arg);
	else if (rc == SQLITE_DONE)
		r = none;
	else
		r = store_sqlite_fail(s, what);
	/* a statement not reset holds its read transaction open */
	sqlite3_reset(st);
	return r;
}

static int
int64_row(sqlite3_stmt *st, void *arg)
{
	*(int64_t *)arg = sqlite3_column_int64(st, 0);
	return KALIT_OK;
}

int
store_sqlite_int64(struct store *s, sqlite3_stmt *st, const char *what,
    int64_t *vp)
{
	*vp = 0;
	return store_sqlite_row(s, st, what, KALIT_ERR_DB, int64_row, vp);
}

void
store_sqlite_col_copy(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(buf, len, "%s", v != NULL ? (const char *)v : "");
}

static int
exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_msg(LOG_LEVEL_ERROR, "database: %s", msg);
		sqlite3_free(msg);
		return KALIT_ERR_DB;
	}
	return KALIT_OK;
}

/*
 * The database holds client-secret hashes, the audit log and who holds
 * which certificate: made 0600 before SQLite opens it, whatever the umask.
 * SQLite gives its -wal and -shm files the database file's mode.
 */
static int
db_create(const char *path)
{
	int r, fd;

	if ((r = file_create_excl(path, &fd)) != KALIT_OK)
		return r == KALIT_ERR_FILE_EXISTS ? KALIT_ERR_CA_DIR : r;
	close(fd);
	return KALIT_OK;
}

/* One made by an older version may be readable by others: say so. */
static void
db_mode_check(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		log_msg(LOG_LEVEL_WARN, "%s: mode %04o: others can read it; "
		    "chmod 600 it and its -wal and -shm files", path,
		    (unsigned int)(st.st_mode & 07777));
}

/*
 * Runs add, in a transaction of its own, on a database made before what it
 * adds: when the query has (has: a query of one row) finds nothing. Only
 * reads when it is there (every open).
 */
static int
upgrade(struct store *s, const char *has, const char *add)
{
	sqlite3_stmt *st;
	int rc, r;

	if (sqlite3_prepare_v2(s->db, has, -1, &st, NULL) != SQLITE_OK)
		return store_sqlite_fail(s, "prepare");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return KALIT_OK;
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(s, "schema");
	if ((r = exec(s, "BEGIN IMMEDIATE;")) != KALIT_OK)
		return r;
	if ((r = exec(s, add)) == KALIT_OK)
		r = exec(s, "COMMIT;");
	else
		exec(s, "ROLLBACK;");
	return r;
}

/* The audit head and anchor, and the OpenID Connect clients' columns. */
static int
schema_upgrade(struct store *s)
{
	int r;

	if ((r = upgrade(s, "SELECT 1 FROM pragma_table_info('clients') "
	    "WHERE name = 'auth_method'", CLIENT_OIDC_ADD)) != KALIT_OK)
		return r;
	return upgrade(s, "SELECT 1 FROM sqlite_master WHERE type = 'table' "
	    "AND name = 'audit_head'", AUDIT_SCHEMA);
}

/* A connection to path opened with flags (SQLITE_OPEN_READWRITE, ...). */
static int
db_connect(const char *path, int flags, struct store **sp)
{
	struct store *s;
	int r;

	if ((*sp = s = calloc(1, sizeof(*s))) == NULL)
		return KALIT_ERR_NOMEM;
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		r = store_sqlite_fail(s, path);
		store_free(s);
		*sp = NULL;
		return r;
	}
	sqlite3_busy_timeout(s->db, 10000);
	return KALIT_OK;
}

int
store_open(const char *path, int create, struct store **sp)
{
	struct store *s = NULL;
	int r, exists = access(path, F_OK) == 0;

	*sp = NULL;
	if (create == exists)
		return KALIT_ERR_CA_DIR;
	if (create && (r = db_create(path)) != KALIT_OK)
		return r;
	if (!create)
		db_mode_check(path);
	if ((r = db_connect(path, SQLITE_OPEN_READWRITE, &s)) != KALIT_OK)
		goto fail;
	/* A certificate handed out must survive power loss: synchronous=FULL. */
	if ((r = exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "PRAGMA foreign_keys=ON;")) != KALIT_OK)
		goto fail;
	if (!create) {	/* writes only when a table is missing */
		if ((r = exec(s, SERVER_SCHEMA CRL_SCHEMA)) == KALIT_OK)
			r = schema_upgrade(s);
	} else if ((r = exec(s, "BEGIN IMMEDIATE;")) == KALIT_OK) {
		if ((r = exec(s, schema)) == KALIT_OK)
			r = exec(s, "COMMIT;");
		else
			exec(s, "ROLLBACK;");
	}
	if (r != KALIT_OK)
		goto fail;
	*sp = s;
	return KALIT_OK;
 fail:
	store_free(s);
	if (create)	/* no half-made database to be opened later */
		unlink(path);
	return r;
}

int
store_open_readonly(const char *path, struct store **sp)
{
	struct store *s;
	int r;

	*sp = NULL;
	if (access(path, R_OK) != 0)
		return KALIT_ERR_CA_DIR;
	if ((r = db_connect(path, SQLITE_OPEN_READONLY, &s)) != KALIT_OK)
		return r;
	/* Fails here, not at the first query, when it is no CA database. */
	if ((r = exec(s, "PRAGMA query_only=ON; SELECT 1 FROM certs, cas, "
	    "audit LIMIT 0;")) != KALIT_OK)
		goto fail;
	*sp = s;
	return KALIT_OK;
 fail:
	store_free(s);
	return r;
}

void
store_free(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < STMT__MAX; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	free(s);
}

/* A transaction statement, prepared once: kalitd's audit writer runs one per batch. */
static int
tx(struct store *s, enum stmt i, const char *what)
{
	sqlite3_stmt *st;

	if ((st = store_sqlite_stmt(s, i)) == NULL)
		return KALIT_ERR_DB;
	return store_sqlite_done(s, st, what);
}

int
store_begin(struct store *s)
{
	int r;

	if ((r = tx(s, STMT_BEGIN, "begin")) == KALIT_OK)
		s->in_tx = 1;
	return r;
}

int
store_commit(struct store *s)
{
	int r;

	if ((r = store_sqlite_audit_flush(s)) != KALIT_OK ||
	    (r = tx(s, STMT_COMMIT, "commit")) != KALIT_OK)
		return r;
	s->in_tx = 0;
	s->head_seq = 0;
	return KALIT_OK;
}

void
store_rollback(struct store *s)
{
	if (s != NULL && s->in_tx) {
		tx(s, STMT_ROLLBACK, "rollback");
		s->in_tx = 0;
		s->head_seq = 0;
	}
}

int
store_snapshot_begin(struct store *s)
{
	return exec(s, "BEGIN DEFERRED;");
}

void
store_snapshot_end(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		exec(s, "ROLLBACK;");
}

/* store_sqlite_row() of statement i, key bound to ?1: a row by its key. */
static int
row_by_key(struct store *s, enum stmt i, const char *key, const char *what,
    int none, int (*fill)(sqlite3_stmt *, void *), void *arg)
{
	sqlite3_stmt *st;

	if ((st = store_sqlite_stmt(s, i)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return store_sqlite_row(s, st, what, none, fill, arg);
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL || v[0] == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

int
store_cert_put(struct store *s, const struct store_cert *c)
{
	sqlite3_stmt *st;

	if ((st = store_sqlite_stmt(s, STMT_CERT_PUT)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, c->serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->ca, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->profile, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->subject, -1, SQLITE_STATIC);
	bind_text_or_null(st, 5, c->pinfl);
	bind_text_or_null(st, 6, c->tin);
	bind_text_or_null(st, 7, c->org_tin);
	sqlite3_bind_int64(st, 8, c->not_before);
	sqlite3_bind_int64(st, 9, c->not_after);
	sqlite3_bind_int64(st, 10, c->issued);
	sqlite3_bind_int(st, 11, c->status);
	if (c->status != STORE_VALID) {
		sqlite3_bind_int64(st, 12, c->revoked_at);
		sqlite3_bind_int(st, 13, c->reason);
	}
	bind_text_or_null(st, 14, c->renewed_from);
	sqlite3_bind_blob(st, 15, c->der, (int)c->der_len, SQLITE_STATIC);
	return store_sqlite_done(s, st, "insert certificate");
}

/*
 * Fills c (a struct store_cert) from a row of CERT_COLUMNS; c->subject and
 * c->der are new.
 */
static int
cert_from_row(sqlite3_stmt *st, void *arg)
{
	struct store_cert *c = arg;
	const void *der;

	memset(c, 0, sizeof(*c));
	store_sqlite_col_copy(st, 0, c->serial, sizeof(c->serial));
	store_sqlite_col_copy(st, 1, c->ca, sizeof(c->ca));
	store_sqlite_col_copy(st, 2, c->profile, sizeof(c->profile));
	store_sqlite_col_copy(st, 4, c->pinfl, sizeof(c->pinfl));
	store_sqlite_col_copy(st, 5, c->tin, sizeof(c->tin));
	store_sqlite_col_copy(st, 6, c->org_tin, sizeof(c->org_tin));
	c->not_before = sqlite3_column_int64(st, 7);
	c->not_after = sqlite3_column_int64(st, 8);
	c->issued = sqlite3_column_int64(st, 9);
	c->status = sqlite3_column_int(st, 10);
	c->revoked_at = sqlite3_column_int64(st, 11);
	c->reason = sqlite3_column_type(st, 12) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, 12);
	store_sqlite_col_copy(st, 13, c->renewed_from, sizeof(c->renewed_from));
	c->subject = strdup((const char *)sqlite3_column_text(st, 3));
	der = sqlite3_column_blob(st, 14);
	c->der_len = (size_t)sqlite3_column_bytes(st, 14);
	if ((c->der = malloc(c->der_len + 1)) != NULL && der != NULL)
		memcpy(c->der, der, c->der_len);
	if (c->subject == NULL || c->der == NULL) {
		store_cert_clear(c);
		return KALIT_ERR_NOMEM;
	}
	return KALIT_OK;
}

int
store_cert_get(struct store *s, const char *serial, struct store_cert *c)
{
	return row_by_key(s, STMT_CERT_GET, serial, "select certificate",
	    KALIT_ERR_SERIAL_UNKNOWN, cert_from_row, c);
}

int
store_cert_set_status(struct store *s, const char *serial, int status,
    int64_t revoked_at, int reason)
{
	sqlite3_stmt *st;
	int r;

	if (status != STORE_VALID && status != STORE_REVOKED &&
	    status != STORE_HOLD)
		return KALIT_ERR_INTERNAL;
	if ((st = store_sqlite_stmt(s, STMT_CERT_STATUS)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, status);
	if (status != STORE_VALID) {
		sqlite3_bind_int64(st, 3, revoked_at);
		sqlite3_bind_int(st, 4, reason);
	}
	if ((r = store_sqlite_done(s, st, "update status")) != KALIT_OK)
		return r;
	return sqlite3_changes(s->db) == 1 ? KALIT_OK :
	    KALIT_ERR_SERIAL_UNKNOWN;
}

/*
 * The WHERE clause holds only the filters given, so SQLite can use the
 * pinfl, tin, org_tin and not_after indexes; values are always bound.
 */
static int
list_sql(const struct store_filter *f, char *sql, size_t len)
{
	size_t n;

	n = (size_t)snprintf(sql, len, "SELECT " CERT_COLUMNS " FROM certs "
	    "WHERE 1");
	if (f->profile != NULL)
		n += (size_t)snprintf(sql + n, len - n, " AND profile = ?1");
	if (f->ca != NULL)
		n += (size_t)snprintf(sql + n, len - n, " AND ca = ?2");
	if (f->pinfl != NULL)
		n += (size_t)snprintf(sql + n, len - n, " AND pinfl = ?3");
	if (f->tin != NULL)
		n += (size_t)snprintf(sql + n, len - n, " AND rowid IN "
		    "(SELECT rowid FROM certs WHERE tin = ?4 UNION "
		    "SELECT rowid FROM certs WHERE org_tin = ?4)");
	if (f->expires_before != 0)
		n += (size_t)snprintf(sql + n, len - n,
		    " AND not_after < ?5");
	if (f->status == STORE_VALID)
		n += (size_t)snprintf(sql + n, len - n,
		    " AND status = 0 AND not_after >= ?7");
	else if (f->status == STORE_EXPIRED)
		n += (size_t)snprintf(sql + n, len - n,
		    " AND status = 0 AND not_after < ?7");
	else if (f->status >= 0)
		n += (size_t)snprintf(sql + n, len - n, " AND status = ?6");
	n += (size_t)snprintf(sql + n, len - n, " ORDER BY rowid");
	return n < len ? KALIT_OK : KALIT_ERR_INTERNAL;
}

int
store_cert_list(struct store *s, const struct store_filter *f,
    int (*cb)(const struct store_cert *, void *), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct store_cert c;
	char sql[1024];
	int rc, r;

	if ((r = list_sql(f, sql, sizeof(sql))) != KALIT_OK)
		return r;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sqlite_fail(s, "prepare list");
	/* Unused parameters stay unbound; sqlite3_bind_* on them is harmless. */
	bind_text_or_null(st, 1, f->profile);
	bind_text_or_null(st, 2, f->ca);
	bind_text_or_null(st, 3, f->pinfl);
	bind_text_or_null(st, 4, f->tin);
	sqlite3_bind_int64(st, 5, f->expires_before);
	sqlite3_bind_int(st, 6, f->status);
	sqlite3_bind_int64(st, 7, f->now);
	while (r == KALIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = cert_from_row(st, &c)) != KALIT_OK)
			break;
		r = cb(&c, arg);
		store_cert_clear(&c);
	}
	if (r == KALIT_OK && rc != SQLITE_DONE)
		r = store_sqlite_fail(s, "list");
	sqlite3_finalize(st);
	return r;
}


int
store_ca_put(struct store *s, const struct store_ca *ca)
{
	sqlite3_stmt *st;
	char key[64], val[16];
	int r;

	if (ca->crl_shards < 0 || ca->crl_shards > STORE_SHARDS_MAX)
		return KALIT_ERR_INTERNAL;

	if ((st = store_sqlite_stmt(s, STMT_CA_PUT)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, ca->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ca->profile, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ca->parent, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ca->serial, -1, SQLITE_STATIC);
	if ((r = store_sqlite_done(s, st, "insert CA")) != KALIT_OK)
		return r;
	if (ca->crl_shards > 1) {
		snprintf(key, sizeof(key), "crl_shards:%s", ca->name);
		snprintf(val, sizeof(val), "%d", ca->crl_shards);
		if ((r = store_meta_set(s, key, val)) != KALIT_OK)
			return r;
	}
	if (ca->delta_crl) {
		snprintf(key, sizeof(key), "delta_crl:%s", ca->name);
		if ((r = store_meta_set(s, key, "1")) != KALIT_OK)
			return r;
	}
	return KALIT_OK;
}

/* Fills ca (a struct store_ca) from a row of CA_COLUMNS. */
static int
ca_from_row(sqlite3_stmt *st, void *arg)
{
	struct store_ca *ca = arg;

	store_sqlite_col_copy(st, 0, ca->name, sizeof(ca->name));
	store_sqlite_col_copy(st, 1, ca->profile, sizeof(ca->profile));
	store_sqlite_col_copy(st, 2, ca->parent, sizeof(ca->parent));
	store_sqlite_col_copy(st, 3, ca->serial, sizeof(ca->serial));
	ca->crl_number = sqlite3_column_int64(st, 4);
	ca->crl_shards = sqlite3_column_int(st, 5);
	if (ca->crl_shards < 1 || ca->crl_shards > STORE_SHARDS_MAX)
		ca->crl_shards = 1;
	ca->delta_crl = sqlite3_column_int(st, 6) == 1;
	return KALIT_OK;
}

int
store_ca_get(struct store *s, const char *name, struct store_ca *ca)
{
	return row_by_key(s, STMT_CA_GET, name, "select CA",
	    KALIT_ERR_CA_UNKNOWN, ca_from_row, ca);
}

int
store_ca_list(struct store *s, int (*cb)(const struct store_ca *, void *),
    void *arg)
{
	sqlite3_stmt *st;
	struct store_ca ca;
	int rc, r = KALIT_OK;

	if ((st = store_sqlite_stmt(s, STMT_CA_LIST)) == NULL)
		return KALIT_ERR_DB;
	while (r == KALIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ca_from_row(st, &ca);
		r = cb(&ca, arg);
	}
	if (r == KALIT_OK && rc != SQLITE_DONE)
		r = store_sqlite_fail(s, "list CAs");
	sqlite3_reset(st);
	return r;
}

/* A text column's destination, for store_sqlite_row(). */
struct text_out {
	char	*buf;
	size_t	 len;
};

static int
text_row(sqlite3_stmt *st, void *arg)
{
	struct text_out *t = arg;

	store_sqlite_col_copy(st, 0, t->buf, t->len);
	return KALIT_OK;
}

int
store_meta_get(struct store *s, const char *key, char *buf, size_t len)
{
	struct text_out t = { buf, len };

	return row_by_key(s, STMT_META_GET, key, "select meta",
	    KALIT_ERR_CONFIG, text_row, &t);
}

int
store_meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st;

	if ((st = store_sqlite_stmt(s, STMT_META_SET)) == NULL)
		return KALIT_ERR_DB;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return store_sqlite_done(s, st, "set meta");
}

int
store_data_version(struct store *s, int64_t *vp)
{
	sqlite3_stmt *st;

	*vp = 0;
	if ((st = store_sqlite_stmt(s, STMT_DATA_VERSION)) == NULL)
		return KALIT_ERR_DB;
	return store_sqlite_int64(s, st, "data_version", vp);
}
