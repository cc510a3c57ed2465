/* jwa.c: JWA signatures (RFC 7518 §3.3 to 3.5) verified with OpenSSL */
#include "config.h"

#include "jwa.h"
#include "err.h"
#include "log.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#define RSA_BITS_MIN	2048		/* RFC 7518 §3.3 and §3.5 */

enum alg_kind { KIND_ECDSA, KIND_PSS, KIND_PKCS1 };

/* Indexed by enum jwa_alg. */
static const struct alg_info {
	const char	*name;
	enum alg_kind	 kind;
	const EVP_MD	*(*md)(void);
	int		 curve;		/* NID of the named curve (ECDSA) */
	size_t		 half;		/* bytes of r and of s (ECDSA) */
	const char	*key_why;	/* when the key does not fit */
} algs[JWA__MAX] = {
	{ "ES256", KIND_ECDSA, EVP_sha256, NID_X9_62_prime256v1, 32,
	    "ES256 needs an EC key on P-256" },
	{ "ES384", KIND_ECDSA, EVP_sha384, NID_secp384r1, 48,
	    "ES384 needs an EC key on P-384" },
	{ "ES512", KIND_ECDSA, EVP_sha512, NID_secp521r1, 66,
	    "ES512 needs an EC key on P-521" },
	{ "PS256", KIND_PSS, EVP_sha256, 0, 0, "PS256 needs an RSA key" },
	{ "PS384", KIND_PSS, EVP_sha384, 0, 0, "PS384 needs an RSA key" },
	{ "PS512", KIND_PSS, EVP_sha512, 0, 0, "PS512 needs an RSA key" },
	{ "RS256", KIND_PKCS1, EVP_sha256, 0, 0, "RS256 needs an RSA key" },
	{ "RS384", KIND_PKCS1, EVP_sha384, 0, 0, "RS384 needs an RSA key" },
	{ "RS512", KIND_PKCS1, EVP_sha512, 0, 0, "RS512 needs an RSA key" },
};

const char *
jwa_alg_name(enum jwa_alg alg)
{
	return (unsigned int)alg < JWA__MAX ? algs[alg].name : "?";
}

int
jwa_alg_parse(const char *name, size_t len, enum jwa_alg *algp)
{
	unsigned int i;

	if (name == NULL)
		return KALIT_ERR_SIG_ALGORITHM;
	for (i = 0; i < JWA__MAX; i++)
		if (strlen(algs[i].name) == len &&
		    memcmp(algs[i].name, name, len) == 0) {
			*algp = (enum jwa_alg)i;
			return KALIT_OK;
		}
	return KALIT_ERR_SIG_ALGORITHM;
}

const EVP_MD *
jwa_alg_md(enum jwa_alg alg)
{
	return (unsigned int)alg < JWA__MAX ? algs[alg].md() : NULL;
}

/*
 * Whether key is the kind ai needs, and sig_len the length of its
 * signatures: the length is the algorithm's and the key's, whatever the
 * signature says, so a DER-encoded ECDSA signature or an RSA one short of
 * its leading zeros is refused here.
 */
static int
key_fits(const struct alg_info *ai, EVP_PKEY *key, size_t sig_len,
    const char **whyp)
{
	char group[64];
	int bits, nid = NID_undef;

	if (ai->kind == KIND_ECDSA) {
		/* Only a named curve: explicit parameters have no name. */
		if (EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_group_name(key,
		    group, sizeof(group), NULL) == 1 &&
		    (nid = OBJ_txt2nid(group)) == NID_undef)
			nid = EC_curve_nist2nid(group);	/* "P-256" */
		if (nid != ai->curve) {
			ERR_clear_error();
			*whyp = ai->key_why;
			return KALIT_ERR_SIG_ALGORITHM;
		}
		if (sig_len != 2 * ai->half) {
			*whyp = "the ECDSA signature is not raw r || s of the "
			    "curve's size (DER?)";
			return KALIT_ERR_SIGNATURE;
		}
		return KALIT_OK;
	}
	if (!EVP_PKEY_is_a(key, "RSA")) {
		*whyp = ai->key_why;
		return KALIT_ERR_SIG_ALGORITHM;
	}
	if ((bits = EVP_PKEY_get_bits(key)) < RSA_BITS_MIN) {
		*whyp = "the RSA key is shorter than 2048 bits";
		return KALIT_ERR_CERT_KEY_WEAK;
	}
	if (sig_len != ((size_t)bits + 7) / 8) {
		*whyp = "the RSA signature is not as long as the modulus";
		return KALIT_ERR_SIGNATURE;
	}
	return KALIT_OK;
}

/* Raw r || s (len bytes, halves alike) as an ECDSA-Sig-Value in DER. */
static int
ecdsa_der(const unsigned char *raw, size_t len, unsigned char **derp,
    size_t *lenp)
{
	ECDSA_SIG *sig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int n;

	*derp = NULL;
	if ((sig = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(raw, (int)(len / 2), NULL)) == NULL ||
	    (s = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL)) == NULL ||
	    ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return KALIT_ERR_NOMEM;
	}
	n = i2d_ECDSA_SIG(sig, derp);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return KALIT_ERR_NOMEM;
	*lenp = (size_t)n;
	return KALIT_OK;
}

/* EVP_DigestVerify of sig over tbs with key as ai says. */
static int
verify_sig(const struct alg_info *ai, EVP_PKEY *key, const unsigned char *sig,
    size_t sig_len, const unsigned char *tbs, size_t tbs_len)
{
	EVP_MD_CTX *ctx;
	EVP_PKEY_CTX *pctx = NULL;
	const EVP_MD *md = ai->md();
	int r = KALIT_ERR_INTERNAL;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return KALIT_ERR_NOMEM;
	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) != 1) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_DigestVerifyInit");
		goto out;
	}
	/* JWA's PS*: MGF1 with the same hash, a salt as long as the hash. */
	if (ai->kind == KIND_PSS && (EVP_PKEY_CTX_set_rsa_padding(pctx,
	    RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <=
	    0)) {
		log_ssl(LOG_LEVEL_ERROR, "EVP_PKEY_CTX_set_rsa_* (PSS)");
		goto out;
	}
	r = KALIT_OK;
	if (EVP_DigestVerify(ctx, sig, sig_len, tbs, tbs_len) != 1) {
		log_ssl(LOG_LEVEL_DEBUG, "EVP_DigestVerify");
		r = KALIT_ERR_SIGNATURE;
	}
 out:
	EVP_MD_CTX_free(ctx);
	return r;
}

int
jwa_verify(enum jwa_alg alg, EVP_PKEY *key, const unsigned char *sig,
    size_t sig_len, const unsigned char *tbs, size_t tbs_len,
    const char **whyp)
{
	const struct alg_info *ai;
	unsigned char *der = NULL;
	const char *why = "the algorithm is out of range";
	int r = KALIT_ERR_INTERNAL;

	if ((unsigned int)alg >= JWA__MAX)
		goto out;
	ai = &algs[alg];
	if (key == NULL) {
		log_ssl(LOG_LEVEL_DEBUG, "X509_get0_pubkey");
		r = KALIT_ERR_SIG_ALGORITHM;
		why = "the certificate's key is of no type this reads";
		goto out;
	}
	if ((r = key_fits(ai, key, sig_len, &why)) != KALIT_OK)
		goto out;
	why = "the verification could not be set up";
	/* Cards and WebCrypto give r || s; OpenSSL verifies DER. */
	if (ai->kind == KIND_ECDSA) {
		if ((r = ecdsa_der(sig, sig_len, &der, &sig_len)) != KALIT_OK)
			goto out;
		sig = der;
	}
	if ((r = verify_sig(ai, key, sig, sig_len, tbs, tbs_len)) ==
	    KALIT_ERR_SIGNATURE)
		why = "the signature does not verify with the key over what "
		    "it signs";
 out:
	OPENSSL_free(der);
	if (whyp != NULL)
		*whyp = r == KALIT_OK ? NULL : why;
	return r;
}
