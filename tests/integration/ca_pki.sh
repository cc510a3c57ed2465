#!/bin/sh
# shellcheck disable=SC1090,SC2154
# ca_pki.sh: kalit-ca end to end, judged by the openssl CLI and GnuTLS certtool:
# key files, CSRs, extensions, PKCS#12, revocation and CRLs, listings,
# renewal, batch issuance and the audit chain.
. "${TESTLIB:?TESTLIB is not set}"
require "$CERTTOOL"

make_pki
cd "$TMP" || exit 99
CAFILE=$TMP/cafile.pem		# root + citizen CA, for CRL checks
cat "$ROOT_CRT" "$CIT_CRT" >"$CAFILE"

# verify_cert DESC CERT ISSUING-CA-CERT: openssl and certtool both accept it.
verify_cert() {
	check "$1: openssl verify" "$OPENSSL" verify -CAfile "$ROOT_CRT" \
	    -untrusted "$3" "$2"
	cat "$2" "$3" "$ROOT_CRT" >"$TMP/chain.pem"
	run "$CERTTOOL" --verify-chain --infile "$TMP/chain.pem"
	if [ "$RC" -eq 0 ] &&
	    grep -q "Chain verification output: Verified" "$OUT"; then
		ok "$1: certtool --verify-chain"
	else
		fail "$1: certtool --verify-chain (exit $RC)"
		show_last
	fi
}

# text CERT: openssl's text form of CERT into CERT.txt
text() {
	"$OPENSSL" x509 -in "$1" -noout -text >"$1.txt" 2>&1
}

# --- key files ----------------------------------------------------------------
P1=$(pinfl 1)
check "issue citizen key file (default p256)" kca_issue --profile citizen \
    --given-name Vali --surname Aliyev --pinfl "$P1" --tin 123456789 \
    --email vali@example.uz --out c1.p12 --key-pass "file:$KEYPASS"
S1=$(head -n 1 "$OUT")
assert "issue prints a hex serial" -n "$(echo "$S1" | grep -E '^[0-9a-f]+$')"
assert_eq "key file mode is 0600" "$(stat -c %a c1.p12)" 600
p12_cert c1.p12 "$KEYPASS" c1.crt
assert_eq "key file holds the certificate issued" "$(cert_serial c1.crt)" "$S1"
verify_cert "citizen p256" c1.crt "$CIT_CRT"
text c1.crt
assert_grep "p256 key" "ASN1 OID: prime256v1" c1.crt.txt

for kt in p384 rsa3072 ed25519; do
	check "issue citizen key file --key-type $kt" kca_issue \
	    --profile citizen --given-name Ali --surname "Karimov-$kt" \
	    --pinfl "$(pinfl 2)" --key-type "$kt" --out "k-$kt.p12" \
	    --key-pass "file:$KEYPASS"
	p12_cert "k-$kt.p12" "$KEYPASS" "k-$kt.crt"
	verify_cert "citizen $kt" "k-$kt.crt" "$CIT_CRT"
	text "k-$kt.crt"
done
assert_grep "p384 key" "ASN1 OID: secp384r1" k-p384.crt.txt
assert_grep "rsa3072 key" "Public-Key: \(3072 bit\)" k-rsa3072.crt.txt
assert_grep "ed25519 key" "Public Key Algorithm: ED25519" k-ed25519.crt.txt

ORGTIN=201234567
P3=$(pinfl 3)
check "issue official key file" kca_issue --profile official \
    --given-name Nodira --surname Yusupova --pinfl "$P3" --org "Kalit LLC" \
    --title Director --org-tin "$ORGTIN" --out o1.p12 \
    --key-pass "file:$KEYPASS"
SO=$(head -n 1 "$OUT")
p12_cert o1.p12 "$KEYPASS" o1.crt
verify_cert "official" o1.crt "$OFF_CRT"
text o1.crt
check_not "official certificate does not chain to the citizen CA" \
    "$OPENSSL" verify -CAfile "$ROOT_CRT" -untrusted "$CIT_CRT" o1.crt

# --- CSRs ---------------------------------------------------------------------
make_csr req.pem || fail "openssl req"
"$OPENSSL" req -in req.pem -outform DER -out req.der
check "issue from a PEM CSR" kca_issue --profile citizen --given-name Bobur \
    --surname Toshev --pinfl "$(pinfl 4)" --csr req.pem --out csr1.crt
verify_cert "from PEM CSR" csr1.crt "$CIT_CRT"
assert_eq "certificate has the CSR's key" \
    "$("$OPENSSL" x509 -in csr1.crt -noout -pubkey)" \
    "$("$OPENSSL" pkey -in req.pem.key -pubout)"
text csr1.crt
assert_nogrep "CSR subject is not copied" "CN ?= ?whatever" csr1.crt.txt

check "issue from a DER CSR, certificate on stdout" kca_issue \
    --profile citizen --given-name Bobur --surname Toshev \
    --pinfl "$(pinfl 5)" --csr req.der
cp "$OUT" csr2.crt
verify_cert "from DER CSR" csr2.crt "$CIT_CRT"

make_csr reqca.pem -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign \
    -addext subjectAltName=DNS:evil.example || fail "openssl req CA:TRUE"
check "issue from a CSR asking for CA:TRUE" kca_issue --profile citizen \
    --given-name Eve --surname Evil --pinfl "$(pinfl 6)" --csr reqca.pem \
    --out csrca.crt
text csrca.crt
assert_grep "CSR's CA:TRUE is ignored: CA:FALSE" "^ +CA:FALSE" csrca.crt.txt
assert_nogrep "no CA:TRUE" "CA:TRUE" csrca.crt.txt
assert_nogrep "CSR's keyCertSign is ignored" "Certificate Sign" csrca.crt.txt
assert_nogrep "CSR's subjectAltName is ignored" "evil.example" csrca.crt.txt

# A PEM CSR with explanatory text before it (openssl req -text), as RFC 7468
# allows and openssl itself reads.
make_csr reqtext.pem -text || fail "openssl req -text"
check "issue from a PEM CSR with text before it" kca_issue \
    --profile citizen --given-name Text --surname Before --pinfl "$(pinfl 8)" \
    --csr reqtext.pem --out csrtext.crt

# --days beyond the issuing CA's life: capped at the CA's notAfter
check "issue --days 36525" kca_issue --profile citizen --given-name Long \
    --surname Lived --pinfl "$(pinfl 9)" --csr req.pem --days 36525 \
    --out long.crt
assert_eq "notAfter capped at the issuing CA's" \
    "$("$OPENSSL" x509 -in long.crt -noout -enddate)" \
    "$("$OPENSSL" x509 -in "$CIT_CRT" -noout -enddate)"

# passphrase sources: env:VAR and fd:N
KALIT_TEST_CA_PASS=$(cat "$CAPASS")
export KALIT_TEST_CA_PASS
check "--ca-pass env:VAR" kca issue --profile citizen --given-name Env \
    --surname Pass --pinfl "$(pinfl 9)" --csr req.pem --out env.crt \
    --ca-pass env:KALIT_TEST_CA_PASS
unset KALIT_TEST_CA_PASS
check "--ca-pass fd:N, --key-pass fd:M" kca issue --profile citizen \
    --given-name Fd --surname Pass --pinfl "$(pinfl 9)" --out fd.p12 \
    --ca-pass fd:3 --key-pass fd:4 3<"$CAPASS" 4<"$KEYPASS"
check "key file written with the fd: password opens" "$OPENSSL" pkcs12 \
    -in fd.p12 -passin "file:$KEYPASS" -nodes

# --- what the certificates say -------------------------------------------------
assert_grep "citizen: PINFL under 1.2.860.3.16.1.2" \
    "Subject:.*1\.2\.860\.3\.16\.1\.2 = $P1" c1.crt.txt
assert_grep "citizen: personal TIN in UID" "Subject:.*(UID|userId) = 123456789" \
    c1.crt.txt
assert_grep "citizen: given name and surname" \
    "Subject:.*SN = Aliyev, GN = Vali, CN = Aliyev Vali" c1.crt.txt
assert_grep "citizen: e-mail in subjectAltName" "email:vali@example.uz" \
    c1.crt.txt
assert_grep "official: organisation TIN under 1.2.860.3.16.1.1" \
    "Subject:.*1\.2\.860\.3\.16\.1\.1 = $ORGTIN" o1.crt.txt
assert_grep "official: PINFL" "Subject:.*1\.2\.860\.3\.16\.1\.2 = $P3" o1.crt.txt
assert_grep "official: O and title" "Subject:.*O = Kalit LLC.*title = Director" \
    o1.crt.txt
for c in c1 o1 k-rsa3072 csr1; do
	f=$c.crt.txt
	assert_grep "$c: key usage critical" "X509v3 Key Usage: critical" "$f"
	assert_grep "$c: digitalSignature, nonRepudiation" \
	    "^ +Digital Signature, Non Repudiation$" "$f"
	assert_grep "$c: EKU clientAuth + emailProtection" \
	    "^ +TLS Web Client Authentication, E-mail Protection$" "$f"
	assert_grep "$c: CA:FALSE" "^ +CA:FALSE" "$f"
	assert_grep "$c: OCSP URL" "OCSP - URI:http://127\.0\.0\.1:8443/ocsp" "$f"
	assert_grep "$c: caIssuers URL" "CA Issuers - URI:http" "$f"
	assert_nogrep "$c: serial is not negative" "Negative" "$f"
	bits=$(python3 -c 'import sys; print(int(sys.argv[1], 16).bit_length())' \
	    "$(cert_serial "${f%.txt}")")
	assert "$c: serial has >= 64 bits ($bits)" "$bits" -ge 64
done
for c in c1 k-rsa3072 csr1; do
	assert_grep "$c: citizen policy" "Policy: 1\.3\.6\.1\.5\.5\.7\.13\.1$" \
	    "$c.crt.txt"
	assert_grep "$c: CRL distribution point" \
	    "URI:http://127\.0\.0\.1:8443/crl/citizen\.crl" "$c.crt.txt"
done
assert_grep "official policy" "Policy: 1\.3\.6\.1\.5\.5\.7\.13\.2$" o1.crt.txt
assert_grep "official CRL distribution point" \
    "URI:http://127\.0\.0\.1:8443/crl/official\.crl" o1.crt.txt
text "$CIT_CRT"
cp "$CIT_CRT.txt" citca.txt
assert_grep "issuing CA: CA:TRUE, pathlen:0" "CA:TRUE, pathlen:0" citca.txt
assert_grep "issuing CA: basic constraints critical" \
    "Basic Constraints: critical" citca.txt
assert_grep "issuing CA: keyCertSign, cRLSign" "^ +Certificate Sign, CRL Sign$" \
    citca.txt
assert_grep "issuing CA: bound to the citizen policy" \
    "Policy: 1\.3\.6\.1\.5\.5\.7\.13\.1$" citca.txt
serial_bits=$(python3 -c 'import sys; print(int(sys.argv[1], 16).bit_length())' \
    "$(cert_serial "$CIT_CRT")")
assert "issuing CA: serial has >= 64 bits" "$serial_bits" -ge 64

# --- PKCS#12 --------------------------------------------------------------------
run "$OPENSSL" pkcs12 -in c1.p12 -passin "file:$KEYPASS" -nodes
if [ "$RC" -eq 0 ] && grep -q -- "-----BEGIN PRIVATE[ ]KEY" "$OUT" &&
    [ "$(grep -c "BEGIN CERTIFICATE" "$OUT")" -eq 3 ]; then
	ok "key file opens with its password: key, certificate and chain"
else
	fail "openssl pkcs12 -nodes with the right password (exit $RC)"
	show_last
fi
echo "not-the-password" >wrong.pass
check_not "key file refuses a wrong password" "$OPENSSL" pkcs12 -in c1.p12 \
    -passin file:wrong.pass -nodes
run "$OPENSSL" pkcs12 -in c1.p12 -passin "file:$KEYPASS" -info -noout
assert_grep "modern key file: PBES2 / AES-256-CBC" "AES-256-CBC" "$ERR"
assert_grep "modern key file: MAC SHA-256" "MAC: sha256" "$ERR"
assert_eq "key in the file matches the certificate" \
    "$("$OPENSSL" pkcs12 -in c1.p12 -passin "file:$KEYPASS" -nocerts -nodes \
    2>/dev/null | "$OPENSSL" pkey -pubout)" \
    "$("$OPENSSL" x509 -in c1.crt -noout -pubkey)"

check "issue a --legacy key file" kca_issue --profile citizen --given-name Old \
    --surname Windows --pinfl "$(pinfl 7)" --legacy --out legacy.p12 \
    --key-pass "file:$KEYPASS"
assert_eq "legacy key file mode is 0600" "$(stat -c %a legacy.p12)" 600
run "$OPENSSL" pkcs12 -in legacy.p12 -passin "file:$KEYPASS" -nodes
if [ "$RC" -eq 0 ] && grep -q -- "-----BEGIN PRIVATE[ ]KEY" "$OUT"; then
	ok "legacy key file opens (3DES, default provider, no -legacy)"
else
	check "legacy key file opens with -legacy" "$OPENSSL" pkcs12 -legacy \
	    -in legacy.p12 -passin "file:$KEYPASS" -nodes
fi
run "$OPENSSL" pkcs12 -in legacy.p12 -passin "file:$KEYPASS" -info -noout
assert_grep "legacy key file: 3DES" "pbeWithSHA1And3-KeyTripleDES-CBC" "$ERR"
check_not "legacy key file refuses a wrong password" "$OPENSSL" pkcs12 \
    -in legacy.p12 -passin file:wrong.pass -nodes
check "certtool reads the key file" "$CERTTOOL" --p12-info --inder \
    --infile c1.p12 --password "$(cat "$KEYPASS")"

# --- revocation and CRLs ----------------------------------------------------------
# r1 keyCompromise, r2 superseded, r3 unspecified, h1 on hold, g1 good
for n in r1 r2 r3 h1 g1; do
	check "issue $n" kca_issue --profile citizen --given-name "$n" \
	    --surname Test --pinfl "$(pinfl 10)" --csr req.pem --out "$n.crt"
	eval "$n=\$(cert_serial $n.crt)"
done
# shellcheck disable=SC2154
{
	check "revoke keyCompromise" kca revoke "$r1" --reason keyCompromise
	check "revoke superseded" kca revoke "$r2" --reason superseded
	check "revoke unspecified (upper case, colons)" kca revoke \
	    "$(echo "$r3" | tr a-f A-F | sed 's/../&:/g; s/:$//')" \
	    --reason unspecified
	check "hold" kca hold "$h1"
}

crl_number() {
	"$OPENSSL" crl -inform DER -in "$1" -noout -crlnumber |
	    sed 's/^crlNumber=//; s/^0x//'
}

check "crl --ca citizen --out x.crl" kca crl --ca citizen --out x.crl \
    --ca-pass "file:$CAPASS"
assert_eq "CRL is DER by default" "$(od -An -tx1 -N1 x.crl | tr -d ' ')" 30
assert "CRL also kept in the CA directory" -s "$CADIR/crl/citizen.crl"
run "$OPENSSL" crl -inform DER -in x.crl -CAfile "$CAFILE" -verify -noout \
    -text
if [ "$RC" -eq 0 ] && grep -q "verify OK" "$ERR" "$OUT"; then
	ok "openssl verifies the CRL's signature"
else
	fail "openssl crl -verify (exit $RC)"
	show_last
fi
cp "$OUT" x.crl.txt
assert_grep "CRL issuer is the citizen CA" "Issuer: .*CN = kalit citizen CA" \
    x.crl.txt
crl_entries x.crl >x.entries
# shellcheck disable=SC2154
{
	assert_grep "CRL lists r1 keyCompromise" "^$r1 Key_Compromise$" x.entries
	assert_grep "CRL lists r2 superseded" "^$r2 Superseded$" x.entries
	assert_grep "CRL lists r3 (unspecified)" "^$r3 (none|Unspecified)$" \
	    x.entries
	assert_grep "CRL lists h1 certificateHold" "^$h1 Certificate_Hold$" \
	    x.entries
	assert_nogrep "CRL does not list g1" "^$g1 " x.entries
}
assert_eq "CRL has 4 entries" "$(wc -l <x.entries | tr -d ' ')" 4
assert_grep "CRL reason Key Compromise in text" "Key Compromise" x.crl.txt
assert_grep "CRL reason Superseded in text" "Superseded" x.crl.txt
assert_grep "CRL reason Certificate Hold in text" "Certificate Hold" x.crl.txt
N1=$(crl_number x.crl)

"$OPENSSL" crl -inform DER -in x.crl -out x.crl.pem
# shellcheck disable=SC2154
{
	run "$OPENSSL" verify -crl_check -CAfile "$ROOT_CRT" -untrusted \
	    "$CIT_CRT" -CRLfile x.crl.pem r1.crt
	if [ "$RC" -ne 0 ] && grep -q "certificate revoked" "$OUT" "$ERR"; then
		ok "openssl verify -crl_check rejects revoked r1"
	else
		fail "openssl verify -crl_check on revoked r1 (exit $RC)"
		show_last
	fi
	run "$OPENSSL" verify -crl_check -CAfile "$ROOT_CRT" -untrusted \
	    "$CIT_CRT" -CRLfile x.crl.pem h1.crt
	if [ "$RC" -ne 0 ] && grep -q "certificate revoked" "$OUT" "$ERR"; then
		ok "openssl verify -crl_check rejects h1 on hold"
	else
		fail "openssl verify -crl_check on held h1 (exit $RC)"
		show_last
	fi
	check "openssl verify -crl_check accepts good g1" "$OPENSSL" verify \
	    -crl_check -CAfile "$ROOT_CRT" -untrusted "$CIT_CRT" \
	    -CRLfile x.crl.pem g1.crt
}
run "$CERTTOOL" --verify-crl --infile x.crl.pem --load-ca-certificate "$CIT_CRT"
assert_grep "certtool --verify-crl: verified" "^Verification output: Verified" \
    "$OUT"
run "$CERTTOOL" --verify-crl --infile x.crl.pem --load-ca-certificate "$OFF_CRT"
assert_nogrep "certtool --verify-crl: not by the official CA" \
    "^Verification output: Verified" "$OUT"

# list filters while h1 is on hold
kca --json list --status hold >hold.json
# shellcheck disable=SC2154
assert_eq "list --status hold" "$(json '[c["serial"] for c in j]' hold.json)" \
    "['$h1']"
kca --json list --status revoked >rev.json
# shellcheck disable=SC2154
assert_eq "list --status revoked" \
    "$(json 'sorted(c["serial"] for c in j)' rev.json)" \
    "$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$r1" "$r2" "$r3")"
assert_eq "list --json gives the reasons" \
    "$(json 'sorted(c["reason"] for c in j)' rev.json)" \
    "['keyCompromise', 'superseded', 'unspecified']"
assert_eq "list --json: revoked_at set, status revoked" \
    "$(json 'all(c["status"] == "revoked" and c["revoked_at"] for c in j)' \
    rev.json)" true
check "show a revoked certificate" kca show "$r1"
assert_grep "show: status revoked" "^status: +revoked" "$OUT"
assert_grep "show: reason keyCompromise" "^reason: +keyCompromise" "$OUT"

check "release h1" kca release "$h1"
check "crl --pem --out y.crl.pem" kca crl --ca citizen --pem --out y.crl.pem \
    --ca-pass "file:$CAPASS"
assert_grep "--pem writes PEM" "^-----BEGIN X509 CRL-----" y.crl.pem
"$OPENSSL" crl -in y.crl.pem -outform DER -out y.crl
check "crl again (DER)" kca crl --ca citizen --out z.crl --ca-pass "file:$CAPASS"
check "openssl verifies the later CRLs" "$OPENSSL" crl -inform DER -in z.crl \
    -CAfile "$CAFILE" -verify -noout
N2=$(crl_number y.crl)
N3=$(crl_number z.crl)
assert "CRL number grows ($N1 < $N2 < $N3)" \
    "$(printf '%d' "0x$N1")" -lt "$(printf '%d' "0x$N2")" -a \
    "$(printf '%d' "0x$N2")" -lt "$(printf '%d' "0x$N3")"
crl_entries z.crl >z.entries
# shellcheck disable=SC2154
{
	assert_nogrep "released h1 is gone from the next CRL" "^$h1 " z.entries
	assert_grep "revoked r1 still listed" "^$r1 " z.entries
	check "openssl verify -crl_check accepts released h1" "$OPENSSL" verify \
	    -crl_check -CAfile "$ROOT_CRT" -untrusted "$CIT_CRT" \
	    -CRLfile y.crl.pem h1.crt
	check "crl of the official CA" kca crl --ca official --out off.crl \
	    --ca-pass "file:$CAPASS"
	check "official CRL verifies" "$OPENSSL" crl -inform DER -in off.crl \
	    -CAfile "$OFF_CRT" -verify -noout
	assert_eq "official CRL has no entries" "$(crl_entries off.crl | wc -l |
	    tr -d ' ')" 0
}

# --- listings -------------------------------------------------------------------
kca --json list --status hold >hold2.json
assert_eq "after release nothing is on hold" "$(json 'len(j)' hold2.json)" 0
kca --json list --status valid >valid.json
# shellcheck disable=SC2154
assert_eq "list --status valid: good ones in, revoked out" \
    "$(json "sorted(set(c['serial'] for c in j) & {'$g1', '$h1', '$r1', '$S1'})" \
    valid.json)" \
    "$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$g1" "$h1" "$S1")"
assert_eq "list --status valid: all valid" \
    "$(json 'all(c["status"] == "valid" for c in j)' valid.json)" true
kca --json list --pinfl "$P1" >p1.json
assert_eq "list --pinfl" "$(json '[(c["serial"], c["pinfl"]) for c in j]' \
    p1.json)" "[('$S1', '$P1')]"
kca --json list --pinfl "$(pinfl 10)" >p10.json
assert_eq "list --pinfl: 5 certificates of one person" "$(json 'len(j)' p10.json)" 5
kca --json list --tin "$ORGTIN" >tin.json
assert_eq "list --tin finds the official by organisation TIN" \
    "$(json '[(c["serial"], c["org_tin"]) for c in j]' tin.json)" \
    "[('$SO', '$ORGTIN')]"
kca --json list --tin 123456789 >tin2.json
assert_eq "list --tin finds a citizen by personal TIN" \
    "$(json '[c["serial"] for c in j]' tin2.json)" "['$S1']"
kca --json list --profile official >off.json
assert_eq "list --profile official" \
    "$(json '[(c["serial"], c["profile"], c["ca"]) for c in j]' off.json)" \
    "[('$SO', 'official', 'official')]"
check "issue a short-lived certificate (--days 10)" kca_issue \
    --profile citizen --given-name Short --surname Lived --pinfl "$(pinfl 11)" \
    --csr req.pem --days 10 --out short.crt
SSHORT=$(cert_serial short.crt)
kca --json list --expires-within 30 >exp.json
assert_eq "list --expires-within 30" "$(json '[c["serial"] for c in j]' exp.json)" \
    "['$SSHORT']"
kca --json list --expires-within 800 --profile citizen >exp2.json
assert "list --expires-within 800 has all citizen certificates" \
    "$(json 'len(j)' exp2.json)" -ge 12
kca list >list.txt
assert_grep "plain list has a header" "^SERIAL +STATUS +PROFILE" list.txt
assert_grep "plain list shows a revoked one" "^$r1 +revoked +citizen" list.txt

check "show --json" kca --json show "$S1"
cp "$OUT" show.json
assert_eq "show --json: serial, profile, pinfl, tin, status" \
    "$(json '(j["serial"], j["profile"], j["ca"], j["pinfl"], j["tin"], j["status"])' \
    show.json)" "('$S1', 'citizen', 'citizen', '$P1', '123456789', 'valid')"
json 'j["pem"]' show.json >show.pem
assert_eq "show --json: pem is the certificate" "$(cert_serial show.pem)" "$S1"
check "show --pem" kca show "$S1" --pem
cp "$OUT" show2.pem
assert_eq "show --pem is the certificate" \
    "$("$OPENSSL" x509 -in show2.pem -outform DER | sha256sum)" \
    "$("$OPENSSL" x509 -in c1.crt -outform DER | sha256sum)"
check "show accepts upper case with colons and leading zeros" kca show \
    "00:$(echo "$S1" | tr a-f A-F | sed 's/../&:/g; s/:$//')"
assert_grep "show: serial line" "^serial: +$S1$" "$OUT"

check "ca-list --json" kca --json ca-list
cp "$OUT" ca.json
assert_eq "ca-list: names and profiles" \
    "$(json 'sorted((c["name"], c["profile"], c.get("parent")) for c in j)' ca.json)" \
    "[('citizen', 'citizen', 'root'), ('official', 'official', 'root'), ('root', 'root', None)]"
assert_eq "ca-list: serial of the citizen CA" \
    "$(json '[c["serial"] for c in j if c["name"] == "citizen"][0]' ca.json)" \
    "$(cert_serial "$CIT_CRT")"
assert_eq "ca-list: key types" "$(json 'sorted(set(c["key_type"] for c in j))' \
    ca.json)" "['p256']"

# --- renewal --------------------------------------------------------------------
check "renew SERIAL --out new.p12" kca renew "$S1" --out renew.p12 \
    --ca-pass "file:$CAPASS" --key-pass "file:$KEYPASS"
SR=$(head -n 1 "$OUT")
p12_cert renew.p12 "$KEYPASS" renew.crt
assert_eq "renewed: serial printed is in the key file" "$(cert_serial renew.crt)" \
    "$SR"
assert "renewed: new serial" "$SR" != "$S1"
assert_eq "renewed: same subject" \
    "$("$OPENSSL" x509 -in renew.crt -noout -subject)" \
    "$("$OPENSSL" x509 -in c1.crt -noout -subject)"
assert "renewed: new key" "$("$OPENSSL" x509 -in renew.crt -noout -pubkey)" != \
    "$("$OPENSSL" x509 -in c1.crt -noout -pubkey)"
verify_cert "renewed" renew.crt "$CIT_CRT"
text renew.crt
assert_grep "renewed: e-mail kept" "email:vali@example.uz" renew.crt.txt
assert_grep "renewed: personal TIN kept" "Subject:.*(UID|userId) = 123456789" \
    renew.crt.txt
check "show the renewed one" kca show "$SR"
assert_grep "show says it renews the old one" "^renews: +$S1$" "$OUT"
kca --json show "$SR" >renew.json
assert_eq "show --json renewed_from" "$(json 'j["renewed_from"]' renew.json)" "$S1"

check "renew --same-key --out" kca renew "$S1" --same-key --out same.crt \
    --ca-pass "file:$CAPASS"
SS=$(cert_serial same.crt)
assert "renew --same-key: new serial" "$SS" != "$S1"
assert_eq "renew --same-key keeps the public key" \
    "$("$OPENSSL" x509 -in same.crt -noout -pubkey)" \
    "$("$OPENSSL" x509 -in c1.crt -noout -pubkey)"
assert_eq "renew --same-key keeps the subject" \
    "$("$OPENSSL" x509 -in same.crt -noout -subject)" \
    "$("$OPENSSL" x509 -in c1.crt -noout -subject)"
verify_cert "renewed --same-key" same.crt "$CIT_CRT"
check "renew an official (--csr)" kca renew "$SO" --csr req.pem --out ro.crt \
    --ca-pass "file:$CAPASS"
verify_cert "renewed official" ro.crt "$OFF_CRT"
text ro.crt
assert_grep "renewed official keeps the organisation TIN" \
    "Subject:.*1\.2\.860\.3\.16\.1\.1 = $ORGTIN" ro.crt.txt

# --- batch ----------------------------------------------------------------------
# batch_file OUT PINFL...: one JSON line per PINFL with a fresh CSR each
batch_file() {
	_bf=$1
	shift
	: >"$_bf"
	_i=0
	for _p in "$@"; do
		_i=$((_i + 1))
		make_csr "$TMP/b$_i.csr" || fail "openssl req (batch)"
		python3 -c 'import json, sys
print(json.dumps({"given_name": "Batch%s" % sys.argv[1], "surname": "Test",
    "pinfl": sys.argv[2], "csr": open(sys.argv[3]).read()}))' \
		    "$_i" "$_p" "$TMP/b$_i.csr" >>"$_bf"
	done
}
before=$(cert_count)
batch_file good.jsonl "$(pinfl 21)" "$(pinfl 22)" "$(pinfl 23)"
check "issue --batch, 3 lines" kca_issue --profile citizen --batch good.jsonl
cp "$OUT" batch.out
assert_eq "batch printed 3 serials" "$(grep -cE '^[0-9a-f]+	3[0-9]{13}$' \
    batch.out)" 3
assert_eq "batch issued 3" "$(cert_count)" $((before + 3))
bs=$(sed -n 2p batch.out | cut -f1)
kca show "$bs" --pem >b2.crt
verify_cert "batch certificate" b2.crt "$CIT_CRT"
assert_eq "batch certificate has line 2's key" \
    "$("$OPENSSL" x509 -in b2.crt -noout -pubkey)" \
    "$("$OPENSSL" pkey -in b2.csr.key -pubout)"
text b2.crt
assert_grep "batch certificate has line 2's PINFL" \
    "Subject:.*1\.2\.860\.3\.16\.1\.2 = $(pinfl 22)" b2.crt.txt

before=$(cert_count)
snap=$(db_snapshot)
batch_file bad.jsonl "$(pinfl 31)" 1234567890123 "$(pinfl 33)"
expect_fail 2 pinfl_invalid kca_issue --profile citizen --batch bad.jsonl
assert_grep "the bad line is named" "bad\.jsonl:2:" "$ERR"
assert_eq "bad batch issued none" "$(cert_count)" "$before"
assert_db_unchanged "bad batch" "$snap"

# --- TLS server certificates ------------------------------------------------------
# A CA of its own issues them (ca-new --profile server --name servers), with
# host names from --dns and --ip; TLS clients (curl, openssl) accept them.
check "ca-new --profile server --name servers" kca --operator tester ca-new \
    --profile server --name servers --ca-pass "file:$CAPASS"
SRV_CRT=$CADIR/certs/servers.crt
text "$SRV_CRT"
assert_nogrep "servers CA carries no people's policy" "Policy:" \
    "$SRV_CRT.txt"
check "issue a server key file (--dns, --ip)" kca_issue --profile server \
    --ca servers --dns localhost --dns KALITD.Example.UZ --ip 127.0.0.1 \
    --ip ::1 --out srv.p12 --key-pass "file:$KEYPASS"
SSRV=$(head -n 1 "$OUT")
p12_cert srv.p12 "$KEYPASS" srv.crt
assert_eq "server key file holds the certificate issued" \
    "$(cert_serial srv.crt)" "$SSRV"
verify_cert "server" srv.crt "$SRV_CRT"
check "openssl verify -purpose sslserver" "$OPENSSL" verify -purpose sslserver \
    -CAfile "$ROOT_CRT" -untrusted "$SRV_CRT" srv.crt
check "openssl verify -verify_hostname localhost" "$OPENSSL" verify \
    -purpose sslserver -verify_hostname localhost -CAfile "$ROOT_CRT" \
    -untrusted "$SRV_CRT" srv.crt
check "openssl verify -verify_ip 127.0.0.1" "$OPENSSL" verify \
    -purpose sslserver -verify_ip 127.0.0.1 -CAfile "$ROOT_CRT" \
    -untrusted "$SRV_CRT" srv.crt
check_not "openssl verify -verify_hostname of another host fails" \
    "$OPENSSL" verify -verify_hostname evil.example.uz -CAfile "$ROOT_CRT" \
    -untrusted "$SRV_CRT" srv.crt
check_not "a server certificate is no TLS client certificate" "$OPENSSL" \
    verify -purpose sslclient -CAfile "$ROOT_CRT" -untrusted "$SRV_CRT" \
    srv.crt
check_not "a citizen certificate is no TLS server certificate" "$OPENSSL" \
    verify -purpose sslserver -CAfile "$ROOT_CRT" -untrusted "$CIT_CRT" c1.crt
cat srv.crt "$SRV_CRT" >srvchain.pem
run "$CERTTOOL" --verify --infile srvchain.pem --load-ca-certificate \
    "$ROOT_CRT" --verify-hostname localhost \
    --verify-purpose 1.3.6.1.5.5.7.3.1
if [ "$RC" -eq 0 ] && grep -q "Chain verification output: Verified" "$OUT"
then
	ok "certtool --verify: serverAuth purpose and host name localhost"
else
	fail "certtool --verify --verify-hostname (exit $RC)"
	show_last
fi
text srv.crt
assert_grep "server: SAN has the DNS names (lower case) and addresses" \
    "DNS:localhost, DNS:kalitd\.example\.uz, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1$" \
    srv.crt.txt
assert_grep "server: CN defaults to the first DNS name" \
    "Subject: C ?= ?UZ, CN ?= ?localhost$" srv.crt.txt
assert_grep "server: key usage critical" "X509v3 Key Usage: critical" \
    srv.crt.txt
assert_grep "server: digitalSignature only" "^ +Digital Signature$" srv.crt.txt
assert_grep "server: EKU serverAuth only" "^ +TLS Web Server Authentication$" \
    srv.crt.txt
assert_grep "server: basic constraints critical" "Basic Constraints: critical" \
    srv.crt.txt
assert_grep "server: CA:FALSE" "^ +CA:FALSE" srv.crt.txt
assert_nogrep "server: no certificate policy" "Policy:" srv.crt.txt
assert_nogrep "server: no PINFL" "1\.2\.860\.3\.16\.1\.2" srv.crt.txt
assert_grep "server: CRL of the servers CA" \
    "URI:http://127\.0\.0\.1:8443/crl/servers\.crl" srv.crt.txt
assert_eq "server: valid 397 days" "$(cert_days srv.crt)" 397

# --csr: the host names come from the command line, never from the CSR
check "issue a server certificate from a CSR" kca_issue --profile server \
    --ca servers --cn "Kalit HTTPS" --org "Kalit" --dns kalitd.example.uz \
    --ip 10.0.0.1 --csr reqca.pem --out srvcsr.crt
verify_cert "server from CSR" srvcsr.crt "$SRV_CRT"
text srvcsr.crt
assert_grep "CSR server: SAN from the command line" \
    "DNS:kalitd\.example\.uz, IP Address:10\.0\.0\.1$" srvcsr.crt.txt
assert_nogrep "CSR server: the CSR's SAN is ignored" "evil\.example" \
    srvcsr.crt.txt
assert_grep "CSR server: --cn and --org" "Subject: C ?= ?UZ, O ?= ?Kalit, CN ?= ?Kalit HTTPS$" \
    srvcsr.crt.txt
check "issue an rsa3072 server key file" kca_issue --profile server \
    --ca servers --ip 127.0.0.1 --key-type rsa3072 --out srvrsa.p12 \
    --key-pass "file:$KEYPASS"
p12_cert srvrsa.p12 "$KEYPASS" srvrsa.crt
check "rsa3072 server: openssl verify -purpose sslserver" "$OPENSSL" verify \
    -purpose sslserver -verify_ip 127.0.0.1 -CAfile "$ROOT_CRT" \
    -untrusted "$SRV_CRT" srvrsa.crt

# what is refused, with the database unchanged
snap=$(db_snapshot)
expect_fail 2 subject_invalid kca_issue --profile server --ca servers \
    --csr req.pem
assert_grep "no host name: says --dns or --ip" "requires a host name" "$ERR"
expect_fail 2 subject_invalid kca_issue --profile server --ca servers \
    --dns "*.example.uz" --csr req.pem
assert_grep "wildcard: says why" "wildcard" "$ERR"
expect_fail 2 subject_invalid kca_issue --profile server --ca servers \
    --dns a..b --csr req.pem
expect_fail 2 subject_invalid kca_issue --profile server --ca servers \
    --dns -a.example --csr req.pem
expect_fail 2 subject_invalid kca_issue --profile server --ca servers \
    --dns "exa mple.uz" --csr req.pem
expect_fail 2 subject_invalid kca_issue --profile server --ca servers \
    --dns localhost. --csr req.pem
expect_fail 2 subject_invalid kca_issue --profile server --ca servers \
    --dns "$(python3 -c 'print("a." * 126 + "aa")')" --csr req.pem
expect_fail 2 subject_invalid kca_issue --profile server --ca servers \
    --ip 300.1.1.1 --csr req.pem
expect_fail 2 subject_invalid kca_issue --profile server --ca servers \
    --dns 127.0.0.1 --csr req.pem
expect_fail 2 subject_invalid kca_issue --profile server --ca servers \
    --dns localhost --pinfl "$(pinfl 40)" --csr req.pem
expect_fail 2 subject_invalid kca_issue --profile citizen --given-name A \
    --surname B --pinfl "$(pinfl 40)" --dns alisher.example.uz --csr req.pem
assert_grep "citizen: says host names are not allowed" \
    "profile citizen does not allow host names" "$ERR"
expect_fail 2 subject_invalid kca_issue --profile official --given-name A \
    --surname B --pinfl "$(pinfl 40)" --org O --title T --org-tin "$ORGTIN" \
    --ip 10.0.0.1 --out nope.p12 --key-pass "file:$KEYPASS"
assert "no key file left behind" ! -e nope.p12
expect_fail 2 key_type_unknown kca_issue --profile server --ca servers \
    --dns localhost --key-type ed25519 --out nope.p12 \
    --key-pass "file:$KEYPASS"
expect_fail 2 ca_profile_mismatch kca_issue --profile server --ca citizen \
    --dns localhost --csr req.pem
expect_fail 2 ca_profile_mismatch kca_issue --profile citizen --ca servers \
    --given-name A --surname B --pinfl "$(pinfl 40)" --csr req.pem
expect_fail 1 usage kca renew "$SSRV" --same-key --dns other.example.uz
expect_fail 1 usage kca ca-new --profile server --name servers2 --dns x.uz
expect_fail 1 usage kca_issue --profile server --ca servers \
    --batch good.jsonl --dns localhost
assert_db_unchanged "refused server certificates" "$snap"

# renewal keeps the host names
check "renew a server certificate (--same-key)" kca renew "$SSRV" --same-key \
    --out srvrenew.crt --ca-pass "file:$CAPASS"
text srvrenew.crt
assert_grep "renewed server certificate keeps the SAN" \
    "DNS:localhost, DNS:kalitd\.example\.uz, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1$" \
    srvrenew.crt.txt
verify_cert "renewed server" srvrenew.crt "$SRV_CRT"

# --batch: "dns" and "ip" are arrays of strings
make_csr bsrv.csr || fail "openssl req (server batch)"
python3 -c 'import json, sys
csr = open(sys.argv[1]).read()
print(json.dumps({"dns": ["b1.example.uz", "B2.example.uz"],
    "ip": ["10.9.8.7"], "csr": csr}))
print(json.dumps({"cn": "Batch Server", "ip": ["::1"], "csr": csr}))' \
    bsrv.csr >srv.jsonl
check "issue --batch server certificates" kca_issue --profile server \
    --ca servers --batch srv.jsonl
cp "$OUT" srvbatch.out
assert_eq "server batch printed 2 serials without a PINFL" \
    "$(grep -cE '^[0-9a-f]+	-$' srvbatch.out)" 2
kca show "$(head -n 1 srvbatch.out | cut -f1)" --pem >bsrv1.crt
text bsrv1.crt
assert_grep "batch server: SAN" \
    "DNS:b1\.example\.uz, DNS:b2\.example\.uz, IP Address:10\.9\.8\.7$" \
    bsrv1.crt.txt
python3 -c 'import json, sys
print(json.dumps({"dns": "x.example.uz", "csr": open(sys.argv[1]).read()}))' \
    bsrv.csr >srvbad1.jsonl
expect_fail 2 input_malformed kca_issue --profile server --ca servers \
    --batch srvbad1.jsonl
python3 -c 'import json, sys
csr = open(sys.argv[1]).read()
print(json.dumps({"dns": ["ok.example.uz"], "csr": csr}))
print(json.dumps({"dns": ["*.example.uz"], "csr": csr}))' \
    bsrv.csr >srvbad2.jsonl
before=$(cert_count)
expect_fail 2 subject_invalid kca_issue --profile server --ca servers \
    --batch srvbad2.jsonl
assert_grep "bad server batch: line 2 named" "srvbad2\.jsonl:2:" "$ERR"
assert_eq "bad server batch issued none" "$(cert_count)" "$before"

# A real TLS handshake: openssl s_server with the key file's key and
# certificate (and the servers CA), curl trusting only the root.
if command -v curl >/dev/null 2>&1; then
	SPIDS=
	# serve NAME CERT KEY CHAIN: s_server on a free port of 127.0.0.1 (PORT)
	serve() {
		PORT=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		"$OPENSSL" s_server -accept "127.0.0.1:$PORT" -cert "$2" \
		    -key "$3" -cert_chain "$4" -www -quiet \
		    >"$1.log" 2>&1 </dev/null &
		SPIDS="$SPIDS $!"
		python3 -c 'import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)' "$PORT" || fail "$1: s_server did not start"
	}
	# shellcheck disable=SC2086 # the pids are a list
	trap 'kill $SPIDS 2>/dev/null; rm -rf "$T_TMP"' EXIT
	"$OPENSSL" pkcs12 -in srv.p12 -passin "file:$KEYPASS" -nodes -nocerts \
	    -out srv.key 2>/dev/null
	"$OPENSSL" pkcs12 -in c1.p12 -passin "file:$KEYPASS" -nodes -nocerts \
	    -out c1.key 2>/dev/null
	serve srv srv.crt srv.key "$SRV_CRT"
	check "curl https://localhost trusts the server certificate" curl -sS \
	    --max-time 10 --cacert "$ROOT_CRT" \
	    --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/"
	check "curl https://127.0.0.1 trusts it by its IP address" curl -sS \
	    --max-time 10 --cacert "$ROOT_CRT" "https://127.0.0.1:$PORT/"
	run curl -sS --max-time 10 --cacert "$ROOT_CRT" \
	    --resolve "evil.example.uz:$PORT:127.0.0.1" \
	    "https://evil.example.uz:$PORT/"
	assert_eq "curl refuses it for another host name (exit 60)" "$RC" 60
	run curl -sS --max-time 10 --cacert "$CIT_CRT" \
	    --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/"
	assert "curl refuses it without the root as trust anchor" "$RC" -ne 0
	serve citizen c1.crt c1.key "$CIT_CRT"
	run curl -sS --max-time 10 --cacert "$ROOT_CRT" \
	    "https://127.0.0.1:$PORT/"
	assert_eq "curl refuses a citizen certificate as server (exit 60)" \
	    "$RC" 60
	assert_grep "curl says why: its purpose" "purpose" "$ERR"
	# shellcheck disable=SC2086
	kill $SPIDS 2>/dev/null
	# shellcheck disable=SC2086
	wait $SPIDS 2>/dev/null
	SPIDS=
else
	echo "# no curl: TLS handshake checks skipped"
fi

# --- agencies' information systems ------------------------------------------------
# ca-new --profile system: the CA of machine clients. Its certificates name an
# organisation (TIN, O) and one of its systems (CN), no person; clientAuth.
check "ca-new --profile system" kca --operator tester ca-new --profile system \
    --ca-pass "file:$CAPASS"
SYS_CRT=$CADIR/certs/system.crt
check "issue a system key file" kca_issue --profile system \
    --cn "Soliq API gateway" --org "Davlat soliq qo'mitasi" \
    --org-tin 200000001 --out sys.p12 --key-pass "file:$KEYPASS"
p12_cert sys.p12 "$KEYPASS" sys.crt
verify_cert "system" sys.crt "$SYS_CRT"
check "openssl verify -purpose sslclient" "$OPENSSL" verify -purpose sslclient \
    -CAfile "$ROOT_CRT" -untrusted "$SYS_CRT" sys.crt
check_not "a system certificate is no TLS server certificate" "$OPENSSL" \
    verify -purpose sslserver -CAfile "$ROOT_CRT" -untrusted "$SYS_CRT" \
    sys.crt
check_not "a system certificate is no signer of e-mail (S/MIME)" "$OPENSSL" \
    verify -purpose smimesign -CAfile "$ROOT_CRT" -untrusted "$SYS_CRT" \
    sys.crt
cat sys.crt "$SYS_CRT" >syschain.pem
run "$CERTTOOL" --verify --infile syschain.pem --load-ca-certificate \
    "$ROOT_CRT" --verify-purpose 1.3.6.1.5.5.7.3.2
if [ "$RC" -eq 0 ] && grep -q "Chain verification output: Verified" "$OUT"
then
	ok "certtool --verify: clientAuth purpose"
else
	fail "certtool --verify --verify-purpose clientAuth (exit $RC)"
	show_last
fi
text sys.crt
assert_grep "system: organisation TIN under 1.2.860.3.16.1.1, O and CN" \
    "Subject: C ?= ?UZ, O ?= ?Davlat soliq qo'mitasi, 1\.2\.860\.3\.16\.1\.1 ?= ?200000001, CN ?= ?Soliq API gateway$" \
    sys.crt.txt
assert_nogrep "system: no PINFL" "1\.2\.860\.3\.16\.1\.2" sys.crt.txt
assert_grep "system: digitalSignature only" "^ +Digital Signature$" \
    sys.crt.txt
assert_grep "system: EKU clientAuth only" "^ +TLS Web Client Authentication$" \
    sys.crt.txt
assert_grep "system: its own policy" "Policy: 1\.3\.6\.1\.5\.5\.7\.13\.3$" \
    sys.crt.txt
assert_grep "system: CRL of the system CA" \
    "URI:http://127\.0\.0\.1:8443/crl/system\.crl" sys.crt.txt
# what is refused, with the database unchanged
snap=$(db_snapshot)
expect_fail 2 subject_invalid kca_issue --profile system --cn API --org X \
    --csr req.pem
assert_grep "no organisation TIN: says so" "requires org_tin" "$ERR"
expect_fail 2 subject_invalid kca_issue --profile system --cn API --org X \
    --org-tin 200000001 --pinfl "$(pinfl 9)" --csr req.pem
assert_grep "a PINFL: not a person's certificate" "does not allow pinfl" "$ERR"
expect_fail 2 key_type_unknown kca_issue --profile system --cn API --org X \
    --org-tin 200000001 --key-type ed25519 --out sysed.p12 \
    --key-pass "file:$KEYPASS"
assert_db_unchanged "refused system certificates" "$snap"

# --- audit log ------------------------------------------------------------------
check "audit-verify" kca audit-verify
assert_grep "audit log intact" "^audit log intact: [0-9]+ records" "$OUT"
kca --json audit-verify >audit.json
assert_eq "audit-verify --json intact" "$(json 'j["intact"]' audit.json)" true
sqlite3 "$DB" "SELECT actor FROM audit WHERE seq=1" >actor.txt
assert_grep "the operator is in the audit log" "^tester \(" actor.txt
sqlite3 "$DB" "SELECT action FROM audit" >actions.txt
for a in init ca-new issue revoke hold release crl renew; do
	assert_grep "audit records $a" "^$a$" actions.txt
done
sqlite3 "$DB" "UPDATE audit SET actor='mallory' WHERE seq=3" ||
    fail "sqlite3 UPDATE"
expect_fail 6 audit_chain_broken kca audit-verify
assert_grep "audit-verify names record 3" "audit record 3 " "$ERR"
run kca --json audit-verify
assert_eq "audit-verify --json: first_broken 3" \
    "$(json '(j["intact"], j["first_broken"])' "$OUT")" "(False, 3)"

# --- another PKI: ed25519 root, rsa3072 and p384 issuing CAs, own URLs --------
CADIR=$TMP/ca2
DB=$CADIR/kalit-ca.db
echo "issuing-ca-secret" >issuing.pass
check "init --key-type ed25519 --base-url" kca init --key-type ed25519 \
    --base-url https://pki.example.uz --cn "Ed Root" --country UZ \
    --ca-pass "file:$CAPASS"
check "ca-new --key-type rsa3072 --new-pass" kca ca-new --profile citizen \
    --key-type rsa3072 --ca-pass "file:$CAPASS" --new-pass file:issuing.pass
check "ca-new --key-type p384 --name" kca ca-new --profile official \
    --name officials-2 --key-type p384 --cn "Officials 2" \
    --ca-pass "file:$CAPASS" --new-pass file:issuing.pass
kca --json ca-list >ca2.json
assert_eq "ca-list: key types of the second PKI" \
    "$(json 'sorted((c["name"], c["key_type"]) for c in j)' ca2.json)" \
    "[('citizen', 'rsa3072'), ('officials-2', 'p384'), ('root', 'ed25519')]"
expect_fail 4 passphrase_wrong kca issue --profile citizen --given-name A \
    --surname B --pinfl "$P1" --csr req.pem --ca-pass "file:$CAPASS"
check "issue under the rsa3072 CA (its own passphrase)" kca --json issue \
    --profile citizen --given-name Ed --surname Root --pinfl "$P1" \
    --out ed.p12 --key-pass "file:$KEYPASS" --ca-pass file:issuing.pass
assert_eq "issue --json names the file" "$(json 'j["file"]' "$OUT")" ed.p12
p12_cert ed.p12 "$KEYPASS" ed.crt
assert_eq "issue --json serial is the certificate's" \
    "$(json 'j["serial"]' "$OUT")" "$(cert_serial ed.crt)"
ROOT_CRT=$CADIR/certs/root.crt
verify_cert "leaf under rsa3072 CA under ed25519 root" ed.crt \
    "$CADIR/certs/citizen.crt"
text ed.crt
assert_grep "own base URL: CRL" "URI:https://pki\.example\.uz/crl/citizen\.crl" \
    ed.crt.txt
assert_grep "own base URL: OCSP" "OCSP - URI:https://pki\.example\.uz/ocsp" \
    ed.crt.txt
assert_grep "signed with RSA" "Signature Algorithm: sha256WithRSAEncryption" \
    ed.crt.txt
check "official under the p384 CA" kca issue --profile official \
    --ca officials-2 --given-name A --surname B --pinfl "$P1" --org O \
    --title T --org-tin "$ORGTIN" --csr req.pem --out ed-off.crt \
    --ca-pass file:issuing.pass
verify_cert "leaf under p384 CA under ed25519 root" ed-off.crt \
    "$CADIR/certs/officials-2.crt"
text ed-off.crt
assert_grep "p384 CA signs with SHA-384" "ecdsa-with-SHA384" ed-off.crt.txt
kca revoke "$(cert_serial ed.crt)" --reason cessationOfOperation
check "crl of the rsa3072 CA" kca crl --ca citizen --out ed.crl \
    --ca-pass file:issuing.pass
cat "$ROOT_CRT" "$CADIR/certs/citizen.crt" >cafile2.pem
check "its CRL verifies" "$OPENSSL" crl -inform DER -in ed.crl \
    -CAfile cafile2.pem -verify -noout
assert_grep "CRL reason cessationOfOperation" \
    " Cessation_Of_Operation$" "$(crl_entries ed.crl >ed.entries; echo ed.entries)"
check "audit-verify (second PKI)" kca audit-verify

finish
