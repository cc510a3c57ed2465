/* cmd_list.c: kalit-ca list and show */
#include "config.h"

#include "ca.h"
#include "crl.h"
#include "err.h"
#include "log.h"
#include "x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct list_state {
	int	 json;
	size_t	 count;
};

static int
list_one(const struct store_cert *c, void *arg)
{
	struct list_state *st = arg;
	json_t *j;
	char na[X509_TIME_ISO_LEN];

	/* JSON is streamed one element at a time: memory stays flat. */
	if (st->json) {
		if ((j = ca_cert_json(c)) == NULL)
			return KALIT_ERR_NOMEM;
		fputs(st->count++ == 0 ? "[\n" : ",\n", stdout);
		json_dumpf(j, stdout, JSON_INDENT(2));
		json_decref(j);
		return ferror(stdout) ? KALIT_ERR_IO : KALIT_OK;
	}
	st->count++;
	x509_time_iso(c->not_after, na);
	printf("%-32s %-8s %-10s %-20s %s\n", c->serial, store_status_name(
	    store_cert_status(c, (int64_t)time(NULL))), c->profile, na,
	    c->subject);
	return KALIT_OK;
}

int
cmd_list(struct ca_ctx *ctx)
{
	const struct ca_opts *o = ctx->o;
	struct store_filter f;
	struct list_state st;
	int r;

	memset(&f, 0, sizeof(f));
	memset(&st, 0, sizeof(st));
	f.status = -1;
	f.now = (int64_t)time(NULL);
	if (o->status != NULL &&
	    store_status_parse(o->status, &f.status) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "--status: use valid, revoked, hold "
		    "or expired");
		return KALIT_ERR_USAGE;
	}
	if ((o->field[IDENTITY_PINFL] != NULL &&
	    (r = identity_check_pinfl(o->field[IDENTITY_PINFL])) != KALIT_OK) ||
	    (o->field[IDENTITY_TIN] != NULL &&
	    (r = identity_check_tin(o->field[IDENTITY_TIN])) != KALIT_OK))
		return r;
	f.profile = o->profile;
	f.ca = o->ca;
	f.pinfl = o->field[IDENTITY_PINFL];
	f.tin = o->field[IDENTITY_TIN];
	if (o->expires_within > 0)
		f.expires_before = f.now + 86400LL * o->expires_within;
	st.json = o->json;
	if (!o->json)
		printf("%-32s %-8s %-10s %-20s %s\n", "SERIAL", "STATUS",
		    "PROFILE", "NOT AFTER", "SUBJECT");
	r = store_cert_list(ctx->store, &f, list_one, &st);
	if (o->json)
		fputs(st.count == 0 ? "[]\n" : "\n]\n", stdout);
	return r;
}

int
cmd_show(struct ca_ctx *ctx)
{
	struct store_cert c;
	char serial[X509_SERIAL_HEX_MAX + 1], nb[X509_TIME_ISO_LEN],
	    na[X509_TIME_ISO_LEN], ra[X509_TIME_ISO_LEN];
	char *pem = NULL;
	X509 *cert = NULL;
	json_t *j;
	int r;

	if ((r = x509_serial_normalize(ctx->o->arg, serial, sizeof(serial))))
		return r;
	if ((r = ca_cert_get(ctx, serial, &c)) != KALIT_OK)
		return r;
	if ((r = x509_parse(c.der, c.der_len, &cert)) != KALIT_OK ||
	    (r = x509_to_pem(cert, &pem)) != KALIT_OK)
		goto out;
	if (ctx->o->json) {
		if ((j = ca_cert_json(&c)) != NULL)
			json_object_set_new(j, "pem", json_string(pem));
		ca_print_json(j);
	} else if (ctx->o->pem)
		fputs(pem, stdout);
	else {
		x509_time_iso(c.not_before, nb);
		x509_time_iso(c.not_after, na);
		x509_time_iso(c.revoked_at, ra);
		printf("serial:     %s\nsubject:    %s\nprofile:    %s\n"
		    "ca:         %s\nnot before: %s\nnot after:  %s\n"
		    "status:     %s\n", c.serial, c.subject, c.profile, c.ca,
		    nb, na, store_status_name(store_cert_status(&c,
		    (int64_t)time(NULL))));
		if (c.status != STORE_VALID)
			printf("since:      %s\n", ra);
		if (c.status == STORE_REVOKED && c.reason >= 0)
			printf("reason:     %s\n", crl_reason_name(c.reason));
		if (c.renewed_from[0] != '\0')
			printf("renews:     %s\n", c.renewed_from);
	}
 out:
	X509_free(cert);
	free(pem);
	store_cert_clear(&c);
	return r;
}
