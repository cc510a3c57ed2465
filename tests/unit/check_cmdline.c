/* check_cmdline.c: unit tests for cmdline.c, command lines from a table */
#include "config.h"

#include "testutil.h"
#include "cmdline.h"

#include <stddef.h>
#include <stdint.h>

/* What a test program's options fill. */
struct opts {
	const char	*name, *other;
	int		 flag, on, count, number;
	int64_t		 big, when;
};

enum { T_NAME, T_FLAG, T_ON, T_NO, T_COUNT, T_NUMBER, T_BIG, T_WHEN,
	T_MINE, T_MINE_ARG, T__MAX };

#define K(k, f, lo, hi)	k, offsetof(struct opts, f), lo, hi

static const struct cmdline_opt table[] = {
	{ "name", 'n', K(CMDLINE_STR, name, 0, 0), "title" },
	{ "flag", 0, K(CMDLINE_FLAG, flag, 0, 0), NULL },
	{ "on", 0, K(CMDLINE_FLAG, on, 0, 0), NULL },
	{ "no-on", 0, K(CMDLINE_UNSET, on, 0, 0), NULL },
	{ "verbose", 'v', K(CMDLINE_COUNT, count, 0, 0), NULL },
	{ "number", 0, K(CMDLINE_INT, number, 1, 10), NULL },
	{ "big", 0, K(CMDLINE_I64, big, 1, INT64_MAX), NULL },
	{ "when", 0, K(CMDLINE_TIME, when, 0, 0), NULL },
	{ "mine", 'm', K(CMDLINE_CALLER, other, 0, 0), NULL },
	{ "mine-arg", 0, K(CMDLINE_CALLER_ARG, other, 0, 0), NULL },
};

/* A command line of at most 15 words, argv[0] "prog", NULL-terminated. */
struct line {
	char	*argv[16];
	int	 argc;
};

static void
line_set(struct line *l, const char *const *words)
{
	memset(l, 0, sizeof(*l));
	l->argv[l->argc++] = (char *)"prog";
	while (*words != NULL && l->argc < 15)
		l->argv[l->argc++] = (char *)*words++;
}

/* What cmdline_next() returns for words, in order, up to CMDLINE_END. */
static int
read_all(const char *const *words, int in_order, struct opts *o, int *got,
    size_t max, struct cmdline *cl)
{
	struct line l;
	size_t n = 0;
	int c;

	line_set(&l, words);
	memset(o, 0, sizeof(*o));
	o->on = 1;
	cmdline_init(cl, table, T__MAX, in_order);
	opterr = 0;	/* the unknown option of a test is expected */
	do {
		c = cmdline_next(cl, l.argc, l.argv, o);
		ck_assert_uint_lt(n, max);
		got[n++] = c;
	} while (c != CMDLINE_END && c != CMDLINE_BAD);
	return (int)n;
}

START_TEST(test_cmdline_stores_each_kind)
{
	static const char *const words[] = { "--name", "x", "--flag",
	    "--no-on", "-v", "--verbose", "-vv", "--number=10", "--big",
	    "9000000000", "--when", "2026-11-23", NULL };
	struct cmdline cl;
	struct opts o;
	int got[16];

	ck_assert_int_eq(read_all(words, 1, &o, got, 16, &cl), 11);
	ck_assert_int_eq(got[0], T_NAME);
	ck_assert_int_eq(got[6], T_COUNT);
	ck_assert_int_eq(got[10], CMDLINE_END);
	ck_assert_str_eq(o.name, "x");
	ck_assert_int_eq(o.flag, 1);
	ck_assert_int_eq(o.on, 0);
	ck_assert_int_eq(o.count, 4);
	ck_assert_int_eq(o.number, 10);
	ck_assert_int_eq(o.big, 9000000000LL);
	ck_assert_int_eq(o.when, 1795392000);	/* 2026-11-23T00:00:00Z */
	ck_assert_ptr_null(o.other);
	ck_assert(cl.seen == (CMDLINE_BIT(T_NAME) | CMDLINE_BIT(T_FLAG) |
	    CMDLINE_BIT(T_NO) | CMDLINE_BIT(T_COUNT) | CMDLINE_BIT(T_NUMBER) |
	    CMDLINE_BIT(T_BIG) | CMDLINE_BIT(T_WHEN)));
}
END_TEST

START_TEST(test_cmdline_alias_is_the_same_option)
{
	static const char *const words[] = { "--title", "y", NULL };
	struct cmdline cl;
	struct opts o;
	int got[4];

	ck_assert_int_eq(read_all(words, 1, &o, got, 4, &cl), 2);
	ck_assert_int_eq(got[0], T_NAME);
	ck_assert_str_eq(o.name, "y");
	ck_assert(cl.seen == CMDLINE_BIT(T_NAME));
}
END_TEST

/* A value a kind does not take: the option and the value, nothing stored. */
static const struct {
	const char	*option, *value;
	int		 index;
} bad_values[] = {
	{ "--number", "0", T_NUMBER },
	{ "--number", "11", T_NUMBER },
	{ "--number", "1x", T_NUMBER },
	{ "--number", "", T_NUMBER },
	{ "--big", "0", T_BIG },
	{ "--big", "99999999999999999999", T_BIG },
	{ "--when", "2026-02-30", T_WHEN },
	{ "--when", "tomorrow", T_WHEN },
};

START_TEST(test_cmdline_refuses_a_bad_value)
{
	const char *words[] = { bad_values[_i].option, bad_values[_i].value,
	    "--flag", NULL };
	struct cmdline cl;
	struct opts o;
	int got[4];

	ck_assert_int_eq(read_all(words, 1, &o, got, 4, &cl), 1);
	ck_assert_int_eq(got[0], CMDLINE_BAD);
	ck_assert_int_eq(cl.bad, bad_values[_i].index);
	ck_assert_str_eq(cl.arg, bad_values[_i].value);
	ck_assert_int_eq(o.number, 0);
	ck_assert_int_eq(o.big, 0);
	ck_assert_int_eq(o.when, 0);
}
END_TEST

START_TEST(test_cmdline_in_order_returns_arguments_where_they_stand)
{
	static const char *const words[] = { "first", "--flag", "second",
	    "-m", "--mine-arg", "v", NULL };
	static const struct {
		int		 c;
		const char	*arg;
	} want[] = {
		{ CMDLINE_ARG, "first" }, { T_FLAG, NULL },
		{ CMDLINE_ARG, "second" }, { T_MINE, NULL },
		{ T_MINE_ARG, "v" }, { CMDLINE_END, NULL },
	};
	struct cmdline cl;
	struct opts o;
	struct line l;
	size_t i;

	line_set(&l, words);
	memset(&o, 0, sizeof(o));
	cmdline_init(&cl, table, T__MAX, 1);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_int_eq(cmdline_next(&cl, l.argc, l.argv, &o),
		    want[i].c);
		if (want[i].arg != NULL)
			ck_assert_str_eq(cl.arg, want[i].arg);
		else
			ck_assert_ptr_null(cl.arg);
	}
	ck_assert_ptr_null(o.other);	/* the caller's to act on */
}
END_TEST

START_TEST(test_cmdline_permuted_leaves_arguments_from_optind)
{
	static const char *const words[] = { "client", "--flag", "add", "-n",
	    "z", "id", NULL };
	struct cmdline cl;
	struct opts o;
	struct line l;
	int c;

	line_set(&l, words);
	memset(&o, 0, sizeof(o));
	cmdline_init(&cl, table, T__MAX, 0);
	while ((c = cmdline_next(&cl, l.argc, l.argv, &o)) != CMDLINE_END)
		ck_assert_int_ge(c, 0);
	ck_assert_int_eq(o.flag, 1);
	ck_assert_str_eq(o.name, "z");
	ck_assert_int_eq(l.argc - optind, 3);
	ck_assert_str_eq(l.argv[optind], "client");
	ck_assert_str_eq(l.argv[optind + 1], "add");
	ck_assert_str_eq(l.argv[optind + 2], "id");
}
END_TEST

static const char *const unknown_lines[][3] = {
	{ "--nope", NULL, NULL },
	{ "-x", NULL, NULL },
	{ "--flag=1", NULL, NULL },	/* takes no argument */
	{ "--number", NULL, NULL },	/* needs one */
	{ "-n", NULL, NULL },
};

START_TEST(test_cmdline_reports_an_unknown_option)
{
	struct cmdline cl;
	struct opts o;
	int got[4];

	ck_assert_int_eq(read_all(unknown_lines[_i], 1, &o, got, 4, &cl), 2);
	ck_assert_int_eq(got[0], CMDLINE_UNKNOWN);
	ck_assert(cl.seen == 0);
}
END_TEST

START_TEST(test_cmdline_names_the_first_option_not_allowed)
{
	uint64_t seen = CMDLINE_BIT(2) | CMDLINE_BIT(5) | CMDLINE_BIT(63);

	ck_assert_int_eq(cmdline_not_allowed(seen, seen), -1);
	ck_assert_int_eq(cmdline_not_allowed(seen, CMDLINE_BIT(2)), 5);
	ck_assert_int_eq(cmdline_not_allowed(seen, 0), 2);
	ck_assert_int_eq(cmdline_not_allowed(seen, ~CMDLINE_BIT(63)), 63);
	ck_assert_int_eq(cmdline_not_allowed(0, 0), -1);
}
END_TEST

#define NVEC(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
cmdline_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cmdline_stores_each_kind);
	tcase_add_test(tc, test_cmdline_alias_is_the_same_option);
	tcase_add_loop_test(tc, test_cmdline_refuses_a_bad_value, 0,
	    NVEC(bad_values));
	tcase_add_test(tc,
	    test_cmdline_in_order_returns_arguments_where_they_stand);
	tcase_add_test(tc, test_cmdline_permuted_leaves_arguments_from_optind);
	tcase_add_loop_test(tc, test_cmdline_reports_an_unknown_option, 0,
	    NVEC(unknown_lines));
	tcase_add_test(tc, test_cmdline_names_the_first_option_not_allowed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(cmdline_suite());
}
