#!/bin/sh
# shellcheck disable=SC1090
# machine.sh: issue 15, agencies' information systems. A real kalitd with
# a kalit-ca PKI (a CA for systems, ca/profiles/system.conf) gives
# client-credentials access tokens (RFC 9068) to a system that signs its
# private_key_jwt assertion with its key file's key and sends its chain
# in x5c: npm openid-client is that system; the API introspects them; and
# every hostile assertion of the acceptance list gets its exact error
# (machine.test.mjs, with npm jose making the assertions).
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRCDIR/tests/browser/oidc_lib.sh"
trap 'stop_kalitd; rm -rf "$T_TMP"' EXIT
command -v "$NODE" >/dev/null 2>&1 || {
	fail "no $NODE: build-aux/install-deps installs nodejs"
	finish
}
need_npm
js_tree

make_pki
check "ca-new system" kca --operator tester ca-new --profile system \
    --ca-pass "file:$CAPASS"
KEYS=$TMP/keys
mkdir -p "$KEYS" && cd "$KEYS" || exit 99

# sys NAME TIN CN [KEY-TYPE]: an agency system's key file NAME.p12 from
# kalit-ca, and its key (PKCS#8) and certificate path (leaf first) in PEM
# for node.
sys() {
	check "kalit-ca issue system $1" kca_issue --profile system --cn "$3" \
	    --org "Davlat soliq qo'mitasi" --org-tin "$2" --out "$1.p12" \
	    --key-pass "file:$KEYPASS" ${4:+--key-type "$4"}
	pem "$1"
}
# pem NAME: NAME.key and NAME.chain (leaf, then its CA) of NAME.p12.
pem() {
	p12_key "$1.p12" "$KEYPASS" "$1.bag" &&
	    "$OPENSSL" pkey -in "$1.bag" -out "$1.key" &&
	    p12_cert "$1.p12" "$KEYPASS" "$1.crt" &&
	    cat "$1.crt" "$CADIR/certs/system.crt" >"$1.chain" ||
	    fail "$1.p12: the key and the path"
	rm -f "$1.bag"
}
sys soliq 200000001 "Soliq gateway"
sys soliq-rsa 200000001 "Soliq gateway" rsa3072
sys other-tin 200000002 "Soliq gateway"
sys other-name 200000001 "Kadastr gateway"
sys revoked 200000001 "Soliq gateway"
kca revoke "$(cert_serial revoked.crt)" --reason keyCompromise >/dev/null ||
    fail "revoke"
kca_issue --profile citizen --given-name Vali --surname Aliyev \
    --pinfl "$(pinfl 1)" --out citizen.p12 --key-pass "file:$KEYPASS" \
    >/dev/null 2>&1 || fail "kalit-ca issue citizen"
p12_key citizen.p12 "$KEYPASS" citizen.bag &&
    "$OPENSSL" pkey -in citizen.bag -out citizen.key &&
    p12_cert citizen.p12 "$KEYPASS" citizen.crt &&
    cat citizen.crt "$CIT_CRT" >citizen.chain || fail "citizen.p12"
# expired: by the system CA's key with `openssl ca`, valid in 2020;
# untrusted: a system certificate of a CA nobody trusts.
oca_init
cat >>oca/ca.cnf <<CNF
[system]
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
certificatePolicies = 1.3.6.1.5.5.7.13.3
CNF
SUBJ="/C=UZ/O=Davlat soliq qo'mitasi/CN=Soliq gateway/orgtin=200000001"
OCA_CRT=$CADIR/certs/system.crt OCA_KEY=$CADIR/keys/system.key \
    ossl expired system -startdate 20200101000000Z -enddate 20210101000000Z
cat expired.crt "$CADIR/certs/system.crt" >expired.chain
"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -passout "file:$CAPASS" -keyout rogue-ca.key -subj "/CN=Rogue CA" \
    -days 30 -out rogue-ca.crt -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null ||
    fail "a rogue CA"
OCA_CRT=rogue-ca.crt OCA_KEY=rogue-ca.key ossl untrusted system
cat untrusted.crt rogue-ca.crt >untrusted.chain
for ca in system root; do
	kca crl --ca $ca --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
	    fail "crl --ca $ca"
done
cd "$TMP" || exit 99

PORT=$(free_port)
OP=http://127.0.0.1:$PORT
write_conf "ocsp = no
crl_dir = $CADIR/crl
crl_fetch = no" "" "[oidc]
www_dir = $SRCDIR/www"
kd keygen >/dev/null 2>&1 || fail "kalitd keygen"
# The systems, as docs/integrate.md registers them; the API's gate, a
# confidential client that introspects the tokens for its API.
check "client add soliq (acr system)" kd client add soliq --acr system \
    --tin 200000001 --system-name "Soliq gateway" \
    --scope "cadastre:read persons:read" \
    --audience https://api.cadastre.uz --audience https://api.persons.uz
check "client add soliq-one (one API)" kd client add soliq-one \
    --acr system --tin 200000001 --scope cadastre:read \
    --audience https://api.cadastre.uz
kd client add cadastre-gate --acr citizen --resource https://api.cadastre.uz \
    --json >"$TMP/gate.json" &&
    json 'j["client_secret"]' "$TMP/gate.json" >"$TMP/gate.secret" ||
    fail "client add cadastre-gate --resource"
check_not "a system client without --tin is refused" kd client add x \
    --acr system --scope a --audience https://api.x.uz
assert_grep "... saying what it needs" "needs --tin" "$ERR"
check_not "a system client with a redirect URI is refused" kd client add x \
    --acr system --tin 200000001 --scope a --audience https://api.x.uz \
    --redirect-uri https://x.uz/cb
check_not "--tin without --acr system is refused" kd client add x \
    --tin 200000001
check_not "a scope with a quote is refused" kd client add x --acr system \
    --tin 200000001 --scope 'a"b' --audience https://api.x.uz
check "client list --json shows a system's registration" kd client list \
    --json
assert_grep "... its TIN" '"tin": "200000001"' "$OUT"
assert_grep "... its audiences" '"https://api.persons.uz"' "$OUT"
start_kalitd

check "openid-client and jose: tokens, introspection, hostile assertions" \
    env OP="$OP" KEYS="$KEYS" GATE_SECRET="$(cat "$TMP/gate.secret")" \
    "$NODE" --test "$JS/tests/browser/machine.test.mjs"
sed 's/^/     | /' "$OUT"

# --- kalit token: the same, from a shell script -------------------------------
export XDG_CACHE_HOME="$TMP/cache"
# ktoken KEY [args]: kalit token of client soliq with key file KEY.
ktoken() {
	_kt=$1
	shift
	"$KALIT" token --key "$KEYS/$_kt.p12" --password "file:$KEYPASS" \
	    --server "$OP" --client soliq "$@"
}
for k in soliq soliq-rsa; do
	check "kalit token with $k.p12" ktoken $k --scope cadastre:read \
	    --audience https://api.cadastre.uz --no-cache
	TOKEN=$(cat "$OUT")
	http POST /v1/introspect -u "cadastre-gate:$(cat "$TMP/gate.secret")" \
	    --data-urlencode "token=$TOKEN"
	assert_grep "... the API's gate finds it active" '"active":true' "$OUT"
	assert_grep "... issued to soliq" '"client_id":"soliq"' "$OUT"
done
check "kalit token --json: fetched" ktoken soliq --json \
    --audience https://api.cadastre.uz
assert_grep "... cached false" '"cached": *false' "$OUT"
FIRST=$(json 'j["access_token"]' "$OUT")
check "kalit token --json again: from the cache" ktoken soliq --json \
    --audience https://api.cadastre.uz
assert_grep "... cached true" '"cached": *true' "$OUT"
assert_eq "... the same token" "$(json 'j["access_token"]' "$OUT")" "$FIRST"
assert_eq "... the cache file is the user's alone" \
    "$(stat -c %a "$TMP"/cache/kalit/tokens/* | sort -u)" 600
check_not "kalit token: a scope not registered" ktoken soliq \
    --scope cadastre:write --audience https://api.cadastre.uz
assert_grep "... names invalid_scope" invalid_scope "$ERR"
check_not "kalit token: an API not registered" ktoken soliq \
    --audience https://api.other.uz
assert_grep "... names invalid_target" invalid_target "$ERR"
check_not "kalit token: a revoked key file" ktoken revoked \
    --audience https://api.cadastre.uz
assert_grep "... names the certificate's revocation" certificate_revoked \
    "$ERR"
assert_nogrep "no token in kalitd's log" "$FIRST" "$TMP/kalitd.log"
tail -n 30 "$TMP/kalitd.log" | sed 's/^/     | kalitd: /'
stop_kalitd
finish
