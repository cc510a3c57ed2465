#!/bin/sh
# shellcheck disable=SC1090,SC2154
# ca_audit.sh: kalit-ca audit-verify against records deleted from the end
# of the log (caught by the recorded head, the CRLs stored with their
# records and the certificates' own records), a status set back with SQL,
# and a head kept off-site (--expect-head); the next write refuses a log
# cut short. kalit-ca audit-archive: the oldest records moved to a JSON
# lines file that verifies on its own and joins the log (--archive), a
# crash between the file and the delete, a tampered or cut archive. The
# same through kalitd audit verify and kalitd audit archive on kalitd's
# own database.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"

make_pki
cd "$TMP" || exit 99

# --- a CA with some history -----------------------------------------------------
for n in 1 2 3; do
	make_csr "req$n.pem"
	check "issue $n" kca_issue --profile citizen --given-name Vali \
	    --surname Aliyev --pinfl "$(pinfl "$n")" --csr "req$n.pem" \
	    --out "c$n.crt"
done
S1=$(cert_serial c1.crt)
S2=$(cert_serial c2.crt)
S3=$(cert_serial c3.crt)
check "revoke c2" kca revoke "$S2" --reason keyCompromise
check "hold c3" kca hold "$S3"
check "crl" kca crl --ca citizen --ca-pass "file:$CAPASS"

check "audit-verify" kca audit-verify
assert_grep "intact, with its head as SEQ:HASH" \
    '^audit log intact: [0-9]+ records, head [0-9]+:[0-9a-f]{64}$' "$OUT"
assert_grep "matched against the certificates and CRLs" \
    '^matches 6 certificates and 2 stored CRLs$' "$OUT"
kca --json audit-verify >v.json
HEAD="$(json 'j["head_seq"]' v.json):$(json 'j["head"]' v.json)"
LAST=$(json 'j["head_seq"]' v.json)
assert_eq "--json: the head is the last record" \
    "$LAST" "$(sqlite3 "$DB" 'SELECT max(seq) FROM audit')"
cp "$DB" good.db

# restore: the database as it was before a test's tampering
restore() {
	rm -f "$DB-wal" "$DB-shm"
	cp good.db "$DB"
}

# --- records deleted from the end ---------------------------------------------------
for n in 1 3; do
	sqlite3 "$DB" "DELETE FROM audit WHERE seq > $LAST - $n"
	expect_fail 6 audit_chain_broken kca audit-verify
	assert_grep "the last $n deleted: the head says which" \
	    "^head: the log ends at record $((LAST - n)), but the last write recorded $LAST as its head: records $((LAST - n + 1)) to $LAST were removed$" \
	    "$ERR"
	restore
done
# the CRL's record (the last) deleted, and the head set back to match
sqlite3 "$DB" "DELETE FROM audit WHERE seq = $LAST;
    UPDATE audit_head SET seq = $LAST - 1,
    hash = (SELECT hash FROM audit WHERE seq = $LAST - 1)"
expect_fail 6 audit_chain_broken kca audit-verify
assert_grep "... the stored CRL still names its record" \
    "^crl: CRL 1 of CA citizen was stored with audit record $LAST, past the log's end" \
    "$ERR"
# and the CRL too: only the copy of the head kept off-site tells
sqlite3 "$DB" "DELETE FROM crls; UPDATE cas SET crl_number = 0"
check "... and the CRL deleted: the database alone cannot tell" \
    kca audit-verify
expect_fail 6 audit_chain_broken kca audit-verify --expect-head "$HEAD"
assert_grep "--expect-head: records removed" \
    "^expected_head: the log ends at record $((LAST - 1)), before the expected head $LAST" \
    "$ERR"
restore
check "--expect-head of the intact log" kca audit-verify --expect-head "$HEAD"
expect_fail 1 usage kca audit-verify --expect-head "$LAST"
# the next write refuses a log cut short
sqlite3 "$DB" "DELETE FROM audit WHERE seq = $LAST"
expect_fail 6 audit_chain_broken kca revoke "$S1" --reason superseded
assert_eq "... and changes nothing" \
    "$(sqlite3 "$DB" "SELECT status FROM certs WHERE serial = '$S1'")" 0
restore

# --- a status set back with SQL ------------------------------------------------------
sqlite3 "$DB" "UPDATE certs SET status = 0, revoked_at = NULL, reason = NULL
    WHERE serial = '$S2'"
expect_fail 6 audit_chain_broken kca audit-verify
assert_grep "revoked set back to valid" \
    "^certificate $S2: valid in the certificate table, but revoked after audit record [0-9]+$" \
    "$ERR"
run kca --json audit-verify
assert_eq "--json: the problem, its kind and serial" \
    "$(json '[(p["kind"], p["serial"]) for p in j["problems"]]' "$OUT")" \
    "[('certificate', '$S2')]"
restore
sqlite3 "$DB" "UPDATE certs SET revoked_at = revoked_at - 86400
    WHERE serial = '$S2'"
expect_fail 6 audit_chain_broken kca audit-verify
assert_grep "revocation back-dated" \
    "^certificate $S2: its revocation time is [0-9]+ in the certificate table, [0-9]+ by audit record" \
    "$ERR"
restore
sqlite3 "$DB" "DELETE FROM certs WHERE serial = '$S1'"
expect_fail 6 audit_chain_broken kca audit-verify
assert_grep "a certificate row deleted" \
    "^certificate $S1: issued by audit record [0-9]+, but not in the certificate table$" \
    "$ERR"
restore

# --- audit-archive ----------------------------------------------------------------------
# Everything so far is older than DATE; what follows is not.
sleep 1.1
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1.1
check "release c3 (after the date)" kca release "$S3"
expect_fail 1 usage kca audit-archive --out a1.jsonl
expect_fail 1 usage kca audit-archive --before 2026-02-30 --out a1.jsonl
expect_fail 1 usage kca audit-archive --before 2999-01-01 --out a1.jsonl
cp "$DB" pre-archive.db
check "audit-archive --before DATE" kca audit-archive --before "$DATE" \
    --out a1.jsonl
assert_grep "says what it archived and where the log goes on" \
    "^archived audit records 1 to $LAST in a1.jsonl; the log goes on from $LAST:[0-9a-f]{64}$" \
    "$OUT"
assert_eq "the archive is 0600" "$(stat -c %a a1.jsonl)" 600
assert_eq "its lines: header, $LAST records, end" "$(wc -l <a1.jsonl)" \
    $((LAST + 2))
check "every line is JSON" python3 -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[0]["format"] == "kalit-audit-archive"
assert [l["seq"] for l in lines[1:-1]] == list(range(1, len(lines) - 1))
assert lines[-1]["end"] is True' a1.jsonl
assert_eq "the table starts after the archive" \
    "$(sqlite3 "$DB" 'SELECT min(seq) FROM audit')" $((LAST + 1))
assert_eq "the archive is itself recorded" \
    "$(sqlite3 "$DB" "SELECT action FROM audit ORDER BY seq DESC LIMIT 1")" \
    audit-archive
check "audit-verify after archiving" kca audit-verify
assert_grep "names the anchor" "^records 1 to $LAST are archived; the log goes on from $LAST:" \
    "$OUT"
check "audit-verify --archive" kca audit-verify --archive a1.jsonl
assert_grep "the archive joins the log" \
    "^archive a1.jsonl: records 1 to $LAST, joins the log where it goes on$" \
    "$OUT"
check "the head kept off-site is now the anchor" kca audit-verify \
    --expect-head "$HEAD"
H3="3:$(sed -n 4p a1.jsonl | python3 -c 'import json, sys
print(json.load(sys.stdin)["hash"])')"
check "an archived head checks against the archive" kca audit-verify \
    --expect-head "$H3" --archive a1.jsonl
expect_fail 6 audit_chain_broken kca audit-verify --expect-head "$H3"
assert_grep "... and only with it" "^expected_head: record 3 is archived: give the archive" \
    "$ERR"
check "the log goes on: issue" kca_issue --profile citizen --given-name \
    Vali --surname Aliyev --pinfl "$(pinfl 4)" --csr req1.pem --out c4.crt
check "audit-verify --archive after more records" kca audit-verify \
    --archive a1.jsonl
# a record of the archive changed, or the file cut short
sed 's/"action":"revoke"/"action":"hold"/' a1.jsonl >bad.jsonl
expect_fail 6 audit_chain_broken kca audit-verify --archive bad.jsonl
assert_grep "a changed archive" "^archive: bad.jsonl: its own chain breaks$" \
    "$ERR"
head -n 3 a1.jsonl >cut.jsonl
expect_fail 6 audit_chain_broken kca audit-verify --archive cut.jsonl
assert_grep "an archive cut short" \
    "^archive: cut.jsonl: not a complete archive$" "$ERR"

# a crash between the file and the delete: both verify, a rerun finishes
cp "$DB" post-archive.db
rm -f "$DB-wal" "$DB-shm"
cp pre-archive.db "$DB"
check "crashed: audit-verify --archive" kca audit-verify --archive a1.jsonl
assert_grep "the archive is pending" "^archive a1.jsonl: records 1 to $LAST, not yet deleted from the log" \
    "$OUT"
check "crashed: the same audit-archive again" kca audit-archive \
    --before "$DATE" --out a1.jsonl
assert_grep "it finishes" "^archived audit records 1 to $LAST in a1.jsonl" \
    "$OUT"
check "and once more: nothing left to do" kca --json audit-archive \
    --before "$DATE" --out a1.jsonl
assert_eq "--json: resumed, nothing deleted" \
    "$(json '(j["resumed"], j["deleted"])' "$OUT")" "(True, 0)"
check "audit-verify --archive after the rerun" kca audit-verify \
    --archive a1.jsonl
check "nothing older: nothing archived" kca audit-archive \
    --before 2000-01-01 --out a2.jsonl
assert "... and no file" ! -e a2.jsonl

# --- kalitd's own log ---------------------------------------------------------------------
PORT=$(free_port)
write_conf
check "kalitd client add" add_client portal
check "kalitd client add" add_client intranet
check "kalitd audit verify" kd audit verify
assert_grep "kalitd: intact" '^audit log intact: 2 records, head 2:' "$OUT"
kd audit verify --json >kv.json
KHEAD="$(json 'j["head_seq"]' kv.json):$(json 'j["head"]' kv.json)"
sqlite3 "$SRV/kalitd.db" "DELETE FROM audit WHERE seq = 2"
EXPECT_PROG="kalitd: audit"
expect_fail 6 audit_chain_broken kd audit verify
assert_grep "kalitd: the last record deleted" "^head: the log ends at record 1" \
    "$ERR"
EXPECT_PROG="kalitd: client"
expect_fail 6 audit_chain_broken kd client add third
EXPECT_PROG="kalitd: audit"
assert_eq "... and the next write is refused" \
    "$(sqlite3 "$SRV/kalitd.db" "SELECT count(*) FROM clients")" 2
sqlite3 "$SRV/kalitd.db" "UPDATE audit_head SET seq = 1,
    hash = (SELECT hash FROM audit WHERE seq = 1)"
expect_fail 6 audit_chain_broken kd audit verify --expect-head "$KHEAD"
check "a new kalitd database" rm -f "$SRV/kalitd.db"
check "kalitd client add" add_client portal
sleep 1.1
KDATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1.1
check "kalitd client add" add_client intranet
check "kalitd audit archive" kd audit archive --before "$KDATE" \
    --out "$TMP/k1.jsonl"
assert_grep "kalitd: archived" "^archived audit records 1 to 1 in $TMP/k1.jsonl" \
    "$OUT"
assert_eq "kalitd: the archive is 0600" "$(stat -c %a k1.jsonl)" 600
check "kalitd audit verify --archive" kd audit verify --archive \
    "$TMP/k1.jsonl"
assert_grep "kalitd: the archive joins the log" \
    "^archive $TMP/k1.jsonl: records 1 to 1, joins" "$OUT"
expect_fail 1 usage kd audit archive --out "$TMP/k2.jsonl"

# A running kalitd: a login is answered only once its record is written,
# so a log cut short fails logins, as server errors.
# login DESC STATUS CODE: a login of c1 for portal.
login() {
	challenge portal
	_ch=$(json 'j["challenge"]' "$OUT")
	sign_openssl c1.crt req1.pem.key "$_ch" s.der
	login_body portal "$_ch" s.der >b.json
	post_login b.json
	expect_http "$1" "$2" "$3"
}
check "kalitd keygen" kd keygen
start_kalitd
login "a login" 200 -
stop_kalitd
sqlite3 "$SRV/kalitd.db" "DELETE FROM audit WHERE seq =
    (SELECT max(seq) FROM audit)"
start_kalitd
login "a login on a log cut short" 500 server_error
stop_kalitd
assert_grep "kalitd says why" "audit log: it ends at record" "$TMP/kalitd.log"

finish
