// jws_corpus.mjs: writes tests/fuzz/corpus/jws/, fuzz_jws's seeds: client
// assertions (RFC 7523) with x5c signed by Node's crypto, over certificates
// the openssl CLI makes for throwaway keys (no private key is kept), and one
// of each refusal jws.h lists.
//
// usage: node tests/fuzz/jws_corpus.mjs [DIR]   (DIR: the corpus directory)
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? path.join(here, 'corpus', 'jws');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jws-corpus-'));
const openssl = process.env.OPENSSL ?? 'openssl';

const claims = {
  iss: 'portal', sub: 'portal', aud: 'https://login.kalit.example/oidc/token',
  jti: '6d3c1f0e-2b5a-4c8e-9f7d-1a2b3c4d5e6f', exp: 1767225600,
};

function run(...args) {
  return execFileSync(openssl, args,
    { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
}

// A self-signed DER certificate for name.key, into file.
let serial = 1;
function selfSigned(name, file) {
  run('req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`,
    '-days', '1', '-set_serial', String(serial++), '-outform', 'DER',
    '-out', file);
  return fs.readFileSync(path.join(tmp, file));
}

// A new key of type (P-256, P-384, RSA) and its DER certificate,
// self-signed or issued by issuer.
function keyCert(name, type, issuer) {
  run('genpkey', ...(type === 'RSA'
    ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
    : ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${type}`]),
  '-out', `${name}.key`);
  let der;
  if (issuer === undefined) {
    der = selfSigned(name, `${name}.der`);
  } else {
    run('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`,
      '-out', `${name}.csr`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.der`,
      '-CAform', 'DER', '-CAkey', `${issuer}.key`, '-days', '1',
      '-set_serial', String(serial++), '-outform', 'DER',
      '-out', `${name}.der`);
    der = fs.readFileSync(path.join(tmp, `${name}.der`));
  }
  const pem = fs.readFileSync(path.join(tmp, `${name}.key`));
  return { name, key: crypto.createPrivateKey(pem), der };
}

const b64url = (b) => Buffer.from(b).toString('base64url');
const hashOf = (alg) => `sha${alg.slice(2)}`;

// alg's JWS signature of data by key; der: ECDSA as DER, not r || s.
function sign(alg, key, data, der = false) {
  const opts = { key };
  if (alg.startsWith('ES')) opts.dsaEncoding = der ? 'der' : 'ieee-p1363';
  if (alg.startsWith('PS')) {
    opts.padding = crypto.constants.RSA_PKCS1_PSS_PADDING;
    opts.saltLength = Number(alg.slice(2)) / 8;
  }
  return crypto.sign(hashOf(alg), Buffer.from(data), opts);
}

// A compact JWS of header (an object, or text) and payload, signed by key
// as signAlg says (the header's alg by default).
function jws(header, payload, key, { signAlg, der } = {}) {
  const h = typeof header === 'string' ? header : JSON.stringify(header);
  const p = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const tbs = `${b64url(h)}.${b64url(p)}`;
  const alg = signAlg ?? header.alg;
  return `${tbs}.${b64url(sign(alg, key, tbs, der))}`;
}

const p256 = keyCert('p256', 'P-256');
const p256b = keyCert('p256b', 'P-256');
const p384 = keyCert('p384', 'P-384');
const rsa = keyCert('rsa', 'RSA');
const ca = keyCert('ca', 'P-256');
const leaf = keyCert('leaf', 'P-256', 'ca');

const std = (der) => der.toString('base64');
const x5t = (der) =>
  crypto.createHash('sha256').update(der).digest('base64url');
const hdr = (alg, kc, more = {}) =>
  ({ alg, typ: 'JWT', x5c: [std(kc.der)], ...more });
// An ES256 assertion by p256 whose header has more, or is more (text).
const es = (more, payload = claims) => jws(typeof more === 'string' ? more
  : hdr('ES256', p256, more), payload, p256.key, { signAlg: 'ES256' });
// ... whose x5c is x5c.
const es5c = (x5c) => es({ x5c });

// kc's certificate made again until its base64 ends in padding (the
// ECDSA signature's length varies).
function padded(kc) {
  for (let i = 0; i < 64; i++) {
    const der = selfSigned(kc.name, `${kc.name}-padded.der`);
    if (der.length % 3 !== 0) return der;
  }
  throw new Error('no certificate of a length base64 pads');
}

// der's base64 with a bit past its last byte set: another spelling.
function noncanonical(der) {
  const s = std(der);
  const alphabet =
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const at = s.length - (s.endsWith('==') ? 3 : 2);
  return s.slice(0, at) + alphabet[alphabet.indexOf(s[at]) + 1] +
    s.slice(at + 1);
}

const good = es({});
const [gh, gp, gs] = good.split('.');
const p256b64 = std(p256.der);
const pubJwk = crypto.createPublicKey(p256.key).export({ format: 'jwk' });
const corpus = {
  'valid-es256.jws': good,
  'valid-es384.jws': jws(hdr('ES384', p384), claims, p384.key),
  'valid-rs256.jws': jws(hdr('RS256', rsa), claims, rsa.key),
  'valid-ps256.jws': jws(hdr('PS256', rsa), claims, rsa.key),
  'valid-chain.jws': jws({ alg: 'ES256', x5c: [std(leaf.der), std(ca.der)] },
    claims, leaf.key),
  'valid-x5t.jws': es({ 'x5t#S256': x5t(p256.der), kid: 'k1' }),
  'alg-none.jws': `${b64url('{"alg":"none"}')}.${gp}.`,
  'alg-none-x5c.jws': es({ alg: 'none' }),
  'alg-hs256.jws': es({ alg: 'HS256' }),
  'alg-key-mismatch.jws': jws(hdr('ES256', p384), claims, p384.key,
    { signAlg: 'ES384' }),
  'alg-number.jws': es({ alg: 256 }),
  'crit.jws': es({ crit: ['exp'], exp: 1 }),
  'b64-false.jws': es({ b64: false }),
  'jwk.jws': es({ jwk: pubJwk }),
  'jku.jws': es({ jku: 'https://client.example/jwks' }),
  'x5u.jws': es({ x5u: 'https://client.example/cert' }),
  'typ-number.jws': es({ typ: 1 }),
  'x5c-missing.jws': es('{"alg":"ES256"}'),
  'x5c-empty.jws': es5c([]),
  'x5c-string.jws': es5c(p256b64),
  'x5c-six.jws': es5c(Array(6).fill(p256b64)),
  'x5c-base64url.jws': es5c([b64url(p256.der)]),
  'x5c-noncanonical.jws': es5c([noncanonical(padded(p256))]),
  'x5c-trailing-byte.jws':
    es5c([std(Buffer.concat([p256.der, Buffer.from([0])]))]),
  'x5c-too-large.jws': es5c([std(Buffer.alloc(6145))]),
  'x5t-mismatch.jws': es({ 'x5t#S256': x5t(p384.der) }),
  'sig-other-key.jws': jws(hdr('ES256', p256), claims, p256b.key),
  'sig-der.jws': jws(hdr('ES256', p256), claims, p256.key, { der: true }),
  'sig-too-large.jws': `${gh}.${gp}.${b64url(Buffer.alloc(1025))}`,
  'sig-padded.jws': `${good}=`,
  'payload-tampered.jws': `${gh}.${b64url('{"iss":"evil"}')}.${gs}`,
  'payload-array.jws': es({}, '[]'),
  'payload-duplicate.jws': es({}, '{"iss":"a","iss":"b"}'),
  'header-duplicate.jws':
    es(`{"alg":"ES256","alg":"ES256","x5c":["${p256b64}"]}`),
  'header-nul.jws': es(`{"alg":"ES256","kid":"\\u0000","x5c":["${p256b64}"]}`),
  'two-parts.jws': `${gh}.${gp}`,
  'four-parts.jws': `${good}.${gs}`,
  'json-serialization.json':
    JSON.stringify({ payload: gp, protected: gh, signature: gs }),
  'too-large.jws': `${good}${'A'.repeat(16385 - good.length)}`,
  empty: '',
};

fs.mkdirSync(out, { recursive: true });
for (const [name, text] of Object.entries(corpus)) {
  fs.writeFileSync(path.join(out, name), text);
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${out}: ${Object.keys(corpus).length} files`);
