/*
 * helpers.mjs: what the browser module tests share: the key files run.sh
 * made in $KEYS.
 */

import { webcrypto } from "node:crypto";
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
