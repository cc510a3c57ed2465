// webeid_node.mjs: Web eID authentication tokens made as a browser page
// makes them, with WebCrypto (node:crypto's webcrypto) and no kalit code,
// for the independent-implementation test (webeid_node.sh): what
// webeid_verify() accepts must be what another implementation of the
// format makes, and what it refuses must be the tampered tokens.
//
// Usage: node webeid_node.mjs OUTDIR ORIGIN CHALLENGE INTERMEDIATE.pem
//            NAME:KEY.pem:CERT.pem...
// Writes OUTDIR/NAME-*.json and OUTDIR/cases.tsv, one line per token:
// file, origin to verify it at, the kalit error name expected, and what
// the case is. Any failure exits non-zero.

import { createPrivateKey, sign, webcrypto, X509Certificate }
    from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const subtle = webcrypto.subtle;
const utf8 = new TextEncoder();
const APP_VERSION = 'https://web-eid.eu/web-eid-app/releases/2.5.0';
const HASH = { 256: 'SHA-256', 384: 'SHA-384', 512: 'SHA-512' };
const NODE_HASH = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };
const CURVE = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const EC_ALG = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
const RSA_ALGS = ['RS256', 'PS256', 'RS384', 'PS384', 'RS512', 'PS512'];
const OTHER_ORIGIN = 'https://evil.example';
const DEV_ORIGIN = 'http://localhost:8443';

const [outDir, origin, challenge, intermediatePem, ...specs] =
    process.argv.slice(2);
if (specs.length === 0)
	throw new Error('usage: webeid_node.mjs OUTDIR ORIGIN CHALLENGE ' +
	    'INTERMEDIATE.pem NAME:KEY.pem:CERT.pem...');

const derB64 = (pem) =>
	new X509Certificate(readFileSync(pem)).raw.toString('base64');

const keys = specs.map((spec) => {
	const [name, keyPem, certPem] = spec.split(':');
	const key = createPrivateKey(readFileSync(keyPem));
	const d = key.asymmetricKeyDetails;
	const curve = key.asymmetricKeyType === 'ec' ?
	    CURVE[d.namedCurve] : null;
	if (key.asymmetricKeyType !== 'rsa' && curve === undefined)
		throw new Error(`${name}: neither RSA nor P-256/384/521`);
	return { name, key, cert: derB64(certPem),
	    kind: curve ?? 'RSA', algs: curve ? [EC_ALG[curve]] : RSA_ALGS };
});
const intermediate = derB64(intermediatePem);

// The JWA algorithm as WebCrypto names it, and the hash it uses.
function webAlg(alg, saltLength) {
	const bits = alg.slice(2);
	const hash = HASH[bits];
	if (alg[0] === 'E')
		return { name: 'ECDSA', hash };
	if (alg[0] === 'P')
		return { name: 'RSA-PSS', hash,
		    saltLength: saltLength ?? bits / 8 };
	return { name: 'RSASSA-PKCS1-v1_5', hash };
}

async function cryptoKey(k, alg) {
	const a = webAlg(alg);
	const params = a.name === 'ECDSA' ?
	    { name: 'ECDSA', namedCurve: k.kind } :
	    { name: a.name, hash: a.hash };
	return subtle.importKey('pkcs8', k.key.export({ type: 'pkcs8',
	    format: 'der' }), params, false, ['sign']);
}

// What the Web eID app signs: hash(origin) || hash(challenge), the
// algorithm's hash over the UTF-8 text; signing hashes it once more.
async function signedValue(alg, o, c, swap) {
	const hash = HASH[alg.slice(2)];
	const a = Buffer.from(await subtle.digest(hash, utf8.encode(o)));
	const b = Buffer.from(await subtle.digest(hash, utf8.encode(c)));
	return swap ? Buffer.concat([b, a]) : Buffer.concat([a, b]);
}

async function signature(k, alg, opts = {}) {
	const data = await signedValue(alg, opts.origin ?? origin,
	    opts.challenge ?? challenge, opts.swap);
	if (opts.der)	/* node:crypto's default ECDSA encoding */
		return sign(NODE_HASH[alg.slice(2)], data,
		    { key: k.key, dsaEncoding: 'der' });
	const key = await cryptoKey(k, opts.as ?? alg);
	return Buffer.from(await subtle.sign(webAlg(opts.as ?? alg,
	    opts.saltLength), key, data));
}

// The token as the Web eID app writes it, members in its order.
function token(cert, alg, sig, format = 'web-eid:1.0', extra = {}) {
	return JSON.stringify({ unverifiedCertificate: cert, algorithm: alg,
	    signature: typeof sig === 'string' ? sig : sig.toString('base64'),
	    format, appVersion: APP_VERSION, ...extra });
}

const cases = [];
function add(file, text, at, want, what) {
	writeFileSync(join(outDir, file), text);
	cases.push([file, at, want, what].join('\t'));
}

for (const k of keys) {
	for (const alg of k.algs) {
		const p = `${k.name}-${alg}`;
		const good = await signature(k, alg);
		const flipped = Buffer.from(good);
		flipped[flipped.length >> 1] ^= 0x01;
		add(`${p}.json`, token(k.cert, alg, good), origin, 'ok',
		    `${p}: a token as the Web eID app makes it`);
		add(`${p}-elsewhere.json`, token(k.cert, alg, good),
		    OTHER_ORIGIN, 'signature_invalid',
		    `${p}: checked at another origin`);
		add(`${p}-other-origin.json`, token(k.cert, alg,
		    await signature(k, alg, { origin: OTHER_ORIGIN })), origin,
		    'signature_invalid', `${p}: signed for another origin`);
		add(`${p}-slash.json`, token(k.cert, alg,
		    await signature(k, alg, { origin: origin + '/' })), origin,
		    'signature_invalid',
		    `${p}: signed for the origin with '/'`);
		add(`${p}-other-challenge.json`, token(k.cert, alg,
		    await signature(k, alg, { challenge: challenge.slice(1) +
		    'A' })), origin, 'signature_invalid',
		    `${p}: signed over another challenge`);
		add(`${p}-swapped.json`, token(k.cert, alg,
		    await signature(k, alg, { swap: true })), origin,
		    'signature_invalid',
		    `${p}: hash(challenge) || hash(origin)`);
		add(`${p}-flipped.json`, token(k.cert, alg, flipped), origin,
		    'signature_invalid',
		    `${p}: one bit of the signature flipped`);
		if (alg[0] === 'E')
			add(`${p}-der.json`, token(k.cert, alg,
			    await signature(k, alg, { der: true })), origin,
			    'signature_invalid',
			    `${p}: ECDSA in DER, not raw r || s`);
	}
	const alg = k.algs[0];
	const p = `${k.name}-${alg}`;
	const good = await signature(k, alg);
	add(`${p}-dev.json`, token(k.cert, alg, await signature(k, alg,
	    { origin: DEV_ORIGIN })), DEV_ORIGIN, 'ok',
	    `${p}: the development origin ${DEV_ORIGIN}`);
	add(`${p}-1.1.json`, token(k.cert, alg, good, 'web-eid:1.1',
	    { unverifiedIntermediateCertificates: [intermediate] }), origin,
	    'ok', `${p}: web-eid:1.1 with an intermediate`);
	add(`${p}-unknown-member.json`, token(k.cert, alg, good, 'web-eid:1.0',
	    { unverifiedSigningCertificates: [{ certificate: k.cert }] }),
	    origin, 'ok', `${p}: a member it does not know`);
	add(`${p}-format-2.json`, token(k.cert, alg, good, 'web-eid:2.0'),
	    origin, 'webeid_format_unsupported', `${p}: format web-eid:2.0`);
	add(`${p}-base64url.json`, token(k.cert, alg,
	    good.toString('base64url')), origin, 'encoding_invalid',
	    `${p}: the signature in base64url`);
	const other = keys.find((o) => o !== k && o.kind === k.kind);
	if (other !== undefined)
		add(`${p}-other-key.json`, token(other.cert, alg, good), origin,
		    'signature_invalid',
		    `${p}: with ${other.name}'s certificate`);
	if (k.kind === 'RSA') {
		add(`${k.name}-PS256-salt0.json`, token(k.cert, 'PS256',
		    await signature(k, 'PS256', { saltLength: 0 })), origin,
		    'signature_invalid', `${k.name}: PSS with an empty salt`);
		add(`${k.name}-RS256-as-PS256.json`, token(k.cert, 'PS256',
		    await signature(k, 'PS256', { as: 'RS256' })), origin,
		    'signature_invalid', `${k.name}: PKCS #1 v1.5 named PS256`);
		add(`${k.name}-ES256.json`, token(k.cert, 'ES256', good),
		    origin, 'signature_algorithm_weak',
		    `${k.name}: ES256 on an RSA key`);
	}
}
writeFileSync(join(outDir, 'cases.tsv'), cases.join('\n') + '\n');
console.log(`webeid_node.mjs: ${cases.length} tokens in ${outDir}`);
