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
	METRICS_OTHER,
	METRICS__MAX
};

/* Client authentications (HTTP Basic or form) that did not pass. */
enum metrics_auth {
	METRICS_AUTH_FAILED = 0,	/* unknown client or wrong secret */
	METRICS_AUTH_THROTTLED,		/* refused unchecked: rate_limited */
	METRICS_AUTH__MAX
};

/* Every function is lock-free and safe from any thread. */
void	metrics_request(enum metrics_endpoint e, unsigned int status);
/* A login attempt's outcome (KALIT_OK or its error) and its duration. */
void	metrics_login(int err, double seconds);
/* A client authentication that failed or was throttled. */
void	metrics_client_auth(enum metrics_auth what);
/* A connection closed because its request did not arrive in time. */
void	metrics_request_timeout(void);
/* Records written by one audit transaction. */
void	metrics_audit_batch(size_t n);

/* The exposition text; caller frees with free(). */
char	*metrics_render(size_t challenges_used);

#endif
