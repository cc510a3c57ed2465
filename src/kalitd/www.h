/*
 * www.h: the login page's files, read into memory from [oidc] www_dir
 * (and brand_dir) at startup and on SIGHUP, their subresource integrity
 * filled in
 */
#ifndef KALITD_WWW_H
#define KALITD_WWW_H

#include <stddef.h>

#define WWW_FILE_MAX	(1024 * 1024)		/* bytes of one file */
#define WWW_TOTAL_MAX	(16 * 1024 * 1024)	/* bytes of all of them */
#define WWW_FILES_MAX	256

/* One file as served; immutable once loaded. */
struct www_file {
	char		*path;		/* "index.html", "js/login.js" ... */
	unsigned char	*body;
	size_t		 len;
	const char	*ctype;		/* its Content-Type; static */
	int		 html;
};

struct www;

/*
 * Reads the files a page may have: NAME.html in dir, js/NAME.js,
 * css/NAME.css, i18n/{uz,ru,en}.json, and brand/NAME.{svg,png,css,json}
 * from brand_dir (may be NULL) when it has that file, else from
 * dir/brand. NAME is [a-z0-9][a-z0-9_.-]* without "..": nothing else is
 * read or served. In each HTML file, "@SRI:PATH@" becomes the
 * subresource integrity ("sha384-...") of the file served as PATH, so a
 * branded file keeps a correct hash. A missing dir is an empty page (it
 * is logged). KALIT_ERR_CONFIG (logged) past a cap or for an SRI
 * placeholder naming no file. Caller frees *wp with www_free().
 */
int	www_load(const char *dir, const char *brand_dir, struct www **wp);
void	www_free(struct www *w);

/* The file served as path, or NULL; borrowed, valid while w lives. */
const struct www_file *www_get(const struct www *w, const char *path);

#endif
