#!/bin/sh
# shellcheck disable=SC1090,SC2154
# ca_crl.sh: CRLs in the CA database: kalit-ca crl stores what it signs with
# its number and audit record; kalit-ca crl --watch publishes after every
# revoke, hold and release and stops on SIGTERM; delta CRLs and sharded CRLs
# as `openssl verify -crl_check [-use_deltas]` and `openssl crl` see them.
. "${TESTLIB:?TESTLIB is not set}"

make_pki
cd "$TMP" || exit 99
make_csr req.pem || fail "openssl req"
WPID=
trap '[ -n "$WPID" ] && kill "$WPID" 2>/dev/null; rm -rf "$T_TMP"' EXIT

# issue CA NAME...: for each NAME, NAME.crt from the CSR, issued by CA.
N=0
issue() {
	_is_ca=$1
	shift
	for _is_n; do
		N=$((N + 1))
		kca_issue --profile citizen --ca "$_is_ca" --given-name "$_is_n" \
		    --surname Test --pinfl "$(pinfl $N)" --csr req.pem \
		    --out "$_is_n.crt" >/dev/null 2>&1 || fail "issue $_is_n"
	done
}

# sql QUERY: one value from the CA database.
sql() {
	sqlite3 "$DB" "$1"
}

# db_crl CA SHARD DELTA OUT: the newest stored CRL of (CA, SHARD, DELTA) as
# DER in OUT; its number on stdout ("" when none).
db_crl() {
	rm -f "$4"
	sqlite3 "$DB" "SELECT number, writefile('$4', der) FROM crls WHERE
	    ca = '$1' AND shard = $2 AND delta = $3 ORDER BY number DESC
	    LIMIT 1" | cut -d'|' -f1
}

# serials CRL-DER: the entries' serials (lowercase, no leading zeros), and
# "SERIAL reason" lines in CRL-DER.entries.
serials() {
	crl_entries "$1" >"$1.entries"
	cut -d' ' -f1 "$1.entries"
}

# wait_for DESC CMD...: runs CMD every 0.1 s until it succeeds, at most
# 10 s (a bound for a loaded machine, not a measure); one check.
wait_for() {
	_wf_d=$1
	shift
	_wf_i=0
	until "$@" >/dev/null 2>&1; do
		_wf_i=$((_wf_i + 1))
		if [ $_wf_i -ge 100 ]; then
			fail "$_wf_d (not within 10 s)"
			return 1
		fi
		sleep 0.1
	done
	ok "$_wf_d"
}

# listed CA SHARD DELTA SERIAL [REASON]: the newest stored CRL lists SERIAL
# (with REASON as openssl prints it, blanks as '_'); its number in $LN.
listed() {
	LN=$(db_crl "$1" "$2" "$3" w.der)
	[ -n "$LN" ] && serials w.der >/dev/null &&
	    grep -Eq "^$4 ${5:-.*}$" w.der.entries
}

# unlisted_after CA NUMBER SERIAL: a CRL newer than NUMBER lacks SERIAL.
unlisted_after() {
	LN=$(db_crl "$1" 0 0 w.der)
	[ -n "$LN" ] && [ "$LN" -gt "$2" ] && ! serials w.der | grep -qx "$3"
}

# --- kalit-ca crl stores its CRL ---------------------------------------------------
issue citizen r1 g1
kca revoke "$(cert_serial r1.crt)" --reason keyCompromise >/dev/null ||
    fail "revoke r1"
check "crl --ca citizen" kca crl --ca citizen --ca-pass "file:$CAPASS"
assert_eq "one CRL stored" "$(sql "SELECT count(*) FROM crls WHERE
    ca = 'citizen'")" 1
n=$(db_crl citizen 0 0 db.der)
assert_eq "stored with the CA's CRL number" "$n" \
    "$(sql "SELECT crl_number FROM cas WHERE name = 'citizen'")"
assert_eq "the database holds the file's bytes" "$(sha256sum <db.der)" \
    "$(sha256sum <"$CADIR/crl/citizen.crl")"
check "the stored CRL verifies" "$OPENSSL" crl -inform DER -in db.der \
    -CAfile "$CIT_CRT" -verify -noout
assert_eq "it lists r1" "$(serials db.der)" "$(cert_serial r1.crt)"
assert_eq "thisUpdate and nextUpdate stored as the CRL says" \
    "$(sql "SELECT next_update - this_update, shard, delta, base_number
    FROM crls WHERE ca = 'citizen'")" "604800|0|0|0"
assert_eq "audit_seq: the record before the CRL's own" \
    "$(sql "SELECT c.audit_seq + 1 = a.seq FROM crls c, audit a WHERE
    c.ca = 'citizen' AND a.action = 'crl' AND
    a.detail LIKE 'ca=citizen number=$n %'")" 1
assert_grep "audit detail: number, shards, entries" \
    "^ca=citizen number=$n shards=1 entries=1$" \
    "$(sql "SELECT detail FROM audit WHERE action = 'crl'" >det.txt;
    echo det.txt)"
for i in 1 2 3 4; do
	kca crl --ca citizen --ca-pass "file:$CAPASS" >/dev/null 2>&1 ||
	    fail "crl $i"
done
assert_eq "only the newest 3 CRLs are kept" "$(sql "SELECT group_concat(
    number) FROM (SELECT number FROM crls WHERE ca = 'citizen' ORDER BY
    number)")" "$((n + 2)),$((n + 3)),$((n + 4))"
check "crl --json" kca --json crl --ca citizen --ca-pass "file:$CAPASS"
assert_eq "--json: ca, number, entries, delta, one shard, file" \
    "$(json '(j["ca"], j["number"], j["entries"], j["delta"],
    len(j["shards"]), j["file"].endswith("/crl/citizen.crl"))' "$OUT")" \
    "('citizen', $((n + 5)), 1, False, 1, True)"
check "crl of the root (the issuing CAs' CRL)" kca crl --ca root \
    --ca-pass "file:$CAPASS"
assert_eq "root CRL stored (with make_pki's)" "$(sql "SELECT count(*) FROM
    crls WHERE ca = 'root'")" 2

# --- the publisher ---------------------------------------------------------------
check "ca-new --name citizen2" kca ca-new --profile citizen --name citizen2 \
    --ca-pass "file:$CAPASS"
issue citizen w1 w2 w3
issue citizen2 o1
"$KALIT_CA" -d "$CADIR" crl --watch --every 3600 --ca-pass "file:$CAPASS" \
    >watch.out 2>watch.err &
WPID=$!
wait_for "--watch publishes every issuing CA at start" \
    grep -q "CRL [0-9]* of CA citizen2 (full)" watch.err
assert_eq "... the official CA too" "$(sql "SELECT count(*) FROM crls
    WHERE ca = 'official'")" 1
base_off=$(sql "SELECT max(number) FROM crls WHERE ca = 'citizen2'")
assert_eq "--watch leaves the root alone" "$(sql "SELECT count(*) FROM crls
    WHERE ca = 'root'")" 2
n0=$(sql "SELECT max(number) FROM crls WHERE ca = 'citizen'")
sleep 1
assert_eq "no change, no new CRL" "$(sql "SELECT max(number) FROM crls WHERE
    ca = 'citizen'")" "$n0"
W1=$(cert_serial w1.crt)
kca revoke "$W1" --reason superseded >/dev/null || fail "revoke w1"
wait_for "revoke: a new CRL in the database lists it" \
    listed citizen 0 0 "$W1"
wait_for "... and so does dir/crl/citizen.crl" sh -c \
    "'$OPENSSL' crl -inform DER -in '$CADIR/crl/citizen.crl' -noout -text |
    grep -qi 'Serial Number: 0*$W1'"
assert_eq "citizen2 had no change: no new CRL" \
    "$(sql "SELECT max(number) FROM crls WHERE ca = 'citizen2'")" "$base_off"
W2=$(cert_serial w2.crt)
kca hold "$W2" >/dev/null || fail "hold w2"
wait_for "hold: listed, certificateHold" listed citizen 0 0 "$W2" \
    Certificate_Hold
kca release "$W2" >/dev/null || fail "release w2"
wait_for "release: gone from the next CRL" unlisted_after citizen "$LN" "$W2"
O1=$(cert_serial o1.crt)
kca revoke "$O1" --reason affiliationChanged >/dev/null || fail "revoke o1"
wait_for "citizen2's CRL follows too" listed citizen2 0 0 "$O1" \
    Affiliation_Changed
assert_grep "--watch logs each publication" \
    "CRL [0-9]+ of CA citizen \(full\): 1 shard, 3 entries" watch.err
kill -TERM "$WPID"
st=0
wait "$WPID" || st=$?
WPID=
assert_eq "SIGTERM: the publisher exits 0" "$st" 0
assert_grep "SIGTERM: says it stopped" "stopped publishing CRLs" watch.err
check "audit-verify after the publisher" kca audit-verify

# --watch --json: one object per line
"$KALIT_CA" -d "$CADIR" --json crl --watch --ca citizen \
    --ca-pass "file:$CAPASS" >wj.out 2>wj.err &
WPID=$!
wait_for "--watch --json: a JSON line per publication" \
    grep -q '"ca":"citizen"' wj.out
kill -TERM "$WPID" && wait "$WPID"
WPID=
assert_eq "--watch --json: JSON lines" "$(head -n 1 wj.out | python3 -c '
import json, sys; j = json.loads(sys.stdin.readline())
print(j["ca"], j["delta"], len(j["shards"]))')" "citizen False 1"

# --- delta CRLs --------------------------------------------------------------------
check "ca-new --delta-crl" kca ca-new --profile citizen --name dcit \
    --delta-crl --ca-pass "file:$CAPASS"
DCRT=$CADIR/certs/dcit.crt
issue dcit d1 d2 d3 d4
"$OPENSSL" x509 -in d1.crt -noout -text >d1.txt
assert_grep "certificates carry Freshest CRL" \
    "URI:http://127\.0\.0\.1:8443/crl/dcit\.delta\.crl" d1.txt
assert_grep "and their CRL distribution point" \
    "URI:http://127\.0\.0\.1:8443/crl/dcit\.crl" d1.txt
expect_fail 3 not_found kca crl --ca dcit --delta --ca-pass "file:$CAPASS"
assert_grep "no base yet: says to make a full CRL first" \
    "run 'kalit-ca crl --ca dcit' first" "$ERR"
kca hold "$(cert_serial d3.crt)" >/dev/null || fail "hold d3"
kca revoke "$(cert_serial d4.crt)" --reason keyCompromise >/dev/null ||
    fail "revoke d4"
check "full CRL (the base)" kca crl --ca dcit --ca-pass "file:$CAPASS"
BASE=$(db_crl dcit 0 0 base.der)
"$OPENSSL" crl -inform DER -in base.der -noout -text >base.txt
assert_grep "the full CRL carries Freshest CRL" "X509v3 Freshest CRL" base.txt
assert_nogrep "the full CRL is no delta" "Delta CRL Indicator" base.txt
kca revoke "$(cert_serial d1.crt)" --reason keyCompromise >/dev/null ||
    fail "revoke d1"
kca release "$(cert_serial d3.crt)" >/dev/null || fail "release d3"
check "crl --delta" kca crl --ca dcit --delta --ca-pass "file:$CAPASS"
DN=$(db_crl dcit 0 1 delta.der)
assert "the delta's number is above its base's" "$DN" -gt "$BASE"
assert_eq "stored as a delta of its base" "$(sql "SELECT delta,
    base_number FROM crls WHERE ca = 'dcit' AND number = $DN")" "1|$BASE"
assert_eq "and written to dir/crl/dcit.delta.crl" "$(sha256sum <delta.der)" \
    "$(sha256sum <"$CADIR/crl/dcit.delta.crl")"
"$OPENSSL" crl -inform DER -in delta.der -noout -text >delta.txt
assert_nogrep "a delta CRL has no Freshest CRL (RFC 5280 5.2.6)" \
    "Freshest CRL" delta.txt
assert_grep "Delta CRL Indicator: critical" \
    "X509v3 Delta CRL Indicator: critical" delta.txt
assert_eq "... naming the base CRL number" \
    "$(grep -A1 'Delta CRL Indicator' delta.txt | tail -n 1 | tr -d ' ')" \
    "$BASE"
check "the delta CRL verifies" "$OPENSSL" crl -inform DER -in delta.der \
    -CAfile "$DCRT" -verify -noout
serials delta.der >/dev/null
assert_grep "delta: d1 revoked since the base" \
    "^$(cert_serial d1.crt) Key_Compromise$" delta.der.entries
assert_grep "delta: d3 released: removeFromCRL" \
    "^$(cert_serial d3.crt) Remove_From_CRL$" delta.der.entries
assert_eq "delta: nothing else (d4 was in the base)" \
    "$(wc -l <delta.der.entries | tr -d ' ')" 2
for f in base delta; do
	"$OPENSSL" crl -inform DER -in $f.der -out $f.pem
done
# verify_crl DESC CERT WANT [openssl args]: WANT is ok or revoked.
# -use_deltas goes with -extended_crl: without it, OpenSSL 3.0 does not set
# delta CRLs aside when it picks the base (get_crl_score), so a delta made
# a second after its base is taken as the base and the base's entries are
# never looked at (d4 below came out good about half the time).
verify_crl() {
	_vc_d=$1 _vc_c=$2 _vc_w=$3
	shift 3
	run "$OPENSSL" verify -crl_check -CAfile "$ROOT_CRT" -untrusted \
	    "$DCRT" "$@" "$_vc_c"
	if [ "$_vc_w" = ok ] && [ "$RC" -eq 0 ]; then
		ok "$_vc_d"
	elif [ "$_vc_w" = revoked ] && [ "$RC" -ne 0 ] &&
	    grep -q "certificate revoked" "$OUT" "$ERR"; then
		ok "$_vc_d"
	else
		fail "$_vc_d (exit $RC, want $_vc_w)"
		show_last
	fi
}
verify_crl "base alone: d1 still good" d1.crt ok -CRLfile base.pem
verify_crl "-use_deltas: d1 revoked" d1.crt revoked -extended_crl -use_deltas \
    -CRLfile base.pem -CRLfile delta.pem
verify_crl "base alone: d3 on hold" d3.crt revoked -CRLfile base.pem
verify_crl "-use_deltas: d3 released" d3.crt ok -extended_crl -use_deltas \
    -CRLfile base.pem -CRLfile delta.pem
verify_crl "-use_deltas: d4 revoked in the base" d4.crt revoked \
    -extended_crl -use_deltas -CRLfile base.pem -CRLfile delta.pem
verify_crl "-use_deltas: d2 good" d2.crt ok -extended_crl -use_deltas \
    -CRLfile base.pem -CRLfile delta.pem
expect_fail 1 usage kca crl --ca citizen --delta --ca-pass "file:$CAPASS"
assert_grep "--delta on a CA without: says ca-new --delta-crl" \
    "ca-new --delta-crl" "$ERR"

# the publisher and delta CRLs: a change makes a delta, not a full CRL
"$KALIT_CA" -d "$CADIR" crl --watch --ca dcit --ca-pass "file:$CAPASS" \
    >wd.out 2>wd.err &
WPID=$!
wait_for "--watch: full and delta CRL at start" \
    grep -q "CRL [0-9]* of CA dcit (delta of CRL" wd.err
FULL=$(sql "SELECT max(number) FROM crls WHERE ca = 'dcit' AND delta = 0")
kca revoke "$(cert_serial d2.crt)" --reason superseded >/dev/null ||
    fail "revoke d2"
wait_for "--watch: after a revocation, a delta lists it" \
    listed dcit 0 1 "$(cert_serial d2.crt)"
assert_eq "--watch: ... on the same base, no new full CRL" \
    "$(sql "SELECT max(number) FROM crls WHERE ca = 'dcit' AND delta = 0")" \
    "$FULL"
kill -TERM "$WPID" && wait "$WPID"
WPID=

# --- sharded CRLs --------------------------------------------------------------------
check "ca-new --crl-shards 4 --delta-crl" kca ca-new --profile citizen \
    --name scit --crl-shards 4 --delta-crl --ca-pass "file:$CAPASS"
SCRT=$CADIR/certs/scit.crt
kca --json ca-list >cas.json
assert_eq "ca-list --json: crl_shards and delta_crl" \
    "$(json '[(c["crl_shards"], c["delta_crl"]) for c in j if c["name"] == "scit"]' \
    cas.json)" "[(4, True)]"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	issue scit "s$i"
done
ok_shards=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	k=$(python3 -c 'import sys; print(int(sys.argv[1], 16) % 4)' \
	    "$(cert_serial "s$i.crt")")
	echo "$k" >>shards.txt
	"$OPENSSL" x509 -in "s$i.crt" -noout -ext crlDistributionPoints,freshestCRL \
	    >"s$i.ext" 2>&1
	grep -q "URI:http://127.0.0.1:8443/crl/scit\.$k\.crl$" "s$i.ext" &&
	    grep -q "URI:http://127.0.0.1:8443/crl/scit\.$k\.delta\.crl$" \
	    "s$i.ext" && ok_shards=$((ok_shards + 1))
done
assert_eq "each certificate names its shard (serial mod 4) and its delta" \
    "$ok_shards" 12
for i in 1 2 3 4 5 6; do
	kca revoke "$(cert_serial "s$i.crt")" --reason keyCompromise \
	    >/dev/null || fail "revoke s$i"
done
check "crl of a sharded CA" kca --json crl --ca scit --ca-pass "file:$CAPASS"
cp "$OUT" scrl.json
assert_eq "--json: four shards, six entries in all" \
    "$(json '(len(j["shards"]), j["entries"], sum(s["entries"] for s in j["shards"]))' \
    scrl.json)" "(4, 6, 6)"
all_ok=0
for k in 0 1 2 3; do
	f=$CADIR/crl/scit.$k.crl
	"$OPENSSL" crl -inform DER -in "$f" -noout -text >"shard$k.txt"
	"$OPENSSL" crl -inform DER -in "$f" -out "shard$k.pem"
	grep -A2 "Issuing Distribution Point: critical" "shard$k.txt" |
	    grep -q "URI:http://127.0.0.1:8443/crl/scit\.$k\.crl$" &&
	    all_ok=$((all_ok + 1))
	# every entry of shard k is a serial of shard k
	serials "$f" | while read -r s; do
		python3 -c 'import sys; sys.exit(int(sys.argv[1], 16) % 4 != int(sys.argv[2]))' \
		    "$s" "$k" || echo "$s" >>wrong.txt
	done
done
assert_eq "each shard's CRL has a critical IDP naming exactly its URL" \
    "$all_ok" 4
assert "each shard lists only its own serials" ! -e wrong.txt
assert_eq "the shards list the six revoked" "$(cat "$CADIR"/crl/scit.?.crl.entries |
    wc -l | tr -d ' ')" 6
cat shard0.pem shard1.pem shard2.pem shard3.pem >shards.pem
for i in 1 6 7 12; do
	if [ "$i" -le 6 ]; then want=revoked; else want=ok; fi
	run "$OPENSSL" verify -crl_check -CAfile "$ROOT_CRT" -untrusted "$SCRT" \
	    -CRLfile shards.pem "s$i.crt"
	if { [ "$want" = ok ] && [ "$RC" -eq 0 ]; } ||
	    { [ "$want" = revoked ] &&
	    grep -q "certificate revoked" "$OUT" "$ERR"; }
	then
		ok "openssl verify -crl_check over all shards: s$i $want"
	else
		fail "openssl verify -crl_check s$i: exit $RC, want $want"
		show_last
	fi
done
k7=$(sed -n 7p shards.txt)
other=$(( (k7 + 1) % 4 ))
run "$OPENSSL" verify -crl_check -CAfile "$ROOT_CRT" -untrusted "$SCRT" \
    -CRLfile "shard$other.pem" s7.crt
assert "another shard's CRL does not cover s7 (unable to get CRL)" \
    "$RC" -ne 0
kca revoke "$(cert_serial s7.crt)" --reason superseded >/dev/null ||
    fail "revoke s7"
check "crl --delta of a sharded CA" kca crl --ca scit --delta \
    --ca-pass "file:$CAPASS"
f=$CADIR/crl/scit.$k7.delta.crl
"$OPENSSL" crl -inform DER -in "$f" -out sdelta.pem
"$OPENSSL" crl -inform DER -in "$f" -noout -text >sdelta.txt
assert_grep "a shard's delta has its shard's IDP" \
    "URI:http://127\.0\.0\.1:8443/crl/scit\.$k7\.crl$" sdelta.txt
run "$OPENSSL" verify -crl_check -extended_crl -use_deltas \
    -CAfile "$ROOT_CRT" -untrusted "$SCRT" -CRLfile shards.pem \
    -CRLfile sdelta.pem s7.crt
cat "$OUT" "$ERR" >s7.out
assert_grep "-use_deltas over the shards: s7 revoked" "certificate revoked" \
    s7.out
expect_fail 1 usage kca crl --ca scit --out one.crl --ca-pass "file:$CAPASS"
assert "no --out file left" ! -e one.crl

# --- a revoked issuing CA: the publisher serves the others -----------------------------
check "ca-new gone" kca ca-new --profile citizen --name gone \
    --ca-pass "file:$CAPASS"
kca revoke "$(cert_serial "$CADIR/certs/gone.crt")" --reason \
    cessationOfOperation >/dev/null || fail "revoke the gone CA"
"$KALIT_CA" -d "$CADIR" crl --watch --ca-pass "file:$CAPASS" >wg.out \
    2>wg.err &
WPID=$!
wait_for "--watch with a revoked CA: the others are published" \
    grep -q "CRL [0-9]* of CA citizen2 (full)" wg.err
assert_grep "--watch says the revoked CA gets no CRLs" \
    "CA gone is revoked or on hold: no CRLs for it" wg.err
kill -TERM "$WPID" && wait "$WPID"
WPID=
expect_fail 3 ca_revoked kca crl --watch --ca gone --ca-pass "file:$CAPASS"

# --- refused ---------------------------------------------------------------------------
expect_fail 1 usage kca crl --ca citizen --every 60 --ca-pass "file:$CAPASS"
expect_fail 1 usage kca crl --watch --out x.crl --ca-pass "file:$CAPASS"
expect_fail 1 usage kca crl --watch --delta --ca-pass "file:$CAPASS"
expect_fail 1 usage kca crl --watch --every 5 --ca-pass "file:$CAPASS"
expect_fail 1 usage kca ca-new --profile citizen --name big --crl-shards 257 \
    --ca-pass "file:$CAPASS"
expect_fail 1 usage kca ca-new --profile citizen --name none --crl-shards 0 \
    --ca-pass "file:$CAPASS"
expect_fail 3 ca_unknown kca crl --watch --ca nosuch --ca-pass "file:$CAPASS"
echo wrong >wrong.pass
expect_fail 4 passphrase_wrong kca crl --watch --ca-pass file:wrong.pass
check "audit-verify" kca audit-verify

finish
