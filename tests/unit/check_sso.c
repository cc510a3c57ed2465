/* check_sso.c: browser sessions: kept by cookie hash, in a byte budget */
#include "config.h"

#include "testutil.h"
#include "log.h"
#include "sso.h"
#include "testentry.h"

#define NOW	1800000000LL

static struct cert_entry *entry;

/* An entry as a login caches it, for a citizen of PINFL 30000000000001. */
static void
setup(void)
{
	entry = te_entry(json_pack("{s:s, s:s}", "sub", "30000000000001",
	    "pinfl", "30000000000001"), STORE_ACR_CITIZEN);
}

static void
teardown(void)
{
	cert_entry_release(entry);
}

static void
key_of(int n, unsigned char key[SSO_KEY_LEN])
{
	char cookie[32];

	snprintf(cookie, sizeof(cookie), "cookie %d", n);
	sso_key_of(cookie, key);
}

START_TEST(test_sso_create_get_end)
{
	struct sso_view v, w;
	struct sso_ended *e;
	unsigned char k[SSO_KEY_LEN], other[SSO_KEY_LEN];
	struct sso *s;

	ck_assert_err(sso_new(1 << 20, &s), KALIT_OK);
	key_of(1, k);
	key_of(2, other);
	ck_assert_err(sso_create(s, k, entry, STORE_ACR_CITIZEN, 0, NOW,
	    NOW + 100, NOW, &v), KALIT_OK);
	ck_assert_uint_eq(strlen(v.sid), SSO_SID_LEN);
	ck_assert_str_ne(v.sid, v.logout_tok);
	ck_assert_err(sso_get(s, k, NOW + 50, &w), KALIT_OK);
	ck_assert_str_eq(w.sid, v.sid);
	ck_assert_ptr_eq(w.entry, entry);
	ck_assert_int_eq(w.auth_time, NOW);
	sso_view_clear(&w);
	ck_assert_err(sso_get(s, other, NOW, &w), KALIT_ERR_NOT_FOUND);
	ck_assert_err(sso_get(s, k, NOW + 101, &w), KALIT_ERR_NOT_FOUND);
	ck_assert_err(sso_note(s, k, "portal", NULL, 0, NOW, NULL), KALIT_OK);
	ck_assert_err(sso_note(s, k, "portal", "jti-1", NOW + 600, NOW, NULL),
	    KALIT_OK);
	ck_assert_err(sso_note(s, k, "portal2", "jti-2", NOW + 600, NOW, NULL),
	    KALIT_OK);
	ck_assert_err(sso_note(s, other, "portal", NULL, 0, NOW, NULL),
	    KALIT_ERR_NOT_FOUND);
	ck_assert_err(sso_end(s, k, &e), KALIT_OK);
	ck_assert_str_eq(e->sid, v.sid);
	ck_assert_str_eq(e->sub, "30000000000001");
	ck_assert_uint_eq(e->nclients, 2);
	ck_assert_str_eq(e->clients[0], "portal");
	ck_assert_str_eq(e->clients[1], "portal2");
	ck_assert_uint_eq(e->ntokens, 2);
	ck_assert_str_eq(e->tokens[1].jti, "jti-2");
	ck_assert_str_eq(e->tokens[1].client, "portal2");
	sso_ended_free(e);
	ck_assert_err(sso_get(s, k, NOW, &w), KALIT_ERR_NOT_FOUND);
	ck_assert_err(sso_end(s, k, &e), KALIT_ERR_NOT_FOUND);
	ck_assert_uint_eq(sso_count(s, NULL), 0);
	sso_view_clear(&v);
	sso_free(s);
}
END_TEST

/* A new login of the same person keeps the session under a new key. */
START_TEST(test_sso_renew)
{
	unsigned char k1[SSO_KEY_LEN], k2[SSO_KEY_LEN], k3[SSO_KEY_LEN];
	struct cert_entry *other;
	struct sso_view v, w;
	struct sso_ended *e;
	struct sso *s;

	ck_assert_err(sso_new(1 << 20, &s), KALIT_OK);
	key_of(1, k1);
	key_of(2, k2);
	key_of(3, k3);
	ck_assert_err(sso_create(s, k1, entry, STORE_ACR_CITIZEN, 0, NOW,
	    NOW + 100, NOW, &v), KALIT_OK);
	ck_assert_err(sso_note(s, k1, "portal", "jti-1", NOW + 600, NOW,
	    NULL), KALIT_OK);
	ck_assert_err(sso_renew(s, k1, k2, entry, STORE_ACR_CITIZEN, 1,
	    NOW + 10, NOW + 200, NOW + 10, &w), KALIT_OK);
	ck_assert_str_eq(w.sid, v.sid);
	ck_assert_str_ne(w.logout_tok, v.logout_tok);
	ck_assert_int_eq(w.auth_time, NOW + 10);
	ck_assert_int_eq(w.hwk, 1);
	sso_view_clear(&w);
	/* the old cookie is nothing now */
	ck_assert_err(sso_get(s, k1, NOW + 10, &w), KALIT_ERR_NOT_FOUND);
	ck_assert_err(sso_get(s, k2, NOW + 150, &w), KALIT_OK);
	sso_view_clear(&w);
	/* another person's login: no renewal, the session stays as it is */
	other = te_entry(json_pack("{s:s}", "sub", "30000000000009"),
	    STORE_ACR_CITIZEN);
	ck_assert_err(sso_renew(s, k2, k3, other, STORE_ACR_CITIZEN, 0,
	    NOW + 20, NOW + 200, NOW + 20, &w), KALIT_ERR_NOT_FOUND);
	ck_assert_err(sso_get(s, k3, NOW + 20, &w), KALIT_ERR_NOT_FOUND);
	ck_assert_err(sso_end(s, k2, &e), KALIT_OK);
	ck_assert_str_eq(e->sid, v.sid);
	ck_assert_uint_eq(e->ntokens, 1);
	ck_assert_str_eq(e->clients[0], "portal");
	sso_ended_free(e);
	cert_entry_release(other);
	sso_view_clear(&v);
	sso_free(s);
}
END_TEST

/* Within the budget: expired sessions go first, then the oldest. */
START_TEST(test_sso_budget)
{
	unsigned char k[SSO_KEY_LEN];
	struct sso_view v;
	struct sso *s;
	size_t bytes, one;
	int i;

	ck_assert_err(sso_new(1 << 20, &s), KALIT_OK);
	key_of(0, k);
	ck_assert_err(sso_create(s, k, entry, STORE_ACR_CITIZEN, 0, NOW,
	    NOW + 10, NOW, NULL), KALIT_OK);
	ck_assert_uint_eq(sso_count(s, &one), 1);
	sso_free(s);
	/* room for 4: the expired one (0) goes before the oldest live (1) */
	ck_assert_err(sso_new(4 * one, &s), KALIT_OK);
	for (i = 0; i < 5; i++) {
		key_of(i, k);
		ck_assert_err(sso_create(s, k, entry, STORE_ACR_CITIZEN, 0,
		    NOW, i == 0 ? NOW + 1 : NOW + 100, NOW + 2, NULL),
		    KALIT_OK);
	}
	ck_assert_uint_eq(sso_count(s, &bytes), 4);
	ck_assert_uint_le(bytes, 4 * one);
	key_of(0, k);
	ck_assert_err(sso_get(s, k, NOW, &v), KALIT_ERR_NOT_FOUND);
	key_of(1, k);
	ck_assert_err(sso_get(s, k, NOW + 2, &v), KALIT_OK);
	sso_view_clear(&v);
	key_of(5, k);
	ck_assert_err(sso_create(s, k, entry, STORE_ACR_CITIZEN, 0, NOW,
	    NOW + 100, NOW + 2, NULL), KALIT_OK);
	key_of(1, k);
	ck_assert_err(sso_get(s, k, NOW + 2, &v), KALIT_ERR_NOT_FOUND);
	ck_assert_uint_eq(sso_count(s, NULL), 4);
	sso_free(s);
}
END_TEST

/*
 * Each session remembers SSO_TOKENS_MAX tokens: the expired go first, and
 * a live one that must go is handed back, to be revoked.
 */
START_TEST(test_sso_tokens_capped)
{
	unsigned char k[SSO_KEY_LEN];
	struct sso_token pushed;
	struct sso_ended *e;
	struct sso *s;
	char jti[16];
	int i;

	ck_assert_err(sso_new(1 << 24, &s), KALIT_OK);
	key_of(1, k);
	ck_assert_err(sso_create(s, k, entry, STORE_ACR_CITIZEN, 0, NOW,
	    NOW + 100, NOW, NULL), KALIT_OK);
	/* the first 10 expire at NOW + 5, the rest at NOW + 600 */
	for (i = 0; i < SSO_TOKENS_MAX; i++) {
		snprintf(jti, sizeof(jti), "j%d", i);
		ck_assert_err(sso_note(s, k, "portal", jti, i < 10 ? NOW + 5 :
		    NOW + 600, NOW, &pushed), KALIT_OK);
		ck_assert_str_eq(pushed.jti, "");
	}
	/* full at NOW + 10: the 10 expired go, nothing live */
	for (i = SSO_TOKENS_MAX; i < SSO_TOKENS_MAX + 10; i++) {
		snprintf(jti, sizeof(jti), "j%d", i);
		ck_assert_err(sso_note(s, k, "portal", jti, NOW + 610,
		    NOW + 10, &pushed), KALIT_OK);
		ck_assert_str_eq(pushed.jti, "");
	}
	/* full of live tokens: the oldest live one comes back */
	ck_assert_err(sso_note(s, k, "portal2", "jlast", NOW + 620, NOW + 20,
	    &pushed), KALIT_OK);
	ck_assert_str_eq(pushed.jti, "j10");
	ck_assert_str_eq(pushed.client, "portal");
	ck_assert_int_eq(pushed.exp, NOW + 600);
	ck_assert_err(sso_end(s, k, &e), KALIT_OK);
	ck_assert_uint_eq(e->ntokens, SSO_TOKENS_MAX);
	ck_assert_str_eq(e->tokens[0].jti, "j11");
	ck_assert_str_eq(e->tokens[SSO_TOKENS_MAX - 1].jti, "jlast");
	sso_ended_free(e);
	sso_free(s);
}
END_TEST

static Suite *
sso_suite(void)
{
	Suite *s = suite_create("sso");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sso_create_get_end);
	tcase_add_test(tc, test_sso_renew);
	tcase_add_test(tc, test_sso_budget);
	tcase_add_test(tc, test_sso_tokens_capped);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_sso", -1);
	return tu_run(sso_suite());
}
