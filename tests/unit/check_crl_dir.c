/*
 * check_crl_dir.c: unit tests for crl_dir.c: a directory of CRL files, the
 * status per the newest that tells, files replaced, removed and ignored,
 * and the file an answer came from
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include <openssl/x509.h>

#include "crl.h"
#include "ocsp.h"
#include "testpki.h"
#include "testutil.h"

/* crl_dir_new() of dir, asserted to succeed. */
static struct crl_dir *
dir_new(const char *dir)
{
	struct crl_dir *d = NULL;

	ck_assert_err(crl_dir_new(dir, 64 << 20, &d), KALIT_OK);
	ck_assert_ptr_nonnull(d);
	return d;
}

/* Asserts that st came from the file dir/name. */
static void
want_origin(const struct rev_status *st, const char *dir, const char *name)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), dir, name);
	ck_assert_str_eq(st->origin, path);
}

/* The serial of cert as kalit writes it. */
static void
serial_of(X509 *cert, char *buf, size_t len)
{
	ck_assert_err(x509_serial_hex(cert, buf, len), KALIT_OK);
}

/* Sets the mtime of path to t (and its atime, which nobody reads). */
static void
set_mtime(const char *path, const struct timespec *t)
{
	struct timespec ts[2];

	ts[0] = *t;
	ts[1] = *t;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Writes len bytes into dir/name through dir/name.tmp and rename(2). */
static void
replace_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	tu_path(path, sizeof(path), dir, name);
	ck_assert_int_lt(snprintf(tmp, sizeof(tmp), "%s.tmp", path),
	    (int)sizeof(tmp));
	tu_write_file(tmp, buf, len);
	ck_assert_int_eq(rename(tmp, path), 0);
}

START_TEST(test_crl_dir_new_missing)
{
	struct crl_dir *d = (struct crl_dir *)&d;
	char dir[PATH_MAX], path[PATH_MAX];

	ck_assert_err(crl_dir_new("/nonexistent/kalit-crl", 64 << 20, &d),
	    KALIT_ERR_CONFIG);
	ck_assert_ptr_null(d);
	/* a file is no directory */
	tu_mkdtemp(dir, sizeof(dir));
	tu_path(path, sizeof(path), dir, "ca.crl");
	tu_write_file(path, "x", 1);
	d = (struct crl_dir *)&d;
	ck_assert_err(crl_dir_new(path, 64 << 20, &d), KALIT_ERR_CONFIG);
	ck_assert_ptr_null(d);
	tu_rmdir(dir);
}
END_TEST

START_TEST(test_crl_dir_empty)
{
	struct rev_status st;
	struct crl_dir *d;
	struct pki p;

	pki_init(&p, NULL, NULL);
	d = dir_new(p.crls);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	crl_dir_free(d);
	pki_free(&p);
}
END_TEST

/*
 * The CRLs of the issuing CA (DER), of a second one (PEM) and of the root:
 * each certificate judged by its own issuer's.
 */
START_TEST(test_crl_dir_two_issuers)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	X509 *sibling, *ca2, *leaf2, *revoked2;
	struct rev_status st;
	struct crl_dir *d;
	EVP_PKEY *key2;
	struct pki p;

	pki_init(&p, NULL, NULL);
	key2 = tu_key(KEY_TYPE_P256);
	ca2 = pki_issue(&p, "issuing-ca", "Second CA", key2, p.root,
	    p.root_key, NULL, NULL);
	leaf2 = pki_issue(&p, "citizen", "Second Holder", p.leaf_key, ca2,
	    key2, NULL, NULL);
	revoked2 = pki_issue(&p, "citizen", "Second Revoked", p.leaf_key, ca2,
	    key2, NULL, NULL);
	sibling = pki_issue(&p, "citizen", "Sibling", p.leaf_key, p.ca,
	    p.ca_key, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	pki_write_crl(&p, "citizen.crl", p.ca, p.ca_key, p.now - HOUR,
	    p.now + DAY, serial, CRL_REASON_KEY_COMPROMISE, 0);
	serial_of(revoked2, serial, sizeof(serial));
	pki_write_crl(&p, "second.crl", ca2, key2, p.now - 2 * HOUR,
	    p.now + DAY, serial, CRL_REASON_CERTIFICATE_HOLD, 1);
	pki_write_crl(&p, "root.crl", p.root, p.root_key, p.now - 3 * HOUR,
	    p.now + DAY, NULL, 0, 0);
	d = dir_new(p.crls);

	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_err(st.status, KALIT_ERR_CERT_REVOKED);
	ck_assert_str_eq(st.source, "crl");
	ck_assert_int_eq(st.reason, CRL_REASON_KEY_COMPROMISE);
	ck_assert(st.revoked_at == p.now - HOUR - 60);
	ck_assert(st.this_update == p.now - HOUR);
	ck_assert(st.next_update == p.now + DAY);
	want_origin(&st, p.crls, "citizen.crl");
	ck_assert_err(crl_dir_status(d, sibling, p.ca, p.now, &st), KALIT_OK);
	ck_assert_int_eq(st.reason, -1);
	want_origin(&st, p.crls, "citizen.crl");

	ck_assert_err(crl_dir_status(d, revoked2, ca2, p.now, &st),
	    KALIT_ERR_CERT_ON_HOLD);
	ck_assert_int_eq(st.reason, CRL_REASON_CERTIFICATE_HOLD);
	ck_assert(st.this_update == p.now - 2 * HOUR);
	want_origin(&st, p.crls, "second.crl");
	ck_assert_err(crl_dir_status(d, leaf2, ca2, p.now, &st), KALIT_OK);
	want_origin(&st, p.crls, "second.crl");

	ck_assert_err(crl_dir_status(d, p.ca, p.root, p.now, &st), KALIT_OK);
	want_origin(&st, p.crls, "root.crl");
	ck_assert_err(crl_dir_status(d, ca2, p.root, p.now, &st), KALIT_OK);
	/* one CA's CRL answers nothing for another's certificates */
	ck_assert_err(crl_dir_status(d, leaf2, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	crl_dir_free(d);
	X509_free(sibling);
	X509_free(revoked2);
	X509_free(leaf2);
	X509_free(ca2);
	EVP_PKEY_free(key2);
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_dir_newest_wins)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	struct crl_dir *d;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	d = dir_new(p.crls);
	/* revoked, then a newer CRL without it */
	pki_write_crl(&p, "a.crl", p.ca, p.ca_key, p.now - 2 * HOUR,
	    p.now + DAY, serial, CRL_REASON_SUPERSEDED, 0);
	pki_write_crl(&p, "b.crl", p.ca, p.ca_key, p.now - HOUR, p.now + DAY,
	    NULL, 0, 0);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st), KALIT_OK);
	ck_assert(st.this_update == p.now - HOUR);
	want_origin(&st, p.crls, "b.crl");
	/* the same thisUpdate: the one that revokes, whatever its name */
	pki_write_crl(&p, "a.crl", p.ca, p.ca_key, p.now - HOUR, p.now + DAY,
	    serial, CRL_REASON_SUPERSEDED, 0);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	want_origin(&st, p.crls, "a.crl");
	pki_write_crl(&p, "a.crl", p.ca, p.ca_key, p.now - HOUR, p.now + DAY,
	    NULL, 0, 0);
	pki_write_crl(&p, "b.crl", p.ca, p.ca_key, p.now - HOUR, p.now + DAY,
	    serial, CRL_REASON_SUPERSEDED, 0);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	want_origin(&st, p.crls, "b.crl");
	/* a newer CRL that is not current does not count */
	pki_write_crl(&p, "c.crl", p.ca, p.ca_key, p.now - 60, p.now - 1,
	    NULL, 0, 0);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	crl_dir_free(d);
	pki_free(&p);
}
END_TEST

/*
 * CRLs past the budget still answer, read again for each lookup; within
 * it they are kept.
 */
START_TEST(test_crl_dir_budget)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	struct crl_dir *d;
	struct pki p;
	int i;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	pki_write_crl(&p, "a.crl", p.ca, p.ca_key, p.now - HOUR, p.now + DAY,
	    serial, CRL_REASON_SUPERSEDED, 0);
	ck_assert_err(crl_dir_new(p.crls, 1, &d), KALIT_OK);
	for (i = 0; i < 3; i++) {
		ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st),
		    KALIT_ERR_CERT_REVOKED);
		want_origin(&st, p.crls, "a.crl");
	}
	/* replaced: the new content answers at once, as when kept */
	pki_write_crl(&p, "a.crl", p.ca, p.ca_key, p.now - 60, p.now + DAY,
	    NULL, 0, 1);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st), KALIT_OK);
	crl_dir_free(d);
	pki_free(&p);
}
END_TEST

/*
 * A file is read again when its inode, size or mtime change, and only
 * then, unless crl_dir_flush() forgets it. Ed25519 signatures all have
 * one size, so that two CRLs differing in a reason code have one too.
 */
START_TEST(test_crl_dir_replaced)
{
	char serial[X509_SERIAL_HEX_MAX + 1], path[PATH_MAX], *pem = NULL;
	unsigned char *a = NULL, *b = NULL, *c = NULL;
	size_t alen = 0, blen = 0, clen = 0;
	struct timespec t0, t1;
	struct rev_status st;
	struct stat sb, sb2;
	struct crl_dir *d;
	EVP_PKEY *ca_key;
	struct pki p;
	X509 *ca, *leaf;

	pki_init(&p, NULL, NULL);
	tu_make_ca(KEY_TYPE_ED25519, "Ed25519 CA", &ca, &ca_key);
	leaf = pki_issue(&p, "citizen", "Ed Holder", p.leaf_key, ca, ca_key,
	    NULL, NULL);
	serial_of(leaf, serial, sizeof(serial));
	pki_crl(ca, ca_key, p.now - HOUR, p.now + DAY, serial,
	    CRL_REASON_KEY_COMPROMISE, &a, &alen);
	pki_crl(ca, ca_key, p.now - HOUR, p.now + DAY, serial,
	    CRL_REASON_SUPERSEDED, &b, &blen);
	pki_crl(ca, ca_key, p.now - HOUR, p.now + DAY, serial,
	    CRL_REASON_AFFILIATION_CHANGED, &c, &clen);
	ck_assert_uint_eq(alen, blen);
	ck_assert_uint_eq(alen, clen);
	ck_assert_int_ne(memcmp(a, b, alen), 0);
	tu_path(path, sizeof(path), p.crls, "ca.crl");
	tu_write_file(path, a, alen);
	ck_assert_int_eq(stat(path, &sb), 0);
	t0 = sb.st_mtim;
	d = dir_new(p.crls);
	ck_assert_err(crl_dir_status(d, leaf, ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, CRL_REASON_KEY_COMPROMISE);

	/* rewritten in place, same inode, size and mtime: not read again */
	tu_write_file(path, b, blen);
	set_mtime(path, &t0);
	ck_assert_int_eq(stat(path, &sb2), 0);
	ck_assert(sb2.st_ino == sb.st_ino && sb2.st_size == sb.st_size);
	ck_assert_err(crl_dir_status(d, leaf, ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, CRL_REASON_KEY_COMPROMISE);
	/* ... until crl_dir_flush() */
	crl_dir_flush(d);
	ck_assert_err(crl_dir_status(d, leaf, ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, CRL_REASON_SUPERSEDED);

	/* another mtime, same inode and size */
	tu_write_file(path, c, clen);
	t1 = t0;
	t1.tv_sec += 1;
	set_mtime(path, &t1);
	ck_assert_err(crl_dir_status(d, leaf, ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, CRL_REASON_AFFILIATION_CHANGED);
	/* a nanosecond is a change too */
	tu_write_file(path, a, alen);
	t1.tv_nsec = t1.tv_nsec == 0 ? 1 : t1.tv_nsec - 1;
	set_mtime(path, &t1);
	ck_assert_err(crl_dir_status(d, leaf, ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, CRL_REASON_KEY_COMPROMISE);

	/* renamed over it (as kalit-ca does), same size and mtime */
	replace_file(p.crls, "ca.crl", b, blen);
	set_mtime(path, &t1);
	ck_assert_int_eq(stat(path, &sb2), 0);
	ck_assert(sb2.st_ino != sb.st_ino);
	ck_assert_err(crl_dir_status(d, leaf, ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, CRL_REASON_SUPERSEDED);
	want_origin(&st, p.crls, "ca.crl");

	/* another size: the PEM of the first */
	ck_assert_err(crl_to_pem(a, alen, &pem), KALIT_OK);
	tu_write_file(path, pem, strlen(pem));
	set_mtime(path, &t1);
	ck_assert_err(crl_dir_status(d, leaf, ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, CRL_REASON_KEY_COMPROMISE);
	crl_dir_free(d);
	free(pem);
	OPENSSL_free(a);
	OPENSSL_free(b);
	OPENSSL_free(c);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_dir_removed)
{
	char serial[X509_SERIAL_HEX_MAX + 1], path[PATH_MAX];
	struct rev_status st;
	struct crl_dir *d;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	pki_write_crl(&p, "old.crl", p.ca, p.ca_key, p.now - 2 * HOUR,
	    p.now + DAY, NULL, 0, 0);
	pki_write_crl(&p, "new.crl", p.ca, p.ca_key, p.now - HOUR,
	    p.now + DAY, serial, CRL_REASON_KEY_COMPROMISE, 0);
	d = dir_new(p.crls);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	/* the newest removed: the other one tells */
	tu_path(path, sizeof(path), p.crls, "new.crl");
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st), KALIT_OK);
	want_origin(&st, p.crls, "old.crl");
	/* none left */
	tu_path(path, sizeof(path), p.crls, "old.crl");
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* back again under another name */
	pki_write_crl(&p, "again.crl", p.ca, p.ca_key, p.now - HOUR,
	    p.now + DAY, serial, CRL_REASON_CESSATION_OF_OPERATION, 1);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, CRL_REASON_CESSATION_OF_OPERATION);
	want_origin(&st, p.crls, "again.crl");
	/* the directory itself gone: nothing, and no crash */
	tu_path(path, sizeof(path), p.crls, "again.crl");
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(p.crls), 0);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	crl_dir_free(d);
	pki_free(&p);
}
END_TEST

/*
 * Only regular *.crl files that are not hidden count; those that are not
 * CRLs, or not usable ones, hide nothing. Each decoy below would revoke
 * the leaf, with a newer thisUpdate, if it were read.
 */
START_TEST(test_crl_dir_ignored_files)
{
	static const char *const decoys[] = { "README", "ca.pem", "ca.crl.tmp",
	    ".hidden.crl", "crl", "x.CRL" };
	char serial[X509_SERIAL_HEX_MAX + 1], path[PATH_MAX];
	unsigned char *der = NULL;
	struct rev_status st;
	struct crl_dir *d;
	EVP_PKEY *other;
	struct pki p;
	size_t len = 0, i;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - 2 * HOUR,
	    p.now + DAY, NULL, 0, 0);
	pki_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, serial,
	    CRL_REASON_KEY_COMPROMISE, &der, &len);
	for (i = 0; i < sizeof(decoys) / sizeof(decoys[0]); i++) {
		tu_path(path, sizeof(path), p.crls, decoys[i]);
		tu_write_file(path, der, len);
	}
	/* a directory named like a CRL */
	tu_path(path, sizeof(path), p.crls, "sub.crl");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	/* not CRLs */
	tu_path(path, sizeof(path), p.crls, "junk.crl");
	tu_write_file(path, "junk", 4);
	tu_path(path, sizeof(path), p.crls, "empty.crl");
	tu_write_file(path, "", 0);
	tu_path(path, sizeof(path), p.crls, "half.crl");
	tu_write_file(path, der, len / 2);
	/* the CA's name, another key */
	other = tu_key(KEY_TYPE_P256);
	pki_write_crl(&p, "forged.crl", p.ca, other, p.now - 60, p.now + DAY,
	    serial, CRL_REASON_KEY_COMPROMISE, 0);
	d = dir_new(p.crls);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st), KALIT_OK);
	ck_assert(st.this_update == p.now - 2 * HOUR);
	want_origin(&st, p.crls, "ca.crl");
	/* read again: the same */
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st), KALIT_OK);
	want_origin(&st, p.crls, "ca.crl");
	/* the one that was no CRL becomes the decoy: now it counts */
	replace_file(p.crls, "junk.crl", der, len);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	want_origin(&st, p.crls, "junk.crl");
	tu_path(path, sizeof(path), p.crls, "sub.crl");
	ck_assert_int_eq(rmdir(path), 0);
	crl_dir_free(d);
	EVP_PKEY_free(other);
	OPENSSL_free(der);
	pki_free(&p);
}
END_TEST

/* An origin longer than rev_status.origin is cut, NUL-terminated. */
START_TEST(test_crl_dir_origin_truncated)
{
	char dir[PATH_MAX], name[200], path[PATH_MAX];
	struct rev_status st;
	struct crl_dir *d;
	unsigned char *der = NULL;
	struct pki p;
	size_t len = 0;

	pki_init(&p, NULL, NULL);
	memset(name, 'c', sizeof(name) - 5);
	snprintf(name + sizeof(name) - 5, 5, ".crl");
	tu_path(dir, sizeof(dir), p.crls, name);	/* a long directory */
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	pki_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, NULL, 0, &der,
	    &len);
	tu_path(path, sizeof(path), dir, name);
	ck_assert_uint_gt(strlen(path), REV_ORIGIN_MAX);
	tu_write_file(path, der, len);
	d = dir_new(dir);
	ck_assert_err(crl_dir_status(d, p.leaf, p.ca, p.now, &st), KALIT_OK);
	ck_assert_uint_eq(strlen(st.origin), REV_ORIGIN_MAX - 1);
	ck_assert_int_eq(strncmp(st.origin, path, REV_ORIGIN_MAX - 1), 0);
	crl_dir_free(d);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	OPENSSL_free(der);
	pki_free(&p);
}
END_TEST

START_TEST(test_crl_dir_free_null)
{
	crl_dir_free(NULL);
	crl_dir_flush(NULL);
}
END_TEST

struct reader {
	struct crl_dir	*d;
	struct pki	*p;
	atomic_int	*left;		/* readers still reading */
	int		 bad;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct rev_status st;
	int i, ret;

	for (i = 0; i < 150; i++) {
		ret = crl_dir_status(r->d, r->p->leaf, r->p->ca, r->p->now,
		    &st);
		if (ret != KALIT_ERR_CERT_REVOKED ||
		    (st.reason != CRL_REASON_KEY_COMPROMISE &&
		    st.reason != CRL_REASON_SUPERSEDED))
			r->bad++;
	}
	atomic_fetch_sub(r->left, 1);
	return NULL;
}

/*
 * Readers on one crl_dir while the files are renamed over, and the parsed
 * ones flushed, again and again: each answer comes whole from one of the
 * two versions, both of which revoke.
 */
START_TEST(test_crl_dir_threads)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	unsigned char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0, i;
	struct reader r[4];
	pthread_t t[4];
	atomic_int left;
	struct crl_dir *d;
	struct pki p;
	int n = 0;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	pki_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, serial,
	    CRL_REASON_KEY_COMPROMISE, &a, &alen);
	pki_crl(p.ca, p.ca_key, p.now - HOUR, p.now + DAY, serial,
	    CRL_REASON_SUPERSEDED, &b, &blen);
	replace_file(p.crls, "ca.crl", a, alen);
	replace_file(p.crls, "more.crl", b, blen);
	d = dir_new(p.crls);
	atomic_init(&left, 4);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 4; i++) {
		r[i].d = d;
		r[i].p = &p;
		r[i].left = &left;
		ck_assert_int_eq(pthread_create(&t[i], NULL, reader_main,
		    &r[i]), 0);
	}
	while (atomic_load(&left) > 0) {
		replace_file(p.crls, n % 2 ? "ca.crl" : "more.crl",
		    n % 3 ? a : b, n % 3 ? alen : blen);
		if (n++ % 5 == 0)
			crl_dir_flush(d);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(r[i].bad, 0);
	}
	crl_dir_free(d);
	OPENSSL_free(a);
	OPENSSL_free(b);
	pki_free(&p);
}
END_TEST

static Suite *
crl_dir_suite(void)
{
	Suite *s = suite_create("crl_dir");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_crl_dir_new_missing);
	tcase_add_test(tc, test_crl_dir_empty);
	tcase_add_test(tc, test_crl_dir_two_issuers);
	tcase_add_test(tc, test_crl_dir_newest_wins);
	tcase_add_test(tc, test_crl_dir_budget);
	tcase_add_test(tc, test_crl_dir_replaced);
	tcase_add_test(tc, test_crl_dir_removed);
	tcase_add_test(tc, test_crl_dir_ignored_files);
	tcase_add_test(tc, test_crl_dir_origin_truncated);
	tcase_add_test(tc, test_crl_dir_free_null);
	tcase_add_test(tc, test_crl_dir_threads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(crl_dir_suite());
}
