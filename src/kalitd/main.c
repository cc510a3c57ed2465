/* main.c: kalitd, the login server: options, startup, signals, shutdown */
#include "config.h"

#include "admin.h"
#include "audit.h"
#include "cmdline.h"
#include "conf.h"
#include "err.h"
#include "fetch.h"
#include "http.h"
#include "log.h"
#include "oidc.h"
#include "responder.h"
#include "secret.h"
#include "session.h"
#include "state.h"
#include "tls.h"
#include "tsa.h"
#include "validate.h"
#include "workers.h"

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_CONF	SYSCONFDIR "/kalit/kalitd.conf"
#define DRAIN_MS	10000

/* The command line: the server's options and the commands'. */
struct main_opts {
	const char		*conf;
	const char		*operator_name;	/* --operator */
	int			 check, verbose;
	struct admin_opts	 ao;
};

enum opt_id {
	O_CONFIG = 0, O_CHECK, O_ACR, O_AT, O_JSON, O_OPERATOR, O_VERBOSE,
	O_HELP, O_VERSION, O_BEFORE, O_OUT, O_ARCHIVE, O_EXPECT_HEAD, O_PUBLIC,
	O_AUTH_METHOD, O_REDIRECT, O_POST_LOGOUT, O_BACKCHANNEL, O_JWKS,
	O_CLIENT_NAME, O_TIN, O_SYSTEM_NAME, O_SCOPE, O_AUDIENCE, O_RESOURCE,
	O__MAX
};

/* kind, destination and range; no option of kalitd has an alias */
#define K(k, f, lo, hi)	k, offsetof(struct main_opts, f), lo, hi, NULL
#define S(f)		K(CMDLINE_STR, f, 0, 0)
#define F(f)		K(CMDLINE_FLAG, f, 0, 0)
#define CALLER		K(CMDLINE_CALLER, conf, 0, 0)	/* main() acts */

/* Indexed by enum opt_id. */
static const struct cmdline_opt opts[] = {
	{ "config", 'c', S(conf) },
	{ "check-config", 0, F(check) },
	{ "acr", 0, S(ao.acr) },
	{ "at", 0, K(CMDLINE_I64, ao.at, 1, INT64_MAX) },
	{ "json", 0, F(ao.json) },
	{ "operator", 0, S(operator_name) },
	{ "verbose", 'v', K(CMDLINE_COUNT, verbose, 0, 0) },
	{ "help", 'h', CALLER },
	{ "version", 0, CALLER },
	{ "before", 0, K(CMDLINE_TIME, ao.before, 0, 0) },
	{ "out", 0, S(ao.out) },
	{ "archive", 0, S(ao.archive) },
	{ "expect-head", 0, S(ao.expect_head) },
	{ "public", 0, F(ao.public_client) },
	{ "auth-method", 0, S(ao.auth_method) },
	/* repeatable: parse() collects them */
	{ "redirect-uri", 0, K(CMDLINE_CALLER_ARG, conf, 0, 0) },
	{ "post-logout-uri", 0, K(CMDLINE_CALLER_ARG, conf, 0, 0) },
	{ "backchannel-logout-uri", 0, K(CMDLINE_CALLER_ARG, conf, 0, 0) },
	{ "jwks", 0, S(ao.jwks_file) },
	{ "client-name", 0, S(ao.client_name) },
	{ "tin", 0, S(ao.tin) },
	{ "system-name", 0, S(ao.system_name) },
	{ "scope", 0, S(ao.scope) },
	{ "audience", 0, K(CMDLINE_CALLER_ARG, conf, 0, 0) },	/* repeatable */
	{ "resource", 0, K(CMDLINE_CALLER_ARG, conf, 0, 0) },	/* repeatable */
};
#undef K
#undef S
#undef F
#undef CALLER

_Static_assert(sizeof(opts) / sizeof(opts[0]) == O__MAX,
    "opts has an entry for every opt_id");
_Static_assert(O__MAX <= CMDLINE_OPTS_MAX, "the option bits fit seen");

static void
usage(FILE *f)
{
	fputs("usage: kalitd [-v] [-c FILE] [--check-config]\n"
	    "       kalitd [-c FILE] client add ID [--acr citizen|official|"
	    "citizen,official] [--json]\n"
	    "              [--public] [--auth-method M] "
	    "[--redirect-uri URI]...\n"
	    "              [--post-logout-uri URI]... "
	    "[--backchannel-logout-uri URI] [--jwks FILE]\n"
	    "              [--client-name NAME] [--resource URI]...\n"
	    "       kalitd [-c FILE] client add ID --acr system --tin TIN "
	    "--scope WORDS\n"
	    "              --audience URI... [--system-name NAME] [--json]\n"
	    "       kalitd [-c FILE] client list [--json]\n"
	    "       kalitd [-c FILE] client remove ID\n"
	    "       kalitd [-c FILE] keygen [--at UNIXTIME] [--json]\n"
	    "       kalitd [-c FILE] audit verify [--expect-head SEQ:HASH] "
	    "[--archive FILE] [--json]\n"
	    "       kalitd [-c FILE] audit archive --before DATE --out FILE "
	    "[--json]\n"
	    "See kalitd(8) and kalitd.conf(5).\n", f);
}

/* One more URI of kind; past STORE_URIS_MAX only counted (refused later). */
static void
uri_opt(struct admin_opts *o, int kind, const char *uri)
{
	if (o->nuris[kind] < STORE_URIS_MAX)
		o->uris[kind][o->nuris[kind]] = uri;
	o->nuris[kind]++;
}

static int
fail(int r, const char *what)
{
	fprintf(stderr, "kalitd: %s: %s: %s\n", what, kalit_errname(r),
	    kalit_strerror(r));
	return kalit_exit_status(r);
}

/*
 * Fills mo from argv; -1 to go on with the arguments from optind, or the
 * exit status after --help, --version or a usage error.
 */
static int
parse(int argc, char **argv, struct main_opts *mo)
{
	struct cmdline cl;
	int c;

	cmdline_init(&cl, opts, O__MAX, 0);
	while ((c = cmdline_next(&cl, argc, argv, mo)) != CMDLINE_END) {
		switch (c) {
		case O_HELP:
			usage(stdout);
			return 0;
		case O_VERSION:
			puts("kalitd " PACKAGE_VERSION);
			return 0;
		case O_REDIRECT:
		case O_POST_LOGOUT:
		case O_BACKCHANNEL:
		case O_AUDIENCE:
		case O_RESOURCE:
			uri_opt(&mo->ao, c == O_REDIRECT ? STORE_URI_REDIRECT :
			    c == O_POST_LOGOUT ? STORE_URI_POST_LOGOUT :
			    c == O_BACKCHANNEL ? STORE_URI_BACKCHANNEL :
			    c == O_AUDIENCE ? STORE_URI_AUDIENCE :
			    STORE_URI_RESOURCE, cl.arg);
			break;
		case CMDLINE_UNKNOWN:
		case CMDLINE_BAD:
			usage(stderr);
			return kalit_exit_status(KALIT_ERR_USAGE);
		}
	}
	return -1;
}

/* Everything the server needs, in the order it needs it. */
static int
server_init(struct kalitd *d)
{
	struct challenge_limits lim = { d->cfg->challenge_lifetime,
	    d->cfg->challenges_max, d->cfg->challenges_max_client,
	    d->cfg->challenges_max_address };
	char *pass = NULL;
	int r;

	if ((r = secret_read(d->cfg->key_passphrase, "Token key passphrase: ",
	    0, &d->key_pass)) != KALIT_OK)
		return r;
	if (d->cfg->tls_key_file != NULL) {
		if ((r = secret_read(d->cfg->tls_passphrase, "TLS key file "
		    "password: ", 0, &pass)) != KALIT_OK)
			return r;
		r = tls_load(d->cfg->tls_key_file, pass, &d->tls_cert,
		    &d->tls_key);
		secret_free(pass);
		if (r != KALIT_OK)
			return r;
	}
	if (d->cfg->ca_database != NULL) {
		if (d->cfg->signer_passphrase != NULL &&
		    (r = secret_read(d->cfg->signer_passphrase, "OCSP "
		    "responder key files' password: ", 0,
		    &d->signer_pass)) != KALIT_OK)
			return r;
		if ((r = responder_new(d->cfg, d->signer_pass,
		    &d->responder)) != KALIT_OK)
			return r;
		/* Logins ask the CA database before OCSP or CRLs. */
		d->rev_local = responder_status;
		d->rev_local_arg = d->responder;
	}
	if (d->cfg->tsa_key_file != NULL) {
		if ((r = secret_read(d->cfg->tsa_passphrase, "Timestamp key "
		    "file password: ", 0, &pass)) != KALIT_OK)
			return r;
		r = tsa_new(d->cfg, pass, &d->tsa);
		secret_free(pass);
		if (r != KALIT_OK)
			return r;
	}
	if ((r = fetch_init()) != KALIT_OK ||
	    (r = workers_new(d->cfg->fetch_threads, &d->workers)) !=
	    KALIT_OK ||
	    (r = session_new(d->cfg, &d->session)) != KALIT_OK ||
	    (r = challenges_new(&lim, &d->challenges)) != KALIT_OK ||
	    (r = oidc_new(d)) != KALIT_OK)
		return r;
	pthread_mutex_init(&d->mu, NULL);
	atomic_init(&d->draining, 0);
	if ((r = state_new(d, &d->state)) != KALIT_OK)
		return r;
	/* The trust anchors at start: whom the mTLS port asks for. */
	return d->cfg->mtls_port != 0 ? validate_trust_pem(
	    d->state->validator, &d->tls_trust) : KALIT_OK;
}

static void
server_free(struct kalitd *d)
{
	workers_free(d->workers);
	oidc_free(d);
	auditq_free(d->auditq);
	responder_free(d->responder);
	tsa_free(d->tsa);
	secret_free(d->signer_pass);
	state_release(d->state);
	challenges_free(d->challenges);
	session_free(d->session);
	secret_free(d->key_pass);
	free(d->tls_cert);
	free(d->tls_trust);
	tls_key_free(d->tls_key);
	pthread_mutex_destroy(&d->mu);
	fetch_cleanup();
}

/*
 * The signals serve() waits for. Blocked before any thread starts (the
 * OCSP poller starts in server_init()), so only sigwait() sees them.
 */
static void
signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Runs until SIGTERM or SIGINT; SIGHUP reloads trust store and keys. */
static int
serve(struct kalitd *d)
{
	struct http *h = NULL;
	sigset_t set;
	int sig, r, n;

	signals(&set);
	if ((r = auditq_new(d->cfg->database, session_tick, d->session, 2000,
	    &d->auditq)) != KALIT_OK)
		return fail(r, d->cfg->database);
	auditq_summarize(d->auditq, (long)d->cfg->audit_summary_interval *
	    1000);
	if ((r = http_start(d, &h)) != KALIT_OK)
		return fail(r, "listen");
	log_msg(LOG_LEVEL_WARN, "listening on %s://%s%s%s:%d with %d "
	    "threads; signing key %s", d->tls_cert != NULL ? "https" : "http",
	    strchr(d->cfg->listen, ':') ? "[" : "",
	    d->cfg->listen, strchr(d->cfg->listen, ':') ? "]" : "",
	    d->cfg->port, d->cfg->threads, token_keys_kid(d->state->keys));
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		if ((r = state_reload(d)) != KALIT_OK)
			log_msg(LOG_LEVEL_ERROR, "reload failed (%s); still "
			    "serving with the old trust store and keys",
			    kalit_errname(r));
		if (d->responder != NULL &&
		    (r = responder_reload(d->responder)) != KALIT_OK)
			log_msg(LOG_LEVEL_ERROR, "OCSP signers not reloaded "
			    "(%s); still signing with the old ones",
			    kalit_errname(r));
	}
	log_msg(LOG_LEVEL_WARN, "stopping: finishing requests in progress");
	atomic_store(&d->draining, 1);
	if ((n = http_drain(h, DRAIN_MS)) > 0) {
		/*
		 * Requests still wait for OCSP or the database: their answers
		 * were never sent, so no token leaves without its audit
		 * record. Freeing what they use would be unsafe; just exit.
		 */
		log_msg(LOG_LEVEL_ERROR, "%d requests unfinished after %d s; "
		    "exiting without them", n, DRAIN_MS / 1000);
		_exit(kalit_exit_status(KALIT_ERR_BUSY));
	}
	http_stop(h);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct kalitd d;
	struct main_opts mo;
	char actor[AUDIT_ACTOR_MAX];
	sigset_t set;
	int r, status;

	memset(&d, 0, sizeof(d));
	memset(&mo, 0, sizeof(mo));
	if ((mo.conf = getenv("KALITD_CONF")) == NULL)
		mo.conf = DEFAULT_CONF;
	if ((status = parse(argc, argv, &mo)) >= 0)
		return status;
	log_init("kalitd", mo.verbose > 1 ? LOG_LEVEL_DEBUG : mo.verbose ?
	    LOG_LEVEL_INFO : LOG_LEVEL_WARN);
	if ((r = config_load(mo.conf, &d.cfg)) != KALIT_OK)
		return fail(r, mo.conf);
	if (optind < argc) {
		audit_actor(mo.operator_name, actor, sizeof(actor));
		mo.ao.operator_name = actor;
		r = admin_run(d.cfg, &mo.ao, argc - optind, argv + optind);
		config_free(d.cfg);
		if (r == KALIT_ERR_USAGE)
			usage(stderr);
		return r == KALIT_OK ? 0 : fail(r, argv[optind]);
	}
	signals(&set);
	if ((r = server_init(&d)) != KALIT_OK)
		status = fail(r, "startup");
	else if (mo.check) {
		printf("%s: ok\n", mo.conf);
		status = 0;
	} else
		status = serve(&d);
	server_free(&d);
	config_free(d.cfg);
	return status;
}
