/* check_codes.c: single-use codes and client assertion ids */
#include "config.h"

#include "testutil.h"
#include "codes.h"
#include "log.h"
#include "testentry.h"

#define NOW	1800000000LL

static struct cert_entry *entry;
static struct code_grant grant;

static void
setup(void)
{
	entry = te_entry(json_pack("{s:s}", "sub", "30000000000001"),
	    STORE_ACR_CITIZEN);
	memset(&grant, 0, sizeof(grant));
	snprintf(grant.req.client_id, sizeof(grant.req.client_id), "portal");
	snprintf(grant.req.redirect_uri, sizeof(grant.req.redirect_uri),
	    "https://rp/cb");
	snprintf(grant.sid, sizeof(grant.sid), "sid");
	grant.acr = STORE_ACR_CITIZEN;
	grant.entry = entry;
}

static void
teardown(void)
{
	cert_entry_release(entry);
}

START_TEST(test_codes_single_use)
{
	struct code_token t, want = { "the-jti", NOW + 600 };
	struct code_grant g;
	struct codes *c;
	char code[CODE_LEN + 1], other[CODE_LEN + 1];

	ck_assert_err(codes_new(1 << 20, 1 << 20, &c), KALIT_OK);
	ck_assert_err(codes_issue(c, &grant, NOW + 60, NOW, code), KALIT_OK);
	ck_assert_err(codes_issue(c, &grant, NOW + 60, NOW, other), KALIT_OK);
	ck_assert_uint_eq(strlen(code), CODE_LEN);
	ck_assert_str_ne(code, other);
	ck_assert_err(codes_redeem(c, code, CODE_LEN, NOW + 1, &g,
	    &t), KALIT_OK);
	ck_assert_str_eq(g.req.client_id, "portal");
	ck_assert_str_eq(g.req.redirect_uri, "https://rp/cb");
	ck_assert_ptr_eq(g.entry, entry);
	code_grant_clear(&g);
	/* again: refused, with the token issued for it to revoke */
	ck_assert_err(codes_redeem(c, code, CODE_LEN, NOW + 2, &g,
	    &t), KALIT_ERR_CHALLENGE_REUSED);
	ck_assert_str_eq(t.jti, "");
	codes_set_token(c, code, &want);
	ck_assert_err(codes_redeem(c, code, CODE_LEN, NOW + 3, &g,
	    &t), KALIT_ERR_CHALLENGE_REUSED);
	ck_assert_str_eq(t.jti, "the-jti");
	ck_assert_int_eq(t.exp, NOW + 600);
	/* a used code is remembered until it expires, no longer */
	ck_assert_err(codes_redeem(c, code, CODE_LEN, NOW + 60,
	    &g, &t), KALIT_ERR_CHALLENGE_REUSED);
	ck_assert_err(codes_redeem(c, code, CODE_LEN, NOW + 61,
	    &g, &t), KALIT_ERR_NOT_FOUND);
	/* expired, unknown, or of another length */
	ck_assert_err(codes_redeem(c, other, CODE_LEN, NOW + 61,
	    &g, &t), KALIT_ERR_NOT_FOUND);
	other[0] = other[0] == 'A' ? 'B' : 'A';
	ck_assert_err(codes_redeem(c, other, CODE_LEN, NOW, &g,
	    &t), KALIT_ERR_NOT_FOUND);
	ck_assert_err(codes_redeem(c, code, CODE_LEN - 1, NOW, &g,
	    &t), KALIT_ERR_NOT_FOUND);
	codes_free(c);
}
END_TEST

/*
 * Past the budget: expired codes make room, else server_busy; a used code
 * costs a small part of a fresh one.
 */
START_TEST(test_codes_budget)
{
	struct code_token t;
	struct code_grant g;
	struct codes *c;
	char code[CODE_LEN + 1];
	size_t n, fresh, used, bytes;

	ck_assert_err(codes_new(64 << 10, 1 << 20, &c), KALIT_OK);
	for (n = 0; codes_issue(c, &grant, NOW + 10, NOW, code) == KALIT_OK;
	    n++)
		ck_assert_uint_lt(n, 64);
	ck_assert_uint_gt(n, 4);
	ck_assert_uint_eq(codes_count(c, &bytes), n);
	ck_assert_uint_le(bytes, 64 << 10);
	fresh = bytes / n;
	ck_assert_uint_ge(fresh, sizeof(struct code_grant));
	ck_assert_err(codes_issue(c, &grant, NOW + 10, NOW, code),
	    KALIT_ERR_BUSY);
	/* the next second, the full pass finds them expired */
	ck_assert_err(codes_issue(c, &grant, NOW + 30, NOW + 11, code),
	    KALIT_OK);
	ck_assert_uint_eq(codes_count(c, NULL), 1);
	ck_assert_err(codes_redeem(c, code, CODE_LEN, NOW + 12, &g, &t),
	    KALIT_OK);
	code_grant_clear(&g);
	ck_assert_uint_eq(codes_count(c, &used), 1);
	ck_assert_uint_lt(used * 10, fresh);
	codes_free(c);
}
END_TEST

START_TEST(test_codes_jti)
{
	struct codes *c;

	ck_assert_err(codes_new(1 << 20, 1 << 20, &c), KALIT_OK);
	ck_assert_err(codes_jti_use(c, "portal", "j1", NOW + 60, NOW),
	    KALIT_OK);
	ck_assert_err(codes_jti_use(c, "portal", "j1", NOW + 60, NOW),
	    KALIT_ERR_CHALLENGE_REUSED);
	/* another client's jti is another jti */
	ck_assert_err(codes_jti_use(c, "portal2", "j1", NOW + 60, NOW),
	    KALIT_OK);
	/* client "a" jti "bc" is not client "ab" jti "c" */
	ck_assert_err(codes_jti_use(c, "a", "bc", NOW + 60, NOW), KALIT_OK);
	ck_assert_err(codes_jti_use(c, "ab", "c", NOW + 60, NOW), KALIT_OK);
	codes_free(c);
}
END_TEST

/* A full table of unexpired ids is busy; expired ones make room. */
START_TEST(test_codes_jti_budget)
{
	struct codes *c;
	char jti[16];
	int i, r = KALIT_OK;

	ck_assert_err(codes_new(1 << 20, 64 << 10, &c), KALIT_OK);
	for (i = 0; i < 100000 && r == KALIT_OK; i++) {
		snprintf(jti, sizeof(jti), "j%d", i);
		r = codes_jti_use(c, "portal", jti, NOW + 60, NOW);
	}
	ck_assert_err(r, KALIT_ERR_BUSY);
	/* 64K holds some hundreds, not all of them */
	ck_assert_int_gt(i, 100);
	ck_assert_int_lt(i, 2000);
	/* a second after they expired, the pass that drops them runs */
	ck_assert_err(codes_jti_use(c, "portal", "later", NOW + 200,
	    NOW + 62), KALIT_OK);
	codes_free(c);
}
END_TEST

static Suite *
codes_suite(void)
{
	Suite *s = suite_create("codes");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_codes_single_use);
	tcase_add_test(tc, test_codes_budget);
	tcase_add_test(tc, test_codes_jti);
	tcase_add_test(tc, test_codes_jti_budget);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_codes", -1);
	return tu_run(codes_suite());
}
