/* cmd_audit.c: kalit-ca audit-verify */
#include "ca.h"
#include "audit.h"
#include "err.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cmd_audit_verify(struct ca_ctx *ctx)
{
	struct audit_check_opts co;
	json_t *report = NULL;
	char *text;
	int r;

	memset(&co, 0, sizeof(co));
	co.expect_head = ctx->o->expect_head;
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
