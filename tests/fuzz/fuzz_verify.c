/*
 * fuzz_verify.c: a signature to verify, from anyone (kalit verify), or a
 * POST /v1/verify body (an input that starts with '{')
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cms.h"
#include "digest.h"
#include "err.h"
#include "log.h"
#include "sigverify.h"
#include "state.h"
#include "validate.h"
#include "verify.h"

/* Detached signatures in the corpus sign this. */
#define FUZZ_DOCUMENT	"kalit fuzz document\n"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A self-signed CA certificate on a new key, or NULL. */
static X509 *
fuzz_root(void)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509_EXTENSION *ext = NULL;
	X509_NAME *name = NULL;
	X509 *x = X509_new();
	int ok;

	ok = key != NULL && x != NULL && (name = X509_NAME_new()) != NULL &&
	    X509_set_version(x, X509_VERSION_3) &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"Fuzz Root", -1, -1, 0) &&
	    X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) &&
	    X509_set_pubkey(x, key) &&
	    (ext = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
	    "critical,CA:TRUE")) != NULL && X509_add_ext(x, ext, -1) &&
	    X509_sign(x, key, EVP_sha256()) > 0;
	X509_EXTENSION_free(ext);
	X509_NAME_free(name);
	EVP_PKEY_free(key);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/*
 * A validator trusting a root of its own, without revocation checking:
 * no input reaches the network. The trust directory is gone once loaded.
 */
static struct validator *
fuzz_validator(void)
{
	struct validate_config cfg;
	struct validator *v = NULL;
	char dir[] = "/tmp/fuzz_verify.XXXXXX", path[sizeof(dir) + 16];
	X509 *root;
	FILE *f;

	if ((root = fuzz_root()) == NULL || mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/root.pem", dir);
	if ((f = fopen(path, "w")) == NULL || !PEM_write_X509(f, root) ||
	    fclose(f) != 0)
		abort();
	memset(&cfg, 0, sizeof(cfg));
	cfg.trust_dir = dir;
	cfg.rev_mode = VALIDATE_REV_OFF;
	if (validator_new(&cfg, &v) != KALIT_OK)
		abort();
	unlink(path);
	rmdir(dir);
	X509_free(root);
	return v;
}

/* What kalitd's POST /v1/verify does with the body, authenticated. */
static void
fuzz_api(struct validator *v, const uint8_t *data, size_t size)
{
	static struct config cfg;
	struct kalitd d;
	struct state st;
	const char *why;
	json_t *report = NULL;
	char *s;

	cfg.verify_max_body = CONFIG_VERIFY_BODY_DEFAULT;
	memset(&d, 0, sizeof(d));
	d.cfg = &cfg;
	memset(&st, 0, sizeof(st));
	st.validator = v;
	if (verify_request(&d, &st, (const char *)data, size,
	    (int64_t)time(NULL), &report, &why) == KALIT_OK &&
	    (s = json_dumps(report, JSON_COMPACT)) != NULL)
		free(s);
	json_decref(report);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct validator *v;
	struct sigverify_config cfg;
	struct sig_report *rep = NULL;
	CMS_ContentInfo *cms = NULL;
	struct digest_set ds;
	const unsigned char *content;
	size_t len;
	json_t *j;
	char *s;

	log_init("fuzz_verify", -1);
	if (v == NULL)
		v = fuzz_validator();
	if (size > 0 && data[0] == '{') {
		fuzz_api(v, data, size);
		goto out;
	}
	memset(&ds, 0, sizeof(ds));
	if (cms_parse_signed(data, size, &cms) != KALIT_OK ||
	    cms_digest_algs(cms, &ds) != KALIT_OK)
		goto out;
	if (cms_content(cms, &content, &len) == KALIT_OK)
		digest_buf(&ds, content, len);
	else
		digest_buf(&ds, FUZZ_DOCUMENT, strlen(FUZZ_DOCUMENT));
	memset(&cfg, 0, sizeof(cfg));
	cfg.validator = v;
	cfg.now = (int64_t)time(NULL);
	if (sigverify_run(&cfg, cms, &ds, &rep) == KALIT_OK) {
		sig_report_err(rep);
		if ((j = sig_report_json(rep)) != NULL &&
		    (s = json_dumps(j, JSON_COMPACT)) != NULL)
			free(s);
		json_decref(j);
	}
 out:
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return 0;
}
