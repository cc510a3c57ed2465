#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_http.sh: kalitd's HTTP front: one error code in the answer, the
# log and the audit; repeated and doubled client credentials refused;
# wrong client secrets counted, logged and throttled; CA certificates at
# their "CA Issuers" URL; clients that hang up mid-login; junk logins
# summed up in the audit log instead of a row each.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"

citizen_pki

PORT=$(free_port)
write_conf "" "auth_max_failures = 5
auth_window = 4" "[responder]
ca_database = $DB

[audit]
summary_interval = 2"
kd keygen >/dev/null || fail "keygen"
add_client portal || fail "client add portal"
add_client second || fail "client add second"
SEC=$(cat portal.secret)
start_kalitd

# chal: a fresh challenge for portal in $CH.
chal() {
	http POST /v1/challenge -H 'Content-Type: application/json' \
	    --data-binary '{"client_id": "portal"}'
	CH=$(sed -n 's/.*"challenge":"\([A-Za-z0-9_-]*\)".*/\1/p' "$OUT")
}

# good_login DESC: a genuine login of v for portal answers 200.
good_login() {
	chal
	sign_openssl v.crt v.key "$CH" s.der || fail "$1: openssl cms -sign"
	login_body portal "$CH" s.der >b.json
	post_login b.json
	expect_http "$1" 200 -
	cp "$OUT" "$TMP/login.json"
}

# count SQL: a number from kalitd's database.
count() {
	sqlite3 "$SRV/kalitd.db" "$1"
}

good_login "a genuine login (control)"

# --- one code everywhere -------------------------------------------------------

chal
printf '{"client_id": "portal", "challenge": "%s", "pkcs7": "AAAA"}' "$CH" \
    >b.json
post_login b.json
expect_http "a malformed pkcs7" 400 request_malformed
assert_grep "... logged with the code the client got" \
    'login refused: request_malformed \(client portal' "$TMP/kalitd.log"
assert_nogrep "... and never as input_malformed" 'input_malformed' \
    "$TMP/kalitd.log"

# --- form parameters (RFC 6749 sections 2.3 and 3.2) --------------------------

TOK=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' "$TMP/login.json")
# form DESC STATUS CODE CURL-ARGS...: POST /v1/introspect with that form.
form() {
	_f_d=$1 _f_s=$2 _f_c=$3
	shift 3
	http POST /v1/introspect "$@"
	expect_http "$_f_d" "$_f_s" "$_f_c"
}
form "client_id and secret in the form (control)" 200 - \
    -d client_id=portal --data-urlencode "client_secret=$SEC" \
    --data-urlencode "token=$TOK"
assert_grep "... and the token is active" '"active":true' "$OUT"
form "client_id=por&client_id=tal" 400 invalid_request \
    -d client_id=por -d client_id=tal --data-urlencode "client_secret=$SEC" \
    --data-urlencode "token=$TOK"
form "client_id given twice, the same both times" 400 invalid_request \
    -d client_id=portal -d client_id=portal \
    --data-urlencode "client_secret=$SEC" --data-urlencode "token=$TOK"
form "client_secret split in two" 400 invalid_request -d client_id=portal \
    --data-urlencode "client_secret=${SEC%????????}" \
    --data-urlencode "client_secret=${SEC#"${SEC%????????}"}" \
    --data-urlencode "token=$TOK"
form "token given twice" 400 invalid_request -u "portal:$SEC" \
    --data-urlencode "token=$TOK" --data-urlencode "token=$TOK"
form "token_type_hint given twice" 400 invalid_request -u "portal:$SEC" \
    --data-urlencode "token=$TOK" -d token_type_hint=access_token \
    -d token_type_hint=access_token
form "an empty client_id, then portal" 400 invalid_request -d client_id= \
    -d client_id=portal --data-urlencode "client_secret=$SEC" \
    --data-urlencode "token=$TOK"
# MHD hands a value over in pieces (off > 0): not a repetition.
form "a token of 3000 percent-escaped bytes, in pieces" 200 - \
    -u "portal:$SEC" -d "token=$(printf '%%41%.0s' $(seq 3000))"
assert_grep "... inactive" '"active":false' "$OUT"
# RFC 6749 2.3.1: Basic carries the form-urlencoded id and secret, as
# openid-client sends them; a broken escape authenticates nobody.
SEC_ENC=$(python3 -c 'import sys, urllib.parse
print(urllib.parse.quote(sys.argv[1], safe=""))' "$SEC")
form "HTTP Basic of the form-urlencoded id and secret" 200 - \
    -u "%70ortal:$SEC_ENC" --data-urlencode "token=$TOK"
assert_grep "... the token is active for portal" '"active":true' "$OUT"
form "HTTP Basic with a broken escape" 401 invalid_client \
    -u "portal%2:$SEC" --data-urlencode "token=$TOK"
form "HTTP Basic and client_secret in the form" 400 invalid_request \
    -u "portal:$SEC" --data-urlencode "client_secret=$SEC" \
    --data-urlencode "token=$TOK"
form "HTTP Basic and client_id in the form" 400 invalid_request \
    -u "portal:$SEC" -d client_id=portal --data-urlencode "token=$TOK"
http POST /v1/revoke -d client_id=por -d client_id=tal \
    --data-urlencode "client_secret=$SEC" --data-urlencode "token=$TOK"
expect_http "revoke with client_id=por&client_id=tal" 400 invalid_request
form "... the token is still active" 200 - -u "portal:$SEC" \
    --data-urlencode "token=$TOK"
assert_grep "... active true" '"active":true' "$OUT"

# --- wrong client secrets: counted, logged, throttled -------------------------

# metric NAME: its value in /metrics.
metric() {
	http GET /metrics
	sed -n "s/^$1 //p" "$OUT"
}
for _i in 1 2 3 4 5; do
	http POST /v1/introspect -u "portal:wrong$_i" --data-urlencode "token=$TOK"
	expect_http "wrong secret $_i of 5 from 127.0.0.1" 401 invalid_client
done
http POST /v1/introspect -u "portal:$SEC" --data-urlencode "token=$TOK" \
    -D hdr.txt
expect_http "then the right secret from 127.0.0.1" 429 rate_limited
_ra=$(sed -n 's/^Retry-After: \([0-9]*\).*/\1/p' hdr.txt)
assert "... with Retry-After: 1 to 4 seconds (${_ra:-none})" \
    "${_ra:-0}" -ge 1 -a "${_ra:-0}" -le 4
http POST /v1/introspect -d client_id=portal \
    --data-urlencode "client_secret=$SEC" --data-urlencode "token=$TOK"
expect_http "... and in the form" 429 rate_limited
http POST /v1/introspect -u "portal:$SEC" --data-urlencode "token=$TOK" \
    --interface 127.0.0.2
expect_http "the right secret from 127.0.0.2: not locked out" 200 -
http POST /v1/introspect -u "second:$(cat second.secret)" \
    --data-urlencode "token=$TOK"
expect_http "another client from 127.0.0.1: not locked out" 200 -
http POST /v1/introspect -u "$(printf 'evil\nkalitd forged'):x" \
    --data-urlencode "token=$TOK"
expect_http "an unregistered client id with a newline" 401 invalid_client
assert_eq "kalitd_client_auth_failures_total" \
    "$(metric kalitd_client_auth_failures_total)" 6
assert_eq "kalitd_client_auth_throttled_total" \
    "$(metric kalitd_client_auth_throttled_total)" 2
assert_eq "five failures of portal from 127.0.0.1 logged" "$(grep -c \
    'client authentication failed: client portal from 127.0.0.1' \
    "$TMP/kalitd.log")" 5
assert_grep "... the fifth says throttled" \
    'client portal from 127.0.0.1; throttled' "$TMP/kalitd.log"
assert_grep "the id with a newline logged escaped" \
    'client evil\\x0akalitd forged \(not registered\)' "$TMP/kalitd.log"
assert_nogrep "... and forges no line" '^kalitd forged' "$TMP/kalitd.log"
assert_nogrep "no secret in the log" "$SEC|wrong[1-5]" "$TMP/kalitd.log"
sleep 4.5
http POST /v1/introspect -u "portal:$SEC" --data-urlencode "token=$TOK"
expect_http "after auth_window, the right secret from 127.0.0.1" 200 -

# --- CA certificates at their "CA Issuers" URL ----------------------------------

# aia CERT: the path of the CA Issuers URL in CERT.
aia() {
	"$OPENSSL" x509 -in "$1" -noout -ext authorityInfoAccess |
	    sed -n 's|.*CA Issuers - URI:[a-z]*://[^/]*\(/.*\)|\1|p'
}
_p=$(aia v.crt)
assert_eq "a citizen's CA Issuers URL names /ca/citizen.crt" "$_p" \
    /ca/citizen.crt
http GET "$_p" -D hdr.txt
expect_http "GET $_p" 200 -
assert_grep "... Content-Type: application/pkix-cert" \
    '^Content-Type: application/pkix-cert' hdr.txt
cp "$OUT" got.der
"$OPENSSL" x509 -in "$CIT_CRT" -outform DER -out citizen.der
check "... the citizen CA's certificate, DER" cmp got.der citizen.der
check "... which verifies v's certificate" "$OPENSSL" verify -CAfile \
    "$ROOT_CRT" -untrusted "$CIT_CRT" v.crt
_p=$(aia "$CIT_CRT")
http GET "$_p"
expect_http "the citizen CA's own CA Issuers URL, $_p" 200 -
cp "$OUT" got.der
"$OPENSSL" x509 -in "$ROOT_CRT" -outform DER -out root.der
check "... the root's certificate, DER" cmp got.der root.der
http HEAD /ca/official.crt -I
expect_http "HEAD /ca/official.crt" 200 -
for _p in /ca/nosuch.crt /ca/citizen.pem /ca/citizen /ca/Citizen.crt \
    /ca/.crt /ca/citizen.crt.crt /ca/ /ca/../ca/citizen.crt \
    /ca/citizen%2Ecrt%00 "/ca/$(printf '%040d' 0).crt"; do
	http GET "$_p" --path-as-is
	expect_http "GET $_p" 404 not_found
done

# --- clients that hang up mid-login --------------------------------------------

# Genuine logins whose clients reset the connection while kalitd waits for
# the audit commit (held up by a write lock on the database): the answers,
# tokens, are never sent and must still be freed (wiped): LeakSanitizer
# fails kalitd's exit in the sanitizer build otherwise.
_n=0
while [ $_n -lt 6 ]; do
	_n=$((_n + 1))
	chal
	sign_openssl v.crt v.key "$CH" s.der || fail "abort $_n: cms -sign"
	login_body portal "$CH" s.der >"abort.$_n.json"
done
cat >abort.py <<'PY'
import socket, sqlite3, struct, sys, threading, time
port, db, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
lock = sqlite3.connect(db, timeout=10, isolation_level=None)
lock.execute("BEGIN IMMEDIATE")	# the audit writer waits for this
socks = []
for i in range(1, n + 1):
    body = open("abort.%d.json" % i, "rb").read()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
        b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    socks.append(s)
time.sleep(1)			# read, checked, suspended for the audit
for s in socks:			# hang up with a reset: nobody reads the token
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
time.sleep(0.5)
lock.execute("ROLLBACK")
lock.close()
PY
_before=$(count "SELECT count(*) FROM audit WHERE action = 'login' AND
    detail LIKE 'ok jti %'")
python3 abort.py "$PORT" "$SRV/kalitd.db" 6 || fail "abort.py"
_i=0
until [ "$(count "SELECT count(*) FROM audit WHERE action = 'login' AND
    detail LIKE 'ok jti %'")" -ge $((_before + 6)) ] || [ $_i -ge 50 ]; do
	sleep 0.2
	_i=$((_i + 1))
done
assert_eq "6 logins whose clients hung up: audited" \
    "$(count "SELECT count(*) FROM audit WHERE action = 'login' AND
    detail LIKE 'ok jti %'")" $((_before + 6))
good_login "a login after them"

# --- junk logins: summed up, not a row each ----------------------------------------

# rows ACTION: audit records of that action.
rows() {
	count "SELECT count(*) FROM audit WHERE action = '$1'"
}
# refusals: the refusals the summary records count so far.
refusals() {
	login_outcomes "$SRV/kalitd.db" | grep -vc '^ok$'
}
cat >junk.py <<'PY'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
bodies = [b"junk", b"{}", b'{"client_id": "nosuch", "challenge": "x", '
    b'"pkcs7": "AAAA"}', b'{"client_id": "portal", "challenge": "' +
    b"A" * 64 + b'", "pkcs7": "MAA="}']
got = {}
for i in range(n):
    c.request("POST", "/v1/login", bodies[i % len(bodies)],
        {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    got[r.status] = got.get(r.status, 0) + 1
print(" ".join("%d:%d" % kv for kv in sorted(got.items())))
PY
_login0=$(rows login)
_sum0=$(rows login-refusals)
_ref0=$(refusals)
_t0=$(date +%s)
assert_eq "400 junk logins: each refused" "$(python3 junk.py "$PORT" 400)" \
    "400:400"
_secs=$(($(date +%s) - _t0))
assert_eq "... no login record for any of them" "$(rows login)" "$_login0"
_i=0
until [ "$(refusals)" -ge $((_ref0 + 400)) ] || [ $_i -ge 50 ]; do
	sleep 0.2
	_i=$((_i + 1))
done
assert_eq "... counted in the summary records (every summary_interval)" \
    "$(refusals)" $((_ref0 + 400))
_sums=$(($(rows login-refusals) - _sum0))
assert "... in at most one summary record per 2 s ($_sums in ${_secs} s)" \
    "$_sums" -le $((_secs / 2 + 3))
sqlite3 "$SRV/kalitd.db" "SELECT actor, action, detail FROM audit WHERE
    action = 'login-refusals'" >sums.txt
assert_eq "... each summary names the codes with their counts" \
    "$(grep -Evc '^-\|login-refusals\|[a-z_]+=[0-9]+( [a-z_]+=[0-9]+)*$' \
    sums.txt)/$(wc -l <sums.txt | tr -d ' ')" "0/$(rows login-refusals)"
http GET /metrics
assert_grep "... and in kalitd_logins_total" \
    '^kalitd_logins_total\{outcome="challenge_unknown"\} [1-9][0-9]+$' "$OUT"
good_login "a genuine login after the junk"
assert_eq "... adds its own record" "$(rows login)" $((_login0 + 1))

stop_kalitd
assert_eq "kalitd stopped cleanly (no leak under LeakSanitizer)" "$KRC" 0
assert_eq "every refusal is in a summary record after the stop" \
    "$(login_outcomes "$SRV/kalitd.db" | sort | uniq -c | awk '$2 != "ok" \
    { n += $1 } END { print n }')" 401
finish
