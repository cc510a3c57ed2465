/* fetch.h: HTTP requests with libcurl: OCSP, CRLs, and the kalit client */
#ifndef KALIT_FETCH_H
#define KALIT_FETCH_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define FETCH_TIMEOUT_MS	30000

/*
 * A TLS client certificate (RFC 8705's tls_client_auth, say); every
 * pointer is borrowed. libcurl's OpenSSL gets the key and certificates
 * in memory, never through a file.
 */
struct fetch_cert {
	EVP_PKEY	*key;		/* cert's private key */
	X509		*cert;
	STACK_OF(X509)	*chain;		/* sent after cert, in this order
					   (keyfile_path()); NULL: none */
};

/* What one request may send and take; every pointer is borrowed. */
struct fetch_req {
	const char	*url;		/* http:// or https:// only */
	const char	*content_type;	/* NULL: GET; otherwise POST body */
	const void	*body;
	size_t		 body_len;
	const char	*accept;	/* Accept header, or NULL */
	const char	*cafile;	/* https trust anchors, or NULL: system */
	size_t		 max;		/* largest response body accepted */
	long		 timeout_ms;	/* whole request, connect included;
					   <= 0: FETCH_TIMEOUT_MS, never none */
	const struct fetch_cert *cert;	/* shown when the server asks
					   for one (https:// only), or NULL */
};

/* Call once before threads start; pairs with fetch_cleanup(). */
int	fetch_init(void);
void	fetch_cleanup(void);

/*
 * 1 when ssl_version, as curl_version_info() gives it, says libcurl's TLS
 * is OpenSSL of the major version this process runs
 * (OPENSSL_version_major()), whose SSL_CTX a struct fetch_cert is given
 * to: "OpenSSL/3.0.19", or, from a libcurl of several TLS libraries, the
 * one it names without parentheses ("(GnuTLS/3.7.9) OpenSSL/3.0.19").
 * 0 otherwise, and for NULL.
 */
int	fetch_ssl_is_openssl(const char *ssl_version);

/*
 * 1 when this libcurl can send a struct fetch_cert: fetch_ssl_is_openssl()
 * of its ssl_version; else 0. *versionp (may be NULL) is set to that
 * ssl_version, or "none" for a libcurl without TLS; static.
 */
int	fetch_cert_supported(const char **versionp);

/*
 * Performs the request, following no redirects. On KALIT_OK *statusp is
 * the HTTP status, *bodyp (caller frees with free(); NUL-terminated, not
 * counted) and *lenp the response body, and *ctypep (may be NULL; caller
 * frees) its Content-Type. KALIT_ERR_NETWORK when the server cannot be
 * reached or times out, KALIT_ERR_TOO_LARGE when the answer passes max,
 * KALIT_ERR_USAGE for a URL of another scheme, or with rq->cert one
 * other than https://; KALIT_ERR_INTERNAL (logged) for rq->cert when
 * fetch_cert_supported() is 0.
 */
int	fetch(const struct fetch_req *rq, long *statusp, unsigned char **bodyp,
	    size_t *lenp, char **ctypep);

#endif
