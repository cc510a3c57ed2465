/* cmd_issue.c: kalit-ca issue and renew: end-entity certificates */
#include "config.h"

#include "ca.h"
#include "csr.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "secret.h"
#include "x509.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SERIAL_TRIES	4	/* a 126-bit collision twice is not bad luck */

enum issue_mode {
	MODE_P12 = 0,		/* new key pair, written as a PKCS#12 key file */
	MODE_CSR,		/* the key of a checked CSR */
	MODE_SAME_KEY		/* the key of the certificate being renewed */
};

struct issue_req {
	const struct profile *prof;
	struct identity	*id;
	const char	*ca_name;
	const char	*renewed_from;
	const char	*action;	/* audit action: "issue", "renew", ... */
	const char	*key_pass;	/* MODE_P12: spec of the file's password */
	int		 any_ca;	/* 1: any CA signs it (the ocsp profile) */
	enum issue_mode	 mode;
	EVP_PKEY	*pub;		/* MODE_SAME_KEY: the old key */
};

/*
 * Signs a certificate for id and pub under CA h and records it with its
 * audit record, in the caller's transaction, drawing a new serial if the
 * database already has the one drawn.
 */
static int
issue_one(struct ca_ctx *ctx, const struct profile *prof, struct ca_handle *h,
    const struct identity *id, EVP_PKEY *pub, const char *renewed_from,
    const char *action, X509 **certp)
{
	struct x509_spec spec;
	struct ca_urls urls;
	X509_NAME *subj = NULL;
	char serial[X509_SERIAL_HEX_MAX + 1];
	int r, tries;

	*certp = NULL;
	if ((r = identity_to_name(id, &subj)) != KALIT_OK)
		return r;
	memset(&spec, 0, sizeof(spec));
	spec.profile = prof;
	spec.subject = subj;
	spec.email = id->field[IDENTITY_EMAIL];
	spec.dns = id->dns;
	spec.n_dns = id->n_dns;
	spec.ip = id->ip;
	spec.n_ip = id->n_ip;
	spec.pubkey = pub;
	spec.issuer = h->cert;
	spec.issuer_key = h->key;
	spec.not_before = time(NULL) - CA_BACKDATE;
	spec.days = ctx->o->days;
	for (tries = 0; tries < SERIAL_TRIES; tries++) {
		/* The serial first: it picks the CRL shard the URLs name. */
		if ((r = x509_serial_new(serial, sizeof(serial))) != KALIT_OK)
			break;
		ca_urls(ctx, &h->rec, serial, &urls);
		spec.serial_hex = serial;
		spec.crl_url = urls.crl;
		spec.freshest_url = urls.freshest[0] ? urls.freshest : NULL;
		spec.ocsp_url = urls.ocsp;
		spec.ca_issuers_url = urls.issuers;
		if ((r = x509_issue(&spec, certp)) != KALIT_OK)
			break;
		r = ca_record(ctx, *certp, h->rec.name, prof->name, action,
		    renewed_from);
		if (r != KALIT_ERR_DUPLICATE)
			break;
		X509_free(*certp);
		*certp = NULL;
	}
	if (r != KALIT_OK) {
		X509_free(*certp);
		*certp = NULL;
	}
	X509_NAME_free(subj);
	return r;
}

/* Fills id from the command line's identity and host name options. */
static int
identity_from_opts(const struct ca_opts *o, struct identity *id)
{
	int f, i, r;

	for (f = 0; f < IDENTITY__MAX; f++)
		if (o->field[f] != NULL &&
		    (r = identity_set(id, f, o->field[f])) != KALIT_OK)
			return r;
	if (o->cn != NULL && (r = identity_set(id, IDENTITY_CN, o->cn)))
		return r;
	if (o->org != NULL && (r = identity_set(id, IDENTITY_ORG, o->org)))
		return r;
	for (i = 0; i < o->n_dns; i++)
		if ((r = identity_add_dns(id, o->dns[i])) != KALIT_OK)
			return r;
	for (i = 0; i < o->n_ip; i++)
		if ((r = identity_add_ip(id, o->ip[i])) != KALIT_OK)
			return r;
	return KALIT_OK;
}

/* The CA must exist and issue this profile; checked before any prompt. */
static int
check_ca(struct ca_ctx *ctx, const char *ca_name, const struct profile *prof)
{
	struct store_ca rec;
	int r;

	if ((r = store_ca_get(ctx->store, ca_name, &rec)) != KALIT_OK) {
		if (r == KALIT_ERR_CA_UNKNOWN)
			log_msg(LOG_LEVEL_ERROR, "no CA named \"%.40s\"; create "
			    "it with 'kalit-ca ca-new --profile %s'", ca_name,
			    prof->name);
		return r;
	}
	if (strcmp(rec.profile, prof->name) != 0) {
		log_msg(LOG_LEVEL_ERROR, "CA \"%s\" issues %s certificates, "
		    "not %s", ca_name, rec.profile, prof->name);
		return KALIT_ERR_CA_MISMATCH;
	}
	return KALIT_OK;
}

static int
print_issued(struct ca_ctx *ctx, const char *serial, const char *file,
    const char *pem)
{
	struct store_cert c;
	json_t *j;
	char na[X509_TIME_ISO_LEN];
	int r;

	if ((r = store_cert_get(ctx->store, serial, &c)) != KALIT_OK)
		return r;
	if (ctx->o->json) {
		if ((j = ca_cert_json(&c)) != NULL && file != NULL)
			json_object_set_new(j, "file", json_string(file));
		if (j != NULL && file == NULL && pem != NULL)
			json_object_set_new(j, "pem", json_string(pem));
		ca_print_json(j);
	} else if (file != NULL || ctx->o->out != NULL) {
		x509_time_iso(c.not_after, na);
		printf("%s\n", c.serial);
		fprintf(stderr, "issued %s to %s (profile %s, CA %s), valid "
		    "until %s%s%s\n", c.serial, c.subject, c.profile, c.ca, na,
		    file ? "; written to " : "", file ? file : "");
	}
	store_cert_clear(&c);
	return KALIT_OK;
}

/* Gets the subject key the mode asks for; reserves the output file. */
static int
prepare_key(struct ca_ctx *ctx, struct issue_req *req, EVP_PKEY **keyp,
    EVP_PKEY **pubp, char **passp, int *fdp)
{
	const struct ca_opts *o = ctx->o;
	enum key_type kt = KEY_TYPE_P256;
	unsigned char *buf = NULL;
	size_t len;
	int r;

	if (req->mode == MODE_CSR) {
		if ((r = file_read(o->csr, CSR_MAX_SIZE, &buf, &len)) !=
		    KALIT_OK)
			return r;
		r = csr_check(buf, len, req->prof->key_types, pubp);
		free(buf);
		if (r != KALIT_OK)
			return r;
	} else if (req->mode == MODE_SAME_KEY) {
		if (!EVP_PKEY_up_ref(req->pub))
			return KALIT_ERR_INTERNAL;
		*pubp = req->pub;
	} else {
		if (o->key_type != NULL &&
		    (r = key_type_parse(o->key_type, &kt)) != KALIT_OK)
			return r;
		if (!(req->prof->key_types & (1u << kt))) {
			log_msg(LOG_LEVEL_ERROR, "profile %s does not allow %s "
			    "keys", req->prof->name, key_type_name(kt));
			return KALIT_ERR_KEY_TYPE;
		}
	}
	if (o->out != NULL && (r = file_create_excl(o->out, fdp)) != KALIT_OK) {
		if (r == KALIT_ERR_FILE_EXISTS)
			log_msg(LOG_LEVEL_ERROR, "%s exists; nothing was issued",
			    o->out);
		return r;
	}
	if (req->mode != MODE_P12)
		return KALIT_OK;
	if ((r = secret_read(req->key_pass, "password for the new key file", 1,
	    passp)) != KALIT_OK ||
	    (r = key_generate(kt, keyp)) != KALIT_OK)
		return r;
	if (!EVP_PKEY_up_ref(*keyp))
		return KALIT_ERR_INTERNAL;
	*pubp = *keyp;
	return KALIT_OK;
}

/*
 * Issues and delivers one certificate. The output file is reserved first
 * (so an existing file changes nothing), the database commit comes next,
 * and only then do the file's bytes get written.
 */
static int
issue_deliver(struct ca_ctx *ctx, struct issue_req *req)
{
	const struct ca_opts *o = ctx->o;
	struct ca_handle h;
	EVP_PKEY *key = NULL, *pub = NULL;
	X509 *cert = NULL;
	char serial[X509_SERIAL_HEX_MAX + 1], *pass = NULL, *pem = NULL;
	const char *cn = req->id->field[IDENTITY_CN];
	unsigned char *der = NULL;
	size_t len = 0;
	int r, fd = -1;

	memset(&h, 0, sizeof(h));
	if ((!req->any_ca &&
	    (r = check_ca(ctx, req->ca_name, req->prof)) != KALIT_OK) ||
	    (r = prepare_key(ctx, req, &key, &pub, &pass, &fd)) != KALIT_OK ||
	    (r = ca_load(ctx, req->ca_name, o->ca_pass ? o->ca_pass : "prompt",
	    &h)) != KALIT_OK)
		goto out;
	if ((r = store_begin(ctx->store)) != KALIT_OK)
		goto out;
	if ((r = issue_one(ctx, req->prof, &h, req->id, pub, req->renewed_from,
	    req->action, &cert)) != KALIT_OK ||
	    (r = x509_serial_hex(cert, serial, sizeof(serial))) != KALIT_OK)
		goto out;
	/* Encode before committing so a failure here issues nothing. */
	if (req->mode == MODE_P12)
		r = keyfile_p12_encode(pass, cn, key, cert, h.chain, o->legacy,
		    &der, &len);
	else
		r = x509_to_pem(cert, &pem);
	if (r != KALIT_OK || (r = store_commit(ctx->store)) != KALIT_OK)
		goto out;
	if (fd != -1) {
		r = req->mode == MODE_P12 ? file_write_fd(fd, der, len) :
		    file_write_fd(fd, pem, strlen(pem));
		fd = -1;
		if (r != KALIT_OK) {
			log_msg(LOG_LEVEL_ERROR, "certificate %s is issued and "
			    "recorded but %s could not be written; revoke it "
			    "and issue again", serial, o->out);
			goto out;
		}
	} else if (pem != NULL && !o->json)
		fputs(pem, stdout);
	r = print_issued(ctx, serial, o->out, pem);
 out:
	store_rollback(ctx->store);
	if (fd != -1) {
		close(fd);
		unlink(o->out);
	}
	ca_handle_clear(&h);
	EVP_PKEY_free(key);
	EVP_PKEY_free(pub);
	X509_free(cert);
	secret_free(pass);
	OPENSSL_clear_free(der, len);
	free(pem);
	return r;
}

static int
load_ee_profile(struct ca_ctx *ctx, const char *name, struct profile **profp)
{
	int r;

	if (name == NULL) {
		log_msg(LOG_LEVEL_ERROR, "--profile is required (citizen, "
		    "official, server, ...)");
		return KALIT_ERR_USAGE;
	}
	if ((r = profile_load(ctx->profile_dir, name, profp)) != KALIT_OK) {
		if (r == KALIT_ERR_PROFILE)
			log_msg(LOG_LEVEL_ERROR, "no profile \"%.40s\" in %s",
			    name, ctx->profile_dir);
		return r;
	}
	if ((*profp)->kind != PROFILE_END_ENTITY) {
		log_msg(LOG_LEVEL_ERROR, "profile %s is for CAs; use ca-new",
		    name);
		profile_free(*profp);
		*profp = NULL;
		return KALIT_ERR_PROFILE;
	}
	return KALIT_OK;
}

/* One of --out (key file), --csr [--out], --same-key [--out]. */
static int
pick_mode(const struct ca_opts *o, int renew, enum issue_mode *modep)
{
	int n = (o->csr != NULL) + o->same_key;

	if (n > 1 || (n == 0 && o->out == NULL)) {
		log_msg(LOG_LEVEL_ERROR, "give --out FILE.p12 for a new key "
		    "file, or --csr FILE%s", renew ? ", or --same-key" : "");
		return KALIT_ERR_USAGE;
	}
	*modep = o->csr != NULL ? MODE_CSR : o->same_key ? MODE_SAME_KEY :
	    MODE_P12;
	if (*modep != MODE_P12 && (o->legacy || o->key_type || o->key_pass)) {
		log_msg(LOG_LEVEL_ERROR, "--legacy, --key-type and --key-pass "
		    "apply only to a new key file");
		return KALIT_ERR_USAGE;
	}
	return KALIT_OK;
}

/* A --batch "dns" or "ip" member: an array of strings. */
static int
batch_hosts(struct identity *id, const char *k, json_t *v)
{
	json_t *e;
	size_t i;
	int r;

	if (!json_is_array(v)) {
		log_msg(LOG_LEVEL_ERROR, "\"%s\" is not an array", k);
		return KALIT_ERR_MALFORMED;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			log_msg(LOG_LEVEL_ERROR, "\"%s\" has a member that is "
			    "not a string", k);
			return KALIT_ERR_MALFORMED;
		}
		r = strcmp(k, "dns") == 0 ?
		    identity_add_dns(id, json_string_value(e)) :
		    identity_add_ip(id, json_string_value(e));
		if (r != KALIT_OK)
			return r;
	}
	return KALIT_OK;
}

/*
 * One --batch line: {"given_name": ..., "pinfl": ..., "csr": "PEM"}, with
 * "dns": [...] and "ip": [...] for host names.
 */
static int
batch_line(struct ca_ctx *ctx, const struct profile *prof, struct ca_handle *h,
    const char *line, json_t *out)
{
	struct identity id;
	json_error_t jerr;
	json_t *obj, *v;
	const char *k, *csr = NULL;
	EVP_PKEY *pub = NULL;
	X509 *cert = NULL;
	char serial[X509_SERIAL_HEX_MAX + 1];
	int f, r = KALIT_ERR_MALFORMED;

	memset(&id, 0, sizeof(id));
	if ((obj = json_loads(line, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(obj)) {
		log_msg(LOG_LEVEL_ERROR, "not a JSON object: %s", jerr.text);
		goto out;
	}
	json_object_foreach(obj, k, v) {
		if (strcmp(k, "dns") == 0 || strcmp(k, "ip") == 0) {
			if ((r = batch_hosts(&id, k, v)) != KALIT_OK)
				goto out;
			r = KALIT_ERR_MALFORMED;
			continue;
		}
		if (!json_is_string(v)) {
			log_msg(LOG_LEVEL_ERROR, "\"%.32s\" is not a string", k);
			goto out;
		}
		if (strcmp(k, "csr") == 0) {
			csr = json_string_value(v);
			continue;
		}
		for (f = 0; f < IDENTITY__MAX; f++)
			if (strcmp(k, identity_field_name(f)) == 0)
				break;
		if (f == IDENTITY__MAX) {
			log_msg(LOG_LEVEL_ERROR, "unknown key \"%.32s\"", k);
			goto out;
		}
		if ((r = identity_set(&id, f, json_string_value(v))) != KALIT_OK)
			goto out;
		r = KALIT_ERR_MALFORMED;
	}
	if (csr == NULL) {
		log_msg(LOG_LEVEL_ERROR, "\"csr\" (PEM text) is required");
		goto out;
	}
	if ((r = identity_complete(&id, prof)) != KALIT_OK ||
	    (r = csr_check((const unsigned char *)csr, strlen(csr),
	    prof->key_types, &pub)) != KALIT_OK ||
	    (r = issue_one(ctx, prof, h, &id, pub, NULL, "issue", &cert)) !=
	    KALIT_OK ||
	    (r = x509_serial_hex(cert, serial, sizeof(serial))) != KALIT_OK)
		goto out;
	r = json_array_append_new(out, json_pack("{s:s, s:s?}", "serial",
	    serial, "pinfl", id.field[IDENTITY_PINFL])) == 0 ? KALIT_OK :
	    KALIT_ERR_NOMEM;
 out:
	json_decref(obj);
	identity_clear(&id);
	EVP_PKEY_free(pub);
	X509_free(cert);
	return r;
}

/*
 * Issues one certificate per line of --batch in a single transaction: all
 * lines are issued, or (on the first bad line, which is named) none.
 */
static int
issue_batch(struct ca_ctx *ctx, const struct profile *prof, const char *ca_name)
{
	const struct ca_opts *o = ctx->o;
	struct ca_handle h;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t n;
	long lineno = 0;
	json_t *out = json_array(), *e;
	int r, progress = isatty(STDERR_FILENO);

	memset(&h, 0, sizeof(h));
	if (out == NULL)
		return KALIT_ERR_NOMEM;
	for (i = 0; i < IDENTITY__MAX; i++)
		if (o->field[i] != NULL)
			break;
	if (o->out != NULL || o->csr != NULL || i < IDENTITY__MAX ||
	    o->cn != NULL || o->org != NULL || o->key_type != NULL ||
	    o->n_dns > 0 || o->n_ip > 0) {
		log_msg(LOG_LEVEL_ERROR, "--batch takes identities and CSRs "
		    "from its file only");
		r = KALIT_ERR_USAGE;
		goto out;
	}
	if ((f = strcmp(o->batch, "-") == 0 ? stdin :
	    fopen(o->batch, "re")) == NULL) {
		log_msg(LOG_LEVEL_ERROR, "%s: cannot open", o->batch);
		r = KALIT_ERR_IO;
		goto out;
	}
	if ((r = check_ca(ctx, ca_name, prof)) != KALIT_OK ||
	    (r = ca_load(ctx, ca_name, o->ca_pass ? o->ca_pass : "prompt",
	    &h)) != KALIT_OK || (r = store_begin(ctx->store)) != KALIT_OK)
		goto out;
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (n > CA_LINE_MAX) {
			r = KALIT_ERR_TOO_LARGE;
		} else if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		else
			r = batch_line(ctx, prof, &h, line, out);
		if (r != KALIT_OK) {
			log_msg(LOG_LEVEL_ERROR, "%s:%ld: %s; nothing was issued",
			    o->batch, lineno, kalit_errname(r));
			goto out;
		}
		if (progress && json_array_size(out) % 1000 == 0)
			fprintf(stderr, "\rissued %zu", json_array_size(out));
	}
	if (progress)
		fprintf(stderr, "\rissued %zu\n", json_array_size(out));
	if ((r = store_commit(ctx->store)) != KALIT_OK)
		goto out;
	if (o->json) {
		ca_print_json(out);
		out = NULL;
	} else
		json_array_foreach(out, i, e) {
			const char *pinfl = json_string_value(json_object_get(e,
			    "pinfl"));

			printf("%s\t%s\n", json_string_value(json_object_get(e,
			    "serial")), pinfl != NULL ? pinfl : "-");
		}
 out:
	store_rollback(ctx->store);
	if (f != NULL && f != stdin)
		fclose(f);
	free(line);
	json_decref(out);
	ca_handle_clear(&h);
	return r;
}

int
cmd_issue(struct ca_ctx *ctx)
{
	const struct ca_opts *o = ctx->o;
	struct profile *prof = NULL;
	struct identity id;
	struct issue_req req;
	int r;

	memset(&id, 0, sizeof(id));
	memset(&req, 0, sizeof(req));
	if ((r = load_ee_profile(ctx, o->profile, &prof)) != KALIT_OK)
		return r;
	req.prof = prof;
	req.id = &id;
	req.ca_name = o->ca != NULL ? o->ca : prof->name;
	req.action = "issue";
	req.key_pass = o->key_pass;
	if (o->batch != NULL)
		r = issue_batch(ctx, prof, req.ca_name);
	else if ((r = pick_mode(o, 0, &req.mode)) == KALIT_OK &&
	    (r = identity_from_opts(o, &id)) == KALIT_OK &&
	    (r = identity_complete(&id, prof)) == KALIT_OK)
		r = issue_deliver(ctx, &req);
	identity_clear(&id);
	profile_free(prof);
	return r;
}

int
cmd_renew(struct ca_ctx *ctx)
{
	const struct ca_opts *o = ctx->o;
	struct profile *prof = NULL;
	struct store_cert c;
	struct identity id;
	struct issue_req req;
	X509 *old = NULL;
	char serial[X509_SERIAL_HEX_MAX + 1];
	int r;

	memset(&id, 0, sizeof(id));
	memset(&req, 0, sizeof(req));
	memset(&c, 0, sizeof(c));
	if ((r = x509_serial_normalize(o->arg, serial, sizeof(serial))) ||
	    (r = pick_mode(o, 1, &req.mode)) != KALIT_OK ||
	    (r = ca_cert_get(ctx, serial, &c)) != KALIT_OK)
		return r;
	if (c.status == STORE_REVOKED || c.status == STORE_HOLD) {
		r = c.status == STORE_REVOKED ? KALIT_ERR_ALREADY_REVOKED :
		    KALIT_ERR_ALREADY_ON_HOLD;
		goto out;
	}
	if ((r = load_ee_profile(ctx, c.profile, &prof)) != KALIT_OK ||
	    (r = x509_parse(c.der, c.der_len, &old)) != KALIT_OK ||
	    (r = identity_from_cert(old, &id)) != KALIT_OK ||
	    (r = identity_complete(&id, prof)) != KALIT_OK)
		goto out;
	req.prof = prof;
	req.id = &id;
	req.ca_name = c.ca;
	req.renewed_from = c.serial;
	req.action = "renew";
	req.key_pass = o->key_pass;
	req.pub = X509_get0_pubkey(old);
	r = issue_deliver(ctx, &req);
 out:
	store_cert_clear(&c);
	X509_free(old);
	identity_clear(&id);
	profile_free(prof);
	return r;
}

/* Keeps the serial of the last row seen: the newest, as rows come oldest first. */
static int
last_serial(const struct store_cert *c, void *arg)
{
	snprintf(arg, X509_SERIAL_HEX_MAX + 1, "%s", c->serial);
	return KALIT_OK;
}

/*
 * The OCSP responder certificate of CA --ca, in a new PKCS#12 key file:
 * issued by that CA whatever it issues, profile ocsp. Run again, it renews:
 * a new key and certificate, recorded as renewing the newest valid one.
 */
int
cmd_responder(struct ca_ctx *ctx)
{
	const struct ca_opts *o = ctx->o;
	struct profile *prof = NULL;
	struct store_filter f;
	struct store_ca rec;
	struct identity id;
	struct issue_req req;
	char cn[128], prev[X509_SERIAL_HEX_MAX + 1] = "";
	int r;

	memset(&id, 0, sizeof(id));
	memset(&req, 0, sizeof(req));
	if (o->ca == NULL || o->out == NULL) {
		log_msg(LOG_LEVEL_ERROR, "responder needs --ca NAME (the CA "
		    "whose OCSP responses it signs) and --out FILE.p12");
		return KALIT_ERR_USAGE;
	}
	if ((r = store_ca_get(ctx->store, o->ca, &rec)) != KALIT_OK) {
		if (r == KALIT_ERR_CA_UNKNOWN)
			log_msg(LOG_LEVEL_ERROR, "no CA named \"%.40s\"; see "
			    "'kalit-ca ca-list'", o->ca);
		return r;
	}
	memset(&f, 0, sizeof(f));
	f.status = STORE_VALID;
	f.profile = "ocsp";
	f.ca = o->ca;
	f.now = (int64_t)time(NULL);
	snprintf(cn, sizeof(cn), "%s OCSP responder", o->ca);
	if ((r = load_ee_profile(ctx, "ocsp", &prof)) == KALIT_ERR_PROFILE)
		log_msg(LOG_LEVEL_ERROR, "a CA directory made before the ocsp "
		    "profile existed lacks it: copy %s/ocsp.conf into %s",
		    PROFILEDIR, ctx->profile_dir);
	if (r != KALIT_OK ||
	    (r = identity_set(&id, IDENTITY_CN, o->cn ? o->cn : cn)) ||
	    (o->org && (r = identity_set(&id, IDENTITY_ORG, o->org))) ||
	    (r = identity_complete(&id, prof)) != KALIT_OK ||
	    (r = store_cert_list(ctx->store, &f, last_serial, prev)))
		goto out;
	req.prof = prof;
	req.id = &id;
	req.ca_name = o->ca;
	req.renewed_from = prev[0] != '\0' ? prev : NULL;
	req.action = "responder";
	req.key_pass = o->key_pass != NULL ? o->key_pass : o->new_pass;
	req.any_ca = 1;
	req.mode = MODE_P12;
	r = issue_deliver(ctx, &req);
 out:
	identity_clear(&id);
	profile_free(prof);
	return r;
}
