/* conf.c: kalitd.conf, read with inih, every value checked */
#include "config.h"
#include "conf.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "parse.h"
#include "webeid.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>
#include <jansson.h>
#include <openssl/objects.h>

enum opt_type {
	OPT_STR = 0,
	OPT_PATH,	/* relative to the config file's directory */
	OPT_INT,
	OPT_I64,
	OPT_LONG,
	OPT_SIZE,
	OPT_BYTES,	/* a size with an optional K, M or G */
	OPT_BOOL,
	OPT_OID,
	OPT_REVMODE
};

struct opt {
	const char	*section;
	const char	*name;
	enum opt_type	 type;
	size_t		 off;
	long long	 min, max;
};

#define O(f)	offsetof(struct config, f)
static const struct opt opts[] = {
	{ "server", "listen", OPT_STR, O(listen), 0, 0 },
	{ "server", "port", OPT_INT, O(port), 1, 65535 },
	{ "server", "mtls_port", OPT_INT, O(mtls_port), 1, 65535 },
	{ "server", "mtls_url", OPT_STR, O(mtls_url), 0, 0 },
	{ "server", "threads", OPT_INT, O(threads), 1, 256 },
	{ "server", "database", OPT_PATH, O(database), 0, 0 },
	{ "server", "trust_dir", OPT_PATH, O(trust_dir), 0, 0 },
	{ "server", "issuer", OPT_STR, O(issuer), 0, 0 },
	{ "server", "max_body", OPT_SIZE, O(max_body), 1024, 1 << 24 },
	{ "server", "connection_timeout", OPT_INT, O(connection_timeout),
	    1, 3600 },
	{ "server", "max_connections", OPT_INT, O(max_connections), 1,
	    100000 },
	{ "server", "behind_proxy", OPT_BOOL, O(behind_proxy), 0, 0 },
	{ "server", "max_connections_per_address", OPT_INT,
	    O(max_per_address), 1, 100000 },
	{ "server", "request_timeout", OPT_I64, O(request_timeout), 1, 3600 },
	{ "server", "auth_max_failures", OPT_INT, O(auth_max_failures), 1,
	    1000 },
	{ "server", "auth_window", OPT_I64, O(auth_window), 1, 86400 },
	{ "server", "tls_key_file", OPT_PATH, O(tls_key_file), 0, 0 },
	{ "server", "tls_passphrase", OPT_STR, O(tls_passphrase), 0, 0 },
	{ "token", "key_dir", OPT_PATH, O(key_dir), 0, 0 },
	{ "token", "key_passphrase", OPT_STR, O(key_passphrase), 0, 0 },
	{ "token", "lifetime", OPT_I64, O(token_lifetime), 30, 86400 },
	{ "challenge", "lifetime", OPT_I64, O(challenge_lifetime), 10, 3600 },
	{ "challenge", "max_used", OPT_SIZE, O(challenges_max), 1000,
	    100000000 },
	{ "challenge", "max_used_per_client", OPT_SIZE,
	    O(challenges_max_client), 0, 100000000 },
	{ "challenge", "max_used_per_address", OPT_SIZE,
	    O(challenges_max_address), 0, 100000000 },
	{ "policy", "citizen", OPT_OID, O(citizen_oid), 0, 0 },
	{ "policy", "official", OPT_OID, O(official_oid), 0, 0 },
	{ "policy", "system", OPT_OID, O(system_oid), 0, 0 },
	{ "policy", "min_rsa_bits", OPT_INT, O(min_rsa_bits),
	    VALIDATE_MIN_RSA_BITS, 16384 },
	{ "policy", "min_ec_bits", OPT_INT, O(min_ec_bits),
	    VALIDATE_MIN_EC_BITS, 521 },
	{ "revocation", "check", OPT_REVMODE, O(rev.rev_mode), 0, 0 },
	{ "revocation", "ocsp", OPT_BOOL, O(rev.ocsp), 0, 0 },
	{ "revocation", "ocsp_url", OPT_STR, O(ocsp_url), 0, 0 },
	{ "revocation", "ocsp_nonce", OPT_BOOL, O(rev.ocsp_nonce), 0, 0 },
	{ "revocation", "crl", OPT_BOOL, O(rev.crl), 0, 0 },
	{ "revocation", "crl_dir", OPT_PATH, O(crl_dir), 0, 0 },
	{ "revocation", "crl_fetch", OPT_BOOL, O(rev.crl_fetch), 0, 0 },
	{ "revocation", "timeout", OPT_LONG, O(rev.timeout_ms), 100, 60000 },
	{ "revocation", "cache_max", OPT_I64, O(rev.cache_max), 0, 86400 },
	{ "revocation", "fetch_threads", OPT_INT, O(fetch_threads), 1, 256 },
	{ "cache", "certificates", OPT_BYTES, O(cache_certificates), 0,
	    (long long)1 << 36 },
	{ "cache", "revocation", OPT_BYTES, O(rev.status_bytes), 1 << 16,
	    (long long)1 << 36 },
	{ "cache", "crls", OPT_BYTES, O(rev.crl_bytes), 1 << 16,
	    (long long)1 << 36 },
	{ "cache", "ocsp_answers", OPT_BYTES, O(ocsp_cache_bytes), 1 << 16,
	    (long long)1 << 36 },
	{ "responder", "ca_database", OPT_PATH, O(ca_database), 0, 0 },
	{ "responder", "signer_dir", OPT_PATH, O(signer_dir), 0, 0 },
	{ "responder", "signer_passphrase", OPT_STR, O(signer_passphrase),
	    0, 0 },
	{ "responder", "next_update", OPT_I64, O(ocsp_next_update), 60,
	    7 * 86400 },
	{ "responder", "max_answers", OPT_SIZE, O(ocsp_cache_max), 0,
	    100000000 },
	{ "responder", "poll_interval", OPT_LONG, O(ocsp_poll_ms), 10, 1000 },
	{ "responder", "http_max_age", OPT_I64, O(http_max_age), 0, 86400 },
	{ "timestamp", "key_file", OPT_PATH, O(tsa_key_file), 0, 0 },
	{ "timestamp", "passphrase", OPT_STR, O(tsa_passphrase), 0, 0 },
	{ "timestamp", "policy", OPT_OID, O(tsa_policy), 0, 0 },
	{ "timestamp", "accuracy", OPT_INT, O(tsa_accuracy), 1, 60 },
	{ "verify", "max_body", OPT_SIZE, O(verify_max_body),
	    CONFIG_VERIFY_BODY_MIN, CONFIG_VERIFY_BODY_MAX },
	{ "audit", "summary_interval", OPT_I64, O(audit_summary_interval), 1,
	    86400 },
	{ "oidc", "enabled", OPT_BOOL, O(oidc), 0, 0 },
	{ "oidc", "public_origin", OPT_STR, O(public_origin), 0, 0 },
	{ "oidc", "www_dir", OPT_PATH, O(www_dir), 0, 0 },
	{ "oidc", "brand_dir", OPT_PATH, O(brand_dir), 0, 0 },
	{ "oidc", "session_lifetime", OPT_I64, O(session_lifetime), 300,
	    604800 },
	{ "oidc", "code_lifetime", OPT_I64, O(code_lifetime), 10, 60 },
	{ "oidc", "login_lifetime", OPT_I64, O(login_lifetime), 60, 3600 },
	{ "cache", "sessions", OPT_BYTES, O(cache_sessions), 1 << 16,
	    (long long)1 << 36 },
	{ "cache", "codes", OPT_BYTES, O(cache_codes), 1 << 16,
	    (long long)1 << 36 },
	{ "cache", "assertions", OPT_BYTES, O(cache_assertions), 1 << 16,
	    (long long)1 << 36 },
	{ "cache", "tokens", OPT_BYTES, O(cache_tokens), 0,
	    (long long)1 << 36 },
	{ "policy", "hardware_key", OPT_OID, O(hardware_key_oid), 0, 0 },
};
#undef O

struct parse {
	struct config	*c;
	char		*dir;		/* the config file's directory */
	const char	*why;
	char		 seen[sizeof(opts) / sizeof(opts[0])];
};

static int
parse_bool(const char *v, int *bp)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0)
		*bp = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcmp(v, "0") == 0)
		*bp = 0;
	else
		return -1;
	return 0;
}

static char *
make_path(const char *dir, const char *v)
{
	char *p;

	if (v[0] == '/' || dir == NULL)
		return strdup(v);
	if (asprintf(&p, "%s/%s", dir, v) < 0)
		return NULL;
	return p;
}

/* Stores value v as o says into the config; -1 with ps->why set on error. */
static int
opt_set(struct parse *ps, const struct opt *o, const char *v)
{
	void *field = (char *)ps->c + o->off;
	char **sp = field;
	ASN1_OBJECT *oid;
	int64_t n;
	int b;

	if (o->type == OPT_OID) {
		if ((oid = OBJ_txt2obj(v, 1)) == NULL) {
			ps->why = "not a dotted object identifier";
			return -1;
		}
		ASN1_OBJECT_free(oid);
	}
	switch (o->type) {
	case OPT_OID:	/* kept as the text given */
	case OPT_STR:
	case OPT_PATH:
		if (*v == '\0') {
			ps->why = "empty value";
			return -1;
		}
		free(*sp);
		*sp = o->type == OPT_PATH ? make_path(ps->dir, v) : strdup(v);
		if (*sp == NULL) {
			ps->why = "out of memory";
			return -1;
		}
		return 0;
	case OPT_INT:
	case OPT_I64:
	case OPT_LONG:
	case OPT_SIZE:
	case OPT_BYTES:
		if (o->type == OPT_BYTES ? !parse_bytes(v, o->min, o->max, &n) :
		    !parse_i64(v, o->min, o->max, &n)) {
			ps->why = o->type == OPT_BYTES ? "not a size (bytes, or "
			    "with K, M or G) in the allowed range" :
			    "not a number in the allowed range";
			return -1;
		}
		if (o->type == OPT_INT)
			*(int *)field = (int)n;
		else if (o->type == OPT_I64)
			*(int64_t *)field = n;
		else if (o->type == OPT_LONG)
			*(long *)field = (long)n;
		else
			*(size_t *)field = (size_t)n;
		return 0;
	case OPT_BOOL:
		if (parse_bool(v, &b) != 0) {
			ps->why = "not yes or no";
			return -1;
		}
		*(int *)field = b;
		return 0;
	case OPT_REVMODE:
		if (strcmp(v, "require") == 0)
			*(enum validate_rev_mode *)field = VALIDATE_REV_REQUIRE;
		else if (strcmp(v, "soft-fail") == 0)
			*(enum validate_rev_mode *)field =
			    VALIDATE_REV_SOFT_FAIL;
		else if (strcmp(v, "off") == 0)
			*(enum validate_rev_mode *)field = VALIDATE_REV_OFF;
		else {
			ps->why = "not require, soft-fail or off";
			return -1;
		}
		return 0;
	}
	return -1;
}

static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	struct parse *ps = arg;
	size_t i;

	if (ps->why != NULL)	/* inih reports the first error's line */
		return 0;
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strcmp(opts[i].section, section) != 0 ||
		    strcmp(opts[i].name, name) != 0)
			continue;
		if (ps->seen[i]) {
			ps->why = "set twice";
			return 0;
		}
		ps->seen[i] = 1;
		return opt_set(ps, &opts[i], value) == 0;
	}
	ps->why = "unknown section or setting";
	return 0;
}

/* A secret spec "file:NAME" is relative to the config file, like paths. */
static int
spec_path(struct parse *ps, char **specp)
{
	char *p, *spec;

	if (*specp == NULL || strncmp(*specp, "file:", 5) != 0 ||
	    (*specp)[5] == '/' || ps->dir == NULL)
		return 0;
	if ((p = make_path(ps->dir, *specp + 5)) == NULL)
		return -1;
	if (asprintf(&spec, "file:%s", p) < 0) {
		free(p);
		return -1;
	}
	free(p);
	free(*specp);
	*specp = spec;
	return 0;
}

static int	is_loopback(const char *);

/*
 * [oidc]: on when any of its settings is given (enabled = no turns it
 * off); public_origin defaults to the issuer's scheme, host and port.
 */
static int
oidc_defaults(struct parse *ps)
{
	struct config *c = ps->c;
	const char *p;
	size_t i;
	int any = 0, off = 0;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (ps->seen[i] && strcmp(opts[i].section, "oidc") == 0) {
			any = 1;
			if (strcmp(opts[i].name, "enabled") == 0 && !c->oidc)
				off = 1;
		}
	c->oidc = any && !off;
	if (c->www_dir == NULL && (c->www_dir = strdup(WWWDIR)) == NULL)
		return -1;
	if (c->public_origin == NULL) {
		/* scheme "://" authority: what precedes the issuer's path */
		p = strstr(c->issuer, "://");
		p = p != NULL ? strchr(p + 3, '/') : NULL;
		if ((c->public_origin = p != NULL ? strndup(c->issuer,
		    (size_t)(p - c->issuer)) : strdup(c->issuer)) == NULL)
			return -1;
	}
	return 0;
}

/*
 * The mTLS port's URL by default: https, the issuer's host, mtls_port.
 * -1: no memory.
 */
static int
mtls_url_default(struct config *c)
{
	const char *host = strstr(c->issuer, "://"), *end;

	host = host != NULL ? host + 3 : c->issuer;
	end = host + strcspn(host, "/?#");
	/* a port after the host (and after an IPv6 literal's ']') */
	for (const char *p = end; p > host && p[-1] != ']'; p--)
		if (p[-1] == ':') {
			end = p - 1;
			break;
		}
	if (asprintf(&c->mtls_url, "https://%.*s:%d", (int)(end - host), host,
	    c->mtls_port) < 0) {
		c->mtls_url = NULL;
		return -1;
	}
	return 0;
}

/* Defaults for what the file leaves out. */
static int
config_defaults(struct parse *ps)
{
	struct config *c = ps->c;
	static const struct { const char *name, *value; } def[] = {
		{ "listen", "127.0.0.1" }, { "database", "kalitd.db" },
		{ "trust_dir", "certs" }, { "key_dir", "keys" },
		{ "key_passphrase", "file:token.pass" },
		{ "citizen", "1.3.6.1.5.5.7.13.1" },
		{ "official", "1.3.6.1.5.5.7.13.2" },
		{ "system", "1.3.6.1.5.5.7.13.3" },
	};
	size_t i, j;

	for (i = 0; i < sizeof(def) / sizeof(def[0]); i++)
		for (j = 0; j < sizeof(opts) / sizeof(opts[0]); j++)
			if (strcmp(opts[j].name, def[i].name) == 0 &&
			    !ps->seen[j] &&
			    opt_set(ps, &opts[j], def[i].value) != 0)
				return -1;
	if (c->issuer == NULL && asprintf(&c->issuer, strchr(c->listen, ':') ?
	    "%s://[%s]:%d" : "%s://%s:%d", c->tls_key_file ? "https" : "http",
	    c->listen, c->port) < 0) {
		c->issuer = NULL;
		return -1;
	}
	if (c->mtls_port != 0 && c->mtls_url == NULL &&
	    mtls_url_default(c) != 0)
		return -1;
	/*
	 * Behind a proxy (behind_proxy, or any on loopback) every connection
	 * comes from the proxy: only facing clients is one address one host.
	 */
	if (c->max_per_address == 0)
		c->max_per_address = c->behind_proxy || is_loopback(c->listen) ?
		    c->max_connections : 64;
	if (spec_path(ps, &c->key_passphrase) != 0 ||
	    spec_path(ps, &c->tls_passphrase) != 0 ||
	    spec_path(ps, &c->signer_passphrase) != 0 ||
	    spec_path(ps, &c->tsa_passphrase) != 0)
		return -1;
	/*
	 * Shares of max_used: a client a tenth, an address (a host, or an
	 * office behind NAT) a two-hundredth. Behind a proxy every request
	 * comes from the proxy's address, which must not have a share.
	 */
	if (c->challenges_max_client == SIZE_MAX)
		c->challenges_max_client = c->challenges_max / 10;
	if (c->challenges_max_address == SIZE_MAX)
		c->challenges_max_address = c->behind_proxy ? 0 :
		    c->challenges_max / 200;
	c->rev.ocsp_url = c->ocsp_url;
	c->rev.crl_dir = c->crl_dir;
	c->rev.trust_dir = c->trust_dir;
	return oidc_defaults(ps);
}

static int
is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

static int
config_check(struct parse *ps)
{
	struct config *c = ps->c;
	struct in6_addr a6;
	struct in_addr a4;
	const char *why = NULL;
	json_t *iss;

	/* Each token carries it as a JSON string: jansson must take it. */
	if ((iss = json_string(c->issuer)) == NULL) {
		ps->why = "[server] issuer: not UTF-8";
		return -1;
	}
	json_decref(iss);
	if (inet_pton(AF_INET, c->listen, &a4) != 1 &&
	    inet_pton(AF_INET6, c->listen, &a6) != 1) {
		ps->why = "[server] listen: not an IPv4 or IPv6 address";
		return -1;
	}
	if (!is_loopback(c->listen) && !c->behind_proxy &&
	    c->tls_key_file == NULL) {
		ps->why = "[server] listen: plain HTTP off loopback; set "
		    "tls_key_file, or put kalitd behind a TLS proxy and set "
		    "behind_proxy = yes";
		return -1;
	}
	if (c->tls_passphrase != NULL && c->tls_key_file == NULL) {
		ps->why = "[server] tls_passphrase without tls_key_file";
		return -1;
	}
	if (c->mtls_port != 0 && (c->tls_key_file == NULL ||
	    c->mtls_port == c->port)) {
		ps->why = "[server] mtls_port: a port of its own, with "
		    "tls_key_file (client certificates are TLS's)";
		return -1;
	}
	if (c->rev.rev_mode != VALIDATE_REV_OFF && !c->rev.ocsp &&
	    !c->rev.crl) {
		ps->why = "[revocation] both ocsp and crl are off; set "
		    "check = off to say so";
		return -1;
	}
	if ((c->signer_dir != NULL || c->signer_passphrase != NULL) &&
	    c->ca_database == NULL) {
		ps->why = "[responder] signer_dir without ca_database";
		return -1;
	}
	if (c->signer_dir != NULL && c->signer_passphrase == NULL) {
		ps->why = "[responder] signer_dir without signer_passphrase";
		return -1;
	}
	if ((c->tsa_passphrase != NULL || c->tsa_policy != NULL) &&
	    c->tsa_key_file == NULL) {
		ps->why = "[timestamp] passphrase or policy without key_file";
		return -1;
	}
	if (c->tsa_key_file != NULL && (c->tsa_passphrase == NULL ||
	    c->tsa_policy == NULL)) {
		ps->why = "[timestamp] key_file needs passphrase and policy (the "
		    "TSA policy OID your timestamping policy assigns)";
		return -1;
	}
	if (c->oidc && webeid_origin_check(c->public_origin, &why) !=
	    KALIT_OK) {
		ps->why = "[oidc] public_origin (or the issuer's origin): not "
		    "an origin as browsers write it (https://host[:port], or "
		    "http on localhost or 127.0.0.1)";
		log_msg(LOG_LEVEL_ERROR, "public_origin: %s", why);
		return -1;
	}
	if (c->token_lifetime > 86400) {
		ps->why = "[token] lifetime too long";
		return -1;
	}
	return 0;
}

int
config_load(const char *path, struct config **cp)
{
	struct parse ps;
	struct config *c;
	unsigned char *buf = NULL;
	size_t len;
	char *slash;
	int line, r;

	*cp = NULL;
	memset(&ps, 0, sizeof(ps));
	if ((r = file_read(path, CONFIG_MAX_SIZE, &buf, &len)) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, kalit_strerror(r));
		return r == KALIT_ERR_TOO_LARGE ? KALIT_ERR_CONFIG : r;
	}
	if ((c = ps.c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL || (ps.dir = strdup(path)) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	if ((slash = strrchr(ps.dir, '/')) != NULL)
		*slash = '\0';
	else {
		free(ps.dir);
		ps.dir = NULL;
	}
	c->port = 8443;
	c->threads = 2;
	c->max_body = 64 * 1024;
	c->connection_timeout = 10;
	c->max_connections = 4096;
	c->max_per_address = 0;		/* config_defaults() */
	c->request_timeout = 30;
	c->auth_max_failures = 10;
	c->auth_window = 300;
	c->token_lifetime = 600;
	c->challenge_lifetime = 120;
	c->challenges_max = 2000000;
	c->challenges_max_client = SIZE_MAX;	/* unset: see config_defaults */
	c->challenges_max_address = SIZE_MAX;
	c->min_rsa_bits = VALIDATE_MIN_RSA_BITS;
	c->min_ec_bits = VALIDATE_MIN_EC_BITS;
	c->rev.rev_mode = VALIDATE_REV_REQUIRE;
	c->rev.ocsp = 1;
	c->rev.ocsp_nonce = 1;
	c->rev.crl = 1;
	c->rev.crl_fetch = 1;
	c->rev.timeout_ms = 3000;
	c->rev.cache_max = 300;
	c->ocsp_next_update = 3600;
	c->ocsp_cache_max = 1000000;
	c->ocsp_poll_ms = 250;
	c->tsa_accuracy = 1;
	c->verify_max_body = CONFIG_VERIFY_BODY_DEFAULT;
	c->fetch_threads = 4;
	c->cache_certificates = (size_t)64 << 20;
	c->rev.status_bytes = VALIDATE_STATUS_BYTES_DEFAULT;
	c->rev.crl_bytes = VALIDATE_CRL_BYTES_DEFAULT;
	c->ocsp_cache_bytes = (size_t)256 << 20;
	c->audit_summary_interval = 60;
	c->session_lifetime = 28800;
	c->code_lifetime = 60;
	c->login_lifetime = 600;
	c->cache_sessions = (size_t)64 << 20;
	c->cache_codes = (size_t)64 << 20;
	c->cache_assertions = (size_t)16 << 20;
	c->cache_tokens = (size_t)32 << 20;
	r = KALIT_ERR_CONFIG;
	if (memchr(buf, '\0', len) != NULL) {
		log_msg(LOG_LEVEL_ERROR, "%s: not a text file", path);
		goto out;
	}
	if ((line = ini_parse_string((char *)buf, handler, &ps)) != 0) {
		log_msg(LOG_LEVEL_ERROR, "%s:%d: %s", path, line,
		    ps.why != NULL ? ps.why : "not INI syntax");
		goto out;
	}
	if (config_defaults(&ps) != 0 || config_check(&ps) != 0) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path,
		    ps.why != NULL ? ps.why : "out of memory");
		goto out;
	}
	*cp = c;
	c = NULL;
	r = KALIT_OK;
 out:
	config_free(c);
	free(ps.dir);
	free(buf);
	return r;
}

void
config_free(struct config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].type == OPT_STR || opts[i].type == OPT_PATH ||
		    opts[i].type == OPT_OID)
			free(*(char **)((char *)c + opts[i].off));
	free(c->path);
	free(c);
}
