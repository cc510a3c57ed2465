/*
 * chromium_page.js: the browser half of chromium.test.mjs.  Under the
 * login page's CSP it opens key files with p12.js, and one with
 * keyworker.js, which then signs a challenge; everything it saw goes
 * back to the test as JSON (POST /result).
 */

import { openKeyFile } from "/js/p12.js";

/* Key file → its password file; what each gives is the test's to judge. */
const FILES = [
	["kalit-p256.p12", "key.pass"],
	["kalit-p384-utf8.p12", "utf8.pass"],
	["kalit-rsa.p12", "key.pass"],
	["ossl-p256.p12", "key.pass"],
	["ossl-aes128-sha512.p12", "key.pass"],
	["ossl-p256.p12", "utf8.pass"],
	["ossl-twopass.p12", "mac.pass"],
	["kalit-legacy.p12", "key.pass"],
	["ossl-legacy.p12", "key.pass"],
	["ossl-mismatch.p12", "key.pass"],
	["kalit-ed25519.p12", "key.pass"],
	["ossl-p521.p12", "key.pass"],
	["ossl-nomac.p12", "key.pass"],
	["p256.crt.der", "key.pass"]
];

const results = { files: [], violations: [] };

document.addEventListener("securitypolicyviolation", (e) =>
    results.violations.push(e.violatedDirective + " " + e.blockedURI));

async function fetchKey(name) {
	const r = await fetch("/keys/" + name);

	if (!r.ok)
		throw new Error(name + ": " + r.status);
	return r.arrayBuffer();
}

async function password(name) {
	const text = new TextDecoder().decode(await fetchKey(name));

	return text.split("\n")[0];
}

/* Asks worker, one request at a time. */
function ask(worker, msg, transfer = []) {
	return new Promise((resolve) => {
		worker.onmessage = (ev) => resolve(ev.data);
		worker.onerror = (ev) => resolve({ workerError: ev.message });
		worker.postMessage(msg, transfer);
	});
}

async function openFiles() {
	for (const [name, passName] of FILES) {
		let outcome;

		try {
			const k = await openKeyFile(await fetchKey(name),
			    await password(passName));
			outcome = "ok " + k.algorithm + " " +
			    k.privateKey.extractable;
		} catch (e) {
			outcome = e.code ?? "exception " + e;
		}
		results.files.push([name, passName, outcome]);
	}
}

async function useWorker() {
	const worker = new Worker("/js/keyworker.js", { type: "module" });
	const file = await fetchKey("kalit-p256.p12");
	const bytes = new Uint8Array(60);

	crypto.getRandomValues(bytes);
	const challenge = btoa(String.fromCharCode(...bytes))
	    .replaceAll("+", "-").replaceAll("/", "_");
	results.origin = location.origin;
	results.challenge = challenge;
	const t0 = performance.now();
	const opened = await ask(worker, { id: 1, op: "open", file,
	    password: await password("key.pass") }, [file]);
	results.openMs = Math.round(performance.now() - t0);
	results.fileAfterTransfer = file.byteLength;
	results.opened = { ...opened, certificate: undefined,
	    certificateLength: opened.certificate?.length };
	results.signed = await ask(worker, { id: 2, op: "sign",
	    origin: location.origin, challenge });
	results.otherOrigin = await ask(worker, { id: 3, op: "sign",
	    origin: "https://other.example", challenge });
	worker.terminate();
}

async function run() {
	try {
		await openFiles();
		await useWorker();
	} catch (e) {
		results.error = String(e);
	}
	await fetch("/result", { method: "POST",
	    body: JSON.stringify(results) });
}

run();
