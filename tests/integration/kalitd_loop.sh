#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_loop.sh: the full loop of revocation. The CA's certificates name
# this kalitd as their OCSP responder (AIA, from --base-url); kalitd serves
# OCSP from the CA database and, as the login server, asks that URL through
# libcurl. A citizen logs in with `kalit login`; `kalit-ca revoke` makes
# the next login fail with certificate_revoked within one second; hold and
# release likewise. No status cached by the validator (cache_max = 0).
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"
cd "$TMP" || exit 99

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$OPENSSL" rand -hex 16 >"$CAPASS"
"$OPENSSL" rand -hex 8 >"$KEYPASS"
chmod 600 "$CAPASS" "$KEYPASS"
if ! check "init, --base-url $URL" kca --operator tester init \
    --cn "Test Root CA" --org "kalit test" --ca-pass "file:$CAPASS" \
    --base-url "$URL" ||
    ! check "ca-new citizen" kca --operator tester ca-new \
    --profile citizen --ca-pass "file:$CAPASS" ||
    ! check "the citizen CA's OCSP responder key file" kca responder \
    --ca citizen --ca-pass "file:$CAPASS" --out "$TMP/citizen.p12" \
    --new-pass "file:$KEYPASS"; then
	finish
fi
mkdir -p "$SRV/signers" && mv "$TMP/citizen.p12" "$SRV/signers/" ||
    fail "signer_dir"
check "issue a citizen key file" kca_issue --profile citizen \
    --given-name Vali --surname Aliyev --pinfl "$(pinfl 1)" --out c1.p12 \
    --key-pass "file:$KEYPASS"
SERIAL=$(head -n 1 "$OUT")
p12_cert c1.p12 "$KEYPASS" c1.crt
"$OPENSSL" x509 -in c1.crt -noout -text >c1.txt
assert_grep "the certificate names kalitd as its OCSP responder" \
    "OCSP - URI:$URL/ocsp" c1.txt

write_conf "ocsp = yes
crl = no
cache_max = 0"
cat >>"$SRV/kalitd.conf" <<CONF

[responder]
ca_database = $DB
signer_dir = signers
signer_passphrase = file:$KEYPASS
CONF
kd keygen >/dev/null && add_client portal || fail "keygen, client add"
start_kalitd

# login DESC RC [CODE]: `kalit login` of the citizen exits RC, naming CODE.
login() {
	run "$KALIT" login --key c1.p12 --password "file:$KEYPASS" \
	    --server "$URL" --client portal --json
	assert_eq "$1: exit status" "$RC" "$2"
	[ -z "${3:-}" ] || assert_grep "$1: $3" "$3" "$ERR"
}

# within_1s DESC RC [CODE]: logs in every 0.1 s until kalit login exits RC,
# for at most one second after the change.
within_1s() {
	_w_i=0
	while :; do
		"$KALIT" login --key c1.p12 --password "file:$KEYPASS" \
		    --server "$URL" --client portal --json >"$OUT" 2>"$ERR"
		_w_rc=$?
		[ "$_w_rc" -eq "$2" ] && break
		_w_i=$((_w_i + 1))
		[ $_w_i -ge 10 ] && break
		sleep 0.1
	done
	assert_eq "$1 within one second: exit status" "$_w_rc" "$2"
	[ -z "${3:-}" ] || assert_grep "$1: $3" "$3" "$ERR"
}

login "issued, then logs in" 0
http GET /metrics
assert_grep "the login validator asked kalitd's responder (libcurl)" \
    'kalitd_requests_total\{endpoint="ocsp",code="200"\} [1-9]' "$OUT"
check "kalit-ca revoke" kca revoke "$SERIAL" --reason keyCompromise
within_1s "revoked" 4 certificate_revoked
"$OPENSSL" ocsp -issuer "$CADIR/certs/citizen.crt" -cert c1.crt \
    -url "$URL/ocsp" -CAfile "$CADIR/certs/root.crt" >ocsp.out 2>&1
assert_grep "openssl ocsp agrees: revoked" ': revoked$' ocsp.out

# A second citizen for hold and release (a revocation is final).
check "issue a second citizen key file" kca_issue --profile citizen \
    --given-name Aziz --surname Karimov --pinfl "$(pinfl 2)" --out c2.p12 \
    --key-pass "file:$KEYPASS"
S2=$(head -n 1 "$OUT")
cp c2.p12 c1.p12
within_1s "a certificate issued after kalitd started" 0
check "kalit-ca hold" kca hold "$S2"
within_1s "on hold" 4 certificate_on_hold
check "kalit-ca release" kca release "$S2"
within_1s "released" 0

stop_kalitd
assert_eq "kalitd exits 0 on SIGTERM" "$KRC" 0
finish
