/*
 * cmdline.h: command lines read from a table, as kalitd's conf.c reads
 * kalitd.conf: each option's name, the kind of its argument and where
 * its value goes
 */
#ifndef KALIT_CMDLINE_H
#define KALIT_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#include <getopt.h>

#define CMDLINE_OPTS_MAX	64	/* options of one table: bits of seen */
#define CMDLINE_ALIASES_MAX	8

/* What an option takes, and what cmdline_next() stores for it. */
enum cmdline_kind {
	CMDLINE_FLAG = 0,	/* no argument; int set to 1 */
	CMDLINE_UNSET,		/* no argument; int set to 0 (--no-...) */
	CMDLINE_COUNT,		/* no argument; int incremented (-v -v) */
	CMDLINE_STR,		/* const char *, borrowed from argv */
	CMDLINE_INT,		/* int from min to max, parse_int() */
	CMDLINE_I64,		/* int64_t from min to max, parse_i64() */
	CMDLINE_TIME,		/* int64_t, a UTC date, parse_time() */
	CMDLINE_CALLER,		/* no argument; stores nothing */
	CMDLINE_CALLER_ARG	/* an argument; stores nothing */
};

/* One option; a table of them is indexed by the caller's enum. */
struct cmdline_opt {
	const char		*name;	/* the long name, without "--" */
	int			 letter;	/* the short one, or 0 */
	enum cmdline_kind	 kind;
	size_t			 off;	/* of the value in the caller's struct */
	long long		 min, max;	/* CMDLINE_INT, CMDLINE_I64 */
	const char		*alias;	/* another long name of it, or NULL */
};

/* What cmdline_next() returns besides the index of an option. */
#define CMDLINE_END	(-1)	/* no more options */
#define CMDLINE_ARG	(-2)	/* a positional argument: in ->arg */
#define CMDLINE_UNKNOWN	(-3)	/* unknown option or missing argument */
#define CMDLINE_BAD	(-4)	/* ->bad's argument (->arg) is not valid */

/* The state of one reading of a command line; cmdline_init() fills it. */
struct cmdline {
	const struct cmdline_opt *opts;	/* borrowed */
	size_t		 n;
	struct option	 longopts[CMDLINE_OPTS_MAX + CMDLINE_ALIASES_MAX + 1];
	char		 shortopts[2 + 2 * CMDLINE_OPTS_MAX + 1];
	uint64_t	 seen;		/* bit i: opts[i] was given */
	int		 bad;		/* with CMDLINE_BAD: the option */
	const char	*arg;		/* the last argument, from argv */
};

/* Bit i of ->seen and of the caller's masks of allowed options. */
#define CMDLINE_BIT(i)	((uint64_t)1 << (i))

/*
 * Prepares cl to read options of the n entries of opts (at most
 * CMDLINE_OPTS_MAX, at most CMDLINE_ALIASES_MAX with an alias). With
 * in_order set, positional arguments come back one by one where they
 * stand (CMDLINE_ARG); else getopt_long(3) moves them after the options,
 * from optind on. opts is borrowed while cl is used.
 */
void	cmdline_init(struct cmdline *cl, const struct cmdline_opt *opts,
	    size_t n, int in_order);

/*
 * Reads the next element of argv with getopt_long(3), which prints the
 * message of an unknown option or a missing argument on standard error
 * (unless opterr is 0). For an option, sets its bit in cl->seen, stores
 * its value into dst as its kind says, and returns its index in the
 * table; CMDLINE_BAD, storing nothing, when the value is not what the
 * kind takes (cl->bad: the index; cl->arg: the value); or CMDLINE_ARG,
 * CMDLINE_UNKNOWN, CMDLINE_END. cl->arg is the argument, if any.
 */
int	cmdline_next(struct cmdline *cl, int argc, char **argv, void *dst);

/*
 * The first option of seen that allowed lacks, or -1 when there is none:
 * for "--out does not apply to show".
 */
int	cmdline_not_allowed(uint64_t seen, uint64_t allowed);

#endif
