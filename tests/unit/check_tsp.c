/* check_tsp.c: unit tests for tsp.c: timestamp requests, replies, tokens */
#include "config.h"

#include "testutil.h"
#include "cms.h"
#include "log.h"
#include "tsp.h"
#include "validate.h"

#include <openssl/cms.h>
#include <openssl/ts.h>

#define DATA	"the signature value of an application"

/* A root, a TSA CA-less TSA certificate under it, and a citizen. */
static struct {
	char		 trust[PATH_MAX];
	X509		*root, *tsa, *citizen;
	EVP_PKEY	*root_key, *tsa_key, *citizen_key;
	STACK_OF(X509)	*chain;		/* tsa, root */
	struct validator *v;
	time_t		 now;
} p;

static X509 *
issue(const char *profile, const char *cn, EVP_PKEY *key)
{
	struct profile *prof = tu_profile(profile);
	X509_NAME *name = tu_name(cn);
	X509 *x = tu_issue(prof, name, key, NULL, p.root, p.root_key);

	X509_NAME_free(name);
	profile_free(prof);
	return x;
}

static struct validator *
validator_of(const char *dir)
{
	struct validate_config vc;
	struct validator *v = NULL;

	memset(&vc, 0, sizeof(vc));
	vc.trust_dir = dir;
	vc.rev_mode = VALIDATE_REV_OFF;
	ck_assert_err(validator_new(&vc, &v), KALIT_OK);
	return v;
}

static void
setup(void)
{
	memset(&p, 0, sizeof(p));
	p.now = time(NULL);
	tu_mkdtemp(p.trust, sizeof(p.trust));
	tu_make_ca(KEY_TYPE_P256, "TSA Root", &p.root, &p.root_key);
	p.tsa_key = tu_key(KEY_TYPE_P256);
	p.tsa = issue("tsa", "kalit TSA", p.tsa_key);
	p.citizen_key = tu_key(KEY_TYPE_P256);
	p.citizen = issue("citizen", "Vali Aliyev", p.citizen_key);
	ck_assert_ptr_nonnull(p.chain = sk_X509_new_null());
	ck_assert_int_gt(sk_X509_push(p.chain, p.root), 0);
	tu_write_certs(p.trust, "root.pem", p.root, NULL);
	p.v = validator_of(p.trust);
}

static void
teardown(void)
{
	validator_free(p.v);
	tu_rmdir(p.trust);
	sk_X509_free(p.chain);
	X509_free(p.root);
	X509_free(p.tsa);
	X509_free(p.citizen);
	EVP_PKEY_free(p.root_key);
	EVP_PKEY_free(p.tsa_key);
	EVP_PKEY_free(p.citizen_key);
}

/* A token over DATA from the TSA at t. */
static unsigned char *
token_at(time_t t, size_t *lenp)
{
	unsigned char *tok = NULL;

	tu_timestamp(p.tsa, p.tsa_key, p.chain, DATA, strlen(DATA), t, &tok,
	    lenp);
	return tok;
}

/* tsp_token_verify() of the token over data; the info's status. */
static enum tsp_status
verify_token(struct validator *v, const unsigned char *tok, size_t len,
    const char *data, STACK_OF(X509) *extra, struct tsp_info *info)
{
	ck_assert_err(tsp_token_verify(v, tok, len,
	    (const unsigned char *)data, strlen(data), extra, info), KALIT_OK);
	return info->status;
}

START_TEST(test_tsp_granted_reply_gives_a_token_that_verifies)
{
	struct tsp_info info;
	unsigned char *tok;
	size_t len;
	char subject[64];

	tok = token_at(p.now - 60, &len);
	ck_assert_int_eq(verify_token(p.v, tok, len, DATA, NULL, &info),
	    TSP_VALID);
	ck_assert_str_eq(tsp_status_name(info.status), "valid");
	ck_assert_int_eq(info.gen_time, (int64_t)p.now - 60);
	ck_assert_str_eq(info.policy, TU_TSA_POLICY);
	ck_assert_str_eq(info.digest_alg, "sha256");
	ck_assert_str_eq(info.serial, "1");
	ck_assert_ptr_nonnull(info.tsa);
	ck_assert_int_eq(X509_cmp(info.tsa, p.tsa), 0);
	ck_assert_int_gt(X509_NAME_get_text_by_NID(X509_get_subject_name(
	    info.tsa), NID_commonName, subject, sizeof(subject)), 0);
	ck_assert_str_eq(subject, "kalit TSA");
	ck_assert_int_eq(sk_X509_num(info.chain), 2);
	tsp_info_clear(&info);
	ck_assert_ptr_null(info.tsa);
	tsp_info_clear(NULL);
	OPENSSL_free(tok);
}
END_TEST

START_TEST(test_tsp_request_asks_sha256_nonce_and_certificate)
{
	struct tsp_req *req = NULL;
	unsigned char *der = NULL, md[32];
	const unsigned char *q;
	TS_MSG_IMPRINT *mi;
	const ASN1_OBJECT *obj;
	TS_REQ *tsq;
	size_t len;

	ck_assert_err(tsp_request_new(DATA, strlen(DATA), &req, &der, &len),
	    KALIT_OK);
	q = der;
	ck_assert_ptr_nonnull(tsq = d2i_TS_REQ(NULL, &q, (long)len));
	ck_assert_ptr_eq(q, der + len);
	ck_assert_int_eq(TS_REQ_get_version(tsq), 1);
	ck_assert_int_eq(TS_REQ_get_cert_req(tsq), 1);
	ck_assert_ptr_nonnull(TS_REQ_get_nonce(tsq));
	/* positive, 64 bits at most */
	ck_assert_int_eq(ASN1_STRING_type(TS_REQ_get_nonce(tsq)),
	    V_ASN1_INTEGER);
	ck_assert_int_le(ASN1_STRING_length(TS_REQ_get_nonce(tsq)), 8);
	mi = TS_REQ_get_msg_imprint(tsq);
	X509_ALGOR_get0(&obj, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
	ck_assert_int_eq(OBJ_obj2nid(obj), NID_sha256);
	ck_assert_int_eq(EVP_Digest(DATA, strlen(DATA), md, NULL,
	    EVP_sha256(), NULL), 1);
	ck_assert_int_eq(ASN1_STRING_length(TS_MSG_IMPRINT_get_msg(mi)), 32);
	ck_assert_mem_eq(ASN1_STRING_get0_data(TS_MSG_IMPRINT_get_msg(mi)),
	    md, 32);
	TS_REQ_free(tsq);
	OPENSSL_free(der);
	tsp_request_free(req);
	tsp_request_free(NULL);
}
END_TEST

START_TEST(test_tsp_refusal_is_timestamp_refused)
{
	struct tsp_req *req = NULL;
	unsigned char *q = NULL, *a = NULL, *tok = NULL;
	size_t qlen, alen, tlen = 0;
	int64_t t = 1;

	ck_assert_err(tsp_request_new(DATA, strlen(DATA), &req, &q, &qlen),
	    KALIT_OK);
	/* A TSA that takes SHA-512 imprints only: badAlg. */
	tu_tsa_answer(p.tsa, p.tsa_key, NULL, EVP_sha512(), p.now, q, qlen, &a,
	    &alen);
	ck_assert_err(tsp_reply_check(req, a, alen, &tok, &tlen, &t),
	    KALIT_ERR_TIMESTAMP_REFUSED);
	ck_assert_ptr_null(tok);
	ck_assert_uint_eq(tlen, 0);
	ck_assert_int_eq(t, 0);
	OPENSSL_free(q);
	OPENSSL_free(a);
	tsp_request_free(req);
}
END_TEST

/* req's DER with its message imprint over other data. */
static unsigned char *
other_imprint(const unsigned char *der, size_t len, size_t *outlen)
{
	const unsigned char *q = der;
	unsigned char md[32], *out = NULL;
	TS_REQ *tsq;
	int n;

	ck_assert_ptr_nonnull(tsq = d2i_TS_REQ(NULL, &q, (long)len));
	ck_assert_int_eq(EVP_Digest("other", 5, md, NULL, EVP_sha256(), NULL),
	    1);
	ck_assert_int_eq(TS_MSG_IMPRINT_set_msg(TS_REQ_get_msg_imprint(tsq),
	    md, 32), 1);
	ck_assert_int_gt(n = i2d_TS_REQ(tsq, &out), 0);
	*outlen = (size_t)n;
	TS_REQ_free(tsq);
	return out;
}

START_TEST(test_tsp_reply_to_another_request_is_invalid)
{
	struct tsp_req *req = NULL, *req2 = NULL;
	unsigned char *q = NULL, *q2 = NULL, *a = NULL, *tok = NULL;
	size_t qlen, q2len, alen, tlen;
	int64_t t;

	ck_assert_err(tsp_request_new(DATA, strlen(DATA), &req, &q, &qlen),
	    KALIT_OK);
	ck_assert_err(tsp_request_new(DATA, strlen(DATA), &req2, &q2, &q2len),
	    KALIT_OK);
	/* The same data, another nonce. */
	tu_tsa_answer(p.tsa, p.tsa_key, p.chain, EVP_sha256(), p.now, q2,
	    q2len, &a, &alen);
	ck_assert_err(tsp_reply_check(req, a, alen, &tok, &tlen, &t),
	    KALIT_ERR_TIMESTAMP_INVALID);
	ck_assert_err(tsp_reply_check(req2, a, alen, &tok, &tlen, &t),
	    KALIT_OK);
	OPENSSL_free(tok);
	OPENSSL_free(a);
	OPENSSL_free(q2);
	/* The same nonce, other data. */
	q2 = other_imprint(q, qlen, &q2len);
	tu_tsa_answer(p.tsa, p.tsa_key, p.chain, EVP_sha256(), p.now, q2,
	    q2len, &a, &alen);
	ck_assert_err(tsp_reply_check(req, a, alen, &tok, &tlen, &t),
	    KALIT_ERR_TIMESTAMP_INVALID);
	ck_assert_ptr_null(tok);
	OPENSSL_free(a);
	OPENSSL_free(q2);
	OPENSSL_free(q);
	tsp_request_free(req);
	tsp_request_free(req2);
}
END_TEST

START_TEST(test_tsp_reply_garbage_is_invalid)
{
	struct tsp_req *req = NULL;
	unsigned char *q = NULL, *a = NULL, *tok = NULL, *big;
	size_t qlen, alen, tlen;
	int64_t t;

	ck_assert_err(tsp_request_new(DATA, strlen(DATA), &req, &q, &qlen),
	    KALIT_OK);
	tu_tsa_answer(p.tsa, p.tsa_key, p.chain, EVP_sha256(), p.now, q, qlen,
	    &a, &alen);
	ck_assert_err(tsp_reply_check(req, a, alen - 1, &tok, &tlen, &t),
	    KALIT_ERR_TIMESTAMP_INVALID);
	ck_assert_err(tsp_reply_check(req, a, 0, &tok, &tlen, &t),
	    KALIT_ERR_TIMESTAMP_INVALID);
	ck_assert_err(tsp_reply_check(req, q, qlen, &tok, &tlen, &t),
	    KALIT_ERR_TIMESTAMP_INVALID);
	ck_assert_ptr_nonnull(big = calloc(1, TSP_REPLY_MAX + 1));
	memcpy(big, a, alen);
	ck_assert_err(tsp_reply_check(req, big, alen + 1, &tok, &tlen, &t),
	    KALIT_ERR_TIMESTAMP_INVALID);
	ck_assert_err(tsp_reply_check(req, big, TSP_REPLY_MAX + 1, &tok,
	    &tlen, &t), KALIT_ERR_TIMESTAMP_INVALID);
	ck_assert_ptr_null(tok);
	free(big);
	OPENSSL_free(a);
	OPENSSL_free(q);
	tsp_request_free(req);
}
END_TEST

START_TEST(test_tsp_token_over_other_data_is_imprint_mismatch)
{
	struct tsp_info info;
	size_t len;
	unsigned char *tok = token_at(p.now, &len);

	ck_assert_int_eq(verify_token(p.v, tok, len, DATA ".", NULL, &info),
	    TSP_IMPRINT);
	ck_assert_str_eq(tsp_status_name(info.status), "imprint_mismatch");
	/* Read, not trusted: still says when and who. */
	ck_assert_int_eq(info.gen_time, (int64_t)p.now);
	ck_assert_ptr_nonnull(info.tsa);
	ck_assert_ptr_null(info.chain);
	tsp_info_clear(&info);
	OPENSSL_free(tok);
}
END_TEST

START_TEST(test_tsp_token_from_untrusted_tsa_is_untrusted)
{
	char other[PATH_MAX];
	struct validator *v;
	struct tsp_info info;
	EVP_PKEY *k = NULL;
	X509 *stranger = NULL;
	unsigned char *tok;
	size_t len;

	tu_mkdtemp(other, sizeof(other));
	tu_make_ca(KEY_TYPE_P256, "Stranger Root", &stranger, &k);
	tu_write_certs(other, "root.pem", stranger, NULL);
	v = validator_of(other);
	tok = token_at(p.now, &len);
	ck_assert_int_eq(verify_token(v, tok, len, DATA, NULL, &info),
	    TSP_UNTRUSTED);
	tsp_info_clear(&info);
	OPENSSL_free(tok);
	/* Trusted, but its certificate was not valid yet at genTime. */
	tok = token_at(p.now - 3600, &len);
	ck_assert_int_eq(verify_token(p.v, tok, len, DATA, NULL, &info),
	    TSP_UNTRUSTED);
	tsp_info_clear(&info);
	OPENSSL_free(tok);
	validator_free(v);
	tu_rmdir(other);
	X509_free(stranger);
	EVP_PKEY_free(k);
}
END_TEST

/* The TSTInfo of tok signed again by cert and key, with an ESS v2. */
static unsigned char *
resign(const unsigned char *tok, size_t len, X509 *cert, EVP_PKEY *key,
    size_t *outlen)
{
	const unsigned char *q = tok;
	CMS_ContentInfo *in, *out;
	ASN1_OCTET_STRING **content;
	unsigned char *der = NULL;
	BIO *bio;
	int n;

	ck_assert_ptr_nonnull(in = d2i_CMS_ContentInfo(NULL, &q, (long)len));
	ck_assert_ptr_nonnull(content = CMS_get0_content(in));
	ck_assert_ptr_nonnull(bio = BIO_new_mem_buf(ASN1_STRING_get0_data(
	    *content), ASN1_STRING_length(*content)));
	ck_assert_ptr_nonnull(out = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_PARTIAL | CMS_BINARY));
	ck_assert_int_eq(CMS_set1_eContentType(out,
	    OBJ_nid2obj(NID_id_smime_ct_TSTInfo)), 1);
	ck_assert_ptr_nonnull(CMS_add1_signer(out, cert, key, EVP_sha256(),
	    CMS_BINARY | CMS_CADES | CMS_NOSMIMECAP));
	ck_assert_int_eq(CMS_final(out, bio, NULL, CMS_BINARY), 1);
	ck_assert_int_gt(n = i2d_CMS_ContentInfo(out, &der), 0);
	*outlen = (size_t)n;
	BIO_free(bio);
	CMS_ContentInfo_free(in);
	CMS_ContentInfo_free(out);
	return der;
}

START_TEST(test_tsp_token_of_another_certificate_is_not_timestamping)
{
	struct tsp_info info;
	unsigned char *tok, *forged;
	size_t len, flen;

	tok = token_at(p.now, &len);
	forged = resign(tok, len, p.citizen, p.citizen_key, &flen);
	ck_assert_int_eq(verify_token(p.v, forged, flen, DATA, NULL, &info),
	    TSP_PURPOSE);
	ck_assert_str_eq(tsp_status_name(info.status), "not_timestamping");
	tsp_info_clear(&info);
	OPENSSL_free(forged);
	/* The TSA's own key the same way: the construction is sound. */
	forged = resign(tok, len, p.tsa, p.tsa_key, &flen);
	ck_assert_int_eq(verify_token(p.v, forged, flen, DATA, NULL, &info),
	    TSP_VALID);
	tsp_info_clear(&info);
	OPENSSL_free(forged);
	OPENSSL_free(tok);
}
END_TEST

START_TEST(test_tsp_altered_or_malformed_token)
{
	struct tsp_info info;
	unsigned char *tok, *bad;
	size_t len;

	tok = token_at(p.now, &len);
	/* The last byte is the signature's. */
	ck_assert_ptr_nonnull(bad = OPENSSL_memdup(tok, len));
	bad[len - 1] ^= 1;
	ck_assert_int_eq(verify_token(p.v, bad, len, DATA, NULL, &info),
	    TSP_SIGNATURE);
	tsp_info_clear(&info);
	ck_assert_int_eq(verify_token(p.v, bad, len - 1, DATA, NULL, &info),
	    TSP_MALFORMED);
	tsp_info_clear(&info);
	ck_assert_int_eq(verify_token(p.v, (const unsigned char *)DATA,
	    strlen(DATA), DATA, NULL, &info), TSP_MALFORMED);
	ck_assert_int_eq(info.gen_time, 0);
	tsp_info_clear(&info);
	ck_assert_int_eq(verify_token(p.v, tok, TSP_TOKEN_MAX + 1, DATA, NULL,
	    &info), TSP_MALFORMED);
	tsp_info_clear(&info);
	OPENSSL_free(bad);
	OPENSSL_free(tok);
}
END_TEST

/* A token without the TSA's certificate (no certReq). */
static unsigned char *
token_without_cert(size_t *lenp)
{
	unsigned char *q = NULL, *a = NULL, *tok = NULL;
	const unsigned char *r;
	struct tsp_req *req = NULL;
	TS_REQ *tsq;
	TS_RESP *resp;
	size_t qlen, alen;
	int n;

	ck_assert_err(tsp_request_new(DATA, strlen(DATA), &req, &q, &qlen),
	    KALIT_OK);
	r = q;
	ck_assert_ptr_nonnull(tsq = d2i_TS_REQ(NULL, &r, (long)qlen));
	ck_assert_int_eq(TS_REQ_set_cert_req(tsq, 0), 1);
	OPENSSL_free(q);
	q = NULL;
	ck_assert_int_gt(n = i2d_TS_REQ(tsq, &q), 0);
	tu_tsa_answer(p.tsa, p.tsa_key, NULL, EVP_sha256(), p.now, q,
	    (size_t)n, &a, &alen);
	/* kalit sign refuses it: it cannot check the token's signature. */
	ck_assert_err(tsp_reply_check(req, a, alen, &tok, lenp,
	    &(int64_t){ 0 }), KALIT_ERR_TIMESTAMP_INVALID);
	r = a;
	ck_assert_ptr_nonnull(resp = d2i_TS_RESP(NULL, &r, (long)alen));
	ck_assert_int_gt(n = i2d_PKCS7(TS_RESP_get_token(resp), &tok), 0);
	*lenp = (size_t)n;
	TS_RESP_free(resp);
	TS_REQ_free(tsq);
	OPENSSL_free(q);
	OPENSSL_free(a);
	tsp_request_free(req);
	return tok;
}

START_TEST(test_tsp_tsa_certificate_from_extra)
{
	STACK_OF(X509) *extra = sk_X509_new_null();
	struct tsp_info info;
	unsigned char *tok;
	size_t len;

	tok = token_without_cert(&len);
	ck_assert_int_eq(verify_token(p.v, tok, len, DATA, NULL, &info),
	    TSP_UNTRUSTED);
	ck_assert_ptr_null(info.tsa);
	tsp_info_clear(&info);
	ck_assert_int_gt(sk_X509_push(extra, p.tsa), 0);
	ck_assert_int_eq(verify_token(p.v, tok, len, DATA, extra, &info),
	    TSP_VALID);
	tsp_info_clear(&info);
	sk_X509_free(extra);
	OPENSSL_free(tok);
}
END_TEST

START_TEST(test_tsp_status_names)
{
	ck_assert_str_eq(tsp_status_name(TSP_NONE), "none");
	ck_assert_str_eq(tsp_status_name(TSP_SIGNATURE), "signature_invalid");
	ck_assert_str_eq(tsp_status_name(TSP_UNTRUSTED), "untrusted");
	ck_assert_str_eq(tsp_status_name(TSP_MALFORMED), "malformed");
	ck_assert_str_eq(tsp_status_name((enum tsp_status)99), "?");
}
END_TEST

static Suite *
tsp_suite(void)
{
	Suite *s = suite_create("tsp");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tsp_granted_reply_gives_a_token_that_verifies);
	tcase_add_test(tc, test_tsp_request_asks_sha256_nonce_and_certificate);
	tcase_add_test(tc, test_tsp_refusal_is_timestamp_refused);
	tcase_add_test(tc, test_tsp_reply_to_another_request_is_invalid);
	tcase_add_test(tc, test_tsp_reply_garbage_is_invalid);
	tcase_add_test(tc, test_tsp_token_over_other_data_is_imprint_mismatch);
	tcase_add_test(tc, test_tsp_token_from_untrusted_tsa_is_untrusted);
	tcase_add_test(tc,
	    test_tsp_token_of_another_certificate_is_not_timestamping);
	tcase_add_test(tc, test_tsp_altered_or_malformed_token);
	tcase_add_test(tc, test_tsp_tsa_certificate_from_extra);
	tcase_add_test(tc, test_tsp_status_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_tsp", -1);
	return tu_run(tsp_suite());
}
