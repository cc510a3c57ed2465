/*
 * teststore.h: the fixture of the CA database unit tests (check_store,
 * check_store_sqlite_crl, check_store_sqlite_server,
 * check_store_sqlite_audit): a fresh database path per test and the CAs,
 * certificate and CRL records they put in it. Every function asserts its
 * own success.
 */
#ifndef KALIT_TESTSTORE_H
#define KALIT_TESTSTORE_H

#include <limits.h>
#include <stdint.h>

#include "store.h"

#define PINFL1	"31507953320052"
#define PINFL2	"41507953320053"
#define NOW	INT64_C(1750000000)

/* A private directory per test, and ca.db in it (not yet created). */
extern char ts_tmpdir[PATH_MAX];
extern char ts_dbpath[PATH_MAX];

/* Checked fixture: makes ts_tmpdir and ts_dbpath; removes them again. */
void	ts_setup(void);
void	ts_teardown(void);

/* ts_teardown() and ts_setup(): a test that makes a database again. */
void	ts_reset(void);

/* A new store at ts_dbpath with CAs "root" and "issuing"; caller frees. */
struct store *ts_open_with_cas(void);

/*
 * ts_open_with_cas() and c5 (root CA, revoked), then c1 valid, c2 expired
 * (official), c3 revoked, c4 held: in issue order, oldest first. Caller
 * frees with store_free().
 */
struct store *ts_open_with_certs(void);

/* A certificate record; der points at static bytes. */
void	ts_cert_rec(struct store_cert *c, const char *serial, const char *ca,
	    const char *profile, int64_t issued, int64_t not_after);

/* A CRL record of (issuing, shard, delta) numbered number; der is static. */
void	ts_crl_rec(struct store_crl *c, int shard, int delta, int64_t number);

/* Audit rows as store_audit_list() hands them, copied: up to 8. */
struct ts_audit_rows {
	struct store_audit	 rec[8];	/* text fields point into text */
	char			 text[8][4][64];
	int			 n;
	int			 stop;		/* what the callback returns */
};

/* store_audit_list() callback: appends a row to the ts_audit_rows arg. */
int	ts_audit_collect(const struct store_audit *a, void *arg);

/*
 * Runs sql (one or more statements) on ts_dbpath behind the store's back;
 * returns the rows the last INSERT, UPDATE or DELETE changed.
 */
int	ts_raw_sql(const char *sql);

#endif
