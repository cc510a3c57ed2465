#!/bin/sh
# shellcheck disable=SC1090,SC2154
# kalitd_tls.sh: kalitd over HTTPS with a server certificate from kalit-ca:
# curl and kalit login trust it through the kalit root, openssl s_client
# sees TLS 1.2+ and the chain, plain HTTP to the TLS port gets nothing, and
# a certificate that is not a server's is refused at startup.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"

make_pki
cd "$TMP" || exit 99
PORT=$(free_port)
URL=https://localhost:$PORT

check "ca-new servers (the server profile)" kca --operator tester ca-new \
    --profile server --name servers --ca-pass "file:$CAPASS"
check "issue a server key file for localhost and 127.0.0.1" kca_issue \
    --profile server --ca servers --cn localhost --dns localhost \
    --ip 127.0.0.1 --out server.p12 --key-pass "file:$KEYPASS"
check "issue a citizen key file" kca_issue --profile citizen \
    --given-name Vali --surname Aliyev --pinfl "$(pinfl 1)" \
    --out c1.p12 --key-pass "file:$KEYPASS"
check "citizen CRL" kca crl --ca citizen --ca-pass "file:$CAPASS"

ISSUER=$URL write_conf "ocsp = no
crl_dir = $CADIR/crl" "tls_key_file = $TMP/server.p12
tls_passphrase = file:$KEYPASS"
check "keygen" kd keygen
check "kalitd --check-config with tls_key_file" kd --check-config
check "client add portal" add_client portal
KURL=$URL
KCACERT=$ROOT_CRT
start_kalitd

check "curl --cacert root: GET /healthz over https" curl -sf \
    --cacert "$ROOT_CRT" "$URL/healthz"
assert_grep "healthz says ok" '"status":"ok"' "$OUT"
check "curl by IP address (SAN iPAddress)" curl -sf --cacert "$ROOT_CRT" \
    "https://127.0.0.1:$PORT/v1/jwks"
check_not "curl without the kalit root refuses the certificate" curl -sf \
    "$URL/healthz"
check_not "plain HTTP to the TLS port gets no answer" curl -sf \
    "http://127.0.0.1:$PORT/healthz"
run "$OPENSSL" s_client -connect "127.0.0.1:$PORT" -servername localhost \
    -CAfile "$ROOT_CRT" -verify_return_error </dev/null
assert_grep "openssl s_client: verification OK" \
    "Verify return code: 0 \(ok\)" "$OUT"
assert_grep "openssl s_client: TLS 1.2 or 1.3" "New, TLSv1\.[23]" "$OUT"
run "$OPENSSL" s_client -connect "127.0.0.1:$PORT" -tls1_1 </dev/null
assert "openssl s_client: TLS 1.1 is refused" "$RC" -ne 0

check "kalit login over https (--cacert)" "$KALIT" login --key c1.p12 \
    --password "file:$KEYPASS" --server "$URL" --client portal \
    --cacert "$ROOT_CRT" --json
assert_grep "the token's issuer is the https URL" '"access_token"' "$OUT"
check_not "kalit login without --cacert refuses the server" "$KALIT" login \
    --key c1.p12 --password "file:$KEYPASS" --server "$URL" \
    --client portal
# The server's own certificate chains to the same root, but logs no one in.
p12_cert server.p12 "$KEYPASS" server.crt
p12_key server.p12 "$KEYPASS" server.key
challenge
sign_openssl server.crt server.key "$CH" server.der
login_body portal "$CH" server.der >server.json
post_login server.json
expect_http "a server certificate cannot log in" 403 certificate_purpose

# A client that sends its ClientHello and then stalls costs kalitd no
# CPU while it waits (libmicrohttpd's epoll loop spun on such a
# connection: a thread's whole CPU for as long as the client liked).
cpu() {
	awk '{ print $14 + $15 }' "/proc/$KPID/stat"
}
cat >stall.py <<'PY'
import socket, ssl, sys, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(out.read())
time.sleep(float(sys.argv[2]))	# the server's answer, never read
s.close()
PY
BEFORE=$(cpu)
python3 stall.py "$PORT" 3 || fail "stall.py"
AFTER=$(cpu)
# clock ticks of 1/100 s: a spinning thread burns about 300 in 3 s
assert "a client stalled 3 s mid-handshake: kalitd spent $((AFTER - BEFORE)) \
ticks of CPU (under 50)" $((AFTER - BEFORE)) -lt 50
stop_kalitd
assert_eq "kalitd exits 0 on SIGTERM" "$KRC" 0

# A citizen's key file is not a server certificate.
sed -i "s|^tls_key_file = .*|tls_key_file = $TMP/c1.p12|" "$SRV/kalitd.conf"
run kd --check-config
assert "a citizen certificate as tls_key_file is refused" "$RC" -ne 0
assert_grep "... naming the cause" "certificate_purpose|serverAuth" "$ERR"
sed -i "s|^tls_key_file = .*|tls_key_file = $TMP/server.p12|" \
    "$SRV/kalitd.conf"
sed -i "s|^tls_passphrase = .*|tls_passphrase = env:KALIT_NO_SUCH_VAR|" \
    "$SRV/kalitd.conf"
run kd --check-config
assert "a TLS key file password that cannot be read is refused" "$RC" -ne 0
finish
