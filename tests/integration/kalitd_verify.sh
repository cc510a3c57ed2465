#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_verify.sh: CAdES-T and the verification API. A real kalitd is the
# RFC 3161 TSA of `kalit sign --timestamp`; openssl cms -verify accepts the
# signatures and openssl ts -verify the tokens in them; kalit verify judges
# the signer at the timestamp's time: revoked after it passes, revoked
# before fails, a token grafted from another signature fails, a TSA of
# another PKI is INDETERMINATE. POST /v1/verify answers the JSON of
# kalit verify --json, and refuses hostile requests with stable codes.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
cd "$TMP" || exit 99
EXPECT_PROG=kalit
POLICY=1.3.6.1.4.1.99999.1.1

# der.py: the first signer of a signature, read and rebuilt as DER.
cat >der.py <<'PY'
import sys

def tlv(b, i):
    t, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7f
        n, i = int.from_bytes(b[i:i + k], "big"), i + k
    return t, i, n

def kids(b, v, n):
    out, i = [], v
    while i < v + n:
        t, w, m = tlv(b, i)
        out.append((t, b[i:w + m], w, m))
        i = w + m
    return out

def enc(t, body):
    n = len(body)
    if n < 128:
        return bytes([t, n]) + body
    k = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([t, 0x80 | len(k)]) + k + body

def path(b):
    """ContentInfo, SignedData, its parts, the first SignerInfo's parts."""
    _, v, n = tlv(b, 0)
    ci = kids(b, v, n)
    _, v, n = tlv(b, ci[1][2])
    sd = kids(b, v, n)
    sis = kids(b, sd[-1][2], sd[-1][3])
    si = kids(b, sis[0][2], sis[0][3])
    return ci, sd, sis, si

def rebuild(ci, sd, sis, si):
    s = enc(0x30, b"".join(x[1] for x in si))
    s = enc(0x31, s + b"".join(x[1] for x in sis[1:]))
    s = enc(0x30, b"".join(x[1] for x in sd[:-1]) + s)
    return enc(0x30, ci[0][1] + enc(0xa0, s))

cmd, b = sys.argv[1], open(sys.argv[2], "rb").read()
ci, sd, sis, si = path(b)
if cmd == "sigvalue":		# the signature value's bytes
    sig = [x for x in si if x[0] == 0x04][0]
    sys.stdout.buffer.write(b[sig[2]:sig[2] + sig[3]])
elif cmd == "token":		# the first signature timestamp token
    ua = [x for x in si if x[0] == 0xa1][0]
    attr = kids(b, ua[2], ua[3])[0]
    oid, vals = kids(b, attr[2], attr[3])
    sys.stdout.buffer.write(kids(b, vals[2], vals[3])[0][1])
elif cmd == "graft":		# argv[3]'s unsigned attributes into argv[2]
    o = open(sys.argv[3], "rb").read()
    ua = [x for x in path(o)[3] if x[0] == 0xa1]
    si = [x for x in si if x[0] != 0xa1] + ua
    sys.stdout.buffer.write(rebuild(ci, sd, sis, si))
PY

# --- a PKI of strangers, with a TSA of its own ---------------------------------
make_pki "$TMP/ca2"
check "a stranger PKI's tsa CA" kca --operator tester ca-new --profile tsa \
    --name tsa --ca-pass "file:$CAPASS"
check "... and its TSA key file" kca_issue --profile tsa --ca tsa \
    --cn "Stranger TSA" --out stranger-tsa.p12 --key-pass "file:$KEYPASS"
CA2=$CADIR

# --- our PKI: citizens, a tsa CA and kalitd's TSA key file ----------------------
make_pki
check "ca-new tsa" kca --operator tester ca-new --profile tsa --name tsa \
    --ca-pass "file:$CAPASS"
check "issue the TSA key file" kca_issue --profile tsa --ca tsa \
    --cn "kalit TSA" --out tsa.p12 --key-pass "file:$KEYPASS"
citizen() {
	kca_issue --profile citizen --given-name Vali --surname Aliyev \
	    --pinfl "$(pinfl "$2")" --out "$1.p12" --key-pass "file:$KEYPASS" \
	    >/dev/null 2>&1 && p12_cert "$1.p12" "$KEYPASS" "$1.crt" ||
	    fail "kalit-ca issue $1"
}
citizen cit 1
citizen late 2		# revoked after signing
citizen gone 3		# revoked before signing
crls() {
	for _ca in citizen official; do
		kca crl --ca "$_ca" --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
		    fail "kalit-ca crl --ca $_ca"
	done
}
crls

# kalitd_conf SRVDIR PORT TRUST KEYFILE: a kalitd that is a TSA.
kalitd_conf() {
	mkdir -p "$1"
	"$OPENSSL" rand -hex 16 >"$1/token.pass"
	cat >"$1/kalitd.conf" <<CONF
[server]
listen = 127.0.0.1
port = $2
trust_dir = $3

[revocation]
ocsp = no
crl_fetch = no
crl_dir = $CADIR/crl
cache_max = 0

[timestamp]
key_file = $TMP/$4
passphrase = file:$KEYPASS
policy = $POLICY

[verify]
max_body = 65536
CONF
}
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
kalitd_conf "$SRV" "$PORT" "$CADIR/certs" tsa.p12
kd keygen >/dev/null && add_client portal || fail "keygen, client add"
SECRET=$(cat "$TMP/portal.secret")
start_kalitd

PORT2=$(free_port)
kalitd_conf "$TMP/srv2" "$PORT2" "$CA2/certs" stranger-tsa.p12
"$KALITD" -c "$TMP/srv2/kalitd.conf" keygen >/dev/null 2>&1 ||
    fail "keygen (stranger)"
"$KALITD" -c "$TMP/srv2/kalitd.conf" >"$TMP/srv2/log" 2>&1 &
K2PID=$!
trap 'kill $K2PID 2>/dev/null; stop_kalitd; rm -rf "$T_TMP"' EXIT
i=0
until curl -sf "http://127.0.0.1:$PORT2/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $K2PID 2>/dev/null; then
		fail "the stranger kalitd did not start"
		sed 's/^/     | /' "$TMP/srv2/log" | head -n 20
		break
	fi
	sleep 0.1
done

ksign() {
	"$KALIT" sign --password "file:$KEYPASS" "$@"
}
# kverify ARGS: kalit verify --json with our PKI and CRLs, for verdict.
kverify() {
	"$KALIT" --json verify --trust-dir "$CADIR/certs" \
	    --crl-dir "$CADIR/crl" --no-ocsp --no-crl-fetch "$@"
}
# sjson EXPR: the first signer's EXPR in the last report.
sjson() {
	json "j[\"signers\"][0]$1" "$OUT"
}

printf 'Buyruq: UNIQUE-%s\n' "$(date +%s)" >doc.txt
"$OPENSSL" rand 20000 >>doc.txt
cp doc.txt doc2.txt
printf 'x' >>doc2.txt
DIGEST=$(sha256sum doc.txt | cut -d' ' -f1)

# --- kalit sign --timestamp: CAdES-T -----------------------------------------------
check "sign --timestamp" ksign doc.txt --key cit.p12 \
    --timestamp "$URL/v1/timestamp"
assert_grep "says CAdES-T and when" \
    "detached CAdES-T signature, 1 signer, timestamped 20[0-9-]+T" "$OUT"
check "openssl cms -verify accepts it" "$OPENSSL" cms -verify -binary \
    -inform DER -in doc.txt.p7s -content doc.txt -CAfile "$ROOT_CRT" \
    -out /dev/null
"$OPENSSL" cms -cmsout -print -inform DER -in doc.txt.p7s >print.txt 2>&1
sed -n '/unsignedAttrs:/,$p' print.txt >unsigned.txt
assert_grep "openssl cms -print: the unsigned signature-time-stamp" \
    "object: id-smime-aa-timeStampToken \(1.2.840.113549.1.9.16.2.14\)" \
    unsigned.txt
python3 der.py sigvalue doc.txt.p7s >sig.bin &&
    python3 der.py token doc.txt.p7s >token.der || fail "der.py"
run "$OPENSSL" ts -verify -digest "$(sha256sum sig.bin | cut -d' ' -f1)" \
    -in token.der -token_in -CAfile "$ROOT_CRT" \
    -untrusted "$CADIR/certs/tsa.crt"
assert_grep "openssl ts -verify: the token is over the signature value" \
    "^Verification: OK" "$OUT"
run "$OPENSSL" ts -verify -data doc.txt -in token.der -token_in \
    -CAfile "$ROOT_CRT" -untrusted "$CADIR/certs/tsa.crt"
assert_nogrep "... and not over the document" "^Verification: OK" "$OUT"

verdict "kalit verify" 0 TOTAL-PASSED None doc.txt.p7s --content doc.txt
assert_eq "report: timestamp valid, the TSA named" \
    "$(sjson '["timestamp"]["status"] + " " + j["signers"][0]["timestamp"]["tsa"]["subject"]')" \
    "valid CN=kalit TSA,C=UZ"
assert_eq "report: the TSA's policy" "$(sjson '["timestamp"]["policy"]')" \
    "$POLICY"
assert_eq "report: the TSA's chain, TSA to root" \
    "$(sjson '["timestamp"]["chain"][-1]["subject"]' | cut -d, -f1)" \
    "CN=Test Root CA"
assert_eq "report: the certificate judged at the timestamp's time" \
    "$(sjson '["best_signature_time"] == j["signers"][0]["timestamp"]["time"]')" \
    true
run "$KALIT" verify doc.txt.p7s --content doc.txt --trust-dir \
    "$CADIR/certs" --crl-dir "$CADIR/crl" --no-ocsp --no-crl-fetch
assert_grep "text: the timestamp line" \
    "^  timestamp: 20.*Z by CN=kalit TSA,C=UZ \(serial [0-9a-f]+\): valid; certificate judged at that time$" \
    "$OUT"

check "sign --attached --timestamp" ksign doc.txt --key cit.p12 --attached \
    --timestamp "$URL/v1/timestamp"
check "openssl cms -verify (attached)" "$OPENSSL" cms -verify -binary \
    -inform DER -in doc.txt.p7m -CAfile "$ROOT_CRT" -out /dev/null
verdict "kalit verify (attached)" 0 TOTAL-PASSED None doc.txt.p7m

# --- revocation after and before the timestamp ---------------------------------
check "sign, timestamped, with a certificate revoked later" ksign doc.txt \
    --key late.p12 --out late.p7s --timestamp "$URL/v1/timestamp"
check "... and without a timestamp" ksign doc.txt --key late.p12 \
    --out late-bes.p7s
# Revocation times have one-second resolution: a later second.
sleep 1
kca revoke "$(cert_serial late.crt)" --reason keyCompromise >/dev/null 2>&1 ||
    fail "kalit-ca revoke late"
crls
verdict "revoked after the timestamped signing" 0 TOTAL-PASSED None \
    late.p7s --content doc.txt
assert_eq "report: revoked, after the timestamp" \
    "$(sjson '["revocation"]["status"] + " " + str(j["signers"][0]["revocation"]["after_timestamp"])')" \
    "revoked True"
assert_grep "report: says why it holds" \
    "\"detail\": \"the signature was timestamped before its certificate was revoked" \
    "$OUT"
run "$KALIT" verify late.p7s --content doc.txt --trust-dir "$CADIR/certs" \
    --crl-dir "$CADIR/crl" --no-ocsp --no-crl-fetch
assert_grep "text: revoked at T (keyCompromise), after the timestamp" \
    "^  revocation: revoked at 20.*Z \(keyCompromise\), after the timestamp, by crl " \
    "$OUT"
verdict "the same without a timestamp" 8 TOTAL-FAILED "'REVOKED'" \
    late-bes.p7s --content doc.txt

kca revoke "$(cert_serial gone.crt)" --reason keyCompromise >/dev/null 2>&1 ||
    fail "kalit-ca revoke gone"
crls
check "sign, timestamped, after the revocation" ksign doc.txt \
    --key gone.p12 --out gone.p7s --timestamp "$URL/v1/timestamp"
verdict "revoked before the timestamp" 8 TOTAL-FAILED "'REVOKED'" gone.p7s \
    --content doc.txt
assert_eq "report: not after the timestamp" \
    "$(sjson '["revocation"]["after_timestamp"]')" false

# --- a timestamp over other data, a TSA of strangers ------------------------------
check "sign doc2 with a timestamp" ksign doc2.txt --key cit.p12 \
    --timestamp "$URL/v1/timestamp"
python3 der.py graft doc.txt.p7s doc2.txt.p7s >grafted.p7s ||
    fail "der.py graft"
check "openssl cms -verify cannot tell: unsigned attributes" "$OPENSSL" \
    cms -verify -binary -inform DER -in grafted.p7s -content doc.txt \
    -CAfile "$ROOT_CRT" -out /dev/null
verdict "a timestamp grafted from another signature" 8 TOTAL-FAILED \
    "'HASH_FAILURE'" grafted.p7s --content doc.txt
assert_eq "report: the timestamp's imprint does not match" \
    "$(sjson '["timestamp"]["status"]')" imprint_mismatch
check "sign with the stranger TSA" ksign doc.txt --key cit.p12 \
    --out stranger.p7s --timestamp "http://127.0.0.1:$PORT2/v1/timestamp"
verdict "a timestamp from an untrusted TSA" 9 INDETERMINATE \
    "'NO_CERTIFICATE_CHAIN_FOUND'" stranger.p7s --content doc.txt
assert_eq "report: the TSA untrusted, named" \
    "$(sjson '["timestamp"]["status"] + " " + j["signers"][0]["timestamp"]["tsa"]["subject"]')" \
    "untrusted CN=Stranger TSA,C=UZ"

# --- the TSA that does not answer as one -------------------------------------------
expect_fail 5 timestamp_refused ksign doc.txt --key cit.p12 --out x.p7s \
    --timestamp "$URL/v1/nothing"
# A server that answers any POST with 200 and JSON, not a TimeStampResp.
cat >notsa.py <<'PY'
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        b = b'{"challenge": "not a timestamp"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.handle_request()
PY
python3 notsa.py >notsa.port &
_npid=$!
_i=0
until [ -s notsa.port ] || [ $_i -ge 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
expect_fail 5 timestamp_invalid ksign doc.txt --key cit.p12 --out x.p7s \
    --timestamp "http://127.0.0.1:$(cat notsa.port)/v1/timestamp"
kill "$_npid" 2>/dev/null
wait "$_npid" 2>/dev/null
expect_fail 5 network_error ksign doc.txt --key cit.p12 --out x.p7s \
    --timestamp "http://127.0.0.1:$(free_port)/v1/timestamp" --timeout 5
assert "nothing written when the timestamp fails" ! -e x.p7s
expect_fail 1 usage ksign doc.txt --key cit.p12 --out x.p7s \
    --timestamp "ftp://127.0.0.1/"

# --- POST /v1/verify ---------------------------------------------------------------
# body FILE SIG [document FILE | digest HEX]: the API's JSON body.
body() {
	python3 -c 'import base64, json, sys
b = {"signature": base64.b64encode(open(sys.argv[2], "rb").read()).decode()}
if len(sys.argv) > 4:
    v = sys.argv[4]
    b[sys.argv[3]] = base64.b64encode(open(v, "rb").read()).decode() \
        if sys.argv[3] == "document" else v
json.dump(b, open(sys.argv[1], "w"))' "$@"
}
# api BODYFILE [curl args]: POST /v1/verify as the portal.
api() {
	_a_f=$1
	shift
	http POST /v1/verify -u "portal:$SECRET" \
	    -H "Content-Type: application/json" --data-binary "@$_a_f" "$@"
}
# cli OUT ARGS...: what kalit verify --json prints now, into OUT.
cli() {
	_c_o=$1
	shift
	kverify "$@" >"$_c_o" 2>/dev/null
}
# same_json DESC A B: the reports agree but for the validation time.
same_json() {
	_s=$(python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for x in (a, b):
    x.pop("validation_time")
print("same" if a == b else json.dumps(a, sort_keys=True)[:400])' "$2" "$3")
	assert_eq "$1" "$_s" same
}

cli cli.json doc.txt.p7s --content doc.txt
body b-digest.json doc.txt.p7s digest "$DIGEST"
api b-digest.json
expect_http "/v1/verify with the digest" 200 -
same_json "... the JSON kalit verify --json prints" "$OUT" cli.json
body b-doc.json doc.txt.p7s document doc.txt
api b-doc.json
expect_http "/v1/verify with the document" 200 -
same_json "... the same JSON" "$OUT" cli.json
cli attached.json doc.txt.p7m
body b-att.json doc.txt.p7m
api b-att.json
expect_http "/v1/verify of an attached signature" 200 -
same_json "... the same JSON as the CLI" "$OUT" attached.json
cli late.json late.p7s --content doc.txt
body b-late.json late.p7s digest "$DIGEST"
api b-late.json
same_json "/v1/verify: revoked after the timestamp, as the CLI" "$OUT" \
    late.json
body b-bad.json grafted.p7s digest "$DIGEST"
api b-bad.json
expect_http "/v1/verify of a failing signature: a report" 200 -
assert_eq "... TOTAL-FAILED/HASH_FAILURE" "$(json \
    'j["indication"] + "/" + j["signers"][0]["sub_indication"]' "$OUT")" \
    TOTAL-FAILED/HASH_FAILURE

# hostile requests, each with its status and code
printf '{"signature": "MIIB@@@="}' >h-b64.json
api h-b64.json
expect_http "signature not base64" 400 encoding_invalid
body h-doc.json doc.txt.p7s digest x
sed 's/"digest": "x"/"document": "not base64!"/' h-doc.json >h-doc2.json
api h-doc2.json
expect_http "document not base64" 400 encoding_invalid
body h-hex.json doc.txt.p7s digest "${DIGEST%?}g"
api h-hex.json
expect_http "digest not hex" 400 digest_invalid
body h-short.json doc.txt.p7s digest "${DIGEST%??}"
api h-short.json
expect_http "digest too short" 400 digest_invalid
printf '{"signature": "%s"}' "$(printf 'not a signature' | base64)" \
    >h-cms.json
api h-cms.json
expect_http "base64 of no CMS" 400 signature_malformed
body h-nodoc.json doc.txt.p7s
api h-nodoc.json
expect_http "detached, neither document nor digest" 400 content_missing
python3 -c 'import json, sys
b = json.load(open(sys.argv[1]))
b["document"] = b["signature"]
json.dump(b, open(sys.argv[2], "w"))' b-digest.json h-both.json
api h-both.json
expect_http "document and digest both" 400 request_malformed
body h-attdoc.json doc.txt.p7m digest "$DIGEST"
api h-attdoc.json
expect_http "attached, with a digest" 400 request_malformed
printf '{"signature": "%s", "sha1": "00"}' "$(head -c 12 doc.txt | base64)" \
    >h-extra.json
api h-extra.json
expect_http "an unknown member" 400 request_malformed
printf 'not json' >h-json.json
api h-json.json
expect_http "not JSON" 400 request_malformed
printf '{"signature": 42}' >h-type.json
api h-type.json
expect_http "signature not a string" 400 request_malformed
head -c 70000 /dev/zero | tr '\0' 'A' >big.txt
body h-big.json doc.txt.p7s document big.txt
api h-big.json
expect_http "oversized ([verify] max_body 65536)" 413 request_too_large
api h-big.json -H "Transfer-Encoding: chunked"
expect_http "oversized, chunked" 413 request_too_large
http POST /v1/verify -u "portal:$SECRET" -H "Content-Type: text/plain" \
    --data-binary @b-digest.json
expect_http "wrong Content-Type" 415 content_type_invalid
http POST /v1/verify -H "Content-Type: application/json" \
    --data-binary @b-digest.json
expect_http "no credentials" 401 invalid_client
http POST /v1/verify -u "portal:wrong" -H "Content-Type: application/json" \
    --data-binary @b-digest.json
expect_http "a wrong secret" 401 invalid_client
http POST /v1/verify -u "nobody:$SECRET" \
    -H "Content-Type: application/json" --data-binary @b-digest.json
expect_http "an unknown client" 401 invalid_client
http GET /v1/verify -u "portal:$SECRET"
expect_http "GET" 405 method_not_allowed

http GET /metrics
assert_grep "metrics count /v1/verify" \
    'kalitd_requests_total\{endpoint="verify",code="200"\} [1-9]' "$OUT"
http GET /healthz
assert_eq "kalitd still healthy" "$STATUS" 200
kill $K2PID 2>/dev/null
stop_kalitd
assert_eq "kalitd exits 0 on SIGTERM" "$KRC" 0
finish
