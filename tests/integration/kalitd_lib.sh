# kalitd_lib.sh: helpers for tests that run a real kalitd (sourced after
# lib.sh). The harness also sets KALITD and KALIT.

: "${KALITD:?KALITD is not set}"
: "${KALIT:?KALIT is not set}"
[ -x "$KALITD" ] || skip "$KALITD is not built"
require curl

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

SRV=$TMP/srv			# kalitd's directory: conf, database, keys
KPID=
# KURL: kalitd's base URL (default http://127.0.0.1:$PORT); KCACERT: the CA
# file curl trusts when KURL is https.

kurl() {
	echo "${KURL:-http://127.0.0.1:$PORT}"
}

# write_conf [REVOCATION-LINES [SERVER-LINES [SECTIONS]]]: $SRV/kalitd.conf
# on $PORT trusting $CADIR/certs, with revocation from the CA's CRL directory
# unless the first argument says otherwise (it replaces [revocation]'s
# lines); the second is added to [server]; the third, whole sections
# ("[responder]" and its lines), goes at the end. The issuer is $ISSUER if
# set.
write_conf() {
	mkdir -p "$SRV"
	[ -f "$SRV/token.pass" ] || "$OPENSSL" rand -hex 16 >"$SRV/token.pass"
	cat >"$SRV/kalitd.conf" <<CONF
[server]
listen = 127.0.0.1
port = $PORT
threads = 2
trust_dir = $CADIR/certs
issuer = ${ISSUER:-http://127.0.0.1:$PORT}
${2:-}

[token]
lifetime = 600

[challenge]
lifetime = 120

[revocation]
${1:-ocsp = no
crl_dir = $CADIR/crl}

${3:-}
CONF
}

# kd ARGS...: kalitd with $SRV/kalitd.conf.
kd() {
	"$KALITD" -c "$SRV/kalitd.conf" "$@"
}

# start_kalitd: starts kalitd in the background and waits for /healthz.
# (Not through kd: $! of a backgrounded function is a subshell's pid.)
start_kalitd() {
	"$KALITD" -c "$SRV/kalitd.conf" -v >"$TMP/kalitd.log" 2>&1 &
	KPID=$!
	_i=0
	while [ $_i -lt 100 ]; do
		# This process's own line: not another kalitd on the port.
		grep -q "listening on" "$TMP/kalitd.log" &&
		    curl -sf ${KCACERT:+--cacert "$KCACERT"} "$(kurl)/healthz" \
		    >/dev/null 2>&1 && return 0
		kill -0 "$KPID" 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	fail "kalitd did not start"
	sed 's/^/     | /' "$TMP/kalitd.log" | head -n 30
	finish
}

# stop_kalitd: SIGTERM and wait; sets KRC to kalitd's exit status.
stop_kalitd() {
	KRC=0
	[ -n "$KPID" ] || return 0
	kill -TERM "$KPID" 2>/dev/null
	wait "$KPID" || KRC=$?
	KPID=
}

trap 'stop_kalitd; rm -rf "$T_TMP"' EXIT

# restart_kalitd [REVOCATION-LINES [SERVER-LINES [SECTIONS]]]: (re)starts
# kalitd on a new configuration (write_conf's arguments). Not
# start_kalitd: it backgrounds the kd function, whose $! is a subshell that
# SIGTERM does not take kalitd down with, and the port would stay taken.
restart_kalitd() {
	stop_kalitd
	write_conf "$@"
	: >"$TMP/kalitd.log"
	"$KALITD" -c "$SRV/kalitd.conf" -v >"$TMP/kalitd.log" 2>&1 &
	KPID=$!
	_sv_i=0
	until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
		_sv_i=$((_sv_i + 1))
		if [ $_sv_i -ge 100 ] || ! kill -0 "$KPID" 2>/dev/null; then
			fail "kalitd did not start"
			sed 's/^/     | /' "$TMP/kalitd.log" | head -n 20
			finish
		fi
		sleep 0.1
	done
}

# add_client ID [ACR]: registers a client; its secret in $TMP/ID.secret.
add_client() {
	kd client add "$1" --acr "${2:-citizen,official}" --json \
	    >"$TMP/$1.json" &&
	    json 'j["client_secret"]' "$TMP/$1.json" >"$TMP/$1.secret"
}

# http METHOD PATH [curl args...]: body in $OUT, status in $STATUS.
http() {
	_m=$1
	_p=$2
	shift 2
	STATUS=$(curl -s ${KCACERT:+--cacert "$KCACERT"} -o "$OUT" \
	    -w '%{http_code}' -X "$_m" "$(kurl)$_p" "$@" 2>"$ERR") ||
	    STATUS=000
}

# challenge [CLIENT]: a fresh challenge bound to CLIENT (default portal)
# into $CH.
challenge() {
	http POST /v1/challenge -H 'Content-Type: application/json' \
	    --data-binary "{\"client_id\": \"${1:-portal}\"}"
	CH=$(json 'j["challenge"]' "$OUT")
}

# sign_openssl CERT KEY CONTENT OUT [openssl cms args]: attached CMS (DER)
# the way E-IMZO clients make it, with the openssl CLI.
sign_openssl() {
	_c=$1
	_k=$2
	_t=$3
	_o=$4
	shift 4
	printf %s "$_t" | "$OPENSSL" cms -sign -nodetach -binary -signer "$_c" \
	    -inkey "$_k" -outform DER -out "$_o" "$@"
}

# login_body CLIENT CHALLENGE DERFILE: the JSON body of /v1/login.
login_body() {
	python3 -c 'import base64, json, sys
print(json.dumps({"client_id": sys.argv[1], "challenge": sys.argv[2],
    "pkcs7": base64.b64encode(open(sys.argv[3], "rb").read()).decode()}))' \
	    "$1" "$2" "$3"
}

# post_login BODYFILE: POST /v1/login with a JSON body from a file.
post_login() {
	http POST /v1/login -H 'Content-Type: application/json' \
	    --data-binary "@$1"
}

# p12_key P12 PASSFILE OUT: the private key (PEM, unencrypted, test only).
p12_key() {
	"$OPENSSL" pkcs12 -in "$1" -passin "file:$2" -nocerts -nodes \
	    -out "$3" 2>/dev/null
}

# expect_http DESC STATUS CODE: the last response had STATUS and, unless
# CODE is "-", {"error": CODE}. (sed, not python: a python start per check
# can take a second on a busy machine.)
expect_http() {
	_w_got=$(sed -n 's/^{.*"error":"\([a-z_]*\)".*/\1/p' "$OUT")
	if [ "$STATUS" != "$2" ]; then
		fail "$1: HTTP $STATUS, want $2"
		head -c 300 "$OUT" | sed 's/^/     | /'
		echo
	elif [ "$3" != "-" ] && [ "$_w_got" != "$3" ]; then
		fail "$1: error \"$_w_got\", want \"$3\""
	else
		ok "$1 ($2 $3)"
	fi
}

# login_outcomes DB: one line per login attempt the audit log of kalitd's
# database DB accounts for: the outcome of each login record ("ok", not
# its jti, or the error), and each refusal counted in a login-refusals
# summary ("CODE=N ...") N times.
login_outcomes() {
	sqlite3 "$1" "SELECT action, detail FROM audit WHERE action IN
	    ('login', 'login-refusals')" | awk -F'|' '
	$1 == "login" { sub(/ jti .*/, "", $2); print $2; next }
	{ n = split($2, kv, " ")
	  for (i = 1; i <= n; i++) {
		split(kv[i], p, "=")
		for (j = 0; j < p[2]; j++) print p[1]
	  } }'
}

# citizen_pki: make_pki, the citizen CA's CRL, and v.crt and v.key (in the
# current directory, $TMP) of a citizen issued by kalit-ca.
citizen_pki() {
	make_pki
	cd "$TMP" || exit 99
	kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
	    fail "crl --ca citizen"
	make_csr "$TMP/v.csr" && mv "$TMP/v.csr.key" "$TMP/v.key" &&
	    kca_issue --profile citizen --given-name Vali --surname Aliyev \
	    --pinfl "$(pinfl 1)" --csr "$TMP/v.csr" --out "$TMP/v.crt" \
	    >/dev/null 2>&1 || fail "kalit-ca issue v"
}

# oca_init: oca/ in the current directory, for certificates that `openssl
# ca` makes with the CA keys of $CADIR (ossl): oca/ca.cnf names the OIDs
# pinfl and orgtin and keeps each subject as requested; a test appends the
# sections of the extensions it wants.
oca_init() {
	mkdir -p oca/new && : >oca/index.txt && echo 01 >oca/serial
	cat >oca/ca.cnf <<CNF
oid_section = oids
[oids]
pinfl = 1.2.860.3.16.1.2
orgtin = 1.2.860.3.16.1.1
[req]
distinguished_name = dn
[dn]
[ca]
default_ca = oca
[oca]
database = $PWD/oca/index.txt
new_certs_dir = $PWD/oca/new
serial = $PWD/oca/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = optional
CNF
}

# ossl NAME EXT [openssl ca args]: NAME.crt and NAME.key made by `openssl
# ca` with the citizen CA's key (or $OCA_CRT, $OCA_KEY, and the passphrase
# file $OCA_PASS), the extensions of section EXT of oca/ca.cnf, subject
# $SUBJ (UTF-8) and a key made with `openssl req -newkey $NEWKEY` (default
# P-256); -days 30 unless args given.
ossl() {
	_os_n=$1 _os_e=$2
	shift 2
	[ $# -gt 0 ] || set -- -days 30
	# shellcheck disable=SC2015,SC2086 # NEWKEY is words
	"$OPENSSL" req -config oca/ca.cnf -new \
	    -newkey ${NEWKEY:-ec -pkeyopt ec_paramgen_curve:P-256} -nodes \
	    -keyout "$_os_n.key" -utf8 -subj "$SUBJ" -out "$_os_n.csr" \
	    2>/dev/null &&
	    "$OPENSSL" ca -batch -config oca/ca.cnf -rand_serial -preserveDN \
	    -utf8 -notext -cert "${OCA_CRT:-$CADIR/certs/citizen.crt}" \
	    -keyfile "${OCA_KEY:-$CADIR/keys/citizen.key}" \
	    -passin "file:${OCA_PASS:-$CAPASS}" -in "$_os_n.csr" \
	    -out "$_os_n.crt" -extfile oca/ca.cnf -extensions "$_os_e" "$@" \
	    >/dev/null 2>&1 || fail "openssl ca $_os_n"
}
