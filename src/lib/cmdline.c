/* cmdline.c: command lines read from a table with getopt_long(3) */
#include "config.h"

#include "cmdline.h"
#include "parse.h"

#include <string.h>

/* getopt_long()'s value for opts[i]: above every short option's. */
#define LONG_VAL(i)	(256 + (int)(i))

static int
takes_arg(enum cmdline_kind k)
{
	return k == CMDLINE_STR || k == CMDLINE_INT || k == CMDLINE_I64 ||
	    k == CMDLINE_TIME || k == CMDLINE_CALLER_ARG;
}

static void
set_long(struct option *lo, const char *name, const struct cmdline_opt *o,
    size_t i)
{
	lo->name = name;
	lo->has_arg = takes_arg(o->kind) ? required_argument : no_argument;
	lo->flag = NULL;
	lo->val = LONG_VAL(i);
}

void
cmdline_init(struct cmdline *cl, const struct cmdline_opt *opts, size_t n,
    int in_order)
{
	size_t i, nlong, nshort = 0, naliases = 0;

	memset(cl, 0, sizeof(*cl));
	if (n > CMDLINE_OPTS_MAX)
		n = CMDLINE_OPTS_MAX;
	cl->opts = opts;
	cl->n = n;
	if (in_order)
		cl->shortopts[nshort++] = '-';
	for (i = 0; i < n; i++) {
		set_long(&cl->longopts[i], opts[i].name, &opts[i], i);
		if (opts[i].letter != 0) {
			cl->shortopts[nshort++] = (char)opts[i].letter;
			if (takes_arg(opts[i].kind))
				cl->shortopts[nshort++] = ':';
		}
	}
	/* Aliases after the names, which keep the table's order. */
	nlong = n;
	for (i = 0; i < n && naliases < CMDLINE_ALIASES_MAX; i++)
		if (opts[i].alias != NULL) {
			set_long(&cl->longopts[nlong++], opts[i].alias,
			    &opts[i], i);
			naliases++;
		}
	/* The terminating entry and shortopts' NUL are zero already. */
	optind = 0;	/* glibc: start afresh, as for a new argv */
}

/* Stores arg into dst as o says; 0 if arg is not what o takes. */
static int
store(const struct cmdline_opt *o, const char *arg, void *dst)
{
	void *field = (char *)dst + o->off;

	switch (o->kind) {
	case CMDLINE_FLAG:
		*(int *)field = 1;
		return 1;
	case CMDLINE_UNSET:
		*(int *)field = 0;
		return 1;
	case CMDLINE_COUNT:
		(*(int *)field)++;
		return 1;
	case CMDLINE_STR:
		*(const char **)field = arg;
		return 1;
	case CMDLINE_INT:
		return parse_int(arg, (int)o->min, (int)o->max, field);
	case CMDLINE_I64:
		return parse_i64(arg, o->min, o->max, field);
	case CMDLINE_TIME:
		return parse_time(arg, field);
	case CMDLINE_CALLER:
	case CMDLINE_CALLER_ARG:
		return 1;
	}
	return 0;
}

int
cmdline_next(struct cmdline *cl, int argc, char **argv, void *dst)
{
	size_t i;
	int c;

	cl->arg = NULL;
	if ((c = getopt_long(argc, argv, cl->shortopts, cl->longopts,
	    NULL)) == -1)
		return CMDLINE_END;
	cl->arg = optarg;
	if (c == 1)
		return CMDLINE_ARG;
	if (c >= LONG_VAL(0) && c < LONG_VAL(cl->n))
		i = (size_t)(c - LONG_VAL(0));
	else {
		for (i = 0; i < cl->n; i++)
			if (cl->opts[i].letter != 0 && cl->opts[i].letter == c)
				break;
		if (i == cl->n)
			return CMDLINE_UNKNOWN;	/* '?' */
	}
	cl->seen |= CMDLINE_BIT(i);
	if (!store(&cl->opts[i], optarg, dst)) {
		cl->bad = (int)i;
		return CMDLINE_BAD;
	}
	return (int)i;
}

int
cmdline_not_allowed(uint64_t seen, uint64_t allowed)
{
	int i;

	for (i = 0; i < CMDLINE_OPTS_MAX; i++)
		if ((seen & CMDLINE_BIT(i)) && !(allowed & CMDLINE_BIT(i)))
			return i;
	return -1;
}
