/* metrics.h: counters for GET /metrics (Prometheus text format) */
#ifndef KALITD_METRICS_H
#define KALITD_METRICS_H

#include <stddef.h>

enum metrics_endpoint {
	METRICS_CHALLENGE = 0,
	METRICS_LOGIN,
	METRICS_JWKS,
	METRICS_INTROSPECT,
	METRICS_REVOKE,
	METRICS_HEALTHZ,
	METRICS_METRICS,
	METRICS_OCSP,
	METRICS_CRL,
	METRICS_TIMESTAMP,
	METRICS_VERIFY,
	METRICS_CA,
	METRICS_DISCOVERY,
	METRICS_AUTHORIZE,
	METRICS_PAGE,
	METRICS_OIDC_CHALLENGE,
	METRICS_OIDC_LOGIN,
	METRICS_TOKEN,
	METRICS_USERINFO,
	METRICS_LOGOUT,
	METRICS_OTHER,
	METRICS__MAX
};

/* Client authentications (HTTP Basic or form) that did not pass. */
enum metrics_auth {
	METRICS_AUTH_FAILED = 0,	/* unknown client or wrong secret */
	METRICS_AUTH_THROTTLED,		/* refused unchecked: rate_limited */
	METRICS_AUTH__MAX
};

/* Back-channel logout deliveries (bcl.h), by outcome. */
enum metrics_bcl {
	METRICS_BCL_DELIVERED = 0,
	METRICS_BCL_RETRIED,		/* an attempt failed; another follows */
	METRICS_BCL_FAILED,		/* the last attempt failed */
	METRICS_BCL_DROPPED,		/* the queue was full */
	METRICS_BCL__MAX
};

/* Every function is lock-free and safe from any thread. */
void	metrics_request(enum metrics_endpoint e, unsigned int status);
/* A login attempt's outcome (KALIT_OK or its error) and its duration. */
void	metrics_login(int err, double seconds);
/* A client authentication that failed or was throttled. */
void	metrics_client_auth(enum metrics_auth what);
/* A connection closed because its request did not arrive in time. */
void	metrics_request_timeout(void);
/* A back-channel logout delivery's step. */
void	metrics_backchannel(enum metrics_bcl what);
/* An OpenID Provider login (POST /oidc/login, or SSO) and its outcome. */
void	metrics_oidc_login(int err, int sso);
/* Browser sessions held now (set by the provider). */
void	metrics_sessions(size_t n);
/* Records written by one audit transaction. */
void	metrics_audit_batch(size_t n);

/* The exposition text; caller frees with free(). */
char	*metrics_render(size_t challenges_used);

#endif
