/*
 * webeid.js: a Web eID authentication token ("web-eid:1.0") made with a
 * WebCrypto key, as the Web eID app makes it with an ID card.
 *
 * The signature is over hash(origin) || hash(challenge), hash being the
 * algorithm's, over the UTF-8 bytes of the two strings; the signature
 * algorithm hashes that again.  ECDSA signatures are raw r || s, which is
 * what WebCrypto returns and what Web eID carries.  The token fields are
 * exactly unverifiedCertificate, algorithm, signature, format, appVersion.
 */

import { CodedError } from "./error.js";

export const TOKEN_FORMAT = "web-eid:1.0";
/* For information only (Web eID's own names its app's release). */
export const APP_VERSION = "https://kalit.example/releases/v0.1.0";

/*
 * The Web eID app refuses nonces shorter than 44 characters (32 bytes in
 * base64); kalit's are 80.  A challenge is printable ASCII, so that its
 * UTF-8 bytes cannot differ from the characters the server issued.
 */
const CHALLENGE = /^[\x21-\x7e]{44,1024}$/;

export const ERRORS = Object.freeze([
	"bad_origin",
	"bad_challenge",
	"unsupported_key"
]);

/* A key's JWA algorithm and WebCrypto signing parameters. */
const ALGORITHMS = [
	{ alg: "ES256", hash: "SHA-256",
	    is: (k) => k.name === "ECDSA" && k.namedCurve === "P-256",
	    sign: { name: "ECDSA", hash: "SHA-256" } },
	{ alg: "ES384", hash: "SHA-384",
	    is: (k) => k.name === "ECDSA" && k.namedCurve === "P-384",
	    sign: { name: "ECDSA", hash: "SHA-384" } },
	{ alg: "RS256", hash: "SHA-256",
	    is: (k) => k.name === "RSASSA-PKCS1-v1_5" &&
	    k.hash.name === "SHA-256",
	    sign: { name: "RSASSA-PKCS1-v1_5" } }
];

/*
 * Whether origin is a serialized origin as Web eID signs it: https (or
 * http on the loopback, for development), no path, no trailing slash.
 */
export function isOrigin(origin) {
	let u;

	if (typeof origin !== "string")
		return false;
	try {
		u = new URL(origin);
	} catch {
		return false;
	}
	if (u.origin !== origin)
		return false;
	return u.protocol === "https:" || (u.protocol === "http:" &&
	    (u.hostname === "localhost" || u.hostname === "127.0.0.1"));
}

/* Standard base64 (RFC 4648 section 4, padded), as Web eID uses. */
function base64(bytes) {
	let s = "";

	for (let i = 0; i < bytes.length; i += 0x8000)
		s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	return btoa(s);
}

async function digest(hash, text) {
	const d = await globalThis.crypto.subtle.digest(hash,
	    new TextEncoder().encode(text));
	return new Uint8Array(d);
}

/*
 * Builds the token for certificate (DER, Uint8Array: the key's) and
 * privateKey (a CryptoKey for "sign": ECDSA P-256 or P-384, or RSA
 * PKCS#1 v1.5 with SHA-256).  Resolves to the token object, for
 * JSON.stringify; rejects with a CodedError (see ERRORS).
 */
export async function authToken(certificate, privateKey, origin,
    challenge) {
	if (!isOrigin(origin))
		throw new CodedError("bad_origin");
	if (typeof challenge !== "string" || !CHALLENGE.test(challenge))
		throw new CodedError("bad_challenge");
	const a = ALGORITHMS.find((x) => x.is(privateKey.algorithm));
	if (a === undefined || !privateKey.usages.includes("sign"))
		throw new CodedError("unsupported_key");

	const origHash = await digest(a.hash, origin);
	const challHash = await digest(a.hash, challenge);
	const signed = new Uint8Array(origHash.length + challHash.length);
	signed.set(origHash);
	signed.set(challHash, origHash.length);
	const sig = await globalThis.crypto.subtle.sign(a.sign, privateKey,
	    signed);

	return {
		unverifiedCertificate: base64(certificate),
		algorithm: a.alg,
		signature: base64(new Uint8Array(sig)),
		format: TOKEN_FORMAT,
		appVersion: APP_VERSION
	};
}
