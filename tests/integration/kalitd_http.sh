#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_http.sh: kalitd's HTTP front: one error code in the answer, the
# log and the audit; repeated and doubled client credentials refused;
# wrong client secrets counted, logged and throttled; CA certificates at
# their "CA Issuers" URL; clients that hang up mid-login; junk logins
# summed up in the audit log instead of a row each.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"

make_pki
cd "$TMP" || exit 99
kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
    fail "crl --ca citizen"
make_csr v.csr && mv v.csr.key v.key &&
    kca_issue --profile citizen --given-name Vali --surname Aliyev \
    --pinfl "$(pinfl 1)" --csr v.csr --out v.crt >/dev/null 2>&1 ||
    fail "kalit-ca issue v"

PORT=$(free_port)
write_conf "" "" "[responder]
ca_database = $DB"
kd keygen >/dev/null || fail "keygen"
add_client portal || fail "client add portal"
SEC=$(cat portal.secret)
start_kalitd

# chal: a fresh challenge in $CH.
chal() {
	http POST /v1/challenge
	CH=$(sed -n 's/.*"challenge":"\([A-Za-z0-9_-]*\)".*/\1/p' "$OUT")
}

# good_login DESC: a genuine login of v for portal answers 200.
good_login() {
	chal
	sign_openssl v.crt v.key "$CH" s.der || fail "$1: openssl cms -sign"
	login_body portal "$CH" s.der >b.json
	post_login b.json
	expect_http "$1" 200 -
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

stop_kalitd
assert_eq "kalitd stopped cleanly" "$KRC" 0
finish
