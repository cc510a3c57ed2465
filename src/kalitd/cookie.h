/*
 * cookie.h: kalitd's browser cookies: reading one from a Cookie header,
 * and the Set-Cookie lines that make and clear them
 */
#ifndef KALITD_COOKIE_H
#define KALITD_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#define COOKIE_HEADER_MAX	8192	/* bytes of a Cookie header read */
#define COOKIE_VALUE_LEN	43	/* base64url of 256 random bits */
#define COOKIE_SET_MAX		256	/* a Set-Cookie value kalitd makes */

/*
 * The value of cookie name in header (a Cookie request header: "a=b;
 * c=d", RFC 6265 section 4.2.1) into value: exactly COOKIE_VALUE_LEN
 * characters of base64url, as kalitd makes them. KALIT_ERR_NOT_FOUND
 * when header (may be NULL) has none of that name; KALIT_ERR_MALFORMED
 * when it has the name twice (a cookie planted beside kalitd's, say by a
 * sibling domain: neither is believed), a value of another form, or the
 * header is longer than COOKIE_HEADER_MAX.
 */
int	cookie_get(const char *header, const char *name,
	    char value[COOKIE_VALUE_LEN + 1]);

/* A new value: 256 bits from the CSPRNG, base64url. */
int	cookie_new(char value[COOKIE_VALUE_LEN + 1]);

/*
 * The Set-Cookie value for name = value (NULL: clear it, Max-Age=0):
 * Path=/, HttpOnly, SameSite=Lax, Max-Age=max_age, Secure when secure.
 */
void	cookie_set(char out[COOKIE_SET_MAX], const char *name,
	    const char *value, int64_t max_age, int secure);

#endif
