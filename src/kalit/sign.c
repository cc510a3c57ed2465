/* sign.c: kalit sign: a CAdES-BES or -T signature with a key file */
#include "config.h"

#include "kalit.h"
#include "cms.h"
#include "digest.h"
#include "err.h"
#include "file.h"
#include "identity.h"
#include "tsp.h"
#include "x509.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

struct sign {
	const struct kalit_opts *o;
	const char	*doc;		/* NULL: the one an attached
					   signature carries */
	char		 out[PATH_MAX];	/* "-": standard output */
	EVP_PKEY	*key;
	X509		*cert;
	STACK_OF(X509)	*chain;
	const EVP_MD	*md;		/* cms_sign_md(key) */
	CMS_ContentInfo	*cms;
	struct digest_set ds;
	int64_t		 ts_time;	/* the timestamp's; 0: none */
};

/* Where the signature goes; refused early if that file exists. */
static int
sign_out_path(struct sign *s)
{
	const struct kalit_opts *o = s->o;

	if (o->out != NULL)
		snprintf(s->out, sizeof(s->out), "%s", o->out);
	else if (o->cosign != NULL || strcmp(s->doc, "-") == 0) {
		fprintf(stderr, "kalit: usage: sign: give --out FILE (or "
		    "--out - for standard output) when %s\n", o->cosign !=
		    NULL ? "co-signing" : "the document is standard input");
		return KALIT_ERR_USAGE;
	} else if (snprintf(s->out, sizeof(s->out), "%s.%s", s->doc,
	    o->attached ? "p7m" : "p7s") >= (int)sizeof(s->out))
		return kalit_fail(KALIT_ERR_USAGE, s->doc);
	if (strcmp(s->out, "-") != 0 && access(s->out, F_OK) == 0)
		return kalit_fail(KALIT_ERR_FILE_EXISTS, s->out);
	return KALIT_OK;
}

/* Hashes the document file with every algorithm of ds, in one pass. */
static int
sign_hash_file(const char *path, struct digest_set *ds)
{
	struct kalit_progress pr = { path, 0 };
	struct digest_progress dp = { kalit_progress, &pr };
	int r;

	r = digest_file(ds, path, &dp);
	kalit_progress_done(&pr);
	return r != KALIT_OK ? kalit_fail(r, path) : KALIT_OK;
}

/* A new signature: detached over the file's digest, or attached. */
static int
sign_new(struct sign *s)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = digest_set_add(&s->ds, s->md)) != KALIT_OK)
		return kalit_fail(r, NULL);
	if (!s->o->attached) {
		if ((r = sign_hash_file(s->doc, &s->ds)) != KALIT_OK)
			return r;
		if ((r = cms_signed_new(NULL, 0, &s->cms)) != KALIT_OK)
			return kalit_fail(r, NULL);
		return KALIT_OK;
	}
	if ((r = file_read(s->doc, CMS_ATTACHED_MAX, &buf, &len)) ==
	    KALIT_ERR_TOO_LARGE) {
		fprintf(stderr, "kalit: %s: %s: an attached signature holds "
		    "at most %d MiB; sign the document detached (without "
		    "--attached)\n", kalit_errname(r), s->doc,
		    CMS_ATTACHED_MAX >> 20);
		return r;
	}
	if (r != KALIT_OK)
		return kalit_fail(r, s->doc);
	if ((r = digest_buf(&s->ds, buf, len)) != KALIT_OK ||
	    (r = cms_signed_new(buf, len, &s->cms)) != KALIT_OK)
		kalit_fail(r, NULL);
	free(buf);
	return r;
}

/*
 * The signature to co-sign, and the digests of its document: the content
 * it carries, or the document given, which must be the one its signers
 * signed.
 */
static int
sign_cosign_load(struct sign *s)
{
	const char *sig = s->o->cosign;
	struct digest_set given;
	const unsigned char *data;
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = file_read(sig, CMS_SIG_MAX, &buf, &len)) != KALIT_OK)
		return kalit_fail(r, sig);
	r = cms_parse_signed(buf, len, &s->cms);
	free(buf);
	if (r != KALIT_OK)
		return kalit_fail(r, sig);
	if ((r = digest_set_add(&s->ds, s->md)) != KALIT_OK ||
	    (r = cms_digest_algs(s->cms, &s->ds)) != KALIT_OK)
		return kalit_fail(r, NULL);
	given = s->ds;
	if (cms_content(s->cms, &data, &len) == KALIT_OK) {
		if ((r = digest_buf(&s->ds, data, len)) != KALIT_OK)
			return kalit_fail(r, NULL);
		/* A document given must be the one the signature carries. */
		if (s->doc != NULL && ((r = sign_hash_file(s->doc, &given)) !=
		    KALIT_OK || memcmp(given.value, s->ds.value,
		    sizeof(given.value)) != 0))
			return r != KALIT_OK ? r :
			    kalit_fail(KALIT_ERR_DOCUMENT_MISMATCH, s->doc);
	} else if (s->doc == NULL)
		return kalit_fail(KALIT_ERR_CONTENT_MISSING, sig);
	else if ((r = sign_hash_file(s->doc, &s->ds)) != KALIT_OK)
		return r;
	if ((r = cms_signers_match(s->cms, &s->ds)) != KALIT_OK)
		return kalit_fail(r, s->doc != NULL ? s->doc : sig);
	return KALIT_OK;
}

/* Tells what was signed, by whom, and where the signature is. */
static int
sign_report(const struct sign *s)
{
	struct identity id;
	char serial[X509_SERIAL_HEX_MAX + 1] = "?", ts[X509_TIME_ISO_LEN];
	const char *name;
	int n = sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(s->cms));
	int detached = CMS_is_detached(s->cms) == 1, r;
	json_t *v;

	if (strcmp(s->out, "-") == 0)
		return KALIT_OK;	/* standard output is the signature */
	memset(&id, 0, sizeof(id));
	(void)identity_from_cert(s->cert, &id);
	(void)x509_serial_hex(s->cert, serial, sizeof(serial));
	name = id.field[IDENTITY_CN] != NULL ? id.field[IDENTITY_CN] : "?";
	x509_time_iso(s->ts_time, ts);
	if (s->o->json) {
		v = json_pack("{s:s, s:s?, s:b, s:i, s:s?, s:s, s:s?, s:s?}",
		    "signature", s->out, "document", s->doc, "detached",
		    detached, "signers", n, "name", id.field[IDENTITY_CN],
		    "serial", serial, "pinfl", id.field[IDENTITY_PINFL],
		    "timestamp", s->ts_time != 0 ? ts : NULL);
		r = v != NULL ? kalit_print_json(v) : KALIT_ERR_NOMEM;
		json_decref(v);
	} else {
		fputs("signed by ", stdout);
		kalit_put_safe(stdout, name, strlen(name));
		printf(" (serial %s): %s, %s CAdES-%s signature, "
		    "%d signer%s", serial, s->out, detached ? "detached" :
		    "attached", s->ts_time != 0 ? "T" : "BES", n,
		    n == 1 ? "" : "s");
		if (s->ts_time != 0)
			printf(", timestamped %s", ts);
		fputc('\n', stdout);
		r = KALIT_OK;
	}
	identity_clear(&id);
	return r;
}

/*
 * CAdES-T: a timestamp over the new signer's signature value from the
 * TSA at --timestamp, added as its signature-time-stamp attribute.
 */
static int
sign_timestamp(struct sign *s, CMS_SignerInfo *si)
{
	const ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	struct tsp_server srv = { s->o->timestamp, s->o->cacert,
	    s->o->timeout * 1000L };
	unsigned char *token = NULL;
	size_t len = 0;
	int r;

	r = tsp_stamp(&srv, ASN1_STRING_get0_data(sig),
	    (size_t)ASN1_STRING_length(sig), &token, &len, &s->ts_time);
	if (r == KALIT_OK)
		r = cms_signer_add_timestamp(si, token, len);
	OPENSSL_free(token);
	if (r != KALIT_OK) {
		s->ts_time = 0;
		return kalit_fail(r, s->o->timestamp);
	}
	return KALIT_OK;
}

/* Adds the signer, its timestamp if asked, and writes the signature. */
static int
sign_write(struct sign *s)
{
	CMS_SignerInfo *si = NULL;
	const unsigned char *md;
	unsigned char *der = NULL;
	size_t mdlen = 0, len = 0;
	int r;

	if ((md = digest_set_get(&s->ds, s->md, &mdlen)) == NULL)
		return kalit_fail(KALIT_ERR_INTERNAL, NULL);
	if ((r = cms_add_signer(s->cms, s->key, s->cert, s->chain, md,
	    mdlen, &si)) != KALIT_OK)
		return kalit_fail(r, s->o->key);
	if (s->o->timestamp != NULL && (r = sign_timestamp(s, si)) != KALIT_OK)
		return r;
	if ((r = cms_to_der(s->cms, &der, &len)) != KALIT_OK)
		return kalit_fail(r, NULL);
	if (strcmp(s->out, "-") == 0) {
		if (fwrite(der, 1, len, stdout) != len)
			r = kalit_fail(KALIT_ERR_IO, "standard output");
	} else if ((r = file_write_excl(s->out, der, len)) != KALIT_OK)
		kalit_fail(r, s->out);
	OPENSSL_free(der);
	return r != KALIT_OK ? r : sign_report(s);
}

int
cmd_sign(const struct kalit_opts *o)
{
	struct sign s;
	int r;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.doc = o->nargs > 0 ? o->args[0] : NULL;
	if (s.doc == NULL && o->cosign == NULL) {
		fprintf(stderr, "kalit: usage: sign needs the document to "
		    "sign\nusage: kalit sign DOCUMENT --key FILE.p12 ...\n");
		return KALIT_ERR_USAGE;
	}
	if ((r = sign_out_path(&s)) != KALIT_OK)
		return r;
	/* The password first: then the long part needs nobody. */
	if ((r = kalit_load_key(o, &s.key, &s.cert, &s.chain)) != KALIT_OK)
		return r;
	if ((s.md = cms_sign_md(s.key)) == NULL)
		r = kalit_fail(KALIT_ERR_KEY_UNSUPPORTED, o->key);
	else if ((r = o->cosign != NULL ? sign_cosign_load(&s) :
	    sign_new(&s)) == KALIT_OK)
		r = sign_write(&s);
	CMS_ContentInfo_free(s.cms);
	EVP_PKEY_free(s.key);
	X509_free(s.cert);
	sk_X509_pop_free(s.chain, X509_free);
	return r;
}
