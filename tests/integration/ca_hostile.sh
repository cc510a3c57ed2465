#!/bin/sh
# shellcheck disable=SC1090,SC2086
# ca_hostile.sh: kalit-ca refuses bad input, wrong secrets and bad state with
# the documented error name and exit status, and leaves the database as it was.
. "${TESTLIB:?TESTLIB is not set}"

make_pki
cd "$TMP" || exit 99

# hostile STATUS ERRNAME CMD...: expect_fail, and the database is unchanged.
hostile() {
	_snap=$(db_snapshot)
	expect_fail "$@"
	assert_db_unchanged "  ... $2" "$_snap"
}

# absent DESC FILE: FILE (or a symlink of that name) does not exist.
absent() {
	if [ -e "$2" ] || [ -L "$2" ]; then
		fail "$1: $2 exists"
	else
		ok "$1: no $(basename "$2") left behind"
	fi
}

P=$(pinfl 1)
CIT="--profile citizen --given-name Vali --surname Aliyev --pinfl $P"
make_csr req.pem || fail "openssl req"
"$OPENSSL" req -in req.pem -outform DER -out req.der
# shellcheck disable=SC2086
{
	check "a good certificate (v1)" kca_issue $CIT --csr req.pem --out v1.crt
	check "a good certificate (v2)" kca_issue $CIT --csr req.pem --out v2.crt
	check "a good certificate (v3)" kca_issue $CIT --csr req.pem --out v3.crt
}
V1=$(cert_serial v1.crt)
V2=$(cert_serial v2.crt)
V3=$(cert_serial v3.crt)

# --- identities -------------------------------------------------------------------
for bad in 1234567890123 123456789012345 3123456789012a "" "3123456789012 " \
    "٣١٢٣٤٥٦٧٨٩٠١٢٣" "-123456789012"; do
	hostile 2 pinfl_invalid kca_issue --profile citizen --given-name A \
	    --surname B --pinfl "$bad" --out bad.p12 --key-pass "file:$KEYPASS"
	absent "PINFL \"$bad\"" bad.p12
done
hostile 2 pinfl_invalid kca_issue --profile citizen --given-name A --surname B \
    --pinfl 1234567890123 --csr req.pem
hostile 2 tin_invalid kca_issue $CIT --tin 12345678 --csr req.pem
hostile 2 tin_invalid kca_issue $CIT --tin 1234567890 --csr req.pem
hostile 2 tin_invalid kca_issue $CIT --tin 12345678x --csr req.pem
OFF="--profile official --given-name Nodira --surname Yusupova --pinfl $P"
hostile 2 tin_invalid kca_issue $OFF --org "Kalit LLC" --title Director \
    --org-tin 20123456 --csr req.pem
hostile 2 tin_invalid kca_issue $OFF --org "Kalit LLC" --title Director \
    --org-tin 2012345678 --csr req.pem
hostile 2 subject_invalid kca_issue $OFF --title Director --org-tin 201234567 \
    --csr req.pem
hostile 2 subject_invalid kca_issue $OFF --org "Kalit LLC" --org-tin 201234567 \
    --csr req.pem
hostile 2 subject_invalid kca_issue $OFF --org "Kalit LLC" --title Director \
    --csr req.pem
hostile 2 subject_invalid kca_issue --profile citizen --given-name A --surname B \
    --csr req.pem
hostile 2 subject_invalid kca_issue $CIT --org "Not For Citizens" --csr req.pem
hostile 2 subject_invalid kca_issue --profile citizen --surname B --pinfl "$P" \
    --given-name "$(printf 'A\nCN=root')" --csr req.pem
hostile 2 subject_invalid kca_issue $CIT --email not-an-address --csr req.pem
hostile 2 subject_invalid kca_issue $CIT --email "a@b@c" --csr req.pem
hostile 2 subject_invalid kca_issue $CIT \
    --cn "$(python3 -c 'print("A" * 300)')" --csr req.pem
hostile 2 subject_invalid kca_issue $CIT --given-name "$(printf 'bad\377utf8')" \
    --csr req.pem

# --- profiles, key types ----------------------------------------------------------
hostile 2 profile_unknown kca_issue --profile nosuch --given-name A --surname B \
    --pinfl "$P" --csr req.pem
hostile 2 profile_unknown kca_issue --profile ../profiles/citizen \
    --given-name A --surname B --pinfl "$P" --csr req.pem
hostile 2 profile_unknown kca_issue --profile "citizen'; DROP TABLE certs; --" \
    --given-name A --surname B --pinfl "$P" --csr req.pem
hostile 2 profile_unknown kca_issue --profile root --given-name A --surname B \
    --pinfl "$P" --csr req.pem
hostile 2 profile_unknown kca_issue --profile issuing-ca --given-name A \
    --surname B --pinfl "$P" --csr req.pem
hostile 2 profile_unknown kca ca-new --profile root --name r2 \
    --ca-pass "file:$CAPASS"
for kt in rsa2048 P256 dsa ""; do
	hostile 2 key_type_unknown kca_issue $CIT --key-type "$kt" \
	    --out bad.p12 --key-pass "file:$KEYPASS"
	absent "--key-type \"$kt\"" bad.p12
done

# --- passphrases -----------------------------------------------------------------
echo "not-the-passphrase" >wrong.pass
hostile 4 passphrase_wrong "$KALIT_CA" -d "$CADIR" issue $CIT \
    --ca-pass file:wrong.pass --out bad.p12 --key-pass "file:$KEYPASS"
absent "wrong CA passphrase" bad.p12
hostile 4 passphrase_wrong "$KALIT_CA" -d "$CADIR" issue $CIT \
    --ca-pass file:wrong.pass --csr req.pem
hostile 4 passphrase_wrong kca crl --ca citizen --ca-pass file:wrong.pass \
    --out bad.crl
absent "crl, wrong CA passphrase" bad.crl
hostile 4 passphrase_wrong kca renew "$V1" --same-key --ca-pass file:wrong.pass
hostile 4 passphrase_wrong kca ca-new --profile citizen --name citizen2 \
    --ca-pass file:wrong.pass --new-pass "file:$CAPASS"
absent "ca-new, wrong root passphrase" "$CADIR/keys/citizen2.key"
hostile 5 io_error "$KALIT_CA" -d "$CADIR" issue $CIT \
    --ca-pass "file:$TMP/no-such.pass" --out bad.p12 --key-pass "file:$KEYPASS"
absent "missing passphrase file" bad.p12
hostile 5 io_error kca_issue $CIT --out bad.p12 \
    --key-pass "file:$TMP/no-such.pass"
absent "missing key-file password file" bad.p12
hostile 4 passphrase_missing "$KALIT_CA" -d "$CADIR" issue $CIT \
    --ca-pass env:KALIT_TEST_UNSET_VAR --csr req.pem
: >empty.pass
hostile 4 passphrase_missing kca_issue $CIT --out bad.p12 \
    --key-pass file:empty.pass
absent "empty key-file password" bad.p12
hostile 1 usage "$KALIT_CA" -d "$CADIR" issue $CIT --ca-pass plain:secret \
    --csr req.pem
if command -v setsid >/dev/null 2>&1; then
	# No controlling terminal: "prompt" (the default) cannot ask.
	hostile 4 passphrase_missing setsid -w "$KALIT_CA" -d "$CADIR" issue \
	    $CIT --csr req.pem </dev/null
	hostile 4 passphrase_missing setsid -w "$KALIT_CA" -d "$CADIR" issue \
	    $CIT --ca-pass prompt --out bad.p12 --key-pass "file:$KEYPASS" \
	    </dev/null
	absent "no terminal for the CA passphrase" bad.p12
	hostile 4 passphrase_missing setsid -w "$KALIT_CA" -d "$CADIR" issue \
	    $CIT --ca-pass "file:$CAPASS" --out bad.p12 </dev/null
	absent "no terminal for the key-file password" bad.p12
	hostile 4 passphrase_missing setsid -w "$KALIT_CA" -d "$CADIR" crl \
	    --ca citizen </dev/null
else
	echo "# no setsid: no-terminal checks skipped"
fi

# --- output files ------------------------------------------------------------------
echo "precious data" >exists.p12
cp exists.p12 exists.orig
hostile 3 file_exists kca_issue $CIT --out exists.p12 --key-pass "file:$KEYPASS"
check "existing key file untouched" cmp exists.p12 exists.orig
cp exists.p12 exists.crt
hostile 3 file_exists kca_issue $CIT --csr req.pem --out exists.crt
check "existing certificate file untouched" cmp exists.crt exists.orig
cp exists.p12 exists.crl
hostile 3 file_exists kca crl --ca citizen --ca-pass "file:$CAPASS" \
    --out exists.crl
check "existing CRL file untouched" cmp exists.crl exists.orig
hostile 3 file_exists kca renew "$V1" --same-key --out exists.crt \
    --ca-pass "file:$CAPASS"
check "existing file untouched by renew" cmp exists.crt exists.orig
ln -s "$TMP/symlink-target" dangling.p12
hostile 3 file_exists kca_issue $CIT --out dangling.p12 \
    --key-pass "file:$KEYPASS"
absent "no file written through a dangling symlink" "$TMP/symlink-target"
hostile 5 io_error kca_issue $CIT --csr req.pem --out "$TMP/no/such/dir/x.crt"

# --- serials and status -------------------------------------------------------------
hostile 3 serial_unknown kca revoke 1234abcd --reason keyCompromise
hostile 3 serial_unknown kca hold 1234abcd
hostile 3 serial_unknown kca release 1234abcd
hostile 3 serial_unknown kca show 1234abcd
hostile 3 serial_unknown kca renew 1234abcd --same-key --ca-pass "file:$CAPASS"
assert_grep "renew of an unknown serial says so" \
    "serial 1234abcd was not issued by this CA" "$ERR"
for bad in xyz 12g4 "12 34" "1-2" ":" "0x12z"; do
	hostile 2 input_malformed kca revoke "$bad" --reason keyCompromise
done
hostile 2 input_malformed kca revoke 0x --reason keyCompromise
hostile 2 input_malformed kca show "not-hex"
hostile 2 input_malformed kca hold "$(python3 -c 'print("a" * 200)')"
hostile 2 reason_invalid kca revoke "$V1" --reason badReason
hostile 2 reason_invalid kca revoke "$V1" --reason KeyCompromise
hostile 2 reason_invalid kca revoke "$V1" --reason certificateHold
hostile 2 reason_invalid kca revoke "$V1" --reason removeFromCRL
hostile 2 reason_invalid kca revoke "$V1" --reason ""
hostile 1 usage kca revoke "$V1"
hostile 3 not_on_hold kca release "$V1"
check "hold v2" kca hold "$V2"
hostile 3 already_on_hold kca hold "$V2"
hostile 3 already_on_hold kca renew "$V2" --same-key --ca-pass "file:$CAPASS"
check "revoke v3" kca revoke "$V3" --reason keyCompromise
hostile 3 already_revoked kca revoke "$V3" --reason keyCompromise
hostile 3 already_revoked kca revoke "$V3" --reason superseded
hostile 3 already_revoked kca hold "$V3"
hostile 3 already_revoked kca release "$V3"
hostile 3 already_revoked kca renew "$V3" --same-key --ca-pass "file:$CAPASS"
hostile 1 usage kca revoke "$(cert_serial "$ROOT_CRT")" --reason keyCompromise

# --serials-from: all or nothing
before=$(kca list --status revoked | wc -l)
check "one more good certificate (v4)" kca_issue $CIT --csr req.pem --out v4.crt
V4=$(cert_serial v4.crt)
printf '%s\n%s\n%s\n' "$V1" deadbeef "$V4" >serials.txt
hostile 3 serial_unknown kca revoke --serials-from serials.txt \
    --reason superseded
assert_grep "the unknown serial's line is named" "serials\.txt:2:" "$ERR"
assert_eq "--serials-from with an unknown serial revoked none" \
    "$(kca list --status revoked | wc -l)" "$before"
printf '%s\n%s\n%s\n' "$V1" "$V4" "$V1" >dup.txt
hostile 3 already_revoked kca revoke --serials-from dup.txt --reason superseded
printf '%s\n%s\n' "$V1" "$V3" >withrevoked.txt
hostile 3 already_revoked kca revoke --serials-from withrevoked.txt \
    --reason superseded
printf '%s\nnot-a-serial\n' "$V1" >malformed.txt
hostile 2 input_malformed kca revoke --serials-from malformed.txt \
    --reason superseded
hostile 5 io_error kca revoke --serials-from "$TMP/no-such-file" \
    --reason superseded
hostile 1 usage kca revoke "$V1" --serials-from serials.txt --reason superseded
assert_eq "v1 and v4 still valid" \
    "$(kca show "$V1" | grep '^status:') $(kca show "$V4" | grep '^status:')" \
    "status:     valid status:     valid"

# --- CSRs ---------------------------------------------------------------------------
"$OPENSSL" req -new -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=w \
    -out rsa2048.pem 2>/dev/null
hostile 2 csr_key_weak kca_issue $CIT --csr rsa2048.pem --out bad.crt
absent "weak CSR" bad.crt
"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:secp256k1 -nodes \
    -keyout /dev/null -subj /CN=w -out k1.pem 2>/dev/null
hostile 2 csr_key_weak kca_issue $CIT --csr k1.pem
python3 - <<'EOF'
import base64
der = open("req.der", "rb").read()
bad = bytearray(der)
bad[-1] ^= 0x01                       # last byte: inside the signature
open("badsig.der", "wb").write(bytes(bad))
open("trunc.der", "wb").write(der[:len(der) // 2])
open("trailing.der", "wb").write(der + b"\x00")
open("garbage.bin", "wb").write(b"\x00garbage\xff" * 30)
b64 = base64.b64encode(der).decode()
open("badb64.pem", "w").write("-----BEGIN CERTIFICATE REQUEST-----\n" +
    b64[:20] + "!!@@" + b64[24:] + "\n-----END CERTIFICATE REQUEST-----\n")
open("huge.pem", "w").write("-----BEGIN CERTIFICATE REQUEST-----\n" +
    ("A" * 64 + "\n") * 1100 + "-----END CERTIFICATE REQUEST-----\n")
open("huge.der", "wb").write(der + b"\x00" * 70000)
EOF
hostile 2 csr_signature_invalid kca_issue $CIT --csr badsig.der --out bad.crt
absent "CSR with a broken signature" bad.crt
for f in trunc.der trailing.der garbage.bin badb64.pem empty.pass; do
	hostile 2 input_malformed kca_issue $CIT --csr "$f"
done
hostile 2 input_too_large kca_issue $CIT --csr huge.pem
hostile 2 input_too_large kca_issue $CIT --csr huge.der
hostile 5 io_error kca_issue $CIT --csr "$TMP/no-such.csr"
hostile 1 usage kca_issue $CIT --csr req.pem --key-type p384
hostile 1 usage kca_issue $CIT --csr req.pem --key-pass "file:$KEYPASS"
hostile 1 usage kca_issue $CIT --csr req.pem --legacy

# --- batch ------------------------------------------------------------------------
python3 - "$P" <<'EOF'
import json, sys
csr = open("req.pem").read()
good = {"given_name": "A", "surname": "B", "pinfl": sys.argv[1], "csr": csr}
def write(name, second):
    with open(name, "w") as f:
        f.write(json.dumps(good) + "\n")
        f.write(second + "\n")
        f.write(json.dumps(good) + "\n")
write("b-json.jsonl", "{not json")
write("b-array.jsonl", "[1, 2]")
write("b-number.jsonl", json.dumps(dict(good, pinfl=31234567890123)))
write("b-key.jsonl", json.dumps(dict(good, role="admin")))
write("b-nocsr.jsonl", json.dumps({k: v for k, v in good.items() if k != "csr"}))
write("b-dup.jsonl", '{"pinfl": "%s", "pinfl": "%s"}' % (sys.argv[1], sys.argv[1]))
write("b-weak.jsonl", json.dumps(dict(good, csr=open("rsa2048.pem").read())))
write("b-long.jsonl", json.dumps(dict(good, cn="A" * 70000)))
write("b-tin.jsonl", json.dumps(dict(good, tin="12345678")))
EOF
hostile 2 input_malformed kca_issue --profile citizen --batch b-json.jsonl
assert_grep "batch: line 2 named" "b-json\.jsonl:2:" "$ERR"
hostile 2 input_malformed kca_issue --profile citizen --batch b-array.jsonl
hostile 2 input_malformed kca_issue --profile citizen --batch b-number.jsonl
hostile 2 input_malformed kca_issue --profile citizen --batch b-key.jsonl
hostile 2 input_malformed kca_issue --profile citizen --batch b-nocsr.jsonl
hostile 2 input_malformed kca_issue --profile citizen --batch b-dup.jsonl
hostile 2 csr_key_weak kca_issue --profile citizen --batch b-weak.jsonl
assert_grep "batch: line 2 named" "b-weak\.jsonl:2:" "$ERR"
hostile 2 input_too_large kca_issue --profile citizen --batch b-long.jsonl
hostile 2 tin_invalid kca_issue --profile citizen --batch b-tin.jsonl
hostile 5 io_error kca_issue --profile citizen --batch "$TMP/no-such.jsonl"
hostile 2 ca_profile_mismatch kca_issue --profile citizen --ca official \
    --batch b-json.jsonl

# --- CAs ----------------------------------------------------------------------------
hostile 2 ca_profile_mismatch kca_issue $OFF --org "Kalit LLC" \
    --title Director --org-tin 201234567 --ca citizen --csr req.pem
hostile 2 ca_profile_mismatch kca_issue $OFF --org "Kalit LLC" \
    --title Director --org-tin 201234567 --ca citizen --out bad.p12 \
    --key-pass "file:$KEYPASS"
absent "CA of the wrong profile" bad.p12
hostile 2 ca_profile_mismatch kca_issue $CIT --ca official --csr req.pem
hostile 2 ca_profile_mismatch kca_issue $CIT --ca root --csr req.pem
hostile 3 ca_unknown kca_issue $CIT --ca nosuch --csr req.pem
hostile 3 ca_unknown kca_issue $CIT --ca "citizen' OR '1'='1" --csr req.pem
hostile 3 ca_unknown kca crl --ca nosuch --ca-pass "file:$CAPASS" --out bad.crl
absent "crl of an unknown CA" bad.crl
hostile 3 ca_exists kca ca-new --profile citizen --ca-pass "file:$CAPASS"
hostile 1 usage kca ca-new --profile citizen --name ../evil \
    --ca-pass "file:$CAPASS"
hostile 1 usage kca ca-new --profile citizen --name root \
    --ca-pass "file:$CAPASS"
rootkey=$(sha256sum <"$CADIR/keys/root.key")
rootcrt=$(sha256sum <"$ROOT_CRT")
hostile 3 ca_dir_invalid kca init --ca-pass "file:$CAPASS"
assert_eq "init twice: root key untouched" \
    "$(sha256sum <"$CADIR/keys/root.key")" "$rootkey"
assert_eq "init twice: root certificate untouched" "$(sha256sum <"$ROOT_CRT")" \
    "$rootcrt"
mkdir nodb
expect_fail 3 ca_dir_invalid "$KALIT_CA" -d "$TMP/nodb" list
absent "no database created by list" "$TMP/nodb/kalit-ca.db"
expect_fail 3 ca_dir_invalid "$KALIT_CA" -d "$TMP/nodb" revoke "$V1" \
    --reason keyCompromise
expect_fail 3 ca_dir_invalid "$KALIT_CA" -d "$TMP/no-such-dir" audit-verify
absent "no directory created by audit-verify" "$TMP/no-such-dir"
# a failed init leaves no database behind, and a later init works
NEW=$TMP/newca
expect_fail 2 key_type_unknown "$KALIT_CA" -d "$NEW" init --key-type rsa2048 \
    --ca-pass "file:$CAPASS"
absent "init with a bad key type" "$NEW/kalit-ca.db"
expect_fail 1 usage "$KALIT_CA" -d "$NEW" init --base-url ftp://example.uz \
    --ca-pass "file:$CAPASS"
expect_fail 1 usage "$KALIT_CA" -d "$NEW" init \
    --base-url "http://x.uz/a,URI:http://evil" --ca-pass "file:$CAPASS"
expect_fail 2 subject_invalid "$KALIT_CA" -d "$NEW" init --country uz \
    --ca-pass "file:$CAPASS"
expect_fail 4 passphrase_missing "$KALIT_CA" -d "$NEW" init \
    --ca-pass file:empty.pass
absent "init with an empty passphrase" "$NEW/kalit-ca.db"
absent "init with an empty passphrase: no root key" "$NEW/keys/root.key"
check "init works after the failed ones" "$KALIT_CA" -d "$NEW" init \
    --ca-pass "file:$CAPASS"
# a passphrase typed where its source belongs is never echoed
NEW2=$TMP/newca2
expect_fail 1 usage "$KALIT_CA" -d "$NEW2" init --ca-pass MyP4ssw0rdIsLong
assert_nogrep "--ca-pass VALUE: not a character of it echoed" "MyP4" "$ERR"
assert_grep "--ca-pass VALUE: the accepted forms" \
    "file:PATH, env:VAR, fd:N or prompt" "$ERR"
absent "--ca-pass VALUE: no database" "$NEW2/kalit-ca.db"
expect_fail 1 usage kca ca-new --profile citizen --name c3 \
    --ca-pass MyP4ssw0rdIsLong
assert_nogrep "ca-new --ca-pass VALUE: not echoed" "MyP4" "$ERR"
mkdir junkdb
head -c 8192 /dev/urandom >junkdb/kalit-ca.db
expect_fail 5 database_error "$KALIT_CA" -d "$TMP/junkdb" list

# --- usage ---------------------------------------------------------------------------
hostile 1 usage kca --no-such-option list
hostile 1 usage kca list --reason keyCompromise
hostile 1 usage kca show "$V1" --out x.crt
hostile 1 usage kca hold "$V1" --ca-pass "file:$CAPASS"
hostile 1 usage kca init --new-pass "file:$CAPASS"
hostile 1 usage kca
hostile 1 usage kca frobnicate
hostile 1 usage kca show
hostile 1 usage kca show "$V1" "$V2"
hostile 1 usage kca list extra
hostile 1 usage kca_issue $CIT --csr
hostile 1 usage kca_issue $CIT
hostile 1 usage kca_issue --given-name A --surname B --pinfl "$P" --csr req.pem
hostile 1 usage kca_issue $CIT --csr req.pem --days 0
hostile 1 usage kca_issue $CIT --csr req.pem --days abc
hostile 1 usage kca_issue $CIT --csr req.pem --days 99999999
hostile 1 usage kca list --status bogus
hostile 1 usage kca list --expires-within -1
hostile 1 usage kca crl --ca-pass "file:$CAPASS"
hostile 1 usage kca renew "$V1" --ca-pass "file:$CAPASS"
hostile 1 usage kca renew "$V1" --same-key --csr req.pem --ca-pass "file:$CAPASS"
expect_fail 1 usage env -u KALIT_CA_DIR "$KALIT_CA" list
hostile 2 pinfl_invalid kca list --pinfl 123
hostile 2 tin_invalid kca list --tin abc

# --batch takes identities from its file only
hostile 1 usage kca_issue --profile citizen --batch b-json.jsonl --given-name X
hostile 1 usage kca_issue --profile citizen --batch b-json.jsonl --key-type p384

# a revoked or held issuing CA signs nothing: certificates, renewals, CRLs
check "ca-new citizen2" kca ca-new --profile citizen --name citizen2 \
    --ca-pass "file:$CAPASS"
C2=$(kca ca-list --json | python3 -c \
    'import json,sys; print([c["serial"] for c in json.load(sys.stdin) if c["name"] == "citizen2"][0])')
check "hold CA citizen2" kca hold "$C2"
hostile 3 ca_revoked kca_issue $CIT --ca citizen2 --csr req.pem
check "release CA citizen2" kca release "$C2"
check "revoke CA citizen2" kca revoke "$C2" --reason cACompromise
hostile 3 ca_revoked kca_issue $CIT --ca citizen2 --csr req.pem
hostile 3 ca_revoked kca_issue $CIT --ca citizen2 --out c2.p12 \
    --key-pass "file:$KEYPASS"
absent "ca_revoked" c2.p12
hostile 3 ca_revoked kca crl --ca citizen2 --ca-pass "file:$CAPASS"

check "audit log still intact after all of it" kca audit-verify
finish
