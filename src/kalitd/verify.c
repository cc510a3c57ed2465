/* verify.c: POST /v1/verify: the report kalit verify prints, as a service */
#include "config.h"
#include "verify.h"
#include "base64.h"
#include "cms.h"
#include "digest.h"
#include "err.h"
#include "log.h"
#include "sigverify.h"

#include <stdlib.h>
#include <string.h>

/* A request body, parsed; strings borrowed from json. */
struct verify_req {
	json_t		*json;
	const char	*signature, *document, *digest;
	size_t		 sig_len, doc_len;
};

/* The JSON object and its members: KALIT_ERR_MALFORMED for anything else. */
static int
verify_parse(const char *body, size_t len, struct verify_req *vr,
    const char **whyp)
{
	json_error_t e;

	memset(vr, 0, sizeof(*vr));
	*whyp = "the body is not a JSON object with a string member "
	    "signature and at most one of document and digest; see "
	    "docs/api.md";
	if ((vr->json = json_loadb(body, len, JSON_REJECT_DUPLICATES,
	    &e)) == NULL || json_unpack_ex(vr->json, &e, JSON_STRICT,
	    "{s:s%, s?s%, s?s}", "signature", &vr->signature, &vr->sig_len,
	    "document", &vr->document, &vr->doc_len, "digest",
	    &vr->digest) != 0)
		return KALIT_ERR_MALFORMED;
	if (vr->document != NULL && vr->digest != NULL) {
		*whyp = "give the document or its digest, not both";
		return KALIT_ERR_MALFORMED;
	}
	return KALIT_OK;
}

/*
 * The document's digests: the content an attached signature carries,
 * the document (base64, decoded into *docp) hashed, or the digest.
 */
static int
verify_digests(const struct verify_req *vr, CMS_ContentInfo *cms,
    size_t max, struct digest_set *ds, unsigned char **docp,
    const char **whyp)
{
	const unsigned char *data;
	size_t len = 0;
	int r;

	if (cms_content(cms, &data, &len) == KALIT_OK) {
		*whyp = "the signature carries its document: send neither "
		    "document nor digest";
		if (vr->document != NULL || vr->digest != NULL)
			return KALIT_ERR_MALFORMED;
	} else if (vr->digest != NULL) {
		*whyp = kalit_strerror(KALIT_ERR_DIGEST_INVALID);
		if (digest_set_hex(ds, EVP_sha256(), vr->digest) != KALIT_OK)
			return KALIT_ERR_DIGEST_INVALID;
		return KALIT_OK;
	} else if (vr->document == NULL) {
		*whyp = "the signature is detached: send the document, or its "
		    "SHA-256 as digest";
		return KALIT_ERR_CONTENT_MISSING;
	} else if (vr->doc_len > 0) {
		if ((r = base64_decode(vr->document, vr->doc_len, max, docp,
		    &len)) == KALIT_ERR_MALFORMED) {
			*whyp = "document: not base64 (RFC 4648, padded, no "
			    "line breaks)";
			return KALIT_ERR_ENCODING;
		}
		if (r != KALIT_OK)
			return r;
		data = *docp;
	} else
		data = (const unsigned char *)"";	/* an empty document */
	if ((r = cms_digest_algs(cms, ds)) != KALIT_OK ||
	    (r = digest_buf(ds, data, len)) != KALIT_OK)
		return r;
	return KALIT_OK;
}

int
verify_request(struct kalitd *d, struct state *st, const char *body,
    size_t len, int64_t now, json_t **reportp, const char **whyp)
{
	struct sigverify_config cfg;
	struct sig_report *rep = NULL;
	struct verify_req vr;
	struct digest_set ds;
	CMS_ContentInfo *cms = NULL;
	unsigned char *der = NULL, *doc = NULL;
	size_t dlen = 0;
	int r;

	*reportp = NULL;
	*whyp = NULL;
	memset(&ds, 0, sizeof(ds));
	if ((r = verify_parse(body, len, &vr, whyp)) != KALIT_OK)
		goto out;
	if ((r = base64_decode(vr.signature, vr.sig_len, CMS_SIG_MAX, &der,
	    &dlen)) == KALIT_ERR_MALFORMED) {
		*whyp = "signature: not base64 (RFC 4648, padded, no line "
		    "breaks)";
		r = KALIT_ERR_ENCODING;
	} else if (r == KALIT_ERR_TOO_LARGE)
		*whyp = "the signature is larger than 16 MiB";
	if (r != KALIT_OK)
		goto out;
	*whyp = kalit_strerror(KALIT_ERR_SIGNATURE_MALFORMED);
	if ((r = cms_parse_signed(der, dlen, &cms)) == KALIT_ERR_MALFORMED)
		r = KALIT_ERR_SIGNATURE_MALFORMED;
	if (r != KALIT_OK || (r = verify_digests(&vr, cms,
	    d->cfg->verify_max_body, &ds, &doc, whyp)) != KALIT_OK) {
		if (r == KALIT_ERR_TOO_LARGE || r == KALIT_ERR_NOMEM ||
		    r == KALIT_ERR_INTERNAL)
			*whyp = NULL;	/* kalit_strerror() says it */
		goto out;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.validator = st->validator;
	cfg.citizen_oid = d->cfg->citizen_oid;
	cfg.official_oid = d->cfg->official_oid;
	cfg.min_rsa_bits = d->cfg->min_rsa_bits;
	cfg.min_ec_bits = d->cfg->min_ec_bits;
	cfg.now = now;
	*whyp = NULL;
	if ((r = sigverify_run(&cfg, cms, &ds, &rep)) == KALIT_ERR_MALFORMED) {
		r = KALIT_ERR_SIGNATURE_MALFORMED;
		*whyp = "the signature has no signer";
	} else if (r == KALIT_ERR_TOO_LARGE)
		*whyp = "the signature has more signers than allowed (64)";
	if (r != KALIT_OK)
		goto out;
	if ((*reportp = sig_report_json(rep)) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	log_msg(LOG_LEVEL_INFO, "verify: %s, %zu signer%s",
	    sig_indication_name(rep->indication), rep->n, rep->n == 1 ? "" :
	    "s");
 out:
	sig_report_free(rep);
	CMS_ContentInfo_free(cms);
	free(der);
	free(doc);
	json_decref(vr.json);
	return r;
}
