/* certmap.h: a thread-safe map from a certificate's SHA-256, in a byte budget */
#ifndef KALITD_CERTMAP_H
#define KALITD_CERTMAP_H

#include <stddef.h>

#define CERTMAP_HASH	32

/*
 * Values are reference-counted objects: the map takes a reference with
 * ref() when it stores one and drops it with unref() when it forgets one.
 * Each value is stored with its cost in bytes; when a shard would pass its
 * share of the budget, the values it has held longest are forgotten first
 * (a bounded map, not an LRU).
 */
struct certmap;

/* budget: bytes for all values together. Caller frees with certmap_free(). */
int	certmap_new(size_t budget, void (*ref)(void *), void (*unref)(void *),
	    struct certmap **mp);
void	certmap_free(struct certmap *m);

/* The value for hash with a reference for the caller, or NULL. */
void	*certmap_get(struct certmap *m, const unsigned char hash[CERTMAP_HASH]);

/*
 * Stores v for hash at cost bytes, taking the caller's reference to it,
 * unless a value is there already (then v's reference is dropped). Returns
 * the value now in the map (v or the earlier one) with a reference for
 * the caller. A value that costs more than a shard's share of the budget
 * is not stored: v is returned with the caller's reference.
 */
void	*certmap_put(struct certmap *m, const unsigned char hash[CERTMAP_HASH],
	    void *v, size_t cost);

/* Bytes the stored values cost now (their costs summed). */
size_t	certmap_bytes(struct certmap *m);

#endif
