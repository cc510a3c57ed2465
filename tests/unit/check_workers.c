/* check_workers.c: unit tests for workers.c: every job runs, once */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <check.h>

#include "workers.h"
#include "testutil.h"

#define JOBS	1000

struct counted {
	struct workers_job	 job;
	atomic_int		*runs;
	int			 mine;
};

static void
count_run(struct workers_job *j)
{
	struct counted *c = (struct counted *)j;

	c->mine++;
	atomic_fetch_add(c->runs, 1);
}

START_TEST(test_workers_every_job_runs_once)
{
	static struct counted c[JOBS];
	struct workers *w;
	atomic_int runs;
	int i;

	atomic_init(&runs, 0);
	memset(c, 0, sizeof(c));
	ck_assert_err(workers_new(3, &w), KALIT_OK);
	for (i = 0; i < JOBS; i++) {
		c[i].job.run = count_run;
		c[i].runs = &runs;
		workers_submit(w, &c[i].job);
	}
	workers_free(w);	/* runs what is queued, then stops */
	ck_assert_int_eq(atomic_load(&runs), JOBS);
	for (i = 0; i < JOBS; i++)
		ck_assert_int_eq(c[i].mine, 1);
}
END_TEST

/*
 * A job that waits (as on a slow responder) does not hold up the next:
 * the one that waits is let through by the one queued after it.
 */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_opened;

static void
gate_wait(struct workers_job *j)
{
	(void)j;
	pthread_mutex_lock(&gate_mu);
	while (!gate_opened)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

static void
gate_open(struct workers_job *j)
{
	(void)j;
	pthread_mutex_lock(&gate_mu);
	gate_opened = 1;
	pthread_cond_signal(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

START_TEST(test_workers_blocked_job_others_run)
{
	struct workers_job waits = { gate_wait, NULL }, opens = { gate_open,
	    NULL };
	struct workers *w;

	ck_assert_err(workers_new(2, &w), KALIT_OK);
	workers_submit(w, &waits);
	workers_submit(w, &opens);
	workers_free(w);	/* returns only once both have run */
	ck_assert_int_eq(gate_opened, 1);
}
END_TEST

START_TEST(test_workers_none)
{
	struct workers *w = (struct workers *)1;

	ck_assert_err(workers_new(0, &w), KALIT_ERR_USAGE);
	ck_assert_ptr_null(w);
	workers_free(NULL);
}
END_TEST

static Suite *
workers_suite(void)
{
	Suite *s = suite_create("workers");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_workers_every_job_runs_once);
	tcase_add_test(tc, test_workers_blocked_job_others_run);
	tcase_add_test(tc, test_workers_none);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(workers_suite());
}
