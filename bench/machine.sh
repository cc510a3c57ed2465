#!/bin/sh
# machine.sh: agencies' systems' access tokens (issue 15) per server
# CPU-second, side by side in one run with POST /v1/login on the same
# kalitd and nginx's TLS handshakes with client certificates:
#   token  POST /oidc/token, grant_type=client_credentials authenticated
#          by a private_key_jwt assertion (ES256, x5c: the system's
#          certificate and its CA), one at a time on each kept-alive
#          connection, as `kalit token` sends it: one ECDSA verification
#          and the certificate's checks, one signature;
#   login  POST /v1/challenge and POST /v1/login, pipelined, as login.sh
#          runs them: the same work, one verification and one signature;
#   nginx  full TLS handshakes with client certificates (login.sh's
#          nginx_tls), here the systems' certificates and kalitd's own
#          server key file;
#   mtls   the same kalitd restarted with HTTPS and its mTLS port
#          (RFC 8705): POST /oidc/token with the system's certificate in
#          the TLS handshake (tls_client_auth), no assertion, sent by
#          bench/mtls_load: on a new connection each (a full handshake),
#          and on kept-alive connections; and the floor, GET /healthz on
#          a new mTLS connection each.
# What counts is kalitd's CPU (/proc ticks of its process) per token and
# per login, and nginx's per handshake. Goals (issue 15, acceptance 3):
# tokens per CPU-second at least the login's, with an assertion and on
# kept-alive mTLS; a token on a new mTLS connection at most 1.2 times
# nginx's CPU per handshake. See bench/README.md.
#
# Environment (all optional):
#   KALITD, KALIT_CA      binaries (default: the source tree's)
#   LOGIN_BODIES, LOGIN_STEPS, MTLS_LOAD  bench/login_bodies,
#                         bench/login_steps and bench/mtls_load (default:
#                         built from the tree)
#   DURATION              seconds of each wrk and mtls_load run (default 10)
#   CONNS, THREADS        wrk connections and threads (default 32, 2);
#                         CONNS is also the kept-alive mTLS connections
#   MTLS_CLIENTS          mtls_load's clients on new connections, each one
#                         connection at a time (default STIME_PROCS)
#   SERVER_THREADS        kalitd [server] threads (default: nproc)
#   K                     citizens and systems: key files (default 20)
#   N                     tokens signed for the run (default 8000 x
#                         DURATION, at most 99000: kalitd remembers at
#                         most 100 000 assertion ids until they expire)
#   N_LOGIN               login bodies signed (default 10000 x DURATION)
#   GEN_JOBS              login_bodies threads (default 4 x nproc)
#   NGINX                 nginx, or "no": skip the nginx row
#   NGINX_WORKERS, NGINX_CRL, STIME_PROCS  as in login.sh
#   STIME_SECONDS         seconds of each s_time (default DURATION)
#   PERF                  1: perf records kalitd during each of its runs
#                         and the top functions are printed (default 0)
#   BENCH_TMP, KEEP=1     as in login.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BENCH=machine.sh
. "$top/bench/lib.sh"
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
SERVER_THREADS=${SERVER_THREADS:-$NPROC}
K=${K:-20}
N=${N:-$((8000 * DURATION))}
N_LOGIN=${N_LOGIN:-$((10000 * DURATION))}
GEN_JOBS=${GEN_JOBS:-$((4 * NPROC))}
NGINX=${NGINX:-nginx}
NGINX_WORKERS=${NGINX_WORKERS:-$NPROC}
NGINX_CRL=${NGINX_CRL:-0}
STIME_PROCS=${STIME_PROCS:-$NPROC}
STIME_SECONDS=${STIME_SECONDS:-$DURATION}
MTLS_CLIENTS=${MTLS_CLIENTS:-$STIME_PROCS}
MTLS_LOAD=${MTLS_LOAD:-}
PERF=${PERF:-0}
# The system: its organisation, its name (its certificate's CN, also
# registered) and the API it asks tokens for.
TIN=200000001
ORG="Davlat soliq qo'mitasi"
SYSTEM="Soliq gateway"
API=https://api.cadastre.uz

numbers DURATION CONNS THREADS SERVER_THREADS K N N_LOGIN GEN_JOBS \
    NGINX_WORKERS STIME_PROCS STIME_SECONDS MTLS_CLIENTS
[ "$CONNS" -ge "$THREADS" ] || die "CONNS must be at least THREADS"
[ "$N" -le 99000 ] ||
    die "N=$N: kalitd remembers 100 000 assertion ids; lower DURATION"
need_tools
workdir kalit-machine
login_helpers
[ -n "$MTLS_LOAD" ] || MTLS_LOAD=$(build_helper mtls_load)
MTLS_LOAD=$(abspath MTLS_LOAD "$MTLS_LOAD")
[ -x "$MTLS_LOAD" ] || die "$MTLS_LOAD: not an executable"

# ---------------------------------------------------------------- PKI
# K systems of one organisation share one client (same TIN and CN), as K
# citizens share login.sh's: each certificate is checked once, then taken
# from kalitd's certificate cache.
citizen_pki "kalit Machine Bench Root CA" "$K" 5000 system
say "$K systems: P-256 keys, kalit-ca issue --profile system --batch"
keys_issue system "$W/s" "$K" 0 \
    "\"cn\":\"$SYSTEM\",\"org\":\"$ORG\",\"org_tin\":\"$TIN\"" >"$W/systems"
# x5c: the system's certificate and its CA (the root is left out)
cat "$CA/certs/system.crt" "$CA/certs/root.crt" >"$W/system-chain.pem"
# kalitd's HTTPS key file, P-256 as the systems' keys; nginx serves it too
say "kalitd's TLS key file: kalit-ca ca-new --profile server, issue --profile server"
TLS_P12=$W/server.p12 TLS_PASS=$W/server.pass
"$OPENSSL" rand -hex 16 >"$TLS_PASS"
KC ca-new --profile server --name servers --cn "kalit Bench servers CA" \
    --ca-pass "file:$PASS" >>"$LOG" 2>&1 &&
    KC crl --ca servers --ca-pass "file:$PASS" >>"$LOG" 2>&1 &&
    KC issue --profile server --ca servers --cn localhost --dns localhost \
    --ip 127.0.0.1 --out "$TLS_P12" --key-pass "file:$TLS_PASS" \
    --ca-pass "file:$PASS" >>"$LOG" 2>&1 ||
    die "kalit-ca: the server CA or key file failed; see $LOG"

# ---------------------------------------------------------------- kalitd
KPORT=$(free_port)
URL=http://127.0.0.1:$KPORT
SRV=$W/kalitd
mkdir -p "$SRV"
"$OPENSSL" rand -hex 16 >"$SRV/token.pass"
# kalitd_conf [LINES]: kalitd.conf, LINES added to its [server] section
kalitd_conf() {
	login_conf "$KPORT" "$SERVER_THREADS" |
	    awk -v add="${1:-}" '{ print } /^trust_dir = / && add != "" { print add }'
	printf '\n[oidc]\nwww_dir = %s\n' "$top/www"
}
kalitd_conf >"$SRV/kalitd.conf"
"$KALITD" -c "$SRV/kalitd.conf" keygen >>"$LOG" 2>&1 &&
    "$KALITD" -c "$SRV/kalitd.conf" client add bench --acr citizen \
    >>"$LOG" 2>&1 &&
    "$KALITD" -c "$SRV/kalitd.conf" client add soliq --acr system \
    --tin "$TIN" --system-name "$SYSTEM" --scope cadastre:read \
    --audience "$API" >>"$LOG" 2>&1 ||
    die "kalitd keygen or client add failed; see $LOG"
say "starting kalitd on $URL ($SERVER_THREADS threads)"
start_kalitd "$SRV/kalitd.conf" "$URL"
AUD=$(curl -sf "$URL/.well-known/openid-configuration" |
    sed -n 's/.*"token_endpoint": *"\([^"]*\)".*/\1/p')
[ -n "$AUD" ] || die "no token_endpoint in kalitd's discovery document"

# Sanity: a login, and a token; each body again is refused.
login_check -c bench -u "$URL" -f "$W/keyspecs"
TOKEN_OPT="-t $AUD -c soliq -r $API -a $W/system-chain.pem -f $W/systems"
# shellcheck disable=SC2086
"$LOGIN_BODIES" -n 1 -j 1 -o "$W/one.form" $TOKEN_OPT >>"$LOG" 2>&1 ||
    die "login_bodies -t failed; see $LOG"
FORM=application/x-www-form-urlencoded
st=$(post "$W/one.form" /oidc/token $FORM)
[ "$st" = 200 ] && grep -q '"access_token"' "$W/answer" ||
    die "a token was refused: HTTP $st $(head -c 300 "$W/answer")"
st=$(post "$W/one.form" /oidc/token $FORM)
[ "$st" = 400 ] && grep -q 'used before' "$W/answer" ||
    die "a reused assertion was not refused: HTTP $st $(head -c 300 "$W/answer")"

# run NAME SAMPLE BODIES [VAR=VALUE...]: login_wrk NAME BODIES [VAR=...]
# with kalitd's /metrics before and after; R_OK, SAMPLE's growth meanwhile
# (what kalitd answered), R_CPU, R_SEC, R_CLIENT, R_OTHER (the meter's),
# R_RATE (wrk's answers a second), R_P50, R_P99 (wrk's latency).
run() {
	_rn=$1 _rs=$2
	shift 2
	curl -sf "$URL/metrics" >"$W/$_rn.m0" || die "GET /metrics failed"
	login_wrk "$_rn" "$@"
	curl -sf "$URL/metrics" >"$W/$_rn.m1" || die "GET /metrics failed"
	R_OK=$(calc "b - a" -v a="$(metric "$W/$_rn.m0" "$_rs")" \
	    -v b="$(metric "$W/$_rn.m1" "$_rs")")
	[ "$R_OK" -ge "$W_OK" ] || die "$_rn: kalitd counted $R_OK, wrk $W_OK"
	R_CPU=$M_CPU R_SEC=$M_SEC R_CLIENT=$M_CLIENT R_OTHER=$M_OTHER
	R_P50=$W_P50 R_P99=$W_P99
	R_RATE=$(calc "n / (u / 1e6)" -v n="$W_OK" -v u="$W_US")
}

# ---------------------------------------------------------------- login
say "login: signing $N_LOGIN bodies ($K citizens)"
login_sign "$N_LOGIN" "$W/logins" -c bench -u "$URL" -f "$W/keyspecs"
say "login: wrk -t$THREADS -c$CONNS -d${DURATION}s, challenge + login pipelined"
run login 'kalitd_logins_total{outcome="ok"}' "$W/logins"
L_OK=$R_OK L_CPU=$R_CPU L_SEC=$R_SEC L_RATE=$R_RATE L_P50=$R_P50
L_P99=$R_P99 L_CLIENT=$R_CLIENT L_OTHER=$R_OTHER

# ---------------------------------------------------------------- token
# Signed last, right before their run: each assertion's exp is 290 s
# after its iat, and kalitd takes none that has expired.
say "token: signing $N client assertions ($K systems, exp 290 s ahead)"
# shellcheck disable=SC2086
login_sign "$N" "$W/tokens" $TOKEN_OPT
T_GEN=$GEN_SEC
T_BYTES=$(head -n 1 "$W/tokens" | wc -c | tr -d ' ')
say "  $GEN_LINE"
say "token: wrk -t$THREADS -c$CONNS -d${DURATION}s, one token request at a time"
run token 'kalitd_requests_total{endpoint="token",code="200"}' \
    "$W/tokens" LOGIN_TOKEN=1
T_OK=$R_OK T_CPU=$R_CPU T_SEC=$R_SEC T_RATE=$R_RATE T_P50=$R_P50
T_P99=$R_P99 T_CLIENT=$R_CLIENT T_OTHER=$R_OTHER

# ---------------------------------------------------------------- mTLS
# The same kalitd (its database, keys and clients) restarted with HTTPS
# on its port and the mTLS port beside it, the systems' certificates in
# the TLS handshake instead of an assertion. wrk cannot present a client
# certificate: bench/mtls_load sends the requests (libcurl, a thread a
# client), every answer checked, every handshake looked at.
stop_kalitd
MPORT=$(free_port)
TURL=https://127.0.0.1:$KPORT
MURL=https://127.0.0.1:$MPORT
RCA=$CA/certs/root.crt
kalitd_conf "tls_key_file = $TLS_P12
tls_passphrase = file:$TLS_PASS
mtls_port = $MPORT" >"$SRV/kalitd.conf"
say "restarting kalitd with HTTPS on $TURL and mTLS on $MURL"
start_kalitd "$SRV/kalitd.conf" "$TURL" --cacert "$RCA"
# The form tls_client_auth needs: no assertion. Each may be sent again.
MFORM="grant_type=client_credentials&client_id=soliq&resource=$(printf %s \
    "$API" | sed 's/:/%3A/g; s#/#%2F#g')"
SPEC=$(head -n 1 "$W/systems")
# mpost [CURL-OPTION...]: MFORM to the mTLS port's token endpoint; the
# answer in $W/answer, its HTTP status printed (000: no answer).
mpost() {
	curl -s -o "$W/answer" -w '%{http_code}' --cacert "$RCA" "$@" \
	    -d "$MFORM" "$MURL/oidc/token" 2>>"$LOG" || echo 000
}
st=$(mpost --cert "${SPEC#*:}" --key "${SPEC%%:*}")
[ "$st" = 200 ] && grep -q '"access_token"' "$W/answer" ||
    die "mTLS: a token was refused: HTTP $st $(head -c 300 "$W/answer")"
# bound to the certificate (RFC 8705 cnf x5t#S256)
sed 's/.*"access_token": *"[^.]*\.\([^.]*\)\..*/\1/' "$W/answer" |
    tr '_-' '/+' | awk '{ while (length($0) % 4) $0 = $0 "="; print }' |
    "$OPENSSL" base64 -d -A 2>>"$LOG" | grep -q '"cnf":{"x5t#S256":' ||
    die "mTLS: the token is not bound to the certificate"
st=$(mpost)
[ "$st" = 400 ] && grep -q invalid_client "$W/answer" ||
    die "mTLS: a token without a certificate was not refused: HTTP $st"

# mtls_run NAME SAMPLE MTLS_LOAD-OPTION...: mtls_load for DURATION with
# the systems' keys, kalitd metered (and with PERF=1 recorded into
# $W/NAME.perf), /metrics before and after; sets what run sets (R_OK: the
# growth of SAMPLE) and R_HS (handshakes), R_TICKETS (session tickets
# kalitd sent), R_TLS (what they negotiated). Stops the benchmark, naming
# the codes, when an answer was refused, a transfer failed or a handshake
# was resumed.
mtls_run() {
	_mn=$W/$1 _ms=$2
	shift 2
	curl -sf --cacert "$RCA" "$TURL/metrics" >"$_mn.m0" ||
	    die "GET /metrics failed"
	meter_start "$KPID"
	perf_start "$KPID" "$_mn.perf"
	"$MTLS_LOAD" -f "$W/systems" -C "$RCA" -t "$DURATION" "$@" \
	    >"$_mn.out" 2>>"$LOG" || die "mtls_load failed; see $LOG"
	meter_stop "$KPID"
	perf_stop
	curl -sf --cacert "$RCA" "$TURL/metrics" >"$_mn.m1" ||
	    die "GET /metrics failed"
	cat "$_mn.out" >>"$LOG"
	RES=$(grep '^MTLS_RESULT ' "$_mn.out") ||
	    { cat "$_mn.out" >&2; die "no result from mtls_load"; }
	W_OK=$(rr ok "$RES")
	if [ "$(rr bad "$RES")" -ne 0 ] || [ "$(rr err "$RES")" -ne 0 ]; then
		grep -E '^MTLS_(ERROR|FIRST_BAD)' "$_mn.out" >&2 || true
		die "$1: $(rr bad "$RES") refused answers, $(rr err "$RES") failed transfers"
	fi
	[ "$(rr resumed "$RES")" -eq 0 ] ||
	    die "$1: $(rr resumed "$RES") TLS sessions were resumed"
	R_OK=$(calc "b - a" -v a="$(metric "$_mn.m0" "$_ms")" \
	    -v b="$(metric "$_mn.m1" "$_ms")")
	[ "$R_OK" -ge "$W_OK" ] || die "$1: kalitd counted $R_OK, mtls_load $W_OK"
	R_CPU=$M_CPU R_SEC=$M_SEC R_CLIENT=$M_CLIENT R_OTHER=$M_OTHER
	R_P50=$(rr lat_p50_us "$RES") R_P99=$(rr lat_p99_us "$RES")
	R_RATE=$(calc "n / (u / 1e6)" -v n="$W_OK" -v u="$(rr duration_us "$RES")")
	R_HS=$(rr handshakes "$RES") R_TICKETS=$(rr tickets "$RES")
	R_TLS=$(sed -n 's/^MTLS_TLS //p' "$_mn.out")
}
# fresh NAME: each of NAME's requests had a full handshake of its own
fresh() {
	[ "$R_HS" -eq "$(rr requests "$RES")" ] ||
	    die "$1: $R_HS handshakes for $(rr requests "$RES") requests"
}

TOKEN_200='kalitd_requests_total{endpoint="token",code="200"}'
say "mTLS (d): $MTLS_CLIENTS clients, ${DURATION}s, a new connection (full handshake) a token"
mtls_run mtls-new "$TOKEN_200" -n -j "$MTLS_CLIENTS" -u "$MURL/oidc/token" \
    -d "$MFORM"
fresh "(d)"
D_OK=$R_OK D_CPU=$R_CPU D_SEC=$R_SEC D_RATE=$R_RATE D_P50=$R_P50 D_P99=$R_P99
D_CLIENT=$R_CLIENT D_OTHER=$R_OTHER D_TLS=$R_TLS D_TICKETS=$R_TICKETS
say "mTLS (e): $CONNS kept-alive connections, ${DURATION}s"
mtls_run mtls-kept "$TOKEN_200" -j "$CONNS" -u "$MURL/oidc/token" \
    -d "$MFORM"
E_OK=$R_OK E_CPU=$R_CPU E_SEC=$R_SEC E_RATE=$R_RATE E_P50=$R_P50 E_P99=$R_P99
E_CLIENT=$R_CLIENT E_OTHER=$R_OTHER E_HS=$R_HS E_TLS=$R_TLS
say "mTLS floor (f): GET /healthz, $MTLS_CLIENTS clients, a new connection each"
mtls_run mtls-floor 'kalitd_requests_total{endpoint="healthz",code="200"}' \
    -n -j "$MTLS_CLIENTS" -u "$MURL/healthz" -e '"status":"ok"'
fresh "(f)"
F_OK=$R_OK F_CPU=$R_CPU F_SEC=$R_SEC F_RATE=$R_RATE F_P50=$R_P50 F_P99=$R_P99
F_CLIENT=$R_CLIENT F_OTHER=$R_OTHER F_TLS=$R_TLS

P_LOGIN=$W/login.perf P_TOKEN=$W/token.perf P_NEW=$W/mtls-new.perf
P_KEPT=$W/mtls-kept.perf P_FLOOR=$W/mtls-floor.perf
stop_kalitd

# ---------------------------------------------------------------- nginx
# The systems' certificates and kalitd's own server key file and chain:
# the handshake of (d), made by nginx and OpenSSL.
NGINX_CLIENTS=$W/systems NGINX_CLIENT_CAS="root system"
NGINX_CLIENT_CN=$SYSTEM NGINX_SERVER_P12=$TLS_P12 NGINX_SERVER_PASS=$TLS_PASS
[ "$NGINX" = no ] || nginx_tls

# ---------------------------------------------------------------- report
row() { printf '%-54s %9s %9s %9s %9s %9s\n' "$@"; }
num() { printf '%.0f' "$1"; }
msop() { printf '%.3f' "$(calc "c / n * 1000" -v c="$1" -v n="$2")"; }
percpu() { num "$(calc "n / c" -v c="$1" -v n="$2")"; }
# atmost VALUE GOAL: "met" or "NOT met"
atmost() { awk -v v="$1" -v g="$2" 'BEGIN { print (v <= g ? "met" : "NOT met") }'; }
# mrow TITLE OK CPU RATE P50 P99: a row of an mtls_load run
mrow() {
	row "$1" "$(num "$4")" "$(ms "$5")" "$(ms "$6")" "$(msop "$3" "$2")" \
	    "$(percpu "$3" "$2")"
}
T_PER=$(calc "n / c" -v c="$T_CPU" -v n="$T_OK")
L_PER=$(calc "n / c" -v c="$L_CPU" -v n="$L_OK")
E_PER=$(calc "n / c" -v c="$E_CPU" -v n="$E_OK")
D_OP=$(calc "c / n" -v c="$D_CPU" -v n="$D_OK")
F_OP=$(calc "c / n" -v c="$F_CPU" -v n="$F_OK")
RATIO=$(calc "t / l" -v t="$T_PER" -v l="$L_PER")
E_RATIO=$(calc "e / l" -v e="$E_PER" -v l="$L_PER")
echo
echo "kalitd: agencies' systems' tokens beside /v1/login and nginx client-certificate TLS"
echo "machine: $NPROC CPUs, $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null), Linux $(uname -r)"
echo "kalitd:  $("$KALITD" --version), $SERVER_THREADS threads; wrk -t$THREADS -c$CONNS -d${DURATION}s on the same machine"
echo "         TLS: GnuTLS $(pkg-config --modversion gnutls 2>/dev/null || echo '?') through libmicrohttpd $(pkg-config --modversion libmicrohttpd 2>/dev/null || echo '?') (as built); mtls_load: $MTLS_CLIENTS clients (d, f), $CONNS (e), libcurl $(curl-config --version 2>/dev/null | sed 's/^libcurl //' || echo '?') with OpenSSL"
[ "$NGINX" = no ] || echo "nginx:   $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $("$NGINX" -V 2>&1 | sed -n 's/^built with \(OpenSSL [^ ]*\).*/\1/p'), $NGINX_WORKERS workers; $STIME_PROCS x openssl s_time -new ${STIME_SECONDS}s"
echo "keys:    P-256 for both servers (kalitd's key file, served by nginx too) and the $K systems"
[ "$PERF" = 1 ] && echo "note:    PERF=1: kalitd ran under perf record; its figures include perf's overhead"
echo
row "what" "per s" "p50" "p99" "CPU ms/op" "ops/CPU-s"
row "(a) token: client_credentials, private_key_jwt" "$(num "$T_RATE")" \
    "$(ms "$T_P50")" "$(ms "$T_P99")" "$(msop "$T_CPU" "$T_OK")" \
    "$(percpu "$T_CPU" "$T_OK")"
row "(b) login: challenge + /v1/login, pipelined" "$(num "$L_RATE")" \
    "$(ms "$L_P50")" "$(ms "$L_P99")" "$(msop "$L_CPU" "$L_OK")" \
    "$(percpu "$L_CPU" "$L_OK")"
[ "$NGINX" = no ] ||
    row "(c) nginx: full TLS handshake, client cert (s_time)" \
    "$(num "$N_RATE")" "-" "-" "$(msop "$N_CPU" "$N_CONN")" \
    "$(percpu "$N_CPU" "$N_CONN")"
mrow "(d) token, mTLS, a new connection each" "$D_OK" "$D_CPU" "$D_RATE" \
    "$D_P50" "$D_P99"
mrow "(e) token, mTLS, kept-alive connections" "$E_OK" "$E_CPU" "$E_RATE" \
    "$E_P50" "$E_P99"
mrow "(f) floor: GET /healthz, mTLS, a new connection each" "$F_OK" \
    "$F_CPU" "$F_RATE" "$F_P50" "$F_P99"
echo
# tls MTLS_TLS: mtls_load's line, in words
tls() {
	printf '%s\n' "$1" | sed 's/version=//; s/ cipher=/ /; s/ group=/ /
	    s/ server_sig=/, kalitd signs /'
}
# cpu SERVER CPU CLIENT OTHER: the CPU seconds of a timed run
cpu() {
	printf '%s CPU %.2f s, client %.2f s, other processes %.2f s' "$1" \
	    "$2" "$3" "$4"
}
echo "(a) $T_OK tokens in $(printf '%.2f' "$T_SEC") s: $(cpu kalitd "$T_CPU" "$T_CLIENT" "$T_OTHER");"
echo "    $N assertions signed before it in $(printf '%.1f' "$T_GEN") s, a form of $T_BYTES bytes each"
echo "(b) $L_OK logins in $(printf '%.2f' "$L_SEC") s: $(cpu kalitd "$L_CPU" "$L_CLIENT" "$L_OTHER")"
[ "$NGINX" = no ] || echo "(c) $N_CONN handshakes in $(printf '%.2f' "$N_SEC") s: $(cpu nginx "$N_CPU" "$N_CLIENT" "$N_OTHER");"
[ "$NGINX" = no ] || echo "    all full and verified: $N_TLS"
echo "(d) $D_OK tokens in $(printf '%.2f' "$D_SEC") s: $(cpu kalitd "$D_CPU" "$D_CLIENT" "$D_OTHER");"
echo "    each a full handshake of its own: $(tls "$D_TLS"); $D_TICKETS session tickets from kalitd"
echo "(e) $E_OK tokens on $E_HS connections in $(printf '%.2f' "$E_SEC") s: $(cpu kalitd "$E_CPU" "$E_CLIENT" "$E_OTHER");"
echo "    $(tls "$E_TLS")"
echo "(f) $F_OK answers in $(printf '%.2f' "$F_SEC") s: $(cpu kalitd "$F_CPU" "$F_CLIENT" "$F_OTHER");"
echo "    each a full handshake of its own: $(tls "$F_TLS")"
echo "p50 and p99: wrk's (a, b) and mtls_load's (d, e, f), of a request (with its own handshake in d and f)."
echo "ops/CPU-s: what kalitd's /metrics counted (200 tokens, logins ok, 200 /healthz) over its CPU seconds."
if noisy "$T_OTHER" "$T_SEC" || noisy "$L_OTHER" "$L_SEC" ||
    noisy "$D_OTHER" "$D_SEC" || noisy "$E_OTHER" "$E_SEC" ||
    noisy "$F_OTHER" "$F_SEC" ||
    { [ "$NGINX" != no ] && noisy "$N_OTHER" "$N_SEC"; }; then
	echo "warning: other processes used more than 10% of the machine during a timed run;"
	echo "         CPU per op is less disturbed than the rates. Re-run on a quiet machine."
fi
echo
# gl FIGURE VALUE TEXT: a line of the goals and the floor
gl() { printf '  %-10s %6.2f  %s\n' "$1" "$2" "$3"; }
echo "goals (issue 15)"
gl "(a) / (b)" "$RATIO" "tokens / logins per CPU-second (goal >= 1.0: $(goal "$RATIO" 1))"
if [ "$NGINX" = no ]; then
	echo "  (d) / (c)       -  kalitd CPU per new-connection token / nginx CPU per handshake (goal <= 1.2: no row (c), NGINX=no)"
else
	gl "(a) / (c)" "$(calc "t / n" -v t="$T_PER" -v n="$N_PER_CPU")" \
	    "tokens / handshakes per CPU-second"
	D_RATIO=$(calc "d / n" -v d="$D_OP" -v n="$N_CPU_OP")
	gl "(d) / (c)" "$D_RATIO" "kalitd CPU per new-connection token / nginx CPU per handshake (goal <= 1.2: $(atmost "$D_RATIO" 1.2))"
fi
gl "(e) / (b)" "$E_RATIO" "tokens per CPU-second on kept-alive mTLS / logins per CPU-second (goal >= 1.0: $(goal "$E_RATIO" 1))"
echo
echo "the floor (f): kalitd's mTLS handshake alone, libmicrohttpd + GnuTLS, no token"
[ "$NGINX" = no ] ||
    gl "(f) / (c)" "$(calc "f / n" -v f="$F_OP" -v n="$N_CPU_OP")" \
    "kalitd CPU per bare mTLS handshake / nginx CPU per handshake"
gl "(d) / (f)" "$(calc "d / f" -v d="$D_OP" -v f="$F_OP")" \
    "kalitd CPU per new-connection token / per bare mTLS handshake"
gl "(d) - (f)" "$(calc "(d - f) * 1000" -v d="$D_OP" -v f="$F_OP")" \
    "ms of kalitd CPU a token adds to its handshake ((e): $(msop "$E_CPU" "$E_OK") ms a token kept alive)"
perf_print "$P_TOKEN" "kalitd during (a), tokens"
perf_print "$P_LOGIN" "kalitd during (b), logins"
perf_print "$P_NEW" "kalitd during (d), tokens on new mTLS connections"
perf_print "$P_KEPT" "kalitd during (e), tokens on kept-alive mTLS connections"
perf_print "$P_FLOOR" "kalitd during (f), /healthz on new mTLS connections"
