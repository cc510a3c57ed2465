/*
 * base64.c: the encodings of RFC 4648: base64, base64url and hex. OpenSSL
 * encodes and decodes; what is here is the strictness around it, which
 * EVP_DecodeBlock() lacks: it skips blanks, takes no base64url, and
 * decodes padding as zero bytes.
 */
#include "config.h"

#include "base64.h"
#include "err.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* Characters decoded at a time: whole quads, on the stack. */
#define DEC_CHUNK	256
/* Bytes encoded at a time: whole groups of three, within an int. */
#define ENC_CHUNK	(3 * 1024 * 1024)

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
base64_encode(const unsigned char *in, size_t len, char *out)
{
	size_t n, o = 0;

	out[0] = '\0';
	for (; len > 0; in += n, len -= n) {
		n = len < ENC_CHUNK ? len : ENC_CHUNK;
		o += (size_t)EVP_EncodeBlock((unsigned char *)out + o, in,
		    (int)n);
	}
	return o;
}

size_t
base64_url_encode(const unsigned char *in, size_t len, char *out)
{
	size_t full = len / 3 * 3, i, n;
	char tail[BASE64_LEN(2) + 1];

	/*
	 * The padded groups' characters would not fit in out, which holds
	 * BASE64_URL_LEN(len) + 1 bytes: the last group goes through tail.
	 */
	n = base64_encode(in, full, out);
	if (len > full) {
		base64_encode(in + full, len - full, tail);
		memcpy(out + n, tail, len - full + 1);
		n += len - full + 1;
	}
	for (i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	out[n] = '\0';
	return n;
}

/* 1 when the len bytes of in are all characters of alphabet. */
static int
all_of(const char *in, size_t len, const char *alphabet)
{
	char buf[DEC_CHUNK + 1];
	size_t n;

	/* strspn() wants a string; in may hold a NUL or not end in one. */
	for (; len > 0; in += n, len -= n) {
		n = len < DEC_CHUNK ? len : DEC_CHUNK;
		memcpy(buf, in, n);
		buf[n] = '\0';
		if (strspn(buf, alphabet) != n)
			return 0;
	}
	return 1;
}

/*
 * Decodes len characters of in, checked to be of the alphabet, without
 * padding, into out (len * 3 / 4 bytes). EVP_DecodeBlock() wants the
 * standard alphabet in whole quads: each chunk is copied, translated and
 * padded first.
 */
static int
decode_chunks(const char *in, size_t len, int url, unsigned char *out)
{
	unsigned char quad[DEC_CHUNK], raw[DEC_CHUNK / 4 * 3];
	size_t i, n, m;
	int r = KALIT_OK;

	for (; len > 0; in += n, len -= n) {
		n = len < DEC_CHUNK ? len : DEC_CHUNK;
		for (i = 0; i < n; i++)
			quad[i] = !url ? (unsigned char)in[i] : in[i] == '-' ?
			    '+' : in[i] == '_' ? '/' : (unsigned char)in[i];
		for (m = n; m % 4 != 0; m++)
			quad[m] = '=';
		if (EVP_DecodeBlock(raw, quad, (int)m) != (int)(m / 4 * 3)) {
			r = KALIT_ERR_INTERNAL;
			break;
		}
		memcpy(out, raw, n * 3 / 4);
		out += n * 3 / 4;
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	return r;
}

static int
decode(const char *in, size_t len, size_t max, int url, unsigned char **outp,
    size_t *outlenp)
{
	unsigned char *out;
	size_t whole = len / 4 * 3, least, n, pad = 0;
	int r;

	*outp = NULL;
	*outlenp = 0;
	/* The fewest bytes len characters can be: up to two are padding. */
	if (url)
		least = whole + len % 4 * 3 / 4;
	else
		least = whole > 2 ? whole - 2 : 0;
	if (least > max)
		return KALIT_ERR_TOO_LARGE;
	if (len == 0 || (url && len % 4 == 1) || (!url && len % 4 != 0))
		return KALIT_ERR_MALFORMED;
	if (!url && in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	len -= pad;
	if (!all_of(in, len, url ? url_alphabet : std_alphabet))
		return KALIT_ERR_MALFORMED;
	if ((n = len / 4 * 3 + len % 4 * 3 / 4) > max)
		return KALIT_ERR_TOO_LARGE;
	/* Padded standard base64 is what EVP_DecodeBlock() takes whole. */
	if (!url && len + pad <= INT_MAX) {
		if ((out = malloc(whole)) == NULL)
			return KALIT_ERR_NOMEM;
		r = EVP_DecodeBlock(out, (const unsigned char *)in,
		    (int)(len + pad)) == (int)whole ? KALIT_OK :
		    KALIT_ERR_INTERNAL;
	} else if ((out = malloc(n)) == NULL)
		return KALIT_ERR_NOMEM;
	else
		r = decode_chunks(in, len, url, out);
	if (r != KALIT_OK) {
		OPENSSL_clear_free(out, url ? n : whole);
		return r;
	}
	*outp = out;
	*outlenp = n;
	return KALIT_OK;
}

int
base64_decode(const char *in, size_t len, size_t max, unsigned char **outp,
    size_t *outlenp)
{
	return decode(in, len, max, 0, outp, outlenp);
}

int
base64_decode_canonical(const char *in, size_t len, size_t max,
    unsigned char **outp, size_t *outlenp)
{
	char *back;
	int r;

	if ((r = base64_decode(in, len, max, outp, outlenp)) != KALIT_OK)
		return r;
	if ((back = malloc(BASE64_LEN(*outlenp) + 1)) == NULL)
		r = KALIT_ERR_NOMEM;
	else if (base64_encode(*outp, *outlenp, back) != len ||
	    memcmp(back, in, len) != 0)
		r = KALIT_ERR_MALFORMED;
	free(back);
	if (r != KALIT_OK) {
		OPENSSL_clear_free(*outp, *outlenp);
		*outp = NULL;
		*outlenp = 0;
	}
	return r;
}

int
base64_url_decode(const char *in, size_t len, size_t max,
    unsigned char **outp, size_t *outlenp)
{
	return decode(in, len, max, 1, outp, outlenp);
}

void
hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

int
hex_decode(const char *in, size_t len, unsigned char *out, size_t size,
    size_t *outlenp)
{
	size_t i;

	*outlenp = 0;
	if (len / 2 > size)
		return KALIT_ERR_TOO_LARGE;
	if (len % 2 != 0)
		return KALIT_ERR_MALFORMED;
	for (i = 0; i < len; i++)
		if (OPENSSL_hexchar2int((unsigned char)in[i]) < 0)
			return KALIT_ERR_MALFORMED;
	for (i = 0; i < len / 2; i++)
		out[i] = (unsigned char)(OPENSSL_hexchar2int(
		    (unsigned char)in[2 * i]) << 4 |
		    OPENSSL_hexchar2int((unsigned char)in[2 * i + 1]));
	*outlenp = len / 2;
	return KALIT_OK;
}
