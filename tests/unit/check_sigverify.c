/* check_sigverify.c: unit tests for sigverify.c: verdicts on signatures */
#include "config.h"

#include "testutil.h"
#include "cms.h"
#include "crl.h"
#include "digest.h"
#include "log.h"
#include "sigverify.h"
#include "validate.h"

#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/pem.h>

#define DAY	86400
#define DOC	"An application to the district khokimiyat"

static const char server_profile[] =
    "[profile]\nkind = end-entity\ndays = 30\n"
    "key_usage = critical, digitalSignature\n"
    "extended_key_usage = serverAuth\nsubject = cn\n";

/* A root, a citizen CA under it, two citizens of that CA, and a TSA. */
static struct {
	char		 trust[PATH_MAX], crls[PATH_MAX], work[PATH_MAX];
	X509		*root, *ca, *leaf, *other, *tsa;
	EVP_PKEY	*root_key, *ca_key, *leaf_key, *other_key, *tsa_key;
	time_t		 now;
} p;

/* A certificate of prof for name and key by ca, from not_before. */
static X509 *
issue_with(const struct profile *prof, const X509_NAME *name, EVP_PKEY *key,
    X509 *ca, EVP_PKEY *ca_key, const char *policies, time_t not_before,
    int days)
{
	struct x509_spec spec;
	X509 *cert = NULL;

	memset(&spec, 0, sizeof(spec));
	spec.profile = prof;
	spec.subject = name;
	spec.pubkey = key;
	spec.issuer = ca;
	spec.issuer_key = ca_key;
	spec.not_before = not_before;
	spec.days = days;
	spec.policies = policies;
	ck_assert_err(x509_issue(&spec, &cert), KALIT_OK);
	return cert;
}

static X509 *
issue(const char *profile, const char *cn, EVP_PKEY *key, X509 *ca,
    EVP_PKEY *ca_key, const char *policies, time_t not_before, int days)
{
	struct profile *prof = NULL;
	X509_NAME *name = tu_name(cn);
	char path[PATH_MAX];
	X509 *cert;

	tu_path(path, sizeof(path), p.work, "server.conf");
	if (strcmp(profile, "server") == 0) {
		tu_write_file(path, server_profile, strlen(server_profile));
		ck_assert_err(profile_load(p.work, profile, &prof), KALIT_OK);
	} else
		prof = tu_profile(profile);
	cert = issue_with(prof, name, key, ca, ca_key, policies, not_before,
	    days);
	X509_NAME_free(name);
	profile_free(prof);
	return cert;
}

static void write_crl_of(X509 *, EVP_PKEY *, const char *, X509 *, int);

static void
setup(void)
{
	memset(&p, 0, sizeof(p));
	p.now = time(NULL);
	tu_mkdtemp(p.trust, sizeof(p.trust));
	tu_mkdtemp(p.crls, sizeof(p.crls));
	tu_mkdtemp(p.work, sizeof(p.work));
	tu_make_ca(KEY_TYPE_P256, "Sign Root", &p.root, &p.root_key);
	p.ca_key = tu_key(KEY_TYPE_P256);
	p.ca = issue("issuing-ca", "Citizen CA", p.ca_key, p.root, p.root_key,
	    "1.3.6.1.5.5.7.13.1", p.now - 600, 0);
	p.leaf_key = tu_key(KEY_TYPE_P256);
	p.leaf = issue("citizen", "Vali Aliyev", p.leaf_key, p.ca, p.ca_key,
	    NULL, p.now - 300, 0);
	p.other_key = tu_key(KEY_TYPE_P384);
	p.other = issue("citizen", "Olim Karimov", p.other_key, p.ca, p.ca_key,
	    NULL, p.now - 300, 0);
	p.tsa_key = tu_key(KEY_TYPE_P256);
	p.tsa = issue("tsa", "kalit TSA", p.tsa_key, p.root, p.root_key, NULL,
	    p.now - 3600, 0);
	tu_write_certs(p.trust, "root.pem", p.root, NULL);
	tu_write_certs(p.trust, "ca.crt", p.ca, NULL);
	/* The issuing CA's own status: the root's CRL. */
	write_crl_of(p.root, p.root_key, "root.crl", NULL, 0);
}

static void
teardown(void)
{
	tu_rmdir(p.trust);
	tu_rmdir(p.crls);
	tu_rmdir(p.work);
	X509_free(p.root);
	X509_free(p.ca);
	X509_free(p.leaf);
	X509_free(p.other);
	X509_free(p.tsa);
	EVP_PKEY_free(p.tsa_key);
	EVP_PKEY_free(p.root_key);
	EVP_PKEY_free(p.ca_key);
	EVP_PKEY_free(p.leaf_key);
	EVP_PKEY_free(p.other_key);
}

/*
 * A CRL of ca (signed with key) in p.crls as name, revoking cert (when
 * not NULL).
 */
static void
write_crl_of(X509 *ca, EVP_PKEY *key, const char *name, X509 *cert,
    int reason)
{
	char path[PATH_MAX], serial[X509_SERIAL_HEX_MAX + 1];
	unsigned char *der = NULL;
	struct crl *c = NULL;
	size_t len = 0;

	ck_assert_err(crl_new(ca, 1, p.now - 60, p.now + DAY, &c), KALIT_OK);
	if (cert != NULL) {
		ck_assert_err(x509_serial_hex(cert, serial, sizeof(serial)),
		    KALIT_OK);
		ck_assert_err(crl_add(c, serial, p.now - 120, reason),
		    KALIT_OK);
	}
	ck_assert_err(crl_sign(c, key, &der, &len), KALIT_OK);
	tu_path(path, sizeof(path), p.crls, name);
	tu_write_file(path, der, len);
	OPENSSL_free(der);
	crl_free(c);
}

/* The citizen CA's CRL in p.crls, revoking cert (when not NULL). */
static void
write_crl(X509 *cert, int reason)
{
	write_crl_of(p.ca, p.ca_key, "citizen.crl", cert, reason);
}

/* A kalit signature of doc by key and cert, with the CA in it. */
static CMS_ContentInfo *
sign(EVP_PKEY *key, X509 *cert, const char *doc, int attached)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	CMS_ContentInfo *cms = NULL;
	struct digest_set ds;
	const unsigned char *md;
	size_t mdlen;

	memset(&ds, 0, sizeof(ds));
	ck_assert_int_gt(sk_X509_push(chain, p.ca), 0);
	ck_assert_err(digest_set_add(&ds, cms_sign_md(key)), KALIT_OK);
	ck_assert_err(digest_buf(&ds, doc, strlen(doc)), KALIT_OK);
	md = digest_set_get(&ds, cms_sign_md(key), &mdlen);
	ck_assert_err(cms_signed_new(attached ? doc : NULL, strlen(doc),
	    &cms), KALIT_OK);
	ck_assert_err(cms_add_signer(cms, key, cert, chain, md, mdlen, NULL),
	    KALIT_OK);
	sk_X509_free(chain);
	return cms;
}

/* cms through DER and back, optionally spoilt by edit first. */
static CMS_ContentInfo *
reparse(CMS_ContentInfo *cms, void (*edit)(unsigned char *, size_t))
{
	CMS_ContentInfo *back = NULL;
	unsigned char *der = NULL;
	size_t len;

	ck_assert_err(cms_to_der(cms, &der, &len), KALIT_OK);
	if (edit != NULL)
		edit(der, len);
	ck_assert_err(cms_parse_signed(der, len, &back), KALIT_OK);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	return back;
}

static int min_rsa_bits;	/* verify_at()'s; 0: the default */

/*
 * Verifies cms at now + shift against doc (NULL: its own content) with
 * revocation mode; caller frees the report.
 */
static struct sig_report *
verify_at(CMS_ContentInfo *cms, const char *doc, enum validate_rev_mode mode,
    int64_t shift)
{
	struct sigverify_config cfg;
	struct validate_config vc;
	struct sig_report *rep = NULL;
	struct validator *v = NULL;
	struct digest_set ds;
	const unsigned char *data;
	size_t len;

	memset(&vc, 0, sizeof(vc));
	vc.trust_dir = p.trust;
	vc.rev_mode = mode;
	vc.crl = 1;
	vc.crl_dir = p.crls;
	ck_assert_err(validator_new(&vc, &v), KALIT_OK);
	memset(&ds, 0, sizeof(ds));
	ck_assert_err(cms_digest_algs(cms, &ds), KALIT_OK);
	if (doc == NULL) {
		ck_assert_err(cms_content(cms, &data, &len), KALIT_OK);
		ck_assert_err(digest_buf(&ds, data, len), KALIT_OK);
	} else
		ck_assert_err(digest_buf(&ds, doc, strlen(doc)), KALIT_OK);
	memset(&cfg, 0, sizeof(cfg));
	cfg.validator = v;
	cfg.now = (int64_t)p.now + shift;
	cfg.min_rsa_bits = min_rsa_bits;
	ck_assert_err(sigverify_run(&cfg, cms, &ds, &rep), KALIT_OK);
	ck_assert_ptr_nonnull(rep);
	validator_free(v);
	return rep;
}

static struct sig_report *
verify(CMS_ContentInfo *cms, const char *doc, enum validate_rev_mode mode)
{
	return verify_at(cms, doc, mode, 0);
}

/* Asserts signer i's verdict, and that the report's is the worst. */
#define ck_verdict(rep, i, ind, sb) do {				\
	ck_assert_uint_gt((rep)->n, (i));				\
	ck_assert_msg((rep)->signers[i].sub == (sb),			\
	    "signer %d: %s, want %s", (int)(i),				\
	    sig_sub_name((rep)->signers[i].sub),			\
	    sig_sub_name(sb));						\
	ck_assert_int_eq((rep)->signers[i].indication, (ind));		\
	ck_assert_int_ge((rep)->indication, (ind));			\
} while (0)

START_TEST(test_sigverify_good_signature_passes_with_crl_evidence)
{
	CMS_ContentInfo *cms = reparse(sign(p.leaf_key, p.leaf, DOC, 1), NULL);
	struct sig_report *rep;
	const struct sig_signer *s;

	write_crl(NULL, 0);
	rep = verify(cms, NULL, VALIDATE_REV_REQUIRE);
	ck_verdict(rep, 0, SIG_TOTAL_PASSED, SIG_SUB_NONE);
	ck_assert_err(sig_report_err(rep), KALIT_OK);
	s = &rep->signers[0];
	ck_assert_str_eq(s->id.field[IDENTITY_CN], "Vali Aliyev");
	ck_assert_str_eq(s->profile, "citizen");
	ck_assert_str_eq(s->digest_alg, "sha256");
	ck_assert_int_eq(s->ess, CMS_ESS_VALID);
	ck_assert_int_eq(sk_X509_num(s->chain), 3);
	ck_assert_int_ge(s->signing_time, (int64_t)p.now - 5);
	ck_assert_int_le(s->signing_time, (int64_t)time(NULL));
	ck_assert_int_eq(s->rev_asked, 1);
	ck_assert_str_eq(s->rev.source, "crl");
	ck_assert_ptr_nonnull(strstr(s->rev.origin, "/citizen.crl"));
	ck_assert_int_eq(rep->detached, 0);
	ck_assert_int_eq(rep->have_sha256, 1);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_sigverify_other_document_is_hash_failure)
{
	CMS_ContentInfo *cms = reparse(sign(p.leaf_key, p.leaf, DOC, 0), NULL);
	struct sig_report *rep;

	rep = verify(cms, DOC ".", VALIDATE_REV_OFF);
	ck_verdict(rep, 0, SIG_TOTAL_FAILED, SIG_SUB_HASH_FAILURE);
	ck_assert_err(sig_report_err(rep), KALIT_ERR_SIG_FAILED);
	ck_assert_int_eq(rep->detached, 1);
	ck_assert_int_eq(rep->signers[0].rev_asked, 0);
	sig_report_free(rep);
	rep = verify(cms, DOC, VALIDATE_REV_OFF);
	ck_verdict(rep, 0, SIG_TOTAL_PASSED, SIG_SUB_NONE);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

/* One digit of the signing time changed: the DER stays well-formed. */
static void
alter_signing_time(unsigned char *der, size_t len)
{
	static const unsigned char oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
	    0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05 };
	unsigned char *at = memmem(der, len, oid, sizeof(oid));

	ck_assert_ptr_nonnull(at);
	/* SET { UTCTime "YYMMDDhhmmssZ" }: the last digit of the seconds */
	ck_assert_int_eq(at[sizeof(oid) + 2], V_ASN1_UTCTIME);
	at[sizeof(oid) + 4 + 11] ^= 1;
}

START_TEST(test_sigverify_altered_signed_attribute_is_sig_crypto_failure)
{
	CMS_ContentInfo *cms = reparse(sign(p.leaf_key, p.leaf, DOC, 1),
	    alter_signing_time);
	struct sig_report *rep = verify(cms, NULL, VALIDATE_REV_OFF);

	ck_verdict(rep, 0, SIG_TOTAL_FAILED, SIG_SUB_SIG_CRYPTO_FAILURE);
	/* Who it claims to be is still shown. */
	ck_assert_str_eq(rep->signers[0].id.field[IDENTITY_CN], "Vali Aliyev");
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

/*
 * DOC signed detached with the leaf's key under cert, its signed attributes
 * made by hand: signing-certificate-v2 ess (a SEQUENCE; NULL: none),
 * content type ct and the message digest. With sig not NID_undef, the
 * signature algorithm is then said to be sig.
 */
static CMS_ContentInfo *
sign_by_hand(X509 *cert, int ct, int sig, const ASN1_STRING *ess)
{
	unsigned char md[32];
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	X509_ALGOR *alg;

	ck_assert_int_eq(EVP_Digest(DOC, strlen(DOC), md, NULL, EVP_sha256(),
	    NULL), 1);
	ck_assert_err(cms_signed_new(NULL, 0, &cms), KALIT_OK);
	ck_assert_ptr_nonnull(si = CMS_add1_signer(cms, cert, p.leaf_key,
	    EVP_sha256(), CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP));
	if (ess != NULL)
		ck_assert_int_eq(CMS_signed_add1_attr_by_NID(si,
		    NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE, ess,
		    -1), 1);
	ck_assert_int_eq(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType,
	    V_ASN1_OBJECT, OBJ_nid2obj(ct), -1), 1);
	ck_assert_int_eq(CMS_signed_add1_attr_by_NID(si,
	    NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, md, 32), 1);
	ck_assert_int_eq(CMS_SignerInfo_sign(si), 1);
	ck_assert_int_eq(CMS_add1_cert(cms, p.ca), 1);
	if (sig != NID_undef) {
		CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &alg);
		ck_assert_int_eq(X509_ALGOR_set0(alg, OBJ_nid2obj(sig),
		    V_ASN1_UNDEF, NULL), 1);
	}
	return reparse(cms, NULL);
}

/*
 * Signed with the leaf's key under cert, but its signing-certificate-v2
 * names named: what swapping a certificate of the same key leaves. With
 * named NULL, the attribute is a SEQUENCE that is not one.
 */
static CMS_ContentInfo *
sign_swapped(X509 *cert, X509 *named)
{
	unsigned char *ess = NULL;
	ESS_SIGNING_CERT_V2 *sc = NULL;
	CMS_ContentInfo *cms;
	ASN1_STRING *seq;
	int n;

	if (named != NULL) {
		ck_assert_ptr_nonnull(sc = OSSL_ESS_signing_cert_v2_new_init(
		    EVP_sha256(), named, NULL, 1));
		ck_assert_int_gt(n = i2d_ESS_SIGNING_CERT_V2(sc, &ess), 0);
	} else {
		n = 5;
		ck_assert_ptr_nonnull(ess = OPENSSL_memdup("\x30\x03\x02\x01"
		    "\x01", 5));
	}
	ck_assert_ptr_nonnull(seq = ASN1_STRING_new());
	ck_assert_int_eq(ASN1_STRING_set(seq, ess, n), 1);
	cms = sign_by_hand(cert, NID_pkcs7_data, NID_undef, seq);
	ASN1_STRING_free(seq);
	OPENSSL_free(ess);
	ESS_SIGNING_CERT_V2_free(sc);
	return cms;
}

START_TEST(test_sigverify_swapped_certificate_is_sig_crypto_failure)
{
	/* A second certificate for the same key, as a renewal makes. */
	X509 *again = issue("citizen", "Vali Aliyev", p.leaf_key, p.ca,
	    p.ca_key, NULL, p.now - 300, 0);
	CMS_ContentInfo *cms = sign_swapped(again, p.leaf);
	struct sig_report *rep = verify(cms, DOC, VALIDATE_REV_OFF);

	ck_verdict(rep, 0, SIG_TOTAL_FAILED, SIG_SUB_SIG_CRYPTO_FAILURE);
	ck_assert_int_eq(rep->signers[0].ess, CMS_ESS_MISMATCH);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	/* The same construction naming the right certificate passes. */
	cms = sign_swapped(again, again);
	rep = verify(cms, DOC, VALIDATE_REV_OFF);
	ck_verdict(rep, 0, SIG_TOTAL_PASSED, SIG_SUB_NONE);
	ck_assert_int_eq(rep->signers[0].ess, CMS_ESS_VALID);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	/* An attribute that does not parse is a structure failure. */
	cms = sign_swapped(again, NULL);
	rep = verify(cms, DOC, VALIDATE_REV_OFF);
	ck_verdict(rep, 0, SIG_TOTAL_FAILED, SIG_SUB_FORMAT_FAILURE);
	ck_assert_int_eq(rep->signers[0].ess, CMS_ESS_MALFORMED);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	X509_free(again);
}
END_TEST

/* CMS_sign() by the leaf with flags: what openssl cms -sign makes. */
static CMS_ContentInfo *
openssl_sign(const EVP_MD *md, unsigned int flags)
{
	BIO *in = BIO_new_mem_buf(DOC, -1);
	CMS_ContentInfo *cms;

	ck_assert_ptr_nonnull(cms = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_PARTIAL | CMS_BINARY | flags));
	ck_assert_ptr_nonnull(CMS_add1_signer(cms, p.leaf, p.leaf_key, md,
	    CMS_BINARY | flags));
	ck_assert_int_eq(CMS_final(cms, in, NULL, CMS_BINARY | flags), 1);
	BIO_free(in);
	return reparse(cms, NULL);
}

START_TEST(test_sigverify_plain_openssl_signature_passes)
{
	CMS_ContentInfo *cms = openssl_sign(EVP_sha256(), CMS_DETACHED);
	struct sig_report *rep = verify(cms, DOC, VALIDATE_REV_OFF);

	ck_verdict(rep, 0, SIG_TOTAL_PASSED, SIG_SUB_NONE);
	ck_assert_int_eq(rep->signers[0].ess, CMS_ESS_ABSENT);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_sigverify_sha384_needs_the_document)
{
	CMS_ContentInfo *cms = openssl_sign(EVP_sha384(), CMS_DETACHED);
	struct sigverify_config cfg;
	struct validate_config vc;
	struct sig_report *rep = NULL;
	struct validator *v = NULL;
	struct digest_set ds;
	unsigned char md[32];
	char hex[65];
	int i;

	rep = verify(cms, DOC, VALIDATE_REV_OFF);
	ck_verdict(rep, 0, SIG_TOTAL_PASSED, SIG_SUB_NONE);
	ck_assert_str_eq(rep->signers[0].digest_alg, "sha384");
	ck_assert_int_eq(rep->have_sha256, 0);
	sig_report_free(rep);
	/* --digest gives SHA-256 only. */
	ck_assert_int_eq(EVP_Digest(DOC, strlen(DOC), md, NULL, EVP_sha256(),
	    NULL), 1);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	memset(&ds, 0, sizeof(ds));
	ck_assert_err(digest_set_hex(&ds, EVP_sha256(), hex), KALIT_OK);
	memset(&vc, 0, sizeof(vc));
	vc.trust_dir = p.trust;
	vc.rev_mode = VALIDATE_REV_OFF;
	ck_assert_err(validator_new(&vc, &v), KALIT_OK);
	memset(&cfg, 0, sizeof(cfg));
	cfg.validator = v;
	cfg.now = (int64_t)p.now;
	ck_assert_err(sigverify_run(&cfg, cms, &ds, &rep), KALIT_OK);
	ck_verdict(rep, 0, SIG_INDETERMINATE, SIG_SUB_SIGNED_DATA_NOT_FOUND);
	ck_assert_int_eq(rep->have_sha256, 1);
	sig_report_free(rep);
	validator_free(v);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_sigverify_structure_failures)
{
	CMS_ContentInfo *cms = openssl_sign(EVP_sha256(), CMS_NOATTR);
	struct sig_report *rep = verify(cms, NULL, VALIDATE_REV_OFF);

	ck_verdict(rep, 0, SIG_TOTAL_FAILED, SIG_SUB_FORMAT_FAILURE);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	cms = openssl_sign(EVP_sha256(), CMS_NOCERTS);
	rep = verify(cms, NULL, VALIDATE_REV_OFF);
	ck_verdict(rep, 0, SIG_INDETERMINATE,
	    SIG_SUB_NO_SIGNING_CERTIFICATE_FOUND);
	ck_assert_ptr_null(rep->signers[0].cert);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_sigverify_no_signer_is_malformed)
{
	CMS_ContentInfo *cms = NULL;
	struct sigverify_config cfg;
	struct sig_report *rep = NULL;
	struct digest_set ds;

	memset(&cfg, 0, sizeof(cfg));
	memset(&ds, 0, sizeof(ds));
	ck_assert_err(cms_signed_new(NULL, 0, &cms), KALIT_OK);
	ck_assert_err(sigverify_run(&cfg, cms, &ds, &rep),
	    KALIT_ERR_MALFORMED);
	ck_assert_ptr_null(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_sigverify_signers_capped)
{
	CMS_ContentInfo *cms = NULL;
	struct sigverify_config cfg;
	struct sig_report *rep = NULL;
	struct digest_set ds;
	unsigned char md[32] = { 0 };
	int i;

	memset(&cfg, 0, sizeof(cfg));
	memset(&ds, 0, sizeof(ds));
	ck_assert_err(cms_signed_new(NULL, 0, &cms), KALIT_OK);
	for (i = 0; i <= SIGVERIFY_SIGNERS_MAX; i++)
		ck_assert_err(cms_add_signer(cms, p.leaf_key, p.leaf, NULL, md,
		    32, NULL), KALIT_OK);
	cms = reparse(cms, NULL);
	ck_assert_err(sigverify_run(&cfg, cms, &ds, &rep),
	    KALIT_ERR_TOO_LARGE);
	ck_assert_ptr_null(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_sigverify_certificate_verdicts)
{
	X509 *stranger_root = NULL, *stranger, *server, *expired;
	EVP_PKEY *stranger_key = NULL, *k = tu_key(KEY_TYPE_P256);
	CMS_ContentInfo *cms;
	struct sig_report *rep;

	tu_make_ca(KEY_TYPE_P256, "Other Root", &stranger_root, &stranger_key);
	stranger = issue("citizen", "Stranger", k, stranger_root, stranger_key,
	    NULL, p.now - 300, 0);
	server = issue("server", "server", k, p.ca, p.ca_key, NULL,
	    p.now - 300, 0);
	expired = issue("citizen", "Old", k, p.ca, p.ca_key, NULL,
	    p.now - 3 * DAY, 1);
	cms = reparse(sign(k, stranger, DOC, 1), NULL);
	rep = verify(cms, NULL, VALIDATE_REV_REQUIRE);
	ck_verdict(rep, 0, SIG_INDETERMINATE,
	    SIG_SUB_NO_CERTIFICATE_CHAIN_FOUND);
	ck_assert_int_eq(rep->signers[0].rev_asked, 0);
	ck_assert_ptr_null(rep->signers[0].profile);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	cms = reparse(sign(k, server, DOC, 1), NULL);
	rep = verify(cms, NULL, VALIDATE_REV_OFF);
	ck_verdict(rep, 0, SIG_INDETERMINATE,
	    SIG_SUB_CHAIN_CONSTRAINTS_FAILURE);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	cms = reparse(sign(k, expired, DOC, 1), NULL);
	rep = verify(cms, NULL, VALIDATE_REV_OFF);
	ck_verdict(rep, 0, SIG_INDETERMINATE, SIG_SUB_OUT_OF_BOUNDS_NO_POE);
	ck_assert_err(sig_report_err(rep), KALIT_ERR_SIG_INDETERMINATE);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	/* The good one, judged three years on, is out of bounds too. */
	cms = reparse(sign(p.leaf_key, p.leaf, DOC, 1), NULL);
	rep = verify_at(cms, NULL, VALIDATE_REV_OFF, 3 * 365 * DAY);
	ck_verdict(rep, 0, SIG_INDETERMINATE, SIG_SUB_OUT_OF_BOUNDS_NO_POE);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	X509_free(stranger_root);
	X509_free(stranger);
	X509_free(server);
	X509_free(expired);
	EVP_PKEY_free(stranger_key);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(test_sigverify_revocation_verdicts)
{
	CMS_ContentInfo *cms = reparse(sign(p.leaf_key, p.leaf, DOC, 0), NULL);
	struct sig_report *rep;

	/* Nothing says: fail closed, unless told otherwise. */
	rep = verify(cms, DOC, VALIDATE_REV_REQUIRE);
	ck_verdict(rep, 0, SIG_INDETERMINATE, SIG_SUB_TRY_LATER);
	ck_assert_str_eq(rep->signers[0].rev.source, "none");
	sig_report_free(rep);
	rep = verify(cms, DOC, VALIDATE_REV_SOFT_FAIL);
	ck_verdict(rep, 0, SIG_TOTAL_PASSED, SIG_SUB_NONE);
	sig_report_free(rep);
	write_crl(p.leaf, CRL_REASON_KEY_COMPROMISE);
	rep = verify(cms, DOC, VALIDATE_REV_REQUIRE);
	ck_verdict(rep, 0, SIG_TOTAL_FAILED, SIG_SUB_REVOKED);
	ck_assert_int_eq(rep->signers[0].rev.reason,
	    CRL_REASON_KEY_COMPROMISE);
	ck_assert_int_eq(rep->signers[0].rev.revoked_at, (int64_t)p.now - 120);
	sig_report_free(rep);
	write_crl(p.leaf, CRL_REASON_CERTIFICATE_HOLD);
	rep = verify(cms, DOC, VALIDATE_REV_REQUIRE);
	ck_verdict(rep, 0, SIG_INDETERMINATE, SIG_SUB_TRY_LATER);
	ck_assert_int_eq(rep->signers[0].rev.status, KALIT_ERR_CERT_ON_HOLD);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_sigverify_worst_signer_decides)
{
	CMS_ContentInfo *cms = sign(p.leaf_key, p.leaf, DOC, 0);
	struct digest_set ds;
	const unsigned char *md;
	struct sig_report *rep;
	size_t mdlen, i;

	memset(&ds, 0, sizeof(ds));
	ck_assert_err(digest_set_add(&ds, EVP_sha256()), KALIT_OK);
	ck_assert_err(digest_buf(&ds, DOC, strlen(DOC)), KALIT_OK);
	md = digest_set_get(&ds, EVP_sha256(), &mdlen);
	ck_assert_err(cms_add_signer(cms, p.other_key, p.other, NULL, md,
	    mdlen, NULL), KALIT_OK);
	cms = reparse(cms, NULL);
	write_crl(p.other, CRL_REASON_SUPERSEDED);
	rep = verify(cms, DOC, VALIDATE_REV_REQUIRE);
	ck_assert_uint_eq(rep->n, 2);
	ck_assert_int_eq(rep->indication, SIG_TOTAL_FAILED);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(rep->signers[i].sub,
		    strcmp(rep->signers[i].id.field[IDENTITY_CN],
		    "Olim Karimov") == 0 ? SIG_SUB_REVOKED : SIG_SUB_NONE);
	ck_assert_err(sig_report_err(rep), KALIT_ERR_SIG_FAILED);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

/*
 * The issuing CA revoked by the root's CRL: every signer under it is
 * TOTAL-FAILED/REVOKED, at depth 1; without the root's CRL the CA's
 * status is unknown: INDETERMINATE/TRY_LATER.
 */
START_TEST(test_sigverify_revoked_issuing_ca)
{
	CMS_ContentInfo *cms = reparse(sign(p.leaf_key, p.leaf, DOC, 0), NULL);
	char path[PATH_MAX];
	struct sig_report *rep;
	json_t *j, *rev;

	write_crl(NULL, 0);
	rep = verify(cms, DOC, VALIDATE_REV_REQUIRE);
	ck_assert_int_eq(rep->indication, SIG_TOTAL_PASSED);
	sig_report_free(rep);
	write_crl_of(p.root, p.root_key, "root.crl", p.ca,
	    CRL_REASON_CA_COMPROMISE);
	rep = verify(cms, DOC, VALIDATE_REV_REQUIRE);
	ck_assert_int_eq(rep->signers[0].sub, SIG_SUB_REVOKED);
	ck_assert_int_eq(rep->signers[0].rev_depth, 1);
	ck_assert_ptr_nonnull(j = sig_report_json(rep));
	rev = json_object_get(json_array_get(json_object_get(j, "signers"), 0),
	    "revocation");
	ck_assert_int_eq(json_integer_value(json_object_get(rev, "depth")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(rev, "reason")),
	    "cACompromise");
	json_decref(j);
	sig_report_free(rep);
	tu_path(path, sizeof(path), p.crls, "root.crl");
	ck_assert_int_eq(unlink(path), 0);
	rep = verify(cms, DOC, VALIDATE_REV_REQUIRE);
	ck_assert_int_eq(rep->signers[0].sub, SIG_SUB_TRY_LATER);
	ck_assert_int_eq(rep->signers[0].rev_depth, 1);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_sigverify_json_report)
{
	CMS_ContentInfo *cms = reparse(sign(p.leaf_key, p.leaf, DOC, 0), NULL);
	struct sig_report *rep;
	json_t *j, *s, *rev;

	write_crl(p.leaf, CRL_REASON_KEY_COMPROMISE);
	rep = verify(cms, DOC, VALIDATE_REV_REQUIRE);
	ck_assert_ptr_nonnull(j = sig_report_json(rep));
	ck_assert_str_eq(json_string_value(json_object_get(j, "indication")),
	    "TOTAL-FAILED");
	ck_assert(json_is_true(json_object_get(j, "detached")));
	ck_assert_int_eq(json_string_length(json_object_get(j,
	    "document_sha256")), 64);
	s = json_array_get(json_object_get(j, "signers"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(s,
	    "sub_indication")), "REVOKED");
	ck_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(s, "signer"), "name")), "Vali Aliyev");
	ck_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(s, "signer"), "profile")), "citizen");
	ck_assert_int_eq(json_array_size(json_object_get(s, "chain")), 3);
	ck_assert(json_is_null(json_object_get(s, "timestamp")));
	ck_assert(json_is_null(json_object_get(json_object_get(s,
	    "revocation"), "after_timestamp")));
	rev = json_object_get(s, "revocation");
	ck_assert_str_eq(json_string_value(json_object_get(rev, "status")),
	    "revoked");
	ck_assert_str_eq(json_string_value(json_object_get(rev, "reason")),
	    "keyCompromise");
	ck_assert_str_eq(json_string_value(json_object_get(rev, "source")),
	    "crl");
	ck_assert_str_eq(json_string_value(json_object_get(s,
	    "signing_certificate_v2")), "valid");
	json_decref(j);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

/*
 * Adds to the first signer of cms a signature timestamp from tsa (key)
 * at t, over the signature value of the first signer of over (cms itself
 * when NULL: anything else grafts another signature's timestamp).
 */
static CMS_ContentInfo *
stamp(CMS_ContentInfo *cms, CMS_ContentInfo *over, X509 *tsa, EVP_PKEY *key,
    time_t t)
{
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms),
	    0);
	const ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(
	    sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(over != NULL ? over :
	    cms), 0));
	unsigned char *tok = NULL;
	size_t len = 0;

	tu_timestamp(tsa, key, NULL, ASN1_STRING_get0_data(sig),
	    (size_t)ASN1_STRING_length(sig), t, &tok, &len);
	ck_assert_err(cms_signer_add_timestamp(si, tok, len), KALIT_OK);
	OPENSSL_free(tok);
	return reparse(cms, NULL);
}

START_TEST(test_sigverify_timestamp_judges_the_certificate_then)
{
	CMS_ContentInfo *cms = stamp(sign(p.leaf_key, p.leaf, DOC, 1), NULL,
	    p.tsa, p.tsa_key, p.now - 60);
	struct sig_report *rep;
	const struct sig_signer *s;
	json_t *j, *ts;

	rep = verify(cms, NULL, VALIDATE_REV_OFF);
	ck_verdict(rep, 0, SIG_TOTAL_PASSED, SIG_SUB_NONE);
	s = &rep->signers[0];
	ck_assert_int_eq(s->ts.status, TSP_VALID);
	ck_assert_int_eq(s->ts.gen_time, (int64_t)p.now - 60);
	ck_assert_int_eq(s->cert_time, (int64_t)p.now - 60);
	ck_assert_ptr_nonnull(strstr(sig_signer_detail(s), "timestamp"));
	ck_assert_ptr_nonnull(j = sig_report_json(rep));
	s = NULL;
	ts = json_object_get(json_array_get(json_object_get(j, "signers"), 0),
	    "timestamp");
	ck_assert_str_eq(json_string_value(json_object_get(ts, "status")),
	    "valid");
	ck_assert_str_eq(json_string_value(json_object_get(ts, "policy")),
	    TU_TSA_POLICY);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ts,
	    "tsa"), "subject")), "CN=kalit TSA,C=UZ");
	ck_assert_int_eq(json_array_size(json_object_get(ts, "chain")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(ts, "time")),
	    json_string_value(json_object_get(json_array_get(json_object_get(j,
	    "signers"), 0), "best_signature_time")));
	json_decref(j);
	sig_report_free(rep);
	/*
	 * Three years on the signer's certificate has expired, but the
	 * timestamp proves the signature was made while it was valid.
	 */
	rep = verify_at(cms, NULL, VALIDATE_REV_OFF, 3 * 365 * DAY);
	ck_verdict(rep, 0, SIG_TOTAL_PASSED, SIG_SUB_NONE);
	ck_assert_int_eq(rep->signers[0].cert_time, (int64_t)p.now - 60);
	ck_assert_int_eq(rep->validation_time, (int64_t)p.now + 3 * 365 * DAY);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

START_TEST(test_sigverify_revoked_after_the_timestamp_passes)
{
	/* The CRL says revoked at now - 120. */
	CMS_ContentInfo *before = stamp(sign(p.leaf_key, p.leaf, DOC, 0), NULL,
	    p.tsa, p.tsa_key, p.now - 200);
	CMS_ContentInfo *after = stamp(sign(p.leaf_key, p.leaf, DOC, 0), NULL,
	    p.tsa, p.tsa_key, p.now - 120);
	struct sig_report *rep;
	json_t *j, *rev;

	write_crl(p.leaf, CRL_REASON_KEY_COMPROMISE);
	rep = verify(before, DOC, VALIDATE_REV_REQUIRE);
	ck_verdict(rep, 0, SIG_TOTAL_PASSED, SIG_SUB_NONE);
	ck_assert_int_eq(rep->signers[0].rev.status, KALIT_ERR_CERT_REVOKED);
	ck_assert_int_eq(rep->signers[0].revoked_after_ts, 1);
	ck_assert_ptr_nonnull(strstr(sig_signer_detail(&rep->signers[0]),
	    "before its certificate was revoked"));
	ck_assert_ptr_nonnull(j = sig_report_json(rep));
	rev = json_object_get(json_array_get(json_object_get(j, "signers"), 0),
	    "revocation");
	ck_assert_str_eq(json_string_value(json_object_get(rev, "status")),
	    "revoked");
	ck_assert(json_is_true(json_object_get(rev, "after_timestamp")));
	json_decref(j);
	sig_report_free(rep);
	/* Timestamped at the second of the revocation: too late. */
	rep = verify(after, DOC, VALIDATE_REV_REQUIRE);
	ck_verdict(rep, 0, SIG_TOTAL_FAILED, SIG_SUB_REVOKED);
	ck_assert_int_eq(rep->signers[0].revoked_after_ts, 0);
	ck_assert_ptr_nonnull(strstr(sig_signer_detail(&rep->signers[0]),
	    "at or before"));
	ck_assert_ptr_nonnull(j = sig_report_json(rep));
	rev = json_object_get(json_array_get(json_object_get(j, "signers"), 0),
	    "revocation");
	ck_assert(json_is_false(json_object_get(rev, "after_timestamp")));
	json_decref(j);
	sig_report_free(rep);
	CMS_ContentInfo_free(before);
	CMS_ContentInfo_free(after);
}
END_TEST

START_TEST(test_sigverify_timestamp_over_other_data_fails)
{
	CMS_ContentInfo *other = sign(p.other_key, p.other, DOC, 0);
	CMS_ContentInfo *cms = stamp(sign(p.leaf_key, p.leaf, DOC, 0), other,
	    p.tsa, p.tsa_key, p.now);
	struct sig_report *rep = verify(cms, DOC, VALIDATE_REV_OFF);

	ck_verdict(rep, 0, SIG_TOTAL_FAILED, SIG_SUB_TS_HASH_FAILURE);
	ck_assert_str_eq(sig_sub_name(rep->signers[0].sub), "HASH_FAILURE");
	ck_assert_int_eq(rep->signers[0].ts.status, TSP_IMPRINT);
	ck_assert_int_eq(rep->signers[0].cert_time, (int64_t)p.now);
	ck_assert_ptr_nonnull(strstr(sig_signer_detail(&rep->signers[0]),
	    "other data"));
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	CMS_ContentInfo_free(other);
}
END_TEST

START_TEST(test_sigverify_timestamp_failures)
{
	X509 *stranger_root = NULL, *stranger_tsa;
	EVP_PKEY *stranger_key = NULL, *k = tu_key(KEY_TYPE_P256);
	CMS_ContentInfo *cms;
	struct sig_report *rep;
	CMS_SignerInfo *si;

	tu_make_ca(KEY_TYPE_P256, "Other Root", &stranger_root, &stranger_key);
	stranger_tsa = issue("tsa", "Stranger TSA", k, stranger_root,
	    stranger_key, NULL, p.now - 300, 0);
	cms = stamp(sign(p.leaf_key, p.leaf, DOC, 1), NULL, stranger_tsa, k,
	    p.now);
	rep = verify(cms, NULL, VALIDATE_REV_REQUIRE);
	ck_verdict(rep, 0, SIG_INDETERMINATE,
	    SIG_SUB_TS_NO_CERTIFICATE_CHAIN_FOUND);
	ck_assert_int_eq(rep->signers[0].rev_asked, 0);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	/* A SEQUENCE that is no token. */
	cms = sign(p.leaf_key, p.leaf, DOC, 1);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	ck_assert_err(cms_signer_add_timestamp(si, (const unsigned char *)
	    "\x30\x03\x02\x01\x01", 5), KALIT_OK);
	cms = reparse(cms, NULL);
	rep = verify(cms, NULL, VALIDATE_REV_OFF);
	ck_verdict(rep, 0, SIG_TOTAL_FAILED, SIG_SUB_TS_FORMAT_FAILURE);
	ck_assert_int_eq(rep->signers[0].ts.status, TSP_MALFORMED);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	X509_free(stranger_root);
	X509_free(stranger_tsa);
	EVP_PKEY_free(stranger_key);
	EVP_PKEY_free(k);
}
END_TEST

/* The same policy as a login's (cms_signer_check()), in ETSI terms. */
START_TEST(test_sigverify_algorithm_and_attribute_policy)
{
	static const struct { int ct, sig; enum sig_sub want; } cases[] = {
		{ NID_pkcs7_data, NID_undef, SIG_SUB_NONE },
		{ NID_id_smime_ct_TSTInfo, NID_undef, SIG_SUB_FORMAT_FAILURE },
		{ NID_pkcs7_data, NID_ecdsa_with_SHA384,
		    SIG_SUB_FORMAT_FAILURE },
		{ NID_pkcs7_data, NID_ecdsa_with_SHA1,
		    SIG_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE },
	};
	CMS_ContentInfo *cms;
	struct sig_report *rep;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cms = sign_by_hand(p.leaf, cases[i].ct, cases[i].sig, NULL);
		rep = verify(cms, DOC, VALIDATE_REV_OFF);
		ck_verdict(rep, 0, sig_sub_indication(cases[i].want),
		    cases[i].want);
		sig_report_free(rep);
		CMS_ContentInfo_free(cms);
	}
	cms = openssl_sign(EVP_sha1(), 0);
	rep = verify(cms, NULL, VALIDATE_REV_OFF);
	ck_verdict(rep, 0, SIG_INDETERMINATE,
	    SIG_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE);
	ck_assert_str_eq(rep->signers[0].digest_alg, "sha1");
	ck_assert_ptr_nonnull(strstr(sig_signer_detail(&rep->signers[0]),
	    "digest or signature algorithm"));
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}
END_TEST

/* A certificate for key under the citizen CA: profile text, subject. */
static X509 *
issue_as(const char *profile_text, X509_NAME *name, EVP_PKEY *key)
{
	struct profile *prof = NULL;
	char path[PATH_MAX];
	X509 *cert;

	tu_path(path, sizeof(path), p.work, "custom.conf");
	tu_write_file(path, profile_text, strlen(profile_text));
	ck_assert_err(profile_load(p.work, "custom", &prof), KALIT_OK);
	cert = issue_with(prof, name, key, p.ca, p.ca_key, NULL, p.now - 300,
	    0);
	profile_free(prof);
	return cert;
}

/* The verdict on DOC signed attached by key and cert. */
static void
assert_signer(EVP_PKEY *key, X509 *cert, enum sig_sub want, const char *in)
{
	CMS_ContentInfo *cms = reparse(sign(key, cert, DOC, 1), NULL);
	struct sig_report *rep = verify(cms, NULL, VALIDATE_REV_OFF);
	json_t *j;

	ck_verdict(rep, 0, sig_sub_indication(want), want);
	if (in != NULL)
		ck_assert_msg(strstr(sig_signer_detail(&rep->signers[0]), in) !=
		    NULL, "detail \"%s\" lacks \"%s\"",
		    sig_signer_detail(&rep->signers[0]), in);
	ck_assert_ptr_nonnull(j = sig_report_json(rep));
	json_decref(j);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
}

START_TEST(test_sigverify_certificates_a_ca_should_not_issue)
{
	static const char leaf[] = "[profile]\nkind = end-entity\ndays = 30\n"
	    "key_usage = critical, digitalSignature, nonRepudiation\n"
	    "extended_key_usage = emailProtection\n"
	    "subject = cn, pinfl\nkey_types = p256, rsa3072\n";
	static const char ca_leaf[] = "[profile]\nkind = ca\ndays = 30\n"
	    "basic_constraints = critical, CA:TRUE\n"
	    "key_usage = critical, digitalSignature, nonRepudiation\n"
	    "subject = cn\n";
	EVP_PKEY *k = tu_key(KEY_TYPE_P256), *rsa = tu_key(KEY_TYPE_RSA3072);
	X509_NAME *name = tu_name("Vali Aliyev");
	struct sig_report *rep;
	CMS_ContentInfo *cms;
	X509 *x;

	x = issue_as(ca_leaf, name, k);
	assert_signer(k, x, SIG_SUB_CA_CERTIFICATE, "CA certificate");
	ck_assert_str_eq(sig_sub_name(SIG_SUB_CA_CERTIFICATE),
	    "CHAIN_CONSTRAINTS_FAILURE");
	X509_free(x);
	x = issue_as(leaf, name, rsa);
	assert_signer(rsa, x, SIG_SUB_NONE, NULL);
	min_rsa_bits = 4096;
	assert_signer(rsa, x, SIG_SUB_KEY_WEAK, "weaker");
	ck_assert_str_eq(sig_sub_name(SIG_SUB_KEY_WEAK),
	    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE");
	min_rsa_bits = 0;
	X509_free(x);
	/* two PINFLs: who signed is not shown, and the signer is refused */
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, IDENTITY_OID_PINFL,
	    MBSTRING_UTF8, (const unsigned char *)"31507953320052", -1, -1, 0),
	    1);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, IDENTITY_OID_PINFL,
	    MBSTRING_UTF8, (const unsigned char *)"31507953320053", -1, -1, 0),
	    1);
	x = issue_as(leaf, name, k);
	assert_signer(k, x, SIG_SUB_IDENTITY, "given twice");
	cms = reparse(sign(k, x, DOC, 1), NULL);
	rep = verify(cms, NULL, VALIDATE_REV_OFF);
	ck_assert_err(rep->signers[0].id_err, KALIT_ERR_CERT_IDENTITY);
	ck_assert_ptr_null(rep->signers[0].id.field[IDENTITY_CN]);
	ck_assert_ptr_null(rep->signers[0].id.field[IDENTITY_PINFL]);
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	X509_free(x);
	X509_NAME_free(name);
	EVP_PKEY_free(k);
	EVP_PKEY_free(rsa);
}
END_TEST

START_TEST(test_sigverify_names)
{
	int s;

	ck_assert_str_eq(sig_indication_name(SIG_INDETERMINATE),
	    "INDETERMINATE");
	ck_assert_ptr_null(sig_sub_name(SIG_SUB_NONE));
	for (s = 1; s < SIG_SUB__MAX; s++) {
		ck_assert_ptr_nonnull(sig_sub_name(s));
		ck_assert_int_gt(strlen(sig_sub_text(s)), 20);
		ck_assert_int_ne(sig_sub_indication(s), SIG_TOTAL_PASSED);
	}
	ck_assert_int_eq(sig_sub_indication(SIG_SUB_REVOKED), SIG_TOTAL_FAILED);
	ck_assert_int_eq(sig_sub_indication(SIG_SUB_TRY_LATER),
	    SIG_INDETERMINATE);
}
END_TEST

static Suite *
sigverify_suite(void)
{
	Suite *s = suite_create("sigverify");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    test_sigverify_good_signature_passes_with_crl_evidence);
	tcase_add_test(tc, test_sigverify_other_document_is_hash_failure);
	tcase_add_test(tc,
	    test_sigverify_altered_signed_attribute_is_sig_crypto_failure);
	tcase_add_test(tc,
	    test_sigverify_swapped_certificate_is_sig_crypto_failure);
	tcase_add_test(tc, test_sigverify_plain_openssl_signature_passes);
	tcase_add_test(tc, test_sigverify_sha384_needs_the_document);
	tcase_add_test(tc, test_sigverify_structure_failures);
	tcase_add_test(tc, test_sigverify_no_signer_is_malformed);
	tcase_add_test(tc, test_sigverify_signers_capped);
	tcase_add_test(tc, test_sigverify_certificate_verdicts);
	tcase_add_test(tc, test_sigverify_revocation_verdicts);
	tcase_add_test(tc, test_sigverify_worst_signer_decides);
	tcase_add_test(tc, test_sigverify_json_report);
	tcase_add_test(tc,
	    test_sigverify_timestamp_judges_the_certificate_then);
	tcase_add_test(tc, test_sigverify_revoked_after_the_timestamp_passes);
	tcase_add_test(tc, test_sigverify_revoked_issuing_ca);
	tcase_add_test(tc, test_sigverify_timestamp_over_other_data_fails);
	tcase_add_test(tc, test_sigverify_timestamp_failures);
	tcase_add_test(tc, test_sigverify_algorithm_and_attribute_policy);
	tcase_add_test(tc, test_sigverify_certificates_a_ca_should_not_issue);
	tcase_add_test(tc, test_sigverify_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_sigverify", -1);
	return tu_run(sigverify_suite());
}
