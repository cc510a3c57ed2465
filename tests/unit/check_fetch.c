/* check_fetch.c: libcurl requests against a one-shot server on 127.0.0.1 */
#include "config.h"

#include "testutil.h"
#include "fetch.h"
#include "log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <strings.h>

#define REQ_MAX		16384
#define WAIT_MS		10000	/* only bounds a broken test; never asserted */

/*
 * A server that accepts one connection, reads the request (head and a
 * Content-Length body) and answers resp, or with hang set never answers
 * and waits for the client to go away.
 */
struct srv {
	int		 fd;
	int		 port;
	int		 wake[2];	/* srv_stop() writes to wake[1] */
	pthread_t	 thread;
	const char	*resp;
	size_t		 resp_len;
	int		 hang;
	/* filled by the thread, read after srv_stop() joined it */
	int		 accepted;
	char		 req[REQ_MAX + 1];	/* NUL-terminated */
	size_t		 req_len;
	size_t		 head_len;		/* up to and with CRLF CRLF */
};

/* A listening socket on 127.0.0.1 and a free port; *portp gets the port. */
static int
listener(int *portp)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int fd;

	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	*portp = ntohs(sin.sin_port);
	return fd;
}

/* Length of the head in buf (CRLF CRLF included), or 0 while incomplete. */
static size_t
head_end(const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	return 0;
}

/* The Content-Length of a complete head, 0 when none. */
static size_t
content_length(const char *head, size_t len)
{
	const char *p = head, *end = head + len;

	while (p < end) {
		if ((size_t)(end - p) > 15 &&
		    strncasecmp(p, "Content-Length:", 15) == 0)
			return strtoul(p + 15, NULL, 10);
		if ((p = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p++;
	}
	return 0;
}

/* Waits until c has something to read (or is closed) or srv_stop(). */
static int
srv_wait(struct srv *s, int c)
{
	struct pollfd pfd[2];

	pfd[0].fd = c;
	pfd[0].events = POLLIN;
	pfd[1].fd = s->wake[0];
	pfd[1].events = POLLIN;
	while (poll(pfd, 2, -1) < 0)
		if (errno != EINTR)
			return 0;
	return pfd[1].revents == 0;
}

static void
srv_read(struct srv *s, int c)
{
	ssize_t k;

	while (s->req_len < REQ_MAX && srv_wait(s, c) &&
	    (k = read(c, s->req + s->req_len, REQ_MAX - s->req_len)) > 0) {
		s->req_len += (size_t)k;
		s->req[s->req_len] = '\0';
		if (s->head_len == 0)
			s->head_len = head_end(s->req, s->req_len);
		if (s->head_len != 0 && s->req_len >= s->head_len +
		    content_length(s->req, s->head_len))
			break;
	}
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	char buf[512];
	int c;

	if (!srv_wait(s, s->fd) || (c = accept(s->fd, NULL, NULL)) < 0)
		return NULL;
	s->accepted++;
	srv_read(s, c);
	if (s->hang) {
		/* until the client gives up and closes, or srv_stop() */
		while (srv_wait(s, c) && read(c, buf, sizeof(buf)) > 0)
			continue;
	} else
		(void)send(c, s->resp, s->resp_len, MSG_NOSIGNAL);
	close(c);
	return NULL;
}

/* Starts a server that answers resp (len bytes; borrowed) to one request. */
static void
srv_start(struct srv *s, const char *resp, size_t len, int hang)
{
	memset(s, 0, sizeof(*s));
	s->fd = listener(&s->port);
	ck_assert_int_eq(pipe(s->wake), 0);
	s->resp = resp;
	s->resp_len = len;
	s->hang = hang;
	ck_assert_int_eq(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

static void
srv_stop(struct srv *s)
{
	ck_assert_int_eq(write(s->wake[1], "x", 1), 1);
	ck_assert_int_eq(pthread_join(s->thread, NULL), 0);
	close(s->wake[0]);
	close(s->wake[1]);
	close(s->fd);
}

static void
url_for(char *buf, size_t len, const char *scheme, int port,
    const char *path)
{
	ck_assert_int_lt(snprintf(buf, len, "%s://127.0.0.1:%d%s", scheme,
	    port, path), (int)len);
}

static void
req_init(struct fetch_req *rq, const char *url)
{
	memset(rq, 0, sizeof(*rq));
	rq->url = url;
	rq->max = 65536;
	rq->timeout_ms = WAIT_MS;
}

/* What fetch() leaves when it fails. */
static void
assert_nothing(unsigned char *body, size_t len, char *ctype)
{
	ck_assert_ptr_null(body);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_null(ctype);
}

static void
setup(void)
{
	ck_assert_err(fetch_init(), KALIT_OK);
}

static void
teardown(void)
{
	fetch_cleanup();
}

START_TEST(test_fetch_get_returns_status_body_and_type)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 5\r\nConnection: close\r\n\r\nhello";
	struct fetch_req rq;
	unsigned char *body = NULL;
	char url[64], *ctype = NULL;
	size_t len = 0;
	long status = 0;
	struct srv s;

	srv_start(&s, resp, sizeof(resp) - 1, 0);
	url_for(url, sizeof(url), "http", s.port, "/hello");
	req_init(&rq, url);
	rq.accept = "text/plain";
	ck_assert_err(fetch(&rq, &status, &body, &len, &ctype), KALIT_OK);
	srv_stop(&s);
	ck_assert_int_eq(status, 200);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(body, "hello", 6);	/* NUL-terminated */
	ck_assert_str_eq(ctype, "text/plain; charset=utf-8");
	ck_assert_int_eq(s.accepted, 1);
	ck_assert_ptr_nonnull(strstr(s.req, "GET /hello HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(s.req, "\r\nAccept: text/plain\r\n"));
	ck_assert_ptr_nonnull(strstr(s.req, "\r\nUser-Agent: kalit/"));
	ck_assert_ptr_null(strcasestr(s.req, "\r\nContent-Type:"));
	ck_assert_uint_eq(s.req_len, s.head_len);
	free(body);
	free(ctype);
}
END_TEST

START_TEST(test_fetch_post_sends_body_and_type)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/ocsp-response\r\n"
	    "Content-Length: 3\r\nConnection: close\r\n\r\n\x30\x00\x01";
	/*
	 * DER-like, with a NUL and a CRLF CRLF inside; past 1024 bytes, where
	 * older libcurl sent "Expect: 100-continue" (newer: past 1 MB).
	 */
	static const unsigned char der[] = {
		0x30, 0x82, 0x07, 0xfc, 0x00, '\r', '\n', '\r', '\n', 0xff,
	};
	unsigned char sent[2048];
	struct fetch_req rq;
	unsigned char *body = NULL;
	char url[64], *ctype = NULL;
	size_t len = 0, i;
	long status = 0;
	struct srv s;

	for (i = 0; i < sizeof(sent); i++)
		sent[i] = (unsigned char)(i * 7);
	memcpy(sent, der, sizeof(der));
	srv_start(&s, resp, sizeof(resp) - 1, 0);
	url_for(url, sizeof(url), "http", s.port, "/ocsp");
	req_init(&rq, url);
	rq.content_type = "application/ocsp-request";
	rq.body = sent;
	rq.body_len = sizeof(sent);
	rq.accept = "application/ocsp-response";
	ck_assert_err(fetch(&rq, &status, &body, &len, &ctype), KALIT_OK);
	srv_stop(&s);
	ck_assert_int_eq(status, 200);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(body, "\x30\x00\x01", 4);
	ck_assert_str_eq(ctype, "application/ocsp-response");
	ck_assert_int_eq(s.accepted, 1);
	ck_assert_ptr_nonnull(strstr(s.req, "POST /ocsp HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(s.req,
	    "\r\nContent-Type: application/ocsp-request\r\n"));
	ck_assert_ptr_nonnull(strstr(s.req,
	    "\r\nAccept: application/ocsp-response\r\n"));
	ck_assert_ptr_nonnull(strstr(s.req, "\r\nContent-Length: 2048\r\n"));
	/* no 100-continue round trip */
	ck_assert_ptr_null(strcasestr(s.req, "\r\nExpect:"));
	ck_assert_uint_eq(s.req_len, s.head_len + sizeof(sent));
	ck_assert_mem_eq(s.req + s.head_len, sent, sizeof(sent));
	free(body);
	free(ctype);
}
END_TEST

/* A server's canned answer, and what fetch() makes of it. */
static const struct {
	const char	*resp;
	size_t		 max;		/* rq.max */
	int		 ctypep_null;	/* pass no ctypep: it may be NULL */
	int		 want;
	long		 status;	/* with KALIT_OK */
	const char	*body;
} canned[] = {
	/* an HTTP error is an answer, with its status */
	{ "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n"
	    "Connection: close\r\n\r\nnot found", 65536, 1,
	    KALIT_OK, 404, "not found" },
	/* an empty body is an empty string */
	{ "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n"
	    "\r\n", 65536, 0, KALIT_OK, 200, "" },
	/* a body of max bytes is taken, one more is refused */
	{ "HTTP/1.1 200 OK\r\nContent-Length: 16\r\nConnection: close\r\n"
	    "\r\n0123456789abcdef", 16, 0, KALIT_OK, 200, "0123456789abcdef" },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 17\r\nConnection: close\r\n"
	    "\r\n0123456789abcdefg", 16, 0, KALIT_ERR_TOO_LARGE, 0, NULL },
};

START_TEST(test_fetch_canned_answer)
{
	struct fetch_req rq;
	unsigned char *body = NULL;
	char url[64], *ctype = (char *)"unset";
	size_t len = 1;
	long status = 0;
	struct srv s;

	srv_start(&s, canned[_i].resp, strlen(canned[_i].resp), 0);
	url_for(url, sizeof(url), "http", s.port, "/");
	req_init(&rq, url);
	rq.max = canned[_i].max;
	ck_assert_err(fetch(&rq, &status, &body, &len,
	    canned[_i].ctypep_null ? NULL : &ctype), canned[_i].want);
	srv_stop(&s);
	ck_assert_int_eq(s.accepted, 1);
	if (canned[_i].want != KALIT_OK) {
		assert_nothing(body, len, ctype);
		return;
	}
	ck_assert_int_eq(status, canned[_i].status);
	ck_assert_uint_eq(len, strlen(canned[_i].body));
	ck_assert_ptr_nonnull(body);
	ck_assert_mem_eq(body, canned[_i].body, len + 1);	/* and a NUL */
	/* no Content-Type header: *ctypep is NULL */
	if (!canned[_i].ctypep_null)
		ck_assert_ptr_null(ctype);
	free(body);
}
END_TEST

START_TEST(test_fetch_body_over_max_too_large)
{
	const size_t big = 256 * 1024;
	struct fetch_req rq;
	unsigned char *body = NULL;
	char url[64], *ctype = NULL, *resp;
	size_t len = 0;
	long status = 0;
	struct srv s;
	int n;

	/* far over, in many pieces (one byte over: test_fetch_canned_answer) */
	ck_assert_ptr_nonnull(resp = malloc(big + 128));
	n = snprintf(resp, 128, "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/pkix-crl\r\nContent-Length: %zu\r\n\r\n", big);
	ck_assert_int_gt(n, 0);
	memset(resp + n, 'A', big);
	srv_start(&s, resp, (size_t)n + big, 0);
	url_for(url, sizeof(url), "http", s.port, "/big.crl");
	req_init(&rq, url);
	rq.max = 4096;
	ck_assert_err(fetch(&rq, &status, &body, &len, &ctype),
	    KALIT_ERR_TOO_LARGE);
	srv_stop(&s);
	assert_nothing(body, len, ctype);
	free(resp);
}
END_TEST

START_TEST(test_fetch_redirect_not_followed)
{
	char resp[256], url[64], elsewhere[64], *ctype = NULL;
	struct fetch_req rq;
	unsigned char *body = NULL;
	size_t len = 0;
	long status = 0;
	struct srv s;
	int fd, port, n;

	fd = listener(&port);
	url_for(elsewhere, sizeof(elsewhere), "http", port, "/next");
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 302 Found\r\n"
	    "Location: %s\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 5\r\nConnection: close\r\n\r\nmoved", elsewhere);
	ck_assert_int_lt(n, (int)sizeof(resp));
	srv_start(&s, resp, (size_t)n, 0);
	url_for(url, sizeof(url), "http", s.port, "/old");
	req_init(&rq, url);
	ck_assert_err(fetch(&rq, &status, &body, &len, &ctype), KALIT_OK);
	srv_stop(&s);
	ck_assert_int_eq(status, 302);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(body, "moved", 6);
	ck_assert_str_eq(ctype, "text/plain");
	ck_assert_int_eq(s.accepted, 1);
	/* the Location was never visited */
	ck_assert_int_eq(tu_pending_connections(fd), 0);
	close(fd);
	free(body);
	free(ctype);
}
END_TEST

START_TEST(test_fetch_other_scheme_usage)
{
	char url[64], *ctype = NULL;
	struct fetch_req rq;
	unsigned char *body = NULL;
	size_t len = 0, i;
	long status = 0;
	int fd, port;
	const char *schemes[] = { "ftp", "FTP", "gopher", "dict", "httpx" };

	/* a port that would show any connection attempt */
	fd = listener(&port);
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		url_for(url, sizeof(url), schemes[i], port, "/x");
		req_init(&rq, url);
		ck_assert_err(fetch(&rq, &status, &body, &len, &ctype),
		    KALIT_ERR_USAGE);
		assert_nothing(body, len, ctype);
	}
	/* no scheme: libcurl alone would guess http:// */
	ck_assert_int_lt(snprintf(url, sizeof(url), "127.0.0.1:%d/x", port),
	    (int)sizeof(url));
	req_init(&rq, url);
	ck_assert_err(fetch(&rq, &status, &body, &len, &ctype),
	    KALIT_ERR_USAGE);
	assert_nothing(body, len, ctype);
	req_init(&rq, "file:///etc/passwd");
	ck_assert_err(fetch(&rq, &status, &body, &len, &ctype),
	    KALIT_ERR_USAGE);
	assert_nothing(body, len, ctype);
	ck_assert_int_eq(tu_pending_connections(fd), 0);
	close(fd);
}
END_TEST

START_TEST(test_fetch_closed_port_network)
{
	char url[64], *ctype = NULL;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct fetch_req rq;
	unsigned char *body = NULL;
	size_t len = 0;
	long status = 0;
	int fd;

	/* a port that was free a moment ago and has no listener */
	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	close(fd);
	url_for(url, sizeof(url), "http", ntohs(sin.sin_port), "/");
	req_init(&rq, url);
	ck_assert_err(fetch(&rq, &status, &body, &len, &ctype),
	    KALIT_ERR_NETWORK);
	assert_nothing(body, len, ctype);
}
END_TEST

START_TEST(test_fetch_silent_server_network)
{
	char url[64], *ctype = NULL;
	struct fetch_req rq;
	unsigned char *body = NULL;
	size_t len = 0;
	long status = 0;
	struct srv s;

	srv_start(&s, NULL, 0, 1);
	url_for(url, sizeof(url), "http", s.port, "/slow");
	req_init(&rq, url);
	rq.timeout_ms = 300;
	ck_assert_err(fetch(&rq, &status, &body, &len, &ctype),
	    KALIT_ERR_NETWORK);
	srv_stop(&s);
	assert_nothing(body, len, ctype);
	ck_assert_int_eq(s.accepted, 1);
	ck_assert_ptr_nonnull(strstr(s.req, "GET /slow HTTP/1.1\r\n"));
}
END_TEST

static Suite *
fetch_suite(void)
{
	Suite *s = suite_create("fetch");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fetch_get_returns_status_body_and_type);
	tcase_add_test(tc, test_fetch_post_sends_body_and_type);
	tcase_add_loop_test(tc, test_fetch_canned_answer, 0,
	    (int)(sizeof(canned) / sizeof(canned[0])));
	tcase_add_test(tc, test_fetch_body_over_max_too_large);
	tcase_add_test(tc, test_fetch_redirect_not_followed);
	tcase_add_test(tc, test_fetch_other_scheme_usage);
	tcase_add_test(tc, test_fetch_closed_port_network);
	tcase_add_test(tc, test_fetch_silent_server_network);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_fetch", -1);
	return tu_run(fetch_suite());
}
