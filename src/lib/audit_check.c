/*
 * audit_check.c: the audit log judged whole (anchors, chain, head) and
 * beside what it records: the CRLs stored and every certificate's status
 */
#include "config.h"

#include "audit.h"
#include "crl.h"
#include "err.h"
#include "log.h"
#include "parse.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct check {
	struct store	*s;
	json_t		*problems;	/* owned until the report takes it */
	int64_t		 nproblems;
	struct audit_chain start;	/* the last anchor, or the very start */
	int64_t		 max_before;	/* the latest date archived before */
	int64_t		 last_seq;	/* the table's last record (or start) */
	char		 last_hash[STORE_HASH_HEX + 1];
	int64_t		 certs, crls;
	int64_t		 prev_anchor;	/* anchors: the last seen */
	char		 prev_hash[STORE_HASH_HEX + 1];
	struct crl_sum	*sums;		/* the CRL walk's, newest first */
	int64_t		 records;	/* that chain */
	int64_t		 broken;	/* the first that does not, or 0 */
	json_t		*archive;	/* what check_archive() found */
};

/* Adds a problem of kind about record seq (0: none) or serial (NULL: none). */
static void
problem(struct check *c, const char *kind, int64_t seq, const char *serial,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
problem(struct check *c, const char *kind, int64_t seq, const char *serial,
    const char *fmt, ...)
{
	char text[512];
	va_list ap;
	json_t *p;

	if (c->nproblems++ >= AUDIT_PROBLEMS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if ((p = json_pack("{s:s, s:s}", "kind", kind, "text", text)) == NULL)
		return;
	if (seq > 0)
		json_object_set_new(p, "seq", json_integer(seq));
	if (serial != NULL)
		json_object_set_new(p, "serial", json_string(serial));
	json_array_append_new(c->problems, p);
}

/* --- anchors, chain, head ------------------------------------------------- */

static int
anchor_one(const struct store_audit_anchor *a, void *arg)
{
	struct check *c = arg;

	if (a->first_seq != c->prev_anchor + 1 ||
	    strcmp(a->prev_hash, c->prev_hash) != 0 || a->seq < a->first_seq ||
	    a->records != a->seq - a->first_seq + 1)
		problem(c, "anchor", a->seq, NULL, "the archive anchor of "
		    "records %" PRId64 " to %" PRId64 " does not follow the "
		    "one before (records to %" PRId64 ")", a->first_seq, a->seq,
		    c->prev_anchor);
	c->prev_anchor = a->seq;
	memcpy(c->prev_hash, a->hash, sizeof(c->prev_hash));
	if (a->before > c->max_before)
		c->max_before = a->before;
	return KALIT_OK;
}

static int
chain_one(const struct store_audit *a, void *arg)
{
	return audit_chain_next(arg, a);
}

/* The hash chain of the table from the last anchor, and its head. */
static int
check_chain(struct check *c)
{
	struct audit_chain ch = c->start;
	char head[STORE_HASH_HEX + 1];
	int64_t seq;
	int r;

	r = store_audit_list(c->s, ch.seq, chain_one, &ch);
	c->records = ch.count;
	if (r == KALIT_ERR_AUDIT_BROKEN) {
		c->broken = ch.seq + 1;
		problem(c, "chain", ch.seq + 1, NULL, "audit record %" PRId64
		    " is the first that does not chain (%" PRId64 " records "
		    "before it verify)", ch.seq + 1, ch.count);
	} else if (r != KALIT_OK)
		return r;
	if ((r = store_audit_last(c->s, &c->last_seq, c->last_hash)) !=
	    KALIT_OK)
		return r;
	if (c->last_seq == 0) {
		c->last_seq = c->start.seq;
		memcpy(c->last_hash, c->start.hash, sizeof(c->last_hash));
	}
	if ((r = store_audit_head(c->s, &seq, head)) == KALIT_ERR_NOT_FOUND)
		problem(c, "head", 0, NULL, "the head the last write recorded "
		    "is gone");
	else if (r != KALIT_OK)
		return r;
	else if (seq > c->last_seq)
		problem(c, "head", c->last_seq + 1, NULL, "the log ends at "
		    "record %" PRId64 ", but the last write recorded %" PRId64
		    " as its head: records %" PRId64 " to %" PRId64 " were "
		    "removed", c->last_seq, seq, c->last_seq + 1, seq);
	else if (seq < c->last_seq)
		problem(c, "head", seq + 1, NULL, "records %" PRId64 " to %"
		    PRId64 " were added without moving the recorded head",
		    seq + 1, c->last_seq);
	else if (strcmp(head, c->last_hash) != 0)
		problem(c, "head", seq, NULL, "record %" PRId64 " is not the "
		    "one the last write recorded as the head: it was replaced",
		    seq);
	return KALIT_OK;
}

/* --- CRLs ----------------------------------------------------------------- */

/* The newest stored CRL number of a CA, from the CRL walk. */
struct crl_sum {
	char		 ca[PROFILE_NAME_MAX + 1];
	int64_t		 number;
	struct crl_sum	*next;
};

struct crl_rec {
	const struct store_crl *crl;
	int		 ok;
};

static int
crl_rec_is(const struct store_audit *a, void *arg)
{
	struct crl_rec *cr = arg;
	char want[128];
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), "ca=%s number=%" PRId64,
	    cr->crl->ca, cr->crl->number);
	cr->ok = strcmp(a->action, "crl") == 0 &&
	    strncmp(a->detail, want, n) == 0 &&
	    (a->detail[n] == ' ' || a->detail[n] == '\0');
	return KALIT_OK;
}

static int
crl_one(const struct store_crl *crl, void *arg)
{
	struct check *c = arg;
	struct crl_sum *sum;
	struct crl_rec cr = { crl, 0 };
	int64_t seq = crl->audit_seq + 1;	/* its own record */
	int r;

	c->crls++;
	/* walked by CA and number: the CA's last is its newest */
	sum = c->sums;
	if (sum == NULL || strcmp(sum->ca, crl->ca) != 0) {
		if ((sum = calloc(1, sizeof(*sum))) == NULL)
			return KALIT_ERR_NOMEM;
		snprintf(sum->ca, sizeof(sum->ca), "%s", crl->ca);
		sum->next = c->sums;
		c->sums = sum;
	}
	sum->number = crl->number;
	if (seq <= c->start.seq)
		return KALIT_OK;	/* its record is archived */
	if (seq > c->last_seq) {
		problem(c, "crl", seq, NULL, "CRL %" PRId64 " of CA %s was "
		    "stored with audit record %" PRId64 ", past the log's end "
		    "at %" PRId64 ": records were removed", crl->number,
		    crl->ca, seq, c->last_seq);
		return KALIT_OK;
	}
	if ((r = store_audit_get(c->s, seq, crl_rec_is, &cr)) != KALIT_OK &&
	    r != KALIT_ERR_NOT_FOUND)
		return r;
	if (!cr.ok)
		problem(c, "crl", seq, NULL, "audit record %" PRId64 " is not "
		    "the record of CRL %" PRId64 " of CA %s stored with it",
		    seq, crl->number, crl->ca);
	return KALIT_OK;
}

/* A CA's CRL number moves only with a CRL stored in the same transaction. */
static int
crl_number_one(const struct store_ca *ca, void *arg)
{
	struct check *c = arg;
	const struct crl_sum *sum;

	for (sum = c->sums; sum != NULL; sum = sum->next)
		if (strcmp(sum->ca, ca->name) == 0)
			break;
	/* none stored: CRLs made before the database kept them */
	if (sum != NULL && sum->number != ca->crl_number)
		problem(c, "crl", 0, NULL, "CA %s has used CRL number %" PRId64
		    ", but its newest stored CRL is %" PRId64, ca->name,
		    ca->crl_number, sum->number);
	return KALIT_OK;
}

static int
check_crls(struct check *c)
{
	struct crl_sum *sum, *next;
	int r;

	if ((r = store_crl_list(c->s, crl_one, c)) == KALIT_OK)
		r = store_ca_list(c->s, crl_number_one, c);
	for (sum = c->sums; sum != NULL; sum = next) {
		next = sum->next;
		free(sum);
	}
	c->sums = NULL;
	return r;
}

/* --- certificates --------------------------------------------------------- */

/* The value of " name=" in detail into buf ("" when absent). */
static void
detail_value(const char *detail, const char *name, char *buf, size_t len)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), " %s=", name);
	buf[0] = '\0';
	if ((p = strstr(detail, key)) != NULL)
		snprintf(buf, len, "%.*s", (int)strcspn(p + strlen(key), " "),
		    p + strlen(key));
}

/* Revoked or held: reason and time as the status record says. */
static void
check_revocation(struct check *c, const struct store_cert_history *h)
{
	const struct store_cert *cert = h->cert;
	char v[64];
	int64_t at;
	int reason;

	detail_value(h->last.detail, "reason", v, sizeof(v));
	if (crl_reason_parse(v, &reason) != KALIT_OK || reason != cert->reason)
		problem(c, "certificate", h->last.seq, h->serial, "its reason "
		    "is %s in the certificate table, %s by audit record %"
		    PRId64, crl_reason_name(cert->reason), v[0] ? v : "none",
		    h->last.seq);
	detail_value(h->last.detail, "at", v, sizeof(v));
	/* records made before they said when: not after the record */
	if (v[0] != '\0' ? !parse_i64(v, 0, INT64_MAX, &at) ||
	    at != cert->revoked_at : cert->revoked_at <= 0 ||
	    cert->revoked_at > h->last.time)
		problem(c, "certificate", h->last.seq, h->serial, "its "
		    "revocation time is %" PRId64 " in the certificate table, "
		    "%s by audit record %" PRId64, cert->revoked_at,
		    v[0] ? v : "earlier", h->last.seq);
}

static int
history_one(const struct store_cert_history *h, void *arg)
{
	struct check *c = arg;
	const struct store_cert *cert = h->cert;
	int want;

	c->certs++;
	if (cert == NULL) {
		problem(c, "certificate", h->issued_count ? h->issued_seq :
		    h->last.seq, h->serial, "%s audit record %" PRId64 ", but "
		    "not in the certificate table", h->issued_count ?
		    "issued by" : "its status changed by", h->issued_count ?
		    h->issued_seq : h->last.seq);
		return KALIT_OK;
	}
	if (h->issued_count > 1)
		problem(c, "certificate", h->issued_seq, h->serial, "issued "
		    "by %" PRId64 " audit records", h->issued_count);
	/* an issuing record older than the archive's date may be archived */
	if (h->issued_count == 0 && cert->issued >= c->max_before)
		problem(c, "certificate", 0, h->serial, "in the certificate "
		    "table without the audit record that issued it");
	if (h->issued_count == 0 && h->last.seq == 0)
		return KALIT_OK;
	want = h->last.seq == 0 || strcmp(h->last.action, "release") == 0 ?
	    STORE_VALID : strcmp(h->last.action, "hold") == 0 ? STORE_HOLD :
	    STORE_REVOKED;
	if (cert->status != want)
		problem(c, "certificate", h->last.seq ? h->last.seq :
		    h->issued_seq, h->serial, "%s in the certificate table, "
		    "but %s after audit record %" PRId64,
		    store_status_name(cert->status), store_status_name(want),
		    h->last.seq ? h->last.seq : h->issued_seq);
	else if (want != STORE_VALID)
		check_revocation(c, h);
	return KALIT_OK;
}

/* --- against the operator's records --------------------------------------- */

struct expect {
	int64_t		 seq;
	char		 hash[STORE_HASH_HEX + 1];
	int		 found;		/* 1: same hash, -1: another */
};

static int
expect_rec(const struct store_audit *a, void *arg)
{
	struct expect *e = arg;

	if (a->seq == e->seq)
		e->found = strcmp(a->hash, e->hash) == 0 ? 1 : -1;
	return KALIT_OK;
}

static int
expect_anchor(const struct store_audit_anchor *a, void *arg)
{
	struct expect *e = arg;

	if (a->seq == e->seq)
		e->found = strcmp(a->hash, e->hash) == 0 ? 1 : -1;
	return KALIT_OK;
}

/* "SEQ:HASH" (a head printed earlier) into *e. */
static int
expect_parse(const char *text, struct expect *e)
{
	const char *colon = strchr(text, ':');
	char num[24];

	memset(e, 0, sizeof(*e));
	if (colon == NULL || (size_t)(colon - text) >= sizeof(num))
		return KALIT_ERR_USAGE;
	snprintf(num, sizeof(num), "%.*s", (int)(colon - text), text);
	if (!parse_i64(num, 0, INT64_MAX, &e->seq) ||
	    strlen(colon + 1) != (e->seq == 0 ? 0 : STORE_HASH_HEX) ||
	    strspn(colon + 1, "0123456789abcdef") != strlen(colon + 1))
		return KALIT_ERR_USAGE;
	memcpy(e->hash, colon + 1, strlen(colon + 1) + 1);
	return KALIT_OK;
}

static int
check_expected(struct check *c, const struct audit_check_opts *o)
{
	struct expect e;
	struct audit_archive a;
	int r;

	if ((r = expect_parse(o->expect_head, &e)) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "--expect-head: SEQ:HASH as "
		    "audit-verify printed it");
		return r;
	}
	if (e.seq == 0)
		return KALIT_OK;	/* an empty log: anything follows it */
	if (e.seq > c->last_seq) {
		problem(c, "expected_head", e.seq, NULL, "the log ends at "
		    "record %" PRId64 ", before the expected head %" PRId64
		    ": records were removed", c->last_seq, e.seq);
		return KALIT_OK;
	}
	if (e.seq > c->start.seq)
		r = store_audit_get(c->s, e.seq, expect_rec, &e);
	else if ((r = store_audit_anchor_list(c->s, expect_anchor, &e)) ==
	    KALIT_OK && e.found == 0 && o->archive != NULL)
		r = audit_archive_read(o->archive, expect_rec, &e, &a);
	if (r != KALIT_OK && r != KALIT_ERR_NOT_FOUND)
		return r;
	if (e.found == 0)
		problem(c, "expected_head", e.seq, NULL, "record %" PRId64
		    " %s", e.seq, e.seq > c->start.seq ? "is missing" :
		    "is archived: give the archive that holds it with "
		    "--archive");
	else if (e.found < 0)
		problem(c, "expected_head", e.seq, NULL, "record %" PRId64
		    " is not the one expected: the log was rewritten", e.seq);
	return KALIT_OK;
}

static int
check_archive(struct check *c, const char *path)
{
	struct audit_archive a;
	const char *why = NULL;
	int r, state = 0;

	if ((r = audit_archive_read(path, NULL, NULL, &a)) ==
	    KALIT_ERR_MALFORMED)
		why = "not a complete archive";
	else if (r == KALIT_ERR_AUDIT_BROKEN)
		why = "its own chain breaks";
	else if (r == KALIT_OK && (r = audit_archive_join(c->s, &a,
	    &state)) == KALIT_ERR_AUDIT_BROKEN)
		why = "it does not join this log (another database's, or a "
		    "log changed since)";
	if (why != NULL)
		problem(c, "archive", 0, NULL, "%s: %s", path, why);
	else if (r != KALIT_OK)
		return r;
	c->archive = json_pack("{s:s, s:I, s:I, s:I, s:s}", "file", path,
	    "first", (json_int_t)a.first_seq, "last", (json_int_t)a.last_seq,
	    "records", (json_int_t)a.records, "state", state ==
	    AUDIT_ARCHIVE_APPLIED ? "applied" : state ==
	    AUDIT_ARCHIVE_PENDING ? "pending" : "invalid");
	return KALIT_OK;
}

/* The report of what c found; new reference. */
static json_t *
report_of(struct check *c)
{
	json_t *r;

	r = json_pack("{s:b, s:I, s:I, s:s, s:o, s:I, s:I, s:o, s:I}",
	    "intact", c->nproblems == 0, "records", (json_int_t)c->records,
	    "head_seq", (json_int_t)c->last_seq, "head", c->last_hash,
	    "archived", c->start.seq == 0 ? json_null() :
	    json_pack("{s:I, s:s}", "seq", (json_int_t)c->start.seq, "hash",
	    c->start.hash), "certificates", (json_int_t)c->certs, "crls",
	    (json_int_t)c->crls, "problems", c->problems, "problems_total",
	    (json_int_t)c->nproblems);
	c->problems = NULL;	/* the report's now, or freed */
	if (r != NULL && c->broken != 0) {
		json_object_set_new(r, "first_broken", json_integer(c->broken));
		json_object_set_new(r, "verified", json_integer(c->records));
	}
	if (r != NULL && c->archive != NULL)
		json_object_set(r, "archive", c->archive);
	return r;
}

int
audit_check(struct store *s, const struct audit_check_opts *o,
    json_t **reportp)
{
	struct check c;
	int r;

	*reportp = NULL;
	memset(&c, 0, sizeof(c));
	c.s = s;
	if ((c.problems = json_array()) == NULL)
		return KALIT_ERR_NOMEM;
	/* One state of the database, however long it takes and who writes. */
	if ((r = store_snapshot_begin(s)) == KALIT_OK &&
	    (r = store_audit_anchor_list(s, anchor_one, &c)) == KALIT_OK &&
	    (r = audit_start(s, &c.start.seq, c.start.hash)) == KALIT_OK &&
	    (r = check_chain(&c)) == KALIT_OK &&
	    (r = check_crls(&c)) == KALIT_OK &&
	    (r = store_cert_history_list(s, history_one, &c)) == KALIT_OK &&
	    (o->expect_head == NULL ||
	    (r = check_expected(&c, o)) == KALIT_OK) &&
	    (o->archive == NULL || (r = check_archive(&c, o->archive)) ==
	    KALIT_OK) && (*reportp = report_of(&c)) == NULL)
		r = KALIT_ERR_NOMEM;
	store_snapshot_end(s);
	json_decref(c.problems);
	json_decref(c.archive);
	if (r != KALIT_OK)
		return r;
	return c.nproblems == 0 ? KALIT_OK : KALIT_ERR_AUDIT_BROKEN;
}

/* Appends printf text to the growing buffer *bp (NULL after a failure). */
static void
cat(char **bp, size_t *lenp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cat(char **bp, size_t *lenp, const char *fmt, ...)
{
	va_list ap;
	char *nb;
	int n;

	if (*bp == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (nb = realloc(*bp, *lenp + (size_t)n + 1)) == NULL) {
		free(*bp);
		*bp = NULL;
		return;
	}
	*bp = nb;
	va_start(ap, fmt);
	vsnprintf(*bp + *lenp, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*lenp += (size_t)n;
}

char *
audit_report_text(const json_t *report)
{
	json_t *p, *a = json_object_get(report, "archived"),
	    *ar = json_object_get(report, "archive");
	json_int_t total = json_integer_value(json_object_get(report,
	    "problems_total"));
	char *b = strdup("");
	size_t len = 0, i;

	if (!json_is_true(json_object_get(report, "intact"))) {
		json_array_foreach(json_object_get(report, "problems"), i, p)
			cat(&b, &len, "%s%s%s: %s\n", json_string_value(
			    json_object_get(p, "kind")), json_is_string(
			    json_object_get(p, "serial")) ? " " : "",
			    json_is_string(json_object_get(p, "serial")) ?
			    json_string_value(json_object_get(p, "serial")) :
			    "", json_string_value(json_object_get(p, "text")));
		if (total > AUDIT_PROBLEMS_MAX)
			cat(&b, &len, "and %" JSON_INTEGER_FORMAT " problems "
			    "more\n", total - AUDIT_PROBLEMS_MAX);
		return b;
	}
	cat(&b, &len, "audit log intact: %" JSON_INTEGER_FORMAT " records, "
	    "head %" JSON_INTEGER_FORMAT ":%s\n", json_integer_value(
	    json_object_get(report, "records")), json_integer_value(
	    json_object_get(report, "head_seq")), json_string_value(
	    json_object_get(report, "head")));
	if (json_is_object(a))
		cat(&b, &len, "records 1 to %" JSON_INTEGER_FORMAT " are "
		    "archived; the log goes on from %" JSON_INTEGER_FORMAT
		    ":%s\n", json_integer_value(json_object_get(a, "seq")),
		    json_integer_value(json_object_get(a, "seq")),
		    json_string_value(json_object_get(a, "hash")));
	cat(&b, &len, "matches %" JSON_INTEGER_FORMAT " certificates and %"
	    JSON_INTEGER_FORMAT " stored CRLs\n", json_integer_value(
	    json_object_get(report, "certificates")), json_integer_value(
	    json_object_get(report, "crls")));
	if (json_is_object(ar))
		cat(&b, &len, "archive %s: records %" JSON_INTEGER_FORMAT
		    " to %" JSON_INTEGER_FORMAT ", %s\n", json_string_value(
		    json_object_get(ar, "file")), json_integer_value(
		    json_object_get(ar, "first")), json_integer_value(
		    json_object_get(ar, "last")), strcmp(json_string_value(
		    json_object_get(ar, "state")), "applied") == 0 ?
		    "joins the log where it goes on" : "not yet deleted from "
		    "the log: run the same archive command again to finish");
	return b;
}
