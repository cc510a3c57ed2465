/* login.c: checking a signed challenge, caching what a certificate proved */
#include "config.h"
#include "login.h"
#include "base64.h"
#include "certcache.h"
#include "cms.h"
#include "digest.h"
#include "err.h"
#include "identity.h"
#include "log.h"
#include "login_text.h"
#include "rand.h"
#include "session.h"
#include "token.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* A login waiting for a revocation download: login_finish() ends it. */
struct login_pending {
	struct cert_entry	*entry;
	unsigned int		 acr;
	int64_t			 now;
};

/* Sets claim to a copy of text in o; KALIT_OK or why not. */
static int
set_claim(json_t *o, const char *claim, const char *text)
{
	json_t *v;

	/*
	 * identity_from_cert() gave UTF-8 text: jansson refusing it would
	 * be a value read wrong, refused rather than left out of the token.
	 */
	if ((v = json_string(text)) == NULL)
		return KALIT_ERR_CERT_IDENTITY;
	return json_object_set_new(o, claim, v) == 0 ? KALIT_OK :
	    KALIT_ERR_NOMEM;
}

/*
 * A system's certificate (acr STORE_ACR_SYSTEM only): an organisation's
 * TIN of 9 digits and the system's name (CN), no PINFL: it names no
 * person. Kept in e for the client credentials grant.
 */
static int
system_of(const struct identity *id, struct cert_entry *e)
{
	const char *tin = id->field[IDENTITY_ORG_TIN];

	if (id->field[IDENTITY_PINFL] != NULL || tin == NULL ||
	    identity_check_tin(tin) != KALIT_OK ||
	    id->field[IDENTITY_CN] == NULL) {
		log_msg(LOG_LEVEL_INFO, "login: system certificate identity: "
		    "a PINFL, or no organisation TIN of 9 digits or no CN "
		    "(serial %s)", e->serial);
		return KALIT_ERR_CERT_IDENTITY;
	}
	memcpy(e->tin, tin, sizeof(e->tin));
	return (e->name = strdup(id->field[IDENTITY_CN])) != NULL ? KALIT_OK :
	    KALIT_ERR_NOMEM;
}

/*
 * The identity claims of e's certificate into *claimsp (new reference):
 * sub the PINFL of a person's; the TIN and name of a system's
 * (system_of()). KALIT_ERR_CERT_IDENTITY, logged, when the identity is
 * ambiguous or not text (identity_from_cert()), a person's has no PINFL
 * of 14 digits, or an organisation TIN is not 9 digits: a CA that signed
 * that is not to be believed.
 */
static int
claims_of(struct cert_entry *e, const unsigned char hash[32],
    json_t **claimsp)
{
	static const struct { enum identity_field f; const char *claim; }
	    map[] = {
		{ IDENTITY_PINFL, "pinfl" }, { IDENTITY_CN, "name" },
		{ IDENTITY_GIVEN_NAME, "given_name" },
		{ IDENTITY_SURNAME, "family_name" },
		{ IDENTITY_ORG, "organization" }, { IDENTITY_TITLE, "title" },
		{ IDENTITY_ORG_TIN, "tin" },
	};
	struct identity id;
	char x5t[44];
	json_t *o = NULL;
	size_t i;
	int person = e->acr != STORE_ACR_SYSTEM, r;

	*claimsp = NULL;
	if ((r = identity_from_cert(e->cert, &id)) != KALIT_OK)
		return r;
	if (!person && (r = system_of(&id, e)) != KALIT_OK)
		goto out;
	r = KALIT_ERR_CERT_IDENTITY;
	if (person && (id.field[IDENTITY_PINFL] == NULL ||
	    identity_check_pinfl(id.field[IDENTITY_PINFL]) != KALIT_OK ||
	    (id.field[IDENTITY_ORG_TIN] != NULL &&
	    identity_check_tin(id.field[IDENTITY_ORG_TIN]) != KALIT_OK))) {
		log_msg(LOG_LEVEL_INFO, "login: certificate identity: no PINFL "
		    "of 14 digits, or an organisation TIN not of 9 (serial %s)",
		    e->serial);
		goto out;
	}
	base64_url_encode(hash, 32, x5t);
	if ((o = json_object()) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto out;
	}
	if (person && (r = set_claim(o, "sub", id.field[IDENTITY_PINFL])) !=
	    KALIT_OK)
		goto out;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (id.field[map[i].f] != NULL && (r = set_claim(o,
		    map[i].claim, id.field[map[i].f])) != KALIT_OK)
			goto out;
	if ((r = set_claim(o, "cert_serial", e->serial)) != KALIT_OK ||
	    (r = set_claim(o, "x5t#S256", x5t)) != KALIT_OK)
		goto out;
	*claimsp = o;
	o = NULL;
 out:
	json_decref(o);
	identity_clear(&id);
	return r;
}

/*
 * The validity of a whole path: the latest notBefore and the earliest
 * notAfter of its certificates, so that a cached entry ends with the first
 * certificate of its path to expire.
 */
static int
path_times(STACK_OF(X509) *chain, int64_t *nbp, int64_t *nap)
{
	int64_t nb, na;
	int i;

	*nbp = INT64_MIN;
	*nap = INT64_MAX;
	for (i = 0; i < sk_X509_num(chain); i++) {
		if (x509_time_unix(X509_get0_notBefore(sk_X509_value(chain, i)),
		    &nb) != KALIT_OK ||
		    x509_time_unix(X509_get0_notAfter(sk_X509_value(chain, i)),
		    &na) != KALIT_OK)
			return KALIT_ERR_CERT_PURPOSE;
		if (nb > *nbp)
			*nbp = nb;
		if (na < *nap)
			*nap = na;
	}
	return KALIT_OK;
}

/*
 * The kinds the certificate is (e->acr): each policy of citizen, official
 * and system that it asserts and its issuing CA allows (asserts, or
 * anyPolicy). A system's excludes the others: one certificate names a
 * person or a system, never both. None is KALIT_ERR_CERT_NO_POLICY,
 * logged with what is missing where.
 */
static int
cert_policy(const struct config *cfg, struct cert_entry *e)
{
	static const char *const kind[3] = { "citizen", "official", "system" };
	static const unsigned int acr[3] = { STORE_ACR_CITIZEN,
	    STORE_ACR_OFFICIAL, STORE_ACR_SYSTEM };
	const char *oid[3] = { cfg->citizen_oid, cfg->official_oid,
	    cfg->system_oid };
	enum validate_policy_gap gap[3];
	char *ca = NULL;
	int i;

	for (i = 0; i < 3; i++)
		if ((gap[i] = validate_policy_gap(e->cert,
		    sk_X509_value(e->chain, 1), oid[i])) == VALIDATE_POLICY_OK)
			e->acr |= acr[i];
	if (e->acr & STORE_ACR_SYSTEM && e->acr != STORE_ACR_SYSTEM) {
		log_msg(LOG_LEVEL_INFO, "login: certificate policy: the "
		    "certificate (serial %s) asserts a person's policy and the "
		    "system policy %s", e->serial, oid[2]);
		return KALIT_ERR_CERT_NO_POLICY;
	}
	if (e->acr != 0)
		return KALIT_OK;
	if (gap[0] == VALIDATE_POLICY_LEAF && gap[1] == VALIDATE_POLICY_LEAF &&
	    gap[2] == VALIDATE_POLICY_LEAF) {
		log_msg(LOG_LEVEL_INFO, "login: certificate policy missing: the "
		    "certificate (serial %s) asserts none of citizen %s, "
		    "official %s and system %s", e->serial, oid[0], oid[1],
		    oid[2]);
		return KALIT_ERR_CERT_NO_POLICY;
	}
	(void)x509_name_text(X509_get_subject_name(sk_X509_value(e->chain,
	    1)), &ca);
	for (i = 0; i < 3; i++)
		if (gap[i] == VALIDATE_POLICY_ISSUER)
			log_msg(LOG_LEVEL_INFO, "login: certificate policy "
			    "missing: the issuing CA \"%s\" asserts neither %s "
			    "%s nor anyPolicy, which the certificate (serial "
			    "%s) asserts", ca != NULL ? ca : "?", kind[i],
			    oid[i], e->serial);
	free(ca);
	return KALIT_ERR_CERT_NO_POLICY;
}

/*
 * Chain, end entity, key strength, key usage, EKU, policies and identity
 * of a certificate not seen in this generation; the entry is cached only
 * when all of them pass.
 */
static int
cert_validate(struct kalitd *d, struct state *st, X509 *cert,
    STACK_OF(X509) *extra, const unsigned char hash[32], int64_t now,
    struct cert_entry **ep)
{
	struct cert_entry *e;
	json_t *claims = NULL;
	int r;

	*ep = NULL;
	if ((e = cert_entry_new(cert)) == NULL)
		return KALIT_ERR_NOMEM;
	if ((r = validate_path(st->validator, cert, extra, now,
	    &e->chain)) != KALIT_OK)
		goto out;
	if ((r = validate_end_entity(cert)) != KALIT_OK ||
	    (r = validate_keys(e->chain, d->cfg->min_rsa_bits,
	    d->cfg->min_ec_bits, NULL)) != KALIT_OK ||
	    (r = validate_key_usage(cert)) != KALIT_OK ||
	    (r = validate_eku_client(cert)) != KALIT_OK)
		goto out;
	/* A serial kalit cannot write is no cert_serial claim either. */
	r = KALIT_ERR_CERT_IDENTITY;
	if (x509_serial_hex(cert, e->serial, sizeof(e->serial)) != KALIT_OK)
		goto out;
	r = KALIT_ERR_INTERNAL;		/* the path checked them */
	if (path_times(e->chain, &e->not_before, &e->not_after) != KALIT_OK)
		goto out;
	if ((r = cert_policy(d->cfg, e)) != KALIT_OK ||
	    (r = claims_of(e, hash, &claims)) != KALIT_OK ||
	    (r = login_text_init(&e->text, claims, e->acr)) != KALIT_OK)
		goto out;
	*ep = certcache_put(st->cache, hash, e);
	e = NULL;
	r = KALIT_OK;
 out:
	json_decref(claims);
	cert_entry_release(e);
	return r;
}

int
login_parse(const char *body, size_t len, struct login_request *lr)
{
	json_t *c, *ch, *p7;
	int r;

	memset(lr, 0, sizeof(*lr));
	if ((lr->json = json_loadb(body, len, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		return KALIT_ERR_MALFORMED;
	c = json_object_get(lr->json, "client_id");
	ch = json_object_get(lr->json, "challenge");
	p7 = json_object_get(lr->json, "pkcs7");
	if (!json_is_object(lr->json) || !json_is_string(c) ||
	    !json_is_string(ch) || !json_is_string(p7) ||
	    json_string_length(c) > STORE_CLIENT_ID_MAX)
		return KALIT_ERR_MALFORMED;
	lr->client_id = json_string_value(c);
	lr->challenge = json_string_value(ch);
	lr->challenge_len = json_string_length(ch);
	r = base64_decode(json_string_value(p7), json_string_length(p7),
	    CMS_LOGIN_MAX, &lr->der, &lr->der_len);
	/* A body within max_body is never "too large"; the CMS may be. */
	return r == KALIT_ERR_TOO_LARGE ? KALIT_ERR_MALFORMED : r;
}

void
login_request_clear(struct login_request *lr)
{
	json_decref(lr->json);
	free(lr->der);
	memset(lr, 0, sizeof(*lr));
}

int
login_check_content(const unsigned char *content, size_t len,
    const char *challenge, size_t challenge_len)
{
	if (len != challenge_len || memcmp(content, challenge, len) != 0)
		return KALIT_ERR_CONTENT_MISMATCH;
	return KALIT_OK;
}

/*
 * Signs the token and writes the answer into res->body, both joined from
 * the text cached with the certificate and the issuer (see login_text.h).
 */
static int
issue_token(struct kalitd *d, struct state *st, const struct cert_entry *e,
    const char *client, unsigned int acr, int64_t now,
    struct login_result *res)
{
	struct login_grant g;
	unsigned char rnd[16];
	char jti[24], *aud = NULL, *payload = NULL, *jwt = NULL;
	size_t len;
	int r;

	if ((r = rand_take(rnd, sizeof(rnd))) != KALIT_OK)
		return r;
	base64_url_encode(rnd, sizeof(rnd), jti);
	/* A client id came in a JSON string: it is UTF-8. */
	if ((r = login_text_string(client, &aud)) != KALIT_OK)
		return r == KALIT_ERR_MALFORMED ? KALIT_ERR_INTERNAL : r;
	g.iss = certcache_issuer(st->cache);
	g.aud = aud;
	g.now = now;
	g.lifetime = d->cfg->token_lifetime;
	g.jti = jti;
	g.acr = acr;
	if ((r = login_text_payload(&e->text, &g, &payload, &len)) != KALIT_OK)
		goto out;
	if ((r = token_sign_text(st->keys, payload, len, &jwt)) != KALIT_OK) {
		if (r == KALIT_ERR_TOO_LARGE)	/* our claims, not the request */
			r = KALIT_ERR_INTERNAL;
		goto out;
	}
	if ((r = login_text_answer(&e->text, &g, jwt, &res->body)) == KALIT_OK)
		snprintf(res->detail, sizeof(res->detail), "ok jti %s", jti);
 out:
	free(jwt);
	free(payload);
	free(aud);
	return r;
}

/*
 * The certificate checks, cached or not, and the client's policy; the
 * revocation statuses are asked apart (login_revocation()).
 */
static int
check_cert(struct kalitd *d, struct state *st, X509 *signer,
    STACK_OF(X509) *extra, const struct store_client *client, int64_t now,
    struct cert_entry **ep, unsigned int *acrp)
{
	unsigned char hash[CERTMAP_HASH];
	unsigned int acr;
	int r;

	*ep = NULL;
	if ((r = certcache_hash(signer, hash)) != KALIT_OK)
		return r;
	if ((*ep = certcache_get(st->cache, hash)) == NULL &&
	    (r = cert_validate(d, st, signer, extra, hash, now, ep)) !=
	    KALIT_OK)
		return r;
	if (now < (*ep)->not_before)
		return KALIT_ERR_CERT_NOT_YET_VALID;
	if (now > (*ep)->not_after)
		return KALIT_ERR_CERT_EXPIRED;
	if ((acr = (*ep)->acr & client->acr) == 0)
		return KALIT_ERR_CERT_POLICY;
	*acrp = acr & STORE_ACR_OFFICIAL ? STORE_ACR_OFFICIAL :
	    acr & STORE_ACR_CITIZEN ? STORE_ACR_CITIZEN : STORE_ACR_SYSTEM;
	return KALIT_OK;
}

/*
 * The revocation status of every certificate of e's path below its trust
 * anchor (fetchp: as validate_revocation_path() takes it). A CA of the
 * path that is revoked or unknown is logged, as its serial is not the
 * login's.
 */
static int
login_revocation(struct state *st, const struct cert_entry *e, int64_t now,
    int *fetchp)
{
	char serial[X509_SERIAL_HEX_MAX + 1];
	int r, depth;

	r = validate_revocation_path(st->validator, e->chain, now, fetchp,
	    NULL, &depth);
	if (r != KALIT_OK && depth > 0 && (fetchp == NULL || !*fetchp) &&
	    x509_serial_hex(sk_X509_value(e->chain, depth), serial,
	    sizeof(serial)) == KALIT_OK)
		log_msg(LOG_LEVEL_INFO, "login of serial %s: its CA at depth "
		    "%d (serial %s): %s", e->serial, depth, serial,
		    kalit_errname(r));
	return r;
}

int
login_cert(struct kalitd *d, struct state *st, X509 *cert,
    STACK_OF(X509) *extra, const struct store_client *client, int64_t now,
    struct cert_entry **ep, unsigned int *acrp, int *fetchp)
{
	int r;

	*fetchp = 0;
	if ((r = check_cert(d, st, cert, extra, client, now, ep, acrp)) !=
	    KALIT_OK)
		return r;
	if ((r = login_revocation(st, *ep, now, fetchp)) != KALIT_OK &&
	    *fetchp)
		r = KALIT_OK;	/* decided by login_cert_finish() */
	return r;
}

int
login_cert_finish(struct state *st, const struct cert_entry *e, int64_t now)
{
	return login_revocation(st, e, now, NULL);
}

int
login_run(struct kalitd *d, struct state *st, const char *body, size_t len,
    const struct sockaddr *from, int64_t now, struct login_result *res)
{
	struct challenge_bind bind;
	struct login_request lr;
	struct cms_certs certs;
	struct store_client client;
	struct cert_entry *e = NULL;
	STACK_OF(X509) *extra = NULL;
	X509 *signer = NULL;
	unsigned char *content = NULL;
	size_t content_len;
	unsigned int acr = 0;
	int r, fetch = 0;

	memset(res, 0, sizeof(*res));
	if ((r = login_parse(body, len, &lr)) != KALIT_OK)
		goto out;
	if ((r = session_client_get(d->session, lr.client_id, &client)) !=
	    KALIT_OK)
		goto out;
	snprintf(res->client, sizeof(res->client), "%s", client.id);
	/* A system's client logs nobody in: its tokens are client_credentials. */
	client.acr &= ~(unsigned int)STORE_ACR_SYSTEM;
	/*
	 * Any attempt for the client the challenge is bound to uses it up,
	 * so none can be ground at.
	 */
	if ((r = challenge_bind_init(&bind, client.id)) != KALIT_OK ||
	    (r = challenge_consume(d->challenges, lr.challenge,
	    lr.challenge_len, &bind, from, now, &res->retry_after)) !=
	    KALIT_OK)
		goto out;
	certs.get = certcache_resolve;
	certs.arg = st->cache;
	if ((r = cms_verify_attached(lr.der, lr.der_len, &certs, &signer, &extra,
	    &content, &content_len)) != KALIT_OK)
		goto out;
	x509_serial_hex(signer, res->serial, sizeof(res->serial));
	if ((r = login_check_content(content, content_len, lr.challenge,
	    lr.challenge_len)) != KALIT_OK)
		goto out;
	if ((r = login_cert(d, st, signer, extra, &client, now, &e, &acr,
	    &fetch)) != KALIT_OK)
		goto out;
	if (fetch) {
		if ((res->pending = calloc(1, sizeof(*res->pending))) == NULL) {
			r = KALIT_ERR_NOMEM;
			goto out;
		}
		res->pending->entry = e;
		res->pending->acr = acr;
		res->pending->now = now;
		e = NULL;
		r = KALIT_OK;
		goto out;
	}
	r = issue_token(d, st, e, client.id, acr, now, res);
 out:
	cert_entry_release(e);
	X509_free(signer);
	sk_X509_pop_free(extra, X509_free);
	free(content);
	login_request_clear(&lr);
	res->err = r;
	return r;
}

int
login_finish(struct kalitd *d, struct state *st, struct login_result *res)
{
	struct login_pending *p = res->pending;
	int r;

	if (p == NULL)
		return res->err;
	res->pending = NULL;
	if ((r = login_cert_finish(st, p->entry, p->now)) == KALIT_OK)
		r = issue_token(d, st, p->entry, res->client, p->acr, p->now,
		    res);
	cert_entry_release(p->entry);
	free(p);
	res->err = r;
	return r;
}

void
login_result_clear(struct login_result *res)
{
	if (res->pending != NULL) {
		cert_entry_release(res->pending->entry);
		free(res->pending);
		res->pending = NULL;
	}
	if (res->body != NULL) {
		/* It holds a bearer token. */
		OPENSSL_clear_free(res->body, strlen(res->body));
		res->body = NULL;
	}
}
