#!/bin/sh
# login.sh: kalitd logins per second and per server CPU-second, beside the
# ECDSA P-256 ceiling of `openssl speed` and nginx doing full TLS
# handshakes with client certificates (the same citizen certificates),
# and the floor: what a login costs at the least with this stack, each
# library step alone (bench/login_steps) and HTTP alone (nginx sending
# kalitd's own answers to the same requests).
# See bench/README.md for what is measured and how to read the results.
#
# Environment (all optional):
#   KALITD, KALIT_CA   binaries (default: the ones in the source tree)
#   KALIT_PROFILE_DIR  profiles for kalit-ca init (default: ca/profiles)
#   LOGIN_BODIES       bench/login_bodies binary (default: built from
#                      bench/login_bodies.c in the tree when missing)
#   LOGIN_STEPS        bench/login_steps binary, the floor's library steps
#                      (default: built the same way)
#   DURATION           seconds of the wrk run (default 15)
#   CONNS              wrk connections (default 32)
#   THREADS            wrk threads (default 2)
#   SERVER_THREADS     kalitd [server] threads (default: nproc)
#   K                  citizen certificates / key files (default 50)
#   N                  pre-signed login bodies (default 10000 x DURATION)
#   CHAIN              0: the signer's certificate only, as kalit login and
#                      openssl cms -sign send it (default); 1: the issuing CA
#                      and root too, as some clients send a key file's chain
#   GEN_JOBS           login_bodies threads (default 4 x nproc)
#   SPEED_SECONDS      seconds per test of openssl speed (default 3)
#   NGINX              nginx binary, or "no" to skip nginx and the floor's
#                      HTTP part (default nginx)
#   NGINX_WORKERS      nginx worker_processes (default: nproc)
#   NGINX_CRL          1: nginx also checks the CRLs (ssl_crl) (default 0)
#   NGINX_HTTP_PORT    port of the floor's plain-HTTP nginx (default: free)
#   STIME_PROCS        parallel `openssl s_time` clients (default: nproc)
#   STIME_SECONDS      seconds of each s_time run (default 10)
#   PERF               1: record kalitd with perf during the wrk run and
#                      print the top functions (figures then include perf's
#                      overhead) (default 0)
#   OPENSSL, WRK       binaries (default: from PATH)
#   BENCH_TMP          where the work directory is made (default $TMPDIR or /tmp)
#   KEEP=1             keep the work directory (default: removed at exit)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BENCH=login.sh
. "$top/bench/lib.sh"
DURATION=${DURATION:-15}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
SERVER_THREADS=${SERVER_THREADS:-$NPROC}
K=${K:-50}
N=${N:-$((DURATION * 10000))}
CHAIN=${CHAIN:-0}
GEN_JOBS=${GEN_JOBS:-$((4 * NPROC))}
SPEED_SECONDS=${SPEED_SECONDS:-3}
NGINX=${NGINX:-nginx}
NGINX_WORKERS=${NGINX_WORKERS:-$NPROC}
NGINX_CRL=${NGINX_CRL:-0}
STIME_PROCS=${STIME_PROCS:-$NPROC}
STIME_SECONDS=${STIME_SECONDS:-10}
PERF=${PERF:-0}

numbers DURATION CONNS THREADS SERVER_THREADS K N GEN_JOBS SPEED_SECONDS \
    NGINX_WORKERS STIME_PROCS STIME_SECONDS
[ "$CONNS" -ge "$THREADS" ] || die "CONNS must be at least THREADS"
need_tools

workdir kalit-login
login_helpers

# ---------------------------------------------------------------- PKI
say "work directory $W"
citizen_pki "kalit Bench Root CA" "$K" 1000 official
# What a kalit-ca key file carries beside the citizen's certificate.
cat "$CA/certs/citizen.crt" "$CA/certs/root.crt" > "$W/chain.pem"
"$OPENSSL" verify -CAfile "$CA/certs/root.crt" -untrusted \
    "$CA/certs/citizen.crt" "$W/c0.pem" >>"$LOG" 2>&1 ||
    die "the citizen certificate does not verify; see $LOG"

# ---------------------------------------------------------------- kalitd
KPORT=${KALITD_PORT:-$(free_port)}
SRV=$W/kalitd
mkdir -p "$SRV"
"$OPENSSL" rand -hex 16 > "$SRV/token.pass"
login_conf "$KPORT" "$SERVER_THREADS" >"$SRV/kalitd.conf"
"$KALITD" -c "$SRV/kalitd.conf" keygen >>"$LOG" 2>&1 ||
    die "kalitd keygen failed; see $LOG"
"$KALITD" -c "$SRV/kalitd.conf" client add bench --acr citizen --json \
    >>"$LOG" 2>&1 || die "kalitd client add failed; see $LOG"
URL=http://127.0.0.1:$KPORT
say "starting kalitd on $URL ($SERVER_THREADS threads)"
start_kalitd "$SRV/kalitd.conf" "$URL"

CHAINOPT=
[ "$CHAIN" = 1 ] && CHAINOPT="-a $W/chain.pem"
# Sanity: one body logs in, and the same body again is refused.
# shellcheck disable=SC2086
login_check -c bench -u "$URL" $CHAINOPT -f "$W/keyspecs"

BODIES=$W/bodies
say "signing $N login bodies ($K keys, chain $CHAIN, $GEN_JOBS threads)"
# shellcheck disable=SC2086
login_sign "$N" "$BODIES" -c bench -u "$URL" $CHAINOPT -f "$W/keyspecs"
BODY_BYTES=$(head -n 1 "$BODIES" | wc -c | tr -d ' ')
say "  $GEN_LINE"

# ---------------------------------------------------------------- wrk
say "wrk: -t$THREADS -c$CONNS -d${DURATION}s against kalitd"
curl -sf "$URL/metrics" > "$W/metrics0" || die "GET /metrics failed"
login_wrk wrk "$BODIES"
curl -sf "$URL/metrics" > "$W/metrics1" || die "GET /metrics failed"
K_CPU=$M_CPU K_SEC=$M_SEC K_WALL=$M_BUSY K_CLIENT=$M_CLIENT K_OTHER=$M_OTHER

m0=$W/metrics0
m1=$W/metrics1
d() { calc "b - a" -v a="$(metric "$m0" "$1")" -v b="$(metric "$m1" "$1")"; }
S_OK=$(d 'kalitd_logins_total{outcome="ok"}')
S_CH=$(d 'kalitd_requests_total{endpoint="challenge",code="200"}')
S_LSUM=$(d kalitd_login_duration_seconds_sum)
S_LCNT=$(d kalitd_login_duration_seconds_count)
S_BSUM=$(d kalitd_audit_batch_size_sum)
S_BCNT=$(d kalitd_audit_batch_size_count)
[ "$S_OK" = "$S_LCNT" ] ||
    die "kalitd counted $S_LCNT login attempts but only $S_OK succeeded"
K_RATE=$(calc "ok / (us / 1e6)" -v ok="$W_OK" -v us="$W_US")
K_REQ_RATE=$(calc "q / 2 / (us / 1e6)" -v q="$W_REQ" -v us="$W_US")
K_CPU_OP=$(calc "c / n" -v c="$K_CPU" -v n="$S_OK")
K_PER_CPU=$(calc "n / c" -v c="$K_CPU" -v n="$S_OK")
K_CORES=$(calc "c / (us / 1e6)" -v c="$K_CPU" -v us="$W_US")
K_SRV_MS=$(calc "s / n * 1000" -v s="$S_LSUM" -v n="$S_LCNT")
K_BATCH=$(calc "s / n" -v s="$S_BSUM" -v n="$S_BCNT")
stop_kalitd

# ---------------------------------------------------------------- openssl speed
say "openssl speed -seconds $SPEED_SECONDS ecdsap256 (one core)"
"$OPENSSL" speed -seconds "$SPEED_SECONDS" ecdsap256 > "$W/speed.out" 2>>"$LOG" ||
    die "openssl speed failed"
SIGN_S=$(awk '/nistp256/ { print $(NF - 1) }' "$W/speed.out")
VERIFY_S=$(awk '/nistp256/ { print $NF }' "$W/speed.out")
[ -n "$SIGN_S" ] && [ -n "$VERIFY_S" ] || die "cannot read openssl speed's output"
CEIL=$(calc "1 / (1 / s + 1 / v)" -v s="$SIGN_S" -v v="$VERIFY_S")
CEIL_CPU_OP=$(calc "1 / c" -v c="$CEIL")
RATIO_CEIL=$(calc "k / c" -v k="$K_PER_CPU" -v c="$CEIL")
# The same with every core busy, as they are while wrk drives kalitd:
# per core, a VM's cores share more than their time (caches, the host's
# memory bandwidth), and the rates drop.
if [ "$NPROC" -gt 1 ]; then
	say "openssl speed -seconds $SPEED_SECONDS -multi $NPROC ecdsap256 (every core)"
	"$OPENSSL" speed -seconds "$SPEED_SECONDS" -multi "$NPROC" ecdsap256 \
	    > "$W/speed-multi.out" 2>>"$LOG" || die "openssl speed -multi failed"
	MSIGN_S=$(awk '/nistp256/ { v = $(NF - 1) } END { print v / n }' \
	    n="$NPROC" "$W/speed-multi.out")
	MVERIFY_S=$(awk '/nistp256/ { v = $NF } END { print v / n }' \
	    n="$NPROC" "$W/speed-multi.out")
	[ "$(calc "(s > 0 && v > 0)" -v s="$MSIGN_S" -v v="$MVERIFY_S")" = 1 ] ||
	    die "cannot read openssl speed -multi's output"
else
	MSIGN_S=$SIGN_S
	MVERIFY_S=$VERIFY_S
fi

# ---------------------------------------------------------------- floor
# What a login costs at the least with the stack the project uses, each
# part measured alone: the libraries' steps (bench/login_steps, one
# thread) and HTTP (nginx sending kalitd's own two answers to the same two
# requests, doing no other work). See bench/README.md, "The floor".
AUDIT_BATCH=$(calc "(b < 1) ? 1 : int(b + 0.5)" -v b="$K_BATCH")
say "login_steps: the libraries' steps alone, one thread (audit: $AUDIT_BATCH rows a commit)"
mkdir -p "$W/steps"
"$LOGIN_STEPS" -n 2000 -b "$AUDIT_BATCH" -d "$W/steps" \
    -k "$(head -n 1 "$W/keyspecs")" "$BODIES" > "$W/steps.out" 2>>"$LOG" ||
    die "login_steps failed; see $LOG"
STEPS=$(grep '^STEPS ' "$W/steps.out") || die "no result from login_steps"
H_US=-
if [ "$NGINX" != no ]; then
	for a in challenge login; do
		! grep -q "[\\\$']" "$W/$a.answer" ||
		    die "kalitd's $a answer has characters nginx's return cannot carry"
	done
	HG=$W/nginx-http
	HPORT=${NGINX_HTTP_PORT:-$(free_port)}
	nginx_conf "$HG" "$NGINX_WORKERS" <<CONF
	access_log off;
	tcp_nodelay on;
	keepalive_requests 100000000;
	keepalive_timeout 60s;
	client_body_buffer_size 16k;
	server {
		listen 127.0.0.1:$HPORT;
		default_type application/json;
		add_header Cache-Control no-store;
		location = /v1/challenge { return 200 '$(cat "$W/challenge.answer")'; }
		location = /v1/login { return 200 '$(cat "$W/login.answer")'; }
	}
CONF
	HURL=http://127.0.0.1:$HPORT
	say "wrk -t$THREADS -c$CONNS -d${DURATION}s against nginx sending kalitd's answers (the HTTP floor)"
	nginx_start "$HG" "$HURL/v1/challenge" 200
	HT0=$(ticks "$NPID" $NWORKERS)
	LOGIN_BODIES=$BODIES LOGIN_THREADS=$THREADS LOGIN_REUSE=1 "$WRK" \
	    -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s \
	    -s "$top/bench/login.lua" "$HURL/" > "$W/wrk-http.out" 2>&1 ||
	    { cat "$W/wrk-http.out" >&2; die "wrk failed against nginx"; }
	HT1=$(ticks "$NPID" $NWORKERS)
	stop_nginx
	cat "$W/wrk-http.out" >> "$LOG"
	HRES=$(grep '^LOGIN_RESULT ' "$W/wrk-http.out") ||
	    { cat "$W/wrk-http.out" >&2; die "no result from login.lua against nginx"; }
	H_OK=$(rr logins_ok "$HRES")
	[ "$(rr bad "$HRES")" -eq 0 ] && [ "$H_OK" -gt 0 ] ||
	    die "nginx's answers were not taken for logins; see $LOG"
	H_RATE=$(calc "ok / (us / 1e6)" -v ok="$H_OK" -v us="$(rr duration_us "$HRES")")
	H_US=$(calc "(b - a) / t / n * 1e6" -v a="$HT0" -v b="$HT1" -v t="$TCK" -v n="$H_OK")
fi

# ---------------------------------------------------------------- nginx
N_RATE=-
[ "$NGINX" = no ] || nginx_tls

# ---------------------------------------------------------------- report
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "kalitd logins against the ECDSA P-256 ceiling and nginx client-certificate TLS"
echo "machine:  $NPROC CPUs, ${CPU:-unknown CPU}, Linux $(uname -r)"
echo "openssl:  $("$OPENSSL" version)"
echo "kalitd:   $("$KALITD" --version 2>/dev/null || echo '?'), $SERVER_THREADS threads; wrk -t$THREADS -c$CONNS -d${DURATION}s on the same machine"
[ "$NGINX" != no ] && echo "nginx:    $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $NGINX_WORKERS workers; $STIME_PROCS x openssl s_time -new ${STIME_SECONDS}s; ssl_crl $([ "$NGINX_CRL" = 1 ] && echo on || echo off)"
echo "bodies:   $N pre-signed by login_bodies in $(printf '%.1f' "$GEN_SEC") s, $K citizens, $BODY_BYTES bytes each ($( [ "$CHAIN" = 1 ] && echo "CMS with signer + issuing CA + root" || echo "CMS with the signer's certificate only"))"
[ "$PERF" = 1 ] && echo "note:     PERF=1: kalitd ran under perf record; its figures include perf's overhead"
echo
printf '%-52s %10s %9s %9s %12s %11s\n' "what" "per second" "p50" "p99" \
    "CPU ms/op" "ops/CPU-s"
printf '%-52s %10.0f %9s %9s %12.3f %11.0f\n' \
    "kalitd login (challenge + login, wrk)" "$K_RATE" "$(ms "$W_P50")" \
    "$(ms "$W_P99")" "$(calc "c * 1000" -v c="$K_CPU_OP")" "$K_PER_CPU"
printf '%-52s %10s %9s %9s %12.3f %11.0f\n' \
    "crypto ceiling (ecdsap256: 1 sign + 1 verify)" "-" "-" "-" \
    "$(calc "c * 1000" -v c="$CEIL_CPU_OP")" "$CEIL"
if [ "$NGINX" != no ]; then
	printf '%-52s %10.0f %9s %9s %12.3f %11.0f\n' \
	    "nginx full TLS handshake, client cert (s_time)" "$N_RATE" "-" "-" \
	    "$(calc "c * 1000" -v c="$N_CPU_OP")" "$N_PER_CPU"
fi
echo
echo "kalitd: $W_OK logins in $(calc "u / 1e6" -v u="$W_US") s (wrk: $W_REQ requests, $(printf '%.0f' "$K_REQ_RATE") logins/s as requests/2);"
echo "        server CPU $(printf '%.2f' "$K_CPU") s = $(printf '%.2f' "$K_CORES") cores busy; $S_OK logins and $S_CH challenges counted by /metrics;"
echo "        latency p50 $(ms "$W_P50"), p90 $(ms "$W_P90"), p99 $(ms "$W_P99"), mean $(ms "$W_MEAN") (wrk, challenge + login);"
echo "        kalitd_login_duration_seconds mean $(printf '%.2f' "$K_SRV_MS") ms; kalitd_audit_batch_size mean $(printf '%.1f' "$K_BATCH") records/transaction;"
echo "        CPU meanwhile: wrk $(printf '%.2f' "$K_CLIENT") s, other processes $(printf '%.2f' "$K_OTHER") s (machine $(printf '%.0f' "$(calc "w * 100" -v w="$K_WALL")")% busy on average)"
echo "ceiling: openssl speed ecdsap256 on one core: $(printf '%.0f' "$SIGN_S") sign/s, $(printf '%.0f' "$VERIFY_S") verify/s;"
echo "         with all $NPROC cores busy (-multi $NPROC): $(printf '%.0f' "$MSIGN_S") sign/s, $(printf '%.0f' "$MVERIFY_S") verify/s per core"
if [ "$NGINX" != no ]; then
	echo "nginx:  $N_CONN handshakes in $(printf '%.2f' "$N_SEC") s; nginx CPU $(printf '%.2f' "$N_CPU") s = $(printf '%.2f' "$N_CORES") cores busy; all $N_LOG full and verified ($N_PROTO);"
	echo "        CPU meanwhile: s_time $(printf '%.2f' "$N_CLIENT") s, other processes $(printf '%.2f' "$N_OTHER") s (machine $(printf '%.0f' "$(calc "w * 100" -v w="$N_WALL")")% busy on average)"
fi
if noisy "$K_OTHER" "$K_SEC" ||
    { [ "$NGINX" != no ] && noisy "$N_OTHER" "$N_SEC"; }; then
	echo "warning: other processes used more than 10% of the machine during a timed run:"
	echo "         the per-second figures are low; CPU per op is less disturbed. Re-run on a quiet machine."
fi
echo
echo "goals"
printf '  kalitd logins per CPU-s / crypto ceiling:        %6.2f   (goal >= 0.5: %s)\n' \
    "$RATIO_CEIL" "$(goal "$RATIO_CEIL" 0.5)"
if [ "$NGINX" != no ]; then
	R_RATE=$(calc "k / n" -v k="$K_RATE" -v n="$N_RATE")
	R_CPU=$(calc "k / n" -v k="$K_PER_CPU" -v n="$N_PER_CPU")
	printf '  kalitd logins/s / nginx handshakes/s:            %6.2f   (goal: several times, >= 3: %s)\n' \
	    "$R_RATE" "$(goal "$R_RATE" 3)"
	printf '  kalitd logins per CPU-s / nginx per CPU-s:       %6.2f\n' "$R_CPU"
fi
echo
CEIL_US=$(calc "c * 1e6" -v c="$CEIL_CPU_OP")
BUSY_US=$(calc "1e6 / s + 1e6 / v" -v s="$MSIGN_S" -v v="$MVERIFY_S")
pos() { calc "(x < 0) ? 0 : x" -v x="$1"; }
F_JSON=$(rr json_parse "$STEPS")
F_B64=$(rr base64 "$STEPS")
F_PARSE=$(rr cms_parse "$STEPS")
F_VER=$(pos "$(rr cms_verify "$STEPS")")
F_JWS=$(pos "$(rr jws_sign "$STEPS")")
F_AUDIT=$(rr audit "$STEPS")
F_CHAL=$(rr challenge "$STEPS")
F_HASH=$(rr cert_hash "$STEPS")
F_SUM=$(calc "a + b + c + d + e + f + g + h + i" -v a="$BUSY_US" \
    -v b="$F_JSON" -v c="$F_B64" -v d="$F_PARSE" -v e="$F_VER" -v f="$F_JWS" \
    -v g="$F_AUDIT" -v h="$F_CHAL" -v i="$F_HASH")
if [ "$H_US" != - ]; then
	F_SUM=$(calc "a + b" -v a="$F_SUM" -v b="$H_US")
	F_WHAT="the floor (sum)"
else
	F_WHAT="the floor without HTTP (NGINX=no)"
fi
fl() { printf '  %-74s %7s\n' "$1" "$(printf '%.1f' "$2" 2>/dev/null || echo "$2")"; }
echo "floor: what a login costs at the least with this stack, each part alone (CPU us per login)"
fl "ECDSA P-256: 1 sign + 1 verify, every core busy (openssl speed -multi $NPROC)" "$BUSY_US"
if [ "$H_US" != - ]; then
	fl "HTTP: nginx sending kalitd's answers to the same requests ($(printf '%.0f' "$H_RATE")/s)" "$H_US"
else
	fl "HTTP: nginx sending kalitd's answers (NGINX=no: not measured)" -
fi
fl "JSON: jansson json_loadb of the ${BODY_BYTES}-byte body" "$F_JSON"
fl "base64: EVP_DecodeBlock of its pkcs7 member" "$F_B64"
fl "CMS: d2i_CMS_ContentInfo, the certificate parsed before" "$F_PARSE"
fl "CMS: CMS_verify besides the ECDSA verification" "$F_VER"
fl "JWT: cjose_jws_sign + export besides the ECDSA signature" "$F_JWS"
fl "audit: SQLite WAL, synchronous=FULL, a row a login, $AUDIT_BATCH a commit" "$F_AUDIT"
fl "challenge: 16 bytes of RAND_bytes, HMAC-SHA256 made and checked" "$F_CHAL"
fl "certificate cache key: SHA-256 of the signer's certificate" "$F_HASH"
fl "$F_WHAT" "$F_SUM"
fl "kalitd" "$(calc "c * 1e6" -v c="$K_CPU_OP")"
fl "goal: half the ceiling (one core: $(printf '%.1f' "$CEIL_US") us a login), at most" "$(calc "2 * c" -v c="$CEIL_US")"
printf '  %-74s %7.2f\n' "the best share of the ceiling this stack allows: ceiling / floor" \
    "$(calc "c / f" -v c="$CEIL_US" -v f="$F_SUM")"
echo "  for scale: a system call (getpid) costs $(rr syscall "$STEPS") us here; the floor leaves a server"
echo "  $(calc "2 * c - f" -v c="$CEIL_US" -v f="$F_SUM" | awk '{ printf "%.1f", $1 }') us a login for all of its own work (negative: none at all)"
perf_print "$W/wrk.perf" kalitd
