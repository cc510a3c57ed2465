#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_offload.sh: a login never waits on a request thread it occupies.
# 1. kalitd as its own OCSP responder (the set-up kalitd(8) describes):
#    threads = 2, ocsp_url at its own /ocsp; simultaneous logins and
#    verifications all pass, read from the CA database, never through its
#    own /ocsp.
# 2. A responder that takes its time (held by the test): with one request
#    thread, logins that wait on it do not stop kalitd from answering
#    others (/healthz); once it answers, they all pass.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
cd "$TMP" || exit 99

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$OPENSSL" rand -hex 16 >"$CAPASS"
"$OPENSSL" rand -hex 8 >"$KEYPASS"
chmod 600 "$CAPASS" "$KEYPASS"
mkdir -p "$SRV/signers"
if ! check "init, --base-url $URL" kca --operator tester init \
    --cn "Test Root CA" --org "kalit test" --ca-pass "file:$CAPASS" \
    --base-url "$URL" ||
    ! check "ca-new citizen" kca --operator tester ca-new \
    --profile citizen --ca-pass "file:$CAPASS" ||
    ! check "the citizen CA's responder key file" kca responder \
    --ca citizen --ca-pass "file:$CAPASS" --out "$SRV/signers/citizen.p12" \
    --new-pass "file:$KEYPASS" ||
    ! check "the root's responder key file" kca responder \
    --ca root --ca-pass "file:$CAPASS" --out "$SRV/signers/root.p12" \
    --new-pass "file:$KEYPASS"; then
	finish
fi
for i in 1 2 3 4 5 6 7 8; do
	kca_issue --profile citizen --given-name Vali --surname Aliyev \
	    --pinfl "$(pinfl $i)" --out "c$i.p12" --key-pass "file:$KEYPASS" \
	    >/dev/null 2>&1 || fail "issue c$i"
done

# logins N...: `kalit login` of cN.p12 for each N at once; each one's exit
# status in cN.rc, their pids in $LPIDS.
logins() {
	LPIDS=
	for _l_n; do
		rm -f "c$_l_n.rc"
		("$KALIT" login --key "c$_l_n.p12" --password "file:$KEYPASS" \
		    --server "$URL" --client portal --json >"c$_l_n.out" \
		    2>"c$_l_n.err"; echo $? >"c$_l_n.rc") &
		LPIDS="$LPIDS $!"
	done
}
# all_ok DESC N...: waits for the logins and checks each got a token.
all_ok() {
	_a_d=$1
	shift
	wait $LPIDS
	_a_bad=
	for _a_n; do
		[ "$(cat "c$_a_n.rc")" = 0 ] || _a_bad="$_a_bad c$_a_n"
	done
	if [ -z "$_a_bad" ]; then
		ok "$_a_d"
	else
		fail "$_a_d (refused:$_a_bad)"
		sed 's/^/     | /' "c${_a_bad##* c}.err"
	fi
}

# --- 1. its own OCSP responder, two request threads -----------------------------

write_conf "ocsp = yes
ocsp_url = $URL/ocsp
crl = no" "" "[responder]
ca_database = $DB
signer_dir = signers
signer_passphrase = file:$KEYPASS"
kd keygen >/dev/null && add_client portal || fail "keygen, client add"
start_kalitd
logins 1 2 3 4 5 6 7 8
all_ok "8 simultaneous logins, its own responder, 2 threads: all pass" \
    1 2 3 4 5 6 7 8
http GET /metrics
assert_grep "... read from the CA database, not through its own /ocsp" \
    'kalitd_requests_total\{endpoint="ocsp",code="200"\} 0$' "$OUT"
"$OPENSSL" ocsp -issuer "$CADIR/certs/citizen.crt" -cert \
    "$CADIR/certs/citizen.crt" -url "$URL/ocsp" -noverify >/dev/null 2>&1
"$KALIT" sign --key c1.p12 --password "file:$KEYPASS" --out doc.p7s \
    "$TESTLIB" >/dev/null 2>&1 || fail "kalit sign"
python3 -c 'import base64, json, sys
print(json.dumps({"signature": base64.b64encode(open("doc.p7s", "rb").read()).decode(),
    "document": base64.b64encode(open(sys.argv[1], "rb").read()).decode()}))' \
    "$TESTLIB" >verify.json
VPIDS=
for i in 1 2 3 4; do
	curl -s -o "v$i.out" -w '%{http_code}' -u "portal:$(cat portal.secret)" \
	    -H 'Content-Type: application/json' --data-binary @verify.json \
	    "$URL/v1/verify" >"v$i.code" &
	VPIDS="$VPIDS $!"
done
wait $VPIDS
for i in 1 2 3 4; do
	assert_eq "simultaneous /v1/verify $i: 200" "$(cat "v$i.code")" 200
	assert_eq "... TOTAL-PASSED" "$(json 'j["indication"]' "v$i.out")" \
	    TOTAL-PASSED
done
stop_kalitd

# --- 2. a responder that takes its time, one request thread ----------------------

# The openssl CLI answers for the citizen CA; gate.py passes each request
# on only once the file "open" exists, and notes each one in seen.log.
OCSP_PORT=$(free_port)
GATE_PORT=$(free_port)
ca_index citizen index.txt || fail "index"
"$OPENSSL" pkey -in "$CADIR/keys/citizen.key" -passin "file:$CAPASS" \
    -out ca.key 2>/dev/null || fail "the citizen CA's key"
"$OPENSSL" ocsp -index index.txt -port "$OCSP_PORT" -rsigner \
    "$CADIR/certs/citizen.crt" -rkey ca.key -CA "$CADIR/certs/citizen.crt" \
    -nmin 5 -ignore_err >ocsp.log 2>&1 &
OPID=$!
cat >gate.py <<'PY'
import http.server, os, sys, time, urllib.request
upstream = "http://127.0.0.1:%s/" % sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open("seen.log", "a") as f:
            f.write("request\n")
        for _ in range(600):
            if os.path.exists("open"):
                break
            time.sleep(0.05)
        r = urllib.request.urlopen(urllib.request.Request(upstream, body,
            {"Content-Type": "application/ocsp-request"}), timeout=10)
        out = r.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 gate.py "$GATE_PORT" "$OCSP_PORT" >gate.log 2>&1 &
GPID=$!
# up: waits until something answers HTTP on port $1 (10 s at most).
up() {
	_u_i=0
	until curl -s -o /dev/null "http://127.0.0.1:$1/" || [ $_u_i -ge 100 ]
	do
		sleep 0.1
		_u_i=$((_u_i + 1))
	done
}
up "$OCSP_PORT"
up "$GATE_PORT"
trap 'kill "$OPID" "$GPID" 2>/dev/null; stop_kalitd; rm -rf "$T_TMP"' EXIT
kca crl --ca root --ca-pass "file:$CAPASS" >/dev/null 2>&1 &&
    mkdir -p rootcrl && cp "$CADIR/crl/root.crl" rootcrl/ ||
    fail "the root's CRL"
write_conf "ocsp = yes
ocsp_url = http://127.0.0.1:$GATE_PORT/
timeout = 30000
crl = yes
crl_fetch = no
crl_dir = $TMP/rootcrl"
sed -i 's/^threads = 2$/threads = 1/' "$SRV/kalitd.conf"
start_kalitd
logins 1 2 3
_i=0
until [ -s seen.log ] || [ $_i -ge 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
assert "the responder holds the logins' OCSP requests" -s seen.log
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$URL/healthz")
assert_eq "/healthz answers while the logins wait on the responder" \
    "$code" 200
assert "... and they are still waiting" ! -s c1.rc -a ! -s c2.rc \
    -a ! -s c3.rc
touch open
all_ok "the responder answers: the 3 logins pass" 1 2 3
check "kalitd is still running" kill -0 "$KPID"
finish
