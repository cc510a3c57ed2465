/* route.c: matching a request to its endpoint, before any of its body */
#include "config.h"
#include "route.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 1 when url is r's path (or its alias), or begins with it for a prefix. */
static int
route_path_is(const struct route *r, const char *url)
{
	size_t n = strlen(r->path);

	if (r->path[n - 1] == '/')
		return strncmp(url, r->path, n) == 0;
	return strcmp(url, r->path) == 0 ||
	    (r->alias != NULL && strcmp(url, r->alias) == 0);
}

const struct route *
route_find(const struct route *t, size_t n, const char *method,
    const char *url, int *wrong_method)
{
	size_t i;

	*wrong_method = 0;
	for (i = 0; i < n; i++) {
		if (!route_path_is(&t[i], url))
			continue;
		if (strcmp(method, t[i].method) == 0 ||
		    (strcmp(method, "HEAD") == 0 &&
		    strcmp(t[i].method, "GET") == 0)) {
			*wrong_method = 0;
			return &t[i];
		}
		*wrong_method = 1;	/* unless a later row takes it */
	}
	return NULL;
}

const char *
route_rest(const struct route *r, const char *url)
{
	size_t n = strlen(r->path);

	return r->path[n - 1] == '/' ? url + n : NULL;
}

int
route_ctype_ok(const struct route *r, const char *ctype)
{
	size_t n;

	if (r->ctype == NULL)
		return 1;
	n = strlen(r->ctype);
	return ctype != NULL && strncasecmp(ctype, r->ctype, n) == 0 &&
	    (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

size_t
route_body_max(const struct route *r, const struct config *c)
{
	switch (r->cap) {
	case ROUTE_CAP_VERIFY:
		return c->verify_max_body;
	case ROUTE_CAP_OWN:
		return r->max_body;
	default:
		return c->max_body;
	}
}

int
route_length_ok(const struct route *r, const struct config *c,
    const char *length)
{
	return length == NULL || (strlen(length) <= 12 &&
	    strtoull(length, NULL, 10) <= route_body_max(r, c));
}
