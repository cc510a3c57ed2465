/* login_text.c: a login's token claims and answer, joined from cached JSON */
#include "config.h"

#include "login_text.h"
#include "err.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A piece of literal text, its length known when compiling. */
#define LIT(s)	{ (s), sizeof(s) - 1 }

/* The numbers of a payload or an answer with the names between them. */
#define NUMS_MAX	160		/* 4 int64s and 45 bytes of names */

static const struct {
	unsigned int	 bit;
	const char	*name;
} acrs[LOGIN_TEXT_ACRS] = {
	{ STORE_ACR_CITIZEN, "citizen" }, { STORE_ACR_OFFICIAL, "official" },
};

struct piece {
	const char	*s;
	size_t		 len;
};

/* acrs[] index of a single acr bit, or -1. */
static int
acr_index(unsigned int acr)
{
	int i;

	for (i = 0; i < LOGIN_TEXT_ACRS; i++)
		if (acrs[i].bit == acr)
			return i;
	return -1;
}

/* The n pieces joined, with a NUL, in a buffer of exactly that size. */
static int
join(const struct piece *p, size_t n, char **outp, size_t *lenp)
{
	size_t i, len = 0;
	char *out, *o;

	for (i = 0; i < n; i++)
		len += p[i].len;
	if ((*outp = out = malloc(len + 1)) == NULL)
		return KALIT_ERR_NOMEM;
	for (o = out, i = 0; i < n; i++) {
		memcpy(o, p[i].s, p[i].len);
		o += p[i].len;
	}
	*o = '\0';
	if (lenp != NULL)
		*lenp = len;
	return KALIT_OK;
}

/* The subject text for acrs[i]: claims without x5t#S256, with acr. */
static char *
subject_text(json_t *claims, int i)
{
	json_t *subject;
	char *s = NULL;

	/* A shallow copy: only its own members are deleted or set. */
	if ((subject = json_copy(claims)) == NULL)
		return NULL;
	json_object_del(subject, "x5t#S256");
	if (json_object_set_new(subject, "acr", json_string(acrs[i].name)) == 0)
		s = json_dumps(subject, JSON_COMPACT);
	json_decref(subject);
	return s;
}

int
login_text_init(struct login_text *t, json_t *claims, unsigned int acr)
{
	char *s;
	int i;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(claims) || json_object_size(claims) == 0)
		return KALIT_ERR_USAGE;
	if ((s = json_dumps(claims, JSON_COMPACT)) == NULL)
		return KALIT_ERR_NOMEM;
	/* "{" members "}": the members, moved to the front. */
	t->claims_len = strlen(s) - 2;
	memmove(s, s + 1, t->claims_len);
	s[t->claims_len] = '\0';
	t->claims = s;
	for (i = 0; i < LOGIN_TEXT_ACRS; i++) {
		if ((acr & acrs[i].bit) == 0)
			continue;
		if ((t->subject[i] = subject_text(claims, i)) == NULL)
			return KALIT_ERR_NOMEM;
		t->subject_len[i] = strlen(t->subject[i]);
	}
	return KALIT_OK;
}

void
login_text_clear(struct login_text *t)
{
	int i;

	free(t->claims);
	for (i = 0; i < LOGIN_TEXT_ACRS; i++)
		free(t->subject[i]);
	memset(t, 0, sizeof(*t));
}

int
login_text_string(const char *s, char **outp)
{
	json_t *j;

	*outp = NULL;
	if ((j = json_string(s)) == NULL)
		return KALIT_ERR_MALFORMED;
	*outp = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	return *outp != NULL ? KALIT_OK : KALIT_ERR_NOMEM;
}

/* The payload of acrs[i], with nums: iat to the jti's opening quote. */
static int
payload_join(const struct login_text *t, const struct login_grant *g, int i,
    const char *nums, size_t n, char **outp, size_t *lenp)
{
	const struct piece p[] = {
		LIT("{"), { t->claims, t->claims_len },
		LIT(",\"iss\":"), { g->iss, strlen(g->iss) },
		LIT(",\"aud\":"), { g->aud, strlen(g->aud) },
		{ nums, n }, { g->jti, strlen(g->jti) },
		LIT("\",\"amr\":[\"pop\",\"swk\"],\"acr\":\""),
		{ acrs[i].name, strlen(acrs[i].name) }, LIT("\"}"),
	};

	return join(p, sizeof(p) / sizeof(p[0]), outp, lenp);
}

int
login_text_payload(const struct login_text *t, const struct login_grant *g,
    char **outp, size_t *lenp)
{
	char nums[NUMS_MAX];
	int i, n;

	*outp = NULL;
	*lenp = 0;
	if ((i = acr_index(g->acr)) < 0 || t->subject[i] == NULL)
		return KALIT_ERR_USAGE;
	n = snprintf(nums, sizeof(nums), ",\"iat\":%lld,\"nbf\":%lld,"
	    "\"auth_time\":%lld,\"exp\":%lld,\"jti\":\"", (long long)g->now,
	    (long long)g->now, (long long)g->now,
	    (long long)(g->now + g->lifetime));
	if (n < 0 || (size_t)n >= sizeof(nums))
		return KALIT_ERR_INTERNAL;
	return payload_join(t, g, i, nums, (size_t)n, outp, lenp);
}

/* The answer of acrs[i], with nums: token_type to the subject's name. */
static int
answer_join(const struct login_text *t, int i, const char *jwt,
    const char *nums, size_t n, char **outp)
{
	const struct piece p[] = {
		LIT("{\"access_token\":\""), { jwt, strlen(jwt) }, { nums, n },
		{ t->subject[i], t->subject_len[i] }, LIT("}"),
	};

	return join(p, sizeof(p) / sizeof(p[0]), outp, NULL);
}

int
login_text_answer(const struct login_text *t, const struct login_grant *g,
    const char *jwt, char **outp)
{
	char nums[NUMS_MAX];
	int i, n;

	*outp = NULL;
	if ((i = acr_index(g->acr)) < 0 || t->subject[i] == NULL)
		return KALIT_ERR_USAGE;
	n = snprintf(nums, sizeof(nums), "\",\"token_type\":\"Bearer\","
	    "\"expires_in\":%lld,\"subject\":", (long long)g->lifetime);
	if (n < 0 || (size_t)n >= sizeof(nums))
		return KALIT_ERR_INTERNAL;
	return answer_join(t, i, jwt, nums, (size_t)n, outp);
}
