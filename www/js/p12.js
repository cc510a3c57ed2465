/*
 * p12.js: opens a PKCS#12 key file (RFC 7292) with WebCrypto alone.
 *
 * openKeyFile(bytes, password) returns the end-entity certificate (DER),
 * the other certificates of the file, and the private key as a
 * non-extractable CryptoKey for signing.  It opens what kalit-ca issue
 * --out and OpenSSL 3's `openssl pkcs12 -export` write: PBES2 (PBKDF2,
 * AES-CBC) for the key and certificates, an HMAC-SHA-2 MAC under the RFC
 * 7292 appendix B key.  The MAC is checked before anything is decrypted.
 *
 * Every failure is a CodedError whose code is one of ERRORS; the steps
 * run in this order, so the first failing one names the error:
 *   size cap, structure (not_pkcs12), algorithms (legacy_key_file,
 *   unsupported_key_file), MAC and decryption (wrong_password), contents
 *   (no_private_key, no_certificate), key type (unsupported_key), key and
 *   certificate (key_certificate_mismatch).
 * A legacy file is recognised before the password is used: its algorithms
 * are in the clear.
 *
 * The password is used and forgotten: it is never stored, logged or put in
 * an error.  Buffers this module owns that held it or the key are zeroed;
 * a JavaScript string cannot be, which is the caller's to know.
 */

import { DerError, DerReader, TAG, readAlgorithm } from "./der.js";
import { CodedError } from "./error.js";

/* Larger input is refused before any of it is read. */
export const MAX_KEY_FILE_SIZE = 64 * 1024;
/*
 * PBKDF2 and MAC iterations; above this a file would hold the page for
 * minutes.  kalit-ca uses 100000, OpenSSL 3 2048.
 */
export const MAX_ITERATIONS = 1000000;

export const ERRORS = Object.freeze([
	"key_file_too_large",
	"not_pkcs12",
	"legacy_key_file",
	"unsupported_key_file",
	"wrong_password",
	"no_private_key",
	"no_certificate",
	"unsupported_key",
	"key_certificate_mismatch"
]);

function fail(code) {
	throw new CodedError(code);
}

const OID = Object.freeze({
	data: "1.2.840.113549.1.7.1",
	signedData: "1.2.840.113549.1.7.2",
	encryptedData: "1.2.840.113549.1.7.6",
	keyBag: "1.2.840.113549.1.12.10.1.1",
	shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
	certBag: "1.2.840.113549.1.12.10.1.3",
	x509Certificate: "1.2.840.113549.1.9.22.1",
	localKeyId: "1.2.840.113549.1.9.21",
	pbes2: "1.2.840.113549.1.5.13",
	pbkdf2: "1.2.840.113549.1.5.12",
	rsaEncryption: "1.2.840.113549.1.1.1",
	ecPublicKey: "1.2.840.10045.2.1"
});

/* MAC digests and PBKDF2 PRFs WebCrypto has: OID → hash name. */
const MAC_HASHES = new Map([
	["2.16.840.1.101.3.4.2.1", "SHA-256"],
	["2.16.840.1.101.3.4.2.2", "SHA-384"],
	["2.16.840.1.101.3.4.2.3", "SHA-512"]
]);
const PRF_HASHES = new Map([
	["1.2.840.113549.2.7", "SHA-1"],	/* the DEFAULT of RFC 8018 */
	["1.2.840.113549.2.9", "SHA-256"],
	["1.2.840.113549.2.10", "SHA-384"],
	["1.2.840.113549.2.11", "SHA-512"]
]);
/* AES-192 is left out: Chromium's WebCrypto has no 192-bit AES keys. */
const AES_CBC_BITS = new Map([
	["2.16.840.1.101.3.4.1.2", 128],
	["2.16.840.1.101.3.4.1.42", 256]
]);
/* SHA-1 and MD5 MACs; PBES1 and PKCS#12 PBEs (3DES, RC2, RC4, DES). */
const LEGACY_MAC = new Set(["1.3.14.3.2.26", "1.2.840.113549.2.5"]);
const LEGACY_PBE = /^1\.2\.840\.113549\.1\.(12\.1\.[1-6]|5\.(1|3|4|6|10|11))$/;
/* Ciphers of a PBES2 that are no better than the PBEs above. */
const LEGACY_PBES2_CIPHER = new Set([
	"1.3.14.3.2.7",			/* DES-CBC */
	"1.2.840.113549.3.7",		/* DES-EDE3-CBC */
	"1.2.840.113549.3.2"		/* RC2-CBC */
]);
/* Named curves: OID → [WebCrypto curve, JWA algorithm, hash]. */
const CURVES = new Map([
	["1.2.840.10045.3.1.7", ["P-256", "ES256", "SHA-256"]],
	["1.3.132.0.34", ["P-384", "ES384", "SHA-384"]]
]);

const HASH_BLOCK = { "SHA-256": 64, "SHA-384": 128, "SHA-512": 128 };
const PBKDF2_MAX_SALT = 1024;

function subtle() {
	return globalThis.crypto.subtle;
}

function wipe(...bufs) {
	for (const b of bufs)
		if (b)
			b.fill(0);
}

function concat(...parts) {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let off = 0;

	for (const p of parts) {
		out.set(p, off);
		off += p.length;
	}
	return out;
}

function bytesEqual(a, b) {
	return a.length === b.length && a.every((x, i) => x === b[i]);
}

/*
 * The password as the RFC 7292 KDF takes it: a BMPString, UTF-16BE with a
 * two-byte NUL, which is what OpenSSL makes of a UTF-8 password (with
 * surrogate pairs beyond the BMP, as JavaScript strings already hold).
 */
function bmpPassword(password) {
	const out = new Uint8Array(2 * password.length + 2);

	for (let i = 0; i < password.length; i++) {
		const c = password.charCodeAt(i);
		out[2 * i] = c >> 8;
		out[2 * i + 1] = c & 0xff;
	}
	return out;
}

/* s repeated to fill v * ceil(s.length / v) bytes (RFC 7292 B.2 steps 2-3). */
function fillBlocks(s, v) {
	const out = new Uint8Array(v * Math.ceil(s.length / v));

	for (let i = 0; i < out.length; i++)
		out[i] = s[i % s.length];
	return out;
}

/*
 * The MAC key of RFC 7292 appendix B.2 (ID 3), as long as one hash output:
 * an HMAC key is that long, so one round A = H^c(D || S || P) is the key
 * and the rest of B.2 (more rounds) is never needed.
 */
async function pkcs12MacKey(hash, salt, password, iterations) {
	const v = HASH_BLOCK[hash];
	const pw = bmpPassword(password);
	const d = new Uint8Array(v).fill(3);
	const s = fillBlocks(salt, v);
	const p = fillBlocks(pw, v);
	let a = concat(d, s, p);

	wipe(pw, p);
	for (let i = 0; i < iterations; i++) {
		const prev = a;
		a = new Uint8Array(await subtle().digest(hash, a));
		wipe(prev);
	}
	return a;
}

/* PFX: version 3, authSafe (data, not a signature), MacData. */
function parsePfx(bytes) {
	const top = new DerReader(bytes);
	const pfx = top.enter(TAG.SEQUENCE);

	top.done();
	if (pfx.integer() !== 3)
		throw new DerError("PFX version");
	const ci = pfx.enter(TAG.SEQUENCE);
	const type = ci.oid();
	if (type === OID.signedData)
		fail("unsupported_key_file");	/* public-key integrity */
	if (type !== OID.data)
		throw new DerError("authSafe type");
	const content = ci.enter(TAG.CTX0).contents(TAG.OCTET_STRING);
	ci.done();
	if (pfx.atEnd())
		fail("unsupported_key_file");	/* no MAC: no integrity */
	const macData = pfx.enter(TAG.SEQUENCE);
	pfx.done();

	const digestInfo = macData.enter(TAG.SEQUENCE);
	const alg = readAlgorithm(digestInfo);
	const mac = {
		oid: alg.oid,
		digest: digestInfo.contents(TAG.OCTET_STRING),
		salt: macData.contents(TAG.OCTET_STRING),
		iterations: macData.atEnd() ? 1 : macData.integer()
	};
	digestInfo.done();
	macData.done();
	return { content, mac };
}

/*
 * The AuthenticatedSafe: a list of {type, bags} (data) and
 * {type, alg, ciphertext} (encryptedData) pieces.
 */
function parseAuthSafe(content) {
	const top = new DerReader(content);
	const list = top.enter(TAG.SEQUENCE);
	const pieces = [];

	top.done();
	while (!list.atEnd()) {
		const ci = list.enter(TAG.SEQUENCE);
		const type = ci.oid();
		const body = ci.enter(TAG.CTX0);
		ci.done();
		if (type === OID.data) {
			const sc = body.contents(TAG.OCTET_STRING);
			body.done();
			pieces.push({ type, bags: parseSafeContents(sc) });
		} else if (type === OID.encryptedData) {
			const ed = body.enter(TAG.SEQUENCE);
			body.done();
			ed.integer();
			const eci = ed.enter(TAG.SEQUENCE);
			if (eci.oid() !== OID.data)
				throw new DerError("encrypted content type");
			const alg = readAlgorithm(eci);
			const ciphertext = eci.contents(TAG.CTX0_PRIM);
			eci.done();
			pieces.push({ type, alg, ciphertext });
		} else {
			fail("unsupported_key_file");	/* enveloped data */
		}
	}
	return pieces;
}

/* SafeContents → [{type, value (the contents of bagValue), localKeyId}]. */
function parseSafeContents(bytes) {
	const top = new DerReader(bytes);
	const list = top.enter(TAG.SEQUENCE);
	const bags = [];

	top.done();
	while (!list.atEnd()) {
		const bag = list.enter(TAG.SEQUENCE);
		const type = bag.oid();
		const value = bag.contents(TAG.CTX0);
		let localKeyId = null;

		const attrs = bag.optional(TAG.SET);
		bag.done();
		while (attrs !== null && !attrs.atEnd()) {
			const attr = attrs.enter(TAG.SEQUENCE);
			const attrType = attr.oid();
			const values = attr.enter(TAG.SET);
			attr.done();
			if (attrType === OID.localKeyId)
				localKeyId = values.contents(TAG.OCTET_STRING);
		}
		bags.push({ type, value, localKeyId });
	}
	return bags;
}

/*
 * An encryption AlgorithmIdentifier → the PBES2 parameters WebCrypto can
 * use, or the error that refuses it.
 */
function pbes2Params(alg) {
	if (LEGACY_PBE.test(alg.oid))
		fail("legacy_key_file");
	if (alg.oid !== OID.pbes2)
		fail("unsupported_key_file");
	const params = alg.params();
	const p = params.enter(TAG.SEQUENCE);
	params.done();
	const kdf = readAlgorithm(p);
	const enc = readAlgorithm(p);
	p.done();

	if (LEGACY_PBES2_CIPHER.has(enc.oid))
		fail("legacy_key_file");
	const bits = AES_CBC_BITS.get(enc.oid);
	if (bits === undefined || kdf.oid !== OID.pbkdf2)
		fail("unsupported_key_file");
	const ivParam = enc.params();
	const iv = ivParam.contents(TAG.OCTET_STRING);
	ivParam.done();
	if (iv.length !== 16)
		throw new DerError("AES-CBC IV length");

	const kdfParams = kdf.params();
	const k = kdfParams.enter(TAG.SEQUENCE);
	kdfParams.done();
	if (k.peekTag() !== TAG.OCTET_STRING)
		fail("unsupported_key_file");	/* salt "otherSource" */
	const salt = k.contents(TAG.OCTET_STRING);
	const iterations = k.integer();
	if (k.peekTag() === TAG.INTEGER && k.integer() !== bits / 8)
		throw new DerError("PBKDF2 key length");
	let hash = "SHA-1";
	if (!k.atEnd()) {
		const prf = readAlgorithm(k);
		hash = PRF_HASHES.get(prf.oid);
		if (hash === undefined)
			fail("unsupported_key_file");
	}
	k.done();
	if (iterations < 1 || iterations > MAX_ITERATIONS ||
	    salt.length > PBKDF2_MAX_SALT)
		fail("unsupported_key_file");
	return { salt, iterations, hash, bits, iv };
}

/* The MAC's algorithm → its WebCrypto hash, or the error that refuses it. */
function macHash(mac) {
	if (LEGACY_MAC.has(mac.oid))
		fail("legacy_key_file");
	const hash = MAC_HASHES.get(mac.oid);
	if (hash === undefined || mac.iterations < 1 ||
	    mac.iterations > MAX_ITERATIONS)
		fail("unsupported_key_file");
	return hash;
}

async function verifyMac(mac, hash, content, password) {
	const raw = await pkcs12MacKey(hash, mac.salt, password,
	    mac.iterations);
	let key;

	try {
		key = await subtle().importKey("raw", raw,
		    { name: "HMAC", hash }, false, ["verify"]);
	} finally {
		wipe(raw);
	}
	if (!await subtle().verify("HMAC", key, mac.digest, content))
		fail("wrong_password");
}

/* PBES2 decryption; a bad padding means a wrong password. */
async function decrypt(p, ciphertext, password) {
	const pw = new TextEncoder().encode(password);
	let base;

	try {
		base = await subtle().importKey("raw", pw, "PBKDF2", false,
		    ["deriveKey"]);
	} finally {
		wipe(pw);
	}
	const aes = await subtle().deriveKey({ name: "PBKDF2", salt: p.salt,
	    iterations: p.iterations, hash: p.hash }, base,
	    { name: "AES-CBC", length: p.bits }, false, ["decrypt"]);
	try {
		return new Uint8Array(await subtle().decrypt(
		    { name: "AES-CBC", iv: p.iv }, aes, ciphertext));
	} catch (e) {
		if (e instanceof DOMException)
			fail("wrong_password");
		throw e;
	}
}

/* Every bag of the file, those of the encrypted pieces decrypted. */
async function allBags(pieces, password) {
	const bags = [];

	for (const piece of pieces) {
		if (piece.type === OID.data) {
			bags.push(...piece.bags);
			continue;
		}
		const plain = await decrypt(pbes2Params(piece.alg),
		    piece.ciphertext, password);
		/* Only certificates are expected here: nothing to wipe. */
		bags.push(...afterMac(() => parseSafeContents(plain)));
	}
	return bags;
}

/*
 * Runs parse on what was decrypted.  The MAC vouched for the file, so
 * what does not parse was decrypted with the wrong password (the file's
 * MAC and encryption passwords differ) and happened to end in a valid
 * padding, as one in 256 wrong keys does.
 */
function afterMac(parse) {
	try {
		return parse();
	} catch (e) {
		if (e instanceof DerError)
			fail("wrong_password");
		throw e;
	}
}

/* The only element of a bag's value, as a reader. */
function bagValue(bag) {
	const r = new DerReader(bag.value);
	const v = r.enter(TAG.SEQUENCE);

	r.done();
	return v;
}

/* A shrouded key bag → {p (PBES2 parameters), ciphertext}. */
function shroudedKey(bag) {
	const epki = bagValue(bag);
	const p = pbes2Params(readAlgorithm(epki));
	const ciphertext = epki.contents(TAG.OCTET_STRING);

	epki.done();
	return { p, ciphertext };
}

/* A key bag → PrivateKeyInfo (DER), in a buffer the caller wipes. */
async function keyInfo(bag, password) {
	if (bag.type === OID.keyBag) {
		bagValue(bag);
		return bag.value.slice();
	}
	const k = shroudedKey(bag);
	return decrypt(k.p, k.ciphertext, password);
}

/*
 * A key's algorithm from its AlgorithmIdentifier: {jwa (the token's
 * algorithm), importParams, signParams (WebCrypto's)}.
 */
function keyAlgorithm(alg) {
	if (alg.oid === OID.rsaEncryption) {
		return {
			importParams: { name: "RSASSA-PKCS1-v1_5",
			    hash: "SHA-256" },
			jwa: "RS256",
			signParams: { name: "RSASSA-PKCS1-v1_5" }
		};
	}
	const params = alg.params();
	if (alg.oid === OID.ecPublicKey && params.peekTag() === TAG.OID) {
		const curve = CURVES.get(params.oid());
		if (curve !== undefined) {
			return {
				importParams: { name: "ECDSA",
				    namedCurve: curve[0] },
				jwa: curve[1],
				signParams: { name: "ECDSA", hash: curve[2] }
			};
		}
	}
	fail("unsupported_key");
}

/* A PrivateKeyInfo's algorithm (keyAlgorithm). */
function pkcs8Algorithm(pkcs8) {
	const r = new DerReader(pkcs8);
	const pki = r.enter(TAG.SEQUENCE);

	r.done();
	pki.integer();
	return keyAlgorithm(readAlgorithm(pki));
}

/* A PrivateKeyInfo → a non-extractable CryptoKey for "sign". */
async function importKey(pkcs8, algo) {
	try {
		return await subtle().importKey("pkcs8", pkcs8,
		    algo.importParams, false, ["sign"]);
	} catch (e) {
		if (e instanceof DOMException)
			fail("unsupported_key");
		throw e;
	}
}

/* A certificate's SubjectPublicKeyInfo (DER). */
function certificateKey(der) {
	const top = new DerReader(der);
	const cert = top.enter(TAG.SEQUENCE);
	top.done();
	const tbs = cert.enter(TAG.SEQUENCE);

	tbs.optional(TAG.CTX0);		/* version */
	tbs.skip();			/* serialNumber */
	tbs.skip();			/* signature */
	tbs.skip();			/* issuer */
	tbs.skip();			/* validity */
	tbs.skip();			/* subject */
	return tbs.element(TAG.SEQUENCE);
}

/*
 * Whether the certificate's public key is the key's: the probe signature
 * made by the key verifies under it.  That holds for every key type
 * alike, and proves more than comparing public values would.
 */
async function certifiesKey(der, algo, probe) {
	let pub;

	try {
		pub = await subtle().importKey("spki", certificateKey(der),
		    algo.importParams, false, ["verify"]);
	} catch (e) {
		if (e instanceof DOMException || e instanceof DerError)
			return false;	/* another key type, or not a key */
		throw e;
	}
	return subtle().verify(algo.signParams, pub, probe.signature,
	    probe.data);
}

/*
 * The certificate of the key among certs: the one with the key's
 * localKeyId if the file pairs them (it must then be the key's), else the
 * first whose public key is the key's.
 */
async function endEntity(certs, keyBag, privateKey, algo) {
	const data = new TextEncoder().encode("kalit: key and certificate");
	const probe = { data, signature: await subtle().sign(algo.signParams,
	    privateKey, data) };
	const paired = keyBag.localKeyId === null ? [] : certs.filter((c) =>
	    c.localKeyId !== null &&
	    bytesEqual(c.localKeyId, keyBag.localKeyId));
	const candidates = paired.length > 0 ? paired.slice(0, 1) : certs;

	for (const c of candidates)
		if (await certifiesKey(c.der, algo, probe))
			return c;
	fail("key_certificate_mismatch");
}

/* certBag → {der (a copy), localKeyId}; null for other certificate types. */
function certOf(bag) {
	const cb = bagValue(bag);

	if (cb.oid() !== OID.x509Certificate)
		return null;
	const v = cb.enter(TAG.CTX0);
	cb.done();
	const der = v.contents(TAG.OCTET_STRING);
	v.done();
	return { der: der.slice(), localKeyId: bag.localKeyId };
}

async function open(bytes, password) {
	const { content, mac } = parsePfx(bytes);
	const pieces = parseAuthSafe(content);
	const hash = macHash(mac);

	/* Refuse what cannot be opened before making the citizen wait. */
	for (const piece of pieces) {
		if (piece.type === OID.encryptedData)
			pbes2Params(piece.alg);
		else
			piece.bags.filter((b) => b.type === OID.shroudedKeyBag)
			    .forEach(shroudedKey);
	}
	await verifyMac(mac, hash, content, password);

	const bags = await allBags(pieces, password);
	const keyBag = bags.find((b) => b.type === OID.keyBag ||
	    b.type === OID.shroudedKeyBag);
	if (keyBag === undefined)
		fail("no_private_key");
	const certs = bags.filter((b) => b.type === OID.certBag).map(certOf)
	    .filter((c) => c !== null);
	if (certs.length === 0)
		fail("no_certificate");

	const pkcs8 = await keyInfo(keyBag, password);
	let algo, privateKey;
	try {
		algo = keyBag.type === OID.shroudedKeyBag ?
		    afterMac(() => pkcs8Algorithm(pkcs8)) :
		    pkcs8Algorithm(pkcs8);
		privateKey = await importKey(pkcs8, algo);
	} finally {
		wipe(pkcs8);
	}
	const ee = await endEntity(certs, keyBag, privateKey, algo);
	return {
		certificate: ee.der,
		chain: certs.filter((c) => c !== ee).map((c) => c.der),
		privateKey,
		algorithm: algo.jwa
	};
}

/*
 * Opens the PKCS#12 file in bytes (ArrayBuffer or a view, borrowed and not
 * changed) with password (a string).  Resolves to {certificate, chain,
 * privateKey, algorithm}: certificate the end entity's DER (Uint8Array),
 * chain the file's other certificates in file order, privateKey a
 * non-extractable CryptoKey for "sign", algorithm "ES256", "ES384" or
 * "RS256".  Rejects with a CodedError (see ERRORS).
 */
export async function openKeyFile(bytes, password) {
	if (typeof password !== "string")
		throw new TypeError("the password is a string");
	if (!(bytes instanceof ArrayBuffer) && !ArrayBuffer.isView(bytes))
		throw new TypeError("the key file is an ArrayBuffer or a view");
	if (bytes.byteLength > MAX_KEY_FILE_SIZE)
		fail("key_file_too_large");
	const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) :
	    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);

	try {
		return await open(view, password);
	} catch (e) {
		if (e instanceof DerError)
			fail("not_pkcs12");
		throw e;
	}
}
