#!/bin/sh
# shellcheck disable=SC1090
# oidc.sh: issue 14's acceptance 1. Debian's chromium (puppeteer-core)
# logs citizens and an official in through kalitd's login page to two
# relying parties built on openid-client (portal/portal.mjs as portals A
# and B), against a real kalitd with a kalit-ca PKI: oidc.test.mjs, the
# same browser tests oidc_fake.sh runs against the contract's model.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRCDIR/tests/browser/oidc_lib.sh"
trap 'stop_node; stop_kalitd; rm -rf "$T_TMP"' EXIT
need_browser
need_npm

make_pki
kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
    fail "crl --ca citizen"
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
# client NAME URL: a confidential client of the portal at URL, registered
# as docs/integrate.md says; its secret in $TMP/NAME.secret.
client() {
	kd client add "$1" --acr citizen,official \
	    --redirect-uri "$2/callback" --post-logout-uri "$2/" \
	    --backchannel-logout-uri "$2/backchannel-logout" --json \
	    >"$TMP/$1.json" &&
	    json 'j["client_secret"]' "$TMP/$1.json" >"$TMP/$1.secret" ||
	    fail "kalitd client add $1"
}
client portal-a "$PORTAL_A"
client portal-b "$PORTAL_B"
start_kalitd
start_portal "Portal A" portal-a "$PA" "$TMP/portal-a.secret"
start_portal "Portal B" portal-b "$PB" "$TMP/portal-b.secret"
run_browser_tests
grep -q . "$TMP/portal-a.log" && sed 's/^/     | portal-a: /' "$TMP/portal-a.log"
stop_node
stop_kalitd
assert_eq "kalitd exits 0 on SIGTERM" "$KRC" 0
finish
