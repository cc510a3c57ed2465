/* csr.h: certificate signing requests from outside, checked before use */
#ifndef KALIT_CSR_H
#define KALIT_CSR_H

#include <stddef.h>

#include <openssl/x509.h>

#define CSR_MAX_SIZE	(64 * 1024)

/*
 * Parses a PKCS#10 request (PEM or DER), verifies its self-signature and
 * classifies its key. Returns KALIT_ERR_TOO_LARGE, KALIT_ERR_MALFORMED,
 * KALIT_ERR_CSR_SIGNATURE, or KALIT_ERR_CSR_KEY_WEAK when the key is weak or
 * its type is not in allowed (a mask of 1u << enum key_type). Nothing else
 * of the request is used: the subject and extensions come from the profile.
 * On KALIT_OK *pubkeyp is the request's key; caller frees with
 * EVP_PKEY_free().
 */
int	csr_check(const unsigned char *buf, size_t len, unsigned int allowed,
	    EVP_PKEY **pubkeyp);

#endif
