/*
 * admin.c: registering relying systems, making token signing keys, and
 * verifying and archiving the audit log
 */
#include "config.h"
#include "admin.h"
#include "audit.h"
#include "clientreg.h"
#include "err.h"
#include "file.h"
#include "identity.h"
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

/* The repeatable URI options, by enum store_uri; NULL: no URI. */
static const char *const uri_opt_name[STORE_URI__MAX] = {
	"--redirect-uri", "--post-logout-uri", "--backchannel-logout-uri",
	[STORE_URI_AUDIENCE] = "--audience", [STORE_URI_RESOURCE] = "--resource"
};

/*
 * An agency's information system (--acr system) authenticates with its
 * certificate (private_key_jwt with x5c): its TIN, scopes and audiences;
 * no browser, so no URI to send one to and no JWKS. NULL when the options
 * fit the client's kind, else why not.
 */
static const char *
client_system_opts(const struct admin_opts *o, const struct store_client *c)
{
	const char *why = NULL;

	if (c->acr != STORE_ACR_SYSTEM)
		return o->tin != NULL || o->system_name != NULL ||
		    o->scope != NULL || o->nuris[STORE_URI_AUDIENCE] > 0 ?
		    "--tin, --system-name, --scope and --audience go with "
		    "--acr system, and only with it" : NULL;
	if (o->tin == NULL || identity_check_tin(o->tin) != KALIT_OK)
		return "--acr system needs --tin: the organisation's TIN of "
		    "9 digits";
	if (o->system_name != NULL &&
	    identity_check_name(o->system_name) != KALIT_OK)
		return "--system-name: 1 to 64 characters of UTF-8, without "
		    "control or direction-override characters";
	if (o->scope == NULL || clientreg_scope_check(o->scope, &why) !=
	    KALIT_OK)
		return why != NULL ? why : "--acr system needs --scope: the "
		    "scopes the system may ask for";
	if (o->nuris[STORE_URI_AUDIENCE] == 0)
		return "--acr system needs --audience: an API the system may "
		    "ask a token for";
	if (o->public_client || o->jwks_file != NULL ||
	    (o->auth_method != NULL && strcmp(o->auth_method,
	    "private_key_jwt") != 0))
		return "--acr system authenticates with its certificate "
		    "(private_key_jwt with x5c): no --public, --jwks or other "
		    "--auth-method";
	if (o->nuris[STORE_URI_REDIRECT] + o->nuris[STORE_URI_POST_LOGOUT] +
	    o->nuris[STORE_URI_BACKCHANNEL] + o->nuris[STORE_URI_RESOURCE] > 0)
		return "--acr system has no browser and serves no API: no "
		    "redirect or logout URI, no --resource";
	return NULL;
}

/*
 * The OpenID Connect part of client add: the method (public clients
 * authenticate with none, confidential ones by default with
 * client_secret_basic), each URI and the JWKS checked (clientreg.h).
 * *jwksp: the JWKS file's text, caller frees.
 */
static int
client_oidc_opts(const struct admin_opts *o, struct store_client *c,
    char **jwksp)
{
	unsigned char *buf = NULL;
	const char *why = NULL;
	size_t len;
	int k, i, r;

	*jwksp = NULL;
	c->public_client = o->public_client;
	c->auth_method = o->public_client ? STORE_AUTH_NONE :
	    c->acr == STORE_ACR_SYSTEM ? STORE_AUTH_JWT : STORE_AUTH_BASIC;
	if ((why = client_system_opts(o, c)) != NULL)
		;
	else if (o->auth_method != NULL && clientreg_auth_parse(o->auth_method,
	    &c->auth_method) != KALIT_OK)
		why = "--auth-method: client_secret_basic, client_secret_post, "
		    "private_key_jwt or none";
	else if (o->public_client != (c->auth_method == STORE_AUTH_NONE))
		why = "--public goes with --auth-method none, and only with it";
	else if (c->acr != STORE_ACR_SYSTEM &&
	    (c->auth_method == STORE_AUTH_JWT) != (o->jwks_file != NULL))
		why = "--jwks goes with --auth-method private_key_jwt, and "
		    "only with it";
	else if (o->nuris[STORE_URI_BACKCHANNEL] > 1)
		why = "--backchannel-logout-uri: one at most";
	else if (o->client_name != NULL &&
	    identity_check_name(o->client_name) != KALIT_OK)
		why = "--client-name: 1 to 64 characters of UTF-8, without "
		    "control or direction-override characters";
	for (k = 0; why == NULL && k < STORE_URI__MAX; k++) {
		if (uri_opt_name[k] == NULL)
			continue;
		if (o->nuris[k] > STORE_URIS_MAX)
			why = "at most 16 URIs of each kind";
		for (i = 0; why == NULL && i < o->nuris[k]; i++)
			if (clientreg_uri_check(o->uris[k][i], &why) !=
			    KALIT_OK)
				log_msg(LOG_LEVEL_ERROR, "%s %s",
				    uri_opt_name[k], o->uris[k][i]);
	}
	if (why == NULL && o->jwks_file != NULL) {
		if ((r = file_read(o->jwks_file, STORE_JWKS_MAX, &buf, &len)) !=
		    KALIT_OK) {
			log_msg(LOG_LEVEL_ERROR, "%s: %s", o->jwks_file,
			    kalit_strerror(r));
			return r == KALIT_ERR_TOO_LARGE ? KALIT_ERR_USAGE : r;
		}
		if (clientreg_jwks_check((const char *)buf, len, &why) ==
		    KALIT_OK && (*jwksp = strndup((const char *)buf,
		    len)) == NULL) {
			free(buf);
			return KALIT_ERR_NOMEM;
		}
		free(buf);
	}
	if (why != NULL) {
		log_msg(LOG_LEVEL_ERROR, "client add: %s", why);
		free(*jwksp);
		*jwksp = NULL;
		return KALIT_ERR_USAGE;
	}
	return KALIT_OK;
}

/* The client's URIs and JWKS, in the transaction of its row. */
static int
client_put_extra(struct store *s, const struct admin_opts *o,
    const char *id, const char *jwks)
{
	/* the kinds of one value, from STORE_CLIENT_NAME on */
	const char *one[] = { o->client_name, o->tin, o->system_name };
	char *words = NULL, *w, *save;
	int k, i, r = KALIT_OK;

	for (k = 0; k < STORE_URI__MAX; k++)
		for (i = 0; uri_opt_name[k] != NULL && i < o->nuris[k]; i++)
			if ((r = store_client_uri_put(s, id, k,
			    o->uris[k][i])) != KALIT_OK)
				return r == KALIT_ERR_DUPLICATE ?
				    KALIT_ERR_USAGE : r;
	for (k = 0; k < 3; k++)
		if (one[k] != NULL && (r = store_client_uri_put(s, id,
		    STORE_CLIENT_NAME + k, one[k])) != KALIT_OK)
			return r;
	/* A scope is a row a word: the token endpoint asks word by word. */
	if (o->scope != NULL && (words = strdup(o->scope)) == NULL)
		return KALIT_ERR_NOMEM;
	for (w = words != NULL ? strtok_r(words, " ", &save) : NULL;
	    w != NULL && r == KALIT_OK; w = strtok_r(NULL, " ", &save))
		r = store_client_uri_put(s, id, STORE_CLIENT_SCOPE, w);
	free(words);
	if (r != KALIT_OK)
		return r;
	return jwks != NULL ? store_client_jwks_set(s, id, jwks) : KALIT_OK;
}

static void
client_added(const struct store_client *c, const char *secret, int json)
{
	int shown = c->auth_method == STORE_AUTH_BASIC ||
	    c->auth_method == STORE_AUTH_POST;

	if (json)
		printf("{\"client_id\": \"%s\", %s%s%s\"acr\": \"%s\", "
		    "\"token_endpoint_auth_method\": \"%s\"}\n", c->id,
		    shown ? "\"client_secret\": \"" : "", shown ? secret : "",
		    shown ? "\", " : "", session_acr_name(c->acr),
		    clientreg_auth_name(c->auth_method));
	else
		printf("client_id: %s\n%s%s%sacr: %s\n"
		    "token_endpoint_auth_method: %s\n%s", c->id,
		    shown ? "client_secret: " : "", shown ? secret : "",
		    shown ? "\n" : "", session_acr_name(c->acr),
		    clientreg_auth_name(c->auth_method), shown ? "The secret "
		    "is shown once; kalitd keeps only its hash.\n" : "");
}

static int
client_add(struct config *cfg, const struct admin_opts *o, const char *id)
{
	struct store_client c;
	struct store *s = NULL;
	char secret[SESSION_SECRET_MAX + 1], detail[128], *jwks = NULL;
	int r;

	memset(&c, 0, sizeof(c));
	if (!client_id_valid(id)) {
		log_msg(LOG_LEVEL_ERROR, "client id: 1 to 64 of a-z 0-9 . _ -");
		return KALIT_ERR_USAGE;
	}
	if (session_acr_parse(o->acr != NULL ? o->acr : "citizen,official",
	    &c.acr) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "--acr: citizen, official, "
		    "citizen,official or system");
		return KALIT_ERR_USAGE;
	}
	if ((r = client_oidc_opts(o, &c, &jwks)) != KALIT_OK)
		return r;
	snprintf(c.id, sizeof(c.id), "%s", id);
	c.created = state_now();
	/* A client without a secret gets one nobody knows: the row has one. */
	if ((r = session_secret_new(secret, c.secret_hash)) != KALIT_OK ||
	    (r = db_open(cfg, &s)) != KALIT_OK || (r = store_begin(s)) !=
	    KALIT_OK)
		goto out;
	snprintf(detail, sizeof(detail), "%s %s %s", c.id,
	    session_acr_name(c.acr), clientreg_auth_name(c.auth_method));
	if ((r = store_client_put(s, &c)) != KALIT_OK ||
	    (r = client_put_extra(s, o, c.id, jwks)) != KALIT_OK ||
	    (r = audit_append(s, o->operator_name, "client-add", NULL,
	    detail)) != KALIT_OK ||
	    (r = store_commit(s)) != KALIT_OK)
		goto out;
	client_added(&c, secret, o->json);
 out:
	store_rollback(s);
	store_free(s);
	free(jwks);
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}

/* What client list --json shows: each client's object by its id. */
struct client_listing {
	json_t		*list;		/* NULL: text */
	json_t		*by_id;
};

static const char *const uri_member[STORE_URI__MAX] = {
	"redirect_uris", "post_logout_redirect_uris", "backchannel_logout_uri",
	"jwks", "client_name", "tin", "system_name", "scopes", "audiences",
	"resources"
};

static int
client_print(const struct store_client *c, void *arg)
{
	struct client_listing *l = arg;
	json_t *o;

	if (l->list == NULL) {
		printf("%-32s %-18s %-20s %lld\n", c->id,
		    session_acr_name(c->acr),
		    clientreg_auth_name(c->auth_method),
		    (long long)c->created);
		return KALIT_OK;
	}
	if ((o = json_pack("{s:s, s:s, s:I, s:b, s:s, s:[], s:[]}",
	    "client_id", c->id, "acr", session_acr_name(c->acr), "created",
	    (json_int_t)c->created, "public", c->public_client,
	    "token_endpoint_auth_method", clientreg_auth_name(c->auth_method),
	    "redirect_uris", "post_logout_redirect_uris")) == NULL ||
	    json_object_set_new(o, "resources", json_array()) != 0 ||
	    (c->acr == STORE_ACR_SYSTEM && json_object_update_new(o,
	    json_pack("{s:[], s:[]}", "scopes", "audiences")) != 0) ||
	    json_array_append(l->list, o) != 0 ||
	    json_object_set_new(l->by_id, c->id, o) != 0)
		return KALIT_ERR_NOMEM;
	return KALIT_OK;
}

static int
client_print_extra(const char *id, int kind, const char *value, void *arg)
{
	struct client_listing *l = arg;
	json_t *o = json_object_get(l->by_id, id), *v;

	if (o == NULL || kind < 0 || kind >= STORE_URI__MAX)
		return KALIT_OK;
	if (kind == STORE_CLIENT_JWKS)
		v = json_loads(value, 0, NULL);
	else
		v = json_string(value);
	if (v == NULL)
		return KALIT_OK;	/* not what client add wrote */
	if (json_is_array(json_object_get(o, uri_member[kind])))
		return json_array_append_new(json_object_get(o,
		    uri_member[kind]), v) == 0 ? KALIT_OK : KALIT_ERR_NOMEM;
	return json_object_set_new(o, uri_member[kind], v) == 0 ? KALIT_OK :
	    KALIT_ERR_NOMEM;
}

static int
client_list(struct config *cfg, const struct admin_opts *o, const char *arg)
{
	struct client_listing l = { NULL, NULL };
	struct store *s = NULL;
	int r;

	(void)arg;
	if (o->json && ((l.list = json_array()) == NULL ||
	    (l.by_id = json_object()) == NULL)) {
		json_decref(l.list);
		return KALIT_ERR_NOMEM;
	}
	if ((r = db_open(cfg, &s)) == KALIT_OK) {
		if (!o->json)
			printf("%-32s %-18s %-20s %s\n", "CLIENT", "ACR",
			    "AUTH", "CREATED");
		r = store_client_list(s, client_print, &l);
		if (r == KALIT_OK && o->json)
			r = store_client_extra_list(s, client_print_extra, &l);
	}
	if (r == KALIT_OK && l.list != NULL) {
		json_dumpf(l.list, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(l.list);
	json_decref(l.by_id);
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
