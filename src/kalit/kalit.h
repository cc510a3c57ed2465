/* kalit.h: what the commands of kalit, the citizen/agency client, share */
#ifndef KALIT_KALIT_H
#define KALIT_KALIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define KALIT_TIMEOUT_DEFAULT	30	/* seconds for one HTTP request */
#define KALIT_TIMEOUT_MAX	600
#define KALIT_URL_MAX		2048	/* --server, bytes */
#define KALIT_CLIENT_MAX	255	/* --client, bytes */
#define KALIT_SCOPE_MAX		1024	/* --scope, bytes */
#define KALIT_ANSWER_MAX	(64 * 1024)	/* one answer of the server */
#define KALIT_TOKEN_MAX		(32 * 1024)	/* bytes of an access_token */

/* The characters of base64url (RFC 4648 section 5), for kalit_chars(). */
#define KALIT_B64URL	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789-_"

#define KALIT_ARGS_MAX		1	/* positional arguments (files) */
#define KALIT_PROGRESS_MIN	(64 * 1024 * 1024)	/* bytes hashed before
						   progress is shown */

/* Parsed command line; NULL/0 when not given. Strings borrowed from argv. */
struct kalit_opts {
	const char	*key, *server, *client, *password, *cacert;
	const char	*out, *cosign, *content, *digest, *timestamp;
	const char	*trust_dir, *crl_dir, *ocsp_url, *revocation;
	const char	*scope, *audience;
	const char	*args[KALIT_ARGS_MAX];
	int		 nargs;
	int		 timeout;	/* seconds; KALIT_TIMEOUT_DEFAULT */
	int		 attached;
	int		 ocsp, crl_fetch, cache;	/* 1 unless --no-... */
	int		 json, verbose;
	int		 mtls;		/* token: tls_client_auth (RFC 8705) */
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
 * --server without one trailing '/' into base. KALIT_ERR_USAGE, reported,
 * when it does not fit.
 */
int	kalit_server_base(const struct kalit_opts *o, char base[KALIT_URL_MAX]);

/*
 * 1 if s is 1 to max bytes and has nothing a terminal or an HTTP request
 * line would act on: no space, control or non-ASCII byte; else 0.
 */
int	kalit_printable(const char *s, size_t max);

/* 1 if s is an http:// or https:// URL, kalit_printable(); else 0. */
int	kalit_http_url(const char *s, size_t max);

/* 1 if s is len bytes, at most max, each one of the set given; else 0. */
int	kalit_chars(const char *s, size_t len, size_t max, const char *set);

struct fetch_cert;

/*
 * Asks the server at url (borrowed): a GET when ctype is NULL, else a
 * POST of the string body as ctype. cert (borrowed; may be NULL) is the
 * TLS client certificate shown when the server asks for one: url must
 * be https://, and libcurl's TLS OpenSSL (fetch()). On KALIT_OK *answerp
 * is the JSON object the server answered with 200 (new reference). Every
 * other outcome is reported here: an error object as "kalit: WHAT
 * refused: CODE: description" (escaped), and with --json on standard
 * output, and returned as the enum kalit_err of that name (server_error
 * for any other); no answer, or one that is not JSON, as network_error
 * or server_error.
 */
int	kalit_request(const struct kalit_opts *o, const char *what,
	    const char *url, const struct fetch_cert *cert, const char *ctype,
	    const char *body, json_t **answerp);

/*
 * The commands. Each reports its own errors on standard error and returns
 * the enum kalit_err that decides the exit status.
 */
int	cmd_login(const struct kalit_opts *o);
int	cmd_sign(const struct kalit_opts *o);
int	cmd_verify(const struct kalit_opts *o);
int	cmd_token(const struct kalit_opts *o);

/*
 * Reads the password as --password says (asking on the terminal by
 * default) and opens the key file --key. Reports failures itself. On
 * KALIT_OK the caller frees *keyp, *certp and *chainp (chainp may be
 * NULL).
 */
int	kalit_load_key(const struct kalit_opts *o, EVP_PKEY **keyp,
	    X509 **certp, STACK_OF(X509) **chainp);

/*
 * Progress of hashing a long document, on standard error when it is a
 * terminal: "what: 42% (430 of 1024 MiB)". Zero it, set what, pass it
 * as the digest_progress argument; kalit_progress_done() ends the line.
 */
struct kalit_progress {
	const char	*what;
	int		 shown;		/* percent shown + 1; 0: none */
};
void	kalit_progress(void *arg, uint64_t done, uint64_t total);
void	kalit_progress_done(struct kalit_progress *p);

#endif
