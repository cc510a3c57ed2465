/*
 * login.js: the login page.  The citizen picks a key file and types its
 * password; the worker (keyworker.js) opens the file and signs kalitd's
 * challenge as a Web eID token; the page posts the token to kalitd and goes
 * where kalitd says.  Or the Web eID extension signs with an ID card
 * (webeid-ext.js).  The page itself never holds the key; it drops the
 * password as soon as it has handed it to the worker.
 *
 * kalitd's page API (docs/api.md): POST /oidc/challenge {r} and POST
 * /oidc/login {r, challenge, token}, both JSON, bound to this browser by kalitd's
 * cookie; the login also carries X-Kalit-Login: 1, which no cross-site
 * form can send.
 */

import { CodedError } from "./error.js";
import { authenticate } from "./webeid-ext.js";
import { MAX_KEY_FILE_SIZE } from "./p12.js";
import { answerCode, challengeFresh, errorMessage, format, langSearch,
    mergeMessages, pageParams, redirectTarget } from "./loginlib.js";

const $ = (id) => document.getElementById(id);
const params = pageParams(location.search, navigator.languages ?? []);
let messages = { text: {}, error: {} };
let challenge = null;		/* the last one fetched: see challengeFresh */
let worker = null;
let nextId = 1;
const pending = new Map();	/* worker request id → resolve */

async function getJson(path) {
	const res = await fetch(path, { credentials: "same-origin" });

	return res.ok ? res.json() : null;
}

/* kalit's texts in the page's language, the brand's over them. */
async function loadMessages(lang) {
	const [base, brand] = await Promise.all([getJson("i18n/" + lang +
	    ".json"), getJson("brand/" + lang + ".json").catch(() => null)]);

	if (base === null)
		throw new CodedError("internal_error");
	return mergeMessages(base, brand);
}

function text(key, vars) {
	return format(messages.text[key] ?? "", vars);
}

function applyTexts() {
	document.documentElement.lang = params.lang;
	for (const el of document.querySelectorAll("[data-text]"))
		el.textContent = text(el.dataset.text);
	document.title = text("title") + " · " + text("brand_name");
	const nav = document.querySelector("nav.langs");
	nav.setAttribute("aria-label", text("languages"));
	for (const a of nav.querySelectorAll("a[data-lang]")) {
		a.href = langSearch(location.search, a.dataset.lang);
		if (a.dataset.lang === params.lang)
			a.setAttribute("aria-current", "true");
	}
}

/* Shows the refusal code in the citizen's language, and moves focus to it. */
function showError(code) {
	const alert = $("alert");
	const c = document.createElement("span");

	alert.dataset.code = code;
	alert.textContent = errorMessage(messages, code);
	c.className = "code";
	c.textContent = text("error_code", { code });
	alert.append(c);
	alert.hidden = false;
	alert.focus();
}

function clearError() {
	$("alert").hidden = true;
	delete $("alert").dataset.code;
}

/* The progress line (null: none); the buttons are off while it shows. */
function progress(key) {
	$("progress").hidden = key === null;
	$("progress").dataset.step = key ?? "";
	$("progress-text").textContent = key === null ? "" : text(key);
	$("submit").disabled = key !== null;
	$("card").disabled = key !== null;
}

async function post(path, body, headers = {}) {
	let res, answer = null;

	try {
		res = await fetch(path, {
			method: "POST",
			credentials: "same-origin",
			headers: { "Content-Type": "application/json",
			    ...headers },
			body: JSON.stringify(body)
		});
	} catch {
		throw new CodedError("network_error");
	}
	try {
		answer = await res.json();
	} catch {
		answer = null;
	}
	if (!res.ok || answer === null)
		throw new CodedError(answerCode(res.status, answer));
	return answer;
}

/* A challenge to sign: the one fetched at load while it is fresh. */
async function freshChallenge() {
	if (!challengeFresh(challenge, Date.now())) {
		challenge = await post("/oidc/challenge", { r: params.r });
		challenge.got = Date.now();
	}
	challenge.used = true;
	if (typeof challenge.challenge !== "string" ||
	    typeof challenge.origin !== "string")
		throw new CodedError("bad_challenge");
	/* The token is signed over this page's origin: kalitd's must be it. */
	if (challenge.origin !== location.origin)
		throw new CodedError("origin_mismatch");
	return challenge.challenge;
}

function ask(msg, transfer = []) {
	if (worker === null) {
		worker = new Worker("js/keyworker.js", { type: "module" });
		worker.onmessage = (ev) => {
			const done = pending.get(ev.data?.id);

			pending.delete(ev.data?.id);
			done?.(ev.data);
		};
		worker.onerror = () => {
			for (const done of pending.values())
				done({ ok: false, error: "internal_error" });
			pending.clear();
			worker = null;
		};
	}
	return new Promise((resolve) => {
		const id = nextId++;

		pending.set(id, resolve);
		worker.postMessage({ id, ...msg }, transfer);
	});
}

async function workerDo(msg, transfer) {
	const r = await ask(msg, transfer);

	if (!r.ok)
		throw new CodedError(r.error);
	return r;
}

/*
 * Posts token, signed over challenge, to kalitd and follows its redirect
 * to the portal.  kalitd needs the challenge: the token does not hold it.
 */
async function finish(challenge, token) {
	progress("progress_checking");
	const res = await post("/oidc/login", { r: params.r, challenge, token },
	    { "X-Kalit-Login": "1" });
	const to = redirectTarget(res.redirect);

	progress("progress_redirecting");
	location.assign(to);
}

async function keyFileLogin() {
	const file = $("file").files[0];
	const password = $("password").value;

	/* The field is cleared whatever happens next. */
	$("password").value = "";
	if (file === undefined)
		throw new CodedError("no_file_chosen");
	if (password === "")
		throw new CodedError("password_missing");
	if (file.size > MAX_KEY_FILE_SIZE)
		throw new CodedError("key_file_too_large");
	const bytes = await file.arrayBuffer();

	progress("progress_opening");
	await workerDo({ op: "open", file: bytes, password }, [bytes]);
	const c = await freshChallenge();
	progress("progress_signing");
	const { token } = await workerDo({ op: "sign",
	    origin: location.origin, challenge: c });
	await finish(c, token);
}

async function cardLogin() {
	const c = await freshChallenge();

	progress("progress_card");
	await finish(c, await authenticate(c, params.lang));
}

/* Runs a login; a refusal is shown and the page is ready again. */
async function attempt(how) {
	clearError();
	try {
		await how();
	} catch (e) {
		const code = e instanceof CodedError ? e.code : "internal_error";

		progress(null);
		showError(code);
		if (code === "wrong_password" || code === "password_missing")
			$("password").focus();
		else if (code === "no_file_chosen")
			$("file").focus();
	}
}

async function start() {
	try {
		messages = await loadMessages(params.lang);
	} catch {
		/* The messages could not load: the code alone, in English. */
		messages = { text: {}, error: { unknown: "Login error." } };
	}
	applyTexts();
	if (params.r === null) {
		showError("request_missing");
		return;
	}
	$("keyform").addEventListener("submit", (ev) => {
		ev.preventDefault();
		attempt(keyFileLogin);
	});
	$("card").addEventListener("click", () => attempt(cardLogin));
	progress(null);
	/* Says whom the citizen logs in to, and finds a stale link at once. */
	try {
		challenge = await post("/oidc/challenge", { r: params.r });
		challenge.got = Date.now();
		const official = Array.isArray(challenge.acr) &&
		    challenge.acr.length > 0 &&
		    challenge.acr.every((a) => a === "official");
		const client = challenge.client?.name ?? challenge.client?.id;

		if (typeof client === "string") {
			$("client").textContent = text(official ?
			    "lead_official" : "lead", { client });
			$("client").hidden = false;
		}
	} catch (e) {
		challenge = null;
		showError(e instanceof CodedError ? e.code : "internal_error");
	}
	document.body.dataset.ready = "true";
}

start();
