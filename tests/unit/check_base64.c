/* check_base64.c: unit tests for base64.c, base64, base64url and hex */
#include "config.h"

#include "testutil.h"
#include "base64.h"
#include "log.h"

#include <ctype.h>

#include <openssl/rand.h>

#define LEN(s)	(sizeof(s) - 1)		/* of a literal, NULs included */

/* A byte string and its encoding. */
struct vector {
	const char	*bin;
	size_t		 len;
	const char	*text;
};

/* RFC 4648 section 10, and bytes that use the last two characters. */
static const struct vector std_vectors[] = {
	{ "", 0, "" },
	{ "f", 1, "Zg==" },
	{ "fo", 2, "Zm8=" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg==" },
	{ "fooba", 5, "Zm9vYmE=" },
	{ "foobar", 6, "Zm9vYmFy" },
	{ "\xfb\xff", 2, "+/8=" },
	{ "\xfb\xff\xbf", 3, "+/+/" },
	{ "\0\0\0", 3, "AAAA" },
};

static const struct vector url_vectors[] = {
	{ "", 0, "" },
	{ "f", 1, "Zg" },
	{ "fo", 2, "Zm8" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg" },
	{ "fooba", 5, "Zm9vYmE" },
	{ "foobar", 6, "Zm9vYmFy" },
	{ "\xfb\xff", 2, "-_8" },
	{ "\xfb\xff\xbf", 3, "-_-_" },
};

static const struct vector hex_vectors[] = {
	{ "", 0, "" },
	{ "\x00\x01\x7f\x80\xa5\xfe\xff", 7, "00017f80a5feff" },
	{ "foobar", 6, "666f6f626172" },
};

/* A refused input: len characters of text, at most max bytes. */
struct refusal {
	const char	*text;
	size_t		 len;
	size_t		 max;
	int		 want;
	const char	*why;
};

#define R(s, max, want, why)	{ s, LEN(s), max, want, why }

static const struct refusal std_refusals[] = {
	R("", 64, KALIT_ERR_MALFORMED, "empty"),
	R("Zg", 64, KALIT_ERR_MALFORMED, "not padded"),
	R("Zm8", 64, KALIT_ERR_MALFORMED, "not padded"),
	R("Zg=", 64, KALIT_ERR_MALFORMED, "a pad short"),
	R("Zg===", 64, KALIT_ERR_MALFORMED, "a pad too many"),
	R("Z===", 64, KALIT_ERR_MALFORMED, "three pads"),
	R("====", 64, KALIT_ERR_MALFORMED, "only padding"),
	R("Zg==Zg==", 64, KALIT_ERR_MALFORMED, "padding inside"),
	R("Zm=v", 64, KALIT_ERR_MALFORMED, "a pad inside a quad"),
	R("Zm9vYg==\n", 64, KALIT_ERR_MALFORMED, "a line break"),
	R("Zm9v\nYmFy", 64, KALIT_ERR_MALFORMED, "a line break inside"),
	R("Zm9v\r\n", 64, KALIT_ERR_MALFORMED, "CR LF"),
	R(" Zm9v", 64, KALIT_ERR_MALFORMED, "a leading blank"),
	R("Zm 9v", 64, KALIT_ERR_MALFORMED, "a blank inside"),
	R("Zm9v\t", 64, KALIT_ERR_MALFORMED, "a tab"),
	R("Zm9-", 64, KALIT_ERR_MALFORMED, "base64url '-'"),
	R("Zm9_", 64, KALIT_ERR_MALFORMED, "base64url '_'"),
	R("Zm9v-AAA", 64, KALIT_ERR_MALFORMED, "OpenSSL's end of PEM"),
	R("Zm\0v", 64, KALIT_ERR_MALFORMED, "a NUL inside"),
	R("Zm9\x80", 64, KALIT_ERR_MALFORMED, "a byte over 127"),
	R("Zm9!", 64, KALIT_ERR_MALFORMED, "a character of neither"),
	R("Zm9v", 2, KALIT_ERR_TOO_LARGE, "three bytes, two allowed"),
	R("Zm9vYg==", 3, KALIT_ERR_TOO_LARGE, "four bytes, three allowed"),
	R("Zm9vYmE=", 4, KALIT_ERR_TOO_LARGE, "five bytes, four allowed"),
	R("Zm9vYg=!", 4, KALIT_ERR_MALFORMED, "could be within max: read"),
	R("!!!!!!!!!!!!!!!!!!!!!!!!", 10, KALIT_ERR_TOO_LARGE,
	    "too long to be within max: refused unread"),
};

static const struct refusal url_refusals[] = {
	R("", 64, KALIT_ERR_MALFORMED, "empty"),
	R("Z", 64, KALIT_ERR_MALFORMED, "one character is no byte"),
	R("Zm9vY", 64, KALIT_ERR_MALFORMED, "4n + 1 characters"),
	R("Zg==", 64, KALIT_ERR_MALFORMED, "padded"),
	R("Zg=", 64, KALIT_ERR_MALFORMED, "half padded"),
	R("Zm8=", 64, KALIT_ERR_MALFORMED, "padded"),
	R("+/8", 64, KALIT_ERR_MALFORMED, "the standard alphabet"),
	R("Zm9/", 64, KALIT_ERR_MALFORMED, "a '/'"),
	R("Zm9v\n", 64, KALIT_ERR_MALFORMED, "a line break"),
	R(" Zm9v", 64, KALIT_ERR_MALFORMED, "a leading blank"),
	R("Zm\0v", 64, KALIT_ERR_MALFORMED, "a NUL inside"),
	R("Zm9.", 64, KALIT_ERR_MALFORMED, "a '.'"),
	R("Zm9vYg", 3, KALIT_ERR_TOO_LARGE, "four bytes, three allowed"),
	R("!!!!!!!!!!!!!!!!!!!!!!!!", 10, KALIT_ERR_TOO_LARGE,
	    "too long to be within max: refused unread"),
};

static const struct refusal hex_refusals[] = {
	R("0", 8, KALIT_ERR_MALFORMED, "an odd length"),
	R("000", 8, KALIT_ERR_MALFORMED, "an odd length"),
	R("0g", 8, KALIT_ERR_MALFORMED, "not a hex digit"),
	R("0x00", 8, KALIT_ERR_MALFORMED, "a 0x prefix"),
	R(" 000", 8, KALIT_ERR_MALFORMED, "a blank"),
	R("00:0", 8, KALIT_ERR_MALFORMED, "a separator"),
	R("0\0", 8, KALIT_ERR_MALFORMED, "a NUL"),
	R("000000", 2, KALIT_ERR_TOO_LARGE, "three bytes into two"),
	R("0000000", 2, KALIT_ERR_TOO_LARGE, "too long: refused unread"),
};

#undef R

START_TEST(test_base64_encodes_rfc4648_vectors)
{
	const struct vector *v = &std_vectors[_i];
	char out[32];

	memset(out, 'x', sizeof(out));
	ck_assert_uint_eq(base64_encode((const unsigned char *)v->bin, v->len,
	    out), strlen(v->text));
	ck_assert_str_eq(out, v->text);
	ck_assert_uint_eq(BASE64_LEN(v->len), strlen(v->text));
}
END_TEST

START_TEST(test_base64_decodes_rfc4648_vectors)
{
	const struct vector *v = &std_vectors[_i];
	unsigned char *out;
	size_t len;

	if (v->len == 0)	/* refused: see test_base64_refuses */
		return;
	ck_assert_err(base64_decode(v->text, strlen(v->text), v->len, &out,
	    &len), KALIT_OK);
	ck_assert_uint_eq(len, v->len);
	ck_assert_mem_eq(out, v->bin, len);
	free(out);
}
END_TEST

START_TEST(test_base64_refuses)
{
	const struct refusal *f = &std_refusals[_i];
	unsigned char *out = (unsigned char *)"x";
	size_t len = 1;

	ck_assert_msg(base64_decode(f->text, f->len, f->max, &out, &len) ==
	    f->want, "%s: not %s", f->why, kalit_errname(f->want));
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(test_base64_url_encodes_rfc4648_vectors)
{
	const struct vector *v = &url_vectors[_i];
	char out[32];

	memset(out, 'x', sizeof(out));
	ck_assert_uint_eq(base64_url_encode((const unsigned char *)v->bin,
	    v->len, out), strlen(v->text));
	ck_assert_str_eq(out, v->text);
	ck_assert_uint_eq(BASE64_URL_LEN(v->len), strlen(v->text));
}
END_TEST

/* out holds BASE64_URL_LEN(len) + 1 bytes, as base64.h says: not one more. */
START_TEST(test_base64_url_writes_nothing_past_the_nul)
{
	unsigned char in[64];
	char out[BASE64_URL_LEN(64) + 2];
	size_t len;

	memset(in, 0xfb, sizeof(in));
	for (len = 0; len <= sizeof(in); len++) {
		memset(out, 'x', sizeof(out));
		ck_assert_uint_eq(base64_url_encode(in, len, out),
		    BASE64_URL_LEN(len));
		ck_assert_msg(out[BASE64_URL_LEN(len) + 1] == 'x',
		    "%zu bytes: a byte written past the NUL", len);
	}
}
END_TEST

START_TEST(test_base64_url_decodes_rfc4648_vectors)
{
	const struct vector *v = &url_vectors[_i];
	unsigned char *out;
	size_t len;

	if (v->len == 0)
		return;
	ck_assert_err(base64_url_decode(v->text, strlen(v->text), v->len,
	    &out, &len), KALIT_OK);
	ck_assert_uint_eq(len, v->len);
	ck_assert_mem_eq(out, v->bin, len);
	free(out);
}
END_TEST

START_TEST(test_base64_url_refuses)
{
	const struct refusal *f = &url_refusals[_i];
	unsigned char *out = (unsigned char *)"x";
	size_t len = 1;

	ck_assert_msg(base64_url_decode(f->text, f->len, f->max, &out,
	    &len) == f->want, "%s: not %s", f->why, kalit_errname(f->want));
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
}
END_TEST

/* Only len characters are read: in need not end in a NUL. */
START_TEST(test_base64_reads_len_characters_only)
{
	static const char in[] = { 'Z', 'm', '9', 'v', 'Y', 'g', '=', '=' };
	unsigned char *out;
	size_t len;

	ck_assert_err(base64_decode(in, 4, 3, &out, &len), KALIT_OK);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(out, "foo", 3);
	free(out);
	ck_assert_err(base64_url_decode(in, 6, 4, &out, &len), KALIT_OK);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(out, "foob", 4);
	free(out);
}
END_TEST

/* RFC 4648 section 3.5 lets a decoder take bits past the last byte. */
START_TEST(test_base64_ignores_the_bits_past_the_last_byte)
{
	unsigned char *out;
	size_t len;

	ck_assert_err(base64_decode("QR==", 4, 1, &out, &len), KALIT_OK);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(out[0], 'A');
	free(out);
	ck_assert_err(base64_url_decode("QR", 2, 1, &out, &len), KALIT_OK);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(out[0], 'A');
	free(out);
}
END_TEST

/*
 * base64_decode_canonical(): one spelling per value. The bits past the
 * last byte set are refused, as is whatever base64_decode() refuses.
 */
START_TEST(test_base64_canonical_one_spelling)
{
	static const char *const other[] = { "QR==", "QQ9=", "Zm9=",
	    "Zm9vYh==", "Zm9vYmF=" };
	unsigned char *out;
	size_t i, len;

	for (i = 0; i < sizeof(std_vectors) / sizeof(std_vectors[0]); i++) {
		if (std_vectors[i].len == 0)
			continue;
		ck_assert_err(base64_decode_canonical(std_vectors[i].text,
		    strlen(std_vectors[i].text), 64, &out, &len), KALIT_OK);
		ck_assert_uint_eq(len, std_vectors[i].len);
		ck_assert_mem_eq(out, std_vectors[i].bin, len);
		free(out);
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		out = (unsigned char *)"unset";
		len = 1;
		ck_assert_err(base64_decode_canonical(other[i],
		    strlen(other[i]), 64, &out, &len), KALIT_ERR_MALFORMED);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(len, 0);
	}
	for (i = 0; i < sizeof(std_refusals) / sizeof(std_refusals[0]); i++)
		ck_assert_err(base64_decode_canonical(std_refusals[i].text,
		    std_refusals[i].len, std_refusals[i].max, &out, &len),
		    std_refusals[i].want);
}
END_TEST

/*
 * Every length from 0 to 3 chunks of the decoder, and one over the
 * encoder's chunk: what is encoded decodes back, in both alphabets.
 */
START_TEST(test_base64_round_trips_every_length)
{
	static const size_t big = 3 * 1024 * 1024 + 7;
	unsigned char *in, *out;
	char *text;
	size_t i, n, len;

	ck_assert_ptr_nonnull(in = malloc(big));
	ck_assert_ptr_nonnull(text = malloc(BASE64_LEN(big) + 1));
	ck_assert_int_eq(RAND_bytes(in, (int)big), 1);
	for (i = 1; i <= 801; i++) {
		n = i <= 800 ? i : big;
		ck_assert_uint_eq(base64_encode(in, n, text), BASE64_LEN(n));
		ck_assert_err(base64_decode(text, BASE64_LEN(n), n, &out,
		    &len), KALIT_OK);
		ck_assert_uint_eq(len, n);
		ck_assert_mem_eq(out, in, n);
		free(out);
		ck_assert_uint_eq(base64_url_encode(in, n, text),
		    BASE64_URL_LEN(n));
		ck_assert_ptr_null(strpbrk(text, "+/="));
		ck_assert_err(base64_url_decode(text, BASE64_URL_LEN(n), n,
		    &out, &len), KALIT_OK);
		ck_assert_uint_eq(len, n);
		ck_assert_mem_eq(out, in, n);
		free(out);
	}
	free(text);
	free(in);
}
END_TEST

/* What digest_hex() did: lower-case, NUL-terminated, "" for nothing. */
START_TEST(test_base64_hex_encodes_lower_case)
{
	const struct vector *v = &hex_vectors[_i];
	char out[32];

	memset(out, 'x', sizeof(out));
	hex_encode((const unsigned char *)v->bin, v->len, out);
	ck_assert_str_eq(out, v->text);
	ck_assert_uint_eq(HEX_LEN(v->len), strlen(v->text));
}
END_TEST

START_TEST(test_base64_hex_decodes_either_case)
{
	const struct vector *v = &hex_vectors[_i];
	unsigned char out[16];
	char upper[32];
	size_t i, len;

	ck_assert_err(hex_decode(v->text, strlen(v->text), out, v->len, &len),
	    KALIT_OK);
	ck_assert_uint_eq(len, v->len);
	ck_assert_mem_eq(out, v->bin, len);
	for (i = 0; v->text[i] != '\0'; i++)
		upper[i] = (char)toupper((unsigned char)v->text[i]);
	upper[i] = '\0';
	ck_assert_err(hex_decode(upper, i, out, sizeof(out), &len), KALIT_OK);
	ck_assert_uint_eq(len, v->len);
	ck_assert_mem_eq(out, v->bin, len);
}
END_TEST

START_TEST(test_base64_hex_refuses)
{
	const struct refusal *f = &hex_refusals[_i];
	unsigned char out[8];
	size_t len = 1;

	memset(out, 0xaa, sizeof(out));
	ck_assert_msg(hex_decode(f->text, f->len, out, f->max, &len) ==
	    f->want, "%s: not %s", f->why, kalit_errname(f->want));
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(out[0], 0xaa);		/* nothing of it written */
}
END_TEST

#define NVEC(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
base64_suite(void)
{
	Suite *s = suite_create("base64");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_base64_encodes_rfc4648_vectors, 0,
	    NVEC(std_vectors));
	tcase_add_loop_test(tc, test_base64_decodes_rfc4648_vectors, 0,
	    NVEC(std_vectors));
	tcase_add_loop_test(tc, test_base64_refuses, 0, NVEC(std_refusals));
	tcase_add_loop_test(tc, test_base64_url_encodes_rfc4648_vectors, 0,
	    NVEC(url_vectors));
	tcase_add_loop_test(tc, test_base64_url_decodes_rfc4648_vectors, 0,
	    NVEC(url_vectors));
	tcase_add_loop_test(tc, test_base64_url_refuses, 0,
	    NVEC(url_refusals));
	tcase_add_test(tc, test_base64_url_writes_nothing_past_the_nul);
	tcase_add_test(tc, test_base64_reads_len_characters_only);
	tcase_add_test(tc, test_base64_ignores_the_bits_past_the_last_byte);
	tcase_add_test(tc, test_base64_canonical_one_spelling);
	tcase_add_test(tc, test_base64_round_trips_every_length);
	tcase_add_loop_test(tc, test_base64_hex_encodes_lower_case, 0,
	    NVEC(hex_vectors));
	tcase_add_loop_test(tc, test_base64_hex_decodes_either_case, 0,
	    NVEC(hex_vectors));
	tcase_add_loop_test(tc, test_base64_hex_refuses, 0,
	    NVEC(hex_refusals));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_base64", -1);
	return tu_run(base64_suite());
}
