/* log.c: leveled logging to stderr, with the OpenSSL error queue */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

#include <openssl/err.h>

static const char *log_prog = "kalit";
static int log_level = LOG_LEVEL_WARN;

void
log_init(const char *progname, int level)
{
	log_prog = progname;
	log_level = level;
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", log_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
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
