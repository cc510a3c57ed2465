/*
 * p12.test.mjs: www/js/p12.js on key files made by kalit-ca and openssl
 * (tests/browser/run.sh makes them); the key it returns is checked with
 * the certificate's public key as node:crypto reads it.
 */

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";

import { keyFile, password } from "./helpers.mjs";
import { MAX_KEY_FILE_SIZE, openKeyFile } from "../../www/js/p12.js";

const subtle = globalThis.crypto.subtle;
const PARAMS = {
	ES256: [{ name: "ECDSA", namedCurve: "P-256" },
	    { name: "ECDSA", hash: "SHA-256" }],
	ES384: [{ name: "ECDSA", namedCurve: "P-384" },
	    { name: "ECDSA", hash: "SHA-384" }],
	RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
	    { name: "RSASSA-PKCS1-v1_5" }]
};

/* The error code openKeyFile(bytes, pass) rejects with. */
async function refusal(bytes, pass = password()) {
	try {
		await openKeyFile(bytes, pass);
	} catch (e) {
		assert.equal(e.name, "CodedError", String(e));
		assert.equal(e.message, e.code);
		return e.code;
	}
	assert.fail("the key file opened");
}

/*
 * Opens name with pass and checks: the certificate is cert (a DER file),
 * the chain is chain (DER files, any order), the key is non-extractable,
 * of algorithm alg, and signs what the certificate's public key verifies.
 */
async function opens(name, pass, cert, alg, chain = []) {
	const bytes = keyFile(name);
	const copy = bytes.slice();
	const k = await openKeyFile(bytes, pass);

	assert.deepEqual(bytes, copy, "the input is left as it was");
	assert.deepEqual(k.certificate, keyFile(cert));
	assert.deepEqual(k.chain.map((c) => Buffer.from(c).toString("hex"))
	    .sort(), chain.map((c) => Buffer.from(keyFile(c))
	    .toString("hex")).sort());
	assert.equal(k.algorithm, alg);
	assert.equal(k.privateKey.type, "private");
	assert.equal(k.privateKey.extractable, false);
	assert.deepEqual(k.privateKey.usages, ["sign"]);

	const [importParams, signParams] = PARAMS[alg];
	const spki = new X509Certificate(k.certificate).publicKey
	    .export({ type: "spki", format: "der" });
	const pub = await subtle.importKey("spki", spki, importParams, false,
	    ["verify"]);
	const data = globalThis.crypto.getRandomValues(new Uint8Array(77));
	const sig = await subtle.sign(signParams, k.privateKey, data);
	assert.ok(await subtle.verify(signParams, pub, sig, data),
	    "the key's signature verifies with the certificate");
}

test("p12_open_kalit_ca_p256", () => opens("kalit-p256.p12", password(),
    "kalit-p256.crt.der", "ES256", ["citizen-ca.der", "root-ca.der"]));

test("p12_open_kalit_ca_p384_utf8_password", () => opens(
    "kalit-p384-utf8.p12", password("utf8.pass"), "kalit-p384-utf8.crt.der",
    "ES384", ["citizen-ca.der", "root-ca.der"]));

test("p12_open_kalit_ca_rsa3072", () => opens("kalit-rsa.p12", password(),
    "kalit-rsa.crt.der", "RS256", ["citizen-ca.der", "root-ca.der"]));

test("p12_open_openssl_defaults_p256", () => opens("ossl-p256.p12",
    password(), "p256.crt.der", "ES256", ["citizen-ca.der"]));

test("p12_open_openssl_defaults_p384", () => opens("ossl-p384.p12",
    password(), "p384.crt.der", "ES384"));

test("p12_open_openssl_defaults_rsa2048", () => opens("ossl-rsa.p12",
    password(), "rsa.crt.der", "RS256"));

test("p12_open_openssl_aes128_sha512_mac", () => opens(
    "ossl-aes128-sha512.p12", password(), "p256.crt.der", "ES256"));

test("p12_open_openssl_utf8_password", () => opens("ossl-utf8.p12",
    password("utf8.pass"), "p256.crt.der", "ES256"));

test("p12_open_key_and_certificate_not_paired_by_id", () => opens(
    "ossl-unpaired.p12", password(), "p256.crt.der", "ES256"));

test("p12_open_view_into_a_larger_buffer", async () => {
	const f = keyFile("ossl-p256.p12");
	const big = new Uint8Array(f.length + 20).fill(0x30);

	big.set(f, 7);
	const k = await openKeyFile(big.subarray(7, 7 + f.length),
	    password());
	assert.deepEqual(k.certificate, keyFile("p256.crt.der"));
	const k2 = await openKeyFile(f.slice().buffer, password());
	assert.deepEqual(k2.certificate, keyFile("p256.crt.der"));
});

test("p12_wrong_password", async () => {
	assert.equal(await refusal(keyFile("kalit-p256.p12"), "wrong"),
	    "wrong_password");
	for (const pass of ["", password() + " ", password().toUpperCase(),
	    password("utf8.pass").normalize("NFD")])
		assert.equal(await refusal(keyFile("ossl-utf8.p12"), pass),
		    "wrong_password");
});

test("p12_wrong_encryption_password_under_a_right_mac", async () => {
	assert.equal(await refusal(keyFile("ossl-twopass.p12"),
	    password("mac.pass")), "wrong_password");
	assert.equal(await refusal(keyFile("ossl-twopass.p12"), password()),
	    "wrong_password");
});

test("p12_tampered_file_is_wrong_password", async () => {
	const f = keyFile("ossl-p256.p12");

	for (const at of [f.length >> 1, f.length - 1]) {
		const t = f.slice();
		t[at] ^= 0x01;
		assert.equal(await refusal(t), "wrong_password", "byte " + at);
	}
});

test("p12_garbage_not_pkcs12", async () => {
	const random = globalThis.crypto.getRandomValues(new Uint8Array(2000));
	const pem = new TextEncoder().encode(
	    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

	for (const bytes of [random, pem, new Uint8Array(0),
	    keyFile("p256.crt.der"), new Uint8Array([0x30, 0x80, 0, 0])])
		assert.equal(await refusal(bytes), "not_pkcs12");
});

test("p12_truncated_or_extended_not_pkcs12", async () => {
	const f = keyFile("kalit-p256.p12");

	for (const n of [1, 2, 4, 100, f.length >> 1, f.length - 1])
		assert.equal(await refusal(f.subarray(0, n)), "not_pkcs12",
		    "cut at " + n);
	const longer = new Uint8Array(f.length + 1);
	longer.set(f);
	assert.equal(await refusal(longer), "not_pkcs12", "a byte more");
});

test("p12_legacy_refused_before_the_password", async () => {
	for (const name of ["kalit-legacy.p12", "ossl-legacy.p12",
	    "ossl-3des-sha256.p12", "ossl-pbes2-3des.p12"]) {
		assert.equal(await refusal(keyFile(name)), "legacy_key_file",
		    name);
		assert.equal(await refusal(keyFile(name), "wrong"),
		    "legacy_key_file", name + " with a wrong password");
	}
});

for (const [name, file, code] of [
    ["p12_no_mac_refused", "ossl-nomac.p12", "unsupported_key_file"],
    ["p12_no_private_key", "ossl-nokey.p12", "no_private_key"],
    ["p12_no_certificate", "ossl-nocert.p12", "no_certificate"],
    ["p12_key_certificate_mismatch", "ossl-mismatch.p12",
    "key_certificate_mismatch"]])
	test(name, async () => assert.equal(await refusal(keyFile(file)),
	    code));

test("p12_unsupported_key", async () => {
	assert.equal(await refusal(keyFile("kalit-ed25519.p12")),
	    "unsupported_key");
	assert.equal(await refusal(keyFile("ossl-p521.p12")),
	    "unsupported_key");
});

test("p12_oversized_refused_before_parsing", async () => {
	const f = keyFile("ossl-p256.p12");
	const pad = (n) => {
		const b = new Uint8Array(n);
		b.set(f);
		return b;
	};

	/* Parsed, the padding would be trailing data: not_pkcs12. */
	assert.equal(await refusal(pad(MAX_KEY_FILE_SIZE)), "not_pkcs12");
	assert.equal(await refusal(pad(MAX_KEY_FILE_SIZE + 1)),
	    "key_file_too_large");
	assert.equal(await refusal(new ArrayBuffer(64 << 20)),
	    "key_file_too_large");
});

test("p12_arguments_checked", async () => {
	await assert.rejects(openKeyFile("MIIB", password()), TypeError);
	await assert.rejects(openKeyFile(keyFile("ossl-p256.p12"), null),
	    TypeError);
});
