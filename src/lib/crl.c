/* crl.c: certificate revocation lists (RFC 5280 section 5) */
#include "config.h"

#include "crl.h"
#include "x509.h"
#include "err.h"
#include "file.h"
#include "keyfile.h"
#include "log.h"
#include "ocsp.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

struct crl {
	X509		*ca;
	X509_CRL	*crl;
	BIGNUM		*bn;		/* scratch for serials */
};

#define REASON_COUNT	11	/* unspecified .. aACompromise */
#define CRL_LEEWAY	300	/* seconds a thisUpdate may be ahead of us */
#define CRL_DIR_FILES_MAX 256

static const char *const reason_names[REASON_COUNT] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", NULL,
	"removeFromCRL", "privilegeWithdrawn", "aACompromise"
};

int
crl_reason_parse(const char *name, int *reasonp)
{
	int i;

	for (i = 0; i < REASON_COUNT; i++)
		if (reason_names[i] != NULL && strcmp(name, reason_names[i]) == 0) {
			*reasonp = i;
			return KALIT_OK;
		}
	return KALIT_ERR_REASON;
}

const char *
crl_reason_name(int reason)
{
	if (reason < 0 || reason >= REASON_COUNT ||
	    reason_names[reason] == NULL)
		return "unknown";
	return reason_names[reason];
}

int
crl_new(X509 *ca, int64_t number, time_t this_update, time_t next_update,
    struct crl **crlp)
{
	struct crl *c;
	ASN1_TIME *t = NULL;
	ASN1_INTEGER *num = NULL;
	X509_EXTENSION *aki = NULL;
	X509V3_CTX ctx;
	int ok;

	*crlp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return KALIT_ERR_NOMEM;
	c->ca = ca;
	ok = (c->crl = X509_CRL_new()) != NULL &&
	    (c->bn = BN_new()) != NULL &&
	    X509_CRL_set_version(c->crl, X509_CRL_VERSION_2) &&
	    X509_CRL_set_issuer_name(c->crl, X509_get_subject_name(ca)) &&
	    (t = ASN1_TIME_set(NULL, this_update)) != NULL &&
	    X509_CRL_set1_lastUpdate(c->crl, t) &&
	    ASN1_TIME_set(t, next_update) != NULL &&
	    X509_CRL_set1_nextUpdate(c->crl, t) &&
	    (num = ASN1_INTEGER_new()) != NULL &&
	    ASN1_INTEGER_set_int64(num, number) &&
	    X509_CRL_add1_ext_i2d(c->crl, NID_crl_number, num, 0, 0);
	if (ok) {
		X509V3_set_ctx(&ctx, ca, NULL, NULL, c->crl, 0);
		aki = X509V3_EXT_nconf_nid(NULL, &ctx,
		    NID_authority_key_identifier, "keyid:always");
		ok = aki != NULL && X509_CRL_add_ext(c->crl, aki, -1);
	}
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(num);
	X509_EXTENSION_free(aki);
	if (!ok) {
		log_ssl(LOG_LEVEL_ERROR, "X509_CRL_*");
		crl_free(c);
		return KALIT_ERR_INTERNAL;
	}
	*crlp = c;
	return KALIT_OK;
}

int
crl_add(struct crl *c, const char *serial_hex, time_t revoked_at, int reason)
{
	X509_REVOKED *rev;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *t = NULL;
	ASN1_ENUMERATED *code = NULL;
	int ok;

	if (*serial_hex == '\0' ||
	    BN_hex2bn(&c->bn, serial_hex) != (int)strlen(serial_hex) ||
	    BN_is_negative(c->bn))
		return KALIT_ERR_MALFORMED;
	if (reason >= 0 && strcmp(crl_reason_name(reason), "unknown") == 0)
		return KALIT_ERR_REASON;
	if ((rev = X509_REVOKED_new()) == NULL)
		return KALIT_ERR_NOMEM;
	ok = (serial = BN_to_ASN1_INTEGER(c->bn, NULL)) != NULL &&
	    X509_REVOKED_set_serialNumber(rev, serial) &&
	    (t = ASN1_TIME_set(NULL, revoked_at)) != NULL &&
	    X509_REVOKED_set_revocationDate(rev, t);
	if (ok && reason > CRL_REASON_UNSPECIFIED) {
		ok = (code = ASN1_ENUMERATED_new()) != NULL &&
		    ASN1_ENUMERATED_set(code, reason) &&
		    X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, code, 0, 0);
	}
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(t);
	ASN1_ENUMERATED_free(code);
	if (!ok || !X509_CRL_add0_revoked(c->crl, rev)) {
		X509_REVOKED_free(rev);
		log_ssl(LOG_LEVEL_ERROR, "X509_CRL_add0_revoked");
		return KALIT_ERR_NOMEM;
	}
	return KALIT_OK;
}

int
crl_sign(struct crl *c, EVP_PKEY *ca_key, unsigned char **derp, size_t *lenp)
{
	int len;

	*derp = NULL;
	*lenp = 0;
	if (!X509_CRL_sort(c->crl) ||
	    X509_CRL_sign(c->crl, ca_key, key_sign_md(ca_key)) <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "X509_CRL_sign");
		return KALIT_ERR_INTERNAL;
	}
	if ((len = i2d_X509_CRL(c->crl, derp)) <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "i2d_X509_CRL");
		return KALIT_ERR_INTERNAL;
	}
	*lenp = (size_t)len;
	return KALIT_OK;
}

void
crl_free(struct crl *c)
{
	if (c == NULL)
		return;
	X509_CRL_free(c->crl);
	BN_free(c->bn);
	free(c);
}

int
crl_to_pem(const unsigned char *der, size_t len, char **pemp)
{
	const unsigned char *p = der;
	X509_CRL *crl;
	BIO *mem = NULL;
	char *data;
	long n;
	int r = KALIT_ERR_INTERNAL;

	*pemp = NULL;
	if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) == NULL)
		return KALIT_ERR_MALFORMED;
	if ((mem = BIO_new(BIO_s_mem())) != NULL &&
	    PEM_write_bio_X509_CRL(mem, crl)) {
		n = BIO_get_mem_data(mem, &data);
		*pemp = strndup(data, (size_t)n);
		r = *pemp != NULL ? KALIT_OK : KALIT_ERR_NOMEM;
	}
	BIO_free(mem);
	X509_CRL_free(crl);
	return r;
}

int
crl_parse(const unsigned char *buf, size_t len, X509_CRL **crlp)
{
	const unsigned char *der, *p;
	unsigned char *alloc;
	long dlen;
	int r;

	*crlp = NULL;
	if (len > CRL_MAX_SIZE)
		return KALIT_ERR_TOO_LARGE;
	if ((r = x509_der_of(buf, len, PEM_STRING_X509_CRL, &der, &dlen,
	    &alloc)) != KALIT_OK)
		return r;
	p = der;
	if ((*crlp = d2i_X509_CRL(NULL, &p, dlen)) != NULL &&
	    p != der + dlen) {
		X509_CRL_free(*crlp);
		*crlp = NULL;
	}
	OPENSSL_free(alloc);
	if (*crlp == NULL) {
		log_ssl(LOG_LEVEL_DEBUG, "d2i_X509_CRL");
		return KALIT_ERR_MALFORMED;
	}
	return KALIT_OK;
}

/* 1 if one of the full names of idp is among cert's CRL distribution points. */
static int
dp_matches(const DIST_POINT_NAME *idp, X509 *cert)
{
	STACK_OF(DIST_POINT) *cdp;
	GENERAL_NAMES *want, *have;
	DIST_POINT *dp;
	int i, j, k, found = 0;

	if (idp->type != 0)	/* nameRelativeToCRLIssuer: unsupported */
		return 0;
	if ((cdp = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL,
	    NULL)) == NULL)
		return 0;
	for (i = 0; !found && i < sk_DIST_POINT_num(cdp); i++) {
		dp = sk_DIST_POINT_value(cdp, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		want = idp->name.fullname;
		have = dp->distpoint->name.fullname;
		for (j = 0; j < sk_GENERAL_NAME_num(want); j++)
			for (k = 0; k < sk_GENERAL_NAME_num(have); k++)
				if (GENERAL_NAME_cmp(sk_GENERAL_NAME_value(want,
				    j), sk_GENERAL_NAME_value(have, k)) == 0)
					found = 1;
	}
	CRL_DIST_POINTS_free(cdp);
	return found;
}

/*
 * 1 if crl is a complete CRL covering cert (RFC 5280 6.3.3): no delta, no
 * unknown critical extension, not indirect, not limited to some reasons,
 * to attribute certificates or to the other kind of certificate, and when
 * it names a distribution point, one of cert's.
 */
static int
crl_scope_ok(X509_CRL *crl, X509 *cert)
{
	X509_EXTENSION *ext;
	ISSUING_DIST_POINT *idp;
	int i, crit = -1, ok = 0, ca;

	for (i = 0; i < X509_CRL_get_ext_count(crl); i++) {
		ext = X509_CRL_get_ext(crl, i);
		if (X509_EXTENSION_get_critical(ext) &&
		    OBJ_obj2nid(X509_EXTENSION_get_object(ext)) !=
		    NID_issuing_distribution_point)
			return 0;	/* delta CRLs included */
	}
	if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0)
		return 0;
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit,
	    NULL);
	if (idp == NULL)
		return crit == -1;	/* absent, not malformed or repeated */
	ca = X509_check_ca(cert) != 0;
	if (idp->onlysomereasons != NULL || idp->indirectCRL ||
	    idp->onlyattr || (idp->onlyuser && ca) || (idp->onlyCA && !ca))
		goto out;
	if (idp->distpoint != NULL && !dp_matches(idp->distpoint, cert))
		goto out;
	ok = 1;
 out:
	ISSUING_DIST_POINT_free(idp);
	return ok;
}

/* Issuer, signature and currency of crl for cert at now. */
static int
crl_usable(X509_CRL *crl, X509 *cert, X509 *issuer, int64_t now,
    struct rev_status *st)
{
	EVP_PKEY *key;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(issuer)) != 0 ||
	    X509_NAME_cmp(X509_get_issuer_name(cert),
	    X509_get_subject_name(issuer)) != 0)
		return 0;
	if ((X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(issuer) & KU_CRL_SIGN)) {
		log_msg(LOG_LEVEL_INFO, "crl: issuer may not sign CRLs");
		return 0;
	}
	if ((key = X509_get0_pubkey(issuer)) == NULL ||
	    X509_CRL_verify(crl, key) != 1) {
		log_ssl(LOG_LEVEL_INFO, "X509_CRL_verify");
		return 0;
	}
	if (x509_time_unix(X509_CRL_get0_lastUpdate(crl),
	    &st->this_update) != KALIT_OK ||
	    x509_time_unix(X509_CRL_get0_nextUpdate(crl),
	    &st->next_update) != KALIT_OK) {
		log_msg(LOG_LEVEL_INFO, "crl: no nextUpdate");
		return 0;
	}
	if (st->this_update > now + CRL_LEEWAY || st->next_update <= now) {
		log_msg(LOG_LEVEL_INFO, "crl: not current");
		return 0;
	}
	if (!crl_scope_ok(crl, cert)) {
		log_msg(LOG_LEVEL_INFO, "crl: not a complete CRL for the "
		    "certificate");
		return 0;
	}
	return 1;
}

int
crl_status(X509_CRL *crl, X509 *cert, X509 *issuer, int64_t now,
    struct rev_status *st)
{
	X509_REVOKED *rev = NULL;
	ASN1_ENUMERATED *code;
	struct rev_status s;
	int crit = -1;

	memset(&s, 0, sizeof(s));
	s.reason = -1;
	s.source = "crl";
	if (!crl_usable(crl, cert, issuer, now, &s))
		return KALIT_ERR_REVOCATION_UNKNOWN;
	switch (X509_CRL_get0_by_cert(crl, &rev, cert)) {
	case 0:
		s.status = KALIT_OK;
		*st = s;
		return KALIT_OK;
	case 1:
		break;
	default:	/* removeFromCRL belongs in delta CRLs only */
		return KALIT_ERR_REVOCATION_UNKNOWN;
	}
	code = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
	if (code == NULL && crit != -1)
		return KALIT_ERR_REVOCATION_UNKNOWN;	/* malformed */
	if (code != NULL)
		s.reason = (int)ASN1_ENUMERATED_get(code);
	ASN1_ENUMERATED_free(code);
	if (x509_time_unix(X509_REVOKED_get0_revocationDate(rev),
	    &s.revoked_at) != KALIT_OK)
		return KALIT_ERR_REVOCATION_UNKNOWN;
	s.status = s.reason == CRL_REASON_CERTIFICATE_HOLD ?
	    KALIT_ERR_CERT_ON_HOLD : KALIT_ERR_CERT_REVOKED;
	*st = s;
	return s.status;
}

struct crl_file {
	char		*name;
	int		 loaded;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	X509_CRL	*crl;		/* NULL: the file is not a CRL */
	int		 seen;
};

struct crl_dir {
	char		*path;
	pthread_mutex_t	 lock;
	struct crl_file	 files[CRL_DIR_FILES_MAX];
	size_t		 nfiles;
};

int
crl_dir_new(const char *path, struct crl_dir **dp)
{
	struct crl_dir *d;

	*dp = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return KALIT_ERR_NOMEM;
	if ((d->path = strdup(path)) == NULL) {
		free(d);
		return KALIT_ERR_NOMEM;
	}
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		free(d->path);
		free(d);
		return KALIT_ERR_INTERNAL;
	}
	*dp = d;
	return KALIT_OK;
}

static void
file_forget(struct crl_file *f)
{
	free(f->name);
	X509_CRL_free(f->crl);
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
		file_forget(&d->files[i]);
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

/* Parses path into f unless f already holds that version of the file. */
static void
file_refresh(struct crl_file *f, const char *path, const struct stat *sb)
{
	unsigned char *buf = NULL;
	size_t len = 0;

	if (f->loaded && f->dev == sb->st_dev && f->ino == sb->st_ino &&
	    f->size == sb->st_size &&
	    f->mtime.tv_sec == sb->st_mtim.tv_sec &&
	    f->mtime.tv_nsec == sb->st_mtim.tv_nsec)
		return;
	X509_CRL_free(f->crl);
	f->crl = NULL;
	/* Stamped before reading: a later change is seen next time. */
	f->loaded = 1;
	f->dev = sb->st_dev;
	f->ino = sb->st_ino;
	f->size = sb->st_size;
	f->mtime = sb->st_mtim;
	if (file_read(path, CRL_MAX_SIZE, &buf, &len) != KALIT_OK ||
	    crl_parse(buf, len, &f->crl) != KALIT_OK)
		log_msg(LOG_LEVEL_WARN, "%s: not a CRL, ignored", path);
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
		file_refresh(f, path, &sb);
	}
	if (dir != NULL)
		closedir(dir);
	for (i = 0; i < d->nfiles; ) {
		if (d->files[i].seen) {
			i++;
			continue;
		}
		file_forget(&d->files[i]);
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
	for (i = 0; i < n; i++)
		X509_CRL_free(cand[i]);
	if (best_r != KALIT_ERR_REVOCATION_UNKNOWN)
		*st = best;
	return best_r;
}
