/*
 * validate.c: is this certificate good for logging in or signing now? The
 * trust store, the path, the validity, the key usages and the policies.
 * Revocation is in validate_revocation.c.
 */
#include "config.h"

#include "validate.h"
#include "validate_int.h"
#include "crl.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "x509.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define TRUST_FILE_MAX		(1024 * 1024)	/* one *.crt or *.pem */
#define TIMEOUT_DEFAULT_MS	5000

/* Adds x from path to store: a CA certificate, counted when self-signed. */
static int
trust_add(X509_STORE *store, X509 *x, const char *path, int *rootsp)
{
	if (X509_check_ca(x) == 0) {
		log_msg(LOG_LEVEL_ERROR, "%s: holds a certificate that is not "
		    "a CA's", path);
		return KALIT_ERR_CONFIG;
	}
	if (X509_self_signed(x, 0) == 1) {
		if (X509_self_signed(x, 1) != 1) {
			log_msg(LOG_LEVEL_ERROR, "%s: self-signed certificate "
			    "with a bad signature", path);
			ERR_clear_error();
			return KALIT_ERR_CONFIG;
		}
		(*rootsp)++;
	}
	if (!X509_STORE_add_cert(store, x)) {
		log_ssl(LOG_LEVEL_ERROR, "X509_STORE_add_cert");
		return KALIT_ERR_INTERNAL;
	}
	return KALIT_OK;
}

/* Every certificate of one PEM (or DER) file into store. */
static int
trust_load_file(X509_STORE *store, const char *path, int *rootsp)
{
	int r = KALIT_ERR_CONFIG;
	unsigned char *buf = NULL;
	size_t len = 0, n = 0;
	BIO *mem = NULL;
	X509 *x = NULL;

	if (file_read(path, TRUST_FILE_MAX, &buf, &len) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "%s: unreadable or too large", path);
		goto out;
	}
	if (memmem(buf, len, "-----BEGIN ", 11) == NULL) {
		if (x509_parse(buf, len, &x) == KALIT_OK)
			r = trust_add(store, x, path, rootsp);
		else
			log_msg(LOG_LEVEL_ERROR, "%s: not a certificate", path);
		goto out;
	}
	if ((mem = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	for (; (x = PEM_read_bio_X509(mem, NULL, NULL, NULL)) != NULL; n++) {
		if ((r = trust_add(store, x, path, rootsp)) != KALIT_OK)
			goto out;
		X509_free(x);
	}
	/* The loop ends at the end of the text, or at a broken block. */
	if (n == 0 || ERR_GET_REASON(ERR_peek_last_error()) !=
	    PEM_R_NO_START_LINE) {
		log_ssl(LOG_LEVEL_ERROR, "PEM_read_bio_X509");
		log_msg(LOG_LEVEL_ERROR, "%s: bad PEM certificate", path);
		r = KALIT_ERR_CONFIG;
		goto out;
	}
	r = KALIT_OK;
 out:
	ERR_clear_error();
	X509_free(x);
	BIO_free(mem);
	free(buf);
	return r;
}

static int
trust_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 4 && (strcmp(name + n - 4, ".crt") == 0 ||
	    strcmp(name + n - 4, ".pem") == 0);
}

static int
trust_load(X509_STORE *store, const char *dir)
{
	int r = KALIT_OK, roots = 0;
	char path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", dir, strerror(errno));
		return KALIT_ERR_CONFIG;
	}
	while (r == KALIT_OK && (de = readdir(d)) != NULL) {
		if (!trust_name(de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path) || stat(path, &sb) != 0) {
			log_msg(LOG_LEVEL_ERROR, "%s/%s: cannot stat", dir,
			    de->d_name);
			r = KALIT_ERR_CONFIG;
		} else if (S_ISREG(sb.st_mode))
			r = trust_load_file(store, path, &roots);
	}
	closedir(d);
	if (r == KALIT_OK && roots == 0) {
		log_msg(LOG_LEVEL_ERROR, "%s: no self-signed root certificate",
		    dir);
		r = KALIT_ERR_CONFIG;
	}
	return r;
}

/* *cfgp = *dstp = a copy of src, which may be NULL. */
static int
copy_str(const char *src, char **dstp, const char **cfgp)
{
	if (src == NULL)
		return 1;
	if ((*dstp = strdup(src)) == NULL)
		return 0;
	*cfgp = *dstp;
	return 1;
}

int
validator_new(const struct validate_config *cfg, struct validator **vp)
{
	int r = KALIT_ERR_NOMEM;
	struct validator *v;

	*vp = NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return KALIT_ERR_NOMEM;
	if (pthread_mutex_init(&v->cache.lock, NULL) != 0) {
		free(v);
		return KALIT_ERR_INTERNAL;
	}
	if (pthread_mutex_init(&v->slots_lock, NULL) != 0) {
		pthread_mutex_destroy(&v->cache.lock);
		free(v);
		return KALIT_ERR_INTERNAL;
	}
	v->cfg = *cfg;
	if (v->cfg.timeout_ms <= 0)
		v->cfg.timeout_ms = TIMEOUT_DEFAULT_MS;
	if (v->cfg.status_bytes == 0)
		v->cfg.status_bytes = VALIDATE_STATUS_BYTES_DEFAULT;
	if (v->cfg.crl_bytes == 0)
		v->cfg.crl_bytes = VALIDATE_CRL_BYTES_DEFAULT;
	v->cache.max = v->cfg.status_bytes / rev_entry_size();
	if (!copy_str(cfg->trust_dir, &v->trust_dir, &v->cfg.trust_dir) ||
	    !copy_str(cfg->ocsp_url, &v->ocsp_url, &v->cfg.ocsp_url) ||
	    !copy_str(cfg->crl_dir, &v->crl_dir, &v->cfg.crl_dir) ||
	    (v->store = X509_STORE_new()) == NULL)
		goto out;
	if (v->trust_dir == NULL) {
		log_msg(LOG_LEVEL_ERROR, "no trust directory");
		r = KALIT_ERR_CONFIG;
		goto out;
	}
	if ((r = trust_load(v->store, v->trust_dir)) != KALIT_OK ||
	    (v->crl_dir != NULL &&
	    (r = crl_dir_new(v->crl_dir, v->cfg.crl_bytes, &v->crls)) !=
	    KALIT_OK))
		goto out;
	*vp = v;
	v = NULL;
	r = KALIT_OK;
 out:
	validator_free(v);
	return r;
}

void
validator_free(struct validator *v)
{
	if (v == NULL)
		return;
	validate_cache_flush(v);	/* the downloaded CRLs too */
	pthread_mutex_destroy(&v->cache.lock);
	pthread_mutex_destroy(&v->slots_lock);
	crl_dir_free(v->crls);
	X509_STORE_free(v->store);
	free(v->trust_dir);
	free(v->ocsp_url);
	free(v->crl_dir);
	free(v);
}

X509_STORE *
validator_store(struct validator *v)
{
	return v->store;
}

int
validate_path(struct validator *v, X509 *cert, STACK_OF(X509) *extra,
    int64_t now, STACK_OF(X509) **chainp)
{
	int r = KALIT_ERR_INTERNAL;
	X509_STORE_CTX *ctx;
	int err;

	*chainp = NULL;
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return KALIT_ERR_NOMEM;
	if (!X509_STORE_CTX_init(ctx, v->store, cert, extra)) {
		log_ssl(LOG_LEVEL_ERROR, "X509_STORE_CTX_init");
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		log_msg(LOG_LEVEL_INFO, "certificate path: %s (depth %d)",
		    X509_verify_cert_error_string(err),
		    X509_STORE_CTX_get_error_depth(ctx));
		r = err == X509_V_ERR_CERT_HAS_EXPIRED ?
		    KALIT_ERR_CERT_EXPIRED :
		    err == X509_V_ERR_CERT_NOT_YET_VALID ?
		    KALIT_ERR_CERT_NOT_YET_VALID : KALIT_ERR_CERT_UNTRUSTED;
		goto out;
	}
	/* A trust anchor alone is nobody's certificate. */
	r = KALIT_ERR_CERT_UNTRUSTED;
	if (sk_X509_num(X509_STORE_CTX_get0_chain(ctx)) < 2)
		goto out;
	r = KALIT_ERR_NOMEM;
	if ((*chainp = X509_STORE_CTX_get1_chain(ctx)) == NULL)
		goto out;
	r = KALIT_OK;
 out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	return r;
}

int
validate_chain(struct validator *v, X509 *cert, STACK_OF(X509) *extra,
    int64_t now, X509 **issuerp)
{
	STACK_OF(X509) *chain;
	int r;

	*issuerp = NULL;
	if ((r = validate_path(v, cert, extra, now, &chain)) != KALIT_OK)
		return r;
	*issuerp = sk_X509_value(chain, 1);
	X509_up_ref(*issuerp);
	sk_X509_pop_free(chain, X509_free);
	return KALIT_OK;
}

int
validate_time(X509 *cert, int64_t now)
{
	int nb, na;

	nb = ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert), (time_t)now);
	na = ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert), (time_t)now);
	if (nb == -2 || na == -2)
		return KALIT_ERR_MALFORMED;
	if (nb > 0)
		return KALIT_ERR_CERT_NOT_YET_VALID;
	if (na < 0)
		return KALIT_ERR_CERT_EXPIRED;
	return KALIT_OK;
}

int
validate_end_entity(X509 *cert)
{
	return x509_is_ca(cert) ? KALIT_ERR_CERT_PURPOSE : KALIT_OK;
}

/* 1 when key is strong enough; *kindp says what it is, for the log. */
static int
key_strong(EVP_PKEY *key, int min_rsa_bits, int min_ec_bits,
    const char **kindp)
{
	int bits = key != NULL ? EVP_PKEY_get_bits(key) : 0;

	switch (key != NULL ? EVP_PKEY_get_base_id(key) : EVP_PKEY_NONE) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		*kindp = "RSA";
		return bits >= min_rsa_bits;
	case EVP_PKEY_EC:
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		*kindp = "EC";
		return bits >= min_ec_bits;
	default:
		*kindp = "unsupported";	/* DSA, or none at all */
		return 0;
	}
}

int
validate_keys(STACK_OF(X509) *chain, int min_rsa_bits, int min_ec_bits,
    int *depthp)
{
	const char *kind;
	EVP_PKEY *key;
	int i;

	if (min_rsa_bits <= 0)
		min_rsa_bits = VALIDATE_MIN_RSA_BITS;
	if (min_ec_bits <= 0)
		min_ec_bits = VALIDATE_MIN_EC_BITS;
	for (i = 0; i < sk_X509_num(chain); i++) {
		key = X509_get0_pubkey(sk_X509_value(chain, i));
		if (key_strong(key, min_rsa_bits, min_ec_bits, &kind))
			continue;
		ERR_clear_error();
		log_msg(LOG_LEVEL_INFO, "certificate key too weak: %s key of "
		    "%d bits at depth %d of the path (at least %d bits for "
		    "RSA, %d for EC)", kind, key != NULL ?
		    EVP_PKEY_get_bits(key) : 0, i, min_rsa_bits, min_ec_bits);
		if (depthp != NULL)
			*depthp = i;
		return KALIT_ERR_CERT_KEY_WEAK;
	}
	return KALIT_OK;
}

int
validate_key_usage(X509 *cert)
{
	if (!(X509_get_extension_flags(cert) & EXFLAG_KUSAGE) ||
	    !(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE))
		return KALIT_ERR_CERT_PURPOSE;
	return KALIT_OK;
}

int
validate_key_usage_sign(X509 *cert)
{
	uint32_t xku = X509_get_extended_key_usage(cert);

	if (!(X509_get_extension_flags(cert) & EXFLAG_KUSAGE) ||
	    !(X509_get_key_usage(cert) &
	    (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
		return KALIT_ERR_CERT_PURPOSE;
	if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) &&
	    !(xku & (XKU_SMIME | XKU_ANYEKU)))
		return KALIT_ERR_CERT_PURPOSE;
	return KALIT_OK;
}

int
validate_eku_client(X509 *cert)
{
	if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) &&
	    !(X509_get_extended_key_usage(cert) & XKU_SSL_CLIENT))
		return KALIT_ERR_CERT_PURPOSE;
	return KALIT_OK;
}

int
validate_policy(X509 *cert, const char *oid)
{
	CERTIFICATEPOLICIES *pols;
	ASN1_OBJECT *want;
	POLICYINFO *pi;
	int i, r = KALIT_ERR_CERT_NO_POLICY;

	if (oid == NULL || (want = OBJ_txt2obj(oid, 1)) == NULL) {
		ERR_clear_error();
		return KALIT_ERR_CERT_NO_POLICY;
	}
	pols = X509_get_ext_d2i(cert, NID_certificate_policies, NULL, NULL);
	for (i = 0; r != KALIT_OK && i < sk_POLICYINFO_num(pols); i++) {
		pi = sk_POLICYINFO_value(pols, i);
		if (OBJ_cmp(pi->policyid, want) == 0)
			r = KALIT_OK;
	}
	CERTIFICATEPOLICIES_free(pols);
	ASN1_OBJECT_free(want);
	ERR_clear_error();
	return r;
}

enum validate_policy_gap
validate_policy_gap(X509 *cert, X509 *issuer, const char *oid)
{
	if (validate_policy(cert, oid) != KALIT_OK)
		return VALIDATE_POLICY_LEAF;
	if (validate_policy(issuer, oid) != KALIT_OK &&
	    validate_policy(issuer, "2.5.29.32.0") != KALIT_OK)
		return VALIDATE_POLICY_ISSUER;
	return VALIDATE_POLICY_OK;
}

int
validate_policy_issued(X509 *cert, X509 *issuer, const char *oid)
{
	return validate_policy_gap(cert, issuer, oid) == VALIDATE_POLICY_OK ?
	    KALIT_OK : KALIT_ERR_CERT_NO_POLICY;
}

int
validate_trust_pem(struct validator *v, char **pemp)
{
	STACK_OF(X509_OBJECT) *objs;
	X509_OBJECT *o;
	BIO *b;
	char *data;
	long len;
	int i, r = KALIT_ERR_NOMEM;

	*pemp = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return KALIT_ERR_NOMEM;
	if (!X509_STORE_lock(v->store))
		goto out;
	objs = X509_STORE_get0_objects(v->store);
	for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		o = sk_X509_OBJECT_value(objs, i);
		if (X509_OBJECT_get_type(o) == X509_LU_X509 &&
		    PEM_write_bio_X509(b, X509_OBJECT_get0_X509(o)) != 1)
			break;
	}
	X509_STORE_unlock(v->store);
	if (i == sk_X509_OBJECT_num(objs) &&
	    (len = BIO_get_mem_data(b, &data)) > 0 &&
	    (*pemp = strndup(data, (size_t)len)) != NULL)
		r = KALIT_OK;
 out:
	BIO_free(b);
	return r;
}
