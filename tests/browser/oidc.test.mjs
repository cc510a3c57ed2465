/*
 * oidc.test.mjs: a citizen in a real browser (Debian's chromium, driven by
 * puppeteer-core) logs in to two relying parties built on openid-client
 * (portal/portal.mjs, as portal A and portal B) through the login page:
 * SSO, prompt=login, logout with back-channel logout, the refusals shown
 * in the citizen's language, officials and acr_values=official, the ID
 * card button.  Every page state is saved as a screenshot in $ARTIFACTS.
 *
 * Environment (tests/browser/oidc.sh sets it): OP (the
 * provider's origin), PORTAL_A, PORTAL_B (the portals' URLs), KEYS (the
 * key files of oidc_keys.sh and key.pass), ARTIFACTS, CHROMIUM.
 */

import assert from "node:assert/strict";
import { createHash, createSign, X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import puppeteer from "puppeteer-core";

const { OP, PORTAL_A, PORTAL_B, KEYS, ARTIFACTS, WWW } = process.env;
const PASSWORD = readFileSync(join(KEYS, "key.pass"), "utf8").split("\n")[0];
const MSG = Object.fromEntries(["uz", "ru", "en"].map((l) => [l,
    JSON.parse(readFileSync(join(WWW, "i18n", l + ".json"), "utf8"))]));
const shots = [];
let browser, page;

mkdirSync(ARTIFACTS, { recursive: true });

async function shot(name) {
	const path = join(ARTIFACTS, name + ".png");

	await page.screenshot({ path, fullPage: true });
	shots.push(path);
}

/* The CSP violations the login page has seen (none is the rule). */
async function violations() {
	return page.evaluate(() => window.__violations ?? []);
}

/*
 * A browser with a simulated Web eID extension: it answers the page's
 * web-eid:authenticate as the real content script does, signing with
 * $KEYS/card.key (a P-256 key whose certificate the citizen CA issued)
 * in node:crypto, independently of www/js.
 */
async function newBrowser() {
	const b = await puppeteer.launch({
		executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
		headless: true,
		args: ["--no-sandbox", "--disable-gpu"]
	});
	const p = (await b.pages())[0] ?? await b.newPage();

	p.setDefaultTimeout(60000);
	await p.exposeFunction("__fakeCard", (origin, challenge) => {
		const signed = Buffer.concat([
			createHash("sha256").update(origin).digest(),
			createHash("sha256").update(challenge).digest()]);
		const cert = new X509Certificate(readFileSync(join(KEYS,
		    "card.crt")));

		return {
			unverifiedCertificate: cert.raw.toString("base64"),
			algorithm: "ES256",
			signature: createSign("sha256").update(signed).sign({
				key: readFileSync(join(KEYS, "card.key")),
				dsaEncoding: "ieee-p1363"
			}).toString("base64"),
			format: "web-eid:1.0",
			appVersion: "https://web-eid.eu/web-eid-app/releases/2.5.0"
		};
	});
	await p.evaluateOnNewDocument(() => {
		document.addEventListener("securitypolicyviolation", (e) =>
		    (window.__violations ??= []).push(e.violatedDirective +
		    " " + e.blockedURI));
		window.addEventListener("message", async (ev) => {
			const m = ev.data;

			if (!window.__cardPresent ||
			    m?.action !== "web-eid:authenticate")
				return;
			window.postMessage({ action:
			    "web-eid:authenticate-ack" }, "*");
			const t = await window.__fakeCard(location.origin,
			    m.challengeNonce);
			window.postMessage({ action:
			    "web-eid:authenticate-success", ...t }, "*");
		});
	});
	return { b, p };
}

before(async () => {
	({ b: browser, p: page } = await newBrowser());
});

after(async () => {
	await browser?.close();
});

/*
 * Forgets every cookie (kalitd's session, the portals'): the cases after
 * the SSO sequence start from a browser of their own, so that one failure
 * does not become many.
 */
async function freshBrowser() {
	const cdp = await page.createCDPSession();

	await cdp.send("Network.clearBrowserCookies");
	await cdp.detach();
}

/* Goes to portal's path, which sends the browser to the login page. */
async function toLoginPage(portal, path = "/login") {
	await page.goto(portal + path);
	assert.equal(new URL(page.url()).origin + new URL(page.url()).pathname,
	    OP + "/login/", "on the login page");
	await page.waitForSelector("body[data-ready]");
}

/* Opens key file name with password on the login page and submits. */
async function submit(name, password = PASSWORD) {
	const file = await page.$("#file");

	await file.uploadFile(join(KEYS, name));
	await page.type("#password", password);
	await page.click("#submit");
}

/* Waits for selector; on a timeout the page is kept as NAME-failed.png. */
async function waitFor(selector, name) {
	try {
		await page.waitForSelector(selector);
	} catch (e) {
		await shot(name + "-failed");
		throw new Error(e.message + " at " + page.url() + ": " +
		    await page.$eval("body", (b) => b.innerText.slice(0, 300))
		    .catch(() => "?"));
	}
}

async function loggedIn(portal, name) {
	await waitFor("#welcome", name);
	assert.equal(new URL(page.url()).origin, new URL(portal).origin);
	const claims = await page.$$eval("td[id^=claim-]", (tds) =>
	    Object.fromEntries(tds.map((td) => [td.id.slice(6),
	    td.textContent])));

	await shot(name);
	return claims;
}

/* The refusal the login page shows: its code and text. */
async function refusal() {
	await waitFor("#alert:not([hidden])", "refusal");
	return page.$eval("#alert", (a) => ({ code: a.dataset.code,
	    text: a.firstChild.textContent,
	    password: document.getElementById("password").value }));
}

let firstSid;

test("oidc_citizen_logs_in_to_portal_a", async () => {
	const sent = [];
	const onRequest = (r) => sent.push({ url: r.url(),
	    method: r.method(), body: r.postData() ?? "" });

	page.on("request", onRequest);
	await toLoginPage(PORTAL_A, "/login?lang=en");
	/* The client's registered name (--client-name), not its id. */
	assert.match(await page.$eval("#client", (e) => e.textContent),
	    /^to Portal A$/);
	await shot("01-login-page-en");
	await submit("citizen.p12");
	/* The progress line shows while the worker opens the file. */
	const claims = await loggedIn(PORTAL_A, "02-portal-a-logged-in");

	assert.equal(claims.sub, "30000000000001");
	assert.equal(claims.pinfl, "30000000000001");
	assert.equal(claims.acr, "citizen");
	assert.deepEqual(claims.amr.split(" "), ["pop", "swk"]);
	assert.match(claims.name, /Aliyev/);
	firstSid = claims.sid;
	page.off("request", onRequest);
	/*
	 * Only {r} (the challenge fetched at load, still fresh at submit) and
	 * {r, challenge, token} left the page: no password, no key.
	 */
	const posts = sent.filter((x) => x.method === "POST");
	assert.deepEqual(posts.map((x) => new URL(x.url).pathname),
	    ["/oidc/challenge", "/oidc/login"]);
	assert.deepEqual(Object.keys(JSON.parse(posts[1].body)).sort(),
	    ["challenge", "r", "token"]);
	assert.deepEqual(Object.keys(JSON.parse(posts[1].body).token).sort(),
	    ["algorithm", "appVersion", "format", "signature",
	    "unverifiedCertificate"]);
	for (const x of sent)
		assert.ok(!x.url.includes(PASSWORD) &&
		    !x.body.includes(PASSWORD), "the password left: " + x.url);
	assert.deepEqual(await violations(), []);
});

test("oidc_portal_b_single_sign_on_without_signature", async () => {
	const seen = [];
	const onRequest = (r) => seen.push(new URL(r.url()).pathname);

	page.on("request", onRequest);
	await page.goto(PORTAL_B + "/login");
	const claims = await loggedIn(PORTAL_B, "03-portal-b-sso");
	page.off("request", onRequest);

	assert.equal(claims.sub, "30000000000001");
	assert.equal(claims.sid, firstSid, "the same kalit session");
	assert.ok(!seen.includes("/login/"), "no login page: " + seen);
	assert.ok(!seen.includes("/oidc/login"), "no new signature");
});

test("oidc_prompt_login_forces_a_signature", async () => {
	await toLoginPage(PORTAL_B, "/login?prompt=login&lang=ru");
	await shot("04-prompt-login-ru");
	/* By keyboard: the password field, then Enter submits. */
	await (await page.$("#file")).uploadFile(join(KEYS, "citizen.p12"));
	await page.focus("#password");
	await page.keyboard.type(PASSWORD);
	await page.keyboard.press("Enter");
	const claims = await loggedIn(PORTAL_B, "05-portal-b-new-signature");

	assert.equal(claims.sub, "30000000000001");
});

test("oidc_logout_at_a_reaches_b_by_back_channel", async () => {
	/* B's session is the latest one; log in to A inside it. */
	await page.goto(PORTAL_A + "/login");
	const a = await loggedIn(PORTAL_A, "06-portal-a-sso");
	const before = await (await fetch(PORTAL_B +
	    "/backchannel-logouts")).json();

	await page.click("#logout");
	await page.waitForSelector("#login");
	assert.equal(new URL(page.url()).origin, new URL(PORTAL_A).origin);
	await shot("07-portal-a-logged-out");
	/* Back-channel delivery may be retried: wait for it, boundedly. */
	let got = [];
	for (let i = 0; i < 100 && got.length <= before.length; i++) {
		got = await (await fetch(PORTAL_B +
		    "/backchannel-logouts")).json();
		if (got.length <= before.length)
			await new Promise((r) => setTimeout(r, 200));
	}
	const lt = got.at(-1);
	assert.ok(got.length > before.length, "B got a logout token");
	assert.equal(lt.sid, a.sid);
	assert.equal(lt.aud, "portal-b");
	assert.equal(lt.iss, OP);
	/* B's session of that sid is gone, and no SSO is left. */
	await page.goto(PORTAL_B + "/");
	assert.ok(await page.$("#login"), "B logged out");
	await toLoginPage(PORTAL_A, "/login?lang=uz");
	await shot("08-after-logout-login-page-uz");
});

/* Each refusal: the code, and its message in the page's language. */
for (const [file, code, lang, n] of [
	["citizen.p12", "wrong_password", "uz", "09"],
	["revoked.p12", "certificate_revoked", "uz", "10"],
	["expired.p12", "certificate_expired", "ru", "11"],
	["untrusted.p12", "certificate_untrusted", "en", "12"],
	["legacy.p12", "legacy_key_file", "ru", "13"]
]) {
	test("oidc_refusal_" + code + "_" + lang, async () => {
		await freshBrowser();
		await toLoginPage(PORTAL_A, "/login?lang=" + lang);
		await submit(file, code === "wrong_password" ? "not it" :
		    PASSWORD);
		const r = await refusal();

		await shot(n + "-refused-" + code + "-" + lang);
		assert.equal(r.code, code);
		assert.equal(r.text, MSG[lang].error[code]);
		assert.equal(r.password, "", "the password field is cleared");
		assert.deepEqual(await violations(), []);
	});
}

test("oidc_official_logs_in_where_official_is_asked", async () => {
	await freshBrowser();
	await toLoginPage(PORTAL_A, "/login?acr=official&lang=en");
	assert.match(await page.$eval("#client", (e) => e.textContent),
	    /officials/);
	await shot("14-official-login-page");
	await submit("official.p12");
	const claims = await loggedIn(PORTAL_A, "15-official-logged-in");

	assert.equal(claims.acr, "official");
	await page.click("#logout");
	await page.waitForSelector("#login");
});

test("oidc_citizen_refused_where_official_is_asked", async () => {
	await freshBrowser();
	await toLoginPage(PORTAL_A, "/login?acr=official&lang=en");
	await submit("citizen.p12");
	const r = await refusal();

	await shot("16-citizen-refused-official-only");
	assert.equal(r.code, "certificate_policy");
	assert.equal(r.text, MSG.en.error.certificate_policy);
});

test("oidc_id_card_without_extension_says_so", async () => {
	await freshBrowser();
	await toLoginPage(PORTAL_A, "/login?lang=en");
	await page.click("#card");
	const r = await refusal();

	await shot("17-card-no-extension");
	assert.equal(r.code, "card_extension_missing");
});

test("oidc_id_card_through_web_eid_extension", async () => {
	await freshBrowser();
	await toLoginPage(PORTAL_A, "/login?lang=en");
	await page.evaluate(() => window.__cardPresent = true);
	await page.click("#card");
	const claims = await loggedIn(PORTAL_A, "18-card-logged-in");

	assert.equal(claims.acr, "citizen");
	assert.ok(claims.amr.split(" ").includes("pop"));
	await page.click("#logout");
	await page.waitForSelector("#login");
});

test("oidc_login_page_without_or_with_a_forged_request", async () => {
	await freshBrowser();
	await page.goto(OP + "/login/?lang=en");
	let r = await refusal();
	assert.equal(r.code, "request_missing");
	await shot("19-no-request");
	await page.goto(OP + "/login/?lang=ru&r=" + "A".repeat(120));
	r = await refusal();
	assert.equal(r.code, "request_invalid");
	assert.equal(r.text, MSG.ru.error.request_invalid);
	await shot("20-forged-request-ru");
	assert.deepEqual(await violations(), []);
});

test("oidc_unregistered_redirect_uri_error_page_no_redirect", async () => {
	await freshBrowser();
	const u = new URL(OP + "/oidc/authorize");

	for (const [k, v] of Object.entries({ client_id: "portal-a",
	    response_type: "code", scope: "openid", state: "s1",
	    redirect_uri: PORTAL_A + "/callback/../evil", ui_locales: "ru",
	    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
	    code_challenge_method: "S256" }))
		u.searchParams.set(k, v);
	const res = await page.goto(u.href);

	assert.equal(res.status(), 400);
	assert.equal(new URL(page.url()).origin, OP, "no redirect");
	await page.waitForSelector("body[data-ready]");
	const r = await page.$eval("#alert", (a) => ({ code: a.dataset.code,
	    text: a.firstChild.textContent }));
	assert.equal(r.code, "redirect_uri_invalid");
	assert.equal(r.text, MSG.ru.error.redirect_uri_invalid);
	assert.equal(await page.$eval("h1", (e) => e.textContent),
	    MSG.ru.text.error_title);
	await shot("22-error-page-redirect-uri-ru");
	assert.deepEqual(await violations(), []);
});

test("oidc_brand_from_brand_dir", async () => {
	await freshBrowser();
	/* $BRAND (brand_dir): en.json renames the title, brand.css the colour. */
	await toLoginPage(PORTAL_A, "/login?lang=en");
	assert.equal(await page.$eval("h1", (e) => e.textContent),
	    "Sign in to MyGov");
	assert.equal(await page.$eval("#submit", (e) =>
	    getComputedStyle(e).backgroundColor), "rgb(0, 100, 0)");
	/* Untouched texts stay kalit's. */
	assert.equal(await page.$eval("#submit", (e) => e.textContent),
	    MSG.en.text.submit);
	await shot("21-branded-en");
	assert.deepEqual(await violations(), []);
});

test("oidc_screenshots_kept", (t) => {
	for (const s of shots)
		t.diagnostic("screenshot " + s);
	assert.ok(shots.length >= 15);
});
