/* main.c: kalit-ca, the administrators' CA toolset: options and dispatch */
#include "config.h"

#include "ca.h"
#include "cmdline.h"
#include "err.h"
#include "log.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

enum opt_id {
	O_DIR = 0, O_JSON, O_OPERATOR, O_CA_PASS, O_NEW_PASS, O_KEY_PASS,
	O_CN, O_ORG, O_COUNTRY, O_KEY_TYPE, O_DAYS, O_BASE_URL, O_PROFILE,
	O_NAME, O_CA, O_OUT, O_CSR, O_BATCH, O_REASON, O_SERIALS_FROM,
	O_STATUS, O_EXPIRES, O_LEGACY, O_PEM, O_SAME_KEY, O_GIVEN_NAME,
	O_SURNAME, O_PINFL, O_TIN, O_EMAIL, O_TITLE, O_ORG_TIN, O_VERBOSE,
	O_HELP, O_VERSION, O_DNS, O_IP, O_CRL_SHARDS, O_DELTA_CRL, O_DELTA,
	O_WATCH, O_EVERY, O_BEFORE, O_ARCHIVE, O_EXPECT_HEAD, O__MAX
};

#define B(o)		CMDLINE_BIT(o)
#define GLOBAL_OPTS	(B(O_DIR) | B(O_JSON) | B(O_OPERATOR) | B(O_VERBOSE) | \
			 B(O_HELP))
#define IDENTITY_OPTS	(B(O_GIVEN_NAME) | B(O_SURNAME) | B(O_PINFL) | \
			 B(O_TIN) | B(O_EMAIL) | B(O_TITLE) | B(O_ORG_TIN) | \
			 B(O_CN) | B(O_ORG) | B(O_DNS) | B(O_IP))

/* kind, destination and range; no option of kalit-ca has an alias */
#define K(k, f, lo, hi)	k, offsetof(struct ca_opts, f), lo, hi, NULL
#define S(f)		K(CMDLINE_STR, f, 0, 0)
#define F(f)		K(CMDLINE_FLAG, f, 0, 0)
#define N(f, lo, hi)	K(CMDLINE_INT, f, lo, hi)
#define ID(i)		S(field[i])
#define CALLER(k)	K(k, arg, 0, 0)	/* main() or parse() acts on it */

/* Indexed by enum opt_id; options of no command are in GLOBAL_OPTS. */
static const struct cmdline_opt opts[] = {
	{ "dir", 'd', S(dir) },
	{ "json", 0, F(json) },
	{ "operator", 0, S(operator_) },
	{ "ca-pass", 0, S(ca_pass) },
	{ "new-pass", 0, S(new_pass) },
	{ "key-pass", 0, S(key_pass) },
	{ "cn", 0, S(cn) },
	{ "org", 0, S(org) },
	{ "country", 0, S(country) },
	{ "key-type", 0, S(key_type) },
	{ "days", 0, N(days, 1, 36525) },
	{ "base-url", 0, S(base_url) },
	{ "profile", 0, S(profile) },
	{ "name", 0, S(name) },
	{ "ca", 0, S(ca) },
	{ "out", 0, S(out) },
	{ "csr", 0, S(csr) },
	{ "batch", 0, S(batch) },
	{ "reason", 0, S(reason) },
	{ "serials-from", 0, S(serials_from) },
	{ "status", 0, S(status) },
	{ "expires-within", 0, N(expires_within, 1, 36525) },
	{ "legacy", 0, F(legacy) },
	{ "pem", 0, F(pem) },
	{ "same-key", 0, F(same_key) },
	{ "given-name", 0, ID(IDENTITY_GIVEN_NAME) },
	{ "surname", 0, ID(IDENTITY_SURNAME) },
	{ "pinfl", 0, ID(IDENTITY_PINFL) },
	{ "tin", 0, ID(IDENTITY_TIN) },
	{ "email", 0, ID(IDENTITY_EMAIL) },
	{ "title", 0, ID(IDENTITY_TITLE) },
	{ "org-tin", 0, ID(IDENTITY_ORG_TIN) },
	{ "verbose", 'v', K(CMDLINE_COUNT, verbose, 0, 0) },
	{ "help", 'h', CALLER(CMDLINE_CALLER) },
	{ "version", 0, CALLER(CMDLINE_CALLER) },
	{ "dns", 0, CALLER(CMDLINE_CALLER_ARG) },	/* repeatable */
	{ "ip", 0, CALLER(CMDLINE_CALLER_ARG) },
	{ "crl-shards", 0, N(crl_shards, 1, STORE_SHARDS_MAX) },
	{ "delta-crl", 0, F(delta_crl) },
	{ "delta", 0, F(delta) },
	{ "watch", 0, F(watch) },
	{ "every", 0, N(every, 10, 86400 * 366) },
	{ "before", 0, K(CMDLINE_TIME, before, 0, 0) },
	{ "archive", 0, S(archive) },
	{ "expect-head", 0, S(expect_head) },
};
#undef K
#undef S
#undef F
#undef N
#undef ID
#undef CALLER

_Static_assert(sizeof(opts) / sizeof(opts[0]) == O__MAX,
    "opts has an entry for every opt_id");
_Static_assert(O__MAX <= CMDLINE_OPTS_MAX, "the option bits fit seen");

struct command {
	const char	*name;
	int		 (*fn)(struct ca_ctx *);
	uint64_t	 allowed;
	int		 nargs;		/* positional arguments: 0 or 1 */
	const char	*usage;
};

static const struct command commands[] = {
	{ "init", NULL, B(O_CA_PASS) | B(O_CN) | B(O_ORG) | B(O_COUNTRY) |
	    B(O_KEY_TYPE) | B(O_DAYS) | B(O_BASE_URL), 0,
	    "init [--cn CN] [--org O] [--country CC] [--key-type T] "
	    "[--days N] [--base-url URL] [--ca-pass SPEC]" },
	{ "ca-new", cmd_ca_new, B(O_PROFILE) | B(O_NAME) | B(O_CN) |
	    B(O_ORG) | B(O_KEY_TYPE) | B(O_DAYS) | B(O_CA_PASS) |
	    B(O_NEW_PASS) | B(O_CRL_SHARDS) | B(O_DELTA_CRL), 0,
	    "ca-new --profile P [--name NAME] [--cn CN] [--key-type T] "
	    "[--days N] [--crl-shards N] [--delta-crl] [--ca-pass SPEC] "
	    "[--new-pass SPEC]" },
	{ "ca-list", cmd_ca_list, 0, 0, "ca-list" },
	{ "issue", cmd_issue, B(O_PROFILE) | B(O_CA) | IDENTITY_OPTS |
	    B(O_OUT) | B(O_CSR) | B(O_BATCH) | B(O_LEGACY) | B(O_KEY_TYPE) |
	    B(O_DAYS) | B(O_CA_PASS) | B(O_KEY_PASS), 0,
	    "issue --profile P [--ca NAME] IDENTITY [--dns NAME ...] "
	    "[--ip ADDRESS ...] (--out FILE.p12 [--legacy] | --csr FILE "
	    "[--out FILE.crt] | --batch FILE.jsonl)" },
	{ "renew", cmd_renew, B(O_OUT) | B(O_CSR) | B(O_SAME_KEY) |
	    B(O_LEGACY) | B(O_KEY_TYPE) | B(O_DAYS) | B(O_CA_PASS) |
	    B(O_KEY_PASS), 1,
	    "renew SERIAL (--out FILE.p12 | --csr FILE | --same-key) "
	    "[--out FILE]" },
	{ "revoke", cmd_revoke, B(O_REASON) | B(O_SERIALS_FROM), -1,
	    "revoke (SERIAL | --serials-from FILE) --reason R" },
	{ "hold", cmd_hold, 0, 1, "hold SERIAL" },
	{ "release", cmd_release, 0, 1, "release SERIAL" },
	{ "crl", cmd_crl, B(O_CA) | B(O_DAYS) | B(O_OUT) | B(O_PEM) |
	    B(O_CA_PASS) | B(O_DELTA) | B(O_WATCH) | B(O_EVERY), 0,
	    "crl --ca NAME [--delta] [--days N] [--out FILE] [--pem] | "
	    "crl --watch [--ca NAME] [--every SECONDS] [--days N]" },
	{ "responder", cmd_responder, B(O_CA) | B(O_OUT) | B(O_DAYS) |
	    B(O_CN) | B(O_ORG) | B(O_KEY_TYPE) | B(O_LEGACY) | B(O_CA_PASS) |
	    B(O_KEY_PASS) | B(O_NEW_PASS), 0,
	    "responder --ca NAME --out FILE.p12 [--days N] [--key-type T] "
	    "[--cn CN] [--new-pass SPEC]" },
	{ "list", cmd_list, B(O_STATUS) | B(O_PROFILE) | B(O_CA) |
	    B(O_PINFL) | B(O_TIN) | B(O_EXPIRES), 0,
	    "list [--status S] [--profile P] [--ca NAME] [--pinfl P] "
	    "[--tin T] [--expires-within DAYS]" },
	{ "show", cmd_show, B(O_PEM), 1, "show SERIAL [--pem]" },
	{ "audit-verify", cmd_audit_verify, B(O_ARCHIVE) | B(O_EXPECT_HEAD),
	    0, "audit-verify [--expect-head SEQ:HASH] [--archive FILE]" },
	{ "audit-archive", cmd_audit_archive, B(O_BEFORE) | B(O_OUT), 0,
	    "audit-archive --before DATE --out FILE" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "%susage: kalit-ca [-d DIR] [--json] [--operator NAME] "
	    "COMMAND [options]\n", f == stderr ? "kalit-ca: " : "");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "       kalit-ca %s\n", commands[i].usage);
	fprintf(f, "See kalit-ca(1).\n");
}

static int
fail(int err, const char *what)
{
	fprintf(stderr, "kalit-ca: %s: %s%s%s\n", kalit_errname(err),
	    what != NULL ? what : "", what != NULL ? ": " : "",
	    kalit_strerror(err));
	return kalit_exit_status(err);
}

/* --dns or --ip, repeatable; 0 after printing why when there are too many. */
static int
add_host(struct ca_opts *o, int c, const char *arg)
{
	if (o->n_dns + o->n_ip >= IDENTITY_HOSTS_MAX) {
		fprintf(stderr, "kalit-ca: usage: at most %d --dns and --ip\n",
		    IDENTITY_HOSTS_MAX);
		return 0;
	}
	if (c == O_DNS)
		o->dns[o->n_dns++] = arg;
	else
		o->ip[o->n_ip++] = arg;
	return 1;
}

/* The command named, its options and arguments checked; NULL after why. */
static const struct command *
check_command(const char *cmdname, uint64_t seen, int nargs)
{
	const struct command *cmd = NULL;
	size_t i;
	int c;

	if (cmdname == NULL) {
		usage(stderr);
		return NULL;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, cmdname) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		fprintf(stderr, "kalit-ca: usage: unknown command \"%s\"\n",
		    cmdname);
		usage(stderr);
		return NULL;
	}
	if ((c = cmdline_not_allowed(seen, cmd->allowed | GLOBAL_OPTS)) >= 0) {
		fprintf(stderr, "kalit-ca: usage: --%s does not apply "
		    "to %s\nusage: kalit-ca %s\n", opts[c].name, cmd->name,
		    cmd->usage);
		return NULL;
	}
	if ((cmd->nargs >= 0 && nargs != cmd->nargs) || nargs > 1) {
		fprintf(stderr, "kalit-ca: usage: kalit-ca %s\n", cmd->usage);
		return NULL;
	}
	return cmd;
}

/* Fills o from argv; returns the command or NULL after printing why. */
static const struct command *
parse(int argc, char **argv, struct ca_opts *o)
{
	const struct command *cmd;
	const char *cmdname = NULL;
	struct cmdline cl;
	int c, nargs = 0;

	cmdline_init(&cl, opts, O__MAX, 1);
	while ((c = cmdline_next(&cl, argc, argv, o)) != CMDLINE_END) {
		switch (c) {
		case CMDLINE_ARG:
			if (cmdname == NULL)
				cmdname = cl.arg;
			else if (nargs++ == 0)
				o->arg = cl.arg;
			else {
				fprintf(stderr, "kalit-ca: usage: unexpected "
				    "argument \"%s\"\n", cl.arg);
				return NULL;
			}
			break;
		case CMDLINE_UNKNOWN:
			usage(stderr);
			return NULL;
		case CMDLINE_BAD:
			fprintf(stderr, "kalit-ca: usage: --%s: \"%s\" is not "
			    "%s\n", opts[cl.bad].name, cl.arg,
			    cl.bad == O_BEFORE ? "a date (2026-11-23 or "
			    "2026-11-23T10:00:00Z)" : "a number in range");
			return NULL;
		case O_DNS:
		case O_IP:
			if (!add_host(o, c, cl.arg))
				return NULL;
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		case O_VERSION:
			printf("kalit-ca %s\n", PACKAGE_VERSION);
			exit(0);
		}
	}
	if ((cmd = check_command(cmdname, cl.seen, nargs)) == NULL)
		return NULL;
	if (o->dir == NULL)
		o->dir = getenv("KALIT_CA_DIR");
	if (o->dir == NULL || o->dir[0] == '\0') {
		fprintf(stderr, "kalit-ca: usage: no CA directory; use -d DIR "
		    "or set KALIT_CA_DIR\n");
		return NULL;
	}
	return cmd;
}

int
main(int argc, char **argv)
{
	struct ca_opts o;
	struct ca_ctx ctx;
	const struct command *cmd;
	int r;

	memset(&o, 0, sizeof(o));
	memset(&ctx, 0, sizeof(ctx));
	if ((cmd = parse(argc, argv, &o)) == NULL)
		return 1;
	log_init("kalit-ca", o.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	if (cmd->fn == NULL)
		r = cmd_init(&ctx, &o);
	else if ((r = ca_open(&ctx, &o)) == KALIT_OK)
		r = cmd->fn(&ctx);
	ca_close(&ctx);
	if (r != KALIT_OK)
		return fail(r, cmd->name);
	return 0;
}
