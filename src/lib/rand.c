/* rand.c: CSPRNG bytes for public random values, drawn a block at a time */
#include "config.h"

#include "rand.h"
#include "base64.h"
#include "err.h"
#include "log.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

/*
 * Why: every RAND_bytes() call into OpenSSL 3.0's DRBG takes a lock and
 * makes a getpid() system call (its fork check), whatever the size asked
 * for; a login wanted two such calls for 16 bytes each. One call per
 * RAND_TAKE_BLOCK bytes makes that cost vanish.
 *
 * Why it is safe: the block is the DRBG's output, as good as what many
 * small calls would have returned, and each byte leaves it once (it is
 * wiped as it is taken), so no two values share a byte. Threads have
 * their own blocks, so there is no lock and nothing to share. What is not
 * yet taken waits in memory; it only ever becomes public values, and a
 * reader of this process's memory has worse things to take than them.
 *
 * What it does not do: notice a fork. OpenSSL reseeds its DRBG in a child;
 * this block is copied into the child as it is, so parent and child would
 * hand out the same bytes. kalitd does not fork once it runs. A program
 * that forks after its first rand_take() must clear the forking thread's
 * block in the child (a pthread_atfork() child handler that wipes it and
 * sets left to 0) before relying on this.
 */
static _Thread_local struct {
	unsigned char	 buf[RAND_TAKE_BLOCK];
	size_t		 left;		/* unused bytes at the end of buf */
} block;

int
rand_take(void *buf, size_t n)
{
	unsigned char *out = buf, *p;
	size_t k, want = n;

	while (n > 0) {
		if (block.left == 0) {
			if (RAND_bytes(block.buf, sizeof(block.buf)) != 1) {
				log_ssl(LOG_LEVEL_ERROR, "RAND_bytes");
				OPENSSL_cleanse(buf, want);
				return KALIT_ERR_INTERNAL;
			}
			block.left = sizeof(block.buf);
		}
		k = n < block.left ? n : block.left;
		p = block.buf + sizeof(block.buf) - block.left;
		memcpy(out, p, k);
		OPENSSL_cleanse(p, k);
		block.left -= k;
		out += k;
		n -= k;
	}
	return KALIT_OK;
}

int
rand_id(char out[RAND_ID_LEN + 1])
{
	unsigned char rnd[16];
	int r;

	if ((r = rand_take(rnd, sizeof(rnd))) != KALIT_OK)
		return r;
	base64_url_encode(rnd, sizeof(rnd), out);
	return KALIT_OK;
}
