#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_ocsp.sh: kalitd's OCSP responder (RFC 6960) on a kalit-ca database,
# asked by the openssl CLI, curl and GnuTLS's ocsptool: good, revoked with
# its reason, held, released, unknown; several certificates at once; nonce
# echoed; GET; a revocation seen within a second even by a cached answer; a
# renewed responder key after SIGHUP. Hostile requests get the exact OCSP
# or HTTP status, and kalitd keeps serving.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
require ocsptool		# GnuTLS's; build-aux/install-deps: gnutls-bin

make_pki
cd "$TMP" || exit 99
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
SIGNERS=$SRV/signers
mkdir -p "$SIGNERS"

# --- helpers -----------------------------------------------------------------

# responder_conf [LINES]: kalitd.conf with a [responder] section on the CA
# database and $SIGNERS, and LINES added to it.
responder_conf() {
	write_conf "" "" "[responder]
ca_database = $DB
signer_dir = $SIGNERS
signer_passphrase = file:$KEYPASS
${1:-}"
}

# restart: kalitd again on the current kalitd.conf.
restart() {
	stop_kalitd
	: >"$TMP/kalitd.log"
	start_kalitd
}

# ask NAME ARGS...: openssl ocsp asks kalitd and verifies the answer against
# the root; what it says in NAME.txt, stdout then stderr (not interleaved).
ask() {
	_ask_n=$1
	shift
	"$OPENSSL" ocsp -url "$URL/ocsp" -CAfile "$ROOT_CRT" -timeout 5 \
	    -resp_text "$@" >"$_ask_n.txt" 2>"$_ask_n.err"
	_ask_rc=$?
	cat "$_ask_n.err" >>"$_ask_n.txt"
	return $_ask_rc
}

# says DESC NAME CERT STATUS: openssl verified the answer in NAME.txt and
# gave CERT (a file name) that status.
says() {
	if ! grep -q '^Response verify OK' "$2.txt"; then
		fail "$1: the response does not verify"
		head -n 20 "$2.txt" | sed 's/^/     | /'
	else
		assert_grep "$1" "^$3: $4\$" "$2.txt"
	fi
}

# post FILE [curl args]: POSTs FILE to /ocsp; the answer in $OUT and
# resp.der, the HTTP status in $STATUS.
post() {
	_po_f=$1
	shift
	http POST /ocsp -H 'Content-Type: application/ocsp-request' \
	    --data-binary "@$_po_f" "$@"
	cp "$OUT" resp.der
}

# rstatus FILE: the OCSP response status of a DER response as openssl names
# it: successful, malformedrequest, internalerror, trylater, unauthorized.
rstatus() {
	"$OPENSSL" ocsp -respin "$1" -resp_text -noverify 2>&1 | sed -n \
	    -e 's/^Responder Error: \([a-z]*\) .*/\1/p' \
	    -e 's/^ *OCSP Response Status: \([a-z]*\) .*/\1/p' | head -n 1
}

# expect_ocsp DESC STATUS: the last answer was HTTP 200 with an OCSP
# response of that status.
expect_ocsp() {
	_eo_got=$(rstatus "$OUT")
	if [ "$STATUS" != 200 ]; then
		fail "$1: HTTP $STATUS, want 200 with $2"
		head -c 300 "$OUT" | sed 's/^/     | /'
		echo
	elif [ "$_eo_got" != "$2" ]; then
		fail "$1: OCSP status \"$_eo_got\", want \"$2\""
	else
		ok "$1 ($2)"
	fi
}

# cstatus FILE: the certificate statuses in the DER response FILE, one a
# line, as openssl prints them (good, revoked, unknown).
cstatus() {
	"$OPENSSL" ocsp -respin "$1" -resp_text -noverify 2>/dev/null |
	    sed -n 's/^ *Cert Status: //p'
}

# post_says FILE STATUS: POSTing FILE now gets a successful answer whose
# only certificate has STATUS (for `soon`).
post_says() {
	post "$1"
	[ "$STATUS" = 200 ] && [ "$(cstatus resp.der)" = "$2" ]
}

# soon CMD...: CMD succeeds now or in one of 10 tries 0.1 s apart.
soon() {
	_so_i=0
	until "$@"; do
		[ $_so_i -ge "${SOON_TICKS:-10}" ] && return 1
		sleep 0.1
		_so_i=$((_so_i + 1))
	done
}

# after_hup DESC CMD...: soon_ok, with the time a reload takes on a busy
# machine (it decrypts the key files again): 10 s at most.
after_hup() {
	SOON_TICKS=100
	soon_ok "$@"
	SOON_TICKS=10
}

# soon_ok DESC CMD...: CMD succeeds within about a second (soon); a
# failure shows the statuses of the last answer, resp.der.
soon_ok() {
	_sk_d=$1
	shift
	if soon "$@"; then
		ok "$_sk_d"
	else
		fail "$_sk_d: last answer $(rstatus resp.der)" \
		    "$(cstatus resp.der | tr '\n' ' ')"
	fi
}

# reqout OUT ARGS...: an OCSP request made by openssl (DER).
reqout() {
	_ro_o=$1
	shift
	"$OPENSSL" ocsp -reqout "$_ro_o" "$@" >/dev/null 2>&1 ||
	    fail "openssl ocsp -reqout $_ro_o"
}

# pct FILE: FILE in base64, percent-encoded for a URL path.
pct() {
	"$OPENSSL" base64 -A -in "$1" | python3 -c 'import sys, urllib.parse
print(urllib.parse.quote(sys.stdin.read(), safe=""), end="")'
}

# citizen NAME: NAME.crt issued by the citizen CA (the key stays unused).
N=0
citizen() {
	N=$((N + 1))
	kca_issue --profile citizen --given-name Vali --surname Aliyev \
	    --pinfl "$(pinfl $N)" --csr req.pem --out "$1.crt" \
	    >/dev/null 2>&1 || fail "kalit-ca issue $1"
}

# --- the PKI: responder key files for the citizen and official CAs -----------

make_csr req.pem || fail "openssl req"
for ca in official citizen; do
	check "kalit-ca responder --ca $ca" kca responder --ca $ca \
	    --out "$SIGNERS/$ca.p12" --ca-pass "file:$CAPASS" \
	    --new-pass "file:$KEYPASS"
done
p12_cert "$SIGNERS/citizen.p12" "$KEYPASS" r1.crt
assert_eq "the citizen CA's responder certificate is the one kalit-ca made" \
    "$(cert_serial r1.crt)" "$(head -n 1 "$OUT")"
for n in good revoked held released later1 c3 c4 c5; do
	citizen $n
done
kca_issue --profile official --given-name Nodira --surname Yusupova \
    --pinfl "$(pinfl 99)" --org "Kalit LLC" --title Director \
    --org-tin 201234567 --csr req.pem --out off.crt >/dev/null 2>&1 ||
    fail "kalit-ca issue off.crt"
kca revoke "$(cert_serial revoked.crt)" --reason keyCompromise >/dev/null &&
    kca hold "$(cert_serial held.crt)" >/dev/null &&
    kca hold "$(cert_serial released.crt)" >/dev/null ||
    fail "revoke, hold"

responder_conf "http_max_age = 60"
kd keygen >/dev/null || fail "kalitd keygen"
start_kalitd
assert_grep "kalitd logs the signer of the citizen CA" \
    "OCSP for CA citizen: signer valid until" "$TMP/kalitd.log"

# --- what openssl ocsp is told -----------------------------------------------

ask good -issuer "$CIT_CRT" -cert good.crt
says "good" good good.crt good
assert_grep "signed by the delegated responder (OCSP No Check)" \
    "OCSP No Check" good.txt
assert_grep "... whose certificate the answer carries" "^ +$("$OPENSSL" x509 \
    -in r1.crt -noout -serial | sed 's/^serial=//; s/../&:/g; s/:$//' |
    tr A-F a-f)\$" good.txt
assert_grep "responder id: its key hash" \
    "Responder Id: $("$OPENSSL" x509 -in r1.crt -noout -ext \
    subjectKeyIdentifier | tail -n 1 | tr -d ' :')\$" good.txt
assert_grep "thisUpdate and nextUpdate" "Next Update: " good.txt

ask revoked -issuer "$CIT_CRT" -cert revoked.crt
says "revoked" revoked revoked.crt revoked
assert_grep "... with its reason" "Reason: keyCompromise" revoked.txt
assert_grep "... and time" "Revocation Time: " revoked.txt
ask held -issuer "$CIT_CRT" -cert held.crt
says "held: revoked" held held.crt revoked
assert_grep "... certificateHold" "Reason: certificateHold" held.txt

ask unknown -issuer "$CIT_CRT" -serial 0x7f0123456789abcdef
says "a serial never issued: unknown" unknown 0x7f0123456789abcdef unknown
ask offserial -issuer "$CIT_CRT" -serial "0x$(cert_serial off.crt)"
says "the official CA's serial asked of the citizen CA: unknown" offserial \
    "0x$(cert_serial off.crt)" unknown
LONG=0x$(printf '7%.0s' $(seq 1 60))
ask long -issuer "$CIT_CRT" -serial "$LONG"
says "a 30-byte serial: unknown" long "$LONG" unknown
ask off -issuer "$OFF_CRT" -cert off.crt
says "the official CA's own responder: good" off off.crt good

# several certificates in one request, SHA-1 and SHA-256 CertIDs
for md in sha1 sha256 sha512; do
	ask several.$md -$md -issuer "$CIT_CRT" -cert good.crt \
	    -cert revoked.crt -cert held.crt -serial 0x7f0123456789abcdef
	says "$md CertIDs, four in one request: good" several.$md good.crt \
	    good
	assert_grep "... revoked" "^revoked\.crt: revoked$" several.$md.txt
	assert_grep "... held" "^held\.crt: revoked$" several.$md.txt
	assert_grep "... unknown" "^0x7f0123456789abcdef: unknown$" \
	    several.$md.txt
	assert_eq "... $md in the answer's CertIDs" "$(grep -c \
	    "Hash Algorithm: $md" several.$md.txt)" 4
done

# the nonce: echoed when asked, absent otherwise
ask nonce -issuer "$CIT_CRT" -cert good.crt -req_text
says "with a nonce" nonce good.crt good
sed -n '/OCSP Nonce:/{n;s/^ *//p;}' nonce.txt >nonces
assert_eq "the nonce, in the request and in the response" \
    "$(wc -l <nonces | tr -d ' ')" 2
assert_eq "... echoed" "$(sed -n 1p nonces)" "$(sed -n 2p nonces)"
assert_nogrep "openssl does not complain about it" \
    "WARNING|[Nn]once [Vv]erify" nonce.txt
ask nononce -issuer "$CIT_CRT" -cert good.crt -no_nonce
says "without a nonce" nononce good.crt good
assert_nogrep "... none in the response" "OCSP Nonce" nononce.txt

# a signed request: the signature is not required, nor in the way
ask signed -issuer "$CIT_CRT" -cert good.crt -signer good.crt \
    -signkey req.pem.key
says "a signed request" signed good.crt good

# released from hold
reqout released.der -issuer "$CIT_CRT" -cert released.crt -no_nonce
post released.der
assert_eq "held, asked without a nonce: revoked" "$(cstatus resp.der)" revoked
kca release "$(cert_serial released.crt)" >/dev/null || fail "release"
soon_ok "released from hold: good within a second" post_says released.der \
    good
ask released -issuer "$CIT_CRT" -cert released.crt
says "released: openssl ocsp agrees" released released.crt good

# --- GET (RFC 6960 appendix A) -----------------------------------------------

reqout get.der -issuer "$CIT_CRT" -cert good.crt -no_nonce
http GET "/ocsp/$(pct get.der)" -D get.hdr
cp "$OUT" get.resp
assert_eq "GET: HTTP 200" "$STATUS" 200
assert_grep "GET: Content-Type application/ocsp-response" \
    "^Content-Type: application/ocsp-response" get.hdr
assert_grep "GET: cacheable for http_max_age (60 s)" \
    "^Cache-Control: public, max-age=60, no-transform, must-revalidate" \
    get.hdr
assert_grep "GET: Last-Modified" "^Last-Modified: " get.hdr
assert_grep "GET: Expires" "^Expires: " get.hdr
check "GET: the answer verifies (openssl ocsp -respin)" "$OPENSSL" ocsp \
    -respin get.resp -issuer "$CIT_CRT" -cert good.crt -CAfile "$ROOT_CRT"
assert_grep "GET: good" "^good\.crt: good$" "$OUT"
post get.der
check "POST of the same request: the same bytes (the cached answer)" \
    cmp resp.der get.resp
reqout getn.der -issuer "$CIT_CRT" -cert good.crt
http GET "/ocsp/$(pct getn.der)" -D getn.hdr
assert_grep "GET with a nonce: Cache-Control: no-store" \
    "^Cache-Control: no-store" getn.hdr
assert_eq "... successful" "$(rstatus "$OUT")" successful
post getn.der
cp resp.der getn.1
post getn.der
check_not "the same nonce'd request twice: signed twice (never cached)" \
    cmp -s resp.der getn.1
# base64 '+' and '/' arrive as %2B and %2F; unescaped, '/' splits the path
b64=$("$OPENSSL" base64 -A -in get.der)
case $b64 in
*[+/]*)
	http GET "/ocsp/$b64"
	expect_ocsp "GET, base64 not percent-encoded (has + or /)" successful
	;;
esac

# --- a revocation reaches a cached answer within a second --------------------

reqout c3.der -issuer "$CIT_CRT" -cert c3.crt -no_nonce
post c3.der
cp resp.der c3.1
post c3.der
check "no nonce: asked twice, the same answer (cached)" cmp resp.der c3.1
kca revoke "$(cert_serial c3.crt)" --reason keyCompromise >/dev/null ||
    fail "revoke c3"
soon_ok "revoked after its answer was cached: revoked within a second" \
    post_says c3.der revoked
# a cached answer about several certificates, one of them held
reqout multi.der -issuer "$CIT_CRT" -cert c4.crt -cert later1.crt -no_nonce
post multi.der
post multi.der
assert_eq "several certificates, cached: good, good" \
    "$(cstatus resp.der | tr '\n' ' ')" "good good "
kca hold "$(cert_serial later1.crt)" >/dev/null || fail "hold later1"
multi_is() {
	post multi.der
	[ "$(cstatus resp.der | tr '\n' ' ')" = "$1" ]
}
soon_ok "one of them held: the cached answer is dropped within a second" \
    multi_is "good revoked "
kca release "$(cert_serial later1.crt)" >/dev/null || fail "release"
soon_ok "released: good again within a second" multi_is "good good "

# --- GnuTLS ocsptool ---------------------------------------------------------

run ocsptool --ask="$URL/ocsp" --load-issuer "$CIT_CRT" \
    --load-cert good.crt --outfile gt.der
assert_grep "ocsptool --ask: good" "Certificate Status: good" "$OUT"
assert_grep "ocsptool --ask: it verifies" \
    "Verifying OCSP Response: Success" "$OUT"
run ocsptool --ask="$URL/ocsp" --load-issuer "$CIT_CRT" \
    --load-cert revoked.crt --nonce
assert_grep "ocsptool --ask --nonce: revoked" \
    "Certificate Status: revoked" "$OUT"
assert_grep "... verified" "Verifying OCSP Response: Success" "$OUT"
assert_grep "... its nonce echoed (ocsptool checks it)" \
    "^	+Nonce: [0-9a-f]+$" "$OUT"
check "ocsptool -e: verifies with the citizen CA as anchor" \
    ocsptool -e --load-trust "$CIT_CRT" --infile gt.der
check_not "ocsptool -e: not with the official CA as anchor" \
    ocsptool -e --load-trust "$OFF_CRT" --infile gt.der
check "ocsptool -e: verifies with the responder certificate" \
    ocsptool -e --load-signer r1.crt --infile gt.der

# --- a renewed responder key file, after SIGHUP ------------------------------

check "kalit-ca responder again (renewal)" kca responder --ca citizen \
    --out "$TMP/citizen.new.p12" --ca-pass "file:$CAPASS" \
    --new-pass "file:$KEYPASS"
p12_cert "$TMP/citizen.new.p12" "$KEYPASS" r2.crt
mv "$TMP/citizen.new.p12" "$SIGNERS/citizen.p12"
kill -HUP "$KPID"
# signed_by CERT: the answer verifies with CERT as the only trusted signer.
signed_by() {
	"$OPENSSL" ocsp -url "$URL/ocsp" -timeout 5 -issuer "$CIT_CRT" \
	    -cert good.crt -VAfile "$1" >/dev/null 2>renewed.err &&
	    grep -q '^Response verify OK' renewed.err
}
if soon signed_by r2.crt; then
	ok "after SIGHUP the renewed responder signs"
else
	fail "the renewed responder does not sign"
	head -n 5 renewed.err | sed 's/^/     | /'
fi
check_not "... not the old one" signed_by r1.crt
ask renewed -issuer "$CIT_CRT" -cert revoked.crt
says "the renewed responder: revoked is revoked" renewed revoked.crt revoked

# a file in signer_dir that is no responder key file: SIGHUP keeps the
# signers it has
head -c 300 /dev/urandom >"$SIGNERS/stray.p12"
kill -HUP "$KPID"
after_hup "a broken .p12 in signer_dir: SIGHUP refuses it" grep -q \
    "OCSP signers not reloaded" "$TMP/kalitd.log"
assert_grep "... and names the file" "responder key file $SIGNERS/stray.p12" \
    "$TMP/kalitd.log"
check "... the renewed responder still signs" signed_by r2.crt
rm -f "$SIGNERS/stray.p12"

# --- hostile requests: each gets its exact status ----------------------------

reqout one.der -issuer "$CIT_CRT" -cert good.crt -no_nonce
head -c 200 /dev/urandom >garbage.der
post garbage.der
expect_ocsp "random bytes" malformedrequest
printf 'hello' >text.der
post text.der
expect_ocsp "text" malformedrequest
head -c $(($(wc -c <one.der) - 3)) one.der >trunc.der
post trunc.der
expect_ocsp "a truncated request" malformedrequest
cp one.der trail.der && printf '\000' >>trail.der
post trail.der
expect_ocsp "a request with a trailing byte" malformedrequest
cat one.der one.der >twice.der
post twice.der
expect_ocsp "two requests in one body" malformedrequest
printf '\060\004\060\002\060\000' >zero.der
check "zero CertIDs: openssl reads it as a request" "$OPENSSL" ocsp \
    -reqin zero.der -req_text
post zero.der
expect_ocsp "zero CertIDs" malformedrequest
: >empty.der
post empty.der
expect_ocsp "an empty body" malformedrequest
serials() {
	_se_i=1
	SER=
	while [ $_se_i -le "$1" ]; do
		SER="$SER -serial $_se_i"
		_se_i=$((_se_i + 1))
	done
}
serials 32
reqout 32.der -issuer "$CIT_CRT" $SER -no_nonce
post 32.der
expect_ocsp "32 CertIDs (the most)" successful
assert_eq "... 32 answers" "$(cstatus resp.der | wc -l | tr -d ' ')" 32
serials 33
reqout 33.der -issuer "$CIT_CRT" $SER -no_nonce
post 33.der
expect_ocsp "33 CertIDs" malformedrequest

# sizes: the cap is 16384 bytes of body
head -c 16384 /dev/zero >cap.der
post cap.der
expect_ocsp "a body of 16384 bytes (the cap): read, malformed" \
    malformedrequest
head -c 16385 /dev/zero >over.der
post over.der
expect_http "Content-Length over the cap" 413 request_too_large
head -c 100000 /dev/zero >big.der
post big.der -H 'Transfer-Encoding: chunked'
expect_http "chunked, over the cap" 413 request_too_large
http POST /ocsp -H 'Content-Type: application/json' --data-binary @one.der
expect_http "Content-Type application/json" 415 content_type_invalid
http POST /ocsp --data-binary @one.der
expect_http "no Content-Type (curl's form default)" 415 content_type_invalid
http GET /ocsp
expect_http "GET /ocsp without a request" 405 method_not_allowed
http PUT /ocsp/x
expect_http "PUT /ocsp/..." 405 method_not_allowed

# issuers it does not serve
"$OPENSSL" req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -nodes -keyout foreign.key -subj "/C=UZ/CN=kalit citizen CA" -days 30 \
    -addext basicConstraints=critical,CA:TRUE -out foreign.crt 2>/dev/null &&
    "$OPENSSL" x509 -req -in req.pem -CA foreign.crt -CAkey foreign.key \
    -days 30 -out fcit.crt 2>/dev/null || fail "a foreign CA"
reqout foreign.der -issuer foreign.crt -cert fcit.crt
post foreign.der
expect_ocsp "a foreign CA with the citizen CA's name" unauthorized
reqout rootca.der -issuer "$ROOT_CRT" -cert "$CIT_CRT"
post rootca.der
expect_ocsp "the root CA (no responder key file)" unauthorized
reqout two.der -issuer "$CIT_CRT" -cert good.crt -issuer "$OFF_CRT" \
    -cert off.crt
post two.der
expect_ocsp "CertIDs of two CAs in one request" unauthorized
reqout mixed.der -issuer "$CIT_CRT" -cert good.crt -issuer foreign.crt \
    -cert fcit.crt -no_nonce
post mixed.der
expect_ocsp "one good CertID and one of a foreign CA" unauthorized
reqout md5.der -md5 -issuer "$CIT_CRT" -cert good.crt
post md5.der
expect_ocsp "an MD5 CertID" unauthorized

# GET, hostile
http GET "/ocsp/%21%21%21%21"
expect_ocsp "GET: not base64" malformedrequest
b64=$("$OPENSSL" base64 -A -in one.der)
http GET "/ocsp/$(echo "$b64" | cut -c1-8)%20$(echo "$b64" | cut -c9-)"
expect_ocsp "GET: a space in the base64" malformedrequest
http GET "/ocsp/$(echo "$b64" | cut -c1-8)%0A$(echo "$b64" | cut -c9-)"
expect_ocsp "GET: a newline in the base64" malformedrequest
http GET "/ocsp/$(echo "$b64" | cut -c2-)"
expect_ocsp "GET: a character short" malformedrequest
http GET "/ocsp/$(printf 'hello' | "$OPENSSL" base64 -A)"
expect_ocsp "GET: base64 of text" malformedrequest
# OpenSSL's decoder stops at '-' (a PEM end line) and drops what follows
http GET "/ocsp/$b64-junk"
expect_ocsp "GET: a request with more after a '-'" malformedrequest
http GET "/ocsp/"
expect_ocsp "GET /ocsp/ (empty)" malformedrequest
http GET "/ocsp/$(head -c 21852 /dev/zero | tr '\0' A)"
expect_http "GET: a URL longer than a request may be" 414 request_too_large
http GET "/ocsp/$(head -c 40000 /dev/zero | tr '\0' A)"
expect_http "GET: a URL longer than kalitd reads" 414 -
check "kalitd answers /healthz" curl -sf "$URL/healthz"

# --- the responder certificate expired: tryLater -----------------------------

mkdir -p exp
: >exp/index.txt
cat >exp/ca.cnf <<CNF
[ca]
default_ca = exp
[exp]
database = $TMP/exp/index.txt
new_certs_dir = $TMP/exp
serial = $TMP/exp/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
echo 01 >exp/serial
"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout exp/r.key -subj "/CN=citizen OCSP responder, expired" \
    -out exp/r.csr 2>/dev/null || fail "expired responder: the CSR"
# $1: not before, $2: not after; the key file replaces citizen.p12
old_responder() {
	"$OPENSSL" ca -batch -config exp/ca.cnf -cert "$CIT_CRT" -keyfile \
	    "$CADIR/keys/citizen.key" -passin "file:$CAPASS" -in exp/r.csr \
	    -startdate "$1" -enddate "$2" -extensions ext -notext \
	    -out exp/r.crt >exp/ca.log 2>&1 &&
	    cat "$CIT_CRT" "$ROOT_CRT" >exp/chain.pem &&
	    "$OPENSSL" pkcs12 -export -inkey exp/r.key -in exp/r.crt \
	    -certfile exp/chain.pem -passout "file:$KEYPASS" \
	    -out "$SIGNERS/citizen.p12" ||
	    { fail "a responder key file made by openssl"; cat exp/ca.log; }
}
cp "$SIGNERS/citizen.p12" citizen.saved.p12
old_responder 20200101000000Z 20200201000000Z
"$OPENSSL" x509 -in exp/r.crt -noout -text >exp/r.txt
assert_grep "the openssl-made responder certificate: OCSPSigning" \
    "^ +OCSP Signing$" exp/r.txt
assert_grep "... OCSP No Check" "OCSP No Check" exp/r.txt
assert_grep "... expired in 2020" "Not After : Feb  1 00:00:00 2020 GMT" \
    exp/r.txt
check_not "... and expired (openssl x509 -checkend 0)" "$OPENSSL" x509 \
    -in exp/r.crt -noout -checkend 0
restart
post one.der
expect_ocsp "expired responder certificate" trylater
post getn.der
expect_ocsp "... with a nonce too" trylater
http GET "/ocsp/$(pct one.der)"
expect_ocsp "... GET" trylater
assert_grep "kalitd says what to do" \
    "OCSP for CA citizen: the responder certificate is not valid now; \
renew it with 'kalit-ca responder --ca citizen'" \
    "$TMP/kalitd.log"
ask offexp -issuer "$OFF_CRT" -cert off.crt
says "the official CA's responder still answers" offexp off.crt good
# one that expires while an answer it signed is cached
END=$(($(date +%s) + 8))
old_responder 20200101000000Z "$(date -u -d "@$END" +%Y%m%d%H%M%SZ)"
kill -HUP "$KPID"
post_ok() {
	post "$1"
	[ "$(rstatus resp.der)" = successful ]
}
soon_ok "a responder certificate valid a few seconds more (SIGHUP)" \
    post_ok one.der
post one.der
cp resp.der short.1
post one.der
check "... its answer is cached" cmp resp.der short.1
# Waits for the certificate's notAfter: no timing assertion.
while [ "$(date +%s)" -le "$END" ]; do
	sleep 0.2
done
post one.der
expect_ocsp "... expired: tryLater, not the cached answer it signed" trylater
old_responder 20990101000000Z 20991231000000Z
kill -HUP "$KPID"
# SIGHUP is asynchronous: the reload is logged.
after_hup "a responder certificate not valid yet: reloaded (SIGHUP)" grep -q \
    "signer valid until $(date -u -d '2099-12-31 00:00:00' +%s)" \
    "$TMP/kalitd.log"
post one.der
expect_ocsp "... not valid yet: tryLater" trylater
cp citizen.saved.p12 "$SIGNERS/citizen.p12"
kill -HUP "$KPID"
after_hup "the good key file back, SIGHUP: good" post_says one.der good

# --- the CA database moved away while kalitd runs ----------------------------

reqout c5.der -issuer "$CIT_CRT" -cert c5.crt -no_nonce
post c5.der
post c5.der
assert_eq "c5: good (and cached)" "$(cstatus resp.der)" good
mv "$DB" "$DB.away"
not_good() {
	post c5.der
	case $(rstatus resp.der) in
	internalerror|trylater) return 0 ;;
	successful) [ "$(cstatus resp.der)" != good ] ;;
	*) return 1 ;;
	esac
}
soon_ok "database moved away: not good within a second" not_good
post c5.der
case $(rstatus resp.der) in
internalerror|trylater) ok "... internalError or tryLater, never good" ;;
*) fail "... answered $(rstatus resp.der) $(cstatus resp.der)" ;;
esac
post getn.der
case $(rstatus resp.der) in
internalerror|trylater) ok "... with a nonce: $(rstatus resp.der)" ;;
*) fail "... with a nonce: $(rstatus resp.der) $(cstatus resp.der)" ;;
esac
assert_grep "kalitd logs the database error once, and what it does" \
    "CA database $DB: .*; nothing cached, every answer reads it anew" \
    "$TMP/kalitd.log"
mv "$DB.away" "$DB"
soon_ok "database back: good within a second" post_says c5.der good
kca revoke "$(cert_serial c5.crt)" --reason superseded >/dev/null ||
    fail "revoke c5"
soon_ok "... and a revocation is seen again" post_says c5.der revoked

# --- kalitd without [responder] ----------------------------------------------

write_conf
restart
post one.der
expect_http "no [responder]: POST /ocsp" 404 not_found
assert_grep "... says where to configure it" "\\[responder\\]" "$OUT"
http GET "/ocsp/$(pct one.der)"
expect_http "no [responder]: GET /ocsp/..." 404 not_found

check "kalitd still answers /healthz" curl -sf "$URL/healthz"
check "kalitd is still running" kill -0 "$KPID"
finish
