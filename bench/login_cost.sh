#!/bin/sh
# login_cost.sh: what one login costs kalitd in CPU instructions, counted
# by valgrind's callgrind, for this build and (BASE_KALITD) an earlier one,
# side by side. Instructions are repeatable where seconds are not: the
# same binary and requests give the same count whatever else the machine
# does. Besides the whole login (POST /v1/challenge and POST /v1/login,
# audit record included), the parts the security review changed are
# counted apart, inclusive of what they call:
#   revocation   validate_revocation_path() (this build: the certificate
#                and its issuing CA) or validate_revocation() (before: the
#                certificate alone)
#   challenge    challenge_issue() + challenge_consume() (this build: bound
#                to the client, with per-client and per-address shares)
# See bench/README.md, "What a login costs, in instructions".
#
# Environment (all optional):
#   KALITD, KALIT_CA    this build's binaries (default: the source tree's)
#   BASE_KALITD         an earlier kalitd to compare with, e.g. one built from
#                       the commit before the review's fixes (default: none)
#   LOGIN_BODIES        bench/login_bodies (default: built from the tree)
#   N                   logins counted (default 300), after WARM (default 50)
#   BENCH_TMP, KEEP=1   as in login.sh
set -eu
LC_ALL=C
export LC_ALL

top=$(cd "$(dirname "$0")/.." && pwd)
BENCH=login_cost.sh
KEEP=${KEEP:-0}
. "$top/bench/lib.sh"
KALITD=${KALITD:-$top/kalitd}
KALIT_CA=${KALIT_CA:-$top/kalit-ca}
KALIT_PROFILE_DIR=${KALIT_PROFILE_DIR:-$top/ca/profiles}
BASE_KALITD=${BASE_KALITD:-}
LOGIN_BODIES=${LOGIN_BODIES:-$top/bench/login_bodies}
N=${N:-300}
WARM=${WARM:-50}
OPENSSL=${OPENSSL:-openssl}
BENCH_TMP=${BENCH_TMP:-${TMPDIR:-/tmp}}
export KALIT_PROFILE_DIR
unset KALIT_CA_DIR KALITD_CONF
KALIT_OPERATOR=bench
export KALIT_OPERATOR
numbers N WARM
for t in valgrind callgrind_control callgrind_annotate python3 curl; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (apt-get install valgrind)"
done
[ -x "$LOGIN_BODIES" ] || make -C "$top" bench/login_bodies >/dev/null ||
    die "cannot build bench/login_bodies"
KPID=
stop_servers() {
	if [ -n "$KPID" ]; then
		kill -TERM "$KPID" 2>/dev/null || true
		wait "$KPID" 2>/dev/null || true
		KPID=
	fi
}
workdir kalit-cost

# ---------------------------------------------------------------- PKI
umask 077
CA=$W/ca
PASS=$W/ca.pass
"$OPENSSL" rand -hex 16 >"$PASS"
KC() { "$KALIT_CA" -d "$CA" "$@"; }
say "PKI: root and citizen CAs, 10 citizens, the CAs' CRLs"
KC init --cn "kalit Cost Root CA" --org "kalit bench" --ca-pass "file:$PASS" \
    >>"$LOG" 2>&1 && KC ca-new --profile citizen --ca-pass "file:$PASS" \
    >>"$LOG" 2>&1 || die "kalit-ca failed; see $LOG"
: >"$W/keyspecs"
i=0
while [ $i -lt 10 ]; do
	"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$W/c$i.key" 2>>"$LOG"
	"$OPENSSL" req -new -key "$W/c$i.key" -subj "/CN=x" -out "$W/c$i.csr" \
	    2>>"$LOG"
	KC issue --profile citizen --given-name Vali --surname Aliyev \
	    --pinfl "3$(printf %013d $((2000 + i)))" --csr "$W/c$i.csr" \
	    --out "$W/c$i.pem" --ca-pass "file:$PASS" >>"$LOG" 2>&1 ||
	    die "kalit-ca issue failed; see $LOG"
	printf '%s:%s\n' "$W/c$i.key" "$W/c$i.pem" >>"$W/keyspecs"
	i=$((i + 1))
done
for c in root citizen; do
	KC crl --ca $c --ca-pass "file:$PASS" >>"$LOG" 2>&1 ||
	    die "kalit-ca crl --ca $c failed; see $LOG"
done

# ---------------------------------------------------------------- one run
# requests.py URL FILE FROM TO: for bodies FROM..TO-1 of FILE, a challenge
# and a login each, on one keep-alive connection; every login must pass.
cat >"$W/requests.py" <<'PY'
import http.client, json, sys, urllib.parse
url, path, a, b = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
u = urllib.parse.urlparse(url)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
h = {"Content-Type": "application/json"}
for i, line in enumerate(open(path)):
    if i < a or i >= b:
        continue
    c.request("POST", "/v1/challenge", body='{"client_id":"bench"}', headers=h)
    c.getresponse().read()
    c.request("POST", "/v1/login", body=line.strip(), headers=h)
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("login %d: HTTP %d %s" % (i, r.status, body[:200]))
PY

# measure NAME BINARY: instructions per login into $W/NAME.{total,rev,chal}
measure() {
	_n=$1
	_bin=$2
	_srv=$W/srv-$_n
	mkdir -p "$_srv"
	"$OPENSSL" rand -hex 16 >"$_srv/token.pass"
	_port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$_srv/kalitd.conf" <<CONF
[server]
listen = 127.0.0.1
port = $_port
threads = 2
trust_dir = $CA/certs

[challenge]
lifetime = 3600

[revocation]
ocsp = no
crl_dir = $CA/crl
CONF
	"$_bin" -c "$_srv/kalitd.conf" keygen >>"$LOG" 2>&1 &&
	    "$_bin" -c "$_srv/kalitd.conf" client add bench --acr citizen \
	    >>"$LOG" 2>&1 || die "$_n: kalitd keygen or client add failed"
	valgrind --tool=callgrind --callgrind-out-file="$_srv/cg.out" \
	    "$_bin" -c "$_srv/kalitd.conf" >"$_srv/kalitd.log" 2>&1 &
	KPID=$!
	_i=0
	until curl -sf "http://127.0.0.1:$_port/healthz" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -le 600 ] && kill -0 "$KPID" 2>/dev/null ||
		    die "$_n: kalitd under valgrind did not start; see $_srv"
		sleep 0.2
	done
	say "$_n: signing $((WARM + N)) login bodies"
	"$LOGIN_BODIES" -n $((WARM + N)) -j 2 -c bench \
	    -u "http://127.0.0.1:$_port" -o "$_srv/bodies" \
	    -f "$W/keyspecs" >>"$LOG" 2>&1 || die "$_n: login_bodies failed"
	python3 "$W/requests.py" "http://127.0.0.1:$_port" "$_srv/bodies" 0 \
	    "$WARM" || die "$_n: the warm-up logins failed"
	callgrind_control -z "$KPID" >/dev/null
	say "$_n: $N logins under callgrind"
	python3 "$W/requests.py" "http://127.0.0.1:$_port" "$_srv/bodies" \
	    "$WARM" $((WARM + N)) || die "$_n: the logins failed"
	sleep 1		# the last audit commit
	callgrind_control -d "$KPID" >/dev/null
	stop_servers
	# the dump made by -d: the newest cg.out.* part besides the final one
	_f=$(ls -t "$_srv"/cg.out.* 2>/dev/null | head -n 1)
	[ -n "$_f" ] || die "$_n: no callgrind dump"
	callgrind_annotate --inclusive=yes --threshold=100 "$_f" \
	    >"$_srv/annotate" 2>>"$LOG" || die "$_n: callgrind_annotate failed"
	awk -v n="$N" -v out="$W/$_n" '
	function num(s) { gsub(/,/, "", s); return s + 0 }
	/ PROGRAM TOTALS/ { total = num($1) }
	/:validate_revocation_path / { rev = num($1) }
	/:validate_revocation / && rev_old == 0 { rev_old = num($1) }
	/:challenge_issue / { ci = num($1) }
	/:challenge_consume / { cc = num($1) }
	END {
		if (rev == 0) rev = rev_old
		printf "%.0f\n", total / n > (out ".total")
		printf "%.0f\n", rev / n > (out ".rev")
		printf "%.0f\n", (ci + cc) / n > (out ".chal")
	}' "$_srv/annotate"
}

measure this "$KALITD"
[ -z "$BASE_KALITD" ] || measure base "$BASE_KALITD"

# ---------------------------------------------------------------- report
echo
echo "What a login costs kalitd, in instructions (valgrind callgrind, $N logins after $WARM)"
echo "kalitd:  $KALITD"
[ -z "$BASE_KALITD" ] || echo "base:    $BASE_KALITD"
echo
row() { printf '%-46s %14s %14s %9s\n' "$@"; }
row "per login" "this build" "base" "change"
for part in total rev chal; do
	case $part in
	total) what="the whole login (challenge + login + audit)" ;;
	rev) what="revocation (the path / the certificate)" ;;
	chal) what="challenge (issued + consumed)" ;;
	esac
	t=$(cat "$W/this.$part")
	if [ -n "$BASE_KALITD" ]; then
		b=$(cat "$W/base.$part")
		row "$what" "$t" "$b" "$(awk -v t="$t" -v b="$b" 'BEGIN {
		    if (b > 0) printf "%+.1f%%", 100 * (t - b) / b; else print "-" }')"
	else
		row "$what" "$t" "-" "-"
	fi
done
if [ -n "$BASE_KALITD" ]; then
	echo
	awk -v t="$(cat "$W/this.total")" -v b="$(cat "$W/base.total")" \
	    'BEGIN { printf "goal: at most 10%% more per login: %+.1f%%, %s\n",
	    100 * (t - b) / b, t <= 1.10 * b ? "met" : "NOT met" }'
fi
