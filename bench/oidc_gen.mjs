// oidc_gen.mjs: the browser's side of kalitd's login page, for bench/oidc.sh.
//
//   node oidc_gen.mjs MODE URL CLIENT REDIRECT CHALLENGE N KEYSPECS OUT CONC
//
// For each of N logins, as a browser with no cookie yet: GET
// /oidc/authorize (code flow, PKCE S256 with the code challenge CHALLENGE),
// POST /oidc/challenge for the request token the login page gets, and the
// citizen's Web eID token over (origin, challenge), signed with a key of
// KEYSPECS (lines "key.pem:cert.pem", used in turn). CONC logins at a time.
//   MODE bodies:   writes "COOKIE<TAB>BODY" a line to OUT, BODY being what
//                  the page posts to /oidc/login (bench/oidc.lua sends it)
//   MODE sessions: posts it too, and writes the browser's cookies (its
//                  binding and its session) a line: SSO logins start there
// Every answer is checked; the first that is not what a browser gets stops
// it (exit 1). Nothing here is kalitd's code: Node's http and crypto only.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";

const [mode, base, client, redirect, cc, nArg, keyspecs, out, concArg] =
    process.argv.slice(2);
if (!["bodies", "sessions"].includes(mode) || !concArg) {
	console.error("usage: oidc_gen.mjs bodies|sessions URL CLIENT REDIRECT " +
	    "CHALLENGE N KEYSPECS OUT CONC");
	process.exit(2);
}
const n = Number(nArg), conc = Number(concArg);
const origin = new URL(base).origin;
const agent = new http.Agent({ keepAlive: true, maxSockets: conc });
const keys = fs.readFileSync(keyspecs, "utf8").trim().split("\n").map((l) => {
	const [k, c] = l.split(":");
	return {
		key: crypto.createPrivateKey(fs.readFileSync(k)),
		cert: new crypto.X509Certificate(fs.readFileSync(c)).raw
		    .toString("base64"),
	};
});

function request(method, path, headers, body) {
	return new Promise((resolve, reject) => {
		const r = http.request(base + path, { method, headers, agent },
		    (res) => {
			const chunks = [];
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => resolve({ status: res.statusCode,
			    headers: res.headers,
			    body: Buffer.concat(chunks).toString() }));
		});
		r.on("error", reject);
		r.end(body);
	});
}

function cookiesOf(res, jar) {
	for (const sc of res.headers["set-cookie"] || []) {
		const [nv] = sc.split(";");
		const i = nv.indexOf("=");
		jar.set(nv.slice(0, i), nv.slice(i + 1));
	}
	return [...jar].map(([k, v]) => k + "=" + v).join("; ");
}

const sha256 = (s) => crypto.createHash("sha256").update(s, "utf8").digest();
const authorizePath = "/oidc/authorize?" + new URLSearchParams({
	client_id: client, redirect_uri: redirect, response_type: "code",
	scope: "openid profile pinfl", state: "bench", nonce: "bench-nonce",
	code_challenge: cc, code_challenge_method: "S256" });

async function one(i) {
	const jar = new Map();
	const a = await request("GET", authorizePath, {});
	const loc = a.headers.location || "";
	if (a.status !== 302 || !loc.startsWith("/login/?"))
		throw new Error(`authorize: ${a.status} ${loc} ${a.body}`);
	const r = new URL(loc, base).searchParams.get("r");
	let cookie = cookiesOf(a, jar);
	const c = await request("POST", "/oidc/challenge", { cookie,
	    "content-type": "application/json" }, JSON.stringify({ r }));
	if (c.status !== 200)
		throw new Error(`challenge: ${c.status} ${c.body}`);
	const challenge = JSON.parse(c.body).challenge;
	const k = keys[i % keys.length];
	const signature = crypto.sign("sha256", Buffer.concat([sha256(origin),
	    sha256(challenge)]), { key: k.key, dsaEncoding: "ieee-p1363" });
	const body = JSON.stringify({ r, challenge, token: {
		unverifiedCertificate: k.cert, algorithm: "ES256",
		signature: signature.toString("base64"), format: "web-eid:1.0",
		appVersion: "https://kalit.example/bench" } });
	if (mode === "bodies")
		return cookie + "\t" + body;
	const l = await request("POST", "/oidc/login", { cookie, origin,
	    "x-kalit-login": "1", "content-type": "application/json" }, body);
	if (l.status !== 200)
		throw new Error(`login: ${l.status} ${l.body}`);
	return cookiesOf(l, jar);
}

const lines = new Array(n);
let next = 0;
async function worker() {
	while (next < n) {
		const i = next++;
		lines[i] = await one(i);
	}
}
const t0 = process.hrtime.bigint();
try {
	await Promise.all(Array.from({ length: conc }, worker));
} catch (e) {
	console.error("oidc_gen: " + e.message);
	process.exit(1);
}
fs.writeFileSync(out, lines.join("\n") + "\n");
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.error(`oidc_gen: ${n} ${mode} in ${s.toFixed(1)} s`);
agent.destroy();
