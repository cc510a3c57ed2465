#!/bin/sh
# shellcheck disable=SC1090,SC2154
# file_modes.sh: under umask 022, every file kalit-ca, kalitd and kalit
# create is mode 0600 and every directory 0700: the databases (client-secret
# hashes, the audit log) and their -wal and -shm files, CA and token keys,
# key files, CRLs, archives, signatures.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"

cd "$TMP" || exit 99
PORT=$(free_port)
# The test's own files first, under lib.sh's umask 077.
"$OPENSSL" rand -hex 16 >"$CAPASS"
"$OPENSSL" rand -hex 8 >"$KEYPASS"
write_conf
mkdir out docs

# mode DESC FILE WANT: FILE exists with mode WANT (octal, as stat says).
mode() {
	if [ ! -e "$2" ]; then
		fail "$1: $(basename "$2") does not exist"
	else
		assert_eq "$1: $(basename "$2") is $3" "$(stat -c %a "$2")" "$3"
	fi
}

# only_private DESC DIR: nothing under DIR is open to group or others.
only_private() {
	find "$2" \( -type f ! -perm 600 \) -o \( -type d ! -perm 700 \) \
	    >loose.txt
	if [ -s loose.txt ]; then
		fail "$1: not 0600 files and 0700 directories:"
		sed "s|$TMP/||; s/^/     | /" loose.txt | head -n 10
	else
		ok "$1: every file 0600, every directory 0700"
	fi
}

umask 022

# --- kalit-ca -----------------------------------------------------------------
make_pki
mode "init" "$DB" 600
mode "init" "$CADIR/keys/root.key" 600
mode "ca-new" "$CADIR/keys/citizen.key" 600
check "issue a key file" kca_issue --profile citizen --given-name Vali \
    --surname Aliyev --pinfl "$(pinfl 1)" --out out/cit.p12 \
    --key-pass "file:$KEYPASS"
mode "issue --out" out/cit.p12 600
check "responder key file" kca responder --ca citizen --out out/ocsp.p12 \
    --ca-pass "file:$CAPASS" --new-pass "file:$KEYPASS"
mode "responder --out" out/ocsp.p12 600
check "crl" kca crl --ca citizen --ca-pass "file:$CAPASS"
check "crl --out" kca crl --ca citizen --ca-pass "file:$CAPASS" \
    --out out/citizen.crl
mode "crl --out" out/citizen.crl 600
sleep 1.1	# the records so far are older than now
check "audit-archive" kca audit-archive --before \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --out out/audit.jsonl
mode "audit-archive --out" out/audit.jsonl 600
# The publisher holds the database open: its -wal and -shm files exist.
"$KALIT_CA" -d "$CADIR" crl --watch --ca citizen --every 60 \
    --ca-pass "file:$CAPASS" >watch.log 2>&1 &
WPID=$!
i=0
while [ $i -lt 100 ] && ! [ -e "$DB-shm" ]; do
	sleep 0.1
	i=$((i + 1))
done
mode "a running kalit-ca" "$DB-wal" 600
mode "a running kalit-ca" "$DB-shm" 600
kill -TERM "$WPID" 2>/dev/null
wait "$WPID"
only_private "the CA directory" "$CADIR"

# --- kalitd ---------------------------------------------------------------------
check "kalitd keygen" kd keygen
check "kalitd client add" add_client portal
mode "client add" "$SRV/kalitd.db" 600
start_kalitd
mode "a running kalitd" "$SRV/kalitd.db-wal" 600
mode "a running kalitd" "$SRV/kalitd.db-shm" 600
only_private "a running kalitd's directory" "$SRV"
stop_kalitd
only_private "kalitd's directory" "$SRV"

# --- kalit ------------------------------------------------------------------------
echo "Ariza" >docs/doc.txt
check "kalit sign" "$KALIT" sign --password "file:$KEYPASS" --key \
    out/cit.p12 docs/doc.txt
mode "kalit sign" docs/doc.txt.p7s 600

finish
