/*
 * portal.mjs: kalit's demo portal, a relying party built on openid-client
 * (a certified OpenID Connect client) and jose.  It logs a citizen in with
 * kalit (authorization code flow with PKCE, state and nonce), shows the ID
 * token's claims, logs out (RP-Initiated Logout) and takes back-channel
 * logout tokens.  docs/integrate.md walks through it.
 *
 *   node portal.mjs --issuer URL --client-id ID --secret-file FILE
 *       [--port N] [--name TEXT] [--scope TEXT] [--auth client_secret_post]
 *
 * It listens on 127.0.0.1 (port 0: any; the first line it prints is
 * "portal: listening on URL").  Its registration with kalitd:
 *   kalitd client add ID --redirect-uri URL/callback
 *       --post-logout-uri URL/ --backchannel-logout-uri URL/backchannel-logout
 * Sessions live in memory; a demo, not a template for storing them.
 */

import { randomBytes, webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

/* openid-client and jose need WebCrypto as a global (Node 18 lacks it). */
if (globalThis.crypto === undefined)
	globalThis.crypto = webcrypto;
const client = await import("openid-client");
const jose = await import("jose");

const { values: opt } = parseArgs({ options: {
	issuer: { type: "string" },
	"client-id": { type: "string" },
	"secret-file": { type: "string" },
	port: { type: "string", default: "0" },
	name: { type: "string", default: "Demo portal" },
	scope: { type: "string", default: "openid profile pinfl organization" },
	/* client_secret_basic, client_secret_post (with a secret) */
	auth: { type: "string", default: "client_secret_basic" }
} });
if (opt.issuer === undefined || opt["client-id"] === undefined) {
	console.error("usage: node portal.mjs --issuer URL --client-id ID " +
	    "[--secret-file FILE] [--port N] [--name TEXT]");
	process.exit(2);
}
const clientId = opt["client-id"];
/* No secret file: a public client (PKCE alone). */
const secret = opt["secret-file"] === undefined ? null :
    readFileSync(opt["secret-file"], "utf8").trim();
const issuer = new URL(opt.issuer);
/* openid-client refuses plain http unless told; https in production. */
const execute = issuer.protocol === "http:" ?
    [client.allowInsecureRequests] : [];

const auth = secret === null ? client.None() :
    opt.auth === "client_secret_post" ? client.ClientSecretPost(secret) :
    client.ClientSecretBasic(secret);
const config = await client.discovery(issuer, clientId, undefined, auth,
    { execute });
const meta = config.serverMetadata();
const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
const COOKIE = "portal_" + clientId.replace(/[^A-Za-z0-9]/g, "_");
const BCL_EVENT = "http://schemas.openid.net/event/backchannel-logout";
const MAX_FORM = 16384;
/* Logins under way and sessions kept; past it the oldest go. */
const MAX_KEPT = 1000;

/* session id → {claims, idToken, sid, accessToken}; pending by state. */
const sessions = new Map();
const pending = new Map();
/* The back-channel logout tokens received (their claims), for a look. */
const logouts = [];
let base;

/* map.set(k, v), the oldest entry dropped when map is full. */
function keep(map, k, v) {
	if (map.size >= MAX_KEPT)
		map.delete(map.keys().next().value);
	map.set(k, v);
}

function esc(s) {
	return String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) +
	    ";");
}

function page(res, status, title, body, headers = {}) {
	res.writeHead(status, {
		"Content-Type": "text/html; charset=utf-8",
		"Content-Security-Policy": "default-src 'none'; " +
		    "style-src 'unsafe-inline'; form-action 'self'",
		"Cache-Control": "no-store",
		...headers
	});
	res.end("<!doctype html><meta charset=utf-8><title>" + esc(title) +
	    "</title><style>body{font:16px system-ui;max-width:40em;" +
	    "margin:2em auto}td,th{text-align:left;padding:.2em .8em}" +
	    "</style><h1>" + esc(title) + "</h1>" + body);
}

function cookie(req) {
	const m = (req.headers.cookie ?? "").match(new RegExp("(?:^|; )" +
	    COOKIE + "=([A-Za-z0-9_-]+)"));
	return m === null ? null : m[1];
}

function setCookie(value, maxAge) {
	return COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Lax; " +
	    "Max-Age=" + maxAge;
}

function redirect(res, to, headers = {}) {
	res.writeHead(302, { Location: String(to), "Cache-Control": "no-store",
	    ...headers });
	res.end();
}

const CLAIMS = ["sub", "name", "given_name", "family_name", "pinfl", "tin",
    "organization", "title", "acr", "amr", "auth_time", "sid"];

function home(req, res) {
	const s = sessions.get(cookie(req));

	if (s === undefined) {
		page(res, 200, opt.name, "<p>You are not logged in.</p>" +
		    "<p><a id=login href=/login>Log in with kalit</a> · " +
		    "<a id=login-official href='/login?acr=official'>" +
		    "as an official</a> · <a id=login-again " +
		    "href='/login?prompt=login'>with a new signature</a></p>");
		return;
	}
	const rows = CLAIMS.filter((k) => s.claims[k] !== undefined)
	    .map((k) => "<tr><th>" + esc(k) + "<td id=claim-" + esc(k) + ">" +
	    esc(Array.isArray(s.claims[k]) ? s.claims[k].join(" ") :
	    s.claims[k])).join("");
	page(res, 200, opt.name, "<p id=welcome>Logged in as " +
	    esc(s.claims.name ?? s.claims.sub) + ".</p>" +
	    "<p>The ID token, validated by openid-client, says:</p><table>" +
	    rows + "</table><p><a id=logout href=/logout>Log out</a></p>");
}

function login(req, res, q) {
	const verifier = client.randomPKCECodeVerifier();
	const state = client.randomState();
	const nonce = client.randomNonce();
	const params = {
		redirect_uri: base + "/callback",
		scope: opt.scope,
		state,
		nonce
	};

	for (const p of ["acr", "prompt", "lang", "max_age"]) {
		const v = q.get(p);

		if (v !== null)
			params[{ acr: "acr_values", lang: "ui_locales" }[p] ??
			    p] = v;
	}
	client.calculatePKCECodeChallenge(verifier).then((challenge) => {
		params.code_challenge = challenge;
		params.code_challenge_method = "S256";
		keep(pending, state, { verifier, nonce });
		redirect(res, client.buildAuthorizationUrl(config, params));
	});
}

async function callback(req, res, url) {
	const state = url.searchParams.get("state");
	const p = pending.get(state ?? "");

	if (url.searchParams.has("error")) {
		pending.delete(state ?? "");
		page(res, 400, opt.name, "<p>kalit refused the login: <code " +
		    "id=error>" + esc(url.searchParams.get("error")) +
		    "</code></p><p><a href=/>Back</a></p>");
		return;
	}
	if (p === undefined) {
		page(res, 400, opt.name, "<p id=error>No login is under way " +
		    "in this browser.</p>");
		return;
	}
	pending.delete(state);
	/* Checks state, iss (RFC 9207), the code exchange, the ID token. */
	const tokens = await client.authorizationCodeGrant(config, url, {
		pkceCodeVerifier: p.verifier,
		expectedState: state,
		expectedNonce: p.nonce,
		idTokenExpected: true
	});
	const claims = tokens.claims();
	const id = randomBytes(32).toString("base64url");

	keep(sessions, id, { claims, idToken: tokens.id_token,
	    accessToken: tokens.access_token });
	redirect(res, base + "/", { "Set-Cookie": setCookie(id, 3600) });
}

function logout(req, res) {
	const id = cookie(req);
	const s = sessions.get(id);

	sessions.delete(id);
	if (s === undefined) {
		redirect(res, base + "/");
		return;
	}
	redirect(res, client.buildEndSessionUrl(config, {
		id_token_hint: s.idToken,
		post_logout_redirect_uri: base + "/",
		state: client.randomState()
	}), { "Set-Cookie": setCookie("", 0) });
}

/* OpenID Connect Back-Channel Logout 1.0, section 2.6. */
async function backchannel(req, res, body) {
	const token = new URLSearchParams(body).get("logout_token");
	let claims;

	try {
		({ payload: claims } = await jose.jwtVerify(token ?? "", jwks, {
			issuer: meta.issuer,
			audience: clientId,
			typ: "logout+jwt",
			algorithms: ["ES256"],
			maxTokenAge: "5 min"
		}));
		if (typeof claims.events?.[BCL_EVENT] !== "object" ||
		    claims.nonce !== undefined ||
		    typeof claims.jti !== "string" ||
		    (claims.sid === undefined && claims.sub === undefined))
			throw new Error("not a logout token");
	} catch (e) {
		res.writeHead(400, { "Content-Type": "application/json",
		    "Cache-Control": "no-store" });
		res.end(JSON.stringify({ error: "invalid_request" }));
		return;
	}
	for (const [id, s] of sessions) {
		if ((claims.sid !== undefined && s.claims.sid === claims.sid) ||
		    (claims.sid === undefined && s.claims.sub === claims.sub))
			sessions.delete(id);
	}
	logouts.push(claims);
	res.writeHead(200, { "Cache-Control": "no-store" });
	res.end();
}

function readBody(req) {
	return new Promise((resolve, reject) => {
		let body = "";

		req.setEncoding("utf8");
		req.on("data", (d) => {
			body += d;
			if (body.length > MAX_FORM) {
				reject(new Error("too large"));
				req.destroy();
			}
		});
		req.on("end", () => resolve(body));
		req.on("error", reject);
	});
}

async function route(req, res) {
	const url = new URL(req.url, base);

	if (req.method === "GET" && url.pathname === "/")
		return home(req, res);
	if (req.method === "GET" && url.pathname === "/login")
		return login(req, res, url.searchParams);
	if (req.method === "GET" && url.pathname === "/callback")
		return callback(req, res, url);
	if (req.method === "GET" && url.pathname === "/logout")
		return logout(req, res);
	if (req.method === "POST" && url.pathname === "/backchannel-logout")
		return backchannel(req, res, await readBody(req));
	if (req.method === "GET" && url.pathname === "/backchannel-logouts")
		return res.writeHead(200, { "Content-Type":
		    "application/json" }).end(JSON.stringify(logouts));
	page(res, 404, opt.name, "<p>Not found.</p>");
}

const server = createServer((req, res) => {
	route(req, res).catch((e) => {
		/* openid-client's error code, e.g. OAUTH_JWT_CLAIM_COMPARISON. */
		console.error("portal: " + (e.code ?? "") + " " + e.message);
		if (!res.headersSent)
			page(res, 500, opt.name, "<p>The login failed: <code " +
			    "id=error>" + esc(e.code ?? e.error ?? "error") +
			    "</code></p>");
	});
});
server.listen(Number(opt.port), "127.0.0.1", () => {
	base = "http://127.0.0.1:" + server.address().port;
	console.log("portal: listening on " + base);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
