/* store.c: backend-independent parts of the store interface */
#include "config.h"

#include "store.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

static const char *const status_names[STORE_STATUS__MAX] = {
	"valid", "revoked", "hold", "expired"
};

const char *
store_status_name(int status)
{
	if (status < 0 || status >= STORE_STATUS__MAX)
		return "unknown";
	return status_names[status];
}

int
store_status_parse(const char *name, int *statusp)
{
	int i;

	for (i = 0; i < STORE_STATUS__MAX; i++)
		if (strcmp(name, status_names[i]) == 0) {
			*statusp = i;
			return KALIT_OK;
		}
	return KALIT_ERR_USAGE;
}

int
store_cert_status(const struct store_cert *c, int64_t now)
{
	if (c->status == STORE_VALID && c->not_after < now)
		return STORE_EXPIRED;
	return c->status;
}

void
store_cert_clear(struct store_cert *c)
{
	free(c->subject);
	free(c->der);
	c->subject = NULL;
	c->der = NULL;
	c->der_len = 0;
}

void
store_crl_clear(struct store_crl *crl)
{
	free(crl->der);
	crl->der = NULL;
	crl->der_len = 0;
}
