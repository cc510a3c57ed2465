/* testpki.c: a small PKI for the unit tests; see testpki.h */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <check.h>

#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "testpki.h"
#include "testutil.h"

const char pki_ocsp_signer_profile[] =
    "[profile]\nkind = end-entity\ndays = 30\n"
    "basic_constraints = CA:FALSE\n"
    "key_usage = critical, digitalSignature\n"
    "extended_key_usage = OCSPSigning\nsubject = cn\n";

/* Profile name from p->work if a test wrote one there, else shipped. */
static struct profile *
load_profile(const struct pki *p, const char *name)
{
	struct profile *prof = NULL;
	char path[PATH_MAX];

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s.conf", p->work,
	    name), (int)sizeof(path));
	if (access(path, F_OK) != 0)
		return tu_profile(name);
	ck_assert_err(profile_load(p->work, name, &prof), KALIT_OK);
	return prof;
}

void
pki_write_profile(const struct pki *p, const char *name, const char *text)
{
	char path[PATH_MAX];

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s.conf", p->work,
	    name), (int)sizeof(path));
	tu_write_file(path, text, strlen(text));
}

X509 *
pki_issue(const struct pki *p, const char *profile, const char *cn,
    EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, const char *ocsp_url,
    const char *crl_url)
{
	struct profile *prof = load_profile(p, profile);
	X509_NAME *name = tu_name(cn);
	struct x509_spec spec;
	X509 *cert = NULL;

	memset(&spec, 0, sizeof(spec));
	spec.profile = prof;
	spec.subject = name;
	spec.pubkey = key;
	spec.issuer = ca;
	spec.issuer_key = ca_key;
	spec.not_before = p->now - 300;
	spec.ocsp_url = ocsp_url;
	spec.crl_url = crl_url;
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	X509_NAME_free(name);
	profile_free(prof);
	return cert;
}

void
pki_init(struct pki *p, const char *ocsp_url, const char *crl_url)
{
	memset(p, 0, sizeof(*p));
	p->now = time(NULL);
	tu_mkdtemp(p->trust, sizeof(p->trust));
	tu_mkdtemp(p->crls, sizeof(p->crls));
	tu_mkdtemp(p->work, sizeof(p->work));
	tu_make_ca(KEY_TYPE_P256, "Validate Root", &p->root, &p->root_key);
	p->ca_key = tu_key(KEY_TYPE_P256);
	p->ca = pki_issue(p, "issuing-ca", "Validate CA", p->ca_key, p->root,
	    p->root_key, NULL, NULL);
	p->leaf_key = tu_key(KEY_TYPE_P256);
	p->leaf = pki_issue(p, "citizen", "Holder", p->leaf_key, p->ca,
	    p->ca_key, ocsp_url, crl_url);
	tu_write_certs(p->trust, "root.pem", p->root, NULL);
	tu_write_certs(p->trust, "ca.crt", p->ca, NULL);
}

void
pki_free(struct pki *p)
{
	tu_rmdir(p->trust);
	tu_rmdir(p->crls);
	tu_rmdir(p->work);
	X509_free(p->root);
	X509_free(p->ca);
	X509_free(p->leaf);
	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->ca_key);
	EVP_PKEY_free(p->leaf_key);
}

void
pki_cfg_init(struct validate_config *c, const struct pki *p,
    enum validate_rev_mode mode)
{
	memset(c, 0, sizeof(*c));
	c->trust_dir = p->trust;
	c->rev_mode = mode;
	c->crl = 1;
	c->crl_dir = p->crls;
	c->timeout_ms = 1000;
	c->cache_max = 300;
}

struct validator *
pki_validator(const struct validate_config *c)
{
	struct validator *v = NULL;

	ck_assert_err(validator_new(c, &v), KALIT_OK);
	ck_assert_ptr_nonnull(v);
	return v;
}

void
pki_leaf_serial(const struct pki *p, char *buf, size_t len)
{
	ck_assert_err(x509_serial_hex(p->leaf, buf, len), KALIT_OK);
}

void
pki_crl(X509 *issuer, EVP_PKEY *key, time_t this_update, time_t next_update,
    const char *serial, int reason, unsigned char **derp, size_t *lenp)
{
	struct crl *c = NULL;

	ck_assert_err(crl_new(issuer, 1, this_update, next_update, &c),
	    KALIT_OK);
	if (serial != NULL)
		ck_assert_err(crl_add(c, serial, this_update - 60, reason),
		    KALIT_OK);
	ck_assert_err(crl_sign(c, key, derp, lenp), KALIT_OK);
	crl_free(c);
}

void
pki_write_crl(const struct pki *p, const char *name, X509 *issuer,
    EVP_PKEY *key, time_t this_update, time_t next_update,
    const char *serial, int reason, int pem)
{
	unsigned char *der = NULL;
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;

	pki_crl(issuer, key, this_update, next_update, serial, reason, &der,
	    &len);
	tu_path(path, sizeof(path), p->crls, name);
	if (pem) {
		ck_assert_err(crl_to_pem(der, len, &text), KALIT_OK);
		tu_write_file(path, text, strlen(text));
	} else
		tu_write_file(path, der, len);
	free(text);
	OPENSSL_free(der);
}

void
pki_raw_crl(const struct pki *p, int next, int nid, const char *value,
    unsigned char **derp, size_t *lenp)
{
	X509_EXTENSION *ext;
	ASN1_INTEGER *num;
	X509_CRL *x;
	ASN1_TIME *t;
	int len;

	ck_assert_ptr_nonnull(x = X509_CRL_new());
	ck_assert_int_eq(X509_CRL_set_version(x, X509_CRL_VERSION_2), 1);
	ck_assert_int_eq(X509_CRL_set_issuer_name(x,
	    X509_get_subject_name(p->ca)), 1);
	ck_assert_ptr_nonnull(t = ASN1_TIME_set(NULL, p->now - HOUR));
	ck_assert_int_eq(X509_CRL_set1_lastUpdate(x, t), 1);
	ck_assert_ptr_nonnull(ASN1_TIME_set(t, p->now + HOUR));
	if (next)
		ck_assert_int_eq(X509_CRL_set1_nextUpdate(x, t), 1);
	if (nid == NID_delta_crl) {	/* no text form: a base CRL number */
		ck_assert_ptr_nonnull(num = ASN1_INTEGER_new());
		ck_assert_int_eq(ASN1_INTEGER_set(num, 1), 1);
		ck_assert_int_eq(X509_CRL_add1_ext_i2d(x, nid, num, 1, 0), 1);
		ASN1_INTEGER_free(num);
	} else if (nid != 0) {
		ck_assert_ptr_nonnull(ext = X509V3_EXT_nconf_nid(NULL, NULL,
		    nid, value));
		ck_assert_int_eq(X509_CRL_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
	}
	ck_assert_int_gt(X509_CRL_sign(x, p->ca_key, EVP_sha256()), 0);
	*derp = NULL;
	ck_assert_int_gt(len = i2d_X509_CRL(x, derp), 0);
	*lenp = (size_t)len;
	ASN1_TIME_free(t);
	X509_CRL_free(x);
}

void
pki_write_raw_crl(const struct pki *p, int next, int nid, const char *value)
{
	unsigned char *der = NULL;
	char path[PATH_MAX];
	size_t len = 0;

	pki_raw_crl(p, next, nid, value, &der, &len);
	tu_path(path, sizeof(path), p->crls, "ca.crl");
	tu_write_file(path, der, len);
	OPENSSL_free(der);
}

void
pki_resp_defaults(struct resp_opts *o, const struct pki *p)
{
	memset(o, 0, sizeof(*o));
	o->about = p->leaf;
	o->signer = p->ca;
	o->key = p->ca_key;
	o->status = V_OCSP_CERTSTATUS_GOOD;
	o->reason = OCSP_REVOKED_STATUS_NOSTATUS;
	o->this_upd = p->now - 60;
	o->next_upd = p->now + HOUR;
	o->nonce = NONCE_ECHO;
}

unsigned char *
pki_ocsp_resp(const struct pki *p, const unsigned char *reqder, size_t reqlen,
    const struct resp_opts *o, size_t *lenp)
{
	const unsigned char *q = reqder;
	OCSP_REQUEST *req = NULL;
	OCSP_BASICRESP *bs;
	OCSP_RESPONSE *resp;
	OCSP_CERTID *id;
	ASN1_TIME *tu, *nu = NULL, *rt;
	unsigned char *der = NULL;
	int len;

	ck_assert_ptr_nonnull(bs = OCSP_BASICRESP_new());
	ck_assert_ptr_nonnull(id = OCSP_cert_to_id(NULL, o->about, p->ca));
	ck_assert_ptr_nonnull(tu = ASN1_TIME_set(NULL, o->this_upd));
	ck_assert_ptr_nonnull(rt = ASN1_TIME_set(NULL, o->this_upd - 600));
	if (o->next_upd != 0)
		ck_assert_ptr_nonnull(nu = ASN1_TIME_set(NULL, o->next_upd));
	ck_assert_ptr_nonnull(OCSP_basic_add1_status(bs, id, o->status,
	    o->reason, o->status == V_OCSP_CERTSTATUS_REVOKED ? rt : NULL,
	    tu, nu));
	if (o->twice)
		ck_assert_ptr_nonnull(OCSP_basic_add1_status(bs, id,
		    V_OCSP_CERTSTATUS_REVOKED, o->reason, rt, tu, nu));
	if (o->nonce == NONCE_ECHO && reqder != NULL) {
		ck_assert_ptr_nonnull(req = d2i_OCSP_REQUEST(NULL, &q,
		    (long)reqlen));
		ck_assert_int_ge(OCSP_copy_nonce(bs, req), 1);
	} else if (o->nonce == NONCE_WRONG)
		ck_assert_int_eq(OCSP_basic_add1_nonce(bs, NULL, -1), 1);
	ck_assert_int_eq(OCSP_basic_sign(bs, o->signer, o->key, EVP_sha256(),
	    NULL, o->with_certs ? 0 : OCSP_NOCERTS), 1);
	ck_assert_ptr_nonnull(resp = OCSP_response_create(
	    OCSP_RESPONSE_STATUS_SUCCESSFUL, bs));
	ck_assert_int_gt(len = i2d_OCSP_RESPONSE(resp, &der), 0);
	*lenp = (size_t)len;
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	ASN1_TIME_free(rt);
	return der;
}
