/* main.c: kalit-ca, the administrators' CA toolset: options and dispatch */
#include "config.h"

#include "ca.h"
#include "err.h"
#include "parse.h"
#include "log.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

enum opt_id {
	O_DIR = 256, O_JSON, O_OPERATOR, O_CA_PASS, O_NEW_PASS, O_KEY_PASS,
	O_CN, O_ORG, O_COUNTRY, O_KEY_TYPE, O_DAYS, O_BASE_URL, O_PROFILE,
	O_NAME, O_CA, O_OUT, O_CSR, O_BATCH, O_REASON, O_SERIALS_FROM,
	O_STATUS, O_EXPIRES, O_LEGACY, O_PEM, O_SAME_KEY, O_GIVEN_NAME,
	O_SURNAME, O_PINFL, O_TIN, O_EMAIL, O_TITLE, O_ORG_TIN, O_VERBOSE,
	O_HELP, O_VERSION, O_DNS, O_IP, O_CRL_SHARDS, O_DELTA_CRL, O_DELTA,
	O_WATCH, O_EVERY, O_BEFORE, O_ARCHIVE, O_EXPECT_HEAD, O__MAX
};

#define B(o)		(1ULL << ((o) - O_DIR))
#define GLOBAL_OPTS	(B(O_DIR) | B(O_JSON) | B(O_OPERATOR) | B(O_VERBOSE) | \
			 B(O_HELP))
#define IDENTITY_OPTS	(B(O_GIVEN_NAME) | B(O_SURNAME) | B(O_PINFL) | \
			 B(O_TIN) | B(O_EMAIL) | B(O_TITLE) | B(O_ORG_TIN) | \
			 B(O_CN) | B(O_ORG) | B(O_DNS) | B(O_IP))

static const struct option long_opts[] = {
	{ "dir", required_argument, NULL, O_DIR },
	{ "json", no_argument, NULL, O_JSON },
	{ "operator", required_argument, NULL, O_OPERATOR },
	{ "ca-pass", required_argument, NULL, O_CA_PASS },
	{ "new-pass", required_argument, NULL, O_NEW_PASS },
	{ "key-pass", required_argument, NULL, O_KEY_PASS },
	{ "cn", required_argument, NULL, O_CN },
	{ "org", required_argument, NULL, O_ORG },
	{ "country", required_argument, NULL, O_COUNTRY },
	{ "key-type", required_argument, NULL, O_KEY_TYPE },
	{ "days", required_argument, NULL, O_DAYS },
	{ "base-url", required_argument, NULL, O_BASE_URL },
	{ "profile", required_argument, NULL, O_PROFILE },
	{ "name", required_argument, NULL, O_NAME },
	{ "ca", required_argument, NULL, O_CA },
	{ "out", required_argument, NULL, O_OUT },
	{ "csr", required_argument, NULL, O_CSR },
	{ "batch", required_argument, NULL, O_BATCH },
	{ "reason", required_argument, NULL, O_REASON },
	{ "serials-from", required_argument, NULL, O_SERIALS_FROM },
	{ "status", required_argument, NULL, O_STATUS },
	{ "expires-within", required_argument, NULL, O_EXPIRES },
	{ "legacy", no_argument, NULL, O_LEGACY },
	{ "pem", no_argument, NULL, O_PEM },
	{ "same-key", no_argument, NULL, O_SAME_KEY },
	{ "given-name", required_argument, NULL, O_GIVEN_NAME },
	{ "surname", required_argument, NULL, O_SURNAME },
	{ "pinfl", required_argument, NULL, O_PINFL },
	{ "tin", required_argument, NULL, O_TIN },
	{ "email", required_argument, NULL, O_EMAIL },
	{ "title", required_argument, NULL, O_TITLE },
	{ "org-tin", required_argument, NULL, O_ORG_TIN },
	{ "verbose", no_argument, NULL, O_VERBOSE },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ "dns", required_argument, NULL, O_DNS },
	{ "ip", required_argument, NULL, O_IP },
	{ "crl-shards", required_argument, NULL, O_CRL_SHARDS },
	{ "delta-crl", no_argument, NULL, O_DELTA_CRL },
	{ "delta", no_argument, NULL, O_DELTA },
	{ "watch", no_argument, NULL, O_WATCH },
	{ "every", required_argument, NULL, O_EVERY },
	{ "before", required_argument, NULL, O_BEFORE },
	{ "archive", required_argument, NULL, O_ARCHIVE },
	{ "expect-head", required_argument, NULL, O_EXPECT_HEAD },
	{ NULL, 0, NULL, 0 }
};

struct command {
	const char	*name;
	int		 (*fn)(struct ca_ctx *);
	unsigned long long allowed;
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

/* Fills o from argv; returns the command or NULL after printing why. */
static const struct command *
parse(int argc, char **argv, struct ca_opts *o)
{
	const struct command *cmd = NULL;
	unsigned long long seen = 0;
	const char *cmdname = NULL, **slot;
	int c, nargs = 0, bad;
	size_t i;

	while ((c = getopt_long(argc, argv, "-d:vh", long_opts, NULL)) != -1) {
		bad = 0;
		slot = NULL;
		switch (c) {
		case 1:
			if (cmdname == NULL)
				cmdname = optarg;
			else if (nargs++ == 0)
				o->arg = optarg;
			else {
				fprintf(stderr, "kalit-ca: usage: unexpected "
				    "argument \"%s\"\n", optarg);
				return NULL;
			}
			continue;
		case 'd': c = O_DIR; break;
		case 'v': c = O_VERBOSE; break;
		case 'h': c = O_HELP; break;
		case '?':
			usage(stderr);
			return NULL;
		default: break;
		}
		seen |= B(c);
		switch (c) {
		case O_DIR: slot = &o->dir; break;
		case O_JSON: o->json = 1; break;
		case O_OPERATOR: slot = &o->operator_; break;
		case O_CA_PASS: slot = &o->ca_pass; break;
		case O_NEW_PASS: slot = &o->new_pass; break;
		case O_KEY_PASS: slot = &o->key_pass; break;
		case O_CN: slot = &o->cn; break;
		case O_ORG: slot = &o->org; break;
		case O_COUNTRY: slot = &o->country; break;
		case O_KEY_TYPE: slot = &o->key_type; break;
		case O_DAYS: bad = !parse_int(optarg, 1, 36525, &o->days); break;
		case O_BASE_URL: slot = &o->base_url; break;
		case O_PROFILE: slot = &o->profile; break;
		case O_NAME: slot = &o->name; break;
		case O_CA: slot = &o->ca; break;
		case O_OUT: slot = &o->out; break;
		case O_CSR: slot = &o->csr; break;
		case O_BATCH: slot = &o->batch; break;
		case O_REASON: slot = &o->reason; break;
		case O_SERIALS_FROM: slot = &o->serials_from; break;
		case O_STATUS: slot = &o->status; break;
		case O_EXPIRES:
			bad = !parse_int(optarg, 1, 36525, &o->expires_within);
			break;
		case O_LEGACY: o->legacy = 1; break;
		case O_PEM: o->pem = 1; break;
		case O_SAME_KEY: o->same_key = 1; break;
		case O_GIVEN_NAME: slot = &o->field[IDENTITY_GIVEN_NAME]; break;
		case O_SURNAME: slot = &o->field[IDENTITY_SURNAME]; break;
		case O_PINFL: slot = &o->field[IDENTITY_PINFL]; break;
		case O_TIN: slot = &o->field[IDENTITY_TIN]; break;
		case O_EMAIL: slot = &o->field[IDENTITY_EMAIL]; break;
		case O_TITLE: slot = &o->field[IDENTITY_TITLE]; break;
		case O_ORG_TIN: slot = &o->field[IDENTITY_ORG_TIN]; break;
		case O_CRL_SHARDS:
			bad = !parse_int(optarg, 1, STORE_SHARDS_MAX,
			    &o->crl_shards);
			break;
		case O_DELTA_CRL: o->delta_crl = 1; break;
		case O_DELTA: o->delta = 1; break;
		case O_WATCH: o->watch = 1; break;
		case O_EVERY:
			bad = !parse_int(optarg, 10, 86400 * 366, &o->every);
			break;
		case O_BEFORE: bad = !parse_time(optarg, &o->before); break;
		case O_ARCHIVE: slot = &o->archive; break;
		case O_EXPECT_HEAD: slot = &o->expect_head; break;
		case O_DNS:
		case O_IP:
			if (o->n_dns + o->n_ip >= IDENTITY_HOSTS_MAX) {
				fprintf(stderr, "kalit-ca: usage: at most %d "
				    "--dns and --ip\n", IDENTITY_HOSTS_MAX);
				return NULL;
			}
			if (c == O_DNS)
				o->dns[o->n_dns++] = optarg;
			else
				o->ip[o->n_ip++] = optarg;
			break;
		case O_VERBOSE: o->verbose++; break;
		case O_HELP: usage(stdout); exit(0);
		case O_VERSION: printf("kalit-ca %s\n", PACKAGE_VERSION); exit(0);
		}
		if (slot != NULL)
			*slot = optarg;
		if (bad) {
			fprintf(stderr, "kalit-ca: usage: --%s: \"%s\" is not "
			    "%s\n", long_opts[c - O_DIR].name, optarg,
			    c == O_BEFORE ? "a date (2026-11-23 or "
			    "2026-11-23T10:00:00Z)" : "a number in range");
			return NULL;
		}
	}
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
	for (c = O_DIR; c < O__MAX; c++)
		if ((seen & B(c)) && !((cmd->allowed | GLOBAL_OPTS) & B(c))) {
			fprintf(stderr, "kalit-ca: usage: --%s does not apply "
			    "to %s\nusage: kalit-ca %s\n", long_opts[c - O_DIR].name,
			    cmd->name, cmd->usage);
			return NULL;
		}
	if ((cmd->nargs >= 0 && nargs != cmd->nargs) || nargs > 1) {
		fprintf(stderr, "kalit-ca: usage: kalit-ca %s\n", cmd->usage);
		return NULL;
	}
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
