#!/bin/sh
# shellcheck disable=SC1090,SC1091,SC2153 # the .res files set R_*
# ocsp.sh: OCSP responses per second from kalitd's responder (cached and
# nonce'd requests, POST and GET) beside `openssl ocsp -port -multi N`
# serving the same CA with the same responder key, all under wrk.
# See bench/README.md for what is measured and how to read the results.
#
# Environment (all optional):
#   KALITD, KALIT_CA   binaries (default: the ones in the source tree)
#   KALIT_PROFILE_DIR  profiles for kalit-ca init (default: ca/profiles)
#   DURATION           seconds of each wrk run (default 10)
#   WARMUP             seconds of wrk before each kalitd run, not measured:
#                      the cache fills (default 1)
#   CONNS              wrk connections (default 32)
#   THREADS            wrk threads (default 2)
#   SERVER_THREADS     kalitd [server] threads (default: nproc)
#   CERTS              citizen certificates; the "mix" asks about each
#                      (default 1000)
#   REVOKED_PCT        percent of them revoked (default 10)
#   NONCED             distinct requests with a nonce, rotated (default 1000)
#   MULTI              openssl ocsp -multi (default: 2 x nproc)
#   OPENSSL_CLOSE      1: "Connection: close" to openssl ocsp (default 1:
#                      its -multi children serve one connection each, and
#                      one left open by a client makes it spin; see README)
#   CHECK              1: wrk checks every answer is a successful
#                      OCSPResponse (default 1)
#   NGINX              nginx binary, or "no" to skip the HTTP ceiling: nginx
#                      serving kalitd's answer as a static file (default nginx)
#   NGINX_WORKERS      nginx worker_processes (default: SERVER_THREADS)
#   OPENSSL, WRK       binaries (default: from PATH)
#   BENCH_TMP          where the work directory is made (default $TMPDIR or /tmp)
#   KEEP=1             keep the work directory (default: removed at exit)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BENCH=ocsp.sh
. "$top/bench/lib.sh"
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-1}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
SERVER_THREADS=${SERVER_THREADS:-$NPROC}
CERTS=${CERTS:-1000}
REVOKED_PCT=${REVOKED_PCT:-10}
NONCED=${NONCED:-1000}
MULTI=${MULTI:-$((2 * NPROC))}
OPENSSL_CLOSE=${OPENSSL_CLOSE:-1}
CHECK=${CHECK:-1}
NGINX=${NGINX:-nginx}
NGINX_WORKERS=${NGINX_WORKERS:-$SERVER_THREADS}

numbers DURATION CONNS THREADS SERVER_THREADS CERTS NONCED MULTI NGINX_WORKERS
case $WARMUP in ''|*[!0-9]*) die "WARMUP=$WARMUP is not a number" ;; esac
case $REVOKED_PCT in ''|*[!0-9]*) die "REVOKED_PCT=$REVOKED_PCT is not a number" ;; esac
[ "$REVOKED_PCT" -le 100 ] || die "REVOKED_PCT must be at most 100"
[ "$CONNS" -ge "$THREADS" ] || die "CONNS must be at least THREADS"
need_tools
command -v python3 >/dev/null 2>&1 || die "python3 not found"
command -v sqlite3 >/dev/null 2>&1 || die "sqlite3 not found (lib.sh's ca_index needs it)"
"$OPENSSL" ocsp -help 2>&1 | grep -q -- '-multi' ||
    die "$OPENSSL ocsp has no -multi (OpenSSL 1.1.1 or later has)"

OPID=
NPID=
openssl_stop() {
	[ -n "$OPID" ] || return 0
	# The parent's TERM handler does not always take its children along.
	for p in $(children "$OPID") $OPID; do
		kill -TERM "$p" 2>/dev/null || true
	done
	wait "$OPID" 2>/dev/null || true
	OPID=
}
stop_servers() {
	openssl_stop
	if [ -n "$NPID" ]; then
		kill -TERM "$NPID" 2>/dev/null || true
		wait "$NPID" 2>/dev/null || true
	fi
	stop_kalitd
}
workdir kalit-ocsp

# ---------------------------------------------------------------- PKI
say "work directory $W"
umask 077
CA=$W/ca
PASS=$W/ca.pass
SRV=$W/kalitd
SIGNERS=$SRV/signers
REQ=$W/req
mkdir -p "$SIGNERS" "$REQ"
"$OPENSSL" rand -hex 16 > "$PASS"
"$OPENSSL" rand -hex 16 > "$W/responder.pass"

say "PKI: root and citizen CA, its OCSP responder, $CERTS citizen certificates"
KC init --cn "kalit Bench Root CA" --org "kalit bench" \
    --ca-pass "file:$PASS" >>"$LOG" 2>&1 || die "kalit-ca init failed; see $LOG"
KC ca-new --profile citizen --cn "kalit Bench citizen CA" \
    --ca-pass "file:$PASS" >>"$LOG" 2>&1 || die "kalit-ca ca-new failed; see $LOG"
KC responder --ca citizen --out "$SIGNERS/citizen.p12" --ca-pass "file:$PASS" \
    --new-pass "file:$W/responder.pass" >>"$LOG" 2>&1 ||
    die "kalit-ca responder failed; see $LOG"
CACRT=$CA/certs/citizen.crt
ROOTCRT=$CA/certs/root.crt
# OCSP does not care whose key a certificate holds: one CSR for all.
"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W/c.key" -subj "/CN=bench" -out "$W/c.csr" 2>>"$LOG" ||
    die "openssl req failed"
awk -v n="$CERTS" -v f="$W/c.csr" 'BEGIN {
	s = ""
	while ((getline l < f) > 0)
		s = s l "\\n"
	for (i = 0; i < n; i++)
		printf "{\"given_name\":\"Vali\",\"surname\":\"Aliyev\"," \
		    "\"pinfl\":\"3%013d\",\"csr\":\"%s\"}\n", 1000 + i, s
}' > "$W/batch.jsonl"
KC issue --profile citizen --batch "$W/batch.jsonl" --ca-pass "file:$PASS" \
    > "$W/batch.out" 2>>"$LOG" || die "kalit-ca issue --batch failed; see $LOG"
awk '{ print $1 }' "$W/batch.out" > "$W/serials"
[ "$(wc -l < "$W/serials")" -eq "$CERTS" ] || die "kalit-ca issued fewer than $CERTS"
NREV=$((CERTS * REVOKED_PCT / 100))
# Spread over the list; the first one stays good (one.der asks about it).
awk -v n="$CERTS" -v r="$NREV" 'NR > 1 && int(NR * r / n) != int((NR - 1) * r / n)' \
    "$W/serials" > "$W/revoked"
if [ -s "$W/revoked" ]; then
	KC revoke --serials-from "$W/revoked" --reason keyCompromise >>"$LOG" 2>&1 ||
	    die "kalit-ca revoke failed; see $LOG"
fi
NREV=$(wc -l < "$W/revoked" | tr -d ' ')
KC show "$(head -n 1 "$W/serials")" --pem > "$W/one.crt" 2>>"$LOG" ||
    die "kalit-ca show failed"

# ---------------------------------------------------------------- requests
say "requests: openssl ocsp -reqout, $CERTS without a nonce and $NONCED with one"
# reqs NONCE-OPTION PREFIX COUNT: PREFIX.N.der for the Nth certificate (round
# and round the list), made by $NPROC openssl processes at a time.
reqs() {
	# shellcheck disable=SC2016 # $0..$4: sh -c's, not ours
	awk -v n="$3" '{ s[NR] = $1 } END { for (i = 1; i <= n; i++) print i, s[(i - 1) % NR + 1] }' \
	    "$W/serials" | xargs -P "$NPROC" -n 2 sh -c \
	    '"$0" ocsp -issuer "$1" -serial "0x$4" '"$1"' -reqout "$2.$3.der" >/dev/null 2>&1' \
	    "$OPENSSL" "$CACRT" "$2" || die "openssl ocsp -reqout failed"
	_i=1
	while [ $_i -le "$3" ]; do
		[ -s "$2.$_i.der" ] || die "no request $2.$_i.der"
		_i=$((_i + 1))
	done
}
reqs -no_nonce "$REQ/mix" "$CERTS"
reqs -nonce "$REQ/nonce" "$NONCED"
# -serial above: what a client asks about a certificate it holds is the same
"$OPENSSL" ocsp -issuer "$CACRT" -cert "$W/one.crt" -no_nonce \
    -reqout "$REQ/one.der" >>"$LOG" 2>&1 || die "openssl ocsp -reqout failed"
cmp -s "$REQ/one.der" "$REQ/mix.1.der" ||
    die "a request made with -cert differs from one made with -serial"
# ocsp.lua's input: DER in hex a line (POST), or the GET path a line
python3 - "$REQ" "$W" "$CERTS" "$NONCED" <<'PY' || die "cannot write the request files"
import base64, sys, urllib.parse
req, w, certs, nonced = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def der(name):
    with open(f"{req}/{name}.der", "rb") as f:
        return f.read()
def write(out, names, get):
    with open(f"{w}/{out}", "w") as f:
        for n in names:
            d = der(n)
            if get:
                b64 = base64.b64encode(d).decode()
                f.write("/ocsp/" + urllib.parse.quote(b64, safe="") + "\n")
            else:
                f.write(d.hex() + "\n")
mix = [f"mix.{i}" for i in range(1, certs + 1)]
write("one.hex", ["one"], False)
write("one.get", ["one"], True)
write("mix.hex", mix, False)
write("mix.get", mix, True)
write("nonce.hex", [f"nonce.{i}" for i in range(1, nonced + 1)], False)
PY
[ "$(sort -u "$W/nonce.hex" | wc -l)" -eq "$NONCED" ] ||
    die "the nonce'd requests are not all different"
REQ_BYTES=$(wc -c < "$REQ/one.der" | tr -d ' ')
NREQ_BYTES=$(wc -c < "$REQ/nonce.1.der" | tr -d ' ')

# ---------------------------------------------------------------- wrk
# bench NAME URL REQUESTS METHOD CLOSE PID...: one wrk run; the server is
# the processes PID... Sets R_* for NAME in $W/NAME.res.
bench() {
	_n=$1 _u=$2 _r=$3 _m=$4 _c=$5
	shift 5
	T0=$(ticks "$@")
	B0=$(busy)
	times > "$W/times0"
	C0=$(kids "$W/times0")
	t0=$(now)
	OCSP_REQUESTS=$_r OCSP_METHOD=$_m OCSP_THREADS=$THREADS \
	    OCSP_CHECK=$CHECK OCSP_CLOSE=$_c "$WRK" -t"$THREADS" -c"$CONNS" \
	    -d"${DURATION}s" --timeout 10s --latency -s "$top/bench/ocsp.lua" \
	    "$_u" > "$W/$_n.wrk" 2>&1 || { cat "$W/$_n.wrk" >&2; die "wrk failed"; }
	t1=$(now)
	T1=$(ticks "$@")
	B1=$(busy)
	times > "$W/times1"
	C1=$(kids "$W/times1")
	cat "$W/$_n.wrk" >> "$LOG"
	RES=$(grep '^OCSP_RESULT ' "$W/$_n.wrk") ||
	    { cat "$W/$_n.wrk" >&2; die "$_n: no result from ocsp.lua"; }
	r() { printf '%s\n' "$RES" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	_req=$(r requests)
	_us=$(r duration_us)
	_bad=$(r bad)
	_err=$(( $(r err_connect) + $(r err_read) + $(r err_write) + $(r err_status) + $(r err_timeout) ))
	if [ "$_bad" -ne 0 ] || [ "$_err" -ne 0 ]; then
		grep '^OCSP_FIRST_BAD' "$W/$_n.wrk" >&2 || true
		die "$_n: $_bad answers were not successful OCSP responses, $_err socket errors/timeouts"
	fi
	[ "$CHECK" != 1 ] || [ "$(r ok)" -eq "$_req" ] ||
	    die "$_n: $(r ok) checked answers of $_req"
	_cpu=$(calc "(b - a) / t" -v a="$T0" -v b="$T1" -v t="$TCK")
	_sec=$(calc "b - a" -v a="$t0" -v b="$t1")
	_cli=$(calc "(b - a) / t" -v a="$C0" -v b="$C1" -v t="$TCK")
	_oth=$(calc "x < 0 ? 0 : x" -v x="$(calc "(b - a - (k1 - k0) - (c1 - c0)) / t" \
	    -v a="$B0" -v b="$B1" -v k0="$T0" -v k1="$T1" -v c0="$C0" -v c1="$C1" -v t="$TCK")")
	cat > "$W/$_n.res" <<RES
R_REQ=$_req
R_RATE=$(calc "q / (us / 1e6)" -v q="$_req" -v us="$_us")
R_P50=$(r lat_p50_us)
R_P99=$(r lat_p99_us)
R_MEAN=$(r lat_mean_us)
R_CPU=$_cpu
R_CPU_OP=$(calc "c / q" -v c="$_cpu" -v q="$_req")
R_PER_CPU=$(calc "(c > 0 ? q / c : 0)" -v c="$_cpu" -v q="$_req")
R_CORES=$(calc "c / s" -v c="$_cpu" -v s="$_sec")
R_CLIENT=$_cli
R_OTHER=$_oth
R_SEC=$_sec
RES
	say "  $_n: $(printf '%.0f' "$(calc "q / (us / 1e6)" -v q="$_req" -v us="$_us")") responses/s"
}
# warm URL REQUESTS METHOD: wrk for WARMUP seconds, not measured.
warm() {
	[ "$WARMUP" -gt 0 ] || return 0
	OCSP_REQUESTS=$2 OCSP_METHOD=$3 OCSP_THREADS=$THREADS OCSP_CHECK=0 \
	    "$WRK" -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$top/bench/ocsp.lua" \
	    "$1" >> "$LOG" 2>&1 || die "wrk (warm-up) failed"
}
# asks URL: openssl ocsp asks URL about the first certificate (good) and
# the first revoked one, and verifies the answers against the root.
asks() {
	"$OPENSSL" ocsp -issuer "$CACRT" -cert "$W/one.crt" \
	    -serial "0x$(head -n 1 "$W/revoked" 2>/dev/null || echo 7f)" \
	    -url "$1" -CAfile "$ROOTCRT" -timeout 5 > "$W/ask.out" 2>&1 &&
	    grep -q '^Response verify OK' "$W/ask.out" &&
	    grep -q "^$W/one.crt: good" "$W/ask.out" &&
	    { [ ! -s "$W/revoked" ] || grep -q '^0x.*: revoked' "$W/ask.out"; }
}

# ---------------------------------------------------------------- kalitd
KPORT=${KALITD_PORT:-$(free_port)}
"$OPENSSL" rand -hex 16 > "$SRV/token.pass"
cat > "$SRV/kalitd.conf" <<CONF
[server]
listen = 127.0.0.1
port = $KPORT
threads = $SERVER_THREADS
trust_dir = $CA/certs

[revocation]
check = off

[responder]
ca_database = $CA/kalit-ca.db
signer_dir = $SIGNERS
signer_passphrase = file:$W/responder.pass
next_update = 3600
CONF
"$KALITD" -c "$SRV/kalitd.conf" keygen >>"$LOG" 2>&1 ||
    die "kalitd keygen failed; see $LOG"
KURL=http://127.0.0.1:$KPORT
say "starting kalitd on $KURL ($SERVER_THREADS threads)"
start_kalitd "$SRV/kalitd.conf" "$KURL"
asks "$KURL/ocsp" || { cat "$W/ask.out" >&2; die "kalitd's answer is not right"; }
# The cached answer to one.der, which nginx serves as a file below.
curl -sf -H 'Content-Type: application/ocsp-request' \
    --data-binary "@$REQ/one.der" -o "$W/answer.der" "$KURL/ocsp" ||
    die "POST /ocsp of one.der failed"

say "wrk -t$THREADS -c$CONNS -d${DURATION}s against kalitd"
curl -sf "$KURL/metrics" > "$W/metrics0" || die "GET /metrics failed"
warm "$KURL/" "$W/one.hex" POST
bench k_post "$KURL/" "$W/one.hex" POST 0 "$KPID"
warm "$KURL/" "$W/one.get" GET
bench k_get "$KURL/" "$W/one.get" GET 0 "$KPID"
warm "$KURL/" "$W/mix.hex" POST
bench k_mix "$KURL/" "$W/mix.hex" POST 0 "$KPID"
bench k_mixget "$KURL/" "$W/mix.get" GET 0 "$KPID"
bench k_nonce "$KURL/" "$W/nonce.hex" POST 0 "$KPID"
curl -sf "$KURL/metrics" > "$W/metrics1" || die "GET /metrics failed"
asks "$KURL/ocsp" || { cat "$W/ask.out" >&2; die "kalitd's answer is not right after the runs"; }
K_200=$(calc "b - a" -v a="$(metric "$W/metrics0" 'kalitd_requests_total{endpoint="ocsp",code="200"}')" \
    -v b="$(metric "$W/metrics1" 'kalitd_requests_total{endpoint="ocsp",code="200"}')")
K_RSS=$(awk '/^VmHWM/ { print $2 }' "/proc/$KPID/status")
kill -TERM "$KPID" 2>/dev/null || true
wait "$KPID" 2>/dev/null || true
KPID=

# ---------------------------------------------------------------- openssl ocsp
"$OPENSSL" pkcs12 -in "$SIGNERS/citizen.p12" -passin "file:$W/responder.pass" \
    -nokeys -clcerts -out "$W/r.crt" 2>>"$LOG" ||
    die "cannot read the responder key file"
"$OPENSSL" pkcs12 -in "$SIGNERS/citizen.p12" -passin "file:$W/responder.pass" \
    -nocerts -nodes -out "$W/r.key" 2>>"$LOG" ||
    die "cannot read the responder key file"
# lib.sh's ca_index: the CA database as an `openssl ca` index.txt
(
	TESTLIB=$top/tests/integration/lib.sh
	export KALIT_CA
	. "$TESTLIB" >/dev/null
	# shellcheck disable=SC2034 # lib.sh's kca reads it
	CADIR=$CA
	ca_index citizen "$W/index.txt"
) >>"$LOG" 2>&1 || die "ca_index failed; see $LOG"
[ "$(grep -c '^R' "$W/index.txt")" -eq "$NREV" ] ||
    die "index.txt does not have the $NREV revoked certificates"

# openssl_start: a fresh `openssl ocsp` responder (its children may be stuck
# on a connection the last run's client left); OPID and OKIDS.
openssl_start() {
	OPORT=$(free_port)
	"$OPENSSL" ocsp -port "$OPORT" -index "$W/index.txt" -CA "$CACRT" \
	    -rsigner "$W/r.crt" -rkey "$W/r.key" -nmin 60 -multi "$MULTI" \
	    -ignore_err >> "$W/openssl.log" 2>&1 &
	OPID=$!
	OURL=http://127.0.0.1:$OPORT
	i=0
	until asks "$OURL/"; do
		i=$((i + 1))
		if [ $i -gt 50 ] || ! kill -0 "$OPID" 2>/dev/null; then
			cat "$W/ask.out" "$W/openssl.log" >&2
			die "openssl ocsp does not answer right"
		fi
		sleep 0.2
	done
	OKIDS=$(children "$OPID")
	[ "$(echo "$OKIDS" | wc -w)" -eq "$MULTI" ] ||
	    die "openssl ocsp -multi $MULTI has $(echo "$OKIDS" | wc -w) children"
}
say "wrk -t$THREADS -c$CONNS -d${DURATION}s against openssl ocsp -multi $MULTI"
openssl_start
# shellcheck disable=SC2086
bench o_post "$OURL/" "$W/one.hex" POST "$OPENSSL_CLOSE" "$OPID" $OKIDS
openssl_stop
openssl_start
# shellcheck disable=SC2086
bench o_mix "$OURL/" "$W/mix.hex" POST "$OPENSSL_CLOSE" "$OPID" $OKIDS
openssl_stop
openssl_start
# shellcheck disable=SC2086
bench o_nonce "$OURL/" "$W/nonce.hex" POST "$OPENSSL_CLOSE" "$OPID" $OKIDS
openssl_stop

# ---------------------------------------------------------------- nginx
# What HTTP alone costs on this machine: nginx answers every GET under
# /ocsp/ with kalitd's answer to one.der, a file it keeps open, over the
# same keep-alive wrk connections. No OCSP work at all: no server can
# answer faster here than this.
if [ "$NGINX" != no ]; then
	NG=$W/nginx
	mkdir -p "$NG/www"
	cp "$W/answer.der" "$NG/www/answer.der"
	NPORT=${NGINX_PORT:-$(free_port)}
	nginx_conf "$NG" "$NGINX_WORKERS" <<CONF
	access_log off;
	sendfile on;
	tcp_nodelay on;
	keepalive_requests 100000000;
	keepalive_timeout 60s;
	open_file_cache max=16;
	open_file_cache_valid 600s;
	server {
		listen 127.0.0.1:$NPORT;
		root $NG/www;
		location /ocsp/ {
			default_type application/ocsp-response;
			try_files /answer.der =404;
		}
	}
CONF
	NURL=http://127.0.0.1:$NPORT
	say "wrk -t$THREADS -c$CONNS -d${DURATION}s against nginx ($NGINX_WORKERS workers, a static answer)"
	nginx_start "$NG" "$NURL/ocsp/x" 200
	curl -sf -o "$W/nginx.der" "$NURL/ocsp/x" && cmp -s "$W/nginx.der" "$W/answer.der" ||
	    die "nginx does not serve kalitd's answer"
	warm "$NURL/" "$W/one.get" GET
	# shellcheck disable=SC2086
	bench n_get "$NURL/" "$W/one.get" GET 0 "$NPID" $NWORKERS
	kill -TERM "$NPID" 2>/dev/null || true
	wait "$NPID" 2>/dev/null || true
	NPID=
fi

# ---------------------------------------------------------------- report
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "OCSP responses per second: kalitd's responder and openssl ocsp, same CA and responder key"
echo "machine:  $NPROC CPUs, ${CPU:-unknown CPU}, Linux $(uname -r)"
echo "openssl:  $("$OPENSSL" version); openssl ocsp -multi $MULTI$([ "$OPENSSL_CLOSE" = 1 ] && echo ', Connection: close')"
echo "kalitd:   $("$KALITD" --version 2>/dev/null || echo '?'), $SERVER_THREADS threads; wrk -t$THREADS -c$CONNS -d${DURATION}s on the same machine$([ "$CHECK" = 1 ] && echo ', every answer checked')"
echo "CA:       $CERTS citizen certificates, $NREV revoked; responder key $("$OPENSSL" pkey -in "$W/r.key" -noout -text 2>/dev/null | head -n 1 | sed 's/^ *//')"
[ "$NGINX" != no ] && echo "nginx:    $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $NGINX_WORKERS workers, keep-alive, kalitd's answer ($(wc -c < "$W/answer.der") bytes) as a static file"
echo "requests: $REQ_BYTES bytes without a nonce, $NREQ_BYTES with; $NONCED distinct nonce'd requests rotated"
echo
printf '%-50s %10s %9s %9s %10s %10s\n' "what" "per second" "p50" "p99" \
    "CPU us/op" "ops/CPU-s"
row() { # NAME LABEL
	. "$W/$1.res"
	printf '%-50s %10.0f %9s %9s %10.1f %10.0f\n' "$2" "$R_RATE" \
	    "$(ms "$R_P50")" "$(ms "$R_P99")" \
	    "$(calc "c * 1e6" -v c="$R_CPU_OP")" "$R_PER_CPU"
}
row k_post "kalitd POST, cached (the same request)"
row k_get "kalitd GET, cached (the same request)"
row k_mix "kalitd POST, cached ($CERTS requests, one a cert)"
row k_mixget "kalitd GET, cached ($CERTS requests)"
row k_nonce "kalitd POST, nonce'd (signed every time)"
row o_post "openssl ocsp POST (the same request)"
row o_mix "openssl ocsp POST ($CERTS requests)"
row o_nonce "openssl ocsp POST, nonce'd"
RUNS="k_post k_get k_mix k_mixget k_nonce o_post o_mix o_nonce"
if [ "$NGINX" != no ]; then
	row n_get "nginx GET, the same answer as a static file"
	RUNS="$RUNS n_get"
fi
echo
echo "CPU during each run (seconds): server / wrk / other processes"
for n in $RUNS; do
	. "$W/$n.res"
	printf '  %-9s %6.2f s over %5.2f s = %4.2f cores; wrk %6.2f s; other %6.2f s\n' \
	    "$n" "$R_CPU" "$R_SEC" "$R_CORES" "$R_CLIENT" "$R_OTHER"
done
echo "kalitd: /metrics counted $(printf '%.0f' "$K_200") OCSP answers with HTTP 200 (warm-ups included); peak RSS $((K_RSS / 1024)) MB"
crowded=0
for n in $RUNS; do
	. "$W/$n.res"
	noisy "$R_OTHER" "$R_SEC" && crowded=1
done
if [ "$crowded" = 1 ]; then
	echo "warning: other processes used more than 10% of the machine during a timed run:"
	echo "         the per-second figures are low; CPU per op is less disturbed. Re-run on a quiet machine."
fi
echo
. "$W/k_post.res"
KC_RATE=$R_RATE
KC_PER_CPU=$R_PER_CPU
. "$W/k_nonce.res"
KN_RATE=$R_RATE
. "$W/o_post.res"
OC_RATE=$R_RATE
OC_PER_CPU=$R_PER_CPU
. "$W/o_nonce.res"
ON_RATE=$R_RATE
echo "goals"
printf '  kalitd cached responses/s (POST):                 %8.0f   (goal >= 20000: %s)\n' \
    "$KC_RATE" "$(goal "$KC_RATE" 20000)"
R=$(calc "k / o" -v k="$KC_RATE" -v o="$OC_RATE")
printf '  kalitd cached / openssl ocsp, per second:         %8.1f   (goal >= 50: %s)\n' \
    "$R" "$(goal "$R" 50)"
printf '  kalitd cached / openssl ocsp, per CPU-second:     %8.1f\n' \
    "$(calc "k / o" -v k="$KC_PER_CPU" -v o="$OC_PER_CPU")"
printf '  kalitd / openssl ocsp with a nonce, per second:    %8.1f\n' \
    "$(calc "k / o" -v k="$KN_RATE" -v o="$ON_RATE")"
if [ "$NGINX" != no ]; then
	. "$W/k_get.res"
	KG_RATE=$R_RATE
	. "$W/n_get.res"
	echo
	echo "HTTP ceiling"
	printf '  50 x openssl ocsp would be:                       %8.0f responses/s\n' \
	    "$(calc "50 * o" -v o="$OC_RATE")"
	printf '  nginx, a static file, no OCSP work:               %8.0f responses/s = %.1f x openssl ocsp\n' \
	    "$R_RATE" "$(calc "n / o" -v n="$R_RATE" -v o="$OC_RATE")"
	printf '  kalitd cached GET / nginx static file:            %8.2f\n' \
	    "$(calc "k / n" -v k="$KG_RATE" -v n="$R_RATE")"
fi
