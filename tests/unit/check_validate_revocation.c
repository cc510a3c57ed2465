/*
 * check_validate_revocation.c: unit tests for validate_revocation.c: OCSP,
 * then CRLs (crl_dir, then CDP URLs), the status cache, the servers found
 * down, and all of it from many threads
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <check.h>

#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "fetch.h"
#include "ocsp.h"
#include "validate.h"
#include "x509.h"
#include "testpki.h"
#include "testutil.h"

/* validate_revocation() of the leaf at now with a fresh validator. */
static int
rev_check(const struct pki *p, enum validate_rev_mode mode, int64_t now,
    struct rev_status *st)
{
	struct validate_config c;
	struct validator *v;
	int r;

	pki_cfg_init(&c, p, mode);
	v = pki_validator(&c);
	r = validate_revocation(v, p->leaf, p->ca, now, st);
	validator_free(v);
	return r;
}

START_TEST(test_validate_revocation_crl_good)
{
	struct rev_status st;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    "1234", CRL_REASON_KEY_COMPROMISE, 0);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_OK);
	ck_assert_err(st.status, KALIT_OK);
	ck_assert_str_eq(st.source, "crl");
	ck_assert_int_eq(st.reason, -1);
	ck_assert(st.revoked_at == 0);
	ck_assert(st.this_update == p.now - HOUR);
	ck_assert(st.next_update == p.now + HOUR);
	/* The file the status came from. */
	ck_assert_ptr_nonnull(strstr(st.origin, p.crls));
	ck_assert_ptr_nonnull(strstr(st.origin, "/ca.crl"));
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_revocation_crl_revoked)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    serial, CRL_REASON_KEY_COMPROMISE, 0);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_err(st.status, KALIT_ERR_CERT_REVOKED);
	ck_assert_str_eq(st.source, "crl");
	ck_assert_int_eq(st.reason, CRL_REASON_KEY_COMPROMISE);
	ck_assert(st.revoked_at == p.now - HOUR - 60);
	/* revoked is revoked in soft-fail mode too, and without st */
	ck_assert_err(rev_check(&p, VALIDATE_REV_SOFT_FAIL, p.now, NULL),
	    KALIT_ERR_CERT_REVOKED);
	/* unspecified: no reason code */
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    serial, CRL_REASON_UNSPECIFIED, 1);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, -1);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_revocation_crl_hold)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    serial, CRL_REASON_CERTIFICATE_HOLD, 1);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_CERT_ON_HOLD);
	ck_assert_int_eq(st.reason, CRL_REASON_CERTIFICATE_HOLD);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_revocation_crl_unusable)
{
	char serial[X509_SERIAL_HEX_MAX + 1], path[PATH_MAX];
	struct rev_status st;
	EVP_PKEY *other;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	/* the issuer's name, another key */
	other = tu_key(KEY_TYPE_P256);
	pki_write_crl(&p, "ca.crl", p.ca, other, p.now - HOUR, p.now + HOUR,
	    NULL, 0, 0);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_str_eq(st.source, "none");
	ck_assert_err(st.status, KALIT_ERR_REVOCATION_UNKNOWN);
	/* stale, and from the future */
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - 2 * HOUR,
	    p.now - 60, NULL, 0, 0);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now + HOUR, p.now + DAY,
	    NULL, 0, 0);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* another CA's CRL listing the same serial */
	pki_write_crl(&p, "ca.crl", p.root, p.root_key, p.now - HOUR,
	    p.now + HOUR, serial, CRL_REASON_KEY_COMPROMISE, 0);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* no nextUpdate */
	pki_write_raw_crl(&p, 0, 0, NULL);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* not a CRL */
	tu_path(path, sizeof(path), p.crls, "ca.crl");
	tu_write_file(path, "junk", 4);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* ... which does not hide a good one */
	pki_write_crl(&p, "good.crl", p.ca, p.ca_key, p.now - HOUR,
	    p.now + HOUR, NULL, 0, 0);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_OK);
	EVP_PKEY_free(other);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_revocation_crl_scope)
{
	struct rev_status st;
	char ext[128];
	struct pki p;

	pki_init(&p, NULL, "http://127.0.0.1:1/ca.crl");
	pki_write_raw_crl(&p, 1, 0, NULL);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_OK);
	/* the leaf's distribution point, or another */
	snprintf(ext, sizeof(ext), "fullname:URI:%s",
	    "http://127.0.0.1:1/ca.crl");
	pki_write_raw_crl(&p, 1, NID_issuing_distribution_point, ext);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_OK);
	pki_write_raw_crl(&p, 1, NID_issuing_distribution_point,
	    "fullname:URI:http://127.0.0.1:1/other.crl");
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* partial CRLs */
	pki_write_raw_crl(&p, 1, NID_issuing_distribution_point, "onlyCA:TRUE");
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	pki_write_raw_crl(&p, 1, NID_issuing_distribution_point,
	    "onlyuser:TRUE");
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_OK);
	pki_write_raw_crl(&p, 1, NID_issuing_distribution_point,
	    "onlysomereasons:keyCompromise");
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	pki_write_raw_crl(&p, 1, NID_issuing_distribution_point,
	    "indirectCRL:TRUE");
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	pki_write_raw_crl(&p, 1, NID_delta_crl, NULL);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_revocation_crl_newest_wins)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct rev_status st;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	/* held, then released */
	pki_write_crl(&p, "a.crl", p.ca, p.ca_key, p.now - 2 * HOUR,
	    p.now + HOUR, serial, CRL_REASON_CERTIFICATE_HOLD, 0);
	pki_write_crl(&p, "b.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    NULL, 0, 1);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_OK);
	ck_assert(st.this_update == p.now - HOUR);
	/* good, then revoked */
	pki_write_crl(&p, "a.crl", p.ca, p.ca_key, p.now - 30, p.now + HOUR,
	    serial, CRL_REASON_SUPERSEDED, 0);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, CRL_REASON_SUPERSEDED);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_revocation_no_source)
{
	struct validate_config c;
	struct validator *v;
	struct rev_status st;
	struct pki p;

	pki_init(&p, NULL, NULL);
	ck_assert_err(rev_check(&p, VALIDATE_REV_REQUIRE, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_str_eq(st.source, "none");
	ck_assert_err(rev_check(&p, VALIDATE_REV_SOFT_FAIL, p.now, &st),
	    KALIT_OK);
	ck_assert_str_eq(st.source, "none");
	ck_assert_err(st.status, KALIT_OK);
	ck_assert_err(rev_check(&p, VALIDATE_REV_OFF, p.now, &st), KALIT_OK);
	ck_assert_str_eq(st.source, "none");
	ck_assert(st.this_update == 0 && st.next_update == 0);
	/* every source turned off fails closed too */
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    NULL, 0, 0);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	c.crl = 0;
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	validator_free(v);
	/* no crl_dir */
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	c.crl_dir = NULL;
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	validator_free(v);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_revocation_cache)
{
	char serial[X509_SERIAL_HEX_MAX + 1], path[PATH_MAX];
	struct validate_config c;
	struct validator *v;
	struct rev_status st;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    serial, CRL_REASON_KEY_COMPROMISE, 0);
	tu_path(path, sizeof(path), p.crls, "ca.crl");
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now + 60, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_str_eq(st.source, "crl");
	ck_assert_int_eq(st.reason, CRL_REASON_KEY_COMPROMISE);
	/* cache_max (300 s) caps it */
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now + 301, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    serial, CRL_REASON_KEY_COMPROMISE, 0);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(unlink(path), 0);
	validate_cache_flush(v);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	validator_free(v);

	/* never beyond nextUpdate */
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + 100,
	    NULL, 0, 0);
	c.cache_max = HOUR;
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_OK);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now + 99, &st),
	    KALIT_OK);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now + 100, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	validator_free(v);

	/* cache_max 0: nothing is remembered */
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    NULL, 0, 0);
	c.cache_max = 0;
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_OK);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	validator_free(v);
	pki_free(&p);
}
END_TEST

/* A one-connection-at-a-time HTTP server on 127.0.0.1 for canned answers. */
struct srv {
	int		 fd;
	int		 port;
	pthread_t	 thread;
	atomic_int	 stop;
	pthread_mutex_t	 lock;
	int		 status;
	unsigned char	*body;		/* owned, OPENSSL_free() */
	size_t		 len;
	int		 hits;
	char		 head[1024];	/* of the last request */
};

static void
srv_serve(struct srv *s, int c)
{
	char buf[16384], hdr[256], *end, *cl;
	size_t n = 0, need = 0;
	ssize_t k;
	int hl;

	while (n < sizeof(buf) - 1 &&
	    (k = read(c, buf + n, sizeof(buf) - 1 - n)) > 0) {
		n += (size_t)k;
		buf[n] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strstr(buf, "Content-Length: ");
		need = (size_t)(end - buf) + 4 +
		    (cl != NULL && cl < end ? strtoul(cl + 16, NULL, 10) : 0);
		if (n >= need)
			break;
	}
	pthread_mutex_lock(&s->lock);
	s->hits++;
	n = n < sizeof(s->head) - 1 ? n : sizeof(s->head) - 1;
	memcpy(s->head, buf, n);
	s->head[n] = '\0';
	hl = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d X\r\nContent-Type: "
	    "application/octet-stream\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", s->status, s->len);
	(void)send(c, hdr, (size_t)hl, MSG_NOSIGNAL);
	if (s->len > 0)
		(void)send(c, s->body, s->len, MSG_NOSIGNAL);
	pthread_mutex_unlock(&s->lock);
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	struct pollfd pfd;
	int c;

	while (!atomic_load(&s->stop)) {
		pfd.fd = s->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) != 1 ||
		    (c = accept(s->fd, NULL, NULL)) < 0)
			continue;
		srv_serve(s, c);
		close(c);
	}
	return NULL;
}

static void
srv_start(struct srv *s)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(pthread_mutex_init(&s->lock, NULL), 0);
	ck_assert_int_ge(s->fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(s->fd, 16), 0);
	ck_assert_int_eq(getsockname(s->fd, (struct sockaddr *)&sa, &sl), 0);
	s->port = ntohs(sa.sin_port);
	s->status = 404;
	ck_assert_int_eq(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

/* From now on the server answers status with body (taken over). */
static void
srv_answer(struct srv *s, int status, unsigned char *body, size_t len)
{
	pthread_mutex_lock(&s->lock);
	OPENSSL_free(s->body);
	s->status = status;
	s->body = body;
	s->len = len;
	pthread_mutex_unlock(&s->lock);
}

static void
srv_stop(struct srv *s)
{
	atomic_store(&s->stop, 1);
	ck_assert_int_eq(pthread_join(s->thread, NULL), 0);
	close(s->fd);
	OPENSSL_free(s->body);
	pthread_mutex_destroy(&s->lock);
}

START_TEST(test_validate_revocation_ocsp_http)
{
	struct validate_config c;
	struct validator *v;
	struct rev_status st;
	struct resp_opts o;
	unsigned char *der;
	char url[64];
	size_t len;
	struct srv s;
	struct pki p;

	srv_start(&s);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ocsp", s.port);
	/* the AIA names the responder; it sends no nonce back */
	pki_init(&p, url, NULL);
	pki_resp_defaults(&o, &p);
	o.status = V_OCSP_CERTSTATUS_REVOKED;
	o.reason = OCSP_REVOKED_STATUS_CERTIFICATEHOLD;
	der = pki_ocsp_resp(&p, NULL, 0, &o, &len);
	srv_answer(&s, 200, der, len);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	c.ocsp = 1;
	c.ocsp_nonce = 1;
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_ON_HOLD);
	ck_assert_str_eq(st.source, "ocsp");
	ck_assert_str_eq(st.origin, url);	/* the responder asked */
	/* cached: the responder is asked once */
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_ON_HOLD);
	validate_cache_flush(v);

	/* the responder fails: the CRL decides */
	srv_answer(&s, 500, NULL, 0);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    NULL, 0, 0);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_OK);
	ck_assert_str_eq(st.source, "crl");
	validator_free(v);

	/* ocsp_url overrides the AIA */
	c.ocsp_url = "http://127.0.0.1:1/";
	c.crl = 0;
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	validator_free(v);
	srv_stop(&s);
	ck_assert_int_eq(s.hits, 3);
	ck_assert_ptr_nonnull(strstr(s.head, "POST /ocsp HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(s.head,
	    "Content-Type: application/ocsp-request\r\n"));
	ck_assert_ptr_nonnull(strstr(s.head,
	    "Accept: application/ocsp-response\r\n"));
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_revocation_ocsp_unreachable)
{
	struct validate_config c;
	struct validator *v;
	struct rev_status st;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	c.ocsp = 1;
	c.ocsp_url = "http://127.0.0.1:1/";
	c.crl = 0;
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_str_eq(st.source, "none");
	validator_free(v);
	c.rev_mode = VALIDATE_REV_SOFT_FAIL;
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_OK);
	validator_free(v);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_revocation_responder_down_not_asked)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct validate_config c;
	struct validator *v;
	struct pki p;
	char url[64];
	int fd;

	/* A responder that takes connections and never answers. */
	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/",
	    ntohs(sin.sin_port));
	pki_init(&p, NULL, NULL);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	c.ocsp = 1;
	c.ocsp_url = url;
	c.crl = 0;
	c.timeout_ms = 200;
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, NULL),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* Still unknown (fail closed), but without a second connection. */
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, NULL),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_int_eq(tu_pending_connections(fd), 1);
	/* A flush (SIGHUP) forgets that it was down. */
	validate_cache_flush(v);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, NULL),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_int_eq(tu_pending_connections(fd), 1);
	validator_free(v);
	close(fd);
	pki_free(&p);
}
END_TEST

START_TEST(test_validate_revocation_crl_fetch)
{
	char serial[X509_SERIAL_HEX_MAX + 1], url[64];
	struct validate_config c;
	struct validator *v;
	struct rev_status st;
	struct crl *crl = NULL;
	unsigned char *der = NULL;
	size_t len = 0;
	X509 *sibling;
	struct srv s;
	struct pki p;

	srv_start(&s);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ca.crl", s.port);
	pki_init(&p, NULL, url);
	sibling = pki_issue(&p, "citizen", "Sibling", p.leaf_key, p.ca,
	    p.ca_key, NULL, url);
	pki_leaf_serial(&p, serial, sizeof(serial));
	ck_assert_err(crl_new(p.ca, 9, p.now - HOUR, p.now + HOUR, &crl),
	    KALIT_OK);
	ck_assert_err(crl_add(crl, serial, p.now - HOUR,
	    CRL_REASON_KEY_COMPROMISE), KALIT_OK);
	ck_assert_err(crl_sign(crl, p.ca_key, &der, &len), KALIT_OK);
	srv_answer(&s, 200, der, len);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	c.crl_dir = NULL;
	v = pki_validator(&c);
	/* crl_fetch off */
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	validator_free(v);
	c.crl_fetch = 1;
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, &st),
	    KALIT_ERR_CERT_REVOKED);
	ck_assert_str_eq(st.source, "crl");
	/* the downloaded CRL answers for its other certificates too ... */
	ck_assert_err(validate_revocation(v, sibling, p.ca, p.now + 200, &st),
	    KALIT_OK);
	/* ... for cache_max from the download, not from its last use */
	srv_answer(&s, 500, NULL, 0);
	ck_assert_err(validate_revocation(v, sibling, p.ca, p.now + 350, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	validator_free(v);
	srv_stop(&s);
	ck_assert_int_eq(s.hits, 2);
	ck_assert_ptr_nonnull(strstr(s.head, "GET /ca.crl HTTP/1.1\r\n"));
	X509_free(sibling);
	crl_free(crl);
	pki_free(&p);
}
END_TEST


/* The path of p's leaf, leaf first: validate_path() with p's trust. */
static STACK_OF(X509) *
leaf_path(struct validator *v, const struct pki *p)
{
	STACK_OF(X509) *chain = NULL;

	ck_assert_err(validate_path(v, p->leaf, NULL, p->now, &chain),
	    KALIT_OK);
	ck_assert_int_eq(sk_X509_num(chain), 3);
	return chain;
}

/*
 * Every certificate below the anchor is asked: the CA's status comes from
 * the root's CRL. Revoked there, the path is revoked at depth 1; without
 * it, unknown at depth 1; the anchor itself is never asked.
 */
START_TEST(test_validate_revocation_path_issuing_ca)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct validate_config c;
	STACK_OF(X509) *chain;
	struct validator *v;
	struct rev_status st;
	struct pki p;
	int depth = -1;

	pki_init(&p, NULL, NULL);
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    NULL, 0, 0);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	c.cache_max = 0;
	v = pki_validator(&c);
	chain = leaf_path(v, &p);
	ck_assert_err(validate_revocation_path(v, chain, p.now, NULL, &st,
	    &depth), KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_int_eq(depth, 1);
	ck_assert_err(x509_serial_hex(p.ca, serial, sizeof(serial)), KALIT_OK);
	pki_write_crl(&p, "root.crl", p.root, p.root_key, p.now - HOUR,
	    p.now + HOUR, serial, CRL_REASON_CA_COMPROMISE, 0);
	ck_assert_err(validate_revocation_path(v, chain, p.now, NULL, &st,
	    &depth), KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(depth, 1);
	ck_assert_int_eq(st.reason, CRL_REASON_CA_COMPROMISE);
	pki_write_crl(&p, "root.crl", p.root, p.root_key, p.now - HOUR,
	    p.now + HOUR, NULL, 0, 0);
	ck_assert_err(validate_revocation_path(v, chain, p.now, NULL, &st,
	    &depth), KALIT_OK);
	ck_assert_int_eq(depth, 0);		/* the leaf's evidence */
	ck_assert_ptr_nonnull(strstr(st.origin, "/ca.crl"));
	/* the leaf revoked: depth 0, the CA not asked after it */
	pki_leaf_serial(&p, serial, sizeof(serial));
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    serial, CRL_REASON_KEY_COMPROMISE, 0);
	ck_assert_err(validate_revocation_path(v, chain, p.now, NULL, &st,
	    &depth), KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(depth, 0);
	sk_X509_pop_free(chain, X509_free);
	validator_free(v);
	pki_free(&p);
}
END_TEST

/*
 * With fetchp nothing is downloaded: a status that needs the CDP is
 * "fetch wanted", without a request, a log line or soft-fail's OK; asked
 * again without fetchp it is downloaded, and then known without one.
 */
START_TEST(test_validate_revocation_path_no_fetch)
{
	struct validate_config c;
	STACK_OF(X509) *chain;
	struct validator *v;
	unsigned char *der;
	size_t len;
	char url[64];
	struct srv s;
	struct pki p;
	int fetch = 0;

	srv_start(&s);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ca.crl", s.port);
	pki_init(&p, NULL, url);
	pki_crl(p.ca, p.ca_key, p.now - HOUR, p.now + HOUR, NULL, 0, &der,
	    &len);
	srv_answer(&s, 200, der, len);
	pki_write_crl(&p, "root.crl", p.root, p.root_key, p.now - HOUR,
	    p.now + HOUR, NULL, 0, 0);
	pki_cfg_init(&c, &p, VALIDATE_REV_SOFT_FAIL);
	c.crl_fetch = 1;
	v = pki_validator(&c);
	chain = leaf_path(v, &p);
	ck_assert_err(validate_revocation_path(v, chain, p.now, &fetch, NULL,
	    NULL), KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_int_eq(fetch, 1);
	pthread_mutex_lock(&s.lock);
	ck_assert_int_eq(s.hits, 0);
	pthread_mutex_unlock(&s.lock);
	ck_assert_err(validate_revocation_path(v, chain, p.now, NULL, NULL,
	    NULL), KALIT_OK);
	ck_assert_err(validate_revocation_path(v, chain, p.now, &fetch, NULL,
	    NULL), KALIT_OK);
	ck_assert_int_eq(fetch, 0);
	sk_X509_pop_free(chain, X509_free);
	validator_free(v);
	srv_stop(&s);
	ck_assert_int_eq(s.hits, 1);
	pki_free(&p);
}
END_TEST

struct local_src {
	X509	*issuer;
	int	 status;
	int	 asked;
};

static int
local_status(void *arg, X509 *cert, X509 *issuer, int64_t now,
    struct rev_status *st)
{
	struct local_src *l = arg;

	(void)cert;
	l->asked++;
	if (X509_cmp(issuer, l->issuer) != 0)
		return KALIT_ERR_REVOCATION_UNKNOWN;
	memset(st, 0, sizeof(*st));
	st->status = l->status;
	st->reason = -1;
	st->source = "ca_database";
	st->this_update = now;
	return l->status;
}

/*
 * The local source is asked first, answers for its issuer only, and its
 * answers are never cached: a change shows at the next question.
 */
START_TEST(test_validate_revocation_local_source)
{
	struct local_src l = { NULL, KALIT_OK, 0 };
	struct validate_config c;
	STACK_OF(X509) *chain;
	struct validator *v;
	struct rev_status st;
	struct pki p;
	int depth;

	pki_init(&p, NULL, NULL);
	pki_write_crl(&p, "root.crl", p.root, p.root_key, p.now - HOUR,
	    p.now + HOUR, NULL, 0, 0);
	l.issuer = p.ca;
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	v = pki_validator(&c);
	validator_set_local(v, local_status, &l);
	chain = leaf_path(v, &p);
	ck_assert_err(validate_revocation_path(v, chain, p.now, NULL, &st,
	    &depth), KALIT_OK);
	ck_assert_str_eq(st.source, "ca_database");
	ck_assert_int_eq(l.asked, 2);		/* the leaf, then the CA */
	l.status = KALIT_ERR_CERT_REVOKED;
	ck_assert_err(validate_revocation_path(v, chain, p.now, NULL, &st,
	    &depth), KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(depth, 0);
	sk_X509_pop_free(chain, X509_free);
	validator_free(v);
	pki_free(&p);
}
END_TEST

/*
 * Downloaded CRLs are kept within crl_bytes: one larger than the budget
 * is used and forgotten, so the next status downloads it again.
 */
START_TEST(test_validate_revocation_crl_budget)
{
	struct validate_config c;
	struct validator *v;
	unsigned char *der;
	size_t len;
	char url[64];
	struct srv s;
	struct pki p;

	srv_start(&s);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ca.crl", s.port);
	pki_init(&p, NULL, url);
	pki_crl(p.ca, p.ca_key, p.now - HOUR, p.now + HOUR, NULL, 0, &der,
	    &len);
	srv_answer(&s, 200, der, len);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	c.crl_dir = NULL;
	c.crl_fetch = 1;
	c.crl_bytes = 1024;	/* less than any parsed CRL */
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, NULL),
	    KALIT_OK);
	validate_cache_flush(v);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, NULL),
	    KALIT_OK);
	validator_free(v);
	c.crl_bytes = 0;	/* the default: kept */
	v = pki_validator(&c);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now, NULL),
	    KALIT_OK);
	ck_assert_err(validate_revocation(v, p.leaf, p.ca, p.now + 1, NULL),
	    KALIT_OK);
	validator_free(v);
	srv_stop(&s);
	ck_assert_int_eq(s.hits, 3);
	pki_free(&p);
}
END_TEST

struct worker {
	struct validator *v;
	struct pki	*p;
	int		 flush;
	int		 bad;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	X509 *issuer;
	int i;

	for (i = 0; i < 40; i++) {
		issuer = NULL;
		if (validate_chain(w->v, w->p->leaf, NULL, w->p->now,
		    &issuer) != KALIT_OK ||
		    validate_revocation(w->v, w->p->leaf, issuer, w->p->now,
		    NULL) != KALIT_ERR_CERT_REVOKED)
			w->bad++;
		X509_free(issuer);
		if (w->flush && i % 8 == 0)
			validate_cache_flush(w->v);
	}
	return NULL;
}

START_TEST(test_validate_revocation_threads)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	struct validate_config c;
	struct worker w[6];
	pthread_t t[6];
	struct pki p;
	size_t i;

	pki_init(&p, NULL, NULL);
	pki_leaf_serial(&p, serial, sizeof(serial));
	pki_write_crl(&p, "ca.crl", p.ca, p.ca_key, p.now - HOUR, p.now + HOUR,
	    serial, CRL_REASON_AFFILIATION_CHANGED, 0);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	memset(w, 0, sizeof(w));
	w[0].v = pki_validator(&c);
	for (i = 0; i < 6; i++) {
		w[i].v = w[0].v;
		w[i].p = &p;
		w[i].flush = i == 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker_main,
		    &w[i]), 0);
	}
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(w[i].bad, 0);
	}
	validator_free(w[0].v);
	pki_free(&p);
}
END_TEST

static Suite *
validate_revocation_suite(void)
{
	Suite *s = suite_create("validate_revocation");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_validate_revocation_crl_good);
	tcase_add_test(tc, test_validate_revocation_crl_revoked);
	tcase_add_test(tc, test_validate_revocation_crl_hold);
	tcase_add_test(tc, test_validate_revocation_crl_unusable);
	tcase_add_test(tc, test_validate_revocation_crl_scope);
	tcase_add_test(tc, test_validate_revocation_crl_newest_wins);
	tcase_add_test(tc, test_validate_revocation_no_source);
	tcase_add_test(tc, test_validate_revocation_cache);
	tcase_add_test(tc, test_validate_revocation_ocsp_http);
	tcase_add_test(tc, test_validate_revocation_ocsp_unreachable);
	tcase_add_test(tc, test_validate_revocation_responder_down_not_asked);
	tcase_add_test(tc, test_validate_revocation_crl_fetch);
	tcase_add_test(tc, test_validate_revocation_path_issuing_ca);
	tcase_add_test(tc, test_validate_revocation_path_no_fetch);
	tcase_add_test(tc, test_validate_revocation_local_source);
	tcase_add_test(tc, test_validate_revocation_crl_budget);
	tcase_add_test(tc, test_validate_revocation_threads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int r;

	if (fetch_init() != KALIT_OK)
		return EXIT_FAILURE;
	r = tu_run(validate_revocation_suite());
	fetch_cleanup();
	return r;
}
