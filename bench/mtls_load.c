/*
 * mtls_load.c: load over mutual TLS for bench/machine.sh's rows (d) and
 * (e): agencies' systems asking kalitd's mTLS port for tokens with their
 * certificates in the TLS handshake (RFC 8705 tls_client_auth), which wrk
 * cannot present.
 *
 * CLIENTS threads, each with one libcurl handle, send one request after
 * another for SECONDS: POST URL with FORM (application/x-www-form-urlencoded)
 * or, without -d, GET URL. Each presents one of the K keys of LIST
 * (KEY.pem:CERT.pem lines; read once, handed to libcurl as blobs), and
 * checks kalitd's certificate against CAFILE. With -n every request has a
 * connection of its own: no reuse, no TLS session cache, so each is a full
 * handshake with the client's certificate, and request i of client c
 * presents key (c + i * CLIENTS) mod K; without it client c keeps its
 * connection alive and presents key c mod K.
 *
 * An answer is good when it is 200 and contains TEXT (-e; default
 * "access_token"); any other is counted by its JSON "error" (else
 * http_STATUS), a transfer that fails by libcurl's error. The TLS of every
 * handshake is looked at as it completes (SSL_CTX_set_info_callback on
 * the context libcurl makes for each connection): it counts, and must not
 * be resumed; its version, cipher, key exchange group and kalitd's
 * signature are those of the first handshake (or "mixed"); session tickets
 * kalitd sends are counted, not kept. At the end, on standard output:
 *
 *   MTLS_RESULT requests=N ok=N bad=N err=N duration_us=N handshakes=N
 *     resumed=N tickets=N lat_p50_us=N lat_p90_us=N lat_p99_us=N
 *     lat_mean_us=N
 *   MTLS_TLS version=V cipher=C group=G server_sig=S
 *   MTLS_ERROR CODE N           (a line a refusal's or failure's code)
 *   MTLS_FIRST_BAD ...          (the first refusal, 200 bytes)
 *
 * usage: mtls_load -u URL [-d FORM] [-e TEXT] -f LIST -C CAFILE
 *            [-j CLIENTS] [-t SECONDS] [-n]
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define ANSWER_MAX	16384		/* bytes of an answer kept */
#define FILE_MAX	65536		/* bytes of a key or certificate */
#define CODES_MAX	32		/* distinct refusal codes counted */
#define CODE_LEN	64
#define TLS_NAME_LEN	64

struct key {
	struct curl_blob	 key;
	struct curl_blob	 cert;
};

struct code {
	char	 name[CODE_LEN];
	size_t	 n;
};

/* What the handshakes were; the first one's, or "mixed". */
struct tls_seen {
	char	 version[TLS_NAME_LEN];
	char	 cipher[TLS_NAME_LEN];
	char	 group[TLS_NAME_LEN];
	char	 sig[TLS_NAME_LEN];
};

struct client {
	struct run	*run;
	int		 id;
	uint32_t	*lat;		/* microseconds a request */
	size_t		 nlat, caplat;
	size_t		 ok, bad, err, handshakes, resumed, tickets;
	struct code	 codes[CODES_MAX];
	size_t		 ncodes;
	struct tls_seen	 tls;
	char		 first_bad[320];	/* code, status, answer */
	char		 buf[ANSWER_MAX];
	size_t		 len;
};

struct run {
	const char	*url;
	const char	*form;
	const char	*text;
	const char	*cafile;
	struct key	*keys;
	size_t		 nkeys;
	int		 nclients;
	int		 fresh;		/* -n: a connection a request */
	double		 deadline;
	pthread_barrier_t start;
};

static __thread struct client *tls_client;	/* the handshake's */
static int seen_idx = -1;	/* SSL ex_data: handshake already counted */

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
usage(void)
{
	fputs("usage: mtls_load -u URL [-d FORM] [-e TEXT] -f LIST "
	    "-C CAFILE [-j CLIENTS]\n"
	    "           [-t SECONDS] [-n]\n", stderr);
	exit(2);
}

/* path's bytes into b (caller frees b->data). */
static int
read_blob(const char *path, struct curl_blob *b)
{
	FILE *f;
	char *p;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "mtls_load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((p = malloc(FILE_MAX)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(p, 1, FILE_MAX, f);
	fclose(f);
	if (n == 0 || n == FILE_MAX) {
		fprintf(stderr, "mtls_load: %s: empty or too large\n", path);
		free(p);
		return -1;
	}
	b->data = p;
	b->len = n;
	b->flags = CURL_BLOB_NOCOPY;
	return 0;
}

/* LIST's KEY.pem:CERT.pem lines into *keysp. */
static int
read_keys(const char *list, struct key **keysp, size_t *np)
{
	char line[4096], *colon;
	struct key *keys = NULL, *p;
	size_t n = 0;
	FILE *f;

	if ((f = fopen(list, "r")) == NULL) {
		fprintf(stderr, "mtls_load: %s: %s\n", list, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL ||
		    (p = realloc(keys, (n + 1) * sizeof(*keys))) == NULL) {
			fprintf(stderr, "mtls_load: %s: not KEY:CERT\n", line);
			goto fail;
		}
		keys = p;
		*colon = '\0';
		if (read_blob(line, &keys[n].key) != 0)
			goto fail;
		if (read_blob(colon + 1, &keys[n].cert) != 0) {
			free(keys[n].key.data);
			goto fail;
		}
		n++;
	}
	fclose(f);
	*keysp = keys;
	*np = n;
	return n > 0 ? 0 : -1;
 fail:
	fclose(f);
	while (n-- > 0) {
		free(keys[n].key.data);
		free(keys[n].cert.data);
	}
	free(keys);
	return -1;
}

static void
tls_name(char *have, const char *now)
{
	if (have[0] == '\0')
		snprintf(have, TLS_NAME_LEN, "%s", now);
	else if (strcmp(have, now) != 0)
		snprintf(have, TLS_NAME_LEN, "mixed");
}

/* The peer's signature in the handshake: "ECDSA-prime256v1-SHA256". */
static void
peer_sig(const SSL *ssl, char *out, size_t len)
{
	const char *kind = "?", *group = "", *hash = "?";
	char gname[32];
	size_t glen = 0;
	EVP_PKEY *pk;
	X509 *x;
	int nid;

	if (SSL_get_peer_signature_type_nid(ssl, &nid) == 1)
		kind = nid == EVP_PKEY_EC ? "ECDSA" : nid == EVP_PKEY_RSA_PSS ?
		    "RSA-PSS" : nid == EVP_PKEY_RSA ? "RSA" : OBJ_nid2sn(nid);
	if (SSL_get_peer_signature_nid((SSL *)ssl, &nid) == 1 &&
	    OBJ_nid2sn(nid) != NULL)
		hash = OBJ_nid2sn(nid);
	if ((x = SSL_get0_peer_certificate(ssl)) != NULL &&
	    (pk = X509_get0_pubkey(x)) != NULL &&
	    EVP_PKEY_get_group_name(pk, gname, sizeof(gname), &glen) == 1)
		group = gname;
	snprintf(out, len, "%s%s%s-%s", kind ? kind : "?", *group ? "-" : "",
	    group, hash);
}

/* A handshake done: counted once per connection, its TLS noted. */
static void
on_info(const SSL *ssl, int where, int ret)
{
	struct client *c = tls_client;
	const char *group = "?";
	char sig[TLS_NAME_LEN];
	int nid;

	(void)ret;
	if (c == NULL || !(where & SSL_CB_HANDSHAKE_DONE) ||
	    SSL_get_ex_data(ssl, seen_idx) != NULL)
		return;
	SSL_set_ex_data((SSL *)ssl, seen_idx, c);
	c->handshakes++;
	if (SSL_session_reused((SSL *)ssl))
		c->resumed++;
	if ((nid = SSL_get_negotiated_group((SSL *)ssl)) > 0 &&
	    OBJ_nid2sn(nid) != NULL)
		group = OBJ_nid2sn(nid);
	peer_sig(ssl, sig, sizeof(sig));
	tls_name(c->tls.version, SSL_get_version(ssl));
	tls_name(c->tls.cipher, SSL_get_cipher_name(ssl));
	tls_name(c->tls.group, group);
	tls_name(c->tls.sig, sig);
}

/* A session ticket from the server: counted, not kept. */
static int
on_ticket(SSL *ssl, SSL_SESSION *sess)
{
	(void)ssl;
	(void)sess;
	if (tls_client != NULL)
		tls_client->tickets++;
	return 0;
}

/* libcurl's context of a new connection. */
static CURLcode
on_ctx(CURL *curl, void *ctx, void *arg)
{
	(void)curl;
	(void)arg;
	SSL_CTX_set_info_callback(ctx, on_info);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, on_ticket);
	return CURLE_OK;
}

static size_t
on_data(char *data, size_t size, size_t n, void *arg)
{
	struct client *c = arg;
	size_t room = sizeof(c->buf) - 1 - c->len;

	n *= size;
	memcpy(c->buf + c->len, data, n < room ? n : room);
	c->len += n < room ? n : room;
	c->buf[c->len] = '\0';
	return n;
}

/* n more of code. */
static void
count(struct client *c, const char *code, size_t n)
{
	size_t i;

	for (i = 0; i < c->ncodes; i++)
		if (strcmp(c->codes[i].name, code) == 0)
			break;
	if (i == c->ncodes) {
		if (c->ncodes == CODES_MAX)
			i = CODES_MAX - 1;	/* the last takes the rest */
		else
			snprintf(c->codes[c->ncodes++].name, CODE_LEN, "%s",
			    code);
	}
	c->codes[i].n += n;
}

/* The answer in c->buf, of status st, judged. */
static void
judge(struct client *c, CURLcode cc, long st)
{
	char code[CODE_LEN];
	json_t *v;
	const char *e;

	if (cc == CURLE_OK && st == 200 && strstr(c->buf, c->run->text)) {
		c->ok++;
		return;
	}
	if (cc != CURLE_OK) {
		c->err++;
		snprintf(code, sizeof(code), "curl:%s", curl_easy_strerror(cc));
	} else {
		c->bad++;
		v = json_loads(c->buf, 0, NULL);
		if ((e = json_string_value(json_object_get(v, "error"))) !=
		    NULL)
			snprintf(code, sizeof(code), "%s", e);
		else
			snprintf(code, sizeof(code), "http_%ld", st);
		json_decref(v);
	}
	count(c, code, 1);
	if (c->first_bad[0] == '\0')
		snprintf(c->first_bad, sizeof(c->first_bad),
		    "%s HTTP %ld %.200s", code, st, c->buf);
}

static int
keep_latency(struct client *c, double s)
{
	uint32_t *p;

	if (c->nlat == c->caplat) {
		c->caplat = c->caplat ? c->caplat * 2 : 65536;
		if ((p = realloc(c->lat, c->caplat * sizeof(*p))) == NULL)
			return -1;
		c->lat = p;
	}
	c->lat[c->nlat++] = (uint32_t)(s * 1e6);
	return 0;
}

static void
use_key(CURL *h, const struct key *k)
{
	curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &k->cert);
	curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
	curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &k->key);
	curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
}

static CURL *
handle(struct client *c)
{
	struct run *r = c->run;
	CURL *h;

	if ((h = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_CAINFO, r->cafile);
	/* an SSL_CTX: libcurl must be built with OpenSSL */
	if (curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, on_ctx) !=
	    CURLE_OK) {
		fprintf(stderr, "mtls_load: libcurl is not built with "
		    "OpenSSL\n");
		curl_easy_cleanup(h);
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "kalit-bench/" PACKAGE_VERSION);
	if (r->form != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->form);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(r->form));
	}
	if (r->fresh) {
		curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	}
	use_key(h, &r->keys[(size_t)c->id % r->nkeys]);
	return h;
}

static void *
client_run(void *arg)
{
	struct client *c = arg;
	struct run *r = c->run;
	size_t i = 0;
	double t0, t1;
	CURLcode cc;
	long st;
	CURL *h;

	tls_client = c;
	h = handle(c);
	pthread_barrier_wait(&r->start);
	if (h == NULL) {
		count(c, "curl_easy_init", 1);
		c->err++;
		return NULL;
	}
	for (t0 = now_s(); t0 < r->deadline; t0 = t1, i++) {
		if (r->fresh)
			use_key(h, &r->keys[((size_t)c->id + i *
			    (size_t)r->nclients) % r->nkeys]);
		c->len = 0;
		c->buf[0] = '\0';
		st = 0;
		cc = curl_easy_perform(h);
		t1 = now_s();
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
		judge(c, cc, st);
		if (keep_latency(c, t1 - t0) != 0)
			break;
	}
	curl_easy_cleanup(h);
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The clients' figures, printed as the head comment says. */
static void
report(struct client *cl, int n, double secs)
{
	struct client all;
	uint32_t *lat;
	size_t nlat = 0, i;
	double sum = 0;
	int k;

	memset(&all, 0, sizeof(all));
	for (k = 0; k < n; k++)
		nlat += cl[k].nlat;
	if ((lat = calloc(nlat + 1, sizeof(*lat))) == NULL)
		return;
	for (k = 0, nlat = 0; k < n; k++) {
		memcpy(lat + nlat, cl[k].lat, cl[k].nlat * sizeof(*lat));
		nlat += cl[k].nlat;
		all.ok += cl[k].ok;
		all.bad += cl[k].bad;
		all.err += cl[k].err;
		all.handshakes += cl[k].handshakes;
		all.resumed += cl[k].resumed;
		all.tickets += cl[k].tickets;
		tls_name(all.tls.version, cl[k].tls.version);
		tls_name(all.tls.cipher, cl[k].tls.cipher);
		tls_name(all.tls.group, cl[k].tls.group);
		tls_name(all.tls.sig, cl[k].tls.sig);
		for (i = 0; i < cl[k].ncodes; i++)
			count(&all, cl[k].codes[i].name, cl[k].codes[i].n);
		if (all.first_bad[0] == '\0')
			memcpy(all.first_bad, cl[k].first_bad,
			    sizeof(all.first_bad));
	}
	qsort(lat, nlat, sizeof(*lat), cmp_u32);
	for (i = 0; i < nlat; i++)
		sum += lat[i];
	printf("MTLS_RESULT requests=%zu ok=%zu bad=%zu err=%zu "
	    "duration_us=%.0f handshakes=%zu resumed=%zu tickets=%zu "
	    "lat_p50_us=%u lat_p90_us=%u lat_p99_us=%u lat_mean_us=%.0f\n",
	    nlat, all.ok, all.bad, all.err, secs * 1e6, all.handshakes,
	    all.resumed, all.tickets, lat[nlat / 2], lat[nlat * 9 / 10],
	    lat[nlat * 99 / 100], nlat ? sum / (double)nlat : 0);
	printf("MTLS_TLS version=%s cipher=%s group=%s server_sig=%s\n",
	    all.tls.version[0] ? all.tls.version : "-",
	    all.tls.cipher[0] ? all.tls.cipher : "-",
	    all.tls.group[0] ? all.tls.group : "-",
	    all.tls.sig[0] ? all.tls.sig : "-");
	for (i = 0; i < all.ncodes; i++)
		printf("MTLS_ERROR %s %zu\n", all.codes[i].name,
		    all.codes[i].n);
	if (all.first_bad[0] != '\0') {
		all.first_bad[strcspn(all.first_bad, "\r\n")] = '\0';
		printf("MTLS_FIRST_BAD %s\n", all.first_bad);
	}
	free(lat);
}

int
main(int argc, char *argv[])
{
	struct run r;
	struct client *cl;
	pthread_t *tid;
	const char *list = NULL;
	double secs = 10, t0;
	size_t i;
	int c;

	memset(&r, 0, sizeof(r));
	r.text = "\"access_token\"";
	r.nclients = 2;
	while ((c = getopt(argc, argv, "C:d:e:f:j:nt:u:")) != -1) {
		switch (c) {
		case 'C':
			r.cafile = optarg;
			break;
		case 'd':
			r.form = optarg;
			break;
		case 'e':
			r.text = optarg;
			break;
		case 'f':
			list = optarg;
			break;
		case 'j':
			r.nclients = (int)strtol(optarg, NULL, 10);
			if (r.nclients < 1 || r.nclients > 1024)
				usage();
			break;
		case 'n':
			r.fresh = 1;
			break;
		case 't':
			secs = strtod(optarg, NULL);
			if (!(secs > 0 && secs <= 3600))
				usage();
			break;
		case 'u':
			r.url = optarg;
			break;
		default:
			usage();
		}
	}
	if (r.url == NULL || list == NULL || r.cafile == NULL ||
	    optind != argc)
		usage();
	if (read_keys(list, &r.keys, &r.nkeys) != 0 ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (seen_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL)) < 0)
		return 1;
	cl = calloc((size_t)r.nclients, sizeof(*cl));
	tid = calloc((size_t)r.nclients, sizeof(*tid));
	if (cl == NULL || tid == NULL ||
	    pthread_barrier_init(&r.start, NULL, (unsigned)r.nclients + 1) != 0)
		return 1;
	for (c = 0; c < r.nclients; c++) {
		cl[c].run = &r;
		cl[c].id = c;
		if (pthread_create(&tid[c], NULL, client_run, &cl[c]) != 0) {
			fprintf(stderr, "mtls_load: pthread_create\n");
			return 1;
		}
	}
	t0 = now_s();
	r.deadline = t0 + secs;
	pthread_barrier_wait(&r.start);
	for (c = 0; c < r.nclients; c++)
		pthread_join(tid[c], NULL);
	report(cl, r.nclients, now_s() - t0);
	for (c = 0; c < r.nclients; c++)
		free(cl[c].lat);
	for (i = 0; i < r.nkeys; i++) {
		free(r.keys[i].key.data);
		free(r.keys[i].cert.data);
	}
	free(r.keys);
	free(cl);
	free(tid);
	curl_global_cleanup();
	return 0;
}
