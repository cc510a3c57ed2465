# lib.sh: helpers for the kalit-ca integration tests (POSIX sh, sourced).
#
# The harness sets KALIT_CA, KALIT_PROFILE_DIR, OPENSSL, CERTTOOL, TESTLIB.
# A test sources this file, runs checks that print one line each ("ok - ..."
# or "FAIL - ..."), and ends with `finish`, which prints "N passed, N failed"
# and exits non-zero if any check failed. Exit 77 means skipped.

set -u
umask 077
LC_ALL=C
export LC_ALL

T_PASS=0
T_FAIL=0
T_NAME=$(basename "$0" .sh)

skip() {
	echo "SKIP: $T_NAME: $*"
	exit 77
}

: "${KALIT_CA:?KALIT_CA is not set}"
: "${KALIT_PROFILE_DIR:?KALIT_PROFILE_DIR is not set}"
export KALIT_PROFILE_DIR
OPENSSL=${OPENSSL:-openssl}
CERTTOOL=${CERTTOOL:-certtool}
[ -x "$KALIT_CA" ] || skip "$KALIT_CA is not built"
command -v "$OPENSSL" >/dev/null 2>&1 || skip "no openssl ($OPENSSL)"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI"
command -v python3 >/dev/null 2>&1 || skip "no python3"
# Operator and CA directory come from the command line, not the caller's env.
unset KALIT_CA_DIR KALIT_OPERATOR

# Needs a tool or skips the whole test.
require() {
	command -v "$1" >/dev/null 2>&1 || skip "no $1"
}

T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kalit-$T_NAME.XXXXXX") ||
    { echo "mktemp failed" >&2; exit 99; }
trap 'rm -rf "$T_TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
TMP=$T_TMP
OUT=$TMP/stdout		# stdout and stderr of the last `run` / `expect_fail`
ERR=$TMP/stderr

ok() {
	T_PASS=$((T_PASS + 1))
	echo "ok - $*"
}

fail() {
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL - $*"
}

# Shows the last command's output indented (for a failed check).
show_last() {
	if [ -s "$OUT" ]; then
		echo "   stdout:"
		head -n 15 "$OUT" | sed 's/^/     | /'
	fi
	if [ -s "$ERR" ]; then
		echo "   stderr:"
		head -n 15 "$ERR" | sed 's/^/     | /'
	fi
}

# run CMD...: runs it with stdout in $OUT and stderr in $ERR; sets RC.
run() {
	RC=0
	"$@" >"$OUT" 2>"$ERR" || RC=$?
	return 0
}

# check DESC CMD...: passes if CMD exits 0.
check() {
	_desc=$1
	shift
	run "$@"
	if [ "$RC" -eq 0 ]; then
		ok "$_desc"
	else
		fail "$_desc (exit $RC)"
		show_last
	fi
	return "$RC"
}

# check_not DESC CMD...: passes if CMD exits non-zero.
check_not() {
	_desc=$1
	shift
	run "$@"
	if [ "$RC" -ne 0 ]; then
		ok "$_desc"
	else
		fail "$_desc (exit 0, expected failure)"
		show_last
	fi
}

# assert DESC TEST-EXPR...: passes if the `test` expression holds.
assert() {
	_desc=$1
	shift
	if [ "$@" ]; then
		ok "$_desc"
	else
		fail "$_desc ([ $* ] is false)"
	fi
}

# assert_eq DESC GOT WANT
assert_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1 (got \"$2\", want \"$3\")"
	fi
}

# assert_grep DESC PATTERN FILE: FILE has a line matching the ERE PATTERN.
assert_grep() {
	if grep -Eq -- "$2" "$3"; then
		ok "$1"
	else
		fail "$1 (no /$2/ in $(basename "$3"))"
		head -n 20 "$3" | sed 's/^/     | /'
	fi
}

# assert_nogrep DESC PATTERN FILE
assert_nogrep() {
	if grep -Eq -- "$2" "$3"; then
		fail "$1 (/$2/ found in $(basename "$3"))"
		grep -E -- "$2" "$3" | head -n 5 | sed 's/^/     | /'
	else
		ok "$1"
	fi
}

# expect_fail STATUS ERRNAME CMD...: CMD must exit with exactly STATUS and
# say "$EXPECT_PROG: ERRNAME:" on stderr ("kalit-ca: usage:" for usage).
EXPECT_PROG=kalit-ca
expect_fail() {
	_st=$1
	_en=$2
	shift 2
	run "$@"
	_what="$_en ($_st): $(printf '%s' "$*" | tr '\n' ' ' |
	    sed "s|$KALIT_CA|kalit-ca|g; s|${KALIT:-/nonexistent}|kalit|g
	    s|$TMP/||g" | cut -c1-110)"
	if [ "$RC" -ne "$_st" ]; then
		fail "$_what: exit $RC, want $_st"
		show_last
	elif ! grep -Fq "$EXPECT_PROG: $_en:" "$ERR"; then
		fail "$_what: stderr lacks \"$EXPECT_PROG: $_en:\""
		show_last
	else
		ok "$_what"
	fi
}

# --- the CA -----------------------------------------------------------------

CADIR=$TMP/ca
DB=$CADIR/kalit-ca.db
CAPASS=$TMP/ca.pass
KEYPASS=$TMP/key.pass

# kca ARGS...: kalit-ca on $CADIR.
kca() {
	"$KALIT_CA" -d "$CADIR" "$@"
}

# kca_issue ARGS...: kalit-ca issue on $CADIR with the CA passphrase.
kca_issue() {
	"$KALIT_CA" -d "$CADIR" issue --ca-pass "file:$CAPASS" "$@"
}

# make_pki [DIR]: a fresh CA directory (root, citizen and official CAs, and
# the root's CRL, by which kalitd knows the issuing CAs are not revoked)
# with passphrase files of mode 0600; exits the test (failed) if it cannot.
# shellcheck disable=SC2034 # ROOT_CRT etc. are for the tests
make_pki() {
	CADIR=${1:-$TMP/ca}
	DB=$CADIR/kalit-ca.db
	rm -rf "$CADIR"
	[ -f "$CAPASS" ] || "$OPENSSL" rand -hex 16 >"$CAPASS"
	[ -f "$KEYPASS" ] || "$OPENSSL" rand -hex 8 >"$KEYPASS"
	chmod 600 "$CAPASS" "$KEYPASS"
	if ! check "init a CA directory" kca --operator tester init \
	    --cn "Test Root CA" --org "kalit test" --ca-pass "file:$CAPASS" ||
	    ! check "ca-new citizen" kca --operator tester ca-new \
	    --profile citizen --ca-pass "file:$CAPASS" ||
	    ! check "ca-new official" kca --operator tester ca-new \
	    --profile official --ca-pass "file:$CAPASS" ||
	    ! check "the root's CRL (the issuing CAs' status)" kca crl \
	    --ca root --ca-pass "file:$CAPASS"; then
		fail "cannot make a PKI; giving up"
		finish
	fi
	ROOT_CRT=$CADIR/certs/root.crt
	CIT_CRT=$CADIR/certs/citizen.crt
	OFF_CRT=$CADIR/certs/official.crt
}

# db_snapshot: a digest of the database's content (not of its pages).
db_snapshot() {
	sqlite3 "$DB" .dump | sha256sum | cut -d' ' -f1
}

# assert_db_unchanged DESC SNAPSHOT
assert_db_unchanged() {
	_now=$(db_snapshot)
	if [ "$_now" = "$2" ]; then
		ok "$1: database unchanged"
	else
		fail "$1: database changed"
	fi
}

# cert_count: rows in the certs table.
cert_count() {
	sqlite3 "$DB" 'SELECT count(*) FROM certs'
}

# Unique 14-digit PINFLs: pinfl N.
pinfl() {
	printf '3%013d\n' "$1"
}

# p12_cert P12 PASSFILE OUT: extracts the leaf certificate (PEM).
p12_cert() {
	"$OPENSSL" pkcs12 -in "$1" -passin "file:$2" -nokeys -clcerts \
	    -out "$3" 2>/dev/null
}

# cert_serial CERT: serial as kalit prints it (lowercase hex, no leading 0).
cert_serial() {
	"$OPENSSL" x509 -in "$1" -noout -serial | sed 's/^serial=//' |
	    tr 'A-F' 'a-f' | sed 's/^0*//'
}

# cert_days CERT: days from notBefore to notAfter.
cert_days() {
	python3 -c 'import sys, datetime
f = lambda s: datetime.datetime.strptime(s.split("=", 1)[1],
    "%b %d %H:%M:%S %Y GMT")
print((f(sys.argv[2]) - f(sys.argv[1])).days)' \
	    "$("$OPENSSL" x509 -in "$1" -noout -startdate)" \
	    "$("$OPENSSL" x509 -in "$1" -noout -enddate)"
}

# make_csr OUT [openssl req args...]: a P-256 CSR (PEM) with its key.
make_csr() {
	_o=$1
	shift
	"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$_o.key" -subj /CN=whatever -out "$_o" "$@" \
	    2>/dev/null
}

# json EXPR FILE: evaluates a Python expression on the JSON in FILE (as j).
json() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[2]))
v = eval(sys.argv[1])
print(v if not isinstance(v, bool) else str(v).lower())' "$1" "$2"
}

# crl_entries CRL-DER: "serial reason" lines from openssl's text form
crl_entries() {
	"$OPENSSL" crl -inform DER -in "$1" -noout -text | awk '
	function flush() { if (s != "") print s, (r == "" ? "none" : r); s = ""; r = "" }
	/Serial Number:/ { flush(); s = tolower($3); sub(/^0+/, "", s); next }
	/CRL Reason Code/ { getline; gsub(/^ +| +$/, ""); gsub(/ /, "_"); r = $0 }
	END { flush() }'
}
# ca_index CA FILE: CA's certificates as an `openssl ca` index (FILE and
# FILE.attr), for the openssl CLI's OCSP responder and `openssl ca`.
ca_index() {
	kca --json list --ca "$1" >"$TMP/ca_index.json" && python3 -c '
import datetime, json, sys
def t(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").strftime(
        "%y%m%d%H%M%SZ")
for c in json.load(open(sys.argv[1])):
    rev, st = "", "V"
    if c["status"] in ("revoked", "hold"):
        st, rev = "R", t(c["revoked_at"]) + "," + ("certificateHold"
            if c["status"] == "hold" else c["reason"] or "unspecified")
    print("\t".join([st, t(c["not_after"]), rev, c["serial"].upper(),
        "unknown", "/" + "/".join(reversed(c["subject"].split(",")))]))
' "$TMP/ca_index.json" >"$2" && echo "unique_subject = no" >"$2.attr"
}

# verdict DESC STATUS INDICATION SUB ARGS...: `kverify ARGS` (the test's
# kalit --json verify) exits with STATUS, and the report and its first
# signer have that verdict; SUB is None or quoted ('REVOKED').
verdict() {
	_v_d=$1 _v_s=$2 _v_i=$3 _v_sub=$4
	shift 4
	run kverify "$@"
	_v_got=$(json '(j["indication"], j["signers"][0]["sub_indication"])' \
	    "$OUT" 2>/dev/null)
	if [ "$RC" -ne "$_v_s" ]; then
		fail "$_v_d: exit $RC, want $_v_s"
		show_last
	elif [ "$_v_got" != "('$_v_i', $_v_sub)" ]; then
		fail "$_v_d: $_v_got, want $_v_i/$_v_sub"
		show_last
	else
		_v_sub=$(printf '%s' "${_v_sub#None}" | tr -d "'")
		ok "$_v_d: $_v_i${_v_sub:+/$_v_sub}"
	fi
}

finish() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ] && [ "$T_PASS" -gt 0 ] && exit 0
	exit 1
}
