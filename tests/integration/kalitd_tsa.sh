#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_tsa.sh: kalitd as an RFC 3161 timestamp authority with a key file
# of kalit-ca's tsa profile. Requests made by `openssl ts -query`, replies
# checked by `openssl ts -reply` and `-verify`; refusals are TimeStampResp
# rejections; serial numbers stay unique under concurrency and restarts.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
cd "$TMP" || exit 99

POLICY=1.3.6.1.4.1.99999.1.1
make_pki
check "ca-new tsa" kca --operator tester ca-new --profile tsa --name tsa \
    --ca-pass "file:$CAPASS"
check "issue the TSA key file" kca_issue --profile tsa --ca tsa \
    --cn "kalit TSA" --out tsa.p12 --key-pass "file:$KEYPASS"
p12_cert tsa.p12 "$KEYPASS" tsa.crt
"$OPENSSL" x509 -in tsa.crt -noout -text >tsa.txt
grep -A1 "Extended Key Usage: critical" tsa.txt >eku.txt
assert_grep "tsa profile: the one extended key usage timeStamping, critical" \
    '^ +Time Stamping$' eku.txt
check "issue a citizen key file" kca_issue --profile citizen \
    --given-name Vali --surname Aliyev --pinfl "$(pinfl 1)" --out c1.p12 \
    --key-pass "file:$KEYPASS"

PORT=$(free_port)
# tsa_conf KEYFILE: the configuration with a [timestamp] section.
tsa_conf() {
	write_conf
	cat >>"$SRV/kalitd.conf" <<CONF

[timestamp]
key_file = $TMP/$1
passphrase = file:$KEYPASS
policy = $POLICY
CONF
}
tsa_conf c1.p12
kd keygen >/dev/null || fail "keygen"
run "$KALITD" -c "$SRV/kalitd.conf" --check-config
assert_eq "a citizen key file as the TSA key: refused at startup" "$RC" 4
assert_grep "... saying why" "not a timestamping one" "$ERR"
tsa_conf tsa.p12
start_kalitd

# stamp DESC QUERY: POSTs QUERY; the reply in reply.tsr, its text in reply.txt.
stamp() {
	http POST /v1/timestamp -H "Content-Type: application/timestamp-query" \
	    --data-binary "@$2"
	cp "$OUT" reply.tsr
	assert_eq "$1: HTTP status" "$STATUS" 200
	"$OPENSSL" ts -reply -in reply.tsr -text >reply.txt 2>&1
}

echo "an order of the ministry" >doc.txt
"$OPENSSL" ts -query -data doc.txt -sha256 -cert -out q.tsq 2>/dev/null
stamp "openssl ts -query" q.tsq
assert_grep "granted" "^Status: Granted" reply.txt
assert_grep "the configured policy" "^Policy OID: $POLICY" reply.txt
assert_grep "accuracy 1 s" "^Accuracy: 0x01 seconds" reply.txt
assert_grep "names the TSA" "^TSA: DirName:.*CN ?= ?kalit TSA" reply.txt
"$OPENSSL" ts -query -in q.tsq -text >q.txt 2>&1
N=$(sed -n 's/^Nonce: //p' q.txt)
assert_grep "the nonce echoed" "^Nonce: $N$" reply.txt
run "$OPENSSL" ts -verify -in reply.tsr -queryfile q.tsq \
    -CAfile "$ROOT_CRT" -untrusted "$CADIR/certs/tsa.crt"
assert_grep "openssl ts -verify -queryfile" "^Verification: OK" "$OUT"
run "$OPENSSL" ts -verify -in reply.tsr -data doc.txt \
    -CAfile "$ROOT_CRT" -untrusted "$CADIR/certs/tsa.crt"
assert_grep "openssl ts -verify -data" "^Verification: OK" "$OUT"
echo "an altered order" >other.txt
run "$OPENSSL" ts -verify -in reply.tsr -data other.txt \
    -CAfile "$ROOT_CRT" -untrusted "$CADIR/certs/tsa.crt"
assert_nogrep "openssl ts -verify: other data fails" "^Verification: OK" \
    "$OUT"

# certReq: the certificate is in the reply only when asked for.
"$OPENSSL" ts -reply -in reply.tsr -token_out -out token.der 2>/dev/null
"$OPENSSL" pkcs7 -inform DER -in token.der -print_certs >certs.txt 2>&1
assert_grep "certReq: the TSA certificate sent" "kalit TSA" certs.txt
"$OPENSSL" ts -query -data doc.txt -sha256 -out qn.tsq 2>/dev/null
stamp "without certReq" qn.tsq
"$OPENSSL" ts -reply -in reply.tsr -token_out -out token.der 2>/dev/null
"$OPENSSL" pkcs7 -inform DER -in token.der -print_certs >certs.txt 2>&1
assert_nogrep "no certReq: no certificate" "kalit TSA" certs.txt
cat tsa.crt "$CADIR/certs/tsa.crt" >tsa-chain.pem
run "$OPENSSL" ts -verify -in reply.tsr -queryfile qn.tsq \
    -CAfile "$ROOT_CRT" -untrusted tsa-chain.pem
assert_grep "... verifies with the TSA certificate given" \
    "^Verification: OK" "$OUT"
"$OPENSSL" ts -query -data doc.txt -sha512 -no_nonce -out q5.tsq 2>/dev/null
stamp "SHA-512, no nonce" q5.tsq
assert_grep "... granted" "^Status: Granted" reply.txt
assert_nogrep "... no nonce in the reply" "^Nonce: 0x" reply.txt

# --- refusals -------------------------------------------------------------
"$OPENSSL" ts -query -data doc.txt -sha1 -out q1.tsq 2>/dev/null
stamp "SHA-1 imprint" q1.tsq
assert_grep "... rejected: badAlg" "^Status: Rejected" reply.txt
assert_grep "... saying so" "algorithm is not supported" reply.txt
"$OPENSSL" ts -query -data doc.txt -tspolicy 1.2.3.4 -out qp.tsq 2>/dev/null
stamp "another policy" qp.tsq
assert_grep "... rejected: unacceptedPolicy" "policy" reply.txt
head -c 200 /dev/urandom >g.tsq
stamp "garbage" g.tsq
assert_grep "... rejected: badDataFormat" "^Status: Rejected" reply.txt
head -c 30 q.tsq >t.tsq
stamp "truncated" t.tsq
assert_grep "... rejected" "^Status: Rejected" reply.txt
cat q.tsq q.tsq >two.tsq
stamp "two requests in one body" two.tsq
assert_grep "... rejected" "^Status: Rejected" reply.txt
: >empty.tsq
stamp "empty body" empty.tsq
assert_grep "... rejected" "^Status: Rejected" reply.txt
head -c 9000 /dev/zero >big.tsq
http POST /v1/timestamp -H "Content-Type: application/timestamp-query" \
    --data-binary @big.tsq
expect_http "oversized request (Content-Length)" 413 request_too_large
http POST /v1/timestamp -H "Content-Type: application/timestamp-query" \
    -H "Transfer-Encoding: chunked" --data-binary @big.tsq
expect_http "oversized request (chunked)" 413 request_too_large
http POST /v1/timestamp -H "Content-Type: application/json" \
    --data-binary @q.tsq
expect_http "wrong Content-Type" 415 content_type_invalid
http GET /v1/timestamp
expect_http "GET" 405 method_not_allowed

# --- serial numbers: unique under concurrency and across restarts ---------
serials() {
	_s_pids=
	for _s_i in $(seq 1 "$1"); do
		curl -s -H "Content-Type: application/timestamp-query" \
		    --data-binary @q5.tsq "$(kurl)/v1/timestamp" -o "r$_s_i.tsr" &
		_s_pids="$_s_pids $!"
	done
	wait $_s_pids	# not kalitd, also a child
	for _s_i in $(seq 1 "$1"); do
		"$OPENSSL" ts -reply -in "r$_s_i.tsr" -text 2>/dev/null |
		    sed -n 's/^Serial number: //p'
	done
}
serials 40 >s1.txt
assert_eq "40 concurrent timestamps: 40 serials" "$(wc -l <s1.txt)" 40
assert_eq "... all different" "$(sort -u s1.txt | wc -l)" 40
stop_kalitd
start_kalitd
serials 5 >s2.txt
MAX1=$(python3 -c 'import sys; print(max(int(l, 16) for l in open(sys.argv[1])))' s1.txt)
MIN2=$(python3 -c 'import sys; print(min(int(l, 16) for l in open(sys.argv[1])))' s2.txt)
assert "after a restart, serials go on from a new block" "$MIN2" -gt "$MAX1"

http GET /healthz
assert_eq "kalitd still healthy" "$STATUS" 200
stop_kalitd
assert_eq "kalitd exits 0 on SIGTERM" "$KRC" 0
finish
