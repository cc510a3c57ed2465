# lib.sh: helpers of the benchmark scripts that run servers under wrk
# (login.sh, login_cost.sh, machine.sh, ocsp.sh, oidc.sh). POSIX sh, sourced after top
# (the source tree) and BENCH (the script's name for messages) are set;
# LC_ALL, KEEP (default 0), TCK and NPROC are set here, and the programs
# under test default to the tree's.
# shellcheck disable=SC2034	# its functions set variables for the scripts

LC_ALL=C
export LC_ALL
KEEP=${KEEP:-0}
TCK=$(getconf CLK_TCK)
NPROC=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
KALITD=${KALITD:-$top/kalitd}
KALIT_CA=${KALIT_CA:-$top/kalit-ca}
KALIT_PROFILE_DIR=${KALIT_PROFILE_DIR:-$top/ca/profiles}
LOGIN_BODIES=${LOGIN_BODIES:-}	# login_helpers builds them when unset
LOGIN_STEPS=${LOGIN_STEPS:-}
OPENSSL=${OPENSSL:-openssl}
WRK=${WRK:-wrk}
BENCH_TMP=${BENCH_TMP:-${TMPDIR:-/tmp}}
export KALIT_PROFILE_DIR
unset KALIT_CA_DIR KALITD_CONF
KALIT_OPERATOR=bench	# the audit log's operator for what kalit-ca does
export KALIT_OPERATOR

say() { printf '%s\n' "$BENCH: $*" >&2; }
die() { say "error: $*"; exit 1; }

abspath() { # NAME VALUE: prints an absolute path to the executable
	case $2 in
	/*) printf '%s\n' "$2" ;;
	*/*) printf '%s\n' "$(pwd)/$2" ;;
	*) command -v "$2" 2>/dev/null || die "$1: $2 not found" ;;
	esac
}

# build_helper NAME [SOURCE...]: bench/NAME, built from bench/NAME.c (and
# the tree's SOURCEs) when missing or older than its sources; prints its
# path.
build_helper() {
	_bh=$top/bench/$1
	_bs=$1
	shift
	if [ ! -x "$_bh" ] || [ -n "$(cd "$top" && find "bench/$_bs.c" \
	    src/lib/libkalit.a "$@" -newer "$_bh" 2>/dev/null)" ]; then
		say "building bench/$_bs"
		make -C "$top" "bench/$_bs" >>"$LOG" 2>&1 ||
		    die "cannot build bench/$_bs; see $LOG"
	fi
	echo "$_bh"
}
# rr KEY "LINE": the value of KEY=value in a result line of key=value words.
rr() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# login_helpers: LOGIN_BODIES and LOGIN_STEPS, absolute paths of the
# programs given there or of bench/'s, built when needed.
login_helpers() {
	[ -n "$LOGIN_BODIES" ] || LOGIN_BODIES=$(build_helper login_bodies \
	    src/kalit/assertion.c)
	[ -n "$LOGIN_STEPS" ] || LOGIN_STEPS=$(build_helper login_steps)
	LOGIN_BODIES=$(abspath LOGIN_BODIES "$LOGIN_BODIES")
	LOGIN_STEPS=$(abspath LOGIN_STEPS "$LOGIN_STEPS")
	[ -x "$LOGIN_BODIES" ] || die "$LOGIN_BODIES: not an executable"
	[ -x "$LOGIN_STEPS" ] || die "$LOGIN_STEPS: not an executable"
}

# citizen_pki CN K BASE [PROFILE...]: a kalit-ca PKI in $W/ca (CA;
# passphrase file PASS; KC runs kalit-ca on it): a root CA named CN, a
# citizen CA and a CA of each PROFILE, K citizens with P-256 keys and
# PINFLs 3 BASE+0, 3 BASE+1, ... (13 digits after the 3) in $W/c0.key,
# $W/c0.pem, ..., "key:cert" a line in $W/keyspecs, and every CA's CRL.
citizen_pki() {
	umask 077
	CA=$W/ca
	PASS=$W/ca.pass
	"$OPENSSL" rand -hex 16 >"$PASS"
	_cn=$1 _k=$2 _base=$3
	shift 3
	say "PKI: root, citizen${*:+ and $*} CAs, $_k citizens, the CAs' CRLs"
	KC init --cn "$_cn" --org "kalit bench" --ca-pass "file:$PASS" \
	    >>"$LOG" 2>&1 || die "kalit-ca init failed; see $LOG"
	for _c in citizen "$@"; do
		KC ca-new --profile "$_c" --cn "kalit Bench $_c CA" \
		    --ca-pass "file:$PASS" >>"$LOG" 2>&1 ||
		    die "kalit-ca ca-new $_c failed; see $LOG"
	done
	keys_issue citizen "$W/c" "$_k" "$_base" \
	    '"given_name":"Vali","surname":"Aliyev","pinfl":"3%013d"' \
	    >"$W/keyspecs"
	for _c in root citizen "$@"; do
		KC crl --ca "$_c" --ca-pass "file:$PASS" >>"$LOG" 2>&1 ||
		    die "kalit-ca crl --ca $_c failed; see $LOG"
	done
}

# keys_issue PROFILE PREFIX K BASE IDENTITY: K P-256 keys (PREFIX0.key,
# PREFIX1.key, ...) made with openssl and certified by kalit-ca's PROFILE
# in one `issue --batch` (PREFIX0.pem, ...). IDENTITY is the JSON members
# of key i's identity, an awk printf format given BASE + i:
# '"cn":"x","org":"y","org_tin":"200000001"', '"pinfl":"3%013d"'. Prints
# a "key:cert" line a key.
keys_issue() {
	_ki=0
	while [ $_ki -lt "$3" ]; do
		"$OPENSSL" genpkey -algorithm EC -pkeyopt \
		    ec_paramgen_curve:P-256 -out "$2$_ki.key" 2>>"$LOG" &&
		    "$OPENSSL" req -new -key "$2$_ki.key" -subj "/CN=x" \
		    -out "$2$_ki.csr" 2>>"$LOG" || die "openssl: a key or CSR"
		_ki=$((_ki + 1))
	done
	awk -v n="$3" -v p="$2" -v b="$4" -v id="$5" 'BEGIN {
		for (i = 0; i < n; i++) {
			f = p i ".csr"
			s = ""
			while ((getline l < f) > 0)
				s = s l "\\n"
			close(f)
			printf "{%s,\"csr\":\"%s\"}\n", sprintf(id, b + i), s
		}
	}' >"$2.batch"
	KC issue --profile "$1" --batch "$2.batch" --ca-pass "file:$PASS" \
	    >"$2.serials" 2>>"$LOG" ||
	    die "kalit-ca issue --profile $1 --batch failed; see $LOG"
	[ "$(wc -l <"$2.serials")" -eq "$3" ] || die "kalit-ca issued fewer than $3"
	_ki=0
	while read -r _serial _; do
		KC show "$_serial" --pem >"$2$_ki.pem" 2>>"$LOG" ||
		    die "kalit-ca show failed; see $LOG"
		printf '%s:%s\n' "$2$_ki.key" "$2$_ki.pem"
		_ki=$((_ki + 1))
	done <"$2.serials"
}
KC() { "$KALIT_CA" -d "$CA" "$@"; }

# login_conf PORT THREADS: the kalitd.conf sections the login benchmarks
# share, on stdout: 127.0.0.1:PORT, the CAs and CRLs of citizen_pki, no
# OCSP, and challenge shares as large as they go (every body comes from
# 127.0.0.1 for client bench; still counted, so a login costs what it does).
login_conf() {
	cat <<CONF
[server]
listen = 127.0.0.1
port = $1
threads = $2
trust_dir = $CA/certs

[challenge]
lifetime = 3600
max_used_per_client = 100000000
max_used_per_address = 100000000

[revocation]
ocsp = no
crl_dir = $CA/crl
CONF
}

# stop_servers: run at exit before the work directory goes: stops what
# the script started (BGPIDS, perf, kalitd and nginx); a script that
# starts more has its own.
BGPIDS=
stop_servers() {
	for _p in $BGPIDS; do
		kill "$_p" 2>/dev/null || true
	done
	BGPIDS=
	perf_stop
	stop_kalitd
	stop_nginx
}

# stop_pid VAR: stops (TERM) and waits for the process whose pid VAR
# holds, when it runs; VAR is emptied.
stop_pid() {
	eval "_sp=\$$1"
	if [ -n "$_sp" ]; then
		kill -TERM "$_sp" 2>/dev/null || true
		wait "$_sp" 2>/dev/null || true
		eval "$1="
	fi
}
# stop_kalitd, stop_nginx: the kalitd of start_kalitd (KPID), the nginx
# of nginx_start (NPID).
KPID=
NPID=
stop_kalitd() { stop_pid KPID; }
stop_nginx() { stop_pid NPID; }

# workdir PREFIX: a fresh work directory in W (under $BENCH_TMP) with LOG in
# it; at exit the servers are stopped and W is removed unless KEEP=1.
workdir() {
	W=$(mktemp -d "$BENCH_TMP/$1.XXXXXX") || die "mktemp failed"
	trap bench_exit EXIT
	trap 'exit 130' INT TERM
	LOG=$W/log
	: > "$LOG"
}
bench_exit() {
	stop_servers
	if [ "$KEEP" = 1 ]; then
		say "work directory kept: $W"
	else
		rm -rf "$W"
	fi
}

# numbers VAR...: each variable holds a whole number, at least 1.
numbers() {
	for _nv; do
		_nx=
		eval "_nx=\$$_nv"
		case $_nx in ''|*[!0-9]*) die "$_nv=$_nx is not a number" ;; esac
		[ "$_nx" -ge 1 ] || die "$_nv must be at least 1"
	done
}

# need_tools: KALITD and KALIT_CA made absolute and executable,
# KALIT_PROFILE_DIR a directory, OPENSSL, WRK and curl found, GNU date;
# NGINX found unless it is "no" (or unset), perf when PERF=1.
need_tools() {
	if [ "${NGINX:-no}" != no ]; then
		command -v "$NGINX" >/dev/null 2>&1 ||
		    die "$NGINX not found (apt-get install nginx-light, or NGINX=no)"
	fi
	if [ "${PERF:-0}" = 1 ]; then
		command -v perf >/dev/null 2>&1 ||
		    die "PERF=1 but perf is not installed"
	fi
	KALITD=$(abspath KALITD "$KALITD")
	KALIT_CA=$(abspath KALIT_CA "$KALIT_CA")
	[ -x "$KALITD" ] || die "$KALITD: not an executable; make kalitd or set KALITD"
	[ -x "$KALIT_CA" ] || die "$KALIT_CA: not an executable; make kalit-ca or set KALIT_CA"
	[ -d "$KALIT_PROFILE_DIR" ] || die "$KALIT_PROFILE_DIR: no such directory"
	command -v "$OPENSSL" >/dev/null 2>&1 || die "$OPENSSL not found"
	command -v "$WRK" >/dev/null 2>&1 || die "$WRK not found (apt-get install wrk)"
	command -v curl >/dev/null 2>&1 || die "curl not found"
	case $(date +%N) in
	*[!0-9]*|'') die "date +%N unsupported: GNU date is needed" ;;
	esac
}

now() { date +%s.%N; }
# ticks PID...: utime + stime of the processes (all their threads), in ticks
ticks() {
	for _p; do
		sed 's/^.*) //' "/proc/$_p/stat" 2>/dev/null || true
	done | awk '{ t += $12 + $13 } END { print t + 0 }'
}
# busy: ticks all CPUs spent busy (not idle or waiting for I/O) since boot
busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# kids FILE: CPU ticks of this shell's waited-for children so far, from
# `times > FILE` run in this shell (not in a $(...) subshell)
kids() {
	awk -v t="$TCK" 'NR == 2 {
		split($1, u, /[ms]/); split($2, s, /[ms]/)
		printf "%.0f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * t }' "$1"
}
# children PID: the direct children of a process
children() {
	cat /proc/"$1"/task/*/children 2>/dev/null ||
	    ps -o pid= --ppid "$1" 2>/dev/null || true
}
# calc EXPR -v VAR=VALUE...: awk arithmetic, printed with %.10g (put a
# comparison in parentheses: a bare '>' is awk's output redirection)
calc() {
	_e=$1
	shift
	awk "$@" "BEGIN { printf \"%.10g\", $_e }" /dev/null
}
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null ||
	    awk 'BEGIN { srand(); print 20000 + int(rand() * 20000) }'
}
# metric FILE NAME: the value of the sample NAME (with its labels) in FILE
metric() {
	awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }' "$1"
}
# ms MICROSECONDS: "1.23 ms"
ms() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }
# goal VALUE GOAL: "met" or "NOT met"
goal() { awk -v v="$1" -v g="$2" 'BEGIN { print (v >= g ? "met" : "NOT met") }'; }
# noisy OTHER SECONDS: other processes took more than 10% of the machine
noisy() { awk -v o="$1" -v s="$2" -v n="$NPROC" 'BEGIN { exit !(o > 0.1 * s * n) }'; }

# start_kalitd CONF URL [CURL-OPTION...]: $KALITD -c CONF in the
# background (KPID), its output in kalitd.log beside CONF; waits until
# URL/healthz answers curl (given the options: --cacert for HTTPS).
start_kalitd() {
	_sk_conf=$1 _sk_url=$2
	shift 2
	"$KALITD" -c "$_sk_conf" > "$(dirname "$_sk_conf")/kalitd.log" 2>&1 &
	KPID=$!
	_sk_i=0
	until curl -sf "$@" "$_sk_url/healthz" >/dev/null 2>&1; do
		_sk_i=$((_sk_i + 1))
		if [ $_sk_i -gt 100 ] || ! kill -0 "$KPID" 2>/dev/null; then
			cat "$(dirname "$_sk_conf")/kalitd.log" >&2
			die "kalitd did not start"
		fi
		sleep 0.1
	done
}

# nginx_conf DIR WORKERS: DIR/nginx.conf for WORKERS worker processes, its
# pid, logs and temporary files under DIR; the http block's own lines (log
# format, access log, servers) are read from standard input.
nginx_conf() {
	mkdir -p "$1/tmp"
	{
		[ "$(id -u)" -eq 0 ] && echo "user root;"	# workers stay root
		cat <<CONF
worker_processes $2;
pid $1/nginx.pid;
error_log $1/error.log warn;
events {
	worker_connections 4096;
}
http {
	client_body_temp_path $1/tmp/body;
	proxy_temp_path $1/tmp/proxy;
	fastcgi_temp_path $1/tmp/fastcgi;
	uwsgi_temp_path $1/tmp/uwsgi;
	scgi_temp_path $1/tmp/scgi;
CONF
		cat
		echo "}"
	} > "$1/nginx.conf"
}
# nginx_start DIR URL STATUS [CURL-OPTION...]: nginx with DIR/nginx.conf
# in the background (NPID, its workers in NWORKERS); waits until curl gets
# STATUS from URL.
nginx_start() {
	_nd=$1 _nu=$2 _ns=$3
	shift 3
	"$NGINX" -t -c "$_nd/nginx.conf" -p "$_nd" -e "$_nd/error.log" \
	    >>"$LOG" 2>&1 || die "nginx -t failed; see $LOG"
	"$NGINX" -c "$_nd/nginx.conf" -p "$_nd" -e "$_nd/error.log" \
	    -g 'daemon off;' >>"$LOG" 2>&1 &
	NPID=$!
	_ni=0
	until [ "$(curl -s -o /dev/null -w '%{http_code}' "$@" "$_nu" \
	    2>/dev/null)" = "$_ns" ]; do
		_ni=$((_ni + 1))
		if [ $_ni -gt 100 ] || ! kill -0 "$NPID" 2>/dev/null; then
			cat "$_nd/error.log" >&2 || true
			die "nginx did not start"
		fi
		sleep 0.1
	done
	NWORKERS=$(children "$NPID")
	[ -n "$NWORKERS" ] || die "no nginx worker processes"
}

# meter_start PID...: notes the CPU time of PID... (all their threads), of
# the machine and of this shell's waited-for children, and the time, for
# meter_stop PID..., which sets, for the time since: M_CPU, the CPU
# seconds of PID...; M_SEC, the wall seconds; M_CLIENT, the children's
# CPU seconds (the load generator, waited for meanwhile); M_OTHER, those
# of every other process (at least 0); M_BUSY, the machine's busy share.
meter_start() {
	_m_p0=$(ticks "$@")
	_m_b0=$(busy)
	times >"$W/times0"
	_m_c0=$(kids "$W/times0")
	_m_t0=$(now)
}
meter_stop() {
	_m_p1=$(ticks "$@")
	_m_b1=$(busy)
	times >"$W/times1"
	_m_c1=$(kids "$W/times1")
	_m_t1=$(now)
	M_SEC=$(calc "b - a" -v a="$_m_t0" -v b="$_m_t1")
	M_CPU=$(calc "(b - a) / t" -v a="$_m_p0" -v b="$_m_p1" -v t="$TCK")
	M_CLIENT=$(calc "(b - a) / t" -v a="$_m_c0" -v b="$_m_c1" -v t="$TCK")
	M_OTHER=$(calc "(x < 0) ? 0 : x" -v x="$(calc \
	    "(b1 - b0 - (p1 - p0) - (c1 - c0)) / t" -v b0="$_m_b0" \
	    -v b1="$_m_b1" -v p0="$_m_p0" -v p1="$_m_p1" -v c0="$_m_c0" \
	    -v c1="$_m_c1" -v t="$TCK")")
	M_BUSY=$(calc "(b - a) / t / n / s" -v a="$_m_b0" -v b="$_m_b1" \
	    -v t="$TCK" -v n="$NPROC" -v s="$M_SEC")
}

# perf_start PID OUT: with PERF=1, perf records PID (call graphs) into OUT
# until perf_stop, which writes the top functions, by self time into
# OUT.self and with their callees into OUT.children, for perf_print OUT.
PERFPID=
PERFOUT=
perf_start() {
	[ "${PERF:-0}" = 1 ] || return 0
	perf record -F 499 --call-graph dwarf,8192 -p "$1" -o "$2" \
	    >>"$LOG" 2>&1 &
	PERFPID=$!
	PERFOUT=$2
}
perf_stop() {
	[ -n "$PERFPID" ] || return 0
	kill -INT "$PERFPID" 2>/dev/null || true
	wait "$PERFPID" 2>/dev/null || true
	PERFPID=
	[ -s "$PERFOUT" ] || return 0
	perf report -i "$PERFOUT" --no-children --sort dso,sym --stdio \
	    -g none --percent-limit 1 2>/dev/null | grep -v '^#' |
	    grep -v '^$' | head -n 25 >"$PERFOUT.self" || true
	perf report -i "$PERFOUT" --children --sort sym --stdio \
	    -g none --percent-limit 2 2>/dev/null | grep -v '^#' |
	    grep -v '^$' | grep -v ' 0x0000' | head -n 40 \
	    >"$PERFOUT.children" || true
}
# perf_print OUT WHAT: perf_stop's lists for OUT, titled "perf: WHAT".
perf_print() {
	[ -s "$1.self" ] || return 0
	echo
	echo "perf: $2, self time (top functions)"
	sed 's/^/  /' "$1.self"
	echo
	echo "perf: $2, with callees (children), named symbols"
	sed 's/^/  /' "$1.children"
}

# login_sign N OUT OPTION...: N bodies made by LOGIN_BODIES (GEN_JOBS
# threads, the options given) into OUT; GEN_SEC the seconds it took,
# GEN_LINE its summary.
login_sign() {
	_ls_n=$1 _ls_out=$2
	shift 2
	_ls_t0=$(now)
	"$LOGIN_BODIES" -n "$_ls_n" -j "${GEN_JOBS:-$((4 * NPROC))}" \
	    -o "$_ls_out" "$@" 2>"$W/gen.err" || {
		tail -n 5 "$W/gen.err" >&2
		die "login_bodies failed"
	}
	GEN_SEC=$(calc "b - a" -v a="$_ls_t0" -v b="$(now)")
	GEN_LINE=$(tail -n 1 "$W/gen.err")
	cat "$W/gen.err" >>"$LOG"
}

# post FILE PATH TYPE: POSTs FILE to kalitd's (URL) PATH as TYPE; the
# answer in $W/answer, its HTTP status printed (000: no answer).
post() {
	curl -s -o "$W/answer" -w '%{http_code}' -H "Content-Type: $3" \
	    --data-binary "@$1" "$URL$2" 2>>"$LOG" || echo 000
}

# login_check OPTION...: a body made by LOGIN_BODIES with the options
# given logs in at kalitd (URL) and the same again is refused; kalitd's
# answers to a challenge and a login are left in $W/challenge.answer and
# $W/login.answer.
login_check() {
	"$LOGIN_BODIES" -n 1 -j 1 -o "$W/one.json" "$@" >>"$LOG" 2>&1 ||
	    die "login_bodies failed; see $LOG"
	_lc=$(post "$W/one.json" /v1/login application/json)
	[ "$_lc" = 200 ] && grep -q '"access_token"' "$W/answer" ||
	    die "a login was refused: HTTP $_lc $(head -c 300 "$W/answer")"
	cp "$W/answer" "$W/login.answer"
	curl -sf -H 'Content-Type: application/json' \
	    -d '{"client_id":"bench"}' -o "$W/challenge.answer" \
	    "$URL/v1/challenge" || die "POST /v1/challenge failed"
	_lc=$(post "$W/one.json" /v1/login application/json)
	[ "$_lc" = 400 ] && grep -q challenge_reused "$W/answer" ||
	    die "a reused challenge was not refused: HTTP $_lc $(head -c 300 "$W/answer")"
}

# login_result FILE: the LOGIN_RESULT line login.lua wrote into wrk's
# output FILE, in RES, and from it W_REQ (wrk's requests), W_US (wrk's
# microseconds), W_OK (the logins or tokens answered 200), W_P50, W_P90,
# W_P99, W_MEAN (latency, microseconds). Stops the benchmark, naming the
# refusals' codes, when an answer was refused, a socket failed or timed
# out, or the bodies ran out.
login_result() {
	RES=$(grep '^LOGIN_RESULT ' "$1") ||
	    { cat "$1" >&2; die "no result from login.lua"; }
	W_REQ=$(rr requests "$RES")
	W_US=$(rr duration_us "$RES")
	W_OK=$(rr logins_ok "$RES")
	W_P50=$(rr lat_p50_us "$RES")
	W_P90=$(rr lat_p90_us "$RES")
	W_P99=$(rr lat_p99_us "$RES")
	W_MEAN=$(rr lat_mean_us "$RES")
	_lr_bad=$(rr bad "$RES")
	_lr_err=$(($(rr err_connect "$RES") + $(rr err_read "$RES") + \
	    $(rr err_write "$RES") + $(rr err_timeout "$RES")))
	[ "$(rr exhausted "$RES")" -eq 0 ] ||
	    die "the bodies ran out ($(rr bodies_sent "$RES") sent): raise N or lower DURATION"
	if [ "$_lr_bad" -ne 0 ] || [ "$_lr_err" -ne 0 ]; then
		grep -E '^LOGIN_(ERROR|FIRST_BAD)' "$1" >&2 || true
		die "the run had $_lr_bad refused answers, $_lr_err socket errors/timeouts"
	fi
}

# nginx_tls: nginx (NGINX, NGINX_WORKERS workers, on NGINX_PORT or a free
# port) doing full TLS handshakes with client certificates of citizen_pki's
# CAs (NGINX_CRL=1: their CRLs checked too), made by STIME_PROCS x `openssl
# s_time -new` of STIME_SECONDS, each with a key of $W/keyspecs in turn.
# curl checks first that a citizen is let in and that no certificate and
# a certificate of another CA are not; nginx's access log must show every
# connection a full, verified handshake. Sets N_CONN (handshakes), N_SEC,
# N_RATE (per second), N_CPU (nginx's CPU seconds, master and workers),
# N_CPU_OP, N_PER_CPU, N_CORES, N_CLIENT, N_OTHER, N_WALL (meter_stop's),
# N_LOG, N_PROTO (the log's lines and protocols) and N_TLS (protocol,
# cipher and key exchange group, with their counts).
# Other clients than the citizens: NGINX_CLIENTS (KEY:CERT lines, default
# $W/keyspecs), NGINX_CLIENT_CAS (the names of their CAs in $CA/certs,
# default "root citizen") and NGINX_CLIENT_CN (the first one's CN, default
# "Aliyev Vali"). The server's certificate is a throwaway P-256 one made
# by openssl, or the chain and key of NGINX_SERVER_P12 (a kalit-ca key
# file, its password in the file NGINX_SERVER_PASS), the key kept
# encrypted (ssl_password_file).
nginx_tls() {
	NG=$W/nginx
	mkdir -p "$NG/tmp"
	_nt_clients=${NGINX_CLIENTS:-$W/keyspecs}
	say "nginx: TLS server certificate and configuration"
	"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$NG/tlsca.key" -out "$NG/tlsca.pem" -days 2 \
	    -subj "/CN=kalit bench TLS CA" >>"$LOG" 2>&1
	"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$NG/server.key" -out "$NG/server.csr" \
	    -subj "/CN=127.0.0.1" >>"$LOG" 2>&1
	printf 'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n' >"$NG/ext"
	"$OPENSSL" x509 -req -in "$NG/server.csr" -CA "$NG/tlsca.pem" \
	    -CAkey "$NG/tlsca.key" -CAcreateserial -days 2 -extfile "$NG/ext" \
	    -out "$NG/server.pem" >>"$LOG" 2>&1 || die "server certificate failed"
	_nt_cert=$NG/server.pem _nt_key=$NG/server.key _nt_pass=
	_nt_cacert=$NG/tlsca.pem
	if [ -n "${NGINX_SERVER_P12:-}" ]; then
		# (openssl reads -passin and -passout from one file as two lines)
		cat "$NGINX_SERVER_PASS" "$NGINX_SERVER_PASS" >"$NG/key.pass"
		"$OPENSSL" pkcs12 -in "$NGINX_SERVER_P12" -passin \
		    "file:$NG/key.pass" -nocerts -passout "file:$NG/key.pass" \
		    -out "$NG/p12.key" 2>>"$LOG" &&
		    "$OPENSSL" pkcs12 -in "$NGINX_SERVER_P12" -passin \
		    "file:$NGINX_SERVER_PASS" -clcerts -nokeys \
		    -out "$NG/p12.pem" 2>>"$LOG" &&
		    "$OPENSSL" pkcs12 -in "$NGINX_SERVER_P12" -passin \
		    "file:$NGINX_SERVER_PASS" -cacerts -nokeys \
		    >>"$NG/p12.pem" 2>>"$LOG" ||
		    die "$NGINX_SERVER_P12: openssl pkcs12 failed; see $LOG"
		_nt_cert=$NG/p12.pem _nt_key=$NG/p12.key
		_nt_pass="ssl_password_file $NG/key.pass;"
		_nt_cacert=$CA/certs/root.crt
	fi
	: >"$NG/clientca.pem"
	for _c in ${NGINX_CLIENT_CAS:-root citizen}; do
		cat "$CA/certs/$_c.crt" >>"$NG/clientca.pem"
	done
	_nt_crl=
	if [ "${NGINX_CRL:-0}" = 1 ]; then
		for _c in ${NGINX_CLIENT_CAS:-root citizen}; do
			"$OPENSSL" crl -inform DER -in "$CA/crl/$_c.crl" \
			    >>"$NG/crl.pem" 2>>"$LOG"
		done
		_nt_crl="ssl_crl $NG/crl.pem;"
	fi
	_nt_port=${NGINX_PORT:-$(free_port)}
	nginx_conf "$NG" "$NGINX_WORKERS" <<CONF
	log_format hs '\$ssl_session_reused \$ssl_protocol \$ssl_client_verify \$ssl_cipher \$ssl_curve';
	access_log $NG/access.log hs buffer=64k;
	server {
		listen 127.0.0.1:$_nt_port ssl;
		ssl_certificate $_nt_cert;
		ssl_certificate_key $_nt_key;
		$_nt_pass
		ssl_client_certificate $NG/clientca.pem;
		ssl_verify_client on;
		ssl_verify_depth 2;
		$_nt_crl
		ssl_session_cache off;
		ssl_session_tickets off;
		ssl_protocols TLSv1.2 TLSv1.3;
		location / {
			default_type text/plain;
			return 200 "\$ssl_client_s_dn\n";
		}
	}
CONF
	say "starting nginx on https://127.0.0.1:$_nt_port ($NGINX_WORKERS workers)"
	_nt_url=https://127.0.0.1:$_nt_port/
	nginx_start "$NG" "$_nt_url" 400 --cacert "$_nt_cacert"
	nginx_tls_checks "$_nt_url" "$_nt_cacert" "$_nt_clients" \
	    "${NGINX_CLIENT_CN:-Aliyev Vali}"

	say "openssl s_time: $STIME_PROCS clients, ${STIME_SECONDS}s of full handshakes"
	_nt_k=$(wc -l <"$_nt_clients")
	_nt_pids=
	meter_start "$NPID" $NWORKERS
	_nt_i=0
	while [ $_nt_i -lt "$STIME_PROCS" ]; do
		_nt_spec=$(sed -n "$((_nt_i % _nt_k + 1))p" "$_nt_clients")
		"$OPENSSL" s_time -connect "127.0.0.1:$_nt_port" \
		    -cert "${_nt_spec#*:}" -key "${_nt_spec%%:*}" -new \
		    -time "$STIME_SECONDS" -www / >"$W/stime.$_nt_i" 2>&1 &
		_nt_pids="$_nt_pids $!"
		_nt_i=$((_nt_i + 1))
	done
	BGPIDS="$BGPIDS $_nt_pids"
	for _p in $_nt_pids; do
		wait "$_p" || die "openssl s_time failed; see $W/stime.*"
	done
	BGPIDS=
	meter_stop "$NPID" $NWORKERS
	N_SEC=$M_SEC N_CPU=$M_CPU N_CLIENT=$M_CLIENT N_OTHER=$M_OTHER
	N_WALL=$M_BUSY
	cat "$W"/stime.* >>"$LOG"
	N_CONN=$(cat "$W"/stime.* | awk '/connections in .* real seconds/ { n += $1 } END { print n + 0 }')
	[ "$N_CONN" -gt 0 ] || die "openssl s_time made no connection; see $LOG"
	N_RATE=$(calc "n / s" -v n="$N_CONN" -v s="$N_SEC")
	N_CPU_OP=$(calc "c / n" -v c="$N_CPU" -v n="$N_CONN")
	N_PER_CPU=$(calc "n / c" -v c="$N_CPU" -v n="$N_CONN")
	N_CORES=$(calc "c / s" -v c="$N_CPU" -v s="$N_SEC")
	kill -QUIT "$NPID" 2>/dev/null || true	# flushes the access log
	wait "$NPID" 2>/dev/null || true
	NPID=
	# Every connection was a full handshake with a verified certificate.
	N_LOG=$(wc -l <"$NG/access.log" | tr -d ' ')
	_nt_full=$(grep -c '^\. TLSv1\.[23] SUCCESS [^ ]* [^ ]*$' \
	    "$NG/access.log" || true)
	N_PROTO=$(awk '{ print $2 }' "$NG/access.log" | sort | uniq -c |
	    awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')
	N_TLS=$(awk '{ print $2, $4, $5 }' "$NG/access.log" | sort | uniq -c |
	    awk '{ printf "%s%s %s %s: %s", sep, $2, $3, $4, $1; sep = ", " }')
	[ "$_nt_full" -eq "$N_LOG" ] && [ "$N_LOG" -eq "$N_CONN" ] ||
	    die "nginx logged $N_LOG requests, $_nt_full of them full verified handshakes, s_time counted $N_CONN"
}

# nginx_tls_checks URL CACERT CLIENTS CN: nginx_tls's nginx at URL (its
# certificate's CA in CACERT) lets the first client of CLIENTS in (200
# with its DN, whose CN is CN), and no certificate and a certificate of
# another CA not; then its access log starts afresh for the timed run.
nginx_tls_checks() {
	_nc_spec=$(head -n 1 "$3")
	_nc=$(curl -s -o "$W/answer" -w '%{http_code}' --cacert "$2" \
	    --cert "${_nc_spec#*:}" --key "${_nc_spec%%:*}" \
	    "$1" 2>>"$LOG") || _nc=000
	[ "$_nc" = 200 ] && grep -q "CN=$4" "$W/answer" ||
	    die "nginx refused the client certificate: HTTP $_nc"
	_nc=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$2" \
	    "$1" 2>>"$LOG") || _nc=000
	[ "$_nc" = 400 ] || die "nginx let in a client without a certificate: HTTP $_nc"
	_nc=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$2" \
	    --cert "$NG/server.pem" --key "$NG/server.key" \
	    "$1" 2>>"$LOG") || _nc=000
	[ "$_nc" = 400 ] || die "nginx let in a certificate of another CA: HTTP $_nc"
	mv "$NG/access.log" "$NG/access.checks.log"
	kill -USR1 "$NPID"
	_nc=0
	until [ -f "$NG/access.log" ]; do
		_nc=$((_nc + 1))
		[ $_nc -le 100 ] || die "nginx did not reopen its access log"
		sleep 0.05
	done
}

# login_wrk NAME BODIES [VAR=VALUE...]: wrk (THREADS, CONNS, DURATION)
# with login.lua sending BODIES to kalitd (URL, KPID), login.lua's other
# settings given as VAR=VALUE; wrk's output in $W/NAME.wrk, read by
# login_result; kalitd metered (meter_stop's M_*) and, with PERF=1,
# recorded into $W/NAME.perf.
login_wrk() {
	_lw=$W/$1 _lw_b=$2
	shift 2
	meter_start "$KPID"
	perf_start "$KPID" "$_lw.perf"
	env LOGIN_BODIES="$_lw_b" LOGIN_THREADS="$THREADS" "$@" "$WRK" \
	    -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency \
	    -s "$top/bench/login.lua" "$URL/" >"$_lw.wrk" 2>&1 ||
	    { cat "$_lw.wrk" >&2; die "wrk failed"; }
	meter_stop "$KPID"
	perf_stop
	cat "$_lw.wrk" >>"$LOG"
	login_result "$_lw.wrk"
}
