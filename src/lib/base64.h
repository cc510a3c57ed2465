/*
 * base64.h: the encodings of RFC 4648 kalit reads and writes: base64
 * (section 4), base64url without padding (section 5, as JOSE uses it) and
 * hex (base16, section 8), strict on input, one spelling on output
 */
#ifndef KALIT_BASE64_H
#define KALIT_BASE64_H

#include <stddef.h>

/* Characters that len bytes encode to, without the NUL. */
#define BASE64_LEN(len)		(((len) + 2) / 3 * 4)	/* padded */
#define BASE64_URL_LEN(len)	(((len) * 4 + 2) / 3)	/* not padded */
#define HEX_LEN(len)		((len) * 2)

/*
 * Standard base64 of len bytes of in into out, which holds BASE64_LEN(len)
 * + 1 bytes: padded with '=', no line breaks, NUL-terminated. Returns the
 * characters written, without the NUL.
 */
size_t	base64_encode(const unsigned char *in, size_t len, char *out);

/*
 * base64url of len bytes of in into out, which holds BASE64_URL_LEN(len)
 * + 1 bytes: '-' and '_' for '+' and '/', no padding, NUL-terminated.
 * Returns the characters written, without the NUL.
 */
size_t	base64_url_encode(const unsigned char *in, size_t len, char *out);

/*
 * Decodes the len characters of in (a NUL among them is refused) as
 * standard base64: the alphabet only, padded with '=' to a multiple of
 * four, no whitespace or line breaks, not empty (what kalit reads in base64
 * is never empty). The bits past the last byte are not checked (RFC 4648
 * section 3.5 allows either; OpenSSL does not check them). Returns
 * KALIT_ERR_TOO_LARGE when the bytes would be more than max, checked
 * before anything is read or allocated, KALIT_ERR_MALFORMED when in is
 * anything else. On KALIT_OK *outp holds *outlenp bytes (at least one);
 * caller frees it with free().
 */
int	base64_decode(const char *in, size_t len, size_t max,
	    unsigned char **outp, size_t *outlenp);

/*
 * base64_decode(), and canonical: the bits past the last byte are zero,
 * so that one value has one spelling (checked by encoding the bytes
 * again). KALIT_ERR_MALFORMED for another spelling of the same bytes too.
 * Caller frees *outp with free().
 */
int	base64_decode_canonical(const char *in, size_t len, size_t max,
	    unsigned char **outp, size_t *outlenp);

/*
 * base64_decode() of base64url without padding: '-' and '_', never '+',
 * '/' or '=', and a length that is not 1 more than a multiple of four.
 */
int	base64_url_decode(const char *in, size_t len, size_t max,
	    unsigned char **outp, size_t *outlenp);

/*
 * Lower-case hex of len bytes of in into out, which holds HEX_LEN(len) + 1
 * bytes, NUL-terminated.
 */
void	hex_encode(const unsigned char *in, size_t len, char *out);

/*
 * Decodes the len characters of in as hex digits of either case, two a
 * byte, nothing else (an empty in is no bytes), into out, which holds
 * size bytes. KALIT_ERR_TOO_LARGE when they would not fit, checked first;
 * KALIT_ERR_MALFORMED for an odd length or another character, and then
 * out holds nothing of in. *outlenp gets the bytes written.
 */
int	hex_decode(const char *in, size_t len, unsigned char *out,
	    size_t size, size_t *outlenp);

#endif
