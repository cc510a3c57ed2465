/* ca.c: what the kalit-ca commands share: the CA directory, its CAs, records */
#include "config.h"

#include "ca.h"
#include "audit.h"
#include "crl.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "secret.h"
#include "x509.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

int
ca_path(const struct ca_ctx *ctx, const char *sub, const char *name,
    const char *ext, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s%s%s%s", ctx->o->dir, sub,
	    name[0] != '\0' ? "/" : "", name, ext);

	return n < 0 || (size_t)n >= len ? KALIT_ERR_USAGE : KALIT_OK;
}

void
ca_set_actor(struct ca_ctx *ctx)
{
	audit_actor(ctx->o->operator_, ctx->actor, sizeof(ctx->actor));
}

int
ca_open(struct ca_ctx *ctx, const struct ca_opts *o)
{
	char db[PATH_MAX];
	int r;

	memset(ctx, 0, sizeof(*ctx));
	ctx->o = o;
	ca_set_actor(ctx);
	if ((r = ca_path(ctx, "kalit-ca.db", "", "", db, sizeof(db))) !=
	    KALIT_OK ||
	    (r = ca_path(ctx, "profiles", "", "", ctx->profile_dir,
	    sizeof(ctx->profile_dir))) != KALIT_OK)
		return r;
	if ((r = store_open(db, 0, &ctx->store)) != KALIT_OK) {
		if (r == KALIT_ERR_CA_DIR)
			log_msg(LOG_LEVEL_ERROR, "%s: no CA database; run "
			    "'kalit-ca -d %s init' first", db, o->dir);
		return r;
	}
	if (store_meta_get(ctx->store, "base_url", ctx->base_url,
	    sizeof(ctx->base_url)) != KALIT_OK)
		snprintf(ctx->base_url, sizeof(ctx->base_url), "%s",
		    CA_DEFAULT_BASE);
	return KALIT_OK;
}

void
ca_close(struct ca_ctx *ctx)
{
	store_rollback(ctx->store);
	store_free(ctx->store);
	ctx->store = NULL;
}

void
ca_crl_name(const struct store_ca *ca, int shard, int delta, char *buf,
    size_t len)
{
	char k[16] = "";

	/* CA names have no '.': the shard and "delta" parts are unambiguous. */
	if (ca->crl_shards > 1)
		snprintf(k, sizeof(k), ".%d", shard);
	snprintf(buf, len, "%s%s%s.crl", ca->name, k, delta ? ".delta" : "");
}

void
ca_crl_url(const struct ca_ctx *ctx, const struct store_ca *ca, int shard,
    int delta, char *buf, size_t len)
{
	char name[128];

	ca_crl_name(ca, shard, delta, name, sizeof(name));
	snprintf(buf, len, "%s/crl/%s", ctx->base_url, name);
}

void
ca_urls(const struct ca_ctx *ctx, const struct store_ca *ca,
    const char *serial, struct ca_urls *u)
{
	int shard = serial != NULL ? crl_shard(serial, ca->crl_shards) : 0;

	memset(u, 0, sizeof(*u));
	ca_crl_url(ctx, ca, shard, 0, u->crl, sizeof(u->crl));
	if (ca->delta_crl)
		ca_crl_url(ctx, ca, shard, 1, u->freshest, sizeof(u->freshest));
	snprintf(u->ocsp, sizeof(u->ocsp), "%s/ocsp", ctx->base_url);
	snprintf(u->issuers, sizeof(u->issuers), "%s/ca/%s.crt", ctx->base_url,
	    ca->name);
}

static int
load_cert_der(struct ca_ctx *ctx, const char *serial, X509 **certp)
{
	struct store_cert c;
	int r;

	if ((r = store_cert_get(ctx->store, serial, &c)) != KALIT_OK)
		return r;
	r = x509_parse(c.der, c.der_len, certp);
	store_cert_clear(&c);
	return r;
}

/* A revoked or held CA (or one under such a CA) signs nothing. */
static int
ca_check_active(struct ca_ctx *ctx, const struct ca_handle *h)
{
	struct store_cert c;
	char serial[X509_SERIAL_HEX_MAX + 1];
	int i, r, status;

	for (i = 0; i < sk_X509_num(h->chain); i++) {
		if ((r = x509_serial_hex(sk_X509_value(h->chain, i), serial,
		    sizeof(serial))) != KALIT_OK ||
		    (r = store_cert_get(ctx->store, serial, &c)) != KALIT_OK)
			return r;
		status = c.status;
		store_cert_clear(&c);
		if (status != STORE_VALID) {
			log_msg(LOG_LEVEL_ERROR, "CA certificate %s is %s",
			    serial, store_status_name(status));
			return KALIT_ERR_CA_REVOKED;
		}
	}
	return KALIT_OK;
}

int
ca_load(struct ca_ctx *ctx, const char *name, const char *pass_spec,
    struct ca_handle *h)
{
	struct store_ca rec;
	X509 *cert;
	char path[PATH_MAX], prompt[128], *pass = NULL;
	int r, depth;

	memset(h, 0, sizeof(*h));
	if ((r = store_ca_get(ctx->store, name, &h->rec)) != KALIT_OK) {
		if (r == KALIT_ERR_CA_UNKNOWN)
			log_msg(LOG_LEVEL_ERROR, "no CA named \"%.64s\"", name);
		return r;
	}
	if ((r = load_cert_der(ctx, h->rec.serial, &h->cert)) != KALIT_OK ||
	    (h->chain = sk_X509_new_null()) == NULL)
		goto fail;
	rec = h->rec;
	for (depth = 0; depth < 8; depth++) {
		if ((r = load_cert_der(ctx, rec.serial, &cert)) != KALIT_OK)
			goto fail;
		if (!sk_X509_push(h->chain, cert)) {
			X509_free(cert);
			r = KALIT_ERR_NOMEM;
			goto fail;
		}
		if (rec.parent[0] == '\0')
			break;
		if ((r = store_ca_get(ctx->store, rec.parent, &rec)) != KALIT_OK)
			goto fail;
	}
	if (pass_spec == NULL)
		return KALIT_OK;
	if ((r = ca_check_active(ctx, h)) != KALIT_OK)
		goto fail;
	snprintf(prompt, sizeof(prompt), "passphrase of CA key \"%s\"", name);
	if ((r = secret_read(pass_spec, prompt, 0, &pass)) != KALIT_OK ||
	    (r = ca_path(ctx, "keys", name, ".key", path, sizeof(path))) !=
	    KALIT_OK ||
	    (r = keyfile_load_cakey(path, pass, &h->key)) != KALIT_OK)
		goto fail;
	if (X509_check_private_key(h->cert, h->key) != 1) {
		ERR_clear_error();
		r = KALIT_ERR_KEY_MISMATCH;
		goto fail;
	}
	secret_free(pass);
	return KALIT_OK;
 fail:
	secret_free(pass);
	ca_handle_clear(h);
	return r;
}

void
ca_handle_clear(struct ca_handle *h)
{
	X509_free(h->cert);
	EVP_PKEY_free(h->key);
	sk_X509_pop_free(h->chain, X509_free);
	memset(h, 0, sizeof(*h));
}

int
ca_cert_get(struct ca_ctx *ctx, const char *serial, struct store_cert *c)
{
	int r;

	if ((r = store_cert_get(ctx->store, serial, c)) ==
	    KALIT_ERR_SERIAL_UNKNOWN)
		log_msg(LOG_LEVEL_ERROR, "serial %s was not issued by this CA",
		    serial);
	return r;
}

int
ca_record(struct ca_ctx *ctx, X509 *cert, const char *ca_name,
    const char *profile, const char *action, const char *renewed_from)
{
	struct store_cert c;
	struct identity id;
	char detail[256];
	int r;

	memset(&c, 0, sizeof(c));
	if ((r = identity_from_cert(cert, &id)) != KALIT_OK)
		return r;
	if ((r = x509_serial_hex(cert, c.serial, sizeof(c.serial))) != KALIT_OK)
		goto out;
	snprintf(c.ca, sizeof(c.ca), "%s", ca_name);
	snprintf(c.profile, sizeof(c.profile), "%s", profile);
#define COPY_FIELD(dst, f) \
	snprintf(dst, sizeof(dst), "%s", id.field[f] ? id.field[f] : "")
	COPY_FIELD(c.pinfl, IDENTITY_PINFL);
	COPY_FIELD(c.tin, IDENTITY_TIN);
	COPY_FIELD(c.org_tin, IDENTITY_ORG_TIN);
#undef COPY_FIELD
	if (renewed_from != NULL)
		snprintf(c.renewed_from, sizeof(c.renewed_from), "%s",
		    renewed_from);
	/* c is zeroed: a time that cannot be read is recorded as 0. */
	(void)x509_time_unix(X509_get0_notBefore(cert), &c.not_before);
	(void)x509_time_unix(X509_get0_notAfter(cert), &c.not_after);
	c.issued = (int64_t)time(NULL);
	c.reason = -1;
	if ((r = x509_name_text(X509_get_subject_name(cert), &c.subject)) !=
	    KALIT_OK || (r = x509_to_der(cert, &c.der, &c.der_len)) != KALIT_OK)
		goto out;
	if ((r = store_cert_put(ctx->store, &c)) != KALIT_OK)
		goto out;
	snprintf(detail, sizeof(detail), "ca=%s profile=%s%s%s", ca_name,
	    profile, renewed_from ? " renews=" : "",
	    renewed_from ? renewed_from : "");
	r = audit_append(ctx->store, ctx->actor, action, c.serial, detail);
 out:
	free(c.subject);
	OPENSSL_free(c.der);
	identity_clear(&id);
	return r;
}

int
ca_write_cert(X509 *cert, const char *path)
{
	char *pem;
	int r;

	if ((r = x509_to_pem(cert, &pem)) != KALIT_OK)
		return r;
	r = file_write_excl(path, pem, strlen(pem));
	free(pem);
	return r;
}

json_t *
ca_cert_json(const struct store_cert *c)
{
	char nb[X509_TIME_ISO_LEN], na[X509_TIME_ISO_LEN],
	    ra[X509_TIME_ISO_LEN];

	x509_time_iso(c->not_before, nb);
	x509_time_iso(c->not_after, na);
	x509_time_iso(c->revoked_at, ra);
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s, "
	    "s:s, s:s?, s:s?, s:s?}",
	    "serial", c->serial, "ca", c->ca, "profile", c->profile,
	    "subject", c->subject,
	    "pinfl", c->pinfl[0] ? c->pinfl : NULL,
	    "tin", c->tin[0] ? c->tin : NULL,
	    "org_tin", c->org_tin[0] ? c->org_tin : NULL,
	    "not_before", nb, "not_after", na,
	    "status", store_status_name(store_cert_status(c,
	    (int64_t)time(NULL))),
	    "revoked_at", c->status != STORE_VALID ? ra : NULL,
	    "reason", c->status == STORE_REVOKED && c->reason >= 0 ?
	    crl_reason_name(c->reason) : NULL,
	    "renewed_from", c->renewed_from[0] ? c->renewed_from : NULL);
}

void
ca_print_json(json_t *v)
{
	if (v == NULL)
		return;
	json_dumpf(v, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(v);
}
