/* file.c: bounded reads and crash-safe exclusive writes */
#include "config.h"

#include "file.h"
#include "err.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
file_read(const char *path, size_t max, unsigned char **bufp, size_t *lenp)
{
	int r = KALIT_ERR_IO, fd;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	*bufp = NULL;
	*lenp = 0;
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, strerror(errno));
		return KALIT_ERR_IO;
	}
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
			if ((nbuf = realloc(buf, ncap + 1)) == NULL) {
				r = KALIT_ERR_NOMEM;
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_msg(LOG_LEVEL_ERROR, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			log_msg(LOG_LEVEL_ERROR, "%s: larger than %zu bytes",
			    path, max);
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
	if (fd != STDIN_FILENO)
		close(fd);
	free(buf);
	return r;
}

int
file_create_excl(const char *path, int *fdp)
{
	int fd;

	*fdp = -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
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
