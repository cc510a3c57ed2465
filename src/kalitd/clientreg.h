/*
 * clientreg.h: what `kalitd client add` accepts for an OpenID Connect
 * client: its URIs, its authentication method and its public keys
 */
#ifndef KALITD_CLIENTREG_H
#define KALITD_CLIENTREG_H

#include <stddef.h>

/*
 * Checks a redirect, post-logout or back-channel logout URI: at most
 * STORE_URI_MAX bytes of printable ASCII, absolute (parsed by libcurl's
 * URL API), https, or http with host 127.0.0.1, localhost or [::1] (for
 * development), no user or password, no fragment. KALIT_ERR_USAGE with
 * *whyp (may be NULL) a static text otherwise.
 */
int	clientreg_uri_check(const char *uri, const char **whyp);

/*
 * Checks a client's JWKS for private_key_jwt: at most STORE_JWKS_MAX
 * bytes, a JSON object whose "keys" is a non-empty array of at most 16
 * public keys cjose imports (EC or RSA; none with a private part).
 * KALIT_ERR_USAGE with *whyp (may be NULL) a static text otherwise.
 */
int	clientreg_jwks_check(const char *json, size_t len, const char **whyp);

#define CLIENTREG_SCOPES_MAX	16	/* words of a scope */
#define CLIENTREG_SCOPE_MAX	64	/* bytes of one word */

/*
 * Checks a scope (RFC 6749 section 3.3): 1 to CLIENTREG_SCOPES_MAX words
 * of 1 to CLIENTREG_SCOPE_MAX characters of %x21 / %x23-5B / %x5D-7E,
 * separated by one space, none twice. KALIT_ERR_USAGE with *whyp (may be
 * NULL) a static text otherwise.
 */
int	clientreg_scope_check(const char *scope, const char **whyp);

/*
 * "client_secret_basic", "client_secret_post", "private_key_jwt", "none"
 * ↔ enum store_auth; parse returns KALIT_ERR_USAGE for another name.
 */
int	clientreg_auth_parse(const char *name, int *methodp);
const char *clientreg_auth_name(int method);

#endif
