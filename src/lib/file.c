/* file.c: bounded reads and crash-safe exclusive writes */
#include "config.h"

#include "file.h"
#include "err.h"
#include "log.h"
#include "rand.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* Frees the first len bytes of buf (may be NULL) after wiping them. */
static void
file_wipe_free(unsigned char *buf, size_t len)
{
	if (buf != NULL)
		OPENSSL_cleanse(buf, len);
	free(buf);
}

int
file_read_fd(int fd, const char *name, size_t max, unsigned char **bufp,
    size_t *lenp)
{
	int r = KALIT_ERR_IO;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	*bufp = NULL;
	*lenp = 0;
	for (;;) {
		if (len == cap) {
			unsigned char *nbuf;
			size_t ncap = cap == 0 ? 8192 : cap * 2;

			if (cap > max) {
				r = KALIT_ERR_TOO_LARGE;
				goto out;
			}
			if (ncap > max + 1)
				ncap = max + 1;
			if ((nbuf = malloc(ncap + 1)) == NULL) {
				r = KALIT_ERR_NOMEM;
				goto out;
			}
			if (len > 0)
				memcpy(nbuf, buf, len);
			file_wipe_free(buf, len);
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_msg(LOG_LEVEL_ERROR, "%s: %s", name,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			log_msg(LOG_LEVEL_ERROR, "%s: larger than %zu bytes",
			    name, max);
			r = KALIT_ERR_TOO_LARGE;
			goto out;
		}
	}
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	r = KALIT_OK;
 out:
	file_wipe_free(buf, len);
	return r;
}

int
file_read(const char *path, size_t max, unsigned char **bufp, size_t *lenp)
{
	int r, fd;

	*bufp = NULL;
	*lenp = 0;
	if (strcmp(path, "-") == 0)
		return file_read_fd(STDIN_FILENO, path, max, bufp, lenp);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, strerror(errno));
		return KALIT_ERR_IO;
	}
	r = file_read_fd(fd, path, max, bufp, lenp);
	close(fd);
	return r;
}

int
file_create_excl(const char *path, int *fdp)
{
	int fd;

	*fdp = -1;
	/* O_EXCL alone would not follow a link either (POSIX open(2)). */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		if (errno == EEXIST)
			return KALIT_ERR_FILE_EXISTS;
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, strerror(errno));
		return KALIT_ERR_IO;
	}
	/* 0600 exactly, whatever the umask took away or a caller set. */
	if (fchmod(fd, 0600) == -1) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return KALIT_ERR_IO;
	}
	*fdp = fd;
	return KALIT_OK;
}

int
file_write_fd(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_msg(LOG_LEVEL_ERROR, "write: %s", strerror(errno));
			close(fd);
			return KALIT_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == -1) {
		log_msg(LOG_LEVEL_ERROR, "fsync: %s", strerror(errno));
		close(fd);
		return KALIT_ERR_IO;
	}
	if (close(fd) == -1)
		return KALIT_ERR_IO;
	return KALIT_OK;
}

int
file_write_excl(const char *path, const void *buf, size_t len)
{
	int r, fd;

	if ((r = file_create_excl(path, &fd)) != KALIT_OK)
		return r;
	if ((r = file_write_fd(fd, buf, len)) != KALIT_OK)
		unlink(path);
	return r;
}

int
file_replace(const char *path, const void *buf, size_t len)
{
	char tmp[PATH_MAX], id[RAND_ID_LEN + 1];
	int r, n;

	if ((r = rand_id(id)) != KALIT_OK)
		return r;
	n = snprintf(tmp, sizeof(tmp), "%s.%s.tmp", path, id);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		log_msg(LOG_LEVEL_ERROR, "%s: path too long", path);
		return KALIT_ERR_IO;
	}
	if ((r = file_write_excl(tmp, buf, len)) != KALIT_OK)
		return r;
	if (rename(tmp, path) == -1) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return KALIT_ERR_IO;
	}
	return KALIT_OK;
}
