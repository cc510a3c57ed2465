/* err.h: one set of error codes for every kalit program */
#ifndef KALIT_ERR_H
#define KALIT_ERR_H

/*
 * Each code has a stable string name (kalit_errname()) that reaches users
 * and HTTP clients and is listed in the man pages; never renumber or rename.
 */
enum kalit_err {
	KALIT_OK = 0,
	KALIT_ERR_NOMEM = -1,
	KALIT_ERR_INTERNAL = -2,
	KALIT_ERR_USAGE = -3,
	KALIT_ERR_IO = -4,
	KALIT_ERR_DB = -5,
	KALIT_ERR_FILE_EXISTS = -6,
	KALIT_ERR_PASSPHRASE = -7,
	KALIT_ERR_PASSPHRASE_MISSING = -8,
	KALIT_ERR_PINFL = -9,
	KALIT_ERR_TIN = -10,
	KALIT_ERR_SUBJECT = -11,
	KALIT_ERR_PROFILE = -12,
	KALIT_ERR_KEY_TYPE = -13,
	KALIT_ERR_MALFORMED = -14,
	KALIT_ERR_TOO_LARGE = -15,
	KALIT_ERR_CSR_SIGNATURE = -16,
	KALIT_ERR_CSR_KEY_WEAK = -17,
	KALIT_ERR_SERIAL_UNKNOWN = -18,
	KALIT_ERR_ALREADY_REVOKED = -19,
	KALIT_ERR_NOT_ON_HOLD = -20,
	KALIT_ERR_REASON = -21,
	KALIT_ERR_CA_UNKNOWN = -22,
	KALIT_ERR_CA_EXISTS = -23,
	KALIT_ERR_CA_DIR = -24,
	KALIT_ERR_AUDIT_BROKEN = -25,
	KALIT_ERR_CA_MISMATCH = -26,
	KALIT_ERR_CONFIG = -27,
	KALIT_ERR_KEY_MISMATCH = -28,
	KALIT_ERR_DUPLICATE = -29,
	KALIT_ERR_ALREADY_ON_HOLD = -30,
	KALIT_ERR_CA_REVOKED = -31,
	KALIT_ERR_CHALLENGE_UNKNOWN = -32,
	KALIT_ERR_CHALLENGE_EXPIRED = -33,
	KALIT_ERR_CHALLENGE_REUSED = -34,
	KALIT_ERR_SIGNATURE = -35,
	KALIT_ERR_CONTENT_MISMATCH = -36,
	KALIT_ERR_CERT_UNTRUSTED = -37,
	KALIT_ERR_CERT_EXPIRED = -38,
	KALIT_ERR_CERT_NOT_YET_VALID = -39,
	KALIT_ERR_CERT_REVOKED = -40,
	KALIT_ERR_CERT_ON_HOLD = -41,
	KALIT_ERR_CERT_PURPOSE = -42,
	KALIT_ERR_CERT_POLICY = -43,
	KALIT_ERR_REVOCATION_UNKNOWN = -44,
	KALIT_ERR_CLIENT_UNKNOWN = -45,
	KALIT_ERR_CLIENT_AUTH = -46,
	KALIT_ERR_TOKEN_INVALID = -47,
	KALIT_ERR_NETWORK = -48,
	KALIT_ERR_SERVER = -49,
	KALIT_ERR_BUSY = -50,
	KALIT_ERR_CONTENT_MISSING = -51,
	KALIT_ERR_DOCUMENT_MISMATCH = -52,
	KALIT_ERR_KEY_UNSUPPORTED = -53,
	KALIT_ERR_SIG_FAILED = -54,
	KALIT_ERR_SIG_INDETERMINATE = -55,
	KALIT_ERR__MIN = -55
};

/* Stable machine name, e.g. "pinfl_invalid"; static storage. */
const char *kalit_errname(int err);

/* One-line human explanation with what to do next; static storage. */
const char *kalit_strerror(int err);

/* Exit status for a command-line program that failed with err (see man). */
int kalit_exit_status(int err);

#endif
