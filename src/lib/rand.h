/* rand.h: CSPRNG bytes for public random values, drawn a block at a time */
#ifndef KALIT_RAND_H
#define KALIT_RAND_H

#include <stddef.h>

#define RAND_TAKE_BLOCK	4096	/* bytes drawn from RAND_bytes() at once */

/*
 * Fills buf with n bytes from the calling thread's block of RAND_bytes()
 * output, refilling the block when it runs out; each byte is handed out
 * once and wiped from the block as it is taken. For values that are
 * sent or stored in the clear (nonces, token ids), never for keys: those
 * come from RAND_priv_bytes(). Not for a process that forks after its
 * first call (see rand.c). KALIT_ERR_INTERNAL, with buf wiped, when
 * RAND_bytes() fails. Thread-safe.
 */
int	rand_take(void *buf, size_t n);

#define RAND_ID_LEN	22	/* base64url of 128 bits */

/*
 * A public random identifier (a token's jti, a session's sid): 128 bits
 * of rand_take(), base64url, into out.
 */
int	rand_id(char out[RAND_ID_LEN + 1]);

#endif
