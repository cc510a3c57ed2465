#!/bin/sh
# shellcheck disable=SC1090
# oidc.sh: issue 14's acceptance 1. Debian's chromium (puppeteer-core)
# logs citizens and an official in through kalitd's login page to two
# relying parties built on openid-client (portal/portal.mjs as portals A
# and B), against a real kalitd with a kalit-ca PKI: the browser tests of
# oidc.test.mjs.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRCDIR/tests/browser/oidc_lib.sh"
trap 'stop_node; stop_kalitd; rm -rf "$T_TMP"' EXIT
need_browser
need_npm

make_pki
for ca in citizen official; do
	kca crl --ca $ca --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
	    fail "crl --ca $ca"
done
oidc_keys
js_tree
oidc_brand
PORT=$(free_port)
OP=http://127.0.0.1:$PORT
PA=$(free_port)
PB=$(free_port)
PORTAL_A=http://127.0.0.1:$PA
PORTAL_B=http://127.0.0.1:$PB
write_conf "" "" "[oidc]
www_dir = $SRCDIR/www
brand_dir = $BRAND"
kd keygen >/dev/null 2>&1 || fail "kalitd keygen"
# client NAME URL [AUTH-METHOD [DISPLAY-NAME]]: a confidential client of
# the portal at URL, registered as docs/integrate.md says; its secret in
# $TMP/NAME.secret.
client() {
	kd client add "$1" --acr citizen,official ${3:+--auth-method "$3"} \
	    ${4:+--client-name "$4"} \
	    --redirect-uri "$2/callback" --post-logout-uri "$2/" \
	    --backchannel-logout-uri "$2/backchannel-logout" --json \
	    >"$TMP/$1.json" &&
	    json 'j["client_secret"]' "$TMP/$1.json" >"$TMP/$1.secret" ||
	    fail "kalitd client add $1"
}
# A authenticates to the token endpoint with client_secret_basic, B with
# client_secret_post.
client portal-a "$PORTAL_A" client_secret_basic "Portal A"
client portal-b "$PORTAL_B" client_secret_post
start_kalitd
start_portal "Portal A" portal-a "$PA" "$TMP/portal-a.secret"
start_portal "Portal B" portal-b "$PB" "$TMP/portal-b.secret" \
    client_secret_post
run_browser_tests
for f in portal-a portal-b; do
	sed "s/^/     | $f: /" "$TMP/$f.log"
done
tail -n 40 "$TMP/kalitd.log" | sed 's/^/     | kalitd: /'
stop_node
stop_kalitd
assert_eq "kalitd exits 0 on SIGTERM" "$KRC" 0
finish
