/*
 * fakeop.mjs: the OpenID Provider side of docs/oidc.md's contract (issue
 * 14), in as few lines as will do, so that the login page, the demo portal
 * and oidc.test.mjs run in make check before kalitd serves that contract.
 * It is a model, not kalitd: it checks the Web eID token's signature with
 * node:crypto but judges no certificate (the certificates' verdicts come
 * from its configuration), keeps everything in memory, and knows one
 * binding cookie and one session cookie.  tests/browser/oidc.sh runs the
 * same oidc.test.mjs against the real kalitd.
 *
 *   node fakeop.mjs CONFIG.json      prints "fakeop: listening on URL"
 *
 * CONFIG: {www, brand (a brand_dir), clients: [{id, secret, redirect_uris,
 * post_logout_redirect_uris, backchannel_logout_uri}], refuse: {SHA256 of
 * a certificate's DER (hex): code}, officials: [SHA256...]}
 */

import { createHash, createVerify, randomBytes, X509Certificate }
    from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import * as jose from "jose";

const conf = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { privateKey, publicKey } = await jose.generateKeyPair("ES256");
const jwk = { ...(await jose.exportJWK(publicKey)), kid: "fake-1",
    use: "sig", alg: "ES256" };
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "img-src 'self'; connect-src 'self'; worker-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const TYPES = { html: "text/html; charset=utf-8", js: "text/javascript",
    css: "text/css", json: "application/json", svg: "image/svg+xml" };
const rnd = () => randomBytes(32).toString("base64url");
const sha = (s) => createHash("sha256").update(s).digest();
const requests = new Map(), challenges = new Map(), sessions = new Map(),
    codes = new Map();
const BCL = "http://schemas.openid.net/event/backchannel-logout";
let iss;

function clientOf(id) {
	return conf.clients.find((c) => c.id === id);
}

function cookies(req) {
	const out = {};

	for (const c of (req.headers.cookie ?? "").split("; ")) {
		const i = c.indexOf("=");
		if (i > 0)
			out[c.slice(0, i)] = c.slice(i + 1);
	}
	return out;
}

function json(res, status, body, headers = {}) {
	res.writeHead(status, { "Content-Type": "application/json",
	    "Cache-Control": "no-store", ...headers });
	res.end(JSON.stringify(body));
}

function redirect(res, to, headers = {}) {
	res.writeHead(302, { Location: String(to), ...headers });
	res.end();
}

function back(res, uri, params) {
	const u = new URL(uri);

	for (const [k, v] of Object.entries(params))
		if (v !== null && v !== undefined)
			u.searchParams.set(k, v);
	u.searchParams.set("iss", iss);
	redirect(res, u);
}

/* The file of the page at name: brand/ ones from conf.brand when there. */
function served(name) {
	if (conf.brand !== undefined && name.startsWith("brand/") &&
	    existsSync(join(conf.brand, name.slice(6))))
		return join(conf.brand, name.slice(6));
	return join(conf.www, name);
}

/* The HTML file name with its SRI placeholders filled. */
function page(name) {
	return readFileSync(served(name), "utf8").replace(
	    /@SRI:([a-z0-9/.-]+)@/g, (m, f) => "sha384-" +
	    createHash("sha384").update(readFileSync(served(f)))
	    .digest("base64"));
}

/* /login/...: the page files, SRI placeholders filled. */
function staticFile(res, path) {
	const name = path === "/login/" ? "index.html" :
	    path.slice("/login/".length);

	if (!/^(index\.html|(js|css|i18n|brand)\/[a-z0-9-]+\.[a-z]+)$/
	    .test(name)) {
		res.writeHead(404, { "Content-Security-Policy": CSP });
		return res.end();
	}
	const body = name.endsWith(".html") ? page(name) :
	    readFileSync(served(name));
	res.writeHead(200, { "Content-Type": TYPES[name.split(".").pop()],
	    "Content-Security-Policy": CSP, "Cache-Control": "no-store",
	    "Cross-Origin-Opener-Policy": "same-origin",
	    "Referrer-Policy": "no-referrer",
	    "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY" });
	res.end(body);
}

/* No redirect: kalitd's error page, its template error.html filled. */
function errorPage(res, code, lang) {
	const html = page("error.html").replace(/@([A-Z]+)@/g, (m, k) =>
	    ({ ERROR: code, TEXT: "refused: " + code, LANG: lang })[k] ?? m);

	res.writeHead(400, { "Content-Type": TYPES.html,
	    "Content-Security-Policy": CSP, "Cache-Control": "no-store" });
	res.end(html);
}

function issueCode(res, q, s) {
	const code = rnd();

	s.clients.add(q.client_id);
	codes.set(code, { ...q, sid: s.sid, at: Date.now() });
	back(res, q.redirect_uri, { code, state: q.state });
}

function authorize(req, res, url) {
	const q = Object.fromEntries(url.searchParams);
	const c = clientOf(q.client_id);
	const ck = cookies(req);

	if (c === undefined || !c.redirect_uris.includes(q.redirect_uri))
		return errorPage(res, c === undefined ? "client_unknown" :
		    "redirect_uri_invalid", (q.ui_locales ?? "uz").split(" ")[0]);
	if (q.response_type !== "code")
		return back(res, q.redirect_uri, { error:
		    "unsupported_response_type", state: q.state });
	if (q.code_challenge_method !== "S256")
		return back(res, q.redirect_uri, { error: "invalid_request",
		    state: q.state });
	const acr = (q.acr_values ?? "citizen official").split(" ");
	const s = sessions.get(ck["kalit-sid"]);
	if (s !== undefined && q.prompt !== "login" && acr.includes(s.acr))
		return issueCode(res, q, s);
	if (q.prompt === "none")
		return back(res, q.redirect_uri, { error: "login_required",
		    state: q.state });
	const binding = ck["kalit-b"] ?? rnd();
	const r = rnd();
	requests.set(r, { q, acr, binding });
	redirect(res, "/login/?r=" + r + "&lang=" + (q.ui_locales ?? "uz")
	    .split(" ")[0], { "Set-Cookie": "kalit-b=" + binding +
	    "; Path=/; HttpOnly; SameSite=Lax" });
}

function request(req, body) {
	const r = requests.get(body?.r);

	return r !== undefined && r.binding === cookies(req)["kalit-b"] ?
	    r : null;
}

function challenge(req, res, body) {
	const r = request(req, body);

	if (r === null)
		return json(res, 400, { error: "request_invalid" });
	const ch = rnd() + rnd();
	challenges.set(ch, body.r);
	json(res, 200, { challenge: ch, origin: iss, client: { id: r.q.client_id,
	    name: clientOf(r.q.client_id).name }, acr: r.acr, expires_in: 120 });
}

function login(req, res, body) {
	const r = request(req, body);
	const t = body?.token;

	if (req.headers["x-kalit-login"] !== "1" ||
	    req.headers.origin !== iss)
		return json(res, 403, { error: "origin_mismatch" });
	if (r === null)
		return json(res, 400, { error: "request_invalid" });
	const ch = body.challenge;
	if (typeof ch !== "string" || typeof t !== "object")
		return json(res, 400, { error: "request_malformed" });
	if (challenges.get(ch) !== body.r)
		return json(res, 400, { error: "challenge_unknown" });
	challenges.delete(ch);
	const der = Buffer.from(t.unverifiedCertificate, "base64");
	const cert = new X509Certificate(der);
	const hash = t.algorithm === "ES384" ? "sha384" : "sha256";
	const signed = Buffer.concat([createHash(hash).update(iss).digest(),
	    createHash(hash).update(ch).digest()]);
	if (!createVerify(hash).update(signed).verify({ key: cert.publicKey,
	    dsaEncoding: "ieee-p1363" }, Buffer.from(t.signature, "base64")))
		return json(res, 401, { error: "signature_invalid" });
	const fp = sha(der).toString("hex");
	if (conf.refuse[fp] !== undefined)
		return json(res, 401, { error: conf.refuse[fp] });
	const acr = conf.officials.includes(fp) ? "official" : "citizen";
	if (!r.acr.includes(acr))
		return json(res, 403, { error: "certificate_policy" });
	requests.delete(body.r);
	const old = cookies(req)["kalit-sid"];
	sessions.delete(old);
	const id = rnd();
	const s = { sid: rnd(), sub: cert.subject.match(/pinfl=(\d+)|1\.2\.860\.3\.16\.1\.2=(\d+)/)?.slice(1).find(Boolean) ?? fp.slice(0, 14),
	    name: cert.subject.match(/CN=([^\n]+)/)?.[1], acr,
	    amr: ["pop", "swk"], auth_time: Math.floor(Date.now() / 1000),
	    clients: new Set() };
	sessions.set(id, s);
	const code = rnd();
	s.clients.add(r.q.client_id);
	codes.set(code, { ...r.q, sid: s.sid });
	const u = new URL(r.q.redirect_uri);
	u.searchParams.set("code", code);
	if (r.q.state !== undefined)
		u.searchParams.set("state", r.q.state);
	u.searchParams.set("iss", iss);
	json(res, 200, { redirect: u.href }, { "Set-Cookie": "kalit-sid=" +
	    id + "; Path=/; HttpOnly; SameSite=Lax" });
}

/*
 * The client's id and secret: client_secret_basic (RFC 6749 2.3.1: each
 * part form-urlencoded), or client_secret_post.
 */
function clientAuth(req, form) {
	const basic = req.headers.authorization;

	if (basic === undefined)
		return [form.get("client_id"), form.get("client_secret")];
	return Buffer.from(basic.replace(/^Basic /, ""), "base64").toString()
	    .split(":").map((x) => decodeURIComponent(x.replace(/\+/g, " ")));
}

async function token(req, res, form) {
	const [id, secret] = clientAuth(req, form);
	const c = clientOf(id);
	const k = codes.get(form.get("code"));

	codes.delete(form.get("code"));
	if (c === undefined || c.secret !== secret)
		return json(res, 401, { error: "invalid_client" });
	if (k === undefined || k.client_id !== id ||
	    k.redirect_uri !== form.get("redirect_uri") ||
	    sha(form.get("code_verifier") ?? "").toString("base64url") !==
	    k.code_challenge)
		return json(res, 400, { error: "invalid_grant" });
	const s = [...sessions.values()].find((x) => x.sid === k.sid);
	const at = rnd();
	const idt = await new jose.SignJWT({ nonce: k.nonce, acr: s.acr,
	    amr: s.amr, auth_time: s.auth_time, sid: s.sid, name: s.name,
	    pinfl: s.sub, at_hash: sha(at).subarray(0, 16)
	    .toString("base64url") })
	    .setProtectedHeader({ alg: "ES256", kid: jwk.kid }).setIssuer(iss)
	    .setSubject(s.sub).setAudience(id).setIssuedAt()
	    .setExpirationTime("5m").sign(privateKey);
	json(res, 200, { access_token: at, token_type: "Bearer",
	    expires_in: 600, id_token: idt, scope: k.scope });
}

async function logout(req, res, url) {
	const hint = url.searchParams.get("id_token_hint");
	const { payload } = await jose.jwtVerify(hint, publicKey,
	    { issuer: iss, currentDate: new Date(0) }).catch(() => ({}));
	const c = clientOf(payload?.aud);
	const post = url.searchParams.get("post_logout_redirect_uri");

	for (const [id, s] of sessions) {
		if (s.sid !== payload?.sid)
			continue;
		sessions.delete(id);
		for (const cid of s.clients) {
			const to = clientOf(cid).backchannel_logout_uri;
			if (to === undefined)
				continue;
			const lt = await new jose.SignJWT({ sid: s.sid,
			    events: { [BCL]: {} } })
			    .setProtectedHeader({ alg: "ES256", kid: jwk.kid,
			    typ: "logout+jwt" }).setIssuer(iss).setSubject(s.sub)
			    .setAudience(cid).setIssuedAt().setJti(rnd())
			    .setExpirationTime("2m").sign(privateKey);
			await fetch(to, { method: "POST", body:
			    new URLSearchParams({ logout_token: lt }) });
		}
	}
	if (c === undefined || !c.post_logout_redirect_uris.includes(post))
		return json(res, 200, { logged_out: true });
	const u = new URL(post);
	if (url.searchParams.has("state"))
		u.searchParams.set("state", url.searchParams.get("state"));
	redirect(res, u, { "Set-Cookie": "kalit-sid=; Path=/; Max-Age=0" });
}

function discovery(res) {
	json(res, 200, { issuer: iss,
	    authorization_endpoint: iss + "/oidc/authorize",
	    token_endpoint: iss + "/oidc/token",
	    userinfo_endpoint: iss + "/oidc/userinfo",
	    end_session_endpoint: iss + "/oidc/logout",
	    jwks_uri: iss + "/v1/jwks", response_types_supported: ["code"],
	    subject_types_supported: ["public"],
	    id_token_signing_alg_values_supported: ["ES256"],
	    code_challenge_methods_supported: ["S256"],
	    token_endpoint_auth_methods_supported: ["client_secret_basic"],
	    authorization_response_iss_parameter_supported: true,
	    backchannel_logout_supported: true,
	    backchannel_logout_session_supported: true });
}

async function route(req, res, body) {
	const url = new URL(req.url, iss);
	const p = url.pathname;

	if (p === "/.well-known/openid-configuration")
		return discovery(res);
	if (p === "/v1/jwks")
		return json(res, 200, { keys: [jwk] });
	if (p === "/oidc/authorize")
		return authorize(req, res, url);
	if (p.startsWith("/login/"))
		return staticFile(res, p);
	if (p === "/oidc/challenge" && req.method === "POST")
		return challenge(req, res, JSON.parse(body));
	if (p === "/oidc/login" && req.method === "POST")
		return login(req, res, JSON.parse(body));
	if (p === "/oidc/token" && req.method === "POST")
		return token(req, res, new URLSearchParams(body));
	if (p === "/oidc/logout")
		return logout(req, res, url);
	json(res, 404, { error: "not_found" });
}

const server = createServer((req, res) => {
	let body = "";

	req.setEncoding("utf8");
	req.on("data", (d) => body += d);
	req.on("end", () => route(req, res, body).catch((e) => {
		console.error("fakeop: " + e.stack);
		json(res, 500, { error: "server_error" });
	}));
});
server.listen(0, "127.0.0.1", () => {
	iss = "http://127.0.0.1:" + server.address().port;
	console.log("fakeop: listening on " + iss);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
