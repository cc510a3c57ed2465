/* digest.h: hashing documents of any size in constant memory */
#ifndef KALIT_DIGEST_H
#define KALIT_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define DIGEST_ALGS_MAX	3		/* SHA-256, SHA-384, SHA-512 */
#define DIGEST_CHUNK	(128 * 1024)	/* bytes read at a time */

/*
 * The digests of one document, each algorithm once: the algorithms are
 * added first, then one pass over the document computes all of them.
 * Zero it before use; it owns nothing.
 */
struct digest_set {
	size_t		 n;
	const EVP_MD	*md[DIGEST_ALGS_MAX];
	unsigned char	 value[DIGEST_ALGS_MAX][EVP_MAX_MD_SIZE];
	unsigned int	 len[DIGEST_ALGS_MAX];	/* 0 until computed */
};

/*
 * Called after each chunk of a file: done bytes of total (0 when the size
 * is not known beforehand, as for a pipe).
 */
struct digest_progress {
	void	(*fn)(void *arg, uint64_t done, uint64_t total);
	void	*arg;
};

/*
 * SHA-256 fetched once for the process: passing it to EVP_Digest*() spares
 * the implicit fetch that EVP_sha256() costs on every use in OpenSSL 3.
 * Static; never freed.
 */
const EVP_MD *digest_sha256(void);

/*
 * The digest algorithm of OID nid that documents may be hashed with
 * (SHA-256, SHA-384, SHA-512), or NULL; static.
 */
const EVP_MD *digest_md_of(int nid);

/*
 * Adds md (one of digest_md_of()'s) to ds unless it is there already.
 * KALIT_ERR_INTERNAL for another algorithm or when ds is full.
 */
int	digest_set_add(struct digest_set *ds, const EVP_MD *md);

/*
 * The digest of the document with md, or NULL when ds does not have it;
 * *lenp (may be NULL) gets its length. Borrowed, valid while ds lives.
 */
const unsigned char *digest_set_get(const struct digest_set *ds,
	    const EVP_MD *md, size_t *lenp);

/*
 * Sets the digest with md from hex, as a person gives it: exactly twice
 * the digest's size of hex digits, either case, nothing else
 * (KALIT_ERR_MALFORMED). Adds md to ds when it is not there.
 */
int	digest_set_hex(struct digest_set *ds, const EVP_MD *md,
	    const char *hex);

/* Computes every digest of ds over len bytes of buf. */
int	digest_buf(struct digest_set *ds, const void *buf, size_t len);

/*
 * Computes every digest of ds over the file at path ("-": standard input)
 * in one pass, reading DIGEST_CHUNK bytes at a time: memory does not grow
 * with the file. progress may be NULL. KALIT_ERR_IO (logged) when the
 * file cannot be opened or read.
 */
int	digest_file(struct digest_set *ds, const char *path,
	    const struct digest_progress *progress);

#define DIGEST_HMAC_KEY_LEN	32

/*
 * An HMAC-SHA-256 context keyed with DIGEST_HMAC_KEY_LEN random bytes
 * (RAND_priv_bytes()) that only it keeps; NULL on failure. For MACs of
 * values a server hands out and takes back (challenges, login requests).
 * Caller frees with EVP_MAC_CTX_free().
 */
EVP_MAC_CTX *digest_hmac_new(void);

/*
 * HMAC of the len bytes of msg under key's (a copy of key is used, so
 * threads may share it), truncated to outlen (at most 32) bytes into out.
 */
int	digest_hmac(EVP_MAC_CTX *key, const void *msg, size_t len,
	    unsigned char *out, size_t outlen);

#endif
