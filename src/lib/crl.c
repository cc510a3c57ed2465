/*
 * crl.c: certificate revocation lists (RFC 5280 section 5): reason names,
 * shards, and CRLs built entry by entry and signed in bounded memory.
 * Reading a CRL and a certificate's status per it are in crl_status.c, a
 * directory of CRL files in crl_dir.c.
 */
#include "config.h"

#include "crl.h"
#include "x509.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/*
 * A CRL written entry by entry: the header (issuer, times, extensions) is
 * an X509_CRL without entries; each entry is encoded with
 * i2d_X509_REVOKED() as it comes, one after another in buf, so that a
 * million entries cost their DER (about 40 bytes each), not a million
 * X509_REVOKED objects. crl_sign() puts the two together.
 */
struct crl {
	X509		*ca;
	X509_CRL	*crl;		/* the header, without entries */
	BIGNUM		*bn;		/* scratch for serials */
	unsigned char	*buf;		/* the entries' DER, then the CRL's */
	size_t		 len;
	size_t		 cap;
	size_t		 count;
	int		 spent;		/* crl_sign() took buf */
};

#define REASON_COUNT	11	/* unspecified .. aACompromise */
#define CRL_WRITE_MAX	((size_t)INT_MAX - 4096)	/* DER lengths are int */
#define CRL_ENTRY_MAX	128	/* one entry's DER: about 80 bytes at most */

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
crl_shard(const char *serial_hex, int shards)
{
	unsigned long r = 0;
	const char *p;
	int d;

	if (shards <= 1)
		return 0;
	/* The serial as an integer, modulo shards, one hex digit at a time. */
	for (p = serial_hex; *p != '\0'; p++) {
		d = OPENSSL_hexchar2int((unsigned char)*p);
		if (d < 0)
			return -1;
		r = (r * 16 + (unsigned long)d) % (unsigned long)shards;
	}
	return p == serial_hex ? -1 : (int)r;
}

/* Adds an extension given in x509v3_config(5) syntax to the header. */
static int
add_conf_ext(struct crl *c, int nid, const char *value)
{
	X509_EXTENSION *ext;
	X509V3_CTX ctx;
	int ok;

	X509V3_set_ctx(&ctx, c->ca, NULL, NULL, c->crl, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "X509V3_EXT_nconf_nid");
		return KALIT_ERR_CONFIG;
	}
	ok = X509_CRL_add_ext(c->crl, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? KALIT_OK : KALIT_ERR_NOMEM;
}

/* Adds an INTEGER extension (CRL number, delta CRL indicator). */
static int
add_int_ext(struct crl *c, int nid, int64_t v, int crit)
{
	ASN1_INTEGER *num;
	int ok;

	ok = (num = ASN1_INTEGER_new()) != NULL &&
	    ASN1_INTEGER_set_int64(num, v) &&
	    X509_CRL_add1_ext_i2d(c->crl, nid, num, crit, 0) == 1;
	ASN1_INTEGER_free(num);
	if (!ok)
		log_ssl(LOG_LEVEL_ERROR, "X509_CRL_add1_ext_i2d");
	return ok ? KALIT_OK : KALIT_ERR_NOMEM;
}

int
crl_new(X509 *ca, int64_t number, time_t this_update, time_t next_update,
    struct crl **crlp)
{
	struct crl *c;
	ASN1_TIME *t = NULL;
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
	    X509_CRL_set1_nextUpdate(c->crl, t);
	ASN1_TIME_free(t);
	if (!ok || add_int_ext(c, NID_crl_number, number, 0) != KALIT_OK ||
	    add_conf_ext(c, NID_authority_key_identifier, "keyid:always") !=
	    KALIT_OK) {
		log_ssl(LOG_LEVEL_ERROR, "X509_CRL_*");
		crl_free(c);
		return KALIT_ERR_INTERNAL;
	}
	*crlp = c;
	return KALIT_OK;
}

int
crl_set_delta(struct crl *c, int64_t base_number)
{
	return add_int_ext(c, NID_delta_crl, base_number, 1);
}

int
crl_set_idp(struct crl *c, const char *url)
{
	char buf[1024];

	if (snprintf(buf, sizeof(buf), "critical, fullname:URI:%s", url) >=
	    (int)sizeof(buf))
		return KALIT_ERR_TOO_LARGE;
	return add_conf_ext(c, NID_issuing_distribution_point, buf);
}

int
crl_set_freshest(struct crl *c, const char *url)
{
	char buf[1024];

	if (snprintf(buf, sizeof(buf), "URI:%s", url) >= (int)sizeof(buf))
		return KALIT_ERR_TOO_LARGE;
	return add_conf_ext(c, NID_freshest_crl, buf);
}

/* Room for need more bytes in buf, growing it geometrically. */
static int
reserve(struct crl *c, size_t need)
{
	unsigned char *nb;
	size_t cap;

	if (need > CRL_WRITE_MAX - c->len)
		return KALIT_ERR_TOO_LARGE;
	if (c->len + need <= c->cap)
		return KALIT_OK;
	cap = c->cap < 4096 ? 4096 : c->cap;
	while (cap < c->len + need)
		cap = cap > CRL_WRITE_MAX / 2 ? CRL_WRITE_MAX : cap * 2;
	if ((nb = OPENSSL_realloc(c->buf, cap)) == NULL)
		return KALIT_ERR_NOMEM;
	c->buf = nb;
	c->cap = cap;
	return KALIT_OK;
}

/* One revokedCertificates entry; the reason is left out for unspecified. */
static X509_REVOKED *
entry_new(struct crl *c, time_t revoked_at, int reason)
{
	X509_REVOKED *rev;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *t = NULL;
	ASN1_ENUMERATED *code = NULL;
	int ok;

	if ((rev = X509_REVOKED_new()) == NULL)
		return NULL;
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
	if (!ok) {
		log_ssl(LOG_LEVEL_ERROR, "X509_REVOKED_*");
		X509_REVOKED_free(rev);
		return NULL;
	}
	return rev;
}

int
crl_add(struct crl *c, const char *serial_hex, time_t revoked_at, int reason)
{
	X509_REVOKED *rev;
	unsigned char *p;
	int n, r;

	if (c->spent)
		return KALIT_ERR_INTERNAL;
	if (*serial_hex == '\0' || strlen(serial_hex) > X509_SERIAL_HEX_MAX ||
	    BN_hex2bn(&c->bn, serial_hex) != (int)strlen(serial_hex) ||
	    BN_is_negative(c->bn))
		return KALIT_ERR_MALFORMED;
	if (reason >= 0 && strcmp(crl_reason_name(reason), "unknown") == 0)
		return KALIT_ERR_REASON;
	if ((rev = entry_new(c, revoked_at, reason)) == NULL)
		return KALIT_ERR_NOMEM;
	/*
	 * Encoded once, straight into the buffer: an entry of a serial of at
	 * most 32 bytes, a time and a reason is below CRL_ENTRY_MAX bytes.
	 */
	if ((r = reserve(c, CRL_ENTRY_MAX)) == KALIT_OK) {
		p = c->buf + c->len;
		if ((n = i2d_X509_REVOKED(rev, &p)) <= 0 || n > CRL_ENTRY_MAX)
			r = KALIT_ERR_INTERNAL;
		else {
			c->len += (size_t)n;
			c->count++;
		}
	}
	X509_REVOKED_free(rev);
	return r;
}

size_t
crl_count(const struct crl *c)
{
	return c->count;
}

/*
 * Offsets, in the DER of a TBSCertList, of its content and of its
 * crlExtensions ([0]; the end when absent), found with ASN1_get_object().
 */
static int
tbs_split(const unsigned char *der, long len, long *bodyp, long *extp)
{
	const unsigned char *p = der, *q, *end;
	long n;
	int tag, xclass;

	if ((ASN1_get_object(&p, &n, &tag, &xclass, len) & 0x80) ||
	    tag != V_ASN1_SEQUENCE || p + n != der + len)
		return 0;
	*bodyp = p - der;
	for (end = p + n; p < end; p = q + n) {
		q = p;
		if (ASN1_get_object(&q, &n, &tag, &xclass, end - p) & 0x80)
			return 0;
		if (xclass == V_ASN1_CONTEXT_SPECIFIC && tag == 0)
			break;
	}
	*extp = p - der;
	return 1;
}

/*
 * Turns buf (the entries) into the DER of the TBSCertList whose other
 * fields are those of tbs, the header's: SEQUENCE { version .. nextUpdate,
 * SEQUENCE { entries }, crlExtensions }. The entries move once (memmove);
 * only the two SEQUENCE headers are written here, by ASN1_put_object().
 */
static int
assemble_tbs(struct crl *c, const unsigned char *tbs, long tbs_len,
    size_t *lenp)
{
	unsigned char *p;
	long body, ext;
	int head, tail, rev_all, tbs_body, tbs_all;

	if (!tbs_split(tbs, tbs_len, &body, &ext) || c->len > CRL_WRITE_MAX)
		return KALIT_ERR_INTERNAL;
	head = (int)(ext - body);
	tail = (int)(tbs_len - ext);
	rev_all = c->len == 0 ? 0 : ASN1_object_size(1, (int)c->len,
	    V_ASN1_SEQUENCE);
	if (rev_all < 0 || (size_t)rev_all > CRL_WRITE_MAX - head - tail)
		return KALIT_ERR_TOO_LARGE;
	tbs_body = head + rev_all + tail;
	if ((tbs_all = ASN1_object_size(1, tbs_body, V_ASN1_SEQUENCE)) < 0)
		return KALIT_ERR_TOO_LARGE;
	if (reserve(c, (size_t)(tbs_all) - c->len) != KALIT_OK)
		return KALIT_ERR_NOMEM;
	/* the entries go after the header fields and their SEQUENCE header */
	memmove(c->buf + tbs_all - tail - c->len, c->buf, c->len);
	p = c->buf;
	ASN1_put_object(&p, 1, tbs_body, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(p, tbs + body, (size_t)head);
	p += head;
	if (c->len > 0)
		ASN1_put_object(&p, 1, (int)c->len, V_ASN1_SEQUENCE,
		    V_ASN1_UNIVERSAL);
	memcpy(c->buf + tbs_all - tail, tbs + ext, (size_t)tail);
	c->len = (size_t)tbs_all;
	*lenp = (size_t)tbs_all;
	return KALIT_OK;
}

/*
 * Wraps the TBSCertList in buf into SEQUENCE { tbs, algorithm, BIT STRING
 * { signature } }; the signature's BIT STRING has no unused bits.
 */
static int
assemble_crl(struct crl *c, const unsigned char *alg, int alg_len,
    const unsigned char *sig, size_t sig_len)
{
	unsigned char *p;
	int tbs = (int)c->len, bits, body, all;

	if ((bits = ASN1_object_size(0, (int)sig_len + 1,
	    V_ASN1_BIT_STRING)) < 0 || bits > INT_MAX - tbs - alg_len ||
	    (all = ASN1_object_size(1, body = tbs + alg_len + bits,
	    V_ASN1_SEQUENCE)) < 0)
		return KALIT_ERR_TOO_LARGE;
	if (reserve(c, (size_t)(all - tbs)) != KALIT_OK)
		return KALIT_ERR_NOMEM;
	memmove(c->buf + (all - body), c->buf, (size_t)tbs);
	p = c->buf;
	ASN1_put_object(&p, 1, body, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	p += tbs;
	memcpy(p, alg, (size_t)alg_len);
	p += alg_len;
	ASN1_put_object(&p, 0, (int)sig_len + 1, V_ASN1_BIT_STRING,
	    V_ASN1_UNIVERSAL);
	*p++ = 0;
	memcpy(p, sig, sig_len);
	c->len = (size_t)all;
	return KALIT_OK;
}

/* Signs buf[0 .. len) with key as X509_CRL_sign() would; caller frees. */
static int
sign_tbs(EVP_PKEY *key, const unsigned char *tbs, size_t len,
    unsigned char **sigp, size_t *siglenp)
{
	EVP_MD_CTX *mctx;
	int ok;

	*sigp = NULL;
	if ((mctx = EVP_MD_CTX_new()) == NULL)
		return KALIT_ERR_NOMEM;
	ok = EVP_DigestSignInit(mctx, NULL, key_sign_md(key), NULL, key) == 1 &&
	    EVP_DigestSign(mctx, NULL, siglenp, tbs, len) == 1 &&
	    (*sigp = OPENSSL_malloc(*siglenp)) != NULL &&
	    EVP_DigestSign(mctx, *sigp, siglenp, tbs, len) == 1;
	EVP_MD_CTX_free(mctx);
	if (!ok) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_DigestSign");
		OPENSSL_free(*sigp);
		*sigp = NULL;
		return KALIT_ERR_INTERNAL;
	}
	return KALIT_OK;
}

int
crl_sign(struct crl *c, EVP_PKEY *ca_key, unsigned char **derp, size_t *lenp)
{
	const X509_ALGOR *algor;
	unsigned char *tbs = NULL, *alg = NULL, *sig = NULL;
	size_t tbs_len = 0, sig_len = 0;
	int hlen, alg_len, r = KALIT_ERR_INTERNAL;

	*derp = NULL;
	*lenp = 0;
	if (c->spent)
		return KALIT_ERR_INTERNAL;
	c->spent = 1;
	/* Signing the header sets the algorithm it names, inside and out. */
	if (X509_CRL_sign(c->crl, ca_key, key_sign_md(ca_key)) <= 0 ||
	    (hlen = i2d_re_X509_CRL_tbs(c->crl, &tbs)) <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "X509_CRL_sign");
		goto out;
	}
	X509_CRL_get0_signature(c->crl, NULL, &algor);
	if ((alg_len = i2d_X509_ALGOR(algor, &alg)) <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "i2d_X509_ALGOR");
		goto out;
	}
	if ((r = assemble_tbs(c, tbs, hlen, &tbs_len)) != KALIT_OK ||
	    (r = sign_tbs(ca_key, c->buf, tbs_len, &sig, &sig_len)) !=
	    KALIT_OK ||
	    (r = assemble_crl(c, alg, alg_len, sig, sig_len)) != KALIT_OK)
		goto out;
	*derp = c->buf;		/* caller frees with OPENSSL_free() */
	*lenp = c->len;
	c->buf = NULL;
	c->len = c->cap = 0;
	r = KALIT_OK;
 out:
	OPENSSL_free(tbs);
	OPENSSL_free(alg);
	OPENSSL_free(sig);
	return r;
}

void
crl_free(struct crl *c)
{
	if (c == NULL)
		return;
	X509_CRL_free(c->crl);
	BN_free(c->bn);
	OPENSSL_free(c->buf);
	free(c);
}

int
crl_to_pem(const unsigned char *der, size_t len, char **pemp)
{
	X509_CRL *crl;
	BIO *mem = NULL;
	char *data;
	void *v;
	long n;
	int r;

	*pemp = NULL;
	/* Our own CRL, from the CA database: no cap of its own. */
	if ((r = x509_d2i_exact(ASN1_ITEM_rptr(X509_CRL), NULL, der, len,
	    SIZE_MAX, &v)) != KALIT_OK)
		return r;
	crl = v;
	r = KALIT_ERR_INTERNAL;
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
