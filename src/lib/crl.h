/* crl.h: certificate revocation lists (RFC 5280 section 5) */
#ifndef KALIT_CRL_H
#define KALIT_CRL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Reasons are RFC 5280 CRLReason values: OpenSSL's CRL_REASON_* constants. */

/* RFC 5280 name ("keyCompromise") → value; KALIT_ERR_REASON otherwise. */
int	crl_reason_parse(const char *name, int *reasonp);

/* Value → RFC 5280 name; "unknown" for values outside the standard. */
const char *crl_reason_name(int reason);

/*
 * A CRL written entry by entry in bounded memory: the entries are encoded
 * as they are added, in the order added (store_revoked_list() gives serial
 * order), and cost their DER only.
 */
struct crl;

/*
 * Starts a CRL of issuer ca numbered number, thisUpdate this_update and
 * nextUpdate next_update, with the CRL number and authority key identifier
 * extensions. ca is borrowed until crl_free(). Caller frees *crlp with
 * crl_free().
 */
int	crl_new(X509 *ca, int64_t number, time_t this_update,
	    time_t next_update, struct crl **crlp);

/* Makes it a delta CRL of base CRL number base_number (critical). */
int	crl_set_delta(struct crl *crl, int64_t base_number);

/* A critical issuing distribution point naming url (a CRL shard's URL). */
int	crl_set_idp(struct crl *crl, const char *url);

/* A Freshest CRL extension: where the delta CRLs are. */
int	crl_set_freshest(struct crl *crl, const char *url);

/*
 * Adds an entry; the reason code extension is left out for unspecified.
 * KALIT_ERR_MALFORMED for a serial that is not positive hex,
 * KALIT_ERR_REASON for a reason RFC 5280 does not have.
 */
int	crl_add(struct crl *crl, const char *serial_hex, time_t revoked_at,
	    int reason);

/* Entries added so far. */
size_t	crl_count(const struct crl *crl);

/*
 * Signs with ca_key and encodes, once: afterwards crl only accepts
 * crl_free(). Caller frees *derp with OPENSSL_free().
 */
int	crl_sign(struct crl *crl, EVP_PKEY *ca_key, unsigned char **derp,
	    size_t *lenp);

void	crl_free(struct crl *crl);

/*
 * The CRL shard of a certificate: its serial (hex), as an integer, modulo
 * shards; 0 when shards <= 1, -1 when serial_hex is not hex.
 */
int	crl_shard(const char *serial_hex, int shards);

/* PEM text of a DER CRL; caller frees *pemp with free(). */
int	crl_to_pem(const unsigned char *der, size_t len, char **pemp);

#define CRL_MAX_SIZE	(20 * 1024 * 1024)	/* a CRL file or download */

struct rev_status;

/* Parses one CRL, DER or PEM; caller frees *crlp with X509_CRL_free(). */
int	crl_parse(const unsigned char *buf, size_t len, X509_CRL **crlp);

/*
 * Status of cert (issued by issuer) according to crl, which must be
 * issuer's complete CRL for cert, verify with issuer's key, have
 * thisUpdate not after now (5 minutes leeway) and a nextUpdate after now.
 * KALIT_OK, KALIT_ERR_CERT_REVOKED or KALIT_ERR_CERT_ON_HOLD (reason
 * certificateHold) with *st filled; KALIT_ERR_REVOCATION_UNKNOWN when crl
 * cannot tell.
 */
int	crl_status(X509_CRL *crl, X509 *cert, X509 *issuer, int64_t now,
	    struct rev_status *st);

/*
 * A directory of *.crl files (DER or PEM), each parsed again only when it
 * changes (inode, size or mtime). Parsed CRLs are kept while their
 * x509_parsed_cost() fits in budget bytes together; the others are read
 * again for each lookup (a warning says so once). Thread-safe.
 * KALIT_ERR_CONFIG (logged) when path cannot be opened as a directory;
 * one that goes away later holds no CRL. Caller frees *dp with
 * crl_dir_free(); path is copied.
 */
struct crl_dir;
int	crl_dir_new(const char *path, size_t budget, struct crl_dir **dp);
void	crl_dir_free(struct crl_dir *d);

/*
 * crl_status() per the newest (by thisUpdate) CRL in the directory that
 * establishes cert's status; KALIT_ERR_REVOCATION_UNKNOWN when none does.
 */
int	crl_dir_status(struct crl_dir *d, X509 *cert, X509 *issuer,
	    int64_t now, struct rev_status *st);

/* Forgets the parsed files; the next crl_dir_status() reads them again. */
void	crl_dir_flush(struct crl_dir *d);

#endif
