/*
 * machine.test.mjs: agencies' information systems at kalitd's token
 * endpoint (issue 15). npm openid-client is a system that authenticates
 * with private_key_jwt, its certificate path in the assertion's x5c, and
 * gets RFC 9068 access tokens that npm jose verifies offline and the
 * API's gate introspects; then every hostile assertion of the acceptance
 * list, made with jose (or by hand where jose refuses to), gets its exact
 * error.
 *
 * Environment (tests/browser/machine.sh sets it): OP (the provider's
 * origin), KEYS (NAME.key, PKCS#8, and NAME.chain, the path leaf first,
 * of each key file), GATE_SECRET (the secret of client cadastre-gate,
 * registered with --resource https://api.cadastre.uz).
 */

import assert from "node:assert/strict";
import { X509Certificate, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import * as client from "openid-client";
import * as jose from "jose";

const { OP, KEYS, GATE_SECRET } = process.env;
const CADASTRE = "https://api.cadastre.uz";
const PERSONS = "https://api.persons.uz";
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
let meta;

/* NAME's key (for alg) and x5c: the DER of its path, standard base64. */
async function keyFile(name, alg = "ES256") {
	const pem = readFileSync(join(KEYS, name + ".chain"), "utf8");
	const x5c = pem.match(/-----BEGIN CERTIFICATE-----[^-]+/g).map((b) =>
	    new X509Certificate(b + "-----END CERTIFICATE-----\n").raw
	    .toString("base64"));

	return {
		key: await jose.importPKCS8(readFileSync(join(KEYS, name + ".key"),
		    "utf8"), alg, { extractable: false }),
		x5c,
		alg,
	};
}

/* openid-client's configuration for system id signing with kf. */
async function system(id, kf) {
	const config = await client.discovery(new URL(OP), id, undefined,
	    client.PrivateKeyJwt(kf.key, {
		[client.modifyAssertion]: (header) => {
			header.alg = kf.alg;
			header.x5c = kf.x5c;
		},
	    }), { execute: [client.allowInsecureRequests] });
	return config;
}

/* An assertion as RFC 7523 has it, its claims and header changed. */
async function assertion(kf, { iss = "soliq", claims = {}, header = {} } = {}) {
	const now = Math.floor(Date.now() / 1000);
	const payload = { iss, sub: iss, aud: meta.token_endpoint, iat: now,
	    exp: now + 60, jti: randomBytes(16).toString("base64url"),
	    ...claims };

	return new jose.CompactSign(new TextEncoder().encode(
	    JSON.stringify(payload))).setProtectedHeader({ alg: kf.alg,
	    typ: "JWT", x5c: kf.x5c, ...header }).sign(kf.key);
}

/* A token request with form fields; {status, body}. */
async function tokenRequest(fields, headers = {}) {
	const res = await fetch(meta.token_endpoint, {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded",
		    ...headers },
		body: new URLSearchParams(fields),
	});

	return { status: res.status, body: await res.json() };
}

/* client_credentials with assertion a and more fields. */
function grant(a, more = {}) {
	return tokenRequest({ grant_type: "client_credentials",
	    client_assertion_type: JWT_BEARER, client_assertion: a, ...more });
}

/* Asserts the answer is refused with error, its description matching. */
function refused(got, error, description, status = 400) {
	assert.equal(got.status, status, JSON.stringify(got.body));
	assert.equal(got.body.error, error, JSON.stringify(got.body));
	if (description !== undefined)
		assert.match(got.body.error_description, description);
}

/* The API's gate asks about token (RFC 7662). */
async function introspect(token) {
	const res = await fetch(meta.introspection_endpoint, {
		method: "POST",
		headers: { authorization: "Basic " + Buffer.from(
		    "cadastre-gate:" + GATE_SECRET).toString("base64") },
		body: new URLSearchParams({ token }),
	});

	assert.equal(res.status, 200);
	return res.json();
}

let soliq;

before(async () => {
	meta = await (await fetch(OP + "/.well-known/openid-configuration"))
	    .json();
	soliq = await keyFile("soliq");
});

test("discovery lists client_credentials", () => {
	assert.ok(meta.grant_types_supported.includes("client_credentials"));
});

test("openid-client gets a token with private_key_jwt and x5c", async () => {
	const config = await system("soliq", soliq);
	const t = await client.clientCredentialsGrant(config, {
	    scope: "cadastre:read", resource: CADASTRE });
	const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));

	assert.equal(t.token_type.toLowerCase(), "bearer");
	assert.equal(t.scope, "cadastre:read");
	assert.ok(t.expires_in > 0);
	/* The receiving agency, offline: RFC 9068's checks. */
	const { payload, protectedHeader } = await jose.jwtVerify(
	    t.access_token, jwks, { issuer: meta.issuer, audience: CADASTRE,
	    typ: "at+jwt", algorithms: ["ES256"] });
	assert.equal(protectedHeader.typ, "at+jwt");
	assert.equal(payload.sub, "soliq");
	assert.equal(payload.client_id, "soliq");
	assert.equal(payload.scope, "cadastre:read");
	assert.equal(payload.tin, "200000001");
	assert.equal(payload.organization, "Davlat soliq qo'mitasi");
	assert.equal(payload.name, "Soliq gateway");
	assert.equal(payload.pinfl, undefined);
	assert.ok(payload.jti && payload.iat && payload.exp > payload.iat);

	/* Online: the API's gate introspects it; another API learns nothing. */
	const i = await introspect(t.access_token);
	assert.equal(i.active, true);
	assert.equal(i.client_id, "soliq");
	assert.equal(i.aud, CADASTRE);
	assert.equal(i.tin, "200000001");
	assert.equal(i.scope, "cadastre:read");
	const p = await client.clientCredentialsGrant(config, {
	    scope: "persons:read", resource: PERSONS });
	assert.deepEqual(await introspect(p.access_token), { active: false });

	/* UserInfo is a person's: a system's token gets nothing there. */
	const u = await fetch(meta.userinfo_endpoint, { headers: {
	    authorization: "Bearer " + t.access_token } });
	assert.equal(u.status, 401);
});

test("an RSA key signs with PS256 and RS256", async () => {
	for (const alg of ["PS256", "RS256"]) {
		const kf = await keyFile("soliq-rsa", alg);
		const t = await client.clientCredentialsGrant(
		    await system("soliq", kf), { resource: CADASTRE });
		assert.equal(t.scope, "cadastre:read persons:read", alg);
	}
});

test("scope and audience", async () => {
	/* No scope: all the client registered; no resource: its one API. */
	const one = await client.clientCredentialsGrant(
	    await system("soliq-one", soliq));
	assert.equal(one.scope, "cadastre:read");
	assert.equal(jose.decodeJwt(one.access_token).aud, CADASTRE);
	refused(await grant(await assertion(soliq)), "invalid_target",
	    /several APIs/);
	refused(await grant(await assertion(soliq), { resource:
	    "https://api.other.uz" }), "invalid_target", /not an API/);
	refused(await grant(await assertion(soliq), { resource: CADASTRE,
	    scope: "cadastre:write" }), "invalid_scope", /did not register/);
	refused(await grant(await assertion(soliq), { resource: CADASTRE,
	    scope: "cadastre:read  persons:read" }), "invalid_scope");
});

test("refused certificates: each with its cause", async () => {
	const cases = [
		["revoked", "invalid_client", /certificate_revoked/],
		["expired", "invalid_client", /certificate_expired/],
		["untrusted", "invalid_client", /certificate_untrusted/],
		["other-tin", "invalid_client", /another organisation \(TIN\)/],
		["other-name", "invalid_client", /another system \(CN\)/],
		["citizen", "invalid_client", /certificate_policy/],
	];

	for (const [name, error, why] of cases) {
		const kf = await keyFile(name);
		refused(await grant(await assertion(kf), { resource: CADASTRE }),
		    error, why);
	}
});

test("refused assertions: algorithms and keys", async () => {
	const other = await keyFile("other-tin");
	const [h, p] = (await assertion(soliq)).split(".");
	const none = jose.base64url.encode(JSON.stringify({ alg: "none",
	    x5c: soliq.x5c })) + "." + p + ".";
	const hs = await new jose.CompactSign(jose.base64url.decode(p))
	    .setProtectedHeader({ alg: "HS256", x5c: soliq.x5c })
	    .sign(randomBytes(32));
	/* signed by another key than x5c[0]'s */
	const wrongKey = await assertion({ ...other, x5c: soliq.x5c });

	refused(await grant(none, { resource: CADASTRE }), "invalid_client",
	    /client assertion/);
	refused(await grant(hs, { resource: CADASTRE }), "invalid_client",
	    /client assertion/);
	refused(await grant(wrongKey, { resource: CADASTRE }),
	    "invalid_client", /client assertion/);
	refused(await grant(h + "." + jose.base64url.encode(JSON.stringify({
	    iss: "soliq" })) + "." + (await assertion(soliq)).split(".")[2],
	    { resource: CADASTRE }), "invalid_client", /client assertion/);
	/* no x5c: a JWKS client's assertion, not a system's */
	refused(await grant(await assertion(soliq, { header: { x5c:
	    undefined } }), { resource: CADASTRE }), "invalid_client");
});

test("refused assertions: claims", async () => {
	const now = Math.floor(Date.now() / 1000);
	const a = await assertion(soliq);

	assert.equal((await grant(a, { resource: CADASTRE })).status, 200);
	refused(await grant(a, { resource: CADASTRE }), "invalid_client",
	    /used before/);
	refused(await grant(await assertion(soliq, { claims: { exp: now +
	    600 } }), { resource: CADASTRE }), "invalid_client", /5 minutes/);
	refused(await grant(await assertion(soliq, { claims: { exp: now -
	    10 } }), { resource: CADASTRE }), "invalid_client", /expired/);
	refused(await grant(await assertion(soliq, { claims: { aud:
	    "https://elsewhere.example/token" } }), { resource: CADASTRE }),
	    "invalid_client", /aud/);
	refused(await grant(await assertion(soliq, { claims: { sub:
	    "soliq-one" } }), { resource: CADASTRE }), "invalid_client",
	    /sub/);
	/* iss a client that is no system's; client_id not iss */
	refused(await grant(await assertion(soliq, { iss: "cadastre-gate" }),
	    { resource: CADASTRE }), "invalid_client", /information system/);
	refused(await grant(await assertion(soliq), { resource: CADASTRE,
	    client_id: "soliq-one" }), "invalid_client", /information system/);
});

test("refused requests: size and the way of authentication", async () => {
	const big = await assertion(soliq, { header: { pad:
	    "x".repeat(17000) } });

	refused(await grant(big, { resource: CADASTRE }), "invalid_request");
	refused(await grant(await assertion(soliq), { resource: CADASTRE,
	    client_secret: "s" }), "invalid_client", /alone/);
	refused(await tokenRequest({ grant_type: "client_credentials",
	    client_id: "soliq" }), "invalid_client", /certificate/);
	refused(await tokenRequest({ grant_type: "client_credentials",
	    client_assertion_type: "jwt", client_assertion: await
	    assertion(soliq) }), "invalid_request", /jwt-bearer/);
});
