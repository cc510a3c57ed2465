/* log.h: the one place library code reports detail (programs choose the sink) */
#ifndef KALIT_LOG_H
#define KALIT_LOG_H

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

/* Sets the program name prefixed to each line and the most verbose level shown. */
void	log_init(const char *progname, int level);

/* Writes one line to stderr if level is enabled. Never pass secrets. */
void	log_msg(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Logs the failed OpenSSL call's name with the error queue, then clears it. */
void	log_ssl(int level, const char *call);

#endif
