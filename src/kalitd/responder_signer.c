/*
 * responder_signer.c: the delegated OCSP signing keys (signer_dir), each
 * matched to the CA of the database that issued its certificate
 */
#include "config.h"
#include "responder_int.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"
#include "x509.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/* What a CertID must hash to, per hash algorithm, to name this CA. */
static const int certid_nids[NCERTID] = {
	NID_sha1, NID_sha256, NID_sha384, NID_sha512
};

void
responder_signers_release(struct signers *ss)
{
	size_t i;

	if (ss == NULL || atomic_fetch_sub(&ss->refs, 1) != 1)
		return;
	for (i = 0; i < ss->n; i++) {
		X509_free(ss->v[i].ca_cert);
		X509_free(ss->v[i].cert);
		EVP_PKEY_free(ss->v[i].key);
	}
	free(ss->v);
	free(ss);
}

/* The CAs of the database, with their certificates. */
struct ca_list {
	struct store	*s;
	size_t		 n, cap;
	struct signer	*v;
};

static int
ca_one(const struct store_ca *rec, void *arg)
{
	struct ca_list *l = arg;
	struct store_cert c;
	struct signer *nv;
	X509 *cert = NULL;
	int r;

	if (l->n == l->cap) {
		if ((nv = realloc(l->v, (l->cap + 8) * sizeof(*nv))) == NULL)
			return KALIT_ERR_NOMEM;
		memset(nv + l->cap, 0, 8 * sizeof(*nv));
		l->v = nv;
		l->cap += 8;
	}
	if ((r = store_cert_get(l->s, rec->serial, &c)) != KALIT_OK)
		return r;
	r = x509_parse(c.der, c.der_len, &cert);
	store_cert_clear(&c);
	if (r != KALIT_OK)
		return r;
	snprintf(l->v[l->n].ca, sizeof(l->v[l->n].ca), "%s", rec->name);
	l->v[l->n++].ca_cert = cert;
	return KALIT_OK;
}

/* The hashes an OCSP CertID carries for the CA s->ca_cert. */
static int
signer_ids(struct signer *s)
{
	const EVP_MD *md;
	size_t i;

	for (i = 0; i < NCERTID; i++) {
		if ((md = EVP_get_digestbynid(certid_nids[i])) == NULL ||
		    X509_NAME_digest(X509_get_subject_name(s->ca_cert), md,
		    s->id[i].name, &s->id[i].name_len) != 1 ||
		    X509_pubkey_digest(s->ca_cert, md, s->id[i].key,
		    &s->id[i].key_len) != 1)
			return KALIT_ERR_INTERNAL;
	}
	return KALIT_OK;
}

/* Adds the responder key file path to l's CA that issued it. */
static int
signer_add(struct ca_list *l, const char *path, const char *pass)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	struct signer *s;
	int64_t not_before, not_after;
	size_t i;
	int r;

	if ((r = keyfile_load_p12(path, pass, &key, &cert, NULL)) !=
	    KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "responder key file %s: %s", path,
		    kalit_strerror(r));
		return r;
	}
	r = KALIT_ERR_CERT_PURPOSE;
	if (!(X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(cert) & XKU_OCSP_SIGN)) {
		log_msg(LOG_LEVEL_ERROR, "responder key file %s: its "
		    "certificate is not for OCSP signing; make one with "
		    "'kalit-ca responder'", path);
		goto out;
	}
	if ((r = x509_time_unix(X509_get0_notBefore(cert), &not_before)) !=
	    KALIT_OK ||
	    (r = x509_time_unix(X509_get0_notAfter(cert), &not_after)) !=
	    KALIT_OK)
		goto out;
	r = KALIT_ERR_CA_UNKNOWN;
	for (i = 0; i < l->n; i++) {
		s = &l->v[i];
		if (X509_check_issued(s->ca_cert, cert) != X509_V_OK ||
		    X509_verify(cert, X509_get0_pubkey(s->ca_cert)) != 1)
			continue;
		r = KALIT_OK;
		/* Renewed: the one valid longest signs. */
		if (s->cert != NULL && not_after <= s->not_after)
			break;
		X509_free(s->cert);
		EVP_PKEY_free(s->key);
		s->cert = cert;
		s->key = key;
		cert = NULL;
		key = NULL;
		s->not_before = not_before;
		s->not_after = not_after;
		break;
	}
	if (r != KALIT_OK)
		log_msg(LOG_LEVEL_ERROR, "responder key file %s: issued by no "
		    "CA of the CA database", path);
 out:
	EVP_PKEY_free(key);
	X509_free(cert);
	ERR_clear_error();
	return r;
}

static int
is_p12(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".p12") == 0 && name[0] != '.';
}

int
responder_signers_load(struct responder *r, struct signers **ssp)
{
	struct ca_list *l;
	struct signers *ss = NULL;
	struct dirent *de;
	DIR *dir = NULL;
	char path[4096];
	unsigned int gen;
	size_t i;
	int rc;

	*ssp = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return KALIT_ERR_NOMEM;
	if ((rc = responder_pool_get(r, &l->s, &gen)) != KALIT_OK)
		goto out;
	rc = store_ca_list(l->s, ca_one, l);
	responder_pool_put(r, l->s, gen, rc == KALIT_OK);
	if (rc != KALIT_OK)
		goto out;
	if (r->cfg->signer_dir != NULL) {
		if ((dir = opendir(r->cfg->signer_dir)) == NULL) {
			log_msg(LOG_LEVEL_ERROR, "[responder] signer_dir %s: "
			    "%s", r->cfg->signer_dir, strerror(errno));
			rc = KALIT_ERR_CONFIG;
			goto out;
		}
		while ((de = readdir(dir)) != NULL) {
			if (!is_p12(de->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s",
			    r->cfg->signer_dir, de->d_name);
			if ((rc = signer_add(l, path, r->signer_pass)) !=
			    KALIT_OK)
				goto out;
		}
	}
	rc = KALIT_ERR_NOMEM;
	if ((ss = calloc(1, sizeof(*ss))) == NULL ||
	    (ss->v = calloc(l->n + 1, sizeof(*ss->v))) == NULL)
		goto out;
	atomic_init(&ss->refs, 1);
	/* Every CA: those without a key for responder_status(). */
	for (i = 0; i < l->n; i++) {
		ss->v[ss->n] = l->v[i];
		memset(&l->v[i], 0, sizeof(l->v[i]));
		if ((rc = signer_ids(&ss->v[ss->n++])) != KALIT_OK)
			goto out;
		if (ss->v[ss->n - 1].cert != NULL)
			log_msg(LOG_LEVEL_INFO, "OCSP for CA %s: signer valid "
			    "until %lld", ss->v[ss->n - 1].ca,
			    (long long)ss->v[ss->n - 1].not_after);
	}
	l->n = 0;
	*ssp = ss;
	ss = NULL;
	rc = KALIT_OK;
 out:
	if (dir != NULL)
		closedir(dir);
	for (i = 0; l != NULL && i < l->n; i++) {
		X509_free(l->v[i].ca_cert);
		X509_free(l->v[i].cert);
		EVP_PKEY_free(l->v[i].key);
	}
	if (l != NULL)
		free(l->v);
	free(l);
	if (ss != NULL)
		responder_signers_release(ss);
	return rc;
}

const struct signer *
responder_signer_of(const struct signers *ss, OCSP_CERTID *cid)
{
	ASN1_OCTET_STRING *nh, *kh;
	ASN1_OBJECT *md;
	const struct signer *s;
	size_t i, k;
	int nid;

	if (OCSP_id_get0_info(&nh, &md, &kh, NULL, cid) != 1)
		return NULL;
	nid = OBJ_obj2nid(md);
	for (k = 0; k < NCERTID && certid_nids[k] != nid; k++)
		;
	if (k == NCERTID)
		return NULL;
	for (i = 0; i < ss->n; i++) {
		s = &ss->v[i];
		if (s->cert != NULL &&
		    (unsigned int)ASN1_STRING_length(nh) == s->id[k].name_len &&
		    (unsigned int)ASN1_STRING_length(kh) == s->id[k].key_len &&
		    memcmp(ASN1_STRING_get0_data(nh), s->id[k].name,
		    s->id[k].name_len) == 0 &&
		    memcmp(ASN1_STRING_get0_data(kh), s->id[k].key,
		    s->id[k].key_len) == 0)
			return s;
	}
	return NULL;
}
