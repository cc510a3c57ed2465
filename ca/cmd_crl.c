/*
 * cmd_crl.c: kalit-ca crl: the full or delta CRLs of every shard of a CA,
 * signed and stored in the CA database with their CRL number and audit
 * record in one transaction, then written to dir/crl/; once, or (--watch)
 * as the publisher that keeps them current.
 */
#include "config.h"

#include "ca.h"
#include "audit.h"
#include "crl.h"
#include "err.h"
#include "file.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CRL_DEFAULT_DAYS	7
#define CRL_WARN_SIZE		(10 * 1024 * 1024)	/* bytes, one CRL */
#define WATCH_DEFAULT_EVERY	3600	/* seconds between full CRLs */
#define WATCH_POLL_MS		200	/* how often the database is looked at */
#define WATCH_SETTLE_MS		150	/* a burst of changes ends after this */
#define WATCH_DELAY_MAX_MS	700	/* ... or after this, whatever comes */
#define WATCH_RETRY		5	/* seconds before a failed one again */

/* What one publication made, for the log line and --json. */
struct pub_shard {
	struct crl	*crl;
	int64_t		 base_number;	/* delta: its base CRL's number */
	int64_t		 base_seq;	/* delta: the base's audit_seq */
	size_t		 entries;
	size_t		 bytes;
	char		 name[128];	/* NAME[.K][.delta].crl */
	char		 path[PATH_MAX]; /* dir/crl/NAME...crl */
	int		 tmp_written;	/* path.tmp holds it, to be renamed */
};

struct pub {
	struct ca_handle *h;
	int		 delta;
	int		 nshards;
	int64_t		 number;
	int64_t		 audit_seq;	/* the last audit record reflected */
	time_t		 this_update, next_update;
	size_t		 entries;
	size_t		 bytes;
	int		 progress;	/* show progress on stderr */
	struct pub_shard *shard;
};

/* Adds a revoked or held certificate to its shard's full CRL. */
static int
add_revoked(const char *serial, int64_t revoked_at, int reason, void *arg)
{
	struct pub *p = arg;
	int k = crl_shard(serial, p->nshards), r;

	if (k < 0)
		return KALIT_ERR_MALFORMED;
	if ((r = crl_add(p->shard[k].crl, serial, (time_t)revoked_at,
	    reason)) != KALIT_OK)
		return r;
	p->shard[k].entries++;
	if (++p->entries % 50000 == 0 && p->progress)
		fprintf(stderr, "\rCRL entries: %zu", p->entries);
	return KALIT_OK;
}

/* State of one shard's delta CRL while its changes are read. */
struct delta_fill {
	struct pub	*p;
	int		 k;
};

/*
 * Adds a certificate whose status changed since the base CRL: revoked or
 * held as in a full CRL; valid again (released) as removeFromCRL, dated
 * this CRL's thisUpdate.
 */
static int
add_changed(const char *serial, int status, int64_t revoked_at, int reason,
    void *arg)
{
	struct delta_fill *d = arg;
	struct pub_shard *s = &d->p->shard[d->k];
	int r;

	if (crl_shard(serial, d->p->nshards) != d->k)
		return KALIT_OK;
	if (status == STORE_VALID)
		r = crl_add(s->crl, serial, d->p->this_update,
		    CRL_REASON_REMOVE_FROM_CRL);
	else
		r = crl_add(s->crl, serial, (time_t)revoked_at, reason);
	if (r == KALIT_OK) {
		s->entries++;
		d->p->entries++;
	}
	return r;
}

/* Starts every shard's CRL: number, times, IDP, Freshest CRL, delta base. */
static int
pub_start(struct ca_ctx *ctx, struct pub *p)
{
	const struct store_ca *ca = &p->h->rec;
	struct store_crl base;
	char url[1024];
	int k, r;

	for (k = 0; k < p->nshards; k++) {
		struct pub_shard *s = &p->shard[k];

		ca_crl_name(ca, k, p->delta, s->name, sizeof(s->name));
		if ((r = crl_new(p->h->cert, p->number, p->this_update,
		    p->next_update, &s->crl)) != KALIT_OK)
			return r;
		/* a delta CRL has the scope, so the IDP, of its base */
		ca_crl_url(ctx, ca, k, 0, url, sizeof(url));
		if (p->nshards > 1 && (r = crl_set_idp(s->crl, url)) != KALIT_OK)
			return r;
		/* where the deltas are: in full CRLs only (RFC 5280 5.2.6) */
		ca_crl_url(ctx, ca, k, 1, url, sizeof(url));
		if (ca->delta_crl && !p->delta &&
		    (r = crl_set_freshest(s->crl, url)) != KALIT_OK)
			return r;
		if (!p->delta)
			continue;
		if ((r = store_crl_head(ctx->store, ca->name, k, 0, &base)) !=
		    KALIT_OK) {
			if (r == KALIT_ERR_NOT_FOUND)
				log_msg(LOG_LEVEL_ERROR, "CA %s has no full CRL "
				    "to base a delta CRL on; run 'kalit-ca crl "
				    "--ca %s' first", ca->name, ca->name);
			return r;
		}
		s->base_number = base.number;
		s->base_seq = base.audit_seq;
		store_crl_clear(&base);
		if ((r = crl_set_delta(s->crl, s->base_number)) != KALIT_OK)
			return r;
	}
	return KALIT_OK;
}

/* Reads the entries: all revoked and held, or what changed since the base. */
static int
pub_fill(struct ca_ctx *ctx, struct pub *p)
{
	struct delta_fill d;
	int k, r = KALIT_OK;

	if (!p->delta)
		return store_revoked_list(ctx->store, p->h->rec.name,
		    add_revoked, p);
	d.p = p;
	for (k = 0; r == KALIT_OK && k < p->nshards; k++) {
		d.k = k;
		r = store_changed_list(ctx->store, p->h->rec.name,
		    p->shard[k].base_seq, add_changed, &d);
	}
	return r;
}

/* path.tmp, the file a CRL is written to before it replaces path. */
static int
tmp_path(const char *path, char *buf, size_t len)
{
	return snprintf(buf, len, "%s.tmp", path) >= (int)len ?
	    KALIT_ERR_USAGE : KALIT_OK;
}

/*
 * Writes a signed CRL to path.tmp (renamed over path once the database has
 * it) and, for --out, to *fdp, which it closes and sets to -1.
 */
static int
shard_write(struct ca_ctx *ctx, struct pub_shard *s, const unsigned char *der,
    size_t len, int *fdp)
{
	char tmp[PATH_MAX], *pem = NULL;
	int r, fd;

	if ((r = ca_path(ctx, "crl", s->name, "", s->path,
	    sizeof(s->path))) != KALIT_OK ||
	    (r = tmp_path(s->path, tmp, sizeof(tmp))) != KALIT_OK)
		return r;
	unlink(tmp);
	if ((r = file_write_excl(tmp, der, len)) != KALIT_OK)
		return r;
	s->tmp_written = 1;
	if (*fdp == -1)
		return KALIT_OK;
	fd = *fdp;
	*fdp = -1;
	if (!ctx->o->pem)
		return file_write_fd(fd, der, len);
	if ((r = crl_to_pem(der, len, &pem)) == KALIT_OK)
		r = file_write_fd(fd, pem, strlen(pem));
	else
		close(fd);
	free(pem);
	return r;
}

/*
 * Signs, stores and writes (to path.tmp) each shard's CRL, freeing each
 * as it goes; the DER exists once, in the buffer its entries were in.
 */
static int
pub_store(struct ca_ctx *ctx, struct pub *p, int *fdp)
{
	struct store_crl rec;
	unsigned char *der = NULL;
	size_t len = 0;
	int k, r;

	for (k = 0; k < p->nshards; k++) {
		struct pub_shard *s = &p->shard[k];

		if ((r = crl_sign(s->crl, p->h->key, &der, &len)) != KALIT_OK)
			return r;
		crl_free(s->crl);
		s->crl = NULL;
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.ca, sizeof(rec.ca), "%s", p->h->rec.name);
		rec.shard = k;
		rec.delta = p->delta;
		rec.number = p->number;
		rec.base_number = s->base_number;
		rec.this_update = (int64_t)p->this_update;
		rec.next_update = (int64_t)p->next_update;
		rec.audit_seq = p->audit_seq;
		rec.der = der;
		rec.der_len = s->bytes = len;
		p->bytes += len;
		if ((r = store_crl_put(ctx->store, &rec)) == KALIT_OK)
			r = shard_write(ctx, s, der, len, fdp);
		OPENSSL_free(der);
		if (r != KALIT_OK)
			return r;
		if (len > CRL_WARN_SIZE)
			log_msg(LOG_LEVEL_WARN, "CRL %s is %zu MB: relying "
			    "parties download it whole; move issuance to a new "
			    "CA with more shards (ca-new --crl-shards; see "
			    "kalit-ca(1))", s->name, len >> 20);
	}
	return KALIT_OK;
}

/*
 * After the commit: each path.tmp replaces path, atomically, so that a
 * published CRL is never half-written. Before it (commit false): the
 * temporary files go.
 */
static int
pub_files(struct pub *p, int commit)
{
	char tmp[PATH_MAX];
	int k, r = KALIT_OK;

	for (k = 0; k < p->nshards; k++) {
		if (!p->shard[k].tmp_written ||
		    tmp_path(p->shard[k].path, tmp, sizeof(tmp)) != KALIT_OK)
			continue;
		p->shard[k].tmp_written = 0;
		if (!commit)
			unlink(tmp);
		else if (r == KALIT_OK && rename(tmp, p->shard[k].path) == -1) {
			log_msg(LOG_LEVEL_ERROR, "%s: %s; CRL %lld is in the "
			    "database but not in this file", p->shard[k].path,
			    strerror(errno), (long long)p->number);
			unlink(tmp);
			r = KALIT_ERR_IO;
		} else if (r != KALIT_OK)
			unlink(tmp);
	}
	return r;
}

/* One line on stderr, or one JSON object on stdout, per publication. */
static void
pub_report(struct ca_ctx *ctx, const struct pub *p, int watch)
{
	json_t *j, *arr;
	char path[PATH_MAX], when[X509_TIME_ISO_LEN] = "", kind[48] = "full";
	int k;

	if (ctx->o->json) {
		if ((arr = json_array()) == NULL)
			return;
		for (k = 0; k < p->nshards; k++)
			json_array_append_new(arr, json_pack("{s:i, s:I, "
			    "s:I, s:s, s:I}", "shard", k, "entries",
			    (json_int_t)p->shard[k].entries, "bytes",
			    (json_int_t)p->shard[k].bytes, "file",
			    p->shard[k].path, "base_number",
			    (json_int_t)p->shard[k].base_number));
		j = json_pack("{s:s, s:I, s:b, s:I, s:o}", "ca", p->h->rec.name,
		    "number", (json_int_t)p->number, "delta", p->delta,
		    "entries", (json_int_t)p->entries, "shards", arr);
		if (j != NULL && p->nshards == 1)
			json_object_set_new(j, "file",
			    json_string(p->shard[0].path));
		if (watch && j != NULL) {
			json_dumpf(j, stdout, JSON_COMPACT);
			fputc('\n', stdout);
			fflush(stdout);
			json_decref(j);
		} else
			ca_print_json(j);
		return;
	}
	if (watch)
		x509_time_iso((int64_t)time(NULL), when);
	if (p->delta)
		snprintf(kind, sizeof(kind), "delta of CRL %lld",
		    (long long)p->shard[0].base_number);
	if (ca_path(ctx, "crl", p->nshards == 1 ? p->shard[0].name : "", "",
	    path, sizeof(path)) != KALIT_OK)
		path[0] = '\0';
	fprintf(stderr, "%s%sCRL %lld of CA %s (%s): %d shard%s, %zu entr%s, "
	    "%zu bytes, written to %s\n", when, when[0] ? " " : "",
	    (long long)p->number, p->h->rec.name, kind, p->nshards,
	    p->nshards == 1 ? "" : "s", p->entries, p->entries == 1 ? "y" :
	    "ies", p->bytes, path);
}

static void
pub_clear(struct pub *p)
{
	int k;

	if (p->shard != NULL)
		for (k = 0; k < p->nshards; k++)
			crl_free(p->shard[k].crl);
	free(p->shard);
	p->shard = NULL;
}

/*
 * Makes, stores and writes CA h's full or delta CRLs, valid for days days;
 * with *fdp != -1, also writes the one CRL there (--out), closing it. On
 * KALIT_OK *seqp is the last audit record the CRLs reflect.
 */
static int
publish(struct ca_ctx *ctx, struct ca_handle *h, int delta, int days,
    int *fdp, int watch, int64_t *seqp)
{
	struct pub p;
	char hash[STORE_HASH_HEX + 1], detail[160];
	int r;

	memset(&p, 0, sizeof(p));
	p.h = h;
	p.delta = delta;
	p.nshards = h->rec.crl_shards;
	p.this_update = time(NULL);
	p.next_update = p.this_update + 86400L * days;
	p.progress = isatty(STDERR_FILENO);
	if (delta && !h->rec.delta_crl) {
		log_msg(LOG_LEVEL_ERROR, "CA %s publishes no delta CRLs; they "
		    "are chosen when a CA is made (ca-new --delta-crl)",
		    h->rec.name);
		return KALIT_ERR_USAGE;
	}
	if ((p.shard = calloc((size_t)p.nshards, sizeof(*p.shard))) == NULL)
		return KALIT_ERR_NOMEM;
	/* One transaction: CRL number, CRLs and audit record land together. */
	if ((r = store_begin(ctx->store)) != KALIT_OK ||
	    (r = store_crl_number_next(ctx->store, h->rec.name, &p.number)) ||
	    (r = audit_last(ctx->store, &p.audit_seq, hash)) ||
	    (r = pub_start(ctx, &p)) != KALIT_OK ||
	    (r = pub_fill(ctx, &p)) != KALIT_OK)
		goto out;
	if (p.progress && p.entries >= 50000)
		fprintf(stderr, "\rCRL entries: %zu\n", p.entries);
	snprintf(detail, sizeof(detail), "ca=%s number=%lld%s shards=%d "
	    "entries=%zu", h->rec.name, (long long)p.number, delta ?
	    " delta" : "", p.nshards, p.entries);
	if ((r = pub_store(ctx, &p, fdp)) != KALIT_OK ||
	    (r = audit_append(ctx->store, ctx->actor, "crl", NULL, detail)) ||
	    (r = store_commit(ctx->store)) != KALIT_OK)
		goto out;
	*seqp = p.audit_seq;
	if ((r = pub_files(&p, 1)) == KALIT_OK)
		pub_report(ctx, &p, watch);
 out:
	store_rollback(ctx->store);
	pub_files(&p, 0);
	pub_clear(&p);
	return r;
}

/* --- the publisher: kalit-ca crl --watch ------------------------------------- */

static volatile sig_atomic_t watch_stop;

static void
watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/* A CA the publisher signs for. */
struct watched {
	struct ca_handle h;
	int64_t		 seen;		/* audit_seq its last CRLs reflect */
	int		 dirty;		/* a status changed since */
	int		 have_full;	/* its full CRLs are out: deltas may follow */
	time_t		 retry;		/* after a failure: not before */
};

struct watch {
	struct ca_ctx	*ctx;
	struct watched	*ca;
	size_t		 n;
	int		 days;
};

/* Sleeps ms milliseconds unless a signal comes first. */
static void
watch_sleep(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	if (!watch_stop)
		nanosleep(&ts, NULL);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
watch_add(struct watch *w, const char *name)
{
	struct watched *nw;

	if ((nw = reallocarray(w->ca, w->n + 1, sizeof(*nw))) == NULL)
		return KALIT_ERR_NOMEM;
	w->ca = nw;
	memset(&w->ca[w->n], 0, sizeof(w->ca[0]));
	snprintf(w->ca[w->n].h.rec.name, sizeof(w->ca[0].h.rec.name), "%s",
	    name);
	w->n++;
	return KALIT_OK;
}

/* Collects the issuing CAs: all but the root, whose key stays offline. */
static int
watch_add_issuing(const struct store_ca *ca, void *arg)
{
	return ca->parent[0] == '\0' ? KALIT_OK : watch_add(arg, ca->name);
}

/*
 * Publishes for one CA: the full CRLs (and, for a CA with delta CRLs, a
 * first delta on them), or only the delta after a change. A failure is
 * logged and tried again later: the publisher keeps running.
 */
static void
watch_publish(struct watch *w, struct watched *c, int full)
{
	int64_t seq = 0;
	int r, fd = -1;

	r = publish(w->ctx, &c->h, !full && c->h.rec.delta_crl, w->days, &fd,
	    1, &seq);
	if (r == KALIT_OK && full && c->h.rec.delta_crl)
		r = publish(w->ctx, &c->h, 1, w->days, &fd, 1, &seq);
	if (r != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "CRL of CA %s: %s; trying again in "
		    "%d s", c->h.rec.name, kalit_strerror(r), WATCH_RETRY);
		c->retry = time(NULL) + WATCH_RETRY;
		c->dirty = 1;
		return;
	}
	/* what the CRLs reflect: a change after it calls for new ones */
	c->seen = seq;
	c->have_full |= full;
	c->dirty = 0;
	c->retry = 0;
}

/* Marks the CAs a revoke, hold or release touched since their last CRLs. */
static int
watch_check(struct watch *w)
{
	int64_t seq;
	size_t i;
	int r, any = 0;

	for (i = 0; i < w->n; i++) {
		if ((r = store_changed_last(w->ctx->store, w->ca[i].h.rec.name,
		    w->ca[i].seen, &seq)) != KALIT_OK)
			return r;
		if (seq != 0)
			w->ca[i].dirty = 1;
		any |= w->ca[i].dirty;
	}
	return any;
}

/*
 * Waits for a burst of changes to end: until the database has been quiet
 * for WATCH_SETTLE_MS, or WATCH_DELAY_MAX_MS have passed.
 */
static void
watch_settle(struct watch *w, int64_t *versionp)
{
	long start = now_ms();
	int64_t v;

	while (!watch_stop && now_ms() - start < WATCH_DELAY_MAX_MS) {
		watch_sleep(WATCH_SETTLE_MS);
		if (store_data_version(w->ctx->store, &v) != KALIT_OK ||
		    v == *versionp)
			break;
		*versionp = v;
	}
}

static void
watch_loop(struct watch *w, int every)
{
	time_t now, next_full = 0;
	int64_t version = 0, v;
	size_t i;
	int full;

	store_data_version(w->ctx->store, &version);
	while (!watch_stop) {
		now = time(NULL);
		if ((full = now >= next_full))
			next_full = now + every;
		else {
			watch_sleep(WATCH_POLL_MS);
			if (watch_stop ||
			    store_data_version(w->ctx->store, &v) != KALIT_OK)
				continue;
			if (v != version) {
				version = v;
				/* again after the burst: it may touch more CAs */
				if (watch_check(w) > 0) {
					watch_settle(w, &version);
					watch_check(w);
				}
			}
		}
		now = time(NULL);
		for (i = 0; i < w->n && !watch_stop; i++)
			if (full || (w->ca[i].dirty && now >= w->ca[i].retry))
				watch_publish(w, &w->ca[i], full ||
				    !w->ca[i].have_full ||
				    !w->ca[i].h.rec.delta_crl);
	}
}

/*
 * Opens the issuing CAs' keys once, then publishes every CA's CRLs each
 * --every seconds and, within about a second, after each revoke, hold
 * or release, until SIGTERM or SIGINT.
 */
static int
crl_watch(struct ca_ctx *ctx)
{
	const struct ca_opts *o = ctx->o;
	struct watch w;
	struct sigaction sa;
	char name[PROFILE_NAME_MAX + 1];
	size_t i;
	int r;

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.days = o->days ? o->days : CRL_DEFAULT_DAYS;
	if (o->ca != NULL)
		r = watch_add(&w, o->ca);
	else
		r = store_ca_list(ctx->store, watch_add_issuing, &w);
	if (r == KALIT_OK && w.n == 0) {
		log_msg(LOG_LEVEL_ERROR, "no issuing CA to publish CRLs for; "
		    "see 'kalit-ca ca-list'");
		r = KALIT_ERR_CA_UNKNOWN;
	}
	for (i = 0; r == KALIT_OK && i < w.n; ) {
		snprintf(name, sizeof(name), "%s", w.ca[i].h.rec.name);
		r = ca_load(ctx, name, o->ca_pass ? o->ca_pass : "prompt",
		    &w.ca[i].h);
		/* a revoked CA signs nothing: the others are still served */
		if (r == KALIT_ERR_CA_REVOKED && o->ca == NULL) {
			log_msg(LOG_LEVEL_WARN, "CA %s is revoked or on hold: "
			    "no CRLs for it", name);
			w.ca[i] = w.ca[--w.n];
			r = w.n > 0 ? KALIT_OK : r;
		} else if (r == KALIT_OK)
			i++;
	}
	if (r != KALIT_OK)
		goto out;
	if ((o->every ? o->every : WATCH_DEFAULT_EVERY) >= 86400L * w.days)
		log_msg(LOG_LEVEL_WARN, "--every is not shorter than the CRLs' "
		    "validity (--days %d): relying parties will see expired "
		    "CRLs", w.days);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watch_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr, "kalit-ca: publishing the CRLs of %zu CA%s every %d "
	    "s and after each change; SIGTERM stops\n", w.n, w.n == 1 ? "" :
	    "s", o->every ? o->every : WATCH_DEFAULT_EVERY);
	watch_loop(&w, o->every ? o->every : WATCH_DEFAULT_EVERY);
	fprintf(stderr, "kalit-ca: stopped publishing CRLs\n");
 out:
	for (i = 0; i < w.n; i++)
		ca_handle_clear(&w.ca[i].h);
	free(w.ca);
	return r;
}

static int
crl_once(struct ca_ctx *ctx)
{
	const struct ca_opts *o = ctx->o;
	struct ca_handle h;
	int64_t seq;
	int r, fd = -1, reserved = 0;

	memset(&h, 0, sizeof(h));
	if (o->ca == NULL) {
		log_msg(LOG_LEVEL_ERROR, "--ca NAME is required; see "
		    "'kalit-ca ca-list'");
		return KALIT_ERR_USAGE;
	}
	if ((r = ca_load(ctx, o->ca, o->ca_pass ? o->ca_pass : "prompt",
	    &h)) != KALIT_OK)
		return r;
	if (o->out != NULL && h.rec.crl_shards > 1) {
		log_msg(LOG_LEVEL_ERROR, "CA %s has %d CRL shards: --out takes "
		    "one CRL; they are all in %s/crl", o->ca, h.rec.crl_shards,
		    o->dir);
		r = KALIT_ERR_USAGE;
	} else if (o->out == NULL ||
	    (r = file_create_excl(o->out, &fd)) == KALIT_OK) {
		reserved = o->out != NULL;
		r = publish(ctx, &h, o->delta, o->days ? o->days :
		    CRL_DEFAULT_DAYS, &fd, 0, &seq);
	}
	/* --out holds a CRL only if the database has it */
	if (fd != -1)
		close(fd);
	if (r != KALIT_OK && reserved)
		unlink(o->out);
	ca_handle_clear(&h);
	return r;
}

int
cmd_crl(struct ca_ctx *ctx)
{
	const struct ca_opts *o = ctx->o;

	if (o->every != 0 && !o->watch) {
		log_msg(LOG_LEVEL_ERROR, "--every applies to --watch");
		return KALIT_ERR_USAGE;
	}
	if (o->watch && (o->out != NULL || o->pem || o->delta)) {
		log_msg(LOG_LEVEL_ERROR, "--watch writes the CRLs to the "
		    "database and dir/crl; --out, --pem and --delta are for "
		    "one CRL");
		return KALIT_ERR_USAGE;
	}
	return o->watch ? crl_watch(ctx) : crl_once(ctx);
}
