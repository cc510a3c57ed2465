#!/bin/sh
# oidc.sh: the server side of a browser login through kalitd's OpenID
# Provider, beside POST /v1/login on the same kalitd and nginx's TLS
# handshakes with client certificates (bench/login.sh's), in one run:
#   full   a browser with no session: GET /oidc/authorize, POST
#          /oidc/challenge, POST /oidc/login (a Web eID token: the
#          certificate's whole check), then the portal's POST /oidc/token
#          and GET /oidc/userinfo;
#   sso    a browser with a session at another portal: GET /oidc/authorize
#          (a code at once, no signature), POST /oidc/token, GET
#          /oidc/userinfo.
# What counts is kalitd's CPU per login (/proc ticks of its process). The
# browser's part of a full login (authorize and challenge, then its
# signature) is made by bench/oidc_gen.mjs before the timed run, with
# kalitd's CPU counted there too; POST /oidc/login, the token and userinfo
# run under wrk (bench/oidc.lua), each login a chain on one connection.
# Goals (issue 14): full at most 1.5x /v1/login's CPU, sso at most 0.3x.
# See bench/README.md.
#
# Environment (all optional):
#   KALITD, KALIT_CA      binaries (default: the source tree's)
#   LOGIN_BODIES, LOGIN_STEPS  bench/login_bodies and bench/login_steps
#                         (default: built from the tree)
#   NODE                  node (default: from PATH)
#   DURATION              seconds of each wrk run (default 10)
#   OIDC_CONNS            wrk threads = connections for the chained flows
#                         (default 16)
#   CONNS, THREADS        wrk for /v1/login (default 32, 2, as login.sh)
#   N                     full logins prepared (default 6000 x DURATION)
#   SESSIONS              browser sessions the sso run uses (default 64)
#   K                     citizen keys (default 10)
#   NGINX                 nginx, or "no": skip login.sh's nginx run
#   BENCH_TMP, KEEP=1     as in login.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BENCH=oidc.sh
. "$top/bench/lib.sh"
NODE=${NODE:-node}
DURATION=${DURATION:-10}
OIDC_CONNS=${OIDC_CONNS:-16}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
N=${N:-$((6000 * DURATION))}
SESSIONS=${SESSIONS:-64}
K=${K:-10}
NGINX=${NGINX:-nginx}

numbers DURATION OIDC_CONNS CONNS THREADS N SESSIONS K
need_tools
command -v "$NODE" >/dev/null 2>&1 || die "$NODE not found (apt-get install nodejs)"
workdir kalit-oidc
login_helpers

# ---------------------------------------------------------------- PKI
citizen_pki "kalit OIDC Bench Root CA" "$K" 3000

# ---------------------------------------------------------------- kalitd
KPORT=$(free_port)
URL=http://127.0.0.1:$KPORT
SRV=$W/kalitd
REDIRECT=http://127.0.0.1:9/cb
mkdir -p "$SRV"
"$OPENSSL" rand -hex 16 >"$SRV/token.pass"
login_conf "$KPORT" "$NPROC" >"$SRV/kalitd.conf"
cat >>"$SRV/kalitd.conf" <<CONF

[oidc]
www_dir = $top/www
login_lifetime = 3600
CONF
"$KALITD" -c "$SRV/kalitd.conf" keygen >>"$LOG" 2>&1 &&
    "$KALITD" -c "$SRV/kalitd.conf" client add bench --acr citizen \
    --redirect-uri "$REDIRECT" --json >"$SRV/client.json" 2>>"$LOG" ||
    die "kalitd keygen or client add failed; see $LOG"
SECRET=$(sed -n 's/.*"client_secret": *"\([^"]*\)".*/\1/p' "$SRV/client.json")
[ -n "$SECRET" ] || die "no client secret in $SRV/client.json"
say "starting kalitd on $URL ($NPROC threads)"
start_kalitd "$SRV/kalitd.conf" "$URL"

# PKCE: one verifier for every login (the server's work is the same)
VERIFIER=$("$OPENSSL" rand -hex 32)
CC=$(printf %s "$VERIFIER" | "$OPENSSL" dgst -sha256 -binary |
    "$OPENSSL" base64 -A | tr '+/' '-_' | tr -d '=')
AUTHZ_PATH="/oidc/authorize?client_id=bench&redirect_uri=$(python3 -c \
    'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], ""))' \
    "$REDIRECT")&response_type=code&scope=openid%20profile%20pinfl&state=s&nonce=n&code_challenge=$CC&code_challenge_method=S256"

# cpu_of CMD...: runs CMD; CPU_S is kalitd's CPU meanwhile, in seconds.
cpu_of() {
	_c0=$(ticks "$KPID")
	"$@"
	_c1=$(ticks "$KPID")
	CPU_S=$(calc "(b - a) / t" -v a="$_c0" -v b="$_c1" -v t="$TCK")
}
# pct FILE... P: the Pth percentile of the numbers in the files.
pct() {
	_p=$1
	shift
	cat "$@" | sort -n | awk -v p="$_p" '{ v[NR] = $1 }
	    END { i = int(NR * p / 100 + 0.5); if (i < 1) i = 1; print v[i] + 0 }'
}

BASIC=$(printf 'bench:%s' "$SECRET" | "$OPENSSL" base64 -A)
ENC_REDIRECT=$(python3 -c 'import sys, urllib.parse
print(urllib.parse.quote(sys.argv[1], ""))' "$REDIRECT")
# chain FLOW BODIES: wrk with oidc.lua; F_* its figures.
chain() {
	rm -f "$W/lat.$1".*
	cpu_of env OIDC_FLOW="$1" OIDC_BODIES="$2" OIDC_THREADS="$OIDC_CONNS" \
	    OIDC_ORIGIN="$URL" OIDC_AUTHORIZE="$AUTHZ_PATH" \
	    OIDC_REDIRECT="$ENC_REDIRECT" OIDC_VERIFIER="$VERIFIER" \
	    OIDC_BASIC="$BASIC" OIDC_LAT="$W/lat.$1" \
	    "$WRK" -t"$OIDC_CONNS" -c"$OIDC_CONNS" -d"${DURATION}s" \
	    -s "$top/bench/oidc.lua" "$URL" >"$W/$1.wrk" 2>&1
	F_CPU=$CPU_S
	eval "$(sed -n 's/^OIDC_RESULT //p' "$W/$1.wrk" | tr ' ' '\n' |
	    sed -n 's/^\(logins\|bad\|exhausted\|seconds\)=\([0-9.]*\)$/F_\1=\2/p')"
	[ "${F_bad:-1}" = 0 ] && [ "${F_exhausted:-1}" = 0 ] &&
	    [ "${F_logins:-0}" -gt 0 ] ||
	    die "the $1 run failed (raise N if exhausted=1); see $W/$1.wrk"
	F_RATE=$(calc "n / s" -v n="$F_logins" -v s="$F_seconds")
	F_OP=$(calc "c / n" -v c="$F_CPU" -v n="$F_logins")
	F_P50=$(pct 50 "$W/lat.$1".*)
	F_P99=$(pct 99 "$W/lat.$1".*)
}

# ---------------------------------------------------------------- /v1/login
NV=$((10000 * DURATION))
NC=$((15000 * DURATION))
say "/v1/login: signing $((NV + NC)) bodies"
"$LOGIN_BODIES" -n $((NV + NC)) -j $((4 * NPROC)) -c bench -u "$URL" \
    -o "$W/all.bodies" -f "$W/keyspecs" 2>>"$LOG" ||
    die "login_bodies failed; see $LOG"
head -n "$NV" "$W/all.bodies" >"$W/v1.bodies"
tail -n "+$((NV + 1))" "$W/all.bodies" >"$W/v1c.bodies"
rm -f "$W/all.bodies"
say "/v1/login: wrk -t$THREADS -c$CONNS -d${DURATION}s"
cpu_of env LOGIN_BODIES="$W/v1.bodies" LOGIN_THREADS="$THREADS" \
    "$WRK" -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
    -s "$top/bench/login.lua" "$URL" >"$W/v1.wrk" 2>&1
V_CPU=$CPU_S
eval "$(sed -n 's/^LOGIN_RESULT //p' "$W/v1.wrk" | tr ' ' '\n' |
    sed -n 's/^\(logins_ok\|bad\|exhausted\|lat_p50_us\|lat_p99_us\|duration_us\)=\([0-9]*\)$/V_\1=\2/p')"
[ "${V_bad:-1}" = 0 ] && [ "${V_exhausted:-1}" = 0 ] &&
    [ "${V_logins_ok:-0}" -gt 0 ] || die "/v1/login run failed; see $W/v1.wrk"
V_RATE=$(calc "n / (u / 1e6)" -v n="$V_logins_ok" -v u="$V_duration_us")
V_OP=$(calc "c / n" -v c="$V_CPU" -v n="$V_logins_ok")
say "/v1/login: wrk -t$OIDC_CONNS -c$OIDC_CONNS -d${DURATION}s: challenge, login, one at a time"
chain v1 "$W/v1c.bodies"
C_OP=$F_OP C_RATE=$F_RATE C_P50=$F_P50 C_P99=$F_P99 C_N=$F_logins

# ---------------------------------------------------------------- full logins
say "full logins: $N browsers at the authorization endpoint and the challenge"
cpu_of "$NODE" "$top/bench/oidc_gen.mjs" bodies "$URL" bench "$REDIRECT" \
    "$CC" "$N" "$W/keyspecs" "$W/oidc.bodies" 32 2>>"$LOG" ||
    die "oidc_gen failed; see $LOG"
A_OP=$(calc "c / n" -v c="$CPU_S" -v n="$N")
say "full logins: wrk -t$OIDC_CONNS -c$OIDC_CONNS -d${DURATION}s: login, token, userinfo"
chain login "$W/oidc.bodies"
B_OP=$F_OP B_RATE=$F_RATE B_P50=$F_P50 B_P99=$F_P99 B_N=$F_logins
FULL_OP=$(calc "a + b" -v a="$A_OP" -v b="$B_OP")

# ---------------------------------------------------------------- SSO
say "sso: $SESSIONS browsers log in once (their sessions)"
"$NODE" "$top/bench/oidc_gen.mjs" sessions "$URL" bench "$REDIRECT" \
    "$CC" "$SESSIONS" "$W/keyspecs" "$W/sessions" 8 2>>"$LOG" ||
    die "oidc_gen sessions failed; see $LOG"
say "sso: wrk -t$OIDC_CONNS -c$OIDC_CONNS -d${DURATION}s: authorize, token, userinfo"
chain sso "$W/sessions"
S_OP=$F_OP S_RATE=$F_RATE S_P50=$F_P50 S_P99=$F_P99 S_N=$F_logins

# ---------------------------------------------------------------- floor
say "floor: wrk -t$OIDC_CONNS -c$OIDC_CONNS -d${DURATION}s: three GET /healthz a login"
chain floor "$W/sessions"
H_OP=$F_OP H_RATE=$F_RATE H_P50=$F_P50 H_P99=$F_P99
stop_servers
say "login_steps: the signatures alone, one thread"
mkdir -p "$W/steps"
"$LOGIN_STEPS" -n 2000 -b 1 -d "$W/steps" -k "$(head -n 1 "$W/keyspecs")" \
    "$W/v1.bodies" >"$W/steps.out" 2>>"$LOG" ||
    die "login_steps failed; see $LOG"
STEPS=$(grep '^STEPS ' "$W/steps.out") || die "no result from login_steps"
SIGN_US=$(calc "s + j" -v s="$(rr ecdsa_sign "$STEPS")" \
    -v j="$(rr jws_sign "$STEPS")")
VERIFY_US=$(rr ecdsa_verify "$STEPS")

# ---------------------------------------------------------------- nginx
if [ "$NGINX" != no ]; then
	say "nginx client-certificate TLS (bench/login.sh, same build)"
	NGINX=$NGINX DURATION=$DURATION SPEED_SECONDS=1 KALITD="$KALITD" \
	    KALIT_CA="$KALIT_CA" LOGIN_BODIES="$LOGIN_BODIES" \
	    LOGIN_STEPS="$LOGIN_STEPS" \
	    sh "$top/bench/login.sh" >"$W/login.out" 2>>"$LOG" ||
	    die "bench/login.sh failed; see $LOG"
	NGX=$(sed -n 's/^nginx full TLS handshake, client cert (s_time) *//p' \
	    "$W/login.out")
	N_RATE=$(echo "$NGX" | awk '{ print $1 }')
	N_MS=$(echo "$NGX" | awk '{ print $4 }')
fi

# ---------------------------------------------------------------- report
row() { printf '%-56s %7s %9s %9s %8s %6s %6s\n' "$@"; }
num() { printf '%.0f' "$1"; }
msop() { printf '%.3f' "$(calc "c * 1000" -v c="$1")"; }
# x CPU: CPU's ratios to /v1/login's, one request at a time and pipelined.
x() {
	printf '%.2f %.2f' "$(calc "c / v" -v c="$1" -v v="$C_OP")" \
	    "$(calc "c / v" -v c="$1" -v v="$V_OP")"
}
# The floors: the requests alone (healthz's CPU a request) and the
# signatures alone (login_steps: ECDSA and cjose, one thread).
SF_OP=$(calc "h + 2 * s / 1e6" -v h="$H_OP" -v s="$SIGN_US")
FF_OP=$(calc "h * 5 / 3 + (2 * s + v) / 1e6" -v h="$H_OP" -v s="$SIGN_US" \
    -v v="$VERIFY_US")
echo
echo "kalitd's OpenID Provider: the server side of a browser login"
echo "machine: $NPROC CPUs, $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)"
echo "kalitd:  $("$KALITD" --version), $NPROC threads; wrk on the same machine"
echo
row "login (kalitd's CPU per login)" "per s" "p50" "p99" "CPU ms" "x v1" "x pipe"
# shellcheck disable=SC2046
row "POST /v1/login: challenge, login (wrk -t$OIDC_CONNS -c$OIDC_CONNS)" \
    "$(num "$C_RATE")" "$(ms "$C_P50")" "$(ms "$C_P99")" "$(msop "$C_OP")" \
    $(x "$C_OP")
# shellcheck disable=SC2046
row "POST /v1/login pipelined as login.sh (wrk -t$THREADS -c$CONNS)" \
    "$(num "$V_RATE")" "$(ms "$V_lat_p50_us")" "$(ms "$V_lat_p99_us")" \
    "$(msop "$V_OP")" $(x "$V_OP")
row "full: authorize + challenge (oidc_gen, 32 at a time)" "-" "-" "-" \
    "$(msop "$A_OP")" "-" "-"
row "full: login + token + userinfo (wrk -t$OIDC_CONNS -c$OIDC_CONNS)" \
    "$(num "$B_RATE")" "$(ms "$B_P50")" "$(ms "$B_P99")" "$(msop "$B_OP")" \
    "-" "-"
# shellcheck disable=SC2046
row "full browser login, all five requests" "-" "-" "-" "$(msop "$FULL_OP")" \
    $(x "$FULL_OP")
# shellcheck disable=SC2046
row "sso: authorize + token + userinfo (wrk -t$OIDC_CONNS -c$OIDC_CONNS)" \
    "$(num "$S_RATE")" "$(ms "$S_P50")" "$(ms "$S_P99")" "$(msop "$S_OP")" \
    $(x "$S_OP")
# shellcheck disable=SC2046
[ "$NGINX" = no ] ||
    row "nginx full TLS handshake, client cert (login.sh)" "$N_RATE" "-" \
    "-" "$N_MS" $(x "$(calc "n / 1000" -v n="$N_MS")")
# shellcheck disable=SC2046
row "floor: three GET /healthz, chained as sso" \
    "$(num "$H_RATE")" "$(ms "$H_P50")" "$(ms "$H_P99")" "$(msop "$H_OP")" \
    $(x "$H_OP")
# shellcheck disable=SC2046
row "floor of sso: 3 requests + 2 token signatures" "-" "-" "-" \
    "$(msop "$SF_OP")" $(x "$SF_OP")
# shellcheck disable=SC2046
row "floor of full: 5 requests + 2 signatures + 1 verification" "-" "-" \
    "-" "$(msop "$FF_OP")" $(x "$FF_OP")
echo
echo "$C_N + $V_logins_ok /v1/logins, $B_N full logins (of $N prepared), $S_N SSO logins over $SESSIONS sessions."
echo "x v1: to /v1/login's CPU with each request sent when the answer before it is in, as"
echo "browsers and portals send theirs; x pipe: to login.sh's figure, challenge and login pipelined."
echo "p50 and p99 are of whole logins (the full one's from POST /oidc/login on)."
echo "ES256 alone (login_steps): a token signature $(printf '%.1f' "$SIGN_US") us (ECDSA + cjose), a verification $(printf '%.1f' "$VERIFY_US") us."
echo
# goal NAME CPU FLOOR LIMIT: the line for one goal.
goal() {
	printf '  %-20s %5.2f  (goal <= %s: %s; floor %.2f)\n' "$1" \
	    "$(calc "c / v" -v c="$2" -v v="$C_OP")" "$4" \
	    "$(awk -v c="$2" -v f="$3" -v v="$C_OP" -v g="$4" 'BEGIN {
		if (c <= g * v) print "met"
		else if (f > g * v) print "out of reach here: the floor is above it"
		else print "NOT met" }')" \
	    "$(calc "f / v" -v f="$3" -v v="$C_OP")"
}
echo "goals (CPU per login / /v1/login's, one request at a time)"
goal "full browser login" "$FULL_OP" "$FF_OP" 1.5
goal "SSO login" "$S_OP" "$SF_OP" 0.3
