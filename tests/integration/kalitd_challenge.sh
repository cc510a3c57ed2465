#!/bin/sh
# shellcheck disable=SC1090,SC2015
# kalitd_challenge.sh: junk logins cannot lock everybody out. Every login
# attempt uses its challenge up and a used challenge is remembered until it
# expires; each source address and each client has its own share of that
# memory ([challenge] max_used_per_address, max_used_per_client), so an
# abuser who fills the share of one address or one client gets 429
# rate_limited while other addresses and clients log in.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"

make_pki
cd "$TMP" || exit 99
kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
    fail "crl --ca citizen"
make_csr v.csr && mv v.csr.key v.key &&
    kca_issue --profile citizen --given-name Vali --surname Aliyev \
    --pinfl "$(pinfl 1)" --csr v.csr --out v.crt >/dev/null 2>&1 ||
    fail "kalit-ca issue"

PORT=$(free_port)
write_conf "" "" ""
sed 's/^lifetime = 120$/&\
max_used_per_client = 5\
max_used_per_address = 3/' "$SRV/kalitd.conf" >c && mv c "$SRV/kalitd.conf"
assert_grep "shares of 5 per client, 3 per address" \
    '^max_used_per_address = 3$' "$SRV/kalitd.conf"
kd keygen >/dev/null || fail "keygen"
add_client portal && add_client other || fail "client add"
start_kalitd

# login FROM CLIENT [junk]: a fresh challenge for CLIENT, signed by v (or
# junk that is not CMS, which still uses the challenge up), posted to
# /v1/login from the address FROM; the headers in hdr.txt.
login() {
	challenge "$2"
	if [ "${3:-}" = junk ]; then
		printf junk >s.der
	else
		sign_openssl v.crt v.key "$CH" s.der || fail "openssl cms -sign"
	fi
	login_body "$2" "$CH" s.der >b.json
	http POST /v1/login -H 'Content-Type: application/json' \
	    --data-binary @b.json --interface "$1" -D hdr.txt
}

# retry_ok DESC: the last answer has Retry-After: 1 to 240 (two lifetimes).
retry_ok() {
	_r=$(sed -n 's/^Retry-After: \([0-9]*\)\r*$/\1/p' hdr.txt)
	if [ -n "$_r" ] && [ "$_r" -ge 1 ] && [ "$_r" -le 240 ]; then
		ok "$1 (Retry-After: $_r)"
	else
		fail "$1: Retry-After \"$_r\""
		sed 's/^/     | /' hdr.txt
	fi
}

# --- one address's share ----------------------------------------------------
for _i in 1 2 3; do
	login 127.0.0.1 portal junk
	expect_http "junk login $_i from 127.0.0.1 for portal" 400 \
	    request_malformed
done
login 127.0.0.1 portal junk
expect_http "the 4th from 127.0.0.1: its share is full" 429 rate_limited
retry_ok "... with Retry-After"
login 127.0.0.1 other
expect_http "... for any client: a good login for other from 127.0.0.1" \
    429 rate_limited
login 127.0.0.2 portal
expect_http "a good login for portal from 127.0.0.2" 200 -
login 127.0.0.2 other
expect_http "a good login for other from 127.0.0.2" 200 -
assert_nogrep "a login that passed has no Retry-After" '^Retry-After' \
    hdr.txt

# --- one client's share -----------------------------------------------------
# portal has used 4: the three junk ones and the good one.
login 127.0.0.3 portal junk
expect_http "junk login from 127.0.0.3 for portal (its 5th)" 400 \
    request_malformed
login 127.0.0.4 portal junk
expect_http "junk from 127.0.0.4 for portal: portal's share is full" 429 \
    rate_limited
retry_ok "... with Retry-After"
login 127.0.0.4 other
expect_http "a good login for other from 127.0.0.4" 200 -
login 127.0.0.5 other
expect_http "a good login for other from 127.0.0.5" 200 -

# --- refused ones cost nothing ------------------------------------------------
http GET /metrics
assert_grep "kalitd_challenges_used 8: the refused attempts are not counted" \
    '^kalitd_challenges_used 8$' "$OUT"
http GET /healthz
expect_http "/healthz" 200 -
stop_kalitd
assert_eq "kalitd exits 0 on SIGTERM" "$KRC" 0
_n=$(login_outcomes "$SRV/kalitd.db" | grep -c '^rate_limited$')
assert_eq "audit: the three refusals summed up as rate_limited" "$_n" 3
finish
