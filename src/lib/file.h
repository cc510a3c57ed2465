/* file.h: bounded reads and crash-safe exclusive writes */
#ifndef KALIT_FILE_H
#define KALIT_FILE_H

#include <stddef.h>

/*
 * Reads all of path ("-" is standard input), refusing more than max bytes
 * with KALIT_ERR_TOO_LARGE before allocating for them. On KALIT_OK *bufp
 * (caller frees with free(); NUL-terminated for convenience, not counted)
 * and *lenp are set. The buffer grows without leaving copies behind in
 * freed memory: what is read may be a secret.
 */
int	file_read(const char *path, size_t max, unsigned char **bufp,
	    size_t *lenp);

/*
 * file_read() of the open descriptor fd, from where it stands to its
 * end; name is for messages. fd stays open.
 */
int	file_read_fd(int fd, const char *name, size_t max,
	    unsigned char **bufp, size_t *lenp);

/*
 * Creates path exclusively with mode 0600, whatever the umask
 * (KALIT_ERR_FILE_EXISTS if it exists, a symbolic link included).
 * Returns the open descriptor in *fdp; the caller writes with
 * file_write_fd() or closes and unlinks on failure.
 */
int	file_create_excl(const char *path, int *fdp);

/* Writes len bytes to fd, fsyncs and closes fd (also on failure). */
int	file_write_fd(int fd, const void *buf, size_t len);

/* file_create_excl() + file_write_fd(), unlinking path if writing fails. */
int	file_write_excl(const char *path, const void *buf, size_t len);

/*
 * Replaces path with len bytes of buf atomically: they are written to a
 * new file beside it (file_write_excl(): mode 0600, never through a
 * link), synced, and renamed over path, so that a reader sees the old
 * file or the new one, whole; a link at path is replaced, not followed.
 * The new file is removed when anything fails.
 */
int	file_replace(const char *path, const void *buf, size_t len);

#endif
