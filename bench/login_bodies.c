/*
 * login_bodies.c: pre-signed login bodies for bench/login.sh, and client
 * credentials requests for bench/machine.sh.
 *
 * A signature cannot be made inside wrk's Lua and every challenge is good
 * for one login only, so the benchmark makes its bodies ahead: this
 * program fetches N fresh challenges for CLIENT from a running kalitd (POST
 * /v1/challenge, one keep-alive connection per thread), signs each one as
 * attached CMS with one of K key files in turn (cms_sign_attached, as
 * `kalit login` does), and writes N bodies of POST /v1/login, one JSON
 * object a line:
 *
 *     {"client_id":"...","challenge":"...","pkcs7":"<base64 DER>"}
 *
 * With -t, a system's token requests instead: no challenge, no URL; each
 * line is the form of a POST /oidc/token with grant_type
 * client_credentials, as `kalit token` sends it: client_id CLIENT and a
 * client assertion for the token endpoint AUD (assertion_new_lifetime(),
 * exp LIFETIME seconds ahead, 290 unless given, at most 300: each jti
 * serves once, so a run's requests are signed before it; iat when
 * signed), and resource RESOURCE with -r:
 *
 *     grant_type=client_credentials&client_id=...&client_assertion_type=
 *     urn%3A...%3Ajwt-bearer&client_assertion=<JWS>[&resource=...]
 *
 * usage: login_bodies [-j THREADS] [-n N] [-c CLIENT] [-p PASSSPEC]
 *            [-a CHAIN.pem] [-f LIST] -u URL -o OUT [KEYSPEC...]
 *        login_bodies -t AUD [-l LIFETIME] [-r RESOURCE] [-j THREADS]
 *            [-n N] [-c CLIENT] [-p PASSSPEC] [-a CHAIN.pem] [-f LIST]
 *            -o OUT [KEYSPEC...]
 *
 * KEYSPEC is FILE.p12 (a kalit key file; password from -p, a secret_read
 * spec such as file:PATH) or KEY.pem:CERT.pem (PEM private key and
 * certificate; the certificates of -a CHAIN.pem go into the CMS beside
 * it, as a kalit-ca key file carries its issuing CA and root). -f LIST
 * reads more KEYSPECs, one a line. Body i is signed with key i mod K;
 * an assertion's x5c is its certificate and the CAs of its chain that
 * certify it, up to the root (left out).
 * Progress goes to standard error, and at the end a line
 *   login_bodies: N bodies in S s (R/s); challenge fetch T1 s, signing T2 s
 *   (thread-seconds), K keys, B bytes
 * that bench/login.sh reports.
 */
#include "config.h"

#include "assertion.h"
#include "cms.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"
#include "secret.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define CHALLENGE_MAX	256		/* kalitd sends 80 characters */
#define ANSWER_MAX	4096		/* bytes of a challenge answer */
#define CLIENT_MAX	128
#define LIFETIME_MAX	300		/* kalitd takes no exp further ahead */
#define JWT_BEARER	"urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type" \
			    "%3Ajwt-bearer"

struct key {
	EVP_PKEY	*key;
	X509		*cert;
	STACK_OF(X509)	*chain;
};

struct job {
	const char	*url;		/* .../v1/challenge */
	const char	*client;
	const char	*chbody;	/* {"client_id": client} */
	const char	*aud;		/* -t: token requests for it; else NULL */
	const char	*form;		/* -t: the form before the assertion */
	const char	*form_end;	/* -t: after it: "" or "&resource=..." */
	long		 lifetime;
	struct key	*keys;
	size_t		 nkeys;
	size_t		 n;
	atomic_size_t	 next;		/* next body to make */
	atomic_size_t	 done;
	atomic_int	 failed;
	FILE		*out;
	pthread_mutex_t	 out_mu;
	double		 fetch_s;	/* thread-seconds, under out_mu */
	double		 sign_s;
	size_t		 bytes;
};

struct sink {
	char	buf[ANSWER_MAX];
	size_t	len;
	int	too_large;
};

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
	fputs("usage: login_bodies [-j THREADS] [-n N] [-c CLIENT] "
	    "[-p PASSSPEC] [-a CHAIN.pem]\n"
	    "           [-f LIST] -u URL -o OUT [FILE.p12 | KEY.pem:CERT.pem]...\n"
	    "       login_bodies -t AUD [-l LIFETIME] [-r RESOURCE] "
	    "[-j THREADS] [-n N]\n"
	    "           [-c CLIENT] [-p PASSSPEC] [-a CHAIN.pem] [-f LIST] "
	    "-o OUT [KEYSPEC]...\n",
	    stderr);
	exit(2);
}

static size_t
sink_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	n *= size;
	if (n >= sizeof(s->buf) - s->len) {
		s->too_large = 1;
		return 0;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

/* Certificates of a PEM file onto *chainp (made when NULL). */
static int
load_chain(const char *path, STACK_OF(X509) **chainp)
{
	FILE *f;
	X509 *x;
	int n = 0;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "login_bodies: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (*chainp == NULL && (*chainp = sk_X509_new_null()) == NULL) {
		fclose(f);
		return -1;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(*chainp, x)) {
			X509_free(x);
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	if (n == 0) {
		fprintf(stderr, "login_bodies: %s: no certificate\n", path);
		return -1;
	}
	return 0;
}

/* KEY.pem:CERT.pem, or FILE.p12 opened with pass. */
static int
load_key(const char *spec, const char *pass, STACK_OF(X509) *chain,
    struct key *k)
{
	char *copy, *colon;
	FILE *f;
	int r, i;

	memset(k, 0, sizeof(*k));
	if ((copy = strdup(spec)) == NULL)
		return -1;
	if ((colon = strchr(copy, ':')) == NULL) {
		if (pass == NULL) {
			fprintf(stderr, "login_bodies: %s: a .p12 needs -p\n",
			    spec);
			free(copy);
			return -1;
		}
		r = keyfile_load_p12(copy, pass, &k->key, &k->cert, &k->chain);
		if (r != KALIT_OK)
			fprintf(stderr, "login_bodies: %s: %s\n", spec,
			    kalit_strerror(r));
		free(copy);
		return r == KALIT_OK ? 0 : -1;
	}
	*colon = '\0';
	if ((f = fopen(copy, "r")) == NULL ||
	    (k->key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL) {
		fprintf(stderr, "login_bodies: %s: no PEM private key\n", copy);
		goto fail;
	}
	fclose(f);
	if ((f = fopen(colon + 1, "r")) == NULL ||
	    (k->cert = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
		fprintf(stderr, "login_bodies: %s: no PEM certificate\n",
		    colon + 1);
		goto fail;
	}
	fclose(f);
	f = NULL;
	if (X509_check_private_key(k->cert, k->key) != 1) {
		fprintf(stderr, "login_bodies: %s: key and certificate "
		    "differ\n", spec);
		goto fail;
	}
	if (chain != NULL) {
		if ((k->chain = sk_X509_new_null()) == NULL)
			goto fail;
		for (i = 0; i < sk_X509_num(chain); i++) {
			X509_up_ref(sk_X509_value(chain, i));
			sk_X509_push(k->chain, sk_X509_value(chain, i));
		}
	}
	free(copy);
	return 0;
 fail:
	if (f != NULL)
		fclose(f);
	free(copy);
	return -1;
}

/* POST /v1/challenge on c; the challenge into out. */
static int
get_challenge(CURL *c, char out[CHALLENGE_MAX])
{
	struct sink s;
	json_t *v, *ch;
	long status = 0;
	CURLcode cc;
	size_t n;
	int r = -1;

	s.len = 0;
	s.too_large = 0;
	s.buf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		fprintf(stderr, "login_bodies: POST /v1/challenge: %s\n",
		    s.too_large ? "answer too large" : curl_easy_strerror(cc));
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		fprintf(stderr, "login_bodies: POST /v1/challenge: HTTP %ld: "
		    "%.200s\n", status, s.buf);
		return -1;
	}
	v = json_loadb(s.buf, s.len, 0, NULL);
	ch = json_object_get(v, "challenge");
	if (json_is_string(ch) && (n = json_string_length(ch)) > 0 &&
	    n < CHALLENGE_MAX && strspn(json_string_value(ch),
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == n) {
		memcpy(out, json_string_value(ch), n + 1);
		r = 0;
	} else
		fprintf(stderr, "login_bodies: POST /v1/challenge: no "
		    "challenge in %.200s\n", s.buf);
	json_decref(v);
	return r;
}

/* *linep (of *capp bytes) with room for need bytes. */
static int
room(char **linep, size_t *capp, size_t need)
{
	if (need <= *capp)
		return 0;
	free(*linep);
	*capp = 0;
	if ((*linep = malloc(need)) == NULL)
		return -1;
	*capp = need;
	return 0;
}

/*
 * A login body into *linep: a challenge fetched on c (*fetchedp is when
 * it came), signed with k; its length in *np.
 */
static int
login_line(struct job *j, CURL *c, struct key *k, char **linep,
    size_t *capp, int *np, double *fetchedp)
{
	char challenge[CHALLENGE_MAX];
	unsigned char *der = NULL;
	size_t len, clen;
	int n;

	if (get_challenge(c, challenge) != 0)
		return -1;
	*fetchedp = now_s();
	clen = strlen(challenge);
	if (cms_sign_attached(k->key, k->cert, k->chain, challenge, clen,
	    &der, &len) != KALIT_OK || len > CMS_LOGIN_MAX) {
		fprintf(stderr, "login_bodies: signing failed\n");
		OPENSSL_free(der);
		return -1;
	}
	if (room(linep, capp, 64 + strlen(j->client) + clen +
	    4 * ((len + 2) / 3)) != 0) {
		OPENSSL_free(der);
		return -1;
	}
	n = snprintf(*linep, *capp, "{\"client_id\":\"%s\",\"challenge\":"
	    "\"%s\",\"pkcs7\":\"", j->client, challenge);
	n += EVP_EncodeBlock((unsigned char *)*linep + n, der, (int)len);
	n += snprintf(*linep + n, *capp - (size_t)n, "\"}\n");
	OPENSSL_free(der);
	*np = n;
	return 0;
}

/* A token request's form into *linep: a new assertion signed with k. */
static int
token_line(struct job *j, struct key *k, char **linep, size_t *capp,
    int *np)
{
	char *jws = NULL;
	int r;

	if ((r = assertion_new_lifetime(k->key, k->cert, k->chain, j->client,
	    j->aud, (int64_t)time(NULL), j->lifetime, &jws)) != KALIT_OK) {
		fprintf(stderr, "login_bodies: the assertion: %s\n",
		    kalit_strerror(r));
		return -1;
	}
	r = room(linep, capp, strlen(j->form) + strlen(jws) +
	    strlen(j->form_end) + 2);
	if (r == 0)
		*np = snprintf(*linep, *capp, "%s%s%s\n", j->form, jws,
		    j->form_end);
	assertion_free(jws);
	return r;
}

/* A connection for POST /v1/challenge, with its headers in *hdrp. */
static CURL *
challenge_conn(struct job *j, struct curl_slist **hdrp)
{
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	*hdrp = curl_slist_append(*hdrp, "Expect:");
	*hdrp = curl_slist_append(*hdrp, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, j->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrp);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->chbody);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(j->chbody));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "kalit-bench/" PACKAGE_VERSION);
	return c;
}

static void *
worker(void *arg)
{
	struct job *j = arg;
	struct curl_slist *hdr = NULL;
	char *line = NULL;
	size_t i, cap = 0;
	double t0, t1, t2, fetch_s = 0, sign_s = 0;
	struct key *k;
	CURL *c = NULL;
	int n = 0, err = 1;

	if (j->aud == NULL && (c = challenge_conn(j, &hdr)) == NULL) {
		atomic_store(&j->failed, 1);
		return NULL;
	}
	for (;;) {
		if (atomic_load(&j->failed) ||
		    (i = atomic_fetch_add(&j->next, 1)) >= j->n) {
			err = 0;
			break;
		}
		err = 1;	/* until this body is written */
		k = &j->keys[i % j->nkeys];
		t0 = t1 = now_s();
		if ((j->aud != NULL ? token_line(j, k, &line, &cap, &n) :
		    login_line(j, c, k, &line, &cap, &n, &t1)) != 0)
			break;
		t2 = now_s();
		fetch_s += t1 - t0;
		sign_s += t2 - t1;
		pthread_mutex_lock(&j->out_mu);
		if (fwrite(line, 1, (size_t)n, j->out) != (size_t)n) {
			pthread_mutex_unlock(&j->out_mu);
			fprintf(stderr, "login_bodies: write: %s\n",
			    strerror(errno));
			break;
		}
		j->bytes += (size_t)n;
		pthread_mutex_unlock(&j->out_mu);
		atomic_fetch_add(&j->done, 1);
	}
	if (err)
		atomic_store(&j->failed, 1);
	pthread_mutex_lock(&j->out_mu);
	j->fetch_s += fetch_s;
	j->sign_s += sign_s;
	pthread_mutex_unlock(&j->out_mu);
	free(line);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return NULL;
}

/* Adds spec to keys[]; grows the array. */
static int
add_key(struct key **keysp, size_t *np, size_t *capp, const char *spec,
    const char *pass, STACK_OF(X509) *chain)
{
	struct key *p;

	if (*np == *capp) {
		*capp = *capp ? *capp * 2 : 64;
		if ((p = realloc(*keysp, *capp * sizeof(*p))) == NULL)
			return -1;
		*keysp = p;
	}
	if (load_key(spec, pass, chain, &(*keysp)[*np]) != 0)
		return -1;
	(*np)++;
	return 0;
}

/*
 * -t's form around the assertion, client and resource (may be NULL)
 * percent-encoded; the two parts live until exit.
 */
static int
token_form(struct job *j, const char *resource)
{
	char *client, *res = NULL, *form = NULL, *end = NULL;
	int ok;

	client = curl_easy_escape(NULL, j->client, 0);
	if (resource != NULL)
		res = curl_easy_escape(NULL, resource, 0);
	ok = client != NULL && (resource == NULL || res != NULL) &&
	    asprintf(&form, "grant_type=client_credentials&client_id=%s"
	    "&client_assertion_type=%s&client_assertion=", client,
	    JWT_BEARER) >= 0 && asprintf(&end, "%s%s", res != NULL ?
	    "&resource=" : "", res != NULL ? res : "") >= 0;
	curl_free(client);
	curl_free(res);
	j->form = form;
	j->form_end = end;
	return ok ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	struct job j;
	struct key *keys = NULL;
	STACK_OF(X509) *chain = NULL;
	const char *url = NULL, *outpath = NULL, *list = NULL,
	    *passspec = NULL, *resource = NULL;
	char *pass = NULL, *churl = NULL, *chbody = NULL, line[4096];
	size_t nkeys = 0, cap = 0, i, last = 0, d;
	long nthreads, n = 150000;
	pthread_t *tid;
	double t0, t, tlast;
	FILE *f;
	int c, ok;

	memset(&j, 0, sizeof(j));
	j.client = "bench";
	j.lifetime = LIFETIME_MAX - 10;
	nthreads = sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 1)
		nthreads = 1;
	log_init("login_bodies", LOG_LEVEL_WARN);
	while ((c = getopt(argc, argv, "a:c:f:j:l:n:o:p:r:t:u:")) != -1) {
		switch (c) {
		case 'a':
			if (load_chain(optarg, &chain) != 0)
				return 1;
			break;
		case 'c':
			if (strlen(optarg) >= CLIENT_MAX ||
			    strpbrk(optarg, "\"\\") != NULL)
				usage();
			j.client = optarg;
			break;
		case 'f':
			list = optarg;
			break;
		case 'j':
			nthreads = strtol(optarg, NULL, 10);
			if (nthreads < 1 || nthreads > 256)
				usage();
			break;
		case 'l':
			j.lifetime = strtol(optarg, NULL, 10);
			if (j.lifetime < 1 || j.lifetime > LIFETIME_MAX)
				usage();
			break;
		case 'n':
			n = strtol(optarg, NULL, 10);
			if (n < 1)
				usage();
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'p':
			passspec = optarg;
			break;
		case 'r':
			resource = optarg;
			break;
		case 't':
			j.aud = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		default:
			usage();
		}
	}
	if ((url == NULL) == (j.aud == NULL) || outpath == NULL ||
	    (resource != NULL && j.aud == NULL))
		usage();
	if (passspec != NULL &&
	    secret_read(passspec, "key file password", 0, &pass) != KALIT_OK) {
		fprintf(stderr, "login_bodies: -p %s: cannot read\n", passspec);
		return 1;
	}
	for (; optind < argc; optind++)
		if (add_key(&keys, &nkeys, &cap, argv[optind], pass, chain) !=
		    0)
			return 1;
	if (list != NULL) {
		if ((f = fopen(list, "r")) == NULL) {
			fprintf(stderr, "login_bodies: %s: %s\n", list,
			    strerror(errno));
			return 1;
		}
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0' || line[0] == '#')
				continue;
			if (add_key(&keys, &nkeys, &cap, line, pass, chain) !=
			    0)
				return 1;
		}
		fclose(f);
	}
	secret_free(pass);
	if (nkeys == 0) {
		fprintf(stderr, "login_bodies: no key given\n");
		usage();
	}
	i = url != NULL ? strlen(url) : 0;
	while (i > 0 && url[i - 1] == '/')
		i--;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    asprintf(&churl, "%.*s/v1/challenge", (int)i, url != NULL ? url :
	    "") < 0 || asprintf(&chbody, "{\"client_id\":\"%s\"}",
	    j.client) < 0 || (j.aud != NULL && token_form(&j, resource) != 0))
		return 1;
	if ((j.out = fopen(outpath, "w")) == NULL) {
		fprintf(stderr, "login_bodies: %s: %s\n", outpath,
		    strerror(errno));
		return 1;
	}
	setvbuf(j.out, NULL, _IOFBF, 1 << 20);
	j.url = churl;
	j.chbody = chbody;
	j.keys = keys;
	j.nkeys = nkeys;
	j.n = (size_t)n;
	atomic_init(&j.next, 0);
	atomic_init(&j.done, 0);
	atomic_init(&j.failed, 0);
	pthread_mutex_init(&j.out_mu, NULL);
	if ((tid = calloc((size_t)nthreads, sizeof(*tid))) == NULL)
		return 1;
	fprintf(stderr, "login_bodies: %ld %s %s, %zu keys, %ld threads\n", n,
	    j.aud != NULL ? "token requests for" : "bodies from",
	    j.aud != NULL ? j.aud : churl, nkeys, nthreads);
	t0 = now_s();
	for (c = 0; c < nthreads; c++)
		if (pthread_create(&tid[c], NULL, worker, &j) != 0) {
			fprintf(stderr, "login_bodies: pthread_create\n");
			return 1;
		}
	/* Progress about once a second while the workers run. */
	tlast = t0;
	for (;;) {
		for (c = 0; c < 10; c++) {
			d = atomic_load(&j.done);
			if (d >= j.n || atomic_load(&j.failed))
				break;
			usleep(100000);
		}
		if (d >= j.n || atomic_load(&j.failed))
			break;
		t = now_s();
		fprintf(stderr, "login_bodies: %zu/%zu (%.0f%%), %.0f/s\n", d,
		    j.n, 100.0 * (double)d / (double)j.n,
		    (double)(d - last) / (t - tlast));
		last = d;
		tlast = t;
	}
	for (c = 0; c < nthreads; c++)
		pthread_join(tid[c], NULL);
	t = now_s() - t0;
	ok = !atomic_load(&j.failed) && atomic_load(&j.done) == j.n &&
	    fclose(j.out) == 0;
	if (!ok) {
		fprintf(stderr, "login_bodies: failed after %zu bodies\n",
		    atomic_load(&j.done));
		return 1;
	}
	fprintf(stderr, "login_bodies: %zu bodies in %.2f s (%.0f/s); "
	    "challenge fetch %.2f s, signing %.2f s (thread-seconds), "
	    "%zu keys, %zu bytes\n", j.n, t, (double)j.n / t, j.fetch_s,
	    j.sign_s, nkeys, j.bytes);
	for (i = 0; i < nkeys; i++) {
		EVP_PKEY_free(keys[i].key);
		X509_free(keys[i].cert);
		sk_X509_pop_free(keys[i].chain, X509_free);
	}
	free(keys);
	sk_X509_pop_free(chain, X509_free);
	free(tid);
	free(churl);
	free(chbody);
	free((char *)j.form);
	free((char *)j.form_end);
	curl_global_cleanup();
	return 0;
}
