/* log.h: the one place library code reports detail (programs choose the sink) */
#ifndef KALIT_LOG_H
#define KALIT_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

/* Sets the program name prefixed to each line and the most verbose level shown. */
void	log_init(const char *progname, int level);

/* The longest message log_msg() writes whole; a longer one ends in "...". */
#define LOG_LINE_MAX	2048

/*
 * Writes one line to stderr if level is enabled, with one write(2), so
 * lines of several threads never interleave. Control characters, invalid
 * UTF-8, C1 and bidirectional controls and '\' of the formatted text are
 * escaped (log_escape()). Never pass secrets.
 */
void	log_msg(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Copies inlen bytes of in to out (outsize bytes, NUL-terminated) with
 * '\' as "\\" and every byte of a control character, of invalid UTF-8, or
 * of a C1 or bidirectional control (U+061C, U+200E, U+200F, U+202A to
 * U+202E, U+2066 to U+2069) as "\xNN"; stops early rather than cut an
 * escape. Returns the length written.
 */
size_t	log_escape(const char *in, size_t inlen, char *out, size_t outsize);

/* Logs the failed OpenSSL call's name with the error queue, then clears it. */
void	log_ssl(int level, const char *call);

#endif
