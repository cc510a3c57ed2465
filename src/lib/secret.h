/* secret.h: passphrases from a file, the environment, a descriptor or a no-echo prompt */
#ifndef KALIT_SECRET_H
#define KALIT_SECRET_H

#define SECRET_MAX	1024	/* bytes, excluding the terminating NUL */

/*
 * Reads a secret as spec says: "file:PATH" (first line), "env:VAR",
 * "fd:N" (first line) or "prompt" (no echo on /dev/tty; asked twice when
 * confirm is set). A NULL spec means "prompt". An empty secret is refused.
 * On KALIT_OK *outp is a new string; caller frees with secret_free().
 */
int	secret_read(const char *spec, const char *prompt, int confirm,
	    char **outp);

/* Wipes and frees a secret; accepts NULL. */
void	secret_free(char *secret);

#endif
