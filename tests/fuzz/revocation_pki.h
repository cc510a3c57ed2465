/*
 * revocation_pki.h: the certificates of fuzz_ocsp_resp's and
 * fuzz_crl's seeds. Written by revocation_corpus.sh with the
 * seeds; do not edit (static only).
 */
#ifndef KALIT_REVOCATION_PKI_H
#define KALIT_REVOCATION_PKI_H

#include <stdlib.h>

#include <openssl/pem.h>

#define FUZZ_PKI_NOW	1800000000LL	/* the time the seeds are judged at */

static const char fuzz_pki_root[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBfDCCASKgAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlGdXp6IFJv\n"
	"b3QwIBcNMjYxMjA4MDA0MDQyWhgPMjEyNjExMTQwMDQwNDJaMBQxEjAQBgNVBAMM\n"
	"CUZ1enogUm9vdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABKB7OnPhdEkts/uh\n"
	"ZrWRWrKUjgfEJ77/QIeRGxDhk4rle5bgOUHbGwTEm4G00GROAMoXNl0u+knd1gV4\n"
	"hY5/kHCjYzBhMB0GA1UdDgQWBBTcxtau/Pjra++1d8/cFakNdpt8RzAfBgNVHSME\n"
	"GDAWgBTcxtau/Pjra++1d8/cFakNdpt8RzAPBgNVHRMBAf8EBTADAQH/MA4GA1Ud\n"
	"DwEB/wQEAwIBBjAKBggqhkjOPQQDAgNIADBFAiEAskLlS38kmYIG2oXD0e1seg+6\n"
	"+7w5E6VvGgjlCLbTko0CIC9RSADbi18RUFpM7WPYlj6NNlfp5BAp6ZIOeT1Cbp5D\n"
	"-----END CERTIFICATE-----\n"
	;

static const char fuzz_pki_ca[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBejCCASCgAwIBAgIBAjAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlGdXp6IFJv\n"
	"b3QwIBcNMjYxMjA4MDA0MDQyWhgPMjEyNjExMTQwMDQwNDJaMBIxEDAOBgNVBAMM\n"
	"B0Z1enogQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARzj6mooyFCnFIDzbWX\n"
	"kvI89uw/HVw20nPWh/eMb/Tcm8qK+nGPDtoV1lkn8c4p47AQfFvifOMAH/ei+N7d\n"
	"3RrLo2MwYTAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4E\n"
	"FgQUrIeVuyMO77Wpr1EJpoENfGPfY9swHwYDVR0jBBgwFoAU3MbWrvz462vvtXfP\n"
	"3BWpDXabfEcwCgYIKoZIzj0EAwIDSAAwRQIhAItGfJJrarmRIJpMAzOf91OOmO1o\n"
	"niNtWKJyvV+wOfKzAiAi2GzAwDohnuOCTlWQo6QIJBTeaxvAAEcRb8KsbLQGUw==\n"
	"-----END CERTIFICATE-----\n"
	;

static const char fuzz_pki_holder[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIB3zCCAYWgAwIBAgICEAEwCgYIKoZIzj0EAwIwEjEQMA4GA1UEAwwHRnV6eiBD\n"
	"QTAgFw0yNjEyMDgwMDQwNDJaGA8yMTI2MTExNDAwNDA0MlowETEPMA0GA1UEAwwG\n"
	"SG9sZGVyMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEA3rJoQiQNKCMx7Y0J+n1\n"
	"j4wRoldY5wWQ5c88N7W0F38Au3YSW/qAIvy75HinA8LxxTsSjoM3bVf/4/+Fhc2n\n"
	"26OByTCBxjAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIGwDAfBgNVHSMEGDAW\n"
	"gBSsh5W7Iw7vtamvUQmmgQ18Y99j2zAvBgNVHR8EKDAmMCSgIqAghh5odHRwOi8v\n"
	"Y3JsLmZ1enouZXhhbXBsZS9jYS5jcmwwNQYIKwYBBQUHAQEEKTAnMCUGCCsGAQUF\n"
	"BzABhhlodHRwOi8vb2NzcC5mdXp6LmV4YW1wbGUvMB0GA1UdDgQWBBS+3QV6sUgh\n"
	"kLKHHJCKuqXi4eMBujAKBggqhkjOPQQDAgNIADBFAiEAsLaBSGszWB1hhAbQGKol\n"
	"D/Tdxo0K6V4pDcvCJGGrbPoCIHr+ngM0jNJbJrkXWWE8gj47zfjhkD1//Tl6Ueas\n"
	"x3nN\n"
	"-----END CERTIFICATE-----\n"
	;

static const char fuzz_pki_other[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBqTCCAU+gAwIBAgICEAIwCgYIKoZIzj0EAwIwEjEQMA4GA1UEAwwHRnV6eiBD\n"
	"QTAgFw0yNjEyMDgwMDQwNDNaGA8yMTI2MTExNDAwNDA0M1owEDEOMAwGA1UEAwwF\n"
	"T3RoZXIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQxJN2jkB24AvuhOGIUAYw7\n"
	"XzgypaHotSyfY9cGFDvgXtmY9GhSdlAqJilOUhuSACOEASbQ4hmlZMQT1f+iJIoP\n"
	"o4GUMIGRMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMB8GA1UdIwQYMBaA\n"
	"FKyHlbsjDu+1qa9RCaaBDXxj32PbMDEGA1UdHwQqMCgwJqAkoCKGIGh0dHA6Ly9j\n"
	"cmwuZnV6ei5leGFtcGxlL2NhLTEuY3JsMB0GA1UdDgQWBBRhQhzbWDomlNw99vbd\n"
	"6uftgnELcjAKBggqhkjOPQQDAgNIADBFAiEAnfuqBr/Jy3YDXHmslEtGUcbZI/B6\n"
	"B3Fp8itIDAvnbdkCIDvrxas8tKN4OmmR8x7G4YVcuxXb9PVSVQ1VhfAfOJ47\n"
	"-----END CERTIFICATE-----\n"
	;

/* One of the certificates above; aborts when it does not parse. */
static inline X509 *
fuzz_pki_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	if (x == NULL)
		abort();
	return x;
}

#endif
