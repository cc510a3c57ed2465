/*
 * route.h: kalitd's endpoints as data, and the rules a request meets
 * before its endpoint sees it: path, method, body type and size
 */
#ifndef KALITD_ROUTE_H
#define KALITD_ROUTE_H

#include <stddef.h>

#include <microhttpd.h>

#include "conf.h"
#include "metrics.h"

struct req;

/* Where the cap on a route's body comes from. */
enum route_cap {
	ROUTE_CAP_SERVER = 0,	/* [server] max_body */
	ROUTE_CAP_VERIFY,	/* [verify] max_body */
	ROUTE_CAP_OWN		/* the route's own max_body */
};

/* One endpoint; http_routes() lists them all. */
struct route {
	const char		*path;		/* ending in '/': a prefix */
	const char		*alias;		/* another path of it, or NULL */
	const char		*method;	/* "GET" (HEAD too) or "POST" */
	const char		*ctype;		/* required body type, or NULL */
	enum route_cap		 cap;
	size_t			 max_body;	/* with ROUTE_CAP_OWN */
	enum metrics_endpoint	 metric;
	int			 draining;	/* answers while kalitd drains */
	int			 no_basic;	/* a 401 asks for no HTTP Basic */
	/* answers the request, whose body is in */
	enum MHD_Result		(*handler)(struct req *);
};

/*
 * The route a request for url with method takes among the n routes of t:
 * the first whose path or alias is url, or is a prefix of it, and that
 * takes method (an endpoint of two methods has a row for each). NULL when
 * such routes take other methods only (*wrong_method 1: 405) or when there
 * is none (*wrong_method 0: 404). A route of GET takes HEAD too. Borrowed
 * from t.
 */
const struct route *route_find(const struct route *t, size_t n,
	    const char *method, const char *url, int *wrong_method);

/* What follows the path of r, a prefix, in url; NULL if r is no prefix. */
const char *route_rest(const struct route *r, const char *url);

/*
 * 1 when a body of type ctype (the Content-Type header, NULL when there
 * is none) may come to r: r requires no type, or ctype is it in any case,
 * alone or with parameters ("application/json; charset=utf-8").
 */
int	route_ctype_ok(const struct route *r, const char *ctype);

/* The most bytes of body r takes with the settings c. */
size_t	route_body_max(const struct route *r, const struct config *c);

/*
 * 1 when a body of Content-Length length (the header's text; NULL when
 * there is none) may come to r: at most route_body_max() bytes. A length
 * of more than 12 digits is too large whatever the cap.
 */
int	route_length_ok(const struct route *r, const struct config *c,
	    const char *length);

#endif
