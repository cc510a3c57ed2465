/* sigverify.c: who signed a document, and does the signature hold? */
#include "config.h"

#include "sigverify.h"
#include "cms.h"
#include "err.h"
#include "log.h"
#include "x509.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
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
	    "attributes (content type, message digest) as it must be" },
	[SIG_SUB_HASH_FAILURE] = { "HASH_FAILURE", SIG_TOTAL_FAILED,
	    "the document is not the one that was signed: it was altered, "
	    "or it is another document" },
	[SIG_SUB_SIG_CRYPTO_FAILURE] = { "SIG_CRYPTO_FAILURE",
	    SIG_TOTAL_FAILED, "the signature does not verify with the "
	    "signer's certificate: the signed attributes were altered, or "
	    "the certificate was swapped" },
	[SIG_SUB_REVOKED] = { "REVOKED", SIG_TOTAL_FAILED,
	    "the signer's certificate is revoked, and no timestamp proves "
	    "the signature older" },
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
	    "the signature's digest algorithm is not accepted (SHA-256, "
	    "SHA-384 and SHA-512 are)" },
	[SIG_SUB_SIGNED_DATA_NOT_FOUND] = { "SIGNED_DATA_NOT_FOUND",
	    SIG_INDETERMINATE, "the document's digest with the signer's "
	    "algorithm is not at hand (--digest is SHA-256); give the "
	    "document with --content" },
	[SIG_SUB_TRY_LATER] = { "TRY_LATER", SIG_INDETERMINATE,
	    "the certificate's revocation status could not be established "
	    "(OCSP, CRL), or it is on hold; try again later" },
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

/* Signed attributes as CMS (RFC 5652 5.3) and CAdES want them. */
static enum sig_sub
signer_format(CMS_ContentInfo *cms, CMS_SignerInfo *si, struct sig_signer *s,
    const EVP_MD **mdp)
{
	const ASN1_OBJECT *obj;
	X509_ALGOR *alg;
	ASN1_TYPE *ct;

	*mdp = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &alg, NULL);
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	s->digest_alg = OBJ_nid2ln(OBJ_obj2nid(obj));
	if (CMS_signed_get_attr_count(si) <= 0 ||
	    (ct = cms_signed_value(si, NID_pkcs9_contentType)) == NULL ||
	    ct->type != V_ASN1_OBJECT ||
	    OBJ_cmp(ct->value.object, CMS_get0_eContentType(cms)) != 0 ||
	    cms_signer_digest(si) == NULL || signer_time(si, s) != 0)
		return SIG_SUB_FORMAT_FAILURE;
	if ((*mdp = cms_signer_md(si)) == NULL)
		return SIG_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE;
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
	if (validate_key_usage_sign(s->cert) != KALIT_OK)
		return SIG_SUB_CHAIN_CONSTRAINTS_FAILURE;
	s->rev_asked = 1;
	r = validate_revocation(cfg->validator, s->cert,
	    sk_X509_value(s->chain, 1), cfg->now, &s->rev);
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
		    certs, &one)) != KALIT_OK)
			return r;
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
		if (identity_from_cert(s->cert, &s->id) != KALIT_OK)
			log_msg(LOG_LEVEL_INFO, "signer's subject: unreadable");
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
