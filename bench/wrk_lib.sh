# wrk_lib.sh: what the benchmarks that run kalitd under wrk share (sourced by
# timestamp.sh and verify_api.sh).
#
# Needs: top (the source tree) and NAME (the script's name, for messages).
# Sets the settings every such benchmark has (environment, all optional:
# KALITD, KALIT, KALIT_CA and KALIT_PROFILE_DIR from the tree; DURATION of
# each wrk run, 10 s; CONNS and THREADS of wrk, 32 and 2; OPENSSL, WRK;
# KEEP=1 keeps the work directory), W (the work directory, the current one
# from here on) and KPID (kalitd's pid, once started); both are cleaned up
# at exit.

LC_ALL=C
export LC_ALL
NPROC=$(nproc 2>/dev/null || echo 1)
KALITD=${KALITD:-$top/kalitd}
KALIT=${KALIT:-$top/kalit}
KALIT_CA=${KALIT_CA:-$top/kalit-ca}
KALIT_PROFILE_DIR=${KALIT_PROFILE_DIR:-$top/ca/profiles}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
OPENSSL=${OPENSSL:-openssl}
WRK=${WRK:-wrk}
KEEP=${KEEP:-0}
export KALIT_PROFILE_DIR
unset KALIT_CA_DIR KALITD_CONF
KALIT_OPERATOR=bench
export KALIT_OPERATOR

say() { printf '%s\n' "$NAME: $*" >&2; }
die() { say "error: $*"; exit 1; }

# bench_need BINARY...: each is built, or the benchmark stops.
bench_need() {
	for _b in "$@"; do
		[ -x "$_b" ] || die "$_b is not built (make)"
	done
	command -v "$WRK" >/dev/null || die "wrk is not installed"
}

W=$(mktemp -d "${TMPDIR:-/tmp}/kalit-bench-$NAME.XXXXXX")
KPID=
bench_cleanup() {
	[ -z "$KPID" ] || kill "$KPID" 2>/dev/null || true
	[ "$KEEP" = 1 ] && say "kept $W" || rm -rf "$W"
}
trap bench_cleanup EXIT
cd "$W"

# bench_port: a TCP port on 127.0.0.1 nobody listens on right now.
bench_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bench_conf PORT: srv/kalitd.conf's [server] section, on PORT with a thread
# per core, trusting ../ca/certs; the benchmark adds its sections.
bench_conf() {
	mkdir -p srv
	"$OPENSSL" rand -hex 16 >srv/token.pass
	cat >srv/kalitd.conf <<CONF
[server]
listen = 127.0.0.1
port = $1
threads = $NPROC
max_connections = 1024
trust_dir = ../ca/certs
CONF
}

# bench_kalitd PORT: starts kalitd with srv/kalitd.conf, waits for /healthz.
bench_kalitd() {
	"$KALITD" -c srv/kalitd.conf >kalitd.log 2>&1 &
	KPID=$!
	until curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1; do
		kill -0 "$KPID" 2>/dev/null ||
		    die "kalitd did not start: $(cat kalitd.log)"
		sleep 0.1
	done
}

# bench_wrk OUT SCRIPT URL: wrk with the settings THREADS, CONNS, DURATION;
# sets RPS, P50, P99, ERRS and CPU (kalitd's milliseconds per request).
bench_wrk() {
	_t0=$(awk '{print $14 + $15}' "/proc/$KPID/stat")
	"$WRK" -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$2" \
	    "$3" >"$1"
	_t1=$(awk '{print $14 + $15}' "/proc/$KPID/stat")
	RPS=$(sed -n 's/^Requests\/sec: *//p' "$1")
	P50=$(awk '$1 == "50%" {print $2}' "$1")
	P99=$(awk '$1 == "99%" {print $2}' "$1")
	ERRS=$(sed -n 's/.*Non-2xx or 3xx responses: *//p' "$1")
	_n=$(awk '/requests in/ {print $1}' "$1")
	CPU=$(awk -v t="$((_t1 - _t0))" -v n="$_n" \
	    -v h="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / h * 1000 / n }')
}
