/*
 * worker_shim.mjs: runs www/js/keyworker.js in a node:worker_threads
 * thread as a browser runs it in a Web Worker: self, self.postMessage and
 * self.onmessage({data}) over the thread's parentPort.
 */

import { webcrypto } from "node:crypto";
import { parentPort } from "node:worker_threads";

if (globalThis.crypto === undefined)
	globalThis.crypto = webcrypto;
globalThis.self = globalThis;
globalThis.postMessage = (msg) => parentPort.postMessage(msg);
await import("../../www/js/keyworker.js");
/* The port holds what the page posted until this listens. */
parentPort.on("message", (data) => globalThis.onmessage({ data }));
