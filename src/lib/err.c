/* err.c: names, explanations and exit statuses of kalit error codes */
#include "config.h"

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
	{ "challenge_unknown", "the challenge was not issued by this server "
	    "(or before its restart); fetch a new one", 2 },
	{ "challenge_expired", "the challenge is too old; fetch a new one and "
	    "sign it at once", 2 },
	{ "challenge_reused", "the challenge was already used; each one is "
	    "good for one login attempt", 2 },
	{ "signature_invalid", "the signature does not verify with the "
	    "certificate it carries, or lacks the signed attributes it must "
	    "have (one content type, that of what it signs; one message "
	    "digest) or names contradictory algorithms", 4 },
	{ "content_mismatch", "the signed content is not the challenge", 4 },
	{ "certificate_untrusted", "the certificate does not chain to a "
	    "trusted root; check the key file's issuer", 4 },
	{ "certificate_expired", "the certificate has expired; renew the key "
	    "file", 4 },
	{ "certificate_not_yet_valid", "the certificate is not valid yet; "
	    "check the clock", 4 },
	{ "certificate_revoked", "the certificate is revoked; ask the CA for "
	    "a new key file", 4 },
	{ "certificate_on_hold", "the certificate is on hold; ask the CA to "
	    "release it", 4 },
	{ "certificate_purpose", "the certificate may not be used for this: "
	    "its key usage or extended key usage does not allow it, or it is "
	    "a CA certificate", 4 },
	{ "certificate_policy", "this relying system does not accept the "
	    "certificate's policy (citizen, official or system)", 4 },
	{ "revocation_unknown", "the certificate's revocation status could "
	    "not be established (OCSP and CRL); try again later", 4 },
	{ "client_unknown", "no registered client with that id; see "
	    "'kalitd client list'", 2 },
	{ "invalid_client", "client authentication failed; check the client "
	    "id and secret", 4 },
	{ "token_invalid", "the token is malformed, not signed by this "
	    "server, or inactive", 4 },
	{ "network_error", "the server could not be reached or answered "
	    "badly; check the URL and the network", 5 },
	{ "server_error", "the server refused the request; see its message",
	    5 },
	{ "server_busy", "the server is at its limit; try again shortly", 5 },
	{ "not_found", "nothing of that kind is stored yet (for a CRL: run "
	    "'kalit-ca crl')", 3 },
	{ "content_missing", "the signature is detached: give the document "
	    "it signs (kalit verify: --content FILE, or its SHA-256 with "
	    "--digest HEX)", 2 },
	{ "document_mismatch", "the document is not the one the signature "
	    "covers; give the document that was signed", 2 },
	{ "key_unsupported", "CMS signatures cannot be made with this key "
	    "type (Ed25519) with OpenSSL 3.0; use a p256, p384 or rsa3072 key "
	    "file", 2 },
	{ "signature_failed", "a signature is TOTAL-FAILED: the document or "
	    "the signature was altered, or a certificate is revoked; see the "
	    "report", 8 },
	{ "signature_indeterminate", "a signature is INDETERMINATE: it could "
	    "not be confirmed (untrusted or expired certificate, revocation "
	    "status unknown); see the report", 9 },
	{ "timestamp_refused", "the timestamp authority refused the request "
	    "(its reason is logged above); check the URL and the TSA", 5 },
	{ "timestamp_invalid", "the timestamp authority's answer is not a "
	    "timestamp for this request (status, nonce, message imprint or "
	    "token); check that the URL is an RFC 3161 TSA", 5 },
	{ "encoding_invalid", "a value that should be base64 (RFC 4648, padded, "
	    "no line breaks) is not", 2 },
	{ "digest_invalid", "the document's SHA-256 is 64 hexadecimal digits",
	    2 },
	{ "signature_malformed", "the signature is not a CMS SignedData with "
	    "a signer, DER or PEM", 2 },
	{ "challenge_client_mismatch", "the challenge was issued for another "
	    "client; fetch a new one for the client you log in to", 2 },
	{ "certificate_identity_invalid", "the certificate's identity is "
	    "missing, malformed or ambiguous (no PINFL of 14 digits, a PINFL "
	    "or TIN given twice) or holds control or bidirectional "
	    "characters; ask the CA for a corrected key file", 4 },
	{ "certificate_policy_missing", "the certificate is not a citizen's, "
	    "an official's or an information system's: it, or its issuing "
	    "CA, lacks the certificate policy kalitd's [policy] names (the CA "
	    "must assert it or anyPolicy), or it asserts a person's and a "
	    "system's", 4 },
	{ "certificate_key_weak", "the certificate's key is weaker than "
	    "allowed (see [policy] in kalitd.conf(5)); ask the CA for a new "
	    "key file", 4 },
	{ "signature_algorithm_weak", "the signature uses a digest or "
	    "algorithm that is not accepted (such as SHA-1); sign with SHA-256 "
	    "or stronger", 4 },
	{ "rate_limited", "too many requests or failed attempts from this "
	    "client or address; wait the time Retry-After says and try again",
	    5 },
	{ "webeid_format_unsupported", "the Web eID token's format is not "
	    "web-eid:1 or 1.x, the only version this server knows; use a Web "
	    "eID app or page that makes version 1 tokens", 2 },
	{ "redirect_uri_invalid", "the redirect_uri is not one registered "
	    "for this client (byte for byte); see 'kalitd client list'", 2 },
	{ "request_expired", "the login request is too old; go back to the "
	    "portal and start again", 2 },
	{ "request_invalid", "the login request was not made by this server "
	    "(or before its restart) or was altered; go back to the portal "
	    "and start again", 2 },
	{ "origin_mismatch", "the request did not come from the login page "
	    "of this server (its Origin or X-Kalit-Login header is wrong)", 2 },
	{ "browser_mismatch", "the login request belongs to another browser "
	    "(its binding cookie is missing or another); go back to the "
	    "portal and start again in this browser", 2 },
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
