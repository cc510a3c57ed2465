#!/bin/sh
# shellcheck disable=SC1090,SC2154
# kalitd_faults.sh: issue 17's faults of what kalitd depends on. The
# certificates name an OCSP responder and a CRL server (faultsrv.py) that
# hangs, answers late, answers garbage, answers for another certificate,
# or sends a CRL that is huge or never ends. kalitd fails closed each time
# (503 revocation_unknown, kalit login reports it), keeps answering
# /healthz meanwhile, and a huge CRL leaves its memory as it was. Then
# SIGHUP and a new signing key under a stream of logins: no login fails.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
HERE=$(cd "$(dirname "$0")" && pwd)
trap '[ -n "$FPID" ] && kill "$FPID"; stop_kalitd; rm -rf "$T_TMP"' EXIT
cd "$TMP" || exit 99

FPORT=$(free_port)
"$OPENSSL" rand -hex 16 >"$CAPASS" && "$OPENSSL" rand -hex 8 >"$KEYPASS" &&
    chmod 600 "$CAPASS" "$KEYPASS" || exit 99
if ! check "init, --base-url http://127.0.0.1:$FPORT" kca --operator \
    tester init --cn "Test Root CA" --org "kalit test" \
    --ca-pass "file:$CAPASS" --base-url "http://127.0.0.1:$FPORT" ||
    ! check "ca-new citizen" kca --operator tester ca-new --profile citizen \
    --ca-pass "file:$CAPASS"; then
	finish
fi
n=0
for c in good other; do
	n=$((n + 1))
	kca_issue --profile citizen --given-name Vali --surname "Aliyev$n" \
	    --pinfl "$(pinfl $n)" --out $c.p12 --key-pass "file:$KEYPASS" \
	    >/dev/null 2>&1 && p12_cert $c.p12 "$KEYPASS" $c.crt ||
	    fail "kalit-ca issue $c"
done
# The CA's own status from the root's CRL, alone in a directory; the
# leaves' from the misbehaving server.
kca crl --ca root --ca-pass "file:$CAPASS" >/dev/null 2>&1 &&
    mkdir -p rootcrl && cp "$CADIR/crl/root.crl" rootcrl/ &&
    kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
    fail "CRLs"
# A real OCSP response, good, for the other certificate (openssl ocsp as
# the responder, with the CA's key).
ca_index citizen index.txt
"$OPENSSL" ocsp -issuer "$CADIR/certs/citizen.crt" -cert other.crt \
    -no_nonce -reqout other.req 2>/dev/null &&
    "$OPENSSL" ocsp -index index.txt -CA "$CADIR/certs/citizen.crt" \
    -rsigner "$CADIR/certs/citizen.crt" -rkey "$CADIR/keys/citizen.key" \
    -passin "file:$CAPASS" -reqin other.req -respout other.resp -nmin 5 \
    >/dev/null 2>&1 || fail "an OCSP response for the other certificate"

mkdir -p fault
echo hang >fault/mode
python3 "$HERE/faultsrv.py" "$FPORT" "$TMP/fault" &
FPID=$!
PORT=$(free_port)
REV="ocsp = yes
crl = yes
crl_fetch = yes
crl_dir = $TMP/rootcrl
timeout = 1000
cache_max = 0"
write_conf "$REV"
kd keygen >/dev/null && add_client portal || fail "keygen, client add"
restart_kalitd "$REV"

# klogin NAME: kalit login with NAME.p12; its exit status in RC, stderr
# in $ERR.
klogin() {
	run "$KALIT" login --key "$1.p12" --password "file:$KEYPASS" \
	    --server "http://127.0.0.1:$PORT" --client portal --timeout 30
}
# fault MODE DESC: the server misbehaves as MODE; a login fails closed.
# kalitd starts afresh: it does not ask again a server it found down.
fault() {
	restart_kalitd "$REV"
	echo "$1" >fault/mode
	: >fault/count
	klogin good
	assert "$2: the login is refused" "$RC" -ne 0
	assert_grep "... revocation_unknown: fail closed" revocation_unknown \
	    "$ERR"
	assert "... kalitd asked the server" "$(wc -l <fault/count)" -gt 0
}

# the control: the server answers the good certificate's own status
"$OPENSSL" ocsp -issuer "$CADIR/certs/citizen.crt" -cert good.crt \
    -no_nonce -reqout good.req 2>/dev/null &&
    "$OPENSSL" ocsp -index index.txt -CA "$CADIR/certs/citizen.crt" \
    -rsigner "$CADIR/certs/citizen.crt" -rkey "$CADIR/keys/citizen.key" \
    -passin "file:$CAPASS" -reqin good.req -respout good.resp -nmin 5 \
    >/dev/null 2>&1 || fail "an OCSP response for the good certificate"
cp good.resp fault/answer
echo replay >fault/mode
klogin good
assert_eq "control: the server answering right, the login passes" "$RC" 0

# A hanging server: the login waits on a fetch thread, /healthz does not.
echo hang >fault/mode
: >fault/count
klogin good &
LPID=$!
sleep 0.3
check "hanging responder: /healthz answers meanwhile" curl -sf -m 2 \
    "http://127.0.0.1:$PORT/healthz"
wait "$LPID"
fault hang "hanging responder and CRL server"
echo 3 >fault/delay
fault slow "a responder answering after 3 s (timeout 1 s)"
fault garbage "garbage for an OCSP response and a CRL"
cp other.resp fault/answer
fault replay "a good OCSP response for another certificate"
check "kalitd still answers" curl -sf "http://127.0.0.1:$PORT/healthz"

# CRLs only: one of 256 MiB, and one that never ends.
REV="ocsp = no
crl = yes
crl_fetch = yes
crl_dir = $TMP/rootcrl
timeout = 1000
cache_max = 0"
restart_kalitd "$REV"
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$KPID/status"; }
# fault_rss MODE DESC: as fault, after a control login with the citizen
# CA's real CRL, and kalitd's RSS then: it never holds the body whole (it
# stops reading at CRL_MAX_SIZE, 20 MiB). Under AddressSanitizer freed
# memory stays in its quarantine, hence the margin.
fault_rss() {
	restart_kalitd "$REV"
	cp "$CADIR/crl/citizen.crl" fault/answer
	echo replay >fault/mode
	klogin good
	assert_eq "control: the CRL server answering right, the login passes" \
	    "$RC" 0
	_before=$(rss)
	echo "$1" >fault/mode
	klogin good
	assert "$2: the login is refused" "$RC" -ne 0
	assert_grep "... revocation_unknown: fail closed" revocation_unknown \
	    "$ERR"
	_after=$(rss)
	assert "... kalitd's RSS grew by less than 128 MiB ($_before kB, then \
$_after kB)" "$_after" -lt $((_before + 131072))
}
fault_rss huge "a CRL of 256 MiB (its Content-Length says so)"
fault_rss flood "a CRL without a length, sent as fast as it is taken"
fault endless "a CRL that never ends"
check "kalitd still answers" curl -sf "http://127.0.0.1:$PORT/healthz"
kill "$FPID" && wait "$FPID" 2>/dev/null
FPID=

# --- SIGHUP and a new signing key under logins: none fails -----------------------
restart_kalitd "ocsp = no
crl_dir = $CADIR/crl
crl_fetch = no"
: >fails
(
	i=0
	while [ $i -lt 40 ]; do
		"$KALIT" login --key good.p12 --password "file:$KEYPASS" \
		    --server "http://127.0.0.1:$PORT" --client portal \
		    --timeout 10 >/dev/null 2>>fails || echo "login $i" >>fails
		i=$((i + 1))
	done
) &
LPID=$!
for h in 1 2 3 4; do
	sleep 0.2
	[ $h -eq 2 ] && { kd keygen >/dev/null || fail "keygen under load"; }
	kill -HUP "$KPID"
done
wait "$LPID"
assert_eq "40 logins under 4 SIGHUPs and a key rotation: none failed" \
    "$(grep -c '^login' fails)" 0
assert_grep "... kalitd reloaded" "reload" "$TMP/kalitd.log"
stop_kalitd
finish
