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
#   nginx  full TLS handshakes with client certificates (login.sh's).
# What counts is kalitd's CPU (/proc ticks of its process) per token and
# per login. Goal (issue 15, acceptance 3): tokens per CPU-second at least
# the login's. The mTLS goals wait for kalitd's mTLS: see "mTLS" below.
# See bench/README.md.
#
# Environment (all optional):
#   KALITD, KALIT_CA      binaries (default: the source tree's)
#   LOGIN_BODIES, LOGIN_STEPS  bench/login_bodies and bench/login_steps
#                         (default: built from the tree)
#   DURATION              seconds of each wrk run (default 10)
#   CONNS, THREADS        wrk connections and threads (default 32, 2)
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
#   PERF                  1: perf records kalitd during both wrk runs and
#                         the top functions are printed (default 0)
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
PERF=${PERF:-0}
# The system: its organisation, its name (its certificate's CN, also
# registered) and the API it asks tokens for.
TIN=200000001
ORG="Davlat soliq qo'mitasi"
SYSTEM="Soliq gateway"
API=https://api.cadastre.uz

numbers DURATION CONNS THREADS SERVER_THREADS K N N_LOGIN GEN_JOBS \
    NGINX_WORKERS STIME_PROCS STIME_SECONDS
[ "$CONNS" -ge "$THREADS" ] || die "CONNS must be at least THREADS"
[ "$N" -le 99000 ] ||
    die "N=$N: kalitd remembers 100 000 assertion ids; lower DURATION"
need_tools
workdir kalit-machine
login_helpers

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

# ---------------------------------------------------------------- kalitd
KPORT=$(free_port)
URL=http://127.0.0.1:$KPORT
SRV=$W/kalitd
mkdir -p "$SRV"
"$OPENSSL" rand -hex 16 >"$SRV/token.pass"
login_conf "$KPORT" "$SERVER_THREADS" >"$SRV/kalitd.conf"
cat >>"$SRV/kalitd.conf" <<CONF

[oidc]
www_dir = $top/www
CONF
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
# To come: client_credentials with the system's certificate in the TLS
# handshake (RFC 8705) on kalitd's HTTPS listener. Its two rows go here,
# on this kalitd restarted with [server] tls_key_file and the same
# systems' keys, each measured as above (run):
#   mtls-new   a new connection (a full handshake, the client's
#              certificate verified) for each token: goal, kalitd's CPU
#              per token at most 1.2x nginx's per handshake (N_CPU_OP);
#   mtls-kept  tokens on kept-alive connections: goal, at least the
#              login's rate per CPU-second.
# wrk cannot present a client certificate: the load comes from
# login_bodies' loop instead (challenge_conn(): a keep-alive curl handle a
# thread, POSTing one form after another), given CURLOPT_SSLCERT and
# CURLOPT_SSLKEY and, for mtls-new, CURLOPT_FORBID_REUSE; the forms need
# no assertion and can be sent again.

P_LOGIN=$W/login.perf P_TOKEN=$W/token.perf
stop_kalitd

# ---------------------------------------------------------------- nginx
[ "$NGINX" = no ] || nginx_tls

# ---------------------------------------------------------------- report
row() { printf '%-54s %9s %9s %9s %9s %9s\n' "$@"; }
num() { printf '%.0f' "$1"; }
msop() { printf '%.3f' "$(calc "c / n * 1000" -v c="$1" -v n="$2")"; }
percpu() { num "$(calc "n / c" -v c="$1" -v n="$2")"; }
T_PER=$(calc "n / c" -v c="$T_CPU" -v n="$T_OK")
L_PER=$(calc "n / c" -v c="$L_CPU" -v n="$L_OK")
RATIO=$(calc "t / l" -v t="$T_PER" -v l="$L_PER")
echo
echo "kalitd: agencies' systems' tokens beside /v1/login and nginx client-certificate TLS"
echo "machine: $NPROC CPUs, $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null), Linux $(uname -r)"
echo "kalitd:  $("$KALITD" --version), $SERVER_THREADS threads; wrk -t$THREADS -c$CONNS -d${DURATION}s on the same machine"
[ "$NGINX" = no ] || echo "nginx:   $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $NGINX_WORKERS workers; $STIME_PROCS x openssl s_time -new ${STIME_SECONDS}s"
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
row "(d) token, mTLS, a new connection each" "-" "-" "-" "not built" "-"
row "(e) token, mTLS, kept-alive connections" "-" "-" "-" "not built" "-"
echo
# cpu SERVER CPU CLIENT OTHER: the CPU seconds of a timed run
cpu() {
	printf '%s CPU %.2f s, client %.2f s, other processes %.2f s' "$1" \
	    "$2" "$3" "$4"
}
echo "(a) $T_OK tokens in $(printf '%.2f' "$T_SEC") s: $(cpu kalitd "$T_CPU" "$T_CLIENT" "$T_OTHER");"
echo "    $N assertions signed before it in $(printf '%.1f' "$T_GEN") s, a form of $T_BYTES bytes each"
echo "(b) $L_OK logins in $(printf '%.2f' "$L_SEC") s: $(cpu kalitd "$L_CPU" "$L_CLIENT" "$L_OTHER")"
[ "$NGINX" = no ] || echo "(c) $N_CONN handshakes in $(printf '%.2f' "$N_SEC") s: $(cpu nginx "$N_CPU" "$N_CLIENT" "$N_OTHER");"
[ "$NGINX" = no ] || echo "    all full and verified ($N_PROTO)"
echo "p50 and p99: wrk's, of a token request and of a login (challenge + login)."
echo "ops/CPU-s: what kalitd's /metrics counted (200 tokens, logins ok) over its CPU seconds."
if noisy "$T_OTHER" "$T_SEC" || noisy "$L_OTHER" "$L_SEC" ||
    { [ "$NGINX" != no ] && noisy "$N_OTHER" "$N_SEC"; }; then
	echo "warning: other processes used more than 10% of the machine during a timed run;"
	echo "         CPU per op is less disturbed than the rates. Re-run on a quiet machine."
fi
echo
echo "goals (issue 15)"
printf '  (a) / (b), tokens / logins per CPU-second:      %6.2f  (goal >= 1.0: %s)\n' \
    "$RATIO" "$(goal "$RATIO" 1)"
[ "$NGINX" = no ] ||
    printf '  (a) / (c), tokens / handshakes per CPU-second:  %6.2f\n' \
    "$(calc "t / n" -v t="$T_PER" -v n="$N_PER_CPU")"
echo "  (d) / (c), CPU per token / per handshake:         -  (goal <= 1.2: mTLS not built)"
echo "  (e) / (b), tokens / logins per CPU-second:        -  (goal >= 1.0: mTLS not built)"
perf_print "$P_TOKEN" "kalitd during (a), tokens"
perf_print "$P_LOGIN" "kalitd during (b), logins"
