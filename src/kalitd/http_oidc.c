/*
 * http_oidc.c: the OpenID Provider's browser side over HTTP: discovery,
 * the authorization endpoint (SSO or the login page), the page's files,
 * its challenge and its login; the answers that wait for their audit
 * record. The token endpoint, UserInfo and logout are in
 * http_oidc_token.c. What is decided is decided in oidc.c.
 */
#include "config.h"
#include "http_int.h"
#include "apierr.h"
#include "err.h"
#include "log.h"
#include "login.h"
#include "metrics.h"
#include "route.h"
#include "session.h"
#include "www.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

struct http_oidc *
http_oidc_of(struct req *rq)
{
	if (rq->oidc == NULL)
		rq->oidc = calloc(1, sizeof(*rq->oidc));
	return rq->oidc;
}

void
http_oidc_clear(struct req *rq)
{
	struct http_oidc *o = rq->oidc;

	if (o == NULL)
		return;
	oidc_login_clear(&o->login);
	machine_grant_clear(&o->m);
	sso_view_clear(&o->v);
	sso_ended_free(o->ended);
	code_grant_clear(&o->g);
	if (o->answer != NULL)
		OPENSSL_clear_free(o->answer, strlen(o->answer));
	OPENSSL_clear_free(o, sizeof(*o));
	rq->oidc = NULL;
}

int
http_oidc_secure(const struct config *cfg)
{
	return strncmp(cfg->public_origin, "https://", 8) == 0;
}

const char *
http_oidc_cookie_name(const struct config *cfg, int sid)
{
	if (http_oidc_secure(cfg))
		return sid ? "__Host-kalit-sid" : "__Host-kalit-b";
	return sid ? "kalit-sid" : "kalit-b";
}

int
http_oidc_cookie(struct req *rq, int sid, char value[COOKIE_VALUE_LEN + 1])
{
	return cookie_get(MHD_lookup_connection_value(rq->conn,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE),
	    http_oidc_cookie_name(rq->h->d->cfg, sid), value);
}

void
http_oidc_set_cookie(struct req *rq, int slot, int sid, const char *value)
{
	const struct config *cfg = rq->h->d->cfg;

	cookie_set(rq->extra.cookie[slot], http_oidc_cookie_name(cfg, sid),
	    value, sid ? cfg->session_lifetime : cfg->login_lifetime,
	    http_oidc_secure(cfg));
}

static void
clear_free(char *s)
{
	if (s != NULL)
		OPENSSL_clear_free(s, strlen(s));
}

/* The answer once its audit record is on disk (or failed). */
static void
oidc_done(struct auditq_job *job, int result)
{
	struct req *rq = (struct req *)((char *)job -
	    offsetof(struct req, job));
	struct http_oidc *o = rq->oidc;
	char *answer = o->answer;

	o->answer = NULL;
	if (result != KALIT_OK) {
		clear_free(answer);
		free(rq->extra.location);
		rq->extra.location = NULL;
		memset(rq->extra.cookie, 0, sizeof(rq->extra.cookie));
		rq->extra.ctype = NULL;
		http_resume(rq, 500, http_error_body("server_error",
		    kalit_strerror(result)));
		return;
	}
	http_resume(rq, o->status, answer);
}

/* In the audit record's transaction: what the request revokes. */
static int
oidc_apply(struct store *s, struct auditq_job *job)
{
	struct req *rq = (struct req *)((char *)job -
	    offsetof(struct req, job));
	struct http_oidc *o = rq->oidc;
	int r;

	if ((r = oidc_revoke_store(s, o->ended)) != KALIT_OK)
		return r;
	if (o->t.jti[0] != '\0')
		return store_token_revoke(s, o->t.jti, rq->client, o->t.exp);
	return KALIT_OK;
}

enum MHD_Result
http_oidc_finish(struct req *rq, unsigned int status, const char *ctype,
    char *answer, const char *action, int suspended)
{
	struct http_oidc *o = rq->oidc;

	if (answer == NULL && (answer = strdup("")) == NULL)
		status = 500;
	if (action == NULL) {
		if (!suspended)
			return http_respond(rq, status, ctype, answer, 1);
		rq->extra.ctype = ctype;
		http_resume(rq, status, answer);
		return MHD_YES;
	}
	o->status = status;
	o->answer = answer;
	rq->extra.ctype = ctype;
	rq->job.apply = oidc_apply;
	rq->job.done = oidc_done;
	rq->job.actor = rq->client[0] != '\0' ? rq->client : "-";
	rq->job.action = action;
	rq->job.serial = rq->serial;
	rq->job.detail = o->detail[0] != '\0' ? o->detail : "ok";
	if (!suspended)
		MHD_suspend_connection(rq->conn);
	auditq_submit(rq->h->d->auditq, &rq->job);
	return MHD_YES;
}

enum MHD_Result
http_oidc_redirect(struct req *rq, char *url, const char *action,
    int suspended)
{
	if (url == NULL)
		return suspended ? (http_resume(rq, 500,
		    http_error_body("server_error", "out of memory")),
		    MHD_YES) : http_respond_err(rq, KALIT_ERR_NOMEM);
	free(rq->extra.location);
	rq->extra.location = url;
	return http_oidc_finish(rq, 302, "text/plain", NULL, action,
	    suspended);
}

/* s into f, HTML-escaped: values come from requests. */
static void
html_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
}

/*
 * Replaces every "@NAME@" of tmpl (len bytes) by its value, HTML-escaped;
 * caller frees.
 */
static char *
fill(const unsigned char *tmpl, size_t len, const char *const *kv)
{
	char *buf = NULL, mark[32];
	size_t blen = 0, i, n = 0;
	const unsigned char *p = tmpl, *end = tmpl + len;
	FILE *f;

	if ((f = open_memstream(&buf, &blen)) == NULL)
		return NULL;
	while (p < end) {
		for (i = 0; kv[i] != NULL; i += 2) {
			n = (size_t)snprintf(mark, sizeof(mark), "@%s@", kv[i]);
			if ((size_t)(end - p) >= n && memcmp(p, mark, n) == 0)
				break;
		}
		if (kv[i] != NULL) {
			html_escape(f, kv[i + 1]);
			p += n;
		} else
			fputc(*p++, f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The built-in pages, for a www_dir without their templates. */
static const char builtin_error[] =
    "<!DOCTYPE html>\n<html lang=\"@LANG@\"><head><meta charset=\"utf-8\">"
    "<title>kalit</title></head>\n<body><h1>Kirish xatosi / Ошибка входа / "
    "Login error</h1>\n<p><code>@ERROR@</code></p><p>@TEXT@</p>"
    "</body></html>\n";
static const char builtin_logout[] =
    "<!DOCTYPE html>\n<html lang=\"@LANG@\"><head><meta charset=\"utf-8\">"
    "<title>kalit</title></head>\n<body><h1>Chiqish / Выход / Log out"
    "</h1>\n<form method=\"post\" action=\"/oidc/logout\">"
    "<input type=\"hidden\" name=\"confirm\" value=\"@CONFIRM@\">"
    "<input type=\"hidden\" name=\"post_logout_redirect_uri\" "
    "value=\"@URI@\"><input type=\"hidden\" name=\"state\" "
    "value=\"@STATE@\"><input type=\"hidden\" name=\"client_id\" "
    "value=\"@CLIENT@\">\n<button type=\"submit\">Chiqish / Выйти / "
    "Log out</button></form></body></html>\n";
static const char builtin_loggedout[] =
    "<!DOCTYPE html>\n<html lang=\"@LANG@\"><head><meta charset=\"utf-8\">"
    "<title>kalit</title></head>\n<body><h1>Siz tizimdan chiqdingiz / "
    "Вы вышли / You are logged out</h1></body></html>\n";

enum MHD_Result
http_oidc_html(struct req *rq, unsigned int status, const char *name,
    const char *const *kv, const char *action, int suspended)
{
	struct state *st = state_acquire(rq->h->d);
	const struct www_file *f = www_get(st->www, name);
	const char *tmpl;
	char *html;

	tmpl = strcmp(name, "error.html") == 0 ? builtin_error :
	    strcmp(name, "logout.html") == 0 ? builtin_logout :
	    builtin_loggedout;
	html = f != NULL ? fill(f->body, f->len, kv) :
	    fill((const unsigned char *)tmpl, strlen(tmpl), kv);
	state_release(st);
	rq->extra.page = 1;
	return http_oidc_finish(rq, status, "text/html; charset=utf-8", html,
	    action, suspended);
}

enum MHD_Result
http_oidc_error_page(struct req *rq, int err, const char *lang)
{
	log_msg(LOG_LEVEL_INFO, "oidc: error page: %s", apierr_code(err));
	return http_oidc_html(rq, apierr_status(err) == 500 ? 500 : 400,
	    "error.html", (const char *const[]){ "ERROR", apierr_code(err),
	    "TEXT", kalit_strerror(err), "LANG", lang, NULL }, NULL, 0);
}

enum MHD_Result
http_oidc_discovery(struct req *rq)
{
	if (!rq->h->d->cfg->oidc)
		return http_respond_code(rq, 404, "not_found", "this kalitd is "
		    "no OpenID Provider; see [oidc] in kalitd.conf(5)");
	return http_respond_json(rq, oidc_discovery(rq->h->d->cfg), 0);
}

enum MHD_Result
http_oidc_page(struct req *rq)
{
	struct state *st;
	const struct www_file *f;
	struct MHD_Response *resp;
	const char *ctype;
	int html;
	const char *path = rq->rest != NULL && rq->rest[0] != '\0' ?
	    rq->rest : "index.html";

	if (!rq->h->d->cfg->oidc)
		return http_respond_code(rq, 404, "not_found", "no such file");
	st = state_acquire(rq->h->d);
	if ((f = www_get(st->www, path)) == NULL) {
		state_release(st);
		return http_respond_code(rq, 404, "not_found", "no such file");
	}
	/* the generation's memory: copied, as a reload may free it */
	resp = MHD_create_response_from_buffer(f->len, f->body,
	    MHD_RESPMEM_MUST_COPY);
	ctype = f->ctype;	/* static */
	html = f->html;
	rq->extra.page = 1;
	state_release(st);
	if (resp == NULL)
		return MHD_NO;
	return http_queue(rq, 200, resp, ctype, html ? "no-store" :
	    "no-cache");
}

/* MHD_get_connection_values_n()'s callback: a query parameter. */
static enum MHD_Result
query_param(void *arg, enum MHD_ValueKind kind, const char *key,
    size_t klen, const char *value, size_t vlen)
{
	(void)kind;
	(void)klen;
	return oidc_params_add(arg, key, value != NULL ? value : "", 0,
	    value != NULL ? vlen : 0) == KALIT_OK ? MHD_YES : MHD_NO;
}

/* MHD's post processor's callback: a piece of a form parameter. */
static enum MHD_Result
form_param(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *filename, const char *ctype, const char *enc,
    const char *data, uint64_t off, size_t size)
{
	(void)kind; (void)filename; (void)ctype; (void)enc;
	return oidc_params_add(arg, key, data, off, size) == KALIT_OK ?
	    MHD_YES : MHD_NO;
}

int
http_oidc_params(struct req *rq, struct oidc_params *p,
    enum oidc_params_kind kind)
{
	struct MHD_PostProcessor *pp;
	int ok = 1;

	oidc_params_init(p, kind);
	if (strcmp(rq->route->method, "GET") == 0)
		return MHD_get_connection_values_n(rq->conn,
		    MHD_GET_ARGUMENT_KIND, query_param, p) >= 0 ? KALIT_OK :
		    KALIT_ERR_MALFORMED;
	if ((pp = MHD_create_post_processor(rq->conn, 4096, form_param,
	    p)) == NULL)
		return KALIT_ERR_MALFORMED;
	if (rq->len > 0 && MHD_post_process(pp, (const char *)rq->body,
	    rq->len) != MHD_YES)
		ok = 0;
	MHD_destroy_post_processor(pp);
	return ok ? KALIT_OK : KALIT_ERR_MALFORMED;
}

/* An error that goes back to the client's redirect URI. */
static enum MHD_Result
authz_error(struct req *rq, const struct oidc_authz *a, const char *error,
    const char *desc, int suspended)
{
	char *url = NULL;

	log_msg(LOG_LEVEL_INFO, "oidc authorize of client %s: %s", a->client_id,
	    error);
	oidc_error_url(rq->h->d->cfg, a, error, desc, &url);
	return http_oidc_redirect(rq, url, NULL, suspended);
}

/* The code of an SSO login, once the certificate is still good. */
static enum MHD_Result
sso_code(struct req *rq, int suspended)
{
	struct http_oidc *o = rq->oidc;
	char *url = NULL;
	int r;

	if ((r = oidc_code(rq->h->d, &o->a, o->key, &o->v, state_now(),
	    &url)) != KALIT_OK) {
		metrics_oidc_login(r, 1);
		/* RFC 6749 4.1.2.1: an overload is temporarily_unavailable */
		return authz_error(rq, &o->a, r == KALIT_ERR_BUSY ?
		    "temporarily_unavailable" : "server_error",
		    kalit_strerror(r), suspended);
	}
	metrics_oidc_login(KALIT_OK, 1);
	snprintf(o->detail, sizeof(o->detail), "sso sid %.8s", o->v.sid);
	return http_oidc_redirect(rq, url, "oidc-login", suspended);
}

static enum MHD_Result login_page(struct req *rq, int suspended);

/*
 * The session's certificate failed its check at login time now (revoked,
 * expired, or not for this client): the session ends, the citizen signs.
 */
static enum MHD_Result
sso_refused(struct req *rq, struct state *st, int err, int suspended)
{
	struct http_oidc *o = rq->oidc;

	metrics_oidc_login(err, 1);
	log_msg(LOG_LEVEL_INFO, "oidc: session sid %.8s of serial %s: %s; "
	    "it ends", o->v.sid, rq->serial, apierr_code(err));
	if (sso_end(rq->h->d->sso, o->key, &o->ended) == KALIT_OK) {
		oidc_ended(rq->h->d, st, o->ended, state_now());
		snprintf(o->detail, sizeof(o->detail), "sid %.8s ended: %s",
		    o->ended->sid, apierr_code(err));
	}
	http_oidc_set_cookie(rq, 1, 1, NULL);
	if (o->a.prompt_none)
		return authz_error(rq, &o->a, "login_required", "the session "
		    "ended: sign again", suspended);
	return login_page(rq, suspended);
}

/* A worker thread: the session's revocation statuses, downloaded. */
static void
sso_work(struct workers_job *w)
{
	struct req *rq = (struct req *)((char *)w -
	    offsetof(struct req, work));
	struct state *st = rq->st;
	int r;

	r = login_cert_finish(st, rq->oidc->v.entry, state_now());
	if (r == KALIT_OK)
		sso_code(rq, 1);
	else
		sso_refused(rq, st, r, 1);
	rq->st = NULL;
	state_release(st);
}

/*
 * SSO: the session of the cookie, if it may answer this request without
 * a new signature. 1 when it answered (*retp), else 0.
 */
static int
sso_try(struct req *rq, struct state *st, enum MHD_Result *retp)
{
	struct http_oidc *o = rq->oidc;
	struct kalitd *d = rq->h->d;
	struct cert_entry *e = NULL;
	char sid[COOKIE_VALUE_LEN + 1];
	unsigned int acr;
	int64_t now = state_now();
	int r, fetch = 0;

	if (http_oidc_cookie(rq, 1, sid) != KALIT_OK)
		return 0;
	sso_key_of(sid, o->key);
	OPENSSL_cleanse(sid, sizeof(sid));
	if (sso_get(d->sso, o->key, now, &o->v) != KALIT_OK ||
	    o->a.prompt_login || (o->v.acr & o->a.acr) == 0 ||
	    (o->a.max_age >= 0 && now - o->v.auth_time > o->a.max_age))
		return 0;
	snprintf(rq->serial, sizeof(rq->serial), "%s", o->v.entry->serial);
	/* Checked again now: revocation, validity, this client's policy. */
	r = login_cert(d, st, o->v.entry->cert, NULL, &o->client, now, &e,
	    &acr, &fetch);
	cert_entry_release(e);
	if (r == KALIT_OK && fetch) {
		rq->st = st;
		atomic_fetch_add(&st->refs, 1);
		rq->work.run = sso_work;
		MHD_suspend_connection(rq->conn);
		workers_submit(d->workers, &rq->work);
		*retp = MHD_YES;
		return 1;
	}
	*retp = r == KALIT_OK ? sso_code(rq, 0) : sso_refused(rq, st, r, 0);
	return 1;
}

/* To the login page with a request token, in a browser bound to it. */
static enum MHD_Result
login_page(struct req *rq, int suspended)
{
	struct http_oidc *o = rq->oidc;
	struct kalitd *d = rq->h->d;
	char bind[COOKIE_VALUE_LEN + 1], *tok = NULL, *url;
	int r;

	if (http_oidc_cookie(rq, 0, bind) != KALIT_OK) {
		if ((r = cookie_new(bind)) != KALIT_OK)
			return authz_error(rq, &o->a, "server_error",
			    kalit_strerror(r), suspended);
		http_oidc_set_cookie(rq, 0, 0, bind);
	}
	oidc_bind_of(bind, o->a.bind);
	OPENSSL_cleanse(bind, sizeof(bind));
	o->a.exp = state_now() + d->cfg->login_lifetime;
	if ((r = oidc_req_encode(d->reqkey, &o->a, &tok)) != KALIT_OK)
		return authz_error(rq, &o->a, "server_error",
		    kalit_strerror(r), suspended);
	url = oidc_url("/login/", (const char *const[]){ "r", tok, "lang",
	    o->a.lang, NULL });
	free(tok);
	return http_oidc_redirect(rq, url, o->ended != NULL ? "oidc-logout" :
	    NULL, suspended);
}

enum MHD_Result
http_oidc_authorize(struct req *rq)
{
	struct kalitd *d = rq->h->d;
	struct oidc_params p;
	struct http_oidc *o;
	struct state *st;
	const char *error, *desc = NULL, *accept;
	enum MHD_Result ret;
	int r;

	if (!d->cfg->oidc)
		return http_oidc_discovery(rq);
	if ((o = http_oidc_of(rq)) == NULL)
		return http_respond_err(rq, KALIT_ERR_NOMEM);
	accept = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
	/* Even the page that refuses the request speaks its language. */
	if ((r = http_oidc_params(rq, &p, OIDC_PARAMS_AUTHZ)) != KALIT_OK) {
		oidc_authz_lang(&p, accept, o->a.lang);
		oidc_params_clear(&p);
		return http_oidc_error_page(rq, r, o->a.lang);
	}
	r = oidc_authz_target(&p, &o->a);
	oidc_authz_lang(&p, accept, o->a.lang);
	if (r == KALIT_OK)
		r = session_client_get(d->session, o->a.client_id, &o->client);
	if (r == KALIT_OK && !session_client_uri_ok(d->session, o->client.id,
	    STORE_URI_REDIRECT, o->a.redirect_uri))
		r = KALIT_ERR_REDIRECT_URI;
	/* No redirect to where the client did not register. */
	error = r == KALIT_OK ? oidc_authz_check(&p, &o->client, accept,
	    &o->a, &desc) : NULL;
	oidc_params_clear(&p);
	if (r != KALIT_OK)
		return http_oidc_error_page(rq, r, o->a.lang);
	snprintf(rq->client, sizeof(rq->client), "%s", o->client.id);
	if (error != NULL)
		return authz_error(rq, &o->a, error, desc, 0);
	st = state_acquire(d);
	if (!sso_try(rq, st, &ret))
		ret = o->a.prompt_none ? authz_error(rq, &o->a,
		    "login_required", "no session: the citizen must sign in",
		    0) : login_page(rq, 0);
	state_release(st);
	return ret;
}

/* The browser's binding (oidc_bind_of() of its cookie) into out; or "". */
static void
request_bind(struct req *rq, char out[OIDC_BIND_LEN + 1])
{
	char b[COOKIE_VALUE_LEN + 1];

	out[0] = '\0';
	if (http_oidc_cookie(rq, 0, b) == KALIT_OK)
		oidc_bind_of(b, out);
	OPENSSL_cleanse(b, sizeof(b));
}

/* The names of acr's bits, as a JSON list; new reference. */
static json_t *
acr_list(unsigned int acr)
{
	json_t *l = json_array();

	if (l != NULL && (acr & STORE_ACR_CITIZEN))
		json_array_append_new(l, json_string("citizen"));
	if (l != NULL && (acr & STORE_ACR_OFFICIAL))
		json_array_append_new(l, json_string("official"));
	return l;
}

enum MHD_Result
http_oidc_challenge(struct req *rq)
{
	struct kalitd *d = rq->h->d;
	struct challenge_bind b;
	struct store_client client;
	struct oidc_authz a;
	char bind[OIDC_BIND_LEN + 1], c[CHALLENGE_LEN + 1], *name = NULL;
	json_t *o, *r;
	int e;

	if (!d->cfg->oidc)
		return http_oidc_discovery(rq);
	if ((o = json_loadb((const char *)rq->body, rq->len,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(o) ||
	    !json_is_string(r = json_object_get(o, "r"))) {
		json_decref(o);
		return http_respond_err(rq, KALIT_ERR_MALFORMED);
	}
	request_bind(rq, bind);
	e = oidc_req_decode(d->reqkey, json_string_value(r),
	    json_string_length(r), state_now(), &a);
	if (e == KALIT_OK && (bind[0] == '\0' || strcmp(bind, a.bind) != 0))
		e = KALIT_ERR_BROWSER;
	if (e == KALIT_OK)
		e = session_client_get(d->session, a.client_id, &client);
	if (e == KALIT_OK)
		e = oidc_challenge_bind(&b, client.id, d->cfg->public_origin,
		    a.bind, json_string_value(r), json_string_length(r));
	if (e == KALIT_OK)
		e = challenge_issue(d->challenges, &b, state_now(), c);
	json_decref(o);
	if (e != KALIT_OK)
		return http_respond_err(rq, e);
	/* The name the client registered, if any, tells the citizen whom. */
	session_client_value(d->session, client.id, STORE_CLIENT_NAME, &name);
	o = json_pack("{s:s, s:s, s:{s:s, s:s*}, s:o, s:I}", "challenge", c,
	    "origin", d->cfg->public_origin, "client", "id", client.id, "name",
	    name, "acr", acr_list(client.acr & a.acr), "expires_in",
	    (json_int_t)d->cfg->challenge_lifetime);
	free(name);
	return http_respond_json(rq, o, 1);
}

/* The login checked: a session, a code, the answer; or the refusal. */
static void
login_end(struct req *rq, struct state *st, int suspended)
{
	struct http_oidc *o = rq->oidc;
	struct oidc_login *l = &o->login;
	struct kalitd *d = rq->h->d;
	char sid[COOKIE_VALUE_LEN + 1], old[COOKIE_VALUE_LEN + 1];
	char *url = NULL, *answer;
	unsigned char oldkey[SSO_KEY_LEN];
	int64_t now = state_now();
	json_t *j;
	int r = l->err, renewed = 0;

	/*
	 * A new cookie every time (no fixation). The browser's session goes
	 * on under it when it is the same person's, else it ends.
	 */
	if (r == KALIT_OK && (r = cookie_new(sid)) == KALIT_OK) {
		sso_key_of(sid, o->key);
		if (http_oidc_cookie(rq, 1, old) == KALIT_OK) {
			sso_key_of(old, oldkey);
			OPENSSL_cleanse(old, sizeof(old));
			renewed = sso_renew(d->sso, oldkey, o->key, l->entry,
			    l->acr, l->hwk, now, now +
			    d->cfg->session_lifetime, now, &o->v) == KALIT_OK;
			if (!renewed && sso_end(d->sso, oldkey, &o->ended) ==
			    KALIT_OK)
				oidc_ended(d, st, o->ended, now);
		}
		if (!renewed)
			r = sso_create(d->sso, o->key, l->entry, l->acr, l->hwk,
			    now, now + d->cfg->session_lifetime, now, &o->v);
		if (r == KALIT_OK)
			r = oidc_code(d, &l->a, o->key, &o->v, now, &url);
		if (r == KALIT_OK)
			http_oidc_set_cookie(rq, 1, 1, sid);
		OPENSSL_cleanse(sid, sizeof(sid));
	}
	metrics_oidc_login(r, 0);
	metrics_sessions(sso_count(d->sso, NULL));
	if (r != KALIT_OK) {
		log_msg(LOG_LEVEL_INFO, "oidc login refused: %s (client %s, "
		    "serial %s)", apierr_code(r), rq->client[0] ? rq->client :
		    "-", rq->serial[0] ? rq->serial : "-");
		if (r == l->err)
			rq->retry_after = l->retry_after;
		snprintf(o->detail, sizeof(o->detail), "%s", apierr_code(r));
		http_oidc_finish(rq, apierr_status(r), "application/json",
		    http_error_body(apierr_code(r), kalit_strerror(r)),
		    "oidc-login", suspended);
		return;
	}
	snprintf(o->detail, sizeof(o->detail), "ok sid %.8s acr %s%s",
	    o->v.sid, session_acr_name(l->acr), l->hwk ? " hwk" : "");
	j = json_pack("{s:s}", "redirect", url);
	free(url);
	answer = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	http_oidc_finish(rq, answer != NULL ? 200 : 500, "application/json",
	    answer, "oidc-login", suspended);
}

/* A worker thread: the revocation downloads, then as login_end(). */
static void
login_work(struct workers_job *w)
{
	struct req *rq = (struct req *)((char *)w -
	    offsetof(struct req, work));
	struct state *st = rq->st;

	oidc_login_finish(rq->h->d, st, &rq->oidc->login);
	login_end(rq, st, 1);
	rq->st = NULL;
	state_release(st);
}

enum MHD_Result
http_oidc_login(struct req *rq)
{
	struct kalitd *d = rq->h->d;
	const union MHD_ConnectionInfo *ci;
	struct http_oidc *o;
	struct oidc_login *l;
	struct state *st;
	char bind[OIDC_BIND_LEN + 1];

	if (!d->cfg->oidc)
		return http_oidc_discovery(rq);
	if ((o = http_oidc_of(rq)) == NULL)
		return http_respond_err(rq, KALIT_ERR_NOMEM);
	l = &o->login;
	request_bind(rq, bind);
	ci = MHD_get_connection_info(rq->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	st = state_acquire(d);
	oidc_login_run(d, st, (const char *)rq->body, rq->len,
	    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Origin"),
	    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
	    "X-Kalit-Login"), bind[0] != '\0' ? bind : NULL,
	    ci != NULL ? ci->client_addr : NULL, state_now(), l);
	snprintf(rq->client, sizeof(rq->client), "%s", l->client.id);
	snprintf(rq->serial, sizeof(rq->serial), "%s", l->serial);
	/* Refused before a signature verified: summed up, answered at once. */
	if (l->err != KALIT_OK && l->serial[0] == '\0') {
		state_release(st);
		metrics_oidc_login(l->err, 0);
		auditq_refused(d->auditq, l->err);
		rq->retry_after = l->retry_after;
		log_msg(LOG_LEVEL_INFO, "oidc login refused: %s (client %s)",
		    apierr_code(l->err), rq->client[0] ? rq->client : "-");
		return http_respond_err(rq, l->err);
	}
	MHD_suspend_connection(rq->conn);
	if (l->fetch) {
		rq->st = st;
		rq->work.run = login_work;
		workers_submit(d->workers, &rq->work);
		return MHD_YES;
	}
	login_end(rq, st, 1);
	state_release(st);
	return MHD_YES;
}
