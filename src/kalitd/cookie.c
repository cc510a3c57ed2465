/* cookie.c: reading kalitd's cookies, strictly, and setting them */
#include "config.h"
#include "cookie.h"
#include "base64.h"
#include "err.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdio.h>
#include <string.h>

#define B64URL	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
		"0123456789-_"

int
cookie_get(const char *header, const char *name,
    char value[COOKIE_VALUE_LEN + 1])
{
	size_t nlen = strlen(name), n, len;
	const char *p, *v;
	int found = 0;

	value[0] = '\0';
	if (header == NULL)
		return KALIT_ERR_NOT_FOUND;
	if (strnlen(header, COOKIE_HEADER_MAX + 1) > COOKIE_HEADER_MAX)
		return KALIT_ERR_MALFORMED;
	/* cookie-pair *( ";" SP cookie-pair ); spaces around ';' taken */
	for (p = header; *p != '\0'; p += n) {
		p += strspn(p, "; \t");
		n = strcspn(p, ";");
		len = n;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len <= nlen || p[nlen] != '=' ||
		    memcmp(p, name, nlen) != 0)
			continue;
		v = p + nlen + 1;
		len -= nlen + 1;
		if (found++ || len != COOKIE_VALUE_LEN || strspn(v, B64URL) <
		    COOKIE_VALUE_LEN) {
			/* nothing of a value not believed goes out */
			OPENSSL_cleanse(value, COOKIE_VALUE_LEN + 1);
			return KALIT_ERR_MALFORMED;
		}
		memcpy(value, v, COOKIE_VALUE_LEN);
		value[COOKIE_VALUE_LEN] = '\0';
	}
	return found ? KALIT_OK : KALIT_ERR_NOT_FOUND;
}

int
cookie_new(char value[COOKIE_VALUE_LEN + 1])
{
	unsigned char rnd[32];

	if (RAND_priv_bytes(rnd, sizeof(rnd)) != 1)
		return KALIT_ERR_INTERNAL;
	base64_url_encode(rnd, sizeof(rnd), value);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return KALIT_OK;
}

void
cookie_set(char out[COOKIE_SET_MAX], const char *name, const char *value,
    int64_t max_age, int secure)
{
	snprintf(out, COOKIE_SET_MAX, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; "
	    "SameSite=Lax%s", name, value != NULL ? value : "",
	    value != NULL ? (long long)max_age : 0LL,
	    secure ? "; Secure" : "");
}
