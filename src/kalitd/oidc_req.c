/* oidc_req.c: authorization request parameters and request tokens */
#include "config.h"
#include "oidc_req.h"
#include "base64.h"
#include "clientreg.h"
#include "digest.h"
#include "err.h"
#include "jws.h"
#include "log.h"
#include "parse.h"
#include "token.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#define MAC_LEN		32

struct param_def {
	const char	*name;
	size_t		 max;
};

static const struct param_def authz_params[OIDC_P__MAX] = {
	{ "client_id", STORE_CLIENT_ID_MAX },
	{ "redirect_uri", STORE_URI_MAX },
	{ "response_type", OIDC_SHORT_MAX },
	{ "scope", OIDC_SCOPE_MAX },
	{ "state", OIDC_STATE_MAX },
	{ "nonce", OIDC_STATE_MAX },
	{ "code_challenge", OIDC_CHALLENGE_MAX },
	{ "code_challenge_method", OIDC_SHORT_MAX },
	{ "prompt", OIDC_SHORT_MAX },
	{ "max_age", OIDC_SHORT_MAX },
	{ "acr_values", OIDC_SHORT_MAX },
	{ "ui_locales", OIDC_SHORT_MAX },
	{ "response_mode", OIDC_SHORT_MAX },
	/* refused whatever they hold: kept short */
	{ "request", 0 },
	{ "request_uri", 0 },
};

static const struct param_def token_params[OIDC_T__MAX] = {
	{ "grant_type", OIDC_SHORT_MAX },
	{ "code", OIDC_SHORT_MAX },
	{ "redirect_uri", STORE_URI_MAX },
	{ "code_verifier", OIDC_CHALLENGE_MAX },
	{ "client_id", STORE_CLIENT_ID_MAX },
	{ "client_secret", 128 },
	{ "client_assertion_type", 128 },
	{ "client_assertion", JWS_MAX },
	{ "scope", CLIENTREG_SCOPES_MAX * (CLIENTREG_SCOPE_MAX + 1) },
	{ "resource", STORE_URI_MAX },
};

static const struct param_def logout_params[OIDC_L__MAX] = {
	{ "id_token_hint", 8192 },
	{ "post_logout_redirect_uri", STORE_URI_MAX },
	{ "state", OIDC_STATE_MAX },
	{ "client_id", STORE_CLIENT_ID_MAX },
	{ "ui_locales", OIDC_SHORT_MAX },
	{ "confirm", OIDC_SHORT_MAX },
};

static const struct param_def userinfo_params[1] = {
	{ "access_token", 8192 },
};

/* Introspection's, revocation's and the gate's (POST /v1/gate). */
static const struct param_def tokenop_params[OIDC_R__MAX] = {
	{ "token", TOKEN_MAX_SIZE },
	{ "token_type_hint", OIDC_SHORT_MAX },
	{ "client_id", TOKEN_MAX_SIZE },
	{ "client_secret", TOKEN_MAX_SIZE },
	{ "resource", STORE_URI_MAX },		/* the gate's */
	{ "scope", CLIENTREG_SCOPES_MAX * (CLIENTREG_SCOPE_MAX + 1) },
	{ "client_cert", 3 * JWS_CERT_MAX },	/* PEM, wrapped */
};

static const struct {
	const struct param_def	*def;
	int			 n;
} kinds[] = {
	{ authz_params, OIDC_P__MAX }, { token_params, OIDC_T__MAX },
	{ logout_params, OIDC_L__MAX }, { userinfo_params, 1 },
	{ tokenop_params, OIDC_R__MAX },
};

_Static_assert(OIDC_P__MAX <= OIDC_PARAMS_MAX &&
    OIDC_T__MAX <= OIDC_PARAMS_MAX && OIDC_L__MAX <= OIDC_PARAMS_MAX &&
    OIDC_R__MAX <= OIDC_PARAMS_MAX,
    "struct oidc_params holds every kind's parameters");

struct oidc_reqkey {
	EVP_MAC_CTX	*mac;
};

void
oidc_params_init(struct oidc_params *p, enum oidc_params_kind kind)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
}

int
oidc_params_add(struct oidc_params *p, const char *key, const char *data,
    uint64_t off, size_t size)
{
	const struct param_def *params = kinds[p->kind].def;
	size_t have;
	char *v;
	int i;

	for (i = 0; i < kinds[p->kind].n && strcmp(key, params[i].name) != 0;
	    i++)
		;
	if (i == kinds[p->kind].n)
		return KALIT_OK;	/* another extension's */
	if (off == 0 && p->v[i] != NULL) {
		p->bad |= 1u << i;
		p->repeated = 1;
		return KALIT_OK;
	}
	have = p->v[i] != NULL ? p->len[i] : 0;
	if (size > params[i].max - have && params[i].max > 0) {
		p->bad |= 1u << i;
		p->oversized = 1;
		size = 0;	/* present, empty: refused */
	}
	if (params[i].max == 0)
		size = 0;
	if ((v = realloc(p->v[i], have + size + 1)) == NULL)
		return KALIT_ERR_NOMEM;
	if (size > 0)
		memcpy(v + have, data, size);
	v[have + size] = '\0';
	p->v[i] = v;
	p->len[i] = have + size;
	return KALIT_OK;
}

void
oidc_params_clear(struct oidc_params *p)
{
	int i;

	for (i = 0; i < OIDC_PARAMS_MAX; i++)
		if (p->v[i] != NULL) {
			/* secrets and codes among them */
			OPENSSL_cleanse(p->v[i], p->len[i]);
			free(p->v[i]);
		}
	memset(p, 0, sizeof(*p));
}

/* 1 when the len bytes of s are all in [lo, hi] and none is in not. */
static int
chars_in(const char *s, size_t len, int lo, int hi, const char *not)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < lo || s[i] > hi || (not != NULL &&
		    strchr(not, s[i]) != NULL))
			return 0;
	return 1;
}

const char *
oidc_param(const struct oidc_params *p, int i)
{
	if (i < 0 || i >= OIDC_PARAMS_MAX || p->v[i] == NULL ||
	    strlen(p->v[i]) != p->len[i] || (p->bad & (1u << i)))
		return NULL;
	return p->v[i];
}

#define param(p, i)	oidc_param((p), (i))

int
oidc_authz_target(const struct oidc_params *p, struct oidc_authz *a)
{
	const char *id = param(p, OIDC_P_CLIENT_ID);
	const char *uri = param(p, OIDC_P_REDIRECT_URI);

	memset(a, 0, sizeof(*a));
	a->max_age = -1;
	/* registered ones are printable ASCII: nothing else can match */
	if (id == NULL || *id == '\0' || !chars_in(id, strlen(id), 0x21,
	    0x7e, NULL))
		return KALIT_ERR_CLIENT_UNKNOWN;
	snprintf(a->client_id, sizeof(a->client_id), "%s", id);
	/* Which of two redirect URIs would be the one? Neither. */
	if (uri == NULL || *uri == '\0' || !chars_in(uri, strlen(uri), 0x21,
	    0x7e, NULL))
		return KALIT_ERR_REDIRECT_URI;
	snprintf(a->redirect_uri, sizeof(a->redirect_uri), "%s", uri);
	return KALIT_OK;
}

/* Each space-separated word of s, len bytes, into fn; stops at non-zero. */
static int
words(const char *s, int (*fn)(const char *, size_t, void *), void *arg)
{
	const char *w;
	size_t n;
	int r;

	for (w = s; *w != '\0'; w += n) {
		w += strspn(w, " ");
		if ((n = strcspn(w, " ")) > 0 && (r = fn(w, n, arg)) != 0)
			return r;
	}
	return 0;
}

static int
is_word(const char *w, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(w, name, n) == 0;
}

static int
scope_word(const char *w, size_t n, void *arg)
{
	unsigned int *bits = arg;

	if (is_word(w, n, "openid"))
		*bits |= OIDC_SCOPE_OPENID;
	else if (is_word(w, n, "profile"))
		*bits |= OIDC_SCOPE_PROFILE;
	else if (is_word(w, n, "pinfl"))
		*bits |= OIDC_SCOPE_PINFL;
	else if (is_word(w, n, "organization"))
		*bits |= OIDC_SCOPE_ORG;
	return 0;
}

static int
acr_word(const char *w, size_t n, void *arg)
{
	unsigned int *bits = arg;

	if (is_word(w, n, "citizen"))
		*bits |= STORE_ACR_CITIZEN;
	else if (is_word(w, n, "official"))
		*bits |= STORE_ACR_OFFICIAL;
	return 0;
}

/* prompt: bit 0 none, bit 1 login; -1 for a value kalitd does not know. */
static int
prompt_word(const char *w, size_t n, void *arg)
{
	int *bits = arg;

	if (is_word(w, n, "none"))
		*bits |= 1;
	else if (is_word(w, n, "login"))
		*bits |= 2;
	else if (is_word(w, n, "consent") || is_word(w, n, "select_account"))
		*bits |= 4;	/* no consent screen; one key file a login */
	else
		return -1;
	return 0;
}

/* The language of a tag ("ru", "ru-RU", "uz-Latn"), or NULL. */
static const char *
lang_of(const char *w, size_t n)
{
	static const char *const langs[] = { "uz", "ru", "en" };
	size_t i;

	for (i = 0; i < 3; i++)
		if ((n == 2 || (n > 2 && w[2] == '-')) &&
		    strncasecmp(w, langs[i], 2) == 0)
			return langs[i];
	return NULL;
}

static int
lang_word(const char *w, size_t n, void *arg)
{
	const char **lang = arg;

	return (*lang = lang_of(w, n)) != NULL;
}

/* The first of uz, ru, en in ui_locales, else in Accept-Language, else uz. */
static void
choose_lang(const char *ui, const char *accept, char out[3])
{
	const char *lang = NULL, *w;
	size_t n;

	if (ui != NULL)
		words(ui, lang_word, &lang);
	/* Accept-Language: "ru-RU,ru;q=0.9,en;q=0.8": in the order given. */
	for (w = accept; lang == NULL && w != NULL && *w != '\0'; w += n) {
		w += strspn(w, " ,");
		n = strcspn(w, ",");
		lang = lang_of(w, strcspn(w, ";, "));
	}
	memcpy(out, lang != NULL ? lang : "uz", 3);
}

void
oidc_authz_lang(const struct oidc_params *p, const char *accept_language,
    char out[3])
{
	choose_lang(param(p, OIDC_P_UI_LOCALES), accept_language, out);
}

/* The PKCE checks: S256 only, for everyone; required of public clients. */
static const char *
check_pkce(const struct oidc_params *p, const struct store_client *c,
    struct oidc_authz *a, const char **descp)
{
	const char *cc = param(p, OIDC_P_CODE_CHALLENGE);
	const char *m = param(p, OIDC_P_CODE_CHALLENGE_METHOD);

	*descp = NULL;
	if (cc == NULL && m != NULL)
		*descp = "code_challenge_method without code_challenge";
	else if (cc == NULL && c->public_client)
		*descp = "a public client must send a PKCE code_challenge "
		    "(S256)";
	else if (cc != NULL && (m == NULL || strcmp(m, "S256") != 0))
		*descp = "code_challenge_method must be S256 (plain is "
		    "refused)";
	else if (cc != NULL && (strlen(cc) < 43 || !chars_in(cc, strlen(cc),
	    0x21, 0x7e, NULL) || strspn(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~") != strlen(cc)))
		*descp = "code_challenge is not 43 to 128 of A-Z a-z 0-9 "
		    "- . _ ~";
	if (*descp != NULL)
		return "invalid_request";
	if (cc != NULL)
		snprintf(a->code_challenge, sizeof(a->code_challenge), "%s",
		    cc);
	return NULL;
}

/* prompt, max_age, acr_values. */
static const char *
check_login(const struct oidc_params *p, const struct store_client *c,
    struct oidc_authz *a, const char **descp)
{
	const char *v;
	unsigned int want = 0;
	int prompt = 0;
	int64_t n;

	if ((v = param(p, OIDC_P_PROMPT)) != NULL &&
	    (words(v, prompt_word, &prompt) != 0 ||
	    ((prompt & 1) && prompt != 1))) {
		*descp = "prompt: none alone, or login, consent, "
		    "select_account";
		return "invalid_request";
	}
	a->prompt_none = prompt & 1;
	a->prompt_login = (prompt & 2) != 0;
	if ((v = param(p, OIDC_P_MAX_AGE)) != NULL) {
		if (!parse_i64(v, 0, 100000000, &n)) {
			*descp = "max_age is a number of seconds";
			return "invalid_request";
		}
		a->max_age = n;
	}
	a->acr = c->acr;
	if ((v = param(p, OIDC_P_ACR_VALUES)) != NULL) {
		words(v, acr_word, &want);
		if ((a->acr = want & c->acr) == 0) {
			*descp = "none of acr_values is one this client may "
			    "have (citizen, official)";
			return "access_denied";
		}
	}
	return NULL;
}

const char *
oidc_authz_check(const struct oidc_params *p, const struct store_client *c,
    const char *accept_language, struct oidc_authz *a, const char **descp)
{
	const char *v, *e;

	*descp = NULL;
	/* The state goes back untouched, if it can go back at all. */
	if ((v = param(p, OIDC_P_STATE)) != NULL &&
	    chars_in(v, strlen(v), 0x20, 0x7e, NULL)) {
		snprintf(a->state, sizeof(a->state), "%s", v);
		a->has_state = 1;
	}
	choose_lang(param(p, OIDC_P_UI_LOCALES), accept_language, a->lang);
	if (p->repeated) {
		*descp = "a parameter is repeated";
		return "invalid_request";
	}
	if (p->oversized) {
		*descp = "a parameter is longer than kalitd takes";
		return "invalid_request";
	}
	if (p->v[OIDC_P_REQUEST] != NULL) {
		*descp = "request objects are not supported";
		return "request_not_supported";
	}
	if (p->v[OIDC_P_REQUEST_URI] != NULL) {
		*descp = "request_uri is not supported";
		return "request_uri_not_supported";
	}
	if ((v = param(p, OIDC_P_RESPONSE_TYPE)) == NULL) {
		*descp = "response_type is missing";
		return "invalid_request";
	}
	if (strcmp(v, "code") != 0) {
		*descp = "only the authorization code flow (response_type "
		    "code)";
		return "unsupported_response_type";
	}
	if ((v = param(p, OIDC_P_RESPONSE_MODE)) != NULL &&
	    strcmp(v, "query") != 0) {
		*descp = "response_mode: query only";
		return "invalid_request";
	}
	if (p->v[OIDC_P_STATE] != NULL && !a->has_state) {
		*descp = "state is printable ASCII";
		return "invalid_request";
	}
	if ((v = param(p, OIDC_P_NONCE)) != NULL) {
		if (!chars_in(v, strlen(v), 0x20, 0x7e, NULL) ||
		    *v == '\0') {
			*descp = "nonce is printable ASCII";
			return "invalid_request";
		}
		snprintf(a->nonce, sizeof(a->nonce), "%s", v);
	}
	if ((v = param(p, OIDC_P_SCOPE)) != NULL)
		words(v, scope_word, &a->scope);
	if (!(a->scope & OIDC_SCOPE_OPENID)) {
		*descp = "scope must include openid";
		return "invalid_scope";
	}
	if ((e = check_pkce(p, c, a, descp)) != NULL)
		return e;
	return check_login(p, c, a, descp);
}

int
oidc_reqkey_new(struct oidc_reqkey **kp)
{
	struct oidc_reqkey *k;

	*kp = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return KALIT_ERR_NOMEM;
	if ((k->mac = digest_hmac_new()) == NULL) {
		log_ssl(LOG_LEVEL_ERROR, "request token key");
		free(k);
		return KALIT_ERR_INTERNAL;
	}
	*kp = k;
	return KALIT_OK;
}

void
oidc_reqkey_free(struct oidc_reqkey *k)
{
	if (k == NULL)
		return;
	EVP_MAC_CTX_free(k->mac);
	free(k);
}

/*
 * A request token's bytes: version 1, then exp and max_age (8 bytes each,
 * big-endian two's complement), scope and acr (4 bytes each), a flags
 * byte, then the strings, each a 2-byte big-endian length and its bytes.
 * Fixed fields, no parser: a token is read on every challenge and login.
 */
#define REQ_VERSION	1
#define REQ_HAS_STATE	0x01
#define REQ_PROMPT_NONE	0x02
#define REQ_PROMPT_LOGIN 0x04
#define REQ_NSTR	7
/* The longest token: 26 fixed bytes, the strings, their lengths, a MAC. */
_Static_assert(BASE64_URL_LEN(26 + 2 * REQ_NSTR + OIDC_BIND_LEN +
    STORE_CLIENT_ID_MAX + STORE_URI_MAX + 2 * OIDC_STATE_MAX +
    OIDC_CHALLENGE_MAX + 2) + 1 + BASE64_URL_LEN(MAC_LEN) <=
    OIDC_REQ_TOKEN_MAX, "a request token fits OIDC_REQ_TOKEN_MAX");

/* The strings of a, in their order, and each one's buffer size. */
static void
req_strings(struct oidc_authz *a, char *str[REQ_NSTR], size_t size[REQ_NSTR])
{
	str[0] = a->bind, size[0] = sizeof(a->bind);
	str[1] = a->client_id, size[1] = sizeof(a->client_id);
	str[2] = a->redirect_uri, size[2] = sizeof(a->redirect_uri);
	str[3] = a->state, size[3] = sizeof(a->state);
	str[4] = a->nonce, size[4] = sizeof(a->nonce);
	str[5] = a->code_challenge, size[5] = sizeof(a->code_challenge);
	str[6] = a->lang, size[6] = sizeof(a->lang);
}

static unsigned char *
put_be(unsigned char *p, uint64_t v, int n)
{
	while (n-- > 0)
		*p++ = (unsigned char)(v >> (8 * n));
	return p;
}

static uint64_t
get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

int
oidc_req_encode(struct oidc_reqkey *k, const struct oidc_authz *a,
    char **tokp)
{
	unsigned char mac[MAC_LEN], raw[OIDC_REQ_TOKEN_MAX / 4 * 3], *p = raw;
	struct oidc_authz c = *a;	/* req_strings() takes it writable */
	char *str[REQ_NSTR], *tok;
	size_t size[REQ_NSTR], len, n;
	int i, r;

	*tokp = NULL;
	req_strings(&c, str, size);
	*p++ = REQ_VERSION;
	p = put_be(p, (uint64_t)c.exp, 8);
	p = put_be(p, (uint64_t)c.max_age, 8);
	p = put_be(p, c.scope, 4);
	p = put_be(p, c.acr, 4);
	*p++ = (c.has_state ? REQ_HAS_STATE : 0) |
	    (c.prompt_none ? REQ_PROMPT_NONE : 0) |
	    (c.prompt_login ? REQ_PROMPT_LOGIN : 0);
	/* Every string is within its buffer: the sum fits raw. */
	for (i = 0; i < REQ_NSTR; i++) {
		len = strnlen(str[i], size[i] - 1);
		p = put_be(p, len, 2);
		memcpy(p, str[i], len);
		p += len;
	}
	len = (size_t)(p - raw);
	n = BASE64_URL_LEN(len);
	r = KALIT_ERR_NOMEM;
	if ((tok = malloc(n + 1 + BASE64_URL_LEN(MAC_LEN) + 1)) == NULL)
		goto out;
	base64_url_encode(raw, len, tok);
	/* The MAC is of the text sent: checked before anything is decoded. */
	if ((r = digest_hmac(k->mac, tok, n, mac, MAC_LEN)) != KALIT_OK) {
		free(tok);
		goto out;
	}
	tok[n] = '.';
	base64_url_encode(mac, MAC_LEN, tok + n + 1);
	*tokp = tok;
 out:
	OPENSSL_cleanse(raw, len);
	OPENSSL_cleanse(&c, sizeof(c));
	return r;
}

/* The fields of raw (len bytes, MAC checked) into a; -1 if malformed. */
static int
req_read(const unsigned char *raw, size_t len, struct oidc_authz *a)
{
	const unsigned char *p = raw, *end = raw + len;
	char *str[REQ_NSTR];
	size_t size[REQ_NSTR], n;
	int i;

	if (len < 26 || *p++ != REQ_VERSION)
		return -1;
	a->exp = (int64_t)get_be(p, 8);
	a->max_age = (int64_t)get_be(p + 8, 8);
	a->scope = (unsigned int)get_be(p + 16, 4);
	a->acr = (unsigned int)get_be(p + 20, 4);
	p += 24;
	if ((*p & ~(REQ_HAS_STATE | REQ_PROMPT_NONE | REQ_PROMPT_LOGIN)) != 0)
		return -1;
	a->has_state = (*p & REQ_HAS_STATE) != 0;
	a->prompt_none = (*p & REQ_PROMPT_NONE) != 0;
	a->prompt_login = (*p & REQ_PROMPT_LOGIN) != 0;
	p++;
	req_strings(a, str, size);
	for (i = 0; i < REQ_NSTR; i++) {
		if (end - p < 2 || (n = (size_t)get_be(p, 2)) >= size[i] ||
		    (size_t)(end - p - 2) < n || memchr(p + 2, '\0', n) != NULL)
			return -1;
		memcpy(str[i], p + 2, n);
		str[i][n] = '\0';
		p += 2 + n;
	}
	return p == end ? 0 : -1;
}

int
oidc_req_decode(struct oidc_reqkey *k, const char *tok, size_t len,
    int64_t now, struct oidc_authz *a)
{
	unsigned char mac[MAC_LEN], *raw = NULL;
	const char *dot;
	char want[BASE64_URL_LEN(MAC_LEN) + 1];
	size_t n, rlen = 0;
	int r;

	memset(a, 0, sizeof(*a));
	if (tok == NULL || len > OIDC_REQ_TOKEN_MAX ||
	    (dot = memchr(tok, '.', len)) == NULL)
		return KALIT_ERR_REQUEST_INVALID;
	n = (size_t)(dot - tok);
	if (len - n - 1 != BASE64_URL_LEN(MAC_LEN))
		return KALIT_ERR_REQUEST_INVALID;
	if ((r = digest_hmac(k->mac, tok, n, mac, MAC_LEN)) != KALIT_OK)
		return r;
	base64_url_encode(mac, MAC_LEN, want);
	if (CRYPTO_memcmp(want, dot + 1, sizeof(want) - 1) != 0)
		return KALIT_ERR_REQUEST_INVALID;
	/* Ours from here on: it was checked when it was made. */
	r = KALIT_ERR_REQUEST_INVALID;
	if (base64_url_decode(tok, n, OIDC_REQ_TOKEN_MAX, &raw, &rlen) ==
	    KALIT_OK && req_read(raw, rlen, a) == 0)
		r = a->exp < now ? KALIT_ERR_REQUEST_EXPIRED : KALIT_OK;
	if (raw != NULL)
		OPENSSL_clear_free(raw, rlen);
	if (r != KALIT_OK && r != KALIT_ERR_REQUEST_EXPIRED)
		memset(a, 0, sizeof(*a));
	return r;
}

void
oidc_bind_of(const char *cookie, char out[OIDC_BIND_LEN + 1])
{
	unsigned char md[32];

	EVP_Digest(cookie, strlen(cookie), md, NULL, digest_sha256(), NULL);
	base64_url_encode(md, sizeof(md), out);
}
