/* tsa.c: RFC 3161 timestamps with OpenSSL's TS_RESP_CTX */
#include "config.h"
#include "tsa.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"
#include "parse.h"
#include "store.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#define SERIAL_KEY	"tsa_serial_next"

struct tsa {
	EVP_PKEY	*key;
	X509		*cert;
	STACK_OF(X509)	*chain;		/* sent when the request asks */
	ASN1_OBJECT	*policy;
	int		 accuracy;	/* seconds */
	pthread_mutex_t	 mu;		/* the serial block and db */
	char		*db_path;	/* kalitd's database */
	struct store	*db;		/* opened at the first block */
	uint64_t	 next, end;	/* serials [next, end) are ours */
};

/*
 * Takes the next block of serials: the database's counter moves on in
 * one transaction, so two kalitd on one database never share a serial.
 */
static int
serial_block(struct tsa *t)
{
	char buf[32];
	int64_t next = 1;
	int r;

	if (t->db == NULL && (r = store_open(t->db_path, 0, &t->db)) !=
	    KALIT_OK && (r = store_open(t->db_path, 1, &t->db)) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "timestamp serials: %s: %s",
		    t->db_path, kalit_strerror(r));
		return r;
	}
	if ((r = store_begin(t->db)) != KALIT_OK)
		return r;
	r = store_meta_get(t->db, SERIAL_KEY, buf, sizeof(buf));
	if (r == KALIT_OK && !parse_i64(buf, 1, INT64_MAX - TSA_SERIAL_BLOCK,
	    &next))
		r = KALIT_ERR_DB;
	if (r == KALIT_ERR_CONFIG)	/* the first block */
		r = KALIT_OK;
	snprintf(buf, sizeof(buf), "%" PRId64, next + TSA_SERIAL_BLOCK);
	if (r == KALIT_OK && (r = store_meta_set(t->db, SERIAL_KEY, buf)) ==
	    KALIT_OK)
		r = store_commit(t->db);
	if (r != KALIT_OK) {
		store_rollback(t->db);
		log_msg(LOG_LEVEL_ERROR, "timestamp serials: %s; answering "
		    "systemFailure", kalit_strerror(r));
		return r;
	}
	t->next = (uint64_t)next;
	t->end = (uint64_t)next + TSA_SERIAL_BLOCK;
	return KALIT_OK;
}

/* TS_RESP_CTX's serial callback: NULL makes it answer systemFailure. */
static ASN1_INTEGER *
serial_cb(TS_RESP_CTX *ctx, void *arg)
{
	struct tsa *t = arg;
	ASN1_INTEGER *serial = NULL;
	uint64_t n = 0;

	pthread_mutex_lock(&t->mu);
	if (t->next < t->end || serial_block(t) == KALIT_OK)
		n = t->next++;
	pthread_mutex_unlock(&t->mu);
	if (n == 0 || (serial = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set_uint64(serial, n) != 1) {
		ASN1_INTEGER_free(serial);
		TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION,
		    "serial number unavailable");
		TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
		return NULL;
	}
	return serial;
}

int
tsa_new(const struct config *cfg, const char *pass, struct tsa **tp)
{
	struct tsa *t;
	int r;

	*tp = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return KALIT_ERR_NOMEM;
	pthread_mutex_init(&t->mu, NULL);
	t->accuracy = cfg->tsa_accuracy;
	if ((r = keyfile_load_p12(cfg->tsa_key_file, pass, &t->key, &t->cert,
	    &t->chain)) != KALIT_OK) {
		log_msg(LOG_LEVEL_ERROR, "[timestamp] key_file %s: %s",
		    cfg->tsa_key_file, kalit_strerror(r));
		goto fail;
	}
	/* What TS_RESP_CTX_set_signer_cert() insists on, said up front. */
	if (X509_check_purpose(t->cert, X509_PURPOSE_TIMESTAMP_SIGN, 0) != 1) {
		log_msg(LOG_LEVEL_ERROR, "[timestamp] key_file %s: its "
		    "certificate is not a timestamping one (the one extended "
		    "key usage timeStamping, critical); issue one with the "
		    "tsa profile of kalit-ca", cfg->tsa_key_file);
		r = KALIT_ERR_CERT_PURPOSE;
		goto fail;
	}
	if ((t->policy = OBJ_txt2obj(cfg->tsa_policy, 1)) == NULL ||
	    (t->db_path = strdup(cfg->database)) == NULL) {
		r = KALIT_ERR_NOMEM;
		goto fail;
	}
	ERR_clear_error();
	*tp = t;
	return KALIT_OK;
 fail:
	ERR_clear_error();
	tsa_free(t);
	return r;
}

void
tsa_free(struct tsa *t)
{
	if (t == NULL)
		return;
	EVP_PKEY_free(t->key);
	X509_free(t->cert);
	sk_X509_pop_free(t->chain, X509_free);
	ASN1_OBJECT_free(t->policy);
	store_free(t->db);
	free(t->db_path);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

/* A context per request: TS_RESP_CTX keeps per-response state. */
static TS_RESP_CTX *
tsa_ctx(struct tsa *t)
{
	TS_RESP_CTX *ctx;

	if ((ctx = TS_RESP_CTX_new()) == NULL)
		return NULL;
	if (TS_RESP_CTX_set_signer_cert(ctx, t->cert) != 1 ||
	    TS_RESP_CTX_set_signer_key(ctx, t->key) != 1 ||
	    (t->chain != NULL && TS_RESP_CTX_set_certs(ctx, t->chain) != 1) ||
	    TS_RESP_CTX_set_def_policy(ctx, t->policy) != 1 ||
	    TS_RESP_CTX_add_md(ctx, EVP_sha256()) != 1 ||
	    TS_RESP_CTX_add_md(ctx, EVP_sha384()) != 1 ||
	    TS_RESP_CTX_add_md(ctx, EVP_sha512()) != 1 ||
	    TS_RESP_CTX_set_accuracy(ctx, t->accuracy, 0, 0) != 1 ||
	    TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) != 1 ||
	    TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) != 1) {
		TS_RESP_CTX_free(ctx);
		return NULL;
	}
	TS_RESP_CTX_add_flags(ctx, TS_TSA_NAME);
	TS_RESP_CTX_set_serial_cb(ctx, serial_cb, t);
	return ctx;
}

int
tsa_answer(struct tsa *t, const unsigned char *req, size_t len,
    unsigned char **derp, size_t *lenp)
{
	const unsigned char *p = req;
	TS_RESP_CTX *ctx = NULL;
	TS_REQ *tsq = NULL;
	TS_RESP *resp = NULL;
	BIO *in = NULL;
	unsigned char *der = NULL;
	int n, r = KALIT_ERR_NOMEM;

	*derp = NULL;
	*lenp = 0;
	/*
	 * OpenSSL reads one request from the BIO and ignores what follows:
	 * a body that is more than one request is handed over as an empty
	 * one, which is answered badDataFormat like any undecodable one.
	 */
	if (len > TSA_REQUEST_MAX || (tsq = d2i_TS_REQ(NULL, &p,
	    (long)len)) == NULL || p != req + len)
		len = 0;
	TS_REQ_free(tsq);
	if ((in = BIO_new_mem_buf(len > 0 ? req : (const void *)"",
	    (int)len)) == NULL ||
	    (ctx = tsa_ctx(t)) == NULL ||
	    (resp = TS_RESP_create_response(ctx, in)) == NULL ||
	    (n = i2d_TS_RESP(resp, &der)) <= 0)
		goto out;
	if ((*derp = malloc((size_t)n)) == NULL)
		goto out;
	memcpy(*derp, der, (size_t)n);
	*lenp = (size_t)n;
	r = KALIT_OK;
 out:
	if (r != KALIT_OK)
		log_msg(LOG_LEVEL_ERROR, "timestamp: no answer could be made");
	ERR_clear_error();
	OPENSSL_free(der);
	TS_RESP_free(resp);
	TS_RESP_CTX_free(ctx);
	BIO_free(in);
	return r;
}
