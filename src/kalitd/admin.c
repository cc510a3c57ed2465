/*
 * admin.c: registering relying systems, making token signing keys, and
 * verifying and archiving the audit log
 */
#include "config.h"
#include "admin.h"
#include "audit.h"
#include "err.h"
#include "log.h"
#include "secret.h"
#include "session.h"
#include "state.h"
#include "token.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

static int
db_open(struct config *cfg, struct store **sp)
{
	return store_open(cfg->database, access(cfg->database, F_OK) != 0, sp);
}

/* [a-z0-9._-]{1,64}: safe in URLs, logs and Basic authentication. */
static int
client_id_valid(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= STORE_CLIENT_ID_MAX &&
	    strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int
client_add(struct config *cfg, const struct admin_opts *o, const char *id)
{
	struct store_client c;
	struct store *s = NULL;
	char secret[SESSION_SECRET_MAX + 1], detail[128];
	int r;

	memset(&c, 0, sizeof(c));
	if (!client_id_valid(id)) {
		log_msg(LOG_LEVEL_ERROR, "client id: 1 to 64 of a-z 0-9 . _ -");
		return KALIT_ERR_USAGE;
	}
	if (session_acr_parse(o->acr != NULL ? o->acr : "citizen,official",
	    &c.acr) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "--acr: citizen, official or "
		    "citizen,official");
		return KALIT_ERR_USAGE;
	}
	snprintf(c.id, sizeof(c.id), "%s", id);
	c.created = state_now();
	if ((r = session_secret_new(secret, c.secret_hash)) != KALIT_OK ||
	    (r = db_open(cfg, &s)) != KALIT_OK || (r = store_begin(s)) !=
	    KALIT_OK)
		goto out;
	snprintf(detail, sizeof(detail), "%s %s", c.id,
	    session_acr_name(c.acr));
	if ((r = store_client_put(s, &c)) != KALIT_OK ||
	    (r = audit_append(s, o->operator_name, "client-add", NULL,
	    detail)) != KALIT_OK ||
	    (r = store_commit(s)) != KALIT_OK)
		goto out;
	if (o->json)
		printf("{\"client_id\": \"%s\", \"client_secret\": \"%s\", "
		    "\"acr\": \"%s\"}\n", c.id, secret, session_acr_name(c.acr));
	else
		printf("client_id: %s\nclient_secret: %s\nacr: %s\n"
		    "The secret is shown once; kalitd keeps only its hash.\n",
		    c.id, secret, session_acr_name(c.acr));
 out:
	store_rollback(s);
	store_free(s);
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}

static int
client_print(const struct store_client *c, void *arg)
{
	json_t *list = arg;

	if (list != NULL)
		return json_array_append_new(list, json_pack("{s:s, s:s, s:I}",
		    "client_id", c->id, "acr", session_acr_name(c->acr),
		    "created", (json_int_t)c->created)) == 0 ? KALIT_OK :
		    KALIT_ERR_NOMEM;
	printf("%-32s %-18s %lld\n", c->id, session_acr_name(c->acr),
	    (long long)c->created);
	return KALIT_OK;
}

static int
client_list(struct config *cfg, const struct admin_opts *o, const char *arg)
{
	struct store *s = NULL;
	json_t *list = NULL;
	int r;

	if (o->json && (list = json_array()) == NULL)
		return KALIT_ERR_NOMEM;
	if ((r = db_open(cfg, &s)) == KALIT_OK) {
		if (!o->json)
			printf("%-32s %-18s %s\n", "CLIENT", "ACR", "CREATED");
		r = store_client_list(s, client_print, list);
	}
	if (r == KALIT_OK && list != NULL) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(list);
	store_free(s);
	return r;
}

static int
client_remove(struct config *cfg, const struct admin_opts *o, const char *id)
{
	struct store *s = NULL;
	int r;

	if ((r = db_open(cfg, &s)) == KALIT_OK &&
	    (r = store_begin(s)) == KALIT_OK &&
	    (r = store_client_del(s, id)) == KALIT_OK &&
	    (r = audit_append(s, o->operator_name, "client-remove", NULL,
	    id)) == KALIT_OK)
		r = store_commit(s);
	store_rollback(s);
	store_free(s);
	return r;
}

static int
keygen(struct config *cfg, const struct admin_opts *o, const char *arg)
{
	char kid[TOKEN_KID_MAX + 1], *pass = NULL;
	int r;

	if (mkdir(cfg->key_dir, 0700) != 0 && errno != EEXIST) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", cfg->key_dir,
		    strerror(errno));
		return KALIT_ERR_IO;
	}
	if ((r = secret_read(cfg->key_passphrase, "Token key passphrase: ", 1,
	    &pass)) != KALIT_OK)
		return r;
	r = token_key_generate(cfg->key_dir, pass, o->at ? o->at :
	    state_now(), kid);
	secret_free(pass);
	if (r != KALIT_OK)
		return r;
	if (o->json)
		printf("{\"kid\": \"%s\"}\n", kid);
	else
		printf("new signing key %s in %s; send kalitd SIGHUP to use "
		    "it\n", kid, cfg->key_dir);
	return KALIT_OK;
}

/*
 * Prints j (consumed) as JSON, or else text (freed) on standard output,
 * or standard error when r is a failure; r, or KALIT_ERR_NOMEM when
 * neither was made.
 */
static int
audit_print(json_t *j, char *text, int r)
{
	if (j != NULL) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (text != NULL)
		fputs(text, r == KALIT_OK ? stdout : stderr);
	else
		r = KALIT_ERR_NOMEM;
	json_decref(j);
	free(text);
	return r;
}

static int
audit_verify_cmd(struct config *cfg, const struct admin_opts *o,
    const char *arg)
{
	struct audit_check_opts co;
	struct store *s = NULL;
	json_t *report = NULL;
	char *text;
	int r;

	memset(&co, 0, sizeof(co));
	co.expect_head = o->expect_head;
	co.archive = o->archive;
	if ((r = store_open(cfg->database, 0, &s)) == KALIT_OK)
		r = audit_check(s, &co, &report);
	store_free(s);
	if (report == NULL)
		return r;
	if (o->json)
		return audit_print(report, NULL, r);
	text = audit_report_text(report);
	json_decref(report);
	return audit_print(NULL, text, r);
}

/* Progress on standard error, when it is a terminal. */
static void
archive_progress(void *arg, const char *what, int64_t n)
{
	(void)arg;
	fprintf(stderr, "\raudit records %s: %lld%s", what, (long long)n,
	    strcmp(what, "deleting") == 0 ? "\n" : "");
}

static int
audit_archive_cmd(struct config *cfg, const struct admin_opts *o,
    const char *arg)
{
	struct audit_progress p = { archive_progress, NULL };
	struct audit_archive_result res;
	struct store *s = NULL;
	int r;

	if (o->before == 0 || o->out == NULL || o->before > state_now()) {
		log_msg(LOG_LEVEL_ERROR, "audit archive needs --before DATE, "
		    "a date in the past, and --out FILE");
		return KALIT_ERR_USAGE;
	}
	if ((r = store_open(cfg->database, 0, &s)) == KALIT_OK)
		r = audit_archive(s, o->operator_name, o->before, o->out,
		    isatty(STDERR_FILENO) ? &p : NULL, &res);
	store_free(s);
	if (r != KALIT_OK)
		return r;
	return audit_print(o->json ? audit_archive_json(&res, o->out) : NULL,
	    o->json ? NULL : audit_archive_text(&res, o->out), 0);
}

/* The commands, by the words that name them, and what follows. */
static const struct admin_cmd {
	const char	*group;		/* the first word, or NULL */
	const char	*name;
	int		 nargs;		/* arguments after the name: 0 or 1 */
	int		(*fn)(struct config *, const struct admin_opts *,
			    const char *);
} admin_cmds[] = {
	{ "client", "add", 1, client_add },
	{ "client", "list", 0, client_list },
	{ "client", "remove", 1, client_remove },
	{ NULL, "keygen", 0, keygen },
	{ "audit", "verify", 0, audit_verify_cmd },
	{ "audit", "archive", 0, audit_archive_cmd },
};

int
admin_run(struct config *cfg, const struct admin_opts *o, int argc,
    char **argv)
{
	const struct admin_cmd *c;
	size_t i;
	int words;

	for (i = 0; i < sizeof(admin_cmds) / sizeof(admin_cmds[0]); i++) {
		c = &admin_cmds[i];
		words = c->group != NULL ? 2 : 1;
		if (argc != words + c->nargs ||
		    (c->group != NULL && strcmp(argv[0], c->group) != 0) ||
		    strcmp(argv[words - 1], c->name) != 0)
			continue;
		return c->fn(cfg, o, c->nargs > 0 ? argv[words] : NULL);
	}
	return KALIT_ERR_USAGE;
}
