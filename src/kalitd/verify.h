/* verify.h: POST /v1/verify: a signature judged with kalitd's trust store */
#ifndef KALITD_VERIFY_H
#define KALITD_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "state.h"

/*
 * Verifies the signature in a request body (len bytes of JSON: a member
 * "signature", base64 CMS, and for a detached one either "document",
 * base64, or "digest", the document's SHA-256 as 64 hexadecimal digits)
 * at now with st's trust store and revocation policy, as kalit verify
 * does. On KALIT_OK *reportp is the verification report (new reference;
 * sig_report_json()), whatever its verdict. Otherwise *whyp is a
 * sentence for the client (static) and the result one of
 * KALIT_ERR_MALFORMED (not such a JSON object), KALIT_ERR_ENCODING,
 * KALIT_ERR_DIGEST_INVALID, KALIT_ERR_SIGNATURE_MALFORMED,
 * KALIT_ERR_CONTENT_MISSING, KALIT_ERR_TOO_LARGE (a signature over
 * CMS_SIG_MAX or more signers than sigverify takes), or memory and
 * internal errors.
 */
int	verify_request(struct kalitd *d, struct state *st, const char *body,
	    size_t len, int64_t now, json_t **reportp, const char **whyp);

#endif
