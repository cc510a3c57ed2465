#!/bin/sh
# shellcheck disable=SC1090,SC2154
# interop_gpgsm.sh: GnuPG's gpgsm verifies a detached signature made by
# `kalit sign` with a key file from kalit-ca, its root imported as trusted
# into a throwaway GNUPGHOME (no network, no CRL checks); and every
# certificate kalit-ca makes (root, issuing CAs, citizen, official, OCSP
# responder, TSA) names its issuer's key in a non-empty Authority Key
# Identifier (RFC 5280 4.2.1.1). An empty one (SEQUENCE {}) on the root
# made gpgsm reject every kalit chain as "certificate chain too long".
. "${TESTLIB:?TESTLIB is not set}"
: "${KALIT:?KALIT is not set}"
[ -x "$KALIT" ] || skip "$KALIT is not built"
require gpgsm
require gpgconf

make_pki
cd "$TMP" || exit 99
EXPECT_PROG=kalit

# --- every kind of certificate kalit-ca makes ------------------------------------
check "ca-new tsa" kca ca-new --profile tsa --name tsa --ca-pass "file:$CAPASS"
check "issue a citizen key file" kca_issue --profile citizen \
    --given-name Vali --surname Aliyev --pinfl "$(pinfl 1)" --out cit.p12 \
    --key-pass "file:$KEYPASS"
check "issue an official key file" kca_issue --profile official \
    --given-name Nodira --surname Yusupova --pinfl "$(pinfl 2)" \
    --org "Kalit LLC" --title Director --org-tin 201234567 --out off.p12 \
    --key-pass "file:$KEYPASS"
check "issue a TSA key file" kca_issue --profile tsa --ca tsa \
    --cn "kalit TSA" --out tsa.p12 --key-pass "file:$KEYPASS"
check "responder key file" kca responder --ca citizen --out ocsp.p12 \
    --ca-pass "file:$CAPASS" --key-pass "file:$KEYPASS"
for k in cit off tsa ocsp; do
	p12_cert $k.p12 "$KEYPASS" $k.crt || fail "no certificate in $k.p12"
done

# ext CERT NAME: the hex of extension NAME's key identifier, colons and all.
ext() {
	"$OPENSSL" x509 -in "$1" -noout -ext "$2" 2>/dev/null |
	    sed -n '2s/^ *\(keyid:\)\{0,1\}//p'
}

# aki DESC CERT ISSUER-CERT: CERT's AKI keyIdentifier is ISSUER's SKI, and
# no AKI in CERT's DER is the empty SEQUENCE.
aki() {
	_a_want=$(ext "$3" subjectKeyIdentifier)
	_a_got=$(ext "$2" authorityKeyIdentifier)
	if [ -z "$_a_want" ]; then
		fail "$1: the issuer has no subject key identifier"
	else
		assert_eq "$1: AKI keyIdentifier is the issuer's SKI" \
		    "$_a_got" "$_a_want"
	fi
	if "$OPENSSL" x509 -in "$2" -outform DER | "$OPENSSL" asn1parse \
	    -inform DER | grep -A1 'Authority Key Identifier' |
	    grep -q 'HEX DUMP\]:3000$'; then
		fail "$1: an empty AKI extension (SEQUENCE {})"
	else
		ok "$1: no empty AKI extension"
	fi
}
aki "root (self-signed)" "$ROOT_CRT" "$ROOT_CRT"
aki "citizen CA" "$CIT_CRT" "$ROOT_CRT"
aki "official CA" "$OFF_CRT" "$ROOT_CRT"
aki "TSA CA" "$CADIR/certs/tsa.crt" "$ROOT_CRT"
aki "citizen" cit.crt "$CIT_CRT"
aki "official" off.crt "$OFF_CRT"
aki "OCSP responder" ocsp.crt "$CIT_CRT"
aki "TSA" tsa.crt "$CADIR/certs/tsa.crt"
check "kalit-ca's CRL names the CA's key too" kca crl --ca citizen \
    --ca-pass "file:$CAPASS"
assert_eq "CRL: AKI keyIdentifier is the CA's SKI" \
    "$("$OPENSSL" crl -inform DER -in "$CADIR/crl/citizen.crl" -noout \
    -text | sed -n '/Authority Key Identifier/{n;s/^ *\(keyid:\)\{0,1\}//p}')" \
    "$(ext "$CIT_CRT" subjectKeyIdentifier)"

# --- gpgsm, offline, trusting kalit's root ---------------------------------------
GNUPGHOME=$TMP/gnupg
export GNUPGHOME
mkdir -m 700 "$GNUPGHOME"
# gpgsm starts a gpg-agent for this home (the trust list is its job): stop it.
trap 'gpgconf --kill gpg-agent >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT
printf 'disable-crl-checks\ndisable-dirmngr\n' >"$GNUPGHOME/gpgsm.conf"
check "gpgsm imports the root and the issuing CAs" gpgsm --batch --import \
    "$ROOT_CRT" "$CIT_CRT" "$OFF_CRT"
echo "$("$OPENSSL" x509 -in "$ROOT_CRT" -noout -fingerprint -sha1 |
    sed 's/.*=//') S" >"$GNUPGHOME/trustlist.txt"

printf 'Ariza: %s\n' "$(date +%s)" >doc.txt
check "kalit sign (detached) with the citizen's key file" "$KALIT" sign \
    --password "file:$KEYPASS" --key cit.p12 doc.txt
check "gpgsm --verify accepts it" gpgsm --batch --verify doc.txt.p7s doc.txt
assert_grep "gpgsm: Good signature from the citizen" \
    '^gpgsm: Good signature from .*CN=Aliyev Vali' "$ERR"
assert_nogrep "gpgsm: no chain error" "chain|authorityKeyIdentifier" "$ERR"
check "kalit sign with the official's key file" "$KALIT" sign \
    --password "file:$KEYPASS" --key off.p12 --out off.p7s doc.txt
check "gpgsm --verify accepts the official's" gpgsm --batch --verify \
    off.p7s doc.txt
assert_grep "gpgsm: Good signature from the official" \
    '^gpgsm: Good signature from .*CN=Yusupova Nodira' "$ERR"
# and gpgsm does judge: another document fails
printf 'x' >>doc.txt
check_not "gpgsm --verify refuses another document" gpgsm --batch --verify \
    doc.txt.p7s doc.txt
assert_grep "gpgsm: the digest does not match" \
    "message digest attribute does not match" "$ERR"

finish
