/* sigverify.h: who signed a document, and does the signature hold? */
#ifndef KALIT_SIGVERIFY_H
#define KALIT_SIGVERIFY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include "cms.h"
#include "digest.h"
#include "identity.h"
#include "ocsp.h"
#include "tsp.h"
#include "validate.h"

#define SIGVERIFY_SIGNERS_MAX	64	/* signers of one signature */

/* ETSI EN 319 102-1 main indications, best first. */
enum sig_indication {
	SIG_TOTAL_PASSED = 0,
	SIG_INDETERMINATE,
	SIG_TOTAL_FAILED
};

/*
 * ETSI EN 319 102-1 sub-indications kalit gives; each implies its main
 * indication (sig_sub_indication()). Those of the signature timestamp
 * (SIG_SUB_TS_*) have the standard's names of the same failures of the
 * signature, and their own explanations; so do the last three, causes of
 * the signer's certificate that the standard groups under one name.
 */
enum sig_sub {
	SIG_SUB_NONE = 0,			/* TOTAL-PASSED */
	SIG_SUB_FORMAT_FAILURE,			/* TOTAL-FAILED */
	SIG_SUB_HASH_FAILURE,			/* TOTAL-FAILED */
	SIG_SUB_SIG_CRYPTO_FAILURE,		/* TOTAL-FAILED */
	SIG_SUB_REVOKED,			/* TOTAL-FAILED */
	SIG_SUB_NO_SIGNING_CERTIFICATE_FOUND,	/* INDETERMINATE */
	SIG_SUB_NO_CERTIFICATE_CHAIN_FOUND,	/* INDETERMINATE */
	SIG_SUB_OUT_OF_BOUNDS_NO_POE,		/* INDETERMINATE */
	SIG_SUB_CHAIN_CONSTRAINTS_FAILURE,	/* INDETERMINATE */
	SIG_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE, /* INDETERMINATE */
	SIG_SUB_SIGNED_DATA_NOT_FOUND,		/* INDETERMINATE */
	SIG_SUB_TRY_LATER,			/* INDETERMINATE */
	SIG_SUB_TS_FORMAT_FAILURE,		/* TOTAL-FAILED */
	SIG_SUB_TS_SIG_CRYPTO_FAILURE,		/* TOTAL-FAILED */
	SIG_SUB_TS_HASH_FAILURE,		/* TOTAL-FAILED: a token over
						   other data */
	SIG_SUB_TS_NO_CERTIFICATE_CHAIN_FOUND,	/* INDETERMINATE: an
						   untrusted TSA */
	SIG_SUB_TS_CHAIN_CONSTRAINTS_FAILURE,	/* INDETERMINATE: not a TSA
						   certificate */
	SIG_SUB_CA_CERTIFICATE,			/* CHAIN_CONSTRAINTS_FAILURE:
						   the signer's is a CA's */
	SIG_SUB_IDENTITY,			/* CHAIN_CONSTRAINTS_FAILURE:
						   an ambiguous identity or
						   control characters */
	SIG_SUB_KEY_WEAK,			/* CRYPTO_CONSTRAINTS_FAILURE_
						   NO_POE: a weak key in the
						   path */
	SIG_SUB__MAX
};

/* What became of one signer. Everything is owned by the report. */
struct sig_signer {
	enum sig_indication indication;
	enum sig_sub	 sub;
	X509		*cert;		/* the signer's, or NULL */
	STACK_OF(X509)	*chain;		/* the trusted path, cert first and
					   the root last; NULL: none */
	struct identity	 id;		/* empty without cert, or when
					   id_err is not KALIT_OK */
	int		 id_err;	/* identity_from_cert()'s result */
	const char	*profile;	/* "citizen", "official" or NULL:
					   by policy, with a trusted path */
	const char	*digest_alg;	/* "sha256", ...: static; NULL */
	int64_t		 signing_time;	/* claimed; 0: none */
	enum cms_ess	 ess;
	struct tsp_info	 ts;		/* the signature timestamp; status
					   TSP_NONE: none */
	int64_t		 cert_time;	/* when the certificate was judged:
					   ts.gen_time when ts is valid, else
					   the validation time */
	int		 rev_asked;	/* validate_revocation_path() ran */
	struct rev_status rev;		/* its answer, when rev_asked: the
					   signer's, or that of the CA of the
					   chain that failed */
	int		 rev_depth;	/* whose: the index in chain */
	int		 revoked_after_ts; /* revoked, but after ts.gen_time:
					   TOTAL-PASSED */
};

/*
 * One verification: the signers in the order of the SignerInfos, and
 * the worst of their indications.
 */
struct sig_report {
	int64_t		 validation_time;
	int		 detached;
	enum sig_indication indication;
	unsigned char	 sha256[32];	/* of the document, if known */
	int		 have_sha256;
	size_t		 n;
	struct sig_signer *signers;
};

struct sigverify_config {
	struct validator *validator;	/* trust and revocation; borrowed */
	const char	*citizen_oid;	/* NULL: 1.3.6.1.5.5.7.13.1 */
	const char	*official_oid;	/* NULL: 1.3.6.1.5.5.7.13.2 */
	int		 min_rsa_bits;	/* validate_keys(); 0: the */
	int		 min_ec_bits;	/* VALIDATE_MIN_* defaults */
	int64_t		 now;		/* the validation time */
};

/*
 * Verifies every signer of cms (as cms_parse_signed() gives it) against
 * the document's digests in ds: cms_digest_algs() says which to compute;
 * for an attached signature they are those of its content, for a
 * detached one of the document given (a signer whose algorithm ds lacks
 * is INDETERMINATE/SIGNED_DATA_NOT_FOUND). Per signer, in this order:
 * structure and algorithms as cms_signer_check() judges them
 * (FORMAT_FAILURE; CRYPTO_CONSTRAINTS_FAILURE_NO_POE for a weak
 * algorithm), the signer's certificate in cms
 * (NO_SIGNING_CERTIFICATE_FOUND), the signature over the signed
 * attributes (SIG_CRYPTO_FAILURE), signing-certificate-v2 when present
 * (SIG_CRYPTO_FAILURE when it names another certificate), the message
 * digest (HASH_FAILURE), the path at cfg->now (NO_CERTIFICATE_CHAIN_FOUND,
 * OUT_OF_BOUNDS_NO_POE), an end entity's certificate
 * (SIG_SUB_CA_CERTIFICATE), the keys of the path (SIG_SUB_KEY_WEAK), the
 * identity (SIG_SUB_IDENTITY), key usage for signing
 * (CHAIN_CONSTRAINTS_FAILURE), revocation of the certificate and of every
 * CA of its chain below the trust anchor (REVOKED; TRY_LATER when unknown
 * or on hold). The first failure decides; a signature that fails
 * before its path is checked asks no revocation server.
 * A signer with a signature timestamp (CAdES-T) has it checked after the
 * message digest (tsp_token_verify() with the outer certificates as
 * extra: SIG_SUB_TS_*); a valid one moves the path check to its genTime,
 * and a revocation after genTime passes (revoked_after_ts). Revocation
 * is asked as of cfg->now either way.
 * KALIT_ERR_MALFORMED when cms has no signer, KALIT_ERR_TOO_LARGE when it
 * has more than SIGVERIFY_SIGNERS_MAX; on KALIT_OK caller frees
 * *reportp with sig_report_free().
 */
int	sigverify_run(const struct sigverify_config *cfg,
	    CMS_ContentInfo *cms, const struct digest_set *ds,
	    struct sig_report **reportp);

void	sig_report_free(struct sig_report *r);

/*
 * KALIT_OK when every signer is TOTAL-PASSED; else
 * KALIT_ERR_SIG_FAILED when one is TOTAL-FAILED,
 * KALIT_ERR_SIG_INDETERMINATE otherwise.
 */
int	sig_report_err(const struct sig_report *r);

/*
 * The report as the JSON object "kalit verify --json" prints and the
 * verification API returns (see kalit(1)); new reference, NULL when out
 * of memory.
 */
json_t	*sig_report_json(const struct sig_report *r);

/* "TOTAL-PASSED", "INDETERMINATE", "TOTAL-FAILED"; static. */
const char *sig_indication_name(enum sig_indication i);

/* "HASH_FAILURE", ...; NULL for SIG_SUB_NONE. Static. */
const char *sig_sub_name(enum sig_sub s);

/* What the sub-indication means and what to do, one sentence; static. */
const char *sig_sub_text(enum sig_sub s);

/*
 * What the signer's verdict means, one sentence: sig_sub_text(), or for
 * a signer judged at its timestamp's time, words that say so; static.
 */
const char *sig_signer_detail(const struct sig_signer *s);

/* The main indication a sub-indication implies. */
enum sig_indication sig_sub_indication(enum sig_sub s);

/* "valid", "absent", "mismatch", "malformed"; static. */
const char *sig_ess_name(enum cms_ess e);

#endif
