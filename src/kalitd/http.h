/* http.h: libmicrohttpd glue: the endpoints, answers, suspend/resume */
#ifndef KALITD_HTTP_H
#define KALITD_HTTP_H

#include <stddef.h>

#include "state.h"

struct http;
struct route;

/*
 * Listens on the configured address with a pool of cfg->threads epoll
 * threads. Caller stops it with http_stop().
 */
int	http_start(struct kalitd *d, struct http **hp);

/*
 * Stops accepting and waits up to ms for the requests in progress;
 * returns how many are still in progress.
 */
int	http_drain(struct http *h, long ms);
void	http_stop(struct http *h);

/*
 * kalitd's endpoints, *np of them, in the order route_find() matches
 * them; static.
 */
const struct route *http_routes(size_t *np);

#endif
