/* audit.h: the hash-chained audit log of CA operations */
#ifndef KALIT_AUDIT_H
#define KALIT_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

/*
 * Appends a record (who, what, when, serial, detail) whose hash is
 * SHA-256 over the previous record's hash and this record's fields. Call
 * inside the transaction that makes the change, so both land or neither.
 * serial and detail may be NULL. KALIT_ERR_AUDIT_BROKEN when the log does
 * not end at its recorded head (see audit_head_check()).
 */
int	audit_append(struct store *s, const char *actor, const char *action,
	    const char *serial, const char *detail);

/*
 * The chain's last record as a writer that appends several records in one
 * transaction keeps it: zero it when the transaction begins (the head is
 * then read from the store once) and throw it away when it ends, since
 * other processes append to the same log between transactions.
 */
struct audit_head {
	int	 known;
	int64_t	 seq;
	char	 hash[STORE_HASH_HEX + 1];
};

/* audit_append() after *head, which it moves on to the new record. */
int	audit_append_at(struct store *s, struct audit_head *head,
	    const char *actor, const char *action, const char *serial,
	    const char *detail);

/*
 * Recomputes the chain from the last archive anchor (or the first record)
 * and checks that it ends at the head the last write recorded. KALIT_OK
 * with *countp records in the table, or KALIT_ERR_AUDIT_BROKEN with *badp
 * the sequence number of the first record whose hash or sequence is
 * wrong, or that is missing at the end (or, when the last record was
 * replaced, its number).
 */
int	audit_verify(struct store *s, int64_t *countp, int64_t *badp);

/*
 * Where the table's chain starts: the last archived record, or 0 and ""
 * when nothing was archived.
 */
int	audit_start(struct store *s, int64_t *seqp,
	    char hash[STORE_HASH_HEX + 1]);

/*
 * The chain's last record: the table's, or the last archived one when the
 * table is empty (0 and "" when there never was a record).
 */
int	audit_last(struct store *s, int64_t *seqp,
	    char hash[STORE_HASH_HEX + 1]);

/*
 * audit_last(), and KALIT_ERR_AUDIT_BROKEN (logged) unless it is the head
 * the last write recorded: records were deleted from the end, or added or
 * changed without the head.
 */
int	audit_head_check(struct store *s, int64_t *seqp,
	    char hash[STORE_HASH_HEX + 1]);

/* A chain being checked record by record. */
struct audit_chain {
	int64_t	 seq;		/* the last record, or the start */
	char	 hash[STORE_HASH_HEX + 1];
	int64_t	 count;		/* records taken */
};

/*
 * Takes a onto c if it is the next record and its hash chains;
 * KALIT_ERR_AUDIT_BROKEN (c unchanged) otherwise.
 */
int	audit_chain_next(struct audit_chain *c, const struct store_audit *a);

/*
 * Archives: JSON lines, a header ({"format": "kalit-audit-archive",
 * "version": 1, "prev_seq", "prev_hash", "before"}), one object per record
 * (seq, time, actor, action, serial, detail, hash; a text field that is
 * not UTF-8 as {"hex": ...}) and an end line ({"end": true, "records",
 * "last_seq", "last_hash"}).
 */
#define AUDIT_ARCHIVE_LINE_MAX	(64 * 1024)	/* bytes, newline excluded */

/* What an archive file holds, as its lines say and its chain shows. */
struct audit_archive {
	int64_t	 prev_seq;	/* the record before its first (0: none) */
	char	 prev_hash[STORE_HASH_HEX + 1];
	int64_t	 before;	/* every record in it is older */
	int64_t	 first_seq;
	int64_t	 last_seq;
	char	 last_hash[STORE_HASH_HEX + 1];
	int64_t	 records;
};

/* A long run's progress: what it does ("written", "deleting") and count. */
struct audit_progress {
	void	(*fn)(void *arg, const char *what, int64_t n);
	void	*arg;
};

struct audit_archive_result {
	struct audit_archive file;
	int64_t	 deleted;	/* records deleted from the table by this run */
	int	 resumed;	/* path existed: a stopped run, finished now */
};

/*
 * Moves the oldest records, those (from the start of the table's chain
 * on, and no further than the first that is not) older than before, out of
 * the table: writes them to path (created 0600 and exclusively, fsynced
 * with its directory), then deletes them in one transaction that records
 * their last as the anchor the table's chain goes on from, and appends an
 * "audit-archive" record by actor. Records a delta CRL is still built from
 * are kept. When path exists it is a run that stopped between the two:
 * the file is verified and its records deleted (KALIT_ERR_AUDIT_BROKEN if
 * it does not join the table, KALIT_ERR_MALFORMED if it is incomplete).
 * No record older than before: KALIT_OK with res->file.records 0, and no
 * file.
 */
int	audit_archive(struct store *s, const char *actor, int64_t before,
	    const char *path, const struct audit_progress *p,
	    struct audit_archive_result *res);

/*
 * Reads and verifies an archive file on its own: its lines, its chain from
 * its header's prev_hash, its dates, its end line. Calls cb (if not NULL)
 * with each record, borrowed for the call; a non-zero return stops the
 * read and is returned. KALIT_ERR_MALFORMED for a file that is not a
 * complete archive, KALIT_ERR_AUDIT_BROKEN for one whose chain breaks.
 */
int	audit_archive_read(const char *path,
	    int (*cb)(const struct store_audit *, void *), void *arg,
	    struct audit_archive *a);

/* res as JSON (file, records, first, last, deleted, last_hash, resumed). */
json_t	*audit_archive_json(const struct audit_archive_result *res,
	    const char *path);

/* res as a line for a terminal; caller frees with free(). */
char	*audit_archive_text(const struct audit_archive_result *res,
	    const char *path);

enum audit_archive_state {
	AUDIT_ARCHIVE_APPLIED = 1,	/* deleted from the table: an anchor */
	AUDIT_ARCHIVE_PENDING		/* written, still in the table too */
};

/*
 * How archive a joins the table of s, in *statep; KALIT_ERR_AUDIT_BROKEN
 * when it does neither (another database's, or a table changed since).
 */
int	audit_archive_join(struct store *s, const struct audit_archive *a,
	    int *statep);

/* Problems a report lists; it counts them all. */
#define AUDIT_PROBLEMS_MAX	100

struct audit_check_opts {
	const char	*expect_head;	/* "SEQ:HASH" kept off-site, or NULL */
	const char	*archive;	/* an archive to check too, or NULL */
};

/*
 * Judges the audit log of s whole and beside what it records:
 *  - the archive anchors follow one another;
 *  - the hash chain holds from the last anchor to the table's end;
 *  - the table ends at the head the last write recorded;
 *  - every stored CRL's own record is there and names it, and no CA's CRL
 *    number is past its newest stored CRL;
 *  - every certificate has its issuing record, every issuing record its
 *    certificate, and each certificate's status, reason and revocation
 *    time are what its last status record says;
 *  - with o->expect_head, the record it names is there with its hash;
 *  - with o->archive, that file verifies and joins the log.
 * KALIT_OK (nothing found) or KALIT_ERR_AUDIT_BROKEN with *reportp the
 * report (new reference): "intact", "records", "head_seq", "head",
 * "archived", "certificates", "crls", "problems" (kind, text, seq,
 * serial; AUDIT_PROBLEMS_MAX at most), "problems_total", and when the
 * chain breaks "first_broken" and "verified"; other errors leave
 * *reportp NULL. KALIT_ERR_USAGE for a bad o->expect_head.
 */
int	audit_check(struct store *s, const struct audit_check_opts *o,
	    json_t **reportp);

/*
 * The report as lines for a terminal: the summary when intact, else one
 * line per problem ("KIND: TEXT"). Caller frees with free(); NULL when out
 * of memory.
 */
char	*audit_report_text(const json_t *report);

#define AUDIT_ACTOR_MAX	100

/*
 * Who an administration command acts as: "OPERATOR (login name)" when
 * op (--operator, else $KALIT_OPERATOR when op is NULL) is set, else the
 * login name.
 */
void	audit_actor(const char *op, char *buf, size_t len);

/* The hash of a, chained to prev (hex, "" for the first), into out. */
int	audit_hash(const char *prev, const struct store_audit *a,
	    char out[STORE_HASH_HEX + 1]);

#endif
