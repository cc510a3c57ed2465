#!/bin/sh
# tsq_corpus.sh: writes tests/fuzz/corpus/tsq/, fuzz_tsq's seeds: RFC 3161
# TimeStampReqs as `openssl ts -query` makes them, requests made field by
# field with `openssl asn1parse -genconf` for what it does not make (other
# versions, parameters, extensions, imprints of the wrong size), and broken
# ones.
#
# usage: sh tests/fuzz/tsq_corpus.sh [DIR]   (DIR: the corpus directory)
set -eu
LC_ALL=C
export LC_ALL
OPENSSL=${OPENSSL:-openssl}
out=${1:-$(dirname "$0")/corpus/tsq}
POLICY=1.3.6.1.4.1.99999.1.1	# fuzz_tsq's TSA policy
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tsq-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$tmp"

ossl() {
	"$OPENSSL" "$@" 2>>log || { cat log >&2; exit 1; }
}

echo "an order of the ministry" >doc.txt
# query NAME OPTIONS...: openssl ts -query over doc.txt.
query() {
	_n=$1
	shift
	ossl ts -query -data doc.txt "$@" -out "$out/$_n.tsq"
}
query sha256 -sha256
query sha256-cert -sha256 -cert
query sha256-no-nonce -sha256 -no_nonce
query sha384 -sha384 -cert
query sha512 -sha512
query sha1 -sha1
query sha3-256 -sha3-256
query policy-ours -sha256 -tspolicy "$POLICY"
query policy-other -sha256 -tspolicy 1.2.3.4.5
ossl ts -query -digest \
    "$(printf '%064d' 0)" -sha256 -no_nonce -out "$out/digest-zero.tsq"

# gen NAME: the TimeStampReq that asn1parse -genconf makes of stdin.
SHA256=$(ossl dgst -sha256 -r doc.txt | cut -d' ' -f1)
gen() {
	cat >"$1.cnf"
	ossl asn1parse -genconf "$1.cnf" -noout -out "$out/$1.tsq"
}
# imprint ALG DIGEST [PARAM]: the messageImprint section.
imprint() {
	printf '[imprint]\nalg = SEQUENCE:alg\n'
	printf 'digest = FORMAT:HEX,OCTETSTRING:%s\n' "$2"
	printf '[alg]\noid = OID:%s\n' "$1"
	[ -n "${3-}" ] && printf 'param = %s\n' "$3"
	return 0
}
req() {	# req VERSION [LINE...]: the request section
	printf 'asn1 = SEQUENCE:req\n[req]\nversion = INTEGER:%s\n' "$1"
	printf 'imprint = SEQUENCE:imprint\n'
	shift
	for _l; do
		printf '%s\n' "$_l"
	done
}
{ req 1 "nonce = INTEGER:0x0102030405060708" "certReq = BOOLEAN:TRUE";
    imprint sha256 "$SHA256" NULL; } | gen fields
{ req 1; imprint sha256 "$SHA256"; } | gen no-parameter
{ req 2; imprint sha256 "$SHA256" NULL; } | gen version-2
{ req 0; imprint sha256 "$SHA256" NULL; } | gen version-0
{ req 1; imprint sha256 "$SHA256" INTEGER:0; } | gen parameter-integer
{ req 1; imprint sha256 "${SHA256%??}" NULL; } | gen imprint-short
{ req 1; imprint sha256 "${SHA256}00" NULL; } | gen imprint-long
{ req 1; imprint sha512 "$SHA256" NULL; } | gen imprint-sha512-of-32
{ req 1; imprint 1.2.3.4 "$SHA256"; } | gen alg-unknown
{ req 1 "nonce = INTEGER:-5"; imprint sha256 "$SHA256" NULL; } |
    gen nonce-negative
{ req 1 "nonce = INTEGER:0"; imprint sha256 "$SHA256" NULL; } | gen nonce-zero
{ req 1 "nonce = INTEGER:0x7F0102030405060708090A0B0C0D0E0F10111213";
    imprint sha256 "$SHA256" NULL; } | gen nonce-long
{ req 1 "policy = OID:$POLICY" "nonce = INTEGER:9" "certReq = BOOLEAN:FALSE";
    imprint sha384 "$(ossl dgst -sha384 -r doc.txt | cut -d' ' -f1)" \
    NULL; } | gen policy-explicit-false
{ req 1 "nonce = INTEGER:1" "exts = IMPLICIT:0,SEQUENCE:exts";
    imprint sha256 "$SHA256" NULL;
    printf '[exts]\next = SEQUENCE:ext\n[ext]\noid = OID:1.2.3.4\n'
    printf 'value = FORMAT:HEX,OCTETSTRING:0500\n'; } | gen extension
{ req 1 "nonce = INTEGER:1" "exts = IMPLICIT:0,SEQUENCE:exts";
    imprint sha256 "$SHA256" NULL;
    printf '[exts]\n'; } | gen extensions-empty
{ req 1 "nonce = INTEGER:1" "exts = IMPLICIT:0,SEQUENCE:exts";
    imprint sha256 "$SHA256" NULL;
    printf '[exts]\next = SEQUENCE:ext\n[ext]\noid = OID:1.2.3.4\n'
    printf 'critical = BOOLEAN:TRUE\n'
    printf 'value = FORMAT:HEX,OCTETSTRING:0500\n'; } | gen extension-critical

# Broken: empty, cut short, a byte too many, two requests, other types.
: >"$out/empty"
q=$out/sha256-cert.tsq
n=$(wc -c <"$q")
head -c $((n / 2)) "$q" >"$out/truncated-half.tsq"
head -c $((n - 1)) "$q" >"$out/truncated-last-byte.tsq"
{ cat "$out/sha256.tsq"; printf '\000'; } >"$out/trailing-byte.tsq"
cat "$out/sha256.tsq" "$out/sha512.tsq" >"$out/two-requests.tsq"
ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout k.pem -subj /CN=x -outform DER \
    -out "$out/csr-not-a-request.der"

echo "tsq_corpus.sh: $(find "$out" -type f | wc -l) requests in $out"
