/*
 * loginlib.js: what login.js decides without a document: the request and
 * language in the page's URL, the messages (kalit's, with the operator's
 * brand texts over them), the code of a refusal, and whether kalitd's
 * redirect may be followed.  Node's test runner runs it as it is.
 */

import { CodedError } from "./error.js";

export const LANGS = Object.freeze(["uz", "ru", "en"]);
/* kalitd's request tokens are far shorter; a longer one is not kalitd's. */
export const MAX_REQUEST = 8192;
/* A brand text longer than this is the operator's mistake: not shown. */
const MAX_TEXT = 2000;
const CODE = /^[a-z0-9_]{1,64}$/;

/*
 * The first of langs (the page's lang parameter, then the browser's
 * languages: "ru-RU" counts as "ru") that the page speaks, else "uz".
 */
export function pickLang(param, browserLangs = []) {
	for (const l of [param, ...browserLangs]) {
		const base = typeof l === "string" ?
		    l.toLowerCase().split("-")[0] : "";

		if (LANGS.includes(base))
			return base;
	}
	return "uz";
}

/*
 * {r, lang} from the page's query string: r is kalitd's request token
 * (null when missing or oversized: the page says request_missing).
 */
export function pageParams(search, browserLangs = []) {
	const q = new URLSearchParams(search);
	const r = q.get("r");

	return {
		r: r !== null && r.length > 0 && r.length <= MAX_REQUEST ?
		    r : null,
		lang: pickLang(q.get("lang"), browserLangs)
	};
}

/* The query string of this page in language lang, the request kept. */
export function langSearch(search, lang) {
	const q = new URLSearchParams(search);

	q.set("lang", lang);
	return "?" + q.toString();
}

/*
 * kalit's messages ({text, error}) with the operator's brand overrides:
 * only keys kalit has, only strings, so a brand file can reword the page
 * but not add to it.
 */
export function mergeMessages(base, brand) {
	const out = { text: { ...base.text }, error: { ...base.error } };

	for (const part of ["text", "error"]) {
		const over = brand?.[part];

		if (over === null || typeof over !== "object")
			continue;
		for (const [k, v] of Object.entries(over)) {
			if (Object.hasOwn(out[part], k) &&
			    typeof v === "string" && v.length <= MAX_TEXT)
				out[part][k] = v;
		}
	}
	return out;
}

/* template with each {name} replaced by vars[name]. */
export function format(template, vars = {}) {
	return template.replace(/\{([a-z_]+)\}/g, (m, k) =>
	    Object.hasOwn(vars, k) ? String(vars[k]) : m);
}

/* The message for code; an unknown code gets the "unknown" message. */
export function errorMessage(messages, code) {
	return Object.hasOwn(messages.error, code) ?
	    messages.error[code] : messages.error.unknown;
}

/*
 * The refusal code of a kalitd answer: its {"error"} when it is a code
 * (never its description: that is for developers, in English), else one
 * by the HTTP status.
 */
export function answerCode(status, body) {
	const e = body !== null && typeof body === "object" ?
	    body.error : undefined;

	if (typeof e === "string" && CODE.test(e))
		return e;
	if (status === 429)
		return "rate_limited";
	if (status === 503)
		return "server_busy";
	return "server_error";
}

/*
 * kalitd's redirect as a URL the page may navigate to: absolute, http or
 * https (a javascript: or data: URL would run on this origin).
 */
export function redirectTarget(value) {
	let u;

	try {
		u = new URL(value);
	} catch {
		throw new CodedError("redirect_invalid");
	}
	if (typeof value !== "string" ||
	    (u.protocol !== "https:" && u.protocol !== "http:"))
		throw new CodedError("redirect_invalid");
	return u.href;
}

/*
 * Whether a challenge fetched at time got (ms) with lifetime expiresIn
 * (s) can still be signed at now: with a margin for signing and the
 * round trip, and never twice (kalitd's challenges are single use).
 */
export function challengeFresh(ch, now) {
	return ch !== null && !ch.used &&
	    now - ch.got < (ch.expires_in - 15) * 1000;
}
