/*
 * fuzz_ocsp.c: an OCSP request from anyone who can reach kalitd, and the
 * same bytes as the name of a CRL or CA certificate in its /crl/ or /ca/
 * URL
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "err.h"
#include "log.h"
#include "responder.h"
#include "store.h"
#include "x509.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * What responder_answer() reads of each CertID before the database: the
 * hash algorithm, the issuer's name and key hashes, the serial as hex.
 */
static void
walk_certid(OCSP_CERTID *cid)
{
	ASN1_OCTET_STRING *nh = NULL, *kh = NULL;
	ASN1_OBJECT *md = NULL;
	ASN1_INTEGER *serial = NULL;
	char hex[X509_SERIAL_HEX_MAX + 2];
	volatile unsigned char sink = 0;

	/* responder_parse() has checked every CertID: its parts are there. */
	if (cid == NULL ||
	    OCSP_id_get0_info(&nh, &md, &kh, &serial, cid) != 1 ||
	    nh == NULL || md == NULL || kh == NULL || serial == NULL)
		abort();
	(void)OBJ_obj2nid(md);
	if (ASN1_STRING_length(nh) > 0)
		sink ^= ASN1_STRING_get0_data(nh)[ASN1_STRING_length(nh) - 1];
	if (ASN1_STRING_length(kh) > 0)
		sink ^= ASN1_STRING_get0_data(kh)[ASN1_STRING_length(kh) - 1];
	if (x509_integer_hex(serial, hex, sizeof(hex)) == KALIT_OK &&
	    hex[0] == '\0')
		abort();	/* a serial is never empty */
	(void)sink;
}

/* The bytes up to a NUL as a published name, as MHD hands the URL over. */
static void
names(const uint8_t *data, size_t size)
{
	char name[512], ca[PROFILE_NAME_MAX + 1];
	size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	int shard = -2, delta = -1;

	memcpy(name, data, n);
	name[n] = '\0';
	if (responder_crl_name(name, ca, &shard, &delta) == KALIT_OK &&
	    (strlen(ca) == 0 || shard < -1 || shard >= STORE_SHARDS_MAX ||
	    (delta != 0 && delta != 1)))
		abort();
	if (responder_ca_name(name, ca) == KALIT_OK &&
	    strlen(ca) + 4 != strlen(name))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	OCSP_REQUEST *req = NULL;
	OCSP_BASICRESP *bs;
	int i, n, nonce = -1;

	log_init("fuzz_ocsp", -1);
	names(data, size);
	if (responder_parse(data, size, &req, &nonce) != KALIT_OK) {
		if (req != NULL || nonce != 0)
			abort();	/* a refusal hands nothing out */
		ERR_clear_error();
		return 0;
	}
	n = OCSP_request_onereq_count(req);
	if (size == 0 || size > OCSP_REQUEST_MAX || n < 1 ||
	    n > OCSP_REQUEST_CERTS_MAX ||
	    nonce != (OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce,
	    -1) >= 0))
		abort();
	for (i = 0; i < n; i++)
		walk_certid(OCSP_onereq_get0_id(OCSP_request_onereq_get0(req,
		    i)));
	/* The nonce goes into the answer as it came. */
	if (nonce && (bs = OCSP_BASICRESP_new()) != NULL) {
		if (OCSP_copy_nonce(bs, req) != 1 ||
		    OCSP_check_nonce(req, bs) != 1)
			abort();
		OCSP_BASICRESP_free(bs);
	}
	OCSP_REQUEST_free(req);
	ERR_clear_error();
	return 0;
}
