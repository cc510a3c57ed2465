/* check_fetch.c: libcurl requests against a one-shot server on 127.0.0.1 */
#include "config.h"

#include "testpki.h"
#include "testutil.h"
#include "fetch.h"
#include "keyfile.h"
#include "log.h"
#include "x509.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <strings.h>
#include <sys/time.h>

#include <openssl/ssl.h>

#define REQ_MAX		16384
#define WAIT_MS		10000	/* only bounds a broken test; never asserted */

/*
 * A server that accepts one connection, reads the request (head and a
 * Content-Length body) and answers resp, or with hang set never answers
 * and waits for the client to go away. With tls, over TLS, asking the
 * client for a certificate and taking any.
 */
struct srv {
	int		 fd;
	int		 port;
	int		 wake[2];	/* srv_stop() writes to wake[1] */
	pthread_t	 thread;
	const char	*resp;
	size_t		 resp_len;
	int		 hang;
	SSL_CTX		*tls;		/* borrowed; NULL: plain HTTP */
	/* filled by the thread, read after srv_stop() joined it */
	int		 accepted;
	char		 req[REQ_MAX + 1];	/* NUL-terminated */
	size_t		 req_len;
	size_t		 head_len;		/* up to and with CRLF CRLF */
	int		 handshakes;		/* TLS handshakes completed */
	X509		*peer;		/* the client's certificate, or NULL */
	STACK_OF(X509)	*peer_chain;	/* what it sent after it */
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

/* Reads up to n bytes from c, or through ssl when not NULL; <= 0: done. */
static ssize_t
srv_recv(struct srv *s, int c, SSL *ssl, char *buf, size_t n)
{
	if ((ssl == NULL || SSL_pending(ssl) == 0) && !srv_wait(s, c))
		return -1;
	return ssl != NULL ? SSL_read(ssl, buf, (int)n) : read(c, buf, n);
}

static void
srv_read(struct srv *s, int c, SSL *ssl)
{
	ssize_t k;

	while (s->req_len < REQ_MAX && (k = srv_recv(s, c, ssl,
	    s->req + s->req_len, REQ_MAX - s->req_len)) > 0) {
		s->req_len += (size_t)k;
		s->req[s->req_len] = '\0';
		if (s->head_len == 0)
			s->head_len = head_end(s->req, s->req_len);
		if (s->head_len != 0 && s->req_len >= s->head_len +
		    content_length(s->req, s->head_len))
			break;
	}
}

/*
 * The TLS handshake on c, blocking for at most WAIT_MS: the connection,
 * with what the client showed in s; NULL if it failed.
 */
static SSL *
srv_handshake(struct srv *s, int c)
{
	struct timeval tv = { WAIT_MS / 1000, 0 };
	SSL *ssl;

	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if ((ssl = SSL_new(s->tls)) == NULL || SSL_set_fd(ssl, c) != 1 ||
	    SSL_accept(ssl) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	s->handshakes++;
	s->peer = SSL_get1_peer_certificate(ssl);
	/* the server's side: the chain without the peer's certificate */
	s->peer_chain = X509_chain_up_ref(SSL_get_peer_cert_chain(ssl));
	return ssl;
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	char buf[512];
	SSL *ssl = NULL;
	int c;

	if (!srv_wait(s, s->fd) || (c = accept(s->fd, NULL, NULL)) < 0)
		return NULL;
	s->accepted++;
	if (s->tls != NULL && (ssl = srv_handshake(s, c)) == NULL)
		goto out;
	srv_read(s, c, ssl);
	if (s->hang) {
		/* until the client gives up and closes, or srv_stop() */
		while (srv_recv(s, c, ssl, buf, sizeof(buf)) > 0)
			continue;
	} else if (ssl != NULL) {
		(void)SSL_write(ssl, s->resp, (int)s->resp_len);
		(void)SSL_shutdown(ssl);
	} else
		(void)send(c, s->resp, s->resp_len, MSG_NOSIGNAL);
 out:
	SSL_free(ssl);
	close(c);
	return NULL;
}

/*
 * Starts a server that answers resp (len bytes; borrowed) to one request,
 * over TLS with tls (borrowed) unless it is NULL.
 */
static void
srv_start_tls(struct srv *s, const char *resp, size_t len, int hang,
    SSL_CTX *tls)
{
	memset(s, 0, sizeof(*s));
	s->fd = listener(&s->port);
	ck_assert_int_eq(pipe(s->wake), 0);
	s->resp = resp;
	s->resp_len = len;
	s->hang = hang;
	s->tls = tls;
	ck_assert_int_eq(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

static void
srv_start(struct srv *s, const char *resp, size_t len, int hang)
{
	srv_start_tls(s, resp, len, hang, NULL);
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

/* After srv_stop(): frees what the server kept of the client's certificates. */
static void
srv_free_peer(struct srv *s)
{
	X509_free(s->peer);
	sk_X509_pop_free(s->peer_chain, X509_free);
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
	struct fetch_cert fc = { NULL, NULL, NULL };
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
	/* a client certificate that http:// would not show: refused */
	tu_make_ca(KEY_TYPE_P256, "Client", &fc.cert, &fc.key);
	url_for(url, sizeof(url), "http", port, "/x");
	req_init(&rq, url);
	rq.cert = &fc;
	ck_assert_err(fetch(&rq, &status, &body, &len, &ctype),
	    KALIT_ERR_USAGE);
	assert_nothing(body, len, ctype);
	X509_free(fc.cert);
	EVP_PKEY_free(fc.key);
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

/*
 * A TLS server's side for srv_start_tls(): a certificate of pki's CA for
 * 127.0.0.1, and a request for the client's certificate, any taken; the
 * client trusts cafile, pki's root and CA.
 */
struct tls_fixture {
	struct pki	 pki;
	X509		*cert;
	EVP_PKEY	*key;
	SSL_CTX		*ctx;
	char		 cafile[PATH_MAX];
};

static int
verify_any(int ok, X509_STORE_CTX *store)
{
	(void)ok;
	(void)store;
	return 1;
}

static void
tls_init(struct tls_fixture *t)
{
	static char ip[] = "127.0.0.1";
	char *ips[] = { ip };
	struct profile *prof = tu_profile("server");
	X509_NAME *name = tu_name(ip);
	struct x509_spec spec;

	memset(t, 0, sizeof(*t));
	pki_init(&t->pki, NULL, NULL);
	t->key = tu_key(KEY_TYPE_P256);
	memset(&spec, 0, sizeof(spec));
	spec.profile = prof;
	spec.subject = name;
	spec.ip = ips;
	spec.n_ip = 1;
	spec.pubkey = t->key;
	spec.issuer = t->pki.ca;
	spec.issuer_key = t->pki.ca_key;
	spec.not_before = t->pki.now - 300;
	ck_assert_err(x509_issue(&spec, &t->cert), KALIT_OK);
	X509_NAME_free(name);
	profile_free(prof);
	tu_write_certs(t->pki.work, "cafile.pem", t->pki.root, t->pki.ca);
	tu_path(t->cafile, sizeof(t->cafile), t->pki.work, "cafile.pem");
	ck_assert_ptr_nonnull(t->ctx = SSL_CTX_new(TLS_server_method()));
	ck_assert_int_eq(SSL_CTX_use_certificate(t->ctx, t->cert), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(t->ctx, t->key), 1);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, verify_any);
}

static void
tls_free(struct tls_fixture *t)
{
	SSL_CTX_free(t->ctx);
	X509_free(t->cert);
	EVP_PKEY_free(t->key);
	pki_free(&t->pki);
}

static const char ok_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
    "Connection: close\r\n\r\nok";

/* GET https://127.0.0.1:port/mtls trusting t, showing fc (may be NULL). */
static int
tls_get(const struct tls_fixture *t, int port, const struct fetch_cert *fc,
    long *statusp)
{
	struct fetch_req rq;
	unsigned char *body = NULL;
	char url[64];
	size_t len = 0;
	int r;

	url_for(url, sizeof(url), "https", port, "/mtls");
	req_init(&rq, url);
	rq.cafile = t->cafile;
	rq.cert = fc;
	if ((r = fetch(&rq, statusp, &body, &len, NULL)) == KALIT_OK)
		ck_assert_str_eq((char *)body, "ok");
	free(body);
	return r;
}

START_TEST(test_fetch_cert_shown_with_its_chain)
{
	struct tls_fixture t;
	struct fetch_cert fc;
	STACK_OF(X509) *key_file, *path = NULL;
	long status = 0;
	struct srv s;

	tls_init(&t);
	/* as kalit sends a key file's: the CA, not the root */
	ck_assert_ptr_nonnull(key_file = sk_X509_new_null());
	ck_assert_int_gt(sk_X509_push(key_file, t.pki.root), 0);
	ck_assert_int_gt(sk_X509_push(key_file, t.pki.ca), 0);
	ck_assert_err(keyfile_path(t.pki.leaf, key_file, 8, &path), KALIT_OK);
	fc.key = t.pki.leaf_key;
	fc.cert = t.pki.leaf;
	fc.chain = path;
	srv_start_tls(&s, ok_resp, sizeof(ok_resp) - 1, 0, t.ctx);
	ck_assert_err(tls_get(&t, s.port, &fc, &status), KALIT_OK);
	srv_stop(&s);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(s.handshakes, 1);
	ck_assert_ptr_nonnull(strstr(s.req, "GET /mtls HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(s.peer);
	ck_assert_int_eq(X509_cmp(s.peer, t.pki.leaf), 0);
	ck_assert_int_eq(sk_X509_num(s.peer_chain), 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(s.peer_chain, 0), t.pki.ca),
	    0);
	srv_free_peer(&s);
	/* with no chain, the certificate alone */
	fc.chain = NULL;
	srv_start_tls(&s, ok_resp, sizeof(ok_resp) - 1, 0, t.ctx);
	ck_assert_err(tls_get(&t, s.port, &fc, &status), KALIT_OK);
	srv_stop(&s);
	ck_assert_int_eq(X509_cmp(s.peer, t.pki.leaf), 0);
	ck_assert_int_eq(sk_X509_num(s.peer_chain), 0);
	srv_free_peer(&s);
	sk_X509_free(path);
	sk_X509_free(key_file);
	tls_free(&t);
}
END_TEST

START_TEST(test_fetch_no_cert_shows_none)
{
	struct tls_fixture t;
	long status = 0;
	struct srv s;

	tls_init(&t);
	srv_start_tls(&s, ok_resp, sizeof(ok_resp) - 1, 0, t.ctx);
	ck_assert_err(tls_get(&t, s.port, NULL, &status), KALIT_OK);
	srv_stop(&s);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(s.handshakes, 1);
	ck_assert_ptr_null(s.peer);
	srv_free_peer(&s);
	tls_free(&t);
}
END_TEST

START_TEST(test_fetch_cert_with_another_key_network)
{
	struct tls_fixture t;
	struct fetch_cert fc = { NULL, NULL, NULL };
	long status = 0;
	struct srv s;

	tls_init(&t);
	/* OpenSSL refuses the pair: no handshake without the certificate */
	fc.key = t.pki.ca_key;
	fc.cert = t.pki.leaf;
	srv_start_tls(&s, ok_resp, sizeof(ok_resp) - 1, 0, t.ctx);
	ck_assert_err(tls_get(&t, s.port, &fc, &status), KALIT_ERR_NETWORK);
	srv_stop(&s);
	ck_assert_int_eq(s.handshakes, 0);
	srv_free_peer(&s);
	tls_free(&t);
}
END_TEST

/* libcurl's ssl_version, M the major version of the running OpenSSL. */
static const struct {
	const char	*version;
	int		 openssl;
} ssl_versions[] = {
	{ "OpenSSL/M.0.19", 1 },
	{ "OpenSSL/M.0.13+quic", 1 },
	{ "(GnuTLS/3.7.9) OpenSSL/M.0.19", 1 },	/* multi-SSL, in use */
	{ "OpenSSL/M.0.19 (GnuTLS/3.7.9) (NSS/3.87)", 1 },
	{ "(OpenSSL/M.0.19) GnuTLS/3.7.9", 0 },	/* built in, not in use */
	{ "(OpenSSL/M.0.19)", 0 },
	{ "GnuTLS/3.7.9", 0 },
	{ "NSS/3.87", 0 },
	{ "LibreSSL/3.8.2", 0 },
	{ "BoringSSL", 0 },
	{ "wolfSSL/5.5.4", 0 },
	{ "OpenSSL/N.1.1w", 0 },	/* another major version */
	{ "OpenSSL/M", 0 },
	{ "OpenSSL/", 0 },
	{ "OpenSSL/.0.1", 0 },
	{ "openssl/M.0.19", 0 },
	{ "OpenSSL/M.0.19 OpenSSL/M.0.19", 0 },
	{ "", 0 },
	{ "   ", 0 },
	{ NULL, 0 },
};

START_TEST(test_fetch_ssl_is_openssl_of_this_major)
{
	unsigned int major = OPENSSL_version_major();
	const char *v = ssl_versions[_i].version, *p;
	char text[128];
	size_t n = 0;

	if (v != NULL) {
		/* M: this major version; N: another */
		for (p = v; *p != '\0'; p++) {
			ck_assert_uint_lt(n, sizeof(text) - 8);
			if (*p == 'M' || *p == 'N')
				n += (size_t)snprintf(text + n,
				    sizeof(text) - n, "%u",
				    *p == 'M' ? major : major + 1);
			else
				text[n++] = *p;
		}
		text[n] = '\0';
	}
	ck_assert_int_eq(fetch_ssl_is_openssl(v != NULL ? text : NULL),
	    ssl_versions[_i].openssl);
}
END_TEST

START_TEST(test_fetch_cert_supported_by_this_libcurl)
{
	const char *version = NULL;

	/* kalit is built with libcurl on OpenSSL (configure, install-deps) */
	ck_assert_int_eq(fetch_cert_supported(&version), 1);
	ck_assert_ptr_nonnull(version);
	ck_assert_int_eq(strncmp(version, "OpenSSL/", 8), 0);
	ck_assert_int_eq(fetch_cert_supported(NULL), 1);
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
	tcase_add_test(tc, test_fetch_cert_shown_with_its_chain);
	tcase_add_test(tc, test_fetch_no_cert_shows_none);
	tcase_add_test(tc, test_fetch_cert_with_another_key_network);
	tcase_add_loop_test(tc, test_fetch_ssl_is_openssl_of_this_major, 0,
	    (int)(sizeof(ssl_versions) / sizeof(ssl_versions[0])));
	tcase_add_test(tc, test_fetch_cert_supported_by_this_libcurl);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_fetch", -1);
	return tu_run(fetch_suite());
}
