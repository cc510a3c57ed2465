/* cmd_audit.c: kalit-ca audit-verify and audit-archive */
#include "config.h"

#include "ca.h"
#include "audit.h"
#include "err.h"
#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
cmd_audit_verify(struct ca_ctx *ctx)
{
	struct audit_check_opts co;
	json_t *report = NULL;
	char *text;
	int r;

	memset(&co, 0, sizeof(co));
	co.expect_head = ctx->o->expect_head;
	co.archive = ctx->o->archive;
	if ((r = audit_check(ctx->store, &co, &report)) != KALIT_OK &&
	    r != KALIT_ERR_AUDIT_BROKEN)
		return r;
	if (ctx->o->json) {
		ca_print_json(report);
		return r;
	}
	if ((text = audit_report_text(report)) == NULL)
		r = KALIT_ERR_NOMEM;
	else
		fputs(text, r == KALIT_OK ? stdout : stderr);
	free(text);
	json_decref(report);
	return r;
}

/* Progress on standard error, when it is a terminal. */
static void
progress(void *arg, const char *what, int64_t n)
{
	(void)arg;
	fprintf(stderr, "\raudit records %s: %" PRId64 "%s", what, n,
	    strcmp(what, "deleting") == 0 ? "\n" : "");
}

int
cmd_audit_archive(struct ca_ctx *ctx)
{
	const struct ca_opts *o = ctx->o;
	struct audit_progress p = { progress, NULL };
	struct audit_archive_result res;
	char *text = NULL;
	int r;

	if (o->before == 0 || o->out == NULL) {
		log_msg(LOG_LEVEL_ERROR, "audit-archive needs --before DATE "
		    "and --out FILE");
		return KALIT_ERR_USAGE;
	}
	if (o->before > (int64_t)time(NULL)) {
		log_msg(LOG_LEVEL_ERROR, "--before: a date in the past");
		return KALIT_ERR_USAGE;
	}
	if ((r = audit_archive(ctx->store, ctx->actor, o->before, o->out,
	    isatty(STDERR_FILENO) ? &p : NULL, &res)) != KALIT_OK)
		return r;
	if (o->json)
		ca_print_json(audit_archive_json(&res, o->out));
	else if ((text = audit_archive_text(&res, o->out)) == NULL)
		return KALIT_ERR_NOMEM;
	else
		fputs(text, stdout);
	free(text);
	return KALIT_OK;
}
