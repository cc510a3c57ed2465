/* tsa.h: the RFC 3161 timestamp authority */
#ifndef KALITD_TSA_H
#define KALITD_TSA_H

#include <stddef.h>

#include "conf.h"

#define TSA_REQUEST_MAX		(8 * 1024)	/* DER of one TimeStampReq */
#define TSA_SERIAL_BLOCK	4096		/* serials taken at once */

/*
 * Signs timestamps with the [timestamp] key file (a kalit-ca tsa profile
 * certificate: the one extended key usage timeStamping, critical). Serial
 * numbers come from kalitd's database in blocks, so they are unique across
 * threads and restarts. Thread-safe.
 */
struct tsa;

/*
 * Loads cfg->tsa_key_file with pass (borrowed for the call) and opens
 * cfg->database. KALIT_ERR_CERT_PURPOSE when the certificate is not a TSA
 * one. Caller frees *tp with tsa_free().
 */
int	tsa_new(const struct config *cfg, const char *pass, struct tsa **tp);
void	tsa_free(struct tsa *t);

/*
 * Answers the DER TimeStampReq req (at most TSA_REQUEST_MAX bytes) with a
 * DER TimeStampResp: granted, or rejection with badRequest (a version
 * other than 1), badAlg (a hash other than SHA-256/384/512, or one with
 * parameters), unacceptedPolicy, unacceptedExtension (any extension) or
 * badDataFormat (not exactly one request, an imprint of another size);
 * addInfoNotAvailable when no serial could be taken.
 * KALIT_ERR_NOMEM only when no answer could be made. On KALIT_OK caller
 * frees *derp with free().
 */
int	tsa_answer(struct tsa *t, const unsigned char *req, size_t len,
	    unsigned char **derp, size_t *lenp);

#endif
