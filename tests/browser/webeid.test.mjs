/*
 * webeid.test.mjs: www/js/webeid.js's tokens, checked by node:crypto alone
 * (helpers.mjs signatureVerifies) as a Web eID validator checks them.
 */

import assert from "node:assert/strict";
import { test } from "node:test";

import { challenge, keyFile, password, signatureVerifies }
    from "./helpers.mjs";
import { openKeyFile } from "../../www/js/p12.js";
import { APP_VERSION, TOKEN_FORMAT, authToken } from "../../www/js/webeid.js";

const ORIGIN = "https://id.kalit.example";
const FIELDS = ["algorithm", "appVersion", "format", "signature",
    "unverifiedCertificate"];
const KEYS = {};
for (const [alg, name] of [["ES256", "ossl-p256.p12"],
    ["ES384", "ossl-p384.p12"], ["RS256", "ossl-rsa.p12"]])
	KEYS[alg] = await openKeyFile(keyFile(name), password());

/* The error code authToken rejects with. */
async function refusal(key, origin, chall) {
	try {
		await authToken(key.certificate, key.privateKey, origin, chall);
	} catch (e) {
		assert.equal(e.name, "CodedError", String(e));
		return e.code;
	}
	assert.fail("a token was made");
}

/* A standard, padded base64 text's bytes. */
function unbase64(text) {
	assert.match(text, /^[A-Za-z0-9+/]+={0,2}$/);
	assert.equal(text.length % 4, 0);
	return new Uint8Array(Buffer.from(text, "base64"));
}

for (const [alg, sigLen] of [["ES256", 64], ["ES384", 96],
    ["RS256", 256]]) {
	test("webeid_token_" + alg + "_verifies", async () => {
		const k = KEYS[alg];
		const chall = challenge();
		const token = await authToken(k.certificate, k.privateKey,
		    ORIGIN, chall);

		assert.deepEqual(Object.keys(token).sort(), FIELDS);
		assert.equal(token.format, "web-eid:1.0");
		assert.equal(token.format, TOKEN_FORMAT);
		assert.equal(token.algorithm, alg);
		assert.equal(token.appVersion, APP_VERSION);
		assert.equal(new URL(token.appVersion).protocol, "https:");
		assert.deepEqual(unbase64(token.unverifiedCertificate),
		    k.certificate);
		assert.equal(unbase64(token.signature).length, sigLen);
		const json = JSON.stringify(token);
		assert.ok(json.length >= 100 && json.length <= 10000,
		    "length " + json.length);

		assert.ok(signatureVerifies(token, ORIGIN, chall));
		/* What it must not verify as: the binding is exact. */
		assert.ok(!signatureVerifies(token, chall, ORIGIN));
		assert.ok(!signatureVerifies(token, ORIGIN + "/", chall));
		assert.ok(!signatureVerifies(token, ORIGIN, challenge()));
		assert.ok(!signatureVerifies(token,
		    "https://other.example", chall));
	});
}

test("webeid_loopback_http_origin_for_development", async () => {
	const k = KEYS.ES256;
	const chall = challenge();

	for (const origin of ["http://127.0.0.1:8443", "http://localhost",
	    "https://id.kalit.example:8443"]) {
		const token = await authToken(k.certificate, k.privateKey,
		    origin, chall);
		assert.ok(signatureVerifies(token, origin, chall), origin);
	}
});

test("webeid_bad_origin", async () => {
	const chall = challenge();

	for (const origin of [ORIGIN + "/", ORIGIN + "/login", ORIGIN + "?",
	    ORIGIN + "#", "https://ID.kalit.example", "https://a.example:443",
	    "http://id.kalit.example", "http://127.0.0.2", "null", "",
	    "http://localhost:80",
	    "ftp://id.kalit.example", "https://u@id.kalit.example",
	    " " + ORIGIN, undefined, 42])
		assert.equal(await refusal(KEYS.ES256, origin, chall),
		    "bad_origin", String(origin));
});

test("webeid_bad_challenge", async () => {
	const c = challenge();

	for (const chall of ["", c.slice(0, 43), c + " ", "é" + c,
	    c + "\n", "x".repeat(1025), undefined, 12345, [c]])
		assert.equal(await refusal(KEYS.ES256, ORIGIN, chall),
		    "bad_challenge", JSON.stringify(chall));
	/* The shortest and longest accepted. */
	for (const chall of [c.slice(0, 44), "~".repeat(1024)]) {
		const k = KEYS.ES256;
		const t = await authToken(k.certificate, k.privateKey, ORIGIN,
		    chall);
		assert.ok(signatureVerifies(t, ORIGIN, chall));
	}
});

test("webeid_unsupported_key", async () => {
	const subtle = globalThis.crypto.subtle;
	const cert = KEYS.ES256.certificate;
	const rsa = { modulusLength: 2048,
	    publicExponent: new Uint8Array([1, 0, 1]) };
	const keys = [
		await subtle.generateKey({ name: "ECDSA", namedCurve: "P-521" },
		    false, ["sign"]),
		await subtle.generateKey({ name: "RSA-PSS", ...rsa,
		    hash: "SHA-256" }, false, ["sign"]),
		await subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", ...rsa,
		    hash: "SHA-384" }, false, ["sign"]),
		await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" },
		    false, ["sign"])
	];

	for (const k of keys.slice(0, 3))
		assert.equal(await refusal({ certificate: cert,
		    privateKey: k.privateKey }, ORIGIN, challenge()),
		    "unsupported_key", JSON.stringify(k.privateKey.algorithm));
	/* A public key cannot sign. */
	assert.equal(await refusal({ certificate: cert,
	    privateKey: keys[3].publicKey }, ORIGIN, challenge()),
	    "unsupported_key");
});
