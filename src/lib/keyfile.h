/* keyfile.h: private keys: generation, encrypted CA keys, PKCS#12 key files */
#ifndef KALIT_KEYFILE_H
#define KALIT_KEYFILE_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

enum key_type {
	KEY_TYPE_P256 = 0,
	KEY_TYPE_P384,
	KEY_TYPE_RSA3072,
	KEY_TYPE_ED25519,
	KEY_TYPE__MAX
};

#define KEYFILE_MAX_SIZE	(256 * 1024)	/* a key file or CA key */
#define KEYFILE_PBKDF2_ITER	100000		/* PKCS#12 and CA keys */

/* "p256", "p384", "rsa3072", "ed25519" → *tp; KALIT_ERR_KEY_TYPE otherwise. */
int	key_type_parse(const char *name, enum key_type *tp);
const char *key_type_name(enum key_type t);

/*
 * Classifies a (public) key. RSA keys of 3072 bits or more count as
 * rsa3072; anything weaker or of another kind is KALIT_ERR_CSR_KEY_WEAK.
 */
int	key_type_of(const EVP_PKEY *key, enum key_type *tp);

/* Digest to sign with for key's type (NULL for Ed25519); static. */
const EVP_MD *key_sign_md(const EVP_PKEY *key);

/* New key pair from the CSPRNG; caller frees *keyp with EVP_PKEY_free(). */
int	key_generate(enum key_type t, EVP_PKEY **keyp);

/*
 * Writes key as encrypted PKCS#8 PEM (PBES2, PBKDF2-HMAC-SHA256,
 * AES-256-CBC) to path, created exclusively with mode 0600.
 */
int	keyfile_write_cakey(const char *path, const char *pass, EVP_PKEY *key);

/* Loads an encrypted PKCS#8 PEM key; KALIT_ERR_PASSPHRASE if pass is wrong. */
int	keyfile_load_cakey(const char *path, const char *pass, EVP_PKEY **keyp);

/*
 * Encodes a PKCS#12 key file holding key, cert and chain (may be NULL),
 * friendly name name. Modern: AES-256-CBC/PBKDF2 + HMAC-SHA256 MAC;
 * legacy: PBE-SHA1-3DES + HMAC-SHA1 for old importers. On KALIT_OK *derp
 * (caller frees with OPENSSL_free()) and *lenp are set.
 */
int	keyfile_p12_encode(const char *pass, const char *name, EVP_PKEY *key,
	    X509 *cert, STACK_OF(X509) *chain, int legacy,
	    unsigned char **derp, size_t *lenp);

/*
 * Opens a PKCS#12 key file. KALIT_ERR_PASSPHRASE if pass fails the MAC or
 * decryption, KALIT_ERR_MALFORMED if it is not PKCS#12, KALIT_ERR_KEY_MISMATCH
 * if key and cert differ. Caller frees the outputs (chainp may be NULL).
 */
int	keyfile_load_p12(const char *path, const char *pass, EVP_PKEY **keyp,
	    X509 **certp, STACK_OF(X509) **chainp);

/*
 * The CA certificates of chain (a key file's; may be NULL) that certify
 * cert, in order: its issuer, that one's issuer and so on, at most max of
 * them, up to a self-signed root, which is left out: whoever verifies the
 * path has its own trust anchor. What a key file sends with its
 * certificate (a JWS's x5c, a TLS client's Certificate message). On
 * KALIT_OK *pathp is a new stack, maybe empty, of certificates borrowed
 * from chain: caller frees it with sk_X509_free().
 */
int	keyfile_path(X509 *cert, STACK_OF(X509) *chain, int max,
	    STACK_OF(X509) **pathp);

#endif
