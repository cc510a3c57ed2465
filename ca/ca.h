/* ca.h: what the kalit-ca commands share */
#ifndef KALIT_CA_H
#define KALIT_CA_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "identity.h"
#include "keyfile.h"
#include "profile.h"
#include "store.h"

#define CA_BACKDATE	300	/* seconds notBefore lies in the past (clock skew) */
#define CA_LINE_MAX	(64 * 1024)		/* one --batch line */
#define CA_DEFAULT_BASE	"http://127.0.0.1:8443"

#ifndef PROFILEDIR	/* the installed profiles; set by Makefile.am */
#define PROFILEDIR "/usr/local/share/kalit/profiles"
#endif

/* Parsed command line; NULL/0 when not given. */
struct ca_opts {
	const char	*dir, *operator_, *ca_pass, *new_pass, *key_pass;
	const char	*cn, *org, *country, *key_type, *base_url, *profile;
	const char	*name, *ca, *out, *csr, *batch, *reason, *serials_from;
	const char	*status, *field[IDENTITY__MAX];
	const char	*dns[IDENTITY_HOSTS_MAX], *ip[IDENTITY_HOSTS_MAX];
	int		 n_dns, n_ip;	/* --dns and --ip, repeatable */
	int		 days, expires_within, json, legacy, pem, same_key;
	int		 verbose;
	int		 crl_shards, delta_crl;	/* ca-new */
	int		 delta, watch, every;	/* crl */
	int64_t		 before;	/* audit-archive: 0 when not given */
	const char	*archive, *expect_head;	/* audit-verify */
	const char	*arg;		/* the one positional argument */
};

struct ca_ctx {
	const struct ca_opts *o;
	struct store	*store;
	char		 actor[128];
	char		 base_url[512];
	char		 profile_dir[4096];
};

/* A CA of this directory, its certificate and (when asked) its key. */
struct ca_handle {
	struct store_ca	 rec;
	X509		*cert;
	EVP_PKEY	*key;
	STACK_OF(X509)	*chain;		/* this CA's certificate up to the root */
};

/* Opens the CA directory's database and settings. */
int	ca_open(struct ca_ctx *ctx, const struct ca_opts *o);
void	ca_close(struct ca_ctx *ctx);

/* Who acts: --operator or $KALIT_OPERATOR, and the login name. */
void	ca_set_actor(struct ca_ctx *ctx);

/* Loads CA name; with pass_spec non-NULL also decrypts its key. */
int	ca_load(struct ca_ctx *ctx, const char *name, const char *pass_spec,
	    struct ca_handle *h);
void	ca_handle_clear(struct ca_handle *h);

/* Path of a file in the CA directory, e.g. ("keys", "root", ".key"). */
int	ca_path(const struct ca_ctx *ctx, const char *sub, const char *name,
	    const char *ext, char *buf, size_t len);

/* The URLs a certificate of a CA points at; "" for none. */
struct ca_urls {
	char		 crl[1024];	/* CRL distribution point: its shard's */
	char		 freshest[1024];	/* delta CRL of that shard */
	char		 ocsp[1024];
	char		 issuers[1024];	/* caIssuers: the CA's certificate */
};

/*
 * The URLs of the certificate with serial (hex) issued by CA ca: the CRL
 * of the certificate's shard, its delta CRL when ca publishes them, the
 * OCSP responder and the CA certificate.
 */
void	ca_urls(const struct ca_ctx *ctx, const struct store_ca *ca,
	    const char *serial, struct ca_urls *u);

/*
 * The file name of a CRL of CA ca, as published under BASE/crl/ and in
 * dir/crl/: NAME.crl, NAME.K.crl for shard K of a sharded CA, and
 * NAME.delta.crl, NAME.K.delta.crl for their delta CRLs.
 */
void	ca_crl_name(const struct store_ca *ca, int shard, int delta, char *buf,
	    size_t len);

/* BASE/crl/ and the file name of ca_crl_name(). */
void	ca_crl_url(const struct ca_ctx *ctx, const struct store_ca *ca,
	    int shard, int delta, char *buf, size_t len);

/*
 * Records cert in the database with an audit record, in the caller's
 * transaction. KALIT_ERR_DUPLICATE if its serial is taken.
 */
int	ca_record(struct ca_ctx *ctx, X509 *cert, const char *ca_name,
	    const char *profile, const char *action, const char *renewed_from);

/*
 * store_cert_get() of a serial an operator gave: KALIT_ERR_SERIAL_UNKNOWN,
 * with a message, when this CA did not issue it. Clear *c with
 * store_cert_clear().
 */
int	ca_cert_get(struct ca_ctx *ctx, const char *serial,
	    struct store_cert *c);

/* Writes the PEM of cert to path, created exclusively. */
int	ca_write_cert(X509 *cert, const char *path);

/* Row → JSON object; new reference. */
json_t	*ca_cert_json(const struct store_cert *c);


/* Prints a JSON value to stdout and frees it. */
void	ca_print_json(json_t *v);

int	cmd_init(struct ca_ctx *, const struct ca_opts *);
int	cmd_ca_new(struct ca_ctx *);
int	cmd_ca_list(struct ca_ctx *);
int	cmd_issue(struct ca_ctx *);
int	cmd_renew(struct ca_ctx *);
int	cmd_revoke(struct ca_ctx *);
int	cmd_hold(struct ca_ctx *);
int	cmd_release(struct ca_ctx *);
int	cmd_crl(struct ca_ctx *);
int	cmd_responder(struct ca_ctx *);
int	cmd_list(struct ca_ctx *);
int	cmd_show(struct ca_ctx *);
int	cmd_audit_verify(struct ca_ctx *);
int	cmd_audit_archive(struct ca_ctx *);

#endif
