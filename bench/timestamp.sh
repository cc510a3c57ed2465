#!/bin/sh
# timestamp.sh: RFC 3161 timestamps per second from kalitd under wrk, each
# request with its own nonce (no answer can be reused), beside the ECDSA
# P-256 signing ceiling of `openssl speed` on the same machine and the
# openssl CLI's own TSA (`openssl ts -reply`, one process per timestamp).
#
# Environment (all optional):
#   KALITD, KALIT_CA   binaries (default: the ones in the source tree)
#   DURATION           seconds of the wrk run (default 10)
#   CONNS, THREADS     wrk connections and threads (default 32, 2)
#   N                  distinct requests rotated through (default 2000)
#   CLI_N              timestamps made with openssl ts -reply (default 200)
#   OPENSSL, WRK       binaries (default: from PATH)
#   KEEP=1             keep the work directory
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
NAME=timestamp.sh
. "$top/bench/wrk_lib.sh"
N=${N:-2000}
CLI_N=${CLI_N:-200}
bench_need "$KALITD" "$KALIT_CA"

say "a PKI with a tsa CA and a TSA key file"
"$OPENSSL" rand -hex 16 >ca.pass
"$OPENSSL" rand -hex 8 >key.pass
chmod 600 ca.pass key.pass
"$KALIT_CA" -d ca init --cn "Bench Root" --ca-pass file:ca.pass >/dev/null 2>&1
"$KALIT_CA" -d ca ca-new --profile tsa --name tsa --ca-pass file:ca.pass \
    >/dev/null 2>&1
"$KALIT_CA" -d ca issue --profile tsa --ca tsa --cn "Bench TSA" \
    --out tsa.p12 --key-pass file:key.pass --ca-pass file:ca.pass >/dev/null 2>&1
"$OPENSSL" pkcs12 -in tsa.p12 -passin file:key.pass -nodes -out tsa.pem \
    2>/dev/null

PORT=$(bench_port)
bench_conf "$PORT"
cat >>srv/kalitd.conf <<CONF
[revocation]
check = off
[timestamp]
key_file = ../tsa.p12
passphrase = file:../key.pass
policy = 1.3.6.1.4.1.99999.1.1
CONF
"$KALITD" -c srv/kalitd.conf keygen >/dev/null
bench_kalitd "$PORT"

say "$N distinct requests (openssl ts -query, each its own nonce)"
mkdir q
i=0
while [ $i -lt "$N" ]; do
	echo "document $i" | "$OPENSSL" ts -query -sha256 -cert \
	    -out "q/$i.tsq" 2>/dev/null
	i=$((i + 1))
done
cat >ts.lua <<'LUA'
local bodies = {}
local dir, n = os.getenv("QDIR"), tonumber(os.getenv("N"))
for i = 0, n - 1 do
	local f = io.open(dir .. "/" .. i .. ".tsq", "rb")
	bodies[#bodies + 1] = f:read("*all")
	f:close()
end
local i = 0
request = function()
	i = i % #bodies + 1
	return wrk.format("POST", "/v1/timestamp",
	    { ["Content-Type"] = "application/timestamp-query" }, bodies[i])
end
LUA
curl -sf -H 'Content-Type: application/timestamp-query' \
    --data-binary @q/0.tsq "http://127.0.0.1:$PORT/v1/timestamp" -o r.tsr
"$OPENSSL" ts -verify -in r.tsr -queryfile q/0.tsq -CAfile ca/certs/root.crt \
    -untrusted ca/certs/tsa.crt >/dev/null 2>&1 ||
    die "kalitd's timestamp does not verify"

say "wrk: $DURATION s, $CONNS connections"
QDIR=$W/q
export QDIR N
bench_wrk wrk.out ts.lua "http://127.0.0.1:$PORT"

say "openssl speed ecdsap256 (the signing ceiling, all cores)"
speed=$("$OPENSSL" speed -seconds 3 -multi "$NPROC" ecdsap256 2>/dev/null |
    awk '/256 bits ecdsa/ {print $(NF-1)}' | tail -n 1)

say "openssl ts -reply: $CLI_N timestamps, one process each"
cat >tsa.cnf <<CNF
[tsa]
default_tsa = t
[t]
serial = $W/serial
signer_cert = $W/tsa.pem
signer_key = $W/tsa.pem
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
digests = sha256
accuracy = secs:1
ess_cert_id_alg = sha256
CNF
echo 01 >serial
s0=$(date +%s.%N)
i=0
while [ $i -lt "$CLI_N" ]; do
	"$OPENSSL" ts -reply -config tsa.cnf -queryfile "q/$i.tsq" \
	    -out cli.tsr 2>/dev/null
	i=$((i + 1))
done
s1=$(date +%s.%N)
cli=$(awk -v a="$s0" -v b="$s1" -v n="$CLI_N" 'BEGIN { printf "%.0f", n / (b - a) }')

cat <<REPORT

RFC 3161 timestamps, P-256 TSA key, $NPROC cores, one machine (wrk included)
  kalitd POST /v1/timestamp     ${RPS} /s   p50 ${P50}  p99 ${P99}   non-2xx: ${ERRS:-0}
  kalitd CPU per timestamp      ${CPU} ms
  openssl ts -reply (CLI)       ${cli} /s   (one process per timestamp)
  openssl speed ecdsap256 sign  ${speed} /s (ceiling: signing alone, all cores)
REPORT
