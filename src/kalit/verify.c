/* verify.c: kalit verify: who signed a document, and does it hold */
#include "config.h"

#include "kalit.h"
#include "base64.h"
#include "cms.h"
#include "crl.h"
#include "digest.h"
#include "err.h"
#include "file.h"
#include "sigverify.h"
#include "tsp.h"
#include "validate.h"
#include "x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VERIFY_CACHE_MAX	300	/* seconds, as kalitd's default */

/* The trust store and revocation policy the options ask for. */
static int
verify_validator(const struct kalit_opts *o, struct validator **vp)
{
	struct validate_config cfg;
	int r;

	memset(&cfg, 0, sizeof(cfg));
	cfg.trust_dir = o->trust_dir;
	cfg.rev_mode = o->revocation == NULL ? VALIDATE_REV_REQUIRE :
	    strcmp(o->revocation, "off") == 0 ? VALIDATE_REV_OFF :
	    strcmp(o->revocation, "soft-fail") == 0 ? VALIDATE_REV_SOFT_FAIL :
	    VALIDATE_REV_REQUIRE;
	cfg.ocsp = o->ocsp;
	cfg.ocsp_url = o->ocsp_url;
	cfg.ocsp_nonce = 1;
	cfg.crl = 1;
	cfg.crl_dir = o->crl_dir;
	cfg.crl_fetch = o->crl_fetch;
	cfg.timeout_ms = o->timeout * 1000L;
	cfg.cache_max = VERIFY_CACHE_MAX;
	if ((r = validator_new(&cfg, vp)) != KALIT_OK)
		return kalit_fail(r, o->crl_dir != NULL ? "--trust-dir or "
		    "--crl-dir (see above)" : "--trust-dir (see above)");
	return KALIT_OK;
}

/*
 * The digests of the document: the content an attached signature
 * carries, --content hashed in one pass, or --digest as given.
 */
static int
verify_digests(const struct kalit_opts *o, CMS_ContentInfo *cms,
    struct digest_set *ds)
{
	struct kalit_progress pr = { o->content, 0 };
	struct digest_progress dp = { kalit_progress, &pr };
	const unsigned char *data;
	size_t len;
	int r;

	if (cms_content(cms, &data, &len) == KALIT_OK) {
		if (o->content != NULL || o->digest != NULL) {
			fprintf(stderr, "kalit: usage: %s carries its "
			    "document; --content and --digest are for "
			    "detached signatures\n", o->args[0]);
			return KALIT_ERR_USAGE;
		}
		if ((r = cms_digest_algs(cms, ds)) != KALIT_OK ||
		    (r = digest_buf(ds, data, len)) != KALIT_OK)
			return kalit_fail(r, NULL);
		return KALIT_OK;
	}
	if (o->digest != NULL) {
		if (digest_set_hex(ds, EVP_sha256(), o->digest) != KALIT_OK) {
			fprintf(stderr, "kalit: usage: --digest: the "
			    "document's SHA-256 is 64 hexadecimal digits\n");
			return KALIT_ERR_USAGE;
		}
		return KALIT_OK;
	}
	if (o->content == NULL)
		return kalit_fail(KALIT_ERR_CONTENT_MISSING, o->args[0]);
	if ((r = cms_digest_algs(cms, ds)) != KALIT_OK)
		return kalit_fail(r, NULL);
	r = digest_file(ds, o->content, &dp);
	kalit_progress_done(&pr);
	return r != KALIT_OK ? kalit_fail(r, o->content) : KALIT_OK;
}

/* "  label: value" with value escaped; nothing when value is NULL. */
static void
put_field(const char *label, const char *value)
{
	if (value == NULL)
		return;
	printf("  %s: ", label);
	kalit_put_safe(stdout, value, strlen(value));
	fputc('\n', stdout);
}

static void
put_time(const char *label, int64_t t, const char *note)
{
	char buf[X509_TIME_ISO_LEN];

	x509_time_iso(t, buf);
	printf("  %s: %s%s\n", label, t != 0 ? buf : "none", t != 0 ? note :
	    "");
}

/* The path, subjects from the signer's up, or the signer's alone. */
static void
put_chain(const struct sig_signer *s)
{
	char *text;
	int i, n = s->chain != NULL ? sk_X509_num(s->chain) : 0;

	/* No path found: no chain at all, sk_X509_num(NULL) being -1. */
	fputs(n > 0 ? "  chain: " : "  chain: none trusted; issuer ", stdout);
	if (n == 0 && x509_name_text(X509_get_issuer_name(s->cert), &text) ==
	    KALIT_OK) {
		kalit_put_safe(stdout, text, strlen(text));
		free(text);
	}
	for (i = 0; i < n; i++) {
		if (x509_name_text(X509_get_subject_name(sk_X509_value(s->chain,
		    i)), &text) != KALIT_OK)
			continue;
		if (i > 0)
			fputs(" <- ", stdout);
		kalit_put_safe(stdout, text, strlen(text));
		free(text);
	}
	fputc('\n', stdout);
}

static void
put_revocation(const struct sig_signer *s)
{
	const struct rev_status *st = &s->rev;
	char t[X509_TIME_ISO_LEN];

	if (!s->rev_asked)
		return;
	if (strcmp(st->source, "none") == 0) {
		printf("  revocation: unknown (nothing asked, or no answer "
		    "accepted)\n");
		return;
	}
	printf("  revocation: ");
	if (s->rev_depth > 0)
		printf("its CA at chain depth %d is ", s->rev_depth);
	printf("%s", st->status == KALIT_OK ? "good" :
	    st->status == KALIT_ERR_CERT_ON_HOLD ? "on hold" : "revoked");
	if (st->revoked_at != 0) {
		x509_time_iso(st->revoked_at, t);
		printf(" at %s (%s)%s", t, crl_reason_name(st->reason),
		    s->revoked_after_ts ? ", after the timestamp" : "");
	}
	x509_time_iso(st->this_update, t);
	printf(", by %s ", st->source);
	kalit_put_safe(stdout, st->origin, strlen(st->origin));
	printf(" of %s\n", t);
}

/* The signature timestamp: when, by which TSA, and whether it holds. */
static void
put_timestamp(const struct sig_signer *s)
{
	const struct tsp_info *ts = &s->ts;
	char t[X509_TIME_ISO_LEN], *text;

	if (ts->status == TSP_NONE) {
		printf("  timestamp: none; certificate judged as of now\n");
		return;
	}
	x509_time_iso(ts->gen_time, t);
	printf("  timestamp: %s", ts->gen_time != 0 ? t : "?");
	if (ts->tsa != NULL && x509_name_text(X509_get_subject_name(ts->tsa),
	    &text) == KALIT_OK) {
		fputs(" by ", stdout);
		kalit_put_safe(stdout, text, strlen(text));
		free(text);
	}
	if (ts->serial[0] != '\0')
		printf(" (serial %s)", ts->serial);
	printf(": %s%s\n", tsp_status_name(ts->status),
	    ts->status == TSP_VALID ? "; certificate judged at that time" :
	    "");
}

static void
put_signer(const struct sig_signer *s, size_t i, size_t n)
{
	static const struct { enum identity_field f; const char *label; }
	    fields[] = {
		{ IDENTITY_CN, "name" }, { IDENTITY_PINFL, "pinfl" },
		{ IDENTITY_TIN, "tin" }, { IDENTITY_ORG, "organization" },
		{ IDENTITY_ORG_TIN, "organization tin" },
		{ IDENTITY_TITLE, "title" }, { IDENTITY_EMAIL, "email" },
	};
	char serial[X509_SERIAL_HEX_MAX + 1];
	const char *sub = sig_sub_name(s->sub);
	size_t j;

	printf("signer %zu of %zu: %s%s%s%s\n", i + 1, n,
	    sig_indication_name(s->indication), sub != NULL ? " (" : "",
	    sub != NULL ? sub : "", sub != NULL ? ")" : "");
	for (j = 0; j < sizeof(fields) / sizeof(fields[0]); j++)
		put_field(fields[j].label, s->id.field[fields[j].f]);
	put_field("profile", s->profile);
	put_time("signing time", s->signing_time, " (claimed by the signer)");
	put_timestamp(s);
	if (s->cert != NULL && x509_serial_hex(s->cert, serial,
	    sizeof(serial)) == KALIT_OK)
		printf("  certificate serial: %s\n", serial);
	if (s->cert != NULL)
		put_chain(s);
	printf("  signing-certificate-v2: %s\n", sig_ess_name(s->ess));
	put_revocation(s);
	if (s->sub != SIG_SUB_NONE || s->revoked_after_ts)
		printf("  why: %s\n", sig_signer_detail(s));
}

static int
verify_print(const struct kalit_opts *o, const struct sig_report *rep)
{
	char t[X509_TIME_ISO_LEN], hex[HEX_LEN(sizeof(rep->sha256)) + 1];
	json_t *v;
	size_t i;
	int r;

	if (o->json) {
		if ((v = sig_report_json(rep)) == NULL)
			return kalit_fail(KALIT_ERR_NOMEM, NULL);
		r = kalit_print_json(v);
		json_decref(v);
		return r;
	}
	fputs("signature: ", stdout);
	kalit_put_safe(stdout, o->args[0], strlen(o->args[0]));
	printf(" (%s", rep->detached ? "detached" : "attached");
	if (rep->have_sha256) {
		hex_encode(rep->sha256, sizeof(rep->sha256), hex);
		printf(", document sha256 %s", hex);
	}
	x509_time_iso(rep->validation_time, t);
	printf(")\nvalidated at: %s\n", t);
	for (i = 0; i < rep->n; i++)
		put_signer(&rep->signers[i], i, rep->n);
	printf("result: %s\n", sig_indication_name(rep->indication));
	return KALIT_OK;
}

int
cmd_verify(const struct kalit_opts *o)
{
	struct sigverify_config cfg;
	struct validator *v = NULL;
	struct sig_report *rep = NULL;
	CMS_ContentInfo *cms = NULL;
	struct digest_set ds;
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	memset(&ds, 0, sizeof(ds));
	if ((r = file_read(o->args[0], CMS_SIG_MAX, &buf, &len)) != KALIT_OK) {
		kalit_fail(r, r == KALIT_ERR_TOO_LARGE ? "a signature file "
		    "is at most 16 MiB" : o->args[0]);
		goto out;
	}
	if ((r = cms_parse_signed(buf, len, &cms)) != KALIT_OK) {
		kalit_fail(r, o->args[0]);
		goto out;
	}
	if ((r = verify_validator(o, &v)) != KALIT_OK ||
	    (r = verify_digests(o, cms, &ds)) != KALIT_OK)
		goto out;
	memset(&cfg, 0, sizeof(cfg));
	cfg.validator = v;
	cfg.now = (int64_t)time(NULL);
	if ((r = sigverify_run(&cfg, cms, &ds, &rep)) != KALIT_OK) {
		kalit_fail(r, o->args[0]);
		goto out;
	}
	if ((r = verify_print(o, rep)) == KALIT_OK)
		r = sig_report_err(rep);
 out:
	sig_report_free(rep);
	validator_free(v);
	CMS_ContentInfo_free(cms);
	free(buf);
	return r;
}
