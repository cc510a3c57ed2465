/* digest.c: hashing documents of any size in constant memory */
#include "config.h"

#include "digest.h"
#include "base64.h"
#include "err.h"
#include "log.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rand.h>

static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *
digest_sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256 != NULL ? sha256 : EVP_sha256();
}

const EVP_MD *
digest_md_of(int nid)
{
	switch (nid) {
	case NID_sha256:
		return EVP_sha256();
	case NID_sha384:
		return EVP_sha384();
	case NID_sha512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

/* Index of md in ds, or -1. */
static int
digest_index(const struct digest_set *ds, const EVP_MD *md)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		if (EVP_MD_get_type(ds->md[i]) == EVP_MD_get_type(md))
			return (int)i;
	return -1;
}

int
digest_set_add(struct digest_set *ds, const EVP_MD *md)
{
	if (md == NULL || digest_md_of(EVP_MD_get_type(md)) == NULL)
		return KALIT_ERR_INTERNAL;
	if (digest_index(ds, md) >= 0)
		return KALIT_OK;
	if (ds->n == DIGEST_ALGS_MAX)
		return KALIT_ERR_INTERNAL;
	ds->md[ds->n] = md;
	ds->len[ds->n] = 0;
	ds->n++;
	return KALIT_OK;
}

const unsigned char *
digest_set_get(const struct digest_set *ds, const EVP_MD *md, size_t *lenp)
{
	int i;

	if (md == NULL || (i = digest_index(ds, md)) < 0 || ds->len[i] == 0)
		return NULL;
	if (lenp != NULL)
		*lenp = ds->len[i];
	return ds->value[i];
}

int
digest_set_hex(struct digest_set *ds, const EVP_MD *md, const char *hex)
{
	size_t want = (size_t)EVP_MD_get_size(md), got = 0;
	int i, r;

	if ((r = digest_set_add(ds, md)) != KALIT_OK)
		return r;
	i = digest_index(ds, md);
	if (strlen(hex) != HEX_LEN(want) || hex_decode(hex, HEX_LEN(want),
	    ds->value[i], want, &got) != KALIT_OK)
		return KALIT_ERR_MALFORMED;
	ds->len[i] = (unsigned int)want;
	return KALIT_OK;
}

/* One context per algorithm of ds, initialised; NULLs on failure. */
static int
digest_init(const struct digest_set *ds, EVP_MD_CTX *ctx[DIGEST_ALGS_MAX])
{
	size_t i;

	memset(ctx, 0, DIGEST_ALGS_MAX * sizeof(ctx[0]));
	for (i = 0; i < ds->n; i++)
		if ((ctx[i] = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(ctx[i], ds->md[i], NULL) != 1) {
			log_ssl(LOG_LEVEL_ERROR, "EVP_DigestInit_ex");
			return KALIT_ERR_INTERNAL;
		}
	return KALIT_OK;
}

static int
digest_update(const struct digest_set *ds, EVP_MD_CTX *ctx[DIGEST_ALGS_MAX],
    const void *buf, size_t len)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		if (EVP_DigestUpdate(ctx[i], buf, len) != 1) {
			log_ssl(LOG_LEVEL_ERROR, "EVP_DigestUpdate");
			return KALIT_ERR_INTERNAL;
		}
	return KALIT_OK;
}

static int
digest_final(struct digest_set *ds, EVP_MD_CTX *ctx[DIGEST_ALGS_MAX])
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		if (EVP_DigestFinal_ex(ctx[i], ds->value[i], &ds->len[i]) !=
		    1) {
			log_ssl(LOG_LEVEL_ERROR, "EVP_DigestFinal_ex");
			return KALIT_ERR_INTERNAL;
		}
	return KALIT_OK;
}

static void
digest_free(EVP_MD_CTX *ctx[DIGEST_ALGS_MAX])
{
	size_t i;

	for (i = 0; i < DIGEST_ALGS_MAX; i++)
		EVP_MD_CTX_free(ctx[i]);
}

int
digest_buf(struct digest_set *ds, const void *buf, size_t len)
{
	EVP_MD_CTX *ctx[DIGEST_ALGS_MAX];
	int r;

	if ((r = digest_init(ds, ctx)) == KALIT_OK &&
	    (r = digest_update(ds, ctx, buf, len)) == KALIT_OK)
		r = digest_final(ds, ctx);
	digest_free(ctx);
	return r;
}

/* Reads fd to its end through the digests. */
static int
digest_read(struct digest_set *ds, EVP_MD_CTX *ctx[DIGEST_ALGS_MAX], int fd,
    const char *path, uint64_t total, const struct digest_progress *p)
{
	unsigned char *buf;
	uint64_t done = 0;
	ssize_t n;
	int r = KALIT_OK;

	if ((buf = malloc(DIGEST_CHUNK)) == NULL)
		return KALIT_ERR_NOMEM;
	while (r == KALIT_OK) {
		if ((n = read(fd, buf, DIGEST_CHUNK)) == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_msg(LOG_LEVEL_ERROR, "%s: %s", path,
			    strerror(errno));
			r = KALIT_ERR_IO;
		} else if (n == 0)
			break;
		else if ((r = digest_update(ds, ctx, buf, (size_t)n)) ==
		    KALIT_OK) {
			done += (uint64_t)n;
			if (p != NULL && p->fn != NULL)
				p->fn(p->arg, done, total);
		}
	}
	free(buf);
	return r;
}

int
digest_file(struct digest_set *ds, const char *path,
    const struct digest_progress *progress)
{
	EVP_MD_CTX *ctx[DIGEST_ALGS_MAX];
	uint64_t total = 0;
	struct stat sb;
	int fd, r;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, strerror(errno));
		return KALIT_ERR_IO;
	}
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		total = (uint64_t)sb.st_size;
		/* Read once, front to back: read ahead, keep nothing. */
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	if ((r = digest_init(ds, ctx)) == KALIT_OK &&
	    (r = digest_read(ds, ctx, fd, path, total, progress)) == KALIT_OK)
		r = digest_final(ds, ctx);
	digest_free(ctx);
	if (fd != STDIN_FILENO)
		close(fd);
	return r;
}

/*
 * The MAC is fetched and keyed once with a random key that only the
 * context keeps; each use works on a copy, which is much cheaper than
 * HMAC()'s fetch of the algorithms on every call.
 */
EVP_MAC_CTX *
digest_hmac_new(void)
{
	unsigned char key[DIGEST_HMAC_KEY_LEN];
	OSSL_PARAM params[2];
	EVP_MAC *m = NULL;
	EVP_MAC_CTX *ctx = NULL;

	if (RAND_priv_bytes(key, sizeof(key)) != 1)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) != NULL &&
	    (ctx = EVP_MAC_CTX_new(m)) != NULL &&
	    EVP_MAC_init(ctx, key, sizeof(key), params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	EVP_MAC_free(m);
	OPENSSL_cleanse(key, sizeof(key));
	return ctx;
}

int
digest_hmac(EVP_MAC_CTX *key, const void *msg, size_t len,
    unsigned char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	EVP_MAC_CTX *ctx;
	int ok;

	ok = (ctx = EVP_MAC_CTX_dup(key)) != NULL &&
	    EVP_MAC_update(ctx, msg, len) == 1 &&
	    EVP_MAC_final(ctx, md, &mdlen, sizeof(md)) == 1 &&
	    mdlen >= outlen;
	EVP_MAC_CTX_free(ctx);
	if (!ok) {
		log_ssl(LOG_LEVEL_ERROR, "HMAC");
		return KALIT_ERR_INTERNAL;
	}
	memcpy(out, md, outlen);
	OPENSSL_cleanse(md, sizeof(md));
	return KALIT_OK;
}
