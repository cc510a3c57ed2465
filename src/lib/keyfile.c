/* keyfile.c: private keys: generation, encrypted CA keys, PKCS#12 key files */
#include "config.h"

#include "keyfile.h"
#include "err.h"
#include "file.h"
#include "log.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

static const char *const key_type_names[KEY_TYPE__MAX] = {
	"p256", "p384", "rsa3072", "ed25519"
};

int
key_type_parse(const char *name, enum key_type *tp)
{
	int i;

	for (i = 0; i < KEY_TYPE__MAX; i++)
		if (strcmp(name, key_type_names[i]) == 0) {
			*tp = (enum key_type)i;
			return KALIT_OK;
		}
	return KALIT_ERR_KEY_TYPE;
}

const char *
key_type_name(enum key_type t)
{
	if ((unsigned int)t >= KEY_TYPE__MAX)
		return "unknown";
	return key_type_names[t];
}

int
key_type_of(const EVP_PKEY *key, enum key_type *tp)
{
	char group[64];

	if (EVP_PKEY_is_a(key, "ED25519")) {
		*tp = KEY_TYPE_ED25519;
		return KALIT_OK;
	}
	if (EVP_PKEY_is_a(key, "RSA")) {
		if (EVP_PKEY_get_bits(key) < 3072)
			return KALIT_ERR_CSR_KEY_WEAK;
		*tp = KEY_TYPE_RSA3072;
		return KALIT_OK;
	}
	if (EVP_PKEY_is_a(key, "EC") &&
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL)) {
		if (strcmp(group, "prime256v1") == 0 ||
		    strcmp(group, "P-256") == 0) {
			*tp = KEY_TYPE_P256;
			return KALIT_OK;
		}
		if (strcmp(group, "secp384r1") == 0 ||
		    strcmp(group, "P-384") == 0) {
			*tp = KEY_TYPE_P384;
			return KALIT_OK;
		}
	}
	ERR_clear_error();
	return KALIT_ERR_CSR_KEY_WEAK;
}

const EVP_MD *
key_sign_md(const EVP_PKEY *key)
{
	enum key_type t;

	if (key_type_of(key, &t) != KALIT_OK)
		return EVP_sha256();
	switch (t) {
	case KEY_TYPE_ED25519:
		return NULL;
	case KEY_TYPE_P384:
		return EVP_sha384();
	default:
		return EVP_sha256();
	}
}

int
key_generate(enum key_type t, EVP_PKEY **keyp)
{
	EVP_PKEY *key = NULL;

	*keyp = NULL;
	switch (t) {
	case KEY_TYPE_P256:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case KEY_TYPE_P384:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case KEY_TYPE_RSA3072:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	case KEY_TYPE_ED25519:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	default:
		return KALIT_ERR_KEY_TYPE;
	}
	if (key == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_PKEY_Q_keygen");
		return KALIT_ERR_INTERNAL;
	}
	*keyp = key;
	return KALIT_OK;
}

int
keyfile_write_cakey(const char *path, const char *pass, EVP_PKEY *key)
{
	int r = KALIT_ERR_INTERNAL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	X509_SIG *enc = NULL;
	BIO *mem = NULL;
	unsigned char salt[16];
	char *pem;
	long len;

	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    (p8 = EVP_PKEY2PKCS8(key)) == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_PKEY2PKCS8");
		goto out;
	}
	enc = PKCS8_encrypt_ex(-1, EVP_aes_256_cbc(), pass, (int)strlen(pass),
	    salt, sizeof(salt), KEYFILE_PBKDF2_ITER, p8, NULL, NULL);
	if (enc == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "PKCS8_encrypt_ex");
		goto out;
	}
	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PKCS8(mem, enc)) {
		log_ssl(LOG_LEVEL_ERROR, "PEM_write_bio_PKCS8");
		goto out;
	}
	len = BIO_get_mem_data(mem, &pem);
	r = file_write_excl(path, pem, (size_t)len);
 out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_SIG_free(enc);
	BIO_free(mem);
	return r;
}

int
keyfile_load_cakey(const char *path, const char *pass, EVP_PKEY **keyp)
{
	unsigned char *buf = NULL;
	size_t len;
	BIO *mem = NULL;
	X509_SIG *enc = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	int r;

	*keyp = NULL;
	if ((r = file_read(path, KEYFILE_MAX_SIZE, &buf, &len)) != KALIT_OK)
		return r;
	if ((mem = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	/* Only an ENCRYPTED PRIVATE KEY block is read: never a clear key. */
	if ((enc = PEM_read_bio_PKCS8(mem, NULL, NULL, NULL)) == NULL) {
		log_ssl(LOG_LEVEL_DEBUG, "PEM_read_bio_PKCS8");
		log_msg(LOG_LEVEL_ERROR, "%s: not an encrypted PKCS#8 key; CA "
		    "keys are never stored in the clear", path);
		r = KALIT_ERR_MALFORMED;
		goto out;
	}
	if ((p8 = PKCS8_decrypt_ex(enc, pass, (int)strlen(pass), NULL,
	    NULL)) == NULL) {
		log_ssl(LOG_LEVEL_DEBUG, "PKCS8_decrypt_ex");
		r = KALIT_ERR_PASSPHRASE;
		goto out;
	}
	if ((*keyp = EVP_PKCS82PKEY(p8)) == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_PKCS82PKEY");
		r = KALIT_ERR_MALFORMED;
		goto out;
	}
	r = KALIT_OK;
 out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_SIG_free(enc);
	BIO_free(mem);
	OPENSSL_clear_free(buf, len);
	return r;
}

int
keyfile_p12_encode(const char *pass, const char *name, EVP_PKEY *key,
    X509 *cert, STACK_OF(X509) *chain, int legacy, unsigned char **derp,
    size_t *lenp)
{
	PKCS12 *p12;
	int nid = legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC :
	    NID_aes_256_cbc;
	int iter = legacy ? PKCS12_DEFAULT_ITER : KEYFILE_PBKDF2_ITER;
	unsigned char *der = NULL;
	int len;

	*derp = NULL;
	*lenp = 0;
	/* No MAC from PKCS12_create_ex: it would pick SHA-1; set ours below. */
	p12 = PKCS12_create_ex((char *)pass, (char *)name, key, cert, chain,
	    nid, nid, iter, -1, 0, NULL, NULL);
	if (p12 == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "PKCS12_create_ex");
		return KALIT_ERR_INTERNAL;
	}
	if (!PKCS12_set_mac(p12, pass, -1, NULL, 0, iter,
	    legacy ? EVP_sha1() : EVP_sha256())) {
		log_ssl(LOG_LEVEL_ERROR, "PKCS12_set_mac");
		PKCS12_free(p12);
		return KALIT_ERR_INTERNAL;
	}
	len = i2d_PKCS12(p12, &der);
	PKCS12_free(p12);
	if (len <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "i2d_PKCS12");
		return KALIT_ERR_INTERNAL;
	}
	*derp = der;
	*lenp = (size_t)len;
	return KALIT_OK;
}

int
keyfile_load_p12(const char *path, const char *pass, EVP_PKEY **keyp,
    X509 **certp, STACK_OF(X509) **chainp)
{
	unsigned char *buf = NULL;
	const unsigned char *p;
	size_t len = 0;
	PKCS12 *p12 = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *chain = NULL;
	int r;

	*keyp = NULL;
	*certp = NULL;
	if (chainp != NULL)
		*chainp = NULL;
	if ((r = file_read(path, KEYFILE_MAX_SIZE, &buf, &len)) != KALIT_OK)
		return r;
	p = buf;
	r = KALIT_ERR_MALFORMED;
	if (len > LONG_MAX || (p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL ||
	    p != buf + len) {
		log_ssl(LOG_LEVEL_DEBUG, "d2i_PKCS12");
		goto out;
	}
	r = KALIT_ERR_PASSPHRASE;
	if (!PKCS12_mac_present(p12) || !PKCS12_verify_mac(p12, pass, -1)) {
		log_ssl(LOG_LEVEL_DEBUG, "PKCS12_verify_mac");
		goto out;
	}
	if (!PKCS12_parse(p12, pass, &key, &cert, &chain) || key == NULL ||
	    cert == NULL) {
		log_ssl(LOG_LEVEL_DEBUG, "PKCS12_parse");
		r = KALIT_ERR_MALFORMED;
		goto out;
	}
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		r = KALIT_ERR_KEY_MISMATCH;
		goto out;
	}
	*keyp = key;
	key = NULL;
	*certp = cert;
	cert = NULL;
	if (chainp != NULL) {
		*chainp = chain;
		chain = NULL;
	}
	r = KALIT_OK;
 out:
	PKCS12_free(p12);
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	OPENSSL_clear_free(buf, len);
	return r;
}

/* The certificate of chain that issued cert, or NULL; borrowed. */
static X509 *
issuer_in(STACK_OF(X509) *chain, X509 *cert)
{
	X509 *c;
	int i;

	for (i = 0; i < sk_X509_num(chain); i++) {
		c = sk_X509_value(chain, i);
		if (X509_cmp(c, cert) != 0 &&
		    X509_check_issued(c, cert) == X509_V_OK)
			return c;
	}
	return NULL;
}

int
keyfile_path(X509 *cert, STACK_OF(X509) *chain, int max,
    STACK_OF(X509) **pathp)
{
	STACK_OF(X509) *path;
	X509 *up;
	int r = KALIT_ERR_NOMEM;

	if ((*pathp = path = sk_X509_new_null()) == NULL)
		return r;
	/* max also ends a loop of certificates that issued each other. */
	while (sk_X509_num(path) < max && X509_self_signed(cert, 0) != 1 &&
	    (up = issuer_in(chain, cert)) != NULL &&
	    X509_self_signed(up, 0) != 1) {
		if (sk_X509_push(path, up) <= 0)
			goto out;
		cert = up;
	}
	ERR_clear_error();
	r = KALIT_OK;
 out:
	if (r != KALIT_OK) {
		sk_X509_free(path);
		*pathp = NULL;
	}
	return r;
}
