#!/bin/sh
# verify.sh: verifying a detached signature of a large document (1 GiB by
# default) with kalit verify, against openssl cms -verify -binary -content
# and openssl dgst -sha256 on the same file, in one run: wall time and peak
# RSS (/usr/bin/time), the median of RUNS runs, the tools taking turns so
# that background load hits them alike. Also kalit sign of the large and of
# a small document: memory must not grow with the document.
# See bench/README.md for how to read the results.
#
# Environment (all optional):
#   KALIT              kalit binary (default: kalit in the source tree)
#   KALIT_CA           kalit-ca binary (default: kalit-ca in the source tree)
#   KALIT_PROFILE_DIR  profiles (default: ca/profiles of the source tree)
#   SIZE_MB            the document's size in MiB (default 1024)
#   RUNS               timed runs of each tool (default 5)
#   OPENSSL            openssl binary (default openssl)
#   BENCH_TMP          where the work directory is made (default $TMPDIR or /tmp)
#   KEEP=1             keep the work directory (default: removed at exit)
set -eu
LC_ALL=C
export LC_ALL

top=$(cd "$(dirname "$0")/.." && pwd)
KALIT=${KALIT:-$top/kalit}
KALIT_CA=${KALIT_CA:-$top/kalit-ca}
KALIT_PROFILE_DIR=${KALIT_PROFILE_DIR:-$top/ca/profiles}
SIZE_MB=${SIZE_MB:-1024}
RUNS=${RUNS:-5}
OPENSSL=${OPENSSL:-openssl}
BENCH_TMP=${BENCH_TMP:-${TMPDIR:-/tmp}}
KEEP=${KEEP:-0}
TIME=/usr/bin/time
export KALIT_PROFILE_DIR
unset KALIT_CA_DIR
KALIT_OPERATOR=bench
export KALIT_OPERATOR

say() { printf '%s\n' "verify.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ -x "$KALIT" ] || die "$KALIT is not built (make kalit)"
[ -x "$KALIT_CA" ] || die "$KALIT_CA is not built (make kalit-ca)"
[ -x "$TIME" ] || die "no $TIME (apt-get install time)"
command -v "$OPENSSL" >/dev/null || die "no $OPENSSL"

W=$(mktemp -d "$BENCH_TMP/kalit-bench-verify.XXXXXX")
cleanup() { [ "$KEEP" = 1 ] && say "kept $W" || rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$W"
umask 077

# --- a PKI, a citizen's key file, the CRL ---------------------------------------
"$OPENSSL" rand -hex 16 >ca.pass
"$OPENSSL" rand -hex 8 >key.pass
CA="$KALIT_CA -d $W/ca"
$CA init --cn "Bench Root" --ca-pass file:ca.pass >/dev/null 2>&1 ||
    die "kalit-ca init"
$CA ca-new --profile citizen --ca-pass file:ca.pass >/dev/null 2>&1 ||
    die "kalit-ca ca-new"
$CA issue --profile citizen --given-name Vali --surname Aliyev \
    --pinfl 31234567890123 --out cit.p12 --ca-pass file:ca.pass \
    --key-pass file:key.pass >/dev/null 2>&1 || die "kalit-ca issue"
$CA crl --ca citizen --ca-pass file:ca.pass >/dev/null 2>&1 ||
    die "kalit-ca crl"
mkdir trust
cp ca/certs/root.crt ca/certs/citizen.crt trust/

# --- the documents ------------------------------------------------------------
say "making a $SIZE_MB MiB document"
# AES-CTR of zeros: incompressible, and far faster than /dev/urandom.
head -c $((SIZE_MB * 1048576)) /dev/zero |
    "$OPENSSL" enc -aes-128-ctr -nosalt -pass pass:kalit-bench 2>/dev/null \
    >big.doc
head -c 1048576 big.doc >small.doc
[ "$(stat -c %s big.doc)" -eq $((SIZE_MB * 1048576)) ] ||
    die "the document is short"

# timed NAME CMD...: runs CMD under /usr/bin/time, appends
# "NAME seconds kilobytes" to results; CMD's output is dropped.
timed() {
	_t_n=$1
	shift
	"$TIME" -f "%e %M" -o t.out "$@" >/dev/null 2>cmd.err ||
	    { cat cmd.err >&2; die "$_t_n failed"; }
	echo "$_t_n $(tail -n 1 t.out)" >>results
}

: >results
cat big.doc >/dev/null	# into the page cache: every tool reads from memory
say "kalit sign, small and large"
timed sign-1MiB "$KALIT" sign small.doc --key cit.p12 --password \
    file:key.pass
timed sign-big "$KALIT" sign big.doc --key cit.p12 --password file:key.pass
"$OPENSSL" cms -verify -binary -inform DER -in big.doc.p7s \
    -content big.doc -CAfile ca/certs/root.crt -out /dev/null 2>/dev/null ||
    die "openssl does not accept kalit's signature"

say "verifying, $RUNS runs each"
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	timed kalit-verify "$KALIT" verify big.doc.p7s --content big.doc \
	    --trust-dir trust --crl-dir ca/crl --no-ocsp --no-crl-fetch
	timed openssl-cms "$OPENSSL" cms -verify -binary -inform DER \
	    -in big.doc.p7s -content big.doc -CAfile ca/certs/root.crt \
	    -out /dev/null
	timed openssl-dgst "$OPENSSL" dgst -sha256 big.doc
done
"$KALIT" verify big.doc.p7s --content big.doc --trust-dir trust \
    --crl-dir ca/crl --no-ocsp --no-crl-fetch | grep -q "^result: TOTAL-PASSED" ||
    die "kalit verify does not say TOTAL-PASSED"

# --- the figures -----------------------------------------------------------------
# median seconds and largest peak RSS of each name, as "name s kB"
summary() {
	for n in sign-1MiB sign-big kalit-verify openssl-cms openssl-dgst; do
		grep "^$n " results | sort -k2,2n | awk -v n="$n" '
		    { t[NR] = $2; if ($3 > m) m = $3 }
		    END { printf "%s %s %d\n", n, t[int((NR + 1) / 2)], m }'
	done
}
summary >summary
echo
echo "kalit verify of a $SIZE_MB MiB detached signature ($(nproc) CPUs, median of $RUNS runs)"
echo
printf '%-44s %10s %10s %12s\n' tool seconds MiB/s "peak RSS kB"
awk -v mb="$SIZE_MB" '
    function row(label, n) {
	printf "%-44s %10.2f %10.0f %12d\n", label, s[n],
	    (s[n] > 0 ? mb / s[n] : 0), r[n]
    }
    { s[$1] = $2; r[$1] = $3 }
    END {
	row("kalit verify --content", "kalit-verify")
	row("openssl cms -verify -binary -content", "openssl-cms")
	row("openssl dgst -sha256", "openssl-dgst")
	printf "\nkalit verify / openssl dgst: %.2f (goal: at most 1.10)\n",
	    s["kalit-verify"] / s["openssl-dgst"]
	printf "\nkalit sign, peak RSS: %d kB for 1 MiB, %d kB for %d MiB " \
	    "(%.2f s)\n", r["sign-1MiB"], r["sign-big"], mb, s["sign-big"]
    }' summary
