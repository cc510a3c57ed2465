/* metrics.c: relaxed atomic counters rendered as Prometheus text */
#include "config.h"
#include "metrics.h"
#include "apierr.h"
#include "err.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const endpoint_name[METRICS__MAX] = {
	"challenge", "login", "jwks", "introspect", "revoke", "healthz",
	"metrics", "ocsp", "crl", "timestamp", "verify", "ca",
	"openid-configuration", "authorize", "login-page", "oidc-challenge",
	"oidc-login", "token", "userinfo", "logout", "other"
};
static const char *const bcl_name[METRICS_BCL__MAX] = {
	"delivered", "retried", "failed", "dropped"
};
static const unsigned int statuses[] = {
	200, 400, 401, 403, 404, 405, 413, 415, 429, 500, 503,
	0 /* other */
};
#define NSTATUS		(sizeof(statuses) / sizeof(statuses[0]))
#define NOUTCOME	(1 - KALIT_ERR__MIN)

/* Latency bucket bounds in seconds; the last bucket is +Inf. */
static const double lat_le[] = {
	0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
	5, 10
};
#define NLAT		(sizeof(lat_le) / sizeof(lat_le[0]))
static const double batch_le[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256 };
#define NBATCH		(sizeof(batch_le) / sizeof(batch_le[0]))

static atomic_uint_fast64_t requests[METRICS__MAX][NSTATUS];
static atomic_uint_fast64_t logins[NOUTCOME];
static atomic_uint_fast64_t lat_bucket[NLAT + 1];
static atomic_uint_fast64_t lat_sum_us;
static atomic_uint_fast64_t batch_bucket[NBATCH + 1];
static atomic_uint_fast64_t batch_sum;
static atomic_uint_fast64_t client_auth[METRICS_AUTH__MAX];
static atomic_uint_fast64_t request_timeouts;
static atomic_uint_fast64_t bcl[METRICS_BCL__MAX];
static atomic_uint_fast64_t oidc_logins[2][NOUTCOME];	/* [sso] */
static atomic_size_t sessions;

void
metrics_backchannel(enum metrics_bcl what)
{
	atomic_fetch_add_explicit(&bcl[what], 1, memory_order_relaxed);
}

void
metrics_oidc_login(int err, int sso)
{
	if (err > 0 || err < KALIT_ERR__MIN)
		err = KALIT_ERR_INTERNAL;
	atomic_fetch_add_explicit(&oidc_logins[sso != 0][-err], 1,
	    memory_order_relaxed);
}

void
metrics_sessions(size_t n)
{
	atomic_store_explicit(&sessions, n, memory_order_relaxed);
}

void
metrics_request(enum metrics_endpoint e, unsigned int status)
{
	size_t i;

	for (i = 0; i < NSTATUS - 1 && statuses[i] != status; i++)
		;
	atomic_fetch_add_explicit(&requests[e][i], 1, memory_order_relaxed);
}

void
metrics_login(int err, double seconds)
{
	size_t i;

	if (err > 0 || err < KALIT_ERR__MIN)
		err = KALIT_ERR_INTERNAL;
	atomic_fetch_add_explicit(&logins[-err], 1, memory_order_relaxed);
	for (i = 0; i < NLAT && seconds > lat_le[i]; i++)
		;
	atomic_fetch_add_explicit(&lat_bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&lat_sum_us, (uint64_t)(seconds * 1e6),
	    memory_order_relaxed);
}

void
metrics_client_auth(enum metrics_auth what)
{
	atomic_fetch_add_explicit(&client_auth[what], 1, memory_order_relaxed);
}

void
metrics_request_timeout(void)
{
	atomic_fetch_add_explicit(&request_timeouts, 1, memory_order_relaxed);
}

void
metrics_audit_batch(size_t n)
{
	size_t i;

	for (i = 0; i < NBATCH && (double)n > batch_le[i]; i++)
		;
	atomic_fetch_add_explicit(&batch_bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&batch_sum, n, memory_order_relaxed);
}

#define LOAD(x)	((unsigned long long)atomic_load_explicit(&(x), \
	memory_order_relaxed))

/* A histogram: n bounds, n + 1 buckets (the last is +Inf). */
static void
render_histogram(FILE *f, const char *name, const char *help,
    const double *le, size_t n, atomic_uint_fast64_t *bucket, double sum)
{
	unsigned long long cum = 0;
	size_t i;

	fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (i = 0; i <= n; i++) {
		cum += LOAD(bucket[i]);
		if (i < n)
			fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name, le[i],
			    cum);
		else
			fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", name, cum);
	}
	fprintf(f, "%s_sum %.6f\n%s_count %llu\n", name, sum, name, cum);
}

static void
render_requests(FILE *f)
{
	char code[16];
	size_t e, i;

	fputs("# HELP kalitd_requests_total HTTP requests by endpoint and "
	    "status.\n# TYPE kalitd_requests_total counter\n", f);
	for (e = 0; e < METRICS__MAX; e++)
		for (i = 0; i < NSTATUS; i++)
			if (LOAD(requests[e][i]) != 0 || i == 0) {
				if (statuses[i] != 0)
					snprintf(code, sizeof(code), "%u",
					    statuses[i]);
				else
					snprintf(code, sizeof(code), "other");
				fprintf(f, "kalitd_requests_total{endpoint=\"%s\","
				    "code=\"%s\"} %llu\n", endpoint_name[e],
				    code, LOAD(requests[e][i]));
			}
}

static void
render_logins(FILE *f)
{
	unsigned long long n[NOUTCOME];
	size_t i, j;

	fputs("# HELP kalitd_logins_total Login attempts by outcome.\n"
	    "# TYPE kalitd_logins_total counter\n", f);
	/* Outcomes as clients see them: several codes are server_error. */
	for (i = 0; i < NOUTCOME; i++)
		n[i] = LOAD(logins[i]);
	for (i = 0; i < NOUTCOME; i++) {
		for (j = 0; j < i && strcmp(apierr_code(-(int)i),
		    apierr_code(-(int)j)) != 0; j++)
			;
		if (j < i) {	/* counted with an earlier code */
			n[j] += n[i];
			n[i] = 0;
		}
	}
	for (i = 0; i < NOUTCOME; i++)
		if (n[i] != 0 || i == 0)
			fprintf(f, "kalitd_logins_total{outcome=\"%s\"} %llu\n",
			    i == 0 ? "ok" : apierr_code(-(int)i), n[i]);
	render_histogram(f, "kalitd_login_duration_seconds", "Login handling "
	    "time, audit commit included.", lat_le, NLAT, lat_bucket,
	    (double)LOAD(lat_sum_us) / 1e6);
}

static void
render_batches(FILE *f)
{
	render_histogram(f, "kalitd_audit_batch_size", "Audit records per "
	    "database transaction.", batch_le, NBATCH, batch_bucket,
	    (double)LOAD(batch_sum));
}

static void
render_oidc(FILE *f)
{
	unsigned long long n[NOUTCOME];
	size_t i, j;
	int sso;

	fputs("# HELP kalitd_oidc_logins_total OpenID Provider logins by "
	    "kind (signature or sso) and outcome.\n"
	    "# TYPE kalitd_oidc_logins_total counter\n", f);
	for (sso = 0; sso < 2; sso++) {
		for (i = 0; i < NOUTCOME; i++) {
			n[i] = LOAD(oidc_logins[sso][i]);
			/* one line a public code: several are server_error */
			for (j = 0; j < i && strcmp(apierr_code(-(int)i),
			    apierr_code(-(int)j)) != 0; j++)
				;
			if (j < i) {
				n[j] += n[i];
				n[i] = 0;
			}
		}
		for (i = 0; i < NOUTCOME; i++)
			if (n[i] != 0 || i == 0)
				fprintf(f, "kalitd_oidc_logins_total"
				    "{kind=\"%s\",outcome=\"%s\"} %llu\n",
				    sso ? "sso" : "signature", i == 0 ? "ok" :
				    apierr_code(-(int)i), n[i]);
	}
	fputs("# HELP kalitd_backchannel_logout_total Back-channel logout "
	    "deliveries by outcome.\n"
	    "# TYPE kalitd_backchannel_logout_total counter\n", f);
	for (i = 0; i < METRICS_BCL__MAX; i++)
		fprintf(f, "kalitd_backchannel_logout_total{outcome=\"%s\"} "
		    "%llu\n", bcl_name[i], LOAD(bcl[i]));
	fprintf(f, "# HELP kalitd_oidc_sessions Browser sessions held.\n"
	    "# TYPE kalitd_oidc_sessions gauge\nkalitd_oidc_sessions %zu\n",
	    atomic_load_explicit(&sessions, memory_order_relaxed));
}

char *
metrics_render(size_t challenges_used)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	render_requests(f);
	render_logins(f);
	render_batches(f);
	render_oidc(f);
	fprintf(f, "# HELP kalitd_client_auth_failures_total Client "
	    "authentications that failed (unknown client or wrong secret).\n"
	    "# TYPE kalitd_client_auth_failures_total counter\n"
	    "kalitd_client_auth_failures_total %llu\n"
	    "# HELP kalitd_client_auth_throttled_total Client authentications "
	    "refused unchecked after too many failures (rate_limited).\n"
	    "# TYPE kalitd_client_auth_throttled_total counter\n"
	    "kalitd_client_auth_throttled_total %llu\n",
	    LOAD(client_auth[METRICS_AUTH_FAILED]),
	    LOAD(client_auth[METRICS_AUTH_THROTTLED]));
	fprintf(f, "# HELP kalitd_request_timeouts_total Connections closed "
	    "because their request did not arrive whole within "
	    "request_timeout.\n# TYPE kalitd_request_timeouts_total counter\n"
	    "kalitd_request_timeouts_total %llu\n", LOAD(request_timeouts));
	fprintf(f, "# HELP kalitd_challenges_used Used challenges remembered "
	    "until they expire.\n# TYPE kalitd_challenges_used gauge\n"
	    "kalitd_challenges_used %zu\n", challenges_used);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
