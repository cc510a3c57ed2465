/* fuzz_csr.c: the CSR parser and checks, fed untrusted bytes */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include <openssl/err.h>

#include "csr.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EVP_PKEY *pub = NULL;

	log_init("fuzz_csr", -1);
	csr_check(data, size, ~0u, &pub);
	EVP_PKEY_free(pub);
	ERR_clear_error();
	return 0;
}
