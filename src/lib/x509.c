/* x509.c: building and signing certificates from a profile */
#include "config.h"

#include "x509.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define SERIAL_BYTES	16

/* 16 random bytes, positive, and always 16 bytes long so serials look alike. */
static BIGNUM *
serial_draw(void)
{
	unsigned char b[SERIAL_BYTES];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return NULL;
	b[0] = (b[0] & 0x7f) | 0x40;
	return BN_bin2bn(b, sizeof(b), NULL);
}

/* bn (consumed: freed) as lowercase hex without leading zeros into buf. */
static int
bn_hex(BIGNUM *bn, char *buf, size_t len)
{
	char *hex, *p;
	int r = KALIT_ERR_INTERNAL;

	if (bn == NULL || (hex = BN_bn2hex(bn)) == NULL) {
		BN_free(bn);
		return KALIT_ERR_NOMEM;
	}
	for (p = hex; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	p = hex;
	while (p[0] == '0' && p[1] != '\0')
		p++;
	if (strlen(p) < len) {
		strcpy(buf, p);
		r = KALIT_OK;
	}
	OPENSSL_free(hex);
	BN_free(bn);
	return r;
}

int
x509_serial_new(char *buf, size_t len)
{
	return bn_hex(serial_draw(), buf, len);
}

static int
set_serial(X509 *cert, const char *hex)
{
	BIGNUM *bn = NULL;
	int ok;

	if (hex != NULL) {
		if (BN_hex2bn(&bn, hex) != (int)strlen(hex) || BN_is_zero(bn) ||
		    BN_is_negative(bn)) {
			BN_free(bn);
			return 0;
		}
	} else if ((bn = serial_draw()) == NULL)
		return 0;
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
	BN_free(bn);
	return ok;
}

static int
add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext;
	CONF *conf;
	int ok;

	if (value == NULL)
		return 1;
	/* certificatePolicies wants a (here empty) config database. */
	if ((conf = NCONF_new(NULL)) == NULL)
		return 0;
	X509V3_set_nconf(ctx, conf);
	ext = X509V3_EXT_nconf_nid(conf, ctx, nid, value);
	NCONF_free(conf);
	if (ext == NULL) {
		log_msg(LOG_LEVEL_ERROR, "extension %s: bad value \"%s\"",
		    OBJ_nid2sn(nid), value);
		log_ssl(LOG_LEVEL_ERROR, "X509V3_EXT_nconf_nid");
		return 0;
	}
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* Appends a general name of type (GEN_EMAIL, GEN_DNS, GEN_IPADD) to gens. */
static int
push_name(GENERAL_NAMES *gens, int type, const void *data, size_t len)
{
	GENERAL_NAME *gn = NULL;
	ASN1_STRING *v;

	v = type == GEN_IPADD ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
	if (v == NULL || len > INT_MAX || !ASN1_STRING_set(v, data, (int)len) ||
	    (gn = GENERAL_NAME_new()) == NULL) {
		ASN1_STRING_free(v);
		return KALIT_ERR_NOMEM;
	}
	GENERAL_NAME_set0_value(gn, type, v);
	if (!sk_GENERAL_NAME_push(gens, gn)) {
		GENERAL_NAME_free(gn);
		return KALIT_ERR_NOMEM;
	}
	return KALIT_OK;
}

/*
 * subjectAltName: the email, then the DNS names, then the IP addresses.
 * Built with the GENERAL_NAME API rather than an x509v3_config(5) string,
 * so no value can be read as syntax. Not critical: the subject always has
 * a CN (RFC 5280 section 4.2.1.6).
 */
static int
add_san(X509 *cert, const struct x509_spec *s)
{
	GENERAL_NAMES *gens;
	unsigned char addr[sizeof(struct in6_addr)];
	size_t i;
	int af, r = KALIT_OK;

	if (s->email == NULL && s->n_dns == 0 && s->n_ip == 0)
		return KALIT_OK;
	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		return KALIT_ERR_NOMEM;
	if (s->email != NULL)
		r = push_name(gens, GEN_EMAIL, s->email, strlen(s->email));
	for (i = 0; r == KALIT_OK && i < s->n_dns; i++)
		r = push_name(gens, GEN_DNS, s->dns[i], strlen(s->dns[i]));
	for (i = 0; r == KALIT_OK && i < s->n_ip; i++) {
		af = strchr(s->ip[i], ':') != NULL ? AF_INET6 : AF_INET;
		if (inet_pton(af, s->ip[i], addr) != 1) {
			log_msg(LOG_LEVEL_ERROR, "ip: not an IP address");
			r = KALIT_ERR_SUBJECT;
		} else
			r = push_name(gens, GEN_IPADD, addr, af == AF_INET ?
			    4 : 16);
	}
	if (r == KALIT_OK && X509_add1_ext_i2d(cert, NID_subject_alt_name,
	    gens, 0, X509V3_ADD_APPEND) != 1) {
		log_ssl(LOG_LEVEL_ERROR, "X509_add1_ext_i2d");
		r = KALIT_ERR_INTERNAL;
	}
	GENERAL_NAMES_free(gens);
	return r;
}

/* Authority information access: OCSP and caIssuers, either may be NULL. */
static int
add_aia(X509 *cert, X509V3_CTX *ctx, const char *ocsp, const char *issuers)
{
	char buf[1024];

	if (ocsp == NULL && issuers == NULL)
		return KALIT_OK;
	snprintf(buf, sizeof(buf), "%s%s%s%s%s",
	    ocsp != NULL ? "OCSP;URI:" : "", ocsp != NULL ? ocsp : "",
	    ocsp != NULL && issuers != NULL ? "," : "",
	    issuers != NULL ? "caIssuers;URI:" : "",
	    issuers != NULL ? issuers : "");
	return add_ext(cert, ctx, NID_info_access, buf) ? KALIT_OK :
	    KALIT_ERR_CONFIG;
}

static int
add_extensions(X509 *cert, const struct x509_spec *s)
{
	const struct profile *p = s->profile;
	X509V3_CTX ctx;
	char buf[1024];
	int r;

	X509V3_set_ctx(&ctx, s->issuer != NULL ? s->issuer : cert, cert,
	    NULL, NULL, 0);
	/*
	 * The keyIdentifier always (RFC 5280 4.2.1.1), also on the
	 * self-signed root, where it is the subject key identifier just
	 * added: plain "keyid" leaves it out of a self-signed certificate
	 * but keeps the extension, empty (SEQUENCE {}), which gpgsm reads
	 * as a BER error and then rejects every chain to that root.
	 */
	if (!add_ext(cert, &ctx, NID_basic_constraints, p->basic_constraints) ||
	    !add_ext(cert, &ctx, NID_key_usage, p->key_usage) ||
	    !add_ext(cert, &ctx, NID_ext_key_usage, p->extended_key_usage) ||
	    !add_ext(cert, &ctx, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, &ctx, NID_authority_key_identifier,
	    "keyid:always") ||
	    !add_ext(cert, &ctx, NID_certificate_policies,
	    s->policies != NULL ? s->policies : p->certificate_policies))
		return KALIT_ERR_CONFIG;
	if ((r = add_san(cert, s)) != KALIT_OK)
		return r;
	/*
	 * An OCSP responder's certificate (RFC 6960 4.2.2.2.1): nobody asks
	 * about its status, so it has no CRL or OCSP URL to ask at.
	 */
	if (p->ocsp_no_check) {
		if (!add_ext(cert, &ctx, NID_id_pkix_OCSP_noCheck, "ignored"))
			return KALIT_ERR_CONFIG;
		return add_aia(cert, &ctx, NULL, s->ca_issuers_url);
	}
	if (s->crl_url != NULL) {
		snprintf(buf, sizeof(buf), "URI:%s", s->crl_url);
		if (!add_ext(cert, &ctx, NID_crl_distribution_points, buf))
			return KALIT_ERR_CONFIG;
	}
	if (s->freshest_url != NULL) {
		snprintf(buf, sizeof(buf), "URI:%s", s->freshest_url);
		if (!add_ext(cert, &ctx, NID_freshest_crl, buf))
			return KALIT_ERR_CONFIG;
	}
	return add_aia(cert, &ctx, s->ocsp_url, s->ca_issuers_url);
}

int
x509_is_ca(X509 *cert)
{
	uint32_t flags = X509_get_extension_flags(cert);

	/* X509_check_ca() says 0 for cA with a keyUsage lacking keyCertSign. */
	return (flags & EXFLAG_CA) || X509_check_ca(cert) != 0 ||
	    ((flags & EXFLAG_KUSAGE) &&
	    (X509_get_key_usage(cert) & KU_KEY_CERT_SIGN));
}

/* The subject's key is of a type the profile allows: else why not. */
static int
key_allowed(const struct profile *p, EVP_PKEY *key)
{
	enum key_type t;

	if (key_type_of(key, &t) != KALIT_OK || !(p->key_types & (1u << t))) {
		log_msg(LOG_LEVEL_ERROR, "profile %s does not allow the "
		    "subject's key (%d bits)", p->name, EVP_PKEY_get_bits(key));
		return KALIT_ERR_CSR_KEY_WEAK;
	}
	return KALIT_OK;
}

int
x509_issue(const struct x509_spec *s, X509 **certp)
{
	int r = KALIT_ERR_INTERNAL;
	X509 *cert = NULL;
	time_t nb = s->not_before;
	int days = s->days > 0 ? s->days : s->profile->days;

	*certp = NULL;
	if ((r = key_allowed(s->profile, s->pubkey)) != KALIT_OK)
		return r;
	r = KALIT_ERR_INTERNAL;
	if ((cert = X509_new()) == NULL)
		return KALIT_ERR_NOMEM;
	if (!X509_set_version(cert, X509_VERSION_3) ||
	    !set_serial(cert, s->serial_hex) ||
	    !X509_set_subject_name(cert, s->subject) ||
	    !X509_set_issuer_name(cert, s->issuer != NULL ?
	    X509_get_subject_name(s->issuer) : s->subject) ||
	    !X509_set_pubkey(cert, s->pubkey) ||
	    X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0, &nb) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, &nb) == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "X509_set_*");
		goto out;
	}
	/* A certificate never outlives its issuer (RFC 5280 path validation). */
	if (s->issuer != NULL && ASN1_TIME_compare(X509_get0_notAfter(cert),
	    X509_get0_notAfter(s->issuer)) > 0 &&
	    !X509_set1_notAfter(cert, X509_get0_notAfter(s->issuer))) {
		log_ssl(LOG_LEVEL_ERROR, "X509_set1_notAfter");
		goto out;
	}
	if ((r = add_extensions(cert, s)) != KALIT_OK)
		goto out;
	r = KALIT_ERR_INTERNAL;
	if (X509_sign(cert, s->issuer_key, key_sign_md(s->issuer_key)) <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "X509_sign");
		goto out;
	}
	if (s->profile->kind == PROFILE_END_ENTITY && x509_is_ca(cert)) {
		log_msg(LOG_LEVEL_ERROR, "profile %s is an end entity's but "
		    "makes a CA certificate (basic_constraints CA:TRUE, or "
		    "key_usage keyCertSign)", s->profile->name);
		r = KALIT_ERR_CONFIG;
		goto out;
	}
	*certp = cert;
	cert = NULL;
	r = KALIT_OK;
 out:
	X509_free(cert);
	return r;
}

int
x509_serial_hex(const X509 *cert, char *buf, size_t len)
{
	return x509_integer_hex(X509_get0_serialNumber(cert), buf, len);
}

int
x509_integer_hex(const ASN1_INTEGER *serial, char *buf, size_t len)
{
	return bn_hex(ASN1_INTEGER_to_BN(serial, NULL), buf, len);
}

int
x509_serial_normalize(const char *in, char *buf, size_t len)
{
	size_t n = 0;
	const char *p = in;
	int digits = 0;

	if (strncmp(p, "0x", 2) == 0 || strncmp(p, "0X", 2) == 0)
		p += 2;
	for (; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p))
			return KALIT_ERR_MALFORMED;
		digits++;
		if (n == 0 && *p == '0')
			continue;
		if (n + 1 >= len)
			return KALIT_ERR_MALFORMED;
		buf[n++] = (char)tolower((unsigned char)*p);
	}
	if (n == 0) {
		if (digits == 0 || len < 2)
			return KALIT_ERR_MALFORMED;
		buf[n++] = '0';
	}
	buf[n] = '\0';
	return KALIT_OK;
}

/*
 * The DER in buf: buf itself, or else the first PEM block labelled label
 * anywhere in it, decoded into *allocp (caller frees with OPENSSL_free();
 * NULL when *derp is buf).
 */
static int
der_of(const unsigned char *buf, size_t len, const char *label,
    const unsigned char **derp, long *lenp, unsigned char **allocp)
{
	BIO *mem;
	int ok;

	*allocp = NULL;
	if (len > LONG_MAX || len > INT_MAX)
		return KALIT_ERR_TOO_LARGE;
	if (memmem(buf, len, "-----BEGIN ", 11) == NULL) {
		*derp = buf;
		*lenp = (long)len;
		return KALIT_OK;
	}
	if ((mem = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return KALIT_ERR_NOMEM;
	ok = PEM_bytes_read_bio(allocp, lenp, NULL, label, mem, NULL, NULL);
	BIO_free(mem);
	if (ok != 1) {
		log_ssl(LOG_LEVEL_DEBUG, "PEM_bytes_read_bio");
		return KALIT_ERR_MALFORMED;
	}
	*derp = *allocp;
	return KALIT_OK;
}

int
x509_d2i_exact(const ASN1_ITEM *it, const char *label,
    const unsigned char *buf, size_t len, size_t max, void **outp)
{
	const unsigned char *der, *p;
	unsigned char *alloc = NULL;
	ASN1_VALUE *v = NULL;
	long dlen;
	int r;

	*outp = NULL;
	if (len > max || len > LONG_MAX)
		return KALIT_ERR_TOO_LARGE;
	if (label == NULL) {
		der = buf;
		dlen = (long)len;
	} else if ((r = der_of(buf, len, label, &der, &dlen, &alloc)) !=
	    KALIT_OK)
		return r;
	p = der;
	if ((v = ASN1_item_d2i(NULL, &p, dlen, it)) != NULL &&
	    p != der + dlen) {
		ASN1_item_free(v, it);
		v = NULL;
	}
	OPENSSL_free(alloc);
	if (v == NULL) {
		log_ssl(LOG_LEVEL_DEBUG, "ASN1_item_d2i");
		return KALIT_ERR_MALFORMED;
	}
	*outp = v;
	return KALIT_OK;
}

int
x509_parse(const unsigned char *buf, size_t len, X509 **certp)
{
	void *v;
	int r;

	r = x509_d2i_exact(ASN1_ITEM_rptr(X509), PEM_STRING_X509, buf, len,
	    X509_CERT_MAX_SIZE, &v);
	*certp = v;
	return r;
}

int
x509_to_pem(X509 *cert, char **pemp)
{
	BIO *mem;
	char *data;
	long len;

	*pemp = NULL;
	if ((mem = BIO_new(BIO_s_mem())) == NULL)
		return KALIT_ERR_NOMEM;
	if (!PEM_write_bio_X509(mem, cert)) {
		BIO_free(mem);
		return KALIT_ERR_INTERNAL;
	}
	len = BIO_get_mem_data(mem, &data);
	*pemp = strndup(data, (size_t)len);
	BIO_free(mem);
	return *pemp == NULL ? KALIT_ERR_NOMEM : KALIT_OK;
}

int
x509_to_der(X509 *cert, unsigned char **derp, size_t *lenp)
{
	int len;

	*derp = NULL;
	if ((len = i2d_X509(cert, derp)) <= 0)
		return KALIT_ERR_INTERNAL;
	*lenp = (size_t)len;
	return KALIT_OK;
}

int
x509_time_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return KALIT_ERR_MALFORMED;
	*out = (int64_t)timegm(&tm);
	return KALIT_OK;
}

void
x509_time_iso(int64_t t, char buf[X509_TIME_ISO_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || tm.tm_year > 9999 - 1900 ||
	    tm.tm_year < -1900 ||
	    strftime(buf, X509_TIME_ISO_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, X509_TIME_ISO_LEN, "?");
}

/*
 * The length of the UTF-8 at p (n bytes) when it encodes a C1 control or
 * a direction control, which X509_NAME_print_ex() leaves as they are;
 * else 0. The text is valid UTF-8, so a lead byte is never a
 * continuation byte.
 */
static size_t
hidden_len(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;		/* U+0080 to U+009F */
	if (n < 3)
		return 0;
	if ((p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f ||
	    (p[2] >= 0xaa && p[2] <= 0xae))) ||	/* U+200E/F, U+202A-E */
	    (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 &&
	    p[2] <= 0xa9) ||			/* U+2066 to U+2069 */
	    (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf))	/* U+FEFF */
		return 3;
	return 0;
}

/* text (len bytes) with hidden_len()'s characters as hex pairs; or NULL. */
static char *
escape_hidden(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i, k, n = 0;
	char *out;

	/* At most four bytes out for each in: "\C2" for 0xc2. */
	if (len > (SIZE_MAX - 1) / 4 || (out = malloc(4 * len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if ((k = hidden_len(p + i, len - i)) == 0) {
			out[n++] = text[i];
			continue;
		}
		for (; k > 0; k--, i++)
			n += (size_t)snprintf(out + n, 4, "\\%02X", p[i]);
		i--;
	}
	out[n] = '\0';
	return out;
}

int
x509_name_text(const X509_NAME *name, char **textp)
{
	BIO *mem;
	char *data;
	long len;
	int r = KALIT_ERR_NOMEM;

	*textp = NULL;
	if ((mem = BIO_new(BIO_s_mem())) == NULL)
		return KALIT_ERR_NOMEM;
	if (X509_NAME_print_ex(mem, name, 0, XN_FLAG_RFC2253 &
	    ~ASN1_STRFLGS_ESC_MSB & ~XN_FLAG_DUMP_UNKNOWN_FIELDS) < 0) {
		log_ssl(LOG_LEVEL_DEBUG, "X509_NAME_print_ex");
		r = KALIT_ERR_MALFORMED;
	} else if ((len = BIO_get_mem_data(mem, &data)) >= 0 &&
	    (*textp = escape_hidden(len > 0 ? data : "", (size_t)len)) !=
	    NULL)
		r = KALIT_OK;
	BIO_free(mem);
	return r;
}

size_t
x509_parsed_cost(size_t der_len)
{
	return 4096 + 12 * der_len;
}
