#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2034,SC2086
# kalitd_certpolicy.sh: certificates a CA should not have issued, and
# signatures made with weak or contradictory algorithms. A real kalitd
# refuses them at login with the documented code, judges them in
# POST /v1/verify with ETSI verdicts and a detail that names the cause,
# and kalit verify judges them alike; kalit-ca refuses to issue a CA
# certificate from an end-entity profile. The certificates are made by
# `openssl ca` with the CA keys of a kalit-ca PKI.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"

make_pki
cd "$TMP" || exit 99
for ca in citizen official; do
	kca crl --ca $ca --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
	    fail "crl --ca $ca"
done

# --- helpers -----------------------------------------------------------------

b64() {
	"$OPENSSL" base64 -A -in "$1"
}

# chal: a fresh challenge for portal in $CH.
chal() {
	http POST /v1/challenge -H 'Content-Type: application/json' \
	    --data-binary '{"client_id": "portal"}'
	CH=$(sed -n 's/.*"challenge":"\([A-Za-z0-9_-]*\)".*/\1/p' "$OUT")
}

# login_der DESC STATUS CODE DERFILE: a login with that CMS over $CH.
login_der() {
	printf '{"client_id": "portal", "challenge": "%s", "pkcs7": "%s"}' \
	    "$CH" "$(b64 "$4")" >b.json
	post_login b.json
	expect_http "$1" "$2" "$3"
}

# attempt DESC STATUS CODE NAME [cms args]: NAME.crt and NAME.key sign a
# fresh challenge (openssl cms -sign, as E-IMZO clients do) and log in.
attempt() {
	_at_d=$1 _at_s=$2 _at_c=$3 _at_n=$4
	shift 4
	chal
	sign_openssl "$_at_n.crt" "$_at_n.key" "$CH" s.der "$@" ||
	    fail "$_at_d: openssl cms -sign"
	login_der "$_at_d" "$_at_s" "$_at_c" s.der
}

# ossl (kalitd_lib.sh) makes certificates with the citizen CA's key, or
# $OCA_CRT's, keys by $NEWKEY, subject $SUBJ.
SUBJ="/C=UZ/SN=Aliyev/GN=Vali/CN=Aliyev Vali/pinfl=39000000000001"
oca_init
cat >>oca/ca.cnf <<CNF
[good]
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
certificatePolicies = 1.3.6.1.5.5.7.13.1
[offgood]
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
certificatePolicies = 1.3.6.1.5.5.7.13.2
[caleaf]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
certificatePolicies = 1.3.6.1.5.5.7.13.1
[kcsleaf]
keyUsage = critical, digitalSignature, nonRepudiation, keyCertSign
extendedKeyUsage = clientAuth, emailProtection
certificatePolicies = 1.3.6.1.5.5.7.13.1
[twomail]
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
certificatePolicies = 1.3.6.1.5.5.7.13.1
subjectAltName = email:vali@example.uz, email:boss@example.uz
[mail]
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
certificatePolicies = 1.3.6.1.5.5.7.13.1
subjectAltName = email:vali@example.uz
[sanpinfl]
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
certificatePolicies = 1.3.6.1.5.5.7.13.1
subjectAltName = dirName:sanpinfl_dn
[sanpinfl_dn]
pinfl = 39000000000009
[weakca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
certificatePolicies = 1.3.6.1.5.5.7.13.1
[nopolicy]
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
CNF
# subj_count DESC CERT OID N: CERT's subject has N attributes OID (so that
# a refusal is about the duplicate, not a missing attribute).
subj_count() {
	"$OPENSSL" x509 -in "$2" -noout -subject \
	    -nameopt sep_multiline,oid,utf8 >subj.txt
	assert_eq "$1" "$(grep -c "^ *$3=" subj.txt)" "$4"
}

# resign CERT FROM TO: CERT with the bytes FROM of its TBSCertificate
# replaced by TO (as many), signed again by the citizen CA: what a CA that
# puts such bytes in a certificate issues.
cat >resign.py <<'PY'
import sys

def tlv(b, i):
    n, j = b[i + 1], i + 2
    if n & 0x80:
        k = n & 0x7f
        n, j = int.from_bytes(b[j:j + k], "big"), j + k
    return j, n

def enc(t, body):
    n = len(body)
    if n < 128:
        return bytes([t, n]) + body
    k = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([t, 0x80 | len(k)]) + k + body

cmd, b = sys.argv[1], open(sys.argv[2], "rb").read()
v, n = tlv(b, 0)
tv, tn = tlv(b, v)
tbs, alg = b[v:tv + tn], b[tv + tn:]
av, an = tlv(alg, 0)
alg = alg[:av + an]
if cmd == "tbs":
    old, new = bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
    assert tbs.count(old) == 1 and len(old) == len(new)
    sys.stdout.buffer.write(tbs.replace(old, new))
else:
    tbs, sig = open(sys.argv[3], "rb").read(), open(sys.argv[4], "rb").read()
    sys.stdout.buffer.write(enc(0x30, tbs + alg + enc(0x03, b"\0" + sig)))
PY
resign() {
	"$OPENSSL" x509 -in "$1" -outform DER -out resign.der &&
	    python3 resign.py tbs resign.der "$2" "$3" >resign.tbs &&
	    "$OPENSSL" dgst -sha256 -sign "$CADIR/keys/citizen.key" \
	    -passin "file:$CAPASS" -out resign.sig resign.tbs &&
	    python3 resign.py cert resign.der resign.tbs resign.sig \
	    >resign.new &&
	    "$OPENSSL" x509 -inform DER -in resign.new -out "$1" ||
	    fail "resign $1"
}

# An agency system's key file (ca/profiles/system.conf): an organisation and
# one of its systems, no person. It is for machine clients, never a login.
check "ca-new system" kca --operator tester ca-new --profile system \
    --ca-pass "file:$CAPASS"
check "CRL of the system CA" kca crl --ca system --ca-pass "file:$CAPASS"
check "the root's CRL again (the system CA's status)" kca crl --ca root \
    --ca-pass "file:$CAPASS"
check "issue an agency system's key file" kca_issue --profile system \
    --cn "Soliq API" --org "Davlat soliq qo'mitasi" --org-tin 200000001 \
    --out sys.p12 --key-pass "file:$KEYPASS"
p12_cert sys.p12 "$KEYPASS" sys.crt && p12_key sys.p12 "$KEYPASS" sys.key ||
    fail "sys.p12: the certificate and the key"

# --- kalitd ------------------------------------------------------------------

PORT=$(free_port)
write_conf "ocsp = no
crl_dir = $CADIR/crl
crl_fetch = no"
kd keygen >/dev/null && add_client portal || fail "keygen, client add"
SEC=$(cat portal.secret)
start_kalitd

ossl good good
attempt "openssl-made citizen (control)" 200 - good
attempt "an agency system's certificate (its policy is no login's)" 403 \
    certificate_policy sys

# --- 9: one algorithm and attribute policy --------------------------------------

attempt "SHA-256 with P-256 (control)" 200 - good -md sha256
attempt "SHA-384 (control)" 200 - good -md sha384
attempt "SHA-512 (control)" 200 - good -md sha512
attempt "signed with SHA-1" 401 signature_algorithm_weak good -md sha1
"$OPENSSL" cms -cmsout -print -inform DER -in s.der >print.txt 2>&1
assert_grep "... its digest algorithm is SHA-1" "algorithm: sha1 " print.txt
attempt "without signed attributes (-noattr)" 401 signature_invalid good \
    -noattr
# ct_patch IN OUT: IN, signed with -econtent_type digestedData, with its
# eContentType made id-data again: outside the signed attributes, so the
# signature still verifies, but the content-type attribute contradicts it.
ct_patch() {
	python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
a = bytes.fromhex("06092a864886f70d010705")	# digestedData
assert d.count(a) == 2
sys.stdout.buffer.write(d.replace(a, bytes.fromhex("06092a864886f70d010701"),
    1))' "$1" >"$2" || fail "ct_patch $1"
}
chal
sign_openssl good.crt good.key "$CH" s.der \
    -econtent_type 1.2.840.113549.1.7.5 || fail "openssl cms -econtent_type"
ct_patch s.der ct.der
check "... openssl cms -verify still verifies its signature" \
    "$OPENSSL" cms -verify -noverify -binary -inform DER -in ct.der \
    -out /dev/null
login_der "content-type attribute digestedData, eContentType id-data" 401 \
    signature_invalid ct.der

# --- 10: certificates a CA should not have issued --------------------------------

ossl caleaf caleaf
attempt "a leaf with basicConstraints CA:TRUE" 403 certificate_purpose caleaf
ossl kcsleaf kcsleaf
attempt "a leaf with keyUsage keyCertSign" 403 certificate_purpose kcsleaf
NEWKEY=rsa:1024 ossl rsa1024 good
attempt "an RSA-1024 leaf" 403 certificate_key_weak rsa1024
NEWKEY="ec -pkeyopt ec_paramgen_curve:P-224" ossl p224 good
attempt "a P-224 leaf" 403 certificate_key_weak p224
NEWKEY=rsa:2048 ossl rsa2048 good
attempt "an RSA-2048 leaf (control)" 200 - rsa2048
attempt "... signing with RSASSA-PSS" 200 - rsa2048 -keyopt \
    rsa_padding_mode:pss
# An RSA-1024 CA under the root, carried in the CMS, issues a good leaf.
SUBJ="/C=UZ/CN=Weak CA"
NEWKEY=rsa:1024 OCA_CRT=$CADIR/certs/root.crt OCA_KEY=$CADIR/keys/root.key \
    ossl weakca weakca
SUBJ="/C=UZ/SN=Aliyev/GN=Vali/CN=Aliyev Vali/pinfl=39000000000001"
echo x >nopass
OCA_CRT=weakca.crt OCA_KEY=weakca.key OCA_PASS=nopass ossl underweak good
attempt "a P-256 leaf under an RSA-1024 CA sent in the CMS" 403 \
    certificate_key_weak underweak -certfile weakca.crt

# identity: one of each attribute kalit reads, no control or bidi characters
_pre="/C=UZ/SN=Aliyev/GN=Vali"
SUBJ="$_pre/CN=Aliyev Vali/pinfl=39000000000001/pinfl=39000000000002"
ossl twopinfl good
subj_count "... two PINFLs in the subject" twopinfl.crt 1.2.860.3.16.1.2 2
attempt "two PINFLs in the subject" 403 certificate_identity_invalid twopinfl
SUBJ="$_pre/CN=Aliyev Vali/pinfl=39000000000001/pinfl=39000000000001"
ossl samepinfl good
attempt "the same PINFL twice" 403 certificate_identity_invalid samepinfl
SUBJ="$_pre/CN=Aliyev Vali/pinfl=39000000000001/UID=123456789/UID=987654321"
ossl twotin good
subj_count "... two personal TINs (UID)" twotin.crt 0.9.2342.19200300.100.1.1 2
attempt "two personal TINs" 403 certificate_identity_invalid twotin
SUBJ="$_pre/CN=Aliyev Vali/CN=Karimov Olim/pinfl=39000000000001"
ossl twocn good
attempt "two common names" 403 certificate_identity_invalid twocn
SUBJ="$_pre/CN=Aliyev Vali/pinfl=39000000000001/O=Kalit LLC/title=Director\
/orgtin=201234567/orgtin=209999999"
OCA_CRT=$CADIR/certs/official.crt OCA_KEY=$CADIR/keys/official.key \
    ossl twoorgtin offgood
subj_count "... two organisation TINs" twoorgtin.crt 1.2.860.3.16.1.1 2
attempt "an official with two organisation TINs" 403 \
    certificate_identity_invalid twoorgtin
SUBJ="$_pre/CN=Aliyev Vali/pinfl=39000000000001"
ossl sanpinfl sanpinfl
attempt "a PINFL in the subject and another in a SAN directoryName" 403 \
    certificate_identity_invalid sanpinfl
ossl twomail twomail
attempt "two email addresses in the SAN" 403 certificate_identity_invalid \
    twomail
# cn_case DESC NAME CN: a citizen whose CN is CN (UTF-8) is refused.
cn_case() {
	SUBJ="$_pre/CN=$3/pinfl=39000000000001"
	ossl "$2" good
	attempt "$1" 403 certificate_identity_invalid "$2"
}
cn_case "a CN with U+202E RIGHT-TO-LEFT OVERRIDE" rlo \
    "$(printf 'Aliyev \342\200\256ilaV')"
cn_case "a CN with U+2066 LEFT-TO-RIGHT ISOLATE" lri \
    "$(printf 'Aliyev \342\201\246Vali')"
cn_case "a CN with U+200F RIGHT-TO-LEFT MARK" rlm \
    "$(printf 'Aliyev \342\200\217Vali')"
cn_case "a CN with a newline" newline "$(printf 'Aliyev\nVali')"
cn_case "a CN with U+0085 (C1 NEXT LINE)" c1 "$(printf 'Aliyev \302\205Vali')"
cn_case "a CN with DEL" del "$(printf 'Aliyev \177Vali')"
# OpenSSL refuses to parse a DN that is not UTF-8; a SAN's IA5String is
# not checked: an email address with bytes ff fe, signed by the CA.
SUBJ="$_pre/CN=Aliyev Vali/pinfl=39000000000001"
ossl mail mail
attempt "an email address in the SAN (control)" 200 - mail
resign mail.crt 76616c6940 76fffe6940
check "... openssl verifies the re-signed certificate" "$OPENSSL" verify \
    -CAfile "$ROOT_CRT" -untrusted "$CIT_CRT" mail.crt
attempt "an email address in the SAN that is not IA5 (ff fe)" 403 \
    certificate_identity_invalid mail
assert_nogrep "no bidirectional control reaches the log" \
    "$(printf '\342\200\256|\342\201\246|\342\200\217')" "$TMP/kalitd.log"

# --- 19: the certificate policy, and where it is missing --------------------------

ossl nopolicy nopolicy
attempt "a leaf without certificate policies" 403 \
    certificate_policy_missing nopolicy
assert_grep "... the log names the leaf and the three policies" \
    "policy missing: the certificate .* asserts none of citizen \
1\.3\.6\.1\.5\.5\.7\.13\.1, official 1\.3\.6\.1\.5\.5\.7\.13\.2 and system \
1\.3\.6\.1\.5\.5\.7\.13\.3" "$TMP/kalitd.log"
SUBJ="$_pre/CN=Aliyev Vali/pinfl=39000000000001"
ossl offpol offgood
attempt "the official policy from the citizen CA" 403 \
    certificate_policy_missing offpol
assert_grep "... the log names the issuing CA and the policy" \
    "policy missing: the issuing CA \"CN=kalit citizen CA.*\" asserts \
neither official 1\.3\.6\.1\.5\.5\.7\.13\.2 nor anyPolicy" "$TMP/kalitd.log"

# --- the same signers, judged by POST /v1/verify and kalit verify ----------------

printf 'Ariza %s\n' "$(date +%s)" >doc.txt
# vsign NAME OUT [cms args]: doc.txt signed attached by NAME.
vsign() {
	_vs_n=$1 _vs_o=$2
	shift 2
	"$OPENSSL" cms -sign -nodetach -binary -signer "$_vs_n.crt" \
	    -inkey "$_vs_n.key" -in doc.txt -outform DER -out "$_vs_o" "$@" ||
	    fail "openssl cms -sign $_vs_n"
}
# vcase DESC STATUS INDICATION SUB DETAIL-ERE DERFILE: /v1/verify's
# report on DERFILE, and kalit verify's (exit STATUS).
vcase() {
	printf '{"signature": "%s"}' "$(b64 "$6")" >v.json
	http POST /v1/verify -u "portal:$SEC" -H \
	    'Content-Type: application/json' --data-binary @v.json
	_vc_got=$(json '(j["indication"], j["signers"][0]["sub_indication"])' \
	    "$OUT" 2>/dev/null)
	_vc_sub="'$4'"
	[ "$4" = None ] && _vc_sub=None
	if [ "$STATUS" != 200 ] || [ "$_vc_got" != "('$3', $_vc_sub)" ]; then
		fail "$1: /v1/verify: HTTP $STATUS, $_vc_got, want $3/$4"
		head -c 400 "$OUT" | sed 's/^/     | /'
		echo
	else
		ok "$1: /v1/verify $3/$4"
	fi
	json 'j["signers"][0]["detail"]' "$OUT" >detail.txt 2>/dev/null
	assert_grep "... detail: /$5/" "$5" detail.txt
	cp "$OUT" "$(basename "$6" .der).report.json"
	verdict "$1: kalit verify" "$2" "$3" "$_vc_sub" "$6"
}
kverify() {
	"$KALIT" --json verify --trust-dir "$CADIR/certs" \
	    --crl-dir "$CADIR/crl" --no-ocsp --no-crl-fetch "$@"
}
vsign good good.p7s.der
verdict "kalit verify: openssl-made citizen (control)" 0 TOTAL-PASSED None \
    good.p7s.der
vsign good sha1.der -md sha1
vcase "SHA-1" 9 INDETERMINATE CRYPTO_CONSTRAINTS_FAILURE_NO_POE \
    "digest or signature algorithm" sha1.der
"$OPENSSL" cms -sign -nodetach -binary -signer good.crt -inkey good.key \
    -in doc.txt -outform DER -out ctv.der \
    -econtent_type 1.2.840.113549.1.7.5 || fail "openssl cms -econtent_type"
ct_patch ctv.der ctv2.der
vcase "content-type attribute other than eContentType" 8 TOTAL-FAILED \
    FORMAT_FAILURE "content type" ctv2.der
vsign caleaf caleaf.der
vcase "a signer whose certificate is a CA's" 9 INDETERMINATE \
    CHAIN_CONSTRAINTS_FAILURE "CA certificate" caleaf.der
vsign rsa1024 rsa1024.der
vcase "an RSA-1024 signer" 9 INDETERMINATE \
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE "weaker" rsa1024.der
vsign twopinfl twopinfl.der
vcase "a signer with two PINFLs" 9 INDETERMINATE CHAIN_CONSTRAINTS_FAILURE \
    "identity" twopinfl.der
vsign rlo rlo.der
vcase "a signer whose CN has U+202E" 9 INDETERMINATE \
    CHAIN_CONSTRAINTS_FAILURE "bidirectional" rlo.der
assert_nogrep "... no U+202E in the report, escaped or not" \
    "$(printf '\342\200\256')|u202e" rlo.report.json
assert_grep "... the certificate's subject shows it as hex" \
    '\\\\E2\\\\80\\\\AE' rlo.report.json
vsign nopolicy nopolicy.der
vcase "a signer without certificate policies (verify needs none)" 0 \
    TOTAL-PASSED None "intact" nopolicy.der

# --- [policy] min_rsa_bits and min_ec_bits ---------------------------------------

# restart SECTION-LINES: kalitd again with that [policy].
restart() {
	stop_kalitd
	write_conf "ocsp = no
crl_dir = $CADIR/crl
crl_fetch = no" "" "[policy]
$1"
	start_kalitd
}
restart "min_rsa_bits = 3072"
attempt "min_rsa_bits = 3072: an RSA-2048 leaf" 403 certificate_key_weak \
    rsa2048
assert_grep "... logged: the leaf's key" \
    "key too weak: RSA key of 2048 bits at depth 0 .*at least 3072" \
    "$TMP/kalitd.log"
NEWKEY=rsa:3072 ossl rsa3072 good
attempt "min_rsa_bits = 3072: an RSA-3072 leaf" 200 - rsa3072
restart "min_ec_bits = 384"
NEWKEY="ec -pkeyopt ec_paramgen_curve:P-384" ossl p384 good
attempt "min_ec_bits = 384: a P-384 leaf of the P-256 citizen CA" 403 \
    certificate_key_weak p384
assert_grep "... logged: the CA's key, not the leaf's" \
    "key too weak: EC key of 256 bits at depth 1 .*384 for EC" \
    "$TMP/kalitd.log"
stop_kalitd
for _bad in "min_rsa_bits = 1024" "min_rsa_bits = 16385" \
    "min_ec_bits = 224" "min_ec_bits = 522"; do
	write_conf "" "" "[policy]
$_bad"
	run kd --check-config
	if [ "$RC" -ne 0 ] && grep -q "allowed range" "$ERR"; then
		ok "kalitd.conf refuses $_bad"
	else
		fail "kalitd.conf accepts $_bad (exit $RC)"
		show_last
	fi
done

# --- kalit-ca refuses to issue what kalitd refuses -------------------------------

sed 's/^basic_constraints = CA:FALSE$/basic_constraints = critical, CA:TRUE/' \
    "$CADIR/profiles/citizen.conf" >"$CADIR/profiles/caleaf.conf"
assert_grep "a profile that makes end-entity CA certificates" \
    '^basic_constraints = critical, CA:TRUE$' "$CADIR/profiles/caleaf.conf"
check "ca-new caleaf" kca --operator tester ca-new --profile caleaf \
    --ca-pass "file:$CAPASS"
_n=$(cert_count)
make_csr leaf.csr
expect_fail 2 config_invalid kca_issue --profile caleaf --given-name Vali \
    --surname Aliyev --pinfl "$(pinfl 7)" --csr leaf.csr --out caleaf2.crt
assert_eq "... and records nothing" "$(cert_count)" "$_n"
"$OPENSSL" req -new -newkey rsa:1024 -nodes -keyout /dev/null -subj /CN=w \
    -out rsa1024.csr 2>/dev/null
expect_fail 2 csr_key_weak kca_issue --profile citizen --given-name Vali \
    --surname Aliyev --pinfl "$(pinfl 8)" --csr rsa1024.csr --out w.crt
expect_fail 2 subject_invalid kca_issue --profile citizen --given-name \
    "$(printf 'Va\342\200\256li')" --surname Aliyev --pinfl "$(pinfl 9)" \
    --csr leaf.csr --out w.crt
finish
