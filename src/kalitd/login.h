/* login.h: POST /v1/login: a signed challenge in, a session token out */
#ifndef KALITD_LOGIN_H
#define KALITD_LOGIN_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "certcache.h"
#include "state.h"
#include "store.h"
#include "x509.h"

/* A login body, parsed; strings borrowed from json. */
struct login_request {
	json_t		*json;
	const char	*client_id;
	const char	*challenge;
	size_t		 challenge_len;
	unsigned char	*der;		/* the CMS, decoded */
	size_t		 der_len;
};

/*
 * Parses a login body: a JSON object with string members client_id,
 * challenge and pkcs7 (base64 DER of at most CMS_LOGIN_MAX bytes).
 * KALIT_ERR_MALFORMED otherwise. Clear *lr with login_request_clear(),
 * also on failure.
 */
int	login_parse(const char *body, size_t len, struct login_request *lr);
void	login_request_clear(struct login_request *lr);

/* KALIT_ERR_CONTENT_MISMATCH unless the signed content is the challenge. */
int	login_check_content(const unsigned char *content, size_t len,
	    const char *challenge, size_t challenge_len);

/*
 * The certificate part of every login, POST /v1/login's and POST
 * /oidc/login's alike: cert (with extra, untrusted path candidates) from
 * the certificate cache or validated (path, end entity, key sizes, key
 * usage, EKU, policy, identity; then cached), the path's validity at
 * now, client's acr, and the revocation status of the whole path. *ep
 * (a reference; caller releases with cert_entry_release(), also on
 * failure) and *acrp the kind of login (STORE_ACR_OFFICIAL when the
 * certificate and client allow it). The network is never waited on:
 * when a status needs an OCSP or CRL download, KALIT_OK is returned with
 * *fetchp set, and login_cert_finish() decides where waiting is harmless.
 */
int	login_cert(struct kalitd *d, struct state *st, X509 *cert,
	    STACK_OF(X509) *extra, const struct store_client *client,
	    int64_t now, struct cert_entry **ep, unsigned int *acrp,
	    int *fetchp);

/* The revocation statuses of e's path, downloading what is needed. */
int	login_cert_finish(struct state *st, const struct cert_entry *e,
	    int64_t now);

struct login_pending;

struct login_result {
	int		 err;		/* KALIT_OK or why the login failed */
	char		 client[STORE_CLIENT_ID_MAX + 1]; /* "" if not known */
	char		 serial[X509_SERIAL_HEX_MAX + 1]; /* "" if not known */
	char		*body;		/* on KALIT_OK the JSON answer; owned */
	char		 detail[32];	/* on KALIT_OK "ok jti JTI": the audit
					   record's */
	int64_t		 retry_after;	/* s, for rate_limited, server_busy */
	/* set when a revocation status needs a download; owned */
	struct login_pending *pending;
};

/*
 * Every check of a login request body (len bytes) from the address from
 * (NULL: not known) at now, in the order docs/api.md gives, then the
 * token: res->body. The network is never waited on: when a revocation
 * status of the certificate's path needs an OCSP or CRL download,
 * res->pending is set instead of res->body, and login_finish() ends the
 * login (with the same st) where waiting is harmless. Clear *res with
 * login_result_clear(). Returns res->err.
 */
int	login_run(struct kalitd *d, struct state *st, const char *body,
	    size_t len, const struct sockaddr *from, int64_t now,
	    struct login_result *res);

/*
 * Ends a login login_run() left pending: the revocation statuses,
 * downloaded as needed, then the token. Returns res->err.
 */
int	login_finish(struct kalitd *d, struct state *st,
	    struct login_result *res);

/* Frees what res holds (the answer wiped: it carries a token). */
void	login_result_clear(struct login_result *res);

#endif
