/* check_auditq.c: the writer thread: every job durable, batches, summaries */
#include "config.h"

#include "testutil.h"
#include "auditq.h"
#include "log.h"
#include "metrics.h"
#include "store.h"

#include <pthread.h>

#define NJOBS	10
#define PENDING	1	/* a job's result before its done */

static char dir[PATH_MAX], db_path[PATH_MAX];

/* A job the tests follow; j first, so a struct auditq_job * is one. */
struct job {
	struct auditq_job j;
	char		 actor[16];
	int		 result;
};

/*
 * The gate: a job whose apply waits at it holds the writer inside its
 * batch, so that what is submitted meanwhile makes the next batch.
 */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int entered, gate_open;

static void
setup(void)
{
	tu_mkdtemp(dir, sizeof(dir));
	tu_path(db_path, sizeof(db_path), dir, "kalitd.db");
	entered = gate_open = 0;
}

static void
teardown(void)
{
	tu_rmdir(dir);
}

static int
apply_at_gate(struct store *s, struct auditq_job *j)
{
	(void)s;
	(void)j;
	pthread_mutex_lock(&mu);
	entered = 1;
	pthread_cond_broadcast(&cv);
	while (!gate_open)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return KALIT_OK;
}

static int
apply_failing(struct store *s, struct auditq_job *j)
{
	(void)s;
	(void)j;
	return KALIT_ERR_DB;
}

static void
done(struct auditq_job *j, int result)
{
	((struct job *)j)->result = result;
}

static void
job_init(struct job *x, const char *actor,
    int (*apply)(struct store *, struct auditq_job *))
{
	memset(x, 0, sizeof(*x));
	snprintf(x->actor, sizeof(x->actor), "%s", actor);
	x->j.apply = apply;
	x->j.done = done;
	x->j.actor = x->actor;
	x->j.action = "login";
	x->j.serial = "";
	x->j.detail = "ok";
	x->result = PENDING;
}

/* Submits a job that holds the writer at the gate until gate_release(). */
static void
gate_hold(struct auditq *q, struct job *x)
{
	job_init(x, "gate", apply_at_gate);
	auditq_submit(q, &x->j);
	pthread_mutex_lock(&mu);
	while (!entered)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

static void
gate_release(void)
{
	pthread_mutex_lock(&mu);
	gate_open = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

struct records {
	char	 text[NJOBS + 4][160];	/* "actor action detail" */
	size_t	 n;
};

static int
record_collect(const struct store_audit *a, void *arg)
{
	struct records *r = arg;

	ck_assert_uint_lt(r->n, sizeof(r->text) / sizeof(r->text[0]));
	snprintf(r->text[r->n++], sizeof(r->text[0]), "%s %s %s", a->actor,
	    a->action, a->detail);
	return KALIT_OK;
}

/* The records in the database, in order. */
static void
records_read(struct records *r)
{
	struct store *s;

	memset(r, 0, sizeof(*r));
	ck_assert_err(store_open_readonly(db_path, &s), KALIT_OK);
	ck_assert_err(store_audit_list(s, 0, record_collect, r), KALIT_OK);
	store_free(s);
}

/* Every job submitted is written, in order, and done once it is. */
START_TEST(test_auditq_every_job_durable_in_order)
{
	struct records r;
	struct job jobs[NJOBS];
	struct auditq *q;
	char actor[16], want[64];
	size_t i;

	ck_assert_err(auditq_new(db_path, NULL, NULL, 1000, &q), KALIT_OK);
	for (i = 0; i < NJOBS; i++) {
		snprintf(actor, sizeof(actor), "client%zu", i);
		job_init(&jobs[i], actor, NULL);
		auditq_submit(q, &jobs[i].j);
	}
	auditq_free(q);		/* writes what is queued first */
	for (i = 0; i < NJOBS; i++)
		ck_assert_err(jobs[i].result, KALIT_OK);
	records_read(&r);
	ck_assert_uint_eq(r.n, NJOBS);
	for (i = 0; i < NJOBS; i++) {
		snprintf(want, sizeof(want), "client%zu login ok", i);
		ck_assert_str_eq(r.text[i], want);
	}
}
END_TEST

/*
 * The jobs queued while the writer is busy make one transaction: one
 * batch of one (the gate), then one of NJOBS - 1.
 */
START_TEST(test_auditq_batches_what_queued_meanwhile)
{
	static const struct {
		const char	*series;
		double		 added;
	} want[] = {
		{ "kalitd_audit_batch_size_count", 2 },
		{ "kalitd_audit_batch_size_sum", NJOBS },
		{ "kalitd_audit_batch_size_bucket{le=\"1\"}", 1 },
		{ "kalitd_audit_batch_size_bucket{le=\"8\"}", 1 },
		{ "kalitd_audit_batch_size_bucket{le=\"16\"}", 2 },
	};
	struct job gate, jobs[NJOBS - 1];
	struct records r;
	struct auditq *q;
	char *before, *after;
	size_t i;

	ck_assert_ptr_nonnull(before = metrics_render(0));
	ck_assert_err(auditq_new(db_path, NULL, NULL, 1000, &q), KALIT_OK);
	gate_hold(q, &gate);
	for (i = 0; i < NJOBS - 1; i++) {
		job_init(&jobs[i], "queued", NULL);
		auditq_submit(q, &jobs[i].j);
	}
	gate_release();
	auditq_free(q);
	ck_assert_ptr_nonnull(after = metrics_render(0));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(tu_sample(after, want[i].series) ==
		    tu_sample(before, want[i].series) + want[i].added,
		    "%s: %g, was %g", want[i].series,
		    tu_sample(after, want[i].series),
		    tu_sample(before, want[i].series));
	free(before);
	free(after);
	records_read(&r);
	ck_assert_uint_eq(r.n, NJOBS);
}
END_TEST

/* A job that fails fails alone: the others of its batch are written. */
START_TEST(test_auditq_failed_job_fails_alone)
{
	struct job gate, a, bad, c;
	struct records r;
	struct auditq *q;

	ck_assert_err(auditq_new(db_path, NULL, NULL, 1000, &q), KALIT_OK);
	gate_hold(q, &gate);
	job_init(&a, "a", NULL);
	job_init(&bad, "bad", apply_failing);
	job_init(&c, "c", NULL);
	auditq_submit(q, &a.j);
	auditq_submit(q, &bad.j);
	auditq_submit(q, &c.j);
	gate_release();
	auditq_free(q);
	ck_assert_err(gate.result, KALIT_OK);
	ck_assert_err(a.result, KALIT_OK);
	ck_assert_err(bad.result, KALIT_ERR_DB);
	ck_assert_err(c.result, KALIT_OK);
	records_read(&r);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_str_eq(r.text[0], "gate login ok");
	ck_assert_str_eq(r.text[1], "a login ok");
	ck_assert_str_eq(r.text[2], "c login ok");
}
END_TEST

/*
 * Refusals are summed up per code as clients saw it (the 500s are one
 * server_error) in one record, written when the writer stops at the
 * latest.
 */
START_TEST(test_auditq_summary_of_refusals)
{
	struct records r;
	struct auditq *q;

	ck_assert_err(auditq_new(db_path, NULL, NULL, 1000, &q), KALIT_OK);
	auditq_summarize(q, 3600 * 1000);
	auditq_refused(q, KALIT_ERR_MALFORMED);
	auditq_refused(q, KALIT_ERR_CLIENT_AUTH);
	auditq_refused(q, KALIT_ERR_DB);
	auditq_refused(q, KALIT_ERR_MALFORMED);
	auditq_refused(q, KALIT_ERR_IO);
	auditq_refused(q, KALIT_ERR_CLIENT_AUTH);
	auditq_refused(q, 5);		/* out of range: internal */
	auditq_refused(q, KALIT_ERR_CLIENT_AUTH);
	auditq_free(q);
	records_read(&r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.text[0], "- login-refusals server_error=3 "
	    "request_malformed=2 invalid_client=3");
}
END_TEST

/* Without auditq_summarize(), and without refusals, no summary. */
START_TEST(test_auditq_no_summary_unasked_or_empty)
{
	struct records r;
	struct auditq *q;

	ck_assert_err(auditq_new(db_path, NULL, NULL, 1000, &q), KALIT_OK);
	auditq_refused(q, KALIT_ERR_MALFORMED);
	auditq_free(q);
	records_read(&r);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_err(auditq_new(db_path, NULL, NULL, 1000, &q), KALIT_OK);
	auditq_summarize(q, 3600 * 1000);
	auditq_free(q);
	records_read(&r);
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

static void
tick_count(struct store *s, void *arg)
{
	ck_assert_ptr_nonnull(s);
	(*(int *)arg)++;
}

/* The tick runs once before auditq_new() returns: clients are loaded. */
START_TEST(test_auditq_first_tick_before_requests)
{
	struct auditq *q;
	int ticks = 0;

	ck_assert_err(auditq_new(db_path, tick_count, &ticks, 3600 * 1000,
	    &q), KALIT_OK);
	ck_assert_int_eq(ticks, 1);
	auditq_free(q);
	ck_assert_int_eq(ticks, 1);
}
END_TEST

static Suite *
auditq_suite(void)
{
	Suite *s = suite_create("auditq");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_auditq_every_job_durable_in_order);
	tcase_add_test(tc, test_auditq_batches_what_queued_meanwhile);
	tcase_add_test(tc, test_auditq_failed_job_fails_alone);
	tcase_add_test(tc, test_auditq_summary_of_refusals);
	tcase_add_test(tc, test_auditq_no_summary_unasked_or_empty);
	tcase_add_test(tc, test_auditq_first_tick_before_requests);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_auditq", -1);
	return tu_run(auditq_suite());
}
