/*
 * fuzz_archive.c: an audit archive file as audit-verify --archive reads it
 * (kalit-ca and kalitd): any content is refused with a code, never read
 * past, never leaked
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/err.h>

#include "audit.h"
#include "err.h"
#include "log.h"
#include "store.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count(const struct store_audit *a, void *arg)
{
	(void)a;
	(*(size_t *)arg)++;
	return KALIT_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct audit_archive a;
	size_t n = 0;
	FILE *f;
	int r;

	log_init("fuzz_archive", -1);
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/kalit-fuzz-archive.%ld",
		    (long)getpid());
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	r = audit_archive_read(path, count, &n, &a);
	if (r != KALIT_OK && r != KALIT_ERR_MALFORMED &&
	    r != KALIT_ERR_AUDIT_BROKEN && r != KALIT_ERR_TOO_LARGE &&
	    r != KALIT_ERR_NOMEM && r != KALIT_ERR_IO)
		abort();
	unlink(path);
	ERR_clear_error();
	return 0;
}
