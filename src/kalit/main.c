/* main.c: kalit, the citizen/agency client: options, dispatch, output */
#include "config.h"

#include "kalit.h"
#include "cmdline.h"
#include "err.h"
#include "fetch.h"
#include "log.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

enum opt_id {
	O_KEY = 0, O_SERVER, O_CLIENT, O_PASSWORD, O_CACERT, O_TIMEOUT,
	O_JSON, O_VERBOSE, O_HELP, O_VERSION, O_OUT, O_ATTACHED, O_COSIGN,
	O_CONTENT, O_DIGEST, O_TRUST_DIR, O_CRL_DIR, O_OCSP, O_NO_OCSP,
	O_OCSP_URL, O_NO_CRL_FETCH, O_REVOCATION, O_TIMESTAMP, O_SCOPE,
	O_AUDIENCE, O_NO_CACHE, O_MTLS, O__MAX
};

#define B(o)		CMDLINE_BIT(o)
#define GLOBAL_OPTS	(B(O_JSON) | B(O_VERBOSE) | B(O_HELP) | B(O_VERSION))

/* kind and destination; --timeout's range is KALIT_TIMEOUT_MAX's */
#define K(k, f)		k, offsetof(struct kalit_opts, f), 0, 0, NULL
#define S(f)		K(CMDLINE_STR, f)
#define CALLER		K(CMDLINE_CALLER, key)	/* parse() acts on it */

/* Indexed by enum opt_id. */
static const struct cmdline_opt opts[] = {
	{ "key", 0, S(key) },
	{ "server", 0, S(server) },
	{ "client", 0, S(client) },
	{ "password", 0, CMDLINE_STR, offsetof(struct kalit_opts, password),
	    0, 0, "pass" },	/* --pass: an alias */
	{ "cacert", 0, S(cacert) },
	{ "timeout", 0, CMDLINE_INT, offsetof(struct kalit_opts, timeout), 1,
	    KALIT_TIMEOUT_MAX, NULL },
	{ "json", 0, K(CMDLINE_FLAG, json) },
	{ "verbose", 'v', K(CMDLINE_COUNT, verbose) },
	{ "help", 'h', CALLER },
	{ "version", 0, CALLER },
	{ "out", 0, S(out) },
	{ "attached", 0, K(CMDLINE_FLAG, attached) },
	{ "cosign", 0, S(cosign) },
	{ "content", 0, S(content) },
	{ "digest", 0, S(digest) },
	{ "trust-dir", 0, S(trust_dir) },
	{ "crl-dir", 0, S(crl_dir) },
	{ "ocsp", 0, K(CMDLINE_FLAG, ocsp) },
	{ "no-ocsp", 0, K(CMDLINE_UNSET, ocsp) },
	{ "ocsp-url", 0, S(ocsp_url) },
	{ "no-crl-fetch", 0, K(CMDLINE_UNSET, crl_fetch) },
	{ "revocation", 0, S(revocation) },
	{ "timestamp", 0, S(timestamp) },
	{ "scope", 0, S(scope) },
	{ "audience", 0, S(audience) },
	{ "no-cache", 0, K(CMDLINE_UNSET, cache) },
	{ "mtls", 0, K(CMDLINE_FLAG, mtls) },
};
#undef K
#undef S
#undef CALLER

_Static_assert(sizeof(opts) / sizeof(opts[0]) == O__MAX,
    "opts has an entry for every opt_id");
_Static_assert(O__MAX <= CMDLINE_OPTS_MAX, "the option bits fit seen");

struct command {
	const char	*name;
	int		 (*fn)(const struct kalit_opts *);
	uint64_t	 allowed;	/* options besides GLOBAL_OPTS */
	uint64_t	 required;
	int		 args_min, args_max;	/* file arguments */
	const char	*usage;
};

#define REVOCATION_OPTS	(B(O_CRL_DIR) | B(O_OCSP) | B(O_NO_OCSP) | \
	B(O_OCSP_URL) | B(O_NO_CRL_FETCH) | B(O_REVOCATION) | B(O_TIMEOUT))

static const struct command commands[] = {
	{ "login", cmd_login, B(O_KEY) | B(O_SERVER) | B(O_CLIENT) |
	    B(O_PASSWORD) | B(O_CACERT) | B(O_TIMEOUT),
	    B(O_KEY) | B(O_SERVER) | B(O_CLIENT), 0, 0,
	    "login --key FILE.p12 --server URL --client ID "
	    "[--password SPEC]\n"
	    "                   [--cacert FILE] [--timeout SECONDS]" },
	{ "token", cmd_token, B(O_KEY) | B(O_SERVER) | B(O_CLIENT) |
	    B(O_PASSWORD) | B(O_SCOPE) | B(O_AUDIENCE) | B(O_CACERT) |
	    B(O_TIMEOUT) | B(O_NO_CACHE) | B(O_MTLS),
	    B(O_KEY) | B(O_SERVER) | B(O_CLIENT), 0, 0,
	    "token --key FILE.p12 --server URL --client ID "
	    "[--password SPEC]\n"
	    "                   [--scope \"S1 S2\"] [--audience URI] "
	    "[--mtls] [--cacert FILE]\n"
	    "                   [--timeout SECONDS] [--no-cache]" },
	{ "sign", cmd_sign, B(O_KEY) | B(O_PASSWORD) | B(O_OUT) |
	    B(O_ATTACHED) | B(O_COSIGN) | B(O_TIMESTAMP) | B(O_CACERT) |
	    B(O_TIMEOUT), B(O_KEY), 0, 1,
	    "sign DOCUMENT --key FILE.p12 [--password SPEC] [--attached]\n"
	    "                   [--cosign SIGNATURE] [--out FILE]\n"
	    "                   [--timestamp URL [--cacert FILE] "
	    "[--timeout SECONDS]]" },
	{ "verify", cmd_verify, B(O_CONTENT) | B(O_DIGEST) | B(O_TRUST_DIR) |
	    REVOCATION_OPTS, B(O_TRUST_DIR), 1, 1,
	    "verify SIGNATURE [--content FILE | --digest HEX] "
	    "--trust-dir DIR\n"
	    "                   [--crl-dir DIR] [--ocsp | --no-ocsp] "
	    "[--ocsp-url URL]\n"
	    "                   [--no-crl-fetch] [--revocation MODE] "
	    "[--timeout SECONDS]" },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

/*
 * jansson holds the session token; every block it frees is wiped first.
 * The header keeps the block's size and the payload's alignment.
 */
union json_block {
	size_t		 len;
	max_align_t	 align;
};

static void *
json_wiping_malloc(size_t len)
{
	union json_block *b;

	if (len > SIZE_MAX - sizeof(*b) ||
	    (b = malloc(sizeof(*b) + len)) == NULL)
		return NULL;
	b->len = len;
	return b + 1;
}

static void
json_wiping_free(void *p)
{
	union json_block *b;

	if (p == NULL)
		return;
	b = (union json_block *)p - 1;
	OPENSSL_cleanse(p, b->len);
	free(b);
}

void
kalit_json_free(void *p)
{
	json_wiping_free(p);
}

int
kalit_fail(int err, const char *what)
{
	fprintf(stderr, "kalit: %s: %s%s%s\n", kalit_errname(err),
	    what != NULL ? what : "", what != NULL ? ": " : "",
	    kalit_strerror(err));
	return err;
}

void
kalit_put_safe(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			fprintf(f, "\\x%02x", p[i]);
		else if (p[i] == '\\')
			fputs("\\\\", f);
		else if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f) {
			/* U+0080..U+009F: C1 controls, e.g. CSI */
			fprintf(f, "\\u%04x", p[i + 1]);
			i++;
		} else
			fputc(p[i], f);
	}
}

int
kalit_print_json(const json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) == -1 ||
	    fputc('\n', stdout) == EOF)
		return kalit_fail(KALIT_ERR_IO, "standard output");
	return KALIT_OK;
}

void
kalit_progress(void *arg, uint64_t done, uint64_t total)
{
	struct kalit_progress *p = arg;
	int pct;

	/* Only for what takes a while: a few hundred MiB/s. */
	if ((total > 0 ? total : done) < KALIT_PROGRESS_MIN ||
	    !isatty(STDERR_FILENO))
		return;
	pct = total > 0 ? (int)(done * 100 / total) : (int)(done >> 26);
	if (pct == p->shown - 1)
		return;
	p->shown = pct + 1;
	if (total > 0)
		fprintf(stderr, "\r%s: %3d%% (%llu of %llu MiB)", p->what, pct,
		    (unsigned long long)(done >> 20),
		    (unsigned long long)(total >> 20));
	else
		fprintf(stderr, "\r%s: %llu MiB", p->what,
		    (unsigned long long)(done >> 20));
}

void
kalit_progress_done(struct kalit_progress *p)
{
	if (p->shown > 0 && isatty(STDERR_FILENO))
		fputc('\n', stderr);
	p->shown = 0;
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "%susage: kalit [--json] [-v] COMMAND [options]\n",
	    f == stderr ? "kalit: " : "");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "       kalit %s\n", commands[i].usage);
	fprintf(f, "       kalit -h | --help | --version\nSee kalit(1).\n");
}

/* An --option's URL, when given; prints why and returns 0 if bad. */
static int
url_ok(const char *option, const char *s, size_t max)
{
	if (s == NULL || kalit_http_url(s, max))
		return 1;
	fprintf(stderr, "kalit: usage: --%s: \"%.64s\" is not an http:// or "
	    "https:// URL\n", option, s);
	return 0;
}

/* RFC 6749 section 3.3: words of NQCHAR, one space between them. */
static int
scope_ok(const char *s)
{
	size_t i, len = strlen(s);
	unsigned char c;

	if (len == 0 || len > KALIT_SCOPE_MAX || s[0] == ' ' ||
	    s[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == ' ' ? s[i + 1] == ' ' : c < 0x21 || c > 0x7e ||
		    c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

/* RFC 8707 section 2: an absolute URI, without a fragment. */
static int
resource_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+-.");

	return kalit_printable(s, KALIT_URL_MAX) && n > 0 &&
	    isalpha((unsigned char)s[0]) && s[n] == ':' &&
	    strchr(s, '#') == NULL;
}

/* kalit token's --scope and --audience; prints why and returns 0. */
static int
check_token_values(const struct kalit_opts *o)
{
	if (o->scope != NULL && !scope_ok(o->scope)) {
		fprintf(stderr, "kalit: usage: --scope: scope names (RFC 6749 "
		    "3.3) of printable characters but \" and \\, one space "
		    "between them, %d bytes at most\n", KALIT_SCOPE_MAX);
		return 0;
	}
	if (o->audience != NULL && !resource_ok(o->audience)) {
		fprintf(stderr, "kalit: usage: --audience: \"%.64s\" is not "
		    "an absolute URI without a fragment (RFC 8707)\n",
		    o->audience);
		return 0;
	}
	return 1;
}

/* Checks the values of the options given; prints why and returns 0. */
static int
check_values(const struct kalit_opts *o)
{
	if (!url_ok("server", o->server, KALIT_URL_MAX - 32))
		return 0;
	if (o->client != NULL && !kalit_printable(o->client,
	    KALIT_CLIENT_MAX)) {
		fprintf(stderr, "kalit: usage: --client: a client id is 1 to "
		    "%d printable characters without spaces\n",
		    KALIT_CLIENT_MAX);
		return 0;
	}
	if (!url_ok("ocsp-url", o->ocsp_url, KALIT_URL_MAX) ||
	    !url_ok("timestamp", o->timestamp, KALIT_URL_MAX))
		return 0;
	if (o->revocation != NULL && strcmp(o->revocation, "require") != 0 &&
	    strcmp(o->revocation, "soft-fail") != 0 &&
	    strcmp(o->revocation, "off") != 0) {
		fprintf(stderr, "kalit: usage: --revocation: \"%.32s\" is not "
		    "require, soft-fail or off\n", o->revocation);
		return 0;
	}
	return check_token_values(o);
}

/* Options that exclude each other; prints why and returns 0. */
static int
check_exclusive(uint64_t seen)
{
	static const int pairs[][2] = {
		{ O_CONTENT, O_DIGEST }, { O_OCSP, O_NO_OCSP },
		{ O_ATTACHED, O_COSIGN },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if ((seen & B(pairs[i][0])) && (seen & B(pairs[i][1]))) {
			fprintf(stderr, "kalit: usage: --%s and --%s exclude "
			    "each other\n", opts[pairs[i][0]].name,
			    opts[pairs[i][1]].name);
			return 0;
		}
	return 1;
}

/* The command after its options are checked, or NULL after saying why. */
static const struct command *
check_command(const char *name, uint64_t seen, int nargs,
    const struct kalit_opts *o)
{
	const struct command *cmd = NULL;
	size_t i;
	int extra, missing;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		fprintf(stderr, "kalit: usage: unknown command \"%.64s\"\n",
		    name);
		usage(stderr);
		return NULL;
	}
	/* The first option in the table's order that is wrong, either way. */
	extra = cmdline_not_allowed(seen, cmd->allowed | GLOBAL_OPTS);
	missing = cmdline_not_allowed(cmd->required, seen);
	if (extra >= 0 && (missing < 0 || extra < missing)) {
		fprintf(stderr, "kalit: usage: --%s does not apply to %s\n",
		    opts[extra].name, cmd->name);
		goto bad;
	}
	if (missing >= 0) {
		fprintf(stderr, "kalit: usage: %s needs --%s\n", cmd->name,
		    opts[missing].name);
		goto bad;
	}
	if (nargs < cmd->args_min || nargs > cmd->args_max) {
		fprintf(stderr, "kalit: usage: %s takes %s\n", cmd->name,
		    cmd->args_max == 0 ? "no arguments" : cmd->args_min == 0 ?
		    "at most one file" : "one file");
		goto bad;
	}
	if (!check_exclusive(seen))
		goto bad;
	if (!check_values(o))
		return NULL;
	return cmd;
 bad:
	fprintf(stderr, "usage: kalit %s\n", cmd->usage);
	return NULL;
}

/* Fills o from argv; returns the command or NULL after printing why. */
static const struct command *
parse(int argc, char **argv, struct kalit_opts *o)
{
	const char *cmdname = NULL;
	struct cmdline cl;
	int c, nargs = 0;

	cmdline_init(&cl, opts, O__MAX, 1);
	while ((c = cmdline_next(&cl, argc, argv, o)) != CMDLINE_END) {
		switch (c) {
		case CMDLINE_ARG:
			if (cmdname == NULL)
				cmdname = cl.arg;
			else if (nargs++ < KALIT_ARGS_MAX)
				o->args[o->nargs++] = cl.arg;
			break;
		case CMDLINE_UNKNOWN:
			usage(stderr);
			return NULL;
		case CMDLINE_BAD:	/* --timeout, the one option checked here */
			fprintf(stderr, "kalit: usage: --timeout: \"%.32s\" is "
			    "not a number of seconds from 1 to %d\n", cl.arg,
			    KALIT_TIMEOUT_MAX);
			return NULL;
		case O_HELP:
			usage(stdout);
			exit(0);
		case O_VERSION:
			printf("kalit %s\n", PACKAGE_VERSION);
			exit(0);
		}
	}
	if (cmdname == NULL) {
		usage(stderr);
		return NULL;
	}
	return check_command(cmdname, cl.seen, nargs, o);
}

int
main(int argc, char **argv)
{
	struct kalit_opts o;
	const struct command *cmd;
	int r;

	/* Before jansson allocates anything. */
	json_set_alloc_funcs(json_wiping_malloc, json_wiping_free);
	log_init("kalit", LOG_LEVEL_WARN);
	memset(&o, 0, sizeof(o));
	o.timeout = KALIT_TIMEOUT_DEFAULT;
	o.ocsp = 1;
	o.crl_fetch = 1;
	o.cache = 1;
	if ((cmd = parse(argc, argv, &o)) == NULL)
		return kalit_exit_status(KALIT_ERR_USAGE);
	log_init("kalit", o.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	if (fetch_init() != KALIT_OK)
		return kalit_exit_status(kalit_fail(KALIT_ERR_INTERNAL,
		    "curl_global_init"));
	r = cmd->fn(&o);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (r == KALIT_OK)
			r = kalit_fail(KALIT_ERR_IO, "standard output");
	}
	fetch_cleanup();
	return kalit_exit_status(r);
}
