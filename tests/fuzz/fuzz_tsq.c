/*
 * fuzz_tsq.c: an RFC 3161 TimeStampReq from anyone who can reach
 * kalitd's TSA (POST /v1/timestamp), answered by tsa_answer() with a TSA
 * key file made at startup
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "conf.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"
#include "tsa.h"
#include "tsp.h"

#define POLICY	"1.3.6.1.4.1.99999.1.1"
#define PASS	"fuzz"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	struct tsa	*tsa;
	X509_STORE	*store;		/* the root */
	X509		*cert;		/* the TSA's */
	ASN1_OBJECT	*policy;
	uint64_t	 serial;	/* the last one given */
	char		 dir[32];	/* the key file, the database */
} fz;

/*
 * A certificate for key named cn, issued by ca with ca_key (self-signed
 * when ca is NULL), with the extensions of exts (name, value pairs of
 * x509v3_config(5), NULL-terminated).
 */
static X509 *
cert_new(const char *cn, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key,
    long serial, const char *const *exts)
{
	X509_EXTENSION *ext;
	X509_NAME *name = NULL;
	X509V3_CTX ctx;
	X509 *x;
	int i, ok;

	ok = (x = X509_new()) != NULL && (name = X509_NAME_new()) != NULL &&
	    X509_set_version(x, X509_VERSION_3) &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) &&
	    X509_set_subject_name(x, name) &&
	    X509_set_issuer_name(x, ca != NULL ? X509_get_subject_name(ca) :
	    name) &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400) &&
	    X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, ca != NULL ? ca : x, x, NULL, NULL, 0);
	for (i = 0; ok && exts[i] != NULL; i += 2) {
		ok = (ext = X509V3_EXT_nconf(NULL, &ctx, exts[i],
		    exts[i + 1])) != NULL && X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	ok = ok && X509_sign(x, ca_key != NULL ? ca_key : key,
	    EVP_sha256()) > 0;
	X509_NAME_free(name);
	if (!ok)
		abort();
	return x;
}

/* dir/name into path. */
static void
path_of(char *path, size_t len, const char *name)
{
	if ((size_t)snprintf(path, len, "%s/%s", fz.dir, name) >= len)
		abort();
}

/* The TSA key file, as kalit-ca's tsa profile makes one: fz.dir/tsa.p12. */
static void
key_file(const char *path)
{
	static const char *const root_ext[] = {
		"basicConstraints", "critical,CA:TRUE",
		"keyUsage", "critical,keyCertSign,cRLSign",
		"subjectKeyIdentifier", "hash", NULL
	};
	static const char *const tsa_ext[] = {
		"basicConstraints", "critical,CA:FALSE",
		"keyUsage", "critical,digitalSignature,nonRepudiation",
		"extendedKeyUsage", "critical,timeStamping",
		"authorityKeyIdentifier", "keyid:always", NULL
	};
	EVP_PKEY *root_key = NULL, *key = NULL;
	STACK_OF(X509) *chain;
	unsigned char *der = NULL;
	X509 *root;
	size_t len;
	FILE *f;

	if (key_generate(KEY_TYPE_P256, &root_key) != KALIT_OK ||
	    key_generate(KEY_TYPE_P256, &key) != KALIT_OK)
		abort();
	root = cert_new("Fuzz TSA Root", root_key, NULL, NULL, 1, root_ext);
	fz.cert = cert_new("Fuzz TSA", key, root, root_key, 2, tsa_ext);
	if ((fz.store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(fz.store, root) != 1 ||
	    (chain = sk_X509_new_null()) == NULL ||
	    !X509_add_cert(chain, root, X509_ADD_FLAG_UP_REF) ||
	    keyfile_p12_encode(PASS, "Fuzz TSA", key, fz.cert, chain, 0, &der,
	    &len) != KALIT_OK ||
	    (f = fopen(path, "wx")) == NULL ||
	    fwrite(der, 1, len, f) != len || fclose(f) != 0)
		abort();
	sk_X509_pop_free(chain, X509_free);
	OPENSSL_free(der);
	X509_free(root);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(key);
}

/* At exit: the TSA's database goes with its directory. */
static void
cleanup(void)
{
	static const char *const names[] = {
		"kalitd.db", "kalitd.db-wal", "kalitd.db-shm",
		"kalitd.db-journal"
	};
	char path[64];
	size_t i;

	tsa_free(fz.tsa);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_of(path, sizeof(path), names[i]);
		unlink(path);
	}
	rmdir(fz.dir);
}

/*
 * A TSA on a key file and a database in a directory of its own; the key
 * file is gone once loaded. The first answer, to kalit's own request,
 * takes the first block of serials (and creates the database). Every
 * TSA_SERIAL_BLOCK granted requests later another block is taken: the
 * input that happens to be granted then reaches the database's code.
 */
static void
tsa_init(void)
{
	struct tsp_req *req;
	struct config cfg;
	unsigned char *q, *a, *tok;
	size_t qlen, alen, toklen;
	char key[64], db[64];
	int64_t t;

	snprintf(fz.dir, sizeof(fz.dir), "/tmp/fuzz_tsq.XXXXXX");
	if (mkdtemp(fz.dir) == NULL)
		abort();
	atexit(cleanup);
	path_of(key, sizeof(key), "tsa.p12");
	path_of(db, sizeof(db), "kalitd.db");
	key_file(key);
	memset(&cfg, 0, sizeof(cfg));
	cfg.tsa_key_file = key;
	cfg.tsa_policy = POLICY;
	cfg.tsa_accuracy = 1;
	cfg.database = db;
	if (tsa_new(&cfg, PASS, &fz.tsa) != KALIT_OK)
		abort();
	unlink(key);
	if ((fz.policy = OBJ_txt2obj(POLICY, 1)) == NULL ||
	    tsp_request_new("fuzz", 4, &req, &q, &qlen) != KALIT_OK ||
	    tsa_answer(fz.tsa, q, qlen, &a, &alen) != KALIT_OK ||
	    tsp_reply_check(req, a, alen, &tok, &toklen, &t) != KALIT_OK)
		abort();
	tsp_request_free(req);
	OPENSSL_free(q);
	OPENSSL_free(tok);
	free(a);
}

/* The request parsed as tsa_answer() takes it: all the bytes, or NULL. */
static TS_REQ *
query_of(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	TS_REQ *q;

	if (size > TSA_REQUEST_MAX ||
	    (q = d2i_TS_REQ(NULL, &p, (long)size)) == NULL)
		return NULL;
	if (p != data + size) {
		TS_REQ_free(q);
		return NULL;
	}
	return q;
}

/*
 * 1 when q is one tsa.h promises to grant: version 1, a SHA-256, 384 or
 * 512 imprint of its size (no parameter but NULL), no policy or ours,
 * and no extension (OpenSSL's responder knows none).
 */
static int
acceptable(TS_REQ *q)
{
	const ASN1_OBJECT *oid, *policy;
	const EVP_MD *md;
	TS_MSG_IMPRINT *mi;
	const void *param;
	int ptype;

	if (q == NULL || TS_REQ_get_version(q) != 1 ||
	    TS_REQ_get_ext_count(q) != 0)
		return 0;
	mi = TS_REQ_get_msg_imprint(q);
	X509_ALGOR_get0(&oid, &ptype, &param, TS_MSG_IMPRINT_get_algo(mi));
	switch (OBJ_obj2nid(oid)) {
	case NID_sha256:
		md = EVP_sha256();
		break;
	case NID_sha384:
		md = EVP_sha384();
		break;
	case NID_sha512:
		md = EVP_sha512();
		break;
	default:
		return 0;
	}
	if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL)
		return 0;	/* no digest takes a parameter */
	if (ASN1_STRING_length(TS_MSG_IMPRINT_get_msg(mi)) !=
	    EVP_MD_get_size(md))
		return 0;
	policy = TS_REQ_get_policy_id(q);
	return policy == NULL || OBJ_cmp(policy, fz.policy) == 0;
}

/*
 * A granted answer is a token over q's imprint with q's nonce, under our
 * policy, signed by the TSA (chain to the root, ESS signing certificate),
 * with a serial never given before.
 */
static void
granted(TS_REQ *q, TS_RESP *resp)
{
	TS_VERIFY_CTX *v;
	TS_TST_INFO *tst = TS_RESP_get_tst_info(resp);
	STACK_OF(X509) *certs = sk_X509_new_null();
	const ASN1_INTEGER *qn = TS_REQ_get_nonce(q);
	const ASN1_INTEGER *tn = TS_TST_INFO_get_nonce(tst);
	uint64_t serial;

	if (tst == NULL || certs == NULL ||
	    OBJ_cmp(TS_TST_INFO_get_policy_id(tst), fz.policy) != 0 ||
	    (qn == NULL) != (tn == NULL) ||
	    (qn != NULL && ASN1_INTEGER_cmp(qn, tn) != 0) ||
	    ASN1_INTEGER_get_uint64(&serial,
	    TS_TST_INFO_get_serial(tst)) != 1 || serial <= fz.serial)
		abort();
	fz.serial = serial;
	/* Imprint, nonce, version, signer: OpenSSL's client checks. */
	if ((v = TS_REQ_to_TS_VERIFY_CTX(q, NULL)) == NULL ||
	    !X509_add_cert(certs, fz.cert, X509_ADD_FLAG_UP_REF) ||
	    X509_STORE_up_ref(fz.store) != 1)
		abort();
	TS_VERIFY_CTX_add_flags(v, TS_VFY_SIGNATURE);
	TS_VERIFY_CTX_set_store(v, fz.store);	/* takes the reference */
	TS_VERIFY_CTX_set_certs(v, certs);	/* takes the stack */
	if (TS_RESP_verify_response(v, resp) != 1)
		abort();
	TS_VERIFY_CTX_free(v);
}

/*
 * A rejection has no token and names failures that tsa.h lists for a
 * request (addInfoNotAvailable would be the database failing: a fault).
 */
static void
rejected(TS_RESP *resp)
{
	static const int allowed[] = {
		TS_INFO_BAD_ALG, TS_INFO_BAD_REQUEST, TS_INFO_BAD_DATA_FORMAT,
		TS_INFO_UNACCEPTED_POLICY, TS_INFO_UNACCEPTED_EXTENSION
	};
	const ASN1_BIT_STRING *fail = TS_STATUS_INFO_get0_failure_info(
	    TS_RESP_get_status_info(resp));
	size_t i;
	int bit, known;

	if (TS_RESP_get_token(resp) != NULL || fail == NULL)
		abort();
	for (bit = 0; bit < ASN1_STRING_length(fail) * 8; bit++) {
		if (!ASN1_BIT_STRING_get_bit(fail, bit))
			continue;
		for (known = 0, i = 0; i < sizeof(allowed) / sizeof(allowed[0]);
		    i++)
			known |= allowed[i] == bit;
		if (!known)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p;
	unsigned char *der;
	TS_RESP *resp;
	TS_REQ *q;
	size_t len;
	long status;

	log_init("fuzz_tsq", -1);
	if (fz.tsa == NULL)
		tsa_init();
	/* Every request is answered, with one DER TimeStampResp. */
	if (tsa_answer(fz.tsa, data, size, &der, &len) != KALIT_OK)
		abort();
	p = der;
	if ((resp = d2i_TS_RESP(NULL, &p, (long)len)) == NULL ||
	    p != der + len)
		abort();
	q = query_of(data, size);
	status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(
	    TS_RESP_get_status_info(resp)));
	if (status != (acceptable(q) ? TS_STATUS_GRANTED :
	    TS_STATUS_REJECTION))
		abort();
	if (status == TS_STATUS_GRANTED)
		granted(q, resp);
	else
		rejected(resp);
	TS_REQ_free(q);
	TS_RESP_free(resp);
	free(der);
	ERR_clear_error();
	return 0;
}
