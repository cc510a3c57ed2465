#!/bin/sh
# shellcheck disable=SC1090
# ca_crash.sh: kalit-ca killed with SIGKILL at random moments never hands out
# a certificate the database lacks, and leaves the database and its audit
# chain intact; parallel runs wait for each other and all succeed.
. "${TESTLIB:?TESTLIB is not set}"

make_pki
cd "$TMP" || exit 99
make_csr req.pem || fail "openssl req"

ROUNDS=${KALIT_CRASH_ROUNDS:-48}

# rand N: a random number in 0..N-1
rand() {
	echo $(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1 ))
}

# kill_later MS CMD...: starts CMD in the background, kills it with SIGKILL
# after MS milliseconds (if still running); sets KILLED to 1 if it was.
kill_later() {
	_ms=$1
	shift
	"$@" >/dev/null 2>&1 &
	_pid=$!
	sleep "$(awk -v ms="$_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
	kill -9 "$_pid" 2>/dev/null
	_st=0
	wait "$_pid" 2>/dev/null || _st=$?
	KILLED=0
	[ "$_st" -eq 137 ] && KILLED=1	# 128 + SIGKILL
	LAST_ST=$_st
	return 0
}

# --- SIGKILL at random moments ----------------------------------------------------
# The kill window is twice an uninterrupted run, measured here, so that about
# half the runs are killed whatever the build (plain or sanitizers) and load.
mkdir out
t0=$(date +%s%N)
check "an uninterrupted key file issuance" "$KALIT_CA" -d "$CADIR" issue \
    --ca-pass "file:$CAPASS" --profile citizen --given-name Timed \
    --surname Run --pinfl "$(pinfl 999)" --out out/timed.p12 \
    --key-pass "file:$KEYPASS"
WINDOW=$(( ($(date +%s%N) - t0) / 500000 + 1 ))
echo "# kill window: $WINDOW ms"
killed=0
finished=""
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	i=$((i + 1))
	ms=$(rand "$WINDOW")
	case $((i % 4)) in
	0)	# certificate from a CSR
		kill_later "$ms" "$KALIT_CA" -d "$CADIR" issue \
		    --ca-pass "file:$CAPASS" --profile citizen --given-name "C$i" \
		    --surname Crash --pinfl "$(pinfl "$i")" --csr req.pem \
		    --out "out/c$i.crt" ;;
	1)	# CRL, replaced atomically
		kill_later "$ms" "$KALIT_CA" -d "$CADIR" crl --ca citizen \
		    --ca-pass "file:$CAPASS" ;;
	*)	# key file
		kill_later "$ms" "$KALIT_CA" -d "$CADIR" issue \
		    --ca-pass "file:$CAPASS" --profile citizen --given-name "K$i" \
		    --surname Crash --pinfl "$(pinfl "$i")" --out "out/k$i.p12" \
		    --key-pass "file:$KEYPASS" ;;
	esac
	killed=$((killed + KILLED))
	if [ "$KILLED" -eq 0 ]; then
		# It finished before the kill: it must have succeeded.
		if [ "$LAST_ST" -eq 0 ]; then
			ok "run $i finished before SIGKILL, exit 0"
		else
			fail "run $i finished before SIGKILL with exit $LAST_ST"
		fi
		[ $((i % 4)) -ne 1 ] && finished="$finished $i"
	fi
done
echo "# $ROUNDS runs, $killed killed before they finished"
assert "some runs were killed" "$killed" -gt 0

run sqlite3 "$DB" "PRAGMA integrity_check"
assert_eq "PRAGMA integrity_check after SIGKILLs" "$(cat "$OUT")" ok
check "audit-verify after SIGKILLs" kca audit-verify
assert_eq "every certificate has its audit record" "$(sqlite3 "$DB" \
    "SELECT count(*) FROM certs c WHERE NOT EXISTS
     (SELECT 1 FROM audit a WHERE a.serial = c.serial)")" 0
assert_eq "every issue record has its certificate" "$(sqlite3 "$DB" \
    "SELECT count(*) FROM audit a WHERE a.action IN ('issue', 'renew') AND
     NOT EXISTS (SELECT 1 FROM certs c WHERE c.serial = a.serial)")" 0

delivered=0
undelivered=0
for f in out/*; do
	[ -e "$f" ] || continue
	case $f in
	*.p12)	p12_cert "$f" "$KEYPASS" "$f.pem" || rm -f "$f.pem" ;;
	*.crt)	"$OPENSSL" x509 -in "$f" -out "$f.pem" 2>/dev/null ||
		    rm -f "$f.pem" ;;
	*)	continue ;;
	esac
	if [ ! -s "$f.pem" ]; then
		undelivered=$((undelivered + 1))
		continue
	fi
	delivered=$((delivered + 1))
	s=$(cert_serial "$f.pem")
	if "$KALIT_CA" -d "$CADIR" show "$s" >/dev/null 2>&1; then
		ok "$(basename "$f") holds $s, which the database has"
	else
		fail "$(basename "$f") holds $s, which the database lacks"
	fi
	if "$OPENSSL" verify -CAfile "$ROOT_CRT" -untrusted "$CIT_CRT" \
	    "$f.pem" >/dev/null 2>&1; then
		ok "$(basename "$f"): certificate verifies"
	else
		fail "$(basename "$f"): certificate does not verify"
	fi
done
echo "# $delivered files delivered, $undelivered empty or partial"
for i in $finished; do
	f=$(ls out/?"$i".crt.pem out/?"$i".p12.pem 2>/dev/null)
	if [ -n "$f" ]; then
		ok "run $i finished: its file is complete"
	else
		fail "run $i finished but its file is not complete"
	fi
done
assert "some files were delivered" "$delivered" -gt 0

# What was interrupted left no lock or half state behind.
check "issue works after the SIGKILLs" kca_issue --profile citizen \
    --given-name After --surname Crash --pinfl "$(pinfl 999)" --csr req.pem \
    --out after.crt
check "crl works after the SIGKILLs" kca crl --ca citizen --ca-pass \
    "file:$CAPASS" --out after.crl
cat "$ROOT_CRT" "$CIT_CRT" >cafile.pem
# OpenSSL 3.0 exits 0 after "verify failure": its "verify OK" counts.
"$OPENSSL" crl -inform DER -in "$CADIR/crl/citizen.crl" -CAfile cafile.pem \
    -verify -noout >crlv.out 2>&1
assert_grep "the CRL in the CA directory verifies" "^verify OK$" crlv.out
assert_eq "CRL numbers have no duplicates" "$(sqlite3 "$DB" \
    "SELECT count(*) - count(DISTINCT detail) FROM audit WHERE action = 'crl'")" 0

# --- parallel issuance -------------------------------------------------------------
mkdir par
pids=""
i=0
while [ "$i" -lt 8 ]; do
	i=$((i + 1))
	"$KALIT_CA" -d "$CADIR" issue --ca-pass "file:$CAPASS" \
	    --profile citizen --given-name "P$i" --surname Parallel \
	    --pinfl "$(pinfl $((500 + i)))" --csr req.pem --out "par/p$i.crt" \
	    >"par/p$i.out" 2>"par/p$i.err" &
	pids="$pids $!"
done
i=0
for p in $pids; do
	i=$((i + 1))
	st=0
	wait "$p" || st=$?
	if [ "$st" -eq 0 ]; then
		ok "parallel issue $i succeeded"
	else
		fail "parallel issue $i: exit $st"
		sed 's/^/     | /' "par/p$i.err"
	fi
done
for f in par/p*.crt; do
	cert_serial "$f"
done >par/serials
assert_eq "8 certificates written" "$(wc -l <par/serials | tr -d ' ')" 8
assert_eq "8 distinct serials" "$(sort -u par/serials | wc -l | tr -d ' ')" 8
n=0
while read -r s; do
	kca show "$s" >/dev/null 2>&1 && n=$((n + 1))
done <par/serials
assert_eq "all 8 are in the database" "$n" 8

# parallel status changes and a CRL alongside
pids=""
i=0
while read -r s; do
	i=$((i + 1))
	if [ $((i % 2)) -eq 0 ]; then
		"$KALIT_CA" -d "$CADIR" revoke "$s" --reason superseded \
		    2>"par/r$i.err" &
	else
		"$KALIT_CA" -d "$CADIR" hold "$s" 2>"par/r$i.err" &
	fi
	pids="$pids $!"
done <par/serials
"$KALIT_CA" -d "$CADIR" crl --ca citizen --ca-pass "file:$CAPASS" \
    2>par/crl.err &
pids="$pids $!"
bad=0
for p in $pids; do
	wait "$p" || bad=$((bad + 1))
done
assert_eq "parallel revoke/hold/crl all succeeded" "$bad" 0
[ "$bad" -eq 0 ] || cat par/*.err
kca --json list --status revoked >rev.json
kca --json list --status hold >hold.json
assert_eq "4 revoked, 4 on hold" \
    "$(json 'len(j)' rev.json) $(json 'len(j)' hold.json)" "4 4"
check "audit-verify after parallel runs" kca audit-verify
run sqlite3 "$DB" "PRAGMA integrity_check"
assert_eq "PRAGMA integrity_check after parallel runs" "$(cat "$OUT")" ok

finish
