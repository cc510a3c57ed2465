/*
 * helpers.mjs: what the browser module tests share: the key files run.sh
 * made in $KEYS, and a Web eID token check of node:crypto's own (no code
 * of www/js in it).
 */

import { createVerify, createHash, webcrypto, X509Certificate }
    from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/* Node 18 has WebCrypto only as node:crypto's webcrypto. */
if (globalThis.crypto === undefined)
	globalThis.crypto = webcrypto;

const KEYS = process.env.KEYS;
if (KEYS === undefined)
	throw new Error("KEYS is not set: run tests/browser/run.sh");

/* The bytes of $KEYS/name (a key file, a DER certificate): a Uint8Array. */
export function keyFile(name) {
	return new Uint8Array(readFileSync(join(KEYS, name)));
}

/* A password file's first line, as kalit-ca and openssl read it. */
export function password(name = "key.pass") {
	return readFileSync(join(KEYS, name), "utf8").split("\n")[0];
}

const HASHES = { ES256: "sha256", ES384: "sha384", RS256: "sha256" };

/*
 * Whether token's signature verifies, by node:crypto alone, over
 * hash(first) || hash(second) under the key of token's certificate.
 */
export function signatureVerifies(token, first, second) {
	const hash = HASHES[token.algorithm];
	const cert = new X509Certificate(Buffer.from(
	    token.unverifiedCertificate, "base64"));
	const signed = Buffer.concat([
		createHash(hash).update(first, "utf8").digest(),
		createHash(hash).update(second, "utf8").digest()
	]);

	return createVerify(hash).update(signed).verify({
		key: cert.publicKey,
		dsaEncoding: "ieee-p1363"
	}, Buffer.from(token.signature, "base64"));
}

/* A challenge as kalitd hands them out: 80 characters of base64url. */
export function challenge() {
	return Buffer.from(webcrypto.getRandomValues(new Uint8Array(60)))
	    .toString("base64url");
}
