#!/bin/sh
# shellcheck disable=SC1090,SC2154
# ca_responder.sh: kalit-ca responder, the delegated OCSP signing key of an
# issuing CA: its certificate as the openssl CLI reads it, OCSP responses
# signed with it by `openssl ocsp` and verified by `openssl ocsp`, renewal,
# and what is refused.
. "${TESTLIB:?TESTLIB is not set}"

make_pki
cd "$TMP" || exit 99
cat "$ROOT_CRT" "$CIT_CRT" >cafile.pem

# p12_key P12 OUT: the private key of a key file (PEM, unencrypted).
p12_key() {
	"$OPENSSL" pkcs12 -in "$1" -passin "file:$KEYPASS" -nocerts -nodes \
	    -out "$2" 2>/dev/null
}

# --- the responder certificate --------------------------------------------------
check "responder --ca citizen --out r1.p12" kca responder --ca citizen \
    --out r1.p12 --ca-pass "file:$CAPASS" --key-pass "file:$KEYPASS"
R1=$(head -n 1 "$OUT")
assert "responder prints a hex serial" -n "$(echo "$R1" | grep -E '^[0-9a-f]+$')"
assert_eq "key file mode is 0600" "$(stat -c %a r1.p12)" 600
p12_cert r1.p12 "$KEYPASS" r1.crt
p12_key r1.p12 r1.key
assert_eq "key file holds the certificate issued" "$(cert_serial r1.crt)" "$R1"
run "$OPENSSL" pkcs12 -in r1.p12 -passin "file:$KEYPASS" -nokeys -cacerts
assert_eq "key file holds the chain up to the root" \
    "$(grep -c 'BEGIN CERTIFICATE' "$OUT")" 2
check "responder certificate chains to the root" "$OPENSSL" verify \
    -purpose ocsphelper -CAfile "$ROOT_CRT" -untrusted "$CIT_CRT" r1.crt
"$OPENSSL" x509 -in r1.crt -noout -text >r1.txt
assert_grep "EKU OCSP Signing, critical" \
    "X509v3 Extended Key Usage: critical" r1.txt
assert_grep "EKU is OCSP Signing only" "^ +OCSP Signing$" r1.txt
assert_grep "OCSP No Check" "OCSP No Check" r1.txt
assert_grep "key usage critical" "X509v3 Key Usage: critical" r1.txt
assert_grep "digitalSignature only" "^ +Digital Signature$" r1.txt
assert_grep "CA:FALSE" "^ +CA:FALSE" r1.txt
assert_grep "CN defaults to NAME OCSP responder" \
    "Subject: C ?= ?UZ, CN ?= ?citizen OCSP responder$" r1.txt
assert_grep "issued by the citizen CA" "Issuer: .*CN ?= ?kalit citizen CA" \
    r1.txt
assert_nogrep "no OCSP URL (nocheck)" "OCSP - URI" r1.txt
assert_nogrep "no CRL distribution point" "CRL Distribution" r1.txt
assert_grep "caIssuers URL kept" "CA Issuers - URI:http" r1.txt
assert_nogrep "no certificate policy" "Policy:" r1.txt
assert_nogrep "no client authentication" "TLS Web Client" r1.txt
assert_eq "valid 30 days" "$(cert_days r1.crt)" 30
check_not "a responder certificate cannot log in (sslclient)" "$OPENSSL" \
    verify -purpose sslclient -CAfile "$ROOT_CRT" -untrusted "$CIT_CRT" r1.crt
check_not "nor sign e-mail (smimesign)" "$OPENSSL" verify -purpose smimesign \
    -CAfile "$ROOT_CRT" -untrusted "$CIT_CRT" r1.crt
kca --json show "$R1" >r1.json
assert_eq "recorded with profile ocsp under CA citizen" \
    "$(json '(j["profile"], j["ca"], j["status"])' r1.json)" \
    "('ocsp', 'citizen', 'valid')"
sqlite3 "$DB" "SELECT action, detail FROM audit WHERE serial = '$R1'" \
    >r1.audit
assert_grep "audit record: responder" "^responder\|ca=citizen profile=ocsp$" \
    r1.audit

# --- OCSP responses signed with it ------------------------------------------------
make_csr req.pem || fail "openssl req"
for n in good revoked held; do
	kca_issue --profile citizen --given-name "$n" --surname Test \
	    --pinfl "$(pinfl 1)" --csr req.pem --out "$n.crt" >/dev/null 2>&1 ||
	    fail "issue $n"
done
kca revoke "$(cert_serial revoked.crt)" --reason keyCompromise >/dev/null &&
    kca hold "$(cert_serial held.crt)" >/dev/null || fail "revoke, hold"
ca_index citizen index.txt
"$OPENSSL" ocsp -issuer "$CIT_CRT" -cert good.crt -cert revoked.crt \
    -cert held.crt -no_nonce -reqout req.der 2>/dev/null ||
    fail "openssl ocsp -reqout"

# respond SIGNER-CRT SIGNER-KEY OUT: openssl ocsp answers req.der from the
# index, signing with the given certificate and key.
respond() {
	run "$OPENSSL" ocsp -index index.txt -CA "$CIT_CRT" -rsigner "$1" \
	    -rkey "$2" -reqin req.der -respout "$3" -ndays 1
	[ "$RC" -eq 0 ] || { fail "openssl ocsp -index -rsigner $1"; show_last; }
}

# verify_resp DESC RESP ARGS...: openssl ocsp verifies RESP; statuses in $OUT.
verify_resp() {
	_vr_d=$1 _vr_r=$2
	shift 2
	run "$OPENSSL" ocsp -respin "$_vr_r" -issuer "$CIT_CRT" -cert good.crt \
	    -cert revoked.crt -cert held.crt "$@"
	if [ "$RC" -eq 0 ] && grep -q "^Response verify OK" "$ERR"; then
		ok "$_vr_d"
	else
		fail "$_vr_d (exit $RC)"
		show_last
	fi
}

respond r1.crt r1.key resp1.der
verify_resp "response signed by the responder verifies (-CAfile)" resp1.der \
    -CAfile cafile.pem
cp "$OUT" resp1.txt
assert_grep "good is good" "^good\.crt: good$" resp1.txt
assert_grep "revoked is revoked" "^revoked\.crt: revoked$" resp1.txt
assert_grep "with its reason" "Reason: keyCompromise" resp1.txt
assert_grep "held is revoked, certificateHold" "Reason: certificateHold" \
    resp1.txt
verify_resp "response verifies against the responder alone (-VAfile)" \
    resp1.der -VAfile r1.crt
run "$OPENSSL" ocsp -respin resp1.der -resp_text -noverify
assert_grep "responder id is the responder's name" \
    "Responder Id: C ?= ?UZ, CN ?= ?citizen OCSP responder" "$OUT"

# a citizen's key is no responder: same CA, but no OCSPSigning
respond good.crt req.pem.key respbad.der
run "$OPENSSL" ocsp -respin respbad.der -issuer "$CIT_CRT" -cert good.crt \
    -CAfile cafile.pem
if [ "$RC" -ne 0 ] && grep -q "Response Verify Failure" "$ERR"; then
	ok "a response signed by a citizen certificate does not verify"
	assert_grep "openssl says why: no OCSPSigning" \
	    "missing ocspsigning usage" "$ERR"
else
	fail "a citizen certificate's response verified"
	show_last
fi

# a responder of another CA is not delegated by the citizen CA
check "responder --ca official" kca responder --ca official --out ro.p12 \
    --ca-pass "file:$CAPASS" --key-pass "file:$KEYPASS"
p12_cert ro.p12 "$KEYPASS" ro.crt
p12_key ro.p12 ro.key
respond ro.crt ro.key respoff.der
cat "$ROOT_CRT" "$CIT_CRT" "$OFF_CRT" >cafile3.pem
run "$OPENSSL" ocsp -respin respoff.der -issuer "$CIT_CRT" -cert good.crt \
    -CAfile cafile3.pem
if [ "$RC" -ne 0 ] && grep -q "Response Verify Failure" "$ERR"; then
	ok "the official CA's responder does not answer for the citizen CA"
else
	fail "the official CA's responder verified for the citizen CA"
	show_last
fi

# --- renewal: run again ----------------------------------------------------------
check "responder again renews (rsa3072, --days 7, --new-pass)" kca --json \
    responder --ca citizen --out r2.p12 --key-type rsa3072 --days 7 \
    --ca-pass "file:$CAPASS" --new-pass "file:$KEYPASS"
cp "$OUT" r2.json
R2=$(json 'j["serial"]' r2.json)
assert_eq "renewal --json: file, profile, renews the first" \
    "$(json '(j["file"], j["profile"], j["renewed_from"])' r2.json)" \
    "('r2.p12', 'ocsp', '$R1')"
p12_cert r2.p12 "$KEYPASS" r2.crt
p12_key r2.p12 r2.key
assert "renewal: new serial" "$R2" != "$R1"
assert "renewal: new key" \
    "$("$OPENSSL" x509 -in r2.crt -noout -pubkey)" != \
    "$("$OPENSSL" x509 -in r1.crt -noout -pubkey)"
"$OPENSSL" x509 -in r2.crt -noout -text >r2.txt
assert_grep "renewal: rsa3072" "Public-Key: \(3072 bit\)" r2.txt
assert_eq "renewal: --days 7" "$(cert_days r2.crt)" 7
respond r2.crt r2.key resp2.der
verify_resp "the renewed responder's response verifies (-CAfile)" resp2.der \
    -CAfile cafile.pem
assert_grep "renewed responder: revoked is revoked" \
    "^revoked\.crt: revoked$" "$OUT"
kca --json list --profile ocsp --ca citizen >ocsp.json
assert_eq "list --profile ocsp: both responders of the citizen CA" \
    "$(json '[c["serial"] for c in j]' ocsp.json)" "['$R1', '$R2']"

# --- refused, database unchanged --------------------------------------------------
snap=$(db_snapshot)
expect_fail 1 usage kca responder --out x.p12 --ca-pass "file:$CAPASS" \
    --key-pass "file:$KEYPASS"
assert_grep "usage names --ca" "\-\-ca NAME" "$ERR"
expect_fail 1 usage kca responder --ca citizen --ca-pass "file:$CAPASS"
expect_fail 3 ca_unknown kca responder --ca nosuch --out x.p12 \
    --ca-pass "file:$CAPASS" --key-pass "file:$KEYPASS"
assert_grep "unknown CA: says ca-list" "ca-list" "$ERR"
expect_fail 3 file_exists kca responder --ca citizen --out r1.p12 \
    --ca-pass "file:$CAPASS" --key-pass "file:$KEYPASS"
expect_fail 2 key_type_unknown kca responder --ca citizen --out x.p12 \
    --key-type ed25519 --ca-pass "file:$CAPASS" --key-pass "file:$KEYPASS"
echo wrong >wrong.pass
expect_fail 4 passphrase_wrong kca responder --ca citizen --out x.p12 \
    --ca-pass file:wrong.pass --key-pass "file:$KEYPASS"
expect_fail 1 usage kca responder --ca citizen --out x.p12 --pinfl \
    "$(pinfl 2)" --ca-pass "file:$CAPASS" --key-pass "file:$KEYPASS"
mv "$CADIR/profiles/ocsp.conf" ocsp.conf.saved
expect_fail 2 profile_unknown kca responder --ca citizen --out x.p12 \
    --ca-pass "file:$CAPASS" --key-pass "file:$KEYPASS"
assert_grep "an old CA directory: says to copy ocsp.conf" \
    "copy .*/ocsp\.conf into .*/profiles" "$ERR"
mv ocsp.conf.saved "$CADIR/profiles/ocsp.conf"
assert "no key file left behind" ! -e x.p12
assert_db_unchanged "refused responders" "$snap"
check "audit-verify" kca audit-verify

finish
