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
top=$(cd "$(dirname "$0")/.." && pwd)
BENCH=login_cost.sh
. "$top/bench/lib.sh"
BASE_KALITD=${BASE_KALITD:-}
N=${N:-300}
WARM=${WARM:-50}
numbers N WARM
for t in valgrind callgrind_control callgrind_annotate python3 curl; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (apt-get install valgrind)"
done
workdir kalit-cost
login_helpers

# ---------------------------------------------------------------- PKI
citizen_pki "kalit Cost Root CA" 10 2000

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
	login_conf "$_port" 2 >"$_srv/kalitd.conf"
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
