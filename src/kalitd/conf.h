/* conf.h: kalitd.conf (see kalitd.conf(5)) */
#ifndef KALITD_CONF_H
#define KALITD_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "validate.h"

#define CONFIG_MAX_SIZE		(64 * 1024)
/* [verify] max_body: bytes of one POST /v1/verify body */
#define CONFIG_VERIFY_BODY_DEFAULT	(4 * 1024 * 1024)
#define CONFIG_VERIFY_BODY_MIN		(64 * 1024)
#define CONFIG_VERIFY_BODY_MAX		(64 * 1024 * 1024)

struct config {
	char		*path;
	/* [server] */
	char		*listen;		/* IPv4 or IPv6 address */
	int		 port;
	int		 mtls_port;		/* client certificates; 0 */
	char		*mtls_url;		/* how clients reach it */
	int		 threads;
	char		*database;
	char		*trust_dir;
	char		*issuer;		/* "iss" of every token */
	size_t		 max_body;
	int		 connection_timeout;	/* seconds */
	int		 max_connections;
	int		 max_per_address;	/* connections of one address */
	int64_t		 request_timeout;	/* seconds for a whole request */
	int		 auth_max_failures;	/* of a client, from an address */
	int64_t		 auth_window;		/* seconds */
	int		 behind_proxy;		/* plain HTTP off loopback allowed */
	char		*tls_key_file;		/* PKCS#12: HTTPS when set */
	char		*tls_passphrase;	/* a secret_read() spec */
	/* [token] */
	char		*key_dir;
	char		*key_passphrase;	/* a secret_read() spec */
	int64_t		 token_lifetime;
	/* [challenge] */
	int64_t		 challenge_lifetime;
	size_t		 challenges_max;	/* used ones remembered */
	size_t		 challenges_max_client;	/* ... of one client; 0: no cap */
	size_t		 challenges_max_address; /* ... from one address */
	/* [policy] */
	char		*citizen_oid;
	char		*official_oid;
	char		*system_oid;		/* agencies' information systems */
	int		 min_rsa_bits;		/* of every key of a path */
	int		 min_ec_bits;
	/* [revocation]; its strings point into this struct */
	struct validate_config rev;
	char		*ocsp_url;
	char		*crl_dir;
	int		 fetch_threads;		/* downloads off the request
						   threads */
	/* [cache]: byte budgets (rev.status_bytes and rev.crl_bytes too) */
	size_t		 cache_certificates;	/* the login certificate cache */
	size_t		 ocsp_cache_bytes;	/* the responder's answers */
	/* [responder]: OCSP and CRLs from the CA database */
	char		*ca_database;		/* NULL: no responder */
	char		*signer_dir;		/* responder key files */
	char		*signer_passphrase;	/* a secret_read() spec */
	int64_t		 ocsp_next_update;	/* seconds */
	size_t		 ocsp_cache_max;	/* answers kept; 0: none */
	long		 ocsp_poll_ms;
	int64_t		 http_max_age;		/* Cache-Control max-age */
	/* [timestamp]: the RFC 3161 TSA */
	char		*tsa_key_file;		/* NULL: no TSA */
	char		*tsa_passphrase;	/* a secret_read() spec */
	char		*tsa_policy;		/* OID */
	int		 tsa_accuracy;		/* seconds */
	/* [verify]: POST /v1/verify */
	size_t		 verify_max_body;	/* bytes of one request */
	/* [audit] */
	int64_t		 audit_summary_interval; /* seconds */
	/* [oidc]: the OpenID Provider; on when the section has a setting */
	int		 oidc;			/* on */
	char		*public_origin;		/* the login page's origin */
	char		*www_dir;		/* the page's files */
	char		*brand_dir;		/* the operator's; or NULL */
	int64_t		 session_lifetime;	/* seconds of a browser session */
	int64_t		 code_lifetime;		/* seconds of a code */
	int64_t		 login_lifetime;	/* seconds of a login request */
	size_t		 cache_sessions;	/* [cache] sessions: bytes */
	size_t		 cache_codes;		/* [cache] codes: bytes */
	size_t		 cache_assertions;	/* [cache] assertions: bytes */
	size_t		 cache_tokens;		/* [cache] tokens: bytes */
	char		*hardware_key_oid;	/* [policy] hardware_key */
};

/*
 * Reads path (INI; relative paths in it are relative to its directory),
 * fills the defaults and checks every value. KALIT_ERR_CONFIG, with the
 * line and the reason logged, for anything wrong. Caller frees *cp with
 * config_free().
 */
int	config_load(const char *path, struct config **cp);
void	config_free(struct config *c);

#endif
