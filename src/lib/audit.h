/* audit.h: the hash-chained audit log of CA operations */
#ifndef KALIT_AUDIT_H
#define KALIT_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Appends a record (who, what, when, serial, detail) whose hash is
 * SHA-256 over the previous record's hash and this record's fields. Call
 * inside the transaction that makes the change, so both land or neither.
 * serial and detail may be NULL.
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
 * Recomputes the chain. KALIT_OK with *countp records, or
 * KALIT_ERR_AUDIT_BROKEN with *badp the sequence number of the first record
 * whose hash or sequence is wrong.
 */
int	audit_verify(struct store *s, int64_t *countp, int64_t *badp);

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
