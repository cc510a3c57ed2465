// token_corpus.mjs: writes tests/fuzz/corpus/token/, fuzz_token's seeds.
// Session tokens as kalitd makes them (ES256, a kid, typ JWT, at+jwt or
// logout+jwt), signed by Node's crypto with a throwaway key, so their kid
// is not one fuzz_token publishes; the refusals token.h lists (alg none,
// HMAC, RSA, crit, no kid, bad shapes, too large); and claims as JSON
// objects, which fuzz_token signs itself and checks, at fuzz_token's NOW,
// issuer and revoked jti: good ones, expired, not yet valid, revoked, of
// another issuer, with claims of the wrong type.
//
// usage: node tests/fuzz/token_corpus.mjs [DIR]   (DIR: the corpus directory)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? path.join(here, 'corpus', 'token');
const NOW = 1800000000; // fuzz_token.c's NOW, ISSUER and REVOKED_JTI
const ISSUER = 'https://login.fuzz.example';

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const write = (name, data) => fs.writeFileSync(path.join(out, name), data);

const b64 = (b) => Buffer.from(b).toString('base64url');
const { privateKey, publicKey } = crypto.generateKeyPairSync('ec',
  { namedCurve: 'P-256' });
const jwk = publicKey.export({ format: 'jwk' });
// RFC 7638: the required members in lexicographic order
const kid = b64(crypto.createHash('sha256').update(JSON.stringify(
  { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest());

// A compact JWS of header and payload (objects or text), ES256.
function es256(header, payload) {
  const h = b64(typeof header === 'string' ? header : JSON.stringify(header));
  const p = b64(typeof payload === 'string' ? payload :
    JSON.stringify(payload));
  const sig = crypto.sign('sha256', Buffer.from(`${h}.${p}`),
    { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${h}.${p}.${b64(sig)}`;
}

const person = {
  sub: '31234567890123', pinfl: '31234567890123', name: 'ALIYEV VALI',
  given_name: 'VALI', family_name: 'ALIYEV', cert_serial: '1001',
  'x5t#S256': b64(crypto.createHash('sha256').update('cert').digest()),
};
const login = {
  ...person, iss: ISSUER, aud: 'portal', amr: ['pop', 'swk'],
  acr: 'citizen', iat: NOW - 60, nbf: NOW - 60, auth_time: NOW - 60,
  exp: NOW + 3540, jti: 'kYq3mX2nT9bR4vW8zL1pAg',
};
const machine = {
  name: 'Tax Committee', organization: 'Tax Committee', tin: '201234567',
  cert_serial: '2002', iss: ISSUER, sub: 'tax-portal',
  client_id: 'tax-portal', aud: 'https://api.fuzz.example',
  scope: 'openid pinfl', iat: NOW - 10, nbf: NOW - 10, exp: NOW + 590,
  jti: 'c2VydmljZS1qdGktMDAwMQ', cnf: { 'x5t#S256': person['x5t#S256'] },
};
const logout = {
  iss: ISSUER, aud: 'portal', iat: NOW, nbf: NOW, exp: NOW + 120,
  jti: 'bG9nb3V0LWp0aS0wMDAx', sub: person.sub, sid: 'c2lk',
  events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
};
const header = (typ) => ({ alg: 'ES256', typ, kid });

// Tokens: kalitd's shapes over another key, and refusals.
const tok = es256(header('JWT'), login);
write('login.jwt', tok);
write('machine.jwt', es256(header('at+jwt'), machine));
write('logout.jwt', es256(header('logout+jwt'), logout));
write('no-kid.jwt', es256({ alg: 'ES256', typ: 'JWT' }, login));
write('kid-number.jwt', es256({ alg: 'ES256', kid: 7 }, login));
write('kid-long.jwt', es256({ alg: 'ES256', kid: 'k'.repeat(300) }, login));
write('crit.jwt', es256({ ...header('JWT'), crit: ['exp'], exp: 1 }, login));
write('header-duplicate.jwt',
  es256(`{"alg":"ES256","kid":"${kid}","alg":"none"}`, login));
write('header-array.jwt', es256('["ES256"]', login));
write('header-not-json.jwt', es256('alg=ES256', login));
write('payload-array.jwt', es256(header('JWT'), '[1,2]'));
write('payload-not-json.jwt', es256(header('JWT'), 'exp=1'));
write('payload-duplicate.jwt',
  es256(header('JWT'), `{"iss":"${ISSUER}","iss":"x"}`));
const [h, p, s] = tok.split('.');
write('alg-none.jwt', `${b64('{"alg":"none"}')}.${p}.`);
write('alg-none-sig.jwt', `${b64(`{"alg":"none","kid":"${kid}"}`)}.${p}.${s}`);
write('alg-hs256.jwt', (() => {
  const hh = b64(JSON.stringify({ alg: 'HS256', kid }));
  const mac = crypto.createHmac('sha256', 'secret').update(`${hh}.${p}`)
    .digest();
  return `${hh}.${p}.${b64(mac)}`;
})());
write('alg-rs256.jwt', (() => {
  const { privateKey: rsa } = crypto.generateKeyPairSync('rsa',
    { modulusLength: 2048 });
  const hh = b64(JSON.stringify({ alg: 'RS256', kid }));
  return `${hh}.${p}.${b64(crypto.sign('sha256', Buffer.from(`${hh}.${p}`),
    rsa))}`;
})());
write('alg-es384.jwt',
  `${b64(JSON.stringify({ alg: 'ES384', kid }))}.${p}.${s}`);
write('sig-der.jwt', `${h}.${p}.${b64(crypto.sign('sha256',
  Buffer.from(`${h}.${p}`), privateKey))}`);
write('sig-padded.jwt', `${tok}==`);
write('sig-std-alphabet.jwt', `${h}.${p}.${Buffer.from(s, 'base64url')
  .toString('base64')}`);
write('sig-short.jwt', tok.slice(0, -1));
write('truncated-header.jwt', h.slice(0, 10));
write('two-parts.jwt', `${h}.${p}`);
write('four-parts.jwt', `${tok}.${s}`);
write('empty-segment.jwt', `${h}..${s}`);
write('too-large.jwt',
  es256(header('JWT'), { ...login, pad: 'x'.repeat(8200) }));
write('empty', '');

// Claims, which fuzz_token signs and checks.
const claims = (name, o) => write(`${name}.json`,
  typeof o === 'string' ? o : JSON.stringify(o));
claims('login', login);
claims('machine', machine);
claims('logout', logout);
claims('expired', { ...login, exp: NOW - 1 });
claims('expires-now', { ...login, exp: NOW });
claims('nbf-leeway', { ...login, nbf: NOW + 60 });
claims('nbf-future', { ...login, nbf: NOW + 61 });
claims('revoked', { ...login, jti: 'revoked-jti' });
claims('issuer-other', { ...login, iss: 'https://login.other.example' });
claims('issuer-missing', (({ iss, ...o }) => o)(login));
claims('jti-missing', (({ jti, ...o }) => o)(login));
claims('jti-number', { ...login, jti: 7 });
claims('exp-real', `{"iss":"${ISSUER}","nbf":${NOW},"exp":1.9e9,"jti":"a"}`);
claims('exp-string', { ...login, exp: String(NOW + 60) });
claims('exp-too-big',
  `{"iss":"${ISSUER}","nbf":0,"exp":99999999999999999999,"jti":"a"}`);
claims('minimal', { iss: ISSUER, nbf: NOW, exp: NOW + 1, jti: 'a' });
claims('unicode',
  { ...login, name: 'Алиев Вали Ўғли', given_name: 'Vali\u200b' });
// good claims as JSON text, with jti written as jti and then more
const text = (jti, more = '') =>
  `{"iss":"${ISSUER}","nbf":${NOW},"exp":${NOW + 9},"jti":"${jti}"${more}}`;
claims('escapes', text('\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00'));
claims('nul-escape', text('a\\u0000b'));
claims('duplicate', text('a', ',"jti":"b"'));
claims('trailing', `${text('a')} x`);
claims('nested',
  { ...login, deep: [[[[[[{ a: [null, true, false, -0.5e-3] }]]]]]] });
claims('empty-object', '{}');
claims('array', '[]');
claims('large', { ...login, pad: 'p'.repeat(5000) });
claims('too-large', { ...login, pad: 'p'.repeat(6500) });

console.log(`token_corpus.mjs: ${fs.readdirSync(out).length} seeds in ${out}`);
