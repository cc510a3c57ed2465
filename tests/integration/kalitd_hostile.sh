#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_hostile.sh: a real kalitd answers hostile logins, forged tokens,
# malformed requests and slow clients with the documented HTTP status and
# error code (docs/api.md), keeps serving, and audits every login attempt.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"

make_pki
cd "$TMP" || exit 99
for ca in citizen official; do
	kca crl --ca $ca --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
	    fail "crl --ca $ca"
done

# --- helpers -----------------------------------------------------------------

# login_case DESC STATUS CODE BODYFILE: POST /v1/login answers STATUS CODE
# ("-": success); the attempt must show in this server's audit log.
login_case() {
	post_login "$4"
	expect_http "$1" "$2" "$3"
	[ "$3" = - ] && echo ok >>"$TMP/audit.$PORT" ||
	    echo "$3" >>"$TMP/audit.$PORT"
}

# chal [CLIENT]: a fresh challenge of this server for CLIENT (default
# portal) in $CH.
chal() {
	http POST /v1/challenge -H 'Content-Type: application/json' \
	    --data-binary "{\"client_id\": \"${1:-portal}\"}"
	CH=$(sed -n 's/.*"challenge":"\([A-Za-z0-9_-]*\)".*/\1/p' "$OUT")
}

# body OUT CLIENT CHALLENGE PKCS7-JSON: a login body; PKCS7-JSON is JSON
# text ("\"...\"", 1, null...).
body() {
	printf '{"client_id": "%s", "challenge": "%s", "pkcs7": %s}' \
	    "$2" "$3" "$4" >"$1"
}

b64() {
	"$OPENSSL" base64 -A -in "$1"
}

# vbody CLIENT CHALLENGE [CONTENT]: b.json with CONTENT (default: the
# challenge) signed by v.
vbody() {
	sign_openssl v.crt v.key "${3-$2}" s.der
	body b.json "$1" "$2" "\"$(b64 s.der)\""
}

# attempt DESC STATUS CODE CERT KEY [CLIENT [CONTENT [cms args]]]: a fresh
# challenge; CONTENT (default: the challenge) signed with CERT and KEY, for
# CLIENT (default portal). The body stays in b.json.
attempt() {
	_at_d=$1 _at_s=$2 _at_c=$3 _at_cert=$4 _at_key=$5 _at_cl=${6:-portal}
	chal "$_at_cl"
	_at_ct=${7:-$CH}
	shift 5
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] && shift
	sign_openssl "$_at_cert" "$_at_key" "$_at_ct" s.der "$@" ||
	    fail "$_at_d: openssl cms -sign"
	body b.json "$_at_cl" "$CH" "\"$(b64 s.der)\""
	login_case "$_at_d" "$_at_s" "$_at_c" b.json
}

# p7case DESC STATUS CODE PKCS7-JSON; dercase DESC STATUS CODE DERFILE:
# a fresh challenge with that pkcs7.
p7case() {
	chal
	body b.json portal "$CH" "$4"
	login_case "$1" "$2" "$3" b.json
}
dercase() {
	p7case "$1" "$2" "$3" "\"$(b64 "$4")\""
}

# citizen NAME N [ARGS]: NAME.crt, NAME.key issued by kalit-ca, PINFL N.
citizen() {
	_ci_n=$1 _ci_p=$(pinfl "$2")
	shift 2
	make_csr "$_ci_n.csr" && mv "$_ci_n.csr.key" "$_ci_n.key" &&
	    kca_issue --profile citizen --given-name Vali --surname Aliyev \
	    --pinfl "$_ci_p" "$@" --csr "$_ci_n.csr" --out "$_ci_n.crt" \
	    >/dev/null 2>&1 || fail "kalit-ca issue $_ci_n"
}

# ossl (kalitd_lib.sh) makes certificates with the citizen CA's key.
SUBJ="/C=UZ/SN=Aliyev/GN=Vali/CN=Aliyev Vali/pinfl=39000000000001"
oca_init
cat >>oca/ca.cnf <<CNF
[cacert]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
CNF

# launch CONF LOG: kalitd itself in the background; waits for /healthz on
# $PORT and sets LPID. (start_kalitd backgrounds the kd function: its $! is
# a subshell, and neither SIGHUP nor SIGTERM sent there reaches kalitd.)
launch() {
	"$KALITD" -c "$1" -v >"$2" 2>&1 &
	LPID=$!
	_la_i=0
	until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
		_la_i=$((_la_i + 1))
		if [ $_la_i -ge 100 ] || ! kill -0 "$LPID" 2>/dev/null; then
			fail "kalitd did not start ($1)"
			sed 's/^/     | /' "$2" | head -n 20
			finish
		fi
		sleep 0.1
	done
}

# b CMD...: CMD against the second kalitd, B.
b() {
	_op=$PORT _os=$SRV
	PORT=$PORTB SRV=$SRVB
	"$@"
	PORT=$_op SRV=$_os
}
BPID=
trap '[ -n "$BPID" ] && kill "$BPID" && wait "$BPID"; stop_kalitd
    rm -rf "$T_TMP"' EXIT

# --- A, the server under test, and B, a stranger with the same issuer ---------

PORT=$(free_port)
PORTA=$PORT
write_conf
sed 's/^threads = 2$/&\
connection_timeout = 2/' "$SRV/kalitd.conf" >c && mv c "$SRV/kalitd.conf"
assert_grep "A: connection_timeout = 2" '^connection_timeout = 2$' \
    "$SRV/kalitd.conf"
kd keygen >/dev/null || fail "keygen"
for _c in portal "citonly citizen" "offonly official" other; do
	add_client $_c || fail "client add $_c"
done
SEC=$(cat portal.secret)
launch "$SRV/kalitd.conf" "$TMP/kalitd.log"
KPID=$LPID

SRVB=$TMP/srvb
PORTB=$(free_port)
b write_conf
sed "s/^lifetime = 120\$/lifetime = 10/; s/^issuer = .*/issuer = \
http:\\/\\/127.0.0.1:$PORTA/" "$SRVB/kalitd.conf" >c &&
    mv c "$SRVB/kalitd.conf"
assert_grep "B: challenge lifetime 10 s" '^lifetime = 10$' "$SRVB/kalitd.conf"
assert_grep "B: A's issuer" "^issuer = http://127.0.0.1:$PORTA\$" \
    "$SRVB/kalitd.conf"
b kd keygen >/dev/null || fail "keygen (B)"
b kd client add portal >/dev/null || fail "client add (B)"
b launch "$SRVB/kalitd.conf" "$TMP/kalitd-b.log"
BPID=$LPID
b chal
CHB_OLD=$CH			# expires in 10 s; used at the end
T_OLD=$(date +%s)

# --- certificates and policies --------------------------------------------------

citizen v 1			# the good one
citizen r 2			# revoked before its first login
citizen h 3			# held before its first login
citizen c 4			# revoked after a login that cached "good"
citizen o 5 --profile official --org "Kalit LLC" --title Director \
    --org-tin 201234567
kca revoke "$(cert_serial r.crt)" --reason keyCompromise >/dev/null &&
    kca hold "$(cert_serial h.crt)" >/dev/null &&
    kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
    fail "revoke, hold, crl"
attempt "kalit-ca citizen, client portal" 200 - v.crt v.key
cp "$OUT" login-v.json
attempt "kalit-ca citizen, citizen-only client" 200 - v.crt v.key citonly
attempt "kalit-ca official, official-only client" 200 - o.crt o.key offonly
attempt "a login that caches a good status" 200 - c.crt c.key
attempt "revoked (keyCompromise) in the CRL" 401 certificate_revoked \
    r.crt r.key
attempt "on hold in the CRL" 401 certificate_on_hold h.crt h.key
attempt "official to a citizen-only client" 403 certificate_policy \
    o.crt o.key citonly
attempt "citizen to an official-only client" 403 certificate_policy \
    v.crt v.key offonly

# Made by `openssl ca` with the citizen CA's key. Columns: name, keyUsage,
# extendedKeyUsage, certificatePolicies ("-": no such extension), status,
# code, case.
while IFS='|' read -r _n _ku _eku _pol _st _code _desc <&3; do
	{
		echo "[$_n]"
		[ "$_ku" = - ] || echo "keyUsage = critical, $_ku"
		[ "$_eku" = - ] || echo "extendedKeyUsage = $_eku"
		[ "$_pol" = - ] || echo "certificatePolicies = $_pol"
	} >>oca/ca.cnf
	ossl $_n $_n
	attempt "$_desc" $_st $_code $_n.crt $_n.key
done 3<<'TABLE'
good|digitalSignature, nonRepudiation|clientAuth, emailProtection|1.3.6.1.5.5.7.13.1|200|-|openssl-made citizen certificate (control)
noeku|digitalSignature|-|1.3.6.1.5.5.7.13.1|200|-|no extendedKeyUsage at all (allowed)
email|digitalSignature|emailProtection|1.3.6.1.5.5.7.13.1|403|certificate_purpose|EKU emailProtection only
server|digitalSignature|serverAuth|1.3.6.1.5.5.7.13.1|403|certificate_purpose|EKU serverAuth only
nods|nonRepudiation, keyAgreement|clientAuth|1.3.6.1.5.5.7.13.1|403|certificate_purpose|keyUsage without digitalSignature
noku|-|clientAuth|1.3.6.1.5.5.7.13.1|403|certificate_purpose|no keyUsage extension
nopolicy|digitalSignature|clientAuth|-|403|certificate_policy_missing|no certificate policy
otherpolicy|digitalSignature|clientAuth|1.3.6.1.5.5.7.13.3, 2.5.29.32.0|403|certificate_policy_missing|only foreign policies and anyPolicy
TABLE
ossl expired good -startdate 20200101000000Z -enddate 20210101000000Z
attempt "expired certificate" 401 certificate_expired expired.crt expired.key
_y=$(($(date -u +%Y) + 2))
ossl future good -startdate "${_y}0101000000Z" -enddate "$((_y + 1))0101000000Z"
attempt "certificate not yet valid" 401 certificate_not_yet_valid \
    future.crt future.key
SUBJ="/C=UZ/SN=Aliyev/GN=Vali/CN=Aliyev Vali"
ossl nopinfl good
attempt "no PINFL in the subject" 403 certificate_identity_invalid \
    nopinfl.crt nopinfl.key
# The leaf's policy counts only when its CA asserts it too (or anyPolicy):
# the citizen CA asserts the citizen policy only.
cat >>oca/ca.cnf <<'CNF'
[offpol]
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
certificatePolicies = 1.3.6.1.5.5.7.13.2
[bothpol]
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
certificatePolicies = 1.3.6.1.5.5.7.13.1, 1.3.6.1.5.5.7.13.2
CNF
SUBJ="/C=UZ/SN=Aliyev/GN=Vali/CN=Aliyev Vali/pinfl=39000000000001"
ossl offpol offpol
attempt "citizen CA, official policy only, official-only client" 403 \
    certificate_policy_missing offpol.crt offpol.key offonly
attempt "citizen CA, official policy only, client portal" 403 \
    certificate_policy_missing offpol.crt offpol.key
ossl bothpol bothpol
attempt "citizen CA, both policies, official-only client" 403 \
    certificate_policy bothpol.crt bothpol.key offonly
attempt "citizen CA, both policies, citizen-only client" 200 - \
    bothpol.crt bothpol.key citonly
assert_grep "... as a citizen" '"acr":"citizen"' "$OUT"
attempt "citizen CA, both policies, client portal" 200 - \
    bothpol.crt bothpol.key
assert_grep "... as a citizen, not an official" '"acr":"citizen"' "$OUT"
# A PINFL is exactly 14 digits, an organisation TIN exactly 9.
# subj_has DESC CERT OID VALUE: CERT's subject has OID = VALUE (so that the
# refusal is about the value, not about a missing attribute).
subj_has() {
	"$OPENSSL" x509 -in "$2" -noout -subject \
	    -nameopt sep_multiline,oid,show_type >subj.txt
	assert_grep "$1" "^ *$3=[A-Z0-9]*STRING:$4\$" subj.txt
}
SUBJ="/C=UZ/SN=Aliyev/GN=Vali/CN=Aliyev Vali/pinfl=12<script>"
ossl pinscript good
subj_has "... its subject has that PINFL" pinscript.crt \
    '1\.2\.860\.3\.16\.1\.2' '12<script>'
attempt "PINFL \"12<script>\"" 403 certificate_identity_invalid \
    pinscript.crt pinscript.key
SUBJ="/C=UZ/SN=Aliyev/GN=Vali/CN=Aliyev Vali/pinfl=3900000000001"
ossl pin13 good
subj_has "... its subject has that PINFL" pin13.crt \
    '1\.2\.860\.3\.16\.1\.2' 3900000000001
attempt "PINFL of 13 digits" 403 certificate_identity_invalid pin13.crt \
    pin13.key
cat >>oca/ca.cnf <<'CNF'
[offgood]
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
certificatePolicies = 1.3.6.1.5.5.7.13.2
CNF
_osubj="/C=UZ/SN=Aliyev/GN=Vali/CN=Aliyev Vali/pinfl=39000000000001\
/O=Kalit LLC/title=Director"
SUBJ="$_osubj/orgtin=201234567"
OCA_CRT=$CADIR/certs/official.crt OCA_KEY=$CADIR/keys/official.key \
    ossl offtin9 offgood
attempt "openssl-made official, TIN of 9 digits (control)" 200 - \
    offtin9.crt offtin9.key offonly
assert_grep "... as an official" '"acr":"official"' "$OUT"
SUBJ="$_osubj/orgtin=12345678"
OCA_CRT=$CADIR/certs/official.crt OCA_KEY=$CADIR/keys/official.key \
    ossl offtin8 offgood
subj_has "... its subject has that TIN" offtin8.crt \
    '1\.2\.860\.3\.16\.1\.1' 12345678
attempt "official with an organisation TIN of 8 digits" 403 \
    certificate_identity_invalid offtin8.crt offtin8.key offonly
SUBJ="/C=UZ/CN=kalit citizen CA"	# an impostor with the real CA's name
"$OPENSSL" req -config oca/ca.cnf -x509 -new -newkey ec -pkeyopt \
    ec_paramgen_curve:P-256 -nodes -keyout fakeca.key -subj "$SUBJ" \
    -days 30 -extensions cacert -out fakeca.crt 2>/dev/null ||
    fail "impostor CA"
SUBJ="/C=UZ/SN=Aliyev/GN=Vali/CN=Aliyev Vali/pinfl=39000000000001"
OCA_CRT=fakeca.crt OCA_KEY=fakeca.key ossl fake good
attempt "impostor CA with the citizen CA's name, CA in the CMS" 401 \
    certificate_untrusted fake.crt fake.key portal "" -certfile fakeca.crt
"$OPENSSL" req -config oca/ca.cnf -x509 -new -newkey ec -pkeyopt \
    ec_paramgen_curve:P-256 -nodes -keyout self.key -subj "$SUBJ" -days 30 \
    -extensions good -out self.crt 2>/dev/null || fail "self-signed"
attempt "self-signed certificate" 401 certificate_untrusted self.crt self.key
attempt "the root CA's own certificate and key" 401 certificate_untrusted \
    "$CADIR/certs/root.crt" "$CADIR/keys/root.key" portal "" \
    -passin "file:$CAPASS"
attempt "the citizen CA's own certificate (keyCertSign only)" 403 \
    certificate_purpose "$CADIR/certs/citizen.crt" \
    "$CADIR/keys/citizen.key" portal "" -passin "file:$CAPASS"

# --- challenges -------------------------------------------------------------------

login_case "the same successful body again" 400 challenge_reused b.json
attempt "content other than the challenge" 400 content_mismatch v.crt v.key \
    portal "not the challenge"
vbody portal "$CH"
login_case "a correct login after a failed one, same challenge" 400 \
    challenge_reused b.json
chal
vbody nosuch "$CH"
login_case "unknown client_id (before the challenge is used)" 400 \
    client_unknown b.json
vbody portal "$CH"
login_case "... so the same challenge then logs in" 200 - b.json
chal portal
vbody citonly "$CH"
login_case "a challenge of portal relayed to citonly" 400 \
    challenge_client_mismatch b.json
vbody portal "$CH"
login_case "... is not used up: portal logs in with it" 200 - b.json
vbody citonly "$CH"
login_case "... and relayed again after that" 400 challenge_client_mismatch \
    b.json
chal				# 8 logins race with one challenge
vbody portal "$CH"
_pids=
for _i in 1 2 3 4 5 6 7 8; do
	curl -s -o "race.$_i" -w '%{http_code}\n' -H \
	    'Content-Type: application/json' --data-binary @b.json \
	    "http://127.0.0.1:$PORT/v1/login" >"race.$_i.st" &
	_pids="$_pids $!"
done
wait $_pids
assert_eq "8 concurrent logins with one challenge: one 200, seven 400" \
    "$(cat race.*.st | sort | uniq -c | tr -s ' ' | tr '\n' ' ')" \
    " 1 200  7 400 "
assert_eq "... the seven are challenge_reused" \
    "$(grep -l '"error":"challenge_reused"' race.? | wc -l | tr -d ' ')" 7
printf 'ok\n' >>"audit.$PORT"
printf 'challenge_reused\n%.0s' 1 2 3 4 5 6 7 >>"audit.$PORT"

# forge DESC CHALLENGE: CHALLENGE, signed by v, is the only thing wrong.
forge() {
	vbody portal "$2"
	login_case "$1" 400 challenge_unknown b.json
}
forge "made-up 80-character base64url challenge" \
    "$("$OPENSSL" rand -base64 60 | tr -d '\n' | tr '+/' '-_')"
chal
_c11=B
[ "$(printf %s "$CH" | cut -c11)" = B ] && _c11=C
forge "a real challenge with its 11th character changed" \
    "$(printf %s "$CH" | cut -c1-10)$_c11$(printf %s "$CH" | cut -c12-)"
chal
forge "a real challenge cut to 79 characters" "$(printf %s "$CH" | cut -c1-79)"
chal
forge "a real challenge and an 81st character" "${CH}A"
chal
forge "a real challenge, first character '+'" "+$(printf %s "$CH" | cut -c2-)"
forge "an empty challenge" ""
b chal
forge "a challenge of the other kalitd" "$CH"
chal
_mine=$CH
b forge "... and one of this kalitd at the other" "$_mine"

# --- the CMS -------------------------------------------------------------------------

chal
attempt "signed over another challenge of this server" 400 content_mismatch \
    v.crt v.key portal "$CH"
attempt "signed over the challenge and a newline" 400 content_mismatch \
    v.crt v.key portal "$CH
"
chal
printf %s "$CH" | "$OPENSSL" cms -sign -binary -signer v.crt -inkey v.key \
    -outform DER -out s.der
body b.json portal "$CH" "\"$(b64 s.der)\""
login_case "detached signature" 400 request_malformed b.json
attempt "signed without certificates (-nocerts)" 401 signature_invalid \
    v.crt v.key portal "" -nocerts
# Another key signs, with a certificate that names v's issuer and serial;
# only v's certificate goes into the CMS.
"$OPENSSL" req -config oca/ca.cnf -x509 -new -newkey ec -pkeyopt \
    ec_paramgen_curve:P-256 -nodes -keyout swap.key \
    -subj "/C=UZ/CN=kalit citizen CA" -set_serial "0x$(cert_serial v.crt)" \
    -days 30 -out swap.crt 2>/dev/null
attempt "another key signs, v's certificate in the CMS" 401 \
    signature_invalid swap.crt swap.key portal "" -nocerts -certfile v.crt
# der OP FILE [FROM TO]: flip the last bit (in the signature), or swap the
# content FROM for TO of the same length.
der() {
	python3 -c 'import sys
d = open(sys.argv[2], "rb").read()
if sys.argv[1] == "flip":
    d = d[:-1] + bytes([d[-1] ^ 1])
else:
    assert d.count(sys.argv[3].encode()) == 1
    d = d.replace(sys.argv[3].encode(), sys.argv[4].encode())
sys.stdout.buffer.write(d)' "$@"
}
chal
_c1=$CH
chal
sign_openssl v.crt v.key "$_c1" s.der
der flip s.der >t.der
body b.json portal "$_c1" "\"$(b64 t.der)\""
login_case "one bit of the signature flipped" 401 signature_invalid b.json
der swap s.der "$_c1" "$CH" >t.der
body b.json portal "$CH" "\"$(b64 t.der)\""
login_case "the content inside a signed CMS replaced" 401 signature_invalid \
    b.json
head -c $(($(wc -c <s.der) / 2)) s.der >t.der
dercase "truncated DER" 400 request_malformed t.der
{ cat s.der; printf x; } >t.der
dercase "a byte after the DER" 400 request_malformed t.der
"$OPENSSL" rand 300 >t.der
dercase "random bytes" 400 request_malformed t.der
chal
printf %s "$CH" | "$OPENSSL" cms -sign -nodetach -binary -signer v.crt \
    -inkey v.key -signer good.crt -inkey good.key -outform DER -out s.der
body b.json portal "$CH" "\"$(b64 s.der)\""
login_case "two signers" 400 request_malformed b.json
attempt "eContentType not id-data" 400 request_malformed v.crt v.key \
    portal "" -econtent_type 1.2.840.113549.1.9.16.1.4
printf x | "$OPENSSL" cms -data_create -outform DER -out t.der
dercase "CMS Data, not SignedData" 400 request_malformed t.der
"$OPENSSL" x509 -in v.crt -outform DER -out t.der
dercase "a certificate, not a CMS" 400 request_malformed t.der
head -c 33000 /dev/zero >t.der
dercase "pkcs7 decoding to more than 32 KiB" 400 request_malformed t.der

# --- base64 and JSON ----------------------------------------------------------------

chal
_i=0
while sign_openssl v.crt v.key "$CH" s.der && _p7=$(b64 s.der) &&
    [ "${_p7%=}" = "$_p7" ] && [ $_i -lt 30 ]; do
	_i=$((_i + 1))	# until the base64 has padding
done
p7case "base64 without its padding" 400 request_malformed "\"${_p7%%=*}\""
p7case "base64 with a '!'" 400 request_malformed "\"!${_p7#?}\""
p7case "base64url alphabet ('-')" 400 request_malformed "\"-${_p7#?}\""
p7case "base64 with line breaks" 400 request_malformed \
    "\"$("$OPENSSL" base64 -in s.der | awk '{ printf "%s\\n", $0 }')\""
p7case "base64 after a space" 400 request_malformed "\" $_p7\""
p7case "base64 and a newline" 400 request_malformed "\"$_p7\\n\""
p7case "empty pkcs7" 400 request_malformed '""'
p7case "pkcs7 a JSON number" 400 request_malformed 12345
p7case "pkcs7 null" 400 request_malformed null
p7case "pkcs7 an array of base64" 400 request_malformed "[\"$_p7\"]"
# shape DESC PRINTF-FORMAT [CODE]: that body is refused (request_malformed).
shape() {
	# shellcheck disable=SC2059
	printf "$2" >b.json
	login_case "$1" 400 "${3:-request_malformed}" b.json
}
P="\"$_p7\"" C="\"challenge\": \"$CH\""
_long=$(printf '%065d' 0 | tr 0 a)
shape "not JSON" 'client_id=portal'
shape "an empty body" ''
shape "a JSON array" "[\"portal\", \"$CH\", $P]"
shape "a JSON string" '"portal"'
shape "no client_id" "{$C, \"pkcs7\": $P}"
shape "no challenge" "{\"client_id\": \"portal\", \"pkcs7\": $P}"
shape "no pkcs7" "{\"client_id\": \"portal\", $C}"
shape "client_id twice" \
    "{\"client_id\": \"x\", \"client_id\": \"portal\", $C, \"pkcs7\": $P}"
shape "client_id a number" "{\"client_id\": 1, $C, \"pkcs7\": $P}"
shape "client_id with a NUL" \
    "{\"client_id\": \"portal\\\\u0000x\", $C, \"pkcs7\": $P}"
shape "client_id of 65 characters" \
    "{\"client_id\": \"$_long\", $C, \"pkcs7\": $P}"
shape "client_id of 64 characters, not registered" \
    "{\"client_id\": \"${_long#a}\", $C, \"pkcs7\": $P}" client_unknown
shape "invalid UTF-8" "{\"client_id\": \"portal\\377\", $C, \"pkcs7\": $P}"
shape "an object and more" "{\"client_id\": \"portal\", $C, \"pkcs7\": $P} {}"
shape "10000 nested arrays" \
    "$(awk 'BEGIN { for (i = 0; i < 10000; i++) printf "[" }')"
{ printf '{"x": "'; head -c 65527 /dev/zero | tr '\0' a; printf '"}'; } \
    >b.json
login_case "a body of exactly max_body bytes" 400 request_malformed b.json
printf ' ' >>b.json
post_login b.json
expect_http "max_body + 1 bytes" 413 request_too_large
http POST /v1/login -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary @b.json
expect_http "max_body + 1 bytes, chunked" 413 request_too_large
http POST /v1/login -H 'Content-Type: application/json' \
    -H 'Content-Length: 9999999999999' --data-binary '{}' --max-time 5
expect_http "a 13-digit Content-Length" 413 request_too_large
http POST /v1/challenge --data-binary @b.json
expect_http "POST /v1/challenge, max_body + 1 bytes" 413 request_too_large
# chreq DESC STATUS CODE BODY: POST /v1/challenge with that JSON body.
chreq() {
	http POST /v1/challenge -H 'Content-Type: application/json' \
	    --data-binary "$4"
	expect_http "POST /v1/challenge, $1" "$2" "$3"
}
http POST /v1/challenge
expect_http "POST /v1/challenge without a body" 400 request_malformed
chreq "{}" 400 request_malformed '{}'
chreq "not JSON" 400 request_malformed 'client_id=portal'
chreq "a JSON string" 400 request_malformed '"portal"'
chreq "client_id a number" 400 request_malformed '{"client_id": 1}'
chreq "client_id twice" 400 request_malformed \
    '{"client_id": "nosuch", "client_id": "portal"}'
chreq "client_id of 65 characters" 400 request_malformed \
    "{\"client_id\": \"$_long\"}"
chreq "an unregistered client_id" 400 client_unknown '{"client_id": "nosuch"}'
chreq "client portal and another member" 200 - \
    '{"client_id": "portal", "origin": "x"}'
{ printf '{"client_id": "portal", "x": "'; head -c 4065 /dev/zero |
    tr '\0' a; printf '"}'; } >c.json
assert_eq "c.json is 4097 bytes" "$(wc -c <c.json | tr -d ' ')" 4097
http POST /v1/challenge -H 'Content-Type: application/json' \
    --data-binary @c.json
expect_http "POST /v1/challenge, a body of 4097 bytes" 413 request_too_large
printf '{}' >b.json
for _ct in text/plain application/jsonx application/x-www-form-urlencoded \
    ''; do
	http POST /v1/login -H "Content-Type: $_ct" --data-binary @b.json
	expect_http "Content-Type \"$_ct\"" 415 content_type_invalid
done
http POST /v1/login -H 'Content-Type: application/json; charset=utf-8' \
    --data-binary @b.json -D hdr.txt
expect_http "Content-Type with charset gets to the JSON check" 400 request_malformed
echo request_malformed >>"audit.$PORT"
assert_grep "... the answer is Cache-Control: no-store" \
    '^Cache-Control: no-store' hdr.txt
http HEAD /healthz -I
expect_http "HEAD /healthz" 200 -
for _mp in "GET /v1/login" "PUT /v1/login" "GET /v1/challenge" \
    "POST /healthz" "DELETE /v1/jwks" "GET /v1/introspect"; do
	http $_mp
	expect_http "$_mp" 405 method_not_allowed
done
for _p in / /v1/logon /v1/login/ /V1/LOGIN /v1/../v1/login; do
	http POST "$_p" --path-as-is -H 'Content-Type: application/json' -d '{}'
	expect_http "POST $_p" 404 not_found
done
# A NUL must not cut the path short (a proxy's rule on the path would miss).
for _p in /metrics%00.json /v1/jwks%00; do
	http GET "$_p" --path-as-is
	expect_http "GET $_p" 404 not_found
done

# --- introspection and logout ---------------------------------------------------------

TOK=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' login-v.json)
# intro DESC TOKEN WANT [curl args]: /v1/introspect answers 200 with active
# WANT (true or false); Basic auth as portal unless curl args are given.
intro() {
	_in_d=$1 _in_t=$2 _in_w=$3
	shift 3
	[ $# -gt 0 ] || set -- -u "portal:$SEC"
	http POST /v1/introspect "$@" --data-urlencode "token=$_in_t"
	_in_a=$(sed -n 's/.*"active":\([a-z]*\).*/\1/p' "$OUT")
	if [ "$STATUS" = 200 ] && [ "$_in_a" = "$_in_w" ]; then
		ok "$_in_d (200 active $_in_w)"
	else
		fail "$_in_d: HTTP $STATUS, active \"$_in_a\", want 200 $_in_w"
	fi
}
intro "the real token (control)" "$TOK" true
intro "the real token, secret in the form" "$TOK" true \
    -d client_id=portal -d "client_secret=$SEC"
intro "the real token asked by another client" "$TOK" false \
    -u "other:$(cat other.secret)"
for _a in "nosuch:$SEC" "portal:x$SEC" "portal:" "other:$SEC"; do
	http POST /v1/introspect -u "$_a" --data-urlencode "token=$TOK"
	expect_http "introspect as ${_a%%:*}, wrong secret" 401 invalid_client
done
http POST /v1/introspect --data-urlencode "token=$TOK" -D hdr.txt
expect_http "introspect without credentials" 401 invalid_client
assert_grep "... with WWW-Authenticate: Basic" '^WWW-Authenticate: Basic' \
    hdr.txt
http POST /v1/introspect -u "portal:$SEC" -d token_type_hint=access_token
expect_http "introspect without token" 400 invalid_request
http POST /v1/introspect -u "portal:$SEC" -d "token=$(printf '%09000d' 0)"
expect_http "introspect a token of 9000 bytes" 400 request_malformed
http POST /v1/introspect -u "portal:$SEC" -d "token=ab%00cd"
expect_http "introspect a token with a NUL inside" 400 request_malformed
http POST /v1/introspect -u "portal:$SEC" --data-urlencode "token=$TOK" \
    -d token_type_hint=access_token -d token_type_hint=refresh_token
expect_http "introspect with token_type_hint twice" 400 invalid_request
http POST /v1/introspect -u "portal:$SEC" -H 'Content-Type: application/json' \
    -d "{\"token\": \"$TOK\"}"
expect_http "introspect with a JSON body" 415 content_type_invalid
http GET /v1/jwks
cp "$OUT" jwks.json
printf %s "$TOK" >tok.real
cat >jwt.py <<'PY'
import base64, hashlib, hmac, json
h, p, s = open("tok.real").read().split(".")
enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
dec = lambda x: base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
kid = json.loads(dec(h))["kid"]
key = [k for k in json.load(open("jwks.json"))["keys"] if k["kid"] == kid][0]
hdr = lambda alg: enc(json.dumps({"alg": alg, "typ": "JWT", "kid": kid},
    separators=(",", ":")).encode())
c = json.loads(dec(p))
c["sub"] = c["pinfl"] = "39999999999999"
# HS256 keyed with the public JWK: the key confusion attack
mac = hmac.new(json.dumps(key, separators=(",", ":")).encode(),
    (hdr("HS256") + "." + p).encode(), hashlib.sha256).digest()
out = {"none": hdr("none") + "." + p + ".",
    "hs256": hdr("HS256") + "." + p + "." + enc(mac),
    "claims": h + "." + enc(json.dumps(c).encode()) + "." + s,
    "byte": h + "." + p[:30] + "AB"[p[30] == "A"] + p[31:] + "." + s,
    "zero": h + "." + p + "." + "A" * len(s)}
for k, v in out.items():
    open("tok." + k, "w").write(v)
PY
python3 jwt.py || fail "jwt.py"
intro "alg none, real kid and claims, no signature" "$(cat tok.none)" false
intro "HS256 keyed with the JWKS key" "$(cat tok.hs256)" false
intro "claims changed, signature kept" "$(cat tok.claims)" false
intro "one character of the payload changed" "$(cat tok.byte)" false
intro "a zero signature" "$(cat tok.zero)" false
intro "garbage" "not.a.token" false
intro "an empty token" "" false
b attempt "a login at the other kalitd (same issuer and client)" 200 - \
    v.crt v.key
intro "a token signed by the other kalitd's key" \
    "$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' "$OUT")" false
http POST /v1/revoke -u "portal:$SEC" -d token=garbage
expect_http "revoke a garbage token" 200 -
http POST /v1/revoke -u "portal:x" --data-urlencode "token=$TOK"
expect_http "revoke with a wrong secret" 401 invalid_client
http POST /v1/revoke -u "portal:$SEC" -d token_type_hint=access_token
expect_http "revoke without token" 400 invalid_request
http POST /v1/revoke -u "other:$(cat other.secret)" --data-urlencode "token=$TOK"
expect_http "revoke another client's token" 400 unauthorized_client
intro "... which stays active" "$TOK" true
http POST /v1/revoke -u "portal:$SEC" --data-urlencode "token=$TOK"
expect_http "revoke the real token" 200 -
intro "... which is inactive now" "$TOK" false

# --- slow clients (connection_timeout = 2) ---------------------------------------------

cat >slow.py <<'PY'
import http.client, socket, sys, time
port, limit = int(sys.argv[1]), float(sys.argv[2])
socks = []
for i in range(21):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty"
        if i else b"POST /v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 999\r\n\r\n{")
    socks.append(s)
t0 = time.monotonic()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
c.request("GET", "/healthz")
health, closed, worst = c.getresponse().status, 0, 0.0
for s in socks:
    s.settimeout(max(0.1, limit - (time.monotonic() - t0)))
    try:
        while s.recv(4096):
            pass
        closed += 1
    except ConnectionResetError:
        closed += 1
    except socket.timeout:
        pass
    worst = max(worst, time.monotonic() - t0)
print(health, closed, len(socks), int(worst + 0.999))
PY
# shellcheck disable=SC2046
set -- $(python3 slow.py "$PORT" 8)
assert_eq "/healthz served while 21 slow requests hang" "${1:-}" 200
assert_eq "the server closed all 21 slow connections" "${2:-}/${3:-}" 21/21
assert "... within connection_timeout + 3 s (${4:-?} s)" "${4:-99}" -le 5

# --- cached statuses and SIGHUP ------------------------------------------------------

kca revoke "$(cert_serial c.crt)" --reason keyCompromise >/dev/null &&
    kca release "$(cert_serial h.crt)" >/dev/null &&
    kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
    fail "revoke, release, crl"
attempt "revoked since a login: the cached good status holds" 200 - c.crt c.key
attempt "released: the cached hold holds" 401 certificate_on_hold h.crt h.key
kill -HUP "$KPID"
_i=0
until grep -q 'reloaded' "$TMP/kalitd.log" || [ $_i -ge 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
attempt "after SIGHUP: revoked" 401 certificate_revoked c.crt c.key
attempt "after SIGHUP: released" 200 - h.crt h.key

# --- an expired challenge (lifetime 10 s at B) ---------------------------------------

_left=$((T_OLD + 11 - $(date +%s)))
[ "$_left" -gt 0 ] && sleep "$_left"
vbody portal "$CHB_OLD"
b login_case "a challenge older than its lifetime" 400 challenge_expired b.json

# --- afterwards ----------------------------------------------------------------------------

check "kalitd is still running" kill -0 "$KPID"
http GET /healthz
expect_http "/healthz after all this" 200 -
# Stopped, so that both have written their last summary of refusals.
kill "$BPID" && wait "$BPID"
BPID=
stop_kalitd
for _s in "A $PORTA $SRV" "B $PORTB $SRVB"; do
	set -- $_s
	login_outcomes "$3/kalitd.db" | sort >audit.got
	sort "audit.$2" >audit.want
	if cmp -s audit.got audit.want; then
		ok "$1: every login attempt audited with its outcome" \
		    "($(wc -l <audit.got | tr -d ' ') attempts)"
	else
		fail "$1: the audited login outcomes differ (< want, > got)"
		diff audit.want audit.got | grep '^[<>]' | head -n 10 |
		    sed 's/^/     | /'
	fi
done
q() {
	sqlite3 "$SRV/kalitd.db" "SELECT group_concat(DISTINCT $1) FROM audit
	    WHERE action = 'login' AND detail = '$2'"
}
assert_eq "audit: on-hold refusals name the held certificate" \
    "$(q serial certificate_on_hold)" "$(cert_serial h.crt)"
assert_eq "audit: refusals before a verified signature are summed up" \
    "$(sqlite3 "$SRV/kalitd.db" "SELECT count(*) FROM audit WHERE action =
    'login' AND detail IN ('client_unknown', 'signature_invalid',
    'request_malformed', 'challenge_unknown', 'challenge_reused')")" 0
assert_eq "audit: ... by actor - without a serial" \
    "$(sqlite3 "$SRV/kalitd.db" "SELECT DISTINCT actor || '[' ||
    coalesce(serial, '') || ']' FROM audit WHERE action =
    'login-refusals'")" "-[]"
sqlite3 "$SRV/kalitd.db" .dump >dump.sql
assert_nogrep "audit: no challenge, token or secret in the database" \
    "$CH|$_c1|${TOK##*.}|$SEC" dump.sql
finish
