/* tokencache.c: kalit token's cache of access tokens, one file per request */
#include "config.h"

#include "tokencache.h"
#include "kalit.h"
#include "base64.h"
#include "digest.h"
#include "err.h"
#include "file.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* RFC 6750 section 2.1's b64token, '=' anywhere. */
#define B64TOKEN	KALIT_B64URL ".~+/="
#define EXPIRES_AT_MAX	(INT64_C(1) << 40)	/* seconds; year 36812 */

/* The base directory of user caches, XDG's, into dir; NULL if none. */
static const char *
cache_home(char *dir, size_t len)
{
	const char *s = getenv("XDG_CACHE_HOME"), *home;
	struct passwd *pw;
	int n;

	/* XDG Base Directory: a relative path is invalid and ignored. */
	if (s != NULL && s[0] == '/')
		n = snprintf(dir, len, "%s", s);
	else {
		if ((home = getenv("HOME")) == NULL || home[0] != '/')
			home = (pw = getpwuid(getuid())) != NULL ?
			    pw->pw_dir : NULL;
		if (home == NULL)
			return NULL;
		n = snprintf(dir, len, "%s/.cache", home);
	}
	return n > 0 && (size_t)n < len ? dir : NULL;
}

/*
 * Makes dir/name (mode 0700) unless it exists, into dir; then it must be
 * a directory of the user's whose mode has none of the bits of bad.
 */
static int
subdir(char *dir, size_t len, const char *name, mode_t bad)
{
	size_t n = strlen(dir);
	struct stat st;

	if (snprintf(dir + n, len - n, "/%s", name) >= (int)(len - n)) {
		log_msg(LOG_LEVEL_WARN, "token cache %s: path too long", dir);
		return KALIT_ERR_IO;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_msg(LOG_LEVEL_WARN, "token cache %s: %s", dir,
		    strerror(errno));
		return KALIT_ERR_IO;
	}
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & bad) != 0) {
		log_msg(LOG_LEVEL_WARN, "token cache %s: not a directory of "
		    "this user's, or others may write%s it; chmod 700 it",
		    dir, bad == 077 ? " or enter" : "");
		return KALIT_ERR_IO;
	}
	return KALIT_OK;
}

int
tokencache_dir(char *dir, size_t len)
{
	int r;

	if (cache_home(dir, len) == NULL) {
		log_msg(LOG_LEVEL_WARN, "token cache: no home directory");
		return KALIT_ERR_IO;
	}
	/* The XDG base directory "should be created with mode 0700". */
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_msg(LOG_LEVEL_WARN, "token cache %s: %s", dir,
		    strerror(errno));
		return KALIT_ERR_IO;
	}
	if ((r = subdir(dir, len, "kalit", 022)) != KALIT_OK)
		return r;
	return subdir(dir, len, "tokens", 077);
}

int
tokencache_name(const struct tokencache_key *k,
    char name[TOKENCACHE_NAME_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char cert[TOKENCACHE_NAME_LEN + 1], *s = NULL;
	unsigned int n = 0;
	int len, r = KALIT_ERR_INTERNAL;

	if (X509_digest(k->cert, digest_sha256(), md, &n) != 1) {
		log_ssl(LOG_LEVEL_ERROR, "X509_digest");
		return r;
	}
	hex_encode(md, n, cert);
	if ((len = asprintf(&s, "%s\n%s\n%s\n%s\n%s%s", k->server,
	    k->client, k->scope != NULL ? k->scope : "", k->audience != NULL ?
	    k->audience : "", cert, k->mtls ? "\nmtls" : "")) < 0)
		return KALIT_ERR_NOMEM;
	if (EVP_Digest(s, (size_t)len, md, &n, digest_sha256(), NULL) == 1) {
		hex_encode(md, n, name);
		r = KALIT_OK;
	} else
		log_ssl(LOG_LEVEL_ERROR, "EVP_Digest");
	free(s);
	return r;
}

int
tokencache_fresh(int64_t expires_at, int64_t lifetime, int64_t now)
{
	int64_t left = expires_at - now, margin = lifetime / 10;

	if (margin > TOKENCACHE_MARGIN)
		margin = TOKENCACHE_MARGIN;
	return left > margin && left <= lifetime;
}

int
tokencache_answer_ok(const json_t *a)
{
	const json_t *tok = json_object_get(a, "access_token");
	const json_t *type = json_object_get(a, "token_type");
	const json_t *exp = json_object_get(a, "expires_in");
	const json_t *scope = json_object_get(a, "scope");
	size_t len = json_string_length(tok);

	return json_is_string(tok) && len > 0 && len <= KALIT_TOKEN_MAX &&
	    strlen(json_string_value(tok)) == len &&
	    strspn(json_string_value(tok), B64TOKEN) == len &&
	    json_is_string(type) &&
	    strcasecmp(json_string_value(type), "Bearer") == 0 &&
	    json_is_integer(exp) && json_integer_value(exp) >= 1 &&
	    json_integer_value(exp) <= TOKENCACHE_LIFETIME_MAX &&
	    (scope == NULL || json_is_string(scope));
}

/* dir/name into path; KALIT_ERR_IO when it does not fit. */
static int
cache_path(char path[PATH_MAX], const char *dir, const char *name)
{
	int n = snprintf(path, PATH_MAX, "%s/%s", dir, name);

	return n > 0 && n < PATH_MAX ? KALIT_OK : KALIT_ERR_IO;
}

/* Why the open file fd is not to be trusted, or NULL. */
static const char *
cache_unsafe(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return strerror(errno);
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	if (st.st_uid != geteuid())
		return "owned by another user";
	if ((st.st_mode & 077) != 0)
		return "others may read or write it (mode not 0600)";
	return NULL;
}

/*
 * Reads path if it can be trusted: KALIT_OK with *bufp (caller wipes and
 * frees), KALIT_ERR_NOT_FOUND when there is none or it is not trusted.
 */
static int
cache_read(const char *path, unsigned char **bufp, size_t *lenp)
{
	const char *why;
	int fd, r = KALIT_ERR_NOT_FOUND;

	/* Not a link, and not a FIFO that would block the open. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return r;
	if (fd == -1)
		why = errno == ELOOP ? "a symbolic link" : strerror(errno);
	else
		why = cache_unsafe(fd);
	if (why != NULL)
		log_msg(LOG_LEVEL_WARN, "token cache %s: %s; ignored, and "
		    "replaced by the next token", path, why);
	else if (file_read_fd(fd, path, TOKENCACHE_FILE_MAX, bufp,
	    lenp) == KALIT_OK)
		r = KALIT_OK;
	if (fd != -1)
		close(fd);
	return r;
}

int
tokencache_get(const char *dir, const char *name, int64_t now,
    json_t **answerp)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;
	json_t *a = NULL, *at;
	int r;

	*answerp = NULL;
	if (cache_path(path, dir, name) != KALIT_OK ||
	    cache_read(path, &buf, &len) != KALIT_OK)
		return KALIT_ERR_NOT_FOUND;
	a = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	OPENSSL_cleanse(buf, len);
	free(buf);
	at = json_object_get(a, "expires_at");
	r = KALIT_ERR_NOT_FOUND;
	if (!tokencache_answer_ok(a) || !json_is_integer(at) ||
	    json_integer_value(at) <= 0 ||
	    json_integer_value(at) > EXPIRES_AT_MAX)
		log_msg(LOG_LEVEL_WARN, "token cache %s: not a token answer; "
		    "ignored, and replaced by the next token", path);
	else if (!tokencache_fresh(json_integer_value(at),
	    json_integer_value(json_object_get(a, "expires_in")), now))
		log_msg(LOG_LEVEL_DEBUG, "token cache %s: too close to its "
		    "expiry; a new token replaces it", path);
	else {
		*answerp = a;
		a = NULL;
		r = KALIT_OK;
	}
	json_decref(a);
	return r;
}

int
tokencache_put(const char *dir, const char *name, const json_t *answer)
{
	char path[PATH_MAX], *s;
	json_free_t jfree;
	int r;

	if ((r = cache_path(path, dir, name)) != KALIT_OK)
		return r;
	if ((s = json_dumps(answer, JSON_COMPACT)) == NULL)
		return KALIT_ERR_NOMEM;
	r = file_replace(path, s, strlen(s));
	OPENSSL_cleanse(s, strlen(s));
	json_get_alloc_funcs(NULL, &jfree);
	jfree(s);
	return r;
}
