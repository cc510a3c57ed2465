/* crl.c: certificate revocation lists (RFC 5280 section 5) */
#include "crl.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

struct crl {
	X509		*ca;
	X509_CRL	*crl;
	BIGNUM		*bn;		/* scratch for serials */
};

#define REASON_COUNT	11	/* unspecified .. aACompromise */

static const char *const reason_names[REASON_COUNT] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", NULL,
	"removeFromCRL", "privilegeWithdrawn", "aACompromise"
};

int
crl_reason_parse(const char *name, int *reasonp)
{
	int i;

	for (i = 0; i < REASON_COUNT; i++)
		if (reason_names[i] != NULL && strcmp(name, reason_names[i]) == 0) {
			*reasonp = i;
			return KALIT_OK;
		}
	return KALIT_ERR_REASON;
}

const char *
crl_reason_name(int reason)
{
	if (reason < 0 || reason >= REASON_COUNT ||
	    reason_names[reason] == NULL)
		return "unknown";
	return reason_names[reason];
}

int
crl_new(X509 *ca, int64_t number, time_t this_update, time_t next_update,
    struct crl **crlp)
{
	struct crl *c;
	ASN1_TIME *t = NULL;
	ASN1_INTEGER *num = NULL;
	X509_EXTENSION *aki = NULL;
	X509V3_CTX ctx;
	int ok;

	*crlp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return KALIT_ERR_NOMEM;
	c->ca = ca;
	ok = (c->crl = X509_CRL_new()) != NULL &&
	    (c->bn = BN_new()) != NULL &&
	    X509_CRL_set_version(c->crl, X509_CRL_VERSION_2) &&
	    X509_CRL_set_issuer_name(c->crl, X509_get_subject_name(ca)) &&
	    (t = ASN1_TIME_set(NULL, this_update)) != NULL &&
	    X509_CRL_set1_lastUpdate(c->crl, t) &&
	    ASN1_TIME_set(t, next_update) != NULL &&
	    X509_CRL_set1_nextUpdate(c->crl, t) &&
	    (num = ASN1_INTEGER_new()) != NULL &&
	    ASN1_INTEGER_set_int64(num, number) &&
	    X509_CRL_add1_ext_i2d(c->crl, NID_crl_number, num, 0, 0);
	if (ok) {
		X509V3_set_ctx(&ctx, ca, NULL, NULL, c->crl, 0);
		aki = X509V3_EXT_nconf_nid(NULL, &ctx,
		    NID_authority_key_identifier, "keyid:always");
		ok = aki != NULL && X509_CRL_add_ext(c->crl, aki, -1);
	}
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(num);
	X509_EXTENSION_free(aki);
	if (!ok) {
		log_ssl(LOG_LEVEL_ERROR, "X509_CRL_*");
		crl_free(c);
		return KALIT_ERR_INTERNAL;
	}
	*crlp = c;
	return KALIT_OK;
}

int
crl_add(struct crl *c, const char *serial_hex, time_t revoked_at, int reason)
{
	X509_REVOKED *rev;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *t = NULL;
	ASN1_ENUMERATED *code = NULL;
	int ok;

	if (*serial_hex == '\0' ||
	    BN_hex2bn(&c->bn, serial_hex) != (int)strlen(serial_hex) ||
	    BN_is_negative(c->bn))
		return KALIT_ERR_MALFORMED;
	if (reason >= 0 && strcmp(crl_reason_name(reason), "unknown") == 0)
		return KALIT_ERR_REASON;
	if ((rev = X509_REVOKED_new()) == NULL)
		return KALIT_ERR_NOMEM;
	ok = (serial = BN_to_ASN1_INTEGER(c->bn, NULL)) != NULL &&
	    X509_REVOKED_set_serialNumber(rev, serial) &&
	    (t = ASN1_TIME_set(NULL, revoked_at)) != NULL &&
	    X509_REVOKED_set_revocationDate(rev, t);
	if (ok && reason > CRL_REASON_UNSPECIFIED) {
		ok = (code = ASN1_ENUMERATED_new()) != NULL &&
		    ASN1_ENUMERATED_set(code, reason) &&
		    X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, code, 0, 0);
	}
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(t);
	ASN1_ENUMERATED_free(code);
	if (!ok || !X509_CRL_add0_revoked(c->crl, rev)) {
		X509_REVOKED_free(rev);
		log_ssl(LOG_LEVEL_ERROR, "X509_CRL_add0_revoked");
		return KALIT_ERR_NOMEM;
	}
	return KALIT_OK;
}

int
crl_sign(struct crl *c, EVP_PKEY *ca_key, unsigned char **derp, size_t *lenp)
{
	int len;

	*derp = NULL;
	*lenp = 0;
	if (!X509_CRL_sort(c->crl) ||
	    X509_CRL_sign(c->crl, ca_key, key_sign_md(ca_key)) <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "X509_CRL_sign");
		return KALIT_ERR_INTERNAL;
	}
	if ((len = i2d_X509_CRL(c->crl, derp)) <= 0) {
		log_ssl(LOG_LEVEL_ERROR, "i2d_X509_CRL");
		return KALIT_ERR_INTERNAL;
	}
	*lenp = (size_t)len;
	return KALIT_OK;
}

void
crl_free(struct crl *c)
{
	if (c == NULL)
		return;
	X509_CRL_free(c->crl);
	BN_free(c->bn);
	free(c);
}

int
crl_to_pem(const unsigned char *der, size_t len, char **pemp)
{
	const unsigned char *p = der;
	X509_CRL *crl;
	BIO *mem = NULL;
	char *data;
	long n;
	int r = KALIT_ERR_INTERNAL;

	*pemp = NULL;
	if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) == NULL)
		return KALIT_ERR_MALFORMED;
	if ((mem = BIO_new(BIO_s_mem())) != NULL &&
	    PEM_write_bio_X509_CRL(mem, crl)) {
		n = BIO_get_mem_data(mem, &data);
		*pemp = strndup(data, (size_t)n);
		r = *pemp != NULL ? KALIT_OK : KALIT_ERR_NOMEM;
	}
	BIO_free(mem);
	X509_CRL_free(crl);
	return r;
}
