/*
 * chromium.test.mjs: www/js in a real browser.  A server on 127.0.0.1
 * serves the modules with the login page's Content-Security-Policy, the
 * key files of $KEYS and chromium.html; headless Chromium ($CHROMIUM, or
 * chromium) runs chromium_page.js, which posts back what it saw.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { keyFile, signatureVerifies } from "./helpers.mjs";

const CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; " +
    "worker-src 'self'";
const HERE = new URL(".", import.meta.url).pathname;
const WWW = new URL("../../www/js/", import.meta.url).pathname;
const PAGES = {
	"/": ["chromium.html", "text/html; charset=utf-8"],
	"/chromium_page.js": ["chromium_page.js", "text/javascript"]
};

/* GET: the page, /js/NAME (www/js), /keys/NAME ($KEYS); POST /result. */
function serve(req, res, onResult) {
	const url = new URL(req.url, "http://127.0.0.1");
	const name = url.pathname.split("/").pop();
	let body, type;

	if (req.method === "POST" && url.pathname === "/result") {
		let text = "";
		req.setEncoding("utf8");
		req.on("data", (d) => text += d);
		req.on("end", () => {
			res.end();
			onResult(JSON.parse(text));
		});
		return;
	}
	try {
		if (PAGES[url.pathname] !== undefined) {
			body = readFileSync(join(HERE, PAGES[url.pathname][0]));
			type = PAGES[url.pathname][1];
		} else if (/^\/js\/[a-z0-9]+\.js$/.test(url.pathname)) {
			body = readFileSync(join(WWW, name));
			type = "text/javascript";
		} else if (/^\/keys\/[a-z0-9.-]+$/.test(url.pathname)) {
			body = keyFile(name);
			type = "application/octet-stream";
		}
	} catch {
		body = undefined;
	}
	if (body === undefined) {
		res.writeHead(404, { "Content-Security-Policy": CSP });
		res.end();
		return;
	}
	res.writeHead(200, { "Content-Type": type,
	    "Content-Security-Policy": CSP, "Cache-Control": "no-store" });
	res.end(body);
}

/* Runs the page in headless Chromium; resolves to what it posted. */
async function runPage() {
	let gotResult;
	const result = new Promise((resolve) => gotResult = resolve);
	const server = createServer((req, res) => serve(req, res, gotResult));
	await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
	const origin = "http://127.0.0.1:" + server.address().port;
	const profile = mkdtempSync(join(tmpdir(), "kalit-chromium-"));
	/* Root (as in CI) needs --no-sandbox. */
	const browser = spawn(process.env.CHROMIUM ?? "chromium", [
	    "--headless=new", "--no-sandbox", "--disable-gpu",
	    "--no-first-run", "--user-data-dir=" + profile, origin + "/"],
	    { detached: true, stdio: "ignore" });
	const exited = new Promise((resolve) => browser.on("exit", resolve));

	try {
		const r = await Promise.race([result, exited.then((code) => {
			throw new Error("chromium exited (" + code + ")");
		})]);
		return { origin, r };
	} finally {
		try {
			process.kill(-browser.pid, "SIGTERM");
		} catch {
			/* gone already */
		}
		await exited;
		server.close();
		rmSync(profile, { recursive: true, force: true });
	}
}

test("chromium_key_files_and_worker_under_the_csp", { timeout: 300000 },
    async (t) => {
	const { origin, r } = await runPage();

	assert.equal(r.error, undefined);
	assert.deepEqual(r.violations, [], "nothing the CSP refused");
	assert.deepEqual(r.files, [
		["kalit-p256.p12", "key.pass", "ok ES256 false"],
		["kalit-p384-utf8.p12", "utf8.pass", "ok ES384 false"],
		["kalit-rsa.p12", "key.pass", "ok RS256 false"],
		["ossl-p256.p12", "key.pass", "ok ES256 false"],
		["ossl-aes128-sha512.p12", "key.pass", "ok ES256 false"],
		["ossl-p256.p12", "utf8.pass", "wrong_password"],
		["ossl-twopass.p12", "mac.pass", "wrong_password"],
		["kalit-legacy.p12", "key.pass", "legacy_key_file"],
		["ossl-legacy.p12", "key.pass", "legacy_key_file"],
		["ossl-mismatch.p12", "key.pass", "key_certificate_mismatch"],
		["kalit-ed25519.p12", "key.pass", "unsupported_key"],
		["ossl-p521.p12", "key.pass", "unsupported_key"],
		["ossl-nomac.p12", "key.pass", "unsupported_key_file"],
		["p256.crt.der", "key.pass", "not_pkcs12"]
	]);

	assert.equal(r.origin, origin);
	assert.equal(r.fileAfterTransfer, 0, "the page gave the file away");
	assert.deepEqual(r.opened, { id: 1, ok: true, algorithm: "ES256",
	    chain: r.opened.chain,
	    certificateLength: keyFile("kalit-p256.crt.der").length });
	assert.equal(r.opened.chain.length, 2);
	assert.deepEqual(Object.keys(r.signed).sort(), ["id", "ok", "token"]);
	assert.ok(signatureVerifies(r.signed.token, origin, r.challenge),
	    "the worker's token verifies with node:crypto");
	assert.deepEqual(Buffer.from(r.signed.token.unverifiedCertificate,
	    "base64"), Buffer.from(keyFile("kalit-p256.crt.der")));
	assert.deepEqual(r.otherOrigin, { id: 3, ok: false,
	    error: "bad_origin" });
	t.diagnostic("a kalit-ca key file opened in the worker in " +
	    r.openMs + " ms");
});
