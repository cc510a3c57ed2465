/*
 * fuzz_token.c: a session token from anyone, as introspection, userinfo
 * and logout check it (token_verify(), session_token_check()); and an
 * input that is a JSON object as the claims of a token kalitd signs,
 * which must come back through the same checks as they went in
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>

#include "certmap.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "session.h"
#include "token.h"

#define NOW		1800000000LL
#define ISSUER		"https://login.fuzz.example"
#define REVOKED_JTI	"revoked-jti"
#define PASS		"fuzz"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	struct token_keys	*keys;
	struct session		*session;
} fz;

/*
 * Two keys, as after a rollover: the active one, made a minute ago, and
 * the one before it, still published. The directory is gone once loaded.
 */
static void
keys_init(void)
{
	char dir[] = "/tmp/fuzz_token.XXXXXX", path[sizeof(dir) + 32];
	char kid[TOKEN_KID_MAX + 1];
	static const int64_t at[] = { NOW - 7200, NOW - 60 };
	struct config cfg;
	size_t i;

	if (mkdtemp(dir) == NULL)
		abort();
	for (i = 0; i < 2; i++)
		if (token_key_generate(dir, PASS, at[i], kid) != KALIT_OK)
			abort();
	if (token_keys_load(dir, PASS, NOW, 3600, &fz.keys) != KALIT_OK)
		abort();
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%lld.key", dir,
		    (long long)at[i]);
		unlink(path);
	}
	rmdir(dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.auth_max_failures = 5;
	cfg.auth_window = 300;
	if (session_new(&cfg, &fz.session) != KALIT_OK)
		abort();
	session_revoked_add(fz.session, REVOKED_JTI, NOW + 86400);
}

/* 1 when claims pass session_token_check()'s checks at NOW. */
static int
claims_ok(json_t *claims)
{
	json_t *iss = json_object_get(claims, "iss");
	json_t *exp = json_object_get(claims, "exp");
	json_t *nbf = json_object_get(claims, "nbf");
	json_t *jti = json_object_get(claims, "jti");

	return json_is_string(iss) && strcmp(json_string_value(iss),
	    ISSUER) == 0 && json_is_integer(exp) &&
	    json_integer_value(exp) > NOW && json_is_integer(nbf) &&
	    json_integer_value(nbf) <= NOW + 60 && json_is_string(jti) &&
	    strcmp(json_string_value(jti), REVOKED_JTI) != 0;
}

/*
 * token_verify() and session_token_check() of tok: without the map of
 * verified tokens, through it (verified and remembered), and remembered.
 * The same verdict and claims every way; *claimsp: token_verify()'s.
 */
static int
check(const char *tok, size_t len, json_t **claimsp)
{
	struct certmap *m;
	json_t *c[3] = { NULL, NULL, NULL };
	int r, s[3], i;

	if ((r = token_verify(fz.keys, tok, len, claimsp)) == KALIT_OK) {
		if (!json_is_object(*claimsp) || len > TOKEN_MAX_SIZE)
			abort();
	} else if (*claimsp != NULL || r != KALIT_ERR_TOKEN_INVALID)
		abort();
	if (session_tokens_new(1024 * 1024, &m) != KALIT_OK)
		abort();
	for (i = 0; i < 3; i++)
		s[i] = session_token_check(fz.session, fz.keys, i > 0 ? m :
		    NULL, ISSUER, tok, len, NOW, &c[i]);
	for (i = 0; i < 3; i++)
		if (s[i] != s[0] || (s[i] == KALIT_OK) != (c[i] != NULL) ||
		    (s[i] == KALIT_OK && !json_equal(c[i], *claimsp)) ||
		    (s[i] != KALIT_OK && s[i] != KALIT_ERR_TOKEN_INVALID))
			abort();
	if (s[0] != (r == KALIT_OK && claims_ok(*claimsp) ? KALIT_OK :
	    KALIT_ERR_TOKEN_INVALID))
		abort();
	for (i = 0; i < 3; i++)
		json_decref(c[i]);
	certmap_free(m);
	return r;
}

/*
 * The input as the claims of a token we sign: verified, the same claims;
 * one character of the signature changed, refused.
 */
static void
round_trip(const uint8_t *data, size_t size)
{
	json_t *in, *out = NULL;
	char *tok;
	size_t len;
	int r;

	if ((in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL || !json_is_object(in)) {
		json_decref(in);
		return;
	}
	r = token_sign_text(fz.keys, (const char *)data, size, &tok);
	if (r == KALIT_ERR_TOO_LARGE) {
		json_decref(in);
		return;
	}
	if (r != KALIT_OK || check(tok, strlen(tok), &out) != KALIT_OK ||
	    !json_equal(in, out))
		abort();
	json_decref(out);
	len = strlen(tok);
	tok[len - 40] = tok[len - 40] == 'A' ? 'B' : 'A';
	if (check(tok, len, &out) != KALIT_ERR_TOKEN_INVALID)
		abort();
	free(tok);
	json_decref(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *claims = NULL;

	log_init("fuzz_token", -1);
	if (fz.keys == NULL)
		keys_init();
	check((const char *)data, size, &claims);
	json_decref(claims);
	round_trip(data, size);
	ERR_clear_error();
	return 0;
}
