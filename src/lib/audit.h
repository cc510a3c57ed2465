/* audit.h: the hash-chained audit log of CA operations */
#ifndef KALIT_AUDIT_H
#define KALIT_AUDIT_H

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
 * Recomputes the chain. KALIT_OK with *countp records, or
 * KALIT_ERR_AUDIT_BROKEN with *badp the sequence number of the first record
 * whose hash or sequence is wrong.
 */
int	audit_verify(struct store *s, int64_t *countp, int64_t *badp);

/* The hash of a, chained to prev (hex, "" for the first), into out. */
int	audit_hash(const char *prev, const struct store_audit *a,
	    char out[STORE_HASH_HEX + 1]);

#endif
