/* idtoken.c: access, ID and logout token claims, and UserInfo */
#include "config.h"
#include "idtoken.h"
#include "base64.h"
#include "digest.h"
#include "err.h"
#include "oidc_req.h"
#include "rand.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define LOGOUT_TOKEN_LIFETIME	120

/* Which identity claims each scope releases. */
static const struct {
	unsigned int	 scope;
	const char	*claim;
} scope_claims[] = {
	{ OIDC_SCOPE_PROFILE, "name" },
	{ OIDC_SCOPE_PROFILE, "given_name" },
	{ OIDC_SCOPE_PROFILE, "family_name" },
	{ OIDC_SCOPE_PINFL, "pinfl" },
	{ OIDC_SCOPE_ORG, "tin" },
	{ OIDC_SCOPE_ORG, "organization" },
	{ OIDC_SCOPE_ORG, "title" },
};

static const struct {
	unsigned int	 bit;
	const char	*name;
} scope_names[] = {
	{ OIDC_SCOPE_OPENID, "openid" }, { OIDC_SCOPE_PROFILE, "profile" },
	{ OIDC_SCOPE_PINFL, "pinfl" }, { OIDC_SCOPE_ORG, "organization" },
};

json_t *
idtoken_identity(const struct cert_entry *e)
{
	json_t *o;
	char *text;

	if (asprintf(&text, "{%s}", e->text.claims) < 0)
		return NULL;
	o = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	return o;
}

static json_t *
amr_of(int hwk)
{
	return hwk ? json_pack("[s, s, s]", "pop", "hwk", "sc") :
	    json_pack("[s, s]", "pop", "swk");
}

static const char *
acr_name(unsigned int acr)
{
	return acr == STORE_ACR_OFFICIAL ? "official" : "citizen";
}

void
idtoken_scope_text(unsigned int scope, char *buf, size_t size)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]); i++)
		if ((scope & scope_names[i].bit) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
			    n > 0 ? " " : "", scope_names[i].name);
}

/* The scope's names as a list, from the access token's "scope" text. */
static unsigned int
scope_of_text(const char *text)
{
	unsigned int bits = 0;
	size_t n, k;
	const char *w;

	for (w = text; w != NULL && *w != '\0'; w += n) {
		w += strspn(w, " ");
		n = strcspn(w, " ");
		for (k = 0; k < sizeof(scope_names) / sizeof(scope_names[0]);
		    k++)
			if (strlen(scope_names[k].name) == n &&
			    memcmp(w, scope_names[k].name, n) == 0)
				bits |= scope_names[k].bit;
	}
	return bits;
}

/* Copies the identity claims scope releases from src into dst. */
static int
scoped(json_t *dst, json_t *src, unsigned int scope)
{
	json_t *v;
	size_t i;

	for (i = 0; i < sizeof(scope_claims) / sizeof(scope_claims[0]); i++)
		if ((scope & scope_claims[i].scope) &&
		    (v = json_object_get(src, scope_claims[i].claim)) != NULL &&
		    json_object_set(dst, scope_claims[i].claim, v) != 0)
			return -1;
	return 0;
}

json_t *
idtoken_access(json_t *identity, const struct idtoken_grant *g,
    const char *jti)
{
	char scope[64];
	json_t *o, *add;

	idtoken_scope_text(g->scope, scope, sizeof(scope));
	if ((o = json_deep_copy(identity)) == NULL)
		return NULL;
	if ((add = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, "
	    "s:s, s:o, s:s, s:s, s:s}", "iss", g->iss, "aud", g->client, "iat",
	    (json_int_t)g->now, "nbf", (json_int_t)g->now, "auth_time",
	    (json_int_t)g->auth_time, "exp", (json_int_t)(g->now +
	    g->lifetime), "jti", jti, "amr", amr_of(g->hwk), "acr",
	    acr_name(g->acr), "sid", g->sid, "scope", scope)) == NULL ||
	    json_object_update(o, add) != 0) {
		json_decref(add);
		json_decref(o);
		return NULL;
	}
	json_decref(add);
	return o;
}

void
idtoken_at_hash(const char *token, char out[IDTOKEN_AT_HASH_LEN + 1])
{
	unsigned char md[32];

	EVP_Digest(token, strlen(token), md, NULL, digest_sha256(), NULL);
	base64_url_encode(md, 16, out);
}

json_t *
idtoken_id(json_t *identity, const struct idtoken_grant *g,
    const char *access_token)
{
	char at_hash[IDTOKEN_AT_HASH_LEN + 1];
	json_t *o;

	idtoken_at_hash(access_token, at_hash);
	if ((o = json_pack("{s:s, s:O, s:s, s:I, s:I, s:I, s:s, s:o, s:s, "
	    "s:s}", "iss", g->iss, "sub", json_object_get(identity, "sub"),
	    "aud", g->client, "exp", (json_int_t)(g->now + g->lifetime), "iat",
	    (json_int_t)g->now, "auth_time", (json_int_t)g->auth_time, "acr",
	    acr_name(g->acr), "amr", amr_of(g->hwk), "at_hash", at_hash,
	    "sid", g->sid)) == NULL)
		return NULL;
	if ((g->nonce != NULL && *g->nonce != '\0' &&
	    json_object_set_new(o, "nonce", json_string(g->nonce)) != 0) ||
	    scoped(o, identity, g->scope) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
idtoken_userinfo(json_t *access)
{
	json_t *o;

	if ((o = json_pack("{s:O}", "sub", json_object_get(access, "sub"))) ==
	    NULL)
		return NULL;
	if (scoped(o, access, scope_of_text(json_string_value(
	    json_object_get(access, "scope")))) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
idtoken_jti(char out[IDTOKEN_JTI_LEN + 1])
{
	return rand_id(out);
}

json_t *
idtoken_logout(const char *iss, const char *client, const char *sub,
    const char *sid, int64_t now)
{
	char jti[IDTOKEN_JTI_LEN + 1];

	if (idtoken_jti(jti) != KALIT_OK)
		return NULL;
	return json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:{s:{}}}",
	    "iss", iss, "aud", client, "iat", (json_int_t)now, "exp",
	    (json_int_t)(now + LOGOUT_TOKEN_LIFETIME), "jti", jti, "sid", sid,
	    "sub", sub, "events",
	    "http://schemas.openid.net/event/backchannel-logout");
}
