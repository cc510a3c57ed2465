/*
 * audit_archive.c: moving the oldest audit records out of the table into
 * a file that verifies on its own and joins the table's chain
 */
#include "config.h"

#include "audit.h"
#include "base64.h"
#include "err.h"
#include "file.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define ARCHIVE_FORMAT	"kalit-audit-archive"
#define PROGRESS_EVERY	10000	/* records between progress reports */
#define STOP		1	/* a walk's callback: the prefix ends here */

/* --- writing -------------------------------------------------------------- */

/*
 * A text field as JSON: a string, or {"hex": ...} for one that is not
 * UTF-8 (an operator name cut at its byte limit), so that its bytes, which
 * the hash covers, come back exactly.
 */
static json_t *
text_json(const char *v)
{
	json_t *j;
	char *hex;
	size_t n;

	if ((j = json_string(v)) != NULL)
		return j;
	n = strlen(v);
	if ((hex = malloc(2 * n + 1)) == NULL)
		return NULL;
	hex_encode((const unsigned char *)v, n, hex);
	j = json_pack("{s:s}", "hex", hex);
	free(hex);
	return j;
}

/* Writes j (consumed) as one line. */
static int
put_line(FILE *f, json_t *j)
{
	int ok;

	if (j == NULL)
		return KALIT_ERR_NOMEM;
	ok = json_dumpf(j, f, JSON_COMPACT) == 0 && fputc('\n', f) != EOF;
	json_decref(j);
	return ok ? KALIT_OK : KALIT_ERR_IO;
}

static json_t *
record_json(const struct store_audit *a)
{
	return json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:s}",
	    "seq", (json_int_t)a->seq, "time", (json_int_t)a->time,
	    "actor", text_json(a->actor), "action", text_json(a->action),
	    "serial", text_json(a->serial), "detail", text_json(a->detail),
	    "hash", a->hash);
}

/* The archive being written: the prefix of the log older than before. */
struct writer {
	FILE		*f;
	int64_t		 before;
	int64_t		 limit;		/* the last record it may take */
	struct audit_chain chain;
	struct audit_archive *a;
	const struct audit_progress *p;
	int64_t		 bad;		/* a record that does not chain */
};

static int
write_one(const struct store_audit *rec, void *arg)
{
	struct writer *w = arg;
	int r;

	if (rec->time >= w->before || rec->seq > w->limit)
		return STOP;
	if (audit_chain_next(&w->chain, rec) != KALIT_OK) {
		w->bad = rec->seq;
		return KALIT_ERR_AUDIT_BROKEN;
	}
	if ((r = put_line(w->f, record_json(rec))) != KALIT_OK)
		return r;
	if (w->chain.count == 1)
		w->a->first_seq = rec->seq;
	if (w->p != NULL && w->chain.count % PROGRESS_EVERY == 0)
		w->p->fn(w->p->arg, "written", w->chain.count);
	return KALIT_OK;
}

/* fsync()s the directory of path: the new name is on disk too. */
static int
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r = KALIT_OK;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return KALIT_ERR_IO;
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		    (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", dir, strerror(errno));
		r = KALIT_ERR_IO;
	}
	if (fd != -1)
		close(fd);
	return r;
}

/*
 * Writes the records after the anchor (seq, hash) older than before, up to
 * limit, to a new file at path: a header, one line per record, and an end
 * line; then fsyncs it. a->records is 0 (and path gone) when none is.
 */
static int
write_file(struct store *s, const char *path, struct writer *w)
{
	struct audit_archive *a = w->a;
	int r, fd;

	if ((r = file_create_excl(path, &fd)) != KALIT_OK)
		return r;
	if ((w->f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(path);
		return KALIT_ERR_NOMEM;
	}
	r = put_line(w->f, json_pack("{s:s, s:i, s:I, s:s, s:I}", "format",
	    ARCHIVE_FORMAT, "version", 1, "prev_seq", (json_int_t)a->prev_seq,
	    "prev_hash", a->prev_hash, "before", (json_int_t)a->before));
	if (r == KALIT_OK)
		r = store_audit_list(s, a->prev_seq, write_one, w);
	if (r == STOP)
		r = KALIT_OK;
	a->records = w->chain.count;
	a->last_seq = w->chain.seq;
	memcpy(a->last_hash, w->chain.hash, sizeof(a->last_hash));
	if (r == KALIT_OK && a->records > 0)
		r = put_line(w->f, json_pack("{s:b, s:I, s:I, s:s}", "end", 1,
		    "records", (json_int_t)a->records, "last_seq",
		    (json_int_t)a->last_seq, "last_hash", a->last_hash));
	if (r == KALIT_OK && (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, strerror(errno));
		r = KALIT_ERR_IO;
	}
	if (fclose(w->f) != 0 && r == KALIT_OK)
		r = KALIT_ERR_IO;
	if (r == KALIT_OK && a->records > 0)
		return sync_dir(path);
	unlink(path);
	if (r == KALIT_ERR_AUDIT_BROKEN)
		log_msg(LOG_LEVEL_ERROR, "audit record %" PRId64 " does not "
		    "chain; nothing was archived: run audit-verify", w->bad);
	return r;
}

/* --- reading -------------------------------------------------------------- */

/* A text field written by text_json() into a new string (free()). */
static char *
text_of(json_t *j)
{
	const char *hex;
	unsigned char *buf;
	size_t n, len;

	if (json_is_string(j))
		return strndup(json_string_value(j), json_string_length(j));
	if (json_unpack(j, "{s:s !}", "hex", &hex) != 0 ||
	    (n = strlen(hex)) % 2 != 0 || (buf = malloc(n / 2 + 1)) == NULL)
		return NULL;
	if (hex_decode(hex, n, buf, n / 2, &len) != KALIT_OK ||
	    memchr(buf, '\0', len) != NULL) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return (char *)buf;
}

/* A record line into *rec, its text fields new strings (record_free()). */
static int
record_of(json_t *j, struct store_audit *rec)
{
	json_t *f[4];
	json_int_t seq, t;
	const char *hash;
	char *v[4];
	int i, ok = 1;

	memset(rec, 0, sizeof(*rec));
	if (json_unpack(j, "{s:I, s:I, s:o, s:o, s:o, s:o, s:s !}", "seq",
	    &seq, "time", &t, "actor", &f[0], "action", &f[1], "serial", &f[2],
	    "detail", &f[3], "hash", &hash) != 0 ||
	    strlen(hash) != STORE_HASH_HEX)
		return KALIT_ERR_MALFORMED;
	for (i = 0; i < 4; i++)
		ok &= (v[i] = text_of(f[i])) != NULL;
	rec->seq = seq;
	rec->time = t;
	rec->actor = v[0];
	rec->action = v[1];
	rec->serial = v[2];
	rec->detail = v[3];
	memcpy(rec->hash, hash, sizeof(rec->hash));
	return ok ? KALIT_OK : KALIT_ERR_MALFORMED;
}

static void
record_free(struct store_audit *rec)
{
	free((char *)rec->actor);
	free((char *)rec->action);
	free((char *)rec->serial);
	free((char *)rec->detail);
}

/* What reading a file has come to. */
struct reader {
	FILE		*f;
	char		*line;
	size_t		 lineno;
	struct audit_chain chain;
	struct audit_archive *a;
	int		 ended;		/* its end line was read */
};

/*
 * The next line as JSON into *jp (NULL at the end of the file); a line
 * longer than AUDIT_ARCHIVE_LINE_MAX is malformed, refused unread.
 */
static int
next_line(struct reader *rd, json_t **jp)
{
	size_t n;

	*jp = NULL;
	if (fgets(rd->line, AUDIT_ARCHIVE_LINE_MAX + 2, rd->f) == NULL)
		return ferror(rd->f) ? KALIT_ERR_IO : KALIT_OK;
	rd->lineno++;
	n = strlen(rd->line);
	if (n == 0 || rd->line[n - 1] != '\n')
		return KALIT_ERR_MALFORMED;
	if ((*jp = json_loadb(rd->line, n, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL)
		return KALIT_ERR_MALFORMED;
	return KALIT_OK;
}

static int
read_header(struct reader *rd)
{
	struct audit_archive *a = rd->a;
	const char *format, *prev;
	json_int_t prev_seq, before;
	json_t *j;
	int r, version;

	if ((r = next_line(rd, &j)) != KALIT_OK || j == NULL)
		return r != KALIT_OK ? r : KALIT_ERR_MALFORMED;
	if (json_unpack(j, "{s:s, s:i, s:I, s:s, s:I !}", "format", &format,
	    "version", &version, "prev_seq", &prev_seq, "prev_hash", &prev,
	    "before", &before) != 0 || strcmp(format, ARCHIVE_FORMAT) != 0 ||
	    version != 1 || prev_seq < 0 || strlen(prev) != (prev_seq == 0 ?
	    0 : STORE_HASH_HEX))
		r = KALIT_ERR_MALFORMED;
	else {
		a->prev_seq = prev_seq;
		snprintf(a->prev_hash, sizeof(a->prev_hash), "%s", prev);
		a->before = before;
		rd->chain.seq = prev_seq;
		memcpy(rd->chain.hash, a->prev_hash, sizeof(rd->chain.hash));
	}
	json_decref(j);
	return r;
}

/* The end line: what the records said, said again. */
static int
read_end(struct reader *rd, json_t *j)
{
	json_int_t n, last;
	const char *hash;
	int end;

	if (json_unpack(j, "{s:b, s:I, s:I, s:s !}", "end", &end, "records",
	    &n, "last_seq", &last, "last_hash", &hash) != 0 || !end ||
	    n != rd->chain.count || n == 0 || last != rd->chain.seq ||
	    strcmp(hash, rd->chain.hash) != 0)
		return KALIT_ERR_MALFORMED;
	rd->ended = 1;
	return KALIT_OK;
}

/* Reads, checks and hands on each record line up to the end line. */
static int
read_records(struct reader *rd, int (*cb)(const struct store_audit *,
    void *), void *arg)
{
	struct store_audit rec;
	json_t *j;
	int r;

	while ((r = next_line(rd, &j)) == KALIT_OK && j != NULL) {
		if (rd->ended)
			r = KALIT_ERR_MALFORMED;	/* after the end */
		else if (json_object_get(j, "end") != NULL)
			r = read_end(rd, j);
		else if ((r = record_of(j, &rec)) == KALIT_OK) {
			if (rec.time >= rd->a->before ||
			    audit_chain_next(&rd->chain, &rec) != KALIT_OK)
				r = KALIT_ERR_AUDIT_BROKEN;
			else if (rd->chain.count == 1)
				rd->a->first_seq = rec.seq;
			if (r == KALIT_OK && cb != NULL)
				r = cb(&rec, arg);
			record_free(&rec);
		} else
			record_free(&rec);
		json_decref(j);
		if (r != KALIT_OK)
			return r;
	}
	if (r == KALIT_OK && !rd->ended)
		r = KALIT_ERR_MALFORMED;	/* cut short */
	return r;
}

int
audit_archive_read(const char *path, int (*cb)(const struct store_audit *,
    void *), void *arg, struct audit_archive *a)
{
	struct reader rd;
	int r;

	memset(a, 0, sizeof(*a));
	memset(&rd, 0, sizeof(rd));
	rd.a = a;
	if ((rd.f = fopen(path, "re")) == NULL) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, strerror(errno));
		return KALIT_ERR_IO;
	}
	if ((rd.line = malloc(AUDIT_ARCHIVE_LINE_MAX + 2)) == NULL)
		r = KALIT_ERR_NOMEM;
	else if ((r = read_header(&rd)) == KALIT_OK)
		r = read_records(&rd, cb, arg);
	a->records = rd.chain.count;
	a->last_seq = rd.chain.seq;
	memcpy(a->last_hash, rd.chain.hash, sizeof(a->last_hash));
	if (r == KALIT_ERR_MALFORMED)
		log_msg(LOG_LEVEL_ERROR, "%s:%zu: not a complete audit "
		    "archive (%s)", path, rd.lineno, rd.lineno <= 1 ? "no "
		    "header" : rd.ended ? "more after its end line" :
		    "a bad line, or no end line: cut short");
	else if (r == KALIT_ERR_AUDIT_BROKEN)
		log_msg(LOG_LEVEL_ERROR, "%s:%zu: record %" PRId64 " does not "
		    "chain, or is not older than the archive's date", path,
		    rd.lineno, rd.chain.seq + 1);
	free(rd.line);
	fclose(rd.f);
	return r;
}

/* --- joining and applying ------------------------------------------------- */

/* Is record seq in the table with that hash? */
struct expect_rec {
	const char	*hash;
	int		 same;
};

static int
hash_is(const struct store_audit *rec, void *arg)
{
	struct expect_rec *e = arg;

	e->same = strcmp(rec->hash, e->hash) == 0;
	return KALIT_OK;
}

static int
record_has(struct store *s, int64_t seq, const char *hash, int *samep)
{
	struct expect_rec e = { hash, 0 };
	int r;

	*samep = 0;
	if ((r = store_audit_get(s, seq, hash_is, &e)) == KALIT_ERR_NOT_FOUND)
		return KALIT_OK;
	*samep = e.same;
	return r;
}

/* The anchor of seq, if any: *foundp. */
struct find_anchor {
	int64_t			 seq;
	struct store_audit_anchor *out;
	int			 found;
};

static int
anchor_is(const struct store_audit_anchor *an, void *arg)
{
	struct find_anchor *fa = arg;

	if (an->seq == fa->seq) {
		*fa->out = *an;
		fa->found = 1;
	}
	return KALIT_OK;
}

int
audit_archive_join(struct store *s, const struct audit_archive *a,
    int *statep)
{
	struct store_audit_anchor an;
	struct find_anchor fa = { a->last_seq, &an, 0 };
	char start[STORE_HASH_HEX + 1];
	int64_t start_seq;
	int r, first, last;

	*statep = 0;
	if ((r = store_audit_anchor_list(s, anchor_is, &fa)) != KALIT_OK)
		return r;
	if (fa.found) {
		if (strcmp(an.hash, a->last_hash) != 0 ||
		    an.first_seq != a->first_seq ||
		    strcmp(an.prev_hash, a->prev_hash) != 0)
			return KALIT_ERR_AUDIT_BROKEN;
		*statep = AUDIT_ARCHIVE_APPLIED;
		return KALIT_OK;
	}
	/* Not applied: then it must start where the table's chain does. */
	if ((r = audit_start(s, &start_seq, start)) != KALIT_OK ||
	    (r = record_has(s, a->last_seq, a->last_hash, &last)) != KALIT_OK)
		return r;
	first = a->first_seq == start_seq + 1;
	if (!first || !last || a->prev_seq != start_seq ||
	    strcmp(a->prev_hash, start) != 0)
		return KALIT_ERR_AUDIT_BROKEN;
	*statep = AUDIT_ARCHIVE_PENDING;
	return KALIT_OK;
}

/*
 * Deletes what file a holds from the table and records its anchor, in one
 * transaction, if the table still starts where a does (so nothing is
 * deleted twice, or that the file lacks).
 */
static int
apply(struct store *s, const struct audit_archive *a, const char *path,
    const char *actor, struct audit_archive_result *res)
{
	struct store_audit_anchor an;
	char detail[320];
	int r, state;

	memset(&an, 0, sizeof(an));
	an.seq = a->last_seq;
	memcpy(an.hash, a->last_hash, sizeof(an.hash));
	an.first_seq = a->first_seq;
	memcpy(an.prev_hash, a->prev_hash, sizeof(an.prev_hash));
	an.before = a->before;
	an.archived = (int64_t)time(NULL);
	an.records = a->records;
	snprintf(an.file, sizeof(an.file), "%s", path);
	if ((r = store_begin(s)) != KALIT_OK)
		return r;
	snprintf(detail, sizeof(detail), "records=%" PRId64 "-%" PRId64
	    " file=%.256s", a->first_seq, a->last_seq, path);
	if ((r = audit_archive_join(s, a, &state)) == KALIT_OK &&
	    state == AUDIT_ARCHIVE_PENDING &&
	    (r = store_audit_archive(s, &an, &res->deleted)) == KALIT_OK) {
		if (res->deleted != a->records)
			r = KALIT_ERR_AUDIT_BROKEN;	/* a gap in the table */
		else if ((r = audit_append(s, actor, "audit-archive", NULL,
		    detail)) == KALIT_OK)
			r = store_commit(s);
	}
	store_rollback(s);
	return r;
}

struct limit_state {
	struct store	*s;
	int64_t		 limit;
};

static int
limit_ca(const struct store_ca *ca, void *arg)
{
	struct limit_state *ls = arg;
	struct store_crl crl;
	int k, r;

	for (k = 0; ca->delta_crl && k < ca->crl_shards; k++) {
		if ((r = store_crl_head(ls->s, ca->name, k, 0, &crl)) ==
		    KALIT_ERR_NOT_FOUND)
			continue;	/* no delta without a full CRL first */
		if (r != KALIT_OK)
			return r;
		if (crl.audit_seq < ls->limit)
			ls->limit = crl.audit_seq;
	}
	return KALIT_OK;
}

/*
 * The last record that may go: none a delta CRL still needs (those after
 * the newest full CRL of a shard of a CA that publishes delta CRLs).
 */
static int
delta_limit(struct store *s, int64_t *limitp)
{
	struct limit_state ls = { s, INT64_MAX };
	int r;

	r = store_ca_list(s, limit_ca, &ls);
	*limitp = ls.limit;
	return r;
}

int
audit_archive(struct store *s, const char *actor, int64_t before,
    const char *path, const struct audit_progress *p,
    struct audit_archive_result *res)
{
	struct writer w;
	struct audit_archive *a = &res->file;
	char head[STORE_HASH_HEX + 1];
	int64_t last;
	int r, state;

	memset(res, 0, sizeof(*res));
	memset(&w, 0, sizeof(w));
	if (access(path, F_OK) == 0) {
		/* A run stopped between the file and the delete: finish it. */
		if ((r = audit_archive_read(path, NULL, NULL, a)) != KALIT_OK ||
		    (r = audit_archive_join(s, a, &state)) != KALIT_OK)
			return r;
		res->resumed = 1;
		return state == AUDIT_ARCHIVE_APPLIED ? KALIT_OK :
		    apply(s, a, path, actor, res);
	}
	if ((r = audit_head_check(s, &last, head)) != KALIT_OK ||
	    (r = audit_start(s, &a->prev_seq, a->prev_hash)) != KALIT_OK ||
	    (r = delta_limit(s, &w.limit)) != KALIT_OK)
		return r;
	a->before = before;
	w.before = before;
	w.a = a;
	w.p = p;
	w.chain.seq = a->prev_seq;
	memcpy(w.chain.hash, a->prev_hash, sizeof(w.chain.hash));
	if ((r = write_file(s, path, &w)) != KALIT_OK || a->records == 0)
		return r;
	if (p != NULL)
		p->fn(p->arg, "deleting", a->records);
	return apply(s, a, path, actor, res);
}

json_t *
audit_archive_json(const struct audit_archive_result *res, const char *path)
{
	const struct audit_archive *a = &res->file;

	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:b}", "file", path,
	    "records", (json_int_t)a->records, "first",
	    (json_int_t)a->first_seq, "last", (json_int_t)a->last_seq,
	    "deleted", (json_int_t)res->deleted, "last_hash", a->last_hash,
	    "resumed", res->resumed);
}

char *
audit_archive_text(const struct audit_archive_result *res, const char *path)
{
	const struct audit_archive *a = &res->file;
	size_t len = strlen(path) + 256;
	char *text;

	if (a->records == 0)
		return strdup("no audit record older than that: nothing "
		    "archived\n");
	if ((text = malloc(len)) != NULL)
		snprintf(text, len, "%s audit records %" PRId64 " to %" PRId64
		    " in %s; the log goes on from %" PRId64 ":%s\n",
		    res->deleted > 0 ? "archived" : "already archived:",
		    a->first_seq, a->last_seq, path, a->last_seq, a->last_hash);
	return text;
}
