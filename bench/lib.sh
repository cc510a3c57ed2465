# lib.sh: helpers of the benchmark scripts that run servers under wrk
# (login.sh, login_cost.sh, ocsp.sh, oidc.sh). POSIX sh, sourced after top
# (the source tree) and BENCH (the script's name for messages) are set;
# LC_ALL, KEEP (default 0), TCK and NPROC are set here, and the programs
# under test default to the tree's.

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

# build_helper NAME: bench/NAME, built from bench/NAME.c when missing or
# older than its sources; prints its path.
build_helper() {
	_bh=$top/bench/$1
	if [ ! -x "$_bh" ] || [ -n "$(find "$top/bench/$1.c" \
	    "$top/src/lib/libkalit.a" -newer "$_bh" 2>/dev/null)" ]; then
		say "building bench/$1"
		make -C "$top" "bench/$1" >>"$LOG" 2>&1 ||
		    die "cannot build bench/$1; see $LOG"
	fi
	echo "$_bh"
}
# rr KEY "LINE": the value of KEY=value in a result line of key=value words.
rr() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# login_helpers: LOGIN_BODIES and LOGIN_STEPS, absolute paths of the
# programs given there or of bench/'s, built when needed.
login_helpers() {
	[ -n "$LOGIN_BODIES" ] || LOGIN_BODIES=$(build_helper login_bodies)
	[ -n "$LOGIN_STEPS" ] || LOGIN_STEPS=$(build_helper login_steps)
	LOGIN_BODIES=$(abspath LOGIN_BODIES "$LOGIN_BODIES")
	LOGIN_STEPS=$(abspath LOGIN_STEPS "$LOGIN_STEPS")
	[ -x "$LOGIN_BODIES" ] || die "$LOGIN_BODIES: not an executable"
	[ -x "$LOGIN_STEPS" ] || die "$LOGIN_STEPS: not an executable"
}

# citizen_pki CN K BASE: a kalit-ca PKI in $W/ca (CA; passphrase file
# PASS; KC runs kalit-ca on it): a root CA named CN and a citizen CA, K
# citizens with P-256 keys and PINFLs 3 BASE+0, 3 BASE+1, ... (13 digits
# after the 3), "key:cert" a line in $W/keyspecs, and both CAs' CRLs.
citizen_pki() {
	umask 077
	CA=$W/ca
	PASS=$W/ca.pass
	"$OPENSSL" rand -hex 16 >"$PASS"
	say "PKI: root and citizen CAs, $2 citizens, the CAs' CRLs"
	KC init --cn "$1" --org "kalit bench" --ca-pass "file:$PASS" \
	    >>"$LOG" 2>&1 && KC ca-new --profile citizen \
	    --ca-pass "file:$PASS" >>"$LOG" 2>&1 ||
	    die "kalit-ca failed; see $LOG"
	: >"$W/keyspecs"
	_cp=0
	while [ $_cp -lt "$2" ]; do
		"$OPENSSL" genpkey -algorithm EC -pkeyopt \
		    ec_paramgen_curve:P-256 -out "$W/c$_cp.key" 2>>"$LOG"
		"$OPENSSL" req -new -key "$W/c$_cp.key" -subj "/CN=x" \
		    -out "$W/c$_cp.csr" 2>>"$LOG"
		KC issue --profile citizen --given-name Vali --surname Aliyev \
		    --pinfl "3$(printf %013d $(($3 + _cp)))" \
		    --csr "$W/c$_cp.csr" --out "$W/c$_cp.pem" \
		    --ca-pass "file:$PASS" >>"$LOG" 2>&1 ||
		    die "kalit-ca issue failed; see $LOG"
		printf '%s:%s\n' "$W/c$_cp.key" "$W/c$_cp.pem" >>"$W/keyspecs"
		_cp=$((_cp + 1))
	done
	for _c in root citizen; do
		KC crl --ca $_c --ca-pass "file:$PASS" >>"$LOG" 2>&1 ||
		    die "kalit-ca crl --ca $_c failed; see $LOG"
	done
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

# stop_servers: the script's own, run at exit before the work directory
# goes (it stops what the script started).
stop_servers() { stop_kalitd; }

# stop_kalitd: stops the kalitd of start_kalitd (KPID), when it runs.
KPID=
stop_kalitd() {
	if [ -n "$KPID" ]; then
		kill -TERM "$KPID" 2>/dev/null || true
		wait "$KPID" 2>/dev/null || true
		KPID=
	fi
}

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
# KALIT_PROFILE_DIR a directory, OPENSSL, WRK and curl found, GNU date.
need_tools() {
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

# start_kalitd CONF URL: $KALITD -c CONF in the background (KPID), its
# output in kalitd.log beside CONF; waits until URL/healthz answers.
start_kalitd() {
	"$KALITD" -c "$1" > "$(dirname "$1")/kalitd.log" 2>&1 &
	KPID=$!
	_sk_i=0
	until curl -sf "$2/healthz" >/dev/null 2>&1; do
		_sk_i=$((_sk_i + 1))
		if [ $_sk_i -gt 100 ] || ! kill -0 "$KPID" 2>/dev/null; then
			cat "$(dirname "$1")/kalitd.log" >&2
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
