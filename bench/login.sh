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
if [ "$NGINX" != no ]; then
	command -v "$NGINX" >/dev/null 2>&1 ||
	    die "$NGINX not found (apt-get install nginx-light, or NGINX=no)"
fi
if [ "$PERF" = 1 ]; then
	command -v perf >/dev/null 2>&1 || die "PERF=1 but perf is not installed"
fi

NPID=
BGPIDS=
stop_servers() {
	for p in $BGPIDS; do
		kill "$p" 2>/dev/null || true
	done
	stop_kalitd
	if [ -n "$NPID" ]; then
		kill -TERM "$NPID" 2>/dev/null || true
		wait "$NPID" 2>/dev/null || true
	fi
}
workdir kalit-login
login_helpers

# ---------------------------------------------------------------- PKI
say "work directory $W"
umask 077
CA=$W/ca
PASS=$W/ca.pass
KEYS=$W/keys
mkdir -p "$KEYS"
"$OPENSSL" rand -hex 16 > "$PASS"

say "PKI: root, citizen and official CAs; $K citizen keys and certificates"
KC init --cn "kalit Bench Root CA" --org "kalit bench" \
    --ca-pass "file:$PASS" >>"$LOG" 2>&1 || die "kalit-ca init failed; see $LOG"
for p in citizen official; do
	KC ca-new --profile $p --cn "kalit Bench $p CA" --ca-pass "file:$PASS" \
	    >>"$LOG" 2>&1 || die "kalit-ca ca-new $p failed; see $LOG"
done
i=0
while [ $i -lt "$K" ]; do
	"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$KEYS/c$i.key" 2>>"$LOG"
	"$OPENSSL" req -new -key "$KEYS/c$i.key" -subj "/CN=bench $i" \
	    -out "$KEYS/c$i.csr" 2>>"$LOG"
	i=$((i + 1))
done
# kalit-ca issue --batch: one JSON line per citizen, PINFL 3xxxxxxxxxxxxx
awk -v n="$K" -v dir="$KEYS" 'BEGIN {
	for (i = 0; i < n; i++) {
		f = dir "/c" i ".csr"
		s = ""
		while ((getline l < f) > 0)
			s = s l "\\n"
		close(f)
		printf "{\"given_name\":\"Vali\",\"surname\":\"Aliyev\"," \
		    "\"pinfl\":\"3%013d\",\"csr\":\"%s\"}\n", 1000 + i, s
	}
}' > "$W/batch.jsonl"
KC issue --profile citizen --batch "$W/batch.jsonl" --ca-pass "file:$PASS" \
    > "$W/batch.out" 2>>"$LOG" || die "kalit-ca issue --batch failed; see $LOG"
[ "$(wc -l < "$W/batch.out")" -eq "$K" ] || die "kalit-ca issued fewer than $K"
i=0
: > "$W/keyspecs"
while read -r serial _pinfl; do
	KC show "$serial" --pem > "$KEYS/c$i.pem" 2>>"$LOG" ||
	    die "kalit-ca show failed; see $LOG"
	printf '%s:%s\n' "$KEYS/c$i.key" "$KEYS/c$i.pem" >> "$W/keyspecs"
	i=$((i + 1))
done < "$W/batch.out"
for c in root citizen official; do
	KC crl --ca $c --ca-pass "file:$PASS" >>"$LOG" 2>&1 ||
	    die "kalit-ca crl --ca $c failed; see $LOG"
done
# What a kalit-ca key file carries beside the citizen's certificate.
cat "$CA/certs/citizen.crt" "$CA/certs/root.crt" > "$W/chain.pem"
"$OPENSSL" verify -CAfile "$CA/certs/root.crt" -untrusted \
    "$CA/certs/citizen.crt" "$KEYS/c0.pem" >>"$LOG" 2>&1 ||
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
"$LOGIN_BODIES" -n 1 -j 1 -c bench -u "$URL" -o "$W/one.json" $CHAINOPT \
    -f "$W/keyspecs" >>"$LOG" 2>&1 || die "login_bodies failed; see $LOG"
post_login() {
	curl -s -o "$W/answer" -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary "@$1" "$URL/v1/login" 2>>"$LOG" || echo 000
}
st=$(post_login "$W/one.json")
[ "$st" = 200 ] && grep -q '"access_token"' "$W/answer" ||
    die "a login was refused: HTTP $st $(head -c 300 "$W/answer")"
# kalitd's own answers, for nginx to send in the floor run below
cp "$W/answer" "$W/login.answer"
curl -sf -H 'Content-Type: application/json' -d '{"client_id":"bench"}' \
    -o "$W/challenge.answer" "$URL/v1/challenge" ||
    die "POST /v1/challenge failed"
st=$(post_login "$W/one.json")
[ "$st" = 400 ] && grep -q challenge_reused "$W/answer" ||
    die "a reused challenge was not refused: HTTP $st $(head -c 300 "$W/answer")"

BODIES=$W/bodies
say "signing $N login bodies ($K keys, chain $CHAIN, $GEN_JOBS threads)"
t0=$(now)
# shellcheck disable=SC2086
"$LOGIN_BODIES" -n "$N" -j "$GEN_JOBS" -c bench -u "$URL" -o "$BODIES" \
    $CHAINOPT -f "$W/keyspecs" 2>"$W/gen.err" || {
	tail -n 5 "$W/gen.err" >&2
	die "login_bodies failed"
}
t1=$(now)
GEN_SEC=$(calc "b - a" -v a="$t0" -v b="$t1")
GEN_LINE=$(tail -n 1 "$W/gen.err")
cat "$W/gen.err" >> "$LOG"
BODY_BYTES=$(head -n 1 "$BODIES" | wc -c | tr -d ' ')
say "  $GEN_LINE"

# ---------------------------------------------------------------- wrk
say "wrk: -t$THREADS -c$CONNS -d${DURATION}s against kalitd"
curl -sf "$URL/metrics" > "$W/metrics0" || die "GET /metrics failed"
KT0=$(ticks "$KPID")
B0=$(busy)
times > "$W/times0"
C0=$(kids "$W/times0")
T0=$(now)
PERFPID=
if [ "$PERF" = 1 ]; then
	perf record -F 499 --call-graph dwarf,8192 -p "$KPID" -o "$W/perf.data" >>"$LOG" 2>&1 &
	PERFPID=$!
	BGPIDS="$BGPIDS $PERFPID"
fi
LOGIN_BODIES=$BODIES LOGIN_THREADS=$THREADS "$WRK" -t"$THREADS" \
    -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency \
    -s "$top/bench/login.lua" "$URL/" > "$W/wrk.out" 2>&1 ||
    { cat "$W/wrk.out" >&2; die "wrk failed"; }
KT1=$(ticks "$KPID")
B1=$(busy)
times > "$W/times1"
C1=$(kids "$W/times1")
T1=$(now)
if [ -n "$PERFPID" ]; then
	kill -INT "$PERFPID" 2>/dev/null || true
	wait "$PERFPID" 2>/dev/null || true
fi
curl -sf "$URL/metrics" > "$W/metrics1" || die "GET /metrics failed"
cat "$W/wrk.out" >> "$LOG"
RES=$(grep '^LOGIN_RESULT ' "$W/wrk.out") ||
    { cat "$W/wrk.out" >&2; die "no result from login.lua"; }
r() { printf '%s\n' "$RES" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
W_REQ=$(r requests)
W_US=$(r duration_us)
W_OK=$(r logins_ok)
W_BAD=$(r bad)
W_EXH=$(r exhausted)
W_P50=$(r lat_p50_us)
W_P90=$(r lat_p90_us)
W_P99=$(r lat_p99_us)
W_MEAN=$(r lat_mean_us)
W_ERR=$(( $(r err_connect) + $(r err_read) + $(r err_write) + $(r err_timeout) ))
[ "$W_EXH" -eq 0 ] ||
    die "the bodies ran out ($(r bodies_sent) sent): raise N (now $N) or lower DURATION"
if [ "$W_BAD" -ne 0 ] || [ "$W_ERR" -ne 0 ]; then
	grep -E '^LOGIN_(ERROR|FIRST_BAD)' "$W/wrk.out" >&2 || true
	die "the run had $W_BAD refused answers, $W_ERR socket errors/timeouts"
fi

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
K_CPU=$(calc "(b - a) / t" -v a="$KT0" -v b="$KT1" -v t="$TCK")
K_RATE=$(calc "ok / (us / 1e6)" -v ok="$W_OK" -v us="$W_US")
K_REQ_RATE=$(calc "q / 2 / (us / 1e6)" -v q="$W_REQ" -v us="$W_US")
K_CPU_OP=$(calc "c / n" -v c="$K_CPU" -v n="$S_OK")
K_PER_CPU=$(calc "n / c" -v c="$K_CPU" -v n="$S_OK")
K_CORES=$(calc "c / (us / 1e6)" -v c="$K_CPU" -v us="$W_US")
K_SRV_MS=$(calc "s / n * 1000" -v s="$S_LSUM" -v n="$S_LCNT")
K_BATCH=$(calc "s / n" -v s="$S_BSUM" -v n="$S_BCNT")
# The client's CPU, and whatever else ran on the machine meanwhile.
K_WALL=$(calc "(b - a) / t / n / (t1 - t0)" -v a="$B0" -v b="$B1" -v t="$TCK" \
    -v n="$NPROC" -v t0="$T0" -v t1="$T1")
K_CLIENT=$(calc "(b - a) / t" -v a="$C0" -v b="$C1" -v t="$TCK")
K_OTHER=$(calc "x < 0 ? 0 : x" -v x="$(calc "(b - a - (k1 - k0) - (c1 - c0)) / t" \
    -v a="$B0" -v b="$B1" -v k0="$KT0" -v k1="$KT1" -v c0="$C0" -v c1="$C1" -v t="$TCK")")

if [ "$PERF" = 1 ] && [ -s "$W/perf.data" ]; then
	perf report -i "$W/perf.data" --no-children --sort dso,sym --stdio \
	    -g none --percent-limit 1 2>/dev/null | grep -v '^#' |
	    grep -v '^$' | head -n 25 > "$W/perf.self" || true
	perf report -i "$W/perf.data" --children --sort sym --stdio \
	    -g none --percent-limit 2 2>/dev/null | grep -v '^#' |
	    grep -v '^$' | grep -v ' 0x0000' | head -n 40 > "$W/perf.children" || true
fi
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
	kill -TERM "$NPID" 2>/dev/null || true
	wait "$NPID" 2>/dev/null || true
	NPID=
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
if [ "$NGINX" != no ]; then
	NG=$W/nginx
	mkdir -p "$NG/tmp"
	NPORT=${NGINX_PORT:-$(free_port)}
	say "nginx: TLS server certificate (P-256) and configuration"
	"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$NG/tlsca.key" -out "$NG/tlsca.pem" -days 2 \
	    -subj "/CN=kalit bench TLS CA" >>"$LOG" 2>&1
	"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$NG/server.key" -out "$NG/server.csr" \
	    -subj "/CN=127.0.0.1" >>"$LOG" 2>&1
	printf 'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n' > "$NG/ext"
	"$OPENSSL" x509 -req -in "$NG/server.csr" -CA "$NG/tlsca.pem" \
	    -CAkey "$NG/tlsca.key" -CAcreateserial -days 2 -extfile "$NG/ext" \
	    -out "$NG/server.pem" >>"$LOG" 2>&1 || die "server certificate failed"
	cat "$CA/certs/root.crt" "$CA/certs/citizen.crt" > "$NG/clientca.pem"
	CRLCONF=
	if [ "$NGINX_CRL" = 1 ]; then
		for c in root citizen; do
			"$OPENSSL" crl -inform DER -in "$CA/crl/$c.crl" \
			    >> "$NG/crl.pem" 2>>"$LOG"
		done
		CRLCONF="ssl_crl $NG/crl.pem;"
	fi
	nginx_conf "$NG" "$NGINX_WORKERS" <<CONF
	log_format hs '\$ssl_session_reused \$ssl_protocol \$ssl_client_verify';
	access_log $NG/access.log hs buffer=64k;
	server {
		listen 127.0.0.1:$NPORT ssl;
		ssl_certificate $NG/server.pem;
		ssl_certificate_key $NG/server.key;
		ssl_client_certificate $NG/clientca.pem;
		ssl_verify_client on;
		ssl_verify_depth 2;
		$CRLCONF
		ssl_session_cache off;
		ssl_session_tickets off;
		ssl_protocols TLSv1.2 TLSv1.3;
		location / {
			default_type text/plain;
			return 200 "\$ssl_client_s_dn\n";
		}
	}
CONF
	say "starting nginx on https://127.0.0.1:$NPORT ($NGINX_WORKERS workers)"
	NURL=https://127.0.0.1:$NPORT/
	nginx_start "$NG" "$NURL" 400 --cacert "$NG/tlsca.pem"
	# The handshake really checks the client: a citizen is let in, no
	# certificate and a certificate of another CA are not.
	st=$(curl -s -o "$W/answer" -w '%{http_code}' --cacert "$NG/tlsca.pem" \
	    --cert "$KEYS/c0.pem" --key "$KEYS/c0.key" "$NURL" 2>>"$LOG") || st=000
	[ "$st" = 200 ] && grep -q 'CN=Aliyev Vali' "$W/answer" ||
	    die "nginx refused the citizen certificate: HTTP $st"
	st=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$NG/tlsca.pem" \
	    "$NURL" 2>>"$LOG") || st=000
	[ "$st" = 400 ] || die "nginx let in a client without a certificate: HTTP $st"
	st=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$NG/tlsca.pem" \
	    --cert "$NG/server.pem" --key "$NG/server.key" "$NURL" 2>>"$LOG") ||
	    st=000
	[ "$st" = 400 ] || die "nginx let in a certificate of another CA: HTTP $st"

	# A fresh access log for the timed run: the checks above stay apart.
	mv "$NG/access.log" "$NG/access.checks.log"
	kill -USR1 "$NPID"
	i=0
	until [ -f "$NG/access.log" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || die "nginx did not reopen its access log"
		sleep 0.05
	done

	say "openssl s_time: $STIME_PROCS clients, ${STIME_SECONDS}s of full handshakes"
	NT0=$(ticks "$NPID" $NWORKERS)
	B0=$(busy)
	times > "$W/times0"
	C0=$(kids "$W/times0")
	t0=$(now)
	pids=
	i=0
	while [ $i -lt "$STIME_PROCS" ]; do
		c=$((i % K))
		"$OPENSSL" s_time -connect "127.0.0.1:$NPORT" \
		    -cert "$KEYS/c$c.pem" -key "$KEYS/c$c.key" -new \
		    -time "$STIME_SECONDS" -www / > "$W/stime.$i" 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	BGPIDS="$BGPIDS $pids"
	for p in $pids; do
		wait "$p" || die "openssl s_time failed; see $W/stime.*"
	done
	BGPIDS=
	t1=$(now)
	NT1=$(ticks "$NPID" $NWORKERS)
	N_SEC=$(calc "b - a" -v a="$t0" -v b="$t1")
	B1=$(busy)
	times > "$W/times1"
	C1=$(kids "$W/times1")
	N_WALL=$(calc "(b - a) / t / n / s" -v a="$B0" -v b="$B1" -v t="$TCK" \
	    -v n="$NPROC" -v s="$N_SEC")
	N_CLIENT=$(calc "(b - a) / t" -v a="$C0" -v b="$C1" -v t="$TCK")
	N_OTHER=$(calc "x < 0 ? 0 : x" -v x="$(calc "(b - a - (k1 - k0) - (c1 - c0)) / t" \
	    -v a="$B0" -v b="$B1" -v k0="$NT0" -v k1="$NT1" -v c0="$C0" -v c1="$C1" -v t="$TCK")")
	cat "$W"/stime.* >> "$LOG"
	N_CONN=$(cat "$W"/stime.* | awk '/connections in .* real seconds/ { n += $1 } END { print n + 0 }')
	[ "$N_CONN" -gt 0 ] || die "openssl s_time made no connection; see $LOG"
	N_CPU=$(calc "(b - a) / t" -v a="$NT0" -v b="$NT1" -v t="$TCK")
	N_RATE=$(calc "n / s" -v n="$N_CONN" -v s="$N_SEC")
	N_CPU_OP=$(calc "c / n" -v c="$N_CPU" -v n="$N_CONN")
	N_PER_CPU=$(calc "n / c" -v c="$N_CPU" -v n="$N_CONN")
	N_CORES=$(calc "c / s" -v c="$N_CPU" -v s="$N_SEC")
	kill -QUIT "$NPID" 2>/dev/null || true	# flushes the access log
	wait "$NPID" 2>/dev/null || true
	NPID=
	# Every connection was a full handshake with a verified certificate.
	N_LOG=$(wc -l < "$NG/access.log" | tr -d ' ')
	N_FULL=$(grep -c '^\. TLSv1\.[23] SUCCESS$' "$NG/access.log" || true)
	N_PROTO=$(awk '{ print $2 }' "$NG/access.log" | sort | uniq -c |
	    awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')
	[ "$N_FULL" -eq "$N_LOG" ] && [ "$N_LOG" -eq "$N_CONN" ] ||
	    die "nginx logged $N_LOG requests, $N_FULL of them full verified handshakes, s_time counted $N_CONN"
fi

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
if noisy "$K_OTHER" "$(calc "b - a" -v a="$T0" -v b="$T1")" ||
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
if [ "$PERF" = 1 ] && [ -s "$W/perf.self" ]; then
	echo
	echo "perf: kalitd, self time (top functions)"
	sed 's/^/  /' "$W/perf.self"
	echo
	echo "perf: kalitd, with callees (children), named symbols"
	sed 's/^/  /' "$W/perf.children"
fi
