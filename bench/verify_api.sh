#!/bin/sh
# verify_api.sh: signatures verified per second by kalitd's POST /v1/verify
# under wrk, a CAdES-BES and a CAdES-T one (the document's SHA-256 sent,
# revocation from the CA's CRL), beside `kalit verify` (one process per
# verification) and the ECDSA P-256 verification ceiling of `openssl speed`.
#
# Environment (all optional):
#   KALITD, KALIT, KALIT_CA   binaries (default: the ones in the source tree)
#   DURATION           seconds of each wrk run (default 10)
#   CONNS, THREADS     wrk connections and threads (default 32, 2)
#   CLI_N              verifications made with kalit verify (default 100)
#   OPENSSL, WRK       binaries (default: from PATH)
#   KEEP=1             keep the work directory
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
NAME=verify_api.sh
. "$top/bench/wrk_lib.sh"
CLI_N=${CLI_N:-100}
bench_need "$KALITD" "$KALIT" "$KALIT_CA"

say "a PKI: citizens, a tsa CA and a TSA key file, a citizen, CRLs"
"$OPENSSL" rand -hex 16 >ca.pass
"$OPENSSL" rand -hex 8 >key.pass
chmod 600 ca.pass key.pass
ca() { "$KALIT_CA" -d ca "$@" --ca-pass file:ca.pass >/dev/null 2>&1; }
ca init --cn "Bench Root"
ca ca-new --profile citizen
ca ca-new --profile tsa --name tsa
ca issue --profile tsa --ca tsa --cn "Bench TSA" --out tsa.p12 \
    --key-pass file:key.pass
ca issue --profile citizen --given-name Vali --surname Aliyev \
    --pinfl 31234567890123 --out cit.p12 --key-pass file:key.pass
ca crl --ca citizen

PORT=$(bench_port)
bench_conf "$PORT"
cat >>srv/kalitd.conf <<CONF
[revocation]
ocsp = no
crl_fetch = no
crl_dir = ../ca/crl
[timestamp]
key_file = ../tsa.p12
passphrase = file:../key.pass
policy = 1.3.6.1.4.1.99999.1.1
CONF
"$KALITD" -c srv/kalitd.conf keygen >/dev/null
"$KALITD" -c srv/kalitd.conf client add bench --json >client.json
SECRET=$(python3 -c 'import json; print(json.load(open("client.json"))["client_secret"])')
bench_kalitd "$PORT"

say "a document signed twice: CAdES-BES, and CAdES-T by kalitd's TSA"
"$OPENSSL" rand 100000 >doc.bin
"$KALIT" sign doc.bin --key cit.p12 --password file:key.pass --out bes.p7s \
    >/dev/null
"$KALIT" sign doc.bin --key cit.p12 --password file:key.pass --out t.p7s \
    --timestamp "http://127.0.0.1:$PORT/v1/timestamp" >/dev/null
for f in bes t; do
	python3 -c 'import base64, hashlib, json, sys
print(json.dumps({
    "signature": base64.b64encode(open(sys.argv[1], "rb").read()).decode(),
    "digest": hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()}))' \
	    "$f.p7s" doc.bin >"$f.json"
	curl -sf -u "bench:$SECRET" -H 'Content-Type: application/json' \
	    --data-binary "@$f.json" "http://127.0.0.1:$PORT/v1/verify" \
	    >"$f.report" || die "POST /v1/verify $f failed"
	grep -q '"indication":"TOTAL-PASSED"' "$f.report" ||
	    die "$f: not TOTAL-PASSED: $(cat "$f.report")"
done
AUTH=$(printf 'bench:%s' "$SECRET" | "$OPENSSL" base64 -A)
cat >verify.lua <<'LUA'
local f = io.open(os.getenv("BODY"), "rb")
local body = f:read("*all")
f:close()
local auth = "Basic " .. os.getenv("AUTH")
request = function()
	return wrk.format("POST", "/v1/verify", { ["Content-Type"] =
	    "application/json", ["Authorization"] = auth }, body)
end
LUA

# run NAME: wrk against /v1/verify with NAME.json; sets RPS P50 P99 ERRS CPU.
run() {
	BODY=$W/$1.json
	export BODY AUTH
	bench_wrk "wrk-$1.out" verify.lua "http://127.0.0.1:$PORT"
}
say "wrk: $DURATION s each, $CONNS connections"
run bes
BES="${RPS} /s   p50 ${P50}  p99 ${P99}   non-2xx: ${ERRS:-0}   CPU ${CPU} ms"
run t
T="${RPS} /s   p50 ${P50}  p99 ${P99}   non-2xx: ${ERRS:-0}   CPU ${CPU} ms"

say "kalit verify: $CLI_N verifications of the CAdES-T one, a process each"
DIGEST=$(sha256sum doc.bin | cut -d' ' -f1)
s0=$(date +%s.%N)
i=0
while [ $i -lt "$CLI_N" ]; do
	"$KALIT" verify t.p7s --digest "$DIGEST" --trust-dir ca/certs \
	    --crl-dir ca/crl --no-ocsp --no-crl-fetch >/dev/null ||
	    die "kalit verify failed"
	i=$((i + 1))
done
s1=$(date +%s.%N)
cli=$(awk -v a="$s0" -v b="$s1" -v n="$CLI_N" 'BEGIN { printf "%.0f", n / (b - a) }')

say "openssl speed ecdsap256 (the verification ceiling, all cores)"
speed=$("$OPENSSL" speed -seconds 3 -multi "$NPROC" ecdsap256 2>/dev/null |
    awk '/256 bits ecdsa/ {print $NF}' | tail -n 1)

cat <<REPORT

POST /v1/verify, P-256 keys, digest sent, revocation from a CRL file,
$NPROC cores, one machine (wrk included)
  CAdES-BES   $BES
  CAdES-T     $T
  kalit verify (CLI), CAdES-T   ${cli} /s (one process per verification)
  openssl speed ecdsap256 verify ${speed} /s (ceiling: verification alone)
A CAdES-T verification checks two signatures (the signer's, the token's) and
two paths (signer and TSA) and parses one more SignedData.
REPORT
