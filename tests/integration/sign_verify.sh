#!/bin/sh
# shellcheck disable=SC1090,SC2154
# sign_verify.sh: kalit sign and kalit verify with key files from kalit-ca,
# judged both ways by the openssl CLI: detached, attached and co-signed
# signatures; signatures made by "openssl cms -sign"; --digest against
# --content; revocation from kalit-ca's CRLs without a network; and the
# hostile cases, each with its verdict or error.
. "${TESTLIB:?TESTLIB is not set}"
: "${KALIT:?KALIT is not set}"
[ -x "$KALIT" ] || skip "$KALIT is not built"

make_pki
cd "$TMP" || exit 99
EXPECT_PROG=kalit
TRUST=$TMP/trust
CRLS=$CADIR/crl
mkdir -p "$TRUST" && cp "$ROOT_CRT" "$CIT_CRT" "$OFF_CRT" "$TRUST/"

# citizen NAME N [kalit-ca issue args]: NAME.p12 and NAME.crt, PINFL N.
citizen() {
	_c_n=$1 _c_p=$2
	shift 2
	kca_issue --profile citizen --given-name Vali --surname Aliyev \
	    --pinfl "$(pinfl "$_c_p")" --out "$_c_n.p12" \
	    --key-pass "file:$KEYPASS" "$@" >/dev/null 2>&1 &&
	    p12_cert "$_c_n.p12" "$KEYPASS" "$_c_n.crt" ||
	    fail "kalit-ca issue $_c_n"
}

# crls: every issuing CA's CRL, as kalit-ca writes it, in $CRLS.
crls() {
	for _ca in citizen official; do
		kca crl --ca "$_ca" --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
		    fail "kalit-ca crl --ca $_ca"
	done
}

ksign() {
	"$KALIT" sign --password "file:$KEYPASS" "$@"
}

# kverify ARGS: kalit verify --json with the test's trust and CRLs only.
kverify() {
	"$KALIT" --json verify --trust-dir "$TRUST" --crl-dir "$CRLS" \
	    --no-ocsp --no-crl-fetch "$@"
}

# --- key files, CRLs, documents ------------------------------------------------
citizen cit 1
kca_issue --profile official --given-name Nodira --surname Yusupova \
    --pinfl "$(pinfl 2)" --org "Kalit LLC" --title Director \
    --org-tin 201234567 --out off.p12 --key-pass "file:$KEYPASS" \
    >/dev/null 2>&1 && p12_cert off.p12 "$KEYPASS" off.crt ||
    fail "kalit-ca issue official"
crls
printf 'Ariza: UNIQUE-MARKER-%s\n' "$(date +%s)" >doc.txt
"$OPENSSL" rand 300000 >>doc.txt
cp doc.txt doc2.txt
printf 'x' >>doc2.txt

# --- kalit sign: detached, judged by openssl ------------------------------------
check "sign detached (the default)" ksign doc.txt --key cit.p12
assert "signature written to doc.txt.p7s" -s doc.txt.p7s
assert_grep "says who signed and where" "^signed by Aliyev Vali .*: doc.txt.p7s, detached CAdES-BES signature, 1 signer$" "$OUT"
assert_nogrep "detached: the document is not in the signature" \
    "UNIQUE-MARKER" doc.txt.p7s
check "openssl cms -verify -binary -content accepts it" "$OPENSSL" cms \
    -verify -binary -inform DER -in doc.txt.p7s -content doc.txt \
    -CAfile "$ROOT_CRT" -out /dev/null
check "openssl cms -verify -cades accepts signing-certificate-v2" \
    "$OPENSSL" cms -verify -cades -binary -inform DER -in doc.txt.p7s \
    -content doc.txt -CAfile "$ROOT_CRT" -out /dev/null
check_not "openssl cms -verify refuses another document" "$OPENSSL" cms \
    -verify -binary -inform DER -in doc.txt.p7s -content doc2.txt \
    -CAfile "$ROOT_CRT" -out /dev/null
"$OPENSSL" cms -cmsout -print -inform DER -in doc.txt.p7s >print.txt 2>&1
for attr in "contentType \(1.2.840.113549.1.9.3\)" \
    "signingTime \(1.2.840.113549.1.9.5\)" \
    "messageDigest \(1.2.840.113549.1.9.4\)" \
    "id-smime-aa-signingCertificateV2 \(1.2.840.113549.1.9.16.2.47\)"; do
	assert_grep "openssl cms -print: signed attribute ${attr%% *}" \
	    "object: $attr" print.txt
done
assert_eq "four signed attributes, no more" \
    "$(sed -n '/signedAttrs:/,/unsignedAttrs:/p' print.txt |
    grep -c 'object:')" 4
assert_grep "detached: eContent absent" "eContent: <ABSENT>" print.txt
assert_grep "SHA-256" "algorithm: sha256 \(2.16.840.1.101.3.4.2.1\)" print.txt

verdict "kalit verify --content" 0 TOTAL-PASSED None doc.txt.p7s \
    --content doc.txt
cp "$OUT" content.json
assert_eq "report: the signer's PINFL" \
    "$(json 'j["signers"][0]["signer"]["pinfl"]' content.json)" "$(pinfl 1)"
assert_eq "report: profile citizen" \
    "$(json 'j["signers"][0]["signer"]["profile"]' content.json)" citizen
assert_eq "report: the chain, signer to root" \
    "$(json 'len(j["signers"][0]["chain"])' content.json)" 3
assert_eq "report: revocation from kalit-ca's CRL" \
    "$(json 'j["signers"][0]["revocation"]["source"] + " " + j["signers"][0]["revocation"]["status"]' content.json)" \
    "crl good"
assert_grep "report: the CRL file named" "\"origin\": \".*/crl/citizen.crl\"" \
    content.json
assert_eq "report: signing-certificate-v2 valid" \
    "$(json 'j["signers"][0]["signing_certificate_v2"]' content.json)" valid
assert_eq "report: the document's SHA-256" \
    "$(json 'j["document_sha256"]' content.json)" \
    "$(sha256sum doc.txt | cut -d' ' -f1)"

# --digest agrees with --content
verdict "kalit verify --digest" 0 TOTAL-PASSED None doc.txt.p7s \
    --digest "$(sha256sum doc.txt | cut -d' ' -f1)"
assert_eq "--digest gives the report --content gives" \
    "$(json 'json.dumps({k: v for k, v in j.items() if k != "validation_time"}, sort_keys=True)' "$OUT")" \
    "$(json 'json.dumps({k: v for k, v in j.items() if k != "validation_time"}, sort_keys=True)' content.json)"
verdict "--digest of another document" 8 TOTAL-FAILED "'HASH_FAILURE'" \
    doc.txt.p7s --digest "$(sha256sum doc2.txt | cut -d' ' -f1 |
    tr a-f A-F)"
run "$KALIT" verify doc.txt.p7s --content doc.txt --trust-dir "$TRUST" \
    --crl-dir "$CRLS" --no-ocsp --no-crl-fetch
assert_eq "text output: exit 0" "$RC" 0
assert_grep "text output: the verdict" "^signer 1 of 1: TOTAL-PASSED$" "$OUT"
assert_grep "text output: the result" "^result: TOTAL-PASSED$" "$OUT"

# --- attached ---------------------------------------------------------------
check "sign --attached" ksign doc.txt --key cit.p12 --attached
check "openssl cms -verify (attached) gives the document back" \
    "$OPENSSL" cms -verify -binary -inform DER -in doc.txt.p7m \
    -CAfile "$ROOT_CRT" -out attached.out
assert "the content is the document" "$(cmp attached.out doc.txt &&
    echo same)" = same
verdict "kalit verify attached" 0 TOTAL-PASSED None doc.txt.p7m
expect_fail 1 usage kverify doc.txt.p7m --content doc.txt

# --- signatures made by openssl cms -sign ------------------------------------
"$OPENSSL" pkcs12 -in cit.p12 -passin "file:$KEYPASS" -nocerts -nodes \
    -out cit.key 2>/dev/null || fail "openssl pkcs12 -nocerts"
check "openssl cms -sign (detached)" "$OPENSSL" cms -sign -binary \
    -in doc.txt -signer cit.crt -inkey cit.key -certfile "$CIT_CRT" \
    -outform DER -out ossl.p7s
verdict "openssl's detached signature" 0 TOTAL-PASSED None ossl.p7s \
    --content doc.txt
assert_eq "no signing-certificate-v2 in plain CMS" \
    "$(json 'j["signers"][0]["signing_certificate_v2"]' "$OUT")" absent
check "openssl cms -sign -nodetach -cades -outform PEM" "$OPENSSL" cms \
    -sign -binary -nodetach -cades -in doc.txt -signer cit.crt \
    -inkey cit.key -outform PEM -out ossl.pem
verdict "openssl's attached CAdES signature, PEM" 0 TOTAL-PASSED None \
    ossl.pem
assert_eq "openssl's signing-certificate-v2 checked" \
    "$(json 'j["signers"][0]["signing_certificate_v2"]' "$OUT")" valid

# --- co-signing ---------------------------------------------------------------
check "co-sign a detached signature" ksign doc.txt --key off.p12 \
    --cosign doc.txt.p7s --out co.p7s
check "openssl cms -verify accepts both signers" "$OPENSSL" cms -verify \
    -binary -inform DER -in co.p7s -content doc.txt -CAfile "$ROOT_CRT" \
    -out /dev/null
assert_eq "openssl sees two signers" "$("$OPENSSL" cms -cmsout -print \
    -inform DER -in co.p7s | grep -c 'signatureAlgorithm:')" 2
verdict "kalit verify: both signers" 0 TOTAL-PASSED None co.p7s \
    --content doc.txt
assert_eq "both TOTAL-PASSED, the official among them" \
    "$(json 'sorted((s["indication"], s["signer"]["profile"]) for s in j["signers"])' "$OUT")" \
    "[('TOTAL-PASSED', 'citizen'), ('TOTAL-PASSED', 'official')]"
check "co-sign an attached signature (its document inside)" ksign \
    --key off.p12 --cosign doc.txt.p7m --out co.p7m
verdict "kalit verify: attached, two signers" 0 TOTAL-PASSED None co.p7m
assert_eq "two signers" "$(json 'len(j["signers"])' "$OUT")" 2
expect_fail 2 document_mismatch ksign doc2.txt --key off.p12 \
    --cosign doc.txt.p7s --out co2.p7s
expect_fail 2 document_mismatch ksign doc2.txt --key off.p12 \
    --cosign doc.txt.p7m --out co2.p7m
expect_fail 2 content_missing ksign --key off.p12 --cosign doc.txt.p7s \
    --out co3.p7s
assert "nothing written when refused" ! -e co2.p7s

# --- revocation, from kalit-ca's CRLs only --------------------------------------
citizen rev 3
check "sign with a certificate about to be revoked" ksign doc.txt \
    --key rev.p12 --out rev.p7s
kca revoke "$(cert_serial rev.crt)" --reason keyCompromise >/dev/null 2>&1 ||
    fail "kalit-ca revoke"
crls
verdict "revoked signer" 8 TOTAL-FAILED "'REVOKED'" rev.p7s --content doc.txt
assert_eq "report: the reason" \
    "$(json 'j["signers"][0]["revocation"]["reason"]' "$OUT")" keyCompromise
mkdir empty-crls
run "$KALIT" --json verify rev.p7s --content doc.txt --trust-dir "$TRUST" \
    --crl-dir empty-crls --no-ocsp --no-crl-fetch
assert_eq "no status available: exit 9" "$RC" 9
assert_eq "no status available: INDETERMINATE/TRY_LATER" \
    "$(json 'j["signers"][0]["indication"] + "/" + j["signers"][0]["sub_indication"]' "$OUT")" \
    INDETERMINATE/TRY_LATER
run "$KALIT" --json verify doc.txt.p7s --content doc.txt --trust-dir \
    "$TRUST" --no-ocsp --no-crl-fetch --revocation soft-fail
assert_eq "--revocation soft-fail: passes without a status" \
    "$RC/$(json 'j["signers"][0]["revocation"]["status"]' "$OUT")" 0/unknown

# --- hostile cases ------------------------------------------------------------
# altered document, wrong detached content
cp doc.txt altered.txt
printf 'Y' | dd of=altered.txt bs=1 seek=100 conv=notrunc 2>/dev/null
verdict "altered document" 8 TOTAL-FAILED "'HASH_FAILURE'" doc.txt.p7s \
    --content altered.txt
verdict "wrong detached content" 8 TOTAL-FAILED "'HASH_FAILURE'" \
    doc.txt.p7s --content "$CIT_CRT"

# altered signed attribute: a digit of signingTime (the DER stays valid)
python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read())
oid = bytes.fromhex("06092a864886f70d010905")
i = d.index(oid) + len(oid)
assert d[i + 2] == 0x17          # SET { UTCTime YYMMDDhhmmssZ }
d[i + 4 + 11] ^= 1
open(sys.argv[2], "wb").write(d)' doc.txt.p7s attr.p7s ||
    fail "altering the signed attributes"
verdict "altered signed attribute" 8 TOTAL-FAILED "'SIG_CRYPTO_FAILURE'" \
    attr.p7s --content doc.txt
check_not "openssl refuses it too" "$OPENSSL" cms -verify -binary \
    -inform DER -in attr.p7s -content doc.txt -CAfile "$ROOT_CRT" \
    -out /dev/null

# swap SIG OLD.crt NEW.crt OUT: NEW replaces OLD among the certificates and
# as the signer's identifier; 1 when the DER lengths differ (no swap).
swap() {
	"$OPENSSL" x509 -in "$2" -outform DER -out old.der &&
	    "$OPENSSL" x509 -in "$3" -outform DER -out new.der || return 1
	python3 -c 'import sys
sig, old, new = (open(f, "rb").read() for f in sys.argv[1:4])
if len(old) != len(new):
    sys.exit(1)
def serial(c):		# 16 bytes, positive: INTEGER 02 10 ...
    i = c.index(b"\x02\x10", 8)
    return c[i:i + 18]
at = sig.index(old)
sig = sig[:at] + new + sig[at + len(old):]
# the SignerIdentifier: the first mention of the old serial after the
# certificates (signing-certificate-v2 names it later, and is signed)
i = sig.index(serial(old), at + len(new))
sig = sig[:i] + serial(new) + sig[i + 18:]
open(sys.argv[4], "wb").write(sig)' "$1" old.der new.der "$4"
}

# A certificate of the same key (kalit-ca renew --same-key), of the same
# DER length so that the swap keeps the structure: ECDSA signatures vary.
i=0
while [ $i -lt 60 ]; do
	i=$((i + 1))
	"$KALIT_CA" -d "$CADIR" renew "$(cert_serial cit.crt)" --same-key \
	    --ca-pass "file:$CAPASS" --out "same$i.crt" >/dev/null 2>&1 ||
	    { fail "kalit-ca renew --same-key"; break; }
	swap doc.txt.p7s cit.crt "same$i.crt" swapped.p7s && break
	rm -f swapped.p7s
done
if [ -f swapped.p7s ]; then
	verdict "signer certificate swapped (same key)" 8 TOTAL-FAILED \
	    "'SIG_CRYPTO_FAILURE'" swapped.p7s --content doc.txt
	assert_eq "signing-certificate-v2 names another certificate" \
	    "$(json 'j["signers"][0]["signing_certificate_v2"]' "$OUT")" \
	    mismatch
	assert_eq "the swapped-in certificate is the one reported" \
	    "$(json 'j["signers"][0]["certificate"]["serial"]' "$OUT")" \
	    "$(cert_serial "same$i.crt")"
	check "openssl without -cades is fooled: the key is the same" \
	    "$OPENSSL" cms -verify -binary -inform DER -in swapped.p7s \
	    -content doc.txt -CAfile "$ROOT_CRT" -out /dev/null
else
	fail "no same-key certificate of the same length in 60 renewals"
fi
i=0
while [ $i -lt 60 ]; do
	i=$((i + 1))
	citizen "other$i" $((10 + i))
	swap doc.txt.p7s cit.crt "other$i.crt" other.p7s && break
	rm -f other.p7s
done
if [ -f other.p7s ]; then
	verdict "signer certificate swapped (another citizen's)" 8 \
	    TOTAL-FAILED "'SIG_CRYPTO_FAILURE'" other.p7s --content doc.txt
else
	fail "no other certificate of the same length in 60 issues"
fi

# a password typed where its source belongs is never echoed
expect_fail 1 usage "$KALIT" sign doc.txt --key cit.p12 --out nope.p7s \
    --password MyP4ssw0rdIsLong
assert_nogrep "sign --password VALUE: not echoed" "MyP4" "$ERR"
assert_grep "sign --password VALUE: the accepted forms" \
    "file:PATH, env:VAR, fd:N or prompt" "$ERR"
expect_fail 1 usage "$KALIT" login --key cit.p12 --server \
    http://127.0.0.1:9 --client portal --password MyP4ssw0rdIsLong
assert_nogrep "login --password VALUE: not echoed" "MyP4" "$ERR"
assert_grep "login --password VALUE: the accepted forms" \
    "file:PATH, env:VAR, fd:N or prompt" "$ERR"

# untrusted chain: only an unrelated root is trusted
mkdir stranger
"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout stranger/root.key -subj "/CN=Stranger Root" -days 30 \
    -out stranger/root.crt 2>/dev/null || fail "openssl req -x509"
run "$KALIT" --json verify doc.txt.p7s --content doc.txt --trust-dir \
    stranger --no-ocsp --no-crl-fetch
assert_eq "untrusted chain: INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND, exit 9" \
    "$RC $(json 'j["signers"][0]["indication"] + "/" + j["signers"][0]["sub_indication"]' "$OUT")" \
    "9 INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND"
run "$KALIT" verify doc.txt.p7s --content doc.txt --trust-dir stranger \
    --no-ocsp --no-crl-fetch
assert_eq "untrusted chain: the text report names the issuer, exit 9" \
    "$RC $(grep '^  chain: ' "$OUT")" \
    "9   chain: none trusted; issuer $("$OPENSSL" x509 -in cit.crt -noout \
    -issuer -nameopt RFC2253,-esc_msb | sed 's/^issuer=//')"

# expired certificate: issued by the citizen CA for 2020 with openssl ca
mkdir oldca
: >oldca/index.txt
echo 01 >oldca/serial
cat >oldca/ca.cnf <<EOF
[ca]
default_ca = d
[d]
database = $TMP/oldca/index.txt
new_certs_dir = $TMP/oldca
serial = $TMP/oldca/serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
[e]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
authorityKeyIdentifier = keyid
EOF
make_csr old.csr -subj "/CN=Expired Citizen" || fail "openssl req"
check "openssl ca: a certificate that expired in 2020" "$OPENSSL" ca \
    -batch -config oldca/ca.cnf -extensions e -notext \
    -cert "$CIT_CRT" -keyfile "$CADIR/keys/citizen.key" \
    -passin "file:$CAPASS" -startdate 20200101000000Z \
    -enddate 20200201000000Z -in old.csr -out old.crt
"$OPENSSL" cms -sign -binary -in doc.txt -signer old.crt -inkey old.csr.key \
    -outform DER -out old.p7s 2>/dev/null || fail "openssl cms -sign (old)"
verdict "expired certificate" 9 INDETERMINATE "'OUT_OF_BOUNDS_NO_POE'" \
    old.p7s --content doc.txt

# garbage, truncated, oversized, and what is missing
"$OPENSSL" rand 3000 >garbage.p7s
expect_fail 2 input_malformed kverify garbage.p7s --content doc.txt
head -c 1000 doc.txt.p7s >truncated.p7s
expect_fail 2 input_malformed kverify truncated.p7s --content doc.txt
head -c $((16 * 1024 * 1024 + 1)) /dev/zero >huge.p7s
expect_fail 2 input_too_large kverify huge.p7s --content doc.txt
"$OPENSSL" x509 -in "$ROOT_CRT" -outform DER -out cert.der
expect_fail 2 input_malformed kverify cert.der --content doc.txt
expect_fail 2 content_missing kverify doc.txt.p7s
expect_fail 1 usage kverify doc.txt.p7s --digest 1234
expect_fail 1 usage kverify doc.txt.p7s --content doc.txt --digest \
    "$(sha256sum doc.txt | cut -d' ' -f1)"
expect_fail 1 usage "$KALIT" verify doc.txt.p7s --content doc.txt
expect_fail 2 config_invalid kverify doc.txt.p7s --content doc.txt \
    --trust-dir empty-crls

# signing refused
expect_fail 3 file_exists ksign doc.txt --key cit.p12
echo wrong >wrong.pass
expect_fail 4 passphrase_wrong "$KALIT" sign doc2.txt --key cit.p12 \
    --password file:wrong.pass
assert "nothing written with a wrong password" ! -e doc2.txt.p7s
head -c $((15 * 1024 * 1024 + 1)) /dev/zero >big.bin
expect_fail 2 input_too_large ksign big.bin --key cit.p12 --attached
check "a big document signs detached" ksign big.bin --key cit.p12
kca_issue --profile citizen --given-name Ed --surname Curve \
    --pinfl "$(pinfl 9)" --key-type ed25519 --out ed.p12 \
    --key-pass "file:$KEYPASS" >/dev/null 2>&1 || fail "issue ed25519"
expect_fail 2 key_unsupported ksign doc2.txt --key ed.p12
expect_fail 1 usage ksign doc.txt --key cit.p12 --attached --cosign x.p7s
expect_fail 1 usage ksign --key cit.p12
expect_fail 1 usage ksign --key cit.p12 --cosign doc.txt.p7s
check "signature to standard output with --out -, --pass for --password" \
    sh -c "\"$KALIT\" sign doc2.txt --key cit.p12 --pass file:$KEYPASS \
    --out - >stdout.p7s"
verdict "the signature written to standard output" 0 TOTAL-PASSED None \
    stdout.p7s --content doc2.txt

finish
