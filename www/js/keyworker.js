/*
 * keyworker.js: the Web Worker (a module worker) that holds the citizen's
 * key, so that the page never has it.
 *
 *   new Worker("js/keyworker.js", { type: "module" })
 *
 * Requests, answered in the order they came, each with its id:
 *   {id, op: "open", file: ArrayBuffer, password}
 *	→ {id, ok: true, certificate, chain, algorithm}
 *	The file's buffer should be transferred; it is zeroed once read.
 *	Opening forgets any key opened before, even when it fails.
 *   {id, op: "sign", origin, challenge}
 *	→ {id, ok: true, token}	(a Web eID token object, webeid.js)
 *	In a browser origin must be the worker's own: a token for another
 *	site is never made.
 * A failure is {id, ok: false, error} with error one of p12.js's and
 * webeid.js's ERRORS, or no_key_file (sign before a successful open),
 * bad_request (a request of another shape), internal_error.
 *
 * Nothing else leaves the worker: not the key (non-extractable anyway),
 * not the password, not an exception's text.
 */

import { CodedError } from "./error.js";
import { openKeyFile } from "./p12.js";
import { authToken } from "./webeid.js";

/* {certificate, privateKey} of the open key file, or null. */
let held = null;
let queue = Promise.resolve();

async function open(msg) {
	held = null;
	if (!(msg.file instanceof ArrayBuffer) ||
	    typeof msg.password !== "string")
		throw new CodedError("bad_request");
	const password = msg.password;

	msg.password = null;
	try {
		const k = await openKeyFile(msg.file, password);
		held = { certificate: k.certificate, privateKey: k.privateKey };
		return {
			certificate: k.certificate,
			chain: k.chain,
			algorithm: k.algorithm
		};
	} finally {
		new Uint8Array(msg.file).fill(0);
	}
}

async function sign(msg) {
	if (held === null)
		throw new CodedError("no_key_file");
	/* Web eID's app takes the origin from the browser, not the page. */
	if (globalThis.location !== undefined &&
	    msg.origin !== globalThis.location.origin)
		throw new CodedError("bad_origin");
	const token = await authToken(held.certificate, held.privateKey,
	    msg.origin, msg.challenge);
	return { token };
}

function handle(msg) {
	if (msg === null || typeof msg !== "object")
		throw new CodedError("bad_request");
	if (msg.op === "open")
		return open(msg);
	if (msg.op === "sign")
		return sign(msg);
	throw new CodedError("bad_request");
}

function errorCode(e) {
	return e instanceof CodedError ? e.code : "internal_error";
}

self.onmessage = (ev) => {
	const msg = ev.data;
	const id = msg !== null && (typeof msg?.id === "number" ||
	    typeof msg?.id === "string") ? msg.id : null;

	queue = queue.then(() => handle(msg)).then(
	    (r) => self.postMessage({ id, ok: true, ...r }),
	    (e) => self.postMessage({ id, ok: false, error: errorCode(e) }));
};
