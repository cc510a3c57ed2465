/* fetch.h: HTTP requests with libcurl: OCSP, CRLs, and the kalit client */
#ifndef KALIT_FETCH_H
#define KALIT_FETCH_H

#include <stddef.h>

#define FETCH_TIMEOUT_MS	30000

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
};

/* Call once before threads start; pairs with fetch_cleanup(). */
int	fetch_init(void);
void	fetch_cleanup(void);

/*
 * Performs the request, following no redirects. On KALIT_OK *statusp is
 * the HTTP status, *bodyp (caller frees with free(); NUL-terminated, not
 * counted) and *lenp the response body, and *ctypep (may be NULL; caller
 * frees) its Content-Type. KALIT_ERR_NETWORK when the server cannot be
 * reached or times out, KALIT_ERR_TOO_LARGE when the answer passes max,
 * KALIT_ERR_USAGE for a URL of another scheme.
 */
int	fetch(const struct fetch_req *rq, long *statusp, unsigned char **bodyp,
	    size_t *lenp, char **ctypep);

#endif
