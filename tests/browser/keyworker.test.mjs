/*
 * keyworker.test.mjs: www/js/keyworker.js in a thread of its own
 * (worker_shim.mjs): what goes in, what comes out, and nothing more.
 */

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Worker } from "node:worker_threads";

import { challenge, keyFile, password, signatureVerifies }
    from "./helpers.mjs";

const ORIGIN = "https://id.kalit.example";
const worker = new Worker(new URL("./worker_shim.mjs", import.meta.url));
const waiting = new Map();
let lastId = 0;

worker.on("message", (reply) => {
	const w = waiting.get(reply.id);
	waiting.delete(reply.id);
	w.resolve(reply);
});
worker.on("error", (e) => {
	for (const w of waiting.values())
		w.reject(new Error("the worker died: " + e));
});
after(() => worker.terminate());

/* Posts msg with a fresh id; resolves to the reply, its id checked. */
function ask(msg, transfer = []) {
	const id = ++lastId;

	return new Promise((resolve, reject) => {
		waiting.set(id, { resolve, reject });
		worker.postMessage({ ...msg, id }, transfer);
	}).then((reply) => {
		assert.equal(reply.id, id);
		delete reply.id;
		return reply;
	});
}

/* An open request for key file name, its bytes transferred. */
function open(name, pass = password()) {
	const file = keyFile(name).slice().buffer;

	return ask({ op: "open", file, password: pass }, [file]);
}

function sign(origin = ORIGIN, chall = challenge()) {
	return ask({ op: "sign", origin, challenge: chall });
}

test("keyworker_sign_before_open", async () => {
	assert.deepEqual(await sign(), { ok: false, error: "no_key_file" });
});

test("keyworker_open_then_sign", async () => {
	const r = await open("ossl-p256.p12");

	assert.deepEqual(Object.keys(r).sort(),
	    ["algorithm", "certificate", "chain", "ok"]);
	assert.equal(r.ok, true);
	assert.equal(r.algorithm, "ES256");
	assert.deepEqual(r.certificate, keyFile("p256.crt.der"));
	assert.deepEqual(r.chain, [keyFile("citizen-ca.der")]);

	const chall = challenge();
	const s = await sign(ORIGIN, chall);
	assert.deepEqual(Object.keys(s).sort(), ["ok", "token"]);
	assert.equal(s.ok, true);
	assert.ok(signatureVerifies(s.token, ORIGIN, chall));
	assert.deepEqual(Buffer.from(s.token.unverifiedCertificate, "base64"),
	    Buffer.from(keyFile("p256.crt.der")));
});

test("keyworker_file_buffer_is_transferred", async () => {
	const file = keyFile("ossl-p384.p12").slice().buffer;
	const r = ask({ op: "open", file, password: password() }, [file]);

	assert.equal(file.byteLength, 0, "the page no longer has the file");
	assert.equal((await r).algorithm, "ES384");
});

test("keyworker_failed_open_forgets_the_key", async () => {
	assert.equal((await open("ossl-rsa.p12")).ok, true);
	assert.equal((await sign()).ok, true);
	assert.deepEqual(await open("ossl-rsa.p12", "wrong"),
	    { ok: false, error: "wrong_password" });
	assert.deepEqual(await sign(), { ok: false, error: "no_key_file" });
});

test("keyworker_errors_are_codes", async () => {
	for (const [name, code] of [["ossl-legacy.p12", "legacy_key_file"],
	    ["ossl-nokey.p12", "no_private_key"],
	    ["p256.crt.der", "not_pkcs12"]])
		assert.deepEqual(await open(name),
		    { ok: false, error: code }, name);
	assert.equal((await open("ossl-p256.p12")).ok, true);
	assert.deepEqual(await sign(ORIGIN + "/"),
	    { ok: false, error: "bad_origin" });
	assert.deepEqual(await sign(ORIGIN, "short"),
	    { ok: false, error: "bad_challenge" });
});

test("keyworker_bad_request", async () => {
	for (const msg of [{ op: "export" }, { op: "open", file: "MIIB",
	    password: "x" }, { op: "open", file: new ArrayBuffer(8) },
	    { op: "open", file: new ArrayBuffer(8), password: 1 }])
		assert.deepEqual(await ask(msg),
		    { ok: false, error: "bad_request" }, JSON.stringify(msg));
	/* Not an object: answered without an id. */
	const r = new Promise((resolve, reject) => waiting.set(null,
	    { resolve, reject }));
	worker.postMessage("open");
	assert.deepEqual(await r, { id: null, ok: false,
	    error: "bad_request" });
});

test("keyworker_requests_answered_in_order", async () => {
	const replies = await Promise.all([open("ossl-p256.p12"), sign(),
	    open("ossl-p384.p12"), sign()]);

	assert.deepEqual(replies.map((r) => r.ok), [true, true, true, true]);
	assert.equal(replies[1].token.algorithm, "ES256");
	assert.equal(replies[3].token.algorithm, "ES384");
});
