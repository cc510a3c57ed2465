/* check_conf.c: kalitd.conf: defaults, every kind of value, the checks */
#include "config.h"

#include "testutil.h"
#include "conf.h"
#include "log.h"

#include <stddef.h>
#include <stdint.h>

static char dir[PATH_MAX];
static char conf_path[PATH_MAX];
static char logged[4096];	/* what the last load() logged */
static struct config *cfg;

static void
setup(void)
{
	tu_mkdtemp(dir, sizeof(dir));
	tu_path(conf_path, sizeof(conf_path), dir, "kalitd.conf");
	cfg = NULL;
}

static void
teardown(void)
{
	config_free(cfg);
	tu_rmdir(dir);
}

/*
 * Loads len bytes of text as dir/kalitd.conf into cfg; what it logged
 * (the reason of a refusal) is in logged.
 */
static int
load_bytes(const char *text, size_t len)
{
	char log_path[PATH_MAX], *buf;
	int fd, saved, r;

	config_free(cfg);
	cfg = NULL;
	tu_write_file(conf_path, text, len);
	tu_path(log_path, sizeof(log_path), dir, "log");
	fflush(stderr);
	ck_assert_int_ge(saved = dup(STDERR_FILENO), 0);
	ck_assert_int_ge(fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC,
	    0600), 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	r = config_load(conf_path, &cfg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	buf = tu_read_file(log_path, NULL);
	snprintf(logged, sizeof(logged), "%s", buf);
	free(buf);
	unlink(log_path);
	return r;
}

static int
load(const char *text)
{
	return load_bytes(text, strlen(text));
}

/* dir/name, as the config holds a relative path. */
static const char *
in_dir(const char *name)
{
	static char p[PATH_MAX];

	tu_path(p, sizeof(p), dir, name);
	return p;
}

/* An empty file: every setting has its default. */
START_TEST(test_conf_defaults)
{
	char spec[PATH_MAX + 8];

	ck_assert_err(load(""), KALIT_OK);
	ck_assert_str_eq(logged, "");
	ck_assert_str_eq(cfg->path, conf_path);
	ck_assert_str_eq(cfg->listen, "127.0.0.1");
	ck_assert_int_eq(cfg->port, 8443);
	ck_assert_int_eq(cfg->threads, 2);
	ck_assert_str_eq(cfg->database, in_dir("kalitd.db"));
	ck_assert_str_eq(cfg->trust_dir, in_dir("certs"));
	ck_assert_str_eq(cfg->issuer, "http://127.0.0.1:8443");
	ck_assert_uint_eq(cfg->max_body, 64 * 1024);
	ck_assert_int_eq(cfg->connection_timeout, 10);
	ck_assert_int_eq(cfg->max_connections, 4096);
	/* on loopback a proxy is in front: one address is many clients */
	ck_assert_int_eq(cfg->max_per_address, 4096);
	ck_assert_int_eq(cfg->request_timeout, 30);
	ck_assert_int_eq(cfg->auth_max_failures, 10);
	ck_assert_int_eq(cfg->auth_window, 300);
	ck_assert_int_eq(cfg->behind_proxy, 0);
	ck_assert_ptr_null(cfg->tls_key_file);
	ck_assert_ptr_null(cfg->tls_passphrase);
	ck_assert_str_eq(cfg->key_dir, in_dir("keys"));
	snprintf(spec, sizeof(spec), "file:%s", in_dir("token.pass"));
	ck_assert_str_eq(cfg->key_passphrase, spec);
	ck_assert_int_eq(cfg->token_lifetime, 600);
	ck_assert_int_eq(cfg->challenge_lifetime, 120);
	ck_assert_uint_eq(cfg->challenges_max, 2000000);
	ck_assert_uint_eq(cfg->challenges_max_client, 200000);
	ck_assert_uint_eq(cfg->challenges_max_address, 10000);
	ck_assert_str_eq(cfg->citizen_oid, "1.3.6.1.5.5.7.13.1");
	ck_assert_str_eq(cfg->official_oid, "1.3.6.1.5.5.7.13.2");
	ck_assert_int_eq(cfg->min_rsa_bits, VALIDATE_MIN_RSA_BITS);
	ck_assert_int_eq(cfg->min_ec_bits, VALIDATE_MIN_EC_BITS);
	ck_assert_int_eq(cfg->rev.rev_mode, VALIDATE_REV_REQUIRE);
	ck_assert_int_eq(cfg->rev.ocsp, 1);
	ck_assert_int_eq(cfg->rev.ocsp_nonce, 1);
	ck_assert_int_eq(cfg->rev.crl, 1);
	ck_assert_int_eq(cfg->rev.crl_fetch, 1);
	ck_assert_int_eq(cfg->rev.timeout_ms, 3000);
	ck_assert_int_eq(cfg->rev.cache_max, 300);
	ck_assert_ptr_null(cfg->ocsp_url);
	ck_assert_ptr_null(cfg->crl_dir);
	ck_assert_ptr_null(cfg->rev.ocsp_url);
	ck_assert_ptr_null(cfg->rev.crl_dir);
	ck_assert_ptr_eq(cfg->rev.trust_dir, cfg->trust_dir);
	ck_assert_int_eq(cfg->fetch_threads, 4);
	ck_assert_uint_eq(cfg->cache_certificates, (size_t)64 << 20);
	ck_assert_uint_eq(cfg->rev.status_bytes, VALIDATE_STATUS_BYTES_DEFAULT);
	ck_assert_uint_eq(cfg->rev.crl_bytes, VALIDATE_CRL_BYTES_DEFAULT);
	ck_assert_uint_eq(cfg->ocsp_cache_bytes, (size_t)256 << 20);
	ck_assert_ptr_null(cfg->ca_database);
	ck_assert_ptr_null(cfg->signer_dir);
	ck_assert_ptr_null(cfg->signer_passphrase);
	ck_assert_int_eq(cfg->ocsp_next_update, 3600);
	ck_assert_uint_eq(cfg->ocsp_cache_max, 1000000);
	ck_assert_int_eq(cfg->ocsp_poll_ms, 250);
	ck_assert_int_eq(cfg->http_max_age, 0);
	ck_assert_ptr_null(cfg->tsa_key_file);
	ck_assert_ptr_null(cfg->tsa_passphrase);
	ck_assert_ptr_null(cfg->tsa_policy);
	ck_assert_int_eq(cfg->tsa_accuracy, 1);
	ck_assert_uint_eq(cfg->verify_max_body, CONFIG_VERIFY_BODY_DEFAULT);
	ck_assert_int_eq(cfg->audit_summary_interval, 60);
	/* no [oidc]: no provider, its defaults all the same */
	ck_assert_int_eq(cfg->oidc, 0);
	ck_assert_str_eq(cfg->public_origin, "http://127.0.0.1:8443");
	ck_assert_str_eq(cfg->www_dir, WWWDIR);
	ck_assert_ptr_null(cfg->brand_dir);
	ck_assert_int_eq(cfg->session_lifetime, 28800);
	ck_assert_int_eq(cfg->code_lifetime, 60);
	ck_assert_int_eq(cfg->login_lifetime, 600);
	ck_assert_uint_eq(cfg->cache_sessions, (size_t)64 << 20);
	ck_assert_uint_eq(cfg->cache_codes, (size_t)64 << 20);
	ck_assert_uint_eq(cfg->cache_tokens, (size_t)32 << 20);
	ck_assert_ptr_null(cfg->hardware_key_oid);
}
END_TEST

/* [oidc] with any setting turns the provider on; enabled = no, off. */
static const struct {
	const char	*text;
	int		 on;
	const char	*origin;
} oidcs[] = {
	{ "[oidc]\nenabled = yes\n", 1, "http://127.0.0.1:8443" },
	{ "[oidc]\ncode_lifetime = 10\n", 1, "http://127.0.0.1:8443" },
	{ "[oidc]\nenabled = no\nwww_dir = /x\n", 0,
	    "http://127.0.0.1:8443" },
	{ "[server]\nissuer = https://id.example.uz/kalit\n[oidc]\n"
	    "enabled = yes\n", 1, "https://id.example.uz" },
	{ "[oidc]\npublic_origin = https://login.example.uz:8443\n", 1,
	    "https://login.example.uz:8443" },
};

START_TEST(test_conf_oidc)
{
	ck_assert_msg(load(oidcs[_i].text) == KALIT_OK, "%s: %s",
	    oidcs[_i].text, logged);
	ck_assert_int_eq(cfg->oidc, oidcs[_i].on);
	ck_assert_str_eq(cfg->public_origin, oidcs[_i].origin);
}
END_TEST

enum kind { K_INT, K_I64, K_LONG, K_SIZE, K_STR, K_REVMODE };

#define F(f)	offsetof(struct config, f)

/* Values taken, one of each kind of setting, at the ends of ranges. */
static const struct {
	const char	*text;
	size_t		 off;
	enum kind	 kind;
	long long	 n;		/* the number stored */
	const char	*s;		/* the string stored (K_STR) */
} taken[] = {
	{ "[server]\nport = 1\n", F(port), K_INT, 1, NULL },
	{ "[server]\nport = 65535\n", F(port), K_INT, 65535, NULL },
	{ "[server]\nthreads = 256\n", F(threads), K_INT, 256, NULL },
	{ "[server]\nmax_body = 1024\n", F(max_body), K_SIZE, 1024, NULL },
	{ "[server]\nmax_body = 16777216\n", F(max_body), K_SIZE, 1 << 24,
	    NULL },
	{ "[server]\nrequest_timeout = 3600\n", F(request_timeout), K_I64,
	    3600, NULL },
	{ "[server]\nauth_window = 86400\n", F(auth_window), K_I64, 86400,
	    NULL },
	{ "[server]\nissuer = https://login.example.uz\n", F(issuer), K_STR,
	    0, "https://login.example.uz" },
	{ "[server]\n listen = ::1 \n", F(listen), K_STR, 0, "::1" },
	{ "[token]\nlifetime = 30\n", F(token_lifetime), K_I64, 30, NULL },
	{ "[revocation]\ntimeout = 100\n", F(rev.timeout_ms), K_LONG, 100,
	    NULL },
	{ "[revocation]\ntimeout = 60000\n", F(rev.timeout_ms), K_LONG, 60000,
	    NULL },
	{ "[revocation]\ncheck = soft-fail\n", F(rev.rev_mode), K_REVMODE,
	    VALIDATE_REV_SOFT_FAIL, NULL },
	{ "[revocation]\ncheck = off\n", F(rev.rev_mode), K_REVMODE,
	    VALIDATE_REV_OFF, NULL },
	{ "[revocation]\ncheck = require\n", F(rev.rev_mode), K_REVMODE,
	    VALIDATE_REV_REQUIRE, NULL },
	{ "[revocation]\nocsp_url = http://ocsp.example.uz/\n", F(ocsp_url),
	    K_STR, 0, "http://ocsp.example.uz/" },
	/* sizes in bytes, or with K, M or G */
	{ "[cache]\ncertificates = 0\n", F(cache_certificates), K_SIZE, 0,
	    NULL },
	{ "[cache]\ncertificates = 1000\n", F(cache_certificates), K_SIZE,
	    1000, NULL },
	{ "[cache]\ncertificates = 64K\n", F(cache_certificates), K_SIZE,
	    64 << 10, NULL },
	{ "[cache]\ncertificates = 3M\n", F(cache_certificates), K_SIZE,
	    3 << 20, NULL },
	{ "[cache]\ncertificates = 2G\n", F(cache_certificates), K_SIZE,
	    2LL << 30, NULL },
	{ "[cache]\ncertificates = 64G\n", F(cache_certificates), K_SIZE,
	    1LL << 36, NULL },
	{ "[cache]\nrevocation = 64K\n", F(rev.status_bytes), K_SIZE, 1 << 16,
	    NULL },
	{ "[cache]\ncrls = 1G\n", F(rev.crl_bytes), K_SIZE, 1 << 30, NULL },
	{ "[cache]\nocsp_answers = 65536\n", F(ocsp_cache_bytes), K_SIZE,
	    65536, NULL },
	{ "[challenge]\nmax_used_per_client = 0\n", F(challenges_max_client),
	    K_SIZE, 0, NULL },
	{ "[responder]\npoll_interval = 10\n", F(ocsp_poll_ms), K_LONG, 10,
	    NULL },
	{ "[responder]\nmax_answers = 0\n", F(ocsp_cache_max), K_SIZE, 0,
	    NULL },
	{ "[verify]\nmax_body = 65536\n", F(verify_max_body), K_SIZE,
	    CONFIG_VERIFY_BODY_MIN, NULL },
	{ "[verify]\nmax_body = 67108864\n", F(verify_max_body), K_SIZE,
	    CONFIG_VERIFY_BODY_MAX, NULL },
	{ "[audit]\nsummary_interval = 1\n", F(audit_summary_interval), K_I64,
	    1, NULL },
	/* object identifiers are kept as written */
	{ "[policy]\ncitizen = 1.2.860.3.16.1.2\n", F(citizen_oid), K_STR, 0,
	    "1.2.860.3.16.1.2" },
	{ "[policy]\nmin_rsa_bits = 16384\n", F(min_rsa_bits), K_INT, 16384,
	    NULL },
	{ "[policy]\nmin_ec_bits = 521\n", F(min_ec_bits), K_INT, 521, NULL },
	/* an absolute path as it is */
	{ "[server]\ndatabase = /var/lib/kalit/kalitd.db\n", F(database),
	    K_STR, 0, "/var/lib/kalit/kalitd.db" },
	{ "[revocation]\ncrl_dir = /var/cache/crl\n", F(crl_dir), K_STR, 0,
	    "/var/cache/crl" },
	/* secret specs other than a relative file: as they are */
	{ "[token]\nkey_passphrase = env:KALITD_PASS\n", F(key_passphrase),
	    K_STR, 0, "env:KALITD_PASS" },
	{ "[token]\nkey_passphrase = file:/etc/kalit/token.pass\n",
	    F(key_passphrase), K_STR, 0, "file:/etc/kalit/token.pass" },
	{ "[token]\nkey_passphrase = fd:3\n", F(key_passphrase), K_STR, 0,
	    "fd:3" },
};

START_TEST(test_conf_value_taken)
{
	const char *field;

	ck_assert_msg(load(taken[_i].text) == KALIT_OK, "%s: %s",
	    taken[_i].text, logged);
	field = (const char *)cfg + taken[_i].off;
	switch (taken[_i].kind) {
	case K_INT:
		ck_assert_int_eq(*(const int *)field, taken[_i].n);
		break;
	case K_I64:
		ck_assert_int_eq(*(const int64_t *)field, taken[_i].n);
		break;
	case K_LONG:
		ck_assert_int_eq(*(const long *)field, taken[_i].n);
		break;
	case K_SIZE:
		ck_assert_uint_eq(*(const size_t *)field,
		    (unsigned long long)taken[_i].n);
		break;
	case K_STR:
		ck_assert_str_eq(*(char *const *)field, taken[_i].s);
		break;
	case K_REVMODE:
		ck_assert_int_eq(*(const enum validate_rev_mode *)field,
		    taken[_i].n);
		break;
	}
}
END_TEST

static const struct {
	const char	*value;
	int		 b;
} bools[] = {
	{ "yes", 1 }, { "YES", 1 }, { "true", 1 }, { "True", 1 }, { "1", 1 },
	{ "no", 0 }, { "No", 0 }, { "false", 0 }, { "FALSE", 0 }, { "0", 0 },
};

START_TEST(test_conf_bool_taken)
{
	char text[128];

	/* behind_proxy is on by default nowhere: each value decides it */
	snprintf(text, sizeof(text), "[server]\nbehind_proxy = %s\n"
	    "[revocation]\ncrl_fetch = %s\n", bools[_i].value,
	    bools[_i].value);
	ck_assert_msg(load(text) == KALIT_OK, "%s: %s", text, logged);
	ck_assert_int_eq(cfg->behind_proxy, bools[_i].b);
	ck_assert_int_eq(cfg->rev.crl_fetch, bools[_i].b);
}
END_TEST

/* A relative path or file: secret is relative to the file's directory. */
START_TEST(test_conf_relative_paths)
{
	char spec[PATH_MAX + 8];

	ck_assert_err(load("[server]\ndatabase = db/kalitd.db\n"
	    "trust_dir = ../trust\ntls_key_file = tls.p12\n"
	    "tls_passphrase = file:tls.pass\n"
	    "[token]\nkey_passphrase = file:secrets/token.pass\n"
	    "[responder]\nca_database = ca.db\nsigner_dir = signers\n"
	    "signer_passphrase = file:signer.pass\n"
	    "[timestamp]\nkey_file = tsa.p12\npassphrase = file:tsa.pass\n"
	    "policy = 1.2.3.4\n"), KALIT_OK);
	ck_assert_str_eq(cfg->database, in_dir("db/kalitd.db"));
	ck_assert_str_eq(cfg->trust_dir, in_dir("../trust"));
	ck_assert_str_eq(cfg->rev.trust_dir, cfg->trust_dir);
	ck_assert_str_eq(cfg->tls_key_file, in_dir("tls.p12"));
	ck_assert_str_eq(cfg->ca_database, in_dir("ca.db"));
	ck_assert_str_eq(cfg->signer_dir, in_dir("signers"));
	ck_assert_str_eq(cfg->tsa_key_file, in_dir("tsa.p12"));
	snprintf(spec, sizeof(spec), "file:%s", in_dir("tls.pass"));
	ck_assert_str_eq(cfg->tls_passphrase, spec);
	snprintf(spec, sizeof(spec), "file:%s", in_dir("secrets/token.pass"));
	ck_assert_str_eq(cfg->key_passphrase, spec);
	snprintf(spec, sizeof(spec), "file:%s", in_dir("signer.pass"));
	ck_assert_str_eq(cfg->signer_passphrase, spec);
	snprintf(spec, sizeof(spec), "file:%s", in_dir("tsa.pass"));
	ck_assert_str_eq(cfg->tsa_passphrase, spec);
	/* the issuer follows the scheme: TLS makes it https */
	ck_assert_str_eq(cfg->issuer, "https://127.0.0.1:8443");
}
END_TEST

/* Refused files, each with the reason (and line) logged. */
static const struct {
	const char	*text;
	const char	*why;
} refused[] = {
	/* numbers out of range, or not numbers */
	{ "[server]\nport = 0\n", "kalitd.conf:2: not a number in the allowed "
	    "range" },
	{ "[server]\nport = 65536\n", "not a number in the allowed range" },
	{ "[server]\nport = -1\n", "not a number in the allowed range" },
	{ "[server]\nport = +80\n", "not a number in the allowed range" },
	{ "[server]\nport = 80x\n", "not a number in the allowed range" },
	{ "[server]\nport = 0x50\n", "not a number in the allowed range" },
	{ "[server]\nport =\n", "not a number in the allowed range" },
	{ "[server]\nthreads = 257\n", "not a number in the allowed range" },
	{ "[server]\nmax_body = 1023\n", "not a number in the allowed range" },
	{ "[server]\nmax_body = 16777217\n", "not a number in the allowed "
	    "range" },
	/* max_body is a number of bytes: no unit */
	{ "[server]\nmax_body = 64K\n", "not a number in the allowed range" },
	{ "[server]\nauth_max_failures = 0\n", "not a number in the allowed "
	    "range" },
	{ "[token]\nlifetime = 86401\n", "not a number in the allowed range" },
	{ "[token]\nlifetime = 29\n", "not a number in the allowed range" },
	{ "[revocation]\ntimeout = 99\n", "not a number in the allowed range" },
	{ "[policy]\nmin_rsa_bits = 1024\n", "not a number in the allowed "
	    "range" },
	{ "[verify]\nmax_body = 65535\n", "not a number in the allowed range" },
	{ "[verify]\nmax_body = 67108865\n", "not a number in the allowed "
	    "range" },
	{ "[audit]\nsummary_interval = 0\n", "not a number in the allowed "
	    "range" },
	/* sizes */
	{ "[cache]\ncertificates = 1T\n", "not a size (bytes, or with K, M or "
	    "G) in the allowed range" },
	{ "[cache]\ncertificates = 64k\n", "not a size" },
	{ "[cache]\ncertificates = 64KB\n", "not a size" },
	{ "[cache]\ncertificates = -1\n", "not a size" },
	{ "[cache]\ncertificates = K\n", "not a size" },
	{ "[cache]\ncertificates = 65G\n", "not a size" },
	{ "[cache]\nrevocation = 65535\n", "not a size" },
	/* the other kinds */
	{ "[server]\nbehind_proxy = maybe\n", "not yes or no" },
	{ "[server]\nbehind_proxy = on\n", "not yes or no" },
	{ "[policy]\ncitizen = citizen\n", "not a dotted object identifier" },
	{ "[timestamp]\npolicy = 1.2.x\n", "not a dotted object identifier" },
	{ "[revocation]\ncheck = hard-fail\n", "not require, soft-fail or "
	    "off" },
	{ "[server]\nissuer =\n", "empty value" },
	{ "[server]\ndatabase =\n", "empty value" },
	/* settings and sections */
	{ "[server]\nport = 1\nthreads = 2\nport = 2\n", "kalitd.conf:4: set "
	    "twice" },
	{ "[server]\nport = 1\n[server]\nport = 2\n", "set twice" },
	{ "[server]\nportt = 1\n", "unknown section or setting" },
	{ "[srever]\nport = 1\n", "unknown section or setting" },
	{ "[token]\nport = 1\n", "unknown section or setting" },
	{ "port = 1\n", "unknown section or setting" },
	{ "[Server]\nport = 1\n", "unknown section or setting" },
	{ "[server\n", "kalitd.conf:1: not INI syntax" },
	/* the checks of the whole */
	{ "[server]\nlisten = localhost\n", "[server] listen: not an IPv4 or "
	    "IPv6 address" },
	{ "[server]\nlisten = 0.0.0.0\n", "[server] listen: plain HTTP off "
	    "loopback" },
	{ "[server]\nlisten = 192.0.2.1\nbehind_proxy = no\n", "plain HTTP "
	    "off loopback" },
	{ "[server]\nlisten = ::\n", "plain HTTP off loopback" },
	{ "[server]\nlisten = ::ffff:127.0.0.1\n", "plain HTTP off loopback" },
	{ "[server]\ntls_passphrase = file:tls.pass\n", "[server] "
	    "tls_passphrase without tls_key_file" },
	{ "[server]\nmtls_port = 9444\n", "[server] mtls_port: a port of "
	    "its own, with tls_key_file" },
	{ "[server]\ntls_key_file = tls.p12\nport = 9444\nmtls_port = 9444\n",
	    "[server] mtls_port: a port of its own" },
	{ "[server]\nissuer = \xff\n", "[server] issuer: not UTF-8" },
	{ "[revocation]\nocsp = no\ncrl = no\n", "[revocation] both ocsp and "
	    "crl are off; set check = off to say so" },
	{ "[revocation]\ncheck = soft-fail\nocsp = no\ncrl = no\n", "both ocsp "
	    "and crl are off" },
	{ "[responder]\nsigner_dir = signers\nsigner_passphrase = env:P\n",
	    "[responder] signer_dir without ca_database" },
	{ "[responder]\nsigner_passphrase = env:P\n", "[responder] signer_dir "
	    "without ca_database" },
	{ "[responder]\nca_database = ca.db\nsigner_dir = signers\n",
	    "[responder] signer_dir without signer_passphrase" },
	{ "[timestamp]\npassphrase = env:P\n", "[timestamp] passphrase or "
	    "policy without key_file" },
	{ "[timestamp]\npolicy = 1.2.3\n", "[timestamp] passphrase or policy "
	    "without key_file" },
	{ "[timestamp]\nkey_file = tsa.p12\npolicy = 1.2.3\n", "[timestamp] "
	    "key_file needs passphrase and policy" },
	{ "[timestamp]\nkey_file = tsa.p12\npassphrase = env:P\n",
	    "[timestamp] key_file needs passphrase and policy" },
	/* the login page's origin, as a browser writes it */
	{ "[oidc]\npublic_origin = https://id.example.uz/\n", "[oidc] "
	    "public_origin (or the issuer's origin): not an origin" },
	{ "[oidc]\npublic_origin = http://id.example.uz\n", "public_origin" },
	{ "[oidc]\npublic_origin = https://ID.example.uz\n", "public_origin" },
	{ "[server]\nissuer = https://id.example.uz:443\n[oidc]\n"
	    "enabled = yes\n", "public_origin" },
	{ "[oidc]\ncode_lifetime = 61\n", "not a number in the allowed "
	    "range" },
	{ "[oidc]\nsession_lifetime = 299\n", "not a number" },
	{ "[oidc]\nlogin_lifetime = 3601\n", "not a number" },
	{ "[cache]\nsessions = 1K\n", "not a size" },
	{ "[policy]\nhardware_key = card\n", "not a dotted object "
	    "identifier" },
};

START_TEST(test_conf_refused)
{
	ck_assert_err(load(refused[_i].text), KALIT_ERR_CONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(logged, refused[_i].why) != NULL,
	    "%s: logged \"%s\", want \"%s\"", refused[_i].text, logged,
	    refused[_i].why);
}
END_TEST

/* The first error is the one reported, with its line. */
START_TEST(test_conf_first_error_reported)
{
	ck_assert_err(load("[server]\nport = 1\nthreads = 0\n"
	    "[nowhere]\nx = 1\n"), KALIT_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(logged, "kalitd.conf:3: not a number"));
	ck_assert_ptr_null(strstr(logged, "unknown"));
}
END_TEST

START_TEST(test_conf_not_a_text_file)
{
	static const char text[] = "[server]\nport = 1\0\n";

	ck_assert_err(load_bytes(text, sizeof(text) - 1), KALIT_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(logged, "not a text file"));
}
END_TEST

START_TEST(test_conf_size_capped)
{
	char *big = malloc(CONFIG_MAX_SIZE + 2);
	size_t i;

	/* comments only: a file of exactly the cap loads */
	for (i = 0; i < CONFIG_MAX_SIZE + 1; i++)
		big[i] = i % 64 == 63 ? '\n' : i % 64 == 0 ? '#' : 'x';
	ck_assert_err(load_bytes(big, CONFIG_MAX_SIZE), KALIT_OK);
	ck_assert_err(load_bytes(big, CONFIG_MAX_SIZE + 1), KALIT_ERR_CONFIG);
	ck_assert_ptr_null(cfg);
	free(big);
}
END_TEST

START_TEST(test_conf_missing_file)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), dir, "absent.conf");
	ck_assert_err(config_load(path, &cfg), KALIT_ERR_IO);
	ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(test_conf_ipv6_issuer)
{
	ck_assert_err(load("[server]\nlisten = ::1\nport = 9443\n"), KALIT_OK);
	ck_assert_str_eq(cfg->issuer, "http://[::1]:9443");
	ck_assert_err(load("[server]\nlisten = 127.0.0.2\n"), KALIT_OK);
	ck_assert_str_eq(cfg->issuer, "http://127.0.0.2:8443");
}
END_TEST

/* The mTLS port's URL: the issuer's host, unless set. */
START_TEST(test_conf_mtls_url)
{
	ck_assert_err(load("[server]\ntls_key_file = tls.p12\n"
	    "mtls_port = 9444\n"), KALIT_OK);
	ck_assert_int_eq(cfg->mtls_port, 9444);
	ck_assert_str_eq(cfg->mtls_url, "https://127.0.0.1:9444");
	ck_assert_err(load("[server]\ntls_key_file = tls.p12\n"
	    "issuer = https://id.example.uz/kalit\nmtls_port = 9444\n"),
	    KALIT_OK);
	ck_assert_str_eq(cfg->mtls_url, "https://id.example.uz:9444");
	ck_assert_err(load("[server]\nlisten = ::1\ntls_key_file = tls.p12\n"
	    "mtls_port = 9444\n"), KALIT_OK);
	ck_assert_str_eq(cfg->mtls_url, "https://[::1]:9444");
	ck_assert_err(load("[server]\ntls_key_file = tls.p12\n"
	    "mtls_port = 9444\nmtls_url = https://mtls.example.uz\n"),
	    KALIT_OK);
	ck_assert_str_eq(cfg->mtls_url, "https://mtls.example.uz");
	ck_assert_err(load("[server]\n"), KALIT_OK);
	ck_assert_ptr_null(cfg->mtls_url);
}
END_TEST

/*
 * Shares of what one address may hold depend on whether one address is
 * one host: behind a proxy (behind_proxy, or on loopback) it is not.
 */
static const struct {
	const char	*text;
	int		 per_address;		/* max_per_address */
	size_t		 used_client;		/* challenges_max_client */
	size_t		 used_address;		/* challenges_max_address */
} shares[] = {
	/* facing clients with TLS: 64 connections, a 200th of max_used */
	{ "[server]\nlisten = 0.0.0.0\ntls_key_file = tls.p12\n"
	    "max_connections = 1000\n[challenge]\nmax_used = 1000\n",
	    64, 100, 5 },
	/* behind a proxy off loopback: every connection, no address share */
	{ "[server]\nlisten = 0.0.0.0\nbehind_proxy = yes\n"
	    "max_connections = 1000\n[challenge]\nmax_used = 1000\n",
	    1000, 100, 0 },
	/* behind_proxy on loopback too */
	{ "[server]\nbehind_proxy = yes\nmax_connections = 500\n", 500,
	    200000, 0 },
	/* loopback alone: every connection, but shares of addresses stay */
	{ "[server]\nmax_connections = 500\n[challenge]\nmax_used = 2000\n",
	    500, 200, 10 },
	/* what is set stays set */
	{ "[server]\nlisten = 0.0.0.0\nbehind_proxy = yes\n"
	    "max_connections_per_address = 10\n[challenge]\n"
	    "max_used_per_address = 5\nmax_used_per_client = 0\n",
	    10, 0, 5 },
};

START_TEST(test_conf_address_shares)
{
	ck_assert_msg(load(shares[_i].text) == KALIT_OK, "%s: %s",
	    shares[_i].text, logged);
	ck_assert_int_eq(cfg->max_per_address, shares[_i].per_address);
	ck_assert_uint_eq(cfg->challenges_max_client, shares[_i].used_client);
	ck_assert_uint_eq(cfg->challenges_max_address,
	    shares[_i].used_address);
}
END_TEST

/* What the whole-file checks let through. */
static const char *const whole_ok[] = {
	"[revocation]\ncheck = off\nocsp = no\ncrl = no\n",
	"[revocation]\nocsp = no\n",
	"[revocation]\ncrl = no\n",
	"[responder]\nca_database = ca.db\n",
	"[responder]\nca_database = ca.db\nsigner_dir = s\n"
	    "signer_passphrase = env:P\n",
	"[timestamp]\nkey_file = tsa.p12\npassphrase = env:P\n"
	    "policy = 1.2.3\n",
	"[server]\nlisten = 0.0.0.0\ntls_key_file = tls.p12\n"
	    "tls_passphrase = env:P\n",
	"[server]\nlisten = 127.255.255.254\n",
	"[server]\nissuer = https://id.example.uz/\xc3\xa9\n",
};

START_TEST(test_conf_whole_ok)
{
	ck_assert_msg(load(whole_ok[_i]) == KALIT_OK, "%s: %s", whole_ok[_i],
	    logged);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_conf_defaults);
	tcase_add_loop_test(tc, test_conf_oidc, 0,
	    sizeof(oidcs) / sizeof(oidcs[0]));
	tcase_add_loop_test(tc, test_conf_value_taken, 0,
	    sizeof(taken) / sizeof(taken[0]));
	tcase_add_loop_test(tc, test_conf_bool_taken, 0,
	    sizeof(bools) / sizeof(bools[0]));
	tcase_add_test(tc, test_conf_relative_paths);
	tcase_add_loop_test(tc, test_conf_refused, 0,
	    sizeof(refused) / sizeof(refused[0]));
	tcase_add_test(tc, test_conf_first_error_reported);
	tcase_add_test(tc, test_conf_not_a_text_file);
	tcase_add_test(tc, test_conf_size_capped);
	tcase_add_test(tc, test_conf_missing_file);
	tcase_add_test(tc, test_conf_ipv6_issuer);
	tcase_add_test(tc, test_conf_mtls_url);
	tcase_add_loop_test(tc, test_conf_address_shares, 0,
	    sizeof(shares) / sizeof(shares[0]));
	tcase_add_loop_test(tc, test_conf_whole_ok, 0,
	    sizeof(whole_ok) / sizeof(whole_ok[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_conf", LOG_LEVEL_ERROR);
	return tu_run(conf_suite());
}
