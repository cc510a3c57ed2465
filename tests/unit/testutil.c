/* testutil.c: the helpers of testutil.h, shared by the Check unit tests */
#include "config.h"

#include "testutil.h"

#include <stdarg.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#ifndef TEST_PROFILE_DIR
#error "TEST_PROFILE_DIR must name the shipped profiles directory"
#endif

const char tu_profile_dir[] = TEST_PROFILE_DIR;

void
tu_mkdtemp(char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	ck_assert_int_lt(snprintf(dir, len, "%s/kalit-unit.XXXXXX", tmp),
	    (int)len);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

void
tu_rmdir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (dir == NULL || *dir == '\0' || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) <
		    (int)sizeof(path) && unlink(path) == -1 && errno == EISDIR)
			tu_rmdir(path);
	}
	closedir(d);
	rmdir(dir);
}

char tu_dir[PATH_MAX];

void
tu_dir_setup(void)
{
	tu_mkdtemp(tu_dir, sizeof(tu_dir));
}

void
tu_dir_teardown(void)
{
	tu_rmdir(tu_dir);
}

void
tu_path(char *path, size_t len, const char *dir, const char *name)
{
	ck_assert_int_lt(snprintf(path, len, "%s/%s", dir, name), (int)len);
}

void
tu_write_file(const char *path, const void *buf, size_t len)
{
	FILE *f;

	ck_assert_msg((f = fopen(path, "w")) != NULL, "%s: %s", path,
	    strerror(errno));
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

void
tu_write_certs(const char *dir, const char *name, X509 *a, X509 *b)
{
	char path[PATH_MAX];
	BIO *f;

	tu_path(path, sizeof(path), dir, name);
	ck_assert_ptr_nonnull(f = BIO_new_file(path, "w"));
	ck_assert_int_eq(PEM_write_bio_X509(f, a), 1);
	if (b != NULL)
		ck_assert_int_eq(PEM_write_bio_X509(f, b), 1);
	BIO_free(f);
}

char *
tu_read_file(const char *path, size_t *lenp)
{
	FILE *f;
	char *buf;
	size_t n;

	ck_assert_msg((f = fopen(path, "r")) != NULL, "%s: %s", path,
	    strerror(errno));
	ck_assert_ptr_nonnull(buf = calloc(1, 1024 * 1024 + 1));
	n = fread(buf, 1, 1024 * 1024, f);
	ck_assert_int_eq(ferror(f), 0);
	fclose(f);
	if (lenp != NULL)
		*lenp = n;
	return buf;
}

struct profile *
tu_profile(const char *name)
{
	struct profile *p = NULL;

	ck_assert_err(profile_load(tu_profile_dir, name, &p), KALIT_OK);
	ck_assert_ptr_nonnull(p);
	return p;
}

EVP_PKEY *
tu_key(enum key_type t)
{
	EVP_PKEY *key = NULL;

	ck_assert_err(key_generate(t, &key), KALIT_OK);
	ck_assert_ptr_nonnull(key);
	return key;
}

EVP_PKEY *
tu_rsa_key(size_t bits)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);

	ck_assert_ptr_nonnull(key);
	return key;
}

X509_NAME *
tu_name(const char *cn)
{
	X509_NAME *name;

	ck_assert_ptr_nonnull(name = X509_NAME_new());
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8,
	    (const unsigned char *)"UZ", -1, -1, 0), 1);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	return name;
}

void
tu_make_ca(enum key_type t, const char *cn, X509 **certp, EVP_PKEY **keyp)
{
	struct profile *p = tu_profile("root");
	struct x509_spec spec;
	X509_NAME *name = tu_name(cn);
	EVP_PKEY *key = tu_key(t);

	memset(&spec, 0, sizeof(spec));
	spec.profile = p;
	spec.subject = name;
	spec.pubkey = key;
	spec.issuer_key = key;
	spec.not_before = time(NULL) - 3600;
	*certp = NULL;
	ck_assert_err(x509_issue(&spec, certp), KALIT_OK);
	ck_assert_ptr_nonnull(*certp);
	*keyp = key;
	X509_NAME_free(name);
	profile_free(p);
}

X509 *
tu_issue(const struct profile *p, const X509_NAME *subject, EVP_PKEY *pubkey,
    const char *email, X509 *ca, EVP_PKEY *ca_key)
{
	struct x509_spec spec;
	X509 *cert = NULL;

	memset(&spec, 0, sizeof(spec));
	spec.profile = p;
	spec.subject = subject;
	spec.email = email;
	spec.pubkey = pubkey;
	spec.issuer = ca;
	spec.issuer_key = ca_key;
	spec.not_before = time(NULL) - 300;
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	ck_assert_ptr_nonnull(cert);
	return cert;
}

/* TS_RESP_CTX's clock: the time *data says. */
static int
tu_tsa_time(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
	(void)ctx;
	*sec = *(long *)data;
	*usec = 0;
	return 1;
}

void
tu_tsa_answer(X509 *cert, EVP_PKEY *key, STACK_OF(X509) *chain,
    const EVP_MD *md, time_t gen_time, const unsigned char *req, size_t len,
    unsigned char **derp, size_t *lenp)
{
	ASN1_OBJECT *policy = OBJ_txt2obj(TU_TSA_POLICY, 1);
	BIO *in = BIO_new_mem_buf(req, (int)len);
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	long t = (long)gen_time;
	TS_RESP *resp;
	int n;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(TS_RESP_CTX_set_signer_cert(ctx, cert), 1);
	ck_assert_int_eq(TS_RESP_CTX_set_signer_key(ctx, key), 1);
	if (chain != NULL)
		ck_assert_int_eq(TS_RESP_CTX_set_certs(ctx, chain), 1);
	ck_assert_int_eq(TS_RESP_CTX_set_def_policy(ctx, policy), 1);
	ck_assert_int_eq(TS_RESP_CTX_add_md(ctx, md), 1);
	ck_assert_int_eq(TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()), 1);
	ck_assert_int_eq(TS_RESP_CTX_set_ess_cert_id_digest(ctx,
	    EVP_sha256()), 1);
	TS_RESP_CTX_set_time_cb(ctx, tu_tsa_time, &t);
	ck_assert_ptr_nonnull(resp = TS_RESP_create_response(ctx, in));
	*derp = NULL;
	ck_assert_int_gt(n = i2d_TS_RESP(resp, derp), 0);
	*lenp = (size_t)n;
	TS_RESP_free(resp);
	TS_RESP_CTX_free(ctx);
	ASN1_OBJECT_free(policy);
	BIO_free(in);
}

void
tu_timestamp(X509 *cert, EVP_PKEY *key, STACK_OF(X509) *chain,
    const void *data, size_t len, time_t gen_time, unsigned char **tokenp,
    size_t *tokenlenp)
{
	struct tsp_req *req = NULL;
	unsigned char *q = NULL, *a = NULL;
	size_t qlen = 0, alen = 0;
	int64_t t = 0;

	ck_assert_err(tsp_request_new(data, len, &req, &q, &qlen), KALIT_OK);
	tu_tsa_answer(cert, key, chain, EVP_sha256(), gen_time, q, qlen, &a,
	    &alen);
	ck_assert_err(tsp_reply_check(req, a, alen, tokenp, tokenlenp, &t),
	    KALIT_OK);
	ck_assert_int_eq(t, (int64_t)gen_time);
	OPENSSL_free(q);
	OPENSSL_free(a);
	tsp_request_free(req);
}

int
tu_pending_connections(int fd)
{
	int n = 0, c;

	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	while ((c = accept(fd, NULL, NULL)) >= 0) {
		close(c);
		n++;
	}
	return n;
}

const struct sockaddr *
tu_sockaddr(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, text, &sin6->sin6_addr),
		    1);
		sin6->sin6_family = AF_INET6;
	}
	return (const struct sockaddr *)ss;
}

double
tu_sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *line = text;

	while (line != NULL) {
		if (strncmp(line, series, n) == 0 && line[n] == ' ')
			return strtod(line + n + 1, NULL);
		if ((line = strchr(line, '\n')) != NULL)
			line++;
	}
	return -1;
}

char *
tu_fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, f);
	ck_assert_int_ge(vasprintf(&s, f, ap), 0);
	va_end(ap);
	return s;
}

unsigned char *
tu_b64url_decode(const char *in, size_t len, size_t *outlen)
{
	size_t i, pad = (4 - len % 4) % 4;
	unsigned char *out;
	char *buf;
	int n;

	ck_assert_uint_ne(len % 4, 1);
	ck_assert_ptr_nonnull(buf = malloc(len + pad + 1));
	ck_assert_ptr_nonnull(out = malloc(len + pad + 1));
	for (i = 0; i < len; i++)
		buf[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
	memset(buf + len, '=', pad);
	n = EVP_DecodeBlock(out, (unsigned char *)buf, (int)(len + pad));
	ck_assert_int_ge(n, (int)pad);
	*outlen = (size_t)n - pad;
	free(buf);
	return out;
}

void
tu_jws_segment(const char *jws, int i, const char **sp, size_t *lenp)
{
	const char *p = jws, *dot;

	while (i-- > 0) {
		ck_assert_ptr_nonnull(p = strchr(p, '.'));
		p++;
	}
	dot = strchr(p, '.');
	*sp = p;
	*lenp = dot != NULL ? (size_t)(dot - p) : strlen(p);
}

json_t *
tu_jws_json(const char *jws, int i)
{
	const char *s;
	unsigned char *raw;
	size_t len, rawlen;
	json_t *j;

	tu_jws_segment(jws, i, &s, &len);
	raw = tu_b64url_decode(s, len, &rawlen);
	ck_assert_ptr_nonnull(j = json_loadb((char *)raw, rawlen, 0, NULL));
	free(raw);
	return j;
}

unsigned char *
tu_ecdsa_der(const unsigned char *raw, size_t len, size_t *derlenp)
{
	unsigned char *der = NULL;
	ECDSA_SIG *es;
	int n;

	ck_assert_uint_eq(len % 2, 0);
	ck_assert_ptr_nonnull(es = ECDSA_SIG_new());
	ck_assert_int_eq(ECDSA_SIG_set0(es, BN_bin2bn(raw, (int)(len / 2),
	    NULL), BN_bin2bn(raw + len / 2, (int)(len / 2), NULL)), 1);
	ck_assert_int_gt(n = i2d_ECDSA_SIG(es, &der), 0);
	ECDSA_SIG_free(es);
	*derlenp = (size_t)n;
	return der;
}

int
tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
