/*
 * testjose.h: signatures as JOSE writes them and certificates for any
 * key, for the tests of what verifies them (check_jwa, check_jws,
 * check_webeid). Made with OpenSSL alone, not with what is tested: the
 * verifier must judge keys (P-521, RSA-1024) that kalit-ca's profiles
 * refuse to certify. Every function asserts its own success.
 */
#ifndef KALIT_TESTJOSE_H
#define KALIT_TESTJOSE_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* Keys of each kind the verifiers judge. */
struct tj_keys {
	EVP_PKEY	*p256, *p256b;	/* two P-256 keys */
	EVP_PKEY	*p384, *p521;
	EVP_PKEY	*rsa;		/* 2048 bits */
	EVP_PKEY	*rsa1024;	/* too short for JWA */
	EVP_PKEY	*ed25519;	/* of no JWA algorithm kalit takes */
};

/*
 * New keys into k; slow (RSA): once per test case, an unchecked fixture.
 * Free with tj_keys_free().
 */
void	tj_keys_init(struct tj_keys *k);

/* Frees k's keys and zeroes it. */
void	tj_keys_free(struct tj_keys *k);

/* How tj_sign() signs: as JWA says unless a field says otherwise. */
struct tj_how {
	int	 der;		/* ECDSA: keep OpenSSL's DER, not r || s */
	int	 salt;		/* PSS salt length; 0: the hash's */
	int	 pkcs1;		/* RSA: PKCS #1 v1.5 whatever alg says */
};

/* The hash of the JWA algorithm named alg ("ES256" ... "RS512"). */
const EVP_MD	*tj_md(const char *alg);

/*
 * A signature by key over the len bytes of tbs as the JWA algorithm
 * named alg makes it (how may be NULL: as JWA says) into sig, which holds
 * 1024 bytes; ECDSA as raw r || s of the curve's size. Returns its length.
 */
size_t	tj_sign(EVP_PKEY *key, const char *alg, const void *tbs, size_t len,
	    const struct tj_how *how, unsigned char *sig);

/* Standard padded base64 of len bytes of in; caller frees with free(). */
char	*tj_b64(const void *in, size_t len);

/* tj_b64() of cert's DER, as x5c holds it; caller frees with free(). */
char	*tj_cert_b64(X509 *cert);

/*
 * A certificate of subject cn for key, signed by ca_key with ca as issuer,
 * or self-signed by key when ca is NULL; valid from 5 minutes ago for a
 * day; key is EC or RSA when it signs. Caller frees with X509_free().
 */
X509	*tj_cert(EVP_PKEY *key, const char *cn, X509 *ca, EVP_PKEY *ca_key);

#endif
