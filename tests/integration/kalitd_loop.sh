#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_loop.sh: the full loop of revocation. The CA's certificates name
# this kalitd as their OCSP responder (AIA, from --base-url); kalitd serves
# OCSP from the CA database and, as the login server, reads the statuses of
# that database's certificates there directly (never through its own /ocsp,
# which would make a login wait on a request thread it may itself occupy).
# A citizen logs in with `kalit login`; `kalit-ca revoke` makes
# the next login fail with certificate_revoked within one second; hold and
# release likewise. No status cached by the validator (cache_max = 0).
# Then CRLs: `kalit-ca crl --watch` publishes into the CA database, kalitd
# serves them at the certificates' CDP URLs (sharded, delta), the openssl
# CLI accepts them, and logins checked by CRL alone see a revocation.
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
ROOT_CRT=$CADIR/certs/root.crt
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
assert_grep "the login validator read the CA database, not its own /ocsp" \
    'kalitd_requests_total\{endpoint="ocsp",code="200"\} 0$' "$OUT"
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

# --- CRLs: published by kalit-ca crl --watch, served by kalitd -------------

check "ca-new officials: 2 CRL shards, delta CRLs" kca --operator tester \
    ca-new --profile official --name officials --crl-shards 2 --delta-crl \
    --ca-pass "file:$CAPASS"
"$KALIT_CA" -d "$CADIR" crl --watch --every 3600 --ca-pass "file:$CAPASS" \
    >watch.out 2>watch.err &
WPID=$!
trap 'kill "$WPID" 2>/dev/null; stop_kalitd; rm -rf "$T_TMP"' EXIT

# crl_get NAME FILE: GET /crl/NAME into FILE (DER); 0 when it is served.
crl_get() {
	curl -sf -o "$2" "$URL/crl/$1"
}
# soon DESC CMD...: CMD succeeds within 5 s (polled every 0.1 s).
soon() {
	_so_d=$1
	shift
	_so_i=0
	until "$@" >/dev/null 2>&1; do
		_so_i=$((_so_i + 1))
		[ $_so_i -ge 50 ] && break
		sleep 0.1
	done
	if [ $_so_i -lt 50 ]; then ok "$_so_d"; else fail "$_so_d"; fi
}
soon "kalitd serves the citizen CRL the publisher stored" \
    crl_get citizen.crl cit.der
http GET /crl/citizen.crl
assert_eq "GET /crl/citizen.crl: 200" "$STATUS" 200
curl -s -D hdr.txt -o /dev/null "$URL/crl/citizen.crl"
assert_grep "... as application/pkix-crl" \
    "^Content-Type: application/pkix-crl" hdr.txt
cat "$CADIR/certs/citizen.crt" "$ROOT_CRT" >cit-chain.pem
"$OPENSSL" crl -inform DER -in cit.der -CAfile cit-chain.pem -noout \
    >crl.out 2>&1
assert_grep "openssl crl: its signature verifies" "verify OK" crl.out
"$OPENSSL" crl -inform DER -in cit.der -out cit.pem
"$OPENSSL" crl -in cit.pem -noout -text >cit.txt
assert_grep "... and it lists the revoked citizen" \
    "Serial Number: 0*$(echo "$SERIAL" | tr a-f A-F)" cit.txt
run "$OPENSSL" verify -crl_check -CRLfile cit.pem -CAfile "$ROOT_CRT" \
    -untrusted "$CADIR/certs/citizen.crt" c1.crt
cat "$OUT" "$ERR" >v.out
assert_grep "openssl verify -crl_check: the revoked one is revoked" \
    "certificate revoked" v.out
p12_cert c2.p12 "$KEYPASS" c2.crt
run "$OPENSSL" verify -crl_check -CRLfile cit.pem -CAfile "$ROOT_CRT" \
    -untrusted "$CADIR/certs/citizen.crt" c2.crt
assert_grep "... the released one is OK" "c2.crt: OK" "$OUT"
for n in citizen.0.crl citizen.delta.crl officials.crl nobody.crl \
    citizen.crl.bak root.crl; do
	http GET "/crl/$n"
	assert_eq "GET /crl/$n: 404" "$STATUS" 404
done

# Logins checked by CRL alone: the CDP URL, fetched from kalitd.
stop_kalitd
write_conf "ocsp = no
crl = yes
crl_fetch = yes
cache_max = 0"
cat >>"$SRV/kalitd.conf" <<CONF

[responder]
ca_database = $DB
signer_dir = signers
signer_passphrase = file:$KEYPASS
CONF
start_kalitd
rm -f c1.p12
check "issue a third citizen key file" kca_issue --profile citizen \
    --given-name Dilnoza --surname Rahimova --pinfl "$(pinfl 3)" \
    --out c1.p12 --key-pass "file:$KEYPASS"
S3=$(head -n 1 "$OUT")
login "CRL only: a good citizen logs in" 0
check "kalit-ca revoke (CRL only)" kca revoke "$S3" --reason keyCompromise
_w0=$(date +%s)
_w_i=0
while :; do
	"$KALIT" login --key c1.p12 --password "file:$KEYPASS" \
	    --server "$URL" --client portal --json >"$OUT" 2>"$ERR"
	_w_rc=$?
	[ "$_w_rc" -eq 4 ] && break
	_w_i=$((_w_i + 1))
	[ $_w_i -ge 50 ] && break
	sleep 0.1
done
assert_eq "CRL only: refused once the publisher republished" "$_w_rc" 4
assert_grep "... certificate_revoked" certificate_revoked "$ERR"
echo "CRL only: refused $(($(date +%s) - _w0)) s after the revocation" >&2

# A sharded CA with delta CRLs: its certificates name their shard's URLs.
check "issue an official key file" kca_issue --profile official \
    --ca officials --given-name Nodira --surname Yusupova \
    --pinfl "$(pinfl 4)" --org "Kalit LLC" --org-tin 201234567 \
    --title Director --out o1.p12 --key-pass "file:$KEYPASS"
SO=$(head -n 1 "$OUT")
p12_cert o1.p12 "$KEYPASS" o1.crt
K=$(python3 -c 'import sys; print(int(sys.argv[1], 16) % 2)' "$SO")
"$OPENSSL" x509 -in o1.crt -noout -text >o1.txt
assert_grep "its CDP: the shard's CRL at kalitd" \
    "URI:$URL/crl/officials\.$K\.crl" o1.txt
assert_grep "its Freshest CRL: the shard's delta CRL" \
    "URI:$URL/crl/officials\.$K\.delta\.crl" o1.txt
check "kalit-ca crl --ca officials (the base)" kca crl --ca officials \
    --ca-pass "file:$CAPASS"
check "kalit-ca revoke the official" kca revoke "$SO" --reason superseded
# deltas_list: the delta CRL of shard K, served, lists the official.
deltas_list() {
	crl_get "officials.$K.delta.crl" d.der &&
	    "$OPENSSL" crl -inform DER -in d.der -noout -text |
	    grep -qi "$(echo "$SO" | tr a-f A-F | sed 's/^0*//')"
}
soon "kalitd serves a delta CRL listing the revocation" deltas_list
crl_get "officials.$K.crl" b.der
"$OPENSSL" crl -inform DER -in b.der -out b.pem
"$OPENSSL" crl -inform DER -in d.der -out d.pem
"$OPENSSL" crl -in d.pem -noout -text >d.txt
assert_grep "the delta CRL has the delta CRL indicator" \
    "Delta CRL Indicator: critical" d.txt
cat b.pem d.pem >bd.pem
# -extended_crl: see verify_crl in ca_crl.sh
run "$OPENSSL" verify -crl_check -extended_crl -use_deltas -CRLfile bd.pem \
    -CAfile "$ROOT_CRT" -untrusted "$CADIR/certs/officials.crt" o1.crt
cat "$OUT" "$ERR" >v.out
assert_grep "openssl verify -crl_check -use_deltas: revoked" \
    "certificate revoked" v.out
http GET "/crl/officials.$((1 - K)).crl"
assert_eq "the other shard is served too" "$STATUS" 200

kill "$WPID" 2>/dev/null
wait "$WPID"
assert_eq "the publisher exits 0 on SIGTERM" "$?" 0
stop_kalitd
assert_eq "kalitd exits 0 on SIGTERM" "$KRC" 0
finish
