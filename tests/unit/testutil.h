/*
 * testutil.h: helpers shared by the Check unit tests, compiled once into
 * tests/unit/libtestutil.a (testutil.c) with the PKI of testpki.h, the
 * CA database of teststore.h and the JOSE signatures of testjose.h; every
 * function asserts its own success
 */
#ifndef KALIT_TESTUTIL_H
#define KALIT_TESTUTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "err.h"
#include "identity.h"
#include "keyfile.h"
#include "profile.h"
#include "tsp.h"
#include "x509.h"

/* Asserts that an enum kalit_err result is what we expect, by name. */
#define ck_assert_err(got, want) do {					\
	int ck_got_ = (got), ck_want_ = (want);				\
	ck_assert_msg(ck_got_ == ck_want_, "%s: got %d (%s), want %d (%s)", \
	    #got, ck_got_, kalit_errname(ck_got_), ck_want_,		\
	    kalit_errname(ck_want_));					\
} while (0)

/* Creates a fresh private directory under $TMPDIR (or /tmp) into dir. */
void	tu_mkdtemp(char *dir, size_t len);

/* Removes dir and everything in it (not following links). */
void	tu_rmdir(const char *dir);

/*
 * A checked fixture, for tcase_add_checked_fixture(tc, tu_dir_setup,
 * tu_dir_teardown): a fresh private directory in tu_dir for each test,
 * removed after it.
 */
extern char tu_dir[PATH_MAX];
void	tu_dir_setup(void);
void	tu_dir_teardown(void);

/* path = dir/name, asserting that it fits. */
void	tu_path(char *path, size_t len, const char *dir, const char *name);

/* Writes len bytes to path, replacing it; asserts success. */
void	tu_write_file(const char *path, const void *buf, size_t len);

/* Writes a and b (may be NULL) as PEM to dir/name, replacing it. */
void	tu_write_certs(const char *dir, const char *name, X509 *a, X509 *b);

/* Reads a whole small file into a new NUL-terminated buffer. */
char	*tu_read_file(const char *path, size_t *lenp);

/* The shipped profiles' directory, ca/profiles of the source tree. */
extern const char tu_profile_dir[];

/* A shipped profile from tu_profile_dir; caller frees with profile_free(). */
struct profile	*tu_profile(const char *name);

/* A new key of type t; caller frees with EVP_PKEY_free(). */
EVP_PKEY	*tu_key(enum key_type t);

/* An RSA key of bits bits (for weak-key cases); caller frees. */
EVP_PKEY	*tu_rsa_key(size_t bits);

/* A subject DN of one CN (and C=UZ); caller frees with X509_NAME_free(). */
X509_NAME	*tu_name(const char *cn);

/*
 * A self-signed root CA (profile "root") on a new key of type t, valid
 * from an hour ago. Caller frees *certp and *keyp.
 */
void	tu_make_ca(enum key_type t, const char *cn, X509 **certp,
	    EVP_PKEY **keyp);

/*
 * Issues a certificate of profile p for pubkey and subject under the CA
 * (ca, ca_key). Caller frees the result with X509_free().
 */
X509	*tu_issue(const struct profile *p, const X509_NAME *subject,
	    EVP_PKEY *pubkey, const char *email, X509 *ca, EVP_PKEY *ca_key);

#define TU_TSA_POLICY	"1.3.6.1.4.1.99999.1.1"

/*
 * What kalitd's TSA answers to the DER TimeStampReq req, signed by cert
 * and key with chain (may be NULL) sent on certReq, accepting imprints
 * of md only, at gen_time. Caller frees *derp with OPENSSL_free().
 */
void	tu_tsa_answer(X509 *cert, EVP_PKEY *key, STACK_OF(X509) *chain,
	    const EVP_MD *md, time_t gen_time, const unsigned char *req,
	    size_t len, unsigned char **derp, size_t *lenp);

/*
 * A signature timestamp over data from the TSA cert and key at gen_time,
 * as kalit sign gets it (tsp_request_new(), tsp_reply_check()). Caller
 * frees *tokenp with OPENSSL_free().
 */
void	tu_timestamp(X509 *cert, EVP_PKEY *key, STACK_OF(X509) *chain,
	    const void *data, size_t len, time_t gen_time,
	    unsigned char **tokenp, size_t *tokenlenp);

/*
 * Connections waiting on the listening socket fd that nobody accepted;
 * accepts and closes them (fd is left non-blocking).
 */
int	tu_pending_connections(int fd);

/* An IPv4 or IPv6 address, by its text, in *ss; asserts it is one. */
const struct sockaddr *tu_sockaddr(const char *text,
	    struct sockaddr_storage *ss);

/*
 * The value of the sample series ("name{labels}", as written) in the
 * Prometheus text; -1 when the text has no such line.
 */
double	tu_sample(const char *text, const char *series);

/* printf(3) into a new string; caller frees with free(). */
char	*tu_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/*
 * Decodes the len characters of in as base64url without padding, with
 * OpenSSL alone (not base64.c, which the tests judge). Caller frees the
 * result with free().
 */
unsigned char	*tu_b64url_decode(const char *in, size_t len, size_t *outlen);

/* Segment i (0: header, 1: payload, 2: signature) of a compact JWS. */
void	tu_jws_segment(const char *jws, int i, const char **sp,
	    size_t *lenp);

/* The decoded JSON of segment i of a compact JWS; new reference. */
json_t	*tu_jws_json(const char *jws, int i);

/*
 * JWS's ECDSA signature, r || s (len bytes, halves alike), as the DER
 * ECDSA-Sig-Value that EVP_DigestVerify() takes. Caller frees the result
 * with OPENSSL_free().
 */
unsigned char	*tu_ecdsa_der(const unsigned char *raw, size_t len,
	    size_t *derlenp);

/* Runs suite s and returns the exit status for main(). */
int	tu_run(Suite *s);

#endif
