/* cmd_revoke.c: kalit-ca revoke, hold and release */
#include "config.h"

#include "ca.h"
#include "audit.h"
#include "crl.h"
#include "err.h"
#include "log.h"
#include "x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum status_op {
	OP_REVOKE = 0,
	OP_HOLD,
	OP_RELEASE
};

/* Checks the transition and applies it, with its audit record. */
static int
change_status(struct ca_ctx *ctx, const char *typed, enum status_op op,
    int reason, int64_t now)
{
	static const char *const action[] = { "revoke", "hold", "release" };
	struct store_cert c;
	char serial[X509_SERIAL_HEX_MAX + 1], detail[128];
	int r, status = STORE_VALID;

	if ((r = x509_serial_normalize(typed, serial, sizeof(serial))) !=
	    KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "\"%.70s\" is not a hexadecimal serial",
		    typed);
		return r;
	}
	if ((r = ca_cert_get(ctx, serial, &c)) != KALIT_OK)
		return r;
	if (c.status == STORE_REVOKED)
		r = KALIT_ERR_ALREADY_REVOKED;
	else if (op == OP_HOLD && c.status == STORE_HOLD)
		r = KALIT_ERR_ALREADY_ON_HOLD;
	else if (op == OP_RELEASE && c.status != STORE_HOLD)
		r = KALIT_ERR_NOT_ON_HOLD;
	else if (strcmp(c.profile, "root") == 0) {
		log_msg(LOG_LEVEL_ERROR, "the root cannot revoke itself; "
		    "withdraw it from the trust stores");
		r = KALIT_ERR_USAGE;
	}
	if (r != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "serial %s is %s", serial,
		    store_status_name(c.status));
		store_cert_clear(&c);
		return r;
	}
	if (op == OP_REVOKE)
		status = STORE_REVOKED;
	else if (op == OP_HOLD) {
		status = STORE_HOLD;
		reason = CRL_REASON_CERTIFICATE_HOLD;
	} else
		reason = -1;
	/* reason and time: audit-verify checks the row against them */
	if (reason >= 0)
		snprintf(detail, sizeof(detail), "ca=%s reason=%s at=%lld",
		    c.ca, crl_reason_name(reason), (long long)now);
	else
		snprintf(detail, sizeof(detail), "ca=%s", c.ca);
	store_cert_clear(&c);
	if ((r = store_cert_set_status(ctx->store, serial, status,
	    status == STORE_VALID ? 0 : now, reason)) != KALIT_OK)
		return r;
	return audit_append(ctx->store, ctx->actor, action[op], serial, detail);
}

/* Applies op to the positional serial, or to every line of --serials-from. */
static int
status_cmd(struct ca_ctx *ctx, enum status_op op, int reason)
{
	const struct ca_opts *o = ctx->o;
	int64_t now = (int64_t)time(NULL);
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0, done = 0;
	ssize_t n;
	long lineno = 0;
	int r;

	if ((o->arg == NULL) == (o->serials_from == NULL)) {
		log_msg(LOG_LEVEL_ERROR, "give one SERIAL or --serials-from FILE");
		return KALIT_ERR_USAGE;
	}
	if ((r = store_begin(ctx->store)) != KALIT_OK)
		return r;
	if (o->arg != NULL)
		r = change_status(ctx, o->arg, op, reason, now);
	else if ((f = strcmp(o->serials_from, "-") == 0 ? stdin :
	    fopen(o->serials_from, "re")) == NULL) {
		log_msg(LOG_LEVEL_ERROR, "%s: cannot open", o->serials_from);
		r = KALIT_ERR_IO;
	} else {
		while (r == KALIT_OK && (n = getline(&line, &cap, f)) > 0) {
			lineno++;
			line[strcspn(line, " \t\r\n")] = '\0';
			if (line[0] == '\0')
				continue;
			if ((r = change_status(ctx, line, op, reason, now)) !=
			    KALIT_OK)
				log_msg(LOG_LEVEL_ERROR, "%s:%ld: nothing was "
				    "changed", o->serials_from, lineno);
			done++;
		}
	}
	if (r == KALIT_OK)
		r = store_commit(ctx->store);
	store_rollback(ctx->store);
	if (f != NULL && f != stdin)
		fclose(f);
	free(line);
	if (r == KALIT_OK && o->json)
		ca_print_json(json_pack("{s:s, s:I}", "result", "ok", "count",
		    (json_int_t)(o->arg != NULL ? 1 : done)));
	return r;
}

int
cmd_revoke(struct ca_ctx *ctx)
{
	int r, reason;

	if (ctx->o->reason == NULL) {
		log_msg(LOG_LEVEL_ERROR, "--reason is required: unspecified, "
		    "keyCompromise, cACompromise, affiliationChanged, "
		    "superseded, cessationOfOperation, privilegeWithdrawn or "
		    "aACompromise");
		return KALIT_ERR_USAGE;
	}
	if ((r = crl_reason_parse(ctx->o->reason, &reason)) != KALIT_OK ||
	    reason == CRL_REASON_CERTIFICATE_HOLD ||
	    reason == CRL_REASON_REMOVE_FROM_CRL) {
		log_msg(LOG_LEVEL_ERROR, "--reason %.40s: use an RFC 5280 reason "
		    "(hold and release have their own commands)",
		    ctx->o->reason);
		return KALIT_ERR_REASON;
	}
	return status_cmd(ctx, OP_REVOKE, reason);
}

int
cmd_hold(struct ca_ctx *ctx)
{
	return status_cmd(ctx, OP_HOLD, CRL_REASON_CERTIFICATE_HOLD);
}

int
cmd_release(struct ca_ctx *ctx)
{
	return status_cmd(ctx, OP_RELEASE, -1);
}
