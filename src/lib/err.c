/* err.c: names, explanations and exit statuses of kalit error codes */
#include "err.h"

#include <stddef.h>

struct err_entry {
	const char	*name;
	const char	*text;
	int		 exit_status;
};

/* Indexed by -code. Exit statuses: see EXIT STATUS in kalit-ca(1). */
static const struct err_entry err_table[] = {
	{ "ok", "success", 0 },
	{ "out_of_memory", "out of memory", 70 },
	{ "internal_error", "internal error; report it with the log", 70 },
	{ "usage", "wrong usage; see the man page", 1 },
	{ "io_error", "a file could not be read or written; check the path "
	    "and permissions", 5 },
	{ "database_error", "the database could not be read or written; run "
	    "'sqlite3 DB \"PRAGMA integrity_check\"' and check free space", 5 },
	{ "file_exists", "the output file already exists; choose another "
	    "name or move the old file away", 3 },
	{ "passphrase_wrong", "the passphrase does not open the key", 4 },
	{ "passphrase_missing", "no passphrase given and no terminal to ask "
	    "on; use file:PATH, env:VAR or fd:N", 4 },
	{ "pinfl_invalid", "a PINFL is exactly 14 digits", 2 },
	{ "tin_invalid", "a TIN is exactly 9 digits", 2 },
	{ "subject_invalid", "the identity is incomplete or has characters "
	    "that are not allowed", 2 },
	{ "profile_unknown", "unknown or unusable profile; see the profiles "
	    "directory", 2 },
	{ "key_type_unknown", "unknown key type; use p256, p384, rsa3072 or "
	    "ed25519", 2 },
	{ "input_malformed", "the input is not well-formed DER, PEM or JSON", 2 },
	{ "input_too_large", "the input is larger than allowed", 2 },
	{ "csr_signature_invalid", "the request's signature does not verify "
	    "with its own public key", 2 },
	{ "csr_key_weak", "the request's key is too weak or of a type the "
	    "profile does not allow", 2 },
	{ "serial_unknown", "no certificate with that serial number in this "
	    "CA's database", 3 },
	{ "already_revoked", "the certificate is already revoked", 3 },
	{ "not_on_hold", "the certificate is not on hold", 3 },
	{ "reason_invalid", "unknown revocation reason", 2 },
	{ "ca_unknown", "no such CA in this directory; see 'kalit-ca ca-list'",
	    3 },
	{ "ca_exists", "that CA already exists", 3 },
	{ "ca_dir_invalid", "not a CA directory (run 'kalit-ca init') or "
	    "already initialised", 3 },
	{ "audit_chain_broken", "the audit log's hash chain is broken", 6 },
	{ "ca_profile_mismatch", "the CA does not issue certificates of that "
	    "profile", 2 },
	{ "config_invalid", "the configuration or profile file is invalid", 2 },
	{ "key_mismatch", "the private key does not match the certificate", 2 },
	{ "duplicate", "a record with that key already exists", 3 },
	{ "already_on_hold", "the certificate is already on hold", 3 },
	{ "ca_revoked", "the signing CA's certificate is revoked or on hold; "
	    "it signs nothing", 3 },
};

_Static_assert(sizeof(err_table) / sizeof(err_table[0]) ==
    1 - KALIT_ERR__MIN, "every enum kalit_err code needs a table entry");

static const struct err_entry *
err_lookup(int err)
{
	if (err > 0 || err < KALIT_ERR__MIN)
		return &err_table[-KALIT_ERR_INTERNAL];
	return &err_table[-err];
}

const char *
kalit_errname(int err)
{
	return err_lookup(err)->name;
}

const char *
kalit_strerror(int err)
{
	return err_lookup(err)->text;
}

int
kalit_exit_status(int err)
{
	return err_lookup(err)->exit_status;
}
