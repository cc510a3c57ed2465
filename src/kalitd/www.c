/* www.c: the login page's files in memory, with their SRI hashes */
#include "config.h"
#include "www.h"
#include "base64.h"
#include "err.h"
#include "file.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define SRI_OPEN	"@SRI:"

struct www {
	struct www_file	 f[WWW_FILES_MAX];
	size_t		 n, total;
};

/* Where each kind of file is, what it may be called, what it is. */
static const struct {
	const char	*sub;		/* "": the top of the page's dir */
	const char	*ext;
	const char	*ctype;
	int		 brand;		/* from brand_dir first */
} kinds[] = {
	{ "", ".html", "text/html; charset=utf-8", 0 },
	{ "js", ".js", "text/javascript; charset=utf-8", 0 },
	{ "css", ".css", "text/css; charset=utf-8", 0 },
	{ "i18n", ".json", "application/json", 0 },
	{ "brand", ".svg", "image/svg+xml", 1 },
	{ "brand", ".png", "image/png", 1 },
	{ "brand", ".css", "text/css; charset=utf-8", 1 },
	{ "brand", ".json", "application/json", 1 },
};

/* [a-z0-9][a-z0-9_.-]* ending in ext, no "..": a name kalitd serves. */
static int
name_ok(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);

	if (n <= e || strcmp(name + n - e, ext) != 0 ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != n ||
	    name[0] == '.' || name[0] == '-' || name[0] == '_' ||
	    strstr(name, "..") != NULL)
		return 0;
	return 1;
}

void
www_free(struct www *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++) {
		free(w->f[i].path);
		free(w->f[i].body);
	}
	free(w);
}

const struct www_file *
www_get(const struct www *w, const char *path)
{
	size_t i;

	for (i = 0; w != NULL && i < w->n; i++)
		if (strcmp(w->f[i].path, path) == 0)
			return &w->f[i];
	return NULL;
}

/* Reads dir/name as the file served as path, replacing one of that path. */
static int
add_file(struct www *w, const char *dir, const char *name, const char *path,
    const char *ctype)
{
	struct www_file *f;
	char full[PATH_MAX];
	unsigned char *buf;
	size_t len;
	int r;

	if (snprintf(full, sizeof(full), "%s/%s", dir, name) >=
	    (int)sizeof(full))
		return KALIT_ERR_CONFIG;
	if ((r = file_read(full, WWW_FILE_MAX, &buf, &len)) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", full, kalit_strerror(r));
		return KALIT_ERR_CONFIG;
	}
	if ((f = (struct www_file *)www_get(w, path)) != NULL) {
		w->total -= f->len;
		free(f->body);
	} else if (w->n == WWW_FILES_MAX) {
		free(buf);
		log_msg(LOG_LEVEL_ERROR, "%s: more than %d page files", dir,
		    WWW_FILES_MAX);
		return KALIT_ERR_CONFIG;
	} else {
		f = &w->f[w->n];
		if ((f->path = strdup(path)) == NULL) {
			free(buf);
			return KALIT_ERR_NOMEM;
		}
		w->n++;
	}
	f->body = buf;
	f->len = len;
	f->ctype = ctype;
	f->html = strcmp(ctype, kinds[0].ctype) == 0;
	w->total += len;
	if (w->total > WWW_TOTAL_MAX) {
		log_msg(LOG_LEVEL_ERROR, "%s: page files larger than %d bytes "
		    "in all", dir, WWW_TOTAL_MAX);
		return KALIT_ERR_CONFIG;
	}
	return KALIT_OK;
}

/* The files of kind k in dir (sub being k's subdirectory, or not). */
static int
add_dir(struct www *w, const char *dir, int k)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = KALIT_OK;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? KALIT_OK : KALIT_ERR_CONFIG;
	while (r == KALIT_OK && (de = readdir(d)) != NULL) {
		if (!name_ok(de->d_name, kinds[k].ext))
			continue;
		if (strcmp(kinds[k].sub, "i18n") == 0 &&
		    strcmp(de->d_name, "uz.json") != 0 &&
		    strcmp(de->d_name, "ru.json") != 0 &&
		    strcmp(de->d_name, "en.json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", kinds[k].sub,
		    *kinds[k].sub != '\0' ? "/" : "", de->d_name);
		r = add_file(w, dir, de->d_name, path, kinds[k].ctype);
	}
	closedir(d);
	return r;
}

/* "sha384-" and the base64 SHA-384 of f, into out. */
static void
sri_of(const struct www_file *f, char out[7 + BASE64_LEN(48) + 1])
{
	unsigned char md[48];

	EVP_Digest(f->body, f->len, md, NULL, EVP_sha384(), NULL);
	memcpy(out, "sha384-", 7);
	base64_encode(md, sizeof(md), out + 7);
}

/* Fills every "@SRI:PATH@" of the HTML file h. */
static int
fill_sri(struct www *w, struct www_file *h)
{
	char sri[7 + BASE64_LEN(48) + 1], path[256], *out = NULL, *nb;
	const struct www_file *f;
	const char *p, *at, *end;
	size_t n = 0, cap, plen;
	const unsigned char *body = h->body;

	cap = h->len + 1;
	if ((out = malloc(cap)) == NULL)
		return KALIT_ERR_NOMEM;
	for (p = (const char *)body; p < (const char *)body + h->len; ) {
		at = memmem(p, (size_t)((const char *)body + h->len - p),
		    SRI_OPEN, strlen(SRI_OPEN));
		end = at != NULL ? memchr(at + strlen(SRI_OPEN), '@',
		    (size_t)((const char *)body + h->len - at) -
		    strlen(SRI_OPEN)) : NULL;
		if (at == NULL || end == NULL)
			at = end = (const char *)body + h->len;
		/* room for the rest was made: see below */
		memcpy(out + n, p, (size_t)(at - p));
		n += (size_t)(at - p);
		if (at == (const char *)body + h->len)
			break;
		plen = (size_t)(end - at) - strlen(SRI_OPEN);
		if (plen >= sizeof(path)) {
			free(out);
			return KALIT_ERR_CONFIG;
		}
		memcpy(path, at + strlen(SRI_OPEN), plen);
		path[plen] = '\0';
		if ((f = www_get(w, path)) == NULL) {
			log_msg(LOG_LEVEL_ERROR, "%s: %s%s@ names no page "
			    "file", h->path, SRI_OPEN, path);
			free(out);
			return KALIT_ERR_CONFIG;
		}
		sri_of(f, sri);
		/* the hash, and all the original could still add */
		if (n + strlen(sri) + h->len >= cap) {
			cap = n + strlen(sri) + h->len + 1;
			if ((nb = realloc(out, cap)) == NULL) {
				free(out);
				return KALIT_ERR_NOMEM;
			}
			out = nb;
		}
		memcpy(out + n, sri, strlen(sri));
		n += strlen(sri);
		p = end + 1;
	}
	w->total = w->total - h->len + n;
	free(h->body);
	h->body = (unsigned char *)out;
	h->len = n;
	return KALIT_OK;
}

int
www_load(const char *dir, const char *brand_dir, struct www **wp)
{
	char sub[PATH_MAX];
	struct www *w;
	size_t i;
	int k, r = KALIT_OK;

	*wp = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return KALIT_ERR_NOMEM;
	if (access(dir, R_OK | X_OK) != 0)
		log_msg(LOG_LEVEL_WARN, "%s: no login page files there "
		    "([oidc] www_dir)", dir);
	for (k = 0; r == KALIT_OK && k < (int)(sizeof(kinds) /
	    sizeof(kinds[0])); k++) {
		snprintf(sub, sizeof(sub), "%s%s%s", dir,
		    *kinds[k].sub != '\0' ? "/" : "", kinds[k].sub);
		r = add_dir(w, sub, k);
		if (r == KALIT_OK && kinds[k].brand && brand_dir != NULL)
			r = add_dir(w, brand_dir, k);
	}
	/* Scripts and styles first: the HTML names their hashes. */
	for (i = 0; r == KALIT_OK && i < w->n; i++)
		if (w->f[i].html)
			r = fill_sri(w, &w->f[i]);
	if (r != KALIT_OK) {
		www_free(w);
		return r;
	}
	*wp = w;
	return KALIT_OK;
}
