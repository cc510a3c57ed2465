#!/bin/sh
# shellcheck disable=SC1090,SC2154
# kalitd_login.sh: kalitd end to end: logins with `kalit login` and with the
# openssl CLI and curl, the tokens verified against the JWKS by the openssl
# CLI (and by the npm jose package when the registry answers), introspection
# and logout, client policies, persistence across a restart, key rollover,
# the audit table, the logs (no secret), /metrics, /healthz, --check-config.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"

# python3 runs often: call the interpreter itself, not a wrapper (pyenv's
# shim costs 0.3 s a call).
PATH=$(dirname "$(python3 -c 'import sys; print(sys.executable)')"):$PATH
make_pki
cd "$TMP" || exit 99
: >"$TMP/leaks"			# what must appear in no log: one per line
: >"$TMP/ok.want"		# "client serial" of each successful login
: >"$TMP/policy.want"		# "client serial" of each certificate_policy
OKRUN=0				# successful logins since kalitd started

# --- helpers ------------------------------------------------------------------

# has_members FILE PYEXPR NAME=VALUE...: the object PYEXPR (of the JSON j in
# FILE) has those members; a non-string value is compared as JSON (null when
# the member is absent).
has_members() {
	python3 - "$@" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
o = eval(sys.argv[2])
bad = 0
for k, want in (kv.split("=", 1) for kv in sys.argv[3:]):
    got = o.get(k) if isinstance(o.get(k), str) else json.dumps(o.get(k))
    if got != want:
        bad = print("%s: got %r, want %r" % (k, got, want)) or 1
sys.exit(bad)
PY
}

# members DESC FILE PYEXPR NAME=VALUE...: a check of has_members on a copy
# of FILE (FILE may be $OUT, which check overwrites).
members() {
	_m=$1
	cp "$2" "$TMP/members.json"
	shift 2
	check "$_m" has_members "$TMP/members.json" "$@"
}

# is_citizen DESC FILE PYEXPR / is_official ...: the identity issued.
is_citizen() {
	members "$1" "$2" "$3" "sub=$P1" "pinfl=$P1" \
	    "name=Aliyev Vali" given_name=Vali family_name=Aliyev acr=citizen \
	    "cert_serial=$S1" tin=null organization=null title=null
}
is_official() {
	members "$1" "$2" "$3" "sub=$P2" "pinfl=$P2" \
	    "name=Yusupova Nodira" given_name=Nodira family_name=Yusupova \
	    acr=official "cert_serial=$S2" "tin=$ORGTIN" \
	    "organization=Kalit LLC" title=Director
}

# rc_ok DESC: the last `run` exited 0.
rc_ok() {
	if [ "$RC" -eq 0 ]; then
		ok "$1"
	else
		fail "$1 (exit $RC)"
		show_last
		return 1
	fi
}

# kalit_login P12 CLIENT [--json]: `kalit login`; output in $OUT, $ERR, $RC.
kalit_login() {
	run "$KALIT" login --key "$1" --password "file:$KEYPASS" --server "$URL" \
	    --client "$2" ${3:+"$3"}
}

# login_ok CLIENT SERIAL TOKEN: records a successful login.
login_ok() {
	echo "$1 $2" >>"$TMP/ok.want"
	printf '%s\n%s\n' "$3" "${3##*.}" >>"$TMP/leaks"
	OKRUN=$((OKRUN + 1))
}

# login_openssl NAME CLIENT: logs NAME.crt/NAME.key in for CLIENT with the
# openssl CLI and curl only; the answer in $OUT and $STATUS.
login_openssl() {
	challenge "$2"
	sign_openssl "$1.crt" "$1.key" "$CH" "$1.cms" ||
	    fail "openssl cms -sign $1"
	login_body "$2" "$CH" "$1.cms" >"$1.body"
	_b=$(base64 -w0 "$1.cms")
	printf '%s\n%s\n' "$_b" "$(printf %s "$_b" | tail -c 48)" >>"$TMP/leaks"
	echo "$CH" >>"$TMP/leaks"
	post_login "$1.body"
}

# oauth ENDPOINT CLIENT TOKEN [curl args]: POST /v1/ENDPOINT with the
# client's secret in HTTP Basic authentication.
oauth() {
	_e=$1
	_c=$2
	_t=$3
	shift 3
	http POST "/v1/$_e" -u "$_c:$(cat "$TMP/$_c.secret")" -d "token=$_t" "$@"
}

# expect_active DESC CLIENT TOKEN true|false: introspection as CLIENT says
# so; an inactive answer is {"active": false} and nothing else.
expect_active() {
	oauth introspect "$2" "$3"
	_a=$(json '("false" if j == {"active": False} else "true" if
	    j.get("active") is True and j.get("client_id") == "'"$2"'" else j)' \
	    "$OUT" 2>&1)
	if [ "$STATUS" = 200 ] && [ "$_a" = "$4" ]; then
		ok "$1 (active $4)"
	else
		fail "$1: HTTP $STATUS, active \"$_a\", want $4"
		head -c 300 "$OUT" | sed 's/^/     | /'
	fi
}

# jwt_parts TOKEN JWKS DIR: DIR/header.json, payload.json, input (the
# signed bytes), sig.der (R||S as a DER ECDSA-Sig-Value), and from the JWK
# of the header's kid in JWKS: spki.der (a SubjectPublicKeyInfo made of its
# x, y) and thumb (its RFC 7638 thumbprint).
jwt_parts() {
	mkdir -p "$3" && python3 - "$@" <<'PY'
import base64, hashlib, json, sys
tok, jwks, d = sys.argv[1:4]
def b64u(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
def out(name, b): open(d + "/" + name, "wb").write(b)
h, p, s = tok.split(".")
out("header.json", b64u(h))
out("payload.json", b64u(p))
out("input", (h + "." + p).encode())
sig = b64u(s)
if len(sig) != 64: sys.exit("signature of %d bytes" % len(sig))
def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    b = b"\0" + b if b[0] & 0x80 else b
    return b"\x02" + bytes([len(b)]) + b
body = der_int(sig[:32]) + der_int(sig[32:])
out("sig.der", b"\x30" + bytes([len(body)]) + body)
kid = json.loads(b64u(h)).get("kid")
k = [k for k in json.load(open(jwks))["keys"] if k.get("kid") == kid]
if len(k) != 1: sys.exit("kid %s: %d keys in the JWKS" % (kid, len(k)))
x, y = b64u(k[0]["x"]), b64u(k[0]["y"])
if len(x) != 32 or len(y) != 32 or k[0]["crv"] != "P-256": sys.exit("bad JWK")
out("spki.der", bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d03"
    "0107034200") + b"\x04" + x + y)
c = '{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}' % (k[0]["x"], k[0]["y"])
out("thumb", base64.urlsafe_b64encode(hashlib.sha256(c.encode()).digest())
    .rstrip(b"="))
PY
}

# get_jwks: GET /v1/jwks into $TMP/jwks.json.
get_jwks() {
	http GET /v1/jwks
	cp "$OUT" "$TMP/jwks.json"
}

# verify_jwt DESC TOKEN: the openssl CLI verifies TOKEN with the key of
# $TMP/jwks.json its kid names; the kid is in $JKID, the claims in
# $TMP/jwt/payload.json.
verify_jwt() {
	_d=$TMP/jwt
	rm -rf "$_d"
	check "$1: decoded, its kid in the JWKS" \
	    jwt_parts "$2" "$TMP/jwks.json" "$_d" || return 1
	check "$1: header alg ES256, typ JWT" has_members "$_d/header.json" j \
	    alg=ES256 typ=JWT
	JKID=$(json 'j["kid"]' "$_d/header.json")
	check "$1: a PEM public key from the JWK's x, y" "$OPENSSL" pkey -pubin \
	    -inform DER -in "$_d/spki.der" -out "$_d/pub.pem"
	assert_eq "$1: kid is the RFC 7638 thumbprint" "$(cat "$_d/thumb")" \
	    "$JKID"
	run "$OPENSSL" dgst -sha256 -verify "$_d/pub.pem" \
	    -signature "$_d/sig.der" "$_d/input"
	assert_eq "$1: openssl dgst -verify" "$RC $(cat "$OUT")" "0 Verified OK"
	printf . >>"$_d/input"
	run "$OPENSSL" dgst -sha256 -verify "$_d/pub.pem" \
	    -signature "$_d/sig.der" "$_d/input"
	assert_eq "$1: other bytes do not verify" "$RC" 1
}

# x5t CERT: base64url SHA-256 of the DER certificate.
x5t() {
	"$OPENSSL" x509 -in "$1" -outform DER | "$OPENSSL" dgst -sha256 -binary |
	    base64 | tr '+/' '-_' | tr -d '=\n'
}

# jwks_has KID: /v1/jwks lists KID; polls for up to 5 s (after SIGHUP).
jwks_has() {
	_i=0
	while [ $_i -lt 50 ]; do
		get_jwks
		grep -Fq "\"$1\"" "$TMP/jwks.json" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# --- the PKI, the server, the clients -----------------------------------------
P1=$(pinfl 1)
P2=$(pinfl 2)
ORGTIN=201234567
check "issue a citizen key file" kca_issue --profile citizen \
    --given-name Vali --surname Aliyev --pinfl "$P1" --out c1.p12 \
    --key-pass "file:$KEYPASS"
S1=$(head -n 1 "$OUT")
check "issue an official key file" kca_issue --profile official \
    --given-name Nodira --surname Yusupova --pinfl "$P2" --org "Kalit LLC" \
    --org-tin "$ORGTIN" --title Director --out o1.p12 \
    --key-pass "file:$KEYPASS"
S2=$(head -n 1 "$OUT")
assert_eq "kalit-ca printed two hex serials" \
    "$(printf '%s\n%s\n' "$S1" "$S2" | grep -cE '^[0-9a-f]{16,}$')" 2
check "CRL of the citizen CA" kca crl --ca citizen --ca-pass "file:$CAPASS"
check "CRL of the official CA" kca crl --ca official --ca-pass "file:$CAPASS"
for n in c1 o1; do
	check "$n.p12: the certificate" p12_cert $n.p12 "$KEYPASS" $n.crt
	check "$n.p12: the key" p12_key $n.p12 "$KEYPASS" $n.key
done
assert_eq "c1.p12 holds the citizen's serial" "$(cert_serial c1.crt)" "$S1"
assert_eq "o1.p12 holds the official's serial" "$(cert_serial o1.crt)" "$S2"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
write_conf
check "kalitd keygen" kd keygen --json
KID1=$(json 'j["kid"]' "$OUT")
check "client add portal (citizen,official)" add_client portal
check "client add citizens-only" add_client citizens-only citizen
check "client add officials-only" add_client officials-only official
cat "$TMP"/*.secret >>"$TMP/leaks"
check "--check-config" kd --check-config
assert_eq "--check-config prints ok" "$(cat "$OUT")" "$SRV/kalitd.conf: ok"
sed '/^threads/a\
colour = blue' "$SRV/kalitd.conf" >"$SRV/bad.conf"
BADLINE=$(grep -n '^colour' "$SRV/bad.conf" | cut -d: -f1)
check_not "--check-config refuses an unknown setting" \
    "$KALITD" -c "$SRV/bad.conf" --check-config
assert_grep "the message names the line" \
    "bad\.conf:$BADLINE: unknown section or setting" "$ERR"
BADISS=$(printf 'http://kalit\377.example')
LC_ALL=C sed "s|^issuer = .*|issuer = $BADISS|" "$SRV/kalitd.conf" \
    >"$SRV/bad.conf"
check_not "--check-config refuses an issuer that is not UTF-8" \
    "$KALITD" -c "$SRV/bad.conf" --check-config
assert_grep "the message says why" "issuer: not UTF-8" "$ERR"
start_kalitd

challenge
assert_eq "a challenge: 80 base64url characters, 120 s" \
    "$(printf %s "$CH" | grep -cE '^[A-Za-z0-9_-]{80}$') $(json \
    'j["expires_in"]' "$OUT")" "1 120"

# --- logins with kalit --------------------------------------------------------
kalit_login c1.p12 portal
if rc_ok "kalit login: the citizen (text)"; then
	assert_eq "text: who logged in" "$(head -n 1 "$OUT")" \
	    "logged in as Aliyev Vali (PINFL $P1, citizen)"
	T_C0=$(sed -n 's/^token: //p' "$OUT")
	python3 -c 'import json, sys
print(json.dumps(dict(l.strip().split(": ", 1) for l in open(sys.argv[1])
    if l.startswith("  "))))' "$OUT" >human.json
	is_citizen "text: the citizen's identity" human.json j
	login_ok portal "$S1" "$T_C0"
fi
kalit_login c1.p12 portal --json
cp "$OUT" c1.json
rc_ok "kalit login --json: the citizen" &&
    is_citizen "--json: the citizen's identity" c1.json 'j["subject"]'
T_C1=$(json 'j["access_token"]' c1.json)
login_ok portal "$S1" "$T_C1"
check "--json: Bearer, 600 s" has_members c1.json j token_type=Bearer \
    expires_in=600
kalit_login o1.p12 portal --json
cp "$OUT" o1.json
rc_ok "kalit login --json: the official" &&
    is_official "--json: the official's identity" o1.json 'j["subject"]'
T_O1=$(json 'j["access_token"]' o1.json)
login_ok portal "$S2" "$T_O1"
kalit_login o1.p12 portal
rc_ok "kalit login: the official (text)" && assert_eq \
    "text: who logged in" "$(head -n 1 "$OUT")" \
    "logged in as Yusupova Nodira (PINFL $P2, official)"
login_ok portal "$S2" "$(sed -n 's/^token: //p' "$OUT")"

# --- logins with the openssl CLI and curl -------------------------------------
login_openssl c1 portal
expect_http "openssl + curl: the citizen logs in" 200 -
T_C2=$(json 'j.get("access_token", "")' "$OUT")
is_citizen "openssl + curl: the citizen's identity" "$OUT" 'j["subject"]'
login_ok portal "$S1" "$T_C2"
login_openssl o1 officials-only
expect_http "openssl + curl: the official logs in to officials-only" 200 -
T_O2=$(json 'j.get("access_token", "")' "$OUT")
is_official "openssl + curl: the official's identity" "$OUT" 'j["subject"]'
login_ok officials-only "$S2" "$T_O2"

# --- the tokens, verified with the openssl CLI against the JWKS ---------------
get_jwks
expect_http "GET /v1/jwks" 200 -
http GET /.well-known/jwks.json
assert_eq "/.well-known/jwks.json is /v1/jwks" "$(cat "$OUT")" \
    "$(cat jwks.json)"
check "JWKS: EC P-256 ES256 sig keys, no private member" json 'all(
    k["kty"] == "EC" and k["crv"] == "P-256" and k["alg"] == "ES256" and
    k["use"] == "sig" and "d" not in k for k in j["keys"]) or sys.exit(1)' \
    jwks.json
verify_jwt "citizen's token" "$T_C1"
assert_eq "the token's kid is keygen's" "$JKID" "$KID1"
check "citizen's token: claims" has_members jwt/payload.json j "iss=$URL" \
    aud=portal "sub=$P1" "pinfl=$P1" acr=citizen "cert_serial=$S1" \
    'amr=["pop", "swk"]' "x5t#S256=$(x5t c1.crt)"
check "citizen's token: exp = iat + 600, nbf = auth_time = iat" json \
    '(j["exp"] - j["iat"] == 600 and j["nbf"] == j["auth_time"] == j["iat"]
    and len(j["jti"]) == 22) or sys.exit(1)' jwt/payload.json
JTI_C1=$(json 'j["jti"]' jwt/payload.json)
verify_jwt "official's token (openssl login)" "$T_O2"
check "official's token: claims" has_members jwt/payload.json j \
    aud=officials-only acr=official "tin=$ORGTIN" "organization=Kalit LLC" \
    title=Director "x5t#S256=$(x5t o1.crt)"

# --- the same with the npm jose package, when the registry answers ------------
if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 &&
    timeout 60 npm install --prefix "$TMP/js" jose@5 --no-audit --no-fund \
    >"$TMP/npm.log" 2>&1; then
	cat >"$TMP/js/verify.mjs" <<'JS'
import { createRemoteJWKSet, jwtVerify } from "jose";
const [url, iss, tok] = process.argv.slice(2);
const JWKS = createRemoteJWKSet(new URL(url));
const r = await jwtVerify(tok, JWKS, { issuer: iss, audience: "portal" });
console.log("portal", r.payload.sub, r.protectedHeader.kid);
try {
	await jwtVerify(tok, JWKS, { issuer: iss, audience: "other" });
	console.log("other accepted");
} catch (e) {
	console.log("other", e.code);
}
JS
	check "jose: jwtVerify with createRemoteJWKSet, audience portal" \
	    node "$TMP/js/verify.mjs" "$URL/v1/jwks" "$URL" "$T_C1" &&
	    assert_eq "jose: the payload and kid" "$(cat "$OUT")" \
	    "portal $P1 $KID1
other ERR_JWT_CLAIM_VALIDATION_FAILED"
else
	echo "# skip: npm jose check skipped (no npm or no npm registry)"
fi

# --- introspection and logout -------------------------------------------------
oauth introspect portal "$T_C1"
expect_http "introspect (client_secret_basic)" 200 -
members "introspect: active, client portal, the claims" "$OUT" j \
    active=true client_id=portal token_type=Bearer "sub=$P1" aud=portal \
    acr=citizen "cert_serial=$S1" "iss=$URL" "name=Aliyev Vali"
http POST /v1/introspect -d client_id=portal \
    -d "client_secret=$(cat portal.secret)" -d "token=$T_C1"
members "introspect (client_secret_post): the same" "$OUT" j \
    active=true client_id=portal "sub=$P1" acr=citizen "cert_serial=$S1"
http POST /v1/introspect -D hdr.txt -u portal:wrong-secret -d "token=$T_C1"
expect_http "introspect with a wrong secret" 401 invalid_client
assert_grep "401 carries WWW-Authenticate: Basic" \
    '^[Ww][Ww][Ww]-[Aa]uthenticate: Basic realm="kalitd"' hdr.txt
expect_active "portal's token introspected by citizens-only" \
    citizens-only "$T_C1" false
expect_active "officials-only's token introspected by portal" \
    portal "$T_O2" false
oauth revoke portal "$T_C1"
expect_http "revoke (logout) as portal" 200 -
assert_eq "revoke answers {}" "$(json 'j == {}' "$OUT")" true
expect_active "the revoked token at once" portal "$T_C1" false
oauth revoke portal "$T_C1"
expect_http "revoke the revoked token again" 200 -
assert_eq "again {}" "$(json 'j == {}' "$OUT")" true
oauth revoke citizens-only "$T_O1"
expect_http "revoke portal's token as citizens-only" 400 unauthorized_client
expect_active "that token is still active for portal" portal "$T_O1" true
http POST /v1/revoke -u "portal:$(cat portal.secret)" -d token_type_hint=x
expect_http "revoke without a token parameter" 400 invalid_request

# --- client policy ------------------------------------------------------------
login_openssl o1 citizens-only
expect_http "the official via citizens-only" 403 certificate_policy
echo "citizens-only $S2" >>policy.want
login_openssl c1 officials-only
expect_http "the citizen via officials-only" 403 certificate_policy
echo "officials-only $S1" >>policy.want
kalit_login o1.p12 citizens-only --json
assert_eq "kalit login: the official via citizens-only exits 4" "$RC" 4
assert_eq "--json prints the server's error" \
    "$(json 'j["error"]' "$OUT" 2>&1)" certificate_policy
assert_grep "stderr: login refused: certificate_policy" \
    "^kalit: login refused: certificate_policy: " "$ERR"
echo "citizens-only $S2" >>policy.want
kalit_login c1.p12 officials-only
assert_eq "kalit login: the citizen via officials-only exits 4" "$RC" 4
assert_eq "... and prints no token" "$(cat "$OUT")" ""
echo "officials-only $S1" >>policy.want

# --- persistence: restart -----------------------------------------------------
challenge
OLDCH=$CH
stop_kalitd
assert_eq "kalitd exits 0 on SIGTERM" "$KRC" 0
cp "$TMP/kalitd.log" "$TMP/kalitd.log.1"
start_kalitd
OKRUN=0
ok "kalitd restarted on the same port"
expect_active "after the restart the revoked token" portal "$T_C1" false
expect_active "after the restart an unrevoked token" portal "$T_O1" true
expect_active "after the restart officials-only's token" officials-only \
    "$T_O2" true
sign_openssl c1.crt c1.key "$OLDCH" old.cms || fail "openssl cms -sign"
echo "$OLDCH" >>leaks
login_body portal "$OLDCH" old.cms >old.body
post_login old.body
expect_http "a challenge from before the restart" 400 challenge_unknown

# --- key rollover -------------------------------------------------------------
T1=$(basename "$(ls "$SRV/keys")" .key)
while [ "$(date +%s)" -le "$T1" ]; do sleep 0.2; done
check "keygen a second key (now)" kd keygen --json
KID2=$(json 'j["kid"]' "$OUT")
assert "a new kid" "$KID2" != "$KID1"
kill -HUP "$KPID"
check "after SIGHUP the JWKS lists the new key" jwks_has "$KID2"
check "... and still the old one" grep -Fq "\"$KID1\"" jwks.json
kalit_login c1.p12 portal --json
rc_ok "kalit login after the rollover"
T_C3=$(json 'j["access_token"]' "$OUT" 2>/dev/null)
login_ok portal "$S1" "$T_C3"
verify_jwt "token after the rollover" "$T_C3"
assert_eq "the new key signs" "$JKID" "$KID2"
expect_active "a token of the old key" portal "$T_O1" true
expect_active "a token of the new key" portal "$T_C3" true
check "keygen a key for an hour ahead" kd keygen --json \
    --at $(($(date +%s) + 3600))
KID3=$(json 'j["kid"]' "$OUT")
kill -HUP "$KPID"
check "after SIGHUP the JWKS lists the future key" jwks_has "$KID3"
assert_eq "the JWKS has three keys" "$(json 'len(j["keys"])' jwks.json)" 3
login_openssl c1 portal
expect_http "login after the future key's publication" 200 -
T_C4=$(json 'j.get("access_token", "")' "$OUT")
login_ok portal "$S1" "$T_C4"
verify_jwt "token after the future key's publication" "$T_C4"
assert_eq "the future key does not sign" "$JKID" "$KID2"
# the official key file used for a login after the reload, too
kalit_login o1.p12 officials-only
rc_ok "official via officials-only after the reloads"
login_ok officials-only "$S2" "$(sed -n 's/^token: //p' "$OUT")"

# --- audit and logs -----------------------------------------------------------
audit() {
	sqlite3 "$SRV/kalitd.db" "SELECT actor || ' ' || serial || \
	    CASE WHEN action = 'logout' THEN ' ' || detail ELSE '' END FROM audit
	    WHERE action = '$1' AND detail LIKE '$2' ORDER BY seq"
}
assert_eq "audit: a login ok row with the serial per successful login" \
    "$(audit login 'ok jti %')" "$(cat ok.want)"
assert_eq "audit: a certificate_policy row per refused login" \
    "$(audit login certificate_policy)" "$(cat policy.want)"
assert_eq "audit: one logout row (portal, serial, jti)" "$(audit logout %)" \
    "portal $S1 $JTI_C1"
# Refused before the signature verified: summed up in a login-refusals
# record (kalitd_http.sh), not a row of its own.
assert_eq "audit: no challenge_unknown row" \
    "$(audit login challenge_unknown)" ""
sqlite3 "$SRV/kalitd.db" .dump >audit.dump
sort -u leaks | grep -v '^$' >leaks.u
assert "the leak list has tokens, secrets, signatures ($(wc -l <leaks.u))" \
    "$(wc -l <leaks.u)" -ge 30
for f in kalitd.log.1 kalitd.log audit.dump; do
	run grep -Fc -f leaks.u "$f"
	assert_eq "no token, secret, signature or challenge in $f" "$(cat "$OUT")" 0
done
assert_grep "the log names the refused login" \
    "login refused: certificate_policy \(client citizens-only, serial $S2\)" \
    kalitd.log.1

# --- /metrics (counted since the restart), /healthz ---------------------------
http GET /metrics
expect_http "GET /metrics" 200 -
N=$(sed -n 's/^kalitd_logins_total{outcome="ok"} //p' "$OUT")
assert_eq "kalitd_logins_total{outcome=\"ok\"}: the logins since the start" \
    "$N" "$OKRUN"
http GET /healthz
expect_http "GET /healthz" 200 -
assert_eq "/healthz says ok" "$(json 'j == {"status": "ok"}' "$OUT")" true
stop_kalitd
assert_eq "kalitd exits 0 on SIGTERM again" "$KRC" 0

finish
