/* certmap.h: a bounded, thread-safe map from a certificate's SHA-256 */
#ifndef KALITD_CERTMAP_H
#define KALITD_CERTMAP_H

#include <stddef.h>

#define CERTMAP_HASH	32

/*
 * Values are reference-counted objects: the map takes a reference with
 * ref() when it stores one and drops it with unref() when it forgets one.
 * A full shard forgets everything it holds (a bounded map, not an LRU).
 */
struct certmap;

int	certmap_new(size_t max, void (*ref)(void *), void (*unref)(void *),
	    struct certmap **mp);
void	certmap_free(struct certmap *m);

/* The value for hash with a reference for the caller, or NULL. */
void	*certmap_get(struct certmap *m, const unsigned char hash[CERTMAP_HASH]);

/*
 * Stores v for hash, taking the caller's reference to it, unless a value
 * is there already (then v's reference is dropped). Returns the value now
 * in the map (v or the earlier one) with a reference for the caller.
 */
void	*certmap_put(struct certmap *m, const unsigned char hash[CERTMAP_HASH],
	    void *v);

#endif
