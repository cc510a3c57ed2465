/* check_route.c: kalitd's endpoints and the rules a request meets first */
#include "config.h"

#include "testutil.h"
#include "challenge.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "oidc.h"
#include "responder.h"
#include "route.h"
#include "tsa.h"

#define FORM	"application/x-www-form-urlencoded"

/* Every endpoint, as docs/api.md lists them, in the order they match. */
static const struct {
	const char		*path;
	const char		*alias;
	const char		*method;
	const char		*ctype;
	enum route_cap		 cap;
	size_t			 max_body;
	enum metrics_endpoint	 metric;
	int			 draining;
	int			 no_basic;
} want_routes[] = {
	{ "/v1/challenge", NULL, "POST", NULL, ROUTE_CAP_OWN,
	    CHALLENGE_REQUEST_MAX, METRICS_CHALLENGE, 0, 0 },
	{ "/v1/login", NULL, "POST", "application/json", ROUTE_CAP_SERVER, 0,
	    METRICS_LOGIN, 0, 1 },
	{ "/v1/jwks", "/.well-known/jwks.json", "GET", NULL, ROUTE_CAP_SERVER,
	    0, METRICS_JWKS, 0, 0 },
	{ "/v1/introspect", NULL, "POST", FORM, ROUTE_CAP_SERVER, 0,
	    METRICS_INTROSPECT, 0, 0 },
	{ "/v1/gate", NULL, "POST", FORM, ROUTE_CAP_SERVER, 0,
	    METRICS_INTROSPECT, 0, 0 },
	{ "/v1/revoke", NULL, "POST", FORM, ROUTE_CAP_SERVER, 0,
	    METRICS_REVOKE, 0, 0 },
	{ "/healthz", NULL, "GET", NULL, ROUTE_CAP_SERVER, 0, METRICS_HEALTHZ,
	    1, 0 },
	{ "/metrics", NULL, "GET", NULL, ROUTE_CAP_SERVER, 0, METRICS_METRICS,
	    1, 0 },
	{ "/ocsp", NULL, "POST", "application/ocsp-request", ROUTE_CAP_OWN,
	    OCSP_REQUEST_MAX, METRICS_OCSP, 0, 0 },
	{ "/ocsp/", NULL, "GET", NULL, ROUTE_CAP_SERVER, 0, METRICS_OCSP, 0,
	    0 },
	{ "/crl/", NULL, "GET", NULL, ROUTE_CAP_SERVER, 0, METRICS_CRL, 0, 0 },
	{ "/v1/timestamp", NULL, "POST", "application/timestamp-query",
	    ROUTE_CAP_OWN, TSA_REQUEST_MAX, METRICS_TIMESTAMP, 0, 0 },
	{ "/v1/verify", NULL, "POST", "application/json", ROUTE_CAP_VERIFY, 0,
	    METRICS_VERIFY, 0, 0 },
	{ "/ca/", NULL, "GET", NULL, ROUTE_CAP_SERVER, 0, METRICS_CA, 0, 0 },
	{ "/.well-known/openid-configuration", NULL, "GET", NULL,
	    ROUTE_CAP_SERVER, 0, METRICS_DISCOVERY, 0, 0 },
	{ "/oidc/authorize", NULL, "GET", NULL, ROUTE_CAP_SERVER, 0,
	    METRICS_AUTHORIZE, 0, 0 },
	{ "/oidc/authorize", NULL, "POST", FORM, ROUTE_CAP_SERVER, 0,
	    METRICS_AUTHORIZE, 0, 0 },
	{ "/login/", NULL, "GET", NULL, ROUTE_CAP_SERVER, 0, METRICS_PAGE, 0,
	    0 },
	{ "/oidc/challenge", NULL, "POST", "application/json", ROUTE_CAP_OWN,
	    OIDC_CHALLENGE_BODY_MAX, METRICS_OIDC_CHALLENGE, 0, 0 },
	{ "/oidc/login", NULL, "POST", "application/json", ROUTE_CAP_OWN,
	    OIDC_LOGIN_MAX, METRICS_OIDC_LOGIN, 0, 1 },
	{ "/oidc/token", NULL, "POST", FORM, ROUTE_CAP_SERVER, 0,
	    METRICS_TOKEN, 0, 0 },
	{ "/oidc/userinfo", NULL, "GET", NULL, ROUTE_CAP_SERVER, 0,
	    METRICS_USERINFO, 0, 1 },
	{ "/oidc/userinfo", NULL, "POST", FORM, ROUTE_CAP_SERVER, 0,
	    METRICS_USERINFO, 0, 1 },
	{ "/oidc/logout", NULL, "GET", NULL, ROUTE_CAP_SERVER, 0,
	    METRICS_LOGOUT, 0, 0 },
	{ "/oidc/logout", NULL, "POST", FORM, ROUTE_CAP_SERVER, 0,
	    METRICS_LOGOUT, 0, 0 },
};
#define NWANT	(sizeof(want_routes) / sizeof(want_routes[0]))

static const struct route *table;
static size_t ntable;

static void
setup(void)
{
	table = http_routes(&ntable);
}

static int
str_eq(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* The route of method and url; *wrongp says 405 when it is NULL. */
static const struct route *
find(const char *method, const char *url, int *wrongp)
{
	return route_find(table, ntable, method, url, wrongp);
}

START_TEST(test_route_table_is_every_endpoint)
{
	size_t i;

	ck_assert_uint_eq(ntable, NWANT);
	for (i = 0; i < NWANT; i++) {
		ck_assert_str_eq(table[i].path, want_routes[i].path);
		ck_assert_msg(str_eq(table[i].alias, want_routes[i].alias),
		    "%s: alias", table[i].path);
		ck_assert_str_eq(table[i].method, want_routes[i].method);
		ck_assert_msg(str_eq(table[i].ctype, want_routes[i].ctype),
		    "%s: content type", table[i].path);
		ck_assert_int_eq(table[i].cap, want_routes[i].cap);
		if (table[i].cap == ROUTE_CAP_OWN)
			ck_assert_uint_eq(table[i].max_body,
			    want_routes[i].max_body);
		ck_assert_int_eq(table[i].metric, want_routes[i].metric);
		ck_assert_int_eq(table[i].draining, want_routes[i].draining);
		ck_assert_int_eq(table[i].no_basic, want_routes[i].no_basic);
		ck_assert_msg(table[i].handler != NULL, "%s: no handler",
		    table[i].path);
	}
}
END_TEST

/* The GET row of path, or NULL. */
static const struct route *
get_row(const char *path)
{
	size_t i;

	for (i = 0; i < ntable; i++)
		if (strcmp(table[i].path, path) == 0 &&
		    strcmp(table[i].method, "GET") == 0)
			return &table[i];
	return NULL;
}

/*
 * Each route by its own method and path (or alias); HEAD takes a path's
 * GET row.
 */
START_TEST(test_route_find_each_route)
{
	const struct route *r;
	size_t i;
	int wrong;

	for (i = 0; i < ntable; i++) {
		r = find(table[i].method, table[i].path, &wrong);
		ck_assert_ptr_eq(r, &table[i]);
		ck_assert_int_eq(wrong, 0);
		if (table[i].alias != NULL)
			ck_assert_ptr_eq(find(table[i].method, table[i].alias,
			    &wrong), &table[i]);
		r = find("HEAD", table[i].path, &wrong);
		if (get_row(table[i].path) != NULL)
			ck_assert_ptr_eq(r, get_row(table[i].path));
		else
			ck_assert_msg(r == NULL && wrong, "HEAD %s: want 405",
			    table[i].path);
	}
}
END_TEST

static const struct {
	const char	*method;
	const char	*url;
	const char	*path;		/* the route taken; NULL: none */
	int		 wrong;		/* 405, else 404 when path is NULL */
	const char	*rest;		/* of a prefix route */
} finds[] = {
	/* the wrong method for a path is 405 */
	{ "GET", "/v1/login", NULL, 1, NULL },
	{ "PUT", "/v1/login", NULL, 1, NULL },
	{ "POST", "/v1/jwks", NULL, 1, NULL },
	{ "DELETE", "/healthz", NULL, 1, NULL },
	{ "OPTIONS", "/metrics", NULL, 1, NULL },
	{ "get", "/healthz", NULL, 1, NULL },
	/* no such path is 404: paths match whole and case matters */
	{ "POST", "/v1/loginx", NULL, 0, NULL },
	{ "POST", "/v1/login/", NULL, 0, NULL },
	{ "POST", "/v1/LOGIN", NULL, 0, NULL },
	{ "POST", "/v1", NULL, 0, NULL },
	{ "GET", "/", NULL, 0, NULL },
	{ "GET", "", NULL, 0, NULL },
	{ "GET", "/healthz/", NULL, 0, NULL },
	{ "GET", "/metrics.json", NULL, 0, NULL },
	{ "GET", "//healthz", NULL, 0, NULL },
	/* prefixes: what follows is the route's */
	{ "GET", "/ocsp/MEQwQjBAMD4wPDAJBgUrDgMCGgUA", "/ocsp/", 0,
	    "MEQwQjBAMD4wPDAJBgUrDgMCGgUA" },
	{ "HEAD", "/ocsp/abc", "/ocsp/", 0, "abc" },
	{ "GET", "/crl/citizen-ca.crl", "/crl/", 0, "citizen-ca.crl" },
	{ "GET", "/crl/", "/crl/", 0, "" },
	{ "GET", "/ca/root.crt", "/ca/", 0, "root.crt" },
	{ "GET", "/ca/../etc/passwd", "/ca/", 0, "../etc/passwd" },
	{ "GET", "/crl", NULL, 0, NULL },
	{ "GET", "/ca", NULL, 0, NULL },
	/* /ocsp (POST) comes before /ocsp/ (GET): each path its method */
	{ "POST", "/ocsp", "/ocsp", 0, NULL },
	{ "GET", "/ocsp", NULL, 1, NULL },
	{ "POST", "/ocsp/abc", NULL, 1, NULL },
	/* the alias of the JWKS */
	{ "GET", "/.well-known/jwks.json", "/v1/jwks", 0, NULL },
	{ "HEAD", "/.well-known/jwks.json", "/v1/jwks", 0, NULL },
	{ "POST", "/.well-known/jwks.json", NULL, 1, NULL },
	{ "GET", "/.well-known/jwks.json/", NULL, 0, NULL },
	{ "GET", "/.well-known/", NULL, 0, NULL },
	{ "GET", "/.well-known/openid-configuration",
	    "/.well-known/openid-configuration", 0, NULL },
	/* one endpoint of two methods: a row each, in turn */
	{ "GET", "/oidc/authorize", "/oidc/authorize", 0, NULL },
	{ "POST", "/oidc/authorize", "/oidc/authorize", 0, NULL },
	{ "PUT", "/oidc/authorize", NULL, 1, NULL },
	{ "GET", "/oidc/token", NULL, 1, NULL },
	{ "GET", "/login/", "/login/", 0, "" },
	{ "GET", "/login/js/login.js", "/login/", 0, "js/login.js" },
	{ "GET", "/login", NULL, 0, NULL },
};

START_TEST(test_route_find_rules)
{
	const struct route *r;
	int wrong;

	r = find(finds[_i].method, finds[_i].url, &wrong);
	if (finds[_i].path == NULL) {
		ck_assert_msg(r == NULL, "%s %s: found %s", finds[_i].method,
		    finds[_i].url, r != NULL ? r->path : "");
		ck_assert_msg(wrong == finds[_i].wrong, "%s %s: got %d, want "
		    "%d", finds[_i].method, finds[_i].url,
		    wrong ? 405 : 404, finds[_i].wrong ? 405 : 404);
		return;
	}
	ck_assert_msg(r != NULL, "%s %s: no route (%d)", finds[_i].method,
	    finds[_i].url, wrong ? 405 : 404);
	ck_assert_str_eq(r->path, finds[_i].path);
	ck_assert_msg(str_eq(route_rest(r, finds[_i].url), finds[_i].rest),
	    "%s: rest", finds[_i].url);
}
END_TEST

static const struct {
	const char	*route;
	const char	*ctype;		/* the header; NULL: none */
	int		 ok;
} ctypes[] = {
	{ "/v1/login", "application/json", 1 },
	{ "/v1/login", "application/json; charset=utf-8", 1 },
	{ "/v1/login", "application/json;charset=UTF-8", 1 },
	{ "/v1/login", "Application/JSON", 1 },
	{ "/v1/login", "application/json ", 1 },
	{ "/v1/login", NULL, 0 },
	{ "/v1/login", "", 0 },
	{ "/v1/login", "text/plain", 0 },
	{ "/v1/login", "application/jsonp", 0 },
	{ "/v1/login", "application/json-patch+json", 0 },
	{ "/v1/login", "application/jso", 0 },
	{ "/v1/login", " application/json", 0 },
	{ "/v1/login", FORM, 0 },
	{ "/v1/introspect", FORM, 1 },
	{ "/v1/introspect", FORM "; charset=utf-8", 1 },
	{ "/v1/introspect", "multipart/form-data; boundary=x", 0 },
	{ "/v1/introspect", "application/json", 0 },
	{ "/v1/revoke", FORM, 1 },
	{ "/v1/revoke", NULL, 0 },
	{ "/ocsp", "application/ocsp-request", 1 },
	{ "/ocsp", "application/octet-stream", 0 },
	{ "/v1/timestamp", "application/timestamp-query", 1 },
	{ "/v1/timestamp", "application/timestamp-reply", 0 },
	{ "/v1/verify", "application/json", 1 },
	{ "/v1/verify", "application/pkcs7-signature", 0 },
	/* a challenge's body may come with any type, or none */
	{ "/v1/challenge", NULL, 1 },
	{ "/v1/challenge", "text/plain", 1 },
	{ "/v1/challenge", "application/json", 1 },
};

/* The route of path by its own method. */
static const struct route *
route_of(const char *path)
{
	size_t i;

	for (i = 0; i < ntable; i++)
		if (strcmp(table[i].path, path) == 0)
			return &table[i];
	ck_abort_msg("no route %s", path);
	return NULL;
}

START_TEST(test_route_content_type)
{
	ck_assert_msg(route_ctype_ok(route_of(ctypes[_i].route),
	    ctypes[_i].ctype) == ctypes[_i].ok, "%s with %s: want %s",
	    ctypes[_i].route, ctypes[_i].ctype != NULL ? ctypes[_i].ctype :
	    "none", ctypes[_i].ok ? "accepted" : "415");
}
END_TEST

/* Every route that takes a body of one type has it; GET takes none. */
START_TEST(test_route_typed_bodies)
{
	size_t i;

	for (i = 0; i < ntable; i++) {
		if (strcmp(table[i].method, "GET") == 0)
			ck_assert_ptr_null(table[i].ctype);
		if (table[i].ctype != NULL) {
			ck_assert(route_ctype_ok(&table[i], table[i].ctype));
			ck_assert(!route_ctype_ok(&table[i], NULL));
		}
	}
}
END_TEST

START_TEST(test_route_body_max)
{
	struct config c;

	memset(&c, 0, sizeof(c));
	c.max_body = 1000;
	c.verify_max_body = 5000;
	ck_assert_uint_eq(route_body_max(route_of("/v1/login"), &c), 1000);
	ck_assert_uint_eq(route_body_max(route_of("/v1/introspect"), &c),
	    1000);
	ck_assert_uint_eq(route_body_max(route_of("/v1/revoke"), &c), 1000);
	ck_assert_uint_eq(route_body_max(route_of("/healthz"), &c), 1000);
	ck_assert_uint_eq(route_body_max(route_of("/v1/verify"), &c), 5000);
	ck_assert_uint_eq(route_body_max(route_of("/v1/challenge"), &c),
	    CHALLENGE_REQUEST_MAX);
	ck_assert_uint_eq(route_body_max(route_of("/ocsp"), &c),
	    OCSP_REQUEST_MAX);
	ck_assert_uint_eq(route_body_max(route_of("/v1/timestamp"), &c),
	    TSA_REQUEST_MAX);
}
END_TEST

START_TEST(test_route_content_length)
{
	const struct route *login = route_of("/v1/login");
	const struct route *ocsp = route_of("/ocsp");
	struct config c;
	char n[32];

	memset(&c, 0, sizeof(c));
	c.max_body = 65536;
	ck_assert(route_length_ok(login, &c, NULL));	/* chunked */
	ck_assert(route_length_ok(login, &c, "0"));
	ck_assert(route_length_ok(login, &c, "65536"));
	ck_assert(!route_length_ok(login, &c, "65537"));
	ck_assert(!route_length_ok(login, &c, "999999999999"));
	/* more than 12 digits is too large, whatever they say */
	ck_assert(!route_length_ok(login, &c, "0000000000001"));
	ck_assert(!route_length_ok(login, &c, "18446744073709551617"));
	snprintf(n, sizeof(n), "%d", OCSP_REQUEST_MAX);
	ck_assert(route_length_ok(ocsp, &c, n));
	snprintf(n, sizeof(n), "%d", OCSP_REQUEST_MAX + 1);
	ck_assert(!route_length_ok(ocsp, &c, n));
}
END_TEST

static Suite *
route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_route_table_is_every_endpoint);
	tcase_add_test(tc, test_route_find_each_route);
	tcase_add_loop_test(tc, test_route_find_rules, 0,
	    sizeof(finds) / sizeof(finds[0]));
	tcase_add_loop_test(tc, test_route_content_type, 0,
	    sizeof(ctypes) / sizeof(ctypes[0]));
	tcase_add_test(tc, test_route_typed_bodies);
	tcase_add_test(tc, test_route_body_max);
	tcase_add_test(tc, test_route_content_length);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_route", -1);
	return tu_run(route_suite());
}
