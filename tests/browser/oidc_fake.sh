#!/bin/sh
# shellcheck disable=SC1090
# oidc_fake.sh: oidc.test.mjs (Chromium, the login page, portals A and B on
# openid-client) against fakeop.mjs, the OpenID Provider contract of issue
# 14 modelled in Node, with key files made by kalit-ca and openssl.
# oidc.sh runs the same browser tests against the real kalitd.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRCDIR/tests/browser/oidc_lib.sh"
trap 'stop_node; rm -rf "$T_TMP"' EXIT
need_browser
need_npm

make_pki
oidc_keys
js_tree
oidc_brand
PA=$(free_port)
PB=$(free_port)
PORTAL_A=http://127.0.0.1:$PA
PORTAL_B=http://127.0.0.1:$PB
python3 - "$TMP/fakeop.json" "$SRCDIR/www" "$BRAND" "$PORTAL_A" "$PORTAL_B" \
    "$(fp keys/revoked.crt)" "$(fp keys/expired.crt)" \
    "$(fp keys/untrusted.crt)" "$(fp keys/official.crt)" <<'PY'
import json, sys
out, www, brand, a, b, revoked, expired, untrusted, official = sys.argv[1:]
def client(cid, name, url):
    return {"id": cid, "name": name, "secret": cid + "-secret",
            "redirect_uris": [url + "/callback"],
            "post_logout_redirect_uris": [url + "/"],
            "backchannel_logout_uri": url + "/backchannel-logout"}
json.dump({"www": www, "brand": brand,
           "clients": [client("portal-a", "Portal A", a),
                       client("portal-b", "Portal B", b)],
           "refuse": {revoked: "certificate_revoked",
                      expired: "certificate_expired",
                      untrusted: "certificate_untrusted"},
           "officials": [official]}, open(out, "w"))
PY
printf 'portal-a-secret\n' >"$TMP/a.secret"
printf 'portal-b-secret\n' >"$TMP/b.secret"
"$NODE" "$JS/tests/browser/fakeop.mjs" "$TMP/fakeop.json" \
    >"$TMP/fakeop.log" 2>&1 &
echo $! >>"$TMP/node.pids"
_i=0
until grep -q "^fakeop: listening on" "$TMP/fakeop.log"; do
	_i=$((_i + 1))
	[ $_i -lt 200 ] || { fail "fakeop did not start"; finish; }
	sleep 0.1
done
OP=$(sed -n 's/^fakeop: listening on //p' "$TMP/fakeop.log")
start_portal "Portal A" portal-a "$PA" "$TMP/a.secret"
start_portal "Portal B" portal-b "$PB" "$TMP/b.secret" client_secret_post
run_browser_tests
for f in fakeop portal-a portal-b; do
	grep -q . "$TMP/$f.log" && sed "s/^/     | $f: /" "$TMP/$f.log"
done
finish
