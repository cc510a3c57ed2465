/*
 * testentry.h: a certificate cache entry as a login makes it, for the
 * tests of what holds one (sessions, codes, tokens); static inline only
 */
#ifndef KALIT_TESTENTRY_H
#define KALIT_TESTENTRY_H

#include <check.h>
#include <jansson.h>
#include <openssl/x509.h>

#include "certcache.h"
#include "err.h"
#include "store.h"

/*
 * An entry (an empty certificate is enough: nothing here reads it) with
 * the claims claims (taken) for acr. Caller releases it.
 */
static inline struct cert_entry *
te_entry(json_t *claims, unsigned int acr)
{
	struct cert_entry *e;
	X509 *x;

	ck_assert_ptr_nonnull(claims);
	ck_assert_ptr_nonnull(x = X509_new());
	ck_assert_ptr_nonnull(e = cert_entry_new(x));
	X509_free(x);
	ck_assert_int_eq(login_text_init(&e->text, claims, acr), KALIT_OK);
	json_decref(claims);
	return e;
}

#endif
