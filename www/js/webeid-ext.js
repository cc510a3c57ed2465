/*
 * webeid-ext.js: a login token from an ID card through the Web eID browser
 * extension, when the citizen has it installed.
 *
 * The extension's content script listens for window messages; this is the
 * "web-eid:authenticate" exchange that the Web eID project's own
 * @web-eid/web-eid-library (MIT, v2.x) speaks: the page posts
 *   {action: "web-eid:authenticate", libraryVersion, challengeNonce,
 *    options: {lang, userInteractionTimeout}}
 * the extension answers "web-eid:authenticate-ack" at once, then
 * "web-eid:authenticate-success" with the token (unverifiedCertificate,
 * algorithm, signature, format, appVersion), signed by the card over
 * hash(origin) || hash(challengeNonce), or "web-eid:authenticate-failure"
 * with {error: {code}}.  That library is not in the npm registry kalit
 * builds from, and the page needs this one exchange only, so it is here in
 * a few lines of our own.
 *
 * The token is the extension's to make; kalitd judges it exactly as one
 * from the key file.  Failures are CodedErrors (see ERRORS).
 */

import { CodedError } from "./error.js";

/* The library version the extension is told (it refuses majors it lacks). */
export const LIBRARY_VERSION = "2.0.0";
/* Web eID's own: the extension acknowledges within 1 s, the app within 5. */
export const ACK_TIMEOUT = 1000;
export const APP_TIMEOUT = 5000;
export const USER_TIMEOUT = 120000;

export const ERRORS = Object.freeze([
	"card_extension_missing",	/* no acknowledgement: not installed */
	"card_app_missing",		/* the native app is not there */
	"card_cancelled",		/* the citizen said no */
	"card_timeout",			/* no answer in time */
	"card_error"			/* anything else the card or app said */
]);

const ACTION = "web-eid:authenticate";

/* The extension's error codes (ErrorCode in the library) → ours. */
const CODES = {
	ERR_WEBEID_EXTENSION_UNAVAILABLE: "card_extension_missing",
	ERR_WEBEID_NATIVE_UNAVAILABLE: "card_app_missing",
	ERR_WEBEID_VERSION_MISMATCH: "card_app_missing",
	ERR_WEBEID_USER_CANCELLED: "card_cancelled",
	ERR_WEBEID_USER_TIMEOUT: "card_timeout",
	ERR_WEBEID_ACTION_TIMEOUT: "card_timeout"
};

const TOKEN_FIELDS = ["unverifiedCertificate", "algorithm", "signature",
    "format", "appVersion"];

/*
 * The Web eID token for challenge, from the extension of window win
 * (a window, or anything with its postMessage and message events).
 */
export function authenticate(challenge, lang, win = globalThis.window) {
	return new Promise((resolve, reject) => {
		let ackTimer, replyTimer;

		function done(fn, value) {
			clearTimeout(ackTimer);
			clearTimeout(replyTimer);
			win.removeEventListener("message", onMessage);
			fn(value);
		}
		function onMessage(ev) {
			const m = ev.data;

			/* Only this window's own messages: the content script's. */
			if (ev.source !== win || m === null ||
			    typeof m !== "object" || typeof m.action !== "string")
				return;
			if (m.action === ACTION + "-ack")
				clearTimeout(ackTimer);
			else if (m.action === ACTION + "-success") {
				try {
					done(resolve, token(m));
				} catch (e) {
					done(reject, e);
				}
			}
			else if (m.action === ACTION + "-failure")
				done(reject, new CodedError(
				    CODES[m.error?.code] ?? "card_error"));
		}
		win.addEventListener("message", onMessage);
		ackTimer = setTimeout(() => done(reject,
		    new CodedError("card_extension_missing")), ACK_TIMEOUT);
		replyTimer = setTimeout(() => done(reject,
		    new CodedError("card_timeout")),
		    ACK_TIMEOUT + APP_TIMEOUT + USER_TIMEOUT);
		win.postMessage({
			action: ACTION,
			libraryVersion: LIBRARY_VERSION,
			challengeNonce: challenge,
			options: { lang, userInteractionTimeout: USER_TIMEOUT }
		}, win.location.origin);
	});
}

/* Only the token's own members, each a string; kalitd checks the rest. */
function token(m) {
	const t = {};

	for (const f of TOKEN_FIELDS) {
		if (m[f] === undefined)
			continue;
		if (typeof m[f] !== "string")
			throw new CodedError("card_error");
		t[f] = m[f];
	}
	return t;
}
