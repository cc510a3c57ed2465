/*
 * login.test.mjs: the login page's decisions (www/js/loginlib.js) and its
 * messages: every code the page can show has a message in uz, ru and en,
 * and the three languages and the brand defaults have the same keys.
 */

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { ERRORS as P12_ERRORS } from "../../www/js/p12.js";
import { ERRORS as WEBEID_ERRORS } from "../../www/js/webeid.js";
import { ERRORS as CARD_ERRORS } from "../../www/js/webeid-ext.js";
import { answerCode, challengeFresh, errorMessage, format, langSearch,
    LANGS, mergeMessages, pageParams, pickLang, redirectTarget }
    from "../../www/js/loginlib.js";

const WWW = new URL("../../www/", import.meta.url).pathname;
const json = (p) => JSON.parse(readFileSync(join(WWW, p), "utf8"));

/*
 * The codes kalitd's page API can answer (docs/api.md, kalitd(8) ERRORS):
 * /v1/login's certificate and signature refusals, and the browser flow's.
 */
const SERVER_CODES = [
	"request_expired", "request_invalid", "origin_mismatch",
	"challenge_unknown", "challenge_expired", "challenge_reused",
	"challenge_client_mismatch", "signature_invalid",
	"signature_algorithm_weak", "certificate_untrusted",
	"certificate_expired", "certificate_not_yet_valid",
	"certificate_revoked", "certificate_on_hold", "certificate_purpose",
	"certificate_policy", "certificate_policy_missing",
	"certificate_identity_invalid", "certificate_key_weak",
	"revocation_unknown", "rate_limited", "server_busy", "server_error",
	"request_malformed", "request_too_large", "input_malformed",
	"input_too_large", "encoding_invalid", "webeid_format_unsupported",
	"client_unknown", "access_denied", "redirect_uri_invalid",
	"browser_mismatch"
];

/* Every CodedError("...") the page's own modules can throw. */
function thrownCodes() {
	const codes = new Set();

	for (const f of readdirSync(join(WWW, "js"))) {
		const src = readFileSync(join(WWW, "js", f), "utf8");
		for (const m of src.matchAll(/CodedError\("([a-z0-9_]+)"\)/g))
			codes.add(m[1]);
	}
	return [...codes];
}

const keys = (o) => Object.keys(o).sort();

test("login_messages_every_code_in_every_language", () => {
	const codes = new Set([...P12_ERRORS, ...WEBEID_ERRORS,
	    ...CARD_ERRORS, ...SERVER_CODES, ...thrownCodes(),
	    "no_key_file", "bad_request", "internal_error", "unknown"]);
	const en = json("i18n/en.json");

	for (const lang of LANGS) {
		const m = json("i18n/" + lang + ".json");

		for (const code of codes) {
			assert.equal(typeof m.error[code], "string",
			    lang + ": no message for " + code);
			assert.ok(m.error[code].length > 0);
		}
		assert.deepEqual(keys(m.text), keys(en.text), lang + " texts");
		assert.deepEqual(keys(m.error), keys(en.error),
		    lang + " messages");
		for (const [k, v] of Object.entries(m.text))
			assert.ok(v.length > 0, lang + ": empty text " + k);
		/* A message is shown as text: no markup in it. */
		for (const v of [...Object.values(m.text),
		    ...Object.values(m.error)])
			assert.doesNotMatch(v, /[<>]/);
	}
});

test("login_messages_translated", () => {
	const en = json("i18n/en.json"), ru = json("i18n/ru.json"),
	    uz = json("i18n/uz.json");

	/* Only the commands may read alike; the sentences are translated. */
	for (const k of Object.keys(en.error)) {
		assert.notEqual(ru.error[k], en.error[k], "ru " + k);
		assert.notEqual(uz.error[k], en.error[k], "uz " + k);
	}
	/* Uzbek in the Latin script, with the letters oʻ and gʻ. */
	assert.doesNotMatch(JSON.stringify(uz), /[\u0400-\u04ff]/);
	assert.match(uz.error.wrong_password, /notoʻgʻri/);
	assert.match(ru.error.wrong_password, /[\u0400-\u04ff]/);
});

test("login_brand_defaults_override_nothing", () => {
	for (const lang of LANGS)
		assert.deepEqual(json("brand/" + lang + ".json"),
		    { text: {}, error: {} });
	const css = readFileSync(join(WWW, "brand/brand.css"), "utf8");
	const page = readFileSync(join(WWW, "css/login.css"), "utf8");
	/* brand.css sets exactly the variables login.css uses. */
	const vars = (s) => [...new Set([...s.matchAll(/(--brand-[a-z-]+):/g)]
	    .map((m) => m[1]))].sort();
	assert.deepEqual(vars(css), vars(page));
});

test("login_brand_rewords_but_cannot_add", () => {
	const base = { text: { title: "Log in" },
	    error: { wrong_password: "Wrong.", unknown: "?" } };
	const m = mergeMessages(base, { text: { title: "Enter", extra: "x",
	    brand_name: 3 }, error: { wrong_password: "Nope." }, other: {} });

	assert.deepEqual(m, { text: { title: "Enter" },
	    error: { wrong_password: "Nope.", unknown: "?" } });
	assert.deepEqual(mergeMessages(base, null), base);
	assert.deepEqual(mergeMessages(base, { text: { title:
	    "x".repeat(2001) } }).text.title, "Log in");
	/* The base is not changed. */
	assert.equal(base.text.title, "Log in");
});

test("login_language_from_parameter_browser_default", () => {
	assert.equal(pickLang("ru", ["en"]), "ru");
	assert.equal(pickLang("de", ["ru-RU", "en"]), "ru");
	assert.equal(pickLang(null, ["fr", "EN-gb"]), "en");
	assert.equal(pickLang(null, []), "uz");
	assert.equal(pickLang("uz-Cyrl", []), "uz");
	assert.deepEqual(pageParams("?r=abc&lang=en"), { r: "abc",
	    lang: "en" });
	assert.equal(langSearch("?r=a%2Bb&lang=en", "ru"), "?r=a%2Bb&lang=ru");
});

test("login_request_missing_or_oversized", () => {
	assert.equal(pageParams("?lang=en").r, null);
	assert.equal(pageParams("?r=").r, null);
	assert.equal(pageParams("?r=" + "a".repeat(8192)).r.length, 8192);
	assert.equal(pageParams("?r=" + "a".repeat(8193)).r, null);
});

test("login_refusal_code_from_answer", () => {
	assert.equal(answerCode(401, { error: "certificate_revoked",
	    error_description: "x" }), "certificate_revoked");
	assert.equal(answerCode(400, { error: "<b>bad</b>" }), "server_error");
	assert.equal(answerCode(429, null), "rate_limited");
	assert.equal(answerCode(503, "busy"), "server_busy");
	assert.equal(answerCode(502, null), "server_error");
	const m = { error: { unknown: "U", wrong_password: "W" } };
	assert.equal(errorMessage(m, "wrong_password"), "W");
	assert.equal(errorMessage(m, "new_code"), "U");
	assert.equal(errorMessage(m, "__proto__"), "U");
	assert.equal(format("to {client}, {x}", { client: "A" }),
	    "to A, {x}");
});

test("login_redirect_only_http_urls", () => {
	assert.equal(redirectTarget("https://rp.example/cb?code=1&state=2"),
	    "https://rp.example/cb?code=1&state=2");
	assert.equal(redirectTarget("http://127.0.0.1:8080/cb?code=1"),
	    "http://127.0.0.1:8080/cb?code=1");
	for (const bad of ["javascript:alert(1)", "data:text/html,x",
	    "/relative", "", undefined, null, 42, "JAVASCRIPT:x"])
		assert.throws(() => redirectTarget(bad),
		    { code: "redirect_invalid" }, String(bad));
});

test("login_challenge_used_once_and_while_fresh", () => {
	const ch = { expires_in: 120, got: 1000, used: false };

	assert.equal(challengeFresh(null, 1000), false);
	assert.equal(challengeFresh(ch, 1000 + 104000), true);
	assert.equal(challengeFresh(ch, 1000 + 105000), false);
	assert.equal(challengeFresh({ ...ch, used: true }, 1000), false);
});
