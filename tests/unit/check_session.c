/* check_session.c: clients and their secrets, the throttle, token checks */
#include "config.h"

#include "testutil.h"
#include "conf.h"
#include "base64.h"
#include "digest.h"
#include "log.h"
#include "certmap.h"
#include "session.h"
#include "store.h"
#include "token.h"

#define ISS		"https://login.example.uz"
#define SECRET		"the portal's secret, 32 bytes at least"
#define MAX_FAILURES	3
#define WINDOW		300

static char dir[PATH_MAX], keydir[PATH_MAX], otherdir[PATH_MAX];
static struct store *db;
static struct session *s;
static struct token_keys *keys, *other_keys;
static struct certmap *verified;	/* as a generation holds it */
static int64_t now;

/* The hex SHA-256 of secret, as kalitd stores it. */
static void
hash_of(const char *secret, char hash[STORE_HASH_HEX + 1])
{
	unsigned char md[32];

	ck_assert_int_eq(EVP_Digest(secret, strlen(secret), md, NULL,
	    EVP_sha256(), NULL), 1);
	hex_encode(md, sizeof(md), hash);
}

static void
client_put(const char *id, const char *secret)
{
	struct store_client c;

	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "%s", id);
	hash_of(secret, c.secret_hash);
	c.acr = STORE_ACR_CITIZEN;
	c.created = now;
	ck_assert_err(store_client_put(db, &c), KALIT_OK);
}

/* A session of cfg's throttle with the database's clients loaded. */
static struct session *
session_of(int max_failures, int64_t window)
{
	struct config cfg;
	struct session *x;

	memset(&cfg, 0, sizeof(cfg));
	cfg.auth_max_failures = max_failures;
	cfg.auth_window = window;
	ck_assert_err(session_new(&cfg, &x), KALIT_OK);
	session_tick(db, x);
	return x;
}

/* Token keys, once for all tests: the kalitd's, and another one's. */
static void
keys_setup(void)
{
	char kid[TOKEN_KID_MAX + 1];

	now = (int64_t)time(NULL);
	tu_mkdtemp(keydir, sizeof(keydir));
	tu_mkdtemp(otherdir, sizeof(otherdir));
	ck_assert_err(token_key_generate(keydir, "pass", now - 60, kid),
	    KALIT_OK);
	ck_assert_err(token_keys_load(keydir, "pass", now, 600, &keys),
	    KALIT_OK);
	ck_assert_err(token_key_generate(otherdir, "pass", now - 60, kid),
	    KALIT_OK);
	ck_assert_err(token_keys_load(otherdir, "pass", now, 600,
	    &other_keys), KALIT_OK);
}

static void
keys_teardown(void)
{
	token_keys_free(keys);
	token_keys_free(other_keys);
	tu_rmdir(otherdir);
	tu_rmdir(keydir);
}

static void
setup(void)
{
	char path[PATH_MAX];

	now = (int64_t)time(NULL);
	tu_mkdtemp(dir, sizeof(dir));
	tu_path(path, sizeof(path), dir, "kalitd.db");
	ck_assert_err(store_open(path, 1, &db), KALIT_OK);
	client_put("portal", SECRET);
	client_put("second", "another secret");
	s = session_of(MAX_FAILURES, WINDOW);
	ck_assert_err(session_tokens_new(1 << 20, &verified), KALIT_OK);
}

static void
teardown(void)
{
	certmap_free(verified);
	session_free(s);
	store_free(db);
	tu_rmdir(dir);
}

/* session_client_auth() from the address text. */
static int
auth(const char *from, const char *id, const char *secret, int64_t *retryp)
{
	struct sockaddr_storage ss;
	struct store_client c;
	int64_t retry;

	return session_client_auth(s, from != NULL ?
	    tu_sockaddr(from, &ss) : NULL, id, secret, &c,
	    retryp != NULL ? retryp : &retry);
}

START_TEST(test_session_client_get)
{
	struct store_client c;
	char hash[STORE_HASH_HEX + 1];

	ck_assert_err(session_client_get(s, "portal", &c), KALIT_OK);
	ck_assert_str_eq(c.id, "portal");
	hash_of(SECRET, hash);
	ck_assert_str_eq(c.secret_hash, hash);
	ck_assert_err(session_client_get(s, "nobody", &c),
	    KALIT_ERR_CLIENT_UNKNOWN);
	ck_assert_err(session_client_get(s, "Portal", &c),
	    KALIT_ERR_CLIENT_UNKNOWN);
	ck_assert_err(session_client_get(s, "", &c), KALIT_ERR_CLIENT_UNKNOWN);
}
END_TEST

/* The writer's tick reloads the clients: added and removed ones show. */
/* The URIs and keys a client registered, as the provider asks them. */
START_TEST(test_session_client_registration)
{
	char *v;

	ck_assert_err(store_client_uri_put(db, "portal", STORE_URI_REDIRECT,
	    "https://rp/cb"), KALIT_OK);
	ck_assert_err(store_client_uri_put(db, "portal", STORE_URI_REDIRECT,
	    "https://rp/cb2"), KALIT_OK);
	ck_assert_err(store_client_uri_put(db, "portal",
	    STORE_URI_BACKCHANNEL, "https://rp/bcl"), KALIT_OK);
	client_put("zeta", "zeta's secret");
	ck_assert_err(store_client_uri_put(db, "zeta", STORE_URI_REDIRECT,
	    "https://zeta/cb"), KALIT_OK);
	ck_assert_err(store_client_jwks_set(db, "zeta", "{\"keys\":[]}"),
	    KALIT_OK);
	ck_assert_int_eq(session_client_uri_ok(s, "portal", STORE_URI_REDIRECT,
	    "https://rp/cb"), 0);	/* not before the reload */
	session_tick(db, s);
	ck_assert_int_eq(session_client_uri_ok(s, "portal", STORE_URI_REDIRECT,
	    "https://rp/cb"), 1);
	ck_assert_int_eq(session_client_uri_ok(s, "portal", STORE_URI_REDIRECT,
	    "https://rp/cb2"), 1);
	/* byte for byte: no prefix, no case, no other kind, no other client */
	ck_assert_int_eq(session_client_uri_ok(s, "portal", STORE_URI_REDIRECT,
	    "https://rp/c"), 0);
	ck_assert_int_eq(session_client_uri_ok(s, "portal", STORE_URI_REDIRECT,
	    "https://rp/cb/"), 0);
	ck_assert_int_eq(session_client_uri_ok(s, "portal", STORE_URI_REDIRECT,
	    "HTTPS://rp/cb"), 0);
	ck_assert_int_eq(session_client_uri_ok(s, "portal",
	    STORE_URI_POST_LOGOUT, "https://rp/cb"), 0);
	ck_assert_int_eq(session_client_uri_ok(s, "zeta", STORE_URI_REDIRECT,
	    "https://rp/cb"), 0);
	ck_assert_err(session_client_value(s, "portal", STORE_URI_BACKCHANNEL,
	    &v), KALIT_OK);
	ck_assert_str_eq(v, "https://rp/bcl");
	free(v);
	ck_assert_err(session_client_value(s, "zeta", STORE_CLIENT_JWKS, &v),
	    KALIT_OK);
	ck_assert_str_eq(v, "{\"keys\":[]}");
	free(v);
	ck_assert_err(session_client_value(s, "portal", STORE_CLIENT_JWKS,
	    &v), KALIT_ERR_NOT_FOUND);
	ck_assert_ptr_null(v);
}
END_TEST

START_TEST(test_session_tick_reloads_clients)
{
	struct store_client c;

	client_put("late", "late secret");
	ck_assert_err(session_client_get(s, "late", &c),
	    KALIT_ERR_CLIENT_UNKNOWN);
	ck_assert_err(store_client_del(db, "portal"), KALIT_OK);
	session_tick(db, s);
	ck_assert_err(session_client_get(s, "late", &c), KALIT_OK);
	ck_assert_err(session_client_get(s, "portal", &c),
	    KALIT_ERR_CLIENT_UNKNOWN);
	ck_assert_err(auth("192.0.2.1", "portal", SECRET, NULL),
	    KALIT_ERR_CLIENT_AUTH);
}
END_TEST

/* Only the secret whose SHA-256 is stored, whole, authenticates. */
static const struct {
	const char	*id;
	const char	*secret;
	int		 err;
} secrets[] = {
	{ "portal", SECRET, KALIT_OK },
	{ "second", "another secret", KALIT_OK },
	{ "portal", "another secret", KALIT_ERR_CLIENT_AUTH },
	{ "portal", SECRET "x", KALIT_ERR_CLIENT_AUTH },
	{ "portal", "the portal's secret", KALIT_ERR_CLIENT_AUTH },
	{ "portal", "", KALIT_ERR_CLIENT_AUTH },
	{ "portal", NULL, KALIT_ERR_CLIENT_AUTH },
	{ "nobody", SECRET, KALIT_ERR_CLIENT_AUTH },
	{ NULL, SECRET, KALIT_ERR_CLIENT_AUTH },
	{ NULL, NULL, KALIT_ERR_CLIENT_AUTH },
};

START_TEST(test_session_client_secret)
{
	ck_assert_err(auth("192.0.2.1", secrets[_i].id, secrets[_i].secret,
	    NULL), secrets[_i].err);
}
END_TEST

/* The stored hash itself is no secret: what comes is hashed first. */
START_TEST(test_session_secret_hashed_before_compare)
{
	char hash[STORE_HASH_HEX + 1];

	hash_of(SECRET, hash);
	ck_assert_err(auth("192.0.2.1", "portal", hash, NULL),
	    KALIT_ERR_CLIENT_AUTH);
}
END_TEST

/* A secret over SESSION_SECRET_MAX bytes is refused unhashed. */
START_TEST(test_session_secret_length_capped)
{
	char longest[SESSION_SECRET_MAX + 2];

	memset(longest, 's', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	client_put("long", longest);
	longest[SESSION_SECRET_MAX] = '\0';
	client_put("max", longest);
	session_tick(db, s);
	ck_assert_err(auth("192.0.2.1", "max", longest, NULL), KALIT_OK);
	longest[SESSION_SECRET_MAX] = 's';
	ck_assert_err(auth("192.0.2.1", "long", longest, NULL),
	    KALIT_ERR_CLIENT_AUTH);
}
END_TEST

START_TEST(test_session_secret_new)
{
	char a[SESSION_SECRET_MAX + 1], b[SESSION_SECRET_MAX + 1];
	char ha[STORE_HASH_HEX + 1], hb[STORE_HASH_HEX + 1];
	char want[STORE_HASH_HEX + 1];

	ck_assert_err(session_secret_new(a, ha), KALIT_OK);
	ck_assert_err(session_secret_new(b, hb), KALIT_OK);
	/* 256 bits, base64url without padding */
	ck_assert_uint_eq(strlen(a), 43);
	ck_assert_uint_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
	    "nopqrstuvwxyz0123456789-_"), 43);
	ck_assert_str_ne(a, b);
	hash_of(a, want);
	ck_assert_str_eq(ha, want);
	ck_assert_str_ne(ha, hb);
}
END_TEST

/*
 * MAX_FAILURES wrong secrets of a client from an address: that client
 * from that address is refused unchecked, right secret or not, until the
 * window ends; from elsewhere it is not.
 */
START_TEST(test_session_throttle_after_failures)
{
	int64_t retry = -1;
	int i;

	for (i = 0; i < MAX_FAILURES; i++)
		ck_assert_err(auth("192.0.2.1", "portal", "wrong", &retry),
		    KALIT_ERR_CLIENT_AUTH);
	ck_assert_int_eq(retry, 0);
	ck_assert_err(auth("192.0.2.1", "portal", SECRET, &retry),
	    KALIT_ERR_RATE_LIMITED);
	ck_assert_int_gt(retry, 0);
	ck_assert_int_le(retry, WINDOW);
	ck_assert_err(auth("192.0.2.1", "portal", "wrong", NULL),
	    KALIT_ERR_RATE_LIMITED);
	/* the same address as IPv4 mapped into IPv6 */
	ck_assert_err(auth("::ffff:192.0.2.1", "portal", SECRET, NULL),
	    KALIT_ERR_RATE_LIMITED);
	/* nobody locks a client out from addresses of their own */
	ck_assert_err(auth("192.0.2.2", "portal", SECRET, &retry), KALIT_OK);
	ck_assert_int_eq(retry, 0);
	/* nor another client from the same address */
	ck_assert_err(auth("192.0.2.1", "second", "another secret", NULL),
	    KALIT_OK);
}
END_TEST

/* An IPv6 host has its /64 to pick from: the /64 is the address. */
START_TEST(test_session_throttle_ipv6_by_64)
{
	int i;

	for (i = 0; i < MAX_FAILURES; i++)
		ck_assert_err(auth("2001:db8:1:2::1", "portal", "wrong", NULL),
		    KALIT_ERR_CLIENT_AUTH);
	ck_assert_err(auth("2001:db8:1:2:ffff:ffff:ffff:ffff", "portal",
	    SECRET, NULL), KALIT_ERR_RATE_LIMITED);
	ck_assert_err(auth("2001:db8:1:3::1", "portal", SECRET, NULL),
	    KALIT_OK);
}
END_TEST

START_TEST(test_session_throttle_counts_what_it_should)
{
	int i;

	/* a success forgets the failures before it */
	for (i = 0; i < MAX_FAILURES - 1; i++)
		ck_assert_err(auth("192.0.2.1", "portal", "wrong", NULL),
		    KALIT_ERR_CLIENT_AUTH);
	ck_assert_err(auth("192.0.2.1", "portal", SECRET, NULL), KALIT_OK);
	for (i = 0; i < MAX_FAILURES - 1; i++)
		ck_assert_err(auth("192.0.2.1", "portal", "wrong", NULL),
		    KALIT_ERR_CLIENT_AUTH);
	ck_assert_err(auth("192.0.2.1", "portal", SECRET, NULL), KALIT_OK);
	/* an unknown id is never throttled: there is nothing to lock */
	for (i = 0; i < 3 * MAX_FAILURES; i++)
		ck_assert_err(auth("192.0.2.1", "nobody", "wrong", NULL),
		    KALIT_ERR_CLIENT_AUTH);
	/* no credentials at all is no attempt */
	for (i = 0; i < 3 * MAX_FAILURES; i++)
		ck_assert_err(auth("192.0.2.1", NULL, NULL, NULL),
		    KALIT_ERR_CLIENT_AUTH);
	ck_assert_err(auth("192.0.2.1", "portal", SECRET, NULL), KALIT_OK);
	/* a known id without a secret is a failure */
	for (i = 0; i < MAX_FAILURES; i++)
		ck_assert_err(auth("192.0.2.1", "portal", NULL, NULL),
		    KALIT_ERR_CLIENT_AUTH);
	ck_assert_err(auth("192.0.2.1", "portal", SECRET, NULL),
	    KALIT_ERR_RATE_LIMITED);
}
END_TEST

/* The window ends: the client may try again (a window of 1 s). */
START_TEST(test_session_throttle_window_ends)
{
	int i;

	session_free(s);
	s = session_of(MAX_FAILURES, 1);
	for (i = 0; i < MAX_FAILURES; i++)
		ck_assert_err(auth("192.0.2.1", "portal", "wrong", NULL),
		    KALIT_ERR_CLIENT_AUTH);
	ck_assert_err(auth("192.0.2.1", "portal", SECRET, NULL),
	    KALIT_ERR_RATE_LIMITED);
	sleep(2);
	ck_assert_err(auth("192.0.2.1", "portal", SECRET, NULL), KALIT_OK);
}
END_TEST

/* A token of claims c signed with k; caller frees. */
static char *
token_of(const struct token_keys *k, json_t *c)
{
	char *jwt;

	ck_assert_ptr_nonnull(c);
	ck_assert_err(token_sign(k, c, &jwt), KALIT_OK);
	json_decref(c);
	return jwt;
}

static int
check_with(struct certmap *m, const char *jwt, int64_t at)
{
	json_t *claims = NULL;
	int r;

	r = session_token_check(s, keys, m, ISS, jwt, strlen(jwt), at,
	    &claims);
	ck_assert(r == KALIT_OK ? claims != NULL : claims == NULL);
	json_decref(claims);
	return r;
}

/*
 * session_token_check() of jwt now, without the map of verified tokens
 * and with it twice (the second time a token that passed is found there):
 * the same answer each time.
 */
static int
check(const char *jwt)
{
	int r = check_with(NULL, jwt, now);

	ck_assert_err(check_with(verified, jwt, now), r);
	ck_assert_err(check_with(verified, jwt, now), r);
	return r;
}

/* The claims of a token, changed as each case says. */
static const struct {
	const char	*iss;
	int64_t		 exp;		/* from now */
	int64_t		 nbf;
	const char	*jti;		/* NULL: none */
	int		 err;
} tokens[] = {
	{ ISS, 600, 0, "jti-1", KALIT_OK },
	{ ISS, 1, 0, "jti-1", KALIT_OK },
	{ ISS, 0, -600, "jti-1", KALIT_ERR_TOKEN_INVALID },	/* expired */
	{ ISS, -1, -600, "jti-1", KALIT_ERR_TOKEN_INVALID },
	{ ISS, 600, 60, "jti-1", KALIT_OK },	/* a minute of clock skew */
	{ ISS, 600, 61, "jti-1", KALIT_ERR_TOKEN_INVALID },
	{ "https://login.example.uz/", 600, 0, "jti-1",
	    KALIT_ERR_TOKEN_INVALID },
	{ "https://evil.example", 600, 0, "jti-1", KALIT_ERR_TOKEN_INVALID },
	{ ISS, 600, 0, NULL, KALIT_ERR_TOKEN_INVALID },
};

START_TEST(test_session_token_claims)
{
	json_t *c = json_pack("{s:s, s:I, s:I}", "iss", tokens[_i].iss,
	    "exp", (json_int_t)(now + tokens[_i].exp), "nbf",
	    (json_int_t)(now + tokens[_i].nbf));
	char *jwt;

	if (tokens[_i].jti != NULL)
		json_object_set_new(c, "jti", json_string(tokens[_i].jti));
	jwt = token_of(keys, c);
	ck_assert_err(check(jwt), tokens[_i].err);
	free(jwt);
}
END_TEST

START_TEST(test_session_token_malformed)
{
	char *jwt;

	/* claims of the wrong types */
	jwt = token_of(keys, json_pack("{s:s, s:s, s:I, s:s}", "iss", ISS,
	    "exp", "tomorrow", "nbf", (json_int_t)now, "jti", "x"));
	ck_assert_err(check(jwt), KALIT_ERR_TOKEN_INVALID);
	free(jwt);
	jwt = token_of(keys, json_pack("{s:s, s:I, s:I, s:i}", "iss", ISS,
	    "exp", (json_int_t)now + 600, "nbf", (json_int_t)now, "jti", 7));
	ck_assert_err(check(jwt), KALIT_ERR_TOKEN_INVALID);
	free(jwt);
	/* signed by a key this kalitd does not publish */
	jwt = token_of(other_keys, json_pack("{s:s, s:I, s:I, s:s}", "iss", ISS,
	    "exp", (json_int_t)now + 600, "nbf", (json_int_t)now, "jti", "x"));
	ck_assert_err(check(jwt), KALIT_ERR_TOKEN_INVALID);
	free(jwt);
	ck_assert_err(check("not.a.token"), KALIT_ERR_TOKEN_INVALID);
	ck_assert_err(check(""), KALIT_ERR_TOKEN_INVALID);
}
END_TEST

static char *
token_jti(const char *jti)
{
	return token_of(keys, json_pack("{s:s, s:I, s:I, s:s}", "iss", ISS,
	    "exp", (json_int_t)now + 600, "nbf", (json_int_t)now, "jti", jti));
}

START_TEST(test_session_token_revoked)
{
	char *a = token_jti("jti-a"), *b = token_jti("jti-b");

	ck_assert_err(check(a), KALIT_OK);
	session_revoked_add(s, "jti-a", now + 600);
	ck_assert_err(check(a), KALIT_ERR_TOKEN_INVALID);
	ck_assert_err(check(b), KALIT_OK);
	free(a);
	free(b);
}
END_TEST

/*
 * A remembered token skips only its signature check: its time and its
 * revocation are judged at each use; another text is another token.
 */
START_TEST(test_session_token_remembered)
{
	json_t *c = json_pack("{s:s, s:I, s:I, s:s, s:s}", "iss", ISS,
	    "exp", (json_int_t)now + 600, "nbf", (json_int_t)now, "jti",
	    "jti-r", "sub", "30000000000001");
	json_t *claims = NULL;
	char *jwt, *forged, *text;

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(text = json_dumps(c, JSON_COMPACT));
	ck_assert_err(token_sign(keys, c, &jwt), KALIT_OK);
	session_token_remember(verified, jwt, strlen(jwt), text);
	free(text);
	json_decref(c);
	ck_assert_err(session_token_check(s, keys, verified, ISS, jwt,
	    strlen(jwt), now, &claims), KALIT_OK);
	ck_assert_str_eq(json_string_value(json_object_get(claims, "sub")),
	    "30000000000001");
	json_decref(claims);
	ck_assert_err(check_with(verified, jwt, now + 600),
	    KALIT_ERR_TOKEN_INVALID);
	/* its signature's last character changed: not found, not valid */
	ck_assert_ptr_nonnull(forged = strdup(jwt));
	forged[strlen(forged) - 2] ^= 1;
	ck_assert_err(check_with(verified, forged, now),
	    KALIT_ERR_TOKEN_INVALID);
	session_revoked_add(s, "jti-r", now + 600);
	ck_assert_err(check_with(verified, jwt, now),
	    KALIT_ERR_TOKEN_INVALID);
	free(forged);
	free(jwt);
}
END_TEST

/* Revocations in the database hold after a restart: the first tick. */
START_TEST(test_session_token_revoked_in_database)
{
	char *a = token_jti("jti-stored"), *b = token_jti("jti-gone");

	ck_assert_err(store_token_revoke(db, "jti-stored", "portal",
	    now + 600), KALIT_OK);
	/* one that expired is forgotten: its token is refused anyway */
	ck_assert_err(store_token_revoke(db, "jti-gone", "portal", now - 1),
	    KALIT_OK);
	session_free(s);
	s = session_of(MAX_FAILURES, WINDOW);
	ck_assert_err(check(a), KALIT_ERR_TOKEN_INVALID);
	ck_assert_err(check(b), KALIT_OK);
	free(a);
	free(b);
}
END_TEST

static const struct {
	const char	*text;
	unsigned int	 acr;
	const char	*name;		/* as session_acr_name() writes it */
} acrs[] = {
	{ "citizen", STORE_ACR_CITIZEN, "citizen" },
	{ "official", STORE_ACR_OFFICIAL, "official" },
	{ "citizen,official", STORE_ACR_CITIZEN | STORE_ACR_OFFICIAL,
	    "citizen,official" },
	{ "official,citizen", STORE_ACR_CITIZEN | STORE_ACR_OFFICIAL,
	    "citizen,official" },
	{ "Citizen", 0, NULL },
	{ "citizen, official", 0, NULL },
	{ "citizen,", 0, NULL },
	{ "", 0, NULL },
};

START_TEST(test_session_acr)
{
	unsigned int acr = 0;

	if (acrs[_i].name == NULL) {
		ck_assert_err(session_acr_parse(acrs[_i].text, &acr),
		    KALIT_ERR_USAGE);
		return;
	}
	ck_assert_err(session_acr_parse(acrs[_i].text, &acr), KALIT_OK);
	ck_assert_uint_eq(acr, acrs[_i].acr);
	ck_assert_str_eq(session_acr_name(acr), acrs[_i].name);
}
END_TEST

static Suite *
session_suite(void)
{
	Suite *suite = suite_create("session");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, keys_setup, keys_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_session_client_get);
	tcase_add_test(tc, test_session_tick_reloads_clients);
	tcase_add_test(tc, test_session_client_registration);
	tcase_add_loop_test(tc, test_session_client_secret, 0,
	    sizeof(secrets) / sizeof(secrets[0]));
	tcase_add_test(tc, test_session_secret_hashed_before_compare);
	tcase_add_test(tc, test_session_secret_length_capped);
	tcase_add_test(tc, test_session_secret_new);
	tcase_add_test(tc, test_session_throttle_after_failures);
	tcase_add_test(tc, test_session_throttle_ipv6_by_64);
	tcase_add_test(tc, test_session_throttle_counts_what_it_should);
	tcase_add_test(tc, test_session_throttle_window_ends);
	tcase_add_loop_test(tc, test_session_token_claims, 0,
	    sizeof(tokens) / sizeof(tokens[0]));
	tcase_add_test(tc, test_session_token_malformed);
	tcase_add_test(tc, test_session_token_revoked);
	tcase_add_test(tc, test_session_token_remembered);
	tcase_add_test(tc, test_session_token_revoked_in_database);
	tcase_add_loop_test(tc, test_session_acr, 0,
	    sizeof(acrs) / sizeof(acrs[0]));
	suite_add_tcase(suite, tc);
	return suite;
}

int
main(void)
{
	log_init("check_session", -1);
	return tu_run(session_suite());
}
