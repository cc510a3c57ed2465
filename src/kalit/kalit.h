/* kalit.h: what the commands of kalit, the citizen/agency client, share */
#ifndef KALIT_KALIT_H
#define KALIT_KALIT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define KALIT_TIMEOUT_DEFAULT	30	/* seconds for one HTTP request */
#define KALIT_TIMEOUT_MAX	600
#define KALIT_URL_MAX		2048	/* --server, bytes */
#define KALIT_CLIENT_MAX	255	/* --client, bytes */
#define KALIT_ANSWER_MAX	(64 * 1024)	/* one answer of the server */

/* Parsed command line; NULL/0 when not given. Strings borrowed from argv. */
struct kalit_opts {
	const char	*key, *server, *client, *password, *cacert;
	int		 timeout;	/* seconds; KALIT_TIMEOUT_DEFAULT */
	int		 json, verbose;
};

/*
 * Prints "kalit: CODE: what: explanation" on standard error (what may be
 * NULL) and returns err, for "return kalit_fail(r, path);".
 */
int	kalit_fail(int err, const char *what);

/*
 * Writes len bytes of s (untrusted, may hold NULs) to f with everything a
 * terminal would act on escaped: C0 controls, DEL and the C1 controls of
 * UTF-8 as \xNN or \u00NN, and the backslash itself as \\.
 */
void	kalit_put_safe(FILE *f, const char *s, size_t len);

/*
 * Prints v on standard output as JSON, indented, keys sorted, and a
 * newline. KALIT_ERR_IO if it cannot be written.
 */
int	kalit_print_json(const json_t *v);

/* Frees a string from json_dumps(): jansson's allocator wipes secrets. */
void	kalit_json_free(void *p);

/*
 * The commands. Each reports its own errors on standard error and returns
 * the enum kalit_err that decides the exit status.
 */
int	cmd_login(const struct kalit_opts *o);

#endif
