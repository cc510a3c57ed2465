/* tsp.c: RFC 3161 timestamps as a client, with OpenSSL's TS and CMS */
#include "config.h"

#include "tsp.h"
#include "cms.h"
#include "digest.h"
#include "err.h"
#include "fetch.h"
#include "log.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#define NONCE_BYTES	8

struct tsp_req {
	ASN1_INTEGER	*nonce;
	unsigned char	 imprint[32];	/* SHA-256 */
};

static const char *const status_names[] = {
	[TSP_NONE] = "none",
	[TSP_VALID] = "valid",
	[TSP_MALFORMED] = "malformed",
	[TSP_SIGNATURE] = "signature_invalid",
	[TSP_IMPRINT] = "imprint_mismatch",
	[TSP_UNTRUSTED] = "untrusted",
	[TSP_PURPOSE] = "not_timestamping",
};

const char *
tsp_status_name(enum tsp_status s)
{
	return (unsigned int)s <= TSP_PURPOSE ? status_names[s] : "?";
}

void
tsp_request_free(struct tsp_req *req)
{
	if (req == NULL)
		return;
	ASN1_INTEGER_free(req->nonce);
	free(req);
}

/* A positive random nonce of NONCE_BYTES bytes, or NULL. */
static ASN1_INTEGER *
nonce_new(void)
{
	unsigned char buf[NONCE_BYTES];
	ASN1_INTEGER *n = NULL;
	BIGNUM *bn;

	if (RAND_bytes(buf, sizeof(buf)) != 1 ||
	    (bn = BN_bin2bn(buf, sizeof(buf), NULL)) == NULL)
		return NULL;
	n = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	return n;
}

int
tsp_request_new(const void *data, size_t len, struct tsp_req **reqp,
    unsigned char **derp, size_t *lenp)
{
	struct tsp_req *req = NULL;
	TS_MSG_IMPRINT *mi = NULL;
	X509_ALGOR *alg = NULL;
	TS_REQ *tsq = NULL;
	unsigned char *der = NULL;
	int n, r = KALIT_ERR_NOMEM;

	*reqp = NULL;
	*derp = NULL;
	*lenp = 0;
	if ((req = calloc(1, sizeof(*req))) == NULL)
		goto out;
	if (EVP_Digest(data, len, req->imprint, NULL, EVP_sha256(), NULL) !=
	    1 || (req->nonce = nonce_new()) == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "timestamp request: nonce, digest");
		r = KALIT_ERR_INTERNAL;
		goto out;
	}
	if ((alg = X509_ALGOR_new()) == NULL ||
	    (mi = TS_MSG_IMPRINT_new()) == NULL ||
	    (tsq = TS_REQ_new()) == NULL)
		goto out;
	X509_ALGOR_set_md(alg, EVP_sha256());
	if (!TS_MSG_IMPRINT_set_algo(mi, alg) ||
	    !TS_MSG_IMPRINT_set_msg(mi, req->imprint, sizeof(req->imprint)) ||
	    !TS_REQ_set_version(tsq, 1) || !TS_REQ_set_msg_imprint(tsq, mi) ||
	    !TS_REQ_set_nonce(tsq, req->nonce) ||
	    !TS_REQ_set_cert_req(tsq, 1) || (n = i2d_TS_REQ(tsq, &der)) <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "timestamp request");
		goto out;
	}
	*reqp = req;
	req = NULL;
	*derp = der;
	*lenp = (size_t)n;
	r = KALIT_OK;
 out:
	tsp_request_free(req);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(tsq);
	return r;
}

/* A token opened: its CMS, TSTInfo, signer and the certificates at hand. */
struct token {
	CMS_ContentInfo	*cms;
	TS_TST_INFO	*tst;		/* NULL until read */
	X509		*signer;	/* borrowed from cms; NULL: not found */
	STACK_OF(X509)	*certs;		/* the token's, then extra */
};

static void
token_free(struct token *t)
{
	CMS_ContentInfo_free(t->cms);
	TS_TST_INFO_free(t->tst);
	sk_X509_pop_free(t->certs, X509_free);
	memset(t, 0, sizeof(*t));
}

/* The token's certificates, then extra's, each with a reference. */
static int
token_certs(struct token *t, STACK_OF(X509) *extra)
{
	int i;

	if ((t->certs = CMS_get1_certs(t->cms)) == NULL &&
	    (t->certs = sk_X509_new_null()) == NULL)
		return KALIT_ERR_NOMEM;
	for (i = 0; i < sk_X509_num(extra); i++)
		if (!X509_add_cert(t->certs, sk_X509_value(extra, i),
		    X509_ADD_FLAG_UP_REF | X509_ADD_FLAG_NO_DUP))
			return KALIT_ERR_NOMEM;
	return KALIT_OK;
}

/* The TSTInfo the token carries, into t->tst: 0, or -1 if it is not one. */
static int
token_tst(struct token *t)
{
	ASN1_OCTET_STRING **content = CMS_get0_content(t->cms);
	const unsigned char *der, *p;
	long len;

	if (content == NULL || *content == NULL)
		return -1;
	der = p = ASN1_STRING_get0_data(*content);
	len = ASN1_STRING_length(*content);
	if ((t->tst = d2i_TS_TST_INFO(NULL, &p, len)) == NULL ||
	    p != der + len || TS_TST_INFO_get_version(t->tst) != 1)
		return -1;
	return 0;
}

/*
 * The signer's signature and signing-certificate attribute; the TSA's
 * certificate is one of t->certs. RFC 3161 2.4.2 wants the attribute.
 */
static enum tsp_status
token_signature(struct token *t, CMS_SignerInfo *si)
{
	STACK_OF(X509) *list;
	enum cms_ess e;
	int i;

	if (CMS_verify(t->cms, t->certs, NULL, NULL, NULL,
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
		log_ssl(LOG_LEVEL_DEBUG, "timestamp token: CMS_verify");
		return TSP_SIGNATURE;
	}
	if ((list = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(list, t->signer)) {
		sk_X509_free(list);
		return TSP_NONE;
	}
	for (i = 0; i < sk_X509_num(t->certs); i++)
		if (!sk_X509_push(list, sk_X509_value(t->certs, i))) {
			sk_X509_free(list);
			return TSP_NONE;
		}
	e = cms_signer_ess(si, list);
	sk_X509_free(list);
	return e == CMS_ESS_VALID ? TSP_VALID : e == CMS_ESS_MISMATCH ?
	    TSP_SIGNATURE : TSP_MALFORMED;
}

/*
 * Opens the DER token: SignedData over id-ct-TSTInfo, attached, one
 * signer whose certificate is in the token or extra, a signature that
 * verifies with it and an ESS attribute naming it, a TSTInfo of version
 * 1. *statusp gets TSP_VALID or what failed first; t keeps what was read
 * (free with token_free()). KALIT_OK unless out of memory.
 */
static int
token_open(const unsigned char *der, size_t len, STACK_OF(X509) *extra,
    struct token *t, enum tsp_status *statusp)
{
	STACK_OF(CMS_SignerInfo) *sis;
	CMS_SignerInfo *si;
	const unsigned char *p = der;
	enum tsp_status st;
	int r;

	memset(t, 0, sizeof(*t));
	*statusp = TSP_MALFORMED;
	if (len > TSP_TOKEN_MAX || len > LONG_MAX ||
	    (t->cms = d2i_CMS_ContentInfo(NULL, &p, (long)len)) == NULL ||
	    p != der + len ||
	    OBJ_obj2nid(CMS_get0_type(t->cms)) != NID_pkcs7_signed ||
	    OBJ_obj2nid(CMS_get0_eContentType(t->cms)) !=
	    NID_id_smime_ct_TSTInfo ||
	    (sis = CMS_get0_SignerInfos(t->cms)) == NULL ||
	    sk_CMS_SignerInfo_num(sis) != 1 || token_tst(t) != 0) {
		ERR_clear_error();
		return KALIT_OK;
	}
	si = sk_CMS_SignerInfo_value(sis, 0);
	if ((r = token_certs(t, extra)) != KALIT_OK)
		return r;
	CMS_set1_signers_certs(t->cms, t->certs, 0);
	ERR_clear_error();
	CMS_SignerInfo_get0_algs(si, NULL, &t->signer, NULL, NULL);
	if (t->signer == NULL) {
		*statusp = TSP_UNTRUSTED;
		return KALIT_OK;
	}
	if ((st = token_signature(t, si)) == TSP_NONE)
		return KALIT_ERR_NOMEM;
	*statusp = st;
	return KALIT_OK;
}

/* 1 when the TSTInfo's message imprint is md's digest of data. */
static int
imprint_ok(TS_TST_INFO *tst, const EVP_MD *md, const unsigned char *data,
    size_t dlen)
{
	TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
	const ASN1_OCTET_STRING *got = TS_MSG_IMPRINT_get_msg(mi);
	unsigned char want[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (md == NULL || EVP_Digest(data, dlen, want, &n, md, NULL) != 1)
		return 0;
	return (size_t)ASN1_STRING_length(got) == n &&
	    CRYPTO_memcmp(ASN1_STRING_get0_data(got), want, n) == 0;
}

/* The digest algorithm of the TSTInfo's message imprint, or NULL. */
static const EVP_MD *
imprint_md(TS_TST_INFO *tst)
{
	const ASN1_OBJECT *obj;
	X509_ALGOR *alg;

	alg = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst));
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	return digest_md_of(OBJ_obj2nid(obj));
}

/* The failure bits RFC 3161 2.4.2 names, for the log. */
static void
log_refusal(TS_STATUS_INFO *si)
{
	static const struct { int bit; const char *name; } bits[] = {
		{ TS_INFO_BAD_ALG, "badAlg" },
		{ TS_INFO_BAD_REQUEST, "badRequest" },
		{ TS_INFO_BAD_DATA_FORMAT, "badDataFormat" },
		{ TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable" },
		{ TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy" },
		{ TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension" },
		{ TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable" },
		{ TS_INFO_SYSTEM_FAILURE, "systemFailure" },
	};
	const STACK_OF(ASN1_UTF8STRING) *text = TS_STATUS_INFO_get0_text(si);
	const ASN1_BIT_STRING *fail = TS_STATUS_INFO_get0_failure_info(si);
	const ASN1_UTF8STRING *t = sk_ASN1_UTF8STRING_value(text, 0);
	const char *why = "";
	size_t i;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (fail != NULL && ASN1_BIT_STRING_get_bit(fail, bits[i].bit))
			why = bits[i].name;
	log_msg(LOG_LEVEL_WARN, "timestamp: the TSA refused (status %ld%s%s)"
	    "%s%.*s", ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si)),
	    *why != '\0' ? ", " : "", why, t != NULL ? ": " : "",
	    t != NULL ? ASN1_STRING_length(t) > 200 ? 200 :
	    ASN1_STRING_length(t) : 0, t != NULL ?
	    (const char *)ASN1_STRING_get0_data(t) : "");
}

/* The granted token's DER from resp; NULL (logged) when there is none. */
static unsigned char *
reply_token(TS_RESP *resp, size_t *lenp)
{
	unsigned char *der = NULL;
	PKCS7 *token;
	int n;

	if ((token = TS_RESP_get_token(resp)) == NULL ||
	    (n = i2d_PKCS7(token, &der)) <= 0) {
		log_msg(LOG_LEVEL_WARN, "timestamp: granted without a token");
		return NULL;
	}
	*lenp = (size_t)n;
	return der;
}

/* The opened token against the request; a reason for the log, or NULL. */
static const char *
reply_mismatch(const struct tsp_req *req, const struct token *t,
    int64_t *gen_timep)
{
	const ASN1_INTEGER *nonce = TS_TST_INFO_get_nonce(t->tst);
	TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(t->tst);
	const ASN1_OCTET_STRING *got = TS_MSG_IMPRINT_get_msg(mi);

	if (nonce == NULL || ASN1_INTEGER_cmp(nonce, req->nonce) != 0)
		return "the nonce is not the request's";
	if (imprint_md(t->tst) != EVP_sha256() ||
	    ASN1_STRING_length(got) != (int)sizeof(req->imprint) ||
	    memcmp(ASN1_STRING_get0_data(got), req->imprint,
	    sizeof(req->imprint)) != 0)
		return "the message imprint is not the request's";
	if (x509_time_unix(TS_TST_INFO_get_time(t->tst), gen_timep) !=
	    KALIT_OK)
		return "its genTime is not a time";
	return NULL;
}

int
tsp_reply_check(const struct tsp_req *req, const unsigned char *der,
    size_t len, unsigned char **tokenp, size_t *tokenlenp,
    int64_t *gen_timep)
{
	const unsigned char *p = der;
	const char *why = NULL;
	TS_STATUS_INFO *si;
	TS_RESP *resp = NULL;
	struct token t;
	enum tsp_status st = TSP_MALFORMED;
	unsigned char *tok = NULL;
	size_t tlen = 0;
	long status;
	int r = KALIT_ERR_TIMESTAMP_INVALID;

	*tokenp = NULL;
	*tokenlenp = 0;
	*gen_timep = 0;
	memset(&t, 0, sizeof(t));
	if (len > TSP_REPLY_MAX || (resp = d2i_TS_RESP(NULL, &p,
	    (long)len)) == NULL || p != der + len) {
		log_msg(LOG_LEVEL_WARN, "timestamp: the answer is not one "
		    "DER TimeStampResp");
		goto out;
	}
	si = TS_RESP_get_status_info(resp);
	if ((status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si))) !=
	    TS_STATUS_GRANTED && status != TS_STATUS_GRANTED_WITH_MODS) {
		log_refusal(si);
		r = KALIT_ERR_TIMESTAMP_REFUSED;
		goto out;
	}
	if ((tok = reply_token(resp, &tlen)) == NULL)
		goto out;
	if ((r = token_open(tok, tlen, NULL, &t, &st)) != KALIT_OK)
		goto out;
	r = KALIT_ERR_TIMESTAMP_INVALID;
	if (st != TSP_VALID)
		why = st == TSP_UNTRUSTED ? "the token lacks the TSA's "
		    "certificate" : st == TSP_SIGNATURE ? "the token's "
		    "signature does not verify" : "the token is malformed";
	else
		why = reply_mismatch(req, &t, gen_timep);
	if (why != NULL) {
		log_msg(LOG_LEVEL_WARN, "timestamp: %s", why);
		goto out;
	}
	*tokenp = tok;
	tok = NULL;
	*tokenlenp = tlen;
	r = KALIT_OK;
 out:
	ERR_clear_error();
	token_free(&t);
	OPENSSL_free(tok);
	TS_RESP_free(resp);
	return r;
}

int
tsp_stamp(const struct tsp_server *srv, const void *data, size_t len,
    unsigned char **tokenp, size_t *tokenlenp, int64_t *gen_timep)
{
	struct fetch_req rq;
	struct tsp_req *req = NULL;
	unsigned char *der = NULL, *body = NULL;
	size_t dlen = 0, blen = 0;
	long status = 0;
	int r;

	*tokenp = NULL;
	*tokenlenp = 0;
	*gen_timep = 0;
	if ((r = tsp_request_new(data, len, &req, &der, &dlen)) != KALIT_OK)
		return r;
	memset(&rq, 0, sizeof(rq));
	rq.url = srv->url;
	rq.content_type = "application/timestamp-query";
	rq.body = der;
	rq.body_len = dlen;
	rq.accept = "application/timestamp-reply";
	rq.cafile = srv->cafile;
	rq.max = TSP_REPLY_MAX;
	rq.timeout_ms = srv->timeout_ms;
	if ((r = fetch(&rq, &status, &body, &blen, NULL)) ==
	    KALIT_ERR_TOO_LARGE) {
		log_msg(LOG_LEVEL_WARN, "timestamp: %s: an answer larger than "
		    "%d bytes", srv->url, TSP_REPLY_MAX);
		r = KALIT_ERR_TIMESTAMP_INVALID;
	} else if (r == KALIT_OK && status != 200) {
		log_msg(LOG_LEVEL_WARN, "timestamp: %s: HTTP status %ld",
		    srv->url, status);
		r = KALIT_ERR_TIMESTAMP_REFUSED;
	} else if (r == KALIT_OK)
		r = tsp_reply_check(req, body, blen, tokenp, tokenlenp,
		    gen_timep);
	free(body);
	OPENSSL_free(der);
	tsp_request_free(req);
	return r;
}

void
tsp_info_clear(struct tsp_info *info)
{
	if (info == NULL)
		return;
	X509_free(info->tsa);
	sk_X509_pop_free(info->chain, X509_free);
	memset(info, 0, sizeof(*info));
}

/* What the TSTInfo and the signer say, for the report, trusted or not. */
static void
info_fill(struct tsp_info *info, const struct token *t)
{
	const ASN1_OBJECT *policy;
	const EVP_MD *md;
	int n;

	if (t->signer != NULL && X509_up_ref(t->signer))
		info->tsa = t->signer;
	if (t->tst == NULL)
		return;
	if (x509_time_unix(TS_TST_INFO_get_time(t->tst), &info->gen_time) !=
	    KALIT_OK)
		info->gen_time = 0;
	if (x509_integer_hex(TS_TST_INFO_get_serial(t->tst), info->serial,
	    sizeof(info->serial)) != KALIT_OK)
		info->serial[0] = '\0';
	if ((policy = TS_TST_INFO_get_policy_id(t->tst)) == NULL ||
	    (n = OBJ_obj2txt(info->policy, sizeof(info->policy), policy,
	    1)) <= 0 || (size_t)n >= sizeof(info->policy))
		info->policy[0] = '\0';
	if ((md = imprint_md(t->tst)) != NULL)
		info->digest_alg = OBJ_nid2ln(EVP_MD_get_type(md));
}

int
tsp_token_verify(struct validator *v, const unsigned char *der, size_t len,
    const unsigned char *data, size_t dlen, STACK_OF(X509) *extra,
    struct tsp_info *info)
{
	struct token t;
	enum tsp_status st;
	int r;

	memset(info, 0, sizeof(*info));
	if ((r = token_open(der, len, extra, &t, &st)) != KALIT_OK)
		goto out;
	info_fill(info, &t);
	if (st == TSP_VALID && (info->gen_time == 0 ||
	    imprint_md(t.tst) == NULL))
		st = TSP_MALFORMED;	/* no time, or an unknown algorithm */
	if (st == TSP_VALID && !imprint_ok(t.tst, imprint_md(t.tst), data,
	    dlen))
		st = TSP_IMPRINT;
	if (st == TSP_VALID) {
		r = validate_path(v, t.signer, t.certs, info->gen_time,
		    &info->chain);
		if (r == KALIT_ERR_CERT_UNTRUSTED ||
		    r == KALIT_ERR_CERT_EXPIRED ||
		    r == KALIT_ERR_CERT_NOT_YET_VALID)
			st = TSP_UNTRUSTED;
		else if (r != KALIT_OK)
			goto out;
		r = KALIT_OK;
	}
	/* The one EKU timeStamping, critical, and no other key use. */
	if (st == TSP_VALID && X509_check_purpose(t.signer,
	    X509_PURPOSE_TIMESTAMP_SIGN, 0) != 1)
		st = TSP_PURPOSE;
	info->status = st;
 out:
	ERR_clear_error();
	token_free(&t);
	return r;
}
