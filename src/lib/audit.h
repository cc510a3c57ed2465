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

/* Problems a report lists; it counts them all. */
#define AUDIT_PROBLEMS_MAX	100

struct audit_check_opts {
	const char	*expect_head;	/* "SEQ:HASH" kept off-site, or NULL */
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
 *  - with o->expect_head, the record it names is there with its hash.
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
