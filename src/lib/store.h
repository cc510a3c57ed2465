/* store.h: the CA database: certificates, status, CAs, CRL numbers, audit log */
#ifndef KALIT_STORE_H
#define KALIT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "x509.h"

#define STORE_HASH_HEX	64	/* SHA-256 in hex */

enum store_status {
	STORE_VALID = 0,
	STORE_REVOKED,
	STORE_HOLD,
	STORE_EXPIRED,		/* derived: valid but past notAfter */
	STORE_STATUS__MAX
};

struct store_cert {
	char		 serial[X509_SERIAL_HEX_MAX + 1];
	char		 ca[PROFILE_NAME_MAX + 1];	/* issuer's CA name */
	char		 profile[PROFILE_NAME_MAX + 1];
	char		*subject;		/* RFC 2253 text, owned */
	char		 pinfl[16];		/* "" when absent */
	char		 tin[16];		/* personal TIN */
	char		 org_tin[16];
	int64_t		 not_before;
	int64_t		 not_after;
	int64_t		 issued;
	int		 status;		/* enum store_status */
	int64_t		 revoked_at;		/* 0 unless revoked or held */
	int		 reason;		/* CRL_REASON_*, -1 unless revoked */
	char		 renewed_from[X509_SERIAL_HEX_MAX + 1];
	unsigned char	*der;			/* owned */
	size_t		 der_len;
};

struct store_ca {
	char		 name[PROFILE_NAME_MAX + 1];
	char		 profile[PROFILE_NAME_MAX + 1];	/* "root" or what it issues */
	char		 parent[PROFILE_NAME_MAX + 1];	/* "" for the root */
	char		 serial[X509_SERIAL_HEX_MAX + 1];
	int64_t		 crl_number;		/* last CRL number used */
	int		 crl_shards;		/* CRL shards, 1 .. STORE_SHARDS_MAX */
	int		 delta_crl;		/* 1: delta CRLs are published */
};

#define STORE_SHARDS_MAX	256

/*
 * A signed CRL as published (kalit-ca crl): the full CRL or the delta CRL
 * of shard shard (0 for a CA of one shard) of CA ca.
 */
struct store_crl {
	char		 ca[PROFILE_NAME_MAX + 1];
	int		 shard;		/* 0 .. crl_shards - 1 */
	int		 delta;		/* 1: a delta CRL */
	int64_t		 number;	/* its CRL number */
	int64_t		 base_number;	/* delta: its base CRL's number; else 0 */
	int64_t		 this_update;
	int64_t		 next_update;
	int64_t		 audit_seq;	/* the last audit record it reflects */
	unsigned char	*der;		/* owned */
	size_t		 der_len;
};

/* The newest CRLs kept per (ca, shard, delta); older ones are dropped. */
#define STORE_CRL_KEEP	3

struct store_filter {
	int		 status;	/* enum store_status, or -1 for any */
	const char	*profile;	/* NULL: any */
	const char	*ca;
	const char	*pinfl;
	const char	*tin;		/* personal or organisation TIN */
	int64_t		 now;		/* for STORE_VALID / STORE_EXPIRED */
	int64_t		 expires_before; /* 0: any; else not_after < this */
};

struct store_audit {
	int64_t		 seq;
	int64_t		 time;
	const char	*actor;
	const char	*action;
	const char	*serial;	/* "" when none */
	const char	*detail;
	char		 hash[STORE_HASH_HEX + 1];
};

#define STORE_CLIENT_ID_MAX	64

/* Relying systems (kalitd clients) and what they accept. */
enum store_acr {
	STORE_ACR_CITIZEN = 1u << 0,
	STORE_ACR_OFFICIAL = 1u << 1,
	STORE_ACR_SYSTEM = 1u << 2	/* an agency's information system:
					   client credentials, no person */
};

/* How a client authenticates at the token endpoints. */
enum store_auth {
	STORE_AUTH_BASIC = 0,		/* client_secret_basic */
	STORE_AUTH_POST,		/* client_secret_post */
	STORE_AUTH_JWT,			/* private_key_jwt */
	STORE_AUTH_NONE,		/* none: a public client */
	STORE_AUTH__MAX
};

/* What a client registered besides its id (store_client_extra_list()). */
enum store_uri {
	STORE_URI_REDIRECT = 0,		/* redirect_uris */
	STORE_URI_POST_LOGOUT,		/* post_logout_redirect_uris */
	STORE_URI_BACKCHANNEL,		/* backchannel_logout_uri */
	STORE_CLIENT_JWKS,		/* its public keys, JSON text */
	STORE_CLIENT_NAME,		/* client_name: the login page shows it */
	STORE_CLIENT_TIN,		/* a system's organisation TIN */
	STORE_CLIENT_SYSTEM,		/* a system's name: its certificate's CN */
	STORE_CLIENT_SCOPE,		/* a scope a system may ask for */
	STORE_URI_AUDIENCE,		/* an API (resource) it may ask for */
	STORE_URI_RESOURCE,		/* an API it serves: it introspects */
	STORE_URI__MAX
};

#define STORE_URI_MAX		2048	/* bytes of one URI */
#define STORE_URIS_MAX		16	/* URIs of one kind */
#define STORE_JWKS_MAX		16384	/* bytes of a client's JWKS */

struct store_client {
	char		 id[STORE_CLIENT_ID_MAX + 1];
	char		 secret_hash[STORE_HASH_HEX + 1]; /* SHA-256, hex */
	unsigned int	 acr;		/* enum store_acr bits */
	int64_t		 created;
	int		 public_client;	/* no secret; PKCE required */
	int		 auth_method;	/* enum store_auth */
};

struct store;

/*
 * Opens (with create: creates, refusing an existing one) the database at
 * path. KALIT_ERR_CA_DIR if it does not exist (or exists with create).
 * Caller frees *sp with store_free().
 */
int	store_open(const char *path, int create, struct store **sp);
/*
 * Opens an existing CA database for reading only (kalitd's OCSP responder
 * and CRL publication): KALIT_ERR_CA_DIR when path is unreadable,
 * KALIT_ERR_DB when it is no CA database. Caller frees with store_free().
 */
int	store_open_readonly(const char *path, struct store **sp);
void	store_free(struct store *s);

/* Write transactions (BEGIN IMMEDIATE). Rollback is harmless when none. */
int	store_begin(struct store *s);
int	store_commit(struct store *s);
void	store_rollback(struct store *s);

/*
 * A read transaction: every read until store_snapshot_end() sees the
 * database as it was at the first, while writers go on (WAL). No writes
 * in between.
 */
int	store_snapshot_begin(struct store *s);
void	store_snapshot_end(struct store *s);

/* KALIT_ERR_DUPLICATE when the serial exists. */
int	store_cert_put(struct store *s, const struct store_cert *c);

/* KALIT_ERR_SERIAL_UNKNOWN when absent; caller frees with store_cert_clear(). */
int	store_cert_get(struct store *s, const char *serial,
	    struct store_cert *c);

/* Sets status, revocation time and reason of an existing certificate. */
int	store_cert_set_status(struct store *s, const char *serial, int status,
	    int64_t revoked_at, int reason);

/*
 * Calls cb for each certificate matching f, oldest first; a non-zero
 * return from cb stops the walk and is returned. The row is borrowed.
 */
int	store_cert_list(struct store *s, const struct store_filter *f,
	    int (*cb)(const struct store_cert *, void *), void *arg);

/*
 * Calls cb for each revoked or held certificate issued by ca, in serial
 * order (kalit's serials all have 32 hex digits, so text order is
 * numeric order). The serial is borrowed.
 */
int	store_revoked_list(struct store *s, const char *ca,
	    int (*cb)(const char *serial, int64_t revoked_at, int reason,
	    void *), void *arg);

/*
 * Audit actions that change a certificate's status: a delta CRL lists the
 * certificates they touched after its base CRL's audit_seq.
 */
#define STORE_STATUS_ACTIONS	"'revoke', 'hold', 'release'"

/*
 * Calls cb, in serial order, for each certificate of ca whose status an
 * audit record after sequence number after changed, with its status now
 * (enum store_status; revoked_at and reason as in struct store_cert).
 */
int	store_changed_list(struct store *s, const char *ca, int64_t after,
	    int (*cb)(const char *serial, int status, int64_t revoked_at,
	    int reason, void *), void *arg);

/*
 * The sequence number of the last audit record after after that changed
 * the status of a certificate of ca, or 0 when none did.
 */
int	store_changed_last(struct store *s, const char *ca, int64_t after,
	    int64_t *seqp);

/* Records a CA, with its crl_shards (0 counts as 1) and delta_crl. */
int	store_ca_put(struct store *s, const struct store_ca *ca);
/* KALIT_ERR_CA_UNKNOWN when absent. */
int	store_ca_get(struct store *s, const char *name, struct store_ca *ca);
int	store_ca_list(struct store *s, int (*cb)(const struct store_ca *,
	    void *), void *arg);

/* Increments and returns the CA's CRL number (inside a transaction). */
int	store_crl_number_next(struct store *s, const char *ca, int64_t *np);

/*
 * Stores a signed CRL (in the caller's transaction, with its CRL number and
 * audit record) and drops all but the newest STORE_CRL_KEEP of its (ca,
 * shard, delta). KALIT_ERR_DUPLICATE if that number is stored already.
 */
int	store_crl_put(struct store *s, const struct store_crl *crl);

/*
 * The newest stored CRL of (ca, shard, delta): KALIT_ERR_NOT_FOUND when
 * there is none. On KALIT_OK the caller frees with store_crl_clear().
 */
int	store_crl_latest(struct store *s, const char *ca, int shard, int delta,
	    struct store_crl *crl);

/* store_crl_latest() without reading the DER: crl->der is NULL. */
int	store_crl_head(struct store *s, const char *ca, int shard, int delta,
	    struct store_crl *crl);

/*
 * Calls cb for each stored CRL, without its DER, by CA and number; the row
 * is borrowed for the call.
 */
int	store_crl_list(struct store *s,
	    int (*cb)(const struct store_crl *, void *), void *arg);

/* Frees what store_crl_latest() allocated; the struct itself is not freed. */
void	store_crl_clear(struct store_crl *crl);

/*
 * A number that changes whenever another connection commits a change to
 * the database: cheap to poll (SQLite's PRAGMA data_version).
 */
int	store_data_version(struct store *s, int64_t *vp);

/* Settings; KALIT_ERR_CONFIG when the key is absent. */
int	store_meta_get(struct store *s, const char *key, char *buf,
	    size_t len);
int	store_meta_set(struct store *s, const char *key, const char *value);

/* Last audit record's sequence number and hash (0 and "" when empty). */
int	store_audit_last(struct store *s, int64_t *seqp,
	    char hash[STORE_HASH_HEX + 1]);
/*
 * Stores a record as given, and moves the recorded head (see
 * store_audit_head()) on to it if its sequence number is the highest put:
 * in the caller's transaction, else in one of its own, so that record and
 * head land together.
 */
int	store_audit_put(struct store *s, const struct store_audit *a);
/* The audit records after sequence number after (0: all), in order. */
int	store_audit_list(struct store *s, int64_t after,
	    int (*cb)(const struct store_audit *, void *), void *arg);
/*
 * Calls cb with record seq (borrowed for the call):
 * KALIT_ERR_NOT_FOUND when there is none.
 */
int	store_audit_get(struct store *s, int64_t seq,
	    int (*cb)(const struct store_audit *, void *), void *arg);

/*
 * The head as the last write recorded it, in a table of one row kept
 * apart from the log: the highest record ever put (with the records of
 * this connection's open transaction), even if it was deleted since.
 * KALIT_ERR_NOT_FOUND when the row is missing.
 */
int	store_audit_head(struct store *s, int64_t *seqp,
	    char hash[STORE_HASH_HEX + 1]);

#define STORE_ANCHOR_FILE_MAX	1024

/*
 * One run of audit archiving: records first_seq to seq, whose hashes chain
 * from prev_hash ("" from the first record), were written to file and
 * deleted; the table's chain goes on from seq and hash.
 */
struct store_audit_anchor {
	int64_t		 seq;		/* the last record archived */
	char		 hash[STORE_HASH_HEX + 1];
	int64_t		 first_seq;
	char		 prev_hash[STORE_HASH_HEX + 1];
	int64_t		 before;	/* every record archived is older */
	int64_t		 archived;	/* when */
	int64_t		 records;
	char		 file[STORE_ANCHOR_FILE_MAX + 1];	/* as given */
};

/* The newest anchor: KALIT_ERR_NOT_FOUND when nothing was archived. */
int	store_audit_anchor_last(struct store *s,
	    struct store_audit_anchor *a);
/* Every anchor, oldest first; the row is borrowed for the call. */
int	store_audit_anchor_list(struct store *s,
	    int (*cb)(const struct store_audit_anchor *, void *), void *arg);
/*
 * Archives: deletes the records up to a->seq and records a, in the
 * caller's transaction. *np is the number of records deleted.
 */
int	store_audit_archive(struct store *s,
	    const struct store_audit_anchor *a, int64_t *np);

/*
 * Audit actions that record a certificate made, with its serial: a
 * certificate row has one of them.
 */
#define STORE_ISSUE_ACTIONS \
	"'init', 'ca-new', 'issue', 'renew', 'responder'"

/*
 * What the audit log says of one certificate, beside its row: the issuing
 * records (STORE_ISSUE_ACTIONS) and the last status record
 * (STORE_STATUS_ACTIONS) naming its serial.
 */
struct store_cert_history {
	const char		*serial;
	const struct store_cert	*cert;		/* its row; NULL if none */
	int64_t			 issued_seq;	/* first issuing record, or 0 */
	int64_t			 issued_count;
	struct store_audit	 last;		/* last status record; seq 0
						   when none */
};

/*
 * Calls cb for each serial in the certificate table or named by an issuing
 * or status record, in serial order, with what the log says of it; the
 * row (no subject, no DER) and record are borrowed for the call. Reads
 * every certificate and audit record with memory that stays flat.
 */
int	store_cert_history_list(struct store *s,
	    int (*cb)(const struct store_cert_history *, void *), void *arg);

/* KALIT_ERR_DUPLICATE when the id exists. */
int	store_client_put(struct store *s, const struct store_client *c);
/* KALIT_ERR_CLIENT_UNKNOWN when absent. */
int	store_client_del(struct store *s, const char *id);
/* Calls cb for each client by id; the row is borrowed. */
int	store_client_list(struct store *s, int (*cb)(const struct store_client *,
	    void *), void *arg);
/* Sets the client's JWKS (JSON text, borrowed); NULL clears it. */
int	store_client_jwks_set(struct store *s, const char *id,
	    const char *jwks);
/* Registers uri (enum store_uri kind) for client id. */
int	store_client_uri_put(struct store *s, const char *id, int kind,
	    const char *uri);
/*
 * Calls cb for each URI and JWKS registered (kind an enum store_uri), by
 * client id then kind; the strings are borrowed for the call.
 */
int	store_client_extra_list(struct store *s, int (*cb)(const char *id,
	    int kind, const char *value, void *), void *arg);

/* Records a revoked session token until exp; revoking twice is no error. */
int	store_token_revoke(struct store *s, const char *jti, const char *client,
	    int64_t exp);
/* Calls cb for each revoked token that has not expired at now. */
int	store_token_revoked_list(struct store *s, int64_t now,
	    int (*cb)(const char *jti, int64_t exp, void *), void *arg);
/* Forgets revoked tokens that expired before now. */
int	store_token_prune(struct store *s, int64_t now);

/* Frees what store_cert_get() allocated; the struct itself is not freed. */
void	store_cert_clear(struct store_cert *c);

/* The status as seen at now: STORE_EXPIRED for a valid one past notAfter. */
int	store_cert_status(const struct store_cert *c, int64_t now);

/* "valid", "revoked", "hold", "expired" ↔ enum store_status. */
const char *store_status_name(int status);
int	store_status_parse(const char *name, int *statusp);

#endif
