/*
 * oidc_req.h: an OpenID Connect authorization request: its parameters,
 * their checks, and the stateless request token that carries a checked
 * request through the login page
 */
#ifndef KALITD_OIDC_REQ_H
#define KALITD_OIDC_REQ_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "store.h"

/* Caps on the parameters, in bytes (checked as they arrive). */
#define OIDC_STATE_MAX		512	/* state, nonce */
#define OIDC_SCOPE_MAX		256
#define OIDC_SHORT_MAX		64	/* prompt, acr_values, ui_locales ... */
#define OIDC_CHALLENGE_MAX	128	/* code_challenge: RFC 7636 4.1 */
#define OIDC_REQ_TOKEN_MAX	8192	/* characters of a request token */
#define OIDC_BIND_LEN		43	/* base64url SHA-256 */

/* The scopes kalitd knows; others are ignored (RFC 6749 3.3). */
enum oidc_scope {
	OIDC_SCOPE_OPENID = 1u << 0,
	OIDC_SCOPE_PROFILE = 1u << 1,	/* name, given_name, family_name */
	OIDC_SCOPE_PINFL = 1u << 2,	/* pinfl */
	OIDC_SCOPE_ORG = 1u << 3	/* tin, organization, title */
};

/* The parameters, one of each at most; enum oidc_param indexes them. */
enum oidc_param {
	OIDC_P_CLIENT_ID = 0,
	OIDC_P_REDIRECT_URI,
	OIDC_P_RESPONSE_TYPE,
	OIDC_P_SCOPE,
	OIDC_P_STATE,
	OIDC_P_NONCE,
	OIDC_P_CODE_CHALLENGE,
	OIDC_P_CODE_CHALLENGE_METHOD,
	OIDC_P_PROMPT,
	OIDC_P_MAX_AGE,
	OIDC_P_ACR_VALUES,
	OIDC_P_UI_LOCALES,
	OIDC_P_RESPONSE_MODE,
	OIDC_P_REQUEST,
	OIDC_P_REQUEST_URI,
	OIDC_P__MAX
};

/* The token endpoint's form parameters. */
enum oidc_token_param {
	OIDC_T_GRANT_TYPE = 0,
	OIDC_T_CODE,
	OIDC_T_REDIRECT_URI,
	OIDC_T_CODE_VERIFIER,
	OIDC_T_CLIENT_ID,
	OIDC_T_CLIENT_SECRET,
	OIDC_T_ASSERTION_TYPE,
	OIDC_T_ASSERTION,
	OIDC_T_SCOPE,			/* client_credentials */
	OIDC_T_RESOURCE,		/* RFC 8707 */
	OIDC_T__MAX
};

/*
 * Introspection's and revocation's form (RFC 7662 2.1, RFC 7009 2.1), and
 * the gate's (POST /v1/gate).
 */
enum oidc_tokenop_param {
	OIDC_R_TOKEN = 0,
	OIDC_R_TOKEN_TYPE_HINT,
	OIDC_R_CLIENT_ID,
	OIDC_R_CLIENT_SECRET,
	OIDC_R_RESOURCE,		/* the gate's: the API it guards */
	OIDC_R_SCOPE,			/* ... the scope the API needs */
	OIDC_R_CLIENT_CERT,		/* ... the caller's TLS certificate */
	OIDC_R__MAX
};

/* RP-Initiated Logout's parameters, and the confirmation form's. */
enum oidc_logout_param {
	OIDC_L_HINT = 0,		/* id_token_hint */
	OIDC_L_URI,			/* post_logout_redirect_uri */
	OIDC_L_STATE,
	OIDC_L_CLIENT_ID,
	OIDC_L_UI_LOCALES,
	OIDC_L_CONFIRM,
	OIDC_L__MAX
};

/* Which endpoint's parameters a struct oidc_params collects. */
enum oidc_params_kind {
	OIDC_PARAMS_AUTHZ = 0,		/* enum oidc_param */
	OIDC_PARAMS_TOKEN,		/* enum oidc_token_param */
	OIDC_PARAMS_LOGOUT,		/* enum oidc_logout_param */
	OIDC_PARAMS_USERINFO,		/* 0: access_token */
	OIDC_PARAMS_TOKENOPS		/* enum oidc_tokenop_param */
};

#define OIDC_PARAMS_MAX		16

/*
 * The parameters as they came (query or form), each NUL-terminated; an
 * absent one is NULL; indexed by the kind's enum. Start it with
 * oidc_params_init(); clear with oidc_params_clear().
 */
struct oidc_params {
	int	 kind;			/* enum oidc_params_kind */
	char	*v[OIDC_PARAMS_MAX];
	size_t	 len[OIDC_PARAMS_MAX];
	int	 repeated;		/* a parameter came twice */
	int	 oversized;		/* one was longer than its cap */
	unsigned int bad;		/* bit i: parameter i was either */
};

void	oidc_params_init(struct oidc_params *p, enum oidc_params_kind kind);

/*
 * A piece of the value of parameter key (size bytes of data at offset off
 * in it, as MHD's post processor gives them; a query parameter is one
 * piece at 0). Unknown keys are ignored. A piece at 0 of a parameter
 * already seen marks it repeated; a value past its cap, oversized (its
 * bytes are not kept). KALIT_ERR_NOMEM when memory runs out, else KALIT_OK.
 */
int	oidc_params_add(struct oidc_params *p, const char *key,
	    const char *data, uint64_t off, size_t size);
void	oidc_params_clear(struct oidc_params *p);

/*
 * Parameter i of p: present once, within its cap, and without a NUL in
 * it; else NULL. Borrowed, valid while p lives.
 */
const char *oidc_param(const struct oidc_params *p, int i);

/* A request checked: what the login and the code carry. Owns nothing. */
struct oidc_authz {
	int64_t		 exp;			/* of a request token */
	char		 bind[OIDC_BIND_LEN + 1];	/* browser binding */
	char		 client_id[STORE_CLIENT_ID_MAX + 1];
	char		 redirect_uri[STORE_URI_MAX + 1];
	char		 state[OIDC_STATE_MAX + 1];	/* "": none */
	int		 has_state;
	char		 nonce[OIDC_STATE_MAX + 1];	/* "": none */
	char		 code_challenge[OIDC_CHALLENGE_MAX + 1]; /* "": none */
	unsigned int	 scope;			/* enum oidc_scope bits */
	unsigned int	 acr;			/* acceptable enum store_acr */
	int		 prompt_none;
	int		 prompt_login;
	int64_t		 max_age;		/* -1: none */
	char		 lang[3];		/* uz, ru or en */
};

/*
 * The first checks (step 1 of docs/oidc.md): client_id and redirect_uri
 * present once, within their caps. Fills a->client_id and
 * a->redirect_uri. KALIT_ERR_CLIENT_UNKNOWN or KALIT_ERR_REDIRECT_URI;
 * the caller then checks them against the registration.
 */
int	oidc_authz_target(const struct oidc_params *p, struct oidc_authz *a);

/*
 * The language of the pages kalitd shows for p: the first of uz, ru, en
 * in ui_locales, else in accept_language (the header; may be NULL), else
 * uz; into out ("uz\0").
 */
void	oidc_authz_lang(const struct oidc_params *p,
	    const char *accept_language, char out[3]);

/*
 * The checks whose failures go back to the redirect URI (step 2), for a
 * client c whose redirect URI is a's: on failure returns the OAuth error
 * code (static: "invalid_request", "unsupported_response_type",
 * "invalid_scope", "access_denied", "request_not_supported",
 * "request_uri_not_supported") and *descp a static description; NULL
 * when the request is good, a filled. accept_language (may be NULL) is
 * the header, used when ui_locales names no language kalitd has.
 */
const char *oidc_authz_check(const struct oidc_params *p,
	    const struct store_client *c, const char *accept_language,
	    struct oidc_authz *a, const char **descp);

/* The request tokens' MAC key, made at startup. */
struct oidc_reqkey;

int	oidc_reqkey_new(struct oidc_reqkey **kp);
void	oidc_reqkey_free(struct oidc_reqkey *k);

/*
 * The request token of a (a->exp and a->bind set by the caller):
 * base64url of its fields in a fixed binary layout (oidc_req.c), ".",
 * base64url of the HMAC-SHA-256 of that text. *tokp: caller frees with
 * free().
 */
int	oidc_req_encode(struct oidc_reqkey *k, const struct oidc_authz *a,
	    char **tokp);

/*
 * The request a token carries, checked at now: KALIT_ERR_REQUEST_INVALID
 * when it is not one of this key's (or malformed), KALIT_ERR_REQUEST_EXPIRED
 * when too old. len bytes of tok.
 */
int	oidc_req_decode(struct oidc_reqkey *k, const char *tok, size_t len,
	    int64_t now, struct oidc_authz *a);

/* The binding of a browser: base64url SHA-256 of its cookie value. */
void	oidc_bind_of(const char *cookie, char out[OIDC_BIND_LEN + 1]);

#endif
