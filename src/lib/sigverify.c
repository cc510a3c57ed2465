/* sigverify.c: who signed a document, and does the signature hold? */
#include "config.h"

#include "sigverify.h"
#include "base64.h"
#include "cms.h"
#include "crl.h"
#include "digest.h"
#include "err.h"
#include "log.h"
#include "x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ess.h>
#include <openssl/objects.h>

/* The policies of ca/profiles/citizen.conf and official.conf */
#define OID_CITIZEN	"1.3.6.1.5.5.7.13.1"
#define OID_OFFICIAL	"1.3.6.1.5.5.7.13.2"

static const struct {
	const char		*name;
	enum sig_indication	 indication;
	const char		*text;
} sub_table[SIG_SUB__MAX] = {
	[SIG_SUB_NONE] = { NULL, SIG_TOTAL_PASSED,
	    "the signature is intact, and its certificate trusted, valid "
	    "and not revoked now" },
	[SIG_SUB_FORMAT_FAILURE] = { "FORMAT_FAILURE", SIG_TOTAL_FAILED,
	    "the signer's structure is not a CMS signature with signed "
	    "attributes as it must be (one content type, the signed "
	    "content's; one message digest), or its signature algorithm "
	    "contradicts its digest algorithm or key" },
	[SIG_SUB_HASH_FAILURE] = { "HASH_FAILURE", SIG_TOTAL_FAILED,
	    "the document is not the one that was signed: it was altered, "
	    "or it is another document" },
	[SIG_SUB_SIG_CRYPTO_FAILURE] = { "SIG_CRYPTO_FAILURE",
	    SIG_TOTAL_FAILED, "the signature does not verify with the "
	    "signer's certificate: the signed attributes were altered, or "
	    "the certificate was swapped" },
	[SIG_SUB_REVOKED] = { "REVOKED", SIG_TOTAL_FAILED,
	    "the signer's certificate, or a CA certificate of its chain "
	    "(revocation.depth), is revoked, and no timestamp proves the "
	    "signature older" },
	[SIG_SUB_NO_SIGNING_CERTIFICATE_FOUND] = {
	    "NO_SIGNING_CERTIFICATE_FOUND", SIG_INDETERMINATE,
	    "the signature does not carry the signer's certificate; ask the "
	    "signer for a signature that does" },
	[SIG_SUB_NO_CERTIFICATE_CHAIN_FOUND] = {
	    "NO_CERTIFICATE_CHAIN_FOUND", SIG_INDETERMINATE,
	    "the signer's certificate does not chain to a trusted root; "
	    "check --trust-dir" },
	[SIG_SUB_OUT_OF_BOUNDS_NO_POE] = { "OUT_OF_BOUNDS_NO_POE",
	    SIG_INDETERMINATE, "a certificate of the chain is expired or "
	    "not yet valid now, and no timestamp proves the signature was "
	    "made while it was valid" },
	[SIG_SUB_CHAIN_CONSTRAINTS_FAILURE] = {
	    "CHAIN_CONSTRAINTS_FAILURE", SIG_INDETERMINATE,
	    "the signer's certificate may not sign documents (key usage "
	    "or extended key usage)" },
	[SIG_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE] = {
	    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE", SIG_INDETERMINATE,
	    "the signature's digest or signature algorithm is not accepted "
	    "(SHA-256, SHA-384 and SHA-512 with RSA, ECDSA or Ed25519 are)" },
	[SIG_SUB_SIGNED_DATA_NOT_FOUND] = { "SIGNED_DATA_NOT_FOUND",
	    SIG_INDETERMINATE, "the document's digest with the signer's "
	    "algorithm is not at hand (--digest is SHA-256); give the "
	    "document with --content" },
	[SIG_SUB_TRY_LATER] = { "TRY_LATER", SIG_INDETERMINATE,
	    "the revocation status of the certificate or of a CA of its "
	    "chain (revocation.depth) could not be established (OCSP, CRL), "
	    "or it is on hold; try again later" },
	[SIG_SUB_TS_FORMAT_FAILURE] = { "FORMAT_FAILURE", SIG_TOTAL_FAILED,
	    "the signature timestamp is not an RFC 3161 token with a "
	    "TSTInfo and the TSA's signing-certificate attribute" },
	[SIG_SUB_TS_SIG_CRYPTO_FAILURE] = { "SIG_CRYPTO_FAILURE",
	    SIG_TOTAL_FAILED, "the signature timestamp's own signature does "
	    "not verify with the TSA's certificate: the token was altered" },
	[SIG_SUB_TS_HASH_FAILURE] = { "HASH_FAILURE", SIG_TOTAL_FAILED,
	    "the signature timestamp was made over other data, not this "
	    "signature: it was taken from another signature" },
	[SIG_SUB_TS_NO_CERTIFICATE_CHAIN_FOUND] = {
	    "NO_CERTIFICATE_CHAIN_FOUND", SIG_INDETERMINATE,
	    "the signature timestamp's TSA certificate is missing or does "
	    "not chain to a trusted root at the timestamp's time; trust the "
	    "TSA's CA (--trust-dir) or ignore the timestamp" },
	[SIG_SUB_TS_CHAIN_CONSTRAINTS_FAILURE] = {
	    "CHAIN_CONSTRAINTS_FAILURE", SIG_INDETERMINATE,
	    "the signature timestamp is signed by a certificate that is not "
	    "a timestamping one (the one extended key usage timeStamping, "
	    "critical)" },
	[SIG_SUB_CA_CERTIFICATE] = {
	    "CHAIN_CONSTRAINTS_FAILURE", SIG_INDETERMINATE,
	    "the signer's certificate is a CA certificate (basicConstraints "
	    "cA, or keyUsage keyCertSign): a CA's key signs certificates, "
	    "not documents" },
	[SIG_SUB_IDENTITY] = {
	    "CHAIN_CONSTRAINTS_FAILURE", SIG_INDETERMINATE,
	    "the signer's certificate names its holder ambiguously (an "
	    "identity attribute such as the PINFL or a TIN given twice) or "
	    "with control or bidirectional characters; its identity is not "
	    "shown" },
	[SIG_SUB_KEY_WEAK] = {
	    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE", SIG_INDETERMINATE,
	    "a key of the signer's certificate path is weaker than accepted "
	    "(RSA of fewer bits, or an EC curve smaller, than the minimum)" },
};

static const char *const indication_names[] = {
	[SIG_TOTAL_PASSED] = "TOTAL-PASSED",
	[SIG_INDETERMINATE] = "INDETERMINATE",
	[SIG_TOTAL_FAILED] = "TOTAL-FAILED",
};

static const char *const ess_names[] = {
	[CMS_ESS_ABSENT] = "absent",
	[CMS_ESS_VALID] = "valid",
	[CMS_ESS_MISMATCH] = "mismatch",
	[CMS_ESS_MALFORMED] = "malformed",
};

const char *
sig_indication_name(enum sig_indication i)
{
	return (unsigned int)i <= SIG_TOTAL_FAILED ? indication_names[i] :
	    "INDETERMINATE";
}

const char *
sig_sub_name(enum sig_sub s)
{
	return (unsigned int)s < SIG_SUB__MAX ? sub_table[s].name : NULL;
}

const char *
sig_sub_text(enum sig_sub s)
{
	return (unsigned int)s < SIG_SUB__MAX ? sub_table[s].text : "";
}

enum sig_indication
sig_sub_indication(enum sig_sub s)
{
	return (unsigned int)s < SIG_SUB__MAX ? sub_table[s].indication :
	    SIG_INDETERMINATE;
}

const char *
sig_ess_name(enum cms_ess e)
{
	return (unsigned int)e <= CMS_ESS_MALFORMED ? ess_names[e] : "?";
}

const char *
sig_signer_detail(const struct sig_signer *s)
{
	if (s->ts.status != TSP_VALID)
		return sig_sub_text(s->sub);
	switch (s->sub) {
	case SIG_SUB_NONE:
		return s->revoked_after_ts ? "the signature was timestamped "
		    "before its certificate was revoked: the timestamp proves "
		    "it was made while the certificate was valid, and it "
		    "holds" : "the signature is intact, its timestamp "
		    "trusted, and its certificate was valid at the "
		    "timestamp's time and is not revoked";
	case SIG_SUB_REVOKED:
		return "the signer's certificate was revoked at or before the "
		    "time of the signature's timestamp";
	case SIG_SUB_OUT_OF_BOUNDS_NO_POE:
		return "a certificate of the chain was expired or not yet "
		    "valid at the time of the signature's timestamp";
	default:
		return sig_sub_text(s->sub);
	}
}

/* The claimed signing time, when there is one: 0 if fine, -1 if bad. */
static int
signer_time(CMS_SignerInfo *si, struct sig_signer *s)
{
	ASN1_TYPE *t;

	if (CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) < 0)
		return 0;
	if ((t = cms_signed_value(si, NID_pkcs9_signingTime)) == NULL ||
	    (t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME) ||
	    x509_time_unix(t->value.utctime, &s->signing_time) != KALIT_OK)
		return -1;
	return 0;
}

/* The signer as cms_signer_check(), kalit's one policy, judges it. */
static enum sig_sub
signer_format(CMS_ContentInfo *cms, CMS_SignerInfo *si, struct sig_signer *s,
    const EVP_MD **mdp)
{
	const ASN1_OBJECT *obj;
	X509_ALGOR *alg;

	*mdp = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &alg, NULL);
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	s->digest_alg = OBJ_nid2ln(OBJ_obj2nid(obj));
	switch (cms_signer_check(cms, si)) {
	case KALIT_OK:
		break;
	case KALIT_ERR_SIG_ALGORITHM:
		return SIG_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE;
	default:
		return SIG_SUB_FORMAT_FAILURE;
	}
	if (signer_time(si, s) != 0)
		return SIG_SUB_FORMAT_FAILURE;
	*mdp = cms_signer_md(si);
	return SIG_SUB_NONE;
}

/* The signature value, the certificate binding and the document digest. */
static enum sig_sub
signer_crypto(CMS_SignerInfo *si, struct sig_signer *s, const EVP_MD *md,
    STACK_OF(X509) *certs, const struct digest_set *ds)
{
	const ASN1_OCTET_STRING *got = cms_signer_digest(si);
	STACK_OF(X509) *list;
	const unsigned char *want;
	size_t len;
	int i;

	if (CMS_SignerInfo_verify(si) != 1) {
		log_ssl(LOG_LEVEL_DEBUG, "CMS_SignerInfo_verify");
		return SIG_SUB_SIG_CRYPTO_FAILURE;
	}
	if ((list = sk_X509_new_null()) == NULL || !sk_X509_push(list,
	    s->cert))
		goto nomem;
	for (i = 0; i < sk_X509_num(certs); i++)
		if (!sk_X509_push(list, sk_X509_value(certs, i)))
			goto nomem;
	for (i = 1; i < sk_X509_num(s->chain); i++)
		if (!sk_X509_push(list, sk_X509_value(s->chain, i)))
			goto nomem;
	s->ess = cms_signer_ess(si, list);
	sk_X509_free(list);
	if (s->ess == CMS_ESS_MALFORMED)
		return SIG_SUB_FORMAT_FAILURE;
	if (s->ess == CMS_ESS_MISMATCH)
		return SIG_SUB_SIG_CRYPTO_FAILURE;
	if ((want = digest_set_get(ds, md, &len)) == NULL)
		return SIG_SUB_SIGNED_DATA_NOT_FOUND;
	if ((size_t)ASN1_STRING_length(got) != len ||
	    CRYPTO_memcmp(ASN1_STRING_get0_data(got), want, len) != 0)
		return SIG_SUB_HASH_FAILURE;
	return SIG_SUB_NONE;
 nomem:
	sk_X509_free(list);
	return SIG_SUB__MAX;
}

/* The profile the certificate's policy and its issuer's say, or NULL. */
static const char *
signer_profile(const struct sigverify_config *cfg, struct sig_signer *s)
{
	X509 *issuer = sk_X509_value(s->chain, 1);

	if (validate_policy_issued(s->cert, issuer, cfg->official_oid != NULL ?
	    cfg->official_oid : OID_OFFICIAL) == KALIT_OK)
		return "official";
	if (validate_policy_issued(s->cert, issuer, cfg->citizen_oid != NULL ?
	    cfg->citizen_oid : OID_CITIZEN) == KALIT_OK)
		return "citizen";
	return NULL;
}

/*
 * The path at s->cert_time and the certificate's status now. Returns the
 * sub-indication, or SIG_SUB__MAX with *errp set when something other
 * than the certificate failed (memory, internal).
 */
static enum sig_sub
signer_cert(const struct sigverify_config *cfg, struct sig_signer *s,
    int path_r, int *errp)
{
	int r;

	switch (path_r) {
	case KALIT_OK:
		break;
	case KALIT_ERR_CERT_UNTRUSTED:
		return SIG_SUB_NO_CERTIFICATE_CHAIN_FOUND;
	case KALIT_ERR_CERT_EXPIRED:
	case KALIT_ERR_CERT_NOT_YET_VALID:
		return SIG_SUB_OUT_OF_BOUNDS_NO_POE;
	default:
		*errp = path_r;
		return SIG_SUB__MAX;
	}
	s->profile = signer_profile(cfg, s);
	if (validate_end_entity(s->cert) != KALIT_OK)
		return SIG_SUB_CA_CERTIFICATE;
	if (validate_keys(s->chain, cfg->min_rsa_bits, cfg->min_ec_bits,
	    NULL) != KALIT_OK)
		return SIG_SUB_KEY_WEAK;
	if (s->id_err == KALIT_ERR_CERT_IDENTITY)
		return SIG_SUB_IDENTITY;
	if (s->id_err != KALIT_OK) {
		*errp = s->id_err;
		return SIG_SUB__MAX;
	}
	if (validate_key_usage_sign(s->cert) != KALIT_OK)
		return SIG_SUB_CHAIN_CONSTRAINTS_FAILURE;
	s->rev_asked = 1;
	r = validate_revocation_path(cfg->validator, s->chain, cfg->now, NULL,
	    &s->rev, &s->rev_depth);
	switch (r) {
	case KALIT_OK:
		return SIG_SUB_NONE;
	case KALIT_ERR_CERT_REVOKED:
		/* The timestamp proves the signature older. */
		if (s->ts.status == TSP_VALID &&
		    s->rev.revoked_at > s->ts.gen_time) {
			s->revoked_after_ts = 1;
			return SIG_SUB_NONE;
		}
		return SIG_SUB_REVOKED;
	case KALIT_ERR_CERT_ON_HOLD:
	case KALIT_ERR_REVOCATION_UNKNOWN:
		return SIG_SUB_TRY_LATER;
	default:
		*errp = r;
		return SIG_SUB__MAX;
	}
}

/*
 * The signature timestamps of si over its signature value: the first
 * that fails, or the earliest when all hold, into s->ts. KALIT_OK unless
 * memory or an internal error stopped it.
 */
static int
signer_timestamp(const struct sigverify_config *cfg, CMS_SignerInfo *si,
    STACK_OF(X509) *certs, struct sig_signer *s)
{
	const unsigned char *ders[CMS_TIMESTAMPS_MAX];
	size_t lens[CMS_TIMESTAMPS_MAX];
	const ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	struct tsp_info one;
	int i, n, r;

	if ((n = cms_signer_timestamps(si, ders, lens)) < 0) {
		s->ts.status = TSP_MALFORMED;
		return KALIT_OK;
	}
	for (i = 0; i < n; i++) {
		if ((r = tsp_token_verify(cfg->validator, ders[i], lens[i],
		    ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig),
		    certs, &one)) != KALIT_OK) {
			tsp_info_clear(&one);	/* filled as far as read */
			return r;
		}
		if (s->ts.status == TSP_NONE || one.status != TSP_VALID ||
		    one.gen_time < s->ts.gen_time) {
			tsp_info_clear(&s->ts);
			s->ts = one;
		} else
			tsp_info_clear(&one);
		if (s->ts.status != TSP_VALID)
			break;
	}
	return KALIT_OK;
}

/* The sub-indication a signature timestamp that does not hold gives. */
static enum sig_sub
timestamp_sub(enum tsp_status st)
{
	switch (st) {
	case TSP_NONE:
	case TSP_VALID:
		return SIG_SUB_NONE;
	case TSP_SIGNATURE:
		return SIG_SUB_TS_SIG_CRYPTO_FAILURE;
	case TSP_IMPRINT:
		return SIG_SUB_TS_HASH_FAILURE;
	case TSP_UNTRUSTED:
		return SIG_SUB_TS_NO_CERTIFICATE_CHAIN_FOUND;
	case TSP_PURPOSE:
		return SIG_SUB_TS_CHAIN_CONSTRAINTS_FAILURE;
	default:
		return SIG_SUB_TS_FORMAT_FAILURE;
	}
}

/* One signer, as sigverify_run() describes; KALIT_OK unless it could not. */
static int
signer_verify(const struct sigverify_config *cfg, CMS_ContentInfo *cms,
    CMS_SignerInfo *si, STACK_OF(X509) *certs, const struct digest_set *ds,
    struct sig_signer *s)
{
	const EVP_MD *md = NULL;
	enum sig_sub sub;
	int path_r = KALIT_OK, err = KALIT_ERR_NOMEM;

	s->cert_time = cfg->now;
	CMS_SignerInfo_get0_algs(si, NULL, &s->cert, NULL, NULL);
	if (s->cert != NULL) {
		X509_up_ref(s->cert);
		/* Judged with the certificate; refused, it is not shown. */
		s->id_err = identity_from_cert(s->cert, &s->id);
	}
	if ((sub = signer_format(cms, si, s, &md)) != SIG_SUB_NONE)
		goto done;
	if (s->cert == NULL) {
		sub = SIG_SUB_NO_SIGNING_CERTIFICATE_FOUND;
		goto done;
	}
	if ((err = signer_timestamp(cfg, si, certs, s)) != KALIT_OK)
		return err;
	s->cert_time = s->ts.status == TSP_VALID ? s->ts.gen_time : cfg->now;
	/* The path first, without revocation: the ESS check may need it. */
	path_r = validate_path(cfg->validator, s->cert, certs, s->cert_time,
	    &s->chain);
	err = KALIT_ERR_NOMEM;
	if ((sub = signer_crypto(si, s, md, certs, ds)) == SIG_SUB_NONE &&
	    (sub = timestamp_sub(s->ts.status)) == SIG_SUB_NONE)
		sub = signer_cert(cfg, s, path_r, &err);
	if (sub == SIG_SUB__MAX)
		return err;
 done:
	s->sub = sub;
	s->indication = sig_sub_indication(sub);
	return KALIT_OK;
}

int
sigverify_run(const struct sigverify_config *cfg, CMS_ContentInfo *cms,
    const struct digest_set *ds, struct sig_report **reportp)
{
	STACK_OF(CMS_SignerInfo) *sis;
	STACK_OF(X509) *certs = NULL;
	const unsigned char *sha;
	struct sig_report *rep;
	size_t i;
	int r = KALIT_ERR_NOMEM;

	*reportp = NULL;
	if ((sis = CMS_get0_SignerInfos(cms)) == NULL ||
	    sk_CMS_SignerInfo_num(sis) <= 0) {
		ERR_clear_error();
		return KALIT_ERR_MALFORMED;
	}
	if (sk_CMS_SignerInfo_num(sis) > SIGVERIFY_SIGNERS_MAX)
		return KALIT_ERR_TOO_LARGE;
	if ((rep = calloc(1, sizeof(*rep))) == NULL ||
	    (rep->signers = calloc((size_t)sk_CMS_SignerInfo_num(sis),
	    sizeof(rep->signers[0]))) == NULL)
		goto out;
	rep->validation_time = cfg->now;
	rep->detached = CMS_is_detached(cms) == 1;
	if ((sha = digest_set_get(ds, EVP_sha256(), NULL)) != NULL) {
		memcpy(rep->sha256, sha, sizeof(rep->sha256));
		rep->have_sha256 = 1;
	}
	/* Which embedded certificate is each signer's (no error if none). */
	CMS_set1_signers_certs(cms, NULL, 0);
	ERR_clear_error();
	if ((certs = CMS_get1_certs(cms)) == NULL &&
	    (certs = sk_X509_new_null()) == NULL)
		goto out;
	for (i = 0; i < (size_t)sk_CMS_SignerInfo_num(sis); i++) {
		rep->n = i + 1;
		if ((r = signer_verify(cfg, cms, sk_CMS_SignerInfo_value(sis,
		    (int)i), certs, ds, &rep->signers[i])) != KALIT_OK)
			goto out;
		if (rep->signers[i].indication > rep->indication)
			rep->indication = rep->signers[i].indication;
	}
	*reportp = rep;
	rep = NULL;
	r = KALIT_OK;
 out:
	ERR_clear_error();
	sk_X509_pop_free(certs, X509_free);
	sig_report_free(rep);
	return r;
}

void
sig_report_free(struct sig_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		X509_free(r->signers[i].cert);
		sk_X509_pop_free(r->signers[i].chain, X509_free);
		identity_clear(&r->signers[i].id);
		tsp_info_clear(&r->signers[i].ts);
	}
	free(r->signers);
	free(r);
}

int
sig_report_err(const struct sig_report *r)
{
	switch (r->indication) {
	case SIG_TOTAL_PASSED:
		return KALIT_OK;
	case SIG_TOTAL_FAILED:
		return KALIT_ERR_SIG_FAILED;
	default:
		return KALIT_ERR_SIG_INDETERMINATE;
	}
}

/* ---- the report as JSON (kalit verify --json, POST /v1/verify) ---- */

/* Claim names as the login token's subject has them (docs/api.md). */
static const struct {
	enum identity_field	 f;
	const char		*name;
} claims[] = {
	{ IDENTITY_CN, "name" },
	{ IDENTITY_GIVEN_NAME, "given_name" },
	{ IDENTITY_SURNAME, "family_name" },
	{ IDENTITY_PINFL, "pinfl" },
	{ IDENTITY_TIN, "personal_tin" },
	{ IDENTITY_ORG, "organization" },
	{ IDENTITY_TITLE, "title" },
	{ IDENTITY_ORG_TIN, "tin" },
	{ IDENTITY_EMAIL, "email" },
	{ IDENTITY_COUNTRY, "country" },
};

static json_t *
json_hex(const unsigned char *buf, size_t len)
{
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (len > EVP_MAX_MD_SIZE)
		return NULL;
	hex_encode(buf, len, hex);
	return json_string(hex);
}

/* ISO 8601 UTC, or null for 0 (no such time). */
static json_t *
json_time(int64_t t)
{
	char buf[X509_TIME_ISO_LEN];

	if (t == 0)
		return json_null();
	x509_time_iso(t, buf);
	return json_string(buf);
}

static json_t *
json_asn1_time(const ASN1_TIME *t)
{
	int64_t u;

	return x509_time_unix(t, &u) == KALIT_OK ? json_time(u) : json_null();
}

/* json_string() of a name's text, taking it over; JSON null if NULL. */
static json_t *
json_name(const X509_NAME *name)
{
	char *text = NULL;
	json_t *v;

	if (x509_name_text(name, &text) != KALIT_OK)
		return json_null();
	/* Not UTF-8 (a CA that encoded badly): JSON has no such string. */
	if ((v = json_string(text)) == NULL)
		v = json_null();
	free(text);
	return v;
}

/* Sets key to v (a new reference) in o; *okp goes 0 if that fails. */
static void
set(json_t *o, const char *key, json_t *v, int *okp)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*okp = 0;
}

/* o, or NULL (o freed) when a member could not be set. */
static json_t *
done(json_t *o, int ok)
{
	if (ok)
		return o;
	json_decref(o);
	return NULL;
}

static json_t *
cert_json(X509 *x)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	json_t *o;
	int ok = 1;

	if ((o = json_object()) == NULL)
		return NULL;
	if (x509_serial_hex(x, serial, sizeof(serial)) != KALIT_OK)
		snprintf(serial, sizeof(serial), "?");
	if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1)
		mdlen = 0;
	set(o, "subject", json_name(X509_get_subject_name(x)), &ok);
	set(o, "issuer", json_name(X509_get_issuer_name(x)), &ok);
	set(o, "serial", json_string(serial), &ok);
	set(o, "not_before", json_asn1_time(X509_get0_notBefore(x)), &ok);
	set(o, "not_after", json_asn1_time(X509_get0_notAfter(x)), &ok);
	set(o, "sha256", json_hex(md, mdlen), &ok);
	return done(o, ok);
}

static json_t *
identity_json(const struct sig_signer *s)
{
	json_t *o, *v;
	size_t i;
	int ok = 1;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < sizeof(claims) / sizeof(claims[0]); i++)
		if (s->id.field[claims[i].f] != NULL &&
		    (v = json_string(s->id.field[claims[i].f])) != NULL)
			set(o, claims[i].name, v, &ok);
	set(o, "profile", s->profile != NULL ? json_string(s->profile) :
	    json_null(), &ok);
	return done(o, ok);
}

static const char *
rev_status_name(const struct sig_signer *s)
{
	if (!s->rev_asked)
		return "not_checked";
	switch (s->rev.status) {
	case KALIT_ERR_CERT_REVOKED:
		return "revoked";
	case KALIT_ERR_CERT_ON_HOLD:
		return "on_hold";
	case KALIT_OK:
		return strcmp(s->rev.source, "none") == 0 ? "unknown" :
		    "good";
	default:
		return "unknown";
	}
}

static json_t *
rev_json(const struct sig_signer *s)
{
	const struct rev_status *st = &s->rev;
	int ok = 1, revoked = s->rev_asked && st->status ==
	    KALIT_ERR_CERT_REVOKED;
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	set(o, "status", json_string(rev_status_name(s)), &ok);
	set(o, "depth", s->rev_asked ? json_integer(s->rev_depth) :
	    json_null(), &ok);
	if (s->rev_asked && strcmp(st->source, "none") != 0) {
		set(o, "source", json_string(st->source), &ok);
		set(o, "origin", st->origin[0] != '\0' ?
		    json_string(st->origin) : json_null(), &ok);
		set(o, "this_update", json_time(st->this_update), &ok);
		set(o, "next_update", json_time(st->next_update), &ok);
		set(o, "revoked_at", json_time(st->revoked_at), &ok);
		set(o, "reason", st->reason >= 0 ?
		    json_string(crl_reason_name(st->reason)) : json_null(),
		    &ok);
	}
	set(o, "after_timestamp", revoked && s->ts.status == TSP_VALID ?
	    json_boolean(s->revoked_after_ts) : json_null(), &ok);
	return done(o, ok);
}

static json_t *
chain_json(STACK_OF(X509) *chain)
{
	json_t *a;
	int i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < sk_X509_num(chain); i++)
		if (json_array_append_new(a, cert_json(sk_X509_value(chain,
		    i))) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The signature timestamp, or null when the signer has none. */
static json_t *
timestamp_json(const struct tsp_info *ts)
{
	json_t *o;
	int ok = 1;

	if (ts->status == TSP_NONE)
		return json_null();
	if ((o = json_object()) == NULL)
		return NULL;
	set(o, "status", json_string(tsp_status_name(ts->status)), &ok);
	set(o, "time", json_time(ts->gen_time), &ok);
	set(o, "serial", ts->serial[0] != '\0' ? json_string(ts->serial) :
	    json_null(), &ok);
	set(o, "policy", ts->policy[0] != '\0' ? json_string(ts->policy) :
	    json_null(), &ok);
	set(o, "digest_algorithm", ts->digest_alg != NULL ?
	    json_string(ts->digest_alg) : json_null(), &ok);
	set(o, "tsa", ts->tsa != NULL ? cert_json(ts->tsa) : json_null(),
	    &ok);
	set(o, "chain", chain_json(ts->chain), &ok);
	return done(o, ok);
}

static json_t *
signer_json(const struct sig_signer *s)
{
	const char *sub = sig_sub_name(s->sub);
	json_t *o;
	int ok = 1;

	if ((o = json_object()) == NULL)
		return NULL;
	set(o, "indication", json_string(sig_indication_name(s->indication)),
	    &ok);
	set(o, "sub_indication", sub != NULL ? json_string(sub) : json_null(),
	    &ok);
	set(o, "detail", json_string(sig_signer_detail(s)), &ok);
	set(o, "signer", identity_json(s), &ok);
	set(o, "certificate", s->cert != NULL ? cert_json(s->cert) :
	    json_null(), &ok);
	set(o, "chain", chain_json(s->chain), &ok);
	set(o, "signing_time", json_time(s->signing_time), &ok);
	set(o, "timestamp", timestamp_json(&s->ts), &ok);
	/* null: nothing proves the time, judged at validation_time */
	set(o, "best_signature_time", json_time(s->ts.status == TSP_VALID ?
	    s->cert_time : 0), &ok);
	set(o, "digest_algorithm", s->digest_alg != NULL ?
	    json_string(s->digest_alg) : json_null(), &ok);
	set(o, "signing_certificate_v2", json_string(sig_ess_name(s->ess)),
	    &ok);
	set(o, "revocation", rev_json(s), &ok);
	return done(o, ok);
}

json_t *
sig_report_json(const struct sig_report *r)
{
	json_t *o, *signers;
	size_t i;
	int ok = 1;

	if ((o = json_object()) == NULL)
		return NULL;
	set(o, "indication", json_string(sig_indication_name(r->indication)),
	    &ok);
	set(o, "validation_time", json_time(r->validation_time), &ok);
	set(o, "detached", json_boolean(r->detached), &ok);
	set(o, "document_sha256", r->have_sha256 ? json_hex(r->sha256,
	    sizeof(r->sha256)) : json_null(), &ok);
	if ((signers = json_array()) == NULL)
		ok = 0;
	for (i = 0; ok && i < r->n; i++)
		if (json_array_append_new(signers,
		    signer_json(&r->signers[i])) != 0)
			ok = 0;
	set(o, "signers", signers, &ok);
	return done(o, ok);
}
