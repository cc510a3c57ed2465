/* sigverify_json.c: a verification report as JSON (kalit verify, the API) */
#include "config.h"

#include "sigverify.h"
#include "crl.h"
#include "err.h"
#include "x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* Claim names as the login token's subject has them (docs/api.md). */
static const struct {
	enum identity_field	 f;
	const char		*name;
} claims[] = {
	{ IDENTITY_CN, "name" },
	{ IDENTITY_GIVEN_NAME, "given_name" },
	{ IDENTITY_SURNAME, "family_name" },
	{ IDENTITY_PINFL, "pinfl" },
	{ IDENTITY_TIN, "personal_tin" },
	{ IDENTITY_ORG, "organization" },
	{ IDENTITY_TITLE, "title" },
	{ IDENTITY_ORG_TIN, "tin" },
	{ IDENTITY_EMAIL, "email" },
	{ IDENTITY_COUNTRY, "country" },
};

static json_t *
json_hex(const unsigned char *buf, size_t len)
{
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	size_t i;

	if (len > EVP_MAX_MD_SIZE)
		return NULL;
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
	hex[2 * len] = '\0';
	return json_string(hex);
}

/* ISO 8601 UTC, or null for 0 (no such time). */
static json_t *
json_time(int64_t t)
{
	char buf[X509_TIME_ISO_LEN];

	if (t == 0)
		return json_null();
	x509_time_iso(t, buf);
	return json_string(buf);
}

static json_t *
json_asn1_time(const ASN1_TIME *t)
{
	int64_t u;

	return x509_time_unix(t, &u) == KALIT_OK ? json_time(u) : json_null();
}

/* json_string() of a name's text, taking it over; JSON null if NULL. */
static json_t *
json_name(const X509_NAME *name)
{
	char *text = NULL;
	json_t *v;

	if (x509_name_text(name, &text) != KALIT_OK)
		return json_null();
	/* Not UTF-8 (a CA that encoded badly): JSON has no such string. */
	if ((v = json_string(text)) == NULL)
		v = json_null();
	free(text);
	return v;
}

/* Sets key to v (a new reference) in o; *okp goes 0 if that fails. */
static void
set(json_t *o, const char *key, json_t *v, int *okp)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*okp = 0;
}

/* o, or NULL (o freed) when a member could not be set. */
static json_t *
done(json_t *o, int ok)
{
	if (ok)
		return o;
	json_decref(o);
	return NULL;
}

static json_t *
cert_json(X509 *x)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	json_t *o;
	int ok = 1;

	if ((o = json_object()) == NULL)
		return NULL;
	if (x509_serial_hex(x, serial, sizeof(serial)) != KALIT_OK)
		snprintf(serial, sizeof(serial), "?");
	if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1)
		mdlen = 0;
	set(o, "subject", json_name(X509_get_subject_name(x)), &ok);
	set(o, "issuer", json_name(X509_get_issuer_name(x)), &ok);
	set(o, "serial", json_string(serial), &ok);
	set(o, "not_before", json_asn1_time(X509_get0_notBefore(x)), &ok);
	set(o, "not_after", json_asn1_time(X509_get0_notAfter(x)), &ok);
	set(o, "sha256", json_hex(md, mdlen), &ok);
	return done(o, ok);
}

static json_t *
identity_json(const struct sig_signer *s)
{
	json_t *o, *v;
	size_t i;
	int ok = 1;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < sizeof(claims) / sizeof(claims[0]); i++)
		if (s->id.field[claims[i].f] != NULL &&
		    (v = json_string(s->id.field[claims[i].f])) != NULL)
			set(o, claims[i].name, v, &ok);
	set(o, "profile", s->profile != NULL ? json_string(s->profile) :
	    json_null(), &ok);
	return done(o, ok);
}

static const char *
rev_status_name(const struct sig_signer *s)
{
	if (!s->rev_asked)
		return "not_checked";
	switch (s->rev.status) {
	case KALIT_ERR_CERT_REVOKED:
		return "revoked";
	case KALIT_ERR_CERT_ON_HOLD:
		return "on_hold";
	case KALIT_OK:
		return strcmp(s->rev.source, "none") == 0 ? "unknown" :
		    "good";
	default:
		return "unknown";
	}
}

static json_t *
rev_json(const struct sig_signer *s)
{
	const struct rev_status *st = &s->rev;
	int ok = 1, revoked = s->rev_asked && st->status ==
	    KALIT_ERR_CERT_REVOKED;
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	set(o, "status", json_string(rev_status_name(s)), &ok);
	if (s->rev_asked && strcmp(st->source, "none") != 0) {
		set(o, "source", json_string(st->source), &ok);
		set(o, "origin", st->origin[0] != '\0' ?
		    json_string(st->origin) : json_null(), &ok);
		set(o, "this_update", json_time(st->this_update), &ok);
		set(o, "next_update", json_time(st->next_update), &ok);
		set(o, "revoked_at", json_time(st->revoked_at), &ok);
		set(o, "reason", st->reason >= 0 ?
		    json_string(crl_reason_name(st->reason)) : json_null(),
		    &ok);
	}
	set(o, "after_timestamp", revoked && s->ts.status == TSP_VALID ?
	    json_boolean(s->revoked_after_ts) : json_null(), &ok);
	return done(o, ok);
}

static json_t *
chain_json(STACK_OF(X509) *chain)
{
	json_t *a;
	int i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < sk_X509_num(chain); i++)
		if (json_array_append_new(a, cert_json(sk_X509_value(chain,
		    i))) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The signature timestamp, or null when the signer has none. */
static json_t *
timestamp_json(const struct tsp_info *ts)
{
	json_t *o;
	int ok = 1;

	if (ts->status == TSP_NONE)
		return json_null();
	if ((o = json_object()) == NULL)
		return NULL;
	set(o, "status", json_string(tsp_status_name(ts->status)), &ok);
	set(o, "time", json_time(ts->gen_time), &ok);
	set(o, "serial", ts->serial[0] != '\0' ? json_string(ts->serial) :
	    json_null(), &ok);
	set(o, "policy", ts->policy[0] != '\0' ? json_string(ts->policy) :
	    json_null(), &ok);
	set(o, "digest_algorithm", ts->digest_alg != NULL ?
	    json_string(ts->digest_alg) : json_null(), &ok);
	set(o, "tsa", ts->tsa != NULL ? cert_json(ts->tsa) : json_null(),
	    &ok);
	set(o, "chain", chain_json(ts->chain), &ok);
	return done(o, ok);
}

static json_t *
signer_json(const struct sig_signer *s)
{
	const char *sub = sig_sub_name(s->sub);
	json_t *o;
	int ok = 1;

	if ((o = json_object()) == NULL)
		return NULL;
	set(o, "indication", json_string(sig_indication_name(s->indication)),
	    &ok);
	set(o, "sub_indication", sub != NULL ? json_string(sub) : json_null(),
	    &ok);
	set(o, "detail", json_string(sig_signer_detail(s)), &ok);
	set(o, "signer", identity_json(s), &ok);
	set(o, "certificate", s->cert != NULL ? cert_json(s->cert) :
	    json_null(), &ok);
	set(o, "chain", chain_json(s->chain), &ok);
	set(o, "signing_time", json_time(s->signing_time), &ok);
	set(o, "timestamp", timestamp_json(&s->ts), &ok);
	/* null: nothing proves the time, judged at validation_time */
	set(o, "best_signature_time", json_time(s->ts.status == TSP_VALID ?
	    s->cert_time : 0), &ok);
	set(o, "digest_algorithm", s->digest_alg != NULL ?
	    json_string(s->digest_alg) : json_null(), &ok);
	set(o, "signing_certificate_v2", json_string(sig_ess_name(s->ess)),
	    &ok);
	set(o, "revocation", rev_json(s), &ok);
	return done(o, ok);
}

json_t *
sig_report_json(const struct sig_report *r)
{
	json_t *o, *signers;
	size_t i;
	int ok = 1;

	if ((o = json_object()) == NULL)
		return NULL;
	set(o, "indication", json_string(sig_indication_name(r->indication)),
	    &ok);
	set(o, "validation_time", json_time(r->validation_time), &ok);
	set(o, "detached", json_boolean(r->detached), &ok);
	set(o, "document_sha256", r->have_sha256 ? json_hex(r->sha256,
	    sizeof(r->sha256)) : json_null(), &ok);
	if ((signers = json_array()) == NULL)
		ok = 0;
	for (i = 0; ok && i < r->n; i++)
		if (json_array_append_new(signers,
		    signer_json(&r->signers[i])) != 0)
			ok = 0;
	set(o, "signers", signers, &ok);
	return done(o, ok);
}
