/* check_idtoken.c: access, ID and logout token claims; UserInfo */
#include "config.h"

#include "testutil.h"
#include "base64.h"
#include "idtoken.h"
#include "log.h"
#include "oidc_req.h"
#include "testentry.h"

#define NOW	1800000000LL
#define ISS	"https://id.example.uz"

static struct cert_entry *entry;
static json_t *identity;

static void
setup(void)
{
	entry = te_entry(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s}", "sub", "30000000000002", "pinfl", "30000000000002",
	    "name", "Yusupova Nodira", "given_name", "Nodira", "family_name",
	    "Yusupova", "organization", "Kalit LLC", "title", "Director",
	    "tin", "201234567", "cert_serial", "1a2b", "x5t#S256", "abc"),
	    STORE_ACR_OFFICIAL);
	ck_assert_ptr_nonnull(identity = idtoken_identity(entry));
}

static void
teardown(void)
{
	json_decref(identity);
	cert_entry_release(entry);
}

static void
grant_of(struct idtoken_grant *g, unsigned int scope)
{
	memset(g, 0, sizeof(*g));
	g->iss = ISS;
	g->client = "portal";
	g->now = NOW;
	g->lifetime = 600;
	g->auth_time = NOW - 30;
	g->acr = STORE_ACR_OFFICIAL;
	g->sid = "the-sid";
	g->scope = scope;
	g->nonce = "n-0S6";
}

static const char *
str(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

START_TEST(test_idtoken_at_hash)
{
	/* OpenID Connect Core: the left half of SHA-256, base64url */
	char h[IDTOKEN_AT_HASH_LEN + 1];
	unsigned char md[32];
	char want[IDTOKEN_AT_HASH_LEN + 1];
	const char *tok = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig";

	idtoken_at_hash(tok, h);
	EVP_Digest(tok, strlen(tok), md, NULL, EVP_sha256(), NULL);
	base64_url_encode(md, 16, want);
	ck_assert_str_eq(h, want);
	ck_assert_uint_eq(strlen(h), 22);
}
END_TEST

START_TEST(test_idtoken_id_claims_by_scope)
{
	struct idtoken_grant g;
	json_t *o;

	grant_of(&g, OIDC_SCOPE_OPENID);
	ck_assert_ptr_nonnull(o = idtoken_id(identity, &g, "access"));
	ck_assert_str_eq(str(o, "iss"), ISS);
	ck_assert_str_eq(str(o, "sub"), "30000000000002");
	ck_assert_str_eq(str(o, "aud"), "portal");
	ck_assert_str_eq(str(o, "nonce"), "n-0S6");
	ck_assert_str_eq(str(o, "acr"), "official");
	ck_assert_str_eq(str(o, "sid"), "the-sid");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "exp")),
	    NOW + 600);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "auth_time")),
	    NOW - 30);
	ck_assert_ptr_nonnull(str(o, "at_hash"));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(o,
	    "amr"), 1)), "swk");
	/* openid alone: no identity claim but sub */
	ck_assert_ptr_null(json_object_get(o, "name"));
	ck_assert_ptr_null(json_object_get(o, "pinfl"));
	ck_assert_ptr_null(json_object_get(o, "cert_serial"));
	json_decref(o);
	grant_of(&g, OIDC_SCOPE_OPENID | OIDC_SCOPE_PROFILE |
	    OIDC_SCOPE_ORG);
	g.nonce = NULL;
	g.hwk = 1;
	ck_assert_ptr_nonnull(o = idtoken_id(identity, &g, "access"));
	ck_assert_str_eq(str(o, "name"), "Yusupova Nodira");
	ck_assert_str_eq(str(o, "given_name"), "Nodira");
	ck_assert_str_eq(str(o, "tin"), "201234567");
	ck_assert_str_eq(str(o, "title"), "Director");
	ck_assert_ptr_null(json_object_get(o, "pinfl"));
	ck_assert_ptr_null(json_object_get(o, "nonce"));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(o,
	    "amr"), 1)), "hwk");
	json_decref(o);
}
END_TEST

/* The access token carries everything; UserInfo gives its scope's. */
START_TEST(test_idtoken_access_and_userinfo)
{
	struct idtoken_grant g;
	json_t *a, *u;

	grant_of(&g, OIDC_SCOPE_OPENID | OIDC_SCOPE_PINFL);
	ck_assert_ptr_nonnull(a = idtoken_access(identity, &g, "jti-1"));
	ck_assert_str_eq(str(a, "scope"), "openid pinfl");
	ck_assert_str_eq(str(a, "jti"), "jti-1");
	ck_assert_str_eq(str(a, "cert_serial"), "1a2b");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "nbf")), NOW);
	ck_assert_ptr_nonnull(u = idtoken_userinfo(a));
	ck_assert_str_eq(str(u, "sub"), "30000000000002");
	ck_assert_str_eq(str(u, "pinfl"), "30000000000002");
	ck_assert_uint_eq(json_object_size(u), 2);
	json_decref(u);
	/* a /v1/login token has no scope: sub only */
	json_object_del(a, "scope");
	ck_assert_ptr_nonnull(u = idtoken_userinfo(a));
	ck_assert_uint_eq(json_object_size(u), 1);
	json_decref(u);
	json_decref(a);
}
END_TEST

START_TEST(test_idtoken_logout)
{
	json_t *o, *ev;

	ck_assert_ptr_nonnull(o = idtoken_logout(ISS, "portal",
	    "30000000000002", "the-sid", NOW));
	ck_assert_str_eq(str(o, "aud"), "portal");
	ck_assert_str_eq(str(o, "sid"), "the-sid");
	ck_assert_str_eq(str(o, "sub"), "30000000000002");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "exp")),
	    NOW + 120);
	ck_assert_uint_eq(strlen(str(o, "jti")), IDTOKEN_JTI_LEN);
	ck_assert_ptr_null(json_object_get(o, "nonce"));
	ev = json_object_get(json_object_get(o, "events"),
	    "http://schemas.openid.net/event/backchannel-logout");
	ck_assert_msg(json_is_object(ev) && json_object_size(ev) == 0,
	    "events");
	json_decref(o);
}
END_TEST

static Suite *
idtoken_suite(void)
{
	Suite *s = suite_create("idtoken");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_idtoken_at_hash);
	tcase_add_test(tc, test_idtoken_id_claims_by_scope);
	tcase_add_test(tc, test_idtoken_access_and_userinfo);
	tcase_add_test(tc, test_idtoken_logout);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_idtoken", -1);
	return tu_run(idtoken_suite());
}
