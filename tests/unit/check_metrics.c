/* check_metrics.c: kalitd's counters, rendered as Prometheus text */
#include "config.h"

#include "testutil.h"
#include "log.h"
#include "metrics.h"

#define ABSENT	(-1.0)

/*
 * The value of the sample series ("name{labels}") in the text
 * metrics_render() makes now; ABSENT when it has no such line. The
 * counters live for the process: tests compare before and after.
 */
static double
value(const char *series)
{
	char *text = metrics_render(0);
	double v;

	ck_assert_ptr_nonnull(text);
	v = tu_sample(text, series);
	free(text);
	return v;
}

static const char *const endpoints[] = {
	"challenge", "login", "jwks", "introspect", "revoke", "healthz",
	"metrics", "ocsp", "crl", "timestamp", "verify", "ca",
	"openid-configuration", "authorize", "login-page", "oidc-challenge",
	"oidc-login", "token", "userinfo", "logout", "other"
};

/*
 * Every line is a HELP, a TYPE or a sample of a family whose HELP and
 * TYPE came before it; every endpoint has its 200 line, even at 0.
 */
START_TEST(test_metrics_render_is_prometheus_text)
{
	char *text, *line, *save = NULL, family[128] = "", series[128];
	size_t i, n;

	metrics_request(METRICS_LOGIN, 200);
	metrics_login(KALIT_OK, 0.01);
	metrics_audit_batch(3);
	ck_assert_ptr_nonnull(text = metrics_render(7));
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			n = strcspn(line + 7, " ");
			ck_assert_uint_lt(n, sizeof(family));
			memcpy(family, line + 7, n);
			family[n] = '\0';
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert_msg(strncmp(line + 7, family, strlen(family))
			    == 0, "TYPE without its HELP: %s", line);
			ck_assert(strstr(line, " counter") != NULL ||
			    strstr(line, " gauge") != NULL ||
			    strstr(line, " histogram") != NULL);
			continue;
		}
		ck_assert_msg(family[0] != '\0' && strncmp(line, family,
		    strlen(family)) == 0, "a sample outside its family: %s",
		    line);
		ck_assert_msg(strchr(line, ' ') != NULL && strspn(strrchr(line,
		    ' ') + 1, "0123456789.") > 0, "no value: %s", line);
	}
	free(text);
	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		snprintf(series, sizeof(series), "kalitd_requests_total"
		    "{endpoint=\"%s\",code=\"200\"}", endpoints[i]);
		ck_assert_msg(value(series) >= 0, "no %s", series);
	}
	ck_assert(value("kalitd_challenges_used") == 0);
}
END_TEST

START_TEST(test_metrics_challenges_used_gauge)
{
	char *text = metrics_render(12345);

	ck_assert_ptr_nonnull(strstr(text, "\nkalitd_challenges_used 12345\n"));
	free(text);
}
END_TEST

START_TEST(test_metrics_requests_by_endpoint_and_status)
{
	const char *login401 =
	    "kalitd_requests_total{endpoint=\"login\",code=\"401\"}";
	const char *ocsp418 =
	    "kalitd_requests_total{endpoint=\"ocsp\",code=\"other\"}";
	const char *jwks503 =
	    "kalitd_requests_total{endpoint=\"jwks\",code=\"503\"}";
	double before = value(login401), other = value(ocsp418);

	/* a status never counted has no line of its own */
	ck_assert(value(jwks503) == ABSENT);
	metrics_request(METRICS_LOGIN, 401);
	metrics_request(METRICS_LOGIN, 401);
	ck_assert(value(login401) == (before == ABSENT ? 0 : before) + 2);
	/* a status outside the list is "other" */
	metrics_request(METRICS_OCSP, 418);
	ck_assert(value(ocsp418) == (other == ABSENT ? 0 : other) + 1);
	ck_assert(value(jwks503) == ABSENT);
}
END_TEST

/* The outcome label is the code a client saw (apierr_code()). */
static const struct {
	int		 err;
	const char	*outcome;
} outcomes[] = {
	{ KALIT_OK, "ok" },
	{ KALIT_ERR_MALFORMED, "request_malformed" },
	{ KALIT_ERR_CLIENT_AUTH, "invalid_client" },
	{ KALIT_ERR_RATE_LIMITED, "rate_limited" },
	{ KALIT_ERR_BUSY, "server_busy" },
	{ KALIT_ERR_CERT_REVOKED, "certificate_revoked" },
	{ KALIT_ERR_DB, "server_error" },
	{ KALIT_ERR_IO, "server_error" },
	{ KALIT_ERR_NOMEM, "server_error" },
	{ KALIT_ERR__MIN - 1, "server_error" },	/* out of range: internal */
	{ 5, "server_error" },
};

START_TEST(test_metrics_login_outcome_as_clients_see_it)
{
	char series[128];
	double before;

	snprintf(series, sizeof(series), "kalitd_logins_total{outcome=\"%s\"}",
	    outcomes[_i].outcome);
	before = value(series);
	metrics_login(outcomes[_i].err, 0.001);
	ck_assert_msg(value(series) == (before == ABSENT ? 0 : before) + 1,
	    "%d: %s not counted", outcomes[_i].err, series);
}
END_TEST

/* Codes clients see as one are one line: no internal name shows. */
START_TEST(test_metrics_server_errors_are_one_line)
{
	char *text;

	metrics_login(KALIT_ERR_DB, 0.001);
	metrics_login(KALIT_ERR_AUDIT_BROKEN, 0.001);
	text = metrics_render(0);
	ck_assert_ptr_null(strstr(text, "database_error"));
	ck_assert_ptr_null(strstr(text, "audit_chain_broken"));
	ck_assert_ptr_null(strstr(text, "internal_error"));
	ck_assert_ptr_nonnull(strstr(text, "{outcome=\"server_error\"}"));
	free(text);
}
END_TEST

/*
 * add(v) adds one value to the histogram name of n buckets (bounds le,
 * the last +Inf): the buckets from first on count one more (they are
 * cumulative), those below do not, and so does the count.
 */
static void
histogram_adds(const char *name, const char *const *le, size_t n,
    void (*add)(double), double v, size_t first)
{
	char series[128], *before, *after;
	size_t i;

	ck_assert_ptr_nonnull(before = metrics_render(0));
	add(v);
	ck_assert_ptr_nonnull(after = metrics_render(0));
	for (i = 0; i <= n; i++) {
		if (i < n)
			snprintf(series, sizeof(series), "%s_bucket{le=\"%s\"}",
			    name, le[i]);
		else
			snprintf(series, sizeof(series), "%s_count", name);
		ck_assert_msg(tu_sample(before, series) >= 0, "no %s", series);
		ck_assert_msg(tu_sample(after, series) == tu_sample(before,
		    series) + (i >= first), "%s: %g after %g", series,
		    tu_sample(after, series), tu_sample(before, series));
	}
	snprintf(series, sizeof(series), "%s_sum", name);
	ck_assert_double_eq_tol(tu_sample(after, series),
	    tu_sample(before, series) + v, 1e-3);
	free(before);
	free(after);
}

static const char *const lat_le[] = {
	"0.0005", "0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1",
	"0.25", "0.5", "1", "2.5", "5", "10", "+Inf"
};
#define NLAT	(sizeof(lat_le) / sizeof(lat_le[0]))

static void
login_took(double seconds)
{
	metrics_login(KALIT_OK, seconds);
}

START_TEST(test_metrics_login_latency_buckets)
{
	histogram_adds("kalitd_login_duration_seconds", lat_le, NLAT,
	    login_took, 0.0004, 0);
	histogram_adds("kalitd_login_duration_seconds", lat_le, NLAT,
	    login_took, 0.003, 3);
	histogram_adds("kalitd_login_duration_seconds", lat_le, NLAT,
	    login_took, 20, NLAT - 1);
}
END_TEST

static const char *const batch_le[] = {
	"1", "2", "4", "8", "16", "32", "64", "128", "256", "+Inf"
};
#define NBATCH	(sizeof(batch_le) / sizeof(batch_le[0]))

static void
batch_of(double n)
{
	metrics_audit_batch((size_t)n);
}

START_TEST(test_metrics_audit_batch_buckets)
{
	histogram_adds("kalitd_audit_batch_size", batch_le, NBATCH, batch_of,
	    1, 0);
	histogram_adds("kalitd_audit_batch_size", batch_le, NBATCH, batch_of,
	    3, 2);
	histogram_adds("kalitd_audit_batch_size", batch_le, NBATCH, batch_of,
	    1000, NBATCH - 1);
}
END_TEST

START_TEST(test_metrics_client_auth_and_timeouts)
{
	double failed = value("kalitd_client_auth_failures_total");
	double throttled = value("kalitd_client_auth_throttled_total");
	double timeouts = value("kalitd_request_timeouts_total");

	metrics_client_auth(METRICS_AUTH_FAILED);
	metrics_client_auth(METRICS_AUTH_FAILED);
	metrics_client_auth(METRICS_AUTH_THROTTLED);
	metrics_request_timeout();
	ck_assert(value("kalitd_client_auth_failures_total") == failed + 2);
	ck_assert(value("kalitd_client_auth_throttled_total") ==
	    throttled + 1);
	ck_assert(value("kalitd_request_timeouts_total") == timeouts + 1);
}
END_TEST

/* The OpenID Provider's: logins by kind, deliveries, sessions. */
START_TEST(test_metrics_oidc)
{
	const char *sso_ok = "kalitd_oidc_logins_total{kind=\"sso\","
	    "outcome=\"ok\"}";
	const char *sig_err = "kalitd_oidc_logins_total{kind=\"signature\","
	    "outcome=\"server_error\"}";
	double ok0 = value(sso_ok), retried, delivered;
	char *text;

	metrics_oidc_login(KALIT_OK, 1);
	ck_assert(value(sso_ok) == ok0 + 1);
	/* server errors, one line per kind as for /v1/login */
	metrics_oidc_login(KALIT_ERR_DB, 0);
	metrics_oidc_login(KALIT_ERR_INTERNAL, 0);
	ck_assert(value(sig_err) == 2);
	text = metrics_render(0);
	ck_assert_ptr_null(strstr(text, "database_error"));
	free(text);
	retried = value("kalitd_backchannel_logout_total"
	    "{outcome=\"retried\"}");
	delivered = value("kalitd_backchannel_logout_total"
	    "{outcome=\"delivered\"}");
	metrics_backchannel(METRICS_BCL_RETRIED);
	metrics_backchannel(METRICS_BCL_DELIVERED);
	ck_assert(value("kalitd_backchannel_logout_total"
	    "{outcome=\"retried\"}") == retried + 1);
	ck_assert(value("kalitd_backchannel_logout_total"
	    "{outcome=\"delivered\"}") == delivered + 1);
	metrics_sessions(7);
	ck_assert(value("kalitd_oidc_sessions") == 7);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_metrics_render_is_prometheus_text);
	tcase_add_test(tc, test_metrics_challenges_used_gauge);
	tcase_add_test(tc, test_metrics_requests_by_endpoint_and_status);
	tcase_add_loop_test(tc, test_metrics_login_outcome_as_clients_see_it,
	    0, sizeof(outcomes) / sizeof(outcomes[0]));
	tcase_add_test(tc, test_metrics_server_errors_are_one_line);
	tcase_add_test(tc, test_metrics_login_latency_buckets);
	tcase_add_test(tc, test_metrics_audit_batch_buckets);
	tcase_add_test(tc, test_metrics_client_auth_and_timeouts);
	tcase_add_test(tc, test_metrics_oidc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_metrics", -1);
	return tu_run(metrics_suite());
}
