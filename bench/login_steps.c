/*
 * login_steps.c: what the libraries a login must use cost by themselves.
 *
 * bench/login.sh sets kalitd's CPU per login beside the ECDSA ceiling.
 * This program measures, on one thread and with nothing of kalitd's own,
 * the steps besides the two ECDSA operations that the protocol and the
 * project's stack make unavoidable, each with the library that does it:
 *
 *   json_parse    jansson: json_loadb of a login body (as kalitd parses it)
 *   base64        OpenSSL: EVP_DecodeBlock of its "pkcs7" member
 *   cms_parse     OpenSSL: d2i_CMS_ContentInfo of the SignedData (and free)
 *   cms_verify    OpenSSL: CMS_verify of that SignedData without the chain
 *                 (CMS_NO_SIGNER_CERT_VERIFY), less the ECDSA verification
 *                 alone (EVP_DigestVerify of the same signed attributes with
 *                 a key fetched once)
 *   jws_sign      cjose: cjose_jws_sign + cjose_jws_export of a token's
 *                 claims, less the ECDSA signature alone (EVP_DigestSign
 *                 with a key fetched once)
 *   audit         SQLite: one row a login in a WAL database with
 *                 synchronous=FULL, committed BATCH rows at a time
 *   challenge     OpenSSL: a challenge's 16 bytes from the CSPRNG and its
 *                 HMAC-SHA256, made once and checked once
 *   cert_hash     OpenSSL: SHA-256 of the signer's certificate, the key
 *                 that finds what an earlier login proved of it
 *   syscall       not a step: one getpid() system call, for scale (a
 *                 server's own work is mostly system calls)
 *
 * The bodies are the ones bench/login_bodies made for the wrk run. Every
 * figure is thread CPU time (user + system) per login, in microseconds,
 * the least of REPS runs of the step (other load only adds to a run);
 * the result is one line
 *   STEPS json_parse=.. base64=.. cms_parse=.. cms_verify=.. jws_sign=..
 *         audit=.. challenge=.. cert_hash=.. ecdsa_verify=.. ecdsa_sign=..
 *         syscall=..
 * that bench/login.sh reads.
 *
 * usage: login_steps [-n N] [-b BATCH] -d DIR -k KEY.pem:CERT.pem BODIES
 *   N      bodies to use, from the start of BODIES (default 2000)
 *   BATCH  audit rows a transaction (default 11)
 *   DIR    an empty directory for the SQLite database (on the disk
 *          kalitd's database would be on)
 *   KEY.pem:CERT.pem  a citizen's key and certificate: each body's
 *          challenge is signed again with it (see sign_bodies)
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <cjose/cjose.h>
#include <jansson.h>
#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#define USAGE	"usage: login_steps [-n N] [-b BATCH] -d DIR -k KEY.pem:CERT.pem " \
		"BODIES"
#define LINE_MAX_BYTES	(1024 * 1024)
#define ROUNDS_MIN_OPS	10000		/* each step runs at least this often */
#define REPS		3		/* runs of each step; the best one counts */

struct body {
	char		*json;
	size_t		 json_len;
	char		*b64;
	size_t		 b64_len;
	char		*challenge;
	unsigned char	*der;		/* SignedData without certificates */
	size_t		 der_len;
};

/* Another process on the machine can only slow a run down: keep the least. */
static void
keep(double *best, double t)
{
	if (t < *best)
		*best = t;
}

static void
die(const char *what)
{
	fprintf(stderr, "login_steps: %s\n", what);
	exit(1);
}

static double
cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* KEY.pem:CERT.pem, a citizen's key and certificate. */
static void
load_key(const char *spec, EVP_PKEY **keyp, X509 **certp)
{
	char *kp = strdup(spec), *cp;
	FILE *f;

	if (kp == NULL || (cp = strchr(kp, ':')) == NULL)
		die("-k wants KEY.pem:CERT.pem");
	*cp++ = '\0';
	if ((f = fopen(kp, "r")) == NULL ||
	    (*keyp = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
		die("cannot read the private key");
	fclose(f);
	if ((f = fopen(cp, "r")) == NULL ||
	    (*certp = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		die("cannot read the certificate");
	fclose(f);
	if (X509_get0_pubkey(*certp) == NULL)
		die("a certificate without a public key");
	free(kp);
}

static struct body *
read_bodies(const char *path, size_t want, size_t *np)
{
	struct body *b;
	char *line;
	json_t *o;
	size_t n = 0, len;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		die("cannot open the bodies file");
	if ((b = calloc(want, sizeof(*b))) == NULL ||
	    (line = malloc(LINE_MAX_BYTES)) == NULL)
		die("out of memory");
	while (n < want && fgets(line, LINE_MAX_BYTES, f) != NULL) {
		len = strcspn(line, "\n");
		line[len] = '\0';
		if ((o = json_loadb(line, len, 0, NULL)) == NULL ||
		    !json_is_string(json_object_get(o, "pkcs7")))
			die("a body is not a login body");
		b[n].json = strndup(line, len);
		b[n].json_len = len;
		b[n].b64 = strdup(json_string_value(json_object_get(o,
		    "pkcs7")));
		b[n].b64_len = strlen(b[n].b64);
		if (!json_is_string(json_object_get(o, "challenge")))
			die("a body without a challenge");
		b[n].challenge = strdup(json_string_value(json_object_get(o,
		    "challenge")));
		json_decref(o);
		n++;
	}
	fclose(f);
	free(line);
	if (n == 0)
		die("no bodies");
	*np = n;
	return b;
}

static size_t
rounds_for(size_t n)
{
	return (ROUNDS_MIN_OPS + n - 1) / n;
}

static double
step_json(const struct body *b, size_t n)
{
	size_t i, k, rounds = rounds_for(n);
	double t0 = cpu_now();
	json_t *o;

	for (k = 0; k < rounds; k++)
		for (i = 0; i < n; i++) {
			if ((o = json_loadb(b[i].json, b[i].json_len,
			    JSON_REJECT_DUPLICATES, NULL)) == NULL)
				die("json_loadb failed");
			json_decref(o);
		}
	return (cpu_now() - t0) / (double)(rounds * n);
}

static double
step_base64(const struct body *b, size_t n)
{
	size_t i, k, rounds = rounds_for(n);
	unsigned char *out;
	double t0 = cpu_now();

	for (k = 0; k < rounds; k++)
		for (i = 0; i < n; i++) {
			if ((out = malloc(b[i].b64_len / 4 * 3 + 1)) == NULL ||
			    EVP_DecodeBlock(out, (unsigned char *)b[i].b64,
			    (int)b[i].b64_len) < 0)
				die("EVP_DecodeBlock failed");
			free(out);
		}
	return (cpu_now() - t0) / (double)(rounds * n);
}

static CMS_ContentInfo *
cms_of(const struct body *b)
{
	const unsigned char *p = b->der;
	CMS_ContentInfo *cms;

	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)b->der_len)) == NULL)
		die("d2i_CMS_ContentInfo failed");
	return cms;
}

/*
 * Each body's challenge signed again as kalitd parses it: attached
 * SignedData without its certificate. kalitd takes the certificates out
 * before d2i_CMS_ContentInfo and maps them by hash to certificates it has
 * parsed before (OpenSSL 3.0 spends about twice an ECDSA verification
 * setting up a public key decoder for each certificate it parses), so
 * parsing a certificate is not a cost every login must pay.
 */
static void
sign_bodies(struct body *b, size_t n, EVP_PKEY *key, X509 *cert)
{
	CMS_ContentInfo *cms;
	unsigned char *der;
	size_t i;
	BIO *in;
	int len;

	for (i = 0; i < n; i++) {
		der = NULL;
		if ((in = BIO_new_mem_buf(b[i].challenge, -1)) == NULL ||
		    (cms = CMS_sign(cert, key, NULL, in, CMS_BINARY |
		    CMS_NOCERTS)) == NULL ||
		    (len = i2d_CMS_ContentInfo(cms, &der)) <= 0)
			die("CMS_sign failed");
		b[i].der = der;
		b[i].der_len = (size_t)len;
		CMS_ContentInfo_free(cms);
		BIO_free(in);
	}
}

static double
step_cms_parse(const struct body *b, size_t n)
{
	size_t i, k, rounds = rounds_for(n);
	double t0 = cpu_now();

	for (k = 0; k < rounds; k++)
		for (i = 0; i < n; i++)
			CMS_ContentInfo_free(cms_of(&b[i]));
	return (cpu_now() - t0) / (double)(rounds * n);
}

/*
 * CMS_verify of the signature only (the chain is judged apart), with the
 * signer's certificate already parsed; the parse is not timed.
 */
static double
step_cms_verify(const struct body *b, size_t n, X509 *cert)
{
	size_t i, k, rounds = rounds_for(n) / 4 + 1;
	STACK_OF(X509) *certs;
	CMS_ContentInfo *cms;
	double t = 0, t0;
	BIO *out;

	if ((certs = sk_X509_new_null()) == NULL || !sk_X509_push(certs, cert))
		die("out of memory");
	for (k = 0; k < rounds; k++)
		for (i = 0; i < n; i++) {
			cms = cms_of(&b[i]);
			if ((out = BIO_new(BIO_s_mem())) == NULL)
				die("out of memory");
			t0 = cpu_now();
			if (CMS_verify(cms, certs, NULL, NULL, out,
			    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1)
				die("CMS_verify failed");
			t += cpu_now() - t0;
			BIO_free(out);
			CMS_ContentInfo_free(cms);
		}
	sk_X509_free(certs);
	return t / (double)(rounds * n);
}

/* ECDSA P-256 alone, key fetched once: sign (which) 1, or verify 0. */
static double
step_ecdsa(EVP_PKEY *key, int sign)
{
	unsigned char msg[100], sig[80];
	size_t i, slen = sizeof(sig), ops = ROUNDS_MIN_OPS / 4;
	EVP_MD_CTX *ctx;
	double t = 0, t0;

	memset(msg, 'k', sizeof(msg));
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &slen, msg, sizeof(msg)) != 1)
		die("EVP_DigestSign failed");
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < ops; i++) {
		size_t len = sizeof(sig);

		if ((ctx = EVP_MD_CTX_new()) == NULL)
			die("out of memory");
		if (sign) {
			if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
			    key) != 1)
				die("EVP_DigestSignInit failed");
			t0 = cpu_now();
			if (EVP_DigestSign(ctx, sig, &len, msg,
			    sizeof(msg)) != 1)
				die("EVP_DigestSign failed");
		} else {
			if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
			    key) != 1)
				die("EVP_DigestVerifyInit failed");
			t0 = cpu_now();
			if (EVP_DigestVerify(ctx, sig, slen, msg,
			    sizeof(msg)) != 1)
				die("EVP_DigestVerify failed");
		}
		t += cpu_now() - t0;
		EVP_MD_CTX_free(ctx);
	}
	return t / (double)ops;
}

/* cjose_jws_sign + export of claims the size of kalitd's. */
static double
step_jws(void)
{
	static const char claims[] = "{\"sub\":\"31234567890123\","
	    "\"pinfl\":\"31234567890123\",\"name\":\"Aliyev Vali\","
	    "\"given_name\":\"Vali\",\"family_name\":\"Aliyev\","
	    "\"cert_serial\":\"4f2a9c1d0b7e6a5f4e3d2c1b0a998877\","
	    "\"x5t#S256\":\"q3Zf0y2JmT1sYb8kVxW4nR6uP9aLcE7dHgI5oK0tN2M\","
	    "\"iss\":\"https://id.example.uz\",\"aud\":\"portal\","
	    "\"iat\":1796649699,\"nbf\":1796649699,"
	    "\"auth_time\":1796649699,\"exp\":1796650599,"
	    "\"jti\":\"b3Vx0pQ2a9LmN4rT7yW1zA\",\"amr\":[\"pop\",\"swk\"],"
	    "\"acr\":\"citizen\"}";
	size_t i, ops = ROUNDS_MIN_OPS / 4;
	cjose_header_t *hdr;
	cjose_jwk_t *jwk;
	cjose_jws_t *jws;
	const char *ser;
	cjose_err err;
	double t0;

	if ((jwk = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err)) ==
	    NULL || !cjose_jwk_set_kid(jwk, "bench", 5, &err))
		die("cjose_jwk_create_EC_random failed");
	t0 = cpu_now();
	for (i = 0; i < ops; i++) {
		if ((hdr = cjose_header_new(&err)) == NULL ||
		    !cjose_header_set(hdr, CJOSE_HDR_ALG, CJOSE_HDR_ALG_ES256,
		    &err) || !cjose_header_set(hdr, "typ", "JWT", &err) ||
		    !cjose_header_set(hdr, CJOSE_HDR_KID, "bench", &err) ||
		    (jws = cjose_jws_sign(jwk, hdr, (const uint8_t *)claims,
		    sizeof(claims) - 1, &err)) == NULL ||
		    !cjose_jws_export(jws, &ser, &err))
			die("cjose_jws_sign failed");
		cjose_jws_release(jws);
		cjose_header_release(hdr);
	}
	t0 = (cpu_now() - t0) / (double)ops;
	cjose_jwk_release(jwk);
	return t0;
}

/*
 * A challenge's own work: 16 bytes from the CSPRNG, and HMAC-SHA256 twice
 * (made when it is handed out, checked when it comes back), with the MAC
 * fetched and keyed once.
 */
static double
step_challenge(void)
{
	unsigned char key[32], msg[24], md[EVP_MAX_MD_SIZE];
	size_t i, k, mdlen, ops = ROUNDS_MIN_OPS;
	OSSL_PARAM params[2];
	EVP_MAC_CTX *base, *ctx;
	EVP_MAC *m;
	double t0;

	memset(key, 'k', sizeof(key));
	memset(msg, 0, sizeof(msg));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (base = EVP_MAC_CTX_new(m)) == NULL ||
	    EVP_MAC_init(base, key, sizeof(key), params) != 1)
		die("HMAC setup failed");
	t0 = cpu_now();
	for (i = 0; i < ops; i++) {
		if (RAND_bytes(msg, 16) != 1)
			die("RAND_bytes failed");
		for (k = 0; k < 2; k++)
			if ((ctx = EVP_MAC_CTX_dup(base)) == NULL ||
			    EVP_MAC_update(ctx, msg, sizeof(msg)) != 1 ||
			    EVP_MAC_final(ctx, md, &mdlen, sizeof(md)) != 1)
				die("HMAC failed");
			else
				EVP_MAC_CTX_free(ctx);
	}
	t0 = (cpu_now() - t0) / (double)ops;
	EVP_MAC_CTX_free(base);
	EVP_MAC_free(m);
	return t0;
}

/* The certificate's cache key: SHA-256 of its DER, the digest fetched once. */
static double
step_cert_hash(X509 *cert)
{
	unsigned char *der = NULL, md[32];
	size_t i, ops = ROUNDS_MIN_OPS;
	EVP_MD *sha;
	double t0;
	int len;

	if ((len = i2d_X509(cert, &der)) <= 0 ||
	    (sha = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		die("cannot encode the certificate");
	t0 = cpu_now();
	for (i = 0; i < ops; i++)
		if (EVP_Digest(der, (size_t)len, md, NULL, sha, NULL) != 1)
			die("EVP_Digest failed");
	t0 = (cpu_now() - t0) / (double)ops;
	EVP_MD_free(sha);
	OPENSSL_free(der);
	return t0;
}

/* For scale: the cheapest system call, on this machine (a VM's may cost more). */
static double
step_syscall(void)
{
	size_t i, ops = ROUNDS_MIN_OPS * 10;
	double t0 = cpu_now();

	for (i = 0; i < ops; i++)
		if (syscall(SYS_getpid) <= 0)
			die("getpid failed");
	return (cpu_now() - t0) / (double)ops;
}

static void
sql(sqlite3 *db, const char *q)
{
	char *msg = NULL;

	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "login_steps: %s: %s\n", q, msg);
		exit(1);
	}
}

/*
 * One audit row a login, hash-chained with SHA-256 as kalit's audit log
 * is, BATCH rows a transaction, durable at each commit.
 */
static double
step_audit(const char *dir, size_t batch)
{
	static const char detail[] = "ok";
	unsigned char prev[32] = { 0 }, rec[256];
	size_t i, ops = ROUNDS_MIN_OPS / 2;
	sqlite3_stmt *ins;
	char path[4096];
	sqlite3 *db;
	double t0;
	int len;

	snprintf(path, sizeof(path), "%s/steps.db", dir);
	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("cannot open the SQLite database");
	sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "CREATE TABLE audit (seq INTEGER PRIMARY KEY, time INTEGER,"
	    " actor TEXT, action TEXT, serial TEXT, detail TEXT, hash BLOB)");
	if (sqlite3_prepare_v2(db, "INSERT INTO audit VALUES (?,?,?,?,?,?,?)",
	    -1, &ins, NULL) != SQLITE_OK)
		die("cannot prepare the insert");
	t0 = cpu_now();
	for (i = 0; i < ops; i++) {
		if (i % batch == 0)
			sql(db, "BEGIN IMMEDIATE");
		len = snprintf((char *)rec, sizeof(rec), "%zu|%ld|bench|login|"
		    "4f2a9c1d0b7e6a5f4e3d2c1b0a998877|%s|", i, (long)time(NULL),
		    detail);
		memcpy(rec + len, prev, sizeof(prev));
		if (EVP_Digest(rec, (size_t)len + sizeof(prev), prev, NULL,
		    EVP_sha256(), NULL) != 1)
			die("EVP_Digest failed");
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_int64(ins, 2, (sqlite3_int64)time(NULL));
		sqlite3_bind_text(ins, 3, "bench", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, "login", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, "4f2a9c1d0b7e6a5f4e3d2c1b0a998877", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, detail, -1, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 7, prev, sizeof(prev), SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die("the insert failed");
		sqlite3_reset(ins);
		if (i % batch == batch - 1 || i == ops - 1)
			sql(db, "COMMIT");
	}
	t0 = (cpu_now() - t0) / (double)ops;
	sqlite3_finalize(ins);
	sqlite3_close(db);
	unlink(path);
	return t0;
}

int
main(int argc, char **argv)
{
	const char *dir = NULL, *keyspec = NULL;
	size_t n = 2000, batch = 11, nb;
	struct body *b;
	EVP_PKEY *key, *skey;
	X509 *cert;
	double json, b64, parse, verify, ver, sign, jws, audit, chal, hash, sc;
	int c, k;

	while ((c = getopt(argc, argv, "b:d:k:n:")) != -1)
		switch (c) {
		case 'b':
			batch = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'k':
			keyspec = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		default:
			die(USAGE);
		}
	if (optind != argc - 1 || dir == NULL || keyspec == NULL || n == 0 ||
	    batch == 0)
		die(USAGE);
	b = read_bodies(argv[optind], n, &nb);
	load_key(keyspec, &skey, &cert);
	sign_bodies(b, nb, skey, cert);
	if ((key = EVP_EC_gen("P-256")) == NULL)
		die("EVP_EC_gen failed");
	json = b64 = parse = verify = ver = sign = jws = audit = chal = hash =
	    sc = 1e9;
	for (k = 0; k < REPS; k++) {
		keep(&json, step_json(b, nb));
		keep(&b64, step_base64(b, nb));
		keep(&parse, step_cms_parse(b, nb));
		keep(&verify, step_cms_verify(b, nb, cert));
		keep(&ver, step_ecdsa(key, 0));
		keep(&sign, step_ecdsa(key, 1));
		keep(&jws, step_jws());
		keep(&audit, step_audit(dir, batch));
		keep(&chal, step_challenge());
		keep(&hash, step_cert_hash(cert));
		keep(&sc, step_syscall());
	}
	printf("STEPS json_parse=%.2f base64=%.2f cms_parse=%.2f "
	    "cms_verify=%.2f jws_sign=%.2f audit=%.2f challenge=%.2f "
	    "cert_hash=%.2f ecdsa_verify=%.2f ecdsa_sign=%.2f syscall=%.3f\n",
	    json * 1e6, b64 * 1e6, parse * 1e6, (verify - ver) * 1e6,
	    (jws - sign) * 1e6, audit * 1e6, chal * 1e6, hash * 1e6, ver * 1e6,
	    sign * 1e6, sc * 1e6);
	return 0;
}
