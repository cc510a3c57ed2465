/*
 * crl_dir.c: a directory of CRL files, each parsed again only when it
 * changes, and the status of a certificate per the newest that knows it
 */
#include "config.h"

#include "crl.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "ocsp.h"
#include "x509.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRL_DIR_FILES_MAX 256

struct crl_file {
	char		*name;
	int		 loaded;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	X509_CRL	*crl;		/* NULL: the file is not a CRL */
	size_t		 cost;		/* of crl when kept */
	int		 kept;		/* counted in the budget */
	int		 seen;
};

struct crl_dir {
	char		*path;
	size_t		 budget, bytes;
	int		 warned;
	pthread_mutex_t	 lock;
	struct crl_file	 files[CRL_DIR_FILES_MAX];
	size_t		 nfiles;
};

int
crl_dir_new(const char *path, size_t budget, struct crl_dir **dp)
{
	struct crl_dir *d;
	DIR *dir;

	*dp = NULL;
	/* A wrong path is a configuration error now, not "unknown" later. */
	if ((dir = opendir(path)) == NULL) {
		log_msg(LOG_LEVEL_ERROR, "CRL directory %s: %s", path,
		    strerror(errno));
		return KALIT_ERR_CONFIG;
	}
	closedir(dir);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return KALIT_ERR_NOMEM;
	if ((d->path = strdup(path)) == NULL) {
		free(d);
		return KALIT_ERR_NOMEM;
	}
	d->budget = budget;
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		free(d->path);
		free(d);
		return KALIT_ERR_INTERNAL;
	}
	*dp = d;
	return KALIT_OK;
}

/* Drops f's parsed CRL, which is read again when next needed. */
static void
file_unload(struct crl_dir *d, struct crl_file *f)
{
	if (f->kept)
		d->bytes -= f->cost;
	X509_CRL_free(f->crl);
	f->crl = NULL;
	f->kept = 0;
	f->loaded = 0;
}

static void
file_forget(struct crl_dir *d, struct crl_file *f)
{
	file_unload(d, f);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

void
crl_dir_flush(struct crl_dir *d)
{
	size_t i;

	if (d == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->nfiles; i++)
		file_forget(d, &d->files[i]);
	d->nfiles = 0;
	pthread_mutex_unlock(&d->lock);
}

void
crl_dir_free(struct crl_dir *d)
{
	if (d == NULL)
		return;
	crl_dir_flush(d);
	pthread_mutex_destroy(&d->lock);
	free(d->path);
	free(d);
}

/* The slot for file name, new and not loaded when first seen; or NULL. */
static struct crl_file *
dir_file(struct crl_dir *d, const char *name)
{
	struct crl_file *f;
	size_t i;

	for (i = 0; i < d->nfiles; i++)
		if (strcmp(d->files[i].name, name) == 0)
			return &d->files[i];
	if (d->nfiles == CRL_DIR_FILES_MAX) {
		log_msg(LOG_LEVEL_WARN, "%s: more than %d CRLs; %s ignored",
		    d->path, CRL_DIR_FILES_MAX, name);
		return NULL;
	}
	f = &d->files[d->nfiles];
	memset(f, 0, sizeof(*f));
	if ((f->name = strdup(name)) == NULL)
		return NULL;
	d->nfiles++;
	return f;
}

/*
 * Parses path into f unless f already holds that version of the file;
 * counts it in the budget when it fits.
 */
static void
file_refresh(struct crl_dir *d, struct crl_file *f, const char *path,
    const struct stat *sb)
{
	unsigned char *buf = NULL;
	size_t len = 0;

	if (f->loaded && f->dev == sb->st_dev && f->ino == sb->st_ino &&
	    f->size == sb->st_size &&
	    f->mtime.tv_sec == sb->st_mtim.tv_sec &&
	    f->mtime.tv_nsec == sb->st_mtim.tv_nsec)
		return;
	file_unload(d, f);
	/* Stamped before reading: a later change is seen next time. */
	f->loaded = 1;
	f->dev = sb->st_dev;
	f->ino = sb->st_ino;
	f->size = sb->st_size;
	f->mtime = sb->st_mtim;
	if (file_read(path, CRL_MAX_SIZE, &buf, &len) != KALIT_OK ||
	    crl_parse(buf, len, &f->crl) != KALIT_OK)
		log_msg(LOG_LEVEL_WARN, "%s: not a CRL, ignored", path);
	else if ((f->cost = x509_parsed_cost(len)) <= d->budget - d->bytes &&
	    d->bytes <= d->budget) {
		f->kept = 1;
		d->bytes += f->cost;
	} else if (!d->warned) {
		d->warned = 1;
		log_msg(LOG_LEVEL_WARN, "%s: its CRLs need more memory than "
		    "[cache] crls allows; those past it are read again for "
		    "each lookup", d->path);
	}
	free(buf);
}

/* Brings d->files in line with the directory; called locked. */
static void
dir_scan(struct crl_dir *d)
{
	char path[PATH_MAX];
	struct crl_file *f;
	struct dirent *de;
	struct stat sb;
	size_t i, n;
	DIR *dir;

	for (i = 0; i < d->nfiles; i++)
		d->files[i].seen = 0;
	if ((dir = opendir(d->path)) == NULL)
		log_msg(LOG_LEVEL_WARN, "%s: %s", d->path, strerror(errno));
	while (dir != NULL && (de = readdir(dir)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < 5 ||
		    strcmp(de->d_name + n - 4, ".crl") != 0 ||
		    snprintf(path, sizeof(path), "%s/%s", d->path,
		    de->d_name) >= (int)sizeof(path) ||
		    stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    (f = dir_file(d, de->d_name)) == NULL)
			continue;
		f->seen = 1;
		file_refresh(d, f, path, &sb);
	}
	if (dir != NULL)
		closedir(dir);
	for (i = 0; i < d->nfiles; ) {
		if (d->files[i].seen) {
			i++;
			continue;
		}
		file_forget(d, &d->files[i]);
		d->files[i] = d->files[--d->nfiles];
		memset(&d->files[d->nfiles], 0, sizeof(d->files[0]));
	}
}

/* "path/name" of the file crl was read from; the directory if it changed. */
static void
crl_dir_origin(struct crl_dir *d, const X509_CRL *crl, char *buf, size_t len)
{
	size_t i;

	pthread_mutex_lock(&d->lock);
	snprintf(buf, len, "%s", d->path);
	for (i = 0; i < d->nfiles; i++)
		if (d->files[i].crl == crl)
			snprintf(buf, len, "%s/%s", d->path, d->files[i].name);
	pthread_mutex_unlock(&d->lock);
}

int
crl_dir_status(struct crl_dir *d, X509 *cert, X509 *issuer, int64_t now,
    struct rev_status *st)
{
	X509_CRL *cand[CRL_DIR_FILES_MAX], *best_crl = NULL;
	struct rev_status s, best;
	int r, best_r = KALIT_ERR_REVOCATION_UNKNOWN;
	size_t i, n = 0;

	pthread_mutex_lock(&d->lock);
	dir_scan(d);
	for (i = 0; i < d->nfiles; i++)
		if (d->files[i].crl != NULL &&
		    X509_NAME_cmp(X509_CRL_get_issuer(d->files[i].crl),
		    X509_get_subject_name(issuer)) == 0 &&
		    X509_CRL_up_ref(d->files[i].crl))
			cand[n++] = d->files[i].crl;
	pthread_mutex_unlock(&d->lock);
	memset(&best, 0, sizeof(best));
	for (i = 0; i < n; i++) {
		r = crl_status(cand[i], cert, issuer, now, &s);
		/* The newest CRL wins; on a tie, the one that revokes. */
		if (r != KALIT_ERR_REVOCATION_UNKNOWN &&
		    (best_r == KALIT_ERR_REVOCATION_UNKNOWN ||
		    s.this_update > best.this_update ||
		    (s.this_update == best.this_update && r != KALIT_OK))) {
			best = s;
			best_r = r;
			best_crl = cand[i];
		}
	}
	if (best_r != KALIT_ERR_REVOCATION_UNKNOWN)
		crl_dir_origin(d, best_crl, best.origin, sizeof(best.origin));
	/* Those past the budget are kept for one lookup only. */
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->nfiles; i++)
		if (d->files[i].crl != NULL && !d->files[i].kept)
			file_unload(d, &d->files[i]);
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < n; i++)
		X509_CRL_free(cand[i]);
	if (best_r != KALIT_ERR_REVOCATION_UNKNOWN)
		*st = best;
	return best_r;
}
