/* check_ocsp.c: OCSP requests, and the responses ocsp_response_check() takes */
#include "config.h"

#include "testutil.h"
#include "testpki.h"
#include "log.h"
#include "ocsp.h"

#include <openssl/ocsp.h>

static X509 *ca, *leaf;
static EVP_PKEY *ca_key, *leaf_key;
static X509_STORE *store;
static time_t now;

static void
setup(void)
{
	struct profile *p = tu_profile("citizen");
	X509_NAME *n = tu_name("OCSP Holder");

	now = time(NULL);
	tu_make_ca(KEY_TYPE_P256, "OCSP Test Root", &ca, &ca_key);
	leaf_key = tu_key(KEY_TYPE_P256);
	leaf = tu_issue(p, n, leaf_key, NULL, ca, ca_key);
	ck_assert_ptr_nonnull(store = X509_STORE_new());
	ck_assert_int_eq(X509_STORE_add_cert(store, ca), 1);
	X509_NAME_free(n);
	profile_free(p);
}

static void
teardown(void)
{
	X509_STORE_free(store);
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
}

/* The DER request der parsed whole; caller frees with OCSP_REQUEST_free(). */
static OCSP_REQUEST *
parse_request(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	OCSP_REQUEST *req;

	ck_assert_ptr_nonnull(req = d2i_OCSP_REQUEST(NULL, &p, (long)len));
	ck_assert_ptr_eq(p, der + len);
	return req;
}

static int
has_nonce(OCSP_REQUEST *req)
{
	return OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce,
	    -1) >= 0;
}

/* Asserts that req asks about leaf, issued by ca, and nothing else. */
static void
assert_asks_for_leaf(OCSP_REQUEST *req)
{
	ASN1_OCTET_STRING *name_hash = NULL, *key_hash = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_OBJECT *md = NULL;
	OCSP_CERTID *id, *want;

	ck_assert_int_eq(OCSP_request_onereq_count(req), 1);
	ck_assert_ptr_nonnull(id = OCSP_onereq_get0_id(
	    OCSP_request_onereq_get0(req, 0)));
	ck_assert_int_eq(OCSP_id_get0_info(&name_hash, &md, &key_hash,
	    &serial, id), 1);
	ck_assert_int_eq(OBJ_obj2nid(md), NID_sha1);
	ck_assert_int_eq(ASN1_INTEGER_cmp(serial,
	    X509_get0_serialNumber(leaf)), 0);
	ck_assert_ptr_nonnull(want = OCSP_cert_to_id(EVP_sha1(), leaf, ca));
	ck_assert_int_eq(OCSP_id_issuer_cmp(id, want), 0);
	OCSP_CERTID_free(want);
}

/*
 * A DER response of status signed by signer (its certificate included):
 * leaf is good, thisUpdate this_upd and nextUpdate next_upd, with the
 * nonce of the DER request reqder copied when it has one. Caller frees
 * with OPENSSL_free().
 */
static unsigned char *
signed_response(int status, X509 *signer, EVP_PKEY *key,
    const unsigned char *reqder, size_t reqlen, time_t this_upd,
    time_t next_upd, size_t *lenp)
{
	OCSP_REQUEST *req = parse_request(reqder, reqlen);
	OCSP_BASICRESP *bs;
	OCSP_RESPONSE *resp;
	OCSP_CERTID *id;
	ASN1_TIME *tu, *nu;
	unsigned char *der = NULL;
	int len;

	ck_assert_ptr_nonnull(bs = OCSP_BASICRESP_new());
	ck_assert_ptr_nonnull(id = OCSP_cert_to_id(EVP_sha1(), leaf, ca));
	ck_assert_ptr_nonnull(tu = ASN1_TIME_set(NULL, this_upd));
	ck_assert_ptr_nonnull(nu = ASN1_TIME_set(NULL, next_upd));
	ck_assert_ptr_nonnull(OCSP_basic_add1_status(bs, id,
	    V_OCSP_CERTSTATUS_GOOD, 0, NULL, tu, nu));
	/* 1: copied; 2: the request had none */
	ck_assert_int_ge(OCSP_copy_nonce(bs, req), 1);
	ck_assert_int_eq(OCSP_basic_sign(bs, signer, key, EVP_sha256(), NULL,
	    0), 1);
	ck_assert_ptr_nonnull(resp = OCSP_response_create(status, bs));
	ck_assert_int_gt(len = i2d_OCSP_RESPONSE(resp, &der), 0);
	*lenp = (size_t)len;
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	OCSP_REQUEST_free(req);
	return der;
}

/* A successful response from the CA; see signed_response(). */
static unsigned char *
good_response(const unsigned char *reqder, size_t reqlen, time_t this_upd,
    time_t next_upd, size_t *lenp)
{
	return signed_response(OCSP_RESPONSE_STATUS_SUCCESSFUL, ca, ca_key,
	    reqder, reqlen, this_upd, next_upd, lenp);
}

/* A DER response of status and no body. Caller frees with OPENSSL_free(). */
static unsigned char *
status_response(int status, size_t *lenp)
{
	OCSP_RESPONSE *resp;
	unsigned char *der = NULL;
	int len;

	ck_assert_ptr_nonnull(resp = OCSP_response_create(status, NULL));
	ck_assert_int_gt(len = i2d_OCSP_RESPONSE(resp, &der), 0);
	*lenp = (size_t)len;
	OCSP_RESPONSE_free(resp);
	return der;
}

/* A new request for leaf, kept for ocsp_response_check(). */
static struct ocsp_req *
new_request(int nonce, unsigned char **derp, size_t *lenp)
{
	struct ocsp_req *req = NULL;

	ck_assert_err(ocsp_request_new(leaf, ca, nonce, &req, derp, lenp),
	    KALIT_OK);
	ck_assert_ptr_nonnull(req);
	ck_assert_ptr_nonnull(*derp);
	ck_assert_uint_gt(*lenp, 0);
	return req;
}

/* ocsp_response_check() refuses der as unknown and leaves *st alone. */
static void
assert_unknown(struct ocsp_req *req, const unsigned char *der, size_t len)
{
	struct rev_status st, before;

	memset(&st, 0x5a, sizeof(st));
	st.source = "untouched";
	before = st;
	ck_assert_err(ocsp_response_check(req, der, len, store, now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_mem_eq(&st, &before, sizeof(st));
	ck_assert_uint_eq(ERR_peek_error(), 0);
}

START_TEST(test_ocsp_request_with_nonce)
{
	struct ocsp_req *req;
	OCSP_REQUEST *parsed;
	unsigned char *der = NULL;
	size_t len = 0;

	req = new_request(1, &der, &len);
	parsed = parse_request(der, len);
	assert_asks_for_leaf(parsed);
	ck_assert(has_nonce(parsed));
	/* unsigned: no requestor name, no signature */
	ck_assert_int_eq(OCSP_request_is_signed(parsed), 0);
	OCSP_REQUEST_free(parsed);
	OPENSSL_free(der);
	ocsp_request_free(req);
}
END_TEST

START_TEST(test_ocsp_request_without_nonce)
{
	struct ocsp_req *req;
	OCSP_REQUEST *parsed;
	unsigned char *der = NULL;
	size_t len = 0;

	req = new_request(0, &der, &len);
	parsed = parse_request(der, len);
	assert_asks_for_leaf(parsed);
	ck_assert(!has_nonce(parsed));
	ck_assert_int_eq(OCSP_REQUEST_get_ext_count(parsed), 0);
	OCSP_REQUEST_free(parsed);
	OPENSSL_free(der);
	ocsp_request_free(req);
}
END_TEST

START_TEST(test_ocsp_request_nonce_is_fresh)
{
	unsigned char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	/* reqp may be NULL: only the DER is wanted */
	ck_assert_err(ocsp_request_new(leaf, ca, 1, NULL, &a, &alen),
	    KALIT_OK);
	ck_assert_err(ocsp_request_new(leaf, ca, 1, NULL, &b, &blen),
	    KALIT_OK);
	ck_assert_uint_eq(alen, blen);
	ck_assert_int_ne(memcmp(a, b, alen), 0);
	OPENSSL_free(a);
	OPENSSL_free(b);
	/* without a nonce the same question is the same bytes */
	ck_assert_err(ocsp_request_new(leaf, ca, 0, NULL, &a, &alen),
	    KALIT_OK);
	ck_assert_err(ocsp_request_new(leaf, ca, 0, NULL, &b, &blen),
	    KALIT_OK);
	ck_assert_uint_eq(alen, blen);
	ck_assert_mem_eq(a, b, alen);
	OPENSSL_free(a);
	OPENSSL_free(b);
}
END_TEST

START_TEST(test_ocsp_response_good)
{
	struct ocsp_req *req;
	struct rev_status st;
	unsigned char *der = NULL, *resp;
	size_t len = 0, rlen = 0;
	int nonce;

	for (nonce = 0; nonce < 2; nonce++) {
		req = new_request(nonce, &der, &len);
		resp = good_response(der, len, now - 60, now + 3600, &rlen);
		memset(&st, 0, sizeof(st));
		ck_assert_err(ocsp_response_check(req, resp, rlen, store, now,
		    &st), KALIT_OK);
		ck_assert_err(st.status, KALIT_OK);
		ck_assert_int_eq(st.reason, -1);
		ck_assert(st.revoked_at == 0);
		ck_assert(st.this_update == (int64_t)now - 60);
		ck_assert(st.next_update == (int64_t)now + 3600);
		ck_assert_str_eq(st.source, "ocsp");
		ck_assert_uint_eq(ERR_peek_error(), 0);
		OPENSSL_free(resp);
		OPENSSL_free(der);
		ocsp_request_free(req);
	}
}
END_TEST

START_TEST(test_ocsp_response_garbage_unknown)
{
	static const unsigned char garbage[] = "this is not an OCSP response";
	static const unsigned char almost[] = { 0x30, 0x03, 0x0a, 0x01 };
	struct ocsp_req *req;
	unsigned char *der = NULL;
	size_t len = 0;

	req = new_request(1, &der, &len);
	assert_unknown(req, garbage, sizeof(garbage) - 1);
	assert_unknown(req, almost, sizeof(almost));
	/* our own request is not a response */
	assert_unknown(req, der, len);
	OPENSSL_free(der);
	ocsp_request_free(req);
}
END_TEST

START_TEST(test_ocsp_response_truncated_unknown)
{
	struct ocsp_req *req;
	struct rev_status st;
	unsigned char *der = NULL, *resp;
	size_t len = 0, rlen = 0, cut;

	req = new_request(1, &der, &len);
	resp = good_response(der, len, now - 60, now + 3600, &rlen);
	ck_assert_err(ocsp_response_check(req, resp, rlen, store, now, &st),
	    KALIT_OK);
	for (cut = 1; cut < rlen; cut += cut < 16 ? 1 : 37)
		assert_unknown(req, resp, rlen - cut);
	assert_unknown(req, resp, 1);
	OPENSSL_free(resp);
	OPENSSL_free(der);
	ocsp_request_free(req);
}
END_TEST

START_TEST(test_ocsp_response_try_later_unknown)
{
	struct ocsp_req *req;
	unsigned char *der = NULL, *resp;
	size_t len = 0, rlen = 0;

	req = new_request(1, &der, &len);
	resp = status_response(OCSP_RESPONSE_STATUS_TRYLATER, &rlen);
	assert_unknown(req, resp, rlen);
	OPENSSL_free(resp);
	resp = status_response(OCSP_RESPONSE_STATUS_INTERNALERROR, &rlen);
	assert_unknown(req, resp, rlen);
	OPENSSL_free(resp);
	resp = status_response(OCSP_RESPONSE_STATUS_UNAUTHORIZED, &rlen);
	assert_unknown(req, resp, rlen);
	OPENSSL_free(resp);
	/* tryLater around a well-signed "good": the status is what counts */
	resp = signed_response(OCSP_RESPONSE_STATUS_TRYLATER, ca, ca_key, der,
	    len, now - 60, now + 3600, &rlen);
	assert_unknown(req, resp, rlen);
	OPENSSL_free(resp);
	OPENSSL_free(der);
	ocsp_request_free(req);
}
END_TEST

START_TEST(test_ocsp_response_empty_unknown)
{
	static const unsigned char nothing[1];
	struct ocsp_req *req;
	unsigned char *der = NULL, *resp;
	size_t len = 0, rlen = 0;

	req = new_request(1, &der, &len);
	/* zero bytes */
	assert_unknown(req, nothing, 0);
	/* "successful" with no responseBytes: nothing to check */
	resp = status_response(OCSP_RESPONSE_STATUS_SUCCESSFUL, &rlen);
	assert_unknown(req, resp, rlen);
	OPENSSL_free(resp);
	OPENSSL_free(der);
	ocsp_request_free(req);
}
END_TEST

START_TEST(test_ocsp_response_other_signer_unknown)
{
	struct ocsp_req *req;
	unsigned char *der = NULL, *resp;
	size_t len = 0, rlen = 0;
	EVP_PKEY *other_key;
	X509 *other;

	/* a well-formed "good" from a root the store does not hold */
	tu_make_ca(KEY_TYPE_P256, "OCSP Test Root", &other, &other_key);
	req = new_request(1, &der, &len);
	resp = signed_response(OCSP_RESPONSE_STATUS_SUCCESSFUL, other,
	    other_key, der, len, now - 60, now + 3600, &rlen);
	assert_unknown(req, resp, rlen);
	OPENSSL_free(resp);
	OPENSSL_free(der);
	ocsp_request_free(req);
	X509_free(other);
	EVP_PKEY_free(other_key);
}
END_TEST

/* ocsp_response_check(), at time at, of a response made per o. */
static int
check_resp(const struct pki *p, const struct resp_opts *o, int64_t at,
    struct rev_status *st)
{
	struct validate_config c;
	struct validator *v;
	struct ocsp_req *req = NULL;
	unsigned char *der = NULL, *resp;
	size_t len = 0, rlen = 0;
	int r;

	ck_assert_err(ocsp_request_new(p->leaf, p->ca, 1, &req, &der, &len),
	    KALIT_OK);
	ck_assert_ptr_nonnull(req);
	resp = pki_ocsp_resp(p, der, len, o, &rlen);
	pki_cfg_init(&c, p, VALIDATE_REV_REQUIRE);
	v = pki_validator(&c);
	memset(st, 0, sizeof(*st));
	r = ocsp_response_check(req, resp, rlen, validator_store(v), at, st);
	validator_free(v);
	OPENSSL_free(resp);
	OPENSSL_free(der);
	ocsp_request_free(req);
	return r;
}

START_TEST(test_ocsp_request)
{
	OCSP_REQUEST *req;
	OCSP_CERTID *id, *want;
	const unsigned char *q;
	unsigned char *der = NULL;
	ASN1_OBJECT *md = NULL;
	size_t len = 0;
	struct pki p;
	int i;

	pki_init(&p, NULL, NULL);
	for (i = 0; i < 2; i++) {
		ck_assert_err(ocsp_request_new(p.leaf, p.ca, i, NULL, &der,
		    &len), KALIT_OK);
		q = der;
		ck_assert_ptr_nonnull(req = d2i_OCSP_REQUEST(NULL, &q,
		    (long)len));
		ck_assert_ptr_eq(q, der + len);
		ck_assert_int_eq(OCSP_request_onereq_count(req), 1);
		id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0));
		ck_assert_int_eq(OCSP_id_get0_info(NULL, &md, NULL, NULL, id),
		    1);
		ck_assert_int_eq(OBJ_obj2nid(md), NID_sha1);
		want = OCSP_cert_to_id(NULL, p.leaf, p.ca);
		ck_assert_int_eq(OCSP_id_cmp(id, want), 0);
		ck_assert_int_eq(OCSP_REQUEST_get_ext_by_NID(req,
		    NID_id_pkix_OCSP_Nonce, -1) >= 0, i);
		OCSP_CERTID_free(want);
		OCSP_REQUEST_free(req);
		OPENSSL_free(der);
	}
	ocsp_request_free(NULL);
	pki_free(&p);
}
END_TEST

START_TEST(test_ocsp_issuer_signed)
{
	struct resp_opts o;
	struct rev_status st;
	struct pki p;

	pki_init(&p, NULL, NULL);
	pki_resp_defaults(&o, &p);
	ck_assert_err(check_resp(&p, &o, p.now, &st), KALIT_OK);
	ck_assert_err(st.status, KALIT_OK);
	ck_assert_str_eq(st.source, "ocsp");
	ck_assert_int_eq(st.reason, -1);
	ck_assert(st.this_update == p.now - 60);
	ck_assert(st.next_update == p.now + HOUR);
	o.with_certs = 1;
	ck_assert_err(check_resp(&p, &o, p.now, &st), KALIT_OK);
	/* a responder that sends no nonce is heard */
	o.nonce = NONCE_NONE;
	ck_assert_err(check_resp(&p, &o, p.now, &st), KALIT_OK);
	o.nonce = NONCE_ECHO;

	o.status = V_OCSP_CERTSTATUS_REVOKED;
	o.reason = OCSP_REVOKED_STATUS_KEYCOMPROMISE;
	ck_assert_err(check_resp(&p, &o, p.now, &st), KALIT_ERR_CERT_REVOKED);
	ck_assert_err(st.status, KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, OCSP_REVOKED_STATUS_KEYCOMPROMISE);
	ck_assert(st.revoked_at == p.now - 660);
	o.reason = OCSP_REVOKED_STATUS_NOSTATUS;
	ck_assert_err(check_resp(&p, &o, p.now, &st), KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(st.reason, -1);
	o.reason = OCSP_REVOKED_STATUS_CERTIFICATEHOLD;
	ck_assert_err(check_resp(&p, &o, p.now, &st), KALIT_ERR_CERT_ON_HOLD);

	o.status = V_OCSP_CERTSTATUS_UNKNOWN;
	st.source = "untouched";
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	pki_free(&p);
}
END_TEST

START_TEST(test_ocsp_delegated)
{
	struct resp_opts o;
	struct rev_status st;
	EVP_PKEY *key;
	X509 *resp, *by_root, *citizen;
	struct pki p;

	pki_init(&p, NULL, NULL);
	key = tu_key(KEY_TYPE_P256);
	pki_write_profile(&p, "ocsp-signer", pki_ocsp_signer_profile);
	resp = pki_issue(&p, "ocsp-signer", "Responder", key, p.ca, p.ca_key,
	    NULL, NULL);
	by_root = pki_issue(&p, "ocsp-signer", "Root Responder", key, p.root,
	    p.root_key, NULL, NULL);
	citizen = pki_issue(&p, "citizen", "Other Holder", key, p.ca, p.ca_key,
	    NULL, NULL);
	pki_resp_defaults(&o, &p);
	o.signer = resp;
	o.key = key;
	o.with_certs = 1;
	ck_assert_err(check_resp(&p, &o, p.now, &st), KALIT_OK);
	o.status = V_OCSP_CERTSTATUS_REVOKED;
	ck_assert_err(check_resp(&p, &o, p.now, &st), KALIT_ERR_CERT_REVOKED);
	/* without its certificate it cannot be found */
	o.with_certs = 0;
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* OCSPSigning from another CA of the same root */
	o.with_certs = 1;
	o.signer = by_root;
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* a certificate of the right CA without OCSPSigning */
	o.signer = citizen;
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* the trusted root is not the leaf's issuer */
	o.signer = p.root;
	o.key = p.root_key;
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_free(resp);
	X509_free(by_root);
	X509_free(citizen);
	EVP_PKEY_free(key);
	pki_free(&p);
}
END_TEST

START_TEST(test_ocsp_hostile)
{
	struct resp_opts o;
	struct rev_status st;
	struct pki p, other;
	X509 *sibling;

	pki_init(&p, NULL, NULL);
	pki_init(&other, NULL, NULL);
	pki_resp_defaults(&o, &p);
	o.status = V_OCSP_CERTSTATUS_REVOKED;
	ck_assert_err(check_resp(&p, &o, p.now, &st), KALIT_ERR_CERT_REVOKED);
	o.status = V_OCSP_CERTSTATUS_GOOD;
	/* an unrelated key, with its certificate or posing as the CA */
	o.signer = other.ca;
	o.key = other.ca_key;
	o.with_certs = 1;
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	o.with_certs = 0;
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	o.signer = p.ca;
	o.key = p.ca_key;
	/* a nonce that is not ours */
	o.nonce = NONCE_WRONG;
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	o.nonce = NONCE_ECHO;
	/* stale, from the future, and past nextUpdate at our now */
	o.next_upd = p.now - 301;
	o.this_upd = p.now - HOUR;
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	o.this_upd = p.now + HOUR;
	o.next_upd = p.now + 2 * HOUR;
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	pki_resp_defaults(&o, &p);
	ck_assert_err(check_resp(&p, &o, p.now + 2 * HOUR, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_err(check_resp(&p, &o, p.now - HOUR, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* without nextUpdate: good, and current */
	o.next_upd = 0;
	ck_assert_err(check_resp(&p, &o, p.now, &st), KALIT_OK);
	ck_assert(st.next_update == 0);
	/* an answer about another certificate */
	pki_resp_defaults(&o, &p);
	sibling = pki_issue(&p, "citizen", "Sibling", p.leaf_key, p.ca,
	    p.ca_key, NULL, NULL);
	o.about = sibling;
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	/* two answers about ours */
	o.about = p.leaf;
	o.twice = 1;
	ck_assert_err(check_resp(&p, &o, p.now, &st),
	    KALIT_ERR_REVOCATION_UNKNOWN);
	X509_free(sibling);
	pki_free(&other);
	pki_free(&p);
}
END_TEST

START_TEST(test_ocsp_malformed)
{
	struct validate_config c;
	struct validator *v;
	struct ocsp_req *req = NULL;
	struct resp_opts o;
	struct rev_status st;
	OCSP_RESPONSE *resp;
	unsigned char *der = NULL, *good, *bad = NULL, *longer;
	size_t len = 0, glen = 0;
	struct pki p;
	int blen;

	pki_init(&p, NULL, NULL);
	pki_cfg_init(&c, &p, VALIDATE_REV_REQUIRE);
	v = pki_validator(&c);
	ck_assert_err(ocsp_request_new(p.leaf, p.ca, 0, &req, &der, &len),
	    KALIT_OK);
	pki_resp_defaults(&o, &p);
	good = pki_ocsp_resp(&p, der, len, &o, &glen);
	ck_assert_err(ocsp_response_check(req, good, glen, validator_store(v),
	    p.now, &st), KALIT_OK);
	ck_assert_err(ocsp_response_check(req, good, glen - 1,
	    validator_store(v), p.now, &st), KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_ptr_nonnull(longer = calloc(1, glen + 1));
	memcpy(longer, good, glen);
	ck_assert_err(ocsp_response_check(req, longer, glen + 1,
	    validator_store(v), p.now, &st), KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_err(ocsp_response_check(req, longer, 0,
	    validator_store(v), p.now, &st), KALIT_ERR_REVOCATION_UNKNOWN);
	ck_assert_err(ocsp_response_check(req, good, OCSP_RESPONSE_MAX + 1,
	    validator_store(v), p.now, &st), KALIT_ERR_REVOCATION_UNKNOWN);
	/* a signature bit flipped */
	longer[glen - 3] ^= 0x01;
	ck_assert_err(ocsp_response_check(req, longer, glen,
	    validator_store(v), p.now, &st), KALIT_ERR_REVOCATION_UNKNOWN);
	/* tryLater */
	ck_assert_ptr_nonnull(resp = OCSP_response_create(
	    OCSP_RESPONSE_STATUS_TRYLATER, NULL));
	ck_assert_int_gt(blen = i2d_OCSP_RESPONSE(resp, &bad), 0);
	ck_assert_err(ocsp_response_check(req, bad, (size_t)blen,
	    validator_store(v), p.now, &st), KALIT_ERR_REVOCATION_UNKNOWN);
	OCSP_RESPONSE_free(resp);
	OPENSSL_free(bad);
	free(longer);
	OPENSSL_free(good);
	OPENSSL_free(der);
	ocsp_request_free(req);
	validator_free(v);
	pki_free(&p);
}
END_TEST

START_TEST(test_ocsp_request_free_null)
{
	ocsp_request_free(NULL);
}
END_TEST

static Suite *
ocsp_suite(void)
{
	Suite *s = suite_create("ocsp");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ocsp_request_with_nonce);
	tcase_add_test(tc, test_ocsp_request_without_nonce);
	tcase_add_test(tc, test_ocsp_request_nonce_is_fresh);
	tcase_add_test(tc, test_ocsp_response_good);
	tcase_add_test(tc, test_ocsp_response_garbage_unknown);
	tcase_add_test(tc, test_ocsp_response_truncated_unknown);
	tcase_add_test(tc, test_ocsp_response_try_later_unknown);
	tcase_add_test(tc, test_ocsp_response_empty_unknown);
	tcase_add_test(tc, test_ocsp_response_other_signer_unknown);
	tcase_add_test(tc, test_ocsp_request_free_null);
	suite_add_tcase(s, tc);
	/* on a PKI of their own (testpki), with a validator's store */
	tc = tcase_create("validator");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ocsp_request);
	tcase_add_test(tc, test_ocsp_issuer_signed);
	tcase_add_test(tc, test_ocsp_delegated);
	tcase_add_test(tc, test_ocsp_hostile);
	tcase_add_test(tc, test_ocsp_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_ocsp", -1);
	return tu_run(ocsp_suite());
}
