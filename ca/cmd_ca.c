/* cmd_ca.c: kalit-ca init, ca-new, ca-list: the root and issuing CAs */
#include "config.h"

#include "ca.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "secret.h"
#include "x509.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* URLs go into x509v3_config strings: allow no ',' or white space. */
static int
base_url_valid(const char *u)
{
	const char *p;

	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
		return 0;
	if (strlen(u) > 200 || u[strlen(u) - 1] == '/')
		return 0;
	for (p = u; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(":/._~%-[]", *p)))
			return 0;
	return 1;
}

static int
make_dirs(const struct ca_ctx *ctx)
{
	static const char *const subs[] = { "keys", "certs", "crl",
	    "profiles" };
	char path[PATH_MAX];
	size_t i;

	if (mkdir(ctx->o->dir, 0700) == -1 && errno != EEXIST)
		goto fail;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (ca_path(ctx, subs[i], "", "", path, sizeof(path)) !=
		    KALIT_OK)
			return KALIT_ERR_USAGE;
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			goto fail;
	}
	return KALIT_OK;
 fail:
	log_msg(LOG_LEVEL_ERROR, "%s: %s", ctx->o->dir, strerror(errno));
	return KALIT_ERR_IO;
}

/* Copies the installed profiles in, keeping any the administrator put there. */
static int
copy_profiles(struct ca_ctx *ctx)
{
	const char *src = getenv("KALIT_PROFILE_DIR");
	char from[PATH_MAX], to[PATH_MAX];
	unsigned char *buf;
	struct dirent *de;
	size_t len, n;
	DIR *d;
	int r = KALIT_OK, copied = 0;

	if (src == NULL || src[0] == '\0')
		src = PROFILEDIR;
	if ((d = opendir(src)) == NULL) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s; set KALIT_PROFILE_DIR to the "
		    "profiles directory", src, strerror(errno));
		return KALIT_ERR_PROFILE;
	}
	while (r == KALIT_OK && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".conf") != 0)
			continue;
		if (snprintf(from, sizeof(from), "%s/%s", src, de->d_name) >=
		    (int)sizeof(from) || snprintf(to, sizeof(to), "%s/%s",
		    ctx->profile_dir, de->d_name) >= (int)sizeof(to)) {
			r = KALIT_ERR_USAGE;
			break;
		}
		if ((r = file_read(from, 65536, &buf, &len)) != KALIT_OK)
			break;
		r = file_write_excl(to, buf, len);
		free(buf);
		if (r == KALIT_ERR_FILE_EXISTS)
			r = KALIT_OK;
		copied++;
	}
	closedir(d);
	if (r == KALIT_OK && copied == 0) {
		log_msg(LOG_LEVEL_ERROR, "%s: no profiles", src);
		r = KALIT_ERR_PROFILE;
	}
	return r;
}

/* Generates the CA key, writes key and certificate files, and returns cert. */
static int
make_ca(struct ca_ctx *ctx, const char *name, const char *profile_name,
    struct identity *id, const char *policies, struct ca_handle *parent,
    const char *pass, X509 **certp)
{
	struct profile *prof = NULL;
	EVP_PKEY *key = NULL;
	X509_NAME *subj = NULL;
	struct x509_spec spec;
	enum key_type kt = KEY_TYPE_P256;
	struct ca_urls urls;
	char kpath[PATH_MAX], cpath[PATH_MAX];
	int r;

	*certp = NULL;
	memset(&spec, 0, sizeof(spec));
	if ((ctx->o->key_type != NULL &&
	    (r = key_type_parse(ctx->o->key_type, &kt)) != KALIT_OK) ||
	    (r = profile_load(ctx->profile_dir, profile_name, &prof)) !=
	    KALIT_OK ||
	    (r = identity_complete(id, prof)) != KALIT_OK ||
	    (r = identity_to_name(id, &subj)) != KALIT_OK ||
	    (r = ca_path(ctx, "keys", name, ".key", kpath, sizeof(kpath))) ||
	    (r = ca_path(ctx, "certs", name, ".crt", cpath, sizeof(cpath))))
		goto out;
	if (access(kpath, F_OK) == 0) {
		log_msg(LOG_LEVEL_ERROR, "%s exists", kpath);
		r = KALIT_ERR_FILE_EXISTS;
		goto out;
	}
	if ((r = key_generate(kt, &key)) != KALIT_OK)
		goto out;
	spec.profile = prof;
	spec.subject = subj;
	spec.pubkey = key;
	spec.issuer_key = key;
	spec.not_before = time(NULL) - CA_BACKDATE;
	spec.days = ctx->o->days;
	spec.policies = policies;
	if (parent != NULL) {
		/* the root's CRL, of one shard: any serial gives its URLs */
		ca_urls(ctx, &parent->rec, NULL, &urls);
		spec.issuer = parent->cert;
		spec.issuer_key = parent->key;
		spec.crl_url = urls.crl;
		spec.freshest_url = urls.freshest[0] ? urls.freshest : NULL;
		spec.ca_issuers_url = urls.issuers;
	}
	if ((r = x509_issue(&spec, certp)) != KALIT_OK ||
	    (r = keyfile_write_cakey(kpath, pass, key)) != KALIT_OK)
		goto out;
	if ((r = ca_write_cert(*certp, cpath)) != KALIT_OK)
		unlink(kpath);
 out:
	if (r != KALIT_OK) {
		X509_free(*certp);
		*certp = NULL;
	}
	profile_free(prof);
	EVP_PKEY_free(key);
	X509_NAME_free(subj);
	return r;
}

/* Commits a new CA's certificate and record, or removes its files. */
static int
commit_ca(struct ca_ctx *ctx, X509 *cert, const char *name,
    const char *profile, const char *parent, const char *action)
{
	const struct ca_opts *o = ctx->o;
	struct store_ca rec;
	char path[PATH_MAX];
	int r;

	memset(&rec, 0, sizeof(rec));
	snprintf(rec.name, sizeof(rec.name), "%s", name);
	snprintf(rec.profile, sizeof(rec.profile), "%s", profile);
	snprintf(rec.parent, sizeof(rec.parent), "%s", parent);
	rec.crl_shards = o->crl_shards > 0 ? o->crl_shards : 1;
	rec.delta_crl = o->delta_crl;
	if ((r = x509_serial_hex(cert, rec.serial, sizeof(rec.serial))) ||
	    (r = store_begin(ctx->store)) != KALIT_OK)
		goto fail;
	if ((r = ca_record(ctx, cert, parent[0] ? parent : name,
	    parent[0] ? "issuing-ca" : "root", action, NULL)) != KALIT_OK ||
	    (r = store_ca_put(ctx->store, &rec)) != KALIT_OK ||
	    (r = store_commit(ctx->store)) != KALIT_OK) {
		store_rollback(ctx->store);
		goto fail;
	}
	if (o->json)
		ca_print_json(json_pack("{s:s, s:s, s:s, s:i, s:b}", "name",
		    name, "serial", rec.serial, "profile", profile,
		    "crl_shards", rec.crl_shards, "delta_crl", rec.delta_crl));
	else
		printf("CA \"%s\" created: serial %s, certificate %s/certs/"
		    "%s.crt\n", name, rec.serial, ctx->o->dir, name);
	return KALIT_OK;
 fail:
	if (ca_path(ctx, "keys", name, ".key", path, sizeof(path)) == KALIT_OK)
		unlink(path);
	if (ca_path(ctx, "certs", name, ".crt", path, sizeof(path)) == KALIT_OK)
		unlink(path);
	return r;
}

int
cmd_init(struct ca_ctx *ctx, const struct ca_opts *o)
{
	struct identity id;
	X509 *cert = NULL;
	char db[PATH_MAX], *pass = NULL;
	const char *base = o->base_url != NULL ? o->base_url : CA_DEFAULT_BASE;
	int r;

	memset(ctx, 0, sizeof(*ctx));
	memset(&id, 0, sizeof(id));
	ctx->o = o;
	ca_set_actor(ctx);
	if (!base_url_valid(base)) {
		log_msg(LOG_LEVEL_ERROR, "--base-url: \"%.80s\" must be an "
		    "http(s) URL without a trailing '/', commas or spaces",
		    base);
		return KALIT_ERR_USAGE;
	}
	if ((r = ca_path(ctx, "kalit-ca.db", "", "", db, sizeof(db))) ||
	    (r = ca_path(ctx, "profiles", "", "", ctx->profile_dir,
	    sizeof(ctx->profile_dir))))
		return r;
	if (access(db, F_OK) == 0) {
		log_msg(LOG_LEVEL_ERROR, "%s: already initialised", o->dir);
		return KALIT_ERR_CA_DIR;
	}
	if ((r = identity_set(&id, IDENTITY_CN, o->cn ? o->cn :
	    "kalit Root CA")) != KALIT_OK ||
	    (o->org && (r = identity_set(&id, IDENTITY_ORG, o->org))) ||
	    (o->country && (r = identity_set(&id, IDENTITY_COUNTRY,
	    o->country))) ||
	    (r = make_dirs(ctx)) != KALIT_OK ||
	    (r = copy_profiles(ctx)) != KALIT_OK ||
	    (r = secret_read(o->ca_pass, "passphrase for the new root CA key",
	    1, &pass)) != KALIT_OK ||
	    (r = store_open(db, 1, &ctx->store)) != KALIT_OK)
		goto out;
	if ((r = store_meta_set(ctx->store, "base_url", base)) != KALIT_OK ||
	    (r = make_ca(ctx, "root", "root", &id, NULL, NULL, pass, &cert)) !=
	    KALIT_OK)
		goto out;
	r = commit_ca(ctx, cert, "root", "root", "", "init");
 out:
	if (r != KALIT_OK && ctx->store != NULL) {
		store_free(ctx->store);
		ctx->store = NULL;
		unlink(db);
		strcat(db, "-wal");
		unlink(db);
		strcpy(db + strlen(db) - 3, "shm");
		unlink(db);
	}
	identity_clear(&id);
	secret_free(pass);
	X509_free(cert);
	return r;
}

int
cmd_ca_new(struct ca_ctx *ctx)
{
	const struct ca_opts *o = ctx->o;
	const char *name = o->name != NULL ? o->name : o->profile;
	struct profile *ee = NULL;
	struct ca_handle root;
	struct store_ca existing;
	struct identity id;
	X509 *cert = NULL;
	char cn[128], prompt[128], *pass = NULL;
	int r;

	memset(&id, 0, sizeof(id));
	memset(&root, 0, sizeof(root));
	if (o->profile == NULL) {
		log_msg(LOG_LEVEL_ERROR, "ca-new needs --profile (the "
		    "end-entity profile this CA issues, e.g. citizen)");
		return KALIT_ERR_USAGE;
	}
	if ((r = profile_load(ctx->profile_dir, o->profile, &ee)) != KALIT_OK)
		goto out;
	if (ee->kind != PROFILE_END_ENTITY) {
		log_msg(LOG_LEVEL_ERROR, "profile %s is not an end-entity "
		    "profile", o->profile);
		r = KALIT_ERR_PROFILE;
		goto out;
	}
	if (!profile_name_valid(name) || strcmp(name, "root") == 0) {
		log_msg(LOG_LEVEL_ERROR, "CA name \"%.40s\" must be [a-z0-9-], "
		    "at most 32 characters, and not \"root\"", name);
		r = KALIT_ERR_USAGE;
		goto out;
	}
	if ((r = store_ca_get(ctx->store, name, &existing)) !=
	    KALIT_ERR_CA_UNKNOWN) {
		r = r == KALIT_OK ? KALIT_ERR_CA_EXISTS : r;
		goto out;
	}
	snprintf(cn, sizeof(cn), "kalit %s CA", name);
	snprintf(prompt, sizeof(prompt), "passphrase for the new CA key "
	    "\"%s\"", name);
	if ((r = identity_set(&id, IDENTITY_CN, o->cn ? o->cn : cn)) ||
	    (o->org && (r = identity_set(&id, IDENTITY_ORG, o->org))) ||
	    (r = ca_load(ctx, "root", o->ca_pass ? o->ca_pass : "prompt",
	    &root)) != KALIT_OK ||
	    (r = secret_read(o->new_pass ? o->new_pass : o->ca_pass, prompt,
	    1, &pass)) != KALIT_OK ||
	    (r = make_ca(ctx, name, "issuing-ca", &id,
	    ee->certificate_policies, &root, pass, &cert)) != KALIT_OK)
		goto out;
	r = commit_ca(ctx, cert, name, o->profile, "root", "ca-new");
 out:
	profile_free(ee);
	ca_handle_clear(&root);
	identity_clear(&id);
	secret_free(pass);
	X509_free(cert);
	return r;
}

struct ca_list_state {
	struct ca_ctx	*ctx;
	json_t		*arr;
};

static int
ca_list_one(const struct store_ca *ca, void *arg)
{
	struct ca_list_state *st = arg;
	struct store_cert c;
	X509 *cert = NULL;
	EVP_PKEY *pub;
	enum key_type kt = KEY_TYPE__MAX;
	char na[X509_TIME_ISO_LEN];
	int r;

	if ((r = store_cert_get(st->ctx->store, ca->serial, &c)) != KALIT_OK)
		return r;
	if (x509_parse(c.der, c.der_len, &cert) == KALIT_OK &&
	    (pub = X509_get0_pubkey(cert)) != NULL)
		key_type_of(pub, &kt);
	X509_free(cert);
	x509_time_iso(c.not_after, na);
	if (st->arr != NULL)
		json_array_append_new(st->arr, json_pack("{s:s, s:s, s:s?, s:s, "
		    "s:s, s:s, s:s, s:I, s:i, s:b}", "name", ca->name, "profile",
		    ca->profile, "parent", ca->parent[0] ? ca->parent : NULL,
		    "serial", ca->serial, "subject", c.subject, "not_after", na,
		    "key_type", key_type_name(kt), "crl_number",
		    (json_int_t)ca->crl_number, "crl_shards", ca->crl_shards,
		    "delta_crl", ca->delta_crl));
	else
		printf("%-12s %-10s %-8s %s  %s  %s\n", ca->name, ca->profile,
		    key_type_name(kt), na, ca->serial, c.subject);
	store_cert_clear(&c);
	return KALIT_OK;
}

int
cmd_ca_list(struct ca_ctx *ctx)
{
	struct ca_list_state st = { ctx, NULL };
	int r;

	if (ctx->o->json && (st.arr = json_array()) == NULL)
		return KALIT_ERR_NOMEM;
	if (!ctx->o->json)
		printf("%-12s %-10s %-8s %-20s  %-32s  %s\n", "NAME", "ISSUES",
		    "KEY", "NOT AFTER", "SERIAL", "SUBJECT");
	r = store_ca_list(ctx->store, ca_list_one, &st);
	if (r == KALIT_OK && st.arr != NULL)
		ca_print_json(st.arr);
	else
		json_decref(st.arr);
	return r;
}
