#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_revocation.sh: kalitd asks an OCSP responder (the openssl CLI's) and
# reads CRLs; it refuses revoked and held certificates, fails closed with
# revocation_unknown when no source answers, accepts with a warning under
# check = soft-fail, and ignores a forged CRL.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
cd "$TMP" || exit 99

# --- helpers -----------------------------------------------------------------

# login DESC STATUS CODE NAME: NAME.crt and NAME.key log in to client portal.
login() {
	http POST /v1/challenge -H 'Content-Type: application/json' \
	    -d '{"client_id": "portal"}'
	CH=$(sed -n 's/.*"challenge":"\([A-Za-z0-9_-]*\)".*/\1/p' "$OUT")
	sign_openssl "$4.crt" "$4.key" "$CH" s.der || fail "$1: openssl cms"
	printf '{"client_id": "portal", "challenge": "%s", "pkcs7": "%s"}' \
	    "$CH" "$("$OPENSSL" base64 -A -in s.der)" >b.json
	post_login b.json
	expect_http "$1" "$2" "$3"
}

# citizen NAME...: for each NAME, NAME.crt and NAME.key, issued by kalit-ca.
N=0
citizen() {
	for _ci_n; do
		N=$((N + 1))
		make_csr "$_ci_n.csr" && mv "$_ci_n.csr.key" "$_ci_n.key" &&
		    kca_issue --profile citizen --given-name Vali \
		    --surname Aliyev --pinfl "$(pinfl $N)" --csr "$_ci_n.csr" \
		    --out "$_ci_n.crt" >/dev/null 2>&1 ||
		    fail "kalit-ca issue $_ci_n"
	done
}

# index: the citizen CA's certificates as an `openssl ca` index (index.txt).
index() {
	ca_index citizen index.txt
}

# responder INDEX CERT KEY [openssl args]: the openssl CLI's OCSP responder
# for the citizen CA on $OCSP_PORT, signing with CERT and KEY; waits until
# it answers (unverified: the forged ones are meant not to verify).
OPID=
responder() {
	_rs_i=$1 _rs_c=$2 _rs_k=$3
	shift 3
	"$OPENSSL" ocsp -index "$_rs_i" -port "$OCSP_PORT" -rsigner "$_rs_c" \
	    -rkey "$_rs_k" -CA "$CADIR/certs/citizen.crt" -nmin 5 -ignore_err \
	    "$@" >ocsp.log 2>&1 &
	OPID=$!
	_rs_n=0
	until "$OPENSSL" ocsp -issuer "$CADIR/certs/citizen.crt" \
	    -cert good.crt -url "http://127.0.0.1:$OCSP_PORT/ocsp" -noverify \
	    -timeout 2 >/dev/null 2>&1; do
		_rs_n=$((_rs_n + 1))
		if [ $_rs_n -ge 50 ] || ! kill -0 "$OPID" 2>/dev/null; then
			fail "the OCSP responder does not answer"
			sed 's/^/     | /' ocsp.log
			finish
		fi
		sleep 0.2
	done
}
responder_stop() {
	kill "$OPID" && wait "$OPID"
	OPID=
}

trap '[ -n "$OPID" ] && kill "$OPID" && wait "$OPID"; stop_kalitd
    rm -rf "$T_TMP"' EXIT

# --- a PKI whose certificates name the OCSP responder at $OCSP_PORT ----------

OCSP_PORT=$(free_port)
"$OPENSSL" rand -hex 16 >"$CAPASS"
chmod 600 "$CAPASS"
if ! check "init, --base-url http://127.0.0.1:$OCSP_PORT" kca --operator \
    tester init --cn "Test Root CA" --org "kalit test" \
    --ca-pass "file:$CAPASS" --base-url "http://127.0.0.1:$OCSP_PORT" ||
    ! check "ca-new citizen" kca --operator tester ca-new --profile citizen \
    --ca-pass "file:$CAPASS"; then
	finish
fi
citizen good revoked held
kca revoke "$(cert_serial revoked.crt)" --reason keyCompromise >/dev/null &&
    kca hold "$(cert_serial held.crt)" >/dev/null || fail "revoke, hold"
index
assert_grep "index: the revoked one" "^R.*,keyCompromise	$(cert_serial \
    revoked.crt | tr a-f A-F)	" index.txt
assert_grep "index: the held one" "^R.*,certificateHold	$(cert_serial \
    held.crt | tr a-f A-F)	" index.txt
citizen unknown down1 down2 down3 down4 soft crl1 crl2 forged
# The citizen CA's own status: the root's CRL, alone in a directory of its
# own, so that the leaves' status still comes from where each case says.
kca crl --ca root --ca-pass "file:$CAPASS" >/dev/null 2>&1 &&
    mkdir -p rootcrl && cp "$CADIR/crl/root.crl" rootcrl/ ||
    fail "the root's CRL"
ROOTCRL="crl = yes
crl_fetch = no
crl_dir = $TMP/rootcrl"

responder index.txt "$CADIR/certs/citizen.crt" "$CADIR/keys/citizen.key" \
    -passin "file:$CAPASS"
"$OPENSSL" ocsp -issuer "$CADIR/certs/citizen.crt" -cert good.crt -url \
    "http://127.0.0.1:$OCSP_PORT/ocsp" -CAfile "$CADIR/certs/root.crt" \
    -timeout 2 >ocsp.out 2>&1
assert_grep "openssl ocsp says good about the good one" ': good$' ocsp.out

# --- OCSP only -------------------------------------------------------------------

PORT=$(free_port)
write_conf
kd keygen >/dev/null && add_client portal || fail "keygen, client add"
restart_kalitd "ocsp = yes
$ROOTCRL"
login "OCSP: good" 200 - good
login "OCSP: revoked (keyCompromise)" 401 certificate_revoked revoked
login "OCSP: on hold (certificateHold)" 401 certificate_on_hold held
login "OCSP: unknown to the responder" 503 revocation_unknown unknown
assert_grep "kalitd logged the refusal" \
    "revocation status of serial $(cert_serial unknown.crt) .*refused" \
    "$TMP/kalitd.log"

# --- the responder is gone: fail closed ---------------------------------------------

responder_stop
login "OCSP down: fresh certificate" 503 revocation_unknown down1
login "OCSP down: a status kept from before (cache_max)" 200 - good
mkdir -p "$TMP/nocrl"
restart_kalitd "ocsp = yes
crl = yes
crl_dir = $TMP/nocrl"
login "OCSP down, no CRL in crl_dir, CRL URL dead" 503 revocation_unknown \
    down2
login "OCSP down, no CRL: a revoked one" 503 revocation_unknown revoked
restart_kalitd "ocsp = no
crl = yes
crl_fetch = no
crl_dir = $TMP/nocrl"
login "CRL only, none available" 503 revocation_unknown down3
restart_kalitd "check = soft-fail
ocsp = yes
$ROOTCRL"
login "soft-fail: OCSP down, login accepted" 200 - soft
assert_grep "soft-fail: a warning names the serial" \
    "revocation status of serial $(cert_serial soft.crt) .*unknown: accepted \\(soft-fail\\)" \
    "$TMP/kalitd.log"
restart_kalitd "check = require
ocsp = yes
$ROOTCRL"
login "check = require again: OCSP down" 503 revocation_unknown down4

# --- forged OCSP answers: "good" for the revoked one -------------------------------

T=$(printf '\t')
sed "s/^R${T}\([^${T}]*\)${T}[^${T}]*${T}/V${T}\1${T}${T}/" index.txt >allgood.txt
cp index.txt.attr allgood.txt.attr
"$OPENSSL" req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout fakeca.key -subj "/C=UZ/CN=kalit citizen CA" -days 30 \
    -addext basicConstraints=critical,CA:TRUE -out fakeca.crt 2>/dev/null ||
    fail "an impostor CA"
cp "$CADIR/certs/citizen.crt" ca.crt
"$OPENSSL" pkey -in "$CADIR/keys/citizen.key" -passin "file:$CAPASS" \
    -out ca.key || fail "the CA key"
while IFS=: read -r _who _signer _st _code <&3; do
	responder allgood.txt "$_signer.crt" "$_signer.key"
	"$OPENSSL" ocsp -issuer ca.crt -cert revoked.crt -noverify -timeout 2 \
	    -url "http://127.0.0.1:$OCSP_PORT/ocsp" >ocsp.out 2>&1
	assert_grep "the responder signed by $_who says good" ': good$' \
	    ocsp.out
	restart_kalitd "ocsp = yes
$ROOTCRL"
	login "... and kalitd of the revoked one" $_st $_code revoked
	responder_stop
done 3<<'TABLE'
an impostor CA with the citizen CA's name:fakeca:503:revocation_unknown
a citizen certificate (no OCSPSigning):good:503:revocation_unknown
the citizen CA itself (control):ca:200:-
TABLE

# --- CRLs from crl_dir --------------------------------------------------------------

kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
    fail "kalit-ca crl"
restart_kalitd "ocsp = no
crl = yes
crl_fetch = no
cache_max = 0
crl_dir = $CADIR/crl"
login "CRL: good" 200 - crl1
login "CRL: revoked" 401 certificate_revoked revoked
login "CRL: on hold" 401 certificate_on_hold held
kca revoke "$(cert_serial crl2.crt)" --reason superseded >/dev/null &&
    kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
    fail "revoke, crl"
login "CRL: revoked before its first login, new CRL, no reload" 401 \
    certificate_revoked crl2
kca revoke "$(cert_serial crl1.crt)" --reason keyCompromise >/dev/null &&
    kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
    fail "revoke, crl"
login "CRL: revoked after a login, cache_max = 0" 401 certificate_revoked crl1
kca release "$(cert_serial held.crt)" >/dev/null &&
    kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
    fail "release, crl"
login "CRL: released from hold" 200 - held

# A newer CRL in crl_dir with the citizen CA's name that revokes "forged",
# signed by another key, must not count.
mkdir -p fake/new && : >fake/index.txt && echo 01 >fake/crlnumber
cat >fake/ca.cnf <<CNF
[req]
distinguished_name = dn
[dn]
[ca]
default_ca = fake
[fake]
database = $TMP/fake/index.txt
new_certs_dir = $TMP/fake/new
crlnumber = $TMP/fake/crlnumber
default_md = sha256
[v3]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
CNF
printf 'R\t301231235959Z\t%s,keyCompromise\t%s\tunknown\t/CN=x\n' \
    "$(date -u +%y%m%d%H%M%SZ)" "$(cert_serial forged.crt | tr a-f A-F)" \
    >fake/index.txt
sleep 1				# a thisUpdate after the real CRL's
"$OPENSSL" req -config fake/ca.cnf -x509 -new -newkey ec -pkeyopt \
    ec_paramgen_curve:P-256 -nodes -keyout fake/ca.key -days 30 \
    -subj "/C=UZ/CN=kalit citizen CA" -extensions v3 -out fake/ca.crt \
    2>/dev/null &&
    "$OPENSSL" ca -config fake/ca.cnf -gencrl -cert fake/ca.crt \
    -keyfile fake/ca.key -crldays 7 -out "$CADIR/crl/forged.crl" \
    2>/dev/null || fail "a forged CRL"
assert_eq "the forged CRL names the citizen CA as its issuer" \
    "$("$OPENSSL" crl -in "$CADIR/crl/forged.crl" -noout -issuer)" \
    "$("$OPENSSL" x509 -in forged.crt -noout -issuer)"
login "CRL: a forged newer CRL that revokes it is ignored" 200 - forged

check "kalitd is still running" kill -0 "$KPID"

# --- an issuing CA revoked by the root: nobody under it logs in --------------------

restart_kalitd "ocsp = no
crl = yes
crl_fetch = no
cache_max = 0
crl_dir = $CADIR/crl"
login "before the CA's revocation: a good one" 200 - good
kca revoke "$(cert_serial "$CADIR/certs/citizen.crt")" --reason \
    cACompromise >/dev/null && kca crl --ca root --ca-pass \
    "file:$CAPASS" >/dev/null 2>&1 || fail "revoke the citizen CA"
"$OPENSSL" crl -in "$CADIR/crl/root.crl" -inform DER -out root.crl.pem &&
    cat "$CADIR/crl/citizen.crl" >/dev/null &&
    "$OPENSSL" crl -in "$CADIR/crl/citizen.crl" -inform DER \
    -out citizen.crl.pem && cat root.crl.pem citizen.crl.pem >crls.pem ||
    fail "the CRLs as PEM"
run "$OPENSSL" verify -crl_check_all -CAfile "$CADIR/certs/root.crt" \
    -untrusted "$CADIR/certs/citizen.crt" -CRLfile crls.pem good.crt
cat "$OUT" "$ERR" >verify.out
assert_grep "openssl verify -crl_check_all: revoked at depth 1" \
    "error 23 at 1 depth lookup: certificate revoked" verify.out
login "the CA revoked by the root's CRL: the good one" 401 \
    certificate_revoked good
assert_grep "kalitd logged the CA at depth 1" \
    "its CA at depth 1 \\(serial $(cert_serial "$CADIR/certs/citizen.crt")\\): certificate_revoked" \
    "$TMP/kalitd.log"
restart_kalitd "ocsp = no
crl = yes
crl_fetch = no
crl_dir = $TMP/nocrl"
login "the root's CRL gone: the CA's status unknown, fail closed" 503 \
    revocation_unknown good
check "kalitd is still running" kill -0 "$KPID"
finish
