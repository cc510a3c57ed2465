#!/bin/sh
# shellcheck disable=SC1090,SC2154
# kalitd_mtls.sh: issue 15's mutual TLS (RFC 8705) and the receiving
# agency's gate. An agency system gets a certificate-bound access token
# from kalitd's mTLS port with `curl --cert` (tls_client_auth); a real
# nginx protects a test API with auth_request to kalitd's POST /v1/gate,
# as docs/integrate.md configures it: the token passes with the
# certificate it is bound to and is refused with another one; an unbound
# token (private_key_jwt, by kalit token) passes without a certificate;
# a missing scope is 403, a missing or foreign token 401. kalit token
# --mtls gets the same bound token from the key file in memory, cached
# apart from unbound ones, and names a server without an mTLS port.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
NGINX=${NGINX:-nginx}
command -v "$NGINX" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v "$NGINX" >/dev/null 2>&1 || {
	fail "no nginx: build-aux/install-deps installs it"
	finish
}
FAKEPID=
trap 'stop_kalitd; [ -f "$TMP/nginx/nginx.pid" ] &&
    kill "$(cat "$TMP/nginx/nginx.pid")" 2>/dev/null
    [ -n "$FAKEPID" ] && kill "$FAKEPID" 2>/dev/null; rm -rf "$T_TMP"' EXIT

make_pki
cd "$TMP" || exit 99
PORT=$(free_port)
MPORT=$(free_port)
NPORT=$(free_port)
BPORT=$(free_port)
URL=https://localhost:$PORT
MURL=https://localhost:$MPORT
API=https://api.cadastre.uz
PASS=$(cat "$KEYPASS")

check "ca-new servers" kca --operator tester ca-new --profile server \
    --name servers --ca-pass "file:$CAPASS"
check "ca-new system" kca --operator tester ca-new --profile system \
    --ca-pass "file:$CAPASS"
check "a server key file for localhost" kca_issue --profile server \
    --ca servers --cn localhost --dns localhost --ip 127.0.0.1 \
    --out server.p12 --key-pass "file:$KEYPASS"
# sys NAME TIN: an agency system's key file NAME.p12.
sys() {
	check "a system key file $1" kca_issue --profile system \
	    --cn "Soliq gateway" --org "Davlat soliq qo'mitasi" --org-tin "$2" \
	    --out "$1.p12" --key-pass "file:$KEYPASS"
	p12_cert "$1.p12" "$KEYPASS" "$1.crt" || fail "$1.crt"
}
sys soliq 200000001
sys soliq-b 200000001
sys other-tin 200000002
sys revoked 200000001
kca revoke "$(cert_serial revoked.crt)" --reason keyCompromise >/dev/null ||
    fail "revoke"
for ca in system servers root; do
	kca crl --ca $ca --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
	    fail "crl --ca $ca"
done

ISSUER=$URL write_conf "ocsp = no
crl_dir = $CADIR/crl
crl_fetch = no" "tls_key_file = $TMP/server.p12
tls_passphrase = file:$KEYPASS
mtls_port = $MPORT" "[oidc]
enabled = yes"
check "keygen" kd keygen
check "kalitd --check-config with mtls_port" kd --check-config
check "client add soliq (acr system)" kd client add soliq --acr system \
    --tin 200000001 --scope "cadastre:read cadastre:write" \
    --audience "$API" --audience https://api.persons.uz
kd client add cadastre-gate --acr citizen --resource "$API" --json \
    >gate.json && json 'j["client_secret"]' gate.json >gate.secret ||
    fail "client add cadastre-gate"
KURL=$URL
KCACERT=$ROOT_CRT
start_kalitd

# --- kalitd: tls_client_auth on the mTLS port ----------------------------------

http GET /.well-known/openid-configuration
assert_grep "discovery: the mTLS token endpoint alias" \
    "\"mtls_endpoint_aliases\":{\"token_endpoint\":\"$MURL/oidc/token\"}" \
    "$OUT"
assert_grep "discovery: certificate-bound tokens" \
    '"tls_client_certificate_bound_access_tokens":true' "$OUT"
assert_grep "discovery: tls_client_auth" '"tls_client_auth"' "$OUT"

# mtoken NAME [curl args]: client_credentials on the mTLS port with
# NAME.p12 as the client certificate (client_id soliq unless the args
# name one); the answer in $OUT, $STATUS.
mtoken() {
	_mt=$1
	shift
	case "$*" in *client_id=*) ;; *) set -- "$@" -d client_id=soliq ;; esac
	STATUS=$(curl -s --cacert "$ROOT_CRT" --cert-type P12 \
	    --cert "$_mt.p12:$PASS" -o "$OUT" -w '%{http_code}' \
	    "$MURL/oidc/token" -d grant_type=client_credentials "$@" \
	    2>"$ERR")
}
# payload: the JSON of the access token of $OUT's answer.
payload() {
	json 'j["access_token"]' "$OUT" | cut -d. -f2 | tr '_-' '/+' |
	    awk '{ while (length($0) % 4) $0 = $0 "="; print }' |
	    "$OPENSSL" base64 -d -A
}
# x5t CERT: its base64url SHA-256, as cnf's x5t#S256.
x5t() {
	"$OPENSSL" x509 -in "$1" -outform DER | "$OPENSSL" dgst -sha256 \
	    -binary | "$OPENSSL" base64 -A | tr '/+' '_-' | tr -d '='
}

mtoken soliq -d "resource=$API" -d scope=cadastre:read
expect_http "curl --cert: a token for the system's certificate" 200 -
TOKEN_A=$(json 'j["access_token"]' "$OUT")
payload >a.json
assert_eq "... bound to that certificate (cnf x5t#S256)" \
    "$(json 'j["cnf"]["x5t#S256"]' a.json)" "$(x5t soliq.crt)"
assert_eq "... for the API" "$(json 'j["aud"]' a.json)" "$API"
http POST /v1/introspect -u "cadastre-gate:$(cat gate.secret)" \
    --data-urlencode "token=$TOKEN_A"
assert_grep "introspection shows the binding" '"cnf":{"x5t#S256":' "$OUT"
mtoken soliq -d "resource=$API" -d scope=cadastre:write
TOKEN_W=$(json 'j["access_token"]' "$OUT")

mtoken revoked -d "resource=$API"
expect_http "a revoked system certificate" 400 invalid_client
assert_grep "... named" certificate_revoked "$OUT"
mtoken other-tin -d "resource=$API"
expect_http "another organisation's certificate" 400 invalid_client
assert_grep "... named" "another organisation" "$OUT"
STATUS=$(curl -s --cacert "$ROOT_CRT" -o "$OUT" -w '%{http_code}' \
    "$MURL/oidc/token" -d grant_type=client_credentials -d client_id=soliq)
expect_http "the mTLS port without a certificate" 400 invalid_client
STATUS=$(curl -s --cacert "$ROOT_CRT" --cert-type P12 \
    --cert "soliq.p12:$PASS" -o "$OUT" -w '%{http_code}' \
    "$URL/oidc/token" -d grant_type=client_credentials -d client_id=soliq)
expect_http "the main port asks for no certificate" 400 invalid_client
mtoken soliq -d "resource=$API" -d client_id=nobody
expect_http "tls_client_auth of an unknown client" 400 invalid_client
STATUS=$(curl -s --cacert "$ROOT_CRT" --cert-type P12 \
    --cert "soliq.p12:$PASS" -o "$OUT" -w '%{http_code}' \
    "$MURL/oidc/token" -d grant_type=client_credentials \
    -d "resource=$API")
expect_http "tls_client_auth without client_id" 400 invalid_client
assert_grep "... saying client_id is missing" "client_id is missing" "$OUT"
# the unbound token of an assertion (kalit token, private_key_jwt)
check "kalit token (private_key_jwt, unbound)" "$KALIT" token \
    --key soliq.p12 --password "file:$KEYPASS" --server "$URL" \
    --cacert "$ROOT_CRT" --client soliq --audience "$API" \
    --scope cadastre:read --no-cache
TOKEN_U=$(cat "$OUT")

# --- kalit token --mtls: tls_client_auth with the key file in memory -----------

export XDG_CACHE_HOME="$TMP/cache"
# ktoken ARGS: kalit token as soliq for the API's cadastre:read.
ktoken() {
	"$KALIT" token --key soliq.p12 --password "file:$KEYPASS" \
	    --server "$URL" --cacert "$ROOT_CRT" --client soliq \
	    --audience "$API" --scope cadastre:read "$@"
}
check "kalit token --mtls" ktoken --mtls --json
assert_eq "... asked the server (cached false)" \
    "$(json 'j["cached"]' "$OUT")" false
TOKEN_M=$(json 'j["access_token"]' "$OUT")
payload >m.json
assert_eq "... a token bound to the key file's certificate (cnf x5t#S256)" \
    "$(json 'j["cnf"]["x5t#S256"]' m.json)" "$(x5t soliq.crt)"
assert_eq "... for the API" "$(json 'j["aud"]' m.json)" "$API"
check "kalit token --mtls again" ktoken --mtls --json
assert_eq "... from the cache (cached true)" "$(json 'j["cached"]' "$OUT")" \
    true
assert_eq "... the same bound token" "$(json 'j["access_token"]' "$OUT")" \
    "$TOKEN_M"
check "the same request without --mtls" ktoken --json
assert_eq "... is not given the cached bound token (cached false)" \
    "$(json 'j["cached"]' "$OUT")" false
payload >p.json
assert_eq "... but an unbound one (no cnf)" "$(json '"cnf" in j' p.json)" \
    false
check "kalit token --mtls after it" ktoken --mtls
assert_eq "... still the cached bound token" "$(cat "$OUT")" "$TOKEN_M"
check "kalit token without --mtls after it" ktoken --json
assert_eq "... the cached unbound token (cached true)" \
    "$(json 'j["cached"]' "$OUT")" true
assert "... not the bound one" "$(json 'j["access_token"]' "$OUT")" != \
    "$TOKEN_M"
assert_eq "two cache files, one bound, one not" \
    "$(find "$XDG_CACHE_HOME" -type f | wc -l | tr -d ' ')" 2
# The key goes to libcurl's OpenSSL in memory: no file is written for it.
if ! command -v strace >/dev/null 2>&1; then
	fail "no strace: build-aux/install-deps installs it"
else
	# (LeakSanitizer cannot run under ptrace: off for this run)
	check "kalit token --mtls --no-cache under strace" env \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq \
	    -o strace.log -e trace=%file,memfd_create "$KALIT" token --mtls \
	    --no-cache --key soliq.p12 --password "file:$KEYPASS" \
	    --server "$URL" --cacert "$ROOT_CRT" --client soliq \
	    --audience "$API"
	assert_grep "... it read the key file" "soliq\.p12.*O_RDONLY" \
	    strace.log
	assert_nogrep "... and opened, made or renamed no file to write" \
	    "O_WRONLY|O_RDWR|O_CREAT| (creat|rename|renameat2?|link|linkat|memfd_create)\(" \
	    strace.log
fi

# --- POST /v1/gate, asked directly ---------------------------------------------

# gate [curl args]: POST /v1/gate as cadastre-gate.
gate() {
	http POST /v1/gate -u "cadastre-gate:$(cat gate.secret)" "$@"
}
gate --data-urlencode "token=$TOKEN_A" --data-urlencode "resource=$API" \
    --data-urlencode "client_cert@soliq.crt"
expect_http "the gate: the bound token with its certificate" 200 -
gate --data-urlencode "token=$TOKEN_A" --data-urlencode "resource=$API" \
    --data-urlencode "client_cert=-----BEGIN CERTIFICATE-----junk"
expect_http "... with a certificate that is no certificate" 401 invalid_token
gate --data-urlencode "token=$TOKEN_A" -d "resource=https://api.other.uz"
expect_http "... for an API the gate's client did not register" 400 \
    invalid_request
gate --data-urlencode "token=$TOKEN_A" --data-urlencode "resource=$API" \
    --data-urlencode "resource=$API"
expect_http "... a repeated parameter" 400 invalid_request
gate --data-urlencode "token=$TOKEN_A" --data-urlencode "resource=$API" \
    --data-urlencode "client_cert=$(head -c 20000 /dev/zero | tr '\0' A)"
expect_http "... an oversized certificate" 400 request_malformed
http POST /v1/gate -u "cadastre-gate:wrong" \
    --data-urlencode "token=$TOKEN_A" --data-urlencode "resource=$API"
expect_http "... a wrong secret of the gate's client" 401 invalid_client

# --- nginx: an agency API behind auth_request ----------------------------------

mkdir -p nginx && cp "$KEYPASS" nginx/key.pass
# (openssl reads -passin and -passout from one file as two lines)
"$OPENSSL" pkcs12 -in server.p12 -passin "file:$KEYPASS" -nocerts \
    -passout file:nginx/key.pass -out nginx/server.key 2>/dev/null &&
    "$OPENSSL" pkcs12 -in server.p12 -passin "file:$KEYPASS" -nokeys \
    -out nginx/server.crt 2>/dev/null || fail "nginx's key and certificate"
GATE_AUTH=$(printf 'cadastre-gate:%s' "$(cat gate.secret)" |
    "$OPENSSL" base64 -A)
# The configuration of docs/integrate.md, with this test's paths.
cat >nginx/nginx.conf <<CONF
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log info;
events { worker_connections 64; }
http {
	access_log $TMP/nginx/access.log;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	map \$http_authorization \$kalit_token {
		"~^Bearer (?<t>[A-Za-z0-9._~-]+)\$" \$t;
		default "";
	}
	server {
		listen 127.0.0.1:$NPORT ssl;
		ssl_certificate $TMP/nginx/server.crt;
		ssl_certificate_key $TMP/nginx/server.key;
		ssl_password_file $TMP/nginx/key.pass;
		# the caller's certificate, for tokens bound to one
		ssl_verify_client optional_no_ca;
		location /cadastre/ {
			auth_request /_kalit;
			auth_request_set \$kalit_client \$upstream_http_x_kalit_client_id;
			auth_request_set \$kalit_tin \$upstream_http_x_kalit_tin;
			proxy_set_header X-Kalit-Client-Id \$kalit_client;
			proxy_set_header X-Kalit-Tin \$kalit_tin;
			proxy_pass http://127.0.0.1:$BPORT;
		}
		location = /_kalit {
			internal;
			proxy_pass $URL/v1/gate;
			proxy_ssl_trusted_certificate $ROOT_CRT;
			proxy_ssl_verify on;
			proxy_ssl_name localhost;
			proxy_method POST;
			proxy_pass_request_body off;
			proxy_set_header Content-Type application/x-www-form-urlencoded;
			proxy_set_header Authorization "Basic $GATE_AUTH";
			proxy_set_body "token=\$kalit_token&resource=https%3A%2F%2Fapi.cadastre.uz&scope=cadastre%3Aread&client_cert=\$ssl_client_escaped_cert";
		}
	}
	# the agency's API itself, which only the gate reaches
	server {
		listen 127.0.0.1:$BPORT;
		default_type text/plain;
		return 200 "cadastre: hello \$http_x_kalit_client_id (\$http_x_kalit_tin)\n";
	}
}
CONF
check "nginx -t takes the gate's configuration" "$NGINX" -t -p "$TMP/nginx" \
    -c "$TMP/nginx/nginx.conf"
check "nginx starts" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf"
_i=0
until curl -s -k -o /dev/null "https://127.0.0.1:$NPORT/cadastre/" 2>/dev/null; do
	_i=$((_i + 1))
	[ $_i -gt 100 ] && { fail "nginx does not answer"; break; }
	sleep 0.1
done

# api CERT TOKEN: GET /cadastre/x through nginx with client certificate
# CERT.p12 (- for none) and Bearer TOKEN ("" for none).
api() {
	set -- "$1" "${2:+Authorization: Bearer $2}"
	[ "$1" = - ] || set -- "$1" "$2" --cert-type P12 --cert "$1.p12:$PASS"
	_ah=$2
	shift 2
	STATUS=$(curl -s --cacert "$ROOT_CRT" -o "$OUT" -w '%{http_code}' \
	    -H "${_ah:-X-None: 1}" --resolve "localhost:$NPORT:127.0.0.1" \
	    "$@" "https://localhost:$NPORT/cadastre/x" 2>"$ERR")
}
api soliq "$TOKEN_A"
assert_eq "the bound token with its certificate passes the gate" "$STATUS" 200
assert_grep "... the API learns the client and TIN" \
    "hello soliq \\(200000001\\)" "$OUT"
api soliq-b "$TOKEN_A"
assert_eq "... with certificate B it is refused (401)" "$STATUS" 401
api - "$TOKEN_A"
assert_eq "... without a certificate it is refused (401)" "$STATUS" 401
api - "$TOKEN_U"
assert_eq "an unbound token passes without a certificate" "$STATUS" 200
api soliq "$TOKEN_M"
assert_eq "kalit token --mtls's token passes the gate with its certificate" \
    "$STATUS" 200
api soliq-b "$TOKEN_M"
assert_eq "... with certificate B it is refused (401)" "$STATUS" 401
api - "$TOKEN_M"
assert_eq "... without a certificate it is refused (401)" "$STATUS" 401
api soliq "$TOKEN_W"
assert_eq "a token without the API's scope is 403" "$STATUS" 403
api soliq ""
assert_eq "no token is 401" "$STATUS" 401
"$KALIT" token --key soliq.p12 --password "file:$KEYPASS" --server "$URL" \
    --cacert "$ROOT_CRT" --client soliq --audience https://api.persons.uz \
    --no-cache >persons.tok 2>"$ERR" || fail "a token for api.persons.uz"
api - "$(cat persons.tok)"
assert_eq "a token for another API is 401" "$STATUS" 401
api - "not.a.token"
assert_eq "a forged token is 401" "$STATUS" 401
grep -h "gate\|kalit" nginx/error.log | tail -n 5 | sed 's/^/     | nginx: /'
kill "$(cat nginx/nginx.pid)" 2>/dev/null
stop_kalitd

# --- kalit token --mtls and a server without an mTLS port ----------------------

EXPECT_PROG=kalit
ISSUER=$URL write_conf "ocsp = no
crl_dir = $CADIR/crl
crl_fetch = no" "tls_key_file = $TMP/server.p12
tls_passphrase = file:$KEYPASS" "[oidc]
enabled = yes"
start_kalitd
http GET /.well-known/openid-configuration
assert_nogrep "kalitd without mtls_port: no mtls_endpoint_aliases" \
    mtls_endpoint_aliases "$OUT"
expect_fail 5 server_error ktoken --mtls --no-cache
assert_grep "... the server has no mTLS port, named" \
    "the server has no mTLS port \(\[server\] mtls_port\)" "$ERR"
check "... while kalit token without --mtls gets a token" ktoken --no-cache
stop_kalitd
# a discovery document whose mTLS token endpoint is not https://
FPORT=$(free_port)
mkdir -p fake/.well-known
printf '{"token_endpoint": "http://127.0.0.1:%s/oidc/token",
 "mtls_endpoint_aliases": {"token_endpoint": "http://127.0.0.1:%s/t"}}\n' \
    "$FPORT" "$FPORT" >fake/.well-known/openid-configuration
python3 -m http.server -b 127.0.0.1 -d fake "$FPORT" >fake.log 2>&1 &
FAKEPID=$!
_i=0
until curl -sf -o /dev/null \
    "http://127.0.0.1:$FPORT/.well-known/openid-configuration"; do
	_i=$((_i + 1))
	[ $_i -gt 100 ] && { fail "python3 -m http.server does not answer"; break; }
	sleep 0.1
done
expect_fail 5 server_error "$KALIT" token --mtls --no-cache --key soliq.p12 \
    --password "file:$KEYPASS" --server "http://127.0.0.1:$FPORT" \
    --client soliq
assert_grep "... an http:// mTLS token endpoint is refused, named" \
    "no mtls_endpoint_aliases token_endpoint, or not an https:// URL" "$ERR"
assert_nogrep "... and never asked" "POST" fake.log
kill "$FAKEPID" 2>/dev/null
FAKEPID=
finish
