#!/bin/sh
# revocation_corpus.sh: writes the seeds of fuzz_ocsp_resp and fuzz_crl,
# OCSP responses and CRLs about two certificates of a small PKI, and the
# certificates those targets judge them against (revocation_pki.h). The
# openssl CLI makes everything over throwaway keys; no private key is kept,
# so running it again makes another PKI and all the seeds anew.
#
# usage: sh tests/fuzz/revocation_corpus.sh [DIR]
#   DIR: tests/fuzz (default), where revocation_pki.h and corpus/ go
#
# The PKI: "Fuzz Root" certifies "Fuzz CA", which issued Holder (serial
# 1001, CRL distribution point ca.crl) and Other (serial 1002, ca-1.crl).
# Everything is valid for 100 years from today and the responses and CRLs
# are current for as long, so that the targets can judge them at a fixed
# time (1800000000, January 2027) and OpenSSL at the real one.
set -eu
LC_ALL=C
export LC_ALL
OPENSSL=${OPENSSL:-openssl}
out=$(cd "${1:-$(dirname "$0")}" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/revocation-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

O=$out/corpus/ocsp_resp
C=$out/corpus/crl
rm -rf "$O" "$C"
mkdir -p "$O" "$C"

ossl() {
	"$OPENSSL" "$@" 2>>log || { cat log >&2; exit 1; }
}

cat >ext.cnf <<'EOF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[holder]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://crl.fuzz.example/ca.crl
authorityInfoAccess = OCSP;URI:http://ocsp.fuzz.example/
[other]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://crl.fuzz.example/ca-1.crl
[responder]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, OCSPSigning
noCheck = ignored
authorityKeyIdentifier = keyid:always
[noeku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
authorityKeyIdentifier = keyid:always
EOF

# cert NAME CN ISSUER SERIAL SECTION: NAME.key and NAME.pem, issued by
# ISSUER (self-signed when ISSUER is "-").
cert() {
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1.key"
	if [ "$3" = - ]; then
		ossl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 36500 \
		    -set_serial "0x$4" -addext \
		    "basicConstraints=critical,CA:TRUE" -addext \
		    "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem"
	else
		ossl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
		ossl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
		    -set_serial "0x$4" -days 36500 -extfile ext.cnf \
		    -extensions "$5" -out "$1.pem"
	fi
}

cert root "Fuzz Root" - 01 -
cert ca "Fuzz CA" root 02 ca
cert holder Holder ca 1001 holder
cert other Other ca 1002 other
cert responder "Fuzz OCSP" ca 2001 responder
cert noeku "Fuzz OCSP without EKU" ca 2002 noeku
cert rootresp "Fuzz Root OCSP" root 2003 responder
# Another "Fuzz CA": the same name over another key.
cert rogue "Fuzz CA" - 02 -

# --- the certificates the targets judge against -----------------------------
h=$out/revocation_pki.h
{
	echo "/*"
	echo " * revocation_pki.h: the certificates of fuzz_ocsp_resp's and"
	echo " * fuzz_crl's seeds. Written by revocation_corpus.sh with the"
	echo " * seeds; do not edit (static only)."
	echo " */"
	echo "#ifndef KALIT_REVOCATION_PKI_H"
	echo "#define KALIT_REVOCATION_PKI_H"
	echo
	echo "#include <stdlib.h>"
	echo
	echo "#include <openssl/pem.h>"
	echo
	printf '#define FUZZ_PKI_NOW\t1800000000LL\t/* %s */\n' \
	    "the time the seeds are judged at"
	for n in root ca holder other; do
		echo
		echo "static const char fuzz_pki_${n}[] ="
		sed 's/^\(.*\)$/	"\1\\n"/' "$n.pem"
		echo "	;"
	done
	cat <<'EOF'

/* One of the certificates above; aborts when it does not parse. */
static inline X509 *
fuzz_pki_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	if (x == NULL)
		abort();
	return x;
}

#endif
EOF
} >"$h"

# --- OCSP responses ---------------------------------------------------------
# index.txt lines: V or R, notAfter, revocation date[,reason], serial.
EXP=491231235959Z
REV=261201000000Z
idx() {	# idx FILE LINE...: an index of openssl ca(1)'s form
	_f=$1
	shift
	: >"$_f"
	for _l; do
		printf '%s\n' "$_l" | awk -F'|' -v OFS='\t' \
		    '{ print $1, $2, $3, $4, "unknown", $5 }' >>"$_f"
	done
}
idx good.idx "V|$EXP||1001|/CN=Holder" "V|$EXP||1002|/CN=Other"
idx revoked.idx "R|$EXP|$REV|1001|/CN=Holder" "V|$EXP||1002|/CN=Other"
idx compromise.idx "R|$EXP|$REV,keyCompromise|1001|/CN=Holder" \
    "R|$EXP|$REV,superseded|1002|/CN=Other"
idx hold.idx "R|$EXP|$REV,certificateHold|1001|/CN=Holder" \
    "R|$EXP|$REV,certificateHold|1002|/CN=Other"
idx other.idx "V|$EXP||1002|/CN=Other"
idx other-revoked.idx "V|$EXP||1001|/CN=Holder" \
    "R|$EXP|$REV,affiliationChanged|1002|/CN=Other"

# req NAME OPTIONS...: NAME.req, a request made by openssl ocsp.
req() {
	_n=$1
	shift
	ossl ocsp -issuer ca.pem "$@" -reqout "$_n.req"
}
req holder -cert holder.pem -no_nonce
req holder-nonce -cert holder.pem
req other -cert other.pem -no_nonce
req both -cert holder.pem -cert other.pem -no_nonce
req twice -cert holder.pem -cert holder.pem -no_nonce
req sha256 -sha256 -cert holder.pem -no_nonce

# resp OUT REQ INDEX SIGNER [OPTIONS...]: OUT, the answer of openssl ocsp
# as a responder over INDEX, signed by SIGNER, current for 100 years.
resp() {
	_o=$1 _r=$2 _i=$3 _s=$4
	shift 4
	ossl ocsp -index "$_i.idx" -CA ca.pem -rsigner "$_s.pem" \
	    -rkey "$_s.key" -reqin "$_r.req" -ndays 36500 \
	    -respout "$O/$_o.der" "$@"
}
resp good-ca holder good ca
resp good-ca-nocerts holder good ca -resp_no_certs
resp good-ca-keyid holder good ca -resp_key_id
resp good-ca-sha384 holder good ca -rmd sha384
resp good-nonce holder-nonce good ca
resp good-responder holder good responder
resp good-responder-nonce holder-nonce good responder
resp good-responder-nocerts holder good responder -resp_no_certs
resp good-responder-chain holder good responder -rother root.pem
resp revoked holder revoked ca
resp revoked-responder holder revoked responder
resp revoked-keycompromise holder compromise ca
resp hold holder hold responder
resp unknown holder other ca
resp other-good other good ca
resp other-revoked other compromise ca
resp both-good both good ca
resp both-revoked both compromise responder
resp twice twice good ca
resp sha256-certid sha256 good ca
resp bad-signature holder good ca -badsig
resp signed-by-noeku holder good noeku
resp signed-by-root holder good root
resp signed-by-root-responder holder good rootresp
resp signed-by-rogue holder good rogue
resp signed-by-holder holder good holder
# Current for a minute only; without -ndays nor -nmin, no nextUpdate.
ossl ocsp -index good.idx -CA ca.pem -rsigner ca.pem -rkey ca.key \
    -reqin holder.req -nmin 1 -respout "$O/expired.der"
ossl ocsp -index good.idx -CA ca.pem -rsigner ca.pem -rkey ca.key \
    -reqin holder.req -respout "$O/no-next-update.der"

# A response status without a body: successful (0, which RFC 6960 forbids
# without responseBytes), malformedRequest, internalError, tryLater,
# sigRequired, unauthorized.
for s in 0:successful-empty 1:malformed-request 2:internal-error \
    3:try-later 5:sig-required 6:unauthorized; do
	printf '\060\003\012\001%b' "\\00${s%%:*}" >"$O/${s#*:}.der"
done
: >"$O/empty"
# Cut short and with a byte too many.
g=$O/good-ca.der
n=$(wc -c <"$g")
head -c $((n / 2)) "$g" >"$O/truncated-half.der"
head -c $((n - 1)) "$g" >"$O/truncated-last-byte.der"
head -c 40 "$O/revoked.der" >"$O/truncated-40.der"
{ cat "$O/good-ca.der"; printf '\000'; } >"$O/trailing-byte.der"

# --- CRLs -------------------------------------------------------------------
cat >ca.cnf <<'EOF'
[ca]
default_ca = fuzz
[fuzz]
database = ./index.txt
crlnumber = ./crlnumber
default_md = sha256
crl_extensions = full
[full]
authorityKeyIdentifier = keyid:always
[freshest]
authorityKeyIdentifier = keyid:always
freshestCRL = URI:http://crl.fuzz.example/ca-delta.crl
[delta]
authorityKeyIdentifier = keyid:always
2.5.29.27 = critical, DER:02:01:01
[idp]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_holder
[idp_holder]
fullname = URI:http://crl.fuzz.example/ca.crl
[idp-other]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_other
[idp_other]
fullname = URI:http://crl.fuzz.example/ca-1.crl
[idp-onlyuser]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_user
[idp_user]
fullname = URI:http://crl.fuzz.example/ca.crl
onlyuser = TRUE
[idp-onlyca]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_ca
[idp_ca]
onlyCA = TRUE
[idp-reasons]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_reasons
[idp_reasons]
fullname = URI:http://crl.fuzz.example/ca.crl
onlysomereasons = keyCompromise, CACompromise
[idp-indirect]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_indirect
[idp_indirect]
indirectCRL = TRUE
[unknown-critical]
authorityKeyIdentifier = keyid:always
1.3.6.1.4.1.99999.7 = critical, ASN1:NULL
EOF

# crl OUT INDEX [OPTIONS...]: OUT (DER), openssl ca -gencrl over INDEX,
# signed by ca (or what OPTIONS say), number 1, current for 100 years.
crl() {
	_o=$1
	cp "$2.idx" index.txt
	shift 2
	echo 01 >crlnumber
	ossl ca -config ca.cnf -gencrl -cert ca.pem -keyfile ca.key \
	    -crldays 36500 -out crl.pem "$@"
	ossl crl -in crl.pem -outform DER -out "$C/$_o.der"
}
idx empty.idx
idx many.idx
i=0
while [ $i -lt 60 ]; do
	printf 'R\t%s\t%s,keyCompromise\t%04X\tunknown\t/CN=Many\n' "$EXP" \
	    "$REV" $((0x3000 + i * 7)) >>many.idx
	i=$((i + 1))
done
printf 'R\t%s\t%s,cessationOfOperation\t1001\tunknown\t/CN=Holder\n' \
    "$EXP" "$REV" >>many.idx
idx remove.idx "R|$EXP|$REV,removeFromCRL|1001|/CN=Holder"
idx unspecified.idx "R|$EXP|$REV,unspecified|1001|/CN=Holder"

crl empty empty
crl revoked revoked
crl revoked-keycompromise compromise
crl hold hold
crl other-revoked other-revoked
crl many many
crl remove-from-crl remove
crl unspecified unspecified
crl empty-sha384 empty -md sha384
crl freshest revoked -crlexts freshest
crl delta compromise -crlexts delta
crl idp-holder compromise -crlexts idp
crl idp-other compromise -crlexts idp-other
crl idp-onlyuser revoked -crlexts idp-onlyuser
crl idp-onlyca revoked -crlexts idp-onlyca
crl idp-reasons compromise -crlexts idp-reasons
crl idp-indirect revoked -crlexts idp-indirect
crl unknown-critical revoked -crlexts unknown-critical
crl expired revoked -crl_lastupdate 20250101000000Z \
    -crl_nextupdate 20250102000000Z
crl future revoked -crl_lastupdate 20300101000000Z \
    -crl_nextupdate 21260101000000Z
crl signed-by-rogue revoked -cert rogue.pem -keyfile rogue.key
crl signed-by-root revoked -cert root.pem -keyfile root.key
# v1: no CRL number, no extension at all
cp revoked.idx index.txt
rm -f crlnumber
sed 's/^crlnumber.*//; s/^crl_extensions.*//' ca.cnf >v1.cnf
ossl ca -config v1.cnf -gencrl -cert ca.pem -keyfile ca.key -crldays 36500 \
    -out crl.pem
ossl crl -in crl.pem -outform DER -out "$C/v1.der"

# PEM, and PEM after other text, as a CRL file may be.
ossl crl -inform DER -in "$C/revoked.der" -out "$C/revoked.pem"
ossl crl -inform DER -in "$C/empty.der" -out "$C/empty.pem"
{ echo "Fuzz CA's CRL, as published:"
    ossl crl -inform DER -in "$C/hold.der"; } >"$C/hold-text.pem"
: >"$C/empty-file"
n=$(wc -c <"$C/revoked.der")
head -c $((n / 2)) "$C/revoked.der" >"$C/truncated-half.der"
head -c $((n - 1)) "$C/revoked.der" >"$C/truncated-last-byte.der"
{ cat "$C/revoked.der"; printf '\000'; } >"$C/trailing-byte.der"
head -n 4 "$C/revoked.pem" >"$C/truncated.pem"
# The signature's last byte changed.
last=$(tail -c 1 "$C/revoked.der" | od -An -tu1 | tr -d ' ')
n=$(wc -c <"$C/revoked.der")
head -c $((n - 1)) "$C/revoked.der" >"$C/bad-signature.der"
printf '%b' "\\0$(printf %03o $(((last + 1) % 256)))" >>"$C/bad-signature.der"

echo "revocation_corpus.sh: $(find "$O" -type f | wc -l) responses in $O," \
    "$(find "$C" -type f | wc -l) CRLs in $C, certificates in $h"
