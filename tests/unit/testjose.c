/* testjose.c: the helpers of testjose.h */
#include "config.h"

#include "testjose.h"
#include "testutil.h"

#include <openssl/ec.h>
#include <openssl/rsa.h>

void
tj_keys_init(struct tj_keys *k)
{
	k->p256 = tu_key(KEY_TYPE_P256);
	k->p256b = tu_key(KEY_TYPE_P256);
	k->p384 = tu_key(KEY_TYPE_P384);
	ck_assert_ptr_nonnull(k->p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
	    "P-521"));
	k->rsa = tu_rsa_key(2048);
	k->rsa1024 = tu_rsa_key(1024);
	k->ed25519 = tu_key(KEY_TYPE_ED25519);
}

void
tj_keys_free(struct tj_keys *k)
{
	EVP_PKEY_free(k->p256);
	EVP_PKEY_free(k->p256b);
	EVP_PKEY_free(k->p384);
	EVP_PKEY_free(k->p521);
	EVP_PKEY_free(k->rsa);
	EVP_PKEY_free(k->rsa1024);
	EVP_PKEY_free(k->ed25519);
	memset(k, 0, sizeof(*k));
}

const EVP_MD *
tj_md(const char *alg)
{
	ck_assert_uint_eq(strlen(alg), 5);
	if (strcmp(alg + 2, "256") == 0)
		return EVP_sha256();
	if (strcmp(alg + 2, "384") == 0)
		return EVP_sha384();
	ck_assert_str_eq(alg + 2, "512");
	return EVP_sha512();
}

/* OpenSSL's DER ECDSA signature (len bytes) as r || s of key's size. */
static size_t
ecdsa_raw(EVP_PKEY *key, const unsigned char *der, size_t len,
    unsigned char *sig)
{
	size_t half = ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
	const unsigned char *p = der;
	ECDSA_SIG *es;

	ck_assert_ptr_nonnull(es = d2i_ECDSA_SIG(NULL, &p, (long)len));
	ck_assert_int_eq(BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, (int)half),
	    (int)half);
	ck_assert_int_eq(BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + half,
	    (int)half), (int)half);
	ECDSA_SIG_free(es);
	return 2 * half;
}

size_t
tj_sign(EVP_PKEY *key, const char *alg, const void *tbs, size_t len,
    const struct tj_how *how, unsigned char *sig)
{
	static const struct tj_how jwa;
	const EVP_MD *md = tj_md(alg);
	unsigned char der[1024];
	size_t n = sizeof(der);
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (how == NULL)
		how = &jwa;
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_DigestSignInit(ctx, &pctx, md, NULL, key), 1);
	if (alg[0] == 'P' && !how->pkcs1) {
		ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING), 1);
		ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md), 1);
		ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
		    how->salt != 0 ? how->salt : RSA_PSS_SALTLEN_DIGEST), 1);
	}
	ck_assert_int_eq(EVP_DigestSign(ctx, der, &n, tbs, len), 1);
	EVP_MD_CTX_free(ctx);
	if (EVP_PKEY_is_a(key, "EC") && !how->der)
		return ecdsa_raw(key, der, n, sig);
	memcpy(sig, der, n);
	return n;
}

char *
tj_b64(const void *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	ck_assert_ptr_nonnull(out);
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

char *
tj_cert_b64(X509 *cert)
{
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);
	char *s;

	ck_assert_int_gt(n, 0);
	s = tj_b64(der, (size_t)n);
	OPENSSL_free(der);
	return s;
}

X509 *
tj_cert(EVP_PKEY *key, const char *cn, X509 *ca, EVP_PKEY *ca_key)
{
	X509_NAME *n = tu_name(cn);
	X509 *cert;

	ck_assert_ptr_nonnull(cert = X509_new());
	ck_assert_int_eq(X509_set_version(cert, 2), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(cert), 7), 1);
	ck_assert_int_eq(X509_set_subject_name(cert, n), 1);
	ck_assert_int_eq(X509_set_issuer_name(cert, ca != NULL ?
	    X509_get_subject_name(ca) : n), 1);
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(cert),
	    -300));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(cert),
	    86400));
	ck_assert_int_eq(X509_set_pubkey(cert, key), 1);
	ck_assert_int_gt(X509_sign(cert, ca != NULL ? ca_key : key,
	    EVP_sha256()), 0);
	X509_NAME_free(n);
	return cert;
}
