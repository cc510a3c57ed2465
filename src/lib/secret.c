/* secret.c: passphrases from a file, the environment, a descriptor or a no-echo prompt */
#include "config.h"

#include "secret.h"
#include "err.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* Reads the first line of fd into a new secret; fd stays open. */
static int
secret_from_fd(int fd, char **outp)
{
	char *buf;
	size_t len = 0;
	ssize_t n;
	char c;

	if ((buf = OPENSSL_zalloc(SECRET_MAX + 1)) == NULL)
		return KALIT_ERR_NOMEM;
	for (;;) {
		n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			OPENSSL_clear_free(buf, SECRET_MAX + 1);
			return KALIT_ERR_IO;
		}
		if (n == 0 || c == '\n')
			break;
		if (len == SECRET_MAX) {
			OPENSSL_clear_free(buf, SECRET_MAX + 1);
			return KALIT_ERR_TOO_LARGE;
		}
		buf[len++] = c;
	}
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	*outp = buf;
	return KALIT_OK;
}

static int
secret_from_file(const char *path, char **outp)
{
	int r, fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, strerror(errno));
		return KALIT_ERR_IO;
	}
	r = secret_from_fd(fd, outp);
	close(fd);
	return r;
}

static int
secret_from_env(const char *var, char **outp)
{
	const char *v = getenv(var);
	size_t len;

	if (v == NULL) {
		log_msg(LOG_LEVEL_ERROR, "environment variable %s is not set",
		    var);
		return KALIT_ERR_PASSPHRASE_MISSING;
	}
	if ((len = strlen(v)) > SECRET_MAX)
		return KALIT_ERR_TOO_LARGE;
	if ((*outp = OPENSSL_zalloc(SECRET_MAX + 1)) == NULL)
		return KALIT_ERR_NOMEM;
	memcpy(*outp, v, len);
	return KALIT_OK;
}

/* One no-echo read from the terminal, restoring its mode afterwards. */
static int
secret_ask(int tty, const char *prompt, char **outp)
{
	struct termios old, noecho;
	int r;

	if (tcgetattr(tty, &old) == -1)
		return KALIT_ERR_PASSPHRASE_MISSING;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	noecho.c_lflag |= ECHONL;
	if (write(tty, prompt, strlen(prompt)) == -1 ||
	    tcsetattr(tty, TCSAFLUSH, &noecho) == -1)
		return KALIT_ERR_PASSPHRASE_MISSING;
	r = secret_from_fd(tty, outp);
	tcsetattr(tty, TCSAFLUSH, &old);
	return r;
}

static int
secret_prompt(const char *prompt, int confirm, char **outp)
{
	char *first = NULL, *again = NULL, line[256];
	int r, tty;

	if ((tty = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1) {
		log_msg(LOG_LEVEL_ERROR, "no terminal to ask for the %s on; "
		    "use file:PATH, env:VAR or fd:N", prompt);
		return KALIT_ERR_PASSPHRASE_MISSING;
	}
	snprintf(line, sizeof(line), "Enter %s: ", prompt);
	if ((r = secret_ask(tty, line, &first)) != KALIT_OK)
		goto out;
	if (confirm) {
		snprintf(line, sizeof(line), "Repeat %s: ", prompt);
		if ((r = secret_ask(tty, line, &again)) != KALIT_OK)
			goto out;
		if (strcmp(first, again) != 0) {
			log_msg(LOG_LEVEL_ERROR, "the two entries differ");
			r = KALIT_ERR_PASSPHRASE;
			goto out;
		}
	}
	*outp = first;
	first = NULL;
	r = KALIT_OK;
 out:
	close(tty);
	secret_free(first);
	secret_free(again);
	return r;
}

/* prompt's length without a trailing ": " (kalitd's prompts have one). */
static int
what_len(const char *prompt)
{
	size_t n = strlen(prompt);

	while (n > 0 && (prompt[n - 1] == ' ' || prompt[n - 1] == ':'))
		n--;
	return n > 200 ? 200 : (int)n;
}

int
secret_read(const char *spec, const char *prompt, int confirm, char **outp)
{
	char *s = NULL, *end;
	long fd;
	int r;

	*outp = NULL;
	if (spec == NULL || strcmp(spec, "prompt") == 0)
		r = secret_prompt(prompt, confirm, &s);
	else if (strncmp(spec, "file:", 5) == 0)
		r = secret_from_file(spec + 5, &s);
	else if (strncmp(spec, "env:", 4) == 0)
		r = secret_from_env(spec + 4, &s);
	else if (strncmp(spec, "fd:", 3) == 0) {
		errno = 0;
		fd = strtol(spec + 3, &end, 10);
		if (spec[3] == '\0' || *end != '\0' || errno != 0 || fd < 0 ||
		    fd > 1024) {
			log_msg(LOG_LEVEL_ERROR, "%.*s: fd:N wants a "
			    "descriptor number from 0 to 1024", what_len(prompt),
			    prompt);
			return KALIT_ERR_USAGE;
		}
		r = secret_from_fd((int)fd, &s);
	} else {
		/*
		 * Not a word of spec: it is most likely the secret itself,
		 * typed where its source belongs.
		 */
		log_msg(LOG_LEVEL_ERROR, "%.*s: give it as file:PATH, env:VAR, "
		    "fd:N or prompt (the value given is none of these, and is "
		    "not shown)", what_len(prompt), prompt);
		return KALIT_ERR_USAGE;
	}
	if (r != KALIT_OK)
		return r;
	if (s[0] == '\0') {
		log_msg(LOG_LEVEL_ERROR, "the %s is empty", prompt);
		secret_free(s);
		return KALIT_ERR_PASSPHRASE_MISSING;
	}
	*outp = s;
	return KALIT_OK;
}

void
secret_free(char *secret)
{
	if (secret != NULL)
		OPENSSL_clear_free(secret, SECRET_MAX + 1);
}
