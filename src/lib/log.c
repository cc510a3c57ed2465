/* log.c: leveled logging to stderr, with the OpenSSL error queue */
#include "config.h"

#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

static const char *log_prog = "kalit";
static int log_level = LOG_LEVEL_WARN;

void
log_init(const char *progname, int level)
{
	log_prog = progname;
	log_level = level;
}

/*
 * The length of the UTF-8 sequence at s (n bytes left) when it is
 * well-formed and not a character that could fake or hide text on a
 * terminal (C1 controls, bidirectional controls); 0 otherwise.
 */
static size_t
utf8_printable(const unsigned char *s, size_t n)
{
	unsigned int cp;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, past U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	if (cp <= 0x9f || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return len;
}

size_t
log_escape(const char *in, size_t inlen, char *out, size_t outsize)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, n;

	if (outsize == 0)
		return 0;
	while (i < inlen) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			if (o + 1 >= outsize)
				break;
			out[o++] = (char)s[i++];
		} else if (s[i] == '\\') {
			if (o + 2 >= outsize)
				break;
			out[o++] = '\\';
			out[o++] = '\\';
			i++;
		} else if (s[i] >= 0x80 && (n = utf8_printable(s + i,
		    inlen - i)) != 0) {
			if (o + n >= outsize)
				break;
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		} else {
			/* controls, invalid UTF-8, bidi: each byte as \xNN */
			if (o + 4 >= outsize)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i] & 0xf];
			i++;
		}
	}
	out[o] = '\0';
	return o;
}

void
log_msg(int level, const char *fmt, ...)
{
	char text[LOG_LINE_MAX], line[LOG_LINE_MAX * 4 + 64];
	va_list ap;
	size_t len, off;
	ssize_t w;
	int n;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)snprintf(line, sizeof(line), "%s: ", log_prog);
	if (len >= sizeof(line) - 16)
		len = 0;
	/* Untrusted text (names, URLs, client ids) cannot forge a line. */
	len += log_escape(text, (size_t)n < sizeof(text) ? (size_t)n :
	    sizeof(text) - 1, line + len, sizeof(line) - len - 5);
	if ((size_t)n >= sizeof(text)) {
		memcpy(line + len, "...", 3);
		len += 3;
	}
	line[len++] = '\n';
	/* One write(2) a line: lines of several threads never interleave. */
	for (off = 0; off < len; off += (size_t)w)
		while ((w = write(STDERR_FILENO, line + off, len - off)) <= 0)
			if (w == 0 || errno != EINTR)
				return;
}

void
log_ssl(int level, const char *call)
{
	unsigned long e;
	char buf[256];

	if (level > log_level) {
		ERR_clear_error();
		return;
	}
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_msg(level, "%s: %s", call, buf);
	}
	ERR_clear_error();
}
